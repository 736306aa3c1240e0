//! Suppliers' offers per product, as the `sourcing` streams record them
//! (folded with the domain's own `Sourcing::evolve`): what replenishment
//! orders from whom, at what price, in what packs.

use domain::Decider;
use domain::ids::ProductId;
use domain::sourcing::{Sourcing, SourcingEvent, SourcingState};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A product's offers and its preferred supplier.
pub type ProductOffers = SourcingState;

/// Every product's offers.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Offers {
    by_product: FxHashMap<ProductId, ProductOffers>,
}

impl Offers {
    pub fn apply(&mut self, product: ProductId, event: &SourcingEvent) {
        let offers = self.by_product.entry(product).or_default();
        *offers = Sourcing::evolve(std::mem::take(offers), event);
    }

    pub fn of(&self, product: ProductId) -> Option<&ProductOffers> {
        self.by_product.get(&product)
    }
}
