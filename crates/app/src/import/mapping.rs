//! The mapping file: which CSV file, and which of its columns, feeds which
//! HyperCRM field, and how the file writes numbers and dates.
//!
//! It is TOML (ADR 0007) with one table per kind of data, read in full and
//! checked before any row is read; each file's header is then checked
//! against the columns the mapping names (see [`Resolver`]), so a typo in
//! the mapping is an error before anything is written. Columns of a file
//! that the mapping does not name are ignored.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use domain::catalog::{Unit, VatRate};
use domain::values::Currency;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::ImportError;
use super::cells::{Column, DateFormat, DecimalMark, Row, parse_decimal};

/// Largest mapping file read, in bytes: a mapping is a screenful of text.
pub const MAPPING_FILE_BYTES_MAX: u64 = 1024 * 1024;
/// Headers quoted back when a mapped column is missing.
const HEADERS_QUOTED_MAX: usize = 30;

const DATE_FORMAT_DEFAULT: &str = "%Y-%m-%d";

/// The mapping file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    currency: Option<String>,
    #[serde(default)]
    prices_include_vat: bool,
    default_vat_percent: Option<NumberText>,
    default_unit: Option<String>,
    products: Option<SourceFile<ProductFields>>,
    customers: Option<SourceFile<CustomerFields>>,
    opening_stock: Option<SourceFile<StockFields>>,
    orders: Option<SourceFile<OrderFields>>,
    suppliers: Option<SourceFile<CustomerFields>>,
    supplier_prices: Option<SourceFile<SupplierPriceFields>>,
    boms: Option<SourceFile<BomFields>>,
}

