//! Tasks: "my tasks" for a user and the groups they belong to, overdue
//! tasks and reminders due, ordered by due time; completed tasks newest
//! first; pages of either by cursor, so a list of any length is a range
//! walk.

use std::collections::BTreeSet;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use domain::ids::{TaskId, UserId};
use domain::planning::{Assignee, Link, Priority, TaskEvent};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;
use crate::snapshot::snapshot_time;

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
    /// The reminder time whose reminder was delivered last.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub reminder_fired: Option<DateTime<Utc>>,
    pub version: u64,
}

impl TaskRow {
    /// Its reminder is set and not yet delivered.
    pub fn reminder_pending(&self) -> bool {
        self.status == TaskStatus::Open
            && self.remind_at.is_some()
            && self.reminder_fired != self.remind_at
    }

    /// Its reminder was delivered and it is still open: the user's to act.
    pub fn reminder_delivered(&self) -> bool {
        self.status == TaskStatus::Open
            && self.remind_at.is_some()
            && self.reminder_fired == self.remind_at
    }
}

/// Open tasks sort by due time; tasks without one come last.
type DueKey = i64;

fn due_key(due: Option<DateTime<Utc>>) -> DueKey {
    due.map_or(i64::MAX, |due| due.timestamp_micros())
}

/// Completed tasks sort newest completion first: the negated moment.
type DoneKey = i64;

fn done_key(completed_at: Option<DateTime<Utc>>) -> DoneKey {
    completed_at.map_or(0, |at| at.timestamp_micros().saturating_neg())
}

/// Where a page of tasks ended: the last row's sort key and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskCursor {
    pub key: i64,
    pub id: TaskId,
}

/// A page of tasks and where the next one starts, if there is one.
#[derive(Debug)]
pub struct TaskPage<'a> {
    pub rows: Vec<&'a TaskRow>,
    pub next: Option<TaskCursor>,
}

/// Open tasks due in `[from, before)`; `None` leaves that side open.
/// Tasks without a due time sort after every time, so only an open
/// `before` includes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DueWindow {
    pub from: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

impl DueWindow {
    fn keys(self) -> (DueKey, Option<DueKey>) {
        (
            self.from.map_or(i64::MIN, |from| from.timestamp_micros()),
            self.before.map(|before| before.timestamp_micros()),
        )
    }
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tasks {
    rows: FxHashMap<TaskId, TaskRow>,
    #[serde(skip)]
    open: BTreeSet<(Assignee, DueKey, TaskId)>,
    #[serde(skip)]
    done: BTreeSet<(Assignee, DoneKey, TaskId)>,
    /// Reminders not yet delivered, by time: the reminder process's walk.
    #[serde(skip)]
    pending_reminders: BTreeSet<(i64, TaskId)>,
    /// Open tasks whose reminder was delivered, per assignee, by reminder
    /// time: the dashboard's list.
    #[serde(skip)]
    delivered_reminders: BTreeSet<(Assignee, i64, TaskId)>,
}

const TASK_ID_MIN: TaskId = TaskId::from_uuid(uuid::Uuid::nil());
const TASK_ID_MAX: TaskId = TaskId::from_uuid(uuid::Uuid::max());

/// One page of an index of `(assignee, key, id)`: `assignee`'s entries
/// with a key in `[from, before)`, after `after`, at most `limit`.
fn index_page(
    index: &BTreeSet<(Assignee, i64, TaskId)>,
    assignee: Assignee,
    from: i64,
    before: Option<i64>,
    after: Option<TaskCursor>,
    limit: usize,
) -> (Vec<TaskId>, Option<TaskCursor>) {
    let start = match after {
        Some(cursor) if (cursor.key, cursor.id) >= (from, TASK_ID_MIN) => {
            Bound::Excluded((assignee, cursor.key, cursor.id))
        }
        _ => Bound::Included((assignee, from, TASK_ID_MIN)),
    };
    let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
    let mut keys: Vec<(i64, TaskId)> = Vec::with_capacity(limit);
    let mut more = false;
    for (owner, key, id) in index.range((start, Bound::Unbounded)) {
        if *owner != assignee || before.is_some_and(|before| *key >= before) {
            break;
        }
        if keys.len() == limit {
            more = true;
            break;
        }
        keys.push((*key, *id));
    }
    // A next page only when one more row exists: it starts after the last.
    let next = keys
        .last()
        .filter(|_| more)
        .map(|(key, id)| TaskCursor { key: *key, id: *id });
    (keys.into_iter().map(|(_, id)| id).collect(), next)
}

/// How many of `assignee`'s entries of an index have a key in
/// `[from, before)`.
fn index_count(
    index: &BTreeSet<(Assignee, i64, TaskId)>,
    assignee: Assignee,
    from: i64,
    before: Option<i64>,
) -> usize {
    let end = match before {
        Some(before) => Bound::Excluded((assignee, before, TASK_ID_MIN)),
        None => Bound::Included((assignee, i64::MAX, TASK_ID_MAX)),
    };
    // A reversed range would make `range` panic; it holds nothing.
    if before.is_some_and(|before| before < from) {
        return 0;
    }
    index
        .range((Bound::Included((assignee, from, TASK_ID_MIN)), end))
        .count()
}

impl ReadModel for Tasks {
    const NAME: &'static str = "tasks";
    const VERSION: u32 = 3;
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
                    due: created.due.map(snapshot_time),
                    remind_at: created.remind_at.map(snapshot_time),
                    priority: created.priority,
                    link: created.link,
                    status: TaskStatus::Open,
                    created_by: created.created_by,
                    created_at: envelope.occurred_at,
                    completed_at: None,
                    reminder_fired: None,
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
                    row.due = rescheduled.due.map(snapshot_time);
                    row.remind_at = rescheduled.remind_at.map(snapshot_time);
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
                TaskEvent::ReminderFired(fired) => {
                    row.reminder_fired = Some(snapshot_time(fired.remind_at));
                }
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
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        match row.status {
            TaskStatus::Open => {
                self.open.insert((row.assignee, due_key(row.due), id));
            }
            TaskStatus::Completed => {
                self.done
                    .insert((row.assignee, done_key(row.completed_at), id));
            }
            TaskStatus::Cancelled => {}
        }
        if let Some(remind_at) = row.remind_at {
            let key = remind_at.timestamp_micros();
            if row.reminder_pending() {
                self.pending_reminders.insert((key, id));
            } else if row.reminder_delivered() {
                self.delivered_reminders.insert((row.assignee, key, id));
            }
        }
    }

