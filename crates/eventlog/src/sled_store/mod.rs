//! The sled backend: records in segment files, their directory and the
//! indexes in one sled tree.
//!
//! Key layout (all integers big-endian so keys sort numerically):
//!
//! | key | value |
//! |---|---|
//! | `c` position(8) | where the chunk whose first record has that position is: segment(8) offset(8) length(4) |
//! | `l` position(8) | a chunk stored inline: formats 1 and 2 kept their chunks in sled, still read |
//! | `n` stream name | stream id(8): the position of the stream's first event |
//! | `s` stream id(8) first version(8) | first position(8) count(8): a run of consecutive versions |
//! | `e` id head(6) position(8) | id tail(10) position(8), repeated: the ids of one group that share their first six bytes |
//! | `e` event id(16) | position(8): format 1's one key per id, still read |
//! | `!format` | store format (1 byte) |
//! | `!indexed_through` | the last position whose index entries are written(8) |
//! | `!unsynced_from` | the first position written in relaxed mode since the last sync(8) |
//! | `!rederiving` | locations from this position(8) on, and all indexes, are being derived again |
//!
//! **Durability.** A commit group's chunks are appended to a segment file
//! ([`Segments`]) and synced with one `fdatasync`; that is the
//! acknowledgement. Then their locations and index entries go into sled
//! without a flush; sled writes them out in the background, and a
//! checkpoint (sled `flush`, then `fdatasync` of sled's data file, because
//! sled's `flush` ends in `sync_file_range`, which flushes neither the
//! drive's cache nor metadata: sled issues #1452, #1351) makes them durable.
//! Record bytes are written once and never pass through sled (ADR 0013).
//!
//! **The event-id index in buckets.** A UUID v7 starts with its
//! millisecond timestamp, so the ids of one commit group mostly share their
//! first six bytes. Each group writes one key per distinct *id head* (six
//! bytes) holding all of the group's ids with that head, instead of one key
//! per id: tree inserts are what bounds the writer (docs/benchmarks.md), and
//! 256 concurrent single-event appends share two or three heads. Ids without
//! a time prefix (v4, v5) fall back to one key per id, as before. A lookup
//! scans the keys of one head, which also finds format 1's per-id keys (17
//! bytes long, told apart by length), so a format-1 store is read as it is.
//!
//! **Recovery.** Every location and index entry can be derived from the
//! segments, and an entry derived again never contradicts one written
//! before, so writes need not be atomic. Stream names and locations get
//! the same key and value; stream runs and event-id buckets may be cut
//! differently (per chunk rather than per group), so they can overlap or
//! repeat earlier ones, but every copy maps an id or a version to the same
//! position, and lookups read through overlaps. On open, the frames after
//! the last known location are scanned (whole groups only), their
//! locations written, index entries derived again for every chunk past
//! `indexed_through`, and a checkpoint makes the result durable. sled
//! recovers a prefix of its writes, so nothing between `indexed_through`
//! and the log's end is missed.
//!
//! In relaxed mode sled may come back *ahead* of the segments: it can write
//! a location before the operating system wrote the frame. The first
//! relaxed group after a sync therefore writes `!unsynced_from` before its
//! locations, and a sync removes it. When it is there on open, every frame
//! from that position is checked; if one is missing, the locations and
//! indexes are derived again from the segments (the frames that survived
//! are kept, whole groups only).
//!
//! **Earlier formats.** Formats 1 and 2 kept chunks inline (`l` keys) and a
//! journal beside sled. Opening such a store copies any journal frames sled
//! lacks into it, removes the journal and marks the store format 3; its
//! inline chunks stay where they are and are read before the first
//! segment's.
//!
//! **No blobs.** sled writes values (and whole tree nodes) larger than a
//! quarter of a segment into separate blob files that its flush never
//! syncs. Inline chunks are at most [`crate::codec::RECORD_BYTES_MAX`] plus
//! headers, and we raise sled's segment size so that even a leaf node full
//! of the largest stays below the blob threshold (ADR 0003). As a second
//! line of defence, a checkpoint also fsyncs any blob file it finds.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sled::Db;
use uuid::Uuid;

use crate::codec::ChunkView;
use crate::error::{Error, Result};
use crate::segments::{Location, Segments};
use crate::storage::{CommitGroup, Durability, Storage, StoredChunk, StreamHead};
use crate::stream::StreamName;

