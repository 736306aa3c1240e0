//! Warehouse and stock rules as given / when / then.

use std::str::FromStr;

use super::*;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

fn received(quantity: &str, unit_cost: &str, average: &str) -> StockEvent {
    StockEvent::Received(StockReceived {
        quantity: dec(quantity),
        unit_cost: dec(unit_cost),
        average_cost: dec(average),
        reference: None,
    })
}

fn receive(quantity_text: &str, unit_cost: &str) -> StockCommand {
    StockCommand::Receive {
        quantity: quantity(quantity_text),
        unit_cost: UnitPrice::parse("unit_cost", dec(unit_cost)).unwrap(),
        reference: None,
    }
}

fn issue_stock(
    quantity_text: &str,
    reservation: Option<u128>,
    negative_allowed: bool,
) -> StockCommand {
    StockCommand::Issue {
        quantity: quantity(quantity_text),
        reservation: reservation.map(id),
        reference: None,
        negative_allowed,
    }
}

fn reserved(reservation: u128, quantity: &str) -> StockEvent {
    StockEvent::Reserved(StockReserved {
        reservation: id(reservation),
        quantity: dec(quantity),
    })
}

/// Protects order confirmation: it reserves what there is, never more, and
/// a repeat reserves nothing twice.
#[test]
fn reserving_what_is_available_takes_at_most_the_available_stock() {
    let reserve = |negative_allowed| {
        issue(StockCommand::ReserveAvailable {
            reservation: id(7),
            quantity: quantity("8"),
            negative_allowed,
        })
    };
    given::<Stock>([received("10", "1", "1"), reserved(1, "5")])
        .when(reserve(false))
        .then(vec![reserved(7, "5")]);
    given::<Stock>([received("10", "1", "1"), reserved(1, "10")])
        .when(reserve(false))
        .then(vec![reserved(7, "0")]);
    given::<Stock>([
        received("10", "1", "1"),
        reserved(1, "10"),
        reserved(7, "0"),
    ])
    .when(reserve(false))
    .then(vec![]);
    given::<Stock>([received("1", "1", "1")])
        .when(reserve(true))
        .then(vec![reserved(7, "8")]);
    given::<Stock>([received("10", "1", "1"), reserved(7, "3")])
        .when(reserve(false))
        .then(vec![]);
}

/// Protects costing: goods a customer returns come back at the average
/// cost and leave it as it was.
#[test]
fn a_return_comes_back_at_the_average_cost() {
    given::<Stock>([received("10", "4", "4"), received("10", "6", "5")])
        .when(issue(StockCommand::Return {
            quantity: quantity("3"),
            reference: None,
        }))
        .then(vec![StockEvent::Returned(StockReturned {
            quantity: dec("3"),
            unit_cost: dec("5"),
            reference: None,
        })]);
    let stock = Stock::replay(&[
        received("10", "4", "4"),
        StockEvent::Returned(StockReturned {
            quantity: dec("3"),
            unit_cost: dec("4"),
            reference: None,
        }),
    ]);
    assert_eq!((stock.on_hand, stock.average_cost), (dec("13"), dec("4")));
}

/// Protects the low-stock list: a reorder level is set, changed, cleared,
/// and setting the same level again records nothing.
#[test]
fn a_reorder_level_is_recorded_only_when_it_changes() {
    let set = |level: Option<&str>| {
        StockEvent::ReorderLevelSet(StockReorderLevelSet {
            level: level.map(dec),
        })
    };
    given::<Stock>([])
        .when(issue(StockCommand::SetReorderLevel {
            level: Some(quantity("5")),
        }))
        .then(vec![set(Some("5"))]);
    given::<Stock>([set(Some("5"))])
        .when(issue(StockCommand::SetReorderLevel {
            level: Some(quantity("5")),
        }))
        .then(vec![]);
    given::<Stock>([set(Some("5"))])
        .when(issue(StockCommand::SetReorderLevel { level: None }))
        .then(vec![set(None)]);
}

/// Protects costing: the first receipt sets the cost.
#[test]
fn a_first_receipt_sets_the_average_cost() {
    given::<Stock>([])
        .when(issue(receive("10", "5")))
        .then(vec![received("10", "5", "5")]);
}

/// Protects costing: later receipts move the average by quantity.
#[test]
fn receipts_move_the_average_cost_by_quantity() {
    // 10 at 5 and 30 at 9: (50 + 270) / 40 = 8.
    given::<Stock>([received("10", "5", "5")])
        .when(issue(receive("30", "9")))
        .then(vec![received("30", "9", "8")]);
    // 3 at 1 and 3 at 2: 6 at 1.5; one more at 2: (9 + 2) / 7 = 1.5714…,
    // kept to four decimals.
    given::<Stock>([received("3", "1", "1"), received("3", "2", "1.5")])
        .when(issue(receive("1", "2")))
        .then(vec![received("1", "2", "1.5714")]);
}

