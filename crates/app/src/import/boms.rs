//! Bills of materials: one row per component, a product's rows making its
//! bill (they need not be together). Each product's bill is recorded as a
//! new version and made active (`BomVersionDefined`,
//! `BomVersionActivated`), unless its active version already says the
//! same, so the same file imported again adds nothing.
//!
//! The product and every component must be in HyperCRM (the products file
//! is read first), a component is listed once per bill, and no bill may
//! make a product part of itself through the file's bills or the active
//! bills HyperCRM holds: such a bill is refused whole, each of its rows
//! reported, and the other bills are recorded.

use std::collections::BTreeSet;

use csv::ByteRecord;
use domain::Issued;
use domain::catalog::Quantity;
use domain::ids::ProductId;
use domain::production::{
    Bom, BomCommand, BomComponent, DefineBom, LEAD_DAYS_MAX, NewComponent, ScrapPercent,
};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::cells::{Column, Quoted, Row};
use super::mapping::{BomFields, Resolver, Source};
use super::report::{BomsReport, Refusals};
use super::{Command, Context, CsvFile, ImportError, PROGRESS_EVERY_ROWS, Phase, Progress, ids};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

/// Deepest nesting of bills followed when looking for a cycle.
const DEPTH_MAX: usize = crate::production::BOM_DEPTH_MAX;

#[derive(Debug)]
pub(super) struct BomColumns {
    product: Column,
    component: Column,
    quantity: Column,
    scrap: Option<Column>,
    lead_days: Option<Column>,
}

impl BomColumns {
    pub fn resolve(resolver: &Resolver<'_>, fields: &BomFields) -> Result<Self, ImportError> {
        Ok(Self {
            product: resolver.required("product", &fields.product)?,
            component: resolver.required("component", &fields.component)?,
            quantity: resolver.required("quantity", &fields.quantity)?,
            scrap: resolver.optional("scrap", fields.scrap.as_ref())?,
            lead_days: resolver.optional("lead_days", fields.lead_days.as_ref())?,
        })
    }
}

/// A component row, parsed.
struct ComponentRow {
    line: u64,
    component: String,
    quantity: Quantity,
    scrap: ScrapPercent,
}

/// A product's bill as the file gives it.
struct FileBill {
    product: String,
    lead_days: Option<u32>,
    rows: Vec<ComponentRow>,
    /// Lines of rows refused on their own: the bill is then refused.
    broken: bool,
}

fn parse_row(
    row: &Row<'_>,
    columns: &BomColumns,
) -> Result<(String, ComponentRow, Option<u32>), String> {
    let product = row.source_id(&columns.product)?.to_owned();
    let component = row.source_id(&columns.component)?.to_owned();
    let value = row
        .decimal(Some(&columns.quantity))?
        .ok_or_else(|| columns.quantity.blank())?;
    let quantity = Quantity::parse("quantity", value)
        .map_err(|error| columns.quantity.refused(&value.to_string(), &error))?;
    let scrap = match (columns.scrap.as_ref(), row.decimal(columns.scrap.as_ref())?) {
        (Some(column), Some(value)) => ScrapPercent::parse("scrap", value)
            .map_err(|error| column.refused(&value.to_string(), &error))?,
        _ => ScrapPercent::default(),
    };
    let lead_days = match (
        columns.lead_days.as_ref(),
        row.text(columns.lead_days.as_ref())?,
    ) {
        (Some(column), Some(text)) => Some(
            text.parse::<u32>()
                .ok()
                .filter(|days| *days <= LEAD_DAYS_MAX)
                .ok_or_else(|| {
                    column.problem(
                        text,
                        &format!("must be whole days from 0 to {LEAD_DAYS_MAX}"),
                    )
                })?,
        ),
        _ => None,
    };
    Ok((
        product,
        ComponentRow {
            line: row.line,
            component,
            quantity,
            scrap,
        },
        lead_days,
    ))
}

/// The place of `product`'s bill among `bills`, a new one if need be.
fn bill_of(
    bills: &mut Vec<FileBill>,
    place: &mut FxHashMap<String, usize>,
    product: &str,
) -> usize {
    *place.entry(product.to_owned()).or_insert_with(|| {
        bills.push(FileBill {
            product: product.to_owned(),
            lead_days: None,
            rows: Vec::new(),
            broken: false,
        });
        bills.len() - 1
    })
}

