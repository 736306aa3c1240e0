//! Cells of a CSV row, parsed once into HyperCRM's values.
//!
//! Spreadsheets write numbers in the local way (`1.234,56` in Germany,
//! `1,234.56` in England, `1 234,56` in France), leave optional cells
//! blank and pad cells with spaces. These functions accept exactly that
//! and nothing looser: a thousands separator must sit between groups of
//! three digits, so a file read with the wrong decimal mark (`1,5` read
//! with a decimal point) is refused instead of becoming fifteen.
//!
//! Every error names the CSV column as its header says it and the cell's
//! text, because that is what the person fixing the file sees.

use chrono::NaiveDate;
use chrono::format::{Item, Parsed, StrftimeItems};
use csv::ByteRecord;
use rust_decimal::Decimal;

use domain::DomainError;
use domain::catalog::UnitPrice;
use domain::values::{LABEL_CHARS_MAX, Label};

/// The longest cell text quoted back in an error, in characters.
const QUOTED_CELL_CHARS_MAX: usize = 40;
/// Digits a number may hold: what a `Decimal` mantissa keeps exactly.
const NUMBER_DIGITS_MAX: usize = 28;

/// Which character separates a number's fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalMark {
    /// `1234.56`, `1,234.56`.
    Point,
    /// `1234,56`, `1.234,56`, `1 234,56`.
    Comma,
}

impl DecimalMark {
    fn separator(self) -> char {
        match self {
            Self::Point => '.',
            Self::Comma => ',',
        }
    }

    fn is_group_separator(self, c: char) -> bool {
        let other = match self {
            Self::Point => ',',
            Self::Comma => '.',
        };
        c == other || matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'')
    }
}

/// A number as a spreadsheet writes it: an optional sign, digits with
/// optional thousands separators between groups of three, an optional
/// fraction after the decimal mark. The error is the problem, to follow
/// the quoted cell.
pub fn parse_decimal(raw: &str, mark: DecimalMark) -> Result<Decimal, &'static str> {
    const NOT_A_NUMBER: &str = "is not a number";
    let text = raw.trim();
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (integer, fraction) = match unsigned.split_once(mark.separator()) {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    if integer.is_empty() && fraction.is_none_or(str::is_empty) {
        return Err(NOT_A_NUMBER);
    }
    let mut mantissa: i128 = 0;
    let mut digits = 0usize;
    let mut push = |digit: u8| -> Result<(), &'static str> {
        digits += 1;
        if digits > NUMBER_DIGITS_MAX {
            return Err("has too many digits");
        }
        mantissa = mantissa * 10 + i128::from(digit - b'0');
        Ok(())
    };
    // The integer part: groups of three after the first, if separated.
    let mut group_len = 0usize;
    let mut grouped = false;
    for c in integer.chars() {
        if c.is_ascii_digit() {
            group_len += 1;
            if grouped && group_len > 3 {
                return Err(NOT_A_NUMBER);
            }
            push(c as u8)?;
        } else if mark.is_group_separator(c) {
            let first_group_ok = grouped || (1..=3).contains(&group_len);
            if !first_group_ok || (grouped && group_len != 3) {
                return Err(NOT_A_NUMBER);
            }
            grouped = true;
            group_len = 0;
        } else {
            return Err(NOT_A_NUMBER);
        }
    }
    if grouped && group_len != 3 {
        return Err(NOT_A_NUMBER);
    }
    let mut scale = 0u32;
    if let Some(fraction) = fraction {
        if fraction.is_empty() {
            return Err(NOT_A_NUMBER);
        }
        for c in fraction.bytes() {
            if !c.is_ascii_digit() {
                return Err(NOT_A_NUMBER);
            }
            push(c)?;
            scale += 1;
        }
    }
    if negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| "has too many digits")
}

/// A percentage: a number, optionally followed by `%`.
pub fn parse_percent(raw: &str, mark: DecimalMark) -> Result<Decimal, &'static str> {
    let text = raw.trim();
    parse_decimal(text.strip_suffix('%').unwrap_or(text), mark)
}

/// A date format (chrono's `strftime` syntax), parsed once: parsing the
/// format text again for every cell was an eighth of an import's time.
#[derive(Clone, Debug)]
pub struct DateFormat {
    text: String,
    items: Vec<Item<'static>>,
}

