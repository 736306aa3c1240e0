//! HyperCRM's HTTP side and the `hypercrm` commands.
//!
//! Only this crate knows about HTTP and JSON. It serves the web UI
//! ([`web`]), the JSON API ([`http`]), a health check over the event log
//! and a readiness check over the read models. Commands:
//! `serve`, `verify`, `receipt`, `rebuild` and `import` (CSV files, [`import`]).

#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod guard;
pub mod http;
pub mod known_at;
pub mod printer;
pub mod security;
pub mod serving;
pub mod telemetry;
pub mod web;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use app::commands::CommandHandler;
use app::process::ProcessManager;
use app::{backup, demo_trade};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use eventlog::{EventLog, Options, hash_hex};
use projections::{CrmReadModels, RuntimeOptions, SnapshotStore};
use serde::Serialize;

pub use axum::Router;

/// Sign-in sessions, in the data folder, apart from the log.
const SESSIONS_DIR: &str = "sessions";

/// How sign-in sessions behave.
#[derive(Clone, Debug, Default)]
pub struct AccessSettings {
    pub session_lifetime: auth::sessions::SessionLifetime,
    /// Mark session cookies `Secure` (HTTPS only): on behind a TLS proxy.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// What every handler can reach: the running application (`app`'s) and
/// the sign-in state. `log`, `read_models`, `commands` and `processes`
/// are the running application's own, named here for the handlers that
/// read them.
#[derive(Clone, Debug)]
pub struct AppState {
    pub log: EventLog,
    pub read_models: Arc<CrmReadModels>,
    pub commands: Arc<CommandHandler>,
    /// The application's use cases, with the clock and ids they take.
    pub app: app::App,
    pub processes: Arc<ProcessManager>,
    running: Arc<app::running::Running>,
    /// Where receipts of the log's head are written (the audit page lists
    /// them), and how often.
    pub receipts: app::receipts::folder::ReceiptSchedule,
    /// The last verification of the log's hash chain (the audit view).
    pub verifications: Arc<http::audit::Verifications>,
    /// Sessions, sign-in throttling and the access rules.
    pub auth: Arc<auth::Auth>,
    /// Lays printed documents out (fonts and templates parsed once).
    pub renderer: Arc<dyn app::documents::Render>,
    /// Becomes true when the server is asked to stop: long-lived answers
    /// (the event feed) end, so a graceful shutdown does not wait on them.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// Opens the log of `data_dir` with its subjects' keys and the read
    /// models kept there and starts them, and starts the process managers
    /// from their saved checkpoint.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        Self::start_with(data_dir, AccessSettings::default()).await
    }

    /// Like [`Self::start`], with the sessions' settings.
    pub async fn start_with(data_dir: &Path, access: AccessSettings) -> anyhow::Result<Self> {
        let (log, keys) = app::personal::open_log(data_dir, Options::default())?;
        Self::start_on(log, keys, data_dir, access).await
    }

