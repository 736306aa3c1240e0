//! One command on one aggregate, as a caller: the use case most writes
//! are (rename a party, complete a task, add a line to an order). The
//! clock is the App's, the actor the caller's; the adapters never reach
//! the command handler themselves.
//!
//! Before the command runs, [`guarded::authorize`] checks the caller
//! against the record and every record the command names.

use chrono::{DateTime, Utc};
use domain::{Decider, DomainError, DomainEvent, Issued};
use eventlog::AppendMeta;

use uuid::Uuid;

use crate::access::Caller;
use crate::commands::{CommandError, CommandHandler, Executed, Execution};
use crate::guarded::{self, Guard, Guarded};
use crate::{App, Run};

impl App {
    /// Runs `command` on aggregate `id` of decider `D` as `by`, under
    /// `run`'s command id and expected version; `occurred_at` backdates
    /// it (the decider refuses a time in the future).
    pub async fn execute<D, C>(
        &self,
        by: &Caller,
        run: Run,
        id: impl Into<Uuid>,
        command: C,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Executed, CommandError>
    where
        D: Guarded + Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Send + 'static,
        C: Guard,
    {
        let id = id.into();
        guarded::authorize::<D, C>(&self.commands, by, id, &command)?;
        let stream = CommandHandler::stream::<D>(id)?;
        let now = self.clock.now();
        let command = command.complete(&self.commands, id, occurred_at.unwrap_or(now))?;
        let mut issued = Issued::new(by.user, now, command);
        if let Some(occurred_at) = occurred_at {
            issued = issued.backdated(occurred_at);
        }
        let execution = Execution::new(AppendMeta::new(by.actor(), run.command_id))
            .with_command_id(run.command_id)
            .expecting(run.expected_version);
        // The decider names a missing aggregate without its id; the
        // refusal carries it, in the words one out of reach gets.
        self.commands
            .execute::<D, C>(&stream, &issued, &execution)
            .await
            .map_err(naming(id))
    }

    /// Runs `first` on aggregate `id` as `by`, then each of `then` under a
    /// command id derived from `run`'s and its place (`line-0`, `line-1`…):
    /// a document drafted with its first lines. A repeat of `run` finds
    /// the whole done the first time and runs nothing more. Answers the
    /// last write.
    pub async fn execute_then<D, C>(
        &self,
        by: &Caller,
        run: Run,
        id: Uuid,
        first: C,
        then: impl IntoIterator<Item = C>,
    ) -> Result<Executed, CommandError>
    where
        D: Guarded + Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Send + 'static,
        C: Guard,
    {
        let mut last = self.execute::<D, C>(by, run, id, first, None).await?;
        if last.repeated {
            return Ok(last);
        }
        for (index, command) in then.into_iter().enumerate() {
            let line_run = Run {
                command_id: domain::ids::derived(
                    run.command_id,
                    format!("line-{index}").as_bytes(),
                ),
                expected_version: None,
            };
            last = self
                .execute::<D, C>(by, line_run, id, command, None)
                .await?;
        }
        Ok(last)
    }

    /// The state of aggregate `id` of decider `D` and its stream version.
    pub fn load<D>(
        &self,
        id: impl std::fmt::Display,
    ) -> Result<(D::State, Option<u64>), CommandError>
    where
        D: Decider,
        D::Event: DomainEvent,
        D::State: Clone + Send + 'static,
    {
        let stream = CommandHandler::stream::<D>(id)?;
        self.commands.load::<D>(&stream)
    }
}

/// The product must exist.
pub(crate) fn ensure_product(
    commands: &CommandHandler,
    product: domain::ids::ProductId,
) -> Result<(), CommandError> {
    let stream = CommandHandler::stream::<domain::catalog::Product>(product)?;
    if commands
        .load::<domain::catalog::Product>(&stream)?
        .0
        .is_none()
    {
        return Err(DomainError::part_not_found("product", product).into());
    }
    Ok(())
}

/// The warehouse must exist (answered as [`crate::access`] answers one
/// out of reach).
pub(crate) fn ensure_warehouse(
    commands: &CommandHandler,
    warehouse: domain::ids::WarehouseId,
) -> Result<(), CommandError> {
    let stream = CommandHandler::stream::<domain::inventory::Warehouse>(warehouse)?;
    if commands
        .load::<domain::inventory::Warehouse>(&stream)?
        .0
        .is_none()
    {
        let kind = crate::access::Kind::Warehouse;
        return Err(crate::access::not_found(kind, warehouse.as_uuid()).into());
    }
    Ok(())
}

/// Refuses a write whose client expected another version than `actual`,
/// before a write that changes two aggregates makes its first half (the
/// handler checks again when it appends the second).
pub(crate) fn ensure_version(
    expected: Option<u64>,
    actual: Option<u64>,
) -> Result<(), CommandError> {
    match expected {
        Some(expected) if actual != Some(expected) => {
            Err(CommandError::Conflict { expected, actual })
        }
        _ => Ok(()),
    }
}

/// Gives a decider's "does not exist" (which names no id) the id of the
/// aggregate it was about, so a missing record is refused in the words
/// one out of reach gets.
pub(crate) fn naming(id: Uuid) -> impl Fn(CommandError) -> CommandError {
    move |error| match error {
        CommandError::Domain(DomainError::NotFound { entity, id: None }) => DomainError::NotFound {
            entity,
            id: Some(id),
        }
        .into(),
        other => other,
    }
}
