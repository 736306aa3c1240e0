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
//! The query is `app::audit`'s: a page scans at most
//! [`app::audit::AUDIT_SCAN_EVENTS_MAX`] records and then hands
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
use eventlog::RecordedEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use app::audit::{Trail, TrailFilter};

use super::TAG_AUDIT;
use super::error::{ApiError, Problem};
use super::events::FeedEvent;
use super::extract::{ApiQuery, PageParams, encode_cursor};
use super::streaming::blocking_body;
use crate::AppState;

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

impl TrailQuery {
    /// The query as the application's trail takes it.
    pub fn filter(&self) -> TrailFilter {
        TrailFilter {
            stream: self.stream.clone(),
            category: self.category.clone(),
            event_type: self.event_type.clone(),
            actor: self.actor.clone(),
            from: self.from,
            to: self.to,
            time: match self.time.unwrap_or_default() {
                TimeKind::Recorded => app::audit::TimeKind::Recorded,
                TimeKind::Occurred => app::audit::TimeKind::Occurred,
            },
        }
    }
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
    let trail = Trail::parse(&log, &query.filter(), after)?;
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
    let mut trail = Trail::parse(&log, &query.filter(), 0)?;
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
                Some(next) => trail.continue_from(next),
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
    let actor = app::audit::actor_text(&event.actor);
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
}
