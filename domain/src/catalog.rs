//! The catalog: products and services, and price lists with their special
//! prices, quantity breaks and discounts.
//!
//! A product is a stream (`product-<id>`): SKU, name, unit, category,
//! barcode, whether stock is kept of it, and its VAT rate. A price list is
//! a stream (`pricelist-<id>`) in one currency: prices per product for
//! everyone, for a customer segment (a party tag) or for one party, each
//! with quantity breaks, and standing discounts. [`resolve_price`] is the
//! one place that decides what a customer pays; every precedence rule it
//! follows has its own test.
//!
//! That a SKU is unique across products is checked by the application
//! against the catalog read model, not here: a decider sees one stream.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{PartyId, ProductId};
use crate::values::{Currency, Label, MONEY_AMOUNT_MAX, MONEY_SCALE_MAX, bounded_decimal};

mod price;

pub use price::{AppliedDiscount, PriceRequest, PriceSource, ResolvedPrice, resolve_price};

/// Longest SKU, in characters.
pub const SKU_CHARS_MAX: usize = 64;
/// Longest unit of measure ("pcs", "kg", "m²"), in characters.
pub const UNIT_CHARS_MAX: usize = 16;
/// Largest quantity a price break or a request may name.
pub const QUANTITY_MAX: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Decimal places kept for quantities.
pub const QUANTITY_SCALE_MAX: u32 = 4;
/// Most prices and discounts one price list holds.
pub const PRICE_LIST_ENTRIES_MAX: usize = 200_000;

const PRODUCT: &str = "product";
const PRICE_LIST: &str = "price list";

// ----------------------------------------------------------------- values

/// A stock-keeping unit: letters, digits and `-_./`, stored upper-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sku(String);

