//! Every rule of a purchase order as given / when / then, and the
//! arithmetic of a receipt's costs.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

/// A decimal written as a literal: `dec!(0.25)`.
macro_rules! dec {
    ($value:literal) => {
        Decimal::from_str(stringify!($value)).unwrap()
    };
}

fn supplier() -> PartyId {
    id(1)
}

fn warehouse() -> WarehouseId {
    id(2)
}

fn usd() -> Currency {
    Currency::parse("currency", "USD").unwrap()
}

fn drafted() -> PurchaseEvent {
    PurchaseEvent::Drafted(PurchaseOrderDrafted {
        order: id(9),
        supplier: supplier(),
        warehouse: warehouse(),
        branch: None,
        currency: usd(),
        buyer: None,
        reference: None,
        expected_on: None,
    })
}

fn added(line: u32, product: u128, quantity: Decimal, unit_price: Decimal) -> PurchaseEvent {
    PurchaseEvent::LineAdded(PurchaseLineAdded {
        line,
        product: id(product),
        quantity,
        unit_price,
    })
}

fn sent_line(line: u32, product: u128, quantity: Decimal, unit_price: Decimal) -> SentLine {
    SentLine {
        line,
        product: id(product),
        quantity,
        unit_price,
        amount: round_amount(quantity * unit_price),
    }
}

/// Two lines: 10 of product 100 at 3.00 and 5 of product 200 at 12.00.
fn sent_history() -> Vec<PurchaseEvent> {
    let lines = vec![
        sent_line(1, 100, dec!(10), dec!(3)),
        sent_line(2, 200, dec!(5), dec!(12)),
    ];
    vec![
        drafted(),
        added(1, 100, dec!(10), dec!(3)),
        added(2, 200, dec!(5), dec!(12)),
        PurchaseEvent::Sent(PurchaseOrderSent {
            supplier: supplier(),
            warehouse: warehouse(),
            currency: usd(),
            lines,
            total: dec!(90),
            expected_on: None,
        }),
    ]
}

fn quantity(value: Decimal) -> Quantity {
    Quantity::parse("quantity", value).unwrap()
}

fn price(value: Decimal) -> UnitPrice {
    UnitPrice::parse("unit_price", value).unwrap()
}

