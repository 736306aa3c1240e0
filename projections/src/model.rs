//! The read model contract.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::Envelope;

/// An in-memory read model folded from CRM events.
///
/// `apply` must accept any valid history without failing: business rules
/// were checked when the events were decided. Whatever `apply` builds must
/// depend only on the events (never on the wall clock), so a model fed live,
/// rebuilt from scratch and restored from a snapshot are equal.
pub trait ReadModel: Default + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name: snapshot files and the `rebuild` command use it.
    const NAME: &'static str;
    /// Bumped whenever `apply` or the stored shape changes: snapshots of
    /// another version are discarded and the model is rebuilt from the log.
    const VERSION: u32;
    /// The stream categories the model reads; other events are skipped
    /// without decoding.
    const CATEGORIES: &'static [&'static str];
    /// Snapshots kept over history for "as known at" queries: report
    /// models keep many, large models few (each costs its size on disk).
    const SNAPSHOTS_KEPT: usize = 24;

    fn apply(&mut self, event: &Envelope<'_>);

    /// Rebuilds what the snapshot does not store (search indexes derived
    /// from the stored rows) after a restore or a deferred fold.
    fn restored(&mut self) {}

    /// Stops maintaining derived indexes until [`Self::restored`] rebuilds
    /// them in one pass: a fold of a long history (a rebuild) is much
    /// faster that way. Models without costly indexes ignore it.
    fn defer_indexes(&mut self) {}
}
