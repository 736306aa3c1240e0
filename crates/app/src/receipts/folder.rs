//! The receipts folder: a receipt of the log's head written on a schedule
//! and at shutdown, into a folder that can be a mount of another machine,
//! so whoever runs the server cannot quietly take back what was signed.
//!
//! A receipt is written only when the log grew since the newest one in
//! the folder; the oldest beyond `keep` are deleted (a newer receipt's
//! head hash vouches for everything an older one saw). File names sort by
//! time and carry the position: `receipt-20261206T201500Z-1234.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use eventlog::EventLog;

use super::ReceiptSigner;
use crate::clock::Clock;

const PREFIX: &str = "receipt-";
const EXTENSION: &str = ".json";

/// Where and how often receipts are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptSchedule {
    pub directory: PathBuf,
    /// `None` turns scheduled receipts off (a receipt is still written at
    /// shutdown when the folder is set).
    pub every: Option<Duration>,
    /// Newest receipts kept; at least one.
    pub keep: usize,
}

impl ReceiptSchedule {
    /// Receipts in `data_dir/receipts` every hour, a week of them kept.
    pub fn default_in(data_dir: &Path) -> Self {
        Self {
            directory: data_dir.join("receipts"),
            every: Some(Duration::from_secs(3_600)),
            keep: 168,
        }
    }
}

/// The name of a receipt signed at `signed_at` of a log at `position`.
pub fn file_name(signed_at: DateTime<Utc>, position: u64) -> String {
    format!(
        "{PREFIX}{}-{position}{EXTENSION}",
        signed_at.format("%Y%m%dT%H%M%SZ")
    )
}

/// Whether `name` is a receipt's file name (and nothing that could reach
/// outside the folder); its position if so.
pub fn position_in_name(name: &str) -> Option<u64> {
    let inner = name.strip_prefix(PREFIX)?.strip_suffix(EXTENSION)?;
    let (time, position) = inner.split_once('-')?;
    let timely = time.len() == 16
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || c == 'T' || c == 'Z');
    if !timely || position.is_empty() || !position.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    position.parse().ok()
}

/// The receipts in `directory`, oldest first; none when it does not exist.
pub fn receipts_in(directory: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(error).with_context(|| format!("failed to read {}", directory.display()));
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|name| name.to_str());
        if name.and_then(position_in_name).is_some() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The receipt named `name` in `directory`, if `name` is a receipt's name
/// and the file is there.
pub fn read_named(directory: &Path, name: &str) -> anyhow::Result<Option<String>> {
    if position_in_name(name).is_none() {
        return Ok(None);
    }
    match std::fs::read_to_string(directory.join(name)) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("failed to read the receipt {name}")),
    }
}

/// Writes a receipt of `log`'s head signed at `now` into the schedule's
/// folder, unless the log is empty or did not grow since the newest
/// receipt there; deletes the oldest beyond `keep`. The file is written
/// whole under another name and then renamed, so a reader never sees half
/// of one.
pub fn write_due(
    log: &EventLog,
    signer: &ReceiptSigner,
    schedule: &ReceiptSchedule,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<PathBuf>> {
    let head = log.head().position;
    let files = receipts_in(&schedule.directory)?;
    let newest = files
        .last()
        .and_then(|path| path.file_name()?.to_str().and_then(position_in_name));
    if head == 0 || newest == Some(head) {
        return Ok(None);
    }
    std::fs::create_dir_all(&schedule.directory)
        .with_context(|| format!("failed to create {}", schedule.directory.display()))?;
    let receipt = signer.issue(log, now)?;
    let path = schedule
        .directory
        .join(file_name(receipt.signed_at, receipt.position));
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, receipt.to_json())
        .and_then(|()| std::fs::File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, &path))
        .with_context(|| format!("failed to write the receipt {}", path.display()))?;
    let files = receipts_in(&schedule.directory)?;
    let surplus = files.len().saturating_sub(schedule.keep.max(1));
    for old in &files[..surplus] {
        std::fs::remove_file(old)
            .with_context(|| format!("failed to delete the old receipt {}", old.display()))?;
    }
    Ok(Some(path))
}

