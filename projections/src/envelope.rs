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
    /// The aggregate's id: the part of the stream name after the category
    /// (for a stream keyed by two ids, the first).
    pub aggregate: Uuid,
    /// The second id of a stream keyed by two (`stock-<product>-<warehouse>`:
    /// the warehouse); `None` for every other stream.
    pub aggregate_part: Option<Uuid>,
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

/// The ids in a stream name after its category: one UUID, or two joined by
/// a dash (`stock-<product>-<warehouse>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamIds {
    pub first: Uuid,
    pub second: Option<Uuid>,
}

impl StreamIds {
    /// Parses the id part of a stream name; `None` if it is neither one
    /// UUID nor two joined by a dash.
    pub fn parse(id: &str) -> Option<Self> {
        const UUID_CHARS: usize = 36;
        if let Ok(first) = Uuid::parse_str(id) {
            return Some(Self {
                first,
                second: None,
            });
        }
        let (first, rest) = id.split_at_checked(UUID_CHARS)?;
        let second = rest.strip_prefix('-')?;
        Some(Self {
            first: Uuid::parse_str(first).ok()?,
            second: Some(Uuid::parse_str(second).ok()?),
        })
    }
}

/// Decodes a record of a known category; `Ok(None)` for other modules'
/// records. A known record that does not decode is corrupt or from a newer
/// version: an error naming its position, never skipped.
pub fn decode(record: &RecordedEvent) -> Result<Option<(StreamIds, CrmEvent)>, ProjectionError> {
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
    let ids = StreamIds::parse(record.stream.id()).ok_or_else(|| ProjectionError::StreamId {
        position: record.position,
        stream: record.stream.to_string(),
    })?;
    Ok(Some((ids, event)))
}

/// Borrows an envelope from a record and its decoded event.
pub fn envelope<'a>(
    record: &'a RecordedEvent,
    ids: StreamIds,
    event: &'a CrmEvent,
) -> Envelope<'a> {
    Envelope {
        position: record.position,
        stream: &record.stream,
        stream_version: record.version,
        aggregate: ids.first,
        aggregate_part: ids.second,
        event_id: record.event_id,
        occurred_at: record.occurred_at,
        recorded_at: record.recorded_at,
        actor: &record.actor,
        event,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stock streams carry two ids; every other stream one. A name with
    /// anything else is refused, so a read model never sees a made-up id.
    #[test]
    fn stream_ids_parse_one_or_two_uuids_and_nothing_else() {
        let product = Uuid::from_u128(1);
        let warehouse = Uuid::from_u128(2);
        assert_eq!(
            StreamIds::parse(&product.to_string()),
            Some(StreamIds {
                first: product,
                second: None
            })
        );
        assert_eq!(
            StreamIds::parse(&format!("{product}-{warehouse}")),
            Some(StreamIds {
                first: product,
                second: Some(warehouse)
            })
        );
        assert_eq!(StreamIds::parse(&format!("{product}{warehouse}")), None);
        assert_eq!(StreamIds::parse(&format!("{product}-")), None);
        assert_eq!(StreamIds::parse("p42-w7"), None);
        assert_eq!(StreamIds::parse(""), None);
    }
}
