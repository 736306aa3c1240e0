//! Purchase orders as buyers and storekeepers read them: the list (newest
//! activity first, by status, supplier or number), each order with its
//! lines and receipts, the goods still on order per product and
//! warehouse, and what open orders are still worth per currency;
//! suppliers' offers per product ([`offers`]) and what is owed to them
//! ([`payables`]).
//!
//! "On order" is what open orders (sent or partly received) still await:
//! ordered less received, per line. Each event first takes its order's
//! share out and then puts the order's new share in, so the totals never
//! drift from the orders they sum. Each order's number (given by the
//! numbering process right after the draft) is kept and indexed.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{DateTime, NaiveDate, Utc};
use domain::finance::{DocumentKind, SeriesEvent};
use domain::ids::{
    BranchId, PartyId, ProductId, PurchaseOrderId, PurchaseReceiptId, SupplierInvoiceId, UserId,
    WarehouseId,
};
use domain::payables::PayableEvent;
use domain::purchasing::{LandedCost, PurchaseEvent, PurchaseStatus, Spread};
use domain::sales::round_amount;
use domain::sourcing::SourcingEvent;
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

pub mod offers;
pub mod payables;

use offers::{Offers, ProductOffers};
use payables::Payables;

/// Most rows on one page.
pub const PURCHASE_PAGE_ROWS_MAX: usize = 200;

/// A line of a purchase order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLineRow {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// In the order's currency.
    pub unit_price: Decimal,
    pub received: Decimal,
}

impl PurchaseLineRow {
    /// Quantity × unit price, in cents of the order's currency.
    pub fn amount(&self) -> Decimal {
        round_amount(self.quantity.saturating_mul(self.unit_price))
    }

    /// Ordered and not yet received.
    pub fn outstanding(&self) -> Decimal {
        (self.quantity - self.received).max(Decimal::ZERO)
    }
}

/// A line of a receipt, with what it cost in the company currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLineRow {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    pub value: Decimal,
    pub landed: Decimal,
    pub unit_cost: Decimal,
}

/// One delivery received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRow {
    pub receipt: PurchaseReceiptId,
    /// Its business time (may be back-dated).
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub occurred_at: DateTime<Utc>,
    pub rate: Decimal,
    pub landed_costs: Vec<LandedCost>,
    pub spread: Spread,
    pub lines: Vec<ReceiptLineRow>,
    /// Who received it, when a person did.
    pub by: Option<UserId>,
}

/// One purchase order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseRow {
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub status: PurchaseStatus,
    pub buyer: Option<UserId>,
    pub reference: Option<String>,
    pub expected_on: Option<NaiveDate>,
    /// Its number (`PO-2026-000042`), once the numbering process gave it.
    pub number: Option<Box<str>>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub drafted_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was cancelled (business time).
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub lines: Vec<PurchaseLineRow>,
    pub receipts: Vec<ReceiptRow>,
    /// The supplier's invoices of the order: amount, and paid off.
    pub invoices: Vec<(SupplierInvoiceId, Decimal, bool)>,
    /// The log position of the order's latest event: its place on the list.
    pub last_position: u64,
    /// Stream version of its latest event: the ETag of the order.
    pub version: u64,
}

impl PurchaseRow {
    /// The lines' amounts added up, in the order's currency.
    pub fn total(&self) -> Decimal {
        self.lines.iter().fold(Decimal::ZERO, |total, line| {
            total.saturating_add(line.amount())
        })
    }

    /// What the goods still to come are worth, in the order's currency
    /// (none unless the order is open).
    pub fn outstanding_amount(&self) -> Decimal {
        if !self.status.open() {
            return Decimal::ZERO;
        }
        self.lines.iter().fold(Decimal::ZERO, |total, line| {
            total.saturating_add(round_amount(
                line.outstanding().saturating_mul(line.unit_price),
            ))
        })
    }

    /// What arrived cost in the company currency, landed costs included.
    pub fn received_cost(&self) -> Decimal {
        self.receipts
            .iter()
            .flat_map(|receipt| &receipt.lines)
            .fold(Decimal::ZERO, |total, line| {
                total.saturating_add(line.value).saturating_add(line.landed)
            })
    }

