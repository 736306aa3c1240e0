//! What an import did, counted per kind, with the rows it refused and the
//! names it found spelled more than one way; printed at the end of
//! `hypercrm import`.

use super::cells::Quoted;
use std::fmt;
use std::time::Duration;

/// Refused rows listed in full; the rest are counted.
pub const REJECTIONS_LISTED_MAX: usize = 20;
/// Name conflicts given as examples; the rest are counted.
pub const CONFLICT_EXAMPLES_MAX: usize = 5;

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The file's name as the mapping gives it.
    pub file: String,
    /// The CSV line the row starts on (the header is line 1).
    pub line: u64,
    /// The order the row belongs to, for order rows.
    pub order: Option<String>,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.reason)?;
        if let Some(order) = &self.order {
            write!(f, " (order {order:?} skipped)")?;
        }
        Ok(())
    }
}

/// A product or customer whose name a later row spelled another way; the
/// first spelling is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameConflict {
    /// "product" or "customer".
    pub entity: &'static str,
    pub source_id: String,
    pub kept: String,
    pub other: String,
    pub file: String,
    pub line: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductsReport {
    pub rows_read: u64,
    pub created: u64,
    pub already_present: u64,
    /// Rows repeating a product id seen earlier in the file: only their
    /// name is compared.
    pub repeated_rows: u64,
    pub prices_set: u64,
    pub rows_rejected: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomersReport {
    pub rows_read: u64,
    pub created: u64,
    pub already_present: u64,
    /// Rows repeating a customer id: their channels and tags are added to
    /// the customer, their name is compared.
    pub repeated_rows: u64,
    pub channels_added: u64,
    pub tags_added: u64,
    /// Suppliers only: parties given the supplier role.
    pub supplier_roles_set: u64,
    pub rows_rejected: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplierPricesReport {
    pub rows_read: u64,
    /// Offers set or changed.
    pub offers_set: u64,
    /// Rows whose offer HyperCRM already held as they say.
    pub already_present: u64,
    pub preferred_set: u64,
    pub rows_rejected: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BomsReport {
    pub rows_read: u64,
    /// Bills recorded as a new (active) version.
    pub bills_defined: u64,
    /// Bills whose active version is already what the file says.
    pub already_present: u64,
    /// Products whose bill was refused (each refused row is listed).
    pub bills_rejected: u64,
    pub rows_rejected: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockReport {
    pub rows_read: u64,
    pub received: u64,
    pub already_present: u64,
    /// Rows with a quantity of zero: nothing to receive.
    pub zero_rows: u64,
    pub warehouses_opened: u64,
    pub rows_rejected: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrdersReport {
    pub rows_read: u64,
    pub orders_imported: u64,
    /// Orders imported by an earlier run of the same files.
    pub orders_already_present: u64,
    /// Orders left out because a row of theirs was refused.
    pub orders_skipped: u64,
    pub lines_imported: u64,
    pub rows_rejected: u64,
    /// Imported lines whose amount had more than two decimals and was
    /// rounded to cents, and the rounded amounts less the exact ones.
    pub amounts_rounded: u64,
    pub rounding_difference: rust_decimal::Decimal,
    /// Products and customers the orders named that were created from
    /// the order rows.
    pub products_created: u64,
    pub customers_created: u64,
    /// Time spent on the orders, for the rate.
    pub elapsed: Duration,
}

/// Everything an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    pub products: Option<ProductsReport>,
    pub customers: Option<CustomersReport>,
    pub opening_stock: Option<StockReport>,
    pub orders: Option<OrdersReport>,
    pub suppliers: Option<CustomersReport>,
    pub supplier_prices: Option<SupplierPricesReport>,
    pub boms: Option<BomsReport>,
    /// Names spelled another way than the kept one: distinct spellings.
    pub name_conflicts: u64,
    pub conflict_examples: Vec<NameConflict>,
    /// The first refused rows, in file order.
    pub rejections: Vec<Rejection>,
    pub elapsed: Duration,
}

impl ImportReport {
    /// Rows refused over all files.
    pub fn rows_rejected(&self) -> u64 {
        self.products.as_ref().map_or(0, |r| r.rows_rejected)
            + self.customers.as_ref().map_or(0, |r| r.rows_rejected)
            + self.opening_stock.as_ref().map_or(0, |r| r.rows_rejected)
            + self.orders.as_ref().map_or(0, |r| r.rows_rejected)
            + self.suppliers.as_ref().map_or(0, |r| r.rows_rejected)
            + self.supplier_prices.as_ref().map_or(0, |r| r.rows_rejected)
            + self.boms.as_ref().map_or(0, |r| r.rows_rejected)
    }

    /// Whether anything was refused: the command then exits non-zero.
    pub fn has_rejections(&self) -> bool {
        self.rows_rejected() > 0 || self.orders.as_ref().is_some_and(|r| r.orders_skipped > 0)
    }

    pub(crate) fn add_conflict(&mut self, conflict: NameConflict) {
        self.name_conflicts += 1;
        if self.conflict_examples.len() < CONFLICT_EXAMPLES_MAX {
            self.conflict_examples.push(conflict);
        }
    }

    /// Lists the refused rows of one file after those of the files read
    /// before it, in line order, up to [`REJECTIONS_LISTED_MAX`] in all.
    pub(crate) fn list_rejections(&mut self, mut rows: Vec<Rejection>) {
        rows.sort_by_key(|rejection| rejection.line);
        let room = REJECTIONS_LISTED_MAX.saturating_sub(self.rejections.len());
        self.rejections.extend(rows.into_iter().take(room));
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(
                f,
                "dry run: nothing was written; the counts say what an import would do"
            )?;
        }
        if let Some(r) = &self.products {
            writeln!(
                f,
                "products: {} rows read; {} created, {} already present, {} rows repeating an id; {} list prices set; {} rows rejected",
                r.rows_read,
                r.created,
                r.already_present,
                r.repeated_rows,
                r.prices_set,
                r.rows_rejected
            )?;
        }
        if let Some(r) = &self.customers {
            writeln!(
                f,
                "customers: {} rows read; {} created, {} already present, {} rows repeating an id; {} channels and {} tags added; {} rows rejected",
                r.rows_read,
                r.created,
                r.already_present,
                r.repeated_rows,
                r.channels_added,
                r.tags_added,
                r.rows_rejected
            )?;
        }
        if let Some(r) = &self.opening_stock {
            writeln!(
                f,
                "opening stock: {} rows read; {} received, {} already present, {} with quantity zero; {} warehouses opened; {} rows rejected",
                r.rows_read,
                r.received,
                r.already_present,
                r.zero_rows,
                r.warehouses_opened,
                r.rows_rejected
            )?;
        }
        if let Some(r) = &self.orders {
            writeln!(
                f,
                "orders: {} rows read; {} orders imported ({} lines), {} already present, {} skipped; {} rows rejected; {} products and {} customers created from order rows",
                r.rows_read,
                r.orders_imported,
                r.lines_imported,
                r.orders_already_present,
                r.orders_skipped,
                r.rows_rejected,
                r.products_created,
                r.customers_created
            )?;
            if r.amounts_rounded > 0 {
                writeln!(
                    f,
                    "rounding: {} line amounts had more than two decimals and were rounded to cents (half away from zero); the rounded amounts differ from the exact ones by {} in all",
                    r.amounts_rounded, r.rounding_difference
                )?;
            }
            writeln!(
                f,
                "orders took {:.1} s: {:.0} orders/s, {:.0} rows/s",
                r.elapsed.as_secs_f64(),
                per_second(
                    r.orders_imported + r.orders_already_present + r.orders_skipped,
                    r.elapsed
                ),
                per_second(r.rows_read, r.elapsed)
            )?;
        }
        if let Some(r) = &self.suppliers {
            writeln!(
                f,
                "suppliers: {} rows read; {} created, {} already present, {} rows repeating an id; {} given the supplier role; {} channels and {} tags added; {} rows rejected",
                r.rows_read,
                r.created,
                r.already_present,
                r.repeated_rows,
                r.supplier_roles_set,
                r.channels_added,
                r.tags_added,
                r.rows_rejected
            )?;
        }
        if let Some(r) = &self.supplier_prices {
            writeln!(
                f,
                "supplier prices: {} rows read; {} offers set, {} already present, {} preferred suppliers set; {} rows rejected",
                r.rows_read, r.offers_set, r.already_present, r.preferred_set, r.rows_rejected
            )?;
        }
        if let Some(r) = &self.boms {
            writeln!(
                f,
                "bills of materials: {} rows read; {} bills recorded, {} already present, {} refused; {} rows rejected",
                r.rows_read, r.bills_defined, r.already_present, r.bills_rejected, r.rows_rejected
            )?;
        }
        if self.name_conflicts > 0 {
            writeln!(
                f,
                "name conflicts: {} other spellings of a product's or customer's name; the first spelling was kept, e.g.:",
                self.name_conflicts
            )?;
            for conflict in &self.conflict_examples {
                writeln!(
                    f,
                    "  {} {}: kept {}, not {} ({} line {})",
                    conflict.entity,
                    Quoted(&conflict.source_id),
                    Quoted(&conflict.kept),
                    Quoted(&conflict.other),
                    conflict.file,
                    conflict.line
                )?;
            }
        }
        let rejected = self.rows_rejected();
        if rejected > 0 {
            writeln!(
                f,
                "rejected rows ({} listed of {rejected}):",
                self.rejections.len()
            )?;
            for rejection in &self.rejections {
                writeln!(f, "  {rejection}")?;
            }
        }
        write!(f, "done in {:.1} s", self.elapsed.as_secs_f64())
    }
}

/// Refused rows of one file: all counted, the first few kept.
#[derive(Debug, Default)]
pub(crate) struct Refusals {
    pub count: u64,
    pub listed: Vec<Rejection>,
}

impl Refusals {
    pub fn add(&mut self, file: &str, line: u64, order: Option<&str>, reason: String) {
        self.count += 1;
        if self.listed.len() < REJECTIONS_LISTED_MAX {
            self.listed.push(Rejection {
                file: file.to_owned(),
                line,
                order: order.map(str::to_owned),
                reason,
            });
        }
    }
}
