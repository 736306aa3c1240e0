//! Tasks: "my tasks" for a user and the groups they belong to, overdue
//! tasks and reminders due, ordered by due time.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::ids::{TaskId, UserId};
use domain::planning::{Assignee, Link, Priority, TaskEvent};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskStatus {
    Open,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: TaskId,
    pub title: String,
    pub description: String,
    pub assignee: Assignee,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub due: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub link: Option<Link>,
    pub status: TaskStatus,
    pub created_by: UserId,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub completed_at: Option<DateTime<Utc>>,
    pub version: u64,
}

/// Open tasks sort by due time; tasks without one come last.
type DueKey = i64;

fn due_key(due: Option<DateTime<Utc>>) -> DueKey {
    due.map_or(i64::MAX, |due| due.timestamp_micros())
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tasks {
    rows: FxHashMap<TaskId, TaskRow>,
    #[serde(skip)]
    open: BTreeSet<(Assignee, DueKey, TaskId)>,
}

impl ReadModel for Tasks {
    const NAME: &'static str = "tasks";
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &[TaskEvent::CATEGORY];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let CrmEvent::Task(event) = envelope.event else {
            return;
        };
        let id = TaskId::from_uuid(envelope.aggregate);
        self.unindex(id);
        if let TaskEvent::Created(created) = event {
            self.rows.insert(
                id,
                TaskRow {
                    id,
                    title: created.title.clone(),
                    description: created.description.clone(),
                    assignee: created.assignee,
                    due: created.due,
                    remind_at: created.remind_at,
                    priority: created.priority,
                    link: created.link,
                    status: TaskStatus::Open,
                    created_by: created.created_by,
                    created_at: envelope.occurred_at,
                    completed_at: None,
                    version: envelope.stream_version,
                },
            );
        } else if let Some(row) = self.rows.get_mut(&id) {
            match event {
                TaskEvent::Created(_) => {}
                TaskEvent::Edited(edited) => {
                    row.title = edited.title.clone();
                    row.description = edited.description.clone();
                }
                TaskEvent::Reassigned(reassigned) => row.assignee = reassigned.assignee,
                TaskEvent::Rescheduled(rescheduled) => {
                    row.due = rescheduled.due;
                    row.remind_at = rescheduled.remind_at;
                }
                TaskEvent::Reprioritized(changed) => row.priority = changed.priority,
                TaskEvent::Completed(_) => {
                    row.status = TaskStatus::Completed;
                    row.completed_at = Some(envelope.occurred_at);
                }
                TaskEvent::Reopened(_) => {
                    row.status = TaskStatus::Open;
                    row.completed_at = None;
                }
                TaskEvent::Cancelled(_) => row.status = TaskStatus::Cancelled,
            }
            row.version = envelope.stream_version;
        }
        self.index(id);
    }

    fn restored(&mut self) {
        let ids: Vec<TaskId> = self.rows.keys().copied().collect();
        for id in ids {
            self.index(id);
        }
    }
}

impl Tasks {
    fn index(&mut self, id: TaskId) {
        if let Some(row) = self
            .rows
            .get(&id)
            .filter(|row| row.status == TaskStatus::Open)
        {
            self.open.insert((row.assignee, due_key(row.due), id));
        }
    }

    fn unindex(&mut self, id: TaskId) {
        if let Some(row) = self.rows.get(&id) {
            self.open.remove(&(row.assignee, due_key(row.due), id));
        }
    }

    pub fn get(&self, id: TaskId) -> Option<&TaskRow> {
        self.rows.get(&id)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Open tasks of any of `assignees` (a user and their groups), soonest
    /// due first, at most `limit`.
    pub fn open_for(&self, assignees: &[Assignee], limit: usize) -> Vec<&TaskRow> {
        self.open_where(assignees, limit, |_| true)
    }

    /// Open tasks of `assignees` due before `now`, most overdue first.
    pub fn overdue_for(
        &self,
        assignees: &[Assignee],
        now: DateTime<Utc>,
        limit: usize,
    ) -> Vec<&TaskRow> {
        let now = now.timestamp_micros();
        self.open_where(assignees, limit, |key| key < now)
    }

    /// A page of one assignee's open tasks in due order (tasks without a
    /// due time last): those after `after` (a due key, microseconds or
    /// `i64::MAX` for none, and an id), due from `from` to `until`
    /// (inclusive, in the same keys), at most `limit`.
    pub fn open_page(
        &self,
        assignee: Assignee,
        after: Option<(i64, TaskId)>,
        from: i64,
        until: i64,
        limit: usize,
    ) -> Vec<&TaskRow> {
        use std::ops::Bound;
        let nil = TaskId::from_uuid(uuid::Uuid::nil());
        let start = match after {
            Some((key, id)) if (key, id) >= (from, nil) => Bound::Excluded((assignee, key, id)),
            _ => Bound::Included((assignee, from, nil)),
        };
        self.open
            .range((start, Bound::Unbounded))
            .take_while(|(owner, key, _)| *owner == assignee && *key <= until)
            .take(limit.clamp(1, crate::PAGE_ROWS_MAX))
            .filter_map(|(_, _, id)| self.rows.get(id))
            .collect()
    }

    /// Open tasks (of anyone) whose reminder time has come, for the
    /// reminder process.
    pub fn reminders_due(&self, now: DateTime<Utc>) -> Vec<&TaskRow> {
        let mut due: Vec<&TaskRow> = self
            .open
            .iter()
            .filter_map(|(_, _, id)| self.rows.get(id))
            .filter(|row| row.remind_at.is_some_and(|remind| remind <= now))
            .collect();
        due.sort_by_key(|row| (row.remind_at, row.id));
        due
    }

    fn open_where(
        &self,
        assignees: &[Assignee],
        limit: usize,
        keep: impl Fn(DueKey) -> bool,
    ) -> Vec<&TaskRow> {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let mut keys: Vec<(DueKey, TaskId)> = Vec::new();
        for assignee in assignees {
            // Each assignee's soonest `limit`: together they hold the
            // soonest `limit` of all.
            let start = (*assignee, i64::MIN, TaskId::from_uuid(uuid::Uuid::nil()));
            keys.extend(
                self.open
                    .range(start..)
                    .take_while(|(owner, key, _)| owner == assignee && keep(*key))
                    .take(limit)
                    .map(|(_, key, id)| (*key, *id)),
            );
        }
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .take(limit)
            .filter_map(|(_, id)| self.rows.get(&id))
            .collect()
    }
}
