//! The `hypercrm` binary: parses arguments and calls the library.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use std::process::ExitCode;

use api::config::{FileSettings, Given, resolve};
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// mimalloc rather than glibc malloc: replaying the log allocates and frees
/// many short-lived buffers, which glibc serves by zeroing fresh pages
/// (ADR 0004).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "hypercrm",
    version,
    about = "HyperCRM: one on-premise system to sell, stock, buy, produce and deliver"
)]
struct Cli {
    /// Where HyperCRM keeps its data.
    #[arg(long, env = "HYPERCRM_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// A configuration file (TOML, docs/operations.md); the command line
    /// and environment variables win over it.
    #[arg(long, env = "HYPERCRM_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve {
        #[arg(long, env = "HYPERCRM_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Fill an empty data folder with a demo company first.
        #[arg(long)]
        demo: bool,
        /// With --demo: scale the demo company to about this many events.
        #[arg(long, requires = "demo")]
        demo_events: Option<u64>,
        /// Hours between scheduled full backups of the log; 0 turns them
        /// off.
        #[arg(long, env = "HYPERCRM_BACKUP_EVERY_HOURS", default_value_t = 24)]
        backup_every_hours: u64,
        /// Where scheduled backups go (default: `backups` in the data
        /// folder). Put it on another disk to survive a lost one.
        #[arg(long, env = "HYPERCRM_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// Scheduled backups kept; older ones are deleted.
        #[arg(long, env = "HYPERCRM_BACKUP_KEEP", default_value_t = 7)]
        backup_keep: usize,
        /// Minutes between signed receipts of the log's head written to
        /// the receipts folder (only when the log grew; one more at
        /// shutdown); 0 turns the schedule off.
        #[arg(long, env = "HYPERCRM_RECEIPT_EVERY_MINUTES", default_value_t = 60)]
        receipt_every_minutes: u64,
        /// Where receipts go (default: `receipts` in the data folder). Put
        /// it on another machine, out of the operator's reach.
        #[arg(long, env = "HYPERCRM_RECEIPT_DIR")]
        receipt_dir: Option<PathBuf>,
        /// Receipts kept; older ones are deleted.
        #[arg(long, env = "HYPERCRM_RECEIPT_KEEP", default_value_t = 168)]
        receipt_keep: usize,
        /// Mark session cookies `Secure` (HTTPS only): set it when users
        /// reach HyperCRM through a TLS proxy.
        #[arg(long, env = "HYPERCRM_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A reverse proxy whose `X-Forwarded-For` names the client, for
        /// sign-in throttling (repeat it for several); from any other
        /// peer the header is ignored.
        #[arg(long = "trusted-proxy")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Connections served at once (512 when not given); keep it well
        /// under the file descriptor limit (`LimitNOFILE`).
        #[arg(long, env = "HYPERCRM_CONNECTIONS_MAX")]
        connections_max: Option<usize>,
    },
    /// Write a backup file of the event log: offline (the server stopped),
    /// or online from a running server with --server.
    Backup {
        /// The backup file to write.
        file: PathBuf,
        /// Back up only what came after this log position (an incremental
        /// backup: give the last position of the previous backup).
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// A running server to take the backup from (e.g.
        /// http://127.0.0.1:8080), without stopping it.
        #[arg(long)]
        server: Option<String>,
        /// With --server: an API token with `admin.administer` (issue one
        /// on the Account page).
        #[arg(long, env = "HYPERCRM_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Restore a full backup, then its increments in order, into a new
    /// data folder, and verify it.
    Restore {
        /// The full backup.
        file: PathBuf,
        /// The new data folder (its event log must not exist yet).
        target: PathBuf,
        /// Incremental backups to apply after the full one, in order.
        #[arg(long = "increment")]
        increments: Vec<PathBuf>,
    },
    /// Check the whole event log's hash chain and indexes; with --receipt,
    /// also that the log still holds exactly what a signed receipt saw
    /// (a rewrite with every later hash recomputed passes the chain
    /// alone).
    Verify {
        /// A receipt file (from the audit page, the receipts folder or
        /// `hypercrm receipt`).
        #[arg(long)]
        receipt: Option<PathBuf>,
    },
    /// Sign a receipt of the event log's head with this installation's
    /// key and write it to a file (standard output when none is given).
    Receipt {
        /// Where to write the receipt.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Set a new password for a user and enable them, with the server
    /// stopped: the way back in when the last administrator's password is
    /// lost. The password comes from HYPERCRM_NEW_PASSWORD, else from the
    /// first line of standard input.
    ResetPassword {
        /// The user's login (e.g. admin).
        login: String,
    },
    /// Rebuild read models from the whole event log (all, or those named).
    /// Run it while the server is stopped.
    Rebuild {
        /// Read models to rebuild: customers, timelines, pipeline_board,
        /// sales_funnel, manager_activity, tasks, calendar, stock, sales,
        /// director_kpis, orders, catalog.
        models: Vec<String>,
    },
    /// Import products, customers, opening stock and historical orders from
    /// CSV files, as a mapping file describes (docs/import.md). Run it
    /// while the server is stopped; exits non-zero if any row was refused.
    Import {
        /// The mapping file (TOML); the CSV paths in it are relative to it.
        #[arg(long)]
        mapping: PathBuf,
        /// Read and check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `hypercrm verify`: the chain, then the receipt if one is given; a
/// receipt the log no longer matches is an error naming where.
fn verify(data_dir: &Path, receipt: Option<&Path>) -> anyhow::Result<()> {
    let report = api::verify(data_dir)?;
    println!(
        "ok: {} events in {} streams verified; head hash {}",
        report.records_checked,
        report.streams_checked,
        eventlog::hash_hex(&report.head.hash)
    );
    let Some(path) = receipt else {
        return Ok(());
    };
    let outcome = api::check_receipt(data_dir, path)?;
    match outcome.signed_by_this_installation {
        Some(false) => eprintln!(
            "note: the receipt was signed by key {}, not by this installation's",
            outcome.public_key
        ),
        None => eprintln!("note: this data folder has no signing key to compare with"),
        Some(true) => {}
    }
    use app::receipts::ReceiptCheck;
    match outcome.check {
        ReceiptCheck::Matches => {
            println!(
                "ok: the log holds exactly what the receipt of {} saw at position {}",
                outcome.signed_at.to_rfc3339(),
                outcome.position
            );
            Ok(())
        }
        ReceiptCheck::Shorter { head } => anyhow::bail!(
            "the log ends at position {head}, before the receipt's position {}: records were removed",
            outcome.position
        ),
        ReceiptCheck::Differs { after, at } if after + 1 == at => anyhow::bail!(
            "the log differs from the receipt at position {at}: that record was rewritten since {}",
            outcome.signed_at.to_rfc3339()
        ),
        ReceiptCheck::Differs { after, at } => anyhow::bail!(
            "the log differs from the receipt: the first rewritten record lies after position {after} and at or before {at}"
        ),
    }
}

/// The configuration file's settings and where the command line's
/// `serve` settings came from.
struct Configured {
    settings: FileSettings,
    serve: Option<clap::ArgMatches>,
}

impl Configured {
    fn given(&self, id: &str) -> Given {
        match self
            .serve
            .as_ref()
            .and_then(|matches| matches.value_source(id))
        {
            Some(ValueSource::CommandLine | ValueSource::EnvVariable) => Given::Explicitly,
            _ => Given::ByDefault,
        }
    }
}

/// Parses the command line, reads the configuration file if one is named,
/// and lets the file fill what the command line left at its default.
fn parse_with_config() -> anyhow::Result<(Cli, Configured)> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).map_err(|error| error.exit())?;
    let settings = match &cli.config {
        Some(path) => FileSettings::load(path)?,
        None => FileSettings::default(),
    };
    let data_dir_given = match matches.value_source("data_dir") {
        Some(ValueSource::CommandLine | ValueSource::EnvVariable) => Given::Explicitly,
        _ => Given::ByDefault,
    };
    cli.data_dir = resolve(cli.data_dir, data_dir_given, settings.data_dir.clone());
    let serve = matches.subcommand_matches("serve").cloned();
    Ok((cli, Configured { settings, serve }))
}

/// Writes a backup, offline or from a running server, and says what it
/// holds.
fn backup(
    data_dir: &std::path::Path,
    file: &std::path::Path,
    since: u64,
    server: Option<&str>,
    token: Option<&str>,
) -> anyhow::Result<()> {
    let summary = match server {
        Some(server) => {
            let token = anyhow::Context::context(
                token,
                "an online backup needs an API token with admin.administer: --token or HYPERCRM_TOKEN",
            )?;
            tokio::runtime::Runtime::new()?
                .block_on(app::backup::backup_online(server, token, since, file))?
        }
        None => app::backup::backup_offline(data_dir, since, file)?,
    };
    let header = summary.header;
    println!(
        "backup of positions {}..={} ({} events{}) written to {}: {} bytes; head hash {}; file SHA-256 {}",
        header.first_position,
        header.last_position,
        header.records(),
        if header.is_full() {
            ""
        } else {
            ", incremental"
        },
        file.display(),
        summary.bytes,
        eventlog::hash_hex(&header.head_hash),
        eventlog::hash_hex(&summary.digest)
    );
    Ok(())
}

/// Rebuilds with a progress bar per read model.
fn rebuild(data_dir: &std::path::Path, models: &[String]) -> anyhow::Result<()> {
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>16} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)",
    )?
    .progress_chars("=> ");
    let mut bar: Option<(String, indicatif::ProgressBar)> = None;
    let reports = api::rebuild(data_dir, models, |name, position, head| {
        if bar.as_ref().is_none_or(|(current, _)| current != name) {
            if let Some((_, done)) = bar.take() {
                done.finish();
            }
            let next = indicatif::ProgressBar::new(head)
                .with_style(style.clone())
                .with_prefix(name.to_owned());
            bar = Some((name.to_owned(), next));
        }
        if let Some((_, current)) = &bar {
            current.set_position(position);
        }
    })?;
    if let Some((_, done)) = bar.take() {
        done.finish();
    }
    for (name, report) in reports {
        let seconds = report.elapsed.as_secs_f64().max(f64::EPSILON);
        println!(
            "{name}: {} events in {:.2} s ({:.0} events/s), {} snapshots written",
            report.checkpoint.position,
            seconds,
            report.checkpoint.position as f64 / seconds,
            report.snapshots_written
        );
    }
    Ok(())
}

