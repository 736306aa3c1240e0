//! Stock per product and warehouse: live balances and their totals per
//! product, a movements ledger, stock and its value as of any past
//! business date, and the low-stock list.
//!
//! Two views of cost are kept, on purpose. The live balances (on hand,
//! reserved, available, in transit, value) follow the events in the order
//! they were recorded and value stock at the moving average cost the
//! events themselves recorded: what the business knew when it decided
//! each movement. The as-of view orders each (product, warehouse)'s
//! movements by business time, `(occurred_at, position)`, and recomputes
//! the running balance and moving average cost along them (the rule is
//! `crate::costing`'s, which the sales model's margins share).
//!
//! A count enters the ledger as the difference it booked, so every
//! balance is a sum of changes and the as-of balance after the last
//! movement always equals the live on hand. A back-dated movement (a
//! receipt entered today with last Tuesday's `occurred_at`) is inserted at
//! its business-time place and the running figures of that one (product,
//! warehouse) are recomputed from there on: every later as-of balance and
//! cost is corrected without a rebuild, while the live average keeps what
//! the events recorded.
//!
//! Goods sent from warehouse A to W are in transit at W, keyed by the
//! transfer, from the transfer out until W records the transfer in.
//!
//! In the as-of view a transfer's goods arrive at the average they left
//! at, and a production order's output at what its components were
//! consumed at plus its operations (`crate::costing::Links`): a receipt
//! back-dated before a dispatch or a consumption corrects the arrival's
//! stock too.

use chrono::{DateTime, Utc};
use domain::catalog::{ProductEvent, ProductKind};
use domain::ids::{BranchId, ProductId, ProductionOrderId, ReservationId, TransferId, WarehouseId};
use domain::inventory::{StockEvent, WarehouseEvent};
use domain::process::{output_of, production_reference};
use domain::production::ProductionEvent;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::compact_decimal;
use crate::costing::{Costed, Ledger, Links, MovementKey, Stock, Stocks, cost};
use crate::envelope::Envelope;
use crate::model::ReadModel;

/// What a product is, as its events last named it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInfo {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub kind: ProductKind,
    pub discontinued: bool,
}

/// A warehouse, as its events last named it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseInfo {
    pub name: String,
    pub branch: Option<BranchId>,
    pub allows_negative_stock: bool,
    pub closed: bool,
}

/// What moved stock in or out. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MovementKind {
    Received,
    Issued,
    TransferredOut,
    TransferredIn,
    Counted,
    Returned,
    /// Components used by a production order.
    Consumed,
}

/// The other side of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLink {
    pub transfer: TransferId,
    /// Where the goods went (a transfer out) or came from (a transfer in).
    pub warehouse: WarehouseId,
}

/// A movement's reference. Stored by position: new variants at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Detail {
    None,
    Reference(Box<str>),
    // Boxed: transfers are rare, and two ids inline would grow every
    // movement by sixteen bytes.
    Transfer(Box<TransferLink>),
}

impl Detail {
    fn reference(reference: &Option<String>) -> Self {
        match reference {
            Some(text) => Self::Reference(text.as_str().into()),
            None => Self::None,
        }
    }
}

/// One change of on-hand stock in one warehouse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Movement {
    position: u64,
    #[serde(with = "chrono::serde::ts_microseconds")]
    occurred_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    recorded_at: DateTime<Utc>,
    kind: MovementKind,
    /// Signed: what the movement added to on hand.
    #[serde(with = "compact_decimal")]
    change: Decimal,
    /// The unit cost the event recorded.
    #[serde(with = "compact_decimal")]
    unit_cost: Decimal,
    detail: Detail,
    /// Running figures in business-time order, recomputed from a
    /// movement's place on whenever one is inserted before it.
    #[serde(with = "compact_decimal")]
    balance_after: Decimal,
    #[serde(with = "compact_decimal")]
    average_after: Decimal,
}

impl Costed for Movement {
    fn key(&self) -> MovementKey {
        (self.occurred_at, self.position)
    }

    fn arrives(&self) -> bool {
        matches!(
            self.kind,
            MovementKind::Received | MovementKind::TransferredIn
        )
    }

    fn change(&self) -> Decimal {
        self.change
    }

    fn unit_cost(&self) -> Decimal {
        self.unit_cost
    }

    fn running(&self) -> (Decimal, Decimal) {
        (self.balance_after, self.average_after)
    }

    fn set_running(&mut self, balance: Decimal, average: Decimal) {
        self.balance_after = balance;
        self.average_after = average;
    }

    fn set_unit_cost(&mut self, unit_cost: Decimal) {
        self.unit_cost = unit_cost;
    }
}

/// The model's lines as [`Links`] reaches them.
struct Lines<'a>(&'a mut FxHashMap<ProductId, FxHashMap<WarehouseId, StockLine>>);