impl DateFormat {
    /// `None` when chrono cannot use `text` as a format.
    pub fn parse(text: &str) -> Option<Self> {
        let items = StrftimeItems::new(text).parse_to_owned().ok()?;
        Some(Self {
            text: text.to_owned(),
            items,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The date `text` writes in this format.
    pub fn read(&self, text: &str) -> Option<NaiveDate> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text, self.items.iter()).ok()?;
        parsed.to_naive_date().ok()
    }
}

/// Checks that trimmed, non-blank `text` would make a [`Label`] without
/// making one: ids and order numbers are checked on every row, and the
/// label's string is not needed.
pub fn check_label(text: &str) -> Result<(), DomainError> {
    // Bytes bound characters from above, so a short text is short enough.
    if text.len() > LABEL_CHARS_MAX || text.chars().any(char::is_control) {
        Label::parse("id", text)?;
    }
    Ok(())
}

/// The SKU a product id gives when no SKU column is mapped: every
/// character a SKU cannot hold replaced by `-` (`Sku` upper-cases it).
pub fn sku_from_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A mapped column: where it is in the file and what its header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
}

impl Column {
    /// The reason a cell of this column is refused: `column "Qty": "-2"
    /// must not be negative`.
    pub fn problem(&self, raw: &str, problem: &str) -> String {
        format!(
            "column {}: {} {problem}",
            Quoted(&self.header),
            Quoted(&quoted_prefix(raw.trim()))
        )
    }

    /// The reason a domain value refused a cell of this column.
    pub fn refused(&self, raw: &str, error: &DomainError) -> String {
        match error {
            DomainError::Invalid { problem, .. } => self.problem(raw, problem),
            other => self.problem(raw, &other.to_string()),
        }
    }

    pub fn blank(&self) -> String {
        format!("column {} is blank", Quoted(&self.header))
    }
}

/// A name or a cell quoted in a message as it is: in double quotes, with
/// only a quote or a backslash in it escaped. Rust's `{:?}` would turn a
/// no-break space into `\u{a0}` and a Cyrillic or Arabic name would stay,
/// so the two looked alike to nobody; control characters never reach
/// here (cells refuse them) but are escaped all the same.
pub(crate) struct Quoted<'a>(pub &'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                c if c.is_control() => write!(f, "{}", c.escape_default())?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

fn quoted_prefix(text: &str) -> String {
    if text.chars().count() <= QUOTED_CELL_CHARS_MAX {
        return text.to_owned();
    }
    let mut prefix: String = text.chars().take(QUOTED_CELL_CHARS_MAX).collect();
    prefix.push('…');
    prefix
}

/// One record of a CSV file with its line number, read through mapped
/// columns.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub record: &'a ByteRecord,
    /// The line the record starts on (the header is line 1).
    pub line: u64,
    pub mark: DecimalMark,
    pub date_format: &'a DateFormat,
}

impl<'a> Row<'a> {
    pub fn new(record: &'a ByteRecord, mark: DecimalMark, date_format: &'a DateFormat) -> Self {
        Self {
            record,
            line: record.position().map_or(0, csv::Position::line),
            mark,
            date_format,
        }
    }

