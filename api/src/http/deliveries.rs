//! Deliveries: plan a shipment's delivery on a vehicle's day, move it,
//! record it loaded, on the way, delivered (with the proof), failed or
//! returned; a vehicle's day plan and its stops' order; the deliveries of
//! a day, the late and the failed ones. Reads come from the deliveries
//! read model (the proof from the delivery's own stream); writes go
//! through `app::deliveries`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::UnitPrice;
use domain::fleet::{DeliveryCommand, Window};
use domain::ids::{DeliveryId, OrderId, ShipmentId, VehicleId, ZoneId};
use domain::values::Label;
use projections::models::deliveries::DeliveryRow;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_FLEET;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery, Versioned, WaitFor, WriteHeaders, Written};
use super::fleet::{WindowDto, window, window_dto};
use super::writes::{Changed, ChangedUnlessStale, CreatedUnlessRefused, NoFields};
use crate::AppState;
use app::deliveries::{NewDelivery, NewPlace};

/// Most deliveries one list answers.
const LIST_DELIVERIES_MAX: usize = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plan_delivery, list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(move_delivery))
        .routes(routes!(load_delivery))
        .routes(routes!(depart_delivery))
        .routes(routes!(deliver_delivery))
        .routes(routes!(fail_delivery))
        .routes(routes!(return_delivery))
        .routes(routes!(day_plan))
        .routes(routes!(order_stops))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDeliveryRequest {
    pub order: Uuid,
    /// A shipment of the order.
    pub shipment: Uuid,
    pub vehicle: Uuid,
    pub day: NaiveDate,
    pub window: Option<WindowDto>,
    pub zone: Option<Uuid>,
    /// What the goods weigh and take up.
    #[schema(value_type = String)]
    #[serde(default)]
    pub weight_kg: Decimal,
    #[schema(value_type = String)]
    #[serde(default)]
    pub volume_m3: Decimal,
    /// What the delivery costs; the zone's cost when absent.
    #[schema(value_type = Option<String>)]
    pub cost: Option<Decimal>,
    /// Book the stop even over the vehicle's capacity.
    #[serde(default)]
    pub allow_over_capacity: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveDeliveryRequest {
    pub vehicle: Uuid,
    pub day: NaiveDate,
    pub window: Option<WindowDto>,
    #[serde(default)]
    pub allow_over_capacity: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// Who took the goods.
    pub receiver: String,
    pub note: Option<String>,
    /// When, if earlier than now.
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FailDeliveryRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStopsRequest {
    pub day: NaiveDate,
    /// Every stop of the day, in the order driven.
    pub stops: Vec<Uuid>,
}

fn optional_window(dto: Option<&WindowDto>) -> Result<Option<Window>, ApiError> {
    dto.map(|dto| window("window", &dto.from, &dto.to))
        .transpose()
}

/// Plans a shipment's delivery on a vehicle's day: its stop is booked
/// (422 `route.over_capacity` when the day would carry more than the
/// vehicle takes, unless `allow_over_capacity`), then the delivery is
/// planned at the zone's cost (422 `delivery.already_planned` for a
/// shipment planned before: move it).
#[utoipa::path(post, path = "/deliveries", tag = TAG_FLEET,
    request_body = PlanDeliveryRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(CreatedUnlessRefused))]
async fn plan_delivery(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<PlanDeliveryRequest>,
) -> Result<Written, ApiError> {
    let new = NewDelivery {
        order: OrderId::from_uuid(request.order),
        shipment: ShipmentId::from_uuid(request.shipment),
        vehicle: VehicleId::from_uuid(request.vehicle),
        day: request.day,
        window: optional_window(request.window.as_ref())?,
        zone: request.zone.map(ZoneId::from_uuid),
        weight_kg: domain::fleet::load_measure("weight_kg", request.weight_kg)?,
        volume_m3: domain::fleet::load_measure("volume_m3", request.volume_m3)?,
        cost: request
            .cost
            .map(|cost| UnitPrice::parse("cost", cost))
            .transpose()?,
        allow_over: request.allow_over_capacity,
    };
    let planned = state
        .app
        .deliveries()
        .plan(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        planned.delivery,
        &planned.executed,
    ))
}

/// Moves a planned, loaded or failed delivery to another vehicle, day or
/// window (its new stop booked first, as when planning).
#[utoipa::path(post, path = "/deliveries/{id}/move", tag = TAG_FLEET,
    request_body = MoveDeliveryRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn move_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<MoveDeliveryRequest>,
) -> Result<Written, ApiError> {
    let place = NewPlace {
        vehicle: VehicleId::from_uuid(request.vehicle),
        day: request.day,
        window: optional_window(request.window.as_ref())?,
        allow_over: request.allow_over_capacity,
    };
    let executed = state
        .app
        .deliveries()
        .replan(
            &headers.principal.caller(),
            headers.run(),
            DeliveryId::from_uuid(id),
            place,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

async fn record(
    state: &AppState,
    id: Uuid,
    headers: &WriteHeaders,
    command: DeliveryCommand,
    occurred_at: Option<DateTime<Utc>>,
) -> Result<Written, ApiError> {
    let executed = state
        .app
        .deliveries()
        .record(
            &headers.principal.caller(),
            headers.run(),
            DeliveryId::from_uuid(id),
            command,
            occurred_at,
        )
        .await?;
    Ok(Written::new(state, StatusCode::OK, id, &executed))
}

/// The goods are on the vehicle.
#[utoipa::path(post, path = "/deliveries/{id}/load", tag = TAG_FLEET,
    request_body = NoFields,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn load_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_request): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    record(&state, id, &headers, DeliveryCommand::Load, None).await
}

