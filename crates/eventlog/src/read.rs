//! Reading the log: by stream, all forward, by time.
//!
//! Reads never go past the committed head the writer published, so a
//! reader cannot see an event whose group is still being made durable.

use std::collections::HashSet;
use std::sync::mpsc::{SyncSender, TrySendError};

use chrono::{DateTime, Utc};

use uuid::Uuid;

use crate::EventLog;
use crate::codec::ChunkView;
use crate::error::{Error, Result};
use crate::event::{Head, RecordedEvent};
use crate::storage::{Storage, StoredChunk};
use crate::stream::{StreamName, validate_category};
use crate::upcast::UpcasterRegistry;

/// Most events one read returns.
pub const READ_EVENTS_MAX: usize = 10_000;

/// Most records one filtered `read_all` looks at before it returns (maybe
/// with fewer matches), so a rare filter cannot pin a thread for long.
pub const READ_SCAN_RECORDS_MAX: usize = 100_000;

/// Chunks fetched from storage per step of a scan.
const SCAN_CHUNKS_PER_STEP: usize = 64;

/// Unfiltered pages of at least this many events are decoded by two
/// threads ([`EventLog::read_all`]).
const PARALLEL_DECODE_EVENTS_MIN: u64 = 2_048;

/// Work for the decoding thread.
type DecodeJob = Box<dyn FnOnce() + Send>;

/// A thread that decodes the back half of large pages, started on first
/// use and only on a machine with a second core. One thread for the
/// process, so its allocator heap stays warm; a job waits for it only if
/// another read is being decoded (then the reader decodes it itself).
static DECODER: std::sync::LazyLock<Option<SyncSender<DecodeJob>>> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        if cores < 2 {
            return None;
        }
        // A rendezvous: a job is handed over only if the thread is idle.
        let (jobs, queue) = std::sync::mpsc::sync_channel::<DecodeJob>(0);
        std::thread::Builder::new()
            .name("eventlog-decode".to_owned())
            .spawn(move || {
                for job in queue {
                    job();
                }
            })
            .ok()?;
        Some(jobs)
    });

/// A chunk read in position order must start at or before the next
/// position wanted: a later start is a hole in the log.
fn continues_at(view: &ChunkView<'_>, next_position: u64) -> Result<()> {
    if view.first_position > next_position {
        return Err(Error::Corrupt {
            position: next_position,
            reason: format!(
                "the log jumps from {} to {}",
                next_position - 1,
                view.first_position
            ),
        });
    }
    Ok(())
}

/// The stream categories whose events a read opens and upcasts; `None`:
/// all. A reader that looks at a few categories only leaves the others as
/// stored, which spares opening sealed payloads it would skip.
pub type Categories = Option<&'static [&'static str]>;

fn wanted(categories: Categories, event: &RecordedEvent) -> bool {
    categories.is_none_or(|categories| categories.contains(&event.stream.category()))
}

/// Decodes the events of `chunks`, each from the position paired with it,
/// up to `through`, and upcasts those of `categories`. The chunks'
/// checksums were checked when they were read.
fn decode_chunks(
    chunks: &[(StoredChunk, u64)],
    through: u64,
    upcasters: Option<&UpcasterRegistry>,
    capacity: u64,
    categories: Categories,
) -> Result<Vec<RecordedEvent>> {
    let mut events = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    for (chunk, from) in chunks {
        let view = ChunkView::parse(&chunk.bytes, chunk.first_position, false)?;
        for position in *from..=through.min(view.last_position()) {
            let index = (position - view.first_position) as usize;
            let event = view.decode(index)?;
            events.push(match upcasters {
                Some(registry) if wanted(categories, &event) => registry.upcast(event)?,
                _ => event,
            });
        }
    }
    Ok(events)
}
/// Which events `read_all` and subscriptions deliver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadFilter {
    /// Only streams of this category.
    pub category: Option<String>,
    /// Only these event types.
    pub event_types: Option<HashSet<String>>,
}

impl ReadFilter {
    pub fn all() -> Self {
        Self::default()
    }

