//! Calendar entries: schedule one for its attendees, reschedule it,
//! change its attendees, edit it, complete, reopen or cancel it, read it
//! from its stream, and list the entries of a user over a bounded range
//! from the calendar read model.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use domain::ids::{CalendarEntryId, UserId};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntry, CalendarEntryStatus, ScheduleCalendarEntry,
};
use domain::values::Label;
use projections::models::calendar::{EntryRow, EntryStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery, Versioned, WaitFor, WriteHeaders, Written};
use super::tasks::{assignee_id, link_ids, link_of};
use super::writes::{Changed, ChangedUnlessStale, Created, NoFields, aggregate_write};
use super::{TAG_CALENDAR, execute, load};
use crate::AppState;

/// The longest range one list of entries covers.
pub const CALENDAR_RANGE_DAYS_MAX: i64 = 62;
/// Entries in one list at most; a busier range is cut (`truncated`).
pub const CALENDAR_ROWS_MAX: usize = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_entry, list_entries))
        .routes(routes!(get_entry))
        .routes(routes!(reschedule_entry))
        .routes(routes!(change_attendees))
        .routes(routes!(edit_entry))
        .routes(routes!(complete_entry))
        .routes(routes!(reopen_entry))
        .routes(routes!(cancel_entry))
}

/// A new calendar entry for its attendees (users), optionally about a
/// party or a deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntryRequest {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`, at most 14 days later.
    pub ends_at: DateTime<Utc>,
    /// 1 to 100 users, each once.
    pub attendees: Vec<Uuid>,
    pub location: Option<String>,
    /// The party the entry is about (not with `deal`).
    pub party: Option<Uuid>,
    /// The deal the entry is about (not with `party`).
    pub deal: Option<Uuid>,
    /// At most a week (10,080 minutes).
    pub remind_before_minutes: Option<u32>,
}

/// An entry's new time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleEntryRequest {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Everyone who attends now (1 to 100 users, each once).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeesRequest {
    pub attendees: Vec<Uuid>,
}

/// An entry's new title and location (absent: none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditEntryRequest {
    pub title: String,
    pub location: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelEntryRequest {
    pub reason: Option<String>,
}

/// A calendar entry as its stream (or the calendar model) tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryResponse {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendees: Vec<Uuid>,
    pub location: Option<String>,
    pub party: Option<Uuid>,
    pub deal: Option<Uuid>,
    pub remind_before_minutes: Option<u32>,
    pub organizer: Uuid,
    /// `scheduled`, `completed` or `cancelled`.
    pub status: String,
    pub version: Option<u64>,
}

impl From<&EntryRow> for EntryResponse {
    fn from(row: &EntryRow) -> Self {
        let (party, deal) = link_ids(row.link);
        Self {
            id: row.id.as_uuid(),
            title: row.title.clone(),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            attendees: row.attendees.iter().copied().map(assignee_id).collect(),
            location: row.location.clone(),
            party,
            deal,
            remind_before_minutes: row.remind_before_minutes,
            organizer: row.organizer.as_uuid(),
            status: match row.status {
                EntryStatus::Scheduled => "scheduled",
                EntryStatus::Completed => "completed",
                EntryStatus::Cancelled => "cancelled",
            }
            .to_owned(),
            version: Some(row.version),
        }
    }
}

/// Whose entries, over which range.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryRange {
    /// Entries ending after this moment…
    pub from: DateTime<Utc>,
    /// …and starting before this one; at most 62 days after `from`.
    pub to: DateTime<Utc>,
    /// The user attending; the signed-in user when absent.
    pub attendee: Option<Uuid>,
}

/// A user's entries overlapping the range, by start (cancelled ones are
/// left out).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryList {
    pub rows: Vec<EntryResponse>,
    /// More entries overlap the range than one list holds (500): ask for
    /// a shorter range.
    pub truncated: bool,
}

fn attendees(raw: &[Uuid]) -> Vec<Assignee> {
    raw.iter()
        .map(|user| Assignee::User(UserId::from_uuid(*user)))
        .collect()
}

