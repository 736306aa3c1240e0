//! The sled backend: one tree, keys by prefix, one atomic batch per group.
//!
//! Key layout (all integers big-endian so keys sort numerically):
//!
//! | key | value |
//! |---|---|
//! | `l` position(8) | a chunk whose first record has that position |
//! | `n` stream name | stream id(8) |
//! | `s` stream id(8) version(8) | position(8) |
//! | `e` event id(16) | position(8) |
//! | `m` `format` | store format (1 byte) |
//! | `m` `next_stream_id` | next stream id(8) |
//!
//! **Durability.** sled 0.34's `flush` ends in `sync_file_range`, which
//! flushes neither the drive's cache nor file metadata (sled issues #1452,
//! #1351). After `flush` we therefore `fdatasync` sled's data file
//! ourselves, which is what makes an acknowledgement mean "on disk".
//!
//! **No blobs.** sled writes values (and whole tree nodes) larger than a
//! quarter of a segment into separate blob files that its flush never
//! syncs. Chunks are at most [`crate::codec::CHUNK_RECORDS_BYTES_MAX`], and we raise
//! the segment size so that even a leaf node full of the largest chunks
//! stays below the blob threshold (ADR 0003). As a second line of defence,
//! a durable sync also fsyncs any blob file it finds.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sled::{Batch, Db};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::storage::{CommitGroup, Durability, Storage, StoredChunk, StreamHead};
use crate::stream::StreamName;

const PREFIX_LOG: u8 = b'l';
const PREFIX_STREAM_NAME: u8 = b'n';
const PREFIX_STREAM_INDEX: u8 = b's';
const PREFIX_EVENT_ID: u8 = b'e';
const KEY_FORMAT: &[u8] = b"mformat";
const KEY_NEXT_STREAM_ID: &[u8] = b"mnext_stream_id";

/// The layout described in the module docs.
const STORE_FORMAT_V1: u8 = 1;

/// sled segment size. A leaf holds at most ~17 entries; with chunks of at
/// most 64 KiB a full leaf stays well under a quarter of this (the blob
/// threshold). See ADR 0003.
const SEGMENT_BYTES: usize = 8 * 1024 * 1024;

/// Default size of sled's page cache.
pub const CACHE_BYTES_DEFAULT: u64 = 256 * 1024 * 1024;

/// How often sled flushes on its own in the background, which bounds what a
/// crash can take in relaxed (bulk import) mode.
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
}