    fn unindex(&mut self, id: TaskId) {
        if let Some(row) = self.rows.get(&id) {
            self.open.remove(&(row.assignee, due_key(row.due), id));
            self.done
                .remove(&(row.assignee, done_key(row.completed_at), id));
            if let Some(remind_at) = row.remind_at {
                let key = remind_at.timestamp_micros();
                self.pending_reminders.remove(&(key, id));
                self.delivered_reminders.remove(&(row.assignee, key, id));
            }
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
        let after = after.map(|(key, id)| TaskCursor { key, id });
        // `until` is inclusive; the index walk stops before a key.
        let (ids, _) = index_page(
            &self.open,
            assignee,
            from,
            until.checked_add(1),
            after,
            limit,
        );
        ids.iter().filter_map(|id| self.rows.get(id)).collect()
    }

    /// Open tasks (of anyone) whose reminder time has come and whose
    /// reminder was not delivered yet, soonest first, at most `limit`: the
    /// reminder process's work, a range walk of the pending ones.
    pub fn reminders_due(&self, now: DateTime<Utc>, limit: usize) -> Vec<&TaskRow> {
        self.pending_reminders
            .range(..=(now.timestamp_micros(), TASK_ID_MAX))
            .take(limit)
            .filter_map(|(_, id)| self.rows.get(id))
            .collect()
    }

    /// `assignee`'s open tasks whose reminder was delivered, the latest
    /// reminder first, at most `limit`.
    pub fn reminded(&self, assignee: Assignee, limit: usize) -> Vec<&TaskRow> {
        self.delivered_reminders
            .range((assignee, i64::MIN, TASK_ID_MIN)..=(assignee, i64::MAX, TASK_ID_MAX))
            .rev()
            .take(limit)
            .filter_map(|(_, _, id)| self.rows.get(id))
            .collect()
    }

    /// A page of `assignee`'s open tasks due within `window`, soonest
    /// first (tasks without a due time last), after `after`.
    pub fn due_page(
        &self,
        assignee: Assignee,
        window: DueWindow,
        after: Option<TaskCursor>,
        limit: usize,
    ) -> TaskPage<'_> {
        let (from, before) = window.keys();
        let (ids, next) = index_page(&self.open, assignee, from, before, after, limit);
        TaskPage {
            rows: ids.iter().filter_map(|id| self.rows.get(id)).collect(),
            next,
        }
    }

    /// How many open tasks `assignee` has due within `window`.
    pub fn due_count(&self, assignee: Assignee, window: DueWindow) -> usize {
        let (from, before) = window.keys();
        index_count(&self.open, assignee, from, before)
    }

    /// A page of `assignee`'s completed tasks, the latest completed first.
    pub fn completed_page(
        &self,
        assignee: Assignee,
        after: Option<TaskCursor>,
        limit: usize,
    ) -> TaskPage<'_> {
        let (ids, next) = index_page(&self.done, assignee, i64::MIN, None, after, limit);
        TaskPage {
            rows: ids.iter().filter_map(|id| self.rows.get(id)).collect(),
            next,
        }
    }

    /// How many completed tasks `assignee` has.
    pub fn completed_count(&self, assignee: Assignee) -> usize {
        index_count(&self.done, assignee, i64::MIN, None)
    }

    /// Everyone with an open or a completed task, in order: one step per
    /// assignee through each index, not one per task.
    pub fn assignees(&self) -> Vec<Assignee> {
        let mut found = BTreeSet::new();
        for index in [&self.open, &self.done] {
            let mut start = Bound::Unbounded;
            while let Some((assignee, _, _)) = index.range((start, Bound::Unbounded)).next() {
                found.insert(*assignee);
                start = Bound::Excluded((*assignee, i64::MAX, TASK_ID_MAX));
            }
        }
        found.into_iter().collect()
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
