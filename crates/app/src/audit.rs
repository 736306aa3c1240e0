//! The auditor's trail, read from the log itself (never from a read
//! model): filtered by entity (stream), module (category), event type,
//! actor and a time range in recorded or business time, a page at a time.
//!
//! A page scans at most [`AUDIT_SCAN_EVENTS_MAX`] records and then hands
//! back where to continue, so a query that matches little in a large log
//! answers in bounded time. A range in recorded time is found by binary
//! search (recorded time never decreases along the log); business time can
//! be backdated, so it is a filter. The JSON API, its CSV and JSON Lines
//! export and the audit page all run this one query.

use chrono::{DateTime, Utc};
use domain::DomainError;
use eventlog::{Actor, EventLog, ReadFilter, RecordedEvent, StreamName};
use uuid::Uuid;

use crate::commands::CommandError;

/// Records one page (or one export step) looks at before it answers with
/// where to continue.
pub const AUDIT_SCAN_EVENTS_MAX: usize = 200_000;
/// Records read from a stream per step when one entity's history is asked.
const STREAM_READ_EVENTS: usize = 1_000;

/// Which clock a trail's `from` and `to` read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeKind {
    /// When the log stored the event (knowledge time).
    #[default]
    Recorded,
    /// The event's business time (may be backdated).
    Occurred,
}

/// What an auditor asks of the trail, as typed.
#[derive(Clone, Debug, Default)]
pub struct TrailFilter {
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
    pub time: TimeKind,
}

/// The trail query, parsed once.
#[derive(Debug)]
pub struct Trail {
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
#[derive(Debug)]
pub struct TrailStep {
    pub rows: Vec<RecordedEvent>,
    /// The last position looked at.
    pub scanned_through: u64,
    /// Where to continue; `None` when the range is exhausted.
    pub next: Option<u64>,
}

/// An actor as the trail and its exports write it: a user's id (with
/// ` token:<id>` when a token signed), or `system:<process>`.
pub fn actor_text(actor: &Actor) -> String {
    match actor {
        Actor::User {
            user_id,
            token_id: None,
        } => user_id.to_string(),
        Actor::User {
            user_id,
            token_id: Some(token),
        } => format!("{user_id} token:{token}"),
        Actor::System { process } => format!("system:{process}"),
    }
}

/// Whose events the trail keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum ActorFilter {
    User(Uuid),
    System(String),
}

impl ActorFilter {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text.strip_prefix("system:") {
            Some(process) if !process.is_empty() => Ok(Self::System(process.to_owned())),
            Some(_) => Err(DomainError::invalid(
                "actor",
                "name the process after `system:`",
            )),
            None => text.parse().map(Self::User).map_err(|_| {
                DomainError::invalid("actor", "expected a user id or `system:<process>`")
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
    pub fn parse(log: &EventLog, query: &TrailFilter, after: u64) -> Result<Self, CommandError> {
        let stream = query
            .stream
            .as_deref()
            .map(|text| {
                StreamName::parse(text)
                    .map_err(|error| DomainError::invalid("stream", error.to_string()))
            })
            .transpose()?;
        let mut read_filter = match query.category.as_deref() {
            Some(category) => ReadFilter::category(category)
                .map_err(|error| DomainError::invalid("category", error.to_string()))?,
            None => ReadFilter::all(),
        };
        if let Some(event_type) = &query.event_type {
            if event_type.is_empty() || event_type.len() > 200 {
                return Err(
                    DomainError::invalid("event_type", "expected an event type name").into(),
                );
            }
            read_filter.event_types = Some([event_type.clone()].into_iter().collect());
        }
        let actor = query.actor.as_deref().map(ActorFilter::parse).transpose()?;
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from >= to
        {
            return Err(DomainError::invalid("to", "must be after `from`").into());
        }
        let head = log.head().position;
        let mut first = after + 1;
        let mut last = head;
        let mut occurred = None;
        match query.time {
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

    /// Continues the query from `position` on (the `next` of a step).
    pub fn continue_from(&mut self, position: u64) {
        self.first = position;
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
    pub fn page(&self, log: &EventLog, limit: usize) -> Result<TrailStep, eventlog::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Actors are named as users by id or processes by `system:` name;
    /// anything else is bad input on the `actor` field.
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
