//! Backups of the log, whole or from a position on, and their restore.
//!
//! A backup holds the log's chunks exactly as stored, from a position up
//! to the head committed when the backup began. Chunks never change once
//! committed and each holds whole commit groups, so reading them while
//! appends continue gives a consistent prefix of the log: a backup needs
//! no pause of the server. Restoring writes the chunks into a fresh store
//! and opens it, which derives every index from the chunks (as after a
//! crash), then verifies the whole hash chain; the restored log has the
//! backup's head position and head hash, or the restore fails.
//!
//! An incremental backup holds what came after a position (rounded down to
//! the start of the chunk holding the next record), so a large store is
//! saved in a full backup once and in small increments afterwards; a
//! restore takes the full backup and then each increment in order.
//!
//! Files stored beside the log that a restore needs with it (the data
//! subjects' keys, ADR 0018) travel as *attachments* after the chunks; a
//! restore hands the newest file's attachments back to its caller.
//!
//! File format, version 2 (integers little-endian; version 1, magic
//! `HCRMBAK1`, is the same without attachments and is still read):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `HCRMBAK2` |
//! | 8 | first position in the backup |
//! | 8 | last position in the backup (the head it was taken at) |
//! | 32 | hash of the record before the first position (zeros for a full backup) |
//! | 32 | hash of the record at the last position (zeros for an empty log) |
//! | 8 | when the backup was taken, microseconds since 1970 |
//! | frames | `[length u32][chunk]`, one per chunk, in position order |
//! | 4 | `0`: the end of the frames |
//! | attachments | `[name length u16][name, UTF-8][length u64][bytes]`, one per attachment |
//! | 2 | `0`: the end of the attachments |
//! | 32 | SHA-256 of every byte before it |
//!
//! The digest catches any damage to the file; each chunk's own checksum and
//! the hash chain, checked before anything is written, name where.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

use crate::codec::{ChunkView, chain_hash, split_record};
use crate::error::{Error, Result};
use crate::sled_store::SledStorage;
use crate::storage::{Storage, StoredChunk};
use crate::{EventLog, Options};

const MAGIC_V1: [u8; 8] = *b"HCRMBAK1";
const MAGIC: [u8; 8] = *b"HCRMBAK2";
/// Largest attachment a backup may hold: a damaged length must not make a
/// restore allocate more.
pub const BACKUP_ATTACHMENT_BYTES_MAX: u64 = 1 << 30;
const HEADER_BYTES: u64 = 8 + 8 + 8 + 32 + 32 + 8;
/// Largest frame a backup may hold. Stored chunks are far smaller (about
/// [`crate::codec::CHUNK_RECORDS_BYTES_MAX`]); a larger length means a
/// damaged file, and must not make a restore allocate that much.
pub const BACKUP_FRAME_BYTES_MAX: usize = 1024 * 1024;
/// Chunks read from the store per step while writing a backup.
const BACKUP_CHUNKS_PER_STEP: usize = 256;

/// What a backup file says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupHeader {
    pub first_position: u64,
    /// The head the backup was taken at; `first_position - 1` when it
    /// holds no record.
    pub last_position: u64,
    pub base_hash: [u8; 32],
    pub head_hash: [u8; 32],
    pub taken_at: DateTime<Utc>,
}

impl BackupHeader {
    /// A backup of the whole log, rather than an increment.
    pub fn is_full(&self) -> bool {
        self.first_position == 1
    }

    pub fn records(&self) -> u64 {
        (self.last_position + 1).saturating_sub(self.first_position)
    }
}

/// A backup written or checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    pub header: BackupHeader,
    pub chunks: u64,
    pub bytes: u64,
    /// SHA-256 of the file (before the digest itself): the backup's hash.
    pub digest: [u8; 32],
}

/// A file stored beside the log, carried in its backups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A log restored from backups and verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    pub position: u64,
    pub hash: [u8; 32],
    pub streams: u64,
    /// The attachments of the newest backup restored: the caller puts
    /// them back beside the log.
    pub attachments: Vec<Attachment>,
}

impl EventLog {
    /// Writes a backup of every record after `since` (0: the whole log) up
    /// to the head committed now into `out`. Appends may go on meanwhile;
    /// they are not in this backup.
    pub fn backup(&self, since: u64, out: impl Write) -> Result<BackupSummary> {
        self.backup_with(since, out, || Ok(Vec::new()))
    }

