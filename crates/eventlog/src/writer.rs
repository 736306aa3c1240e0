//! The single writer: group commit of concurrent appends.
//!
//! One OS thread owns the write side. It takes every append waiting in its
//! queue (up to [`GROUP_EVENTS_MAX`] events), checks each against the
//! current stream versions and the event-id index, assigns positions,
//! versions and hashes, and hands the whole group to storage, which makes
//! its chunks durable with one sync (a segment file) before it returns. Only
//! then are the appenders answered and the new head published to readers
//! and subscribers, so nobody ever sees an event that a crash could take
//! back.
//!
//! Because the writer is the only one who writes, its in-memory view of the
//! head (position, hash, time) and its stream cache are authoritative. If a
//! commit fails, the writer cannot know what reached the disk, so it stops
//! accepting appends until the store is reopened (and recovered from what is
//! really there), rather than guess.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::Clock;
use crate::codec::{self, CHUNK_RECORDS_BYTES_MAX, ChunkBuilder, RECORD_BYTES_MAX, RecordInput};
use crate::error::{Error, Result};
use crate::event::{AppendMeta, AppendOutcome, CurrentVersion, ExpectedVersion, Head, NewEvent};
use crate::storage::{CommitGroup, Durability, Storage, StoredChunk, StreamHead, StreamRun};
use crate::stream::StreamName;

/// Most events one commit group takes, whatever is queued.
pub const GROUP_EVENTS_MAX: usize = 8_192;

/// Most payload bytes one commit group takes, so a group's chunks are
/// always a small part of a segment: half of
/// [`crate::segments::GROUP_BYTES_MAX`], the other half being room for
/// envelopes (at most [`GROUP_EVENTS_MAX`] of a few hundred bytes each).
pub const GROUP_PAYLOAD_BYTES_MAX: usize = (crate::segments::GROUP_BYTES_MAX / 2) as usize;

// One append must fit in one group, or it could never be committed.
const _: () = assert!(crate::APPEND_PAYLOAD_BYTES_MAX <= GROUP_PAYLOAD_BYTES_MAX);

/// Streams whose head the writer remembers; beyond this it starts over and
/// reads heads from storage again.
const STREAM_CACHE_ENTRIES_MAX: usize = 100_000;

pub(crate) struct AppendRequest {
    pub stream: StreamName,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub meta: AppendMeta,
    pub reply: oneshot::Sender<Result<AppendOutcome>>,
}

pub(crate) enum WriterCommand {
    Append(AppendRequest),
    /// Make everything appended so far durable (for relaxed mode).
    Sync(oneshot::Sender<Result<()>>),
}

impl WriterCommand {
    fn event_count(&self) -> usize {
        match self {
            Self::Append(request) => request.events.len(),
            Self::Sync(_) => 0,
        }
    }

    fn payload_bytes(&self) -> usize {
        match self {
            Self::Append(request) => request.events.iter().map(|event| event.payload.len()).sum(),
            Self::Sync(_) => 0,
        }
    }
}

pub(crate) struct Writer {
    storage: Arc<dyn Storage>,
    durability: Durability,
    clock: Arc<dyn Clock>,
    head: Head,
    stream_cache: HashMap<StreamName, StreamHead>,
    head_sender: watch::Sender<Head>,
    failure: Option<String>,
    /// The greatest event id stored. An id above it cannot be stored, which
    /// spares the index lookup for almost every new UUID v7 (they grow with
    /// time). Exact, not probabilistic.
    max_event_id: Option<Uuid>,
}

/// Where an event id was placed earlier in the group being planned.
#[derive(Clone)]
struct PendingEvent {
    position: u64,
    stream: StreamName,
    version: u64,
}

/// The group being planned: what will be written and who gets which answer.
struct GroupPlan {
    group: CommitGroup,
    chunk: Option<ChunkBuilder>,
    next_position: u64,
    hash: [u8; 32],
    recorded_at_micros: i64,
    streams: HashMap<StreamName, StreamHead>,
    event_ids: HashMap<Uuid, PendingEvent>,
    replies: Vec<(oneshot::Sender<Result<AppendOutcome>>, AppendOutcome)>,
    sync_replies: Vec<oneshot::Sender<Result<()>>>,
}

