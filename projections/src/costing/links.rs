//! Arrivals whose unit cost is made of other movements' running averages.
//!
//! - a transfer's arrival costs the average its dispatch left at;
//! - a production order's completion brings its output in at
//!   (Σ component quantity × the average it was consumed at + the
//!   operations' cost) ÷ the units made, rounded once to four places:
//!   the domain's rule (`domain::production`), applied to the averages in
//!   business-time order.
//!
//! Each link knows the movements its cost is made of (its sources) and its
//! arrival. When a stock's running figures change from some place on,
//! every source from there on gives its link's arrival a new cost; an
//! arrival whose cost changes has its stock recomputed from it, which may
//! change later sources in turn. A source comes before its arrival in
//! business time (goods are sent before they arrive, consumed before the
//! output is received; the log's position breaks a tie of time), so each
//! step moves forward and the cascade ends; a bound guards against a bug
//! all the same.

use std::collections::{BTreeMap, VecDeque};

use domain::ids::{ProductionOrderId, TransferId};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Costed, Ledger, MovementKey, Stock, Stocks, cost};

/// An arrival whose unit cost is made of other movements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Link {
    Transfer(TransferId),
    /// A production order's completion, numbered from 1.
    Completion(ProductionOrderId, u32),
}

/// What a link's arrival is made of, as recorded so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Recipe {
    /// The movements the goods came from, each with the quantity its
    /// running average counts for (one, for a transfer's dispatch).
    sources: Vec<(Stock, MovementKey, Decimal)>,
    /// The units made and what their operations cost in all, once known;
    /// a transfer's is one unit and nothing added.
    output: Option<(Decimal, Decimal)>,
    arrival: Option<(Stock, MovementKey)>,
}

/// Every link's sources and arrival, so that an arrival costs what its
/// sources went out at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    recipes: FxHashMap<Link, Recipe>,
    /// Per stock, its sources by business time.
    sources: FxHashMap<Stock, BTreeMap<MovementKey, Link>>,
    /// Per production order, its costed completions whose output has not
    /// arrived yet, in the order they were costed: an output receipt that
    /// does not name its completion (written before receipts did) is the
    /// oldest of them.
    awaited: FxHashMap<ProductionOrderId, VecDeque<u32>>,
}

/// Longest chain of arrivals one change re-costs: far beyond any real
/// history (each step is a later link), a bound against a bug.
const CASCADE_STEPS_MAX: usize = 1_000_000;

/// A transfer's arrival is its one source's average.
const ONE_AS_IS: (Decimal, Decimal) = (Decimal::ONE, Decimal::ZERO);

impl Links {
    fn source(&mut self, link: Link, stock: Stock, key: MovementKey, quantity: Decimal) {
        self.recipes
            .entry(link)
            .or_default()
            .sources
            .push((stock, key, quantity));
        self.sources.entry(stock).or_default().insert(key, link);
    }

    /// A transfer's goods left `stock`, recorded at `key`.
    pub fn dispatched(&mut self, transfer: TransferId, stock: Stock, key: MovementKey) {
        let link = Link::Transfer(transfer);
        self.source(link, stock, key, Decimal::ONE);
        self.recipes.entry(link).or_default().output = Some(ONE_AS_IS);
    }

    /// A transfer's goods arrived in `stock`, recorded at `key`.
    pub fn arrived(&mut self, transfer: TransferId, stock: Stock, key: MovementKey) -> Link {
        let link = Link::Transfer(transfer);
        let recipe = self.recipes.entry(link).or_default();
        recipe.arrival = Some((stock, key));
        recipe.output = Some(ONE_AS_IS);
        link
    }

    /// `quantity` of a component left `stock` for `order`'s completion
    /// `completion`, recorded at `key`.
    pub fn consumed(
        &mut self,
        (order, completion): (ProductionOrderId, u32),
        stock: Stock,
        key: MovementKey,
        quantity: Decimal,
    ) {
        self.source(Link::Completion(order, completion), stock, key, quantity);
    }

    /// `order`'s completion `completion` made `units` whose operations
    /// cost `operations_cost` in all: its output is on its way into stock.
    pub fn costed(
        &mut self,
        (order, completion): (ProductionOrderId, u32),
        units: Decimal,
        operations_cost: Decimal,
    ) {
        let recipe = self
            .recipes
            .entry(Link::Completion(order, completion))
            .or_default();
        recipe.output = Some((units, operations_cost));
        if recipe.arrival.is_none() {
            self.awaited.entry(order).or_default().push_back(completion);
        }
    }

