//! A supplier's payables as given / when / then, with rates that do not
//! divide evenly.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn usd() -> Currency {
    Currency::parse("currency", "USD").unwrap()
}

fn day(number: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, number).unwrap()
}

fn record(invoice: u128, number: &str, amount: &str, rate: &str, due: u32) -> PayableCommand {
    PayableCommand::RecordInvoice(RecordSupplierInvoice {
        invoice: id(invoice),
        order: None,
        number: Label::parse("number", number).unwrap(),
        currency: usd(),
        amount: UnitPrice::parse("amount", dec(amount)).unwrap(),
        rate: ExchangeRate::parse("rate", dec(rate)).unwrap(),
        issued_on: day(1),
        due: day(due),
    })
}

fn pay(payment: u128, amount: &str, rate: &str, to: Option<Vec<(u128, &str)>>) -> PayableCommand {
    PayableCommand::Pay(PaySupplier {
        payment: id(payment),
        method: PaymentMethod::BankTransfer,
        currency: usd(),
        amount: UnitPrice::parse("amount", dec(amount)).unwrap(),
        rate: ExchangeRate::parse("rate", dec(rate)).unwrap(),
        allocations: to.map(|to| {
            to.into_iter()
                .map(|(invoice, part)| (id(invoice), UnitPrice::parse("part", dec(part)).unwrap()))
                .collect()
        }),
        reference: None,
    })
}

fn history(commands: Vec<PayableCommand>) -> Vec<PayableEvent> {
    let mut state = PayableState::default();
    let mut events = Vec::new();
    for command in commands {
        for event in Payable::decide(&state, &issue(command)).unwrap() {
            state = Payable::evolve(state, &event);
            events.push(event);
        }
    }
    events
}

