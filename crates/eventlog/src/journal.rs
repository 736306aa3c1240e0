//! The journal of store formats 1 and 2, read once when such a store is
//! upgraded.
//!
//! Those formats kept chunks inside sled and wrote each commit group's
//! chunks first to one of two journal files, synced; a crash could leave
//! frames there that sled had not yet made durable. Opening such a store
//! copies them into sled and then removes the journal (`sled_store`).
//! Format 3 writes records to segment files instead (ADR 0013).
//!
//! A frame is `[magic u32][length u32][crc32c u32][chunk]`; the CRC covers
//! the length and the chunk, so a torn frame ends the scan.

use std::fs::File;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::storage::StoredChunk;

/// Largest size each of the two journal files had.
const JOURNAL_FILE_BYTES: u64 = 32 * 1024 * 1024;

const FRAME_MAGIC: u32 = 0x4843_4A31; // "HCJ1"
const FRAME_HEADER_BYTES: usize = 12;

fn paths(directory: &Path) -> [PathBuf; 2] {
    [directory.join("journal-0"), directory.join("journal-1")]
}

/// Every intact frame of the journal files that exist, in no particular
/// order.
pub(crate) fn read_frames(directory: &Path) -> Result<Vec<StoredChunk>> {
    let mut frames = Vec::new();
    for path in paths(directory) {
        if !path.exists() {
            continue;
        }
        let file = File::open(&path)?;
        let filled = file.metadata()?.len().min(JOURNAL_FILE_BYTES);
        scan(&file, filled, &mut frames)?;
    }
    Ok(frames)
}

/// Removes the journal files, durably.
pub(crate) fn remove(directory: &Path) -> Result<()> {
    let mut removed = false;
    for path in paths(directory) {
        if path.exists() {
            std::fs::remove_file(&path)?;
            removed = true;
        }
    }
    if removed {
        File::open(directory)?.sync_all()?;
    }
    Ok(())
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
