//! The journal: what makes an acknowledgement durable in one disk round trip.
//!
//! sled's `flush` writes and then waits in `sync_file_range` before our own
//! `fdatasync` can flush the drive's cache: two device round trips per
//! commit (ADR 0001). Instead, each commit group's chunks are first written
//! as frames to a journal file and `fdatasync`ed, which is all an
//! acknowledgement needs; sled receives the same chunks without a flush and
//! writes them out in the background. Whatever sled had not made durable
//! before a crash is copied back from the journal when the store is opened,
//! as databases do with a write-ahead log.
//!
//! The journal is two files of at most [`JOURNAL_FILE_BYTES`]. Each is
//! zero-filled ahead of its frames (a mebibyte at a time, synced), so
//! writing a frame almost never changes the file's size or extents and its
//! `fdatasync` has no metadata to commit. Frames are written one after the
//! other; when the active file is full, the writer makes sled durable (a
//! checkpoint) and continues at the start of the other file. Old frames left
//! behind hold only positions sled already has, and recovery skips them.
//!
//! A frame is `[magic u32][length u32][crc32c u32][chunk]`; the CRC covers
//! the length and the chunk, so a torn frame ends the scan.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use crate::codec::ChunkView;
use crate::error::{Error, Result};
use crate::storage::StoredChunk;

/// Largest size of each of the two journal files.
pub const JOURNAL_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Most chunk bytes one commit group may write, so a group always fits in
/// an emptied journal file with room to spare.
pub const JOURNAL_GROUP_BYTES_MAX: u64 = JOURNAL_FILE_BYTES / 4;

const FRAME_MAGIC: u32 = 0x4843_4A31; // "HCJ1"
const FRAME_HEADER_BYTES: usize = 12;
/// How far ahead of its frames a journal file is zero-filled.
const ZERO_FILL_STEP_BYTES: u64 = 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Journal {
    files: [File; 2],
    active: usize,
    tail: u64,
    /// The highest position written to each file since it was last emptied.
    last_position: [u64; 2],
    /// Bytes of each file that exist (zero-filled or written).
    filled: [u64; 2],
}

impl Journal {
    /// Opens (creating and zero-filling if needed) the two journal files in
    /// `directory` and returns every intact frame found in them, in no
    /// particular order. Writing starts at the beginning of file 0; call
    /// this only after recovery will have made sled durable past every
    /// returned frame.
    pub fn open(directory: &Path) -> Result<(Self, Vec<StoredChunk>)> {
        let paths = [directory.join("journal-0"), directory.join("journal-1")];
        let mut frames = Vec::new();
        let mut created = false;
        let mut open_one = |path: &Path| -> Result<(File, u64)> {
            created |= !path.exists();
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            let filled = file.metadata()?.len().min(JOURNAL_FILE_BYTES);
            scan(&file, filled, &mut frames)?;
            Ok((file, filled))
        };
        let (first, first_filled) = open_one(&paths[0])?;
        let (second, second_filled) = open_one(&paths[1])?;
        if created {
            File::open(directory)?.sync_all()?;
        }
        let journal = Self {
            files: [first, second],
            active: 0,
            tail: 0,
            last_position: [0, 0],
            filled: [first_filled, second_filled],
        };
        Ok((journal, frames))
    }

    /// True when the frames of `chunks` do not fit in the rest of the active
    /// file.
    pub fn needs_rotation(&self, chunks: &[StoredChunk]) -> bool {
        self.tail + frames_bytes(chunks) > JOURNAL_FILE_BYTES
    }

    /// Switches to the other file. The caller must have made sled durable
    /// through every position that file holds.
    pub fn rotate(&mut self) {
        self.active = 1 - self.active;
        self.tail = 0;
        self.last_position[self.active] = 0;
    }

    /// The highest position the file that `rotate` would switch to holds.
    pub fn other_file_last_position(&self) -> u64 {
        self.last_position[1 - self.active]
    }

    /// Writes a group's chunks as frames and makes them durable.
    pub fn write_durably(&mut self, chunks: &[StoredChunk]) -> Result<()> {
        let mut frames = Vec::with_capacity(frames_bytes(chunks) as usize);
        for chunk in chunks {
            let length = u32::try_from(chunk.bytes.len()).map_err(|_| Error::Corrupt {
                position: chunk.first_position,
                reason: "chunk too large for a journal frame".to_owned(),
            })?;
            let length_bytes = length.to_le_bytes();
            let crc = crc32c::crc32c_append(crc32c::crc32c(&length_bytes), &chunk.bytes);
            frames.extend_from_slice(&FRAME_MAGIC.to_le_bytes());
            frames.extend_from_slice(&length_bytes);
            frames.extend_from_slice(&crc.to_le_bytes());
            frames.extend_from_slice(&chunk.bytes);
        }
        let end = self.tail + frames.len() as u64;
        if end > self.filled[self.active] {
            self.zero_fill_to(end + ZERO_FILL_STEP_BYTES)?;
        }
        let file = &self.files[self.active];
        file.write_all_at(&frames, self.tail)?;
        file.sync_data()?;
        self.tail += frames.len() as u64;
        if let Some(last) = chunks.last() {
            let view = ChunkView::parse(&last.bytes, last.first_position, false)?;
            self.last_position[self.active] = view.last_position();
        }
        Ok(())
    }
}

fn frames_bytes(chunks: &[StoredChunk]) -> u64 {
    chunks
        .iter()
        .map(|chunk| (FRAME_HEADER_BYTES + chunk.bytes.len()) as u64)
        .sum()
}

impl Journal {
    /// Extends the active file with zeroes up to `end` (at most the file
    /// size limit) and syncs its new size, so frames written there later
    /// are plain overwrites.
    fn zero_fill_to(&mut self, end: u64) -> Result<()> {
        let end = end.min(JOURNAL_FILE_BYTES);
        let start = self.filled[self.active];
        if end <= start {
            return Ok(());
        }
        let zeros = vec![0u8; (end - start) as usize];
        let file = &self.files[self.active];
        file.write_all_at(&zeros, start)?;
        file.sync_all()?;
        self.filled[self.active] = end;
        Ok(())
    }
}

/// Collects the intact frames of one file, stopping at the first that is
/// not (zeroes, a torn write, or the end of the file).
fn scan(file: &File, file_bytes: u64, frames: &mut Vec<StoredChunk>) -> Result<()> {
    let mut offset = 0u64;
    let mut header = [0u8; FRAME_HEADER_BYTES];
    while offset + FRAME_HEADER_BYTES as u64 <= file_bytes {
        file.read_exact_at(&mut header, offset)?;
        let word = |at: usize| {
            u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        if word(0) != FRAME_MAGIC {
            break;
        }
        let length = u64::from(word(4));
        let body_offset = offset + FRAME_HEADER_BYTES as u64;
        if body_offset + length > file_bytes {
            break;
        }
        let mut chunk = vec![0u8; length as usize];
        file.read_exact_at(&mut chunk, body_offset)?;
        let crc = crc32c::crc32c_append(crc32c::crc32c(&header[4..8]), &chunk);
        if crc != word(8) {
            break;
        }
        // The chunk's own header names its first position.
        let Some(first_position) = chunk
            .get(5..13)
            .and_then(|bytes| bytes.try_into().ok())
            .map(u64::from_le_bytes)
        else {
            break;
        };
        frames.push(StoredChunk {
            first_position,
            bytes: chunk.into(),
        });
        offset = body_offset + length;
    }
    Ok(())
}
