//! Feeding a model by hand, without a log: for model tests and tools that
//! hold events in memory. Positions count up from 1 and stream versions
//! per aggregate from 0, as the log would assign them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::CrmEvent;
use eventlog::{Actor, StreamName};
use uuid::Uuid;

use crate::envelope::{Envelope, StreamIds};
use crate::model::ReadModel;

#[derive(Debug)]
pub struct Feed {
    position: u64,
    versions: HashMap<StreamIds, u64>,
    actor: Actor,
}

impl Feed {
    pub fn new(actor: Actor) -> Self {
        Self {
            position: 0,
            versions: HashMap::new(),
            actor,
        }
    }

    /// Applies one event of `aggregate`, recorded and occurred at `at`
    /// unless `occurred_at` backdates it.
    pub fn apply<M: ReadModel>(
        &mut self,
        model: &mut M,
        aggregate: Uuid,
        event: CrmEvent,
        recorded_at: DateTime<Utc>,
        occurred_at: Option<DateTime<Utc>>,
    ) {
        let ids = StreamIds {
            first: aggregate,
            second: None,
        };
        self.apply_to(model, ids, event, recorded_at, occurred_at);
    }

    /// [`Self::apply`] for a stream keyed by one or two ids (stock).
    pub fn apply_to<M: ReadModel>(
        &mut self,
        model: &mut M,
        ids: StreamIds,
        event: CrmEvent,
        recorded_at: DateTime<Utc>,
        occurred_at: Option<DateTime<Utc>>,
    ) {
        self.position += 1;
        let version = self.versions.entry(ids).or_insert(0);
        let stream_version = *version;
        *version += 1;
        let category = event.category();
        let name = match ids.second {
            Some(second) => format!("{category}-{}-{second}", ids.first),
            None => format!("{category}-{}", ids.first),
        };
        let Ok(stream) = StreamName::parse(name) else {
            return;
        };
        model.apply(&Envelope {
            position: self.position,
            stream: &stream,
            stream_version,
            aggregate: ids.first,
            aggregate_part: ids.second,
            event_id: Uuid::from_u128(u128::from(self.position)),
            occurred_at: occurred_at.unwrap_or(recorded_at),
            recorded_at,
            actor: &self.actor,
            event: &event,
        });
    }
}