impl SledStorage {
    /// Opens (or creates) a store in `directory`.
    pub fn open(directory: &Path, cache_bytes: u64) -> Result<Self> {
        let existed = directory.join("db").exists();
        let db = open_sled(sled_config(directory).cache_capacity(cache_bytes))?;
        match db.get(KEY_FORMAT)? {
            Some(format) if format.as_ref() == [STORE_FORMAT_V1] => {}
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
                db.insert(KEY_FORMAT, &[STORE_FORMAT_V1])?;
            }
        }
        let data_file = File::open(directory.join("db"))?;
        let storage = Self {
            db,
            directory: directory.to_path_buf(),
            data_file,
            synced_blobs: Mutex::new(HashSet::new()),
        };
        storage.sync()?;
        // Make the files' directory entries durable too.
        File::open(directory)?.sync_all()?;
        Ok(storage)
    }

    fn log_key(position: u64) -> [u8; 9] {
        let mut key = [0u8; 9];
        key[0] = PREFIX_LOG;
        key[1..].copy_from_slice(&position.to_be_bytes());
        key
    }

    fn stream_index_key(stream_id: u64, version: u64) -> [u8; 17] {
        let mut key = [0u8; 17];
        key[0] = PREFIX_STREAM_INDEX;
        key[1..9].copy_from_slice(&stream_id.to_be_bytes());
        key[9..].copy_from_slice(&version.to_be_bytes());
        key
    }

    fn event_id_key(event_id: Uuid) -> [u8; 17] {
        let mut key = [0u8; 17];
        key[0] = PREFIX_EVENT_ID;
        key[1..].copy_from_slice(event_id.as_bytes());
        key
    }

    fn stream_name_key(stream: &StreamName) -> Vec<u8> {
        let mut key = Vec::with_capacity(1 + stream.as_str().len());
        key.push(PREFIX_STREAM_NAME);
        key.extend_from_slice(stream.as_str().as_bytes());
        key
    }

    fn chunk_from_entry(key: &[u8], value: &[u8]) -> Result<StoredChunk> {
        let position = decode_u64(&key[1..]).ok_or_else(|| Error::Corrupt {
            position: 0,
            reason: format!("log key of {} bytes", key.len()),
        })?;
        Ok(StoredChunk {
            first_position: position,
            bytes: value.to_vec(),
        })
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

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

fn corrupt_index(what: &str, bytes: usize) -> Error {
    Error::Corrupt {
        position: 0,
        reason: format!("{what} holds {bytes} bytes instead of 8"),
    }
}

impl Storage for SledStorage {
    fn last_chunk(&self) -> Result<Option<StoredChunk>> {
        let range = Self::log_key(0)..=Self::log_key(u64::MAX);
        match self.db.range(range).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(Self::chunk_from_entry(&key, &value)?))
            }
            None => Ok(None),
        }
    }

    fn chunk_containing(&self, position: u64) -> Result<Option<StoredChunk>> {
        let range = Self::log_key(0)..=Self::log_key(position);
        match self.db.range(range).next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(Self::chunk_from_entry(&key, &value)?))
            }
            None => Ok(None),
        }
    }

    fn chunks_from(&self, from_position: u64, chunks_max: usize) -> Result<Vec<StoredChunk>> {
        let mut chunks = Vec::new();
        // The chunk holding `from_position` may start before it.
        let start = match self.chunk_containing(from_position)? {
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
        let range = Self::log_key(start)..=Self::log_key(u64::MAX);
        for entry in self.db.range(range).take(chunks_max - chunks.len()) {
            let (key, value) = entry?;
            chunks.push(Self::chunk_from_entry(&key, &value)?);
        }
        Ok(chunks)
    }

    fn stream_head(&self, stream: &StreamName) -> Result<Option<StreamHead>> {
        let Some(id_bytes) = self.db.get(Self::stream_name_key(stream))? else {
            return Ok(None);
        };
        let stream_id =
            decode_u64(&id_bytes).ok_or_else(|| corrupt_index("a stream id", id_bytes.len()))?;
        let range =
            Self::stream_index_key(stream_id, 0)..=Self::stream_index_key(stream_id, u64::MAX);
        let Some(entry) = self.db.range(range).next_back() else {
            return Err(Error::Corrupt {
                position: 0,
                reason: format!("stream `{stream}` has an id but no index entries"),
            });
        };
        let (key, _) = entry?;
        let last_version =
            decode_u64(&key[9..]).ok_or_else(|| corrupt_index("a stream key", key.len()))?;
        Ok(Some(StreamHead {
            stream_id,
            last_version,
        }))
    }

    fn stream_positions(&self, stream_id: u64, from_version: u64, max: usize) -> Result<Vec<u64>> {
        let range = Self::stream_index_key(stream_id, from_version)
            ..=Self::stream_index_key(stream_id, u64::MAX);
        self.db
            .range(range)
            .take(max)
            .map(|entry| {
                let (_, value) = entry?;
                decode_u64(&value).ok_or_else(|| corrupt_index("a stream index entry", value.len()))
            })
            .collect()
    }

    fn event_position(&self, event_id: Uuid) -> Result<Option<u64>> {
        match self.db.get(Self::event_id_key(event_id))? {
            Some(value) => {
                Ok(Some(decode_u64(&value).ok_or_else(|| {
                    corrupt_index("an event id entry", value.len())
                })?))
            }
            None => Ok(None),
        }
    }

    fn next_stream_id(&self) -> Result<u64> {
        match self.db.get(KEY_NEXT_STREAM_ID)? {
            Some(value) => {
                decode_u64(&value).ok_or_else(|| corrupt_index("next stream id", value.len()))
            }
            None => Ok(1),
        }
    }

    fn commit(&self, group: &CommitGroup, durability: Durability) -> Result<()> {
        let mut batch = Batch::default();
        for chunk in &group.chunks {
            batch.insert(&Self::log_key(chunk.first_position), chunk.bytes.as_slice());
        }
        for (stream, stream_id) in &group.new_streams {
            batch.insert(Self::stream_name_key(stream), &stream_id.to_be_bytes());
        }
        for (stream_id, version, position) in &group.stream_entries {
            batch.insert(
                &Self::stream_index_key(*stream_id, *version),
                &position.to_be_bytes(),
            );
        }
        for (event_id, position) in &group.event_ids {
            batch.insert(&Self::event_id_key(*event_id), &position.to_be_bytes());
        }
        if let Some(next) = group.next_stream_id {
            batch.insert(KEY_NEXT_STREAM_ID, &next.to_be_bytes());
        }
        self.db.apply_batch(batch)?;
        if durability == Durability::Full {
            self.sync()?;
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.db.flush()?;
        self.data_file.sync_data()?;
        self.sync_blobs()
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
