#![allow(clippy::unwrap_used)]
//! Groups as `app` guards them: only an administrator forms and changes
//! one; a task for a group is each member's to work on, and no one
//! else's (refused as missing), and stops being a member's the moment
//! they leave; a task for a group that does not exist is refused.

mod common;

use common::{caller, run};
use domain::access::Role;
use domain::error::DomainError;
use domain::group::{Group, GroupCommand};
use domain::ids::{GroupId, TaskId, UserId};
use domain::planning::{Assignee, CreateTask, Priority, Task, TaskCommand, TaskStatus};
use domain::values::{Label, Text};
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn task_for(assignee: Assignee) -> TaskCommand {
    TaskCommand::Create(CreateTask {
        title: label("Count the north shelf"),
        description: Text::parse("description", "").unwrap(),
        assignee,
        due: None,
        remind_at: None,
        priority: Priority::Normal,
        link: None,
    })
}

/// Protects who may form and change a group: an administrator; a sales
/// manager is refused before anything is written.
#[tokio::test]
async fn only_an_administrator_forms_and_changes_a_group() {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let (admin, sam) = (
        UserId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
    );
    let group = GroupId::from_uuid(Uuid::now_v7());
    let manager = caller(sam, Role::SalesManager, None);
    let head = common::head(&app);
    let form = || GroupCommand::Form {
        name: label("Sales North"),
    };
    let refused = app
        .execute::<Group, _>(&manager, run(), group, form(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, app::commands::CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    assert_eq!(common::head(&app), head, "nothing was written");
    let administrator = caller(admin, Role::Administrator, None);
    app.execute::<Group, _>(&administrator, run(), group, form(), None)
        .await
        .unwrap();
    let add = GroupCommand::AddMember { user: sam };
    assert!(
        app.execute::<Group, _>(&manager, run(), group, add.clone(), None)
            .await
            .is_err()
    );
    app.execute::<Group, _>(&administrator, run(), group, add, None)
        .await
        .unwrap();
    let (state, _) = app.load::<Group>(group).unwrap();
    assert!(state.unwrap().members.contains(&sam));
}

/// Protects a group's task: its members work on it (their grant is
/// their own tasks), an outsider is refused as if it did not exist, a
/// member taken out of the group is refused from then on.
#[tokio::test]
async fn a_groups_task_is_its_members_and_no_one_elses() {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let admin = UserId::from_uuid(Uuid::now_v7());
    let (kim, lee) = (
        UserId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
    );
    let group = GroupId::from_uuid(Uuid::now_v7());
    common::given::<Group, _>(
        &app,
        admin,
        group,
        GroupCommand::Form {
            name: label("Warehouse crew"),
        },
    )
    .await;
    common::given::<Group, _>(&app, admin, group, GroupCommand::AddMember { user: kim }).await;
    let kim_caller = caller(kim, Role::Storekeeper, None);
    let lee_caller = caller(lee, Role::Storekeeper, None);

    // A member plans a task for the group.
    let task = TaskId::from_uuid(Uuid::now_v7());
    app.execute::<Task, _>(
        &kim_caller,
        run(),
        task,
        task_for(Assignee::Group(group)),
        None,
    )
    .await
    .unwrap();

    // An outsider neither changes nor finishes it: "missing".
    let head = common::head(&app);
    let refused = app
        .execute::<Task, _>(&lee_caller, run(), task, TaskCommand::Complete, None)
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("task", task));
    assert_eq!(common::head(&app), head);

    // A member out of the group is an outsider at once.
    common::given::<Group, _>(&app, admin, group, GroupCommand::RemoveMember { user: kim }).await;
    let refused = app
        .execute::<Task, _>(&kim_caller, run(), task, TaskCommand::Complete, None)
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("task", task));

    // A new member finishes it.
    common::given::<Group, _>(&app, admin, group, GroupCommand::AddMember { user: lee }).await;
    app.execute::<Task, _>(&lee_caller, run(), task, TaskCommand::Complete, None)
        .await
        .unwrap();
    let (state, _) = app.load::<Task>(task).unwrap();
    assert_eq!(state.unwrap().status, TaskStatus::Completed);
}

/// Protects what a task names: a group that was never formed is refused,
/// as a missing linked record is, before anything is written.
#[tokio::test]
async fn a_task_for_a_group_that_does_not_exist_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let kim = caller(UserId::from_uuid(Uuid::now_v7()), Role::SalesManager, None);
    let nowhere = GroupId::from_uuid(Uuid::now_v7());
    let head = common::head(&app);
    let refused = app
        .execute::<Task, _>(
            &kim,
            run(),
            TaskId::from_uuid(Uuid::now_v7()),
            task_for(Assignee::Group(nowhere)),
            None,
        )
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("group", nowhere));
    assert_eq!(common::head(&app), head);
}
