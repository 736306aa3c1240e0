//! The administrators' data retention page (issue 15, ADR 0019): every
//! retention rule with what it would erase now and its latest runs; a
//! form to define one; per rule, change its name and period, pause or
//! resume it, and run it now. The rules and their runs are
//! `app::retention`'s.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::RetentionRuleId;
use domain::retention::{InactiveMonths, RetentionTarget};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use app::commands::CommandError;
use app::retention::RuleView;

use super::forms::{self, Choice, FormErrors};
use super::i18n::{Lang, Tr};
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Runs shown per rule on the page.
const RUNS_SHOWN: usize = 10;

/// A new rule as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    inactive_months: String,
    /// The form's command id: a second click defines nothing twice.
    #[serde(default)]
    command: String,
}

impl RuleForm {
    /// An empty form, offering the common two years.
    fn blank() -> Self {
        Self {
            inactive_months: "24".to_owned(),
            ..Self::default()
        }
    }
}

/// A rule's new name and period as typed, or an action's command id.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    inactive_months: String,
    #[serde(default)]
    command: String,
}

/// A rule's line.
#[derive(Debug)]
pub struct RuleLine {
    id: Uuid,
    name: String,
    target: String,
    months: u16,
    paused: bool,
    state: String,
    /// How many records it would erase if it ran now.
    due_now: String,
    runs: Vec<RunLine>,
    command: Uuid,
}

/// One run, worded.
#[derive(Debug)]
pub struct RunLine {
    as_of: String,
    cutoff: String,
    found: String,
    outcome: String,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "retention.html")]
pub struct RetentionPage {
    page: Page,
    rules: Vec<RuleLine>,
    targets: Vec<Choice>,
    form: RuleForm,
    command: Uuid,
    errors: FormErrors,
    notice: Option<String>,
}

fn number(lang: Lang, value: impl TryInto<i64>) -> String {
    format::integer(lang, value.try_into().unwrap_or(i64::MAX))
}

fn target_text(tr: Tr, target: RetentionTarget) -> String {
    tr.t(&format!("retention-target-{}", target.code()))
}

fn line(state: &AppState, tr: Tr, view: RuleView) -> RuleLine {
    let lang = tr.lang;
    let now = state.app.now();
    let cutoff = app::retention::cutoff(now, view.rule.inactive_months);
    let due = app::retention::due_subjects(&state.read_models, view.rule.target, cutoff).len();
    let runs = view
        .runs
        .iter()
        .take(RUNS_SHOWN)
        .map(|run| RunLine {
            as_of: format::date_time(lang, run.as_of),
            cutoff: format::date_time(lang, run.cutoff),
            found: number(lang, run.subjects.len()),
            outcome: match run.finished {
                Some((erased, kept)) => {
                    let erased = tr.t1("retention-erased", "count", &number(lang, erased));
                    let kept = tr.t1("retention-kept", "count", &number(lang, kept));
                    format!("{erased} · {kept}")
                }
                None => tr.t("retention-unfinished"),
            },
            by: match &run.by {
                eventlog::Actor::System { .. } => tr.t("retention-by-process"),
                eventlog::Actor::User { user_id, .. } => state
                    .read_models
                    .users
                    .read(|users| {
                        users
                            .user(domain::ids::UserId::from_uuid(*user_id))
                            .map(|user| user.display_name.clone())
                    })
                    .unwrap_or_else(|| user_id.to_string()),
            },
        })
        .collect();
    RuleLine {
        id: view.id.as_uuid(),
        name: view.rule.name.clone(),
        target: target_text(tr, view.rule.target),
        months: view.rule.inactive_months,
        paused: view.rule.paused,
        state: tr.t(if view.rule.paused {
            "retention-paused"
        } else {
            "retention-active"
        }),
        due_now: number(lang, due),
        runs,
        command: state.app.new_id(),
    }
}

