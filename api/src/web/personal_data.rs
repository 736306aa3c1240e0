//! A person's rights over their data on the customer card (issue 15,
//! ADR 0018): download everything held about the customer as JSON
//! (`parties.export`), and erase their personal data for good
//! (administrators, after ticking a confirmation). Both are `app`'s use
//! cases (`subject_access`, `erasure`); this module only reads the form
//! and answers.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::parties::ErasureReason;
use serde::Deserialize;

use super::Viewer;
use super::customer_actions::{CardForms, known_party};
use super::customers::render_card;
use super::forms;
use super::i18n::Tr;
use crate::AppState;

/// The erase form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    reason: String,
    /// The confirmation box: present when ticked.
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    command: String,
}

/// The erase reasons the form offers, by code.
pub const REASON_CODES: [&str; 3] = ["request", "retention", "other"];

/// `GET /customers/{id}/personal-data`: everything held about the
/// customer, saved as `personal-data-<id>.json`.
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let Some(party) = known_party(&state, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
    };
    let app = state.app.clone();
    let export =
        tokio::task::spawn_blocking(move || app.subject_access().export(&caller, party)).await;
    match export {
        Ok(Ok(export)) => {
            tracing::info!(%party, events = export.events.len(), "subject access export");
            let json = serde_json::to_string_pretty(&export).unwrap_or_default();
            super::export::download_as(
                &format!("personal-data-{party}.json"),
                "application/json",
                json,
            )
        }
        Ok(Err(app::commands::CommandError::Forbidden { .. })) => {
            super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden")
        }
        Ok(Err(app::commands::CommandError::Domain(_))) => {
            super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found")
        }
        failed => {
            tracing::error!(?failed, "a subject access export failed");
            super::refused_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                viewer.lang,
                "personal-failed",
            )
        }
    }
}

/// `POST /customers/{id}/erase`: erases the customer's personal data once
/// the box is ticked, then shows the card, erased; without the tick, the
/// card again with the reason kept and the box asked for.
pub async fn erase(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<EraseForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(&state, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let shown_again = |error: String| {
        let mut forms = CardForms::blank(&state.app);
        forms.erase.reason = form.reason.clone();
        forms.erase.command = form.command.clone();
        forms.erase_error = Some(error);
        forms
    };
    let reason = match ErasureReason::parse("reason", &form.reason) {
        Ok(reason) => reason,
        Err(_) => {
            let forms = shown_again(tr.t("form-choose"));
            return render_card(&state, viewer.clone(), &id, forms, StatusCode::BAD_REQUEST).await;
        }
    };
    if form.confirm.is_none() {
        let forms = shown_again(tr.t("personal-erase-confirm-missing"));
        return render_card(&state, viewer.clone(), &id, forms, StatusCode::BAD_REQUEST).await;
    }
    let command_id = forms::command_id(&state.app, &form.command);
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let erased = match viewer.caller() {
        Ok(caller) => {
            state
                .running()
                .erase_party(&caller, run, party, reason)
                .await
        }
        Err(error) => Err(error),
    };
    match erased {
        Ok(erasure) => {
            tracing::info!(%party, keys_destroyed = erasure.keys_destroyed, "personal data erased");
            let location = format!("/customers/{party}");
            forms::redirect_after(&state, erasure.executed.last_position, &location).await
        }
        Err(error) => {
            let errors = forms::FormErrors::from_command(tr, &error, &[]);
            let message = errors.form.unwrap_or_else(|| tr.t("personal-failed"));
            let forms = shown_again(message);
            render_card(
                &state,
                viewer.clone(),
                &id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