impl Stocks<Movement> for Lines<'_> {
    fn ledger_mut(&mut self, (product, warehouse): Stock) -> Option<&mut Ledger<Movement>> {
        Some(&mut self.0.get_mut(&product)?.get_mut(&warehouse)?.ledger)
    }
}

/// Stock of one product in one warehouse.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct StockLine {
    on_hand: Decimal,
    /// The moving average as the events recorded it (knowledge order).
    average_cost: Decimal,
    reservations: FxHashMap<ReservationId, Decimal>,
    /// Transfers on their way to this warehouse.
    in_transit: FxHashMap<TransferId, Decimal>,
    /// Transfers whose arrival was recorded before their dispatch: the
    /// dispatch, when it comes, puts nothing in transit.
    arrived_first: FxHashSet<TransferId>,
    reorder_level: Option<Decimal>,
    /// In business-time order with their running figures.
    ledger: Ledger<Movement>,
}

impl StockLine {
    fn reserved(&self) -> Decimal {
        sum(self.reservations.values())
    }

    fn available(&self) -> Decimal {
        self.on_hand.saturating_sub(self.reserved())
    }

    /// Goods going out, as the domain evolves it: they use up what their
    /// reservation held, and a reservation used up is gone.
    fn take(&mut self, quantity: Decimal, reservation: Option<ReservationId>) {
        self.on_hand = self.on_hand.saturating_sub(quantity);
        if let Some(reservation) = reservation {
            let held = self
                .reservations
                .get(&reservation)
                .copied()
                .unwrap_or_default();
            let left = held.saturating_sub(quantity);
            if left > Decimal::ZERO {
                self.reservations.insert(reservation, left);
            } else {
                self.reservations.remove(&reservation);
            }
        }
    }

    fn in_transit(&self) -> Decimal {
        sum(self.in_transit.values())
    }

    fn is_low(&self) -> bool {
        self.reorder_level
            .is_some_and(|level| self.available() < level)
    }
}

fn sum<'a>(values: impl Iterator<Item = &'a Decimal>) -> Decimal {
    values.fold(Decimal::ZERO, |total, value| total.saturating_add(*value))
}

/// Live figures of one (product, warehouse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    pub warehouse: WarehouseId,
    pub on_hand: Decimal,
    pub reserved: Decimal,
    /// On hand less reserved.
    pub available: Decimal,
    /// On its way to this warehouse.
    pub in_transit: Decimal,
    /// As the events recorded it.
    pub average_cost: Decimal,
    /// On hand at the average cost.
    pub value: Decimal,
    pub reorder_level: Option<Decimal>,
}

/// One (product, warehouse) as replenishment reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemandLine {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub available: Decimal,
    pub reorder_level: Option<Decimal>,
    /// Units that left through issues (sales, write-offs) in the window.
    pub issued: Decimal,
}

/// Live figures of a product over all its warehouses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockTotals {
    pub on_hand: Decimal,
    pub reserved: Decimal,
    pub available: Decimal,
    pub in_transit: Decimal,
    pub value: Decimal,
}

/// A product's stock per warehouse (by warehouse name) and in total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductStock {
    pub product: ProductId,
    pub warehouses: Vec<Balance>,
    pub totals: StockTotals,
}

/// Stock as of a moment in business time, at the average cost
/// recomputed in business-time order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StockAt {
    pub on_hand: Decimal,
    /// For one warehouse its running average; for a product over all
    /// warehouses its value over its on hand (zero when none is on hand).
    pub average_cost: Decimal,
    pub value: Decimal,
}

/// Where a ledger page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerCursor {
    pub occurred_at: DateTime<Utc>,
    pub position: u64,
}

/// A page of a product's movements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerQuery {
    pub product: ProductId,
    /// One warehouse's movements only.
    pub warehouse: Option<WarehouseId>,
    /// Continue after this movement (it is not repeated).
    pub after: Option<LedgerCursor>,
    pub limit: usize,
    pub newest_first: bool,
}

impl LedgerQuery {
    /// The first page of a product's movements over all warehouses,
    /// oldest first.
    pub fn of(product: ProductId) -> Self {
        Self {
            product,
            warehouse: None,
            after: None,
            limit: crate::PAGE_ROWS_MAX,
            newest_first: false,
        }
    }
}

