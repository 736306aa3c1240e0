//! The catalog: products and price lists, defined and read from their
//! streams; a price set on a list for everyone, a segment or one party.

use axum::extract::State;
use axum::http::StatusCode;
use domain::catalog::{
    DefineProduct, Discount, PriceList, PriceListCommand, PriceScope, Product, ProductCommand,
    ProductKind, Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::ids::{PartyId, PriceListId, ProductId};
use domain::values::{Currency, Label};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, Written};
use super::writes::NoFields;
use super::writes::{Changed, ChangedUnlessStale, Registered, RegisteredUnique, aggregate_write};
use super::{TAG_CATALOG, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define_product))
        .routes(routes!(get_product))
        .routes(routes!(rename_product))
        .routes(routes!(categorize_product))
        .routes(routes!(set_barcode))
        .routes(routes!(set_vat_rate))
        .routes(routes!(allow_negative_stock))
        .routes(routes!(discontinue_product))
        .routes(routes!(reinstate_product))
        .routes(routes!(rename_price_list))
        .routes(routes!(remove_price))
        .routes(routes!(set_discount))
        .routes(routes!(remove_discount))
        .routes(routes!(define_price_list))
        .routes(routes!(get_price_list))
        .routes(routes!(set_price))
        .routes(routes!(list_products))
        .routes(routes!(list_price_lists))
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductKindDto {
    /// Goods kept in stock: reserved, shipped and counted.
    StockTracked,
    Service,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineProductRequest {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: ProductKindDto,
    /// VAT in percent, as a decimal string (`"20"`).
    #[schema(value_type = String)]
    pub vat_percent: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductResponse {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: ProductKindDto,
    #[schema(value_type = String)]
    pub vat_percent: Decimal,
    pub discontinued: bool,
    pub allows_negative_stock: bool,
    pub version: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinePriceListRequest {
    pub name: String,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    #[serde(default)]
    pub prices_include_vat: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceRow {
    pub product: Uuid,
    /// `everyone`, `segment:<tag>` or `party:<id>`.
    pub scope: String,
    #[schema(value_type = String)]
    pub min_quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListResponse {
    pub id: Uuid,
    pub name: String,
    pub currency: Option<String>,
    pub prices_include_vat: bool,
    pub prices: Vec<PriceRow>,
    pub version: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPriceRequest {
    pub product: Uuid,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// The price holds from this quantity on (a price break); 0 when absent.
    #[schema(value_type = Option<String>)]
    pub min_quantity: Option<Decimal>,
    /// A customer segment (tag); with `party`, absent for everyone.
    pub segment: Option<String>,
    pub party: Option<Uuid>,
}

fn kind_dto(kind: ProductKind) -> ProductKindDto {
    match kind {
        ProductKind::StockTracked => ProductKindDto::StockTracked,
        ProductKind::Service => ProductKindDto::Service,
    }
}

/// Defines a product.
#[utoipa::path(post, path = "/products", tag = TAG_CATALOG,
    request_body = DefineProductRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(RegisteredUnique))]
async fn define_product(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DefineProductRequest>,
) -> Result<Written, ApiError> {
    let define = DefineProduct {
        sku: Sku::parse("sku", &request.sku)?,
        name: Label::parse("name", &request.name)?,
        unit: Unit::parse("unit", &request.unit)?,
        category: Label::parse_optional("category", request.category.as_deref())?,
        barcode: Label::parse_optional("barcode", request.barcode.as_deref())?,
        kind: match request.kind {
            ProductKindDto::StockTracked => ProductKind::StockTracked,
            ProductKindDto::Service => ProductKind::Service,
        },
        vat: VatRate::parse("vat_percent", request.vat_percent)?,
    };
    let id = ProductId::from_uuid(headers.new_id("product"));
    let executed = app::catalog::define_product(
        &state.app,
        &state.read_models,
        &headers.principal.caller(),
        headers.run(),
        id,
        define,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One product, with its stream version as `ETag`.
#[utoipa::path(get, path = "/products/{id}", tag = TAG_CATALOG,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ProductResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<ProductResponse>, ApiError> {
    let (product, version) = load::<Product>(&state, id)?;
    let product = product.ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    Ok(Versioned(
        version,
        ProductResponse {
            id,
            sku: product.sku,
            name: product.name,
            unit: product.unit,
            category: product.category,
            barcode: product.barcode,
            kind: kind_dto(product.kind),
            vat_percent: product.vat_percent,
            discontinued: product.discontinued,
            allows_negative_stock: product.allows_negative_stock,
            version,
        },
    ))
}

/// A new name (a product's or a price list's).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub name: String,
}

/// A product's category; absent or `null`: none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategorizeRequest {
    pub category: Option<String>,
}

/// A product's barcode; absent or `null`: none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BarcodeRequest {
    pub barcode: Option<String>,
}

/// A product's VAT rate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VatRateRequest {
    /// In percent, as a decimal string (`"10"`).
    #[schema(value_type = String)]
    pub vat_percent: Decimal,
}

/// Whether stock may go below zero.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NegativeStockRequest {
    pub allowed: bool,
}

