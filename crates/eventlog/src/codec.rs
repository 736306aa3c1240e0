//! The on-disk shape of records and chunks, and the hash chain.
//!
//! A **record** is one event: a format byte, the bincode-encoded envelope and
//! payload, then the record's SHA-256 hash, computed over the previous
//! record's hash and this record's bytes (format byte included). The chain
//! makes the log tamper-evident: changing any stored byte breaks the hash of
//! that record, and rewriting it breaks every hash after it.
//!
//! A **chunk** packs the records of one commit group into one storage value,
//! so a durable append costs one value write rather than one per event:
//!
//! ```text
//! [format 1B][count u32][first position u64][end offsets u32 × count][records…][crc32c u32]
//! ```
//!
//! The CRC guards ordinary reads cheaply against torn or rotten storage;
//! `verify` walks the hashes to find the exact record that was altered.
//! Decoding checks every length and offset, so corrupt bytes become an
//! [`Error::Corrupt`] with a position, never a panic or a huge allocation.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::event::{Actor, AppendMeta, NewEvent, RecordedEvent};
use crate::stream::StreamName;

/// Leads every record encoded with bincode 2 (standard config) and serde.
pub const RECORD_FORMAT_BINCODE_V1: u8 = 1;

/// Leads every chunk of the layout described in the module docs.
pub const CHUNK_FORMAT_V1: u8 = 1;

/// Largest stored record (envelope, payload and hash), in bytes. Keeps every
/// chunk, and so every sled node, far below sled's blob threshold.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;

/// Most record bytes one chunk holds: a record joins a chunk only if the
/// chunk stays within this (a chunk always takes its first record, so a
/// record of up to [`RECORD_BYTES_MAX`] is a chunk of its own).
///
/// Small chunks make small sled leaves (a leaf holds up to 16 entries),
/// and sled keeps many recently read leaves in memory before its cache
/// accounts for them: replaying 10 M events peaked at 2.4 GB resident with
/// 64 KiB chunks and 0.57 GB with 4 KiB ones, and ran about 1.6× faster
/// (docs/benchmarks.md).
pub const CHUNK_RECORDS_BYTES_MAX: usize = 4 * 1024;

/// Bytes of a chunk's fixed header: format, count, first position.
const CHUNK_HEADER_BYTES: usize = 1 + 4 + 8;
const CHUNK_CRC_BYTES: usize = 4;
const HASH_BYTES: usize = 32;

/// Bincode configuration the record decoder of the tests (the oracle of
/// [`BodyReader`]) reads with. The limit bounds what a corrupt length
/// prefix can make it allocate.
#[cfg(test)]
fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<RECORD_BYTES_MAX>()
}

/// The stored form of an actor. Kept apart from [`Actor`] so the API type
/// can grow without changing what is on disk.
#[derive(Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
enum StoredActor<S> {
    User {
        #[serde(with = "serde_bytes")]
        user_id: [u8; 16],
        #[serde(with = "serde_bytes")]
        token_id: Option<[u8; 16]>,
    },
    System {
        process: S,
    },
}

#[derive(Serialize)]
struct RecordBodyRef<'a> {
    position: u64,
    stream: &'a str,
    version: u64,
    #[serde(with = "serde_bytes")]
    event_id: [u8; 16],
    event_type: &'a str,
    schema_version: u16,
    recorded_at_micros: i64,
    occurred_at_micros: i64,
    actor: StoredActor<&'a str>,
    #[serde(with = "serde_bytes")]
    correlation_id: [u8; 16],
    #[serde(with = "serde_bytes")]
    causation_id: Option<[u8; 16]>,
    #[serde(with = "serde_bytes")]
    payload: &'a [u8],
}

/// What [`RecordBodyRef`] reads back as through serde: the oracle the
/// tests hold [`BodyReader`] to.
#[cfg(test)]
#[derive(serde::Deserialize)]
struct RecordBody {
    position: u64,
    stream: String,
    version: u64,
    #[serde(with = "serde_bytes")]
    event_id: [u8; 16],
    event_type: String,
    schema_version: u16,
    recorded_at_micros: i64,
    occurred_at_micros: i64,
    actor: StoredActor<String>,
    #[serde(with = "serde_bytes")]
    correlation_id: [u8; 16],
    #[serde(with = "serde_bytes")]
    causation_id: Option<[u8; 16]>,
    #[serde(with = "serde_bytes")]
    payload: Vec<u8>,
}

