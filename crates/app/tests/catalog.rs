#![allow(clippy::unwrap_used)]
//! The catalog use cases of `app`: quoting a product's price for a
//! customer (their own and their tags' prices, or anyone's), within the
//! caller's reach; and a price naming a product or customer that does not
//! exist, refused before anything is written.

use std::str::FromStr;

mod common;

use app::commands::CommandError;
use common::run;
use domain::access::Role;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{PartyId, PriceListId, ProductId, UserId};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::values::{Currency, Label, Tag};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

struct Shop {
    _directory: tempfile::TempDir,
    app: app::App,
    product: ProductId,
    list: PriceListId,
    vip: PartyId,
    owner: UserId,
}

async fn shop() -> Shop {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let system = UserId::from_uuid(Uuid::nil());
    let owner = UserId::from_uuid(Uuid::now_v7());
    let (product, list, vip) = (
        ProductId::from_uuid(Uuid::now_v7()),
        PriceListId::from_uuid(Uuid::now_v7()),
        PartyId::from_uuid(Uuid::now_v7()),
    );
    common::given::<Product, _>(
        &app,
        system,
        product,
        ProductCommand::Define(DefineProduct {
            sku: Sku::parse("sku", "NUT-8").unwrap(),
            name: Label::parse("name", "Nut").unwrap(),
            unit: Unit::parse("unit", "pcs").unwrap(),
            category: None,
            barcode: None,
            kind: ProductKind::StockTracked,
            vat: VatRate::parse("vat", dec("20")).unwrap(),
        }),
    )
    .await;
    common::given::<PriceList, _>(
        &app,
        system,
        list,
        PriceListCommand::Define {
            name: Label::parse("name", "Retail").unwrap(),
            currency: Currency::parse("currency", "EUR").unwrap(),
            prices_include_vat: false,
        },
    )
    .await;
    for (scope, price) in [
        (PriceScope::Everyone, "10"),
        (PriceScope::Segment("vip".to_owned()), "8"),
    ] {
        common::given::<PriceList, _>(
            &app,
            system,
            list,
            PriceListCommand::SetPrice {
                product,
                scope,
                min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
                unit_price: UnitPrice::parse("unit_price", dec(price)).unwrap(),
            },
        )
        .await;
    }
    common::given::<Party, _>(
        &app,
        system,
        vip,
        PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: Label::parse("name", "Vip Ltd").unwrap(),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner,
            branch: None,
        }),
    )
    .await;
    common::given::<Party, _>(
        &app,
        system,
        vip,
        PartyCommand::Tag(Tag::parse("tag", "VIP").unwrap()),
    )
    .await;
    Shop {
        _directory: directory,
        app,
        product,
        list,
        vip,
        owner,
    }
}

fn one() -> Quantity {
    Quantity::parse("quantity", Decimal::ONE).unwrap()
}

/// Protects the price preview: a tagged customer gets their tag's price,
/// anyone the list price; another manager's customer is answered as a
/// missing one.
#[tokio::test]
async fn a_quote_resolves_the_customers_price_within_reach() {
    let shop = shop().await;
    let owner = common::caller(shop.owner, Role::SalesManager, None);
    let for_vip = app::catalog::quote(
        &shop.app,
        &owner,
        shop.list,
        shop.product,
        Some(shop.vip),
        one(),
    )
    .unwrap();
    assert_eq!(for_vip.unit_price, dec("8"));
    assert_eq!(for_vip.source.scope, PriceScope::Segment("vip".to_owned()));
    let for_anyone =
        app::catalog::quote(&shop.app, &owner, shop.list, shop.product, None, one()).unwrap();
    assert_eq!(for_anyone.unit_price, dec("10"));

    let other = common::caller(UserId::from_uuid(Uuid::now_v7()), Role::SalesManager, None);
    let refused = app::catalog::quote(
        &shop.app,
        &other,
        shop.list,
        shop.product,
        Some(shop.vip),
        one(),
    )
    .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("party", shop.vip));
}

/// Protects the records a price names: a price for a product or a
/// customer that does not exist is refused, and nothing is written.
#[tokio::test]
async fn a_price_for_a_missing_product_or_customer_is_refused() {
    let shop = shop().await;
    let director = common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Director, None);
    let head = common::head(&shop.app);
    let price = |product, scope| PriceListCommand::SetPrice {
        product,
        scope,
        min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
        unit_price: UnitPrice::parse("unit_price", dec("1")).unwrap(),
    };
    let nothing = ProductId::from_uuid(Uuid::now_v7());
    let nobody = PartyId::from_uuid(Uuid::now_v7());
    for command in [
        price(nothing, PriceScope::Everyone),
        price(shop.product, PriceScope::Party(nobody)),
    ] {
        let refused = shop
            .app
            .execute::<PriceList, _>(&director, run(), shop.list, command, None)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, CommandError::Domain(DomainError::NotFound { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(common::head(&shop.app), head, "nothing was written");
}
