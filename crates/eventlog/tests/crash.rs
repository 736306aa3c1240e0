//! Crash safety: a child process appends with full durability and reports
//! every acknowledged position; it is killed with SIGKILL at random
//! moments, and after each kill the store must hold every acknowledged
//! event, verify, and take new appends. The long soak (1,000 cycles) is
//! `cargo xtask crash-soak`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;

/// Protects the durability promise: an acknowledged append survives a crash.
#[test]
fn twenty_random_kills_lose_no_acknowledged_event() {
    let directory = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_eventlog-crash"))
        .arg("soak")
        .arg("20")
        .arg(directory.path())
        .output()
        .expect("the crash harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "crash soak failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("crash soak passed: 20 cycles"), "{stdout}");
    let acknowledged: u64 = stdout
        .lines()
        .last()
        .and_then(|line| line.split(", ").nth(1))
        .and_then(|part| part.split(' ').next())
        .and_then(|count| count.parse().ok())
        .expect("a summary line");
    assert!(
        acknowledged > 0,
        "the children acknowledged nothing:\n{stdout}"
    );
}
