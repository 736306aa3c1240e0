//! The auditor's view of the event trail: who did what and when.
//!
//! `GET /audit/events` answers from the log itself (never from a read
//! model), filtered by entity (stream), module (category), event type,
//! actor and a time range in recorded or business time, with every
//! envelope field, the payload, and the record's chained hash.
//! `GET /audit/export` streams the same rows as CSV or JSON Lines.
//! `GET /audit/verify` walks the whole hash chain and reports the first
//! altered record; `GET /audit/verification` shows the last result.
//!
//! A page scans at most [`AUDIT_SCAN_EVENTS_MAX`] records and then hands
//! back a cursor, so a query that matches little in a large log answers in
//! bounded time and continues where it stopped. A range in recorded time
//! is found by binary search (recorded time never decreases along the
//! log); business time can be backdated, so it is a filter.

use std::io::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use eventlog::{Actor, EventLog, ReadFilter, RecordedEvent, StreamName};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_AUDIT;
use super::error::{ApiError, Problem};
use super::events::FeedEvent;
use super::extract::{ApiQuery, PageParams, encode_cursor};
use super::streaming::blocking_body;
use crate::AppState;

/// Records one page (or one export step) looks at before it answers with a
/// cursor.
pub const AUDIT_SCAN_EVENTS_MAX: usize = 200_000;
/// Records read from a stream per step when one entity's history is asked.
const STREAM_READ_EVENTS: usize = 1_000;

/// Whole-log verifications at once; more wait their turn.
static VERIFICATIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(trail))
        .routes(routes!(export))
        .routes(routes!(verify))
        .routes(routes!(last_verification))
}

/// Which clock `from` and `to` read.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeKind {
    /// When the log stored the event (knowledge time).
    #[default]
    Recorded,
    /// The event's business time (may be backdated).
    Occurred,
}

/// What an auditor asks of the trail.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrailQuery {
    /// One entity's history: its stream (`order-<uuid>`).
    pub stream: Option<String>,
    /// One module: the stream category (`order`, `party`, `stock`…).
    pub category: Option<String>,
    /// One event type (`OrderConfirmed`).
    pub event_type: Option<String>,
    /// One actor: a user's id, or `system:<process>`.
    pub actor: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Which time `from` and `to` mean: `recorded` (default) or `occurred`.
    pub time: Option<TimeKind>,
}

/// One event of the trail with its whole envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrailEvent {
    #[serde(flatten)]
    pub event: FeedEvent,
    /// The event's version within its stream (0, 1, 2…).
    pub version: u64,
    pub event_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    /// The record's SHA-256, chained to the record before it (hex).
    pub hash: String,
}

impl TrailEvent {
    pub(crate) fn of(record: &RecordedEvent) -> Self {
        Self {
            event: FeedEvent::of(record),
            version: record.version,
            event_id: record.event_id,
            correlation_id: record.correlation_id,
            causation_id: record.causation_id,
            hash: eventlog::hash_hex(&record.hash),
        }
    }
}

/// A page of the trail, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrailPage {
    pub rows: Vec<TrailEvent>,
    /// Pass as `cursor` to continue; absent when the range is exhausted.
    pub next_cursor: Option<String>,
    /// The last position this page looked at.
    pub scanned_through: u64,
}

/// The trail query, parsed once.
pub(crate) struct Trail {
    stream: Option<StreamName>,
    read_filter: ReadFilter,
    actor: Option<ActorFilter>,
    /// A range in business time, which is a filter (it can be backdated).
    occurred: Option<TimeRange>,
    /// Positions in range, inclusive.
    first: u64,
    last: u64,
}

/// `[from, to)`, either end open.
#[derive(Clone, Copy, Debug)]
struct TimeRange {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl TimeRange {
    fn contains(self, time: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| time >= from) && self.to.is_none_or(|to| time < to)
    }
}

/// What one step of a trail query found.
pub(crate) struct TrailStep {
    pub(crate) rows: Vec<RecordedEvent>,
    /// The last position looked at.
    scanned_through: u64,
    /// Where to continue; `None` when the range is exhausted.
    pub(crate) next: Option<u64>,
}

/// Whose events the trail keeps.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ActorFilter {
    User(Uuid),
    System(String),
}

impl ActorFilter {
    pub(crate) fn parse(text: &str) -> Result<Self, ApiError> {
        match text.strip_prefix("system:") {
            Some(process) if !process.is_empty() => Ok(Self::System(process.to_owned())),
            Some(_) => Err(ApiError::invalid(
                "actor",
                "name the process after `system:`",
            )),
            None => text.parse().map(Self::User).map_err(|_| {
                ApiError::invalid("actor", "expected a user id or `system:<process>`")
            }),
        }
    }

