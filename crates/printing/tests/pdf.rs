#![allow(clippy::unwrap_used)]

//! Our PDFs read by tools we did not write: poppler's `pdftotext` finds
//! each document's words in each language (Arabic in logical order, its
//! numbers not reversed), `pdftoppm` draws an Arabic invoice's first page
//! (kept as an artifact); the same document renders to the same bytes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use chrono::NaiveDate;
use domain::documents::{PrintKind, PrintLine, PrintParty, PrintTotals, Printable};
use domain::values::Currency;
use domain::words::{Language, amount_in_words};
use printing::{RenderError, Renderer, TEMPLATE_VERSION, sha256_hex};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// What each language's invoice says, in its own words.
struct Words {
    issuer: &'static str,
    customer: &'static str,
    street: &'static str,
    item: &'static str,
    terms: &'static str,
    signature: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::English => Words {
            issuer: "Hyper Trading Ltd",
            customer: "Acme Corporation",
            street: "12 Harbour Street",
            item: "Blue mug",
            terms: "Payment within 14 days.",
            signature: "Director",
        },
        Language::Russian => Words {
            issuer: "ООО «Гипер Трейдинг»",
            customer: "ООО «Ромашка»",
            street: "ул. Ленина, 5",
            item: "Кружка синяя",
            terms: "Оплата в течение 14 дней.",
            signature: "Директор",
        },
        Language::Arabic => Words {
            issuer: "شركة هايبر للتجارة",
            customer: "شركة النور",
            street: "شارع الملك فهد 12",
            item: "كوب أزرق",
            terms: "الدفع خلال أسبوعين من تاريخ الفاتورة",
            signature: "المدير",
        },
    }
}

fn party(name: &str, street: &str) -> PrintParty {
    PrintParty {
        name: name.to_owned(),
        address: vec![street.to_owned(), "Dubai 00000".to_owned()],
        ids: vec![("VAT".to_owned(), "100234567800003".to_owned())],
        bank: vec!["IBAN AE07 0331 2345 6789 0123 456".to_owned()],
    }
}

/// An invoice of `lines` lines of mugs in `language`: 1234.50 EUR gross
/// for the two-line one.
fn invoice(kind: PrintKind, language: Language, lines: usize) -> Printable {
    let words = words(language);
    let eur = Currency::parse("currency", "EUR").unwrap();
    let line = |index: usize| PrintLine {
        description: format!("{} {}", words.item, index + 1),
        code: Some(format!("MUG-{:03}", index + 1)),
        quantity: dec("3"),
        unit: "pcs".to_owned(),
        unit_price: Some(dec("171.4583")),
        discount_percent: Some(dec("5")),
        vat_percent: Some(dec("20")),
        amount: Some(dec("488.67")),
    };
    let gross = dec("1234.50");
    Printable {
        kind,
        language,
        number: "INV-2026-000042".to_owned(),
        date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        until: NaiveDate::from_ymd_opt(2026, 12, 21),
        currency: Some(eur),
        issuer: party(words.issuer, "1 Sheikh Zayed Road"),
        counterparty: Some(party(words.customer, words.street)),
        header: Some("Hyper Trading Ltd · Dubai".to_owned()),
        lines: (0..lines).map(line).collect(),
        totals: Some(PrintTotals {
            net: dec("1028.75"),
            vat: dec("205.75"),
            gross,
            in_words: amount_in_words(gross, eur, language),
        }),
        paragraphs: vec![words.terms.to_owned()],
        signatures: vec![words.signature.to_owned()],
    }
}

/// Where the tests keep what they drew, for a person to look at.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let folder = target.join("artifacts").join("documents");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn pdf_to_text(pdf: &[u8], name: &str) -> String {
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(output.status.success(), "{name}: {output:?}");
    // pdftotext marks each run's direction with embedding controls.
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'))
        .collect()
}

/// What pdftotext reports for `text` laid out in a right-to-left line:
/// the same, except that the two letters of a lam-alef ligature come out
/// swapped. Our PDF maps the ligature's glyph to lam then alef (logical
/// order, checked in `the_ligature_maps_to_its_letters_in_logical_order`);
/// poppler reverses the letters of one glyph along with the run. Applied
/// to what a test expects, never to what it reads.
fn as_poppler_reads(text: &str) -> String {
    text.replace("لا", "ال")
        .replace("لأ", "أل")
        .replace("لإ", "إل")
        .replace("لآ", "آل")
}

