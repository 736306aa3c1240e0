//! Administration over HTTP: the online backup of a running server.
//!
//! `GET /admin/backup` streams a backup file of the log (whole, or what
//! came after `since`) taken at the head committed when the request
//! arrives, while the server goes on working; `hypercrm backup --server`
//! is its client. Permissions (administrators only) wrap it with the
//! security issue, like every other route.

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::TAG_ADMIN;
use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use super::streaming::blocking_body;
use crate::AppState;

/// Backups streamed at once; more wait their turn, so backups cannot take
/// every disk read from the people at work.
pub const BACKUPS_AT_ONCE_MAX: usize = 1;

static BACKUPS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(BACKUPS_AT_ONCE_MAX);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(backup))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BackupQuery {
    /// Back up what came after this position (an incremental backup; give
    /// the last position of the previous backup); 0 or absent: the whole
    /// log.
    pub since: Option<u64>,
}

/// An online backup of the event log, as a file (format in
/// docs/operations.md); `X-Backup-Last-Position` names the head it was
/// taken at.
#[utoipa::path(get, path = "/admin/backup", tag = TAG_ADMIN,
    params(BackupQuery),
    responses(
        (status = 200, description = "The backup file", content_type = "application/octet-stream", body = String),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn backup(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BackupQuery>,
) -> Result<Response, ApiError> {
    let since = query.since.unwrap_or(0);
    let head = state.log.head().position;
    if since > head {
        return Err(ApiError::invalid(
            "since",
            format!("the log ends at position {head}"),
        ));
    }
    // The semaphore is never closed, so acquiring can only wait.
    let permit = BACKUPS
        .acquire()
        .await
        .map_err(|_| ApiError::invalid("since", "backups are closed"))?;
    let log = state.log.clone();
    let keys = state.keys().clone();
    let body = blocking_body("the online backup", move |out| {
        let _permit = permit;
        // The subjects' keys travel with the log (ADR 0018).
        let summary = log.backup_with(since, out, || Ok(vec![keys.attachment()?]))?;
        tracing::info!(
            position = summary.header.last_position,
            bytes = summary.bytes,
            "online backup sent"
        );
        Ok(())
    });
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"hypercrm-{head}.hcbak\""),
            ),
            (
                axum::http::HeaderName::from_static("x-backup-last-position"),
                head.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}
