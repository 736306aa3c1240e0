//! The keys file: one fixed-size slot per subject, appended when the
//! subject's first personal field is sealed and rewritten in place when
//! the subject is erased.
//!
//! Format (little-endian, every slot 64-byte aligned, so that no slot
//! crosses a 512-byte sector and a rewrite is one sector write):
//!
//! | bytes | header (64) |
//! |---|---|
//! | 0..8 | `HCVAULT1` |
//! | 8..64 | zero |
//!
//! | bytes | slot (64) |
//! |---|---|
//! | 0..16 | the subject's id (UUID) |
//! | 16 | 1: live, 2: erased |
//! | 17..24 | zero |
//! | 24..56 | the key (zero once erased) |
//! | 56..60 | CRC-32C of bytes 0..56 |
//! | 60..64 | zero |
//!
//! Opening reads every slot: a slot whose checksum does not match is an
//! error naming its byte offset, never skipped. A file ending in part of a
//! slot was cut by a crash while a new key was appended; that key was
//! never handed out (a key is synced before it seals anything), so the
//! partial slot is moved aside into `<file>.torn-<offset>` and reported.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use uuid::Uuid;
use zeroize::Zeroize as _;

use crate::VaultError;
use crate::cipher::{self, KEY_BYTES, Sealed};

const MAGIC: &[u8; 8] = b"HCVAULT1";
const HEADER_BYTES: u64 = 64;
const SLOT_BYTES: u64 = 64;
const LIVE: u8 = 1;
const ERASED: u8 = 2;

/// Whether the vault holds a key for a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectState {
    /// Nothing was ever sealed for it.
    Unknown,
    Live,
    Erased,
}

/// What opening the keys file found beyond the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub live: usize,
    pub erased: usize,
    /// Bytes of a slot cut by a crash, moved aside (and where).
    pub torn_tail: Option<(u64, PathBuf)>,
}

struct Entry {
    slot: u64,
    key: Option<[u8; KEY_BYTES]>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(key) = self.key.as_mut() {
            key.zeroize();
        }
    }
}

struct Inner {
    file: File,
    entries: HashMap<Uuid, Entry>,
    slots: u64,
}

/// The keys of every subject, over one keys file.
pub struct Vault {
    path: PathBuf,
    inner: Mutex<Inner>,
    /// New keys are synced one by one; off during a bulk load, which
    /// calls [`Vault::sync`] at its end (an erasure is always synced).
    sync_each_key: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn slot_bytes(subject: Uuid, state: u8, key: &[u8; KEY_BYTES]) -> [u8; SLOT_BYTES as usize] {
    let mut slot = [0u8; SLOT_BYTES as usize];
    slot[..16].copy_from_slice(subject.as_bytes());
    slot[16] = state;
    slot[24..56].copy_from_slice(key);
    let crc = crc32c::crc32c(&slot[..56]);
    slot[56..60].copy_from_slice(&crc.to_le_bytes());
    slot
}

fn slot_offset(slot: u64) -> u64 {
    HEADER_BYTES + slot * SLOT_BYTES
}

impl Vault {
    /// Opens the keys file at `path`, made empty if there is none.
    pub fn open(path: &Path) -> Result<(Self, OpenReport), VaultError> {
        let error = io(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(&error)?;
        }
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(&error)?;
        if created {
            let mut header = [0u8; HEADER_BYTES as usize];
            header[..8].copy_from_slice(MAGIC);
            file.write_all(&header).map_err(&error)?;
            file.sync_all().map_err(&error)?;
            if let Some(parent) = path.parent() {
                File::open(parent)
                    .and_then(|folder| folder.sync_all())
                    .map_err(&error)?;
            }
        }
        let mut bytes = Vec::new();
        file.rewind().map_err(&error)?;
        file.read_to_end(&mut bytes).map_err(&error)?;
        let corrupt = |offset: u64, reason: &str| VaultError::Corrupt {
            path: path.display().to_string(),
            offset,
            reason: reason.to_owned(),
        };
        if bytes.len() < HEADER_BYTES as usize || &bytes[..8] != MAGIC {
            return Err(corrupt(0, "not a HyperCRM keys file (no HCVAULT1 header)"));
        }
        let mut report = OpenReport::default();
        let body = bytes.len() as u64 - HEADER_BYTES;
        let whole = body / SLOT_BYTES;
        let cut = body % SLOT_BYTES;
        if cut != 0 {
            let offset = slot_offset(whole);
            let aside = path.with_extension(format!("torn-{offset}"));
            std::fs::write(&aside, &bytes[offset as usize..]).map_err(&error)?;
            file.set_len(offset).map_err(&error)?;
            file.sync_all().map_err(&error)?;
            report.torn_tail = Some((cut, aside));
        }
        let mut entries = HashMap::with_capacity(whole as usize);
        for slot in 0..whole {
            let offset = slot_offset(slot);
            let raw = &bytes[offset as usize..(offset + SLOT_BYTES) as usize];
            let crc = u32::from_le_bytes([raw[56], raw[57], raw[58], raw[59]]);
            if crc != crc32c::crc32c(&raw[..56]) {
                return Err(corrupt(offset, "the slot's checksum does not match"));
            }
            let subject = Uuid::from_slice(&raw[..16]).map_err(|_| corrupt(offset, "no id"))?;
            let key = match raw[16] {
                LIVE => {
                    let mut key = [0u8; KEY_BYTES];
                    key.copy_from_slice(&raw[24..56]);
                    report.live += 1;
                    Some(key)
                }
                ERASED => {
                    report.erased += 1;
                    None
                }
                _ => return Err(corrupt(offset, "unknown slot state")),
            };
            if entries.insert(subject, Entry { slot, key }).is_some() {
                return Err(corrupt(offset, "a second slot for the same subject"));
            }
        }
        bytes.zeroize();
        let vault = Self {
            sync_each_key: std::sync::atomic::AtomicBool::new(true),
            path: path.to_owned(),
            inner: Mutex::new(Inner {
                file,
                entries,
                slots: whole,
            }),
        };
        Ok((vault, report))
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the map as consistent as
        // the file: every change writes the file first.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn state(&self, subject: Uuid) -> SubjectState {
        match self.inner().entries.get(&subject) {
            None => SubjectState::Unknown,
            Some(Entry { key: Some(_), .. }) => SubjectState::Live,
            Some(Entry { key: None, .. }) => SubjectState::Erased,
        }
    }

