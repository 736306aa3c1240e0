//! `cargo xtask bench-import`: `hypercrm import` of a large order history.
//!
//! Writes a deterministic company as CSV files (products, customers and
//! flat order lines, one to nine lines per order, about five on average)
//! with a mapping file, imports it into a fresh data folder through the
//! same library call as `hypercrm import`, and imports it a second time to
//! time the idempotent re-run (every order found already present). The
//! files are kept and reused; the data folder is made anew each run.

use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use api::import::{ImportOptions, ImportReport, Phase, import};
use chrono::{Duration, NaiveDate, Utc};

/// Products in the generated catalog.
const PRODUCTS: u64 = 2_000;
/// Customers who place the orders.
const CUSTOMERS: u64 = 50_000;
/// Days of history the orders span.
const HISTORY_DAYS: u64 = 5 * 365;

#[derive(Debug)]
pub struct Settings {
    pub orders: u64,
    pub directory: Option<PathBuf>,
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let directory = settings
        .directory
        .unwrap_or_else(|| PathBuf::from("target/bench-import"));
    let files = directory.join(format!("files-{}", settings.orders));
    std::fs::create_dir_all(&files)?;
    let mapping = files.join("mapping.toml");
    if !mapping.exists() {
        let started = Instant::now();
        let rows = write_company(&files, settings.orders)?;
        println!(
            "wrote {} orders ({rows} rows) to {} in {:.1} s",
            settings.orders,
            files.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let orders_bytes = std::fs::metadata(files.join("orders.csv"))?.len();
    let data = directory.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    for run in ["first import", "second import (everything already present)"] {
        let started = Instant::now();
        let mut phases: Vec<(Phase, Instant)> = Vec::new();
        let mut printer = progress_printer();
        let report = import(
            &data,
            &mapping,
            ImportOptions {
                dry_run: false,
                now: Utc::now(),
            },
            &mut |progress| {
                if phases
                    .last()
                    .is_none_or(|(phase, _)| *phase != progress.phase)
                {
                    phases.push((progress.phase, Instant::now()));
                }
                printer(progress);
            },
        )?;
        let elapsed = started.elapsed();
        eprintln!();
        summarize(run, &report, elapsed, orders_bytes);
        let ends = phases
            .iter()
            .skip(1)
            .map(|(_, at)| *at)
            .chain([started + elapsed]);
        let timings: Vec<String> = phases
            .iter()
            .zip(ends)
            .map(|((phase, from), to)| {
                format!("{} {:.1} s", phase.name(), (to - *from).as_secs_f64())
            })
            .collect();
        println!(
            "phases (from their first progress report): {}",
            timings.join(", ")
        );
    }
    let log = eventlog::EventLog::open(data.join("eventlog"), eventlog::Options::default())?;
    println!(
        "log: {} events, {:.0} MiB on disk",
        log.head().position,
        log.disk_bytes()? as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

fn summarize(run: &str, report: &ImportReport, elapsed: std::time::Duration, orders_bytes: u64) {
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
fn progress_printer() -> impl FnMut(api::import::Progress) {
    let mut last: Option<(Phase, u64)> = None;
    move |progress| {
        let percent = progress.bytes_read * 100 / progress.bytes_total.max(1);
        if last != Some((progress.phase, percent)) {
            last = Some((progress.phase, percent));
            eprint!("\r{:>16}: {percent:>3} %", progress.phase.name());
        }
    }
}

/// SplitMix64: a small deterministic generator, so a size always gives
/// the same files.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

const CATEGORIES: [&str; 8] = [
    "Fasteners",
    "Tools",
    "Electrical",
    "Plumbing",
    "Paint",
    "Garden",
    "Safety",
    "Services",
];
const WORDS: [&str; 12] = [
    "Bolt", "Nut", "Washer", "Drill", "Cable", "Pipe", "Valve", "Brush", "Hose", "Glove", "Lamp",
    "Switch",
];
const COMPANY_WORDS: [&str; 10] = [
    "Acme",
    "Northwind",
    "Contoso",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
];

/// Writes the mapping and the three files; returns the order rows written.
fn write_company(files: &Path, orders: u64) -> anyhow::Result<u64> {
    let mut numbers = Numbers(7);
    std::fs::write(files.join("mapping.toml"), MAPPING)?;

    let mut prices = Vec::with_capacity(PRODUCTS as usize);
    let mut products = BufWriter::new(std::fs::File::create(files.join("products.csv"))?);
    writeln!(products, "id,name,category,unit,vat,price")?;
    for index in 0..PRODUCTS {
        let cents = 50 + numbers.below(20_000);
        prices.push(cents);
        writeln!(
            products,
            "P{index:05},{} {} {},{},pcs,20,{}.{:02}",
            WORDS[(index % 12) as usize],
            index / 12,
            ["S", "M", "L"][(index % 3) as usize],
            CATEGORIES[(index % 8) as usize],
            cents / 100,
            cents % 100
        )?;
    }
    products.flush()?;

    let mut customers = BufWriter::new(std::fs::File::create(files.join("customers.csv"))?);
    writeln!(customers, "id,name,email,city")?;
    for index in 0..CUSTOMERS {
        writeln!(
            customers,
            "C{index:06},{} {} Ltd,orders{index}@example.com,Springfield",
            COMPANY_WORDS[(index % 10) as usize],
            index
        )?;
    }
    customers.flush()?;

    let first_day = NaiveDate::from_ymd_opt(2020, 1, 1).context("a valid date")?;
    let mut order_lines =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(files.join("orders.csv"))?);
    writeln!(
        order_lines,
        "order,date,ship_date,customer,customer_name,product,product_name,qty,price,discount,amount"
    )?;
    let mut rows = 0u64;
    let mut line = String::with_capacity(256);
    for order in 0..orders {
        // Orders in date order, as an export lists them.
        let day = first_day + Duration::days((order * HISTORY_DAYS / orders.max(1)) as i64);
        let shipped = day + Duration::days(numbers.below(5) as i64);
        let customer = numbers.below(CUSTOMERS);
        let lines = 1 + numbers.below(9);
        for _ in 0..lines {
            let product = numbers.below(PRODUCTS);
            let quantity = 1 + numbers.below(20);
            let cents = prices[product as usize];
            let discount = if numbers.below(5) == 0 { "5" } else { "" };
            line.clear();
            write!(
                line,
                "SO-{order:08},{day},{shipped},C{customer:06},{} {} Ltd,P{product:05},{} {} {},{quantity},{}.{:02},{discount},",
                COMPANY_WORDS[(customer % 10) as usize],
                customer,
                WORDS[(product % 12) as usize],
                product / 12,
                ["S", "M", "L"][(product % 3) as usize],
                cents / 100,
                cents % 100,
            )?;
            order_lines.write_all(line.as_bytes())?;
            order_lines.write_all(b"\n")?;
            rows += 1;
        }
    }
    order_lines.flush()?;
    Ok(rows)
}

const MAPPING: &str = r#"# Generated by `cargo xtask bench-import`.
currency = "EUR"
default_vat_percent = 20

[products]
file = "products.csv"
[products.columns]
id = "id"
name = "name"
category = "category"
unit = "unit"
vat = "vat"
list_price = "price"

[customers]
file = "customers.csv"
[customers.columns]
id = "id"
name = "name"
email = "email"

[orders]
file = "orders.csv"
[orders.columns]
number = "order"
date = "date"
ship_date = "ship_date"
customer = "customer"
customer_name = "customer_name"
product = "product"
product_name = "product_name"
quantity = "qty"
unit_price = "price"
discount = "discount"
amount = "amount"
"#;
