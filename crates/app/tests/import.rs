#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! `hypercrm import` over small CSV files written by each test into a
//! temporary folder: what lands in the log, what a second run adds (nothing),
//! how dirty and bad rows are handled, and that a bad mapping or a dry run
//! writes nothing.

use std::path::PathBuf;
use std::str::FromStr;

use app::commands::CommandHandler;
use app::import::{ImportError, ImportOptions, ImportReport, ids, import};
use app::process::stock_stream;
use chrono::{NaiveDate, TimeZone, Utc};
use domain::catalog::{PriceList, PriceScope, Product, ProductKind};
use domain::channel::ChannelKind;
use domain::inventory::{Stock, Warehouse};
use domain::parties::{Party, PartyNameData};
use domain::sales::{ImportedSale, SaleImported};
use eventlog::{EventLog, Head, Options};
use rust_decimal::Decimal;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// All four kinds, comma-separated, decimal point, ISO dates.
const MAPPING: &str = r#"
currency = "EUR"
default_vat_percent = 20

[products]
file = "products.csv"
[products.columns]
id = "Article"
name = "Description"
unit = "Unit"
category = "Group"
vat = "VAT"
list_price = "Price"
kind = "Type"

[customers]
file = "customers.csv"
[customers.columns]
id = "CustNo"
type = "Kind"
name = "Name"
email = "Email"
phone = "Phone"
address = "Address"
tags = "Tags"

[opening_stock]
file = "stock.csv"
date = "2018-12-31"
[opening_stock.columns]
warehouse = "Store"
warehouse_name = "Store name"
product = "Article"
quantity = "Qty"
unit_cost = "Cost"

[orders]
file = "orders.csv"
[orders.columns]
number = "Order"
date = "Date"
ship_date = "Shipped"
customer = "CustNo"
customer_name = "Customer"
product = "Article"
product_name = "Description"
category = "Group"
quantity = "Qty"
unit_price = "Price"
amount = "Amount"
discount = "Disc"
"#;

const PRODUCTS: &str = "\
Article,Description,Unit,Group,VAT,Price,Type,Supplier
P-1,Bolt M6,pcs,Hardware,20,0.50,goods,Bolt & Co
P-2,Fitting,h,,20 %,40,service,
";

const CUSTOMERS: &str = "\
CustNo,Kind,Name,Email,Phone,Address,Tags
C-1,company,Acme Ltd,Info@Acme.example,+44 20 7946 0000,\"1 Main St, Springfield\",VIP; wholesale
C-2,person,Ivan Petrov,ivan@example.com,,,
";

const STOCK: &str = "\
Store,Store name,Article,Qty,Cost
MAIN,Main store,P-1,100,0.20
";

const ORDERS: &str = "\
Order,Date,Shipped,CustNo,Customer,Article,Description,Group,Qty,Price,Amount,Disc,Note
A-1,2019-05-01,2019-05-03,C-1,Acme Ltd,P-1,Bolt M6,Hardware,10,0.50,,,first
A-1,2019-05-01,2019-05-04,C-1,Acme Ltd,P-2,Fitting,,1,40,,10,
A-2,2019-06-01,,C-2,Ivan Petrov,P-1,Bolt M6,Hardware,4,,1.90,,
";

/// A company's files in a temporary folder, and its data folder.
struct Files {
    directory: tempfile::TempDir,
}

impl Files {
    fn new(files: &[(&str, &str)]) -> Self {
        let files_dir = Self {
            directory: tempfile::tempdir().unwrap(),
        };
        for (name, text) in files {
            files_dir.write(name, text);
        }
        files_dir
    }

    /// The standard company: all four kinds, clean.
    fn clean() -> Self {
        Self::new(&[
            ("mapping.toml", MAPPING),
            ("products.csv", PRODUCTS),
            ("customers.csv", CUSTOMERS),
            ("stock.csv", STOCK),
            ("orders.csv", ORDERS),
        ])
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.directory.path().join(name), text).unwrap();
    }

    fn data(&self) -> PathBuf {
        self.directory.path().join("data")
    }

    fn mapping(&self) -> PathBuf {
        self.directory.path().join("mapping.toml")
    }

    fn run(&self, dry_run: bool) -> Result<ImportReport, ImportError> {
        let options = ImportOptions {
            dry_run,
            now: Utc
                .with_ymd_and_hms(2026, 1, 15, 12, 0, 0)
                .single()
                .unwrap(),
        };
        import(&self.data(), &self.mapping(), options, &mut |_| {})
    }

    fn import(&self) -> ImportReport {
        self.run(false).unwrap()
    }

    fn log(&self) -> EventLog {
        self.opened().0
    }

    /// The log with its subjects' keys, as the import left them.
    fn opened(&self) -> (EventLog, app::personal::Keys) {
        app::personal::open_log(&self.data(), Options::default()).unwrap()
    }

    /// A handler over the imported log.
    fn handler(&self) -> CommandHandler {
        let (log, keys) = self.opened();
        CommandHandler::new(log, std::sync::Arc::new(keys))
    }

    fn head(&self) -> Head {
        self.log().head()
    }
}

