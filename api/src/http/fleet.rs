//! The fleet: vehicles (plate, capacity in kg and m³, driver) and
//! delivery zones (cost of a delivery, windows). Lists come from the
//! deliveries read model; writes go through `App::execute`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveTime;
use domain::catalog::UnitPrice;
use domain::fleet::Window;
use domain::fleet::vehicle::{Vehicle, VehicleCommand, VehicleDetails};
use domain::fleet::zone::{Zone, ZoneCommand, ZoneDetails};
use domain::ids::{BranchId, UserId, VehicleId, ZoneId};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_FLEET;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiQuery, WaitFor, WriteHeaders, Written};
use super::writes::{
    Changed, ChangedUnlessStale, NoFields, Registered, RegisteredUnlessRefused, aggregate_write,
};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_vehicle, list_vehicles))
        .routes(routes!(change_vehicle))
        .routes(routes!(assign_driver))
        .routes(routes!(retire_vehicle))
        .routes(routes!(define_zone, list_zones))
        .routes(routes!(change_zone))
        .routes(routes!(retire_zone))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleRequest {
    pub plate: String,
    /// What it is called in the yard ("Van 2").
    pub name: String,
    #[schema(value_type = String)]
    pub capacity_kg: Decimal,
    #[schema(value_type = String)]
    pub capacity_m3: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterVehicleRequest {
    pub plate: String,
    pub name: String,
    #[schema(value_type = String)]
    pub capacity_kg: Decimal,
    #[schema(value_type = String)]
    pub capacity_m3: Decimal,
    /// A user who drives it (with the driver role, they see its stops).
    pub driver: Option<Uuid>,
    pub branch: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignDriverRequest {
    /// None: nobody drives it now.
    pub driver: Option<Uuid>,
}

/// A time of day a zone is served in, `HH:MM`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowDto {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneRequest {
    pub name: String,
    /// What one delivery into the zone costs, in the company currency.
    #[schema(value_type = String)]
    pub cost: Decimal,
    #[serde(default)]
    pub windows: Vec<WindowDto>,
}

fn details(request: &VehicleRequest) -> Result<VehicleDetails, ApiError> {
    Ok(VehicleDetails {
        plate: Label::parse("plate", &request.plate)?,
        name: Label::parse("name", &request.name)?,
        capacity_kg: request.capacity_kg,
        capacity_m3: request.capacity_m3,
    })
}

/// A window as typed (`09:00`–`12:00`), refused by its field.
pub fn window(field: &str, from: &str, to: &str) -> Result<Window, ApiError> {
    let time = |text: &str| {
        NaiveTime::parse_from_str(text.trim(), "%H:%M")
            .map_err(|_| ApiError::invalid(field, "must be two times of day, HH:MM"))
    };
    Ok(Window::parse(field, time(from)?, time(to)?)?)
}

fn zone_details(request: &ZoneRequest) -> Result<ZoneDetails, ApiError> {
    Ok(ZoneDetails {
        name: Label::parse("name", &request.name)?,
        cost: UnitPrice::parse("cost", request.cost)?,
        windows: request
            .windows
            .iter()
            .enumerate()
            .map(|(index, dto)| window(&format!("windows[{index}]"), &dto.from, &dto.to))
            .collect::<Result<_, _>>()?,
    })
}

/// Another vehicle holds `plate` (any spacing and case): refused.
fn ensure_plate_free(
    state: &AppState,
    plate: &str,
    except: Option<VehicleId>,
) -> Result<(), ApiError> {
    if state
        .read_models
        .deliveries
        .read(|deliveries| deliveries.plate_taken(plate, except))
    {
        return Err(domain::DomainError::rejected(
            "vehicle.plate_taken",
            "another vehicle has this plate",
        )
        .into());
    }
    Ok(())
}

/// Registers a vehicle of the fleet; a plate another vehicle has is 422
/// `vehicle.plate_taken`.
#[utoipa::path(post, path = "/vehicles", tag = TAG_FLEET,
    request_body = RegisterVehicleRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(RegisteredUnlessRefused))]
