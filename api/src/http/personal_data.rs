//! A person's rights over their data, over HTTP (issue 15, ADR 0018):
//!
//! - `GET /parties/{id}/export` (`parties.export`): everything held about
//!   the party, as JSON (`app::subject_access`);
//! - `POST /parties/{id}/erase` (administrators): `app::erasure`. The
//!   party and the duplicates it absorbed keep their ids, figures and
//!   history; their names, channels, tags, custom fields and the texts of
//!   their interactions and leads read blank from then on, everywhere.

use app::subject_access::SubjectAccessExport;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_DISPOSITION;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::ids::{LeadId, PartyId};
use domain::parties::ErasureReason;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, WriteHeaders, Written};
use super::writes::ChangedUnlessStale;
use super::{TAG_DEALS, TAG_PARTIES};
use crate::AppState;
use crate::auth::Principal;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(erase_party))
        .routes(routes!(erase_lead))
        .routes(routes!(export_party))
}

/// Everything held about a party (format `hypercrm-subject-access/1`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectAccessResponse {
    pub format: String,
    pub party: Uuid,
    /// The party and the duplicates it absorbed.
    pub parties: Vec<Uuid>,
    pub generated_at: DateTime<Utc>,
    /// Its personal data was erased: what is left is not personal.
    pub erased: bool,
    /// Every event of the party, its account, and the interactions, leads,
    /// deals, orders, imported sales, tasks and calendar entries about it,
    /// oldest first.
    pub events: Vec<SubjectEventResponse>,
}

/// One event about the party.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectEventResponse {
    pub position: u64,
    pub stream: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// A user's id, or `system:<process>`.
    pub recorded_by: String,
    /// The event's payload as docs/events.md describes it.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<SubjectAccessExport> for SubjectAccessResponse {
    fn from(export: SubjectAccessExport) -> Self {
        Self {
            format: export.format.to_owned(),
            party: export.party,
            parties: export.parties,
            generated_at: export.generated_at,
            erased: export.erased,
            events: export
                .events
                .into_iter()
                .map(|event| SubjectEventResponse {
                    position: event.position,
                    stream: event.stream,
                    event_type: event.event_type,
                    occurred_at: event.occurred_at,
                    recorded_at: event.recorded_at,
                    recorded_by: event.recorded_by,
                    payload: event.payload,
                })
                .collect(),
        }
    }
}

/// Everything HyperCRM holds about a party, for a subject access request:
/// saved as `personal-data-<id>.json`.
#[utoipa::path(get, path = "/parties/{id}/export", tag = TAG_PARTIES,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = SubjectAccessResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    principal: Principal,
) -> Result<Response, ApiError> {
    let app = state.app.clone();
    let caller = principal.caller();
    let export = tokio::task::spawn_blocking(move || {
        app.subject_access().export(&caller, PartyId::from_uuid(id))
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("the export failed: {error}")))??;
    tracing::info!(party = %id, events = export.events.len(), "subject access export");
    let body = SubjectAccessResponse::from(export);
    let disposition = format!("attachment; filename=\"personal-data-{id}.json\"");
    Ok(([(CONTENT_DISPOSITION, disposition)], axum::Json(body)).into_response())
}

/// Erases a lead's personal data for good (its key is destroyed): for a
/// lead that names no party, or one a retention rule found. A repeat
/// changes nothing.
#[utoipa::path(post, path = "/leads/{id}/erase", tag = TAG_DEALS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ErasureRequest,
    responses(ChangedUnlessStale))]
async fn erase_lead(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ErasureRequest>,
) -> Result<Written, ApiError> {
    let reason = ErasureReason::parse("reason", &request.reason)?;
    let lead = LeadId::from_uuid(id);
    let erasure = state
        .running()
        .erase_lead(&headers.principal.caller(), headers.run(), lead, reason)
        .await?;
    tracing::info!(%lead, reason = reason.code(), "a lead's personal data erased");
    Ok(Written::new(
        &state,
        StatusCode::OK,
        lead,
        &erasure.executed,
    ))
}

/// Why a party's or a lead's data is erased.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// `request` (the person asked), `retention` (a retention rule) or
    /// `other`.
    pub reason: String,
}

/// Erases the party's personal data and that of the duplicates it
/// absorbed, for good: its key and those of its interactions and leads
/// are destroyed. Its orders, invoices and payments stay in every figure;
/// `verify` still passes. A repeat changes nothing.
#[utoipa::path(post, path = "/parties/{id}/erase", tag = TAG_PARTIES,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ErasureRequest,
    responses(ChangedUnlessStale))]
async fn erase_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ErasureRequest>,
) -> Result<Written, ApiError> {
    let reason = ErasureReason::parse("reason", &request.reason)?;
    let party = PartyId::from_uuid(id);
    let erasure = state
        .running()
        .erase_party(&headers.principal.caller(), headers.run(), party, reason)
        .await?;
    tracing::info!(
        %party,
        parties = erasure.parties.len(),
        keys_destroyed = erasure.keys_destroyed,
        reason = reason.code(),
        "personal data erased"
    );
    Ok(Written::new(
        &state,
        StatusCode::OK,
        party,
        &erasure.executed,
    ))
}
