//! The running application: the log, the read models folded from it, the
//! command handler, and the process managers following the log, started
//! together over a data folder and stopped in the order that loses
//! nothing (processes save their checkpoint, then the read models
//! snapshot). The server's state holds one; so could any other adapter.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use eventlog::EventLog;
use projections::{CrmReadModels, RuntimeOptions, SnapshotStore};
use tokio::task::JoinHandle;

use crate::App;
use crate::clock::Clock;
use crate::commands::CommandHandler;
use crate::ids::IdSource;
use crate::personal::Keys;
use crate::process::{ProcessManager, ProcessSettings};
use crate::receipts::ReceiptSigner;

/// The process managers' checkpoint, in the data folder.
pub const PROCESS_CHECKPOINT_FILE: &str = "process.checkpoint";

/// The read models' snapshots, in the data folder.
pub const SNAPSHOTS_DIR: &str = "projections";

/// The application, running over one data folder: besides the process
/// managers, the reminder process delivers due reminders
/// ([`crate::reminders`]).
#[derive(Debug)]
pub struct Running {
    pub app: App,
    pub log: EventLog,
    pub read_models: Arc<CrmReadModels>,
    pub processes: Arc<ProcessManager>,
    /// The data subjects' keys: personal fields are sealed with them.
    pub keys: Keys,
    /// The installation's key for receipts of the log's head.
    pub signer: ReceiptSigner,
    process_task: Mutex<Option<JoinHandle<()>>>,
    /// The reminder process: how to stop it, and its task.
    reminders: Mutex<Option<(Arc<tokio::sync::Notify>, JoinHandle<()>)>>,
}

