#![allow(clippy::unwrap_used)]
//! The stock use cases of `app`, driven without HTTP at a fixed time: a
//! transfer moves goods at the cost they left at, and every refusal
//! (a missing warehouse, another branch's, the same one twice) comes
//! before anything is written, in the same words for missing and out of
//! reach.

use std::str::FromStr;
use std::sync::Arc;

mod common;

use app::App;
use app::access::Caller;
use app::clock::FixedClock;
use app::commands::{CommandError, CommandHandler};
use app::process::stock_stream;
use app::stock::TransferStock;
use chrono::{TimeZone, Utc};
use common::run;
use domain::access::Role;
use domain::catalog::{
    DefineProduct, Product, ProductCommand, ProductKind, Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{BranchId, ProductId, UserId, WarehouseId};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::values::Label;
use domain::{Decider, Issued};
use eventlog::Options;
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// A product, a north and a south warehouse (each of its branch), ten
/// units in the north at 2.00 and ten in the south at 4.00.
struct Store {
    _directory: tempfile::TempDir,
    app: App,
    product: ProductId,
    north: WarehouseId,
    south: WarehouseId,
    north_branch: BranchId,
}

impl Store {
    async fn execute<D, C>(&self, id: impl std::fmt::Display, command: C)
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, UserId::from_uuid(Uuid::nil()), id, command).await;
    }

    fn stock(&self, warehouse: WarehouseId) -> domain::inventory::StockState {
        self.app
            .commands
            .load::<Stock>(&stock_stream(self.product, warehouse).unwrap())
            .unwrap()
            .0
    }

    fn head(&self) -> u64 {
        common::head(&self.app)
    }

    fn transfer(&self, from: WarehouseId, to: WarehouseId, quantity: &str) -> TransferStock {
        TransferStock {
            product: self.product,
            from,
            to,
            quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
        }
    }
}

fn caller(role: Role, branch: Option<BranchId>) -> Caller {
    common::caller(UserId::from_uuid(Uuid::now_v7()), role, branch)
}

async fn store() -> Store {
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
    let north_branch = BranchId::from_uuid(Uuid::now_v7());
    let store = Store {
        _directory: directory,
        app,
        product: ProductId::from_uuid(Uuid::now_v7()),
        north: WarehouseId::from_uuid(Uuid::now_v7()),
        south: WarehouseId::from_uuid(Uuid::now_v7()),
        north_branch,
    };
    store
        .execute::<Product, _>(
            store.product,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", "BOLT-1").unwrap(),
                name: Label::parse("name", "Bolt").unwrap(),
                unit: Unit::parse("unit", "pcs").unwrap(),
                category: None,
                barcode: None,
                kind: ProductKind::StockTracked,
                vat: VatRate::parse("vat", dec("20")).unwrap(),
            }),
        )
        .await;
    let south_branch = BranchId::from_uuid(Uuid::now_v7());
    for (warehouse, name, branch, cost) in [
        (store.north, "North", north_branch, "2"),
        (store.south, "South", south_branch, "4"),
    ] {
        store
            .execute::<Warehouse, _>(
                warehouse,
                WarehouseCommand::Open {
                    name: Label::parse("name", name).unwrap(),
                    branch: Some(branch),
                    allows_negative_stock: false,
                },
            )
            .await;
        store
            .execute::<Stock, _>(
                format!("{}-{warehouse}", store.product),
                StockCommand::Receive {
                    quantity: Quantity::parse("quantity", dec("10")).unwrap(),
                    unit_cost: UnitPrice::parse("unit_cost", dec(cost)).unwrap(),
                    reference: None,
                },
            )
            .await;
    }
    store
}

