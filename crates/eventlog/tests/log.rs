//! The log's rules, seen from a caller: appends, versions, idempotency,
//! limits, the envelope, reads, subscriptions and concurrent writers.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use eventlog::codec::RECORD_BYTES_MAX;
use eventlog::{
    APPEND_EVENTS_MAX, Actor, AppendMeta, CurrentVersion, Durability, Error, ExpectedVersion,
    NewEvent, Options, ReadFilter, UpcasterRegistry,
};
use uuid::Uuid;

/// Protects the basic promise: positions 1, 2, 3… over the log and
/// versions 0, 1, 2… per stream.
#[tokio::test]
async fn appends_get_gap_free_positions_and_per_stream_versions() {
    let test = open_log();
    let customer = stream("customer-1");
    let order = stream("order-1");
    let first = test
        .log
        .append(&customer, ExpectedVersion::NoStream, events(2), meta())
        .await
        .unwrap();
    let second = test
        .log
        .append(&order, ExpectedVersion::NoStream, events(1), meta())
        .await
        .unwrap();
    let third = test
        .log
        .append(&customer, ExpectedVersion::Exact(1), events(3), meta())
        .await
        .unwrap();
    assert_eq!(
        (
            first.first_position,
            first.last_position,
            first.last_version
        ),
        (1, 2, 1)
    );
    assert_eq!((second.first_position, second.last_version), (3, 0));
    assert_eq!(
        (
            third.first_position,
            third.last_position,
            third.last_version
        ),
        (4, 6, 4)
    );
    assert!(!third.already_stored);
    let versions: Vec<u64> = test
        .log
        .read_stream(&customer, 0, 100)
        .unwrap()
        .iter()
        .map(|e| e.version)
        .collect();
    assert_eq!(versions, vec![0, 1, 2, 3, 4]);
    assert_eq!(test.log.head().position, 6);
    assert_eq!(test.log.stream_version(&customer).unwrap(), Some(4));
    assert_eq!(
        test.log.stream_version(&stream("customer-none")).unwrap(),
        None
    );
}

/// A stale writer must be told both versions so it can reload and retry.
#[tokio::test]
async fn a_wrong_expected_version_names_expected_and_actual() {
    let test = open_log();
    let customer = stream("customer-1");
    test.log
        .append(&customer, ExpectedVersion::NoStream, events(2), meta())
        .await
        .unwrap();

    let error = test
        .log
        .append(&customer, ExpectedVersion::Exact(0), events(1), meta())
        .await
        .unwrap_err();
    match &error {
        Error::WrongExpectedVersion {
            expected, actual, ..
        } => {
            assert_eq!(*expected, ExpectedVersion::Exact(0));
            assert_eq!(*actual, CurrentVersion::Version(1));
        }
        other => panic!("expected a version conflict, got {other}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("expected version 0") && message.contains("at version 1"),
        "{message}"
    );

    let error = test
        .log
        .append(&customer, ExpectedVersion::NoStream, events(1), meta())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::WrongExpectedVersion {
            actual: CurrentVersion::Version(1),
            ..
        }
    ));
    let error = test
        .log
        .append(
            &stream("customer-2"),
            ExpectedVersion::Exact(0),
            events(1),
            meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::WrongExpectedVersion {
            actual: CurrentVersion::NoStream,
            ..
        }
    ));
    assert_eq!(test.log.head().position, 2, "failed appends write nothing");
}

/// `Any` skips the check; it is what imports and process managers use.
#[tokio::test]
async fn expected_any_appends_to_new_and_existing_streams() {
    let test = open_log();
    let customer = stream("customer-1");
    test.log
        .append(&customer, ExpectedVersion::Any, events(1), meta())
        .await
        .unwrap();
    let outcome = test
        .log
        .append(&customer, ExpectedVersion::Any, events(1), meta())
        .await
        .unwrap();
    assert_eq!(outcome.last_version, 1);
}

