//! The company currency and every other currency's daily rates, as the
//! `company` and `rates` streams record them, for the read models that convert: a
//! figure of a day in another currency is worth, in the company currency,
//! that amount × the rate of the day (the latest rate entered on or before
//! it, the rule documents are valued by, `RatesState::on`).
//!
//! A conversion rounds once, to the ten-thousandth the models keep
//! ([`crate::fixed`]), half away from zero. A report converts each day's
//! sum per currency, so a figure of many documents rounds once per day,
//! not per document. Without a company currency, or without any rate of a
//! currency by a day, nothing converts: the caller says what was left out.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::currency::{CompanyEvent, RatesEvent};
use domain::values::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::fixed::{from_decimal, saturate, to_decimal};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayRates {
    company: Option<Currency>,
    /// Units of the company currency for one of each other currency, by
    /// day, as last entered.
    rates: BTreeMap<Currency, BTreeMap<NaiveDate, Decimal>>,
}

impl DayRates {
    pub fn apply_company(&mut self, event: &CompanyEvent) {
        if let CompanyEvent::CurrencySet(set) = event {
            self.company = Some(set.currency);
        }
    }

    pub fn apply_rates(&mut self, event: &RatesEvent) {
        match event {
            RatesEvent::Set(set) => {
                self.company = Some(set.company_currency);
                self.rates
                    .entry(set.currency)
                    .or_default()
                    .insert(set.day, set.rate);
            }
        }
    }

    /// The company currency, once set.
    pub fn company(&self) -> Option<Currency> {
        self.company
    }

    /// Units of the company currency for one `currency` on `day`: 1 for
    /// the company currency itself; `None` without a company currency or
    /// a rate by then.
    pub fn rate(&self, currency: Currency, day: NaiveDate) -> Option<Decimal> {
        let company = self.company?;
        if company == currency {
            return Some(Decimal::ONE);
        }
        self.rates
            .get(&currency)?
            .range(..=day)
            .next_back()
            .map(|(_, rate)| *rate)
            .filter(|rate| *rate > Decimal::ZERO)
    }

    /// `amount` (ten-thousandths of `currency`) in the company currency on
    /// `day`, rounded once; `None` when it cannot be converted.
    pub fn to_company(&self, amount: i64, currency: Currency, day: NaiveDate) -> Option<i64> {
        let rate = self.rate(currency, day)?;
        if rate == Decimal::ONE {
            return Some(amount);
        }
        Some(convert(amount, rate))
    }

    /// `amount` (ten-thousandths of the company currency) in `currency` on
    /// `day`, rounded once; unchanged without a company currency or a rate
    /// (a cost is then booked as stock valued it).
    pub fn from_company(&self, amount: i64, currency: Currency, day: NaiveDate) -> i64 {
        match self.rate(currency, day) {
            Some(rate) if rate != Decimal::ONE => to_decimal(i128::from(amount))
                .checked_div(rate)
                .map_or(amount, from_decimal),
            _ => amount,
        }
    }
}

/// `amount` ten-thousandths × `rate`, rounded to the ten-thousandth.
pub fn convert(amount: i64, rate: Decimal) -> i64 {
    FixedRate::of(rate).convert(amount)
}

/// A rate as a whole number of `10^-scale`, so that a report converting
/// a million day entries multiplies integers (the result is exactly
/// [`convert`]'s in decimals, which it falls back to if the product would
/// not fit in 128 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedRate {
    rate: Decimal,
    mantissa: i128,
    /// `10^scale`.
    unit: i128,
}

impl FixedRate {
    pub fn of(rate: Decimal) -> Self {
        FixedRate {
            rate,
            mantissa: rate.mantissa(),
            unit: 10_i128.pow(rate.scale()),
        }
    }

    pub fn is_one(&self) -> bool {
        self.mantissa == self.unit
    }

    /// `amount` ten-thousandths × the rate, rounded to the ten-thousandth,
    /// half away from zero; saturates outside an `i64`.
    pub fn convert(&self, amount: i64) -> i64 {
        if self.is_one() {
            return amount;
        }
        let Some(product) = i128::from(amount).checked_mul(self.mantissa) else {
            return to_decimal(i128::from(amount))
                .checked_mul(self.rate)
                .map_or(if amount < 0 { i64::MIN } else { i64::MAX }, from_decimal);
        };
        let (quotient, remainder) = (product / self.unit, product % self.unit);
        let rounded = if remainder.abs() * 2 >= self.unit {
            quotient + product.signum()
        } else {
            quotient
        };
        saturate(rounded)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use domain::currency::{CompanyCurrencySet, ExchangeRateSet};

    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse("currency", code).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::from_str(text).unwrap()
    }

