//! Segment files: where the log's records live, written once.
//!
//! Each commit group's chunks are appended as frames to the active segment
//! file, and in [`crate::Durability::Full`] one `fdatasync` of that file is
//! the acknowledgement. Nothing rewrites a frame afterwards: sled keeps only
//! each chunk's [`Location`] and the indexes (ADR 0013), so record bytes are
//! written to disk once, read back with plain `pread`s, and never pass
//! through sled's page cache or its leaf rewrites.
//!
//! - A segment is named after the first position it holds
//!   (`segments/00000000000000000001.seg`) and grows to about
//!   [`SEGMENT_FILE_BYTES`]; then it is cut to its last frame, synced, and
//!   the next group starts a new one.
//! - The active segment is zero-filled ahead of its frames (a mebibyte at a
//!   time, synced), so writing a frame almost never changes the file's size
//!   and its `fdatasync` has no metadata to commit.
//! - A frame is `[magic u32][length u32][chunk]`. The magic says whether
//!   the chunk is its group's last; the chunk carries its own checksum and
//!   first position. A scan after a crash keeps whole groups only, so an
//!   append's events are never half there.
//! - Whatever recovery cannot keep (a torn group, a frame that does not
//!   follow) is moved into `segments/discarded/`, never deleted unread.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::codec::{CHUNK_RECORDS_BYTES_MAX, ChunkView, RECORD_BYTES_MAX};
use crate::error::{Error, Result};
use crate::storage::{ChunkBytes, StoredChunk};

/// Size at which a segment is closed and the next group starts a new one.
pub const SEGMENT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Most chunk bytes one commit group may write, so a group is always a
/// small part of a segment.
pub const GROUP_BYTES_MAX: u64 = SEGMENT_FILE_BYTES / 8;

const FRAME_MAGIC_MORE: u32 = 0x4843_5331; // "HCS1": the group goes on
const FRAME_MAGIC_END: u32 = 0x4843_5345; // "HCSE": the group's last chunk
pub(crate) const FRAME_HEADER_BYTES: u64 = 8;

/// Largest chunk a frame may claim: one record of the largest size with
/// its chunk header, offsets and checksum, with room to spare. A longer
/// length field is a torn or damaged frame.
const FRAME_CHUNK_BYTES_MAX: u64 = 2 * (RECORD_BYTES_MAX + CHUNK_RECORDS_BYTES_MAX) as u64;

/// How far ahead of its frames the active segment is zero-filled.
const ZERO_FILL_STEP_BYTES: u64 = 1024 * 1024;

/// Most bytes one read of consecutive frames pulls in at once.
const READ_RUN_BYTES_MAX: u64 = 1024 * 1024;

/// Where a chunk is: its segment (named by the segment's first position),
/// the offset of its bytes (after the frame header) and their length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub segment: u64,
    pub offset: u64,
    pub length: u32,
}

impl Location {
    pub const ENCODED_BYTES: usize = 20;

    pub fn encode(&self) -> [u8; Self::ENCODED_BYTES] {
        let mut bytes = [0u8; Self::ENCODED_BYTES];
        bytes[..8].copy_from_slice(&self.segment.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.offset.to_be_bytes());
        bytes[16..].copy_from_slice(&self.length.to_be_bytes());
        bytes
    }

    /// `None` for anything that cannot be a frame's chunk: a wrong length,
    /// an offset inside the first frame header or past any segment, a
    /// chunk longer than a frame may hold.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::ENCODED_BYTES {
            return None;
        }
        let location = Self {
            segment: u64::from_be_bytes(bytes[..8].try_into().ok()?),
            offset: u64::from_be_bytes(bytes[8..16].try_into().ok()?),
            length: u32::from_be_bytes(bytes[16..].try_into().ok()?),
        };
        let plausible = location.offset >= FRAME_HEADER_BYTES
            && location.offset <= SEGMENT_FILE_BYTES + GROUP_BYTES_MAX
            && location.length > 0
            && u64::from(location.length) <= FRAME_CHUNK_BYTES_MAX;
        plausible.then_some(location)
    }

    /// The offset just past the chunk: where the next frame starts.
    pub fn end(&self) -> u64 {
        self.offset + u64::from(self.length)
    }
}