/// A client that retries after a lost answer must not double the effect,
/// even when the stream has moved on since.
#[tokio::test]
async fn re_appending_stored_event_ids_returns_the_original_positions_and_writes_nothing() {
    let test = open_log();
    let customer = stream("customer-1");
    let batch = events(3);
    let original = test
        .log
        .append(&customer, ExpectedVersion::NoStream, batch.clone(), meta())
        .await
        .unwrap();
    test.log
        .append(&customer, ExpectedVersion::Exact(2), events(1), meta())
        .await
        .unwrap();
    let head = test.log.head();

    let repeat = test
        .log
        .append(&customer, ExpectedVersion::NoStream, batch, meta())
        .await
        .unwrap();
    assert!(repeat.already_stored);
    assert_eq!(
        (
            repeat.first_position,
            repeat.last_position,
            repeat.last_version
        ),
        (
            original.first_position,
            original.last_position,
            original.last_version
        )
    );
    assert_eq!(test.log.head(), head, "nothing was written");
}

/// Processes look up the events they derived ids for: a stored id is found
/// at its position, an unknown one is not.
#[tokio::test]
async fn an_event_is_found_by_its_id() {
    let test = open_log();
    let batch = events(2);
    let outcome = test
        .log
        .append(
            &stream("customer-1"),
            ExpectedVersion::NoStream,
            batch.clone(),
            meta(),
        )
        .await
        .unwrap();
    assert_eq!(
        test.log.event_position(batch[1].event_id).unwrap(),
        Some(outcome.last_position)
    );
    assert_eq!(test.log.event_position(Uuid::now_v7()).unwrap(), None);
}

/// The idempotency check covers the whole history, across a reopen.
#[tokio::test]
async fn idempotency_holds_after_reopening_the_store() {
    let test = open_log();
    let customer = stream("customer-1");
    let batch = events(2);
    test.log
        .append(&customer, ExpectedVersion::NoStream, batch.clone(), meta())
        .await
        .unwrap();
    let directory = test.directory;
    drop(test.log);
    let log = eventlog::EventLog::open(directory.path(), Options::default()).unwrap();
    let repeat = log
        .append(&customer, ExpectedVersion::Any, batch, meta())
        .await
        .unwrap();
    assert!(repeat.already_stored);
    assert_eq!(log.head().position, 2);
}

/// Mixing stored and new ids, or reusing an id in another stream, is a bug
/// in the caller; it must not be silently half-applied.
#[tokio::test]
async fn partly_repeated_or_misplaced_event_ids_are_conflicts() {
    let test = open_log();
    let customer = stream("customer-1");
    let batch = events(2);
    test.log
        .append(&customer, ExpectedVersion::NoStream, batch.clone(), meta())
        .await
        .unwrap();

    let mut mixed = vec![batch[0].clone()];
    mixed.extend(events(1));
    let error = test
        .log
        .append(&customer, ExpectedVersion::Any, mixed, meta())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::EventIdConflict { position: 1, .. }),
        "{error}"
    );

    let error = test
        .log
        .append(
            &stream("customer-2"),
            ExpectedVersion::Any,
            batch.clone(),
            meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::EventIdConflict { .. }), "{error}");

    let reversed = vec![batch[1].clone(), batch[0].clone()];
    let error = test
        .log
        .append(&customer, ExpectedVersion::Any, reversed, meta())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::EventIdConflict { .. }), "{error}");
    assert_eq!(test.log.head().position, 2);
}

