//! Historical orders: flat order lines, one `SaleImported` per order.
//!
//! The file is read twice. The first pass reads only the order numbers and
//! finds the orders whose rows are not together (an order must not be
//! imported from its first rows alone). The second pass groups the rows of
//! each order, parses them, and for an order whose every row parsed:
//! creates the products and customers it names that are not known yet
//! (from the order row: name and category), decides the sale with
//! [`ImportedSale`] and hands it to the writer thread, which keeps many
//! appends in flight so the log commits them in large groups. A row
//! that does not parse is reported with its line and reason, and its whole
//! order is skipped; nothing of that order is written, not even the
//! products it would have created.
//!
//! A sale's stream id, and its event's id, derive from the order number,
//! and the event goes in with `ExpectedVersion::NoStream`: the log itself
//! finds an order imported before (the event id is stored), without a
//! stream read per order. Such an order is compared with the stored one
//! and counted as already present, or refused if it differs.
//!
//! Memory stays bounded: one order's rows (at most [`ORDER_LINES_MAX`]),
//! a thousand sales queued for the writer and 256 in flight, and the first
//! pass's map of order numbers (an id and a line per order: 24 bytes, some
//! 30–55 in a hash map, so about 50 MB for a million orders).

use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use csv::ByteRecord;
use domain::catalog::{DefineProduct, ProductKind, Quantity, Sku, UnitPrice, VatRate};
use domain::ids::PartyId;
use domain::parties::PartyName;
use domain::process::event_id;
use domain::sales::{ImportLine, ImportSale, ImportedSale, ORDER_LINES_MAX, SaleEvent};
use domain::values::{Label, round_unit};
use domain::{Decider, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use uuid::Uuid;

use super::cells::{Column, Quoted, Row, check_label, sku_from_id};
use super::customers::register_customer;
use super::mapping::{OrderFields, Resolver, Source};
use super::products::define_product;
use super::report::{OrdersReport, Refusals};
use super::{
    CsvFile, IMPORT_ACTOR, ImportError, PROGRESS_EVERY_ROWS, Phase, ProductRef, Progress, ids,
    start_of,
};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

/// Sales appended at once, so the log commits them in large groups.
pub const SALE_APPENDS_IN_FLIGHT_MAX: usize = 256;
/// Decided sales waiting for the writer.
const SALE_QUEUE_MAX: usize = 1_024;

#[derive(Debug)]
pub(super) struct OrderColumns {
    number: Column,
    date: Column,
    ship_date: Option<Column>,
    customer: Column,
    customer_name: Option<Column>,
    product: Column,
    product_name: Option<Column>,
    category: Option<Column>,
    quantity: Column,
    unit_price: Option<Column>,
    amount: Option<Column>,
    discount: Option<Column>,
    unit_cost: Option<Column>,
    vat: Option<Column>,
}

impl OrderColumns {
    pub fn resolve(resolver: &Resolver<'_>, fields: &OrderFields) -> Result<Self, ImportError> {
        Ok(Self {
            number: resolver.required("number", &fields.number)?,
            date: resolver.required("date", &fields.date)?,
            ship_date: resolver.optional("ship_date", fields.ship_date.as_ref())?,
            customer: resolver.required("customer", &fields.customer)?,
            customer_name: resolver.optional("customer_name", fields.customer_name.as_ref())?,
            product: resolver.required("product", &fields.product)?,
            product_name: resolver.optional("product_name", fields.product_name.as_ref())?,
            category: resolver.optional("category", fields.category.as_ref())?,
            quantity: resolver.required("quantity", &fields.quantity)?,
            unit_price: resolver.optional("unit_price", fields.unit_price.as_ref())?,
            amount: resolver.optional("amount", fields.amount.as_ref())?,
            discount: resolver.optional("discount", fields.discount.as_ref())?,
            unit_cost: resolver.optional("unit_cost", fields.unit_cost.as_ref())?,
            vat: resolver.optional("vat", fields.vat.as_ref())?,
        })
    }
}

/// The product of an order line: known (imported, or found in the log),
/// or to be created from the row.
#[derive(Debug)]
enum LineProduct {
    Known(ProductRef),
    New {
        source_id: String,
        name: Option<String>,
        category: Option<Label>,
    },
}

/// One parsed order line. Rows of known products and customers, nearly
/// all of them, allocate no text: they hold ids.
#[derive(Debug)]
struct OrderRow {
    line: u64,
    shipped_on: Option<NaiveDate>,
    product: LineProduct,
    quantity: Quantity,
    unit_price: Option<UnitPrice>,
    amount: Option<UnitPrice>,
    discount: Option<VatRate>,
    unit_cost: Option<UnitPrice>,
    vat: Option<VatRate>,
}

/// The customer of an order, as its first row names it.
#[derive(Debug)]
struct OrderCustomer {
    source_id: String,
    /// `None`: not known yet; created from the order's rows.
    party: Option<PartyId>,
    /// For a new customer: the first name a row gives.
    name: Option<String>,
}

/// A name spelled otherwise than the kept spelling, noted once the order
/// is accepted.
#[derive(Debug)]
struct OtherName {
    entity: &'static str,
    source_id: String,
    name: String,
    line: u64,
}
/// An order whose rows are not together: where its first rows start and
/// where the next of its blocks does.
#[derive(Clone, Copy, Debug)]
struct Scattered {
    first_line: u64,
    next_block_line: u64,
}

/// The first pass: the orders whose rows are not together, by number.
fn find_scattered_orders(
    source: &Source<OrderFields>,
    columns: &OrderColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<FxHashMap<String, Scattered>, ImportError> {
    let mut csv = CsvFile::open(source)?;
    // Every order's id → the line its rows start on.
    let mut first_lines: FxHashMap<Uuid, u64> = FxHashMap::default();
    let mut scattered: FxHashMap<String, Scattered> = FxHashMap::default();
    let mut current: Vec<u8> = Vec::new();
    let mut record = ByteRecord::new();
    let mut rows = 0u64;
    while csv.next(&mut record)? {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
            progress(csv.progress(Phase::CheckingOrders));
        }
        let number = record
            .get(columns.number.index)
            .map(<[u8]>::trim_ascii)
            .unwrap_or_default();
        if number.is_empty() || number == current.as_slice() {
            continue;
        }
        current.clear();
        current.extend_from_slice(number);
        let line = record.position().map_or(0, csv::Position::line);
        let text = String::from_utf8_lossy(number);
        let text = text.trim();
        match first_lines.entry(ids::sale(text)) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(line);
            }
            std::collections::hash_map::Entry::Occupied(entry) => {
                scattered.entry(text.to_owned()).or_insert(Scattered {
                    first_line: *entry.get(),
                    next_block_line: line,
                });
            }
        }
    }
    progress(csv.progress(Phase::CheckingOrders));
    Ok(scattered)
}

