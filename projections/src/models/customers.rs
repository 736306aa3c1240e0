//! The customer list: every party with its channels, tags and owner,
//! searchable by name, any channel value or tag, filtered and paged in
//! name order.
//!
//! Rows are what the snapshot stores; the search index (token → party) and
//! the name order are derived from rows and rebuilt after a restore.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use domain::channel::ChannelKind;
use domain::ids::{BranchId, ChannelId, PartyId, UserId};
use domain::parties::{CustomValue, PartyEvent, PartyNameData, PartyRoles};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;
use crate::text;

/// Redirects followed from a merged party to its survivor, at most.
const MERGE_REDIRECTS_MAX: usize = 16;
/// A term that starts more distinct tokens than this ("a", "1") is checked
/// row by row instead of merging its postings.
const SEARCH_TERM_TOKENS_MAX: usize = 4_096;
/// Rows (or join steps) one page looks at, at most: the page may then
/// hold fewer rows than asked, and its cursor goes on from there.
const SEARCH_SCAN_ROWS_MAX: usize = 5_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub value: String,
    pub label: Option<String>,
    pub primary: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerStatus {
    Active,
    Archived,
    Merged { into: PartyId },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: PartyId,
    pub name: PartyNameData,
    pub display_name: String,
    /// The display name lower-cased: the list's order.
    pub sort_key: String,
    pub company: Option<PartyId>,
    pub job_title: Option<String>,
    pub channels: Vec<ChannelRow>,
    pub tags: BTreeSet<String>,
    pub source: Option<String>,
    pub owner: UserId,
    pub branch: Option<BranchId>,
    pub custom_fields: BTreeMap<String, CustomValue>,
    pub status: CustomerStatus,
    pub absorbed: Vec<PartyId>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub registered_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub updated_at: DateTime<Utc>,
    /// Its latest event but an erasure, in business time: when its card
    /// last changed (retention rules read it).
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub changed_at: DateTime<Utc>,
    /// Stream version of the last event applied: the ETag of the party.
    pub version: u64,
    /// Its personal data was erased: names, channel addresses, tags and
    /// custom fields are blank, and search no longer finds it by them.
    pub erased: bool,
    /// Customer, supplier or both.
    pub roles: PartyRoles,
}

impl CustomerRow {
    pub fn is_person(&self) -> bool {
        self.name.is_person()
    }

    /// The primary channel of a kind.
    pub fn primary(&self, kind: ChannelKind) -> Option<&ChannelRow> {
        self.channels
            .iter()
            .find(|channel| channel.kind == kind && channel.primary)
    }

    fn tokens(&self) -> Vec<Box<str>> {
        let mut tokens = Vec::new();
        text::words(&self.display_name, &mut tokens);
        if let PartyNameData::Company {
            legal_name: Some(legal_name),
            ..
        } = &self.name
        {
            text::words(legal_name, &mut tokens);
        }
        for channel in &self.channels {
            text::channel_tokens(channel.kind, &channel.value, &mut tokens);
        }
        tokens.extend(self.tags.iter().map(|tag| tag.as_str().into()));
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }

    fn sort_key(&self) -> Box<str> {
        self.sort_key.as_str().into()
    }
}

/// Which parties a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Active,
    Archived,
    /// Active and archived (merged parties are never listed).
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFilter {
    Company,
    Person,
}

/// Parties by what they are to the company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleFilter {
    Customer,
    Supplier,
}

/// A customer list query.
#[derive(Clone, Debug, Default)]
pub struct CustomerQuery {
    /// Words matched as prefixes of a name, any channel value or a tag;
    /// every word must match.
    pub text: String,
    pub kind: Option<KindFilter>,
    pub role: Option<RoleFilter>,
    pub owner: Option<UserId>,
    pub branch: Option<BranchId>,
    pub tag: Option<String>,
    pub status: StatusFilter,
    /// Continue after this row (from the previous page).
    pub after: Option<CustomerCursor>,
    /// Rows wanted, at most [`crate::PAGE_ROWS_MAX`].
    pub limit: usize,
}

/// Where a page ended, in name order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerCursor {
    pub sort_key: String,
    pub id: PartyId,
}

