//! `cargo xtask bench-purchasing`: replenishment suggestions over 50,000
//! products × 3 warehouses, and the purchases read model folding a
//! million purchase events.
//!
//! Generates a deterministic history in memory and feeds it through
//! `projections::feed::Feed` (no event log, so this measures the models
//! and the rule, not the log): every product defined, three warehouses,
//! each (product, warehouse) received into, given a reorder level and
//! issued from on a few of the last 40 days; two suppliers' offers per
//! product, one preferred; then purchase orders (drafted, five lines,
//! sent, most received) until the purchase events reach the count asked.
//! It times the purchases model's fold, then `replenishment::suggest`
//! over every line. Results go to `docs/benchmarks.md` by hand.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use domain::catalog::{ProductDefined, ProductEvent, ProductKind};
use domain::ids::{PartyId, ProductId, PurchaseOrderId, PurchaseReceiptId, WarehouseId};
use domain::inventory::{
    StockEvent, StockIssued, StockReceived, StockReorderLevelSet, WarehouseEvent, WarehouseOpened,
};
use domain::purchasing::{
    PurchaseEvent, PurchaseLineAdded, PurchaseOrderDrafted, PurchaseOrderSent, PurchaseReceived,
    ReceivedLine, SentLine, Spread,
};
use domain::sourcing::{PreferredSupplierSet, SourcingEvent, SupplierOfferSet};
use domain::values::Currency;
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::purchases::Purchases;
use projections::models::stock::StockLevels;
use projections::replenishment::{ReplenishmentPolicy, suggest};
use projections::{ReadModel, StreamIds};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::bench_crm::{Lcg, mib, resident_bytes};

#[derive(Debug)]
pub struct Settings {
    pub products: u64,
    pub warehouses: u64,
    pub purchase_events: u64,
    pub samples: usize,
}

const PRODUCT: u128 = 1;
const WAREHOUSE: u128 = 2;
const SUPPLIER: u128 = 3;
const ORDER: u128 = 4;
const SERIES: u128 = 5;

pub(crate) fn uuid(kind: u128, number: u64) -> Uuid {
    Uuid::from_u128((kind << 64) | u128::from(number))
}

pub(crate) fn one(id: Uuid) -> StreamIds {
    StreamIds {
        first: id,
        second: None,
    }
}

