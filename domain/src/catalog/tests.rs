//! Catalog rules as given / when / then, and every precedence rule of
//! price resolution.

use std::str::FromStr;

use super::*;
use crate::DomainEvent;
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn defined() -> ProductEvent {
    ProductEvent::Defined(ProductDefined {
        sku: "DRILL-18V".into(),
        name: "Cordless drill".into(),
        unit: "pcs".into(),
        category: Some("Tools".into()),
        barcode: None,
        kind: ProductKind::StockTracked,
        vat_percent: dec("20"),
    })
}

fn define_command() -> ProductCommand {
    ProductCommand::Define(DefineProduct {
        sku: Sku::parse("sku", " drill-18v ").unwrap(),
        name: Label::parse("name", "Cordless drill").unwrap(),
        unit: Unit::parse("unit", "pcs").unwrap(),
        category: Label::parse_optional("category", Some("Tools")).unwrap(),
        barcode: None,
        kind: ProductKind::StockTracked,
        vat: VatRate::parse("vat", dec("20")).unwrap(),
    })
}

/// Protects product definitions: the SKU is normalized upper-case.
#[test]
fn defining_a_product_records_it_with_a_normalized_sku() {
    given::<Product>([])
        .when(issue(define_command()))
        .then(vec![defined()]);
    given::<Product>([defined()])
        .when(issue(define_command()))
        .then_rejected("product.already_defined");
}

/// Protects catalog input: each value names its field when it is wrong.
#[test]
fn bad_catalog_values_name_their_field() {
    assert_eq!(
        Sku::parse("sku", "two words").unwrap_err().field(),
        Some("sku")
    );
    assert_eq!(Sku::parse("sku", "").unwrap_err().field(), Some("sku"));
    assert_eq!(
        Unit::parse("unit", "a very long unit name")
            .unwrap_err()
            .field(),
        Some("unit")
    );
    assert_eq!(
        VatRate::parse("vat", dec("101")).unwrap_err().field(),
        Some("vat")
    );
    assert_eq!(
        VatRate::parse("vat", dec("-1")).unwrap_err().field(),
        Some("vat")
    );
    assert_eq!(
        VatRate::parse("vat", dec("7.125")).unwrap_err().field(),
        Some("vat")
    );
    assert_eq!(
        Quantity::parse("quantity", Decimal::ZERO)
            .unwrap_err()
            .field(),
        Some("quantity")
    );
    assert!(Quantity::parse_break("min_quantity", Decimal::ZERO).is_ok());
    assert!(Quantity::parse("quantity", dec("0.00001")).is_err());
    assert!(UnitPrice::parse("unit_price", dec("-0.01")).is_err());
    assert!(Discount::percent("discount", dec("150")).is_err());
    assert!(Discount::amount("discount", dec("-5")).is_err());
}

/// Protects product changes: real changes are recorded, repeats are not.
#[test]
fn product_changes_are_recorded_once() {
    given::<Product>([defined()])
        .when(issue(ProductCommand::Rename(
            Label::parse("name", "Drill 18 V").unwrap(),
        )))
        .then(vec![ProductEvent::Renamed(ProductRenamed {
            name: "Drill 18 V".into(),
        })]);
    given::<Product>([defined()])
        .when(issue(ProductCommand::SetVatRate(
            VatRate::parse("vat", dec("20")).unwrap(),
        )))
        .then_nothing();
    given::<Product>([defined()])
        .when(issue(ProductCommand::Categorize(None)))
        .then(vec![ProductEvent::Categorized(ProductCategorized {
            category: None,
        })]);
    given::<Product>([])
        .when(issue(ProductCommand::Discontinue))
        .then_not_found();
    let allowed = ProductEvent::NegativeStockSet(ProductNegativeStockSet { allowed: true });
    given::<Product>([defined()])
        .when(issue(ProductCommand::AllowNegativeStock(true)))
        .then(vec![allowed.clone()]);
    given::<Product>([defined(), allowed])
        .when(issue(ProductCommand::AllowNegativeStock(true)))
        .then_nothing();
}

