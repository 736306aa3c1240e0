#![allow(clippy::unwrap_used)]
//! The catalog read model fed with events the real product and price list
//! deciders decided: search and paging of products, categories, prices
//! and discounts per product, snapshots, and search over 100,000
//! products.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use domain::catalog::{
    DefineProduct, Discount, PriceList, PriceListCommand, PriceScope, Product, ProductCommand,
    ProductKind, Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::ids::{PartyId, PriceListId, ProductId, UserId};
use domain::values::{Currency, Label};
use domain::{CrmEvent, Decider, Issued};
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::catalog::{Catalog, ProductCursor, ProductQuery};
use projections::{ReadModel, SnapshotStore};
use rust_decimal::Decimal;
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap()
}

fn user() -> UserId {
    id(0xA)
}

/// A model and the deciders' states side by side: every event is decided
/// by the real decider on the state the log would hold.
struct Books {
    model: Catalog,
    feed: Feed,
    products: HashMap<u128, Option<domain::catalog::ProductState>>,
    lists: HashMap<u128, Option<domain::catalog::PriceListState>>,
}

impl Books {
    fn new(deferred: bool) -> Self {
        let mut model = Catalog::default();
        if deferred {
            model.defer_indexes();
        }
        Self {
            model,
            feed: Feed::new(Actor::user(user().as_uuid())),
            products: HashMap::new(),
            lists: HashMap::new(),
        }
    }

    fn product(&mut self, product: u128, command: ProductCommand) {
        let issued = Issued::new(user(), at(), command);
        let state = self.products.entry(product).or_default();
        for event in Product::decide(state, &issued).unwrap() {
            *state = Product::evolve(state.take(), &event);
            self.feed.apply(
                &mut self.model,
                Uuid::from_u128(product),
                CrmEvent::from(event),
                at(),
                None,
            );
        }
    }

    fn define(&mut self, product: u128, sku: &str, name: &str, category: Option<&str>) {
        self.product(
            product,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", sku).unwrap(),
                name: Label::parse("name", name).unwrap(),
                unit: Unit::parse("unit", "pcs").unwrap(),
                category: Label::parse_optional("category", category).unwrap(),
                barcode: None,
                kind: ProductKind::StockTracked,
                vat: VatRate::parse("vat", dec("20")).unwrap(),
            }),
        );
    }

    fn list(&mut self, list: u128, command: PriceListCommand) {
        let issued = Issued::new(user(), at(), command);
        let state = self.lists.entry(list).or_default();
        for event in PriceList::decide(state, &issued).unwrap() {
            *state = PriceList::evolve(state.take(), &event);
            self.feed.apply(
                &mut self.model,
                Uuid::from_u128(list),
                CrmEvent::from(event),
                at(),
                None,
            );
        }
    }

    fn define_list(&mut self, list: u128, name: &str, currency: &str) {
        self.list(
            list,
            PriceListCommand::Define {
                name: Label::parse("name", name).unwrap(),
                currency: Currency::parse("currency", currency).unwrap(),
                prices_include_vat: false,
            },
        );
    }

    fn price(&mut self, list: u128, product: u128, scope: PriceScope, from: &str, price: &str) {
        self.list(
            list,
            PriceListCommand::SetPrice {
                product: id(product),
                scope,
                min_quantity: Quantity::parse_break("min", dec(from)).unwrap(),
                unit_price: UnitPrice::parse("price", dec(price)).unwrap(),
            },
        );
    }
}

const SHIRT: u128 = 1;
const MUG: u128 = 2;
const CAP: u128 = 3;
const RETAIL: u128 = 10;
const WHOLESALE: u128 = 11;

