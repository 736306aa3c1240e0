//! `cargo xtask bench-http`: the real server under load, as the web issue
//! measures it.
//!
//! Runs the release `hypercrm` binary on a demo data folder (written once
//! by `hypercrm serve --demo --demo-events N`, reused afterwards), then
//! points `wrk` (Debian's `wrk` package) at it from the same machine with
//! 64 connections: the director's KPIs (JSON and the dashboard's HTML
//! fragment), customer search (JSON and the UI's list page) and the
//! customer card (JSON and the UI page with the 360 timeline). Search
//! terms and customers are sampled from the data the way `bench-crm`
//! samples them. It also weighs the dashboard page with everything it
//! loads and lists any request it would make to another host. Results go
//! to `docs/benchmarks.md` by hand, with the machine.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use eventlog::Options;
use projections::models::customers::Customers;

use crate::bench_crm::{Lcg, fold, search_text};
use crate::server::{self, Profile, Server};

/// How long a first start may take to seed the demo and build every read
/// model before the run gives up.
const READY_WAIT_MAX: Duration = Duration::from_secs(3_600);
/// Warm-up per target before its measured run, not reported.
const WARM_UP_SECONDS: u32 = 5;
/// Distinct requests per target that `wrk` cycles through.
const PATHS_PER_TARGET: usize = 2_000;

#[derive(Debug)]
pub struct Settings {
    pub directory: PathBuf,
    pub events: u64,
    pub connections: u32,
    pub threads: u32,
    pub seconds: u32,
}

/// One kind of request under load.
struct Target {
    label: &'static str,
    paths: Vec<String>,
}

/// What `wrk` reported for one target.
struct Measured {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
    requests: u64,
    errors: u64,
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    ensure!(
        Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "`wrk` is not installed: `apt-get install -y wrk`"
    );
    let binary = server::build(Profile::Release)?;
    std::fs::create_dir_all(&settings.directory)?;
    let log = settings.directory.join("bench-http-server.log");

    if !settings.directory.join("eventlog").exists() {
        println!(
            "writing the demo company of about {} events into {} (once)",
            settings.events,
            settings.directory.display()
        );
        let demo = [
            "--demo".to_owned(),
            "--demo-events".to_owned(),
            settings.events.to_string(),
        ];
        let seeding = Server::start(&binary, &settings.directory, &demo, &log, READY_WAIT_MAX)?;
        println!("seeded and ready in {:.1} s", seeding.started.as_secs_f64());
        seeding.stop()?;
    }

    let (customers, head) = sample_customers(&settings.directory)?;
    println!(
        "the log holds {head} events; {} customers sampled",
        customers.len()
    );

    let server = Server::start(&binary, &settings.directory, &[], &log, READY_WAIT_MAX)?;
    println!(
        "server ready in {:.1} s (read models restored from snapshots), resident {:.0} MiB",
        server.started.as_secs_f64(),
        server.resident_mib()
    );
    let outcome = measure(&server, &settings, &customers);
    server.stop()?;
    outcome
}

fn measure(server: &Server, settings: &Settings, customers: &[Sampled]) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Every request carries an administrator's browser session, as the
    // web UI does (pages take no API tokens); checking it is part of
    // what is measured.
    let (cookie, _) = server.administrator_session()?;
    let session_header = format!("Cookie: {cookie}");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        reqwest::header::HeaderValue::from_str(&cookie)?,
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    let weight = runtime.block_on(page_weight(&client, &server.base))?;
    println!(
        "dashboard page weight: {} bytes uncompressed ({} bytes of HTML and {} assets: {}), external requests: {}",
        weight.bytes,
        weight.html_bytes,
        weight.assets.len(),
        weight.assets.join(", "),
        if weight.external.is_empty() {
            "none".to_owned()
        } else {
            weight.external.join(", ")
        }
    );

    let targets = targets(customers);
    for target in &targets {
        runtime.block_on(check_answers(&client, &server.base, target))?;
    }
    let mut table = String::from(
        "| request | requests/s | p50 | p99 | requests | non-2xx or errors |\n|---|---|---|---|---|---|\n",
    );
    for target in &targets {
        run_wrk(
            &server.base,
            &session_header,
            target,
            settings,
            WARM_UP_SECONDS,
        )?;
        let measured = run_wrk(
            &server.base,
            &session_header,
            target,
            settings,
            settings.seconds,
        )?;
        println!(
            "{}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} requests, {} errors",
            target.label,
            measured.requests_per_second,
            millis(measured.p50),
            millis(measured.p99),
            measured.requests,
            measured.errors
        );
        writeln!(
            table,
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} | {} |",
            target.label,
            measured.requests_per_second,
            millis(measured.p50),
            millis(measured.p99),
            measured.requests,
            measured.errors
        )?;
    }
    println!(
        "\n{} connections, {} wrk threads, {} s per request kind, server resident {:.0} MiB after the run\n\n{table}",
        settings.connections,
        settings.threads,
        settings.seconds,
        server.resident_mib()
    );
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// A customer of the data and what a person would type to find it.
struct Sampled {
    id: String,
    search: String,
}

