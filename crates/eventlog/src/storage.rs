//! The storage boundary: what the log needs from a key-value store.
//!
//! The writer, the codec, the hash chain and every read path are written
//! against [`Storage`], so a second backend (PostgreSQL, for companies that
//! outgrow one server) can be added without touching callers. The only
//! backend today is [`crate::sled_store::SledStorage`].
//!
//! A commit group is made durable in one step: its chunk(s), which hold the
//! records and from which every index entry can be derived again. After a
//! crash a backend must come back with a prefix of the committed groups and
//! indexes that match it exactly; how (atomic batches, a journal replayed on
//! open) is the backend's business.

use std::sync::Arc;

use uuid::Uuid;

use crate::error::Result;
use crate::stream::StreamName;

/// How hard an acknowledged append is pressed onto the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Acknowledged only after the data is on stable storage (a journal
    /// frame synced with `fdatasync`). The default, and the only mode for
    /// live business work.
    #[default]
    Full,
    /// For bulk import only: acknowledged once applied in memory; storage
    /// flushes in the background and [`crate::EventLog::sync`] forces it.
    /// A crash loses a suffix of recent groups, never part of one and never
    /// anything older than the last sync.
    BulkImportRelaxed,
}

/// A stream's identity in the indexes and its last version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamHead {
    /// The position of the stream's first event: unique, compact, and the
    /// same whenever the index is derived again from the log. Index keys use
    /// it instead of the name.
    pub stream_id: u64,
    pub last_version: u64,
}

/// A stored chunk and the position it is keyed by (its first position).
#[derive(Clone, Debug)]
pub struct StoredChunk {
    pub first_position: u64,
    pub bytes: ChunkBytes,
}

/// A chunk's bytes, shared with the backend's cache where it can (sled
/// hands out reference-counted values), so reading the log copies nothing.
#[derive(Clone)]
pub struct ChunkBytes(Arc<dyn AsRef<[u8]> + Send + Sync>);

impl ChunkBytes {
    pub fn new(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Self {
        Self(Arc::new(bytes))
    }
}

impl From<Vec<u8>> for ChunkBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl std::ops::Deref for ChunkBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

impl std::fmt::Debug for ChunkBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChunkBytes({} bytes)", self.len())
    }
}

/// Everything one commit group writes: its chunks, and the index entries
/// derived from them.
#[derive(Debug, Default)]
pub struct CommitGroup {
    pub chunks: Vec<StoredChunk>,
    pub new_streams: Vec<(StreamName, u64)>,
    /// (stream id, version, position)
    pub stream_runs: Vec<StreamRun>,
    /// (event id, position)
    pub event_ids: Vec<(Uuid, u64)>,
    /// The group's last position.
    pub last_position: u64,
}

impl CommitGroup {
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// Consecutive versions of one stream at consecutive positions: the stream
/// index keeps one entry per run (one per append), not one per event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamRun {
    pub stream_id: u64,
    pub first_version: u64,
    pub first_position: u64,
    pub count: u64,
}

/// What the log needs from a backend. Implementations are internally
/// synchronised; only the log's single writer calls [`Storage::commit`].
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// The last stored chunk, from which the log recovers its head.
    fn last_chunk(&self) -> Result<Option<StoredChunk>>;

    /// The chunk that holds `position`, if the log reaches that far.
    fn chunk_containing(&self, position: u64) -> Result<Option<StoredChunk>>;

    /// Up to `chunks_max` chunks in position order, starting with the one
    /// that holds `from_position`.
    fn chunks_from(&self, from_position: u64, chunks_max: usize) -> Result<Vec<StoredChunk>>;

    fn stream_head(&self, stream: &StreamName) -> Result<Option<StreamHead>>;

    /// Positions of a stream's events from `from_version`, at most `max`.
    fn stream_positions(&self, stream_id: u64, from_version: u64, max: usize) -> Result<Vec<u64>>;

    /// Where an event id is stored, over the whole history.
    fn event_position(&self, event_id: Uuid) -> Result<Option<u64>>;

    /// The greatest stored event id (in the ids' byte order), if any.
    fn max_event_id(&self) -> Result<Option<Uuid>>;

    /// Stores a group: its chunks durably before returning (in
    /// [`Durability::Full`]), then its index entries. After a crash the
    /// backend must come back with a prefix of the stored groups and an
    /// index that matches it.
    fn commit(&self, group: &CommitGroup, durability: Durability) -> Result<()>;

    /// Makes everything committed so far durable.
    fn sync(&self) -> Result<()>;

    /// Stores a chunk exactly as a backup holds it, without index entries:
    /// opening the store derives them, as after a crash. Only for
    /// restoring into a store that nothing else has open.
    fn restore_chunk(&self, chunk: &StoredChunk) -> Result<()>;

    /// Bytes the store occupies on disk.
    fn disk_bytes(&self) -> Result<u64>;
}
