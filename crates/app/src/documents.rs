//! Printed documents, once for every adapter: the original of an invoice
//! issued (its printable made from the records as they are now, laid out,
//! recorded with the SHA-256 of the PDF handed out), its record read
//! back, copies reprinted from the record, and the proof that the
//! original still renders to the hash it was issued with.
//!
//! The layout engine is the adapter's ([`Render`]): `app` stays free of
//! it, and a use case that lays out runs it off the async threads.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{Action, Module, Permission};
use domain::catalog::Product;
use domain::channel::ChannelKind;
use domain::currency::{Company, CompanyRequisitesSet, company_id};
use domain::documents::{
    Document, DocumentCommand, DocumentIssued, PrintKind, PrintLine, PrintParty, PrintTotals,
    Printable,
};
use domain::finance::{Account, AccountEvent, DocumentKind, InvoiceIssued, SeriesEvent};
use domain::ids::{DocumentId, InvoiceId, OrderId, PartyId, QuoteId, SeriesId};
use domain::parties::Party;
use domain::quotes::{Quote, QuoteEvent};
use domain::sales::{Order, OrderEvent, OrderInvoiced};
use domain::words::{Language, amount_in_words};
use domain::{CrmEvent, DomainError};
use eventlog::Actor;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::{App, Run};

/// Lays a printable out as a PDF: the adapter's layout engine.
pub trait Render: Send + Sync + std::fmt::Debug {
    /// The template version new documents are issued with.
    fn template(&self) -> u32;
    /// `printable` with template `template`, marked "copy" when `copy`;
    /// or why it cannot be laid out.
    fn render(&self, printable: &Printable, template: u32, copy: bool) -> Result<Vec<u8>, String>;
}

/// The original just issued.
#[derive(Clone, Debug)]
pub struct IssuedPdf {
    pub document: DocumentId,
    pub number: String,
    pub sha256: String,
    pub pdf: Vec<u8>,
    pub executed: Executed,
}

/// An issued document's record.
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub document: DocumentId,
    pub issued: DocumentIssued,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Actor,
    pub position: u64,
}

/// The printed documents' use cases of `app`.
#[derive(Debug)]
pub struct DocumentUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn documents(&self) -> DocumentUseCases<'_> {
        DocumentUseCases { app: self }
    }
}

/// Reading the finances of a party: what printing its invoices needs.
fn finance_read() -> Permission {
    Permission::new(Module::Finance, Action::Read)
}

fn unknown_invoice(invoice: InvoiceId) -> CommandError {
    DomainError::part_not_found("invoice", invoice).into()
}

fn unknown_document(document: DocumentId) -> CommandError {
    DomainError::part_not_found("document", document).into()
}

/// Lays `printable` out off the async threads.
async fn laid_out(
    renderer: Arc<dyn Render>,
    printable: Printable,
    template: u32,
    copy: bool,
) -> Result<Vec<u8>, CommandError> {
    tokio::task::spawn_blocking(move || renderer.render(&printable, template, copy))
        .await
        .map_err(|error| CommandError::Inconsistent(format!("the layout stopped: {error}")))?
        .map_err(|reason| {
            DomainError::rejected(
                "document.layout",
                format!("the document could not be laid out: {reason}"),
            )
            .into()
        })
}

