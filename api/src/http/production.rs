//! Production: a product's bill of materials (versions, the active one),
//! production orders (plan, release, report finished goods, finish,
//! cancel) with their components' shortages, and material requirements.
//! Reads come from the production, stock and purchases read models;
//! writes go through `app::production`.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{BranchId, OrderId, ProductId, ProductionOrderId, WarehouseId};
use domain::production::{
    DefineBom, NewComponent, NewOperation, ProductionCommand, ProductionOrder, ProductionStatus,
    ScrapPercent,
};
use domain::values::Label;
use projections::models::production::{BomRow, ProductionRow};
use projections::models::stock::StockLevels;
use projections::requirements::{Action, Selection, plan};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_PRODUCTION;
use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    position_cursor,
};
use super::writes::{Changed, CreatedUnlessRefused, aggregate_write};
use crate::AppState;
use app::production::NewProduction;

/// Most sales orders one requirements query names.
pub const REQUIREMENT_ORDERS_MAX: usize = 1_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_bom, define_bom))
        .routes(routes!(activate_bom))
        .routes(routes!(plan_production, list_production))
        .routes(routes!(get_production))
        .routes(routes!(release_production))
        .routes(routes!(start_production))
        .routes(routes!(complete_production))
        .routes(routes!(finish_production))
        .routes(routes!(cancel_production))
        .routes(routes!(material_requirements))
}

