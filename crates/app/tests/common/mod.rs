//! What the use-case tests share: an `App` over a fresh log at a fixed
//! time, a caller of a built-in role, a run with a fresh command id, and
//! a way to set up a history without going through the use cases.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of it

use std::sync::Arc;

use app::access::Caller;
use app::clock::FixedClock;
use app::commands::{CommandHandler, Execution};
use app::{App, Run};
use chrono::{TimeZone, Utc};
use domain::access::{Grants, Role};
use domain::error::DomainError;
use domain::ids::{BranchId, UserId};
use domain::{Decider, Issued};
use eventlog::{Actor, AppendMeta, Options};
use uuid::Uuid;

/// An `App` over a fresh log in `directory`, its clock fixed at
/// 2026-03-10 12:00 UTC.
pub fn fixed_app(directory: &std::path::Path) -> App {
    let (log, keys) = app::personal::open_log(directory, Options::default()).unwrap();
    let clock = FixedClock::at(
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .unwrap(),
    );
    App::new(
        Arc::new(CommandHandler::new(log, Arc::new(keys))),
        Arc::new(clock),
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
}

/// A caller `user` with `role` (and `branch`).
pub fn caller(user: UserId, role: Role, branch: Option<BranchId>) -> Caller {
    Caller {
        user,
        branch,
        grants: Grants::of_roles(&[role]),
        token: None,
        process: None,
    }
}

/// A run under a fresh command id, expecting no version.
pub fn run() -> Run {
    Run {
        command_id: Uuid::now_v7(),
        expected_version: None,
    }
}

/// The log's head position.
pub fn head(app: &App) -> u64 {
    app.commands.log().head().position
}

/// Runs `command` on aggregate `id` of `D` as `by`, straight through the
/// command handler: the history a test starts from.
pub async fn given<D, C>(app: &App, by: UserId, id: impl std::fmt::Display, command: C)
where
    D: Decider<Command = Issued<C>, Error = DomainError>,
    D::Event: domain::DomainEvent,
    D::State: Send + 'static,
{
    let stream = CommandHandler::stream::<D>(id).unwrap();
    let issued = Issued::new(by, app.clock.now(), command);
    let execution = Execution::new(AppendMeta::new(Actor::system("test"), Uuid::now_v7()));
    app.commands
        .execute::<D, C>(&stream, &issued, &execution)
        .await
        .unwrap();
}

/// `refused` is the domain's `expected` refusal, word for word (for a
/// record out of reach: the very refusal a missing one gets).
pub fn assert_refused(refused: &app::commands::CommandError, expected: DomainError) {
    assert!(
        matches!(refused, app::commands::CommandError::Domain(error) if *error == expected),
        "expected {expected:?}, got {refused:?}"
    );
}

/// Every event in `app`'s log, decoded, in log order.
pub fn events(app: &App) -> Vec<domain::CrmEvent> {
    app.commands
        .log()
        .read_all(1, 100_000, &eventlog::ReadFilter::all())
        .unwrap()
        .events
        .iter()
        .filter_map(|record| {
            domain::CrmEvent::decode(
                record.stream.category(),
                &record.event_type,
                record.schema_version,
                &record.payload,
            )
            .unwrap()
        })
        .collect()
}
