//! An order's confirmation printed from its page: the original laid out
//! in the language chosen (once), then copies from its record.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::documents::{Document, PrintKind};
use domain::ids::{DocumentId, OrderId};
use domain::words::Language;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::web::Viewer;
use crate::web::forms::{self, FormErrors};
use crate::web::i18n::Tr;

/// The id of `order`'s confirmation, once printed.
pub(crate) fn printed_confirmation(state: &AppState, order: OrderId) -> Option<String> {
    let document = DocumentId::original(PrintKind::OrderConfirmation.key(), order.as_uuid());
    match state.app.load::<Document>(document) {
        Ok((Some(_), _)) => Some(document.to_string()),
        _ => None,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub language: String,
}

/// `POST /orders/{id}/print`: the confirmation's original, as a PDF.
pub async fn print(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<PrintForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let (Some(order), Some(language)) = (
        raw.trim().parse::<OrderId>().ok(),
        Language::parse(form.language.trim()),
    ) else {
        return super::order_not_found(&viewer, &raw);
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return crate::web::refused_page(
                StatusCode::FORBIDDEN,
                viewer.lang,
                "refused-forbidden",
            );
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let run = app::Run {
        command_id: Uuid::new_v5(&command_id, format!("print/{order}").as_bytes()),
        expected_version: None,
    };
    match state
        .app
        .documents()
        .issue_order_confirmation(&caller, run, order, language, state.renderer.clone())
        .await
    {
        Ok(issued) => crate::printer::pdf_response(StatusCode::OK, &issued.number, issued.pdf),
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            super::show_with(&state, &viewer, &raw, errors).await
        }
    }
}

/// `GET /orders/{id}/documents/{document}`: a copy of the confirmation.
pub async fn copy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, document)): Path<(String, String)>,
) -> Response {
    let not_found =
        || crate::web::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    let (Some(order), Ok(document), Ok(caller)) = (
        raw.trim().parse::<OrderId>().ok(),
        document.parse::<DocumentId>(),
        viewer.caller(),
    ) else {
        return not_found();
    };
    if DocumentId::original(PrintKind::OrderConfirmation.key(), order.as_uuid()) != document {
        return not_found();
    }
    match state
        .app
        .documents()
        .copy(&caller, document, state.renderer.clone())
        .await
    {
        Ok((record, bytes)) => {
            crate::printer::pdf_response(StatusCode::OK, &record.issued.printable.number, bytes)
        }
        Err(error) => {
            tracing::warn!(%error, "a copy of an order confirmation was refused");
            not_found()
        }
    }
}
