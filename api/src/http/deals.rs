//! Deals: open one for a party on a pipeline's stage, move it between
//! stages, change its probability, amount, expected close, owner or
//! title, win, lose or reopen it, read it. The application resolves the
//! stage from the pipeline's state (the deal's decider sees only the
//! deal), so an unknown or retired stage is a 400 naming `stage`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::ids::{DealId, PartyId, PipelineId, StageId, UserId};
use domain::pipeline::{Deal, DealCommand, DealState, DealStatus, Probability};
use domain::values::{Currency, Label, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, Written};
use super::writes::{Changed, Created, OwnerRequest, aggregate_write};
use super::{TAG_DEALS, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_deal))
        .routes(routes!(get_deal))
        .routes(routes!(move_deal))
        .routes(routes!(win_deal))
        .routes(routes!(lose_deal))
        .routes(routes!(reopen_deal))
        .routes(routes!(set_deal_probability))
        .routes(routes!(change_deal_amount))
        .routes(routes!(change_expected_close))
        .routes(routes!(assign_deal_owner))
        .routes(routes!(rename_deal))
}

/// A new deal with a party, on a stage of a pipeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDealRequest {
    pub title: String,
    pub party: Uuid,
    pub pipeline: Uuid,
    /// A stage of the pipeline; its first stage when absent.
    pub stage: Option<Uuid>,
    /// 0 to 100; the stage's probability when absent.
    pub probability: Option<i64>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub expected_close: Option<NaiveDate>,
    /// The responsible user; the signed-in user when absent.
    pub owner: Option<Uuid>,
}

/// Where a deal goes: a stage of its pipeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveDealRequest {
    pub stage: Uuid,
    /// 0 to 100; the stage's probability when absent.
    pub probability: Option<i64>,
}

/// A won deal's final amount (in the deal's currency) and why it was won.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WinDealRequest {
    /// The deal's current amount when absent.
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
    pub reason: Option<String>,
}

/// Why a deal was lost.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoseDealRequest {
    pub reason: String,
}

/// Where a reopened deal goes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenDealRequest {
    /// A stage of the deal's pipeline; its first stage when absent.
    pub stage: Option<Uuid>,
    pub probability: Option<i64>,
}

/// A deal as its stream tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealResponse {
    pub id: Uuid,
    pub title: String,
    pub party: Uuid,
    pub pipeline: Uuid,
    pub stage: Uuid,
    pub probability: u8,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub currency: String,
    pub expected_close: Option<NaiveDate>,
    pub owner: Uuid,
    /// `open`, `won` or `lost`.
    pub status: String,
    pub close_reason: Option<String>,
    pub version: Option<u64>,
}

pub(super) fn probability(raw: Option<i64>) -> Result<Option<Probability>, ApiError> {
    Ok(raw
        .map(|percent| Probability::parse("probability", percent))
        .transpose()?)
}

fn deal_of(state: &AppState, id: Uuid) -> Result<DealState, ApiError> {
    load::<Deal>(state, id)?
        .0
        .ok_or_else(|| ApiError::NotFound(format!("deal {id}")))
}

/// Opens a deal with a party on a stage of a pipeline.
#[utoipa::path(post, path = "/deals", tag = TAG_DEALS,
    request_body = OpenDealRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn open_deal(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<OpenDealRequest>,
) -> Result<Written, ApiError> {
    let title = Label::parse("title", &request.title)?;
    let currency = Currency::parse("currency", &request.currency)?;
    let amount = Money::parse("amount", request.amount, currency)?;
    let probability = probability(request.probability)?;
    let new = app::deals::NewDeal {
        title,
        party: PartyId::from_uuid(request.party),
        pipeline: PipelineId::from_uuid(request.pipeline),
        stage: request.stage.map(StageId::from_uuid),
        probability,
        amount,
        expected_close: request.expected_close,
        owner: request.owner.map(UserId::from_uuid),
        lead: None,
    };
    let app::deals::Opened { deal: id, executed } = state
        .app
        .deals()
        .open(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One deal, with its stream version as `ETag`.
#[utoipa::path(get, path = "/deals/{id}", tag = TAG_DEALS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DealResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_deal(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<DealResponse>, ApiError> {
    let (deal, version) = load::<Deal>(&state, id)?;
    let deal = deal.ok_or_else(|| ApiError::NotFound(format!("deal {id}")))?;
    let status = match deal.status {
        DealStatus::Open => "open",
        DealStatus::Won => "won",
        DealStatus::Lost => "lost",
    };
    Ok(Versioned(
        version,
        DealResponse {
            id,
            title: deal.title,
            party: deal.party.as_uuid(),
            pipeline: deal.pipeline.as_uuid(),
            stage: deal.stage.as_uuid(),
            probability: deal.probability,
            amount: deal.amount.amount(),
            currency: deal.amount.currency().to_string(),
            expected_close: deal.expected_close,
            owner: deal.owner.as_uuid(),
            status: status.to_owned(),
            close_reason: deal.close_reason,
            version,
        },
    ))
}

/// Moves an open deal to another stage of its pipeline.
#[utoipa::path(post, path = "/deals/{id}/move", tag = TAG_DEALS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = MoveDealRequest,
    responses(Changed))]