#[derive(Debug)]
pub struct CustomerPage<'a> {
    pub rows: Vec<&'a CustomerRow>,
    /// Present when more rows follow.
    pub next: Option<CustomerCursor>,
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Customers {
    rows: FxHashMap<PartyId, CustomerRow>,
    /// Token → the parties holding it, in name order (sort key, id): an
    /// inverted index whose lists merge and intersect in list order, so a
    /// page of results needs no sorting.
    #[serde(skip)]
    postings: BTreeMap<Box<str>, Vec<PartyId>>,
    #[serde(skip)]
    by_name: BTreeSet<(Box<str>, PartyId)>,
    #[serde(skip)]
    party_tokens: FxHashMap<PartyId, Vec<Box<str>>>,
    #[serde(skip)]
    staff: FxHashMap<PartyId, BTreeSet<PartyId>>,
    /// While set, `apply` keeps rows only; `restored` builds the indexes.
    #[serde(skip)]
    deferred: bool,
}

impl ReadModel for Customers {
    const NAME: &'static str = "customers";
    const VERSION: u32 = 6;
    const CATEGORIES: &'static [&'static str] = &[PartyEvent::CATEGORY];
    // Large: a few snapshots only.
    const SNAPSHOTS_KEPT: usize = 4;

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let CrmEvent::Party(event) = envelope.event else {
            return;
        };
        let id = PartyId::from_uuid(envelope.aggregate);
        if let PartyEvent::Registered(registered) = event {
            let row = CustomerRow {
                id,
                display_name: registered.name.display_name(),
                sort_key: registered.name.display_name().to_lowercase(),
                name: registered.name.clone(),
                company: registered.company,
                job_title: registered.job_title.clone(),
                channels: Vec::new(),
                tags: BTreeSet::new(),
                source: registered.source.clone(),
                owner: registered.owner,
                branch: registered.branch,
                custom_fields: BTreeMap::new(),
                status: CustomerStatus::Active,
                absorbed: Vec::new(),
                registered_at: envelope.occurred_at,
                updated_at: envelope.recorded_at,
                changed_at: envelope.occurred_at,
                version: envelope.stream_version,
                erased: false,
                roles: PartyRoles::default(),
            };
            self.unindex(id);
            self.rows.insert(id, row);
            self.index(id);
            return;
        }
        let reindex = matches!(
            event,
            PartyEvent::Renamed(_)
                | PartyEvent::ChannelAdded(_)
                | PartyEvent::ChannelChanged(_)
                | PartyEvent::ChannelRemoved(_)
                | PartyEvent::Tagged(_)
                | PartyEvent::Untagged(_)
                | PartyEvent::JoinedCompany(_)
                | PartyEvent::LeftCompany(_)
                | PartyEvent::Erased(_)
        );
        if reindex {
            self.unindex(id);
        }
        if let Some(row) = self.rows.get_mut(&id) {
            apply_to_row(row, event);
            row.updated_at = envelope.recorded_at;
            if !matches!(event, PartyEvent::Erased(_)) {
                row.changed_at = row.changed_at.max(envelope.occurred_at);
            }
            row.version = envelope.stream_version;
        }
        if reindex {
            self.index(id);
        }
    }

    fn restored(&mut self) {
        // Built from sorted vectors in one pass rather than row by row.
        let mut tokens = Vec::new();
        let mut by_name = Vec::with_capacity(self.rows.len());
        let mut party_tokens =
            FxHashMap::with_capacity_and_hasher(self.rows.len(), Default::default());
        let mut staff: FxHashMap<PartyId, BTreeSet<PartyId>> = FxHashMap::default();
        for (id, row) in &self.rows {
            let row_tokens = row.tokens();
            tokens.extend(row_tokens.iter().map(|token| (token.clone(), *id)));
            party_tokens.insert(*id, row_tokens);
            by_name.push((row.sort_key(), *id));
            if let Some(company) = row.company {
                staff.entry(company).or_default().insert(*id);
            }
        }
        by_name.sort_unstable();
        // Rank in name order, so postings sort by cheap integers.
        let rank: FxHashMap<PartyId, u32> = by_name
            .iter()
            .enumerate()
            .map(|(rank, (_, id))| (*id, u32::try_from(rank).unwrap_or(u32::MAX)))
            .collect();
        let mut ranked: Vec<(Box<str>, u32, PartyId)> = tokens
            .into_iter()
            .map(|(token, id)| {
                let rank = rank.get(&id).copied().unwrap_or(u32::MAX);
                (token, rank, id)
            })
            .collect();
        ranked.sort_unstable();
        let mut postings: Vec<(Box<str>, Vec<PartyId>)> = Vec::new();
        for (token, _, id) in ranked {
            match postings.last_mut() {
                Some((last, ids)) if *last == token => ids.push(id),
                _ => postings.push((token, vec![id])),
            }
        }
        self.postings = postings.into_iter().collect();
        self.by_name = by_name.into_iter().collect();
        self.party_tokens = party_tokens;
        self.staff = staff;
        self.deferred = false;
    }

    fn defer_indexes(&mut self) {
        self.deferred = true;
    }
}

