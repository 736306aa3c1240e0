//! Errors of the log, shaped for callers that branch on them.
//!
//! Bad input (a malformed name, an oversized event) and a concurrency
//! conflict are ordinary `Result`s; corrupt storage names the position where
//! it was found. Nothing a caller sends makes the log panic.

use uuid::Uuid;

use crate::event::{CurrentVersion, ExpectedVersion};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stream name `{name}` {reason}")]
    InvalidStreamName { name: String, reason: String },

    #[error("event {index} of the append: event type `{event_type}` {reason}")]
    InvalidEventType {
        index: usize,
        event_type: String,
        reason: String,
    },

    #[error("invalid actor: {reason}")]
    InvalidActor { reason: String },

    #[error("invalid category filter `{category}`: {reason}")]
    InvalidCategory { category: String, reason: String },

    #[error("an append needs at least one event")]
    EmptyAppend,

    #[error("an append may hold at most {max} events; this one has {count}")]
    TooManyEvents { count: usize, max: usize },

    #[error("event {index} of the append is {bytes} bytes when stored; at most {max} are allowed")]
    EventTooLarge {
        index: usize,
        bytes: usize,
        max: usize,
    },

    #[error("an append may carry at most {max} payload bytes in all; this one has {bytes}")]
    AppendTooLarge { bytes: usize, max: usize },

    #[error("event id {event_id} appears twice in one append")]
    DuplicateEventIdInAppend { event_id: Uuid },

    #[error(
        "wrong expected version for stream `{stream}`: expected {expected}, but the stream is at {actual}"
    )]
    WrongExpectedVersion {
        stream: String,
        expected: ExpectedVersion,
        actual: CurrentVersion,
    },

    #[error(
        "event id {event_id} is already stored at position {position}, but the rest of the append does not repeat that earlier append"
    )]
    EventIdConflict { event_id: Uuid, position: u64 },

    #[error("stored data is corrupt at position {position}: {reason}")]
    Corrupt { position: u64, reason: String },

    #[error(
        "the log's writer failed earlier and accepts no more appends until the store is reopened: {reason}"
    )]
    WriterFailed { reason: String },

    #[error("the log is closed")]
    Closed,

    #[error(
        "upcasting {event_type} from schema version {schema_version} failed at position {position}: {reason}"
    )]
    Upcast {
        position: u64,
        event_type: String,
        schema_version: u16,
        reason: String,
    },

    #[error("backup {file}: damaged or not a backup at byte {offset}: {reason}")]
    BackupDamaged {
        file: String,
        offset: u64,
        reason: String,
    },

    #[error("{reason}")]
    BackupRefused { reason: String },

    #[error("storage error: {0}")]
    Storage(#[from] sled::Error),

    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// True for errors caused by what the caller sent (as opposed to the
    /// state of the log or the machine).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::InvalidStreamName { .. }
                | Self::InvalidEventType { .. }
                | Self::InvalidActor { .. }
                | Self::InvalidCategory { .. }
                | Self::EmptyAppend
                | Self::TooManyEvents { .. }
                | Self::EventTooLarge { .. }
                | Self::AppendTooLarge { .. }
                | Self::DuplicateEventIdInAppend { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
