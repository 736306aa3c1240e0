//! The company currency and the daily exchange rates of the others.
//!
//! The company keeps its books (stock cost, margins, every company
//! report) in one currency, set once by an administrator on the
//! `company` stream: changing it later would silently reinterpret every
//! amount already recorded.
//!
//! Each other currency has a stream of daily rates (`rates-<id>`, the id
//! derived from the currency code): how many units of the company
//! currency one unit of it was worth on a day. Rates are entered by hand
//! or imported from a CSV file (a customer's closed network reaches no
//! outside service). A rate entered again for the same day corrects it;
//! the log keeps both. A document converts at the rate of its business
//! day, or, when none was entered for that day (a weekend), of the
//! latest day before it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::derived;
use crate::values::{Currency, ExchangeRate, Label};

/// The one company stream's id.
pub fn company_id() -> Uuid {
    derived(Uuid::nil(), b"company")
}

/// The id of the stream of `currency`'s rates.
pub fn rates_id(currency: Currency) -> Uuid {
    derived(Uuid::nil(), format!("rates:{currency}").as_bytes())
}

// ----------------------------------------------------------------- company

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyCurrencySet {
    pub currency: Currency,
}

/// The company's requisites as its documents print them: each setting
/// replaces the one before, which the log keeps (a document issued
/// before prints what it printed then).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRequisitesSet {
    pub legal_name: String,
    pub address: Vec<String>,
    /// Tax and registration ids with their labels ("VAT", "ИНН" …).
    pub ids: Vec<(String, String)>,
    pub bank: Vec<String>,
}

/// Most lines of an address or of bank details, most ids.
pub const REQUISITE_LINES_MAX: usize = 8;

domain_events! {
    /// Settings of the company as a whole.
    pub enum CompanyEvent in "company" {
        CurrencySet(CompanyCurrencySet) = "CompanyCurrencySet" v 1,
        RequisitesSet(CompanyRequisitesSet) = "CompanyRequisitesSet" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum CompanyCommand {
    SetCurrency(Currency),
    /// Checked by `decide`: a name, and at most
    /// [`REQUISITE_LINES_MAX`] lines of each kind, each a label's length.
    SetRequisites(CompanyRequisitesSet),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyState {
    pub currency: Option<Currency>,
    pub requisites: Option<CompanyRequisitesSet>,
}

/// The requisites, trimmed, or the field that is wrong.
fn checked_requisites(
    requisites: &CompanyRequisitesSet,
) -> Result<CompanyRequisitesSet, DomainError> {
    let line = |field: &str, text: &str| -> Result<String, DomainError> {
        Ok(Label::parse(field, text)?.as_str().to_owned())
    };
    let lines = |field: &str, texts: &[String]| -> Result<Vec<String>, DomainError> {
        if texts.len() > REQUISITE_LINES_MAX {
            return Err(DomainError::invalid(
                field,
                format!("at most {REQUISITE_LINES_MAX} lines"),
            ));
        }
        texts
            .iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| line(field, text))
            .collect()
    };
    if requisites.ids.len() > REQUISITE_LINES_MAX {
        return Err(DomainError::invalid(
            "ids",
            format!("at most {REQUISITE_LINES_MAX} ids"),
        ));
    }
    Ok(CompanyRequisitesSet {
        legal_name: line("legal_name", &requisites.legal_name)?,
        address: lines("address", &requisites.address)?,
        ids: requisites
            .ids
            .iter()
            .map(|(label, value)| Ok((line("ids", label)?, line("ids", value)?)))
            .collect::<Result<_, DomainError>>()?,
        bank: lines("bank", &requisites.bank)?,
    })
}

#[derive(Debug)]
pub struct Company;

impl Decider for Company {
    type State = CompanyState;
    type Command = Issued<CompanyCommand>;
    type Event = CompanyEvent;
    type Error = DomainError;

    fn decide(
        state: &CompanyState,
        issued: &Self::Command,
    ) -> Result<Vec<CompanyEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            CompanyCommand::SetCurrency(currency) => match state.currency {
                Some(set) if set == *currency => Ok(Vec::new()),
                Some(set) => Err(DomainError::rejected(
                    "company.currency_set",
                    format!("the company currency is {set}; it is set once"),
                )),
                None => Ok(vec![CompanyEvent::CurrencySet(CompanyCurrencySet {
                    currency: *currency,
                })]),
            },
            CompanyCommand::SetRequisites(requisites) => {
                let requisites = checked_requisites(requisites)?;
                if state.requisites.as_ref() == Some(&requisites) {
                    return Ok(Vec::new());
                }
                Ok(vec![CompanyEvent::RequisitesSet(requisites)])
            }
        }
    }

    fn evolve(mut state: CompanyState, event: &CompanyEvent) -> CompanyState {
        match event {
            CompanyEvent::CurrencySet(set) => state.currency = Some(set.currency),
            CompanyEvent::RequisitesSet(set) => state.requisites = Some(set.clone()),
        }
        state
    }
}

// ------------------------------------------------------------------ rates

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRateSet {
    pub currency: Currency,
    /// The company currency the rate is in.
    pub company_currency: Currency,
    pub day: NaiveDate,
    /// Units of the company currency for one unit of `currency`.
    pub rate: Decimal,
}

domain_events! {
    /// The daily rates of one currency.
    pub enum RatesEvent in "rates" {
        Set(ExchangeRateSet) = "ExchangeRateSet" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SetRate {
    pub currency: Currency,
    /// Read by the caller from the company stream.
    pub company_currency: Currency,
    pub day: NaiveDate,
    pub rate: ExchangeRate,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatesState {
    pub by_day: BTreeMap<NaiveDate, Decimal>,
}

impl RatesState {
    /// The rate of `day`, or of the latest day before it that has one,
    /// with the day it is of.
    pub fn on(&self, day: NaiveDate) -> Option<(NaiveDate, Decimal)> {
        self.by_day
            .range(..=day)
            .next_back()
            .map(|(day, rate)| (*day, *rate))
    }
}

#[derive(Debug)]
pub struct Rates;

impl Decider for Rates {
    type State = RatesState;
    type Command = Issued<SetRate>;
    type Event = RatesEvent;
    type Error = DomainError;

    fn decide(state: &RatesState, issued: &Self::Command) -> Result<Vec<RatesEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        if command.currency == command.company_currency {
            return Err(DomainError::invalid(
                "currency",
                format!(
                    "{} is the company currency; its rate is always 1",
                    command.currency
                ),
            ));
        }
        let rate = command.rate.value();
        Ok(crate::unless_unchanged(
            state.by_day.get(&command.day) == Some(&rate),
            || {
                RatesEvent::Set(ExchangeRateSet {
                    currency: command.currency,
                    company_currency: command.company_currency,
                    day: command.day,
                    rate,
                })
            },
        ))
    }

    fn evolve(mut state: RatesState, event: &RatesEvent) -> RatesState {
        match event {
            RatesEvent::Set(set) => {
                state.by_day.insert(set.day, set.rate);
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
