//! The sales funnel: for the deals opened in a period, how many reached
//! each stage, and the conversion from one stage to the next.
//!
//! Deals are counted in the bucket of the day they were opened (business
//! time), so the funnel of any period is a sum over day buckets. A deal
//! that skips stages passed them: moving to the fourth stage counts the
//! second and third as reached, by the stage order of the moment. A won
//! deal has reached every stage.
//!
//! A deal sells for its customer's branch as it was when the deal was
//! opened (as an order does, `app::orders`), so the funnel can be asked
//! for one branch: its days are kept again per branch. A deal whose
//! customer has no branch counts only in the company's funnel.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::ids::{BranchId, DealId, PartyId, PipelineId, StageId};
use domain::parties::PartyEvent;
use domain::pipeline::{DealEvent, PipelineEvent};
use domain::{CrmEvent, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::envelope::Envelope;
use crate::model::ReadModel;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DayFunnel {
    opened: i64,
    reached: BTreeMap<StageId, i64>,
    won: i64,
    lost: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TrackedDeal {
    pipeline: PipelineId,
    /// Its customer's branch when it was opened.
    branch: Option<BranchId>,
    opened: Day,
    reached: Vec<StageId>,
    won: bool,
    lost: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunnelStage {
    pub stage: StageId,
    pub reached: i64,
    /// Percent of the previous stage's deals that reached this one (of the
    /// opened deals for the first stage); `None` when the previous is 0.
    pub conversion_percent: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Funnel {
    pub opened: i64,
    pub stages: Vec<FunnelStage>,
    pub won: i64,
    pub lost: i64,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesFunnel {
    /// Active stages of each pipeline, in order.
    stages: FxHashMap<PipelineId, Vec<StageId>>,
    days: BTreeMap<(PipelineId, Day), DayFunnel>,
    /// The same, of the deals of each branch.
    branch_days: BTreeMap<(PipelineId, BranchId, Day), DayFunnel>,
    deals: FxHashMap<DealId, TrackedDeal>,
    /// Each customer's branch, as it is now.
    party_branches: FxHashMap<PartyId, BranchId>,
}

impl ReadModel for SalesFunnel {
    const NAME: &'static str = "sales_funnel";
    // 3: per branch.
    const VERSION: u32 = 3;
    const CATEGORIES: &'static [&'static str] = &[
        PipelineEvent::CATEGORY,
        DealEvent::CATEGORY,
        PartyEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Pipeline(event) => {
                self.apply_pipeline(PipelineId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::Deal(event) => self.apply_deal(
                DealId::from_uuid(envelope.aggregate),
                Day::of(envelope.occurred_at),
                event,
            ),
            CrmEvent::Party(event) => {
                let party = PartyId::from_uuid(envelope.aggregate);
                let branch = match event {
                    PartyEvent::Registered(registered) => registered.branch,
                    PartyEvent::BranchChanged(changed) => changed.branch,
                    _ => return,
                };
                match branch {
                    Some(branch) => self.party_branches.insert(party, branch),
                    None => self.party_branches.remove(&party),
                };
            }
            _ => {}
        }
    }
}

impl SalesFunnel {
    fn apply_pipeline(&mut self, id: PipelineId, event: &PipelineEvent) {
        let stages = self.stages.entry(id).or_default();
        match event {
            PipelineEvent::Defined(defined) => {
                *stages = defined.stages.iter().map(|stage| stage.stage_id).collect();
            }
            PipelineEvent::StageAdded(added) => {
                let at = (added.position as usize).min(stages.len());
                stages.insert(at, added.stage.stage_id);
            }
            PipelineEvent::StageMoved(moved) => {
                if let Some(from) = stages.iter().position(|stage| *stage == moved.stage_id) {
                    let stage = stages.remove(from);
                    let at = (moved.position as usize).min(stages.len());
                    stages.insert(at, stage);
                }
            }
            PipelineEvent::StageRetired(retired) => {
                stages.retain(|stage| *stage != retired.stage_id)
            }
            _ => {}
        }
    }

    /// Applies `change` to the day bucket of `deal`: the company's and,
    /// when the deal has one, its branch's.
    fn change_buckets(&mut self, deal: &TrackedDeal, change: impl Fn(&mut DayFunnel)) {
        change(self.days.entry((deal.pipeline, deal.opened)).or_default());
        if let Some(branch) = deal.branch {
            change(
                self.branch_days
                    .entry((deal.pipeline, branch, deal.opened))
                    .or_default(),
            );
        }
    }

    /// Marks `stage` and every active stage before it as reached.
    fn reach(&mut self, id: DealId, stage: Option<StageId>) {
        let Some(deal) = self.deals.get(&id) else {
            return;
        };
        let order = self
            .stages
            .get(&deal.pipeline)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let upto = match stage {
            Some(stage) => match order.iter().position(|s| *s == stage) {
                Some(index) => index + 1,
                None => 0,
            },
            None => order.len(),
        };
        let newly = order[..upto]
            .iter()
            .chain(stage.iter().filter(|stage| !order.contains(stage)))
            .filter(|stage| !deal.reached.contains(stage))
            .copied()
            .collect::<Vec<_>>();
        if newly.is_empty() {
            return;
        }
        let deal = deal.clone();
        self.change_buckets(&deal, |bucket| {
            for stage in &newly {
                *bucket.reached.entry(*stage).or_default() += 1;
            }
        });
        if let Some(deal) = self.deals.get_mut(&id) {
            deal.reached.extend(newly);
        }
    }

    fn apply_deal(&mut self, id: DealId, day: Day, event: &DealEvent) {
        match event {
            DealEvent::Opened(opened) => {
                let deal = TrackedDeal {
                    pipeline: opened.pipeline,
                    branch: self.party_branches.get(&opened.party).copied(),
                    opened: day,
                    reached: Vec::new(),
                    won: false,
                    lost: false,
                };
                self.change_buckets(&deal, |bucket| bucket.opened += 1);
                self.deals.insert(id, deal);
                self.reach(id, Some(opened.stage));
            }
            DealEvent::StageMoved(moved) => self.reach(id, Some(moved.to)),
            DealEvent::Reopened(reopened) => {
                if let Some(deal) = self.deals.get_mut(&id) {
                    let (won, lost) = (
                        std::mem::take(&mut deal.won),
                        std::mem::take(&mut deal.lost),
                    );
                    let deal = deal.clone();
                    self.change_buckets(&deal, |bucket| {
                        bucket.won -= i64::from(won);
                        bucket.lost -= i64::from(lost);
                    });
                }
                self.reach(id, Some(reopened.stage));
            }
            DealEvent::Won(_) => {
                self.reach(id, None);
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.won = true;
                    let deal = deal.clone();
                    self.change_buckets(&deal, |bucket| bucket.won += 1);
                }
            }
            DealEvent::Lost(_) => {
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.lost = true;
                    let deal = deal.clone();
                    self.change_buckets(&deal, |bucket| bucket.lost += 1);
                }
            }
            _ => {}
        }
    }

    /// The funnel of the deals of `pipeline` opened on the days `from..=to`.
    pub fn funnel(&self, pipeline: PipelineId, from: NaiveDate, to: NaiveDate) -> Funnel {
        self.funnel_in(pipeline, from, to, None)
    }

    /// [`Self::funnel`] of the deals of one branch (their customer's when
    /// opened), or of all.
    pub fn funnel_in(
        &self,
        pipeline: PipelineId,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<BranchId>,
    ) -> Funnel {
        let mut total = DayFunnel::default();
        let mut add = |day: &DayFunnel| {
            total.opened += day.opened;
            total.won += day.won;
            total.lost += day.lost;
            for (stage, count) in &day.reached {
                *total.reached.entry(*stage).or_default() += count;
            }
        };
        if from <= to {
            let (from, to) = (Day::from_date(from), Day::from_date(to));
            match branch {
                None => self
                    .days
                    .range((pipeline, from)..=(pipeline, to))
                    .for_each(|(_, day)| add(day)),
                Some(branch) => self
                    .branch_days
                    .range((pipeline, branch, from)..=(pipeline, branch, to))
                    .for_each(|(_, day)| add(day)),
            }
        }
        let mut previous = total.opened;
        let stages = self
            .stages
            .get(&pipeline)
            .into_iter()
            .flatten()
            .map(|stage| {
                let reached = total.reached.get(stage).copied().unwrap_or(0);
                let conversion_percent = (previous > 0).then(|| reached * 100 / previous);
                previous = reached;
                FunnelStage {
                    stage: *stage,
                    reached,
                    conversion_percent,
                }
            })
            .collect();
        Funnel {
            opened: total.opened,
            stages,
            won: total.won,
            lost: total.lost,
        }
    }
}
