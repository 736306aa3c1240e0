//! Erasing a person's data over HTTP (issue 15, ADR 0018): `POST
//! /parties/{id}/erase` runs `app::erasure`, administrators only. The
//! party and the duplicates it absorbed keep their ids, figures and
//! history; their names, channels, tags, custom fields and the texts of
//! their interactions read blank from then on, everywhere.

use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::PartyId;
use domain::parties::ErasureReason;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_PARTIES;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, WriteHeaders, Written};
use super::writes::ChangedUnlessStale;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(erase_party))
}

/// Why the party's data is erased.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasePartyRequest {
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
    request_body = ErasePartyRequest,
    responses(ChangedUnlessStale))]
async fn erase_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ErasePartyRequest>,
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
