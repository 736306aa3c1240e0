//! Backups: a full backup and its increments restore to the same head and
//! hash and read back the same events; damaged or mismatched files are
//! refused before anything is written; a backup taken while appends go on
//! restores to a consistent position.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::*;
use eventlog::backup::{BackupSummary, inspect_backup, restore};
use eventlog::{Error, EventLog, ExpectedVersion, Options, ReadFilter, RecordedEvent};
use proptest::prelude::*;

fn backup_to(log: &EventLog, since: u64, path: &Path) -> BackupSummary {
    let file = std::fs::File::create(path).unwrap();
    log.backup(since, file).unwrap()
}

fn all_events(log: &EventLog) -> Vec<RecordedEvent> {
    log.read_all(1, usize::MAX, &ReadFilter::default())
        .unwrap()
        .events
}

/// Appends `appends` batches of three events over a few streams.
async fn fill(log: &EventLog, from: usize, appends: usize) {
    for index in from..from + appends {
        log.append(
            &stream(&format!("customer-{}", index % 7)),
            ExpectedVersion::Any,
            events(3),
            meta(),
        )
        .await
        .unwrap();
    }
}

/// Protects the round trip an administrator relies on: the restored log
/// has the same head position and hash, verifies, and holds the very same
/// events; its indexes work (stream reads, idempotent re-appends).
#[tokio::test]
async fn a_full_backup_restores_to_the_same_head_hash_and_events() {
    let test = open_log();
    fill(&test.log, 0, 40).await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("full.hcbak");
    let summary = backup_to(&test.log, 0, &file);
    assert_eq!(summary.header.first_position, 1);
    assert_eq!(summary.header.last_position, 120);
    assert_eq!(summary.header.head_hash, test.log.head().hash);
    assert_eq!(inspect_backup(&file).unwrap(), summary);

    let target = files.path().join("restored");
    let report = restore(&target, std::slice::from_ref(&file)).unwrap();
    assert_eq!(report.position, 120);
    assert_eq!(report.hash, test.log.head().hash);
    let restored = EventLog::open(&target, Options::default()).unwrap();
    assert_eq!(restored.head(), test.log.head());
    assert_eq!(all_events(&restored), all_events(&test.log));
    assert_eq!(
        restored
            .read_stream(&stream("customer-3"), 0, 1_000)
            .unwrap(),
        test.log
            .read_stream(&stream("customer-3"), 0, 1_000)
            .unwrap()
    );
    let again = test
        .log
        .read_all(5, 1, &ReadFilter::default())
        .unwrap()
        .events;
    let repeated = restored
        .append(
            &again[0].stream,
            ExpectedVersion::Any,
            vec![eventlog::NewEvent::new(
                again[0].event_id,
                &again[0].event_type,
                again[0].payload.clone(),
            )],
            meta(),
        )
        .await
        .unwrap();
    assert_eq!(repeated.first_position, 5, "the event id index was derived");
    assert_eq!(restored.head().position, 120);
    assert!(!files.path().join("restored.restoring").exists());
}

