//! The company currency and exchange rates, once for every adapter:
//! setting the company currency (once), entering a day's rate, and
//! finding the rate a document of a business day converts at.

use chrono::{DateTime, NaiveDate, Utc};
use domain::currency::{Company, CompanyCommand, Rates, SetRate, company_id, rates_id};
use domain::error::DomainError;
use domain::values::{Currency, ExchangeRate};

use crate::access::Caller;
use crate::commands::{CommandError, Executed};
use crate::{App, Run};

/// The currency use cases of `app`.
#[derive(Debug)]
pub struct CurrencyUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn currency(&self) -> CurrencyUseCases<'_> {
        CurrencyUseCases { app: self }
    }
}

/// A rate found for a business day: its value and the day it was
/// entered for (the same day, or the latest before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateOn {
    pub day: NaiveDate,
    pub rate: ExchangeRate,
}

impl CurrencyUseCases<'_> {
    /// The company currency, once an administrator has set it.
    pub fn company_currency(&self) -> Result<Option<Currency>, CommandError> {
        Ok(self.app.load::<Company>(company_id())?.0.currency)
    }

    /// The company currency, or a refusal that says to set it first.
    pub fn require_company_currency(&self) -> Result<Currency, CommandError> {
        self.company_currency()?.ok_or_else(|| {
            DomainError::rejected(
                "company.currency_unset",
                "the company currency is not set yet; an administrator sets it once under Administration",
            )
            .into()
        })
    }

    /// Sets the company currency: once; the same again changes nothing.
    pub async fn set_company_currency(
        &self,
        by: &Caller,
        run: Run,
        currency: Currency,
    ) -> Result<Executed, CommandError> {
        self.app
            .execute::<Company, _>(
                by,
                run,
                company_id(),
                CompanyCommand::SetCurrency(currency),
                None,
            )
            .await
    }

    /// Records `currency`'s rate for `day` (a later entry for the same day
    /// corrects it).
    pub async fn set_rate(
        &self,
        by: &Caller,
        run: Run,
        currency: Currency,
        day: NaiveDate,
        rate: ExchangeRate,
    ) -> Result<Executed, CommandError> {
        let company_currency = self.require_company_currency()?;
        let command = SetRate {
            currency,
            company_currency,
            day,
            rate,
        };
        self.app
            .execute::<Rates, _>(by, run, rates_id(currency), command, None)
            .await
    }

    /// The rate a document in `currency` dated `at` converts into the
    /// company currency at: 1 for the company currency itself; else the
    /// rate of that business day, or of the latest day before it; a
    /// refusal naming the currency and day when none was ever entered.
    pub fn rate_for(&self, currency: Currency, at: DateTime<Utc>) -> Result<RateOn, CommandError> {
        let company = self.require_company_currency()?;
        let day = at.date_naive();
        if currency == company {
            return Ok(RateOn {
                day,
                rate: ExchangeRate::ONE,
            });
        }
        let (rates, _) = self.app.load::<Rates>(rates_id(currency))?;
        let found = rates.on(day).and_then(|(day, rate)| {
            Some(RateOn {
                day,
                rate: ExchangeRate::parse("rate", rate).ok()?,
            })
        });
        found.ok_or_else(|| {
            DomainError::rejected(
                "currency.no_rate",
                format!("no {currency} rate on or before {day}; enter one first"),
            )
            .into()
        })
    }
}
