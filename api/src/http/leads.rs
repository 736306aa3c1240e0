//! Leads: capture interest not yet qualified, give it an owner,
//! disqualify or reopen it, read it, and convert it into a deal.
//!
//! Converting touches two streams: the application opens the deal (on a
//! stage it resolved from the pipeline, as `POST /deals` does) and then
//! records on the lead which deal and party it became. The lead's half is
//! decided first without appending, so a lead that cannot convert
//! (disqualified, converted already, another party's) opens no deal; the
//! deal's id derives from the write, so a repeat finishes a conversion
//! that stopped between the two.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::ids::{LeadId, PartyId, PipelineId, StageId, UserId};
use domain::parties::Party;
use domain::pipeline::{
    CaptureLead, EmailAddress, Lead, LeadCommand, LeadState, LeadStatus, PhoneNumber,
};
use domain::values::{Currency, Label, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::deals::probability;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, Written};
use super::writes::{Changed, Created, NoFields, OwnerRequest, aggregate_write};
use super::{TAG_DEALS, execute, load};
use crate::AppState;
use crate::auth::Principal;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(capture_lead))
        .routes(routes!(get_lead))
        .routes(routes!(assign_lead_owner))
        .routes(routes!(disqualify_lead))
        .routes(routes!(reopen_lead))
        .routes(routes!(convert_lead))
}

/// A new lead: a title and at least one of `contact_name`,
/// `company_name` or `party`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureLeadRequest {
    pub title: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The party the lead came from, if known.
    pub party: Option<Uuid>,
    pub source: Option<String>,
    /// The responsible user; the signed-in user when absent.
    pub owner: Option<Uuid>,
}

/// Why the lead is not worth pursuing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyLeadRequest {
    pub reason: String,
}

/// The deal a lead becomes: for a party (the lead's own when absent), on
/// a stage of a pipeline (its first when absent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertLeadRequest {
    /// Required when the lead names no party.
    pub party: Option<Uuid>,
    pub pipeline: Uuid,
    pub stage: Option<Uuid>,
    /// 0 to 100; the stage's probability when absent.
    pub probability: Option<i64>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub expected_close: Option<NaiveDate>,
    /// The deal's title; the lead's when absent.
    pub title: Option<String>,
    /// The deal's owner; the lead's when absent.
    pub owner: Option<Uuid>,
}

/// A lead as its stream tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadResponse {
    pub id: Uuid,
    pub title: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub party: Option<Uuid>,
    pub source: Option<String>,
    pub owner: Uuid,
    /// `open`, `disqualified` or `converted`.
    pub status: String,
    pub disqualified_reason: Option<String>,
    /// The deal a converted lead became.
    pub deal: Option<Uuid>,
    pub version: Option<u64>,
}

fn lead_of(state: &AppState, id: Uuid) -> Result<(LeadState, Option<u64>), ApiError> {
    let (lead, version) = load::<Lead>(state, id)?;
    let lead = lead.ok_or_else(|| ApiError::NotFound(format!("lead {id}")))?;
    Ok((lead, version))
}

/// The party a lead names: within the writer's reach, and existing.
fn ensure_party(state: &AppState, by: &Principal, party: Uuid) -> Result<PartyId, ApiError> {
    crate::http::scope::ensure_party_in_reach(state, by, party)?;
    if load::<Party>(state, party)?.0.is_none() {
        return Err(ApiError::NotFound(format!("party {party}")));
    }
    Ok(PartyId::from_uuid(party))
}