/// Everything the writer decided about one event before encoding it.
#[derive(Debug)]
pub(crate) struct RecordInput<'a> {
    pub position: u64,
    pub stream: &'a StreamName,
    pub version: u64,
    pub event: &'a NewEvent,
    pub meta: &'a AppendMeta,
    pub recorded_at_micros: i64,
}

/// Encodes one record, chaining its hash to `previous_hash`, and appends it
/// to `out`. Returns the new hash.
pub(crate) fn encode_record(
    input: &RecordInput<'_>,
    previous_hash: &[u8; 32],
    out: &mut Vec<u8>,
) -> Result<[u8; 32]> {
    let occurred_at_micros = input
        .event
        .occurred_at
        .map_or(input.recorded_at_micros, |at| at.timestamp_micros());
    let actor = match &input.meta.actor {
        Actor::User { user_id, token_id } => StoredActor::User {
            user_id: user_id.into_bytes(),
            token_id: token_id.map(Uuid::into_bytes),
        },
        Actor::System { process } => StoredActor::System {
            process: process.as_str(),
        },
    };
    let body = RecordBodyRef {
        position: input.position,
        stream: input.stream.as_str(),
        version: input.version,
        event_id: input.event.event_id.into_bytes(),
        event_type: &input.event.event_type,
        schema_version: input.event.schema_version,
        recorded_at_micros: input.recorded_at_micros,
        occurred_at_micros,
        actor,
        correlation_id: input.meta.correlation_id.into_bytes(),
        causation_id: input.meta.causation_id.map(Uuid::into_bytes),
        payload: &input.event.payload,
    };
    let start = out.len();
    out.push(RECORD_FORMAT_BINCODE_V1);
    bincode::serde::encode_into_std_write(&body, out, bincode::config::standard()).map_err(
        |error| Error::Corrupt {
            position: input.position,
            reason: format!("failed to encode the record: {error}"),
        },
    )?;
    let hash = chain_hash(previous_hash, &out[start..]);
    out.extend_from_slice(&hash);
    Ok(hash)
}

/// The hash of a record: SHA-256 over the previous hash and the record's
/// bytes without its own hash.
pub fn chain_hash(previous_hash: &[u8; 32], record_without_hash: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous_hash);
    hasher.update(record_without_hash);
    hasher.finalize().into()
}

/// Splits a stored record into the bytes its hash covers and the hash.
pub(crate) fn split_record(bytes: &[u8], position: u64) -> Result<(&[u8], [u8; 32])> {
    if bytes.len() < 1 + HASH_BYTES {
        return Err(corrupt(
            position,
            format!("record is only {} bytes long", bytes.len()),
        ));
    }
    let (covered, hash) = bytes.split_at(bytes.len() - HASH_BYTES);
    let mut stored = [0u8; 32];
    stored.copy_from_slice(hash);
    Ok((covered, stored))
}

