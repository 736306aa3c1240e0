//! Suppliers' offers and the preferred supplier as given / when / then.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn offer(supplier: u128, price: &str) -> Offer {
    Offer {
        supplier: id(supplier),
        supplier_code: Some(Label::parse("code", "B-40").unwrap()),
        currency: eur(),
        price: UnitPrice::parse("price", dec(price)).unwrap(),
        minimum_quantity: Some(Quantity::parse("minimum", dec("100")).unwrap()),
        pack_size: Some(Quantity::parse("pack", dec("25")).unwrap()),
        lead_time_days: 10,
    }
}

fn offered(supplier: u128, price: &str) -> SourcingEvent {
    SourcingEvent::OfferSet(SupplierOfferSet {
        supplier: id(supplier),
        supplier_code: Some("B-40".into()),
        currency: eur(),
        price: dec(price),
        minimum_quantity: Some(dec("100")),
        pack_size: Some(dec("25")),
        lead_time_days: 10,
    })
}

fn preferred(supplier: Option<u128>) -> SourcingEvent {
    SourcingEvent::PreferredSet(PreferredSupplierSet {
        supplier: supplier.map(id),
    })
}

#[test]
fn an_offer_is_set_changed_and_repeated_harmlessly() {
    given::<Sourcing>([])
        .when(issue(SourcingCommand::SetOffer(offer(1, "0.42"))))
        .then(vec![offered(1, "0.42")]);
    given::<Sourcing>([offered(1, "0.42")])
        .when(issue(SourcingCommand::SetOffer(offer(1, "0.42"))))
        .then_nothing();
    given::<Sourcing>([offered(1, "0.42")])
        .when(issue(SourcingCommand::SetOffer(offer(1, "0.40"))))
        .then(vec![offered(1, "0.40")]);
    let mut slow = offer(1, "0.42");
    slow.lead_time_days = LEAD_TIME_DAYS_MAX + 1;
    given::<Sourcing>([])
        .when(issue(SourcingCommand::SetOffer(slow)))
        .then_invalid("lead_time_days");
}

#[test]
fn only_a_supplier_with_an_offer_is_preferred() {
    given::<Sourcing>([offered(1, "0.42")])
        .when(issue(SourcingCommand::Prefer {
            supplier: Some(id(2)),
        }))
        .then_rejected("sourcing.no_offer");
    given::<Sourcing>([offered(1, "0.42")])
        .when(issue(SourcingCommand::Prefer {
            supplier: Some(id(1)),
        }))
        .then(vec![preferred(Some(1))]);
    given::<Sourcing>([offered(1, "0.42"), preferred(Some(1))])
        .when(issue(SourcingCommand::Prefer { supplier: None }))
        .then(vec![preferred(None)]);
}

/// Protects the preference: it never points at a supplier without an
/// offer, even after the offer is withdrawn.
#[test]
fn withdrawing_the_preferred_offer_clears_the_preference() {
    given::<Sourcing>([offered(1, "0.42"), offered(2, "0.45"), preferred(Some(1))])
        .when(issue(SourcingCommand::WithdrawOffer { supplier: id(1) }))
        .then(vec![
            SourcingEvent::OfferWithdrawn(SupplierOfferWithdrawn { supplier: id(1) }),
            preferred(None),
        ]);
    given::<Sourcing>([offered(1, "0.42"), offered(2, "0.45"), preferred(Some(1))])
        .when(issue(SourcingCommand::WithdrawOffer { supplier: id(2) }))
        .then(vec![SourcingEvent::OfferWithdrawn(
            SupplierOfferWithdrawn { supplier: id(2) },
        )]);
    given::<Sourcing>([])
        .when(issue(SourcingCommand::WithdrawOffer { supplier: id(2) }))
        .then_nothing();
}

#[test]
fn too_many_suppliers_are_refused() {
    let offers: Vec<SourcingEvent> = (0..OFFERS_PER_PRODUCT_MAX as u128)
        .map(|supplier| offered(100 + supplier, "1"))
        .collect();
    given::<Sourcing>(offers.clone())
        .when(issue(SourcingCommand::SetOffer(offer(1, "1"))))
        .then_rejected("sourcing.too_many_offers");
    // A supplier already offering may still change its offer.
    given::<Sourcing>(offers)
        .when(issue(SourcingCommand::SetOffer(offer(100, "2"))))
        .then(vec![offered(100, "2")]);
}

/// 130 wanted, at least 100 in packs of 25: 150.
#[test]
fn an_order_quantity_respects_the_minimum_and_whole_packs() {
    let state = offer_state(match &offered(1, "1") {
        SourcingEvent::OfferSet(set) => set,
        _ => unreachable!(),
    });
    assert_eq!(state.order_quantity(dec("130")), dec("150"));
    assert_eq!(state.order_quantity(dec("3")), dec("100"));
    assert_eq!(state.order_quantity(dec("150")), dec("150"));
}

/// The preferred supplier wins; without one, the quickest, then the
/// cheapest.
#[test]
fn replenishment_orders_from_the_preferred_else_the_quickest_supplier() {
    let state = Sourcing::replay(&[
        offered(1, "0.42"),
        SourcingEvent::OfferSet(SupplierOfferSet {
            supplier: id(2),
            supplier_code: None,
            currency: eur(),
            price: dec("0.50"),
            minimum_quantity: None,
            pack_size: None,
            lead_time_days: 3,
        }),
        offered(3, "0.40"),
    ]);
    assert_eq!(state.chosen().map(|(supplier, _)| supplier), Some(id(2)));
    let state = Sourcing::evolve(state, &preferred(Some(1)));
    assert_eq!(state.chosen().map(|(supplier, _)| supplier), Some(id(1)));
    assert_eq!(SourcingState::default().chosen(), None);
}

proptest! {
    /// Protects what is ordered: never less than needed or than the
    /// minimum, always whole packs, and less than a pack more than that.
    #[test]
    fn order_quantities_are_whole_packs_covering_the_need(
        need in 0u32..100_000,
        minimum in prop::option::of(1u32..500),
        pack in prop::option::of(1u32..144),
    ) {
        let state = OfferState {
            supplier_code: None,
            currency: eur(),
            price: Decimal::ONE,
            minimum_quantity: minimum.map(Decimal::from),
            pack_size: pack.map(Decimal::from),
            lead_time_days: 1,
        };
        let need = Decimal::from(need);
        let quantity = state.order_quantity(need);
        let floor = need.max(minimum.map(Decimal::from).unwrap_or_default());
        prop_assert!(quantity >= floor);
        if let Some(pack) = pack.map(Decimal::from) {
            prop_assert!((quantity % pack).is_zero());
            prop_assert!(quantity - floor < pack);
        } else {
            prop_assert_eq!(quantity, floor);
        }
    }
}