/// Samples customers (and search terms for them) from the log, read
/// while no server holds it.
fn sample_customers(directory: &Path) -> anyhow::Result<(Vec<Sampled>, u64)> {
    let log = app::personal::open_log(directory, Options::default())?.0;
    let head = log.head().position;
    let customers: Customers = fold(&log, head)?;
    let rows: Vec<_> = customers.rows().collect();
    ensure!(!rows.is_empty(), "the data folder holds no customers");
    let mut random = Lcg(42);
    let sampled = (0..PATHS_PER_TARGET)
        .map(|sample| {
            let row = rows[random.next(rows.len())];
            Sampled {
                id: row.id.to_string(),
                search: search_text(row, sample),
            }
        })
        .collect();
    Ok((sampled, head))
}

fn targets(customers: &[Sampled]) -> Vec<Target> {
    let each = |format: &dyn Fn(&Sampled) -> String| customers.iter().map(format).collect();
    vec![
        Target {
            label: "director KPIs for today, JSON (`GET /api/v1/kpis?day=…`)",
            paths: vec![format!(
                "/api/v1/kpis?day={}",
                chrono::Utc::now().date_naive()
            )],
        },
        Target {
            label: "dashboard figures, HTML fragment (`GET /dashboard/figures`)",
            paths: vec!["/dashboard/figures".to_owned()],
        },
        Target {
            label: "customer search, JSON, 20 rows (`GET /api/v1/parties?q=…`)",
            paths: each(&|customer| {
                format!(
                    "/api/v1/parties?limit=20&q={}",
                    percent_encode(&customer.search)
                )
            }),
        },
        Target {
            label: "customer search, UI page (`GET /customers?q=…`)",
            paths: each(&|customer| format!("/customers?q={}", percent_encode(&customer.search))),
        },
        Target {
            label: "customer card, JSON (`GET /api/v1/parties/{id}`)",
            paths: each(&|customer| format!("/api/v1/parties/{}", customer.id)),
        },
        Target {
            label: "customer card with its 360 timeline, UI page (`GET /customers/{id}`)",
            paths: each(&|customer| format!("/customers/{}", customer.id)),
        },
    ]
}

/// Refuses to time a target whose requests fail: a fast 404 is no result.
async fn check_answers(
    client: &reqwest::Client,
    base: &str,
    target: &Target,
) -> anyhow::Result<()> {
    for path in target.paths.iter().take(20) {
        let response = client.get(format!("{base}{path}")).send().await?;
        ensure!(
            response.status().is_success(),
            "{} answered {} to {path}",
            target.label,
            response.status()
        );
    }
    Ok(())
}

fn run_wrk(
    base: &str,
    session_header: &str,
    target: &Target,
    settings: &Settings,
    seconds: u32,
) -> anyhow::Result<Measured> {
    let mut script = String::from("local paths = {\n");
    for path in &target.paths {
        writeln!(script, "  \"{path}\",")?;
    }
    script.push_str(
        "}\nlocal next = 0\nrequest = function()\n  next = next % #paths + 1\n  return wrk.format(\"GET\", paths[next])\nend\n",
    );
    let file = tempfile::Builder::new().suffix(".lua").tempfile()?;
    std::fs::write(file.path(), script)?;
    let output = Command::new("wrk")
        .arg(format!("--threads={}", settings.threads))
        .arg(format!("--connections={}", settings.connections))
        .arg(format!("--duration={seconds}s"))
        .arg("--latency")
        .arg(format!("--header={session_header}"))
        .arg("--script")
        .arg(file.path())
        .arg(base)
        .output()
        .context("failed to run wrk")?;
    let report = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "wrk failed: {report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_wrk(&report).with_context(|| format!("unexpected wrk report:\n{report}"))
}

