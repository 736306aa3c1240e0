//! Branches over HTTP: an administrator opens, changes, closes and
//! reopens the company's branches (a code, a name, an address);
//! auditors read them. A branch that was in use before it had a name (an
//! id on users, warehouses and customers) is named by opening it with
//! that `id`.

use axum::extract::State;
use axum::http::StatusCode;
use domain::branch::{Branch, BranchCode, BranchCommand, BranchDetails};
use domain::ids::BranchId;
use domain::values::{Label, Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_ADMIN;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, WriteHeaders, Written};
use super::writes::{ChangedUnique, ChangedUnlessStale, NoFields, RegisteredUnique};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_branch, list_branches))
        .routes(routes!(change_branch))
        .routes(routes!(close_branch))
        .routes(routes!(reopen_branch))
}

/// A branch's details.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchRequest {
    /// Names a branch in use before it had a name (its id on users,
    /// warehouses, customers); absent: a new branch.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// 1 to 10 Latin letters, digits or hyphens; kept in capitals and
    /// unique among branches.
    pub code: String,
    pub name: String,
    /// The postal address, as documents print it.
    pub address: Option<String>,
}

/// A branch's new details (the whole of them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBranchRequest {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BranchResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub closed: bool,
}

/// Every branch by name, closed ones too.
#[derive(Debug, Serialize, ToSchema)]
pub struct BranchListResponse {
    pub branches: Vec<BranchResponse>,
}

fn details(code: &str, name: &str, address: Option<&str>) -> Result<BranchDetails, ApiError> {
    Ok(BranchDetails {
        code: BranchCode::parse("code", code)?,
        name: Label::parse("name", name)?,
        address: match address.map(str::trim) {
            None | Some("") => None,
            Some(address) => Some(Text::parse("address", address)?),
        },
    })
}

/// Opens a branch, or names one in use before it had a name.
#[utoipa::path(post, path = "/admin/branches", tag = TAG_ADMIN,
    request_body = BranchRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(RegisteredUnique))]
async fn open_branch(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<BranchRequest>,
) -> Result<Written, ApiError> {
    let details = details(&request.code, &request.name, request.address.as_deref())?;
    let id = BranchId::from_uuid(request.id.unwrap_or_else(|| headers.new_id("branch")));
    let executed = app::branches::open(
        &state.app,
        &state.read_models,
        &headers.principal.caller(),
        headers.run(),
        id,
        details,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// Every branch by name, closed ones too.
#[utoipa::path(get, path = "/admin/branches", tag = TAG_ADMIN,
    responses((status = 200, body = BranchListResponse)))]
async fn list_branches(State(state): State<AppState>) -> axum::Json<BranchListResponse> {
    let branches = state.read_models.users.read(|users| {
        users
            .branches()
            .into_iter()
            .map(|(id, row)| BranchResponse {
                id: id.as_uuid(),
                code: row.code.clone(),
                name: row.name.clone(),
                address: row.address.clone(),
                closed: row.closed,
            })
            .collect()
    });
    axum::Json(BranchListResponse { branches })
}

/// Changes a branch's code, name and address (refused while it is
/// closed, or if another branch holds the code).
#[utoipa::path(post, path = "/admin/branches/{id}/change", tag = TAG_ADMIN,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ChangeBranchRequest,
    responses(ChangedUnique))]
async fn change_branch(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ChangeBranchRequest>,
) -> Result<Written, ApiError> {
    let details = details(&request.code, &request.name, request.address.as_deref())?;
    let executed = app::branches::change(
        &state.app,
        &state.read_models,
        &headers.principal.caller(),
        headers.run(),
        BranchId::from_uuid(id),
        details,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

super::writes::aggregate_write! {
    /// Closes a branch: it keeps its name wherever it is named and is
    /// offered for no new record.
    close_branch: "/admin/branches/{id}/close", TAG_ADMIN, Branch, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(BranchCommand::Close)
}

super::writes::aggregate_write! {
    /// Reopens a closed branch.
    reopen_branch: "/admin/branches/{id}/reopen", TAG_ADMIN, Branch, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(BranchCommand::Reopen)
}
