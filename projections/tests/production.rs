#![allow(clippy::unwrap_used)]
//! The production model and material requirements over events the real
//! deciders decided (bills, production orders, stock), beside a sales
//! order confirmed and a supplier's offer: units produced per business
//! day and branch, open and late orders on a past day, and a plan through
//! three levels of bills netted against stock, reservations and open
//! orders.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::events::CrmEvent;
use domain::ids::{BranchId, OrderId, PartyId, ProductionOrderId, ReservationId};
use domain::inventory::{Stock, StockCommand, StockState};
use domain::production::{
    Bom, BomCommand, BomComponent, DefineBom, NewComponent, PlanProduction, ProductionCommand,
    ProductionOrder, ProductionOrderState, ScrapPercent,
};
use domain::sales::{Amounts, ConfirmedLine, OrderConfirmed, OrderEvent};
use domain::sourcing::{SourcingEvent, SupplierOfferSet};
use domain::values::Currency;
use domain::{Decider, Issued};
use eventlog::Actor;
use projections::StreamIds;
use projections::feed::Feed;
use projections::models::production::Production;
use projections::models::purchases::Purchases;
use projections::models::stock::StockLevels;
use projections::requirements::{Action, Selection, plan};
use rust_decimal::Decimal;
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

/// Day `d` of March 2026, 10:00.
fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap() + Duration::days(d)
}

fn date(d: i64) -> NaiveDate {
    day(d).date_naive()
}

const TABLE: u128 = 1;
const FRAME: u128 = 2;
const LEG: u128 = 3;
const TOP: u128 = 4;
const MAIN: u128 = 10;
const SUPPLIER: u128 = 50;
const SALE: u128 = 60;

/// The three models fed the same events, with the deciders' states of
/// the stock and production orders beside them.
struct Works {
    production: Production,
    stock: StockLevels,
    purchases: Purchases,
    feeds: [Feed; 3],
    lines: std::collections::HashMap<u128, StockState>,
    orders: std::collections::HashMap<u128, Option<ProductionOrderState>>,
}

impl Works {
    fn new() -> Self {
        Self {
            production: Production::default(),
            stock: StockLevels::default(),
            purchases: Purchases::default(),
            feeds: [
                Feed::new(Actor::system("test")),
                Feed::new(Actor::system("test")),
                Feed::new(Actor::system("test")),
            ],
            lines: Default::default(),
            orders: Default::default(),
        }
    }

    fn push(&mut self, ids: StreamIds, event: CrmEvent, at: DateTime<Utc>) {
        let [production, stock, purchases] = &mut self.feeds;
        production.apply_to(&mut self.production, ids, event.clone(), at, None);
        stock.apply_to(&mut self.stock, ids, event.clone(), at, None);
        purchases.apply_to(&mut self.purchases, ids, event, at, None);
    }

    fn one(aggregate: u128) -> StreamIds {
        StreamIds {
            first: Uuid::from_u128(aggregate),
            second: None,
        }
    }

    fn stock(&mut self, product: u128, command: StockCommand, at: DateTime<Utc>) {
        let line = self.lines.remove(&product).unwrap_or_default();
        let events = Stock::decide(&line, &Issued::new(id(0xA), at, command)).unwrap();
        let line = events.iter().fold(line, Stock::evolve);
        self.lines.insert(product, line);
        let ids = StreamIds {
            first: Uuid::from_u128(product),
            second: Some(Uuid::from_u128(MAIN)),
        };
        for event in events {
            self.push(ids, event.into(), at);
        }
    }

    fn bom(&mut self, product: u128, components: &[(u128, &str, &str)], lead_days: u32) {
        let command = BomCommand::Define(DefineBom {
            product: id(product),
            components: components
                .iter()
                .map(|(component, per_unit, scrap)| NewComponent {
                    product: id(*component),
                    quantity: quantity(per_unit),
                    scrap_percent: ScrapPercent::parse("scrap", dec(scrap)).unwrap(),
                })
                .collect(),
            operations: Vec::new(),
            lead_days,
            note: None,
        });
        let events = Bom::decide(&None, &Issued::new(id(0xA), day(0), command)).unwrap();
        for event in events {
            self.push(Self::one(product), event.into(), day(0));
        }
    }