/// Bad input is an error with a reason, never a panic or a partial write.
#[tokio::test]
async fn malformed_appends_are_rejected_before_anything_is_written() {
    let test = open_log();
    let customer = stream("customer-1");
    let refused = std::sync::atomic::AtomicUsize::new(0);
    let append = |events: Vec<NewEvent>, meta: AppendMeta| {
        let log = test.log.clone();
        let customer = customer.clone();
        let refused = &refused;
        async move {
            let error = log
                .append(&customer, ExpectedVersion::Any, events, meta)
                .await
                .unwrap_err();
            // Every refusal here is the client's doing: bad input, never
            // a fault of the store.
            assert!(error.is_bad_input(), "{error}");
            refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            error
        }
    };

    assert!(matches!(append(vec![], meta()).await, Error::EmptyAppend));
    let error = append(events(APPEND_EVENTS_MAX + 1), meta()).await;
    assert!(
        matches!(error, Error::TooManyEvents { count, max } if count == APPEND_EVENTS_MAX + 1 && max == APPEND_EVENTS_MAX)
    );

    let huge = event("Happened", &vec![7u8; RECORD_BYTES_MAX + 1]);
    assert!(matches!(
        append(vec![huge], meta()).await,
        Error::EventTooLarge { index: 0, .. }
    ));
    // A payload just under the limit still does not fit once the envelope is added.
    let nearly = event("Happened", &vec![7u8; RECORD_BYTES_MAX - 10]);
    assert!(matches!(
        append(vec![nearly], meta()).await,
        Error::EventTooLarge { index: 0, .. }
    ));

    let heavy: Vec<NewEvent> = (0..40)
        .map(|_| event("Happened", &vec![1u8; 60 * 1024]))
        .collect();
    let error = append(heavy, meta()).await;
    assert!(
        matches!(error, Error::AppendTooLarge { max, .. } if max == eventlog::APPEND_PAYLOAD_BYTES_MAX),
        "{error}"
    );

    for bad_type in ["", "Has Space", "Ünïcode", &"X".repeat(200)] {
        let error = append(vec![event(bad_type, b"")], meta()).await;
        assert!(
            matches!(error, Error::InvalidEventType { index: 0, .. }),
            "{bad_type}: {error}"
        );
    }

    let twin = event("Happened", b"");
    let error = append(vec![twin.clone(), twin], meta()).await;
    assert!(matches!(error, Error::DuplicateEventIdInAppend { .. }));

    let nameless = AppendMeta::new(Actor::system(""), Uuid::now_v7());
    assert!(matches!(
        append(events(1), nameless).await,
        Error::InvalidActor { .. }
    ));

    assert_eq!(test.log.head().position, 0);
    // The empty, too many, two too large, too heavy, four bad types, the
    // twins and the nameless actor.
    assert_eq!(refused.load(std::sync::atomic::Ordering::Relaxed), 11);
}

/// Events larger than a chunk's budget and appends spanning many chunks
/// read back intact.
#[tokio::test]
async fn large_events_and_large_appends_span_chunks_and_read_back() {
    let test = open_log();
    let customer = stream("customer-1");
    let big: Vec<NewEvent> = (0..5)
        .map(|index| event("Big", &vec![index as u8; RECORD_BYTES_MAX - 1_000]))
        .collect();
    test.log
        .append(&customer, ExpectedVersion::NoStream, big.clone(), meta())
        .await
        .unwrap();
    test.log
        .append(
            &customer,
            ExpectedVersion::Exact(4),
            events(APPEND_EVENTS_MAX),
            meta(),
        )
        .await
        .unwrap();
    let stored = test.log.read_stream(&customer, 0, 10).unwrap();
    // `zip` stops at the shorter side: the page holds the five big
    // events and five of the next append.
    assert_eq!((big.len(), stored.len()), (5, 10));
    for (written, read) in big.iter().zip(&stored) {
        assert_eq!(written.payload, read.payload);
    }
    assert_eq!(
        test.log
            .read_all(1, 10_000, &ReadFilter::all())
            .unwrap()
            .events
            .len(),
        5 + APPEND_EVENTS_MAX
    );
    test.log.verify().unwrap();
    let blobs = test.directory.path().join("blobs");
    let blob_count = std::fs::read_dir(&blobs)
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(
        blob_count, 0,
        "sled must never spill our values into unsynced blob files"
    );
}

