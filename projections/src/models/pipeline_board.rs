//! The pipeline board: pipelines with their stages, every deal, and the
//! open deals of each stage with their sums, plain and weighted by
//! probability, per currency; and the leads, open ones newest first.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{DealId, LeadId, PartyId, PipelineId, StageId, UserId};
use domain::parties::PartyEvent;
use domain::pipeline::{DealEvent, LeadEvent, PipelineEvent, StageDefinition};
use domain::values::{Currency, Money};
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    pub id: StageId,
    pub name: String,
    pub probability: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineRow {
    pub id: PipelineId,
    pub name: String,
    /// Active stages in board order.
    pub stages: Vec<StageRow>,
    pub retired: Vec<StageRow>,
}

impl PipelineRow {
    pub fn stage(&self, id: StageId) -> Option<&StageRow> {
        self.stages
            .iter()
            .chain(&self.retired)
            .find(|stage| stage.id == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealRow {
    pub id: DealId,
    pub title: String,
    pub party: PartyId,
    pub pipeline: PipelineId,
    pub stage: StageId,
    pub probability: u8,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    pub owner: UserId,
    pub lead: Option<LeadId>,
    pub status: DealStatus,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub opened_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub version: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeadStatus {
    Open,
    Disqualified,
    Converted { deal: DealId, party: PartyId },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: LeadId,
    pub title: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub party: Option<PartyId>,
    pub source: Option<String>,
    pub owner: UserId,
    pub status: LeadStatus,
    pub disqualified_reason: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub captured_at: DateTime<Utc>,
    /// Its latest event but an erasure, in business time: when the lead
    /// last saw activity.
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub changed_at: DateTime<Utc>,
    pub version: u64,
    /// Its personal data was erased (the lead's own erasure, or that of
    /// the party it names).
    pub erased: bool,
}

impl LeadRow {
    /// Blank texts, as the lead's events read once its key is gone.
    fn erase(&mut self) {
        self.title.clear();
        self.contact_name = None;
        self.company_name = None;
        self.email = None;
        self.phone = None;
        self.source = None;
        if let Some(reason) = self.disqualified_reason.as_mut() {
            reason.clear();
        }
        self.erased = true;
    }
}

/// Sums per currency.
pub type Totals = BTreeMap<Currency, Decimal>;

#[derive(Debug)]
pub struct Column<'a> {
    pub stage: &'a StageRow,
    /// The stage's open deals, largest amount first, at most the number
    /// of cards asked for.
    pub deals: Vec<&'a DealRow>,
    /// All open deals of the stage, not only those shown.
    pub count: usize,
    pub total: Totals,
    /// Amount × probability.
    pub weighted: Totals,
}

#[derive(Debug)]
pub struct Board<'a> {
    pub pipeline: &'a PipelineRow,
    pub columns: Vec<Column<'a>>,
}

/// Equality covers the derived indexes too, so a restore that rebuilds
/// them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PipelineBoard {
    pipelines: FxHashMap<PipelineId, PipelineRow>,
    deals: FxHashMap<DealId, DealRow>,
    leads: FxHashMap<LeadId, LeadRow>,
    #[serde(skip)]
    open: BTreeSet<(PipelineId, StageId, DealId)>,
    #[serde(skip)]
    open_leads: BTreeSet<(DateTime<Utc>, LeadId)>,
    #[serde(skip)]
    by_party: FxHashMap<PartyId, BTreeSet<DealId>>,
}

impl ReadModel for PipelineBoard {
    const NAME: &'static str = "pipeline_board";
    const VERSION: u32 = 6;
    const CATEGORIES: &'static [&'static str] = &[
        PipelineEvent::CATEGORY,
        DealEvent::CATEGORY,
        LeadEvent::CATEGORY,
        PartyEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Lead(event) => {
                self.apply_lead(LeadId::from_uuid(envelope.aggregate), event, envelope)
            }
            CrmEvent::Pipeline(event) => {
                self.apply_pipeline(PipelineId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::Deal(event) => {
                self.apply_deal(DealId::from_uuid(envelope.aggregate), event, envelope)
            }
            CrmEvent::Party(PartyEvent::Erased(_)) => {
                self.erase_leads_of(PartyId::from_uuid(envelope.aggregate));
            }
            _ => {}
        }
    }

    fn restored(&mut self) {
        let ids: Vec<DealId> = self.deals.keys().copied().collect();
        for id in ids {
            self.index(id);
        }
        self.open_leads = self
            .leads
            .values()
            .filter(|lead| lead.status == LeadStatus::Open)
            .map(|lead| (lead.captured_at, lead.id))
            .collect();
    }
}

fn stage_row(definition: &StageDefinition) -> StageRow {
    StageRow {
        id: definition.stage_id,
        name: definition.name.clone(),
        probability: definition.probability,
    }
}

impl PipelineBoard {
    fn apply_pipeline(&mut self, id: PipelineId, event: &PipelineEvent) {
        if let PipelineEvent::Defined(defined) = event {
            self.pipelines.insert(
                id,
                PipelineRow {
                    id,
                    name: defined.name.clone(),
                    stages: defined.stages.iter().map(stage_row).collect(),
                    retired: Vec::new(),
                },
            );
            return;
        }
        let Some(pipeline) = self.pipelines.get_mut(&id) else {
            return;
        };
        let position_of =
            |stages: &[StageRow], stage: StageId| stages.iter().position(|s| s.id == stage);
        match event {
            PipelineEvent::Defined(_) => {}
            PipelineEvent::Renamed(renamed) => pipeline.name = renamed.name.clone(),
            PipelineEvent::StageAdded(added) => {
                let at = (added.position as usize).min(pipeline.stages.len());
                pipeline.stages.insert(at, stage_row(&added.stage));
            }
            PipelineEvent::StageRenamed(renamed) => {
                if let Some(stage) = pipeline
                    .stages
                    .iter_mut()
                    .find(|s| s.id == renamed.stage_id)
                {
                    stage.name = renamed.name.clone();
                }
            }
            PipelineEvent::StageProbabilitySet(set) => {
                if let Some(stage) = pipeline.stages.iter_mut().find(|s| s.id == set.stage_id) {
                    stage.probability = set.probability;
                }
            }
            PipelineEvent::StageMoved(moved) => {
                if let Some(from) = position_of(&pipeline.stages, moved.stage_id) {
                    let stage = pipeline.stages.remove(from);
                    let at = (moved.position as usize).min(pipeline.stages.len());
                    pipeline.stages.insert(at, stage);
                }
            }
            PipelineEvent::StageRetired(retired) => {
                if let Some(from) = position_of(&pipeline.stages, retired.stage_id) {
                    let stage = pipeline.stages.remove(from);
                    pipeline.retired.push(stage);
                }
            }
        }
    }

