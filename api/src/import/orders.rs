//! Historical orders: flat order lines, one `SaleImported` per order.
//!
//! The file is read twice. The first pass reads only the order numbers and
//! finds the orders whose rows are not together (an order must not be
//! imported from its first rows alone). The second pass groups the rows of
//! each order, parses them, and for an order whose every row parsed:
//! creates the products and customers it names that are not known yet
//! (from the order row: name and category), decides the sale with
//! [`ImportedSale`] and hands it to one of several writer threads. A row
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
//! Memory stays bounded: one order's rows (at most [`ORDER_LINES_MAX`]), a
//! few thousand sales queued for the writers, and the first pass's map of
//! order numbers (24 bytes per order: its id and first line).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use csv::ByteRecord;
use domain::catalog::{DefineProduct, ProductKind, Quantity, Sku, UnitPrice, VatRate};
use domain::parties::PartyName;
use domain::process::event_id;
use domain::sales::{ImportLine, ImportSale, ImportedSale, ORDER_LINES_MAX, SaleEvent};
use domain::values::{Label, round_unit};
use domain::{Decider, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use uuid::Uuid;

use super::cells::{Column, Row, sku_from_id};
use super::customers::register_customer;
use super::mapping::{OrderFields, Resolver, Source};
use super::products::define_product;
use super::report::{OrdersReport, Refusals};
use super::{
    CsvFile, IMPORT_ACTOR, ImportError, PROGRESS_EVERY_ROWS, Phase, Progress, ids, start_of,
};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

/// Threads appending sales at once, so the log commits them in groups.
pub const SALE_WRITER_THREADS: usize = 16;
/// Sales queued per writer thread.
const SALE_QUEUE_PER_WRITER_MAX: usize = 64;

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

/// One parsed order line.
#[derive(Debug)]
struct OrderRow {
    line: u64,
    ordered_on: NaiveDate,
    shipped_on: Option<NaiveDate>,
    customer: String,
    customer_name: Option<String>,
    product: String,
    product_name: Option<String>,
    category: Option<Label>,
    quantity: Quantity,
    unit_price: Option<UnitPrice>,
    amount: Option<UnitPrice>,
    discount: Option<VatRate>,
    unit_cost: Option<UnitPrice>,
    vat: Option<VatRate>,
}

fn parse_order_row(
    row: &Row<'_>,
    columns: &OrderColumns,
    today: NaiveDate,
) -> Result<OrderRow, String> {
    let ordered_on = row
        .date(Some(&columns.date))?
        .ok_or_else(|| columns.date.blank())?;
    if ordered_on > today {
        return Err(columns
            .date
            .problem(&ordered_on.to_string(), "lies in the future"));
    }
    let shipped_on = row.date(columns.ship_date.as_ref())?;
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
                "columns {:?} and {:?} are both blank: a line needs a unit price or an amount",
                price.header, amount.header
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
    Ok(OrderRow {
        line: row.line,
        ordered_on,
        shipped_on,
        customer: row.source_id(&columns.customer)?.to_owned(),
        customer_name: row.text(columns.customer_name.as_ref())?.map(str::to_owned),
        product: row.source_id(&columns.product)?.to_owned(),
        product_name: row.text(columns.product_name.as_ref())?.map(str::to_owned),
        category: row.parsed(columns.category.as_ref(), |text| {
            Label::parse("category", text)
        })?,
        quantity,
        unit_price,
        amount,
        discount: percent(columns.discount.as_ref())?,
        unit_cost: row.price(columns.unit_cost.as_ref())?,
        vat: percent(columns.vat.as_ref())?,
    })
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
        if rows % PROGRESS_EVERY_ROWS == 0 {
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
    rows: Vec<OrderRow>,
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
}

/// What one writer thread did.
#[derive(Debug, Default)]
struct WriterTally {
    imported: u64,
    lines_imported: u64,
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
    let tallies = std::thread::scope(|scope| -> Result<Vec<WriterTally>, ImportError> {
        let mut senders: Vec<SyncSender<SaleJob>> = Vec::new();
        let mut writers = Vec::new();
        if let Some(log) = &log {
            for _ in 0..SALE_WRITER_THREADS {
                let (sender, receiver) = sync_channel::<SaleJob>(SALE_QUEUE_PER_WRITER_MAX);
                senders.push(sender);
                let file = reader.file.clone();
                writers.push(scope.spawn(move || write_sales(log, &file, receiver)));
            }
        }
        let read = reader.read_all(context, &mut csv, source, &senders, progress);
        // Closing the queues ends the writers once they are drained.
        drop(senders);
        let mut tallies = Vec::with_capacity(writers.len());
        for writer in writers {
            match writer.join() {
                Ok(Ok(tally)) => tallies.push(tally),
                Ok(Err(error)) => return Err(error.into()),
                Err(_) => return Err(ImportError::Worker("a sale writer panicked".to_owned())),
            }
        }
        read?;
        Ok(tallies)
    })?;
    let OrderReader {
        mut report,
        mut refusals,
        ..
    } = reader;
    for tally in tallies {
        report.orders_imported += tally.imported;
        report.lines_imported += tally.lines_imported;
        report.orders_already_present += tally.already_present;
        report.orders_skipped += tally.refused.count;
        refusals.count += tally.refused.count;
        refusals.listed.extend(tally.refused.listed);
    }
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
        writers: &[SyncSender<SaleJob>],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), ImportError> {
        let mut record = ByteRecord::new();
        let mut group: Option<Group> = None;
        while csv.next(&mut record)? {
            self.report.rows_read += 1;
            if self.report.rows_read % PROGRESS_EVERY_ROWS == 0 {
                progress(csv.progress(Phase::Orders));
            }
            let row = source.row(&record);
            let number = match row.required(&self.columns.number).and_then(|number| {
                Label::parse("number", number)
                    .map(|_| number)
                    .map_err(|error| self.columns.number.refused(number, &error))
            }) {
                Ok(number) => number,
                Err(reason) => {
                    self.refusals.add(&self.file, row.line, None, reason);
                    continue;
                }
            };
            if group.as_ref().is_none_or(|group| group.number != number) {
                if let Some(done) = group.take() {
                    self.finish(context, done, writers)?;
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
            match parse_order_row(&row, self.columns, self.today) {
                Ok(parsed) => current.rows.push(parsed),
                Err(reason) => {
                    current.failed = true;
                    self.refusals
                        .add(&self.file, row.line, Some(number), reason);
                }
            }
        }
        if let Some(done) = group.take() {
            self.finish(context, done, writers)?;
        }
        progress(csv.progress(Phase::Orders));
        Ok(())
    }

    fn start(&mut self, number: &str, line: u64) -> Group {
        let mut group = Group {
            number: number.to_owned(),
            first_line: line,
            rows: Vec::new(),
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
        writers: &[SyncSender<SaleJob>],
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
        if writers.is_empty() {
            // A dry run: say what the import would do.
            let stored = match &context.store.log {
                Some(log) => log.event_position(event_id(job.command_id, 0))?.is_some(),
                None => false,
            };
            if stored {
                self.report.orders_already_present += 1;
            } else {
                self.report.orders_imported += 1;
                self.report.lines_imported += job.lines;
            }
            return Ok(());
        }
        let writer = (job.command_id.as_u128() % writers.len() as u128) as usize;
        if writers[writer].send(job).is_err() {
            // The writer stopped on an error, which joining it reports.
            return Err(ImportError::Worker(
                "a sale writer stopped early".to_owned(),
            ));
        }
        Ok(())
    }

    /// The sale of a complete order, after creating the products and the
    /// customer it needs; or the line and reason it is refused.
    fn prepare(
        &mut self,
        context: &mut super::Context<'_>,
        group: &Group,
    ) -> Result<Result<SaleJob, (u64, String)>, ImportError> {
        let Some(first) = group.rows.first() else {
            return Ok(Err((group.first_line, "the order has no rows".to_owned())));
        };
        let mut shipped_on = first.shipped_on;
        for row in &group.rows[1..] {
            if row.customer != first.customer {
                return Ok(Err((
                    row.line,
                    format!(
                        "customer {:?} differs from customer {:?} on the order's first row (line {})",
                        row.customer, first.customer, first.line
                    ),
                )));
            }
            if row.ordered_on != first.ordered_on {
                return Ok(Err((
                    row.line,
                    format!(
                        "order date {} differs from {} on the order's first row (line {})",
                        row.ordered_on, first.ordered_on, first.line
                    ),
                )));
            }
            // Lines shipped on different days: the order was complete on
            // the last of them.
            shipped_on = shipped_on.max(row.shipped_on);
        }

        // What must exist before the sale: decided first, written only
        // once the sale itself is known to be acceptable.
        let mut new_customer: Option<PartyName> = None;
        let party = match context.customer(&first.customer)? {
            Some(party) => {
                for row in &group.rows {
                    if let Some(name) = &row.customer_name {
                        context.note_customer_name(&first.customer, name, &self.file, row.line);
                    }
                }
                party
            }
            None => {
                let name = first.customer_name.as_deref().unwrap_or(&first.customer);
                let name = match Label::parse("customer_name", name) {
                    Ok(name) => name,
                    Err(error) => return Ok(Err((first.line, error.to_string()))),
                };
                new_customer = Some(PartyName::Company {
                    name,
                    legal_name: None,
                });
                ids::customer(&first.customer)
            }
        };
        let mut new_products: Vec<(&str, DefineProduct)> = Vec::new();
        let mut lines = Vec::with_capacity(group.rows.len());
        for row in &group.rows {
            let (product, product_vat) = match context.product(&row.product)? {
                Some(known) => {
                    if let Some(name) = &row.product_name {
                        context.note_product_name(&row.product, name, &self.file, row.line);
                    }
                    (known.id, known.vat_percent)
                }
                None => {
                    let vat = row.vat.unwrap_or(context.mapping.default_vat);
                    if !new_products.iter().any(|(id, _)| *id == row.product) {
                        match product_from_row(context, row, vat) {
                            Ok(define) => new_products.push((&row.product, define)),
                            Err(reason) => return Ok(Err((row.line, reason))),
                        }
                    }
                    let vat = new_products
                        .iter()
                        .find(|(id, _)| *id == row.product)
                        .map_or(vat, |(_, define)| define.vat);
                    (ids::product(&row.product), vat.percent())
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
                (None, Some(amount)) => match price_from_amount(row.quantity, amount, row.discount)
                {
                    Ok(price) => price,
                    Err(reason) => return Ok(Err((row.line, reason))),
                },
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
        let Some(currency) = context.mapping.currency else {
            return Ok(Err((
                first.line,
                "the mapping names no currency".to_owned(),
            )));
        };
        let number = match Label::parse("number", &group.number) {
            Ok(number) => number,
            Err(error) => return Ok(Err((first.line, error.to_string()))),
        };
        let occurred_at = start_of(first.ordered_on);
        let issued = Issued::new(
            SYSTEM_USER,
            context.now,
            ImportSale {
                number,
                party,
                manager: None,
                branch: None,
                currency,
                ordered_on: first.ordered_on,
                shipped_on,
                lines,
            },
        )
        .backdated(occurred_at);
        let event = match ImportedSale::decide(&None, &issued) {
            Ok(mut events) if events.len() == 1 => events.remove(0),
            Ok(_) => {
                return Ok(Err((
                    first.line,
                    "the sale decided no single event".to_owned(),
                )));
            }
            Err(error) => return Ok(Err((first.line, error.to_string()))),
        };

        // The sale is acceptable: create what it refers to.
        if let Some(name) = new_customer {
            match register_customer(context, &first.customer, name)? {
                Ok(true) => self.report.customers_created += 1,
                Ok(false) => {}
                Err(error) => return Ok(Err((first.line, error.to_string()))),
            }
        }
        for (source_id, define) in new_products {
            match define_product(context, source_id, define)? {
                Ok(true) => self.report.products_created += 1,
                Ok(false) => {}
                Err(error) => return Ok(Err((first.line, error.to_string()))),
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
        }))
    }
}

/// A product an order row names that neither the products file nor the
/// log holds: made from the row (its name, or else its id, and category).
fn product_from_row(
    context: &super::Context<'_>,
    row: &OrderRow,
    vat: VatRate,
) -> Result<DefineProduct, String> {
    let name = row.product_name.as_deref().unwrap_or(&row.product);
    Ok(DefineProduct {
        sku: Sku::parse("sku", &sku_from_id(&row.product)).map_err(|error| {
            format!(
                "product {:?} cannot serve as its SKU ({error})",
                row.product
            )
        })?,
        name: Label::parse("product_name", name).map_err(|error| error.to_string())?,
        unit: context.mapping.default_unit.clone(),
        category: row.category.clone(),
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

/// A writer thread: appends each sale as a new stream; a sale whose event
/// is already stored is compared with it.
fn write_sales(
    log: &EventLog,
    file: &str,
    jobs: Receiver<SaleJob>,
) -> Result<WriterTally, eventlog::Error> {
    let mut tally = WriterTally::default();
    for job in jobs {
        let event = NewEvent::new(
            event_id(job.command_id, 0),
            job.event.event_type(),
            job.event.encode(),
        )
        .with_schema_version(job.event.schema_version())
        .occurred_at(job.occurred_at);
        let meta = AppendMeta::new(Actor::system(IMPORT_ACTOR), job.command_id);
        let different =
            match log.append_blocking(&job.stream, ExpectedVersion::NoStream, vec![event], meta) {
                Ok(outcome) if !outcome.already_stored => {
                    tally.imported += 1;
                    tally.lines_imported += job.lines;
                    continue;
                }
                Ok(outcome) => match log.read_event(outcome.first_position)? {
                    Some(stored) => {
                        let stored = SaleEvent::decode(
                            &stored.event_type,
                            stored.schema_version,
                            &stored.payload,
                        );
                        if stored.as_ref() == Ok(&job.event) {
                            tally.already_present += 1;
                            continue;
                        }
                        outcome.first_position
                    }
                    None => outcome.first_position,
                },
                Err(eventlog::Error::WrongExpectedVersion { .. }) => 0,
                Err(error) => return Err(error),
            };
        let reason = if different > 0 {
            format!(
                "a different sale with number {:?} was imported before (position {different}); it is left as it was",
                job.number
            )
        } else {
            format!(
                "a different sale with number {:?} is already in HyperCRM; it is left as it was",
                job.number
            )
        };
        tally
            .refused
            .add(file, job.first_line, Some(&job.number), reason);
    }
    Ok(tally)
}
