//! Products: `ProductDefined` per product id, and list prices in the price
//! list "Imported" of the mapping's currency.
//!
//! The first row of a product id defines it; a later row with the same id
//! is counted as repeating it, and a different name on it is a name
//! conflict (the first spelling is kept). A product the log already holds
//! (from an earlier import) is left as it is; only a changed list price is
//! set again, since the price list itself sees whether a price changed.
//! Without a SKU column, the SKU is the product id, characters a SKU
//! cannot hold replaced by `-`.

use csv::ByteRecord;
use domain::Issued;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::ids::ProductId;
use domain::values::Label;
use rust_decimal::Decimal;

use super::cells::{Column, Row, sku_from_id};
use super::mapping::{ProductFields, Resolver, Source};
use super::report::{ProductsReport, Refusals};
use super::{
    Command, Context, CsvFile, ImportError, KnownProduct, PROGRESS_EVERY_ROWS, Phase, Progress, ids,
};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

/// Prices set per append to the price list "Imported".
const PRICES_PER_APPEND_MAX: usize = 500;
/// The name of the price list that receives imported list prices.
pub const PRICE_LIST_NAME: &str = "Imported";

#[derive(Debug)]
pub(super) struct ProductColumns {
    id: Column,
    name: Column,
    sku: Option<Column>,
    unit: Option<Column>,
    category: Option<Column>,
    barcode: Option<Column>,
    kind: Option<Column>,
    vat: Option<Column>,
    list_price: Option<Column>,
}

impl ProductColumns {
    pub fn resolve(resolver: &Resolver<'_>, fields: &ProductFields) -> Result<Self, ImportError> {
        Ok(Self {
            id: resolver.required("id", &fields.id)?,
            name: resolver.required("name", &fields.name)?,
            sku: resolver.optional("sku", fields.sku.as_ref())?,
            unit: resolver.optional("unit", fields.unit.as_ref())?,
            category: resolver.optional("category", fields.category.as_ref())?,
            barcode: resolver.optional("barcode", fields.barcode.as_ref())?,
            kind: resolver.optional("kind", fields.kind.as_ref())?,
            vat: resolver.optional("vat", fields.vat.as_ref())?,
            list_price: resolver.optional("list_price", fields.list_price.as_ref())?,
        })
    }
}

struct ProductRow<'a> {
    id: &'a str,
    define: DefineProduct,
    list_price: Option<UnitPrice>,
}

fn parse_kind(row: &Row<'_>, column: Option<&Column>) -> Result<ProductKind, String> {
    let (Some(column), Some(text)) = (column, row.text(column)?) else {
        return Ok(ProductKind::StockTracked);
    };
    match text.to_lowercase().as_str() {
        "goods" | "product" | "stock" => Ok(ProductKind::StockTracked),
        "service" => Ok(ProductKind::Service),
        _ => Err(column.problem(text, "must be \"goods\" or \"service\"")),
    }
}

fn parse_vat(row: &Row<'_>, column: Option<&Column>, default: VatRate) -> Result<VatRate, String> {
    match (column, row.percent(column)?) {
        (Some(column), Some(percent)) => VatRate::parse("vat", percent)
            .map_err(|error| column.refused(&percent.to_string(), &error)),
        _ => Ok(default),
    }
}

fn parse_product<'a>(
    row: &Row<'a>,
    columns: &ProductColumns,
    context: &Context<'_>,
) -> Result<ProductRow<'a>, String> {
    let id = row.source_id(&columns.id)?;
    let name = row
        .parsed(Some(&columns.name), |text| Label::parse("name", text))?
        .ok_or_else(|| columns.name.blank())?;
    let sku = match row.parsed(columns.sku.as_ref(), |text| Sku::parse("sku", text))? {
        Some(sku) => sku,
        None => Sku::parse("sku", &sku_from_id(id)).map_err(|error| {
            format!("the product id cannot serve as its SKU ({error}); map a sku column")
        })?,
    };
    let unit = row
        .parsed(columns.unit.as_ref(), |text| Unit::parse("unit", text))?
        .unwrap_or_else(|| context.mapping.default_unit.clone());
    Ok(ProductRow {
        id,
        define: DefineProduct {
            sku,
            name,
            unit,
            category: row.parsed(columns.category.as_ref(), |text| {
                Label::parse("category", text)
            })?,
            barcode: row.parsed(columns.barcode.as_ref(), |text| {
                Label::parse("barcode", text)
            })?,
            kind: parse_kind(row, columns.kind.as_ref())?,
            vat: parse_vat(row, columns.vat.as_ref(), context.mapping.default_vat)?,
        },
        list_price: row.price(columns.list_price.as_ref())?,
    })
}

