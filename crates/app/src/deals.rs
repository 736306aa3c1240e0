//! Deals on the pipeline, once for every adapter: moving a deal to
//! another stage and reopening a closed one. Both name a stage, which is
//! resolved in the deal's own pipeline here, the one place that does it
//! (the board's form and the JSON API each did it their own way).

use domain::Issued;
use domain::access::{Action, Module, Permission};
use domain::error::DomainError;
use domain::ids::{DealId, StageId};
use domain::pipeline::{
    Deal, DealCommand, DealState, Pipeline, PipelineState, Probability, StageRef,
};
use eventlog::AppendMeta;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, CommandHandler, Executed, Execution};
use crate::{App, Run};

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
        self.execute(by, run, deal, command).await
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
        self.execute(by, run, deal, command).await
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

    /// `stage` of the deal's pipeline, or the pipeline's first; one that
    /// is not an active stage of it is bad input on `stage`.
    fn stage_of(&self, deal: &DealState, stage: Option<StageId>) -> Result<StageRef, CommandError> {
        let pipeline: PipelineState = self
            .app
            .commands
            .load::<Pipeline>(&CommandHandler::stream::<Pipeline>(deal.pipeline)?)?
            .0
            .ok_or_else(|| DomainError::part_not_found("pipeline", deal.pipeline))?;
        let found = match stage {
            Some(stage) => pipeline.stage_ref(stage),
            None => pipeline.first_stage(),
        };
        Ok(found
            .ok_or_else(|| DomainError::invalid("stage", "not an active stage of the pipeline"))?)
    }

    async fn execute(
        &self,
        by: &Caller,
        run: Run,
        deal: DealId,
        command: DealCommand,
    ) -> Result<Executed, CommandError> {
        let execution = Execution::new(AppendMeta::new(by.actor(), run.command_id))
            .with_command_id(run.command_id)
            .expecting(run.expected_version);
        let issued = Issued::new(by.user, self.app.clock.now(), command);
        self.app
            .commands
            .execute::<Deal, _>(&CommandHandler::stream::<Deal>(deal)?, &issued, &execution)
            .await
    }
}
