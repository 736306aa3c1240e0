//! The `hypercrm` binary's commands, run as a user would.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;

use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, Options, StreamName};
use uuid::Uuid;

fn hypercrm(data_dir: &std::path::Path, arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hypercrm"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(arguments)
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

fn store_with_events(data_dir: &std::path::Path, count: usize) {
    let log = EventLog::open(data_dir.join("eventlog"), Options::default()).unwrap();
    let stream = StreamName::parse("customer-1").unwrap();
    let events = (0..count)
        .map(|index| {
            NewEvent::new(
                Uuid::now_v7(),
                "CustomerNoted",
                format!("note {index}").into_bytes(),
            )
        })
        .collect();
    let meta = AppendMeta::new(Actor::system("test"), Uuid::now_v7());
    log.append_blocking(&stream, ExpectedVersion::NoStream, events, meta)
        .unwrap();
}

/// An auditor's check of an intact store says so and names the head.
#[test]
fn verify_reports_an_intact_log() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 3);
    let output = hypercrm(data.path(), &["verify"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ok: 3 events in 1 streams verified"),
        "{stdout}"
    );
}

/// A tampered store fails the check, with the position of the altered
/// record, and a non-zero exit code scripts can act on.
#[test]
fn verify_names_the_position_of_a_tampered_record() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 3);
    {
        let directory = data.path().join("eventlog");
        let mut chunk = eventlog::sled_store::read_stored_chunk(&directory, 1)
            .unwrap()
            .unwrap()
            .bytes
            .to_vec();
        // The last record's payload sits just before its 32-byte hash and
        // the chunk's 4-byte checksum.
        let offset = chunk.len() - 4 - 32 - 2;
        chunk[offset] ^= 0x20;
        eventlog::sled_store::overwrite_stored_chunk(&directory, 1, &chunk).unwrap();
    }
    let output = hypercrm(data.path(), &["verify"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("corrupt at position 3"), "{stderr}");
}

/// Rewrites the record at `target` (one byte of its payload) and
/// recomputes its hash and every later one, and each chunk's checksum, as
/// someone with the disk and the code could: the chain stays intact.
fn rewrite_and_rechain(directory: &std::path::Path, target: u64) {
    let mut previous = [0u8; 32];
    let mut first = 1u64;
    while let Some(stored) = eventlog::sled_store::read_stored_chunk(directory, first).unwrap() {
        // Past the last chunk the store answers the one before: done.
        if stored.first_position != first {
            break;
        }
        let mut bytes = stored.bytes.to_vec();
        let view = eventlog::codec::ChunkView::parse(&bytes, first, true).unwrap();
        let base = bytes.as_ptr() as usize;
        let ranges: Vec<std::ops::Range<usize>> = (0..view.count())
            .map(|index| {
                let record = view.record(index).unwrap();
                let start = record.as_ptr() as usize - base;
                start..start + record.len()
            })
            .collect();
        let last = view.last_position();
        let mut changed = false;
        for (index, range) in ranges.into_iter().enumerate() {
            let position = first + index as u64;
            let hash_at = range.end - 32;
            if position == target {
                // The payload (`note N`) ends just before the hash.
                bytes[hash_at - 2] ^= 0x20;
            }
            if position >= target {
                let hash = eventlog::codec::chain_hash(&previous, &bytes[range.start..hash_at]);
                bytes[hash_at..range.end].copy_from_slice(&hash);
                changed = true;
            }
            previous.copy_from_slice(&bytes[hash_at..range.end]);
        }
        if changed {
            let body = bytes.len() - 4;
            let crc = crc32c::crc32c(&bytes[..body]);
            bytes[body..].copy_from_slice(&crc.to_le_bytes());
            eventlog::sled_store::overwrite_stored_chunk(directory, first, &bytes).unwrap();
        }
        first = last + 1;
    }
}

/// The auditor's promise that the chain alone cannot keep: a record
/// rewritten with every later hash recomputed passes plain `verify`, and
/// `verify --receipt` with a receipt signed before fails at that record.
#[test]
fn a_receipt_finds_a_rewrite_that_the_chain_alone_passes() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 5);
    let receipt = data.path().join("receipt.json");
    let receipt_arg = receipt.to_str().unwrap();
    let signed = hypercrm(data.path(), &["receipt", "--out", receipt_arg]);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let intact = hypercrm(data.path(), &["verify", "--receipt", receipt_arg]);
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(intact.status.success(), "{stdout}");
    assert!(
        stdout.contains("holds exactly what the receipt"),
        "{stdout}"
    );

    rewrite_and_rechain(&data.path().join("eventlog"), 3);
    let plain = hypercrm(data.path(), &["verify"]);
    assert!(
        plain.status.success(),
        "the rewritten chain is intact: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let checked = hypercrm(data.path(), &["verify", "--receipt", receipt_arg]);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(!checked.status.success());
    assert!(
        stderr.contains("differs from the receipt at position 3"),
        "{stderr}"
    );
}

