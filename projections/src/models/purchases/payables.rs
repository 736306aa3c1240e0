//! What the company owes its suppliers, as the `payable` streams record
//! it: each supplier's invoices with the payments against them by day,
//! aged as of any day, what each has been paid in advance as of any day,
//! and the realized exchange differences by day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::ids::{PartyId, PurchaseOrderId, SupplierInvoiceId};
use domain::payables::PayableEvent;
use domain::values::Currency;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A supplier's invoice and what was paid of it, by day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayableInvoiceRow {
    pub supplier: PartyId,
    /// The purchase order it bills, if one.
    pub order: Option<PurchaseOrderId>,
    pub number: String,
    pub currency: Currency,
    pub amount: Decimal,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
    pub payments: Vec<(NaiveDate, Decimal)>,
}

impl PayableInvoiceRow {
    /// Owed at the end of `day`: nothing before it was issued.
    pub fn outstanding_on(&self, day: NaiveDate) -> Decimal {
        if self.issued_on > day {
            return Decimal::ZERO;
        }
        let paid: Decimal = self
            .payments
            .iter()
            .filter(|(paid_on, _)| *paid_on <= day)
            .map(|(_, amount)| *amount)
            .sum();
        (self.amount - paid).max(Decimal::ZERO)
    }
}

/// One realized exchange difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DifferenceRow {
    pub day: NaiveDate,
    pub supplier: PartyId,
    pub invoice: SupplierInvoiceId,
    pub currency: Currency,
    pub amount: Decimal,
    /// In the company currency; negative, a loss.
    pub gain: Decimal,
}

/// What one supplier owes in one currency, by age.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplierAgeing {
    pub not_due: Decimal,
    pub days_1_30: Decimal,
    pub days_31_60: Decimal,
    pub days_61_90: Decimal,
    pub over_90: Decimal,
}

impl SupplierAgeing {
    pub fn total(&self) -> Decimal {
        self.not_due + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90
    }
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Payables {
    invoices: FxHashMap<SupplierInvoiceId, PayableInvoiceRow>,
    /// In the order recorded; the report sorts its range by day.
    differences: Vec<DifferenceRow>,
    /// (day, supplier, currency, change) of what is paid in advance: a
    /// payment's advance adds, an invoice paid from it takes away.
    advances: Vec<(NaiveDate, PartyId, Currency, Decimal)>,
}

impl Payables {
    pub fn apply(&mut self, supplier: PartyId, day: NaiveDate, event: &PayableEvent) {
        match event {
            PayableEvent::InvoiceRecorded(recorded) => {
                self.invoices.insert(
                    recorded.invoice,
                    PayableInvoiceRow {
                        supplier,
                        order: recorded.order,
                        number: recorded.number.clone(),
                        currency: recorded.currency,
                        amount: recorded.amount,
                        issued_on: recorded.issued_on,
                        due: recorded.due,
                        payments: Vec::new(),
                    },
                );
            }
            PayableEvent::PaymentMade(made) => {
                for allocation in &made.allocations {
                    if let Some(invoice) = self.invoices.get_mut(&allocation.invoice) {
                        invoice.payments.push((day, allocation.amount));
                    }
                }
                if made.advance > Decimal::ZERO {
                    self.advances
                        .push((day, supplier, made.currency, made.advance));
                }
            }
            PayableEvent::AdvanceApplied(applied) => {
                if let Some(invoice) = self.invoices.get_mut(&applied.invoice) {
                    invoice.payments.push((day, applied.amount));
                }
                self.advances
                    .push((day, supplier, applied.currency, -applied.amount));
            }
            PayableEvent::ExchangeDifferenceRealized(difference) => {
                self.differences.push(DifferenceRow {
                    day,
                    supplier,
                    invoice: difference.invoice,
                    currency: difference.currency,
                    amount: difference.amount,
                    gain: difference.gain,
                });
            }
            PayableEvent::InvoiceSettled(_) => {}
        }
    }

    pub fn invoice(&self, invoice: SupplierInvoiceId) -> Option<&PayableInvoiceRow> {
        self.invoices.get(&invoice)
    }

    /// The invoices billing purchase order `order`, oldest issued first.
    pub fn of_order(&self, order: PurchaseOrderId) -> Vec<(SupplierInvoiceId, &PayableInvoiceRow)> {
        let mut found: Vec<(SupplierInvoiceId, &PayableInvoiceRow)> = self
            .invoices
            .iter()
            .filter(|(_, invoice)| invoice.order == Some(order))
            .map(|(id, invoice)| (*id, invoice))
            .collect();
        found.sort_by_key(|(id, invoice)| (invoice.issued_on, *id));
        found
    }

    /// What each supplier owes at the end of `day`, per currency, by how
    /// long it has been due.
    pub fn aged(&self, day: NaiveDate) -> BTreeMap<(PartyId, Currency), SupplierAgeing> {
        let mut aged: BTreeMap<(PartyId, Currency), SupplierAgeing> = BTreeMap::new();
        for invoice in self.invoices.values() {
            let owed = invoice.outstanding_on(day);
            if owed.is_zero() {
                continue;
            }
            let ageing = aged
                .entry((invoice.supplier, invoice.currency))
                .or_default();
            let overdue = (day - invoice.due).num_days();
            let bucket = match overdue {
                ..=0 => &mut ageing.not_due,
                1..=30 => &mut ageing.days_1_30,
                31..=60 => &mut ageing.days_31_60,
                61..=90 => &mut ageing.days_61_90,
                _ => &mut ageing.over_90,
            };
            *bucket += owed;
        }
        aged
    }

    /// What each supplier held of the company's advances at the end of
    /// `day`, per currency: only what is not used up.
    pub fn advances(&self, day: NaiveDate) -> BTreeMap<(PartyId, Currency), Decimal> {
        let mut held: BTreeMap<(PartyId, Currency), Decimal> = BTreeMap::new();
        for (on, supplier, currency, change) in &self.advances {
            if *on <= day {
                *held.entry((*supplier, *currency)).or_default() += *change;
            }
        }
        held.retain(|_, amount| *amount > Decimal::ZERO);
        held
    }

    /// The realized exchange differences of the days `from` to `to`, by
    /// day.
    pub fn differences(&self, from: NaiveDate, to: NaiveDate) -> Vec<&DifferenceRow> {
        let mut rows: Vec<&DifferenceRow> = self
            .differences
            .iter()
            .filter(|row| row.day >= from && row.day <= to)
            .collect();
        rows.sort_by_key(|row| row.day);
        rows
    }
}
