//! The cost of what was sold, at the moving average of the moment it left
//! (business time): every stock movement of each (product, warehouse)
//! goes into a [`Ledger`], and each issue to a sales line (and each return
//! of one) is costed at the running average at its place, not at the cost
//! the issue recorded when it was decided.
//!
//! The two agree while movements are recorded in the order they happen.
//! A receipt entered today for last Tuesday changes the average every
//! later movement of that stock went out at: the ledger recomputes from
//! its place, and each later sale's cost is corrected by the difference,
//! booked on the day the sale was booked. The margins of those days
//! change; nothing is reposted, and the events keep what was decided.
//! Goods transferred or made from components carry such a correction on
//! to where they arrived (`crate::costing::Links`).

use chrono::{DateTime, Utc};
use domain::ids::{ProductionOrderId, TransferId};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::LineDims;
use crate::costing::{Costed, Ledger, Links, MovementKey, Stock, Stocks};
use crate::day::Day;
use crate::fixed::{cost_of, from_decimal, to_decimal};

/// The figures a sale's movement booked its cost on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Booking {
    pub(super) day: Day,
    pub(super) dims: LineDims,
    /// Goods back from the customer: their cost comes off the line's.
    pub(super) returned: bool,
    /// The cost now, fixed point, in the company currency.
    pub(super) cost: i64,
    /// What is booked for it now, in the line's currency.
    pub(super) booked: i64,
}

/// A correction to book: `delta` more cost, in the line's currency, on
/// `day` for the line of `dims` (less, for a return).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Revaluation {
    pub(super) day: Day,
    pub(super) dims: LineDims,
    pub(super) returned: bool,
    pub(super) delta: i64,
}

/// Quantities and costs have at most four decimals, so the figures are
/// kept exactly in fixed point (`crate::fixed`): a few million movements
/// are held, about 90 bytes each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CostMovement {
    /// Business time, in microseconds since the epoch.
    occurred_micros: i64,
    position: u64,
    change: i64,
    unit_cost: i64,
    balance_after: i64,
    average_after: i64,
    arrives: bool,
    booking: Option<Booking>,
}

impl Costed for CostMovement {
    fn key(&self) -> MovementKey {
        let at = DateTime::from_timestamp_micros(self.occurred_micros).unwrap_or_default();
        (at, self.position)
    }

    fn arrives(&self) -> bool {
        self.arrives
    }

    fn change(&self) -> Decimal {
        to_decimal(i128::from(self.change))
    }

    fn unit_cost(&self) -> Decimal {
        to_decimal(i128::from(self.unit_cost))
    }

    fn running(&self) -> (Decimal, Decimal) {
        (
            to_decimal(i128::from(self.balance_after)),
            to_decimal(i128::from(self.average_after)),
        )
    }

    fn set_running(&mut self, balance: Decimal, average: Decimal) {
        self.balance_after = from_decimal(balance);
        self.average_after = from_decimal(average);
    }

    fn set_unit_cost(&mut self, unit_cost: Decimal) {
        self.unit_cost = from_decimal(unit_cost);
    }
}

/// One stock movement as the sales model sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Moved {
    pub(super) occurred_at: DateTime<Utc>,
    pub(super) position: u64,
    /// A receipt or transfer in, at `unit_cost`.
    pub(super) arrives: bool,
    /// Signed: what it added to on hand.
    pub(super) change: Decimal,
    pub(super) unit_cost: Decimal,
    pub(super) side: Side,
}

/// What a movement is a side of, for the arrivals that cost what other
/// movements went out at.
#[derive(Clone, Copy, Debug)]
pub(super) enum Side {
    Alone,
    Dispatched(TransferId),
    Arrived(TransferId),
    /// A component, `quantity` of it, for a production order's completion.
    Consumed {
        completion: (ProductionOrderId, u32),
        quantity: Decimal,
    },
    /// A production order's output, of the completion its receipt names.
    Produced(ProductionOrderId, Option<u32>),
}

type Lines = FxHashMap<Stock, Ledger<CostMovement>>;

