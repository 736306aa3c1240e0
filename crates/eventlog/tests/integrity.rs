//! Integrity: reopening resumes at the right position and hash, `verify`
//! pins an altered byte to its record, and random histories read back
//! exactly as acknowledged.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::HashMap;

use common::*;
use eventlog::codec::ChunkView;
use eventlog::{Error, EventLog, ExpectedVersion, Options, ReadAllPage, ReadFilter};
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
    // Every byte of the middle record, and the first and last of each.
    let mut cases: Vec<(u64, usize)> = ranges[1].1.clone().map(|offset| (3, offset)).collect();
    for (position, range) in &ranges {
        cases.push((*position, range.start));
        cases.push((*position, range.end - 1));
    }
    assert!(
        cases.len() > ranges[1].1.len(),
        "every byte of the middle record and the others' ends"
    );
    for (expected_position, offset) in cases {
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
    // mark. One location and one stream-index run per append, and at least
    // one event-id bucket per group.
    let forgotten = forget_in_sled_from(directory.path(), later.first_position);
    assert!(forgotten >= 2 + 2 + 2, "{forgotten} keys");

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

/// The chunks of a closed store, in order, read without opening the log.
fn stored_chunks(directory: &std::path::Path) -> Vec<eventlog::storage::StoredChunk> {
    let mut chunks = Vec::new();
    let mut position = 1;
    while let Some(chunk) = eventlog::sled_store::read_stored_chunk(directory, position).unwrap() {
        if chunk.first_position < position {
            break; // the last chunk again: the log ends before `position`
        }
        let view = ChunkView::parse(&chunk.bytes, chunk.first_position, true).unwrap();
        position = view.last_position() + 1;
        chunks.push(chunk);
    }
    chunks
}

/// Removes what sled knows from `from` on (chunk locations and index
/// entries), as a crash before sled's background flush would.
fn forget_in_sled_from(directory: &std::path::Path, from: u64) -> usize {
    let db = eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory)).unwrap();
    let doomed: Vec<_> = db
        .iter()
        .keys()
        .map(|key| key.unwrap())
        .filter(|key| match key[0] {
            b'c' => u64::from_be_bytes(key[1..9].try_into().unwrap()) >= from,
            b'e' => u64::from_be_bytes(key[7..15].try_into().unwrap()) >= from,
            b's' | b'n' => {
                let value = db.get(key).unwrap().unwrap();
                u64::from_be_bytes(value[..8].try_into().unwrap()) >= from
            }
            _ => false,
        })
        .collect();
    let forgotten = doomed.len();
    for key in doomed {
        db.remove(key).unwrap();
    }
    db.insert(b"!indexed_through", &(from - 1).to_be_bytes())
        .unwrap();
    db.flush().unwrap();
    forgotten
}

fn discarded_files(directory: &std::path::Path) -> usize {
    std::fs::read_dir(directory.join("segments/discarded"))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

/// A commit group spread over several chunks whose last frame was torn by
/// a crash (so never acknowledged) is dropped whole: an append is never
/// half there. The torn bytes are set aside, not destroyed.
#[tokio::test]
async fn a_torn_group_is_dropped_whole_and_set_aside() {
    let test = open_log();
    append_new(&test.log, "customer-1", 1).await;
    let payload = vec![0x5au8; 1_024];
    let batch = (0..10).map(|_| event("Big", &payload)).collect();
    test.log
        .append(
            &stream("customer-2"),
            ExpectedVersion::NoStream,
            batch,
            meta(),
        )
        .await
        .unwrap();
    let directory = test.directory;
    drop(test.log);
    let chunks = stored_chunks(directory.path());
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    let last = chunks.last().unwrap();
    let mut torn = last.bytes.to_vec();
    let middle = torn.len() / 2;
    torn[middle..].fill(0);
    eventlog::sled_store::overwrite_stored_chunk(directory.path(), last.first_position, &torn)
        .unwrap();
    forget_in_sled_from(directory.path(), 2);

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head().position, 1);
    assert!(
        log.read_stream(&stream("customer-2"), 0, 20)
            .unwrap()
            .is_empty()
    );
    assert_eq!(discarded_files(directory.path()), 1);
    let again = append_new(&log, "customer-2", 2).await;
    assert_eq!(again.first_position, 2);
    assert_eq!(log.verify().unwrap().records_checked, 3);
    drop(log);
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head().position, 3);
    assert_eq!(log.verify().unwrap().streams_checked, 2);
}