/// What one movement did to its warehouse's balance and what followed it
/// in business time: the answer a form gives after a back-dated move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementEffect {
    pub warehouse: WarehouseId,
    pub occurred_at: DateTime<Utc>,
    pub kind: MovementKind,
    /// Signed: what the movement added to on hand.
    pub change: Decimal,
    /// The warehouse's balance right after it, in business time.
    pub balance_after: Decimal,
    /// Movements after it in business time, whose balances it changed.
    pub later: usize,
    /// The warehouse's balance after its last movement.
    pub balance_now: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    pub warehouse: WarehouseId,
    pub position: u64,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub kind: MovementKind,
    /// Signed: what the movement added to on hand.
    pub change: Decimal,
    /// The unit cost the event recorded.
    pub unit_cost: Decimal,
    pub reference: Option<String>,
    pub transfer: Option<TransferLink>,
    /// The balance of what the ledger covers (the warehouse asked for, or
    /// the product over all warehouses) after this movement, in business
    /// time.
    pub balance_after: Decimal,
    /// This warehouse's balance and moving average after this movement,
    /// in business time.
    pub warehouse_balance_after: Decimal,
    pub average_cost_after: Decimal,
}

impl LedgerEntry {
    pub fn cursor(&self) -> LedgerCursor {
        LedgerCursor {
            occurred_at: self.occurred_at,
            position: self.position,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<LedgerCursor>,
}

/// A (product, warehouse) whose available stock is below its reorder
/// level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowStockRow {
    pub product: ProductId,
    pub sku: String,
    pub product_name: String,
    pub warehouse: WarehouseId,
    pub warehouse_name: String,
    pub available: Decimal,
    pub reorder_level: Decimal,
    /// Reorder level less available.
    pub shortfall: Decimal,
    /// Already on its way here.
    pub in_transit: Decimal,
}

/// How a page of stock levels is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelSort {
    /// By the product's SKU.
    Sku,
    /// By available stock.
    Available,
    /// By stock value at the live average cost.
    Value,
}

/// A row's sort key on a page of stock levels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LevelKey {
    Text(String),
    Amount(Decimal),
}

/// Where a page of stock levels ended: the last row's key and ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelCursor {
    pub key: LevelKey,
    pub product: ProductId,
    pub warehouse: WarehouseId,
}

/// A page of live stock levels per (product, warehouse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelQuery {
    pub warehouse: Option<WarehouseId>,
    /// Only lines whose available stock is below their reorder level.
    pub low_only: bool,
    pub sort: LevelSort,
    pub descending: bool,
    /// Continue after this row (it is not repeated).
    pub after: Option<LevelCursor>,
    pub limit: usize,
}

/// The live figures of one (product, warehouse) with their names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelRow {
    pub product: ProductId,
    pub sku: String,
    pub product_name: String,
    pub warehouse_name: String,
    pub balance: Balance,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelPage {
    pub rows: Vec<LevelRow>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<LevelCursor>,
}

/// Stock held in one warehouse as of a moment in business time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarehouseValue {
    pub warehouse: WarehouseId,
    /// Products with stock on hand (or a deficit) then.
    pub products: usize,
    /// On hand at the running average cost, summed over products.
    pub value: Decimal,
}

/// One warehouse's movements as a ledger page walks them.
struct Walk<'a> {
    warehouse: WarehouseId,
    line: &'a StockLine,
    /// Movements before this index are behind the walk (oldest first) or
    /// still ahead of it (newest first).
    index: usize,
    balance: Decimal,
}

/// Equality covers every stored figure, so a restore or a deferred fold
/// that recomputes running figures wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StockLevels {
    products: FxHashMap<ProductId, ProductInfo>,
    warehouses: FxHashMap<WarehouseId, WarehouseInfo>,
    stock: FxHashMap<ProductId, FxHashMap<WarehouseId, StockLine>>,
    /// Lines whose available stock is below their reorder level.
    low: FxHashSet<(ProductId, WarehouseId)>,
    /// So that a transfer's arrival costs what its goods left at, and a
    /// production order's output what its components were consumed at.
    links: Links,
    #[serde(skip)]
    deferred: bool,
}

impl ReadModel for StockLevels {
    const NAME: &'static str = "stock";
    // 2: warehouses know their branch and negative-stock setting. 3: the
    // ledger of each line is `costing::Ledger`. 4: transfers carry costs
    // changed by back-dated movements on to their arrivals. 5: so does
    // production, on to its output.
    const VERSION: u32 = 5;
    const CATEGORIES: &'static [&'static str] = &[
        StockEvent::CATEGORY,
        ProductEvent::CATEGORY,
        WarehouseEvent::CATEGORY,
        ProductionEvent::CATEGORY,
    ];
    // Large (every movement is kept): a few snapshots only.
    const SNAPSHOTS_KEPT: usize = 4;

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Stock(event) => {
                // Stock streams are always keyed by two ids.
                let Some(warehouse) = envelope.aggregate_part else {
                    return;
                };
                let key = (
                    ProductId::from_uuid(envelope.aggregate),
                    WarehouseId::from_uuid(warehouse),
                );
                self.apply_stock(key, envelope, event);
            }
            CrmEvent::Product(event) => {
                self.apply_product(ProductId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::Warehouse(event) => {
                self.apply_warehouse(WarehouseId::from_uuid(envelope.aggregate), event)
            }
            // What a completion's output is made of, beside what it
            // consumed: its units and its operations' cost.
            CrmEvent::Production(ProductionEvent::OutputCosted(costed)) => self.links.costed(
                (
                    ProductionOrderId::from_uuid(envelope.aggregate),
                    costed.completion,
                ),
                costed.quantity,
                costed.operations_cost,
            ),
            _ => {}
        }
    }

    fn restored(&mut self) {
        self.deferred = false;
        for line in self.stock.values_mut().flat_map(|lines| lines.values_mut()) {
            line.ledger.restore();
        }
        self.links
            .settle_all(&mut Lines(&mut self.stock), |_, _, _| {});
    }

    fn defer_indexes(&mut self) {
        self.deferred = true;
    }
}