    pub fn category(category: &str) -> Result<Self> {
        validate_category(category).map_err(|reason| Error::InvalidCategory {
            category: crate::stream::truncate_for_message(category),
            reason,
        })?;
        Ok(Self {
            category: Some(category.to_owned()),
            event_types: None,
        })
    }

    pub fn event_types<I: IntoIterator<Item = S>, S: Into<String>>(types: I) -> Self {
        Self {
            category: None,
            event_types: Some(types.into_iter().map(Into::into).collect()),
        }
    }

    pub fn matches(&self, event: &RecordedEvent) -> bool {
        self.category
            .as_deref()
            .is_none_or(|category| event.stream.category() == category)
            && self
                .event_types
                .as_ref()
                .is_none_or(|types| types.contains(&event.event_type))
    }

    fn is_all(&self) -> bool {
        self.category.is_none() && self.event_types.is_none()
    }
}

/// One page of a forward read of the whole log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadAllPage {
    pub events: Vec<RecordedEvent>,
    /// Where the next read continues (the position after the last one
    /// looked at, matched or not).
    pub next_position: u64,
    /// True when the read reached the committed head.
    pub reached_head: bool,
}

/// Recovers the head from the last stored chunk, checking it fully.
///
/// If that chunk fails its checksum but its last record still decodes, the
/// head is taken from it and the damage is returned too: the log then opens
/// for reading and `verify` (which pins the altered record) but refuses
/// appends, rather than chain new records to a damaged tail.
pub(crate) fn recover_head(storage: &dyn Storage) -> Result<(Head, Option<Error>)> {
    let Some(chunk) = storage.last_chunk()? else {
        return Ok((Head::EMPTY, None));
    };
    let head_of = |check_crc: bool| -> Result<Head> {
        let view = ChunkView::parse(&chunk.bytes, chunk.first_position, check_crc)?;
        let last = view.decode(view.count() - 1)?;
        Ok(Head {
            position: last.position,
            hash: last.hash,
            recorded_at: Some(last.recorded_at),
        })
    };
    match head_of(true) {
        Ok(head) => Ok((head, None)),
        Err(damage @ Error::Corrupt { .. }) => Ok((head_of(false)?, Some(damage))),
        Err(other) => Err(other),
    }
}

