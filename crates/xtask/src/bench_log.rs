//! `cargo xtask bench-log`: the event log beside SQLite, in one run.
//!
//! Rows: the disk's own fdatasync rate; durable appends (1 event of ~200
//! bytes per append, fsync before every acknowledgement) with 1, 16 and 256
//! concurrent writers, as throughput and p50/p99 latency; a bulk import in
//! relaxed mode; a replay (read all + decode); disk bytes per event.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use eventlog::{
    Actor, AppendMeta, Durability, EventLog, ExpectedVersion, NewEvent, Options, ReadFilter,
    StreamName,
};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::sqlite_log::{self, SqliteAppend, SqliteLog};

pub struct Settings {
    pub bulk_events: u64,
    pub seconds: u64,
    pub directory: Option<PathBuf>,
    pub writers: Vec<usize>,
    pub keep: bool,
}

/// A payload of about 200 bytes, shaped like a real event body.
fn payload(index: u64) -> Vec<u8> {
    format!(
        "{{\"customer_id\":\"{}\",\"name\":\"Customer number {index:>10}\",\"email\":\"c{index}@example.com\",\"phone\":\"+1 555 {:07}\",\"tags\":[\"wholesale\",\"north\"],\"owner\":\"manager-7\"}}",
        Uuid::from_u128(u128::from(index)),
        index % 10_000_000
    )
    .into_bytes()
}