impl StockLevels {
    fn line_mut(&mut self, (product, warehouse): (ProductId, WarehouseId)) -> &mut StockLine {
        self.stock
            .entry(product)
            .or_default()
            .entry(warehouse)
            .or_default()
    }

    fn line(&self, product: ProductId, warehouse: WarehouseId) -> Option<&StockLine> {
        self.stock.get(&product)?.get(&warehouse)
    }

    fn apply_product(&mut self, id: ProductId, event: &ProductEvent) {
        if let ProductEvent::Defined(defined) = event {
            self.products.insert(
                id,
                ProductInfo {
                    sku: defined.sku.clone(),
                    name: defined.name.clone(),
                    category: defined.category.clone(),
                    kind: defined.kind,
                    discontinued: false,
                },
            );
            return;
        }
        let Some(product) = self.products.get_mut(&id) else {
            return;
        };
        match event {
            ProductEvent::Renamed(renamed) => product.name = renamed.name.clone(),
            ProductEvent::Categorized(categorized) => {
                product.category = categorized.category.clone()
            }
            ProductEvent::Discontinued(_) => product.discontinued = true,
            ProductEvent::Reinstated(_) => product.discontinued = false,
            _ => {}
        }
    }

    fn apply_warehouse(&mut self, id: WarehouseId, event: &WarehouseEvent) {
        if let WarehouseEvent::Opened(opened) = event {
            self.warehouses.insert(
                id,
                WarehouseInfo {
                    name: opened.name.clone(),
                    branch: opened.branch,
                    allows_negative_stock: opened.allows_negative_stock,
                    closed: false,
                },
            );
            return;
        }
        let Some(warehouse) = self.warehouses.get_mut(&id) else {
            return;
        };
        match event {
            WarehouseEvent::Renamed(renamed) => warehouse.name = renamed.name.clone(),
            WarehouseEvent::NegativeStockSet(set) => warehouse.allows_negative_stock = set.allowed,
            WarehouseEvent::Closed(_) => warehouse.closed = true,
            WarehouseEvent::Opened(_) => {}
        }
    }