/// Protects margins: an issue takes out goods at the average cost.
#[test]
fn an_issue_records_the_average_cost() {
    given::<Stock>([received("10", "5", "5"), received("30", "9", "8")])
        .when(issue(issue_stock("4", None, false)))
        .then(vec![StockEvent::Issued(StockIssued {
            quantity: dec("4"),
            unit_cost: dec("8"),
            reservation: None,
            reference: None,
        })]);
}

/// Protects against overselling: stock never goes negative unless allowed.
#[test]
fn issuing_more_than_is_available_is_rejected_unless_allowed() {
    given::<Stock>([received("3", "5", "5")])
        .when(issue(issue_stock("4", None, false)))
        .then_rejected("stock.insufficient");
    given::<Stock>([received("3", "5", "5")])
        .when(issue(issue_stock("4", None, true)))
        .then(vec![StockEvent::Issued(StockIssued {
            quantity: dec("4"),
            unit_cost: dec("5"),
            reservation: None,
            reference: None,
        })]);
}

/// Protects reservations: goods held for one order are not sold to another.
#[test]
fn reserved_stock_is_not_available_to_others() {
    given::<Stock>([received("5", "5", "5"), reserved(1, "4")])
        .when(issue(issue_stock("2", None, false)))
        .then_rejected("stock.insufficient");
    given::<Stock>([received("5", "5", "5"), reserved(1, "4")])
        .when(issue(issue_stock("4", Some(1), false)))
        .then(vec![StockEvent::Issued(StockIssued {
            quantity: dec("4"),
            unit_cost: dec("5"),
            reservation: Some(id(1)),
            reference: None,
        })]);
}

/// Protects shipments: goods shipped under a reservation that holds
/// nothing (none was free at confirmation) come from free stock.
#[test]
fn an_issue_under_an_empty_or_unknown_reservation_takes_free_stock() {
    let issued = |reservation: u128| {
        StockEvent::Issued(StockIssued {
            quantity: dec("2"),
            unit_cost: dec("5"),
            reservation: Some(id(reservation)),
            reference: None,
        })
    };
    given::<Stock>([received("5", "5", "5"), reserved(1, "0")])
        .when(issue(issue_stock("2", Some(1), false)))
        .then(vec![issued(1)]);
    given::<Stock>([received("5", "5", "5")])
        .when(issue(issue_stock("2", Some(9), false)))
        .then(vec![issued(9)]);
    given::<Stock>([received("1", "5", "5"), reserved(1, "0")])
        .when(issue(issue_stock("2", Some(1), false)))
        .then_rejected("stock.insufficient");
}

/// Protects reservations: an issue under one consumes it.
#[test]
fn an_issue_under_a_reservation_consumes_it() {
    let state = Stock::replay(&[
        received("5", "5", "5"),
        reserved(1, "4"),
        StockEvent::Issued(StockIssued {
            quantity: dec("3"),
            unit_cost: dec("5"),
            reservation: Some(id(1)),
            reference: None,
        }),
    ]);
    assert_eq!(state.on_hand, dec("2"));
    assert_eq!(state.reserved(), dec("1"));
    assert_eq!(state.available(), dec("1"));
}

/// Protects reservations: not more than is available, each id once.
#[test]
fn reservations_are_bounded_and_unique() {
    let reserve = |reservation: u128, quantity_text: &str| StockCommand::Reserve {
        reservation: id(reservation),
        quantity: quantity(quantity_text),
        negative_allowed: false,
    };
    given::<Stock>([received("5", "5", "5")])
        .when(issue(reserve(1, "6")))
        .then_rejected("stock.insufficient");
    given::<Stock>([received("5", "5", "5"), reserved(1, "4")])
        .when(issue(reserve(1, "4")))
        .then_nothing();
    given::<Stock>([received("5", "5", "5"), reserved(1, "4")])
        .when(issue(reserve(1, "1")))
        .then_rejected("stock.already_reserved");
}

/// Protects cancellations: releasing gives the goods back, once.
#[test]
fn releasing_a_reservation_frees_its_stock_once() {
    given::<Stock>([received("5", "5", "5"), reserved(1, "4")])
        .when(issue(StockCommand::Release { reservation: id(1) }))
        .then(vec![StockEvent::ReservationReleased(ReservationReleased {
            reservation: id(1),
            quantity: dec("4"),
        })]);
    given::<Stock>([received("5", "5", "5")])
        .when(issue(StockCommand::Release { reservation: id(1) }))
        .then_nothing();
}

