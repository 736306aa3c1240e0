//! Signed receipts: the log's head, signed by the installation's Ed25519
//! key and handed out, so a later rewrite of the log (every hash
//! recomputed, which plain `verify` cannot see) is found by anyone who
//! kept a receipt (issue 15, ADR 0017).
//!
//! A receipt names a position, the hash of the record there (which
//! chains everything before it), the time it was signed, and *anchors*:
//! the first 16 bytes of the hash at up to [`ANCHORS_MAX`] positions
//! spread over the log (every position while the log is that short). The
//! signature covers all of it. Checking a receipt against a log reads
//! the hash at each anchor: the first that differs bounds the first
//! rewritten record to the anchors' gap, which is that very record when
//! the anchors are dense.
//!
//! The signing key is a file in the data folder, made on first start
//! ([`SIGNING_KEY_FILE`], 32 random bytes, readable by the owner only).
//! Its public half is what an auditor pins.

pub mod folder;

use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use eventlog::EventLog;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The signing key's file, in the data folder.
pub const SIGNING_KEY_FILE: &str = "signing.key";

/// The receipt format this code writes and reads.
pub const RECEIPT_FORMAT: &str = "hypercrm-receipt/1";

/// Anchors a receipt holds at most; a longer log gets them evenly spread.
pub const ANCHORS_MAX: u64 = 4_096;

/// Bytes of a hash an anchor keeps: enough to tell a rewritten record,
/// while the head's whole hash is what the signature vouches for.
const ANCHOR_HASH_BYTES: usize = 16;

/// Why a receipt could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("the signing key {path}: {problem}")]
    Key { path: String, problem: String },
    #[error("not a receipt: {0}")]
    Malformed(String),
    #[error("the receipt's signature does not verify: it was altered or not signed by its key")]
    BadSignature,
    #[error(transparent)]
    Log(#[from] eventlog::Error),
}

/// The installation's signing key.
#[derive(Clone)]
pub struct ReceiptSigner {
    key: SigningKey,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("public_key", &self.public_key_hex())
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    /// The key in `data_dir`, made there first if there is none (the
    /// answer's flag says it was made now).
    pub fn load_or_create(data_dir: &Path) -> Result<(Self, bool), ReceiptError> {
        let path = data_dir.join(SIGNING_KEY_FILE);
        let problem = |problem: String| ReceiptError::Key {
            path: path.display().to_string(),
            problem,
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let secret: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| problem(format!("holds {} bytes, not 32", bytes.len())))?;
                Ok((Self::from_secret(&secret), false))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|error| problem(error.to_string()))?;
                write_secret(&path, &secret).map_err(|error| problem(error.to_string()))?;
                Ok((Self::from_secret(&secret), true))
            }
            Err(error) => Err(problem(error.to_string())),
        }
    }

    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(secret),
        }
    }

    /// The public half, in hex: what an auditor pins.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// A receipt of `log`'s head now, signed at `signed_at`.
    pub fn issue(&self, log: &EventLog, signed_at: DateTime<Utc>) -> Result<Receipt, ReceiptError> {
        let head = log.head();
        let mut anchors = Vec::new();
        for position in anchor_positions(head.position) {
            let hash = hash_at(log, position)?.ok_or_else(|| eventlog::Error::Corrupt {
                position,
                reason: "the log ends before its head".to_owned(),
            })?;
            anchors.push(Anchor::of(position, &hash));
        }
        let mut receipt = Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            position: head.position,
            head_hash: hex::encode(head.hash),
            signed_at,
            anchors,
            public_key: self.public_key_hex(),
            signature: String::new(),
        };
        let message = receipt.message()?;
        receipt.signature = hex::encode(self.key.sign(&message).to_bytes());
        Ok(receipt)
    }
}

/// Writes the secret so only the owner can read it, never over another.
fn write_secret(path: &Path, secret: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(secret)?;
    file.sync_all()
}

/// The positions a receipt of a log `head` long anchors: every one up to
/// [`ANCHORS_MAX`], else that many evenly spread, the head always last.
pub fn anchor_positions(head: u64) -> Vec<u64> {
    if head <= ANCHORS_MAX {
        return (1..=head).collect();
    }
    (1..=ANCHORS_MAX)
        .map(|index| {
            let spread = u128::from(head) * u128::from(index) / u128::from(ANCHORS_MAX);
            u64::try_from(spread).unwrap_or(head)
        })
        .collect()
}