    /// Open and expected before `day`: late.
    pub fn late_on(&self, day: NaiveDate) -> bool {
        self.status.open() && self.expected_on.is_some_and(|expected| expected < day)
    }

    /// What the goods still to come were worth at `at` (business time),
    /// in the order's currency: sent by then, not cancelled, less what
    /// had arrived by then; `None` when it was not open then.
    pub fn open_value_at(&self, at: DateTime<Utc>) -> Option<Decimal> {
        if self.sent_at.is_none_or(|sent| sent > at)
            || self.cancelled_at.is_some_and(|cancelled| cancelled <= at)
        {
            return None;
        }
        let mut value = Decimal::ZERO;
        let mut outstanding_any = false;
        for line in &self.lines {
            let received: Decimal = self
                .receipts
                .iter()
                .filter(|receipt| receipt.occurred_at <= at)
                .flat_map(|receipt| &receipt.lines)
                .filter(|arrived| arrived.line == line.line)
                .map(|arrived| arrived.quantity)
                .sum();
            let outstanding = (line.quantity - received).max(Decimal::ZERO);
            if outstanding > Decimal::ZERO {
                outstanding_any = true;
                value += round_amount(outstanding.saturating_mul(line.unit_price));
            }
        }
        outstanding_any.then_some(value)
    }

    fn line_mut(&mut self, line: u32) -> Option<&mut PurchaseLineRow> {
        self.lines.iter_mut().find(|row| row.line == line)
    }
}

/// Buying figures of a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurchasingFigures {
    pub open_orders: u64,
    /// What open orders still await, per currency.
    pub open_value: BTreeMap<Currency, Decimal>,
    /// Open orders whose expected day had passed.
    pub late_orders: u64,
}

/// A row of a page: the order and its row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseListRow<'a> {
    pub order: PurchaseOrderId,
    pub row: &'a PurchaseRow,
}

/// A page of the list and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchasePage<'a> {
    pub rows: Vec<PurchaseListRow<'a>>,
    /// Pass back as `before` for the next page; `None` at the end.
    pub next: Option<u64>,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Purchases {
    rows: FxHashMap<PurchaseOrderId, PurchaseRow>,
    /// Last position → order: the list's order, newest last.
    recency: BTreeMap<u64, PurchaseOrderId>,
    /// Number → order, for finding an order by (the start of) its number.
    numbers: BTreeMap<Box<str>, PurchaseOrderId>,
    /// (product, warehouse) → quantity open orders still await.
    on_order: BTreeMap<(ProductId, WarehouseId), Decimal>,
    offers: Offers,
    payables: Payables,
}

impl ReadModel for Purchases {
    const NAME: &'static str = "purchases";
    // 2: suppliers' offers. 3: suppliers' invoices of each order, and
    // payables. 4: when an order was cancelled, for past days' figures.
    // 5: each payable invoice's purchase order. 6: advances to suppliers.
    const VERSION: u32 = 6;
    const CATEGORIES: &'static [&'static str] = &[
        PurchaseEvent::CATEGORY,
        SeriesEvent::CATEGORY,
        SourcingEvent::CATEGORY,
        PayableEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        if let CrmEvent::Payable(event) = envelope.event {
            self.payables.apply(
                PartyId::from_uuid(envelope.aggregate),
                envelope.occurred_at.date_naive(),
                event,
            );
            return;
        }
        if let CrmEvent::Sourcing(event) = envelope.event {
            self.offers
                .apply(ProductId::from_uuid(envelope.aggregate), event);
            return;
        }
        if let CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered)) = envelope.event {
            if numbered.kind == DocumentKind::PurchaseOrder {
                let order = PurchaseOrderId::from_uuid(numbered.document);
                if let Some(row) = self.rows.get_mut(&order) {
                    let number: Box<str> = numbered.number.as_str().into();
                    row.number = Some(number.clone());
                    self.numbers.insert(number, order);
                }
            }
            return;
        }
        let CrmEvent::Purchase(event) = envelope.event else {
            return;
        };
        let order = PurchaseOrderId::from_uuid(envelope.aggregate);
        if let PurchaseEvent::Drafted(drafted) = event {
            self.rows.insert(
                order,
                PurchaseRow {
                    supplier: drafted.supplier,
                    warehouse: drafted.warehouse,
                    branch: drafted.branch,
                    currency: drafted.currency,
                    status: PurchaseStatus::Draft,
                    buyer: drafted.buyer,
                    reference: drafted.reference.clone(),
                    expected_on: drafted.expected_on,
                    number: None,
                    drafted_at: envelope.occurred_at,
                    sent_at: None,
                    cancelled_at: None,
                    cancel_reason: None,
                    lines: Vec::new(),
                    receipts: Vec::new(),
                    invoices: Vec::new(),
                    last_position: envelope.position,
                    version: envelope.stream_version,
                },
            );
            self.recency.insert(envelope.position, order);
            return;
        }
        let Some(mut row) = self.rows.remove(&order) else {
            return;
        };
        self.count_on_order(&row, false);
        apply_to_row(&mut row, event, envelope);
        self.count_on_order(&row, true);
        self.recency.remove(&row.last_position);
        row.last_position = envelope.position;
        row.version = envelope.stream_version;
        self.recency.insert(envelope.position, order);
        self.rows.insert(order, row);
    }
}

