//! Writing a generated history into an event log, as the application
//! would have appended it: one append per command, each checked against
//! the version its stream's previous append left.
//!
//! Appends go through a few writer threads at once so the log can commit
//! them in groups; each stream belongs to one thread, which keeps a
//! stream's appends in order (the order across streams may differ a
//! little from the history's, as it would with concurrent users).

use domain::personal::SubjectKeys;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use uuid::Uuid;

use crate::DemoAppend;

/// Threads appending at once.
const LOAD_THREADS: usize = 16;
/// Appends queued per thread.
const LOAD_QUEUE_APPENDS_MAX: usize = 256;

/// What a load wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadReport {
    pub appends: u64,
    pub events: u64,
    pub elapsed: Duration,
}

struct Prepared {
    stream: StreamName,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    meta: AppendMeta,
}

/// Appends every item of `history` to `log`, personal fields sealed with
/// `keys` (ADR 0018). `progress` sees the number of events handed to the
/// log so far. For a large history open the log in
/// `Durability::BulkImportRelaxed` and `sync` afterwards.
pub fn load(
    log: &EventLog,
    history: impl IntoIterator<Item = DemoAppend>,
    keys: &dyn SubjectKeys,
    mut progress: impl FnMut(u64),
) -> eventlog::Result<LoadReport> {
    let started = Instant::now();
    let mut report = LoadReport {
        appends: 0,
        events: 0,
        elapsed: Duration::ZERO,
    };
    let outcome = std::thread::scope(|scope| -> eventlog::Result<()> {
        let mut senders: Vec<SyncSender<Prepared>> = Vec::with_capacity(LOAD_THREADS);
        let mut workers = Vec::with_capacity(LOAD_THREADS);
        for _ in 0..LOAD_THREADS {
            let (sender, receiver) = sync_channel::<Prepared>(LOAD_QUEUE_APPENDS_MAX);
            senders.push(sender);
            workers.push(scope.spawn(move || append_all(log, receiver)));
        }
        // The version the next append to each stream must find.
        let mut versions: HashMap<Uuid, u64> = HashMap::new();
        for append in history {
            let stream = StreamName::parse(append.stream())?;
            let count = append.events.len() as u64;
            let expected = match versions.get(&append.aggregate) {
                None => ExpectedVersion::NoStream,
                Some(next) => ExpectedVersion::Exact(next - 1),
            };
            *versions.entry(append.aggregate).or_insert(0) += count;
            let correlation = append.events.first().map_or_else(Uuid::nil, |(id, _)| *id);
            let events = append
                .events
                .iter()
                .map(|(id, event)| {
                    let (version, payload) =
                        event.seal(append.aggregate, keys).map_err(|error| {
                            eventlog::Error::WriterFailed {
                                reason: format!("sealing the demo's personal data: {error}"),
                            }
                        })?;
                    Ok(NewEvent::new(*id, event.event_type(), payload)
                        .with_schema_version(version)
                        .occurred_at(append.occurred_at))
                })
                .collect::<eventlog::Result<Vec<_>>>()?;
            let meta = AppendMeta::new(Actor::user(append.actor.as_uuid()), correlation);
            let worker = (append.aggregate.as_u128() % LOAD_THREADS as u128) as usize;
            let prepared = Prepared {
                stream,
                expected,
                events,
                meta,
            };
            if senders[worker].send(prepared).is_err() {
                // The worker stopped on an error; it reports it below.
                break;
            }
            report.appends += 1;
            report.events += count;
            progress(report.events);
        }
        drop(senders);
        for worker in workers {
            match worker.join() {
                Ok(result) => result?,
                Err(_) => {
                    return Err(eventlog::Error::WriterFailed {
                        reason: "a demo load thread panicked".to_owned(),
                    });
                }
            }
        }
        Ok(())
    });
    outcome?;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn append_all(log: &EventLog, receiver: Receiver<Prepared>) -> eventlog::Result<()> {
    for prepared in receiver {
        log.append_blocking(
            &prepared.stream,
            prepared.expected,
            prepared.events,
            prepared.meta,
        )?;
    }
    Ok(())
}
