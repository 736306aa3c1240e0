#![allow(clippy::unwrap_used)]
//! The order use cases of `app`, driven without HTTP at a fixed time: an
//! order drafted with its lines, and every refusal (another manager's
//! customer, a missing product, another branch's warehouse) before the
//! first event, in the same words for out of reach and missing.

use std::str::FromStr;
use std::sync::Arc;

mod common;

use app::App;
use app::clock::FixedClock;
use app::commands::CommandHandler;
use app::orders::{NewLine, NewOrder};
use chrono::{TimeZone, Utc};
use common::{caller, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{BranchId, PartyId, PriceListId, ProductId, UserId, WarehouseId};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::sales::{Order, OrderStatus};
use domain::values::{Currency, Label};
use domain::{Decider, Issued};
use eventlog::Options;
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// Sam (a sales manager) and a customer of Sam's and one of another
/// manager's; a product priced at 5 EUR; a warehouse of the north branch
/// with ten units.
struct Shop {
    _directory: tempfile::TempDir,
    app: App,
    sam: UserId,
    north_branch: BranchId,
    sams: PartyId,
    theirs: PartyId,
    product: ProductId,
    price_list: PriceListId,
    warehouse: WarehouseId,
}

impl Shop {
    async fn execute<D, C>(&self, id: impl std::fmt::Display, command: C)
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, self.sam, id, command).await;
    }

    fn head(&self) -> u64 {
        common::head(&self.app)
    }

    fn new_order(&self, party: PartyId, product: ProductId) -> NewOrder {
        NewOrder {
            party,
            price_list: self.price_list,
            warehouse: self.warehouse,
            deal: None,
            branch: None,
            manager: None,
            reference: None,
            lines: vec![NewLine {
                product,
                quantity: Quantity::parse("quantity", dec("2")).unwrap(),
                discount_percent: None,
            }],
        }
    }
}

async fn shop() -> Shop {
    let directory = tempfile::tempdir().unwrap();
    let (log, keys) = app::personal::open_log(directory.path(), Options::default()).unwrap();
    let clock = FixedClock::at(
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .unwrap(),
    );
    let app = App::new(
        Arc::new(CommandHandler::new(log, Arc::new(keys))),
        Arc::new(clock),
        Arc::new(app::ids::SequentialIds::starting(1)),
    );
    let id = || Uuid::now_v7();
    let shop = Shop {
        _directory: directory,
        app,
        sam: UserId::from_uuid(id()),
        north_branch: BranchId::from_uuid(id()),
        sams: PartyId::from_uuid(id()),
        theirs: PartyId::from_uuid(id()),
        product: ProductId::from_uuid(id()),
        price_list: PriceListId::from_uuid(id()),
        warehouse: WarehouseId::from_uuid(id()),
    };
    for (party, name, owner) in [
        (shop.sams, "Sams Own Ltd", shop.sam),
        (shop.theirs, "Someone Elses Ltd", UserId::from_uuid(id())),
    ] {
        shop.execute::<Party, _>(
            party,
            PartyCommand::Register(RegisterParty {
                name: PartyName::Company {
                    name: label(name),
                    legal_name: None,
                },
                company: None,
                job_title: None,
                source: None,
                owner,
                branch: None,
            }),
        )
        .await;
    }
    shop.execute::<Product, _>(
        shop.product,
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
    shop.execute::<PriceList, _>(
        shop.price_list,
        PriceListCommand::Define {
            name: label("Retail"),
            currency: Currency::parse("currency", "EUR").unwrap(),
            prices_include_vat: false,
        },
    )
    .await;
    shop.execute::<PriceList, _>(
        shop.price_list,
        PriceListCommand::SetPrice {
            product: shop.product,
            scope: PriceScope::Everyone,
            min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
            unit_price: UnitPrice::parse("unit_price", dec("5")).unwrap(),
        },
    )
    .await;
    shop.execute::<Warehouse, _>(
        shop.warehouse,
        WarehouseCommand::Open {
            name: label("North"),
            branch: Some(shop.north_branch),
            allows_negative_stock: false,
        },
    )
    .await;
    shop.execute::<Stock, _>(
        format!("{}-{}", shop.product, shop.warehouse),
        StockCommand::Receive {
            quantity: Quantity::parse("quantity", dec("10")).unwrap(),
            unit_cost: UnitPrice::parse("unit_cost", dec("2")).unwrap(),
            reference: None,
        },
    )
    .await;
    shop
}

/// Protects the new-order workflow: drafted with its line for the
/// manager's own customer, then confirmed at today's price.
#[tokio::test]
async fn an_order_is_drafted_with_its_lines_and_confirmed() {
    let shop = shop().await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let orders = shop.app.orders();
    let drafted = orders
        .draft(&sam, run(), shop.new_order(shop.sams, shop.product))
        .await
        .unwrap();
    orders.confirm(&sam, run(), drafted.order).await.unwrap();
    let (order, _) = shop.app.load::<Order>(drafted.order).unwrap();
    let order = order.unwrap();
    assert_eq!(order.status, OrderStatus::Confirmed);
    assert_eq!(order.lines.len(), 1);
}

/// Protects every record an order names: another manager's customer is
/// refused as a missing one, and a line of a product that does not exist
/// is refused, each before anything is written.
#[tokio::test]
async fn an_order_naming_what_is_out_of_reach_or_missing_writes_nothing() {
    let shop = shop().await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let orders = shop.app.orders();
    let head = shop.head();
    let refused = orders
        .draft(&sam, run(), shop.new_order(shop.theirs, shop.product))
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("party", shop.theirs));
    let nobody = PartyId::from_uuid(Uuid::now_v7());
    let refused = orders
        .draft(&sam, run(), shop.new_order(nobody, shop.product))
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("party", nobody));
    let nothing = ProductId::from_uuid(Uuid::now_v7());
    let refused = orders
        .draft(&sam, run(), shop.new_order(shop.sams, nothing))
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("product", nothing));
    assert_eq!(shop.head(), head, "no order was drafted");
}