/// The envelope carries who, why and when; `recorded_at` is the writer's
/// and never decreases, even when the clock steps back.
#[tokio::test]
async fn the_envelope_records_actor_causation_and_both_times() {
    let clock = ManualClock::at(time("2026-03-10T12:00:00Z"));
    let test = open_log_with(Options {
        clock: clock.clone(),
        ..Options::default()
    });
    let customer = stream("customer-1");
    let user = Uuid::now_v7();
    let token = Uuid::now_v7();
    let correlation = Uuid::now_v7();
    let meta = AppendMeta {
        actor: Actor::User {
            user_id: user,
            token_id: Some(token),
        },
        correlation_id: correlation,
        causation_id: None,
    };
    let plain = event("CustomerRegistered", b"{}");
    let backdated = event("CallLogged", b"{}")
        .occurred_at(time("2026-03-03T09:30:00Z"))
        .with_schema_version(2);
    test.log
        .append(
            &customer,
            ExpectedVersion::NoStream,
            vec![plain.clone(), backdated.clone()],
            meta.clone(),
        )
        .await
        .unwrap();

    clock.set(time("2026-03-10T11:00:00Z")); // the clock steps back an hour
    let stored = test.log.read_stream(&customer, 0, 10).unwrap();
    let caused = AppendMeta::caused_by(Actor::system("orders"), &stored[0]);
    test.log
        .append(&customer, ExpectedVersion::Exact(1), events(1), caused)
        .await
        .unwrap();

    let stored = test.log.read_stream(&customer, 0, 10).unwrap();
    assert_eq!(stored[0].event_id, plain.event_id);
    assert_eq!(stored[0].event_type, "CustomerRegistered");
    assert_eq!(stored[0].recorded_at, time("2026-03-10T12:00:00Z"));
    assert_eq!(
        stored[0].occurred_at, stored[0].recorded_at,
        "business time defaults to recorded time"
    );
    assert_eq!(stored[1].occurred_at, time("2026-03-03T09:30:00Z"));
    assert_eq!(stored[1].schema_version, 2);
    assert_eq!(stored[1].actor, meta.actor);
    assert_eq!(stored[1].correlation_id, correlation);
    assert_eq!(
        stored[2].recorded_at,
        time("2026-03-10T12:00:00Z"),
        "recorded_at never decreases"
    );
    assert_eq!(stored[2].causation_id, Some(plain.event_id));
    assert_eq!(stored[2].correlation_id, correlation);
    assert_eq!(stored[2].actor, Actor::system("orders"));
    assert_ne!(stored[1].hash, stored[2].hash);
}

