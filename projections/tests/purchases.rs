#![allow(clippy::unwrap_used)]
//! The purchases read model fed with events the real purchase order
//! decider decided: the list, numbers, goods on order and what open
//! orders are worth, checked against the deciders' own states, and a
//! snapshot round trip.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::finance::{DocumentKind, DocumentNumbered, SeriesEvent};
use domain::ids::{PartyId, ProductId, PurchaseOrderId, WarehouseId};
use domain::purchasing::{
    DraftPurchase, PurchaseCommand, PurchaseEvent, PurchaseOrder, PurchaseOrderState,
    PurchaseStatus, ReceiveLine, ReceivePurchase, Spread,
};
use domain::values::{Currency, ExchangeRate, Label};
use domain::{Decider, Issued};
use eventlog::Actor;
use projections::SnapshotStore;
use projections::feed::Feed;
use projections::models::purchases::Purchases;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap() + Duration::days(d)
}

const PRODUCTS: [u128; 3] = [1, 2, 3];
const WAREHOUSES: [u128; 2] = [10, 11];

/// The model and the deciders' states side by side.
struct Buying {
    model: Purchases,
    feed: Feed,
    states: BTreeMap<u128, Option<PurchaseOrderState>>,
    numbered: u64,
}

impl Buying {
    fn new() -> Self {
        Self {
            model: Purchases::default(),
            feed: Feed::new(Actor::system("test")),
            states: BTreeMap::new(),
            numbered: 0,
        }
    }

    /// Decides `command` on order `order` at day `at`; feeds the events
    /// (and, for a draft, its number). A refused command changes nothing.
    fn run(&mut self, order: u128, command: PurchaseCommand, at: i64) -> bool {
        let state = self.states.entry(order).or_default();
        let Ok(events) = PurchaseOrder::decide(state, &Issued::new(id(0xA), day(at), command))
        else {
            return false;
        };
        for event in events {
            *state = PurchaseOrder::evolve(state.take(), &event);
            let drafted = matches!(event, PurchaseEvent::Drafted(_));
            self.feed.apply(
                &mut self.model,
                Uuid::from_u128(order),
                event.into(),
                day(at),
                None,
            );
            if drafted {
                self.numbered += 1;
                let numbered = SeriesEvent::DocumentNumbered(DocumentNumbered {
                    document: Uuid::from_u128(order),
                    kind: DocumentKind::PurchaseOrder,
                    branch: None,
                    year: 2026,
                    sequence: self.numbered,
                    number: format!("PO-2026-{:06}", self.numbered),
                });
                self.feed
                    .apply(&mut self.model, id(0x5E), numbered.into(), day(at), None);
            }
        }
        true
    }
}

fn draft(order: u128, warehouse: u128, currency: &str, expected: Option<i64>) -> PurchaseCommand {
    PurchaseCommand::Draft(DraftPurchase {
        order: id(order),
        supplier: id(0x50),
        warehouse: id(warehouse),
        branch: None,
        currency: Currency::parse("currency", currency).unwrap(),
        buyer: None,
        reference: None,
        expected_on: expected.map(|d| day(d).date_naive()),
    })
}

fn add(product: u128, quantity: &str, price: &str) -> PurchaseCommand {
    PurchaseCommand::AddLine {
        product: id(product),
        quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
        unit_price: UnitPrice::parse("unit_price", dec(price)).unwrap(),
    }
}

fn receive(receipt: u128, lines: Option<Vec<(u32, &str)>>) -> PurchaseCommand {
    PurchaseCommand::Receive(ReceivePurchase {
        receipt: id(receipt),
        lines: lines.map(|lines| {
            lines
                .into_iter()
                .map(|(line, quantity)| ReceiveLine {
                    line,
                    quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
                })
                .collect()
        }),
        landed_costs: Vec::new(),
        spread: Spread::ByValue,
        rate: ExchangeRate::ONE,
    })
}

