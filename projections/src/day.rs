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

    /// The day `days` later (earlier when negative).
    pub fn plus(self, days: i32) -> Self {
        Self(self.0.saturating_add(days))
    }

    /// Days from `earlier` to `self`: negative when `earlier` is later.
    pub fn days_since(self, earlier: Day) -> i64 {
        i64::from(self.0) - i64::from(earlier.0)
    }

    /// The Monday of the day's ISO week.
    pub fn week_start(self) -> Self {
        let weekday = self.date().weekday().num_days_from_monday();
        // At most 6.
        self.plus(-i32::try_from(weekday).unwrap_or(0))
    }

    /// The first day of the day's month.
    pub fn month_start(self) -> Self {
        let day_of_month = self.date().day0();
        // At most 30.
        self.plus(-i32::try_from(day_of_month).unwrap_or(0))
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

    fn on(year: i32, month: u32, day: u32) -> Day {
        Day::from_date(NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN))
    }

    /// Protects weekly and monthly reports: every day of a week maps to
    /// its Monday (across a year's end, as ISO weeks do) and every day of
    /// a month to its first.
    #[test]
    fn days_know_their_iso_week_and_month() {
        // 2026-03-01 is a Sunday: its ISO week began on Monday 23 February.
        assert_eq!(on(2026, 3, 1).week_start(), on(2026, 2, 23));
        assert_eq!(on(2026, 3, 2).week_start(), on(2026, 3, 2));
        assert_eq!(on(2026, 3, 8).week_start(), on(2026, 3, 2));
        // Thursday 1 January 2026 is in ISO week 1, which began in 2025.
        assert_eq!(on(2026, 1, 1).week_start(), on(2025, 12, 29));
        assert_eq!(on(2026, 3, 31).month_start(), on(2026, 3, 1));
        assert_eq!(on(2024, 2, 29).month_start(), on(2024, 2, 1));
        assert_eq!(on(2026, 3, 1).plus(31), on(2026, 4, 1));
        assert_eq!(on(2026, 4, 1).days_since(on(2026, 3, 1)), 31);
        assert_eq!(on(2026, 3, 1).days_since(on(2026, 4, 1)), -31);
    }
}
