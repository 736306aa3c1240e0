//! Snapshots of read models on disk.
//!
//! A snapshot is one file per (model, version, checkpoint):
//! `<name>.v<version>.<checkpoint>.<unix seconds>.snap`, written to a
//! temporary file, synced and renamed, so a crash leaves either the whole
//! snapshot or none. Inside: a header (magic, format byte, name, version,
//! checkpoint, the checkpoint's `recorded_at`), the bincode body and a
//! CRC-32C over everything before it. A damaged snapshot is reported and
//! passed over: snapshots are derived data, the log can always rebuild
//! them.
//!
//! Several snapshots are kept, spread over the log's positions, so a
//! report "as known at" a past moment starts from the nearest snapshot
//! before that moment instead of replaying the whole log.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{ProjectionError, Result, io};
use crate::model::ReadModel;

const MAGIC: &[u8; 8] = b"HCRMSNAP";
const FORMAT: u8 = 1;
const SUFFIX: &str = ".snap";

/// The newest snapshots, always kept.
pub const SNAPSHOTS_LATEST_KEPT: usize = 2;

/// One snapshot file, as its name describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub path: PathBuf,
    pub name: String,
    pub version: u32,
    /// The last position folded into the snapshot.
    pub checkpoint: u64,
    /// When the checkpoint's event was recorded (0 for an empty log).
    pub recorded_at_seconds: i64,
}

/// The folder holding every model's snapshots.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    directory: PathBuf,
}

impl SnapshotStore {
    pub fn open(directory: impl Into<PathBuf>) -> Result<Self> {
        let directory = directory.into();
        fs::create_dir_all(&directory)
            .map_err(io(format!("failed to create {}", directory.display())))?;
        Ok(Self { directory })
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Writes a snapshot of `model` at `checkpoint`, durably.
    pub fn save<M: ReadModel>(
        &self,
        model: &M,
        checkpoint: u64,
        recorded_at: Option<DateTime<Utc>>,
    ) -> Result<SnapshotInfo> {
        let recorded_at_seconds = recorded_at.map_or(0, |time| time.timestamp());
        let path = self.directory.join(format!(
            "{}.v{}.{checkpoint:020}.{recorded_at_seconds}{SUFFIX}",
            M::NAME,
            M::VERSION
        ));
        let body =
            bincode::serde::encode_to_vec(model, bincode::config::standard()).map_err(|error| {
                ProjectionError::Snapshot {
                    path: path.clone(),
                    reason: format!("failed to encode: {error}"),
                }
            })?;
        let mut bytes = Vec::with_capacity(body.len() + 64);
        bytes.extend_from_slice(MAGIC);
        bytes.push(FORMAT);
        let name = M::NAME.as_bytes();
        bytes.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        bytes.extend_from_slice(&name[..name.len().min(255)]);
        bytes.extend_from_slice(&M::VERSION.to_le_bytes());
        bytes.extend_from_slice(&checkpoint.to_le_bytes());
        bytes.extend_from_slice(&recorded_at_seconds.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&body);
        drop(body);
        let crc = crc32c::crc32c(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());

        let temporary = path.with_extension("snap.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temporary, &path)?;
            fs::File::open(&self.directory)?.sync_all()
        };
        write().map_err(io(format!("failed to write {}", path.display())))?;
        Ok(SnapshotInfo {
            path,
            name: M::NAME.to_owned(),
            version: M::VERSION,
            checkpoint,
            recorded_at_seconds,
        })
    }

    /// Every snapshot of the model named `name` (any version), oldest first.
    pub fn list(&self, name: &str) -> Result<Vec<SnapshotInfo>> {
        let entries = fs::read_dir(&self.directory)
            .map_err(io(format!("failed to list {}", self.directory.display())))?;
        let mut snapshots = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(io(format!("failed to list {}", self.directory.display())))?;
            let path = entry.path();
            if let Some(info) = parse_file_name(&path).filter(|info| info.name == name) {
                snapshots.push(info);
            }
        }
        snapshots.sort_by_key(|info| (info.checkpoint, info.version));
        Ok(snapshots)
    }

