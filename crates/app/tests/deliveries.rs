#![allow(clippy::unwrap_used)]
//! The delivery use cases of `app` through the running application at a
//! fixed clock: a shipment's delivery planned on a vehicle's day at its
//! zone's cost, a second stop over the capacity refused before anything
//! is written (and booked when the planner goes over), a delivery moved
//! to another vehicle, the driver recording the proof, and the reach of
//! storekeepers and drivers.

mod common;

use std::str::FromStr;
use std::sync::Arc;

use app::clock::FixedClock;
use app::commands::CommandError;
use app::deliveries::{NewDelivery, NewPlace};
use app::orders::{NewLine, NewOrder};
use app::running::Running;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{caller, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::fleet::delivery::DeliveryCommand;
use domain::fleet::vehicle::{VehicleCommand, VehicleDetails};
use domain::fleet::zone::{ZoneCommand, ZoneDetails};
use domain::fleet::{Delivery, DeliveryStatus, Route, Vehicle, Zone};
use domain::ids::{
    BranchId, DeliveryId, OrderId, PartyId, PriceListId, ProductId, ShipmentId, UserId, VehicleId,
    WarehouseId, ZoneId,
};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::sales::Order;
use domain::values::Label;
use eventlog::Options;
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).single().unwrap()
}

fn tomorrow() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 11).unwrap()
}

/// A customer, a bolt in stock in the north branch's warehouse, two vans
/// of 1,000 kg (Dan drives the first), a zone at 12.50 a delivery, and
/// two orders shipped.
struct Fleet {
    running: Running,
    _directory: tempfile::TempDir,
    north: BranchId,
    dan: UserId,
    vans: [VehicleId; 2],
    zone: ZoneId,
    shipped: Vec<(OrderId, ShipmentId)>,
}

