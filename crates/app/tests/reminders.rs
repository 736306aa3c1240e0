#![allow(clippy::unwrap_used)]
//! Reminders that fire (issue 17) through the running application at a
//! fixed clock: a due reminder is delivered once, and a restart of the
//! application does not deliver it again; a reminder moved later fires
//! again at its new time; a finished task's does not fire.

mod common;

use std::sync::Arc;

use app::clock::FixedClock;
use app::running::Running;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::run;
use domain::ids::{CalendarEntryId, TaskId, UserId};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntry, CreateTask, Priority, ScheduleCalendarEntry, Task,
    TaskCommand,
};
use domain::values::{Label, Text};
use eventlog::{Options, ReadFilter};
use uuid::Uuid;

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).single().unwrap()
}

async fn start(directory: &std::path::Path, clock: Arc<FixedClock>) -> Running {
    Running::start(
        directory,
        Options::default(),
        clock,
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
    .await
    .unwrap()
}

/// How many events of `event_type` the log holds.
fn count_of(running: &Running, event_type: &str) -> usize {
    let page = running
        .log
        .read_all(1, 10_000, &ReadFilter::event_types([event_type]))
        .unwrap();
    page.events.len()
}

/// How many `TaskReminderFired` events the log holds.
fn fired_count(running: &Running) -> usize {
    count_of(running, "TaskReminderFired")
}

async fn create_task(running: &Running, user: UserId, remind_in_minutes: i64) -> TaskId {
    let task = TaskId::from_uuid(Uuid::now_v7());
    let now = running.app.now();
    let create = TaskCommand::Create(CreateTask {
        title: Label::parse("title", "Call Anna back").unwrap(),
        description: Text::default(),
        assignee: Assignee::User(user),
        due: Some(now + Duration::hours(2)),
        remind_at: Some(now + Duration::minutes(remind_in_minutes)),
        priority: Priority::Normal,
        link: None,
    });
    let caller = common::caller(user, domain::access::Role::SalesManager, None);
    running
        .app
        .execute::<Task, _>(&caller, run(), task, create, None)
        .await
        .unwrap();
    task
}

/// The user's open tasks whose reminder was delivered, once the tasks
/// model has read the whole log.
async fn reminded(running: &Running, user: UserId) -> Vec<TaskId> {
    let head = running.log.head().position;
    running.read_models.tasks.wait_for(head).await.unwrap();
    running.read_models.tasks.read(|tasks| {
        tasks
            .reminded(Assignee::User(user), 10)
            .iter()
            .map(|row| row.id)
            .collect()
    })
}

/// Protects "delivered once, also after a restart": nothing before its
/// time, one delivery when it comes, none on a second look, and none
/// after the application is stopped and started again over the same
/// folder; the user's dashboard list has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_reminder_is_delivered_once_across_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let user = UserId::from_uuid(Uuid::now_v7());
    let running = start(directory.path(), clock.clone()).await;
    let task = create_task(&running, user, 10).await;

    let early = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert!(early.is_empty(), "not before its time");
    clock.advance(Duration::minutes(15));
    // The application's own process may look first: either way, one
    // delivery.
    app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert_eq!(fired_count(&running), 1);
    let again = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert!(again.is_empty(), "a second look delivers nothing");
    assert_eq!(fired_count(&running), 1);
    running.shutdown().await.unwrap();
    drop(running);

    let running = start(directory.path(), clock.clone()).await;
    let after_restart = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert!(
        after_restart.is_empty(),
        "the restart delivers nothing again"
    );
    assert_eq!(fired_count(&running), 1, "one delivery in the whole log");
    assert_eq!(
        reminded(&running, user).await,
        vec![task],
        "on the user's list of reminders"
    );
    running.shutdown().await.unwrap();
}

