//! Read models folded from the event log, and the runtime that keeps them.
//!
//! A read model ([`ReadModel`]) is a fold over CRM events held in memory.
//! The runtime ([`runtime`]) runs each model as a follower of the log with
//! a checkpoint (the last position applied), snapshots it to disk
//! ([`snapshot`]) so a restart replays only the tail, rebuilds a model whose
//! version changed, and answers "as known at" queries from the nearest
//! snapshot plus a replay. Business-time reports ("deals won in March")
//! are sums over per-day buckets inside the models.
//!
//! Projections only read the log; they never append to it.

#![forbid(unsafe_code)]

pub mod compact_decimal;
pub mod costing;
pub mod day;
pub mod day_rates;
pub mod envelope;
pub mod error;
pub mod feed;
pub mod fixed;
pub mod id_index;
pub mod model;
pub mod models;
pub mod recency;
pub mod replenishment;
pub mod requirements;
pub mod runtime;
pub mod set;
pub mod snapshot;
pub mod text;

pub use envelope::{Envelope, StreamIds};
pub use error::{ProjectionError, Result};
pub use model::ReadModel;
pub use runtime::{
    Checkpoint, KnownAt, Projection, ProjectionStatus, RebuildReport, RuntimeOptions, as_known_at,
    fold_all, fold_records, rebuild, replay,
};
pub use set::{CrmReadModels, MODEL_NAMES, rebuild_by_name};
pub use snapshot::{SnapshotInfo, SnapshotStore};

/// Largest page a list query returns.
pub const PAGE_ROWS_MAX: usize = 200;