/// A small shop: three products, two price lists with prices for
/// everyone, a segment and one customer, and discounts.
fn shop(deferred: bool) -> Books {
    let mut books = Books::new(deferred);
    books.define(SHIRT, "TS-001", "Blue T-shirt", Some("Apparel"));
    books.define(MUG, "MG-010", "Coffee mug", Some("Kitchen"));
    books.define(CAP, "CP-100", "Baseball cap", Some("Apparel"));
    books.product(
        MUG,
        ProductCommand::SetBarcode(
            Label::parse_optional("barcode", Some("4006381333931")).unwrap(),
        ),
    );
    books.product(
        SHIRT,
        ProductCommand::Rename(Label::parse("name", "Navy T-shirt").unwrap()),
    );
    books.product(CAP, ProductCommand::Discontinue);
    books.product(MUG, ProductCommand::AllowNegativeStock(true));
    books.define_list(RETAIL, "Retail", "EUR");
    books.define_list(WHOLESALE, "Wholesale", "USD");
    books.price(RETAIL, SHIRT, PriceScope::Everyone, "0", "20");
    books.price(RETAIL, SHIRT, PriceScope::Everyone, "10", "18");
    books.price(RETAIL, SHIRT, PriceScope::Segment("vip".into()), "0", "17");
    books.price(RETAIL, MUG, PriceScope::Everyone, "0", "8");
    books.price(WHOLESALE, SHIRT, PriceScope::Party(id(77)), "0", "12.5");
    books.price(WHOLESALE, MUG, PriceScope::Everyone, "0", "5");
    books.list(
        RETAIL,
        PriceListCommand::RemovePrice {
            product: id(MUG),
            scope: PriceScope::Everyone,
            min_quantity: Quantity::parse_break("min", Decimal::ZERO).unwrap(),
        },
    );
    books.list(
        RETAIL,
        PriceListCommand::SetDiscount {
            scope: PriceScope::Everyone,
            product: None,
            discount: Discount::percent("d", dec("5")).unwrap(),
        },
    );
    books.list(
        WHOLESALE,
        PriceListCommand::SetDiscount {
            scope: PriceScope::Segment("dealers".into()),
            product: Some(id(MUG)),
            discount: Discount::amount("d", dec("1")).unwrap(),
        },
    );
    books
}

fn skus(model: &Catalog, query: &ProductQuery) -> Vec<String> {
    model
        .search(query)
        .rows
        .into_iter()
        .map(|(_, row)| row.sku)
        .collect()
}

fn query(text: &str) -> ProductQuery {
    ProductQuery {
        text: text.into(),
        limit: 50,
        ..ProductQuery::default()
    }
}

/// Protects what the product list shows: every product in SKU order with
/// its last name, barcode, flags and category.
#[test]
fn products_are_listed_in_sku_order_as_their_events_last_left_them() {
    let model = shop(false).model;
    assert_eq!(model.product_count(), 3);
    assert_eq!(skus(&model, &query("")), ["CP-100", "MG-010", "TS-001"]);
    let shirt = model.product(id(SHIRT)).unwrap();
    assert_eq!(shirt.name, "Navy T-shirt");
    assert_eq!(shirt.vat_percent, dec("20"));
    assert_eq!(shirt.unit, "pcs");
    let mug = model.product(id(MUG)).unwrap();
    assert_eq!(mug.barcode.as_deref(), Some("4006381333931"));
    assert!(mug.allows_negative_stock);
    assert!(model.product(id(CAP)).unwrap().discontinued);
    assert_eq!(model.product_by_sku("MG-010"), Some(id(MUG)));
    assert_eq!(model.product_by_sku("MG-01"), None);
    assert_eq!(
        model.categories().collect::<Vec<_>>(),
        [("Apparel", 2), ("Kitchen", 1)]
    );
}

/// Protects server-side search: any part of the SKU, words of the current
/// name (not the old one), the barcode, any case, all words required.
#[test]
fn search_finds_products_by_part_of_sku_name_or_barcode() {
    let model = shop(false).model;
    assert_eq!(skus(&model, &query("ts-0")), ["TS-001"]);
    assert_eq!(skus(&model, &query("NAVY shirt")), ["TS-001"]);
    assert!(
        skus(&model, &query("blue")).is_empty(),
        "the old name is gone"
    );
    assert_eq!(skus(&model, &query("333931")), ["MG-010"]);
    assert_eq!(skus(&model, &query("-")), ["CP-100", "MG-010", "TS-001"]);
    assert!(skus(&model, &query("cap mug")).is_empty());
}

/// Protects the category filter and the cursor: pages follow each other
/// without repeating or skipping a row.
#[test]
fn pages_follow_each_other_and_the_category_filter_narrows_them() {
    let model = shop(false).model;
    let apparel = ProductQuery {
        category: Some("Apparel".into()),
        ..query("")
    };
    assert_eq!(skus(&model, &apparel), ["CP-100", "TS-001"]);

    let first = model.search(&ProductQuery {
        limit: 2,
        ..query("")
    });
    assert_eq!(first.rows.len(), 2);
    let next = first.next.clone().unwrap();
    assert_eq!(
        next,
        ProductCursor {
            sku: "MG-010".into(),
            id: id(MUG)
        }
    );
    let second = model.search(&ProductQuery {
        limit: 2,
        after: Some(next),
        ..query("")
    });
    assert_eq!(
        second
            .rows
            .iter()
            .map(|(_, row)| row.sku.as_str())
            .collect::<Vec<_>>(),
        ["TS-001"]
    );
    assert_eq!(second.next, None, "the last page says so");
}