async fn register_vehicle(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<RegisterVehicleRequest>,
) -> Result<Written, ApiError> {
    let details = details(&VehicleRequest {
        plate: request.plate.clone(),
        name: request.name,
        capacity_kg: request.capacity_kg,
        capacity_m3: request.capacity_m3,
    })?;
    let id = VehicleId::from_uuid(domain::ids::derived(headers.run().command_id, b"vehicle"));
    let run = headers.run();
    let repeat = state.app.load::<Vehicle>(id)?.0.is_some();
    if !repeat {
        ensure_plate_free(&state, details.plate.as_str(), None)?;
    }
    let command = VehicleCommand::Register {
        details,
        driver: request.driver.map(UserId::from_uuid),
        branch: request.branch.map(BranchId::from_uuid),
    };
    let executed = state
        .app
        .execute::<Vehicle, _>(&headers.principal.caller(), run, id, command, None)
        .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VehicleResponse {
    pub id: Uuid,
    pub plate: String,
    pub name: String,
    #[schema(value_type = String)]
    pub capacity_kg: Decimal,
    #[schema(value_type = String)]
    pub capacity_m3: Decimal,
    pub driver: Option<Uuid>,
    pub branch: Option<Uuid>,
    pub retired: bool,
}

/// The fleet, by id.
#[utoipa::path(get, path = "/vehicles", tag = TAG_FLEET,
    params(WaitFor),
    responses(
        (status = 200, body = Vec<VehicleResponse>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_vehicles(
    State(state): State<AppState>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<Vec<VehicleResponse>>, ApiError> {
    wait.wait(&state).await?;
    Ok(axum::Json(state.read_models.deliveries.read(
        |deliveries| {
            deliveries
                .vehicles()
                .map(|(id, row)| VehicleResponse {
                    id: id.as_uuid(),
                    plate: row.plate.clone(),
                    name: row.name.clone(),
                    capacity_kg: row.capacity_kg,
                    capacity_m3: row.capacity_m3,
                    driver: row.driver.map(|driver| driver.as_uuid()),
                    branch: row.branch.map(|branch| branch.as_uuid()),
                    retired: row.retired,
                })
                .collect()
        },
    )))
}

aggregate_write! {
    /// Changes a vehicle's plate, name and capacity (422
    /// `vehicle.plate_taken` for another vehicle's plate).
    change_vehicle: "/vehicles/{id}/change", TAG_FLEET, Vehicle, VehicleRequest, Changed,
    |state, id, request, _headers| {
        let details = details(&request)?;
        let vehicle = VehicleId::from_uuid(id);
        // A missing vehicle answers as missing, whatever its plate.
        if state.app.load::<Vehicle>(vehicle)?.0.is_some() {
            ensure_plate_free(&state, details.plate.as_str(), Some(vehicle))?;
        }
        super::parsed::<VehicleCommand>(|| Ok(VehicleCommand::Change(details)))
    }
}

aggregate_write! {
    /// Sets who drives the vehicle.
    assign_driver: "/vehicles/{id}/driver", TAG_FLEET, Vehicle, AssignDriverRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<VehicleCommand>(|| Ok(VehicleCommand::AssignDriver(
        request.driver.map(UserId::from_uuid),
    )))
}

aggregate_write! {
    /// Retires a vehicle: it takes no new stops.
    retire_vehicle: "/vehicles/{id}/retire", TAG_FLEET, Vehicle, NoFields, ChangedUnlessStale,
    |_state, _id, _request, _headers| super::parsed::<VehicleCommand>(|| Ok(VehicleCommand::Retire))
}

/// Defines a delivery zone.
#[utoipa::path(post, path = "/zones", tag = TAG_FLEET,
    request_body = ZoneRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn define_zone(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ZoneRequest>,
) -> Result<Written, ApiError> {
    let details = zone_details(&request)?;
    let run = headers.run();
    let id = ZoneId::from_uuid(domain::ids::derived(run.command_id, b"zone"));
    let executed = state
        .app
        .execute::<Zone, _>(
            &headers.principal.caller(),
            run,
            id,
            ZoneCommand::Define(details),
            None,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String)]
    pub cost: Decimal,
    pub windows: Vec<WindowDto>,
    pub retired: bool,
}

/// The delivery zones.
#[utoipa::path(get, path = "/zones", tag = TAG_FLEET,
    params(WaitFor),
    responses(
        (status = 200, body = Vec<ZoneResponse>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_zones(
    State(state): State<AppState>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<Vec<ZoneResponse>>, ApiError> {
    wait.wait(&state).await?;
    Ok(axum::Json(state.read_models.deliveries.read(
        |deliveries| {
            deliveries
                .zones()
                .map(|(id, row)| ZoneResponse {
                    id: id.as_uuid(),
                    name: row.name.clone(),
                    cost: row.cost,
                    windows: row.windows.iter().map(window_dto).collect(),
                    retired: row.retired,
                })
                .collect()
        },
    )))
}

pub fn window_dto(window: &Window) -> WindowDto {
    WindowDto {
        from: window.from.format("%H:%M").to_string(),
        to: window.to.format("%H:%M").to_string(),
    }
}

aggregate_write! {
    /// Changes a zone's name, cost and windows (deliveries planned keep
    /// the cost they were planned at).
    change_zone: "/zones/{id}/change", TAG_FLEET, Zone, ZoneRequest, Changed,
    |_state, _id, request, _headers| {
        let details = zone_details(&request)?;
        super::parsed::<ZoneCommand>(|| Ok(ZoneCommand::Change(details)))
    }
}

aggregate_write! {
    /// Retires a zone: no new delivery is planned into it.
    retire_zone: "/zones/{id}/retire", TAG_FLEET, Zone, NoFields, ChangedUnlessStale,
    |_state, _id, _request, _headers| super::parsed::<ZoneCommand>(|| Ok(ZoneCommand::Retire))
}