/// Reads requests/s, the 50th and 99th latency percentiles, the request
/// count and the failures out of `wrk --latency`'s report.
fn parse_wrk(report: &str) -> anyhow::Result<Measured> {
    let mut measured = Measured {
        requests_per_second: f64::NAN,
        p50: Duration::ZERO,
        p99: Duration::ZERO,
        requests: 0,
        errors: 0,
    };
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rate] => measured.requests_per_second = rate.parse()?,
            ["50%", latency] => measured.p50 = parse_latency(latency)?,
            ["99%", latency] => measured.p99 = parse_latency(latency)?,
            [count, "requests", "in", ..] => measured.requests = count.parse()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                measured.errors += count.parse::<u64>()?
            }
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                for number in rest.iter().skip(1).step_by(2) {
                    measured.errors += number.trim_end_matches(',').parse::<u64>()?;
                }
            }
            _ => {}
        }
    }
    ensure!(
        measured.requests_per_second.is_finite() && measured.p99 > Duration::ZERO,
        "no rate or latency in the report"
    );
    Ok(measured)
}

/// `635.91us`, `1.04ms`, `2.00s`.
fn parse_latency(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|at| text.split_at(at))
        .context("latency without a unit")?;
    let number: f64 = number.parse()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        other => bail!("unknown latency unit {other}"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// The dashboard and everything it loads.
struct PageWeight {
    bytes: usize,
    html_bytes: usize,
    assets: Vec<String>,
    external: Vec<String>,
}

async fn page_weight(client: &reqwest::Client, base: &str) -> anyhow::Result<PageWeight> {
    let html = client
        .get(format!("{base}/"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let mut weight = PageWeight {
        bytes: html.len(),
        html_bytes: html.len(),
        assets: Vec::new(),
        external: Vec::new(),
    };
    for reference in loaded_references(&html) {
        if reference.starts_with("http:")
            || reference.starts_with("https:")
            || reference.starts_with("//")
        {
            weight.external.push(reference);
            continue;
        }
        let body = client
            .get(format!("{base}{reference}"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        weight.bytes += body.len();
        weight
            .assets
            .push(format!("{reference} {} bytes", body.len()));
    }
    Ok(weight)
}

/// What a browser fetches to show the page: scripts, stylesheets, icons,
/// images (`src` of any element, `href` of `<link>`), not the links a
/// person may follow.
fn loaded_references(html: &str) -> Vec<String> {
    let mut references = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let name = tag.split_whitespace().next().unwrap_or("");
        let attribute = if name.eq_ignore_ascii_case("link") {
            "href=\""
        } else {
            "src=\""
        };
        if let Some(start) = tag.find(attribute) {
            let value = &tag[start + attribute.len()..];
            if let Some(end) = value.find('"') {
                let value = &value[..end];
                if !value.is_empty() && !references.iter().any(|seen| seen == value) {
                    references.push(value.replace("&amp;", "&"));
                }
            }
        }
    }
    references
}

/// `text` percent-encoded for a query string.
fn percent_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures come out of wrk's report in its own units.
    #[test]
    fn a_wrk_report_is_read_with_its_units() {
        let report = "Running 30s test @ http://127.0.0.1:1\n  2 threads and 64 connections\n  Latency Distribution\n     50%  635.91us\n     75%    1.04ms\n     90%    1.61ms\n     99%    2.98ms\n  2559543 requests in 30.00s, 1.2GB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 4\nRequests/sec:  85318.28\n";
        let measured = parse_wrk(report).unwrap();
        assert_eq!(measured.requests, 2_559_543);
        assert_eq!(measured.errors, 7);
        assert!((measured.requests_per_second - 85_318.28).abs() < 1e-6);
        assert!((millis(measured.p50) - 0.635_91).abs() < 1e-9);
        assert!((millis(measured.p99) - 2.98).abs() < 1e-9);
    }

    /// Only what a browser loads counts towards the page's weight.
    #[test]
    fn scripts_stylesheets_and_images_count_links_to_pages_do_not() {
        let html = r#"<html><head><link rel="stylesheet" href="/assets/pico.css"><script src="/assets/htmx.js"></script></head><body><a href="/customers">x</a><img src="https://cdn.example/x.png"></body></html>"#;
        assert_eq!(
            loaded_references(html),
            [
                "/assets/pico.css",
                "/assets/htmx.js",
                "https://cdn.example/x.png"
            ]
        );
    }
}
