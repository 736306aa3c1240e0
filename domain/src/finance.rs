//! Finance: what each customer owes and has paid, and the numbers of the
//! documents that say so.
//!
//! A customer's account is a stream (`account-<party>`) and the consistency
//! boundary for receivables: invoices and credit notes issued to the
//! customer, payments received, and how each payment and credit was
//! allocated. Allocation is decided here, in one place, so a payment can
//! never be spent twice. An overpayment stays on the account as credit in
//! its currency and is applied to the next invoice in that currency.
//!
//! Several currencies: an invoice keeps its currency and the rate of its
//! business day (units of the company currency for one of its own, 1 in
//! the company currency), and a payment the rate of its own day. The
//! company-currency value of a paid part is taken at both rates; their
//! difference, the realized exchange gain (or, negative, loss), is recorded
//! as its own event, `ReceivableExchangeDifferenceRealized`. Rounding as for
//! what is owed to suppliers (`crate::payables`): each value once, to
//! cents, half away from zero; the part that settles an invoice takes what
//! is left of the invoice's value. An invoice issued before the company
//! currency was set has no rate: paying it realizes no difference.
//!
//! Credit is kept in lots, oldest first, each from the payment or credit
//! note that made it: an overpayment's lot keeps its payment's rate and
//! its value at it (rounded once; the draw that uses a lot up takes what
//! is left of its value). Credit spent on an invoice draws on the lots in
//! that order; each part from a payment's lot realizes the difference
//! between its value at the payment's rate and at the invoice's, named by
//! that payment. A credit note's credit converts at the invoice's rate,
//! realizing none (it gives back what an invoice charged).
//!
//! Invoice, credit note and sales order numbers are sequential per branch
//! and year with no gaps. Each series is a stream (`series-<id>`, the id derived from
//! kind, branch and year) that the numbering process appends to in the
//! order documents were issued; the number is the series' count, and the
//! log's stream versions have no gaps, so neither have the numbers. A
//! number is only ever given to a document that exists.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, CreditNoteId, InvoiceId, OrderId, PaymentId, SeriesId, derived};
use crate::sales::{Amounts, round_amount};
use crate::values::{Currency, ExchangeRate, Label, Money};

/// Most allocations named in one payment.
pub const PAYMENT_ALLOCATIONS_MAX: usize = 200;

// ------------------------------------------------------------------ events

/// How a customer paid. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentMethod {
    Cash,
    BankTransfer,
    Card,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: InvoiceId,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceIssued {
    pub invoice: InvoiceId,
    pub order: Option<OrderId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub total: Amounts,
    pub due: NaiveDate,
    /// Units of the company currency for one of `currency` on the
    /// invoice's business day; `None`: issued before the company currency
    /// was set (every schema version 1 invoice).
    pub rate: Option<Decimal>,
    /// The gross total × `rate`, in the company currency.
    pub value: Option<Decimal>,
}

/// `InvoiceIssued` as schema version 1 stored it, before rates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceIssuedV1 {
    pub invoice: InvoiceId,
    pub order: Option<OrderId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub total: Amounts,
    pub due: NaiveDate,
}

