#![allow(clippy::unwrap_used)]
//! The `sales` and `director_kpis` read models fed with events the real
//! deciders decided, the process managers' reactions included (stock
//! reserved, issued and returned; invoices and credit notes on the
//! customer's account; document numbers): intake and revenue days, partial
//! shipments and returns, margins from stock costs, imported sales,
//! grouping, ageing, payments, the director's figures, a brute-force
//! comparison over random histories and snapshots.

#[path = "sales/shop.rs"]
mod shop;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use domain::catalog::ProductKind;
use domain::finance::PaymentMethod;
use domain::ids::{BranchId, InvoiceId, OrderId, PartyId, ProductId, UserId};
use domain::sales::ImportSale;
use domain::values::Currency;
use projections::models::kpis::{DirectorKpis, Kpis, Overdue};
use projections::models::sales::{
    AgeBucket, Aged, Dimension, Measure, Member, MethodTotal, PaymentDay, Period, ReportCurrency,
    ReportQuery, ReportRow, Sales, SalesFigures, TopQuery,
};
use projections::{ReadModel, SnapshotStore};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use shop::{
    NORTH_WAREHOUSE, NewOrder, Shop, WAREHOUSE, date, dec, eur, id, import_lines, import_sale,
    rate_on, usd,
};

const SHIRT: u128 = 1;
const MUG: u128 = 2;
const SETUP: u128 = 3;
const CAP: u128 = 4;

const ACME: u128 = 20;
const GLOBEX: u128 = 21;
const INITECH: u128 = 22;
const UMBRELLA: u128 = 23;

const ANNA: u128 = 30;
const BORIS: u128 = 31;
const NORTH: u128 = 40;
const SOUTH: u128 = 41;

/// A shop selling shirts, mugs and caps (goods) and a setup service, at
/// euro prices without VAT (20 % on top).
fn shop() -> Shop {
    let mut shop = Shop::new();
    shop.product(
        SHIRT,
        "SHIRT",
        ProductKind::StockTracked,
        Some("Shirts"),
        "20.00",
    );
    shop.product(MUG, "MUG", ProductKind::StockTracked, Some("Mugs"), "7.33");
    shop.product(
        SETUP,
        "SETUP",
        ProductKind::Service,
        Some("Services"),
        "50.00",
    );
    shop.product(CAP, "CAP", ProductKind::StockTracked, None, "9.99");
    shop
}

fn query(
    from: NaiveDate,
    to: NaiveDate,
    period: Period,
    dimension: Option<Dimension>,
) -> ReportQuery {
    ReportQuery {
        from,
        to,
        currency: ReportCurrency::Only(eur()),
        period,
        dimension,
        branch: None,
    }
}

fn as_map(rows: &[ReportRow]) -> BTreeMap<(NaiveDate, Member), SalesFigures> {
    rows.iter()
        .map(|row| ((row.period, row.member.clone()), row.figures.clone()))
        .collect()
}

/// Asserts the model's report equals the brute-force sum over the same
/// events, with rows in period order and no row twice.
fn check(shop: &Shop, query: &ReportQuery) -> Vec<ReportRow> {
    let rows = shop.sales.report(query);
    assert!(
        rows.windows(2).all(|pair| pair[0].period <= pair[1].period),
        "rows in period order: {rows:#?}"
    );
    let map = as_map(&rows);
    assert_eq!(map.len(), rows.len(), "no row twice");
    assert_eq!(map, shop.oracle.report(query), "report for {query:?}");
    rows
}

/// Figures with the named fields set and the rest zero.
fn figures(set: impl FnOnce(&mut SalesFigures)) -> SalesFigures {
    let mut figures = SalesFigures::default();
    set(&mut figures);
    figures
}

fn row(period: NaiveDate, member: Member, set: impl FnOnce(&mut SalesFigures)) -> ReportRow {
    ReportRow {
        period,
        member,
        figures: figures(set),
    }
}

/// Protects the two clocks of a sale: an order counts as intake on the day
/// it was confirmed and as revenue, units and cost on the day it was
/// shipped; the director's day and week figures follow the same days.
#[test]
fn intake_counts_on_the_confirmation_day_and_revenue_on_the_shipment_day() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "100", "8.00", date(3, 1));
    let order = shop
        .order(
            &NewOrder::of(ACME, eur(), &[(SHIRT, "3"), (SETUP, "1")]),
            date(3, 2),
        )
        .unwrap();
    shop.ship(order, None, date(3, 4), date(4, 3)).unwrap();

    let rows = check(&shop, &query(date(3, 1), date(3, 7), Period::Day, None));
    assert_eq!(
        rows,
        vec![
            row(date(3, 2), Member::All, |f| {
                f.orders = 1;
                f.order_net = dec("110");
            }),
            row(date(3, 4), Member::All, |f| {
                f.revenue = dec("110");
                f.cost = dec("24");
                f.margin = dec("86");
                f.units = dec("4");
            }),
        ]
    );

    let confirmed = shop.kpis.on(date(3, 2));
    assert_eq!(confirmed.orders, 1);
    assert_eq!(
        confirmed.order_intake,
        BTreeMap::from([(eur(), dec("110"))])
    );
    assert_eq!(confirmed.units_shipped, Decimal::ZERO);
    let shipped = shop.kpis.on(date(3, 4));
    assert_eq!((shipped.orders, shipped.order_intake.len()), (0, 0));
    assert_eq!(shipped.units_from, date(3, 2), "the ISO week's Monday");
    assert_eq!(shipped.units_shipped, dec("4"));
    assert_eq!(
        shop.kpis.on(date(3, 8)).units_shipped,
        dec("4"),
        "Sunday, same week"
    );
    assert_eq!(
        shop.kpis.on(date(3, 9)).units_shipped,
        Decimal::ZERO,
        "a new week"
    );
}

/// Protects revenue of partial shipments and returns: each part is its
/// pro rata share of the confirmed net and the last part takes the rest,
/// so the parts add up to the line; a return takes its credited net and
/// its goods' cost back on its own day.
#[test]
fn partial_shipments_add_up_to_the_line_and_returns_subtract_on_their_day() {
    let mut shop = shop();
    shop.receive(MUG, WAREHOUSE, "10", "3.00", date(3, 1));
    let mut new = NewOrder::of(GLOBEX, eur(), &[(MUG, "3")]);
    // 10 % off 7.33 is 6.597 a mug; three make 19.791, so 19.79.
    new.lines[0].2 = Some(dec("10"));
    let order = shop.order(&new, date(3, 2)).unwrap();
    shop.ship(order, Some(vec![(1, dec("1"))]), date(3, 3), date(4, 1))
        .unwrap();
    shop.ship(order, Some(vec![(1, dec("1"))]), date(3, 5), date(4, 1))
        .unwrap();
    shop.ship(order, None, date(3, 6), date(4, 1)).unwrap();
    // Dearer mugs arrive: 7 at 3.00 and 10 at 4.00 average 3.5882.
    shop.receive(MUG, WAREHOUSE, "10", "4.00", date(3, 8));
    shop.return_goods(order, vec![(1, dec("1"))], date(3, 10))
        .unwrap();

    let rows = check(&shop, &query(date(3, 1), date(3, 31), Period::Day, None));
    let shipped = |day: u32, revenue: &str, margin: &str| {
        row(date(3, day), Member::All, |f| {
            f.revenue = dec(revenue);
            f.cost = dec("3");
            f.margin = dec(margin);
            f.units = dec("1");
        })
    };
    assert_eq!(
        rows,
        vec![
            row(date(3, 2), Member::All, |f| {
                f.orders = 1;
                f.order_net = dec("19.79");
            }),
            shipped(3, "6.60", "3.60"),
            shipped(5, "6.60", "3.60"),
            shipped(6, "6.59", "3.59"),
            row(date(3, 10), Member::All, |f| {
                f.revenue = dec("-6.60");
                f.cost = dec("-3.5882");
                f.margin = dec("-3.0118");
                f.units_returned = dec("1");
            }),
        ]
    );
    let month = check(
        &shop,
        &query(
            date(3, 1),
            date(3, 31),
            Period::Month,
            Some(Dimension::Product),
        ),
    );
    assert_eq!(
        month,
        vec![row(date(3, 1), Member::Product(id(MUG)), |f| {
            f.orders = 1;
            f.order_net = dec("19.79");
            f.revenue = dec("13.19");
            f.cost = dec("5.4118");
            f.margin = dec("7.7782");
            f.units = dec("3");
            f.units_returned = dec("1");
        })]
    );
}