/// Protects the transfer's arithmetic: five leave the north at its 2.00
/// and arrive in the south, whose ten at 4.00 become fifteen at
/// (40 + 10) / 15.
#[tokio::test]
async fn a_transfer_moves_the_goods_at_the_cost_they_left_at() {
    let store = store().await;
    let director = caller(Role::Director, None);
    let done = store
        .app
        .stock()
        .transfer(
            &director,
            run(),
            store.transfer(store.north, store.south, "5"),
        )
        .await
        .unwrap();
    assert!(!done.executed.repeated);
    assert_eq!(store.stock(store.north).on_hand, dec("5"));
    let south = store.stock(store.south);
    assert_eq!(south.on_hand, dec("15"));
    assert_eq!(south.average_cost.round_dp(4), dec("3.3333"));
    assert!(south.transfers_in.contains(&done.transfer));
}

/// Protects "all checks before the first event": a transfer to a
/// warehouse that does not exist is refused and writes nothing.
#[tokio::test]
async fn a_transfer_to_a_missing_warehouse_writes_nothing() {
    let store = store().await;
    let nowhere = WarehouseId::from_uuid(Uuid::now_v7());
    let head = store.head();
    let refused = store
        .app
        .stock()
        .transfer(
            &caller(Role::Director, None),
            run(),
            store.transfer(store.north, nowhere, "5"),
        )
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("warehouse", nowhere));
    assert_eq!(store.head(), head);
    assert_eq!(store.stock(store.north).on_hand, dec("10"));
}

/// Protects branch scope in the use case itself: a storekeeper's transfer
/// into another branch's warehouse is refused exactly as one into a
/// missing warehouse, before anything leaves.
#[tokio::test]
async fn a_transfer_into_another_branch_is_refused_as_missing() {
    let store = store().await;
    let storekeeper = caller(Role::Storekeeper, Some(store.north_branch));
    let head = store.head();
    let refused = store
        .app
        .stock()
        .transfer(
            &storekeeper,
            run(),
            store.transfer(store.north, store.south, "5"),
        )
        .await
        .unwrap_err();
    common::assert_refused(
        &refused,
        DomainError::part_not_found("warehouse", store.south),
    );
    assert_eq!(store.head(), head, "nothing left the north");
    let refused = store
        .app
        .stock()
        .transfer(
            &storekeeper,
            run(),
            store.transfer(store.south, store.north, "5"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        CommandError::Domain(DomainError::NotFound { .. })
    ));
    assert_eq!(store.head(), head);
}

/// Protects against a transfer that goes nowhere, and against a repeat:
/// the same warehouse twice is bad input on `to`, and the same command
/// again changes nothing.
#[tokio::test]
async fn a_transfer_to_the_same_warehouse_is_bad_input_and_a_repeat_changes_nothing() {
    let store = store().await;
    let director = caller(Role::Director, None);
    let refused = store
        .app
        .stock()
        .transfer(
            &director,
            run(),
            store.transfer(store.north, store.north, "5"),
        )
        .await
        .unwrap_err();
    assert!(matches!(&refused, CommandError::Domain(error) if error.field() == Some("to")));
    let once = run();
    let request = store.transfer(store.north, store.south, "5");
    store
        .app
        .stock()
        .transfer(&director, once, request)
        .await
        .unwrap();
    let head = store.head();
    let again = store
        .app
        .stock()
        .transfer(&director, once, request)
        .await
        .unwrap();
    assert!(again.executed.repeated);
    assert_eq!(store.head(), head);
    assert_eq!(store.stock(store.north).on_hand, dec("5"));
}

fn receipt(quantity: &str) -> StockCommand {
    StockCommand::Receive {
        quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
        unit_cost: UnitPrice::parse("unit_cost", dec("3")).unwrap(),
        reference: None,
    }
}

