//! Upgrades: today's code opens a data folder written by the previous
//! format's server and finds everything again.
//!
//! Each folder under `tests/fixtures/upgrade/<commit>/` was written by the
//! `hypercrm` binary of that commit (`cargo xtask upgrade-fixture`, see
//! docs/operations.md, "Upgrades"): `data/` is the folder as the old
//! server left it after a SIGTERM (event log, read model snapshots,
//! process checkpoint) and `manifest.json` holds what that server
//! answered before it stopped. The test opens a copy through the library,
//! not over HTTP, so it does not depend on how the API is reached.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::NaiveDate;
use domain::ids::{OrderId, PartyId, ProductId};
use domain::values::Currency;
use eventlog::{EventLog, Options};
use projections::ReadModel;
use projections::models::sales::{Period, ReportCurrency, ReportQuery};
use projections::models::timeline::{TimelineEntry, Timelines};
use projections::{Projection, fold_all};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

/// How long the read models and processes may take to catch up with the
/// fixture's few events.
const CATCH_UP_WAIT_MAX: Duration = Duration::from_secs(30);

/// Timeline entries compared per party: more than a fixture holds.
const TIMELINE_ROWS_MAX: usize = 200;

/// The fixtures, one folder per format.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/upgrade")
}

/// A copy of `from` in `to`: the test must not change the committed
/// fixture (opening a log writes to it).
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn id(manifest: &Value, key: &str) -> Uuid {
    Uuid::parse_str(manifest[key].as_str().unwrap()).unwrap()
}

fn decimal(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().unwrap()).unwrap()
}

fn day(value: &Value) -> NaiveDate {
    NaiveDate::from_str(value.as_str().unwrap()).unwrap()
}

/// Whether the model restored by the running server equals the same
/// model folded from the whole log from scratch.
fn assert_equals_rebuilt<M: ReadModel + PartialEq>(
    checked: &mut std::collections::BTreeSet<&'static str>,
    log: &EventLog,
    live: &Projection<M>,
) {
    let (rebuilt, _) = fold_all::<M>(log, log.head().position).unwrap();
    assert!(live.read(|restored| *restored == rebuilt), "{}", M::NAME);
    checked.insert(M::NAME);
}

/// Protects upgrades: a data folder written and stopped by the previous
/// format's server opens with today's code, its log verifies with the
/// same head and hash, the read models (restored from the old snapshots,
/// or rebuilt where their version changed) and the processes catch up
/// without appending anything, the figures the old server answered are
/// found again, and every read model equals one rebuilt from scratch
/// (the timelines through each party's page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_folder_of_the_previous_format_opens_with_its_figures() {
    let mut formats: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    formats.sort();
    assert!(
        !formats.is_empty(),
        "no fixture in {}",
        fixtures().display()
    );
    for format in formats {
        open_fixture(&format).await;
    }
}