fn apply_to_row(row: &mut CustomerRow, event: &PartyEvent) {
    match event {
        PartyEvent::Registered(_) => {}
        PartyEvent::Renamed(renamed) => {
            row.name = renamed.name.clone();
            row.display_name = renamed.name.display_name();
            row.sort_key = row.display_name.to_lowercase();
        }
        PartyEvent::JoinedCompany(joined) => {
            row.company = Some(joined.company);
            row.job_title = joined.job_title.clone();
        }
        PartyEvent::LeftCompany(_) => {
            row.company = None;
            row.job_title = None;
        }
        PartyEvent::ChannelAdded(added) => row.channels.push(ChannelRow {
            id: added.channel_id,
            kind: added.kind,
            value: added.value.clone(),
            label: added.label.clone(),
            primary: false,
        }),
        PartyEvent::ChannelChanged(changed) => {
            if let Some(channel) = row.channels.iter_mut().find(|c| c.id == changed.channel_id) {
                channel.value = changed.value.clone();
                channel.label = changed.label.clone();
            }
        }
        PartyEvent::ChannelRemoved(removed) => {
            row.channels
                .retain(|channel| channel.id != removed.channel_id);
        }
        PartyEvent::PrimaryChannelSet(set) => {
            let kind = row
                .channels
                .iter()
                .find(|channel| channel.id == set.channel_id)
                .map(|channel| channel.kind);
            for channel in &mut row.channels {
                if Some(channel.kind) == kind {
                    channel.primary = channel.id == set.channel_id;
                }
            }
        }
        PartyEvent::Tagged(tagged) => {
            row.tags.insert(tagged.tag.clone());
        }
        PartyEvent::Untagged(untagged) => {
            row.tags.remove(&untagged.tag);
        }
        PartyEvent::SourceSet(set) => row.source = set.source.clone(),
        PartyEvent::OwnerAssigned(assigned) => row.owner = assigned.owner,
        PartyEvent::BranchChanged(changed) => row.branch = changed.branch,
        PartyEvent::CustomFieldSet(set) => {
            row.custom_fields.insert(set.key.clone(), set.value.clone());
        }
        PartyEvent::CustomFieldCleared(cleared) => {
            row.custom_fields.remove(&cleared.key);
        }
        PartyEvent::Archived(_) => row.status = CustomerStatus::Archived,
        PartyEvent::Restored(_) => row.status = CustomerStatus::Active,
        PartyEvent::Merged(merged) => row.status = CustomerStatus::Merged { into: merged.into },
        PartyEvent::DuplicateAbsorbed(absorbed) => {
            if !row.absorbed.contains(&absorbed.duplicate) {
                row.absorbed.push(absorbed.duplicate);
            }
        }
        PartyEvent::Erased(_) => erase(row),
        PartyEvent::RolesSet(set) => row.roles = set.roles,
    }
}

/// An erased customer, as the party's own state reads it
/// (`domain::parties`): the same whether its history was folded before
/// its key was destroyed or after.
fn erase(row: &mut CustomerRow) {
    row.name = row.name.blanked();
    row.display_name.clear();
    row.sort_key.clear();
    row.job_title = None;
    row.source = None;
    for channel in &mut row.channels {
        channel.value.clear();
        channel.label = None;
    }
    row.tags.clear();
    row.custom_fields.clear();
    row.erased = true;
}

