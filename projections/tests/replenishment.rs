#![allow(clippy::unwrap_used)]
//! Replenishment suggestions over the stock and purchases models fed with
//! events the real deciders decided: the rule's arithmetic on worked
//! examples, and that ordering what is suggested stops the suggestion.

use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::catalog::{ProductDefined, ProductEvent, ProductKind, Quantity, UnitPrice};
use domain::ids::{PartyId, ProductId, WarehouseId};
use domain::inventory::{Stock, StockCommand, StockState, WarehouseEvent, WarehouseOpened};
use domain::purchasing::{DraftPurchase, PurchaseCommand, PurchaseOrder, PurchaseOrderState};
use domain::sourcing::{Offer, Sourcing, SourcingCommand, SourcingState};
use domain::values::Currency;
use domain::{Decider, Issued};
use eventlog::Actor;
use projections::StreamIds;
use projections::feed::Feed;
use projections::models::purchases::Purchases;
use projections::models::stock::StockLevels;
use projections::replenishment::{ReplenishmentPolicy, suggest};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// Day `d` of March 2026, 10:00.
fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap() + Duration::days(d)
}

const BOLT: u128 = 1;
const MAIN: u128 = 10;
const SUPPLIER: u128 = 50;

/// The two models and the deciders' states side by side.
struct Shop {
    stock: StockLevels,
    purchases: Purchases,
    feed: Feed,
    line: StockState,
    sourcing: SourcingState,
    order: Option<PurchaseOrderState>,
}

