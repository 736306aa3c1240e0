//! Sales orders: draft one, add lines, then confirm (prices resolved now),
//! ship (after a stock check), invoice, cancel, take goods back. Each step
//! is its own endpoint; the order is read from its stream with its
//! version as `ETag`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use domain::catalog::{Quantity, VatRate};
use domain::ids::{
    BranchId, CreditNoteId, DealId, InvoiceId, OrderId, PartyId, PriceListId, ProductId, ReturnId,
    ShipmentId, UserId, WarehouseId,
};
use domain::sales::{Order, OrderCommand, OrderStatus, ShipLine};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    position_cursor,
};
use super::writes::{Changed, Created, aggregate_write};
use super::{TAG_ORDERS, execute, load};
use crate::AppState;
use app::orders::{NewLine, NewOrder};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(draft_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(add_line))
        .routes(routes!(remove_line))
        .routes(routes!(change_line_quantity))
        .routes(routes!(confirm))
        .routes(routes!(ship))
        .routes(routes!(invoice))
        .routes(routes!(cancel))
        .routes(routes!(return_goods))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftOrderRequest {
    pub party: Uuid,
    /// The order is priced from this list, in its currency.
    pub price_list: Uuid,
    /// Where the goods are reserved and shipped from.
    pub warehouse: Uuid,
    pub deal: Option<Uuid>,
    pub branch: Option<Uuid>,
    pub manager: Option<Uuid>,
    /// The customer's own reference (their purchase order number).
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLineRequest {
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// An extra discount for this order, in percent.
    #[schema(value_type = Option<String>)]
    pub discount_percent: Option<Decimal>,
}

/// Part of a line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQuantity {
    pub line: u32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// The lines and quantities to ship; everything left when absent.
    pub lines: Option<Vec<LineQuantity>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRequest {
    pub due: NaiveDate,
    /// Invoice one shipment; everything not yet invoiced when absent.
    pub shipment: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub lines: Vec<LineQuantity>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineResponse {
    pub line: u32,
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// After every discount; absent while the order is a draft.
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub gross: Option<Decimal>,
    #[schema(value_type = String)]
    pub shipped: Decimal,
    #[schema(value_type = String)]
    pub invoiced: Decimal,
    #[schema(value_type = String)]
    pub returned: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderResponse {
    pub id: Uuid,
    /// Its number (`SO-MSK-2026-000042`: prefix, branch code, year and a
    /// gap-free sequence per branch and year), given right after the
    /// draft; absent until then, and on orders drafted before orders
    /// were numbered.
    pub number: Option<String>,
    pub party: Uuid,
    pub price_list: Uuid,
    pub warehouse: Uuid,
    pub currency: String,
    /// `draft`, `confirmed`, `partially_shipped`, `shipped`, `closed` or
    /// `cancelled`.
    pub status: String,
    pub lines: Vec<OrderLineResponse>,
    pub shipments: Vec<Uuid>,
    pub invoices: Vec<Uuid>,
    pub paid_invoices: Vec<Uuid>,
    pub version: Option<u64>,
}

fn line_quantities(field: &str, lines: Vec<LineQuantity>) -> Result<Vec<ShipLine>, ApiError> {
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            Ok(ShipLine {
                line: line.line,
                quantity: Quantity::parse(&format!("{field}[{index}].quantity"), line.quantity)?,
            })
        })
        .collect()
}

/// Every status by its code, as the API spells it.
const STATUSES: [(OrderStatus, &str); 6] = [
    (OrderStatus::Draft, "draft"),
    (OrderStatus::Confirmed, "confirmed"),
    (OrderStatus::PartiallyShipped, "partially_shipped"),
    (OrderStatus::Shipped, "shipped"),
    (OrderStatus::Closed, "closed"),
    (OrderStatus::Cancelled, "cancelled"),
];

/// An order status as the API spells it.
pub fn status_code(status: OrderStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(known, _)| *known == status)
        .map_or("unknown", |(_, code)| code)
}

/// One line of a draft order to take off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveLineRequest {
    pub line: u32,
}

/// The new quantity of a draft order's line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQuantityRequest {
    pub line: u32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// Whose orders, in which status.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// One customer's orders.
    pub party: Option<Uuid>,
    /// `draft`, `confirmed`, `partially_shipped`, `shipped`, `closed` or
    /// `cancelled`.
    pub status: Option<String>,
}

