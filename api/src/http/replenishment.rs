//! Replenishment: what to order, per product and warehouse, and from
//! whom (`projections::replenishment`), and a selection of it drafted
//! into purchase orders, one per supplier (`App::draft_replenishment`).

use axum::extract::State;
use axum::http::StatusCode;
use domain::catalog::Quantity;
use domain::ids::{ProductId, WarehouseId};
use projections::replenishment::{ReplenishmentPolicy, leave_made, suggest};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_PURCHASING;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiQuery, WaitFor, WriteHeaders};
use crate::AppState;
use app::replenishment::Pick;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(suggestions))
        .routes(routes!(draft_orders))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionResponse {
    pub product: Uuid,
    pub warehouse: Uuid,
    /// Absent when no supplier offers the product.
    pub supplier: Option<Uuid>,
    pub currency: Option<String>,
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<Decimal>,
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub on_order: Decimal,
    #[schema(value_type = Option<String>)]
    pub reorder_level: Option<Decimal>,
    /// Units issued per day over the last 28 days.
    #[schema(value_type = String)]
    pub daily_rate: Decimal,
    pub lead_time_days: u16,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsResponse {
    pub suggestions: Vec<SuggestionResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickRequest {
    pub product: Uuid,
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftOrdersRequest {
    pub lines: Vec<PickRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DraftedOrders {
    /// One draft purchase order per supplier, warehouse and currency.
    pub orders: Vec<Uuid>,
    /// The log position of the last write, for `wait_for`.
    pub position: Option<u64>,
}

/// What to order, per product and warehouse, and from whom: below the
/// reorder level plus the recent daily issues over the lead time (stock
/// available plus what open orders await), up to that plus two weeks'
/// issues, in the supplier's packs (docs/api.md).
#[utoipa::path(get, path = "/replenishment", tag = TAG_PURCHASING,
    params(WaitFor),
    responses(
        (status = 200, body = SuggestionsResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn suggestions(
    State(state): State<AppState>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<SuggestionsResponse>, ApiError> {
    wait.wait(&state).await?;
    let now = state.app.now();
    let found = state.read_models.stock.read(|stock| {
        state
            .read_models
            .purchases
            .read(|purchases| suggest(stock, purchases, now, ReplenishmentPolicy::default()))
    });
    let mut found = found;
    state
        .read_models
        .production
        .read(|production| leave_made(&mut found, production));
    Ok(axum::Json(SuggestionsResponse {
        suggestions: found
            .into_iter()
            .map(|suggestion| SuggestionResponse {
                product: suggestion.product.as_uuid(),
                warehouse: suggestion.warehouse.as_uuid(),
                supplier: suggestion.supplier.map(|supplier| supplier.as_uuid()),
                currency: suggestion
                    .currency
                    .map(|currency| currency.as_str().to_owned()),
                unit_price: suggestion.unit_price,
                available: suggestion.available,
                on_order: suggestion.on_order,
                reorder_level: suggestion.reorder_level,
                daily_rate: suggestion.daily_rate,
                lead_time_days: suggestion.lead_time_days,
                quantity: suggestion.quantity,
            })
            .collect(),
    }))
}

/// Drafts purchase orders from a selection of lines, one per supplier,
/// warehouse and currency, at each supplier's offered price (the product's
/// preferred supplier, else the quickest).
#[utoipa::path(post, path = "/replenishment/draft", tag = TAG_PURCHASING,
    request_body = DraftOrdersRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = DraftedOrders),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn draft_orders(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DraftOrdersRequest>,
) -> Result<(StatusCode, axum::Json<DraftedOrders>), ApiError> {
    let picks = request
        .lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            Ok(Pick {
                product: ProductId::from_uuid(line.product),
                warehouse: WarehouseId::from_uuid(line.warehouse),
                quantity: Quantity::parse(&format!("lines[{index}].quantity"), line.quantity)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let drafted = state
        .app
        .draft_replenishment(&headers.principal.caller(), headers.run(), picks)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DraftedOrders {
            position: drafted
                .iter()
                .filter_map(|drafted| drafted.executed.last_position)
                .max(),
            orders: drafted
                .iter()
                .map(|drafted| drafted.order.as_uuid())
                .collect(),
        }),
    ))
}
