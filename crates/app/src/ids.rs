//! Where new ids come from, passed in as the clock is: the running
//! application takes time-ordered UUIDv7s, a test a sequence it can
//! predict.

use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

/// A source of ids for new records and commands.
pub trait IdSource: std::fmt::Debug + Send + Sync {
    fn new_id(&self) -> Uuid;
}

/// UUIDv7s from the system's clock and randomness, for the running server
/// and the command line: ordered by time, unique without coordination.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemIds;

impl IdSource for SystemIds {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Ids counted up from a start, for tests: the same run gives the same
/// ids.
#[derive(Debug)]
pub struct SequentialIds {
    prefix: u64,
    next: AtomicU64,
}

impl SequentialIds {
    /// Ids whose upper half is `prefix` and whose lower half counts from 1.
    pub fn starting(prefix: u64) -> Self {
        Self {
            prefix,
            next: AtomicU64::new(1),
        }
    }
}

impl IdSource for SequentialIds {
    fn new_id(&self) -> Uuid {
        let count = self.next.fetch_add(1, Ordering::Relaxed);
        Uuid::from_u64_pair(self.prefix, count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects repeatable tests: a sequence gives distinct ids in order,
    /// the same ones on every run.
    #[test]
    fn a_sequence_gives_the_same_distinct_ids_every_run() {
        let first = SequentialIds::starting(7);
        let second = SequentialIds::starting(7);
        let ids: Vec<Uuid> = (0..3).map(|_| first.new_id()).collect();
        assert_eq!(ids, (0..3).map(|_| second.new_id()).collect::<Vec<_>>());
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(ids[0], Uuid::from_u64_pair(7, 1));
    }

    /// Protects the server's ids: the system source never repeats itself.
    #[test]
    fn system_ids_are_distinct() {
        let ids = SystemIds;
        assert_ne!(ids.new_id(), ids.new_id());
    }
}
