//! The demo company's workshop: a sub-assembly ("Fixing set", made of
//! stocked fasteners) and a product sold from the price list ("Wall
//! mounting kit", a fixing set, a bracket and a drill bit, assembled at a
//! bench), each with a bill of materials; three production orders near
//! the end of the span: one done, one half made, one planned; and an order
//! for more kits than are made, for material requirements to plan. Written
//! through the command handler and the processes, as a live server would,
//! so components are reserved and consumed and the goods enter stock at
//! their rolled-up cost.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::catalog::PriceList;
use domain::catalog::{
    DefineProduct, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind, Quantity,
    Sku, Unit, UnitPrice, VatRate,
};
use domain::ids::{PartyId, ProductId, ProductionOrderId, UserId};
use domain::inventory::{Stock, StockCommand};
use domain::production::{
    Bom, BomCommand, BomComponent, DefineBom, NewComponent, NewOperation, PlanProduction,
    ProductionCommand, ProductionOrder, ScrapPercent,
};
use rust_decimal::Decimal;

use super::{Simulation, at_noon, label};
use crate::process::stock_stream;

/// Writes the workshop between `start` and `end` (today).
pub(super) async fn seed(
    simulation: &mut Simulation,
    admin: UserId,
    customer: PartyId,
    start: NaiveDate,
    end: NaiveDate,
) -> anyhow::Result<()> {
    let stocked: Vec<ProductId> = simulation
        .products
        .iter()
        .filter(|(_, stocked)| *stocked)
        .map(|(product, _)| *product)
        .collect();
    anyhow::ensure!(stocked.len() >= 4, "the demo catalogue stocks too little");
    let first_day = at_noon(start);
    let set = product(simulation, admin, first_day, "HC-0901", "Fixing set", None).await?;
    let kit = product(
        simulation,
        admin,
        first_day,
        "HC-0902",
        "Wall mounting kit",
        Some(Decimal::new(18_900, 2)),
    )
    .await?;
    let component =
        |product: ProductId, quantity: i64, scrap: i64| -> anyhow::Result<NewComponent> {
            Ok(NewComponent {
                product,
                quantity: Quantity::parse("quantity", Decimal::from(quantity))?,
                scrap_percent: ScrapPercent::parse("scrap", Decimal::from(scrap))?,
            })
        };
    let operation =
        |name: &str, centre: &str, minutes: i64, rate: i64| -> anyhow::Result<NewOperation> {
            Ok(NewOperation {
                name: label(name),
                work_centre: label(centre),
                minutes: Quantity::parse("minutes", Decimal::from(minutes))?,
                hourly_rate: UnitPrice::parse("rate", Decimal::from(rate))?,
            })
        };
    let set_bill = DefineBom {
        product: set,
        components: vec![component(stocked[0], 4, 5)?, component(stocked[1], 4, 0)?],
        operations: vec![operation("Count and bag", "Packing table", 3, 24)?],
        lead_days: 1,
        note: Some(label("Four screws and plugs")),
    };
    let kit_bill = DefineBom {
        product: kit,
        components: vec![
            component(set, 1, 0)?,
            component(stocked[2], 2, 0)?,
            component(stocked[3], 1, 0)?,
        ],
        operations: vec![
            operation("Assemble", "Bench 1", 12, 30)?,
            operation("Inspect and box", "Packing table", 4, 24)?,
        ],
        lead_days: 2,
        note: None,
    };
    simulation
        .run::<Bom, _>(set, admin, first_day, BomCommand::Define(set_bill.clone()))
        .await?;
    simulation
        .run::<Bom, _>(kit, admin, first_day, BomCommand::Define(kit_bill.clone()))
        .await?;

    let warehouse = simulation.warehouses[0];
    // The workshop's own delivery of what it uses, so the sales of the
    // same goods never leave it short.
    for component in &stocked[..4] {
        let receive = StockCommand::Receive {
            quantity: Quantity::parse("quantity", Decimal::from(300))?,
            unit_cost: UnitPrice::parse("unit_cost", Decimal::new(35, 2))?,
            reference: Some(label("Workshop delivery")),
        };
        simulation
            .run_on::<Stock, _>(
                &stock_stream(*component, warehouse)?,
                admin,
                at_noon(end - Duration::days(12)),
                receive,
            )
            .await?;
    }
    let bill = |define: &DefineBom| -> Vec<BomComponent> {
        define
            .components
            .iter()
            .map(|component| BomComponent {
                product: component.product,
                quantity: component.quantity.value(),
                scrap_percent: component.scrap_percent.value(),
            })
            .collect()
    };
    let operations = |define: &DefineBom| {
        define
            .operations
            .iter()
            .map(|operation| domain::production::BomOperation {
                name: operation.name.as_str().to_owned(),
                work_centre: operation.work_centre.as_str().to_owned(),
                minutes: operation.minutes.value(),
                hourly_rate: operation.hourly_rate.value(),
            })
            .collect::<Vec<_>>()
    };
    // Sets made ten days ago, all of them; kits begun four days ago, half
    // made; more kits planned for next week.
    let plans = [
        (&set_bill, set, 40, 10, Some(40)),
        (&kit_bill, kit, 20, 4, Some(10)),
        (&kit_bill, kit, 15, -7, None),
    ];
    for (define, product, quantity, days_ago, made) in plans {
        let order = ProductionOrderId::from_uuid(simulation.next_id("production-order"));
        let planned_on = at_noon(end - Duration::days(days_ago.max(1) + 1));
        let plan = ProductionCommand::Plan(PlanProduction {
            order,
            product,
            bom_version: 1,
            warehouse,
            branch: None,
            quantity: Quantity::parse("quantity", Decimal::from(quantity))?,
            due_on: end - Duration::days(days_ago),
            components: bill(define),
            operations: operations(define),
        });
        simulation
            .run::<ProductionOrder, _>(order, admin, planned_on, plan)
            .await?;
        let Some(made) = made else {
            continue;
        };
        let released_on = planned_on + Duration::hours(2);
        simulation
            .run::<ProductionOrder, _>(order, admin, released_on, ProductionCommand::Release)
            .await?;
        simulation.processes.catch_up().await?;
        let complete = ProductionCommand::Complete {
            quantity: Quantity::parse("quantity", Decimal::from(made))?,
            finish: false,
        };
        let result = simulation
            .run::<ProductionOrder, _>(
                order,
                admin,
                at_noon(end - Duration::days(days_ago)),
                complete,
            )
            .await;
        simulation.tolerate(result)?;
        simulation.processes.catch_up().await?;
    }
    // A hotel chain's refit: more kits than are made or planned.
    let terms = super::Terms {
        price_list: simulation.price_list,
        currency: simulation.eur,
        reference: "Made to order",
    };
    super::sell(
        simulation,
        customer,
        admin,
        at_noon(end - Duration::days(1)),
        (kit, 60),
        terms,
    )
    .await?;
    Ok(())
}

/// A stock-tracked product of the workshop, sold at `price` if it has one.
async fn product(
    simulation: &mut Simulation,
    admin: UserId,
    day: DateTime<Utc>,
    sku: &str,
    name: &str,
    price: Option<Decimal>,
) -> anyhow::Result<ProductId> {
    let product = ProductId::from_uuid(simulation.next_id("product"));
    simulation
        .run::<Product, _>(
            product,
            admin,
            day,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", sku)?,
                name: label(name),
                unit: Unit::parse("unit", "pcs")?,
                category: Some(label("Workshop")),
                barcode: None,
                kind: ProductKind::StockTracked,
                vat: VatRate::parse("vat", Decimal::from(20))?,
            }),
        )
        .await?;
    if let Some(price) = price {
        let price_list = simulation.price_list;
        simulation
            .run::<PriceList, _>(
                price_list,
                admin,
                day,
                PriceListCommand::SetPrice {
                    product,
                    scope: PriceScope::Everyone,
                    min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO)?,
                    unit_price: UnitPrice::parse("unit_price", price)?,
                },
            )
            .await?;
    }
    Ok(product)
}