    /// Runs `command` on production order `order`, and what the processes
    /// make of it on the stock (reserve, consume, receive, release).
    fn produce(&mut self, order: u128, command: ProductionCommand, at: DateTime<Utc>) {
        let state = self.orders.remove(&order).flatten();
        let events = ProductionOrder::decide(&state, &Issued::new(id(0xA), at, command)).unwrap();
        let state = events.iter().fold(state, ProductionOrder::evolve);
        self.orders.insert(order, state);
        for event in events {
            self.push(Self::one(order), event.clone().into(), at);
            let reactions = domain::process::reactions(
                Uuid::from_u128(0xC0),
                Uuid::from_u128(order),
                at,
                &event.into(),
            );
            for caused in reactions {
                match caused.reaction {
                    domain::process::Reaction::Stock {
                        product, command, ..
                    } => {
                        let product = product.as_uuid().as_u128();
                        let before = self.lines.get(&product).cloned().unwrap_or_default();
                        let decided =
                            Stock::decide(&before, &Issued::new(id(0xA), at, command)).unwrap();
                        self.lines.remove(&product);
                        self.lines.insert(product, before);
                        for stock_event in decided {
                            let line = self.lines.remove(&product).unwrap_or_default();
                            self.lines
                                .insert(product, Stock::evolve(line, &stock_event));
                            let ids = StreamIds {
                                first: Uuid::from_u128(product),
                                second: Some(Uuid::from_u128(MAIN)),
                            };
                            self.push(ids, stock_event.clone().into(), at);
                            // A consumption is told back to its order.
                            if let domain::inventory::StockEvent::Consumed(consumed) = &stock_event
                            {
                                self.produce(
                                    order,
                                    ProductionCommand::RecordConsumption {
                                        completion: consumed.completion,
                                        product: id(product),
                                        quantity: consumed.quantity,
                                        unit_cost: consumed.unit_cost,
                                    },
                                    at,
                                );
                            }
                        }
                    }
                    // The number the series would give: the first of its
                    // year, as this history plans one order per series.
                    domain::process::Reaction::Number {
                        series,
                        document,
                        kind,
                        branch,
                        year,
                    } => {
                        let numbered = domain::finance::SeriesEvent::DocumentNumbered(
                            domain::finance::DocumentNumbered {
                                document,
                                kind,
                                branch,
                                year,
                                sequence: 1,
                                number: format!("MO-{year}-{:06}", order & 0xFF),
                            },
                        );
                        self.push(Self::one(series.as_uuid().as_u128()), numbered.into(), at);
                    }
                    other => panic!("unexpected reaction {other:?}"),
                }
            }
        }
    }

    fn plan_order(&mut self, order: u128, product: u128, units: &str, due: i64, at: i64) {
        let bom = self.production.bom(id(product)).unwrap();
        let (version, active) = bom.active_version().unwrap();
        let components: Vec<BomComponent> = active.components.clone();
        self.produce(
            order,
            ProductionCommand::Plan(PlanProduction {
                order: id::<ProductionOrderId>(order),
                product: id(product),
                bom_version: version,
                warehouse: id(MAIN),
                branch: Some(id::<BranchId>(0xB1)),
                quantity: quantity(units),
                due_on: date(due),
                components,
                operations: Vec::new(),
            }),
            day(at),
        );
    }

    fn receive(&mut self, product: u128, units: &str, cost: &str, at: i64) {
        self.stock(
            product,
            StockCommand::Receive {
                quantity: quantity(units),
                unit_cost: UnitPrice::parse("cost", dec(cost)).unwrap(),
                reference: None,
            },
            day(at),
        );
    }

