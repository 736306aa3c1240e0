//! Sign-in throttling: after too many failed attempts for one account, or
//! from one address, further attempts are refused for a while, before any
//! password is checked.
//!
//! Two counters because the attacks differ: guessing one account's
//! password from many addresses, and trying many accounts from one
//! address. Failures are counted in a sliding window; a success clears the
//! account's count. The counters live in memory (a restart forgets them,
//! which only gives an attacker one more window) and are bounded.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins one account may have in a window.
pub const ACCOUNT_FAILURES_MAX: usize = 5;
/// Failed sign-ins one address may make in a window.
pub const ADDRESS_FAILURES_MAX: usize = 20;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;
/// Accounts and addresses tracked at once; past this, the oldest entries
/// are dropped.
const KEYS_MAX: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// The failure counters.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<Key, VecDeque<DateTime<Utc>>>>,
}

impl LoginThrottle {
    /// `Err(seconds)` to wait when the account or the address has failed
    /// too often lately.
    pub fn check(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let mut failures = self.lock();
        let mut wait = 0;
        let keys = [
            (Some(Key::Account(account.to_owned())), ACCOUNT_FAILURES_MAX),
            (address.map(Key::Address), ADDRESS_FAILURES_MAX),
        ];
        for (key, limit) in keys {
            let Some(key) = key else { continue };
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
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn failed(&self, account: &str, address: Option<IpAddr>, now: DateTime<Utc>) {
        let mut failures = self.lock();
        if failures.len() >= KEYS_MAX {
            failures.retain(|_, times| {
                forget_before(times, now);
                !times.is_empty()
            });
            if failures.len() >= KEYS_MAX {
                tracing::warn!("the sign-in throttle is full; it starts afresh");
                failures.clear();
            }
        }
        let keys = [
            Some(Key::Account(account.to_owned())),
            address.map(Key::Address),
        ];
        for key in keys.into_iter().flatten() {
            let times = failures.entry(key).or_default();
            forget_before(times, now);
            times.push_back(now);
            // Only the newest failures up to the larger limit matter.
            while times.len() > ADDRESS_FAILURES_MAX {
                times.pop_front();
            }
        }
    }

    pub fn succeeded(&self, account: &str) {
        self.lock().remove(&Key::Account(account.to_owned()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<DateTime<Utc>>>> {
        // The map stays consistent whatever panicked while holding it.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    /// Protects one account against guessing from many addresses: the
    /// sixth failure in the window is refused, a later one is allowed.
    #[test]
    fn an_account_is_locked_after_its_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for attempt in 0..ACCOUNT_FAILURES_MAX {
            assert_eq!(throttle.check("anna", address(attempt as u8), now), Ok(()));
            throttle.failed("anna", address(attempt as u8), now);
        }
        let wait = throttle.check("anna", address(99), now).unwrap_err();
        assert_eq!(wait, WINDOW_SECONDS as u64);
        assert_eq!(throttle.check("boris", address(99), now), Ok(()));
        let later = now + Duration::seconds(WINDOW_SECONDS);
        assert_eq!(throttle.check("anna", address(99), later), Ok(()));
    }

    /// Protects all accounts against one address trying them in turn.
    #[test]
    fn an_address_is_locked_after_failing_on_many_accounts() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for attempt in 0..ADDRESS_FAILURES_MAX {
            throttle.failed(&format!("user{attempt}"), address(1), now);
        }
        assert!(throttle.check("someone", address(1), now).is_err());
        assert_eq!(throttle.check("someone", address(2), now), Ok(()));
    }

    /// Protects users who mistype once: a success clears their count.
    #[test]
    fn a_success_clears_the_accounts_failures() {
        let throttle = LoginThrottle::default();
        let now = Utc::now();
        for _ in 0..ACCOUNT_FAILURES_MAX - 1 {
            throttle.failed("anna", None, now);
        }
        throttle.succeeded("anna");
        throttle.failed("anna", None, now);
        assert_eq!(throttle.check("anna", None, now), Ok(()));
    }
}