/// Forward reads page through the log and filter by category and type.
#[tokio::test]
async fn read_all_pages_forward_and_filters_by_category_and_event_type() {
    let test = open_log();
    for index in 0..10 {
        let name = if index % 2 == 0 {
            format!("customer-{index}")
        } else {
            format!("order-{index}")
        };
        let kind = if index % 3 == 0 { "Special" } else { "Plain" };
        test.log
            .append(
                &stream(&name),
                ExpectedVersion::NoStream,
                vec![event(kind, b"")],
                meta(),
            )
            .await
            .unwrap();
    }
    let page = test.log.read_all(1, 4, &ReadFilter::all()).unwrap();
    assert_eq!(
        page.events.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(page.next_position, 5);
    assert!(!page.reached_head);
    let rest = test
        .log
        .read_all(page.next_position, 100, &ReadFilter::all())
        .unwrap();
    assert_eq!(rest.events.len(), 6);
    assert!(rest.reached_head);

    let orders = test
        .log
        .read_all(1, 100, &ReadFilter::category("order").unwrap())
        .unwrap();
    assert!(orders.events.iter().all(|e| e.stream.category() == "order"));
    assert_eq!(orders.events.len(), 5);
    let special = test
        .log
        .read_all(1, 100, &ReadFilter::event_types(["Special"]))
        .unwrap();
    assert_eq!(
        special
            .events
            .iter()
            .map(|e| e.position)
            .collect::<Vec<_>>(),
        vec![1, 4, 7, 10]
    );
    assert!(ReadFilter::category("Not A Category").is_err());

    assert_eq!(test.log.read_event(3).unwrap().unwrap().position, 3);
    assert!(test.log.read_event(0).unwrap().is_none());
    assert!(test.log.read_event(11).unwrap().is_none());
    assert!(
        test.log
            .read_stream(&stream("customer-unknown"), 0, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        test.log
            .read_stream(&stream("customer-0"), 1, 10)
            .unwrap()
            .len(),
        0
    );
}

/// "The log as known at" a moment is a binary search on recorded_at.
#[tokio::test]
async fn position_at_finds_the_last_event_recorded_by_a_time() {
    let clock = ManualClock::at(time("2026-01-01T00:00:00Z"));
    let test = open_log_with(Options {
        clock: clock.clone(),
        ..Options::default()
    });
    let customer = stream("customer-1");
    assert_eq!(
        test.log.position_at(time("2030-01-01T00:00:00Z")).unwrap(),
        0
    );
    for day in 1..=20 {
        clock.set(time(&format!("2026-01-{day:02}T10:00:00Z")));
        test.log
            .append(&customer, ExpectedVersion::Any, events(2), meta())
            .await
            .unwrap();
    }
    assert_eq!(
        test.log.position_at(time("2025-12-31T00:00:00Z")).unwrap(),
        0
    );
    assert_eq!(
        test.log.position_at(time("2026-01-01T10:00:00Z")).unwrap(),
        2
    );
    assert_eq!(
        test.log.position_at(time("2026-01-05T09:59:59Z")).unwrap(),
        8
    );
    assert_eq!(
        test.log.position_at(time("2026-01-05T10:00:00Z")).unwrap(),
        10
    );
    assert_eq!(
        test.log.position_at(time("2027-01-01T00:00:00Z")).unwrap(),
        40
    );
}

/// Upcasters let today's code read yesterday's payloads; the stored bytes
/// and hashes stay as written.
#[tokio::test]
async fn reads_apply_registered_upcasters() {
    let mut registry = UpcasterRegistry::new();
    registry
        .register("CustomerRegistered", 1, |old| Ok([old, b" (v2)"].concat()))
        .unwrap();
    let test = open_log_with(Options {
        upcasters: Some(Arc::new(registry)),
        ..Options::default()
    });
    let customer = stream("customer-1");
    let old = event("CustomerRegistered", b"Ada");
    let new = event("CustomerRegistered", b"Bob (v2)").with_schema_version(2);
    test.log
        .append(&customer, ExpectedVersion::NoStream, vec![old, new], meta())
        .await
        .unwrap();
    let stored = test.log.read_stream(&customer, 0, 10).unwrap();
    assert_eq!(stored[0].payload, b"Ada (v2)");
    assert_eq!(stored[0].schema_version, 2);
    assert_eq!(stored[1].payload, b"Bob (v2)");
    test.log.verify().unwrap();
}

/// Protects the replay's saving: a read that names its categories
/// upcasts (and opens) only their events and hands the others over as
/// stored, on the serial and the two-thread paths alike.
#[tokio::test]
async fn a_read_for_some_categories_upcasts_only_theirs() {
    let mut registry = UpcasterRegistry::new();
    for event_type in ["CustomerRegistered", "OrderPlaced"] {
        registry
            .register(event_type, 1, |old| Ok([old, b" (v2)"].concat()))
            .unwrap();
    }
    let test = open_log_with(Options {
        upcasters: Some(Arc::new(registry)),
        ..Options::default()
    });
    // Past 2,048 events a full read decodes on two threads.
    let count = 2_400;
    for index in 0..count {
        let (name, event_type) = if index % 2 == 0 {
            (format!("customer-{index}"), "CustomerRegistered")
        } else {
            (format!("order-{index}"), "OrderPlaced")
        };
        test.log
            .append(
                &stream(&name),
                ExpectedVersion::NoStream,
                vec![event(event_type, b"x")],
                meta(),
            )
            .await
            .unwrap();
    }
    for max in [10, count] {
        let page = test
            .log
            .read_all_opening(1, max, &ReadFilter::all(), Some(&["customer"]))
            .unwrap();
        assert_eq!(page.events.len(), max);
        for read in &page.events {
            let customer = read.stream.category() == "customer";
            assert_eq!(read.payload == b"x (v2)", customer, "{}", read.position);
            assert_eq!(read.schema_version, if customer { 2 } else { 1 });
        }
    }
    let all = test.log.read_all(1, count, &ReadFilter::all()).unwrap();
    assert!(all.events.iter().all(|read| read.payload == b"x (v2)"));
}

/// A subscriber sees history, then live events, each once and in order,
/// however appends and reads interleave.
#[tokio::test]
async fn a_subscription_catches_up_then_follows_live_appends_exactly_once() {
    let test = open_log();
    let customer = stream("customer-1");
    test.log
        .append(&customer, ExpectedVersion::NoStream, events(700), meta())
        .await
        .unwrap();

    let mut everything = test.log.subscribe(0);
    let mut from_middle = test.log.subscribe(650);
    let mut orders_only = test
        .log
        .subscribe_filtered(0, ReadFilter::category("order").unwrap());

    let writer = {
        let log = test.log.clone();
        tokio::spawn(async move {
            for index in 0..50 {
                let name = if index % 5 == 0 {
                    format!("order-{index}")
                } else {
                    "customer-1".to_owned()
                };
                log.append(&stream(&name), ExpectedVersion::Any, events(3), meta())
                    .await
                    .unwrap();
            }
        })
    };
    let total = 700 + 150;
    for expected in 1..=total {
        let event = everything.next().await.unwrap();
        assert_eq!(event.position, expected);
    }
    for expected in 651..=total {
        assert_eq!(from_middle.next().await.unwrap().position, expected);
    }
    let mut seen = HashSet::new();
    for _ in 0..30 {
        let event = orders_only.next().await.unwrap();
        assert_eq!(event.stream.category(), "order");
        assert!(seen.insert(event.position));
    }
    writer.await.unwrap();
    let nothing_more =
        tokio::time::timeout(std::time::Duration::from_millis(50), everything.next()).await;
    assert!(nothing_more.is_err(), "no event is delivered twice");
}

/// Optimistic concurrency under contention: per round exactly one writer
/// wins, and the stream ends with every winner's event and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_exact_appends_to_one_stream_have_exactly_one_winner_per_round() {
    let test = open_log();
    let customer = stream("customer-1");
    let writers = 16;
    let rounds = 30u64;
    let mut winners = Vec::new();
    for round in 0..rounds {
        let expected = if round == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(round - 1)
        };
        let tasks: Vec<_> = (0..writers)
            .map(|writer| {
                let log = test.log.clone();
                let customer = customer.clone();
                tokio::spawn(async move {
                    let event = event(
                        "Claimed",
                        format!("round {round} writer {writer}").as_bytes(),
                    );
                    let id = event.event_id;
                    log.append(&customer, expected, vec![event], meta())
                        .await
                        .map(|_| id)
                })
            })
            .collect();
        let mut round_winners = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(id) => round_winners.push(id),
                Err(Error::WrongExpectedVersion { .. }) => {}
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        assert_eq!(round_winners.len(), 1, "round {round}");
        winners.extend(round_winners);
    }
    let stored: Vec<Uuid> = test
        .log
        .read_stream(&customer, 0, 1_000)
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(stored, winners);
    assert_eq!(test.log.head().position, rounds);
    test.log.verify().unwrap();
}