/// Imports with a progress bar per file; prints the report.
fn import(
    data_dir: &std::path::Path,
    mapping: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>16} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    )?
    .progress_chars("=> ");
    let mut bar: Option<(app::import::Phase, indicatif::ProgressBar)> = None;
    let options = app::import::ImportOptions {
        dry_run,
        now: chrono::Utc::now(),
    };
    let report = app::import::import(data_dir, mapping, options, &mut |progress| {
        if bar
            .as_ref()
            .is_none_or(|(phase, _)| *phase != progress.phase)
        {
            if let Some((_, done)) = bar.take() {
                done.finish();
            }
            let next = indicatif::ProgressBar::new(progress.bytes_total)
                .with_style(style.clone())
                .with_prefix(progress.phase.name());
            bar = Some((progress.phase, next));
        }
        if let Some((_, current)) = &bar {
            current.set_position(progress.bytes_read);
        }
    })?;
    if let Some((_, done)) = bar.take() {
        done.finish();
    }
    println!("{report}");
    if report.has_rejections() {
        anyhow::bail!(
            "rows refused: {}; see the report above",
            report.rows_rejected()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let (cli, file) = match parse_with_config() {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("hypercrm: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve {
            listen,
            demo,
            demo_events,
            backup_every_hours,
            backup_dir,
            backup_keep,
            receipt_every_minutes,
            receipt_dir,
            receipt_keep,
            secure_cookies,
            trusted_proxies,
            connections_max,
        } => {
            let defaults = api::serving::ServeLimits::default();
            let limits = api::serving::ServeLimits {
                connections_max: connections_max
                    .or(file.settings.serve.connections_max)
                    .unwrap_or(defaults.connections_max),
                ..defaults
            };
            let access = api::AccessSettings {
                secure_cookies: secure_cookies
                    || file.settings.serve.secure_cookies.unwrap_or(false),
                trusted_proxies: if trusted_proxies.is_empty() {
                    file.settings
                        .serve
                        .trusted_proxies
                        .clone()
                        .unwrap_or_default()
                } else {
                    trusted_proxies
                },
                ..api::AccessSettings::default()
            };
            let listen = resolve(listen, file.given("listen"), file.settings.serve.listen);
            let backup_every_hours = resolve(
                backup_every_hours,
                file.given("backup_every_hours"),
                file.settings.serve.backup_every_hours,
            );
            let backup_keep = resolve(
                backup_keep,
                file.given("backup_keep"),
                file.settings.serve.backup_keep,
            );
            let backup_dir = backup_dir.or(file.settings.serve.backup_dir.clone());
            let backups = app::backup::BackupSchedule {
                directory: backup_dir.unwrap_or_else(|| cli.data_dir.join("backups")),
                every: (backup_every_hours > 0)
                    .then(|| std::time::Duration::from_secs(backup_every_hours * 3_600)),
                keep: backup_keep,
            };
            let receipt_every_minutes = resolve(
                receipt_every_minutes,
                file.given("receipt_every_minutes"),
                file.settings.serve.receipt_every_minutes,
            );
            let receipts = app::receipts::folder::ReceiptSchedule {
                directory: receipt_dir
                    .or(file.settings.serve.receipt_dir.clone())
                    .unwrap_or_else(|| cli.data_dir.join("receipts")),
                every: (receipt_every_minutes > 0)
                    .then(|| std::time::Duration::from_secs(receipt_every_minutes * 60)),
                keep: resolve(
                    receipt_keep,
                    file.given("receipt_keep"),
                    file.settings.serve.receipt_keep,
                ),
            };
            let seeded = match (demo, demo_events) {
                (false, _) => Ok(0),
                (true, None) => api::seed_demo(&cli.data_dir, api::Demo::Standard),
                (true, Some(events)) => api::seed_demo(&cli.data_dir, api::Demo::Events(events)),
            };
            seeded.and_then(|_| {
                tokio::runtime::Runtime::new()
                    .map_err(anyhow::Error::from)
                    .and_then(|runtime| {
                        runtime.block_on(api::serve(
                            &cli.data_dir,
                            listen,
                            backups,
                            receipts,
                            access,
                            limits,
                        ))
                    })
            })
        }
        Command::ResetPassword { login } => read_new_password().and_then(|password| {
            tokio::runtime::Runtime::new()?.block_on(api::auth::reset_password_offline(
                &cli.data_dir,
                &login,
                &password,
            ))?;
            println!("ok: {login} has a new password and is enabled; their sessions are over");
            Ok(())
        }),
        Command::Verify { receipt } => verify(&cli.data_dir, receipt.as_deref()),
        Command::Receipt { out } => api::receipt(&cli.data_dir).and_then(|receipt| {
            let json = receipt.to_json();
            match out {
                Some(path) => {
                    std::fs::write(&path, json + "\n")
                        .with_context(|| format!("failed to write {}", path.display()))?;
                    eprintln!(
                        "ok: receipt of position {} written to {}",
                        receipt.position,
                        path.display()
                    );
                }
                None => println!("{json}"),
            }
            Ok(())
        }),
        Command::Rebuild { models } => rebuild(&cli.data_dir, &models),
        Command::Backup {
            file,
            since,
            server,
            token,
        } => backup(
            &cli.data_dir,
            &file,
            since,
            server.as_deref(),
            token.as_deref(),
        ),
        Command::Restore {
            file,
            target,
            increments,
        } => {
            let files: Vec<PathBuf> = std::iter::once(file).chain(increments).collect();
            app::backup::restore(&files, &target).map(|report| {
                println!(
                    "restored and verified {}: {} events in {} streams; head hash {}",
                    target.display(),
                    report.position,
                    report.streams,
                    eventlog::hash_hex(&report.hash)
                );
            })
        }
        Command::Import { mapping, dry_run } => import(&cli.data_dir, &mapping, dry_run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hypercrm: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The new password of `reset-password`: the environment, else the first
/// line of standard input (so it never shows in the process list).
fn read_new_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("HYPERCRM_NEW_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