/// A receipt edited after signing (here: claiming a later position) is
/// refused outright, whatever the log holds.
#[test]
fn an_edited_receipt_is_refused() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 2);
    let receipt = data.path().join("receipt.json");
    let receipt_arg = receipt.to_str().unwrap();
    assert!(
        hypercrm(data.path(), &["receipt", "--out", receipt_arg])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&receipt).unwrap();
    let edited = text.replace("\"position\": 2", "\"position\": 1");
    assert_ne!(edited, text);
    std::fs::write(&receipt, edited).unwrap();
    let checked = hypercrm(data.path(), &["verify", "--receipt", receipt_arg]);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(!checked.status.success());
    assert!(stderr.contains("signature does not verify"), "{stderr}");
}

/// An operator rebuilds the read models from the log: each one reports the
/// events it folded and leaves a snapshot; an unknown name is an error.
#[test]
fn rebuild_folds_the_whole_log_and_names_unknown_models() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 5);
    let output = hypercrm(data.path(), &["rebuild", "customers", "tasks"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("customers: 5 events"), "{stdout}");
    assert!(stdout.contains("tasks: 5 events"), "{stdout}");
    let snapshots = std::fs::read_dir(data.path().join("projections"))
        .unwrap()
        .count();
    assert_eq!(snapshots, 2);

    let output = hypercrm(data.path(), &["rebuild", "nonsense"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no read model called"));
}

/// The demo company lands in an empty data folder once: a second seeding
/// leaves the data alone, and the result verifies and rebuilds.
#[test]
fn the_demo_company_seeds_an_empty_folder_only() {
    let data = tempfile::tempdir().unwrap();
    let written = api::seed_demo(data.path(), api::Demo::Events(3_000)).unwrap();
    // About 3,000 CRM events and the trade run through the processes.
    assert!((3_500..=6_000).contains(&written), "{written}");
    {
        let log =
            eventlog::EventLog::open(data.path().join("eventlog"), eventlog::Options::default())
                .unwrap();
        let trade = log
            .read_all(
                1,
                10_000,
                &eventlog::ReadFilter::event_types([
                    "OrderClosed",
                    "DocumentNumbered",
                    "StockIssued",
                ]),
            )
            .unwrap();
        for wanted in ["OrderClosed", "DocumentNumbered", "StockIssued"] {
            assert!(
                trade.events.iter().any(|event| event.event_type == wanted),
                "the demo's trade has no {wanted}"
            );
        }
    }
    assert_eq!(
        api::seed_demo(data.path(), api::Demo::Events(3_000)).unwrap(),
        0
    );
    let output = hypercrm(data.path(), &["verify"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("ok: {written} events")));
    let output = hypercrm(data.path(), &["rebuild", "customers"]);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("customers: {written} events"))
    );
}

/// An operator imports a company's orders from the command line: the
/// report is printed and the exit code is zero; a refused row is listed
/// with its line and reason and the exit code says something was refused.
#[test]
fn import_prints_its_report_and_fails_when_a_row_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    let mapping = folder.path().join("mapping.toml");
    std::fs::write(
        &mapping,
        r#"
currency = "EUR"
[orders]
file = "orders.csv"
[orders.columns]
number = "Order"
date = "Date"
customer = "Customer"
product = "Product"
quantity = "Qty"
amount = "Amount"
"#,
    )
    .unwrap();
    let orders = folder.path().join("orders.csv");
    std::fs::write(
        &orders,
        "Order,Date,Customer,Product,Qty,Amount\n\
         A-1,2019-05-01,C-1,P-1,2,10.00\n\
         A-1,2019-05-01,C-1,P-2,1,5.00\n\
         A-2,2019-05-02,C-2,P-1,1,5.00\n",
    )
    .unwrap();
    let mapping_arg = mapping.to_str().unwrap();
    let output = hypercrm(&data, &["import", "--mapping", mapping_arg]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("orders: 3 rows read; 2 orders imported (3 lines)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 products and 2 customers created from order rows"),
        "{stdout}"
    );
    let output = hypercrm(&data, &["verify"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok: 6 events"));

    std::fs::write(
        &orders,
        "Order,Date,Customer,Product,Qty,Amount\n\
         A-3,2019-05-03,C-1,P-1,two,10.00\n",
    )
    .unwrap();
    let output = hypercrm(&data, &["import", "--mapping", mapping_arg, "--dry-run"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("orders.csv line 2: column \"Qty\": \"two\" is not a number"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("rows refused: 1"));
}

/// What systemd and `kill` send (SIGTERM) stops the server gracefully:
/// it exits with success after saving its process checkpoint, instead of
/// dying mid-flight and replaying everything on the next start.
#[test]
fn serve_stops_gracefully_on_sigterm() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_hypercrm"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--listen", &address])
        .env("RUST_LOG", "error")
        .spawn()
        .unwrap();
    // A request answered means the server runs (connections made before
    // it accepts wait in the listen backlog).
    let started = Instant::now();
    let answer = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(30),
            "did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exited with {status:?}");
    assert!(data.path().join("process.checkpoint").exists());
}

