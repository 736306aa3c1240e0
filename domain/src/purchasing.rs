//! Purchase orders: goods ordered from a supplier and received into a
//! warehouse.
//!
//! A purchase order is a stream (`purchase-<id>`) and the consistency
//! boundary for what was ordered and what has arrived, so two storekeepers
//! cannot receive the same goods twice. What a receipt causes elsewhere
//! (stock received at its landed cost, the order's number) is done by the
//! process managers of [`crate::process`], which read these events.
//!
//! The life of a purchase order: draft (lines are added, changed and
//! removed) → sent to the supplier (lines frozen) → partially or fully
//! received, one receipt at a time, or cancelled while nothing has
//! arrived.
//!
//! The order keeps its supplier's currency; a receipt converts into the
//! company currency at the exchange rate of its business day, which the
//! caller looks up and passes in. Each amount is rounded once, to cents,
//! half away from zero, from unrounded inputs:
//!
//! - a line's amount in the order's currency: quantity × unit price;
//! - a received line's value in the company currency: quantity × unit
//!   price × rate (not the rounded amount × rate);
//! - each landed cost (freight, duty; in the company currency) as
//!   entered; a received line's share of their total is the total × its
//!   value (or quantity) ÷ the receipt's, cut to cents, with the cents
//!   left over going to the lines that lost most in the cut
//!   ([`spread_over`]), so the shares add up to the costs exactly.
//!
//! The unit cost the goods enter stock at is (value + share) ÷ quantity,
//! rounded to four places as every unit cost is.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{Quantity, UnitPrice};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{
    BranchId, PartyId, ProductId, PurchaseOrderId, PurchaseReceiptId, SupplierInvoiceId, UserId,
    WarehouseId,
};
use crate::sales::{AMOUNT_SCALE, round_amount};
use crate::values::{Currency, ExchangeRate, Label, round_unit};

/// Most lines on one purchase order: a bound on the events' size.
pub const PURCHASE_LINES_MAX: usize = 500;
/// Most landed costs on one receipt.
pub const LANDED_COSTS_MAX: usize = 20;

const PURCHASE_ORDER: &str = "purchase order";

// ------------------------------------------------------------------ events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderDrafted {
    pub order: PurchaseOrderId,
    pub supplier: PartyId,
    /// Where the goods are to arrive.
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    /// The currency the supplier prices in.
    pub currency: Currency,
    /// The buyer responsible for the order.
    pub buyer: Option<UserId>,
    /// The supplier's reference (their quote or order confirmation).
    pub reference: Option<String>,
    /// When the supplier promised the goods.
    pub expected_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLineAdded {
    /// Numbered from 1 in the order they were added, never reused.
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// In the order's currency.
    pub unit_price: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLineChanged {
    pub line: u32,
    pub quantity: Decimal,
    pub unit_price: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLineRemoved {
    pub line: u32,
}

/// A line as sent to the supplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Quantity × unit price, in cents of the order's currency.
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderSent {
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    pub currency: Currency,
    pub lines: Vec<SentLine>,
    /// The lines' amounts added up.
    pub total: Decimal,
    pub expected_on: Option<NaiveDate>,
}

/// How a receipt's landed costs are spread over its lines. Stored by
/// position: new variants at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Spread {
    /// In proportion to each line's value: duty, insurance.
    #[default]
    ByValue,
    /// In proportion to each line's quantity: freight of similar goods.
    ByQuantity,
}

impl Spread {
    pub fn key(self) -> &'static str {
        match self {
            Self::ByValue => "value",
            Self::ByQuantity => "quantity",
        }
    }

    pub fn parse(field: &str, key: &str) -> Result<Self, DomainError> {
        match key {
            "value" => Ok(Self::ByValue),
            "quantity" => Ok(Self::ByQuantity),
            _ => Err(DomainError::invalid(
                field,
                "must be \"value\" or \"quantity\"",
            )),
        }
    }
}

/// A cost of bringing the goods in (freight, duty), in the company
/// currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandedCost {
    pub label: String,
    pub amount: Decimal,
}

