//! Crash harness for the event log: kill a writer with SIGKILL at random
//! moments and prove that nothing it acknowledged is lost.
//!
//! - `eventlog-crash child <dir>`: appends forever with full durability from
//!   several concurrent tasks and prints `ack <position> <event id>` for each
//!   acknowledged event, flushing each line.
//! - `eventlog-crash soak <cycles> [<dir>]`: runs the child, kills it after a
//!   random delay, reopens the store, checks that every acknowledged event
//!   is at its position, that `verify` passes and that appends continue;
//!   repeats. Exits non-zero at the first failure.
//!
//! `cargo test` runs 20 cycles (tests/crash.rs); `cargo xtask crash-soak`
//! runs 1,000.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, Options, StreamName};
use uuid::Uuid;

/// Appending tasks in the child; several, so kills land inside group commits.
const CHILD_TASKS: usize = 8;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().collect();
    let result = match arguments.get(1).map(String::as_str) {
        Some("child") => match arguments.get(2) {
            Some(directory) => run_child(Path::new(directory)),
            None => Err("usage: eventlog-crash child <dir>".to_owned()),
        },
        Some("soak") => {
            let cycles = arguments
                .get(2)
                .and_then(|text| text.parse().ok())
                .unwrap_or(20);
            let directory = arguments.get(3).map(PathBuf::from);
            run_soak(cycles, directory)
        }
        _ => Err("usage: eventlog-crash soak <cycles> [<dir>] | child <dir>".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eventlog-crash: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_child(directory: &Path) -> Result<(), String> {
    let log = EventLog::open(directory, Options::default()).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async move {
        let tasks: Vec<_> = (0..CHILD_TASKS)
            .map(|task| {
                let log = log.clone();
                tokio::spawn(async move {
                    let stream =
                        StreamName::parse(format!("crash-t{task}")).map_err(|e| e.to_string())?;
                    let mut round = 0u64;
                    loop {
                        let expected =
                            match log.stream_version(&stream).map_err(|e| e.to_string())? {
                                Some(version) => ExpectedVersion::Exact(version),
                                None => ExpectedVersion::NoStream,
                            };
                        let count = 1 + (round % 3) as usize;
                        let events: Vec<NewEvent> = (0..count)
                            .map(|index| {
                                NewEvent::new(
                                    Uuid::now_v7(),
                                    "CrashTested",
                                    format!("task {task} round {round} event {index}").into_bytes(),
                                )
                            })
                            .collect();
                        let ids: Vec<Uuid> = events.iter().map(|event| event.event_id).collect();
                        let meta = AppendMeta::new(Actor::system("crash-test"), Uuid::now_v7());
                        let outcome = log
                            .append(&stream, expected, events, meta)
                            .await
                            .map_err(|e| e.to_string())?;
                        let mut out = std::io::stdout().lock();
                        for (offset, id) in ids.iter().enumerate() {
                            writeln!(out, "ack {} {id}", outcome.first_position + offset as u64)
                                .map_err(|e| e.to_string())?;
                        }
                        out.flush().map_err(|e| e.to_string())?;
                        round += 1;
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), String>(())
                })
            })
            .collect();
        for task in tasks {
            task.await.map_err(|error| error.to_string())??;
        }
        Ok(())
    })
}

/// A small deterministic generator for kill delays (no dependency needed).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn run_soak(cycles: u64, directory: Option<PathBuf>) -> Result<(), String> {
    let (directory, remove_after) = match directory {
        Some(directory) => (directory, false),
        None => (tempfile_dir()?, true),
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |elapsed| elapsed.as_nanos() as u64);
    println!(
        "crash soak: {cycles} cycles in {} (seed {seed})",
        directory.display()
    );
    let mut random = SplitMix(seed);
    let executable = std::env::current_exe().map_err(|error| error.to_string())?;
    let mut acknowledged = 0usize;
    let mut acknowledged_max = 0u64;
    let started = Instant::now();
    for cycle in 1..=cycles {
        let mut child = Command::new(&executable)
            .arg("child")
            .arg(&directory)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| format!("failed to start the child: {error}"))?;
        let stdout = child.stdout.take().ok_or("the child has no stdout")?;
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut parts = line.split(' ');
                if let (Some("ack"), Some(position), Some(id)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    if let (Ok(position), Ok(id)) = (position.parse::<u64>(), id.parse::<Uuid>()) {
                        acks.push((position, id));
                    }
                }
            }
            acks
        });
        // Opening the store takes a few ms; kill anywhere from during the
        // open to well into steady appending.
        let delay = Duration::from_millis(5 + random.next() % 250);
        std::thread::sleep(delay);
        child
            .kill()
            .map_err(|error| format!("failed to kill the child: {error}"))?;
        child.wait().map_err(|error| error.to_string())?;
        let acks = reader.join().map_err(|_| "the reader thread panicked")?;
        let new_acks = acks.len();

        let log = EventLog::open(&directory, Options::default())
            .map_err(|error| format!("cycle {cycle}: reopening failed: {error}"))?;
        let head = log.head();
        // Acknowledgements of earlier cycles were checked then; the log must
        // not have shrunk below them since, and `verify` below proves the
        // chain up to the head unaltered, so they are still there as they were.
        acknowledged_max = acks
            .iter()
            .map(|(position, _)| *position)
            .fold(acknowledged_max, u64::max);
        if head.position < acknowledged_max {
            return Err(format!(
                "cycle {cycle}: the head {} is below acknowledged position {acknowledged_max}",
                head.position
            ));
        }
        acknowledged += acks.len();
        for (position, id) in &acks {
            let event = log
                .read_event(*position)
                .map_err(|error| format!("cycle {cycle}: reading {position}: {error}"))?
                .ok_or_else(|| {
                    format!(
                        "cycle {cycle}: acknowledged position {position} is missing (head {})",
                        head.position
                    )
                })?;
            if event.event_id != *id {
                return Err(format!(
                    "cycle {cycle}: position {position} holds {} instead of {id}",
                    event.event_id
                ));
            }
        }
        let report = log
            .verify()
            .map_err(|error| format!("cycle {cycle}: verify failed: {error}"))?;
        // Appends continue after the crash.
        let stream = StreamName::parse("crash-parent").map_err(|e| e.to_string())?;
        let outcome = log
            .append_blocking(
                &stream,
                ExpectedVersion::Any,
                vec![NewEvent::new(
                    Uuid::now_v7(),
                    "CrashSurvived",
                    cycle.to_le_bytes().to_vec(),
                )],
                AppendMeta::new(Actor::system("crash-test"), Uuid::now_v7()),
            )
            .map_err(|error| format!("cycle {cycle}: appending after the crash failed: {error}"))?;
        if outcome.first_position != head.position + 1 {
            return Err(format!(
                "cycle {cycle}: append after reopen got {} after head {}",
                outcome.first_position, head.position
            ));
        }
        drop(log);
        if cycle % 10 == 0 || cycle == cycles {
            println!(
                "cycle {cycle}: killed after {delay:?}, {new_acks} new acks, {} acknowledged in all, {} records verified",
                acknowledged, report.records_checked
            );
        }
    }
    if remove_after {
        let _ = std::fs::remove_dir_all(&directory);
    }
    println!(
        "crash soak passed: {cycles} cycles, {} acknowledged events, {:.1} s",
        acknowledged,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir().join(format!("eventlog-crash-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|error| error.to_string())?;
    Ok(base)
}