/// Protects margins: cost is what each stock issue took out at the
/// moving average it recorded, per product and category; services cost
/// nothing.
#[test]
fn margin_is_revenue_less_the_cost_the_stock_issues_recorded() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "2", "8.00", date(3, 1));
    let order = shop
        .order(
            &NewOrder::of(INITECH, eur(), &[(SHIRT, "4"), (SETUP, "2")]),
            date(3, 2),
        )
        .unwrap();
    shop.ship(order, Some(vec![(1, dec("2"))]), date(3, 3), date(4, 1))
        .unwrap();
    shop.receive(SHIRT, WAREHOUSE, "2", "10.00", date(3, 4));
    shop.ship(order, None, date(3, 5), date(4, 1)).unwrap();

    let by_product = check(
        &shop,
        &query(
            date(3, 1),
            date(3, 31),
            Period::Whole,
            Some(Dimension::Product),
        ),
    );
    assert_eq!(
        by_product,
        vec![
            row(date(3, 1), Member::Product(id(SETUP)), |f| {
                f.orders = 1;
                f.order_net = dec("100");
                f.revenue = dec("100");
                f.margin = dec("100");
                f.units = dec("2");
            }),
            row(date(3, 1), Member::Product(id(SHIRT)), |f| {
                f.orders = 1;
                f.order_net = dec("80");
                f.revenue = dec("80");
                f.cost = dec("36");
                f.margin = dec("44");
                f.units = dec("4");
            }),
        ],
        "products by SKU, the shirts at 2 × 8.00 and 2 × 10.00"
    );
    let by_category = check(
        &shop,
        &query(
            date(3, 1),
            date(3, 31),
            Period::Whole,
            Some(Dimension::Category),
        ),
    );
    let members: Vec<(Member, Decimal)> = by_category
        .iter()
        .map(|row| (row.member.clone(), row.figures.margin))
        .collect();
    assert_eq!(
        members,
        vec![
            (Member::Category(Some("Services".into())), dec("100")),
            (Member::Category(Some("Shirts".into())), dec("44")),
        ]
    );
}

/// Protects margins from the order things are typed in: a receipt entered
/// after a sale but dated before it changes what the sale's goods cost.
/// 4 shirts came in at 8.00 on 1 March; 1 was sold on 2 March and 2 on
/// 5 March, at 8.00. Then a receipt of 4 at 11.00 is entered, dated 3
/// March: the average from 3 March is (3 × 8 + 4 × 11) / 7 = 9.7143, so
/// the 5 March shipment cost 19.4286, not 16.00, and its day's margin
/// says so; the shipment of 6 March (in order) goes out at 9.7143 too; 2
/// March's sale before the receipt keeps its 8.00. Nothing is reposted.
#[test]
fn a_back_dated_receipt_corrects_the_margins_of_the_sales_after_it() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "4", "8.00", date(3, 1));
    let sell = |shop: &mut Shop, day: NaiveDate| {
        let order = shop
            .order(&NewOrder::of(INITECH, eur(), &[(SHIRT, "1")]), day)
            .unwrap();
        shop.ship(order, None, day, date(4, 30)).unwrap();
    };
    sell(&mut shop, date(3, 2));
    let order = shop
        .order(&NewOrder::of(INITECH, eur(), &[(SHIRT, "2")]), date(3, 5))
        .unwrap();
    shop.ship(order, None, date(3, 5), date(4, 30)).unwrap();
    let cost_on = |shop: &Shop, day: NaiveDate| {
        check(shop, &query(day, day, Period::Whole, None))
            .first()
            .map(|row| row.figures.cost)
            .unwrap_or_default()
    };
    assert_eq!(
        cost_on(&shop, date(3, 5)),
        dec("16"),
        "as the issue recorded"
    );
    shop.receive(SHIRT, WAREHOUSE, "4", "11.00", date(3, 3));
    // 2 March: 1 × 8.00, before the receipt.
    assert_eq!(cost_on(&shop, date(3, 2)), dec("8"));
    // 5 March: on hand 3 at 8.00 + 4 at 11.00 = 7 at 9.7143.
    assert_eq!(cost_on(&shop, date(3, 5)), dec("19.4286"));
    sell(&mut shop, date(3, 6));
    assert_eq!(
        cost_on(&shop, date(3, 6)),
        dec("9.7143"),
        "in order, at the same average"
    );
    let month = check(&shop, &query(date(3, 1), date(3, 31), Period::Whole, None));
    assert_eq!(month[0].figures.cost, dec("37.1429"));
    assert_eq!(
        month[0].figures.margin,
        month[0].figures.revenue - dec("37.1429")
    );
}

/// Protects the cost of what was made: a receipt of a component dated
/// before a production order consumed it changes what the output cost,
/// and so the margin of the output's sales. Caps are made of 2 shirts
/// and a mug with 6 minutes' work at 30.00 an hour (3.00 a cap). With 10
/// shirts at 8.00 and 10 mugs at 2.00, 4 caps made on 3 March cost
/// (8 × 8 + 4 × 2 + 4 × 3) / 4 = 21.00; 2 sold on 5 March cost 42.00.
/// Then 10 shirts at 11.00 are entered for 2 March: the shirts went in
/// at 9.50, the caps cost (76 + 8 + 12) / 4 = 24.00, and the sale 48.00.
#[test]
fn a_back_dated_component_receipt_corrects_the_margin_of_what_was_made() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "10", "8.00", date(3, 1));
    shop.receive(MUG, WAREHOUSE, "10", "2.00", date(3, 1));
    shop.produce(
        CAP,
        WAREHOUSE,
        &[(SHIRT, "2"), (MUG, "1")],
        "6",
        "4",
        date(3, 3),
    );
    let order = shop
        .order(&NewOrder::of(INITECH, eur(), &[(CAP, "2")]), date(3, 5))
        .unwrap();
    shop.ship(order, None, date(3, 5), date(4, 30)).unwrap();
    let cost_on_the_5th = |shop: &Shop| {
        check(shop, &query(date(3, 5), date(3, 5), Period::Whole, None))[0]
            .figures
            .cost
    };
    assert_eq!(cost_on_the_5th(&shop), dec("42"), "as the issue recorded");

    shop.receive(SHIRT, WAREHOUSE, "10", "11.00", date(3, 2));
    assert_eq!(cost_on_the_5th(&shop), dec("48"));
    let mug_receipt_in_order = |shop: &mut Shop| {
        shop.receive(MUG, WAREHOUSE, "1", "50.00", date(3, 9));
    };
    mug_receipt_in_order(&mut shop);
    assert_eq!(
        cost_on_the_5th(&shop),
        dec("48"),
        "a receipt after the consumption changes nothing made before it"
    );
}

/// Protects margins in one currency: goods valued in euros sold in
/// dollars cost, in the dollar report, their euros at the rate of the
/// day they left (the latest entered by then). 2 shirts at 9.00 EUR
/// leave on 3 March, when a dollar was worth 0.9 euros (entered on 1
/// March): 18.00 EUR is 20.00 USD.
#[test]
fn a_sale_in_dollars_costs_its_goods_in_dollars() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "10", "9.00", date(3, 1));
    shop.set_rate(usd(), date(3, 1), "0.9");
    let order = shop
        .order(&NewOrder::of(UMBRELLA, usd(), &[(SHIRT, "2")]), date(3, 2))
        .unwrap();
    shop.ship(order, None, date(3, 3), date(4, 30)).unwrap();
    let mut dollars = query(date(3, 1), date(3, 31), Period::Whole, None);
    dollars.currency = ReportCurrency::Only(usd());
    let rows = shop.sales.report(&dollars);
    assert_eq!(rows[0].figures.cost, dec("20"));
    assert_eq!(rows[0].figures.margin, rows[0].figures.revenue - dec("20"));
}

/// Protects the director's one figure: counting every currency, a day's
/// dollars are euros at that day's rate (the latest entered by then),
/// each rounded once, added to the euros; dollars of a day before any
/// rate are left out and named, in the report and in the KPIs alike.
#[test]
fn a_report_in_the_company_currency_converts_each_day_at_its_rate() {
    let mut shop = shop();
    shop.set_rate(usd(), date(3, 2), "0.91377");
    shop.set_rate(usd(), date(3, 4), "0.8");
    // Three mugs, net 18.32 USD, on 1 March (no rate yet), on 3 March
    // (0.91377) and on 4 March (0.8); a shirt, net 20.00 EUR, on 3 March.
    for day in [date(3, 1), date(3, 3), date(3, 4)] {
        shop.order(&NewOrder::of(UMBRELLA, usd(), &[(MUG, "3")]), day)
            .unwrap();
    }
    shop.order(&NewOrder::of(ACME, eur(), &[(SHIRT, "1")]), date(3, 3))
        .unwrap();
    let mut every = query(date(3, 1), date(3, 31), Period::Day, None);
    every.currency = ReportCurrency::Company;
    let intake: Vec<(NaiveDate, Decimal, i64)> = shop
        .sales
        .report(&every)
        .iter()
        .map(|row| (row.period, row.figures.order_net, row.figures.orders))
        .collect();
    // 18.32 × 0.91377 = 16.7402664 → 16.7403; 18.32 × 0.8 = 14.656.
    assert_eq!(
        intake,
        vec![
            (date(3, 3), dec("36.7403"), 2),
            (date(3, 4), dec("14.656"), 1),
        ]
    );
    assert_eq!(
        shop.sales.unconverted(date(3, 1), date(3, 31), None),
        vec![usd()]
    );
    assert_eq!(
        shop.sales.unconverted(date(3, 2), date(3, 31), None),
        vec![]
    );

    let kpis = shop.kpis.over(date(3, 1), date(3, 31));
    let in_company = kpis.in_company.unwrap();
    assert_eq!(in_company.currency, eur());
    assert_eq!(in_company.order_intake, dec("51.3963"));
    assert_eq!(in_company.unconverted, vec![usd()]);
    let from_second = shop.kpis.over(date(3, 2), date(3, 31)).in_company.unwrap();
    assert_eq!(from_second.order_intake, dec("51.3963"));
    assert!(from_second.unconverted.is_empty());
}