/// Protects every document in every language: each renders, and
/// pdftotext finds its title, number, parties, lines, total, amount in
/// words, terms and signature.
#[test]
fn every_kind_renders_in_every_language_and_reads_back() {
    let renderer = Renderer::new();
    let titles = |language| match language {
        Language::English => ["Quote", "Invoice", "Waybill", "Act of completed work"],
        Language::Russian => [
            "Коммерческое предложение",
            "Счёт",
            "Товарная накладная",
            "Акт выполненных работ",
        ],
        Language::Arabic => ["عرض سعر", "فاتورة", "مذكرة تسليم", "محضر إنجاز الأعمال"],
    };
    for language in Language::ALL {
        let kinds = [
            PrintKind::Quote,
            PrintKind::Invoice,
            PrintKind::Waybill,
            PrintKind::Act,
        ];
        for (kind, title) in kinds.into_iter().zip(titles(language)) {
            let printable = invoice(kind, language, 2);
            let pdf = renderer
                .render(&printable, TEMPLATE_VERSION, false)
                .unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{kind:?} {language:?}");
            let text = pdf_to_text(&pdf, &format!("{}-{}", kind.key(), language.tag()));
            let words = words(language);
            for expected in [
                title,
                "INV-2026-000042",
                words.issuer,
                words.customer,
                words.street,
                words.terms,
                words.signature,
                "MUG-002",
                "1234.50",
                "171.4583",
                printable
                    .totals
                    .as_ref()
                    .unwrap()
                    .in_words
                    .as_deref()
                    .unwrap(),
            ] {
                assert!(
                    text.contains(&as_poppler_reads(expected)),
                    "{kind:?} in {language:?} lacks {expected:?}:\n{text}"
                );
            }
        }
    }
}

/// Protects Arabic: the words read in logical order (not reversed
/// letter by letter), numbers and Latin codes inside a right-to-left line
/// keep their own order, and the first page is drawn to a PNG a person
/// can look at (target/artifacts/documents/invoice-ar-1.png).
#[test]
fn an_arabic_invoice_reads_in_logical_order_and_draws() {
    let renderer = Renderer::new();
    let printable = invoice(PrintKind::Invoice, Language::Arabic, 2);
    let pdf = renderer
        .render(&printable, TEMPLATE_VERSION, false)
        .unwrap();
    let text = pdf_to_text(&pdf, "invoice-ar");
    assert!(text.contains("شركة النور"), "{text}");
    assert!(!text.contains("رونلا"), "not reversed: {text}");
    assert!(
        text.contains("1234.50") && !text.contains("05.4321"),
        "{text}"
    );
    assert!(text.contains("INV-2026-000042"), "{text}");
    assert!(
        text.contains(&as_poppler_reads(
            "ألف ومائتان وأربعة وثلاثون يورو وخمسون سنت"
        )),
        "{text}"
    );
    assert!(
        text.contains(&as_poppler_reads("تاريخ الاستحقاق 21/12/2026")),
        "{text}"
    );

    let png = artifacts().join("invoice-ar");
    let drawn = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1"])
        .arg(artifacts().join("invoice-ar.pdf"))
        .arg(&png)
        .output()
        .expect("pdftoppm (Debian poppler-utils) is installed");
    assert!(drawn.status.success(), "{drawn:?}");
    let page = std::fs::read(artifacts().join("invoice-ar-1.png")).unwrap();
    assert!(page.starts_with(b"\x89PNG"), "a PNG");
    assert!(page.len() > 5_000, "a page with something on it");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn flate2_inflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(bytes).read_to_end(&mut inflated)?;
    Ok(inflated)
}

/// Protects what the Arabic checks assume: the lam-alef ligature's glyph
/// maps back to lam then alef in the PDF's ToUnicode table, so a reader
/// that keeps a glyph's letters in order reads the word as written.
#[test]
fn the_ligature_maps_to_its_letters_in_logical_order() {
    let renderer = Renderer::new();
    let printable = invoice(PrintKind::Invoice, Language::Arabic, 1);
    let pdf = renderer
        .render(&printable, TEMPLATE_VERSION, false)
        .unwrap();
    // The PDF's streams, inflated: the ToUnicode tables among them.
    let mut tables = String::new();
    let mut rest = pdf.as_slice();
    while let Some(start) = find(rest, b"stream\n") {
        rest = &rest[start + b"stream\n".len()..];
        let Some(end) = find(rest, b"endstream") else {
            break;
        };
        if let Ok(inflated) = flate2_inflate(&rest[..end]) {
            tables.push_str(&String::from_utf8_lossy(&inflated));
        }
        rest = &rest[end + b"endstream".len()..];
    }
    assert!(tables.contains("begincmap"), "a ToUnicode table was read");
    assert!(tables.contains("<06440627>"), "lam, alef");
    assert!(!tables.contains("<06270644>"), "never alef, lam");
}