async fn fleet() -> Fleet {
    let directory = tempfile::tempdir().unwrap();
    let running = Running::start(
        directory.path(),
        Options::default(),
        Arc::new(FixedClock::at(start_time())),
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
    .await
    .unwrap();
    let app = &running.app;
    let id = || Uuid::now_v7();
    let admin = UserId::from_uuid(id());
    let north = BranchId::from_uuid(id());
    let (party, product, list, warehouse) = (
        PartyId::from_uuid(id()),
        ProductId::from_uuid(id()),
        PriceListId::from_uuid(id()),
        WarehouseId::from_uuid(id()),
    );
    common::given::<Party, _>(
        app,
        admin,
        party,
        PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label("Acme"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: admin,
            branch: None,
        }),
    )
    .await;
    common::given::<Product, _>(
        app,
        admin,
        product,
        ProductCommand::Define(DefineProduct {
            sku: Sku::parse("sku", "BOLT-1").unwrap(),
            name: label("Bolt"),
            unit: Unit::parse("unit", "pcs").unwrap(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat: VatRate::parse("vat", dec("20")).unwrap(),
        }),
    )
    .await;
    common::given::<PriceList, _>(
        app,
        admin,
        list,
        PriceListCommand::Define {
            name: label("Retail"),
            currency: domain::values::Currency::parse("currency", "EUR").unwrap(),
            prices_include_vat: false,
        },
    )
    .await;
    common::given::<PriceList, _>(
        app,
        admin,
        list,
        PriceListCommand::SetPrice {
            product,
            scope: PriceScope::Everyone,
            min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
            unit_price: UnitPrice::parse("unit_price", dec("5")).unwrap(),
        },
    )
    .await;
    common::given::<Warehouse, _>(
        app,
        admin,
        warehouse,
        WarehouseCommand::Open {
            name: label("North"),
            branch: Some(north),
            allows_negative_stock: false,
        },
    )
    .await;
    common::given::<Stock, _>(
        app,
        admin,
        format!("{product}-{warehouse}"),
        StockCommand::Receive {
            quantity: Quantity::parse("quantity", dec("100")).unwrap(),
            unit_cost: UnitPrice::parse("unit_cost", dec("2")).unwrap(),
            reference: None,
        },
    )
    .await;
    let dan = UserId::from_uuid(id());
    let vans = [VehicleId::from_uuid(id()), VehicleId::from_uuid(id())];
    for ((van, driver), plate) in vans.iter().zip([Some(dan), None]).zip(["N 101", "N 102"]) {
        common::given::<Vehicle, _>(
            app,
            admin,
            van,
            VehicleCommand::Register {
                details: VehicleDetails {
                    plate: label(plate),
                    name: label("Van"),
                    capacity_kg: dec("1000"),
                    capacity_m3: dec("8"),
                },
                driver,
                branch: Some(north),
            },
        )
        .await;
    }
    let zone = ZoneId::from_uuid(id());
    common::given::<Zone, _>(
        app,
        admin,
        zone,
        ZoneCommand::Define(ZoneDetails {
            name: label("City"),
            cost: UnitPrice::parse("cost", dec("12.50")).unwrap(),
            windows: Vec::new(),
        }),
    )
    .await;
    let boss = caller(admin, Role::Administrator, None);
    let mut shipped = Vec::new();
    for _ in 0..2 {
        let drafted = app
            .orders()
            .draft(
                &boss,
                run(),
                NewOrder {
                    party,
                    price_list: list,
                    warehouse,
                    deal: None,
                    branch: None,
                    manager: None,
                    reference: None,
                    lines: vec![NewLine {
                        product,
                        quantity: Quantity::parse("quantity", dec("10")).unwrap(),
                        discount_percent: None,
                    }],
                },
            )
            .await
            .unwrap();
        app.orders()
            .confirm(&boss, run(), drafted.order)
            .await
            .unwrap();
        running.processes.catch_up().await.unwrap();
        app.orders()
            .ship(&boss, run(), drafted.order, None)
            .await
            .unwrap();
        let (order, _) = app.load::<Order>(drafted.order).unwrap();
        let shipment = *order.unwrap().shipments.keys().next().unwrap();
        shipped.push((drafted.order, shipment));
    }
    Fleet {
        running,
        _directory: directory,
        north,
        dan,
        vans,
        zone,
        shipped,
    }
}

fn new_delivery(fleet: &Fleet, which: usize, kg: &str, allow_over: bool) -> NewDelivery {
    let (order, shipment) = fleet.shipped[which];
    NewDelivery {
        order,
        shipment,
        vehicle: fleet.vans[0],
        day: tomorrow(),
        window: None,
        zone: Some(fleet.zone),
        weight_kg: dec(kg),
        volume_m3: dec("1"),
        cost: None,
        allow_over,
    }
}

fn route_stops(fleet: &Fleet, van: usize) -> Vec<DeliveryId> {
    let stream = app::deliveries::route_stream(fleet.vans[van], tomorrow()).unwrap();
    let (route, _) = fleet.running.app.commands.load::<Route>(&stream).unwrap();
    route.stops.iter().map(|stop| stop.delivery).collect()
}

fn head(fleet: &Fleet) -> u64 {
    fleet.running.log.head().position
}

/// Protects planning: the zone's cost, the stop on the route; a second
/// stop over the capacity refused before any write, booked when the
/// planner goes over; a shipment planned once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_planned_on_a_vehicles_day_within_its_capacity() {
    let fleet = fleet().await;
    let boss = caller(UserId::from_uuid(Uuid::now_v7()), Role::Administrator, None);
    let deliveries = fleet.running.app.deliveries();
    let planned = deliveries
        .plan(&boss, run(), new_delivery(&fleet, 0, "700", false))
        .await
        .unwrap();
    let (state, _) = fleet
        .running
        .app
        .load::<Delivery>(planned.delivery)
        .unwrap();
    let state = state.unwrap();
    assert_eq!(state.planned.cost, dec("12.50"));
    assert_eq!(state.status, DeliveryStatus::Planned);
    assert_eq!(route_stops(&fleet, 0), vec![planned.delivery]);

    let before = head(&fleet);
    let over = deliveries
        .plan(&boss, run(), new_delivery(&fleet, 1, "400", false))
        .await
        .unwrap_err();
    assert!(
        matches!(&over, CommandError::Domain(error) if error.rule() == Some("route.over_capacity")),
        "{over:?}"
    );
    assert_eq!(head(&fleet), before, "nothing was written");
    let second = deliveries
        .plan(&boss, run(), new_delivery(&fleet, 1, "400", true))
        .await
        .unwrap();
    assert_eq!(
        route_stops(&fleet, 0),
        vec![planned.delivery, second.delivery]
    );

    let again = deliveries
        .plan(&boss, run(), new_delivery(&fleet, 0, "1", false))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, CommandError::Domain(error) if error.rule() == Some("delivery.already_planned")),
        "{again:?}"
    );
    // A repeat of the same request (a retry) writes nothing more.
    let retry = run();
    let moved = deliveries
        .replan(
            &boss,
            retry,
            planned.delivery,
            NewPlace {
                vehicle: fleet.vans[1],
                day: tomorrow(),
                window: None,
                allow_over: false,
            },
        )
        .await
        .unwrap();
    let after = head(&fleet);
    let repeated = deliveries
        .replan(
            &boss,
            retry,
            planned.delivery,
            NewPlace {
                vehicle: fleet.vans[1],
                day: tomorrow(),
                window: None,
                allow_over: false,
            },
        )
        .await
        .unwrap();
    assert!(
        repeated.repeated || repeated.appended == 0,
        "{moved:?} {repeated:?}"
    );
    assert_eq!(head(&fleet), after);
    assert_eq!(route_stops(&fleet, 0), vec![second.delivery]);
    assert_eq!(route_stops(&fleet, 1), vec![planned.delivery]);
    fleet.running.shutdown().await.unwrap();
}