    /// A confirmed sales order for `units` of `product`, its line's
    /// reservation holding what was free.
    fn sell(&mut self, order: u128, product: u128, units: &str, at: i64) {
        let reservation = ReservationId::for_order_line(id::<OrderId>(order), 1);
        let confirmed = OrderEvent::Confirmed(OrderConfirmed {
            party: id::<PartyId>(0xCC),
            deal: None,
            warehouse: id(MAIN),
            currency: Currency::parse("currency", "EUR").unwrap(),
            prices_include_vat: false,
            lines: vec![ConfirmedLine {
                line: 1,
                product: id(product),
                quantity: dec(units),
                list_price: dec("100"),
                unit_price: dec("100"),
                discount_percent: None,
                vat_percent: dec("20"),
                amounts: Amounts {
                    net: dec("100"),
                    vat: dec("20"),
                    gross: dec("120"),
                },
                reservation: Some(reservation),
            }],
            total: Amounts {
                net: dec("100"),
                vat: dec("20"),
                gross: dec("120"),
            },
        });
        self.push(Self::one(order), confirmed.into(), day(at));
        self.stock(
            product,
            StockCommand::ReserveAvailable {
                reservation,
                quantity: quantity(units),
                negative_allowed: false,
            },
            day(at),
        );
    }
}

/// Tables of a frame and a top (5 % scrap); frames of four legs. Legs
/// come from a supplier in 5 days; tops have no supplier.
fn works() -> Works {
    let mut works = Works::new();
    works.bom(FRAME, &[(LEG, "4", "0")], 1);
    works.bom(TABLE, &[(FRAME, "1", "0"), (TOP, "1", "5")], 2);
    let offer = SourcingEvent::OfferSet(SupplierOfferSet {
        supplier: id(SUPPLIER),
        supplier_code: None,
        currency: Currency::parse("currency", "EUR").unwrap(),
        price: dec("2"),
        minimum_quantity: None,
        pack_size: None,
        lead_time_days: 5,
    });
    works.push(Works::one(LEG), offer.into(), day(0));
    works
}

/// Protects the director's "units produced": a completion counts on its
/// business day and in its order's branch; an order is open (and late)
/// on the past days it was, not as it stands now.
#[test]
fn units_produced_count_on_their_day_and_orders_are_open_as_they_were() {
    let mut works = works();
    works.receive(LEG, "100", "2.5", 0);
    works.plan_order(0x70, FRAME, "10", 3, 1);
    works.produce(0x70, ProductionCommand::Release, day(1));
    works.produce(
        0x70,
        ProductionCommand::Complete {
            quantity: quantity("4"),
            finish: false,
        },
        day(2),
    );
    works.produce(
        0x70,
        ProductionCommand::Complete {
            quantity: quantity("6"),
            finish: false,
        },
        day(5),
    );
    let branch = Some(Some(id::<BranchId>(0xB1)));
    let on = |works: &Works, from, to, branch| {
        works.production.figures_over(date(from), date(to), branch)
    };
    assert_eq!(on(&works, 2, 2, None).produced, dec("4"));
    assert_eq!(on(&works, 2, 5, branch).produced, dec("10"));
    assert_eq!(on(&works, 3, 4, None).produced, Decimal::ZERO);
    assert_eq!(
        on(&works, 2, 2, Some(None)).produced,
        Decimal::ZERO,
        "made in a branch, not in none"
    );
    // Open from its planning until its last completion; late after its
    // due day while open.
    assert_eq!(on(&works, 0, 0, None).open_orders, 0);
    assert_eq!(on(&works, 2, 2, None).open_orders, 1);
    let day_four = on(&works, 4, 4, None);
    assert_eq!((day_four.open_orders, day_four.late_orders), (1, 1));
    assert_eq!(on(&works, 5, 5, None).open_orders, 0);
    // Each completion's cost, once every component was consumed.
    let row = works.production.get(id(0x70)).unwrap();
    assert_eq!(row.number.as_deref(), Some("MO-2026-000112"), "numbered");
    assert_eq!(row.completions.len(), 2);
    assert!(
        row.completions
            .iter()
            .all(|completion| completion.unit_cost == Some(dec("10")))
    );
    assert_eq!(works.stock.available(id(FRAME), id(MAIN)), dec("10"));
    assert_eq!(works.stock.available(id(LEG), id(MAIN)), dec("60"));
}

