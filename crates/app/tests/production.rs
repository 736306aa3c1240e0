#![allow(clippy::unwrap_used)]
//! The production use cases of `app`, driven without HTTP at a fixed time
//! over a real log and the process managers: a bill of materials with a
//! sub-assembly, a production order planned from it, released (its
//! components reserved), completed in two parts (components consumed at
//! their average cost, the output received at the rolled-up cost), and the
//! refusals that come before anything is written (a cycle of bills, a
//! short component, a product without a bill, a warehouse out of reach).

use std::str::FromStr;

mod common;

use app::App;
use app::access::Caller;
use app::process::{ProcessManager, ProcessSettings, stock_stream};
use app::production::NewProduction;
use chrono::NaiveDate;
use common::{fixed_app, head, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, Product, ProductCommand, ProductKind, Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{BranchId, ProductId, ProductionOrderId, UserId, WarehouseId};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::production::{
    Bom, DefineBom, NewComponent, NewOperation, ProductionCommand, ProductionOrder,
    ProductionStatus, ScrapPercent,
};
use domain::values::Label;
use domain::{Decider, Issued};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// A workshop: tables are made of a frame (itself made of 4 legs) and a
/// top (5 % scrap), at 20 minutes of assembly at 30 an hour; legs at 2.50
/// and tops at 30 are in stock in the north branch's warehouse.
struct Workshop {
    _directory: tempfile::TempDir,
    app: App,
    manager: Caller,
    table: ProductId,
    frame: ProductId,
    leg: ProductId,
    top: ProductId,
    warehouse: WarehouseId,
}

impl Workshop {
    async fn given<D, C>(&self, id: impl std::fmt::Display, command: C)
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, UserId::from_uuid(Uuid::nil()), id, command).await;
    }

    fn stock(&self, product: ProductId) -> domain::inventory::StockState {
        self.app
            .commands
            .load::<Stock>(&stock_stream(product, self.warehouse).unwrap())
            .unwrap()
            .0
    }

    fn order(&self, order: ProductionOrderId) -> domain::production::ProductionOrderState {
        self.app.load::<ProductionOrder>(order).unwrap().0.unwrap()
    }

    async fn processes(&self) {
        let processes =
            ProcessManager::open(self.app.commands.clone(), ProcessSettings::default(), None)
                .unwrap();
        processes.catch_up().await.unwrap();
        let failures = processes.failures();
        assert!(failures.is_empty(), "{failures:?}");
    }

    fn component(product: ProductId, per_unit: &str, scrap: &str) -> NewComponent {
        NewComponent {
            product,
            quantity: quantity(per_unit),
            scrap_percent: ScrapPercent::parse("scrap", dec(scrap)).unwrap(),
        }
    }

    fn table_bill(&self) -> DefineBom {
        DefineBom {
            product: self.table,
            components: vec![
                Self::component(self.frame, "1", "0"),
                Self::component(self.top, "1", "5"),
            ],
            operations: vec![NewOperation {
                name: label("Assemble"),
                work_centre: label("Bench 1"),
                minutes: quantity("20"),
                hourly_rate: UnitPrice::parse("rate", dec("30")).unwrap(),
            }],
            lead_days: 2,
            note: None,
        }
    }

    fn frame_bill(&self) -> DefineBom {
        DefineBom {
            product: self.frame,
            components: vec![Self::component(self.leg, "4", "0")],
            operations: Vec::new(),
            lead_days: 1,
            note: None,
        }
    }

    fn new_order(&self, product: ProductId, units: &str) -> NewProduction {
        NewProduction {
            product,
            warehouse: self.warehouse,
            quantity: quantity(units),
            due_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            branch: None,
        }
    }
}

