//! Opening after a crash or an upgrade: reading a format 2 journal once,
//! finding frames past the last known location, and deriving the indexes
//! again from the records (ADR 0013).

use crate::codec::ChunkView;
use crate::error::{Error, Result};
use crate::journal;
use crate::segments::SegmentPoint;
use crate::storage::{CommitGroup, Storage, StreamRun};
use crate::stream::StreamName;

use super::keys::{
    self, KEY_FORMAT, KEY_INDEXED_THROUGH, KEY_REDERIVING, KEY_UNSYNCED_FROM, PREFIX_EVENT_ID,
    PREFIX_STREAM_INDEX, PREFIX_STREAM_NAME, STORE_FORMAT_V3, corrupt_index, decode_u64,
};
use super::{LOCATIONS_PER_STEP, SledStorage};

impl SledStorage {
    /// Formats 1 and 2: copies the journal frames sled lacks into sled as
    /// inline chunks, makes them durable there, removes the journal and
    /// marks the store format 3.
    pub(super) fn upgrade_from_journal(&self, format: u8) -> Result<()> {
        let mut frames = journal::read_frames(&self.directory)?;
        frames.sort_by_key(|frame| frame.first_position);
        let inline_end = self.inline_end()?;
        let mut restored = 0usize;
        for frame in frames {
            let view = ChunkView::parse(&frame.bytes, frame.first_position, true)?;
            if view.last_position() <= inline_end {
                continue;
            }
            self.db
                .insert(keys::log_key(frame.first_position), &frame.bytes[..])?;
            restored += 1;
        }
        self.checkpoint()?;
        journal::remove(&self.directory)?;
        self.db.insert(KEY_FORMAT, &[STORE_FORMAT_V3])?;
        self.checkpoint()?;
        tracing::info!(
            journal_chunks = restored,
            "event log store format {format} is now format 3: new records go to segment files"
        );
        Ok(())
    }

    /// Brings the chunk directory up to the segments and derives the index
    /// entries of every chunk past `indexed_through` (see the module docs).
    pub(super) fn recover(&self) -> Result<()> {
        let unsynced = *self.unsynced();
        let mut rederived = false;
        if let Some(value) = self.db.get(KEY_REDERIVING)? {
            // A crash interrupted deriving them again: start over.
            let from =
                decode_u64(&value).ok_or_else(|| corrupt_index("rederiving", value.len()))?;
            self.clear_derived(from)?;
            rederived = true;
        }
        loop {
            if let Some(from) = unsynced.filter(|_| !rederived) {
                if !self.locations_intact_from(from)? {
                    self.clear_derived(from)?;
                    rederived = true;
                    continue;
                }
            }
            let (start, next_position, at_group_end) = match self.last_location()? {
                Some((first_position, location)) => {
                    let chunk = self.segments.read(&[(first_position, location)])?;
                    let view = ChunkView::parse(&chunk[0].bytes, first_position, false)?;
                    let start = SegmentPoint {
                        segment: location.segment,
                        offset: location.end(),
                    };
                    let at_group_end = self.segments.is_group_end(first_position, &location)?;
                    (Some(start), view.last_position() + 1, at_group_end)
                }
                None => (self.segments.first_point(), self.inline_end()? + 1, true),
            };
            let frames = match start {
                Some(start) => self.segments.scan(start, next_position)?,
                None => Vec::new(),
            };
            // Whole groups only: an append's events are all there or none.
            let kept = frames
                .iter()
                .rposition(|frame| frame.group_end)
                .map_or(0, |last| last + 1);
            if kept == 0 && !at_group_end {
                if rederived {
                    return Err(Error::Corrupt {
                        position: next_position - 1,
                        reason: "the log's last chunk ends inside a commit group".to_owned(),
                    });
                }
                // Relaxed mode: sled kept part of a group whose rest is gone.
                self.clear_derived(unsynced.unwrap_or(0))?;
                rederived = true;
                continue;
            }
            let end = match frames[..kept].last() {
                Some(frame) => Some(SegmentPoint {
                    segment: frame.location.segment,
                    offset: frame.location.end(),
                }),
                None => start,
            };
            self.segments.cut_after(end)?;
            if kept > 0 || unsynced.is_some() {
                // What the scan found may so far be only in the OS's cache.
                self.segments.sync_from(0)?;
            }
            for frame in &frames[..kept] {
                self.db.insert(
                    keys::location_key(frame.first_position),
                    &frame.location.encode(),
                )?;
            }
            if unsynced.is_some() {
                self.db.remove(KEY_UNSYNCED_FROM)?;
                *self.unsynced() = None;
            }
            if kept > 0 || rederived {
                tracing::info!(
                    chunks = kept,
                    from = next_position,
                    rederived,
                    "recovered the event log's chunk directory after an unclean stop"
                );
            }
            self.derive_indexes()?;
            if rederived {
                // After every entry derived again (sled recovers a prefix).
                self.db.remove(KEY_REDERIVING)?;
            }
            return Ok(());
        }
    }

