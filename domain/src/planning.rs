//! Planning: tasks and calendar entries, the work people have ahead of
//! them.
//!
//! A task is one stream, `task-<id>`: something to do for a user or a
//! group, optionally by a due time with a reminder, optionally about a
//! party or a deal. It is open until completed or cancelled, and either can
//! be undone by reopening it. A calendar entry is one stream,
//! `calendar-<id>`: a meeting, call or appointment at a fixed time with its
//! attendees. Once cancelled it is read-only until reopened; once completed
//! it keeps its time, since it took place then. Repeating a command whose
//! effect already holds changes nothing, so a double click is harmless.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{DealId, GroupId, PartyId, UserId};
use crate::values::{Label, Text};

/// Longest calendar entry, in days (a trade fair, a business trip).
pub const CALENDAR_ENTRY_DAYS_MAX: i64 = 14;
/// Most attendees of one calendar entry.
pub const ATTENDEES_PER_ENTRY_MAX: usize = 100;
/// Earliest reminder before a calendar entry starts: a week, in minutes.
pub const REMIND_BEFORE_MINUTES_MAX: u32 = 7 * 24 * 60;

const TASK: &str = "task";
const CALENDAR_ENTRY: &str = "calendar entry";

// ---------------------------------------------------------- shared types

/// Who a task is for, or who attends an entry. Stored by position: new
/// variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Assignee {
    User(UserId),
    Group(GroupId),
}

/// How urgent a task is; ordered from low to urgent. Stored by position:
/// new variants at the end.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// Stable lower-case name, for the API and message catalogues.
    pub fn code(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.code() == code)
    }
}

/// What a task or an entry is about. Stored by position: new variants at
/// the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Link {
    Party(PartyId),
    Deal(DealId),
}

// ----------------------------------------------------------- task events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCreated {
    pub title: String,
    pub description: String,
    pub assignee: Assignee,
    pub due: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub link: Option<Link>,
    pub created_by: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEdited {
    pub title: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReassigned {
    pub assignee: Assignee,
}

/// The due time and reminder as they are now; `None` clears one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRescheduled {
    pub due: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReprioritized {
    pub priority: Priority,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCompleted {
    pub completed_by: UserId,
}

/// A completed or cancelled task is open again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReopened {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCancelled {
    pub reason: Option<String>,
}

/// The task's reminder set for `remind_at` was delivered: the reminder
/// process records it once, so it is shown once, also across restarts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReminderFired {
    pub remind_at: DateTime<Utc>,
}

domain_events! {
    /// Everything that can happen to a task.
    pub enum TaskEvent in "task" {
        Created(TaskCreated) = "TaskCreated" v 1,
        Edited(TaskEdited) = "TaskEdited" v 1,
        Reassigned(TaskReassigned) = "TaskReassigned" v 1,
        Rescheduled(TaskRescheduled) = "TaskRescheduled" v 1,
        Reprioritized(TaskReprioritized) = "TaskReprioritized" v 1,
        Completed(TaskCompleted) = "TaskCompleted" v 1,
        Reopened(TaskReopened) = "TaskReopened" v 1,
        Cancelled(TaskCancelled) = "TaskCancelled" v 1,
        ReminderFired(TaskReminderFired) = "TaskReminderFired" v 1,
    }
}

// --------------------------------------------------------- task commands