impl Running {
    /// Opens the log of `data_dir` with its subjects' keys (`options` for
    /// the log), the read models kept there, and starts them, and starts
    /// the process managers from their saved checkpoint;
    /// the use cases read `clock` and take ids from `ids`. The receipts'
    /// signing key is read from the folder, or made there on the first
    /// start (logged with its public half).
    pub async fn start(
        data_dir: &Path,
        options: eventlog::Options,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> anyhow::Result<Self> {
        let (log, keys) = crate::personal::open_log(data_dir, options)?;
        Self::start_on(log, keys, data_dir, clock, ids).await
    }

    /// Like [`Self::start`], over a log already opened with `keys`
    /// ([`crate::personal::open_log`]).
    pub async fn start_on(
        log: EventLog,
        keys: Keys,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> anyhow::Result<Self> {
        let (signer, made) = ReceiptSigner::load_or_create(data_dir)?;
        tracing::info!(
            public_key = %signer.public_key_hex(),
            made_now = made,
            "the receipts' signing key (Ed25519)"
        );
        let store = SnapshotStore::open(data_dir.join(SNAPSHOTS_DIR))?;
        let read_models = Arc::new(
            CrmReadModels::start(&log, store, RuntimeOptions::default())
                .await
                .context("failed to start the read models")?,
        );
        let commands = Arc::new(CommandHandler::new(log.clone(), Arc::new(keys.clone())));
        let processes = Arc::new(
            ProcessManager::open(
                commands.clone(),
                ProcessSettings::default(),
                Some(&data_dir.join(PROCESS_CHECKPOINT_FILE)),
            )
            .context("failed to open the process managers")?,
        );
        finish_interrupted_erasures(&log, &keys, &read_models);
        let follower = processes.clone();
        let process_task = tokio::spawn(async move {
            if let Err(error) = follower.follow().await {
                tracing::error!(%error, "the process managers stopped");
            }
        });
        let app = App::new(commands, clock, ids);
        let stop_reminders = Arc::new(tokio::sync::Notify::new());
        let reminder_task = tokio::spawn(crate::reminders::follow(
            app.clone(),
            read_models.clone(),
            crate::reminders::LOOK_EVERY,
            stop_reminders.clone(),
        ));
        Ok(Self {
            app,
            log,
            read_models,
            processes,
            keys,
            signer,
            process_task: Mutex::new(Some(process_task)),
            reminders: Mutex::new(Some((stop_reminders, reminder_task))),
        })
    }

    /// Erases `party`'s personal data (see [`crate::erasure`]), then
    /// replaces the snapshots of the models that held its texts, so none
    /// on disk holds them.
    pub async fn erase_party(
        &self,
        by: &crate::access::Caller,
        run: crate::Run,
        party: domain::ids::PartyId,
        reason: domain::parties::ErasureReason,
    ) -> Result<crate::erasure::Erasure, crate::commands::CommandError> {
        let erasure = self.app.erasure().erase(by, run, party, reason).await?;
        self.replace_snapshots_after(&erasure).await;
        Ok(erasure)
    }

    /// Erases `lead`'s personal data (see
    /// [`crate::erasure::ErasureUseCases::erase_lead`]), then replaces the
    /// snapshots of the models that held its texts.
    pub async fn erase_lead(
        &self,
        by: &crate::access::Caller,
        run: crate::Run,
        lead: domain::ids::LeadId,
        reason: domain::parties::ErasureReason,
    ) -> Result<crate::erasure::Erasure, crate::commands::CommandError> {
        let erasure = self.app.erasure().erase_lead(by, run, lead, reason).await?;
        self.replace_snapshots_after(&erasure).await;
        Ok(erasure)
    }

    /// Replaces the snapshots of the models holding personal texts with
    /// ones taken after `erasure`. On failure the erasure stands; the next
    /// snapshots replace the old ones.
    async fn replace_snapshots_after(&self, erasure: &crate::erasure::Erasure) {
        let position = erasure
            .executed
            .last_position
            .unwrap_or_else(|| self.log.head().position);
        if let Err(error) = self
            .read_models
            .replace_personal_snapshots_after(position)
            .await
        {
            tracing::error!(%error, "replacing the snapshots after an erasure failed");
        }
    }

    /// Stops the process managers (saving their checkpoint) and snapshots
    /// the read models: a restart then replays only what came after.
    pub async fn shutdown(&self) -> anyhow::Result<()> {
        let reminders = self
            .reminders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some((stop, task)) = reminders {
            stop.notify_one();
            task.await.context("the reminder process panicked")?;
        }
        self.processes.stop();
        let task = self
            .process_task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            task.await.context("the process managers panicked")?;
        }
        self.read_models
            .shutdown()
            .await
            .context("failed to snapshot the read models on shutdown")
    }
}

/// Destroys the keys an erasure interrupted by a stop left alive (its
/// `PartyErased` was written, its keys not all destroyed), once the
/// customers model has read the log as it stands at start.
fn finish_interrupted_erasures(log: &EventLog, keys: &Keys, models: &Arc<CrmReadModels>) {
    let (log, keys, models) = (log.clone(), keys.clone(), models.clone());
    tokio::spawn(async move {
        let head = log.head().position;
        if models.customers.wait_for(head).await.is_err() {
            return;
        }
        let unfinished: Vec<domain::ids::PartyId> = models.customers.read(|customers| {
            customers
                .erased()
                .filter(|party| keys.state(party.as_uuid()) == vault::SubjectState::Live)
                .collect()
        });
        // An erased lead's own key goes right after its event.
        let leads: Vec<uuid::Uuid> = models.pipeline_board.read(|board| {
            board
                .erased_leads()
                .map(|lead| lead.as_uuid())
                .filter(|lead| keys.state(*lead) == vault::SubjectState::Live)
                .collect()
        });
        for lead in leads {
            use domain::personal::SubjectKeys as _;
            if let Err(error) = keys.erase(lead) {
                tracing::error!(%error, "finishing an interrupted lead erasure failed");
            }
        }
        if unfinished.is_empty() {
            return;
        }
        let done = tokio::task::spawn_blocking(move || {
            crate::erasure::destroy_keys(&log, &keys, &unfinished)
        })
        .await;
        match done {
            Ok(Ok(destroyed)) => {
                tracing::warn!(destroyed, "finished erasures a stop had interrupted");
            }
            Ok(Err(error)) => tracing::error!(%error, "finishing interrupted erasures failed"),
            Err(error) => tracing::error!(%error, "the erasure task failed"),
        }
    });
}