/// A number in TOML, written as a number or as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum NumberText {
    Integer(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile<F> {
    file: PathBuf,
    delimiter: Option<String>,
    decimal: Option<String>,
    date_format: Option<String>,
    /// Opening stock only: the business date of the receipts.
    date: Option<String>,
    columns: F,
}

/// The fields of a product, each the header of the column that feeds it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFields {
    pub id: String,
    pub name: String,
    pub sku: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: Option<String>,
    pub vat: Option<String>,
    pub list_price: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFields {
    pub id: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub legal_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub tags: Option<String>,
    pub source: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockFields {
    pub warehouse: String,
    pub warehouse_name: Option<String>,
    pub product: String,
    pub quantity: String,
    pub unit_cost: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderFields {
    pub number: String,
    pub date: String,
    pub ship_date: Option<String>,
    pub customer: String,
    pub customer_name: Option<String>,
    pub product: String,
    pub product_name: Option<String>,
    pub category: Option<String>,
    pub quantity: String,
    pub unit_price: Option<String>,
    pub amount: Option<String>,
    pub discount: Option<String>,
    pub unit_cost: Option<String>,
    pub vat: Option<String>,
}

/// A supplier's standing offer for a product: one row each.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierPriceFields {
    /// The supplier's id in the suppliers file (or customers file).
    pub supplier: String,
    /// The product's id in the products file.
    pub product: String,
    pub price: String,
    /// The mapping's `currency` when absent.
    pub currency: Option<String>,
    /// The supplier's own code for the product.
    pub code: Option<String>,
    pub minimum: Option<String>,
    pub pack: Option<String>,
    pub lead_days: Option<String>,
    /// "yes"/"true"/"1": the product's preferred supplier.
    pub preferred: Option<String>,
}

/// A bill of materials, one row per component; a product's rows make its
/// bill.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BomFields {
    /// The made product's id in the products file.
    pub product: String,
    pub component: String,
    /// Per unit of the product.
    pub quantity: String,
    /// Percent lost in making (0 when absent).
    pub scrap: Option<String>,
    /// The product's lead time in days (its first row's counts).
    pub lead_days: Option<String>,
}

/// A checked mapping.
#[derive(Clone, Debug)]
pub struct Mapping {
    pub path: PathBuf,
    /// The currency of prices and orders.
    pub currency: Option<Currency>,
    pub prices_include_vat: bool,
    /// The VAT rate of a product whose row names none.
    pub default_vat: VatRate,
    /// The unit of a product whose row names none.
    pub default_unit: Unit,
    pub products: Option<Source<ProductFields>>,
    pub customers: Option<Source<CustomerFields>>,
    pub opening_stock: Option<Source<StockFields>>,
    pub orders: Option<Source<OrderFields>>,
    pub suppliers: Option<Source<CustomerFields>>,
    pub supplier_prices: Option<Source<SupplierPriceFields>>,
    pub boms: Option<Source<BomFields>>,
}

/// One kind's file and how to read it.
#[derive(Clone, Debug)]
pub struct Source<F> {
    /// The file, relative paths taken from the mapping file's folder.
    pub path: PathBuf,
    pub delimiter: u8,
    pub decimal: DecimalMark,
    pub date_format: DateFormat,
    pub date: Option<NaiveDate>,
    pub fields: F,
}

impl<F> Source<F> {
    /// A record of this file, read with its decimal mark and date format.
    pub fn row<'a>(&'a self, record: &'a csv::ByteRecord) -> Row<'a> {
        Row::new(record, self.decimal, &self.date_format)
    }
}

impl Mapping {
    /// Reads and checks the mapping file at `path`.
    pub fn load(path: &Path) -> Result<Self, ImportError> {
        let read_error = |source| ImportError::ReadMapping {
            path: path.to_owned(),
            source,
        };
        let bytes = std::fs::metadata(path).map_err(read_error)?.len();
        if bytes > MAPPING_FILE_BYTES_MAX {
            return Err(invalid(
                path,
                format!("it is larger than {MAPPING_FILE_BYTES_MAX} bytes"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        Self::parse(path, &text)
    }

    /// Checks mapping `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ImportError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|error| invalid(path, error.to_string()))?;
        let folder = path.parent().unwrap_or_else(|| Path::new(""));
        let currency = file
            .currency
            .as_deref()
            .map(|code| Currency::parse("currency", code))
            .transpose()
            .map_err(|error| invalid(path, error.to_string()))?;
        let default_vat = match &file.default_vat_percent {
            None => VatRate::parse("default_vat_percent", Decimal::ZERO),
            Some(number) => number
                .to_decimal()
                .ok_or_else(|| {
                    domain::DomainError::invalid("default_vat_percent", "is not a number")
                })
                .and_then(|percent| VatRate::parse("default_vat_percent", percent)),
        }
        .map_err(|error| invalid(path, error.to_string()))?;
        let default_unit = Unit::parse(
            "default_unit",
            file.default_unit.as_deref().unwrap_or("pcs"),
        )
        .map_err(|error| invalid(path, error.to_string()))?;
        let needs_currency = file.orders.is_some()
            || file
                .products
                .as_ref()
                .is_some_and(|products| products.columns.list_price.is_some())
            || file
                .supplier_prices
                .as_ref()
                .is_some_and(|prices| prices.columns.currency.is_none());
        if needs_currency && currency.is_none() {
            return Err(invalid(
                path,
                "name the `currency` of prices and orders (for example currency = \"EUR\")".into(),
            ));
        }
        if let Some(orders) = &file.orders
            && orders.columns.unit_price.is_none()
            && orders.columns.amount.is_none()
        {
            return Err(invalid(
                path,
                "[orders.columns] must name a `unit_price` or an `amount` column (or both)".into(),
            ));
        }
        if let Some(customers) = &file.customers
            && customers.columns.name.is_none()
            && customers.columns.first_name.is_none()
        {
            return Err(invalid(
                path,
                "[customers.columns] must name a `name` or a `first_name` column".into(),
            ));
        }
        if let Some(suppliers) = &file.suppliers
            && suppliers.columns.name.is_none()
            && suppliers.columns.first_name.is_none()
        {
            return Err(invalid(
                path,
                "[suppliers.columns] must name a `name` or a `first_name` column".into(),
            ));
        }
        if file.products.is_none()
            && file.customers.is_none()
            && file.opening_stock.is_none()
            && file.orders.is_none()
            && file.suppliers.is_none()
            && file.supplier_prices.is_none()
            && file.boms.is_none()
        {
            return Err(invalid(
                path,
                "it names none of [products], [customers], [opening_stock], [orders], [suppliers], [supplier_prices], [boms]".into(),
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            currency,
            prices_include_vat: file.prices_include_vat,
            default_vat,
            default_unit,
            products: source(path, folder, "products", file.products)?,
            customers: source(path, folder, "customers", file.customers)?,
            opening_stock: source(path, folder, "opening_stock", file.opening_stock)?,
            orders: source(path, folder, "orders", file.orders)?,
            suppliers: source(path, folder, "suppliers", file.suppliers)?,
            supplier_prices: source(path, folder, "supplier_prices", file.supplier_prices)?,
            boms: source(path, folder, "boms", file.boms)?,
        })
    }
}

impl NumberText {
    fn to_decimal(&self) -> Option<Decimal> {
        match self {
            Self::Integer(value) => Some(Decimal::from(*value)),
            Self::Float(value) => Decimal::try_from(*value).ok(),
            Self::Text(text) => parse_decimal(text, DecimalMark::Point).ok(),
        }
    }
}

fn invalid(path: &Path, message: String) -> ImportError {
    ImportError::Mapping {
        path: path.to_owned(),
        message,
    }
}

fn source<F>(
    path: &Path,
    folder: &Path,
    kind: &str,
    file: Option<SourceFile<F>>,
) -> Result<Option<Source<F>>, ImportError> {
    let Some(file) = file else {
        return Ok(None);
    };
    let delimiter = match file.delimiter.as_deref() {
        None => b',',
        Some("tab" | "\t") => b'\t',
        Some(text) if text.len() == 1 && text.is_ascii() => text.as_bytes()[0],
        Some(text) => {
            return Err(invalid(
                path,
                format!("[{kind}] delimiter {text:?} must be one ASCII character or \"tab\""),
            ));
        }
    };
    let decimal = match file.decimal.as_deref() {
        None | Some("point") => DecimalMark::Point,
        Some("comma") => DecimalMark::Comma,
        Some(other) => {
            return Err(invalid(
                path,
                format!("[{kind}] decimal {other:?} must be \"point\" or \"comma\""),
            ));
        }
    };
    let format_text = file.date_format.as_deref().unwrap_or(DATE_FORMAT_DEFAULT);
    let Some(date_format) = DateFormat::parse(format_text) else {
        return Err(invalid(
            path,
            format!("[{kind}] date_format {format_text:?} is not a valid chrono date format"),
        ));
    };
    let date = match (&file.date, kind) {
        (None, _) => None,
        (Some(text), "opening_stock") => Some(date_format.read(text).ok_or_else(|| {
            invalid(
                path,
                format!("[{kind}] date {text:?} is not a date in the format {format_text}"),
            )
        })?),
        (Some(_), _) => {
            return Err(invalid(
                path,
                format!("[{kind}] has no `date` setting; only [opening_stock] does"),
            ));
        }
    };
    Ok(Some(Source {
        path: folder.join(&file.file),
        delimiter,
        decimal,
        date_format,
        date,
        fields: file.columns,
    }))
}

/// Finds the columns a mapping names in a file's header.
#[derive(Debug)]
pub struct Resolver<'a> {
    pub file: &'a Path,
    pub kind: &'static str,
    pub headers: Vec<String>,
}

impl Resolver<'_> {
    /// The column headed `header`: the one whose trimmed header equals it,
    /// or else the only one that equals it ignoring case.
    pub fn required(&self, field: &'static str, header: &str) -> Result<Column, ImportError> {
        let wanted = header.trim();
        let exact: Vec<usize> = self.positions(|candidate| candidate == wanted).collect();
        let found = if exact.is_empty() {
            let wanted = wanted.to_lowercase();
            self.positions(move |candidate| candidate.to_lowercase() == wanted)
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [index] => Ok(Column {
                index: *index,
                header: self.headers[*index].trim().to_owned(),
            }),
            [] => Err(ImportError::MissingColumn {
                file: self.file.to_owned(),
                kind: self.kind,
                field,
                column: header.to_owned(),
                found: HeaderList(&self.headers).to_string(),
            }),
            _ => Err(ImportError::AmbiguousColumn {
                file: self.file.to_owned(),
                kind: self.kind,
                field,
                column: header.to_owned(),
            }),
        }
    }

    pub fn optional(
        &self,
        field: &'static str,
        header: Option<&String>,
    ) -> Result<Option<Column>, ImportError> {
        header
            .map(|header| self.required(field, header))
            .transpose()
    }

    fn positions<'s>(
        &'s self,
        matches: impl Fn(&str) -> bool + 's,
    ) -> impl Iterator<Item = usize> + 's {
        self.headers
            .iter()
            .enumerate()
            .filter(move |(_, candidate)| matches(candidate.trim()))
            .map(|(index, _)| index)
    }
}

struct HeaderList<'a>(&'a [String]);

