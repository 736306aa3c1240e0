//! Purchase orders: draft one for a supplier with its lines, change the
//! lines while it is a draft, send it, receive deliveries (with landed
//! costs, back-dated if need be), cancel it. The list and each order come
//! from the purchases read model; writes go through `app::purchasing`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{BranchId, PartyId, ProductId, PurchaseOrderId, UserId, WarehouseId};
use domain::purchasing::{
    NewLandedCost, PurchaseCommand, PurchaseOrder, PurchaseStatus, ReceiveLine, Spread,
};
use domain::values::{Currency, Label};
use projections::models::purchases::PurchaseRow;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_PURCHASING;
use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    position_cursor,
};
use super::writes::{Changed, CreatedUnlessRefused, aggregate_write};
use crate::AppState;
use app::purchasing::{Delivery, NewPurchase, NewPurchaseLine};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(draft_purchase, list_purchases))
        .routes(routes!(get_purchase))
        .routes(routes!(add_purchase_line))
        .routes(routes!(change_purchase_line))
        .routes(routes!(remove_purchase_line))
        .routes(routes!(send_purchase))
        .routes(routes!(receive_purchase))
        .routes(routes!(cancel_purchase))
}

/// A line of a purchase order, priced in the order's currency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseLineRequest {
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftPurchaseRequest {
    /// A party with the supplier role.
    pub supplier: Uuid,
    /// Where the goods are to arrive.
    pub warehouse: Uuid,
    /// The supplier's currency (ISO 4217); the company currency when
    /// absent.
    pub currency: Option<String>,
    /// The warehouse's branch when absent.
    pub branch: Option<Uuid>,
    pub buyer: Option<Uuid>,
    /// The supplier's reference (their quote or confirmation).
    pub reference: Option<String>,
    /// When the supplier promised the goods.
    pub expected_on: Option<NaiveDate>,
    #[serde(default)]
    pub lines: Vec<PurchaseLineRequest>,
}

/// The new quantity and price of a draft's line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePurchaseLineRequest {
    pub line: u32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovePurchaseLineRequest {
    pub line: u32,
}

/// How much of one line arrived.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedQuantity {
    pub line: u32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// A cost of bringing the goods in, in the company currency.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LandedCostDto {
    /// Freight, duty, insurance…
    pub label: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    /// What arrived; everything outstanding when absent.
    pub lines: Option<Vec<ReceivedQuantity>>,
    #[serde(default)]
    pub landed_costs: Vec<LandedCostDto>,
    /// How landed costs are spread over the lines: `value` (the default)
    /// or `quantity`.
    pub spread: Option<String>,
    /// When the goods arrived, if earlier than now: the receipt converts
    /// at that day's rate and takes its place in the stock's history.
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPurchaseRequest {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseLineResponse {
    pub line: u32,
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Quantity × unit price, in cents of the order's currency.
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub received: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptLineResponse {
    pub line: u32,
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// In the company currency.
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Its share of the landed costs, in the company currency.
    #[schema(value_type = String)]
    pub landed: Decimal,
    /// What one unit entered stock at.
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptResponse {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// Units of the company currency for one of the order's.
    #[schema(value_type = String)]
    pub rate: Decimal,
    pub landed_costs: Vec<LandedCostDto>,
    /// `value` or `quantity`.
    pub spread: String,
    pub lines: Vec<ReceiptLineResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseResponse {
    pub id: Uuid,
    /// Its number (`PO-2026-000042`), given right after the draft.
    pub number: Option<String>,
    pub supplier: Uuid,
    pub warehouse: Uuid,
    pub branch: Option<Uuid>,
    pub currency: String,
    /// `draft`, `sent`, `partially_received`, `received`, `invoiced`, `paid`
    /// or `cancelled`.
    pub status: String,
    pub reference: Option<String>,
    pub expected_on: Option<NaiveDate>,
    pub drafted_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub lines: Vec<PurchaseLineResponse>,
    pub receipts: Vec<ReceiptResponse>,
    pub version: Option<u64>,
}

/// Which purchase orders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseFilter {
    /// One supplier's orders.
    pub supplier: Option<Uuid>,
    /// `draft`, `sent`, `partially_received`, `received`, `invoiced`, `paid`
    /// or `cancelled`.
    pub status: Option<String>,
    /// The start of an order's number.
    pub number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseRowResponse {
    pub id: Uuid,
    pub number: Option<String>,
    pub supplier: Uuid,
    pub warehouse: Uuid,
    pub currency: String,
    pub status: String,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub expected_on: Option<NaiveDate>,
    pub drafted_at: DateTime<Utc>,
}

/// Purchase orders, the latest activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchasePage {
    pub rows: Vec<PurchaseRowResponse>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

fn row_response(id: PurchaseOrderId, row: &PurchaseRow) -> PurchaseRowResponse {
    PurchaseRowResponse {
        id: id.as_uuid(),
        number: row.number.as_deref().map(str::to_owned),
        supplier: row.supplier.as_uuid(),
        warehouse: row.warehouse.as_uuid(),
        currency: row.currency.as_str().to_owned(),
        status: row.status.key().to_owned(),
        total: row.total(),
        expected_on: row.expected_on,
        drafted_at: row.drafted_at,
    }
}

fn purchase_line(field: &str, line: PurchaseLineRequest) -> Result<NewPurchaseLine, ApiError> {
    Ok(NewPurchaseLine {
        product: ProductId::from_uuid(line.product),
        quantity: Quantity::parse(&format!("{field}quantity"), line.quantity)?,
        unit_price: UnitPrice::parse(&format!("{field}unit_price"), line.unit_price)?,
    })
}

/// Drafts a purchase order for a supplier, with its lines.
#[utoipa::path(post, path = "/purchase-orders", tag = TAG_PURCHASING,
    request_body = DraftPurchaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(CreatedUnlessRefused))]
async fn draft_purchase(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DraftPurchaseRequest>,
) -> Result<Written, ApiError> {
    let lines = request
        .lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| purchase_line(&format!("lines[{index}]."), line))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewPurchase {
        supplier: PartyId::from_uuid(request.supplier),
        warehouse: WarehouseId::from_uuid(request.warehouse),
        currency: request
            .currency
            .as_deref()
            .map(|code| Currency::parse("currency", code))
            .transpose()?,
        branch: request.branch.map(BranchId::from_uuid),
        buyer: request.buyer.map(UserId::from_uuid),
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
        expected_on: request.expected_on,
        lines,
    };
    let drafted = state
        .app
        .purchasing()
        .draft(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        drafted.order,
        &drafted.executed,
    ))
}