async fn workshop() -> Workshop {
    let directory = tempfile::tempdir().unwrap();
    let app = fixed_app(directory.path());
    let shop = Workshop {
        _directory: directory,
        app,
        manager: common::caller(
            UserId::from_uuid(Uuid::now_v7()),
            Role::ProductionManager,
            None,
        ),
        table: ProductId::from_uuid(Uuid::now_v7()),
        frame: ProductId::from_uuid(Uuid::now_v7()),
        leg: ProductId::from_uuid(Uuid::now_v7()),
        top: ProductId::from_uuid(Uuid::now_v7()),
        warehouse: WarehouseId::from_uuid(Uuid::now_v7()),
    };
    for (product, sku) in [
        (shop.table, "TABLE"),
        (shop.frame, "FRAME"),
        (shop.leg, "LEG"),
        (shop.top, "TOP"),
    ] {
        shop.given::<Product, _>(
            product,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", sku).unwrap(),
                name: label(sku),
                unit: Unit::parse("unit", "pcs").unwrap(),
                category: None,
                barcode: None,
                kind: ProductKind::StockTracked,
                vat: VatRate::parse("vat", dec("20")).unwrap(),
            }),
        )
        .await;
    }
    shop.given::<Warehouse, _>(
        shop.warehouse,
        WarehouseCommand::Open {
            name: label("North"),
            branch: Some(BranchId::from_uuid(Uuid::now_v7())),
            allows_negative_stock: false,
        },
    )
    .await;
    for (product, units, cost) in [(shop.leg, "100", "2.5"), (shop.top, "20", "30")] {
        shop.given::<Stock, _>(
            format!("{product}-{}", shop.warehouse),
            StockCommand::Receive {
                quantity: quantity(units),
                unit_cost: UnitPrice::parse("cost", dec(cost)).unwrap(),
                reference: None,
            },
        )
        .await;
    }
    shop
}

/// Protects the rolled-up cost: frames made of legs, then tables of
/// frames and tops, each completion consuming its components at their
/// average cost and bringing its output in at components plus operations.
#[tokio::test]
async fn sub_assemblies_and_products_are_made_at_their_rolled_up_cost() {
    let shop = workshop().await;
    let production = shop.app.production();
    production
        .define_bom(&shop.manager, run(), shop.frame_bill())
        .await
        .unwrap();
    production
        .define_bom(&shop.manager, run(), shop.table_bill())
        .await
        .unwrap();

    let frames = production
        .plan(&shop.manager, run(), shop.new_order(shop.frame, "10"))
        .await
        .unwrap()
        .order;
    assert_eq!(shop.order(frames).status, ProductionStatus::Planned);
    shop.app
        .execute::<ProductionOrder, _>(
            &shop.manager,
            run(),
            frames,
            ProductionCommand::Release,
            None,
        )
        .await
        .unwrap();
    shop.processes().await;
    assert_eq!(shop.stock(shop.leg).reserved(), dec("40"), "4 legs × 10");

    production
        .complete(&shop.manager, run(), frames, quantity("10"), false)
        .await
        .unwrap();
    shop.processes().await;
    let legs = shop.stock(shop.leg);
    assert_eq!(legs.on_hand, dec("60"));
    assert_eq!(legs.reserved(), Decimal::ZERO);
    let made = shop.stock(shop.frame);
    assert_eq!(made.on_hand, dec("10"));
    assert_eq!(
        made.average_cost,
        dec("10"),
        "4 legs at 2.50, no operations"
    );
    assert_eq!(shop.order(frames).status, ProductionStatus::Done);

    let tables = production
        .plan(&shop.manager, run(), shop.new_order(shop.table, "4"))
        .await
        .unwrap()
        .order;
    shop.app
        .execute::<ProductionOrder, _>(
            &shop.manager,
            run(),
            tables,
            ProductionCommand::Release,
            None,
        )
        .await
        .unwrap();
    shop.processes().await;
    // 4 tables use 4 frames and 4 × 1.05 = 4.2 tops.
    assert_eq!(shop.stock(shop.top).reserved(), dec("4.2"));

    production
        .complete(&shop.manager, run(), tables, quantity("1"), false)
        .await
        .unwrap();
    shop.processes().await;
    // One table: a frame (10) + 1.05 tops at 30 (31.5) + 20 minutes at
    // 30 an hour (10) = 51.5.
    let made = shop.stock(shop.table);
    assert_eq!(made.on_hand, dec("1"));
    assert_eq!(made.average_cost, dec("51.5"));
    assert_eq!(shop.order(tables).status, ProductionStatus::InProgress);
    assert_eq!(shop.stock(shop.top).reserved(), dec("3.15"));

    // Stopped after one more: the rest of the reservations is let go.
    production
        .complete(&shop.manager, run(), tables, quantity("1"), true)
        .await
        .unwrap();
    shop.processes().await;
    assert_eq!(shop.stock(shop.table).on_hand, dec("2"));
    assert_eq!(shop.order(tables).status, ProductionStatus::Done);
    let tops = shop.stock(shop.top);
    assert_eq!(tops.reserved(), Decimal::ZERO);
    assert_eq!(tops.on_hand, dec("17.9"), "20 less 2 × 1.05");
    assert_eq!(shop.stock(shop.frame).on_hand, dec("8"));
}