fn rate(value: Decimal) -> ExchangeRate {
    ExchangeRate::parse("rate", value).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn receive(lines: Option<Vec<(u32, Decimal)>>) -> ReceivePurchase {
    ReceivePurchase {
        receipt: id(50),
        lines: lines.map(|lines| {
            lines
                .into_iter()
                .map(|(line, value)| ReceiveLine {
                    line,
                    quantity: quantity(value),
                })
                .collect()
        }),
        landed_costs: Vec::new(),
        spread: Spread::ByValue,
        rate: ExchangeRate::ONE,
    }
}

fn received_event(outcome: Result<Vec<PurchaseEvent>, DomainError>) -> PurchaseReceived {
    match outcome.expect("received").as_slice() {
        [PurchaseEvent::Received(received)] => received.clone(),
        other => panic!("expected one receipt, got {other:?}"),
    }
}

fn decide(
    history: &[PurchaseEvent],
    command: PurchaseCommand,
) -> Result<Vec<PurchaseEvent>, DomainError> {
    PurchaseOrder::decide(&PurchaseOrder::replay(history), &issue(command))
}

#[test]
fn a_purchase_order_is_drafted_once() {
    let draft = PurchaseCommand::Draft(DraftPurchase {
        order: id(9),
        supplier: supplier(),
        warehouse: warehouse(),
        branch: None,
        currency: usd(),
        buyer: None,
        reference: None,
        expected_on: None,
    });
    given::<PurchaseOrder>([])
        .when(issue(draft.clone()))
        .then(vec![drafted()]);
    given::<PurchaseOrder>([drafted()])
        .when(issue(draft))
        .then_rejected("purchase.already_drafted");
}

#[test]
fn a_purchase_order_not_drafted_takes_no_other_command() {
    for command in [
        PurchaseCommand::Send,
        PurchaseCommand::RemoveLine { line: 1 },
        PurchaseCommand::Cancel {
            reason: label("no"),
        },
        PurchaseCommand::Receive(receive(None)),
    ] {
        given::<PurchaseOrder>([])
            .when(issue(command))
            .then_not_found();
    }
}

#[test]
fn lines_are_numbered_and_change_only_in_a_draft() {
    given::<PurchaseOrder>([drafted(), added(1, 100, dec!(10), dec!(3))])
        .when(issue(PurchaseCommand::AddLine {
            product: id(200),
            quantity: quantity(dec!(5)),
            unit_price: price(dec!(12)),
        }))
        .then(vec![added(2, 200, dec!(5), dec!(12))]);
    given::<PurchaseOrder>([drafted(), added(1, 100, dec!(10), dec!(3))])
        .when(issue(PurchaseCommand::ChangeLine {
            line: 1,
            quantity: quantity(dec!(12)),
            unit_price: price(dec!(2.5)),
        }))
        .then(vec![PurchaseEvent::LineChanged(PurchaseLineChanged {
            line: 1,
            quantity: dec!(12),
            unit_price: dec!(2.5),
        })]);
    given::<PurchaseOrder>([drafted(), added(1, 100, dec!(10), dec!(3))])
        .when(issue(PurchaseCommand::ChangeLine {
            line: 1,
            quantity: quantity(dec!(10)),
            unit_price: price(dec!(3)),
        }))
        .then_nothing();
    given::<PurchaseOrder>([drafted()])
        .when(issue(PurchaseCommand::RemoveLine { line: 4 }))
        .then_invalid("line");
    given::<PurchaseOrder>(sent_history())
        .when(issue(PurchaseCommand::AddLine {
            product: id(300),
            quantity: quantity(dec!(1)),
            unit_price: price(dec!(1)),
        }))
        .then_rejected("purchase.not_draft");
    given::<PurchaseOrder>(sent_history())
        .when(issue(PurchaseCommand::RemoveLine { line: 1 }))
        .then_rejected("purchase.not_draft");
}

/// A removed line's number is not given again: the supplier may have
/// been told about it.
#[test]
fn a_removed_line_number_is_never_reused() {
    given::<PurchaseOrder>([
        drafted(),
        added(1, 100, dec!(1), dec!(1)),
        added(2, 100, dec!(1), dec!(1)),
        PurchaseEvent::LineRemoved(PurchaseLineRemoved { line: 2 }),
    ])
    .when(issue(PurchaseCommand::AddLine {
        product: id(300),
        quantity: quantity(dec!(1)),
        unit_price: price(dec!(1)),
    }))
    .then(vec![added(3, 300, dec!(1), dec!(1))]);
}

#[test]
fn sending_freezes_the_lines_with_their_amounts() {
    let history = sent_history();
    given::<PurchaseOrder>(history[..3].to_vec())
        .when(issue(PurchaseCommand::Send))
        .then(vec![history[3].clone()]);
    given::<PurchaseOrder>(history)
        .when(issue(PurchaseCommand::Send))
        .then_nothing();
    given::<PurchaseOrder>([drafted()])
        .when(issue(PurchaseCommand::Send))
        .then_rejected("purchase.empty");
}

#[test]
fn goods_are_received_only_after_sending_and_never_twice() {
    given::<PurchaseOrder>([drafted(), added(1, 100, dec!(1), dec!(1))])
        .when(issue(PurchaseCommand::Receive(receive(None))))
        .then_rejected("purchase.not_sent");
    let mut history = sent_history();
    let received = received_event(decide(&history, PurchaseCommand::Receive(receive(None))));
    assert!(received.complete);
    history.push(PurchaseEvent::Received(received));
    // The same receipt again (a retry) changes nothing.
    given::<PurchaseOrder>(history.clone())
        .when(issue(PurchaseCommand::Receive(receive(None))))
        .then_nothing();
    let mut another = receive(None);
    another.receipt = id(51);
    given::<PurchaseOrder>(history)
        .when(issue(PurchaseCommand::Receive(another)))
        .then_rejected("purchase.fully_received");
}

#[test]
fn a_partial_receipt_leaves_the_rest_outstanding() {
    let mut history = sent_history();
    let first = received_event(decide(
        &history,
        PurchaseCommand::Receive(receive(Some(vec![(1, dec!(4))]))),
    ));
    assert!(!first.complete);
    assert_eq!(first.lines.len(), 1);
    assert_eq!(first.lines[0].quantity, dec!(4));
    history.push(PurchaseEvent::Received(first));
    let state = PurchaseOrder::replay(&history).unwrap();
    assert_eq!(state.status, PurchaseStatus::PartiallyReceived);
    assert_eq!(state.lines[&1].outstanding(), dec!(6));

    // More than is outstanding, even split over two entries, is refused.
    let mut over = receive(Some(vec![(1, dec!(3)), (1, dec!(4))]));
    over.receipt = id(51);
    given::<PurchaseOrder>(history.clone())
        .when(issue(PurchaseCommand::Receive(over)))
        .then_rejected("purchase.over_receipt");
    let mut unknown = receive(Some(vec![(7, dec!(1))]));
    unknown.receipt = id(51);
    given::<PurchaseOrder>(history.clone())
        .when(issue(PurchaseCommand::Receive(unknown)))
        .then_invalid("lines[0].line");

    // The rest arrives: everything outstanding, and the order is received.
    let mut rest = receive(None);
    rest.receipt = id(51);
    let second = received_event(decide(&history, PurchaseCommand::Receive(rest)));
    assert!(second.complete);
    let arrived: Vec<(u32, Decimal)> = second
        .lines
        .iter()
        .map(|line| (line.line, line.quantity))
        .collect();
    assert_eq!(arrived, vec![(1, dec!(6)), (2, dec!(5))]);
}

/// Landed costs by value: 10 × 3.00 = 30 and 5 × 12.00 = 60 carry 30 of
/// freight as 10 and 20; unit costs (30 + 10) / 10 = 4 and
/// (60 + 20) / 5 = 16.
#[test]
fn landed_costs_spread_by_value_raise_the_unit_cost() {
    let mut command = receive(None);
    command.landed_costs = vec![NewLandedCost {
        label: label("Freight"),
        amount: price(dec!(30)),
    }];
    let received = received_event(decide(&sent_history(), PurchaseCommand::Receive(command)));
    let costs: Vec<(Decimal, Decimal)> = received
        .lines
        .iter()
        .map(|line| (line.landed, line.unit_cost))
        .collect();
    assert_eq!(costs, vec![(dec!(10), dec!(4)), (dec!(20), dec!(16))]);
}

/// By quantity: 30 over 10 + 5 units is 20 and 10; unit costs
/// (30 + 20) / 10 = 5 and (60 + 10) / 5 = 14.
#[test]
fn landed_costs_spread_by_quantity() {
    let mut command = receive(None);
    command.spread = Spread::ByQuantity;
    command.landed_costs = vec![
        NewLandedCost {
            label: label("Freight"),
            amount: price(dec!(18)),
        },
        NewLandedCost {
            label: label("Duty"),
            amount: price(dec!(12)),
        },
    ];
    let received = received_event(decide(&sent_history(), PurchaseCommand::Receive(command)));
    let costs: Vec<(Decimal, Decimal)> = received
        .lines
        .iter()
        .map(|line| (line.landed, line.unit_cost))
        .collect();
    assert_eq!(costs, vec![(dec!(20), dec!(5)), (dec!(10), dec!(14))]);
}

/// A rate that does not divide evenly: 1 USD = 0.3333333333 of the
/// company currency. Line 1: 10 × 3.00 × r = 9.999999999 → 10.00;
/// line 2: 60 × r = 19.999999998 → 20.00. 10 of freight by value:
/// 3.333… and 6.666… cut to 3.33 and 6.66, the cent left over to line 2,
/// which lost more in the cut. Unit costs: 13.33 / 10 = 1.333 and
/// 26.67 / 5 = 5.334.
#[test]
fn a_foreign_currency_receipt_converts_once_at_its_rate() {
    let mut command = receive(None);
    command.rate = rate(dec!(0.3333333333));
    command.landed_costs = vec![NewLandedCost {
        label: label("Freight"),
        amount: price(dec!(10)),
    }];
    let received = received_event(decide(&sent_history(), PurchaseCommand::Receive(command)));
    assert_eq!(received.rate, dec!(0.3333333333));
    let lines: Vec<(Decimal, Decimal, Decimal, Decimal)> = received
        .lines
        .iter()
        .map(|line| (line.amount, line.value, line.landed, line.unit_cost))
        .collect();
    assert_eq!(
        lines,
        vec![
            (dec!(30), dec!(10), dec!(3.33), dec!(1.333)),
            (dec!(60), dec!(20), dec!(6.67), dec!(5.334)),
        ]
    );
}

/// Goods sent free of charge have no value to spread by: the costs go by
/// quantity instead of vanishing.
#[test]
fn landed_costs_on_free_goods_spread_by_quantity() {
    let history = vec![
        drafted(),
        added(1, 100, dec!(3), dec!(0)),
        added(2, 200, dec!(1), dec!(0)),
    ];
    let mut history = history;
    let sent = decide(&history, PurchaseCommand::Send).unwrap();
    history.extend(sent);
    let mut command = receive(None);
    command.landed_costs = vec![NewLandedCost {
        label: label("Freight"),
        amount: price(dec!(8)),
    }];
    let received = received_event(decide(&history, PurchaseCommand::Receive(command)));
    let landed: Vec<Decimal> = received.lines.iter().map(|line| line.landed).collect();
    assert_eq!(landed, vec![dec!(6), dec!(2)]);
}

#[test]
fn too_many_landed_costs_are_refused() {
    let mut command = receive(None);
    command.landed_costs = (0..=LANDED_COSTS_MAX)
        .map(|index| NewLandedCost {
            label: label(&format!("cost {index}")),
            amount: price(dec!(1)),
        })
        .collect();
    given::<PurchaseOrder>(sent_history())
        .when(issue(PurchaseCommand::Receive(command)))
        .then_invalid("landed_costs");
}

#[test]
fn an_order_is_cancelled_only_before_goods_arrive() {
    let cancel = || PurchaseCommand::Cancel {
        reason: label("supplier out of stock"),
    };
    let cancelled = PurchaseEvent::Cancelled(PurchaseOrderCancelled {
        reason: "supplier out of stock".into(),
    });
    given::<PurchaseOrder>(sent_history())
        .when(issue(cancel()))
        .then(vec![cancelled.clone()]);
    let mut history = sent_history();
    history.push(cancelled);
    given::<PurchaseOrder>(history.clone())
        .when(issue(cancel()))
        .then_nothing();
    given::<PurchaseOrder>(history.clone())
        .when(issue(PurchaseCommand::Receive(receive(None))))
        .then_rejected("purchase.cancelled");
    given::<PurchaseOrder>(history)
        .when(issue(PurchaseCommand::Send))
        .then_rejected("purchase.cancelled");

    let mut partly = sent_history();
    partly.extend(
        decide(
            &partly,
            PurchaseCommand::Receive(receive(Some(vec![(1, dec!(1))]))),
        )
        .unwrap(),
    );
    given::<PurchaseOrder>(partly)
        .when(issue(cancel()))
        .then_rejected("purchase.received");
}

/// Four equal lines share 0.02: two get a cent, none goes below zero.
#[test]
fn a_cost_smaller_than_its_lines_is_shared_without_negative_cents() {
    let shares = spread_over(dec!(0.02), &[dec!(1), dec!(1), dec!(1), dec!(1)]);
    assert_eq!(shares, vec![dec!(0.01), dec!(0.01), dec!(0), dec!(0)]);
    // A third each of 10.00: 3.33 each and the cent left to the first.
    let shares = spread_over(dec!(10), &[dec!(1), dec!(1), dec!(1)]);
    assert_eq!(shares, vec![dec!(3.34), dec!(3.33), dec!(3.33)]);
}

proptest! {
    /// Protects the books: however a cost is split, the shares are cents,
    /// none is negative, and they add up to the cost exactly.
    #[test]
    fn shares_add_up_to_the_cost(
        cents in prop_oneof![0u64..100, 0u64..10_000_000_000],
        weights in prop::collection::vec(0u64..1_000_000, 1..40),
    ) {
        let total = Decimal::new(cents as i64, 2);
        let weights: Vec<Decimal> = weights.into_iter().map(|weight| Decimal::new(weight as i64, 3)).collect();
        let shares = spread_over(total, &weights);
        prop_assert_eq!(shares.len(), weights.len());
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
        for share in &shares {
            prop_assert!(share.scale() <= 2, "{share}");
        }
        for share in &shares {
            prop_assert!(*share >= Decimal::ZERO, "{shares:?}");
        }
    }

    /// Protects stock values: whatever arrives at whatever rate, the
    /// receipt's value plus its landed costs is what enters stock, within
    /// the rounding of one unit cost per line.
    #[test]
    fn a_receipt_puts_its_whole_cost_into_stock(
        quantities in prop::collection::vec(1u32..500, 1..8),
        prices in prop::collection::vec(0u32..100_000, 8),
        rate_micros in 1u32..50_000_000,
        landed_cents in 0u32..10_000_000,
        by_quantity in any::<bool>(),
    ) {
        let mut history = vec![drafted()];
        for (index, units) in quantities.iter().enumerate() {
            history.push(added(
                index as u32 + 1,
                100 + index as u128,
                Decimal::from(*units),
                Decimal::new(i64::from(prices[index]), 2),
            ));
        }
        history.extend(decide(&history, PurchaseCommand::Send).unwrap());
        let mut command = receive(None);
        command.rate = rate(Decimal::new(i64::from(rate_micros), 6));
        command.spread = if by_quantity { Spread::ByQuantity } else { Spread::ByValue };
        command.landed_costs = vec![NewLandedCost {
            label: label("Freight"),
            amount: price(Decimal::new(i64::from(landed_cents), 2)),
        }];
        let received = received_event(decide(&history, PurchaseCommand::Receive(command)));
        let landed: Decimal = received.lines.iter().map(|line| line.landed).sum();
        prop_assert_eq!(landed, Decimal::new(i64::from(landed_cents), 2));
        for line in &received.lines {
            let entered = line.unit_cost * line.quantity;
            let cost = line.value + line.landed;
            // One unit cost rounded to 4 places, times the quantity.
            prop_assert!((entered - cost).abs() <= dec!(0.00005) * line.quantity, "{line:?}");
        }
    }
}

/// Protects the end of an order's life: received in full, invoiced in
/// full (in two invoices), paid when both are paid off; an invoice told
/// twice counts once, and a draft is not invoiced.
#[test]
fn a_received_order_is_invoiced_then_paid() {
    given::<PurchaseOrder>([drafted(), added(1, 100, dec!(1), dec!(1))])
        .when(issue(PurchaseCommand::RecordInvoice {
            invoice: id(70),
            amount: dec!(1),
        }))
        .then_rejected("purchase.not_sent");
    let mut history = sent_history();
    history.extend(decide(&history, PurchaseCommand::Receive(receive(None))).unwrap());
    let status = |history: &[PurchaseEvent]| PurchaseOrder::replay(history).unwrap().status;
    assert_eq!(status(&history), PurchaseStatus::Received);
    history.extend(
        decide(
            &history,
            PurchaseCommand::RecordInvoice {
                invoice: id(70),
                amount: dec!(50),
            },
        )
        .unwrap(),
    );
    assert_eq!(
        status(&history),
        PurchaseStatus::Received,
        "50 of 90 invoiced"
    );
    given::<PurchaseOrder>(history.clone())
        .when(issue(PurchaseCommand::RecordInvoice {
            invoice: id(70),
            amount: dec!(50),
        }))
        .then_nothing();
    for invoice in [71, 70] {
        let command = if invoice == 71 {
            PurchaseCommand::RecordInvoice {
                invoice: id(71),
                amount: dec!(40),
            }
        } else {
            PurchaseCommand::RecordInvoicePaid { invoice: id(70) }
        };
        history.extend(decide(&history, command).unwrap());
    }
    assert_eq!(
        status(&history),
        PurchaseStatus::Invoiced,
        "one of two paid"
    );
    history.extend(
        decide(
            &history,
            PurchaseCommand::RecordInvoicePaid { invoice: id(71) },
        )
        .unwrap(),
    );
    assert_eq!(status(&history), PurchaseStatus::Paid);
    given::<PurchaseOrder>(history)
        .when(issue(PurchaseCommand::RecordInvoicePaid {
            invoice: id(71),
        }))
        .then_nothing();
}