/// One purchase order with its lines and receipts, its version as `ETag`.
#[utoipa::path(get, path = "/purchase-orders/{id}", tag = TAG_PURCHASING,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = PurchaseResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_purchase(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<Versioned<PurchaseResponse>, ApiError> {
    wait.wait(&state).await?;
    let order = PurchaseOrderId::from_uuid(id);
    let response = state.read_models.purchases.read(|purchases| {
        purchases.get(order).map(|row| PurchaseResponse {
            id,
            number: row.number.as_deref().map(str::to_owned),
            supplier: row.supplier.as_uuid(),
            warehouse: row.warehouse.as_uuid(),
            branch: row.branch.map(|branch| branch.as_uuid()),
            currency: row.currency.as_str().to_owned(),
            status: row.status.key().to_owned(),
            reference: row.reference.clone(),
            expected_on: row.expected_on,
            drafted_at: row.drafted_at,
            sent_at: row.sent_at,
            total: row.total(),
            lines: row
                .lines
                .iter()
                .map(|line| PurchaseLineResponse {
                    line: line.line,
                    product: line.product.as_uuid(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    amount: line.amount(),
                    received: line.received,
                })
                .collect(),
            receipts: row
                .receipts
                .iter()
                .map(|receipt| ReceiptResponse {
                    id: receipt.receipt.as_uuid(),
                    occurred_at: receipt.occurred_at,
                    rate: receipt.rate,
                    landed_costs: receipt
                        .landed_costs
                        .iter()
                        .map(|cost| LandedCostDto {
                            label: cost.label.clone(),
                            amount: cost.amount,
                        })
                        .collect(),
                    spread: receipt.spread.key().to_owned(),
                    lines: receipt
                        .lines
                        .iter()
                        .map(|line| ReceiptLineResponse {
                            line: line.line,
                            product: line.product.as_uuid(),
                            quantity: line.quantity,
                            value: line.value,
                            landed: line.landed,
                            unit_cost: line.unit_cost,
                        })
                        .collect(),
                })
                .collect(),
            version: Some(row.version),
        })
    });
    let response = response.ok_or_else(|| ApiError::NotFound(format!("purchase order {id}")))?;
    Ok(Versioned(response.version, response))
}

