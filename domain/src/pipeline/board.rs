//! Pipelines: the named, ordered stages a deal moves through.
//!
//! A pipeline is one stream, `pipeline-<id>`. Each stage has an id, a name
//! unique within the pipeline (ignoring case) and the probability of
//! winning a deal that sits on it. Stages are added, renamed, re-ordered
//! and retired, never deleted: deals may still sit on a retired stage and
//! its id is never given to another stage. A pipeline always keeps at
//! least one active stage, so there is always somewhere to put a deal.
//! Positions count active stages only, from 0.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::StageId;
use crate::values::Label;

/// Most active stages one pipeline may hold.
pub const STAGES_PER_PIPELINE_MAX: usize = 30;
/// Most stages one pipeline may ever hold, retired ones included, so that
/// adding and retiring cannot grow a pipeline without bound.
pub const STAGES_EVER_PER_PIPELINE_MAX: usize = 300;
/// The highest probability, in percent.
pub const PROBABILITY_PERCENT_MAX: u8 = 100;

const ENTITY: &str = "pipeline";

// ---------------------------------------------------------------- events

/// A stage as recorded: its id, name and default probability in percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDefinition {
    pub stage_id: StageId,
    pub name: String,
    pub probability: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineDefined {
    pub name: String,
    /// The stages in order.
    pub stages: Vec<StageDefinition>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineRenamed {
    pub name: String,
}

/// A new stage, inserted at `position` among the active stages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageAdded {
    pub stage: StageDefinition,
    pub position: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRenamed {
    pub stage_id: StageId,
    pub name: String,
}

/// The default probability of deals entering the stage from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageProbabilitySet {
    pub stage_id: StageId,
    pub probability: u8,
}

/// The stage now stands at `position` among the active stages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMoved {
    pub stage_id: StageId,
    pub position: u32,
}

/// The stage takes no new deals and leaves the board; deals already on it
/// stay until moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRetired {
    pub stage_id: StageId,
}

domain_events! {
    /// Everything that can happen to a pipeline.
    pub enum PipelineEvent in "pipeline" {
        Defined(PipelineDefined) = "PipelineDefined" v 1,
        Renamed(PipelineRenamed) = "PipelineRenamed" v 1,
        StageAdded(StageAdded) = "StageAdded" v 1,
        StageRenamed(StageRenamed) = "StageRenamed" v 1,
        StageProbabilitySet(StageProbabilitySet) = "StageProbabilitySet" v 1,
        StageMoved(StageMoved) = "StageMoved" v 1,
        StageRetired(StageRetired) = "StageRetired" v 1,
    }
}

// -------------------------------------------------------------- commands

/// A probability of winning, in whole percent from 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Probability(u8);

impl Probability {
    pub fn parse(field: &str, percent: i64) -> Result<Self, DomainError> {
        match u8::try_from(percent) {
            Ok(percent) if percent <= PROBABILITY_PERCENT_MAX => Ok(Self(percent)),
            _ => Err(DomainError::invalid(
                field,
                format!("must be a percentage from 0 to {PROBABILITY_PERCENT_MAX}"),
            )),
        }
    }

