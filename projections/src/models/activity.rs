//! Manager activity KPIs per day: calls, emails, meetings, notes, tasks
//! completed, deals opened, won and lost, and the amount won, per manager.
//!
//! Every figure lands in the bucket of the business day it happened
//! (`occurred_at`, UTC date), so a report for any range is a sum over
//! day buckets, and a backdated call counts on the day it was made. A
//! withdrawn interaction, a reopened task or a reopened deal takes its
//! figure back out of the day it was counted on.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::ids::{DealId, InteractionId, TaskId, UserId};
use domain::interactions::{InteractionEvent, InteractionKind};
use domain::pipeline::DealEvent;
use domain::planning::TaskEvent;
use domain::values::{Currency, Money};
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::envelope::Envelope;
use crate::id_index::IdIndex;
use crate::model::ReadModel;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub calls: i64,
    pub call_seconds: i64,
    pub emails: i64,
    pub meetings: i64,
    pub notes: i64,
    pub tasks_completed: i64,
    pub deals_opened: i64,
    pub deals_won: i64,
    pub deals_lost: i64,
    pub amount_won: BTreeMap<Currency, Decimal>,
}

impl Activity {
    /// True when every figure is zero (a day whose only activity was
    /// taken back).
    pub fn is_empty(&self) -> bool {
        *self == Activity::default()
    }

