//! Issuing a document: once, with a proper hash, within the bounds; its
//! personal fields are the counterparty and the paragraphs.

use std::str::FromStr;

use super::*;
use crate::testing::{given, id, issue};

fn printable(lines: usize) -> Printable {
    Printable {
        kind: PrintKind::Invoice,
        language: Language::Russian,
        number: "INV-2026-000042".to_owned(),
        date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        until: None,
        currency: Some(Currency::parse("currency", "RUB").unwrap()),
        issuer: PrintParty {
            name: "ООО «Гипер»".to_owned(),
            ..PrintParty::default()
        },
        counterparty: Some(PrintParty {
            name: "Иван Петров".to_owned(),
            address: vec!["ул. Ленина, 5".to_owned()],
            ..PrintParty::default()
        }),
        header: None,
        lines: (0..lines)
            .map(|line| PrintLine {
                description: format!("Кружка {line}"),
                code: None,
                quantity: Decimal::ONE,
                unit: "шт".to_owned(),
                unit_price: Some(Decimal::from_str("10.5").unwrap()),
                discount_percent: None,
                vat_percent: None,
                amount: Some(Decimal::from_str("10.5").unwrap()),
            })
            .collect(),
        totals: None,
        paragraphs: vec!["Оплата для Ивана Петрова".to_owned()],
        signatures: vec!["Директор".to_owned()],
    }
}

fn issued(lines: usize) -> DocumentIssued {
    DocumentIssued {
        source: Uuid::from_u128(7),
        party: Some(id(8)),
        printable: printable(lines),
        template: 1,
        sha256: "ab".repeat(32),
    }
}

fn issue_it(document: DocumentIssued) -> Issued<DocumentCommand> {
    issue(DocumentCommand::Issue(Box::new(document)))
}

#[test]
fn a_document_is_issued_once() {
    given::<Document>([])
        .when(issue_it(issued(2)))
        .then(vec![DocumentEvent::Issued(Box::new(issued(2)))]);
    given::<Document>([DocumentEvent::Issued(Box::new(issued(2)))])
        .when(issue_it(issued(2)))
        .then_rejected("document.issued");
}

#[test]
fn a_document_needs_a_hash_and_bounded_content() {
    for bad in [
        "",
        "AB".repeat(32).as_str(),
        "ab".repeat(31).as_str(),
        "zz".repeat(32).as_str(),
    ] {
        given::<Document>([])
            .when(issue_it(DocumentIssued {
                sha256: bad.to_owned(),
                ..issued(1)
            }))
            .then_invalid("sha256");
    }
    given::<Document>([])
        .when(issue_it(issued(PRINT_LINES_MAX + 1)))
        .then_invalid("lines");
    let mut long = issued(1);
    long.printable.signatures = vec!["я".repeat(PRINT_TEXT_CHARS_MAX + 1)];
    given::<Document>([])
        .when(issue_it(long))
        .then_invalid("text");
}

#[test]
fn the_counterparty_and_the_paragraphs_are_personal() {
    let mut event = DocumentEvent::Issued(Box::new(issued(1)));
    let taken: Vec<Vec<u8>> = event
        .personal_slots()
        .iter_mut()
        .map(|slot| slot.take())
        .collect();
    let DocumentEvent::Issued(blank) = &event;
    assert_eq!(blank.printable.counterparty, None);
    assert!(blank.printable.paragraphs.is_empty());
    assert_eq!(blank.printable.number, "INV-2026-000042", "the rest stays");
    assert_eq!(blank.party, Some(id(8)), "the party's id stays readable");
    for (slot, bytes) in event.personal_slots().iter_mut().zip(&taken) {
        slot.restore(bytes).unwrap();
    }
    assert_eq!(event, DocumentEvent::Issued(Box::new(issued(1))));
}

#[test]
fn kinds_are_known_by_their_keys() {
    for kind in PrintKind::ALL {
        assert_eq!(PrintKind::parse(kind.key()), Some(kind));
    }
    assert_eq!(PrintKind::parse("receipt"), None);
    assert_ne!(
        crate::ids::DocumentId::original("invoice", Uuid::from_u128(7)),
        crate::ids::DocumentId::original("waybill", Uuid::from_u128(7))
    );
}