fn sale(handler: &CommandHandler, number: &str) -> Option<SaleImported> {
    let stream = CommandHandler::stream::<ImportedSale>(ids::sale(number)).unwrap();
    handler.load::<ImportedSale>(&stream).unwrap().0
}

fn listed(report: &ImportReport) -> String {
    report
        .rejections
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Protects the whole path from spreadsheet to events: products with
/// their list prices, customers with channels and tags, a warehouse with
/// its opening stock, and each order as one sale at its original date with
/// the amounts it was charged.
#[test]
fn a_clean_import_brings_all_four_kinds() {
    let files = Files::clean();
    let report = files.import();
    assert!(!report.has_rejections(), "{report}");
    let products = report.products.as_ref().unwrap();
    assert_eq!(
        (products.rows_read, products.created, products.prices_set),
        (2, 2, 2)
    );
    let customers = report.customers.as_ref().unwrap();
    assert_eq!(
        (
            customers.created,
            customers.channels_added,
            customers.tags_added
        ),
        (2, 4, 2)
    );
    let stock = report.opening_stock.as_ref().unwrap();
    assert_eq!((stock.received, stock.warehouses_opened), (1, 1));
    let orders = report.orders.as_ref().unwrap();
    assert_eq!(
        (
            orders.rows_read,
            orders.orders_imported,
            orders.lines_imported
        ),
        (3, 2, 3)
    );
    assert_eq!((orders.products_created, orders.customers_created), (0, 0));

    let (log, keys) = files.opened();
    let handler = CommandHandler::new(log.clone(), std::sync::Arc::new(keys));
    let bolt_id = ids::product("P-1");
    let bolt = handler
        .load::<Product>(&CommandHandler::stream::<Product>(bolt_id).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(
        (bolt.sku.as_str(), bolt.name.as_str(), bolt.unit.as_str()),
        ("P-1", "Bolt M6", "pcs")
    );
    assert_eq!(bolt.category.as_deref(), Some("Hardware"));
    assert_eq!(
        (bolt.kind, bolt.vat_percent),
        (ProductKind::StockTracked, dec("20"))
    );
    let fitting = handler
        .load::<Product>(&CommandHandler::stream::<Product>(ids::product("P-2")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(
        (fitting.kind, fitting.category),
        (ProductKind::Service, None)
    );

    let eur = domain::values::Currency::parse("currency", "EUR").unwrap();
    let list = handler
        .load::<PriceList>(&CommandHandler::stream::<PriceList>(ids::price_list(eur)).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(list.name, "Imported");
    assert_eq!(
        list.prices
            .get(&(bolt_id, PriceScope::Everyone, Decimal::ZERO)),
        Some(&dec("0.5"))
    );

    let acme = handler
        .load::<Party>(&CommandHandler::stream::<Party>(ids::customer("C-1")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert!(matches!(&acme.name, PartyNameData::Company { name, .. } if name == "Acme Ltd"));
    let channels: Vec<(ChannelKind, &str)> = acme
        .channels
        .iter()
        .map(|channel| (channel.kind, channel.value.as_str()))
        .collect();
    assert_eq!(
        channels,
        [
            (ChannelKind::Email, "info@acme.example"),
            (ChannelKind::WorkPhone, "+442079460000"),
            (ChannelKind::PostalAddress, "1 Main St, Springfield"),
        ]
    );
    assert_eq!(
        acme.tags.iter().map(String::as_str).collect::<Vec<_>>(),
        ["vip", "wholesale"]
    );
    let ivan = handler
        .load::<Party>(&CommandHandler::stream::<Party>(ids::customer("C-2")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(
        ivan.name,
        PartyNameData::Person {
            first_name: "Ivan".into(),
            last_name: Some("Petrov".into()),
        }
    );

    let main = ids::warehouse("MAIN");
    let warehouse = handler
        .load::<Warehouse>(&CommandHandler::stream::<Warehouse>(main).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(warehouse.name, "Main store");
    let (on_hand, _) = handler
        .load::<Stock>(&stock_stream(bolt_id, main).unwrap())
        .unwrap();
    assert_eq!(
        (on_hand.on_hand, on_hand.average_cost),
        (dec("100"), dec("0.2"))
    );

    let first = sale(&handler, "A-1").unwrap();
    assert_eq!(first.party, ids::customer("C-1"));
    assert_eq!(first.ordered_on, date(2019, 5, 1));
    assert_eq!(
        first.shipped_on,
        Some(date(2019, 5, 4)),
        "the order was complete when its last line shipped"
    );
    assert_eq!(first.lines.len(), 2);
    assert_eq!(first.lines[1].discount_percent, Some(dec("10")));
    assert_eq!(first.lines[1].amounts.net, dec("36.00"), "40 less 10 %");
    assert_eq!(
        (first.total.net, first.total.vat, first.total.gross),
        (dec("41.00"), dec("8.20"), dec("49.20"))
    );
    let second = sale(&handler, "A-2").unwrap();
    assert_eq!(
        second.lines[0].amounts.net,
        dec("1.90"),
        "the amount charged wins"
    );
    assert_eq!(
        second.lines[0].unit_price,
        dec("0.475"),
        "the price follows from the amount"
    );

    // Business time: the sale happened on its order date.
    let stream = CommandHandler::stream::<ImportedSale>(ids::sale("A-1")).unwrap();
    let events = log.read_stream(&stream, 0, 10).unwrap();
    assert_eq!(events.len(), 1, "one event per order");
    assert_eq!(
        events[0].occurred_at,
        Utc.with_ymd_and_hms(2019, 5, 1, 0, 0, 0).single().unwrap()
    );
    let receipts = log
        .read_stream(&stock_stream(bolt_id, main).unwrap(), 0, 10)
        .unwrap();
    assert_eq!(
        receipts[0].occurred_at,
        Utc.with_ymd_and_hms(2018, 12, 31, 0, 0, 0)
            .single()
            .unwrap()
    );
}

/// Protects idempotency: the same files imported again add no event, and
/// the report says everything was already there.
#[test]
fn importing_the_same_files_twice_adds_nothing() {
    let files = Files::clean();
    files.import();
    let head = files.head();
    assert!(head.position > 0);
    let again = files.import();
    assert_eq!(files.head(), head, "not one event more");
    assert!(!again.has_rejections(), "{again}");
    let products = again.products.as_ref().unwrap();
    assert_eq!(
        (
            products.created,
            products.already_present,
            products.prices_set
        ),
        (0, 2, 0)
    );
    let customers = again.customers.as_ref().unwrap();
    assert_eq!(
        (
            customers.created,
            customers.already_present,
            customers.channels_added
        ),
        (0, 2, 0)
    );
    let stock = again.opening_stock.as_ref().unwrap();
    assert_eq!((stock.received, stock.already_present), (0, 1));
    let orders = again.orders.as_ref().unwrap();
    assert_eq!(
        (orders.orders_imported, orders.orders_already_present),
        (0, 2)
    );
}

/// Protects history from being rewritten by a re-import: an order whose
/// number was imported before with other lines is refused and the stored
/// sale stays as it was.
#[test]
fn an_order_changed_since_it_was_imported_is_refused_and_left_alone() {
    let files = Files::clean();
    files.import();
    let head = files.head();
    files.write("orders.csv", &ORDERS.replace(",4,,1.90,", ",5,,2.40,"));
    let report = files.import();
    assert_eq!(files.head(), head);
    let orders = report.orders.as_ref().unwrap();
    assert_eq!(
        (orders.orders_already_present, orders.orders_skipped),
        (1, 1)
    );
    let rejection = &report.rejections[0];
    assert_eq!(
        (rejection.line, rejection.order.as_deref()),
        (4, Some("A-2"))
    );
    assert!(rejection.reason.contains("different sale"), "{rejection}");
    let handler = files.handler();
    assert_eq!(sale(&handler, "A-2").unwrap().lines[0].quantity, dec("4"));
}

/// Protects imports of real exports: a product id with two spellings of
/// its name keeps the first and counts the other; a customer with two
/// addresses keeps both (the first as primary); blank optional cells are
/// "none"; products and customers only the orders name are created from
/// the order rows.
#[test]
fn dirty_data_is_handled_as_documented() {
    let files = Files::clean();
    files.write(
        "products.csv",
        "\
Article,Description,Unit,Group,VAT,Price,Type
P-1,Bolt M6,,Hardware,,0.50,
P-1,Bolt M 6,pcs,Bolts,20,0.55,goods
",
    );
    files.write(
        "customers.csv",
        "\
CustNo,Kind,Name,Email,Phone,Address,Tags
C-1,,Acme Ltd,,,1 Main St,
C-1,,ACME Limited,,,2 Dock Road,
C-1,,Acme Ltd,,,1 Main St,
",
    );
    files.write(
        "stock.csv",
        "Store,Store name,Article,Qty,Cost\nMAIN,,P-1,0,\n",
    );
    files.write(
        "orders.csv",
        "\
Order,Date,Shipped,CustNo,Customer,Article,Description,Group,Qty,Price,Amount,Disc
A-1,2019-05-01,,C-1,Acme Ltd.,P-1,Bolt M6,,10,0.50,,
A-1,2019-05-01,,C-1,Acme Ltd,P-7,,,1,3,,
A-2,2019-05-02,,C-9,Zeta Corp,P-8,Nut M8,Nuts,2,0.10,,
A-2,2019-05-02,,C-9,Zeta Corporation,P-8,Nut M-8,Nuts,1,0.10,,
",
    );
    let report = files.import();
    assert!(!report.has_rejections(), "{report}");

    let products = report.products.as_ref().unwrap();
    assert_eq!((products.created, products.repeated_rows), (1, 1));
    let customers = report.customers.as_ref().unwrap();
    assert_eq!(
        (
            customers.created,
            customers.repeated_rows,
            customers.channels_added
        ),
        (1, 2, 2)
    );
    let stock = report.opening_stock.as_ref().unwrap();
    assert_eq!((stock.zero_rows, stock.received), (1, 0));
    let orders = report.orders.as_ref().unwrap();
    assert_eq!((orders.products_created, orders.customers_created), (2, 1));

    // Bolt M 6 (products), ACME Limited (customers), Acme Ltd., Zeta
    // Corporation and Nut M-8 (orders; the last two name what the order
    // itself creates).
    assert_eq!(report.name_conflicts, 5, "{report}");
    let conflict = &report.conflict_examples[0];
    assert_eq!(
        (
            conflict.entity,
            conflict.source_id.as_str(),
            conflict.kept.as_str(),
            conflict.other.as_str(),
            conflict.line
        ),
        ("product", "P-1", "Bolt M6", "Bolt M 6", 3)
    );
    assert!(
        report
            .to_string()
            .contains("kept \"Bolt M6\", not \"Bolt M 6\""),
        "{report}"
    );

    let handler = files.handler();
    let bolt = handler
        .load::<Product>(&CommandHandler::stream::<Product>(ids::product("P-1")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(bolt.name, "Bolt M6");
    assert_eq!(
        (bolt.unit.as_str(), bolt.vat_percent),
        ("pcs", dec("20")),
        "blank cells take the mapping's defaults"
    );
    let acme = handler
        .load::<Party>(&CommandHandler::stream::<Party>(ids::customer("C-1")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert!(matches!(&acme.name, PartyNameData::Company { name, .. } if name == "Acme Ltd"));
    let addresses: Vec<(&str, bool)> = acme
        .channels
        .iter()
        .map(|channel| (channel.value.as_str(), channel.primary))
        .collect();
    assert_eq!(addresses, [("1 Main St", true), ("2 Dock Road", false)]);
    assert!(acme.tags.is_empty());

    // Made from order rows: the name, or else the id; the category.
    let unnamed = handler
        .load::<Product>(&CommandHandler::stream::<Product>(ids::product("P-7")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!((unnamed.name.as_str(), unnamed.category), ("P-7", None));
    let nut = handler
        .load::<Product>(&CommandHandler::stream::<Product>(ids::product("P-8")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert_eq!(
        (nut.name.as_str(), nut.category.as_deref()),
        ("Nut M8", Some("Nuts"))
    );
    assert_eq!(nut.vat_percent, dec("20"), "the mapping's default VAT");
    let zeta = handler
        .load::<Party>(&CommandHandler::stream::<Party>(ids::customer("C-9")).unwrap())
        .unwrap()
        .0
        .unwrap();
    assert!(matches!(&zeta.name, PartyNameData::Company { name, .. } if name == "Zeta Corp"));

    let first = sale(&handler, "A-1").unwrap();
    assert_eq!(first.shipped_on, None, "a blank ship date is none");
    assert_eq!(
        first.lines[0].discount_percent, None,
        "a blank discount is none"
    );
}

/// Protects "a whole order or none": one bad row skips its order, named by
/// line and reason, without writing anything of that order (not even the
/// product only it names, nor a count of its names' spellings), while the
/// orders around it are imported.
#[test]
fn a_bad_row_rejects_its_whole_order_and_names_line_and_reason() {
    let files = Files::clean();
    files.write(
        "orders.csv",
        "\
Order,Date,Shipped,CustNo,Customer,Article,Description,Group,Qty,Price,Amount,Disc
A-1,2019-05-01,,C-1,Acme Ltd,P-1,Bolt M6,,10,0.50,,
A-2,2019-05-02,,C-1,Acme Ltd,P-9,Washer,,3,0.05,,
A-2,2019-05-02,,C-1,Acme Ltd.,P-1,Bolt M-6,,-2,0.50,,
A-3,2019-05-03,,C-2,Ivan Petrov,P-1,Bolt M6,,1,0.50,,
A-4,31/05/2019,,C-2,Ivan Petrov,P-1,Bolt M6,,1,0.50,,
",
    );
    let report = files.import();
    assert!(report.has_rejections());
    let orders = report.orders.as_ref().unwrap();
    assert_eq!(
        (
            orders.orders_imported,
            orders.orders_skipped,
            orders.rows_rejected
        ),
        (2, 2, 2)
    );
    assert_eq!(
        orders.products_created, 0,
        "the washer of the skipped order"
    );
    let text = listed(&report);
    let negative = &report.rejections[0];
    assert_eq!(
        (negative.line, negative.order.as_deref()),
        (4, Some("A-2")),
        "{text}"
    );
    assert!(negative.reason.contains("\"Qty\""), "{text}");
    assert!(negative.reason.contains("must be more than zero"), "{text}");
    let bad_date = &report.rejections[1];
    assert_eq!(bad_date.line, 6, "{text}");
    assert!(
        bad_date
            .reason
            .contains("is not a date in the format %Y-%m-%d"),
        "{text}"
    );

    let (log, keys) = files.opened();
    let handler = CommandHandler::new(log.clone(), std::sync::Arc::new(keys));
    assert!(sale(&handler, "A-1").is_some());
    assert!(sale(&handler, "A-3").is_some());
    for number in ["A-2", "A-4"] {
        let stream = CommandHandler::stream::<ImportedSale>(ids::sale(number)).unwrap();
        assert_eq!(log.stream_version(&stream).unwrap(), None, "{number}");
    }
    let washer = CommandHandler::stream::<Product>(ids::product("P-9")).unwrap();
    assert_eq!(log.stream_version(&washer).unwrap(), None);
}

/// Protects orders from being imported in part: an order whose rows are
/// not together is skipped whole, each of its blocks named, and the file
/// is sorted by whoever can fix it.
#[test]
fn an_order_whose_rows_are_not_together_is_skipped_whole() {
    let files = Files::clean();
    files.write(
        "orders.csv",
        "\
Order,Date,Shipped,CustNo,Customer,Article,Description,Group,Qty,Price,Amount,Disc
A-1,2019-05-01,,C-1,Acme Ltd,P-1,Bolt M6,,10,0.50,,
A-2,2019-05-02,,C-1,Acme Ltd,P-1,Bolt M6,,1,0.50,,
A-1,2019-05-01,,C-1,Acme Ltd,P-2,Fitting,,1,40,,
",
    );
    let report = files.import();
    let orders = report.orders.as_ref().unwrap();
    assert_eq!((orders.orders_imported, orders.orders_skipped), (1, 1));
    let text = listed(&report);
    let lines: Vec<u64> = report.rejections.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4], "{text}");
    assert!(
        report
            .rejections
            .iter()
            .all(|r| r.reason.contains("not together")),
        "{text}"
    );
    assert!(report.rejections[0].reason.contains("line 4"), "{text}");
    assert!(report.rejections[1].reason.contains("line 2"), "{text}");
    let handler = files.handler();
    assert!(sale(&handler, "A-1").is_none());
    assert!(sale(&handler, "A-2").is_some());
}

/// Protects imports of European exports: semicolons, decimal commas with
/// thousands points, day-first dates.
#[test]
fn decimal_commas_and_a_custom_date_format_are_read() {
    let files = Files::new(&[(
        "mapping.toml",
        r#"
currency = "EUR"
[orders]
file = "export/Aufträge.csv"
delimiter = ";"
decimal = "comma"
date_format = "%d.%m.%Y"
[orders.columns]
number = "Beleg"
date = "Datum"
customer = "Kunde"
customer_name = "Kundenname"
product = "Artikel"
product_name = "Bezeichnung"
quantity = "Menge"
unit_price = "Preis"
discount = "Rabatt"
vat = "MwSt"
"#,
    )]);
    std::fs::create_dir(files.directory.path().join("export")).unwrap();
    files.write(
        "export/Aufträge.csv",
        "\
Beleg;Datum;Kunde;Kundenname;Artikel;Bezeichnung;Menge;Preis;Rabatt;MwSt
R-100;31.05.2019;K-1;Müller GmbH;M-1;Maschine;2,5;1.234,50;7,5 %;19
",
    );
    let report = files.import();
    assert!(!report.has_rejections(), "{report}");
    let handler = files.handler();
    let sale = sale(&handler, "R-100").unwrap();
    assert_eq!(sale.ordered_on, date(2019, 5, 31));
    let line = &sale.lines[0];
    assert_eq!(
        (line.quantity, line.unit_price, line.discount_percent),
        (dec("2.5"), dec("1234.5"), Some(dec("7.5")))
    );
    // 2.5 × 1,234.50 less 7.5 % = 2,854.78 net; 19 % VAT on it.
    assert_eq!(
        (line.amounts.net, line.amounts.vat),
        (dec("2854.78"), dec("542.41"))
    );
}

/// Protects the promise of `--dry-run`: everything is read, checked and
/// counted, nothing is written: no log in a fresh folder, and no event
/// more in an existing one.
#[test]
fn a_dry_run_writes_nothing() {
    let files = Files::clean();
    let report = files.run(true).unwrap();
    assert!(report.dry_run);
    assert!(!report.has_rejections(), "{report}");
    assert_eq!(report.orders.as_ref().unwrap().orders_imported, 2);
    assert_eq!(report.customers.as_ref().unwrap().channels_added, 4);
    assert!(
        !files.data().join("eventlog").exists(),
        "no log was created"
    );
    assert!(
        report
            .to_string()
            .starts_with("dry run: nothing was written")
    );

    files.import();
    let head = files.head();
    files.write(
        "orders.csv",
        &format!("{ORDERS}A-3,2019-07-01,,C-3,Gamma,P-3,Nut,,1,1,,\n"),
    );
    let report = files.run(true).unwrap();
    assert_eq!(files.head(), head);
    let orders = report.orders.as_ref().unwrap();
    assert_eq!(
        (orders.orders_imported, orders.orders_already_present),
        (1, 2)
    );
    assert_eq!((orders.products_created, orders.customers_created), (1, 1));
}

/// Protects users from a half-done import after a typo in the mapping: a
/// column the file does not have is an error naming it and the columns the
/// file has, before the products (read first) are written.
#[test]
fn a_mapping_naming_a_missing_column_fails_before_anything_is_written() {
    let files = Files::clean();
    files.write(
        "mapping.toml",
        &MAPPING.replace(
            "quantity = \"Qty\"\nunit_price",
            "quantity = \"Quantity\"\nunit_price",
        ),
    );
    let error = files.run(false).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(
            error,
            ImportError::MissingColumn {
                field: "quantity",
                ..
            }
        ),
        "{message}"
    );
    assert!(message.contains("orders.csv"), "{message}");
    assert!(message.contains("\"Quantity\""), "{message}");
    assert!(message.contains("\"Qty\""), "the columns it has: {message}");
    assert!(
        !files.data().join("eventlog").exists(),
        "nothing was written"
    );

    files.write(
        "mapping.toml",
        &MAPPING.replace(
            "[orders]\nfile = \"orders.csv\"",
            "[orders]\nfile = \"missing.csv\"",
        ),
    );
    let error = files.run(false).unwrap_err();
    assert!(error.to_string().contains("missing.csv"), "{error}");
    assert!(!files.data().join("eventlog").exists());
}

/// Protects the import report's honesty (issue 18): a line amount with
/// more than two decimals is rounded to cents once and counted, with the
/// total difference (10.005 → 10.01 and 3 × 0.3333 = 0.9999 → 1.00:
/// two amounts, +0.0051), and a name with a no-break space is quoted as it
/// is, never as `\u{a0}`.
#[test]
fn the_report_counts_rounded_amounts_and_quotes_names_as_they_are() {
    let files = Files::clean();
    files.write(
        "orders.csv",
        "\
Order,Date,Shipped,CustNo,Customer,Article,Description,Group,Qty,Price,Amount,Disc
A-1,2019-05-01,,C-1,Acme Ltd,P-1,Bolt M6,,2,5,10.005,
A-1,2019-05-01,,C-1,Acme Ltd,P-1,Bolt M6,,3,0.3333,,
A-2,2019-05-02,,C-1,Acme\u{a0}Limited,P-1,Bolt M6,,1,1,,
",
    );
    let report = files.import();
    let orders = report.orders.as_ref().unwrap();
    assert_eq!(orders.amounts_rounded, 2);
    assert_eq!(orders.rounding_difference, dec("0.0051"));
    let shown = report.to_string();
    assert!(
        shown.contains("2 line amounts had more than two decimals and were rounded to cents"),
        "{shown}"
    );
    assert!(shown.contains("0.0051"), "{shown}");
    assert!(shown.contains("\"Acme\u{a0}Limited\""), "{shown}");
    assert!(!shown.contains("\\u{a0}"), "{shown}");
    let sale = sale(&files.handler(), "A-1").unwrap();
    assert_eq!(
        sale.total.gross,
        dec("13.21"),
        "10.01 + 1.00, with 20 % VAT: 13.21"
    );
}

/// Suppliers, their prices and bills of materials beside products and
/// customers: a supplier that is also a customer keeps both roles.
const MAKING_MAPPING: &str = r#"
currency = "EUR"
default_vat_percent = 20

[products]
file = "products.csv"
[products.columns]
id = "Article"
name = "Description"

[customers]
file = "customers.csv"
[customers.columns]
id = "CustNo"
name = "Name"

[suppliers]
file = "suppliers.csv"
[suppliers.columns]
id = "Code"
name = "Supplier"
email = "Email"

[supplier_prices]
file = "prices.csv"
[supplier_prices.columns]
supplier = "Code"
product = "Article"
price = "Price"
currency = "Cur"
code = "Their code"
minimum = "Min"
pack = "Pack"
lead_days = "Days"
preferred = "Preferred"

[boms]
file = "boms.csv"
[boms.columns]
product = "Made"
component = "Part"
quantity = "Qty"
scrap = "Scrap"
lead_days = "Days"
"#;

const MAKING_PRODUCTS: &str = "\
Article,Description
TABLE,Table
LEG,Leg
TOP,Top
SHELF,Shelf
CHAIR,Chair
";

const MAKING_CUSTOMERS: &str = "\
CustNo,Name
C-1,Acme Ltd
C-2,Corner Shop
";

const SUPPLIERS: &str = "\
Code,Supplier,Email
S-1,Woodworks GmbH,sales@woodworks.example
C-1,Acme Ltd,
";

const PRICES: &str = "\
Code,Article,Price,Cur,Their code,Min,Pack,Days,Preferred
S-1,LEG,2.50,,W-77,100,25,10,yes
C-1,TOP,30,USD,,,,5,no
C-2,TOP,28,,,,,,
S-9,LEG,2.40,,,,,,
S-1,NAIL,0.01,,,,,,
S-1,TOP,29,,,,,400,
";

const BOMS: &str = "\
Made,Part,Qty,Scrap,Days
TABLE,LEG,4,,2
TABLE,TOP,1,5,
LEG,TABLE,1,,
SHELF,TOP,1,,
SHELF,SCREW,8,,
CHAIR,LEG,4,2.5,1
";

/// Protects the buying and making import: suppliers with the supplier
/// role (both roles for one that is a customer too), their offers (a
/// preferred supplier; refusals naming line and reason for an unknown
/// supplier, a customer who supplies nothing, an unknown product, a bad
/// lead time), bills made active (refused whole for a loop through the
/// file's bills or an unknown component); a second run adds nothing.
#[test]
fn suppliers_their_prices_and_bills_are_imported_once() {
    use domain::production::Bom;
    use domain::sourcing::Sourcing;
    let files = Files::new(&[
        ("mapping.toml", MAKING_MAPPING),
        ("products.csv", MAKING_PRODUCTS),
        ("customers.csv", MAKING_CUSTOMERS),
        ("suppliers.csv", SUPPLIERS),
        ("prices.csv", PRICES),
        ("boms.csv", BOMS),
    ]);
    let report = files.import();
    let suppliers = report.suppliers.as_ref().unwrap();
    assert_eq!(
        (
            suppliers.created,
            suppliers.already_present,
            suppliers.supplier_roles_set,
            suppliers.channels_added
        ),
        (1, 1, 2, 1)
    );
    let prices = report.supplier_prices.as_ref().unwrap();
    assert_eq!(
        (
            prices.rows_read,
            prices.offers_set,
            prices.preferred_set,
            prices.rows_rejected
        ),
        (6, 2, 1, 4)
    );
    let boms = report.boms.as_ref().unwrap();
    assert_eq!(
        (boms.rows_read, boms.bills_defined, boms.bills_rejected),
        (6, 1, 3)
    );
    let listed = listed(&report);
    for expected in [
        "prices.csv line 4: supplier \"C-2\" is not a supplier",
        "prices.csv line 5: supplier \"S-9\" is not a supplier",
        "prices.csv line 6: product \"NAIL\" is neither",
        "prices.csv line 7: column \"Days\"",
        "boms.csv line 2: a product cannot be part of itself: TABLE → LEG → TABLE",
        "boms.csv line 4: a product cannot be part of itself: LEG → TABLE → LEG",
        "boms.csv line 6: component \"SCREW\" is neither",
    ] {
        assert!(listed.contains(expected), "{expected}\n{listed}");
    }
    // A loop of two bills refuses both: which one is wrong, only the
    // file's author knows.
    let handler = files.handler();
    let party = |id: &str| {
        let stream = CommandHandler::stream::<Party>(ids::customer(id)).unwrap();
        handler.load::<Party>(&stream).unwrap().0.unwrap()
    };
    let woodworks = party("S-1");
    assert!(woodworks.roles.supplier && !woodworks.roles.customer);
    let acme = party("C-1");
    assert!(acme.roles.supplier && acme.roles.customer, "both roles");
    assert!(!party("C-2").roles.supplier);
    let sourcing = |article: &str| {
        let stream = CommandHandler::stream::<Sourcing>(ids::product(article)).unwrap();
        handler.load::<Sourcing>(&stream).unwrap().0
    };
    let legs = sourcing("LEG");
    let offer = legs.offers.get(&ids::customer("S-1")).unwrap();
    assert_eq!(offer.price, dec("2.50"));
    assert_eq!(offer.supplier_code.as_deref(), Some("W-77"));
    assert_eq!(offer.pack_size, Some(dec("25")));
    assert_eq!(offer.lead_time_days, 10);
    assert_eq!(legs.preferred, Some(ids::customer("S-1")));
    let tops = sourcing("TOP");
    assert_eq!(
        tops.offers
            .get(&ids::customer("C-1"))
            .unwrap()
            .currency
            .as_str(),
        "USD"
    );
    let bom = |article: &str| {
        let stream = CommandHandler::stream::<Bom>(ids::product(article)).unwrap();
        handler.load::<Bom>(&stream).unwrap().0
    };
    assert!(bom("SHELF").is_none(), "refused whole");
    assert!(
        bom("LEG").is_none() && bom("TABLE").is_none(),
        "refused: they loop"
    );
    let chair = bom("CHAIR").unwrap();
    let (version, active) = chair.active_version().unwrap();
    assert_eq!((version, active.lead_days), (1, 1));
    assert_eq!(active.components[0].scrap_percent, dec("2.5"));
    drop(handler);

    let head = files.head();
    let again = files.import();
    assert_eq!(files.head(), head, "not one event more");
    assert_eq!(again.supplier_prices.as_ref().unwrap().offers_set, 0);
    assert_eq!(again.suppliers.as_ref().unwrap().supplier_roles_set, 0);
}