/// In relaxed mode sled can keep a chunk's location while the operating
/// system never wrote its frame. Opening such a store derives the
/// directory and the indexes again from the frames that survived, whole
/// groups only, instead of reading past the hole. (The closed store is
/// given back the mark a crash would have left; that `commit` writes it
/// is a unit test in `sled_store.rs`.)
async fn a_relaxed_crash_loses_the_last_group(
    lose: impl FnOnce(&std::path::Path, &[eventlog::storage::StoredChunk]),
) -> tempfile::TempDir {
    let test = open_log_with(Options {
        durability: eventlog::Durability::BulkImportRelaxed,
        ..Options::default()
    });
    append_new(&test.log, "customer-1", 2).await;
    test.log.sync().await.unwrap();
    append_new(&test.log, "customer-2", 3).await;
    let lost = append_new(&test.log, "customer-3", 2).await;
    let directory = test.directory;
    drop(test.log);

    let chunks = stored_chunks(directory.path());
    assert_eq!(chunks.last().unwrap().first_position, lost.first_position);
    lose(directory.path(), &chunks);
    {
        let db =
            eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
                .unwrap();
        db.insert(b"!unsynced_from", &3u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head().position, 5);
    assert_eq!(
        log.read_stream(&stream("customer-2"), 0, 10).unwrap().len(),
        3
    );
    assert!(
        log.read_stream(&stream("customer-3"), 0, 10)
            .unwrap()
            .is_empty()
    );
    let report = log.verify().unwrap();
    assert_eq!((report.records_checked, report.streams_checked), (5, 2));
    let again = append_new(&log, "customer-3", 1).await;
    assert_eq!(again.first_position, 6);
    drop(log);
    directory
}

/// The segment ends inside the last frame (its size was never extended
/// that far); what is left of the frame is set aside.
#[tokio::test]
async fn after_a_relaxed_crash_that_cut_the_segment_the_directory_is_derived_again() {
    let remains = std::cell::Cell::new(0);
    let directory = a_relaxed_crash_loses_the_last_group(|directory, chunks| {
        let segment = std::fs::read_dir(directory.join("segments"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.extension().is_some_and(|extension| extension == "seg"))
            .unwrap();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&segment)
            .unwrap();
        // Frames are `[magic][length]` and a chunk, back to back from the
        // start; zero fill follows the last.
        let frames_end: u64 = chunks
            .iter()
            .map(|chunk| 8 + chunk.bytes.len() as u64)
            .sum();
        let last_frame = 8 + chunks.last().unwrap().bytes.len() as u64;
        file.set_len(frames_end - last_frame / 2).unwrap();
        // What is set aside ends at its last non-zero byte (zero fill is
        // not kept), and a chunk's bytes may end in zeroes where cut.
        let mut left = vec![0u8; (last_frame - last_frame / 2) as usize];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut left, frames_end - last_frame)
            .unwrap();
        let kept = left
            .iter()
            .rposition(|byte| *byte != 0)
            .map_or(0, |last| last + 1);
        remains.set(kept as u64);
    })
    .await;
    // The frame's remains were set aside, whole, not deleted.
    let discarded: Vec<u64> =
        std::fs::read_dir(directory.path().join("segments").join("discarded"))
            .unwrap()
            .map(|entry| entry.unwrap().metadata().unwrap().len())
            .collect();
    assert_eq!(discarded, vec![remains.get()]);
}

/// A power cut leaves the zero fill where the frame's chunk was to go.
#[tokio::test]
async fn after_a_relaxed_crash_that_left_zeroes_the_directory_is_derived_again() {
    a_relaxed_crash_loses_the_last_group(|directory, chunks| {
        let last = chunks.last().unwrap();
        let zeros = vec![0u8; last.bytes.len()];
        eventlog::sled_store::overwrite_stored_chunk(directory, last.first_position, &zeros)
            .unwrap();
    })
    .await;
}