mod keys;
mod recovery;

use keys::{
    ID_BUCKET_ENTRIES_MAX, ID_ENTRY_BYTES, ID_HEAD_BYTES, KEY_FORMAT, KEY_INDEXED_THROUGH,
    KEY_UNSYNCED_FROM, PREFIX_EVENT_ID, PREFIX_LOCATION, PREFIX_LOG, STORE_FORMAT_V1,
    STORE_FORMAT_V2, STORE_FORMAT_V3, corrupt_index, decode_id_entries, decode_run, decode_u64,
};

/// Chunk locations one step of a read or a check handles.
const LOCATIONS_PER_STEP: usize = 1_024;

/// sled segment size. A leaf holds at most ~17 entries; even with every
/// inline chunk a single record of the largest size (64 KiB) a full leaf
/// stays well under a quarter of this (the blob threshold). See ADR 0003.
const SEGMENT_BYTES: usize = 8 * 1024 * 1024;

/// Default size of sled's page cache.
pub const CACHE_BYTES_DEFAULT: u64 = 256 * 1024 * 1024;

/// How often sled flushes on its own in the background, which bounds how
/// much index work recovery redoes.
const BACKGROUND_FLUSH_MS: u64 = 200;

/// The sled configuration of a store. Tools that open a store's sled
/// directly (tests that tamper with it, forensic tools) must use it: sled
/// refuses a segment size other than the one the store was made with.
pub fn sled_config(directory: &Path) -> sled::Config {
    sled::Config::new()
        .path(directory)
        .segment_size(SEGMENT_BYTES)
        .flush_every_ms(Some(BACKGROUND_FLUSH_MS))
}

/// How long opening waits for a previous handle's background I/O to let go
/// of sled's file lock.
const LOCK_WAIT_MS_MAX: u64 = 5_000;

/// Opens sled, waiting briefly if the store was just closed: sled's
/// background threads may hold the file lock for a moment after the last
/// handle is dropped.
pub fn open_sled(config: sled::Config) -> Result<Db> {
    let mut waited_ms = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(error))
                if error.to_string().contains("could not acquire lock")
                    && waited_ms < LOCK_WAIT_MS_MAX =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
                waited_ms += 10;
            }
            other => return Ok(other?),
        }
    }
}

#[derive(Debug)]
pub struct SledStorage {
    db: Db,
    directory: PathBuf,
    /// sled's data file, opened once so every durable sync is one fdatasync.
    data_file: File,
    /// Blob files already synced, so each is synced once.
    synced_blobs: Mutex<HashSet<std::ffi::OsString>>,
    segments: Segments,
    /// The first position written in relaxed mode since the last sync, as
    /// `!unsynced_from` holds it. Only the writer (through `commit`) and
    /// `sync` touch it.
    unsynced_from: Mutex<Option<u64>>,
    /// Set once `open` has recovered the store. A store whose opening
    /// failed is not synced when dropped: that could clear
    /// `!unsynced_from` over frames that were never written.
    opened: bool,
}

impl SledStorage {
    /// Opens (or creates) a store in `directory`.
    pub fn open(directory: &Path, cache_bytes: u64) -> Result<Self> {
        remove_unfinished_snapshots(directory)?;
        let existed = directory.join("db").exists();
        let db = open_sled(sled_config(directory).cache_capacity(cache_bytes))?;
        let upgrade_from = match db.get(KEY_FORMAT)? {
            Some(format) if format.as_ref() == [STORE_FORMAT_V3] => None,
            Some(format)
                if format.as_ref() == [STORE_FORMAT_V1] || format.as_ref() == [STORE_FORMAT_V2] =>
            {
                Some(format[0])
            }
            Some(format) => {
                return Err(Error::Corrupt {
                    position: 0,
                    reason: format!(
                        "unknown store format {:?} in {}",
                        format.as_ref(),
                        directory.display()
                    ),
                });
            }
            None if existed && db.iter().next().is_some() => {
                return Err(Error::Corrupt {
                    position: 0,
                    reason: format!(
                        "{} holds data but no store format marker",
                        directory.display()
                    ),
                });
            }
            None => {
                db.insert(KEY_FORMAT, &[STORE_FORMAT_V3])?;
                None
            }
        };
        let data_file = File::open(directory.join("db"))?;
        let segments = Segments::open(directory)?;
        let unsynced_from = match db.get(KEY_UNSYNCED_FROM)? {
            Some(value) => Some(
                decode_u64(&value).ok_or_else(|| corrupt_index("unsynced_from", value.len()))?,
            ),
            None => None,
        };
        let mut storage = Self {
            db,
            directory: directory.to_path_buf(),
            data_file,
            synced_blobs: Mutex::new(HashSet::new()),
            segments,
            unsynced_from: Mutex::new(unsynced_from),
            opened: false,
        };
        if let Some(format) = upgrade_from {
            storage.upgrade_from_journal(format)?;
        }
        storage.recover()?;
        storage.checkpoint()?;
        // Make the files' directory entries durable too.
        File::open(directory)?.sync_all()?;
        storage.opened = true;
        Ok(storage)
    }