/// Many concurrent appenders to different streams all land, gap-free; the
/// group commit must not lose or duplicate any.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_to_many_streams_all_land_without_gaps() {
    let test = open_log();
    let tasks: Vec<_> = (0..64)
        .map(|writer| {
            let log = test.log.clone();
            tokio::spawn(async move {
                let name = stream(&format!("customer-{writer}"));
                let mut positions = Vec::new();
                for round in 0..20u64 {
                    let expected = if round == 0 {
                        ExpectedVersion::NoStream
                    } else {
                        ExpectedVersion::Exact(round - 1)
                    };
                    let outcome = log
                        .append(&name, expected, events(1), meta())
                        .await
                        .unwrap();
                    positions.push(outcome.first_position);
                }
                positions
            })
        })
        .collect();
    let mut positions = Vec::new();
    for task in tasks {
        positions.extend(task.await.unwrap());
    }
    positions.sort_unstable();
    assert_eq!(positions, (1..=64 * 20).collect::<Vec<u64>>());
    test.log.verify().unwrap();
}

/// Relaxed mode acknowledges before the disk does; `sync` makes it durable.
#[tokio::test]
async fn bulk_import_mode_appends_and_syncs_on_request() {
    let test = open_log_with(Options {
        durability: Durability::BulkImportRelaxed,
        ..Options::default()
    });
    let customer = stream("customer-1");
    for _ in 0..100 {
        test.log
            .append(&customer, ExpectedVersion::Any, events(10), meta())
            .await
            .unwrap();
    }
    test.log.sync().await.unwrap();
    let directory = test.directory;
    drop(test.log);
    let log = eventlog::EventLog::open(directory.path(), Options::default()).unwrap();
    assert_eq!(log.head().position, 1_000);
    log.verify().unwrap();
}

