//! Prometheus metrics at `/metrics`: request latency per route, append
//! latency, and how far each read model and the process managers trail
//! the log.
//!
//! The `metrics` facade has one recorder per process. It is installed once
//! (several servers in one test process share it) and rendered by an axum
//! handler of the application's own server: the exporter's HTTP listener
//! is not compiled in, so there is no second port to secure.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// Seconds a request took, by method, route and status.
pub const REQUEST_DURATION: &str = "hypercrm_http_request_duration_seconds";
/// Seconds an append to the log took (until durable), by stream category:
/// recorded by the command handler.
pub use app::commands::APPEND_DURATION;
/// Events a read model has yet to fold: the log's head minus its
/// checkpoint.
pub const PROJECTION_LAG: &str = "hypercrm_projection_lag_events";
/// Events the process managers have yet to handle.
pub const PROCESS_LAG: &str = "hypercrm_process_lag_events";

/// Histogram buckets in seconds: from a cached read (100 µs) to a slow
/// report (10 s).
const DURATION_BUCKETS_SECONDS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The recorder's handle, or why it could not be installed.
static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the Prometheus recorder for this process, once; later calls
/// return the same handle.
pub fn install() -> Result<&'static PrometheusHandle, &'static str> {
    RECORDER
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(DURATION_BUCKETS_SECONDS)
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|error| error.to_string())
        })
        .as_ref()
        .map_err(String::as_str)
}

/// Times every request under the route it matched; requests no route
/// matched share one label, so a scan of random paths cannot grow the
/// series without bound.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        REQUEST_DURATION,
        "method" => method,
        "route" => route,
        "status" => response.status().as_u16().to_string(),
    )
    .record(started.elapsed());
    response
}

/// The metrics in Prometheus' text format, with the lags measured now.
pub async fn render(State(state): State<AppState>) -> Response {
    let handle = match install() {
        Ok(handle) => handle,
        Err(error) => {
            tracing::error!(%error, "the metrics recorder is not installed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let head = state.log.head().position;
    for status in state.read_models.statuses() {
        metrics::gauge!(PROJECTION_LAG, "model" => status.name).set(lag(head, status.checkpoint));
    }
    metrics::gauge!(PROCESS_LAG).set(lag(head, state.processes.checkpoint()));
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Events between a checkpoint and the head, as a gauge value. Counts
/// of events stay far below 2^53, where `f64` is exact.
#[allow(clippy::cast_precision_loss)]
fn lag(head: u64, checkpoint: u64) -> f64 {
    head.saturating_sub(checkpoint) as f64
}