    fn unsynced(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.unsynced_from
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn indexed_through(&self) -> Result<u64> {
        match self.db.get(KEY_INDEXED_THROUGH)? {
            Some(value) => {
                decode_u64(&value).ok_or_else(|| corrupt_index("indexed_through", value.len()))
            }
            None => Ok(0),
        }
    }

    /// The last position of the inline chunks (formats 1 and 2), or 0.
    fn inline_end(&self) -> Result<u64> {
        match self.last_inline_chunk()? {
            Some(chunk) => {
                Ok(ChunkView::parse(&chunk.bytes, chunk.first_position, false)?.last_position())
            }
            None => Ok(0),
        }
    }

    /// Writes a group's index entries, then moves the `indexed_through`
    /// mark. Plain inserts: every entry is derived again after a crash.
    fn write_indexes(&self, group: &CommitGroup) -> Result<()> {
        for (stream, stream_id) in &group.new_streams {
            self.db
                .insert(keys::stream_name_key(stream), &stream_id.to_be_bytes())?;
        }
        for run in &group.stream_runs {
            let mut value = [0u8; 16];
            value[..8].copy_from_slice(&run.first_position.to_be_bytes());
            value[8..].copy_from_slice(&run.count.to_be_bytes());
            self.db.insert(
                keys::stream_index_key(run.stream_id, run.first_version),
                &value,
            )?;
        }
        self.write_event_ids(&group.event_ids)?;
        self.db
            .insert(KEY_INDEXED_THROUGH, &group.last_position.to_be_bytes())?;
        Ok(())
    }

    /// Writes a group's event ids, one key per id head (see the module
    /// docs). Every id of the group is in exactly one bucket.
    fn write_event_ids(&self, event_ids: &[(Uuid, u64)]) -> Result<()> {
        let mut sorted = event_ids.to_vec();
        sorted.sort_unstable_by_key(|(id, _)| *id);
        let mut value =
            Vec::with_capacity(sorted.len().min(ID_BUCKET_ENTRIES_MAX) * ID_ENTRY_BYTES);
        for bucket in sorted
            .chunk_by(|(a, _), (b, _)| {
                a.as_bytes()[..ID_HEAD_BYTES] == b.as_bytes()[..ID_HEAD_BYTES]
            })
            .flat_map(|same_head| same_head.chunks(ID_BUCKET_ENTRIES_MAX))
        {
            value.clear();
            let mut first_position = u64::MAX;
            for (id, position) in bucket {
                value.extend_from_slice(&id.as_bytes()[ID_HEAD_BYTES..]);
                value.extend_from_slice(&position.to_be_bytes());
                first_position = first_position.min(*position);
            }
            let head = &bucket[0].0.as_bytes()[..ID_HEAD_BYTES];
            self.db
                .insert(keys::event_id_bucket_key(head, first_position), &value[..])?;
        }
        Ok(())
    }

    /// Every (id, position) stored under the keys of one id head, format 1's
    /// keys included.
    fn ids_with_head(&self, head: &[u8]) -> Result<Vec<(Uuid, u64)>> {
        let mut found = Vec::new();
        for entry in self.db.scan_prefix(keys::id_head_prefix(head)) {
            let (key, value) = entry?;
            decode_id_entries(&key, &value, &mut found)?;
        }
        Ok(found)
    }

    /// Makes everything written to sled so far durable.
    fn checkpoint(&self) -> Result<()> {
        self.db.flush()?;
        self.data_file.sync_data()?;
        self.sync_blobs()
    }

    /// The last chunk location, if any chunk is in a segment.
    fn last_location(&self) -> Result<Option<(u64, Location)>> {
        match self.db.scan_prefix([PREFIX_LOCATION]).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(keys::location_from_entry(&key, &value)?))
            }
            None => Ok(None),
        }
    }

    /// The location of the segment chunk that would hold `position`.
    fn location_at_or_before(&self, position: u64) -> Result<Option<(u64, Location)>> {
        location_at_or_before(&self.db, position)
    }

    /// Up to `max` locations of chunks whose first position is at least
    /// `from`, in order.
    fn locations_from(&self, from: u64, max: usize) -> Result<Vec<(u64, Location)>> {
        let range = keys::location_key(from)..=keys::location_key(u64::MAX);
        let mut entries = Vec::with_capacity(max.min(LOCATIONS_PER_STEP));
        for entry in self.db.range(range).take(max) {
            let (key, value) = entry?;
            entries.push(keys::location_from_entry(&key, &value)?);
        }
        Ok(entries)
    }

    fn last_inline_chunk(&self) -> Result<Option<StoredChunk>> {
        match self.db.scan_prefix([PREFIX_LOG]).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(keys::chunk_from_entry(&key, value)?))
            }
            None => Ok(None),
        }
    }

    fn inline_chunk_containing(&self, position: u64) -> Result<Option<StoredChunk>> {
        inline_chunk_containing(&self.db, position)
    }

    /// Up to `chunks_max` inline chunks from the one holding
    /// `from_position` on.
    fn inline_chunks_from(
        &self,
        from_position: u64,
        chunks_max: usize,
    ) -> Result<Vec<StoredChunk>> {
        let mut chunks = Vec::new();
        // The chunk holding `from_position` may start before it.
        let start = match self.inline_chunk_containing(from_position)? {
            Some(chunk) => {
                let start = chunk.first_position;
                chunks.push(chunk);
                start + 1
            }
            None => from_position.max(1),
        };
        if chunks.len() >= chunks_max {
            return Ok(chunks);
        }
        let range = keys::log_key(start)..=keys::log_key(u64::MAX);
        for entry in self.db.range(range).take(chunks_max - chunks.len()) {
            let (key, value) = entry?;
            chunks.push(keys::chunk_from_entry(&key, value)?);
        }
        Ok(chunks)
    }

    /// fsyncs blob files sled may have written (see the module docs).
    fn sync_blobs(&self) -> Result<()> {
        let blobs = self.directory.join("blobs");
        let Ok(entries) = std::fs::read_dir(&blobs) else {
            return Ok(());
        };
        let mut synced = self
            .synced_blobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut any_new = false;
        for entry in entries {
            let entry = entry?;
            if synced.contains(&entry.file_name()) {
                continue;
            }
            tracing::warn!(file = ?entry.path(), "sled wrote a blob file; syncing it");
            File::open(entry.path())?.sync_data()?;
            synced.insert(entry.file_name());
            any_new = true;
        }
        if any_new {
            File::open(&blobs)?.sync_all()?;
        }
        Ok(())
    }
}