/// A member's figures of one day in one currency convert once, whichever
/// branches they are in: two branches' 18.32 USD of mugs on one day are
/// 36.64 × 0.91377 = 33.4805328 → 33.4805 EUR, not 2 × 16.7403.
#[test]
fn a_conversion_rounds_once_per_member_and_day_across_branches() {
    let mut shop = shop();
    shop.set_rate(usd(), date(3, 2), "0.91377");
    for branch in [NORTH, SOUTH] {
        let order = NewOrder {
            branch: Some(id(branch)),
            ..NewOrder::of(UMBRELLA, usd(), &[(MUG, "3")])
        };
        shop.order(&order, date(3, 3)).unwrap();
    }
    let mut by_product = query(
        date(3, 1),
        date(3, 31),
        Period::Whole,
        Some(Dimension::Product),
    );
    by_product.currency = ReportCurrency::Company;
    let rows = shop.sales.report(&by_product);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].figures.order_net, dec("33.4805"));
    assert_eq!(rows[0].figures.orders, 2);
}

/// Protects history brought in from another system: an imported sale is
/// an order on its order date and revenue on its shipping date (or its
/// order date); a line without a cost counts as uncosted revenue.
#[test]
fn imported_sales_count_on_their_order_and_shipping_dates_and_say_when_cost_is_unknown() {
    let mut shop = shop();
    let lines = import_lines(&[
        (SHIRT, "2", "19.00", Some("8.50")),
        (CAP, "1", "9.99", None),
    ]);
    shop.import(import_sale(
        "S-1",
        GLOBEX,
        date(2, 20),
        Some(date(2, 25)),
        lines,
    ))
    .unwrap();
    let lines = import_lines(&[(MUG, "4", "5.00", Some("2.25"))]);
    shop.import(import_sale("S-2", ACME, date(2, 26), None, lines))
        .unwrap();

    let rows = check(&shop, &query(date(2, 1), date(2, 28), Period::Day, None));
    assert_eq!(
        rows,
        vec![
            row(date(2, 20), Member::All, |f| {
                f.orders = 1;
                f.order_net = dec("47.99");
            }),
            row(date(2, 25), Member::All, |f| {
                f.revenue = dec("47.99");
                f.cost = dec("17");
                f.margin = dec("30.99");
                f.units = dec("3");
                f.uncosted_revenue = dec("9.99");
            }),
            row(date(2, 26), Member::All, |f| {
                f.orders = 1;
                f.order_net = dec("20");
                f.revenue = dec("20");
                f.cost = dec("9");
                f.margin = dec("11");
                f.units = dec("4");
            }),
        ]
    );
    check(
        &shop,
        &query(
            date(2, 1),
            date(2, 28),
            Period::Whole,
            Some(Dimension::Category),
        ),
    );
    assert_eq!(shop.kpis.on(date(2, 20)).order_intake[&eur()], dec("47.99"));
    let last = shop.kpis.on(date(2, 26));
    assert_eq!((last.orders, last.units_shipped), (1, dec("7")));
}

/// Three orders around a month's end in one ISO week, and one the week
/// after, for two managers in two branches.
fn month_end() -> Shop {
    let mut shop = shop();
    for product in [SHIRT, MUG, CAP] {
        shop.receive(product, WAREHOUSE, "100", "5.00", date(3, 1));
    }
    let anna = |party: u128, lines: &[(u128, &str)]| NewOrder {
        manager: Some(id(ANNA)),
        branch: Some(id(NORTH)),
        ..NewOrder::of(party, eur(), lines)
    };
    let first = shop
        .order(&anna(ACME, &[(SHIRT, "1"), (MUG, "2")]), date(3, 30))
        .unwrap();
    shop.ship(first, None, date(3, 31), date(4, 30)).unwrap();
    let boris = NewOrder {
        manager: Some(id(BORIS)),
        branch: Some(id(SOUTH)),
        ..NewOrder::of(GLOBEX, eur(), &[(SHIRT, "2"), (CAP, "1")])
    };
    let second = shop.order(&boris, date(4, 2)).unwrap();
    shop.ship(second, None, date(4, 3), date(5, 3)).unwrap();
    let third = shop.order(&anna(ACME, &[(MUG, "1")]), date(4, 7)).unwrap();
    shop.ship(third, None, date(4, 7), date(5, 7)).unwrap();
    shop
}

/// Protects period grouping: ISO weeks run Monday to Sunday across a
/// month's end, months split them; rows come sorted by period, then
/// member.
#[test]
fn reports_group_days_by_iso_week_and_month_with_rows_sorted() {
    let shop = month_end();
    let summary = |rows: Vec<ReportRow>| -> Vec<(NaiveDate, Member, i64, Decimal)> {
        rows.into_iter()
            .map(|row| {
                (
                    row.period,
                    row.member,
                    row.figures.orders,
                    row.figures.revenue,
                )
            })
            .collect()
    };
    let category = |name: Option<&str>| Member::Category(name.map(str::to_owned));
    let weeks = check(
        &shop,
        &query(
            date(3, 1),
            date(4, 30),
            Period::Week,
            Some(Dimension::Category),
        ),
    );
    assert_eq!(
        summary(weeks),
        vec![
            (date(3, 30), category(None), 1, dec("9.99")),
            (date(3, 30), category(Some("Mugs")), 1, dec("14.66")),
            (date(3, 30), category(Some("Shirts")), 2, dec("60")),
            (date(4, 6), category(Some("Mugs")), 1, dec("7.33")),
        ]
    );
    let months = check(
        &shop,
        &query(
            date(3, 1),
            date(4, 30),
            Period::Month,
            Some(Dimension::Category),
        ),
    );
    assert_eq!(
        summary(months),
        vec![
            (date(3, 1), category(Some("Mugs")), 1, dec("14.66")),
            (date(3, 1), category(Some("Shirts")), 1, dec("20")),
            (date(4, 1), category(None), 1, dec("9.99")),
            (date(4, 1), category(Some("Mugs")), 1, dec("7.33")),
            (date(4, 1), category(Some("Shirts")), 1, dec("40")),
        ]
    );
    // A range that cuts a week counts only its own days.
    let cut = check(&shop, &query(date(4, 1), date(4, 30), Period::Week, None));
    assert_eq!(summary(cut)[0], (date(3, 30), Member::All, 1, dec("49.99")));
    for dimension in [
        Dimension::Customer,
        Dimension::Manager,
        Dimension::Branch,
        Dimension::Product,
    ] {
        for period in [Period::Whole, Period::Day, Period::Week, Period::Month] {
            check(
                &shop,
                &query(date(3, 1), date(4, 30), period, Some(dimension)),
            );
        }
    }
    assert!(
        shop.sales
            .report(&ReportQuery {
                currency: ReportCurrency::Only(usd()),
                ..query(date(3, 1), date(4, 30), Period::Whole, None)
            })
            .is_empty(),
        "no dollar sales"
    );
    assert!(
        shop.sales
            .report(&query(date(4, 30), date(3, 1), Period::Day, None))
            .is_empty()
    );
}

/// Protects the top lists: members ranked by the measure asked for, ties
/// by member, cut at the limit.
#[test]
fn top_lists_rank_members_by_the_measure_asked_for() {
    let shop = month_end();
    let top = |dimension, measure, limit| -> Vec<(Member, SalesFigures)> {
        shop.sales
            .top(&TopQuery {
                from: date(3, 1),
                to: date(4, 30),
                currency: ReportCurrency::Only(eur()),
                dimension,
                measure,
                limit,
                branch: None,
            })
            .into_iter()
            .map(|row| (row.member, row.figures))
            .collect()
    };
    let customers = top(Dimension::Customer, Measure::Revenue, 10);
    let revenue: Vec<(Member, Decimal)> = customers
        .iter()
        .map(|(member, figures)| (member.clone(), figures.revenue))
        .collect();
    assert_eq!(
        revenue,
        vec![
            (Member::Customer(id(GLOBEX)), dec("49.99")),
            (Member::Customer(id(ACME)), dec("41.99")),
        ]
    );
    assert_eq!(
        top(Dimension::Customer, Measure::Orders, 1)[0].0,
        Member::Customer(id(ACME))
    );
    let managers = top(Dimension::Manager, Measure::Margin, 1);
    assert_eq!(managers.len(), 1);
    assert_eq!(managers[0].0, Member::Manager(Some(id(BORIS))));
    assert_eq!(
        managers[0].1.margin,
        dec("34.99"),
        "49.99 less 3 goods at 5.00"
    );
    let units: Vec<Member> = top(Dimension::Product, Measure::Units, 10)
        .into_iter()
        .map(|(member, _)| member)
        .collect();
    assert_eq!(
        units,
        vec![
            Member::Product(id(MUG)),
            Member::Product(id(SHIRT)),
            Member::Product(id(CAP))
        ],
        "three mugs and three shirts tie, by SKU"
    );
}

