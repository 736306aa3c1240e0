//! A stored event decoded for read models: the domain event together with
//! the parts of its envelope that read models use.

use chrono::{DateTime, Utc};
use domain::CrmEvent;
use eventlog::{Actor, RecordedEvent, StreamName};
use uuid::Uuid;

use crate::error::ProjectionError;

/// One decoded event, borrowed from its record.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub position: u64,
    pub stream: &'a StreamName,
    /// The event's version within its stream.
    pub stream_version: u64,
    /// The aggregate's id: the part of the stream name after the category.
    pub aggregate: Uuid,
    pub event_id: Uuid,
    /// When it happened in business terms (may be backdated).
    pub occurred_at: DateTime<Utc>,
    /// When the log stored it.
    pub recorded_at: DateTime<Utc>,
    pub actor: &'a Actor,
    pub event: &'a CrmEvent,
}

impl Envelope<'_> {
    /// The acting user, if a person acted.
    pub fn user(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { user_id, .. } => Some(*user_id),
            Actor::System { .. } => None,
        }
    }
}

/// Decodes a record of a CRM category; `Ok(None)` for other modules'
/// records. A CRM record that does not decode is corrupt or from a newer
/// version: an error naming its position, never skipped.
pub fn decode(record: &RecordedEvent) -> Result<Option<(Uuid, CrmEvent)>, ProjectionError> {
    let category = record.stream.category();
    let event = CrmEvent::decode(
        category,
        &record.event_type,
        record.schema_version,
        &record.payload,
    )
    .map_err(|source| ProjectionError::Decode {
        position: record.position,
        source,
    })?;
    let Some(event) = event else {
        return Ok(None);
    };
    let aggregate = Uuid::parse_str(record.stream.id()).map_err(|_| ProjectionError::StreamId {
        position: record.position,
        stream: record.stream.to_string(),
    })?;
    Ok(Some((aggregate, event)))
}

/// Borrows an envelope from a record and its decoded event.
pub fn envelope<'a>(
    record: &'a RecordedEvent,
    aggregate: Uuid,
    event: &'a CrmEvent,
) -> Envelope<'a> {
    Envelope {
        position: record.position,
        stream: &record.stream,
        stream_version: record.version,
        aggregate,
        event_id: record.event_id,
        occurred_at: record.occurred_at,
        recorded_at: record.recorded_at,
        actor: &record.actor,
        event,
    }
}