/// Removes sled snapshot files that were still being written when the
/// process stopped.
///
/// sled 0.34.7 writes a snapshot to `snap.<lsn>.generating`, syncs it and
/// renames it; but when it opens a store it picks the snapshot with the
/// greatest name and filters out only `.in___motion` files, so a leftover
/// `.generating` file (the process was killed mid-snapshot) is taken as the
/// newest snapshot, fails its checksum, and the store will not open ("Read
/// corrupted data at file offset None"). Such a file is unfinished by
/// construction, and the snapshot it was to replace is still there, so
/// removing it loses nothing. Found by the crash soak.
fn remove_unfinished_snapshots(directory: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %entry.path().display(), "removing an unfinished sled snapshot");
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

impl Storage for SledStorage {
    fn last_chunk(&self) -> Result<Option<StoredChunk>> {
        match self.last_location()? {
            Some(entry) => Ok(self.segments.read(&[entry])?.pop()),
            None => self.last_inline_chunk(),
        }
    }

    fn chunk_containing(&self, position: u64) -> Result<Option<StoredChunk>> {
        // Inline chunks all come before the first segment chunk.
        match self.location_at_or_before(position)? {
            Some(entry) => Ok(self.segments.read(&[entry])?.pop()),
            None => self.inline_chunk_containing(position),
        }
    }