impl Stocks<CostMovement> for Lines {
    fn ledger_mut(&mut self, stock: Stock) -> Option<&mut Ledger<CostMovement>> {
        self.get_mut(&stock)
    }
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct SoldCosts {
    lines: Lines,
    /// So that goods moved to another warehouse cost there what they
    /// left at, goods made what their components were consumed at, and a
    /// back-dated movement before a transfer or a consumption corrects
    /// the sales of what arrived too.
    links: Links,
}

impl SoldCosts {
    /// A production order's completion made `units` whose operations
    /// cost `operations_cost` in all.
    pub(super) fn costed(
        &mut self,
        completion: (ProductionOrderId, u32),
        units: Decimal,
        operations_cost: Decimal,
    ) {
        self.links.costed(completion, units, operations_cost);
    }

    /// Records `moved` in its stock's ledger, a sale's movement with the
    /// figures it books on: answers the cost to book for it, and the
    /// corrections of every sale after it in business time whose cost its
    /// place changed, each in its line's currency (`in_currency` converts
    /// a company-currency cost booked on a day for a line).
    pub(super) fn record(
        &mut self,
        stock: Stock,
        moved: Moved,
        booking: Option<(Day, LineDims, bool)>,
        in_currency: impl Fn(Day, LineDims, i64) -> i64,
    ) -> Vec<Revaluation> {
        let at = (moved.occurred_at, moved.position);
        let arrival = match moved.side {
            Side::Alone => None,
            Side::Dispatched(transfer) => {
                self.links.dispatched(transfer, stock, at);
                None
            }
            Side::Arrived(transfer) => Some(self.links.arrived(transfer, stock, at)),
            Side::Consumed {
                completion,
                quantity,
            } => {
                self.links.consumed(completion, stock, at, quantity);
                None
            }
            Side::Produced(order, completion) => self.links.produced(order, completion, stock, at),
        };
        let ledger = self.lines.entry(stock).or_default();
        let movement = CostMovement {
            occurred_micros: moved.occurred_at.timestamp_micros(),
            position: moved.position,
            arrives: moved.arrives,
            change: from_decimal(moved.change),
            unit_cost: from_decimal(moved.unit_cost),
            balance_after: 0,
            average_after: 0,
            booking: booking.map(|(day, dims, returned)| Booking {
                day,
                dims,
                returned,
                cost: 0,
                booked: 0,
            }),
        };
        // The sales model folds in log order, live and rebuilt alike, so
        // its ledgers are never deferred.
        let Some(place) = ledger.record(movement, false) else {
            return Vec::new();
        };
        let mut revaluations = Vec::new();
        revalue(ledger, place, &in_currency, &mut revaluations);
        // Later links (and an arrival itself) carry the change on.
        let mut changed = |_: Stock, ledger: &mut Ledger<CostMovement>, place: usize| {
            revalue(ledger, place, &in_currency, &mut revaluations);
        };
        if let Some(link) = arrival {
            self.links.settle(&mut self.lines, link, &mut changed);
        }
        self.links
            .cascade(&mut self.lines, (stock, place), &mut changed);
        revaluations
    }
}

/// The corrections of the sales in `ledger` from `place` on whose cost
/// moved, each booked again at the running average.
fn revalue(
    ledger: &mut Ledger<CostMovement>,
    place: usize,
    in_currency: &impl Fn(Day, LineDims, i64) -> i64,
    revaluations: &mut Vec<Revaluation>,
) {
    {
        for movement in ledger.movements_mut().iter_mut().skip(place) {
            if movement.booking.is_none() {
                continue;
            }
            // Out, or back, at the running average, which neither moves.
            let (_, average) = movement.running();
            let cost = cost_of(movement.change().abs(), average);
            let Some(booking) = movement.booking.as_mut() else {
                continue;
            };
            // Unchanged since it was booked (a fresh booking has booked
            // nothing yet, and a cost of nothing books nothing).
            if cost == booking.cost && cost != 0 {
                continue;
            }
            booking.cost = cost;
            let booked = in_currency(booking.day, booking.dims, cost);
            let delta = booked.saturating_sub(booking.booked);
            booking.booked = booked;
            if delta != 0 {
                revaluations.push(Revaluation {
                    day: booking.day,
                    dims: booking.dims,
                    returned: booking.returned,
                    delta,
                });
            }
        }
    }
}