/// The rows of one order read so far.
#[derive(Debug)]
struct Group {
    number: String,
    first_line: u64,
    /// The first row's order date and customer, which every row repeats.
    ordered_on: Option<NaiveDate>,
    customer: Option<OrderCustomer>,
    rows: Vec<OrderRow>,
    other_names: Vec<OtherName>,
    /// A row was refused: the order is skipped.
    failed: bool,
    /// Count the order as skipped when this group ends (false for the
    /// later blocks of a scattered order, counted at its first).
    counts: bool,
}

/// A decided sale on its way to a writer thread.
struct SaleJob {
    stream: StreamName,
    command_id: Uuid,
    event: SaleEvent,
    occurred_at: DateTime<Utc>,
    number: String,
    first_line: u64,
    lines: u64,
    /// Its lines whose amount was rounded to cents, and by how much.
    rounded: u64,
    rounding: Decimal,
}

/// What one writer thread did.
#[derive(Debug, Default)]
struct WriterTally {
    imported: u64,
    lines_imported: u64,
    amounts_rounded: u64,
    rounding_difference: Decimal,
    already_present: u64,
    refused: Refusals,
}

pub(super) fn import_orders(
    context: &mut super::Context<'_>,
    source: &Source<OrderFields>,
    columns: &OrderColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let started = Instant::now();
    let scattered = find_scattered_orders(source, columns, progress)?;
    let mut csv = CsvFile::open(source)?;
    let mut reader = OrderReader {
        columns,
        scattered: &scattered,
        report: OrdersReport::default(),
        refusals: Refusals::default(),
        file: csv.name.clone(),
        today: context.now.date_naive(),
    };
    let log = context.store.log.clone().filter(|_| !context.store.dry_run);
    let tally = std::thread::scope(|scope| -> Result<WriterTally, ImportError> {
        let (sender, writer) = match &log {
            Some(log) => {
                let (sender, receiver) = tokio::sync::mpsc::channel::<SaleJob>(SALE_QUEUE_MAX);
                let file = reader.file.clone();
                (
                    Some(sender),
                    Some(scope.spawn(move || write_sales(log, &file, receiver))),
                )
            }
            None => (None, None),
        };
        let read = reader.read_all(context, &mut csv, source, sender.as_ref(), progress);
        // Closing the queue ends the writer once it is drained.
        drop(sender);
        let tally = match writer.map(|writer| writer.join()) {
            None => WriterTally::default(),
            Some(Ok(Ok(tally))) => tally,
            Some(Ok(Err(error))) => return Err(error),
            Some(Err(_)) => return Err(ImportError::Worker("the sale writer panicked".to_owned())),
        };
        read?;
        Ok(tally)
    })?;
    let OrderReader {
        mut report,
        mut refusals,
        ..
    } = reader;
    report.orders_imported += tally.imported;
    report.lines_imported += tally.lines_imported;
    report.amounts_rounded += tally.amounts_rounded;
    report.rounding_difference += tally.rounding_difference;
    report.orders_already_present += tally.already_present;
    report.orders_skipped += tally.refused.count;
    refusals.count += tally.refused.count;
    refusals.listed.extend(tally.refused.listed);
    report.rows_rejected = refusals.count;
    report.elapsed = started.elapsed();
    context.report.list_rejections(refusals.listed);
    context.report.orders = Some(report);
    Ok(())
}