/// Protects intake history: a confirmed order cancelled later stays in
/// the intake of its day, and the cancellation counts on its own day.
#[test]
fn a_cancelled_order_stays_in_its_days_intake_and_counts_as_cancelled_on_its_own() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "5", "8.00", date(3, 1));
    let order = shop
        .order(
            &NewOrder::of(ACME, eur(), &[(SHIRT, "2"), (CAP, "1")]),
            date(3, 2),
        )
        .unwrap();
    shop.cancel(order, date(3, 5)).unwrap();

    let rows = check(
        &shop,
        &query(
            date(3, 1),
            date(3, 31),
            Period::Day,
            Some(Dimension::Product),
        ),
    );
    let cancelled: Vec<(NaiveDate, Member, i64, i64, Decimal)> = rows
        .into_iter()
        .map(|row| {
            let f = row.figures;
            (
                row.period,
                row.member,
                f.orders,
                f.cancelled_orders,
                f.order_net - f.cancelled_net,
            )
        })
        .collect();
    assert_eq!(
        cancelled,
        vec![
            (date(3, 2), Member::Product(id(CAP)), 1, 0, dec("9.99")),
            (date(3, 2), Member::Product(id(SHIRT)), 1, 0, dec("40")),
            (date(3, 5), Member::Product(id(CAP)), 0, 1, dec("-9.99")),
            (date(3, 5), Member::Product(id(SHIRT)), 0, 1, dec("-40")),
        ]
    );
    assert_eq!(shop.kpis.on(date(3, 2)).orders, 1);
    assert_eq!(
        shop.kpis.stock_on_hand(id(SHIRT)),
        dec("5"),
        "nothing left the shelf"
    );
}

/// Protects a product's history: lines keep the category their product
/// had when they were sold, for their later shipments and returns too.
#[test]
fn recategorising_a_product_leaves_its_past_sales_where_they_were() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "10", "8.00", date(3, 1));
    let before = shop
        .order(&NewOrder::of(ACME, eur(), &[(SHIRT, "1")]), date(3, 2))
        .unwrap();
    shop.categorize(SHIRT, Some("Apparel"), date(3, 3));
    shop.ship(before, None, date(3, 4), date(4, 4)).unwrap();
    let after = shop
        .order(&NewOrder::of(ACME, eur(), &[(SHIRT, "2")]), date(3, 5))
        .unwrap();
    shop.ship(after, None, date(3, 5), date(4, 5)).unwrap();
    shop.return_goods(before, vec![(1, dec("1"))], date(3, 6))
        .unwrap();

    let rows = check(
        &shop,
        &query(
            date(3, 1),
            date(3, 31),
            Period::Whole,
            Some(Dimension::Category),
        ),
    );
    let revenue: Vec<(Member, i64, Decimal, Decimal)> = rows
        .into_iter()
        .map(|row| {
            (
                row.member,
                row.figures.orders,
                row.figures.revenue,
                row.figures.cost,
            )
        })
        .collect();
    assert_eq!(
        revenue,
        vec![
            (
                Member::Category(Some("Apparel".into())),
                1,
                dec("40"),
                dec("16")
            ),
            (
                Member::Category(Some("Shirts".into())),
                1,
                dec("0"),
                dec("0")
            ),
        ]
    );
}

/// Three invoices of two customers, a payment, and one back-dated.
fn receivables() -> (Shop, [InvoiceId; 3]) {
    let mut shop = shop();
    let setup = |party: u128, count: &str| NewOrder::of(party, eur(), &[(SETUP, count)]);
    // 50.00 a setup, 60.00 with VAT.
    let first = shop.order(&setup(ACME, "1"), date(1, 5)).unwrap();
    let a = shop.ship(first, None, date(1, 10), date(1, 20)).unwrap();
    let second = shop.order(&setup(GLOBEX, "1"), date(2, 1)).unwrap();
    let c = shop.ship(second, None, date(2, 1), date(2, 15)).unwrap();
    let third = shop.order(&setup(ACME, "2"), date(3, 1)).unwrap();
    let b = shop.ship(third, None, date(3, 1), date(3, 31)).unwrap();
    shop.pay(id(ACME), dec("30"), eur(), PaymentMethod::Cash, date(2, 1))
        .unwrap();
    shop.pay(
        id(GLOBEX),
        dec("60"),
        eur(),
        PaymentMethod::BankTransfer,
        date(4, 20),
    )
    .unwrap();
    // Recorded after the April payment, dated in March: pays the rest of
    // the oldest invoice and 90.00 of the newer one.
    shop.pay(
        id(ACME),
        dec("120"),
        eur(),
        PaymentMethod::Card,
        date(3, 20),
    )
    .unwrap();
    (shop, [a, b, c])
}

/// Protects the ageing report: what each invoice owed at the end of the
/// day asked for (payments, back-dated ones too, counted on their own
/// days), in buckets by days past due, per customer, the largest debt
/// first; invoices carry the number their series gave them.
#[test]
fn receivables_are_aged_by_days_past_due_as_of_any_day() {
    let (shop, [a, b, c]) = receivables();
    let aged = |invoices: i64, amount: &str| Aged {
        invoices,
        outstanding: dec(amount),
    };
    let march = shop.sales.receivables(date(3, 15), eur());
    assert_eq!(march.total.current, aged(1, "120"));
    assert_eq!(march.total.days_1_to_30, aged(1, "60"));
    assert_eq!(march.total.days_31_to_60, aged(1, "30"));
    assert_eq!(march.total.over_90, Aged::default());
    assert_eq!(march.total.overdue(), aged(2, "90"));
    let debtors: Vec<(PartyId, Aged)> = march
        .customers
        .iter()
        .map(|(party, ageing)| (*party, ageing.total()))
        .collect();
    assert_eq!(
        debtors,
        vec![(id(ACME), aged(2, "150")), (id(GLOBEX), aged(1, "60"))]
    );

    let open: Vec<(InvoiceId, i64, AgeBucket, Decimal)> = shop
        .sales
        .open_invoices(date(3, 15), eur(), None, 10)
        .into_iter()
        .map(|open| {
            (
                open.invoice.invoice,
                open.days_overdue,
                open.bucket,
                open.invoice.outstanding,
            )
        })
        .collect();
    assert_eq!(
        open,
        vec![
            (a, 54, AgeBucket::Days31To60, dec("30")),
            (c, 28, AgeBucket::Days1To30, dec("60")),
            (b, -16, AgeBucket::Current, dec("120")),
        ],
        "the most overdue first"
    );

    let late_march = shop.sales.receivables(date(3, 25), eur());
    assert_eq!(
        late_march.total.total(),
        aged(2, "90"),
        "the card payment of 20 March"
    );
    let april = shop.sales.receivables(date(4, 30), eur());
    assert_eq!(april.total.days_1_to_30, aged(1, "30"));
    assert_eq!(april.total.total(), aged(1, "30"));
    let january = shop.sales.receivables(date(1, 31), eur());
    assert_eq!(
        january.total.days_1_to_30,
        aged(1, "60"),
        "before any payment"
    );
    for day in (0..130).map(|n| date(1, 1) + Days::new(n)) {
        assert_eq!(
            shop.sales.receivables(day, eur()).total,
            shop.oracle.ageing(day, eur()),
            "{day}"
        );
        assert_eq!(
            shop.sales.receivables_total(day, eur()),
            shop.oracle.ageing(day, eur()),
            "{day}"
        );
    }

    let first = shop.sales.invoice(a).unwrap();
    assert_eq!(first.number.as_deref(), Some("INV-2026-000001"));
    assert_eq!(
        (first.gross, first.paid, first.outstanding),
        (dec("60"), dec("60"), dec("0"))
    );
    assert_eq!(first.issued, date(1, 10));
    assert_eq!(first.due, date(1, 20));
    assert_eq!(first.party, id(ACME));
    let acme: Vec<(Option<String>, Decimal)> = shop
        .sales
        .invoices_of(id(ACME))
        .into_iter()
        .map(|row| (row.number, row.outstanding))
        .collect();
    assert_eq!(
        acme,
        vec![
            (Some("INV-2026-000001".into()), dec("0")),
            (Some("INV-2026-000003".into()), dec("30")),
        ]
    );
}

