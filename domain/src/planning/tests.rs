//! Every task and calendar rule as given / when / then.

use super::*;
use crate::testing::{at, given, id, issue, user};

const DAY_MINUTES: i64 = 24 * 60;

fn label(raw: &str) -> Label {
    Label::parse("title", raw).unwrap()
}

fn text(raw: &str) -> Text {
    Text::parse("description", raw).unwrap()
}

// ----------------------------------------------------------------- tasks

fn create_task(due: Option<i64>, remind_at: Option<i64>) -> TaskCommand {
    TaskCommand::Create(CreateTask {
        title: label("Send the offer"),
        description: text("With the spring discount"),
        assignee: Assignee::User(user()),
        due: due.map(at),
        remind_at: remind_at.map(at),
        priority: Priority::High,
        link: Some(Link::Deal(id(2))),
    })
}

fn task_created() -> TaskEvent {
    TaskEvent::Created(TaskCreated {
        title: "Send the offer".into(),
        description: "With the spring discount".into(),
        assignee: Assignee::User(user()),
        due: Some(at(DAY_MINUTES)),
        remind_at: Some(at(DAY_MINUTES - 60)),
        priority: Priority::High,
        link: Some(Link::Deal(id(2))),
        created_by: user(),
    })
}

fn task_completed() -> TaskEvent {
    TaskEvent::Completed(TaskCompleted {
        completed_by: user(),
    })
}

fn task_cancelled() -> TaskEvent {
    TaskEvent::Cancelled(TaskCancelled { reason: None })
}

/// The commands that change what a task is, as opposed to its status.
fn task_changes() -> Vec<TaskCommand> {
    vec![
        TaskCommand::Edit {
            title: label("Send the new offer"),
            description: text(""),
        },
        TaskCommand::Reassign {
            assignee: Assignee::Group(id(7)),
        },
        TaskCommand::Reschedule {
            due: None,
            remind_at: None,
        },
        TaskCommand::Reprioritize {
            priority: Priority::Low,
        },
    ]
}

/// Protects task creation: everything given is recorded, with the issuing
/// user as creator.
#[test]
fn creating_a_task_records_it_for_the_issuing_user() {
    given::<Task>([])
        .when(issue(create_task(
            Some(DAY_MINUTES),
            Some(DAY_MINUTES - 60),
        )))
        .then(vec![task_created()]);
}

/// Protects against two tasks sharing one stream.
#[test]
fn creating_a_task_twice_is_rejected() {
    given::<Task>([task_created()])
        .when(issue(create_task(None, None)))
        .then_rejected("task.already_created");
}

/// Protects every command but creation from acting on nothing.
#[test]
fn changing_an_unknown_task_is_not_found() {
    given::<Task>([])
        .when(issue(TaskCommand::Complete))
        .then_not_found();
    given::<Task>([])
        .when(issue(TaskCommand::Reprioritize {
            priority: Priority::Urgent,
        }))
        .then_not_found();
}

/// Protects reminders: one after the due time would only say it is late.
#[test]
fn a_reminder_after_the_due_time_is_invalid() {
    given::<Task>([])
        .when(issue(create_task(Some(60), Some(61))))
        .then_invalid("remind_at");
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Reschedule {
            due: Some(at(60)),
            remind_at: Some(at(61)),
        }))
        .then_invalid("remind_at");
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Reschedule {
            due: Some(at(60)),
            remind_at: Some(at(60)),
        }))
        .then(vec![TaskEvent::Rescheduled(TaskRescheduled {
            due: Some(at(60)),
            remind_at: Some(at(60)),
        })]);
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Reschedule {
            due: None,
            remind_at: Some(at(60)),
        }))
        .then(vec![TaskEvent::Rescheduled(TaskRescheduled {
            due: None,
            remind_at: Some(at(60)),
        })]);
}

/// Protects finished work: a completed task is changed only by reopening.
#[test]
fn a_completed_task_refuses_changes() {
    for command in task_changes() {
        given::<Task>([task_created(), task_completed()])
            .when(issue(command))
            .then_rejected("task.completed");
    }
}

/// Protects dropped work: a cancelled task is changed only by reopening.
#[test]
fn a_cancelled_task_refuses_changes() {
    for command in task_changes() {
        given::<Task>([task_created(), task_cancelled()])
            .when(issue(command))
            .then_rejected("task.cancelled");
    }
}

