//! Helpers shared by the log's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use eventlog::{Actor, AppendMeta, Clock, EventLog, NewEvent, Options, StreamName};
use uuid::Uuid;

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    pub fn at(time: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            micros: AtomicI64::new(time.timestamp_micros()),
        })
    }

    pub fn set(&self, time: DateTime<Utc>) {
        self.micros.store(time.timestamp_micros(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.micros.load(Ordering::SeqCst)).expect("in range")
    }
}

pub fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 time")
        .with_timezone(&Utc)
}

/// A fresh log in a temporary directory, kept alive with the log.
pub struct TestLog {
    pub log: EventLog,
    pub directory: tempfile::TempDir,
}

pub fn open_log() -> TestLog {
    open_log_with(Options::default())
}

pub fn open_log_with(options: Options) -> TestLog {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let log = EventLog::open(directory.path(), options).expect("the log opens");
    TestLog { log, directory }
}

pub fn stream(name: &str) -> StreamName {
    StreamName::parse(name).expect("a valid stream name")
}

pub fn event(event_type: &str, payload: &[u8]) -> NewEvent {
    NewEvent::new(Uuid::now_v7(), event_type, payload.to_vec())
}

pub fn events(count: usize) -> Vec<NewEvent> {
    (0..count)
        .map(|index| event("Happened", format!("payload {index}").as_bytes()))
        .collect()
}

pub fn meta() -> AppendMeta {
    AppendMeta::new(Actor::system("test"), Uuid::now_v7())
}

/// Appends `count` events to a stream that must not exist yet.
pub async fn append_new(log: &EventLog, name: &str, count: usize) -> eventlog::AppendOutcome {
    log.append(
        &stream(name),
        eventlog::ExpectedVersion::NoStream,
        events(count),
        meta(),
    )
    .await
    .expect("the append succeeds")
}