impl Customers {
    /// The parties whose personal data was erased.
    pub fn erased(&self) -> impl Iterator<Item = PartyId> + '_ {
        self.rows
            .values()
            .filter(|row| row.erased)
            .map(|row| row.id)
    }

    fn index(&mut self, id: PartyId) {
        if self.deferred {
            return;
        }
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        let tokens = row.tokens();
        let key = (row.sort_key.as_str(), id);
        for token in &tokens {
            let ids = self.postings.entry(token.clone()).or_default();
            let at = ids.partition_point(|other| name_key(&self.rows, *other) < key);
            if ids.get(at) != Some(&id) {
                ids.insert(at, id);
            }
        }
        self.party_tokens.insert(id, tokens);
        self.by_name.insert((row.sort_key(), id));
        if let Some(company) = row.company {
            self.staff.entry(company).or_default().insert(id);
        }
    }

    fn unindex(&mut self, id: PartyId) {
        if self.deferred {
            return;
        }
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        // The row still has the sort key its postings were placed by.
        let key = (row.sort_key.as_str(), id);
        for token in self.party_tokens.remove(&id).unwrap_or_default() {
            if let Some(ids) = self.postings.get_mut(&token) {
                let at = ids.partition_point(|other| name_key(&self.rows, *other) < key);
                if ids.get(at) == Some(&id) {
                    ids.remove(at);
                }
                if ids.is_empty() {
                    self.postings.remove(&token);
                }
            }
        }
        self.by_name.remove(&(row.sort_key(), id));
        if let Some(company) = row.company {
            if let Some(staff) = self.staff.get_mut(&company) {
                staff.remove(&id);
                if staff.is_empty() {
                    self.staff.remove(&company);
                }
            }
        }
    }

    /// Every party ever registered, merged or not.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every row, in no particular order.
    pub fn rows(&self) -> impl Iterator<Item = &CustomerRow> {
        self.rows.values()
    }

    /// One party by id, as stored (a merged party shows its redirect).
    pub fn get(&self, id: PartyId) -> Option<&CustomerRow> {
        self.rows.get(&id)
    }

    /// One party by id, following merge redirects to the survivor.
    pub fn resolve(&self, id: PartyId) -> Option<&CustomerRow> {
        let mut row = self.rows.get(&id)?;
        for _ in 0..MERGE_REDIRECTS_MAX {
            match row.status {
                CustomerStatus::Merged { into } => row = self.rows.get(&into)?,
                _ => return Some(row),
            }
        }
        Some(row)
    }

    /// The people working for a company, in name order.
    pub fn staff_of(&self, company: PartyId) -> Vec<&CustomerRow> {
        let mut staff: Vec<&CustomerRow> = self
            .staff
            .get(&company)
            .into_iter()
            .flatten()
            .filter_map(|id| self.rows.get(id))
            .filter(|row| !matches!(row.status, CustomerStatus::Merged { .. }))
            .collect();
        staff.sort_by(|a, b| a.sort_key.cmp(&b.sort_key).then(a.id.cmp(&b.id)));
        staff
    }

    /// A page of the list in name order, matching the query.
    pub fn search(&self, query: &CustomerQuery) -> CustomerPage<'_> {
        let limit = query.limit.clamp(1, crate::PAGE_ROWS_MAX);
        let terms = text::query_terms(&query.text);
        let after = query
            .after
            .as_ref()
            .map(|cursor| (cursor.sort_key.clone().into_boxed_str(), cursor.id));
        let mut rows: Vec<&CustomerRow> = Vec::with_capacity(limit + 1);
        let mut scanned_to = None;
        // Terms whose tokens are few walk their postings in name order; a
        // term matching very many tokens ("a") is checked row by row.
        let (narrow, wide): (Vec<_>, Vec<_>) = terms
            .iter()
            .map(|term| (term, self.term_lists(term)))
            .partition(|(_, lists)| lists.is_some());
        let wide: Vec<String> = wide.into_iter().map(|(term, _)| term.clone()).collect();
        let key = |id: PartyId| name_key(&self.rows, id);
        let mut narrow: Vec<TermCursor<'_>> = narrow
            .into_iter()
            .filter_map(|(_, lists)| lists)
            .map(|lists| TermCursor::new(lists, key))
            .collect();
        if narrow.is_empty() {
            let start = match &after {
                Some(after) => Bound::Excluded(after.clone()),
                None => Bound::Unbounded,
            };
            for (scanned, (key, id)) in self.by_name.range((start, Bound::Unbounded)).enumerate() {
                if scanned >= SEARCH_SCAN_ROWS_MAX {
                    // Bounded work per page: the page ends here, and the
                    // cursor lets the next one go on from here.
                    scanned_to = Some(CustomerCursor {
                        sort_key: key.to_string(),
                        id: *id,
                    });
                    break;
                }
                let Some(row) = self.rows.get(id) else {
                    continue;
                };
                if self.passes_filters(row, query) && self.has_terms(id, &wide) {
                    rows.push(row);
                    if rows.len() > limit {
                        break;
                    }
                }
            }
        } else {
            if let Some(after) = &after {
                let after = (&*after.0, after.1);
                for cursor in &mut narrow {
                    cursor.seek(|candidate| key(candidate) > after, key);
                }
            }
            // A leapfrog join: every cursor moves to the greatest head
            // until all agree on one party, which then matches every term.
            let mut steps = 0;
            while let Some(heads) = narrow
                .iter()
                .map(TermCursor::head)
                .collect::<Option<Vec<_>>>()
            {
                let Some(&highest) = heads.iter().max_by_key(|id| key(**id)) else {
                    break;
                };
                steps += 1;
                if steps > SEARCH_SCAN_ROWS_MAX {
                    let (sort_key, id) = key(highest);
                    scanned_to = Some(CustomerCursor {
                        sort_key: sort_key.to_owned(),
                        id,
                    });
                    break;
                }
                let target = key(highest);
                if heads.iter().all(|id| *id == highest) {
                    if let Some(row) = self.rows.get(&highest) {
                        if self.passes_filters(row, query) && self.has_terms(&highest, &wide) {
                            rows.push(row);
                            if rows.len() > limit {
                                break;
                            }
                        }
                    }
                    for cursor in &mut narrow {
                        cursor.seek(|candidate| key(candidate) > target, key);
                    }
                } else {
                    for cursor in &mut narrow {
                        cursor.seek(|candidate| key(candidate) >= target, key);
                    }
                }
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| CustomerCursor {
                sort_key: row.sort_key.clone(),
                id: row.id,
            })
        } else {
            scanned_to
        };
        CustomerPage { rows, next }
    }

    fn passes_filters(&self, row: &CustomerRow, query: &CustomerQuery) -> bool {
        let status_ok = match (row.status, query.status) {
            (CustomerStatus::Merged { .. }, _) => false,
            (_, StatusFilter::All) => true,
            (CustomerStatus::Active, StatusFilter::Active) => true,
            (CustomerStatus::Archived, StatusFilter::Archived) => true,
            _ => false,
        };
        status_ok
            && query
                .kind
                .is_none_or(|kind| (kind == KindFilter::Person) == row.is_person())
            && query.role.is_none_or(|role| match role {
                RoleFilter::Customer => row.roles.customer,
                RoleFilter::Supplier => row.roles.supplier,
            })
            && query.owner.is_none_or(|owner| owner == row.owner)
            && query.branch.is_none_or(|branch| Some(branch) == row.branch)
            && query
                .tag
                .as_ref()
                .is_none_or(|tag| row.tags.contains(&tag.to_lowercase()))
    }

    fn has_terms(&self, id: &PartyId, terms: &[String]) -> bool {
        if terms.is_empty() {
            return true;
        }
        let Some(tokens) = self.party_tokens.get(id) else {
            return false;
        };
        terms.iter().all(|term| {
            let start = tokens.partition_point(|token| token.as_ref() < term.as_str());
            tokens
                .get(start)
                .is_some_and(|token| token.starts_with(term.as_str()))
        })
    }

    /// The postings of every token starting with `term`, or `None` when
    /// there are too many such tokens to merge (the term is then checked
    /// row by row).
    fn term_lists(&self, term: &str) -> Option<Vec<&[PartyId]>> {
        let mut lists = Vec::new();
        for (_, ids) in self
            .postings
            .range::<str, _>((Bound::Included(term), Bound::Unbounded))
            .take_while(|(token, _)| token.starts_with(term))
        {
            if lists.len() >= SEARCH_TERM_TOKENS_MAX {
                return None;
            }
            lists.push(ids.as_slice());
        }
        Some(lists)
    }
}