struct LatencyRun {
    events: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl LatencyRun {
    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, fraction: f64) -> Duration {
        self.latencies.sort_unstable();
        let index = ((self.latencies.len() as f64 - 1.0) * fraction).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let base = match &settings.directory {
        Some(directory) => {
            std::fs::create_dir_all(directory)?;
            tempfile::tempdir_in(directory)?
        }
        None => tempfile::tempdir_in(".").context("failed to make a scratch directory here")?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "# bench-log ({} s per durable row, {} bulk events)",
        settings.seconds, settings.bulk_events
    );
    println!();

    let (fsync_rate, fsync_p50) = measure_fdatasync(&base.path().join("fsync-probe"), false)?;
    println!("fdatasync: {fsync_rate:.0}/s, p50 {:.3} ms", ms(fsync_p50));
    let (dsync_rate, dsync_p50) = measure_fdatasync(&base.path().join("dsync-probe"), true)?;
    println!(
        "pwritev2 with RWF_DSYNC (how the log syncs; the ratios below stay against fdatasync): {dsync_rate:.0}/s, p50 {:.3} ms",
        ms(dsync_p50)
    );
    println!();
    println!(
        "| durable appends | writers | HyperCRM events/s | p50 ms | p99 ms | SQLite group commit events/s | p50 ms | p99 ms | SQLite txn per append events/s | p50 ms | p99 ms | ratio vs best SQLite |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &writers in &settings.writers {
        let duration = Duration::from_secs(settings.seconds);
        let mut ours = runtime.block_on(durable_eventlog(
            &base.path().join(format!("log-{writers}")),
            writers,
            duration,
        ))?;
        let mut grouped = runtime.block_on(durable_sqlite(
            &base.path().join(format!("sqlite-g{writers}.db")),
            writers,
            duration,
            100_000,
        ))?;
        let mut single = runtime.block_on(durable_sqlite(
            &base.path().join(format!("sqlite-s{writers}.db")),
            writers,
            duration,
            1,
        ))?;
        let best = grouped.rate().max(single.rate());
        println!(
            "| 1 event/append | {writers} | {:.0} | {:.3} | {:.3} | {:.0} | {:.3} | {:.3} | {:.0} | {:.3} | {:.3} | {:.2}× |",
            ours.rate(),
            ms(ours.percentile(0.5)),
            ms(ours.percentile(0.99)),
            grouped.rate(),
            ms(grouped.percentile(0.5)),
            ms(grouped.percentile(0.99)),
            single.rate(),
            ms(single.percentile(0.5)),
            ms(single.percentile(0.99)),
            ours.rate() / best,
        );
        if writers == 1 {
            println!(
                "|  | single-writer p50 / one fdatasync | {:.2}× |  |  | {:.2}× |  |  | {:.2}× |  |  |  |",
                ours.percentile(0.5).as_secs_f64() / fsync_p50.as_secs_f64(),
                grouped.percentile(0.5).as_secs_f64() / fsync_p50.as_secs_f64(),
                single.percentile(0.5).as_secs_f64() / fsync_p50.as_secs_f64()
            );
        }
    }
    println!();

    if settings.bulk_events > 0 {
        let log_directory = base.path().join("bulk-log");
        let sqlite_path = base.path().join("bulk-sqlite.db");
        let (ours_import, ours_bytes) =
            runtime.block_on(bulk_eventlog(&log_directory, settings.bulk_events))?;
        let (sqlite_import, sqlite_bytes) = bulk_sqlite(&sqlite_path, settings.bulk_events)?;
        let ours_replay = replay_eventlog(&log_directory, settings.bulk_events)?;
        let sqlite_replay = replay_sqlite(&sqlite_path, settings.bulk_events)?;
        let ours_live = live_bytes(&log_directory)?;
        let events = settings.bulk_events as f64;
        println!(
            "| {} events | HyperCRM | SQLite | ratio |",
            settings.bulk_events
        );
        println!("|---|---|---|---|");
        println!(
            "| bulk import (relaxed), events/s | {:.0} | {:.0} | {:.2}× |",
            events / ours_import.as_secs_f64(),
            events / sqlite_import.as_secs_f64(),
            sqlite_import.as_secs_f64() / ours_import.as_secs_f64()
        );
        println!(
            "| replay (read all + decode), events/s | {:.0} | {:.0} | {:.2}× |",
            events / ours_replay.as_secs_f64(),
            events / sqlite_replay.as_secs_f64(),
            sqlite_replay.as_secs_f64() / ours_replay.as_secs_f64()
        );
        println!(
            "| disk bytes per event | {:.0} | {:.0} | {:.2}× (lower is better) |",
            ours_bytes as f64 / events,
            sqlite_bytes as f64 / events,
            ours_bytes as f64 / sqlite_bytes as f64
        );
        println!(
            "| live bytes per event (segment files + sled keys and values) | {:.0} | | |",
            ours_live as f64 / events
        );
    }
    if settings.keep {
        let _ = base.keep();
    }
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// Overwrites 4 KiB blocks of a preallocated file, fdatasync after each:
/// the best a durable acknowledgement can do on this disk. With `dsync`,
/// each block is written and synced in one `pwritev2` with `RWF_DSYNC`
/// instead, as the event log does (ADR 0013).
fn measure_fdatasync(path: &Path, dsync: bool) -> anyhow::Result<(f64, Duration)> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(path)?;
    let block = vec![0x5au8; 4096];
    for index in 0..256u64 {
        file.write_all_at(&block, index * 4096)?;
    }
    file.sync_all()?;
    let iterations = 2_000u64;
    let mut latencies = Vec::with_capacity(iterations as usize);
    let start = Instant::now();
    for index in 0..iterations {
        let begun = Instant::now();
        let offset = (index % 256) * 4096;
        if dsync {
            let written = rustix::io::pwritev2(
                &file,
                &[std::io::IoSlice::new(&block)],
                offset,
                rustix::io::ReadWriteFlags::DSYNC,
            )?;
            anyhow::ensure!(written == block.len(), "a short write of {written} bytes");
        } else {
            file.write_all_at(&block, offset)?;
            file.sync_data()?;
        }
        latencies.push(begun.elapsed());
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Ok((
        iterations as f64 / elapsed.as_secs_f64(),
        latencies[latencies.len() / 2],
    ))
}

fn meta() -> AppendMeta {
    AppendMeta::new(Actor::system("bench"), Uuid::now_v7())
}

async fn durable_eventlog(
    directory: &Path,
    writers: usize,
    duration: Duration,
) -> anyhow::Result<LatencyRun> {
    let log = EventLog::open(directory, Options::default())?;
    let deadline = Instant::now() + duration;
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let log = log.clone();
            tokio::spawn(async move {
                let stream = StreamName::parse(format!("customer-w{writer}")).expect("valid");
                let mut latencies = Vec::new();
                let mut expected = ExpectedVersion::NoStream;
                let mut index = writer as u64 * 1_000_000_000;
                while Instant::now() < deadline {
                    let event = NewEvent::new(Uuid::now_v7(), "CustomerUpdated", payload(index));
                    index += 1;
                    let begun = Instant::now();
                    let outcome = log.append(&stream, expected, vec![event], meta()).await?;
                    latencies.push(begun.elapsed());
                    expected = ExpectedVersion::Exact(outcome.last_version);
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = start.elapsed();
    Ok(LatencyRun {
        events: latencies.len() as u64,
        elapsed,
        latencies,
    })
}

async fn durable_sqlite(
    path: &Path,
    writers: usize,
    duration: Duration,
    group: usize,
) -> anyhow::Result<LatencyRun> {
    let log = SqliteLog::open(path, true, group)?;
    let deadline = Instant::now() + duration;
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let sender = log.sender();
            tokio::spawn(async move {
                let stream = format!("customer-w{writer}");
                let mut latencies = Vec::new();
                let mut expected = None;
                let mut index = writer as u64 * 1_000_000_000;
                while Instant::now() < deadline {
                    let (reply, answer) = oneshot::channel();
                    let events =
                        vec![(Uuid::now_v7(), "CustomerUpdated".to_owned(), payload(index))];
                    index += 1;
                    let begun = Instant::now();
                    sender
                        .send(SqliteAppend {
                            stream: stream.clone(),
                            expected_version: expected,
                            events,
                            reply,
                        })
                        .await
                        .map_err(|_| anyhow::anyhow!("sqlite writer gone"))?;
                    answer.await??;
                    latencies.push(begun.elapsed());
                    expected = Some(expected.map_or(0, |version| version + 1));
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = start.elapsed();
    log.close()?;
    Ok(LatencyRun {
        events: latencies.len() as u64,
        elapsed,
        latencies,
    })
}

/// Events per imported aggregate (one append each).
const IMPORT_EVENTS_PER_STREAM: u64 = 10;
const IMPORT_TASKS: u64 = 32;

async fn bulk_eventlog(directory: &Path, events: u64) -> anyhow::Result<(Duration, u64)> {
    let log = EventLog::open(
        directory,
        Options {
            durability: Durability::BulkImportRelaxed,
            ..Options::default()
        },
    )?;
    let streams = events / IMPORT_EVENTS_PER_STREAM;
    let start = Instant::now();
    let tasks: Vec<_> = (0..IMPORT_TASKS)
        .map(|task| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut stream_index = task;
                while stream_index < streams {
                    let stream = StreamName::parse(format!("customer-{stream_index}"))?;
                    let batch = (0..IMPORT_EVENTS_PER_STREAM)
                        .map(|offset| {
                            NewEvent::new(
                                Uuid::now_v7(),
                                "CustomerImported",
                                payload(stream_index * IMPORT_EVENTS_PER_STREAM + offset),
                            )
                        })
                        .collect();
                    log.append(&stream, ExpectedVersion::NoStream, batch, meta())
                        .await?;
                    stream_index += IMPORT_TASKS;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    log.sync().await?;
    let elapsed = start.elapsed();
    let bytes = log.disk_bytes()?;
    Ok((elapsed, bytes))
}

fn bulk_sqlite(path: &Path, events: u64) -> anyhow::Result<(Duration, u64)> {
    let log = SqliteLog::open(path, false, 1_000)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let streams = events / IMPORT_EVENTS_PER_STREAM;
    let start = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..IMPORT_TASKS)
            .map(|task| {
                let sender = log.sender();
                tokio::spawn(async move {
                    let mut stream_index = task;
                    while stream_index < streams {
                        let batch = (0..IMPORT_EVENTS_PER_STREAM)
                            .map(|offset| {
                                (
                                    Uuid::now_v7(),
                                    "CustomerImported".to_owned(),
                                    payload(stream_index * IMPORT_EVENTS_PER_STREAM + offset),
                                )
                            })
                            .collect();
                        let (reply, answer) = oneshot::channel();
                        sender
                            .send(SqliteAppend {
                                stream: format!("customer-{stream_index}"),
                                expected_version: None,
                                events: batch,
                                reply,
                            })
                            .await
                            .map_err(|_| anyhow::anyhow!("sqlite writer gone"))?;
                        answer.await??;
                        stream_index += IMPORT_TASKS;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;
    log.close()?;
    let connection = sqlite_log::open_connection(path, false)?;
    connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let elapsed = start.elapsed();
    drop(connection);
    let mut bytes = std::fs::metadata(path)?.len();
    for suffix in ["-wal", "-shm"] {
        if let Ok(metadata) = std::fs::metadata(format!("{}{suffix}", path.display())) {
            bytes += metadata.len();
        }
    }
    Ok((elapsed, bytes))
}

/// What a store holds live: its segment files (the records, written once)
/// and every sled key and value, without the old node versions sled keeps
/// on disk until it cleans its own segments.
fn live_bytes(directory: &Path) -> anyhow::Result<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir(directory.join("segments"))? {
        let entry = entry?;
        if entry
            .path()
            .extension()
            .is_some_and(|extension| extension == "seg")
        {
            total += entry.metadata()?.len();
        }
    }
    let db = eventlog::sled_store::open_sled(eventlog::sled_store::sled_config(directory))?;
    for entry in db.iter() {
        let (key, value) = entry?;
        total += (key.len() + value.len()) as u64;
    }
    Ok(total)
}

fn replay_eventlog(directory: &Path, events: u64) -> anyhow::Result<Duration> {
    let (count, elapsed) = replay_existing(directory)?;
    anyhow::ensure!(
        count == events - events % IMPORT_EVENTS_PER_STREAM,
        "replayed {count} of {events}"
    );
    Ok(elapsed)
}

/// Reads the whole log in pages and touches every event; returns the count
/// and the time taken.
pub fn replay_existing(directory: &Path) -> anyhow::Result<(u64, Duration)> {
    // Opening a missing folder would make an empty store and "replay" it.
    anyhow::ensure!(
        directory.join("db").is_file(),
        "{} holds no event log",
        directory.display()
    );
    let log = EventLog::open(directory, Options::default())?;
    let start = Instant::now();
    let mut position = 1;
    let mut count = 0u64;
    let mut checksum = 0u64;
    loop {
        let page = log.read_all(position, 10_000, &ReadFilter::all())?;
        for event in &page.events {
            checksum = checksum.wrapping_add(event.position ^ event.payload.len() as u64);
        }
        count += page.events.len() as u64;
        position = page.next_position;
        if page.reached_head {
            break;
        }
    }
    let elapsed = start.elapsed();
    std::hint::black_box(checksum);
    Ok((count, elapsed))
}

fn replay_sqlite(path: &Path, events: u64) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let count = sqlite_log::replay(path)?;
    let elapsed = start.elapsed();
    anyhow::ensure!(
        count == events - events % IMPORT_EVENTS_PER_STREAM,
        "replayed {count} of {events}"
    );
    Ok(elapsed)
}