fn apply_to_row(row: &mut PurchaseRow, event: &PurchaseEvent, envelope: &Envelope<'_>) {
    match event {
        PurchaseEvent::Drafted(_) => {}
        PurchaseEvent::LineAdded(added) => row.lines.push(PurchaseLineRow {
            line: added.line,
            product: added.product,
            quantity: added.quantity,
            unit_price: added.unit_price,
            received: Decimal::ZERO,
        }),
        PurchaseEvent::LineChanged(changed) => {
            if let Some(line) = row.line_mut(changed.line) {
                line.quantity = changed.quantity;
                line.unit_price = changed.unit_price;
            }
        }
        PurchaseEvent::LineRemoved(removed) => row.lines.retain(|line| line.line != removed.line),
        PurchaseEvent::Sent(sent) => {
            row.status = PurchaseStatus::Sent;
            row.sent_at = Some(envelope.occurred_at);
            row.expected_on = sent.expected_on.or(row.expected_on);
        }
        PurchaseEvent::Received(received) => {
            for arrived in &received.lines {
                if let Some(line) = row.line_mut(arrived.line) {
                    line.received = line.received.saturating_add(arrived.quantity);
                }
            }
            row.status = if received.complete {
                PurchaseStatus::Received
            } else {
                PurchaseStatus::PartiallyReceived
            };
            row.receipts.push(ReceiptRow {
                receipt: received.receipt,
                occurred_at: envelope.occurred_at,
                rate: received.rate,
                landed_costs: received.landed_costs.clone(),
                spread: received.spread,
                lines: received
                    .lines
                    .iter()
                    .map(|line| ReceiptLineRow {
                        line: line.line,
                        product: line.product,
                        quantity: line.quantity,
                        value: line.value,
                        landed: line.landed,
                        unit_cost: line.unit_cost,
                    })
                    .collect(),
                by: envelope.user().map(UserId::from_uuid),
            });
        }
        PurchaseEvent::Cancelled(cancelled) => {
            row.status = PurchaseStatus::Cancelled;
            row.cancelled_at = Some(envelope.occurred_at);
            row.cancel_reason = Some(cancelled.reason.clone());
        }
        PurchaseEvent::Invoiced(invoiced) => {
            row.invoices
                .push((invoiced.invoice, invoiced.amount, false));
        }
        PurchaseEvent::InvoicePaid(paid) => {
            if let Some(invoice) = row
                .invoices
                .iter_mut()
                .find(|(invoice, _, _)| *invoice == paid.invoice)
            {
                invoice.2 = true;
            }
        }
    }
    // As the order's own state has it: a received order invoiced in full
    // is invoiced, and paid once every invoice is.
    if matches!(
        row.status,
        PurchaseStatus::Received | PurchaseStatus::Invoiced | PurchaseStatus::Paid
    ) {
        let invoiced: Decimal = row.invoices.iter().map(|(_, amount, _)| *amount).sum();
        row.status = if invoiced < row.total() {
            PurchaseStatus::Received
        } else if row.invoices.iter().all(|(_, _, paid)| *paid) {
            PurchaseStatus::Paid
        } else {
            PurchaseStatus::Invoiced
        };
    }
}

