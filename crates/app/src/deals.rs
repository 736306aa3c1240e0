//! Deals on the pipeline, once for every adapter: opening one, moving a
//! deal to another stage and reopening a closed one. Each names a stage,
//! which is resolved in the pipeline here, the one place that does it
//! (the board's form and the JSON API each did it their own way).

use chrono::NaiveDate;
use domain::access::{Action, Module, Permission};
use domain::error::DomainError;
use domain::ids::{DealId, LeadId, PartyId, PipelineId, StageId, UserId, derived};
use domain::pipeline::{
    Deal, DealCommand, DealState, OpenDeal, Pipeline, PipelineState, Probability, StageRef,
};
use domain::values::{Label, Money};

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::{App, Run};

/// A deal to open.
#[derive(Clone, Debug)]
pub struct NewDeal {
    pub title: Label,
    pub party: PartyId,
    pub pipeline: PipelineId,
    /// `None`: the pipeline's first stage.
    pub stage: Option<StageId>,
    /// `None`: the stage's default probability.
    pub probability: Option<Probability>,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    /// `None`: the caller.
    pub owner: Option<UserId>,
    /// The lead it was converted from.
    pub lead: Option<LeadId>,
}

/// A deal opened: its id and the write.
#[derive(Clone, Debug)]
pub struct Opened {
    pub deal: DealId,
    pub executed: Executed,
}

/// `stage` of `pipeline`, or the pipeline's first; one that is not an
/// active stage of it is bad input on `stage`, a missing pipeline a
/// missing record.
pub fn stage_in(
    commands: &CommandHandler,
    pipeline: PipelineId,
    stage: Option<StageId>,
) -> Result<StageRef, CommandError> {
    let found: PipelineState = commands
        .load::<Pipeline>(&CommandHandler::stream::<Pipeline>(pipeline)?)?
        .0
        .ok_or_else(|| access::not_found(Kind::Pipeline, pipeline.as_uuid()))?;
    let stage = match stage {
        Some(stage) => found.stage_ref(stage),
        None => found.first_stage(),
    };
    Ok(
        stage
            .ok_or_else(|| DomainError::invalid("stage", "not an active stage of the pipeline"))?,
    )
}

/// The deal use cases of `app`.
#[derive(Debug)]
pub struct DealUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn deals(&self) -> DealUseCases<'_> {
        DealUseCases { app: self }
    }
}

impl DealUseCases<'_> {
    /// Moves an open deal to `stage` of its pipeline (with the stage's
    /// default probability unless one is given).
    pub async fn move_to_stage(
        &self,
        by: &Caller,
        run: Run,
        deal: DealId,
        stage: StageId,
        probability: Option<Probability>,
    ) -> Result<Executed, CommandError> {
        let found = self.deal_in_reach(by, deal)?;
        let stage = self.stage_of(&found, Some(stage))?;
        let command = DealCommand::MoveToStage {
            pipeline: found.pipeline,
            stage,
            probability,
        };
        self.app
            .execute::<Deal, _>(by, run, deal, command, None)
            .await
    }

    /// Reopens a won or lost deal on `stage` of its pipeline (its first
    /// stage when none is given).
    pub async fn reopen(
        &self,
        by: &Caller,
        run: Run,
        deal: DealId,
        stage: Option<StageId>,
        probability: Option<Probability>,
    ) -> Result<Executed, CommandError> {
        let found = self.deal_in_reach(by, deal)?;
        let stage = self.stage_of(&found, stage)?;
        let command = DealCommand::Reopen {
            pipeline: found.pipeline,
            stage,
            probability,
        };
        self.app
            .execute::<Deal, _>(by, run, deal, command, None)
            .await
    }

    /// The deal, if it exists and `by` may change it; one out of reach is
    /// answered as a missing one.
    fn deal_in_reach(&self, by: &Caller, deal: DealId) -> Result<DealState, CommandError> {
        let commands = &self.app.commands;
        let permission = Permission::new(Module::Sales, Action::Edit);
        access::ensure_in_reach(commands, by, permission, Kind::Deal, deal.as_uuid())?;
        commands
            .load::<Deal>(&CommandHandler::stream::<Deal>(deal)?)?
            .0
            .ok_or_else(|| access::not_found(Kind::Deal, deal.as_uuid()).into())
    }

    /// `stage` of the deal's pipeline, or the pipeline's first.
    fn stage_of(&self, deal: &DealState, stage: Option<StageId>) -> Result<StageRef, CommandError> {
        stage_in(&self.app.commands, deal.pipeline, stage)
    }

    /// Opens a deal with a party on `stage` of a pipeline (its first stage
    /// when none is given); its id derives from the run's command id.
    pub async fn open(&self, by: &Caller, run: Run, new: NewDeal) -> Result<Opened, CommandError> {
        let deal = DealId::from_uuid(derived(run.command_id, b"deal"));
        self.open_as(by, run, deal, new).await
    }

    /// Opens deal `deal` (a conversion names the deal its lead becomes).
    pub(crate) async fn open_as(
        &self,
        by: &Caller,
        run: Run,
        deal: DealId,
        new: NewDeal,
    ) -> Result<Opened, CommandError> {
        let stage = stage_in(&self.app.commands, new.pipeline, new.stage)?;
        let command = DealCommand::Open(OpenDeal {
            title: new.title,
            party: new.party,
            pipeline: new.pipeline,
            stage,
            probability: new.probability,
            amount: new.amount,
            expected_close: new.expected_close,
            owner: new.owner.unwrap_or(by.user),
            lead: new.lead,
        });
        let executed = self
            .app
            .execute::<Deal, _>(by, run, deal, command, None)
            .await?;
        Ok(Opened { deal, executed })
    }
}