    fn rates(entries: &[(&str, &str, &str)]) -> DayRates {
        let mut rates = DayRates::default();
        for (code, on, rate) in entries {
            rates.apply_rates(&RatesEvent::Set(ExchangeRateSet {
                currency: currency(code),
                company_currency: currency("EUR"),
                day: day(on),
                rate: Decimal::from_str(rate).unwrap(),
            }));
        }
        rates
    }

    #[test]
    fn a_day_takes_the_latest_rate_on_or_before_it() {
        let rates = rates(&[("USD", "2026-03-02", "0.9"), ("USD", "2026-03-05", "0.8")]);
        let usd = currency("USD");
        assert_eq!(rates.rate(usd, day("2026-03-01")), None);
        assert_eq!(
            rates.rate(usd, day("2026-03-04")),
            Decimal::from_str("0.9").ok()
        );
        assert_eq!(
            rates.rate(usd, day("2026-03-05")),
            Decimal::from_str("0.8").ok()
        );
        assert_eq!(
            rates.rate(currency("EUR"), day("2026-01-01")),
            Some(Decimal::ONE)
        );
        assert_eq!(rates.rate(currency("GBP"), day("2026-03-05")), None);
    }

    #[test]
    fn nothing_converts_without_a_company_currency() {
        let mut rates = DayRates::default();
        assert_eq!(
            rates.to_company(10_000, currency("EUR"), day("2026-03-01")),
            None
        );
        assert_eq!(
            rates.from_company(10_000, currency("USD"), day("2026-03-01")),
            10_000
        );
        // Set, it is its own rate before any other is entered.
        rates.apply_company(&CompanyEvent::CurrencySet(CompanyCurrencySet {
            currency: currency("EUR"),
        }));
        assert_eq!(rates.company(), Some(currency("EUR")));
        assert_eq!(
            rates.to_company(10_000, currency("EUR"), day("2026-03-01")),
            Some(10_000)
        );
        assert_eq!(
            rates.to_company(10_000, currency("USD"), day("2026-03-01")),
            None
        );
    }

    #[test]
    fn a_conversion_rounds_once_half_away_from_zero() {
        // 33.3333 USD at 0.91375 = 30.45830... → 30.4583; −0.0001 at
        // 0.5 = −0.00005 → −0.0001.
        let rates = rates(&[
            ("USD", "2026-03-02", "0.91375"),
            ("CHF", "2026-03-02", "0.5"),
        ]);
        let on = day("2026-03-02");
        assert_eq!(
            rates.to_company(333_333, currency("USD"), on),
            Some(304_583)
        );
        assert_eq!(rates.to_company(-1, currency("CHF"), on), Some(-1));
        assert_eq!(rates.to_company(7, currency("EUR"), on), Some(7));
        // Back: 30.4583 / 0.91375 = 33.33329... → 33.3333.
        assert_eq!(rates.from_company(304_583, currency("USD"), on), 333_333);
    }

    proptest::proptest! {
        /// Protects the integer conversion: it is the decimal one, rounding
        /// included, for any amount and any rate of up to ten decimals.
        #[test]
        fn the_integer_conversion_is_the_decimal_one(
            amount in proptest::prelude::any::<i64>(),
            mantissa in 1i64..1_000_000_000_000,
            scale in 0u32..=10,
        ) {
            let rate = Decimal::new(mantissa, scale);
            let decimal = to_decimal(i128::from(amount))
                .checked_mul(rate)
                .map_or(if amount < 0 { i64::MIN } else { i64::MAX }, from_decimal);
            proptest::prop_assert_eq!(FixedRate::of(rate).convert(amount), decimal);
        }
    }

    #[test]
    fn a_conversion_out_of_range_saturates() {
        assert_eq!(convert(i64::MAX, Decimal::from(3)), i64::MAX);
        assert_eq!(convert(i64::MIN, Decimal::from(3)), i64::MIN);
    }
}
