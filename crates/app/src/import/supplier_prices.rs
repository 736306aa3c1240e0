//! Supplier prices: a supplier's standing offer for a product per row
//! (`SupplierOfferSet`), and the product's preferred supplier where the
//! row says so (`PreferredSupplierSet`).
//!
//! The supplier must be a party with the supplier role (from the
//! suppliers file, now or before) and the product must be in HyperCRM.
//! The offer's command id derives from the product, the supplier and what
//! the row says, so the same file imported again adds nothing, and an
//! offer a buyer changed since in HyperCRM is not put back; a row that
//! says something new sets the offer again.

use csv::ByteRecord;
use domain::Issued;
use domain::catalog::Quantity;
use domain::parties::Party;
use domain::sourcing::{LEAD_TIME_DAYS_MAX, Offer, Sourcing, SourcingCommand};
use domain::values::{Currency, Label};

use super::cells::{Column, Quoted, Row};
use super::mapping::{Resolver, Source, SupplierPriceFields};
use super::report::{Refusals, SupplierPricesReport};
use super::{Command, Context, CsvFile, ImportError, PROGRESS_EVERY_ROWS, Phase, Progress, ids};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

#[derive(Debug)]
pub(super) struct PriceColumns {
    supplier: Column,
    product: Column,
    price: Column,
    currency: Option<Column>,
    code: Option<Column>,
    minimum: Option<Column>,
    pack: Option<Column>,
    lead_days: Option<Column>,
    preferred: Option<Column>,
}

impl PriceColumns {
    pub fn resolve(
        resolver: &Resolver<'_>,
        fields: &SupplierPriceFields,
    ) -> Result<Self, ImportError> {
        Ok(Self {
            supplier: resolver.required("supplier", &fields.supplier)?,
            product: resolver.required("product", &fields.product)?,
            price: resolver.required("price", &fields.price)?,
            currency: resolver.optional("currency", fields.currency.as_ref())?,
            code: resolver.optional("code", fields.code.as_ref())?,
            minimum: resolver.optional("minimum", fields.minimum.as_ref())?,
            pack: resolver.optional("pack", fields.pack.as_ref())?,
            lead_days: resolver.optional("lead_days", fields.lead_days.as_ref())?,
            preferred: resolver.optional("preferred", fields.preferred.as_ref())?,
        })
    }
}

struct PriceRow<'a> {
    supplier: &'a str,
    product: &'a str,
    offer: OfferParts,
    preferred: bool,
}

/// An offer before its supplier is known.
struct OfferParts {
    supplier_code: Option<Label>,
    currency: Currency,
    price: domain::catalog::UnitPrice,
    minimum_quantity: Option<Quantity>,
    pack_size: Option<Quantity>,
    lead_time_days: u16,
}

fn quantity(row: &Row<'_>, column: Option<&Column>) -> Result<Option<Quantity>, String> {
    let (Some(column), Some(value)) = (column, row.decimal(column)?) else {
        return Ok(None);
    };
    Quantity::parse(&column.header, value)
        .map(Some)
        .map_err(|error| column.refused(&value.to_string(), &error))
}

fn yes(row: &Row<'_>, column: Option<&Column>) -> Result<bool, String> {
    let (Some(column), Some(text)) = (column, row.text(column)?) else {
        return Ok(false);
    };
    match text.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" => Ok(true),
        "no" | "n" | "false" | "0" | "" => Ok(false),
        _ => Err(column.problem(text, "must be yes or no")),
    }
}