/// A line as received, with what it cost in the company currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// Quantity × unit price, in cents of the order's currency.
    pub amount: Decimal,
    /// Quantity × unit price × rate, in cents of the company currency.
    pub value: Decimal,
    /// The line's share of the landed costs, in the company currency.
    pub landed: Decimal,
    /// (value + landed) ÷ quantity: what one unit enters stock at.
    pub unit_cost: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseReceived {
    pub receipt: PurchaseReceiptId,
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    pub currency: Currency,
    /// Units of the company currency for one unit of the order's.
    pub rate: Decimal,
    pub landed_costs: Vec<LandedCost>,
    pub spread: Spread,
    pub lines: Vec<ReceivedLine>,
    /// Every line has now arrived in full.
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderCancelled {
    pub reason: String,
}

/// A supplier's invoice billing the order, as the payables process tells
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderInvoiced {
    pub invoice: SupplierInvoiceId,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseInvoicePaid {
    pub invoice: SupplierInvoiceId,
}

domain_events! {
    /// Everything that can happen to a purchase order.
    pub enum PurchaseEvent in "purchase" {
        Drafted(PurchaseOrderDrafted) = "PurchaseOrderDrafted" v 1,
        LineAdded(PurchaseLineAdded) = "PurchaseLineAdded" v 1,
        LineChanged(PurchaseLineChanged) = "PurchaseLineChanged" v 1,
        LineRemoved(PurchaseLineRemoved) = "PurchaseLineRemoved" v 1,
        Sent(PurchaseOrderSent) = "PurchaseOrderSent" v 1,
        Received(PurchaseReceived) = "PurchaseReceived" v 1,
        Cancelled(PurchaseOrderCancelled) = "PurchaseOrderCancelled" v 1,
        Invoiced(PurchaseOrderInvoiced) = "PurchaseOrderInvoiced" v 1,
        InvoicePaid(PurchaseInvoicePaid) = "PurchaseInvoicePaid" v 1,
    }
}

// ---------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq)]
pub struct DraftPurchase {
    pub order: PurchaseOrderId,
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub buyer: Option<UserId>,
    pub reference: Option<Label>,
    pub expected_on: Option<NaiveDate>,
}

/// How much of one line arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiveLine {
    pub line: u32,
    pub quantity: Quantity,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewLandedCost {
    pub label: Label,
    pub amount: UnitPrice,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReceivePurchase {
    pub receipt: PurchaseReceiptId,
    /// `None`: everything not yet received.
    pub lines: Option<Vec<ReceiveLine>>,
    pub landed_costs: Vec<NewLandedCost>,
    pub spread: Spread,
    /// The rate of the receipt's business day, looked up by the caller
    /// ([`ExchangeRate::ONE`] in the company currency).
    pub rate: ExchangeRate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PurchaseCommand {
    Draft(DraftPurchase),
    AddLine {
        product: ProductId,
        quantity: Quantity,
        unit_price: UnitPrice,
    },
    ChangeLine {
        line: u32,
        quantity: Quantity,
        unit_price: UnitPrice,
    },
    RemoveLine {
        line: u32,
    },
    Send,
    Receive(ReceivePurchase),
    Cancel {
        reason: Label,
    },
    /// Issued by the payables process for a supplier's invoice of the
    /// order.
    RecordInvoice {
        invoice: SupplierInvoiceId,
        amount: Decimal,
    },
    /// Issued by the payables process when that invoice is paid off.
    RecordInvoicePaid {
        invoice: SupplierInvoiceId,
    },
}

// ------------------------------------------------------------------- state

/// Where a purchase order is in its life. Ordered as it goes. Invoiced
/// and paid follow a full receipt: an order partly received stays so
/// whatever was invoiced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PurchaseStatus {
    Draft,
    Sent,
    PartiallyReceived,
    Received,
    /// Received, and the supplier's invoices cover its total.
    Invoiced,
    /// Invoiced, and every invoice paid off.
    Paid,
    Cancelled,
}

impl PurchaseStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::PartiallyReceived => "partially_received",
            Self::Received => "received",
            Self::Invoiced => "invoiced",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
        }
    }

    pub const ALL: [Self; 7] = [
        Self::Draft,
        Self::Sent,
        Self::PartiallyReceived,
        Self::Received,
        Self::Invoiced,
        Self::Paid,
        Self::Cancelled,
    ];

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.key() == key)
    }

    /// Goods are still to come.
    pub fn open(self) -> bool {
        matches!(self, Self::Sent | Self::PartiallyReceived)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseLineState {
    pub product: ProductId,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub received: Decimal,
}

impl PurchaseLineState {
    /// Ordered and not yet received.
    pub fn outstanding(&self) -> Decimal {
        (self.quantity - self.received).max(Decimal::ZERO)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrderState {
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub status: PurchaseStatus,
    pub lines: BTreeMap<u32, PurchaseLineState>,
    pub last_line: u32,
    pub receipts: BTreeSet<PurchaseReceiptId>,
    pub expected_on: Option<NaiveDate>,
    /// The supplier's invoices of the order, and whether each is paid.
    pub invoices: BTreeMap<SupplierInvoiceId, (Decimal, bool)>,
}

impl PurchaseOrderState {
    /// The lines' amounts added up, in the order's currency.
    pub fn total(&self) -> Decimal {
        self.lines.values().fold(Decimal::ZERO, |total, line| {
            total.saturating_add(round_amount(line.quantity.saturating_mul(line.unit_price)))
        })
    }

    /// The status a full receipt, its invoices and their payment give.
    fn settle_status(&mut self) {
        if !matches!(
            self.status,
            PurchaseStatus::Received | PurchaseStatus::Invoiced | PurchaseStatus::Paid
        ) {
            return;
        }
        let invoiced: Decimal = self.invoices.values().map(|(amount, _)| *amount).sum();
        self.status = if invoiced < self.total() {
            PurchaseStatus::Received
        } else if self.invoices.values().all(|(_, paid)| *paid) {
            PurchaseStatus::Paid
        } else {
            PurchaseStatus::Invoiced
        };
    }
}

#[derive(Debug)]
pub struct PurchaseOrder;

fn not_draft() -> DomainError {
    DomainError::rejected(
        "purchase.not_draft",
        "only a draft purchase order's lines can change",
    )
}

fn line_not_found(line: u32) -> DomainError {
    DomainError::invalid("line", format!("line {line} is not on this purchase order"))
}

impl Decider for PurchaseOrder {
    type State = Option<PurchaseOrderState>;
    type Command = Issued<PurchaseCommand>;
    type Event = PurchaseEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<PurchaseEvent>, DomainError> {
        issued.business_time()?;
        if let PurchaseCommand::Draft(draft) = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "purchase.already_drafted",
                    "this purchase order is already drafted",
                ));
            }
            return Ok(vec![PurchaseEvent::Drafted(PurchaseOrderDrafted {
                order: draft.order,
                supplier: draft.supplier,
                warehouse: draft.warehouse,
                branch: draft.branch,
                currency: draft.currency,
                buyer: draft.buyer,
                reference: draft
                    .reference
                    .as_ref()
                    .map(|text| text.as_str().to_owned()),
                expected_on: draft.expected_on,
            })]);
        }
        let order = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(PURCHASE_ORDER))?;
        match &issued.command {
            PurchaseCommand::Draft(_) => Ok(Vec::new()),
            PurchaseCommand::AddLine {
                product,
                quantity,
                unit_price,
            } => {
                if order.status != PurchaseStatus::Draft {
                    return Err(not_draft());
                }
                if order.lines.len() >= PURCHASE_LINES_MAX {
                    return Err(DomainError::rejected(
                        "purchase.too_many_lines",
                        format!("a purchase order has at most {PURCHASE_LINES_MAX} lines"),
                    ));
                }
                Ok(vec![PurchaseEvent::LineAdded(PurchaseLineAdded {
                    line: order.last_line + 1,
                    product: *product,
                    quantity: quantity.value(),
                    unit_price: unit_price.value(),
                })])
            }
            PurchaseCommand::ChangeLine {
                line,
                quantity,
                unit_price,
            } => {
                if order.status != PurchaseStatus::Draft {
                    return Err(not_draft());
                }
                let current = order.lines.get(line).ok_or_else(|| line_not_found(*line))?;
                Ok(crate::unless_unchanged(
                    current.quantity == quantity.value()
                        && current.unit_price == unit_price.value(),
                    || {
                        PurchaseEvent::LineChanged(PurchaseLineChanged {
                            line: *line,
                            quantity: quantity.value(),
                            unit_price: unit_price.value(),
                        })
                    },
                ))
            }
            PurchaseCommand::RemoveLine { line } => {
                if order.status != PurchaseStatus::Draft {
                    return Err(not_draft());
                }
                if !order.lines.contains_key(line) {
                    return Err(line_not_found(*line));
                }
                Ok(vec![PurchaseEvent::LineRemoved(PurchaseLineRemoved {
                    line: *line,
                })])
            }
            PurchaseCommand::Send => send(order),
            PurchaseCommand::Receive(receive) => self::receive(order, receive),
            PurchaseCommand::RecordInvoice { invoice, amount } => {
                if order.invoices.contains_key(invoice) {
                    return Ok(Vec::new());
                }
                if matches!(
                    order.status,
                    PurchaseStatus::Draft | PurchaseStatus::Cancelled
                ) {
                    return Err(DomainError::rejected(
                        "purchase.not_sent",
                        "only a purchase order sent to the supplier is invoiced",
                    ));
                }
                Ok(vec![PurchaseEvent::Invoiced(PurchaseOrderInvoiced {
                    invoice: *invoice,
                    amount: *amount,
                })])
            }
            PurchaseCommand::RecordInvoicePaid { invoice } => {
                Ok(match order.invoices.get(invoice) {
                    Some((_, false)) => vec![PurchaseEvent::InvoicePaid(PurchaseInvoicePaid {
                        invoice: *invoice,
                    })],
                    _ => Vec::new(),
                })
            }
            PurchaseCommand::Cancel { reason } => {
                match order.status {
                    PurchaseStatus::Cancelled => return Ok(Vec::new()),
                    PurchaseStatus::Draft | PurchaseStatus::Sent => {}
                    PurchaseStatus::PartiallyReceived
                    | PurchaseStatus::Received
                    | PurchaseStatus::Invoiced
                    | PurchaseStatus::Paid => {
                        return Err(DomainError::rejected(
                            "purchase.received",
                            "goods of this purchase order have arrived; it can no longer be cancelled",
                        ));
                    }
                }
                Ok(vec![PurchaseEvent::Cancelled(PurchaseOrderCancelled {
                    reason: reason.as_str().to_owned(),
                })])
            }
        }
    }

    fn evolve(state: Self::State, event: &PurchaseEvent) -> Self::State {
        if let PurchaseEvent::Drafted(drafted) = event {
            return Some(PurchaseOrderState {
                supplier: drafted.supplier,
                warehouse: drafted.warehouse,
                branch: drafted.branch,
                currency: drafted.currency,
                status: PurchaseStatus::Draft,
                lines: BTreeMap::new(),
                last_line: 0,
                receipts: BTreeSet::new(),
                expected_on: drafted.expected_on,
                invoices: BTreeMap::new(),
            });
        }
        let mut order = state?;
        match event {
            PurchaseEvent::Drafted(_) => {}
            PurchaseEvent::LineAdded(added) => {
                order.last_line = order.last_line.max(added.line);
                order.lines.insert(
                    added.line,
                    PurchaseLineState {
                        product: added.product,
                        quantity: added.quantity,
                        unit_price: added.unit_price,
                        received: Decimal::ZERO,
                    },
                );
            }
            PurchaseEvent::LineChanged(changed) => {
                if let Some(line) = order.lines.get_mut(&changed.line) {
                    line.quantity = changed.quantity;
                    line.unit_price = changed.unit_price;
                }
            }
            PurchaseEvent::LineRemoved(removed) => {
                order.lines.remove(&removed.line);
            }
            PurchaseEvent::Sent(_) => order.status = PurchaseStatus::Sent,
            PurchaseEvent::Received(received) => {
                for arrived in &received.lines {
                    if let Some(line) = order.lines.get_mut(&arrived.line) {
                        line.received += arrived.quantity;
                    }
                }
                order.receipts.insert(received.receipt);
                order.status = if received.complete {
                    PurchaseStatus::Received
                } else {
                    PurchaseStatus::PartiallyReceived
                };
            }
            PurchaseEvent::Cancelled(_) => order.status = PurchaseStatus::Cancelled,
            PurchaseEvent::Invoiced(invoiced) => {
                order
                    .invoices
                    .insert(invoiced.invoice, (invoiced.amount, false));
            }
            PurchaseEvent::InvoicePaid(paid) => {
                if let Some(invoice) = order.invoices.get_mut(&paid.invoice) {
                    invoice.1 = true;
                }
            }
        }
        order.settle_status();
        Some(order)
    }
}

