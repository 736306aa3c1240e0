//! The time a use case runs at, passed in rather than read from the
//! system, so a test (or a replay) can run the application at a chosen
//! moment and get the same result every time.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Where the application reads the time.
pub trait Clock: std::fmt::Debug + Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock, for the running server and the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is told, for tests: it stands still until
/// set or advanced.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A time cannot be left half-written by a panic.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// Protects tests that run the application at a chosen time: the
    /// fixed clock says what it was set to and moves only when told.
    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .expect("a valid date");
        let clock = FixedClock::at(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.now(), start + Duration::minutes(5));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