    /// A recorded percentage, capped at 100 so a value that did not come
    /// through [`Probability::parse`] still stays in range.
    pub fn from_recorded(percent: u8) -> Self {
        Self(percent.min(PROBABILITY_PERCENT_MAX))
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

/// A stage as a command gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewStage {
    pub stage_id: StageId,
    pub name: Label,
    pub probability: Probability,
}

impl NewStage {
    fn to_definition(&self) -> StageDefinition {
        StageDefinition {
            stage_id: self.stage_id,
            name: self.name.as_str().to_owned(),
            probability: self.probability.percent(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinePipeline {
    pub name: Label,
    /// The stages in order, at least one.
    pub stages: Vec<NewStage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PipelineCommand {
    Define(DefinePipeline),
    Rename {
        name: Label,
    },
    AddStage {
        stage: NewStage,
        /// Where among the active stages; `None` puts it last.
        position: Option<u32>,
    },
    RenameStage {
        stage_id: StageId,
        name: Label,
    },
    SetStageProbability {
        stage_id: StageId,
        probability: Probability,
    },
    MoveStage {
        stage_id: StageId,
        /// The stage's index among the active stages after the move.
        position: u32,
    },
    RetireStage {
        stage_id: StageId,
    },
}

// ----------------------------------------------------------------- state

/// An active stage as a deal command needs it, resolved by the application
/// from the pipeline's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageRef {
    pub stage: StageId,
    /// The probability a deal takes on entering the stage, in percent.
    pub default_probability: u8,
    /// The stage's index among the active stages.
    pub position: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineState {
    pub name: String,
    /// The active stages, in order.
    pub stages: Vec<StageDefinition>,
    /// Stages that left the board; their ids are never reused.
    pub retired: BTreeSet<StageId>,
}

impl PipelineState {
    /// The active stages, in order.
    pub fn active_stages(&self) -> impl Iterator<Item = &StageDefinition> {
        self.stages.iter()
    }

    /// An active stage, or `None` if it is retired or unknown.
    pub fn stage_ref(&self, stage_id: StageId) -> Option<StageRef> {
        self.stages
            .iter()
            .position(|stage| stage.stage_id == stage_id)
            .map(|index| self.stage_ref_at(index))
    }

    /// The first active stage: where a new deal goes by default.
    pub fn first_stage(&self) -> Option<StageRef> {
        (!self.stages.is_empty()).then(|| self.stage_ref_at(0))
    }

    fn stage_ref_at(&self, index: usize) -> StageRef {
        let stage = &self.stages[index];
        StageRef {
            stage: stage.stage_id,
            default_probability: stage.probability,
            // At most STAGES_PER_PIPELINE_MAX stages are active.
            position: u32::try_from(index).unwrap_or(u32::MAX),
        }
    }

    fn index_of(&self, stage_id: StageId) -> Result<usize, DomainError> {
        self.stages
            .iter()
            .position(|stage| stage.stage_id == stage_id)
            .ok_or_else(|| DomainError::part_not_found("stage", stage_id))
    }

    fn stage_count_ever(&self) -> usize {
        self.stages.len() + self.retired.len()
    }

    /// Whether another active stage than `except` has this name, ignoring
    /// case.
    fn has_stage_named(&self, name: &Label, except: Option<StageId>) -> bool {
        let name = name.as_str().to_lowercase();
        self.stages
            .iter()
            .any(|stage| Some(stage.stage_id) != except && stage.name.to_lowercase() == name)
    }
}

/// The pipeline decider. State is `None` until the pipeline is defined.
#[derive(Debug)]
pub struct Pipeline;

impl Decider for Pipeline {
    type State = Option<PipelineState>;
    type Command = Issued<PipelineCommand>;
    type Event = PipelineEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<PipelineEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let PipelineCommand::Define(define) = command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(already_defined());
        }
        if define.stages.is_empty() || define.stages.len() > STAGES_PER_PIPELINE_MAX {
            return Err(DomainError::invalid(
                "stages",
                format!("a pipeline has 1 to {STAGES_PER_PIPELINE_MAX} stages"),
            ));
        }
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for stage in &define.stages {
            if !ids.insert(stage.stage_id) {
                return Err(DomainError::invalid(
                    "stages",
                    format!("the stage id {} is given twice", stage.stage_id),
                ));
            }
            if !names.insert(stage.name.as_str().to_lowercase()) {
                return Err(DomainError::invalid(
                    "stages",
                    format!("two stages are named {:?}", stage.name.as_str()),
                ));
            }
        }
        Ok(vec![PipelineEvent::Defined(PipelineDefined {
            name: define.name.as_str().to_owned(),
            stages: define.stages.iter().map(NewStage::to_definition).collect(),
        })])
    }

    fn evolve(state: Self::State, event: &PipelineEvent) -> Self::State {
        let PipelineEvent::Defined(defined) = event else {
            return state.map(|mut pipeline| {
                evolve_existing(&mut pipeline, event);
                pipeline
            });
        };
        Some(PipelineState {
            name: defined.name.clone(),
            stages: defined.stages.clone(),
            retired: BTreeSet::new(),
        })
    }
}

fn already_defined() -> DomainError {
    DomainError::rejected(
        "pipeline.already_defined",
        "this pipeline is already defined",
    )
}

fn duplicate_stage_name(name: &Label) -> DomainError {
    DomainError::rejected(
        "pipeline.duplicate_stage_name",
        format!(
            "this pipeline already has a stage named {:?}",
            name.as_str()
        ),
    )
}

fn position_out_of_range(highest: usize) -> DomainError {
    DomainError::invalid("position", format!("must be from 0 to {highest}"))
}

fn decide_existing(
    pipeline: &PipelineState,
    command: &PipelineCommand,
) -> Result<Vec<PipelineEvent>, DomainError> {
    let events = match command {
        PipelineCommand::Define(_) => return Err(already_defined()),
        PipelineCommand::Rename { name } => {
            crate::unless_unchanged(pipeline.name == name.as_str(), || {
                PipelineEvent::Renamed(PipelineRenamed {
                    name: name.as_str().to_owned(),
                })
            })
        }
        PipelineCommand::AddStage { stage, position } => {
            decide_add_stage(pipeline, stage, *position)?
        }
        PipelineCommand::RenameStage { stage_id, name } => {
            let index = pipeline.index_of(*stage_id)?;
            if pipeline.stages[index].name == name.as_str() {
                vec![]
            } else if pipeline.has_stage_named(name, Some(*stage_id)) {
                return Err(duplicate_stage_name(name));
            } else {
                vec![PipelineEvent::StageRenamed(StageRenamed {
                    stage_id: *stage_id,
                    name: name.as_str().to_owned(),
                })]
            }
        }
        PipelineCommand::SetStageProbability {
            stage_id,
            probability,
        } => {
            let index = pipeline.index_of(*stage_id)?;
            crate::unless_unchanged(
                pipeline.stages[index].probability == probability.percent(),
                || {
                    PipelineEvent::StageProbabilitySet(StageProbabilitySet {
                        stage_id: *stage_id,
                        probability: probability.percent(),
                    })
                },
            )
        }
        PipelineCommand::MoveStage { stage_id, position } => {
            let index = pipeline.index_of(*stage_id)?;
            let highest = pipeline.stages.len() - 1;
            let target = usize::try_from(*position)
                .ok()
                .filter(|target| *target <= highest)
                .ok_or_else(|| position_out_of_range(highest))?;
            crate::unless_unchanged(target == index, || {
                PipelineEvent::StageMoved(StageMoved {
                    stage_id: *stage_id,
                    position: *position,
                })
            })
        }
        PipelineCommand::RetireStage { stage_id } => {
            pipeline.index_of(*stage_id)?;
            if pipeline.stages.len() == 1 {
                return Err(DomainError::rejected(
                    "pipeline.last_stage",
                    "a pipeline keeps at least one stage; add another before retiring this one",
                ));
            }
            vec![PipelineEvent::StageRetired(StageRetired {
                stage_id: *stage_id,
            })]
        }
    };
    Ok(events)
}

fn decide_add_stage(
    pipeline: &PipelineState,
    stage: &NewStage,
    position: Option<u32>,
) -> Result<Vec<PipelineEvent>, DomainError> {
    let active_count = pipeline.stages.len();
    let position = match position {
        None => active_count,
        Some(position) => usize::try_from(position)
            .ok()
            .filter(|position| *position <= active_count)
            .ok_or_else(|| position_out_of_range(active_count))?,
    };
    if pipeline.stage_ref(stage.stage_id).is_some() || pipeline.retired.contains(&stage.stage_id) {
        return Err(DomainError::already_exists("stage", stage.stage_id));
    }
    if active_count >= STAGES_PER_PIPELINE_MAX {
        return Err(DomainError::rejected(
            "pipeline.too_many_stages",
            format!("a pipeline holds at most {STAGES_PER_PIPELINE_MAX} active stages"),
        ));
    }
    if pipeline.stage_count_ever() >= STAGES_EVER_PER_PIPELINE_MAX {
        return Err(DomainError::rejected(
            "pipeline.too_many_stages",
            format!(
                "a pipeline holds at most {STAGES_EVER_PER_PIPELINE_MAX} stages, retired ones included; define a new pipeline"
            ),
        ));
    }
    if pipeline.has_stage_named(&stage.name, None) {
        return Err(duplicate_stage_name(&stage.name));
    }
    Ok(vec![PipelineEvent::StageAdded(StageAdded {
        stage: stage.to_definition(),
        // At most STAGES_PER_PIPELINE_MAX, checked above.
        position: u32::try_from(position).unwrap_or(u32::MAX),
    })])
}

/// Inserts at `position`, or last if the position lies beyond the end:
/// evolve cannot fail, and decide never records such a position.
fn insert_clamped(stages: &mut Vec<StageDefinition>, position: u32, stage: StageDefinition) {
    let index = usize::try_from(position)
        .unwrap_or(usize::MAX)
        .min(stages.len());
    stages.insert(index, stage);
}

fn evolve_existing(pipeline: &mut PipelineState, event: &PipelineEvent) {
    let index_of = |stages: &[StageDefinition], stage_id: StageId| {
        stages.iter().position(|stage| stage.stage_id == stage_id)
    };
    match event {
        PipelineEvent::Defined(_) => {}
        PipelineEvent::Renamed(renamed) => pipeline.name = renamed.name.clone(),
        PipelineEvent::StageAdded(added) => {
            insert_clamped(&mut pipeline.stages, added.position, added.stage.clone());
        }
        PipelineEvent::StageRenamed(renamed) => {
            if let Some(index) = index_of(&pipeline.stages, renamed.stage_id) {
                pipeline.stages[index].name = renamed.name.clone();
            }
        }
        PipelineEvent::StageProbabilitySet(set) => {
            if let Some(index) = index_of(&pipeline.stages, set.stage_id) {
                pipeline.stages[index].probability = set.probability;
            }
        }
        PipelineEvent::StageMoved(moved) => {
            if let Some(index) = index_of(&pipeline.stages, moved.stage_id) {
                let stage = pipeline.stages.remove(index);
                insert_clamped(&mut pipeline.stages, moved.position, stage);
            }
        }
        PipelineEvent::StageRetired(retired) => {
            if let Some(index) = index_of(&pipeline.stages, retired.stage_id) {
                pipeline.stages.remove(index);
                pipeline.retired.insert(retired.stage_id);
            }
        }
    }
}

#[cfg(test)]
mod tests;
