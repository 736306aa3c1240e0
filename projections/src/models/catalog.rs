//! The catalog: every product with what it is (SKU, name, category, unit,
//! VAT rate, barcode, whether it is discontinued and may go below zero),
//! searched by SKU, name or barcode and paged in SKU order; and every
//! price list with its prices (per product, scope and quantity break) and
//! standing discounts.
//!
//! Search is a walk in SKU order over one lower-case text per product,
//! starting after the cursor and stopping when the page is full: no
//! sorting per query, and a query that matches nothing reads each
//! product's text once (a few milliseconds for 100,000 products, see the
//! model's tests). The SKU order and the category counts are derived from
//! the rows, so snapshots store only the rows.
//!
//! Whom a price is for is the price's scope (everyone, a customer segment,
//! one customer), as the domain records it; the domain has no other
//! assignment of lists to customers (an order names its list).

use std::collections::BTreeMap;

use domain::catalog::{Discount, PriceListEvent, PriceScope, ProductEvent, ProductKind};
use domain::ids::{PriceListId, ProductId};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

/// Most products on one page.
pub const PRODUCT_PAGE_ROWS_MAX: usize = 200;
/// Most search terms a query is cut into; the rest are ignored.
pub const SEARCH_TERMS_MAX: usize = 8;

/// What a product is, as its events last named it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: ProductKind,
    pub vat_percent: Decimal,
    pub discontinued: bool,
    pub allows_negative_stock: bool,
}

impl ProductRow {
    /// What a search looks in: SKU, name and barcode, lower-case.
    fn search_text(&self) -> Box<str> {
        let mut text = String::with_capacity(self.sku.len() + self.name.len() + 2);
        text.push_str(&self.sku.to_lowercase());
        // A separator no query term contains, so a term never matches
        // across two fields.
        text.push('\u{1f}');
        text.push_str(&self.name.to_lowercase());
        if let Some(barcode) = &self.barcode {
            text.push('\u{1f}');
            text.push_str(&barcode.to_lowercase());
        }
        text.into_boxed_str()
    }
}

/// A price list with its prices and discounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListRow {
    pub name: String,
    pub currency: Currency,
    /// Whether its prices include VAT (retail) or not (wholesale).
    pub prices_include_vat: bool,
    pub prices: domain::catalog::Prices,
    pub discounts: domain::catalog::Discounts,
}

/// Where a product page ended: the last row's SKU and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductCursor {
    pub sku: String,
    pub id: ProductId,
}

/// A search of the products.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductQuery {
    /// Words that must all occur in the SKU, the name or the barcode
    /// (anywhere, any case); empty: every product.
    pub text: String,
    /// Only products of this category (exactly as named).
    pub category: Option<String>,
    /// Continue after this row (it is not repeated).
    pub after: Option<ProductCursor>,
    /// Rows wanted, 1 to [`PRODUCT_PAGE_ROWS_MAX`].
    pub limit: usize,
}

/// A page of products in SKU order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductPage {
    pub rows: Vec<(ProductId, ProductRow)>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ProductCursor>,
}

/// A product's price on one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductPrice {
    pub list: PriceListId,
    pub list_name: String,
    pub currency: Currency,
    pub prices_include_vat: bool,
    pub scope: PriceScope,
    pub min_quantity: Decimal,
    pub unit_price: Decimal,
}

/// A standing discount that applies to a product (set for it, or for
/// every product) on one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDiscount {
    pub list: PriceListId,
    pub list_name: String,
    pub currency: Currency,
    pub scope: PriceScope,
    /// `false`: a discount on every product of the list.
    pub for_this_product: bool,
    pub discount: Discount,
}

/// Equality covers the derived order and counts too, so a restore that
/// rebuilds them wrongly shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    products: FxHashMap<ProductId, ProductRow>,
    price_lists: FxHashMap<PriceListId, PriceListRow>,
    /// (SKU, id) → search text: the list's order. Derived.
    #[serde(skip)]
    order: BTreeMap<(String, ProductId), Box<str>>,
    /// Category → products in it. Derived.
    #[serde(skip)]
    categories: BTreeMap<String, usize>,
    /// While set, `apply` keeps rows only; `restored` derives the rest.
    #[serde(skip)]
    deferred: bool,
}

