#![allow(clippy::unwrap_used)]
//! The property every read model promises: fed live while the history is
//! being appended, rebuilt from scratch, and restored from a snapshot plus
//! the tail, it is the same model.

use std::fmt::Debug;

use eventlog::{Durability, EventLog, Options};
use projections::models::customers::CustomerQuery;
use projections::{
    Checkpoint, CrmReadModels, Projection, ReadModel, RuntimeOptions, SnapshotStore, rebuild,
    replay,
};
use proptest::prelude::*;

/// Restores `M` from a snapshot taken at `split` and replays the rest.
fn snapshot_plus_tail<M: ReadModel>(log: &EventLog, store: &SnapshotStore, split: u64) -> M {
    let head = log.head().position;
    let mut model = M::default();
    let checkpoint = replay(
        log,
        &mut model,
        Checkpoint::default(),
        split,
        u64::MAX,
        |_, _| Ok(()),
    )
    .unwrap();
    store
        .save(&model, checkpoint.position, checkpoint.recorded_at)
        .unwrap();
    let (info, mut restored) = store.latest::<M>(split).unwrap().unwrap();
    assert_eq!(info.checkpoint, split);
    replay(
        log,
        &mut restored,
        checkpoint,
        head,
        u64::MAX,
        |_, _| Ok(()),
    )
    .unwrap();
    restored
}

fn check<M: ReadModel + PartialEq + Debug>(
    live: &Projection<M>,
    log: &EventLog,
    store: &SnapshotStore,
    split: u64,
) {
    let options = RuntimeOptions {
        snapshot_every_events: 1_000_000,
    };
    let (rebuilt, _) = rebuild::<M>(log, store, options, |_| {}).unwrap();
    let restored = snapshot_plus_tail::<M>(log, store, split);
    assert!(
        rebuilt == restored,
        "{}: snapshot + tail differs from the rebuild",
        M::NAME
    );
    live.read(|model| {
        assert!(
            *model == rebuilt,
            "{}: the live model differs from the rebuild",
            M::NAME
        )
    });
}

fn run(seed: u64, parties: usize, days: u32, split_percent: u64) -> u64 {
    let directory = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let log = EventLog::open(
        directory.path().join("log"),
        Options {
            durability: Durability::BulkImportRelaxed,
            ..Options::default()
        },
    )
    .unwrap();
    let live_store = SnapshotStore::open(directory.path().join("live")).unwrap();
    // Small snapshot intervals make the live models snapshot mid-history too.
    let live_options = RuntimeOptions {
        snapshot_every_events: 97,
    };
    let live = runtime
        .block_on(CrmReadModels::start(&log, live_store, live_options))
        .unwrap();
    let options = demo::DemoOptions {
        seed,
        parties,
        days,
        ..demo::DemoOptions::default()
    };
    demo::load(&log, demo::generate(&options), |_| {}).unwrap();
    log.sync_blocking().unwrap();
    let head = log.head().position;
    runtime.block_on(live.wait_for(head)).unwrap();

    let store = SnapshotStore::open(directory.path().join("checked")).unwrap();
    let split = head * split_percent / 100;
    check(&live.customers, &log, &store, split);
    check(&live.timelines, &log, &store, split);
    check(&live.pipeline_board, &log, &store, split);
    check(&live.sales_funnel, &log, &store, split);
    check(&live.manager_activity, &log, &store, split);
    check(&live.tasks, &log, &store, split);
    check(&live.calendar, &log, &store, split);
    check(&live.stock, &log, &store, split);
    check(&live.sales, &log, &store, split);
    check(&live.director_kpis, &log, &store, split);
    check(&live.catalog, &log, &store, split);

    // The derived search index must agree too, not only the rows.
    let query = CustomerQuery {
        text: "a".into(),
        limit: 50,
        ..CustomerQuery::default()
    };
    let (rebuilt, _) = rebuild::<projections::models::customers::Customers>(
        &log,
        &store,
        RuntimeOptions::default(),
        |_| {},
    )
    .unwrap();
    let expected: Vec<_> = rebuilt
        .search(&query)
        .rows
        .iter()
        .map(|row| row.id)
        .collect();
    let found: Vec<_> = live
        .customers
        .read(|model| model.search(&query).rows.iter().map(|row| row.id).collect());
    assert_eq!(found, expected);
    runtime.block_on(live.shutdown()).unwrap();
    head
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Protects every read model's promise: live = rebuilt = snapshot + tail,
    /// for random company histories split at a random point.
    #[test]
    fn live_rebuilt_and_restored_models_are_equal(
        seed in any::<u64>(),
        parties in 30usize..150,
        days in 90u32..400,
        split_percent in 0u64..=100,
    ) {
        let head = run(seed, parties, days, split_percent);
        prop_assert!(head > 200, "a history of {head} events is too small to tell");
    }
}
