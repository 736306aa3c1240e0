//! Sales orders: from a draft to a closed sale.
//!
//! An order is a stream (`order-<id>`) and the consistency boundary for
//! what was ordered, shipped, invoiced and returned: the quantities that
//! may still be shipped, invoiced or returned are checked here, so two
//! clerks cannot ship or invoice the same goods twice. What the order
//! causes elsewhere (stock reserved and issued, invoices and credit notes
//! on the customer's account, the deal won) is done by the process
//! managers of [`crate::process`], which read these events.
//!
//! The life of an order: draft (lines are added and removed) → confirmed
//! (prices resolved from the price list and frozen; stock reserved) →
//! partially or fully shipped → invoiced → paid → closed. A draft, or a
//! confirmed order of which nothing was shipped or invoiced, may be
//! cancelled (reservations are released). Returns of shipped goods bring
//! them back into stock with a credit note.
//!
//! Amounts are rounded to cents, half away from zero, per line. A part of
//! a line (a partial shipment invoiced, a return) is priced pro rata, and
//! the last part takes what is left, so the parts always add up to the
//! line exactly.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{Quantity, ResolvedPrice, UnitPrice, VatRate};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{
    BranchId, CreditNoteId, DealId, InvoiceId, OrderId, PartyId, PriceListId, ProductId,
    ReservationId, ReturnId, ShipmentId, UserId, WarehouseId,
};
use crate::values::{Currency, Label, round_unit};

/// Most lines on one order: a bound on the events' size.
pub const ORDER_LINES_MAX: usize = 500;
/// Decimal places of a document amount (cents).
pub const AMOUNT_SCALE: u32 = 2;

const ORDER: &str = "order";

/// Rounds an amount to cents, half away from zero.
pub fn round_amount(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(AMOUNT_SCALE, RoundingStrategy::MidpointAwayFromZero)
}

// ------------------------------------------------------------------ values

/// Net, VAT and gross of a line or a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

impl Amounts {
    /// The amounts of `quantity` units at `unit_price`. A price that
    /// includes VAT is the gross; otherwise the net.
    pub fn of(
        quantity: Decimal,
        unit_price: Decimal,
        vat_percent: Decimal,
        prices_include_vat: bool,
    ) -> Self {
        let hundred = Decimal::ONE_HUNDRED;
        let total = round_amount(quantity.saturating_mul(unit_price));
        if prices_include_vat {
            let vat = round_amount(total * vat_percent / (hundred + vat_percent));
            Self {
                net: total - vat,
                vat,
                gross: total,
            }
        } else {
            let vat = round_amount(total * vat_percent / hundred);
            Self {
                net: total,
                vat,
                gross: total + vat,
            }
        }
    }

    /// The share of `self` for `part` out of `whole` units, rounded.
    fn pro_rata(self, part: Decimal, whole: Decimal) -> Self {
        if whole.is_zero() {
            return Self::default();
        }
        let share = |amount: Decimal| round_amount(amount * part / whole);
        let net = share(self.net);
        let vat = share(self.vat);
        Self {
            net,
            vat,
            gross: net + vat,
        }
    }

    fn add(self, other: Self) -> Self {
        Self {
            net: self.net + other.net,
            vat: self.vat + other.vat,
            gross: self.gross + other.gross,
        }
    }

    fn sub(self, other: Self) -> Self {
        Self {
            net: self.net - other.net,
            vat: self.vat - other.vat,
            gross: self.gross - other.gross,
        }
    }

    pub(crate) fn sum<'a>(amounts: impl IntoIterator<Item = &'a Self>) -> Self {
        amounts
            .into_iter()
            .fold(Self::default(), |total, amounts| total.add(*amounts))
    }
}