/// Protects the cash report: payments summed per day, currency and
/// method, whatever they paid.
#[test]
fn payments_are_summed_per_day_and_method() {
    let mut shop = shop();
    let mut pay = |party: u128, amount: &str, currency: Currency, method, day| {
        shop.pay(id(party), dec(amount), currency, method, day)
            .unwrap();
    };
    pay(ACME, "100", eur(), PaymentMethod::Cash, date(3, 2));
    pay(ACME, "50", eur(), PaymentMethod::Card, date(3, 2));
    pay(GLOBEX, "70", eur(), PaymentMethod::Cash, date(3, 2));
    pay(ACME, "30", eur(), PaymentMethod::BankTransfer, date(3, 3));
    pay(UMBRELLA, "10", usd(), PaymentMethod::Card, date(3, 2));
    let method = |method, payments, amount: &str| MethodTotal {
        method,
        payments,
        amount: dec(amount),
    };
    assert_eq!(
        shop.sales.payments(date(3, 1), date(3, 31), eur()),
        vec![
            PaymentDay {
                day: date(3, 2),
                by_method: vec![
                    method(PaymentMethod::Cash, 2, "170"),
                    method(PaymentMethod::Card, 1, "50"),
                ],
                total: dec("220"),
            },
            PaymentDay {
                day: date(3, 3),
                by_method: vec![method(PaymentMethod::BankTransfer, 1, "30")],
                total: dec("30"),
            },
        ]
    );
    assert_eq!(
        shop.sales.payments(date(3, 2), date(3, 2), usd())[0].total,
        dec("10")
    );
    assert!(
        shop.sales
            .payments(date(3, 4), date(3, 31), eur())
            .is_empty()
    );
    assert_eq!(
        shop.kpis.on(date(3, 2)).payments,
        BTreeMap::from([(eur(), dec("220")), (usd(), dec("10"))])
    );
}

/// Protects the books in several currencies: a dollar invoice keeps the
/// rate of its day, and a payment on another day realizes the difference
/// on the part it paid, in euros, on the payment's day; a euro payment
/// realizes none.
#[test]
fn a_dollar_payment_at_another_rate_shows_its_exchange_difference() {
    let mut shop = shop();
    let order = NewOrder::of(UMBRELLA, usd(), &[(SETUP, "1")]);
    // 50.00 USD, invoiced on 2 March (day 61: rate 0.9137 + 0.0037 ×
    // (61 mod 13 = 9) = 0.9470): 47.35 EUR.
    let order = shop.order(&order, date(3, 2)).unwrap();
    let invoice = shop.ship(order, None, date(3, 2), date(3, 31)).unwrap();
    let gross = shop.sales.invoice(invoice).unwrap().gross;
    assert_eq!(gross, dec("50"));
    // 25.00 paid on 3 March (rate 0.9507): 23.77 (23.7675) against 23.68
    // (23.675, half away from zero): a gain of 0.09.
    shop.pay(
        id(UMBRELLA),
        dec("25"),
        usd(),
        PaymentMethod::BankTransfer,
        date(3, 3),
    )
    .unwrap();
    // The other 25.00 and 10.00 on account on 5 March (day 64, 64 mod 13
    // = 12: rate 0.9581): 23.95 (23.9525) against what is left of the
    // invoice's value, 47.35 − 23.68 = 23.67: a gain of 0.28.
    shop.pay(
        id(UMBRELLA),
        dec("35"),
        usd(),
        PaymentMethod::BankTransfer,
        date(3, 5),
    )
    .unwrap();
    shop.pay(id(ACME), dec("10"), eur(), PaymentMethod::Cash, date(3, 5))
        .unwrap();
    let rows: Vec<_> = shop
        .sales
        .differences(date(3, 1), date(3, 31))
        .into_iter()
        .map(|row| (row.day, row.customer, row.invoice, row.amount, row.gain))
        .collect();
    assert_eq!(
        rows,
        vec![
            (date(3, 3), id(UMBRELLA), invoice, dec("25"), dec("0.09")),
            (date(3, 5), id(UMBRELLA), invoice, dec("25"), dec("0.28")),
        ]
    );
    assert!(shop.sales.differences(date(3, 4), date(3, 4)).is_empty());
}

/// Protects the branch filter: a branch's report holds its own orders
/// only, whatever the rows are per; a branch that never sold answers
/// nothing; a payment counts in the branch of the invoice it paid, what
/// is left on account in none; receivables are aged per branch.
#[test]
fn a_branch_sees_its_own_orders_payments_and_receivables() {
    let mut shop = month_end();
    let in_branch = |branch: u128, dimension| ReportQuery {
        branch: Some(id(branch)),
        ..query(date(3, 1), date(4, 30), Period::Whole, dimension)
    };
    let units = |rows: Vec<ReportRow>| -> Vec<(Member, i64, Decimal)> {
        rows.into_iter()
            .map(|row| (row.member, row.figures.orders, row.figures.units))
            .collect()
    };
    let product = |sku: u128| Member::Product(id(sku));
    assert_eq!(
        units(check(&shop, &in_branch(NORTH, Some(Dimension::Product)))),
        vec![(product(MUG), 2, dec("3")), (product(SHIRT), 1, dec("1")),]
    );
    assert_eq!(
        units(check(&shop, &in_branch(SOUTH, Some(Dimension::Product)))),
        vec![(product(CAP), 1, dec("1")), (product(SHIRT), 1, dec("2"))]
    );
    assert_eq!(
        units(check(&shop, &in_branch(SOUTH, None))),
        vec![(Member::All, 1, dec("3"))]
    );
    assert_eq!(
        units(check(&shop, &in_branch(NORTH, Some(Dimension::Branch)))),
        vec![(Member::Branch(Some(id(NORTH))), 2, dec("4"))]
    );
    assert!(check(&shop, &in_branch(NORTH + 7, None)).is_empty());

    let globex_owes = shop.sales.invoices_of(id(GLOBEX))[0].gross;
    let acme_owes: Decimal = shop
        .sales
        .invoices_of(id(ACME))
        .iter()
        .map(|invoice| invoice.gross)
        .sum();
    shop.pay(
        id(GLOBEX),
        globex_owes + dec("5"),
        eur(),
        PaymentMethod::Cash,
        date(4, 10),
    )
    .unwrap();
    shop.pay(id(ACME), dec("10"), eur(), PaymentMethod::Card, date(4, 10))
        .unwrap();
    let day = |method, amount: Decimal| {
        vec![PaymentDay {
            day: date(4, 10),
            by_method: vec![MethodTotal {
                method,
                payments: 1,
                amount,
            }],
            total: amount,
        }]
    };
    let paid_in = |shop: &Shop, branch: Option<u128>| {
        shop.sales
            .payments_in(date(4, 1), date(4, 30), eur(), branch.map(id))
    };
    assert_eq!(
        paid_in(&shop, Some(SOUTH)),
        day(PaymentMethod::Cash, globex_owes)
    );
    assert_eq!(
        paid_in(&shop, Some(NORTH)),
        day(PaymentMethod::Card, dec("10"))
    );
    assert_eq!(paid_in(&shop, None)[0].total, globex_owes + dec("15"));
    assert!(paid_in(&shop, Some(NORTH + 7)).is_empty());

    let owed = |branch: u128| {
        shop.sales
            .receivables_in(date(4, 30), eur(), Some(id(branch)))
            .total
            .total()
            .outstanding
    };
    assert_eq!(owed(SOUTH), Decimal::ZERO);
    assert_eq!(owed(NORTH), acme_owes - dec("10"));
}

/// Protects the director's dashboard: today's figures (today passed in),
/// a past day's, and a period's, with overdue invoices as of the day or
/// the period's end.
#[test]
fn director_kpis_for_today_a_past_day_and_a_period() {
    let (mut shop, _) = receivables();
    shop.receive(SHIRT, WAREHOUSE, "50", "8.00", date(4, 1));
    let order = shop
        .order(&NewOrder::of(INITECH, eur(), &[(SHIRT, "5")]), date(4, 13))
        .unwrap();
    shop.ship(order, Some(vec![(1, dec("2"))]), date(4, 13), date(5, 13))
        .unwrap();
    shop.ship(order, None, date(4, 15), date(5, 15)).unwrap();
    shop.pay(
        id(INITECH),
        dec("48"),
        eur(),
        PaymentMethod::Card,
        date(4, 15),
    )
    .unwrap();
    let today = date(4, 15);

    let now = shop.kpis.on(today);
    assert_eq!(now.from, today);
    assert_eq!((now.orders, now.order_intake.len()), (0, 0));
    assert_eq!(now.payments, BTreeMap::from([(eur(), dec("48"))]));
    assert_eq!((now.units_from, now.units_shipped), (date(4, 13), dec("5")));
    let overdue = |invoices, amount: &str| Overdue {
        invoices,
        amount: dec(amount),
    };
    assert_eq!(
        now.overdue,
        BTreeMap::from([(eur(), overdue(2, "90"))]),
        "GLOBEX's invoice until 20 April and the rest of ACME's second"
    );
    assert_eq!(shop.kpis.stock_on_hand(id(SHIRT)), dec("45"));

    let monday = shop.kpis.on(date(4, 13));
    assert_eq!(monday.orders, 1);
    assert_eq!(monday.order_intake, BTreeMap::from([(eur(), dec("100"))]));
    assert_eq!(monday.units_shipped, dec("2"));

    let march_15 = shop.kpis.on(date(3, 15));
    assert_eq!(
        march_15.overdue,
        BTreeMap::from([(eur(), overdue(2, "90"))])
    );
    assert_eq!(shop.kpis.on(date(1, 5)).order_intake[&eur()], dec("50"));

    let quarter = shop.kpis.over(date(1, 1), date(3, 31));
    assert_eq!(quarter.orders, 3);
    assert_eq!(quarter.order_intake, BTreeMap::from([(eur(), dec("200"))]));
    assert_eq!(quarter.payments, BTreeMap::from([(eur(), dec("150"))]));
    assert_eq!(
        (quarter.units_from, quarter.units_shipped),
        (date(1, 1), dec("4"))
    );
    assert_eq!(
        quarter.overdue,
        BTreeMap::from([(eur(), overdue(1, "60"))]),
        "as of 31 March, when ACME's second invoice falls due"
    );
    let whole = shop
        .sales
        .report(&query(date(1, 1), date(3, 31), Period::Whole, None));
    assert_eq!(whole[0].figures.orders, quarter.orders);
    assert_eq!(whole[0].figures.order_net, quarter.order_intake[&eur()]);
    assert_eq!(whole[0].figures.units, quarter.units_shipped);
    assert!(
        shop.kpis
            .over(date(3, 31), date(1, 1))
            .order_intake
            .is_empty()
    );
}

