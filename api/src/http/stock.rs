//! Stock: goods received, written off, moved between warehouses and
//! counted, reorder levels; reads over the stock read model (levels per
//! product and warehouse, a product's stock now and as of a day, its
//! movements ledger).
//!
//! The stock decider sees one (product, warehouse) stream and knows
//! nothing of products and warehouses: the edge checks both exist, so no
//! stock is kept for a typo, and passes in whether either lets the stock
//! go negative. A transfer is one request: no process carries a transfer
//! out to its arrival, so the handler issues both halves, each under an
//! id derived from the write's, and the arrival takes the cost the
//! departure recorded.

use std::str::FromStr;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::{Product, Quantity, UnitPrice};
use domain::ids::{ProductId, WarehouseId};
use domain::inventory::StockCommand;
use domain::values::Label;
use projections::models::stock::{
    Balance, LedgerCursor, LedgerEntry, LedgerQuery, LevelCursor, LevelKey, LevelQuery, LevelSort,
    MovementKind,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, WaitFor, WriteHeaders, WriteResult, Written,
    encode_cursor,
};
use super::reports::{end_of, known};
use super::writes::{ChangedUnlessStale, Recorded};
use super::{TAG_STOCK, load};
use crate::AppState;
use app::stock::TransferStock;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive_stock))
        .routes(routes!(issue_stock))
        .routes(routes!(transfer_stock))
        .routes(routes!(count_stock))
        .routes(routes!(set_reorder_level))
        .routes(routes!(stock_levels))
        .routes(routes!(product_stock))
        .routes(routes!(product_stock_as_of))
        .routes(routes!(product_movements))
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
    /// When it happened, if earlier than now (a receipt entered the day
    /// after): later balances and average costs are recomputed.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Goods taken out of stock by hand: a write-off (damaged, lost, used).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub product: Uuid,
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Why, kept as the movement's reference.
    pub reason: String,
    /// When it happened, if earlier than now (a receipt entered the day
    /// after): later balances and average costs are recomputed.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Goods moved from one warehouse to another.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub product: Uuid,
    pub from: Uuid,
    pub to: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// What an inventory count found on the shelf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRequest {
    pub product: Uuid,
    pub warehouse: Uuid,
    /// Zero or more.
    #[schema(value_type = String)]
    pub counted: Decimal,
    /// When it happened, if earlier than now (a receipt entered the day
    /// after): later balances and average costs are recomputed.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Below this much available stock, reorder; `null` or absent: no level.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderLevelRequest {
    pub product: Uuid,
    pub warehouse: Uuid,
    #[schema(value_type = Option<String>)]
    pub level: Option<Decimal>,
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

/// Runs a write on the stock of the request's `product` in its
/// `warehouse` (`app`'s use case) and answers it with `status`, naming
/// `id`.
async fn stock_write(
    state: &AppState,
    headers: &WriteHeaders,
    (product, warehouse): (Uuid, Uuid),
    (command, occurred_at): (StockCommand, Option<DateTime<Utc>>),
    (status, id): (StatusCode, Uuid),
) -> Result<Written, ApiError> {
    let executed = state
        .app
        .stock()
        .record(
            &headers.principal.caller(),
            headers.run(),
            (
                ProductId::from_uuid(product),
                WarehouseId::from_uuid(warehouse),
            ),
            command,
            occurred_at,
        )
        .await?;
    Ok(Written::new(state, status, id, &executed))
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
    let command = StockCommand::Receive {
        quantity: Quantity::parse("quantity", request.quantity)?,
        unit_cost: UnitPrice::parse("unit_cost", request.unit_cost)?,
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
    };
    stock_write(
        &state,
        &headers,
        (request.product, request.warehouse),
        (command, request.occurred_at),
        (StatusCode::CREATED, headers.new_id("receipt")),
    )
    .await
}