    /// `order`'s output arrived in `stock`, recorded at `key`: of the
    /// completion its receipt names, or else the oldest one awaited.
    pub fn produced(
        &mut self,
        order: ProductionOrderId,
        completion: Option<u32>,
        stock: Stock,
        key: MovementKey,
    ) -> Option<Link> {
        let awaited = self.awaited.get_mut(&order)?;
        let completion = match completion {
            Some(completion) => {
                let place = awaited.iter().position(|&c| c == completion)?;
                awaited.remove(place)?
            }
            None => awaited.pop_front()?,
        };
        if awaited.is_empty() {
            self.awaited.remove(&order);
        }
        let link = Link::Completion(order, completion);
        self.recipes.entry(link).or_default().arrival = Some((stock, key));
        Some(link)
    }

    /// What `link`'s arrival costs now, once every part is recorded.
    fn unit_cost<M: Costed>(&self, stocks: &mut impl Stocks<M>, link: Link) -> Option<Decimal> {
        let recipe = self.recipes.get(&link)?;
        let (units, added) = recipe.output?;
        if matches!(link, Link::Transfer(_)) && recipe.sources.is_empty() {
            // Arrived before its dispatch was recorded.
            return None;
        }
        let mut value = added;
        for &(stock, key, quantity) in &recipe.sources {
            let ledger = stocks.ledger_mut(stock)?;
            let place = ledger.place_of(key)?;
            let (_, average) = ledger.movements().get(place)?.running();
            value = value.saturating_add(quantity.saturating_mul(average));
        }
        Some(cost(value.checked_div(units)?))
    }

    /// Gives `link`'s arrival what its sources now cost, and carries the
    /// change on (see [`Links::cascade`]).
    pub fn settle<M: Costed>(
        &self,
        stocks: &mut impl Stocks<M>,
        link: Link,
        mut changed: impl FnMut(Stock, &mut Ledger<M>, usize),
    ) {
        if let Some(repriced) = self.reprice_arrival(stocks, link, &mut changed) {
            self.cascade(stocks, repriced, &mut changed);
        }
    }

    fn reprice_arrival<M: Costed>(
        &self,
        stocks: &mut impl Stocks<M>,
        link: Link,
        changed: &mut impl FnMut(Stock, &mut Ledger<M>, usize),
    ) -> Option<(Stock, usize)> {
        let unit_cost = self.unit_cost(stocks, link)?;
        let (stock, key) = self.recipes.get(&link)?.arrival?;
        let ledger = stocks.ledger_mut(stock)?;
        let place = ledger.place_of(key)?;
        if !ledger.reprice(place, unit_cost) {
            return None;
        }
        changed(stock, ledger, place);
        Some((stock, place))
    }

    /// After `stock`'s running figures changed from `place` on: every
    /// source from there gives its link's arrival what it now costs; each
    /// arrival whose cost changes has its stock recomputed from it
    /// (`changed` is told) and carries the change on in turn.
    pub fn cascade<M: Costed>(
        &self,
        stocks: &mut impl Stocks<M>,
        (stock, place): (Stock, usize),
        changed: &mut impl FnMut(Stock, &mut Ledger<M>, usize),
    ) {
        let mut work = vec![(stock, place)];
        let mut steps = 0_usize;
        while let Some((stock, place)) = work.pop() {
            let Some(sources) = self.sources.get(&stock) else {
                continue;
            };
            let Some(from) = stocks
                .ledger_mut(stock)
                .and_then(|ledger| ledger.movements().get(place).map(Costed::key))
            else {
                continue;
            };
            for link in sources.range(from..).map(|(_, link)| *link) {
                if let Some(repriced) = self.reprice_arrival(stocks, link, changed) {
                    steps += 1;
                    if steps > CASCADE_STEPS_MAX {
                        return;
                    }
                    work.push(repriced);
                }
            }
        }
    }

    /// After a deferred fold restored every ledger: each arrival takes
    /// what its sources cost, in business-time order of arrival, so one
    /// pass carries every change through (a source comes before its
    /// arrival).
    pub fn settle_all<M: Costed>(
        &self,
        stocks: &mut impl Stocks<M>,
        mut changed: impl FnMut(Stock, &mut Ledger<M>, usize),
    ) {
        let mut arrivals: Vec<(MovementKey, Link)> = self
            .recipes
            .iter()
            .filter_map(|(link, recipe)| Some((recipe.arrival?.1, *link)))
            .collect();
        arrivals.sort_unstable();
        for (_, link) in arrivals {
            self.reprice_arrival(stocks, link, &mut changed);
        }
    }
}