/// The second pass over the orders file, on the calling thread.
struct OrderReader<'a> {
    columns: &'a OrderColumns,
    scattered: &'a FxHashMap<String, Scattered>,
    report: OrdersReport,
    refusals: Refusals,
    file: String,
    today: NaiveDate,
}

impl OrderReader<'_> {
    fn read_all(
        &mut self,
        context: &mut super::Context<'_>,
        csv: &mut CsvFile,
        source: &Source<OrderFields>,
        writer: Option<&tokio::sync::mpsc::Sender<SaleJob>>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), ImportError> {
        let mut record = ByteRecord::new();
        let mut group: Option<Group> = None;
        while csv.next(&mut record)? {
            self.report.rows_read += 1;
            if self.report.rows_read.is_multiple_of(PROGRESS_EVERY_ROWS) {
                progress(csv.progress(Phase::Orders));
            }
            let row = source.row(&record);
            let number = match row.required(&self.columns.number) {
                Ok(number) => number,
                Err(reason) => {
                    self.refusals.add(&self.file, row.line, None, reason);
                    continue;
                }
            };
            if group.as_ref().is_none_or(|group| group.number != number) {
                if let Err(error) = check_label(number) {
                    let reason = self.columns.number.refused(number, &error);
                    self.refusals.add(&self.file, row.line, None, reason);
                    continue;
                }
                if let Some(done) = group.take() {
                    self.finish(context, done, writer)?;
                }
                group = Some(self.start(number, row.line));
            }
            let Some(current) = group.as_mut() else {
                continue;
            };
            if current.failed {
                continue;
            }
            if current.rows.len() >= ORDER_LINES_MAX {
                current.failed = true;
                self.refusals.add(
                    &self.file,
                    row.line,
                    Some(number),
                    format!("an order has at most {ORDER_LINES_MAX} lines"),
                );
                continue;
            }
            match self.parse_row(context, current, &row)? {
                Ok(parsed) => current.rows.push(parsed),
                Err(reason) => {
                    current.failed = true;
                    self.refusals
                        .add(&self.file, row.line, Some(number), reason);
                }
            }
        }
        if let Some(done) = group.take() {
            self.finish(context, done, writer)?;
        }
        progress(csv.progress(Phase::Orders));
        Ok(())
    }

    fn start(&mut self, number: &str, line: u64) -> Group {
        let mut group = Group {
            number: number.to_owned(),
            first_line: line,
            ordered_on: None,
            customer: None,
            rows: Vec::new(),
            other_names: Vec::new(),
            failed: false,
            counts: true,
        };
        if let Some(scattered) = self.scattered.get(number) {
            group.failed = true;
            let reason = if scattered.first_line == line {
                format!(
                    "the rows of order {number:?} are not together: more of them start at line {}; keep each order's rows together (sort the file by order number)",
                    scattered.next_block_line
                )
            } else {
                group.counts = false;
                format!(
                    "the rows of order {number:?} are not together: its first rows start at line {}; keep each order's rows together (sort the file by order number)",
                    scattered.first_line
                )
            };
            self.refusals.add(&self.file, line, Some(number), reason);
        }
        group
    }

    /// Imports a complete order, or counts it as skipped.
    fn finish(
        &mut self,
        context: &mut super::Context<'_>,
        group: Group,
        writer: Option<&tokio::sync::mpsc::Sender<SaleJob>>,
    ) -> Result<(), ImportError> {
        if group.failed {
            if group.counts {
                self.report.orders_skipped += 1;
            }
            return Ok(());
        }
        let job = match self.prepare(context, &group)? {
            Ok(job) => job,
            Err((line, reason)) => {
                self.report.orders_skipped += 1;
                self.refusals
                    .add(&self.file, line, Some(&group.number), reason);
                return Ok(());
            }
        };
        let Some(writer) = writer else {
            // A dry run: say what the import would do.
            let stored = match &context.store.log {
                Some(log) => crate::commands::command_position(log, job.command_id)?.is_some(),
                None => false,
            };
            if stored {
                self.report.orders_already_present += 1;
            } else {
                self.report.orders_imported += 1;
                self.report.lines_imported += job.lines;
                self.report.amounts_rounded += job.rounded;
                self.report.rounding_difference += job.rounding;
            }
            return Ok(());
        };
        if writer.blocking_send(job).is_err() {
            // The writer stopped on an error, which joining it reports.
            return Err(ImportError::Worker(
                "the sale writer stopped early".to_owned(),
            ));
        }
        Ok(())
    }

    /// Parses one row of `group`, resolving its product and (on the first
    /// row) its customer; or the reason the row is refused. Cells are
    /// parsed before anything is looked up, so a refused row leaves no
    /// trace, and other spellings of names wait in the group until the
    /// order is accepted.
    fn parse_row(
        &mut self,
        context: &mut super::Context<'_>,
        group: &mut Group,
        row: &Row<'_>,
    ) -> Result<Result<OrderRow, String>, ImportError> {
        let cells = match parse_cells(row, self.columns, self.today) {
            Ok(cells) => cells,
            Err(reason) => return Ok(Err(reason)),
        };
        let line = row.line;
        let other_name = |entity: &'static str, source_id: &str, name: &str| OtherName {
            entity,
            source_id: source_id.to_owned(),
            name: name.to_owned(),
            line,
        };
        match (&mut group.customer, group.ordered_on) {
            (Some(first), Some(first_date)) => {
                if first.source_id != cells.customer {
                    return Ok(Err(format!(
                        "customer {} differs from customer {} on the order's first row (line {})",
                        Quoted(cells.customer),
                        Quoted(&first.source_id),
                        group.first_line
                    )));
                }
                if cells.ordered_on != first_date {
                    return Ok(Err(format!(
                        "order date {} differs from {first_date} on the order's first row (line {})",
                        cells.ordered_on, group.first_line
                    )));
                }
                if let Some(name) = cells.customer_name {
                    let other = match (&first.party, &first.name) {
                        (Some(_), _) => context.is_other_spelling("customer", cells.customer, name),
                        (None, Some(kept)) => kept != name,
                        (None, None) => {
                            first.name = Some(name.to_owned());
                            false
                        }
                    };
                    if other {
                        group
                            .other_names
                            .push(other_name("customer", cells.customer, name));
                    }
                }
            }
            _ => {
                let party = context.customer(cells.customer)?;
                let mut name = cells.customer_name.map(str::to_owned);
                if let (Some(_), Some(spelled)) = (party, cells.customer_name) {
                    name = None;
                    if context.is_other_spelling("customer", cells.customer, spelled) {
                        group
                            .other_names
                            .push(other_name("customer", cells.customer, spelled));
                    }
                }
                group.ordered_on = Some(cells.ordered_on);
                group.customer = Some(OrderCustomer {
                    source_id: cells.customer.to_owned(),
                    party,
                    name,
                });
            }
        }
        let product = match context.product(cells.product)? {
            Some(known) => {
                if let Some(name) = cells.product_name
                    && context.is_other_spelling("product", cells.product, name)
                {
                    group
                        .other_names
                        .push(other_name("product", cells.product, name));
                }
                LineProduct::Known(known)
            }
            None => {
                let category = match cells
                    .category
                    .map(|text| Label::parse("category", text))
                    .transpose()
                {
                    Ok(category) => category,
                    Err(error) => {
                        let column = self.columns.category.as_ref();
                        let reason = match (column, cells.category) {
                            (Some(column), Some(text)) => column.refused(text, &error),
                            _ => error.to_string(),
                        };
                        return Ok(Err(reason));
                    }
                };
                LineProduct::New {
                    source_id: cells.product.to_owned(),
                    name: cells.product_name.map(str::to_owned),
                    category,
                }
            }
        };
        let amounts = cells.amounts;
        Ok(Ok(OrderRow {
            line,
            shipped_on: cells.shipped_on,
            product,
            quantity: amounts.quantity,
            unit_price: amounts.unit_price,
            amount: amounts.amount,
            discount: amounts.discount,
            unit_cost: amounts.unit_cost,
            vat: amounts.vat,
        }))
    }

    /// The sale of a complete order, after creating the products and the
    /// customer it needs; or the line and reason it is refused.
    fn prepare(
        &mut self,
        context: &mut super::Context<'_>,
        group: &Group,
    ) -> Result<Result<SaleJob, (u64, String)>, ImportError> {
        let (Some(customer), Some(ordered_on), false) =
            (&group.customer, group.ordered_on, group.rows.is_empty())
        else {
            return Ok(Err((group.first_line, "the order has no rows".to_owned())));
        };
        // Lines shipped on different days: the order was complete on the
        // last of them.
        let shipped_on = group.rows.iter().filter_map(|row| row.shipped_on).max();

        // What must exist before the sale: decided first, written only
        // once the sale itself is known to be acceptable.
        let party = customer
            .party
            .unwrap_or_else(|| ids::customer(&customer.source_id));
        let mut new_products: Vec<(&str, DefineProduct)> = Vec::new();
        let mut new_product_names: Vec<OtherName> = Vec::new();
        let mut lines = Vec::with_capacity(group.rows.len());
        for row in &group.rows {
            let (product, product_vat) = match &row.product {
                LineProduct::Known(known) => (known.id, known.vat_percent),
                LineProduct::New {
                    source_id,
                    name,
                    category,
                } => {
                    let defined = new_products.iter().find(|(id, _)| id == source_id);
                    let vat = match defined {
                        Some((_, define)) => {
                            if let Some(name) = name.as_deref()
                                && name != define.name.as_str()
                            {
                                new_product_names.push(OtherName {
                                    entity: "product",
                                    source_id: source_id.clone(),
                                    name: name.to_owned(),
                                    line: row.line,
                                });
                            }
                            define.vat
                        }
                        None => {
                            let vat = row.vat.unwrap_or(context.mapping.default_vat);
                            let define = match product_from_row(
                                context,
                                source_id,
                                name.as_deref(),
                                category.clone(),
                                vat,
                            ) {
                                Ok(define) => define,
                                Err(reason) => return Ok(Err((row.line, reason))),
                            };
                            new_products.push((source_id, define));
                            vat
                        }
                    };
                    (ids::product(source_id), vat.percent())
                }
            };
            let vat = match row.vat {
                Some(vat) => vat,
                None => match VatRate::parse("vat", product_vat) {
                    Ok(vat) => vat,
                    Err(error) => return Ok(Err((row.line, error.to_string()))),
                },
            };
            let unit_price = match (row.unit_price, row.amount) {
                (Some(price), _) => price,
                (None, Some(amount)) => {
                    match price_from_amount(row.quantity, amount, row.discount) {
                        Ok(price) => price,
                        Err(reason) => return Ok(Err((row.line, reason))),
                    }
                }
                (None, None) => {
                    return Ok(Err((
                        row.line,
                        "a line needs a unit price or an amount".to_owned(),
                    )));
                }
            };
            lines.push(ImportLine {
                product,
                quantity: row.quantity,
                unit_price,
                discount_percent: row.discount,
                amount: row.amount,
                vat,
                prices_include_vat: context.mapping.prices_include_vat,
                unit_cost: row.unit_cost,
            });
        }
        // Each line rounds to cents once (the domain's `exact_total`); the
        // report says how many lines that changed and by how much.
        let (rounded, rounding) =
            lines
                .iter()
                .fold((0u64, Decimal::ZERO), |(count, total), line| {
                    let exact = line.exact_total();
                    let difference = domain::sales::round_amount(exact) - exact;
                    if difference.is_zero() {
                        (count, total)
                    } else {
                        (count + 1, total + difference)
                    }
                });
        let Some(currency) = context.mapping.currency else {
            return Ok(Err((
                group.first_line,
                "the mapping names no currency".to_owned(),
            )));
        };
        let number = match Label::parse("number", &group.number) {
            Ok(number) => number,
            Err(error) => return Ok(Err((group.first_line, error.to_string()))),
        };
        let occurred_at = start_of(ordered_on);
        let issued = Issued::new(
            SYSTEM_USER,
            context.now,
            ImportSale {
                number,
                party,
                manager: None,
                branch: None,
                currency,
                ordered_on,
                shipped_on,
                lines,
            },
        )
        .backdated(occurred_at);
        let event = match ImportedSale::decide(&None, &issued) {
            Ok(mut events) if events.len() == 1 => events.remove(0),
            Ok(_) => {
                return Ok(Err((
                    group.first_line,
                    "the sale decided no single event".to_owned(),
                )));
            }
            Err(error) => return Ok(Err((group.first_line, error.to_string()))),
        };

        // The sale is acceptable: create what it refers to.
        if customer.party.is_none() {
            let name = customer.name.as_deref().unwrap_or(&customer.source_id);
            let name = match Label::parse("customer_name", name) {
                Ok(name) => name,
                Err(error) => return Ok(Err((group.first_line, error.to_string()))),
            };
            let name = PartyName::Company {
                name,
                legal_name: None,
            };
            match register_customer(context, &customer.source_id, name)? {
                Ok(true) => self.report.customers_created += 1,
                Ok(false) => {}
                Err(error) => return Ok(Err((group.first_line, error.to_string()))),
            }
        }
        for (source_id, define) in new_products {
            match define_product(context, source_id, define)? {
                Ok(true) => self.report.products_created += 1,
                Ok(false) => {}
                Err(error) => return Ok(Err((group.first_line, error.to_string()))),
            }
        }
        for other in group.other_names.iter().chain(&new_product_names) {
            match other.entity {
                "product" => {
                    context.note_product_name(
                        &other.source_id,
                        &other.name,
                        &self.file,
                        other.line,
                    );
                }
                _ => context.note_customer_name(
                    &other.source_id,
                    &other.name,
                    &self.file,
                    other.line,
                ),
            }
        }
        let sale = ids::sale(&group.number);
        Ok(Ok(SaleJob {
            stream: CommandHandler::stream::<ImportedSale>(sale)?,
            command_id: ids::command(sale, "sale"),
            event,
            occurred_at,
            number: group.number.clone(),
            first_line: group.first_line,
            lines: group.rows.len() as u64,
            rounded,
            rounding,
        }))
    }
}