impl From<InvoiceIssuedV1> for InvoiceIssued {
    fn from(old: InvoiceIssuedV1) -> Self {
        Self {
            invoice: old.invoice,
            order: old.order,
            branch: old.branch,
            currency: old.currency,
            total: old.total,
            due: old.due,
            rate: None,
            value: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteIssued {
    pub credit_note: CreditNoteId,
    pub order: Option<OrderId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub total: Amounts,
    /// What the credit paid off of the order's open invoices.
    pub applied: Vec<Allocation>,
    /// The rest, kept as the customer's credit.
    pub to_credit: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReceived {
    pub payment: PaymentId,
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount: Decimal,
    pub allocations: Vec<Allocation>,
    /// The overpayment, kept as the customer's credit.
    pub to_credit: Decimal,
    pub reference: Option<String>,
    /// Units of the company currency for one of `currency` on the
    /// payment's business day; `None`: no company currency yet (every
    /// schema version 1 payment).
    pub rate: Option<Decimal>,
}

/// `PaymentReceived` as schema version 1 stored it, before rates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReceivedV1 {
    pub payment: PaymentId,
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount: Decimal,
    pub allocations: Vec<Allocation>,
    pub to_credit: Decimal,
    pub reference: Option<String>,
}

impl From<PaymentReceivedV1> for PaymentReceived {
    fn from(old: PaymentReceivedV1) -> Self {
        Self {
            payment: old.payment,
            method: old.method,
            currency: old.currency,
            amount: old.amount,
            allocations: old.allocations,
            to_credit: old.to_credit,
            reference: old.reference,
            rate: None,
        }
    }
}

/// What a payment's part paid of an invoice was worth at the invoice's
/// rate and at the payment's, when the two differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivableExchangeDifference {
    pub payment: PaymentId,
    pub invoice: InvoiceId,
    pub currency: Currency,
    /// The part of the invoice paid, in `currency`.
    pub amount: Decimal,
    /// In the company currency: the part's value at the payment's rate
    /// less at the invoice's; negative, a loss.
    pub gain: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditApplied {
    pub invoice: InvoiceId,
    pub currency: Currency,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSettled {
    pub invoice: InvoiceId,
    pub order: Option<OrderId>,
}

domain_events! {
    /// Everything that can happen to a customer's account.
    pub enum AccountEvent in "account" {
        InvoiceIssued(InvoiceIssued) = "InvoiceIssued" v 2 upcast { 1 => InvoiceIssuedV1 },
        CreditNoteIssued(CreditNoteIssued) = "CreditNoteIssued" v 1,
        PaymentReceived(PaymentReceived) = "PaymentReceived" v 2 upcast { 1 => PaymentReceivedV1 },
        CreditApplied(CreditApplied) = "CreditApplied" v 1,
        InvoiceSettled(InvoiceSettled) = "InvoiceSettled" v 1,
        ExchangeDifferenceRealized(ReceivableExchangeDifference)
            = "ReceivableExchangeDifferenceRealized" v 1,
    }
}

// ---------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq)]
pub enum AccountCommand {
    IssueInvoice {
        invoice: InvoiceId,
        order: Option<OrderId>,
        branch: Option<BranchId>,
        currency: Currency,
        total: Amounts,
        due: NaiveDate,
        /// The rate of the invoice's business day, looked up by the
        /// caller; `None` while the company currency is not set.
        rate: Option<ExchangeRate>,
    },
    IssueCreditNote {
        credit_note: CreditNoteId,
        order: Option<OrderId>,
        branch: Option<BranchId>,
        currency: Currency,
        total: Amounts,
    },
    ReceivePayment {
        payment: PaymentId,
        method: PaymentMethod,
        amount: Money,
        /// Which invoices it pays and how much of each; `None`: the oldest
        /// due first.
        allocations: Option<Vec<(InvoiceId, Money)>>,
        reference: Option<Label>,
        /// The rate of the payment's business day, looked up by the
        /// caller; `None` while the company currency is not set.
        rate: Option<ExchangeRate>,
    },
    /// Pays an invoice from the customer's credit; `None`: as much as the
    /// credit and the invoice allow.
    ApplyCredit {
        invoice: InvoiceId,
        amount: Option<Money>,
    },
}

// ------------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInvoice {
    pub order: Option<OrderId>,
    pub currency: Currency,
    pub gross: Decimal,
    pub paid: Decimal,
    pub due: NaiveDate,
    /// Issue order within the account, for "oldest first".
    pub sequence: u64,
    pub rate: Option<Decimal>,
    pub value: Option<Decimal>,
    /// The company-currency value of what was paid, at the invoice's rate.
    pub value_paid: Decimal,
}

impl AccountInvoice {
    pub fn outstanding(&self) -> Decimal {
        self.gross - self.paid
    }

    /// The company-currency value of paying `part` of it, at its rate:
    /// the part that settles it takes what is left of its value, so the
    /// parts add up to it exactly. `None` without a rate.
    pub fn value_of(&self, part: Decimal) -> Option<Decimal> {
        let (rate, value) = (self.rate?, self.value?);
        Some(if part >= self.outstanding() {
            value - self.value_paid
        } else {
            round_amount(part.saturating_mul(rate))
        })
    }
}

impl AccountInvoice {
    fn issued(issued: &InvoiceIssued, sequence: u64) -> Self {
        AccountInvoice {
            order: issued.order,
            currency: issued.currency,
            gross: issued.total.gross,
            paid: Decimal::ZERO,
            due: issued.due,
            sequence,
            rate: issued.rate,
            value: issued.value,
            value_paid: Decimal::ZERO,
        }
    }
}

/// What is left of the credit one payment or credit note gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditLot {
    /// The payment whose overpayment it is; `None`: a credit note's.
    pub payment: Option<PaymentId>,
    pub currency: Currency,
    /// The payment's rate; `None` for a credit note's credit, or a
    /// payment's before the company currency was set.
    pub rate: Option<Decimal>,
    pub left: Decimal,
    /// Its company-currency value at `rate`.
    pub value_left: Option<Decimal>,
}

impl CreditLot {
    fn new(
        payment: Option<PaymentId>,
        currency: Currency,
        rate: Option<Decimal>,
        amount: Decimal,
    ) -> Self {
        CreditLot {
            payment,
            currency,
            rate,
            left: amount,
            value_left: rate.map(|rate| round_amount(amount.saturating_mul(rate))),
        }
    }

    /// The value of drawing `part` on it: the draw that uses it up takes
    /// what is left of its value.
    fn value_of(&self, part: Decimal) -> Option<Decimal> {
        let (rate, value_left) = (self.rate?, self.value_left?);
        Some(if part >= self.left {
            value_left
        } else {
            round_amount(part.saturating_mul(rate))
        })
    }
}

/// One part of credit spent: drawn on the lot at `lot` in
/// [`AccountState::lots`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Draw {
    lot: usize,
    amount: Decimal,
    value: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountState {
    pub invoices: BTreeMap<InvoiceId, AccountInvoice>,
    pub credit_notes: BTreeSet<CreditNoteId>,
    /// Payment → amount, to recognise a repeated payment.
    pub payments: BTreeMap<PaymentId, Decimal>,
    pub credit: BTreeMap<Currency, Decimal>,
    /// The credit of every currency by where it came from, oldest first;
    /// per currency they add up to `credit`.
    pub lots: Vec<CreditLot>,
    issued: u64,
}

impl AccountState {
    /// What the customer owes in `currency`, over all open invoices.
    pub fn receivable(&self, currency: Currency) -> Decimal {
        self.invoices
            .values()
            .filter(|invoice| invoice.currency == currency)
            .map(AccountInvoice::outstanding)
            .sum()
    }

    pub fn credit(&self, currency: Currency) -> Decimal {
        self.credit.get(&currency).copied().unwrap_or_default()
    }

    /// The parts of spending `amount` of credit in `currency`, on the
    /// oldest lots first.
    fn draws(&self, currency: Currency, amount: Decimal) -> Vec<Draw> {
        let mut left = amount;
        let mut draws = Vec::new();
        for (index, lot) in self.lots.iter().enumerate() {
            if left <= Decimal::ZERO {
                break;
            }
            if lot.currency != currency || lot.left <= Decimal::ZERO {
                continue;
            }
            let part = left.min(lot.left);
            draws.push(Draw {
                lot: index,
                amount: part,
                value: lot.value_of(part),
            });
            left -= part;
        }
        draws
    }

    /// The exchange differences spending `amount` of credit on `invoice`
    /// (`id`) realizes: each part drawn on a payment's lot, valued at the
    /// payment's rate, less its share of the amount's value at the
    /// invoice's (the shares add up to it: the last takes the rest).
    fn credit_differences(
        &self,
        id: InvoiceId,
        invoice: &AccountInvoice,
        amount: Decimal,
    ) -> Vec<AccountEvent> {
        let (Some(rate), Some(whole)) = (invoice.rate, invoice.value_of(amount)) else {
            return Vec::new();
        };
        let draws = self.draws(invoice.currency, amount);
        let mut value_left = whole;
        let mut events = Vec::new();
        for (index, draw) in draws.iter().enumerate() {
            let at_invoice = if index + 1 == draws.len() {
                value_left
            } else {
                round_amount(draw.amount.saturating_mul(rate))
            };
            value_left -= at_invoice;
            let lot = &self.lots[draw.lot];
            let (Some(payment), Some(at_payment)) = (lot.payment, draw.value) else {
                continue;
            };
            let gain = at_payment - at_invoice;
            if !gain.is_zero() {
                events.push(AccountEvent::ExchangeDifferenceRealized(
                    ReceivableExchangeDifference {
                        payment,
                        invoice: id,
                        currency: invoice.currency,
                        amount: draw.amount,
                        gain,
                    },
                ));
            }
        }
        events
    }

    /// Spends `amount` of credit in `currency`, oldest lots first.
    fn spend(&mut self, currency: Currency, amount: Decimal) {
        for draw in self.draws(currency, amount) {
            let lot = &mut self.lots[draw.lot];
            lot.left -= draw.amount;
            if let (Some(value_left), Some(value)) = (lot.value_left.as_mut(), draw.value) {
                *value_left -= value;
            }
        }
        self.lots.retain(|lot| lot.left > Decimal::ZERO);
        *self.credit.entry(currency).or_default() -= amount;
    }

    /// Adds `amount` of credit in `currency` from a payment (at its
    /// rate) or a credit note.
    fn add_credit(
        &mut self,
        payment: Option<PaymentId>,
        currency: Currency,
        rate: Option<Decimal>,
        amount: Decimal,
    ) {
        *self.credit.entry(currency).or_default() += amount;
        if amount > Decimal::ZERO {
            self.lots
                .push(CreditLot::new(payment, currency, rate, amount));
        }
    }

    /// Open invoices in `currency`, oldest due first (then oldest issued),
    /// optionally only those of one order.
    fn open_invoices(
        &self,
        currency: Currency,
        order: Option<OrderId>,
    ) -> Vec<(InvoiceId, &AccountInvoice)> {
        let mut open: Vec<_> = self
            .invoices
            .iter()
            .filter(|(_, invoice)| {
                invoice.currency == currency
                    && invoice.outstanding() > Decimal::ZERO
                    && (order.is_none() || invoice.order == order)
            })
            .map(|(id, invoice)| (*id, invoice))
            .collect();
        open.sort_by_key(|(_, invoice)| (invoice.due, invoice.sequence));
        open
    }
}

/// Spreads `amount` over `open` invoices in their order.
fn allocate_in_order(
    open: &[(InvoiceId, &AccountInvoice)],
    amount: Decimal,
) -> (Vec<Allocation>, Decimal) {
    let mut left = amount;
    let mut allocations = Vec::new();
    for (invoice, open) in open {
        if left <= Decimal::ZERO {
            break;
        }
        let part = left.min(open.outstanding());
        allocations.push(Allocation {
            invoice: *invoice,
            amount: part,
        });
        left -= part;
    }
    (allocations, left)
}

/// The settlement events of invoices whose allocations pay them off.
fn settlements(account: &AccountState, allocations: &[Allocation]) -> Vec<AccountEvent> {
    allocations
        .iter()
        .filter_map(|allocation| {
            let invoice = account.invoices.get(&allocation.invoice)?;
            let settles =
                invoice.outstanding() > Decimal::ZERO && allocation.amount >= invoice.outstanding();
            settles.then_some(AccountEvent::InvoiceSettled(InvoiceSettled {
                invoice: allocation.invoice,
                order: invoice.order,
            }))
        })
        .collect()
}

#[derive(Debug)]
pub struct Account;

impl Decider for Account {
    type State = AccountState;
    type Command = Issued<AccountCommand>;
    type Event = AccountEvent;
    type Error = DomainError;

    fn decide(
        account: &AccountState,
        issued: &Self::Command,
    ) -> Result<Vec<AccountEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            AccountCommand::IssueInvoice {
                invoice,
                order,
                branch,
                currency,
                total,
                due,
                rate,
            } => {
                if account.invoices.contains_key(invoice) {
                    return Ok(Vec::new());
                }
                let rate = rate.map(ExchangeRate::value);
                let issued_invoice = InvoiceIssued {
                    invoice: *invoice,
                    order: *order,
                    branch: *branch,
                    currency: *currency,
                    total: *total,
                    due: *due,
                    rate,
                    value: rate.map(|rate| round_amount(total.gross.saturating_mul(rate))),
                };
                let fresh = AccountInvoice::issued(&issued_invoice, account.issued + 1);
                let mut events = vec![AccountEvent::InvoiceIssued(issued_invoice)];
                // Credit the customer already has pays the new invoice first.
                let credit = account.credit(*currency).min(total.gross);
                if credit > Decimal::ZERO {
                    events.push(AccountEvent::CreditApplied(CreditApplied {
                        invoice: *invoice,
                        currency: *currency,
                        amount: credit,
                    }));
                    events.extend(account.credit_differences(*invoice, &fresh, credit));
                }
                if credit >= total.gross {
                    events.push(AccountEvent::InvoiceSettled(InvoiceSettled {
                        invoice: *invoice,
                        order: *order,
                    }));
                }
                Ok(events)
            }
            AccountCommand::IssueCreditNote {
                credit_note,
                order,
                branch,
                currency,
                total,
            } => {
                if account.credit_notes.contains(credit_note) {
                    return Ok(Vec::new());
                }
                let open = match order {
                    Some(order) => account.open_invoices(*currency, Some(*order)),
                    None => Vec::new(),
                };
                let (applied, to_credit) = allocate_in_order(&open, total.gross);
                let mut events = vec![AccountEvent::CreditNoteIssued(CreditNoteIssued {
                    credit_note: *credit_note,
                    order: *order,
                    branch: *branch,
                    currency: *currency,
                    total: *total,
                    applied: applied.clone(),
                    to_credit,
                })];
                events.extend(settlements(account, &applied));
                Ok(events)
            }
            AccountCommand::ReceivePayment {
                payment,
                method,
                amount,
                allocations,
                reference,
                rate,
            } => {
                if let Some(earlier) = account.payments.get(payment) {
                    if *earlier == amount.amount() {
                        return Ok(Vec::new());
                    }
                    return Err(DomainError::already_exists("payment", *payment));
                }
                if amount.amount() <= Decimal::ZERO {
                    return Err(DomainError::invalid("amount", "must be more than zero"));
                }
                let currency = amount.currency();
                let allocations = match allocations {
                    None => {
                        let open = account.open_invoices(currency, None);
                        allocate_in_order(&open, amount.amount()).0
                    }
                    Some(named) => explicit_allocations(account, amount, named)?,
                };
                let allocated: Decimal = allocations.iter().map(|a| a.amount).sum();
                let rate = rate.map(ExchangeRate::value);
                let mut events = vec![AccountEvent::PaymentReceived(PaymentReceived {
                    payment: *payment,
                    method: *method,
                    currency,
                    amount: amount.amount(),
                    allocations: allocations.clone(),
                    to_credit: amount.amount() - allocated,
                    reference: reference.as_ref().map(|r| r.as_str().to_owned()),
                    rate,
                })];
                if let Some(rate) = rate {
                    events.extend(differences(account, *payment, currency, rate, &allocations));
                }
                events.extend(settlements(account, &allocations));
                Ok(events)
            }
            AccountCommand::ApplyCredit { invoice, amount } => {
                let open = account
                    .invoices
                    .get(invoice)
                    .ok_or_else(|| DomainError::part_not_found("invoice", *invoice))?;
                let credit = account.credit(open.currency);
                let wanted = match amount {
                    Some(amount) if amount.currency() != open.currency => {
                        return Err(DomainError::invalid(
                            "amount",
                            format!("must be in the invoice's currency, {}", open.currency),
                        ));
                    }
                    Some(amount) => amount.amount(),
                    None => credit.min(open.outstanding()),
                };
                if wanted > credit {
                    return Err(DomainError::rejected(
                        "account.insufficient_credit",
                        format!("{wanted} wanted, the customer has {credit} credit"),
                    ));
                }
                if wanted > open.outstanding() {
                    return Err(DomainError::rejected(
                        "account.overallocation",
                        format!(
                            "{wanted} is more than the {} still owed",
                            open.outstanding()
                        ),
                    ));
                }
                if wanted <= Decimal::ZERO {
                    return Ok(Vec::new());
                }
                let mut events = vec![AccountEvent::CreditApplied(CreditApplied {
                    invoice: *invoice,
                    currency: open.currency,
                    amount: wanted,
                })];
                events.extend(account.credit_differences(*invoice, open, wanted));
                events.extend(settlements(
                    account,
                    &[Allocation {
                        invoice: *invoice,
                        amount: wanted,
                    }],
                ));
                Ok(events)
            }
        }
    }

