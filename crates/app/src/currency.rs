//! The company currency and exchange rates, once for every adapter:
//! setting the company currency (once), entering a day's rate, importing
//! many from CSV, and finding the rate a document of a business day
//! converts at.

use chrono::{DateTime, NaiveDate, Utc};
use domain::currency::{Company, CompanyCommand, Rates, SetRate, company_id, rates_id};
use domain::error::DomainError;
use domain::values::{Currency, ExchangeRate};

use crate::access::Caller;
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::{App, Run};

/// Most rows one CSV import of rates takes: years of daily rates of a
/// dozen currencies.
pub const RATE_IMPORT_ROWS_MAX: usize = 20_000;

/// What a rate import did, or why it did nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatesImported {
    /// Rates recorded (new days, or corrections).
    pub set: usize,
    /// Rows that repeated a rate already recorded.
    pub unchanged: usize,
    /// Rows refused, by line number (1 is the first line of the text):
    /// when any row is refused, nothing is recorded.
    pub problems: Vec<(usize, String)>,
}

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
        self.company_currency()?.ok_or_else(|| unset().into())
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

    /// Imports rates from CSV text with the columns `currency,day,rate`
    /// (a header row naming them is skipped; `day` is YYYY-MM-DD; `.` is
    /// the decimal point). Every row is checked first: with any refused,
    /// nothing is recorded and each problem is named with its line. Each
    /// row's command id derives from `run`'s and the row, so an import
    /// repeated after a failure records each rate once.
    pub async fn import_rates(
        &self,
        by: &Caller,
        run: Run,
        text: &str,
    ) -> Result<RatesImported, CommandError> {
        let company_currency = self.require_company_currency()?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        let mut report = RatesImported::default();
        for (index, record) in reader.records().enumerate() {
            let line = index + 1;
            if rows.len() + report.problems.len() >= RATE_IMPORT_ROWS_MAX {
                report.problems.push((
                    line,
                    format!("at most {RATE_IMPORT_ROWS_MAX} rows per import"),
                ));
                break;
            }
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    report.problems.push((line, format!("not CSV: {error}")));
                    continue;
                }
            };
            let field = |at: usize| record.get(at).unwrap_or_default();
            if line == 1 && field(0).eq_ignore_ascii_case("currency") {
                continue;
            }
            if record.iter().all(str::is_empty) {
                continue;
            }
            match parse_rate_row(field(0), field(1), field(2), company_currency) {
                Ok(row) => rows.push((line, row)),
                Err(problem) => report.problems.push((line, problem)),
            }
        }
        if !report.problems.is_empty() {
            return Ok(report);
        }
        for (line, (currency, day, rate)) in rows {
            let row_run = Run {
                command_id: domain::ids::derived(run.command_id, format!("rate-{line}").as_bytes()),
                expected_version: None,
            };
            let executed = self.set_rate(by, row_run, currency, day, rate).await?;
            if executed.appended > 0 {
                report.set += 1;
            } else {
                report.unchanged += 1;
            }
        }
        Ok(report)
    }

    /// The rate a document in `currency` dated `at` converts into the
    /// company currency at: 1 for the company currency itself; else the
    /// rate of that business day, or of the latest day before it; a
    /// refusal naming the currency and day when none was ever entered.
    pub fn rate_for(&self, currency: Currency, at: DateTime<Utc>) -> Result<RateOn, CommandError> {
        match valuing(&self.app.commands, currency, at)? {
            Valuing::Unset => Err(unset().into()),
            Valuing::Missing => Err(no_rate(currency, at.date_naive()).into()),
            Valuing::At(rate) => Ok(rate),
        }
    }

    /// Like [`Self::rate_for`] for a document the company takes in
    /// whether or not its books have a currency yet (a customer's
    /// payment): `None` while the company currency is not set.
    pub fn rate_if_kept(
        &self,
        currency: Currency,
        at: DateTime<Utc>,
    ) -> Result<Option<ExchangeRate>, CommandError> {
        match valuing(&self.app.commands, currency, at)? {
            Valuing::Unset => Ok(None),
            Valuing::Missing => Err(no_rate(currency, at.date_naive()).into()),
            Valuing::At(rate) => Ok(Some(rate.rate)),
        }
    }
}

/// What the rate of a document in a currency on a day is.
pub(crate) enum Valuing {
    /// The company currency is not set: nothing is converted yet.
    Unset,
    /// Set, but no rate of the currency on or before the day.
    Missing,
    At(RateOn),
}

/// The rate `currency` converts at on `at`'s day.
pub(crate) fn valuing(
    commands: &CommandHandler,
    currency: Currency,
    at: DateTime<Utc>,
) -> Result<Valuing, CommandError> {
    let stream = CommandHandler::stream::<Company>(company_id())?;
    let Some(company) = commands.load::<Company>(&stream)?.0.currency else {
        return Ok(Valuing::Unset);
    };
    let day = at.date_naive();
    if currency == company {
        return Ok(Valuing::At(RateOn {
            day,
            rate: ExchangeRate::ONE,
        }));
    }
    let stream = CommandHandler::stream::<Rates>(rates_id(currency))?;
    let (rates, _) = commands.load::<Rates>(&stream)?;
    let found = rates.on(day).and_then(|(day, rate)| {
        Some(RateOn {
            day,
            rate: ExchangeRate::parse("rate", rate).ok()?,
        })
    });
    Ok(found.map_or(Valuing::Missing, Valuing::At))
}

fn unset() -> DomainError {
    DomainError::rejected(
        "company.currency_unset",
        "the company currency is not set yet; an administrator sets it once under Administration",
    )
}

pub(crate) fn no_rate(currency: Currency, day: NaiveDate) -> DomainError {
    DomainError::rejected(
        "currency.no_rate",
        format!("no {currency} rate on or before {day}; enter one first"),
    )
}

/// One row of a rate import, parsed: (currency, day, rate).
fn parse_rate_row(
    currency: &str,
    day: &str,
    rate: &str,
    company_currency: Currency,
) -> Result<(Currency, NaiveDate, ExchangeRate), String> {
    let currency = Currency::parse("currency", currency)
        .map_err(|_| format!("{currency:?} is not a three-letter currency code"))?;
    if currency == company_currency {
        return Err(format!(
            "{currency} is the company currency; its rate is always 1"
        ));
    }
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| format!("{day:?} is not a day such as 2026-03-02"))?;
    let rate = rate
        .parse::<rust_decimal::Decimal>()
        .ok()
        .and_then(|rate| ExchangeRate::parse("rate", rate).ok())
        .ok_or_else(|| {
            format!("{rate:?} is not a rate above zero with at most 10 decimals, such as 0.9137")
        })?;
    Ok((currency, day, rate))
}
