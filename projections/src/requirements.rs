//! Material requirements: for a set of open sales orders (or all of
//! them), what to produce and what to buy, how much and by when, through
//! every level of the bills of materials, netted against stock,
//! reservations, open purchase orders and open production orders.
//!
//! Per (product, warehouse), taken level by level (a product's level is
//! the deepest place it has in any bill reached, so all its demand is
//! added up before it is netted):
//!
//! - **gross** is what the chosen orders' lines still have to ship less
//!   what their reservations already hold, plus what open production
//!   orders' components still need less what their reservations hold,
//!   plus what the levels above plan to make of it;
//! - **supply** is the available stock (on hand less every reservation,
//!   never below zero), what open purchase orders still await and what
//!   open production orders will still make;
//! - **net** = gross − supply, when more than zero. A product with an
//!   active bill is to be produced (its components' needs go one level
//!   down, `needed_for` the net, scrap included); any other is to be
//!   bought from the supplier replenishment would choose.
//!
//! "By when": a sales line is needed on the later of its order's
//! confirmation day and `today`; an action must start its lead time (the
//! bill's, or the supplier's) before its need, and a component is needed
//! when its parent starts. An action whose start lies before `today` is
//! late.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use domain::ids::{OrderId, PartyId, ProductId, WarehouseId};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::models::production::Production;
use crate::models::purchases::Purchases;
use crate::models::stock::StockLevels;

/// Deepest level of bills followed: the application refuses deeper
/// nesting, so this only bounds a walk over damaged data.
pub const LEVELS_MAX: usize = 32;

/// Which sales orders' demand to plan for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Every confirmed order with goods still to ship.
    #[default]
    AllOpen,
    Orders(BTreeSet<OrderId>),
}

/// Make it or buy it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Produce,
    /// From the supplier replenishment would choose; `None` when no
    /// supplier offers the product.
    Buy {
        supplier: Option<PartyId>,
    },
}

/// One line of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    /// 0 for what is sold, 1 for its components, and so on.
    pub level: usize,
    pub action: Action,
    pub gross: Decimal,
    pub available: Decimal,
    pub on_order: Decimal,
    pub in_production: Decimal,
    /// What to make or buy.
    pub net: Decimal,
    pub need_on: NaiveDate,
    /// When to start making it or to order it.
    pub start_by: NaiveDate,
    pub late: bool,
}

#[derive(Clone, Copy, Debug)]
struct Need {
    quantity: Decimal,
    on: NaiveDate,
}

impl Need {
    fn add(&mut self, quantity: Decimal, on: NaiveDate) {
        self.quantity = self.quantity.saturating_add(quantity);
        self.on = self.on.min(on);
    }
}

/// The requirements of `selection` as the models stand, on `today`;
/// ordered by level, then product and warehouse.
pub fn plan(
    production: &Production,
    stock: &StockLevels,
    purchases: &Purchases,
    selection: &Selection,
    today: NaiveDate,
) -> Vec<Requirement> {
    let mut needs: FxHashMap<(ProductId, WarehouseId), Need> = FxHashMap::default();
    let mut add = |key, quantity: Decimal, on| {
        if quantity > Decimal::ZERO {
            needs
                .entry(key)
                .or_insert(Need {
                    quantity: Decimal::ZERO,
                    on,
                })
                .add(quantity, on);
        }
    };
    for (order, sale) in production.open_sales() {
        if let Selection::Orders(chosen) = selection
            && !chosen.contains(&order)
        {
            continue;
        }
        let on = sale.confirmed_on.max(today);
        for line in &sale.lines {
            let held = line.reservation.map_or(Decimal::ZERO, |reservation| {
                stock.held_by(line.product, sale.warehouse, reservation)
            });
            add((line.product, sale.warehouse), line.outstanding - held, on);
        }
    }
    for (_, order) in production.orders() {
        if !order.status.open() {
            continue;
        }
        let on = order.due_on.max(today);
        for (planned, consumed) in order.components.iter().zip(&order.consumed) {
            let product = planned.component.product;
            let held = stock.held_by(product, order.warehouse, planned.reservation);
            add(
                (product, order.warehouse),
                planned.required - *consumed - held,
                on,
            );
        }
    }
    let levels = levels(production, needs.keys().map(|(product, _)| *product));
    let mut by_level: BTreeMap<usize, BTreeSet<(ProductId, WarehouseId)>> = BTreeMap::new();
    for key in needs.keys() {
        by_level
            .entry(levels.get(&key.0).copied().unwrap_or(0))
            .or_default()
            .insert(*key);
    }
    let mut plan = Vec::new();
    while let Some((level, keys)) = by_level.pop_first() {
        for key in keys {
            let Some(need) = needs.remove(&key) else {
                continue;
            };
            let (product, warehouse) = key;
            let available = stock.available(product, warehouse).max(Decimal::ZERO);
            let on_order = purchases.on_order(product, warehouse);
            let in_production = production.in_production(product, warehouse);
            let supply = available + on_order + in_production;
            let net = need.quantity - supply;
            if net <= Decimal::ZERO {
                continue;
            }
            let active = production
                .bom(product)
                .and_then(|bom| bom.active_version())
                .map(|(_, version)| version);
            let (action, lead_days) = match active {
                Some(version) => (Action::Produce, version.lead_days),
                None => {
                    let chosen = purchases.offers(product).and_then(|offers| offers.chosen());
                    (
                        Action::Buy {
                            supplier: chosen.map(|(supplier, _)| supplier),
                        },
                        chosen.map_or(0, |(_, offer)| u32::from(offer.lead_time_days)),
                    )
                }
            };
            let start_by = need.on - Duration::days(i64::from(lead_days));
            if let Some(version) = active
                && level < LEVELS_MAX
            {
                for component in &version.components {
                    let child = (component.product, warehouse);
                    let needed = component.needed_for(net);
                    if needed <= Decimal::ZERO {
                        continue;
                    }
                    needs
                        .entry(child)
                        .or_insert(Need {
                            quantity: Decimal::ZERO,
                            on: start_by,
                        })
                        .add(needed, start_by);
                    let child_level = levels
                        .get(&component.product)
                        .copied()
                        .unwrap_or(level + 1)
                        .max(level + 1);
                    by_level.entry(child_level).or_default().insert(child);
                }
            }
            plan.push(Requirement {
                product,
                warehouse,
                level,
                action,
                gross: need.quantity,
                available,
                on_order,
                in_production,
                net,
                need_on: need.on,
                start_by,
                late: start_by < today,
            });
        }
    }
    plan
}

/// Each product's low-level code: the deepest level it is reached at
/// from `roots` through the active bills.
fn levels(
    production: &Production,
    roots: impl Iterator<Item = ProductId>,
) -> FxHashMap<ProductId, usize> {
    let mut levels: FxHashMap<ProductId, usize> = FxHashMap::default();
    let mut queue: Vec<(ProductId, usize)> = roots.map(|product| (product, 0)).collect();
    while let Some((product, level)) = queue.pop() {
        match levels.get(&product) {
            Some(known) if *known >= level => continue,
            _ => {
                levels.insert(product, level);
            }
        }
        if level >= LEVELS_MAX {
            continue;
        }
        if let Some((_, version)) = production.bom(product).and_then(|bom| bom.active_version()) {
            for component in &version.components {
                queue.push((component.product, level + 1));
            }
        }
    }
    levels
}
