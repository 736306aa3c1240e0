#![allow(clippy::unwrap_used)]
//! The projection runtime against a real log: live following, snapshots
//! and restarts, version changes, rebuild, and "as known at".

mod common;

use chrono::{Duration, Utc};
use domain::ids::UserId;
use domain::parties::{PartyEvent, PartyNameData, PartyRegistered, PartyTagged};
use projections::models::customers::{CustomerQuery, Customers};
use projections::{
    Envelope, Projection, ReadModel, RuntimeOptions, SnapshotStore, as_known_at, rebuild,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use common::{append, open_log, user};

fn registered(name: &str) -> PartyEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Company {
            name: name.into(),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: UserId::from_uuid(user()),
        branch: None,
    })
}

fn tagged(tag: &str) -> PartyEvent {
    PartyEvent::Tagged(PartyTagged { tag: tag.into() })
}

fn search(model: &Customers, text: &str) -> Vec<String> {
    let query = CustomerQuery {
        text: text.into(),
        limit: 50,
        ..CustomerQuery::default()
    };
    model
        .search(&query)
        .rows
        .iter()
        .map(|row| row.display_name.clone())
        .collect()
}

fn every(events: u64) -> RuntimeOptions {
    RuntimeOptions {
        snapshot_every_events: events,
    }
}

/// Protects read-your-writes: after an append, waiting for its position
/// shows the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_projection_follows_appends() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    let projection = Projection::<Customers>::start(log.clone(), store, every(1_000))
        .await
        .unwrap();
    let position = append(&log, Uuid::now_v7(), &[registered("Acme Tools")]);
    projection.wait_for(position).await.unwrap();
    assert_eq!(
        projection.read(|model| search(model, "acme")),
        ["Acme Tools"]
    );
    let later = append(&log, Uuid::now_v7(), &[registered("Borealis")]);
    projection.wait_for(later).await.unwrap();
    assert_eq!(projection.read(Customers::len), 2);
    assert_eq!(projection.checkpoint(), later);
    projection.shutdown().await.unwrap();
}

/// Protects restarts: the model comes back from its snapshot and replays
/// only the tail, ending equal to a model rebuilt from scratch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_restores_the_snapshot_and_replays_the_tail() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    for number in 0..30 {
        append(
            &log,
            Uuid::now_v7(),
            &[registered(&format!("Company {number}"))],
        );
    }
    let projection = Projection::<Customers>::start(log.clone(), store.clone(), every(10))
        .await
        .unwrap();
    projection.wait_for(30).await.unwrap();
    projection.shutdown().await.unwrap();
    let saved = store.list(Customers::NAME).unwrap();
    assert_eq!(
        saved.last().unwrap().checkpoint,
        30,
        "shutdown snapshots the end"
    );

    // A model that counts what it applies, snapshotted at the same end.
    let counted = Projection::<CountV1>::start(log.clone(), store.clone(), every(10))
        .await
        .unwrap();
    counted.wait_for(30).await.unwrap();
    counted.shutdown().await.unwrap();

    let tail = append(&log, Uuid::now_v7(), &[registered("Tail Ltd")]);
    let restarted = Projection::<Customers>::start(log.clone(), store.clone(), every(10))
        .await
        .unwrap();
    restarted.wait_for(tail).await.unwrap();
    let (rebuilt, _) = rebuild::<Customers>(&log, &store, every(1_000), |_| {}).unwrap();
    assert!(restarted.read(|model| *model == rebuilt));
    assert_eq!(restarted.read(|model| search(model, "tail")), ["Tail Ltd"]);
    // Thirty restored and the one of the tail applied: a restart that
    // replayed the whole log over its snapshot would count 61.
    let recounted = Projection::<CountV1>::start(log.clone(), store.clone(), every(10))
        .await
        .unwrap();
    recounted.wait_for(tail).await.unwrap();
    assert_eq!(recounted.read(|model| model.events), 31);
}

/// A model whose name matches `Customers`' test twin but counts events;
/// two versions of it stand for a code change between releases.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct CountV1 {
    events: u64,
}

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct CountV2 {
    events: u64,
    tags: u64,
}

impl ReadModel for CountV1 {
    const NAME: &'static str = "count";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &["party"];
    fn apply(&mut self, _: &Envelope<'_>) {
        self.events += 1;
    }
}

impl ReadModel for CountV2 {
    const NAME: &'static str = "count";
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &["party"];
    fn apply(&mut self, envelope: &Envelope<'_>) {
        self.events += 1;
        if envelope.event.event_type() == "PartyTagged" {
            self.tags += 1;
        }
    }
}