    fn apply_deal(&mut self, id: DealId, event: &DealEvent, envelope: &Envelope<'_>) {
        self.unindex(id);
        if let DealEvent::Opened(opened) = event {
            self.deals.insert(
                id,
                DealRow {
                    id,
                    title: opened.title.clone(),
                    party: opened.party,
                    pipeline: opened.pipeline,
                    stage: opened.stage,
                    probability: opened.probability,
                    amount: opened.amount,
                    expected_close: opened.expected_close,
                    owner: opened.owner,
                    lead: opened.lead,
                    status: DealStatus::Open,
                    opened_at: envelope.occurred_at,
                    closed_at: None,
                    close_reason: None,
                    version: envelope.stream_version,
                },
            );
        } else if let Some(deal) = self.deals.get_mut(&id) {
            match event {
                DealEvent::Opened(_) => {}
                DealEvent::StageMoved(moved) => {
                    deal.stage = moved.to;
                    deal.probability = moved.probability;
                }
                DealEvent::ProbabilitySet(set) => deal.probability = set.probability,
                DealEvent::AmountChanged(changed) => deal.amount = changed.amount,
                DealEvent::ExpectedCloseChanged(changed) => {
                    deal.expected_close = changed.expected_close
                }
                DealEvent::OwnerAssigned(assigned) => deal.owner = assigned.owner,
                DealEvent::Renamed(renamed) => deal.title = renamed.title.clone(),
                DealEvent::Won(won) => {
                    deal.status = DealStatus::Won;
                    deal.amount = won.amount;
                    deal.closed_at = Some(envelope.occurred_at);
                    deal.close_reason = won.reason.clone();
                }
                DealEvent::Lost(lost) => {
                    deal.status = DealStatus::Lost;
                    deal.closed_at = Some(envelope.occurred_at);
                    deal.close_reason = Some(lost.reason.clone());
                }
                DealEvent::Reopened(reopened) => {
                    deal.status = DealStatus::Open;
                    deal.stage = reopened.stage;
                    deal.probability = reopened.probability;
                    deal.closed_at = None;
                    deal.close_reason = None;
                }
            }
            deal.version = envelope.stream_version;
        }
        self.index(id);
    }

