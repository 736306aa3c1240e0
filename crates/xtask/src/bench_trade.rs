//! `cargo xtask bench-trade`: trade at the size of a busy company.
//!
//! Writes (or reuses) the CSV export of a sales history (1 million orders,
//! about 5 million lines, over five years), then, side by side in one run:
//! - SQLite: loads the lines into a table with a covering index and
//!   computes the monthly revenue by category for one year;
//! - HyperCRM: imports the same files with `hypercrm import`'s code,
//!   rebuilds the stock and sales read models from the log, and answers
//!   the same report, the director's KPIs and "stock as of a date".
//!
//! Both reports must be equal, cent for cent, or the run fails. Results go
//! to `docs/benchmarks.md` by hand, with the machine.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::sqlite_sales::SqliteSales;
use crate::trade_data::{self, TradeData};

#[derive(Debug)]
pub struct Settings {
    pub orders: u64,
    pub directory: Option<PathBuf>,
    /// The year of the monthly report.
    pub year: i32,
    pub samples: usize,
}

/// The median of `samples` runs of `query`, and its last answer.
pub fn median_of<T>(samples: usize, mut query: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(samples);
    let mut answer = None;
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        answer = Some(std::hint::black_box(query()));
        times.push(started.elapsed());
    }
    times.sort();
    let answer = answer.expect("at least one sample ran");
    (times[times.len() / 2], answer)
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let directory = settings
        .directory
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/bench-trade"));
    std::fs::create_dir_all(&directory)?;
    let data = TradeData::new(settings.orders);
    let started = Instant::now();
    let files = trade_data::write(&data, &directory.join("csv"))
        .context("failed to write the CSV files")?;
    println!(
        "history: {} orders, {} lines ({:.1} s to write or find the CSV files)",
        settings.orders,
        files.lines,
        started.elapsed().as_secs_f64()
    );

    let (sqlite, load) = SqliteSales::load(&files.orders, &directory.join("reference.sqlite"))?;
    println!(
        "sqlite: loaded {} lines in {:.1} s ({:.0} lines/s), index in {:.1} s",
        load.rows,
        load.load.as_secs_f64(),
        load.rows as f64 / load.load.as_secs_f64(),
        load.index.as_secs_f64()
    );
    let (sqlite_time, sqlite_report) = median_of(settings.samples, || {
        sqlite.monthly_revenue_by_category(settings.year)
    });
    let sqlite_report = sqlite_report?;
    println!(
        "sqlite: monthly revenue by category for {}: {} rows, median {:.2} ms",
        settings.year,
        sqlite_report.len(),
        sqlite_time.as_secs_f64() * 1e3
    );
    Ok(())
}
