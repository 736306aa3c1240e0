//! Numbers, money and dates as each language writes them.
//!
//! A small formatter for our three languages rather than a full CLDR
//! library:
//! - English: `1,234,567.89`, dates `27 Nov 2026`.
//! - Russian: `1 234 567,89` (a narrow no-break space groups thousands),
//!   dates `27.11.2026`.
//! - Arabic: Western digits with `,` grouping and `.` decimals, as Arabic
//!   business software in the Gulf and the Maghreb commonly shows them
//!   (CLDR's `ar-u-nu-latn`); dates `27/11/2026`. Arabic-Indic digits
//!   would be a change here only.
//!
//! Money is the amount with two decimals and the currency's symbol where
//! one is well known (€, $, £, ₽), its ISO code otherwise: before the
//! amount in English, after it in Russian and Arabic.

use chrono::{Datelike, NaiveDate};
use domain::values::Currency;
use rust_decimal::Decimal;

use super::i18n::Lang;

const NARROW_NO_BREAK_SPACE: char = '\u{202F}';
const NO_BREAK_SPACE: char = '\u{A0}';

fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::En | Lang::Ar => (',', '.'),
        Lang::Ru => (NARROW_NO_BREAK_SPACE, ','),
    }
}

/// Digits grouped by thousands.
fn group(digits: &str, separator: char) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

/// `value` rounded to `decimals` places, grouped, in `lang`.
pub fn decimal(lang: Lang, value: Decimal, decimals: u32) -> String {
    let (group_separator, decimal_separator) = separators(lang);
    let rounded = value.round_dp(decimals);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(whole, group_separator));
    if !fraction.is_empty() {
        out.push(decimal_separator);
        out.push_str(fraction);
    }
    out
}

/// A number as typed into a form, in any of the three languages: spaces
/// (also no-break ones) between groups are dropped, and a lone `,` is the
/// decimal mark (`12,5` in Russian), as is `.`. A `,` next to a `.` is a
/// group separator (`1,234.5`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let normalized = if compact.contains('.') {
        compact.replace(',', "")
    } else {
        compact.replace(',', ".")
    };
    if normalized.is_empty() || normalized.matches('.').count() > 1 {
        return None;
    }
    normalized.parse::<Decimal>().ok()
}

/// A whole number, grouped.
pub fn integer(lang: Lang, value: i64) -> String {
    decimal(lang, Decimal::from(value), 0)
}

/// A quantity: whole when it is whole, else up to three decimals.
pub fn quantity(lang: Lang, value: Decimal) -> String {
    let normalized = value.normalize();
    decimal(lang, normalized, normalized.scale().min(3))
}

fn symbol(currency: Currency) -> Option<&'static str> {
    match currency.as_str() {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        "RUB" => Some("₽"),
        _ => None,
    }
}

/// An amount of money with its currency.
pub fn money(lang: Lang, amount: Decimal, currency: Currency) -> String {
    let number = decimal(lang, amount, 2);
    match (lang, symbol(currency)) {
        (Lang::En, Some(symbol)) => match number.strip_prefix('-') {
            Some(positive) => format!("-{symbol}{positive}"),
            None => format!("{symbol}{number}"),
        },
        (Lang::En, None) => format!("{}{NO_BREAK_SPACE}{number}", currency.as_str()),
        (Lang::Ru | Lang::Ar, symbol) => format!(
            "{number}{NO_BREAK_SPACE}{}",
            symbol.unwrap_or(currency.as_str())
        ),
    }
}

const ENGLISH_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar day.
pub fn date(lang: Lang, day: NaiveDate) -> String {
    match lang {
        Lang::En => format!(
            "{} {} {}",
            day.day(),
            ENGLISH_MONTHS[day.month0() as usize],
            day.year()
        ),
        Lang::Ru => day.format("%d.%m.%Y").to_string(),
        Lang::Ar => day.format("%d/%m/%Y").to_string(),
    }
}

/// A moment, to the minute, in UTC (the business time zone until users
/// have their own).
pub fn date_time(lang: Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{} {}", date(lang, at.date_naive()), at.format("%H:%M"))
}

#[cfg(test)]
mod tests {
    /// Numbers typed with either decimal mark and with group spaces read
    /// as the same value; text that is not a number is refused.
    #[test]
    fn typed_numbers_accept_either_decimal_mark() {
        let value = Decimal::new(12345, 1);
        assert_eq!(parse_decimal("1234.5"), Some(value));
        assert_eq!(parse_decimal("1 234,5"), Some(value));
        assert_eq!(parse_decimal("1,234.5"), Some(value));
        assert_eq!(parse_decimal("1\u{202f}234,5"), Some(value));
        assert_eq!(parse_decimal("1.2.3"), None);
        assert_eq!(parse_decimal("ten"), None);
        assert_eq!(parse_decimal(""), None);
    }

    use super::*;

    fn eur() -> Currency {
        Currency::parse("currency", "EUR").unwrap_or_else(|error| panic!("{error}"))
    }

    /// Each language groups and separates decimals its own way; rounding
    /// and negative amounts keep their sign.
    #[test]
    fn numbers_use_each_languages_separators() {
        let value = Decimal::new(123_456_789, 2);
        assert_eq!(decimal(Lang::En, value, 2), "1,234,567.89");
        assert_eq!(decimal(Lang::Ru, value, 2), "1\u{202F}234\u{202F}567,89");
        assert_eq!(decimal(Lang::Ar, value, 2), "1,234,567.89");
        assert_eq!(integer(Lang::En, 999), "999");
        assert_eq!(integer(Lang::En, -1000), "-1,000");
        assert_eq!(decimal(Lang::En, Decimal::new(-4, 3), 2), "0.00");
        assert_eq!(quantity(Lang::Ru, Decimal::new(15_000, 3)), "15");
        assert_eq!(quantity(Lang::Ru, Decimal::new(1_500, 3)), "1,5");
    }

    /// Money carries its currency where a reader of the language expects it.
    #[test]
    fn money_places_the_currency_by_language() {
        let amount = Decimal::new(-123_450, 2);
        assert_eq!(money(Lang::En, amount, eur()), "-€1,234.50");
        assert_eq!(money(Lang::Ru, amount, eur()), "-1\u{202F}234,50\u{A0}€");
        let aed = Currency::parse("currency", "AED").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(money(Lang::Ar, Decimal::from(5), aed), "5.00\u{A0}AED");
        assert_eq!(money(Lang::En, Decimal::from(5), aed), "AED\u{A0}5.00");
    }

    /// Dates read the way each language writes them.
    #[test]
    fn dates_by_language() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 7).unwrap_or_default();
        assert_eq!(date(Lang::En, day), "7 Nov 2026");
        assert_eq!(date(Lang::Ru, day), "07.11.2026");
        assert_eq!(date(Lang::Ar, day), "07/11/2026");
    }
}