impl EventLog {
    /// A stream's events from `from_version`, at most `max_count` (capped
    /// at [`READ_EVENTS_MAX`]). An unknown stream reads as empty.
    pub fn read_stream(
        &self,
        stream: &StreamName,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>> {
        let committed = self.head().position;
        let storage = self.inner.storage.as_ref();
        let Some(stream_head) = storage.stream_head(stream)? else {
            return Ok(Vec::new());
        };
        let positions = storage.stream_positions(
            stream_head.stream_id,
            from_version,
            max_count.min(READ_EVENTS_MAX),
        )?;
        let mut events = Vec::with_capacity(positions.len());
        let mut chunk: Option<StoredChunk> = None;
        for (offset, position) in positions.into_iter().enumerate() {
            if position > committed {
                break;
            }
            let event = self.read_at(position, &mut chunk)?;
            let version = from_version + offset as u64;
            if event.stream != *stream || event.version != version {
                return Err(Error::Corrupt {
                    position,
                    reason: format!(
                        "the stream index points {stream} v{version} at {} v{}",
                        event.stream, event.version
                    ),
                });
            }
            events.push(self.upcast(event)?);
        }
        Ok(events)
    }

    /// The version of a stream's last durable event, `None` if it has none.
    pub fn stream_version(&self, stream: &StreamName) -> Result<Option<u64>> {
        let committed = self.head().position;
        let storage = self.inner.storage.as_ref();
        let Some(head) = storage.stream_head(stream)? else {
            return Ok(None);
        };
        // The index may already hold a group that is not yet durable; step
        // back past it (at most one group's worth of versions).
        let mut version = head.last_version;
        loop {
            let positions = storage.stream_positions(head.stream_id, version, 1)?;
            match positions.first() {
                Some(position) if *position <= committed => return Ok(Some(version)),
                _ if version == 0 => return Ok(None),
                _ => version -= 1,
            }
        }
    }

    /// Where the event with this id is stored, if it is durable: how a
    /// process finds out that a command it derives ids for already ran.
    pub fn event_position(&self, event_id: Uuid) -> Result<Option<u64>> {
        let committed = self.head().position;
        Ok(self
            .inner
            .storage
            .event_position(event_id)?
            .filter(|position| *position <= committed))
    }

    /// One event by position, if it is durable.
    pub fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>> {
        if position == 0 || position > self.head().position {
            return Ok(None);
        }
        let event = self.read_at(position, &mut None)?;
        Ok(Some(self.upcast(event)?))
    }

    /// Events of the whole log from `from_position` (inclusive) that match
    /// `filter`, at most `max_count` (capped at [`READ_EVENTS_MAX`]).
    pub fn read_all(
        &self,
        from_position: u64,
        max_count: usize,
        filter: &ReadFilter,
    ) -> Result<ReadAllPage> {
        self.read_all_opening(from_position, max_count, filter, None)
    }

    /// Like [`Self::read_all`], opening and upcasting only the events of
    /// `categories` (when given): the others come as stored, for a reader
    /// that skips them anyway (a read model folding a few categories).
    pub fn read_all_opening(
        &self,
        from_position: u64,
        max_count: usize,
        filter: &ReadFilter,
        categories: Categories,
    ) -> Result<ReadAllPage> {
        let committed = self.head().position;
        let from_position = from_position.max(1);
        let max_count = max_count.clamp(1, READ_EVENTS_MAX);
        if filter.is_all() {
            // Every event matches: the page is known before reading it.
            let last = committed.min(from_position.saturating_add(max_count as u64 - 1));
            if last >= from_position
                && last - from_position + 1 >= PARALLEL_DECODE_EVENTS_MIN
                && DECODER.is_some()
            {
                return self.read_range_in_parallel(from_position, last, committed, categories);
            }
        }
        // An unfiltered read takes every event up to the page's size: room
        // for all at once, as growing step by step reallocates megabytes
        // for a full page. A filtered one may keep few.
        let available =
            usize::try_from(committed.saturating_sub(from_position - 1)).unwrap_or(usize::MAX);
        let reserve = if filter.is_all() { max_count } else { 1_024 };
        let mut events = Vec::with_capacity(reserve.min(available));
        let mut next_position = from_position;
        let mut scanned = 0usize;
        'scan: while next_position <= committed {
            let chunks = self
                .inner
                .storage
                .chunks_from(next_position, SCAN_CHUNKS_PER_STEP)?;
            if chunks.is_empty() {
                break;
            }
            for chunk in &chunks {
                let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
                continues_at(&view, next_position)?;
                let start =
                    usize::try_from(next_position - view.first_position).unwrap_or(usize::MAX);
                for index in start..view.count() {
                    let position = view.first_position + index as u64;
                    if position > committed
                        || events.len() >= max_count
                        || scanned >= READ_SCAN_RECORDS_MAX
                    {
                        break 'scan;
                    }
                    let event = view.decode(index)?;
                    scanned += 1;
                    next_position = position + 1;
                    if filter.is_all() || filter.matches(&event) {
                        events.push(if wanted(categories, &event) {
                            self.upcast(event)?
                        } else {
                            event
                        });
                    }
                }
            }
        }
        Ok(ReadAllPage {
            events,
            next_position,
            reached_head: next_position > committed,
        })
    }

