//! HyperCRM's event log: the one source of truth.
//!
//! Every business action is appended here as an event; everything else
//! (read models, reports, the audit view) is derived from it. The log is
//! append-only, gap-free (positions 1, 2, 3…), per-stream versioned,
//! durable before it acknowledges, and tamper-evident through a SHA-256
//! hash chain over every record.
//!
//! - [`EventLog::append`] checks the expected version, is idempotent on
//!   event ids, and is committed together with concurrent appends (group
//!   commit) by a single writer thread ([`writer`]).
//! - Reads: [`EventLog::read_stream`], [`EventLog::read_all`],
//!   [`EventLog::position_at`], [`EventLog::head`], and
//!   [`EventLog::subscribe`] for catch-up-then-live delivery.
//! - [`EventLog::verify`] walks the whole log and reports the first bad
//!   position.
//!
//! Storage sits behind the [`storage::Storage`] trait; the backend is sled
//! ([`sled_store`]). See `docs/ARCHITECTURE.md` and `docs/adr/`.

pub mod backup;
pub mod codec;
pub mod error;
pub mod event;
mod journal;
mod read;
pub mod segments;
pub mod sled_store;
pub mod storage;
pub mod stream;
mod subscription;
pub mod upcast;
mod verify;
pub mod writer;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};

pub use crate::error::{Error, Result};
pub use crate::event::{
    Actor, AppendMeta, AppendOutcome, CurrentVersion, ExpectedVersion, Head, NewEvent,
    RecordedEvent, hash_hex,
};
pub use crate::read::{Categories, ReadAllPage, ReadFilter};
pub use crate::storage::Durability;
use crate::storage::Storage;
pub use crate::stream::StreamName;
pub use crate::subscription::Subscription;
pub use crate::upcast::{PayloadOpener, UpcasterRegistry};
pub use crate::verify::VerifyReport;
use crate::writer::{AppendRequest, Writer, WriterCommand};

/// Most events one append may carry.
pub const APPEND_EVENTS_MAX: usize = 1_000;

/// Most payload bytes one append may carry, in all of its events. One
/// append must fit one commit group (see [`writer::GROUP_PAYLOAD_BYTES_MAX`]).
pub const APPEND_PAYLOAD_BYTES_MAX: usize = 2 * 1024 * 1024;

/// Appends that may wait for the writer before appenders are slowed down.
pub const WRITER_QUEUE_APPENDS_MAX: usize = 4_096;

/// The source of `recorded_at`. Passed in, so tests and replays are
/// deterministic.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// How to open a log.
#[derive(Debug, Clone)]
pub struct Options {
    pub durability: Durability,
    /// sled's page cache.
    pub cache_bytes: u64,
    pub clock: Arc<dyn Clock>,
    /// Applied to every event read (not to `verify`, which checks the
    /// stored bytes).
    pub upcasters: Option<Arc<UpcasterRegistry>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            cache_bytes: sled_store::CACHE_BYTES_DEFAULT,
            clock: Arc::new(SystemClock),
            upcasters: None,
        }
    }
}

/// A handle to an open log. Cheap to clone; the store closes when the last
/// handle (and subscription) is dropped.
#[derive(Clone, Debug)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Arc<dyn Storage>,
    sender: Option<mpsc::Sender<WriterCommand>>,
    committed: watch::Receiver<Head>,
    upcasters: Option<Arc<UpcasterRegistry>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    /// Pages whose back half the decoding thread decoded (see
    /// [`EventLog::pages_decoded_in_parallel`]).
    parallel_pages: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLog")
            .field("storage", &self.storage)
            .field("head", &*self.committed.borrow())
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue ends the writer after its current group; wait
        // for it so the store is quiet before sled is dropped.
        self.sender.take();
        let handle = self.writer_thread.get_mut().ok().and_then(Option::take);
        if let Some(handle) = handle {
            if handle.join().is_err() {
                tracing::error!("the event log writer thread panicked");
            }
        }
    }
}

impl EventLog {
    /// Opens (or creates) the log stored in `directory` with sled.
    pub fn open(directory: impl AsRef<Path>, options: Options) -> Result<Self> {
        let directory = directory.as_ref();
        std::fs::create_dir_all(directory)?;
        let storage = sled_store::SledStorage::open(directory, options.cache_bytes)?;
        Self::with_storage(Arc::new(storage), options)
    }