/// Decodes one record and checks that it claims the position it was found
/// at.
pub(crate) fn decode_record(bytes: &[u8], position: u64) -> Result<RecordedEvent> {
    let (covered, hash) = split_record(bytes, position)?;
    let (format, body_bytes) = covered
        .split_first()
        .ok_or_else(|| corrupt(position, "empty record"))?;
    if *format != RECORD_FORMAT_BINCODE_V1 {
        return Err(corrupt(
            position,
            format!("unknown record format byte {format}"),
        ));
    }
    let mut reader = BodyReader {
        bytes: body_bytes,
        at: 0,
    };
    let bad = |field: &str, at: usize| {
        corrupt(
            position,
            format!("record does not decode: bad or truncated {field} at byte {at}"),
        )
    };
    macro_rules! field {
        ($name:literal, $read:expr) => {{
            let at = reader.at;
            $read.ok_or_else(|| bad($name, at))?
        }};
    }
    let stored_position = field!("position", reader.varint());
    if stored_position != position {
        return Err(corrupt(
            position,
            format!("record claims position {stored_position} but is stored at {position}"),
        ));
    }
    let stream = field!("stream", reader.str());
    let version = field!("version", reader.varint());
    let event_id = field!("event id", reader.id());
    let event_type = field!("event type", reader.str());
    let schema_version = field!("schema version", reader.u16());
    let recorded_at_micros = field!("recorded_at", reader.i64());
    let occurred_at_micros = field!("occurred_at", reader.i64());
    let actor = match field!("actor", reader.u32()) {
        0 => Actor::User {
            user_id: Uuid::from_bytes(field!("user id", reader.id())),
            token_id: field!("token id", reader.option(BodyReader::id)).map(Uuid::from_bytes),
        },
        1 => Actor::System {
            process: field!("process", reader.str()).to_owned(),
        },
        variant => return Err(bad(&format!("actor (variant {variant})"), reader.at)),
    };
    let correlation_id = field!("correlation id", reader.id());
    let causation_id = field!("causation id", reader.option(BodyReader::id));
    let payload = field!("payload", reader.bytes());
    if reader.at != body_bytes.len() {
        return Err(corrupt(
            position,
            format!("record has {} trailing bytes", body_bytes.len() - reader.at),
        ));
    }
    let stream = StreamName::from_stored(stream.to_owned())
        .map_err(|error| corrupt(position, format!("record has a bad stream name: {error}")))?;
    Ok(RecordedEvent {
        position,
        stream,
        version,
        event_id: Uuid::from_bytes(event_id),
        event_type: event_type.to_owned(),
        schema_version,
        recorded_at: micros_to_time(recorded_at_micros, position)?,
        occurred_at: micros_to_time(occurred_at_micros, position)?,
        actor,
        correlation_id: Uuid::from_bytes(correlation_id),
        causation_id: causation_id.map(Uuid::from_bytes),
        payload: payload.to_vec(),
        hash,
    })
}

/// Reads a record body in bincode 2's standard encoding, the one
/// [`encode_record`] writes through serde: integers as varints (one byte
/// up to 250, else a marker byte 251/252/253 and 2/4/8 little-endian
/// bytes), signed ones zigzagged first, strings and byte strings with a
/// varint length, an `Option` with a 0/1 byte, an enum with its variant's
/// index as a varint.
///
/// Written by hand because serde's visitors were a third of a replay's
/// time. The serde decoder stays in the tests as its oracle. Every read
/// is bounds-checked and allocates nothing: corrupt bytes give `None`.
struct BodyReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> BodyReader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(count)?;
        let taken = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(taken)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn varint(&mut self) -> Option<u64> {
        match self.byte()? {
            small @ 0..=250 => Some(u64::from(small)),
            251 => Some(u64::from(u16::from_le_bytes(
                self.take(2)?.try_into().ok()?,
            ))),
            252 => Some(u64::from(u32::from_le_bytes(
                self.take(4)?.try_into().ok()?,
            ))),
            253 => Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            _ => None,
        }
    }

    /// A varint read as bincode reads a `u16`: a marker for a wider type
    /// is refused, as bincode refuses it.
    fn u16(&mut self) -> Option<u16> {
        match self.byte()? {
            small @ 0..=250 => Some(u16::from(small)),
            251 => Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?)),
            _ => None,
        }
    }

    /// A varint read as bincode reads a `u32` (an enum's variant index).
    fn u32(&mut self) -> Option<u32> {
        match self.byte()? {
            small @ 0..=250 => Some(u32::from(small)),
            251 => Some(u32::from(u16::from_le_bytes(
                self.take(2)?.try_into().ok()?,
            ))),
            252 => Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?)),
            _ => None,
        }
    }

    fn i64(&mut self) -> Option<i64> {
        let zigzag = self.varint()?;
        // Zigzag: 0, -1, 1, -2, … are stored as 0, 1, 2, 3, …
        Some((zigzag >> 1) as i64 ^ -((zigzag & 1) as i64))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = usize::try_from(self.varint()?).ok()?;
        self.take(length)
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn id(&mut self) -> Option<[u8; 16]> {
        self.bytes()?.try_into().ok()
    }

    fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }
}

