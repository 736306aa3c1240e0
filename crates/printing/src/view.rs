//! A [`Printable`] as the template reads it: every figure already written
//! out as text, so that the layout does no arithmetic and a reprint shows
//! exactly the digits of the original.
//!
//! This view is part of template version 1: a change to how it writes
//! anything changes the bytes of every reprint, so it comes with a new
//! template version (and the old view kept for the old version).

use chrono::NaiveDate;
use domain::documents::{PrintLine, PrintParty, Printable};
use domain::words::Language;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(crate) struct View<'a> {
    lang: &'static str,
    kind: &'static str,
    copy: bool,
    number: &'a str,
    date: String,
    until: Option<String>,
    currency: Option<&'a str>,
    issuer: PartyView<'a>,
    counterparty: Option<PartyView<'a>>,
    header: Option<&'a str>,
    lines: Vec<LineView<'a>>,
    totals: Option<TotalsView<'a>>,
    paragraphs: &'a [String],
    signatures: &'a [String],
}

#[derive(Debug, Serialize)]
struct PartyView<'a> {
    name: &'a str,
    address: &'a [String],
    ids: &'a [(String, String)],
    bank: &'a [String],
}

#[derive(Debug, Serialize)]
struct LineView<'a> {
    description: &'a str,
    code: Option<&'a str>,
    quantity: String,
    unit: &'a str,
    price: Option<String>,
    discount: Option<String>,
    vat: Option<String>,
    amount: Option<String>,
}

#[derive(Debug, Serialize)]
struct TotalsView<'a> {
    net: String,
    vat: String,
    gross: String,
    words: Option<&'a str>,
}

/// Money with at least two decimals (a unit price may have four).
fn money(value: Decimal) -> String {
    let value = value.normalize();
    if value.scale() < 2 {
        format!("{value:.2}")
    } else {
        value.to_string()
    }
}

/// A quantity or a percentage without trailing zeros.
fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A day as each language writes it: 2026-12-07, 07.12.2026,
/// 07/12/2026. (In a right-to-left line the slashes keep the three parts
/// in one run; hyphens would not.)
fn date(day: NaiveDate, language: Language) -> String {
    let format = match language {
        Language::English => "%Y-%m-%d",
        Language::Russian => "%d.%m.%Y",
        Language::Arabic => "%d/%m/%Y",
    };
    day.format(format).to_string()
}

fn party(party: &PrintParty) -> PartyView<'_> {
    PartyView {
        name: &party.name,
        address: &party.address,
        ids: &party.ids,
        bank: &party.bank,
    }
}

fn line(line: &PrintLine) -> LineView<'_> {
    LineView {
        description: &line.description,
        code: line.code.as_deref(),
        quantity: plain(line.quantity),
        unit: &line.unit,
        price: line.unit_price.map(money),
        discount: line.discount_percent.map(plain),
        vat: line.vat_percent.map(plain),
        amount: line.amount.map(money),
    }
}

impl<'a> View<'a> {
    pub(crate) fn of(printable: &'a Printable, copy: bool) -> Self {
        Self {
            lang: printable.language.tag(),
            kind: printable.kind.key(),
            copy,
            number: &printable.number,
            date: date(printable.date, printable.language),
            until: printable.until.map(|day| date(day, printable.language)),
            currency: printable.currency.as_ref().map(|c| c.as_str()),
            issuer: party(&printable.issuer),
            counterparty: printable.counterparty.as_ref().map(party),
            header: printable.header.as_deref(),
            lines: printable.lines.iter().map(line).collect(),
            totals: printable.totals.as_ref().map(|totals| TotalsView {
                net: money(totals.net),
                vat: money(totals.vat),
                gross: money(totals.gross),
                words: totals.in_words.as_deref(),
            }),
            paragraphs: &printable.paragraphs,
            signatures: &printable.signatures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_shows_cents_and_keeps_finer_digits() {
        let money = |text| money(Decimal::from_str(text).unwrap());
        assert_eq!(money("12"), "12.00");
        assert_eq!(money("12.5"), "12.50");
        assert_eq!(money("12.5000"), "12.50");
        assert_eq!(money("0.1234"), "0.1234");
        assert_eq!(money("-3"), "-3.00");
        assert_eq!(plain(Decimal::from_str("2.500").unwrap()), "2.5");
    }
}