    fn chunks_from(&self, from_position: u64, chunks_max: usize) -> Result<Vec<StoredChunk>> {
        let (mut chunks, locations_from) = match self.location_at_or_before(from_position)? {
            // The chunk holding `from_position` may start before it.
            Some((first_position, _)) => (Vec::new(), first_position),
            None => (self.inline_chunks_from(from_position, chunks_max)?, 0),
        };
        if chunks.len() < chunks_max {
            let entries = self.locations_from(locations_from, chunks_max - chunks.len())?;
            chunks.extend(self.segments.read(&entries)?);
        }
        Ok(chunks)
    }

    fn stream_head(&self, stream: &StreamName) -> Result<Option<StreamHead>> {
        let Some(id_bytes) = self.db.get(keys::stream_name_key(stream))? else {
            return Ok(None);
        };
        let stream_id =
            decode_u64(&id_bytes).ok_or_else(|| corrupt_index("a stream id", id_bytes.len()))?;
        let range =
            keys::stream_index_key(stream_id, 0)..=keys::stream_index_key(stream_id, u64::MAX);
        let Some(entry) = self.db.range(range).next_back() else {
            // The name is written before the stream's first index entry, so
            // a reader can see it an instant early: the stream is not there
            // yet. (`verify` checks that every stream has its entries.)
            return Ok(None);
        };
        let (key, value) = entry?;
        let run = decode_run(&key, &value)?;
        let last_version = run.first_version + run.count - 1;
        Ok(Some(StreamHead {
            stream_id,
            last_version,
        }))
    }

    fn stream_positions(&self, stream_id: u64, from_version: u64, max: usize) -> Result<Vec<u64>> {
        // Start at the run that holds `from_version`.
        let start = match self
            .db
            .range(
                keys::stream_index_key(stream_id, 0)
                    ..=keys::stream_index_key(stream_id, from_version),
            )
            .next_back()
        {
            Some(entry) => {
                let (key, value) = entry?;
                decode_run(&key, &value)?.first_version
            }
            None => from_version,
        };
        let range =
            keys::stream_index_key(stream_id, start)..=keys::stream_index_key(stream_id, u64::MAX);
        let mut positions = Vec::with_capacity(max.min(1_024));
        let mut next_version = from_version;
        for entry in self.db.range(range) {
            if positions.len() >= max {
                break;
            }
            let (key, value) = entry?;
            let run = decode_run(&key, &value)?;
            if run.first_version > next_version {
                break; // a gap: the rest is not indexed (yet)
            }
            // Runs derived again after a crash may overlap earlier ones.
            let run_end = run.first_version + run.count;
            let wanted =
                usize::try_from(run_end.saturating_sub(next_version)).unwrap_or(usize::MAX);
            let take = wanted.min(max - positions.len());
            let first =
                run.first_position + (next_version.max(run.first_version) - run.first_version);
            positions.extend((0..take as u64).map(|offset| first + offset));
            next_version += take as u64;
        }
        Ok(positions)
    }

    fn event_position(&self, event_id: Uuid) -> Result<Option<u64>> {
        // Usually one key (one bucket or one format-1 id) per head.
        let mut found = Vec::new();
        for entry in self
            .db
            .scan_prefix(keys::id_head_prefix(&event_id.as_bytes()[..ID_HEAD_BYTES]))
        {
            let (key, value) = entry?;
            found.clear();
            decode_id_entries(&key, &value, &mut found)?;
            if let Some((_, position)) = found.iter().find(|(id, _)| *id == event_id) {
                return Ok(Some(*position));
            }
        }
        Ok(None)
    }

    fn max_event_id(&self) -> Result<Option<Uuid>> {
        // The last key has the greatest head; the greatest id has that head.
        let Some(entry) = self.db.scan_prefix([PREFIX_EVENT_ID]).next_back() else {
            return Ok(None);
        };
        let (key, _) = entry?;
        let head = key.get(1..=ID_HEAD_BYTES).ok_or_else(|| Error::Corrupt {
            position: 0,
            reason: format!("event id key of {} bytes", key.len()),
        })?;
        Ok(self
            .ids_with_head(head)?
            .into_iter()
            .map(|(id, _)| id)
            .max())
    }