/// Protects the catalog from changes to discontinued products.
#[test]
fn a_discontinued_product_refuses_changes_until_reinstated() {
    let discontinued = ProductEvent::Discontinued(ProductDiscontinued {});
    given::<Product>([defined(), discontinued.clone()])
        .when(issue(ProductCommand::Rename(
            Label::parse("name", "X").unwrap(),
        )))
        .then_rejected("product.discontinued");
    given::<Product>([defined(), discontinued.clone()])
        .when(issue(ProductCommand::Discontinue))
        .then_nothing();
    given::<Product>([defined(), discontinued])
        .when(issue(ProductCommand::Reinstate))
        .then(vec![ProductEvent::Reinstated(ProductReinstated {})]);
    given::<Product>([defined()])
        .when(issue(ProductCommand::Reinstate))
        .then_nothing();
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn list_defined() -> PriceListEvent {
    PriceListEvent::Defined(PriceListDefined {
        name: "Wholesale".into(),
        currency: eur(),
        prices_include_vat: false,
    })
}

fn price(scope: PriceScope, min: &str, unit_price: &str) -> PriceListEvent {
    PriceListEvent::PriceSet(PriceSet {
        product: id(1),
        scope,
        min_quantity: dec(min),
        unit_price: dec(unit_price),
    })
}

fn discount(scope: PriceScope, product: Option<u128>, discount: Discount) -> PriceListEvent {
    PriceListEvent::DiscountSet(DiscountSet {
        scope,
        product: product.map(id),
        discount,
    })
}

fn set_price(scope: PriceScope, min: &str, unit_price: &str) -> PriceListCommand {
    PriceListCommand::SetPrice {
        product: id(1),
        scope,
        min_quantity: Quantity::parse_break("min_quantity", dec(min)).unwrap(),
        unit_price: UnitPrice::parse("unit_price", dec(unit_price)).unwrap(),
    }
}

/// Protects price list upkeep: set, repeat, change and remove.
#[test]
fn prices_are_set_changed_and_removed() {
    given::<PriceList>([list_defined()])
        .when(issue(set_price(PriceScope::Everyone, "0", "100")))
        .then(vec![price(PriceScope::Everyone, "0", "100")]);
    given::<PriceList>([list_defined(), price(PriceScope::Everyone, "0", "100")])
        .when(issue(set_price(PriceScope::Everyone, "0", "100")))
        .then_nothing();
    given::<PriceList>([list_defined(), price(PriceScope::Everyone, "0", "100")])
        .when(issue(PriceListCommand::RemovePrice {
            product: id(1),
            scope: PriceScope::Everyone,
            min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
        }))
        .then(vec![PriceListEvent::PriceRemoved(PriceRemoved {
            product: id(1),
            scope: PriceScope::Everyone,
            min_quantity: Decimal::ZERO,
        })]);
    given::<PriceList>([])
        .when(issue(set_price(PriceScope::Everyone, "0", "1")))
        .then_not_found();
    given::<PriceList>([list_defined()])
        .when(issue(PriceListCommand::Define {
            name: Label::parse("name", "Again").unwrap(),
            currency: eur(),
            prices_include_vat: true,
        }))
        .then_rejected("pricelist.already_defined");
}

/// Protects discounts: set once, removed, repeats change nothing.
#[test]
fn discounts_are_set_and_removed() {
    let ten = Discount::percent("discount", dec("10")).unwrap();
    given::<PriceList>([list_defined()])
        .when(issue(PriceListCommand::SetDiscount {
            scope: PriceScope::Everyone,
            product: None,
            discount: ten,
        }))
        .then(vec![discount(PriceScope::Everyone, None, ten)]);
    given::<PriceList>([list_defined(), discount(PriceScope::Everyone, None, ten)])
        .when(issue(PriceListCommand::RemoveDiscount {
            scope: PriceScope::Everyone,
            product: None,
        }))
        .then(vec![PriceListEvent::DiscountRemoved(DiscountRemoved {
            scope: PriceScope::Everyone,
            product: None,
        })]);
    given::<PriceList>([list_defined()])
        .when(issue(PriceListCommand::RemoveDiscount {
            scope: PriceScope::Everyone,
            product: None,
        }))
        .then_nothing();
}

// ------------------------------------------------------ price resolution

fn product_state() -> ProductState {
    Product::replay(&[defined()]).unwrap()
}

fn list(events: Vec<PriceListEvent>) -> PriceListState {
    let mut history = vec![list_defined()];
    history.extend(events);
    for event in &history {
        let decoded =
            PriceListEvent::decode(event.event_type(), event.schema_version(), &event.encode())
                .unwrap();
        assert_eq!(&decoded, event);
    }
    PriceList::replay(&history).unwrap()
}

fn party() -> PartyId {
    id(42)
}

fn resolve(
    list: &PriceListState,
    party: Option<PartyId>,
    segments: &[&str],
    quantity: &str,
) -> Result<ResolvedPrice, DomainError> {
    let segments: Vec<String> = segments
        .iter()
        .map(|segment| (*segment).to_owned())
        .collect();
    resolve_price(
        list,
        &product_state(),
        &PriceRequest {
            product: id(1),
            party,
            segments: &segments,
            quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
        },
    )
}

fn segment(name: &str) -> PriceScope {
    PriceScope::Segment(name.into())
}

/// Rule 1: a discontinued product has no price.
#[test]
fn a_discontinued_product_has_no_price() {
    let list = list(vec![price(PriceScope::Everyone, "0", "100")]);
    let discontinued = Product::replay(&[
        defined(),
        ProductEvent::Discontinued(ProductDiscontinued {}),
    ])
    .unwrap();
    let segments: Vec<String> = Vec::new();
    let request = PriceRequest {
        product: id(1),
        party: None,
        segments: &segments,
        quantity: Quantity::parse("quantity", Decimal::ONE).unwrap(),
    };
    assert_eq!(
        resolve_price(&list, &discontinued, &request)
            .unwrap_err()
            .rule(),
        Some("product.discontinued")
    );
}

/// Rule 2: a product without a price in the list is an error, not zero.
#[test]
fn an_unlisted_product_has_no_price() {
    let list = list(vec![]);
    assert_eq!(
        resolve(&list, None, &[], "1").unwrap_err().rule(),
        Some("price.not_listed")
    );
}

/// Rule 2: the party's own price beats its segment's and everyone's.
#[test]
fn a_party_price_beats_segment_and_list_prices() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        price(segment("vip"), "0", "80"),
        price(PriceScope::Party(party()), "0", "90"),
    ]);
    let resolved = resolve(&list, Some(party()), &["vip"], "1").unwrap();
    assert_eq!(resolved.unit_price, dec("90"));
    assert_eq!(resolved.source.scope, PriceScope::Party(party()));
    assert_eq!(
        resolve(&list, Some(id(7)), &["vip"], "1")
            .unwrap()
            .unit_price,
        dec("80"),
        "another party gets the segment price"
    );
    assert_eq!(
        resolve(&list, Some(id(7)), &[], "1").unwrap().unit_price,
        dec("100"),
        "no segment: the list price"
    );
}

