//! The CRM core's commands and read models over HTTP: parties, leads,
//! pipelines, deals, interactions, tasks and the calendar.

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {}
