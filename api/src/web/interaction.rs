//! One interaction from a customer's timeline (issue 17): what it was,
//! with forms to amend its subject and notes or to withdraw it with a
//! reason. Reading and both changes check the interaction is in the
//! viewer's reach (its customer's owner), "missing" and "out of reach"
//! answering alike; a refusal shows the page again with the typing kept
//! and the error next to its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::ids::InteractionId;
use domain::interactions::{Interaction, InteractionCommand, InteractionKind, InteractionState};
use domain::values::{Label, Text};
use serde::Deserialize;

use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

/// The amend and withdraw forms as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InteractionForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    command: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "interaction.html")]
pub struct InteractionPage {
    page: Page,
    id: String,
    customer_href: String,
    customer_name: String,
    kind: String,
    details: Vec<(String, String)>,
    withdrawn: bool,
    form: InteractionForm,
    /// Which form failed: `amend` or `withdraw`.
    failed: String,
    errors: FormErrors,
    command: String,
    can_edit: bool,
}

/// The interaction `raw` names, if the viewer may read it.
fn readable(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Option<(InteractionId, InteractionState)> {
    let id: InteractionId = super::readable_id(state, viewer, raw, app::access::Kind::Interaction)?;
    let (interaction, _) = state.app.load::<Interaction>(id).ok()?;
    interaction.map(|interaction| (id, interaction))
}

fn kind_details(tr: Tr, kind: &InteractionKind) -> (String, Vec<(String, String)>) {
    match kind {
        InteractionKind::Call {
            direction,
            duration_seconds,
            outcome,
            recording_url,
        } => {
            let mut details = vec![
                (
                    tr.t("log-direction"),
                    tr.t(&format!("interaction-direction-{}", direction.code())),
                ),
                (
                    tr.t("log-outcome"),
                    tr.t(&format!(
                        "call-outcome-{}",
                        outcome.code().replace('_', "-")
                    )),
                ),
                (tr.t("log-minutes"), (duration_seconds / 60).to_string()),
            ];
            if let Some(url) = recording_url {
                details.push((tr.t("log-recording"), url.clone()));
            }
            (tr.t("interaction-kind-call"), details)
        }
        InteractionKind::Email { direction } => (
            tr.t("interaction-kind-email"),
            vec![(
                tr.t("log-direction"),
                tr.t(&format!("interaction-direction-{}", direction.code())),
            )],
        ),
        InteractionKind::Meeting {
            duration_minutes,
            location,
        } => {
            let mut details = vec![(tr.t("log-minutes"), duration_minutes.to_string())];
            if let Some(location) = location {
                details.push((tr.t("log-location"), location.clone()));
            }
            (tr.t("interaction-kind-meeting"), details)
        }
        InteractionKind::Note => (tr.t("interaction-kind-note"), Vec::new()),
    }
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    shown: Option<(&str, InteractionForm, FormErrors)>,
    status: StatusCode,
) -> Response {
    let back = format!("/interactions/{}", super::percent_encode(raw));
    let Some((id, interaction)) = readable(state, viewer, raw) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let page = Page::new(viewer, Section::Customers, "interaction-title", back);
    let tr = page.tr;
    let (customer_name, party) = state.read_models.customers.read(|customers| {
        customers
            .resolve(interaction.party)
            .map_or((String::new(), interaction.party), |row| {
                (row.display_name.clone(), row.id)
            })
    });
    let (kind, details) = kind_details(tr, &interaction.kind);
    // The amend form shows the interaction as it is, unless the amend
    // itself failed; the withdraw form its reason as typed.
    let current = InteractionForm {
        subject: interaction.subject.clone().unwrap_or_default(),
        body: interaction.body.clone(),
        ..InteractionForm::default()
    };
    let (failed, form, errors) = match shown {
        Some(("amend", typed, errors)) => ("amend".to_owned(), typed, errors),
        Some((failed, typed, errors)) => (
            failed.to_owned(),
            InteractionForm {
                reason: typed.reason,
                command: typed.command,
                ..current
            },
            errors,
        ),
        None => (String::new(), current, FormErrors::default()),
    };
    let command = forms::command_id(&state.app, &form.command).to_string();
    (
        status,
        InteractionPage {
            page,
            id: id.to_string(),
            customer_href: format!("/customers/{party}"),
            customer_name,
            kind,
            details,
            withdrawn: interaction.withdrawn,
            form,
            failed,
            errors,
            command,
            can_edit: !interaction.withdrawn && viewer.allows(Module::Interactions, Action::Edit),
        },
    )
        .into_response()
}

/// `GET /interactions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(&state, &viewer, &id, None, StatusCode::OK)
}

/// `POST /interactions/{id}/{amend,withdraw}`.
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<InteractionForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((interaction, _)) = readable(&state, &viewer, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let command = match action.as_str() {
        "amend" => {
            let subject = Label::parse_optional("subject", Some(&form.subject))
                .map_err(|_| errors.add("subject", tr.t("form-one-line")))
                .ok();
            let body = Text::parse("body", &form.body)
                .map_err(|_| errors.add("body", tr.t("form-too-long")))
                .ok();
            subject
                .zip(body)
                .map(|(subject, body)| InteractionCommand::Amend { subject, body })
        }
        "withdraw" => Label::parse("reason", &form.reason)
            .map_err(|_| errors.add("reason", tr.t("form-required-line")))
            .ok()
            .map(|reason| InteractionCommand::Withdraw { reason }),
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return render(
            &state,
            &viewer,
            &id,
            Some((&action, form, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result =
        forms::execute_as::<Interaction, _>(&state, &viewer, run, interaction, command).await;
    match result {
        Ok(executed) => {
            let location = format!("/interactions/{interaction}");
            forms::redirect_after(&state, executed.last_position, &location).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("subject", "subject"),
                    ("body", "body"),
                    ("reason", "reason"),
                ],
            );
            render(
                &state,
                &viewer,
                &id,
                Some((&action, form, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
