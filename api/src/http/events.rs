//! The live feed: `GET /events/stream` sends every new event of the log as
//! a server-sent event, resumable with `Last-Event-ID`.
//!
//! The feed is a subscription to the log, which reads pages by position:
//! a client that reads slowly holds one page of events (512 at most) and
//! the socket's buffers, never a queue that grows, and a client that comes
//! back with the last position it saw gets exactly what it missed.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use eventlog::{Actor, RecordedEvent};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_EVENTS;
use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use crate::AppState;

/// How often an idle feed sends a comment, so proxies keep it open and a
/// dead client is noticed.
pub const FEED_KEEP_ALIVE_SECONDS: u64 = 15;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(event_stream))
}

/// Where the feed starts, when no `Last-Event-ID` header says.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedStart {
    /// Send the events after this log position (0: the whole log); the
    /// log's head when absent. `Last-Event-ID` wins over it.
    pub after: Option<u64>,
}

/// Who caused an event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeedActor {
    User {
        user_id: Uuid,
        /// The API token the user acted through, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        token_id: Option<Uuid>,
    },
    System {
        process: String,
    },
}

/// The `data` of one event of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// The log position; also the server-sent event's `id`.
    pub position: u64,
    /// `<category>-<id>`.
    pub stream: String,
    /// The event's stable type name (`DealWon`); also the server-sent
    /// event's `event`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: u16,
    /// Business time.
    pub occurred_at: DateTime<Utc>,
    /// When the log stored it.
    pub recorded_at: DateTime<Utc>,
    pub actor: FeedActor,
    /// The event's payload in the shape of its schema version; absent for
    /// events of other modules.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
}

/// What a redacted secret shows as.
pub const REDACTED: &str = "[redacted]";

/// Blanks the password and token hashes of a user event: the trail keeps
/// them (hash-chained), readers never show them.
fn redact_secrets(event: &domain::CrmEvent, payload: &mut serde_json::Value) {
    if let domain::CrmEvent::User(_) = event
        && let Some(fields) = payload.as_object_mut()
    {
        for field in domain::access::UserEvent::SECRET_FIELDS {
            if let Some(value) = fields.get_mut(*field) {
                *value = serde_json::Value::from(REDACTED);
            }
        }
    }
}

impl FeedEvent {
    pub(super) fn of(record: &RecordedEvent) -> Self {
        // An event that does not decode is reported by the projections,
        // which stop on it; the feed only shows its envelope.
        let payload = match projections::envelope::decode(record) {
            Ok(Some((_, event))) => serde_json::to_value(&event).ok().map(|mut payload| {
                redact_secrets(&event, &mut payload);
                payload
            }),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(position = record.position, %error, "the feed sends an event without its payload");
                None
            }
        };
        Self {
            position: record.position,
            stream: record.stream.to_string(),
            event_type: record.event_type.clone(),
            schema_version: record.schema_version,
            occurred_at: record.occurred_at,
            recorded_at: record.recorded_at,
            actor: match &record.actor {
                Actor::User { user_id, token_id } => FeedActor::User {
                    user_id: *user_id,
                    token_id: *token_id,
                },
                Actor::System { process } => FeedActor::System {
                    process: process.clone(),
                },
            },
            payload,
        }
    }
}

/// New events as server-sent events (`id`: position, `event`: type,
/// `data`: a `FeedEvent`), from the log's head or after `Last-Event-ID`
/// (or `after`); a comment every 15 s keeps an idle feed open.
#[utoipa::path(get, path = "/events/stream", tag = TAG_EVENTS,
    params(
        FeedStart,
        ("Last-Event-ID" = Option<u64>, Header, description = "The last position received: the feed resumes after it"),
    ),
    responses(
        (status = 200, description = "A stream of server-sent events whose data is a FeedEvent", content_type = "text/event-stream", body = FeedEvent),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn event_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(start): ApiQuery<FeedStart>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let head = state.log.head().position;
    let after = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::invalid("Last-Event-ID", "expected a log position"))?,
        ),
        None => start.after,
    };
    let after = after.unwrap_or(head);
    if after > head {
        return Err(ApiError::invalid(
            "Last-Event-ID",
            format!("the log's head is at position {head}"),
        ));
    }
    let subscription = state.log.subscribe(after);
    let events = futures_util::stream::unfold(
        (subscription, state),
        |(mut subscription, state)| async move {
            let next = tokio::select! {
                next = subscription.next() => next,
                // The server is stopping: the feed ends, and the client
                // reconnects with its last id to another run.
                () = state.stopped() => return None,
            };
            match next {
                Ok(record) => Some((Ok(sse_event(&record)), (subscription, state))),
                // The log closed or failed: the feed ends and the client
                // reconnects with its last id.
                Err(error) => {
                    tracing::info!(%error, "an event feed ends");
                    None
                }
            }
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(FEED_KEEP_ALIVE_SECONDS))))
}

fn sse_event(record: &RecordedEvent) -> Event {
    let mut event = Event::default().id(record.position.to_string());
    // An SSE field cannot hold a line break (axum panics on one); the
    // domain's type names never do, another writer's might.
    if !record.event_type.contains(['\n', '\r']) {
        event = event.event(record.event_type.as_str());
    }
    match event.clone().json_data(FeedEvent::of(record)) {
        Ok(event) => event,
        // FeedEvent holds only strings, numbers, times and JSON values,
        // which serialize without error; an empty event still carries the
        // position, so a client's resumption stays right.
        Err(_) => event,
    }
}
