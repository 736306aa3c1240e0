//! Integrity: reopening resumes at the right position and hash, `verify`
//! pins an altered byte to its record, and random histories read back
//! exactly as acknowledged.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::HashMap;

use common::*;
use eventlog::codec::ChunkView;
use eventlog::{Error, EventLog, ExpectedVersion, Options, ReadFilter};
use proptest::prelude::*;

/// A restart must continue the chain where it ended, not start a new one.
#[tokio::test]
async fn reopening_resumes_at_the_same_position_and_hash_and_appends_continue() {
    let test = open_log();
    let customer = stream("customer-1");
    test.log
        .append(&customer, ExpectedVersion::NoStream, events(5), meta())
        .await
        .unwrap();
    append_new(&test.log, "order-1", 2).await;
    let head = test.log.head();
    let directory = test.directory;
    drop(test.log);

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    let outcome = log
        .append(&customer, ExpectedVersion::Exact(4), events(1), meta())
        .await
        .unwrap();
    assert_eq!((outcome.first_position, outcome.last_version), (8, 5));
    let new_stream = append_new(&log, "order-2", 1).await;
    assert_eq!(new_stream.first_position, 9);
    let report = log.verify().unwrap();
    assert_eq!(report.records_checked, 9);
    assert_eq!(report.streams_checked, 3);
    assert_eq!(report.head, log.head());
}

/// An empty store verifies and reads as empty.
#[tokio::test]
async fn an_empty_log_verifies_and_reads_empty() {
    let test = open_log();
    assert_eq!(test.log.head().position, 0);
    assert_eq!(test.log.verify().unwrap().records_checked, 0);
    let page = test.log.read_all(1, 10, &ReadFilter::all()).unwrap();
    assert!(page.events.is_empty() && page.reached_head);
}

/// Rewrites one stored chunk in place, as an attacker with disk access
/// would.
fn tamper(
    directory: &std::path::Path,
    chunk_first_position: u64,
    change: impl FnOnce(&mut Vec<u8>),
) {
    let mut bytes = stored_chunk(directory, chunk_first_position);
    change(&mut bytes);
    eventlog::sled_store::overwrite_stored_chunk(directory, chunk_first_position, &bytes).unwrap();
}

/// The stored bytes of the chunk that starts at `first_position`.
fn stored_chunk(directory: &std::path::Path, first_position: u64) -> Vec<u8> {
    let chunk = eventlog::sled_store::read_stored_chunk(directory, first_position)
        .unwrap()
        .expect("the chunk exists");
    assert_eq!(chunk.first_position, first_position);
    chunk.bytes.to_vec()
}

/// Byte ranges of each record inside a chunk, by position.
fn record_ranges(chunk: &[u8], first_position: u64) -> Vec<(u64, std::ops::Range<usize>)> {
    let view = ChunkView::parse(chunk, first_position, true).unwrap();
    let base = chunk.as_ptr() as usize;
    (0..view.count())
        .map(|index| {
            let record = view.record(index).unwrap();
            let start = record.as_ptr() as usize - base;
            (first_position + index as u64, start..start + record.len())
        })
        .collect()
}

/// The audit promise: any altered byte of a stored record is found, and
/// the report names that record's position.
#[tokio::test]
async fn flipping_any_byte_of_a_stored_record_makes_verify_report_its_position() {
    let template = open_log();
    append_new(&template.log, "customer-1", 1).await;
    // One append of four events lands in one chunk starting at position 2.
    append_new(&template.log, "customer-2", 4).await;
    append_new(&template.log, "customer-3", 1).await;
    template.log.verify().unwrap();
    let source = template.directory.path().to_path_buf();
    drop(template.log);

    let chunk = stored_chunk(&source, 2);
    let ranges = record_ranges(&chunk, 2);
    // Every byte of the middle record, and a spread of the others.
    let mut cases: Vec<(u64, usize)> = ranges[1].1.clone().map(|offset| (3, offset)).collect();
    for (position, range) in &ranges {
        cases.push((*position, range.start));
        cases.push((*position, range.end - 1));
    }
    for (expected_position, offset) in cases.into_iter().step_by(3) {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(&source, copy.path());
        tamper(copy.path(), 2, |bytes| bytes[offset] ^= 0x40);
        let log = EventLog::open(copy.path(), Options::default()).unwrap();
        match log.verify() {
            Err(Error::Corrupt { position, .. }) => {
                assert_eq!(position, expected_position, "byte {offset}")
            }
            other => {
                panic!("byte {offset}: expected corruption at {expected_position}, got {other:?}")
            }
        }
    }
}

