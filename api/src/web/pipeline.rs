//! The pipeline board: open deals by stage (the `pipeline_board` read
//! model), and forms on each card to move the deal to another stage, or
//! close it as won or lost with a reason. Each form carries the deal's
//! version as the board showed it, so a deal someone else moved in the
//! meantime is not moved again blindly.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::{DealId, PipelineId, StageId};
use domain::pipeline::{Deal, DealCommand};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::Viewer;
use super::format;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section};
use crate::AppState;

/// Cards shown per stage (the largest deals); the column says how many
/// there are in all.
const CARDS_PER_STAGE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    pipeline: String,
}

/// A stage a card can move to.
#[derive(Debug)]
pub struct StageChoice {
    pub value: String,
    pub label: String,
}

/// A deal's card.
#[derive(Debug)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub customer: String,
    pub customer_href: String,
    pub amount: String,
    pub probability: String,
    pub version: String,
    /// The other stages, for the move form.
    pub targets: Vec<StageChoice>,
    pub error: Option<String>,
    pub reason_error: Option<String>,
    pub reason: String,
}

/// A stage's column.
#[derive(Debug)]
pub struct ColumnView {
    pub id: String,
    pub name: String,
    pub count: String,
    pub total: String,
    pub cards: Vec<Card>,
    /// The stage's list of every deal, when the column shows only some.
    pub all_url: Option<String>,
}

/// A pipeline of the picker.
#[derive(Debug)]
pub struct PipelineChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pipeline.html")]
pub struct BoardPage {
    page: Page,
    pipelines: Vec<PipelineChoice>,
    pipeline: String,
    columns: Vec<ColumnView>,
    command: String,
}

/// What a failed action leaves on the card it came from.
#[derive(Debug, Default)]
struct CardError {
    deal: Option<DealId>,
    message: Option<String>,
    reason_error: Option<String>,
    reason: String,
}

/// The board, saying the deal a form named does not exist.
pub(crate) fn deal_not_found(state: &AppState, viewer: &Viewer) -> Response {
    let failure = CardError {
        message: Some(Tr::new(viewer.lang).t("form-not-found")),
        ..CardError::default()
    };
    render_board(state, viewer, None, failure, StatusCode::NOT_FOUND)
}

fn render_board(
    state: &AppState,
    viewer: &Viewer,
    chosen: Option<PipelineId>,
    failure: CardError,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let mut page = Page::new(
        viewer,
        Section::Pipeline,
        "nav-pipeline",
        "/pipeline".to_owned(),
    );
    let tr = page.tr;
    let names = |party| {
        state.read_models.customers.read(|customers| {
            customers
                .resolve(party)
                .map(|row| row.display_name.clone())
                .unwrap_or_default()
        })
    };
    // A sales manager's board holds their own deals only.
    let only = viewer.principal.as_ref().and_then(|principal| {
        principal.only_owner(domain::access::Module::Sales, domain::access::Action::Read)
    });
    let view = state.read_models.pipeline_board.read(|board| {
        let pipelines = board.pipelines();
        // Unless one is chosen: the first (by name) with open deals.
        let current = chosen
            .filter(|id| board.pipeline(*id).is_some())
            .or_else(|| {
                pipelines
                    .iter()
                    .find(|row| {
                        board.board(row.id, only, 1).is_some_and(|shown| {
                            shown.columns.iter().any(|column| column.count > 0)
                        })
                    })
                    .or_else(|| pipelines.first())
                    .map(|row| row.id)
            })?;
        let choices: Vec<PipelineChoice> = pipelines
            .iter()
            .map(|row| PipelineChoice {
                value: row.id.to_string(),
                label: row.name.clone(),
                selected: row.id == current,
            })
            .collect();
        let shown = board.board(current, only, CARDS_PER_STAGE)?;
        let stages: Vec<(StageId, String)> = shown
            .pipeline
            .stages
            .iter()
            .map(|stage| (stage.id, stage.name.clone()))
            .collect();
        let columns: Vec<(ColumnView, Vec<domain::ids::PartyId>)> = shown
            .columns
            .iter()
            .map(|column| {
                let cards = column
                    .deals
                    .iter()
                    .map(|deal| {
                        let failed = failure.deal == Some(deal.id);
                        Card {
                            id: deal.id.to_string(),
                            title: deal.title.clone(),
                            customer: String::new(),
                            customer_href: format!("/customers/{}", deal.party),
                            amount: format::money(
                                lang,
                                deal.amount.amount(),
                                deal.amount.currency(),
                            ),
                            probability: format!("{} %", deal.probability),
                            version: deal.version.to_string(),
                            targets: stages
                                .iter()
                                .filter(|(id, _)| *id != column.stage.id)
                                .map(|(id, name)| StageChoice {
                                    value: id.to_string(),
                                    label: name.clone(),
                                })
                                .collect(),
                            error: failed.then(|| failure.message.clone()).flatten(),
                            reason_error: failed.then(|| failure.reason_error.clone()).flatten(),
                            reason: if failed {
                                failure.reason.clone()
                            } else {
                                String::new()
                            },
                        }
                    })
                    .collect();
                let parties = column.deals.iter().map(|deal| deal.party).collect();
                let total = column
                    .total
                    .iter()
                    .map(|(currency, amount)| format::money(lang, *amount, *currency))
                    .collect::<Vec<_>>()
                    .join(" · ");
                (
                    ColumnView {
                        id: column.stage.id.to_string(),
                        name: column.stage.name.clone(),
                        count: tr.plural(
                            "pipeline-deals",
                            i64::try_from(column.count).unwrap_or(i64::MAX),
                            &format::integer(lang, i64::try_from(column.count).unwrap_or(i64::MAX)),
                        ),
                        total,
                        cards,
                        all_url: (column.count > column.deals.len()).then(|| {
                            format!(
                                "/pipeline/stage?{}",
                                super::query_string(&[
                                    ("pipeline", &current.to_string()),
                                    ("stage", &column.stage.id.to_string()),
                                ])
                            )
                        }),
                    },
                    parties,
                )
            })
            .collect();
        Some((choices, current, columns, shown.pipeline.name.clone()))
    });
    let (pipelines, pipeline, columns) = match view {
        Some((choices, current, columns, name)) => {
            page.title = name;
            let columns = columns
                .into_iter()
                .map(|(mut column, parties)| {
                    for (card, party) in column.cards.iter_mut().zip(parties) {
                        card.customer = names(party);
                    }
                    column
                })
                .collect();
            (choices, current.to_string(), columns)
        }
        None => (Vec::new(), String::new(), Vec::new()),
    };
    let page = BoardPage {
        page,
        pipelines,
        pipeline,
        columns,
        command: state.app.new_id().to_string(),
    };
    (status, page).into_response()
}