/// A store of format 2 kept its chunks inside sled and a journal beside it.
/// Opening it copies the journal's frames sled lacks, removes the journal,
/// reads the inline chunks as they are, and writes new records to segment
/// files; reads and `verify` cross from one to the other.
#[tokio::test]
async fn a_format_2_store_with_a_journal_is_upgraded_and_reads_across() {
    let test = open_log();
    append_new(&test.log, "customer-1", 3).await;
    append_new(&test.log, "customer-2", 2).await;
    append_new(&test.log, "customer-3", 1).await;
    let head = test.log.head();
    let directory = test.directory;
    drop(test.log);

    // Rewrite the store as format 2 left it after a crash: every chunk but
    // the last inline in sled, the last only in the journal, no indexes.
    let chunks = stored_chunks(directory.path());
    assert_eq!(chunks.len(), 3);
    {
        let db =
            eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
                .unwrap();
        let derived: Vec<_> = db
            .iter()
            .keys()
            .map(|key| key.unwrap())
            .filter(|key| {
                matches!(key[0], b'c' | b'e' | b's' | b'n') || key.as_ref() == b"!indexed_through"
            })
            .collect();
        for key in derived {
            db.remove(key).unwrap();
        }
        for chunk in &chunks[..2] {
            let mut key = vec![b'l'];
            key.extend_from_slice(&chunk.first_position.to_be_bytes());
            db.insert(key, &chunk.bytes[..]).unwrap();
        }
        db.insert(b"!format", &[2u8]).unwrap();
        db.flush().unwrap();
    }
    std::fs::remove_dir_all(directory.path().join("segments")).unwrap();
    let last = &chunks[2].bytes;
    let length = (last.len() as u32).to_le_bytes();
    let mut journal = Vec::new();
    journal.extend_from_slice(&0x4843_4A31u32.to_le_bytes());
    journal.extend_from_slice(&length);
    journal.extend_from_slice(&crc32c::crc32c_append(crc32c::crc32c(&length), last).to_le_bytes());
    journal.extend_from_slice(last);
    journal.resize(64 * 1024, 0);
    std::fs::write(directory.path().join("journal-0"), &journal).unwrap();
    std::fs::write(directory.path().join("journal-1"), vec![0u8; 4096]).unwrap();

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    assert!(!directory.path().join("journal-0").exists());
    assert!(!directory.path().join("journal-1").exists());
    assert_eq!(
        log.read_stream(&stream("customer-1"), 0, 10).unwrap().len(),
        3
    );
    let next = log
        .append(
            &stream("customer-3"),
            ExpectedVersion::Exact(0),
            events(2),
            meta(),
        )
        .await
        .unwrap();
    assert_eq!(next.first_position, head.position + 1);
    drop(log);

    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    let all = log.read_all(1, 100, &ReadFilter::all()).unwrap();
    let positions: Vec<u64> = all.events.iter().map(|event| event.position).collect();
    assert_eq!(positions, (1..=head.position + 2).collect::<Vec<_>>());
    assert_eq!(
        log.read_stream(&stream("customer-3"), 0, 10).unwrap().len(),
        3
    );
    let report = log.verify().unwrap();
    assert_eq!((report.records_checked, report.streams_checked), (8, 3));
    drop(log);
    let db = eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
        .unwrap();
    assert_eq!(db.get(b"!format").unwrap().unwrap().as_ref(), [3u8]);
    assert_eq!(
        db.scan_prefix([b'l']).count(),
        3,
        "inline chunks stay, with the journal's"
    );
    assert_eq!(
        db.scan_prefix([b'c']).count(),
        1,
        "the new chunk is in a segment"
    );
}

/// Appends `count` single-event appends spread over a few streams, in
/// groups of up to 500 per append so it stays quick.
async fn append_many(log: &EventLog, count: usize) {
    let mut appended = 0;
    let mut round = 0u64;
    while appended < count {
        let batch = (count - appended).min(500);
        let name = format!("customer-{round}");
        log.append(
            &stream(&name),
            ExpectedVersion::NoStream,
            events(batch),
            meta(),
        )
        .await
        .unwrap();
        appended += batch;
        round += 1;
    }
}