/// Protects moved and finished reminders: a reminder moved later after
/// it fired fires again at its new time; a completed task's never fires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_reminder_fires_again_and_a_finished_tasks_does_not() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let user = UserId::from_uuid(Uuid::now_v7());
    let running = start(directory.path(), clock.clone()).await;
    let moved = create_task(&running, user, 5).await;
    let finished = create_task(&running, user, 5).await;
    let caller = common::caller(user, domain::access::Role::SalesManager, None);
    running
        .app
        .execute::<Task, _>(&caller, run(), finished, TaskCommand::Complete, None)
        .await
        .unwrap();
    clock.advance(Duration::minutes(10));
    app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert_eq!(
        fired_count(&running),
        1,
        "the completed task's did not fire"
    );
    assert_eq!(reminded(&running, user).await, vec![moved]);

    let now = running.app.now();
    let later = TaskCommand::Reschedule {
        due: Some(now + Duration::hours(3)),
        remind_at: Some(now + Duration::hours(1)),
    };
    running
        .app
        .execute::<Task, _>(&caller, run(), moved, later, None)
        .await
        .unwrap();
    assert!(
        reminded(&running, user).await.is_empty(),
        "moved: pending again"
    );
    clock.advance(Duration::minutes(61));
    app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert_eq!(fired_count(&running), 2, "the new time fires");
    assert_eq!(reminded(&running, user).await, vec![moved]);
    running.shutdown().await.unwrap();
}

/// How many `CalendarEntryReminderFired` events the log holds.
fn entry_fired_count(running: &Running) -> usize {
    count_of(running, "CalendarEntryReminderFired")
}

async fn schedule_entry(
    running: &Running,
    user: UserId,
    starts_in_minutes: i64,
    remind_before_minutes: u32,
) -> CalendarEntryId {
    let entry = CalendarEntryId::from_uuid(Uuid::now_v7());
    let starts_at = running.app.now() + Duration::minutes(starts_in_minutes);
    let schedule = CalendarCommand::Schedule(ScheduleCalendarEntry {
        title: Label::parse("title", "Visit Acme").unwrap(),
        starts_at,
        ends_at: starts_at + Duration::hours(1),
        attendees: vec![Assignee::User(user)],
        location: None,
        link: None,
        remind_before_minutes: Some(remind_before_minutes),
    });
    let caller = common::caller(user, domain::access::Role::SalesManager, None);
    running
        .app
        .execute::<CalendarEntry, _>(&caller, run(), entry, schedule, None)
        .await
        .unwrap();
    entry
}

/// The user's entries whose reminder was delivered and that are not over.
async fn reminded_entries(running: &Running, user: UserId) -> Vec<CalendarEntryId> {
    let head = running.log.head().position;
    running.read_models.calendar.wait_for(head).await.unwrap();
    let now = running.app.now();
    running.read_models.calendar.read(|calendar| {
        calendar
            .reminded(&[Assignee::User(user)], now, 10)
            .iter()
            .map(|row| row.id)
            .collect()
    })
}

/// Protects a meeting's reminder: due at its start less its minutes,
/// delivered once, also across a restart; a cancelled meeting's never
/// comes; a meeting moved later reminds again at its new time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meetings_reminder_is_delivered_once_at_its_start_less_its_minutes() {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(start_time()));
    let user = UserId::from_uuid(Uuid::now_v7());
    let running = start(directory.path(), clock.clone()).await;
    let visit = schedule_entry(&running, user, 60, 15).await;
    let cancelled = schedule_entry(&running, user, 60, 15).await;
    let caller = common::caller(user, domain::access::Role::SalesManager, None);
    running
        .app
        .execute::<CalendarEntry, _>(
            &caller,
            run(),
            cancelled,
            CalendarCommand::Cancel { reason: None },
            None,
        )
        .await
        .unwrap();

    clock.advance(Duration::minutes(40));
    let early = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert!(early.is_empty(), "not before 15 minutes before");
    clock.advance(Duration::minutes(6));
    app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert_eq!(entry_fired_count(&running), 1, "the cancelled one did not");
    assert_eq!(reminded_entries(&running, user).await, vec![visit]);
    running.shutdown().await.unwrap();
    drop(running);

    let running = start(directory.path(), clock.clone()).await;
    let after_restart = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert!(
        after_restart.is_empty(),
        "the restart delivers nothing again"
    );
    assert_eq!(entry_fired_count(&running), 1);

    let now = running.app.now();
    let later = CalendarCommand::Reschedule {
        starts_at: now + Duration::hours(2),
        ends_at: now + Duration::hours(3),
    };
    running
        .app
        .execute::<CalendarEntry, _>(&caller, run(), visit, later, None)
        .await
        .unwrap();
    assert!(
        reminded_entries(&running, user).await.is_empty(),
        "pending again"
    );
    clock.advance(Duration::minutes(106));
    let moved = app::reminders::deliver_due(&running.app, &running.read_models)
        .await
        .unwrap();
    assert_eq!(moved.entries, vec![visit], "the new time reminds again");
    assert_eq!(entry_fired_count(&running), 2);
    running.shutdown().await.unwrap();
}