    fn apply_stock(
        &mut self,
        key: (ProductId, WarehouseId),
        envelope: &Envelope<'_>,
        event: &StockEvent,
    ) {
        let movement = |kind, change, unit_cost, detail| Movement {
            position: envelope.position,
            occurred_at: envelope.occurred_at,
            recorded_at: envelope.recorded_at,
            kind,
            change,
            unit_cost,
            detail,
            balance_after: Decimal::ZERO,
            average_after: Decimal::ZERO,
        };
        let deferred = self.deferred;
        let line = self.line_mut(key);
        let moved = match event {
            StockEvent::Received(received) => {
                line.on_hand = line.on_hand.saturating_add(received.quantity);
                line.average_cost = received.average_cost;
                Some(movement(
                    MovementKind::Received,
                    received.quantity,
                    received.unit_cost,
                    Detail::reference(&received.reference),
                ))
            }
            StockEvent::Issued(issued) => {
                line.take(issued.quantity, issued.reservation);
                Some(movement(
                    MovementKind::Issued,
                    -issued.quantity,
                    issued.unit_cost,
                    Detail::reference(&issued.reference),
                ))
            }
            StockEvent::Consumed(consumed) => {
                line.take(consumed.quantity, consumed.reservation);
                Some(movement(
                    MovementKind::Consumed,
                    -consumed.quantity,
                    consumed.unit_cost,
                    Detail::Reference(production_reference(consumed.production).into()),
                ))
            }
            StockEvent::Reserved(reserved) => {
                line.reservations
                    .insert(reserved.reservation, reserved.quantity);
                None
            }
            StockEvent::ReservationReleased(released) => {
                line.reservations.remove(&released.reservation);
                None
            }
            StockEvent::TransferredOut(out) => {
                line.on_hand = line.on_hand.saturating_sub(out.quantity);
                Some(movement(
                    MovementKind::TransferredOut,
                    -out.quantity,
                    out.unit_cost,
                    Detail::Transfer(Box::new(TransferLink {
                        transfer: out.transfer,
                        warehouse: out.to,
                    })),
                ))
            }
            StockEvent::TransferredIn(arrived) => {
                line.on_hand = line.on_hand.saturating_add(arrived.quantity);
                line.average_cost = arrived.average_cost;
                if line.in_transit.remove(&arrived.transfer).is_none() {
                    line.arrived_first.insert(arrived.transfer);
                }
                Some(movement(
                    MovementKind::TransferredIn,
                    arrived.quantity,
                    arrived.unit_cost,
                    Detail::Transfer(Box::new(TransferLink {
                        transfer: arrived.transfer,
                        warehouse: arrived.from,
                    })),
                ))
            }
            StockEvent::Counted(counted) => {
                line.on_hand = counted.counted;
                Some(movement(
                    MovementKind::Counted,
                    counted.difference,
                    counted.unit_cost,
                    Detail::None,
                ))
            }
            StockEvent::Returned(returned) => {
                line.on_hand = line.on_hand.saturating_add(returned.quantity);
                Some(movement(
                    MovementKind::Returned,
                    returned.quantity,
                    returned.unit_cost,
                    Detail::reference(&returned.reference),
                ))
            }
            StockEvent::ReorderLevelSet(set) => {
                line.reorder_level = set.level;
                None
            }
        };
        let place = moved.and_then(|moved| line.ledger.record(moved, deferred));
        let low = line.is_low();
        if low {
            self.low.insert(key);
        } else {
            self.low.remove(&key);
        }
        let at = (envelope.occurred_at, envelope.position);
        let arrived = match event {
            StockEvent::TransferredOut(out) => {
                self.links.dispatched(out.transfer, key, at);
                // Goods on their way are in transit at the destination.
                let destination = self.line_mut((key.0, out.to));
                if !destination.arrived_first.remove(&out.transfer) {
                    destination.in_transit.insert(out.transfer, out.quantity);
                }
                None
            }
            StockEvent::TransferredIn(arrived) => {
                Some(self.links.arrived(arrived.transfer, key, at))
            }
            StockEvent::Consumed(consumed) => {
                self.links.consumed(
                    (consumed.production, consumed.completion),
                    key,
                    at,
                    consumed.quantity,
                );
                None
            }
            StockEvent::Received(received) => received
                .reference
                .as_deref()
                .and_then(output_of)
                .and_then(|(order, completion)| self.links.produced(order, completion, key, at)),
            _ => None,
        };
        if let Some(link) = arrived.filter(|_| !deferred) {
            self.links
                .settle(&mut Lines(&mut self.stock), link, |_, _, _| {});
        }
        // A movement before others changes what later links' sources went
        // out at.
        if let Some(place) = place {
            self.links
                .cascade(&mut Lines(&mut self.stock), (key, place), &mut |_, _, _| {});
        }
    }

    pub fn product_info(&self, product: ProductId) -> Option<&ProductInfo> {
        self.products.get(&product)
    }

    pub fn warehouse_info(&self, warehouse: WarehouseId) -> Option<&WarehouseInfo> {
        self.warehouses.get(&warehouse)
    }

    fn warehouse_name(&self, warehouse: WarehouseId) -> &str {
        self.warehouses
            .get(&warehouse)
            .map_or("", |info| info.name.as_str())
    }

    /// Every product the model knows, by name (then id): what an order
    /// form offers.
    pub fn products(&self) -> Vec<(ProductId, &ProductInfo)> {
        let mut products: Vec<_> = self.products.iter().map(|(id, info)| (*id, info)).collect();
        products.sort_by(|a, b| (a.1.name.as_str(), a.0).cmp(&(b.1.name.as_str(), b.0)));
        products
    }

    /// Every warehouse by name.
    pub fn warehouses(&self) -> Vec<(WarehouseId, &WarehouseInfo)> {
        let mut warehouses: Vec<_> = self
            .warehouses
            .iter()
            .map(|(id, info)| (*id, info))
            .collect();
        warehouses.sort_by(|a, b| (a.1.name.as_str(), a.0).cmp(&(b.1.name.as_str(), b.0)));
        warehouses
    }