/// The vehicle left with the goods.
#[utoipa::path(post, path = "/deliveries/{id}/depart", tag = TAG_FLEET,
    request_body = NoFields,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn depart_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_request): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    record(&state, id, &headers, DeliveryCommand::Depart, None).await
}

/// Delivered: the proof (who took the goods, a note; when, if earlier).
#[utoipa::path(post, path = "/deliveries/{id}/deliver", tag = TAG_FLEET,
    request_body = DeliverRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn deliver_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DeliverRequest>,
) -> Result<Written, ApiError> {
    let command = DeliveryCommand::Deliver {
        receiver: Label::parse("receiver", &request.receiver)?,
        note: Label::parse_optional("note", request.note.as_deref())?,
    };
    record(&state, id, &headers, command, request.occurred_at).await
}

/// Not delivered, with the reason.
#[utoipa::path(post, path = "/deliveries/{id}/fail", tag = TAG_FLEET,
    request_body = FailDeliveryRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn fail_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<FailDeliveryRequest>,
) -> Result<Written, ApiError> {
    let command = DeliveryCommand::Fail {
        reason: Label::parse("reason", &request.reason)?,
    };
    record(&state, id, &headers, command, None).await
}

/// A failed delivery's goods are back in the warehouse.
#[utoipa::path(post, path = "/deliveries/{id}/return", tag = TAG_FLEET,
    request_body = NoFields,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The delivery's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn return_delivery(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_request): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    record(&state, id, &headers, DeliveryCommand::Return, None).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: Uuid,
    pub order: Uuid,
    pub shipment: Uuid,
    pub party: Uuid,
    pub warehouse: Uuid,
    pub zone: Option<Uuid>,
    pub day: NaiveDate,
    pub window: Option<WindowDto>,
    pub vehicle: Uuid,
    #[schema(value_type = String)]
    pub weight_kg: Decimal,
    #[schema(value_type = String)]
    pub volume_m3: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    pub currency: String,
    /// `planned`, `loaded`, `on_the_way`, `delivered`, `failed` or
    /// `returned`.
    pub status: String,
    /// Still to make after its day.
    pub late: bool,
    pub failure: Option<String>,
    /// When it was delivered, failed or returned.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who took the goods, once delivered (blank after the customer's
    /// erasure); only on `GET /deliveries/{id}`.
    pub receiver: Option<String>,
    pub note: Option<String>,
    pub version: u64,
}

fn delivery_response(id: DeliveryId, row: &DeliveryRow, today: NaiveDate) -> DeliveryResponse {
    DeliveryResponse {
        id: id.as_uuid(),
        order: row.order.as_uuid(),
        shipment: row.shipment.as_uuid(),
        party: row.party.as_uuid(),
        warehouse: row.warehouse.as_uuid(),
        zone: row.zone.map(|zone| zone.as_uuid()),
        day: row.day,
        window: row.window.as_ref().map(window_dto),
        vehicle: row.vehicle.as_uuid(),
        weight_kg: row.weight_kg,
        volume_m3: row.volume_m3,
        cost: row.cost,
        currency: row.currency.as_str().to_owned(),
        status: row.status.key().to_owned(),
        late: row.late_on(today),
        failure: row.failure.clone(),
        closed_at: row.closed_at,
        receiver: None,
        note: None,
        version: row.version,
    }
}

/// One delivery, with its proof once delivered; its version as `ETag`.
#[utoipa::path(get, path = "/deliveries/{id}", tag = TAG_FLEET,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = DeliveryResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_delivery(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<Versioned<DeliveryResponse>, ApiError> {
    wait.wait(&state).await?;
    let delivery = DeliveryId::from_uuid(id);
    let today = state.app.now().date_naive();
    let mut response = state
        .read_models
        .deliveries
        .read(|deliveries| {
            deliveries
                .get(delivery)
                .map(|row| delivery_response(delivery, row, today))
        })
        .ok_or_else(|| ApiError::NotFound(format!("delivery {id}")))?;
    if let Some(proof) = state
        .app
        .deliveries()
        .proof(&principal.caller(), delivery)?
    {
        response.receiver = Some(proof.receiver).filter(|receiver| !receiver.is_empty());
        response.note = proof.note;
    }
    Ok(Versioned(Some(response.version), response))
}

