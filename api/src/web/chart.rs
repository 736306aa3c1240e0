//! Bar charts as SVG written on the server: no chart library, no script,
//! readable by screen readers through each bar's `<title>`. Columns over
//! time ([`bars`]: sales by day) and labelled rows ([`rows`]: the funnel,
//! stock value per warehouse, receivables by age).
//!
//! In a right-to-left language time runs from right to left, so the first
//! day stands at the right edge. The positions are mirrored here; the SVG
//! itself says `direction="ltr"` so its labels anchor where they are put.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const MARGIN_TOP: f64 = 20.0;
const MARGIN_BOTTOM: f64 = 24.0;
const MARGIN_SIDE: f64 = 8.0;

/// One bar: its label (a date, already formatted), its value and how the
/// value reads (formatted money).
#[derive(Debug)]
pub struct Bar {
    pub label: String,
    pub value: Decimal,
    pub shown: String,
}

/// Text for SVG content or an attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The largest value of `bars`, at least zero.
fn largest(bars: &[Bar]) -> Decimal {
    bars.iter()
        .map(|bar| bar.value)
        .max()
        .unwrap_or_default()
        .max(Decimal::ZERO)
}

/// `value`'s share of `max` (0 to 1); negative values draw nothing.
fn share(value: Decimal, max: Decimal) -> f64 {
    if max.is_zero() {
        0.0
    } else {
        (value.max(Decimal::ZERO) / max).to_f64().unwrap_or(0.0)
    }
}