impl fmt::Display for HeaderList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, header) in self.0.iter().take(HEADERS_QUOTED_MAX).enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", super::cells::Quoted(header.trim()))?;
        }
        if self.0.len() > HEADERS_QUOTED_MAX {
            write!(f, " and {} more", self.0.len() - HEADERS_QUOTED_MAX)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const MINIMAL: &str = r#"
currency = "EUR"
[orders]
file = "orders.csv"
[orders.columns]
number = "Order"
date = "Date"
customer = "Customer"
product = "Product"
quantity = "Qty"
amount = "Amount"
"#;

    /// Protects the defaults a short mapping relies on.
    #[test]
    fn a_minimal_mapping_takes_the_defaults() {
        let mapping = Mapping::parse(Path::new("/data/in/map.toml"), MINIMAL).unwrap();
        let orders = mapping.orders.unwrap();
        assert_eq!(orders.path, Path::new("/data/in/orders.csv"));
        assert_eq!(orders.delimiter, b',');
        assert_eq!(orders.decimal, DecimalMark::Point);
        assert_eq!(orders.date_format.as_str(), "%Y-%m-%d");
        assert_eq!(mapping.default_unit.as_str(), "pcs");
        assert!(mapping.products.is_none());
    }

    /// Protects users from silent typos: an unknown key is an error that
    /// names it.
    #[test]
    fn an_unknown_key_is_an_error() {
        let text = MINIMAL.replace("quantity =", "quantiy =");
        let error = Mapping::parse(Path::new("map.toml"), &text).unwrap_err();
        assert!(error.to_string().contains("quantiy"), "{error}");
    }

    /// Protects orders from having no price at all.
    #[test]
    fn orders_need_a_price_or_an_amount_column() {
        let text = MINIMAL.replace("amount = \"Amount\"\n", "");
        let error = Mapping::parse(Path::new("map.toml"), &text).unwrap_err();
        assert!(error.to_string().contains("unit_price"), "{error}");
    }

    /// Protects the header match: exact first, then ignoring case, and a
    /// missing column lists what the file has.
    #[test]
    fn columns_are_found_by_header() {
        let resolver = Resolver {
            file: Path::new("orders.csv"),
            kind: "orders",
            headers: vec!["Order".into(), " qty ".into(), "QTY2".into()],
        };
        assert_eq!(resolver.required("number", "Order").unwrap().index, 0);
        assert_eq!(resolver.required("quantity", "Qty").unwrap().index, 1);
        let error = resolver.required("amount", "Amount").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"Amount\""), "{message}");
        assert!(message.contains("\"QTY2\""), "{message}");
    }
}