/// Protects reprints: the same document renders to the same bytes (so
/// the same SHA-256), a copy is marked and so differs, and a changed
/// figure changes the hash.
#[test]
fn the_same_document_renders_to_the_same_bytes() {
    let renderer = Renderer::new();
    let printable = invoice(PrintKind::Invoice, Language::Russian, 3);
    let first = renderer
        .render(&printable, TEMPLATE_VERSION, false)
        .unwrap();
    let again = Renderer::new()
        .render(&printable, TEMPLATE_VERSION, false)
        .unwrap();
    assert_eq!(sha256_hex(&first), sha256_hex(&again));
    assert_eq!(first, again);

    let copy = renderer.render(&printable, TEMPLATE_VERSION, true).unwrap();
    assert_ne!(sha256_hex(&copy), sha256_hex(&first));
    assert!(pdf_to_text(&copy, "invoice-ru-copy").contains("КОПИЯ"));
    assert_eq!(
        copy,
        renderer.render(&printable, TEMPLATE_VERSION, true).unwrap()
    );

    let mut changed = printable.clone();
    changed.lines[0].quantity = dec("4");
    let other = renderer.render(&changed, TEMPLATE_VERSION, false).unwrap();
    assert_ne!(sha256_hex(&other), sha256_hex(&first));
}

/// Protects the bounds: an unknown template version, too many lines and
/// too long a text are refused with their reason, not laid out.
#[test]
fn out_of_bounds_documents_are_refused_with_a_reason() {
    let renderer = Renderer::new();
    let printable = invoice(PrintKind::Invoice, Language::English, 1);
    assert_eq!(
        renderer.render(&printable, 999, false),
        Err(RenderError::UnknownTemplate(999))
    );
    let mut long = printable.clone();
    long.lines = vec![long.lines[0].clone(); domain::documents::PRINT_LINES_MAX + 1];
    assert_eq!(
        renderer.render(&long, TEMPLATE_VERSION, false),
        Err(RenderError::TooManyLines(
            domain::documents::PRINT_LINES_MAX + 1
        ))
    );
    let mut wordy = printable;
    wordy.paragraphs = vec!["x".repeat(domain::documents::PRINT_TEXT_CHARS_MAX + 1)];
    assert!(matches!(
        renderer.render(&wordy, TEMPLATE_VERSION, false),
        Err(RenderError::TextTooLong(_))
    ));
}

/// Text a user might type, and text meant to break a layout: markup of
/// the template language, control characters, mixed scripts, long words.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zа-яА-Я0-9 ]{0,40}",
        "[\u{0600}-\u{06FF} 0-9]{0,40}",
        Just("#panic(\"x\") $x$ *bold* _it_ [link] \\ <label> @ref // comment /* x".to_owned()),
        Just("\u{202E}reversed\u{202C} \u{200F}mark\u{200E} \u{0000}\u{0007}\t\r\n".to_owned()),
        Just("W".repeat(300)),
        any::<String>().prop_map(|text| text.chars().take(200).collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Any document data renders to a PDF or is refused with a reason:
    /// never a panic.
    #[test]
    fn any_document_renders_or_is_refused(
        name in hostile_text(),
        description in hostile_text(),
        paragraph in hostile_text(),
        language in prop_oneof![Just(Language::English), Just(Language::Russian), Just(Language::Arabic)],
        lines in prop_oneof![0_usize..4, Just(500_usize)],
    ) {
        let renderer = Renderer::new();
        let mut printable = invoice(PrintKind::Invoice, language, lines);
        printable.number = name.clone();
        if let Some(counterparty) = printable.counterparty.as_mut() {
            counterparty.name = name;
        }
        for line in &mut printable.lines {
            line.description = description.clone();
        }
        printable.paragraphs = vec![paragraph];
        match renderer.render(&printable, TEMPLATE_VERSION, false) {
            Ok(pdf) => prop_assert!(pdf.starts_with(b"%PDF-")),
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }
}