/// `GET /pipeline?pipeline=…`: the board of one pipeline (unless chosen,
/// the first by name with open deals).
pub async fn board(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<BoardQuery>,
) -> Response {
    let chosen = query.pipeline.parse::<PipelineId>().ok();
    render_board(
        &state,
        &viewer,
        chosen,
        CardError::default(),
        StatusCode::OK,
    )
}

/// Every deal form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    command: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DealAction {
    Move,
    Win,
    Lose,
}

/// What a card's form asks for: a move (whose stage `app` resolves) or a
/// command of the deal itself.
enum Chosen {
    Move(StageId),
    Command(DealCommand),
}

async fn act(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: DealForm,
    action: DealAction,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let deal = state.read_models.pipeline_board.read(|board| {
        raw_id
            .parse::<DealId>()
            .ok()
            .and_then(|id| board.deal(id).map(|row| (row.id, row.pipeline)))
    });
    let Some((deal, pipeline)) = deal else {
        return deal_not_found(state, viewer);
    };
    let mut failure = CardError {
        deal: Some(deal),
        reason: form.reason.clone(),
        ..CardError::default()
    };
    let command = match action {
        // The stage is resolved in the deal's pipeline by `app`'s use case.
        DealAction::Move => form.stage.parse::<StageId>().ok().map(Chosen::Move),
        DealAction::Win => match Label::parse_optional("reason", Some(&form.reason)) {
            Ok(reason) => Some(Chosen::Command(DealCommand::Win {
                amount: None,
                reason,
            })),
            Err(_) => {
                failure.reason_error = Some(tr.t("form-one-line"));
                None
            }
        },
        DealAction::Lose => match Label::parse("reason", &form.reason) {
            Ok(reason) => Some(Chosen::Command(DealCommand::Lose { reason })),
            Err(_) => {
                failure.reason_error = Some(tr.t("pipeline-lost-needs-reason"));
                None
            }
        },
    };
    let Some(command) = command else {
        if failure.reason_error.is_none() {
            failure.message = Some(tr.t("form-choose"));
        }
        return render_board(
            state,
            viewer,
            Some(pipeline),
            failure,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    // One page carries one command id for all its forms: each deal and
    // action derives its own, so going back and acting on another card
    // is not taken for a repeat.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!("{deal}/{action:?}").as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let result = match command {
        Chosen::Move(stage) => match viewer.caller() {
            Ok(caller) => {
                state
                    .app
                    .deals()
                    .move_to_stage(&caller, run, deal, stage, None)
                    .await
            }
            Err(error) => Err(error),
        },
        Chosen::Command(command) => {
            forms::execute_as::<Deal, _>(state, viewer, run, deal, command).await
        }
    };
    match result {
        Ok(executed) => {
            forms::redirect_after(
                state,
                executed.last_position,
                &format!("/pipeline?pipeline={pipeline}"),
            )
            .await
        }
        Err(error) => {
            let errors: FormErrors = FormErrors::from_command(tr, &error, &[("reason", "reason")]);
            failure.message = errors.form.clone();
            if let Some(message) = errors.get("reason") {
                failure.reason_error = Some(message.to_owned());
            }
            render_board(
                state,
                viewer,
                Some(pipeline),
                failure,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

macro_rules! deal_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            viewer: Viewer,
            Path(id): Path<String>,
            Form(form): Form<DealForm>,
        ) -> Response {
            act(&state, &viewer, &id, form, $action).await
        }
    };
}

deal_handler!(move_deal, DealAction::Move);
deal_handler!(win, DealAction::Win);
deal_handler!(lose, DealAction::Lose);
