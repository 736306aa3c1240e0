//! What the company owes its suppliers: their invoices and the payments
//! made against them, the mirror of a customer's account.
//!
//! A supplier's payables are one stream (`payable-<party>`), the
//! consistency boundary for allocating payments, so the same invoice is
//! never paid twice. An invoice keeps its currency and the rate of its
//! day; a payment in that currency converts at the rate of its own day.
//! The company-currency value of a paid part is taken at both rates, and
//! their difference, the realized exchange gain (or, negative, loss), is
//! recorded as its own event, `ExchangeDifferenceRealized`.
//!
//! Rounding, each amount once, to cents, half away from zero: an
//! invoice's value is amount × its rate; a paid part's value at the
//! invoice's rate is part × that rate, except the part that settles the
//! invoice, which takes what is left of the invoice's value (so the parts
//! add up to it exactly); its value at the payment's rate is part × that
//! rate. The gain is the first less the second.
//!
//! What a payment pays beyond the invoices it names is an advance, kept
//! per payment in its currency at its rate. The next invoice recorded in
//! that currency is paid from the advances, oldest first
//! (`SupplierAdvanceApplied`, one per payment drawn on), each part valued
//! at the invoice's rate and at its payment's (the part that uses up an
//! advance takes what is left of the advance's value), with the
//! difference realized as for any payment.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::UnitPrice;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::finance::PaymentMethod;
use crate::ids::{PurchaseOrderId, SupplierInvoiceId, SupplierPaymentId};
use crate::sales::round_amount;
use crate::values::{Currency, ExchangeRate, Label};

/// Most allocations named in one payment.
pub const SUPPLIER_ALLOCATIONS_MAX: usize = 200;

// ------------------------------------------------------------------ events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierInvoiceRecorded {
    pub invoice: SupplierInvoiceId,
    /// The purchase order it bills, if one.
    pub order: Option<PurchaseOrderId>,
    /// The supplier's own number for it.
    pub number: String,
    pub currency: Currency,
    pub amount: Decimal,
    /// Units of the company currency for one of `currency`, on `issued_on`.
    pub rate: Decimal,
    /// Amount × rate, in the company currency.
    pub value: Decimal,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
}