/// Protects upgrades: a model whose version changed ignores old snapshots
/// and is rebuilt from the log, and the old snapshots are removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_version_is_rebuilt_from_the_log() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    let id = Uuid::now_v7();
    append(
        &log,
        id,
        &[registered("Acme"), tagged("vip"), tagged("b2b")],
    );
    let old = Projection::<CountV1>::start(log.clone(), store.clone(), every(1))
        .await
        .unwrap();
    old.wait_for(3).await.unwrap();
    old.shutdown().await.unwrap();
    let saved = store.list("count").unwrap();
    assert!(!saved.is_empty(), "the old version saved snapshots");
    assert!(saved.iter().all(|info| info.version == 1));

    let new = Projection::<CountV2>::start(log.clone(), store.clone(), every(1))
        .await
        .unwrap();
    new.wait_for(3).await.unwrap();
    assert_eq!(new.read(|model| (model.events, model.tags)), (3, 2));
    new.shutdown().await.unwrap();
    let saved = store.list("count").unwrap();
    assert!(!saved.is_empty(), "the new version saved its own");
    assert!(
        saved.iter().all(|info| info.version == 2),
        "the old version's snapshots are removed"
    );
}

/// Protects snapshots from silent damage: a corrupt file is passed over
/// and the model still comes out right from the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_snapshot_is_passed_over() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    for number in 0..5 {
        append(
            &log,
            Uuid::now_v7(),
            &[registered(&format!("Company {number}"))],
        );
    }
    rebuild::<Customers>(&log, &store, every(2), |_| {}).unwrap();
    let newest = store.list(Customers::NAME).unwrap().pop().unwrap();
    let mut bytes = std::fs::read(&newest.path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&newest.path, bytes).unwrap();
    assert!(
        store.load::<Customers>(&newest).is_err(),
        "the checksum catches the flip"
    );

    let projection = Projection::<Customers>::start(log.clone(), store.clone(), every(100))
        .await
        .unwrap();
    projection.wait_for(5).await.unwrap();
    assert_eq!(projection.read(Customers::len), 5);
}

/// Protects the auditor's question: the model as known at a past moment
/// holds exactly the events recorded up to then, and starts from a
/// snapshot rather than the beginning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_known_at_starts_from_the_nearest_snapshot() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    for number in 0..40 {
        append(
            &log,
            Uuid::now_v7(),
            &[registered(&format!("Early {number}"))],
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(5));
    let moment = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    for number in 0..10 {
        append(
            &log,
            Uuid::now_v7(),
            &[registered(&format!("Late {number}"))],
        );
    }
    rebuild::<Customers>(&log, &store, every(16), |_| {}).unwrap();

    let known = as_known_at::<Customers>(&log, &store, moment).unwrap();
    assert_eq!(known.position, 40);
    assert_eq!(
        known.snapshot_checkpoint, 32,
        "the nearest snapshot at or before 40"
    );
    assert_eq!(known.model.len(), 40);
    assert!(search(&known.model, "late").is_empty());

    let before_everything =
        as_known_at::<Customers>(&log, &store, moment - Duration::days(1)).unwrap();
    assert_eq!(before_everything.position, 0);
    assert!(before_everything.model.is_empty());
}

/// Protects both kinds of "as of" on one report: calls made in March (by
/// business time), as the report stood before a call made in March was
/// logged late (by knowledge time), and as it stands now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_march_report_as_known_before_a_late_entry_leaves_it_out() {
    use chrono::{NaiveDate, TimeZone};
    use domain::interactions::{InteractionEvent, InteractionKind, InteractionLogged};
    use projections::models::activity::ManagerActivity;

    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    let note = |party: u128| {
        InteractionEvent::Logged(InteractionLogged {
            party: domain::ids::PartyId::from_uuid(Uuid::from_u128(party)),
            deal: None,
            kind: InteractionKind::Note,
            subject: None,
            body: "Spoke at the fair".into(),
            logged_by: UserId::from_uuid(user()),
        })
    };
    let march = |day: u32| {
        Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0)
            .single()
            .unwrap()
    };
    for day in 1..=20 {
        common::append_at(&log, Uuid::now_v7(), &[note(1)], Some(march(day)));
    }
    rebuild::<ManagerActivity>(&log, &store, every(8), |_| {}).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let before_late_entry = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    common::append_at(&log, Uuid::now_v7(), &[note(2)], Some(march(15)));
    common::append_at(
        &log,
        Uuid::now_v7(),
        &[note(2)],
        Some(march(31) + Duration::days(1)),
    );

    let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let as_known = as_known_at::<ManagerActivity>(&log, &store, before_late_entry).unwrap();
    assert_eq!(as_known.position, 20);
    assert_eq!(
        as_known.snapshot_checkpoint, 20,
        "the rebuild's final snapshot"
    );
    assert_eq!(as_known.model.total(first, last).notes, 20);

    let now = as_known_at::<ManagerActivity>(&log, &store, Utc::now()).unwrap();
    assert_eq!(
        now.model.total(first, last).notes,
        21,
        "the late March note counts in March"
    );
    assert_eq!(
        now.snapshot_checkpoint, 20,
        "replayed only the two new events"
    );
}