/// The cells of an order row, parsed, before any lookup.
struct Cells<'a> {
    ordered_on: NaiveDate,
    shipped_on: Option<NaiveDate>,
    customer: &'a str,
    customer_name: Option<&'a str>,
    product: &'a str,
    product_name: Option<&'a str>,
    category: Option<&'a str>,
    amounts: LineAmounts,
}

fn parse_cells<'a>(
    row: &Row<'a>,
    columns: &OrderColumns,
    today: NaiveDate,
) -> Result<Cells<'a>, String> {
    let ordered_on = row
        .date(Some(&columns.date))?
        .ok_or_else(|| columns.date.blank())?;
    if ordered_on > today {
        return Err(columns
            .date
            .problem(&ordered_on.to_string(), "lies in the future"));
    }
    Ok(Cells {
        ordered_on,
        shipped_on: row.date(columns.ship_date.as_ref())?,
        customer: row.source_id(&columns.customer)?,
        customer_name: row.text(columns.customer_name.as_ref())?,
        product: row.source_id(&columns.product)?,
        product_name: row.text(columns.product_name.as_ref())?,
        category: row.text(columns.category.as_ref())?,
        amounts: parse_amounts(row, columns)?,
    })
}

/// The numbers of an order line.
struct LineAmounts {
    quantity: Quantity,
    unit_price: Option<UnitPrice>,
    amount: Option<UnitPrice>,
    discount: Option<VatRate>,
    unit_cost: Option<UnitPrice>,
    vat: Option<VatRate>,
}

