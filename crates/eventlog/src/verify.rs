//! Walking the whole log to prove it is intact.
//!
//! `verify` recomputes every record's hash from its predecessor's, checks
//! that positions run 1, 2, 3… without gaps, that each stream's versions
//! run 0, 1, 2…, and that the stream and event-id indexes point where the
//! records are. It stops at the first problem and names its position: for
//! an altered byte, the record that holds it.

use std::collections::HashMap;

use crate::EventLog;
use crate::codec::{ChunkView, chain_hash, decode_record, split_record};
use crate::error::{Error, Result};
use crate::event::{Head, hash_hex};
use crate::stream::StreamName;

/// Chunks fetched per step of the walk.
const VERIFY_CHUNKS_PER_STEP: usize = 256;

/// What a successful verification covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub records_checked: u64,
    pub streams_checked: u64,
    /// The head the chain ends in; an auditor can keep its hash to detect a
    /// later rewrite of the whole chain.
    pub head: Head,
}

impl EventLog {
    /// Verifies the whole durable log. Returns [`Error::Corrupt`] with the
    /// first bad position.
    ///
    /// Memory grows with the number of streams (one entry each).
    pub fn verify(&self) -> Result<VerifyReport> {
        let committed = self.head();
        let storage = self.inner.storage.as_ref();
        let mut streams: HashMap<StreamName, (u64, u64)> = HashMap::new(); // name → (id, next version)
        let mut previous_hash = [0u8; 32];
        let mut expected_position = 1u64;
        let mut last_recorded_at = None;
        while expected_position <= committed.position {
            let chunks = storage.chunks_from(expected_position, VERIFY_CHUNKS_PER_STEP)?;
            if chunks.is_empty() {
                return Err(corrupt(expected_position, "the log ends before its head"));
            }
            for chunk in &chunks {
                if chunk.first_position != expected_position {
                    return Err(corrupt(
                        expected_position,
                        format!(
                            "expected a chunk starting at {expected_position}, found one at {}",
                            chunk.first_position
                        ),
                    ));
                }
                // Check the structure but not the CRC first, so an altered
                // byte is pinned to its record by the hash chain below.
                let view = ChunkView::parse(&chunk.bytes, chunk.first_position, false)?;
                for index in 0..view.count() {
                    let position = view.first_position + index as u64;
                    if position > committed.position {
                        break;
                    }
                    let bytes = view.record(index)?;
                    let (covered, stored_hash) = split_record(bytes, position)?;
                    let hash = chain_hash(&previous_hash, covered);
                    if hash != stored_hash {
                        return Err(corrupt(
                            position,
                            format!(
                                "hash chain broken: stored {}, computed {}",
                                hash_hex(&stored_hash),
                                hash_hex(&hash)
                            ),
                        ));
                    }
                    let event = decode_record(bytes, position)?;
                    if last_recorded_at.is_some_and(|last| event.recorded_at < last) {
                        return Err(corrupt(position, "recorded_at goes back in time"));
                    }
                    last_recorded_at = Some(event.recorded_at);
                    self.check_indexes(&mut streams, &event)?;
                    previous_hash = hash;
                    expected_position = position + 1;
                }
                // Every record checked out, so a CRC mismatch can only be in
                // the chunk's own header or trailer.
                ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
                if expected_position > committed.position {
                    break;
                }
            }
        }
        if previous_hash != committed.hash {
            return Err(corrupt(
                committed.position,
                "the chain does not end in the head's hash",
            ));
        }
        Ok(VerifyReport {
            records_checked: committed.position,
            streams_checked: streams.len() as u64,
            head: committed,
        })
    }

    fn check_indexes(
        &self,
        streams: &mut HashMap<StreamName, (u64, u64)>,
        event: &crate::RecordedEvent,
    ) -> Result<()> {
        let storage = self.inner.storage.as_ref();
        let position = event.position;
        let (stream_id, next_version) = match streams.get(&event.stream) {
            Some(known) => *known,
            None => {
                let head = storage.stream_head(&event.stream)?.ok_or_else(|| {
                    corrupt(
                        position,
                        format!("stream `{}` is missing from the stream index", event.stream),
                    )
                })?;
                (head.stream_id, 0)
            }
        };
        if event.version != next_version {
            return Err(corrupt(
                position,
                format!(
                    "stream `{}` expected version {next_version}, found {}",
                    event.stream, event.version
                ),
            ));
        }
        let indexed = storage.stream_positions(stream_id, event.version, 1)?;
        if indexed.first() != Some(&position) {
            return Err(corrupt(
                position,
                format!(
                    "the stream index points v{} of `{}` at {:?}",
                    event.version,
                    event.stream,
                    indexed.first()
                ),
            ));
        }
        let by_id = storage.event_position(event.event_id)?;
        if by_id != Some(position) {
            return Err(corrupt(
                position,
                format!("the event-id index points {} at {by_id:?}", event.event_id),
            ));
        }
        streams.insert(event.stream.clone(), (stream_id, next_version + 1));
        Ok(())
    }
}

fn corrupt(position: u64, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        position,
        reason: reason.into(),
    }
}