/// A frame found by [`Segments::scan`].
#[derive(Clone, Copy, Debug)]
pub struct ScannedFrame {
    pub first_position: u64,
    pub last_position: u64,
    pub location: Location,
    pub group_end: bool,
}

/// Where a scan starts: a segment and an offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentPoint {
    pub segment: u64,
    pub offset: u64,
}

#[derive(Debug)]
struct Active {
    segment: u64,
    file: Arc<File>,
    /// Where the next frame goes.
    tail: u64,
    /// Bytes of the file that exist (frames or zero fill).
    filled: u64,
}

#[derive(Debug, Default)]
struct WriteState {
    active: Option<Active>,
    /// Segments written since they were last synced.
    dirty: BTreeSet<u64>,
}

/// The segment files of one store.
#[derive(Debug)]
pub struct Segments {
    directory: PathBuf,
    files: RwLock<BTreeMap<u64, Arc<File>>>,
    state: Mutex<WriteState>,
    buffers: Arc<BufferPool>,
}

/// Read buffers given back when the last chunk sharing one is dropped, so
/// a long read (a replay) cycles through a few warm buffers instead of
/// faulting in and clearing fresh memory for every step.
#[derive(Debug, Default)]
struct BufferPool {
    free: Mutex<Vec<Vec<u8>>>,
}

/// Buffers the pool keeps at most (each up to [`READ_RUN_BYTES_MAX`]).
const POOL_BUFFERS_MAX: usize = 64;

impl BufferPool {
    fn take(&self) -> Vec<u8> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut buffer = free.pop().unwrap_or_default();
        buffer.clear();
        buffer
    }
}

/// One read's buffer, back to its pool when dropped.
struct PooledBuffer {
    bytes: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        if bytes.capacity() > READ_RUN_BYTES_MAX as usize {
            return;
        }
        let mut free = self
            .pool
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if free.len() < POOL_BUFFERS_MAX {
            free.push(bytes);
        }
    }
}

/// Bytes that share one read buffer: a chunk read with its neighbours.
struct SharedSlice {
    buffer: Arc<PooledBuffer>,
    range: std::ops::Range<usize>,
}

impl AsRef<[u8]> for SharedSlice {
    fn as_ref(&self) -> &[u8] {
        &self.buffer.bytes[self.range.clone()]
    }
}

fn segment_name(segment: u64) -> String {
    format!("{segment:020}.seg")
}

/// The path of a store's segment file.
pub fn segment_path(store_directory: &Path, segment: u64) -> PathBuf {
    store_directory.join("segments").join(segment_name(segment))
}

fn corrupt(position: u64, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        position,
        reason: reason.into(),
    }
}

