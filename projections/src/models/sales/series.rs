//! The figures of one member of a dimension, day by day: entries sorted
//! by (day, currency), found by binary search, and the members of a
//! dimension numbered in the order they were first seen, each with a
//! series per branch its figures landed in.

use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::day_rates::FixedRate;

/// One day's figures of one member in one currency, in ten-thousandths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Figures {
    pub(super) orders: i32,
    pub(super) cancelled_orders: i32,
    pub(super) order_net: i64,
    pub(super) cancelled_net: i64,
    pub(super) revenue: i64,
    pub(super) cost: i64,
    pub(super) units: i64,
    pub(super) units_returned: i64,
    pub(super) uncosted_revenue: i64,
}

impl Figures {
    /// Adds `other`'s figures to these.
    pub(super) fn absorb(&mut self, other: &Figures) {
        self.orders = self.orders.saturating_add(other.orders);
        self.cancelled_orders = self.cancelled_orders.saturating_add(other.cancelled_orders);
        self.order_net = self.order_net.saturating_add(other.order_net);
        self.cancelled_net = self.cancelled_net.saturating_add(other.cancelled_net);
        self.revenue = self.revenue.saturating_add(other.revenue);
        self.cost = self.cost.saturating_add(other.cost);
        self.units = self.units.saturating_add(other.units);
        self.units_returned = self.units_returned.saturating_add(other.units_returned);
        self.uncosted_revenue = self.uncosted_revenue.saturating_add(other.uncosted_revenue);
    }

    /// The figures with every amount × `rate` (into the company
    /// currency), each rounded once; counts and quantities as they are.
    pub(super) fn converted(&self, rate: &FixedRate) -> Figures {
        Figures {
            order_net: rate.convert(self.order_net),
            cancelled_net: rate.convert(self.cancelled_net),
            revenue: rate.convert(self.revenue),
            cost: rate.convert(self.cost),
            uncosted_revenue: rate.convert(self.uncosted_revenue),
            ..*self
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) day: Day,
    /// Index into [`Sales::currencies`].
    pub(super) currency: u16,
    pub(super) figures: Figures,
}

impl Entry {
    pub(super) fn key(&self) -> (Day, u16) {
        (self.day, self.currency)
    }
}

/// A member's day entries, sorted by (day, currency).
pub(super) type Series = Vec<Entry>;

/// The figures of `day` in `currency` in `series`, made if missing. An
/// entry for the newest day is found or appended at once; an older one is
/// found by binary search and, if new, inserted at its place.
pub(super) fn entry_mut(series: &mut Series, day: Day, currency: u16) -> &mut Figures {
    let key = (day, currency);
    let place = match series.last().map(Entry::key) {
        None => 0,
        Some(last) if last < key => series.len(),
        Some(_) => match series.binary_search_by(|entry| entry.key().cmp(&key)) {
            Ok(found) => return &mut series[found].figures,
            Err(place) => place,
        },
    };
    series.insert(
        place,
        Entry {
            day,
            currency,
            figures: Figures::default(),
        },
    );
    &mut series[place].figures
}

/// A member's series, one per branch (by its number in the branches'
/// table) that booked anything on it, in the order first booked. Most
/// members (a customer, a manager) live in one branch; a product sold by
/// several has a series in each, so a report of one branch reads only
/// its own and the company's report sums them.
pub(super) type BranchSeries = Vec<(u32, Series)>;

/// The members of one dimension, numbered in the order they were first
/// seen, each with its series per branch.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "K: Serialize",
    deserialize = "K: Deserialize<'de> + Eq + Hash"
))]
pub(super) struct Members<K: Eq + Hash> {
    pub(super) keys: Vec<K>,
    pub(super) series: Vec<BranchSeries>,
    /// Key → number; rebuilt from `keys` after a restore.
    #[serde(skip)]
    pub(super) index: FxHashMap<K, u32>,
}

impl<K: Eq + Hash> Default for Members<K> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            series: Vec::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<K: Eq + Hash + Clone> Members<K> {
    pub(super) fn number(&mut self, key: &K) -> u32 {
        if let Some(number) = self.index.get(key) {
            return *number;
        }
        // Four billion members of one dimension would exhaust memory first.
        let number = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(key.clone());
        self.series.push(BranchSeries::new());
        self.index.insert(key.clone(), number);
        number
    }

    /// The series of member `number` in branch `branch`, made if missing.
    pub(super) fn series_mut(&mut self, number: u32, branch: u32) -> Option<&mut Series> {
        let per_branch = self.series.get_mut(number as usize)?;
        let place = match per_branch.iter().position(|(of, _)| *of == branch) {
            Some(place) => place,
            None => {
                per_branch.push((branch, Series::new()));
                per_branch.len() - 1
            }
        };
        per_branch.get_mut(place).map(|(_, series)| series)
    }

    pub(super) fn key(&self, number: u32) -> Option<&K> {
        self.keys.get(number as usize)
    }

    pub(super) fn reindex(&mut self) {
        self.index = self
            .keys
            .iter()
            .enumerate()
            .map(|(number, key)| (key.clone(), u32::try_from(number).unwrap_or(u32::MAX)))
            .collect();
    }
}
