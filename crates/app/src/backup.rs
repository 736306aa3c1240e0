//! Backups as operations runs them: files written safely, online backups
//! fetched from a running server, scheduled backups with retention, and
//! restore into a new data folder.
//!
//! The format and its checks are the event log's
//! ([`eventlog::backup`]); this module decides where files go. A backup
//! file is written under a temporary name, synced and then renamed, so a
//! crash or a full disk never leaves a file that looks complete. Only the
//! log is backed up: read models and the process checkpoint are derived
//! from it and rebuilt when the restored folder is first served.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use eventlog::EventLog;
use eventlog::backup::{BackupSummary, RestoreReport, inspect_backup};

use crate::personal::{Keys, SUBJECT_KEYS_FILE};

/// File name extension of HyperCRM backups.
pub const BACKUP_EXTENSION: &str = "hcbak";
/// A scheduled backup waits at least this long after the server starts,
/// so a restart loop does not also become a backup loop.
pub const SCHEDULE_START_DELAY: Duration = Duration::from_secs(300);

/// Writes a backup of `log` (what came after `since`; 0: everything) with
/// the subjects' `keys` to `path`, safely: under a temporary name, synced,
/// then renamed.
pub fn write_backup_file(
    log: &EventLog,
    keys: &Keys,
    since: u64,
    path: &Path,
) -> anyhow::Result<BackupSummary> {
    write_atomically(path, |file| {
        Ok(log.backup_with(since, file, || Ok(vec![keys.attachment()?]))?)
    })
}

/// Runs `write` into a temporary file beside `path`, syncs it and moves it
/// to `path`; on failure the temporary file is removed.
fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let partial = partial_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&partial)
            .with_context(|| format!("failed to create {}", partial.display()))?;
        let value = write(&mut file)?;
        file.flush()?;
        file.sync_all()
            .with_context(|| format!("failed to sync {}", partial.display()))?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("failed to move the backup to {}", path.display()))?;
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// `hypercrm backup` with the server stopped: reads the data folder's log
/// directly.
pub fn backup_offline(data_dir: &Path, since: u64, path: &Path) -> anyhow::Result<BackupSummary> {
    let log = match EventLog::open(data_dir.join("eventlog"), eventlog::Options::default()) {
        Ok(log) => log,
        Err(error) if error.to_string().contains("could not acquire lock") => bail!(
            "the data folder {} is in use by a running server: back it up online with --server http://ADDRESS",
            data_dir.display()
        ),
        Err(error) => {
            return Err(error).with_context(|| {
                format!("failed to open the event log in {}", data_dir.display())
            });
        }
    };
    let keys = Keys::open_in(data_dir)?;
    write_backup_file(&log, &keys, since, path)
}

/// `hypercrm backup --server URL`: fetches an online backup from a
/// running server, writes it safely and checks it whole.
pub async fn backup_online(
    server: &str,
    token: &str,
    since: u64,
    path: &Path,
) -> anyhow::Result<BackupSummary> {
    let url = format!(
        "{}/api/v1/admin/backup?since={since}",
        server.trim_end_matches('/')
    );
    let mut response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("failed to reach {url}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        bail!("the server answered {status}: {body}");
    }
    let partial = partial_path(path);
    let result = async {
        let mut file = std::fs::File::create(&partial)
            .with_context(|| format!("failed to create {}", partial.display()))?;
        while let Some(bytes) = response.chunk().await.context("the download broke off")? {
            file.write_all(&bytes)?;
        }
        file.sync_all()?;
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    // A connection cut short is caught here, before the file takes its
    // final name.
    let summary = match inspect_backup(&partial) {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error).context("the downloaded backup is incomplete or damaged");
        }
    };
    std::fs::rename(&partial, path)?;
    Ok(summary)
}

/// `hypercrm restore`: the full backup, then each increment, into the new
/// data folder `data_dir` (its `eventlog` folder must not exist).
///
/// The subjects' keys come back from the newest backup (a backup before
/// their time restores a log without sealed fields, and no keys).
pub fn restore(backups: &[PathBuf], data_dir: &Path) -> anyhow::Result<RestoreReport> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("failed to create {}", data_dir.display()))?;
    let keys_path = data_dir.join(SUBJECT_KEYS_FILE);
    anyhow::ensure!(
        !keys_path.exists(),
        "{} already exists; restore into a new folder",
        keys_path.display()
    );
    let report = eventlog::backup::restore(&data_dir.join("eventlog"), backups)?;
    for attachment in &report.attachments {
        if attachment.name == SUBJECT_KEYS_FILE {
            let partial = partial_path(&keys_path);
            std::fs::write(&partial, &attachment.bytes)
                .and_then(|()| std::fs::File::open(&partial)?.sync_all())
                .and_then(|()| std::fs::rename(&partial, &keys_path))
                .with_context(|| format!("failed to restore {}", keys_path.display()))?;
            // The keys file must open as it will at start.
            Keys::open(&keys_path).context("the restored subjects' keys do not open")?;
        } else {
            tracing::warn!(name = %attachment.name, "a backup attachment this version does not know was left out");
        }
    }
    Ok(report)
}

/// When and where the server backs itself up, and how many to keep.
#[derive(Clone, Debug)]
pub struct BackupSchedule {
    pub directory: PathBuf,
    /// `None` turns scheduled backups off.
    pub every: Option<Duration>,
    /// Newest backups kept; older ones are deleted after a new one is
    /// written. At least one is always kept.
    pub keep: usize,
}