impl Writer {
    pub fn new(
        storage: Arc<dyn Storage>,
        durability: Durability,
        clock: Arc<dyn Clock>,
        head: Head,
        head_sender: watch::Sender<Head>,
        failure: Option<String>,
    ) -> Result<Self> {
        let max_event_id = storage.max_event_id()?;
        Ok(Self {
            max_event_id,
            storage,
            durability,
            clock,
            head,
            stream_cache: HashMap::new(),
            head_sender,
            failure,
        })
    }

    /// Runs until every sender is gone.
    pub fn run(mut self, mut receiver: mpsc::Receiver<WriterCommand>) {
        let mut commands = Vec::new();
        let mut held_back = None;
        loop {
            let first = match held_back.take() {
                Some(command) => command,
                None => match receiver.blocking_recv() {
                    Some(command) => command,
                    None => break,
                },
            };
            let mut events = first.event_count();
            let mut payload_bytes = first.payload_bytes();
            commands.push(first);
            while events < GROUP_EVENTS_MAX {
                match receiver.try_recv() {
                    Ok(command) => {
                        // A command that would overfill the group waits for
                        // the next one; one append alone always fits.
                        if payload_bytes + command.payload_bytes() > GROUP_PAYLOAD_BYTES_MAX {
                            held_back = Some(command);
                            break;
                        }
                        events += command.event_count();
                        payload_bytes += command.payload_bytes();
                        commands.push(command);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(commands.drain(..));
        }
    }

    fn commit_group(&mut self, commands: impl Iterator<Item = WriterCommand>) {
        let now_micros = self.clock.now().timestamp_micros();
        let last_micros = self
            .head
            .recorded_at
            .map_or(i64::MIN, |at| at.timestamp_micros());
        let mut plan = GroupPlan {
            group: CommitGroup::default(),
            chunk: None,
            next_position: self.head.position + 1,
            hash: self.head.hash,
            // recorded_at never decreases, even if the system clock steps back.
            recorded_at_micros: now_micros.max(last_micros),
            streams: HashMap::new(),
            event_ids: HashMap::new(),
            replies: Vec::new(),
            sync_replies: Vec::new(),
        };
        for command in commands {
            match command {
                WriterCommand::Append(request) => {
                    if let Some(reason) = &self.failure {
                        let _ = request.reply.send(Err(Error::WriterFailed {
                            reason: reason.clone(),
                        }));
                        continue;
                    }
                    match self.plan_append(&mut plan, &request) {
                        Ok(outcome) => plan.replies.push((request.reply, outcome)),
                        Err(error) => {
                            let _ = request.reply.send(Err(error));
                        }
                    }
                }
                WriterCommand::Sync(reply) => plan.sync_replies.push(reply),
            }
        }
        if let Some(chunk) = plan.chunk.take() {
            close_chunk(&mut plan.group, chunk);
        }
        let result = if plan.group.is_empty() {
            Ok(())
        } else {
            plan.group.last_position = plan.next_position - 1;
            self.storage.commit(&plan.group, self.durability)
        };
        let result = result.and_then(|()| {
            if plan.sync_replies.is_empty() {
                Ok(())
            } else {
                self.storage.sync()
            }
        });
        match result {
            Ok(()) => {
                if !plan.group.is_empty() {
                    self.head = Head {
                        position: plan.next_position - 1,
                        hash: plan.hash,
                        recorded_at: chrono::DateTime::from_timestamp_micros(
                            plan.recorded_at_micros,
                        ),
                    };
                    if self.stream_cache.len() + plan.streams.len() > STREAM_CACHE_ENTRIES_MAX {
                        self.stream_cache.clear();
                    }
                    self.stream_cache.extend(plan.streams);
                    // `Uuid` orders by its bytes, as the event-id index does.
                    let group_max = plan.group.event_ids.iter().map(|(id, _)| *id).max();
                    self.max_event_id = self.max_event_id.max(group_max);
                    self.head_sender.send_replace(self.head);
                }
                for (reply, outcome) in plan.replies {
                    let _ = reply.send(Ok(outcome));
                }
                for reply in plan.sync_replies {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(error) => {
                let reason = format!(
                    "commit of positions {}..{} failed: {error}",
                    self.head.position + 1,
                    plan.next_position
                );
                tracing::error!(%reason, "the event log writer stops accepting appends");
                self.failure = Some(reason.clone());
                for (reply, _) in plan.replies {
                    let _ = reply.send(Err(Error::WriterFailed {
                        reason: reason.clone(),
                    }));
                }
                for reply in plan.sync_replies {
                    let _ = reply.send(Err(Error::WriterFailed {
                        reason: reason.clone(),
                    }));
                }
            }
        }
    }

    fn stream_head(&mut self, plan: &GroupPlan, stream: &StreamName) -> Result<Option<StreamHead>> {
        if let Some(head) = plan.streams.get(stream) {
            return Ok(Some(*head));
        }
        if let Some(head) = self.stream_cache.get(stream) {
            return Ok(Some(*head));
        }
        let head = self.storage.stream_head(stream)?;
        if let Some(head) = head {
            if self.stream_cache.len() >= STREAM_CACHE_ENTRIES_MAX {
                self.stream_cache.clear();
            }
            self.stream_cache.insert(stream.clone(), head);
        }
        Ok(head)
    }

    /// Where an event id is stored, in this group or in the log.
    fn find_event(&self, plan: &GroupPlan, event_id: Uuid) -> Result<Option<PendingEvent>> {
        if let Some(pending) = plan.event_ids.get(&event_id) {
            return Ok(Some(pending.clone()));
        }
        if self.max_event_id.is_none_or(|max| event_id > max) {
            return Ok(None);
        }
        let Some(position) = self.storage.event_position(event_id)? else {
            return Ok(None);
        };
        let chunk = self
            .storage
            .chunk_containing(position)?
            .ok_or_else(|| Error::Corrupt {
                position,
                reason: format!(
                    "the event-id index points event {event_id} at a position with no chunk"
                ),
            })?;
        let view = codec::ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
        let index = usize::try_from(position - view.first_position).unwrap_or(usize::MAX);
        let event = view.decode(index)?;
        if event.event_id != event_id {
            return Err(Error::Corrupt {
                position,
                reason: format!(
                    "the event-id index points {event_id} at event {}",
                    event.event_id
                ),
            });
        }
        Ok(Some(PendingEvent {
            position,
            stream: event.stream,
            version: event.version,
        }))
    }

    /// Checks one append against the log and the group so far, and adds its
    /// records to the group. On error nothing of it is added.
    fn plan_append(
        &mut self,
        plan: &mut GroupPlan,
        request: &AppendRequest,
    ) -> Result<AppendOutcome> {
        // Idempotency first: a retry of an append that already landed must
        // succeed even though the stream has moved on since.
        let mut found = Vec::new();
        for (index, event) in request.events.iter().enumerate() {
            if let Some(stored) = self.find_event(plan, event.event_id)? {
                found.push((index, stored));
            }
        }
        if !found.is_empty() {
            return repeated_append_outcome(request, &found);
        }

        let current = self.stream_head(plan, &request.stream)?;
        let actual = current.map_or(CurrentVersion::NoStream, |head| {
            CurrentVersion::Version(head.last_version)
        });
        let matches = match (request.expected, current) {
            (ExpectedVersion::Any, _) => true,
            (ExpectedVersion::NoStream, None) => true,
            (ExpectedVersion::Exact(expected), Some(head)) => head.last_version == expected,
            _ => false,
        };
        if !matches {
            return Err(Error::WrongExpectedVersion {
                stream: request.stream.to_string(),
                expected: request.expected,
                actual,
            });
        }

        // Encode into scratch space first, so a too-large event leaves the
        // plan untouched.
        let first_position = plan.next_position;
        let first_version = current.map_or(0, |head| head.last_version + 1);
        let mut hash = plan.hash;
        let mut encoded = Vec::new();
        let mut ends = Vec::with_capacity(request.events.len());
        for (index, event) in request.events.iter().enumerate() {
            let start = encoded.len();
            let input = RecordInput {
                position: first_position + index as u64,
                stream: &request.stream,
                version: first_version + index as u64,
                event,
                meta: &request.meta,
                recorded_at_micros: plan.recorded_at_micros,
            };
            hash = codec::encode_record(&input, &hash, &mut encoded)?;
            let bytes = encoded.len() - start;
            if bytes > RECORD_BYTES_MAX {
                return Err(Error::EventTooLarge {
                    index,
                    bytes,
                    max: RECORD_BYTES_MAX,
                });
            }
            ends.push(encoded.len());
        }

        let stream_id = match current {
            Some(head) => head.stream_id,
            None => {
                // A stream's id is the position of its first event.
                plan.group
                    .new_streams
                    .push((request.stream.clone(), first_position));
                first_position
            }
        };
        let mut start = 0;
        for (index, end) in ends.into_iter().enumerate() {
            let position = first_position + index as u64;
            let version = first_version + index as u64;
            plan.push_record(position, &encoded[start..end]);
            start = end;
            let event_id = request.events[index].event_id;
            plan.group.event_ids.push((event_id, position));
            plan.event_ids.insert(
                event_id,
                PendingEvent {
                    position,
                    stream: request.stream.clone(),
                    version,
                },
            );
        }
        plan.group.stream_runs.push(StreamRun {
            stream_id,
            first_version,
            first_position,
            count: request.events.len() as u64,
        });
        let last_version = first_version + request.events.len() as u64 - 1;
        plan.streams.insert(
            request.stream.clone(),
            StreamHead {
                stream_id,
                last_version,
            },
        );
        plan.hash = hash;
        plan.next_position = first_position + request.events.len() as u64;
        Ok(AppendOutcome {
            first_position,
            last_position: plan.next_position - 1,
            last_version,
            already_stored: false,
        })
    }
}

impl GroupPlan {
    fn push_record(&mut self, position: u64, record: &[u8]) {
        let fits = self
            .chunk
            .as_ref()
            .is_some_and(|chunk| chunk.records_bytes() + record.len() <= CHUNK_RECORDS_BYTES_MAX);
        if !fits {
            if let Some(full) = self.chunk.take() {
                close_chunk(&mut self.group, full);
            }
            self.chunk = Some(ChunkBuilder::new(position));
        }
        if let Some(chunk) = self.chunk.as_mut() {
            chunk.buffer().extend_from_slice(record);
            chunk.seal_record();
        }
    }
}

fn close_chunk(group: &mut CommitGroup, chunk: ChunkBuilder) {
    if chunk.count() > 0 {
        let first_position = chunk.first_position();
        group.chunks.push(StoredChunk {
            first_position,
            bytes: chunk.finish().into(),
        });
    }
}

/// The answer to an append some of whose event ids are already stored: the
/// original outcome if it is a true repeat of one earlier append, an
/// [`Error::EventIdConflict`] otherwise. `found` pairs the index of each
/// stored event within the request with where it is stored.
fn repeated_append_outcome(
    request: &AppendRequest,
    found: &[(usize, PendingEvent)],
) -> Result<AppendOutcome> {
    let (_, first) = &found[0];
    for (index, stored) in found {
        let same_place = stored.stream == request.stream
            && stored.position == first.position + *index as u64
            && stored.version == first.version + *index as u64;
        if !same_place {
            return Err(Error::EventIdConflict {
                event_id: request.events[*index].event_id,
                position: stored.position,
            });
        }
    }
    if found.len() != request.events.len() {
        // Some ids are new: this is not a retry of one earlier append.
        let (index, stored) = &found[0];
        return Err(Error::EventIdConflict {
            event_id: request.events[*index].event_id,
            position: stored.position,
        });
    }
    let (_, last) = &found[found.len() - 1];
    Ok(AppendOutcome {
        first_position: first.position,
        last_position: last.position,
        last_version: last.version,
        already_stored: true,
    })
}