impl DocumentUseCases<'_> {
    /// Sets the company's requisites, which every document issued from
    /// now on prints (administrators).
    pub async fn set_requisites(
        &self,
        by: &Caller,
        run: Run,
        requisites: CompanyRequisitesSet,
    ) -> Result<Executed, CommandError> {
        self.app
            .execute::<Company, _>(
                by,
                run,
                company_id(),
                domain::currency::CompanyCommand::SetRequisites(requisites),
                None,
            )
            .await
    }

    /// The company's requisites, once set.
    pub fn requisites(&self) -> Result<Option<CompanyRequisitesSet>, CommandError> {
        Ok(self.app.load::<Company>(company_id())?.0.requisites)
    }

    /// Issues the original of `party`'s invoice `invoice` in `language`:
    /// answers the PDF, which is recorded by its hash. An invoice printed
    /// before is refused (`document.issued`): its copies are reprinted.
    pub async fn issue_invoice(
        &self,
        by: &Caller,
        run: Run,
        party: PartyId,
        invoice: InvoiceId,
        language: Language,
        renderer: Arc<dyn Render>,
    ) -> Result<IssuedPdf, CommandError> {
        let commands = &self.app.commands;
        access::ensure_in_reach(commands, by, finance_read(), Kind::Party, party.as_uuid())
            .map_err(|_| unknown_invoice(invoice))?;
        let printable = invoice_printable(commands, party, invoice, language)?;
        self.issue(
            by,
            run,
            PrintKind::Invoice,
            invoice.as_uuid(),
            Some(party),
            printable,
            renderer,
        )
        .await
    }

    /// Issues the original of the current revision of `quote` in
    /// `language`: answers the PDF, recorded by its hash. Each revision
    /// has one original (`document.issued` for a second); its copies are
    /// reprinted.
    pub async fn issue_quote(
        &self,
        by: &Caller,
        run: Run,
        quote: QuoteId,
        language: Language,
        renderer: Arc<dyn Render>,
    ) -> Result<IssuedPdf, CommandError> {
        let commands = &self.app.commands;
        let read = Permission::new(Module::Sales, Action::Read);
        access::ensure_in_reach(commands, by, read, Kind::Quote, quote.as_uuid())?;
        let (printable, party, revision) = quote_printable(commands, quote, language)?;
        let source =
            domain::ids::derived(quote.as_uuid(), format!("revision:{revision}").as_bytes());
        self.issue(
            by,
            run,
            PrintKind::Quote,
            source,
            Some(party),
            printable,
            renderer,
        )
        .await
    }

    /// Issues the original of `order`'s confirmation in `language`: its
    /// confirmed lines at their frozen prices, for its customer. A
    /// confirmation prints once (`document.issued`); its copies are
    /// reprinted. A draft has nothing to confirm (`document.not_confirmed`).
    pub async fn issue_order_confirmation(
        &self,
        by: &Caller,
        run: Run,
        order: OrderId,
        language: Language,
        renderer: Arc<dyn Render>,
    ) -> Result<IssuedPdf, CommandError> {
        let commands = &self.app.commands;
        let read = Permission::new(Module::Orders, Action::Read);
        access::ensure_in_reach(commands, by, read, Kind::Order, order.as_uuid())?;
        let (printable, party) = order_confirmation_printable(commands, order, language)?;
        self.issue(
            by,
            run,
            PrintKind::OrderConfirmation,
            order.as_uuid(),
            Some(party),
            printable,
            renderer,
        )
        .await
    }

    /// Lays `printable` out and records the original of `kind` printed
    /// from `source`.
    #[allow(clippy::too_many_arguments)]
    async fn issue(
        &self,
        by: &Caller,
        run: Run,
        kind: PrintKind,
        source: uuid::Uuid,
        party: Option<PartyId>,
        printable: Printable,
        renderer: Arc<dyn Render>,
    ) -> Result<IssuedPdf, CommandError> {
        let template = renderer.template();
        let pdf = laid_out(renderer, printable.clone(), template, false).await?;
        let sha256 = sha256_hex(&pdf);
        let document = DocumentId::original(kind.key(), source);
        let number = printable.number.clone();
        let issued = DocumentIssued {
            source,
            party,
            printable,
            template,
            sha256: sha256.clone(),
        };
        let executed = self
            .app
            .execute::<Document, _>(
                by,
                run,
                document,
                DocumentCommand::Issue(Box::new(issued)),
                None,
            )
            .await?;
        Ok(IssuedPdf {
            document,
            number,
            sha256,
            pdf,
            executed,
        })
    }

    /// An issued document's record, if `by` may read what it prints (a
    /// party's finances for an invoice, its quotes for a quote): one out
    /// of reach answers as a missing one.
    pub fn record(
        &self,
        by: &Caller,
        document: DocumentId,
    ) -> Result<DocumentRecord, CommandError> {
        let commands = &self.app.commands;
        let (state, _) = self.app.load::<Document>(document)?;
        let issued = state.ok_or_else(|| unknown_document(document))?.issued;
        let permission = Permission::new(printed_by(issued.printable.kind), Action::Read);
        let allowed = match issued.party {
            Some(party) => access::in_reach(commands, by, permission, Kind::Party, party.as_uuid()),
            None => by.grants.reach(permission).is_some(),
        };
        if !allowed {
            return Err(unknown_document(document));
        }
        let stream = CommandHandler::stream::<Document>(document)?;
        let first = commands
            .log()
            .read_stream(&stream, 0, 1)?
            .into_iter()
            .next()
            .ok_or_else(|| unknown_document(document))?;
        Ok(DocumentRecord {
            document,
            issued,
            issued_at: first.recorded_at,
            issued_by: first.actor,
            position: first.position,
        })
    }

    /// A copy of an issued document, laid out from its record (marked
    /// "copy" on every page).
    pub async fn copy(
        &self,
        by: &Caller,
        document: DocumentId,
        renderer: Arc<dyn Render>,
    ) -> Result<(DocumentRecord, Vec<u8>), CommandError> {
        let record = self.record(by, document)?;
        let pdf = laid_out(
            renderer,
            record.issued.printable.clone(),
            record.issued.template,
            true,
        )
        .await?;
        Ok((record, pdf))
    }

    /// Whether the original, laid out again from its record, has the
    /// hash it was issued with. After the party's erasure its personal
    /// fields are blank and it no longer does.
    pub async fn verify(
        &self,
        by: &Caller,
        document: DocumentId,
        renderer: Arc<dyn Render>,
    ) -> Result<(DocumentRecord, bool), CommandError> {
        let record = self.record(by, document)?;
        let pdf = laid_out(
            renderer,
            record.issued.printable.clone(),
            record.issued.template,
            false,
        )
        .await?;
        let same = sha256_hex(&pdf) == record.issued.sha256;
        Ok((record, same))
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The company as its documents name it: its requisites, which an
/// administrator sets first.
fn issuer(commands: &CommandHandler) -> Result<PrintParty, CommandError> {
    let stream = CommandHandler::stream::<Company>(company_id())?;
    let requisites: CompanyRequisitesSet =
        commands.load::<Company>(&stream)?.0.requisites.ok_or_else(|| {
            DomainError::rejected(
                "document.no_requisites",
                "the company's requisites (legal name, address, tax ids, bank) are not set: an administrator sets them first",
            )
        })?;
    Ok(PrintParty {
        name: requisites.legal_name,
        address: requisites.address,
        ids: requisites.ids,
        bank: requisites.bank,
    })
}

/// The customer as its invoice names them: name and postal addresses.
fn customer(commands: &CommandHandler, party: PartyId) -> Result<PrintParty, CommandError> {
    let stream = CommandHandler::stream::<Party>(party)?;
    let state = commands
        .load::<Party>(&stream)?
        .0
        .ok_or_else(|| DomainError::part_not_found("party", party))?;
    Ok(PrintParty {
        name: state.name.display_name(),
        address: state
            .channels
            .iter()
            .filter(|channel| channel.kind == ChannelKind::PostalAddress)
            .map(|channel| channel.value.clone())
            .collect(),
        ids: Vec::new(),
        bank: Vec::new(),
    })
}

/// `party`'s invoice `invoice` as it reads now, in `language`.
fn invoice_printable(
    commands: &CommandHandler,
    party: PartyId,
    invoice: InvoiceId,
    language: Language,
) -> Result<Printable, CommandError> {
    let account = CommandHandler::stream::<Account>(party)?;
    if !commands
        .load::<Account>(&account)?
        .0
        .invoices
        .contains_key(&invoice)
    {
        return Err(unknown_invoice(invoice));
    }
    let mut found: Option<(InvoiceIssued, NaiveDate)> = None;
    crate::records::find_in_stream(commands.log(), &account, |record, event| match event {
        CrmEvent::Account(AccountEvent::InvoiceIssued(issued)) if issued.invoice == invoice => {
            found = Some((issued, record.occurred_at.date_naive()));
            true
        }
        _ => false,
    })?;
    let (issued, day) = found.ok_or_else(|| unknown_invoice(invoice))?;
    let number = invoice_number(commands, &issued, day)?;
    let lines = match issued.order {
        Some(order) => invoice_lines(commands, order, invoice)?,
        None => Vec::new(),
    };
    Ok(Printable {
        kind: PrintKind::Invoice,
        language,
        number,
        date: day,
        until: Some(issued.due),
        currency: Some(issued.currency),
        issuer: issuer(commands)?,
        counterparty: Some(customer(commands, party)?),
        header: None,
        lines,
        totals: Some(totals(issued.total, issued.currency, language)),
        paragraphs: Vec::new(),
        signatures: Vec::new(),
    })
}

/// The number the invoice's series gave it; refused while the processes
/// have not numbered it yet (a moment after it is issued).
fn invoice_number(
    commands: &CommandHandler,
    issued: &InvoiceIssued,
    day: NaiveDate,
) -> Result<String, CommandError> {
    document_number(
        commands,
        DocumentKind::Invoice,
        issued.invoice.as_uuid(),
        issued.branch,
        day.year(),
    )
}

/// The number the series of `kind`, `branch` and `year` gave `document`;
/// refused while the processes have not numbered it yet (a moment after
/// it is made).
fn document_number(
    commands: &CommandHandler,
    kind: DocumentKind,
    document: uuid::Uuid,
    branch: Option<domain::ids::BranchId>,
    year: i32,
) -> Result<String, CommandError> {
    let series = SeriesId::of(kind, branch, year);
    let stream = CommandHandler::stream::<domain::finance::Series>(series)?;
    let mut number = None;
    crate::records::find_in_stream(commands.log(), &stream, |_, event| match event {
        CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered))
            if numbered.document == document =>
        {
            number = Some(numbered.number.as_str().to_owned());
            true
        }
        _ => false,
    })?;
    number.ok_or_else(|| {
        DomainError::rejected(
            "document.unnumbered",
            "the document has no number yet; try again in a moment",
        )
        .into()
    })
}

