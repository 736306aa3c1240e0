//! Customer timelines for the customer 360: every interaction, deal step,
//! task and calendar entry of a party, newest first.
//!
//! Entries are kept per party in business-time order. Items linked to a
//! deal land on the deal's party. A withdrawn interaction, a cancelled
//! calendar entry and the completion of a reopened task leave the
//! timeline; an amended or edited one shows its new text, a rescheduled
//! entry moves to its new time (calendar entries stand at the time they
//! take place). A merged party's timeline shows under its survivor too, so
//! merging keeps both histories in view.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::ids::{DealId, PartyId, UserId};
use domain::interactions::InteractionEvent;
use domain::parties::PartyEvent;
use domain::pipeline::{DealEvent, LeadEvent};
use domain::planning::{CalendarEvent, Link, TaskEvent};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::Envelope;
use crate::id_index::IdIndex;
use crate::model::ReadModel;

/// Absorbed parties followed from a survivor, at most (merges of merges).
const ABSORBED_DEPTH_MAX: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    Call,
    Email,
    Meeting,
    Note,
    DealOpened,
    DealStageMoved,
    DealWon,
    DealLost,
    DealReopened,
    TaskCreated,
    TaskCompleted,
    CalendarEntry,
    LeadCaptured,
    LeadConverted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub at: DateTime<Utc>,
    pub position: u64,
    pub kind: EntryKind,
    /// The interaction, deal, task or calendar entry.
    pub source: Uuid,
    pub title: Box<str>,
    pub by: Option<UserId>,
}

/// Where a timeline page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineCursor {
    pub at: DateTime<Utc>,
    pub position: u64,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timelines {
    /// Every entry, in the order the events came; removed ones stay as
    /// orphans with their title freed.
    arena: Vec<TimelineEntry>,
    /// Per party, indexes into `arena` in business-time order: a party's
    /// timeline grows by four bytes an entry, and the entries of all
    /// parties are written one after another.
    by_party: FxHashMap<PartyId, Vec<u32>>,
    interactions: IdIndex<Uuid, PartyId>,
    deals: FxHashMap<DealId, (PartyId, String)>,
    tasks: FxHashMap<Uuid, (PartyId, String)>,
    calendar: FxHashMap<Uuid, CalendarLink>,
    leads: FxHashMap<Uuid, String>,
    absorbed: FxHashMap<PartyId, BTreeSet<PartyId>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CalendarLink {
    party: PartyId,
    title: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    starts_at: DateTime<Utc>,
    cancelled: bool,
}

impl ReadModel for Timelines {
    const NAME: &'static str = "timelines";
    const VERSION: u32 = 6;
    const CATEGORIES: &'static [&'static str] = &[
        PartyEvent::CATEGORY,
        InteractionEvent::CATEGORY,
        LeadEvent::CATEGORY,
        DealEvent::CATEGORY,
        TaskEvent::CATEGORY,
        CalendarEvent::CATEGORY,
    ];
    // Large: a few snapshots only.
    const SNAPSHOTS_KEPT: usize = 4;

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let id = envelope.aggregate;
        match envelope.event {
            CrmEvent::Party(PartyEvent::DuplicateAbsorbed(absorbed)) => {
                self.absorbed
                    .entry(PartyId::from_uuid(id))
                    .or_default()
                    .insert(absorbed.duplicate);
            }
            CrmEvent::Interaction(event) => self.apply_interaction(id, event, envelope),
            CrmEvent::Deal(event) => self.apply_deal(DealId::from_uuid(id), event, envelope),
            CrmEvent::Task(event) => self.apply_task(id, event, envelope),
            CrmEvent::Calendar(event) => self.apply_calendar(id, event, envelope),
            CrmEvent::Lead(event) => self.apply_lead(id, event, envelope),
            _ => {}
        }
    }
}

impl Timelines {
    fn party_of(&self, link: Option<Link>) -> Option<PartyId> {
        match link? {
            Link::Party(party) => Some(party),
            Link::Deal(deal) => self.deals.get(&deal).map(|(party, _)| *party),
        }
    }

    fn push(&mut self, party: PartyId, envelope: &Envelope<'_>, kind: EntryKind, title: String) {
        self.push_at(party, envelope.occurred_at, envelope, kind, title);
    }

    fn push_at(
        &mut self,
        party: PartyId,
        at: DateTime<Utc>,
        envelope: &Envelope<'_>,
        kind: EntryKind,
        title: String,
    ) {
        let title = title.into_boxed_str();
        let entry = TimelineEntry {
            at,
            position: envelope.position,
            kind,
            source: envelope.aggregate,
            title,
            by: envelope.user().map(UserId::from_uuid),
        };
        let Ok(index) = u32::try_from(self.arena.len()) else {
            tracing::error!("the timelines hold 4 billion entries; no more are recorded");
            return;
        };
        let key = (entry.at, entry.position);
        self.arena.push(entry);
        let arena = &self.arena;
        let timeline = self.by_party.entry(party).or_default();
        let key_of = |index: u32| {
            let entry = &arena[index as usize];
            (entry.at, entry.position)
        };
        // Mostly appends; a backdated entry goes to its place in time.
        match timeline.last() {
            Some(&last) if key_of(last) > key => {
                let at = timeline.partition_point(|&other| key_of(other) <= key);
                timeline.insert(at, index);
            }
            _ => timeline.push(index),
        }
    }