    /// The last position recorded at or before `time` (0 if none): the log
    /// as it was known at that moment. `recorded_at` never decreases along
    /// the log, so this is a binary search.
    pub fn position_at(&self, time: DateTime<Utc>) -> Result<u64> {
        let mut low = 0u64; // recorded at or before `time` (0 = before the log)
        let mut high = self.head().position + 1; // after `time`
        let mut chunk = None;
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            let event = self.read_at(middle, &mut chunk)?;
            if event.recorded_at <= time {
                low = middle;
            } else {
                high = middle;
            }
        }
        Ok(low)
    }

    /// Reads one record, reusing `chunk` when it already holds the position.
    fn read_at(&self, position: u64, chunk: &mut Option<StoredChunk>) -> Result<RecordedEvent> {
        let holds = |candidate: &StoredChunk| -> Result<bool> {
            let view = ChunkView::parse(&candidate.bytes, candidate.first_position, false)?;
            Ok(position >= view.first_position && position <= view.last_position())
        };
        let cached = match chunk.as_ref() {
            Some(candidate) => holds(candidate)?,
            None => false,
        };
        if !cached {
            *chunk = self.inner.storage.chunk_containing(position)?;
        }
        let Some(stored) = chunk.as_ref() else {
            return Err(Error::Corrupt {
                position,
                reason: "no chunk holds this position".to_owned(),
            });
        };
        let view = ChunkView::parse(&stored.bytes, stored.first_position, !cached)?;
        if position > view.last_position() {
            return Err(Error::Corrupt {
                position,
                reason: format!(
                    "the chunk at {} ends at {}",
                    view.first_position,
                    view.last_position()
                ),
            });
        }
        view.decode(usize::try_from(position - view.first_position).unwrap_or(usize::MAX))
    }

    /// Every event from `first` to `last` (both committed), decoded by two
    /// threads: the chunks are read in order on this one, then this thread
    /// decodes the front half (checksums, records, upcasting) while
    /// [`DECODER`] decodes the back half.
    /// A replay spends most of its time decoding, and a replay is when a
    /// second core is most useful.
    fn read_range_in_parallel(
        &self,
        first: u64,
        last: u64,
        committed: u64,
        categories: Categories,
    ) -> Result<ReadAllPage> {
        // Each chunk with the first position to take from it.
        let mut chunks: Vec<(StoredChunk, u64)> = Vec::new();
        let mut next_position = first;
        'read: while next_position <= last {
            let batch = self
                .inner
                .storage
                .chunks_from(next_position, SCAN_CHUNKS_PER_STEP)?;
            if batch.is_empty() {
                break;
            }
            for chunk in batch {
                // Checked in order here, so the first damaged chunk is the
                // one reported, as a read in one thread reports it.
                let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
                continues_at(&view, next_position)?;
                if view.last_position() < next_position {
                    continue; // already read through an overlapping chunk
                }
                let from = next_position;
                next_position = view.last_position() + 1;
                chunks.push((chunk, from));
                if next_position > last {
                    break 'read;
                }
            }
        }
        let through = last.min(next_position - 1);
        // The front half's vector takes the back half's events too.
        let page = (through + 1).saturating_sub(first);
        let back = chunks.split_off(chunks.len() / 2);
        let back_events = back
            .first()
            .map_or(0, |(_, from)| (through + 1).saturating_sub(*from));
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let upcasters = self.inner.upcasters.clone();
        let job: DecodeJob = Box::new(move || {
            let decoded = decode_chunks(
                &back,
                through,
                upcasters.as_deref(),
                back_events,
                categories,
            );
            // The reader may have given up on an error of its own half.
            let _ = reply.send(decoded);
        });
        match DECODER.as_ref().map(|decoder| decoder.try_send(job)) {
            Some(Ok(())) => {
                self.inner
                    .parallel_pages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            // The decoder is busy with another read, or gone: decode here.
            Some(Err(TrySendError::Full(job) | TrySendError::Disconnected(job))) => job(),
            None => unreachable!("read_range_in_parallel runs only with a decoder"),
        }
        let mut events = decode_chunks(
            &chunks,
            through,
            self.inner.upcasters.as_deref(),
            page,
            categories,
        )?;
        let back = answer
            .recv()
            .map_err(|_| std::io::Error::other("the event log's decoding thread stopped"))??;
        events.extend(back);
        Ok(ReadAllPage {
            events,
            next_position: through + 1,
            reached_head: through >= committed,
        })
    }

    /// How many pages of this log had their back half decoded by the
    /// second thread (a machine with one core never does; a page arriving
    /// while that thread is busy is decoded whole by its reader). For
    /// tests that must know the parallel path ran.
    pub fn pages_decoded_in_parallel(&self) -> u64 {
        self.inner
            .parallel_pages
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn upcast(&self, event: RecordedEvent) -> Result<RecordedEvent> {
        match &self.inner.upcasters {
            Some(registry) => registry.upcast(event),
            None => Ok(event),
        }
    }
}