/// A part of a payment that pays one invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierAllocation {
    pub invoice: SupplierInvoiceId,
    pub amount: Decimal,
    /// The part's company-currency value at the invoice's rate.
    pub value_at_invoice: Decimal,
    /// And at the payment's.
    pub value_at_payment: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierPaymentMade {
    pub payment: SupplierPaymentId,
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount: Decimal,
    /// Units of the company currency for one of `currency`, on the
    /// payment's day.
    pub rate: Decimal,
    pub allocations: Vec<SupplierAllocation>,
    /// Paid beyond the invoices named: an advance to the supplier.
    pub advance: Decimal,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeDifferenceRealized {
    pub payment: SupplierPaymentId,
    pub invoice: SupplierInvoiceId,
    pub currency: Currency,
    /// The part of the invoice paid.
    pub amount: Decimal,
    /// In the company currency: the part's value at the invoice's rate
    /// less at the payment's; negative, a loss.
    pub gain: Decimal,
}

/// Part of an earlier payment's advance paying a newly recorded invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierAdvanceApplied {
    pub invoice: SupplierInvoiceId,
    /// The payment whose advance pays it.
    pub payment: SupplierPaymentId,
    pub currency: Currency,
    pub amount: Decimal,
    /// The part's company-currency value at the invoice's rate.
    pub value_at_invoice: Decimal,
    /// And at the payment's.
    pub value_at_payment: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierInvoiceSettled {
    pub invoice: SupplierInvoiceId,
    pub order: Option<PurchaseOrderId>,
}

domain_events! {
    /// Everything that can happen to what the company owes a supplier.
    pub enum PayableEvent in "payable" {
        InvoiceRecorded(SupplierInvoiceRecorded) = "SupplierInvoiceRecorded" v 1,
        PaymentMade(SupplierPaymentMade) = "SupplierPaymentMade" v 1,
        ExchangeDifferenceRealized(ExchangeDifferenceRealized) = "ExchangeDifferenceRealized" v 1,
        InvoiceSettled(SupplierInvoiceSettled) = "SupplierInvoiceSettled" v 1,
        AdvanceApplied(SupplierAdvanceApplied) = "SupplierAdvanceApplied" v 1,
    }
}

// ---------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq)]
pub struct RecordSupplierInvoice {
    pub invoice: SupplierInvoiceId,
    pub order: Option<PurchaseOrderId>,
    pub number: Label,
    pub currency: Currency,
    pub amount: UnitPrice,
    /// The rate of `issued_on`, looked up by the caller.
    pub rate: ExchangeRate,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PaySupplier {
    pub payment: SupplierPaymentId,
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount: UnitPrice,
    /// The rate of the payment's day, looked up by the caller.
    pub rate: ExchangeRate,
    /// The invoices paid and how much of each; `None`: the oldest due
    /// first, in the payment's currency.
    pub allocations: Option<Vec<(SupplierInvoiceId, UnitPrice)>>,
    pub reference: Option<Label>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PayableCommand {
    RecordInvoice(RecordSupplierInvoice),
    Pay(PaySupplier),
}

// ------------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayableInvoice {
    pub order: Option<PurchaseOrderId>,
    pub number: String,
    pub currency: Currency,
    pub amount: Decimal,
    pub rate: Decimal,
    pub value: Decimal,
    pub due: NaiveDate,
    pub paid: Decimal,
    /// The company-currency value of what was paid, at the invoice's rate.
    pub value_paid: Decimal,
}

impl PayableInvoice {
    pub fn outstanding(&self) -> Decimal {
        (self.amount - self.paid).max(Decimal::ZERO)
    }

    /// The company-currency value of paying `part` of it, at its rate:
    /// the part that settles it takes what is left of its value, so the
    /// parts add up to it exactly.
    pub fn value_of(&self, part: Decimal) -> Decimal {
        if part >= self.outstanding() {
            self.value - self.value_paid
        } else {
            round_amount(part.saturating_mul(self.rate))
        }
    }
}

/// What is left of one payment's advance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advance {
    pub payment: SupplierPaymentId,
    pub currency: Currency,
    pub rate: Decimal,
    pub left: Decimal,
    /// Its company-currency value at the payment's rate.
    pub value_left: Decimal,
}

impl Advance {
    /// The company-currency value of drawing `part` on it: the part that
    /// uses it up takes what is left of its value.
    fn value_of(&self, part: Decimal) -> Decimal {
        if part >= self.left {
            self.value_left
        } else {
            round_amount(part.saturating_mul(self.rate))
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayableState {
    pub invoices: BTreeMap<SupplierInvoiceId, PayableInvoice>,
    pub payments: BTreeSet<SupplierPaymentId>,
    /// Advances not yet used up, oldest first.
    pub advances: Vec<Advance>,
}

impl PayableState {
    /// What is left of the advances paid in `currency`.
    pub fn advance(&self, currency: Currency) -> Decimal {
        self.advances
            .iter()
            .filter(|advance| advance.currency == currency)
            .map(|advance| advance.left)
            .sum()
    }
}

#[derive(Debug)]
pub struct Payable;

impl Decider for Payable {
    type State = PayableState;
    type Command = Issued<PayableCommand>;
    type Event = PayableEvent;
    type Error = DomainError;

    fn decide(
        state: &PayableState,
        issued: &Self::Command,
    ) -> Result<Vec<PayableEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            PayableCommand::RecordInvoice(record) => record_invoice(state, record),
            PayableCommand::Pay(pay) => self::pay(state, pay),
        }
    }

    fn evolve(mut state: PayableState, event: &PayableEvent) -> PayableState {
        match event {
            PayableEvent::InvoiceRecorded(recorded) => {
                state.invoices.insert(
                    recorded.invoice,
                    PayableInvoice {
                        order: recorded.order,
                        number: recorded.number.clone(),
                        currency: recorded.currency,
                        amount: recorded.amount,
                        rate: recorded.rate,
                        value: recorded.value,
                        due: recorded.due,
                        paid: Decimal::ZERO,
                        value_paid: Decimal::ZERO,
                    },
                );
            }
            PayableEvent::PaymentMade(made) => {
                state.payments.insert(made.payment);
                for allocation in &made.allocations {
                    if let Some(invoice) = state.invoices.get_mut(&allocation.invoice) {
                        invoice.paid += allocation.amount;
                        invoice.value_paid += allocation.value_at_invoice;
                    }
                }
                if made.advance > Decimal::ZERO {
                    state.advances.push(Advance {
                        payment: made.payment,
                        currency: made.currency,
                        rate: made.rate,
                        left: made.advance,
                        value_left: round_amount(made.advance.saturating_mul(made.rate)),
                    });
                }
            }
            PayableEvent::AdvanceApplied(applied) => {
                if let Some(invoice) = state.invoices.get_mut(&applied.invoice) {
                    invoice.paid += applied.amount;
                    invoice.value_paid += applied.value_at_invoice;
                }
                if let Some(advance) = state
                    .advances
                    .iter_mut()
                    .find(|advance| advance.payment == applied.payment)
                {
                    advance.left -= applied.amount;
                    advance.value_left -= applied.value_at_payment;
                }
                state
                    .advances
                    .retain(|advance| advance.left > Decimal::ZERO);
            }
            PayableEvent::ExchangeDifferenceRealized(_) | PayableEvent::InvoiceSettled(_) => {}
        }
        state
    }
}

fn record_invoice(
    state: &PayableState,
    record: &RecordSupplierInvoice,
) -> Result<Vec<PayableEvent>, DomainError> {
    if state.invoices.contains_key(&record.invoice) {
        return Ok(Vec::new());
    }
    if record.amount.value() <= Decimal::ZERO {
        return Err(DomainError::invalid("amount", "must be more than zero"));
    }
    if record.due < record.issued_on {
        return Err(DomainError::invalid(
            "due",
            "must not be before the day it was issued",
        ));
    }
    if state
        .invoices
        .values()
        .any(|invoice| invoice.number == record.number.as_str())
    {
        return Err(DomainError::rejected(
            "payable.duplicate_number",
            format!(
                "this supplier's invoice {} is already recorded",
                record.number.as_str()
            ),
        ));
    }
    let amount = round_amount(record.amount.value());
    let recorded = SupplierInvoiceRecorded {
        invoice: record.invoice,
        order: record.order,
        number: record.number.as_str().to_owned(),
        currency: record.currency,
        amount,
        rate: record.rate.value(),
        value: round_amount(amount.saturating_mul(record.rate.value())),
        issued_on: record.issued_on,
        due: record.due,
    };
    let mut invoice = PayableInvoice {
        order: recorded.order,
        number: recorded.number.clone(),
        currency: recorded.currency,
        amount,
        rate: recorded.rate,
        value: recorded.value,
        due: recorded.due,
        paid: Decimal::ZERO,
        value_paid: Decimal::ZERO,
    };
    let mut events = vec![PayableEvent::InvoiceRecorded(recorded)];
    // The advances in its currency pay it first, oldest first.
    for advance in state
        .advances
        .iter()
        .filter(|advance| advance.currency == record.currency)
    {
        if invoice.outstanding() <= Decimal::ZERO {
            break;
        }
        let part = advance.left.min(invoice.outstanding());
        let value_at_invoice = invoice.value_of(part);
        let value_at_payment = advance.value_of(part);
        events.push(PayableEvent::AdvanceApplied(SupplierAdvanceApplied {
            invoice: record.invoice,
            payment: advance.payment,
            currency: record.currency,
            amount: part,
            value_at_invoice,
            value_at_payment,
        }));
        let gain = value_at_invoice - value_at_payment;
        if !gain.is_zero() {
            events.push(PayableEvent::ExchangeDifferenceRealized(
                ExchangeDifferenceRealized {
                    payment: advance.payment,
                    invoice: record.invoice,
                    currency: record.currency,
                    amount: part,
                    gain,
                },
            ));
        }
        invoice.paid += part;
        invoice.value_paid += value_at_invoice;
    }
    if invoice.paid > Decimal::ZERO && invoice.outstanding() <= Decimal::ZERO {
        events.push(PayableEvent::InvoiceSettled(SupplierInvoiceSettled {
            invoice: record.invoice,
            order: record.order,
        }));
    }
    Ok(events)
}

fn pay(state: &PayableState, pay: &PaySupplier) -> Result<Vec<PayableEvent>, DomainError> {
    if state.payments.contains(&pay.payment) {
        return Ok(Vec::new());
    }
    let amount = round_amount(pay.amount.value());
    if amount <= Decimal::ZERO {
        return Err(DomainError::invalid("amount", "must be more than zero"));
    }
    // (invoice, part) pairs, each invoice once.
    let mut parts: Vec<(SupplierInvoiceId, Decimal)> = Vec::new();
    match &pay.allocations {
        Some(allocations) => {
            if allocations.len() > SUPPLIER_ALLOCATIONS_MAX {
                return Err(DomainError::invalid(
                    "allocations",
                    format!("at most {SUPPLIER_ALLOCATIONS_MAX} invoices per payment"),
                ));
            }
            for (index, (id, part)) in allocations.iter().enumerate() {
                let field = format!("allocations[{index}]");
                let invoice = state.invoices.get(id).ok_or_else(|| {
                    DomainError::invalid(
                        field.clone(),
                        format!("invoice {id} is not this supplier's"),
                    )
                })?;
                if invoice.currency != pay.currency {
                    return Err(DomainError::invalid(
                        field,
                        format!("invoice {} is in {}", invoice.number, invoice.currency),
                    ));
                }
                let part = round_amount(part.value());
                let already: Decimal = parts
                    .iter()
                    .filter(|(other, _)| other == id)
                    .map(|(_, part)| *part)
                    .sum();
                if part <= Decimal::ZERO || already + part > invoice.outstanding() {
                    return Err(DomainError::rejected(
                        "payable.overpaid",
                        format!(
                            "invoice {}: {} outstanding, {} allocated",
                            invoice.number,
                            invoice.outstanding(),
                            already + part
                        ),
                    ));
                }
                match parts.iter_mut().find(|(other, _)| other == id) {
                    Some((_, total)) => *total += part,
                    None => parts.push((*id, part)),
                }
            }
        }
        None => {
            let mut open: Vec<(&SupplierInvoiceId, &PayableInvoice)> = state
                .invoices
                .iter()
                .filter(|(_, invoice)| {
                    invoice.currency == pay.currency && invoice.outstanding() > Decimal::ZERO
                })
                .collect();
            open.sort_by_key(|(id, invoice)| (invoice.due, **id));
            let mut left = amount;
            for (id, invoice) in open {
                if left <= Decimal::ZERO {
                    break;
                }
                let part = left.min(invoice.outstanding());
                parts.push((*id, part));
                left -= part;
            }
        }
    }
    let allocated: Decimal = parts.iter().map(|(_, part)| *part).sum();
    if allocated > amount {
        return Err(DomainError::invalid(
            "allocations",
            format!("add up to {allocated}, more than the payment of {amount}"),
        ));
    }
    let rate = pay.rate.value();
    let mut allocations = Vec::with_capacity(parts.len());
    let mut differences = Vec::new();
    let mut settled = Vec::new();
    for (id, part) in parts {
        let invoice = &state.invoices[&id];
        let settles = part >= invoice.outstanding();
        let value_at_invoice = invoice.value_of(part);
        let value_at_payment = round_amount(part.saturating_mul(rate));
        let gain = value_at_invoice - value_at_payment;
        if !gain.is_zero() {
            differences.push(PayableEvent::ExchangeDifferenceRealized(
                ExchangeDifferenceRealized {
                    payment: pay.payment,
                    invoice: id,
                    currency: pay.currency,
                    amount: part,
                    gain,
                },
            ));
        }
        if settles {
            settled.push(PayableEvent::InvoiceSettled(SupplierInvoiceSettled {
                invoice: id,
                order: invoice.order,
            }));
        }
        allocations.push(SupplierAllocation {
            invoice: id,
            amount: part,
            value_at_invoice,
            value_at_payment,
        });
    }
    let mut events = vec![PayableEvent::PaymentMade(SupplierPaymentMade {
        payment: pay.payment,
        method: pay.method,
        currency: pay.currency,
        amount,
        rate,
        allocations,
        advance: amount - allocated,
        reference: pay.reference.as_ref().map(|text| text.as_str().to_owned()),
    })];
    events.extend(differences);
    events.extend(settled);
    Ok(events)
}

#[cfg(test)]
mod tests;
