//! `cargo xtask bench-trade`: trade at the size of a busy company.
//!
//! Writes (or reuses) the CSV export of a sales history (1 million orders,
//! about 5 million lines, over five years) with its mapping file, then,
//! side by side in one run:
//! - SQLite: loads the lines into a table with a covering index and
//!   computes the monthly revenue by category for one year;
//! - HyperCRM: imports the same files with `hypercrm import`'s library
//!   call (twice: the second run finds every order present), appends a
//!   stock history (receipts and issues of every product, some
//!   back-dated), rebuilds the stock, sales and director KPI read models
//!   from the log, and answers the same report, the director's KPIs and
//!   "stock as of a date", and applies one more back-dated receipt.
//!
//! Both monthly reports must be equal, cent for cent, or the run fails.
//! Results go to `docs/benchmarks.md` by hand, with the machine.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use app::import::{ImportOptions, ImportReport, Phase, import};
use chrono::{NaiveDate, TimeZone, Utc};
use domain::CrmEvent;
use domain::inventory::{StockEvent, StockReceived};
use domain::values::Currency;
use eventlog::{Actor, EventLog, Options};
use projections::feed::Feed;
use projections::models::kpis::DirectorKpis;
use projections::models::sales::{Dimension, Member, Period, ReportCurrency, ReportQuery, Sales};
use projections::models::stock::StockLevels;
use projections::{ReadModel, RuntimeOptions, SnapshotStore, StreamIds, rebuild};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use crate::sqlite_sales::{MonthlyByCategory, SqliteSales};
use crate::trade_data::{self, TradeData};
use crate::trade_stock;

/// Stock movements per product in the stock history.
const MOVEMENTS_PER_PRODUCT: usize = 200;

#[derive(Debug)]
pub struct Settings {
    pub orders: u64,
    pub directory: Option<PathBuf>,
    /// The year of the monthly report.
    pub year: i32,
    pub samples: usize,
}

