//! The calendar: entries per attendee (a user or a group) for any time
//! range, cancelled entries left out; and the entries whose reminder is
//! due and not yet delivered, for the reminder process.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use domain::ids::{CalendarEntryId, UserId};
use domain::planning::{Assignee, CALENDAR_ENTRY_DAYS_MAX, CalendarEvent, Link};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;
use crate::snapshot::snapshot_time;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryStatus {
    Scheduled,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRow {
    pub id: CalendarEntryId,
    pub title: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub ends_at: DateTime<Utc>,
    pub attendees: Vec<Assignee>,
    pub location: Option<String>,
    pub link: Option<Link>,
    pub remind_before_minutes: Option<u32>,
    pub organizer: UserId,
    pub status: EntryStatus,
    pub version: u64,
    /// The time of the last reminder delivered.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub reminder_fired: Option<DateTime<Utc>>,
}

impl EntryRow {
    /// When its reminder is due, if it has one.
    pub fn remind_at(&self) -> Option<DateTime<Utc>> {
        domain::planning::remind_at(self.starts_at, self.remind_before_minutes)
    }

    /// Its reminder is set, not yet delivered, and the entry scheduled.
    fn reminder_pending(&self) -> Option<i64> {
        let remind_at = self.remind_at()?;
        let pending = self.status == EntryStatus::Scheduled
            && self.reminder_fired.is_none_or(|fired| fired != remind_at);
        pending.then(|| remind_at.timestamp_micros())
    }
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    rows: FxHashMap<CalendarEntryId, EntryRow>,
    #[serde(skip)]
    by_attendee: BTreeSet<(Assignee, i64, CalendarEntryId)>,
    /// (remind at, entry) of the reminders not yet delivered.
    #[serde(skip)]
    pending_reminders: BTreeSet<(i64, CalendarEntryId)>,
}

impl ReadModel for Calendar {
    const NAME: &'static str = "calendar";
    // 3: reminders delivered.
    const VERSION: u32 = 3;
    const CATEGORIES: &'static [&'static str] = &[CalendarEvent::CATEGORY];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let CrmEvent::Calendar(event) = envelope.event else {
            return;
        };
        let id = CalendarEntryId::from_uuid(envelope.aggregate);
        self.unindex(id);
        if let CalendarEvent::Scheduled(scheduled) = event {
            self.rows.insert(
                id,
                EntryRow {
                    id,
                    title: scheduled.title.clone(),
                    starts_at: snapshot_time(scheduled.starts_at),
                    ends_at: snapshot_time(scheduled.ends_at),
                    attendees: scheduled.attendees.clone(),
                    location: scheduled.location.clone(),
                    link: scheduled.link,
                    remind_before_minutes: scheduled.remind_before_minutes,
                    organizer: scheduled.organizer,
                    status: EntryStatus::Scheduled,
                    version: envelope.stream_version,
                    reminder_fired: None,
                },
            );
        } else if let Some(row) = self.rows.get_mut(&id) {
            match event {
                CalendarEvent::Scheduled(_) => {}
                CalendarEvent::Rescheduled(rescheduled) => {
                    row.starts_at = snapshot_time(rescheduled.starts_at);
                    row.ends_at = snapshot_time(rescheduled.ends_at);
                }
                CalendarEvent::AttendeesChanged(changed) => {
                    row.attendees = changed.attendees.clone()
                }
                CalendarEvent::Edited(edited) => {
                    row.title = edited.title.clone();
                    row.location = edited.location.clone();
                }
                CalendarEvent::Completed(_) => row.status = EntryStatus::Completed,
                CalendarEvent::Reopened(_) => row.status = EntryStatus::Scheduled,
                CalendarEvent::Cancelled(_) => row.status = EntryStatus::Cancelled,
                CalendarEvent::ReminderSet(set) => {
                    row.remind_before_minutes = set.remind_before_minutes;
                }
                CalendarEvent::ReminderFired(fired) => {
                    row.reminder_fired = Some(snapshot_time(fired.remind_at));
                }
            }
            row.version = envelope.stream_version;
        }
        self.index(id);
    }

    fn restored(&mut self) {
        let ids: Vec<CalendarEntryId> = self.rows.keys().copied().collect();
        for id in ids {
            self.index(id);
        }
    }
}

impl Calendar {
    fn index(&mut self, id: CalendarEntryId) {
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        if row.status != EntryStatus::Cancelled {
            for attendee in &row.attendees {
                self.by_attendee
                    .insert((*attendee, row.starts_at.timestamp_micros(), id));
            }
        }
        if let Some(at) = row.reminder_pending() {
            self.pending_reminders.insert((at, id));
        }
    }

