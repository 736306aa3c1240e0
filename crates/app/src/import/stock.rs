//! Opening stock: a `StockReceived` with reference "opening stock" per
//! product and warehouse, into warehouses opened by their code.
//!
//! The product must be in the products file or already in HyperCRM, and
//! must be goods (services have no stock). A product listed twice for one
//! warehouse is refused on its second row rather than received twice; a
//! quantity of zero receives nothing. The receipt's id derives from the
//! product and warehouse, so opening stock is received once: a later
//! import with another quantity changes nothing (count the stock instead).

use chrono::{DateTime, Utc};
use csv::ByteRecord;
use domain::Issued;
use domain::catalog::{ProductKind, Quantity, UnitPrice};
use domain::ids::{ProductId, WarehouseId};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::values::Label;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::cells::{Column, Quoted, Row};
use super::mapping::{Resolver, Source, StockFields};
use super::report::{Refusals, StockReport};
use super::{
    Command, Context, CsvFile, ImportError, PROGRESS_EVERY_ROWS, Phase, Progress, ids, start_of,
};
use crate::commands::CommandHandler;
use crate::process::{SYSTEM_USER, stock_stream};

/// The reference of opening stock receipts.
pub const OPENING_STOCK_REFERENCE: &str = "opening stock";

#[derive(Debug)]
pub(super) struct StockColumns {
    warehouse: Column,
    warehouse_name: Option<Column>,
    product: Column,
    quantity: Column,
    unit_cost: Option<Column>,
}

impl StockColumns {
    pub fn resolve(resolver: &Resolver<'_>, fields: &StockFields) -> Result<Self, ImportError> {
        Ok(Self {
            warehouse: resolver.required("warehouse", &fields.warehouse)?,
            warehouse_name: resolver.optional("warehouse_name", fields.warehouse_name.as_ref())?,
            product: resolver.required("product", &fields.product)?,
            quantity: resolver.required("quantity", &fields.quantity)?,
            unit_cost: resolver.optional("unit_cost", fields.unit_cost.as_ref())?,
        })
    }
}

struct StockRow<'a> {
    warehouse: &'a str,
    warehouse_name: Label,
    product: &'a str,
    /// `None`: a quantity of zero.
    quantity: Option<Quantity>,
    unit_cost: UnitPrice,
}

fn parse_stock<'a>(row: &Row<'a>, columns: &StockColumns) -> Result<StockRow<'a>, String> {
    let warehouse = row.source_id(&columns.warehouse)?;
    let warehouse_name = row
        .parsed(columns.warehouse_name.as_ref(), |text| {
            Label::parse("warehouse_name", text)
        })?
        .map_or_else(|| Label::parse("warehouse", warehouse), Ok)
        .map_err(|error| error.to_string())?;
    let product = row.source_id(&columns.product)?;
    let quantity = row
        .decimal(Some(&columns.quantity))?
        .ok_or_else(|| columns.quantity.blank())?;
    let quantity = if quantity.is_zero() {
        None
    } else {
        Some(
            Quantity::parse("quantity", quantity)
                .map_err(|error| columns.quantity.refused(&quantity.to_string(), &error))?,
        )
    };
    let unit_cost = row
        .price(columns.unit_cost.as_ref())?
        .map_or_else(|| UnitPrice::parse("unit_cost", Decimal::ZERO), Ok)
        .map_err(|error| error.to_string())?;
    Ok(StockRow {
        warehouse,
        warehouse_name,
        product,
        quantity,
        unit_cost,
    })
}

/// A command issued now, backdated to `occurred_at` if given.
fn issued_on<C>(
    context: &Context<'_>,
    occurred_at: Option<DateTime<Utc>>,
    command: C,
) -> Issued<C> {
    let issued = Issued::new(SYSTEM_USER, context.now, command);
    match occurred_at {
        Some(at) => issued.backdated(at),
        None => issued,
    }
}