    /// Opens the log over any storage backend.
    pub fn with_storage(storage: Arc<dyn Storage>, options: Options) -> Result<Self> {
        let (head, damage) = read::recover_head(storage.as_ref())?;
        if let Some(damage) = &damage {
            tracing::error!(%damage, "the event log's last chunk is damaged; it opens for reading and verify only");
        }
        let (head_sender, committed) = watch::channel(head);
        let writer = Writer::new(
            storage.clone(),
            options.durability,
            options.clock,
            head,
            head_sender,
            damage.map(|damage| {
                format!("the store is damaged ({damage}); appends are refused until it is restored from a backup")
            }),
        )?;
        let (sender, receiver) = mpsc::channel(WRITER_QUEUE_APPENDS_MAX);
        let writer_thread = std::thread::Builder::new()
            .name("eventlog-writer".to_owned())
            .spawn(move || writer.run(receiver))?;
        Ok(Self {
            inner: Arc::new(Inner {
                storage,
                sender: Some(sender),
                committed,
                upcasters: options.upcasters,
                writer_thread: Mutex::new(Some(writer_thread)),
                parallel_pages: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// Appends `events` to `stream` if it is at `expected`, atomically and,
    /// in [`Durability::Full`], durably before returning.
    ///
    /// If every event id is already stored by one earlier append to this
    /// stream, nothing is written and that append's outcome is returned with
    /// `already_stored` set.
    pub async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        meta: AppendMeta,
    ) -> Result<AppendOutcome> {
        let (request, answer) = self.prepare_append(stream, expected, events, meta)?;
        self.sender()?
            .send(WriterCommand::Append(request))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// [`Self::append`] for threads outside an async runtime (command-line
    /// tools, imports). Panics if called from within an async context, as
    /// blocking there would stall the runtime.
    pub fn append_blocking(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        meta: AppendMeta,
    ) -> Result<AppendOutcome> {
        let (request, answer) = self.prepare_append(stream, expected, events, meta)?;
        self.sender()?
            .blocking_send(WriterCommand::Append(request))
            .map_err(|_| Error::Closed)?;
        answer.blocking_recv().map_err(|_| Error::Closed)?
    }

    /// Makes everything appended so far durable: the end of a bulk import
    /// in [`Durability::BulkImportRelaxed`]. A no-op cost in full mode.
    pub async fn sync(&self) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.sender()?
            .send(WriterCommand::Sync(reply))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// [`Self::sync`] outside an async runtime.
    pub fn sync_blocking(&self) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.sender()?
            .blocking_send(WriterCommand::Sync(reply))
            .map_err(|_| Error::Closed)?;
        answer.blocking_recv().map_err(|_| Error::Closed)?
    }

    /// The last durable position, its hash and time.
    pub fn head(&self) -> Head {
        *self.inner.committed.borrow()
    }

    /// A receiver that sees every new durable head: for followers that
    /// read in their own pages (projections) and want to sleep while the
    /// log is quiet. It may skip intermediate heads; read by position.
    pub fn watch_head(&self) -> tokio::sync::watch::Receiver<Head> {
        self.inner.committed.clone()
    }

    /// Bytes the store occupies on disk.
    pub fn disk_bytes(&self) -> Result<u64> {
        self.inner.storage.disk_bytes()
    }

    fn sender(&self) -> Result<&mpsc::Sender<WriterCommand>> {
        self.inner.sender.as_ref().ok_or(Error::Closed)
    }

    /// Checks everything that can be checked without the log's state, so bad
    /// input never reaches the writer.
    fn prepare_append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        meta: AppendMeta,
    ) -> Result<(AppendRequest, oneshot::Receiver<Result<AppendOutcome>>)> {
        validate_append(&events, &meta)?;
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.clone(),
            expected,
            events,
            meta,
            reply,
        };
        Ok((request, answer))
    }
}

fn validate_append(events: &[NewEvent], meta: &AppendMeta) -> Result<()> {
    if events.is_empty() {
        return Err(Error::EmptyAppend);
    }
    if events.len() > APPEND_EVENTS_MAX {
        return Err(Error::TooManyEvents {
            count: events.len(),
            max: APPEND_EVENTS_MAX,
        });
    }
    if let Actor::System { process } = &meta.actor {
        if process.is_empty() || process.len() > event::ACTOR_NAME_BYTES_MAX {
            return Err(Error::InvalidActor {
                reason: format!(
                    "a system process name must be 1 to {} bytes long",
                    event::ACTOR_NAME_BYTES_MAX
                ),
            });
        }
    }
    let payload_bytes: usize = events.iter().map(|event| event.payload.len()).sum();
    if payload_bytes > APPEND_PAYLOAD_BYTES_MAX {
        return Err(Error::AppendTooLarge {
            bytes: payload_bytes,
            max: APPEND_PAYLOAD_BYTES_MAX,
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        validate_event_type(index, &event.event_type)?;
        // The payload alone already tells if the record cannot fit; the
        // writer checks the exact encoded size.
        if event.payload.len() > codec::RECORD_BYTES_MAX {
            return Err(Error::EventTooLarge {
                index,
                bytes: event.payload.len(),
                max: codec::RECORD_BYTES_MAX,
            });
        }
        if !seen.insert(event.event_id) {
            return Err(Error::DuplicateEventIdInAppend {
                event_id: event.event_id,
            });
        }
    }
    Ok(())
}

fn validate_event_type(index: usize, event_type: &str) -> Result<()> {
    let invalid = |reason: &str| Error::InvalidEventType {
        index,
        event_type: stream::truncate_for_message(event_type),
        reason: reason.to_owned(),
    };
    if event_type.is_empty() {
        return Err(invalid("is empty"));
    }
    if event_type.len() > event::EVENT_TYPE_BYTES_MAX {
        return Err(invalid(&format!(
            "is longer than {} bytes",
            event::EVENT_TYPE_BYTES_MAX
        )));
    }
    if !event_type
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(invalid("may hold only ASCII letters, digits, `_` and `.`"));
    }
    Ok(())
}