/// A large unfiltered page read with its back half decoded by the second
/// thread: the decoding thread is shared by the process, and a page that
/// finds it busy (another test's read) is decoded by its reader alone, so
/// the read is repeated until the parallel path ran. On a machine with one
/// core there is no second thread, and the page is read once.
fn read_in_parallel(log: &EventLog, from: u64, count: usize) -> eventlog::Result<ReadAllPage> {
    let two_cores =
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) >= 2;
    for _ in 0..200 {
        let before = log.pages_decoded_in_parallel();
        let page = log.read_all(from, count, &ReadFilter::all());
        if !two_cores || log.pages_decoded_in_parallel() > before {
            return page;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the decoding thread never took a page from {from}");
}

/// A large unfiltered page is decoded by two threads; it must be exactly
/// the page one thread reads in small steps, wherever it starts and ends.
/// The parallel path must have run for each page (on two cores).
#[tokio::test]
async fn a_large_page_decoded_in_parallel_equals_small_pages() {
    let test = open_log();
    append_many(&test.log, 7_300).await;
    let small_steps = |from: u64, count: usize| {
        let mut events = Vec::new();
        let mut position = from;
        while events.len() < count {
            let page = test
                .log
                .read_all(position, 100.min(count - events.len()), &ReadFilter::all())
                .unwrap();
            events.extend(page.events);
            position = page.next_position;
            if page.reached_head {
                break;
            }
        }
        (events, position)
    };
    for (from, count) in [(1, 10_000), (2, 3_000), (1_234, 5_000), (4_301, 10_000)] {
        let page = read_in_parallel(&test.log, from, count).unwrap();
        let (expected, next_position) = small_steps(from, count);
        assert_eq!(page.events, expected, "from {from}, {count}");
        assert_eq!(page.next_position, next_position, "from {from}, {count}");
        assert_eq!(
            page.reached_head,
            next_position > 7_300,
            "from {from}, {count}"
        );
    }
}

/// A damaged record in the half decoded by the other thread is reported
/// at its position, as a read in one thread reports it.
#[tokio::test]
async fn a_damaged_chunk_in_a_parallel_page_is_reported_at_its_position() {
    let template = open_log();
    append_many(&template.log, 6_000).await;
    let directory = template.directory;
    drop(template.log);
    let damaged = eventlog::sled_store::read_stored_chunk(directory.path(), 5_000)
        .unwrap()
        .unwrap()
        .first_position;
    // A record damaged under an intact chunk checksum (its format byte):
    // the read in order passes the chunk, and the decoding (on the second
    // thread, for this back half of the page) finds the record.
    let first_record = record_ranges(&stored_chunk(directory.path(), damaged), damaged)[0]
        .1
        .clone();
    tamper(directory.path(), damaged, |bytes| {
        // The record's format byte: no reader knows it.
        bytes[first_record.start] ^= 0x40;
        let body = bytes.len() - 4;
        let crc = crc32c::crc32c(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    });
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    let error = read_in_parallel(&log, 1, 10_000).unwrap_err();
    assert!(
        matches!(error, Error::Corrupt { position, .. } if position == damaged),
        "{error}"
    );
    let page = log.read_all(1, 4_000, &ReadFilter::all()).unwrap();
    assert_eq!(page.events.len(), 4_000, "the chunks before it read");
}

/// A crash while the indexes were being derived again leaves
/// `!rederiving`; the next open starts that work over instead of trusting a
/// half-cleared index.
#[tokio::test]
async fn an_interrupted_rederivation_starts_over_on_open() {
    let test = open_log();
    append_new(&test.log, "customer-1", 3).await;
    append_new(&test.log, "customer-2", 2).await;
    let head = test.log.head();
    let directory = test.directory;
    drop(test.log);
    {
        // Half cleared: the stream index gone, the names and the mark kept.
        let db =
            eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
                .unwrap();
        let runs: Vec<_> = db
            .scan_prefix([b's'])
            .keys()
            .map(|key| key.unwrap())
            .collect();
        assert!(!runs.is_empty());
        for key in runs {
            db.remove(key).unwrap();
        }
        db.insert(b"!rederiving", &1u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let log = EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head(), head);
    assert_eq!(
        log.read_stream(&stream("customer-1"), 0, 10).unwrap().len(),
        3
    );
    assert_eq!(log.verify().unwrap().streams_checked, 2);
    let next = log
        .append(
            &stream("customer-2"),
            ExpectedVersion::Exact(1),
            events(1),
            meta(),
        )
        .await
        .unwrap();
    assert_eq!(next.first_position, 6);
    drop(log);
    let db = eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory.path()))
        .unwrap();
    assert!(db.get(b"!rederiving").unwrap().is_none());
}
