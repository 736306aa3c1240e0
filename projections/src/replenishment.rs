//! Replenishment suggestions: per product and warehouse, what to order,
//! how much and from whom, read from the stock and purchases models.
//!
//! The rule, for each (product, warehouse) of a stock-tracked product
//! that is not discontinued, in an open warehouse:
//!
//! - the daily rate is the units issued (sold, written off, used in production) over the last
//!   `window_days` days, divided by `window_days`;
//! - the lead time is that of the supplier replenishment orders from
//!   (the preferred one, else the quickest: `ProductOffers::chosen`), or
//!   `default_lead_time_days` without any offer;
//! - the position is available stock (on hand less reservations) plus
//!   what open purchase orders still await;
//! - the reorder point is the reorder level (zero without one) plus the
//!   rate × the lead time: what is left when new goods arrive if ordered
//!   now. A position below it is suggested;
//! - the quantity brings the position up to the reorder point plus the
//!   rate × `review_days` (until the next look), rounded up to whole
//!   units, then to the supplier's minimum and whole packs.
//!
//! A line with no reorder level, nothing issued and a position of zero or
//! more needs nothing.
//!
//! A product the company makes (it has an active bill of materials) is
//! left to material requirements ([`crate::requirements`]) unless a
//! supplier offers it too: [`leave_made`].

use chrono::{DateTime, Duration, Utc};
use domain::catalog::ProductKind;
use domain::ids::{PartyId, ProductId, WarehouseId};
use domain::values::Currency;
use rust_decimal::Decimal;

use crate::models::production::Production;
use crate::models::purchases::Purchases;
use crate::models::stock::StockLevels;

/// The rule's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplenishmentPolicy {
    /// Days of issues the daily rate is measured over.
    pub window_days: u32,
    /// Days an order should last beyond its arrival.
    pub review_days: u32,
    /// The lead time assumed for a product no supplier offers.
    pub default_lead_time_days: u16,
}

impl Default for ReplenishmentPolicy {
    fn default() -> Self {
        Self {
            window_days: 28,
            review_days: 14,
            default_lead_time_days: 7,
        }
    }
}

/// What to order of one product for one warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    /// Whom to order from: `None` when no supplier offers the product.
    pub supplier: Option<PartyId>,
    pub currency: Option<Currency>,
    pub unit_price: Option<Decimal>,
    pub available: Decimal,
    pub on_order: Decimal,
    pub reorder_level: Option<Decimal>,
    /// Units issued per day over the window.
    pub daily_rate: Decimal,
    pub lead_time_days: u16,
    pub quantity: Decimal,
}

/// Every suggestion as of `now`, ordered by supplier (those without one
/// last), then product and warehouse.
pub fn suggest(
    stock: &StockLevels,
    purchases: &Purchases,
    now: DateTime<Utc>,
    policy: ReplenishmentPolicy,
) -> Vec<Suggestion> {
    let window = Decimal::from(policy.window_days.max(1));
    let since = now - Duration::days(i64::from(policy.window_days.max(1)));
    let mut suggestions: Vec<Suggestion> = stock
        .demand_lines(since)
        .filter(|line| {
            stock
                .product_info(line.product)
                .is_some_and(|info| info.kind == ProductKind::StockTracked && !info.discontinued)
                && stock
                    .warehouse_info(line.warehouse)
                    .is_some_and(|info| !info.closed)
        })
        .filter_map(|line| {
            let offers = purchases.offers(line.product);
            let chosen = offers.and_then(|offers| offers.chosen());
            let lead_time_days = chosen.map_or(policy.default_lead_time_days, |(_, offer)| {
                offer.lead_time_days
            });
            let daily_rate = line.issued / window;
            let on_order = purchases.on_order(line.product, line.warehouse);
            let position = line.available.saturating_add(on_order);
            let safety = line.reorder_level.unwrap_or_default();
            let reorder_point = safety + daily_rate * Decimal::from(lead_time_days);
            if position >= reorder_point {
                return None;
            }
            let target = reorder_point + daily_rate * Decimal::from(policy.review_days);
            let need = (target - position).ceil();
            let quantity = chosen.map_or(need, |(_, offer)| offer.order_quantity(need));
            if quantity <= Decimal::ZERO {
                return None;
            }
            Some(Suggestion {
                product: line.product,
                warehouse: line.warehouse,
                supplier: chosen.map(|(supplier, _)| supplier),
                currency: chosen.map(|(_, offer)| offer.currency),
                unit_price: chosen.map(|(_, offer)| offer.price),
                available: line.available,
                on_order,
                reorder_level: line.reorder_level,
                daily_rate: daily_rate.round_dp(4),
                lead_time_days,
                quantity,
            })
        })
        .collect();
    suggestions.sort_by(|a, b| {
        (a.supplier.is_none(), a.supplier, a.product, a.warehouse).cmp(&(
            b.supplier.is_none(),
            b.supplier,
            b.product,
            b.warehouse,
        ))
    });
    suggestions
}

/// Drops the suggestions of products the company makes (an active bill)
/// and no supplier offers: those are planned by material requirements,
/// not bought. The production model is read on its own, after the
/// others, never while holding them.
pub fn leave_made(suggestions: &mut Vec<Suggestion>, production: &Production) {
    suggestions.retain(|suggestion| {
        suggestion.supplier.is_some()
            || production
                .bom(suggestion.product)
                .is_none_or(|bom| bom.active.is_none())
    });
}
