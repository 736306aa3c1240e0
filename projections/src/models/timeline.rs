//! Customer timelines for the customer 360: every interaction, deal step,
//! task and calendar entry of a party, and its trade (orders confirmed,
//! shipped, invoiced, returned or cancelled, payments, sales imported from
//! another system), newest first.
//!
//! Entries are kept per party in business-time order. Items linked to a
//! deal land on the deal's party. A withdrawn interaction, a cancelled
//! calendar entry and the completion of a reopened task leave the
//! timeline; an amended or edited one shows its new text, a rescheduled
//! entry moves to its new time (calendar entries stand at the time they
//! take place). A merged party's timeline shows under its survivor too, so
//! merging keeps both histories in view.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::finance::AccountEvent;
use domain::ids::{DealId, PartyId, UserId};
use domain::interactions::InteractionEvent;
use domain::parties::PartyEvent;
use domain::pipeline::{DealEvent, LeadEvent};
use domain::planning::{CalendarEvent, Link, TaskEvent};
use domain::sales::{OrderEvent, SaleEvent};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::Envelope;
use crate::id_index::IdIndex;
use crate::model::ReadModel;
use crate::snapshot::snapshot_time;

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
    /// Titled with the order's gross total and currency.
    OrderConfirmed,
    OrderShipped,
    /// Titled with the invoice's gross total and currency.
    OrderInvoiced,
    /// Titled with the credit's gross total and currency.
    OrderReturned,
    /// Titled with the reason.
    OrderCancelled,
    /// Titled with the amount and currency.
    PaymentReceived,
    /// Titled with the order number in the source system and its total.
    SaleImported,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub at: DateTime<Utc>,
    pub position: u64,
    pub kind: EntryKind,
    /// The interaction, deal, task or calendar entry.
    pub source: Uuid,
    pub title: Arc<str>,
    pub by: Option<UserId>,
}

/// Where a timeline page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineCursor {
    pub at: DateTime<Utc>,
    pub position: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Timelines {
    /// Every entry, in the order the events came; removed ones stay as
    /// orphans with their title freed.
    arena: Vec<TimelineEntry>,
    /// Per party, indexes into `arena` in business-time order: a party's
    /// timeline grows by four bytes an entry, and the entries of all
    /// parties are written one after another.
    by_party: FxHashMap<PartyId, Vec<u32>>,
    interactions: IdIndex<Uuid, PartyId>,
    deals: FxHashMap<DealId, (PartyId, Arc<str>)>,
    tasks: FxHashMap<Uuid, (PartyId, Arc<str>)>,
    calendar: FxHashMap<Uuid, CalendarLink>,
    leads: FxHashMap<Uuid, Arc<str>>,
    /// Each order's customer, from its draft.
    orders: FxHashMap<Uuid, PartyId>,
    absorbed: FxHashMap<PartyId, BTreeSet<PartyId>>,
    /// Per party, the records about it whose personal fields are sealed
    /// with their own key: its interactions (withdrawn ones too) and the
    /// leads naming it. Erasing the party destroys their keys too.
    sealed_about: FxHashMap<PartyId, Vec<Uuid>>,
    /// Each lead's party (from its capture or conversion): the timeline
    /// its entries are on.
    lead_parties: FxHashMap<Uuid, PartyId>,
    /// Titles seen, so repeated ones ("Follow-up call", a deal's name on
    /// each of its steps) are stored once. Not in snapshots.
    #[serde(skip)]
    titles: FxHashSet<Arc<str>>,
}

/// Most distinct titles interned; beyond, the set starts over (sharing is
/// an optimisation, not a meaning).
const INTERNED_TITLES_MAX: usize = 1_000_000;

