//! The configuration file: the settings of `hypercrm` in one TOML file
//! (`--config FILE` or `HYPERCRM_CONFIG`), for a service whose unit file
//! should not carry them all.
//!
//! A setting given on the command line wins, then its environment
//! variable, then the file, then the built-in default; so an operator can
//! override one setting for one run without editing the file. Unknown
//! keys are an error naming the key (a typo must not silently fall back
//! to a default). docs/operations.md lists the keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

/// What the file may set; every key is optional.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Where HyperCRM keeps its data.
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub serve: ServeSettings,
}

/// The `[serve]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    pub listen: Option<SocketAddr>,
    pub backup_every_hours: Option<u64>,
    pub backup_dir: Option<PathBuf>,
    pub backup_keep: Option<usize>,
    /// Minutes between signed receipts of the log's head; 0: none.
    pub receipt_every_minutes: Option<u64>,
    pub receipt_dir: Option<PathBuf>,
    pub receipt_keep: Option<usize>,
    /// Mark session cookies `Secure`: on when HyperCRM is reached over
    /// HTTPS (behind a TLS proxy).
    pub secure_cookies: Option<bool>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for
    /// sign-in throttling); from any other peer the header is ignored.
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Connections served at once.
    pub connections_max: Option<usize>,
}

impl FileSettings {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// Reads the file; relative paths in it are taken from the file's
    /// folder, so the file means the same whatever the working directory.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the configuration file {}", path.display()))?;
        let mut settings = Self::parse(&text)
            .with_context(|| format!("the configuration file {} is not valid", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let anchor = |setting: &mut Option<PathBuf>| {
            if let Some(relative) = setting.as_ref().filter(|path| path.is_relative()) {
                *setting = Some(base.join(relative));
            }
        };
        anchor(&mut settings.data_dir);
        anchor(&mut settings.serve.backup_dir);
        anchor(&mut settings.serve.receipt_dir);
        Ok(settings)
    }
}

/// Where a command-line setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Given {
    /// On the command line or in its environment variable.
    Explicitly,
    /// Clap's built-in default, or not at all.
    ByDefault,
}

/// The value to use: an explicit one, else the file's, else the default.
pub fn resolve<T>(parsed: T, given: Given, from_file: Option<T>) -> T {
    match (given, from_file) {
        (Given::ByDefault, Some(value)) => value,
        _ => parsed,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every key the documentation lists is read.
    #[test]
    fn a_whole_file_is_read() {
        let settings = FileSettings::parse(
            "data_dir = \"/var/lib/hypercrm\"\n[serve]\nlisten = \"0.0.0.0:8080\"\nbackup_every_hours = 6\nbackup_dir = \"/srv/backup\"\nbackup_keep = 14\nreceipt_every_minutes = 15\nreceipt_dir = \"/mnt/audit\"\nreceipt_keep = 96\ntrusted_proxies = [\"127.0.0.1\"]\nconnections_max = 256\n",
        )
        .unwrap();
        assert_eq!(settings.data_dir, Some(PathBuf::from("/var/lib/hypercrm")));
        assert_eq!(
            settings.serve,
            ServeSettings {
                listen: Some("0.0.0.0:8080".parse().unwrap()),
                backup_every_hours: Some(6),
                backup_dir: Some(PathBuf::from("/srv/backup")),
                backup_keep: Some(14),
                receipt_every_minutes: Some(15),
                receipt_dir: Some(PathBuf::from("/mnt/audit")),
                receipt_keep: Some(96),
                secure_cookies: None,
                trusted_proxies: Some(vec!["127.0.0.1".parse().unwrap()]),
                connections_max: Some(256),
            }
        );
        assert_eq!(FileSettings::parse("").unwrap(), FileSettings::default());
    }

    /// A typo or a bad value is an error that names it, never a silent
    /// fallback to the default.
    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let typo = FileSettings::parse("[serve]\nlisten_on = \"x\"\n").unwrap_err();
        assert!(format!("{typo:#}").contains("listen_on"), "{typo:#}");
        let bad = FileSettings::parse("[serve]\nlisten = \"not an address\"\n").unwrap_err();
        assert!(format!("{bad:#}").contains("listen"), "{bad:#}");
        let negative = FileSettings::parse("[serve]\nbackup_keep = -1\n").unwrap_err();
        assert!(
            format!("{negative:#}").contains("backup_keep"),
            "{negative:#}"
        );
    }

    /// Relative paths in the file are relative to the file, not to
    /// wherever the service happens to start.
    #[test]
    fn relative_paths_are_taken_from_the_files_folder() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("hypercrm.toml");
        std::fs::write(
            &path,
            "data_dir = \"data\"\n[serve]\nbackup_dir = \"/abs\"\n",
        )
        .unwrap();
        let settings = FileSettings::load(&path).unwrap();
        assert_eq!(settings.data_dir, Some(folder.path().join("data")));
        assert_eq!(settings.serve.backup_dir, Some(PathBuf::from("/abs")));
        assert!(FileSettings::load(&folder.path().join("missing.toml")).is_err());
    }

    /// The command line and the environment win over the file, which wins
    /// over the built-in default.
    #[test]
    fn explicit_settings_win_over_the_file_which_wins_over_defaults() {
        assert_eq!(resolve(1, Given::Explicitly, Some(2)), 1);
        assert_eq!(resolve(1, Given::ByDefault, Some(2)), 2);
        assert_eq!(resolve(1, Given::ByDefault, None), 1);
    }
}