fn parse_amounts(row: &Row<'_>, columns: &OrderColumns) -> Result<LineAmounts, String> {
    let quantity = row
        .decimal(Some(&columns.quantity))?
        .ok_or_else(|| columns.quantity.blank())?;
    let quantity = Quantity::parse("quantity", quantity)
        .map_err(|error| columns.quantity.refused(&quantity.to_string(), &error))?;
    let unit_price = row.price(columns.unit_price.as_ref())?;
    let amount = row.price(columns.amount.as_ref())?;
    if unit_price.is_none() && amount.is_none() {
        return Err(match (&columns.unit_price, &columns.amount) {
            (Some(price), Some(amount)) => format!(
                "columns {} and {} are both blank: a line needs a unit price or an amount",
                Quoted(&price.header),
                Quoted(&amount.header)
            ),
            (Some(column), None) | (None, Some(column)) => column.blank(),
            (None, None) => "a line needs a unit price or an amount".to_owned(),
        });
    }
    let percent = |column: Option<&Column>| -> Result<Option<VatRate>, String> {
        match (column, row.percent(column)?) {
            (Some(column), Some(value)) => VatRate::parse("percent", value)
                .map(Some)
                .map_err(|error| column.refused(&value.to_string(), &error)),
            _ => Ok(None),
        }
    };
    Ok(LineAmounts {
        quantity,
        unit_price,
        amount,
        discount: percent(columns.discount.as_ref())?,
        unit_cost: row.price(columns.unit_cost.as_ref())?,
        vat: percent(columns.vat.as_ref())?,
    })
}