/// Protects incremental backups: a full backup plus increments, each
/// taken from the last position of the one before, restore to the log as
/// it was at the last one; an increment alone, or out of order, is refused.
#[tokio::test]
async fn increments_restore_in_order_and_are_refused_out_of_order() {
    let test = open_log();
    let files = tempfile::tempdir().unwrap();
    fill(&test.log, 0, 10).await;
    let full = files.path().join("full.hcbak");
    let first = backup_to(&test.log, 0, &full);
    fill(&test.log, 10, 5).await;
    let increment_one = files.path().join("one.hcbak");
    let one = backup_to(&test.log, first.header.last_position, &increment_one);
    assert_eq!(one.header.first_position, 31);
    assert_eq!(one.header.records(), 15);
    fill(&test.log, 15, 5).await;
    let increment_two = files.path().join("two.hcbak");
    backup_to(&test.log, one.header.last_position, &increment_two);

    let target = files.path().join("restored");
    let report = restore(
        &target,
        &[full.clone(), increment_one.clone(), increment_two.clone()],
    )
    .unwrap();
    assert_eq!((report.position, report.hash), {
        let head = test.log.head();
        (head.position, head.hash)
    });
    let restored = EventLog::open(&target, Options::default()).unwrap();
    assert_eq!(all_events(&restored), all_events(&test.log));

    for (order, what) in [
        (vec![increment_one.clone()], "starts with a full backup"),
        (
            vec![full.clone(), increment_two.clone()],
            "take each increment from the last position",
        ),
        (
            vec![full, increment_two, increment_one],
            "take each increment from the last position",
        ),
    ] {
        let target = files.path().join("refused");
        match restore(&target, &order) {
            Err(Error::BackupRefused { reason }) => assert!(reason.contains(what), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(!target.exists());
    }
}

/// An increment asked from the middle of a chunk starts at that chunk, so
/// nothing after the asked position is left out.
#[tokio::test]
async fn an_increment_from_inside_a_chunk_starts_at_the_chunk() {
    let test = open_log();
    fill(&test.log, 0, 4).await;
    let files = tempfile::tempdir().unwrap();
    let summary = backup_to(&test.log, 5, &files.path().join("inc.hcbak"));
    // Each append of three events is one chunk: 4..=6 holds position 6.
    assert_eq!(summary.header.first_position, 4);
    assert_eq!(summary.header.last_position, 12);
    assert_eq!(summary.chunks, 3);
}

/// Bad requests are errors, not panics: a position past the head, an
/// existing target, no files at all.
#[tokio::test]
async fn impossible_backups_and_restores_are_refused() {
    let test = open_log();
    fill(&test.log, 0, 2).await;
    assert!(matches!(
        test.log.backup(7, std::io::sink()),
        Err(Error::BackupRefused { .. })
    ));
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("full.hcbak");
    backup_to(&test.log, 0, &file);
    assert!(matches!(
        restore(files.path(), &[file]),
        Err(Error::BackupRefused { .. })
    ));
    assert!(matches!(
        restore(&files.path().join("new"), &[]),
        Err(Error::BackupRefused { .. })
    ));
}

/// An empty log backs up and restores as an empty log.
#[tokio::test]
async fn an_empty_log_round_trips() {
    let test = open_log();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("empty.hcbak");
    let summary = backup_to(&test.log, 0, &file);
    assert_eq!(summary.chunks, 0);
    let report = restore(&files.path().join("restored"), &[file]).unwrap();
    assert_eq!((report.position, report.hash), (0, [0; 32]));
}

/// Protects the "online" promise: appends running during the backup
/// neither block it nor leak into it half-way; the restore ends exactly at
/// the head the backup began at, with the original's events up to there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_to_a_consistent_position() {
    let test = open_log();
    fill(&test.log, 0, 200).await;
    let writer_log = test.log.clone();
    let writing = tokio::spawn(async move { fill(&writer_log, 200, 300).await });
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("busy.hcbak");
    let log = test.log.clone();
    let path = file.clone();
    let summary = tokio::task::spawn_blocking(move || backup_to(&log, 0, &path))
        .await
        .unwrap();
    writing.await.unwrap();
    let taken_at = summary.header.last_position;
    assert!(taken_at >= 600 && taken_at <= test.log.head().position);

    let target = files.path().join("restored");
    let report = restore(&target, &[file]).unwrap();
    assert_eq!(report.position, taken_at);
    let restored = EventLog::open(&target, Options::default()).unwrap();
    let original: Vec<_> = all_events(&test.log)
        .into_iter()
        .take(taken_at as usize)
        .collect();
    assert_eq!(all_events(&restored), original);
}

fn backed_up_log() -> (tempfile::TempDir, PathBuf) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let test = open_log();
    runtime.block_on(fill(&test.log, 0, 12));
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("full.hcbak");
    backup_to(&test.log, 0, &file);
    (files, file)
}

/// Where each part of a backup file starts: the header at 0, then each
/// frame (`[length][chunk]`) after the 96-byte header.
fn part_starts(bytes: &[u8]) -> Vec<u64> {
    let mut starts = vec![0];
    let mut at = 96;
    while at + 4 <= bytes.len() {
        starts.push(at as u64);
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + length;
    }
    starts
}