impl Segments {
    /// Opens (creating if needed) `segments/` in the store's directory and
    /// every segment file in it. Writing is not possible until
    /// [`Self::cut_after`] has said where the log ends.
    pub fn open(store_directory: &Path) -> Result<Self> {
        let directory = store_directory.join("segments");
        if !directory.exists() {
            std::fs::create_dir(&directory)?;
            File::open(store_directory)?.sync_all()?;
        }
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&directory)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Some(stem) = name.strip_suffix(".seg") else {
                continue;
            };
            let segment: u64 = stem
                .parse()
                .map_err(|_| corrupt(0, format!("segment file name `{name}` is not a position")))?;
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(entry.path())?;
            files.insert(segment, Arc::new(file));
        }
        Ok(Self {
            directory,
            files: RwLock::new(files),
            state: Mutex::new(WriteState::default()),
            buffers: Arc::default(),
        })
    }

    fn files(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Arc<File>>> {
        self.files
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, WriteState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The start of the first segment, if there is one.
    pub fn first_point(&self) -> Option<SegmentPoint> {
        self.files().keys().next().map(|segment| SegmentPoint {
            segment: *segment,
            offset: 0,
        })
    }

    /// Reads the chunks at `entries` (first position, location), in order.
    /// Neighbouring frames of one segment are read with one `pread` and
    /// share its buffer.
    pub fn read(&self, entries: &[(u64, Location)]) -> Result<Vec<StoredChunk>> {
        let mut chunks = Vec::with_capacity(entries.len());
        let mut start = 0;
        while start < entries.len() {
            let (first_position, first) = entries[start];
            let mut end = start + 1;
            let mut run_end = first.end();
            while let Some((_, next)) = entries.get(end) {
                if next.segment != first.segment
                    || next.offset != run_end + FRAME_HEADER_BYTES
                    || next.end() - first.offset > READ_RUN_BYTES_MAX
                {
                    break;
                }
                run_end = next.end();
                end += 1;
            }
            if !self.files().contains_key(&first.segment) {
                return Err(corrupt(
                    first_position,
                    format!("segment {} is missing", segment_name(first.segment)),
                ));
            }
            // A file description of its own, so its offset is this read's
            // alone, and `read_to_end` fills the buffer without zeroing it
            // first (a replay reads the whole log through here).
            let run_bytes = run_end - first.offset;
            let mut file = File::open(self.directory.join(segment_name(first.segment)))?;
            file.seek(SeekFrom::Start(first.offset))?;
            let mut buffer = self.buffers.take();
            buffer.reserve(run_bytes as usize);
            file.take(run_bytes).read_to_end(&mut buffer)?;
            if (buffer.len() as u64) < run_bytes {
                return Err(corrupt(
                    first_position,
                    format!(
                        "segment {} ends before the chunk at offset {}",
                        segment_name(first.segment),
                        first.offset
                    ),
                ));
            }
            let shared = Arc::new(PooledBuffer {
                bytes: buffer,
                pool: Arc::clone(&self.buffers),
            });
            for (position, location) in &entries[start..end] {
                let from = (location.offset - first.offset) as usize;
                chunks.push(StoredChunk {
                    first_position: *position,
                    bytes: ChunkBytes::new(SharedSlice {
                        buffer: Arc::clone(&shared),
                        range: from..from + location.length as usize,
                    }),
                });
            }
            start = end;
        }
        Ok(chunks)
    }

    /// True when the frame holding the chunk at `location` is its group's
    /// last.
    pub fn is_group_end(&self, first_position: u64, location: &Location) -> Result<bool> {
        let files = self.files();
        let file = files.get(&location.segment).ok_or_else(|| {
            corrupt(
                first_position,
                format!("segment {} is missing", segment_name(location.segment)),
            )
        })?;
        let mut header = [0u8; FRAME_HEADER_BYTES as usize];
        let header_offset = location
            .offset
            .checked_sub(FRAME_HEADER_BYTES)
            .ok_or_else(|| {
                corrupt(
                    first_position,
                    "a chunk location points into a frame header",
                )
            })?;
        file.read_exact_at(&mut header, header_offset)?;
        let (magic, length) = split_header(&header);
        if length != u64::from(location.length) {
            return Err(corrupt(
                first_position,
                format!(
                    "the frame header says {length} bytes, the chunk directory {}",
                    location.length
                ),
            ));
        }
        match magic {
            FRAME_MAGIC_END => Ok(true),
            FRAME_MAGIC_MORE => Ok(false),
            other => Err(corrupt(
                first_position,
                format!("the frame header's magic is {other:08x}"),
            )),
        }
    }

    /// Reads frames from `start` on, across segments, for as long as each
    /// is whole and holds the next position (`next_position` first). Stops
    /// quietly at anything else: zero fill, a torn write, the end.
    pub fn scan(&self, start: SegmentPoint, mut next_position: u64) -> Result<Vec<ScannedFrame>> {
        let files: Vec<(u64, Arc<File>)> = self
            .files()
            .range(start.segment..)
            .map(|(segment, file)| (*segment, Arc::clone(file)))
            .collect();
        let mut frames = Vec::new();
        let mut chunk = Vec::new();
        for (index, (segment, file)) in files.iter().enumerate() {
            let offset = if index == 0 && *segment == start.segment {
                start.offset
            } else {
                0
            };
            let file_bytes = file.metadata()?.len();
            let mut reader = BufReader::with_capacity(READ_RUN_BYTES_MAX as usize, &**file);
            reader.seek(SeekFrom::Start(offset))?;
            let mut offset = offset;
            let mut reached_file_end = offset == file_bytes;
            while offset + FRAME_HEADER_BYTES <= file_bytes {
                let mut header = [0u8; FRAME_HEADER_BYTES as usize];
                reader.read_exact(&mut header)?;
                let (magic, length) = split_header(&header);
                let chunk_offset = offset + FRAME_HEADER_BYTES;
                if !matches!(magic, FRAME_MAGIC_MORE | FRAME_MAGIC_END)
                    || length == 0
                    || length > FRAME_CHUNK_BYTES_MAX
                    || chunk_offset + length > file_bytes
                {
                    break;
                }
                chunk.resize(length as usize, 0);
                reader.read_exact(&mut chunk)?;
                let Ok(view) = ChunkView::parse(&chunk, next_position, true) else {
                    break;
                };
                frames.push(ScannedFrame {
                    first_position: next_position,
                    last_position: view.last_position(),
                    location: Location {
                        segment: *segment,
                        offset: chunk_offset,
                        length: length as u32,
                    },
                    group_end: magic == FRAME_MAGIC_END,
                });
                next_position = view.last_position() + 1;
                offset = chunk_offset + length;
                reached_file_end = offset == file_bytes;
            }
            // A closed segment ends exactly at its last frame; anything else
            // ends the log here.
            if !reached_file_end {
                break;
            }
        }
        Ok(frames)
    }

    /// Makes `end` the end of the log: whatever follows it, in its segment
    /// and in later ones, is moved into `segments/discarded/` (or removed
    /// when it is only zeroes), and writing resumes at `end`. With `None`
    /// the log holds no segment frame and every segment is moved aside.
    pub fn cut_after(&self, end: Option<SegmentPoint>) -> Result<()> {
        // The write state before the files, in the order `append` takes them.
        let mut state = self.state();
        let mut files = self
            .files
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let later: Vec<u64> = match end {
            Some(end) => files.range(end.segment + 1..).map(|(s, _)| *s).collect(),
            None => files.keys().copied().collect(),
        };
        let mut changed = false;
        for segment in later {
            let file = files.remove(&segment).unwrap_or_else(|| unreachable!());
            let path = self.directory.join(segment_name(segment));
            self.set_aside(&file, &path, 0)?;
            std::fs::remove_file(&path)?;
            changed = true;
        }
        state.active = None;
        if let Some(end) = end {
            let file = files.get(&end.segment).cloned().ok_or_else(|| {
                corrupt(
                    0,
                    format!("segment {} is missing", segment_name(end.segment)),
                )
            })?;
            let bytes = file.metadata()?.len();
            if end.offset < bytes {
                let path = self.directory.join(segment_name(end.segment));
                self.set_aside(&file, &path, end.offset)?;
                file.set_len(end.offset)?;
                file.sync_all()?;
            }
            state.active = Some(Active {
                segment: end.segment,
                file,
                tail: end.offset,
                filled: end.offset,
            });
        }
        if changed {
            File::open(&self.directory)?.sync_all()?;
        }
        Ok(())
    }

    /// Copies the bytes of `file` from `from` to its last non-zero byte into
    /// `discarded/`, so recovery never destroys anything it did not read.
    fn set_aside(&self, file: &File, path: &Path, from: u64) -> Result<()> {
        let bytes = file.metadata()?.len();
        let mut tail = vec![0u8; bytes.saturating_sub(from) as usize];
        file.read_exact_at(&mut tail, from)?;
        let Some(last) = tail.iter().rposition(|byte| *byte != 0) else {
            return Ok(());
        };
        tail.truncate(last + 1);
        let discarded = self.directory.join("discarded");
        std::fs::create_dir_all(&discarded)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_micros())
            .unwrap_or_default();
        let name = format!(
            "{}-from-{from}-at-{stamp}",
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let target = discarded.join(name);
        std::fs::write(&target, &tail)?;
        File::open(&target)?.sync_all()?;
        File::open(&discarded)?.sync_all()?;
        File::open(&self.directory)?.sync_all()?;
        tracing::warn!(
            file = %path.display(),
            offset = from,
            bytes = tail.len(),
            kept_in = %target.display(),
            "the event log's recovery set aside bytes that do not continue the log"
        );
        Ok(())
    }

    /// Appends a group's chunks as frames and returns their locations. With
    /// `durable`, every segment written before is synced first and the
    /// frames are synced before returning.
    pub fn append(&self, chunks: &[StoredChunk], durable: bool) -> Result<Vec<Location>> {
        let Some(first) = chunks.first() else {
            return Ok(Vec::new());
        };
        let frames_bytes: u64 = chunks
            .iter()
            .map(|chunk| FRAME_HEADER_BYTES + chunk.bytes.len() as u64)
            .sum();
        let mut state = self.state();
        let needs_new = match &state.active {
            None => true,
            Some(active) => active.tail > 0 && active.tail + frames_bytes > SEGMENT_FILE_BYTES,
        };
        if needs_new {
            self.start_segment(&mut state, first.first_position)?;
        }
        if durable {
            self.sync_dirty(&mut state)?;
        }
        let WriteState { active, dirty } = &mut *state;
        let active = active.as_mut().unwrap_or_else(|| unreachable!());
        let mut frames = Vec::with_capacity(frames_bytes as usize);
        let mut locations = Vec::with_capacity(chunks.len());
        for (index, chunk) in chunks.iter().enumerate() {
            let length = u32::try_from(chunk.bytes.len())
                .ok()
                .filter(|length| u64::from(*length) <= FRAME_CHUNK_BYTES_MAX)
                .ok_or_else(|| corrupt(chunk.first_position, "chunk too large for a frame"))?;
            let magic = if index + 1 == chunks.len() {
                FRAME_MAGIC_END
            } else {
                FRAME_MAGIC_MORE
            };
            frames.extend_from_slice(&magic.to_le_bytes());
            frames.extend_from_slice(&length.to_le_bytes());
            locations.push(Location {
                segment: active.segment,
                offset: active.tail + frames.len() as u64,
                length,
            });
            frames.extend_from_slice(&chunk.bytes);
        }
        let end = active.tail + frames.len() as u64;
        if end > active.filled {
            let target = end + ZERO_FILL_STEP_BYTES;
            let zeros = vec![0u8; (target - active.filled) as usize];
            active.file.write_all_at(&zeros, active.filled)?;
            active.file.sync_all()?;
            active.filled = target;
        }
        if durable {
            write_durably(&active.file, &frames, active.tail)?;
        } else {
            active.file.write_all_at(&frames, active.tail)?;
            dirty.insert(active.segment);
        }
        active.tail = end;
        Ok(locations)
    }

    /// Closes the active segment at its last frame and creates the next,
    /// named after `first_position`, with its directory entry synced.
    fn start_segment(&self, state: &mut WriteState, first_position: u64) -> Result<()> {
        if let Some(active) = state.active.take() {
            active.file.set_len(active.tail)?;
            active.file.sync_all()?;
            state.dirty.remove(&active.segment);
        }
        let path = self.directory.join(segment_name(first_position));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|error| {
                corrupt(
                    first_position,
                    format!("cannot create segment {}: {error}", path.display()),
                )
            })?;
        let file = Arc::new(file);
        let zeros = vec![0u8; ZERO_FILL_STEP_BYTES as usize];
        file.write_all_at(&zeros, 0)?;
        file.sync_all()?;
        File::open(&self.directory)?.sync_all()?;
        self.files
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(first_position, Arc::clone(&file));
        state.active = Some(Active {
            segment: first_position,
            file,
            tail: 0,
            filled: ZERO_FILL_STEP_BYTES,
        });
        Ok(())
    }

    fn sync_dirty(&self, state: &mut WriteState) -> Result<()> {
        if state.dirty.is_empty() {
            return Ok(());
        }
        let files = self.files();
        // A segment stays dirty until its sync succeeds, so a failed sync is
        // never taken for a durable one later.
        while let Some(segment) = state.dirty.first().copied() {
            if let Some(file) = files.get(&segment) {
                file.sync_data()?;
            }
            state.dirty.remove(&segment);
        }
        Ok(())
    }

    /// Makes every frame written so far durable.
    pub fn sync(&self) -> Result<()> {
        let mut state = self.state();
        self.sync_dirty(&mut state)
    }

    /// Syncs every segment from `segment` on: after a crash, frames found
    /// there may so far be only in the operating system's cache.
    pub fn sync_from(&self, segment: u64) -> Result<()> {
        for file in self.files().range(segment..).map(|(_, file)| file) {
            file.sync_data()?;
        }
        Ok(())
    }
}