/// A price to take off a list: the product, its break and its scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovePriceRequest {
    pub product: Uuid,
    /// The break's start; 0 when absent.
    #[schema(value_type = Option<String>)]
    pub min_quantity: Option<Decimal>,
    /// A customer segment (tag); with `party`, absent for everyone.
    pub segment: Option<String>,
    pub party: Option<Uuid>,
}

/// A standing discount: percent off or an amount off each unit, for one
/// product or every product, for everyone, a segment or a party.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDiscountRequest {
    /// Every product when absent.
    pub product: Option<Uuid>,
    pub segment: Option<String>,
    pub party: Option<Uuid>,
    /// Percent off, 0 to 100 (not with `amount`).
    #[schema(value_type = Option<String>)]
    pub percent: Option<Decimal>,
    /// An amount off each unit in the list's currency (not with
    /// `percent`).
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
}

/// The discount to take off: its product (every product when absent) and
/// scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveDiscountRequest {
    pub product: Option<Uuid>,
    pub segment: Option<String>,
    pub party: Option<Uuid>,
}

/// Whom a price or discount is for: a segment, a party or (neither)
/// everyone.
fn price_scope(segment: Option<String>, party: Option<Uuid>) -> Result<PriceScope, ApiError> {
    Ok(match (segment, party) {
        (None, None) => PriceScope::Everyone,
        (Some(segment), None) => {
            PriceScope::Segment(domain::values::Tag::parse("segment", &segment)?.into_string())
        }
        (None, Some(party)) => PriceScope::Party(PartyId::from_uuid(party)),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "party",
                "give a segment or a party, not both",
            ));
        }
    })
}

aggregate_write! {
    /// Renames a product.
    rename_product: "/products/{id}/rename", TAG_CATALOG, Product, RenameRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::Rename(Label::parse("name", &request.name)?)))
}

aggregate_write! {
    /// Puts a product in a category (or in none).
    categorize_product: "/products/{id}/categorize", TAG_CATALOG, Product, CategorizeRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::Categorize(
        Label::parse_optional("category", request.category.as_deref())?
    )))
}

aggregate_write! {
    /// Sets (or clears) a product's barcode.
    set_barcode: "/products/{id}/barcode", TAG_CATALOG, Product, BarcodeRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::SetBarcode(
        Label::parse_optional("barcode", request.barcode.as_deref())?
    )))
}

aggregate_write! {
    /// Sets a product's VAT rate; orders confirmed later use it.
    set_vat_rate: "/products/{id}/vat-rate", TAG_CATALOG, Product, VatRateRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::SetVatRate(
        VatRate::parse("vat_percent", request.vat_percent)?
    )))
}

aggregate_write! {
    /// Lets stock of a product go below zero in any warehouse (or stops
    /// it).
    allow_negative_stock: "/products/{id}/negative-stock", TAG_CATALOG, Product, NegativeStockRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::AllowNegativeStock(request.allowed)))
}

aggregate_write! {
    /// Discontinues a product: it can no longer be changed until it is
    /// reinstated (discontinuing it again changes nothing).
    discontinue_product: "/products/{id}/discontinue", TAG_CATALOG, Product, NoFields, ChangedUnlessStale,
    |_state, _id, _request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::Discontinue))
}

aggregate_write! {
    /// Reinstates a discontinued product (a current one stays as it is).
    reinstate_product: "/products/{id}/reinstate", TAG_CATALOG, Product, NoFields, ChangedUnlessStale,
    |_state, _id, _request, _headers| super::parsed::<ProductCommand>(|| Ok(ProductCommand::Reinstate))
}

aggregate_write! {
    /// Renames a price list.
    rename_price_list: "/price-lists/{id}/rename", TAG_CATALOG, PriceList, RenameRequest, ChangedUnlessStale,
    |_state, _id, request, _headers| super::parsed::<PriceListCommand>(|| Ok(PriceListCommand::Rename(Label::parse("name", &request.name)?)))
}

