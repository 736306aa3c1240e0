//! The vault as the domain's [`SubjectKeys`] (the command handler seals
//! with it) and as the log's [`PayloadOpener`] (every reader gets personal
//! fields opened, or blank once their subject was erased).

use std::path::Path;
use std::sync::Arc;

use domain::CrmEvent;
use domain::personal::{KeyError, SEALED, Sealed, SubjectKeys};
use eventlog::{Options, PayloadOpener, RecordedEvent, UpcasterRegistry};
use uuid::Uuid;

use crate::{SubjectState, Vault, VaultError};

/// The subjects' keys, in the data folder beside the log.
pub const SUBJECT_KEYS_FILE: &str = "subject.keys";

/// The data folder's keys.
#[derive(Clone)]
pub struct Keys {
    vault: Arc<Vault>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("vault", &self.vault).finish()
    }
}

impl Keys {
    /// The keys of `data_dir`, made empty there if there are none.
    pub fn open_in(data_dir: &Path) -> Result<Self, VaultError> {
        Self::open(&data_dir.join(SUBJECT_KEYS_FILE))
    }

    /// The keys in the file at `path`.
    pub fn open(path: &Path) -> Result<Self, VaultError> {
        let (vault, report) = Vault::open(path)?;
        if let Some((bytes, aside)) = &report.torn_tail {
            tracing::warn!(
                bytes,
                moved_to = %aside.display(),
                "the subjects' keys file ended in a key cut by a crash; it was never used and was moved aside"
            );
        }
        Ok(Self {
            vault: Arc::new(vault),
        })
    }

    pub fn state(&self, subject: Uuid) -> SubjectState {
        self.vault.state(subject)
    }

    /// During a bulk load: new keys are not synced one by one; call
    /// [`Self::sync`] before syncing the log.
    pub fn sync_each_key(&self, on: bool) {
        self.vault.sync_each_key(on);
    }

    pub fn sync(&self) -> Result<(), VaultError> {
        self.vault.sync()
    }

    /// The keys file, to travel in the log's backups.
    pub fn attachment(&self) -> std::io::Result<eventlog::backup::Attachment> {
        let bytes = self.vault.file_bytes().map_err(std::io::Error::other)?;
        Ok(eventlog::backup::Attachment {
            name: SUBJECT_KEYS_FILE.to_owned(),
            bytes,
        })
    }

    /// The log's read options with this vault opening sealed payloads.
    pub fn log_options(&self, base: Options) -> Options {
        Options {
            upcasters: Some(Arc::new(
                UpcasterRegistry::new().opening_with(Arc::new(self.clone())),
            )),
            ..base
        }
    }
}

impl SubjectKeys for Keys {
    fn seal(&self, subject: Uuid, plaintext: &[u8]) -> Result<Sealed, KeyError> {
        match self.vault.seal(subject, plaintext) {
            Ok(sealed) => Ok(Sealed {
                nonce: sealed.nonce,
                ciphertext: sealed.ciphertext,
            }),
            Err(VaultError::Erased(subject)) => Err(KeyError::Erased(subject)),
            Err(error) => Err(KeyError::Failed(error.to_string())),
        }
    }

    /// Destroys `subject`'s key: what was sealed for it can never be read
    /// again. Answers whether a key was destroyed now.
    fn erase(&self, subject: Uuid) -> Result<bool, KeyError> {
        self.vault
            .erase(subject)
            .map_err(|error| KeyError::Failed(error.to_string()))
    }

    fn open(&self, subject: Uuid, sealed: &Sealed) -> Result<Option<Vec<u8>>, KeyError> {
        let sealed = crate::Sealed {
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext.clone(),
        };
        self.vault
            .open_sealed(subject, &sealed)
            .map_err(|error| KeyError::Failed(error.to_string()))
    }
}

impl PayloadOpener for Keys {
    fn open(&self, event: &mut RecordedEvent) -> Result<(), String> {
        if event.schema_version & SEALED == 0 {
            return self.mask_if_erased(event);
        }
        let opened = CrmEvent::open(
            event.stream.category(),
            &event.event_type,
            event.schema_version,
            &event.payload,
            self,
        )
        .map_err(|error| error.to_string())?
        .ok_or_else(|| {
            format!(
                "a sealed event of an unknown category {}",
                event.stream.category()
            )
        })?;
        event.payload = opened.0.encode();
        event.schema_version = opened.0.schema_version();
        Ok(())
    }
}

impl Keys {
    /// An event recorded plain (before sealing existed) about a subject
    /// since erased reads with its personal fields blank, as a sealed one
    /// would: its bytes stay in the log (ADR 0018), no reader shows them.
    fn mask_if_erased(&self, event: &mut RecordedEvent) -> Result<(), String> {
        let category = event.stream.category();
        if !CrmEvent::personal_category(category) {
            return Ok(());
        }
        let Ok(subject) = Uuid::parse_str(event.stream.id()) else {
            return Ok(());
        };
        if self.vault.state(subject) != SubjectState::Erased {
            return Ok(());
        }
        let Some(mut plain) = CrmEvent::decode(
            category,
            &event.event_type,
            event.schema_version,
            &event.payload,
        )
        .map_err(|error| error.to_string())?
        else {
            return Ok(());
        };
        plain.blank_personal();
        event.payload = plain.encode();
        Ok(())
    }
}