/// 2026-12-01 plus `days` (negative: before).
pub(crate) fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
        + chrono::Duration::days(days)
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let eur = Currency::parse("currency", "EUR")?;
    let mut random = Lcg(0x5EED);
    let mut feed = Feed::new(Actor::system("bench"));
    let mut stock = StockLevels::default();
    let mut purchases = Purchases::default();
    stock.defer_indexes();

    let started = Instant::now();
    let mut stock_events = 0u64;
    for product in 0..settings.products {
        let event = ProductEvent::Defined(ProductDefined {
            sku: format!("P-{product:06}"),
            name: format!("Product {product}"),
            unit: "pcs".into(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat_percent: Decimal::from(20),
        });
        feed.apply_to(
            &mut stock,
            one(uuid(PRODUCT, product)),
            event.into(),
            day(-60),
            None,
        );
    }
    for warehouse in 0..settings.warehouses {
        let event = WarehouseEvent::Opened(WarehouseOpened {
            name: format!("Warehouse {warehouse}"),
            branch: None,
            allows_negative_stock: false,
        });
        feed.apply_to(
            &mut stock,
            one(uuid(WAREHOUSE, warehouse)),
            event.into(),
            day(-60),
            None,
        );
    }
    for product in 0..settings.products {
        for warehouse in 0..settings.warehouses {
            let ids = StreamIds {
                first: uuid(PRODUCT, product),
                second: Some(uuid(WAREHOUSE, warehouse)),
            };
            let on_hand = Decimal::from(100 + random.next(200) as u64);
            let mut events = vec![
                StockEvent::Received(StockReceived {
                    quantity: on_hand,
                    unit_cost: Decimal::ONE,
                    average_cost: Decimal::ONE,
                    reference: None,
                }),
                StockEvent::ReorderLevelSet(StockReorderLevelSet {
                    level: Some(Decimal::from(40 + random.next(80) as u64)),
                }),
            ];
            let mut times = vec![day(-50), day(-50)];
            for _ in 0..random.next(6) {
                events.push(StockEvent::Issued(StockIssued {
                    quantity: Decimal::from(1 + random.next(12) as u64),
                    unit_cost: Decimal::ONE,
                    reservation: None,
                    reference: None,
                }));
                times.push(day(-(random.next(40) as i64)));
            }
            times.sort();
            for (event, at) in events.into_iter().zip(times) {
                feed.apply_to(&mut stock, ids, event.into(), at, None);
                stock_events += 1;
            }
        }
    }
    stock.restored();
    println!(
        "stock: {} lines, {stock_events} stock events fed in {:.1} s",
        settings.products * settings.warehouses,
        started.elapsed().as_secs_f64()
    );

    // Offers: two suppliers per product, the first preferred.
    let mut purchase_history: Vec<(Uuid, domain::CrmEvent, DateTime<Utc>)> = Vec::new();
    for product in 0..settings.products {
        let id = uuid(PRODUCT, product);
        for supplier in [product % 40, (product + 7) % 40] {
            let event = SourcingEvent::OfferSet(SupplierOfferSet {
                supplier: PartyId::from_uuid(uuid(SUPPLIER, supplier)),
                supplier_code: Some(format!("S{supplier}-{product}")),
                currency: eur,
                price: Decimal::new(50 + random.next(5_000) as i64, 2),
                minimum_quantity: Some(Decimal::from(20)),
                pack_size: Some(Decimal::from(10)),
                lead_time_days: 3 + random.next(20) as u16,
            });
            purchase_history.push((id, event.into(), day(-60)));
        }
        let event = SourcingEvent::PreferredSet(PreferredSupplierSet {
            supplier: Some(PartyId::from_uuid(uuid(SUPPLIER, product % 40))),
        });
        purchase_history.push((id, event.into(), day(-60)));
    }
    // Purchase orders until the purchase events reach the count asked.
    let mut order = 0u64;
    while (purchase_history.len() as u64) < settings.purchase_events {
        order += 1;
        let id = uuid(ORDER, order);
        let at = day(-(random.next(60) as i64));
        let warehouse = WarehouseId::from_uuid(uuid(WAREHOUSE, order % settings.warehouses));
        let supplier = PartyId::from_uuid(uuid(SUPPLIER, order % 40));
        purchase_history.push((
            id,
            PurchaseEvent::Drafted(PurchaseOrderDrafted {
                order: PurchaseOrderId::from_uuid(id),
                supplier,
                warehouse,
                branch: None,
                currency: eur,
                buyer: None,
                reference: None,
                expected_on: Some(at.date_naive()),
            })
            .into(),
            at,
        ));
        purchase_history.push((
            uuid(SERIES, 0),
            domain::finance::SeriesEvent::DocumentNumbered(domain::finance::DocumentNumbered {
                document: id,
                kind: domain::finance::DocumentKind::PurchaseOrder,
                branch: None,
                year: 2026,
                sequence: order,
                number: format!("PO-2026-{order:06}"),
            })
            .into(),
            at,
        ));
        let mut lines = Vec::new();
        for line in 1..=5u32 {
            let product = ProductId::from_uuid(uuid(
                PRODUCT,
                random.next(settings.products as usize) as u64,
            ));
            let quantity = Decimal::from(10 + random.next(90) as u64);
            let unit_price = Decimal::new(50 + random.next(5_000) as i64, 2);
            purchase_history.push((
                id,
                PurchaseEvent::LineAdded(PurchaseLineAdded {
                    line,
                    product,
                    quantity,
                    unit_price,
                })
                .into(),
                at,
            ));
            lines.push(SentLine {
                line,
                product,
                quantity,
                unit_price,
                amount: domain::sales::round_amount(quantity * unit_price),
            });
        }
        let total = lines.iter().map(|line| line.amount).sum();
        purchase_history.push((
            id,
            PurchaseEvent::Sent(PurchaseOrderSent {
                supplier,
                warehouse,
                currency: eur,
                lines: lines.clone(),
                total,
                expected_on: Some(at.date_naive()),
            })
            .into(),
            at,
        ));
        // Four orders in five arrive; the rest stay on order.
        if order % 5 != 0 {
            purchase_history.push((
                id,
                PurchaseEvent::Received(PurchaseReceived {
                    receipt: PurchaseReceiptId::from_uuid(uuid(ORDER, order + (1 << 40))),
                    supplier,
                    warehouse,
                    currency: eur,
                    rate: Decimal::ONE,
                    landed_costs: Vec::new(),
                    spread: Spread::ByValue,
                    lines: lines
                        .iter()
                        .map(|line| ReceivedLine {
                            line: line.line,
                            product: line.product,
                            quantity: line.quantity,
                            amount: line.amount,
                            value: line.amount,
                            landed: Decimal::ZERO,
                            unit_cost: line.unit_price,
                        })
                        .collect(),
                    complete: true,
                })
                .into(),
                at,
            ));
        }
    }
    let events = purchase_history.len();
    let before = resident_bytes();
    let started = Instant::now();
    for (aggregate, event, at) in purchase_history {
        feed.apply_to(&mut purchases, one(aggregate), event, at, None);
    }
    let fold = started.elapsed();
    println!(
        "purchases model: {events} events ({order} purchase orders) folded in {:.2} s: {:.0} events/s; resident +{:.0} MiB",
        fold.as_secs_f64(),
        events as f64 / fold.as_secs_f64(),
        mib(resident_bytes().saturating_sub(before))
    );

    let mut timings: Vec<Duration> = Vec::with_capacity(settings.samples);
    let mut found = 0;
    for _ in 0..settings.samples {
        let started = Instant::now();
        let suggestions = suggest(&stock, &purchases, day(0), ReplenishmentPolicy::default());
        timings.push(started.elapsed());
        found = suggestions.len();
    }
    timings.sort_unstable();
    println!(
        "replenishment over {} lines: {found} suggestions; {} runs, median {:.0} ms, max {:.0} ms",
        settings.products * settings.warehouses,
        settings.samples,
        timings[timings.len() / 2].as_secs_f64() * 1e3,
        timings.last().map_or(0.0, |max| max.as_secs_f64() * 1e3)
    );
    Ok(())
}