/// Writes `bytes` at `offset` and makes them durable with `pwritev2` and
/// `RWF_DSYNC` (Linux 4.7+): the write and its sync in one system call, a
/// tenth less latency than a write and an `fdatasync` on the project's
/// disk (docs/benchmarks.md). Only this write's bytes are covered, so the
/// caller syncs anything written earlier without a sync first; the zero
/// fill ahead of the frames means no metadata has to follow. Where the
/// kernel or the file system refuses the flag, it writes and syncs.
fn write_durably(file: &File, mut bytes: &[u8], mut offset: u64) -> Result<()> {
    use rustix::io::{Errno, ReadWriteFlags, pwritev2};
    while !bytes.is_empty() {
        match pwritev2(
            file,
            &[std::io::IoSlice::new(bytes)],
            offset,
            ReadWriteFlags::DSYNC,
        ) {
            Ok(0) => return Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into()),
            Ok(written) => {
                bytes = &bytes[written..];
                offset += written as u64;
            }
            Err(Errno::INTR) => {}
            Err(Errno::NOSYS | Errno::OPNOTSUPP | Errno::INVAL) => {
                file.write_all_at(bytes, offset)?;
                file.sync_data()?;
                return Ok(());
            }
            Err(error) => return Err(std::io::Error::from(error).into()),
        }
    }
    Ok(())
}