    fn matches(&self, actor: &Actor) -> bool {
        match (self, actor) {
            (Self::User(wanted), Actor::User { user_id, .. }) => wanted == user_id,
            (Self::System(wanted), Actor::System { process }) => wanted == process,
            _ => false,
        }
    }
}

impl Trail {
    /// Reads `query` against `log`, for the events after position `after`.
    pub(crate) fn parse(log: &EventLog, query: &TrailQuery, after: u64) -> Result<Self, ApiError> {
        let stream = query
            .stream
            .as_deref()
            .map(|text| {
                StreamName::parse(text)
                    .map_err(|error| ApiError::invalid("stream", error.to_string()))
            })
            .transpose()?;
        let mut read_filter = match query.category.as_deref() {
            Some(category) => ReadFilter::category(category)
                .map_err(|error| ApiError::invalid("category", error.to_string()))?,
            None => ReadFilter::all(),
        };
        if let Some(event_type) = &query.event_type {
            if event_type.is_empty() || event_type.len() > 200 {
                return Err(ApiError::invalid(
                    "event_type",
                    "expected an event type name",
                ));
            }
            read_filter.event_types = Some([event_type.clone()].into_iter().collect());
        }
        let actor = query.actor.as_deref().map(ActorFilter::parse).transpose()?;
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from >= to
        {
            return Err(ApiError::invalid("to", "must be after `from`"));
        }
        let head = log.head().position;
        let mut first = after + 1;
        let mut last = head;
        let mut occurred = None;
        match query.time.unwrap_or_default() {
            TimeKind::Recorded => {
                if let Some(from) = query.from {
                    let before = from - chrono::Duration::microseconds(1);
                    first = first.max(log.position_at(before)? + 1);
                }
                if let Some(to) = query.to {
                    let before = to - chrono::Duration::microseconds(1);
                    last = last.min(log.position_at(before)?);
                }
            }
            TimeKind::Occurred => {
                occurred = Some(TimeRange {
                    from: query.from,
                    to: query.to,
                });
            }
        }
        Ok(Self {
            stream,
            read_filter,
            actor,
            occurred,
            first,
            last,
        })
    }

    fn matches(&self, event: &RecordedEvent) -> bool {
        self.read_filter.matches(event)
            && self
                .actor
                .as_ref()
                .is_none_or(|actor| actor.matches(&event.actor))
            && self
                .occurred
                .is_none_or(|range| range.contains(event.occurred_at))
    }

    /// Up to `limit` matching events from `first` on, looking at no more
    /// than [`AUDIT_SCAN_EVENTS_MAX`] records; and where to continue
    /// (`None`: the range is exhausted).
    pub(crate) fn page(&self, log: &EventLog, limit: usize) -> Result<TrailStep, eventlog::Error> {
        let step = |rows, scanned_through, next| TrailStep {
            rows,
            scanned_through,
            next,
        };
        let mut rows = Vec::new();
        let mut scanned = 0usize;
        let mut next = self.first;
        if let Some(stream) = &self.stream {
            // One entity's history is short: read its stream, skipping what
            // the cursor passed.
            let mut version = 0u64;
            loop {
                let events = log.read_stream(stream, version, STREAM_READ_EVENTS)?;
                let Some(last_event) = events.last() else {
                    return Ok(step(rows, self.last, None));
                };
                version = last_event.version + 1;
                for event in events {
                    if event.position > self.last {
                        return Ok(step(rows, self.last, None));
                    }
                    scanned += 1;
                    if event.position < self.first {
                        continue;
                    }
                    next = event.position + 1;
                    if self.matches(&event) {
                        rows.push(event);
                        if rows.len() >= limit {
                            return Ok(step(rows, next - 1, Some(next)));
                        }
                    }
                }
                if scanned >= AUDIT_SCAN_EVENTS_MAX {
                    return Ok(step(rows, next - 1, Some(next)));
                }
            }
        }
        while next <= self.last {
            let page = log.read_all(next, limit - rows.len(), &self.read_filter)?;
            let page_end = page.next_position;
            for event in page.events {
                if event.position > self.last {
                    return Ok(step(rows, self.last, None));
                }
                if self.matches(&event) {
                    rows.push(event);
                }
            }
            scanned += usize::try_from(page_end - next).unwrap_or(usize::MAX);
            next = page_end;
            if rows.len() >= limit || scanned >= AUDIT_SCAN_EVENTS_MAX {
                break;
            }
            if page.reached_head {
                break;
            }
        }
        let through = (next - 1).min(self.last);
        let more = (next <= self.last).then_some(next);
        Ok(step(rows, through, more))
    }
}

