//! Administration over HTTP: the online backup of a running server.
//!
//! `GET /admin/backup` streams a backup file of the log (whole, or what
//! came after `since`) taken at the head committed when the request
//! arrives, while the server goes on working; `hypercrm backup --server`
//! is its client. Permissions (administrators only) wrap it with the
//! security issue, like every other route.

use std::io::Write;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::TAG_ADMIN;
use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use crate::AppState;

/// Backups streamed at once; more wait their turn, so backups cannot take
/// every disk read from the people at work.
pub const BACKUPS_AT_ONCE_MAX: usize = 1;
/// Bytes of backup handed to the connection at a time.
const BACKUP_PIECE_BYTES: usize = 256 * 1024;
/// Pieces buffered between the reading thread and a slow connection.
const BACKUP_PIECES_QUEUED_MAX: usize = 8;

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
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(BACKUP_PIECES_QUEUED_MAX);
    let log = state.log.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let pieces = PieceWriter {
            sender: sender.clone(),
        };
        let out = std::io::BufWriter::with_capacity(BACKUP_PIECE_BYTES, pieces);
        match log.backup(since, out) {
            Ok(summary) => tracing::info!(
                position = summary.header.last_position,
                bytes = summary.bytes,
                "online backup sent"
            ),
            Err(error) => {
                tracing::error!(%error, "the online backup failed");
                // The client sees the body break off, and its check of the
                // file fails; nothing passes for a complete backup.
                let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |context| receiver.poll_recv(context));
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
        Body::from_stream(stream),
    )
        .into_response())
}

/// Hands what the backup writes to the connection, piece by piece; a
/// connection that went away ends the backup.
struct PieceWriter {
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for PieceWriter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.sender
            .blocking_send(Ok(Bytes::copy_from_slice(buffer)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))?;
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