#[derive(Clone, Debug, PartialEq)]
pub struct CreateTask {
    pub title: Label,
    pub description: Text,
    pub assignee: Assignee,
    pub due: Option<DateTime<Utc>>,
    /// At most `due`, when both are set.
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub link: Option<Link>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TaskCommand {
    /// The issuing user becomes the task's creator.
    Create(CreateTask),
    Edit {
        title: Label,
        description: Text,
    },
    Reassign {
        assignee: Assignee,
    },
    Reschedule {
        due: Option<DateTime<Utc>>,
        remind_at: Option<DateTime<Utc>>,
    },
    Reprioritize {
        priority: Priority,
    },
    /// The issuing user is recorded as having completed it.
    Complete,
    Reopen,
    Cancel {
        reason: Option<Label>,
    },
    /// The reminder process delivers the reminder set for `remind_at`;
    /// once per reminder, and only while the task is open and still has
    /// that reminder.
    FireReminder {
        remind_at: DateTime<Utc>,
    },
}

// ------------------------------------------------------------ task state

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskStatus {
    #[default]
    Open,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskState {
    pub title: String,
    pub description: String,
    pub assignee: Assignee,
    pub due: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub link: Option<Link>,
    pub created_by: UserId,
    pub status: TaskStatus,
    /// The reminder time whose reminder was delivered last.
    pub reminder_fired: Option<DateTime<Utc>>,
}

/// The task decider. State is `None` until the task is created.
#[derive(Debug)]
pub struct Task;

impl Decider for Task {
    type State = Option<TaskState>;
    type Command = Issued<TaskCommand>;
    type Event = TaskEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<TaskEvent>, DomainError> {
        issued.business_time()?;
        let TaskCommand::Create(create) = &issued.command else {
            let state = state.as_ref().ok_or_else(|| DomainError::not_found(TASK))?;
            return decide_existing_task(state, issued);
        };
        if state.is_some() {
            return Err(task_already_created());
        }
        ensure_reminder_before_due(create.due, create.remind_at)?;
        Ok(vec![TaskEvent::Created(TaskCreated {
            title: create.title.as_str().to_owned(),
            description: create.description.as_str().to_owned(),
            assignee: create.assignee,
            due: create.due,
            remind_at: create.remind_at,
            priority: create.priority,
            link: create.link,
            created_by: issued.by,
        })])
    }

    fn evolve(state: Self::State, event: &TaskEvent) -> Self::State {
        let TaskEvent::Created(created) = event else {
            return state.map(|mut task| {
                evolve_existing_task(&mut task, event);
                task
            });
        };
        Some(TaskState {
            title: created.title.clone(),
            description: created.description.clone(),
            assignee: created.assignee,
            due: created.due,
            remind_at: created.remind_at,
            priority: created.priority,
            link: created.link,
            created_by: created.created_by,
            status: TaskStatus::Open,
            reminder_fired: None,
        })
    }
}

fn decide_existing_task(
    task: &TaskState,
    issued: &Issued<TaskCommand>,
) -> Result<Vec<TaskEvent>, DomainError> {
    let events = match &issued.command {
        TaskCommand::Create(_) => return Err(task_already_created()),
        TaskCommand::Edit { title, description } => {
            ensure_task_open(task)?;
            crate::unless_unchanged(
                task.title == title.as_str() && task.description == description.as_str(),
                || {
                    TaskEvent::Edited(TaskEdited {
                        title: title.as_str().to_owned(),
                        description: description.as_str().to_owned(),
                    })
                },
            )
        }
        TaskCommand::Reassign { assignee } => {
            ensure_task_open(task)?;
            crate::unless_unchanged(task.assignee == *assignee, || {
                TaskEvent::Reassigned(TaskReassigned {
                    assignee: *assignee,
                })
            })
        }
        TaskCommand::Reschedule { due, remind_at } => {
            ensure_task_open(task)?;
            ensure_reminder_before_due(*due, *remind_at)?;
            crate::unless_unchanged(task.due == *due && task.remind_at == *remind_at, || {
                TaskEvent::Rescheduled(TaskRescheduled {
                    due: *due,
                    remind_at: *remind_at,
                })
            })
        }
        TaskCommand::Reprioritize { priority } => {
            ensure_task_open(task)?;
            crate::unless_unchanged(task.priority == *priority, || {
                TaskEvent::Reprioritized(TaskReprioritized {
                    priority: *priority,
                })
            })
        }
        TaskCommand::Complete => match task.status {
            TaskStatus::Open => vec![TaskEvent::Completed(TaskCompleted {
                completed_by: issued.by,
            })],
            TaskStatus::Completed => vec![],
            TaskStatus::Cancelled => return Err(task_cancelled()),
        },
        TaskCommand::Reopen => match task.status {
            TaskStatus::Open => vec![],
            TaskStatus::Completed | TaskStatus::Cancelled => {
                vec![TaskEvent::Reopened(TaskReopened {})]
            }
        },
        TaskCommand::FireReminder { remind_at } => {
            ensure_task_open(task)?;
            // Read models keep times to the microsecond: the process names
            // the reminder as they show it.
            let same = |time: Option<DateTime<Utc>>| {
                time.is_some_and(|time| time.timestamp_micros() == remind_at.timestamp_micros())
            };
            if !same(task.remind_at) {
                return Err(DomainError::rejected(
                    "task.reminder_moved",
                    "this task's reminder is no longer set for that time",
                ));
            }
            crate::unless_unchanged(same(task.reminder_fired), || {
                TaskEvent::ReminderFired(TaskReminderFired {
                    remind_at: *remind_at,
                })
            })
        }
        TaskCommand::Cancel { reason } => match task.status {
            TaskStatus::Open => vec![TaskEvent::Cancelled(TaskCancelled {
                reason: reason.clone().map(Label::into_string),
            })],
            TaskStatus::Completed => return Err(task_completed()),
            TaskStatus::Cancelled => vec![],
        },
    };
    Ok(events)
}

/// A reminder after the due time would only tell someone they are late.
fn ensure_reminder_before_due(
    due: Option<DateTime<Utc>>,
    remind_at: Option<DateTime<Utc>>,
) -> Result<(), DomainError> {
    match (due, remind_at) {
        (Some(due), Some(remind_at)) if remind_at > due => Err(DomainError::invalid(
            "remind_at",
            "must not be later than the due time",
        )),
        _ => Ok(()),
    }
}

/// Finished tasks are history: reopen one to change it.
fn ensure_task_open(task: &TaskState) -> Result<(), DomainError> {
    match task.status {
        TaskStatus::Open => Ok(()),
        TaskStatus::Completed => Err(task_completed()),
        TaskStatus::Cancelled => Err(task_cancelled()),
    }
}

fn task_already_created() -> DomainError {
    DomainError::rejected("task.already_created", "this task is already created")
}

fn task_completed() -> DomainError {
    DomainError::rejected("task.completed", "this task is completed; reopen it first")
}

fn task_cancelled() -> DomainError {
    DomainError::rejected("task.cancelled", "this task is cancelled; reopen it first")
}

fn evolve_existing_task(task: &mut TaskState, event: &TaskEvent) {
    match event {
        TaskEvent::Created(_) => {}
        TaskEvent::Edited(edited) => {
            task.title = edited.title.clone();
            task.description = edited.description.clone();
        }
        TaskEvent::Reassigned(reassigned) => task.assignee = reassigned.assignee,
        TaskEvent::Rescheduled(rescheduled) => {
            task.due = rescheduled.due;
            task.remind_at = rescheduled.remind_at;
        }
        TaskEvent::Reprioritized(reprioritized) => task.priority = reprioritized.priority,
        TaskEvent::Completed(_) => task.status = TaskStatus::Completed,
        TaskEvent::Reopened(_) => task.status = TaskStatus::Open,
        TaskEvent::Cancelled(_) => task.status = TaskStatus::Cancelled,
        TaskEvent::ReminderFired(fired) => task.reminder_fired = Some(fired.remind_at),
    }
}

// ------------------------------------------------------- calendar events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryScheduled {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendees: Vec<Assignee>,
    pub location: Option<String>,
    pub link: Option<Link>,
    pub remind_before_minutes: Option<u32>,
    pub organizer: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryRescheduled {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The attendees as they are now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryAttendeesChanged {
    pub attendees: Vec<Assignee>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryEdited {
    pub title: String,
    pub location: Option<String>,
}

/// The entry took place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryCompleted {}

/// A completed or cancelled entry is scheduled again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryReopened {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryCancelled {
    pub reason: Option<String>,
}

/// How long before its start the entry's attendees are reminded; `None`:
/// not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryReminderSet {
    pub remind_before_minutes: Option<u32>,
}

/// The entry's reminder due at `remind_at` (its start less the minutes
/// before) was delivered: once, also across restarts. Moving the entry
/// or its reminder makes another reminder, which fires again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntryReminderFired {
    pub remind_at: DateTime<Utc>,
}

domain_events! {
    /// Everything that can happen to a calendar entry.
    pub enum CalendarEvent in "calendar" {
        Scheduled(CalendarEntryScheduled) = "CalendarEntryScheduled" v 1,
        Rescheduled(CalendarEntryRescheduled) = "CalendarEntryRescheduled" v 1,
        AttendeesChanged(CalendarEntryAttendeesChanged) = "CalendarEntryAttendeesChanged" v 1,
        Edited(CalendarEntryEdited) = "CalendarEntryEdited" v 1,
        Completed(CalendarEntryCompleted) = "CalendarEntryCompleted" v 1,
        Reopened(CalendarEntryReopened) = "CalendarEntryReopened" v 1,
        Cancelled(CalendarEntryCancelled) = "CalendarEntryCancelled" v 1,
        ReminderSet(CalendarEntryReminderSet) = "CalendarEntryReminderSet" v 1,
        ReminderFired(CalendarEntryReminderFired) = "CalendarEntryReminderFired" v 1,
    }
}

// ----------------------------------------------------- calendar commands

#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleCalendarEntry {
    pub title: Label,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`, at most [`CALENDAR_ENTRY_DAYS_MAX`] days later.
    pub ends_at: DateTime<Utc>,
    /// 1 to [`ATTENDEES_PER_ENTRY_MAX`], each once.
    pub attendees: Vec<Assignee>,
    pub location: Option<Label>,
    pub link: Option<Link>,
    /// At most [`REMIND_BEFORE_MINUTES_MAX`].
    pub remind_before_minutes: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CalendarCommand {
    /// The issuing user becomes the organizer.
    Schedule(ScheduleCalendarEntry),
    Reschedule {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    ChangeAttendees {
        attendees: Vec<Assignee>,
    },
    Edit {
        title: Label,
        location: Option<Label>,
    },
    Complete,
    Reopen,
    Cancel {
        reason: Option<Label>,
    },
    /// At most [`REMIND_BEFORE_MINUTES_MAX`] minutes before the start;
    /// `None` takes the reminder off.
    SetReminder {
        remind_before_minutes: Option<u32>,
    },
    /// The reminder process delivers the reminder due at `remind_at`;
    /// once per reminder, and only while the entry is scheduled and its
    /// reminder still falls at that time.
    FireReminder {
        remind_at: DateTime<Utc>,
    },
}

// -------------------------------------------------------- calendar state

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CalendarEntryStatus {
    #[default]
    Scheduled,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEntryState {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendees: Vec<Assignee>,
    pub location: Option<String>,
    pub link: Option<Link>,
    pub remind_before_minutes: Option<u32>,
    pub organizer: UserId,
    pub status: CalendarEntryStatus,
    /// The time of the last reminder delivered.
    pub reminder_fired: Option<DateTime<Utc>>,
}

impl CalendarEntryState {
    /// When the entry's reminder is due, if it has one.
    pub fn remind_at(&self) -> Option<DateTime<Utc>> {
        remind_at(self.starts_at, self.remind_before_minutes)
    }
}

/// When a reminder `minutes` before `starts_at` is due.
pub fn remind_at(starts_at: DateTime<Utc>, minutes: Option<u32>) -> Option<DateTime<Utc>> {
    minutes.map(|minutes| starts_at - TimeDelta::minutes(i64::from(minutes)))
}

fn ensure_reminder_fits(minutes: Option<u32>) -> Result<(), DomainError> {
    if minutes.is_some_and(|minutes| minutes > REMIND_BEFORE_MINUTES_MAX) {
        return Err(DomainError::invalid(
            "remind_before_minutes",
            format!("a reminder comes at most {REMIND_BEFORE_MINUTES_MAX} minutes before"),
        ));
    }
    Ok(())
}

/// The calendar entry decider. State is `None` until the entry is
/// scheduled.
#[derive(Debug)]
pub struct CalendarEntry;

impl Decider for CalendarEntry {
    type State = Option<CalendarEntryState>;
    type Command = Issued<CalendarCommand>;
    type Event = CalendarEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<CalendarEvent>, DomainError> {
        issued.business_time()?;
        let CalendarCommand::Schedule(schedule) = &issued.command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(CALENDAR_ENTRY))?;
            return decide_existing_entry(state, &issued.command);
        };
        if state.is_some() {
            return Err(entry_already_scheduled());
        }
        ensure_span_fits(schedule.starts_at, schedule.ends_at)?;
        ensure_attendees_fit(&schedule.attendees)?;
        ensure_reminder_fits(schedule.remind_before_minutes)?;
        Ok(vec![CalendarEvent::Scheduled(CalendarEntryScheduled {
            title: schedule.title.as_str().to_owned(),
            starts_at: schedule.starts_at,
            ends_at: schedule.ends_at,
            attendees: schedule.attendees.clone(),
            location: schedule.location.clone().map(Label::into_string),
            link: schedule.link,
            remind_before_minutes: schedule.remind_before_minutes,
            organizer: issued.by,
        })])
    }

    fn evolve(state: Self::State, event: &CalendarEvent) -> Self::State {
        let CalendarEvent::Scheduled(scheduled) = event else {
            return state.map(|mut entry| {
                evolve_existing_entry(&mut entry, event);
                entry
            });
        };
        Some(CalendarEntryState {
            title: scheduled.title.clone(),
            starts_at: scheduled.starts_at,
            ends_at: scheduled.ends_at,
            attendees: scheduled.attendees.clone(),
            location: scheduled.location.clone(),
            link: scheduled.link,
            remind_before_minutes: scheduled.remind_before_minutes,
            organizer: scheduled.organizer,
            status: CalendarEntryStatus::Scheduled,
            reminder_fired: None,
        })
    }
}

fn decide_existing_entry(
    entry: &CalendarEntryState,
    command: &CalendarCommand,
) -> Result<Vec<CalendarEvent>, DomainError> {
    let cancelled = entry.status == CalendarEntryStatus::Cancelled;
    let completed = entry.status == CalendarEntryStatus::Completed;
    // Reopening is the way back from a cancellation, and cancelling again
    // is a harmless repeat; everything else waits for a reopen. Scheduling
    // falls through to report the stream as taken.
    let allowed_when_cancelled = matches!(
        command,
        CalendarCommand::Reopen | CalendarCommand::Cancel { .. } | CalendarCommand::Schedule(_)
    );
    if cancelled && !allowed_when_cancelled {
        return Err(DomainError::rejected(
            "calendar.cancelled",
            "this calendar entry is cancelled; reopen it first",
        ));
    }
    let events = match command {
        CalendarCommand::Schedule(_) => return Err(entry_already_scheduled()),
        CalendarCommand::Reschedule { starts_at, ends_at } => {
            if completed {
                return Err(entry_completed());
            }
            ensure_span_fits(*starts_at, *ends_at)?;
            crate::unless_unchanged(
                entry.starts_at == *starts_at && entry.ends_at == *ends_at,
                || {
                    CalendarEvent::Rescheduled(CalendarEntryRescheduled {
                        starts_at: *starts_at,
                        ends_at: *ends_at,
                    })
                },
            )
        }
        CalendarCommand::ChangeAttendees { attendees } => {
            ensure_attendees_fit(attendees)?;
            // Attendees hold no duplicates, so equal sizes and inclusion
            // mean the same people in another order.
            let same_people = entry.attendees.len() == attendees.len()
                && attendees
                    .iter()
                    .all(|attendee| entry.attendees.contains(attendee));
            crate::unless_unchanged(same_people, || {
                CalendarEvent::AttendeesChanged(CalendarEntryAttendeesChanged {
                    attendees: attendees.clone(),
                })
            })
        }
        CalendarCommand::Edit { title, location } => {
            let location = location.clone().map(Label::into_string);
            crate::unless_unchanged(
                entry.title == title.as_str() && entry.location == location,
                || {
                    CalendarEvent::Edited(CalendarEntryEdited {
                        title: title.as_str().to_owned(),
                        location,
                    })
                },
            )
        }
        CalendarCommand::Complete => crate::unless_unchanged(completed, || {
            CalendarEvent::Completed(CalendarEntryCompleted {})
        }),
        CalendarCommand::Reopen => {
            if completed || cancelled {
                vec![CalendarEvent::Reopened(CalendarEntryReopened {})]
            } else {
                vec![]
            }
        }
        CalendarCommand::Cancel { reason } => {
            if cancelled {
                vec![]
            } else if completed {
                return Err(entry_completed());
            } else {
                vec![CalendarEvent::Cancelled(CalendarEntryCancelled {
                    reason: reason.clone().map(Label::into_string),
                })]
            }
        }
        CalendarCommand::SetReminder {
            remind_before_minutes,
        } => {
            if completed {
                return Err(entry_completed());
            }
            ensure_reminder_fits(*remind_before_minutes)?;
            crate::unless_unchanged(
                entry.remind_before_minutes == *remind_before_minutes,
                || {
                    CalendarEvent::ReminderSet(CalendarEntryReminderSet {
                        remind_before_minutes: *remind_before_minutes,
                    })
                },
            )
        }
        CalendarCommand::FireReminder { remind_at } => {
            if completed {
                return Err(entry_completed());
            }
            // Read models keep times to the microsecond: the process names
            // the reminder as they show it.
            let same = |time: Option<DateTime<Utc>>| {
                time.is_some_and(|time| time.timestamp_micros() == remind_at.timestamp_micros())
            };
            if !same(entry.remind_at()) {
                return Err(DomainError::rejected(
                    "calendar.reminder_moved",
                    "this entry's reminder is no longer set for that time",
                ));
            }
            crate::unless_unchanged(same(entry.reminder_fired), || {
                CalendarEvent::ReminderFired(CalendarEntryReminderFired {
                    remind_at: *remind_at,
                })
            })
        }
    };
    Ok(events)
}

/// An entry ends after it starts and fits in a calendar's view of weeks.
fn ensure_span_fits(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), DomainError> {
    if ends_at <= starts_at {
        return Err(DomainError::invalid("ends_at", "must be after the start"));
    }
    if ends_at - starts_at > TimeDelta::days(CALENDAR_ENTRY_DAYS_MAX) {
        return Err(DomainError::invalid(
            "ends_at",
            format!("an entry lasts at most {CALENDAR_ENTRY_DAYS_MAX} days"),
        ));
    }
    Ok(())
}

fn ensure_attendees_fit(attendees: &[Assignee]) -> Result<(), DomainError> {
    if attendees.is_empty() || attendees.len() > ATTENDEES_PER_ENTRY_MAX {
        return Err(DomainError::invalid(
            "attendees",
            format!("an entry has 1 to {ATTENDEES_PER_ENTRY_MAX} attendees"),
        ));
    }
    let mut seen = HashSet::with_capacity(attendees.len());
    if !attendees.iter().all(|attendee| seen.insert(attendee)) {
        return Err(DomainError::invalid(
            "attendees",
            "each attendee is listed once",
        ));
    }
    Ok(())
}

fn entry_already_scheduled() -> DomainError {
    DomainError::rejected(
        "calendar.already_scheduled",
        "this calendar entry is already scheduled",
    )
}

/// A completed entry took place at its time; that time stays.
fn entry_completed() -> DomainError {
    DomainError::rejected(
        "calendar.completed",
        "this calendar entry took place; reopen it first",
    )
}

fn evolve_existing_entry(entry: &mut CalendarEntryState, event: &CalendarEvent) {
    match event {
        CalendarEvent::Scheduled(_) => {}
        CalendarEvent::Rescheduled(rescheduled) => {
            entry.starts_at = rescheduled.starts_at;
            entry.ends_at = rescheduled.ends_at;
        }
        CalendarEvent::AttendeesChanged(changed) => entry.attendees = changed.attendees.clone(),
        CalendarEvent::Edited(edited) => {
            entry.title = edited.title.clone();
            entry.location = edited.location.clone();
        }
        CalendarEvent::Completed(_) => entry.status = CalendarEntryStatus::Completed,
        CalendarEvent::Reopened(_) => entry.status = CalendarEntryStatus::Scheduled,
        CalendarEvent::Cancelled(_) => entry.status = CalendarEntryStatus::Cancelled,
        CalendarEvent::ReminderSet(set) => entry.remind_before_minutes = set.remind_before_minutes,
        CalendarEvent::ReminderFired(fired) => entry.reminder_fired = Some(fired.remind_at),
    }
}

#[cfg(test)]
mod tests;