/// Three orders: 100 (EUR, 10 × product 1 at 2.50 and 4 × product 2 at
/// 10, sent, 6 of product 1 received, expected day 5); 101 (USD, 3 ×
/// product 1 at 7, sent, expected day 20); 102 (EUR, a draft).
fn three_orders() -> Buying {
    let mut buying = Buying::new();
    buying.run(100, draft(100, 10, "EUR", Some(5)), 0);
    buying.run(100, add(1, "10", "2.5"), 0);
    buying.run(100, add(2, "4", "10"), 0);
    buying.run(100, PurchaseCommand::Send, 1);
    buying.run(100, receive(900, Some(vec![(1, "6")])), 6);
    buying.run(101, draft(101, 10, "USD", Some(20)), 2);
    buying.run(101, add(1, "3", "7"), 2);
    buying.run(101, PurchaseCommand::Send, 2);
    buying.run(102, draft(102, 11, "EUR", None), 3);
    buying.run(102, add(3, "1", "1"), 3);
    buying
}

/// Protects what a buyer reads: goods on order are what open orders
/// still await (4 + 3 of product 1, 4 of product 2; nothing of a draft),
/// open orders' worth per currency (EUR: 4 × 2.50 + 4 × 10 = 50; USD:
/// 21), a late order, numbers, and the list newest first.
#[test]
fn goods_on_order_and_open_value_follow_the_orders() {
    let buying = three_orders();
    let model = &buying.model;
    assert_eq!(model.on_order(id(1), id(10)), dec("7"));
    assert_eq!(model.on_order(id(2), id(10)), dec("4"));
    assert_eq!(
        model.on_order(id(3), id(11)),
        Decimal::ZERO,
        "a draft is not on order"
    );
    let eur = Currency::parse("c", "EUR").unwrap();
    let usd = Currency::parse("c", "USD").unwrap();
    let open = model.open_by_currency();
    assert_eq!(open.get(&eur), Some(&(1, dec("50"))));
    assert_eq!(open.get(&usd), Some(&(1, dec("21"))));
    assert_eq!(model.late_on(day(6).date_naive()), 1);
    assert_eq!(
        model.late_on(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()),
        2
    );
    let order: PurchaseOrderId = id(100);
    let row = model.get(order).unwrap();
    assert_eq!(row.number.as_deref(), Some("PO-2026-000001"));
    assert_eq!(row.status, PurchaseStatus::PartiallyReceived);
    assert_eq!(row.receipts.len(), 1);
    assert_eq!(row.received_cost(), dec("15"));
    assert_eq!(
        model.numbered("po-2026-000002", 5),
        vec![(id(101), "PO-2026-000002")]
    );
    let page = model.page_matching(2, None, |_, _| true);
    let listed: Vec<PurchaseOrderId> = page.rows.iter().map(|row| row.order).collect();
    assert_eq!(listed, vec![id(102), id(101)]);
    let rest = model.page_matching(2, page.next, |_, _| true);
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(rest.rows[0].order, id(100));
    assert_eq!(rest.next, None);

    // The rest arrives and 101 is cancelled: nothing is on order.
    let mut buying = buying;
    buying.run(100, receive(901, None), 7);
    buying.run(
        101,
        PurchaseCommand::Cancel {
            reason: Label::parse("r", "late").unwrap(),
        },
        8,
    );
    assert!(buying.model.all_on_order().is_empty());
    assert!(buying.model.open_by_currency().is_empty());
}

/// Protects restarts: a snapshot written and read back is the same model.
#[test]
fn a_snapshot_round_trip_gives_the_same_model() {
    let live = three_orders().model;
    let directory = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open(directory.path()).unwrap();
    store.save(&live, 40, Some(day(12))).unwrap();
    let (_, restored) = store.latest::<Purchases>(40).unwrap().unwrap();
    assert!(restored == live);
}

#[derive(Clone, Debug)]
enum Op {
    Draft {
        warehouse: usize,
        usd: bool,
    },
    Add {
        product: usize,
        quantity: u32,
        cents: u32,
    },
    Remove {
        line: u32,
    },
    Send,
    Receive {
        line: Option<u32>,
        quantity: u32,
    },
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize, any::<bool>()).prop_map(|(warehouse, usd)| Op::Draft { warehouse, usd }),
        (0..3usize, 1..20u32, 0..5_000u32).prop_map(|(product, quantity, cents)| Op::Add {
            product,
            quantity,
            cents
        }),
        (1..4u32).prop_map(|line| Op::Remove { line }),
        Just(Op::Send),
        (prop::option::of(1..4u32), 1..10u32)
            .prop_map(|(line, quantity)| Op::Receive { line, quantity }),
        Just(Op::Cancel),
    ]
}

