//! `cargo xtask bench-print`: invoices of 20 lines rendered to PDF, a
//! third each in English, Russian and Arabic, on one thread and then on
//! every core, with the documents per second per core. The issue's
//! target is 100 a second per core. Results go to `docs/benchmarks.md` by
//! hand.

use std::time::Instant;

use chrono::NaiveDate;
use domain::documents::{PrintKind, PrintLine, PrintParty, PrintTotals, Printable};
use domain::values::Currency;
use domain::words::{Language, amount_in_words};
use printing::{Renderer, TEMPLATE_VERSION};
use rust_decimal::Decimal;

#[derive(Debug)]
pub struct Settings {
    pub documents: usize,
    pub lines: usize,
}

/// Invoice `number` of `lines` lines in `language`; every figure varies
/// with the number so that no two documents are alike.
fn invoice(number: usize, lines: usize, language: Language) -> anyhow::Result<Printable> {
    let eur = Currency::parse("currency", "EUR")?;
    let (customer, item) = match language {
        Language::English => ("Acme Corporation", "Blue mug, 350 ml"),
        Language::Russian => ("ООО «Ромашка»", "Кружка синяя, 350 мл"),
        Language::Arabic => ("شركة النور للتجارة", "كوب أزرق ٣٥٠ مل"),
    };
    let party = |name: &str| PrintParty {
        name: name.to_owned(),
        address: vec!["12 Harbour Street".to_owned(), "Dubai 00000".to_owned()],
        ids: vec![("VAT".to_owned(), "100234567800003".to_owned())],
        bank: vec!["IBAN AE07 0331 2345 6789 0123 456".to_owned()],
    };
    let mut net = Decimal::ZERO;
    let lines = (0..lines)
        .map(|line| {
            let quantity = Decimal::from(1 + (number + line) % 9);
            let price = Decimal::new(1_000 + ((number * 31 + line * 7) % 9_000) as i64, 2);
            let amount = quantity * price;
            net += amount;
            PrintLine {
                description: format!("{item} {}", line + 1),
                code: Some(format!("SKU-{:05}", line + number % 1_000)),
                quantity,
                unit: "pcs".to_owned(),
                unit_price: Some(price),
                discount_percent: None,
                vat_percent: Some(Decimal::from(20)),
                amount: Some(amount),
            }
        })
        .collect();
    let vat = (net * Decimal::new(2, 1)).round_dp(2);
    let gross = net + vat;
    Ok(Printable {
        kind: PrintKind::Invoice,
        language,
        number: format!("INV-2026-{number:06}"),
        date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default(),
        until: NaiveDate::from_ymd_opt(2026, 12, 21),
        currency: Some(eur),
        issuer: party("Hyper Trading Ltd"),
        counterparty: Some(party(customer)),
        header: Some("Hyper Trading Ltd · Dubai".to_owned()),
        lines,
        totals: Some(PrintTotals {
            net,
            vat,
            gross,
            in_words: amount_in_words(gross, eur, language),
        }),
        paragraphs: vec!["Payment within 14 days.".to_owned()],
        signatures: vec!["Director".to_owned(), "Accountant".to_owned()],
    })
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let documents: Vec<Printable> = (0..settings.documents)
        .map(|number| invoice(number, settings.lines, Language::ALL[number % 3]))
        .collect::<anyhow::Result<_>>()?;
    let started = Instant::now();
    let renderer = Renderer::new();
    println!(
        "renderer built (fonts and template parsed) in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    // A warm-up document: the first one compiles the template.
    renderer.render(&documents[0], TEMPLATE_VERSION, false)?;

    let started = Instant::now();
    let mut bytes = 0_usize;
    for document in &documents {
        bytes += renderer.render(document, TEMPLATE_VERSION, false)?.len();
    }
    let one = started.elapsed().as_secs_f64();
    println!(
        "one thread: {} invoices of {} lines in {one:.2} s: {:.0} documents/s per core ({:.0} KiB each on average)",
        documents.len(),
        settings.lines,
        documents.len() as f64 / one,
        bytes as f64 / documents.len() as f64 / 1024.0
    );

    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..cores)
            .map(|core| {
                let (renderer, documents) = (&renderer, &documents);
                scope.spawn(move || -> anyhow::Result<()> {
                    for document in documents.iter().skip(core).step_by(cores) {
                        renderer.render(document, TEMPLATE_VERSION, false)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a rendering thread panicked"))??;
        }
        Ok(())
    })?;
    let all = started.elapsed().as_secs_f64();
    println!(
        "{cores} threads: {} invoices in {all:.2} s: {:.0} documents/s, {:.0} per core",
        documents.len(),
        documents.len() as f64 / all,
        documents.len() as f64 / all / cores as f64
    );
    Ok(())
}