/// The blocking API is for threads without a runtime (tools, imports).
#[test]
fn the_blocking_api_appends_and_syncs_outside_a_runtime() {
    let test = open_log();
    let outcome = test
        .log
        .append_blocking(
            &stream("customer-1"),
            ExpectedVersion::NoStream,
            events(2),
            meta(),
        )
        .unwrap();
    assert_eq!(outcome.last_position, 2);
    test.log.sync_blocking().unwrap();
}

/// The writer skips the index lookup for ids above the greatest stored id;
/// ids in any order (random v4, or v7 from a slow clock) must still be
/// checked against the whole history.
#[tokio::test]
async fn idempotency_holds_for_ids_in_any_order() {
    let test = open_log();
    let customer = stream("customer-1");
    let with_id = |id: u128| NewEvent::new(Uuid::from_u128(id), "Happened", vec![]);
    test.log
        .append(&customer, ExpectedVersion::Any, vec![with_id(900)], meta())
        .await
        .unwrap();
    test.log
        .append(&customer, ExpectedVersion::Any, vec![with_id(100)], meta())
        .await
        .unwrap();
    test.log
        .append(&customer, ExpectedVersion::Any, vec![with_id(500)], meta())
        .await
        .unwrap();

    for (id, position) in [(900, 1), (100, 2), (500, 3)] {
        let repeat = test
            .log
            .append(&customer, ExpectedVersion::Any, vec![with_id(id)], meta())
            .await
            .unwrap();
        assert!(repeat.already_stored, "id {id}");
        assert_eq!(repeat.first_position, position);
    }
    let fresh = test
        .log
        .append(&customer, ExpectedVersion::Any, vec![with_id(300)], meta())
        .await
        .unwrap();
    assert!(!fresh.already_stored);
    assert_eq!(fresh.first_position, 4);

    let directory = test.directory;
    drop(test.log);
    let log = eventlog::EventLog::open(directory.path(), Options::default()).unwrap();
    let repeat = log
        .append(&customer, ExpectedVersion::Any, vec![with_id(100)], meta())
        .await
        .unwrap();
    assert!(repeat.already_stored);
    assert_eq!(log.head().position, 4);
}