/// Writes goods off (damaged, lost, used in-house) with a reason, at the
/// average cost. The answer's `id` names this issue; its `ETag` is the
/// stock stream's version.
#[utoipa::path(post, path = "/stock/issues", tag = TAG_STOCK,
    request_body = IssueRequest,
    params(
        ("If-Match" = Option<String>, Header, description = "The stock stream's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Recorded))]
async fn issue_stock(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<IssueRequest>,
) -> Result<Written, ApiError> {
    let command = StockCommand::Issue {
        quantity: Quantity::parse("quantity", request.quantity)?,
        reservation: None,
        reference: Some(Label::parse("reason", &request.reason)?),
        negative_allowed: false,
    };
    stock_write(
        &state,
        &headers,
        (request.product, request.warehouse),
        (command, request.occurred_at),
        (StatusCode::CREATED, headers.new_id("issue")),
    )
    .await
}

/// Moves goods from one warehouse to another. `If-Match` is the source's
/// stock stream version, as is the answer's `ETag`; the answer's `id` is
/// the transfer's and its `position` the arrival's, so `wait_for` sees
/// both halves.
#[utoipa::path(post, path = "/stock/transfers", tag = TAG_STOCK,
    request_body = TransferRequest,
    params(
        ("If-Match" = Option<String>, Header, description = "The source stock stream's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The source stream's version now"), ("X-Position" = u64, description = "The log position of the arrival, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn transfer_stock(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<TransferRequest>,
) -> Result<Written, ApiError> {
    let transfer = TransferStock {
        product: ProductId::from_uuid(request.product),
        from: WarehouseId::from_uuid(request.from),
        to: WarehouseId::from_uuid(request.to),
        quantity: Quantity::parse("quantity", request.quantity)?,
    };
    let done = state
        .app
        .stock()
        .transfer(&headers.principal.caller(), headers.run(), transfer)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        done.transfer,
        &done.executed,
    ))
}

/// Records an inventory count: the books take what is on the shelf, the
/// difference at the average cost. The answer's `id` names this count.
#[utoipa::path(post, path = "/stock/counts", tag = TAG_STOCK,
    request_body = CountRequest,
    params(
        ("If-Match" = Option<String>, Header, description = "The stock stream's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn count_stock(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CountRequest>,
) -> Result<Written, ApiError> {
    let command = StockCommand::Count {
        counted: Quantity::parse_break("counted", request.counted)?,
    };
    stock_write(
        &state,
        &headers,
        (request.product, request.warehouse),
        (command, request.occurred_at),
        (StatusCode::CREATED, headers.new_id("count")),
    )
    .await
}

/// Sets (or clears) the reorder level of a product in a warehouse. The
/// answer's `id` is the product's.
#[utoipa::path(post, path = "/stock/reorder-levels", tag = TAG_STOCK,
    request_body = ReorderLevelRequest,
    params(
        ("If-Match" = Option<String>, Header, description = "The stock stream's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(ChangedUnlessStale))]
async fn set_reorder_level(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReorderLevelRequest>,
) -> Result<Written, ApiError> {
    let command = StockCommand::SetReorderLevel {
        level: request
            .level
            .map(|level| Quantity::parse_break("level", level))
            .transpose()?,
    };
    stock_write(
        &state,
        &headers,
        (request.product, request.warehouse),
        (command, None),
        (StatusCode::OK, request.product),
    )
    .await
}

/// How stock levels are sorted.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelSortDto {
    #[default]
    Sku,
    Available,
    Value,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Which stock levels, in what order.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelParams {
    /// One warehouse only.
    pub warehouse: Option<Uuid>,
    /// Only lines whose available stock is below their reorder level.
    #[serde(default)]
    pub low: bool,
    /// `sku` (the default), `available` or `value`.
    pub sort: Option<LevelSortDto>,
    /// `asc` (the default) or `desc`.
    pub order: Option<SortOrder>,
}

/// Live stock of one product in one warehouse.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelRow {
    pub product: Uuid,
    pub sku: String,
    pub name: String,
    pub warehouse: Uuid,
    pub warehouse_name: String,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub reserved: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    /// On its way here from another warehouse.
    #[schema(value_type = String)]
    pub in_transit: Decimal,
    #[schema(value_type = String)]
    pub average_cost: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
    #[schema(value_type = Option<String>)]
    pub reorder_level: Option<Decimal>,
    /// Available is below the reorder level.
    pub low: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelPage {
    pub rows: Vec<LevelRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

fn balance_row(balance: &Balance) -> BalanceRow {
    BalanceRow {
        warehouse: balance.warehouse.as_uuid(),
        on_hand: balance.on_hand,
        reserved: balance.reserved,
        available: balance.available,
        average_cost: balance.average_cost,
        value: balance.value,
    }
}

/// Live stock per product and warehouse from the stock read model,
/// filtered by warehouse or low stock, sorted, a page at a time (at most
/// 200 rows).
#[utoipa::path(get, path = "/stock", tag = TAG_STOCK,
    params(LevelParams, PageParams, WaitFor),
    responses(
        (status = 200, body = LevelPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn stock_levels(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(params): ApiQuery<LevelParams>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<LevelPage>, ApiError> {
    let sort = match params.sort.unwrap_or_default() {
        LevelSortDto::Sku => LevelSort::Sku,
        LevelSortDto::Available => LevelSort::Available,
        LevelSortDto::Value => LevelSort::Value,
    };
    let query = LevelQuery {
        warehouse: params.warehouse.map(WarehouseId::from_uuid),
        low_only: params.low,
        sort,
        descending: matches!(params.order.unwrap_or_default(), SortOrder::Desc),
        after: page
            .cursor()?
            .map(|bytes| parse_level_cursor(&bytes, sort))
            .transpose()?,
        limit: page.limit()?,
    };
    wait.wait(&state).await?;
    // A storekeeper sees the stock of their branch's warehouses; a page
    // may then hold fewer rows than asked, and the cursor goes on.
    let hidden = crate::http::scope::warehouses_out_of_reach(&state, &principal);
    if let (Some(hidden), Some(warehouse)) = (&hidden, params.warehouse)
        && hidden.contains(&warehouse)
    {
        return Err(ApiError::NotFound(format!("warehouse {warehouse}")));
    }
    let page = state.read_models.stock.read(|stock| stock.levels(&query));
    Ok(axum::Json(LevelPage {
        rows: page
            .rows
            .into_iter()
            .filter(|row| {
                hidden
                    .as_ref()
                    .is_none_or(|hidden| !hidden.contains(&row.balance.warehouse.as_uuid()))
            })
            .map(|row| LevelRow {
                product: row.product.as_uuid(),
                sku: row.sku,
                name: row.product_name,
                warehouse: row.balance.warehouse.as_uuid(),
                warehouse_name: row.warehouse_name,
                on_hand: row.balance.on_hand,
                reserved: row.balance.reserved,
                available: row.balance.available,
                in_transit: row.balance.in_transit,
                average_cost: row.balance.average_cost,
                value: row.balance.value,
                reorder_level: row.balance.reorder_level,
                low: row
                    .balance
                    .reorder_level
                    .is_some_and(|level| row.balance.available < level),
            })
            .collect(),
        next_cursor: page.next.map(|next| {
            let mut bytes = next.product.as_uuid().as_bytes().to_vec();
            bytes.extend_from_slice(next.warehouse.as_uuid().as_bytes());
            match &next.key {
                LevelKey::Text(text) => bytes.extend_from_slice(text.as_bytes()),
                LevelKey::Amount(amount) => bytes.extend_from_slice(amount.to_string().as_bytes()),
            }
            encode_cursor(&bytes)
        }),
    }))
}

/// A stock levels cursor: product and warehouse ids (16 bytes each), then
/// the sort key as text.
fn parse_level_cursor(bytes: &[u8], sort: LevelSort) -> Result<LevelCursor, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list and sort");
    let (product, rest) = bytes.split_at_checked(16).ok_or_else(bad)?;
    let (warehouse, key) = rest.split_at_checked(16).ok_or_else(bad)?;
    let key = std::str::from_utf8(key).map_err(|_| bad())?;
    Ok(LevelCursor {
        key: match sort {
            LevelSort::Sku => LevelKey::Text(key.to_owned()),
            LevelSort::Available | LevelSort::Value => {
                LevelKey::Amount(Decimal::from_str(key).map_err(|_| bad())?)
            }
        },
        product: ProductId::from_uuid(Uuid::from_slice(product).map_err(|_| bad())?),
        warehouse: WarehouseId::from_uuid(Uuid::from_slice(warehouse).map_err(|_| bad())?),
    })
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
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ProductStockResponse>, ApiError> {
    wait.wait(&state).await?;
    let stock = state
        .read_models
        .stock
        .read(|model| model.product_stock(ProductId::from_uuid(id)));
    let Some(hidden) = crate::http::scope::warehouses_out_of_reach(&state, &principal) else {
        return Ok(axum::Json(ProductStockResponse {
            product: id,
            warehouses: stock.warehouses.iter().map(balance_row).collect(),
            on_hand: stock.totals.on_hand,
            available: stock.totals.available,
            value: stock.totals.value,
        }));
    };
    // A storekeeper's totals are those of their branch's warehouses.
    let warehouses: Vec<BalanceRow> = stock
        .warehouses
        .iter()
        .filter(|balance| !hidden.contains(&balance.warehouse.as_uuid()))
        .map(balance_row)
        .collect();
    Ok(axum::Json(ProductStockResponse {
        product: id,
        on_hand: warehouses.iter().map(|row| row.on_hand).sum(),
        available: warehouses.iter().map(|row| row.available).sum(),
        value: warehouses.iter().map(|row| row.value).sum(),
        warehouses,
    }))
}

/// When: the business day, and optionally the moment the log is read at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Business time: stock at the end of this day.
    pub as_of: NaiveDate,
    /// Knowledge time: as the log knew it at this moment (slower).
    pub known_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockAtRow {
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    /// The moving average recomputed in business order up to then.
    #[schema(value_type = String)]
    pub average_cost: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductStockAsOf {
    pub product: Uuid,
    pub as_of: NaiveDate,
    pub warehouses: Vec<StockAtRow>,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// With `known_at`: the last log position the answer includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// A product's stock per warehouse at the end of a business day (and as
/// the log knew it at `known_at`), from the stock read model.
#[utoipa::path(get, path = "/products/{id}/stock/as-of", tag = TAG_STOCK,
    params(("id" = Uuid, Path), AsOfParams, WaitFor),
    responses(
        (status = 200, body = ProductStockAsOf),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn product_stock_as_of(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<AsOfParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ProductStockAsOf>, ApiError> {
    wait.wait(&state).await?;
    let product = ProductId::from_uuid(id);
    let at = end_of(params.as_of);
    // A storekeeper's figures are those of their branch's warehouses.
    let hidden =
        crate::http::scope::warehouses_out_of_reach(&state, &principal).unwrap_or_default();
    let (warehouses, known_position) = known(
        &state,
        &state.read_models.stock,
        params.known_at,
        move |stock| {
            stock
                .product_stock(product)
                .warehouses
                .iter()
                .filter(|balance| !hidden.contains(&balance.warehouse.as_uuid()))
                .map(|balance| {
                    let then = stock.stock_at(product, balance.warehouse, at);
                    StockAtRow {
                        warehouse: balance.warehouse.as_uuid(),
                        on_hand: then.on_hand,
                        average_cost: then.average_cost,
                        value: then.value,
                    }
                })
                .collect::<Vec<_>>()
        },
    )
    .await?;
    let (on_hand, value) =
        warehouses
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(on_hand, value), row| {
                (
                    on_hand.saturating_add(row.on_hand),
                    value.saturating_add(row.value),
                )
            });
    Ok(axum::Json(ProductStockAsOf {
        product: id,
        as_of: params.as_of,
        warehouses,
        on_hand,
        value,
        known_position,
    }))
}

/// Whose movements, in what order.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementParams {
    /// One warehouse only; all of the product's when absent.
    pub warehouse: Option<Uuid>,
    /// `asc` (oldest first, the default) or `desc`, in business time.
    pub order: Option<SortOrder>,
}

/// The other side of a transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    pub transfer: Uuid,
    /// Where the goods went, or came from.
    pub warehouse: Uuid,
}

/// One change of on-hand stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementRow {
    pub warehouse: Uuid,
    pub position: u64,
    /// Business time.
    pub occurred_at: DateTime<Utc>,
    /// When the log recorded it.
    pub recorded_at: DateTime<Utc>,
    /// `received`, `issued`, `transferred_out`, `transferred_in`,
    /// `counted` or `returned`.
    pub kind: String,
    /// Signed: what it added to on hand.
    #[schema(value_type = String)]
    pub change: Decimal,
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    pub reference: Option<String>,
    pub transfer: Option<TransferDto>,
    /// The balance of what the page covers (the warehouse, or the product
    /// over all its warehouses) after this movement, in business order.
    #[schema(value_type = String)]
    pub balance_after: Decimal,
    #[schema(value_type = String)]
    pub average_cost_after: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementPage {
    pub rows: Vec<MovementRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

fn movement_row(entry: LedgerEntry) -> MovementRow {
    MovementRow {
        warehouse: entry.warehouse.as_uuid(),
        position: entry.position,
        occurred_at: entry.occurred_at,
        recorded_at: entry.recorded_at,
        kind: match entry.kind {
            MovementKind::Received => "received",
            MovementKind::Issued => "issued",
            MovementKind::TransferredOut => "transferred_out",
            MovementKind::TransferredIn => "transferred_in",
            MovementKind::Counted => "counted",
            MovementKind::Returned => "returned",
            MovementKind::Consumed => "consumed",
        }
        .to_owned(),
        change: entry.change,
        unit_cost: entry.unit_cost,
        reference: entry.reference,
        transfer: entry.transfer.map(|link| TransferDto {
            transfer: link.transfer.as_uuid(),
            warehouse: link.warehouse.as_uuid(),
        }),
        balance_after: entry.balance_after,
        average_cost_after: entry.average_cost_after,
    }
}

/// A product's movements (in one warehouse, or all of them) in business
/// order with the running balance, a page at a time (at most 200 rows).
#[utoipa::path(get, path = "/products/{id}/movements", tag = TAG_STOCK,
    params(("id" = Uuid, Path), MovementParams, PageParams, WaitFor),
    responses(
        (status = 200, body = MovementPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn product_movements(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<MovementParams>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<MovementPage>, ApiError> {
    let query = LedgerQuery {
        product: ProductId::from_uuid(id),
        warehouse: params.warehouse.map(WarehouseId::from_uuid),
        after: page
            .cursor()?
            .map(|bytes| parse_ledger_cursor(&bytes))
            .transpose()?,
        limit: page.limit()?,
        newest_first: matches!(params.order.unwrap_or_default(), SortOrder::Desc),
    };
    if load::<Product>(&state, id)?.0.is_none() {
        return Err(ApiError::NotFound(format!("product {id}")));
    }
    wait.wait(&state).await?;
    let hidden = crate::http::scope::warehouses_out_of_reach(&state, &principal);
    if let (Some(hidden), Some(warehouse)) = (&hidden, params.warehouse)
        && hidden.contains(&warehouse)
    {
        return Err(ApiError::NotFound(format!("warehouse {warehouse}")));
    }
    let page = state.read_models.stock.read(|stock| stock.ledger(&query));
    Ok(axum::Json(MovementPage {
        rows: page
            .entries
            .into_iter()
            .filter(|entry| {
                hidden
                    .as_ref()
                    .is_none_or(|hidden| !hidden.contains(&entry.warehouse.as_uuid()))
            })
            .map(movement_row)
            .collect(),
        next_cursor: page.next.and_then(|next| {
            let nanos = next.occurred_at.timestamp_nanos_opt()?;
            let mut bytes = nanos.to_be_bytes().to_vec();
            bytes.extend_from_slice(&next.position.to_be_bytes());
            Some(encode_cursor(&bytes))
        }),
    }))
}

/// A ledger cursor: the last movement's business time in nanoseconds and
/// its log position, eight bytes each.
fn parse_ledger_cursor(bytes: &[u8]) -> Result<LedgerCursor, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this ledger");
    let (nanos, position) = bytes.split_at_checked(8).ok_or_else(bad)?;
    let nanos = i64::from_be_bytes(nanos.try_into().map_err(|_| bad())?);
    let position = u64::from_be_bytes(position.try_into().map_err(|_| bad())?);
    Ok(LedgerCursor {
        occurred_at: DateTime::from_timestamp_nanos(nanos),
        position,
    })
}