/// Which deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Planned for this day.
    pub day: Option<NaiveDate>,
    /// One order's.
    pub order: Option<Uuid>,
    /// `late`: still to make after their day; `failed`: failed and not
    /// planned again nor returned.
    pub only: Option<String>,
}

/// Deliveries of a day (by vehicle and stop order), of an order, or the
/// late or failed ones (at most 500); a driver sees those of the
/// vehicles they drive.
#[utoipa::path(get, path = "/deliveries", tag = TAG_FLEET,
    params(DeliveryFilter, WaitFor),
    responses(
        (status = 200, body = Vec<DeliveryResponse>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_deliveries(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(filter): ApiQuery<DeliveryFilter>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<Vec<DeliveryResponse>>, ApiError> {
    let only = match filter.only.as_deref() {
        None => None,
        Some(only @ ("late" | "failed")) => Some(only.to_owned()),
        Some(_) => return Err(ApiError::invalid("only", "must be late or failed")),
    };
    wait.wait(&state).await?;
    let today = state.app.now().date_naive();
    let caller = principal.caller();
    let read = domain::access::Permission::new(
        domain::access::Module::Inventory,
        domain::access::Action::Read,
    );
    let commands = state.commands.clone();
    let visible = move |id: DeliveryId| {
        app::access::in_reach(
            &commands,
            &caller,
            read,
            app::access::Kind::Delivery,
            id.as_uuid(),
        )
    };
    Ok(axum::Json(state.read_models.deliveries.read(
        |deliveries| {
            let found: Vec<(DeliveryId, &DeliveryRow)> = match (&only, filter.order, filter.day) {
                (Some(only), _, _) if only == "late" => deliveries.late(today, LIST_DELIVERIES_MAX),
                (Some(_), _, _) => deliveries.failed(LIST_DELIVERIES_MAX),
                (None, Some(order), _) => deliveries.of_order(OrderId::from_uuid(order)),
                (None, None, day) => {
                    let day = day.unwrap_or(today);
                    deliveries
                        .routes_on(day)
                        .into_iter()
                        .flat_map(|(vehicle, _)| deliveries.day_plan(vehicle, day).1)
                        .collect()
                }
            };
            found
                .into_iter()
                .filter(|(id, _)| visible(*id))
                .take(LIST_DELIVERIES_MAX)
                .map(|(id, row)| delivery_response(id, row, today))
                .collect()
        },
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    pub day: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayPlanResponse {
    pub vehicle: Uuid,
    pub day: NaiveDate,
    #[schema(value_type = String)]
    pub load_kg: Decimal,
    #[schema(value_type = String)]
    pub load_m3: Decimal,
    #[schema(value_type = String)]
    pub capacity_kg: Decimal,
    #[schema(value_type = String)]
    pub capacity_m3: Decimal,
    /// The load is over the capacity (a planner went over knowingly).
    pub over_capacity: bool,
    /// The stops in the order driven.
    pub stops: Vec<DeliveryResponse>,
    /// Send as `If-Match` to reorder the stops.
    pub version: u64,
}

/// A vehicle's day: its stops in order and their load against the
/// vehicle's capacity.
#[utoipa::path(get, path = "/vehicles/{id}/day-plan", tag = TAG_FLEET,
    params(("id" = Uuid, Path), DayQuery, WaitFor),
    responses(
        (status = 200, body = DayPlanResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn day_plan(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<DayQuery>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<DayPlanResponse>, ApiError> {
    wait.wait(&state).await?;
    let vehicle = VehicleId::from_uuid(id);
    let today = state.app.now().date_naive();
    state
        .read_models
        .deliveries
        .read(|deliveries| {
            let row = deliveries.vehicle(vehicle)?;
            let (route, stops) = deliveries.day_plan(vehicle, query.day);
            Some(DayPlanResponse {
                vehicle: id,
                day: query.day,
                load_kg: route.load_kg,
                load_m3: route.load_m3,
                capacity_kg: row.capacity_kg,
                capacity_m3: row.capacity_m3,
                over_capacity: route.load_kg > row.capacity_kg || route.load_m3 > row.capacity_m3,
                stops: stops
                    .into_iter()
                    .map(|(id, row)| delivery_response(id, row, today))
                    .collect(),
                version: route.version,
            })
        })
        .map(axum::Json)
        .ok_or_else(|| ApiError::NotFound(format!("vehicle {id}")))
}

/// Puts a vehicle's day's stops in the order they are driven (every stop
/// once).
#[utoipa::path(post, path = "/vehicles/{id}/day-plan/order", tag = TAG_FLEET,
    request_body = OrderStopsRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The day plan's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(ChangedUnlessStale))]
async fn order_stops(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<OrderStopsRequest>,
) -> Result<Written, ApiError> {
    let executed = state
        .app
        .deliveries()
        .order_stops(
            &headers.principal.caller(),
            headers.run(),
            VehicleId::from_uuid(id),
            request.day,
            request
                .stops
                .into_iter()
                .map(DeliveryId::from_uuid)
                .collect(),
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}
