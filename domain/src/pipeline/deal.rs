//! Deals: a sale being worked on, from its first stage until it is won or
//! lost.
//!
//! A deal is one stream, `deal-<id>`. It belongs to one party and sits on
//! one stage of one pipeline, with an amount, a probability of winning, an
//! expected close date and an owner. Won and lost deals are closed and
//! refuse changes until reopened onto a stage. The deal decider never reads
//! the pipeline: the application resolves the stage into a [`StageRef`]
//! from the pipeline's state, and the command names the pipeline, so a
//! deal cannot be moved onto another pipeline's stage by mistake.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::board::{Probability, StageRef};
use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{LeadId, PartyId, PipelineId, StageId, UserId};
use crate::values::{Label, Money};

const ENTITY: &str = "deal";

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealOpened {
    pub title: String,
    pub party: PartyId,
    pub pipeline: PipelineId,
    pub stage: StageId,
    /// The probability of winning, in percent.
    pub probability: u8,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    pub owner: UserId,
    /// The lead the deal was converted from, if any.
    pub lead: Option<LeadId>,
}

/// The deal moved between stages of its pipeline and took `probability`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealStageMoved {
    pub from: StageId,
    pub to: StageId,
    pub probability: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealProbabilitySet {
    pub probability: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealAmountChanged {
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealExpectedCloseChanged {
    pub expected_close: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealOwnerAssigned {
    pub owner: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealRenamed {
    pub title: String,
}

/// The deal was won for the final `amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealWon {
    pub amount: Money,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealLost {
    pub reason: String,
}

/// A closed deal is open again, on `stage` with `probability`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealReopened {
    pub stage: StageId,
    pub probability: u8,
}

domain_events! {
    /// Everything that can happen to a deal.
    pub enum DealEvent in "deal" {
        Opened(DealOpened) = "DealOpened" v 1,
        StageMoved(DealStageMoved) = "DealStageMoved" v 1,
        ProbabilitySet(DealProbabilitySet) = "DealProbabilitySet" v 1,
        AmountChanged(DealAmountChanged) = "DealAmountChanged" v 1,
        ExpectedCloseChanged(DealExpectedCloseChanged) = "DealExpectedCloseChanged" v 1,
        OwnerAssigned(DealOwnerAssigned) = "DealOwnerAssigned" v 1,
        Renamed(DealRenamed) = "DealRenamed" v 1,
        Won(DealWon) = "DealWon" v 1,
        Lost(DealLost) = "DealLost" v 1,
        Reopened(DealReopened) = "DealReopened" v 1,
    }
}

// -------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDeal {
    pub title: Label,
    pub party: PartyId,
    pub pipeline: PipelineId,
    /// A stage of `pipeline`, resolved from its state.
    pub stage: StageRef,
    /// `None` takes the stage's default probability.
    pub probability: Option<Probability>,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    pub owner: UserId,
    pub lead: Option<LeadId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DealCommand {
    Open(OpenDeal),
    MoveToStage {
        /// Must be the deal's pipeline.
        pipeline: PipelineId,
        stage: StageRef,
        /// `None` takes the stage's default probability.
        probability: Option<Probability>,
    },
    SetProbability(Probability),
    ChangeAmount(Money),
    ChangeExpectedClose(Option<NaiveDate>),
    AssignOwner(UserId),
    Rename {
        title: Label,
    },
    Win {
        /// The final amount; `None` keeps the deal's current amount.
        amount: Option<Money>,
        reason: Option<Label>,
    },
    Lose {
        reason: Label,
    },
    Reopen {
        /// Must be the deal's pipeline.
        pipeline: PipelineId,
        stage: StageRef,
        /// `None` takes the stage's default probability.
        probability: Option<Probability>,
    },
}

// ----------------------------------------------------------------- state

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DealStatus {
    #[default]
    Open,
    Won,
    Lost,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealState {
    pub title: String,
    pub party: PartyId,
    pub pipeline: PipelineId,
    pub stage: StageId,
    /// In percent.
    pub probability: u8,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    pub owner: UserId,
    pub lead: Option<LeadId>,
    pub status: DealStatus,
    /// Why the deal was won or lost, while it is closed.
    pub close_reason: Option<String>,
}

impl DealState {
    /// Won or lost.
    pub fn is_closed(&self) -> bool {
        self.status != DealStatus::Open
    }
}

/// The deal decider. State is `None` until the deal is opened.
#[derive(Debug)]
pub struct Deal;

impl Decider for Deal {
    type State = Option<DealState>;
    type Command = Issued<DealCommand>;
    type Event = DealEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<DealEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let DealCommand::Open(open) = command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(already_opened());
        }
        Ok(vec![DealEvent::Opened(DealOpened {
            title: open.title.as_str().to_owned(),
            party: open.party,
            pipeline: open.pipeline,
            stage: open.stage.stage,
            probability: probability_on(&open.stage, open.probability),
            amount: open.amount,
            expected_close: open.expected_close,
            owner: open.owner,
            lead: open.lead,
        })])
    }

    fn evolve(state: Self::State, event: &DealEvent) -> Self::State {
        let DealEvent::Opened(opened) = event else {
            return state.map(|mut deal| {
                evolve_existing(&mut deal, event);
                deal
            });
        };
        Some(DealState {
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
            close_reason: None,
        })
    }
}

/// The probability a deal takes on entering `stage`: the command's, or
/// else the stage's default.
fn probability_on(stage: &StageRef, chosen: Option<Probability>) -> u8 {
    chosen
        .unwrap_or_else(|| Probability::from_recorded(stage.default_probability))
        .percent()
}

fn already_opened() -> DomainError {
    DomainError::rejected("deal.already_opened", "this deal is already open")
}

fn ensure_same_pipeline(deal: &DealState, pipeline: PipelineId) -> Result<(), DomainError> {
    if deal.pipeline == pipeline {
        return Ok(());
    }
    Err(DomainError::rejected(
        "deal.wrong_pipeline",
        format!(
            "this deal is on the pipeline {}; the stage belongs to {pipeline}",
            deal.pipeline
        ),
    ))
}

fn decide_existing(deal: &DealState, command: &DealCommand) -> Result<Vec<DealEvent>, DomainError> {
    let reopens = matches!(command, DealCommand::Reopen { .. });
    if deal.is_closed() && !reopens {
        let outcome = if deal.status == DealStatus::Won {
            "won"
        } else {
            "lost"
        };
        return Err(DomainError::rejected(
            "deal.closed",
            format!("this deal is {outcome}; reopen it first"),
        ));
    }
    let events = match command {
        DealCommand::Open(_) => return Err(already_opened()),
        DealCommand::MoveToStage {
            pipeline,
            stage,
            probability,
        } => {
            ensure_same_pipeline(deal, *pipeline)?;
            if stage.stage != deal.stage {
                vec![DealEvent::StageMoved(DealStageMoved {
                    from: deal.stage,
                    to: stage.stage,
                    probability: probability_on(stage, *probability),
                })]
            } else {
                // Already there; an explicit probability still counts.
                match probability.map(Probability::percent) {
                    Some(percent) if percent != deal.probability => {
                        vec![DealEvent::ProbabilitySet(DealProbabilitySet {
                            probability: percent,
                        })]
                    }
                    _ => vec![],
                }
            }
        }
        DealCommand::SetProbability(probability) => {
            crate::unless_unchanged(deal.probability == probability.percent(), || {
                DealEvent::ProbabilitySet(DealProbabilitySet {
                    probability: probability.percent(),
                })
            })
        }
        DealCommand::ChangeAmount(amount) => {
            crate::unless_unchanged(deal.amount == *amount, || {
                DealEvent::AmountChanged(DealAmountChanged { amount: *amount })
            })
        }
        DealCommand::ChangeExpectedClose(expected_close) => {
            crate::unless_unchanged(deal.expected_close == *expected_close, || {
                DealEvent::ExpectedCloseChanged(DealExpectedCloseChanged {
                    expected_close: *expected_close,
                })
            })
        }
        DealCommand::AssignOwner(owner) => crate::unless_unchanged(deal.owner == *owner, || {
            DealEvent::OwnerAssigned(DealOwnerAssigned { owner: *owner })
        }),
        DealCommand::Rename { title } => {
            crate::unless_unchanged(deal.title == title.as_str(), || {
                DealEvent::Renamed(DealRenamed {
                    title: title.as_str().to_owned(),
                })
            })
        }
        DealCommand::Win { amount, reason } => vec![DealEvent::Won(DealWon {
            amount: amount.unwrap_or(deal.amount),
            reason: reason.as_ref().map(|reason| reason.as_str().to_owned()),
        })],
        DealCommand::Lose { reason } => vec![DealEvent::Lost(DealLost {
            reason: reason.as_str().to_owned(),
        })],
        DealCommand::Reopen {
            pipeline,
            stage,
            probability,
        } => {
            if !deal.is_closed() {
                return Err(DomainError::rejected(
                    "deal.not_closed",
                    "this deal is open; only a won or lost deal is reopened",
                ));
            }
            ensure_same_pipeline(deal, *pipeline)?;
            vec![DealEvent::Reopened(DealReopened {
                stage: stage.stage,
                probability: probability_on(stage, *probability),
            })]
        }
    };
    Ok(events)
}

fn evolve_existing(deal: &mut DealState, event: &DealEvent) {
    match event {
        DealEvent::Opened(_) => {}
        DealEvent::StageMoved(moved) => {
            deal.stage = moved.to;
            deal.probability = moved.probability;
        }
        DealEvent::ProbabilitySet(set) => deal.probability = set.probability,
        DealEvent::AmountChanged(changed) => deal.amount = changed.amount,
        DealEvent::ExpectedCloseChanged(changed) => deal.expected_close = changed.expected_close,
        DealEvent::OwnerAssigned(assigned) => deal.owner = assigned.owner,
        DealEvent::Renamed(renamed) => deal.title = renamed.title.clone(),
        DealEvent::Won(won) => {
            deal.status = DealStatus::Won;
            deal.amount = won.amount;
            deal.close_reason = won.reason.clone();
        }
        DealEvent::Lost(lost) => {
            deal.status = DealStatus::Lost;
            deal.close_reason = Some(lost.reason.clone());
        }
        DealEvent::Reopened(reopened) => {
            deal.status = DealStatus::Open;
            deal.stage = reopened.stage;
            deal.probability = reopened.probability;
            deal.close_reason = None;
        }
    }
}

#[cfg(test)]
mod tests;
