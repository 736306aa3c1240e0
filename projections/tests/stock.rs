#![allow(clippy::unwrap_used)]
//! The stock read model fed by hand with events the real stock decider
//! decided: live balances, totals, value, the low-stock list, the ledger,
//! stock as of past business dates (back-dated movements included) and
//! snapshots.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::catalog::{ProductDefined, ProductEvent, ProductKind, Quantity, UnitPrice};
use domain::ids::UserId;
use domain::inventory::{
    Stock, StockCommand, StockEvent, StockState, WarehouseEvent, WarehouseOpened,
};
use domain::process::{output_reference, production_reference};
use domain::production::{ProductionEvent, ProductionOutputCosted};
use domain::{Decider, Issued};
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::stock::{
    LedgerEntry, LedgerQuery, LevelQuery, LevelSort, MovementKind, StockAt, StockLevels,
    TransferLink,
};
use projections::{ReadModel, SnapshotStore, StreamIds};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// Day `d` of March 2026, 10:00.
fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).single().unwrap()
}

/// The last moment of day `d`: an as-of query for "that day".
fn end_of(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 23, 59, 59)
        .single()
        .unwrap()
}

fn user() -> UserId {
    id(0xA)
}

const SHIRT: u128 = 1;
const MUG: u128 = 2;
const MAIN: u128 = 10;
const NORTH: u128 = 11;

/// A movement as the test saw it, for recomputing by brute force.
#[derive(Clone, Debug)]
struct Move {
    product: u128,
    warehouse: u128,
    position: u64,
    occurred_at: DateTime<Utc>,
    arrival: bool,
    change: Decimal,
    unit_cost: Decimal,
}

/// A model and the domain's stock states side by side: every stock event
/// is decided by `Stock::decide` on the state the log would hold, so the
/// recorded costs and count differences are the ones the domain records.
struct Books {
    model: StockLevels,
    feed: Feed,
    position: u64,
    states: HashMap<(u128, u128), StockState>,
    moves: Vec<Move>,
}

impl Books {
    fn new() -> Self {
        Self {
            model: StockLevels::default(),
            feed: Feed::new(Actor::user(user().as_uuid())),
            position: 0,
            states: HashMap::new(),
            moves: Vec::new(),
        }
    }

    fn product(&mut self, product: u128, sku: &str, name: &str) {
        let event = ProductEvent::Defined(ProductDefined {
            sku: sku.into(),
            name: name.into(),
            unit: "pcs".into(),
            category: Some("Merch".into()),
            barcode: None,
            kind: ProductKind::StockTracked,
            vat_percent: dec("20"),
        });
        self.position += 1;
        self.feed.apply(
            &mut self.model,
            Uuid::from_u128(product),
            event.into(),
            day(1),
            None,
        );
    }

    fn warehouse(&mut self, warehouse: u128, name: &str) {
        let event = WarehouseEvent::Opened(WarehouseOpened {
            name: name.into(),
            branch: None,
            allows_negative_stock: true,
        });
        self.position += 1;
        self.feed.apply(
            &mut self.model,
            Uuid::from_u128(warehouse),
            event.into(),
            day(1),
            None,
        );
    }