fn parse_cursor(page: &PageParams) -> Result<u64, ApiError> {
    match page.cursor()? {
        None => Ok(0),
        Some(bytes) => bytes
            .try_into()
            .map(|bytes: [u8; 8]| u64::from_be_bytes(bytes).saturating_sub(1))
            .map_err(|_| ApiError::invalid("cursor", "not a cursor of the trail")),
    }
}

/// The trail, oldest first, filtered; every envelope field, the payload
/// and the chained hash of each record.
#[utoipa::path(get, path = "/audit/events", tag = TAG_AUDIT,
    params(TrailQuery, PageParams),
    responses(
        (status = 200, body = TrailPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn trail(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TrailQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<axum::Json<TrailPage>, ApiError> {
    let limit = page.limit()?;
    let after = parse_cursor(&page)?;
    let log = state.log.clone();
    let trail = Trail::parse(&log, &query, after)?;
    let step = tokio::task::spawn_blocking(move || trail.page(&log, limit))
        .await
        .map_err(|error| {
            ApiError::Internal(anyhow::anyhow!("the trail query failed: {error}"))
        })??;
    Ok(axum::Json(TrailPage {
        rows: step.rows.iter().map(TrailEvent::of).collect(),
        next_cursor: step
            .next
            .map(|position| encode_cursor(&position.to_be_bytes())),
        scanned_through: step.scanned_through,
    }))
}

/// The export's format.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` or `jsonl`.
    pub format: ExportFormat,
}

/// Every event of the trail that matches, as CSV (one row per event, the
/// payload as JSON in its last column) or JSON Lines (one `TrailEvent`
/// per line), streamed.
#[utoipa::path(get, path = "/audit/export", tag = TAG_AUDIT,
    params(TrailQuery, ExportParams),
    responses(
        (status = 200, description = "The matching events, oldest first: CSV, or JSON Lines with `format=jsonl`",
            content((String = "text/csv"), (String = "application/jsonl"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn export(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TrailQuery>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let log = state.log.clone();
    let mut trail = Trail::parse(&log, &query, 0)?;
    let format = params.format;
    let body = blocking_body("an audit export", move |out| {
        if matches!(format, ExportFormat::Csv) {
            out.write_all(CSV_HEADER.as_bytes())?;
        }
        loop {
            let step = trail.page(&log, super::extract::PAGE_ROWS_MAX)?;
            for row in &step.rows {
                match format {
                    ExportFormat::Csv => out.write_all(csv_row(row).as_bytes())?,
                    ExportFormat::Jsonl => {
                        serde_json::to_writer(&mut *out, &TrailEvent::of(row))?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            match step.next {
                Some(next) => trail.first = next,
                None => return Ok(()),
            }
        }
    });
    let (content_type, extension) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Jsonl => ("application/jsonl; charset=utf-8", "jsonl"),
    };
    Ok((
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"hypercrm-audit.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

const CSV_HEADER: &str = "position,recorded_at,occurred_at,stream,version,event_type,schema_version,actor,event_id,correlation_id,causation_id,hash,payload\n";

/// One CSV line (RFC 4180 quoting). A cell that a spreadsheet would run as
/// a formula (starting with `=`, `+`, `-` or `@`) gets a leading `'`.
fn csv_row(event: &RecordedEvent) -> String {
    let trail = TrailEvent::of(event);
    let actor = match &event.actor {
        Actor::User {
            user_id,
            token_id: None,
        } => user_id.to_string(),
        Actor::User {
            user_id,
            token_id: Some(token),
        } => format!("{user_id} token:{token}"),
        Actor::System { process } => format!("system:{process}"),
    };
    let payload = trail
        .event
        .payload
        .as_ref()
        .map(|payload| payload.to_string())
        .unwrap_or_default();
    let cells = [
        event.position.to_string(),
        event.recorded_at.to_rfc3339(),
        event.occurred_at.to_rfc3339(),
        event.stream.to_string(),
        event.version.to_string(),
        event.event_type.clone(),
        event.schema_version.to_string(),
        actor,
        event.event_id.to_string(),
        event.correlation_id.to_string(),
        event
            .causation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        trail.hash,
        payload,
    ];
    let mut line = cells
        .iter()
        .map(|cell| csv_cell(cell))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

fn csv_cell(cell: &str) -> String {
    // Bidirectional controls recorded before they were refused would
    // reorder the cells around them in a spreadsheet; the JSON Lines
    // export keeps the payload as recorded.
    let cell = domain::values::without_bidi_controls(cell);
    let cell = if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.into_owned()
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// The outcome of a walk over the whole hash chain.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when every record, its chain hash and the indexes checked out.
    pub intact: bool,
    pub checked_at: DateTime<Utc>,
    pub seconds: f64,
    /// Records checked (up to the first bad one).
    pub records_checked: u64,
    /// The head the chain was checked up to, and its hash (hex), when
    /// intact: an auditor can keep it to detect a later rewrite.
    pub head_position: Option<u64>,
    pub head_hash: Option<String>,
    /// The first altered or inconsistent record, when not intact.
    pub first_bad_position: Option<u64>,
    pub problem: Option<String>,
}

/// The last verification of this server's log, kept for the audit view.
#[derive(Debug, Default)]
pub struct Verifications {
    last: Mutex<Option<Verification>>,
    /// When the verification running in the background began.
    running_since: Mutex<Option<DateTime<Utc>>>,
}

impl Verifications {
    pub fn last(&self) -> Option<Verification> {
        self.last.lock().ok().and_then(|last| last.clone())
    }

    /// When the background verification now running began, if one runs.
    pub fn running_since(&self) -> Option<DateTime<Utc>> {
        self.running_since.lock().ok().and_then(|since| *since)
    }

    /// Starts a verification of the whole log on a background task, so a
    /// request that asks for one (the UI's "Verify now") need not wait a
    /// minute and more on a large log; `None` when one is running already.
    pub fn start(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
        {
            let mut since = state.verifications.running_since.lock().ok()?;
            if since.is_some() {
                return None;
            }
            *since = Some(state.app.now());
        }
        let state = state.clone();
        Some(tokio::spawn(async move {
            if let Err(error) = run_verification(&state).await {
                tracing::error!(%error, "a background verification failed");
            }
            if let Ok(mut since) = state.verifications.running_since.lock() {
                *since = None;
            }
        }))
    }

    fn record(&self, verification: Verification) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(verification);
        }
    }
}

/// Walks the whole log now: every record's chained hash, positions,
/// versions and indexes; the first bad record is named.
#[utoipa::path(get, path = "/audit/verify", tag = TAG_AUDIT,
    responses(
        (status = 200, body = Verification),
    ))]
async fn verify(State(state): State<AppState>) -> Result<axum::Json<Verification>, ApiError> {
    run_verification(&state).await.map(axum::Json)
}

/// Walks the whole hash chain on a blocking thread (one walk at a time),
/// logs a failure and keeps the result as the last verification: what
/// `GET /audit/verify` and the UI's "Verify now" both run.
pub(crate) async fn run_verification(state: &AppState) -> Result<Verification, ApiError> {
    // The semaphore is never closed, so acquiring can only wait.
    let _permit = VERIFICATIONS
        .acquire()
        .await
        .map_err(|error| ApiError::Internal(error.into()))?;
    let log = state.log.clone();
    let checked_at = state.app.now();
    let verification = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let outcome = log.verify();
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Ok(report) => Verification {
                intact: true,
                checked_at,
                seconds,
                records_checked: report.records_checked,
                head_position: Some(report.head.position),
                head_hash: Some(eventlog::hash_hex(&report.head.hash)),
                first_bad_position: None,
                problem: None,
            },
            Err(error) => {
                let first_bad_position = match &error {
                    eventlog::Error::Corrupt { position, .. } => Some(*position),
                    _ => None,
                };
                Verification {
                    intact: false,
                    checked_at,
                    seconds,
                    records_checked: first_bad_position.map_or(0, |position| position - 1),
                    head_position: None,
                    head_hash: None,
                    first_bad_position,
                    problem: Some(error.to_string()),
                }
            }
        }
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("the verification failed: {error}")))?;
    if !verification.intact {
        tracing::error!(
            position = verification.first_bad_position,
            problem = verification.problem.as_deref(),
            "the event log failed verification"
        );
    }
    state.verifications.record(verification.clone());
    Ok(verification)
}

/// The last verification since the server started; 404 before the first.
#[utoipa::path(get, path = "/audit/verification", tag = TAG_AUDIT,
    responses(
        (status = 200, body = Verification),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn last_verification(
    State(state): State<AppState>,
) -> Result<axum::Json<Verification>, ApiError> {
    state.verifications.last().map(axum::Json).ok_or_else(|| {
        ApiError::NotFound("no verification has run since the server started".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell a spreadsheet would run as a formula is defused, and quoting
    /// follows RFC 4180.
    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a\u{202E}b\u{2066}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    /// Actors are named as users by id or processes by `system:` name;
    /// anything else is a 400 on the `actor` field.
    #[test]
    fn actor_filters_parse_users_and_processes() {
        let user = Uuid::now_v7();
        assert_eq!(
            ActorFilter::parse(&user.to_string()).unwrap_or(ActorFilter::System(String::new())),
            ActorFilter::User(user)
        );
        assert_eq!(
            ActorFilter::parse("system:orders").unwrap_or(ActorFilter::User(Uuid::nil())),
            ActorFilter::System("orders".to_owned())
        );
        assert!(ActorFilter::parse("system:").is_err());
        assert!(ActorFilter::parse("bob").is_err());
    }
}