/// Protects the administrator's round trip on the command line: an
/// offline backup, a restore into a new folder, and `verify` there report
/// the same head hash; restoring over an existing log is refused.
#[test]
fn backup_restore_and_verify_agree_on_the_head_hash() {
    let data = tempfile::tempdir().unwrap();
    store_with_events(data.path(), 5);
    let file = data.path().join("full.hcbak");
    let output = hypercrm(data.path(), &["backup", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("backup of positions 1..=5 (5 events)"),
        "{stdout}"
    );
    let head_hash = stdout
        .split("head hash ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let restored = data.path().join("restored");
    let output = hypercrm(
        data.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("5 events in 1 streams; head hash {head_hash}")),
        "{stdout}"
    );

    let output = hypercrm(&restored, &["verify"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        stdout.contains(&format!("head hash {head_hash}")),
        "{stdout}"
    );

    let again = hypercrm(
        data.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// Protects the configuration file: its `data_dir` (relative to the file)
/// is used when the command line gives none, the command line wins over
/// it, and a typo in it stops the command with the key's name.
#[test]
fn the_configuration_file_fills_what_the_command_line_leaves_out() {
    let folder = tempfile::tempdir().unwrap();
    store_with_events(&folder.path().join("configured"), 2);
    store_with_events(&folder.path().join("explicit"), 4);
    let config = folder.path().join("hypercrm.toml");
    std::fs::write(
        &config,
        "data_dir = \"configured\"\n[serve]\nbackup_keep = 3\n",
    )
    .unwrap();
    let run = |arguments: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hypercrm"))
            .args(arguments)
            .env("RUST_LOG", "error")
            .env_remove("HYPERCRM_DATA_DIR")
            .output()
            .unwrap()
    };
    let config_path = config.to_str().unwrap();
    let from_file = run(&["--config", config_path, "verify"]);
    let stdout = String::from_utf8_lossy(&from_file.stdout);
    assert!(
        stdout.contains("ok: 2 events"),
        "{stdout}{}",
        String::from_utf8_lossy(&from_file.stderr)
    );

    let explicit = folder.path().join("explicit");
    let overridden = run(&[
        "--config",
        config_path,
        "--data-dir",
        explicit.to_str().unwrap(),
        "verify",
    ]);
    assert!(String::from_utf8_lossy(&overridden.stdout).contains("ok: 4 events"));

    std::fs::write(&config, "[serve]\nbackup_kept = 3\n").unwrap();
    let typo = run(&["--config", config_path, "verify"]);
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("backup_kept"));
}

/// Protects the way back in: with the server stopped, `reset-password`
/// gives a user a new password (from the environment) and enables them;
/// the old password stops working, an unknown login and a weak password
/// are refused and change nothing.
#[test]
fn reset_password_gives_a_user_a_new_password() {
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let state = api::AppState::start(data.path()).await.unwrap();
        api::auth::ensure_administrator(&state, Some("the first password".to_owned()))
            .await
            .unwrap();
        state.shutdown().await.unwrap();
    });
    let run = |login: &str, password: &str| {
        Command::new(env!("CARGO_BIN_EXE_hypercrm"))
            .arg("--data-dir")
            .arg(data.path())
            .args(["reset-password", login])
            .env("HYPERCRM_NEW_PASSWORD", password)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    assert!(!run("nobody", "a good new password").status.success());
    assert!(!run("admin", "short").status.success());
    let reset = run("admin", "a good new password");
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    runtime.block_on(async {
        let state = api::AppState::start(data.path()).await.unwrap();
        state
            .read_models
            .users
            .wait_for(state.log.head().position)
            .await
            .unwrap();
        let old = api::auth::sign_in(&state, "admin", "the first password", None, None).await;
        assert!(old.is_err());
        let new = api::auth::sign_in(&state, "admin", "a good new password", None, None).await;
        assert!(new.is_ok());
        state.shutdown().await.unwrap();
    });
}