    /// An id from the source system: not blank, one line, at most a
    /// label long.
    pub fn source_id(&self, column: &Column) -> Result<&'a str, String> {
        let text = self.required(column)?;
        check_label(text).map_err(|error| column.refused(text, &error))?;
        Ok(text)
    }

    /// A price or an amount in an optional column, blank meaning none.
    pub fn price(&self, column: Option<&Column>) -> Result<Option<UnitPrice>, String> {
        match (column, self.decimal(column)?) {
            (Some(column), Some(value)) => UnitPrice::parse("price", value)
                .map(Some)
                .map_err(|error| column.refused(&value.to_string(), &error)),
            _ => Ok(None),
        }
    }

    /// The trimmed text of a mapped column; `None` when the column is not
    /// mapped, the row is short or the cell is blank.
    pub fn text(&self, column: Option<&Column>) -> Result<Option<&'a str>, String> {
        let Some(column) = column else {
            return Ok(None);
        };
        let Some(bytes) = self.record.get(column.index) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("column {} is not UTF-8 text", Quoted(&column.header)))?
            .trim();
        Ok((!text.is_empty()).then_some(text))
    }

    /// The text of a column that must not be blank.
    pub fn required(&self, column: &Column) -> Result<&'a str, String> {
        self.text(Some(column))?.ok_or_else(|| column.blank())
    }

    /// A number in an optional column, blank meaning none.
    pub fn decimal(&self, column: Option<&Column>) -> Result<Option<Decimal>, String> {
        let (Some(column), Some(text)) = (column, self.text(column)?) else {
            return Ok(None);
        };
        parse_decimal(text, self.mark)
            .map(Some)
            .map_err(|problem| column.problem(text, problem))
    }

    /// A percentage in an optional column, blank meaning none.
    pub fn percent(&self, column: Option<&Column>) -> Result<Option<Decimal>, String> {
        let (Some(column), Some(text)) = (column, self.text(column)?) else {
            return Ok(None);
        };
        parse_percent(text, self.mark)
            .map(Some)
            .map_err(|problem| column.problem(text, problem))
    }

    /// A date in an optional column, blank meaning none.
    pub fn date(&self, column: Option<&Column>) -> Result<Option<NaiveDate>, String> {
        let (Some(column), Some(text)) = (column, self.text(column)?) else {
            return Ok(None);
        };
        match self.date_format.read(text) {
            Some(date) => Ok(Some(date)),
            None => Err(column.problem(
                text,
                &format!("is not a date in the format {}", self.date_format.as_str()),
            )),
        }
    }

    /// A value parsed by a domain constructor from an optional column.
    pub fn parsed<T>(
        &self,
        column: Option<&Column>,
        parse: impl FnOnce(&str) -> Result<T, DomainError>,
    ) -> Result<Option<T>, String> {
        let (Some(column), Some(text)) = (column, self.text(column)?) else {
            return Ok(None);
        };
        parse(text)
            .map(Some)
            .map_err(|error| column.refused(text, &error))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::str::FromStr;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    /// Protects imports from Excel in English: plain and grouped numbers,
    /// signs and fractions.
    #[test]
    fn numbers_with_a_decimal_point_are_read_with_their_groups() {
        let point = DecimalMark::Point;
        assert_eq!(parse_decimal("12.50", point), Ok(dec("12.50")));
        assert_eq!(parse_decimal(" 1,234.5 ", point), Ok(dec("1234.5")));
        assert_eq!(parse_decimal("1,234,567", point), Ok(dec("1234567")));
        assert_eq!(parse_decimal("-3", point), Ok(dec("-3")));
        assert_eq!(parse_decimal("+.5", point), Ok(dec("0.5")));
        assert_eq!(parse_decimal("0", point), Ok(Decimal::ZERO));
    }

    /// Protects imports from Excel in German and French: the comma is the
    /// decimal mark, points and spaces group thousands.
    #[test]
    fn numbers_with_a_decimal_comma_are_read_with_their_groups() {
        let comma = DecimalMark::Comma;
        assert_eq!(parse_decimal("12,5", comma), Ok(dec("12.5")));
        assert_eq!(parse_decimal("1.234,56", comma), Ok(dec("1234.56")));
        assert_eq!(parse_decimal("1 234,56", comma), Ok(dec("1234.56")));
        assert_eq!(parse_decimal("1\u{a0}234", comma), Ok(dec("1234")));
    }

    /// Protects against a file read with the wrong decimal mark: "1,5"
    /// with a decimal point is refused, not read as fifteen.
    #[test]
    fn a_number_in_the_other_convention_is_refused() {
        let point = DecimalMark::Point;
        for text in [
            "1,5", "12,34", "1,2345", "1.2.3", "", " ", "-", "1e5", "12.", "abc",
        ] {
            assert!(parse_decimal(text, point).is_err(), "{text:?}");
        }
        assert!(parse_decimal("1.5", DecimalMark::Comma).is_err());
        assert!(parse_decimal(&"9".repeat(29), point).is_err());
    }

    /// Protects ids: the quick check refuses what `Label` refuses.
    #[test]
    fn ids_are_checked_like_labels() {
        assert!(check_label("P-1").is_ok());
        assert!(check_label(&"é".repeat(LABEL_CHARS_MAX)).is_ok());
        assert!(check_label(&"x".repeat(LABEL_CHARS_MAX + 1)).is_err());
        assert!(check_label("a\u{7}b").is_err());
        assert!(check_label("a\u{85}b").is_err());
    }

    /// Protects percent columns written with a percent sign.
    #[test]
    fn percentages_may_carry_a_percent_sign() {
        assert_eq!(parse_percent("20 %", DecimalMark::Point), Ok(dec("20")));
        assert_eq!(parse_percent("7,5%", DecimalMark::Comma), Ok(dec("7.5")));
    }

    /// Protects the mapping check: a date format chrono cannot use is
    /// found before any row is read; a usable one reads its dates.
    #[test]
    fn date_formats_are_checked_and_read_dates() {
        assert!(DateFormat::parse("%Q-%").is_none());
        let day_first = DateFormat::parse("%d.%m.%Y").unwrap();
        let expected = NaiveDate::from_ymd_opt(2019, 5, 31);
        assert_eq!(day_first.read("31.05.2019"), expected);
        assert_eq!(day_first.read("2019-05-31"), None);
        assert_eq!(day_first.read("31.05.2019 trailing"), None);
        let with_time = DateFormat::parse("%d/%m/%Y %H:%M").unwrap();
        assert_eq!(with_time.read("31/05/2019 14:30"), expected);
    }
}
