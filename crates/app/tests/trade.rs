#![allow(clippy::unwrap_used)]
//! A sale from order to payment through the command handler and the
//! process managers, over a real log: stock reserved and issued, the
//! invoice on the customer's account with its number, the payment, the
//! order closed; and a replay of every event that doubles nothing.

use std::str::FromStr;
use std::sync::Arc;

use app::commands::{CommandError, CommandHandler, Execution};
use app::process::{ProcessManager, ProcessSettings, SYSTEM_USER, stock_stream};
use app::trade::{confirm_order, ship_order};
use chrono::{NaiveDate, Utc};
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::finance::{Account, AccountCommand, DocumentKind, PaymentMethod, Series};
use domain::ids::{
    DealId, InvoiceId, OrderId, PartyId, PaymentId, PipelineId, PriceListId, ProductId, SeriesId,
    ShipmentId, StageId, WarehouseId,
};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::pipeline::{Deal, DealCommand, DealStatus, OpenDeal, StageRef};
use domain::sales::{DraftOrder, Order, OrderCommand, OrderStatus, ShipLine};
use domain::values::{Currency, Label, Money};
use domain::{Decider, Issued};
use eventlog::{Actor, AppendMeta, EventLog, Options};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn now<C>(command: C) -> Issued<C> {
    Issued::new(SYSTEM_USER, Utc::now(), command)
}

fn execution() -> Execution {
    Execution::new(AppendMeta::new(Actor::system("test"), Uuid::now_v7()))
}

struct Shop {
    _directory: tempfile::TempDir,
    log: EventLog,
    handler: Arc<CommandHandler>,
    party: PartyId,
    goods: ProductId,
    service: ProductId,
    warehouse: WarehouseId,
    price_list: PriceListId,
}

impl Shop {
    async fn execute<D, C>(
        &self,
        id: impl std::fmt::Display,
        command: C,
    ) -> Result<(), CommandError>
    where
        D: Decider<Command = Issued<C>, Error = domain::DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        let stream = CommandHandler::stream::<D>(id)?;
        self.handler
            .execute::<D, C>(&stream, &now(command), &execution())
            .await
            .map(|_| ())
    }

    fn stock(&self) -> domain::inventory::StockState {
        self.handler
            .load::<Stock>(&stock_stream(self.goods, self.warehouse).unwrap())
            .unwrap()
            .0
    }

    fn order(&self, order: OrderId) -> domain::sales::OrderState {
        self.handler
            .load::<Order>(&CommandHandler::stream::<Order>(order).unwrap())
            .unwrap()
            .0
            .unwrap()
    }

    fn account(&self) -> domain::finance::AccountState {
        self.handler
            .load::<Account>(&CommandHandler::stream::<Account>(self.party).unwrap())
            .unwrap()
            .0
    }
}

