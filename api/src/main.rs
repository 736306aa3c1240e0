//! The `hypercrm` binary: parses arguments and calls the library.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve {
        #[arg(long, env = "HYPERCRM_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Check the whole event log's hash chain and indexes.
    Verify,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { listen } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(api::serve(&cli.data_dir, listen))),
        Command::Verify => api::verify(&cli.data_dir).map(|report| {
            println!(
                "ok: {} events in {} streams verified; head hash {}",
                report.records_checked,
                report.streams_checked,
                eventlog::hash_hex(&report.head.hash)
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hypercrm: {error:#}");
            ExitCode::FAILURE
        }
    }
}