    /// Like [`Self::start_with`], over a log already opened with its keys
    /// ([`app::personal::open_log`]).
    pub async fn start_on(
        log: EventLog,
        keys: app::personal::Keys,
        data_dir: &Path,
        access: AccessSettings,
    ) -> anyhow::Result<Self> {
        let auth = auth::Auth::open(
            &data_dir.join(SESSIONS_DIR),
            access.session_lifetime,
            access.secure_cookies,
            auth::api_routes(&http::document()),
        )
        .map(|auth| auth.trusting(access.trusted_proxies))
        .context("failed to open the sessions store")?;
        let running = app::running::Running::start_on(
            log,
            keys,
            data_dir,
            Arc::new(app::clock::SystemClock),
            Arc::new(app::ids::SystemIds),
        )
        .await?;
        let app = running.app.clone();
        auth.sessions
            .purge_expired(app.now())
            .context("failed to purge the expired sessions")?;
        Ok(Self {
            log: running.log.clone(),
            read_models: running.read_models.clone(),
            commands: app.commands.clone(),
            processes: running.processes.clone(),
            app,
            receipts: app::receipts::folder::ReceiptSchedule::default_in(data_dir),
            running: Arc::new(running),
            verifications: Arc::default(),
            auth: Arc::new(auth),
            renderer: Arc::new(printer::Printer::default()),
            stopping: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Receipts written to `schedule`'s folder, on its schedule once
    /// [`serve`] runs.
    #[must_use]
    pub fn receipting(mut self, schedule: app::receipts::folder::ReceiptSchedule) -> Self {
        self.receipts = schedule;
        self
    }

    /// The installation's key for receipts of the log's head.
    pub fn signer(&self) -> &app::receipts::ReceiptSigner {
        &self.running.signer
    }

    /// The running application, for the use cases that reach beyond the
    /// command handler (an erasure also replaces read-model snapshots).
    pub fn running(&self) -> &app::running::Running {
        &self.running
    }

    /// The data subjects' keys (ADR 0018).
    pub fn keys(&self) -> &app::personal::Keys {
        &self.running.keys
    }

    /// Ends the long-lived answers (event feeds); called when the server
    /// is asked to stop.
    pub fn begin_stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Waits until [`Self::begin_stop`] was called.
    pub async fn stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        // The sender lives in `self`, so the channel cannot close while
        // this waits; an error would only mean it did, and then stopping is
        // right too.
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }

    /// Stops the process managers (saving their checkpoint) and snapshots
    /// the read models: a restart then replays only what came after.
    pub async fn shutdown(&self) -> anyhow::Result<()> {
        self.begin_stop();
        self.running.shutdown().await
    }
}

/// The application's routes.
pub fn app(state: AppState) -> Router {
    // Installed before the first request, so none goes unmeasured; a
    // failure is logged and `/metrics` answers 500, the rest serves on.
    if let Err(error) = telemetry::install() {
        tracing::error!(%error, "failed to install the metrics recorder");
    }
    Router::new()
        .merge(web::router())
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(telemetry::render))
        .merge(http::router())
        // After routing, so the check knows the route's template; every
        // route above passes through it.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::authorize,
        ))
        .nest_service("/api", axum::routing::any(http::no_route))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    head_position: u64,
    head_hash: String,
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let head = state.log.head();
    Json(Health {
        status: "ok",
        head_position: head.position,
        head_hash: hash_hex(&head.hash),
    })
}

#[derive(Serialize)]
struct ModelStatus {
    name: &'static str,
    version: u32,
    checkpoint: u64,
    failure: Option<String>,
}

#[derive(Serialize)]
struct ProcessStatus {
    checkpoint: u64,
    failures: Vec<String>,
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    head_position: u64,
    read_models: Vec<ModelStatus>,
    processes: ProcessStatus,
}

/// Ready when every read model has caught up with the log as it stood when
/// the request arrived and none has stopped.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let head = state.log.head().position;
    let read_models: Vec<ModelStatus> = state
        .read_models
        .statuses()
        .into_iter()
        .map(|status| ModelStatus {
            name: status.name,
            version: status.version,
            checkpoint: status.checkpoint,
            failure: status.failure,
        })
        .collect();
    let processes = ProcessStatus {
        checkpoint: state.processes.checkpoint(),
        failures: state
            .processes
            .failures()
            .into_iter()
            .map(|failure| {
                format!(
                    "position {}: {}: {}",
                    failure.position, failure.reaction, failure.error
                )
            })
            .collect(),
    };
    let ready = processes.checkpoint >= head
        && read_models
            .iter()
            .all(|model| model.failure.is_none() && model.checkpoint >= head);
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Readiness {
            ready,
            head_position: head,
            read_models,
            processes,
        }),
    )
}

/// Which demo company to write into a fresh data folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demo {
    /// The standard demo company (about 100,000 events over two years).
    Standard,
    /// A company scaled to about this many events, for load tests.
    Events(u64),
}