/// The lines `invoice` bills, as its order invoiced them, with each
/// product's name, code and unit as they are now.
fn invoice_lines(
    commands: &CommandHandler,
    order: domain::ids::OrderId,
    invoice: InvoiceId,
) -> Result<Vec<PrintLine>, CommandError> {
    let stream = CommandHandler::stream::<Order>(order)?;
    let state = commands
        .load::<Order>(&stream)?
        .0
        .ok_or_else(|| unknown_invoice(invoice))?;
    let mut invoiced: Option<OrderInvoiced> = None;
    crate::records::find_in_stream(commands.log(), &stream, |_, event| match event {
        CrmEvent::Order(OrderEvent::Invoiced(found)) if found.invoice == invoice => {
            invoiced = Some(found);
            true
        }
        _ => false,
    })?;
    let Some(invoiced) = invoiced else {
        return Ok(Vec::new());
    };
    invoiced
        .lines
        .iter()
        .map(|line| {
            let confirmed = state
                .lines
                .get(&line.line)
                .map(|progress| &progress.confirmed);
            printed_line(
                commands,
                line.product,
                line.quantity,
                Prices {
                    unit_price: confirmed.map(|c| c.unit_price),
                    discount_percent: confirmed.and_then(|c| c.discount_percent),
                    vat_percent: confirmed.map(|c| c.vat_percent),
                    amount: Some(line.amounts.net),
                },
            )
        })
        .collect()
}