    /// Seals `plaintext` for `subject`, making its key first (synced to
    /// disk before it seals anything) if it has none; refused for an
    /// erased subject.
    pub fn seal(&self, subject: Uuid, plaintext: &[u8]) -> Result<Sealed, VaultError> {
        let mut inner = self.inner();
        let key = match inner.entries.get(&subject) {
            Some(Entry { key: Some(key), .. }) => *key,
            Some(Entry { key: None, .. }) => return Err(VaultError::Erased(subject)),
            None => self.create(&mut inner, subject)?,
        };
        cipher::seal(&key, subject, plaintext)
    }

    fn create(&self, inner: &mut Inner, subject: Uuid) -> Result<[u8; KEY_BYTES], VaultError> {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|error| VaultError::Random(error.to_string()))?;
        let slot = inner.slots;
        let sync = self
            .sync_each_key
            .load(std::sync::atomic::Ordering::Relaxed);
        self.write_slot(&inner.file, slot, &slot_bytes(subject, LIVE, &key), sync)?;
        inner.slots += 1;
        inner.entries.insert(
            subject,
            Entry {
                slot,
                key: Some(key),
            },
        );
        Ok(key)
    }

    fn write_slot(
        &self,
        file: &File,
        slot: u64,
        bytes: &[u8],
        sync: bool,
    ) -> Result<(), VaultError> {
        use std::os::unix::fs::FileExt as _;
        let error = io(&self.path);
        file.write_all_at(bytes, slot_offset(slot))
            .map_err(&error)?;
        if sync {
            file.sync_data().map_err(&error)?;
        }
        Ok(())
    }

    /// Whether each new key is synced before it seals anything (the
    /// default). A bulk load turns it off, and calls [`Self::sync`] before
    /// it syncs the log: a crash before then loses the load anyway.
    pub fn sync_each_key(&self, on: bool) {
        self.sync_each_key
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Syncs every key written so far.
    pub fn sync(&self) -> Result<(), VaultError> {
        self.inner().file.sync_data().map_err(io(&self.path))
    }

    /// Opens `sealed` of `subject`: `None` when the subject was erased.
    pub fn open_sealed(
        &self,
        subject: Uuid,
        sealed: &Sealed,
    ) -> Result<Option<Vec<u8>>, VaultError> {
        let key = match self.inner().entries.get(&subject) {
            Some(Entry { key: Some(key), .. }) => *key,
            Some(Entry { key: None, .. }) => return Ok(None),
            None => return Err(VaultError::UnknownSubject(subject)),
        };
        cipher::open(&key, subject, sealed).map(Some)
    }

    /// Destroys `subject`'s key, on disk (its slot rewritten with zeros,
    /// synced) and in memory: what was sealed for it can never be opened
    /// again. An unknown subject gets an erased slot too, so nothing can
    /// be sealed for it later. Answers whether a key was destroyed now.
    pub fn erase(&self, subject: Uuid) -> Result<bool, VaultError> {
        let mut inner = self.inner();
        let erased = slot_bytes(subject, ERASED, &[0u8; KEY_BYTES]);
        match inner
            .entries
            .get(&subject)
            .map(|entry| (entry.slot, entry.key.is_some()))
        {
            Some((_, false)) => Ok(false),
            Some((slot, true)) => {
                self.write_slot(&inner.file, slot, &erased, true)?;
                if let Some(entry) = inner.entries.get_mut(&subject)
                    && let Some(mut key) = entry.key.take()
                {
                    key.zeroize();
                }
                Ok(true)
            }
            None => {
                let slot = inner.slots;
                self.write_slot(&inner.file, slot, &erased, true)?;
                inner.slots += 1;
                inner.entries.insert(subject, Entry { slot, key: None });
                Ok(false)
            }
        }
    }

    /// The keys file as it stands, read whole under the lock (for backups).
    pub fn file_bytes(&self) -> Result<Vec<u8>, VaultError> {
        use std::os::unix::fs::FileExt as _;
        let inner = self.inner();
        let error = io(&self.path);
        let length = slot_offset(inner.slots);
        let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(0)];
        inner.file.read_exact_at(&mut bytes, 0).map_err(&error)?;
        Ok(bytes)
    }