    fn evolve(mut account: AccountState, event: &AccountEvent) -> AccountState {
        let pay = |account: &mut AccountState, allocations: &[Allocation]| {
            for allocation in allocations {
                if let Some(invoice) = account.invoices.get_mut(&allocation.invoice) {
                    if let Some(value) = invoice.value_of(allocation.amount) {
                        invoice.value_paid += value;
                    }
                    invoice.paid += allocation.amount;
                }
            }
        };
        match event {
            AccountEvent::InvoiceIssued(issued) => {
                account.issued += 1;
                account.invoices.insert(
                    issued.invoice,
                    AccountInvoice::issued(issued, account.issued),
                );
            }
            AccountEvent::CreditNoteIssued(note) => {
                account.credit_notes.insert(note.credit_note);
                pay(&mut account, &note.applied);
                account.add_credit(None, note.currency, None, note.to_credit);
            }
            AccountEvent::PaymentReceived(payment) => {
                account.payments.insert(payment.payment, payment.amount);
                pay(&mut account, &payment.allocations);
                account.add_credit(
                    Some(payment.payment),
                    payment.currency,
                    payment.rate,
                    payment.to_credit,
                );
            }
            AccountEvent::CreditApplied(applied) => {
                pay(
                    &mut account,
                    &[Allocation {
                        invoice: applied.invoice,
                        amount: applied.amount,
                    }],
                );
                account.spend(applied.currency, applied.amount);
            }
            AccountEvent::InvoiceSettled(_) | AccountEvent::ExchangeDifferenceRealized(_) => {}
        }
        account
    }
}

