//! The company currency and exchange rates as given / when / then.

use std::str::FromStr;

use super::*;
use crate::testing::{given, issue};

fn code(text: &str) -> Currency {
    Currency::parse("currency", text).unwrap()
}

fn day(number: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, number).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn set_rate(on: u32, rate: &str) -> SetRate {
    SetRate {
        currency: code("USD"),
        company_currency: code("EUR"),
        day: day(on),
        rate: ExchangeRate::parse("rate", dec(rate)).unwrap(),
    }
}

fn rate_set(on: u32, rate: &str) -> RatesEvent {
    RatesEvent::Set(ExchangeRateSet {
        currency: code("USD"),
        company_currency: code("EUR"),
        day: day(on),
        rate: dec(rate),
    })
}

#[test]
fn the_company_currency_is_set_once() {
    let set = CompanyEvent::CurrencySet(CompanyCurrencySet {
        currency: code("EUR"),
    });
    given::<Company>([])
        .when(issue(CompanyCommand::SetCurrency(code("EUR"))))
        .then(vec![set.clone()]);
    given::<Company>([set.clone()])
        .when(issue(CompanyCommand::SetCurrency(code("EUR"))))
        .then_nothing();
    given::<Company>([set])
        .when(issue(CompanyCommand::SetCurrency(code("USD"))))
        .then_rejected("company.currency_set");
}

#[test]
fn a_rate_is_recorded_and_corrected_per_day() {
    given::<Rates>([])
        .when(issue(set_rate(2, "0.9137")))
        .then(vec![rate_set(2, "0.9137")]);
    given::<Rates>([rate_set(2, "0.9137")])
        .when(issue(set_rate(2, "0.9137")))
        .then_nothing();
    given::<Rates>([rate_set(2, "0.9137")])
        .when(issue(set_rate(2, "0.9141")))
        .then(vec![rate_set(2, "0.9141")]);
}

#[test]
fn the_company_currency_has_no_rate() {
    let mut command = set_rate(2, "1");
    command.currency = code("EUR");
    given::<Rates>([])
        .when(issue(command))
        .then_invalid("currency");
    assert!(ExchangeRate::parse("rate", dec("0")).is_err());
    assert!(ExchangeRate::parse("rate", dec("-1")).is_err());
    assert!(ExchangeRate::parse("rate", dec("0.00000000001")).is_err());
}

/// A weekend has no rate of its own: Friday's holds.
#[test]
fn a_day_without_a_rate_takes_the_latest_before_it() {
    let rates = Rates::replay(&[
        rate_set(6, "0.91"),
        rate_set(9, "0.92"),
        rate_set(9, "0.925"),
    ]);
    assert_eq!(rates.on(day(5)), None);
    assert_eq!(rates.on(day(6)), Some((day(6), dec("0.91"))));
    assert_eq!(rates.on(day(8)), Some((day(6), dec("0.91"))));
    assert_eq!(rates.on(day(9)), Some((day(9), dec("0.925"))));
    assert_eq!(rates.on(day(30)), Some((day(9), dec("0.925"))));
}

fn requisites(name: &str) -> CompanyRequisitesSet {
    CompanyRequisitesSet {
        legal_name: name.to_owned(),
        address: vec!["1 Sheikh Zayed Road".to_owned(), "  ".to_owned()],
        ids: vec![("VAT".to_owned(), "100234567800003".to_owned())],
        bank: vec!["IBAN AE07 0331 2345 6789 0123 456".to_owned()],
    }
}

#[test]
fn requisites_are_set_trimmed_and_replaced() {
    let stored = CompanyRequisitesSet {
        address: vec!["1 Sheikh Zayed Road".to_owned()],
        ..requisites("Hyper Trading Ltd")
    };
    given::<Company>([])
        .when(issue(CompanyCommand::SetRequisites(requisites(
            " Hyper Trading Ltd ",
        ))))
        .then(vec![CompanyEvent::RequisitesSet(stored.clone())]);
    given::<Company>([CompanyEvent::RequisitesSet(stored.clone())])
        .when(issue(CompanyCommand::SetRequisites(requisites(
            "Hyper Trading Ltd",
        ))))
        .then_nothing();
    given::<Company>([CompanyEvent::RequisitesSet(stored)])
        .when(issue(CompanyCommand::SetRequisites(requisites(
            "Hyper Trading LLC",
        ))))
        .then(vec![CompanyEvent::RequisitesSet(CompanyRequisitesSet {
            address: vec!["1 Sheikh Zayed Road".to_owned()],
            ..requisites("Hyper Trading LLC")
        })]);
}

#[test]
fn requisites_need_a_name_and_few_lines() {
    given::<Company>([])
        .when(issue(CompanyCommand::SetRequisites(requisites(" "))))
        .then_invalid("legal_name");
    let mut long = requisites("Hyper");
    long.bank = vec!["line".to_owned(); REQUISITE_LINES_MAX + 1];
    given::<Company>([])
        .when(issue(CompanyCommand::SetRequisites(long)))
        .then_invalid("bank");
    let mut many = requisites("Hyper");
    many.ids = vec![("VAT".to_owned(), "1".to_owned()); REQUISITE_LINES_MAX + 1];
    given::<Company>([])
        .when(issue(CompanyCommand::SetRequisites(many)))
        .then_invalid("ids");
}