/// Protects the reach: a storekeeper of another branch cannot plan the
/// north warehouse's deliveries; Dan, who drives the first van, records
/// the proof of its delivery, which reads back; another driver finds it
/// missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_records_the_proof_of_the_deliveries_of_their_van() {
    let fleet = fleet().await;
    let deliveries = fleet.running.app.deliveries();
    let south = caller(
        UserId::from_uuid(Uuid::now_v7()),
        Role::Storekeeper,
        Some(BranchId::from_uuid(Uuid::now_v7())),
    );
    let refused = deliveries
        .plan(&south, run(), new_delivery(&fleet, 0, "10", false))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Domain(DomainError::NotFound { .. })),
        "{refused:?}"
    );
    let keeper = caller(
        UserId::from_uuid(Uuid::now_v7()),
        Role::Storekeeper,
        Some(fleet.north),
    );
    let planned = deliveries
        .plan(&keeper, run(), new_delivery(&fleet, 0, "10", false))
        .await
        .unwrap();

    let other = caller(UserId::from_uuid(Uuid::now_v7()), Role::Driver, None);
    let deliver = DeliveryCommand::Deliver {
        receiver: label("Anna at reception"),
        note: Some(label("Back door")),
    };
    let not_theirs = deliveries
        .record(&other, run(), planned.delivery, deliver.clone(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            not_theirs,
            CommandError::Domain(DomainError::NotFound { .. })
        ),
        "{not_theirs:?}"
    );
    let dan = caller(fleet.dan, Role::Driver, None);
    deliveries
        .record(&dan, run(), planned.delivery, DeliveryCommand::Depart, None)
        .await
        .unwrap();
    deliveries
        .record(&dan, run(), planned.delivery, deliver, None)
        .await
        .unwrap();
    let proof = deliveries.proof(&dan, planned.delivery).unwrap().unwrap();
    assert_eq!(proof.receiver, "Anna at reception");
    assert_eq!(proof.note.as_deref(), Some("Back door"));
    assert!(deliveries.proof(&other, planned.delivery).is_err());
    // A driver does not plan.
    let planning = deliveries
        .plan(&dan, run(), new_delivery(&fleet, 1, "10", false))
        .await
        .unwrap_err();
    assert!(
        matches!(planning, CommandError::Forbidden { .. }),
        "{planning:?}"
    );
    fleet.running.shutdown().await.unwrap();
}