async fn move_deal(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<MoveDealRequest>,
) -> Result<Written, ApiError> {
    let probability = probability(request.probability)?;
    let executed = state
        .app
        .deals()
        .move_to_stage(
            &headers.principal.caller(),
            headers.run(),
            DealId::from_uuid(id),
            StageId::from_uuid(request.stage),
            probability,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

aggregate_write! {
    /// Marks an open deal won, at its current amount or a final one.
    win_deal: "/deals/{id}/win", TAG_DEALS, Deal, WinDealRequest, Changed,
    |state, id, request, _headers| {
        let reason = Label::parse_optional("reason", request.reason.as_deref())?;
        let deal = deal_of(&state, id)?;
        let amount = request
            .amount
            .map(|amount| Money::parse("amount", amount, deal.amount.currency()))
            .transpose()?;
        Ok(DealCommand::Win { amount, reason })
    }
}

aggregate_write! {
    /// Marks an open deal lost, with the reason.
    lose_deal: "/deals/{id}/lose", TAG_DEALS, Deal, LoseDealRequest, Changed,
    |state, id, request, _headers| Ok(DealCommand::Lose {
        reason: Label::parse("reason", &request.reason)?,
    })
}

/// Reopens a won or lost deal on a stage of its pipeline.
#[utoipa::path(post, path = "/deals/{id}/reopen", tag = TAG_DEALS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ReopenDealRequest,
    responses(Changed))]
async fn reopen_deal(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReopenDealRequest>,
) -> Result<Written, ApiError> {
    let probability = probability(request.probability)?;
    let executed = state
        .app
        .deals()
        .reopen(
            &headers.principal.caller(),
            headers.run(),
            DealId::from_uuid(id),
            request.stage.map(StageId::from_uuid),
            probability,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// A deal's probability of being won.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetProbabilityRequest {
    /// 0 to 100.
    pub probability: i64,
}

/// A deal's new amount (its currency may change with it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeAmountRequest {
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// ISO 4217 (`EUR`).
    pub currency: String,
}

/// When the deal is expected to close; absent: not known.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCloseRequest {
    pub expected_close: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameDealRequest {
    pub title: String,
}

aggregate_write! {
    /// Sets an open deal's probability, whatever its stage's default.
    set_deal_probability: "/deals/{id}/probability", TAG_DEALS, Deal, SetProbabilityRequest, Changed,
    |state, id, request, _headers| Ok(DealCommand::SetProbability(
        Probability::parse("probability", request.probability)?,
    ))
}

aggregate_write! {
    /// Changes an open deal's amount.
    change_deal_amount: "/deals/{id}/amount", TAG_DEALS, Deal, ChangeAmountRequest, Changed,
    |state, id, request, _headers| {
        let currency = Currency::parse("currency", &request.currency)?;
        Ok(DealCommand::ChangeAmount(Money::parse("amount", request.amount, currency)?))
    }
}

aggregate_write! {
    /// Sets or clears when an open deal is expected to close.
    change_expected_close: "/deals/{id}/expected-close", TAG_DEALS, Deal, ExpectedCloseRequest, Changed,
    |state, id, request, _headers| Ok(DealCommand::ChangeExpectedClose(request.expected_close))
}

aggregate_write! {
    /// Makes another user responsible for an open deal.
    assign_deal_owner: "/deals/{id}/assign-owner", TAG_DEALS, Deal, OwnerRequest, Changed,
    |state, id, request, _headers| Ok(DealCommand::AssignOwner(UserId::from_uuid(request.owner)))
}

aggregate_write! {
    /// Renames an open deal.
    rename_deal: "/deals/{id}/rename", TAG_DEALS, Deal, RenameDealRequest, Changed,
    |state, id, request, _headers| Ok(DealCommand::Rename {
        title: Label::parse("title", &request.title)?,
    })
}