/// What a product is made of: the file's bill, else the active one
/// HyperCRM holds.
fn made_of(
    context: &Context<'_>,
    in_file: &FxHashMap<ProductId, Vec<ProductId>>,
    product: ProductId,
) -> Result<Vec<ProductId>, ImportError> {
    if let Some(components) = in_file.get(&product) {
        return Ok(components.clone());
    }
    let (bom, _) = context
        .store
        .load::<Bom>(&CommandHandler::stream::<Bom>(product)?)?;
    Ok(bom
        .as_ref()
        .and_then(|bom| bom.active_version())
        .map(|(_, version)| version.components.iter().map(|c| c.product).collect())
        .unwrap_or_default())
}

/// The path back to `target` from its component `at`, if there is one.
fn cycle(
    context: &Context<'_>,
    in_file: &FxHashMap<ProductId, Vec<ProductId>>,
    target: ProductId,
    at: ProductId,
    path: &mut Vec<ProductId>,
    cleared: &mut BTreeSet<ProductId>,
) -> Result<bool, ImportError> {
    if at == target {
        path.push(at);
        return Ok(true);
    }
    // A loop that does not run through `target` is its own product's
    // refusal, not this one's.
    if cleared.contains(&at) || path.contains(&at) || path.len() > DEPTH_MAX {
        return Ok(false);
    }
    path.push(at);
    for component in made_of(context, in_file, at)? {
        if cycle(context, in_file, target, component, path, cleared)? {
            return Ok(true);
        }
    }
    path.pop();
    cleared.insert(at);
    Ok(false)
}

pub(super) fn import_boms(
    context: &mut Context<'_>,
    source: &Source<BomFields>,
    columns: &BomColumns,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let mut csv = CsvFile::open(source)?;
    let mut report = BomsReport::default();
    let mut refusals = Refusals::default();
    let mut bills: Vec<FileBill> = Vec::new();
    let mut place: FxHashMap<String, usize> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        report.rows_read += 1;
        if report.rows_read % PROGRESS_EVERY_ROWS == 0 {
            progress(csv.progress(Phase::Boms));
        }
        let row = source.row(&record);
        match parse_row(&row, columns) {
            Ok((product, component, lead_days)) => {
                let index = bill_of(&mut bills, &mut place, &product);
                let bill = &mut bills[index];
                bill.lead_days = bill.lead_days.or(lead_days);
                bill.rows.push(component);
            }
            Err(reason) => {
                refusals.add(&csv.name, row.line, None, reason);
                // The rest of a product's bill is not recorded without it.
                if let Ok(product) = row.source_id(&columns.product) {
                    let index = bill_of(&mut bills, &mut place, product);
                    bills[index].broken = true;
                }
            }
        }
    }
    progress(csv.progress(Phase::Boms));

    // Every product and component known, each component once per bill.
    let mut defined: Vec<(usize, DefineBom)> = Vec::new();
    let mut names: FxHashMap<ProductId, String> = FxHashMap::default();
    for (index, bill) in bills.iter().enumerate() {
        let refuse_bill = |refusals: &mut Refusals, reason: String| {
            for row in &bill.rows {
                refusals.add(&csv.name, row.line, None, reason.clone());
            }
        };
        if bill.broken {
            report.bills_rejected += 1;
            refuse_bill(
                &mut refusals,
                format!("the bill of {} has a refused row", Quoted(&bill.product)),
            );
            continue;
        }
        let Some(product) = context.product(&bill.product)? else {
            report.bills_rejected += 1;
            refuse_bill(
                &mut refusals,
                format!(
                    "product {} is neither in the products file nor in HyperCRM",
                    Quoted(&bill.product)
                ),
            );
            continue;
        };
        names.insert(product.id, bill.product.clone());
        let mut components = Vec::new();
        let mut problem = None;
        let mut seen = BTreeSet::new();
        for row in &bill.rows {
            match context.product(&row.component)? {
                None => {
                    problem = Some(format!(
                        "component {} is neither in the products file nor in HyperCRM",
                        Quoted(&row.component)
                    ));
                }
                Some(_) if !seen.insert(row.component.clone()) => {
                    problem = Some(format!(
                        "component {} is listed twice in the bill of {}",
                        Quoted(&row.component),
                        Quoted(&bill.product)
                    ));
                }
                Some(component) => {
                    names.insert(component.id, row.component.clone());
                    components.push(NewComponent {
                        product: component.id,
                        quantity: row.quantity,
                        scrap_percent: row.scrap,
                    });
                }
            }
        }
        if let Some(problem) = problem {
            report.bills_rejected += 1;
            refuse_bill(&mut refusals, problem);
            continue;
        }
        defined.push((
            index,
            DefineBom {
                product: product.id,
                components,
                operations: Vec::new(),
                lead_days: bill.lead_days.unwrap_or(0),
                note: None,
            },
        ));
    }

    // No bill may lead back to its product, through the file or HyperCRM.
    let in_file: FxHashMap<ProductId, Vec<ProductId>> = defined
        .iter()
        .map(|(_, define)| {
            (
                define.product,
                define.components.iter().map(|c| c.product).collect(),
            )
        })
        .collect();
    for (index, define) in defined {
        let bill = &bills[index];
        let mut path = vec![define.product];
        let mut cleared = BTreeSet::new();
        let mut looped = false;
        for component in &define.components {
            if cycle(
                context,
                &in_file,
                define.product,
                component.product,
                &mut path,
                &mut cleared,
            )? {
                looped = true;
                break;
            }
        }
        if looped {
            report.bills_rejected += 1;
            let shown: Vec<String> = path
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
                .collect();
            for row in &bill.rows {
                refusals.add(
                    &csv.name,
                    row.line,
                    None,
                    format!("a product cannot be part of itself: {}", shown.join(" → ")),
                );
            }
            continue;
        }
        record_bill(context, define, &mut report, &mut refusals, &csv.name, bill)?;
    }
    report.rows_rejected = refusals.count;
    context.report.list_rejections(refusals.listed);
    context.report.boms = Some(report);
    Ok(())
}