/// The page, with `form` as typed and what a submission found.
fn render(
    state: &AppState,
    viewer: &Viewer,
    form: RuleForm,
    errors: FormErrors,
    notice: Option<String>,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Users,
        "retention-title",
        "/admin/retention".to_owned(),
    );
    let tr = page.tr;
    let views = match viewer.caller() {
        Ok(caller) => state.app.retention().rules(&caller),
        Err(error) => Err(error),
    };
    let views = match views {
        Ok(views) => views,
        Err(CommandError::Forbidden { .. }) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
        Err(error) => {
            tracing::error!(%error, "reading the retention rules failed");
            return super::refused_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                viewer.lang,
                "form-failed",
            );
        }
    };
    let rules = views
        .into_iter()
        .map(|view| line(state, tr, view))
        .collect();
    let codes: Vec<&'static str> = RetentionTarget::ALL
        .iter()
        .map(|target| target.code())
        .collect();
    let targets = forms::choices(tr, "retention-target", &codes, &form.target);
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    (
        status,
        RetentionPage {
            page,
            rules,
            targets,
            form,
            command,
            errors,
            notice,
        },
    )
        .into_response()
}

/// `GET /admin/retention`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(
        &state,
        &viewer,
        RuleForm::blank(),
        FormErrors::default(),
        None,
    )
}

/// Months as typed, a whole number.
fn months_of(raw: &str) -> Result<InactiveMonths, domain::DomainError> {
    let months = raw.trim().parse::<i64>().map_err(|_| {
        domain::DomainError::invalid("inactive_months", "expected a whole number of months")
    })?;
    InactiveMonths::parse("inactive_months", months)
}

/// `POST /admin/retention`: defines a rule.
pub async fn define(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RuleForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-invalid")))
        .ok();
    let target = RetentionTarget::parse("target", &form.target)
        .map_err(|_| errors.add("target", tr.t("form-choose")))
        .ok();
    let months = months_of(&form.inactive_months)
        .map_err(|_| errors.add("inactive_months", tr.t("retention-months-invalid")))
        .ok();
    let (Some(name), Some(target), Some(months)) = (name, target, months) else {
        return render(&state, &viewer, form, errors, None);
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let id = RetentionRuleId::from_uuid(domain::ids::derived(command_id, b"retention-rule"));
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let defined = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .retention()
                .define(&caller, run, id, name, target, months)
                .await
        }
        Err(error) => Err(error),
    };
    match defined {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/admin/retention").await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(&state, &viewer, form, errors, None)
        }
    }
}

/// `POST /admin/retention/{id}/{action}`: `change` (name and period),
/// `pause`, `resume` or `run` (now; the page then says what it erased).
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(id) = id.parse::<Uuid>().map(RetentionRuleId::from_uuid) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            return render(&state, &viewer, RuleForm::blank(), errors, None);
        }
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let retention = state.app.retention();
    let outcome = match action.as_str() {
        "change" => {
            let name = Label::parse("name", &form.name);
            let months = months_of(&form.inactive_months);
            match (name, months) {
                (Ok(name), Ok(months)) => retention
                    .change(&caller, run, id, name, months)
                    .await
                    .map(|executed| Err(executed.last_position)),
                _ => {
                    let mut errors = FormErrors::default();
                    errors.form = Some(tr.t("retention-months-invalid"));
                    return render(&state, &viewer, RuleForm::blank(), errors, None);
                }
            }
        }
        "pause" | "resume" => retention
            .set_paused(&caller, run, id, action == "pause")
            .await
            .map(|executed| Err(executed.last_position)),
        "run" => state
            .running()
            .run_retention_rule(&caller, id)
            .await
            .map(|report| {
                let erased = tr.t1("retention-erased", "count", &number(tr.lang, report.erased));
                let kept = tr.t1("retention-kept", "count", &number(tr.lang, report.kept));
                Ok(format!("{} {erased} · {kept}", tr.t("retention-ran")))
            }),
        _ => {
            return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
        }
    };
    // A run is answered with what it did; a change goes back to the page.
    match outcome {
        Ok(Ok(notice)) => render(
            &state,
            &viewer,
            RuleForm::blank(),
            FormErrors::default(),
            Some(notice),
        ),
        Ok(Err(position)) => forms::redirect_after(&state, position, "/admin/retention").await,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(&state, &viewer, RuleForm::blank(), errors, None)
        }
    }
}