impl Shop {
    /// A bolt in the main warehouse, 100 received on day 0.
    fn new() -> Self {
        let mut shop = Self {
            stock: StockLevels::default(),
            purchases: Purchases::default(),
            feed: Feed::new(Actor::system("test")),
            line: StockState::default(),
            sourcing: SourcingState::default(),
            order: None,
        };
        let defined = ProductEvent::Defined(ProductDefined {
            sku: "BOLT".into(),
            name: "Bolt".into(),
            unit: "pcs".into(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat_percent: dec("20"),
        });
        shop.feed
            .apply(&mut shop.stock, id(BOLT), defined.into(), day(0), None);
        let opened = WarehouseEvent::Opened(WarehouseOpened {
            name: "Main".into(),
            branch: None,
            allows_negative_stock: true,
        });
        shop.feed
            .apply(&mut shop.stock, id(MAIN), opened.into(), day(0), None);
        shop.stock_command(
            StockCommand::Receive {
                quantity: Quantity::parse("q", dec("100")).unwrap(),
                unit_cost: UnitPrice::parse("c", dec("1")).unwrap(),
                reference: None,
            },
            day(0),
        );
        shop
    }

    fn stock_command(&mut self, command: StockCommand, at: DateTime<Utc>) {
        let events = Stock::decide(&self.line, &Issued::new(id(0xA), at, command)).unwrap();
        for event in events {
            self.line = Stock::evolve(std::mem::take(&mut self.line), &event);
            let ids = StreamIds {
                first: Uuid::from_u128(BOLT),
                second: Some(Uuid::from_u128(MAIN)),
            };
            self.feed
                .apply_to(&mut self.stock, ids, event.into(), at, None);
        }
    }

    /// `units` issued on each of the `days` days before `today`.
    fn sell_daily(&mut self, units: &str, days: i64, today: i64) {
        for offset in 1..=days {
            self.stock_command(
                StockCommand::Issue {
                    quantity: Quantity::parse("q", dec(units)).unwrap(),
                    reservation: None,
                    reference: None,
                    negative_allowed: true,
                },
                day(today - offset),
            );
        }
    }

    fn sourcing_command(&mut self, command: SourcingCommand) {
        let events =
            Sourcing::decide(&self.sourcing, &Issued::new(id(0xA), day(0), command)).unwrap();
        for event in events {
            self.sourcing = Sourcing::evolve(std::mem::take(&mut self.sourcing), &event);
            self.feed
                .apply(&mut self.purchases, id(BOLT), event.into(), day(0), None);
        }
    }

    fn purchase_command(&mut self, command: PurchaseCommand, at: DateTime<Utc>) {
        let events =
            PurchaseOrder::decide(&self.order, &Issued::new(id(0xA), at, command)).unwrap();
        for event in events {
            self.order = PurchaseOrder::evolve(self.order.take(), &event);
            self.feed
                .apply(&mut self.purchases, id(0x90), event.into(), at, None);
        }
    }

    fn set_reorder_level(&mut self, level: &str) {
        self.stock_command(
            StockCommand::SetReorderLevel {
                level: Some(Quantity::parse_break("l", dec(level)).unwrap()),
            },
            day(0),
        );
    }
}

fn offer(lead_time_days: u16, minimum: Option<&str>, pack: Option<&str>) -> SourcingCommand {
    SourcingCommand::SetOffer(Offer {
        supplier: id(SUPPLIER),
        supplier_code: None,
        currency: Currency::parse("c", "EUR").unwrap(),
        price: UnitPrice::parse("p", dec("0.40")).unwrap(),
        minimum_quantity: minimum.map(|value| Quantity::parse("m", dec(value)).unwrap()),
        pack_size: pack.map(|value| Quantity::parse("k", dec(value)).unwrap()),
        lead_time_days,
    })
}

/// 3 a day over the 28-day window (84 of the 100 gone, 16 left), a
/// reorder level of 20, a 10-day lead time: the reorder point is
/// 20 + 3 × 10 = 50, above 16, so order up to 50 + 3 × 14 = 92: 76, in
/// packs of 25 (at least 50): 100.
#[test]
fn a_product_selling_below_its_reorder_point_is_suggested_in_whole_packs() {
    let mut shop = Shop::new();
    shop.set_reorder_level("20");
    shop.sell_daily("3", 28, 30);
    shop.sourcing_command(offer(10, Some("50"), Some("25")));
    let found = suggest(
        &shop.stock,
        &shop.purchases,
        day(30),
        ReplenishmentPolicy::default(),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let suggestion = &found[0];
    assert_eq!(suggestion.product, id::<ProductId>(BOLT));
    assert_eq!(suggestion.warehouse, id::<WarehouseId>(MAIN));
    assert_eq!(suggestion.supplier, Some(id::<PartyId>(SUPPLIER)));
    assert_eq!(suggestion.available, dec("16"));
    assert_eq!(suggestion.daily_rate, dec("3"));
    assert_eq!(suggestion.lead_time_days, 10);
    assert_eq!(suggestion.quantity, dec("100"));
    assert_eq!(suggestion.unit_price, Some(dec("0.40")));
}

/// Goods already on order count: 80 awaited on a sent order lift the
/// position to 96, above the reorder point of 50: nothing to suggest.
#[test]
fn goods_on_order_stop_a_suggestion() {
    let mut shop = Shop::new();
    shop.set_reorder_level("20");
    shop.sell_daily("3", 28, 30);
    shop.sourcing_command(offer(10, None, None));
    shop.purchase_command(
        PurchaseCommand::Draft(DraftPurchase {
            order: id(0x90),
            supplier: id(SUPPLIER),
            warehouse: id(MAIN),
            branch: None,
            currency: Currency::parse("c", "EUR").unwrap(),
            buyer: None,
            reference: None,
            expected_on: None,
        }),
        day(29),
    );
    shop.purchase_command(
        PurchaseCommand::AddLine {
            product: id(BOLT),
            quantity: Quantity::parse("q", dec("80")).unwrap(),
            unit_price: UnitPrice::parse("p", dec("0.4")).unwrap(),
        },
        day(29),
    );
    let draft_only = suggest(
        &shop.stock,
        &shop.purchases,
        day(30),
        ReplenishmentPolicy::default(),
    );
    assert_eq!(draft_only.len(), 1, "a draft is not on order yet");
    shop.purchase_command(PurchaseCommand::Send, day(29));
    let found = suggest(
        &shop.stock,
        &shop.purchases,
        day(30),
        ReplenishmentPolicy::default(),
    );
    assert!(found.is_empty(), "{found:?}");
}

/// Without any offer the default lead time (7 days) holds and no
/// supplier is named; sales older than the window do not count.
#[test]
fn without_an_offer_the_default_lead_time_holds() {
    let mut shop = Shop::new();
    shop.set_reorder_level("90");
    // 60 sold long ago (days 1–30 of a 100-day span): outside the window.
    shop.sell_daily("2", 30, 40);
    let found = suggest(
        &shop.stock,
        &shop.purchases,
        day(100),
        ReplenishmentPolicy::default(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].daily_rate, Decimal::ZERO);
    assert_eq!(found[0].lead_time_days, 7);
    assert_eq!(found[0].supplier, None);
    // Up to the level of 90 from the 40 left.
    assert_eq!(found[0].quantity, dec("50"));
}

/// Protects buying from making: a product the company makes (an active
/// bill) and no supplier offers is left to material requirements; one a
/// supplier offers too is still suggested, and so is anything consumed by
/// production, which counts as issued.
#[test]
fn made_products_are_left_to_material_requirements_unless_offered() {
    use domain::production::{BomEvent, BomVersionActivated, BomVersionDefined};
    use projections::models::production::Production;
    use projections::replenishment::leave_made;
    let mut shop = Shop::new();
    shop.set_reorder_level("90");
    shop.stock_command(
        StockCommand::Consume {
            production: id(0x70),
            completion: 1,
            quantity: Quantity::parse("q", dec("56")).unwrap(),
            reservation: None,
            negative_allowed: true,
        },
        day(95),
    );
    let mut production = Production::default();
    let mut feed = Feed::new(Actor::system("test"));
    for event in [
        BomEvent::VersionDefined(BomVersionDefined {
            product: id(BOLT),
            version: 1,
            components: Vec::new(),
            operations: Vec::new(),
            lead_days: 1,
            note: None,
        }),
        BomEvent::VersionActivated(BomVersionActivated { version: 1 }),
    ] {
        feed.apply(
            &mut production,
            Uuid::from_u128(BOLT),
            event.into(),
            day(0),
            None,
        );
    }
    let mut found = suggest(
        &shop.stock,
        &shop.purchases,
        day(100),
        ReplenishmentPolicy::default(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].daily_rate, dec("2"), "56 used in 28 days");
    leave_made(&mut found, &production);
    assert!(found.is_empty(), "made, and nobody sells it");
    shop.sourcing_command(offer(10, None, None));
    let mut found = suggest(
        &shop.stock,
        &shop.purchases,
        day(100),
        ReplenishmentPolicy::default(),
    );
    leave_made(&mut found, &production);
    assert_eq!(found.len(), 1, "made, but also offered");
}

proptest! {
    /// Protects the suggestion's purpose: ordering exactly what is
    /// suggested (sent to the supplier) leaves nothing to suggest.
    #[test]
    fn ordering_the_suggestion_satisfies_it(
        level in 0u32..200,
        daily in 0u32..12,
        lead in 1u16..40,
        minimum in prop::option::of(1u32..300),
        pack in prop::option::of(1u32..50),
    ) {
        let mut shop = Shop::new();
        shop.set_reorder_level(&level.to_string());
        shop.sell_daily(&daily.max(1).to_string(), 28, 30);
        let minimum = minimum.map(|value| value.to_string());
        let pack = pack.map(|value| value.to_string());
        shop.sourcing_command(offer(lead, minimum.as_deref(), pack.as_deref()));
        let found = suggest(&shop.stock, &shop.purchases, day(30), ReplenishmentPolicy::default());
        if let Some(suggestion) = found.first() {
            shop.purchase_command(
                PurchaseCommand::Draft(DraftPurchase {
                    order: id(0x90),
                    supplier: id(SUPPLIER),
                    warehouse: id(MAIN),
                    branch: None,
                    currency: Currency::parse("c", "EUR").unwrap(),
                    buyer: None,
                    reference: None,
                    expected_on: None,
                }),
                day(30),
            );
            shop.purchase_command(
                PurchaseCommand::AddLine {
                    product: id(BOLT),
                    quantity: Quantity::parse("q", suggestion.quantity).unwrap(),
                    unit_price: UnitPrice::parse("p", dec("0.4")).unwrap(),
                },
                day(30),
            );
            shop.purchase_command(PurchaseCommand::Send, day(30));
            let again = suggest(&shop.stock, &shop.purchases, day(30), ReplenishmentPolicy::default());
            prop_assert!(again.is_empty(), "{again:?}");
        }
    }
}
