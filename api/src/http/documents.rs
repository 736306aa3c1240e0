//! Printed documents: the original of an invoice issued as a PDF (and
//! recorded by its SHA-256), an issued document's record with the proof
//! that it still renders to that hash, and its copies.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use domain::ids::{DocumentId, InvoiceId, OrderId, PartyId};
use domain::words::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, WriteHeaders};
use super::{TAG_ACCOUNTS, TAG_ORDERS};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_invoice_document))
        .routes(routes!(issue_order_confirmation))
        .routes(routes!(get_order_confirmation_copy))
        .routes(routes!(get_document))
        .routes(routes!(get_document_copy))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueDocumentRequest {
    /// `en`, `ru` or `ar`.
    pub language: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentResponse {
    pub id: Uuid,
    /// `invoice`, `quote`, `waybill` …
    pub kind: String,
    pub number: String,
    pub language: String,
    /// What it prints: the invoice's id for an invoice.
    pub source: Uuid,
    pub party: Option<Uuid>,
    /// The layout template's version it was issued with.
    pub template: u32,
    /// Of the original PDF, lower-case hex.
    pub sha256: String,
    pub issued_at: DateTime<Utc>,
    /// The log position of its record.
    pub position: u64,
    /// Whether the original, laid out again from the record now, has
    /// that hash (not after the party's erasure blanked its name).
    pub verified: bool,
}

pub(super) fn language(tag: &str) -> Result<Language, ApiError> {
    Language::parse(tag).ok_or_else(|| ApiError::invalid("language", "must be en, ru or ar"))
}

/// A PDF answer with the SHA-256 its document was issued with.
pub(super) fn pdf_response(
    status: StatusCode,
    number: &str,
    sha256: &str,
    pdf: Vec<u8>,
) -> Response {
    let mut response = crate::printer::pdf_response(status, number, pdf);
    if let Ok(hash) = HeaderValue::from_str(sha256) {
        response.headers_mut().insert("x-document-sha256", hash);
    }
    response
}

/// Issues the original of a customer's invoice in a language, as a PDF:
/// the document is recorded with the PDF's SHA-256 (`X-Document-Sha256`)
/// and found again at `Location`. An invoice is issued once; its copies
/// are printed from the record (`GET /documents/{id}/copy`).
#[utoipa::path(post, path = "/parties/{id}/invoices/{invoice}/documents", tag = TAG_ACCOUNTS,
    request_body = IssueDocumentRequest,
    params(("id" = Uuid, Path), ("invoice" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "The original", content_type = "application/pdf", body = Vec<u8>,
            headers(("Location" = String, description = "The document's record"),
                    ("X-Document-Sha256" = String, description = "The SHA-256 recorded"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_invoice_document(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiPath((party, invoice)): ApiPath<(Uuid, Uuid)>,
    ApiJson(request): ApiJson<IssueDocumentRequest>,
) -> Result<Response, ApiError> {
    let language = language(&request.language)?;
    let issued = state
        .app
        .documents()
        .issue_invoice(
            &headers.principal.caller(),
            headers.run(),
            PartyId::from_uuid(party),
            InvoiceId::from_uuid(invoice),
            language,
            state.renderer.clone(),
        )
        .await?;
    Ok(issued_response(issued))
}

/// Issues the original of a confirmed order's confirmation in a
/// language, as a PDF recorded by its SHA-256 (`X-Document-Sha256`) and
/// found again at `Location` (422 `document.not_confirmed` for a draft,
/// `document.issued` the second time: its copies are printed from the
/// record).
#[utoipa::path(post, path = "/orders/{id}/documents", tag = TAG_ORDERS,
    request_body = IssueDocumentRequest,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "The original", content_type = "application/pdf", body = Vec<u8>,
            headers(("Location" = String, description = "The document's record"),
                    ("X-Document-Sha256" = String, description = "The SHA-256 recorded"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_order_confirmation(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<IssueDocumentRequest>,
) -> Result<Response, ApiError> {
    let language = language(&request.language)?;
    let issued = state
        .app
        .documents()
        .issue_order_confirmation(
            &headers.principal.caller(),
            headers.run(),
            OrderId::from_uuid(id),
            language,
            state.renderer.clone(),
        )
        .await?;
    Ok(issued_response(issued))
}

/// A copy of an order's confirmation (marked "copy"), laid out from its
/// record: `document` is the one `POST /orders/{id}/documents` named.
#[utoipa::path(get, path = "/orders/{id}/documents/{document}", tag = TAG_ORDERS,
    params(("id" = Uuid, Path), ("document" = Uuid, Path)),
    responses(
        (status = 200, description = "The copy", content_type = "application/pdf", body = Vec<u8>,
            headers(("X-Document-Sha256" = String, description = "The original's SHA-256"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_order_confirmation_copy(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath((id, document)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let expected = DocumentId::original(domain::documents::PrintKind::OrderConfirmation.key(), id);
    if expected.as_uuid() != document {
        return Err(ApiError::NotFound(format!("document {document}")));
    }
    let (record, pdf) = state
        .app
        .documents()
        .copy(&principal.caller(), expected, state.renderer.clone())
        .await?;
    Ok(pdf_response(
        StatusCode::OK,
        &record.issued.printable.number,
        &record.issued.sha256,
        pdf,
    ))
}

/// The answer of an original just issued: its PDF (201) with its hash and
/// the `Location` of its record.
pub(super) fn issued_response(issued: app::documents::IssuedPdf) -> Response {
    let mut response = pdf_response(
        StatusCode::CREATED,
        &issued.number,
        &issued.sha256,
        issued.pdf,
    );
    let location = format!("{}/documents/{}", super::API_PREFIX, issued.document);
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// An issued document's record, with whether its original still lays out
/// to the hash it was issued with.
#[utoipa::path(get, path = "/documents/{id}", tag = TAG_ACCOUNTS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DocumentResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_document(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::Json<DocumentResponse>, ApiError> {
    let (record, verified) = state
        .app
        .documents()
        .verify(
            &principal.caller(),
            DocumentId::from_uuid(id),
            state.renderer.clone(),
        )
        .await?;
    let issued = record.issued;
    Ok(axum::Json(DocumentResponse {
        id,
        kind: issued.printable.kind.key().to_owned(),
        number: issued.printable.number,
        language: issued.printable.language.tag().to_owned(),
        source: issued.source,
        party: issued.party.map(|party| party.as_uuid()),
        template: issued.template,
        sha256: issued.sha256,
        issued_at: record.issued_at,
        position: record.position,
        verified,
    }))
}

/// A copy of an issued document as a PDF, laid out from its record and
/// marked "copy" on every page: it prints what was issued, whatever
/// changed since.
#[utoipa::path(get, path = "/documents/{id}/copy", tag = TAG_ACCOUNTS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "A copy", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_document_copy(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let (record, pdf) = state
        .app
        .documents()
        .copy(
            &principal.caller(),
            DocumentId::from_uuid(id),
            state.renderer.clone(),
        )
        .await?;
    Ok(pdf_response(
        StatusCode::OK,
        &record.issued.printable.number,
        &record.issued.sha256,
        pdf,
    ))
}