    /// Takes the entries of `party` that `remove` picks off its timeline.
    fn remove_where(
        &mut self,
        party: PartyId,
        mut remove: impl FnMut(&TimelineEntry) -> bool,
        newest_only: bool,
    ) {
        let Some(timeline) = self.by_party.get_mut(&party) else {
            return;
        };
        let arena = &mut self.arena;
        if newest_only {
            if let Some(at) = timeline
                .iter()
                .rposition(|&index| remove(&arena[index as usize]))
            {
                let index = timeline.remove(at);
                arena[index as usize].title = Box::default();
            }
        } else {
            timeline.retain(|&index| {
                let gone = remove(&arena[index as usize]);
                if gone {
                    arena[index as usize].title = Box::default();
                }
                !gone
            });
        }
    }

    /// The entry about `source` on a party's timeline.
    fn entry_mut(&mut self, party: PartyId, source: Uuid) -> Option<&mut TimelineEntry> {
        let index = *self
            .by_party
            .get(&party)?
            .iter()
            .find(|&&index| self.arena[index as usize].source == source)?;
        self.arena.get_mut(index as usize)
    }

    fn apply_interaction(&mut self, id: Uuid, event: &InteractionEvent, envelope: &Envelope<'_>) {
        match event {
            InteractionEvent::Logged(logged) => {
                let kind = match logged.kind.code() {
                    "call" => EntryKind::Call,
                    "email" => EntryKind::Email,
                    "meeting" => EntryKind::Meeting,
                    _ => EntryKind::Note,
                };
                let title = logged
                    .subject
                    .clone()
                    .unwrap_or_else(|| summary(&logged.body));
                self.interactions.insert(id, logged.party);
                self.push(logged.party, envelope, kind, title);
            }
            InteractionEvent::Amended(amended) => {
                let title = amended
                    .subject
                    .clone()
                    .unwrap_or_else(|| summary(&amended.body));
                if let Some(entry) = self.interaction_entry(id) {
                    entry.title = title.into_boxed_str();
                }
            }
            InteractionEvent::Withdrawn(_) => {
                if let Some(party) = self.interactions.remove(&id) {
                    self.remove_where(party, |entry| entry.source == id, false);
                }
            }
        }
    }

    /// Removes the newest entry of `kind` about `source` from a party's
    /// timeline.
    fn remove_entry(&mut self, party: PartyId, source: Uuid, kind: EntryKind) {
        self.remove_where(
            party,
            |entry| entry.source == source && entry.kind == kind,
            true,
        );
    }

    fn apply_calendar(&mut self, id: Uuid, event: &CalendarEvent, envelope: &Envelope<'_>) {
        match event {
            CalendarEvent::Scheduled(scheduled) => {
                let Some(party) = self.party_of(scheduled.link) else {
                    return;
                };
                self.calendar.insert(
                    id,
                    CalendarLink {
                        party,
                        title: scheduled.title.clone(),
                        starts_at: scheduled.starts_at,
                        cancelled: false,
                    },
                );
                self.push_at(
                    party,
                    scheduled.starts_at,
                    envelope,
                    EntryKind::CalendarEntry,
                    scheduled.title.clone(),
                );
            }
            CalendarEvent::Rescheduled(rescheduled) => {
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                link.starts_at = rescheduled.starts_at;
                let link = link.clone();
                if !link.cancelled {
                    self.remove_entry(link.party, id, EntryKind::CalendarEntry);
                    self.push_at(
                        link.party,
                        link.starts_at,
                        envelope,
                        EntryKind::CalendarEntry,
                        link.title,
                    );
                }
            }
            CalendarEvent::Edited(edited) => {
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                link.title = edited.title.clone();
                let party = link.party;
                if let Some(entry) = self.entry_mut(party, id) {
                    entry.title = edited.title.as_str().into();
                }
            }
            CalendarEvent::Cancelled(_) => {
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                if !std::mem::replace(&mut link.cancelled, true) {
                    let party = link.party;
                    self.remove_entry(party, id, EntryKind::CalendarEntry);
                }
            }
            CalendarEvent::Reopened(_) => {
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                if std::mem::replace(&mut link.cancelled, false) {
                    let link = link.clone();
                    self.push_at(
                        link.party,
                        link.starts_at,
                        envelope,
                        EntryKind::CalendarEntry,
                        link.title,
                    );
                }
            }
            CalendarEvent::AttendeesChanged(_) | CalendarEvent::Completed(_) => {}
        }
    }

