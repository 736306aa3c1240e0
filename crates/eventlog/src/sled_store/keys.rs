//! The sled store's key layout: one prefix byte per kind of entry
//! (chunk locations, format 1 and 2 inline chunks, stream names, stream
//! runs, event-id buckets), keys built big-endian so sled's order is the
//! log's, and the decoding of each entry, corrupt ones reported with
//! their position.

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::segments::Location;
use crate::storage::{ChunkBytes, StoredChunk, StreamRun};
use crate::stream::StreamName;

pub(super) const PREFIX_LOCATION: u8 = b'c';
pub(super) const PREFIX_LOG: u8 = b'l';
pub(super) const PREFIX_STREAM_NAME: u8 = b'n';
pub(super) const PREFIX_STREAM_INDEX: u8 = b's';
pub(super) const PREFIX_EVENT_ID: u8 = b'e';
/// Metadata keys sort before every other prefix, so their leaf holds only
/// small keys: `indexed_through` changes with every group, and a leaf
/// shared with other keys would be rewritten whole each time.
pub(super) const KEY_FORMAT: &[u8] = b"!format";
pub(super) const KEY_INDEXED_THROUGH: &[u8] = b"!indexed_through";
pub(super) const KEY_UNSYNCED_FROM: &[u8] = b"!unsynced_from";
pub(super) const KEY_REDERIVING: &[u8] = b"!rederiving";

/// The first layout: chunks inline, one event-id key per event.
pub(super) const STORE_FORMAT_V1: u8 = 1;
/// Chunks inline, event ids in buckets, a journal beside sled.
pub(super) const STORE_FORMAT_V2: u8 = 2;
/// The layout described in the module docs: chunks in segment files. It
/// reads formats 1 and 2, so such a store is marked format 3 when opened; a
/// binary that knows only an older format then refuses it instead of
/// missing the segments.
pub(super) const STORE_FORMAT_V3: u8 = 3;

/// Bytes of an event id that name its bucket: a UUID v7's timestamp.
pub(super) const ID_HEAD_BYTES: usize = 6;
/// An id's remaining bytes, stored in the bucket's value.
pub(super) const ID_TAIL_BYTES: usize = 16 - ID_HEAD_BYTES;
/// One bucket entry: the id's tail and its position.
pub(super) const ID_ENTRY_BYTES: usize = ID_TAIL_BYTES + 8;
/// Most ids in one bucket value (4.5 KiB), so values stay small (small
/// leaves; ADR 0003's blob threshold).
pub(super) const ID_BUCKET_ENTRIES_MAX: usize = 256;
/// A bucket key: the prefix, the id head, and the first position in it.
pub(super) const ID_BUCKET_KEY_BYTES: usize = 1 + ID_HEAD_BYTES + 8;
/// A format-1 key: the prefix and the whole id.
pub(super) const ID_LEGACY_KEY_BYTES: usize = 1 + 16;

pub(super) fn log_key(position: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = PREFIX_LOG;
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

pub(super) fn stream_index_key(stream_id: u64, version: u64) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = PREFIX_STREAM_INDEX;
    key[1..9].copy_from_slice(&stream_id.to_be_bytes());
    key[9..].copy_from_slice(&version.to_be_bytes());
    key
}

/// The start every event-id key of one id head shares: bucket keys of
/// format 2 and per-id keys of format 1 alike.
pub(super) fn id_head_prefix(head: &[u8]) -> [u8; 1 + ID_HEAD_BYTES] {
    let mut prefix = [0u8; 1 + ID_HEAD_BYTES];
    prefix[0] = PREFIX_EVENT_ID;
    prefix[1..].copy_from_slice(head);
    prefix
}

pub(super) fn event_id_bucket_key(head: &[u8], first_position: u64) -> [u8; ID_BUCKET_KEY_BYTES] {
    let mut key = [0u8; ID_BUCKET_KEY_BYTES];
    key[0] = PREFIX_EVENT_ID;
    key[1..=ID_HEAD_BYTES].copy_from_slice(head);
    key[1 + ID_HEAD_BYTES..].copy_from_slice(&first_position.to_be_bytes());
    key
}