/// The name of a scheduled backup: sortable by time, with its position.
pub fn scheduled_file_name(taken_at: DateTime<Utc>, position: u64) -> String {
    format!(
        "hypercrm-{}-{position}.{BACKUP_EXTENSION}",
        taken_at.format("%Y%m%dT%H%M%SZ")
    )
}

/// Scheduled backups in `directory`, oldest first.
pub fn scheduled_backups(directory: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(error) => return Err(error.into()),
    };
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if name.starts_with("hypercrm-") && name.ends_with(&format!(".{BACKUP_EXTENSION}")) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Writes one scheduled backup and deletes the oldest beyond `keep`.
pub fn run_scheduled_backup(
    log: &EventLog,
    keys: &Keys,
    schedule: &BackupSchedule,
) -> anyhow::Result<BackupSummary> {
    std::fs::create_dir_all(&schedule.directory)
        .with_context(|| format!("failed to create {}", schedule.directory.display()))?;
    let name = scheduled_file_name(Utc::now(), log.head().position);
    let summary = write_backup_file(log, keys, 0, &schedule.directory.join(name))?;
    let files = scheduled_backups(&schedule.directory)?;
    let surplus = files.len().saturating_sub(schedule.keep.max(1));
    for old in &files[..surplus] {
        std::fs::remove_file(old)
            .with_context(|| format!("failed to delete the old backup {}", old.display()))?;
    }
    Ok(summary)
}

/// Backs the log up on the schedule until `stopping` turns true. The first
/// backup is due one interval after the newest one found (or after the
/// start delay).
pub async fn run_schedule(
    log: EventLog,
    keys: Keys,
    schedule: BackupSchedule,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let Some(every) = schedule.every else {
        return;
    };
    let newest = scheduled_backups(&schedule.directory)
        .ok()
        .and_then(|files| files.last().cloned())
        .and_then(|path| std::fs::metadata(path).ok()?.modified().ok());
    let mut wait = newest
        .and_then(|time| time.elapsed().ok())
        .map_or(every, |age| every.saturating_sub(age))
        .max(SCHEDULE_START_DELAY);
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        let (log, keys) = (log.clone(), keys.clone());
        let run = schedule.clone();
        match tokio::task::spawn_blocking(move || run_scheduled_backup(&log, &keys, &run)).await {
            Ok(Ok(summary)) => {
                metrics::gauge!("hypercrm_backup_last_success_timestamp_seconds")
                    .set(Utc::now().timestamp() as f64);
                metrics::gauge!("hypercrm_backup_last_position")
                    .set(summary.header.last_position as f64);
                tracing::info!(
                    position = summary.header.last_position,
                    bytes = summary.bytes,
                    sha256 = %eventlog::hash_hex(&summary.digest),
                    "scheduled backup written"
                );
            }
            Ok(Err(error)) => {
                metrics::counter!("hypercrm_backup_failures_total").increment(1);
                tracing::error!(error = format!("{error:#}"), "the scheduled backup failed");
            }
            Err(error) => tracing::error!(%error, "the scheduled backup task failed"),
        }
        wait = every;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use eventlog::{Actor, AppendMeta, ExpectedVersion, NewEvent, StreamName};

    fn log_with_events(directory: &Path, count: usize) -> EventLog {
        let log = EventLog::open(directory, eventlog::Options::default()).unwrap();
        for index in 0..count {
            log.append_blocking(
                &StreamName::parse(format!("customer-{index}")).unwrap(),
                ExpectedVersion::NoStream,
                vec![NewEvent::new(uuid::Uuid::now_v7(), "Noted", vec![1, 2, 3])],
                AppendMeta::new(Actor::system("test"), uuid::Uuid::now_v7()),
            )
            .unwrap();
        }
        log
    }

    /// Retention keeps the newest backups and deletes the rest, and only
    /// touches files it wrote itself.
    #[test]
    fn scheduled_backups_keep_the_newest_and_leave_other_files_alone() {
        let data = tempfile::tempdir().unwrap();
        let log = log_with_events(&data.path().join("eventlog"), 3);
        let directory = data.path().join("backups");
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(directory.join("notes.txt"), "mine").unwrap();
        for day in 1..=4 {
            let name = scheduled_file_name(
                DateTime::parse_from_rfc3339(&format!("2026-01-0{day}T00:00:00Z"))
                    .unwrap()
                    .with_timezone(&Utc),
                day,
            );
            std::fs::write(directory.join(name), "old").unwrap();
        }
        let schedule = BackupSchedule {
            directory: directory.clone(),
            every: Some(Duration::from_secs(3_600)),
            keep: 2,
        };
        let keys = Keys::open_in(data.path()).unwrap();
        let summary = run_scheduled_backup(&log, &keys, &schedule).unwrap();
        assert_eq!(summary.header.last_position, 3);
        let kept = scheduled_backups(&directory).unwrap();
        assert_eq!(kept.len(), 2);
        assert!(kept[0].to_string_lossy().contains("20260104T000000Z-4"));
        assert_eq!(inspect_backup(&kept[1]).unwrap(), summary);
        assert!(directory.join("notes.txt").exists());
    }

    /// A backup that fails leaves no file behind that could pass for one.
    #[test]
    fn a_failed_backup_leaves_no_file() {
        let data = tempfile::tempdir().unwrap();
        let log = log_with_events(&data.path().join("eventlog"), 2);
        let path = data.path().join("out.hcbak");
        let keys = Keys::open_in(data.path()).unwrap();
        assert!(write_backup_file(&log, &keys, 99, &path).is_err());
        assert!(!path.exists());
        assert!(!partial_path(&path).exists());
    }
}