/// Protects completion: recorded once, with who completed it.
#[test]
fn completing_a_task_is_recorded_once() {
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Complete))
        .then(vec![task_completed()]);
    given::<Task>([task_created(), task_completed()])
        .when(issue(TaskCommand::Complete))
        .then_nothing();
}

/// Protects cancellation from being turned into a completion silently.
#[test]
fn a_cancelled_task_cannot_be_completed() {
    given::<Task>([task_created(), task_cancelled()])
        .when(issue(TaskCommand::Complete))
        .then_rejected("task.cancelled");
}

/// Protects reopen from double entries on an open task.
#[test]
fn reopening_an_open_task_changes_nothing() {
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Reopen))
        .then_nothing();
    given::<Task>([
        task_created(),
        task_completed(),
        TaskEvent::Reopened(TaskReopened {}),
    ])
    .when(issue(TaskCommand::Reopen))
    .then_nothing();
}

/// Protects the way back: completed and cancelled tasks can be reopened.
#[test]
fn reopening_brings_back_completed_and_cancelled_tasks() {
    for finished in [task_completed(), task_cancelled()] {
        given::<Task>([task_created(), finished])
            .when(issue(TaskCommand::Reopen))
            .then(vec![TaskEvent::Reopened(TaskReopened {})]);
    }
    given::<Task>([
        task_created(),
        task_cancelled(),
        TaskEvent::Reopened(TaskReopened {}),
    ])
    .when(issue(TaskCommand::Reprioritize {
        priority: Priority::Urgent,
    }))
    .then(vec![TaskEvent::Reprioritized(TaskReprioritized {
        priority: Priority::Urgent,
    })]);
}

/// Protects done work from being recorded as dropped.
#[test]
fn a_completed_task_cannot_be_cancelled() {
    given::<Task>([task_created(), task_completed()])
        .when(issue(TaskCommand::Cancel { reason: None }))
        .then_rejected("task.completed");
}

/// Protects cancellation: recorded once, with its reason.
#[test]
fn cancelling_a_task_is_recorded_once() {
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Cancel {
            reason: Label::parse_optional("reason", Some("deal lost")).unwrap(),
        }))
        .then(vec![TaskEvent::Cancelled(TaskCancelled {
            reason: Some("deal lost".into()),
        })]);
    given::<Task>([task_created(), task_cancelled()])
        .when(issue(TaskCommand::Cancel { reason: None }))
        .then_nothing();
}

/// Protects history from no-op entries: edits, reassignments, reschedules
/// and reprioritizations are recorded only when something changes.
#[test]
fn task_changes_record_only_real_changes() {
    for command in task_changes() {
        let outcome = Task::decide(&Task::replay(&[task_created()]), &issue(command));
        assert_eq!(outcome.map(|events| events.len()), Ok(1));
    }
    let repeats = [
        TaskCommand::Edit {
            title: label("Send the offer"),
            description: text(" With the spring discount "),
        },
        TaskCommand::Reassign {
            assignee: Assignee::User(user()),
        },
        TaskCommand::Reschedule {
            due: Some(at(DAY_MINUTES)),
            remind_at: Some(at(DAY_MINUTES - 60)),
        },
        TaskCommand::Reprioritize {
            priority: Priority::High,
        },
    ];
    for command in repeats {
        given::<Task>([task_created()])
            .when(issue(command))
            .then_nothing();
    }
}

