//! What goes into the log and what comes out of it.
//!
//! A caller appends [`NewEvent`]s (an id, a type name with a schema version,
//! an optional business time and opaque payload bytes) together with
//! [`AppendMeta`] (who acts, and why). The writer turns them into
//! [`RecordedEvent`]s: the same data plus the envelope the log assigns
//! (position, stream version, `recorded_at`, hash). The log never interprets
//! payloads; the domain owns their shape.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::stream::StreamName;

/// Longest event type name accepted, in bytes.
pub const EVENT_TYPE_BYTES_MAX: usize = 128;

/// Longest system-process name accepted in an [`Actor`], in bytes.
pub const ACTOR_NAME_BYTES_MAX: usize = 128;

/// What the appender believes the stream's current version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the stream holds.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have exactly this version.
    Exact(u64),
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any version"),
            Self::NoStream => f.write_str("no stream"),
            Self::Exact(version) => write!(f, "version {version}"),
        }
    }
}

/// The version a stream actually had when an append was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CurrentVersion {
    NoStream,
    Version(u64),
}

impl fmt::Display for CurrentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStream => f.write_str("no stream"),
            Self::Version(version) => write!(f, "version {version}"),
        }
    }
}

/// Who caused an event. Every record names one, so the audit trail can say
/// who did what.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// A person, optionally acting through an API token.
    User {
        user_id: Uuid,
        token_id: Option<Uuid>,
    },
    /// A process of the system itself (a process manager, an import, the
    /// demo generator), by a stable name.
    System { process: String },
}

impl Actor {
    pub fn user(user_id: Uuid) -> Self {
        Self::User {
            user_id,
            token_id: None,
        }
    }

    pub fn system(process: impl Into<String>) -> Self {
        Self::System {
            process: process.into(),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User {
                user_id,
                token_id: None,
            } => write!(f, "user {user_id}"),
            Self::User {
                user_id,
                token_id: Some(token),
            } => {
                write!(f, "user {user_id} (token {token})")
            }
            Self::System { process } => write!(f, "system:{process}"),
        }
    }
}

/// Metadata shared by all events of one append: who acts and the chain of
/// cause that led here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendMeta {
    pub actor: Actor,
    /// Groups every event that stems from one user request or one process.
    pub correlation_id: Uuid,
    /// The event (or command) that directly caused this append, if any.
    pub causation_id: Option<Uuid>,
}

impl AppendMeta {
    /// Metadata for an append that starts a new chain of work: the
    /// correlation id is the given command or request id.
    pub fn new(actor: Actor, correlation_id: Uuid) -> Self {
        Self {
            actor,
            correlation_id,
            causation_id: None,
        }
    }

    /// Metadata for an append caused by an earlier event, keeping its
    /// correlation.
    pub fn caused_by(actor: Actor, cause: &RecordedEvent) -> Self {
        Self {
            actor,
            correlation_id: cause.correlation_id,
            causation_id: Some(cause.event_id),
        }
    }
}

/// An event as a caller proposes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique over the whole log; a UUID v7 by convention. Appending an id
    /// that is already stored is an idempotent no-op.
    pub event_id: Uuid,
    /// Stable, past-tense name, such as `OrderConfirmed`.
    pub event_type: String,
    /// Version of the payload's shape, for upcasting.
    pub schema_version: u16,
    /// Business time; `None` means "now" (the record's `recorded_at`).
    pub occurred_at: Option<DateTime<Utc>>,
    /// The encoded payload; the log does not look inside.
    pub payload: Vec<u8>,
}

impl NewEvent {
    pub fn new(event_id: Uuid, event_type: impl Into<String>, payload: Vec<u8>) -> Self {
        Self {
            event_id,
            event_type: event_type.into(),
            schema_version: 1,
            occurred_at: None,
            payload,
        }
    }

    pub fn with_schema_version(mut self, schema_version: u16) -> Self {
        self.schema_version = schema_version;
        self
    }

    pub fn occurred_at(mut self, occurred_at: DateTime<Utc>) -> Self {
        self.occurred_at = Some(occurred_at);
        self
    }
}

/// An event as stored: the caller's data plus the envelope the log assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position: 1, 2, 3… without gaps.
    pub position: u64,
    pub stream: StreamName,
    /// Version within the stream: 0, 1, 2…
    pub version: u64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u16,
    /// When the writer stored it; never decreases along the log.
    pub recorded_at: DateTime<Utc>,
    /// Business time; equals `recorded_at` unless backdated.
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub payload: Vec<u8>,
    /// SHA-256 over the previous record's hash and this record's bytes.
    pub hash: [u8; 32],
}

/// What an append achieved (or, for an idempotent repeat, had achieved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    pub first_position: u64,
    pub last_position: u64,
    /// Version of the last event appended: the `Exact` to expect next.
    pub last_version: u64,
    /// True when every event id was already stored and nothing was written.
    pub already_stored: bool,
}

/// The log's end: its last position, that record's hash and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// 0 for an empty log.
    pub position: u64,
    /// All zeroes for an empty log.
    pub hash: [u8; 32],
    pub recorded_at: Option<DateTime<Utc>>,
}

impl Head {
    pub const EMPTY: Head = Head {
        position: 0,
        hash: [0; 32],
        recorded_at: None,
    };
}

/// Hex form of a hash, for messages and reports.
pub fn hash_hex(hash: &[u8; 32]) -> String {
    use std::fmt::Write;
    hash.iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}
