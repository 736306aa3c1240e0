//! Suppliers' offers per product, as the `sourcing` streams record them:
//! what replenishment orders from whom, at what price, in what packs.

use std::collections::BTreeMap;

use domain::ids::{PartyId, ProductId};
use domain::sourcing::{OfferState, SourcingEvent, offer_state};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A product's offers and its preferred supplier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOffers {
    pub offers: BTreeMap<PartyId, OfferState>,
    pub preferred: Option<PartyId>,
}

impl ProductOffers {
    /// Whom to order from: the preferred supplier, else the one with the
    /// shortest lead time (the lowest price, then the lowest id, on a tie).
    pub fn chosen(&self) -> Option<(PartyId, &OfferState)> {
        if let Some(preferred) = self.preferred
            && let Some(offer) = self.offers.get(&preferred)
        {
            return Some((preferred, offer));
        }
        self.offers
            .iter()
            .min_by(|a, b| {
                (a.1.lead_time_days, a.1.price, a.0).cmp(&(b.1.lead_time_days, b.1.price, b.0))
            })
            .map(|(supplier, offer)| (*supplier, offer))
    }
}

/// Every product's offers.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Offers {
    by_product: FxHashMap<ProductId, ProductOffers>,
}

impl Offers {
    pub fn apply(&mut self, product: ProductId, event: &SourcingEvent) {
        let offers = self.by_product.entry(product).or_default();
        match event {
            SourcingEvent::OfferSet(set) => {
                offers.offers.insert(set.supplier, offer_state(set));
            }
            SourcingEvent::OfferWithdrawn(withdrawn) => {
                offers.offers.remove(&withdrawn.supplier);
            }
            SourcingEvent::PreferredSet(set) => offers.preferred = set.supplier,
        }
    }

    pub fn of(&self, product: ProductId) -> Option<&ProductOffers> {
        self.by_product.get(&product)
    }
}