/// 100.00 USD at 0.3333333333 is worth 33.33. 40 paid at 0.35: 13.33 at
/// the invoice's rate, 14.00 at the payment's, a loss of 0.67. The other
/// 60 at 0.30 settle it: what is left of its value, 20.00, against
/// 18.00, a gain of 2.00. The parts' values add up to the 33.33.
#[test]
fn each_payment_realizes_its_exchange_difference() {
    let recorded = history(vec![record(1, "F-100", "100", "0.3333333333", 31)]);
    match &recorded[0] {
        PayableEvent::InvoiceRecorded(invoice) => assert_eq!(invoice.value, dec("33.33")),
        other => panic!("{other:?}"),
    }
    let first = Payable::decide(
        &Payable::replay(&recorded),
        &issue(pay(10, "40", "0.35", Some(vec![(1, "40")]))),
    )
    .unwrap();
    assert_eq!(
        first[1],
        PayableEvent::ExchangeDifferenceRealized(ExchangeDifferenceRealized {
            payment: id(10),
            invoice: id(1),
            currency: usd(),
            amount: dec("40"),
            gain: dec("-0.67"),
        })
    );
    assert_eq!(first.len(), 2, "not settled yet");
    let mut events = recorded;
    events.extend(first);
    let second = Payable::decide(
        &Payable::replay(&events),
        &issue(pay(11, "60", "0.3", None)),
    )
    .unwrap();
    match &second[0] {
        PayableEvent::PaymentMade(made) => {
            assert_eq!(made.allocations[0].value_at_invoice, dec("20.00"));
            assert_eq!(made.allocations[0].value_at_payment, dec("18.00"));
            assert_eq!(made.advance, Decimal::ZERO);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        second[1],
        PayableEvent::ExchangeDifferenceRealized(ExchangeDifferenceRealized {
            payment: id(11),
            invoice: id(1),
            currency: usd(),
            amount: dec("60"),
            gain: dec("2.00"),
        })
    );
    assert_eq!(
        second[2],
        PayableEvent::InvoiceSettled(SupplierInvoiceSettled {
            invoice: id(1),
            order: None,
        })
    );
}

#[test]
fn a_payment_without_allocations_pays_the_oldest_due_first_and_keeps_the_rest() {
    let events = history(vec![
        record(1, "F-1", "50", "1", 20),
        record(2, "F-2", "30", "1", 10),
    ]);
    let decided =
        Payable::decide(&Payable::replay(&events), &issue(pay(10, "100", "1", None))).unwrap();
    match &decided[0] {
        PayableEvent::PaymentMade(made) => {
            let order: Vec<(SupplierInvoiceId, Decimal)> = made
                .allocations
                .iter()
                .map(|allocation| (allocation.invoice, allocation.amount))
                .collect();
            assert_eq!(order, vec![(id(2), dec("30")), (id(1), dec("50"))]);
            assert_eq!(made.advance, dec("20"));
        }
        other => panic!("{other:?}"),
    }
    // At the same rate there is no difference to record.
    assert!(
        !decided
            .iter()
            .any(|event| matches!(event, PayableEvent::ExchangeDifferenceRealized(_)))
    );
}

#[test]
fn refusals_name_what_is_wrong() {
    let events = history(vec![record(1, "F-1", "50", "1", 20)]);
    given::<Payable>(events.clone())
        .when(issue(record(2, "F-1", "10", "1", 20)))
        .then_rejected("payable.duplicate_number");
    given::<Payable>(events.clone())
        .when(issue(pay(10, "60", "1", Some(vec![(1, "60")]))))
        .then_rejected("payable.overpaid");
    given::<Payable>(events.clone())
        .when(issue(pay(10, "60", "1", Some(vec![(9, "10")]))))
        .then_invalid("allocations[0]");
    given::<Payable>(events.clone())
        .when(issue(pay(10, "10", "1", Some(vec![(1, "20")]))))
        .then_invalid("allocations");
    let mut early = record(3, "F-3", "10", "1", 1);
    if let PayableCommand::RecordInvoice(record) = &mut early {
        record.issued_on = day(5);
    }
    given::<Payable>(events.clone())
        .when(issue(early))
        .then_invalid("due");
    // The same invoice and the same payment again change nothing.
    given::<Payable>(events.clone())
        .when(issue(record(1, "F-1", "50", "1", 20)))
        .then_nothing();
    let paid = history(vec![
        record(1, "F-1", "50", "1", 20),
        pay(10, "10", "1", None),
    ]);
    given::<Payable>(paid)
        .when(issue(pay(10, "10", "1", None)))
        .then_nothing();
}

fn record_on(invoice: u128, number: &str, amount: &str, rate: &str) -> PayableCommand {
    record(invoice, number, amount, rate, 31)
}

/// Protects advances: 50 USD paid at 0.9 with no invoice is an advance
/// worth 45.00; the next USD invoice, 30 at 0.3333333333 (10.00), is paid
/// from it (27.00 at the advance's rate: a loss of 17.00) and settled; the
/// 20 left pays part of the next (20 at 1.1 = 22.00 against the 18.00 the
/// advance has left: a gain of 4.00); nothing is drawn twice.
#[test]
fn an_advance_pays_the_next_invoices_in_its_currency() {
    let events = history(vec![
        pay(10, "50", "0.9", None),
        record_on(1, "F-1", "30", "0.3333333333"),
        record_on(2, "F-2", "100", "1.1"),
    ]);
    let applied: Vec<(SupplierInvoiceId, Decimal, Decimal, Decimal)> = events
        .iter()
        .filter_map(|event| match event {
            PayableEvent::AdvanceApplied(applied) => Some((
                applied.invoice,
                applied.amount,
                applied.value_at_invoice,
                applied.value_at_payment,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        vec![
            (id(1), dec("30"), dec("10.00"), dec("27.00")),
            (id(2), dec("20"), dec("22.00"), dec("18.00")),
        ]
    );
    let gains: Vec<Decimal> = events
        .iter()
        .filter_map(|event| match event {
            PayableEvent::ExchangeDifferenceRealized(difference) => Some(difference.gain),
            _ => None,
        })
        .collect();
    assert_eq!(gains, vec![dec("-17.00"), dec("4.00")]);
    let settled: Vec<SupplierInvoiceId> = events
        .iter()
        .filter_map(|event| match event {
            PayableEvent::InvoiceSettled(settled) => Some(settled.invoice),
            _ => None,
        })
        .collect();
    assert_eq!(settled, vec![id(1)], "the second is paid in part");
    let state = Payable::replay(&events);
    assert!(state.advances.is_empty());
    assert_eq!(state.invoices[&id(2)].outstanding(), dec("80"));
    // A third invoice finds no advance left.
    let third = Payable::decide(&state, &issue(record_on(3, "F-3", "5", "1"))).unwrap();
    assert_eq!(third.len(), 1, "{third:?}");
}

/// Protects currencies: an advance in euros does not pay a dollar
/// invoice.
#[test]
fn an_advance_pays_only_invoices_in_its_currency() {
    let mut euros = pay(10, "50", "1", None);
    if let PayableCommand::Pay(pay) = &mut euros {
        pay.currency = Currency::parse("currency", "EUR").unwrap();
    }
    let events = history(vec![euros, record_on(1, "F-1", "30", "0.9")]);
    assert_eq!(events.len(), 2, "{events:?}");
    let state = Payable::replay(&events);
    assert_eq!(
        state.advance(Currency::parse("currency", "EUR").unwrap()),
        dec("50")
    );
    assert_eq!(state.advance(usd()), Decimal::ZERO);
}

proptest! {
    /// Protects advances: however advances at any rates are drawn on by
    /// invoices at any rates, each advance's parts add up to its value at
    /// its own rate, and no more is drawn than was paid.
    #[test]
    fn advances_are_drawn_on_exactly(
        advances in prop::collection::vec((1u64..100_000, 1u32..5_000_000), 1..4),
        invoices in prop::collection::vec((1u64..100_000, 1u32..5_000_000), 1..6),
    ) {
        let rate = |micros: u32| Decimal::new(i64::from(micros), 6).to_string();
        let mut commands = Vec::new();
        for (index, (cents, micros)) in advances.iter().enumerate() {
            let amount = Decimal::new(*cents as i64, 2).to_string();
            commands.push(pay(100 + index as u128, &amount, &rate(*micros), None));
        }
        for (index, (cents, micros)) in invoices.iter().enumerate() {
            let amount = Decimal::new(*cents as i64, 2).to_string();
            let number = format!("F-{index}");
            commands.push(record_on(1 + index as u128, &number, &amount, &rate(*micros)));
        }
        let events = history(commands);
        let state = Payable::replay(&events);
        for (index, (cents, micros)) in advances.iter().enumerate() {
            let payment: SupplierPaymentId = id(100 + index as u128);
            let paid = Decimal::new(*cents as i64, 2);
            let value = round_amount(paid * Decimal::new(i64::from(*micros), 6));
            let (drawn, drawn_value) = events
                .iter()
                .filter_map(|event| match event {
                    PayableEvent::AdvanceApplied(applied) if applied.payment == payment => {
                        Some((applied.amount, applied.value_at_payment))
                    }
                    _ => None,
                })
                .fold((Decimal::ZERO, Decimal::ZERO), |(a, v), (b, w)| (a + b, v + w));
            let left = state
                .advances
                .iter()
                .find(|advance| advance.payment == payment);
            prop_assert_eq!(drawn + left.map_or(Decimal::ZERO, |advance| advance.left), paid);
            prop_assert_eq!(
                drawn_value + left.map_or(Decimal::ZERO, |advance| advance.value_left),
                value
            );
        }
        for invoice in state.invoices.values() {
            prop_assert!(invoice.paid <= invoice.amount);
            if invoice.outstanding().is_zero() {
                prop_assert_eq!(invoice.value_paid, invoice.value);
            }
        }
    }


    /// Protects the books: however an invoice is paid off in parts at
    /// whatever rates, the parts' values at its rate add up to its value,
    /// and each part's gain is its two values' difference.
    #[test]
    fn paid_parts_add_up_to_the_invoices_value(
        cents in 1u64..10_000_000,
        rate_micros in 1u32..5_000_000,
        payments in prop::collection::vec((1u64..100, 1u32..5_000_000), 1..6),
    ) {
        let amount = Decimal::new(cents as i64, 2);
        let mut events = history(vec![record(
            1,
            "F-1",
            &amount.to_string(),
            &Decimal::new(i64::from(rate_micros), 6).to_string(),
            31,
        )]);
        let mut state = Payable::replay(&events);
        let mut valued = Decimal::ZERO;
        for (index, (percent, payment_rate)) in payments.iter().enumerate() {
            let outstanding = state.invoices[&id(1)].outstanding();
            if outstanding.is_zero() {
                break;
            }
            let last = index + 1 == payments.len();
            let part = if last {
                outstanding
            } else {
                round_amount(outstanding * Decimal::from(*percent) / Decimal::ONE_HUNDRED)
                    .max(Decimal::new(1, 2))
                    .min(outstanding)
            };
            let decided = Payable::decide(
                &state,
                &issue(pay(
                    100 + index as u128,
                    &part.to_string(),
                    &Decimal::new(i64::from(*payment_rate), 6).to_string(),
                    Some(vec![(1, &part.to_string())]),
                )),
            )
            .unwrap();
            for event in &decided {
                if let PayableEvent::PaymentMade(made) = event {
                    for allocation in &made.allocations {
                        valued += allocation.value_at_invoice;
                    }
                }
                if let PayableEvent::ExchangeDifferenceRealized(difference) = event {
                    prop_assert!(!difference.gain.is_zero());
                }
                state = Payable::evolve(state, event);
                events.push(event.clone());
            }
        }
        let invoice = &state.invoices[&id(1)];
        prop_assert_eq!(invoice.outstanding(), Decimal::ZERO);
        prop_assert_eq!(valued, invoice.value);
    }
}
