//! Warehouses: open one, rename it, let its stock go negative, close it,
//! read one from its stream, and list them from the stock read model.

use axum::extract::State;
use axum::http::StatusCode;
use domain::access::{Action, Module, Reach};
use domain::ids::{BranchId, WarehouseId};
use domain::inventory::{Warehouse, WarehouseCommand};
use domain::values::Label;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::catalog::{NegativeStockRequest, RenameRequest};
use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    encode_cursor,
};
use super::writes::NoFields;
use super::writes::{Changed, Registered, aggregate_write};
use super::{TAG_STOCK, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_warehouse, list_warehouses))
        .routes(routes!(get_warehouse))
        .routes(routes!(rename_warehouse))
        .routes(routes!(allow_negative_stock))
        .routes(routes!(close_warehouse))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenWarehouseRequest {
    pub name: String,
    pub branch: Option<Uuid>,
    #[serde(default)]
    pub allows_negative_stock: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseResponse {
    pub id: Uuid,
    pub name: String,
    pub branch: Option<Uuid>,
    pub allows_negative_stock: bool,
    pub closed: bool,
    pub version: Option<u64>,
}

/// Which warehouses.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarehouseFilter {
    /// Only closed (`true`) or only open (`false`) ones; all when absent.
    pub closed: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseRow {
    pub id: Uuid,
    pub name: String,
    pub closed: bool,
}

/// Warehouses by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarehousePage {
    pub rows: Vec<WarehouseRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Opens a warehouse.
#[utoipa::path(post, path = "/warehouses", tag = TAG_STOCK,
    request_body = OpenWarehouseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn open_warehouse(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<OpenWarehouseRequest>,
) -> Result<Written, ApiError> {
    let command = WarehouseCommand::Open {
        name: Label::parse("name", &request.name)?,
        branch: request.branch.map(BranchId::from_uuid),
        allows_negative_stock: request.allows_negative_stock,
    };
    let id = WarehouseId::from_uuid(headers.new_id("warehouse"));
    let executed = super::execute::<Warehouse, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One warehouse.
#[utoipa::path(get, path = "/warehouses/{id}", tag = TAG_STOCK,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WarehouseResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_warehouse(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<WarehouseResponse>, ApiError> {
    let (warehouse, version) = load::<Warehouse>(&state, id)?;
    let warehouse = warehouse.ok_or_else(|| ApiError::NotFound(format!("warehouse {id}")))?;
    Ok(Versioned(
        version,
        WarehouseResponse {
            id,
            name: warehouse.name,
            branch: warehouse.branch.map(|branch| branch.as_uuid()),
            allows_negative_stock: warehouse.allows_negative_stock,
            closed: warehouse.closed,
            version,
        },
    ))
}

/// Warehouses by name (then id), from the stock read model.
#[utoipa::path(get, path = "/warehouses", tag = TAG_STOCK,
    params(WarehouseFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = WarehousePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_warehouses(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(filter): ApiQuery<WarehouseFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<WarehousePage>, ApiError> {
    wait.wait(&state).await?;
    let limit = page.limit()?;
    let after = page
        .cursor()?
        .map(|bytes| parse_cursor(&bytes))
        .transpose()?;
    let page = state.read_models.stock.read(|stock| {
        let mut rows = stock
            .warehouses()
            .into_iter()
            .filter(|(_, info)| filter.closed.is_none_or(|closed| closed == info.closed))
            // A storekeeper lists the warehouses of their branch only.
            .filter(|(id, _)| {
                principal.reach(Module::Inventory, Action::Read) != Some(Reach::Branch)
                    || load::<Warehouse>(&state, *id)
                        .ok()
                        .and_then(|(warehouse, _)| warehouse)
                        .is_some_and(|warehouse| warehouse.branch == principal.branch)
            })
            .filter(|(id, info)| {
                after
                    .as_ref()
                    .is_none_or(|(name, after)| (info.name.as_str(), *id) > (name.as_str(), *after))
            })
            .take(limit + 1)
            .map(|(id, info)| WarehouseRow {
                id: id.as_uuid(),
                name: info.name.clone(),
                closed: info.closed,
            })
            .collect::<Vec<_>>();
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = rows.last().filter(|_| more).map(|last| {
            let mut bytes = last.id.as_bytes().to_vec();
            bytes.extend_from_slice(last.name.as_bytes());
            encode_cursor(&bytes)
        });
        WarehousePage { rows, next_cursor }
    });
    Ok(axum::Json(page))
}

/// A warehouse cursor: the last row's id (16 bytes), then its name.
fn parse_cursor(bytes: &[u8]) -> Result<(String, WarehouseId), ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    let (id, name) = bytes.split_at_checked(16).ok_or_else(bad)?;
    let id = Uuid::from_slice(id).map_err(|_| bad())?;
    let name = String::from_utf8(name.to_vec()).map_err(|_| bad())?;
    Ok((name, WarehouseId::from_uuid(id)))
}

aggregate_write! {
    /// Renames an open warehouse.
    rename_warehouse: "/warehouses/{id}/rename", TAG_STOCK, Warehouse, RenameRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<WarehouseCommand>(|| Ok(WarehouseCommand::Rename(Label::parse("name", &request.name)?)))
}

aggregate_write! {
    /// Lets stock in an open warehouse go below zero (or stops it).
    allow_negative_stock: "/warehouses/{id}/negative-stock", TAG_STOCK, Warehouse, NegativeStockRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<WarehouseCommand>(|| Ok(WarehouseCommand::AllowNegativeStock(request.allowed)))
}

aggregate_write! {
    /// Closes a warehouse; a closed one takes no further changes.
    close_warehouse: "/warehouses/{id}/close", TAG_STOCK, Warehouse, NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<WarehouseCommand>(|| Ok(WarehouseCommand::Close))
}