/// The module whose permissions reach a printed document of `kind`: the
/// one that reaches what it prints.
pub fn printed_by(kind: PrintKind) -> Module {
    match kind {
        PrintKind::Quote | PrintKind::Contract => Module::Sales,
        PrintKind::OrderConfirmation | PrintKind::Waybill => Module::Orders,
        PrintKind::Invoice | PrintKind::CreditNote | PrintKind::Act => Module::Finance,
        PrintKind::PurchaseOrder => Module::Purchasing,
        PrintKind::ProductionOrder => Module::Production,
    }
}

/// The current revision of `quote` as it reads now, in `language`: its
/// party and revision number too.
fn quote_printable(
    commands: &CommandHandler,
    quote: QuoteId,
    language: Language,
) -> Result<(Printable, PartyId, u32), CommandError> {
    let stream = CommandHandler::stream::<Quote>(quote)?;
    let state = commands
        .load::<Quote>(&stream)?
        .0
        .ok_or_else(|| access::not_found(Kind::Quote, quote.as_uuid()))?;
    let current = &state.current;
    let mut drafted_year = None;
    let mut revised_on = None;
    crate::records::find_in_stream(commands.log(), &stream, |record, event| {
        match event {
            CrmEvent::Quote(QuoteEvent::Drafted(_)) => {
                drafted_year = Some(record.occurred_at.year());
            }
            CrmEvent::Quote(QuoteEvent::Revised(revised))
                if revised.revision == current.revision =>
            {
                revised_on = Some(record.occurred_at.date_naive());
                return true;
            }
            _ => {}
        }
        false
    })?;
    let (Some(year), Some(date)) = (drafted_year, revised_on) else {
        return Err(access::not_found(Kind::Quote, quote.as_uuid()).into());
    };
    let drafted = &state.drafted;
    let mut number = document_number(
        commands,
        DocumentKind::Quote,
        quote.as_uuid(),
        drafted.branch,
        year,
    )?;
    if current.revision > 1 {
        number = format!("{number} v{}", current.revision);
    }
    let lines = current
        .lines
        .iter()
        .map(|line| {
            printed_line(
                commands,
                line.product,
                line.quantity,
                Prices {
                    unit_price: Some(line.unit_price),
                    discount_percent: line.discount_percent,
                    vat_percent: Some(line.vat_percent),
                    amount: Some(line.amounts.net),
                },
            )
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    let printable = Printable {
        kind: PrintKind::Quote,
        language,
        number,
        date,
        until: Some(current.valid_until),
        currency: Some(drafted.currency),
        issuer: issuer(commands)?,
        counterparty: Some(customer(commands, drafted.party)?),
        header: None,
        lines,
        totals: Some(totals(current.total, drafted.currency, language)),
        paragraphs: current
            .terms
            .iter()
            .flat_map(|terms| terms.split("\n\n"))
            .map(str::trim)
            .filter(|paragraph| !paragraph.is_empty())
            .map(str::to_owned)
            .collect(),
        signatures: Vec::new(),
    };
    Ok((printable, drafted.party, current.revision))
}

/// `order`'s confirmation as it reads now, in `language`, and its party.
fn order_confirmation_printable(
    commands: &CommandHandler,
    order: OrderId,
    language: Language,
) -> Result<(Printable, PartyId), CommandError> {
    let stream = CommandHandler::stream::<Order>(order)?;
    let state = commands
        .load::<Order>(&stream)?
        .0
        .ok_or_else(|| access::not_found(Kind::Order, order.as_uuid()))?;
    let mut drafted_year = None;
    let mut confirmed = None;
    crate::records::find_in_stream(commands.log(), &stream, |record, event| {
        match event {
            CrmEvent::Order(OrderEvent::Drafted(_)) => {
                drafted_year = Some(record.occurred_at.year());
            }
            CrmEvent::Order(OrderEvent::Confirmed(found)) => {
                confirmed = Some((found, record.occurred_at.date_naive()));
                return true;
            }
            _ => {}
        }
        false
    })?;
    let (Some(year), Some((confirmed, day))) = (drafted_year, confirmed) else {
        return Err(DomainError::rejected(
            "document.not_confirmed",
            "a draft order has nothing to confirm yet: confirm it first",
        )
        .into());
    };
    let drafted = &state.drafted;
    let number = document_number(
        commands,
        DocumentKind::Order,
        order.as_uuid(),
        drafted.branch,
        year,
    )?;
    let lines = confirmed
        .lines
        .iter()
        .map(|line| {
            printed_line(
                commands,
                line.product,
                line.quantity,
                Prices {
                    unit_price: Some(line.unit_price),
                    discount_percent: line.discount_percent,
                    vat_percent: Some(line.vat_percent),
                    amount: Some(line.amounts.net),
                },
            )
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    let printable = Printable {
        kind: PrintKind::OrderConfirmation,
        language,
        number,
        date: day,
        until: None,
        currency: Some(confirmed.currency),
        issuer: issuer(commands)?,
        counterparty: Some(customer(commands, drafted.party)?),
        header: None,
        lines,
        totals: Some(totals(confirmed.total, confirmed.currency, language)),
        paragraphs: drafted.reference.iter().cloned().collect(),
        signatures: Vec::new(),
    };
    Ok((printable, drafted.party))
}

/// What a printed line says of money; all `None` where the document shows
/// no prices.
struct Prices {
    unit_price: Option<rust_decimal::Decimal>,
    discount_percent: Option<rust_decimal::Decimal>,
    vat_percent: Option<rust_decimal::Decimal>,
    amount: Option<rust_decimal::Decimal>,
}

/// A line of `quantity` of `product` as printed: the product's name, code
/// and unit as they are now (the record keeps them as printed), and its
/// prices.
fn printed_line(
    commands: &CommandHandler,
    product: domain::ids::ProductId,
    quantity: rust_decimal::Decimal,
    prices: Prices,
) -> Result<PrintLine, CommandError> {
    let stream = CommandHandler::stream::<Product>(product)?;
    let found = commands.load::<Product>(&stream)?.0;
    Ok(PrintLine {
        description: found
            .as_ref()
            .map_or_else(|| product.to_string(), |p| p.name.clone()),
        code: found.as_ref().map(|p| p.sku.clone()),
        quantity,
        unit: found.as_ref().map(|p| p.unit.clone()).unwrap_or_default(),
        unit_price: prices.unit_price,
        discount_percent: prices.discount_percent,
        vat_percent: prices.vat_percent,
        amount: prices.amount,
    })
}

/// The totals block of `total` in `currency`, the gross in words in
/// `language`.
fn totals(
    total: domain::sales::Amounts,
    currency: domain::values::Currency,
    language: Language,
) -> PrintTotals {
    PrintTotals {
        net: total.net,
        vat: total.vat,
        gross: total.gross,
        in_words: amount_in_words(total.gross, currency, language),
    }
}