/// Protects business time: a task change cannot be dated in the future.
#[test]
fn a_future_business_time_is_rejected_for_tasks() {
    given::<Task>([task_created()])
        .when(issue(TaskCommand::Complete).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects evolve: state after a history is what the events said.
#[test]
fn replay_builds_the_task_state() {
    let state = Task::replay(&[
        task_created(),
        TaskEvent::Edited(TaskEdited {
            title: "Call back".into(),
            description: String::new(),
        }),
        TaskEvent::Reassigned(TaskReassigned {
            assignee: Assignee::Group(id(7)),
        }),
        TaskEvent::Rescheduled(TaskRescheduled {
            due: None,
            remind_at: None,
        }),
        TaskEvent::Reprioritized(TaskReprioritized {
            priority: Priority::Low,
        }),
        task_completed(),
    ])
    .unwrap();
    assert_eq!(state.title, "Call back");
    assert_eq!(state.assignee, Assignee::Group(id(7)));
    assert_eq!((state.due, state.remind_at), (None, None));
    assert_eq!(state.priority, Priority::Low);
    assert_eq!(state.status, TaskStatus::Completed);
    assert_eq!(state.created_by, user());
}

/// Protects sorting by priority and the API's names for priorities.
#[test]
fn priorities_are_ordered_and_named() {
    assert_eq!(Priority::default(), Priority::Normal);
    let mut sorted = [
        Priority::Urgent,
        Priority::Low,
        Priority::High,
        Priority::Normal,
    ];
    sorted.sort();
    assert_eq!(sorted, Priority::ALL);
    for priority in Priority::ALL {
        assert_eq!(Priority::from_code(priority.code()), Some(priority));
    }
    assert_eq!(Priority::from_code("asap"), None);
}

// ------------------------------------------------------ calendar entries

fn attendees() -> Vec<Assignee> {
    vec![Assignee::User(user()), Assignee::Group(id(7))]
}

fn schedule(starts_at: i64, ends_at: i64) -> ScheduleCalendarEntry {
    ScheduleCalendarEntry {
        title: label("Demo for Acme"),
        starts_at: at(starts_at),
        ends_at: at(ends_at),
        attendees: attendees(),
        location: Label::parse_optional("location", Some("Room 4")).unwrap(),
        link: Some(Link::Party(id(1))),
        remind_before_minutes: Some(15),
    }
}

fn scheduled() -> CalendarEvent {
    CalendarEvent::Scheduled(CalendarEntryScheduled {
        title: "Demo for Acme".into(),
        starts_at: at(60),
        ends_at: at(120),
        attendees: attendees(),
        location: Some("Room 4".into()),
        link: Some(Link::Party(id(1))),
        remind_before_minutes: Some(15),
        organizer: user(),
    })
}

fn entry_completed() -> CalendarEvent {
    CalendarEvent::Completed(CalendarEntryCompleted {})
}

fn entry_cancelled() -> CalendarEvent {
    CalendarEvent::Cancelled(CalendarEntryCancelled { reason: None })
}

fn reschedule(starts_at: i64, ends_at: i64) -> CalendarCommand {
    CalendarCommand::Reschedule {
        starts_at: at(starts_at),
        ends_at: at(ends_at),
    }
}

/// Protects scheduling: everything given is recorded, with the issuing user
/// as organizer.
#[test]
fn scheduling_records_the_entry_for_the_organizer() {
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(schedule(60, 120))))
        .then(vec![scheduled()]);
}

/// Protects against two entries sharing one stream.
#[test]
fn scheduling_twice_is_rejected() {
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::Schedule(schedule(60, 120))))
        .then_rejected("calendar.already_scheduled");
    given::<CalendarEntry>([scheduled(), entry_cancelled()])
        .when(issue(CalendarCommand::Schedule(schedule(60, 120))))
        .then_rejected("calendar.already_scheduled");
}

/// Protects every command but scheduling from acting on nothing.
#[test]
fn changing_an_unknown_entry_is_not_found() {
    given::<CalendarEntry>([])
        .when(issue(reschedule(60, 120)))
        .then_not_found();
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Cancel { reason: None }))
        .then_not_found();
}

/// Protects the calendar view from entries that end before they start.
#[test]
fn an_entry_ends_after_it_starts() {
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(schedule(60, 60))))
        .then_invalid("ends_at");
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(schedule(60, 30))))
        .then_invalid("ends_at");
    given::<CalendarEntry>([scheduled()])
        .when(issue(reschedule(120, 60)))
        .then_invalid("ends_at");
}

/// Protects the calendar view from a typo in the year or month.
#[test]
fn an_entry_lasts_at_most_two_weeks() {
    let longest = CALENDAR_ENTRY_DAYS_MAX * DAY_MINUTES;
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(schedule(0, longest + 1))))
        .then_invalid("ends_at");
    given::<CalendarEntry>([scheduled()])
        .when(issue(reschedule(0, longest + 1)))
        .then_invalid("ends_at");
    given::<CalendarEntry>([scheduled()])
        .when(issue(reschedule(0, longest)))
        .then(vec![CalendarEvent::Rescheduled(CalendarEntryRescheduled {
            starts_at: at(0),
            ends_at: at(longest),
        })]);
}