pub(super) fn import_opening_stock(
    context: &mut Context<'_>,
    source: &Source<StockFields>,
    columns: &StockColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let mut csv = CsvFile::open(source)?;
    let mut report = StockReport::default();
    let mut refusals = Refusals::default();
    let mut warehouses: FxHashMap<String, WarehouseId> = FxHashMap::default();
    // (product, warehouse) → the line that gave its opening stock.
    let mut received: FxHashMap<(ProductId, WarehouseId), u64> = FxHashMap::default();
    let occurred_at = source.date.map(start_of);
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        report.rows_read += 1;
        if report.rows_read % PROGRESS_EVERY_ROWS == 0 {
            progress(csv.progress(Phase::OpeningStock));
        }
        let row = source.row(&record);
        let parsed = match parse_stock(&row, columns) {
            Ok(parsed) => parsed,
            Err(reason) => {
                refusals.add(&csv.name, row.line, None, reason);
                continue;
            }
        };
        let Some(quantity) = parsed.quantity else {
            report.zero_rows += 1;
            continue;
        };
        let product = match context.product(parsed.product)? {
            None => {
                refusals.add(
                    &csv.name,
                    row.line,
                    None,
                    format!(
                        "product {} is neither in the products file nor in HyperCRM",
                        Quoted(parsed.product)
                    ),
                );
                continue;
            }
            Some(known) if known.kind == ProductKind::Service => {
                refusals.add(
                    &csv.name,
                    row.line,
                    None,
                    format!(
                        "product {} is a service: services have no stock",
                        Quoted(parsed.product)
                    ),
                );
                continue;
            }
            Some(known) => known.id,
        };
        let warehouse = match warehouses.get(parsed.warehouse) {
            Some(warehouse) => *warehouse,
            None => {
                let warehouse = ids::warehouse(parsed.warehouse);
                let stream = CommandHandler::stream::<Warehouse>(warehouse)?;
                let open = Command {
                    id: Some(ids::command(warehouse.as_uuid(), "open")),
                    issued: issued_on(
                        context,
                        occurred_at,
                        WarehouseCommand::Open {
                            name: parsed.warehouse_name,
                            branch: None,
                            allows_negative_stock: false,
                        },
                    ),
                };
                let (state, _) = context.store.load::<Warehouse>(&stream)?;
                if state.is_none() {
                    match context.store.run::<Warehouse, _>(&stream, &[open])? {
                        Ok(decided) if decided.first().is_some_and(|events| *events > 0) => {
                            report.warehouses_opened += 1;
                        }
                        Ok(_) => {}
                        Err(error) => {
                            refusals.add(&csv.name, row.line, None, error.to_string());
                            continue;
                        }
                    }
                }
                warehouses.insert(parsed.warehouse.to_owned(), warehouse);
                warehouse
            }
        };
        if let Some(first) = received.get(&(product, warehouse)) {
            refusals.add(
                &csv.name,
                row.line,
                None,
                format!(
                    "product {} already has its opening stock in warehouse {} (line {first})",
                    Quoted(parsed.product),
                    Quoted(parsed.warehouse)
                ),
            );
            continue;
        }
        received.insert((product, warehouse), row.line);
        let stream = stock_stream(product, warehouse)?;
        let receive = Command {
            id: Some(ids::command(
                product.as_uuid(),
                &format!("opening-stock:{warehouse}"),
            )),
            issued: issued_on(
                context,
                occurred_at,
                StockCommand::Receive {
                    quantity,
                    unit_cost: parsed.unit_cost,
                    reference: Some(Label::parse("reference", OPENING_STOCK_REFERENCE)?),
                },
            ),
        };
        match context.store.run::<Stock, _>(&stream, &[receive])? {
            Ok(decided) if decided.first().is_some_and(|events| *events > 0) => {
                report.received += 1;
            }
            Ok(_) => report.already_present += 1,
            Err(error) => refusals.add(&csv.name, row.line, None, error.to_string()),
        }
    }
    progress(csv.progress(Phase::OpeningStock));
    report.rows_rejected = refusals.count;
    context.report.list_rejections(refusals.listed);
    context.report.opening_stock = Some(report);
    Ok(())
}