/// A shop with a customer, one product kept in stock (10 on hand at 2.00)
/// and one service, both priced in one list.
async fn open_shop() -> Shop {
    let directory = tempfile::tempdir().unwrap();
    let (log, keys) = app::personal::open_log(directory.path(), Options::default()).unwrap();
    let handler = Arc::new(CommandHandler::new(log.clone(), Arc::new(keys)));
    let shop = Shop {
        _directory: directory,
        log,
        handler,
        party: PartyId::from_uuid(Uuid::now_v7()),
        goods: ProductId::from_uuid(Uuid::now_v7()),
        service: ProductId::from_uuid(Uuid::now_v7()),
        warehouse: WarehouseId::from_uuid(Uuid::now_v7()),
        price_list: PriceListId::from_uuid(Uuid::now_v7()),
    };
    shop.execute::<Party, _>(
        shop.party,
        PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label("Acme"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: SYSTEM_USER,
            branch: None,
        }),
    )
    .await
    .unwrap();
    for (product, sku, kind) in [
        (shop.goods, "BOLT-1", ProductKind::StockTracked),
        (shop.service, "FIT-1", ProductKind::Service),
    ] {
        shop.execute::<Product, _>(
            product,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", sku).unwrap(),
                name: label(sku),
                unit: Unit::parse("unit", "pcs").unwrap(),
                category: Some(label("Hardware")),
                barcode: None,
                kind,
                vat: VatRate::parse("vat", dec("20")).unwrap(),
            }),
        )
        .await
        .unwrap();
    }
    shop.execute::<PriceList, _>(
        shop.price_list,
        PriceListCommand::Define {
            name: label("Retail"),
            currency: eur(),
            prices_include_vat: false,
        },
    )
    .await
    .unwrap();
    for (product, price) in [(shop.goods, "5"), (shop.service, "40")] {
        shop.execute::<PriceList, _>(
            shop.price_list,
            PriceListCommand::SetPrice {
                product,
                scope: PriceScope::Everyone,
                min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
                unit_price: UnitPrice::parse("unit_price", dec(price)).unwrap(),
            },
        )
        .await
        .unwrap();
    }
    shop.execute::<Warehouse, _>(
        shop.warehouse,
        WarehouseCommand::Open {
            name: label("Main"),
            branch: None,
            allows_negative_stock: false,
        },
    )
    .await
    .unwrap();
    let stream = stock_stream(shop.goods, shop.warehouse).unwrap();
    shop.handler
        .execute::<Stock, _>(
            &stream,
            &now(StockCommand::Receive {
                quantity: Quantity::parse("quantity", dec("10")).unwrap(),
                unit_cost: UnitPrice::parse("unit_cost", dec("2")).unwrap(),
                reference: None,
            }),
            &execution(),
        )
        .await
        .unwrap();
    shop
}

/// Drafts an order of `goods` units of the product and one service.
async fn draft(shop: &Shop, goods: &str) -> OrderId {
    draft_for_deal(shop, goods, None).await
}

async fn draft_for_deal(shop: &Shop, goods: &str, deal: Option<DealId>) -> OrderId {
    let order = OrderId::from_uuid(Uuid::now_v7());
    shop.execute::<Order, _>(
        order,
        OrderCommand::Draft(DraftOrder {
            order,
            party: shop.party,
            deal,
            price_list: shop.price_list,
            currency: eur(),
            warehouse: shop.warehouse,
            branch: None,
            manager: None,
            reference: None,
        }),
    )
    .await
    .unwrap();
    for (product, quantity) in [(shop.goods, goods), (shop.service, "1")] {
        shop.execute::<Order, _>(
            order,
            OrderCommand::AddLine {
                product,
                quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
                discount_percent: None,
            },
        )
        .await
        .unwrap();
    }
    order
}

fn processes(shop: &Shop) -> ProcessManager {
    ProcessManager::open(shop.handler.clone(), ProcessSettings::default(), None).unwrap()
}