impl PartialEq for Timelines {
    /// Everything but the interning set, which only shares memory.
    fn eq(&self, other: &Self) -> bool {
        self.arena == other.arena
            && self.by_party == other.by_party
            && self.interactions == other.interactions
            && self.deals == other.deals
            && self.tasks == other.tasks
            && self.calendar == other.calendar
            && self.leads == other.leads
            && self.orders == other.orders
            && self.absorbed == other.absorbed
            && self.sealed_about == other.sealed_about
            && self.lead_parties == other.lead_parties
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CalendarLink {
    party: PartyId,
    title: Arc<str>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    starts_at: DateTime<Utc>,
    cancelled: bool,
}

impl ReadModel for Timelines {
    const NAME: &'static str = "timelines";
    const VERSION: u32 = 10;
    const CATEGORIES: &'static [&'static str] = &[
        PartyEvent::CATEGORY,
        InteractionEvent::CATEGORY,
        LeadEvent::CATEGORY,
        DealEvent::CATEGORY,
        TaskEvent::CATEGORY,
        CalendarEvent::CATEGORY,
        OrderEvent::CATEGORY,
        SaleEvent::CATEGORY,
        AccountEvent::CATEGORY,
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
            CrmEvent::Party(PartyEvent::Erased(_)) => self.erase(PartyId::from_uuid(id)),
            CrmEvent::Interaction(event) => self.apply_interaction(id, event, envelope),
            CrmEvent::Deal(event) => self.apply_deal(DealId::from_uuid(id), event, envelope),
            CrmEvent::Task(event) => self.apply_task(id, event, envelope),
            CrmEvent::Calendar(event) => self.apply_calendar(id, event, envelope),
            CrmEvent::Lead(event) => self.apply_lead(id, event, envelope),
            CrmEvent::Order(event) => self.apply_order(id, event, envelope),
            CrmEvent::Sale(SaleEvent::Imported(sale)) => {
                let title = format!("{}: {} {}", sale.number, sale.total.gross, sale.currency);
                let title = self.intern(&title);
                self.push(sale.party, envelope, EntryKind::SaleImported, title);
            }
            CrmEvent::Account(AccountEvent::PaymentReceived(payment)) => {
                let title = self.intern(&format!("{} {}", payment.amount, payment.currency));
                self.push(
                    PartyId::from_uuid(id),
                    envelope,
                    EntryKind::PaymentReceived,
                    title,
                );
            }
            _ => {}
        }
    }
}

impl Timelines {
    fn apply_order(&mut self, id: Uuid, event: &OrderEvent, envelope: &Envelope<'_>) {
        if let OrderEvent::Drafted(drafted) = event {
            self.orders.insert(id, drafted.party);
            return;
        }
        let Some(party) = self.orders.get(&id).copied() else {
            return;
        };
        let (kind, title) = match event {
            OrderEvent::Confirmed(confirmed) => (
                EntryKind::OrderConfirmed,
                format!("{} {}", confirmed.total.gross, confirmed.currency),
            ),
            OrderEvent::Shipped(shipped) => {
                let units: rust_decimal::Decimal = shipped.lines.iter().map(|l| l.quantity).sum();
                (EntryKind::OrderShipped, units.to_string())
            }
            OrderEvent::Invoiced(invoiced) => (
                EntryKind::OrderInvoiced,
                format!("{} {}", invoiced.total.gross, invoiced.currency),
            ),
            OrderEvent::Returned(returned) => (
                EntryKind::OrderReturned,
                format!("{} {}", returned.total.gross, returned.currency),
            ),
            OrderEvent::Cancelled(cancelled) => {
                (EntryKind::OrderCancelled, cancelled.reason.clone())
            }
            _ => return,
        };
        let title = self.intern(&title);
        self.push(party, envelope, kind, title);
    }

    fn intern(&mut self, title: &str) -> Arc<str> {
        if let Some(shared) = self.titles.get(title) {
            return shared.clone();
        }
        if self.titles.len() >= INTERNED_TITLES_MAX {
            self.titles.clear();
        }
        let shared: Arc<str> = Arc::from(title);
        self.titles.insert(shared.clone());
        shared
    }

    fn party_of(&self, link: Option<Link>) -> Option<PartyId> {
        match link? {
            Link::Party(party) => Some(party),
            Link::Deal(deal) => self.deals.get(&deal).map(|(party, _)| *party),
        }
    }

    fn push(&mut self, party: PartyId, envelope: &Envelope<'_>, kind: EntryKind, title: Arc<str>) {
        self.push_at(party, envelope.occurred_at, envelope, kind, title);
    }

