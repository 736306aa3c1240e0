//! The vault: one secret key per data subject (a person or company whose
//! personal data HyperCRM holds), kept beside the log, so that erasing a
//! subject is destroying its key (crypto-shredding, docs/adr/0018).
//!
//! Personal fields are sealed with the subject's key before their event is
//! appended: the log and its hash chain hold only ciphertext, and stay
//! byte for byte the same when the key is later destroyed. Opening a
//! sealed field of an erased subject answers "erased", never an error.
//!
//! - [`cipher`]: XChaCha20-Poly1305 with a random 24-byte nonce per
//!   field, the subject's id as associated data (a ciphertext cannot be
//!   passed off as another subject's).
//! - [`store`]: the keys file, fixed slots rewritten in place on erasure
//!   (its format is in `store.rs` and docs/security.md).
//! - [`keys`]: the vault as the domain's `SubjectKeys` and the log's
//!   `PayloadOpener`.

#![forbid(unsafe_code)]

pub mod cipher;
pub mod keys;
pub mod store;

pub use cipher::Sealed;
pub use store::{OpenReport, SubjectState, Vault};

/// What went wrong with the vault.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the keys file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A slot whose checksum does not match: reported, never skipped.
    #[error("the keys file {path} is corrupt at byte {offset}: {reason}")]
    Corrupt {
        path: String,
        offset: u64,
        reason: String,
    },
    /// A subject that was erased cannot have new personal data sealed.
    #[error("subject {0} was erased: nothing personal can be recorded about it")]
    Erased(uuid::Uuid),
    /// No key for a subject whose sealed data is being opened: the keys
    /// file does not belong to this log, or was restored from elsewhere.
    #[error("no key for subject {0}: is the keys file the one of this log?")]
    UnknownSubject(uuid::Uuid),
    /// The ciphertext does not open with the subject's key: altered, or
    /// sealed for another subject.
    #[error("sealed data of subject {0} does not open with its key: it was altered")]
    Undecryptable(uuid::Uuid),
    #[error("no randomness for a new key or nonce: {0}")]
    Random(String),
}