/// The stored hash of the record at `position`, if the log holds it.
fn hash_at(log: &EventLog, position: u64) -> Result<Option<[u8; 32]>, eventlog::Error> {
    Ok(log.read_event(position)?.map(|event| event.hash))
}

/// One position's hash, shortened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor(pub u64, pub String);

impl Anchor {
    fn of(position: u64, hash: &[u8; 32]) -> Self {
        Self(position, hex::encode(&hash[..ANCHOR_HASH_BYTES]))
    }
}

/// A signed receipt of the log's head, as it is written to a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    /// The head's position when it was signed.
    pub position: u64,
    /// The SHA-256 of the record at `position`, chained (hex).
    pub head_hash: String,
    pub signed_at: DateTime<Utc>,
    /// `[position, first 16 bytes of its hash in hex]`, ascending.
    pub anchors: Vec<Anchor>,
    /// The Ed25519 public key that signed it (hex).
    pub public_key: String,
    /// Ed25519 over the receipt's message (hex).
    pub signature: String,
}

/// What a log holds against a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptCheck {
    /// The log holds exactly what the receipt saw, up to its position.
    Matches,
    /// The log ends before the receipt's position.
    Shorter { head: u64 },
    /// The first record that differs from what the receipt saw lies after
    /// `after` and at or before `at` (the same record when `after + 1 ==
    /// at`).
    Differs { after: u64, at: u64 },
}

/// A receipt checked against a log: its outcome, and whether it was signed
/// by the key given as this installation's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptOutcome {
    pub check: ReceiptCheck,
    pub position: u64,
    pub signed_at: DateTime<Utc>,
    pub public_key: String,
    /// `Some(false)`: a valid signature by another key than the one this
    /// installation signs with.
    pub signed_by_this_installation: Option<bool>,
}

impl ReceiptOutcome {
    /// The first differing position, exactly, if the anchors pin it.
    pub fn first_difference(&self) -> Option<u64> {
        match self.check {
            ReceiptCheck::Differs { after, at } if after + 1 == at => Some(at),
            _ => None,
        }
    }
}

impl Receipt {
    /// Reads a receipt from its JSON.
    pub fn parse(json: &str) -> Result<Self, ReceiptError> {
        let receipt: Receipt = serde_json::from_str(json)
            .map_err(|error| ReceiptError::Malformed(error.to_string()))?;
        receipt.known_format()?;
        Ok(receipt)
    }

    fn known_format(&self) -> Result<(), ReceiptError> {
        if self.format == RECEIPT_FORMAT {
            Ok(())
        } else {
            Err(ReceiptError::Malformed(format!(
                "format {:?}, expected {RECEIPT_FORMAT:?}",
                self.format
            )))
        }
    }

    /// Reads `json` as a receipt and checks it against `log` (see
    /// [`Self::check`]): what the CLI, the API and the audit page run.
    pub fn parse_and_check(
        json: &str,
        log: &EventLog,
        installation: Option<&ReceiptSigner>,
    ) -> Result<ReceiptOutcome, ReceiptError> {
        Self::parse(json)?.check(log, installation)
    }

    /// The receipt as its file holds it: one field a line, one anchor a
    /// line (a third of the size of fully pretty JSON, and still readable).
    pub fn to_json(&self) -> String {
        // Strings, numbers and a time: each serializes.
        let text = |value: &str| serde_json::to_string(value).unwrap_or_default();
        let mut json = String::with_capacity(320 + self.anchors.len() * 48);
        json.push_str("{\n");
        json.push_str(&format!("  \"format\": {},\n", text(&self.format)));
        json.push_str(&format!("  \"position\": {},\n", self.position));
        json.push_str(&format!("  \"head_hash\": {},\n", text(&self.head_hash)));
        let signed_at = serde_json::to_string(&self.signed_at).unwrap_or_default();
        json.push_str(&format!("  \"signed_at\": {signed_at},\n"));
        json.push_str("  \"anchors\": [");
        for (index, Anchor(position, hash)) in self.anchors.iter().enumerate() {
            let comma = if index == 0 { "" } else { "," };
            json.push_str(&format!("{comma}\n    [{position}, {}]", text(hash)));
        }
        json.push_str(if self.anchors.is_empty() {
            "],\n"
        } else {
            "\n  ],\n"
        });
        json.push_str(&format!("  \"public_key\": {},\n", text(&self.public_key)));
        json.push_str(&format!("  \"signature\": {}\n", text(&self.signature)));
        json.push_str("}\n");
        json
    }