/// Protects against silent skips and double counting: a stored CRM event
/// that does not decode stops the projection at its position, the model
/// keeps exactly the events before it, and no snapshot is taken of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_event_stops_the_projection_at_its_position() {
    use eventlog::{Actor, AppendMeta, ExpectedVersion, NewEvent, StreamName};

    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    append(&log, Uuid::now_v7(), &[registered("Before")]);
    let stream = StreamName::parse(format!("party-{}", Uuid::now_v7())).unwrap();
    let garbage = NewEvent::new(Uuid::now_v7(), "PartyRegistered", vec![0xFF, 0xFF, 0xFF]);
    tokio::task::block_in_place(|| {
        log.append_blocking(
            &stream,
            ExpectedVersion::NoStream,
            vec![garbage],
            AppendMeta::new(Actor::system("test"), Uuid::now_v7()),
        )
        .unwrap()
    });
    append(&log, Uuid::now_v7(), &[registered("After")]);

    let projection = Projection::<Customers>::start(log.clone(), store.clone(), every(1))
        .await
        .unwrap();
    let error = projection.wait_for(3).await.unwrap_err().to_string();
    assert!(error.contains("position 2"), "{error}");
    assert_eq!(projection.checkpoint(), 1);
    assert_eq!(projection.read(|model| search(model, "before")), ["Before"]);
    assert!(projection.read(|model| search(model, "after").is_empty()));
    projection.shutdown().await.unwrap();
    assert!(
        store
            .list(Customers::NAME)
            .unwrap()
            .iter()
            .all(|info| info.checkpoint <= 1),
        "nothing past the bad event is ever snapshotted"
    );
}

/// Protects "as known at" anywhere in a history rebuilt at once: pruning
/// keeps the newest snapshots and spreads the rest over the positions.
#[test]
fn pruning_keeps_snapshots_spread_over_the_log() {
    let directory = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open(directory.path()).unwrap();
    for step in 1..=100u64 {
        store
            .save(&CountV1 { events: step }, step * 10, None)
            .unwrap();
    }
    store.prune::<CountV1>().unwrap();
    let kept: Vec<u64> = store
        .list("count")
        .unwrap()
        .iter()
        .map(|info| info.checkpoint)
        .collect();
    assert_eq!(kept.len(), CountV1::SNAPSHOTS_KEPT);
    assert_eq!(&kept[kept.len() - 2..], [990, 1000], "the newest stay");
    let widest_gap = kept.windows(2).map(|pair| pair[1] - pair[0]).max().unwrap();
    assert!(
        widest_gap <= 80,
        "spread evenly, not all at one end: {kept:?}"
    );
    assert!(kept[0] <= 80, "the early log is covered too: {kept:?}");
}

/// Protects disks on a first start: a rebuild writes only the snapshots
/// pruning keeps (spread over the log, and the end), not one per interval.
#[test]
fn a_rebuild_writes_only_the_snapshots_it_keeps() {
    let directory = tempfile::tempdir().unwrap();
    let log = open_log(directory.path());
    let store = SnapshotStore::open(directory.path().join("snapshots")).unwrap();
    for number in 0..100 {
        append(
            &log,
            Uuid::now_v7(),
            &[registered(&format!("Company {number}"))],
        );
    }
    let (_, report) = rebuild::<Customers>(&log, &store, every(5), |_| {}).unwrap();
    assert_eq!(report.snapshots_written, Customers::SNAPSHOTS_KEPT);
    let kept: Vec<u64> = store
        .list(Customers::NAME)
        .unwrap()
        .iter()
        .map(|info| info.checkpoint)
        .collect();
    assert_eq!(kept, [25, 50, 75, 100]);
}