    /// The leads whose personal data was erased.
    /// Every lead, in no particular order.
    pub fn leads(&self) -> impl Iterator<Item = &LeadRow> + '_ {
        self.leads.values()
    }

    pub fn erased_leads(&self) -> impl Iterator<Item = LeadId> + '_ {
        self.leads
            .values()
            .filter(|lead| lead.erased)
            .map(|lead| lead.id)
    }

    /// The leads naming an erased party lose their texts, as their events
    /// read once the leads' keys are destroyed (`app::erasure`).
    fn erase_leads_of(&mut self, party: PartyId) {
        for lead in self.leads.values_mut() {
            if lead.party == Some(party) {
                lead.erase();
            }
        }
    }

    fn apply_lead(&mut self, id: LeadId, event: &LeadEvent, envelope: &Envelope<'_>) {
        if let LeadEvent::Captured(captured) = event {
            self.leads.insert(
                id,
                LeadRow {
                    id,
                    title: captured.title.clone(),
                    contact_name: captured.contact_name.clone(),
                    company_name: captured.company_name.clone(),
                    email: captured.email.clone(),
                    phone: captured.phone.clone(),
                    party: captured.party,
                    source: captured.source.clone(),
                    owner: captured.owner,
                    status: LeadStatus::Open,
                    disqualified_reason: None,
                    captured_at: envelope.occurred_at,
                    changed_at: envelope.occurred_at,
                    version: envelope.stream_version,
                    erased: false,
                },
            );
            self.open_leads.insert((envelope.occurred_at, id));
            return;
        }
        let Some(lead) = self.leads.get_mut(&id) else {
            return;
        };
        match event {
            LeadEvent::Captured(_) => {}
            LeadEvent::OwnerAssigned(assigned) => lead.owner = assigned.owner,
            LeadEvent::Disqualified(disqualified) => {
                lead.status = LeadStatus::Disqualified;
                lead.disqualified_reason = Some(disqualified.reason.clone());
            }
            LeadEvent::Reopened(_) => {
                lead.status = LeadStatus::Open;
                lead.disqualified_reason = None;
            }
            LeadEvent::Converted(converted) => {
                lead.status = LeadStatus::Converted {
                    deal: converted.deal,
                    party: converted.party,
                };
                lead.party = Some(converted.party);
            }
            LeadEvent::Erased(_) => lead.erase(),
        }
        if !matches!(event, LeadEvent::Erased(_)) {
            lead.changed_at = lead.changed_at.max(envelope.occurred_at);
        }
        lead.version = envelope.stream_version;
        let key = (lead.captured_at, id);
        if lead.status == LeadStatus::Open {
            self.open_leads.insert(key);
        } else {
            self.open_leads.remove(&key);
        }
    }

    fn index(&mut self, id: DealId) {
        if let Some(deal) = self.deals.get(&id) {
            self.by_party.entry(deal.party).or_default().insert(id);
            if deal.status == DealStatus::Open {
                self.open.insert((deal.pipeline, deal.stage, id));
            }
        }
    }

    fn unindex(&mut self, id: DealId) {
        if let Some(deal) = self.deals.get(&id) {
            self.open.remove(&(deal.pipeline, deal.stage, id));
        }
    }

    pub fn pipelines(&self) -> Vec<&PipelineRow> {
        let mut pipelines: Vec<&PipelineRow> = self.pipelines.values().collect();
        pipelines.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        pipelines
    }

    pub fn pipeline(&self, id: PipelineId) -> Option<&PipelineRow> {
        self.pipelines.get(&id)
    }

    pub fn deal(&self, id: DealId) -> Option<&DealRow> {
        self.deals.get(&id)
    }

    pub fn lead(&self, id: LeadId) -> Option<&LeadRow> {
        self.leads.get(&id)
    }

    /// Open leads (of one owner, if given), newest first.
    pub fn open_leads(&self, owner: Option<UserId>, limit: usize) -> Vec<&LeadRow> {
        self.open_leads_page(None, limit, |lead| {
            owner.is_none_or(|owner| lead.owner == owner)
        })
        .0
    }

    /// A page of open leads, newest first, of those `keep` says yes to:
    /// the ones captured before `before` (a previous page's end), at most
    /// `limit`, and where the next page starts. A filter few leads pass
    /// walks much of the list to fill a page.
    pub fn open_leads_page(
        &self,
        before: Option<(DateTime<Utc>, LeadId)>,
        limit: usize,
        keep: impl Fn(&LeadRow) -> bool,
    ) -> (Vec<&LeadRow>, Option<(DateTime<Utc>, LeadId)>) {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let range = match before {
            Some(before) => self.open_leads.range(..before),
            None => self.open_leads.range(..),
        };
        let mut rows = Vec::with_capacity(limit);
        let mut next = None;
        for key in range.rev() {
            let Some(lead) = self.leads.get(&key.1) else {
                continue;
            };
            if !keep(lead) {
                continue;
            }
            if rows.len() == limit {
                next = rows
                    .last()
                    .map(|last: &&LeadRow| (last.captured_at, last.id));
                break;
            }
            rows.push(lead);
        }
        (rows, next)
    }

    /// A page of the open deals on `stage` of `pipeline`, newest first
    /// (deal ids are time-ordered), of those `keep` says yes to: the ones
    /// before `before` (a previous page's last), at most `limit`, and
    /// where the next page starts.
    pub fn stage_deals_page(
        &self,
        pipeline: PipelineId,
        stage: StageId,
        before: Option<DealId>,
        limit: usize,
        keep: impl Fn(&DealRow) -> bool,
    ) -> (Vec<&DealRow>, Option<DealId>) {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let first = DealId::from_uuid(uuid::Uuid::nil());
        let end = match before {
            Some(before) => Bound::Excluded((pipeline, stage, before)),
            None => Bound::Included((pipeline, stage, DealId::from_uuid(uuid::Uuid::max()))),
        };
        let mut rows = Vec::with_capacity(limit);
        let mut next = None;
        for (_, _, id) in self
            .open
            .range((Bound::Included((pipeline, stage, first)), end))
            .rev()
        {
            let Some(deal) = self.deals.get(id) else {
                continue;
            };
            if !keep(deal) {
                continue;
            }
            if rows.len() == limit {
                next = rows.last().map(|last: &&DealRow| last.id);
                break;
            }
            rows.push(deal);
        }
        (rows, next)
    }

    pub fn deal_count(&self) -> usize {
        self.deals.len()
    }

    /// Every deal of a party, newest first.
    pub fn deals_of(&self, party: PartyId) -> Vec<&DealRow> {
        let mut deals: Vec<&DealRow> = self
            .by_party
            .get(&party)
            .into_iter()
            .flatten()
            .filter_map(|id| self.deals.get(id))
            .collect();
        deals.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
        deals
    }

    /// The board of one pipeline: a column per active stage with its open
    /// deals (of one owner, if given), the largest `cards_per_stage` shown.
    pub fn board(
        &self,
        pipeline: PipelineId,
        owner: Option<UserId>,
        cards_per_stage: usize,
    ) -> Option<Board<'_>> {
        let row = self.pipelines.get(&pipeline)?;
        let columns = row
            .stages
            .iter()
            .map(|stage| {
                let nil = DealId::from_uuid(uuid::Uuid::nil());
                let mut deals: Vec<&DealRow> = self
                    .open
                    .range((pipeline, stage.id, nil)..)
                    .take_while(|(p, s, _)| *p == pipeline && *s == stage.id)
                    .filter_map(|(_, _, id)| self.deals.get(id))
                    .filter(|deal| owner.is_none_or(|owner| deal.owner == owner))
                    .collect();
                let mut total = Totals::new();
                let mut weighted = Totals::new();
                // Saturating: amounts are bounded when decided, but stored
                // history must never make a query panic.
                for deal in &deals {
                    let amount = deal.amount.amount();
                    let sum = total.entry(deal.amount.currency()).or_default();
                    *sum = sum.saturating_add(amount);
                    let share = amount.saturating_mul(Decimal::from(deal.probability))
                        / Decimal::ONE_HUNDRED;
                    let sum = weighted.entry(deal.amount.currency()).or_default();
                    *sum = sum.saturating_add(share);
                }
                let count = deals.len();
                deals.sort_by(|a, b| {
                    b.amount
                        .amount()
                        .cmp(&a.amount.amount())
                        .then(a.id.cmp(&b.id))
                });
                deals.truncate(cards_per_stage.min(crate::PAGE_ROWS_MAX));
                Column {
                    stage,
                    deals,
                    count,
                    total,
                    weighted,
                }
            })
            .collect();
        Some(Board {
            pipeline: row,
            columns,
        })
    }
}
