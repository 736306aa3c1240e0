//! The sales funnel: for the deals opened in a period, how many reached
//! each stage, and the conversion from one stage to the next.
//!
//! Deals are counted in the bucket of the day they were opened (business
//! time), so the funnel of any period is a sum over day buckets. A deal
//! that skips stages passed them: moving to the fourth stage counts the
//! second and third as reached, by the stage order of the moment. A won
//! deal has reached every stage.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::ids::{DealId, PipelineId, StageId};
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
    deals: FxHashMap<DealId, TrackedDeal>,
}

impl ReadModel for SalesFunnel {
    const NAME: &'static str = "sales_funnel";
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &[PipelineEvent::CATEGORY, DealEvent::CATEGORY];

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

    /// Marks `stage` and every active stage before it as reached.
    fn reach(&mut self, id: DealId, stage: Option<StageId>) {
        let Some(deal) = self.deals.get_mut(&id) else {
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
        let bucket = self.days.entry((deal.pipeline, deal.opened)).or_default();
        let newly = order[..upto]
            .iter()
            .chain(stage.iter().filter(|stage| !order.contains(stage)))
            .filter(|stage| !deal.reached.contains(stage))
            .copied()
            .collect::<Vec<_>>();
        for stage in newly {
            deal.reached.push(stage);
            *bucket.reached.entry(stage).or_default() += 1;
        }
    }

    fn apply_deal(&mut self, id: DealId, day: Day, event: &DealEvent) {
        match event {
            DealEvent::Opened(opened) => {
                self.deals.insert(
                    id,
                    TrackedDeal {
                        pipeline: opened.pipeline,
                        opened: day,
                        reached: Vec::new(),
                        won: false,
                        lost: false,
                    },
                );
                if let Some(deal) = self.deals.get(&id) {
                    self.days.entry((deal.pipeline, day)).or_default().opened += 1;
                }
                self.reach(id, Some(opened.stage));
            }
            DealEvent::StageMoved(moved) => self.reach(id, Some(moved.to)),
            DealEvent::Reopened(reopened) => {
                if let Some(deal) = self.deals.get_mut(&id) {
                    let bucket = self.days.entry((deal.pipeline, deal.opened)).or_default();
                    if std::mem::take(&mut deal.won) {
                        bucket.won -= 1;
                    }
                    if std::mem::take(&mut deal.lost) {
                        bucket.lost -= 1;
                    }
                }
                self.reach(id, Some(reopened.stage));
            }
            DealEvent::Won(_) => {
                self.reach(id, None);
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.won = true;
                    self.days
                        .entry((deal.pipeline, deal.opened))
                        .or_default()
                        .won += 1;
                }
            }
            DealEvent::Lost(_) => {
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.lost = true;
                    self.days
                        .entry((deal.pipeline, deal.opened))
                        .or_default()
                        .lost += 1;
                }
            }
            _ => {}
        }
    }

    /// The funnel of the deals of `pipeline` opened on the days `from..=to`.
    pub fn funnel(&self, pipeline: PipelineId, from: NaiveDate, to: NaiveDate) -> Funnel {
        let mut total = DayFunnel::default();
        if from <= to {
            let (from, to) = (Day::from_date(from), Day::from_date(to));
            for (_, day) in self.days.range((pipeline, from)..=(pipeline, to)) {
                total.opened += day.opened;
                total.won += day.won;
                total.lost += day.lost;
                for (stage, count) in &day.reached {
                    *total.reached.entry(*stage).or_default() += count;
                }
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