    /// Like [`Self::backup`], with the files `attachments` gives, asked for
    /// once the head is fixed (so a file that grows before the records
    /// needing it are appended, such as the subjects' keys, covers them).
    pub fn backup_with(
        &self,
        since: u64,
        out: impl Write,
        attachments: impl FnOnce() -> std::io::Result<Vec<Attachment>>,
    ) -> Result<BackupSummary> {
        let head = self.head();
        if since > head.position {
            return Err(Error::BackupRefused {
                reason: format!(
                    "cannot back up what came after position {since}: the log ends at {}",
                    head.position
                ),
            });
        }
        let storage = self.inner.storage.as_ref();
        // Start at the chunk that holds the first record wanted.
        let first_position = match storage.chunk_containing(since + 1)? {
            Some(chunk) if since < head.position => chunk.first_position,
            _ => since + 1,
        };
        let base_hash = match first_position - 1 {
            0 => [0; 32],
            before => self.record_hash(before)?,
        };
        let header = BackupHeader {
            first_position,
            last_position: head.position,
            base_hash,
            head_hash: head.hash,
            // Informational only (it is in no hash chain); microseconds, as
            // the file keeps it.
            taken_at: DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
                .unwrap_or_default(),
        };
        let mut out = HashingWriter::new(BufWriter::new(out));
        out.write_all(&encode_header(&header))?;
        let mut chunks = 0u64;
        let mut next_position = first_position;
        while next_position <= head.position {
            let batch = storage.chunks_from(next_position, BACKUP_CHUNKS_PER_STEP)?;
            if batch.is_empty() {
                return Err(Error::Corrupt {
                    position: next_position,
                    reason: "the log ends before its head".to_owned(),
                });
            }
            for chunk in batch {
                if chunk.first_position > head.position {
                    break;
                }
                let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
                if chunk.first_position != next_position || view.last_position() > head.position {
                    return Err(Error::Corrupt {
                        position: next_position,
                        reason: format!(
                            "expected a chunk of committed records from {next_position}, found {}..={}",
                            chunk.first_position,
                            view.last_position()
                        ),
                    });
                }
                let length = u32::try_from(chunk.bytes.len())
                    .ok()
                    .filter(|length| *length as usize <= BACKUP_FRAME_BYTES_MAX)
                    .ok_or_else(|| Error::Corrupt {
                        position: chunk.first_position,
                        reason: format!("a chunk of {} bytes", chunk.bytes.len()),
                    })?;
                out.write_all(&length.to_le_bytes())?;
                out.write_all(&chunk.bytes)?;
                chunks += 1;
                next_position = view.last_position() + 1;
            }
        }
        out.write_all(&0u32.to_le_bytes())?;
        for attachment in attachments()? {
            let name = u16::try_from(attachment.name.len())
                .ok()
                .filter(|length| *length > 0)
                .ok_or_else(|| Error::BackupRefused {
                    reason: format!("an attachment named {:?}", attachment.name),
                })?;
            out.write_all(&name.to_le_bytes())?;
            out.write_all(attachment.name.as_bytes())?;
            out.write_all(&(attachment.bytes.len() as u64).to_le_bytes())?;
            out.write_all(&attachment.bytes)?;
        }
        out.write_all(&0u16.to_le_bytes())?;
        let (bytes, digest, mut inner) = out.finish();
        inner.write_all(&digest)?;
        inner.flush()?;
        Ok(BackupSummary {
            header,
            chunks,
            bytes: bytes + 32,
            digest,
        })
    }

    /// The stored hash of the record at `position`.
    fn record_hash(&self, position: u64) -> Result<[u8; 32]> {
        let storage = self.inner.storage.as_ref();
        let chunk = storage
            .chunk_containing(position)?
            .ok_or_else(|| Error::Corrupt {
                position,
                reason: "no chunk holds this record".to_owned(),
            })?;
        let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
        let index = usize::try_from(position - view.first_position).unwrap_or(usize::MAX);
        if index >= view.count() {
            return Err(Error::Corrupt {
                position,
                reason: "no chunk holds this record".to_owned(),
            });
        }
        Ok(split_record(view.record(index)?, position)?.1)
    }
}

/// Reads a backup file and checks everything in it (the digest, each
/// chunk's structure and checksum, the positions, and the hash chain from
/// the base hash to the head hash) without writing anything.
pub fn inspect_backup(path: &Path) -> Result<BackupSummary> {
    let mut reader = BackupReader::open(path)?;
    let mut chain = reader.header.base_hash;
    while let Some(chunk) = reader.next_chunk()? {
        let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true)?;
        for index in 0..view.count() {
            let position = view.first_position + index as u64;
            let (covered, stored) = split_record(view.record(index)?, position)?;
            let hash = chain_hash(&chain, covered);
            if hash != stored {
                return Err(reader.damaged(format!("the hash chain breaks at position {position}")));
            }
            chain = hash;
        }
    }
    if chain != reader.header.head_hash {
        return Err(reader.damaged("the chain does not end in the backup's head hash".to_owned()));
    }
    Ok(reader.finish()?.0)
}

