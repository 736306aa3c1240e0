//! What the sales model remembers of open business to attribute later
//! events: each order's members and line progress, reservations,
//! pending returns, products and invoices.

use domain::finance::PaymentMethod;
use domain::ids::{BranchId, InvoiceId, OrderId, ProductId};
use domain::sales::round_amount;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::fixed::from_decimal;

/// The members an order's figures land on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OrderDims {
    pub(super) customer: u32,
    pub(super) manager: u32,
    pub(super) branch: u32,
    pub(super) currency: u16,
}

/// The members a confirmed line lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct LineMembers {
    pub(super) line: u32,
    pub(super) product: u32,
    pub(super) category: u32,
}

/// How much of a confirmed line was shipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct LineProgress {
    pub(super) quantity: i64,
    pub(super) net: i64,
    pub(super) shipped: i64,
    pub(super) shipped_net: i64,
}

impl LineProgress {
    /// The net of `quantity` more shipped: pro rata, and the part that
    /// completes the line takes what is left (as `domain::sales` prices
    /// the parts of a line).
    pub(super) fn shipped_part(&self, quantity: i64) -> i64 {
        if self.shipped.saturating_add(quantity) >= self.quantity {
            return self.net.saturating_sub(self.shipped_net);
        }
        let decimal = |fixed: i64| Decimal::new(fixed, crate::fixed::SCALE);
        decimal(self.net)
            .checked_mul(decimal(quantity))
            .and_then(|product| product.checked_div(decimal(self.quantity)))
            .map_or(0, |share| from_decimal(round_amount(share)))
    }
}

/// An order as long as something can still happen to it: a million
/// orders stay, so a shipped one keeps only what its returns need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OrderTrack {
    pub(super) dims: OrderDims,
    pub(super) confirmed: bool,
    /// Sorted by line number.
    pub(super) lines: Vec<LineMembers>,
    /// Each line's progress, in the order of `lines`, until every line is
    /// shipped in full.
    pub(super) progress: Option<Box<[LineProgress]>>,
}

impl OrderTrack {
    pub(super) fn index(&self, line: u32) -> Option<usize> {
        self.lines
            .binary_search_by_key(&line, |members| members.line)
            .ok()
    }

    pub(super) fn line(&self, line: u32) -> Option<LineMembers> {
        self.lines.get(self.index(line)?).copied()
    }

    /// The nets of the lines as confirmed (zero once shipped in full:
    /// only an unshipped order is ever cancelled).
    pub(super) fn nets(&self) -> Vec<(u32, u32, i64)> {
        self.lines
            .iter()
            .enumerate()
            .map(|(index, members)| {
                let net = self
                    .progress
                    .as_ref()
                    .and_then(|progress| progress.get(index))
                    .map_or(0, |progress| progress.net);
                (members.product, members.category, net)
            })
            .collect()
    }
}

/// A line's reservation and what is still to be issued under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Reserved {
    pub(super) order: OrderId,
    pub(super) line: u32,
    pub(super) unissued: i64,
}

/// The goods of a return whose stock return has not been seen yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PendingReturn {
    pub(super) order: OrderId,
    /// (line, product) of each line of goods.
    pub(super) lines: Vec<(u32, ProductId)>,
}

/// What the sales model knows of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInfo {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct InvoiceTrack {
    pub(super) invoice: InvoiceId,
    /// Number in the customer table.
    pub(super) customer: u32,
    pub(super) order: Option<OrderId>,
    pub(super) branch: Option<BranchId>,
    pub(super) currency: u16,
    pub(super) issued: Day,
    pub(super) due: Day,
    pub(super) gross: i64,
    pub(super) paid: i64,
    /// Every payment or credit that paid part of it, by day.
    pub(super) paid_on: Vec<(Day, i64)>,
    /// The business day what paid it reached its gross; `None` while
    /// something is owed. An as-of scan passes over invoices paid off by
    /// then without reading their payments.
    pub(super) paid_off: Option<Day>,
    pub(super) number: Option<Box<str>>,
}

impl InvoiceTrack {
    pub(super) fn record_payment(&mut self, day: Day, amount: i64) {
        self.paid = self.paid.saturating_add(amount);
        self.paid_on.push((day, amount));
        self.paid_off = None;
        if self.paid >= self.gross {
            // Payments may be back-dated: add them up in business order.
            let mut paid_on = self.paid_on.clone();
            paid_on.sort_by_key(|(day, _)| *day);
            let mut paid = 0_i64;
            for (day, amount) in paid_on {
                paid = paid.saturating_add(amount);
                if paid >= self.gross {
                    self.paid_off = Some(day);
                    break;
                }
            }
        }
    }

    pub(super) fn paid_by(&self, day: Day) -> i64 {
        self.paid_on
            .iter()
            .filter(|(paid_day, _)| *paid_day <= day)
            .fold(0_i64, |sum, (_, amount)| sum.saturating_add(*amount))
    }
}

/// Payments received on a day in a currency by a method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PaymentSum {
    pub(super) payments: i64,
    pub(super) amount: i64,
}

/// How a payment method is stored in a key.
pub(super) fn method_number(method: PaymentMethod) -> u8 {
    match method {
        PaymentMethod::Cash => 0,
        PaymentMethod::BankTransfer => 1,
        PaymentMethod::Card => 2,
    }
}

pub(super) const METHODS: [PaymentMethod; 3] = [
    PaymentMethod::Cash,
    PaymentMethod::BankTransfer,
    PaymentMethod::Card,
];