fn parse_price<'a>(
    row: &Row<'a>,
    columns: &PriceColumns,
    default_currency: Option<Currency>,
) -> Result<PriceRow<'a>, String> {
    let supplier = row.source_id(&columns.supplier)?;
    let product = row.source_id(&columns.product)?;
    let price = row
        .price(Some(&columns.price))?
        .ok_or_else(|| columns.price.blank())?;
    let currency = match row.parsed(columns.currency.as_ref(), |text| {
        Currency::parse("currency", text)
    })? {
        Some(currency) => currency,
        None => default_currency
            .ok_or_else(|| "the row names no currency and the mapping none".to_owned())?,
    };
    let lead_time_days = match (
        columns.lead_days.as_ref(),
        row.text(columns.lead_days.as_ref())?,
    ) {
        (Some(column), Some(text)) => text
            .parse::<u16>()
            .ok()
            .filter(|days| *days <= LEAD_TIME_DAYS_MAX)
            .ok_or_else(|| {
                column.problem(
                    text,
                    &format!("must be whole days from 0 to {LEAD_TIME_DAYS_MAX}"),
                )
            })?,
        _ => 0,
    };
    Ok(PriceRow {
        supplier,
        product,
        offer: OfferParts {
            supplier_code: row.parsed(columns.code.as_ref(), |text| Label::parse("code", text))?,
            currency,
            price,
            minimum_quantity: quantity(row, columns.minimum.as_ref())?,
            pack_size: quantity(row, columns.pack.as_ref())?,
            lead_time_days,
        },
        preferred: yes(row, columns.preferred.as_ref())?,
    })
}

pub(super) fn import_supplier_prices(
    context: &mut Context<'_>,
    source: &Source<SupplierPriceFields>,
    columns: &PriceColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let mut csv = CsvFile::open(source)?;
    let mut report = SupplierPricesReport::default();
    let mut refusals = Refusals::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        report.rows_read += 1;
        if report.rows_read % PROGRESS_EVERY_ROWS == 0 {
            progress(csv.progress(Phase::SupplierPrices));
        }
        let row = source.row(&record);
        let parsed = match parse_price(&row, columns, context.mapping.currency) {
            Ok(parsed) => parsed,
            Err(reason) => {
                refusals.add(&csv.name, row.line, None, reason);
                continue;
            }
        };
        let Some(product) = context.product(parsed.product)? else {
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
        };
        let supplier = ids::customer(parsed.supplier);
        let (party, _) = context
            .store
            .load::<Party>(&CommandHandler::stream::<Party>(supplier)?)?;
        if !party.is_some_and(|party| party.roles.supplier) {
            refusals.add(
                &csv.name,
                row.line,
                None,
                format!(
                    "supplier {} is not a supplier in the suppliers file nor in HyperCRM",
                    Quoted(parsed.supplier)
                ),
            );
            continue;
        }
        let parts = parsed.offer;
        // What the row says, in the command's id: the same row again is
        // the same command, which runs once.
        let said = format!(
            "offer:{supplier}:{}:{}:{}:{:?}:{:?}:{}",
            parts.price.value().normalize(),
            parts.currency.as_str(),
            parts
                .supplier_code
                .as_ref()
                .map_or("", |code| code.as_str()),
            parts.minimum_quantity.map(|q| q.value().normalize()),
            parts.pack_size.map(|q| q.value().normalize()),
            parts.lead_time_days
        );
        let mut commands = vec![Command {
            id: Some(ids::command(product.id.as_uuid(), &said)),
            issued: Issued::new(
                SYSTEM_USER,
                context.now,
                SourcingCommand::SetOffer(Offer {
                    supplier,
                    supplier_code: parts.supplier_code,
                    currency: parts.currency,
                    price: parts.price,
                    minimum_quantity: parts.minimum_quantity,
                    pack_size: parts.pack_size,
                    lead_time_days: parts.lead_time_days,
                }),
            ),
        }];
        if parsed.preferred {
            commands.push(Command {
                id: Some(ids::command(
                    product.id.as_uuid(),
                    &format!("prefer:{supplier}"),
                )),
                issued: Issued::new(
                    SYSTEM_USER,
                    context.now,
                    SourcingCommand::Prefer {
                        supplier: Some(supplier),
                    },
                ),
            });
        }
        let stream = CommandHandler::stream::<Sourcing>(product.id)?;
        match context.store.run::<Sourcing, _>(&stream, &commands)? {
            Ok(decided) => {
                if decided.first().is_some_and(|events| *events > 0) {
                    report.offers_set += 1;
                } else {
                    report.already_present += 1;
                }
                if decided.get(1).is_some_and(|events| *events > 0) {
                    report.preferred_set += 1;
                }
            }
            Err(error) => refusals.add(&csv.name, row.line, None, error.to_string()),
        }
    }
    progress(csv.progress(Phase::SupplierPrices));
    report.rows_rejected = refusals.count;
    context.report.list_rejections(refusals.listed);
    context.report.supplier_prices = Some(report);
    Ok(())
}