/// A product an order row names that neither the products file nor the
/// log holds: made from the row (its name, or else its id, and category).
fn product_from_row(
    context: &super::Context<'_>,
    source_id: &str,
    name: Option<&str>,
    category: Option<Label>,
    vat: VatRate,
) -> Result<DefineProduct, String> {
    Ok(DefineProduct {
        sku: Sku::parse("sku", &sku_from_id(source_id))
            .map_err(|error| format!("product {source_id:?} cannot serve as its SKU ({error})"))?,
        name: Label::parse("product_name", name.unwrap_or(source_id))
            .map_err(|error| error.to_string())?,
        unit: context.mapping.default_unit.clone(),
        category,
        barcode: None,
        kind: ProductKind::StockTracked,
        vat,
    })
}

/// The unit price before discount of a line known by its amount.
fn price_from_amount(
    quantity: Quantity,
    amount: UnitPrice,
    discount: Option<VatRate>,
) -> Result<UnitPrice, String> {
    let hundred = Decimal::ONE_HUNDRED;
    let paid_per_unit = amount.value() / quantity.value();
    let before_discount = match discount {
        Some(percent) if percent.percent() < hundred => {
            paid_per_unit * hundred / (hundred - percent.percent())
        }
        _ => paid_per_unit,
    };
    UnitPrice::parse("unit_price", round_unit(before_discount)).map_err(|error| error.to_string())
}