/// Captures a lead.
#[utoipa::path(post, path = "/leads", tag = TAG_DEALS,
    request_body = CaptureLeadRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn capture_lead(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CaptureLeadRequest>,
) -> Result<Written, ApiError> {
    let capture = CaptureLead {
        title: Label::parse("title", &request.title)?,
        contact_name: Label::parse_optional("contact_name", request.contact_name.as_deref())?,
        company_name: Label::parse_optional("company_name", request.company_name.as_deref())?,
        email: request
            .email
            .as_deref()
            .map(|email| EmailAddress::parse("email", email))
            .transpose()?,
        phone: request
            .phone
            .as_deref()
            .map(|phone| PhoneNumber::parse("phone", phone))
            .transpose()?,
        party: request
            .party
            .map(|party| ensure_party(&state, &headers.principal, party))
            .transpose()?,
        source: Label::parse_optional("source", request.source.as_deref())?,
        owner: request.owner.map_or(headers.user(), UserId::from_uuid),
    };
    let id = LeadId::from_uuid(headers.new_id("lead"));
    let executed = execute::<Lead, _>(&state, id, LeadCommand::Capture(capture), &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One lead, with its stream version as `ETag`.
#[utoipa::path(get, path = "/leads/{id}", tag = TAG_DEALS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = LeadResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_lead(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<LeadResponse>, ApiError> {
    let (lead, version) = lead_of(&state, id)?;
    let (status, disqualified_reason, deal) = match lead.status {
        LeadStatus::Open => ("open", None, None),
        LeadStatus::Disqualified { reason } => ("disqualified", Some(reason), None),
        LeadStatus::Converted { deal, .. } => ("converted", None, Some(deal.as_uuid())),
    };
    Ok(Versioned(
        version,
        LeadResponse {
            id,
            title: lead.title,
            contact_name: lead.contact_name,
            company_name: lead.company_name,
            email: lead.email,
            phone: lead.phone,
            party: lead.party.map(|party| party.as_uuid()),
            source: lead.source,
            owner: lead.owner.as_uuid(),
            status: status.to_owned(),
            disqualified_reason,
            deal,
            version,
        },
    ))
}

aggregate_write! {
    /// Makes another user responsible for an open lead.
    assign_lead_owner: "/leads/{id}/assign-owner", TAG_DEALS, Lead, OwnerRequest, Changed,
    |state, id, request, _headers| Ok(LeadCommand::AssignOwner(UserId::from_uuid(request.owner)))
}

aggregate_write! {
    /// Disqualifies a lead, with the reason.
    disqualify_lead: "/leads/{id}/disqualify", TAG_DEALS, Lead, DisqualifyLeadRequest, Changed,
    |state, id, request, _headers| Ok(LeadCommand::Disqualify {
        reason: Label::parse("reason", &request.reason)?,
    })
}

aggregate_write! {
    /// Reopens a disqualified lead.
    reopen_lead: "/leads/{id}/reopen", TAG_DEALS, Lead, NoFields, Changed,
    |state, id, NoFields {}, _headers| Ok(LeadCommand::Reopen)
}

/// Converts an open lead into a deal for a party on a pipeline. The
/// answer is the lead's; the deal's id is in `GET /leads/{id}`.
#[utoipa::path(post, path = "/leads/{id}/convert", tag = TAG_DEALS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ConvertLeadRequest,
    responses(Changed))]
async fn convert_lead(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ConvertLeadRequest>,
) -> Result<Written, ApiError> {
    let title = request
        .title
        .as_deref()
        .map(|title| Label::parse("title", title))
        .transpose()?;
    let currency = Currency::parse("currency", &request.currency)?;
    let amount = Money::parse("amount", request.amount, currency)?;
    let probability = probability(request.probability)?;
    let into = app::leads::ConvertLead {
        party: request.party.map(PartyId::from_uuid),
        pipeline: PipelineId::from_uuid(request.pipeline),
        stage: request.stage.map(StageId::from_uuid),
        probability,
        amount,
        expected_close: request.expected_close,
        title,
        owner: request.owner.map(UserId::from_uuid),
    };
    let executed = state
        .app
        .leads()
        .convert(
            &headers.principal.caller(),
            headers.run(),
            LeadId::from_uuid(id),
            into,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}
