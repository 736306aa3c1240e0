//! What a sale's cost of goods is in the sale's own currency. Stock is
//! valued in the company currency; a sale in another currency has its
//! revenue in that currency, so its cost is converted at the rate of the
//! day the goods left (the latest rate entered on or before it, as
//! documents convert), and its margin is in one currency. Without a
//! company currency, or without any rate of the sale's currency by then,
//! the cost is booked as stock valued it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::currency::RatesEvent;
use domain::values::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::fixed::{from_decimal, to_decimal};

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct SaleRates {
    company: Option<Currency>,
    /// Units of the company currency for one of each other currency, by
    /// day, as last entered.
    rates: BTreeMap<Currency, BTreeMap<NaiveDate, Decimal>>,
}

impl SaleRates {
    pub(super) fn apply(&mut self, event: &RatesEvent) {
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

    /// `cost` (fixed point, company currency) in `currency` on `day`.
    pub(super) fn cost_in(&self, cost: i64, currency: Currency, day: NaiveDate) -> i64 {
        if self.company.is_none_or(|company| company == currency) {
            return cost;
        }
        let rate = self
            .rates
            .get(&currency)
            .and_then(|by_day| by_day.range(..=day).next_back())
            .map(|(_, rate)| *rate);
        match rate {
            Some(rate) if rate > Decimal::ZERO => to_decimal(i128::from(cost))
                .checked_div(rate)
                .map_or(cost, from_decimal),
            _ => cost,
        }
    }
}