/// Rule 2: of several segment prices, the customer gets the lowest.
#[test]
fn the_best_of_several_segment_prices_applies() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        price(segment("vip"), "0", "85"),
        price(segment("wholesale"), "0", "70"),
    ]);
    let resolved = resolve(
        &list,
        Some(party()),
        &["vip", "wholesale", "newsletter"],
        "1",
    )
    .unwrap();
    assert_eq!(resolved.unit_price, dec("70"));
    assert_eq!(resolved.source.scope, segment("wholesale"));
}

/// Rule 3: quantity breaks: the largest break the quantity reaches.
#[test]
fn the_largest_quantity_break_reached_applies() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        price(PriceScope::Everyone, "10", "90"),
        price(PriceScope::Everyone, "100", "75"),
    ]);
    assert_eq!(
        resolve(&list, None, &[], "9.5").unwrap().unit_price,
        dec("100")
    );
    assert_eq!(
        resolve(&list, None, &[], "10").unwrap().unit_price,
        dec("90")
    );
    let resolved = resolve(&list, None, &[], "250").unwrap();
    assert_eq!(
        (resolved.unit_price, resolved.source.min_quantity),
        (dec("75"), dec("100"))
    );
}

/// Rule 3: a scope whose breaks start above the quantity does not apply;
/// the next scope does.
#[test]
fn a_special_price_from_a_higher_quantity_does_not_apply_below_it() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        price(PriceScope::Party(party()), "50", "60"),
    ]);
    assert_eq!(
        resolve(&list, Some(party()), &[], "10").unwrap().unit_price,
        dec("100")
    );
    assert_eq!(
        resolve(&list, Some(party()), &[], "50").unwrap().unit_price,
        dec("60")
    );
}