// ------------------------------------------------------------------- bills

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentDto {
    pub product: Uuid,
    /// Per unit of the product made.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What is lost in making, in percent of `quantity` (0 to under 100).
    #[serde(default)]
    #[schema(value_type = String)]
    pub scrap_percent: Decimal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationDto {
    pub name: String,
    pub work_centre: String,
    /// Standard minutes per unit.
    #[schema(value_type = String)]
    pub minutes: Decimal,
    /// The work centre's cost of an hour, company currency.
    #[schema(value_type = String)]
    pub hourly_rate: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineBomRequest {
    #[serde(default)]
    pub components: Vec<ComponentDto>,
    #[serde(default)]
    pub operations: Vec<OperationDto>,
    /// Days from starting to finished goods.
    #[serde(default)]
    pub lead_days: u32,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBomRequest {
    pub version: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BomVersionResponse {
    pub version: u32,
    pub components: Vec<ComponentDto>,
    pub operations: Vec<OperationDto>,
    pub lead_days: u32,
    pub note: Option<String>,
    /// The operations' cost of one unit.
    #[schema(value_type = String)]
    pub operations_cost: Decimal,
    pub defined_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BomResponse {
    pub product: Uuid,
    pub active: Option<u32>,
    pub versions: Vec<BomVersionResponse>,
    #[serde(skip)]
    pub version: Option<u64>,
}

pub fn bom_response(product: ProductId, bom: &BomRow) -> BomResponse {
    BomResponse {
        product: product.as_uuid(),
        active: bom.active,
        versions: bom
            .versions
            .iter()
            .map(|(number, version)| BomVersionResponse {
                version: *number,
                components: version
                    .components
                    .iter()
                    .map(|component| ComponentDto {
                        product: component.product.as_uuid(),
                        quantity: component.quantity,
                        scrap_percent: component.scrap_percent,
                    })
                    .collect(),
                operations: version
                    .operations
                    .iter()
                    .map(|operation| OperationDto {
                        name: operation.name.clone(),
                        work_centre: operation.work_centre.clone(),
                        minutes: operation.minutes,
                        hourly_rate: operation.hourly_rate,
                    })
                    .collect(),
                lead_days: version.lead_days,
                note: version.note.clone(),
                operations_cost: domain::production::operations_cost(&version.operations),
                defined_at: version.defined_at,
            })
            .collect(),
        version: Some(bom.version),
    }
}

/// A product's bill of materials: every version, and the active one.
#[utoipa::path(get, path = "/products/{id}/bom", tag = TAG_PRODUCTION,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = BomResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_bom(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<Versioned<BomResponse>, ApiError> {
    wait.wait(&state).await?;
    let product = ProductId::from_uuid(id);
    let response = state
        .read_models
        .production
        .read(|production| {
            production
                .bom(product)
                .map(|bom| bom_response(product, bom))
        })
        .ok_or_else(|| ApiError::NotFound(format!("bill of materials of product {id}")))?;
    Ok(Versioned(response.version, response))
}

/// The parsed bill of a request, for `product`.
pub fn parse_bom(product: ProductId, request: DefineBomRequest) -> Result<DefineBom, ApiError> {
    let components = request
        .components
        .into_iter()
        .enumerate()
        .map(|(index, component)| {
            let field = |name: &str| format!("components[{index}].{name}");
            Ok(NewComponent {
                product: ProductId::from_uuid(component.product),
                quantity: Quantity::parse(&field("quantity"), component.quantity)?,
                scrap_percent: ScrapPercent::parse(
                    &field("scrap_percent"),
                    component.scrap_percent,
                )?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let operations = request
        .operations
        .into_iter()
        .enumerate()
        .map(|(index, operation)| {
            let field = |name: &str| format!("operations[{index}].{name}");
            Ok(NewOperation {
                name: Label::parse(&field("name"), &operation.name)?,
                work_centre: Label::parse(&field("work_centre"), &operation.work_centre)?,
                minutes: Quantity::parse(&field("minutes"), operation.minutes)?,
                hourly_rate: UnitPrice::parse(&field("hourly_rate"), operation.hourly_rate)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(DefineBom {
        product,
        components,
        operations,
        lead_days: request.lead_days,
        note: Label::parse_optional("note", request.note.as_deref())?,
    })
}

/// Records a new version of a product's bill (active at once if it is the
/// product's first). A bill that would make the product part of itself,
/// through any depth of sub-assemblies, is refused.
#[utoipa::path(post, path = "/products/{id}/bom", tag = TAG_PRODUCTION,
    request_body = DefineBomRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The bill's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn define_bom(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DefineBomRequest>,
) -> Result<Written, ApiError> {
    let define = parse_bom(ProductId::from_uuid(id), request)?;
    let executed = state
        .app
        .production()
        .define_bom(&headers.principal.caller(), headers.run(), define)
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Makes a version of the bill the active one (what new production
/// orders are planned from).
#[utoipa::path(post, path = "/products/{id}/bom/activate", tag = TAG_PRODUCTION,
    request_body = ActivateBomRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The bill's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn activate_bom(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ActivateBomRequest>,
) -> Result<Written, ApiError> {
    let executed = state
        .app
        .production()
        .activate_bom(
            &headers.principal.caller(),
            headers.run(),
            ProductId::from_uuid(id),
            request.version,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

// ------------------------------------------------------- production orders

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanProductionRequest {
    /// A product with an active bill of materials.
    pub product: Uuid,
    /// Where components come from and finished goods go.
    pub warehouse: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub due_on: NaiveDate,
    /// The warehouse's branch when absent.
    pub branch: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteProductionRequest {
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Nothing more will be made, even if fewer than planned: what is
    /// still reserved is let go.
    #[serde(default)]
    pub finish: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelProductionRequest {
    pub reason: String,
}

/// A component of an order, with what the stock holds for it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductionComponentResponse {
    pub product: Uuid,
    /// Per unit, scrap included.
    #[schema(value_type = String)]
    pub per_unit: Decimal,
    #[schema(value_type = String)]
    pub scrap_percent: Decimal,
    /// For the whole order.
    #[schema(value_type = String)]
    pub required: Decimal,
    #[schema(value_type = String)]
    pub consumed: Decimal,
    /// What the order's reservation holds now.
    #[schema(value_type = String)]
    pub reserved: Decimal,
    /// Free stock in the order's warehouse now.
    #[schema(value_type = String)]
    pub available: Decimal,
    /// Still needed and neither reserved nor free: zero when nothing is
    /// short.
    #[schema(value_type = String)]
    pub short: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionResponse {
    pub completion: u32,
    pub occurred_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What one unit entered stock at; absent until every component's
    /// consumption was recorded.
    #[schema(value_type = Option<String>)]
    pub unit_cost: Option<Decimal>,
    #[schema(value_type = String)]
    pub components_cost: Decimal,
    #[schema(value_type = String)]
    pub operations_cost: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductionResponse {
    pub id: Uuid,
    /// `MO-2026-000001`, a moment after planning.
    pub number: Option<String>,
    pub product: Uuid,
    pub warehouse: Uuid,
    pub branch: Option<Uuid>,
    pub bom_version: u32,
    /// `planned`, `released`, `in_progress`, `done` or `cancelled`.
    pub status: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub produced: Decimal,
    pub due_on: NaiveDate,
    /// The operations' cost of one unit.
    #[schema(value_type = String)]
    pub operations_cost: Decimal,
    pub planned_at: DateTime<Utc>,
    pub cancel_reason: Option<String>,
    pub components: Vec<ProductionComponentResponse>,
    pub completions: Vec<CompletionResponse>,
    #[serde(skip)]
    pub version: Option<u64>,
}

/// A row of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductionListRowResponse {
    pub id: Uuid,
    pub number: Option<String>,
    pub product: Uuid,
    pub warehouse: Uuid,
    pub status: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub produced: Decimal,
    pub due_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductionPageResponse {
    pub rows: Vec<ProductionListRowResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductionFilter {
    /// Only orders of this product.
    pub product: Option<Uuid>,
    /// `planned`, `released`, `in_progress`, `done` or `cancelled`.
    pub status: Option<String>,
}

/// What an order's components need and what the stock holds for them.
pub fn components_of(row: &ProductionRow, stock: &StockLevels) -> Vec<ProductionComponentResponse> {
    row.components
        .iter()
        .zip(&row.consumed)
        .map(|(planned, consumed)| {
            let product = planned.component.product;
            let reserved = stock.held_by(product, row.warehouse, planned.reservation);
            let available = stock.available(product, row.warehouse).max(Decimal::ZERO);
            let still = if row.status.open() {
                (planned.required - *consumed).max(Decimal::ZERO)
            } else {
                Decimal::ZERO
            };
            ProductionComponentResponse {
                product: product.as_uuid(),
                per_unit: planned.component.needed_for(Decimal::ONE),
                scrap_percent: planned.component.scrap_percent,
                required: planned.required,
                consumed: *consumed,
                reserved,
                available,
                short: (still - reserved - available).max(Decimal::ZERO),
            }
        })
        .collect()
}

pub fn production_response(
    order: ProductionOrderId,
    row: &ProductionRow,
    stock: &StockLevels,
) -> ProductionResponse {
    ProductionResponse {
        id: order.as_uuid(),
        number: row.number.as_deref().map(str::to_owned),
        product: row.product.as_uuid(),
        warehouse: row.warehouse.as_uuid(),
        branch: row.branch.map(|branch| branch.as_uuid()),
        bom_version: row.bom_version,
        status: row.status.key().to_owned(),
        quantity: row.quantity,
        produced: row.produced,
        due_on: row.due_on,
        operations_cost: row.operations_cost,
        planned_at: row.planned_at,
        cancel_reason: row.cancel_reason.clone(),
        components: components_of(row, stock),
        completions: row
            .completions
            .iter()
            .map(|completion| CompletionResponse {
                completion: completion.completion,
                occurred_at: completion.occurred_at,
                quantity: completion.quantity,
                unit_cost: completion.unit_cost,
                components_cost: completion.components_cost,
                operations_cost: completion.operations_cost,
            })
            .collect(),
        version: Some(row.version),
    }
}

/// Plans a production order from the product's active bill (its
/// components and operation cost are copied into the order).
#[utoipa::path(post, path = "/production-orders", tag = TAG_PRODUCTION,
    request_body = PlanProductionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(CreatedUnlessRefused))]
async fn plan_production(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<PlanProductionRequest>,
) -> Result<Written, ApiError> {
    let new = NewProduction {
        product: ProductId::from_uuid(request.product),
        warehouse: WarehouseId::from_uuid(request.warehouse),
        quantity: Quantity::parse("quantity", request.quantity)?,
        due_on: request.due_on,
        branch: request.branch.map(BranchId::from_uuid),
    };
    let planned = state
        .app
        .production()
        .plan(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        planned.order,
        &planned.executed,
    ))
}

/// One production order with its components (what each needs, what its
/// reservation holds, what is free, what is short) and completions, its
/// version as `ETag`.
#[utoipa::path(get, path = "/production-orders/{id}", tag = TAG_PRODUCTION,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = ProductionResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_production(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<Versioned<ProductionResponse>, ApiError> {
    wait.wait(&state).await?;
    let order = ProductionOrderId::from_uuid(id);
    let response = state.read_models.production.read(|production| {
        production.get(order).map(|row| {
            state
                .read_models
                .stock
                .read(|stock| production_response(order, row, stock))
        })
    });
    let response = response.ok_or_else(|| ApiError::NotFound(format!("production order {id}")))?;
    Ok(Versioned(response.version, response))
}

/// Production orders, the latest activity first, of one product or in one
/// status if asked (at most 200 rows a page).
#[utoipa::path(get, path = "/production-orders", tag = TAG_PRODUCTION,
    params(ProductionFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = ProductionPageResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_production(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ProductionFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ProductionPageResponse>, ApiError> {
    let status = filter
        .status
        .as_deref()
        .map(|code| {
            ProductionStatus::parse(code)
                .ok_or_else(|| ApiError::invalid("status", "not a production order status"))
        })
        .transpose()?;
    let limit = page.limit()?;
    let before = page.before_position()?;
    wait.wait(&state).await?;
    let product = filter.product.map(ProductId::from_uuid);
    Ok(axum::Json(state.read_models.production.read(
        |production| {
            let page = production.page_matching(limit, before, |_, row| {
                product.is_none_or(|product| product == row.product)
                    && status.is_none_or(|status| status == row.status)
            });
            ProductionPageResponse {
                rows: page
                    .rows
                    .iter()
                    .map(|listed| ProductionListRowResponse {
                        id: listed.order.as_uuid(),
                        number: listed.row.number.as_deref().map(str::to_owned),
                        product: listed.row.product.as_uuid(),
                        warehouse: listed.row.warehouse.as_uuid(),
                        status: listed.row.status.key().to_owned(),
                        quantity: listed.row.quantity,
                        produced: listed.row.produced,
                        due_on: listed.row.due_on,
                    })
                    .collect(),
                next_cursor: page.next.map(position_cursor),
            }
        },
    )))
}

aggregate_write! {
    /// Releases a planned order: the processes reserve its components (as
    /// much of each as is free; the rest shows as short).
    release_production: "/production-orders/{id}/release", TAG_PRODUCTION, ProductionOrder, super::writes::NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<ProductionCommand>(|| Ok(ProductionCommand::Release))
}

aggregate_write! {
    /// Marks a released order as begun on the shop floor.
    start_production: "/production-orders/{id}/start", TAG_PRODUCTION, ProductionOrder, super::writes::NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<ProductionCommand>(|| Ok(ProductionCommand::Start))
}

aggregate_write! {
    /// Ends an order partly produced: nothing more will be made, and what
    /// is still reserved is let go.
    finish_production: "/production-orders/{id}/finish", TAG_PRODUCTION, ProductionOrder, super::writes::NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<ProductionCommand>(|| Ok(ProductionCommand::Finish))
}

aggregate_write! {
    /// Cancels an order of which nothing was made; its reservations are
    /// let go.
    cancel_production: "/production-orders/{id}/cancel", TAG_PRODUCTION, ProductionOrder, CancelProductionRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<ProductionCommand>(|| Ok(ProductionCommand::Cancel {
        reason: Label::parse("reason", &request.reason)?,
    }))
}

/// Reports finished goods: the processes consume the components (at their
/// average cost) and bring the goods in at the rolled-up cost. Refused,
/// naming the component, when the stock does not hold what it uses.
#[utoipa::path(post, path = "/production-orders/{id}/complete", tag = TAG_PRODUCTION,
    request_body = CompleteProductionRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The order's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn complete_production(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CompleteProductionRequest>,
) -> Result<Written, ApiError> {
    let quantity = Quantity::parse("quantity", request.quantity)?;
    let executed = state
        .app
        .production()
        .complete(
            &headers.principal.caller(),
            headers.run(),
            ProductionOrderId::from_uuid(id),
            quantity,
            request.finish,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

// ------------------------------------------------------------ requirements

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequirementsQuery {
    /// Sales order ids, comma-separated; every confirmed order with goods
    /// still to ship when absent.
    pub orders: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementResponse {
    pub product: Uuid,
    pub warehouse: Uuid,
    /// 0 for what is sold, 1 for its components, and so on.
    pub level: usize,
    /// `produce` or `buy`.
    pub action: String,
    /// Whom to buy from (the preferred supplier, else the quickest).
    pub supplier: Option<Uuid>,
    #[schema(value_type = String)]
    pub gross: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub on_order: Decimal,
    #[schema(value_type = String)]
    pub in_production: Decimal,
    #[schema(value_type = String)]
    pub net: Decimal,
    pub need_on: NaiveDate,
    pub start_by: NaiveDate,
    pub late: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementsResponse {
    pub today: NaiveDate,
    pub requirements: Vec<RequirementResponse>,
}

/// Parses a comma-separated list of sales order ids.
pub fn parse_selection(orders: Option<&str>) -> Result<Selection, ApiError> {
    let Some(orders) = orders.map(str::trim).filter(|orders| !orders.is_empty()) else {
        return Ok(Selection::AllOpen);
    };
    let chosen = orders
        .split(',')
        .map(|id| {
            id.trim()
                .parse::<OrderId>()
                .map_err(|_| ApiError::invalid("orders", format!("{id:?} is not an order id")))
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    if chosen.len() > REQUIREMENT_ORDERS_MAX {
        return Err(ApiError::invalid(
            "orders",
            format!("at most {REQUIREMENT_ORDERS_MAX} orders"),
        ));
    }
    Ok(Selection::Orders(chosen))
}

/// The requirements of `selection` as the read models stand now.
pub fn requirements_now(
    state: &AppState,
    selection: &Selection,
    today: NaiveDate,
) -> Vec<projections::requirements::Requirement> {
    state.read_models.production.read(|production| {
        state.read_models.stock.read(|stock| {
            state
                .read_models
                .purchases
                .read(|purchases| plan(production, stock, purchases, selection, today))
        })
    })
}

/// Material requirements for some sales orders (or all open ones): what to
/// produce and what to buy, how much and by when, through every level of
/// the bills, netted against stock, reservations, open purchase and
/// production orders (docs/api.md).
#[utoipa::path(get, path = "/material-requirements", tag = TAG_PRODUCTION,
    params(RequirementsQuery, WaitFor),
    responses(
        (status = 200, body = RequirementsResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn material_requirements(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RequirementsQuery>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<RequirementsResponse>, ApiError> {
    let selection = parse_selection(query.orders.as_deref())?;
    wait.wait(&state).await?;
    let today = state.app.now().date_naive();
    let requirements = requirements_now(&state, &selection, today)
        .into_iter()
        .map(|line| {
            let (action, supplier) = match line.action {
                Action::Produce => ("produce", None),
                Action::Buy { supplier } => ("buy", supplier.map(|party| party.as_uuid())),
            };
            RequirementResponse {
                product: line.product.as_uuid(),
                warehouse: line.warehouse.as_uuid(),
                level: line.level,
                action: action.to_owned(),
                supplier,
                gross: line.gross,
                available: line.available,
                on_order: line.on_order,
                in_production: line.in_production,
                net: line.net,
                need_on: line.need_on,
                start_by: line.start_by,
                late: line.late,
            }
        })
        .collect();
    Ok(axum::Json(RequirementsResponse {
        today,
        requirements,
    }))
}