    /// Reads and checks one snapshot.
    pub fn load<M: ReadModel>(&self, info: &SnapshotInfo) -> Result<M> {
        let damaged = |reason: String| ProjectionError::Snapshot {
            path: info.path.clone(),
            reason,
        };
        let bytes =
            fs::read(&info.path).map_err(io(format!("failed to read {}", info.path.display())))?;
        let (content, crc) = bytes
            .split_last_chunk::<4>()
            .ok_or_else(|| damaged("shorter than its header".to_owned()))?;
        if crc32c::crc32c(content) != u32::from_le_bytes(*crc) {
            return Err(damaged("checksum mismatch".to_owned()));
        }
        let mut reader = Reader { bytes: content };
        if reader.take(8) != Some(MAGIC.as_slice()) || reader.take(1) != Some(&[FORMAT][..]) {
            return Err(damaged(
                "not a HyperCRM snapshot of a known format".to_owned(),
            ));
        }
        let name_len = reader.take(1).map_or(0, |len| usize::from(len[0]));
        let name = reader.take(name_len);
        let version = reader.u64_or_u32::<4>().map(|v| v as u32);
        let checkpoint = reader.u64_or_u32::<8>();
        let recorded = reader.u64_or_u32::<8>();
        let body_len = reader.u64_or_u32::<8>();
        let header_ok = name == Some(M::NAME.as_bytes())
            && version == Some(M::VERSION)
            && checkpoint == Some(info.checkpoint)
            && recorded == Some(info.recorded_at_seconds as u64)
            && body_len == Some(reader.bytes.len() as u64);
        if !header_ok {
            return Err(damaged(format!(
                "its header does not match {} v{} at {}",
                M::NAME,
                M::VERSION,
                info.checkpoint
            )));
        }
        let (mut model, read): (M, usize) =
            bincode::serde::decode_from_slice(reader.bytes, bincode::config::standard())
                .map_err(|error| damaged(format!("the body does not decode: {error}")))?;
        if read != reader.bytes.len() {
            return Err(damaged("bytes left after the body".to_owned()));
        }
        model.restored();
        Ok(model)
    }

    /// The newest readable snapshot of `M`'s current version whose
    /// checkpoint is at most `position_max`. Damaged snapshots are logged
    /// and passed over.
    pub fn latest<M: ReadModel>(&self, position_max: u64) -> Result<Option<(SnapshotInfo, M)>> {
        let candidates = self.list(M::NAME)?;
        for info in candidates
            .iter()
            .rev()
            .filter(|info| info.version == M::VERSION && info.checkpoint <= position_max)
        {
            match self.load::<M>(info) {
                Ok(model) => return Ok(Some((info.clone(), model))),
                Err(error) => {
                    tracing::warn!(%error, "passing over a damaged snapshot; the log rebuilds what it held");
                }
            }
        }
        Ok(None)
    }

    /// Deletes snapshots of other versions of `M`, and thins its own to
    /// [`ReadModel::SNAPSHOTS_KEPT`]: the newest [`SNAPSHOTS_LATEST_KEPT`]
    /// always stay, and of the older ones the snapshot closest to its
    /// predecessor goes first, so those kept stay spread over the log's
    /// positions (a history rebuilt in one afternoon keeps snapshots all
    /// along it, for "as known at" queries anywhere in it).
    pub fn prune<M: ReadModel>(&self) -> Result<()> {
        let snapshots = self.list(M::NAME)?;
        let (mut current, stale): (Vec<_>, Vec<_>) = snapshots
            .into_iter()
            .partition(|info| info.version == M::VERSION);
        let mut removed = stale;
        let kept_max = M::SNAPSHOTS_KEPT.max(SNAPSHOTS_LATEST_KEPT);
        while current.len() > kept_max {
            let thinnable = current.len() - SNAPSHOTS_LATEST_KEPT;
            let closest = (0..thinnable)
                .min_by_key(|&index| {
                    let previous = index
                        .checked_sub(1)
                        .map_or(0, |before| current[before].checkpoint);
                    current[index].checkpoint - previous
                })
                .unwrap_or(0);
            removed.push(current.remove(closest));
        }
        for info in &removed {
            fs::remove_file(&info.path)
                .map_err(io(format!("failed to remove {}", info.path.display())))?;
        }
        Ok(())
    }

    /// Deletes one snapshot.
    pub fn remove(&self, info: &SnapshotInfo) -> Result<()> {
        fs::remove_file(&info.path).map_err(io(format!("failed to remove {}", info.path.display())))
    }

    /// Deletes every snapshot of the model named `name`.
    pub fn remove_all(&self, name: &str) -> Result<usize> {
        let snapshots = self.list(name)?;
        for info in &snapshots {
            fs::remove_file(&info.path)
                .map_err(io(format!("failed to remove {}", info.path.display())))?;
        }
        Ok(snapshots.len())
    }
}

fn parse_file_name(path: &Path) -> Option<SnapshotInfo> {
    let file_name = path.file_name()?.to_str()?;
    let stem = file_name.strip_suffix(SUFFIX)?;
    let mut parts = stem.rsplitn(4, '.');
    let recorded_at_seconds = parts.next()?.parse().ok()?;
    let checkpoint = parts.next()?.parse().ok()?;
    let version = parts.next()?.strip_prefix('v')?.parse().ok()?;
    let name = parts.next()?.to_owned();
    Some(SnapshotInfo {
        path: path.to_owned(),
        name,
        version,
        checkpoint,
        recorded_at_seconds,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < count {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Some(taken)
    }

    fn u64_or_u32<const N: usize>(&mut self) -> Option<u64> {
        let bytes = self.take(N)?;
        let mut wide = [0u8; 8];
        wide[..N].copy_from_slice(bytes);
        Some(u64::from_le_bytes(wide))
    }
}

/// A time as snapshots keep it: to the microsecond. A model that keeps a
/// time from a payload (where a client may have sent nanoseconds) keeps it
/// through this, so a model restored from its snapshot equals one folded
/// from the log.
pub fn snapshot_time(time: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(time, 6)
}
