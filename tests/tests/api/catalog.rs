//! The catalog's read models over HTTP: products and price lists.

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {}