// ------------------------------------------------------------------ events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDrafted {
    /// The order's own id, so the reservations of its lines can be named
    /// after it.
    pub order: OrderId,
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub price_list: PriceListId,
    pub currency: Currency,
    /// Where the goods are reserved and shipped from.
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    /// The sales manager responsible for the order.
    pub manager: Option<UserId>,
    /// The customer's own reference (their purchase order number).
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineAdded {
    /// Numbered from 1 in the order they were added, never reused.
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// An extra discount agreed for this order, in percent.
    pub discount_percent: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineRemoved {
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineQuantityChanged {
    pub line: u32,
    pub quantity: Decimal,
}

/// A line as confirmed: its price resolved and frozen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// The list's price before any discount.
    pub list_price: Decimal,
    /// What one unit costs after every discount.
    pub unit_price: Decimal,
    pub discount_percent: Option<Decimal>,
    pub vat_percent: Decimal,
    pub amounts: Amounts,
    /// Goods held in stock (reserved and issued); `None` for a service.
    pub reservation: Option<ReservationId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConfirmed {
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub warehouse: WarehouseId,
    pub currency: Currency,
    pub prices_include_vat: bool,
    pub lines: Vec<ConfirmedLine>,
    pub total: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    pub reason: String,
    pub warehouse: WarehouseId,
    /// The reservations to release: (product, reservation).
    pub reservations: Vec<(ProductId, ReservationId)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// The reservation the goods leave under; `None` for a service.
    pub reservation: Option<ReservationId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderShipped {
    pub shipment: ShipmentId,
    pub warehouse: WarehouseId,
    pub lines: Vec<ShippedLine>,
    /// Every line is now shipped in full.
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicedLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    pub amounts: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInvoiced {
    pub invoice: InvoiceId,
    pub party: PartyId,
    /// The shipment invoiced; `None`: the rest of the order.
    pub shipment: Option<ShipmentId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub lines: Vec<InvoicedLine>,
    pub total: Amounts,
    pub due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedLine {
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    pub amounts: Amounts,
    /// Whether the goods go back into stock (a service has none).
    pub stock_tracked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReturned {
    pub return_id: ReturnId,
    pub credit_note: CreditNoteId,
    pub party: PartyId,
    pub branch: Option<BranchId>,
    pub warehouse: WarehouseId,
    pub currency: Currency,
    pub reason: String,
    pub lines: Vec<ReturnedLine>,
    pub total: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInvoicePaid {
    pub invoice: InvoiceId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderClosed {}

/// A finished sale brought in from another system: what was sold, for how
/// much and when, without the stock and invoices of the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleImported {
    /// The order's number in the system it came from.
    pub number: String,
    pub party: PartyId,
    pub manager: Option<UserId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub ordered_on: NaiveDate,
    pub shipped_on: Option<NaiveDate>,
    pub lines: Vec<ImportedLine>,
    pub total: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedLine {
    pub product: ProductId,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub discount_percent: Option<Decimal>,
    pub amounts: Amounts,
    /// What the goods cost, when the source knew it.
    pub unit_cost: Option<Decimal>,
}

domain_events! {
    /// Everything that can happen to a sales order.
    pub enum OrderEvent in "order" {
        Drafted(OrderDrafted) = "OrderDrafted" v 1,
        LineAdded(OrderLineAdded) = "OrderLineAdded" v 1,
        LineRemoved(OrderLineRemoved) = "OrderLineRemoved" v 1,
        LineQuantityChanged(OrderLineQuantityChanged) = "OrderLineQuantityChanged" v 1,
        Confirmed(OrderConfirmed) = "OrderConfirmed" v 1,
        Cancelled(OrderCancelled) = "OrderCancelled" v 1,
        Shipped(OrderShipped) = "OrderShipped" v 1,
        Invoiced(OrderInvoiced) = "OrderInvoiced" v 1,
        Returned(OrderReturned) = "OrderReturned" v 1,
        InvoicePaid(OrderInvoicePaid) = "OrderInvoicePaid" v 1,
        Closed(OrderClosed) = "OrderClosed" v 1,
    }
}

domain_events! {
    /// A finished sale brought in from another system: one event, never
    /// changed, so an import either brings a whole order or none of it.
    pub enum SaleEvent in "sale" {
        Imported(SaleImported) = "SaleImported" v 1,
    }
}

// ---------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq)]
pub struct DraftOrder {
    /// The id of the order's stream.
    pub order: OrderId,
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub price_list: PriceListId,
    /// The price list's currency, read by the caller.
    pub currency: Currency,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub manager: Option<UserId>,
    pub reference: Option<Label>,
}

/// The price of one line as the caller found it at confirmation: resolved
/// with [`crate::catalog::price::resolve_price`] over the order's price
/// list, or the price a customer accepted on a quote.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePricing {
    pub line: u32,
    pub product: ProductId,
    pub price: AgreedPrice,
    /// Whether the product is kept in stock (goods, not a service).
    pub stock_tracked: bool,
}

/// What one unit of a line costs before the line's own discount: the part
/// of a [`ResolvedPrice`] that is kept on the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreedPrice {
    pub currency: Currency,
    /// The list's price before any discount.
    pub list_price: Decimal,
    /// The list price less the standing discount.
    pub unit_price: Decimal,
    pub vat_percent: Decimal,
    pub prices_include_vat: bool,
}

impl From<ResolvedPrice> for AgreedPrice {
    fn from(price: ResolvedPrice) -> Self {
        Self {
            currency: price.currency,
            list_price: price.list_price,
            unit_price: price.unit_price,
            vat_percent: price.vat_percent,
            prices_include_vat: price.prices_include_vat,
        }
    }
}

/// One unit's price after a line's own discount (percent), rounded as
/// every unit price is: the rule an order and a quote share.
pub fn discounted_unit_price(price: Decimal, discount_percent: Option<Decimal>) -> Decimal {
    match discount_percent {
        Some(percent) => {
            round_unit(price * (Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED)
        }
        None => price,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ShipLine {
    pub line: u32,
    pub quantity: Quantity,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportSale {
    pub number: Label,
    pub party: PartyId,
    pub manager: Option<UserId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub ordered_on: NaiveDate,
    pub shipped_on: Option<NaiveDate>,
    pub lines: Vec<ImportLine>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportLine {
    pub product: ProductId,
    pub quantity: Quantity,
    pub unit_price: UnitPrice,
    pub discount_percent: Option<VatRate>,
    /// The line's amount as the source states it, if it does; otherwise
    /// quantity × price less the discount.
    pub amount: Option<UnitPrice>,
    pub vat: VatRate,
    pub prices_include_vat: bool,
    pub unit_cost: Option<UnitPrice>,
}

impl ImportLine {
    /// The unit price after the line's discount, rounded as every unit
    /// price is.
    pub fn net_unit_price(&self) -> Decimal {
        match self.discount_percent.map(VatRate::percent) {
            Some(percent) => round_unit(
                self.unit_price.value() * (Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED,
            ),
            None => self.unit_price.value(),
        }
    }

    /// What the line comes to before it is rounded to cents, the one place
    /// an imported line rounds: the source's own amount (what the customer
    /// was charged) if it states one, else quantity × the net unit price.
    pub fn exact_total(&self) -> Decimal {
        match self.amount {
            Some(amount) => amount.value(),
            None => self.quantity.value().saturating_mul(self.net_unit_price()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum OrderCommand {
    Draft(DraftOrder),
    AddLine {
        product: ProductId,
        quantity: Quantity,
        /// Percent, 0 to 100.
        discount_percent: Option<VatRate>,
    },
    RemoveLine {
        line: u32,
    },
    ChangeLineQuantity {
        line: u32,
        quantity: Quantity,
    },
    Confirm {
        pricing: Vec<LinePricing>,
    },
    Cancel {
        reason: Label,
    },
    Ship {
        shipment: ShipmentId,
        /// `None`: everything not yet shipped.
        lines: Option<Vec<ShipLine>>,
    },
    Invoice {
        invoice: InvoiceId,
        /// `None`: everything ordered and not yet invoiced.
        shipment: Option<ShipmentId>,
        due: NaiveDate,
    },
    Return {
        return_id: ReturnId,
        credit_note: CreditNoteId,
        lines: Vec<ShipLine>,
        reason: Label,
    },
    /// From the customer's account: an invoice of this order is paid.
    RecordInvoicePaid {
        invoice: InvoiceId,
    },
}

// ------------------------------------------------------------------- state

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    Draft,
    Confirmed,
    PartiallyShipped,
    Shipped,
    Closed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftLine {
    pub product: ProductId,
    pub quantity: Decimal,
    pub discount_percent: Option<Decimal>,
}

/// A confirmed line and how far it has come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProgress {
    pub confirmed: ConfirmedLine,
    pub shipped: Decimal,
    pub returned: Decimal,
    pub invoiced: Decimal,
    pub invoiced_amounts: Amounts,
    pub credited_amounts: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderState {
    pub drafted: OrderDrafted,
    pub status: OrderStatus,
    pub next_line: u32,
    pub draft_lines: BTreeMap<u32, DraftLine>,
    pub lines: BTreeMap<u32, LineProgress>,
    pub prices_include_vat: bool,
    /// Shipment → (line → quantity).
    pub shipments: BTreeMap<ShipmentId, BTreeMap<u32, Decimal>>,
    pub invoiced_shipments: BTreeSet<ShipmentId>,
    pub invoices: BTreeSet<InvoiceId>,
    pub paid_invoices: BTreeSet<InvoiceId>,
    pub returns: BTreeSet<ReturnId>,
}

impl OrderState {
    fn fully_shipped(&self) -> bool {
        self.lines
            .values()
            .all(|line| line.shipped >= line.confirmed.quantity)
    }

    fn fully_invoiced(&self) -> bool {
        self.lines
            .values()
            .all(|line| line.invoiced >= line.confirmed.quantity)
    }

    /// Shipped, invoiced and paid in full: nothing is left to do.
    fn complete(&self) -> bool {
        self.fully_shipped()
            && self.fully_invoiced()
            && self.invoices.iter().all(|i| self.paid_invoices.contains(i))
    }

    fn is_open(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::Confirmed | OrderStatus::PartiallyShipped | OrderStatus::Shipped
        )
    }
}

#[derive(Debug)]
pub struct Order;

fn rejected(rule: &'static str, message: &str) -> DomainError {
    DomainError::rejected(rule, message)
}

impl Decider for Order {
    type State = Option<OrderState>;
    type Command = Issued<OrderCommand>;
    type Event = OrderEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<OrderEvent>, DomainError> {
        issued.business_time()?;
        match (&issued.command, state) {
            (OrderCommand::Draft(draft), None) => Ok(vec![draft_event(draft)]),
            (OrderCommand::Draft(_), Some(_)) => Err(rejected(
                "order.already_exists",
                "this order already exists",
            )),
            (_, None) => Err(DomainError::not_found(ORDER)),
            (command, Some(order)) => decide_existing(order, command),
        }
    }

    fn evolve(state: Self::State, event: &OrderEvent) -> Self::State {
        if let OrderEvent::Drafted(drafted) = event {
            return Some(OrderState {
                drafted: drafted.clone(),
                status: OrderStatus::Draft,
                next_line: 1,
                draft_lines: BTreeMap::new(),
                lines: BTreeMap::new(),
                prices_include_vat: false,
                shipments: BTreeMap::new(),
                invoiced_shipments: BTreeSet::new(),
                invoices: BTreeSet::new(),
                paid_invoices: BTreeSet::new(),
                returns: BTreeSet::new(),
            });
        }
        let mut order = state?;
        match event {
            OrderEvent::Drafted(_) => {}
            OrderEvent::LineAdded(added) => {
                order.next_line = added.line + 1;
                order.draft_lines.insert(
                    added.line,
                    DraftLine {
                        product: added.product,
                        quantity: added.quantity,
                        discount_percent: added.discount_percent,
                    },
                );
            }
            OrderEvent::LineRemoved(removed) => {
                order.draft_lines.remove(&removed.line);
            }
            OrderEvent::LineQuantityChanged(changed) => {
                if let Some(line) = order.draft_lines.get_mut(&changed.line) {
                    line.quantity = changed.quantity;
                }
            }
            OrderEvent::Confirmed(confirmed) => {
                order.status = OrderStatus::Confirmed;
                order.prices_include_vat = confirmed.prices_include_vat;
                order.lines = confirmed
                    .lines
                    .iter()
                    .map(|line| {
                        (
                            line.line,
                            LineProgress {
                                confirmed: line.clone(),
                                shipped: Decimal::ZERO,
                                returned: Decimal::ZERO,
                                invoiced: Decimal::ZERO,
                                invoiced_amounts: Amounts::default(),
                                credited_amounts: Amounts::default(),
                            },
                        )
                    })
                    .collect();
            }
            OrderEvent::Cancelled(_) => order.status = OrderStatus::Cancelled,
            OrderEvent::Shipped(shipped) => {
                let mut quantities = BTreeMap::new();
                for line in &shipped.lines {
                    if let Some(progress) = order.lines.get_mut(&line.line) {
                        progress.shipped += line.quantity;
                    }
                    quantities.insert(line.line, line.quantity);
                }
                order.shipments.insert(shipped.shipment, quantities);
                order.status = if shipped.complete {
                    OrderStatus::Shipped
                } else {
                    OrderStatus::PartiallyShipped
                };
            }
            OrderEvent::Invoiced(invoiced) => {
                for line in &invoiced.lines {
                    if let Some(progress) = order.lines.get_mut(&line.line) {
                        progress.invoiced += line.quantity;
                        progress.invoiced_amounts = progress.invoiced_amounts.add(line.amounts);
                    }
                }
                if let Some(shipment) = invoiced.shipment {
                    order.invoiced_shipments.insert(shipment);
                }
                order.invoices.insert(invoiced.invoice);
            }
            OrderEvent::Returned(returned) => {
                for line in &returned.lines {
                    if let Some(progress) = order.lines.get_mut(&line.line) {
                        progress.returned += line.quantity;
                        progress.credited_amounts = progress.credited_amounts.add(line.amounts);
                    }
                }
                order.returns.insert(returned.return_id);
            }
            OrderEvent::InvoicePaid(paid) => {
                order.paid_invoices.insert(paid.invoice);
            }
            OrderEvent::Closed(_) => order.status = OrderStatus::Closed,
        }
        Some(order)
    }
}

fn draft_event(draft: &DraftOrder) -> OrderEvent {
    OrderEvent::Drafted(OrderDrafted {
        order: draft.order,
        party: draft.party,
        deal: draft.deal,
        price_list: draft.price_list,
        currency: draft.currency,
        warehouse: draft.warehouse,
        branch: draft.branch,
        manager: draft.manager,
        reference: draft.reference.as_ref().map(|r| r.as_str().to_owned()),
    })
}

fn decide_existing(
    order: &OrderState,
    command: &OrderCommand,
) -> Result<Vec<OrderEvent>, DomainError> {
    if order.status == OrderStatus::Cancelled {
        return Err(rejected("order.cancelled", "this order is cancelled"));
    }
    let draft_only = |order: &OrderState| {
        if order.status == OrderStatus::Draft {
            Ok(())
        } else {
            Err(rejected(
                "order.not_draft",
                "only a draft order's lines can change; this one is confirmed",
            ))
        }
    };
    match command {
        OrderCommand::Draft(_) => Err(rejected(
            "order.already_exists",
            "this order already exists",
        )),
        OrderCommand::AddLine {
            product,
            quantity,
            discount_percent,
        } => {
            draft_only(order)?;
            if order.draft_lines.len() >= ORDER_LINES_MAX {
                return Err(rejected(
                    "order.too_many_lines",
                    &format!("an order has at most {ORDER_LINES_MAX} lines"),
                ));
            }
            Ok(vec![OrderEvent::LineAdded(OrderLineAdded {
                line: order.next_line,
                product: *product,
                quantity: quantity.value(),
                discount_percent: discount_percent.map(VatRate::percent),
            })])
        }
        OrderCommand::RemoveLine { line } => {
            draft_only(order)?;
            if !order.draft_lines.contains_key(line) {
                return Err(line_not_found(*line));
            }
            Ok(vec![OrderEvent::LineRemoved(OrderLineRemoved {
                line: *line,
            })])
        }
        OrderCommand::ChangeLineQuantity { line, quantity } => {
            draft_only(order)?;
            let current = order
                .draft_lines
                .get(line)
                .ok_or_else(|| line_not_found(*line))?;
            Ok(crate::unless_unchanged(
                current.quantity == quantity.value(),
                || {
                    OrderEvent::LineQuantityChanged(OrderLineQuantityChanged {
                        line: *line,
                        quantity: quantity.value(),
                    })
                },
            ))
        }
        OrderCommand::Confirm { pricing } => {
            draft_only(order)?;
            confirm(order, pricing).map(|event| vec![event])
        }
        OrderCommand::Cancel { reason } => {
            if order.status == OrderStatus::Closed {
                return Err(rejected("order.closed", "this order is closed"));
            }
            let touched = order
                .lines
                .values()
                .any(|line| line.shipped > Decimal::ZERO || line.invoiced > Decimal::ZERO);
            if touched {
                return Err(rejected(
                    "order.cancel_after_shipment",
                    "goods of this order were shipped or invoiced; return them instead",
                ));
            }
            Ok(vec![OrderEvent::Cancelled(OrderCancelled {
                reason: reason.as_str().to_owned(),
                warehouse: order.drafted.warehouse,
                reservations: order
                    .lines
                    .values()
                    .filter_map(|line| {
                        line.confirmed
                            .reservation
                            .map(|reservation| (line.confirmed.product, reservation))
                    })
                    .collect(),
            })])
        }
        OrderCommand::Ship { shipment, lines } => {
            open_only(order, "shipped")?;
            ship(order, *shipment, lines.as_deref())
        }
        OrderCommand::Invoice {
            invoice,
            shipment,
            due,
        } => {
            open_or_closed(order, "invoiced")?;
            invoice_order(order, *invoice, *shipment, *due)
        }
        OrderCommand::Return {
            return_id,
            credit_note,
            lines,
            reason,
        } => {
            if order.returns.contains(return_id) {
                return Ok(Vec::new());
            }
            open_or_closed(order, "returned")?;
            return_goods(order, *return_id, *credit_note, lines, reason).map(|event| vec![event])
        }
        OrderCommand::RecordInvoicePaid { invoice } => {
            if !order.invoices.contains(invoice) {
                return Err(DomainError::part_not_found("invoice", *invoice));
            }
            if order.paid_invoices.contains(invoice) {
                return Ok(Vec::new());
            }
            let mut events = vec![OrderEvent::InvoicePaid(OrderInvoicePaid {
                invoice: *invoice,
            })];
            let mut after = order.clone();
            after.paid_invoices.insert(*invoice);
            if after.is_open() && after.complete() {
                events.push(OrderEvent::Closed(OrderClosed {}));
            }
            Ok(events)
        }
    }
}

fn line_not_found(line: u32) -> DomainError {
    DomainError::invalid("line", format!("this order has no line {line}"))
}

fn open_only(order: &OrderState, action: &str) -> Result<(), DomainError> {
    match order.status {
        OrderStatus::Draft => Err(rejected(
            "order.not_confirmed",
            &format!("a draft order cannot be {action}; confirm it first"),
        )),
        OrderStatus::Closed => Err(rejected("order.closed", "this order is closed")),
        _ => Ok(()),
    }
}

/// Invoices and returns may still come after an order closed (a late
/// return, a correction); everything else needs an open order.
fn open_or_closed(order: &OrderState, action: &str) -> Result<(), DomainError> {
    match order.status {
        OrderStatus::Draft => Err(rejected(
            "order.not_confirmed",
            &format!("a draft order cannot be {action}; confirm it first"),
        )),
        _ => Ok(()),
    }
}

fn confirm(order: &OrderState, pricing: &[LinePricing]) -> Result<OrderEvent, DomainError> {
    if order.draft_lines.is_empty() {
        return Err(rejected(
            "order.no_lines",
            "an order needs at least one line to be confirmed",
        ));
    }
    let priced: BTreeMap<u32, &LinePricing> = pricing.iter().map(|p| (p.line, p)).collect();
    if priced.len() != pricing.len() || priced.len() != order.draft_lines.len() {
        return Err(DomainError::invalid(
            "pricing",
            "must price every line of the order exactly once",
        ));
    }
    let drafted = &order.drafted;
    let mut prices_include_vat = None;
    let mut lines = Vec::with_capacity(order.draft_lines.len());
    for (number, draft) in &order.draft_lines {
        let pricing = priced.get(number).ok_or_else(|| {
            DomainError::invalid("pricing", format!("line {number} has no price"))
        })?;
        if pricing.product != draft.product {
            return Err(DomainError::invalid(
                "pricing",
                format!("line {number} is priced for another product"),
            ));
        }
        let price = &pricing.price;
        if price.currency != drafted.currency {
            return Err(rejected(
                "order.currency_mismatch",
                &format!(
                    "line {number} is priced in {}, the order is in {}",
                    price.currency, drafted.currency
                ),
            ));
        }
        if *prices_include_vat.get_or_insert(price.prices_include_vat) != price.prices_include_vat {
            return Err(DomainError::invalid(
                "pricing",
                "every line must come from one price list",
            ));
        }
        let unit_price = discounted_unit_price(price.unit_price, draft.discount_percent);
        lines.push(ConfirmedLine {
            line: *number,
            product: draft.product,
            quantity: draft.quantity,
            list_price: price.list_price,
            unit_price,
            discount_percent: draft.discount_percent,
            vat_percent: price.vat_percent,
            amounts: Amounts::of(
                draft.quantity,
                unit_price,
                price.vat_percent,
                price.prices_include_vat,
            ),
            reservation: pricing
                .stock_tracked
                .then(|| ReservationId::for_order_line(drafted.order, *number)),
        });
    }
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    Ok(OrderEvent::Confirmed(OrderConfirmed {
        party: order.drafted.party,
        deal: order.drafted.deal,
        warehouse: order.drafted.warehouse,
        currency: order.drafted.currency,
        prices_include_vat: prices_include_vat.unwrap_or(false),
        lines,
        total,
    }))
}

/// The quantities of a request, by line, each checked against what the
/// line still allows (`room`).
fn requested_quantities(
    order: &OrderState,
    lines: &[ShipLine],
    room: impl Fn(&LineProgress) -> Decimal,
    rule: &'static str,
    what: &str,
) -> Result<BTreeMap<u32, Decimal>, DomainError> {
    if lines.is_empty() {
        return Err(DomainError::invalid("lines", "must name at least one line"));
    }
    let mut quantities = BTreeMap::new();
    for (index, requested) in lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let progress = order
            .lines
            .get(&requested.line)
            .ok_or_else(|| line_not_found(requested.line).within(&field))?;
        if quantities
            .insert(requested.line, requested.quantity.value())
            .is_some()
        {
            return Err(DomainError::invalid(field, "names a line twice"));
        }
        let left = room(progress);
        if requested.quantity.value() > left {
            return Err(rejected(
                rule,
                &format!(
                    "line {}: {} to be {what}, only {left} can be",
                    requested.line,
                    requested.quantity.value()
                ),
            ));
        }
    }
    Ok(quantities)
}

fn ship(
    order: &OrderState,
    shipment: ShipmentId,
    lines: Option<&[ShipLine]>,
) -> Result<Vec<OrderEvent>, DomainError> {
    if order.shipments.contains_key(&shipment) {
        return Ok(Vec::new());
    }
    let unshipped = |line: &LineProgress| line.confirmed.quantity - line.shipped;
    let quantities = match lines {
        Some(lines) => {
            requested_quantities(order, lines, unshipped, "order.over_shipment", "shipped")?
        }
        None => order
            .lines
            .iter()
            .map(|(number, line)| (*number, unshipped(line)))
            .filter(|(_, quantity)| *quantity > Decimal::ZERO)
            .collect(),
    };
    if quantities.is_empty() {
        return Err(rejected(
            "order.nothing_to_ship",
            "every line of this order is already shipped",
        ));
    }
    let shipped = OrderShipped {
        shipment,
        warehouse: order.drafted.warehouse,
        lines: quantities
            .iter()
            .map(|(number, quantity)| {
                let confirmed = &order.lines[number].confirmed;
                ShippedLine {
                    line: *number,
                    product: confirmed.product,
                    quantity: *quantity,
                    reservation: confirmed.reservation,
                }
            })
            .collect(),
        complete: order.lines.iter().all(|(number, line)| {
            line.shipped + quantities.get(number).copied().unwrap_or_default()
                >= line.confirmed.quantity
        }),
    };
    let event = OrderEvent::Shipped(shipped);
    let after = Order::evolve(Some(order.clone()), &event);
    let closes = after.as_ref().is_some_and(OrderState::complete);
    let mut events = vec![event];
    if closes {
        events.push(OrderEvent::Closed(OrderClosed {}));
    }
    Ok(events)
}

/// The amounts of `quantity` more of a line, of which `done` units and
/// `done_amounts` are already counted: pro rata, and the last part takes
/// what is left so the parts add up to the line.
fn part_amounts(
    line: &ConfirmedLine,
    done: Decimal,
    done_amounts: Amounts,
    quantity: Decimal,
) -> Amounts {
    if done + quantity >= line.quantity {
        line.amounts.sub(done_amounts)
    } else {
        line.amounts.pro_rata(quantity, line.quantity)
    }
}

fn invoice_order(
    order: &OrderState,
    invoice: InvoiceId,
    shipment: Option<ShipmentId>,
    due: NaiveDate,
) -> Result<Vec<OrderEvent>, DomainError> {
    if order.invoices.contains(&invoice) {
        return Ok(Vec::new());
    }
    let uninvoiced = |line: &LineProgress| line.confirmed.quantity - line.invoiced;
    let quantities: BTreeMap<u32, Decimal> = match shipment {
        Some(shipment) => {
            let shipped = order
                .shipments
                .get(&shipment)
                .ok_or_else(|| DomainError::part_not_found("shipment", shipment))?;
            if order.invoiced_shipments.contains(&shipment) {
                return Err(rejected(
                    "order.already_invoiced",
                    "this shipment is already invoiced",
                ));
            }
            shipped
                .iter()
                .map(|(number, quantity)| {
                    (*number, (*quantity).min(uninvoiced(&order.lines[number])))
                })
                .filter(|(_, quantity)| *quantity > Decimal::ZERO)
                .collect()
        }
        None => order
            .lines
            .iter()
            .map(|(number, line)| (*number, uninvoiced(line)))
            .filter(|(_, quantity)| *quantity > Decimal::ZERO)
            .collect(),
    };
    if quantities.is_empty() {
        return Err(rejected(
            "order.nothing_to_invoice",
            "everything this asks for is already invoiced",
        ));
    }
    let lines: Vec<InvoicedLine> = quantities
        .iter()
        .map(|(number, quantity)| {
            let progress = &order.lines[number];
            InvoicedLine {
                line: *number,
                product: progress.confirmed.product,
                quantity: *quantity,
                amounts: part_amounts(
                    &progress.confirmed,
                    progress.invoiced,
                    progress.invoiced_amounts,
                    *quantity,
                ),
            }
        })
        .collect();
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    Ok(vec![OrderEvent::Invoiced(OrderInvoiced {
        invoice,
        party: order.drafted.party,
        shipment,
        branch: order.drafted.branch,
        currency: order.drafted.currency,
        lines,
        total,
        due,
    })])
}

fn return_goods(
    order: &OrderState,
    return_id: ReturnId,
    credit_note: CreditNoteId,
    lines: &[ShipLine],
    reason: &Label,
) -> Result<OrderEvent, DomainError> {
    // Only goods both shipped and invoiced come back with a credit note;
    // goods not yet invoiced are simply not invoiced.
    let returnable = |line: &LineProgress| line.shipped.min(line.invoiced) - line.returned;
    let quantities =
        requested_quantities(order, lines, returnable, "order.over_return", "returned")?;
    let lines: Vec<ReturnedLine> = quantities
        .iter()
        .map(|(number, quantity)| {
            let progress = &order.lines[number];
            ReturnedLine {
                line: *number,
                product: progress.confirmed.product,
                quantity: *quantity,
                amounts: part_amounts(
                    &progress.confirmed,
                    progress.returned,
                    progress.credited_amounts,
                    *quantity,
                ),
                stock_tracked: progress.confirmed.reservation.is_some(),
            }
        })
        .collect();
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    Ok(OrderEvent::Returned(OrderReturned {
        return_id,
        credit_note,
        party: order.drafted.party,
        branch: order.drafted.branch,
        warehouse: order.drafted.warehouse,
        currency: order.drafted.currency,
        reason: reason.as_str().to_owned(),
        lines,
        total,
    }))
}

// ------------------------------------------------------- imported sales

/// A finished sale from another system; see [`SaleEvent`].
#[derive(Debug)]
pub struct ImportedSale;

impl Decider for ImportedSale {
    type State = Option<SaleImported>;
    type Command = Issued<ImportSale>;
    type Event = SaleEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<SaleEvent>, DomainError> {
        issued.business_time()?;
        let sale = import_event(&issued.command)?;
        match state {
            None => Ok(vec![SaleEvent::Imported(sale)]),
            // Importing the same file twice brings nothing new.
            Some(existing) if *existing == sale => Ok(Vec::new()),
            Some(_) => Err(rejected(
                "sale.already_imported",
                "a different sale with this number was imported before",
            )),
        }
    }

    fn evolve(_state: Self::State, event: &SaleEvent) -> Self::State {
        match event {
            SaleEvent::Imported(sale) => Some(sale.clone()),
        }
    }
}

fn import_event(import: &ImportSale) -> Result<SaleImported, DomainError> {
    if import.lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "a sale needs at least one line",
        ));
    }
    if import.lines.len() > ORDER_LINES_MAX {
        return Err(rejected(
            "order.too_many_lines",
            &format!("an order has at most {ORDER_LINES_MAX} lines"),
        ));
    }
    if let Some(shipped_on) = import.shipped_on {
        if shipped_on < import.ordered_on {
            return Err(DomainError::invalid(
                "shipped_on",
                "cannot lie before the order date",
            ));
        }
    }
    let lines: Vec<ImportedLine> = import
        .lines
        .iter()
        .map(|line| {
            let discount = line.discount_percent.map(VatRate::percent);
            // The source's own amount wins over our arithmetic: it is what
            // the customer was charged. Rounded to cents here, once.
            let amounts = Amounts::of(
                Decimal::ONE,
                line.exact_total(),
                line.vat.percent(),
                line.prices_include_vat,
            );
            ImportedLine {
                product: line.product,
                quantity: line.quantity.value(),
                unit_price: line.unit_price.value(),
                discount_percent: discount,
                amounts,
                unit_cost: line.unit_cost.map(UnitPrice::value),
            }
        })
        .collect();
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    Ok(SaleImported {
        number: import.number.as_str().to_owned(),
        party: import.party,
        manager: import.manager,
        branch: import.branch,
        currency: import.currency,
        ordered_on: import.ordered_on,
        shipped_on: import.shipped_on,
        lines,
        total,
    })
}

#[cfg(test)]
mod tests;
