//! Personal data sealed per data subject (ADR 0018): the data folder's
//! vault ([`Keys`]) seals what the command handler appends and opens what
//! every reader of the log reads.
//!
//! Open the log of a data folder with [`open_log`], so that readers and
//! writers share one vault.

use std::path::Path;

use anyhow::Context as _;
use eventlog::{EventLog, Options};

pub use vault::keys::{Keys, SUBJECT_KEYS_FILE};

/// The log of `data_dir` with its keys: sealed payloads open on every
/// read, and the keys are there for the command handler to seal with.
pub fn open_log(data_dir: &Path, options: Options) -> anyhow::Result<(EventLog, Keys)> {
    let keys = Keys::open_in(data_dir).with_context(|| {
        format!(
            "failed to open the subjects' keys in {}",
            data_dir.display()
        )
    })?;
    let log = EventLog::open(data_dir.join("eventlog"), keys.log_options(options))
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    Ok((log, keys))
}