/// Protects transfers: goods leave at their cost and arrive once.
#[test]
fn transfers_carry_cost_and_arrive_once() {
    given::<Stock>([received("5", "6", "6")])
        .when(issue(StockCommand::TransferOut {
            transfer: id(7),
            quantity: quantity("2"),
            to: id(2),
            negative_allowed: false,
        }))
        .then(vec![StockEvent::TransferredOut(StockTransferredOut {
            transfer: id(7),
            quantity: dec("2"),
            unit_cost: dec("6"),
            to: id(2),
        })]);
    let arrival = StockCommand::TransferIn {
        transfer: id(7),
        quantity: quantity("2"),
        unit_cost: UnitPrice::parse("unit_cost", dec("6")).unwrap(),
        from: id(1),
    };
    let arrived = StockEvent::TransferredIn(StockTransferredIn {
        transfer: id(7),
        quantity: dec("2"),
        unit_cost: dec("6"),
        from: id(1),
        average_cost: dec("6"),
    });
    given::<Stock>([])
        .when(issue(arrival.clone()))
        .then(vec![arrived.clone()]);
    given::<Stock>([arrived])
        .when(issue(arrival))
        .then_nothing();
    given::<Stock>([received("1", "6", "6")])
        .when(issue(StockCommand::TransferOut {
            transfer: id(8),
            quantity: quantity("2"),
            to: id(2),
            negative_allowed: false,
        }))
        .then_rejected("stock.insufficient");
}

/// Protects inventory counts: the difference is booked at average cost.
#[test]
fn a_count_books_the_difference() {
    given::<Stock>([received("10", "4", "4")])
        .when(issue(StockCommand::Count {
            counted: Quantity::parse_break("counted", dec("7")).unwrap(),
        }))
        .then(vec![StockEvent::Counted(StockCounted {
            counted: dec("7"),
            difference: dec("-3"),
            unit_cost: dec("4"),
        })]);
    given::<Stock>([received("10", "4", "4")])
        .when(issue(StockCommand::Count {
            counted: Quantity::parse_break("counted", dec("10")).unwrap(),
        }))
        .then_nothing();
}

/// Protects costing after a deficit: new goods set the cost.
#[test]
fn a_receipt_into_negative_stock_sets_the_cost() {
    let issued = StockEvent::Issued(StockIssued {
        quantity: dec("2"),
        unit_cost: Decimal::ZERO,
        reservation: None,
        reference: None,
    });
    given::<Stock>([issued])
        .when(issue(receive("5", "3")))
        .then(vec![received("5", "3", "3")]);
}

/// Protects warehouses: opened once, closed ones refuse changes.
#[test]
fn warehouses_open_once_and_refuse_changes_when_closed() {
    let opened = WarehouseEvent::Opened(WarehouseOpened {
        name: "Main".into(),
        branch: None,
        allows_negative_stock: false,
    });
    let open = WarehouseCommand::Open {
        name: Label::parse("name", "Main").unwrap(),
        branch: None,
        allows_negative_stock: false,
    };
    given::<Warehouse>([])
        .when(issue(open.clone()))
        .then(vec![opened.clone()]);
    given::<Warehouse>([opened.clone()])
        .when(issue(open))
        .then_rejected("warehouse.already_opened");
    given::<Warehouse>([opened.clone()])
        .when(issue(WarehouseCommand::AllowNegativeStock(true)))
        .then(vec![WarehouseEvent::NegativeStockSet(
            WarehouseNegativeStockSet { allowed: true },
        )]);
    given::<Warehouse>([opened.clone()])
        .when(issue(WarehouseCommand::AllowNegativeStock(false)))
        .then_nothing();
    given::<Warehouse>([opened, WarehouseEvent::Closed(WarehouseClosed {})])
        .when(issue(WarehouseCommand::Rename(
            Label::parse("name", "Old").unwrap(),
        )))
        .then_rejected("warehouse.closed");
    given::<Warehouse>([])
        .when(issue(WarehouseCommand::Close))
        .then_not_found();
}

/// Protects production costing: components consumed leave at the average
/// cost, use up their reservation, and are refused beyond what is there.
#[test]
fn a_production_consumes_at_the_average_cost_under_its_reservation() {
    let consume = |quantity_text: &str| StockCommand::Consume {
        production: id(40),
        completion: 1,
        quantity: quantity(quantity_text),
        reservation: Some(id(7)),
        negative_allowed: false,
    };
    given::<Stock>([received("10", "3", "3"), reserved(7, "6"), reserved(8, "4")])
        .when(issue(consume("6")))
        .then(vec![StockEvent::Consumed(StockConsumed {
            production: id(40),
            completion: 1,
            quantity: dec("6"),
            unit_cost: dec("3"),
            reservation: Some(id(7)),
        })]);
    given::<Stock>([received("10", "3", "3"), reserved(7, "6"), reserved(8, "4")])
        .when(issue(consume("7")))
        .then_rejected("stock.insufficient");
    let after = [
        received("10", "3", "3"),
        reserved(7, "6"),
        StockEvent::Consumed(StockConsumed {
            production: id(40),
            completion: 1,
            quantity: dec("4"),
            unit_cost: dec("3"),
            reservation: Some(id(7)),
        }),
    ]
    .iter()
    .fold(StockState::default(), Stock::evolve);
    assert_eq!(after.on_hand, dec("6"));
    assert_eq!(after.reserved(), dec("2"));
}
