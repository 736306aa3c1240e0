//! What can stop a projection.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error(transparent)]
    Log(#[from] eventlog::Error),
    #[error("the event at position {position} does not decode: {source}")]
    Decode {
        position: u64,
        source: domain::DecodeError,
    },
    #[error("the event at position {position} is in stream {stream}, whose id is not a UUID")]
    StreamId { position: u64, stream: String },
    #[error("snapshot {path}: {reason}")]
    Snapshot { path: PathBuf, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("the projection {name} stopped: {reason}")]
    Stopped { name: &'static str, reason: String },
}

pub type Result<T, E = ProjectionError> = std::result::Result<T, E>;

pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProjectionError {
    let context = context.into();
    move |source| ProjectionError::Io { context, source }
}
