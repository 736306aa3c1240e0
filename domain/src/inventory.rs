//! Warehouses and stock.
//!
//! A warehouse is a stream (`warehouse-<id>`). Stock of one product in one
//! warehouse is a stream of its own (`stock-<product>-<warehouse>`), so two
//! concurrent movements of the same stock meet at one expected version and
//! cannot oversell, while movements of other stock never wait on them.
//! Stock is valued at moving average cost: each receipt records the average
//! it leads to, each issue the cost it takes out, so margins are known at
//! shipment time and read models never recompute costs.
//!
//! Whether stock may go negative is a setting of the product or the
//! warehouse: the application resolves it and passes it in the command.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{Quantity, UnitPrice};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, ProductionOrderId, ReservationId, TransferId, WarehouseId};
use crate::values::{Label, round_unit};

const WAREHOUSE: &str = "warehouse";

// -------------------------------------------------------------- warehouse

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseOpened {
    pub name: String,
    pub branch: Option<BranchId>,
    pub allows_negative_stock: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseRenamed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseNegativeStockSet {
    pub allowed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseClosed {}

domain_events! {
    /// Everything that can happen to a warehouse.
    pub enum WarehouseEvent in "warehouse" {
        Opened(WarehouseOpened) = "WarehouseOpened" v 1,
        Renamed(WarehouseRenamed) = "WarehouseRenamed" v 1,
        NegativeStockSet(WarehouseNegativeStockSet) = "WarehouseNegativeStockSet" v 1,
        Closed(WarehouseClosed) = "WarehouseClosed" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum WarehouseCommand {
    Open {
        name: Label,
        branch: Option<BranchId>,
        allows_negative_stock: bool,
    },
    Rename(Label),
    AllowNegativeStock(bool),
    Close,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarehouseState {
    pub name: String,
    pub branch: Option<BranchId>,
    pub allows_negative_stock: bool,
    pub closed: bool,
}

#[derive(Debug)]
pub struct Warehouse;

impl Decider for Warehouse {
    type State = Option<WarehouseState>;
    type Command = Issued<WarehouseCommand>;
    type Event = WarehouseEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<WarehouseEvent>, DomainError> {
        issued.business_time()?;
        if let WarehouseCommand::Open {
            name,
            branch,
            allows_negative_stock,
        } = &issued.command
        {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "warehouse.already_opened",
                    "this warehouse is already open",
                ));
            }
            return Ok(vec![WarehouseEvent::Opened(WarehouseOpened {
                name: name.as_str().to_owned(),
                branch: *branch,
                allows_negative_stock: *allows_negative_stock,
            })]);
        }
        let warehouse = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(WAREHOUSE))?;
        if warehouse.closed {
            return Err(DomainError::rejected(
                "warehouse.closed",
                "this warehouse is closed",
            ));
        }
        Ok(match &issued.command {
            WarehouseCommand::Open { .. } => Vec::new(),
            WarehouseCommand::Rename(name) => {
                crate::unless_unchanged(warehouse.name == name.as_str(), || {
                    WarehouseEvent::Renamed(WarehouseRenamed {
                        name: name.as_str().to_owned(),
                    })
                })
            }
            WarehouseCommand::AllowNegativeStock(allowed) => {
                crate::unless_unchanged(warehouse.allows_negative_stock == *allowed, || {
                    WarehouseEvent::NegativeStockSet(WarehouseNegativeStockSet {
                        allowed: *allowed,
                    })
                })
            }
            WarehouseCommand::Close => vec![WarehouseEvent::Closed(WarehouseClosed {})],
        })
    }

    fn evolve(state: Self::State, event: &WarehouseEvent) -> Self::State {
        if let WarehouseEvent::Opened(opened) = event {
            return Some(WarehouseState {
                name: opened.name.clone(),
                branch: opened.branch,
                allows_negative_stock: opened.allows_negative_stock,
                closed: false,
            });
        }
        let mut warehouse = state?;
        match event {
            WarehouseEvent::Opened(_) => {}
            WarehouseEvent::Renamed(renamed) => warehouse.name = renamed.name.clone(),
            WarehouseEvent::NegativeStockSet(set) => warehouse.allows_negative_stock = set.allowed,
            WarehouseEvent::Closed(_) => warehouse.closed = true,
        }
        Some(warehouse)
    }
}

// ------------------------------------------------------------------ stock

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReceived {
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    /// The moving average cost after this receipt.
    pub average_cost: Decimal,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockIssued {
    pub quantity: Decimal,
    /// The average cost taken out: what the goods cost the business.
    pub unit_cost: Decimal,
    pub reservation: Option<ReservationId>,
    pub reference: Option<String>,
}

/// Components taken from stock by a production order's completion, at
/// the average cost: what they cost the goods made of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockConsumed {
    pub production: ProductionOrderId,
    pub completion: u32,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    pub reservation: Option<ReservationId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReserved {
    pub reservation: ReservationId,
    pub quantity: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationReleased {
    pub reservation: ReservationId,
    pub quantity: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTransferredOut {
    pub transfer: TransferId,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    pub to: WarehouseId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTransferredIn {
    pub transfer: TransferId,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    pub from: WarehouseId,
    /// The moving average cost after this receipt.
    pub average_cost: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCounted {
    pub counted: Decimal,
    /// Counted less what the books said: negative for a shortage.
    pub difference: Decimal,
    pub unit_cost: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReturned {
    pub quantity: Decimal,
    /// Returned goods come back at the average cost, which they leave
    /// unchanged.
    pub unit_cost: Decimal,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReorderLevelSet {
    /// Below this much available stock, reorder; `None`: no level.
    pub level: Option<Decimal>,
}

domain_events! {
    /// Everything that can happen to the stock of one product in one
    /// warehouse.
    pub enum StockEvent in "stock" {
        Received(StockReceived) = "StockReceived" v 1,
        Issued(StockIssued) = "StockIssued" v 1,
        Reserved(StockReserved) = "StockReserved" v 1,
        ReservationReleased(ReservationReleased) = "ReservationReleased" v 1,
        TransferredOut(StockTransferredOut) = "StockTransferredOut" v 1,
        TransferredIn(StockTransferredIn) = "StockTransferredIn" v 1,
        Counted(StockCounted) = "StockCounted" v 1,
        Returned(StockReturned) = "StockReturned" v 1,
        ReorderLevelSet(StockReorderLevelSet) = "StockReorderLevelSet" v 1,
        Consumed(StockConsumed) = "StockConsumed" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StockCommand {
    Receive {
        quantity: Quantity,
        unit_cost: UnitPrice,
        reference: Option<Label>,
    },
    Issue {
        quantity: Quantity,
        /// The reservation the goods were held under, if any.
        reservation: Option<ReservationId>,
        reference: Option<Label>,
        /// The product or the warehouse allows negative stock.
        negative_allowed: bool,
    },
    Reserve {
        reservation: ReservationId,
        quantity: Quantity,
        negative_allowed: bool,
    },
    /// Reserves as much of `quantity` as is available (all of it where
    /// negative stock is allowed; possibly nothing): what an order's
    /// confirmation asks, so a confirmed order is never refused for want of
    /// stock, and the shortfall stays visible as an unreserved rest.
    ReserveAvailable {
        reservation: ReservationId,
        quantity: Quantity,
        negative_allowed: bool,
    },
    Release {
        reservation: ReservationId,
    },
    TransferOut {
        transfer: TransferId,
        quantity: Quantity,
        to: WarehouseId,
        negative_allowed: bool,
    },
    TransferIn {
        transfer: TransferId,
        quantity: Quantity,
        unit_cost: UnitPrice,
        from: WarehouseId,
    },
    /// An inventory count: what is really on the shelf.
    Count {
        counted: Quantity,
    },
    /// Goods a customer sent back, into stock at the average cost.
    Return {
        quantity: Quantity,
        reference: Option<Label>,
    },
    SetReorderLevel {
        level: Option<Quantity>,
    },
    /// Components used by a production order's completion, under the
    /// order's reservation.
    Consume {
        production: ProductionOrderId,
        completion: u32,
        quantity: Quantity,
        reservation: Option<ReservationId>,
        negative_allowed: bool,
    },
}

impl StockCommand {
    /// The same command with its `negative_allowed` flag (where it has
    /// one) set: a process decides what to do, the application knows the
    /// product's and the warehouse's settings.
    pub fn allowing_negative(mut self, allowed: bool) -> Self {
        match &mut self {
            Self::Issue {
                negative_allowed, ..
            }
            | Self::Reserve {
                negative_allowed, ..
            }
            | Self::ReserveAvailable {
                negative_allowed, ..
            }
            | Self::TransferOut {
                negative_allowed, ..
            }
            | Self::Consume {
                negative_allowed, ..
            } => *negative_allowed = allowed,
            Self::Receive { .. }
            | Self::Release { .. }
            | Self::TransferIn { .. }
            | Self::Count { .. }
            | Self::Return { .. }
            | Self::SetReorderLevel { .. } => {}
        }
        self
    }
}

/// Stock of one product in one warehouse. Starts empty: a stream that does
/// not exist yet holds nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockState {
    pub on_hand: Decimal,
    pub average_cost: Decimal,
    pub reservations: BTreeMap<ReservationId, Decimal>,
    pub transfers_in: BTreeSet<TransferId>,
    pub reorder_level: Option<Decimal>,
}

impl StockState {
    pub fn reserved(&self) -> Decimal {
        self.reservations.values().copied().sum()
    }

    /// On hand and not reserved for anyone.
    pub fn available(&self) -> Decimal {
        self.on_hand - self.reserved()
    }

    /// Goods going out, using up what `reservation` held for them.
    fn take(&mut self, quantity: Decimal, reservation: Option<ReservationId>) {
        self.on_hand -= quantity;
        if let Some(reservation) = reservation {
            let left = self
                .reservations
                .get(&reservation)
                .copied()
                .unwrap_or_default()
                - quantity;
            if left > Decimal::ZERO {
                self.reservations.insert(reservation, left);
            } else {
                self.reservations.remove(&reservation);
            }
        }
    }
}

#[derive(Debug)]
pub struct Stock;

/// The moving average after `quantity` arrives at `unit_cost`.
fn average_after(stock: &StockState, quantity: Decimal, unit_cost: Decimal) -> Decimal {
    let total = stock.on_hand + quantity;
    if stock.on_hand <= Decimal::ZERO || total <= Decimal::ZERO {
        // Nothing (or a deficit) on hand: the new goods set the cost.
        return round_unit(unit_cost);
    }
    let value =
        stock.on_hand.saturating_mul(stock.average_cost) + quantity.saturating_mul(unit_cost);
    round_unit(value / total)
}

fn insufficient(available: Decimal, wanted: Decimal) -> DomainError {
    DomainError::rejected(
        "stock.insufficient",
        format!("{wanted} wanted, {available} available"),
    )
}

/// Refuses to take `quantity` out unless it is available, counting what
/// `reservation` holds for it.
fn ensure_can_take(
    stock: &StockState,
    quantity: Decimal,
    reservation: Option<ReservationId>,
    negative_allowed: bool,
) -> Result<(), DomainError> {
    // A reservation that holds nothing (none was free when the order was
    // confirmed, or it was released) is no error: the goods then come
    // from free stock.
    let held = reservation
        .and_then(|reservation| stock.reservations.get(&reservation).copied())
        .unwrap_or_default();
    // Goods held for this movement count as available to it.
    let available = stock.available() + held.min(quantity);
    if quantity > available && !negative_allowed {
        return Err(insufficient(available, quantity));
    }
    Ok(())
}

impl Decider for Stock {
    type State = StockState;
    type Command = Issued<StockCommand>;
    type Event = StockEvent;
    type Error = DomainError;

    fn decide(stock: &StockState, issued: &Self::Command) -> Result<Vec<StockEvent>, DomainError> {
        issued.business_time()?;
        let text = |label: &Option<Label>| label.as_ref().map(|label| label.as_str().to_owned());
        Ok(match &issued.command {
            StockCommand::Receive {
                quantity,
                unit_cost,
                reference,
            } => vec![StockEvent::Received(StockReceived {
                quantity: quantity.value(),
                unit_cost: unit_cost.value(),
                average_cost: average_after(stock, quantity.value(), unit_cost.value()),
                reference: text(reference),
            })],
            StockCommand::Issue {
                quantity,
                reservation,
                reference,
                negative_allowed,
            } => {
                ensure_can_take(stock, quantity.value(), *reservation, *negative_allowed)?;
                vec![StockEvent::Issued(StockIssued {
                    quantity: quantity.value(),
                    unit_cost: stock.average_cost,
                    reservation: *reservation,
                    reference: text(reference),
                })]
            }
            StockCommand::Reserve {
                reservation,
                quantity,
                negative_allowed,
            } => {
                if let Some(held) = stock.reservations.get(reservation) {
                    if *held == quantity.value() {
                        return Ok(Vec::new());
                    }
                    return Err(DomainError::rejected(
                        "stock.already_reserved",
                        format!("reservation {reservation} already holds {held}"),
                    ));
                }
                if quantity.value() > stock.available() && !negative_allowed {
                    return Err(insufficient(stock.available(), quantity.value()));
                }
                vec![StockEvent::Reserved(StockReserved {
                    reservation: *reservation,
                    quantity: quantity.value(),
                })]
            }
            StockCommand::ReserveAvailable {
                reservation,
                quantity,
                negative_allowed,
            } => {
                if stock.reservations.contains_key(reservation) {
                    return Ok(Vec::new());
                }
                let reservable = if *negative_allowed {
                    quantity.value()
                } else {
                    quantity.value().min(stock.available().max(Decimal::ZERO))
                };
                // Recorded even when nothing was free: the reservation then
                // exists and holds zero, so a process handling the same
                // order again finds it and does not reserve a second time.
                vec![StockEvent::Reserved(StockReserved {
                    reservation: *reservation,
                    quantity: reservable,
                })]
            }
            StockCommand::Release { reservation } => match stock.reservations.get(reservation) {
                Some(held) => vec![StockEvent::ReservationReleased(ReservationReleased {
                    reservation: *reservation,
                    quantity: *held,
                })],
                None => Vec::new(),
            },
            StockCommand::TransferOut {
                transfer,
                quantity,
                to,
                negative_allowed,
            } => {
                if quantity.value() > stock.available() && !negative_allowed {
                    return Err(insufficient(stock.available(), quantity.value()));
                }
                vec![StockEvent::TransferredOut(StockTransferredOut {
                    transfer: *transfer,
                    quantity: quantity.value(),
                    unit_cost: stock.average_cost,
                    to: *to,
                })]
            }
            StockCommand::TransferIn {
                transfer,
                quantity,
                unit_cost,
                from,
            } => {
                if stock.transfers_in.contains(transfer) {
                    return Ok(Vec::new());
                }
                vec![StockEvent::TransferredIn(StockTransferredIn {
                    transfer: *transfer,
                    quantity: quantity.value(),
                    unit_cost: unit_cost.value(),
                    from: *from,
                    average_cost: average_after(stock, quantity.value(), unit_cost.value()),
                })]
            }
            StockCommand::Count { counted } => {
                let difference = counted.value() - stock.on_hand;
                crate::unless_unchanged(difference.is_zero(), || {
                    StockEvent::Counted(StockCounted {
                        counted: counted.value(),
                        difference,
                        unit_cost: stock.average_cost,
                    })
                })
            }
            StockCommand::Return {
                quantity,
                reference,
            } => vec![StockEvent::Returned(StockReturned {
                quantity: quantity.value(),
                unit_cost: stock.average_cost,
                reference: text(reference),
            })],
            StockCommand::Consume {
                production,
                completion,
                quantity,
                reservation,
                negative_allowed,
            } => {
                ensure_can_take(stock, quantity.value(), *reservation, *negative_allowed)?;
                vec![StockEvent::Consumed(StockConsumed {
                    production: *production,
                    completion: *completion,
                    quantity: quantity.value(),
                    unit_cost: stock.average_cost,
                    reservation: *reservation,
                })]
            }
            StockCommand::SetReorderLevel { level } => {
                let level = level.map(Quantity::value);
                crate::unless_unchanged(stock.reorder_level == level, || {
                    StockEvent::ReorderLevelSet(StockReorderLevelSet { level })
                })
            }
        })
    }

    fn evolve(mut stock: StockState, event: &StockEvent) -> StockState {
        match event {
            StockEvent::Received(received) => {
                stock.on_hand += received.quantity;
                stock.average_cost = received.average_cost;
            }
            StockEvent::Issued(issued) => {
                stock.take(issued.quantity, issued.reservation);
            }
            StockEvent::Consumed(consumed) => {
                stock.take(consumed.quantity, consumed.reservation);
            }
            StockEvent::Reserved(reserved) => {
                stock
                    .reservations
                    .insert(reserved.reservation, reserved.quantity);
            }
            StockEvent::ReservationReleased(released) => {
                stock.reservations.remove(&released.reservation);
            }
            StockEvent::TransferredOut(out) => stock.on_hand -= out.quantity,
            StockEvent::TransferredIn(arrived) => {
                stock.on_hand += arrived.quantity;
                stock.average_cost = arrived.average_cost;
                stock.transfers_in.insert(arrived.transfer);
            }
            StockEvent::Counted(counted) => stock.on_hand = counted.counted,
            StockEvent::Returned(returned) => stock.on_hand += returned.quantity,
            StockEvent::ReorderLevelSet(set) => stock.reorder_level = set.level,
        }
        stock
    }
}

#[cfg(test)]
mod tests;