/// An order on the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderRow {
    pub id: Uuid,
    /// Its number, once given.
    pub number: Option<String>,
    pub party: Uuid,
    pub currency: String,
    pub status: String,
    /// The confirmed gross total; absent while a draft.
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    pub drafted_at: chrono::DateTime<Utc>,
}

/// Orders, the latest activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Drafts an order for a party, priced from a list.
#[utoipa::path(post, path = "/orders", tag = TAG_ORDERS,
    request_body = DraftOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn draft_order(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DraftOrderRequest>,
) -> Result<Written, ApiError> {
    let new = NewOrder {
        party: PartyId::from_uuid(request.party),
        price_list: PriceListId::from_uuid(request.price_list),
        warehouse: WarehouseId::from_uuid(request.warehouse),
        deal: request.deal.map(DealId::from_uuid),
        branch: request.branch.map(BranchId::from_uuid),
        manager: request.manager.map(UserId::from_uuid),
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
        lines: Vec::new(),
    };
    let drafted = state
        .app
        .orders()
        .draft(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        drafted.order,
        &drafted.executed,
    ))
}

/// One order as its stream tells it, with its version as `ETag`.
#[utoipa::path(get, path = "/orders/{id}", tag = TAG_ORDERS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = OrderResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_order(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<OrderResponse>, ApiError> {
    let (order, version) = load::<Order>(&state, id)?;
    let order = order.ok_or_else(|| ApiError::NotFound(format!("order {id}")))?;
    let status = status_code(order.status);
    let lines = if order.lines.is_empty() {
        order
            .draft_lines
            .iter()
            .map(|(line, draft)| OrderLineResponse {
                line: *line,
                product: draft.product.as_uuid(),
                quantity: draft.quantity,
                unit_price: None,
                gross: None,
                shipped: Decimal::ZERO,
                invoiced: Decimal::ZERO,
                returned: Decimal::ZERO,
            })
            .collect()
    } else {
        order
            .lines
            .iter()
            .map(|(line, progress)| OrderLineResponse {
                line: *line,
                product: progress.confirmed.product.as_uuid(),
                quantity: progress.confirmed.quantity,
                unit_price: Some(progress.confirmed.unit_price),
                gross: Some(progress.confirmed.amounts.gross),
                shipped: progress.shipped,
                invoiced: progress.invoiced,
                returned: progress.returned,
            })
            .collect()
    };
    Ok(Versioned(
        version,
        OrderResponse {
            id,
            number: state.read_models.orders.read(|orders| {
                orders
                    .get(OrderId::from_uuid(id))
                    .and_then(|row| row.number.as_deref().map(str::to_owned))
            }),
            party: order.drafted.party.as_uuid(),
            price_list: order.drafted.price_list.as_uuid(),
            warehouse: order.drafted.warehouse.as_uuid(),
            currency: order.drafted.currency.as_str().to_owned(),
            status: status.to_owned(),
            lines,
            shipments: order.shipments.keys().map(|id| id.as_uuid()).collect(),
            invoices: order.invoices.iter().map(|id| id.as_uuid()).collect(),
            paid_invoices: order.paid_invoices.iter().map(|id| id.as_uuid()).collect(),
            version,
        },
    ))
}

