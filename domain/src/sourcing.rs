//! Where a product is bought: each supplier's offer for it (their own
//! code, price in their currency, minimum quantity, pack size, lead time)
//! and the preferred supplier.
//!
//! A product's offers are one stream (`sourcing-<product>`), so the
//! preferred supplier is always one with an offer: preferring a supplier
//! without one is refused, and withdrawing the preferred supplier's offer
//! clears the preference in the same append.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{Quantity, UnitPrice};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::PartyId;
use crate::values::{Currency, Label};

/// Most suppliers with an offer for one product.
pub const OFFERS_PER_PRODUCT_MAX: usize = 50;
/// The longest lead time accepted, in days.
pub const LEAD_TIME_DAYS_MAX: u16 = 365;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierOfferSet {
    pub supplier: PartyId,
    /// The supplier's own code for the product.
    pub supplier_code: Option<String>,
    pub currency: Currency,
    pub price: Decimal,
    /// The least the supplier sells at once.
    pub minimum_quantity: Option<Decimal>,
    /// The supplier sells whole packs of this many.
    pub pack_size: Option<Decimal>,
    /// Days from ordering to the goods arriving.
    pub lead_time_days: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierOfferWithdrawn {
    pub supplier: PartyId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferredSupplierSet {
    /// `None`: no preference any more.
    pub supplier: Option<PartyId>,
}

domain_events! {
    /// Everything that can happen to where a product is bought.
    pub enum SourcingEvent in "sourcing" {
        OfferSet(SupplierOfferSet) = "SupplierOfferSet" v 1,
        OfferWithdrawn(SupplierOfferWithdrawn) = "SupplierOfferWithdrawn" v 1,
        PreferredSet(PreferredSupplierSet) = "PreferredSupplierSet" v 1,
    }
}

/// A supplier's offer as a command gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub supplier: PartyId,
    pub supplier_code: Option<Label>,
    pub currency: Currency,
    pub price: UnitPrice,
    pub minimum_quantity: Option<Quantity>,
    pub pack_size: Option<Quantity>,
    pub lead_time_days: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SourcingCommand {
    SetOffer(Offer),
    WithdrawOffer {
        supplier: PartyId,
    },
    /// `None` clears the preference.
    Prefer {
        supplier: Option<PartyId>,
    },
}

/// One supplier's standing offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferState {
    pub supplier_code: Option<String>,
    pub currency: Currency,
    pub price: Decimal,
    pub minimum_quantity: Option<Decimal>,
    pub pack_size: Option<Decimal>,
    pub lead_time_days: u16,
}

impl OfferState {
    /// What to order to get at least `need`: at least the minimum, in
    /// whole packs.
    pub fn order_quantity(&self, need: Decimal) -> Decimal {
        let mut quantity = need.max(self.minimum_quantity.unwrap_or_default());
        if let Some(pack) = self.pack_size.filter(|pack| *pack > Decimal::ZERO) {
            quantity = (quantity / pack).ceil() * pack;
        }
        quantity
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcingState {
    pub offers: BTreeMap<PartyId, OfferState>,
    pub preferred: Option<PartyId>,
}

impl SourcingState {
    /// Whom to order from: the preferred supplier, else the one with the
    /// shortest lead time (the lowest price, then the lowest id, on a
    /// tie).
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

#[derive(Debug)]
pub struct Sourcing;

impl Decider for Sourcing {
    type State = SourcingState;
    type Command = Issued<SourcingCommand>;
    type Event = SourcingEvent;
    type Error = DomainError;

    fn decide(
        state: &SourcingState,
        issued: &Self::Command,
    ) -> Result<Vec<SourcingEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            SourcingCommand::SetOffer(offer) => {
                if offer.lead_time_days > LEAD_TIME_DAYS_MAX {
                    return Err(DomainError::invalid(
                        "lead_time_days",
                        format!("at most {LEAD_TIME_DAYS_MAX} days"),
                    ));
                }
                if !state.offers.contains_key(&offer.supplier)
                    && state.offers.len() >= OFFERS_PER_PRODUCT_MAX
                {
                    return Err(DomainError::rejected(
                        "sourcing.too_many_offers",
                        format!("a product has at most {OFFERS_PER_PRODUCT_MAX} suppliers' offers"),
                    ));
                }
                let event = SupplierOfferSet {
                    supplier: offer.supplier,
                    supplier_code: offer
                        .supplier_code
                        .as_ref()
                        .map(|code| code.as_str().to_owned()),
                    currency: offer.currency,
                    price: offer.price.value(),
                    minimum_quantity: offer.minimum_quantity.map(Quantity::value),
                    pack_size: offer.pack_size.map(Quantity::value),
                    lead_time_days: offer.lead_time_days,
                };
                let unchanged = state.offers.get(&offer.supplier) == Some(&offer_state(&event));
                Ok(crate::unless_unchanged(unchanged, || {
                    SourcingEvent::OfferSet(event)
                }))
            }
            SourcingCommand::WithdrawOffer { supplier } => {
                if !state.offers.contains_key(supplier) {
                    return Ok(Vec::new());
                }
                let mut events = vec![SourcingEvent::OfferWithdrawn(SupplierOfferWithdrawn {
                    supplier: *supplier,
                })];
                if state.preferred == Some(*supplier) {
                    events.push(SourcingEvent::PreferredSet(PreferredSupplierSet {
                        supplier: None,
                    }));
                }
                Ok(events)
            }
            SourcingCommand::Prefer { supplier } => {
                if let Some(supplier) = supplier
                    && !state.offers.contains_key(supplier)
                {
                    return Err(DomainError::rejected(
                        "sourcing.no_offer",
                        "only a supplier with an offer for this product can be preferred",
                    ));
                }
                Ok(crate::unless_unchanged(
                    state.preferred == *supplier,
                    || {
                        SourcingEvent::PreferredSet(PreferredSupplierSet {
                            supplier: *supplier,
                        })
                    },
                ))
            }
        }
    }

    fn evolve(mut state: SourcingState, event: &SourcingEvent) -> SourcingState {
        match event {
            SourcingEvent::OfferSet(set) => {
                state.offers.insert(set.supplier, offer_state(set));
            }
            SourcingEvent::OfferWithdrawn(withdrawn) => {
                state.offers.remove(&withdrawn.supplier);
            }
            SourcingEvent::PreferredSet(set) => state.preferred = set.supplier,
        }
        state
    }
}

/// An offer as its event records it.
pub fn offer_state(set: &SupplierOfferSet) -> OfferState {
    OfferState {
        supplier_code: set.supplier_code.clone(),
        currency: set.currency,
        price: set.price,
        minimum_quantity: set.minimum_quantity,
        pack_size: set.pack_size,
        lead_time_days: set.lead_time_days,
    }
}

#[cfg(test)]
mod tests;