/// Protects the whole sale: each step's effect elsewhere happens once, and
/// the order closes when shipped, invoiced and paid.
#[tokio::test]
async fn a_sale_runs_from_order_to_payment_through_the_processes() {
    let shop = open_shop().await;
    let processes = processes(&shop);
    let order = draft(&shop, "4").await;

    confirm_order(&shop.handler, order, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    let confirmed = shop.order(order);
    assert_eq!(confirmed.status, OrderStatus::Confirmed);
    // 4 × 5.00 + 40.00 = 60.00 net, 12.00 VAT.
    let total: Decimal = confirmed
        .lines
        .values()
        .map(|l| l.confirmed.amounts.gross)
        .sum();
    assert_eq!(total, dec("72.00"));
    assert_eq!(shop.stock().reserved(), dec("4"));
    assert_eq!(shop.stock().available(), dec("6"));

    let shipment = ShipmentId::from_uuid(Uuid::now_v7());
    ship_order(&shop.handler, order, shipment, None, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.stock().on_hand, dec("6"));
    assert_eq!(shop.stock().reserved(), Decimal::ZERO);

    let invoice = InvoiceId::from_uuid(Uuid::now_v7());
    shop.execute::<Order, _>(
        order,
        OrderCommand::Invoice {
            invoice,
            shipment: None,
            due: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
        },
    )
    .await
    .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.account().receivable(eur()), dec("72.00"));
    let year = shop
        .log
        .head()
        .recorded_at
        .unwrap()
        .format("%Y")
        .to_string()
        .parse()
        .unwrap();
    let series =
        CommandHandler::stream::<Series>(SeriesId::of(DocumentKind::Invoice, None, year)).unwrap();
    let (numbers, _) = shop.handler.load::<Series>(&series).unwrap();
    assert_eq!(numbers.last, 1);
    assert!(numbers.numbered.contains(&invoice.as_uuid()));

    shop.execute::<Account, _>(
        shop.party,
        AccountCommand::ReceivePayment {
            payment: PaymentId::from_uuid(Uuid::now_v7()),
            method: PaymentMethod::Card,
            amount: Money::parse("amount", dec("100"), eur()).unwrap(),
            allocations: None,
            reference: None,
            rate: None,
        },
    )
    .await
    .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.account().receivable(eur()), Decimal::ZERO);
    assert_eq!(shop.account().credit(eur()), dec("28.00"));
    assert_eq!(shop.order(order).status, OrderStatus::Closed);
    assert!(
        processes.failures().is_empty(),
        "{:?}",
        processes.failures()
    );

    // Every event handled again, as after a crash before any checkpoint
    // was saved: nothing is appended.
    let head = shop.log.head();
    let replay =
        ProcessManager::open(shop.handler.clone(), ProcessSettings::default(), None).unwrap();
    replay.catch_up().await.unwrap();
    assert_eq!(shop.log.head(), head, "a replay doubled an effect");
    assert!(replay.failures().is_empty(), "{:?}", replay.failures());
}

/// Protects stock: a shipment of more than the warehouse holds is refused
/// before the order records it; cancelling a confirmed order releases its
/// reservation.
#[tokio::test]
async fn shipping_checks_stock_and_cancelling_releases_it() {
    let shop = open_shop().await;
    let processes = processes(&shop);
    let order = draft(&shop, "12").await;
    confirm_order(&shop.handler, order, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.stock().reserved(), dec("10"), "reserves what there is");

    let shipment = ShipmentId::from_uuid(Uuid::now_v7());
    let error = ship_order(&shop.handler, order, shipment, None, now(()), &execution())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CommandError::Domain(e) if e.rule() == Some("stock.insufficient")),
        "{error:?}"
    );
    assert!(shop.order(order).shipments.is_empty());

    let part = vec![ShipLine {
        line: 1,
        quantity: Quantity::parse("quantity", dec("3")).unwrap(),
    }];
    ship_order(
        &shop.handler,
        order,
        shipment,
        Some(part),
        now(()),
        &execution(),
    )
    .await
    .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(
        (shop.stock().on_hand, shop.stock().reserved()),
        (dec("7"), dec("7"))
    );

    let other = draft(&shop, "1").await;
    confirm_order(&shop.handler, other, now(()), &execution())
        .await
        .unwrap();
    shop.execute::<Order, _>(
        other,
        OrderCommand::Cancel {
            reason: label("changed mind"),
        },
    )
    .await
    .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(
        shop.stock().reserved(),
        dec("7"),
        "the cancelled order holds nothing"
    );
    assert!(
        processes.failures().is_empty(),
        "{:?}",
        processes.failures()
    );
}

/// Protects retries: a command run twice under one id appends once; with
/// a stale `If-Match` version it is a conflict naming the current version.
#[tokio::test]
async fn commands_with_an_id_run_once_and_stale_versions_conflict() {
    let shop = open_shop().await;
    let stream = stock_stream(shop.goods, shop.warehouse).unwrap();
    let receive = now(StockCommand::Receive {
        quantity: Quantity::parse("quantity", dec("1")).unwrap(),
        unit_cost: UnitPrice::parse("unit_cost", dec("2")).unwrap(),
        reference: None,
    });
    let once = execution().with_command_id(Uuid::now_v7());
    let first = shop
        .handler
        .execute::<Stock, _>(&stream, &receive, &once)
        .await
        .unwrap();
    let second = shop
        .handler
        .execute::<Stock, _>(&stream, &receive, &once)
        .await
        .unwrap();
    assert_eq!(
        (first.appended, second.appended, second.repeated),
        (1, 0, true)
    );
    assert_eq!(shop.stock().on_hand, dec("11"));

    let stale = execution().expecting(Some(0));
    let error = shop
        .handler
        .execute::<Stock, _>(&stream, &receive, &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            CommandError::Conflict {
                expected: 0,
                actual: Some(1)
            }
        ),
        "{error:?}"
    );
}

