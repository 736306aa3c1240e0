//! Groups over HTTP: an administrator forms, renames, disbands and
//! reinstates the groups of users a task or calendar entry can be for,
//! and adds and removes their members (`domain::group`); auditors read
//! them. A group's id is what a task's or entry's `Assignee::Group`
//! names.

use axum::extract::State;
use axum::http::StatusCode;
use domain::group::{Group, GroupCommand};
use domain::ids::{GroupId, UserId};
use domain::values::Label;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_ADMIN;
use super::error::ApiError;
use super::execute;
use super::extract::{ApiJson, WriteHeaders, Written};
use super::writes::{Changed, ChangedUnlessStale, NoFields, Registered};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(form_group, list_groups))
        .routes(routes!(rename_group))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(disband_group))
        .routes(routes!(reinstate_group))
}

/// A group's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupNameRequest {
    pub name: String,
}

/// A user joining or leaving a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    pub user: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupResponse {
    pub id: Uuid,
    pub name: String,
    /// Its members' user ids.
    pub members: Vec<Uuid>,
    pub disbanded: bool,
}

/// Every group by name, disbanded ones too.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupListResponse {
    pub groups: Vec<GroupResponse>,
}

/// Forms a group, without members yet.
#[utoipa::path(post, path = "/admin/groups", tag = TAG_ADMIN,
    request_body = GroupNameRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn form_group(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<GroupNameRequest>,
) -> Result<Written, ApiError> {
    let id = GroupId::from_uuid(headers.new_id("group"));
    let command = GroupCommand::Form {
        name: Label::parse("name", &request.name)?,
    };
    let executed = execute::<Group, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// Every group by name, disbanded ones too, with its members.
#[utoipa::path(get, path = "/admin/groups", tag = TAG_ADMIN,
    responses((status = 200, body = GroupListResponse)))]
async fn list_groups(State(state): State<AppState>) -> axum::Json<GroupListResponse> {
    let groups = state.read_models.users.read(|users| {
        users
            .groups()
            .into_iter()
            .map(|(id, row)| GroupResponse {
                id: id.as_uuid(),
                name: row.name.clone(),
                members: row.members.iter().map(|user| user.as_uuid()).collect(),
                disbanded: row.disbanded,
            })
            .collect()
    });
    axum::Json(GroupListResponse { groups })
}

/// The user a member request names, if the directory knows them.
fn known_user(state: &AppState, user: Uuid) -> Result<UserId, ApiError> {
    let user = UserId::from_uuid(user);
    if state
        .read_models
        .users
        .read(|users| users.user(user).is_none())
    {
        return Err(ApiError::NotFound(format!("user {user}")));
    }
    Ok(user)
}

super::writes::aggregate_write! {
    /// Renames a group (refused while it is disbanded).
    rename_group: "/admin/groups/{id}/rename", TAG_ADMIN, Group, GroupNameRequest, Changed,
    |state, id, request, _headers| Ok(GroupCommand::Rename {
        name: Label::parse("name", &request.name)?,
    })
}

super::writes::aggregate_write! {
    /// Adds a user to a group: the group's tasks and calendar entries
    /// are theirs from now on (refused while it is disbanded).
    add_member: "/admin/groups/{id}/members", TAG_ADMIN, Group, MemberRequest, Changed,
    |state, id, request, _headers| Ok(GroupCommand::AddMember {
        user: known_user(&state, request.user)?,
    })
}

super::writes::aggregate_write! {
    /// Takes a user out of a group: its tasks are no longer theirs.
    remove_member: "/admin/groups/{id}/members/remove", TAG_ADMIN, Group, MemberRequest, Changed,
    |state, id, request, _headers| Ok(GroupCommand::RemoveMember {
        user: UserId::from_uuid(request.user),
    })
}

super::writes::aggregate_write! {
    /// Disbands a group: it keeps its name where it is named and is
    /// offered for no new task.
    disband_group: "/admin/groups/{id}/disband", TAG_ADMIN, Group, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(GroupCommand::Disband)
}

super::writes::aggregate_write! {
    /// Reinstates a disbanded group.
    reinstate_group: "/admin/groups/{id}/reinstate", TAG_ADMIN, Group, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(GroupCommand::Reinstate)
}