/// Adds a line to a draft order.
#[utoipa::path(post, path = "/orders/{id}/lines", tag = TAG_ORDERS,
    request_body = AddLineRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn add_line(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<AddLineRequest>,
) -> Result<Written, ApiError> {
    let line = NewLine {
        product: ProductId::from_uuid(request.product),
        quantity: Quantity::parse("quantity", request.quantity)?,
        discount_percent: request
            .discount_percent
            .map(|percent| VatRate::parse("discount_percent", percent))
            .transpose()?,
    };
    let executed = state
        .app
        .orders()
        .add_line(
            &headers.principal.caller(),
            headers.run(),
            OrderId::from_uuid(id),
            line,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

aggregate_write! {
    /// Takes a line off a draft order.
    remove_line: "/orders/{id}/remove-line", TAG_ORDERS, Order, RemoveLineRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<OrderCommand>(|| Ok(OrderCommand::RemoveLine { line: request.line }))
}

aggregate_write! {
    /// Changes the quantity of a draft order's line.
    change_line_quantity: "/orders/{id}/change-quantity", TAG_ORDERS, Order, LineQuantityRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<OrderCommand>(|| Ok(OrderCommand::ChangeLineQuantity {
        line: request.line,
        quantity: Quantity::parse("quantity", request.quantity)?,
    }))
}

/// Orders from the orders read model, the latest activity first, of one
/// customer or in one status if asked (at most 200 rows a page).
#[utoipa::path(get, path = "/orders", tag = TAG_ORDERS,
    params(OrderFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = OrderPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_orders(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(filter): ApiQuery<OrderFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<OrderPage>, ApiError> {
    let status = filter
        .status
        .as_deref()
        .map(|code| {
            STATUSES
                .iter()
                .find(|(_, known)| *known == code)
                .map(|(status, _)| *status)
                .ok_or_else(|| ApiError::invalid("status", "not an order status"))
        })
        .transpose()?;
    let limit = page.limit()?;
    // The cursor is the position the next page starts before.
    let before = page.before_position()?;
    wait.wait(&state).await?;
    let party = filter.party.map(PartyId::from_uuid);
    let page = state
        .read_models
        .orders
        .read(|orders| orders.page_where(limit, before, party, status));
    // A sales manager sees the orders of their own customers only; the
    // page may then hold fewer rows than asked, and the cursor goes on.
    let only = principal.only_owner(domain::access::Module::Orders, domain::access::Action::Read);
    Ok(axum::Json(OrderPage {
        rows: page
            .rows
            .into_iter()
            .filter(|row| {
                only.is_none_or(|user| {
                    crate::http::scope::owns_party(&state, user, row.summary.party)
                })
            })
            .map(|row| OrderRow {
                id: row.order.as_uuid(),
                number: row.summary.number.as_deref().map(str::to_owned),
                party: row.summary.party.as_uuid(),
                currency: row.summary.currency.as_str().to_owned(),
                status: status_code(row.summary.status).to_owned(),
                total: row.summary.total,
                drafted_at: row.summary.drafted_at,
            })
            .collect(),
        next_cursor: page.next.map(position_cursor),
    }))
}

/// Confirms a draft order at the prices its list gives now.
#[utoipa::path(post, path = "/orders/{id}/confirm", tag = TAG_ORDERS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn confirm(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
) -> Result<Written, ApiError> {
    let executed = state
        .app
        .orders()
        .confirm(
            &headers.principal.caller(),
            headers.run(),
            OrderId::from_uuid(id),
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Ships what is left of an order (or the named lines) after a stock check.
/// The shipment's id derives from the write's command id.
#[utoipa::path(post, path = "/orders/{id}/ship", tag = TAG_ORDERS,
    request_body = ShipRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn ship(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ShipRequest>,
) -> Result<Written, ApiError> {
    let lines = request
        .lines
        .map(|lines| line_quantities("lines", lines))
        .transpose()?;
    let executed = state
        .app
        .orders()
        .ship(
            &headers.principal.caller(),
            headers.run(),
            OrderId::from_uuid(id),
            lines,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Invoices an order (or one shipment of it); the customer's account gets
/// the invoice through the processes.
#[utoipa::path(post, path = "/orders/{id}/invoice", tag = TAG_ORDERS,
    request_body = InvoiceRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn invoice(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<InvoiceRequest>,
) -> Result<Written, ApiError> {
    let command = OrderCommand::Invoice {
        invoice: InvoiceId::from_uuid(headers.new_id("invoice")),
        shipment: request.shipment.map(ShipmentId::from_uuid),
        due: request.due,
    };
    let executed = execute::<Order, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Cancels an order; its reservations are released by the processes.
#[utoipa::path(post, path = "/orders/{id}/cancel", tag = TAG_ORDERS,
    request_body = CancelRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn cancel(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CancelRequest>,
) -> Result<Written, ApiError> {
    let command = OrderCommand::Cancel {
        reason: Label::parse("reason", &request.reason)?,
    };
    let executed = execute::<Order, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Takes shipped goods back; a credit note follows through the processes.
#[utoipa::path(post, path = "/orders/{id}/returns", tag = TAG_ORDERS,
    request_body = ReturnRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn return_goods(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReturnRequest>,
) -> Result<Written, ApiError> {
    let command = OrderCommand::Return {
        return_id: ReturnId::from_uuid(headers.new_id("return")),
        credit_note: CreditNoteId::from_uuid(headers.new_id("credit-note")),
        lines: line_quantities("lines", request.lines)?,
        reason: Label::parse("reason", &request.reason)?,
    };
    let executed = execute::<Order, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}