/// The exchange differences a payment at `rate` realizes on the invoices
/// it pays that have a rate of their own.
fn differences(
    account: &AccountState,
    payment: PaymentId,
    currency: Currency,
    rate: Decimal,
    allocations: &[Allocation],
) -> Vec<AccountEvent> {
    allocations
        .iter()
        .filter_map(|allocation| {
            let invoice = account.invoices.get(&allocation.invoice)?;
            let at_invoice = invoice.value_of(allocation.amount)?;
            let at_payment = round_amount(allocation.amount.saturating_mul(rate));
            let gain = at_payment - at_invoice;
            (!gain.is_zero()).then_some(AccountEvent::ExchangeDifferenceRealized(
                ReceivableExchangeDifference {
                    payment,
                    invoice: allocation.invoice,
                    currency,
                    amount: allocation.amount,
                    gain,
                },
            ))
        })
        .collect()
}

fn explicit_allocations(
    account: &AccountState,
    amount: &Money,
    named: &[(InvoiceId, Money)],
) -> Result<Vec<Allocation>, DomainError> {
    if named.len() > PAYMENT_ALLOCATIONS_MAX {
        return Err(DomainError::invalid(
            "allocations",
            format!("at most {PAYMENT_ALLOCATIONS_MAX} invoices per payment"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut total = Decimal::ZERO;
    let mut allocations = Vec::with_capacity(named.len());
    for (index, (invoice, part)) in named.iter().enumerate() {
        let field = format!("allocations[{index}]");
        let open = account
            .invoices
            .get(invoice)
            .ok_or_else(|| DomainError::part_not_found("invoice", *invoice).within(&field))?;
        if !seen.insert(*invoice) {
            return Err(DomainError::invalid(field, "names an invoice twice"));
        }
        if part.currency() != amount.currency() || open.currency != amount.currency() {
            return Err(DomainError::invalid(
                field,
                format!("must be in the payment's currency, {}", amount.currency()),
            ));
        }
        if part.amount() > open.outstanding() {
            return Err(DomainError::rejected(
                "account.overallocation",
                format!(
                    "{} allocated to an invoice that still owes {}",
                    part.amount(),
                    open.outstanding()
                ),
            ));
        }
        total += part.amount();
        allocations.push(Allocation {
            invoice: *invoice,
            amount: part.amount(),
        });
    }
    if total > amount.amount() {
        return Err(DomainError::invalid(
            "allocations",
            format!(
                "add up to {total}, more than the payment of {}",
                amount.amount()
            ),
        ));
    }
    Ok(allocations)
}

// ----------------------------------------------------------------- series

/// What a series numbers. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocumentKind {
    Invoice,
    CreditNote,
    /// A sales order, numbered when it is drafted.
    Order,
    /// A purchase order, numbered when it is drafted.
    PurchaseOrder,
    /// A production order, numbered when it is planned.
    ProductionOrder,
    /// A quote, numbered when it is drafted.
    Quote,
}

impl DocumentKind {
    fn key(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit-note",
            Self::Order => "order",
            Self::PurchaseOrder => "purchase-order",
            Self::ProductionOrder => "production-order",
            Self::Quote => "quote",
        }
    }
}

impl SeriesId {
    /// The series of one kind of document for one branch in one year.
    pub fn of(kind: DocumentKind, branch: Option<BranchId>, year: i32) -> Self {
        let branch = branch.map(|branch| branch.to_string()).unwrap_or_default();
        let name = format!("series:{}:{branch}:{year}", kind.key());
        Self::from_uuid(derived(uuid::Uuid::nil(), name.as_bytes()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNumbered {
    /// The invoice or credit note numbered.
    pub document: uuid::Uuid,
    pub kind: DocumentKind,
    pub branch: Option<BranchId>,
    pub year: i32,
    /// 1, 2, 3… within the series, with no gaps.
    pub sequence: u64,
    /// The number as printed, such as `INV-2026-000042`.
    pub number: String,
}

domain_events! {
    /// The numbers a series has given.
    pub enum SeriesEvent in "series" {
        DocumentNumbered(DocumentNumbered) = "DocumentNumbered" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NumberDocument {
    pub document: uuid::Uuid,
    pub kind: DocumentKind,
    pub branch: Option<BranchId>,
    pub year: i32,
    /// Printed before the year, such as `INV-`.
    pub prefix: Label,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeriesState {
    /// (kind, branch, year) of the series, from its first number.
    pub key: Option<(DocumentKind, Option<BranchId>, i32)>,
    pub last: u64,
    pub numbered: BTreeSet<uuid::Uuid>,
}

#[derive(Debug)]
pub struct Series;

impl Decider for Series {
    type State = SeriesState;
    type Command = Issued<NumberDocument>;
    type Event = SeriesEvent;
    type Error = DomainError;

    fn decide(
        series: &SeriesState,
        issued: &Self::Command,
    ) -> Result<Vec<SeriesEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let key = (command.kind, command.branch, command.year);
        if series.key.is_some_and(|existing| existing != key) {
            return Err(DomainError::rejected(
                "series.mismatch",
                "this series numbers another kind, branch or year",
            ));
        }
        if series.numbered.contains(&command.document) {
            return Ok(Vec::new());
        }
        let sequence = series.last + 1;
        Ok(vec![SeriesEvent::DocumentNumbered(DocumentNumbered {
            document: command.document,
            kind: command.kind,
            branch: command.branch,
            year: command.year,
            sequence,
            number: format!("{}{}-{sequence:06}", command.prefix.as_str(), command.year),
        })])
    }

    fn evolve(mut series: SeriesState, event: &SeriesEvent) -> SeriesState {
        match event {
            SeriesEvent::DocumentNumbered(numbered) => {
                series.key = Some((numbered.kind, numbered.branch, numbered.year));
                series.last = numbered.sequence;
                series.numbered.insert(numbered.document);
            }
        }
        series
    }
}

#[cfg(test)]
mod tests;
