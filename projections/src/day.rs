//! A business day as a number: what read models store and snapshot.
//!
//! `NaiveDate` serializes as text ("2026-03-01"); a snapshot with millions
//! of day fields then spends its restore parsing dates. A day number
//! (days since 1 January of year 1) is four bytes and reads back at once.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Day(i32);

impl Day {
    /// The UTC business day of a moment.
    pub fn of(time: DateTime<Utc>) -> Self {
        Self::from_date(time.date_naive())
    }

    pub fn from_date(date: NaiveDate) -> Self {
        Self(date.num_days_from_ce())
    }

    pub fn date(self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.0).unwrap_or(NaiveDate::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects reports: a day number maps back to its date.
    #[test]
    fn days_round_trip_through_their_numbers() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or(NaiveDate::MIN);
        assert_eq!(Day::from_date(date).date(), date);
        assert!(Day::from_date(date) < Day::from_date(date.succ_opt().unwrap_or(NaiveDate::MAX)));
    }
}