    fn commit(&self, group: &CommitGroup, durability: Durability) -> Result<()> {
        let Some(first) = group.chunks.first() else {
            return Ok(());
        };
        let durable = durability == Durability::Full;
        let mut unsynced = self.unsynced();
        if !durable && unsynced.is_none() {
            // Before any location it covers, so sled never keeps one
            // without it (sled recovers a prefix of its writes).
            self.db
                .insert(KEY_UNSYNCED_FROM, &first.first_position.to_be_bytes())?;
            *unsynced = Some(first.first_position);
        }
        // A durable append first syncs what relaxed ones left unsynced.
        let locations = self.segments.append(&group.chunks, durable)?;
        if durable && unsynced.take().is_some() {
            self.db.remove(KEY_UNSYNCED_FROM)?;
        }
        drop(unsynced);
        for (chunk, location) in group.chunks.iter().zip(&locations) {
            self.db
                .insert(keys::location_key(chunk.first_position), &location.encode())?;
        }
        self.write_indexes(group)
    }

    fn sync(&self) -> Result<()> {
        self.segments.sync()?;
        if self.unsynced().take().is_some() {
            self.db.remove(KEY_UNSYNCED_FROM)?;
        }
        self.checkpoint()
    }

    fn restore_chunk(&self, chunk: &StoredChunk) -> Result<()> {
        // No location: opening the store finds the frame and writes it.
        self.segments.append(std::slice::from_ref(chunk), false)?;
        Ok(())
    }

    fn disk_bytes(&self) -> Result<u64> {
        fn walk(path: &Path) -> std::io::Result<u64> {
            let mut total = 0;
            for entry in std::fs::read_dir(path)? {
                let entry = entry?;
                let metadata = entry.metadata()?;
                total += if metadata.is_dir() {
                    walk(&entry.path())?
                } else {
                    metadata.len()
                };
            }
            Ok(total)
        }
        Ok(walk(&self.directory)?)
    }
}

impl Drop for SledStorage {
    /// A clean close leaves nothing for recovery to do.
    fn drop(&mut self) {
        if !self.opened {
            return;
        }
        if let Err(error) = self.sync() {
            tracing::error!(%error, "closing the event log store: the final sync failed");
        }
    }
}

fn location_at_or_before(db: &Db, position: u64) -> Result<Option<(u64, Location)>> {
    let range = keys::location_key(0)..=keys::location_key(position);
    match db.range(range).next_back() {
        Some(entry) => {
            let (key, value) = entry?;
            Ok(Some(keys::location_from_entry(&key, &value)?))
        }
        None => Ok(None),
    }
}

fn inline_chunk_containing(db: &Db, position: u64) -> Result<Option<StoredChunk>> {
    let range = keys::log_key(0)..=keys::log_key(position);
    match db.range(range).next_back() {
        Some(entry) => {
            let (key, value) = entry?;
            Ok(Some(keys::chunk_from_entry(&key, value)?))
        }
        None => Ok(None),
    }
}

/// The chunk that holds `position`, exactly as stored, read without
/// opening the log: for forensic tools and tamper tests. Nothing may have
/// the store open.
pub fn read_stored_chunk(directory: &Path, position: u64) -> Result<Option<StoredChunk>> {
    let db = open_sled(sled_config(directory))?;
    match location_at_or_before(&db, position)? {
        Some(entry) => Ok(Segments::open(directory)?.read(&[entry])?.pop()),
        None => inline_chunk_containing(&db, position),
    }
}