/// Defines a product unless the log already holds it; true when defined.
pub(super) fn define_product(
    context: &mut Context<'_>,
    source_id: &str,
    define: DefineProduct,
) -> Result<Result<bool, domain::DomainError>, ImportError> {
    let id = ids::product(source_id);
    let stream = CommandHandler::stream::<Product>(id)?;
    let known = KnownProduct {
        id,
        name: define.name.as_str().to_owned(),
        vat_percent: define.vat.percent(),
        kind: define.kind,
        other_names: Vec::new(),
    };
    let command = Command {
        id: Some(ids::command(id.as_uuid(), "define")),
        issued: Issued::new(SYSTEM_USER, context.now, ProductCommand::Define(define)),
    };
    let decided = match context.store.run::<Product, _>(&stream, &[command])? {
        Ok(decided) => decided,
        Err(error) => return Ok(Err(error)),
    };
    context.products.insert(source_id.to_owned(), known);
    Ok(Ok(decided.first().is_some_and(|events| *events > 0)))
}

pub(super) fn import_products(
    context: &mut Context<'_>,
    source: &Source<ProductFields>,
    columns: &ProductColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let mut csv = CsvFile::open(source)?;
    let mut report = ProductsReport::default();
    let mut refusals = Refusals::default();
    let mut prices: Vec<(ProductId, UnitPrice)> = Vec::new();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        report.rows_read += 1;
        if report.rows_read % PROGRESS_EVERY_ROWS == 0 {
            progress(csv.progress(Phase::Products));
        }
        let row = source.row(&record);
        let parsed = match parse_product(&row, columns, context) {
            Ok(parsed) => parsed,
            Err(reason) => {
                refusals.add(&csv.name, row.line, None, reason);
                continue;
            }
        };
        if context.products.contains_key(parsed.id) {
            report.repeated_rows += 1;
            context.note_product_name(parsed.id, parsed.define.name.as_str(), &csv.name, row.line);
            continue;
        }
        let id = parsed.id.to_owned();
        if let Some(known) = context.product(&id)? {
            // Imported before: the stored product stands.
            report.already_present += 1;
            context.note_product_name(&id, parsed.define.name.as_str(), &csv.name, row.line);
            if let Some(price) = parsed.list_price {
                prices.push((known.id, price));
            }
            continue;
        }
        match define_product(context, &id, parsed.define)? {
            Ok(true) => report.created += 1,
            Ok(false) => report.already_present += 1,
            Err(error) => {
                refusals.add(&csv.name, row.line, None, error.to_string());
                continue;
            }
        }
        if let Some(price) = parsed.list_price {
            prices.push((ids::product(&id), price));
        }
    }
    progress(csv.progress(Phase::Products));
    report.prices_set = set_prices(context, &prices)?;
    report.rows_rejected = refusals.count;
    context.report.list_rejections(refusals.listed);
    context.report.products = Some(report);
    Ok(())
}

/// Sets list prices in the price list "Imported" of the mapping's
/// currency, defining the list the first time; returns the prices that
/// changed.
fn set_prices(
    context: &mut Context<'_>,
    prices: &[(ProductId, UnitPrice)],
) -> Result<u64, ImportError> {
    let Some(currency) = context.mapping.currency else {
        return Ok(0);
    };
    if prices.is_empty() {
        return Ok(0);
    }
    let list = ids::price_list(currency);
    let stream = CommandHandler::stream::<PriceList>(list)?;
    let (state, _) = context.store.load::<PriceList>(&stream)?;
    if state.is_none() {
        let define = Command {
            id: Some(ids::command(list.as_uuid(), "define")),
            issued: Issued::new(
                SYSTEM_USER,
                context.now,
                PriceListCommand::Define {
                    name: Label::parse("name", PRICE_LIST_NAME)?,
                    currency,
                    prices_include_vat: context.mapping.prices_include_vat,
                },
            ),
        };
        context.store.run::<PriceList, _>(&stream, &[define])??;
    }
    let min_quantity = Quantity::parse_break("min_quantity", Decimal::ZERO)?;
    let mut changed = 0u64;
    for chunk in prices.chunks(PRICES_PER_APPEND_MAX) {
        let commands: Vec<Command<PriceListCommand>> = chunk
            .iter()
            .map(|(product, price)| Command {
                // No derived id: the list itself sees whether the price is
                // already this one, and a changed price must be set again.
                id: None,
                issued: Issued::new(
                    SYSTEM_USER,
                    context.now,
                    PriceListCommand::SetPrice {
                        product: *product,
                        scope: PriceScope::Everyone,
                        min_quantity,
                        unit_price: *price,
                    },
                ),
            })
            .collect();
        let decided = context.store.run::<PriceList, _>(&stream, &commands)??;
        changed += decided.iter().filter(|events| **events > 0).count() as u64;
    }
    Ok(changed)
}