fn micros_to_time(micros: i64, position: u64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt(position, format!("timestamp {micros} µs is out of range")))
}

fn corrupt(position: u64, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        position,
        reason: reason.into(),
    }
}

/// Builds a chunk from records encoded back to back.
#[derive(Debug)]
pub(crate) struct ChunkBuilder {
    first_position: u64,
    end_offsets: Vec<u32>,
    records: Vec<u8>,
}

impl ChunkBuilder {
    pub fn new(first_position: u64) -> Self {
        Self {
            first_position,
            end_offsets: Vec::new(),
            records: Vec::new(),
        }
    }

    pub fn first_position(&self) -> u64 {
        self.first_position
    }

    pub fn count(&self) -> usize {
        self.end_offsets.len()
    }

    pub fn records_bytes(&self) -> usize {
        self.records.len()
    }

    /// The buffer the next record is encoded into; call [`Self::seal_record`]
    /// after writing it.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.records
    }

    pub fn seal_record(&mut self) {
        // Records are bounded by RECORD_BYTES_MAX and chunks by a small
        // multiple of it, so the offset always fits in u32.
        self.end_offsets
            .push(u32::try_from(self.records.len()).unwrap_or(u32::MAX));
    }

    pub fn finish(self) -> Vec<u8> {
        let count = self.end_offsets.len();
        let mut out = Vec::with_capacity(
            CHUNK_HEADER_BYTES + 4 * count + self.records.len() + CHUNK_CRC_BYTES,
        );
        out.push(CHUNK_FORMAT_V1);
        out.extend_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&self.first_position.to_le_bytes());
        for offset in &self.end_offsets {
            out.extend_from_slice(&offset.to_le_bytes());
        }
        out.extend_from_slice(&self.records);
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

/// A parsed view of a stored chunk.
#[derive(Debug)]
pub struct ChunkView<'a> {
    pub first_position: u64,
    end_offsets: &'a [u8],
    records: &'a [u8],
}

impl<'a> ChunkView<'a> {
    /// Parses a chunk stored under `key_position`. With `check_crc` false the
    /// structure is still checked but not the checksum, which lets `verify`
    /// go on to find the exact record that was altered.
    pub fn parse(bytes: &'a [u8], key_position: u64, check_crc: bool) -> Result<Self> {
        let fail = |reason: String| corrupt(key_position, reason);
        if bytes.len() < CHUNK_HEADER_BYTES + CHUNK_CRC_BYTES {
            return Err(fail(format!("chunk is only {} bytes long", bytes.len())));
        }
        let (body, crc_bytes) = bytes.split_at(bytes.len() - CHUNK_CRC_BYTES);
        if check_crc {
            let stored = u32::from_le_bytes(crc_bytes.try_into().unwrap_or([0; 4]));
            let actual = crc32c::crc32c(body);
            if stored != actual {
                return Err(fail(format!(
                    "chunk checksum mismatch (stored {stored:08x}, computed {actual:08x})"
                )));
            }
        }
        if body[0] != CHUNK_FORMAT_V1 {
            return Err(fail(format!("unknown chunk format byte {}", body[0])));
        }
        let count = u32::from_le_bytes(body[1..5].try_into().unwrap_or([0; 4])) as usize;
        let first_position = u64::from_le_bytes(body[5..13].try_into().unwrap_or([0; 8]));
        if first_position != key_position {
            return Err(fail(format!(
                "chunk claims first position {first_position} but is stored at {key_position}"
            )));
        }
        let offsets_end = CHUNK_HEADER_BYTES
            .checked_add(
                count
                    .checked_mul(4)
                    .ok_or_else(|| fail("count overflows".into()))?,
            )
            .filter(|end| *end <= body.len())
            .ok_or_else(|| fail(format!("chunk count {count} does not fit the chunk")))?;
        if count == 0 {
            return Err(fail("chunk holds no records".into()));
        }
        let view = Self {
            first_position,
            end_offsets: &body[CHUNK_HEADER_BYTES..offsets_end],
            records: &body[offsets_end..],
        };
        Ok(view)
    }

