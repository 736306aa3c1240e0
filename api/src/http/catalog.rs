//! The catalog: products and price lists, defined and read from their
//! streams; a price set on a list for everyone, a segment or one party.

use axum::extract::State;
use axum::http::StatusCode;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
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
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, WriteResult, Written};
use super::{TAG_CATALOG, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define_product))
        .routes(routes!(get_product))
        .routes(routes!(define_price_list))
        .routes(routes!(get_price_list))
        .routes(routes!(set_price))
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
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
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
    let executed =
        execute::<Product, _>(&state, id, ProductCommand::Define(define), &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One product, with its stream version as `ETag`.
#[utoipa::path(get, path = "/products/{id}", tag = TAG_CATALOG,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ProductResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
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

/// Defines a price list in one currency.
#[utoipa::path(post, path = "/price-lists", tag = TAG_CATALOG,
    request_body = DefinePriceListRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
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
    responses(
        (status = 200, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_price(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<SetPriceRequest>,
) -> Result<Written, ApiError> {
    let scope = match (request.segment, request.party) {
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
    };
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