/// Protects the overdue figure: an invoice counts from the day after it
/// falls due until it is paid off, with what it still owed each day,
/// whatever order its payments were recorded in; credit that pays it at
/// issue keeps it from ever counting.
#[test]
fn overdue_invoices_count_from_the_day_after_due_until_paid_off() {
    let mut shop = shop();
    let order = shop
        .order(&NewOrder::of(ACME, eur(), &[(SETUP, "2")]), date(3, 1))
        .unwrap();
    shop.ship(order, None, date(3, 1), date(3, 10)).unwrap();
    // Recorded first, dated later; the oldest invoice takes each.
    shop.pay(
        id(ACME),
        dec("70"),
        eur(),
        PaymentMethod::BankTransfer,
        date(3, 20),
    )
    .unwrap();
    shop.pay(id(ACME), dec("50"), eur(), PaymentMethod::Cash, date(3, 15))
        .unwrap();
    // Credit paid in advance settles the next invoice as it is issued.
    shop.pay(
        id(GLOBEX),
        dec("60"),
        eur(),
        PaymentMethod::Card,
        date(3, 1),
    )
    .unwrap();
    let covered = shop
        .order(&NewOrder::of(GLOBEX, eur(), &[(SETUP, "1")]), date(3, 2))
        .unwrap();
    shop.ship(covered, None, date(3, 2), date(3, 5)).unwrap();

    let owed = |day: u32| shop.kpis.overdue(date(3, day)).get(&eur()).cloned();
    let overdue = |invoices, amount: &str| {
        Some(Overdue {
            invoices,
            amount: dec(amount),
        })
    };
    assert_eq!(owed(10), None, "due that day");
    assert_eq!(owed(11), overdue(1, "120"));
    assert_eq!(owed(14), overdue(1, "120"));
    assert_eq!(owed(15), overdue(1, "70"));
    assert_eq!(owed(19), overdue(1, "70"));
    assert_eq!(owed(20), None);
    for day in 1..=31 {
        assert_eq!(
            shop.kpis.overdue(date(3, day)),
            shop.oracle.overdue(date(3, day)),
            "{day} March"
        );
        assert_eq!(
            shop.kpis
                .overdue(date(3, day))
                .get(&eur())
                .map(|o| o.amount),
            Some(
                shop.sales
                    .receivables(date(3, day), eur())
                    .total
                    .overdue()
                    .outstanding
            )
            .filter(|amount| !amount.is_zero()),
            "the KPI and the ageing report agree on {day} March"
        );
    }
}

/// Protects the stock figure: on hand over every warehouse now, and at
/// the end of any day with back-dated movements in their place;
/// transfers between warehouses change nothing.
#[test]
fn stock_on_hand_is_totalled_over_warehouses_now_and_as_of_a_day() {
    let mut shop = shop();
    shop.receive(SHIRT, WAREHOUSE, "10", "8.00", date(3, 1));
    shop.receive(SHIRT, NORTH_WAREHOUSE, "5", "9.00", date(3, 3));
    shop.transfer(SHIRT, WAREHOUSE, NORTH_WAREHOUSE, "2", date(3, 4));
    let order = shop
        .order(&NewOrder::of(ACME, eur(), &[(SHIRT, "3")]), date(3, 5))
        .unwrap();
    shop.ship(order, None, date(3, 5), date(4, 5)).unwrap();
    shop.receive(SHIRT, WAREHOUSE, "4", "7.00", date(3, 2));

    assert_eq!(shop.kpis.stock_on_hand(id(SHIRT)), dec("16"));
    let at = |day| shop.kpis.stock_on_hand_at(id(SHIRT), date(3, day));
    assert_eq!(
        [at(1), at(2), at(3), at(4), at(5), at(6)].map(|d| d.to_string()),
        ["10", "14", "19", "19", "16", "16"]
    );
    for day in 1..=6 {
        assert_eq!(at(day), shop.oracle.on_hand(id(SHIRT), date(3, day)));
    }
    assert_eq!(shop.kpis.stock_on_hand(id(MUG)), Decimal::ZERO);
    assert_eq!(
        shop.kpis.stock_on_hand_at(id(SHIRT), date(2, 28)),
        Decimal::ZERO
    );
}

// ------------------------------------------------------- random histories

#[derive(Clone, Debug)]
enum Op {
    Order {
        party: u8,
        manager: Option<u8>,
        branch: Option<u8>,
        lines: Vec<(u8, u8, bool)>,
        day: u8,
    },
    Ship {
        order: u8,
        partial: bool,
        day: u8,
        due_in: u8,
    },
    Return {
        order: u8,
        line: u8,
        count: u8,
        day: u8,
    },
    Cancel {
        order: u8,
        day: u8,
    },
    Receive {
        product: u8,
        count: u8,
        cents: u16,
        day: u8,
        /// Into the north warehouse, whose goods reach the sold ones by
        /// transfer.
        north: bool,
    },
    /// Goods from the north warehouse to the one sales ship from.
    Transfer {
        product: u8,
        count: u8,
        day: u8,
    },
    Import {
        party: u8,
        lines: Vec<(u8, u8, u16, Option<u16>)>,
        day: u8,
        shipped_after: Option<u8>,
    },
    Pay {
        party: u8,
        cents: u32,
        method: u8,
        day: u8,
    },
    Recategorize {
        product: u8,
        category: u8,
        day: u8,
    },
    /// Caps made of shirts and mugs in the main warehouse.
    Produce {
        count: u8,
        day: u8,
    },
}

const DAYS: u8 = 80;

fn op() -> impl Strategy<Value = Op> {
    let day = 0..DAYS;
    prop_oneof![
        4 => (
            0..4_u8,
            proptest::option::of(0..2_u8),
            proptest::option::of(0..2_u8),
            proptest::collection::vec((0..4_u8, 1..6_u8, any::<bool>()), 1..4),
            day.clone(),
        )
            .prop_map(|(party, manager, branch, lines, day)| Op::Order {
                party,
                manager,
                branch,
                lines,
                day
            }),
        4 => (any::<u8>(), any::<bool>(), day.clone(), 0..40_u8)
            .prop_map(|(order, partial, day, due_in)| Op::Ship { order, partial, day, due_in }),
        2 => (any::<u8>(), any::<u8>(), any::<u8>(), day.clone())
            .prop_map(|(order, line, count, day)| Op::Return { order, line, count, day }),
        1 => (any::<u8>(), day.clone()).prop_map(|(order, day)| Op::Cancel { order, day }),
        2 => (0..3_u8, 1..20_u8, 100..2_000_u16, day.clone(), proptest::bool::weighted(0.3))
            .prop_map(|(product, count, cents, day, north)| Op::Receive {
                product,
                count,
                cents,
                day,
                north
            }),
        1 => (0..3_u8, 1..10_u8, day.clone())
            .prop_map(|(product, count, day)| Op::Transfer { product, count, day }),
        1 => (
            0..4_u8,
            proptest::collection::vec(
                (0..4_u8, 1..5_u8, 100..5_000_u16, proptest::option::of(50..3_000_u16)),
                1..3
            ),
            day.clone(),
            proptest::option::of(0..10_u8),
        )
            .prop_map(|(party, lines, day, shipped_after)| Op::Import {
                party,
                lines,
                day,
                shipped_after
            }),
        2 => (0..4_u8, 100..50_000_u32, 0..3_u8, day.clone())
            .prop_map(|(party, cents, method, day)| Op::Pay { party, cents, method, day }),
        1 => (0..4_u8, 0..4_u8, day.clone())
            .prop_map(|(product, category, day)| Op::Recategorize { product, category, day }),
        1 => (1..6_u8, day).prop_map(|(count, day)| Op::Produce { count, day }),
    ]
}

