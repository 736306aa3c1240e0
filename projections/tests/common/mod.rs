//! Helpers shared by the projection tests: a temporary log and a way to
//! append domain events as the application would.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use domain::DomainEvent;
use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, Options, StreamName};
use uuid::Uuid;

pub fn open_log(directory: &std::path::Path) -> EventLog {
    EventLog::open(directory.join("log"), Options::default()).unwrap()
}

pub fn user() -> Uuid {
    Uuid::from_u128(0xA11CE)
}

/// Appends `events` to `<category>-<id>` as the application would.
pub fn append<E: DomainEvent>(log: &EventLog, id: Uuid, events: &[E]) -> u64 {
    append_at(log, id, events, None)
}

pub fn append_at<E: DomainEvent>(
    log: &EventLog,
    id: Uuid,
    events: &[E],
    occurred_at: Option<DateTime<Utc>>,
) -> u64 {
    let stream = StreamName::parse(format!("{}-{id}", E::CATEGORY)).unwrap();
    let new_events = events
        .iter()
        .map(|event| {
            let new_event = NewEvent::new(Uuid::now_v7(), event.event_type(), event.encode())
                .with_schema_version(event.schema_version());
            match occurred_at {
                Some(time) => new_event.occurred_at(time),
                None => new_event,
            }
        })
        .collect();
    let meta = AppendMeta::new(Actor::user(user()), Uuid::now_v7());
    let append = || {
        log.append_blocking(&stream, ExpectedVersion::Any, new_events, meta)
            .unwrap()
            .last_position
    };
    // Inside a (multi-threaded) test runtime, blocking needs permission.
    match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::block_in_place(append),
        Err(_) => append(),
    }
}
