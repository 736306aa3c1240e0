//! The customer list: every party with its channels, tags and owner,
//! searchable by name, any channel value or tag, filtered and paged in
//! name order.
//!
//! Rows are what the snapshot stores; the search index (token → party) and
//! the name order are derived from rows and rebuilt after a restore.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use domain::channel::ChannelKind;
use domain::ids::{BranchId, ChannelId, PartyId, UserId};
use domain::parties::{CustomValue, PartyEvent, PartyNameData};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;
use crate::text;

/// Redirects followed from a merged party to its survivor, at most.
const MERGE_REDIRECTS_MAX: usize = 16;
/// A term whose tokens hold at most this many postings is searched
/// through the inverted index; when even the rarest term is commoner,
/// walking the list in name order fills a page sooner.
const SEARCH_POSTINGS_MAX: usize = 20_000;
/// Rows a list walk looks at for one page, at most: the page may then
/// hold fewer rows than asked, and its cursor goes on from there.
const SEARCH_SCAN_ROWS_MAX: usize = 20_000;

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
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Stream version of the last event applied: the ETag of the party.
    pub version: u64,
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

/// A customer list query.
#[derive(Clone, Debug, Default)]
pub struct CustomerQuery {
    /// Words matched as prefixes of a name, any channel value or a tag;
    /// every word must match.
    pub text: String,
    pub kind: Option<KindFilter>,
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
    /// Token → the parties holding it, ids sorted: an inverted index.
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
    const VERSION: u32 = 2;
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
                version: envelope.stream_version,
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
        );
        if reindex {
            self.unindex(id);
        }
        if let Some(row) = self.rows.get_mut(&id) {
            apply_to_row(row, event);
            row.updated_at = envelope.recorded_at;
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
        tokens.sort_unstable();
        by_name.sort_unstable();
        let mut postings: Vec<(Box<str>, Vec<PartyId>)> = Vec::new();
        for (token, id) in tokens {
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
    }
}

impl Customers {
    fn index(&mut self, id: PartyId) {
        if self.deferred {
            return;
        }
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        let tokens = row.tokens();
        for token in &tokens {
            let ids = self.postings.entry(token.clone()).or_default();
            if let Err(at) = ids.binary_search(&id) {
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
        for token in self.party_tokens.remove(&id).unwrap_or_default() {
            if let Some(ids) = self.postings.get_mut(&token) {
                if let Ok(at) = ids.binary_search(&id) {
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
        let matches = |id: &PartyId, row: &CustomerRow| {
            self.passes_filters(row, query) && self.has_terms(id, &terms)
        };
        let mut rows: Vec<&CustomerRow> = Vec::with_capacity(limit + 1);
        let mut scanned_to = None;
        match self.candidates(&terms) {
            Some(candidates) => {
                let mut found: Vec<&CustomerRow> = candidates
                    .into_iter()
                    .filter_map(|id| self.rows.get(&id).map(|row| (id, row)))
                    .filter(|(id, row)| matches(id, row))
                    .map(|(_, row)| row)
                    .filter(|row| match &after {
                        Some(after) => (row.sort_key.as_str(), row.id) > (&*after.0, after.1),
                        None => true,
                    })
                    .collect();
                found.sort_unstable_by(|a, b| (&a.sort_key, a.id).cmp(&(&b.sort_key, b.id)));
                rows.extend(found.into_iter().take(limit + 1));
            }
            None => {
                let start = match &after {
                    Some(after) => Bound::Excluded(after.clone()),
                    None => Bound::Unbounded,
                };
                for (scanned, (key, id)) in
                    self.by_name.range((start, Bound::Unbounded)).enumerate()
                {
                    if scanned >= SEARCH_SCAN_ROWS_MAX {
                        // Bounded work per page: the page ends here, and
                        // the cursor lets the next one go on from here.
                        scanned_to = Some(CustomerCursor {
                            sort_key: key.to_string(),
                            id: *id,
                        });
                        break;
                    }
                    let Some(row) = self.rows.get(id) else {
                        continue;
                    };
                    if matches(id, row) {
                        rows.push(row);
                        if rows.len() > limit {
                            break;
                        }
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

    /// The parties that may match `terms`, from the inverted index: the
    /// parties of the rarest term, narrowed by the others (by merging their
    /// sorted postings when small, by checking each party's tokens when
    /// not). `None` when even the rarest term is common: walking the list
    /// in name order then fills a page sooner.
    fn candidates(&self, terms: &[String]) -> Option<Vec<PartyId>> {
        let mut sized: Vec<(usize, &String)> = terms
            .iter()
            .map(|term| (self.prefix_size(term), term))
            .collect();
        sized.sort_unstable_by_key(|(size, term)| (*size, std::cmp::Reverse(term.len())));
        let (rarest_size, rarest) = sized.first()?;
        if *rarest_size > SEARCH_POSTINGS_MAX {
            return None;
        }
        let mut ids = self.prefix_ids(rarest);
        for (size, term) in &sized[1..] {
            if ids.is_empty() {
                break;
            }
            if *size <= SEARCH_POSTINGS_MAX && *size <= ids.len() * 8 {
                let other = self.prefix_ids(term);
                ids = intersect_sorted(&ids, &other);
            } else {
                ids.retain(|id| self.has_terms(id, std::slice::from_ref(*term)));
            }
        }
        Some(ids)
    }

    /// How many postings the tokens starting with `prefix` hold, counted up
    /// to just past [`SEARCH_POSTINGS_MAX`].
    fn prefix_size(&self, prefix: &str) -> usize {
        let mut size = 0;
        for (_, ids) in self.prefix_postings(prefix) {
            size += ids.len();
            if size > SEARCH_POSTINGS_MAX {
                break;
            }
        }
        size
    }

    /// The parties holding a token that starts with `prefix`, sorted.
    fn prefix_ids(&self, prefix: &str) -> Vec<PartyId> {
        let mut postings = self.prefix_postings(prefix);
        let Some((_, first)) = postings.next() else {
            return Vec::new();
        };
        let mut ids = first.clone();
        let mut merged = false;
        for (_, more) in postings {
            ids.extend_from_slice(more);
            merged = true;
        }
        if merged {
            ids.sort_unstable();
            ids.dedup();
        }
        ids
    }

    fn prefix_postings<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a Box<str>, &'a Vec<PartyId>)> {
        self.postings
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(token, _)| token.starts_with(prefix))
    }
}

/// The ids present in both sorted lists.
fn intersect_sorted(left: &[PartyId], right: &[PartyId]) -> Vec<PartyId> {
    let mut both = Vec::with_capacity(left.len().min(right.len()));
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(left[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
}