fn send(order: &PurchaseOrderState) -> Result<Vec<PurchaseEvent>, DomainError> {
    match order.status {
        PurchaseStatus::Draft => {}
        PurchaseStatus::Sent
        | PurchaseStatus::PartiallyReceived
        | PurchaseStatus::Received
        | PurchaseStatus::Invoiced
        | PurchaseStatus::Paid => {
            return Ok(Vec::new());
        }
        PurchaseStatus::Cancelled => {
            return Err(DomainError::rejected(
                "purchase.cancelled",
                "this purchase order is cancelled",
            ));
        }
    }
    if order.lines.is_empty() {
        return Err(DomainError::rejected(
            "purchase.empty",
            "a purchase order needs at least one line before it is sent",
        ));
    }
    let lines: Vec<SentLine> = order
        .lines
        .iter()
        .map(|(number, line)| SentLine {
            line: *number,
            product: line.product,
            quantity: line.quantity,
            unit_price: line.unit_price,
            amount: round_amount(line.quantity.saturating_mul(line.unit_price)),
        })
        .collect();
    let total = lines.iter().fold(Decimal::ZERO, |total, line| {
        total.saturating_add(line.amount)
    });
    Ok(vec![PurchaseEvent::Sent(PurchaseOrderSent {
        supplier: order.supplier,
        warehouse: order.warehouse,
        currency: order.currency,
        lines,
        total,
        expected_on: order.expected_on,
    })])
}

