//! Tasks and calendar entries in the demo: created, rescheduled,
//! reassigned, completed or cancelled.

use domain::ids::{CalendarEntryId, TaskId, UserId};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntryStatus, CreateTask, Link, Priority,
    ScheduleCalendarEntry, Task, TaskCommand, TaskStatus,
};
use domain::values::{Label, Text};
use rand::Rng;

use crate::content::{self};

use super::{
    Action, DAY_SECONDS, Demo, EntryPlan, EntrySlot, HOUR_SECONDS, TaskPlan, TaskSlot, pick, time,
};

impl Demo {
    pub(super) fn create_task_for(&mut self, index: u32, at: i64, by: UserId) {
        let link = match self.party_deal(index) {
            Some(deal) if self.chance(0.5) => Link::Deal(deal),
            _ => Link::Party(self.parties[index as usize].id),
        };
        let assignee = if self.chance(0.85) {
            by
        } else {
            self.other_manager(by)
        };
        let title = self.word(content::TASK_TITLES);
        self.create_task(at, by, assignee, title, Some(link));
    }

    pub(super) fn create_task(
        &mut self,
        at: i64,
        by: UserId,
        assignee: UserId,
        title: &str,
        link: Option<Link>,
    ) {
        let Some(title) = self.label(title) else {
            return;
        };
        let description = self.word(content::TASK_DESCRIPTIONS);
        let Some(description) = self.valid(Text::parse("description", description)) else {
            return;
        };
        let due = self.later(at, 4.0);
        let remind_at = self.chance(0.6).then(|| {
            let before = *pick(&mut self.rng, &[900, HOUR_SECONDS, DAY_SECONDS]);
            (due - before).max(at)
        });
        let priority = match self.rng.random_range(0..100) {
            0..15 => Priority::Low,
            15..70 => Priority::Normal,
            70..92 => Priority::High,
            _ => Priority::Urgent,
        };
        let plan = match self.rng.random_range(0..100) {
            0..52 => TaskPlan::Complete,
            52..67 => TaskPlan::CompleteLate,
            67..75 => TaskPlan::Cancel,
            75..82 => TaskPlan::Reschedule,
            82..85 => TaskPlan::Reprioritize,
            85..88 => TaskPlan::Reassign,
            88..90 => TaskPlan::CompleteThenReopen,
            // The rest are forgotten and stay overdue.
            _ => {
                self.new_task(
                    at,
                    by,
                    assignee,
                    title,
                    description,
                    due,
                    remind_at,
                    priority,
                    link,
                    None,
                );
                return;
            }
        };
        self.new_task(
            at,
            by,
            assignee,
            title,
            description,
            due,
            remind_at,
            priority,
            link,
            Some(plan),
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_task(
        &mut self,
        at: i64,
        by: UserId,
        assignee: UserId,
        title: Label,
        description: Text,
        due: i64,
        remind_at: Option<i64>,
        priority: Priority,
        link: Option<Link>,
        plan: Option<TaskPlan>,
    ) {
        let id = TaskId::from_uuid(self.uuid(at));
        let command = TaskCommand::Create(CreateTask {
            title,
            description,
            assignee: Assignee::User(assignee),
            due: Some(time(due)),
            remind_at: remind_at.map(time),
            priority,
            link,
        });
        let mut state = None;
        let events = self.decide_all::<Task>(&mut state, [Self::issued(by, at, command)]);
        self.emit(id.as_uuid(), at, at, by, events);
        let Some(plan) = plan.filter(|_| state.is_some()) else {
            return;
        };
        let step_at = match plan {
            TaskPlan::CompleteLate => due + self.rng.random_range(HOUR_SECONDS..8 * DAY_SECONDS),
            _ => self.moment_between(at, due),
        };
        self.tasks.insert(id, TaskSlot { state, plan });
        self.schedule(step_at, Action::TaskStep(id));
    }

    pub(super) fn task_step(&mut self, id: TaskId, at: i64) {
        let Some(slot) = self.tasks.get(&id) else {
            return;
        };
        let Some(state) = &slot.state else {
            return;
        };
        let plan = slot.plan;
        let Assignee::User(assignee) = state.assignee else {
            return;
        };
        let status = state.status;
        let due = state.due.map_or(at, |due| due.timestamp());
        let priority = state.priority;
        let mut next_plan = None;
        let command = match (status, plan) {
            (TaskStatus::Completed, TaskPlan::CompleteThenReopen) => {
                next_plan = Some(TaskPlan::Complete);
                TaskCommand::Reopen
            }
            (TaskStatus::Completed | TaskStatus::Cancelled, _) => {
                self.tasks.remove(&id);
                return;
            }
            (_, TaskPlan::Cancel) => {
                let reason = self.word(content::CANCEL_REASONS);
                TaskCommand::Cancel {
                    reason: self.label(reason),
                }
            }
            (_, TaskPlan::Reschedule) => {
                next_plan = Some(TaskPlan::Complete);
                let due = self.later(due.max(at), 3.0);
                TaskCommand::Reschedule {
                    due: Some(time(due)),
                    remind_at: None,
                }
            }
            (_, TaskPlan::Reprioritize) => {
                next_plan = Some(TaskPlan::Complete);
                let priority = if priority == Priority::Urgent {
                    Priority::High
                } else {
                    Priority::Urgent
                };
                TaskCommand::Reprioritize { priority }
            }
            (_, TaskPlan::Reassign) => {
                next_plan = Some(TaskPlan::Complete);
                let assignee = self.other_manager(assignee);
                TaskCommand::Reassign {
                    assignee: Assignee::User(assignee),
                }
            }
            (_, TaskPlan::CompleteThenReopen) => {
                next_plan = Some(TaskPlan::CompleteThenReopen);
                TaskCommand::Complete
            }
            (_, TaskPlan::Complete | TaskPlan::CompleteLate) => TaskCommand::Complete,
        };
        self.task_command(id, at, assignee, command);
        match next_plan {
            Some(next_plan) => {
                if let Some(slot) = self.tasks.get_mut(&id) {
                    slot.plan = next_plan;
                }
                let new_due = self
                    .tasks
                    .get(&id)
                    .and_then(|slot| slot.state.as_ref())
                    .and_then(|state| state.due)
                    .map_or(at, |due| due.timestamp());
                let next = if new_due > at + 2 * HOUR_SECONDS {
                    self.moment_between(at, new_due)
                } else {
                    self.later(at, 1.0)
                };
                // A reopened task is done again the next day or so.
                let next =
                    if plan == TaskPlan::CompleteThenReopen && next_plan == TaskPlan::Complete {
                        self.later(at, 1.0)
                    } else {
                        next
                    };
                self.schedule(next, Action::TaskStep(id));
            }
            None => {
                self.tasks.remove(&id);
            }
        }
    }

    // --------------------------------------------------------- calendar

    pub(super) fn schedule_meeting(&mut self, index: u32, at: i64, by: UserId) {
        let link = match self.party_deal(index) {
            Some(deal) if self.chance(0.5) => Link::Deal(deal),
            _ => Link::Party(self.parties[index as usize].id),
        };
        let deal = match link {
            Link::Deal(deal) => Some(deal),
            Link::Party(_) => None,
        };
        let day = self.day_of(at) + self.rng.random_range(1..10);
        let day = self.working_day(day);
        // Meetings start on the half hour.
        let starts_at = self.working_moment(day) / 1_800 * 1_800;
        let minutes = *pick(&mut self.rng, &[30_i64, 45, 60, 60, 90]);
        let ends_at = starts_at + minutes * 60;
        let mut attendees = vec![Assignee::User(by)];
        for _ in 0..self.rng.random_range(0..3) {
            let colleague = Assignee::User(self.manager());
            if !attendees.contains(&colleague) {
                attendees.push(colleague);
            }
        }
        let title = self.word(content::MEETING_TITLES);
        let location = self.word(content::MEETING_LOCATIONS);
        let (Some(title), Some(location)) = (self.label(title), self.label(location)) else {
            return;
        };
        let remind_before_minutes = *pick(&mut self.rng, &[None, Some(15), Some(30), Some(60)]);
        let command = CalendarCommand::Schedule(ScheduleCalendarEntry {
            title,
            starts_at: time(starts_at),
            ends_at: time(ends_at),
            attendees,
            location: Some(location),
            link: Some(link),
            remind_before_minutes,
        });
        let plan = match self.rng.random_range(0..100) {
            0..70 => EntryPlan::TakePlace,
            70..82 => EntryPlan::Cancel,
            82..92 => EntryPlan::Reschedule,
            92..97 => EntryPlan::ChangeAttendees,
            _ => EntryPlan::Edit,
        };
        let id = CalendarEntryId::from_uuid(self.uuid(at));
        self.entries.insert(
            id,
            EntrySlot {
                state: None,
                plan,
                party: index,
                deal,
            },
        );
        self.entry_command(id, at, by, command);
        let step_at = match plan {
            EntryPlan::TakePlace => ends_at,
            _ => self.moment_between(at, starts_at),
        };
        self.schedule(step_at, Action::EntryStep(id));
    }

    pub(super) fn entry_step(&mut self, id: CalendarEntryId, at: i64) {
        let Some(slot) = self.entries.get(&id) else {
            return;
        };
        let Some(state) = &slot.state else {
            return;
        };
        if state.status != CalendarEntryStatus::Scheduled {
            self.entries.remove(&id);
            return;
        }
        let (plan, index, deal) = (slot.plan, slot.party, slot.deal);
        let organizer = state.organizer;
        let (starts_at, ends_at) = (state.starts_at.timestamp(), state.ends_at.timestamp());
        let location = state.location.clone();
        let attendees = state.attendees.clone();
        let mut next = None;
        match plan {
            EntryPlan::TakePlace => {
                self.entry_command(id, at, organizer, CalendarCommand::Complete);
                if self.parties[index as usize].is_active() {
                    let minutes = u32::try_from((ends_at - starts_at) / 60).unwrap_or(60);
                    let open_deal = self.parties[index as usize].open_deal;
                    // The meeting is logged against the deal it was for,
                    // when that deal is still the party's open one.
                    self.parties[index as usize].open_deal = deal.or(open_deal);
                    self.log_meeting(index, at, organizer, Some(minutes), location);
                    self.parties[index as usize].open_deal = open_deal;
                }
            }
            EntryPlan::Cancel => {
                let reason = self.word(content::CANCEL_REASONS);
                let reason = self.label(reason);
                self.entry_command(id, at, organizer, CalendarCommand::Cancel { reason });
            }
            EntryPlan::Reschedule => {
                let day = self.day_of(starts_at) + self.rng.random_range(1..8);
                let day = self.working_day(day);
                let new_start = (self.working_moment(day) / 1_800 * 1_800).max(at + 1_800);
                let new_end = new_start + (ends_at - starts_at);
                self.entry_command(
                    id,
                    at,
                    organizer,
                    CalendarCommand::Reschedule {
                        starts_at: time(new_start),
                        ends_at: time(new_end),
                    },
                );
                next = Some(new_end);
            }
            EntryPlan::ChangeAttendees => {
                let mut attendees = attendees;
                let colleague = Assignee::User(self.other_manager(organizer));
                if let Some(position) = attendees.iter().position(|a| *a == colleague) {
                    attendees.remove(position);
                } else {
                    attendees.push(colleague);
                }
                if !attendees.is_empty() {
                    self.entry_command(
                        id,
                        at,
                        organizer,
                        CalendarCommand::ChangeAttendees { attendees },
                    );
                }
                next = Some(ends_at);
            }
            EntryPlan::Edit => {
                let title = self.word(content::MEETING_TITLES);
                let location = self.word(content::MEETING_LOCATIONS);
                let (Some(title), location) = (self.label(title), self.label(location)) else {
                    return;
                };
                self.entry_command(id, at, organizer, CalendarCommand::Edit { title, location });
                next = Some(ends_at);
            }
        }
        match next {
            Some(next) if next > at => {
                if let Some(slot) = self.entries.get_mut(&id) {
                    slot.plan = EntryPlan::TakePlace;
                }
                self.schedule(next, Action::EntryStep(id));
                // Dropped past the end of the history: it stays scheduled.
                if next >= self.end {
                    self.entries.remove(&id);
                }
            }
            _ => {
                self.entries.remove(&id);
            }
        }
    }
}