/// Restores a full backup and then each increment, in order, into the log
/// directory `directory`, which must not exist yet. Every file is checked
/// whole before anything is written; the store is built beside the target
/// and moved into place only once it opened and verified, so a failed
/// restore leaves no half-restored log behind.
pub fn restore(directory: &Path, backups: &[PathBuf]) -> Result<RestoreReport> {
    if directory.exists() {
        return Err(Error::BackupRefused {
            reason: format!(
                "{} already exists; restore into a new folder",
                directory.display()
            ),
        });
    }
    let mut expected: Option<BackupHeader> = None;
    for path in backups {
        let summary = inspect_backup(path)?;
        let header = summary.header;
        match expected {
            None if !header.is_full() => {
                return Err(Error::BackupRefused {
                    reason: format!(
                        "{} is an increment from position {}; a restore starts with a full backup",
                        path.display(),
                        header.first_position
                    ),
                });
            }
            Some(previous)
                if header.first_position != previous.last_position + 1
                    || header.base_hash != previous.head_hash =>
            {
                return Err(Error::BackupRefused {
                    reason: format!(
                        "{} starts at position {}, but the backups before it end at {}: take each increment from the last position of the one before",
                        path.display(),
                        header.first_position,
                        previous.last_position
                    ),
                });
            }
            _ => {}
        }
        expected = Some(header);
    }
    let Some(last) = expected else {
        return Err(Error::BackupRefused {
            reason: "no backup to restore".to_owned(),
        });
    };

    let building = partial_directory(directory);
    if building.exists() {
        std::fs::remove_dir_all(&building)?;
    }
    let built = build(&building, backups, &last);
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    let report = built?;
    std::fs::rename(&building, directory)?;
    if let Some(parent) = directory
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        File::open(parent)?.sync_all()?;
    }
    Ok(report)
}

fn build(building: &Path, backups: &[PathBuf], last: &BackupHeader) -> Result<RestoreReport> {
    std::fs::create_dir_all(building)?;
    let mut attachments = Vec::new();
    {
        let storage = SledStorage::open(building, crate::sled_store::CACHE_BYTES_DEFAULT)?;
        for path in backups {
            let mut reader = BackupReader::open(path)?;
            while let Some(chunk) = reader.next_chunk()? {
                storage.restore_chunk(&chunk)?;
            }
            attachments = reader.finish()?.1;
        }
        storage.sync()?;
    }
    let log = EventLog::open(building, Options::default())?;
    let verified = log.verify()?;
    let head = log.head();
    if head.position != last.last_position || head.hash != last.head_hash {
        return Err(Error::BackupRefused {
            reason: format!(
                "the restored log ends at position {} instead of the backup's {}",
                head.position, last.last_position
            ),
        });
    }
    drop(log);
    Ok(RestoreReport {
        position: head.position,
        hash: head.hash,
        streams: verified.streams_checked,
        attachments,
    })
}

/// Where a restore builds the store before moving it into place.
fn partial_directory(directory: &Path) -> PathBuf {
    let mut name = directory
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".restoring");
    directory.with_file_name(name)
}

fn encode_header(header: &BackupHeader) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_BYTES as usize);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&header.first_position.to_le_bytes());
    bytes.extend_from_slice(&header.last_position.to_le_bytes());
    bytes.extend_from_slice(&header.base_hash);
    bytes.extend_from_slice(&header.head_hash);
    bytes.extend_from_slice(&header.taken_at.timestamp_micros().to_le_bytes());
    bytes
}