proptest! {
    /// Protects the model's totals against drift: after any sequence of
    /// commands on a few orders (refused ones included), goods on order
    /// and open worth equal a recomputation from the deciders' states.
    #[test]
    fn totals_equal_a_recomputation_from_the_orders(
        ops in prop::collection::vec((0..4u128, op()), 1..80),
    ) {
        let mut buying = Buying::new();
        for (step, (order, op)) in ops.into_iter().enumerate() {
            let order = 100 + order;
            let command = match op {
                Op::Draft { warehouse, usd } => {
                    draft(order, WAREHOUSES[warehouse], if usd { "USD" } else { "EUR" }, None)
                }
                Op::Add { product, quantity, cents } => {
                    add(PRODUCTS[product], &quantity.to_string(), &Decimal::new(i64::from(cents), 2).to_string())
                }
                Op::Remove { line } => PurchaseCommand::RemoveLine { line },
                Op::Send => PurchaseCommand::Send,
                Op::Receive { line, quantity } => {
                    let quantity = quantity.to_string();
                    receive(1_000 + step as u128, line.map(|line| vec![(line, quantity.as_str())]))
                }
                Op::Cancel => PurchaseCommand::Cancel { reason: Label::parse("r", "no").unwrap() },
            };
            buying.run(order, command, step as i64);
        }
        let mut on_order: BTreeMap<(ProductId, WarehouseId), Decimal> = BTreeMap::new();
        let mut open: BTreeMap<Currency, (u64, Decimal)> = BTreeMap::new();
        for state in buying.states.values().flatten() {
            if !state.status.open() {
                continue;
            }
            let entry = open.entry(state.currency).or_default();
            entry.0 += 1;
            for line in state.lines.values() {
                if line.outstanding() > Decimal::ZERO {
                    *on_order.entry((line.product, state.warehouse)).or_default() += line.outstanding();
                }
                entry.1 += domain::sales::round_amount(line.outstanding() * line.unit_price);
            }
        }
        prop_assert_eq!(buying.model.all_on_order(), &on_order);
        prop_assert_eq!(buying.model.open_by_currency(), open);
        for (order, state) in &buying.states {
            let row = buying.model.get(id(*order));
            prop_assert_eq!(row.map(|row| row.status), state.as_ref().map(|state| state.status));
        }
        let supplier: PartyId = id(0x50);
        prop_assert!(buying.model.page_matching(200, None, |_, row| row.supplier == supplier).rows.len() == buying.model.len());
    }
}