pub(super) fn stream_name_key(stream: &StreamName) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + stream.as_str().len());
    key.push(PREFIX_STREAM_NAME);
    key.extend_from_slice(stream.as_str().as_bytes());
    key
}

pub(super) fn location_key(position: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = PREFIX_LOCATION;
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

pub(super) fn location_from_entry(key: &[u8], value: &[u8]) -> Result<(u64, Location)> {
    let position = decode_u64(key.get(1..).unwrap_or_default());
    match (position, Location::decode(value)) {
        (Some(position), Some(location)) => Ok((position, location)),
        _ => Err(Error::Corrupt {
            position: position.unwrap_or(0),
            reason: format!(
                "a chunk location of {} + {} bytes does not decode",
                key.len(),
                value.len()
            ),
        }),
    }
}

pub(super) fn chunk_from_entry(key: &[u8], value: sled::IVec) -> Result<StoredChunk> {
    let position = decode_u64(&key[1..]).ok_or_else(|| Error::Corrupt {
        position: 0,
        reason: format!("log key of {} bytes", key.len()),
    })?;
    Ok(StoredChunk {
        first_position: position,
        bytes: ChunkBytes::new(value),
    })
}

/// Decodes a stream-index entry.
pub(super) fn decode_run(key: &[u8], value: &[u8]) -> Result<StreamRun> {
    let run = (|| {
        Some(StreamRun {
            stream_id: decode_u64(key.get(1..9)?)?,
            first_version: decode_u64(key.get(9..17)?)?,
            first_position: decode_u64(value.get(..8)?)?,
            count: decode_u64(value.get(8..16)?)?,
        })
    })();
    run.filter(|run| run.count > 0)
        .ok_or_else(|| Error::Corrupt {
            position: 0,
            reason: format!(
                "a stream index entry of {} + {} bytes does not decode",
                key.len(),
                value.len()
            ),
        })
}

/// Decodes one event-id key and its value into `found`: a bucket of
/// format 2 or a single id of format 1, told apart by the key's length.
pub(super) fn decode_id_entries(
    key: &[u8],
    value: &[u8],
    found: &mut Vec<(Uuid, u64)>,
) -> Result<()> {
    let undecodable = || Error::Corrupt {
        position: 0,
        reason: format!(
            "an event-id index entry of {} + {} bytes does not decode",
            key.len(),
            value.len()
        ),
    };
    match key.len() {
        ID_BUCKET_KEY_BYTES => {
            if value.is_empty() || value.len() % ID_ENTRY_BYTES != 0 {
                return Err(undecodable());
            }
            let mut id = [0u8; 16];
            id[..ID_HEAD_BYTES].copy_from_slice(&key[1..=ID_HEAD_BYTES]);
            for entry in value.chunks_exact(ID_ENTRY_BYTES) {
                id[ID_HEAD_BYTES..].copy_from_slice(&entry[..ID_TAIL_BYTES]);
                let position = decode_u64(&entry[ID_TAIL_BYTES..]).ok_or_else(undecodable)?;
                found.push((Uuid::from_bytes(id), position));
            }
        }
        ID_LEGACY_KEY_BYTES => {
            let id: [u8; 16] = key[1..].try_into().map_err(|_| undecodable())?;
            let position = (value.len() == 8)
                .then(|| decode_u64(value))
                .flatten()
                .ok_or_else(undecodable)?;
            found.push((Uuid::from_bytes(id), position));
        }
        _ => return Err(undecodable()),
    }
    Ok(())
}

pub(super) fn decode_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

pub(super) fn corrupt_index(what: &str, bytes: usize) -> Error {
    Error::Corrupt {
        position: 0,
        reason: format!("{what} holds {bytes} bytes instead of 8"),
    }
}
