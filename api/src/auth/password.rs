//! Passwords: the policy a new one must meet, and Argon2id hashing and
//! checking off the async threads.
//!
//! Hashing costs about 19 MiB and tens of milliseconds by design; a
//! semaphore lets only as many run at once as the machine has cores, so a
//! flood of sign-ins queues instead of exhausting memory.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use domain::DomainError;
use domain::access::PasswordHash;
use tokio::sync::Semaphore;

/// Shortest password, in characters (NIST SP 800-63B asks for 8 at least;
/// passphrases are encouraged by asking for more).
pub const PASSWORD_CHARS_MIN: usize = 12;
/// Longest password, in bytes: hashing a megabyte is a cheap attack.
pub const PASSWORD_BYTES_MAX: usize = 1_024;

/// Hashes computed at once.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
});

/// A hash of a password nobody has, checked when a login is unknown, so an
/// unknown login takes as long to refuse as a wrong password.
static DECOY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"decoy password that nobody has")
        .ok()
        .map(|hash| hash.to_string())
});

/// A password a user chose, checked against the policy; never stored.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        if raw.len() > PASSWORD_BYTES_MAX {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {PASSWORD_BYTES_MAX} bytes"),
            ));
        }
        if raw.chars().count() < PASSWORD_CHARS_MIN {
            return Err(DomainError::invalid(
                field,
                format!("must be at least {PASSWORD_CHARS_MIN} characters"),
            ));
        }
        if raw.chars().all(|c| raw.starts_with(c)) {
            return Err(DomainError::invalid(field, "must not repeat one character"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for the one moment it is shown to whoever
    /// chose or was given it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// The Argon2id hash (PHC string, random salt) of `password`.
pub async fn hash(password: &NewPassword) -> anyhow::Result<PasswordHash> {
    let password = password.0.clone();
    // The semaphore is never closed, so acquiring cannot fail.
    let _permit = HASHING.acquire().await?;
    let phc = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("failed to hash a password: {error}"))
    })
    .await??;
    Ok(PasswordHash::parse("password", &phc)?)
}

/// Whether `password` matches the stored hash `phc`; `None` checks against
/// a decoy and answers false, taking the same time.
pub async fn verify(password: &str, phc: Option<&str>) -> bool {
    if password.len() > PASSWORD_BYTES_MAX {
        return false;
    }
    let password = password.to_owned();
    let known = phc.is_some();
    let Some(phc) = phc.map(str::to_owned).or_else(|| DECOY_HASH.clone()) else {
        return false;
    };
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    let matched = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false);
    known && matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects accounts from trivial passwords and the server from huge
    /// ones.
    #[test]
    fn the_password_policy_refuses_short_repeated_and_huge_passwords() {
        for bad in [
            "short",
            "aaaaaaaaaaaaaaaa",
            &"x".repeat(PASSWORD_BYTES_MAX + 1),
        ] {
            assert_eq!(
                NewPassword::parse("password", bad).unwrap_err().field(),
                Some("password")
            );
        }
        assert!(NewPassword::parse("password", "correct horse battery").is_ok());
    }

    /// Protects sign-in: the right password matches its hash, a wrong one
    /// and an unknown user do not, and hashes are salted.
    #[tokio::test]
    async fn a_hash_matches_its_password_only() {
        let password = NewPassword::parse("password", "correct horse battery").unwrap();
        let first = hash(&password).await.unwrap();
        let second = hash(&password).await.unwrap();
        assert!(first.as_str().starts_with("$argon2id$"));
        assert_ne!(first.as_str(), second.as_str(), "salted");
        assert!(verify("correct horse battery", Some(first.as_str())).await);
        assert!(!verify("correct horse batterY", Some(first.as_str())).await);
        assert!(!verify("correct horse battery", None).await);
        assert!(!verify("anything", Some("not a hash")).await);
    }
}