/// Records `define` as the product's active version, unless the active
/// one already says the same.
fn record_bill(
    context: &mut Context<'_>,
    define: DefineBom,
    report: &mut BomsReport,
    refusals: &mut Refusals,
    file: &str,
    bill: &FileBill,
) -> Result<(), ImportError> {
    let stream = CommandHandler::stream::<Bom>(define.product)?;
    let (state, _) = context.store.load::<Bom>(&stream)?;
    let wanted: Vec<BomComponent> = define
        .components
        .iter()
        .map(|component| BomComponent {
            product: component.product,
            quantity: component.quantity.value(),
            scrap_percent: component.scrap_percent.value(),
        })
        .collect();
    let same = |components: &[BomComponent]| {
        let key = |list: &[BomComponent]| {
            let mut list: Vec<(ProductId, Decimal, Decimal)> = list
                .iter()
                .map(|c| {
                    (
                        c.product,
                        c.quantity.normalize(),
                        c.scrap_percent.normalize(),
                    )
                })
                .collect();
            list.sort();
            list
        };
        key(components) == key(&wanted)
    };
    if let Some((_, active)) = state.as_ref().and_then(|bom| bom.active_version())
        && active.lead_days == define.lead_days
        && active.operations.is_empty()
        && same(&active.components)
    {
        report.already_present += 1;
        return Ok(());
    }
    let version = state
        .as_ref()
        .and_then(|bom| bom.versions.keys().next_back().copied())
        .unwrap_or(0)
        + 1;
    let product = define.product;
    let commands = vec![
        Command {
            id: Some(ids::command(
                product.as_uuid(),
                &format!("bom-version:{version}"),
            )),
            issued: Issued::new(SYSTEM_USER, context.now, BomCommand::Define(define)),
        },
        Command {
            id: Some(ids::command(
                product.as_uuid(),
                &format!("bom-activate:{version}"),
            )),
            issued: Issued::new(SYSTEM_USER, context.now, BomCommand::Activate { version }),
        },
    ];
    match context.store.run::<Bom, _>(&stream, &commands)? {
        Ok(_) => report.bills_defined += 1,
        Err(error) => {
            report.bills_rejected += 1;
            for row in &bill.rows {
                refusals.add(file, row.line, None, error.to_string());
            }
        }
    }
    Ok(())
}