impl Sku {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let sku = raw.trim().to_uppercase();
        let ok = !sku.is_empty()
            && sku.chars().count() <= SKU_CHARS_MAX
            && sku
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if ok {
            Ok(Self(sku))
        } else {
            Err(DomainError::invalid(
                field,
                format!("must be 1 to {SKU_CHARS_MAX} letters, digits or '-_./'"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit of measure: short and on one line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Unit(String);

impl Unit {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let label = Label::parse(field, raw)?;
        if label.as_str().chars().count() > UNIT_CHARS_MAX {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {UNIT_CHARS_MAX} characters"),
            ));
        }
        Ok(Self(label.into_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A VAT rate in percent, 0 to 100, at most two decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VatRate(Decimal);

impl VatRate {
    pub fn parse(field: &str, percent: Decimal) -> Result<Self, DomainError> {
        if percent.is_sign_negative() && !percent.is_zero() || percent > Decimal::ONE_HUNDRED {
            return Err(DomainError::invalid(
                field,
                "must be between 0 and 100 percent",
            ));
        }
        if percent.normalize().scale() > 2 {
            return Err(DomainError::invalid(
                field,
                "must have at most two decimal places",
            ));
        }
        Ok(Self(percent.normalize()))
    }

    pub fn percent(self) -> Decimal {
        self.0
    }
}

/// A quantity: positive (zero allowed where a break starts "from any"),
/// bounded, at most four decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(Decimal);

impl Quantity {
    /// A quantity that may be zero: the start of a price break.
    pub fn parse_break(field: &str, value: Decimal) -> Result<Self, DomainError> {
        bounded_decimal(field, value, QUANTITY_MAX, QUANTITY_SCALE_MAX).map(Self)
    }

    /// A quantity that is more than zero: what a customer buys.
    pub fn parse(field: &str, value: Decimal) -> Result<Self, DomainError> {
        if value <= Decimal::ZERO {
            return Err(DomainError::invalid(field, "must be more than zero"));
        }
        Self::parse_break(field, value)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// A unit price in the price list's currency: never negative, bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitPrice(Decimal);

impl UnitPrice {
    pub fn parse(field: &str, value: Decimal) -> Result<Self, DomainError> {
        bounded_decimal(field, value, MONEY_AMOUNT_MAX, MONEY_SCALE_MAX).map(Self)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Whom a price or a discount is for. Stored by position: new variants at
/// the end. Ordered from the most general to the most specific.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PriceScope {
    Everyone,
    /// Parties carrying this tag (lower-case).
    Segment(String),
    Party(PartyId),
}

/// A standing discount. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Discount {
    /// Percent off, 0 to 100.
    Percent(Decimal),
    /// An amount off each unit, in the list's currency.
    Amount(Decimal),
}

impl Discount {
    pub fn percent(field: &str, percent: Decimal) -> Result<Self, DomainError> {
        VatRate::parse(field, percent).map(|rate| Self::Percent(rate.percent()))
    }

    pub fn amount(field: &str, amount: Decimal) -> Result<Self, DomainError> {
        UnitPrice::parse(field, amount).map(|amount| Self::Amount(amount.value()))
    }
}

/// Stock is kept of goods; services have none. Stored by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductKind {
    StockTracked,
    Service,
}

// ---------------------------------------------------------- product events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDefined {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: ProductKind,
    pub vat_percent: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRenamed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCategorized {
    pub category: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBarcodeSet {
    pub barcode: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductVatRateSet {
    pub vat_percent: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductNegativeStockSet {
    /// Stock of this product may go below zero in any warehouse (goods
    /// that are made or bought to order and booked later).
    pub allowed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDiscontinued {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReinstated {}

domain_events! {
    /// Everything that can happen to a product.
    pub enum ProductEvent in "product" {
        Defined(ProductDefined) = "ProductDefined" v 1,
        Renamed(ProductRenamed) = "ProductRenamed" v 1,
        Categorized(ProductCategorized) = "ProductCategorized" v 1,
        BarcodeSet(ProductBarcodeSet) = "ProductBarcodeSet" v 1,
        VatRateSet(ProductVatRateSet) = "ProductVatRateSet" v 1,
        Discontinued(ProductDiscontinued) = "ProductDiscontinued" v 1,
        Reinstated(ProductReinstated) = "ProductReinstated" v 1,
        NegativeStockSet(ProductNegativeStockSet) = "ProductNegativeStockSet" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DefineProduct {
    pub sku: Sku,
    pub name: Label,
    pub unit: Unit,
    pub category: Option<Label>,
    pub barcode: Option<Label>,
    pub kind: ProductKind,
    pub vat: VatRate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProductCommand {
    Define(DefineProduct),
    Rename(Label),
    Categorize(Option<Label>),
    SetBarcode(Option<Label>),
    SetVatRate(VatRate),
    AllowNegativeStock(bool),
    Discontinue,
    Reinstate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductState {
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

#[derive(Debug)]
pub struct Product;

impl Decider for Product {
    type State = Option<ProductState>;
    type Command = Issued<ProductCommand>;
    type Event = ProductEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<ProductEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        if let ProductCommand::Define(define) = command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "product.already_defined",
                    "this product is already defined",
                ));
            }
            return Ok(vec![ProductEvent::Defined(ProductDefined {
                sku: define.sku.as_str().to_owned(),
                name: define.name.as_str().to_owned(),
                unit: define.unit.as_str().to_owned(),
                category: define
                    .category
                    .as_ref()
                    .map(|label| label.as_str().to_owned()),
                barcode: define
                    .barcode
                    .as_ref()
                    .map(|label| label.as_str().to_owned()),
                kind: define.kind,
                vat_percent: define.vat.percent(),
            })]);
        }
        let product = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(PRODUCT))?;
        let reversible = matches!(
            command,
            ProductCommand::Reinstate | ProductCommand::Discontinue
        );
        if product.discontinued && !reversible {
            return Err(DomainError::rejected(
                "product.discontinued",
                "this product is discontinued; reinstate it first",
            ));
        }
        let text = |label: &Option<Label>| label.as_ref().map(|label| label.as_str().to_owned());
        Ok(match command {
            ProductCommand::Define(_) => Vec::new(),
            ProductCommand::Rename(name) => {
                crate::unless_unchanged(product.name == name.as_str(), || {
                    ProductEvent::Renamed(ProductRenamed {
                        name: name.as_str().to_owned(),
                    })
                })
            }
            ProductCommand::Categorize(category) => {
                let category = text(category);
                crate::unless_unchanged(product.category == category, || {
                    ProductEvent::Categorized(ProductCategorized { category })
                })
            }
            ProductCommand::SetBarcode(barcode) => {
                let barcode = text(barcode);
                crate::unless_unchanged(product.barcode == barcode, || {
                    ProductEvent::BarcodeSet(ProductBarcodeSet { barcode })
                })
            }
            ProductCommand::SetVatRate(vat) => {
                crate::unless_unchanged(product.vat_percent == vat.percent(), || {
                    ProductEvent::VatRateSet(ProductVatRateSet {
                        vat_percent: vat.percent(),
                    })
                })
            }
            ProductCommand::AllowNegativeStock(allowed) => {
                crate::unless_unchanged(product.allows_negative_stock == *allowed, || {
                    ProductEvent::NegativeStockSet(ProductNegativeStockSet { allowed: *allowed })
                })
            }
            ProductCommand::Discontinue => crate::unless_unchanged(product.discontinued, || {
                ProductEvent::Discontinued(ProductDiscontinued {})
            }),
            ProductCommand::Reinstate => {
                if product.discontinued {
                    vec![ProductEvent::Reinstated(ProductReinstated {})]
                } else {
                    Vec::new()
                }
            }
        })
    }

    fn evolve(state: Self::State, event: &ProductEvent) -> Self::State {
        if let ProductEvent::Defined(defined) = event {
            return Some(ProductState {
                sku: defined.sku.clone(),
                name: defined.name.clone(),
                unit: defined.unit.clone(),
                category: defined.category.clone(),
                barcode: defined.barcode.clone(),
                kind: defined.kind,
                vat_percent: defined.vat_percent,
                discontinued: false,
                allows_negative_stock: false,
            });
        }
        let mut product = state?;
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
        Some(product)
    }
}

// ------------------------------------------------------- price list events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListDefined {
    pub name: String,
    pub currency: Currency,
    /// Whether the list's prices include VAT (retail) or not (wholesale).
    pub prices_include_vat: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListRenamed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSet {
    pub product: ProductId,
    pub scope: PriceScope,
    /// The break: this price holds from this quantity up.
    pub min_quantity: Decimal,
    pub unit_price: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRemoved {
    pub product: ProductId,
    pub scope: PriceScope,
    pub min_quantity: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountSet {
    pub scope: PriceScope,
    /// `None`: every product.
    pub product: Option<ProductId>,
    pub discount: Discount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountRemoved {
    pub scope: PriceScope,
    pub product: Option<ProductId>,
}

domain_events! {
    /// Everything that can happen to a price list.
    pub enum PriceListEvent in "pricelist" {
        Defined(PriceListDefined) = "PriceListDefined" v 1,
        Renamed(PriceListRenamed) = "PriceListRenamed" v 1,
        PriceSet(PriceSet) = "PriceSet" v 1,
        PriceRemoved(PriceRemoved) = "PriceRemoved" v 1,
        DiscountSet(DiscountSet) = "DiscountSet" v 1,
        DiscountRemoved(DiscountRemoved) = "DiscountRemoved" v 1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PriceListCommand {
    Define {
        name: Label,
        currency: Currency,
        prices_include_vat: bool,
    },
    Rename(Label),
    SetPrice {
        product: ProductId,
        scope: PriceScope,
        min_quantity: Quantity,
        unit_price: UnitPrice,
    },
    RemovePrice {
        product: ProductId,
        scope: PriceScope,
        min_quantity: Quantity,
    },
    SetDiscount {
        scope: PriceScope,
        product: Option<ProductId>,
        discount: Discount,
    },
    RemoveDiscount {
        scope: PriceScope,
        product: Option<ProductId>,
    },
}

/// A price list as the price resolution reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceListState {
    pub name: String,
    pub currency: Option<Currency>,
    pub prices_include_vat: bool,
    pub prices: Prices,
    pub discounts: Discounts,
}

/// A price list's prices: (product, scope, quantity break) → unit price.
pub type Prices = BTreeMap<(ProductId, PriceScope, Decimal), Decimal>;
/// A price list's standing discounts: (scope, product or every product)
/// → discount.
pub type Discounts = BTreeMap<(PriceScope, Option<ProductId>), Discount>;

/// What a price list event after the definition changes: the name, a
/// price or a discount. [`PriceList`]'s `evolve` folds it, and read models
/// of price lists call it too, so both read the events one way.
pub fn apply_price_list_change(
    name: &mut String,
    prices: &mut Prices,
    discounts: &mut Discounts,
    event: &PriceListEvent,
) {
    match event {
        PriceListEvent::Defined(_) => {}
        PriceListEvent::Renamed(renamed) => *name = renamed.name.clone(),
        PriceListEvent::PriceSet(set) => {
            prices.insert(
                (set.product, set.scope.clone(), set.min_quantity),
                set.unit_price,
            );
        }
        PriceListEvent::PriceRemoved(removed) => {
            prices.remove(&(removed.product, removed.scope.clone(), removed.min_quantity));
        }
        PriceListEvent::DiscountSet(set) => {
            discounts.insert((set.scope.clone(), set.product), set.discount);
        }
        PriceListEvent::DiscountRemoved(removed) => {
            discounts.remove(&(removed.scope.clone(), removed.product));
        }
    }
}

impl PriceListState {
    fn entries(&self) -> usize {
        self.prices.len() + self.discounts.len()
    }
}

#[derive(Debug)]
pub struct PriceList;

impl Decider for PriceList {
    type State = Option<PriceListState>;
    type Command = Issued<PriceListCommand>;
    type Event = PriceListEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<PriceListEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        if let PriceListCommand::Define {
            name,
            currency,
            prices_include_vat,
        } = command
        {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "pricelist.already_defined",
                    "this price list is already defined",
                ));
            }
            return Ok(vec![PriceListEvent::Defined(PriceListDefined {
                name: name.as_str().to_owned(),
                currency: *currency,
                prices_include_vat: *prices_include_vat,
            })]);
        }
        let list = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(PRICE_LIST))?;
        let full = || {
            DomainError::rejected(
                "pricelist.too_many_entries",
                format!("a price list holds at most {PRICE_LIST_ENTRIES_MAX} prices and discounts"),
            )
        };
        Ok(match command {
            PriceListCommand::Define { .. } => Vec::new(),
            PriceListCommand::Rename(name) => {
                crate::unless_unchanged(list.name == name.as_str(), || {
                    PriceListEvent::Renamed(PriceListRenamed {
                        name: name.as_str().to_owned(),
                    })
                })
            }
            PriceListCommand::SetPrice {
                product,
                scope,
                min_quantity,
                unit_price,
            } => {
                let key = (*product, scope.clone(), min_quantity.value());
                let current = list.prices.get(&key);
                if current.is_none() && list.entries() >= PRICE_LIST_ENTRIES_MAX {
                    return Err(full());
                }
                crate::unless_unchanged(current == Some(&unit_price.value()), || {
                    PriceListEvent::PriceSet(PriceSet {
                        product: *product,
                        scope: scope.clone(),
                        min_quantity: min_quantity.value(),
                        unit_price: unit_price.value(),
                    })
                })
            }
            PriceListCommand::RemovePrice {
                product,
                scope,
                min_quantity,
            } => {
                let key = (*product, scope.clone(), min_quantity.value());
                crate::unless_unchanged(!list.prices.contains_key(&key), || {
                    PriceListEvent::PriceRemoved(PriceRemoved {
                        product: *product,
                        scope: scope.clone(),
                        min_quantity: min_quantity.value(),
                    })
                })
            }
            PriceListCommand::SetDiscount {
                scope,
                product,
                discount,
            } => {
                let current = list.discounts.get(&(scope.clone(), *product));
                if current.is_none() && list.entries() >= PRICE_LIST_ENTRIES_MAX {
                    return Err(full());
                }
                crate::unless_unchanged(current == Some(discount), || {
                    PriceListEvent::DiscountSet(DiscountSet {
                        scope: scope.clone(),
                        product: *product,
                        discount: *discount,
                    })
                })
            }
            PriceListCommand::RemoveDiscount { scope, product } => crate::unless_unchanged(
                !list.discounts.contains_key(&(scope.clone(), *product)),
                || {
                    PriceListEvent::DiscountRemoved(DiscountRemoved {
                        scope: scope.clone(),
                        product: *product,
                    })
                },
            ),
        })
    }

    fn evolve(state: Self::State, event: &PriceListEvent) -> Self::State {
        if let PriceListEvent::Defined(defined) = event {
            return Some(PriceListState {
                name: defined.name.clone(),
                currency: Some(defined.currency),
                prices_include_vat: defined.prices_include_vat,
                ..PriceListState::default()
            });
        }
        let mut list = state?;
        apply_price_list_change(&mut list.name, &mut list.prices, &mut list.discounts, event);
        Some(list)
    }
}

#[cfg(test)]
mod tests;