/// Schedules a calendar entry; the system user organizes it (until there
/// are logins).
#[utoipa::path(post, path = "/calendar-entries", tag = TAG_CALENDAR,
    request_body = ScheduleEntryRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn schedule_entry(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ScheduleEntryRequest>,
) -> Result<Written, ApiError> {
    let link = link_of(request.party, request.deal)?;
    let schedule = ScheduleCalendarEntry {
        title: Label::parse("title", &request.title)?,
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        attendees: attendees(&request.attendees),
        location: Label::parse_optional("location", request.location.as_deref())?,
        link,
        remind_before_minutes: request.remind_before_minutes,
    };
    let id = CalendarEntryId::from_uuid(headers.new_id("calendar-entry"));
    let command = CalendarCommand::Schedule(schedule);
    let executed = execute::<CalendarEntry, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One calendar entry, with its stream version as `ETag`.
#[utoipa::path(get, path = "/calendar-entries/{id}", tag = TAG_CALENDAR,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = EntryResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_entry(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<EntryResponse>, ApiError> {
    let (entry, version) = load::<CalendarEntry>(&state, id)?;
    let entry = entry.ok_or_else(|| ApiError::NotFound(format!("calendar entry {id}")))?;
    let (party, deal) = link_ids(entry.link);
    Ok(Versioned(
        version,
        EntryResponse {
            id,
            title: entry.title,
            starts_at: entry.starts_at,
            ends_at: entry.ends_at,
            attendees: entry.attendees.into_iter().map(assignee_id).collect(),
            location: entry.location,
            party,
            deal,
            remind_before_minutes: entry.remind_before_minutes,
            organizer: entry.organizer.as_uuid(),
            status: match entry.status {
                CalendarEntryStatus::Scheduled => "scheduled",
                CalendarEntryStatus::Completed => "completed",
                CalendarEntryStatus::Cancelled => "cancelled",
            }
            .to_owned(),
            version,
        },
    ))
}

/// A user's calendar entries overlapping a range (at most 62 days), from
/// the calendar read model.
#[utoipa::path(get, path = "/calendar-entries", tag = TAG_CALENDAR,
    params(EntryRange, WaitFor),
    responses(
        (status = 200, body = EntryList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_entries(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(range): ApiQuery<EntryRange>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<EntryList>, ApiError> {
    if range.to <= range.from {
        return Err(ApiError::invalid("to", "must be after from"));
    }
    if range.to - range.from > TimeDelta::days(CALENDAR_RANGE_DAYS_MAX) {
        return Err(ApiError::invalid(
            "to",
            format!("a range covers at most {CALENDAR_RANGE_DAYS_MAX} days"),
        ));
    }
    wait.wait(&state).await?;
    let attendee = [Assignee::User(
        principal
            .only_owner(
                domain::access::Module::Planning,
                domain::access::Action::Read,
            )
            .or(range.attendee.map(UserId::from_uuid))
            .unwrap_or(principal.user),
    )];
    let list = state.read_models.calendar.read(|calendar| {
        let rows = calendar.agenda(&attendee, range.from, range.to);
        EntryList {
            truncated: rows.len() > CALENDAR_ROWS_MAX,
            rows: rows
                .into_iter()
                .take(CALENDAR_ROWS_MAX)
                .map(EntryResponse::from)
                .collect(),
        }
    });
    Ok(axum::Json(list))
}

aggregate_write! {
    /// Moves an entry to another time.
    reschedule_entry: "/calendar-entries/{id}/reschedule", TAG_CALENDAR, CalendarEntry, RescheduleEntryRequest, Changed,
    |state, id, request, _headers| Ok(CalendarCommand::Reschedule {
        starts_at: request.starts_at,
        ends_at: request.ends_at,
    })
}

aggregate_write! {
    /// Sets who attends an entry.
    change_attendees: "/calendar-entries/{id}/attendees", TAG_CALENDAR, CalendarEntry, AttendeesRequest, Changed,
    |state, id, request, _headers| Ok(CalendarCommand::ChangeAttendees {
        attendees: attendees(&request.attendees),
    })
}

aggregate_write! {
    /// Changes an entry's title and location.
    edit_entry: "/calendar-entries/{id}/edit", TAG_CALENDAR, CalendarEntry, EditEntryRequest, Changed,
    |state, id, request, _headers| Ok(CalendarCommand::Edit {
        title: Label::parse("title", &request.title)?,
        location: Label::parse_optional("location", request.location.as_deref())?,
    })
}

aggregate_write! {
    /// Records that an entry took place.
    complete_entry: "/calendar-entries/{id}/complete", TAG_CALENDAR, CalendarEntry, NoFields, Changed,
    |state, id, NoFields {}, _headers| Ok(CalendarCommand::Complete)
}

aggregate_write! {
    /// Reopens a completed or cancelled entry (a scheduled one stays as it
    /// is, so no rule can refuse this).
    reopen_entry: "/calendar-entries/{id}/reopen", TAG_CALENDAR, CalendarEntry, NoFields, ChangedUnlessStale,
    |state, id, NoFields {}, _headers| Ok(CalendarCommand::Reopen)
}

aggregate_write! {
    /// Cancels an entry that has not taken place.
    cancel_entry: "/calendar-entries/{id}/cancel", TAG_CALENDAR, CalendarEntry, CancelEntryRequest, Changed,
    |state, id, request, _headers| Ok(CalendarCommand::Cancel {
        reason: Label::parse_optional("reason", request.reason.as_deref())?,
    })
}
