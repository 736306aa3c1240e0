//! CSV files for download: a header row, then rows of text and numbers.
//!
//! Numbers are written as the machine reads them (a dot for decimals, no
//! grouping), whatever the page's language, so a file opens the same
//! everywhere. Text is what users typed (names, categories), so a cell
//! that a spreadsheet would take for a formula (starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP
//! advises against CSV injection. Numbers are ours, never typed, so a
//! negative one keeps its minus sign. Bidirectional-text controls in text
//! are replaced by U+FFFD.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;

/// The content type of every CSV download.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// A cell of a CSV row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text from users or the catalogue: neutralised against formulas.
    Text(String),
    /// A figure: written with a dot, as many decimals as it needs.
    Number(Decimal),
    /// An amount of money: written with a dot and two decimals.
    Money(Decimal),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    fn written(&self) -> String {
        match self {
            Cell::Text(text) => neutralised(text),
            Cell::Number(number) => number.normalize().to_string(),
            Cell::Money(amount) => format!("{:.2}", amount.round_dp(2)),
        }
    }
}

/// `text` with a leading `'` when a spreadsheet would read it as a
/// formula.
/// Bidirectional controls recorded before they were refused are
/// replaced, so no cell reorders what a spreadsheet shows around it.
fn neutralised(text: &str) -> String {
    let text = domain::values::without_bidi_controls(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.into_owned()
    }
}

/// The CSV text of a header row and `rows`, each row ended by CRLF
/// (RFC 4180); cells with a comma, a quote or a line break are quoted.
pub fn write(header: &[String], rows: &[Vec<Cell>]) -> anyhow::Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(header.iter().map(|name| neutralised(name)))?;
    for row in rows {
        writer.write_record(row.iter().map(Cell::written))?;
    }
    let bytes = writer.into_inner().map_err(|error| error.into_error())?;
    Ok(String::from_utf8(bytes)?)
}

/// A CSV download of `body` saved as `file_name`, as [`download_as`].
pub fn download(file_name: &str, body: String) -> Response {
    download_as(file_name, CSV_CONTENT_TYPE, body)
}

/// A download of `body` of `content_type` saved as `file_name` (ASCII
/// letters, digits, `-`, `_` and `.` only, so the header needs no quoting
/// rules).
pub fn download_as(file_name: &str, content_type: &'static str, body: String) -> Response {
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    match HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        Ok(disposition) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Commas, quotes and line breaks stay inside their cell, and rows
    /// end with CRLF: it protects files that open with the right columns.
    #[test]
    fn cells_with_commas_quotes_and_line_breaks_are_quoted() {
        let text = write(
            &["Name".to_owned(), "Amount".to_owned()],
            &[vec![
                Cell::text("Smith, \"Jr\"\nLtd"),
                Cell::Money(Decimal::new(12_345, 1)),
            ]],
        )
        .unwrap();
        assert_eq!(
            text,
            "Name,Amount\r\n\"Smith, \"\"Jr\"\"\nLtd\",1234.50\r\n"
        );
    }

    /// Protects spreadsheets from text recorded before bidirectional
    /// controls were refused: each is replaced, the rest kept.
    #[test]
    fn bidirectional_controls_are_replaced_in_cells() {
        let text = write(
            &["Name".to_owned()],
            &[vec![Cell::text("Invoice \u{202E}cod.exe")]],
        )
        .unwrap();
        assert_eq!(text, "Name\r\nInvoice \u{FFFD}cod.exe\r\n");
    }

    /// Text a spreadsheet would run as a formula gets a leading quote;
    /// other text and our own negative numbers are written as they are.
    #[test]
    fn text_that_looks_like_a_formula_is_neutralised() {
        let cells = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx"];
        let rows: Vec<Vec<Cell>> = cells.iter().map(|text| vec![Cell::text(*text)]).collect();
        let text = write(&["Name".to_owned()], &rows).unwrap();
        assert_eq!(
            text.lines().count(),
            cells.len() + 1,
            "a header and a row per cell"
        );
        for line in text.lines().skip(1) {
            assert!(line.starts_with("'") || line.starts_with("\"'"), "{line}");
        }
        let plain = write(
            &["=Name".to_owned(), "Margin".to_owned(), "Units".to_owned()],
            &[vec![
                Cell::text("Ada"),
                Cell::Money(Decimal::new(-1_250, 2)),
                Cell::Number(Decimal::new(7_000, 3)),
            ]],
        )
        .unwrap();
        assert_eq!(plain, "'=Name,Margin,Units\r\nAda,-12.50,7\r\n");
    }
}