impl ReadModel for Catalog {
    const NAME: &'static str = "catalog";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &[ProductEvent::CATEGORY, PriceListEvent::CATEGORY];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Product(event) => {
                self.apply_product(ProductId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::PriceList(event) => {
                self.apply_price_list(PriceListId::from_uuid(envelope.aggregate), event)
            }
            _ => {}
        }
    }

    fn restored(&mut self) {
        self.deferred = false;
        self.order.clear();
        self.categories.clear();
        let ids: Vec<ProductId> = self.products.keys().copied().collect();
        for id in ids {
            self.index(id);
        }
    }

    fn defer_indexes(&mut self) {
        self.deferred = true;
    }
}

impl Catalog {
    fn apply_product(&mut self, id: ProductId, event: &ProductEvent) {
        if let ProductEvent::Defined(defined) = event {
            self.unindex(id);
            self.products.insert(
                id,
                ProductRow {
                    sku: defined.sku.clone(),
                    name: defined.name.clone(),
                    unit: defined.unit.clone(),
                    category: defined.category.clone(),
                    barcode: defined.barcode.clone(),
                    kind: defined.kind,
                    vat_percent: defined.vat_percent,
                    discontinued: false,
                    allows_negative_stock: false,
                },
            );
            self.index(id);
            return;
        }
        let reindex = matches!(
            event,
            ProductEvent::Renamed(_) | ProductEvent::Categorized(_) | ProductEvent::BarcodeSet(_)
        );
        if reindex {
            self.unindex(id);
        }
        if let Some(product) = self.products.get_mut(&id) {
            match event {
                ProductEvent::Defined(_) => {}
                ProductEvent::Renamed(renamed) => product.name = renamed.name.clone(),
                ProductEvent::Categorized(categorized) => {
                    product.category = categorized.category.clone()
                }
                ProductEvent::BarcodeSet(set) => product.barcode = set.barcode.clone(),
                ProductEvent::VatRateSet(set) => product.vat_percent = set.vat_percent,
                ProductEvent::Discontinued(_) => product.discontinued = true,
                ProductEvent::Reinstated(_) => product.discontinued = false,
                ProductEvent::NegativeStockSet(set) => product.allows_negative_stock = set.allowed,
            }
        }
        if reindex {
            self.index(id);
        }
    }

    fn apply_price_list(&mut self, id: PriceListId, event: &PriceListEvent) {
        if let PriceListEvent::Defined(defined) = event {
            self.price_lists.insert(
                id,
                PriceListRow {
                    name: defined.name.clone(),
                    currency: defined.currency,
                    prices_include_vat: defined.prices_include_vat,
                    prices: BTreeMap::new(),
                    discounts: BTreeMap::new(),
                },
            );
            return;
        }
        let Some(list) = self.price_lists.get_mut(&id) else {
            return;
        };
        domain::catalog::apply_price_list_change(
            &mut list.name,
            &mut list.prices,
            &mut list.discounts,
            event,
        );
    }

    fn index(&mut self, id: ProductId) {
        if self.deferred {
            return;
        }
        let Some(product) = self.products.get(&id) else {
            return;
        };
        self.order
            .insert((product.sku.clone(), id), product.search_text());
        if let Some(category) = &product.category {
            *self.categories.entry(category.clone()).or_default() += 1;
        }
    }

