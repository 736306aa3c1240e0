//! Project chores, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! - `bench-log`: the event log against an SQLite events table, side by
//!   side in one run, with the machine's own fdatasync rate as reference.
//!   Results go to `docs/benchmarks.md` by hand, with the machine.
//! - `bench-crm`: the CRM read models on a large demo history: rebuild
//!   rates, memory, search and customer 360 latency, "as known at".
//! - `bench-trade`: a million orders imported, the stock and sales read
//!   models rebuilt and queried, the monthly report side by side with
//!   SQLite over the same rows.
//! - `bench-sales`: the sales and director KPI read models with a million
//!   orders: apply rates, snapshot sizes, report and KPI latency.
//! - `bench-production`: material requirements for 1,000 sales orders
//!   over 3-level bills of 5,000 products, and the production model's
//!   fold of a million production events.
//! - `bench-purchasing`: replenishment over 50,000 products × 3
//!   warehouses and the purchases model folding a million events.
//! - `bench-print`: 1,000 invoices of 20 lines rendered to PDF in three
//!   languages, documents per second per core.
//! - `bench-http`: the release server under `wrk` load on the demo
//!   company: KPIs, customer search and card, the dashboard's weight.
//! - `crash-soak`: the event log's crash test, 1,000 SIGKILL cycles.
//! - `fuzz-api`: schemathesis against the debug server's OpenAPI document
//!   (run by `.ci/run`).
//! - `upgrade-fixture`: a data folder written by a given (older) server
//!   binary, with a manifest of its figures, for the upgrade test.
//! - `screenshots`: the main pages in English and Arabic at a laptop's and
//!   a phone's width, as PNG files for review.

mod bench_crm;
mod bench_http;
mod bench_log;
mod bench_print;
mod bench_production;
mod bench_purchasing;
mod bench_sales;
mod bench_trade;
mod fuzz_api;
mod screenshots;
mod seed;
mod server;
mod sqlite_sales;
mod trade_data;
mod trade_stock;
mod upgrade_fixture;