async fn open_fixture(fixture: &Path) {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("manifest.json")).unwrap()).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    copy_folder(&fixture.join("data"), &data);

    let log = EventLog::open(data.join("eventlog"), Options::default()).unwrap();
    let report = log.verify().unwrap();
    let head = log.head();
    assert_eq!(
        head.position,
        manifest["head_position"].as_u64().unwrap(),
        "{report:?}"
    );
    let hash: String = head.hash.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(hash, manifest["head_hash"].as_str().unwrap());

    // The fixture's folder has no subjects' keys (its events predate
    // sealing): the server makes an empty keys file and reads them plain.
    drop(log);
    let state = api::AppState::start(&data).await.unwrap();
    let log = state.log.clone();
    tokio::time::timeout(CATCH_UP_WAIT_MAX, state.read_models.wait_for(head.position))
        .await
        .unwrap()
        .unwrap();
    let started = std::time::Instant::now();
    while state.processes.checkpoint() < head.position {
        assert!(
            started.elapsed() < CATCH_UP_WAIT_MAX,
            "the processes did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(state.processes.failures().is_empty());
    assert_eq!(
        state.log.head().position,
        head.position,
        "opening an old folder appends nothing"
    );

    let models = &state.read_models;
    let party_count = models.customers.read(|customers| customers.len());
    assert_eq!(
        party_count as u64,
        manifest["party_count"].as_u64().unwrap()
    );
    let product = ProductId::from_uuid(id(&manifest, "product"));
    let stock = models.stock.read(|stock| stock.product_stock(product));
    assert_eq!(stock.totals.on_hand, decimal(&manifest["stock_on_hand"]));
    assert_eq!(
        stock.totals.available,
        decimal(&manifest["stock_available"])
    );
    for (order, status) in [("order", "order_status"), ("draft", "draft_status")] {
        let order = OrderId::from_uuid(id(&manifest, order));
        let summary = models.orders.read(|orders| orders.get(order).cloned());
        assert_eq!(
            api::http::orders::status_code(summary.unwrap().status),
            manifest[status].as_str().unwrap()
        );
    }
    let sales = &manifest["sales"];
    let query = ReportQuery {
        from: day(&sales["from"]),
        to: day(&sales["to"]),
        currency: ReportCurrency::Only(
            Currency::parse("currency", sales["currency"].as_str().unwrap()).unwrap(),
        ),
        period: Period::Whole,
        dimension: None,
        branch: None,
    };
    let rows = models.sales.read(|model| model.report(&query));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].figures.orders,
        sales["orders"].as_i64().unwrap(),
        "{rows:?}"
    );
    assert_eq!(rows[0].figures.revenue, decimal(&sales["revenue"]));

    let mut checked = std::collections::BTreeSet::new();
    assert_equals_rebuilt(&mut checked, &log, &models.customers);
    assert_equals_rebuilt(&mut checked, &log, &models.timelines);
    assert_equals_rebuilt(&mut checked, &log, &models.pipeline_board);
    assert_equals_rebuilt(&mut checked, &log, &models.sales_funnel);
    assert_equals_rebuilt(&mut checked, &log, &models.manager_activity);
    assert_equals_rebuilt(&mut checked, &log, &models.tasks);
    assert_equals_rebuilt(&mut checked, &log, &models.calendar);
    assert_equals_rebuilt(&mut checked, &log, &models.stock);
    assert_equals_rebuilt(&mut checked, &log, &models.sales);
    assert_equals_rebuilt(&mut checked, &log, &models.director_kpis);
    assert_equals_rebuilt(&mut checked, &log, &models.orders);
    assert_equals_rebuilt(&mut checked, &log, &models.catalog);
    // Roles, password hashes and tokens must fold the same after an
    // upgrade as anything else.
    assert_equals_rebuilt(&mut checked, &log, &models.users);
    assert_equals_rebuilt(&mut checked, &log, &models.purchases);
    assert_equals_rebuilt(&mut checked, &log, &models.production);
    assert_equals_rebuilt(&mut checked, &log, &models.quotes);
    assert_equals_rebuilt(&mut checked, &log, &models.deliveries);
    // A model added to the set and not here fails this, not silently.
    assert_eq!(
        checked,
        projections::MODEL_NAMES.into_iter().collect(),
        "every read model of the set is checked"
    );
    // And each party's timeline as the pages read it.
    let (timelines, _) = fold_all::<Timelines>(&log, head.position).unwrap();
    for party in ["customer", "contact"] {
        let party = PartyId::from_uuid(id(&manifest, party));
        let rebuilt: Vec<TimelineEntry> = timelines
            .timeline(party, None, TIMELINE_ROWS_MAX)
            .into_iter()
            .cloned()
            .collect();
        assert!(!rebuilt.is_empty(), "the fixture's parties have a history");
        models.timelines.read(|restored| {
            let restored: Vec<&TimelineEntry> = restored.timeline(party, None, TIMELINE_ROWS_MAX);
            assert_eq!(restored, rebuilt.iter().collect::<Vec<_>>(), "timeline");
        });
    }
    state.shutdown().await.unwrap();
}