/// Protects material requirements: a sales order for 10 tables, 2 of
/// which are in stock and reserved for it, asks for 8 tables, 8 frames,
/// 8.4 tops (scrap) and 32 legs, of which 10 are free and 6 more are in
/// an open production order's reach; each is made or bought by the day
/// its parent starts.
#[test]
fn requirements_explode_every_level_netted_against_what_is_there() {
    let mut works = works();
    works.receive(TABLE, "2", "50", 0);
    works.receive(LEG, "10", "2.5", 0);
    works.sell(SALE, TABLE, "10", 1);
    assert_eq!(
        works.stock.held_by(
            id(TABLE),
            id(MAIN),
            ReservationId::for_order_line(id(SALE), 1)
        ),
        dec("2")
    );
    let today = date(1);
    let planned = plan(
        &works.production,
        &works.stock,
        &works.purchases,
        &Selection::AllOpen,
        today,
    );
    let line = |product: u128| {
        planned
            .iter()
            .find(|line| line.product == id(product))
            .unwrap_or_else(|| panic!("{product} planned: {planned:?}"))
    };
    let tables = line(TABLE);
    assert_eq!(
        (tables.level, tables.net, tables.action),
        (0, dec("8"), Action::Produce)
    );
    assert_eq!((tables.need_on, tables.start_by), (today, date(-1)));
    assert!(tables.late, "the customer waits already");
    let frames = line(FRAME);
    assert_eq!((frames.level, frames.net), (1, dec("8")));
    assert_eq!(frames.start_by, date(-2), "a day before the tables start");
    let tops = line(TOP);
    assert_eq!(
        (tops.net, tops.action),
        (dec("8.4"), Action::Buy { supplier: None })
    );
    let legs = line(LEG);
    assert_eq!(legs.level, 2);
    assert_eq!(
        (legs.gross, legs.available, legs.net),
        (dec("32"), dec("10"), dec("22"))
    );
    assert_eq!(
        legs.action,
        Action::Buy {
            supplier: Some(id(SUPPLIER))
        }
    );
    assert_eq!(legs.start_by, date(-7), "five days before the frames start");
    assert_eq!(planned.len(), 4);

    // Another order only: nothing to plan for.
    let other = Selection::Orders(BTreeSet::from([id::<OrderId>(0x99)]));
    assert!(
        plan(
            &works.production,
            &works.stock,
            &works.purchases,
            &other,
            today
        )
        .is_empty()
    );

    // 8 tables in production cover the sale; their components (no frame
    // is in stock to reserve) are now the open production order's
    // demand, needed on its due day.
    works.plan_order(0x71, TABLE, "8", 4, 1);
    works.produce(0x71, ProductionCommand::Release, day(1));
    let planned = plan(
        &works.production,
        &works.stock,
        &works.purchases,
        &Selection::AllOpen,
        today,
    );
    assert!(
        planned.iter().all(|line| line.product != id(TABLE)),
        "{planned:?}"
    );
    let frames = planned
        .iter()
        .find(|line| line.product == id(FRAME))
        .unwrap();
    assert_eq!((frames.gross, frames.net), (dec("8"), dec("8")));
    assert_eq!(frames.need_on, date(4), "the production order's due day");
    let legs = planned.iter().find(|line| line.product == id(LEG)).unwrap();
    assert_eq!(legs.net, dec("22"));
}
