//! HyperCRM's HTTP side and the `hypercrm` commands.
//!
//! Only this crate knows about HTTP and JSON. Today it serves a status page
//! and a health check over the event log; the JSON API and web UI arrive
//! with their issue. Commands: `serve` and `verify`.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use eventlog::{EventLog, Options, hash_hex};
use serde::Serialize;

pub use axum::Router;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub log: EventLog,
}

/// The application's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(health))
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

async fn status_page(State(state): State<AppState>) -> impl IntoResponse {
    let head = state.log.head();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HyperCRM</title></head>\
         <body><h1>HyperCRM</h1><p>The event log is open: {} events, head hash <code>{}</code>.</p>\
         <p>The web UI arrives with the API and UI issue.</p></body></html>",
        head.position,
        hash_hex(&head.hash)
    ))
}

/// Opens the log in `data_dir` and serves until Ctrl-C.
pub async fn serve(data_dir: &Path, listen: SocketAddr) -> anyhow::Result<()> {
    let log = EventLog::open(data_dir.join("eventlog"), Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to listen on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, head = log.head().position, "HyperCRM is serving");
    serve_on(listener, app(AppState { log })).await
}

/// Serves `app` on an already bound listener until Ctrl-C.
pub async fn serve_on(listener: tokio::net::TcpListener, app: Router) -> anyhow::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server failed")
}

/// Verifies the whole log in `data_dir`; an error names the first bad
/// position.
pub fn verify(data_dir: &Path) -> anyhow::Result<eventlog::VerifyReport> {
    let log = EventLog::open(data_dir.join("eventlog"), Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    Ok(log.verify()?)
}
