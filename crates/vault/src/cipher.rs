//! Sealing and opening one field with a subject's key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;

use crate::VaultError;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;
/// Bytes of a nonce.
pub const NONCE_BYTES: usize = 24;

/// A sealed field: the nonce it was sealed with and the ciphertext with
/// its 16-byte tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: [u8; NONCE_BYTES],
    pub ciphertext: Vec<u8>,
}

/// Seals `plaintext` for `subject` with `key` and a fresh random nonce.
pub fn seal(key: &[u8; KEY_BYTES], subject: Uuid, plaintext: &[u8]) -> Result<Sealed, VaultError> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|error| VaultError::Random(error.to_string()))?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: subject.as_bytes(),
            },
        )
        // Encryption fails only for a message beyond 256 GiB.
        .map_err(|_| VaultError::Undecryptable(subject))?;
    Ok(Sealed { nonce, ciphertext })
}

/// Opens `sealed` of `subject` with `key`.
pub fn open(key: &[u8; KEY_BYTES], subject: Uuid, sealed: &Sealed) -> Result<Vec<u8>, VaultError> {
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    cipher
        .decrypt(
            &XNonce::from(sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: subject.as_bytes(),
            },
        )
        .map_err(|_| VaultError::Undecryptable(subject))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Protects what sealing promises: the owner's key opens it, and a
    /// flipped bit, another subject or another key does not.
    #[test]
    fn only_the_subjects_key_opens_its_data_unaltered() {
        let key = [7u8; KEY_BYTES];
        let subject = Uuid::from_u128(1);
        let sealed = seal(&key, subject, b"Anna Petrova").unwrap();
        assert_ne!(sealed.ciphertext[..12], b"Anna Petrova"[..]);
        assert_eq!(open(&key, subject, &sealed).unwrap(), b"Anna Petrova");
        let again = seal(&key, subject, b"Anna Petrova").unwrap();
        assert_ne!(again.nonce, sealed.nonce, "a fresh nonce each time");
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert!(open(&key, subject, &flipped).is_err());
        assert!(open(&key, Uuid::from_u128(2), &sealed).is_err());
        assert!(open(&[8u8; KEY_BYTES], subject, &sealed).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the field holds, sealing then opening gives it back,
        /// and the ciphertext is the plaintext's length plus the tag.
        #[test]
        fn sealing_round_trips_any_bytes(
            key in proptest::array::uniform32(any::<u8>()),
            id in any::<u128>(),
            plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let subject = Uuid::from_u128(id);
            let sealed = seal(&key, subject, &plaintext).unwrap();
            prop_assert_eq!(sealed.ciphertext.len(), plaintext.len() + 16);
            prop_assert_eq!(open(&key, subject, &sealed).unwrap(), plaintext);
        }
    }
}