/// Protects entries from having nobody, or a whole company, attending.
#[test]
fn an_entry_has_one_to_a_hundred_attendees() {
    let mut nobody = schedule(60, 120);
    nobody.attendees.clear();
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(nobody)))
        .then_invalid("attendees");
    let crowd: Vec<Assignee> = (0..=ATTENDEES_PER_ENTRY_MAX as u128)
        .map(|number| Assignee::User(id(100 + number)))
        .collect();
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::ChangeAttendees {
            attendees: crowd.clone(),
        }))
        .then_invalid("attendees");
    let full = crowd[..ATTENDEES_PER_ENTRY_MAX].to_vec();
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::ChangeAttendees {
            attendees: full.clone(),
        }))
        .then(vec![CalendarEvent::AttendeesChanged(
            CalendarEntryAttendeesChanged { attendees: full },
        )]);
}

/// Protects invitations and reminders from going out twice to one person.
#[test]
fn attendees_are_listed_once() {
    let mut twice = schedule(60, 120);
    twice.attendees.push(Assignee::User(user()));
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(twice)))
        .then_invalid("attendees");
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::ChangeAttendees {
            attendees: vec![Assignee::Group(id(7)), Assignee::Group(id(7))],
        }))
        .then_invalid("attendees");
}

/// Protects reminders from arriving so early they are forgotten.
#[test]
fn a_reminder_comes_at_most_a_week_before() {
    let mut early = schedule(60, 120);
    early.remind_before_minutes = Some(REMIND_BEFORE_MINUTES_MAX + 1);
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(early.clone())))
        .then_invalid("remind_before_minutes");
    early.remind_before_minutes = Some(REMIND_BEFORE_MINUTES_MAX);
    let CalendarEvent::Scheduled(mut expected) = scheduled() else {
        unreachable!("scheduled() is a Scheduled event")
    };
    expected.remind_before_minutes = Some(REMIND_BEFORE_MINUTES_MAX);
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(early)))
        .then(vec![CalendarEvent::Scheduled(expected)]);
}

/// Protects cancelled entries: read-only until reopened.
#[test]
fn a_cancelled_entry_refuses_changes() {
    let changes = [
        reschedule(180, 240),
        CalendarCommand::ChangeAttendees {
            attendees: vec![Assignee::Group(id(8))],
        },
        CalendarCommand::Edit {
            title: label("Demo"),
            location: None,
        },
        CalendarCommand::Complete,
    ];
    for command in changes {
        given::<CalendarEntry>([scheduled(), entry_cancelled()])
            .when(issue(command))
            .then_rejected("calendar.cancelled");
    }
}

/// Protects the way back: cancelled and completed entries can be reopened,
/// and a reopened entry takes changes again.
#[test]
fn reopening_brings_back_a_finished_entry() {
    for finished in [entry_cancelled(), entry_completed()] {
        given::<CalendarEntry>([scheduled(), finished])
            .when(issue(CalendarCommand::Reopen))
            .then(vec![CalendarEvent::Reopened(CalendarEntryReopened {})]);
    }
    given::<CalendarEntry>([
        scheduled(),
        entry_cancelled(),
        CalendarEvent::Reopened(CalendarEntryReopened {}),
    ])
    .when(issue(reschedule(180, 240)))
    .then(vec![CalendarEvent::Rescheduled(CalendarEntryRescheduled {
        starts_at: at(180),
        ends_at: at(240),
    })]);
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::Reopen))
        .then_nothing();
}

/// Protects completion from double entries.
#[test]
fn completing_an_entry_is_recorded_once() {
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::Complete))
        .then(vec![entry_completed()]);
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(CalendarCommand::Complete))
        .then_nothing();
}

/// Protects what took place: a completed entry keeps its time and cannot
/// be cancelled, though its title and attendees can still be corrected.
#[test]
fn a_completed_entry_keeps_its_time() {
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(reschedule(180, 240)))
        .then_rejected("calendar.completed");
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(CalendarCommand::Cancel { reason: None }))
        .then_rejected("calendar.completed");
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(CalendarCommand::Edit {
            title: label("Demo for Acme, signed"),
            location: None,
        }))
        .then(vec![CalendarEvent::Edited(CalendarEntryEdited {
            title: "Demo for Acme, signed".into(),
            location: None,
        })]);
}