    fn unindex(&mut self, id: ProductId) {
        if self.deferred {
            return;
        }
        let Some(product) = self.products.get(&id) else {
            return;
        };
        self.order.remove(&(product.sku.clone(), id));
        if let Some(category) = &product.category
            && let Some(count) = self.categories.get_mut(category)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.categories.remove(category);
            }
        }
    }

    pub fn product_count(&self) -> usize {
        self.products.len()
    }

    pub fn product(&self, id: ProductId) -> Option<&ProductRow> {
        self.products.get(&id)
    }

    /// The product with this SKU (as stored: upper-case), if any; the
    /// first by id should two share it.
    pub fn product_by_sku(&self, sku: &str) -> Option<ProductId> {
        self.order
            .range((sku.to_owned(), ProductId::from_uuid(uuid::Uuid::nil()))..)
            .next()
            .filter(|((found, _), _)| found == sku)
            .map(|((_, id), _)| *id)
    }

    /// Every category with the number of products in it, by name.
    pub fn categories(&self) -> impl Iterator<Item = (&str, usize)> {
        self.categories
            .iter()
            .map(|(name, count)| (name.as_str(), *count))
    }

    /// A page of products in SKU order that match the query.
    pub fn search(&self, query: &ProductQuery) -> ProductPage {
        let limit = query.limit.clamp(1, PRODUCT_PAGE_ROWS_MAX);
        let terms: Vec<String> = query
            .text
            .split_whitespace()
            .take(SEARCH_TERMS_MAX)
            .map(str::to_lowercase)
            .collect();
        let start = match &query.after {
            Some(after) => std::ops::Bound::Excluded((after.sku.clone(), after.id)),
            None => std::ops::Bound::Unbounded,
        };
        let mut rows = Vec::with_capacity(limit);
        let mut next = None;
        for ((sku, id), text) in self.order.range((start, std::ops::Bound::Unbounded)) {
            if !terms.iter().all(|term| text.contains(term.as_str())) {
                continue;
            }
            let Some(product) = self.products.get(id) else {
                continue;
            };
            if let Some(category) = &query.category
                && product.category.as_ref() != Some(category)
            {
                continue;
            }
            if rows.len() == limit {
                // The last row shown is where the next page starts.
                next = rows
                    .last()
                    .map(|(id, row): &(ProductId, ProductRow)| ProductCursor {
                        sku: row.sku.clone(),
                        id: *id,
                    });
                break;
            }
            debug_assert_eq!(sku, &product.sku);
            rows.push((*id, product.clone()));
        }
        ProductPage { rows, next }
    }

    pub fn price_list(&self, id: PriceListId) -> Option<&PriceListRow> {
        self.price_lists.get(&id)
    }

    /// Every price list by name (then id).
    pub fn price_lists(&self) -> Vec<(PriceListId, &PriceListRow)> {
        let mut lists: Vec<_> = self
            .price_lists
            .iter()
            .map(|(id, list)| (*id, list))
            .collect();
        lists.sort_by(|a, b| (a.1.name.as_str(), a.0).cmp(&(b.1.name.as_str(), b.0)));
        lists
    }

    /// A product's prices on every list: by list name, then scope (everyone,
    /// segments, customers), then quantity break.
    pub fn product_prices(&self, product: ProductId) -> Vec<ProductPrice> {
        let mut prices = Vec::new();
        for (list_id, list) in self.price_lists() {
            let from = (product, PriceScope::Everyone, Decimal::MIN);
            for ((_, scope, min_quantity), unit_price) in list
                .prices
                .range(from..)
                .take_while(|((of, _, _), _)| *of == product)
            {
                prices.push(ProductPrice {
                    list: list_id,
                    list_name: list.name.clone(),
                    currency: list.currency,
                    prices_include_vat: list.prices_include_vat,
                    scope: scope.clone(),
                    min_quantity: *min_quantity,
                    unit_price: *unit_price,
                });
            }
        }
        prices
    }

    /// The standing discounts that apply to a product on every list: those
    /// set for it and those for every product, by list name then scope.
    pub fn product_discounts(&self, product: ProductId) -> Vec<ProductDiscount> {
        let mut discounts = Vec::new();
        for (list_id, list) in self.price_lists() {
            for ((scope, of), discount) in &list.discounts {
                if of.is_some_and(|of| of != product) {
                    continue;
                }
                discounts.push(ProductDiscount {
                    list: list_id,
                    list_name: list.name.clone(),
                    currency: list.currency,
                    scope: scope.clone(),
                    for_this_product: of.is_some(),
                    discount: *discount,
                });
            }
        }
        discounts
    }
}
