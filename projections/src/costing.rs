//! Moving average cost in business-time order, for every model that must
//! know what goods cost when they moved: one (product, warehouse)'s
//! movements ordered by `(occurred_at, position)` with the running balance
//! and average after each.
//!
//! - an arrival (a receipt, a transfer in) of `qty` at `unit_cost` sets the
//!   average to `(balance × average + qty × unit_cost) / (balance + qty)`,
//!   rounded to four decimals half away from zero; when the balance before
//!   it is zero or less (or the arrival does not lift it above zero) its
//!   unit cost sets the average, as the domain decides it;
//! - everything else (an issue, a consumption, a transfer out, a count, a
//!   return) moves goods at the running average and leaves it as it is.
//!
//! A back-dated movement is inserted at its business-time place and the
//! running figures from there on are recomputed: the ledger answers where,
//! so a model can correct what it derived from the later movements.
//!
//! Some arrivals cost what other movements went out at ([`Links`]): a
//! transfer's goods arrive at the average they left at, a production
//! order's output at what its components were consumed at plus its
//! operations. When a back-dated movement changes such an average, the
//! arrival takes the new cost and its stock is recomputed from there, and
//! so on through every later link.

mod links;

use chrono::{DateTime, Utc};
use domain::ids::{ProductId, WarehouseId};
use domain::values::MONEY_SCALE_MAX;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

pub use links::{Link, Links};

/// One (product, warehouse).
pub type Stock = (ProductId, WarehouseId);

/// How a model reaches its ledgers, for [`Links`].
pub trait Stocks<M> {
    fn ledger_mut(&mut self, stock: Stock) -> Option<&mut Ledger<M>>;
}

/// Business-time order; the log position breaks ties, so the order is
/// total and the same however a model was filled.
pub type MovementKey = (DateTime<Utc>, u64);

/// One movement, as the ledger needs to see it.
pub trait Costed {
    fn key(&self) -> MovementKey;
    /// Whether it brings goods in at its own unit cost.
    fn arrives(&self) -> bool;
    /// Signed: what it added to on hand.
    fn change(&self) -> Decimal;
    /// The unit cost the event recorded.
    fn unit_cost(&self) -> Decimal;
    /// Balance and average right after it, in business-time order.
    fn running(&self) -> (Decimal, Decimal);
    fn set_running(&mut self, balance: Decimal, average: Decimal);
    /// An arrival's unit cost, as the movements it is linked to now give
    /// it.
    fn set_unit_cost(&mut self, unit_cost: Decimal);
}

/// One (product, warehouse)'s movements in business-time order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ledger<M> {
    movements: Vec<M>,
    /// Set by a deferred fold that met a movement out of business-time
    /// order: it only pushed, and [`Ledger::restore`] sorts and recomputes.
    unsorted: bool,
}

impl<M> Default for Ledger<M> {
    fn default() -> Self {
        Self {
            movements: Vec::new(),
            unsorted: false,
        }
    }
}

impl<M: Costed> Ledger<M> {
    /// In business-time order, unless [`Ledger::is_unsorted`].
    pub fn movements(&self) -> &[M] {
        &self.movements
    }

    pub fn movements_mut(&mut self) -> &mut [M] {
        &mut self.movements
    }

    pub fn is_unsorted(&self) -> bool {
        self.unsorted
    }

    /// Balance and average after the first `count` movements.
    pub fn running_before(&self, count: usize) -> (Decimal, Decimal) {
        count
            .checked_sub(1)
            .and_then(|last| self.movements.get(last))
            .map_or((Decimal::ZERO, Decimal::ZERO), Costed::running)
    }

    /// The place of the movement at `key`, if it is recorded (and the
    /// ledger is in order).
    pub fn place_of(&self, key: MovementKey) -> Option<usize> {
        self.movements.binary_search_by_key(&key, Costed::key).ok()
    }

    /// Gives the arrival at `place` a new unit cost and recomputes from
    /// it; answers whether the cost changed.
    pub fn reprice(&mut self, place: usize, unit_cost: Decimal) -> bool {
        let Some(movement) = self.movements.get_mut(place) else {
            return false;
        };
        if movement.unit_cost() == unit_cost {
            return false;
        }
        movement.set_unit_cost(unit_cost);
        self.recompute_from(place);
        true
    }

    /// Balance and average after every movement that occurred at or
    /// before `at`.
    pub fn running_at(&self, at: DateTime<Utc>) -> (Decimal, Decimal) {
        let count = self
            .movements
            .partition_point(|movement| movement.key().0 <= at);
        self.running_before(count)
    }

    /// Puts `movement` at its business-time place and brings the running
    /// figures after it up to date: an append in order costs one step, a
    /// back-dated one recomputes from its place on. Answers the place, or
    /// `None` when a deferred fold only pushed it.
    pub fn record(&mut self, movement: M, deferred: bool) -> Option<usize> {
        let key = movement.key();
        let in_order = self.movements.last().is_none_or(|last| last.key() < key);
        if self.unsorted || (deferred && !in_order) {
            self.movements.push(movement);
            self.unsorted = true;
            return None;
        }
        let place = if in_order {
            self.movements.len()
        } else {
            self.movements.partition_point(|other| other.key() < key)
        };
        self.movements.insert(place, movement);
        self.recompute_from(place);
        Some(place)
    }

    /// After a deferred fold: every movement in order, every running
    /// figure recomputed. Answers whether anything had to be.
    pub fn restore(&mut self) -> bool {
        if !self.unsorted {
            return false;
        }
        // Positions are unique, so an unstable sort is exact.
        self.movements.sort_unstable_by_key(Costed::key);
        self.recompute_from(0);
        self.unsorted = false;
        true
    }

    fn recompute_from(&mut self, first: usize) {
        let (mut balance, mut average) = self.running_before(first);
        for movement in self.movements.iter_mut().skip(first) {
            if movement.arrives() {
                average = average_after_arrival(
                    balance,
                    average,
                    movement.change(),
                    movement.unit_cost(),
                );
            }
            balance = balance.saturating_add(movement.change());
            movement.set_running(balance, average);
        }
    }
}

/// A unit cost as every cost is kept: four decimals, half away from zero.
pub fn cost(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(MONEY_SCALE_MAX, RoundingStrategy::MidpointAwayFromZero)
}

/// The moving average after `quantity` arrives at `unit_cost` on top of
/// `balance` held at `average`: the rule the domain decides receipts by,
/// applied in business-time order.
fn average_after_arrival(
    balance: Decimal,
    average: Decimal,
    quantity: Decimal,
    unit_cost: Decimal,
) -> Decimal {
    let total = balance.saturating_add(quantity);
    if balance <= Decimal::ZERO || total <= Decimal::ZERO {
        // Nothing (or a deficit) on hand: the new goods set the cost.
        return cost(unit_cost);
    }
    let value = balance
        .saturating_mul(average)
        .saturating_add(quantity.saturating_mul(unit_cost));
    cost(value.checked_div(total).unwrap_or(unit_cost))
}
