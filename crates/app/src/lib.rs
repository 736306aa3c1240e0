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

pub mod access;
pub mod aggregate;
pub mod audit;
pub mod backup;
pub mod branches;
pub mod catalog;
pub mod clock;
pub mod commands;
pub mod currency;
pub mod deals;
pub mod deliveries;
pub mod demo_trade;
pub mod documents;
pub mod erasure;
pub mod guarded;
pub mod ids;
pub mod import;
pub mod leads;
pub mod orders;
pub mod parties;
pub mod payables;
pub mod personal;
pub mod process;
pub mod production;
pub mod purchasing;
pub mod quotes;
pub mod receipts;
mod records;
pub mod reminders;
pub mod replenishment;
pub mod retention;
pub mod running;
pub mod stock;
pub mod subject_access;
pub mod trade;
pub mod users;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use clock::{Clock, SystemClock};
use commands::CommandHandler;
use ids::{IdSource, SystemIds};

/// The running application, as its use cases need it: the command
/// handler (and through it the log), the clock and the source of new
/// ids. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub commands: Arc<CommandHandler>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
}

/// How a write is to be run: its command id (from an idempotency key or
/// a form's, so a repeat is recognised) and the version its first stream
/// must be at, if the client said.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub command_id: uuid::Uuid,
    pub expected_version: Option<u64>,
}

impl App {
    pub fn new(
        commands: Arc<CommandHandler>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self {
        Self {
            commands,
            clock,
            ids,
        }
    }

    /// The application over `log` (opened with `keys`:
    /// [`personal::open_log`]) on the system's clock and ids (the command
    /// line).
    pub fn system(log: eventlog::EventLog, keys: personal::Keys) -> Self {
        Self::new(
            Arc::new(CommandHandler::new(log, Arc::new(keys))),
            Arc::new(SystemClock),
            Arc::new(SystemIds),
        )
    }

    /// The time now, by the application's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A new id from the application's source.
    pub fn new_id(&self) -> uuid::Uuid {
        self.ids.new_id()
    }
}