/// Protects cancellation: recorded once, with its reason.
#[test]
fn cancelling_an_entry_is_recorded_once() {
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::Cancel {
            reason: Label::parse_optional("reason", Some("client ill")).unwrap(),
        }))
        .then(vec![CalendarEvent::Cancelled(CalendarEntryCancelled {
            reason: Some("client ill".into()),
        })]);
    given::<CalendarEntry>([scheduled(), entry_cancelled()])
        .when(issue(CalendarCommand::Cancel { reason: None }))
        .then_nothing();
}

/// Protects history from no-op entries: the same time, the same people in
/// another order, the same title and location change nothing.
#[test]
fn calendar_changes_record_only_real_changes() {
    let mut reordered = attendees();
    reordered.reverse();
    let repeats = [
        reschedule(60, 120),
        CalendarCommand::ChangeAttendees {
            attendees: reordered,
        },
        CalendarCommand::Edit {
            title: label("Demo for Acme"),
            location: Label::parse_optional("location", Some(" Room 4 ")).unwrap(),
        },
    ];
    for command in repeats {
        given::<CalendarEntry>([scheduled()])
            .when(issue(command))
            .then_nothing();
    }
    given::<CalendarEntry>([scheduled()])
        .when(issue(CalendarCommand::ChangeAttendees {
            attendees: vec![Assignee::User(user())],
        }))
        .then(vec![CalendarEvent::AttendeesChanged(
            CalendarEntryAttendeesChanged {
                attendees: vec![Assignee::User(user())],
            },
        )]);
}

