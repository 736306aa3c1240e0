//! `cargo xtask bench-production`: material requirements for 1,000 open
//! sales orders over three levels of bills of 5,000 products, and the
//! production read model folding a million production events.
//!
//! Generates a deterministic history in memory and feeds it through
//! `projections::feed::Feed` (no event log, so this measures the models
//! and the planning, not the log). The catalogue: a tenth of the products
//! are sold and made of three sub-assemblies and two parts; a fifth are
//! first-level sub-assemblies of two second-level ones and two parts;
//! three tenths are second-level sub-assemblies of three parts; the rest
//! (two fifths) are bought parts, each offered by a supplier. Every
//! product has some stock in one of three warehouses; open production
//! orders cover some sub-assemblies; the sales orders ask for five sold
//! products each. Then production orders (planned, released, completed in
//! two parts with each component's consumption told back and the output
//! costed, finished) until the production events reach the count asked.
//! Results go to `docs/benchmarks.md` by hand.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::ids::{OrderId, PartyId, ProductId, ProductionOrderId, ReservationId, WarehouseId};
use domain::inventory::{StockEvent, StockReceived};
use domain::production::{
    BomComponent, BomEvent, BomVersionActivated, BomVersionDefined, ComponentConsumed,
    ComponentReservation, PlannedComponent, ProductionCompleted, ProductionEvent,
    ProductionOrderFinished, ProductionOrderPlanned, ProductionOrderReleased,
    ProductionOutputCosted,
};
use domain::sales::{Amounts, ConfirmedLine, OrderConfirmed, OrderEvent};
use domain::sourcing::{SourcingEvent, SupplierOfferSet};
use domain::values::Currency;
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::production::Production;
use projections::models::purchases::Purchases;
use projections::models::stock::StockLevels;
use projections::requirements::{Selection, plan};
use projections::{ReadModel, StreamIds};
use rust_decimal::Decimal;

use crate::bench_crm::{Lcg, mib, resident_bytes};
use crate::bench_purchasing::{day, one, uuid};

#[derive(Debug)]
pub struct Settings {
    pub products: u64,
    pub sales_orders: u64,
    pub production_events: u64,
    pub samples: usize,
}

const PRODUCT: u128 = 1;
const WAREHOUSE: u128 = 2;
const SUPPLIER: u128 = 3;
const ORDER: u128 = 4;
const PRODUCTION: u128 = 5;
const WAREHOUSES: u64 = 3;

fn product(number: u64) -> ProductId {
    ProductId::from_uuid(uuid(PRODUCT, number))
}

/// The catalogue's layers: sold, first-level, second-level, parts.
struct Layers {
    sold: std::ops::Range<u64>,
    first: std::ops::Range<u64>,
    second: std::ops::Range<u64>,
    parts: std::ops::Range<u64>,
}

impl Layers {
    fn of(products: u64) -> Self {
        let sold = products / 10;
        let first = sold + products / 5;
        let second = first + products * 3 / 10;
        Self {
            sold: 0..sold,
            first: sold..first,
            second: first..second,
            parts: second..products,
        }
    }
}

fn pick(random: &mut Lcg, range: &std::ops::Range<u64>) -> u64 {
    range.start + random.next((range.end - range.start).max(1) as usize) as u64
}