fn receive(
    order: &PurchaseOrderState,
    receive: &ReceivePurchase,
) -> Result<Vec<PurchaseEvent>, DomainError> {
    if order.receipts.contains(&receive.receipt) {
        return Ok(Vec::new());
    }
    match order.status {
        PurchaseStatus::Sent | PurchaseStatus::PartiallyReceived => {}
        PurchaseStatus::Draft => {
            return Err(DomainError::rejected(
                "purchase.not_sent",
                "a purchase order is sent to the supplier before its goods are received",
            ));
        }
        PurchaseStatus::Received | PurchaseStatus::Invoiced | PurchaseStatus::Paid => {
            return Err(DomainError::rejected(
                "purchase.fully_received",
                "every line of this purchase order has arrived",
            ));
        }
        PurchaseStatus::Cancelled => {
            return Err(DomainError::rejected(
                "purchase.cancelled",
                "this purchase order is cancelled",
            ));
        }
    }
    if receive.landed_costs.len() > LANDED_COSTS_MAX {
        return Err(DomainError::invalid(
            "landed_costs",
            format!("at most {LANDED_COSTS_MAX} landed costs per receipt"),
        ));
    }
    // (line, quantity) pairs, each line once.
    let mut arriving: BTreeMap<u32, Decimal> = BTreeMap::new();
    match &receive.lines {
        None => {
            for (number, line) in &order.lines {
                if line.outstanding() > Decimal::ZERO {
                    arriving.insert(*number, line.outstanding());
                }
            }
        }
        Some(lines) => {
            for (index, wanted) in lines.iter().enumerate() {
                let field = format!("lines[{index}]");
                let line = order
                    .lines
                    .get(&wanted.line)
                    .ok_or_else(|| line_not_found(wanted.line).within(&field))?;
                let total = arriving
                    .get(&wanted.line)
                    .copied()
                    .unwrap_or_default()
                    .saturating_add(wanted.quantity.value());
                if total > line.outstanding() {
                    return Err(DomainError::rejected(
                        "purchase.over_receipt",
                        format!(
                            "line {}: {total} received, only {} outstanding",
                            wanted.line,
                            line.outstanding()
                        ),
                    ));
                }
                arriving.insert(wanted.line, total);
            }
        }
    }
    if arriving.is_empty() {
        return Err(DomainError::rejected(
            "purchase.nothing_to_receive",
            "nothing is outstanding on the lines given",
        ));
    }
    let rate = receive.rate.value();
    let mut lines: Vec<ReceivedLine> = arriving
        .iter()
        .map(|(number, quantity)| {
            let line = &order.lines[number];
            let amount = line.unit_price.saturating_mul(*quantity);
            ReceivedLine {
                line: *number,
                product: line.product,
                quantity: *quantity,
                amount: round_amount(amount),
                value: round_amount(amount.saturating_mul(rate)),
                landed: Decimal::ZERO,
                unit_cost: Decimal::ZERO,
            }
        })
        .collect();
    // Each cost is rounded to cents once, as recorded; the shares spread
    // exactly what was recorded.
    let landed_costs: Vec<LandedCost> = receive
        .landed_costs
        .iter()
        .map(|cost| LandedCost {
            label: cost.label.as_str().to_owned(),
            amount: round_amount(cost.amount.value()),
        })
        .collect();
    let landed_total = landed_costs.iter().fold(Decimal::ZERO, |total, cost| {
        total.saturating_add(cost.amount)
    });
    let weights: Vec<Decimal> = lines
        .iter()
        .map(|line| match receive.spread {
            Spread::ByValue => line.value,
            Spread::ByQuantity => line.quantity,
        })
        .collect();
    // Goods that cost nothing have no value to spread by: fall back to
    // quantities, which are always more than zero.
    let weights = if weights.iter().all(Decimal::is_zero) {
        lines.iter().map(|line| line.quantity).collect()
    } else {
        weights
    };
    for (line, share) in lines.iter_mut().zip(spread_over(landed_total, &weights)) {
        line.landed = share;
        line.unit_cost = round_unit(line.value.saturating_add(share) / line.quantity);
    }
    let complete = order.lines.iter().all(|(number, line)| {
        line.outstanding() <= arriving.get(number).copied().unwrap_or_default()
    });
    Ok(vec![PurchaseEvent::Received(PurchaseReceived {
        receipt: receive.receipt,
        supplier: order.supplier,
        warehouse: order.warehouse,
        currency: order.currency,
        rate,
        landed_costs,
        spread: receive.spread,
        lines,
        complete,
    })])
}

