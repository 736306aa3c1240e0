//! Values parsed once at the edge: a value of one of these types is valid
//! by construction, so deciders never re-check it.
//!
//! Each `parse` takes the field name it reports errors under. Events store
//! the plain inner values (strings, decimals), never these types: history
//! must decode forever, even if a later version parses input more strictly.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Longest single-line label (a name, a title, a reason), in characters.
pub const LABEL_CHARS_MAX: usize = 200;
/// Longest free text (a note, a description), in characters.
pub const TEXT_CHARS_MAX: usize = 20_000;
/// Longest tag, in characters.
pub const TAG_CHARS_MAX: usize = 50;

/// Whether `c` is an explicit bidirectional formatting character (the
/// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069).
/// In a name they reorder what is shown around them ("exe.txt" shown for
/// "txt.exe"), so typed text must not carry them; the marks U+200E,
/// U+200F and U+061C, which Arabic text uses and which reorder nothing
/// beyond themselves, stay allowed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every bidirectional formatting character replaced by
/// U+FFFD, for outputs (CSV) that must not pass on what was recorded
/// before such characters were refused.
pub fn without_bidi_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_bidi_control) {
        text.chars()
            .map(|c| if is_bidi_control(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

const BIDI_REFUSED: &str =
    "must not contain bidirectional-text controls (U+202A to U+202E, U+2066 to U+2069)";

/// A short single-line text that is never blank: a name, a title.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

impl Label {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(DomainError::invalid(field, "must not be blank"));
        }
        if trimmed.chars().count() > LABEL_CHARS_MAX {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {LABEL_CHARS_MAX} characters"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                field,
                "must be one line without control characters",
            ));
        }
        if trimmed.chars().any(is_bidi_control) {
            return Err(DomainError::invalid(field, BIDI_REFUSED));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// An optional label: blank input means "none".
    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Self>, DomainError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Self::parse(field, text).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text that may span lines and may be empty: a note, a description.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > TEXT_CHARS_MAX {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {TEXT_CHARS_MAX} characters"),
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(DomainError::invalid(
                field,
                "must not contain control characters",
            ));
        }
        if trimmed.chars().any(is_bidi_control) {
            return Err(DomainError::invalid(field, BIDI_REFUSED));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A tag or segment name, compared case-insensitively: stored lower-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let normalized = raw.trim().to_lowercase();
        if normalized.is_empty() {
            return Err(DomainError::invalid(field, "must not be blank"));
        }
        if normalized.chars().count() > TAG_CHARS_MAX {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {TAG_CHARS_MAX} characters"),
            ));
        }
        if normalized
            .chars()
            .any(|c| c.is_control() || is_bidi_control(c) || c == ',' || c == '#')
        {
            return Err(DomainError::invalid(
                field,
                "must not contain commas, '#' or control characters",
            ));
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An ISO 4217 currency code: three upper-case Latin letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        match <[u8; 3]>::try_from(code.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Self(bytes)),
            _ => Err(DomainError::invalid(
                field,
                "must be a three-letter currency code such as EUR",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // The bytes are three ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::parse("currency", &text).map_err(serde::de::Error::custom)
    }
}

/// An amount of money that is never negative. The fields are private so
/// that only [`Money::parse`] makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// Decimal places kept for money amounts.
pub const MONEY_SCALE_MAX: u32 = 4;

/// Rounds a unit price or cost to [`MONEY_SCALE_MAX`] places, half away
/// from zero.
pub fn round_unit(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(
        MONEY_SCALE_MAX,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    )
}
/// The largest amount accepted: a thousand trillion. Sums of millions of
/// such amounts still fit a `Decimal`, so reports cannot overflow.
pub const MONEY_AMOUNT_MAX: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

impl Money {
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// A non-negative amount with at most [`MONEY_SCALE_MAX`] decimals.
    pub fn parse(field: &str, amount: Decimal, currency: Currency) -> Result<Self, DomainError> {
        Ok(Self {
            amount: bounded_decimal(field, amount, MONEY_AMOUNT_MAX, MONEY_SCALE_MAX)?,
            currency,
        })
    }
}

/// Decimal places an exchange rate keeps: central banks publish four to
/// six, and a rate such as 1 / 3 must not lose a cent on a large amount.
pub const RATE_SCALE_MAX: u32 = 10;
/// The largest exchange rate accepted (units of the company currency for
/// one unit of another): wide enough for any pair in use.
pub const RATE_MAX: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// How many units of the company currency one unit of another currency
/// is worth on a day: more than zero, at most [`RATE_MAX`], at most
/// [`RATE_SCALE_MAX`] decimals. A document in the company currency itself
/// has the rate [`ExchangeRate::ONE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeRate(Decimal);

impl ExchangeRate {
    pub const ONE: Self = Self(Decimal::ONE);

    pub fn parse(field: &str, value: Decimal) -> Result<Self, DomainError> {
        if value <= Decimal::ZERO {
            return Err(DomainError::invalid(field, "must be more than zero"));
        }
        bounded_decimal(field, value, RATE_MAX, RATE_SCALE_MAX).map(Self)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// `value`, normalized, if it is not negative, at most `max` and has at
/// most `scale_max` decimal places: the checks every amount and quantity
/// shares.
pub(crate) fn bounded_decimal(
    field: &str,
    value: Decimal,
    max: Decimal,
    scale_max: u32,
) -> Result<Decimal, DomainError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(DomainError::invalid(field, "must not be negative"));
    }
    if value > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max}"),
        ));
    }
    let value = value.normalize();
    if value.scale() > scale_max {
        return Err(DomainError::invalid(
            field,
            format!("must have at most {scale_max} decimal places"),
        ));
    }
    Ok(value)
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// Protects every shown name and text from reordering what is around
    /// it (finding 9 of the trust review): each explicit bidirectional
    /// control is refused in labels, texts and tags, Arabic's marks are
    /// not, and outputs replace those recorded before.
    #[test]
    fn bidirectional_controls_are_refused_and_neutralized() {
        for control in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let text = format!("invoice{control}fdp.exe");
            assert_eq!(
                Label::parse("name", &text).unwrap_err().field(),
                Some("name")
            );
            assert_eq!(
                Text::parse("body", &text).unwrap_err().field(),
                Some("body")
            );
            assert_eq!(Tag::parse("tag", &text).unwrap_err().field(), Some("tag"));
            assert_eq!(without_bidi_controls(&text), "invoice\u{FFFD}fdp.exe");
        }
        let arabic = "\u{200F}شركة النور\u{200E} Ltd\u{061C}";
        assert_eq!(Label::parse("name", arabic).unwrap().as_str(), arabic);
        assert_eq!(without_bidi_controls(arabic), arabic);
    }

    /// Protects names from invisible input: blanks are not names.
    #[test]
    fn a_blank_label_is_rejected_by_field() {
        let error = Label::parse("name", "   ").unwrap_err();
        assert_eq!(error.field(), Some("name"));
    }

    /// Protects single-line labels from newlines and over-long input.
    #[test]
    fn labels_are_one_line_and_bounded() {
        assert!(Label::parse("name", "two\nlines").is_err());
        assert!(Label::parse("name", &"x".repeat(LABEL_CHARS_MAX + 1)).is_err());
        assert_eq!(
            Label::parse("name", "  Acme  ").unwrap().as_str(),
            "Acme",
            "surrounding blanks are trimmed"
        );
    }

    /// Protects the difference between "no value" and a blank value.
    #[test]
    fn an_optional_blank_label_is_none() {
        assert_eq!(Label::parse_optional("title", Some(" ")), Ok(None));
        assert_eq!(Label::parse_optional("title", None), Ok(None));
        assert!(
            Label::parse_optional("title", Some("CEO"))
                .unwrap()
                .is_some()
        );
    }

    /// Protects notes: lines are fine, control bytes and megabytes are not.
    #[test]
    fn text_keeps_lines_and_rejects_control_characters() {
        assert_eq!(Text::parse("body", "a\nb").unwrap().as_str(), "a\nb");
        assert!(Text::parse("body", "bell\u{7}").is_err());
        assert!(Text::parse("body", &"x".repeat(TEXT_CHARS_MAX + 1)).is_err());
    }

    /// Protects segment filters: "VIP" and "vip" are one tag.
    #[test]
    fn tags_are_case_insensitive_and_plain() {
        assert_eq!(Tag::parse("tag", " VIP ").unwrap().as_str(), "vip");
        assert!(Tag::parse("tag", "a,b").is_err());
        assert!(Tag::parse("tag", "").is_err());
    }

    /// Protects money from typos in the currency.
    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(Currency::parse("currency", "eur").unwrap().as_str(), "EUR");
        assert!(Currency::parse("currency", "EURO").is_err());
        assert!(Currency::parse("currency", "E1R").is_err());
    }

    /// Protects the rule that an amount is never negative.
    #[test]
    fn money_is_never_negative_and_has_bounded_decimals() {
        let eur = Currency::parse("currency", "EUR").unwrap();
        let error = Money::parse("amount", Decimal::from(-1), eur).unwrap_err();
        assert_eq!(error.field(), Some("amount"));
        assert!(Money::parse("amount", Decimal::from_str("1.00001").unwrap(), eur).is_err());
        let money = Money::parse("amount", Decimal::from_str("12.5000").unwrap(), eur).unwrap();
        assert_eq!(money.to_string(), "12.5 EUR");
        assert!(Money::parse("amount", Decimal::ZERO, eur).is_ok());
        assert_eq!(MONEY_AMOUNT_MAX, Decimal::from(1_000_000_000_000_000_i64));
        assert!(Money::parse("amount", MONEY_AMOUNT_MAX, eur).is_ok());
        let too_much = MONEY_AMOUNT_MAX + Decimal::ONE;
        assert_eq!(
            Money::parse("amount", too_much, eur).unwrap_err().field(),
            Some("amount")
        );
    }
}