fn day_of(day: u8) -> NaiveDate {
    date(3, 1) + Days::new(u64::from(day))
}

const PRODUCTS: [u128; 4] = [SHIRT, MUG, SETUP, CAP];
const GOODS: [u128; 3] = [SHIRT, MUG, CAP];
const PARTIES: [u128; 4] = [ACME, GLOBEX, INITECH, UMBRELLA];

fn currency_of(party: u8) -> Currency {
    if party == 3 { usd() } else { eur() }
}

fn cents(value: u32) -> Decimal {
    Decimal::new(i64::from(value), 2)
}

/// Runs `ops` against the shop; what the rules refuse is skipped.
fn run(shop: &mut Shop, ops: &[Op]) {
    for (sequence, op) in ops.iter().enumerate() {
        let orders = shop.order_ids();
        let pick = |index: u8| -> Option<OrderId> {
            (!orders.is_empty()).then(|| orders[usize::from(index) % orders.len()])
        };
        match op {
            Op::Order {
                party,
                manager,
                branch,
                lines,
                day,
            } => {
                let new = NewOrder {
                    party: id(PARTIES[usize::from(*party)]),
                    manager: manager.map(|m| id::<UserId>(ANNA + u128::from(m))),
                    branch: branch.map(|b| id::<BranchId>(NORTH + u128::from(b))),
                    currency: currency_of(*party),
                    lines: lines
                        .iter()
                        .map(|(product, count, discount)| {
                            (
                                id::<ProductId>(PRODUCTS[usize::from(*product)]),
                                Decimal::from(*count),
                                discount.then(|| dec("10")),
                            )
                        })
                        .collect(),
                };
                shop.order(&new, day_of(*day)).unwrap();
            }
            Op::Ship {
                order,
                partial,
                day,
                due_in,
            } => {
                let Some(order) = pick(*order) else { continue };
                let lines = partial.then(|| {
                    shop.order_state(order)
                        .lines
                        .iter()
                        .filter_map(|(number, line)| {
                            let left = line.confirmed.quantity - line.shipped;
                            (left > Decimal::ZERO).then(|| (*number, (left / Decimal::TWO).ceil()))
                        })
                        .collect::<Vec<_>>()
                });
                let due = day_of(*day) + Days::new(u64::from(*due_in));
                let _refused = shop.ship(order, lines, day_of(*day), due);
            }
            Op::Return {
                order,
                line,
                count,
                day,
            } => {
                let Some(order) = pick(*order) else { continue };
                let returnable: Vec<(u32, Decimal)> = shop
                    .order_state(order)
                    .lines
                    .iter()
                    .map(|(number, l)| (*number, l.shipped.min(l.invoiced) - l.returned))
                    .filter(|(_, left)| *left > Decimal::ZERO)
                    .collect();
                if returnable.is_empty() {
                    continue;
                }
                let (number, left) = returnable[usize::from(*line) % returnable.len()];
                let count = Decimal::from(1 + u64::from(*count) % left.to_u64().unwrap());
                let _refused = shop.return_goods(order, vec![(number, count)], day_of(*day));
            }
            Op::Cancel { order, day } => {
                let Some(order) = pick(*order) else { continue };
                let _refused = shop.cancel(order, day_of(*day));
            }
            Op::Receive {
                product,
                count,
                cents: unit_cost,
                day,
                north,
            } => {
                shop.receive(
                    GOODS[usize::from(*product)],
                    if *north { NORTH_WAREHOUSE } else { WAREHOUSE },
                    &count.to_string(),
                    &cents(u32::from(*unit_cost)).to_string(),
                    day_of(*day),
                );
            }
            Op::Transfer {
                product,
                count,
                day,
            } => {
                shop.transfer(
                    GOODS[usize::from(*product)],
                    NORTH_WAREHOUSE,
                    WAREHOUSE,
                    &count.to_string(),
                    day_of(*day),
                );
            }
            Op::Import {
                party,
                lines,
                day,
                shipped_after,
            } => {
                let lines: Vec<(u128, String, String, Option<String>)> = lines
                    .iter()
                    .map(|(product, count, price, unit_cost)| {
                        (
                            PRODUCTS[usize::from(*product)],
                            count.to_string(),
                            cents(u32::from(*price)).to_string(),
                            unit_cost.map(|c| cents(u32::from(c)).to_string()),
                        )
                    })
                    .collect();
                let borrowed: Vec<(u128, &str, &str, Option<&str>)> = lines
                    .iter()
                    .map(|(p, q, u, c)| (*p, q.as_str(), u.as_str(), c.as_deref()))
                    .collect();
                let ordered_on = day_of(*day);
                let sale = ImportSale {
                    currency: currency_of(*party),
                    ..import_sale(
                        &format!("S-{sequence}"),
                        PARTIES[usize::from(*party)],
                        ordered_on,
                        shipped_after.map(|after| ordered_on + Days::new(u64::from(after))),
                        import_lines(&borrowed),
                    )
                };
                shop.import(sale).unwrap();
            }
            Op::Pay {
                party,
                cents: amount,
                method,
                day,
            } => {
                let method = [
                    PaymentMethod::Cash,
                    PaymentMethod::BankTransfer,
                    PaymentMethod::Card,
                ][usize::from(*method)];
                shop.pay(
                    id(PARTIES[usize::from(*party)]),
                    cents(*amount),
                    currency_of(*party),
                    method,
                    day_of(*day),
                )
                .unwrap();
            }
            Op::Recategorize {
                product,
                category,
                day,
            } => {
                let category =
                    [None, Some("Shirts"), Some("Mugs"), Some("Apparel")][usize::from(*category)];
                shop.categorize(PRODUCTS[usize::from(*product)], category, day_of(*day));
            }
            Op::Produce { count, day } => {
                shop.produce(
                    CAP,
                    WAREHOUSE,
                    &[(SHIRT, "2"), (MUG, "1.5")],
                    "7",
                    &count.to_string(),
                    day_of(*day),
                );
            }
        }
    }
}

/// Two branches' figures added up, amounts per currency.
fn add_kpis(mut sum: Kpis, more: Kpis) -> Kpis {
    fn add(sum: &mut BTreeMap<Currency, Decimal>, more: BTreeMap<Currency, Decimal>) {
        for (currency, amount) in more {
            *sum.entry(currency).or_default() += amount;
        }
    }
    sum.orders += more.orders;
    sum.in_company = match (sum.in_company, more.in_company) {
        (Some(mut sum), Some(more)) => {
            sum.order_intake += more.order_intake;
            sum.payments += more.payments;
            sum.overdue += more.overdue;
            Some(sum)
        }
        (sum, _) => sum,
    };
    add(&mut sum.order_intake, more.order_intake);
    add(&mut sum.payments, more.payments);
    sum.units_shipped += more.units_shipped;
    for (currency, overdue) in more.overdue {
        let total = sum.overdue.entry(currency).or_default();
        total.invoices += overdue.invoices;
        total.amount += overdue.amount;
    }
    sum
}

/// The property test's shop: the dollar's rates entered weekly from the
/// tenth day on, so dollar figures before then cannot be converted.
fn shop_with_rates() -> Shop {
    let mut shop = shop();
    for day in (10..DAYS + 10).step_by(7) {
        let day = day_of(day);
        shop.set_rate(usd(), day, &rate_on(usd(), day).value().to_string());
    }
    shop
}

/// Checks the figures `kpis` gives in euros against the oracle's.
fn check_in_company(shop: &Shop, kpis: &Kpis) -> Result<(), TestCaseError> {
    let in_company = kpis.in_company.as_ref().expect("a company currency is set");
    let (intake, payments, overdue, unconverted) = shop.oracle.in_company(kpis.from, kpis.to);
    prop_assert_eq!(in_company.currency, eur());
    prop_assert_eq!(in_company.order_intake, intake);
    prop_assert_eq!(in_company.payments, payments);
    prop_assert_eq!(in_company.overdue, overdue);
    prop_assert_eq!(&in_company.unconverted, &unconverted);
    Ok(())
}

/// Branches' figures in euros round per branch: their sum is within a
/// ten-thousandth per day and branch of the company's.
fn close_in_company(summed: &Kpis, company: &Kpis, branches: usize) -> bool {
    let days = (company.to - company.from).num_days().max(0) + 1;
    let tolerance = Decimal::new(days * i64::try_from(branches).unwrap(), 4);
    match (&summed.in_company, &company.in_company) {
        (Some(summed), Some(company)) => {
            (summed.order_intake - company.order_intake).abs() <= tolerance
                && (summed.payments - company.payments).abs() <= tolerance
                && (summed.overdue - company.overdue).abs() <= Decimal::new(3, 4)
        }
        (None, None) => true,
        _ => false,
    }
}

