//! Interactions: log a call, an email, a meeting or a note against a party
//! (and optionally one of its deals), amend its text, withdraw it, read it.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::{DealId, InteractionId, PartyId};
use domain::interactions::{
    CallOutcome, Direction, Interaction, InteractionCommand, InteractionKind, LogInteraction,
};
use domain::values::{Label, Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, Written};
use super::writes::{Changed, Created, aggregate_write};
use super::{TAG_INTERACTIONS, execute_at, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_interaction))
        .routes(routes!(get_interaction))
        .routes(routes!(amend_interaction))
        .routes(routes!(withdraw_interaction))
}

/// What kind of interaction.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKindCode {
    Call,
    Email,
    Meeting,
    Note,
}

/// A call (`direction`, `duration_seconds`, `outcome`, `recording_url`),
/// an email (`direction`, a `subject`), a meeting (`duration_minutes`,
/// `location`) or a note (a `body`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogInteractionRequest {
    pub kind: InteractionKindCode,
    /// `inbound` or `outbound`, for a call or an email.
    pub direction: Option<String>,
    pub duration_seconds: Option<u32>,
    /// `connected`, `no_answer`, `busy`, `left_voicemail` or
    /// `wrong_number`, for a call.
    pub outcome: Option<String>,
    pub recording_url: Option<String>,
    pub duration_minutes: Option<u32>,
    pub location: Option<String>,
    pub subject: Option<String>,
    #[serde(default)]
    pub body: String,
    /// A deal of the party the interaction is about.
    pub deal: Option<Uuid>,
    /// When it happened, if earlier than now (a call logged tonight).
    pub occurred_at: Option<DateTime<Utc>>,
}

impl LogInteractionRequest {
    fn parse(self, party: PartyId) -> Result<LogInteraction, ApiError> {
        let direction = |raw: Option<&str>| {
            let raw = raw.ok_or_else(|| ApiError::invalid("direction", "is required"))?;
            Direction::from_code(raw)
                .ok_or_else(|| ApiError::invalid("direction", "must be inbound or outbound"))
        };
        let kind = match self.kind {
            InteractionKindCode::Call => {
                let outcome = self
                    .outcome
                    .as_deref()
                    .ok_or_else(|| ApiError::invalid("outcome", "is required"))?;
                InteractionKind::Call {
                    direction: direction(self.direction.as_deref())?,
                    duration_seconds: self.duration_seconds.unwrap_or(0),
                    outcome: CallOutcome::from_code(outcome)
                        .ok_or_else(|| ApiError::invalid("outcome", "not an outcome of a call"))?,
                    recording_url: self.recording_url,
                }
            }
            InteractionKindCode::Email => InteractionKind::Email {
                direction: direction(self.direction.as_deref())?,
            },
            InteractionKindCode::Meeting => InteractionKind::Meeting {
                duration_minutes: self.duration_minutes.unwrap_or(0),
                location: self.location,
            },
            InteractionKindCode::Note => InteractionKind::Note,
        };
        // Parsed here too, so a bad field is a 400 before anything is
        // loaded; the decider checks it again.
        let kind = kind.parse()?;
        Ok(LogInteraction {
            party,
            deal: self.deal.map(DealId::from_uuid),
            kind,
            subject: Label::parse_optional("subject", self.subject.as_deref())?,
            body: Text::parse("body", &self.body)?,
        })
    }
}

/// The new subject and body of an interaction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendInteractionRequest {
    pub subject: Option<String>,
    #[serde(default)]
    pub body: String,
}

/// Why an interaction is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInteractionRequest {
    pub reason: String,
}

/// An interaction as its stream tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionResponse {
    pub id: Uuid,
    pub party: Uuid,
    pub deal: Option<Uuid>,
    pub kind: InteractionKindCode,
    pub direction: Option<String>,
    pub duration_seconds: Option<u32>,
    pub outcome: Option<String>,
    pub recording_url: Option<String>,
    pub duration_minutes: Option<u32>,
    pub location: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub logged_by: Uuid,
    pub withdrawn: bool,
    pub version: Option<u64>,
}

/// Logs a call, an email, a meeting or a note with a party.
#[utoipa::path(post, path = "/parties/{id}/interactions", tag = TAG_INTERACTIONS,
    params(("id" = Uuid, Path, description = "The party"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = LogInteractionRequest,
    responses(Created))]
async fn log_interaction(
    State(state): State<AppState>,
    ApiPath(party): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<LogInteractionRequest>,
) -> Result<Written, ApiError> {
    let occurred_at = request.occurred_at;
    let log = request.parse(PartyId::from_uuid(party))?;
    let id = InteractionId::from_uuid(headers.new_id("interaction"));
    let executed = execute_at::<Interaction, _>(
        &state,
        id,
        InteractionCommand::Log(log),
        &headers,
        occurred_at,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One interaction, with its stream version as `ETag`.
#[utoipa::path(get, path = "/interactions/{id}", tag = TAG_INTERACTIONS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = InteractionResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_interaction(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<InteractionResponse>, ApiError> {
    let (interaction, version) = load::<Interaction>(&state, id)?;
    let interaction = interaction.ok_or_else(|| ApiError::NotFound(format!("interaction {id}")))?;
    let mut response = InteractionResponse {
        id,
        party: interaction.party.as_uuid(),
        deal: interaction.deal.map(|deal| deal.as_uuid()),
        kind: InteractionKindCode::Note,
        direction: None,
        duration_seconds: None,
        outcome: None,
        recording_url: None,
        duration_minutes: None,
        location: None,
        subject: interaction.subject,
        body: interaction.body,
        logged_by: interaction.logged_by.as_uuid(),
        withdrawn: interaction.withdrawn,
        version,
    };
    match interaction.kind {
        InteractionKind::Call {
            direction,
            duration_seconds,
            outcome,
            recording_url,
        } => {
            response.kind = InteractionKindCode::Call;
            response.direction = Some(direction.code().to_owned());
            response.duration_seconds = Some(duration_seconds);
            response.outcome = Some(outcome.code().to_owned());
            response.recording_url = recording_url;
        }
        InteractionKind::Email { direction } => {
            response.kind = InteractionKindCode::Email;
            response.direction = Some(direction.code().to_owned());
        }
        InteractionKind::Meeting {
            duration_minutes,
            location,
        } => {
            response.kind = InteractionKindCode::Meeting;
            response.duration_minutes = Some(duration_minutes);
            response.location = location;
        }
        InteractionKind::Note => {}
    }
    Ok(Versioned(version, response))
}

aggregate_write! {
    /// Replaces an interaction's subject and body (its kind, party and deal
    /// stay).
    amend_interaction: "/interactions/{id}/amend", TAG_INTERACTIONS, Interaction, AmendInteractionRequest, Changed,
    |state, id, request, _headers| Ok(InteractionCommand::Amend {
        subject: Label::parse_optional("subject", request.subject.as_deref())?,
        body: Text::parse("body", &request.body)?,
    })
}

aggregate_write! {
    /// Withdraws an interaction logged by mistake: it stays in history,
    /// hidden from timelines and reports.
    withdraw_interaction: "/interactions/{id}/withdraw", TAG_INTERACTIONS, Interaction, WithdrawInteractionRequest, Changed,
    |state, id, request, _headers| Ok(InteractionCommand::Withdraw {
        reason: Label::parse("reason", &request.reason)?,
    })
}
