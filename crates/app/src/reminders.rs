//! Reminders that fire (issue 17): a process looks every few seconds for
//! tasks and calendar entries whose reminder time has come and records
//! `TaskReminderFired` or `CalendarEntryReminderFired` on each, which the
//! user's open pages show at once (the notifications stream) and the
//! dashboard lists until the task is done or the entry is over.
//!
//! Delivered once, also across restarts and crashes: the log is the
//! checkpoint. A delivered reminder is an event on its task, so the tasks
//! model no longer lists it as pending; and each delivery runs under a
//! command id derived from the task and the reminder's time, so a
//! delivery repeated after a crash (its event written, the model not yet
//! caught up) is recognised by the command handler and writes nothing.
//! A reminder moved to another time is another reminder, and fires again.
//!
//! The same look expires the quotes whose validity has passed
//! ([`crate::quotes::QuoteUseCases::expire_due`]): the other thing that
//! happens because time went by.

use std::sync::Arc;
use std::time::Duration;

use domain::ids::{CalendarEntryId, TaskId, derived};
use domain::planning::{CalendarCommand, CalendarEntry, Task, TaskCommand};
use projections::CrmReadModels;

use crate::access::Caller;
use crate::commands::CommandError;
use crate::{App, Run};

/// The name deliveries are recorded under.
pub const PROCESS: &str = "reminders";
/// How often the process looks for due reminders.
pub const LOOK_EVERY: Duration = Duration::from_secs(5);
/// Reminders delivered per look, at most; the rest come at the next.
const DELIVERIES_PER_LOOK_MAX: usize = 500;

/// What one look delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub tasks: Vec<TaskId>,
    pub entries: Vec<CalendarEntryId>,
}

impl Delivered {
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.tasks.len() + self.entries.len()
    }
}

/// Delivers every reminder due at the application's time; answers the
/// tasks and entries whose reminder it recorded now. One changed
/// meanwhile (done, cancelled, its reminder moved) is passed over; a
/// failing log stops the look.
pub async fn deliver_due(app: &App, models: &CrmReadModels) -> Result<Delivered, CommandError> {
    let tasks = deliver_task_reminders(app, models).await?;
    let entries = deliver_entry_reminders(app, models).await?;
    Ok(Delivered { tasks, entries })
}

/// The command id of the reminder of `id` due at `remind_at`: the same
/// however often the delivery is tried.
fn reminder_run(id: uuid::Uuid, remind_at: chrono::DateTime<chrono::Utc>) -> Run {
    Run {
        command_id: derived(
            id,
            format!("reminder:{}", remind_at.timestamp_micros()).as_bytes(),
        ),
        expected_version: None,
    }
}

async fn deliver_entry_reminders(
    app: &App,
    models: &CrmReadModels,
) -> Result<Vec<CalendarEntryId>, CommandError> {
    let now = app.now();
    let head = app.commands.log().head().position;
    models.calendar.wait_for(head).await.map_err(|error| {
        CommandError::Inconsistent(format!("the calendar model stopped: {error}"))
    })?;
    let due: Vec<(CalendarEntryId, chrono::DateTime<chrono::Utc>)> =
        models.calendar.read(|calendar| {
            calendar
                .reminders_due(now, DELIVERIES_PER_LOOK_MAX)
                .into_iter()
                .filter_map(|row| row.remind_at().map(|at| (row.id, at)))
                .collect()
        });
    let caller = Caller::process(PROCESS);
    let mut delivered = Vec::new();
    for (entry, remind_at) in due {
        let run = reminder_run(entry.as_uuid(), remind_at);
        let fire = CalendarCommand::FireReminder { remind_at };
        match app
            .execute::<CalendarEntry, _>(&caller, run, entry, fire, None)
            .await
        {
            Ok(executed) if executed.appended > 0 => delivered.push(entry),
            Ok(_) => {}
            Err(CommandError::Domain(error)) => {
                tracing::debug!(%entry, %error, "an entry's reminder no longer due");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(delivered)
}

async fn deliver_task_reminders(
    app: &App,
    models: &CrmReadModels,
) -> Result<Vec<TaskId>, CommandError> {
    let now = app.now();
    let head = app.commands.log().head().position;
    models
        .tasks
        .wait_for(head)
        .await
        .map_err(|error| CommandError::Inconsistent(format!("the tasks model stopped: {error}")))?;
    let due: Vec<(TaskId, chrono::DateTime<chrono::Utc>)> = models.tasks.read(|tasks| {
        tasks
            .reminders_due(now, DELIVERIES_PER_LOOK_MAX)
            .into_iter()
            .filter_map(|row| row.remind_at.map(|at| (row.id, at)))
            .collect()
    });
    let caller = Caller::process(PROCESS);
    let mut delivered = Vec::new();
    for (task, remind_at) in due {
        let run = reminder_run(task.as_uuid(), remind_at);
        let fire = TaskCommand::FireReminder { remind_at };
        match app.execute::<Task, _>(&caller, run, task, fire, None).await {
            Ok(executed) if executed.appended > 0 => {
                delivered.push(task);
            }
            Ok(_) => {}
            Err(CommandError::Domain(error)) => {
                tracing::debug!(%task, %error, "a reminder no longer due");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(delivered)
}

/// Delivers due reminders every `every` until `stop` is notified.
pub(crate) async fn follow(
    app: App,
    models: Arc<CrmReadModels>,
    every: Duration,
    stop: Arc<tokio::sync::Notify>,
) {
    loop {
        match deliver_due(&app, &models).await {
            Ok(delivered) if !delivered.is_empty() => {
                tracing::info!(count = delivered.len(), "reminders delivered");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "delivering reminders failed"),
        }
        match app.quotes().expire_due(&models).await {
            Ok(expired) if !expired.is_empty() => {
                tracing::info!(count = expired.len(), "quotes expired");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "expiring quotes failed"),
        }
        tokio::select! {
            () = stop.notified() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