/// Overwrites the stored bytes of the chunk whose first position is
/// `first_position` in place, as someone with access to the disk could:
/// for tamper tests and forensic repairs. The new bytes must be as long as
/// the old. Nothing may have the store open.
pub fn overwrite_stored_chunk(directory: &Path, first_position: u64, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::FileExt as _;
    let db = open_sled(sled_config(directory))?;
    let refuse = |reason: String| Error::Corrupt {
        position: first_position,
        reason,
    };
    match location_at_or_before(&db, first_position)? {
        Some((position, location)) if position == first_position => {
            if bytes.len() != location.length as usize {
                return Err(refuse(format!(
                    "{} bytes cannot replace a chunk of {}",
                    bytes.len(),
                    location.length
                )));
            }
            let path = crate::segments::segment_path(directory, location.segment);
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            file.write_all_at(bytes, location.offset)?;
            file.sync_all()?;
        }
        Some(_) => return Err(refuse("no chunk starts at that position".to_owned())),
        None => match inline_chunk_containing(&db, first_position)? {
            Some(chunk) if chunk.first_position == first_position => {
                db.insert(keys::log_key(first_position), bytes)?;
                db.flush()?;
            }
            _ => return Err(refuse("no chunk starts at that position".to_owned())),
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StreamRun;

    fn run(first_version: u64, first_position: u64, count: u64) -> StreamRun {
        StreamRun {
            stream_id: 7,
            first_version,
            first_position,
            count,
        }
    }

    fn storage_with_runs(runs: &[StreamRun]) -> (tempfile::TempDir, SledStorage) {
        let directory = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
        let group = CommitGroup {
            new_streams: vec![(StreamName::parse("customer-7").unwrap(), 7)],
            stream_runs: runs.to_vec(),
            last_position: 0,
            ..CommitGroup::default()
        };
        storage.write_indexes(&group).unwrap();
        (directory, storage)
    }

    /// Runs derived again after a crash may be cut differently from the
    /// ones first written and overlap them; lookups must read through.
    #[test]
    fn overlapping_stream_runs_read_as_one_contiguous_stream() {
        let (_directory, storage) = storage_with_runs(&[run(0, 100, 10), run(5, 105, 10)]);
        let all = storage.stream_positions(7, 0, 100).unwrap();
        assert_eq!(all, (100..115).collect::<Vec<_>>());
        assert_eq!(
            storage.stream_positions(7, 7, 3).unwrap(),
            vec![107, 108, 109]
        );
        assert_eq!(
            storage.stream_positions(7, 12, 100).unwrap(),
            vec![112, 113, 114]
        );
        let head = storage
            .stream_head(&StreamName::parse("customer-7").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!((head.stream_id, head.last_version), (7, 14));
    }

    /// A hole in the runs ends the read there rather than inventing
    /// positions.
    #[test]
    fn a_gap_between_stream_runs_ends_the_read() {
        let (_directory, storage) = storage_with_runs(&[run(0, 1, 5), run(10, 50, 3)]);
        assert_eq!(
            storage.stream_positions(7, 0, 100).unwrap(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(storage.stream_positions(7, 6, 100).unwrap().is_empty());
        assert_eq!(storage.stream_positions(7, 11, 100).unwrap(), vec![51, 52]);
    }

    /// An id that shares no head with its neighbours, as a v4 or v5 id.
    fn scattered(seed: u128) -> Uuid {
        Uuid::from_u128(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835))
    }

    fn id_with(head: [u8; ID_HEAD_BYTES], tail_seed: u64) -> Uuid {
        let mut bytes = *scattered(u128::from(tail_seed) + 1).as_bytes();
        bytes[..ID_HEAD_BYTES].copy_from_slice(&head);
        // Ids of one head order by their seed.
        bytes[ID_HEAD_BYTES..8].fill(0);
        bytes[8..].copy_from_slice(&tail_seed.to_be_bytes());
        Uuid::from_bytes(bytes)
    }

    fn id_keys(storage: &SledStorage) -> usize {
        storage.db.scan_prefix([PREFIX_EVENT_ID]).count()
    }

    /// Ids sharing their first six bytes (a UUID v7's millisecond) share a
    /// bucket, a full bucket starts another, ids without a shared head get
    /// a key each, and every id is found at its position.
    #[test]
    fn ids_sharing_a_head_share_buckets_and_every_id_is_found() {
        let directory = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
        let head = [1, 2, 3, 4, 5, 6];
        let sharing = ID_BUCKET_ENTRIES_MAX * 2 + 100;
        let mut ids: Vec<(Uuid, u64)> = (0..sharing as u64)
            .map(|index| (id_with(head, index), 10 + index))
            .collect();
        let loners: Vec<Uuid> = (1..=3).map(scattered).collect();
        ids.extend(
            loners
                .iter()
                .enumerate()
                .map(|(index, id)| (*id, 5_000 + index as u64)),
        );
        storage.write_event_ids(&ids).unwrap();

        // Two full buckets and a third one for the rest; a key per loner.
        assert_eq!(id_keys(&storage), 3 + 3);
        for (id, position) in &ids {
            assert_eq!(
                storage.event_position(*id).unwrap(),
                Some(*position),
                "{id}"
            );
        }
        assert_eq!(storage.event_position(id_with(head, 99_999)).unwrap(), None);
        assert_eq!(storage.event_position(scattered(4)).unwrap(), None);
        let greatest = ids.iter().map(|(id, _)| *id).max();
        assert_eq!(storage.max_event_id().unwrap(), greatest);
    }

    /// A store of format 1 (one key per event id) is read as it is: its
    /// keys are found beside the buckets written after it, and opening it
    /// marks it format 3, so an older binary refuses it.
    #[test]
    fn a_format_1_store_keeps_its_event_ids_and_is_marked_format_3() {
        let directory = tempfile::tempdir().unwrap();
        let head = [9, 9, 9, 9, 9, 9];
        let (legacy, bucketed) = (id_with(head, 2), id_with(head, 1));
        {
            let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
            let mut key = vec![PREFIX_EVENT_ID];
            key.extend_from_slice(legacy.as_bytes());
            storage.db.insert(key, &7u64.to_be_bytes()).unwrap();
            storage.db.insert(KEY_FORMAT, &[STORE_FORMAT_V1]).unwrap();
            storage.checkpoint().unwrap();
        }
        let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
        assert_eq!(
            storage.db.get(KEY_FORMAT).unwrap().unwrap().as_ref(),
            [STORE_FORMAT_V3]
        );
        storage.write_event_ids(&[(bucketed, 8)]).unwrap();
        assert_eq!(storage.event_position(legacy).unwrap(), Some(7));
        assert_eq!(storage.event_position(bucketed).unwrap(), Some(8));
        assert_eq!(storage.max_event_id().unwrap(), Some(legacy));
    }

    /// A store of a format this code does not know is refused, not guessed.
    #[test]
    fn an_unknown_store_format_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        {
            let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
            storage
                .db
                .insert(KEY_FORMAT, &[STORE_FORMAT_V3 + 1])
                .unwrap();
            storage.checkpoint().unwrap();
        }
        let error = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap_err();
        assert!(
            matches!(&error, Error::Corrupt { reason, .. } if reason.contains("unknown store format")),
            "{error}"
        );
    }

    /// The first relaxed group after a sync marks where unsynced frames
    /// start, before its locations; a sync, or a durable group, removes
    /// the mark once those frames are durable.
    #[test]
    fn relaxed_groups_are_marked_until_a_sync_makes_them_durable() {
        let directory = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
        let group = |first_position: u64| {
            let mut builder = crate::codec::ChunkBuilder::new(first_position);
            builder.buffer().extend_from_slice(b"record");
            builder.seal_record();
            CommitGroup {
                chunks: vec![StoredChunk {
                    first_position,
                    bytes: builder.finish().into(),
                }],
                last_position: first_position,
                ..CommitGroup::default()
            }
        };
        let mark = |storage: &SledStorage| {
            storage
                .db
                .get(KEY_UNSYNCED_FROM)
                .unwrap()
                .map(|value| decode_u64(&value).unwrap())
        };
        storage.commit(&group(1), Durability::Full).unwrap();
        assert_eq!(mark(&storage), None);
        storage
            .commit(&group(2), Durability::BulkImportRelaxed)
            .unwrap();
        storage
            .commit(&group(3), Durability::BulkImportRelaxed)
            .unwrap();
        assert_eq!(mark(&storage), Some(2), "the first unsynced position");
        storage.sync().unwrap();
        assert_eq!(mark(&storage), None);
        storage
            .commit(&group(4), Durability::BulkImportRelaxed)
            .unwrap();
        assert_eq!(mark(&storage), Some(4));
        storage.commit(&group(5), Durability::Full).unwrap();
        assert_eq!(
            mark(&storage),
            None,
            "a durable group syncs what came before"
        );
    }

    /// A damaged bucket is reported, never read past.
    #[test]
    fn a_damaged_event_id_bucket_is_reported() {
        let directory = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(directory.path(), CACHE_BYTES_DEFAULT).unwrap();
        let id = id_with([4; ID_HEAD_BYTES], 1);
        storage
            .db
            .insert(
                keys::event_id_bucket_key(&[4; ID_HEAD_BYTES], 3),
                &[0u8; 7][..],
            )
            .unwrap();
        let error = storage.event_position(id).unwrap_err();
        assert!(
            matches!(&error, Error::Corrupt { reason, .. } if reason.contains("does not decode")),
            "{error}"
        );
        assert!(storage.max_event_id().is_err());
    }
}