fn report_query() -> impl Strategy<Value = ReportQuery> {
    // Most history is in euros: one query in four asks for dollars, one
    // in four for every currency in euros.
    let currency = prop_oneof![
        2 => Just(ReportCurrency::Only(eur())),
        1 => Just(ReportCurrency::Only(usd())),
        1 => Just(ReportCurrency::Company),
    ];
    // Every branch, one of the two, or one that never sold anything.
    let branch = proptest::option::of(0..3_u8);
    (
        0..DAYS,
        0..DAYS + 10,
        0..4_usize,
        0..6_usize,
        currency,
        branch,
    )
        .prop_map(|(from, length, period, dimension, currency, branch)| {
            let from = day_of(from);
            ReportQuery {
                from,
                to: from + Days::new(u64::from(length)),
                currency,
                period: [Period::Whole, Period::Day, Period::Week, Period::Month][period],
                dimension: [
                    None,
                    Some(Dimension::Product),
                    Some(Dimension::Category),
                    Some(Dimension::Customer),
                    Some(Dimension::Manager),
                    Some(Dimension::Branch),
                ][dimension],
                branch: branch.map(|b| id::<BranchId>(NORTH + u128::from(b))),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Protects every report: over any range, grouped any way, the model
    /// answers what adding up the events one by one answers, and the
    /// director's figures and the ageing report agree with the same sums.
    #[test]
    fn a_report_over_any_range_equals_a_brute_force_sum_over_the_events(
        ops in proptest::collection::vec(op(), 1..50),
        queries in proptest::collection::vec(report_query(), 4),
    ) {
        let mut shop = shop_with_rates();
        run(&mut shop, &ops);
        for query in &queries {
            let rows = shop.sales.report(query);
            prop_assert!(rows.windows(2).all(|pair| pair[0].period <= pair[1].period));
            prop_assert_eq!(as_map(&rows), shop.oracle.report(query), "{:?}", query);
            let (from, to) = (query.from, query.to);
            prop_assert_eq!(
                shop.sales.unconverted(from, to, query.branch),
                shop.oracle.unconverted(from, to, query.branch)
            );

            let kpis = shop.kpis.over(from, to);
            check_in_company(&shop, &kpis)?;
            let branches = [None, Some(id(NORTH)), Some(id(SOUTH))];
            let summed = |each: &dyn Fn(Option<BranchId>) -> Kpis| {
                branches.into_iter().map(each).reduce(add_kpis).unwrap()
            };
            let without_company = |kpis: &Kpis| Kpis { in_company: None, ..kpis.clone() };
            let over = summed(&|branch| shop.sales.branch_kpis_over(branch, from, to));
            prop_assert_eq!(without_company(&over), without_company(&kpis));
            prop_assert!(close_in_company(&over, &kpis, branches.len()));
            let on = summed(&|branch| shop.sales.branch_kpis_on(branch, to));
            let company_on = shop.kpis.on(to);
            prop_assert_eq!(without_company(&on), without_company(&company_on));
            prop_assert!(close_in_company(&on, &company_on, branches.len()));
            let (orders, intake, units) = shop.oracle.intake(from, to);
            prop_assert_eq!(kpis.orders, orders);
            prop_assert_eq!(&kpis.order_intake, &intake);
            prop_assert_eq!(kpis.units_shipped, units);
            prop_assert_eq!(&kpis.payments, &shop.oracle.paid(from, to));
            let (days, left_out) = shop.sales.payments_in_company(from, to, None).unwrap();
            let by_day: BTreeMap<NaiveDate, Decimal> =
                days.iter().map(|day| (day.day, day.total)).collect();
            let (expected, expected_left_out) = shop.oracle.paid_in_company(from, to);
            prop_assert_eq!(by_day, expected);
            prop_assert_eq!(left_out, expected_left_out);
            for day in &days {
                let methods: Decimal = day.by_method.iter().map(|paid| paid.amount).sum();
                prop_assert_eq!(methods, day.total);
            }
            let differences: Vec<_> = shop
                .sales
                .differences(from, to)
                .into_iter()
                .map(|row| (row.day, row.invoice, row.gain))
                .collect();
            let mut expected: Vec<_> = shop
                .oracle
                .differences
                .iter()
                .filter(|(day, _, _)| *day >= from && *day <= to)
                .copied()
                .collect();
            expected.sort_by_key(|(day, _, _)| *day);
            prop_assert_eq!(differences, expected);
            prop_assert_eq!(&kpis.overdue, &shop.oracle.overdue(to));
            for currency in [eur(), usd()] {
                let receivables = shop.sales.receivables(to, currency);
                prop_assert_eq!(&receivables.total, &shop.oracle.ageing(to, currency));
                let customers: BTreeMap<PartyId, _> = receivables.customers.into_iter().collect();
                prop_assert_eq!(customers, shop.oracle.ageing_by_customer(to, currency));
            }
            for product in GOODS {
                prop_assert_eq!(
                    shop.kpis.stock_on_hand_at(id(product), to),
                    shop.oracle.on_hand(id(product), to)
                );
            }
        }
    }
}

// -------------------------------------------------------------- snapshots

/// A history with some of everything both models keep.
fn busy_shop() -> Shop {
    let mut shop = month_end();
    shop.pay(id(ACME), dec("10"), eur(), PaymentMethod::Cash, date(4, 8))
        .unwrap();
    let order = shop.order_ids()[0];
    let _ = shop.return_goods(order, vec![(1, dec("1"))], date(4, 9));
    let lines = import_lines(&[(SHIRT, "2", "19.00", None)]);
    shop.import(import_sale("S-9", INITECH, date(2, 2), None, lines))
        .unwrap();
    shop.categorize(MUG, None, date(4, 10));
    shop.produce(CAP, WAREHOUSE, &[(SHIRT, "1")], "6", "2", date(4, 10));
    shop.receive(SHIRT, WAREHOUSE, "3", "4.00", date(4, 9));
    shop
}

/// The answers a user can get from the two models.
fn answers(sales: &Sales, kpis: &DirectorKpis) -> String {
    let mut text = String::new();
    for dimension in [
        None,
        Some(Dimension::Product),
        Some(Dimension::Category),
        Some(Dimension::Customer),
    ] {
        text += &format!(
            "{:?}\n",
            sales.report(&query(date(1, 1), date(6, 30), Period::Week, dimension))
        );
    }
    text += &format!("{:?}\n", sales.receivables(date(4, 30), eur()));
    text += &format!("{:?}\n", sales.open_invoices(date(4, 30), eur(), None, 50));
    text += &format!("{:?}\n", sales.invoices_of(id(ACME)));
    text += &format!("{:?}\n", sales.payments(date(1, 1), date(6, 30), eur()));
    text += &format!("{:?}\n", sales.currencies());
    for day in [date(3, 31), date(4, 7), date(4, 30)] {
        text += &format!("{:?}\n", kpis.on(day));
    }
    text += &format!("{:?}\n", kpis.over(date(1, 1), date(6, 30)));
    text += &format!("{:?}\n", kpis.stock_on_hand_at(id(SHIRT), date(4, 1)));
    text
}

/// Protects restarts: both models written through the snapshot store and
/// read back are equal to the live ones and answer the same, their
/// number tables rebuilt so events after the restore land where they
/// should.
#[test]
fn a_snapshot_round_trip_answers_the_same_and_keeps_folding() {
    let mut live = busy_shop();
    let directory = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open(directory.path()).unwrap();
    store.save(&live.sales, 100, Some(shop::now())).unwrap();
    store.save(&live.kpis, 100, Some(shop::now())).unwrap();
    let (_, sales) = store.latest::<Sales>(100).unwrap().unwrap();
    let (_, kpis) = store.latest::<DirectorKpis>(100).unwrap().unwrap();
    assert_eq!(answers(&sales, &kpis), answers(&live.sales, &live.kpis));
    assert!(sales == live.sales);
    assert!(kpis == live.kpis);
    assert_eq!(Sales::NAME, "sales");
    assert_eq!(DirectorKpis::NAME, "director_kpis");

    // Fed on after the restore, the restored models stay equal to the
    // live ones.
    let mut restored = busy_shop();
    restored.sales = sales;
    restored.kpis = kpis;
    for shop in [&mut live, &mut restored] {
        let order = shop
            .order(
                &NewOrder::of(ACME, eur(), &[(MUG, "1"), (SETUP, "1")]),
                date(5, 1),
            )
            .unwrap();
        shop.ship(order, None, date(5, 2), date(5, 30)).unwrap();
        shop.pay(id(ACME), dec("5"), eur(), PaymentMethod::Card, date(5, 3))
            .unwrap();
    }
    assert_eq!(
        answers(&restored.sales, &restored.kpis),
        answers(&live.sales, &live.kpis)
    );
    check(
        &restored,
        &query(
            date(1, 1),
            date(6, 30),
            Period::Month,
            Some(Dimension::Customer),
        ),
    );
}