/// Writes the demo company into `data_dir` if its log is empty; returns
/// the events written (0 when the folder already held data).
pub fn seed_demo(data_dir: &Path, demo: Demo) -> anyhow::Result<u64> {
    let options = Options {
        durability: eventlog::Durability::BulkImportRelaxed,
        ..Options::default()
    };
    let (log, keys) = app::personal::open_log(data_dir, options)?;
    if log.head().position > 0 {
        tracing::info!("the data folder already holds events; the demo company is not added");
        return Ok(0);
    }
    let options = match demo {
        Demo::Standard => demo::DemoOptions::default(),
        Demo::Events(events) => demo::scaled(events),
    };
    // The companies that trade are noted as the history goes by, rather
    // than by generating it a second time.
    let mut customers = Vec::new();
    let history = demo::generate(&options).inspect(|append| {
        if let Some(company) = registered_company(append) {
            customers.push(company);
        }
    });
    // One sync of the keys at the end, before the log's.
    keys.sync_each_key(false);
    let report =
        demo::load(&log, history, &keys, |_| {}).context("failed to write the demo company")?;
    let trade = seed_demo_trade(&log, &keys, data_dir, &options, &customers, report.events)?;
    keys.sync_each_key(true);
    keys.sync().context("failed to sync the subjects' keys")?;
    log.sync_blocking()
        .context("failed to sync the demo company")?;
    let managers: Vec<String> = demo::users(&options)
        .into_iter()
        .map(|user| user.name)
        .collect();
    let events = log.head().position;
    tracing::info!(
        events,
        orders = trade.orders,
        seconds = report.elapsed.as_secs_f64(),
        managers = %managers.join(", "),
        "wrote the demo company"
    );
    Ok(events)
}

/// The demo company's trade, run through the command handler and the
/// processes (see [`demo_trade`]): about one order per 50 CRM events, with
/// the company's customers and managers, up to today.
/// The company a demo append registers, with when, if it registers one.
fn registered_company(
    append: &demo::DemoAppend,
) -> Option<(domain::ids::PartyId, chrono::DateTime<chrono::Utc>)> {
    use domain::CrmEvent;
    use domain::parties::{PartyEvent, PartyNameData};
    let company = append.category == "party"
        && append.events.iter().any(|(_, event)| {
            matches!(
                event,
                CrmEvent::Party(PartyEvent::Registered(registered))
                    if matches!(registered.name, PartyNameData::Company { .. })
            )
        });
    company.then(|| {
        (
            domain::ids::PartyId::from_uuid(append.aggregate),
            append.occurred_at,
        )
    })
}

fn seed_demo_trade(
    log: &EventLog,
    keys: &app::personal::Keys,
    data_dir: &Path,
    options: &demo::DemoOptions,
    customers: &[(domain::ids::PartyId, chrono::DateTime<chrono::Utc>)],
    crm_events: u64,
) -> anyhow::Result<demo_trade::TradeReport> {
    let managers: Vec<domain::ids::UserId> = demo::users(options)
        .into_iter()
        .map(|user| user.id)
        .collect();
    let today = chrono::Utc::now().date_naive();
    let end = (options.start + chrono::Duration::days(i64::from(options.days))).min(today);
    let orders = usize::try_from(crm_events / 50)
        .unwrap_or(usize::MAX)
        .max(20);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(demo_trade::seed(
            log,
            keys,
            Some(&data_dir.join(app::running::PROCESS_CHECKPOINT_FILE)),
            options.seed,
            customers,
            &managers,
            options.start,
            end,
            orders,
        ))
        .context("failed to write the demo company's trade")
}

/// Opens the log in `data_dir` and serves until Ctrl-C or SIGTERM, backing
/// the log up on `backups`' schedule.
pub async fn serve(
    data_dir: &Path,
    listen: SocketAddr,
    backups: backup::BackupSchedule,
    receipts: app::receipts::folder::ReceiptSchedule,
    access: AccessSettings,
    limits: serving::ServeLimits,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to listen on {listen}"))?;
    let state = AppState::start_with(data_dir, access)
        .await?
        .receipting(receipts);
    tracing::info!(address = %listener.local_addr()?, head = state.log.head().position, "HyperCRM is serving");
    // Printed on every start, for the auditor to pin (also on the audit
    // page and at `GET /api/v1/audit/signing-key`).
    eprintln!(
        "HyperCRM signs receipts of its log with the Ed25519 key {}",
        state.signer().public_key_hex()
    );
    let password = std::env::var(auth::ADMIN_PASSWORD_ENV).ok();
    if let Some(generated) = auth::ensure_administrator(&state, password).await? {
        // Shown once, on the terminal (or the journal) of the first start:
        // there is no default password.
        eprintln!(
            "\nHyperCRM made the administrator {:?} with the password\n\n    {generated}\n\nIt is shown only this once: sign in and change it under Account.\n",
            auth::FIRST_ADMINISTRATOR
        );
    }
    // The stop signal also ends the event feeds, which a graceful
    // shutdown would otherwise wait on for as long as their clients stay.
    let stopper = state.clone();
    tokio::spawn(async move {
        stop_signal().await;
        stopper.begin_stop();
    });
    let scheduled = tokio::spawn(backup::run_schedule(
        state.log.clone(),
        state.keys().clone(),
        backups,
        state.stopping.subscribe(),
    ));
    let receipting = tokio::spawn(app::receipts::folder::run_schedule(
        state.log.clone(),
        state.signer().clone(),
        Arc::new(app::clock::SystemClock),
        state.receipts.clone(),
        state.stopping.subscribe(),
    ));
    let retention = tokio::spawn(app::retention::run_schedule(
        state.running.clone(),
        app::retention::LOOK_EVERY,
        state.stopping.subscribe(),
    ));
    let served = serve_on_with(listener, app(state.clone()), limits).await;
    state.begin_stop();
    let _ = scheduled.await;
    let _ = receipting.await;
    let _ = retention.await;
    state.shutdown().await?;
    served
}