/// Protects the product page's prices: every list's prices for the
/// product by list, scope and break; removed prices are gone; discounts
/// for this product and for every product are both shown.
#[test]
fn a_products_prices_and_discounts_come_from_every_list() {
    let model = shop(false).model;
    let prices: Vec<(String, PriceScope, Decimal, Decimal)> = model
        .product_prices(id(SHIRT))
        .into_iter()
        .map(|price| {
            (
                price.list_name,
                price.scope,
                price.min_quantity,
                price.unit_price,
            )
        })
        .collect();
    assert_eq!(
        prices,
        [
            ("Retail".into(), PriceScope::Everyone, dec("0"), dec("20")),
            ("Retail".into(), PriceScope::Everyone, dec("10"), dec("18")),
            (
                "Retail".into(),
                PriceScope::Segment("vip".into()),
                dec("0"),
                dec("17")
            ),
            (
                "Wholesale".into(),
                PriceScope::Party(id::<PartyId>(77)),
                dec("0"),
                dec("12.5")
            ),
        ]
    );
    let mug: Vec<(String, Decimal)> = model
        .product_prices(id(MUG))
        .into_iter()
        .map(|price| (price.list_name, price.unit_price))
        .collect();
    assert_eq!(
        mug,
        [("Wholesale".into(), dec("5"))],
        "the retail price was removed"
    );

    let discounts: Vec<(String, bool)> = model
        .product_discounts(id(MUG))
        .into_iter()
        .map(|discount| (discount.list_name, discount.for_this_product))
        .collect();
    assert_eq!(
        discounts,
        [("Retail".into(), false), ("Wholesale".into(), true)]
    );
    assert_eq!(model.product_discounts(id(SHIRT)).len(), 1);

    let lists: Vec<(PriceListId, &str, &str)> = model
        .price_lists()
        .into_iter()
        .map(|(list, row)| (list, row.name.as_str(), row.currency.as_str()))
        .collect();
    assert_eq!(
        lists,
        [
            (id(RETAIL), "Retail", "EUR"),
            (id(WHOLESALE), "Wholesale", "USD")
        ]
    );
}

/// The answers a user can get from the model.
fn answers(model: &Catalog) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        model.search(&query("")),
        model.search(&query("shirt")),
        model.categories().collect::<Vec<_>>(),
        model.product_prices(id(SHIRT)),
        model.product_discounts(id(MUG)),
    )
}

/// Protects restarts and rebuilds: a snapshot read back, and a fold with
/// deferred indexes, give the same model and the same answers as the one
/// fed live (the derived SKU order and category counts included).
#[test]
fn a_snapshot_round_trip_and_a_deferred_fold_answer_the_same() {
    let live = shop(false).model;
    let directory = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open(directory.path()).unwrap();
    store.save(&live, 30, Some(at())).unwrap();
    let (_, restored) = store.latest::<Catalog>(30).unwrap().unwrap();
    assert_eq!(answers(&restored), answers(&live));
    assert!(restored == live);

    let mut deferred = shop(true).model;
    assert!(deferred != live, "a deferred fold keeps rows only");
    deferred.restored();
    assert!(deferred == live, "restored derives the same indexes");
    assert_eq!(answers(&deferred), answers(&live));
}

/// Protects the list over a large catalog: over 100,000 products a
/// search that matches nothing finds nothing, and a late filtered page
/// holds only rows after its cursor in its category. How long they take
/// is a benchmark's business, not a test's (docs/benchmarks.md).
#[test]
fn search_over_a_hundred_thousand_products_pages_after_its_cursor() {
    let mut model = Catalog::default();
    let mut feed = Feed::new(Actor::user(user().as_uuid()));
    model.defer_indexes();
    for number in 0..100_000u128 {
        let event = domain::catalog::ProductEvent::Defined(domain::catalog::ProductDefined {
            sku: format!("SKU-{number:06}"),
            name: format!("Product number {number}"),
            unit: "pcs".into(),
            category: Some(format!("Category {}", number % 40)),
            barcode: None,
            kind: ProductKind::StockTracked,
            vat_percent: dec("20"),
        });
        feed.apply(
            &mut model,
            Uuid::from_u128(number + 1),
            CrmEvent::from(event),
            at(),
            None,
        );
    }
    model.restored();
    assert_eq!(model.product_count(), 100_000);

    assert!(model.search(&query("no such thing")).rows.is_empty());

    let page = model.search(&ProductQuery {
        text: "number 99".into(),
        category: Some("Category 39".into()),
        after: Some(ProductCursor {
            sku: "SKU-050000".into(),
            id: ProductId::from_uuid(Uuid::nil()),
        }),
        limit: 50,
    });
    assert!(!page.rows.is_empty());
    assert!(
        page.rows
            .windows(2)
            .all(|pair| pair[0].1.sku < pair[1].1.sku),
        "a page in SKU order"
    );
    assert!(
        page.rows
            .iter()
            .all(|(_, row)| row.sku.as_str() > "SKU-050000"
                && row.category.as_deref() == Some("Category 39"))
    );
}