/// Counts and hashes what passes through to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (u64, [u8; 32], W) {
        (self.bytes, self.hasher.finalize().into(), self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.hasher.update(&buffer[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads a backup file frame by frame, hashing as it goes.
struct BackupReader {
    file: String,
    /// Version 2 files carry attachments after the frames.
    attachments: bool,
    input: BufReader<File>,
    hasher: Sha256,
    offset: u64,
    header: BackupHeader,
    next_position: u64,
    chunks: u64,
}

impl BackupReader {
    fn open(path: &Path) -> Result<Self> {
        let input = BufReader::with_capacity(1024 * 1024, File::open(path)?);
        let mut reader = Self {
            attachments: true,
            file: path.display().to_string(),
            input,
            hasher: Sha256::new(),
            offset: 0,
            header: BackupHeader {
                first_position: 0,
                last_position: 0,
                base_hash: [0; 32],
                head_hash: [0; 32],
                taken_at: DateTime::<Utc>::UNIX_EPOCH,
            },
            next_position: 0,
            chunks: 0,
        };
        let mut header = [0u8; HEADER_BYTES as usize];
        reader.read_hashed(&mut header)?;
        if header[..8] == MAGIC_V1 {
            reader.attachments = false;
        } else if header[..8] != MAGIC {
            return Err(reader.damaged_at(0, "not a HyperCRM backup (unknown magic)".to_owned()));
        }
        let word = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or([0; 8]));
        let hash = |at: usize| -> [u8; 32] { header[at..at + 32].try_into().unwrap_or([0; 32]) };
        let first_position = word(8);
        let last_position = word(16);
        if first_position == 0 || last_position + 1 < first_position {
            return Err(reader.damaged_at(
                8,
                format!("positions {first_position}..={last_position} make no range"),
            ));
        }
        let micros = i64::from_le_bytes(header[88..96].try_into().unwrap_or([0; 8]));
        reader.header = BackupHeader {
            first_position,
            last_position,
            base_hash: hash(24),
            head_hash: hash(56),
            taken_at: DateTime::from_timestamp_micros(micros).ok_or_else(|| {
                reader.damaged_at(88, "the time it was taken is out of range".to_owned())
            })?,
        };
        reader.next_position = first_position;
        Ok(reader)
    }

    fn damaged_at(&self, offset: u64, reason: String) -> Error {
        Error::BackupDamaged {
            file: self.file.clone(),
            offset,
            reason,
        }
    }

    fn damaged(&self, reason: String) -> Error {
        self.damaged_at(self.offset, reason)
    }

    fn read_hashed(&mut self, buffer: &mut [u8]) -> Result<()> {
        match self.input.read_exact(buffer) {
            Ok(()) => {
                self.hasher.update(&*buffer);
                self.offset += buffer.len() as u64;
                Ok(())
            }
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                Err(self.damaged("the file ends too early".to_owned()))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The next chunk, checked for structure, checksum and position; `None`
    /// at the end of the frames.
    fn next_chunk(&mut self) -> Result<Option<StoredChunk>> {
        let frame_offset = self.offset;
        let mut length = [0u8; 4];
        self.read_hashed(&mut length)?;
        let length = u32::from_le_bytes(length) as usize;
        if length == 0 {
            if self.next_position != self.header.last_position + 1 {
                return Err(self.damaged_at(
                    frame_offset,
                    format!(
                        "the frames end at position {} but the header says {}",
                        self.next_position - 1,
                        self.header.last_position
                    ),
                ));
            }
            return Ok(None);
        }
        if length > BACKUP_FRAME_BYTES_MAX {
            return Err(self.damaged_at(frame_offset, format!("a frame of {length} bytes")));
        }
        let mut bytes = vec![0u8; length];
        self.read_hashed(&mut bytes)?;
        let last_position = ChunkView::parse(&bytes, self.next_position, true)
            .map_err(|error| self.damaged_at(frame_offset, error.to_string()))?
            .last_position();
        if last_position > self.header.last_position {
            return Err(self.damaged_at(
                frame_offset,
                format!(
                    "a chunk reaches position {last_position} past the backup's last {}",
                    self.header.last_position
                ),
            ));
        }
        let chunk = StoredChunk {
            first_position: self.next_position,
            bytes: bytes.into(),
        };
        self.next_position = last_position + 1;
        self.chunks += 1;
        Ok(Some(chunk))
    }

    /// Reads the attachments after the last frame (none in a version 1
    /// file), then checks the digest and that nothing follows it.
    fn finish(mut self) -> Result<(BackupSummary, Vec<Attachment>)> {
        let mut attachments = Vec::new();
        while self.attachments {
            let at = self.offset;
            let mut length = [0u8; 2];
            self.read_hashed(&mut length)?;
            let name_length = u16::from_le_bytes(length) as usize;
            if name_length == 0 {
                break;
            }
            let mut name = vec![0u8; name_length];
            self.read_hashed(&mut name)?;
            let name = String::from_utf8(name)
                .map_err(|_| self.damaged_at(at, "an attachment's name is not UTF-8".to_owned()))?;
            let mut length = [0u8; 8];
            self.read_hashed(&mut length)?;
            let length = u64::from_le_bytes(length);
            if length > BACKUP_ATTACHMENT_BYTES_MAX {
                return Err(self.damaged_at(at, format!("an attachment of {length} bytes")));
            }
            let mut bytes = vec![0u8; length as usize];
            self.read_hashed(&mut bytes)?;
            attachments.push(Attachment { name, bytes });
        }
        let digest: [u8; 32] = self.hasher.clone().finalize().into();
        let mut stored = [0u8; 32];
        let digest_offset = self.offset;
        self.read_hashed(&mut stored)?;
        if stored != digest {
            return Err(self.damaged_at(
                digest_offset,
                "the file's SHA-256 does not match its content".to_owned(),
            ));
        }
        let mut rest = [0u8; 1];
        if self.input.read(&mut rest)? != 0 {
            return Err(self.damaged("bytes after the end of the backup".to_owned()));
        }
        Ok((
            BackupSummary {
                header: self.header,
                chunks: self.chunks,
                bytes: self.offset,
                digest,
            },
            attachments,
        ))
    }
}