/// The writer thread: appends each sale as a new stream, up to
/// [`SALE_APPENDS_IN_FLIGHT_MAX`] at once; a sale whose event is already
/// stored is compared with it.
fn write_sales(
    log: &EventLog,
    file: &str,
    jobs: tokio::sync::mpsc::Receiver<SaleJob>,
) -> Result<WriterTally, ImportError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| {
            ImportError::Worker(format!("failed to start the sale writer: {error}"))
        })?;
    runtime.block_on(append_sales(log, file, jobs))
}

type Appended = (SaleJob, eventlog::Result<eventlog::AppendOutcome>);

async fn append_sales(
    log: &EventLog,
    file: &str,
    mut jobs: tokio::sync::mpsc::Receiver<SaleJob>,
) -> Result<WriterTally, ImportError> {
    let mut tally = WriterTally::default();
    let mut in_flight: tokio::task::JoinSet<Appended> = tokio::task::JoinSet::new();
    let mut open = true;
    while open || !in_flight.is_empty() {
        tokio::select! {
            biased;
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                let (job, outcome) = done
                    .map_err(|_| ImportError::Worker("a sale append panicked".to_owned()))?;
                settle(log, file, job, outcome, &mut tally)?;
            }
            job = jobs.recv(), if open && in_flight.len() < SALE_APPENDS_IN_FLIGHT_MAX => {
                let Some(job) = job else {
                    open = false;
                    continue;
                };
                let event = NewEvent::new(
                    event_id(job.command_id, 0),
                    job.event.event_type(),
                    job.event.encode(),
                )
                .with_schema_version(job.event.schema_version())
                .occurred_at(job.occurred_at);
                let meta = AppendMeta::new(Actor::system(IMPORT_ACTOR), job.command_id);
                let log = log.clone();
                in_flight.spawn(async move {
                    let outcome = log
                        .append(&job.stream, ExpectedVersion::NoStream, vec![event], meta)
                        .await;
                    (job, outcome)
                });
            }
        }
    }
    Ok(tally)
}