/// Rule 4: special prices are net: no standing discount on top.
#[test]
fn special_prices_take_no_discount() {
    let ten = Discount::percent("discount", dec("10")).unwrap();
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        price(PriceScope::Party(party()), "0", "90"),
        discount(PriceScope::Party(party()), None, ten),
    ]);
    let resolved = resolve(&list, Some(party()), &[], "1").unwrap();
    assert_eq!(resolved.unit_price, dec("90"));
    assert_eq!(resolved.discount, None);
}

/// Rule 4: the most specific discount applies to a list price.
#[test]
fn the_most_specific_discount_applies_to_the_list_price() {
    let percent = |p: &str| Discount::percent("discount", dec(p)).unwrap();
    let all = [
        price(PriceScope::Everyone, "0", "100"),
        discount(PriceScope::Everyone, None, percent("1")),
        discount(PriceScope::Everyone, Some(1), percent("2")),
        discount(segment("vip"), None, percent("3")),
        discount(segment("vip"), Some(1), percent("4")),
        discount(PriceScope::Party(party()), None, percent("5")),
        discount(PriceScope::Party(party()), Some(1), percent("6")),
    ];
    // Remove the most specific one at a time: the next one takes over.
    for (kept, expected) in [
        (7, "94"),
        (6, "95"),
        (5, "96"),
        (4, "97"),
        (3, "98"),
        (2, "99"),
        (1, "100"),
    ] {
        let list = list(all[..kept].to_vec());
        let resolved = resolve(&list, Some(party()), &["vip"], "1").unwrap();
        assert_eq!(
            resolved.unit_price,
            dec(expected),
            "with the first {kept} entries"
        );
    }
}

/// Rule 4: of several segments' discounts, the one leaving the lowest
/// price applies, whether it is a percentage or an amount.
#[test]
fn the_best_segment_discount_applies() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "200"),
        discount(
            segment("vip"),
            None,
            Discount::percent("discount", dec("10")).unwrap(),
        ),
        discount(
            segment("wholesale"),
            None,
            Discount::amount("discount", dec("25")).unwrap(),
        ),
    ]);
    let resolved = resolve(&list, Some(party()), &["vip", "wholesale"], "1").unwrap();
    assert_eq!(resolved.unit_price, dec("175"));
    assert_eq!(resolved.discount.unwrap().scope, segment("wholesale"));
}

/// Rule 5: an amount discount stops at zero; results are rounded half
/// away from zero to four decimals.
#[test]
fn discounts_never_go_below_zero_and_round_to_four_places() {
    let list_a = list(vec![
        price(PriceScope::Everyone, "0", "10"),
        discount(
            PriceScope::Everyone,
            None,
            Discount::amount("discount", dec("25")).unwrap(),
        ),
    ]);
    assert_eq!(
        resolve(&list_a, None, &[], "1").unwrap().unit_price,
        Decimal::ZERO
    );
    let list_b = list(vec![
        price(PriceScope::Everyone, "0", "0.0005"),
        discount(
            PriceScope::Everyone,
            None,
            Discount::percent("discount", dec("10")).unwrap(),
        ),
    ]);
    // 0.0005 × 0.9 = 0.00045 → 0.0005 (half away from zero).
    assert_eq!(
        resolve(&list_b, None, &[], "1").unwrap().unit_price,
        dec("0.0005")
    );
}

/// Protects what an order line needs besides the price.
#[test]
fn a_resolved_price_carries_currency_vat_and_the_list_price() {
    let list = list(vec![
        price(PriceScope::Everyone, "0", "100"),
        discount(
            PriceScope::Everyone,
            None,
            Discount::percent("discount", dec("15")).unwrap(),
        ),
    ]);
    let resolved = resolve(&list, None, &[], "3").unwrap();
    assert_eq!(resolved.currency, eur());
    assert_eq!(resolved.vat_percent, dec("20"));
    assert!(!resolved.prices_include_vat);
    assert_eq!(
        (resolved.list_price, resolved.unit_price),
        (dec("100"), dec("85"))
    );
}