    fn apply_lead(&mut self, id: Uuid, event: &LeadEvent, envelope: &Envelope<'_>) {
        match event {
            LeadEvent::Captured(captured) => {
                self.leads.insert(id, captured.title.clone());
                if let Some(party) = captured.party {
                    self.push(
                        party,
                        envelope,
                        EntryKind::LeadCaptured,
                        captured.title.clone(),
                    );
                }
            }
            LeadEvent::Converted(converted) => {
                let title = self.leads.remove(&id).unwrap_or_default();
                self.push(converted.party, envelope, EntryKind::LeadConverted, title);
            }
            _ => {}
        }
    }

    fn interaction_entry(&mut self, id: Uuid) -> Option<&mut TimelineEntry> {
        let party = *self.interactions.get(&id)?;
        self.entry_mut(party, id)
    }

    fn apply_deal(&mut self, id: DealId, event: &DealEvent, envelope: &Envelope<'_>) {
        if let DealEvent::Opened(opened) = event {
            self.deals.insert(id, (opened.party, opened.title.clone()));
        }
        if let DealEvent::Renamed(renamed) = event {
            if let Some(deal) = self.deals.get_mut(&id) {
                deal.1 = renamed.title.clone();
            }
        }
        let kind = match event {
            DealEvent::Opened(_) => EntryKind::DealOpened,
            DealEvent::StageMoved(_) => EntryKind::DealStageMoved,
            DealEvent::Won(_) => EntryKind::DealWon,
            DealEvent::Lost(_) => EntryKind::DealLost,
            DealEvent::Reopened(_) => EntryKind::DealReopened,
            _ => return,
        };
        if let Some((party, title)) = self.deals.get(&id) {
            let (party, title) = (*party, title.clone());
            self.push(party, envelope, kind, title);
        }
    }

    fn apply_task(&mut self, id: Uuid, event: &TaskEvent, envelope: &Envelope<'_>) {
        match event {
            TaskEvent::Created(created) => {
                if let Some(party) = self.party_of(created.link) {
                    self.tasks.insert(id, (party, created.title.clone()));
                    self.push(
                        party,
                        envelope,
                        EntryKind::TaskCreated,
                        created.title.clone(),
                    );
                }
            }
            TaskEvent::Edited(edited) => {
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.1 = edited.title.clone();
                }
            }
            TaskEvent::Completed(_) => {
                if let Some((party, title)) = self.tasks.get(&id).cloned() {
                    self.push(party, envelope, EntryKind::TaskCompleted, title);
                }
            }
            TaskEvent::Reopened(_) => {
                if let Some((party, _)) = self.tasks.get(&id) {
                    let party = *party;
                    self.remove_entry(party, id, EntryKind::TaskCompleted);
                }
            }
            _ => {}
        }
    }

    /// The party and every party merged into it (and into those).
    fn with_absorbed(&self, party: PartyId) -> Vec<PartyId> {
        let mut all = vec![party];
        let mut frontier = vec![party];
        for _ in 0..ABSORBED_DEPTH_MAX {
            let next: Vec<PartyId> = frontier
                .iter()
                .filter_map(|party| self.absorbed.get(party))
                .flatten()
                .filter(|party| !all.contains(party))
                .copied()
                .collect();
            if next.is_empty() {
                break;
            }
            all.extend(&next);
            frontier = next;
        }
        all
    }

    /// A page of a party's timeline, newest first, before `before`.
    pub fn timeline(
        &self,
        party: PartyId,
        before: Option<TimelineCursor>,
        limit: usize,
    ) -> Vec<&TimelineEntry> {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let before = before.map_or((DateTime::<Utc>::MAX_UTC, u64::MAX), |cursor| {
            (cursor.at, cursor.position)
        });
        let mut page: Vec<&TimelineEntry> = Vec::with_capacity(limit);
        for party in self.with_absorbed(party) {
            let Some(timeline) = self.by_party.get(&party) else {
                continue;
            };
            let entry = |index: &u32| &self.arena[*index as usize];
            let end = timeline.partition_point(|index| {
                let entry = entry(index);
                (entry.at, entry.position) < before
            });
            page.extend(timeline[..end].iter().rev().take(limit).map(entry));
        }
        page.sort_by_key(|entry| std::cmp::Reverse((entry.at, entry.position)));
        page.truncate(limit);
        page
    }

    /// Entries of one party (absorbed ones included).
    pub fn len_of(&self, party: PartyId) -> usize {
        self.with_absorbed(party)
            .iter()
            .filter_map(|party| self.by_party.get(party))
            .map(Vec::len)
            .sum()
    }
}

/// The first line of a text, shortened for a timeline row.
fn summary(body: &str) -> String {
    const SUMMARY_CHARS_MAX: usize = 120;
    let line = body.lines().next().unwrap_or("");
    match line.char_indices().nth(SUMMARY_CHARS_MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}