    /// Decides `command` for the stock of `product` in `warehouse`,
    /// recorded at `recorded_at` and, if given, back-dated to
    /// `occurred_at`; feeds the events and returns them.
    fn stock(
        &mut self,
        (product, warehouse): (u128, u128),
        command: StockCommand,
        recorded_at: DateTime<Utc>,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Vec<StockEvent> {
        let mut issued = Issued::new(user(), recorded_at, command);
        if let Some(occurred_at) = occurred_at {
            issued = issued.backdated(occurred_at);
        }
        let state = self.states.entry((product, warehouse)).or_default();
        let events = Stock::decide(state, &issued).unwrap();
        for event in &events {
            *state = Stock::evolve(std::mem::take(state), event);
            self.position += 1;
            let (arrival, change, unit_cost) = match event {
                StockEvent::Received(e) => (true, e.quantity, e.unit_cost),
                StockEvent::TransferredIn(e) => (true, e.quantity, e.unit_cost),
                StockEvent::Issued(e) => (false, -e.quantity, e.unit_cost),
                StockEvent::TransferredOut(e) => (false, -e.quantity, e.unit_cost),
                StockEvent::Counted(e) => (false, e.difference, e.unit_cost),
                StockEvent::Returned(e) => (false, e.quantity, e.unit_cost),
                StockEvent::Consumed(e) => (false, -e.quantity, e.unit_cost),
                _ => (false, Decimal::ZERO, Decimal::ZERO),
            };
            if !change.is_zero() {
                self.moves.push(Move {
                    product,
                    warehouse,
                    position: self.position,
                    occurred_at: occurred_at.unwrap_or(recorded_at),
                    arrival,
                    change,
                    unit_cost,
                });
            }
            let ids = StreamIds {
                first: Uuid::from_u128(product),
                second: Some(Uuid::from_u128(warehouse)),
            };
            self.feed.apply_to(
                &mut self.model,
                ids,
                event.clone().into(),
                recorded_at,
                occurred_at,
            );
        }
        events
    }
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

fn price(text: &str) -> UnitPrice {
    UnitPrice::parse("unit_cost", dec(text)).unwrap()
}

fn receive(quantity_text: &str, unit_cost: &str) -> StockCommand {
    StockCommand::Receive {
        quantity: quantity(quantity_text),
        unit_cost: price(unit_cost),
        reference: Some(domain::values::Label::parse("reference", "PO-1").unwrap()),
    }
}

fn issue(quantity_text: &str, reservation: Option<u128>) -> StockCommand {
    StockCommand::Issue {
        quantity: quantity(quantity_text),
        reservation: reservation.map(id),
        reference: None,
        negative_allowed: true,
    }
}

fn reserve(reservation: u128, quantity_text: &str) -> StockCommand {
    StockCommand::Reserve {
        reservation: id(reservation),
        quantity: quantity(quantity_text),
        negative_allowed: false,
    }
}

fn reorder_at(level: &str) -> StockCommand {
    StockCommand::SetReorderLevel {
        level: Some(quantity(level)),
    }
}

/// A shop with a shirt and a mug and two warehouses, nothing in stock.
fn shop() -> Books {
    let mut books = Books::new();
    books.product(SHIRT, "SHIRT-M", "Shirt, medium");
    books.product(MUG, "MUG", "Mug");
    books.warehouse(MAIN, "Main");
    books.warehouse(NORTH, "North");
    books
}

fn cost(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
}

/// Balance and average after each movement of one (product, warehouse),
/// recomputed from scratch in (occurred_at, position) order: the rule the
/// model documents, written out plainly.
fn brute_force(moves: &[Move], product: u128, warehouse: u128) -> Vec<(Move, Decimal, Decimal)> {
    let mut line: Vec<Move> = moves
        .iter()
        .filter(|m| m.product == product && m.warehouse == warehouse)
        .cloned()
        .collect();
    line.sort_by_key(|m| (m.occurred_at, m.position));
    let (mut balance, mut average) = (Decimal::ZERO, Decimal::ZERO);
    line.into_iter()
        .map(|m| {
            if m.arrival {
                let total = balance + m.change;
                average = if balance <= Decimal::ZERO || total <= Decimal::ZERO {
                    cost(m.unit_cost)
                } else {
                    cost((balance * average + m.change * m.unit_cost) / total)
                };
            }
            balance += m.change;
            (m, balance, average)
        })
        .collect()
}

/// What `brute_force` says stood at `at`.
fn brute_force_at(running: &[(Move, Decimal, Decimal)], at: DateTime<Utc>) -> StockAt {
    let (on_hand, average_cost) = running
        .iter()
        .rev()
        .find(|(m, _, _)| m.occurred_at <= at)
        .map_or((Decimal::ZERO, Decimal::ZERO), |(_, balance, average)| {
            (*balance, *average)
        });
    StockAt {
        on_hand,
        average_cost,
        value: on_hand * average_cost,
    }
}

/// Every page of a ledger query, `limit` at a time.
fn all_pages(model: &StockLevels, mut query: LedgerQuery) -> Vec<LedgerEntry> {
    let mut entries = Vec::new();
    loop {
        let page = model.ledger(&query);
        assert!(page.entries.len() <= query.limit);
        entries.extend(page.entries);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return entries,
        }
    }
}

/// Protects the live balances: receipts and returns add, issues take out
/// and use up their reservation, reservations hold stock back from what
/// is available, and the value is on hand at the recorded average cost.
#[test]
fn balances_follow_receipts_issues_reservations_and_returns() {
    let mut books = shop();
    let shirt_main = (SHIRT, MAIN);
    books.stock(shirt_main, receive("10", "4"), day(1), None);
    books.stock(shirt_main, receive("10", "6"), day(2), None);
    books.stock(shirt_main, reserve(100, "5"), day(3), None);
    books.stock(shirt_main, issue("3", None), day(3), None);
    books.stock(shirt_main, issue("2", Some(100)), day(4), None);
    books.stock(
        shirt_main,
        StockCommand::Return {
            quantity: quantity("1"),
            reference: None,
        },
        day(5),
        None,
    );

    let balance = books.model.balance(id(SHIRT), id(MAIN)).unwrap();
    assert_eq!(balance.on_hand, dec("16"), "20 received, 5 issued, 1 back");
    assert_eq!(balance.reserved, dec("3"), "the issue used 2 of the 5 held");
    assert_eq!(balance.available, dec("13"));
    assert_eq!(balance.average_cost, dec("5"));
    assert_eq!(balance.value, dec("80"));
    assert_eq!(balance.in_transit, Decimal::ZERO);

    books.stock(
        shirt_main,
        StockCommand::Release {
            reservation: id(100),
        },
        day(6),
        None,
    );
    let balance = books.model.balance(id(SHIRT), id(MAIN)).unwrap();
    assert_eq!(balance.reserved, Decimal::ZERO, "released");
    assert_eq!(balance.available, dec("16"));
    assert_eq!(books.model.balance(id(MUG), id(MAIN)), None);
}

/// Protects transfers: goods sent from one warehouse to another are in
/// transit at the destination, keyed by the transfer, until it records
/// their arrival; the product's totals count them once.
#[test]
fn goods_in_transit_count_at_the_destination_until_received() {
    let mut books = shop();
    books.stock((SHIRT, MAIN), receive("10", "5"), day(1), None);
    let out = books.stock(
        (SHIRT, MAIN),
        StockCommand::TransferOut {
            transfer: id(500),
            quantity: quantity("4"),
            to: id(NORTH),
            negative_allowed: false,
        },
        day(2),
        None,
    );
    let StockEvent::TransferredOut(out) = &out[0] else {
        panic!("a transfer out")
    };

    let north = books.model.balance(id(SHIRT), id(NORTH)).unwrap();
    assert_eq!(north.in_transit, dec("4"));
    assert_eq!(north.on_hand, Decimal::ZERO);
    let totals = books.model.product_stock(id(SHIRT)).totals;
    assert_eq!(totals.on_hand, dec("6"));
    assert_eq!(totals.in_transit, dec("4"));

    books.stock(
        (SHIRT, NORTH),
        StockCommand::TransferIn {
            transfer: id(500),
            quantity: quantity("4"),
            unit_cost: UnitPrice::parse("unit_cost", out.unit_cost).unwrap(),
            from: id(MAIN),
        },
        day(3),
        None,
    );
    let north = books.model.balance(id(SHIRT), id(NORTH)).unwrap();
    assert_eq!(north.in_transit, Decimal::ZERO, "arrived");
    assert_eq!(north.on_hand, dec("4"));
    assert_eq!(north.average_cost, dec("5"));
    let stock = books.model.product_stock(id(SHIRT));
    assert_eq!(stock.totals.on_hand, dec("10"));
    assert_eq!(stock.totals.in_transit, Decimal::ZERO);
    assert_eq!(stock.totals.value, dec("50"));

    let ledger = books.model.ledger(&LedgerQuery {
        warehouse: Some(id(NORTH)),
        ..LedgerQuery::of(id(SHIRT))
    });
    assert_eq!(ledger.entries.len(), 1);
    assert_eq!(ledger.entries[0].kind, MovementKind::TransferredIn);
    assert_eq!(
        ledger.entries[0].transfer,
        Some(TransferLink {
            transfer: id(500),
            warehouse: id(MAIN),
        })
    );
}

/// Protects the product view: totals add up every warehouse, each
/// valued at its own average cost, and warehouses are listed by name
/// with the names and SKU kept from their events.
#[test]
fn product_totals_add_up_every_warehouse_at_its_own_cost() {
    let mut books = shop();
    books.stock((SHIRT, NORTH), receive("3", "10"), day(1), None);
    books.stock((SHIRT, MAIN), receive("5", "2"), day(1), None);
    books.stock((SHIRT, MAIN), reserve(100, "1"), day(1), None);
    books.stock((MUG, MAIN), receive("7", "1"), day(1), None);

    let stock = books.model.product_stock(id(SHIRT));
    let names: Vec<&str> = stock
        .warehouses
        .iter()
        .map(|balance| {
            books
                .model
                .warehouse_info(balance.warehouse)
                .unwrap()
                .name
                .as_str()
        })
        .collect();
    assert_eq!(names, ["Main", "North"]);
    assert_eq!(stock.totals.on_hand, dec("8"));
    assert_eq!(stock.totals.reserved, dec("1"));
    assert_eq!(stock.totals.available, dec("7"));
    assert_eq!(stock.totals.value, dec("40"), "5 × 2 + 3 × 10");
    let info = books.model.product_info(id(SHIRT)).unwrap();
    assert_eq!(
        (info.sku.as_str(), info.name.as_str()),
        ("SHIRT-M", "Shirt, medium")
    );
    assert_eq!(info.category.as_deref(), Some("Merch"));
    assert_eq!(
        books.model.product_stock_at(id(SHIRT), end_of(1)).value,
        dec("40"),
        "in order, the as-of value agrees with the live one"
    );
}

/// Protects counts: a count sets on hand to what was counted, and the
/// ledger shows the difference it booked, taken out at the average.
#[test]
fn a_count_sets_on_hand_and_enters_the_ledger_as_its_difference() {
    let mut books = shop();
    books.stock((MUG, MAIN), receive("10", "3"), day(1), None);
    books.stock(
        (MUG, MAIN),
        StockCommand::Count {
            counted: quantity("7"),
        },
        day(2),
        None,
    );
    assert_eq!(
        books.model.balance(id(MUG), id(MAIN)).unwrap().on_hand,
        dec("7")
    );
    let ledger = books.model.ledger(&LedgerQuery::of(id(MUG)));
    let count = ledger.entries.last().unwrap();
    assert_eq!(count.kind, MovementKind::Counted);
    assert_eq!(count.change, dec("-3"));
    assert_eq!(count.balance_after, dec("7"));
    assert_eq!(count.average_cost_after, dec("3"));
    assert_eq!(
        books.model.stock_at(id(MUG), id(MAIN), end_of(1)).on_hand,
        dec("10"),
        "before the count"
    );
}

/// Protects the low-stock list: only what is available below its reorder
/// level is listed (reservations count, goods in transit do not), the
/// largest shortfall first, named by SKU, product and warehouse; stock
/// received takes a line off the list.
#[test]
fn the_low_stock_list_is_sorted_by_shortfall_with_names() {
    let mut books = shop();
    books.stock((SHIRT, MAIN), reorder_at("10"), day(1), None);
    books.stock((SHIRT, MAIN), receive("8", "1"), day(1), None);
    books.stock((MUG, NORTH), reorder_at("5"), day(1), None);
    books.stock((MUG, NORTH), receive("6", "1"), day(1), None);
    books.stock((MUG, MAIN), reorder_at("2"), day(1), None);
    books.stock((MUG, MAIN), receive("9", "1"), day(1), None);
    assert_eq!(
        books.model.low_stock(50).len(),
        1,
        "only the shirt is below its level"
    );

    books.stock((MUG, NORTH), reserve(100, "6"), day(2), None);
    let low = books.model.low_stock(50);
    let rows: Vec<(&str, &str, &str, Decimal)> = low
        .iter()
        .map(|row| {
            (
                row.sku.as_str(),
                row.product_name.as_str(),
                row.warehouse_name.as_str(),
                row.shortfall,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("MUG", "Mug", "North", dec("5")),
            ("SHIRT-M", "Shirt, medium", "Main", dec("2")),
        ]
    );
    assert_eq!(low[0].available, Decimal::ZERO);
    assert_eq!(low[0].reorder_level, dec("5"));
    assert_eq!(books.model.low_stock(1).len(), 1, "the limit holds");

    books.stock((SHIRT, MAIN), receive("2", "1"), day(3), None);
    let low = books.model.low_stock(50);
    assert_eq!(low.len(), 1, "10 available is not below 10");
    assert_eq!(low[0].sku, "MUG");
}

/// Every page of stock levels for `query`, following the cursor: (SKU,
/// warehouse name, available) per row.
fn all_levels(model: &StockLevels, mut query: LevelQuery) -> Vec<(String, String, Decimal)> {
    let mut rows = Vec::new();
    loop {
        let page = model.levels(&query);
        rows.extend(
            page.rows
                .into_iter()
                .map(|row| (row.sku, row.warehouse_name, row.balance.available)),
        );
        match page.next {
            Some(next) => query.after = Some(next),
            None => return rows,
        }
    }
}

/// Protects the stock levels list: filtered by warehouse and low stock,
/// sorted by SKU, available stock or value either way, and paged by a
/// cursor that neither skips nor repeats a line, whatever the page size.
#[test]
fn stock_levels_filter_sort_and_page_by_a_cursor() {
    let mut books = shop();
    books.stock((SHIRT, MAIN), receive("8", "1"), day(1), None);
    books.stock((SHIRT, NORTH), receive("3", "5"), day(1), None);
    books.stock((MUG, MAIN), receive("8", "2"), day(1), None);
    books.stock((MUG, MAIN), reorder_at("10"), day(1), None);
    let query = |sort, descending, limit| LevelQuery {
        warehouse: None,
        low_only: false,
        sort,
        descending,
        after: None,
        limit,
    };
    let by_sku = [
        ("MUG".to_owned(), "Main".to_owned(), dec("8")),
        ("SHIRT-M".to_owned(), "Main".to_owned(), dec("8")),
        ("SHIRT-M".to_owned(), "North".to_owned(), dec("3")),
    ];
    for limit in 1..=4 {
        let rows = all_levels(&books.model, query(LevelSort::Sku, false, limit));
        // Ties in SKU go by the warehouses' ids: Main (10) before North.
        assert_eq!(rows, by_sku, "pages of {limit}");
    }
    let by_value = all_levels(&books.model, query(LevelSort::Value, true, 1));
    let available: Vec<Decimal> = by_value.iter().map(|row| row.2).collect();
    // Values: mugs 16, shirts in North 15, shirts in Main 8.
    assert_eq!(available, [dec("8"), dec("3"), dec("8")]);
    assert_eq!(by_value[0].0, "MUG");
    let by_available = all_levels(&books.model, query(LevelSort::Available, false, 2));
    assert_eq!(by_available[0].1, "North", "3 available is the least");

    let north = LevelQuery {
        warehouse: Some(id(NORTH)),
        ..query(LevelSort::Sku, false, 10)
    };
    assert_eq!(all_levels(&books.model, north).len(), 1);
    let low = LevelQuery {
        low_only: true,
        ..query(LevelSort::Sku, false, 10)
    };
    let low = books.model.levels(&low);
    assert_eq!(low.rows.len(), 1, "only the mug is below its level");
    assert_eq!(low.rows[0].balance.reorder_level, Some(dec("10")));
}

/// Protects the stock value as of a day: each warehouse's stock at the
/// running average cost of that day, with the products it held; a
/// warehouse that held nothing then is left out.
#[test]
fn stock_value_per_warehouse_is_known_as_of_any_day() {
    let mut books = shop();
    books.stock((SHIRT, MAIN), receive("10", "2"), day(1), None);
    books.stock((MUG, MAIN), receive("4", "3"), day(2), None);
    books.stock((SHIRT, NORTH), receive("5", "1"), day(3), None);
    books.stock((SHIRT, MAIN), issue("10", None), day(4), None);

    let values = |d| -> Vec<(String, usize, Decimal)> {
        books
            .model
            .value_at(end_of(d))
            .into_iter()
            .map(|value| {
                let name = books
                    .model
                    .warehouse_info(value.warehouse)
                    .unwrap()
                    .name
                    .clone();
                (name, value.products, value.value)
            })
            .collect()
    };
    assert_eq!(values(1), [("Main".to_owned(), 1, dec("20"))]);
    assert_eq!(values(2), [("Main".to_owned(), 2, dec("32"))]);
    assert_eq!(
        values(3),
        [
            ("Main".to_owned(), 2, dec("32")),
            ("North".to_owned(), 1, dec("5"))
        ]
    );
    assert_eq!(
        values(4),
        [
            ("Main".to_owned(), 1, dec("12")),
            ("North".to_owned(), 1, dec("5"))
        ],
        "the shirts left Main"
    );
    assert!(books.model.value_at(day(1) - Duration::days(1)).is_empty());
}

/// Protects the ledger: pages of any size, oldest or newest first, walk
/// every movement of a product once in business-time order, each with
/// the running balance of the product (or of the one warehouse asked
/// for) after it.
#[test]
fn the_ledger_pages_in_business_time_with_running_balances() {
    let mut books = shop();
    for n in 1..=24u32 {
        let warehouse = if n % 3 == 0 { NORTH } else { MAIN };
        let command = if n % 4 == 0 {
            issue("1", None)
        } else {
            receive("2", "3")
        };
        // Recorded in order on day 28, occurred on days 1..24 in a
        // shuffled order: the ledger follows business time.
        let occurred = day(1 + (n * 7) % 24);
        books.stock(
            (SHIRT, warehouse),
            command,
            day(28) + Duration::minutes(i64::from(n)),
            Some(occurred),
        );
    }
    let mut expected: Vec<&Move> = books.moves.iter().collect();
    expected.sort_by_key(|m| (m.occurred_at, m.position));
    let mut balance = Decimal::ZERO;
    let expected: Vec<(u64, Decimal)> = expected
        .iter()
        .map(|m| {
            balance += m.change;
            (m.position, balance)
        })
        .collect();

    for limit in [1, 5, 7, 24, 200] {
        let query = LedgerQuery {
            limit,
            ..LedgerQuery::of(id(SHIRT))
        };
        let found: Vec<(u64, Decimal)> = all_pages(&books.model, query)
            .iter()
            .map(|entry| (entry.position, entry.balance_after))
            .collect();
        assert_eq!(found, expected, "oldest first, {limit} a page");

        let newest: Vec<(u64, Decimal)> = all_pages(
            &books.model,
            LedgerQuery {
                newest_first: true,
                ..query
            },
        )
        .iter()
        .rev()
        .map(|entry| (entry.position, entry.balance_after))
        .collect();
        assert_eq!(newest, expected, "newest first, {limit} a page");
    }

    let north: Vec<LedgerEntry> = all_pages(
        &books.model,
        LedgerQuery {
            warehouse: Some(id(NORTH)),
            limit: 3,
            ..LedgerQuery::of(id(SHIRT))
        },
    );
    assert_eq!(north.len(), 8);
    assert!(north.iter().all(|entry| entry.warehouse == id(NORTH)));
    assert!(
        north
            .iter()
            .all(|entry| entry.balance_after == entry.warehouse_balance_after),
        "one warehouse's ledger runs on its own balance"
    );
    assert_eq!(
        north.last().unwrap().balance_after,
        dec("10"),
        "6 × 2 − 2 × 1"
    );
    assert_eq!(books.model.movement_count(id(SHIRT), None), 24);
    let page = books.model.ledger(&LedgerQuery::of(id(SHIRT)));
    let (first, second) = (&page.entries[0], &page.entries[1]);
    assert_eq!(
        (first.kind, first.change, first.balance_after),
        (MovementKind::Issued, dec("-1"), dec("-1")),
        "the 24th movement occurred first"
    );
    assert_eq!(second.reference.as_deref(), Some("PO-1"));
    assert_eq!(second.occurred_at, day(2));
    assert_eq!(second.recorded_at, day(28) + Duration::minutes(7));
    assert_eq!(page.next, None, "one page holds all 24");
}

/// Receipts on odd days and issues on even days 1..10, in order.
fn ten_days(books: &mut Books) {
    for d in 1..=10u32 {
        let command = if d % 2 == 1 {
            receive("10", &(10 * d).to_string())
        } else {
            issue("4", None)
        };
        books.stock((SHIRT, MAIN), command, day(d), None);
    }
}

/// Protects back-dated movements: a receipt entered last but dated day 3
/// corrects every as-of balance and cost from day 3 on, without a
/// rebuild, leaves the days before it alone, and the live figures keep
/// what the events recorded.
#[test]
fn a_back_dated_receipt_corrects_every_later_balance_and_cost() {
    let mut books = shop();
    ten_days(&mut books);
    let before: Vec<StockAt> = (1..=10)
        .map(|d| books.model.stock_at(id(SHIRT), id(MAIN), end_of(d)))
        .collect();
    assert_eq!(before[2].on_hand, dec("16"));
    assert_eq!(
        before[2].average_cost,
        dec("22.5"),
        "(6 × 10 + 10 × 30) / 16"
    );

    let late = books.stock(
        (SHIRT, MAIN),
        receive("4", "5"),
        day(11),
        Some(day(3) + Duration::hours(2)),
    );
    let StockEvent::Received(late) = &late[0] else {
        panic!("a receipt")
    };

    for d in 1..=2 {
        assert_eq!(
            books.model.stock_at(id(SHIRT), id(MAIN), end_of(d)),
            before[d as usize - 1],
            "day {d} is before the receipt"
        );
    }
    let day_3 = books.model.stock_at(id(SHIRT), id(MAIN), end_of(3));
    assert_eq!(day_3.on_hand, dec("20"));
    assert_eq!(day_3.average_cost, dec("19"), "(16 × 22.5 + 4 × 5) / 20");
    assert_eq!(day_3.value, dec("380"));
    let running = brute_force(&books.moves, SHIRT, MAIN);
    for d in 3..=10 {
        let now = books.model.stock_at(id(SHIRT), id(MAIN), end_of(d));
        let was = before[d as usize - 1];
        assert_eq!(now.on_hand, was.on_hand + dec("4"), "day {d}");
        assert_ne!(now.average_cost, was.average_cost, "day {d}'s cost moved");
        assert_eq!(now, brute_force_at(&running, end_of(d)), "day {d}");
    }

    let live = books.model.balance(id(SHIRT), id(MAIN)).unwrap();
    let last = books.model.stock_at(id(SHIRT), id(MAIN), end_of(11));
    assert_eq!(
        live.on_hand, last.on_hand,
        "the as-of view sums to the live one"
    );
    assert_eq!(
        live.average_cost, late.average_cost,
        "the live cost is what the receipt recorded"
    );
    assert_ne!(live.average_cost, last.average_cost);
}

/// Protects the answer a back-dated stock form gives: the movement is
/// found by its log position with its balance, the later movements it
/// changed and the balance now; another product's position, or one past
/// the end, finds nothing.
#[test]
fn a_movement_is_found_by_position_with_its_effect_on_later_balances() {
    let mut books = shop();
    ten_days(&mut books);
    books.stock(
        (SHIRT, MAIN),
        receive("4", "5"),
        day(11),
        Some(day(3) + Duration::hours(2)),
    );
    let position = books.position;
    let effect = books.model.movement_effect(id(SHIRT), position).unwrap();
    assert_eq!(effect.warehouse, id(MAIN));
    assert_eq!(effect.occurred_at, day(3) + Duration::hours(2));
    assert_eq!(effect.kind, MovementKind::Received);
    assert_eq!(effect.change, dec("4"));
    assert_eq!(effect.balance_after, dec("20"), "16 on day 3, and 4");
    assert_eq!(effect.later, 7, "the movements of days 4 to 10");
    let live = books.model.balance(id(SHIRT), id(MAIN)).unwrap();
    assert_eq!(effect.balance_now, live.on_hand);
    assert_eq!(books.model.movement_effect(id(MUG), position), None);
    assert_eq!(books.model.movement_effect(id(SHIRT), position + 1), None);

    books.stock((SHIRT, MAIN), issue("1", None), day(12), None);
    let newest = books
        .model
        .movement_effect(id(SHIRT), books.position)
        .unwrap();
    assert_eq!(newest.later, 0);
    assert_eq!(newest.balance_after, newest.balance_now);
}

/// Dispatches `count` shirts of transfer `transfer` from the main
/// warehouse to the north one at `at` (recorded on `recorded`), and
/// receives them there at the cost the domain left them at.
fn transfer_shirts(books: &mut Books, transfer: u128, count: &str, recorded: u32, at: u32) {
    books.stock(
        (SHIRT, MAIN),
        StockCommand::TransferOut {
            transfer: id(transfer),
            quantity: quantity(count),
            to: id(NORTH),
            negative_allowed: true,
        },
        day(recorded),
        Some(day(at)),
    );
    let left_at = books.states[&(SHIRT, MAIN)].average_cost;
    books.stock(
        (SHIRT, NORTH),
        StockCommand::TransferIn {
            transfer: id(transfer),
            quantity: quantity(count),
            unit_cost: UnitPrice::parse("unit_cost", left_at).unwrap(),
            from: id(MAIN),
        },
        day(recorded),
        Some(day(at)),
    );
}

/// Protects costs across warehouses: a receipt back-dated before a
/// transfer changes the average its goods left at, so they arrived at
/// the new cost and the destination's later figures follow, live and
/// after a deferred fold alike. 10 at 5.00 on the 1st, 4 sent north on
/// the 3rd (at 5.00), then 10 at 7.00 entered for the 2nd: the 4 left at
/// 6.00, and the north's 2 more at 9.00 on the 4th average 7.00.
#[test]
fn a_back_dated_receipt_before_a_transfer_corrects_the_destination() {
    for deferred in [false, true] {
        let mut books = shop();
        if deferred {
            books.model.defer_indexes();
        }
        books.stock((SHIRT, MAIN), receive("10", "5"), day(1), None);
        transfer_shirts(&mut books, 700, "4", 3, 3);
        books.stock((SHIRT, NORTH), receive("2", "9"), day(4), None);
        books.stock((SHIRT, MAIN), receive("10", "7"), day(5), Some(day(2)));
        if deferred {
            books.model.restored();
        }
        let north = |d| books.model.stock_at(id(SHIRT), id(NORTH), end_of(d));
        assert_eq!(
            north(3),
            StockAt {
                on_hand: dec("4"),
                average_cost: dec("6"),
                value: dec("24"),
            },
            "deferred: {deferred}"
        );
        // (4 × 6.00 + 2 × 9.00) / 6 = 7.00.
        assert_eq!(north(4).average_cost, dec("7"), "deferred: {deferred}");
        assert_eq!(north(4).value, dec("42"), "deferred: {deferred}");
    }
}

const MUG_ORDER: u128 = 900;

/// Completion 1 of production order 900 on day `at`: 2 mugs made of 4
/// shirts from the main warehouse with 3.00 of work, as the processes run
/// it (the shirts consumed at their average, the output costed, then
/// received under a reference that names the completion, or, as receipts
/// were written before, only the order).
fn make_two_mugs(books: &mut Books, at: u32, names_completion: bool) {
    let order = id(MUG_ORDER);
    let consumed = books.stock(
        (SHIRT, MAIN),
        StockCommand::Consume {
            production: order,
            completion: 1,
            quantity: quantity("4"),
            reservation: None,
            negative_allowed: true,
        },
        day(at),
        None,
    );
    let StockEvent::Consumed(consumed) = &consumed[0] else {
        panic!("a consumption")
    };
    let components_cost = dec("4") * consumed.unit_cost;
    let unit_cost = cost((components_cost + dec("3")) / dec("2"));
    let costed = ProductionEvent::OutputCosted(ProductionOutputCosted {
        completion: 1,
        product: id(MUG),
        warehouse: id(MAIN),
        quantity: dec("2"),
        components_cost,
        operations_cost: dec("3"),
        unit_cost,
    });
    books.position += 1;
    books.feed.apply(
        &mut books.model,
        Uuid::from_u128(MUG_ORDER),
        costed.into(),
        day(at),
        None,
    );
    let reference = if names_completion {
        output_reference(order, 1)
    } else {
        production_reference(order)
    };
    books.stock(
        (MUG, MAIN),
        StockCommand::Receive {
            quantity: quantity("2"),
            unit_cost: price(&unit_cost.to_string()),
            reference: Some(domain::values::Label::parse("reference", &reference).unwrap()),
        },
        day(at),
        None,
    );
}

/// Protects the cost of what was made: a receipt of a component dated
/// before a production order consumed it changes what the output went in
/// at, and the output's stock follows, live and after a deferred fold,
/// whether the output's receipt names its completion or not. 10 shirts
/// at 5.00 on the 1st; on the 3rd 4 of them and 3.00 of work make 2 mugs
/// at (20 + 3) / 2 = 11.50; 2 more mugs at 14.50 on the 4th. Then 10
/// shirts at 7.00 are entered for the 2nd: the 4 went in at 6.00, the
/// mugs at 13.50, and the 4th's average is (27 + 29) / 4 = 14.00.
#[test]
fn a_back_dated_receipt_before_a_consumption_corrects_the_output() {
    for (deferred, names_completion) in [(false, true), (true, true), (false, false), (true, false)]
    {
        let case = format!("deferred: {deferred}, names its completion: {names_completion}");
        let mut books = shop();
        if deferred {
            books.model.defer_indexes();
        }
        books.stock((SHIRT, MAIN), receive("10", "5"), day(1), None);
        make_two_mugs(&mut books, 3, names_completion);
        books.stock((MUG, MAIN), receive("2", "14.5"), day(4), None);
        let mugs = |books: &Books, d| books.model.stock_at(id(MUG), id(MAIN), end_of(d));
        if !deferred {
            assert_eq!(mugs(&books, 3).average_cost, dec("11.5"), "{case}");
            assert_eq!(mugs(&books, 4).average_cost, dec("13"), "{case}");
        }
        books.stock((SHIRT, MAIN), receive("10", "7"), day(5), Some(day(2)));
        if deferred {
            books.model.restored();
        }
        assert_eq!(
            mugs(&books, 3),
            StockAt {
                on_hand: dec("2"),
                average_cost: dec("13.5"),
                value: dec("27"),
            },
            "{case}"
        );
        assert_eq!(mugs(&books, 4).average_cost, dec("14"), "{case}");
        assert_eq!(mugs(&books, 4).value, dec("56"), "{case}");
        let live = books.model.balance(id(MUG), id(MAIN)).unwrap();
        assert_eq!(
            live.average_cost,
            dec("13"),
            "{case}: the live cost is what the receipts recorded"
        );
    }
}

#[derive(Clone, Debug)]
enum Op {
    Receive { tenths: i64, cents: i64 },
    Issue { tenths: i64 },
    Return { tenths: i64 },
    Count { tenths: i64 },
    TransferIn { tenths: i64, cents: i64 },
    TransferOut { tenths: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..500, 1i64..10_000).prop_map(|(tenths, cents)| Op::Receive { tenths, cents }),
        3 => (1i64..300).prop_map(|tenths| Op::Issue { tenths }),
        1 => (1i64..50).prop_map(|tenths| Op::Return { tenths }),
        1 => (1i64..400).prop_map(|tenths| Op::Count { tenths }),
        1 => (1i64..200, 1i64..10_000).prop_map(|(tenths, cents)| Op::TransferIn { tenths, cents }),
        1 => (1i64..200).prop_map(|tenths| Op::TransferOut { tenths }),
    ]
}

fn command(op: &Op, sequence: u128, warehouse: u128) -> StockCommand {
    let quantity = |tenths: i64| Quantity::parse("quantity", Decimal::new(tenths, 1)).unwrap();
    let price = |cents: i64| UnitPrice::parse("unit_cost", Decimal::new(cents, 2)).unwrap();
    let other = if warehouse == MAIN { NORTH } else { MAIN };
    match op {
        Op::Receive { tenths, cents } => StockCommand::Receive {
            quantity: quantity(*tenths),
            unit_cost: price(*cents),
            reference: None,
        },
        Op::Issue { tenths } => StockCommand::Issue {
            quantity: quantity(*tenths),
            reservation: None,
            reference: None,
            negative_allowed: true,
        },
        Op::Return { tenths } => StockCommand::Return {
            quantity: quantity(*tenths),
            reference: None,
        },
        Op::Count { tenths } => StockCommand::Count {
            counted: quantity(*tenths),
        },
        Op::TransferIn { tenths, cents } => StockCommand::TransferIn {
            transfer: id(1_000 + sequence),
            quantity: quantity(*tenths),
            unit_cost: price(*cents),
            from: id(other),
        },
        Op::TransferOut { tenths } => StockCommand::TransferOut {
            transfer: id(2_000 + sequence),
            quantity: quantity(*tenths),
            to: id(other),
            negative_allowed: true,
        },
    }
}

/// Feeds `ops` (each on a warehouse, at a business day and hour) in the
/// order given, each recorded on day 20 or later.
fn feed_ops(books: &mut Books, ops: &[(Op, bool, u32, i64)]) {
    for (sequence, (op, north, occurred_day, hour)) in ops.iter().enumerate() {
        let warehouse = if *north { NORTH } else { MAIN };
        let recorded_at = day(20) + Duration::minutes(sequence as i64);
        let occurred_at = day(*occurred_day) + Duration::hours(*hour);
        books.stock(
            (SHIRT, warehouse),
            command(op, sequence as u128, warehouse),
            recorded_at,
            Some(occurred_at),
        );
    }
}

proptest! {
    /// Protects the as-of view against its incremental upkeep: random
    /// movements with random (often equal, often back-dated) business
    /// times, fed in random recording order, answer every day's balance,
    /// cost and value exactly as a recomputation from scratch over the
    /// movements sorted by (occurred_at, position) does; the product's
    /// answers and its ledger are the warehouses' summed.
    #[test]
    fn as_of_answers_equal_a_recomputation_in_business_time_order(
        ops in prop::collection::vec((op(), any::<bool>(), 1u32..=12, 0i64..3), 1..60),
    ) {
        let mut books = shop();
        feed_ops(&mut books, &ops);
        let main = brute_force(&books.moves, SHIRT, MAIN);
        let north = brute_force(&books.moves, SHIRT, NORTH);
        for d in 1..=21 {
            let at = end_of(d);
            let expected_main = brute_force_at(&main, at);
            let expected_north = brute_force_at(&north, at);
            prop_assert_eq!(books.model.stock_at(id(SHIRT), id(MAIN), at), expected_main, "main, day {}", d);
            prop_assert_eq!(books.model.stock_at(id(SHIRT), id(NORTH), at), expected_north, "north, day {}", d);
            let product = books.model.product_stock_at(id(SHIRT), at);
            prop_assert_eq!(product.on_hand, expected_main.on_hand + expected_north.on_hand);
            prop_assert_eq!(product.value, expected_main.value + expected_north.value);
        }
        for (warehouse, running) in [(MAIN, &main), (NORTH, &north)] {
            let live = books.model.balance(id(SHIRT), id(warehouse)).map_or(Decimal::ZERO, |b| b.on_hand);
            let last = running.last().map_or(Decimal::ZERO, |(_, balance, _)| *balance);
            prop_assert_eq!(live, last, "the as-of balance after everything is the live one");
        }

        let mut sorted: Vec<&Move> = books.moves.iter().collect();
        sorted.sort_by_key(|m| (m.occurred_at, m.position));
        let mut balance = Decimal::ZERO;
        let expected: Vec<(u64, Decimal)> = sorted
            .iter()
            .map(|m| {
                balance += m.change;
                (m.position, balance)
            })
            .collect();
        let found: Vec<(u64, Decimal)> = all_pages(&books.model, LedgerQuery { limit: 7, ..LedgerQuery::of(id(SHIRT)) })
            .iter()
            .map(|entry| (entry.position, entry.balance_after))
            .collect();
        prop_assert_eq!(found, expected);
    }
}

/// A history with back-dated moves in both warehouses and some of
/// everything the model keeps.
fn busy_books(deferred: bool) -> Books {
    let mut books = shop();
    if deferred {
        books.model.defer_indexes();
    }
    ten_days(&mut books);
    books.stock((SHIRT, MAIN), reorder_at("40"), day(11), None);
    books.stock((SHIRT, MAIN), reserve(100, "3"), day(11), None);
    books.stock(
        (SHIRT, MAIN),
        StockCommand::TransferOut {
            transfer: id(500),
            quantity: quantity("2"),
            to: id(NORTH),
            negative_allowed: true,
        },
        day(11),
        Some(day(4)),
    );
    make_two_mugs(&mut books, 11, true);
    books.stock((SHIRT, MAIN), receive("4", "5"), day(12), Some(day(3)));
    books.stock((SHIRT, NORTH), receive("6", "7.5"), day(12), Some(day(2)));
    books.stock((SHIRT, NORTH), issue("1", None), day(12), Some(day(1)));
    books
}

/// The answers a user can get about the shirt.
fn answers(model: &StockLevels) -> String {
    let as_of: Vec<(StockAt, StockAt, StockAt)> = (1..=13)
        .map(|d| {
            (
                model.stock_at(id(SHIRT), id(MAIN), end_of(d)),
                model.stock_at(id(SHIRT), id(NORTH), end_of(d)),
                model.product_stock_at(id(SHIRT), end_of(d)),
            )
        })
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        model.product_stock(id(SHIRT)),
        as_of,
        all_pages(
            model,
            LedgerQuery {
                limit: 4,
                ..LedgerQuery::of(id(SHIRT))
            }
        ),
        model.low_stock(50),
        model.product_info(id(SHIRT)),
    )
}

/// Protects restarts and rebuilds: a snapshot written and read back
/// through the snapshot store, and a fold with deferred upkeep (as a
/// rebuild folds, snapshotting half way), give the same model and the
/// same answers as the one fed live.
#[test]
fn a_snapshot_round_trip_and_a_deferred_fold_answer_the_same() {
    let live = busy_books(false).model;
    let directory = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open(directory.path()).unwrap();
    store.save(&live, 40, Some(day(12))).unwrap();
    let (_, restored) = store.latest::<StockLevels>(40).unwrap().unwrap();
    assert_eq!(answers(&restored), answers(&live));
    assert!(restored == live);

    // A deferred fold snapshotted before its upkeep is done: the restore
    // finishes it.
    let deferred = busy_books(true).model;
    store.save(&deferred, 41, Some(day(12))).unwrap();
    let (_, mut from_deferred) = store.latest::<StockLevels>(41).unwrap().unwrap();
    assert_eq!(answers(&from_deferred), answers(&live));
    assert!(from_deferred == live);

    let mut deferred = deferred;
    deferred.restored();
    assert!(
        deferred == live,
        "a deferred fold ends equal to the live one"
    );
    from_deferred.restored();
    assert!(from_deferred == live, "restoring twice changes nothing");
}
