//! The calendar: entries per attendee (a user or a group) for any time
//! range, cancelled entries left out.

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
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    rows: FxHashMap<CalendarEntryId, EntryRow>,
    #[serde(skip)]
    by_attendee: BTreeSet<(Assignee, i64, CalendarEntryId)>,
}

impl ReadModel for Calendar {
    const NAME: &'static str = "calendar";
    const VERSION: u32 = 2;
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
        if let Some(row) = self
            .rows
            .get(&id)
            .filter(|row| row.status != EntryStatus::Cancelled)
        {
            for attendee in &row.attendees {
                self.by_attendee
                    .insert((*attendee, row.starts_at.timestamp_micros(), id));
            }
        }
    }

    fn unindex(&mut self, id: CalendarEntryId) {
        if let Some(row) = self.rows.get(&id) {
            for attendee in &row.attendees {
                self.by_attendee
                    .remove(&(*attendee, row.starts_at.timestamp_micros(), id));
            }
        }
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