/// Counts one appended sale; one already stored is compared with the
/// stored event and refused if it differs.
fn settle(
    log: &EventLog,
    file: &str,
    job: SaleJob,
    outcome: eventlog::Result<eventlog::AppendOutcome>,
    tally: &mut WriterTally,
) -> Result<(), ImportError> {
    let different = match outcome {
        Ok(outcome) if !outcome.already_stored => {
            tally.imported += 1;
            tally.lines_imported += job.lines;
            tally.amounts_rounded += job.rounded;
            tally.rounding_difference += job.rounding;
            return Ok(());
        }
        Ok(outcome) => {
            let stored = log.read_event(outcome.first_position)?.map(|stored| {
                SaleEvent::decode(&stored.event_type, stored.schema_version, &stored.payload)
            });
            if matches!(&stored, Some(Ok(event)) if *event == job.event) {
                tally.already_present += 1;
                return Ok(());
            }
            Some(outcome.first_position)
        }
        Err(eventlog::Error::WrongExpectedVersion { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let reason = match different {
        Some(position) => format!(
            "a different sale with number {} was imported before (position {position}); it is left as it was",
            Quoted(&job.number)
        ),
        None => format!(
            "a different sale with number {} is already in HyperCRM; it is left as it was",
            Quoted(&job.number)
        ),
    };
    tally
        .refused
        .add(file, job.first_line, Some(&job.number), reason);
    Ok(())
}