/// Writes receipts on the schedule until `stopping` turns true, and one
/// more then (the head the server stops at).
pub async fn run_schedule(
    log: EventLog,
    signer: ReceiptSigner,
    clock: Arc<dyn Clock>,
    schedule: ReceiptSchedule,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let write = |log: EventLog, signer: ReceiptSigner, schedule: ReceiptSchedule| {
        let now = clock.now();
        async move {
            let written =
                tokio::task::spawn_blocking(move || write_due(&log, &signer, &schedule, now)).await;
            match written {
                Ok(Ok(Some(path))) => {
                    tracing::info!(file = %path.display(), "receipt of the log's head written");
                }
                Ok(Ok(None)) => {}
                Ok(Err(error)) => {
                    tracing::error!(error = format!("{error:#}"), "writing a receipt failed");
                }
                Err(error) => tracing::error!(%error, "the receipt task failed"),
            }
        }
    };
    loop {
        let tick = async {
            match schedule.every {
                Some(every) => tokio::time::sleep(every).await,
                None => std::future::pending().await,
            }
        };
        let stop = tokio::select! {
            () = tick => false,
            _ = stopping.wait_for(|stop| *stop) => true,
        };
        write(log.clone(), signer.clone(), schedule.clone()).await;
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::receipts::tests::append;

    /// Protects the download route: only a receipt's own name is read,
    /// nothing that climbs out of the folder or names another file.
    #[test]
    fn only_receipt_names_are_read() {
        let at = DateTime::UNIX_EPOCH;
        assert_eq!(position_in_name(&file_name(at, 42)), Some(42));
        for name in [
            "receipt-19700101T000000Z-.json",
            "receipt-19700101T000000Z-4x.json",
            "receipt-../../etc/passwd-1.json",
            "receipt-19700101T000000Z-1.json.partial",
            "signing.key",
            "../receipt-19700101T000000Z-1.json",
        ] {
            assert_eq!(position_in_name(name), None, "{name}");
        }
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("secret.json"), "x").unwrap();
        assert_eq!(read_named(folder.path(), "secret.json").unwrap(), None);
        assert_eq!(read_named(folder.path(), &file_name(at, 1)).unwrap(), None);
    }

    /// A receipt is written only when the log grew, and no more than
    /// `keep` stay; each one written verifies against the log.
    #[test]
    fn receipts_follow_the_log_and_the_oldest_go() {
        let data = tempfile::tempdir().unwrap();
        let log = EventLog::open(data.path().join("log"), eventlog::Options::default()).unwrap();
        let signer = ReceiptSigner::from_secret(&[9u8; 32]);
        let schedule = ReceiptSchedule {
            directory: data.path().join("receipts"),
            every: None,
            keep: 2,
        };
        let mut now = DateTime::UNIX_EPOCH;
        assert_eq!(write_due(&log, &signer, &schedule, now).unwrap(), None);
        for index in 0..3 {
            append(&log, index);
            now += chrono::Duration::seconds(1);
            let path = write_due(&log, &signer, &schedule, now).unwrap().unwrap();
            assert_eq!(write_due(&log, &signer, &schedule, now).unwrap(), None);
            let receipt =
                super::super::Receipt::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
            let outcome = receipt.check(&log, Some(&signer)).unwrap();
            assert_eq!(outcome.check, super::super::ReceiptCheck::Matches);
        }
        let kept: Vec<Option<u64>> = receipts_in(&schedule.directory)
            .unwrap()
            .iter()
            .map(|path| position_in_name(path.file_name().unwrap().to_str().unwrap()))
            .collect();
        assert_eq!(kept, vec![Some(2), Some(3)]);
    }

    /// Protects the receipt at shutdown: with no schedule, stopping the
    /// server still leaves a receipt of the head it stopped at.
    #[tokio::test]
    async fn stopping_writes_a_receipt_of_the_last_head() {
        let data = tempfile::tempdir().unwrap();
        let folder = data.path().join("log");
        let log = tokio::task::spawn_blocking(move || {
            let log = EventLog::open(folder, eventlog::Options::default()).unwrap();
            append(&log, 0);
            append(&log, 1);
            log
        })
        .await
        .unwrap();
        let schedule = ReceiptSchedule {
            directory: data.path().join("receipts"),
            every: None,
            keep: 5,
        };
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let clock = Arc::new(crate::clock::FixedClock::at(DateTime::UNIX_EPOCH));
        let running = tokio::spawn(run_schedule(
            log,
            ReceiptSigner::from_secret(&[1u8; 32]),
            clock,
            schedule.clone(),
            stopping,
        ));
        stop.send_replace(true);
        running.await.unwrap();
        let written = receipts_in(&schedule.directory).unwrap();
        assert_eq!(written.len(), 1);
        assert!(written[0].ends_with(file_name(DateTime::UNIX_EPOCH, 2)));
    }
}
