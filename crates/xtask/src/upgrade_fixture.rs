//! `cargo xtask upgrade-fixture`: a data folder written by a given
//! `hypercrm` binary, for the upgrade test (`tests/tests/upgrade.rs`).
//!
//! Runs the binary (normally the previous release's, built from its
//! commit) over an empty folder, writes the seed company through its
//! JSON API (`seed.rs`), reads back the figures the next version must
//! find again (the log's head and hash, the party count, the product's
//! stock, the order's status, the sales total), stops it with SIGTERM so
//! it saves its read model snapshots and process checkpoint, and writes
//! `manifest.json` beside the folder. Regenerate one with the last
//! binary of a format before changing the format.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, ensure};
use serde_json::{Value, json};

use crate::seed::{self, Client};
use crate::server::Server;

/// How long an empty data folder may take to be ready.
const READY_WAIT_MAX: Duration = Duration::from_secs(60);

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// The `hypercrm` binary of the format the fixture holds.
    #[arg(long)]
    pub binary: PathBuf,
    /// The fixture's folder: `data/` and `manifest.json` go in it (e.g.
    /// tests/fixtures/upgrade/<commit>).
    #[arg(long)]
    pub directory: PathBuf,
    /// What the binary was built from (a commit), for the manifest.
    #[arg(long)]
    pub format: String,
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let data = settings.directory.join("data");
    ensure!(
        !data.exists(),
        "{} exists already: remove it to write a new fixture",
        data.display()
    );
    std::fs::create_dir_all(&settings.directory)?;
    let log = std::env::temp_dir().join(format!(
        "hypercrm-upgrade-fixture-{}.log",
        std::process::id()
    ));
    let server = Server::start(&settings.binary, &data, &[], &log, READY_WAIT_MAX)?;
    // The API asks every request to sign in; an administrator's token is
    // what an integration would send.
    let authorization = format!("Bearer {}", server.administrator_token()?);
    let client = Client::new(&server.base, &[("authorization", &authorization)])?;
    let seeded = seed::company(&client).context("failed to write the seed company")?;
    let manifest = read_figures(&client, &seeded, &settings.format)?;
    server.stop()?;
    // The server's own scheduled backups are off; nothing else may be in
    // the folder but what a running server keeps there.
    let path = settings.directory.join("manifest.json");
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)? + "\n")?;
    println!(
        "wrote {} ({} events) and {}",
        data.display(),
        manifest["head_position"],
        path.display()
    );
    print_size(&data);
    Ok(())
}

/// The manifest: how the folder was made and what the next version must
/// read from it.
fn read_figures(client: &Client, seeded: &seed::Seeded, format: &str) -> anyhow::Result<Value> {
    client.settle()?;
    let health = client.get("/healthz")?;
    let parties = client.get("/api/v1/parties?status=all&limit=200")?;
    let party_count = parties["rows"].as_array().map_or(0, Vec::len);
    let stock = client.get(&format!("/api/v1/products/{}/stock", seeded.product))?;
    let order = client.get(&format!("/api/v1/orders/{}", seeded.order))?;
    let draft = client.get(&format!("/api/v1/orders/{}", seeded.draft))?;
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(1);
    let to = today + chrono::Duration::days(1);
    let sales = client.get(&format!(
        "/api/v1/reports/sales?from={from}&to={to}&group_by=whole&currency=EUR"
    ))?;
    let row = &sales["rows"][0];
    Ok(json!({
        "format": format,
        "made_by": format!("cargo xtask upgrade-fixture --binary <hypercrm built from {format}> --directory tests/fixtures/upgrade/{format} --format {format}"),
        "made_at": chrono::Utc::now().to_rfc3339(),
        "head_position": health["head_position"],
        "head_hash": health["head_hash"],
        "party_count": party_count,
        "customer": seeded.customer,
        "contact": seeded.contact,
        "product": seeded.product,
        "warehouse": seeded.warehouse,
        "price_list": seeded.price_list,
        "stock_on_hand": stock["on_hand"],
        "stock_available": stock["available"],
        "order": seeded.order,
        "order_status": order["status"],
        "draft": seeded.draft,
        "draft_status": draft["status"],
        "task": seeded.task,
        "interaction": seeded.interaction,
        "sales": {
            "from": from.to_string(),
            "to": to.to_string(),
            "currency": "EUR",
            "orders": row["orders"],
            "revenue": row["revenue"],
        },
    }))
}

/// Prints the folder's size: a fixture is committed, so it must stay
/// small.
fn print_size(folder: &Path) {
    let mut bytes = 0_u64;
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(metadata) if metadata.is_dir() => pending.push(entry.path()),
                Ok(metadata) => bytes += metadata.len(),
                Err(_) => {}
            }
        }
    }
    println!("the data folder holds {} KiB", bytes / 1024);
}