    /// The bytes the signature covers.
    fn message(&self) -> Result<Vec<u8>, ReceiptError> {
        let head_hash = decode_hex::<32>("head_hash", &self.head_hash)?;
        let mut anchors = Sha256::new();
        for Anchor(position, hash) in &self.anchors {
            anchors.update(position.to_be_bytes());
            anchors.update(decode_hex::<ANCHOR_HASH_BYTES>("anchors", hash)?);
        }
        let mut message = Vec::with_capacity(128);
        message.extend_from_slice(self.format.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(&self.position.to_be_bytes());
        message.extend_from_slice(&head_hash);
        message.extend_from_slice(&self.signed_at.timestamp_micros().to_be_bytes());
        message.extend_from_slice(&anchors.finalize());
        Ok(message)
    }

    /// Checks the signature, then what `log` holds at each anchor and at
    /// the receipt's position. `installation` is the public key this
    /// installation signs with, if known.
    pub fn check(
        &self,
        log: &EventLog,
        installation: Option<&ReceiptSigner>,
    ) -> Result<ReceiptOutcome, ReceiptError> {
        self.known_format()?;
        let public_key = decode_hex::<32>("public_key", &self.public_key)?;
        let verifying = VerifyingKey::from_bytes(&public_key)
            .map_err(|_| ReceiptError::Malformed("public_key is not an Ed25519 key".into()))?;
        let signature = Signature::from_bytes(&decode_hex::<64>("signature", &self.signature)?);
        verifying
            .verify_strict(&self.message()?, &signature)
            .map_err(|_| ReceiptError::BadSignature)?;
        // Only a signer of this code made it, so this holds; checked all
        // the same, as a foreign signer's receipt could break it.
        let mut previous = 0u64;
        for Anchor(position, _) in &self.anchors {
            if *position <= previous || *position > self.position {
                return Err(ReceiptError::Malformed(format!(
                    "anchor {position} is out of order or past the receipt's position"
                )));
            }
            previous = *position;
        }
        let outcome = |check| ReceiptOutcome {
            check,
            position: self.position,
            signed_at: self.signed_at,
            public_key: self.public_key.clone(),
            signed_by_this_installation: installation
                .map(|signer| signer.public_key_hex() == self.public_key),
        };
        let head = log.head().position;
        let mut after = 0u64;
        for Anchor(position, expected) in &self.anchors {
            if *position > head {
                return Ok(outcome(ReceiptCheck::Shorter { head }));
            }
            let found =
                hash_at(log, *position)?.map(|hash| hex::encode(&hash[..ANCHOR_HASH_BYTES]));
            if found.as_deref() != Some(expected.as_str()) {
                return Ok(outcome(ReceiptCheck::Differs {
                    after,
                    at: *position,
                }));
            }
            after = *position;
        }
        if self.position > head {
            return Ok(outcome(ReceiptCheck::Shorter { head }));
        }
        if self.position > 0 {
            let found = hash_at(log, self.position)?.map(hex::encode);
            if found.as_deref() != Some(self.head_hash.as_str()) {
                return Ok(outcome(ReceiptCheck::Differs {
                    after,
                    at: self.position,
                }));
            }
        }
        Ok(outcome(ReceiptCheck::Matches))
    }
}

fn decode_hex<const N: usize>(field: &str, text: &str) -> Result<[u8; N], ReceiptError> {
    let bytes =
        hex::decode(text).map_err(|error| ReceiptError::Malformed(format!("{field}: {error}")))?;
    bytes
        .try_into()
        .map_err(|_| ReceiptError::Malformed(format!("{field}: expected {N} bytes")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Protects the receipt's size and its reach: every position of a
    /// short log is anchored, a long one gets [`ANCHORS_MAX`] anchors
    /// ascending and ending at the head.
    #[test]
    fn anchors_cover_a_short_log_wholly_and_a_long_one_evenly() {
        assert_eq!(anchor_positions(0), Vec::<u64>::new());
        assert_eq!(anchor_positions(3), vec![1, 2, 3]);
        let long = anchor_positions(11_700_000);
        assert_eq!(long.len() as u64, ANCHORS_MAX);
        assert_eq!(long.last(), Some(&11_700_000));
        assert!(long.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(long[0] >= 1);
    }

    /// Appends one small event to its own stream: the receipts' tests need
    /// records, not meaning.
    pub(super) fn append(log: &EventLog, index: usize) {
        use eventlog::{Actor, AppendMeta, ExpectedVersion, NewEvent, StreamName};
        log.append_blocking(
            &StreamName::parse(format!("note-{index}")).unwrap(),
            ExpectedVersion::NoStream,
            vec![NewEvent::new(uuid::Uuid::now_v7(), "Noted", vec![1])],
            AppendMeta::new(Actor::system("test"), uuid::Uuid::now_v7()),
        )
        .unwrap();
    }

    /// Protects the report of removed records: a log restored from a
    /// backup taken before the receipt (its first records identical, the
    /// rest gone) is shorter than the receipt, not "differs"; the
    /// original still matches, and a foreign key is told apart.
    #[test]
    fn a_log_cut_back_to_an_earlier_backup_is_shorter_than_its_receipt() {
        let data = tempfile::tempdir().unwrap();
        let log = EventLog::open(data.path().join("log"), eventlog::Options::default()).unwrap();
        append(&log, 0);
        append(&log, 1);
        let backup = data.path().join("early.backup");
        let keys = crate::personal::Keys::open_in(data.path()).unwrap();
        crate::backup::write_backup_file(&log, &keys, 0, &backup).unwrap();
        append(&log, 2);
        let signer = ReceiptSigner::from_secret(&[5u8; 32]);
        let receipt = signer.issue(&log, DateTime::UNIX_EPOCH).unwrap();
        let outcome = receipt.check(&log, Some(&signer)).unwrap();
        assert_eq!(outcome.check, ReceiptCheck::Matches);
        assert_eq!(outcome.signed_by_this_installation, Some(true));
        let other = ReceiptSigner::from_secret(&[6u8; 32]);
        let outcome = receipt.check(&log, Some(&other)).unwrap();
        assert_eq!(outcome.signed_by_this_installation, Some(false));

        let restored = data.path().join("restored");
        eventlog::backup::restore(&restored, &[backup]).unwrap();
        let cut = EventLog::open(&restored, eventlog::Options::default()).unwrap();
        let outcome = receipt.check(&cut, None).unwrap();
        assert_eq!(outcome.check, ReceiptCheck::Shorter { head: 2 });
        assert_eq!(outcome.first_difference(), None);
    }

    /// Protects the file format: what is written reads back the same,
    /// with and without anchors, one anchor a line.
    #[test]
    fn a_receipt_file_reads_back_as_written() {
        let mut receipt = Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            position: 2,
            head_hash: hex::encode([1u8; 32]),
            signed_at: DateTime::UNIX_EPOCH + chrono::Duration::microseconds(1_234_567),
            anchors: vec![
                Anchor(1, hex::encode([2u8; 16])),
                Anchor(2, hex::encode([1u8; 16])),
            ],
            public_key: hex::encode([3u8; 32]),
            signature: hex::encode([4u8; 64]),
        };
        let json = receipt.to_json();
        assert_eq!(Receipt::parse(&json).unwrap(), receipt);
        assert!(json.contains(&format!("\n    [2, \"{}\"]\n  ],", hex::encode([1u8; 16]))));
        receipt.anchors.clear();
        assert_eq!(Receipt::parse(&receipt.to_json()).unwrap(), receipt);
    }

    /// Protects the signature's reach: the same content signs the same,
    /// and any field changed after signing is refused.
    #[test]
    fn a_receipt_altered_after_signing_does_not_verify() {
        let signer = ReceiptSigner::from_secret(&[7u8; 32]);
        let receipt = Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            position: 2,
            head_hash: hex::encode([1u8; 32]),
            signed_at: DateTime::UNIX_EPOCH,
            anchors: vec![
                Anchor(1, hex::encode([2u8; 16])),
                Anchor(2, hex::encode([1u8; 16])),
            ],
            public_key: signer.public_key_hex(),
            signature: String::new(),
        };
        let message = receipt.message().unwrap();
        let signature = signer.key.sign(&message);
        let verifying = signer.key.verifying_key();
        assert!(verifying.verify_strict(&message, &signature).is_ok());
        let mut later = receipt.clone();
        later.position = 3;
        let mut moved = receipt.clone();
        moved.anchors[0] = Anchor(1, hex::encode([3u8; 16]));
        for altered in [later, moved] {
            let message = altered.message().unwrap();
            assert!(verifying.verify_strict(&message, &signature).is_err());
        }
    }
}
