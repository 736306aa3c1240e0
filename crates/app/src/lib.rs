//! The application layer: what HyperCRM does, once, under the adapters
//! that let people and programs ask for it (the JSON API, the web UI, the
//! command line).
//!
//! It owns the running parts that are not HTTP: the command handler (the
//! only way the business changes), the process managers that carry work
//! across aggregates, the commands that read several aggregates before one
//! decides (trade), the CSV import, backups, and the demo company's trade.
//! The clock comes in through [`clock::Clock`], so a use case can be run
//! at a chosen time.
//!
//! Dependencies point one way: `api → app → (projections, domain) →
//! eventlog`. Nothing here knows of axum, HTML or JSON problems.

#![forbid(unsafe_code)]

pub mod backup;
pub mod clock;
pub mod commands;
pub mod demo_trade;
pub mod import;
pub mod process;
pub mod trade;