/// Bytes outside any record (the chunk's header, offsets and checksum) are
/// also caught, and reported at the chunk's first position.
#[tokio::test]
async fn an_altered_chunk_header_or_checksum_is_reported_at_the_chunk() {
    let template = open_log();
    append_new(&template.log, "customer-1", 3).await;
    let source = template.directory.path().to_path_buf();
    drop(template.log);
    let chunk_len = stored_chunk(&source, 1).len();
    for offset in [0, 1, 5, 13, chunk_len - 1] {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(&source, copy.path());
        tamper(copy.path(), 1, |bytes| bytes[offset] ^= 0x01);
        let error = EventLog::open(copy.path(), Options::default())
            .and_then(|log| log.verify())
            .expect_err("tampering must be detected");
        assert!(
            matches!(
                error,
                Error::Corrupt {
                    position: 1..=3,
                    ..
                }
            ),
            "byte {offset}: {error}"
        );
    }
}

/// Ordinary reads also refuse corrupt data and say where it is.
#[tokio::test]
async fn reading_a_corrupt_chunk_reports_its_position() {
    let template = open_log();
    append_new(&template.log, "customer-1", 2).await;
    append_new(&template.log, "customer-2", 2).await;
    let directory = template.directory;
    drop(template.log);
    tamper(directory.path(), 1, |bytes| {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
    });
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    let error = log.read_all(1, 10, &ReadFilter::all()).unwrap_err();
    assert!(
        matches!(error, Error::Corrupt { position: 1, .. }),
        "{error}"
    );
    assert!(
        log.read_stream(&stream("customer-2"), 0, 10).is_ok(),
        "other chunks still read"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One step of a random history.
#[derive(Clone, Debug)]
enum Step {
    Append {
        stream: usize,
        events: usize,
        expected: ExpectedChoice,
    },
    /// Re-append an earlier successful batch, which must change nothing.
    Repeat {
        batch: usize,
    },
    Reopen,
}

#[derive(Clone, Copy, Debug)]
enum ExpectedChoice {
    Any,
    NoStream,
    Right,
    Wrong(u64),
}

fn step() -> impl Strategy<Value = Step> {
    let expected = prop_oneof![
        Just(ExpectedChoice::Any),
        Just(ExpectedChoice::NoStream),
        Just(ExpectedChoice::Right),
        (0u64..6).prop_map(ExpectedChoice::Wrong),
    ];
    prop_oneof![
        6 => (0usize..4, 1usize..5, expected).prop_map(|(stream, events, expected)| Step::Append { stream, events, expected }),
        2 => (0usize..64).prop_map(|batch| Step::Repeat { batch }),
        1 => Just(Step::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// What is read back equals what was acknowledged; versions and
    /// positions are contiguous; repeats change nothing; all across reopens.
    #[test]
    fn random_histories_read_back_exactly_as_acknowledged(steps in prop::collection::vec(step(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let directory = tempfile::tempdir().unwrap();
            let mut log = EventLog::open(directory.path(), Options::default()).unwrap();
            let names: Vec<_> = (0..4).map(|index| stream(&format!("customer-{index}"))).collect();
            // The model: per stream, the acknowledged event ids in order.
            let mut model: HashMap<usize, Vec<uuid::Uuid>> = HashMap::new();
            let mut acknowledged: Vec<(usize, Vec<eventlog::NewEvent>, eventlog::AppendOutcome)> = Vec::new();
            let mut next_position = 1u64;
            for step in steps {
                match step {
                    Step::Append { stream, events: count, expected } => {
                        let current = model.get(&stream).map(|ids| ids.len() as u64);
                        let expected_version = match expected {
                            ExpectedChoice::Any => ExpectedVersion::Any,
                            ExpectedChoice::NoStream => ExpectedVersion::NoStream,
                            ExpectedChoice::Right => current.map_or(ExpectedVersion::NoStream, |len| ExpectedVersion::Exact(len - 1)),
                            ExpectedChoice::Wrong(version) => ExpectedVersion::Exact(version),
                        };
                        let should_succeed = match expected_version {
                            ExpectedVersion::Any => true,
                            ExpectedVersion::NoStream => current.is_none(),
                            ExpectedVersion::Exact(version) => current == Some(version + 1),
                        };
                        let batch = events(count);
                        let result = log.append(&names[stream], expected_version, batch.clone(), meta()).await;
                        prop_assert_eq!(result.is_ok(), should_succeed, "{:?}", result);
                        if let Ok(outcome) = result {
                            prop_assert_eq!(outcome.first_position, next_position);
                            next_position += count as u64;
                            let ids = model.entry(stream).or_default();
                            ids.extend(batch.iter().map(|e| e.event_id));
                            prop_assert_eq!(outcome.last_version, ids.len() as u64 - 1);
                            acknowledged.push((stream, batch, outcome));
                        } else {
                            let is_conflict = matches!(result, Err(Error::WrongExpectedVersion { .. }));
                            prop_assert!(is_conflict);
                        }
                    }
                    Step::Repeat { batch } => {
                        if acknowledged.is_empty() { continue; }
                        let (stream, events, original) = &acknowledged[batch % acknowledged.len()];
                        let head = log.head();
                        let repeat = log.append(&names[*stream], ExpectedVersion::Any, events.clone(), meta()).await.unwrap();
                        prop_assert!(repeat.already_stored);
                        prop_assert_eq!(repeat.first_position, original.first_position);
                        prop_assert_eq!(repeat.last_version, original.last_version);
                        prop_assert_eq!(log.head(), head);
                    }
                    Step::Reopen => {
                        let head = log.head();
                        drop(log);
                        log = EventLog::open(directory.path(), Options::default()).unwrap();
                        prop_assert_eq!(log.head(), head);
                    }
                }
            }
            // Read back: every stream equals the model, versions 0.., and the
            // whole log is positions 1.. without gaps.
            for (index, name) in names.iter().enumerate() {
                let stored = log.read_stream(name, 0, 10_000).unwrap();
                let ids: Vec<_> = stored.iter().map(|e| e.event_id).collect();
                let expected = model.get(&index).cloned().unwrap_or_default();
                prop_assert_eq!(ids, expected);
                for (version, event) in stored.iter().enumerate() {
                    prop_assert_eq!(event.version, version as u64);
                }
            }
            let all = log.read_all(1, 10_000, &ReadFilter::all()).unwrap();
            let positions: Vec<u64> = all.events.iter().map(|e| e.position).collect();
            prop_assert_eq!(positions, (1..next_position).collect::<Vec<_>>());
            prop_assert_eq!(log.verify().unwrap().records_checked, next_position - 1);
            Ok(())
        })?;
    }
}

/// sled 0.34.7 takes a leftover `snap.*.generating` file (the process was
/// killed while writing a snapshot) for the newest snapshot and refuses to
/// open. The log removes such files first; found by the crash soak.
#[tokio::test]
async fn a_store_killed_while_sled_wrote_a_snapshot_still_opens() {
    let test = open_log();
    append_new(&test.log, "customer-1", 3).await;
    let head = test.log.head();
    let directory = test.directory;
    drop(test.log);
    let unfinished = directory.path().join("snap.FFFFFFFFFFFFFFFF.generating");
    std::fs::write(&unfinished, [0u8; 64]).unwrap();

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    log.verify().unwrap();
    assert!(!unfinished.exists());
}

/// The synced segment frame is what makes an acknowledgement durable: if
/// sled loses writes it had not flushed, opening the store finds their
/// frames, writes their locations and derives their index entries again.
#[tokio::test]
async fn writes_sled_lost_are_restored_from_the_segments_on_open() {
    let test = open_log();
    append_new(&test.log, "customer-1", 2).await;
    let directory = test.directory;
    drop(test.log);
    // Opening checkpoints sled; what follows lives in sled's memory and in
    // the synced segment until sled flushes.
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    let later = log
        .append(
            &stream("customer-1"),
            ExpectedVersion::Exact(1),
            events(3),
            meta(),
        )
        .await
        .unwrap();
    append_new(&log, "order-1", 2).await;
    let head = log.head();
    drop(log);

    // Take the later writes out of sled, as a crash before its background
    // flush would: the chunk locations, their index entries, and the index
    // mark.
    {
        let db =
            eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
                .unwrap();
        let doomed: Vec<_> = db
            .iter()
            .keys()
            .map(|key| key.unwrap())
            .filter(|key| match key[0] {
                b'c' => u64::from_be_bytes(key[1..9].try_into().unwrap()) >= later.first_position,
                // An event-id bucket's key ends with its first position.
                b'e' => u64::from_be_bytes(key[7..15].try_into().unwrap()) >= later.first_position,
                b's' | b'n' => {
                    let value = db.get(key).unwrap().unwrap();
                    u64::from_be_bytes(value[..8].try_into().unwrap()) >= later.first_position
                }
                _ => false,
            })
            .collect();
        // One chunk and one stream-index run per append, and at least one
        // event-id bucket per group.
        let (chunk_keys, run_keys, id_keys) = (2, 2, 2);
        assert!(
            doomed.len() >= chunk_keys + run_keys + id_keys,
            "{} keys",
            doomed.len()
        );
        for key in doomed {
            db.remove(key).unwrap();
        }
        db.insert(b"!indexed_through", &2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    log.verify().unwrap();
    assert_eq!(
        log.read_stream(&stream("customer-1"), 0, 10).unwrap().len(),
        5
    );
    assert_eq!(log.read_stream(&stream("order-1"), 0, 10).unwrap().len(), 2);
    let next = log
        .append(
            &stream("order-1"),
            ExpectedVersion::Exact(1),
            events(1),
            meta(),
        )
        .await
        .unwrap();
    assert_eq!(next.first_position, head.position + 1);
}

/// More frames than one segment holds: the writer closes it and starts the
/// next, reads cross the boundary, and nothing is lost across a reopen.
#[tokio::test]
async fn writing_past_a_segment_starts_the_next_and_keeps_everything() {
    let test = open_log();
    let customer = stream("customer-1");
    let payload = vec![0x2au8; 48 * 1024];
    let appends = eventlog::segments::SEGMENT_FILE_BYTES as usize / (20 * payload.len()) + 2;
    for round in 0..appends {
        let batch = (0..20).map(|_| event("Big", &payload)).collect();
        let expected = if round == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(round as u64 * 20 - 1)
        };
        test.log
            .append(&customer, expected, batch, meta())
            .await
            .unwrap();
    }
    let head = test.log.head();
    assert_eq!(head.position, appends as u64 * 20);
    let directory = test.directory;
    drop(test.log);
    let segment_files = std::fs::read_dir(directory.path().join("segments"))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|extension| extension == "seg")
        })
        .count();
    assert_eq!(segment_files, 2);
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    assert_eq!(log.verify().unwrap().records_checked, head.position);
}

/// A store whose newest chunk was altered still opens, so `verify` can
/// name the altered record; it refuses appends rather than chain new
/// records to a damaged tail.
#[tokio::test]
async fn a_damaged_last_chunk_opens_for_verify_but_refuses_appends() {
    let test = open_log();
    append_new(&test.log, "customer-1", 1).await;
    append_new(&test.log, "customer-2", 3).await;
    let directory = test.directory;
    drop(test.log);
    tamper(directory.path(), 2, |bytes| {
        let in_last_payload = bytes.len() - 4 - 32 - 2;
        bytes[in_last_payload] ^= 0x08;
    });

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head().position, 4);
    let error = log.verify().unwrap_err();
    assert!(
        matches!(error, Error::Corrupt { position: 4, .. }),
        "{error}"
    );
    let error = log
        .append(
            &stream("customer-3"),
            ExpectedVersion::NoStream,
            events(1),
            meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WriterFailed { .. }), "{error}");
    assert!(error.to_string().contains("damaged"), "{error}");
    assert_eq!(
        log.read_stream(&stream("customer-1"), 0, 10).unwrap().len(),
        1,
        "undamaged chunks read"
    );
}
