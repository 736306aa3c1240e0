//! Printable documents: what a quote, an invoice, a waybill … says, as
//! data a renderer lays out.
//!
//! A [`Printable`] holds every word and figure that appears on the page,
//! already resolved (names, addresses, prices, totals, the amount in
//! words), so that rendering it again gives the same document: issuing a
//! document records its printable with the template version, and a
//! reprint renders that record, not today's data.
//!
//! An issued document is a stream (`document-<id>`, the id derived from
//! its kind and source, so there is one original of each) holding
//! `DocumentIssued`: the printable, the template version, the SHA-256 of
//! the original PDF. Its counterparty and paragraphs may name a person:
//! they are personal fields, sealed with the document's own key, which an
//! erasure of the party destroys.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::PartyId;
use crate::personal::{PersonalData, Slot, slot};
use crate::values::Currency;
use crate::words::Language;

/// Most lines one document prints.
pub const PRINT_LINES_MAX: usize = 2_000;
/// Longest text of one field printed.
pub const PRINT_TEXT_CHARS_MAX: usize = 4_000;

/// What a document is. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrintKind {
    Quote,
    OrderConfirmation,
    Invoice,
    CreditNote,
    Waybill,
    /// An act of completed work.
    Act,
    Contract,
    PurchaseOrder,
    ProductionOrder,
}

impl PrintKind {
    pub const ALL: [Self; 9] = [
        Self::Quote,
        Self::OrderConfirmation,
        Self::Invoice,
        Self::CreditNote,
        Self::Waybill,
        Self::Act,
        Self::Contract,
        Self::PurchaseOrder,
        Self::ProductionOrder,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::OrderConfirmation => "order_confirmation",
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
            Self::Waybill => "waybill",
            Self::Act => "act",
            Self::Contract => "contract",
            Self::PurchaseOrder => "purchase_order",
            Self::ProductionOrder => "production_order",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// One side of a document: the company itself, a customer, a supplier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintParty {
    pub name: String,
    /// Address lines, in order.
    pub address: Vec<String>,
    /// Tax and registration ids, each with its label ("VAT", "ИНН" …).
    pub ids: Vec<(String, String)>,
    /// Bank details, each a line.
    pub bank: Vec<String>,
}

/// One line of a document's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintLine {
    pub description: String,
    /// A product's code, when it has one.
    pub code: Option<String>,
    pub quantity: Decimal,
    pub unit: String,
    /// `None` where the document shows no prices (a waybill, a production
    /// order).
    pub unit_price: Option<Decimal>,
    pub discount_percent: Option<Decimal>,
    pub vat_percent: Option<Decimal>,
    /// The line's total as the document states it.
    pub amount: Option<Decimal>,
}

/// The totals block, as the document states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintTotals {
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    /// The gross amount in words, in the document's language.
    pub in_words: Option<String>,
}

/// Everything a printed document says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printable {
    pub kind: PrintKind,
    pub language: Language,
    /// The document's own number (`INV-2026-000042`), with its revision
    /// for a quote (`Q-2026-000007 v2`).
    pub number: String,
    pub date: NaiveDate,
    /// Due (an invoice), valid until (a quote), delivery (a waybill).
    pub until: Option<NaiveDate>,
    pub currency: Option<Currency>,
    /// The company issuing it.
    pub issuer: PrintParty,
    /// The customer or supplier; `None` for an internal document.
    pub counterparty: Option<PrintParty>,
    /// The document template's header text, as the administrator set it.
    pub header: Option<String>,
    pub lines: Vec<PrintLine>,
    pub totals: Option<PrintTotals>,
    /// Terms, notes, the body of a contract: paragraphs in order.
    pub paragraphs: Vec<String>,
    /// Who signs: one caption per signature line.
    pub signatures: Vec<String>,
}

impl Printable {
    /// Every text field, for the bounds a renderer checks.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        fn party(party: &PrintParty) -> Vec<&str> {
            std::iter::once(party.name.as_str())
                .chain(party.address.iter().map(String::as_str))
                .chain(party.ids.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]))
                .chain(party.bank.iter().map(String::as_str))
                .collect()
        }
        let mut texts = vec![self.number.as_str()];
        texts.extend(party(&self.issuer));
        if let Some(counterparty) = &self.counterparty {
            texts.extend(party(counterparty));
        }
        texts.extend(self.header.as_deref());
        for line in &self.lines {
            texts.push(&line.description);
            texts.extend(line.code.as_deref());
            texts.push(&line.unit);
        }
        if let Some(totals) = &self.totals {
            texts.extend(totals.in_words.as_deref());
        }
        texts.extend(self.paragraphs.iter().map(String::as_str));
        texts.extend(self.signatures.iter().map(String::as_str));
        texts.into_iter()
    }
}

// ------------------------------------------------------------ issued

/// A document was issued: what it printed, with which template, and the
/// SHA-256 of the PDF handed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentIssued {
    /// What it prints: the invoice, order, quote … id.
    pub source: Uuid,
    /// The customer or supplier it is addressed to, readable so that an
    /// erasure finds the document and a listing can filter by it.
    pub party: Option<PartyId>,
    pub printable: Printable,
    /// The layout template's version (`printing::TEMPLATE_VERSION` when it
    /// was issued).
    pub template: u32,
    /// Of the original PDF, lower-case hex.
    pub sha256: String,
}

domain_events! {
    /// A printed document's record.
    pub enum DocumentEvent in "document" {
        // Boxed: a document's record is large beside every other event.
        Issued(Box<DocumentIssued>) = "DocumentIssued" v 1,
    }
}

impl PersonalData for DocumentEvent {
    const PERSONAL: bool = true;

    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        match self {
            Self::Issued(issued) => vec![
                slot(&mut issued.printable.counterparty),
                slot(&mut issued.printable.paragraphs),
            ],
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum DocumentCommand {
    Issue(Box<DocumentIssued>),
}

/// An issued document, as its stream says: its record whole, so that a
/// reprint renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentState {
    pub issued: DocumentIssued,
}

#[derive(Debug)]
pub struct Document;

/// Whether `text` is a SHA-256 in lower-case hex.
fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Decider for Document {
    type State = Option<DocumentState>;
    type Command = Issued<DocumentCommand>;
    type Event = DocumentEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<DocumentEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            DocumentCommand::Issue(document) => {
                if let Some(existing) = state {
                    return Err(DomainError::rejected(
                        "document.issued",
                        format!(
                            "{} is issued already; print a copy of it",
                            existing.issued.printable.number
                        ),
                    ));
                }
                if !is_sha256(&document.sha256) {
                    return Err(DomainError::invalid(
                        "sha256",
                        "must be 64 lower-case hex digits",
                    ));
                }
                if document.printable.lines.len() > PRINT_LINES_MAX {
                    return Err(DomainError::invalid(
                        "lines",
                        format!("a document prints at most {PRINT_LINES_MAX} lines"),
                    ));
                }
                if document
                    .printable
                    .texts()
                    .any(|text| text.chars().count() > PRINT_TEXT_CHARS_MAX)
                {
                    return Err(DomainError::invalid(
                        "text",
                        format!("a printed text has at most {PRINT_TEXT_CHARS_MAX} characters"),
                    ));
                }
                Ok(vec![DocumentEvent::Issued(document.clone())])
            }
        }
    }

    fn evolve(_: Self::State, event: &DocumentEvent) -> Self::State {
        match event {
            DocumentEvent::Issued(issued) => Some(DocumentState {
                issued: issued.as_ref().clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