/// Protects the bills: a version that would make a product part of
/// itself, through any depth of active bills, is refused before anything
/// is written, naming the path.
#[tokio::test]
async fn a_bill_that_leads_back_to_its_product_is_refused() {
    let shop = workshop().await;
    let production = shop.app.production();
    production
        .define_bom(&shop.manager, run(), shop.table_bill())
        .await
        .unwrap();
    let before = head(&shop.app);
    let mut looping = shop.frame_bill();
    looping
        .components
        .push(Workshop::component(shop.table, "1", "0"));
    let refused = production
        .define_bom(&shop.manager, run(), looping)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("FRAME → TABLE → FRAME"),
        "{refused}"
    );
    assert_eq!(head(&shop.app), before);
    // A second version is checked when it is made active.
    production
        .define_bom(&shop.manager, run(), shop.frame_bill())
        .await
        .unwrap();
    let mut looping = shop.frame_bill();
    looping
        .components
        .push(Workshop::component(shop.table, "1", "0"));
    production
        .define_bom(&shop.manager, run(), looping)
        .await
        .unwrap();
    let before = head(&shop.app);
    let refused = production
        .activate_bom(&shop.manager, run(), shop.frame, 2)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("part of itself"), "{refused}");
    assert_eq!(head(&shop.app), before);
    let (bom, _) = shop.app.load::<Bom>(shop.frame).unwrap();
    assert_eq!(bom.unwrap().active, Some(1));
}

/// Protects the storekeeper's view of a completion: a short component is
/// refused up front, naming it, and so is a product without a bill.
#[tokio::test]
async fn a_short_component_or_a_missing_bill_is_refused_before_writing() {
    let shop = workshop().await;
    let production = shop.app.production();
    let before = head(&shop.app);
    let refused = production
        .plan(&shop.manager, run(), shop.new_order(shop.table, "1"))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("no active bill"), "{refused}");
    assert_eq!(head(&shop.app), before);

    production
        .define_bom(&shop.manager, run(), shop.frame_bill())
        .await
        .unwrap();
    // 30 frames need 120 legs; 100 are in stock.
    let frames = production
        .plan(&shop.manager, run(), shop.new_order(shop.frame, "30"))
        .await
        .unwrap()
        .order;
    shop.app
        .execute::<ProductionOrder, _>(
            &shop.manager,
            run(),
            frames,
            ProductionCommand::Release,
            None,
        )
        .await
        .unwrap();
    shop.processes().await;
    assert_eq!(shop.stock(shop.leg).reserved(), dec("100"), "what was free");
    let before = head(&shop.app);
    let refused = production
        .complete(&shop.manager, run(), frames, quantity("30"), false)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("LEG is short: 120 needed, 100 available"),
        "{refused}"
    );
    assert_eq!(head(&shop.app), before);
    production
        .complete(&shop.manager, run(), frames, quantity("25"), false)
        .await
        .unwrap();
    shop.processes().await;
    assert_eq!(shop.stock(shop.frame).on_hand, dec("25"));
}

/// Protects the matrix: a sales manager reads production but changes
/// neither an order nor a bill, and nothing is written.
#[tokio::test]
async fn callers_without_production_rights_change_nothing() {
    let shop = workshop().await;
    let production = shop.app.production();
    production
        .define_bom(&shop.manager, run(), shop.frame_bill())
        .await
        .unwrap();
    let frames = production
        .plan(&shop.manager, run(), shop.new_order(shop.frame, "2"))
        .await
        .unwrap()
        .order;
    let seller = common::caller(UserId::from_uuid(Uuid::now_v7()), Role::SalesManager, None);
    let before = head(&shop.app);
    let refused = shop
        .app
        .execute::<ProductionOrder, _>(&seller, run(), frames, ProductionCommand::Release, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, app::commands::CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    let refused = production
        .define_bom(&seller, run(), shop.table_bill())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, app::commands::CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    assert_eq!(head(&shop.app), before);
}