    /// Adds another total, as a report over several days or managers does.
    pub fn add(&mut self, other: &Activity) {
        self.calls += other.calls;
        self.call_seconds += other.call_seconds;
        self.emails += other.emails;
        self.meetings += other.meetings;
        self.notes += other.notes;
        self.tasks_completed += other.tasks_completed;
        self.deals_opened += other.deals_opened;
        self.deals_won += other.deals_won;
        self.deals_lost += other.deals_lost;
        for (currency, amount) in &other.amount_won {
            let sum = self.amount_won.entry(*currency).or_default();
            *sum = sum.saturating_add(*amount);
        }
        self.amount_won.retain(|_, amount| !amount.is_zero());
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Counted {
    Call { seconds: u32 },
    Email,
    Meeting,
    Note,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Logged {
    day: Day,
    user: UserId,
    counted: Counted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Outcome {
    Won {
        day: Day,
        owner: UserId,
        amount: Money,
    },
    Lost {
        day: Day,
        owner: UserId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TrackedDeal {
    owner: UserId,
    outcome: Option<Outcome>,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagerActivity {
    days: BTreeMap<Day, BTreeMap<UserId, Activity>>,
    interactions: IdIndex<InteractionId, Logged>,
    deals: FxHashMap<DealId, TrackedDeal>,
    completed_tasks: FxHashMap<TaskId, (Day, UserId)>,
}

impl ReadModel for ManagerActivity {
    const NAME: &'static str = "manager_activity";
    const VERSION: u32 = 3;
    const CATEGORIES: &'static [&'static str] = &[
        InteractionEvent::CATEGORY,
        DealEvent::CATEGORY,
        TaskEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let day = Day::of(envelope.occurred_at);
        match envelope.event {
            CrmEvent::Interaction(event) => {
                self.apply_interaction(InteractionId::from_uuid(envelope.aggregate), day, event)
            }
            CrmEvent::Deal(event) => {
                self.apply_deal(DealId::from_uuid(envelope.aggregate), day, event)
            }
            CrmEvent::Task(event) => {
                self.apply_task(TaskId::from_uuid(envelope.aggregate), day, event)
            }
            _ => {}
        }
    }
}

impl ManagerActivity {
    fn bucket(&mut self, day: Day, user: UserId) -> &mut Activity {
        self.days.entry(day).or_default().entry(user).or_default()
    }

    fn count_interaction(&mut self, logged: Logged, sign: i64) {
        let activity = self.bucket(logged.day, logged.user);
        match logged.counted {
            Counted::Call { seconds } => {
                activity.calls += sign;
                activity.call_seconds += sign * i64::from(seconds);
            }
            Counted::Email => activity.emails += sign,
            Counted::Meeting => activity.meetings += sign,
            Counted::Note => activity.notes += sign,
        }
    }

    fn apply_interaction(&mut self, id: InteractionId, day: Day, event: &InteractionEvent) {
        match event {
            InteractionEvent::Logged(logged) => {
                let counted = match &logged.kind {
                    InteractionKind::Call {
                        duration_seconds, ..
                    } => Counted::Call {
                        seconds: *duration_seconds,
                    },
                    InteractionKind::Email { .. } => Counted::Email,
                    InteractionKind::Meeting { .. } => Counted::Meeting,
                    InteractionKind::Note => Counted::Note,
                };
                let logged = Logged {
                    day,
                    user: logged.logged_by,
                    counted,
                };
                self.count_interaction(logged, 1);
                self.interactions.insert(id, logged);
            }
            InteractionEvent::Amended(_) => {}
            InteractionEvent::Withdrawn(_) => {
                if let Some(logged) = self.interactions.remove(&id) {
                    self.count_interaction(logged, -1);
                }
            }
        }
    }

    fn undo_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Won { day, owner, amount } => {
                let activity = self.bucket(day, owner);
                activity.deals_won -= 1;
                let sum = activity.amount_won.entry(amount.currency()).or_default();
                *sum = sum.saturating_sub(amount.amount());
                if sum.is_zero() {
                    activity.amount_won.remove(&amount.currency());
                }
            }
            Outcome::Lost { day, owner } => self.bucket(day, owner).deals_lost -= 1,
        }
    }

    fn apply_deal(&mut self, id: DealId, day: Day, event: &DealEvent) {
        match event {
            DealEvent::Opened(opened) => {
                self.bucket(day, opened.owner).deals_opened += 1;
                self.deals.insert(
                    id,
                    TrackedDeal {
                        owner: opened.owner,
                        outcome: None,
                    },
                );
            }
            DealEvent::OwnerAssigned(assigned) => {
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.owner = assigned.owner;
                }
            }
            DealEvent::Won(won) => {
                let Some(owner) = self.deals.get(&id).map(|deal| deal.owner) else {
                    return;
                };
                let activity = self.bucket(day, owner);
                activity.deals_won += 1;
                *activity
                    .amount_won
                    .entry(won.amount.currency())
                    .or_default() += won.amount.amount();
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.outcome = Some(Outcome::Won {
                        day,
                        owner,
                        amount: won.amount,
                    });
                }
            }
            DealEvent::Lost(_) => {
                let Some(owner) = self.deals.get(&id).map(|deal| deal.owner) else {
                    return;
                };
                self.bucket(day, owner).deals_lost += 1;
                if let Some(deal) = self.deals.get_mut(&id) {
                    deal.outcome = Some(Outcome::Lost { day, owner });
                }
            }
            DealEvent::Reopened(_) => {
                let outcome = self.deals.get_mut(&id).and_then(|deal| deal.outcome.take());
                if let Some(outcome) = outcome {
                    self.undo_outcome(outcome);
                }
            }
            _ => {}
        }
    }

    fn apply_task(&mut self, id: TaskId, day: Day, event: &TaskEvent) {
        match event {
            TaskEvent::Completed(completed) => {
                self.bucket(day, completed.completed_by).tasks_completed += 1;
                self.completed_tasks
                    .insert(id, (day, completed.completed_by));
            }
            TaskEvent::Reopened(_) => {
                if let Some((day, user)) = self.completed_tasks.remove(&id) {
                    self.bucket(day, user).tasks_completed -= 1;
                }
            }
            _ => {}
        }
    }

    /// Totals per manager over the days `from..=to`.
    pub fn by_manager(&self, from: NaiveDate, to: NaiveDate) -> BTreeMap<UserId, Activity> {
        let mut totals: BTreeMap<UserId, Activity> = BTreeMap::new();
        if from > to {
            return totals;
        }
        let (from, to) = (Day::from_date(from), Day::from_date(to));
        for managers in self.days.range(from..=to).map(|(_, managers)| managers) {
            for (user, activity) in managers {
                totals.entry(*user).or_default().add(activity);
            }
        }
        totals
    }

    /// One manager's (or everyone's) totals per day over `from..=to`;
    /// days without activity are left out.
    pub fn by_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        user: Option<UserId>,
    ) -> Vec<(NaiveDate, Activity)> {
        self.by_day_of(from, to, |manager| user.is_none_or(|user| user == manager))
    }

    /// [`Self::by_day`] summed over the managers `keep` says yes to (the
    /// managers of a branch, say).
    pub fn by_day_of(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        keep: impl Fn(UserId) -> bool,
    ) -> Vec<(NaiveDate, Activity)> {
        if from > to {
            return Vec::new();
        }
        self.days
            .range(Day::from_date(from)..=Day::from_date(to))
            .filter_map(|(day, managers)| {
                let mut total = Activity::default();
                let mut any = false;
                for (manager, activity) in managers {
                    if keep(*manager) {
                        total.add(activity);
                        any = true;
                    }
                }
                (any && !total.is_empty()).then_some((day.date(), total))
            })
            .collect()
    }

    /// Everyone's totals over `from..=to`.
    pub fn total(&self, from: NaiveDate, to: NaiveDate) -> Activity {
        let mut total = Activity::default();
        for activity in self.by_manager(from, to).values() {
            total.add(activity);
        }
        total
    }
}