/// Protects business time: a calendar change cannot be dated in the future.
#[test]
fn a_future_business_time_is_rejected_for_entries() {
    given::<CalendarEntry>([])
        .when(issue(CalendarCommand::Schedule(schedule(60, 120))).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects evolve: state after a history is what the events said.
#[test]
fn replay_builds_the_calendar_entry_state() {
    let state = CalendarEntry::replay(&[
        scheduled(),
        CalendarEvent::Rescheduled(CalendarEntryRescheduled {
            starts_at: at(180),
            ends_at: at(240),
        }),
        CalendarEvent::AttendeesChanged(CalendarEntryAttendeesChanged {
            attendees: vec![Assignee::Group(id(8))],
        }),
        CalendarEvent::Edited(CalendarEntryEdited {
            title: "Demo".into(),
            location: None,
        }),
        entry_completed(),
    ])
    .unwrap();
    assert_eq!((state.starts_at, state.ends_at), (at(180), at(240)));
    assert_eq!(state.attendees, [Assignee::Group(id(8))]);
    assert_eq!(state.title, "Demo");
    assert_eq!(state.location, None);
    assert_eq!(state.organizer, user());
    assert_eq!(state.status, CalendarEntryStatus::Completed);
}

fn reminder_fired() -> TaskEvent {
    TaskEvent::ReminderFired(TaskReminderFired {
        remind_at: at(DAY_MINUTES - 60),
    })
}

/// Protects "delivered once": a due reminder is recorded for its time,
/// a second delivery of the same reminder records nothing.
#[test]
fn a_reminder_is_fired_once_for_its_time() {
    let fire = || {
        issue(TaskCommand::FireReminder {
            remind_at: at(DAY_MINUTES - 60),
        })
    };
    given::<Task>([task_created()])
        .when(fire())
        .then(vec![reminder_fired()]);
    given::<Task>([task_created(), reminder_fired()])
        .when(fire())
        .then_nothing();
}

/// Protects a moved reminder: the process's delivery for the old time is
/// refused, and the new time fires again though the old one did.
#[test]
fn a_moved_reminder_fires_at_its_new_time_only() {
    let moved = TaskEvent::Rescheduled(TaskRescheduled {
        due: Some(at(2 * DAY_MINUTES)),
        remind_at: Some(at(2 * DAY_MINUTES - 60)),
    });
    given::<Task>([task_created(), reminder_fired(), moved.clone()])
        .when(issue(TaskCommand::FireReminder {
            remind_at: at(DAY_MINUTES - 60),
        }))
        .then_rejected("task.reminder_moved");
    given::<Task>([task_created(), reminder_fired(), moved])
        .when(issue(TaskCommand::FireReminder {
            remind_at: at(2 * DAY_MINUTES - 60),
        }))
        .then(vec![TaskEvent::ReminderFired(TaskReminderFired {
            remind_at: at(2 * DAY_MINUTES - 60),
        })]);
}

/// Protects finished tasks from reminders: a completed task's reminder is
/// not delivered.
#[test]
fn a_completed_tasks_reminder_is_not_fired() {
    given::<Task>([task_created(), task_completed()])
        .when(issue(TaskCommand::FireReminder {
            remind_at: at(DAY_MINUTES - 60),
        }))
        .then_rejected("task.completed");
}

/// Protects delivery of a reminder set to the nanosecond: the reminder
/// process names it as the read models keep it, to the microsecond.
#[test]
fn a_reminder_is_named_to_the_microsecond() {
    let precise = at(DAY_MINUTES - 60) + chrono::Duration::nanoseconds(123_456_789);
    let created = TaskEvent::Created(TaskCreated {
        title: "Send the offer".into(),
        description: String::new(),
        assignee: Assignee::User(user()),
        due: Some(at(DAY_MINUTES)),
        remind_at: Some(precise),
        priority: Priority::High,
        link: None,
        created_by: user(),
    });
    let truncated = at(DAY_MINUTES - 60) + chrono::Duration::microseconds(123_456);
    given::<Task>([created.clone()])
        .when(issue(TaskCommand::FireReminder {
            remind_at: truncated,
        }))
        .then(vec![TaskEvent::ReminderFired(TaskReminderFired {
            remind_at: truncated,
        })]);
    given::<Task>([
        created,
        TaskEvent::ReminderFired(TaskReminderFired {
            remind_at: truncated,
        }),
    ])
    .when(issue(TaskCommand::FireReminder {
        remind_at: truncated,
    }))
    .then_nothing();
}

/// Protects an entry's reminder: set, changed and taken off only when it
/// changes; more than a week before is refused; a finished entry keeps
/// its reminder as it was.
#[test]
fn an_entrys_reminder_is_set_changed_and_taken_off() {
    let set = |minutes: Option<u32>| CalendarCommand::SetReminder {
        remind_before_minutes: minutes,
    };
    given::<CalendarEntry>([scheduled()])
        .when(issue(set(Some(60))))
        .then(vec![CalendarEvent::ReminderSet(CalendarEntryReminderSet {
            remind_before_minutes: Some(60),
        })]);
    given::<CalendarEntry>([scheduled()])
        .when(issue(set(Some(15))))
        .then_nothing();
    given::<CalendarEntry>([scheduled()])
        .when(issue(set(None)))
        .then(vec![CalendarEvent::ReminderSet(CalendarEntryReminderSet {
            remind_before_minutes: None,
        })]);
    given::<CalendarEntry>([scheduled()])
        .when(issue(set(Some(REMIND_BEFORE_MINUTES_MAX + 1))))
        .then_invalid("remind_before_minutes");
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(set(Some(5))))
        .then_rejected("calendar.completed");
}

/// Protects "delivered once": the reminder due at the start less its
/// minutes fires once; one for another time (the entry or its reminder
/// moved since) is refused; a moved entry's new reminder fires again; a
/// cancelled or completed entry reminds no one.
#[test]
fn an_entrys_reminder_fires_once_at_its_time() {
    let fire = |minutes: i64| CalendarCommand::FireReminder {
        remind_at: at(minutes),
    };
    let fired = |minutes: i64| {
        CalendarEvent::ReminderFired(CalendarEntryReminderFired {
            remind_at: at(minutes),
        })
    };
    given::<CalendarEntry>([scheduled()])
        .when(issue(fire(45)))
        .then(vec![fired(45)]);
    given::<CalendarEntry>([scheduled(), fired(45)])
        .when(issue(fire(45)))
        .then_nothing();
    given::<CalendarEntry>([scheduled()])
        .when(issue(fire(50)))
        .then_rejected("calendar.reminder_moved");
    let moved = CalendarEvent::Rescheduled(CalendarEntryRescheduled {
        starts_at: at(90),
        ends_at: at(120),
    });
    given::<CalendarEntry>([scheduled(), fired(45), moved])
        .when(issue(fire(75)))
        .then(vec![fired(75)]);
    given::<CalendarEntry>([scheduled(), entry_cancelled()])
        .when(issue(fire(45)))
        .then_rejected("calendar.cancelled");
    given::<CalendarEntry>([scheduled(), entry_completed()])
        .when(issue(fire(45)))
        .then_rejected("calendar.completed");
    let off = CalendarEvent::ReminderSet(CalendarEntryReminderSet {
        remind_before_minutes: None,
    });
    given::<CalendarEntry>([scheduled(), off])
        .when(issue(fire(45)))
        .then_rejected("calendar.reminder_moved");
}