/// The SVG of `bars`, titled `title` for assistive technology; `max_shown`
/// labels the tallest bar's height.
pub fn bars(title: &str, bars: &[Bar], max_shown: &str, rtl: bool) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" direction="ltr" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let baseline = HEIGHT - MARGIN_BOTTOM;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{MARGIN_SIDE}" y1="{baseline}" x2="{}" y2="{baseline}"/>"#,
        WIDTH - MARGIN_SIDE
    );
    let max = largest(bars);
    let count = bars.len().max(1) as f64;
    let slot = (WIDTH - 2.0 * MARGIN_SIDE) / count;
    let bar_width = (slot * 0.8).max(1.0);
    let usable = baseline - MARGIN_TOP;
    for (index, bar) in bars.iter().enumerate() {
        let place = if rtl { bars.len() - 1 - index } else { index } as f64;
        let x = MARGIN_SIDE + place * slot + (slot - bar_width) / 2.0;
        let height = usable * share(bar.value, max);
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{x:.2}" y="{:.2}" width="{bar_width:.2}" height="{height:.2}"><title>{}: {}</title></rect>"#,
            baseline - height,
            escape(&bar.label),
            escape(&bar.shown)
        );
    }
    // The first and last days under the axis, and the tallest value above.
    if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        let (start_anchor, end_anchor) = ("start", "end");
        let (first_x, first_anchor, last_x, last_anchor) = if rtl {
            (WIDTH - MARGIN_SIDE, end_anchor, MARGIN_SIDE, start_anchor)
        } else {
            (MARGIN_SIDE, start_anchor, WIDTH - MARGIN_SIDE, end_anchor)
        };
        let y = HEIGHT - 6.0;
        let _ = write!(
            svg,
            r#"<text x="{first_x}" y="{y}" text-anchor="{first_anchor}">{}</text><text x="{last_x}" y="{y}" text-anchor="{last_anchor}">{}</text>"#,
            escape(&first.label),
            escape(&last.label)
        );
        let _ = write!(
            svg,
            r#"<text x="{first_x}" y="12" text-anchor="{first_anchor}">{}</text>"#,
            escape(max_shown)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Height of a row of [`rows`].
const ROW_HEIGHT: f64 = 30.0;
/// Characters of a row's label drawn; the whole label is in its title.
const ROW_LABEL_CHARS_MAX: usize = 24;
/// The labels' share of the width in [`rows`].
const ROW_LABEL_WIDTH: f64 = 230.0;
/// Room kept after the longest bar for its value.
const ROW_VALUE_WIDTH: f64 = 150.0;

/// One bar per row, each labelled at the start and its value shown at
/// its end, scaled to the largest; in a right-to-left language the
/// labels stand on the right and the bars grow leftwards.
pub fn rows(title: &str, bars: &[Bar], rtl: bool) -> String {
    let height = ROW_HEIGHT * bars.len().max(1) as f64 + 4.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" direction="ltr" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let max = largest(bars);
    let usable = WIDTH - 2.0 * MARGIN_SIDE - ROW_LABEL_WIDTH - ROW_VALUE_WIDTH;
    // Positions are worked out left to right, then mirrored for rtl.
    let place = |x: f64, width: f64| if rtl { WIDTH - x - width } else { x };
    let (label_anchor, value_anchor) = if rtl {
        ("end", "end")
    } else {
        ("start", "start")
    };
    for (index, bar) in bars.iter().enumerate() {
        let top = 2.0 + index as f64 * ROW_HEIGHT;
        let width = usable * share(bar.value, max);
        let bar_x = MARGIN_SIDE + ROW_LABEL_WIDTH;
        let text_y = top + ROW_HEIGHT * 0.65;
        let label: String = if bar.label.chars().count() > ROW_LABEL_CHARS_MAX {
            let mut cut: String = bar.label.chars().take(ROW_LABEL_CHARS_MAX - 1).collect();
            cut.push('…');
            cut
        } else {
            bar.label.clone()
        };
        let _ = write!(
            svg,
            r#"<text x="{:.2}" y="{text_y:.2}" text-anchor="{label_anchor}">{}</text>"#,
            place(MARGIN_SIDE, 0.0),
            escape(&label)
        );
        let _ = write!(
            svg,
            r#"<rect class="hbar" x="{:.2}" y="{:.2}" width="{width:.2}" height="{:.2}"><title>{}: {}</title></rect>"#,
            place(bar_x, width),
            top + 4.0,
            ROW_HEIGHT - 8.0,
            escape(&bar.label),
            escape(&bar.shown)
        );
        let _ = write!(
            svg,
            r#"<text class="value" x="{:.2}" y="{text_y:.2}" text-anchor="{value_anchor}">{}</text>"#,
            place(bar_x + width + 6.0, 0.0),
            escape(&bar.shown)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.to_owned(),
            value: Decimal::from(value),
            shown: format!("<{value}>"),
        }
    }

    /// The tallest bar fills the plot, a zero bar has no height, text is
    /// escaped, and right-to-left puts the first day on the right.
    #[test]
    fn bars_scale_to_the_largest_value_and_mirror_for_rtl() {
        let svg = bars(
            "Sales",
            &[bar("1", 0), bar("2", 50), bar("3", 100)],
            "100",
            false,
        );
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"height="0.00""#));
        assert!(svg.contains(r#"height="196.00""#), "{svg}");
        assert!(svg.contains("&lt;100&gt;"));
        // Left to right, the last (tallest) bar stands at the right edge.
        assert!(svg.contains(r#"x="500.80" y="20.00""#), "{svg}");
        let rtl = bars(
            "Sales",
            &[bar("1", 0), bar("2", 50), bar("3", 100)],
            "100",
            true,
        );
        assert!(rtl.contains(r#"x="31.47" y="20.00""#), "{rtl}");
        assert!(rtl.contains(r#"x="500.80" y="216.00""#), "{rtl}");
    }

    /// Rows scale to the largest value with room for labels and values,
    /// escape their text, and mirror for right to left: labels at the
    /// right edge, bars ending where they start left to right.
    #[test]
    fn rows_scale_to_the_largest_value_and_mirror_for_rtl() {
        let shown = [bar("Opened", 10), bar("Won", 5), bar("<Lost>", 0)];
        let svg = rows("Funnel", &shown, false);
        assert_eq!(svg.matches(r#"class="hbar""#).count(), 3);
        // 720 - 16 - 230 - 150 = 324 wide at the most, from x = 238.
        assert!(
            svg.contains(r#"x="238.00" y="6.00" width="324.00""#),
            "{svg}"
        );
        assert!(svg.contains(r#"width="162.00""#), "{svg}");
        assert!(svg.contains("&lt;Lost&gt;"));
        assert!(svg.contains(r#"<text x="8.00""#), "{svg}");
        let rtl = rows("Funnel", &shown, true);
        assert!(
            rtl.contains(r#"x="158.00" y="6.00" width="324.00""#),
            "{rtl}"
        );
        assert!(rtl.contains(r#"<text x="712.00""#), "{rtl}");
        assert!(rows("Empty", &[], false).ends_with("</svg>"));
        let long = rows("Funnel", &[bar(&"x".repeat(40), 1)], false);
        assert!(
            long.contains(&format!(">{}…</text>", "x".repeat(23))),
            "{long}"
        );
    }
}