    fn push_at(
        &mut self,
        party: PartyId,
        at: DateTime<Utc>,
        envelope: &Envelope<'_>,
        kind: EntryKind,
        title: Arc<str>,
    ) {
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
                arena[index as usize].title = Arc::from("");
            }
        } else {
            timeline.retain(|&index| {
                let gone = remove(&arena[index as usize]);
                if gone {
                    arena[index as usize].title = Arc::from("");
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
                let title = match &logged.subject {
                    Some(subject) => self.intern(subject),
                    None => self.intern(&summary(&logged.body)),
                };
                self.interactions.insert(id, logged.party);
                self.seal_about(logged.party, id);
                self.push(logged.party, envelope, kind, title);
            }
            InteractionEvent::Amended(amended) => {
                let title = match &amended.subject {
                    Some(subject) => self.intern(subject),
                    None => self.intern(&summary(&amended.body)),
                };
                if let Some(entry) = self.interaction_entry(id) {
                    entry.title = title;
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
                let title = self.intern(&scheduled.title);
                self.calendar.insert(
                    id,
                    CalendarLink {
                        party,
                        title: title.clone(),
                        starts_at: snapshot_time(scheduled.starts_at),
                        cancelled: false,
                    },
                );
                self.push_at(
                    party,
                    snapshot_time(scheduled.starts_at),
                    envelope,
                    EntryKind::CalendarEntry,
                    title,
                );
            }
            CalendarEvent::Rescheduled(rescheduled) => {
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                link.starts_at = snapshot_time(rescheduled.starts_at);
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
                let title = self.intern(&edited.title);
                let Some(link) = self.calendar.get_mut(&id) else {
                    return;
                };
                link.title = title.clone();
                let party = link.party;
                if let Some(entry) = self.entry_mut(party, id) {
                    entry.title = title;
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
            CalendarEvent::AttendeesChanged(_)
            | CalendarEvent::Completed(_)
            | CalendarEvent::ReminderSet(_)
            | CalendarEvent::ReminderFired(_) => {}
        }
    }

    fn apply_lead(&mut self, id: Uuid, event: &LeadEvent, envelope: &Envelope<'_>) {
        match event {
            LeadEvent::Captured(captured) => {
                let title = self.intern(&captured.title);
                self.leads.insert(id, title.clone());
                if let Some(party) = captured.party {
                    self.lead_parties.insert(id, party);
                    self.seal_about(party, id);
                    self.push(party, envelope, EntryKind::LeadCaptured, title);
                }
            }
            LeadEvent::Erased(_) => {
                let blank: Arc<str> = Arc::from("");
                if let Some(title) = self.leads.get_mut(&id) {
                    *title = blank.clone();
                }
                let party = self.lead_parties.get(&id).copied();
                if let Some(timeline) = party.and_then(|party| self.by_party.get(&party)) {
                    for &index in timeline {
                        let entry = &mut self.arena[index as usize];
                        if entry.source == id {
                            entry.title = blank.clone();
                        }
                    }
                }
            }
            LeadEvent::Converted(converted) => {
                self.lead_parties.insert(id, converted.party);
                self.seal_about(converted.party, id);
                let title = self.leads.remove(&id).unwrap_or_else(|| Arc::from(""));
                self.push(converted.party, envelope, EntryKind::LeadConverted, title);
            }
            _ => {}
        }
    }

    fn seal_about(&mut self, party: PartyId, record: Uuid) {
        let records = self.sealed_about.entry(party).or_default();
        if !records.contains(&record) {
            records.push(record);
        }
    }

    /// An erased party's timeline keeps its entries (orders, payments,
    /// deals stay in every figure) but loses what was personal: the texts
    /// of its interactions and leads.
    fn erase(&mut self, party: PartyId) {
        let personal = |kind: EntryKind| {
            matches!(
                kind,
                EntryKind::Call
                    | EntryKind::Email
                    | EntryKind::Meeting
                    | EntryKind::Note
                    | EntryKind::LeadCaptured
                    | EntryKind::LeadConverted
            )
        };
        let blank: Arc<str> = Arc::from("");
        if let Some(timeline) = self.by_party.get(&party) {
            for &index in timeline {
                let entry = &mut self.arena[index as usize];
                if personal(entry.kind) {
                    entry.title = blank.clone();
                }
            }
        }
        for record in self.sealed_about.get(&party).into_iter().flatten() {
            if let Some(title) = self.leads.get_mut(record) {
                *title = blank.clone();
            }
        }
    }

    /// The records about `party` sealed with their own keys (its
    /// interactions and the leads naming it), for erasure.
    pub fn sealed_about(&self, party: PartyId) -> &[Uuid] {
        self.sealed_about.get(&party).map_or(&[], Vec::as_slice)
    }

    fn interaction_entry(&mut self, id: Uuid) -> Option<&mut TimelineEntry> {
        let party = *self.interactions.get(&id)?;
        self.entry_mut(party, id)
    }

    fn apply_deal(&mut self, id: DealId, event: &DealEvent, envelope: &Envelope<'_>) {
        if let DealEvent::Opened(opened) = event {
            let title = self.intern(&opened.title);
            self.deals.insert(id, (opened.party, title));
        }
        if let DealEvent::Renamed(renamed) = event {
            let title = self.intern(&renamed.title);
            if let Some(deal) = self.deals.get_mut(&id) {
                deal.1 = title;
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
                    let title = self.intern(&created.title);
                    self.tasks.insert(id, (party, title.clone()));
                    self.push(party, envelope, EntryKind::TaskCreated, title);
                }
            }
            TaskEvent::Edited(edited) => {
                let title = self.intern(&edited.title);
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.1 = title;
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
