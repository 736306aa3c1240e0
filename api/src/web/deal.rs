//! One deal (issue 17): what it is and where it stands, and, while it is
//! open, one form to change its title, amount and currency, probability,
//! expected close and owner. Reading and changing check the deal is in
//! the viewer's reach (its owner), "missing" and "out of reach" answering
//! alike. Every field is checked before the first change; each change is
//! the deal's own command under an id derived from the form's and the
//! field, so sending the form again after a failure repeats nothing that
//! was done.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::access::{Action, Module};
use domain::ids::{DealId, UserId};
use domain::pipeline::{Deal, DealCommand, DealState, DealStatus, Probability};
use domain::values::{Currency, Label, Money};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// The edit form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    owner: String,
    /// The stage a closed deal is reopened on.
    #[serde(default)]
    stage: String,
    #[serde(default)]
    command: String,
}

impl DealForm {
    /// The form showing the deal as it is.
    fn of(deal: &DealState) -> Self {
        Self {
            title: deal.title.clone(),
            amount: deal.amount.amount().to_string(),
            currency: deal.amount.currency().as_str().to_owned(),
            probability: deal.probability.to_string(),
            expected_close: deal
                .expected_close
                .map(|day| day.to_string())
                .unwrap_or_default(),
            owner: deal.owner.to_string(),
            stage: String::new(),
            command: String::new(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "deal.html")]
pub struct DealPage {
    page: Page,
    id: String,
    title: String,
    customer: String,
    customer_href: String,
    /// A new quote for the deal's customer, belonging to the deal.
    new_quote_href: Option<String>,
    pipeline: String,
    pipeline_href: String,
    stage: String,
    status: String,
    facts: Vec<(String, String)>,
    open: bool,
    can_edit: bool,
    /// A closed deal's: reopen it on one of its pipeline's stages.
    can_reopen: bool,
    stages: Vec<OwnedChoice>,
    owners: Vec<OwnedChoice>,
    form: DealForm,
    errors: FormErrors,
    command: String,
}

/// A user's name, or their id while the directory does not know them.
fn owner_name_of(state: &AppState, raw: &str) -> String {
    raw.parse::<UserId>()
        .ok()
        .and_then(|user| {
            state
                .read_models
                .users
                .read(|users| users.user(user).map(|row| row.display_name.clone()))
        })
        .unwrap_or_else(|| raw.to_owned())
}

/// The deal `raw` names, if the viewer may read it.
fn readable(state: &AppState, viewer: &Viewer, raw: &str) -> Option<(DealId, DealState)> {
    let id: DealId = super::readable_id(state, viewer, raw, app::access::Kind::Deal)?;
    let (deal, _) = state.app.load::<Deal>(id).ok()?;
    deal.map(|deal| (id, deal))
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    typed: Option<(DealForm, FormErrors)>,
    status: StatusCode,
) -> Response {
    let back = format!("/deals/{}", super::percent_encode(raw));
    // Missing and out of reach answer alike, as the access check's own
    // answer for a deal does: the board, saying so.
    let Some((id, deal)) = readable(state, viewer, raw) else {
        return super::pipeline::deal_not_found(state, viewer);
    };
    let mut page = Page::new(viewer, Section::Pipeline, "deal-title", back);
    let tr = page.tr;
    let lang = tr.lang;
    page.title = deal.title.clone();
    let customer = state.read_models.customers.read(|customers| {
        customers
            .resolve(deal.party)
            .map(|row| (row.id, row.display_name.clone()))
    });
    let (customer_id, customer) = customer.unwrap_or((deal.party, deal.party.to_string()));
    let stages: Vec<OwnedChoice> = state.read_models.pipeline_board.read(|board| {
        board
            .pipeline(deal.pipeline)
            .map(|row| {
                row.stages
                    .iter()
                    .map(|stage| OwnedChoice {
                        value: stage.id.to_string(),
                        label: stage.name.clone(),
                        selected: false,
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let (pipeline, stage) = state.read_models.pipeline_board.read(|board| {
        board.pipeline(deal.pipeline).map_or_else(
            || (deal.pipeline.to_string(), deal.stage.to_string()),
            |row| {
                let stage = row
                    .stages
                    .iter()
                    .chain(&row.retired)
                    .find(|stage| stage.id == deal.stage)
                    .map_or_else(|| deal.stage.to_string(), |stage| stage.name.clone());
                (row.name.clone(), stage)
            },
        )
    });
    let owner_name = |user: UserId| {
        state.read_models.users.read(|users| {
            users
                .user(user)
                .map_or_else(|| user.to_string(), |row| row.display_name.clone())
        })
    };
    let facts = vec![
        (
            tr.t("deal-amount"),
            format::money(lang, deal.amount.amount(), deal.amount.currency()),
        ),
        (tr.t("deal-probability"), format!("{} %", deal.probability)),
        (
            tr.t("deal-expected-close"),
            deal.expected_close
                .map(|day| format::date(lang, day))
                .unwrap_or_default(),
        ),
        (tr.t("deal-owner"), owner_name(deal.owner)),
        (
            tr.t("deal-close-reason"),
            deal.close_reason.clone().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let (form, errors) = typed.unwrap_or_else(|| (DealForm::of(&deal), FormErrors::default()));
    let current_owner = form.owner.trim().to_owned();
    let mut owners = state.read_models.users.read(|users| {
        let mut owners: Vec<OwnedChoice> = users
            .users()
            .filter(|(id, user)| !user.disabled || id.to_string() == current_owner)
            .map(|(id, user)| OwnedChoice {
                selected: id.to_string() == current_owner,
                value: id.to_string(),
                label: user.display_name.clone(),
            })
            .collect();
        owners.sort_by(|a, b| a.label.cmp(&b.label));
        owners
    });
    // An owner the directory does not know (imported, or a user since
    // removed) stays chosen, so saving the form never hands the deal to
    // whoever comes first in the list.
    if !owners.iter().any(|owner| owner.selected) && !current_owner.is_empty() {
        owners.insert(
            0,
            OwnedChoice {
                label: owner_name_of(state, &current_owner),
                value: current_owner.clone(),
                selected: true,
            },
        );
    }
    let command = forms::command_id(&state.app, &form.command).to_string();
    let open = deal.status == DealStatus::Open;
    let page = DealPage {
        page,
        id: id.to_string(),
        title: deal.title.clone(),
        customer,
        customer_href: format!("/customers/{customer_id}"),
        new_quote_href: (open && viewer.allows(Module::Sales, Action::Create))
            .then(|| format!("/quotes/new?party={customer_id}&deal={id}")),
        pipeline,
        pipeline_href: format!("/pipeline?pipeline={}", deal.pipeline),
        stage,
        status: tr.t(match deal.status {
            DealStatus::Open => "deal-status-open",
            DealStatus::Won => "deal-status-won",
            DealStatus::Lost => "deal-status-lost",
        }),
        facts,
        open,
        can_edit: open && viewer.allows(Module::Sales, Action::Edit),
        can_reopen: !open && viewer.allows(Module::Sales, Action::Edit) && !stages.is_empty(),
        stages,
        owners,
        form,
        errors,
        command,
    };
    (status, page).into_response()
}

/// `GET /deals/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(&state, &viewer, &id, None, StatusCode::OK)
}

/// The commands the form asks for, each only where it changes the deal;
/// `None` when a field is wrong (its error is added).
fn changes(
    tr: Tr,
    deal: &DealState,
    form: &DealForm,
    errors: &mut FormErrors,
) -> Vec<(&'static str, DealCommand)> {
    let mut commands = Vec::new();
    match Label::parse("title", &form.title) {
        Ok(title) if title.as_str() != deal.title => {
            commands.push(("title", DealCommand::Rename { title }));
        }
        Ok(_) => {}
        Err(_) => errors.add("title", tr.t("form-required-line")),
    }
    let currency = Currency::parse("currency", form.currency.trim())
        .map_err(|_| errors.add("currency", tr.t("form-currency")))
        .ok();
    let amount = format::parse_decimal(&form.amount);
    match (amount, currency) {
        (Some(amount), Some(currency)) => match Money::parse("amount", amount, currency) {
            Ok(money) if money != deal.amount => {
                commands.push(("amount", DealCommand::ChangeAmount(money)));
            }
            Ok(_) => {}
            Err(_) => errors.add("amount", tr.t("form-amount")),
        },
        (None, _) => errors.add("amount", tr.t("form-amount")),
        (Some(_), None) => {}
    }
    match form
        .probability
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|percent| Probability::parse("probability", percent).ok())
    {
        Some(probability) if probability.percent() != deal.probability => {
            commands.push(("probability", DealCommand::SetProbability(probability)));
        }
        Some(_) => {}
        None => errors.add("probability", tr.t("deal-probability-invalid")),
    }
    let close = match form.expected_close.trim() {
        "" => Some(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d").ok().map(Some),
    };
    match close {
        Some(close) if close != deal.expected_close => {
            commands.push(("expected_close", DealCommand::ChangeExpectedClose(close)));
        }
        Some(_) => {}
        None => errors.add("expected_close", tr.t("form-date")),
    }
    match form.owner.trim().parse::<UserId>() {
        Ok(owner) if owner != deal.owner => {
            commands.push(("owner", DealCommand::AssignOwner(owner)))
        }
        Ok(_) => {}
        Err(_) => errors.add("owner", tr.t("form-choose")),
    }
    commands
}

/// `POST /deals/{id}/reopen`: a won or lost deal, open again on a stage
/// of its pipeline (`app`'s use case resolves it).
pub async fn reopen(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<DealForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((id, _)) = readable(&state, &viewer, &raw) else {
        return super::pipeline::deal_not_found(&state, &viewer);
    };
    let Ok(stage) = form.stage.trim().parse::<domain::ids::StageId>() else {
        let mut errors = FormErrors::default();
        errors.add("stage", tr.t("form-choose"));
        return render(
            &state,
            &viewer,
            &raw,
            Some((form, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let reopened = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .deals()
                .reopen(&caller, run, id, Some(stage), None)
                .await
        }
        Err(error) => Err(error),
    };
    match reopened {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/deals/{id}")).await
        }
        Err(error) => {
            let mut errors = FormErrors::from_command(tr, &error, &[]);
            if let Some(message) = errors.form.take() {
                errors.add("stage", message);
            }
            render(
                &state,
                &viewer,
                &raw,
                Some((form, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// `POST /deals/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<DealForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((id, deal)) = readable(&state, &viewer, &raw) else {
        return super::pipeline::deal_not_found(&state, &viewer);
    };
    let mut errors = FormErrors::default();
    let commands = changes(tr, &deal, &form, &mut errors);
    if !errors.is_empty() {
        return render(
            &state,
            &viewer,
            &raw,
            Some((form, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            return render(
                &state,
                &viewer,
                &raw,
                Some((form, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let mut last_position = None;
    for (field, command) in commands {
        let run = app::Run {
            command_id: Uuid::new_v5(&command_id, field.as_bytes()),
            expected_version: None,
        };
        match state
            .app
            .execute::<Deal, _>(&caller, run, id, command, None)
            .await
        {
            Ok(executed) => last_position = executed.last_position.or(last_position),
            Err(error) => {
                let mut errors = FormErrors::from_command(
                    tr,
                    &error,
                    &[
                        ("title", "title"),
                        ("amount", "amount"),
                        ("probability", "probability"),
                    ],
                );
                // A refusal of one change stands next to its field.
                if errors.get(field).is_none()
                    && let Some(message) = errors.form.take()
                {
                    errors.add(field, message);
                }
                return render(
                    &state,
                    &viewer,
                    &raw,
                    Some((form, errors)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
        }
    }
    forms::redirect_after(&state, last_position, &format!("/deals/{id}")).await
}