    /// Subjects with a live key and erased ones.
    pub fn counts(&self) -> (usize, usize) {
        let inner = self.inner();
        let live = inner
            .entries
            .values()
            .filter(|entry| entry.key.is_some())
            .count();
        (live, inner.entries.len() - live)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn subject(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Protects erasure's promise: after `erase`, and after reopening the
    /// file, the subject's data answers "erased"; other subjects still
    /// open; nothing new is sealed for the erased one; the key's bytes
    /// are gone from the file.
    #[test]
    fn an_erased_key_stays_erased_and_leaves_the_others() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("subject.keys");
        let (vault, report) = Vault::open(&path).unwrap();
        assert_eq!(report, OpenReport::default());
        let anna = vault.seal(subject(1), b"Anna").unwrap();
        let boris = vault.seal(subject(2), b"Boris").unwrap();
        let key_bytes =
            std::fs::read(&path).unwrap()[(HEADER_BYTES as usize + 24)..][..32].to_vec();
        assert_eq!(
            vault.open_sealed(subject(1), &anna).unwrap().unwrap(),
            b"Anna"
        );
        assert!(vault.erase(subject(1)).unwrap());
        assert!(!vault.erase(subject(1)).unwrap(), "once");
        assert_eq!(vault.open_sealed(subject(1), &anna).unwrap(), None);
        assert!(matches!(
            vault.seal(subject(1), b"x"),
            Err(VaultError::Erased(_))
        ));
        drop(vault);

        let file = std::fs::read(&path).unwrap();
        assert!(
            !file.windows(32).any(|window| window == key_bytes),
            "the key is gone from disk"
        );
        let (vault, report) = Vault::open(&path).unwrap();
        assert_eq!((report.live, report.erased), (1, 1));
        assert_eq!(vault.state(subject(1)), SubjectState::Erased);
        assert_eq!(vault.open_sealed(subject(1), &anna).unwrap(), None);
        assert_eq!(
            vault.open_sealed(subject(2), &boris).unwrap().unwrap(),
            b"Boris"
        );
        assert!(matches!(
            vault.open_sealed(subject(3), &boris),
            Err(VaultError::UnknownSubject(_))
        ));
        // A subject erased before anything was sealed stays erased.
        assert!(!vault.erase(subject(4)).unwrap());
        assert_eq!(vault.state(subject(4)), SubjectState::Erased);
    }

    /// Protects "corrupt storage is reported with its position": a
    /// flipped byte in a slot names the slot's offset; a foreign file is
    /// refused at byte 0.
    #[test]
    fn a_damaged_slot_is_named_by_its_offset() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("subject.keys");
        let (vault, _) = Vault::open(&path).unwrap();
        vault.seal(subject(1), b"a").unwrap();
        vault.seal(subject(2), b"b").unwrap();
        drop(vault);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[(HEADER_BYTES + SLOT_BYTES + 30) as usize] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        match Vault::open(&path) {
            Err(VaultError::Corrupt { offset, .. }) => {
                assert_eq!(offset, HEADER_BYTES + SLOT_BYTES)
            }
            other => panic!("expected corruption, got {other:?}"),
        }
        std::fs::write(
            &path,
            b"something else entirely, not keys at all; padding to 64 bytes..",
        )
        .unwrap();
        assert!(matches!(
            Vault::open(&path),
            Err(VaultError::Corrupt { offset: 0, .. })
        ));
    }

    /// Protects start-up after a crash while a key was appended: the cut
    /// slot is moved aside and reported, the whole ones load.
    #[test]
    fn a_slot_cut_by_a_crash_is_moved_aside() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("subject.keys");
        let (vault, _) = Vault::open(&path).unwrap();
        let sealed = vault.seal(subject(1), b"a").unwrap();
        drop(vault);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[9u8; 20]).unwrap();
        drop(file);
        let (vault, report) = Vault::open(&path).unwrap();
        let (bytes, aside) = report.torn_tail.unwrap();
        assert_eq!(bytes, 20);
        assert_eq!(std::fs::read(aside).unwrap(), vec![9u8; 20]);
        assert_eq!(
            vault.open_sealed(subject(1), &sealed).unwrap().unwrap(),
            b"a"
        );
        let next = vault.seal(subject(2), b"b").unwrap();
        drop(vault);
        let (vault, report) = Vault::open(&path).unwrap();
        assert_eq!(report.torn_tail, None);
        assert_eq!(vault.open_sealed(subject(2), &next).unwrap().unwrap(), b"b");
    }
}