    pub fn count(&self) -> usize {
        self.end_offsets.len() / 4
    }

    pub fn last_position(&self) -> u64 {
        self.first_position + self.count() as u64 - 1
    }

    fn end_offset(&self, index: usize) -> usize {
        let at = index * 4;
        u32::from_le_bytes(self.end_offsets[at..at + 4].try_into().unwrap_or([0; 4])) as usize
    }

    /// The stored bytes of the record at `index` within the chunk.
    pub fn record(&self, index: usize) -> Result<&'a [u8]> {
        let position = self.first_position + index as u64;
        let start = if index == 0 {
            0
        } else {
            self.end_offset(index - 1)
        };
        let end = self.end_offset(index);
        if start > end || end > self.records.len() {
            return Err(corrupt(
                position,
                format!(
                    "record spans bytes {start}..{end} of a {}-byte chunk",
                    self.records.len()
                ),
            ));
        }
        if index + 1 == self.count() && end != self.records.len() {
            return Err(corrupt(
                position,
                "chunk has bytes after its last record".to_owned(),
            ));
        }
        Ok(&self.records[start..end])
    }

    pub fn decode(&self, index: usize) -> Result<RecordedEvent> {
        decode_record(self.record(index)?, self.first_position + index as u64)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::event::{Actor, AppendMeta};

    fn sample_event(payload: &[u8]) -> NewEvent {
        NewEvent::new(Uuid::from_u128(7), "CustomerRegistered", payload.to_vec())
    }

    fn encode_chunk(first_position: u64, payloads: &[&[u8]]) -> (Vec<u8>, Vec<[u8; 32]>) {
        let stream = StreamName::parse("customer-1").unwrap();
        let meta = AppendMeta::new(Actor::system("test"), Uuid::from_u128(9));
        let mut builder = ChunkBuilder::new(first_position);
        let mut hash = [0u8; 32];
        let mut hashes = Vec::new();
        for (index, payload) in payloads.iter().enumerate() {
            let event = sample_event(payload);
            let input = RecordInput {
                position: first_position + index as u64,
                stream: &stream,
                version: index as u64,
                event: &event,
                meta: &meta,
                recorded_at_micros: 1_700_000_000_000_000,
            };
            hash = encode_record(&input, &hash, builder.buffer()).unwrap();
            builder.seal_record();
            hashes.push(hash);
        }
        (builder.finish(), hashes)
    }

    #[test]
    fn a_chunk_round_trips_its_records_and_hashes() {
        let (chunk, hashes) = encode_chunk(5, &[b"a", b"bb", b""]);
        let view = ChunkView::parse(&chunk, 5, true).unwrap();
        assert_eq!(view.count(), 3);
        assert_eq!(view.last_position(), 7);
        for (index, hash) in hashes.iter().enumerate() {
            let event = view.decode(index).unwrap();
            assert_eq!(event.position, 5 + index as u64);
            assert_eq!(event.hash, *hash);
        }
        assert_eq!(view.decode(1).unwrap().payload, b"bb");
    }

    #[test]
    fn every_record_starts_with_its_format_byte() {
        let (chunk, _) = encode_chunk(1, &[b"x"]);
        let view = ChunkView::parse(&chunk, 1, true).unwrap();
        assert_eq!(view.record(0).unwrap()[0], RECORD_FORMAT_BINCODE_V1);
        assert_eq!(chunk[0], CHUNK_FORMAT_V1);
    }

    #[test]
    fn a_chunk_under_the_wrong_key_is_reported_as_corrupt() {
        let (chunk, _) = encode_chunk(5, &[b"a"]);
        let error = ChunkView::parse(&chunk, 6, true).unwrap_err();
        assert!(
            matches!(error, Error::Corrupt { position: 6, .. }),
            "{error}"
        );
    }

    #[test]
    fn a_flipped_byte_fails_the_chunk_checksum() {
        let (mut chunk, _) = encode_chunk(5, &[b"hello"]);
        let middle = chunk.len() / 2;
        chunk[middle] ^= 0x01;
        let error = ChunkView::parse(&chunk, 5, true).unwrap_err();
        assert!(error.to_string().contains("checksum"), "{error}");
    }

    #[test]
    fn truncated_and_garbage_chunks_are_errors_not_panics() {
        let (chunk, _) = encode_chunk(1, &[b"abc", b"def"]);
        assert!(chunk.len() > 16, "a chunk worth cutting");
        for len in 0..chunk.len() {
            let read = ChunkView::parse(&chunk[..len], 1, false).and_then(|view| {
                (0..view.count()).try_for_each(|index| view.decode(index).map(drop))
            });
            assert!(
                read.is_err(),
                "a chunk cut to {len} of {} bytes read whole",
                chunk.len()
            );
        }
        let garbage = [0xffu8; 64];
        assert!(ChunkView::parse(&garbage, 1, false).is_err());
    }

    #[test]
    fn a_record_claiming_another_position_is_corrupt() {
        let (chunk, _) = encode_chunk(5, &[b"a"]);
        let view = ChunkView::parse(&chunk, 5, true).unwrap();
        let error = decode_record(view.record(0).unwrap(), 6).unwrap_err();
        assert!(error.to_string().contains("claims position 5"), "{error}");
    }

    #[test]
    fn the_hash_covers_the_previous_hash() {
        let record = b"\x01record";
        assert_ne!(chain_hash(&[0; 32], record), chain_hash(&[1; 32], record));
    }

    /// The serde decoder the record body was first read with: the oracle
    /// [`BodyReader`] is held to.
    fn decode_with_serde(record: &[u8], position: u64) -> Option<RecordedEvent> {
        let (covered, hash) = split_record(record, position).ok()?;
        let (body, used): (RecordBody, usize) =
            bincode::serde::decode_from_slice(&covered[1..], bincode_config()).ok()?;
        if used != covered.len() - 1 || body.position != position {
            return None;
        }
        Some(RecordedEvent {
            position,
            stream: StreamName::from_stored(body.stream).ok()?,
            version: body.version,
            event_id: Uuid::from_bytes(body.event_id),
            event_type: body.event_type,
            schema_version: body.schema_version,
            recorded_at: DateTime::from_timestamp_micros(body.recorded_at_micros)?,
            occurred_at: DateTime::from_timestamp_micros(body.occurred_at_micros)?,
            actor: match body.actor {
                StoredActor::User { user_id, token_id } => Actor::User {
                    user_id: Uuid::from_bytes(user_id),
                    token_id: token_id.map(Uuid::from_bytes),
                },
                StoredActor::System { process } => Actor::System { process },
            },
            correlation_id: Uuid::from_bytes(body.correlation_id),
            causation_id: body.causation_id.map(Uuid::from_bytes),
            payload: body.payload,
            hash,
        })
    }

    /// A record as the writer would be asked to encode it.
    #[derive(Debug)]
    struct ArbitraryRecord {
        position: u64,
        stream: StreamName,
        version: u64,
        event: NewEvent,
        meta: AppendMeta,
        recorded_at_micros: i64,
    }

    impl ArbitraryRecord {
        fn encode(&self) -> Vec<u8> {
            let mut record = Vec::new();
            let input = RecordInput {
                position: self.position,
                stream: &self.stream,
                version: self.version,
                event: &self.event,
                meta: &self.meta,
                recorded_at_micros: self.recorded_at_micros,
            };
            encode_record(&input, &[3; 32], &mut record).unwrap();
            record
        }
    }

    fn arbitrary_record() -> impl Strategy<Value = ArbitraryRecord> {
        let actor = prop_oneof![
            (any::<u128>(), proptest::option::of(any::<u128>())).prop_map(|(user, token)| {
                Actor::User {
                    user_id: Uuid::from_u128(user),
                    token_id: token.map(Uuid::from_u128),
                }
            }),
            "[a-z][a-z-]{0,300}".prop_map(|process| Actor::System { process }),
        ];
        // Micros across chrono's whole range, and small ones around 0.
        let micros = prop_oneof![
            -8_000_000_000_000_000_000i64..8_000_000_000_000_000_000,
            -1_000i64..1_000,
        ];
        (
            any::<u64>(),
            "[a-z]{1,12}-[A-Za-z0-9_.:]{1,180}",
            any::<u64>(),
            (
                any::<u128>(),
                "\\PC{1,80}",
                any::<u16>(),
                proptest::option::of(micros.clone()),
                proptest::collection::vec(any::<u8>(), 0..60_000),
            ),
            (actor, any::<u128>(), proptest::option::of(any::<u128>())),
            micros,
        )
            .prop_map(
                |(
                    position,
                    stream,
                    version,
                    (id, kind, schema, occurred, payload),
                    (actor, correlation, causation),
                    recorded,
                )| {
                    let mut event = NewEvent::new(Uuid::from_u128(id), kind, payload)
                        .with_schema_version(schema);
                    event.occurred_at = occurred.and_then(DateTime::from_timestamp_micros);
                    let mut meta = AppendMeta::new(actor, Uuid::from_u128(correlation));
                    meta.causation_id = causation.map(Uuid::from_u128);
                    ArbitraryRecord {
                        position: position.max(1),
                        stream: StreamName::parse(stream).unwrap(),
                        version,
                        event,
                        meta,
                        // As stored: whole microseconds in chrono's range.
                        recorded_at_micros: DateTime::from_timestamp_micros(recorded)
                            .unwrap()
                            .timestamp_micros(),
                    }
                },
            )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The hand-written reader gives exactly what serde gives for every
        /// record the writer can encode, and what was encoded.
        #[test]
        fn the_body_reader_reads_what_serde_reads(input in arbitrary_record()) {
            let ArbitraryRecord { position, ref stream, ref event, ref meta, .. } = input;
            let record = input.encode();
            let ours = decode_record(&record, position).unwrap();
            let oracle = decode_with_serde(&record, position);
            prop_assert_eq!(Some(&ours), oracle.as_ref());
            prop_assert_eq!(&ours.stream, stream);
            prop_assert_eq!(ours.version, input.version);
            prop_assert_eq!(ours.event_id, event.event_id);
            prop_assert_eq!(&ours.event_type, &event.event_type);
            prop_assert_eq!(ours.schema_version, event.schema_version);
            prop_assert_eq!(ours.recorded_at.timestamp_micros(), input.recorded_at_micros);
            prop_assert_eq!(ours.occurred_at, event.occurred_at.unwrap_or(ours.recorded_at));
            prop_assert_eq!(&ours.actor, &meta.actor);
            prop_assert_eq!(ours.correlation_id, meta.correlation_id);
            prop_assert_eq!(ours.causation_id, meta.causation_id);
            prop_assert_eq!(&ours.payload, &event.payload);
        }

        /// Damaged bodies (a byte changed, or cut short) never panic, and
        /// the reader accepts exactly what serde accepts, reading the same.
        #[test]
        fn damaged_bodies_are_errors_or_read_as_serde_reads_them(
            input in arbitrary_record(),
            at in any::<proptest::sample::Index>(),
            value in any::<u8>(),
            cut in any::<bool>(),
        ) {
            let position = input.position;
            let mut record = input.encode();
            let body_end = record.len() - HASH_BYTES;
            let at = 1 + at.index(body_end - 1);
            if cut {
                record.drain(at..body_end);
            } else {
                record[at] = value;
            }
            let oracle = decode_with_serde(&record, position);
            match decode_record(&record, position) {
                Ok(ours) => prop_assert_eq!(Some(ours), oracle),
                Err(error) => {
                    prop_assert!(oracle.is_none(), "serde read what the reader refused: {error}");
                    let reported = matches!(error, Error::Corrupt { position: found, .. } if found == position);
                    prop_assert!(reported, "not reported at its position: {}", error);
                }
            }
        }
    }
}
