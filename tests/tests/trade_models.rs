//! The trade read models over the demo company's real trade (orders run
//! through the command handler and the process managers): followed live by
//! the server, rebuilt from scratch, and restored from the snapshots the
//! server wrote at shutdown, they are the same models.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use eventlog::{EventLog, Options};
use projections::models::catalog::Catalog;
use projections::models::kpis::DirectorKpis;
use projections::models::orders::Orders;
use projections::models::sales::Sales;
use projections::models::stock::StockLevels;
use projections::{ReadModel, fold_all};

fn rebuilt<M: ReadModel>(log: &EventLog) -> M {
    fold_all::<M>(log, log.head().position).unwrap().0
}

/// Protects every trade figure a director sees: a model kept live, one
/// rebuilt from the log and one restored from a snapshot never disagree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trade_models_agree_live_rebuilt_and_restored() {
    let data = tempfile::tempdir().unwrap();
    let directory = data.path().to_path_buf();
    let written = tokio::task::spawn_blocking(move || {
        api::seed_demo(&directory, api::Demo::Events(3_000)).unwrap()
    })
    .await
    .unwrap();
    assert!(written > 3_000, "the demo traded: {written} events");

    let (log, keys) = app::personal::open_log(data.path(), Options::default()).unwrap();
    let head = log.head().position;
    let stock: StockLevels = rebuilt(&log);
    let sales: Sales = rebuilt(&log);
    let kpis: DirectorKpis = rebuilt(&log);
    let orders: Orders = rebuilt(&log);
    let catalog: Catalog = rebuilt(&log);
    assert_ne!(stock, StockLevels::default(), "the demo moved stock");
    assert_ne!(sales, Sales::default(), "the demo sold");
    assert_ne!(kpis, DirectorKpis::default());
    assert!(!orders.is_empty(), "the demo took orders");
    assert!(catalog.product_count() > 0, "the demo has a catalog");
    assert!(!catalog.price_lists().is_empty(), "and a price list");
    let all_time = (chrono::NaiveDate::MIN, chrono::NaiveDate::MAX);
    assert_eq!(
        sales.differences(all_time.0, all_time.1).len(),
        1,
        "the export sale's payment, at another week's rate than its invoice's"
    );

    let mut delivered_head = head;
    for round in ["live", "restored from the shutdown snapshots"] {
        let state = api::AppState::start_on(
            log.clone(),
            keys.clone(),
            data.path(),
            api::AccessSettings::default(),
        )
        .await
        .unwrap();
        state.read_models.wait_for(head).await.unwrap();
        let models = &state.read_models;
        assert!(
            models.stock.read(|live| *live == stock),
            "stock differs ({round})"
        );
        assert!(
            models.sales.read(|live| *live == sales),
            "sales differs ({round})"
        );
        assert!(
            models.director_kpis.read(|live| *live == kpis),
            "director_kpis differs ({round})"
        );
        assert!(
            models.orders.read(|live| *live == orders),
            "orders differs ({round})"
        );
        assert!(
            models.catalog.read(|live| *live == catalog),
            "catalog differs ({round})"
        );
        state.shutdown().await.unwrap();
        // The first start delivers the reminders that came due in the
        // demo's history (issue 17); besides those, nothing is left to do.
        let written = log
            .read_all(head + 1, 10_000, &eventlog::ReadFilter::all())
            .unwrap();
        let others: Vec<&str> = written
            .events
            .iter()
            .map(|record| record.event_type.as_str())
            .filter(|event_type| *event_type != "TaskReminderFired")
            .collect();
        assert!(
            others.is_empty(),
            "the processes found nothing left to do ({round}): {others:?}"
        );
        if round != "live" {
            assert_eq!(
                log.head().position,
                delivered_head,
                "the restart delivered nothing again"
            );
        }
        delivered_head = log.head().position;
    }
}
