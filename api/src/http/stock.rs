//! Warehouses and stock: open a warehouse, receive goods into it, read a
//! product's stock per warehouse from the stock read model.

use axum::extract::State;
use axum::http::StatusCode;
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{BranchId, ProductId, WarehouseId};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, Versioned, WaitFor, WriteHeaders, WriteResult, Written,
};
use super::{TAG_STOCK, load};
use crate::AppState;
use crate::process::{SYSTEM_USER, stock_stream};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive_stock))
        .routes(routes!(product_stock))
}

/// Goods received into a warehouse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    pub product: Uuid,
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What one unit cost; it moves the average cost.
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    /// The supplier's delivery note, say.
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceRow {
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub reserved: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub average_cost: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductStockResponse {
    pub product: Uuid,
    pub warehouses: Vec<BalanceRow>,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
}

/// Receives goods of a product into a warehouse. The answer's `id` names
/// this receipt (derived from the write's command id); its `ETag` is the
/// version of the pair's stock stream.
#[utoipa::path(post, path = "/stock/receipts", tag = TAG_STOCK,
    request_body = ReceiptRequest,
    params(
        ("If-Match" = Option<String>, Header, description = "The stock stream's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn receive_stock(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReceiptRequest>,
) -> Result<Written, ApiError> {
    let product = ProductId::from_uuid(request.product);
    let warehouse = WarehouseId::from_uuid(request.warehouse);
    let command = StockCommand::Receive {
        quantity: Quantity::parse("quantity", request.quantity)?,
        unit_cost: UnitPrice::parse("unit_cost", request.unit_cost)?,
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
    };
    // The stock decider knows nothing of products and warehouses: the
    // edge checks both exist, so no stock is kept for a typo.
    if load::<domain::catalog::Product>(&state, product)?
        .0
        .is_none()
    {
        return Err(ApiError::NotFound(format!("product {product}")));
    }
    if load::<Warehouse>(&state, warehouse)?.0.is_none() {
        return Err(ApiError::NotFound(format!("warehouse {warehouse}")));
    }
    let stream = stock_stream(product, warehouse)?;
    let issued = domain::Issued::new(SYSTEM_USER, chrono::Utc::now(), command);
    let executed = state
        .commands
        .execute::<Stock, _>(&stream, &issued, &headers.execution())
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        headers.new_id("receipt"),
        &executed,
    ))
}

/// A product's stock in every warehouse, from the stock read model.
#[utoipa::path(get, path = "/products/{id}/stock", tag = TAG_STOCK,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = ProductStockResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn product_stock(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ProductStockResponse>, ApiError> {
    wait.wait(&state).await?;
    let stock = state
        .read_models
        .stock
        .read(|model| model.product_stock(ProductId::from_uuid(id)));
    Ok(axum::Json(ProductStockResponse {
        product: id,
        warehouses: stock
            .warehouses
            .iter()
            .map(|balance| BalanceRow {
                warehouse: balance.warehouse.as_uuid(),
                on_hand: balance.on_hand,
                reserved: balance.reserved,
                available: balance.available,
                average_cost: balance.average_cost,
                value: balance.value,
            })
            .collect(),
        on_hand: stock.totals.on_hand,
        available: stock.totals.available,
        value: stock.totals.value,
    }))
}
