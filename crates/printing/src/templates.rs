//! The layout templates this build can render, by version. A released
//! version never changes: documents issued with it are reprinted with it.

/// The version new documents are issued with.
pub const CURRENT: u32 = 1;

/// Every version, oldest first.
pub(crate) const ALL: [(u32, &str); 1] = [(1, include_str!("../templates/v1.typ"))];