/// A damaged record is pinned to the frame that holds it: the report
/// names the byte offset where that chunk's frame starts.
#[test]
fn a_damaged_chunk_is_reported_at_its_frame() {
    let (files, file) = backed_up_log();
    let mut bytes = std::fs::read(&file).unwrap();
    // The header is 96 bytes; the first frame's length is 4 more; its
    // chunk follows. Damage the second frame's chunk.
    let first_length = u32::from_le_bytes(bytes[96..100].try_into().unwrap()) as usize;
    let second_frame = 100 + first_length;
    bytes[second_frame + 4 + 20] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();
    match inspect_backup(&file) {
        Err(Error::BackupDamaged { offset, .. }) => assert_eq!(offset, second_frame as u64),
        other => panic!("expected damage, got {other:?}"),
    }
    drop(files);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Protects restores from damaged media: any byte of the file flipped
    /// is found (with its offset) before anything is written, and no
    /// half-restored folder is left behind.
    #[test]
    fn any_flipped_byte_is_refused_before_anything_is_written(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (files, file) = backed_up_log();
        let mut bytes = std::fs::read(&file).unwrap();
        let starts = part_starts(&bytes);
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        std::fs::write(&file, &bytes).unwrap();
        let target = files.path().join("restored");
        let outcome = restore(&target, &[file]);
        // The offset named pins damage past the header to the frame
        // holding the flipped byte.
        let offset = match &outcome {
            Err(Error::BackupDamaged { offset, .. }) => *offset,
            other => return Err(TestCaseError::fail(format!("flipped {at}: {other:?}"))),
        };
        // A header field that only the end of the file contradicts (the
        // head it promises) is reported where the contradiction is found;
        // a byte of a frame is reported within that frame, at or before
        // the byte, or at its chunk's start when the length was damaged.
        if at >= 96 {
            let holding = starts.iter().copied().filter(|start| *start <= at as u64).max();
            prop_assert!(
                holding.is_some_and(|start| start <= offset && offset <= (at as u64).max(start + 4)),
                "flipped {}, reported at {}, parts start at {:?}",
                at,
                offset,
                starts
            );
        }
        prop_assert!(!target.exists());
        prop_assert!(!files.path().join("restored.restoring").exists());
    }

    /// A file cut short anywhere is refused.
    #[test]
    fn a_truncated_file_is_refused(keep in any::<prop::sample::Index>()) {
        let (files, file) = backed_up_log();
        let bytes = std::fs::read(&file).unwrap();
        let keep = keep.index(bytes.len());
        std::fs::write(&file, &bytes[..keep]).unwrap();
        let refused = matches!(
            restore(&files.path().join("restored"), &[file]),
            Err(Error::BackupDamaged { .. })
        );
        prop_assert!(refused);
    }
}

/// Protects the files that travel with the log (the subjects' keys): a
/// backup carries its attachments and a restore hands back the newest
/// file's; a version 1 backup (before attachments existed) still
/// restores, with none.
#[tokio::test]
async fn attachments_travel_with_the_backup_and_version_1_files_still_restore() {
    use eventlog::backup::Attachment;
    use sha2::{Digest as _, Sha256};
    let test = open_log();
    fill(&test.log, 0, 5).await;
    let files = tempfile::tempdir().unwrap();
    let full = files.path().join("full.hcbak");
    let keys = |bytes: &[u8]| Attachment {
        name: "subject.keys".to_owned(),
        bytes: bytes.to_vec(),
    };
    let first = keys(b"first keys");
    test.log
        .backup_with(0, std::fs::File::create(&full).unwrap(), || {
            Ok(vec![first.clone()])
        })
        .unwrap();
    fill(&test.log, 5, 2).await;
    let increment = files.path().join("inc.hcbak");
    let newer = keys(b"newer keys, after an erasure");
    test.log
        .backup_with(15, std::fs::File::create(&increment).unwrap(), || {
            Ok(vec![newer.clone()])
        })
        .unwrap();
    inspect_backup(&full).unwrap();
    let report = restore(&files.path().join("a"), std::slice::from_ref(&full)).unwrap();
    assert_eq!(report.attachments, vec![first]);
    let report = restore(&files.path().join("b"), &[full.clone(), increment]).unwrap();
    assert_eq!(report.attachments, vec![newer]);
    assert_eq!(report.position, 21);

    // The same backup as version 1 wrote it: other magic, no attachments.
    let plain = files.path().join("plain.hcbak");
    backup_to(&test.log, 0, &plain);
    let mut bytes = std::fs::read(&plain).unwrap();
    bytes.truncate(bytes.len() - 32);
    assert_eq!(bytes[bytes.len() - 2..], [0, 0], "no attachments");
    bytes.truncate(bytes.len() - 2);
    bytes[..8].copy_from_slice(b"HCRMBAK1");
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    bytes.extend_from_slice(&digest);
    let old = files.path().join("v1.hcbak");
    std::fs::write(&old, &bytes).unwrap();
    let report = restore(&files.path().join("c"), std::slice::from_ref(&old)).unwrap();
    assert_eq!(report.position, 21);
    assert!(report.attachments.is_empty());
}