/// `count` distinct products of `range`, each `quantity` per unit.
fn components(
    random: &mut Lcg,
    range: &std::ops::Range<u64>,
    count: usize,
    quantity: i64,
) -> Vec<BomComponent> {
    let mut chosen: Vec<u64> = Vec::with_capacity(count);
    while chosen.len() < count {
        let number = pick(random, range);
        if !chosen.contains(&number) {
            chosen.push(number);
        }
    }
    chosen
        .into_iter()
        .map(|number| BomComponent {
            product: product(number),
            quantity: Decimal::from(quantity),
            scrap_percent: Decimal::from(random.next(4) as u64),
        })
        .collect()
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let eur = Currency::parse("currency", "EUR")?;
    let mut random = Lcg(0xB0B);
    let layers = Layers::of(settings.products);
    let mut feeds = (
        Feed::new(Actor::system("bench")),
        Feed::new(Actor::system("bench")),
        Feed::new(Actor::system("bench")),
    );
    let mut stock = StockLevels::default();
    let mut purchases = Purchases::default();
    let mut production = Production::default();
    stock.defer_indexes();

    // Bills of the three made layers.
    let mut bills: Vec<(u64, Vec<BomComponent>)> = Vec::new();
    for number in layers.sold.clone() {
        let mut parts = components(&mut random, &layers.first, 3, 1);
        parts.extend(components(&mut random, &layers.parts, 2, 2));
        bills.push((number, parts));
    }
    for number in layers.first.clone() {
        let mut parts = components(&mut random, &layers.second, 2, 1);
        parts.extend(components(&mut random, &layers.parts, 2, 3));
        bills.push((number, parts));
    }
    for number in layers.second.clone() {
        bills.push((number, components(&mut random, &layers.parts, 3, 2)));
    }
    for (number, parts) in &bills {
        let id = uuid(PRODUCT, *number);
        let defined = BomEvent::VersionDefined(BomVersionDefined {
            product: product(*number),
            version: 1,
            components: parts.clone(),
            operations: Vec::new(),
            lead_days: 1 + random.next(3) as u32,
            note: None,
        });
        feeds
            .0
            .apply_to(&mut production, one(id), defined.into(), day(-90), None);
        let active = BomEvent::VersionActivated(BomVersionActivated { version: 1 });
        feeds
            .0
            .apply_to(&mut production, one(id), active.into(), day(-90), None);
    }
    // Some stock of every product, in one warehouse.
    for number in 0..settings.products {
        let ids = StreamIds {
            first: uuid(PRODUCT, number),
            second: Some(uuid(WAREHOUSE, number % WAREHOUSES)),
        };
        let received = StockEvent::Received(StockReceived {
            quantity: Decimal::from(random.next(40) as u64 + 1),
            unit_cost: Decimal::ONE,
            average_cost: Decimal::ONE,
            reference: None,
        });
        feeds
            .1
            .apply_to(&mut stock, ids, received.into(), day(-60), None);
    }
    stock.restored();
    // A supplier's offer for every part.
    for number in layers.parts.clone() {
        let offer = SourcingEvent::OfferSet(SupplierOfferSet {
            supplier: PartyId::from_uuid(uuid(SUPPLIER, number % 40)),
            supplier_code: None,
            currency: eur,
            price: Decimal::new(50 + random.next(5_000) as i64, 2),
            minimum_quantity: None,
            pack_size: None,
            lead_time_days: 3 + random.next(20) as u16,
        });
        feeds.2.apply_to(
            &mut purchases,
            one(uuid(PRODUCT, number)),
            offer.into(),
            day(-60),
            None,
        );
    }
    // The open sales orders, five sold products each, in all warehouses.
    for order in 0..settings.sales_orders {
        let order_id = OrderId::from_uuid(uuid(ORDER, order));
        let lines = (1..=5u32)
            .map(|line| ConfirmedLine {
                line,
                product: product(pick(&mut random, &layers.sold)),
                quantity: Decimal::from(1 + random.next(20) as u64),
                list_price: Decimal::TEN,
                unit_price: Decimal::TEN,
                discount_percent: None,
                vat_percent: Decimal::from(20),
                amounts: Amounts {
                    net: Decimal::TEN,
                    vat: Decimal::TWO,
                    gross: Decimal::from(12),
                },
                reservation: Some(ReservationId::for_order_line(order_id, line)),
            })
            .collect();
        let confirmed = OrderEvent::Confirmed(OrderConfirmed {
            party: PartyId::from_uuid(uuid(SUPPLIER, 1_000)),
            deal: None,
            warehouse: WarehouseId::from_uuid(uuid(WAREHOUSE, order % WAREHOUSES)),
            currency: eur,
            prices_include_vat: false,
            lines,
            total: Amounts {
                net: Decimal::TEN,
                vat: Decimal::TWO,
                gross: Decimal::from(12),
            },
        });
        let at = day(-(random.next(10) as i64));
        feeds.0.apply_to(
            &mut production,
            one(order_id.as_uuid()),
            confirmed.into(),
            at,
            None,
        );
    }

    // Production orders until the production events reach the count
    // asked; one in ten is left open (planned) to be netted against.
    let bom_events = bills.len() as u64 * 2;
    let mut events = 0u64;
    let mut orders = 0u64;
    let before = resident_bytes();
    let mut fold = Duration::ZERO;
    while events < settings.production_events {
        orders += 1;
        let (made, parts) = &bills[random.next(bills.len())];
        let order = ProductionOrderId::from_uuid(uuid(PRODUCTION, orders));
        let warehouse = WarehouseId::from_uuid(uuid(WAREHOUSE, orders % WAREHOUSES));
        let quantity = Decimal::from(2 + random.next(20) as u64);
        let planned: Vec<PlannedComponent> = parts
            .iter()
            .enumerate()
            .map(|(index, component)| PlannedComponent {
                component: component.clone(),
                required: component.needed_for(quantity),
                reservation: ReservationId::for_production_component(order, index as u32),
            })
            .collect();
        let at = day(-(random.next(60) as i64));
        let mut history: Vec<ProductionEvent> =
            vec![ProductionEvent::Planned(ProductionOrderPlanned {
                order,
                product: product(*made),
                bom_version: 1,
                warehouse,
                branch: None,
                quantity,
                due_on: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap_or_default(),
                components: planned.clone(),
                operations_cost: Decimal::ONE,
            })];
        if orders % 10 != 0 {
            history.push(ProductionEvent::Released(ProductionOrderReleased {
                warehouse,
                reservations: planned
                    .iter()
                    .map(|planned| ComponentReservation {
                        product: planned.component.product,
                        reservation: planned.reservation,
                        quantity: planned.required,
                    })
                    .collect(),
            }));
            let half = (quantity / Decimal::TWO).floor();
            for (completion, units) in [(1u32, half), (2, quantity - half)] {
                let consumed: Vec<ComponentReservation> = planned
                    .iter()
                    .map(|planned| ComponentReservation {
                        product: planned.component.product,
                        reservation: planned.reservation,
                        quantity: planned.component.needed_for(units),
                    })
                    .collect();
                history.push(ProductionEvent::Completed(ProductionCompleted {
                    completion,
                    product: product(*made),
                    warehouse,
                    quantity: units,
                    consumed: consumed.clone(),
                }));
                let mut cost = Decimal::ZERO;
                for used in consumed {
                    cost += used.quantity;
                    history.push(ProductionEvent::ComponentConsumed(ComponentConsumed {
                        completion,
                        product: used.product,
                        quantity: used.quantity,
                        unit_cost: Decimal::ONE,
                    }));
                }
                history.push(ProductionEvent::OutputCosted(ProductionOutputCosted {
                    completion,
                    product: product(*made),
                    warehouse,
                    quantity: units,
                    components_cost: cost,
                    operations_cost: units,
                    unit_cost: domain::values::round_unit((cost + units) / units),
                }));
            }
            history.push(ProductionEvent::Finished(ProductionOrderFinished {
                warehouse,
                released: Vec::new(),
            }));
        }
        events += history.len() as u64;
        let started = Instant::now();
        for event in history {
            feeds.0.apply_to(
                &mut production,
                one(order.as_uuid()),
                event.into(),
                at,
                None,
            );
        }
        fold += started.elapsed();
    }
    println!(
        "production model: {events} production events ({orders} orders) folded in {:.2} s: {:.0} events/s; resident +{:.0} MiB (with {bom_events} bill events)",
        fold.as_secs_f64(),
        events as f64 / fold.as_secs_f64(),
        mib(resident_bytes().saturating_sub(before))
    );

    let mut timings: Vec<Duration> = Vec::with_capacity(settings.samples);
    let mut lines = 0;
    let today = day(0).date_naive();
    for _ in 0..settings.samples {
        let started = Instant::now();
        let planned = plan(&production, &stock, &purchases, &Selection::AllOpen, today);
        timings.push(started.elapsed());
        lines = planned.len();
    }
    timings.sort_unstable();
    println!(
        "material requirements for {} sales orders over {} products ({} bills, 3 levels): {lines} lines; {} runs, median {:.0} ms, max {:.0} ms",
        settings.sales_orders,
        settings.products,
        bills.len(),
        settings.samples,
        timings[timings.len() / 2].as_secs_f64() * 1e3,
        timings.last().map_or(0.0, |max| max.as_secs_f64() * 1e3)
    );
    Ok(())
}
