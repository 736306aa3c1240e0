#![allow(clippy::unwrap_used)]
//! The branch use cases of `app`: an administrator opens, changes, closes
//! and reopens branches; a code is held by one branch at a time; nobody
//! else sets them.

use std::sync::Arc;

mod common;

use app::access::Caller;
use app::clock::FixedClock;
use app::commands::CommandError;
use app::running::Running;
use chrono::{TimeZone, Utc};
use common::run;
use domain::access::Role;
use domain::branch::{BranchCode, BranchCommand, BranchDetails};
use domain::error::DomainError;
use domain::ids::{BranchId, UserId};
use domain::values::{Label, Text};
use eventlog::Options;
use uuid::Uuid;

fn details(code: &str, name: &str) -> BranchDetails {
    BranchDetails {
        code: BranchCode::parse("code", code).unwrap(),
        name: Label::parse("name", name).unwrap(),
        address: Some(Text::parse("address", "1 Main Street").unwrap()),
    }
}

fn admin() -> Caller {
    common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Administrator, None)
}

async fn running() -> (Running, tempfile::TempDir) {
    let directory = tempfile::tempdir().unwrap();
    let clock = FixedClock::at(
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .unwrap(),
    );
    let running = Running::start(
        directory.path(),
        Options::default(),
        Arc::new(clock),
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
    .await
    .unwrap();
    (running, directory)
}

async fn settled(running: &Running) {
    running
        .read_models
        .users
        .wait_for(running.log.head().position)
        .await
        .unwrap();
}

/// Protects the codes printed in numbers: a second branch may not take a
/// code the first holds (409-style, nothing written), a branch may keep
/// its own code when renamed, and a code given up is free again.
#[tokio::test]
async fn a_code_is_held_by_one_branch_at_a_time() {
    let (running, _directory) = running().await;
    let (app, models) = (&running.app, running.read_models.as_ref());
    let (north, south) = (
        BranchId::from_uuid(Uuid::now_v7()),
        BranchId::from_uuid(Uuid::now_v7()),
    );
    app::branches::open(app, models, &admin(), run(), north, details("n", "North"))
        .await
        .unwrap();
    settled(&running).await;
    let head = common::head(app);
    let refused = app::branches::open(app, models, &admin(), run(), south, details("N", "South"))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Rejected { rule, .. }) if *rule == app::branches::CODE_TAKEN),
        "{refused:?}"
    );
    assert_eq!(common::head(app), head, "nothing was written");

    app::branches::change(
        app,
        models,
        &admin(),
        run(),
        north,
        details("N", "North-West"),
    )
    .await
    .unwrap();
    app::branches::change(
        app,
        models,
        &admin(),
        run(),
        north,
        details("NW", "North-West"),
    )
    .await
    .unwrap();
    settled(&running).await;
    app::branches::open(app, models, &admin(), run(), south, details("N", "South"))
        .await
        .unwrap();
    settled(&running).await;
    let names = models.users.read(|users| {
        users
            .branches()
            .into_iter()
            .map(|(id, row)| (id, row.code.clone(), row.name.clone()))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        names,
        [
            (north, "NW".to_owned(), "North-West".to_owned()),
            (south, "N".to_owned(), "South".to_owned()),
        ]
    );
}

/// Protects the company's shape: only an administrator sets branches; a
/// director (who reads everything) and a sales manager are refused before
/// anything is written.
#[tokio::test]
async fn only_an_administrator_sets_branches() {
    let (running, _directory) = running().await;
    let (app, models) = (&running.app, running.read_models.as_ref());
    let branch = BranchId::from_uuid(Uuid::now_v7());
    let head = common::head(app);
    for role in [Role::Director, Role::SalesManager] {
        let by = common::caller(UserId::from_uuid(Uuid::now_v7()), role, None);
        let refused = app::branches::open(app, models, &by, run(), branch, details("HQ", "Head"))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, CommandError::Forbidden { .. }),
            "{role:?}: {refused:?}"
        );
    }
    assert_eq!(common::head(app), head, "nothing was written");
    app::branches::open(app, models, &admin(), run(), branch, details("HQ", "Head"))
        .await
        .unwrap();
    app.execute::<domain::branch::Branch, _>(&admin(), run(), branch, BranchCommand::Close, None)
        .await
        .unwrap();
    settled(&running).await;
    assert!(
        models
            .users
            .read(|users| users.branch(branch).unwrap().closed)
    );
}