/// `total` (in cents) split in proportion to `weights` (none negative):
/// each share is first cut down to cents, then the cents left over go one
/// each to the shares that lost the most in the cut (the earlier line on a
/// tie). The shares are never negative and add up to `total` exactly; with
/// all weights zero, the last share takes everything.
///
/// Found by a property test: "round each, the last takes the rest" gave
/// four equal lines of a 0.02 cost 0.01, 0.01, 0.01 and -0.01.
pub fn spread_over(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let cent = Decimal::new(1, AMOUNT_SCALE);
    let weight_total = weights
        .iter()
        .fold(Decimal::ZERO, |sum, weight| sum.saturating_add(*weight));
    if weight_total.is_zero() {
        let mut shares = vec![Decimal::ZERO; weights.len()];
        if let Some(last) = shares.last_mut() {
            *last = total;
        }
        return shares;
    }
    let exact: Vec<Decimal> = weights
        .iter()
        .map(|weight| total.saturating_mul(*weight) / weight_total)
        .collect();
    let mut shares: Vec<Decimal> = exact
        .iter()
        .map(|share| share.round_dp_with_strategy(AMOUNT_SCALE, RoundingStrategy::ToZero))
        .collect();
    let given = shares
        .iter()
        .fold(Decimal::ZERO, |sum, share| sum.saturating_add(*share));
    let mut left = ((total - given) / cent)
        .round()
        .to_usize()
        .unwrap_or_default();
    let mut by_loss: Vec<usize> = (0..shares.len()).collect();
    by_loss.sort_by(|a, b| (exact[*b] - shares[*b]).cmp(&(exact[*a] - shares[*a])));
    for index in by_loss {
        if left == 0 {
            break;
        }
        shares[index] += cent;
        left -= 1;
    }
    shares
}

#[cfg(test)]
mod tests;
