//! Answer bodies written by blocking code (a backup, an export): the
//! writer runs on a blocking thread and hands the connection pieces
//! through a bounded channel, so a slow client holds a few pieces in
//! memory, never the whole answer, and a client that leaves ends the work.
//! A failure breaks the body off instead of ending it, so nobody takes a
//! cut backup or export for a whole one.

use std::io::{BufWriter, Write};

use axum::body::Body;
use bytes::Bytes;

/// Bytes handed to the connection at a time.
pub const STREAMED_PIECE_BYTES: usize = 256 * 1024;
/// Pieces buffered between the writing thread and a slow connection.
pub const STREAMED_PIECES_QUEUED_MAX: usize = 8;

type Piece = Result<Bytes, std::io::Error>;

/// A body that `write` fills on a blocking thread; `what` names the work
/// in the log when it fails.
pub fn blocking_body<F>(what: &'static str, write: F) -> Body
where
    F: FnOnce(&mut BufWriter<PieceWriter>) -> anyhow::Result<()> + Send + 'static,
{
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Piece>(STREAMED_PIECES_QUEUED_MAX);
    tokio::task::spawn_blocking(move || {
        let pieces = PieceWriter {
            sender: sender.clone(),
        };
        let mut out = BufWriter::with_capacity(STREAMED_PIECE_BYTES, pieces);
        let written = write(&mut out).and_then(|()| Ok(out.flush()?));
        if let Err(error) = written {
            tracing::error!(error = format!("{error:#}"), "{what} failed");
            let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |context| {
        receiver.poll_recv(context)
    }))
}

/// Hands what is written to the connection, piece by piece; a connection
/// that went away makes the next write fail.
#[derive(Debug)]
pub struct PieceWriter {
    sender: tokio::sync::mpsc::Sender<Piece>,
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
