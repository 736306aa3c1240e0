//! Read models folded from the event log.
//!
//! A projection is a fold over events with a checkpoint (the last position
//! it applied). Projections only read the log (through subscriptions) and
//! never append to it. The runtime, snapshots and the CRM read models
//! arrive with the CRM core issue; today this crate holds the one piece
//! every projection shares: following the log from a checkpoint.

#![forbid(unsafe_code)]

use eventlog::{EventLog, RecordedEvent, Subscription};

/// A read model that folds events in log order.
pub trait Projection {
    /// Folds one event. Must not fail on any valid history.
    fn apply(&mut self, event: &RecordedEvent);
}

/// Feeds a projection every event after `checkpoint` until it has applied
/// `until_position`; returns the new checkpoint.
pub async fn catch_up(
    log: &EventLog,
    projection: &mut impl Projection,
    checkpoint: u64,
    until_position: u64,
) -> eventlog::Result<u64> {
    let mut subscription: Subscription = log.subscribe(checkpoint);
    let mut position = checkpoint;
    while position < until_position {
        let event = subscription.next().await?;
        projection.apply(&event);
        position = event.position;
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use eventlog::{Actor, AppendMeta, ExpectedVersion, NewEvent, Options, StreamName};
    use uuid::Uuid;

    use super::*;

    #[derive(Default)]
    struct CountPerCategory(std::collections::BTreeMap<String, u64>);

    impl Projection for CountPerCategory {
        fn apply(&mut self, event: &RecordedEvent) {
            *self
                .0
                .entry(event.stream.category().to_owned())
                .or_default() += 1;
        }
    }

    #[tokio::test]
    async fn catch_up_folds_every_event_after_the_checkpoint_once() {
        let directory = tempfile::tempdir().unwrap();
        let log = EventLog::open(directory.path(), Options::default()).unwrap();
        for name in ["customer-1", "customer-2", "order-1"] {
            let stream = StreamName::parse(name).unwrap();
            let events = vec![NewEvent::new(Uuid::now_v7(), "Happened", vec![])];
            let meta = AppendMeta::new(Actor::system("test"), Uuid::now_v7());
            log.append(&stream, ExpectedVersion::NoStream, events, meta)
                .await
                .unwrap();
        }
        let mut counts = CountPerCategory::default();
        let checkpoint = catch_up(&log, &mut counts, 1, log.head().position)
            .await
            .unwrap();
        assert_eq!(checkpoint, 3);
        assert_eq!(
            counts.0.get("customer"),
            Some(&1),
            "position 1 was before the checkpoint"
        );
        assert_eq!(counts.0.get("order"), Some(&1));
    }
}