/// Protects the single-stream stock writes (receipts, write-offs,
/// counts): a storekeeper's receipt into another branch's warehouse is
/// refused as a missing warehouse is, one for a missing product is
/// refused too, neither writes, and one into their own branch goes in.
#[tokio::test]
async fn a_stock_write_checks_the_product_and_the_warehouse_reach_first() {
    let store = store().await;
    let storekeeper = caller(Role::Storekeeper, Some(store.north_branch));
    let head = store.head();
    let stock = store.app.stock();
    let refused = stock
        .record(
            &storekeeper,
            run(),
            (store.product, store.south),
            receipt("5"),
            None,
        )
        .await
        .unwrap_err();
    common::assert_refused(
        &refused,
        DomainError::part_not_found("warehouse", store.south),
    );
    let nothing = ProductId::from_uuid(Uuid::now_v7());
    let refused = stock
        .record(
            &storekeeper,
            run(),
            (nothing, store.north),
            receipt("5"),
            None,
        )
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("product", nothing));
    assert_eq!(store.head(), head, "nothing was written");
    stock
        .record(
            &storekeeper,
            run(),
            (store.product, store.north),
            receipt("5"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.stock(store.north).on_hand, dec("15"));
}

/// A move entered late keeps the business time it was given (what puts
/// it in its place among the earlier moves), and one dated in the future
/// is refused by field before anything is written.
#[tokio::test]
async fn a_stock_move_can_be_backdated_but_not_postdated() {
    let store = store().await;
    let storekeeper = caller(Role::Storekeeper, Some(store.north_branch));
    let stock = store.app.stock();
    let last_week = Utc.with_ymd_and_hms(2026, 3, 3, 9, 30, 0).single().unwrap();
    let done = stock
        .record(
            &storekeeper,
            run(),
            (store.product, store.north),
            receipt("5"),
            Some(last_week),
        )
        .await
        .unwrap();
    let stored = store
        .app
        .commands
        .log()
        .read_event(done.last_position.unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored.occurred_at, last_week);
    assert_eq!(store.stock(store.north).on_hand, dec("15"));

    let head = store.head();
    let next_week = Utc
        .with_ymd_and_hms(2026, 3, 17, 9, 30, 0)
        .single()
        .unwrap();
    let refused = stock
        .record(
            &storekeeper,
            run(),
            (store.product, store.north),
            StockCommand::Count {
                counted: Quantity::parse_break("counted", dec("1")).unwrap(),
            },
            Some(next_week),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Invalid { field, .. }) if field == "occurred_at"),
        "{refused:?}"
    );
    assert_eq!(store.head(), head, "nothing was written");
}

/// Protects the branch a new warehouse is opened for: a storekeeper, who
/// reaches their own branch's warehouses only, may open one there but not
/// in another branch (or in none), where they could never reach it again;
/// the refusal writes nothing. A director opens one anywhere.
#[tokio::test]
async fn a_storekeeper_opens_warehouses_in_their_own_branch_only() {
    let store = store().await;
    let storekeeper = caller(Role::Storekeeper, Some(store.north_branch));
    let open = |branch: Option<BranchId>| WarehouseCommand::Open {
        name: Label::parse("name", "Annex").unwrap(),
        branch,
        allows_negative_stock: false,
    };
    let elsewhere = BranchId::from_uuid(Uuid::now_v7());
    let head = store.head();
    for branch in [Some(elsewhere), None] {
        let refused = store
            .app
            .execute::<Warehouse, _>(
                &storekeeper,
                run(),
                WarehouseId::from_uuid(Uuid::now_v7()),
                open(branch),
                None,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(refused, CommandError::Forbidden { .. }),
            "{branch:?}: {refused:?}"
        );
    }
    assert_eq!(store.head(), head, "nothing was written");
    store
        .app
        .execute::<Warehouse, _>(
            &storekeeper,
            run(),
            WarehouseId::from_uuid(Uuid::now_v7()),
            open(Some(store.north_branch)),
            None,
        )
        .await
        .unwrap();
    store
        .app
        .execute::<Warehouse, _>(
            &caller(Role::Director, None),
            run(),
            WarehouseId::from_uuid(Uuid::now_v7()),
            open(Some(elsewhere)),
            None,
        )
        .await
        .unwrap();
}
