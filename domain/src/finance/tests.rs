//! Customer account and numbering rules as given / when / then.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn money(amount: &str) -> Money {
    Money::parse("amount", dec(amount), eur()).unwrap()
}

fn gross(amount: &str) -> Amounts {
    Amounts {
        net: dec(amount),
        vat: Decimal::ZERO,
        gross: dec(amount),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
}

fn issued(invoice: u128, order: Option<u128>, amount: &str, due: u32) -> AccountEvent {
    AccountEvent::InvoiceIssued(InvoiceIssued {
        invoice: id(invoice),
        order: order.map(id),
        branch: None,
        currency: eur(),
        total: gross(amount),
        due: day(due),
        rate: None,
        value: None,
    })
}

fn issue_invoice(
    invoice: u128,
    order: Option<u128>,
    amount: &str,
    due: u32,
) -> Issued<AccountCommand> {
    issue(AccountCommand::IssueInvoice {
        invoice: id(invoice),
        order: order.map(id),
        branch: None,
        currency: eur(),
        total: gross(amount),
        due: day(due),
        rate: None,
    })
}

fn settled(invoice: u128, order: Option<u128>) -> AccountEvent {
    AccountEvent::InvoiceSettled(InvoiceSettled {
        invoice: id(invoice),
        order: order.map(id),
    })
}

fn allocation(invoice: u128, amount: &str) -> Allocation {
    Allocation {
        invoice: id(invoice),
        amount: dec(amount),
    }
}

fn pay(
    payment: u128,
    amount: &str,
    allocations: Option<Vec<(u128, &str)>>,
) -> Issued<AccountCommand> {
    issue(AccountCommand::ReceivePayment {
        payment: id(payment),
        method: PaymentMethod::BankTransfer,
        amount: money(amount),
        allocations: allocations.map(|named| {
            named
                .into_iter()
                .map(|(invoice, amount)| (id(invoice), money(amount)))
                .collect()
        }),
        reference: None,
        rate: None,
    })
}

fn received(
    payment: u128,
    amount: &str,
    allocations: Vec<Allocation>,
    to_credit: &str,
) -> AccountEvent {
    AccountEvent::PaymentReceived(PaymentReceived {
        payment: id(payment),
        method: PaymentMethod::BankTransfer,
        currency: eur(),
        amount: dec(amount),
        allocations,
        to_credit: dec(to_credit),
        reference: None,
        rate: None,
    })
}

/// Protects receivables: an invoice goes on the account once; a zero
/// invoice is settled at once.
#[test]
fn an_invoice_is_issued_once() {
    given::<Account>([])
        .when(issue_invoice(1, Some(9), "100", 10))
        .then(vec![issued(1, Some(9), "100", 10)]);
    given::<Account>([issued(1, Some(9), "100", 10)])
        .when(issue_invoice(1, Some(9), "100", 10))
        .then_nothing();
    given::<Account>([])
        .when(issue_invoice(1, Some(9), "0", 10))
        .then(vec![issued(1, Some(9), "0", 10), settled(1, Some(9))]);
}

/// Protects allocation: without instructions a payment pays the oldest due
/// invoice first, settles what it pays off, and keeps an overpayment as
/// credit.
#[test]
fn a_payment_pays_the_oldest_due_first_and_keeps_the_rest_as_credit() {
    let history = [issued(1, Some(9), "100", 20), issued(2, None, "50", 10)];
    given::<Account>(history.clone())
        .when(pay(5, "120", None))
        .then(vec![
            received(
                5,
                "120",
                vec![allocation(2, "50"), allocation(1, "70")],
                "0",
            ),
            settled(2, None),
        ]);
    given::<Account>(history.clone())
        .when(pay(5, "200", None))
        .then(vec![
            received(
                5,
                "200",
                vec![allocation(2, "50"), allocation(1, "100")],
                "50",
            ),
            settled(2, None),
            settled(1, Some(9)),
        ]);
    let state = Account::replay(&[
        history[0].clone(),
        history[1].clone(),
        received(
            5,
            "200",
            vec![allocation(2, "50"), allocation(1, "100")],
            "50",
        ),
    ]);
    assert_eq!(state.receivable(eur()), Decimal::ZERO);
    assert_eq!(state.credit(eur()), dec("50"));
}

/// Protects allocation: named allocations must go to open invoices in the
/// payment's currency, each at most what is owed, together at most the
/// payment.
#[test]
fn named_allocations_are_checked() {
    let history = [issued(1, None, "100", 20), issued(2, None, "50", 10)];
    given::<Account>(history.clone())
        .when(pay(5, "60", Some(vec![(1, "60")])))
        .then(vec![received(5, "60", vec![allocation(1, "60")], "0")]);
    given::<Account>(history.clone())
        .when(pay(5, "80", Some(vec![(2, "60")])))
        .then_rejected("account.overallocation");
    given::<Account>(history.clone())
        .when(pay(5, "80", Some(vec![(1, "50"), (2, "50")])))
        .then_invalid("allocations");
    given::<Account>(history.clone())
        .when(pay(5, "80", Some(vec![(1, "10"), (1, "10")])))
        .then_invalid("allocations[1]");
    given::<Account>(history.clone())
        .when(pay(5, "80", Some(vec![(7, "10")])))
        .then_not_found();
    let dollars = Money::parse("amount", dec("10"), Currency::parse("c", "USD").unwrap()).unwrap();
    given::<Account>(history)
        .when(issue(AccountCommand::ReceivePayment {
            payment: id(5),
            method: PaymentMethod::Cash,
            amount: dollars,
            allocations: Some(vec![(id(1), dollars)]),
            reference: None,
            rate: None,
        }))
        .then_invalid("allocations[0]");
}

/// Protects against double entry: a payment repeated with the same id and
/// amount changes nothing; the same id with another amount is refused.
#[test]
fn a_repeated_payment_is_recorded_once() {
    let history = [
        issued(1, None, "100", 20),
        received(5, "40", vec![allocation(1, "40")], "0"),
    ];
    given::<Account>(history.clone())
        .when(pay(5, "40", None))
        .then_nothing();
    given::<Account>(history)
        .when(pay(5, "41", None))
        .then_error(DomainError::already_exists("payment", id::<PaymentId>(5)));
    given::<Account>([])
        .when(pay(5, "0", None))
        .then_invalid("amount");
}

/// Protects returns: a credit note pays off the order's open invoices
/// first and the rest becomes credit, which the next invoice uses.
#[test]
fn a_credit_note_pays_the_orders_invoices_and_credit_pays_the_next_invoice() {
    let history = [issued(1, Some(9), "30", 20), issued(2, None, "50", 10)];
    let credit_note = issue(AccountCommand::IssueCreditNote {
        credit_note: id(7),
        order: Some(id(9)),
        branch: None,
        currency: eur(),
        total: gross("45"),
    });
    let noted = AccountEvent::CreditNoteIssued(CreditNoteIssued {
        credit_note: id(7),
        order: Some(id(9)),
        branch: None,
        currency: eur(),
        total: gross("45"),
        applied: vec![allocation(1, "30")],
        to_credit: dec("15"),
    });
    given::<Account>(history.clone())
        .when(credit_note.clone())
        .then(vec![noted.clone(), settled(1, Some(9))]);
    let after = [
        history[0].clone(),
        history[1].clone(),
        noted.clone(),
        settled(1, Some(9)),
    ];
    given::<Account>(after.clone())
        .when(credit_note)
        .then_nothing();
    given::<Account>(after)
        .when(issue_invoice(3, None, "10", 30))
        .then(vec![
            issued(3, None, "10", 30),
            AccountEvent::CreditApplied(CreditApplied {
                invoice: id(3),
                currency: eur(),
                amount: dec("10"),
            }),
            settled(3, None),
        ]);
}

/// Protects credit: it is applied only as far as it goes and as far as the
/// invoice is owed.
#[test]
fn credit_is_applied_within_what_there_is_and_what_is_owed() {
    let history = [issued(1, None, "100", 20), received(5, "30", vec![], "30")];
    let apply = |amount: Option<&str>| {
        issue(AccountCommand::ApplyCredit {
            invoice: id(1),
            amount: amount.map(money),
        })
    };
    given::<Account>(history.clone())
        .when(apply(None))
        .then(vec![AccountEvent::CreditApplied(CreditApplied {
            invoice: id(1),
            currency: eur(),
            amount: dec("30"),
        })]);
    given::<Account>(history.clone())
        .when(apply(Some("31")))
        .then_rejected("account.insufficient_credit");
    given::<Account>([issued(1, None, "10", 20), received(5, "30", vec![], "30")])
        .when(apply(Some("20")))
        .then_rejected("account.overallocation");
    given::<Account>(history)
        .when(issue(AccountCommand::ApplyCredit {
            invoice: id(2),
            amount: None,
        }))
        .then_not_found();
}

// ------------------------------------------------------ several currencies

fn usd() -> Currency {
    Currency::parse("currency", "USD").unwrap()
}

fn rate(value: &str) -> ExchangeRate {
    ExchangeRate::parse("rate", dec(value)).unwrap()
}

fn issue_in_dollars(invoice: u128, amount: &str, at: &str) -> Issued<AccountCommand> {
    issue(AccountCommand::IssueInvoice {
        invoice: id(invoice),
        order: None,
        branch: None,
        currency: usd(),
        total: gross(amount),
        due: day(30),
        rate: Some(rate(at)),
    })
}

fn pay_in_dollars(
    payment: u128,
    amount: &str,
    at: Option<&str>,
    allocations: Option<Vec<(u128, &str)>>,
) -> Issued<AccountCommand> {
    let dollars = |amount: &str| Money::parse("amount", dec(amount), usd()).unwrap();
    issue(AccountCommand::ReceivePayment {
        payment: id(payment),
        method: PaymentMethod::BankTransfer,
        amount: dollars(amount),
        allocations: allocations.map(|named| {
            named
                .into_iter()
                .map(|(invoice, amount)| (id(invoice), dollars(amount)))
                .collect()
        }),
        reference: None,
        rate: at.map(rate),
    })
}

/// Replays `commands` from nothing, answering the account and every event.
fn run(commands: Vec<Issued<AccountCommand>>) -> (AccountState, Vec<AccountEvent>) {
    let mut state = AccountState::default();
    let mut all = Vec::new();
    for command in commands {
        for event in Account::decide(&state, &command).unwrap() {
            state = Account::evolve(state, &event);
            all.push(event);
        }
    }
    (state, all)
}

fn gains(events: &[AccountEvent]) -> Vec<Decimal> {
    events
        .iter()
        .filter_map(|event| match event {
            AccountEvent::ExchangeDifferenceRealized(difference) => Some(difference.gain),
            _ => None,
        })
        .collect()
}

/// Protects the company-currency books: an invoice in another currency is
/// valued at the rate of its day, rounded once to cents.
#[test]
fn an_invoice_in_another_currency_keeps_its_rate_and_value() {
    let (_, events) = run(vec![issue_in_dollars(1, "333.33", "0.9137")]);
    let AccountEvent::InvoiceIssued(issued) = &events[0] else {
        panic!("expected the invoice, got {events:?}");
    };
    assert_eq!(issued.rate, Some(dec("0.9137")));
    // 333.33 × 0.9137 = 304.563621 → 304.56
    assert_eq!(issued.value, Some(dec("304.56")));
}

/// Protects the realized exchange difference: a payment at another rate
/// records the gain (or loss) on each part it pays, as its own event; a
/// payment at the invoice's rate records none.
#[test]
fn a_payment_at_another_rate_realizes_the_difference() {
    // 100.00 at 0.9137 = 91.37; paid at 0.9250 = 92.50: a gain of 1.13.
    let (_, events) = run(vec![
        issue_in_dollars(1, "100", "0.9137"),
        pay_in_dollars(5, "100", Some("0.9250"), None),
    ]);
    assert_eq!(gains(&events), vec![dec("1.13")]);
    assert!(events.contains(&AccountEvent::ExchangeDifferenceRealized(
        ReceivableExchangeDifference {
            payment: id(5),
            invoice: id(1),
            currency: usd(),
            amount: dec("100"),
            gain: dec("1.13"),
        }
    )));
    assert!(events.contains(&settled(1, None)));
    // The rate fell: a loss.
    let (_, events) = run(vec![
        issue_in_dollars(1, "100", "0.9137"),
        pay_in_dollars(5, "40", Some("0.9001"), None),
    ]);
    // 40 × 0.9137 = 36.548 → 36.55; 40 × 0.9001 = 36.004 → 36.00.
    assert_eq!(gains(&events), vec![dec("-0.55")]);
    let (_, events) = run(vec![
        issue_in_dollars(1, "100", "0.9137"),
        pay_in_dollars(5, "100", Some("0.9137"), None),
    ]);
    assert!(gains(&events).is_empty());
}

fn difference(payment: u128, invoice: u128, amount: &str, gain: &str) -> AccountEvent {
    AccountEvent::ExchangeDifferenceRealized(ReceivableExchangeDifference {
        payment: id(payment),
        invoice: id(invoice),
        currency: usd(),
        amount: dec(amount),
        gain: dec(gain),
    })
}

/// Protects credit in another currency: an overpayment kept as credit at
/// its payment's rate and spent on a later invoice at another rate
/// realizes the difference, named by that payment.
#[test]
fn an_overpayment_spent_later_realizes_its_difference() {
    // 120 USD at 0.9 pays invoice 1 (100) and leaves 20 credit worth
    // 18.00; invoice 2 at 0.8 takes it at 16.00: a gain of 2.00.
    let (state, events) = run(vec![
        issue_in_dollars(1, "100", "0.9"),
        pay_in_dollars(5, "120", Some("0.9"), None),
        issue_in_dollars(2, "50", "0.8"),
    ]);
    assert_eq!(gains(&events), vec![dec("2.00")]);
    assert!(events.contains(&difference(5, 2, "20", "2.00")));
    assert!(state.lots.is_empty());
    assert_eq!(state.credit(usd()), Decimal::ZERO);
    // Spent by hand on an invoice already open: the same.
    let (_, events) = run(vec![
        issue_in_dollars(1, "50", "0.8"),
        pay_in_dollars(5, "30", Some("0.9"), Some(vec![(1, "10")])),
        issue(AccountCommand::ApplyCredit {
            invoice: id(1),
            amount: None,
        }),
    ]);
    // The payment's 10 realized 10 × (0.9 − 0.8) = 1.00; its credit of 20,
    // worth 18.00, pays 16.00 of the invoice: 2.00.
    assert_eq!(gains(&events), vec![dec("1.00"), dec("2.00")]);
    assert!(events.contains(&difference(5, 1, "20", "2.00")));
}

/// Protects the order credit is spent in: oldest lot first, each part at
/// its own payment's rate, the invoice's value shared so the parts add up
/// to it, and a lot used up gives what is left of its value.
#[test]
fn credit_is_spent_oldest_first_each_part_at_its_payments_rate() {
    let (state, events) = run(vec![
        // 10 at 0.9 (9.00), then 10 at 0.7 (7.00), all credit.
        pay_in_dollars(5, "10", Some("0.9"), None),
        pay_in_dollars(6, "10", Some("0.7"), None),
        // 15 at 0.8 (12.00): 10 from the first (9.00 against 8.00) and 5
        // from the second (3.50 against the rest, 4.00).
        issue_in_dollars(1, "15", "0.8"),
    ]);
    assert_eq!(gains(&events), vec![dec("1.00"), dec("-0.50")]);
    assert!(events.contains(&difference(5, 1, "10", "1.00")));
    assert!(events.contains(&difference(6, 1, "5", "-0.50")));
    assert!(events.contains(&settled(1, None)));
    assert_eq!(state.lots.len(), 1);
    assert_eq!(state.lots[0].left, dec("5"));
    assert_eq!(state.lots[0].value_left, Some(dec("3.50")));
    assert_eq!(state.invoices[&id(1)].value_paid, dec("12.00"));
}

/// Protects credit notes: their credit gives back what an invoice charged
/// and converts at the rate of the invoice it pays, realizing nothing.
#[test]
fn a_credit_notes_credit_realizes_nothing() {
    let (_, events) = run(vec![
        issue(AccountCommand::IssueCreditNote {
            credit_note: id(7),
            order: None,
            branch: None,
            currency: usd(),
            total: gross("20"),
        }),
        issue_in_dollars(1, "30", "0.8"),
    ]);
    assert!(
        events
            .iter()
            .any(|event| matches!(event, AccountEvent::CreditApplied(_)))
    );
    assert!(gains(&events).is_empty());
}

/// Protects old invoices and unset books: without both rates nothing is
/// realized, and nothing is refused.
#[test]
fn without_a_rate_nothing_is_realized() {
    let (_, events) = run(vec![
        issue_in_dollars(1, "100", "0.9137"),
        pay_in_dollars(5, "100", None, None),
    ]);
    assert!(gains(&events).is_empty());
    assert!(events.contains(&settled(1, None)));
    let (_, events) = run(vec![issue_invoice(1, None, "100", 20), pay(5, "100", None)]);
    assert!(gains(&events).is_empty());
}

/// Protects stored history: invoices and payments written before rates
/// (schema version 1) still read, without a rate.
#[test]
fn version_one_invoices_and_payments_still_read() {
    use crate::codec::{DomainEvent, encode_payload};
    let old = InvoiceIssuedV1 {
        invoice: id(1),
        order: Some(id(9)),
        branch: None,
        currency: eur(),
        total: gross("100"),
        due: day(20),
    };
    let read = AccountEvent::decode("InvoiceIssued", 1, &encode_payload(&old)).unwrap();
    assert_eq!(read, issued(1, Some(9), "100", 20));
    let old = PaymentReceivedV1 {
        payment: id(5),
        method: PaymentMethod::BankTransfer,
        currency: eur(),
        amount: dec("40"),
        allocations: vec![allocation(1, "40")],
        to_credit: dec("0"),
        reference: None,
    };
    let read = AccountEvent::decode("PaymentReceived", 1, &encode_payload(&old)).unwrap();
    assert_eq!(read, received(5, "40", vec![allocation(1, "40")], "0"));
    // Today's are written at version 2 and read back as written.
    let today = issued(1, Some(9), "100", 20);
    assert_eq!(today.schema_version(), 2);
    assert_eq!(
        AccountEvent::decode("InvoiceIssued", 2, &today.encode()).unwrap(),
        today
    );
    assert!(matches!(
        AccountEvent::decode("InvoiceIssued", 3, &today.encode()),
        Err(crate::codec::DecodeError::UnsupportedVersion { .. })
    ));
}

fn number(document: u128) -> Issued<NumberDocument> {
    issue(NumberDocument {
        document: uuid::Uuid::from_u128(document),
        kind: DocumentKind::Invoice,
        branch: None,
        year: 2026,
        prefix: Label::parse("prefix", "INV-").unwrap(),
    })
}

/// Protects numbering: numbers count up from 1 per series, a document is
/// numbered once, and a series refuses documents of another kind, branch
/// or year.
#[test]
fn a_series_numbers_each_document_once_in_order() {
    let events = Series::decide(&SeriesState::default(), &number(1)).unwrap();
    let SeriesEvent::DocumentNumbered(first) = &events[0];
    assert_eq!(
        (first.sequence, first.number.as_str()),
        (1, "INV-2026-000001")
    );
    given::<Series>(events.clone())
        .when(number(1))
        .then_nothing();
    let mut next = events.clone();
    next.extend(Series::decide(&Series::replay(&events), &number(2)).unwrap());
    let SeriesEvent::DocumentNumbered(second) = &next[1];
    assert_eq!(second.number, "INV-2026-000002");
    let mut other_year = number(3);
    other_year.command.year = 2027;
    given::<Series>(next)
        .when(other_year)
        .then_rejected("series.mismatch");
    assert_ne!(
        SeriesId::of(DocumentKind::Invoice, None, 2026),
        SeriesId::of(DocumentKind::Invoice, None, 2027)
    );
    assert_ne!(
        SeriesId::of(DocumentKind::Invoice, None, 2026),
        SeriesId::of(DocumentKind::CreditNote, None, 2026)
    );
    assert_ne!(
        SeriesId::of(DocumentKind::Invoice, None, 2026),
        SeriesId::of(DocumentKind::Invoice, Some(id(1)), 2026)
    );
}

proptest! {
    /// Protects the books: however an invoice in another currency is paid
    /// off, in parts at any rates, the parts' values at the invoice's rate
    /// add up to its value exactly, and the gains are what the payments
    /// brought in less that value.
    #[test]
    fn paid_parts_add_up_to_the_invoices_value(
        cents in 1i64..10_000_000,
        invoice_rate in 1i64..100_000_000,
        payments in prop::collection::vec((1i64..100_000, 1i64..100_000_000), 1..6),
    ) {
        let amount = Decimal::new(cents, 2);
        let at = |rate: i64| Decimal::new(rate, 7).to_string();
        let mut commands = vec![issue_in_dollars(1, &amount.to_string(), &at(invoice_rate))];
        let mut left = amount;
        let mut received = Decimal::ZERO;
        for (index, (share, rate)) in payments.iter().enumerate() {
            let last = index + 1 == payments.len();
            let part = if last {
                left
            } else {
                (amount * Decimal::new(*share, 5)).round_dp(2).min(left)
            };
            if part <= Decimal::ZERO {
                continue;
            }
            left -= part;
            received += round_amount(part * Decimal::new(*rate, 7));
            commands.push(pay_in_dollars(10 + index as u128, &part.to_string(), Some(&at(*rate)), None));
        }
        let (state, events) = run(commands);
        let invoice = &state.invoices[&id(1)];
        prop_assert!(invoice.outstanding().is_zero());
        prop_assert_eq!(invoice.value_paid, invoice.value.unwrap());
        let gained: Decimal = gains(&events).into_iter().sum();
        prop_assert_eq!(gained, received - invoice.value.unwrap());
    }

    /// Protects credit in the books: however overpayments at any rates are
    /// spent on invoices at other rates, every lot is used up exactly,
    /// the invoices' values paid add up, and the gains are the lots'
    /// values less what they paid at the invoices' rates.
    #[test]
    fn spent_credit_realizes_the_lots_values_less_the_invoices(
        lots in prop::collection::vec((1i64..1_000_000, 1i64..100_000_000), 1..5),
        invoices in prop::collection::vec((1i64..1_000_000, 1i64..100_000_000), 1..5),
    ) {
        let at = |rate: i64| Decimal::new(rate, 7).to_string();
        let mut commands = Vec::new();
        let mut credit = Decimal::ZERO;
        let mut lots_value = Decimal::ZERO;
        for (index, (cents, rate)) in lots.iter().enumerate() {
            let amount = Decimal::new(*cents, 2);
            credit += amount;
            lots_value += round_amount(amount * Decimal::new(*rate, 7));
            commands.push(pay_in_dollars(10 + index as u128, &amount.to_string(), Some(&at(*rate)), None));
        }
        let mut invoiced = Decimal::ZERO;
        for (index, (cents, rate)) in invoices.iter().enumerate() {
            let mut amount = Decimal::new(*cents, 2);
            if index + 1 == invoices.len() && invoiced + amount < credit {
                // The last invoice uses up what credit is left.
                amount = credit - invoiced;
            }
            invoiced += amount;
            commands.push(issue_in_dollars(100 + index as u128, &amount.to_string(), &at(*rate)));
        }
        let (state, events) = run(commands);
        prop_assert!(state.lots.is_empty(), "{:?}", state.lots);
        prop_assert_eq!(state.credit(usd()), Decimal::ZERO);
        let paid_value: Decimal = state.invoices.values().map(|invoice| invoice.value_paid).sum();
        let gained: Decimal = gains(&events).into_iter().sum();
        prop_assert_eq!(gained, lots_value - paid_value);
        for invoice in state.invoices.values() {
            if invoice.outstanding().is_zero() {
                prop_assert_eq!(invoice.value_paid, invoice.value.unwrap());
            }
        }
    }

    /// Protects numbering: whatever documents arrive, repeats included, the
    /// numbers given are 1, 2, 3… with no gap and no document twice.
    #[test]
    fn numbers_have_no_gaps(documents in prop::collection::vec(0u128..20, 0..60)) {
        let mut state = SeriesState::default();
        let mut numbered = Vec::new();
        for document in documents {
            for event in Series::decide(&state, &number(document)).unwrap() {
                let SeriesEvent::DocumentNumbered(numbered_event) = &event;
                numbered.push((numbered_event.sequence, numbered_event.document));
                state = Series::evolve(state, &event);
            }
        }
        for (index, (sequence, _)) in numbered.iter().enumerate() {
            prop_assert_eq!(*sequence, index as u64 + 1);
        }
        let distinct: BTreeSet<_> = numbered.iter().map(|(_, document)| *document).collect();
        prop_assert_eq!(distinct.len(), numbered.len());
    }
}