/// Protects branch scope on orders: a storekeeper of another branch
/// cannot confirm or ship an order of the north's warehouse (answered as
/// a missing order); one of the north can.
#[tokio::test]
async fn a_storekeeper_of_another_branch_cannot_move_an_orders_stock() {
    let shop = shop().await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let orders = shop.app.orders();
    let drafted = orders
        .draft(&sam, run(), shop.new_order(shop.sams, shop.product))
        .await
        .unwrap();
    let south = caller(
        UserId::from_uuid(Uuid::now_v7()),
        Role::Storekeeper,
        Some(BranchId::from_uuid(Uuid::now_v7())),
    );
    let head = shop.head();
    let refused = orders
        .confirm(&south, run(), drafted.order)
        .await
        .unwrap_err();
    common::assert_refused(
        &refused,
        DomainError::part_not_found("order", drafted.order),
    );
    assert!(
        orders
            .ship(&south, run(), drafted.order, None)
            .await
            .is_err()
    );
    assert_eq!(shop.head(), head);
    let north = caller(
        UserId::from_uuid(Uuid::now_v7()),
        Role::Storekeeper,
        Some(shop.north_branch),
    );
    orders.confirm(&north, run(), drafted.order).await.unwrap();
    orders
        .ship(&north, run(), drafted.order, None)
        .await
        .unwrap();
    let (order, _) = shop.app.load::<Order>(drafted.order).unwrap();
    assert_eq!(order.unwrap().status, OrderStatus::Shipped);
}

/// Protects where an order's figures land: without a branch it sells for
/// its customer's branch, else for its warehouse's; a branch asked for
/// wins over both.
#[tokio::test]
async fn an_order_sells_for_the_branch_asked_for_or_its_customers_or_its_warehouses() {
    let shop = shop().await;
    let sam = caller(shop.sam, Role::SalesManager, None);
    let south = BranchId::from_uuid(Uuid::now_v7());
    let southern = PartyId::from_uuid(Uuid::now_v7());
    shop.execute::<Party, _>(
        southern,
        PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label("Southern Ltd"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: shop.sam,
            branch: Some(south),
        }),
    )
    .await;
    // The branch an order was drafted for, as its first event says.
    let branch_of = |order| {
        let stream = CommandHandler::stream::<Order>(order).unwrap();
        let record = shop.app.commands.log().read_stream(&stream, 0, 1).unwrap();
        let record = &record[0];
        let event = domain::CrmEvent::decode(
            record.stream.category(),
            &record.event_type,
            record.schema_version,
            &record.payload,
        )
        .unwrap();
        match event {
            Some(domain::CrmEvent::Order(domain::sales::OrderEvent::Drafted(drafted))) => {
                drafted.branch
            }
            other => panic!("not a draft: {other:?}"),
        }
    };
    let orders = shop.app.orders();

    let of_warehouse = orders
        .draft(&sam, run(), shop.new_order(shop.sams, shop.product))
        .await
        .unwrap();
    assert_eq!(branch_of(of_warehouse.order), Some(shop.north_branch));

    let of_customer = orders
        .draft(&sam, run(), shop.new_order(southern, shop.product))
        .await
        .unwrap();
    assert_eq!(branch_of(of_customer.order), Some(south));

    let east = BranchId::from_uuid(Uuid::now_v7());
    let asked = NewOrder {
        branch: Some(east),
        ..shop.new_order(southern, shop.product)
    };
    let asked = orders.draft(&sam, run(), asked).await.unwrap();
    assert_eq!(branch_of(asked.order), Some(east));
}
