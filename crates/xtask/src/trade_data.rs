//! A company's sales history as CSV files, for the trade benchmark: the
//! kind of export `hypercrm import` reads (products, customers, flat order
//! lines), deterministic for a seed, written as a stream so a million
//! orders never sit in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How much history to write.
#[derive(Clone, Debug)]
pub struct TradeData {
    pub orders: u64,
    pub products: u32,
    pub categories: u32,
    pub customers: u32,
    pub first_day: NaiveDate,
    pub days: u32,
    pub seed: u64,
}

impl TradeData {
    /// `orders` orders of 1–9 lines (5 on average) over five years.
    pub fn new(orders: u64) -> Self {
        Self {
            orders,
            products: 5_000,
            categories: 40,
            customers: 50_000,
            first_day: NaiveDate::from_ymd_opt(2021, 1, 1).expect("a valid fixed date"),
            days: 5 * 365,
            seed: 42,
        }
    }
}

/// The files written.
#[derive(Clone, Debug)]
pub struct TradeFiles {
    pub products: PathBuf,
    pub customers: PathBuf,
    pub orders: PathBuf,
    pub lines: u64,
}

/// The mapping file `hypercrm import` reads the files with.
pub const MAPPING: &str = r#"# Written by `cargo xtask bench-trade`.
currency = "EUR"
default_vat_percent = 0

[products]
file = "products.csv"
[products.columns]
id = "sku"
name = "name"
category = "category"
unit = "unit"
list_price = "price"

[customers]
file = "customers.csv"
[customers.columns]
id = "customer_id"
name = "name"
email = "email"

[orders]
file = "orders.csv"
[orders.columns]
number = "order_no"
date = "order_date"
ship_date = "ship_date"
customer = "customer_id"
customer_name = "customer_name"
product = "product_id"
product_name = "product_name"
category = "category"
quantity = "quantity"
unit_price = "unit_price"
discount = "discount"
amount = "line_amount"
unit_cost = "unit_cost"
"#;

/// The source id of a generated product.
pub fn sku(product: u32) -> String {
    format!("P{product:05}")
}

fn product_price_cents(product: u32) -> u64 {
    // 1.00 to 500.00, spread by a cheap hash so neighbours differ.
    100 + u64::from(product.wrapping_mul(2_654_435_761) % 49_901)
}

fn category_of(data: &TradeData, product: u32) -> u32 {
    product % data.categories
}

/// Writes the three CSV files into `directory` (reusing them when they are
/// already there for the same settings).
pub fn write(data: &TradeData, directory: &Path) -> anyhow::Result<TradeFiles> {
    std::fs::create_dir_all(directory)?;
    let files = TradeFiles {
        products: directory.join("products.csv"),
        customers: directory.join("customers.csv"),
        orders: directory.join("orders.csv"),
        lines: 0,
    };
    let stamp = directory.join("settings.txt");
    let wanted = format!("{data:?}");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        let lines = count_lines(&files.orders)?;
        return Ok(TradeFiles { lines, ..files });
    }

    let mut products = writer(&files.products)?;
    writeln!(products, "sku,name,category,unit,price,cost")?;
    for product in 0..data.products {
        let price = product_price_cents(product);
        writeln!(
            products,
            "P{product:05},Product {product:05},Category {:02},pcs,{}.{:02},{}.{:02}",
            category_of(data, product),
            price / 100,
            price % 100,
            price * 6 / 1000,
            (price * 6 / 10) % 100
        )?;
    }
    products.flush()?;

    let mut customers = writer(&files.customers)?;
    writeln!(customers, "customer_id,name,email,city")?;
    for customer in 0..data.customers {
        writeln!(
            customers,
            "C{customer:06},Customer {customer:06} Ltd,buyer{customer}@example.com,City {}",
            customer % 97
        )?;
    }
    customers.flush()?;

    let mut rng = ChaCha8Rng::seed_from_u64(data.seed);
    let mut orders = writer(&files.orders)?;
    writeln!(
        orders,
        "order_no,order_date,ship_date,customer_id,customer_name,product_id,product_name,category,quantity,unit_price,discount,line_amount,unit_cost"
    )?;
    let mut lines = 0;
    for order in 0..data.orders {
        let day = data.first_day + Duration::days(i64::from(rng.random_range(0..data.days)));
        let ship = day + Duration::days(rng.random_range(0..5));
        let customer = rng.random_range(0..data.customers);
        let line_count = rng.random_range(1..=9);
        for _ in 0..line_count {
            let product = rng.random_range(0..data.products);
            let quantity: u64 = rng.random_range(1..=20);
            let discount: u64 = [0, 0, 0, 5, 10][rng.random_range(0..5)];
            let price = product_price_cents(product);
            // Cents, rounded half up: what the source system charged.
            let amount = (quantity * price * (100 - discount) + 50) / 100;
            let cost = price * 6 / 10;
            writeln!(
                orders,
                "SO{order:08},{day},{ship},C{customer:06},Customer {customer:06} Ltd,P{product:05},Product {product:05},Category {:02},{quantity},{}.{:02},{discount},{}.{:02},{}.{:02}",
                category_of(data, product),
                price / 100,
                price % 100,
                amount / 100,
                amount % 100,
                cost / 100,
                cost % 100,
            )?;
            lines += 1;
        }
    }
    orders.flush()?;
    std::fs::write(&stamp, wanted)?;
    Ok(TradeFiles { lines, ..files })
}

fn writer(path: &Path) -> anyhow::Result<BufWriter<File>> {
    let file =
        File::create(path).with_context(|| format!("failed to create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn count_lines(path: &Path) -> anyhow::Result<u64> {
    use std::io::BufRead;
    let file = File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    let lines = std::io::BufReader::new(file).lines().count() as u64;
    Ok(lines.saturating_sub(1))
}