aggregate_write! {
    /// Takes a price (one break of one scope) off a list; one that is not
    /// there changes nothing.
    remove_price: "/price-lists/{id}/prices/remove", TAG_CATALOG, PriceList, RemovePriceRequest, ChangedUnlessStale,
    |_state, _id, request, _headers| super::parsed::<PriceListCommand>(|| Ok(PriceListCommand::RemovePrice {
        product: ProductId::from_uuid(request.product),
        min_quantity: Quantity::parse_break(
            "min_quantity",
            request.min_quantity.unwrap_or(Decimal::ZERO),
        )?,
        scope: price_scope(request.segment, request.party)?,
    }))
}

aggregate_write! {
    /// Sets a standing discount on a list.
    set_discount: "/price-lists/{id}/discounts", TAG_CATALOG, PriceList, SetDiscountRequest, ChangedUnlessStale,
    |_state, _id, request, _headers| super::parsed::<PriceListCommand>(|| Ok(PriceListCommand::SetDiscount {
        discount: match (request.percent, request.amount) {
            (Some(percent), None) => Discount::percent("percent", percent)?,
            (None, Some(amount)) => Discount::amount("amount", amount)?,
            _ => return Err(ApiError::invalid("percent", "give a percent or an amount, one of them")),
        },
        product: request.product.map(ProductId::from_uuid),
        scope: price_scope(request.segment, request.party)?,
    }))
}

aggregate_write! {
    /// Takes a standing discount off a list; one that is not there changes
    /// nothing.
    remove_discount: "/price-lists/{id}/discounts/remove", TAG_CATALOG, PriceList, RemoveDiscountRequest, ChangedUnlessStale,
    |_state, _id, request, _headers| super::parsed::<PriceListCommand>(|| Ok(PriceListCommand::RemoveDiscount {
        product: request.product.map(ProductId::from_uuid),
        scope: price_scope(request.segment, request.party)?,
    }))
}

/// Defines a price list in one currency.
#[utoipa::path(post, path = "/price-lists", tag = TAG_CATALOG,
    request_body = DefinePriceListRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn define_price_list(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DefinePriceListRequest>,
) -> Result<Written, ApiError> {
    let command = PriceListCommand::Define {
        name: Label::parse("name", &request.name)?,
        currency: Currency::parse("currency", &request.currency)?,
        prices_include_vat: request.prices_include_vat,
    };
    let id = PriceListId::from_uuid(headers.new_id("price-list"));
    let executed = execute::<PriceList, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One price list with its prices.
#[utoipa::path(get, path = "/price-lists/{id}", tag = TAG_CATALOG,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = PriceListResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_price_list(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<PriceListResponse>, ApiError> {
    let (list, version) = load::<PriceList>(&state, id)?;
    let list = list.ok_or_else(|| ApiError::NotFound(format!("price list {id}")))?;
    let prices = list
        .prices
        .iter()
        .map(|((product, scope, min_quantity), unit_price)| PriceRow {
            product: product.as_uuid(),
            scope: match scope {
                PriceScope::Everyone => "everyone".to_owned(),
                PriceScope::Segment(tag) => format!("segment:{tag}"),
                PriceScope::Party(party) => format!("party:{party}"),
            },
            min_quantity: *min_quantity,
            unit_price: *unit_price,
        })
        .collect();
    Ok(Versioned(
        version,
        PriceListResponse {
            id,
            name: list.name,
            currency: list.currency.map(|currency| currency.as_str().to_owned()),
            prices_include_vat: list.prices_include_vat,
            prices,
            version,
        },
    ))
}

/// Sets a product's price on a list (for everyone, a segment or a party).
#[utoipa::path(post, path = "/price-lists/{id}/prices", tag = TAG_CATALOG,
    request_body = SetPriceRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The list's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(ChangedUnlessStale))]
async fn set_price(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<SetPriceRequest>,
) -> Result<Written, ApiError> {
    let scope = price_scope(request.segment, request.party)?;
    let command = PriceListCommand::SetPrice {
        product: ProductId::from_uuid(request.product),
        scope,
        min_quantity: Quantity::parse_break(
            "min_quantity",
            request.min_quantity.unwrap_or(Decimal::ZERO),
        )?,
        unit_price: UnitPrice::parse("unit_price", request.unit_price)?,
    };
    let executed = execute::<PriceList, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

// ------------------------------------------------ lists from the read model
//
// The lists of products (searched, by category, paged) and of price lists
// come from the catalog read model; this part's imports are kept with it.

use projections::models::catalog::{ProductCursor, ProductQuery};
use utoipa::IntoParams;

use super::extract::{ApiQuery, PageParams, WaitFor, encode_cursor};

/// Longest search text, in characters.
const PRODUCT_SEARCH_CHARS_MAX: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductSearch {
    /// Words that must all occur in the SKU, the name or the barcode (any
    /// part, any case); at most 200 characters.
    pub q: Option<String>,
    /// Only products of this category, exactly as named.
    pub category: Option<String>,
}

/// One row of the product list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductListRow {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub barcode: Option<String>,
    pub kind: ProductKindDto,
    #[schema(value_type = String)]
    pub vat_percent: Decimal,
    pub discontinued: bool,
    pub allows_negative_stock: bool,
}

