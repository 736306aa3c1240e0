//! Sign-in throttling: after too many failed attempts for one account
//! from one address, or from one address on any accounts, further
//! attempts are refused for a while, before any password is checked.
//!
//! An attempt is counted when it begins, under the lock that checks the
//! limit ([`LoginThrottle::begin`]), and uncounted only when its password
//! turned out right: parallel guesses cannot all pass the check before the
//! first failure is recorded (the outside review sent 81 at once).
//!
//! Two counters, neither of them the account alone: one account from one
//! address (a guesser), and one address on any account (a sprayer).
//! Locking an account for everyone would let anyone keep the
//! administrator out; behind a reverse proxy the client's address comes
//! from `X-Forwarded-For` of configured proxies only (see
//! [`super::ClientAddress`]). Failures are counted in a sliding window; a
//! success clears its pair's count. The counters live in memory (a restart
//! forgets them, which only gives an attacker one more window) and are
//! bounded.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins one account may have from one address in a window.
pub const PAIR_FAILURES_MAX: usize = 5;
/// Failed sign-ins one address may make in a window, on any accounts.
pub const ADDRESS_FAILURES_MAX: usize = 20;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;
/// Accounts and addresses tracked at once; past this, the oldest entries
/// are dropped.
const KEYS_MAX: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// An account from an address (`None`: the server did not know it).
    Pair(String, Option<IpAddr>),
    Address(IpAddr),
}

impl Key {
    fn limit(&self) -> usize {
        match self {
            Key::Pair(..) => PAIR_FAILURES_MAX,
            Key::Address(_) => ADDRESS_FAILURES_MAX,
        }
    }
}

fn keys(account: &str, address: Option<IpAddr>) -> impl Iterator<Item = Key> {
    [
        Some(Key::Pair(account.to_owned(), address)),
        address.map(Key::Address),
    ]
    .into_iter()
    .flatten()
}

/// The failure counters.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<Key, VecDeque<DateTime<Utc>>>>,
}

/// An attempt counted as a failure until [`LoginThrottle::succeeded`]
/// takes it back; dropped, it stays counted.
#[derive(Debug)]
pub struct Attempt {
    account: String,
    address: Option<IpAddr>,
    at: DateTime<Utc>,
}

impl LoginThrottle {
    /// Counts an attempt of `account` from `address` and lets it go on,
    /// or `Err(seconds)` to wait when the pair or the address has failed
    /// too often lately (the refused attempt is not counted).
    pub fn begin(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<Attempt, u64> {
        let mut failures = self.lock();
        let mut wait = 0;
        for key in keys(account, address) {
            let limit = key.limit();
            if let Some(times) = failures.get_mut(&key) {
                forget_before(times, now);
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    let until = *oldest + Duration::seconds(WINDOW_SECONDS);
                    wait = wait.max(u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1));
                }
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        make_room(&mut failures, now);
        for key in keys(account, address) {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            // Only the newest failures up to the larger limit matter.
            while times.len() > ADDRESS_FAILURES_MAX {
                times.pop_front();
            }
        }
        Ok(Attempt {
            account: account.to_owned(),
            address,
            at: now,
        })
    }

    /// The attempt's password was right: its pair starts afresh and the
    /// address's count forgets this attempt.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut failures = self.lock();
        failures.remove(&Key::Pair(attempt.account, attempt.address));
        if let Some(address) = attempt.address
            && let Some(times) = failures.get_mut(&Key::Address(address))
            && let Some(index) = times.iter().rposition(|time| *time == attempt.at)
        {
            times.remove(index);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<DateTime<Utc>>>> {
        // The map stays consistent whatever panicked while holding it.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Keeps the map under [`KEYS_MAX`] keys: drops what the window forgot,
/// and starts afresh if that is not enough.
fn make_room(failures: &mut HashMap<Key, VecDeque<DateTime<Utc>>>, now: DateTime<Utc>) {
    if failures.len() < KEYS_MAX - 1 {
        return;
    }
    failures.retain(|_, times| {
        forget_before(times, now);
        !times.is_empty()
    });
    if failures.len() >= KEYS_MAX - 1 {
        tracing::warn!("the sign-in throttle is full; it starts afresh");
        failures.clear();
    }
}

fn forget_before(times: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
    while times
        .front()
        .is_some_and(|time| *time + Duration::seconds(WINDOW_SECONDS) <= now)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    /// Protects one account against guessing from one address: the sixth
    /// attempt in the window is refused until the window passes, while the
    /// same account from another address still signs in.
    #[test]
    fn an_account_is_locked_from_one_address_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for _ in 0..PAIR_FAILURES_MAX {
            throttle.begin("anna", address(1), now).unwrap();
        }
        let wait = throttle.begin("anna", address(1), now).unwrap_err();
        assert_eq!(wait, WINDOW_SECONDS as u64);
        assert!(
            throttle.begin("anna", address(2), now).is_ok(),
            "not for everyone"
        );
        let later = now + Duration::seconds(WINDOW_SECONDS);
        assert!(throttle.begin("anna", address(1), later).is_ok());
    }

    /// Protects all accounts against one address trying them in turn.
    #[test]
    fn an_address_is_locked_after_failing_on_many_accounts() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for attempt in 0..ADDRESS_FAILURES_MAX {
            throttle
                .begin(&format!("user{attempt}"), address(1), now)
                .unwrap();
        }
        assert!(throttle.begin("someone", address(1), now).is_err());
        assert!(throttle.begin("someone", address(2), now).is_ok());
    }

    /// Protects against parallel guesses: attempts are counted when they
    /// begin, so of many begun at once before any ends, only the limit
    /// gets through.
    #[test]
    fn attempts_begun_at_once_are_counted_before_any_password_is_checked() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        let begun: Vec<_> = (0..81)
            .map(|_| throttle.begin("admin", address(1), now))
            .collect();
        assert_eq!(
            begun.iter().filter(|attempt| attempt.is_ok()).count(),
            PAIR_FAILURES_MAX
        );
    }

    /// Protects users who mistype once: a success clears their pair's
    /// count and is not held against their address.
    #[test]
    fn a_success_clears_the_pairs_failures() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for _ in 0..PAIR_FAILURES_MAX - 1 {
            let _failed = throttle.begin("anna", None, now).unwrap();
        }
        let attempt = throttle.begin("anna", None, now).unwrap();
        throttle.succeeded(attempt);
        for _ in 0..PAIR_FAILURES_MAX {
            assert!(throttle.begin("anna", None, now).is_ok());
        }
    }
}