fn split_header(header: &[u8; FRAME_HEADER_BYTES as usize]) -> (u32, u64) {
    let magic = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let length = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    (magic, u64::from(length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ChunkBuilder;

    /// A chunk of `count` small records from `first_position` on. Scans
    /// check a chunk's structure and checksum, not its records.
    fn chunk(first_position: u64, count: usize) -> StoredChunk {
        let mut builder = ChunkBuilder::new(first_position);
        for index in 0..count {
            builder
                .buffer()
                .extend_from_slice(format!("record {first_position}+{index}").as_bytes());
            builder.seal_record();
        }
        StoredChunk {
            first_position,
            bytes: builder.finish().into(),
        }
    }

    fn opened(directory: &Path) -> Segments {
        let segments = Segments::open(directory).unwrap();
        let start = segments.first_point();
        let end = start.map(|start| {
            let frames = segments.scan(start, 1).unwrap();
            frames.last().map_or(start, |frame| SegmentPoint {
                segment: frame.location.segment,
                offset: frame.location.end(),
            })
        });
        segments.cut_after(end).unwrap();
        segments
    }

    #[test]
    fn a_location_round_trips_and_other_lengths_are_refused() {
        let location = Location {
            segment: 7,
            offset: 1 << 20,
            length: 4_100,
        };
        assert_eq!(Location::decode(&location.encode()), Some(location));
        assert_eq!(Location::decode(&location.encode()[..19]), None);
        let implausible = [
            Location {
                offset: 3,
                ..location
            },
            Location {
                length: 0,
                ..location
            },
            Location {
                length: u32::MAX,
                ..location
            },
            Location {
                offset: u64::MAX - 1,
                ..location
            },
        ];
        for wrong in implausible {
            assert_eq!(Location::decode(&wrong.encode()), None, "{wrong:?}");
        }
        assert_eq!(location.end(), (1 << 20) + 4_100);
    }

    #[test]
    fn appended_groups_scan_back_whole_with_their_group_ends() {
        let directory = tempfile::tempdir().unwrap();
        let segments = opened(directory.path());
        let first = [chunk(1, 3), chunk(4, 2)];
        let second = [chunk(6, 1)];
        let mut locations = segments.append(&first, true).unwrap();
        locations.extend(segments.append(&second, false).unwrap());
        segments.sync().unwrap();

        let frames = segments.scan(segments.first_point().unwrap(), 1).unwrap();
        let found: Vec<(u64, u64, bool)> = frames
            .iter()
            .map(|frame| (frame.first_position, frame.last_position, frame.group_end))
            .collect();
        assert_eq!(found, [(1, 3, false), (4, 5, true), (6, 6, true)]);
        let scanned: Vec<Location> = frames.iter().map(|frame| frame.location).collect();
        assert_eq!(scanned, locations);
        assert!(segments.is_group_end(4, &locations[1]).unwrap());
        assert!(!segments.is_group_end(1, &locations[0]).unwrap());

        let entries: Vec<(u64, Location)> = [1, 4, 6].into_iter().zip(locations).collect();
        let read = segments.read(&entries).unwrap();
        // `zip` stops at the shorter side: every chunk written is read.
        assert_eq!(read.len(), first.len() + second.len());
        for (read, written) in read.iter().zip(first.iter().chain(&second)) {
            assert_eq!(read.first_position, written.first_position);
            assert_eq!(&read.bytes[..], &written.bytes[..]);
        }
        // A scan that expects another position finds nothing.
        assert!(
            segments
                .scan(segments.first_point().unwrap(), 2)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_chunk_past_the_end_of_its_segment_is_reported_with_its_position() {
        let directory = tempfile::tempdir().unwrap();
        let segments = opened(directory.path());
        let locations = segments.append(&[chunk(1, 1)], true).unwrap();
        let beyond = Location {
            offset: 64 * 1024 * 1024,
            ..locations[0]
        };
        let error = segments.read(&[(9, beyond)]).unwrap_err();
        assert!(
            matches!(error, Error::Corrupt { position: 9, .. }),
            "{error}"
        );
        let missing = Location {
            segment: 99,
            ..locations[0]
        };
        let error = segments.read(&[(9, missing)]).unwrap_err();
        assert!(
            matches!(error, Error::Corrupt { position: 9, .. }),
            "{error}"
        );
    }

    #[test]
    fn cutting_sets_aside_what_follows_and_writing_resumes_there() {
        let directory = tempfile::tempdir().unwrap();
        let segments = opened(directory.path());
        let kept = segments.append(&[chunk(1, 2)], true).unwrap();
        segments.append(&[chunk(3, 2)], true).unwrap();
        drop(segments);

        let segments = Segments::open(directory.path()).unwrap();
        segments
            .cut_after(Some(SegmentPoint {
                segment: kept[0].segment,
                offset: kept[0].end(),
            }))
            .unwrap();
        let discarded: Vec<_> = std::fs::read_dir(directory.path().join("segments/discarded"))
            .unwrap()
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect();
        assert_eq!(discarded.len(), 1);
        assert_eq!(
            discarded[0].len(),
            FRAME_HEADER_BYTES as usize + chunk(3, 2).bytes.len()
        );

        let again = segments.append(&[chunk(3, 1)], true).unwrap();
        assert_eq!(again[0].offset, kept[0].end() + FRAME_HEADER_BYTES);
        let frames = segments.scan(segments.first_point().unwrap(), 1).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].last_position, 3);
    }

    #[test]
    fn a_full_segment_is_closed_at_its_last_frame_and_the_next_is_named_after_its_group() {
        let directory = tempfile::tempdir().unwrap();
        let segments = opened(directory.path());
        let big = |first_position: u64| {
            let mut builder = ChunkBuilder::new(first_position);
            builder.buffer().resize(60 * 1024, 0x11);
            builder.seal_record();
            StoredChunk {
                first_position,
                bytes: builder.finish().into(),
            }
        };
        let frame_bytes = FRAME_HEADER_BYTES + big(1).bytes.len() as u64;
        let per_segment = SEGMENT_FILE_BYTES / frame_bytes;
        let mut last = Vec::new();
        for position in 1..=per_segment + 3 {
            last = segments.append(&[big(position)], false).unwrap();
        }
        segments.sync().unwrap();
        assert_ne!(last[0].segment, 1);
        // The closed segment ends exactly at its last frame.
        let first_file = std::fs::metadata(segment_path(directory.path(), 1)).unwrap();
        assert_eq!(first_file.len(), (last[0].segment - 1) * frame_bytes);
        let frames = segments.scan(segments.first_point().unwrap(), 1).unwrap();
        assert_eq!(frames.len() as u64, per_segment + 3);
        assert_eq!(frames.last().unwrap().location, last[0]);
        assert_eq!(
            last[0].segment,
            frames
                .iter()
                .find(|f| f.location.segment != 1)
                .unwrap()
                .first_position
        );
    }
}