/// Purchase orders, the latest activity first, of one supplier, in one
/// status or by number if asked (at most 200 rows a page).
#[utoipa::path(get, path = "/purchase-orders", tag = TAG_PURCHASING,
    params(PurchaseFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = PurchasePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_purchases(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<PurchaseFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<PurchasePage>, ApiError> {
    let status = filter
        .status
        .as_deref()
        .map(|code| {
            PurchaseStatus::parse(code)
                .ok_or_else(|| ApiError::invalid("status", "not a purchase order status"))
        })
        .transpose()?;
    let limit = page.limit()?;
    let before = page.before_position()?;
    wait.wait(&state).await?;
    let supplier = filter.supplier.map(PartyId::from_uuid);
    let number = filter
        .number
        .as_deref()
        .map(str::trim)
        .filter(|number| !number.is_empty())
        .map(str::to_uppercase);
    Ok(axum::Json(state.read_models.purchases.read(|purchases| {
        let page = purchases.page_matching(limit, before, |_, row| {
            supplier.is_none_or(|supplier| supplier == row.supplier)
                && status.is_none_or(|status| status == row.status)
                && number.as_deref().is_none_or(|number| {
                    row.number
                        .as_deref()
                        .is_some_and(|own| own.starts_with(number))
                })
        });
        PurchasePage {
            rows: page
                .rows
                .iter()
                .map(|listed| row_response(listed.order, listed.row))
                .collect(),
            next_cursor: page.next.map(position_cursor),
        }
    })))
}

/// Adds a line to a draft purchase order.
#[utoipa::path(post, path = "/purchase-orders/{id}/lines", tag = TAG_PURCHASING,
    request_body = PurchaseLineRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn add_purchase_line(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<PurchaseLineRequest>,
) -> Result<Written, ApiError> {
    let line = purchase_line("", request)?;
    let executed = state
        .app
        .purchasing()
        .add_line(
            &headers.principal.caller(),
            headers.run(),
            PurchaseOrderId::from_uuid(id),
            line,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

aggregate_write! {
    /// Changes the quantity and price of a draft's line.
    change_purchase_line: "/purchase-orders/{id}/change-line", TAG_PURCHASING, PurchaseOrder, ChangePurchaseLineRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<PurchaseCommand>(|| Ok(PurchaseCommand::ChangeLine {
        line: request.line,
        quantity: Quantity::parse("quantity", request.quantity)?,
        unit_price: UnitPrice::parse("unit_price", request.unit_price)?,
    }))
}

aggregate_write! {
    /// Takes a line off a draft purchase order.
    remove_purchase_line: "/purchase-orders/{id}/remove-line", TAG_PURCHASING, PurchaseOrder, RemovePurchaseLineRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<PurchaseCommand>(|| Ok(PurchaseCommand::RemoveLine { line: request.line }))
}

aggregate_write! {
    /// Sends a draft to the supplier: its lines are frozen.
    send_purchase: "/purchase-orders/{id}/send", TAG_PURCHASING, PurchaseOrder, super::writes::NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<PurchaseCommand>(|| Ok(PurchaseCommand::Send))
}

aggregate_write! {
    /// Cancels a purchase order of which nothing has arrived.
    cancel_purchase: "/purchase-orders/{id}/cancel", TAG_PURCHASING, PurchaseOrder, CancelPurchaseRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<PurchaseCommand>(|| Ok(PurchaseCommand::Cancel {
        reason: Label::parse("reason", &request.reason)?,
    }))
}

/// Receives a delivery into the order's warehouse: the goods enter stock
/// at their value in the company currency (at the rate of the receipt's
/// business day) plus their share of the landed costs. The receipt's id
/// derives from the write's command id.
#[utoipa::path(post, path = "/purchase-orders/{id}/receive", tag = TAG_PURCHASING,
    request_body = ReceiveRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn receive_purchase(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReceiveRequest>,
) -> Result<Written, ApiError> {
    let lines = request
        .lines
        .map(|lines| {
            lines
                .into_iter()
                .enumerate()
                .map(|(index, line)| {
                    Ok(ReceiveLine {
                        line: line.line,
                        quantity: Quantity::parse(
                            &format!("lines[{index}].quantity"),
                            line.quantity,
                        )?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .transpose()?;
    let landed_costs = request
        .landed_costs
        .into_iter()
        .enumerate()
        .map(|(index, cost)| {
            Ok(NewLandedCost {
                label: Label::parse(&format!("landed_costs[{index}].label"), &cost.label)?,
                amount: UnitPrice::parse(&format!("landed_costs[{index}].amount"), cost.amount)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let spread = request
        .spread
        .as_deref()
        .map(|key| Spread::parse("spread", key))
        .transpose()?
        .unwrap_or_default();
    let executed = state
        .app
        .purchasing()
        .receive(
            &headers.principal.caller(),
            headers.run(),
            PurchaseOrderId::from_uuid(id),
            Delivery {
                lines,
                landed_costs,
                spread,
            },
            request.occurred_at,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}