    fn unindex(&mut self, id: CalendarEntryId) {
        if let Some(row) = self.rows.get(&id) {
            for attendee in &row.attendees {
                self.by_attendee
                    .remove(&(*attendee, row.starts_at.timestamp_micros(), id));
            }
            if let Some(at) = row.reminder_pending() {
                self.pending_reminders.remove(&(at, id));
            }
        }
    }

    /// Scheduled entries not yet over whose reminder time has come and
    /// whose reminder was not delivered yet, soonest first, at most
    /// `limit`: the reminder process's work, a range walk of the pending
    /// ones. A reminder missed (the server was down) comes late while the
    /// entry lasts; one of an entry already over never comes, and the
    /// walk starts where such entries must be over (an entry lasts at
    /// most two weeks, its reminder comes at most a week before).
    pub fn reminders_due(&self, now: DateTime<Utc>, limit: usize) -> Vec<&EntryRow> {
        let horizon = now
            - Duration::days(CALENDAR_ENTRY_DAYS_MAX)
            - Duration::minutes(i64::from(domain::planning::REMIND_BEFORE_MINUTES_MAX));
        let first = CalendarEntryId::from_uuid(uuid::Uuid::nil());
        let last = CalendarEntryId::from_uuid(uuid::Uuid::max());
        self.pending_reminders
            .range((horizon.timestamp_micros(), first)..=(now.timestamp_micros(), last))
            .filter_map(|(_, id)| self.rows.get(id))
            .filter(|row| row.ends_at > now)
            .take(limit)
            .collect()
    }

    /// Entries of any of `attendees` (a user and their groups) whose
    /// reminder was delivered and that have not ended by `now`, soonest
    /// first, at most `limit`: the meetings a dashboard reminds of.
    pub fn reminded(
        &self,
        attendees: &[Assignee],
        now: DateTime<Utc>,
        limit: usize,
    ) -> Vec<&EntryRow> {
        // A reminded entry started at most a week and a bit before its
        // reminder; one still going started at most its longest span ago.
        let from = (now - Duration::days(CALENDAR_ENTRY_DAYS_MAX)).timestamp_micros();
        let until = (now
            + Duration::minutes(i64::from(domain::planning::REMIND_BEFORE_MINUTES_MAX)))
        .timestamp_micros();
        let first = CalendarEntryId::from_uuid(uuid::Uuid::nil());
        let mut found: Vec<&EntryRow> = attendees
            .iter()
            .flat_map(|attendee| {
                self.by_attendee
                    .range((*attendee, from, first)..)
                    .take_while(move |(who, at, _)| who == attendee && *at <= until)
                    .filter_map(|(_, _, id)| self.rows.get(id))
            })
            .filter(|row| {
                row.status == EntryStatus::Scheduled
                    && row.ends_at > now
                    && row.reminder_fired.is_some()
                    && row.reminder_fired == row.remind_at()
            })
            .collect();
        found.sort_by_key(|row| (row.starts_at, row.id));
        found.dedup_by_key(|row| row.id);
        found.truncate(limit);
        found
    }

    pub fn get(&self, id: CalendarEntryId) -> Option<&EntryRow> {
        self.rows.get(&id)
    }

    /// Everyone attending an entry not cancelled, in order: one step per
    /// attendee through the index, not one per entry.
    pub fn attendees(&self) -> Vec<Assignee> {
        let last = CalendarEntryId::from_uuid(uuid::Uuid::max());
        let mut found = Vec::new();
        let mut start = std::ops::Bound::Unbounded;
        while let Some((attendee, _, _)) = self
            .by_attendee
            .range((start, std::ops::Bound::Unbounded))
            .next()
        {
            found.push(*attendee);
            start = std::ops::Bound::Excluded((*attendee, i64::MAX, last));
        }
        found
    }

    /// Entries of any of `attendees` that overlap `[from, to)`, by start.
    pub fn agenda(
        &self,
        attendees: &[Assignee],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<&EntryRow> {
        // No entry is longer than the domain allows, so one that overlaps
        // the range starts at most that long before it.
        let earliest = from
            .checked_sub_signed(Duration::days(CALENDAR_ENTRY_DAYS_MAX))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
            .timestamp_micros();
        let to_micros = to.timestamp_micros();
        let mut ids: Vec<CalendarEntryId> = Vec::new();
        for attendee in attendees {
            let start = (
                *attendee,
                earliest,
                CalendarEntryId::from_uuid(uuid::Uuid::nil()),
            );
            for (who, starts, id) in self.by_attendee.range(start..) {
                if who != attendee || *starts >= to_micros {
                    break;
                }
                ids.push(*id);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let mut rows: Vec<&EntryRow> = ids
            .iter()
            .filter_map(|id| self.rows.get(id))
            .filter(|row| row.ends_at > from)
            .collect();
        rows.sort_by_key(|row| (row.starts_at, row.id));
        rows
    }
}
