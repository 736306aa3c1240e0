//! Price resolution: what one unit of a product costs a customer, from a
//! price list.
//!
//! The rules, in order (each has a test in `catalog/tests.rs`):
//! 1. A discontinued product has no price.
//! 2. The most specific price wins: one set for the party, else the best
//!    (lowest) of those set for the party's segments, else the one for
//!    everyone.
//! 3. Within a scope, the quantity break with the largest minimum that the
//!    quantity reaches applies.
//! 4. Special prices (party or segment) are net: no discount on top. A
//!    list price (for everyone) takes the most specific standing discount:
//!    the party's for this product, the party's for all products, the best
//!    of its segments' for this product, then for all products, then
//!    everyone's for this product, then for all products.
//! 5. An amount discount never takes a price below zero; the result is
//!    rounded half away from zero to four decimals.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Discount, PriceListState, PriceScope, ProductState, Quantity};
use crate::error::DomainError;
use crate::ids::{PartyId, ProductId};
use crate::values::{Currency, MONEY_SCALE_MAX};

/// What is being priced, for whom.
#[derive(Clone, Debug)]
pub struct PriceRequest<'a> {
    pub product: ProductId,
    pub party: Option<PartyId>,
    /// The party's tags (lower-case), which are its segments.
    pub segments: &'a [String],
    pub quantity: Quantity,
}

/// Where the list price came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceSource {
    pub scope: PriceScope,
    /// The quantity break that applied.
    pub min_quantity: Decimal,
}

/// The standing discount that applied, and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedDiscount {
    pub discount: Discount,
    pub scope: PriceScope,
    /// `None`: a discount on every product.
    pub product: Option<ProductId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPrice {
    pub currency: Currency,
    /// The price before any discount.
    pub list_price: Decimal,
    pub source: PriceSource,
    pub discount: Option<AppliedDiscount>,
    /// What one unit costs: the list price less the discount.
    pub unit_price: Decimal,
    pub vat_percent: Decimal,
    pub prices_include_vat: bool,
}

/// The price of one unit of `product` for the request, from `list`.
pub fn resolve_price(
    list: &PriceListState,
    product: &ProductState,
    request: &PriceRequest<'_>,
) -> Result<ResolvedPrice, DomainError> {
    if product.discontinued {
        return Err(DomainError::rejected(
            "product.discontinued",
            "this product is discontinued and has no price",
        ));
    }
    let currency = list
        .currency
        .ok_or_else(|| DomainError::not_found("price list"))?;
    let quantity = request.quantity.value();
    let tier = |scope: &PriceScope| -> Option<(Decimal, Decimal)> {
        let low = (request.product, scope.clone(), Decimal::ZERO);
        let high = (request.product, scope.clone(), quantity);
        list.prices
            .range(low..=high)
            .next_back()
            .map(|((_, _, min_quantity), price)| (*min_quantity, *price))
    };
    let party_price = request.party.and_then(|party| {
        tier(&PriceScope::Party(party)).map(|found| (PriceScope::Party(party), found))
    });
    let segment_price = || {
        request
            .segments
            .iter()
            .filter_map(|segment| {
                let scope = PriceScope::Segment(segment.clone());
                tier(&scope).map(|found| (scope, found))
            })
            .min_by(|(a_scope, (_, a)), (b_scope, (_, b))| a.cmp(b).then(a_scope.cmp(b_scope)))
    };
    let everyone_price = || tier(&PriceScope::Everyone).map(|found| (PriceScope::Everyone, found));
    let (scope, (min_quantity, list_price)) = party_price
        .or_else(segment_price)
        .or_else(everyone_price)
        .ok_or_else(|| {
            DomainError::rejected(
                "price.not_listed",
                format!(
                    "this price list has no price for product {}",
                    request.product
                ),
            )
        })?;
    let discount = if scope == PriceScope::Everyone {
        best_discount(list, request, list_price)
    } else {
        None
    };
    let unit_price = match &discount {
        Some(applied) => discounted(list_price, applied.discount),
        None => list_price,
    }
    .round_dp_with_strategy(MONEY_SCALE_MAX, RoundingStrategy::MidpointAwayFromZero);
    Ok(ResolvedPrice {
        currency,
        list_price,
        source: PriceSource {
            scope,
            min_quantity,
        },
        discount,
        unit_price,
        vat_percent: product.vat_percent,
        prices_include_vat: list.prices_include_vat,
    })
}

fn discounted(price: Decimal, discount: Discount) -> Decimal {
    match discount {
        Discount::Percent(percent) => {
            price.saturating_mul(Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED
        }
        Discount::Amount(amount) => (price - amount).max(Decimal::ZERO),
    }
}

/// The most specific standing discount for the request; among segments,
/// the one that leaves the lowest price.
fn best_discount(
    list: &PriceListState,
    request: &PriceRequest<'_>,
    price: Decimal,
) -> Option<AppliedDiscount> {
    let find = |scope: PriceScope, product: Option<ProductId>| {
        list.discounts
            .get(&(scope.clone(), product))
            .map(|discount| AppliedDiscount {
                discount: *discount,
                scope,
                product,
            })
    };
    let best_segment = |product: Option<ProductId>| {
        request
            .segments
            .iter()
            .filter_map(|segment| find(PriceScope::Segment(segment.clone()), product))
            .min_by(|a, b| {
                discounted(price, a.discount)
                    .cmp(&discounted(price, b.discount))
                    .then(a.scope.cmp(&b.scope))
            })
    };
    let product = Some(request.product);
    request
        .party
        .and_then(|party| {
            find(PriceScope::Party(party), product).or_else(|| find(PriceScope::Party(party), None))
        })
        .or_else(|| best_segment(product))
        .or_else(|| best_segment(None))
        .or_else(|| find(PriceScope::Everyone, product))
        .or_else(|| find(PriceScope::Everyone, None))
}