/// The same allocator as the `hypercrm` binary, so benchmarks measure
/// what ships (ADR 0004).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod sqlite_log;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(about = "HyperCRM project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Benchmark the event log against SQLite (WAL, synchronous=FULL).
    BenchLog {
        /// Events for the bulk import and replay rows.
        #[arg(long, default_value_t = 10_000_000)]
        bulk_events: u64,
        /// Seconds each durable-append configuration runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Where to put the stores (default: a temporary directory on the
        /// same disk as the project).
        #[arg(long)]
        directory: Option<PathBuf>,
        /// Comma-separated writer counts for the durable rows.
        #[arg(long, default_value = "1,16,256", value_delimiter = ',')]
        writers: Vec<usize>,
        /// Keep the stores afterwards (for `bench-replay` or inspection).
        #[arg(long)]
        keep: bool,
    },
    /// Time a replay (read all + decode) of an existing event log.
    BenchReplay {
        /// The event log's directory.
        directory: PathBuf,
    },
    /// Benchmark the CRM read models on a demo history.
    BenchCrm {
        /// Events in the demo history (written once, reused afterwards).
        #[arg(long, default_value_t = 10_000_000)]
        events: u64,
        /// Where the history lives (default: target/bench-crm).
        #[arg(long)]
        directory: Option<PathBuf>,
        /// Queries timed for search and for the customer 360.
        #[arg(long, default_value_t = 10_000)]
        samples: usize,
        /// Measure one read model only (used by the run itself, one
        /// process per model).
        #[arg(long, hide = true)]
        only: Option<String>,
        /// Only time the queries (search, customer 360).
        #[arg(long)]
        queries_only: bool,
    },
    /// Import a sales history (CSV) and measure the trade read models
    /// against SQLite over the same rows.
    BenchTrade {
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        /// Where the CSV files, the log and the SQLite file live (default:
        /// target/bench-trade).
        #[arg(long)]
        directory: Option<PathBuf>,
        /// The year of the monthly revenue report.
        #[arg(long, default_value_t = 2024)]
        year: i32,
        /// Runs per timed query (the median is reported).
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
    /// Benchmark the sales and director KPI read models on a generated
    /// trading history (in memory, no event log).
    BenchSales {
        /// Orders in the history, of about five lines each.
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        /// Queries timed per kind.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Benchmark replenishment suggestions and the purchases read model
    /// on a generated buying history (in memory, no event log).
    BenchPurchasing {
        #[arg(long, default_value_t = 50_000)]
        products: u64,
        #[arg(long, default_value_t = 3)]
        warehouses: u64,
        /// Purchase events in the history (offers and orders).
        #[arg(long, default_value_t = 1_000_000)]
        purchase_events: u64,
        /// Runs of the suggestion (the median is reported).
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
    /// Benchmark rendering invoices to PDF (a third each in English,
    /// Russian and Arabic).
    BenchPrint {
        #[arg(long, default_value_t = 1_000)]
        documents: usize,
        /// Lines per invoice.
        #[arg(long, default_value_t = 20)]
        lines: usize,
    },
    /// Benchmark material requirements and the production read model on
    /// a generated workshop history (in memory, no event log).
    BenchProduction {
        /// Products in the catalogue, made and bought, over three levels
        /// of bills.
        #[arg(long, default_value_t = 5_000)]
        products: u64,
        /// Open sales orders to plan for, five lines each.
        #[arg(long, default_value_t = 1_000)]
        sales_orders: u64,
        /// Production events in the history.
        #[arg(long, default_value_t = 1_000_000)]
        production_events: u64,
        /// Runs of the planning (the median is reported).
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
    /// Load the release server with `wrk` on a demo data folder: the
    /// director's KPIs, customer search and the customer card under 64
    /// connections, and the dashboard's page weight.
    BenchHttp {
        /// The data folder (written once with the demo company, reused).
        #[arg(long, default_value = "target/bench-http")]
        directory: PathBuf,
        /// Events in the demo company when the folder is new.
        #[arg(long, default_value_t = 10_000_000)]
        events: u64,
        #[arg(long, default_value_t = 64)]
        connections: u32,
        /// wrk's threads (on the same machine as the server).
        #[arg(long, default_value_t = 2)]
        threads: u32,
        /// Seconds of load per kind of request.
        #[arg(long, default_value_t = 30)]
        seconds: u32,
    },
    /// Photograph the main pages of the UI (English and Arabic, laptop
    /// and phone width) into a folder, from a demo company.
    Screenshots {
        /// Where the PNG files go.
        out: PathBuf,
        /// Events in the demo company's history.
        #[arg(long, default_value_t = 3_000)]
        demo_events: u64,
    },
    /// Kill a durable writer with SIGKILL again and again; check that no
    /// acknowledged event is ever lost (the long form of the crash test).
    CrashSoak {
        #[arg(long, default_value_t = 1_000)]
        cycles: u64,
    },
    /// Fuzz the JSON API with schemathesis against the served OpenAPI
    /// document: the debug server over a seeded data folder, every check
    /// that applies.
    FuzzApi(fuzz_api::Settings),
    /// Write a data folder with a given `hypercrm` binary (the previous
    /// format's) and a manifest of what the next version must read in it.
    UpgradeFixture(upgrade_fixture::Settings),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::BenchLog {
            bulk_events,
            seconds,
            directory,
            writers,
            keep,
        } => bench_log::run(bench_log::Settings {
            bulk_events,
            seconds,
            directory,
            writers,
            keep,
        }),
        Command::BenchReplay { directory } => {
            let (events, elapsed) = bench_log::replay_existing(&directory)?;
            println!(
                "replayed {events} events in {:.2} s: {:.0} events/s",
                elapsed.as_secs_f64(),
                events as f64 / elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::BenchCrm {
            events,
            directory,
            samples,
            only,
            queries_only,
        } => bench_crm::run(bench_crm::Settings {
            events,
            directory,
            samples,
            only,
            queries_only,
        }),
        Command::BenchTrade {
            orders,
            directory,
            year,
            samples,
        } => bench_trade::run(bench_trade::Settings {
            orders,
            directory,
            year,
            samples,
        }),
        Command::BenchSales { orders, samples } => {
            bench_sales::run(bench_sales::Settings { orders, samples })
        }
        Command::BenchPurchasing {
            products,
            warehouses,
            purchase_events,
            samples,
        } => bench_purchasing::run(bench_purchasing::Settings {
            products,
            warehouses,
            purchase_events,
            samples,
        }),
        Command::BenchPrint { documents, lines } => {
            bench_print::run(bench_print::Settings { documents, lines })
        }
        Command::BenchProduction {
            products,
            sales_orders,
            production_events,
            samples,
        } => bench_production::run(bench_production::Settings {
            products,
            sales_orders,
            production_events,
            samples,
        }),
        Command::BenchHttp {
            directory,
            events,
            connections,
            threads,
            seconds,
        } => bench_http::run(bench_http::Settings {
            directory,
            events,
            connections,
            threads,
            seconds,
        }),
        Command::FuzzApi(settings) => fuzz_api::run(settings),
        Command::Screenshots { out, demo_events } => {
            let written = screenshots::run(&out, demo_events)?;
            println!("{} screenshots in {}", written.len(), out.display());
            Ok(())
        }
        Command::UpgradeFixture(settings) => upgrade_fixture::run(settings),
        Command::CrashSoak { cycles } => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = std::process::Command::new(cargo)
                .args(["run", "--release", "--package", "eventlog"])
                .args(["--bin", "eventlog-crash", "--", "soak"])
                .arg(cycles.to_string())
                .status()?;
            anyhow::ensure!(status.success(), "the crash soak failed");
            Ok(())
        }
    }
}