/// The median and the 99th percentile of `samples` runs of `query`, and
/// its last answer.
pub fn time_queries<T>(
    samples: usize,
    mut query: impl FnMut(usize) -> T,
) -> (Duration, Duration, T) {
    let mut times = Vec::with_capacity(samples);
    let mut answer = None;
    for sample in 0..samples.max(1) {
        let started = Instant::now();
        answer = Some(std::hint::black_box(query(sample)));
        times.push(started.elapsed());
    }
    times.sort();
    let answer = answer.expect("at least one sample ran");
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    (times[times.len() / 2], p99, answer)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let directory = settings
        .directory
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/bench-trade"));
    std::fs::create_dir_all(&directory)?;
    println!(
        "machine: {} cores; directory {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        directory.display()
    );
    let data = TradeData::new(settings.orders);
    let started = Instant::now();
    let csv = directory.join("csv");
    let files = trade_data::write(&data, &csv).context("failed to write the CSV files")?;
    let mapping = csv.join("mapping.toml");
    std::fs::write(&mapping, trade_data::MAPPING)?;
    let csv_bytes = std::fs::metadata(&files.orders)?.len();
    println!(
        "history: {} orders, {} lines, {:.0} MB of order CSV ({:.1} s to write or find)",
        settings.orders,
        files.lines,
        csv_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // The reference.
    let (sqlite, load) = SqliteSales::load(&files.orders, &directory.join("reference.sqlite"))?;
    println!(
        "sqlite: loaded {} lines in {:.1} s ({:.0} lines/s), covering index in {:.1} s",
        load.rows,
        load.load.as_secs_f64(),
        load.rows as f64 / load.load.as_secs_f64(),
        load.index.as_secs_f64()
    );
    let (sqlite_p50, sqlite_p99, sqlite_report) = time_queries(settings.samples, |_| {
        sqlite.monthly_revenue_by_category(settings.year)
    });
    let sqlite_report = sqlite_report?;
    println!(
        "sqlite: monthly revenue by category for {}: {} rows, p50 {:.2} ms, p99 {:.2} ms",
        settings.year,
        sqlite_report.len(),
        ms(sqlite_p50),
        ms(sqlite_p99)
    );
    drop(sqlite);

    // HyperCRM: import.
    let data_dir = directory.join("data");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    for run in [
        "first import",
        "second import (every order already present)",
    ] {
        let started = Instant::now();
        let report = import(
            &data_dir,
            &mapping,
            ImportOptions {
                dry_run: false,
                now: Utc::now(),
            },
            &mut progress_printer(),
        )?;
        eprintln!();
        summarize(run, &report, started.elapsed(), csv_bytes);
    }

    // HyperCRM: stock history, then the read models from the log.
    // The stock history is written in bulk and synced once, like an import.
    let (log, _keys) = app::personal::open_log(
        &data_dir,
        Options {
            durability: eventlog::Durability::BulkImportRelaxed,
            ..Options::default()
        },
    )?;
    let products: Vec<_> = (0..data.products)
        .map(|product| app::import::ids::product(&trade_data::sku(product)))
        .collect();
    let warehouse = app::import::ids::warehouse("MAIN");
    let stock_history = trade_stock::append(
        &log,
        &products,
        warehouse,
        MOVEMENTS_PER_PRODUCT,
        data.first_day,
        data.days,
    )?;
    println!(
        "stock: {} movements ({} back-dated) appended in {:.1} s",
        stock_history.movements,
        stock_history.backdated,
        stock_history.elapsed.as_secs_f64()
    );
    let head = log.head().position;
    println!(
        "log: {head} events, {:.0} MiB on disk",
        log.disk_bytes()? as f64 / (1024.0 * 1024.0)
    );
    let store = SnapshotStore::open(directory.join("snapshots"))?;
    let stock: StockLevels = rebuilt(&log, &store)?;
    let sales: Sales = rebuilt(&log, &store)?;
    let kpis: DirectorKpis = rebuilt(&log, &store)?;

    // The same report, and the check that it is the same.
    let eur = Currency::parse("currency", "EUR")?;
    let from = NaiveDate::from_ymd_opt(settings.year, 1, 1).context("a valid year")?;
    let to = NaiveDate::from_ymd_opt(settings.year, 12, 31).context("a valid year")?;
    let query = ReportQuery {
        from,
        to,
        currency: ReportCurrency::Only(eur),
        period: Period::Month,
        dimension: Some(Dimension::Category),
        branch: None,
    };
    let (p50, p99, rows) = time_queries(settings.samples, |_| sales.report(&query));
    println!(
        "hypercrm: monthly revenue by category for {}: {} rows, p50 {:.3} ms, p99 {:.3} ms",
        settings.year,
        rows.len(),
        ms(p50),
        ms(p99)
    );
    let mut ours = MonthlyByCategory::new();
    for row in rows {
        if let Member::Category(Some(category)) = row.member {
            let cents = (row.figures.revenue * Decimal::ONE_HUNDRED)
                .round()
                .try_into()
                .context("a revenue beyond i64 cents")?;
            if cents != 0 {
                ours.insert((category, chrono::Datelike::month(&row.period)), cents);
            }
        }
    }
    anyhow::ensure!(
        ours == sqlite_report,
        "the monthly report differs from SQLite's: {} rows against {}; first difference {:?}",
        ours.len(),
        sqlite_report.len(),
        first_difference(&ours, &sqlite_report)
    );
    println!("hypercrm: the monthly report equals SQLite's, cent for cent");

    // The director's figures.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let days = data.days;
    let (p50, p99, _) = time_queries(settings.samples, |_| {
        kpis.on(data.first_day + chrono::Duration::days(i64::from(rng.random_range(0..days))))
    });
    println!(
        "hypercrm: director KPIs for a day: p50 {:.4} ms, p99 {:.4} ms",
        ms(p50),
        ms(p99)
    );
    let (p50, p99, _) = time_queries(settings.samples, |_| kpis.over(from, to));
    println!(
        "hypercrm: director KPIs for a year: p50 {:.4} ms, p99 {:.4} ms",
        ms(p50),
        ms(p99)
    );
    let (p50, p99, _) = time_queries(settings.samples, |_| {
        let product = products[rng.random_range(0..products.len())];
        let day = data.first_day + chrono::Duration::days(i64::from(rng.random_range(0..days)));
        stock.product_stock_at(
            product,
            Utc.from_utc_datetime(&day.and_hms_opt(18, 0, 0).unwrap_or_default()),
        )
    });
    println!(
        "hypercrm: stock of a product as of a date: p50 {:.4} ms, p99 {:.4} ms",
        ms(p50),
        ms(p99)
    );

    // One more receipt, back-dated four years, into the live model.
    let mut stock = stock;
    let product = products[0];
    let moves = stock.movement_count(product, Some(warehouse));
    let before = stock.product_stock_at(product, Utc::now());
    let mut feed = Feed::new(Actor::system("bench-trade"));
    let backdated = Utc.from_utc_datetime(
        &(data.first_day + chrono::Duration::days(30))
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default(),
    );
    let started = Instant::now();
    feed.apply_to(
        &mut stock,
        StreamIds {
            first: product.as_uuid(),
            second: Some(warehouse.as_uuid()),
        },
        CrmEvent::Stock(StockEvent::Received(StockReceived {
            quantity: Decimal::from(10),
            unit_cost: Decimal::from(1),
            average_cost: Decimal::from(1),
            reference: None,
        })),
        Utc::now(),
        Some(backdated),
    );
    let applied = started.elapsed();
    let after = stock.product_stock_at(product, Utc::now());
    println!(
        "hypercrm: a receipt back-dated to {} among {moves} movements: applied in {:.3} ms; on hand {} → {}",
        backdated.date_naive(),
        ms(applied),
        before.on_hand,
        after.on_hand
    );
    Ok(())
}

fn rebuilt<M: ReadModel>(log: &EventLog, store: &SnapshotStore) -> anyhow::Result<M> {
    let (model, report) = rebuild::<M>(log, store, RuntimeOptions::default(), |_| {})?;
    let events = report.checkpoint.position;
    println!(
        "hypercrm: rebuilt {} from {events} events in {:.1} s ({:.0} events/s of the log)",
        M::NAME,
        report.elapsed.as_secs_f64(),
        events as f64 / report.elapsed.as_secs_f64()
    );
    Ok(model)
}

fn first_difference(
    ours: &MonthlyByCategory,
    theirs: &MonthlyByCategory,
) -> Option<(String, u32, Option<i64>, Option<i64>)> {
    let keys: BTreeMap<_, ()> = ours
        .keys()
        .chain(theirs.keys())
        .map(|k| (k.clone(), ()))
        .collect();
    keys.into_keys().find_map(|key| {
        let (a, b) = (ours.get(&key).copied(), theirs.get(&key).copied());
        (a != b).then_some((key.0, key.1, a, b))
    })
}

fn summarize(run: &str, report: &ImportReport, elapsed: Duration, orders_bytes: u64) {
    println!("== {run}: {:.1} s", elapsed.as_secs_f64());
    println!("{report}");
    if let Some(orders) = &report.orders {
        let seconds = orders.elapsed.as_secs_f64().max(f64::EPSILON);
        let handled = orders.orders_imported + orders.orders_already_present;
        println!(
            "orders phase: {:.1} s, {:.0} orders/s, {:.0} order lines/s, {:.1} MB/s of CSV",
            seconds,
            handled as f64 / seconds,
            orders.rows_read as f64 / seconds,
            orders_bytes as f64 / seconds / 1e6
        );
    }
}

/// Prints the phase and percentage now and then on one line of stderr.
fn progress_printer() -> impl FnMut(app::import::Progress) {
    let mut last: Option<(Phase, u64)> = None;
    move |progress| {
        let percent = progress.bytes_read * 100 / progress.bytes_total.max(1);
        if last != Some((progress.phase, percent)) {
            last = Some((progress.phase, percent));
            eprint!("\r{:>16}: {percent:>3} %", progress.phase.name());
        }
    }
}