/// Protects the payables report: an invoice of 100 USD due on day 10,
/// 40 paid on day 12 at another rate: on day 11 all 100 are 1–30 days
/// overdue, on day 12 only 60; nothing owed before it was issued; the
/// payment's exchange difference is listed on its day.
#[test]
fn payables_age_as_of_any_day_and_list_their_exchange_differences() {
    use domain::payables::{
        PaySupplier, Payable, PayableCommand, PayableState, RecordSupplierInvoice,
    };
    let mut model = Purchases::default();
    let mut feed = Feed::new(Actor::system("test"));
    let mut state = PayableState::default();
    let usd = Currency::parse("c", "USD").unwrap();
    let commands = [
        (
            PayableCommand::RecordInvoice(RecordSupplierInvoice {
                invoice: id(1),
                order: None,
                number: Label::parse("n", "F-1").unwrap(),
                currency: usd,
                amount: UnitPrice::parse("a", dec("100")).unwrap(),
                rate: ExchangeRate::parse("r", dec("0.9")).unwrap(),
                issued_on: day(5).date_naive(),
                due: day(10).date_naive(),
            }),
            5,
        ),
        (
            PayableCommand::Pay(PaySupplier {
                payment: id(2),
                method: domain::finance::PaymentMethod::Cash,
                currency: usd,
                amount: UnitPrice::parse("a", dec("40")).unwrap(),
                rate: ExchangeRate::parse("r", dec("0.95")).unwrap(),
                allocations: None,
                reference: None,
            }),
            12,
        ),
        // The other 60 and an advance of 10 at 0.9…
        (
            PayableCommand::Pay(PaySupplier {
                payment: id(3),
                method: domain::finance::PaymentMethod::Cash,
                currency: usd,
                amount: UnitPrice::parse("a", dec("70")).unwrap(),
                rate: ExchangeRate::parse("r", dec("0.9")).unwrap(),
                allocations: None,
                reference: None,
            }),
            14,
        ),
        // …which pays 10 of the next invoice, 30 due on day 40.
        (
            PayableCommand::RecordInvoice(RecordSupplierInvoice {
                invoice: id(4),
                order: None,
                number: Label::parse("n", "F-2").unwrap(),
                currency: usd,
                amount: UnitPrice::parse("a", dec("30")).unwrap(),
                rate: ExchangeRate::parse("r", dec("1")).unwrap(),
                issued_on: day(20).date_naive(),
                due: day(40).date_naive(),
            }),
            20,
        ),
    ];
    for (command, at) in commands {
        for event in Payable::decide(&state, &Issued::new(id(0xA), day(at), command)).unwrap() {
            state = Payable::evolve(state, &event);
            feed.apply(&mut model, id(0x50), event.into(), day(at), None);
        }
    }
    let supplier: PartyId = id(0x50);
    let aged = |d: i64| model.payables().aged(day(d).date_naive());
    assert!(aged(4).is_empty(), "not issued yet");
    assert_eq!(aged(9)[&(supplier, usd)].not_due, dec("100"));
    assert_eq!(aged(11)[&(supplier, usd)].days_1_30, dec("100"));
    assert_eq!(aged(12)[&(supplier, usd)].days_1_30, dec("60"));
    let differences = model
        .payables()
        .differences(day(1).date_naive(), day(19).date_naive());
    assert_eq!(
        differences.len(),
        1,
        "none on day 14: at the invoice's rate"
    );
    // 40 × 0.9 = 36.00 against 40 × 0.95 = 38.00: a loss of 2.00.
    assert_eq!(differences[0].gain, dec("-2.00"));
    assert_eq!(differences[0].day, day(12).date_naive());
    assert!(aged(14).is_empty(), "paid off, 10 in advance");
    let advances = |d: i64| model.payables().advances(day(d).date_naive());
    assert!(advances(13).is_empty());
    assert_eq!(advances(14)[&(supplier, usd)], dec("10"));
    assert!(advances(20).is_empty(), "used up by F-2");
    // 10 of F-2 paid from the advance on the day it was recorded.
    assert_eq!(aged(20)[&(supplier, usd)].not_due, dec("20"));
    let later = model
        .payables()
        .differences(day(20).date_naive(), day(20).date_naive());
    // 10 at 1.00 = 10.00 against 10 at 0.9 = 9.00: a loss of 1.00.
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].gain, dec("1.00"));
}

/// Protects the buying figures of a past day: open orders, what they
/// still await and how many were late, as they stood at the end of that
/// day (business time), unchanged by what happened later.
#[test]
fn buying_figures_answer_for_any_past_day() {
    let mut buying = three_orders();
    let eur = Currency::parse("c", "EUR").unwrap();
    let usd = Currency::parse("c", "USD").unwrap();
    let on = |buying: &Buying, d: i64| buying.model.figures_on(day(d).date_naive(), None);
    assert_eq!(on(&buying, 0).open_orders, 0, "nothing sent yet");
    // Day 3: 100 awaits 10 × 2.50 + 4 × 10 = 65 EUR, 101 awaits 21 USD.
    let third = on(&buying, 3);
    assert_eq!(third.open_orders, 2);
    assert_eq!(third.open_value.get(&eur), Some(&dec("65")));
    assert_eq!(third.open_value.get(&usd), Some(&dec("21")));
    assert_eq!(third.late_orders, 0);
    // Day 6: 6 bolts arrived; 100 was expected on day 5, so it is late.
    let sixth = on(&buying, 6);
    assert_eq!(sixth.open_value.get(&eur), Some(&dec("50")));
    assert_eq!(sixth.late_orders, 1);
    buying.run(100, receive(901, None), 7);
    buying.run(
        101,
        PurchaseCommand::Cancel {
            reason: Label::parse("r", "late").unwrap(),
        },
        8,
    );
    assert_eq!(on(&buying, 6), sixth, "later events leave day 6 as it was");
    assert_eq!(on(&buying, 7).open_orders, 1, "101 until its cancellation");
    assert_eq!(on(&buying, 8).open_orders, 0);
}