/// Rebuilds the named read models (all when `names` is empty) from the
/// whole log in `data_dir`, reporting progress through `progress(name,
/// position, head)`.
pub fn rebuild(
    data_dir: &Path,
    names: &[String],
    mut progress: impl FnMut(&str, u64, u64),
) -> anyhow::Result<Vec<(String, projections::RebuildReport)>> {
    let (log, _keys) = app::personal::open_log(data_dir, Options::default())?;
    let store = SnapshotStore::open(data_dir.join(app::running::SNAPSHOTS_DIR))?;
    let names: Vec<String> = if names.is_empty() {
        projections::MODEL_NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .collect()
    } else {
        names.to_vec()
    };
    let head = log.head().position;
    let mut reports = Vec::new();
    for name in names {
        let report = projections::rebuild_by_name(
            &name,
            &log,
            &store,
            RuntimeOptions::default(),
            |position| progress(&name, position, head),
        )?;
        reports.push((name, report));
    }
    Ok(reports)
}

/// Serves `app` on an already bound listener until Ctrl-C or SIGTERM.
pub async fn serve_on(listener: tokio::net::TcpListener, app: Router) -> anyhow::Result<()> {
    serve_on_with(listener, app, serving::ServeLimits::default()).await
}

/// [`serve_on`] within `limits` (connections, read timeouts, the
/// shutdown deadline).
pub async fn serve_on_with(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: serving::ServeLimits,
) -> anyhow::Result<()> {
    serving::serve_with(listener, app, limits, stop_signal())
        .await
        .context("the server failed")
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT) at a
/// terminal, or SIGTERM, which systemd, `kill` and container runtimes
/// send. Either way the server shuts down gracefully and saves its read
/// models and process checkpoint. A signal that cannot be listened for is
/// logged and never fires, rather than stopping the server at once.
async fn stop_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// A receipt of the log's head in `data_dir`, signed now with the
/// installation's key (made if there is none yet).
pub fn receipt(data_dir: &Path) -> anyhow::Result<app::receipts::Receipt> {
    let log = EventLog::open(data_dir.join("eventlog"), Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    let (signer, _) = app::receipts::ReceiptSigner::load_or_create(data_dir)?;
    Ok(signer.issue(&log, chrono::Utc::now())?)
}

/// Checks the receipt in `file` against the log in `data_dir` (which is
/// not verified here: see [`verify`]).
pub fn check_receipt(
    data_dir: &Path,
    file: &Path,
) -> anyhow::Result<app::receipts::ReceiptOutcome> {
    let json = std::fs::read_to_string(file)
        .with_context(|| format!("failed to read the receipt {}", file.display()))?;
    let log = EventLog::open(data_dir.join("eventlog"), Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    let installation = data_dir
        .join(app::receipts::SIGNING_KEY_FILE)
        .exists()
        .then(|| app::receipts::ReceiptSigner::load_or_create(data_dir))
        .transpose()?
        .map(|(signer, _)| signer);
    Ok(app::receipts::Receipt::parse_and_check(
        &json,
        &log,
        installation.as_ref(),
    )?)
}

/// Verifies the whole log in `data_dir`; an error names the first bad
/// position.
pub fn verify(data_dir: &Path) -> anyhow::Result<eventlog::VerifyReport> {
    let log = EventLog::open(data_dir.join("eventlog"), Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    Ok(log.verify()?)
}