/// A party's place in name order.
fn name_key(rows: &FxHashMap<PartyId, CustomerRow>, id: PartyId) -> (&str, PartyId) {
    (rows.get(&id).map_or("", |row| row.sort_key.as_str()), id)
}

/// The parties of one search term in name order: a merge of the postings
/// of the tokens that start with it, through a heap of list heads, so
/// moving on touches only the lists that are behind.
struct TermCursor<'a> {
    lists: Vec<&'a [PartyId]>,
    /// (head's name key, list index), smallest first.
    heads: BinaryHeap<Reverse<((&'a str, PartyId), usize)>>,
}

impl<'a> TermCursor<'a> {
    fn new(lists: Vec<&'a [PartyId]>, key: impl Fn(PartyId) -> (&'a str, PartyId)) -> Self {
        let heads = lists
            .iter()
            .enumerate()
            .filter_map(|(index, list)| list.first().map(|id| Reverse((key(*id), index))))
            .collect();
        Self { lists, heads }
    }

    /// The first party not yet passed, in name order.
    fn head(&self) -> Option<PartyId> {
        self.heads.peek().map(|Reverse(((_, id), _))| *id)
    }

    /// Passes every party for which `reached` is false (`reached` is
    /// monotonic along a list: false, then true).
    fn seek(
        &mut self,
        reached: impl Fn(PartyId) -> bool,
        key: impl Fn(PartyId) -> (&'a str, PartyId),
    ) {
        while let Some(Reverse(((_, id), index))) = self.heads.peek().copied() {
            if reached(id) {
                return;
            }
            self.heads.pop();
            let list = &mut self.lists[index];
            let skip = list.partition_point(|id| !reached(*id));
            *list = &list[skip..];
            if let Some(next) = list.first() {
                self.heads.push(Reverse((key(*next), index)));
            }
        }
    }
}