    /// Every (product, warehouse) line with what replenishment needs:
    /// available stock, the reorder level, and the units issued (sold, used in production,
    /// written off) with business time at or after `since`.
    pub fn demand_lines(&self, since: DateTime<Utc>) -> impl Iterator<Item = DemandLine> + '_ {
        self.stock.iter().flat_map(move |(product, lines)| {
            lines.iter().map(move |(warehouse, line)| {
                // Movements are in business-time order, so the window is
                // a binary search and a walk over its own movements.
                let first = if line.ledger.is_unsorted() {
                    0
                } else {
                    line.ledger
                        .movements()
                        .partition_point(|movement| movement.occurred_at < since)
                };
                let issued = line.ledger.movements()[first..]
                    .iter()
                    .filter(|movement| {
                        matches!(movement.kind, MovementKind::Issued | MovementKind::Consumed)
                            && movement.occurred_at >= since
                    })
                    .fold(Decimal::ZERO, |total, movement| {
                        total.saturating_sub(movement.change)
                    });
                DemandLine {
                    product: *product,
                    warehouse: *warehouse,
                    available: line.available(),
                    reorder_level: line.reorder_level,
                    issued,
                }
            })
        })
    }

    /// What `reservation` holds of `product` in `warehouse` now.
    pub fn held_by(
        &self,
        product: ProductId,
        warehouse: WarehouseId,
        reservation: ReservationId,
    ) -> Decimal {
        self.line(product, warehouse)
            .and_then(|line| line.reservations.get(&reservation).copied())
            .unwrap_or_default()
    }

    /// On hand and not reserved, of `product` in `warehouse` (zero where
    /// nothing ever happened to it; below zero where negative stock is
    /// allowed).
    pub fn available(&self, product: ProductId, warehouse: WarehouseId) -> Decimal {
        self.line(product, warehouse)
            .map_or(Decimal::ZERO, StockLine::available)
    }

    /// Live figures of one (product, warehouse); `None` if nothing ever
    /// happened to it.
    pub fn balance(&self, product: ProductId, warehouse: WarehouseId) -> Option<Balance> {
        self.line(product, warehouse)
            .map(|line| balance_of(warehouse, line))
    }

    /// A product's live figures per warehouse (by warehouse name) and
    /// over all of them.
    pub fn product_stock(&self, product: ProductId) -> ProductStock {
        let mut warehouses: Vec<Balance> = self
            .stock
            .get(&product)
            .into_iter()
            .flatten()
            .map(|(warehouse, line)| balance_of(*warehouse, line))
            .collect();
        warehouses.sort_by(|a, b| {
            (self.warehouse_name(a.warehouse), a.warehouse)
                .cmp(&(self.warehouse_name(b.warehouse), b.warehouse))
        });
        let mut totals = StockTotals::default();
        for balance in &warehouses {
            totals.on_hand = totals.on_hand.saturating_add(balance.on_hand);
            totals.reserved = totals.reserved.saturating_add(balance.reserved);
            totals.available = totals.available.saturating_add(balance.available);
            totals.in_transit = totals.in_transit.saturating_add(balance.in_transit);
            totals.value = totals.value.saturating_add(balance.value);
        }
        ProductStock {
            product,
            warehouses,
            totals,
        }
    }

    /// Stock of one (product, warehouse) after every movement that
    /// occurred at or before `at` (business time): a binary search.
    pub fn stock_at(
        &self,
        product: ProductId,
        warehouse: WarehouseId,
        at: DateTime<Utc>,
    ) -> StockAt {
        let Some(line) = self.line(product, warehouse) else {
            return StockAt::default();
        };
        let (on_hand, average_cost) = line.ledger.running_at(at);
        StockAt {
            on_hand,
            average_cost,
            value: on_hand.saturating_mul(average_cost),
        }
    }

    /// A product's stock over all warehouses as of `at` (business time).
    pub fn product_stock_at(&self, product: ProductId, at: DateTime<Utc>) -> StockAt {
        let mut total = StockAt::default();
        for line in self
            .stock
            .get(&product)
            .into_iter()
            .flat_map(|lines| lines.values())
        {
            let (on_hand, average_cost) = line.ledger.running_at(at);
            total.on_hand = total.on_hand.saturating_add(on_hand);
            total.value = total
                .value
                .saturating_add(on_hand.saturating_mul(average_cost));
        }
        if total.on_hand > Decimal::ZERO {
            total.average_cost = cost(total.value.checked_div(total.on_hand).unwrap_or_default());
        }
        total
    }

    /// The movement of `product` stored at log `position`, with its
    /// effect on the balances after it; `None` when no such movement is
    /// held (another product's, or not a movement at all). A walk over
    /// the product's movements, newest first: what a form just wrote is
    /// found at once unless it was backdated far.
    pub fn movement_effect(&self, product: ProductId, position: u64) -> Option<MovementEffect> {
        self.stock
            .get(&product)?
            .iter()
            .find_map(|(warehouse, line)| {
                let index = line
                    .ledger
                    .movements()
                    .iter()
                    .rposition(|movement| movement.position == position)?;
                let movement = &line.ledger.movements()[index];
                Some(MovementEffect {
                    warehouse: *warehouse,
                    occurred_at: movement.occurred_at,
                    kind: movement.kind,
                    change: movement.change,
                    balance_after: movement.balance_after,
                    later: line.ledger.movements().len() - index - 1,
                    balance_now: line.on_hand,
                })
            })
    }

    /// Movements of a product (or of one of its warehouses) held.
    pub fn movement_count(&self, product: ProductId, warehouse: Option<WarehouseId>) -> usize {
        self.stock
            .get(&product)
            .into_iter()
            .flatten()
            .filter(|(id, _)| warehouse.is_none_or(|warehouse| warehouse == **id))
            .map(|(_, line)| line.ledger.movements().len())
            .sum()
    }

    /// A page of a product's movements in business-time order, each with
    /// the running balance after it. The warehouses' movement lists are
    /// merged as they are walked, so a page costs its length times the
    /// warehouses, plus a binary search per warehouse to find the cursor.
    pub fn ledger(&self, query: &LedgerQuery) -> LedgerPage {
        let limit = query.limit.clamp(1, crate::PAGE_ROWS_MAX);
        let after = query
            .after
            .map(|cursor| (cursor.occurred_at, cursor.position));
        let mut walks: Vec<Walk<'_>> = self
            .stock
            .get(&query.product)
            .into_iter()
            .flatten()
            .filter(|(id, _)| query.warehouse.is_none_or(|warehouse| warehouse == **id))
            .map(|(warehouse, line)| {
                let index = match (after, query.newest_first) {
                    (None, false) => 0,
                    (None, true) => line.ledger.movements().len(),
                    (Some(after), false) => line
                        .ledger
                        .movements()
                        .partition_point(|m| m.key() <= after),
                    (Some(after), true) => {
                        line.ledger.movements().partition_point(|m| m.key() < after)
                    }
                };
                Walk {
                    warehouse: *warehouse,
                    line,
                    index,
                    balance: line.ledger.running_before(index).0,
                }
            })
            .collect();
        let mut total = sum(walks.iter().map(|walk| &walk.balance));
        let mut entries = Vec::new();
        while entries.len() < limit {
            let next = if query.newest_first {
                walks
                    .iter_mut()
                    .filter(|walk| walk.index > 0)
                    .max_by_key(|walk| walk.line.ledger.movements()[walk.index - 1].key())
            } else {
                walks
                    .iter_mut()
                    .filter(|walk| walk.index < walk.line.ledger.movements().len())
                    .min_by_key(|walk| walk.line.ledger.movements()[walk.index].key())
            };
            let Some(walk) = next else {
                break;
            };
            let line = walk.line;
            if query.newest_first {
                // Every warehouse stands at its balance before the cursor
                // and this is the newest movement among them: the total is
                // the balance right after it.
                walk.index -= 1;
                entries.push(entry(
                    walk.warehouse,
                    &line.ledger.movements()[walk.index],
                    total,
                ));
                let before = line.ledger.running_before(walk.index).0;
                total = total.saturating_sub(walk.balance).saturating_add(before);
                walk.balance = before;
            } else {
                let movement = &line.ledger.movements()[walk.index];
                walk.index += 1;
                total = total
                    .saturating_sub(walk.balance)
                    .saturating_add(movement.balance_after);
                walk.balance = movement.balance_after;
                entries.push(entry(walk.warehouse, movement, total));
            }
        }
        let more = walks.iter().any(|walk| {
            if query.newest_first {
                walk.index > 0
            } else {
                walk.index < walk.line.ledger.movements().len()
            }
        });
        let next = entries.last().filter(|_| more).map(LedgerEntry::cursor);
        LedgerPage { entries, next }
    }

    /// A page of live stock levels per (product, warehouse), filtered by
    /// warehouse and low stock, in `sort` order (then product and
    /// warehouse ids, so the order is total and a cursor exact). Each
    /// page sorts the lines it may show: a company's few thousand lines
    /// cost a millisecond.
    pub fn levels(&self, query: &LevelQuery) -> LevelPage {
        let limit = query.limit.clamp(1, crate::PAGE_ROWS_MAX);
        let after = query
            .after
            .as_ref()
            .map(|cursor| (&cursor.key, cursor.product, cursor.warehouse));
        let mut lines: Vec<(LevelKey, ProductId, WarehouseId, &StockLine)> = self
            .stock
            .iter()
            .flat_map(|(product, lines)| {
                lines
                    .iter()
                    .map(move |(warehouse, line)| (*product, *warehouse, line))
            })
            .filter(|(product, warehouse, _)| {
                query.warehouse.is_none_or(|only| only == *warehouse)
                    && (!query.low_only || self.low.contains(&(*product, *warehouse)))
            })
            .map(|(product, warehouse, line)| {
                let key = match query.sort {
                    LevelSort::Sku => LevelKey::Text(
                        self.products
                            .get(&product)
                            .map(|info| info.sku.clone())
                            .unwrap_or_default(),
                    ),
                    LevelSort::Available => LevelKey::Amount(line.available()),
                    LevelSort::Value => LevelKey::Amount(balance_of(warehouse, line).value),
                };
                (key, product, warehouse, line)
            })
            .filter(|(key, product, warehouse, _)| {
                after.is_none_or(|after| {
                    let here = (key, *product, *warehouse);
                    if query.descending {
                        here < after
                    } else {
                        here > after
                    }
                })
            })
            .collect();
        let order = |a: &(LevelKey, ProductId, WarehouseId, &StockLine),
                     b: &(LevelKey, ProductId, WarehouseId, &StockLine)| {
            let ascending = (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2));
            if query.descending {
                ascending.reverse()
            } else {
                ascending
            }
        };
        let more = lines.len() > limit;
        if more {
            lines.select_nth_unstable_by(limit, order);
            lines.truncate(limit);
        }
        lines.sort_by(order);
        let next = lines.last().filter(|_| more).map(|last| LevelCursor {
            key: last.0.clone(),
            product: last.1,
            warehouse: last.2,
        });
        let rows = lines
            .into_iter()
            .map(|(_, product, warehouse, line)| {
                let info = self.products.get(&product);
                LevelRow {
                    product,
                    sku: info.map(|info| info.sku.clone()).unwrap_or_default(),
                    product_name: info.map(|info| info.name.clone()).unwrap_or_default(),
                    warehouse_name: self.warehouse_name(warehouse).to_owned(),
                    balance: balance_of(warehouse, line),
                }
            })
            .collect();
        LevelPage { rows, next }
    }

    /// Stock value per warehouse (by name) as of `at` in business time,
    /// at the average cost recomputed in business order: a binary search
    /// per (product, warehouse). Warehouses that held nothing are left
    /// out.
    pub fn value_at(&self, at: DateTime<Utc>) -> Vec<WarehouseValue> {
        let mut values: FxHashMap<WarehouseId, WarehouseValue> = FxHashMap::default();
        for (warehouse, line) in self.stock.values().flat_map(|lines| lines.iter()) {
            let (on_hand, average_cost) = line.ledger.running_at(at);
            if on_hand.is_zero() {
                continue;
            }
            let value = values.entry(*warehouse).or_insert(WarehouseValue {
                warehouse: *warehouse,
                products: 0,
                value: Decimal::ZERO,
            });
            value.products += 1;
            value.value = value
                .value
                .saturating_add(on_hand.saturating_mul(average_cost));
        }
        let mut values: Vec<WarehouseValue> = values.into_values().collect();
        values.sort_by(|a, b| {
            (self.warehouse_name(a.warehouse), a.warehouse)
                .cmp(&(self.warehouse_name(b.warehouse), b.warehouse))
        });
        values
    }

    /// (product, warehouse)s whose available stock is below their reorder
    /// level, the largest shortfall first, at most `limit`.
    pub fn low_stock(&self, limit: usize) -> Vec<LowStockRow> {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let mut rows: Vec<LowStockRow> = self
            .low
            .iter()
            .filter_map(|(product, warehouse)| {
                let line = self.line(*product, *warehouse)?;
                let reorder_level = line.reorder_level?;
                let available = line.available();
                let info = self.products.get(product);
                Some(LowStockRow {
                    product: *product,
                    sku: info.map(|info| info.sku.clone()).unwrap_or_default(),
                    product_name: info.map(|info| info.name.clone()).unwrap_or_default(),
                    warehouse: *warehouse,
                    warehouse_name: self.warehouse_name(*warehouse).to_owned(),
                    available,
                    reorder_level,
                    shortfall: reorder_level.saturating_sub(available),
                    in_transit: line.in_transit(),
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            b.shortfall
                .cmp(&a.shortfall)
                .then_with(|| a.sku.cmp(&b.sku))
                .then_with(|| a.warehouse_name.cmp(&b.warehouse_name))
                .then_with(|| (a.product, a.warehouse).cmp(&(b.product, b.warehouse)))
        });
        rows.truncate(limit);
        rows
    }
}

fn balance_of(warehouse: WarehouseId, line: &StockLine) -> Balance {
    let reserved = line.reserved();
    Balance {
        warehouse,
        on_hand: line.on_hand,
        reserved,
        available: line.on_hand.saturating_sub(reserved),
        in_transit: line.in_transit(),
        average_cost: line.average_cost,
        value: line.on_hand.saturating_mul(line.average_cost),
        reorder_level: line.reorder_level,
    }
}

fn entry(warehouse: WarehouseId, movement: &Movement, balance_after: Decimal) -> LedgerEntry {
    let (reference, transfer) = match &movement.detail {
        Detail::None => (None, None),
        Detail::Reference(text) => (Some(text.to_string()), None),
        Detail::Transfer(link) => (None, Some(**link)),
    };
    LedgerEntry {
        warehouse,
        position: movement.position,
        occurred_at: movement.occurred_at,
        recorded_at: movement.recorded_at,
        kind: movement.kind,
        change: movement.change,
        unit_cost: movement.unit_cost,
        reference,
        transfer,
        balance_after,
        warehouse_balance_after: movement.balance_after,
        average_cost_after: movement.average_after,
    }
}