impl Purchases {
    /// Adds (or, with `add` false, takes out) what `row` still awaits.
    fn count_on_order(&mut self, row: &PurchaseRow, add: bool) {
        if !row.status.open() {
            return;
        }
        for line in &row.lines {
            let outstanding = line.outstanding();
            if outstanding.is_zero() {
                continue;
            }
            let key = (line.product, row.warehouse);
            let total = self.on_order.entry(key).or_default();
            *total = if add {
                total.saturating_add(outstanding)
            } else {
                total.saturating_sub(outstanding)
            };
            if total.is_zero() {
                self.on_order.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, order: PurchaseOrderId) -> Option<&PurchaseRow> {
        self.rows.get(&order)
    }

    /// What the company owes its suppliers.
    pub fn payables(&self) -> &Payables {
        &self.payables
    }

    /// The suppliers' offers for `product`, if any supplier made one.
    pub fn offers(&self, product: ProductId) -> Option<&ProductOffers> {
        self.offers.of(product)
    }

    /// What open orders still await of `product` in `warehouse`.
    pub fn on_order(&self, product: ProductId, warehouse: WarehouseId) -> Decimal {
        self.on_order
            .get(&(product, warehouse))
            .copied()
            .unwrap_or_default()
    }

    /// Everything on order: (product, warehouse) → quantity.
    pub fn all_on_order(&self) -> &BTreeMap<(ProductId, WarehouseId), Decimal> {
        &self.on_order
    }

    /// Open orders' count and what they still await, per currency.
    pub fn open_by_currency(&self) -> BTreeMap<Currency, (u64, Decimal)> {
        let mut open: BTreeMap<Currency, (u64, Decimal)> = BTreeMap::new();
        for row in self.rows.values().filter(|row| row.status.open()) {
            let entry = open.entry(row.currency).or_default();
            entry.0 += 1;
            entry.1 = entry.1.saturating_add(row.outstanding_amount());
        }
        open
    }

    /// The buying figures at the end of `day` (business time), of one
    /// branch's orders if given: open orders, what they still await per
    /// currency, and how many of them were expected before that day.
    pub fn figures_on(
        &self,
        day: NaiveDate,
        branch: Option<Option<BranchId>>,
    ) -> PurchasingFigures {
        let end = day
            .succ_opt()
            .unwrap_or(day)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            - chrono::TimeDelta::nanoseconds(1);
        let mut figures = PurchasingFigures::default();
        for row in self.rows.values() {
            if branch.is_some_and(|branch| branch != row.branch) {
                continue;
            }
            let Some(value) = row.open_value_at(end) else {
                continue;
            };
            figures.open_orders += 1;
            *figures.open_value.entry(row.currency).or_default() += value;
            if row.expected_on.is_some_and(|expected| expected < day) {
                figures.late_orders += 1;
            }
        }
        figures
    }

    /// Open orders expected before `day`.
    pub fn late_on(&self, day: NaiveDate) -> u64 {
        self.rows.values().filter(|row| row.late_on(day)).count() as u64
    }

    /// Orders found by number, at most `limit`, in number order: those
    /// whose number starts with `query` (any case). Blank finds none.
    pub fn numbered(&self, query: &str, limit: usize) -> Vec<(PurchaseOrderId, &str)> {
        let query = query.trim().to_uppercase();
        if query.is_empty() {
            return Vec::new();
        }
        self.numbers
            .range::<str, _>((Bound::Included(query.as_str()), Bound::Unbounded))
            .take_while(|(number, _)| number.starts_with(query.as_str()))
            .take(limit)
            .map(|(number, order)| (*order, &**number))
            .collect()
    }

    /// Up to `limit` orders (at most [`PURCHASE_PAGE_ROWS_MAX`]) whose
    /// latest event came before position `before` (all when `None`),
    /// newest first, only those `keep` says yes to.
    pub fn page_matching(
        &self,
        limit: usize,
        before: Option<u64>,
        keep: impl Fn(PurchaseOrderId, &PurchaseRow) -> bool,
    ) -> PurchasePage<'_> {
        let limit = limit.clamp(1, PURCHASE_PAGE_ROWS_MAX);
        let (rows, next) =
            crate::recency::newest_first(&self.recency, &self.rows, limit, before, keep);
        PurchasePage {
            rows: rows
                .into_iter()
                .map(|(order, row)| PurchaseListRow { order, row })
                .collect(),
            next,
        }
    }
}
