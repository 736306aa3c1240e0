//! Writing a generated history into an event log, as the application
//! would have appended it: one append per command, each stream's appends
//! checked against the version the previous one left.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use uuid::Uuid;

use crate::DemoAppend;

/// What a load wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadReport {
    pub appends: u64,
    pub events: u64,
    pub elapsed: Duration,
}

/// Appends every item of `history` to `log`, in order. `progress` sees the
/// number of events written so far after each append. For a large history
/// open the log in `Durability::BulkImportRelaxed` and `sync` afterwards.
pub fn load(
    log: &EventLog,
    history: impl IntoIterator<Item = DemoAppend>,
    mut progress: impl FnMut(u64),
) -> eventlog::Result<LoadReport> {
    let started = Instant::now();
    let mut versions: HashMap<Uuid, u64> = HashMap::new();
    let mut report = LoadReport {
        appends: 0,
        events: 0,
        elapsed: Duration::ZERO,
    };
    for append in history {
        let stream = StreamName::parse(append.stream())?;
        let expected = match versions.get(&append.aggregate) {
            None => ExpectedVersion::NoStream,
            Some(version) => ExpectedVersion::Exact(*version),
        };
        let correlation = append.events.first().map_or_else(Uuid::nil, |(id, _)| *id);
        let events: Vec<NewEvent> = append
            .events
            .iter()
            .map(|(id, event)| {
                NewEvent::new(*id, event.event_type(), event.encode())
                    .with_schema_version(event.schema_version())
                    .occurred_at(append.occurred_at)
            })
            .collect();
        let count = events.len() as u64;
        let meta = AppendMeta::new(Actor::user(append.actor.as_uuid()), correlation);
        let outcome = log.append_blocking(&stream, expected, events, meta)?;
        versions.insert(append.aggregate, outcome.last_version);
        report.appends += 1;
        report.events += count;
        progress(report.events);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}