/// Protects the pipeline: confirming an order for a deal wins the deal.
#[tokio::test]
async fn a_confirmed_order_wins_its_deal() {
    let shop = open_shop().await;
    let processes = processes(&shop);
    let deal = DealId::from_uuid(Uuid::now_v7());
    shop.execute::<Deal, _>(
        deal,
        DealCommand::Open(OpenDeal {
            title: label("Bolts for the new plant"),
            party: shop.party,
            pipeline: PipelineId::from_uuid(Uuid::now_v7()),
            stage: StageRef {
                stage: StageId::from_uuid(Uuid::now_v7()),
                default_probability: 50,
                position: 0,
            },
            probability: None,
            amount: Money::parse("amount", dec("70"), eur()).unwrap(),
            expected_close: None,
            owner: SYSTEM_USER,
            lead: None,
        }),
    )
    .await
    .unwrap();
    let order = draft_for_deal(&shop, "1", Some(deal)).await;
    confirm_order(&shop.handler, order, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    let (state, _) = shop
        .handler
        .load::<Deal>(&CommandHandler::stream::<Deal>(deal).unwrap())
        .unwrap();
    assert_eq!(state.unwrap().status, DealStatus::Won);
    assert!(
        processes.failures().is_empty(),
        "{:?}",
        processes.failures()
    );
}

/// Protects the negative-stock setting: a product that allows it ships
/// more than is on hand, and the stock goes below zero.
#[tokio::test]
async fn a_product_allowing_negative_stock_ships_beyond_what_is_on_hand() {
    let shop = open_shop().await;
    let processes = processes(&shop);
    shop.execute::<Product, _>(shop.goods, ProductCommand::AllowNegativeStock(true))
        .await
        .unwrap();
    let order = draft(&shop, "15").await;
    confirm_order(&shop.handler, order, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    let shipment = ShipmentId::from_uuid(Uuid::now_v7());
    ship_order(&shop.handler, order, shipment, None, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.stock().on_hand, dec("-5"));
    assert!(
        processes.failures().is_empty(),
        "{:?}",
        processes.failures()
    );
}

/// Protects replays: an order confirmed while nothing was free reserves
/// nothing, and handling its events again after stock arrived still
/// reserves nothing (the empty reservation is on record); its shipment
/// then takes free stock.
#[tokio::test]
async fn a_replay_after_stock_arrived_reserves_nothing_twice() {
    let shop = open_shop().await;
    let processes = processes(&shop);
    let hoarder = draft(&shop, "10").await;
    confirm_order(&shop.handler, hoarder, now(()), &execution())
        .await
        .unwrap();
    let order = draft(&shop, "3").await;
    confirm_order(&shop.handler, order, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(
        shop.stock().reserved(),
        dec("10"),
        "the first order took it all"
    );

    shop.execute::<Order, _>(
        hoarder,
        OrderCommand::Cancel {
            reason: label("gone"),
        },
    )
    .await
    .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.stock().reserved(), Decimal::ZERO);

    let head = shop.log.head();
    let replay =
        ProcessManager::open(shop.handler.clone(), ProcessSettings::default(), None).unwrap();
    replay.catch_up().await.unwrap();
    assert_eq!(shop.log.head(), head, "a replay reserved again");

    let shipment = ShipmentId::from_uuid(Uuid::now_v7());
    ship_order(&shop.handler, order, shipment, None, now(()), &execution())
        .await
        .unwrap();
    processes.catch_up().await.unwrap();
    assert_eq!(shop.stock().on_hand, dec("7"));
    assert!(
        processes.failures().is_empty(),
        "{:?}",
        processes.failures()
    );
}