    /// True when every chunk from position `from` on is where the
    /// directory says, whole and in order.
    pub(super) fn locations_intact_from(&self, from: u64) -> Result<bool> {
        let mut next_key = from;
        let mut expected: Option<u64> = None;
        loop {
            let entries = self.locations_from(next_key, LOCATIONS_PER_STEP)?;
            let Some((last_key, _)) = entries.last() else {
                return Ok(true);
            };
            next_key = last_key + 1;
            let chunks = match self.segments.read(&entries) {
                Ok(chunks) => chunks,
                Err(Error::Corrupt { position, reason }) => {
                    tracing::warn!(position, %reason, "a chunk written in relaxed mode is missing");
                    return Ok(false);
                }
                Err(other) => return Err(other),
            };
            for chunk in &chunks {
                let view = match ChunkView::parse(&chunk.bytes, chunk.first_position, true) {
                    Ok(view) => view,
                    Err(error) => {
                        tracing::warn!(%error, "a chunk written in relaxed mode is not whole");
                        return Ok(false);
                    }
                };
                if expected.is_some_and(|expected| expected != chunk.first_position) {
                    return Ok(false);
                }
                expected = Some(view.last_position() + 1);
            }
        }
    }

    /// Removes the chunk locations from position `from` on and every index
    /// entry, so recovery finds those chunks again in the segments and
    /// derives the indexes again from the whole log. Locations before
    /// `from` were synced and stay; inline chunks are sled's own and stay.
    ///
    /// `!rederiving` is made durable first and removed only once the
    /// indexes are derived again, so a crash in between starts over instead
    /// of trusting a half-cleared index.
    pub(super) fn clear_derived(&self, from: u64) -> Result<()> {
        tracing::warn!(
            from,
            "the event log's directory is ahead of its segments (a crash in relaxed mode); deriving it again"
        );
        self.db.insert(KEY_REDERIVING, &from.to_be_bytes())?;
        self.checkpoint()?;
        let mut batch = sled::Batch::default();
        for key in self
            .db
            .range(keys::location_key(from)..=keys::location_key(u64::MAX))
            .keys()
        {
            batch.remove(key?);
        }
        self.db.apply_batch(batch)?;
        for prefix in [PREFIX_STREAM_NAME, PREFIX_STREAM_INDEX, PREFIX_EVENT_ID] {
            let mut batch = sled::Batch::default();
            for key in self.db.scan_prefix([prefix]).keys() {
                batch.remove(key?);
            }
            self.db.apply_batch(batch)?;
        }
        self.db.remove(KEY_INDEXED_THROUGH)?;
        Ok(())
    }

    /// Derives the index entries of every chunk past `indexed_through`.
    pub(super) fn derive_indexes(&self) -> Result<()> {
        let indexed_through = self.indexed_through()?;
        // Structure only: a damaged checksum is reported when the chunk is
        // read, and by `verify`, with the damaged record's position.
        let log_end = match self.last_chunk()? {
            Some(chunk) => {
                ChunkView::parse(&chunk.bytes, chunk.first_position, false)?.last_position()
            }
            None => 0,
        };
        let mut next_position = indexed_through + 1;
        let mut streams: std::collections::HashMap<StreamName, u64> =
            std::collections::HashMap::new();
        while next_position <= log_end {
            let chunks = self.chunks_from(next_position, 64)?;
            if chunks.is_empty() {
                break;
            }
            for chunk in &chunks {
                // The checksum is left to reads and `verify`, which name the
                // damaged record; deriving the index needs only the records.
                let view = ChunkView::parse(&chunk.bytes, chunk.first_position, false)?;
                if view.first_position > next_position {
                    return Err(Error::Corrupt {
                        position: next_position,
                        reason: format!(
                            "recovery found the log jumping to {}",
                            view.first_position
                        ),
                    });
                }
                let mut group = CommitGroup::default();
                for index in 0..view.count() {
                    let event = view.decode(index)?;
                    if event.position < next_position {
                        continue;
                    }
                    let stream_id = if event.version == 0 {
                        group
                            .new_streams
                            .push((event.stream.clone(), event.position));
                        event.position
                    } else if let Some(id) = streams.get(&event.stream) {
                        *id
                    } else {
                        self.stream_head(&event.stream)?
                            .map(|head| head.stream_id)
                            .ok_or_else(|| Error::Corrupt {
                                position: event.position,
                                reason: format!("stream `{}` has no first event", event.stream),
                            })?
                    };
                    streams.insert(event.stream.clone(), stream_id);
                    // Consecutive records of one stream form one run; the
                    // runs may be cut differently than when first written,
                    // which lookups allow.
                    match group.stream_runs.last_mut() {
                        Some(run)
                            if run.stream_id == stream_id
                                && run.first_version + run.count == event.version
                                && run.first_position + run.count == event.position =>
                        {
                            run.count += 1;
                        }
                        _ => group.stream_runs.push(StreamRun {
                            stream_id,
                            first_version: event.version,
                            first_position: event.position,
                            count: 1,
                        }),
                    }
                    group.event_ids.push((event.event_id, event.position));
                }
                group.last_position = view.last_position();
                self.write_indexes(&group)?;
                next_position = view.last_position() + 1;
            }
        }
        if next_position > indexed_through + 1 {
            tracing::info!(
                indexed_from = indexed_through + 1,
                indexed_through = next_position - 1,
                "derived the event log's index entries after an unclean stop"
            );
        }
        Ok(())
    }
}