/// Products in SKU order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductListPage {
    pub rows: Vec<ProductListRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// One price list, without its prices (`GET /price-lists/{id}` has them).
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListRow {
    pub id: Uuid,
    pub name: String,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub prices_include_vat: bool,
    /// Prices set (per product, scope and quantity break).
    pub price_count: usize,
    /// Standing discounts set.
    pub discount_count: usize,
}

/// Price lists by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListPage {
    pub rows: Vec<PriceListRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A list cursor: the last row's id (16 bytes), then its sort key.
fn key_cursor(id: Uuid, key: &str) -> String {
    let mut bytes = id.as_bytes().to_vec();
    bytes.extend_from_slice(key.as_bytes());
    encode_cursor(&bytes)
}

fn parse_key_cursor(page: &PageParams) -> Result<Option<(Uuid, String)>, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    page.cursor()?
        .map(|bytes| {
            let (id, key) = bytes.split_at_checked(16).ok_or_else(bad)?;
            let id = Uuid::from_slice(id).map_err(|_| bad())?;
            let key = String::from_utf8(key.to_vec()).map_err(|_| bad())?;
            Ok((id, key))
        })
        .transpose()
}

/// Products in SKU order, searched by SKU, name or barcode and filtered by
/// category, from the catalog read model. A page holds at most 200 rows.
#[utoipa::path(get, path = "/products", tag = TAG_CATALOG,
    params(ProductSearch, PageParams, WaitFor),
    responses(
        (status = 200, body = ProductListPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_products(
    State(state): State<AppState>,
    ApiQuery(search): ApiQuery<ProductSearch>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ProductListPage>, ApiError> {
    let text = search.q.unwrap_or_default();
    if text.chars().count() > PRODUCT_SEARCH_CHARS_MAX {
        return Err(ApiError::invalid(
            "q",
            format!("must be at most {PRODUCT_SEARCH_CHARS_MAX} characters"),
        ));
    }
    let limit = page.limit()?;
    let after = parse_key_cursor(&page)?.map(|(id, sku)| ProductCursor {
        sku,
        id: ProductId::from_uuid(id),
    });
    wait.wait(&state).await?;
    let query = ProductQuery {
        text,
        category: search.category.filter(|category| !category.is_empty()),
        after,
        limit,
    };
    let page = state.read_models.catalog.read(|catalog| {
        let found = catalog.search(&query);
        ProductListPage {
            rows: found
                .rows
                .into_iter()
                .map(|(id, row)| ProductListRow {
                    id: id.as_uuid(),
                    sku: row.sku,
                    name: row.name,
                    unit: row.unit,
                    category: row.category,
                    barcode: row.barcode,
                    kind: kind_dto(row.kind),
                    vat_percent: row.vat_percent,
                    discontinued: row.discontinued,
                    allows_negative_stock: row.allows_negative_stock,
                })
                .collect(),
            next_cursor: found
                .next
                .map(|next| key_cursor(next.id.as_uuid(), &next.sku)),
        }
    });
    Ok(axum::Json(page))
}

/// Price lists by name (then id), from the catalog read model.
#[utoipa::path(get, path = "/price-lists", tag = TAG_CATALOG,
    params(PageParams, WaitFor),
    responses(
        (status = 200, body = PriceListPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_price_lists(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<PriceListPage>, ApiError> {
    let limit = page.limit()?;
    let after = parse_key_cursor(&page)?;
    wait.wait(&state).await?;
    let page = state.read_models.catalog.read(|catalog| {
        let mut rows = Vec::with_capacity(limit);
        let mut next_cursor = None;
        let lists = catalog.price_lists().into_iter().filter(|(id, list)| {
            after.as_ref().is_none_or(|(after_id, after_name)| {
                (list.name.as_str(), id.as_uuid()) > (after_name.as_str(), *after_id)
            })
        });
        for (id, list) in lists {
            if rows.len() == limit {
                next_cursor = rows
                    .last()
                    .map(|last: &PriceListRow| key_cursor(last.id, &last.name));
                break;
            }
            rows.push(PriceListRow {
                id: id.as_uuid(),
                name: list.name.clone(),
                currency: list.currency.as_str().to_owned(),
                prices_include_vat: list.prices_include_vat,
                price_count: list.prices.len(),
                discount_count: list.discounts.len(),
            });
        }
        PriceListPage { rows, next_cursor }
    });
    Ok(axum::Json(page))
}
