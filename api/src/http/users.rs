//! Users, for administrators (`admin.administer`): list them, register
//! one, change roles and branch, disable and enable, set a new password,
//! end their sessions, revoke one of their tokens. And for everyone
//! signed in, their own account (`/me`): who they are and what they may
//! do, their API tokens (issue, list, revoke), "sign out everywhere".
//!
//! Every change is a command on the user's stream, recorded with the
//! acting administrator; the users read model is waited for before the
//! answer, so the next request already sees the change (a revoked token
//! stops at once).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::access::{Login, Permission, Reach, Role, UserCommand};
use domain::ids::{BranchId, UserId};
use domain::values::Label;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, WriteHeaders, Written};
use super::writes::{Changed, ChangedUnlessStale, NoFields};
use crate::AppState;
use crate::auth::password::{self, NewPassword};
use crate::auth::tokens::NewToken;
use crate::auth::{self, Principal};

const TAG_USERS: &str = "users";
const TAG_SESSION: &str = "session";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, register_user))
        .routes(routes!(change_roles))
        .routes(routes!(change_branch))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(set_password))
        .routes(routes!(revoke_sessions))
        .routes(routes!(revoke_users_token))
        .routes(routes!(me))
        .routes(routes!(my_tokens, issue_my_token))
        .routes(routes!(revoke_my_token))
}

/// A user as administrators see it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub login: String,
    pub display_name: String,
    /// `administrator`, `director`, `sales_manager`, `storekeeper`,
    /// `accountant`, `auditor`.
    pub roles: Vec<String>,
    pub branch: Option<Uuid>,
    pub disabled: bool,
    pub registered_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub rows: Vec<UserResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterUserRequest {
    pub login: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub branch: Option<Uuid>,
    /// At least 12 characters; the user should change it.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesRequest {
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchRequest {
    /// The branch, or `null` for none; the field must be there.
    #[serde(deserialize_with = "present")]
    #[schema(required = true)]
    pub branch: Option<Uuid>,
}

/// A nullable field that must be present: `Option` fields are otherwise
/// `None` when missing, so an empty body would clear the branch.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Uuid>, D::Error> {
    Option::<Uuid>::deserialize(deserializer)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenPath {
    pub id: Uuid,
    pub token: Uuid,
}

fn roles_of(field: &str, names: &[String]) -> Result<Vec<Role>, ApiError> {
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            Role::parse(name).ok_or_else(|| {
                ApiError::invalid(
                    format!("{field}[{index}]"),
                    format!("{name:?} is not a role"),
                )
            })
        })
        .collect()
}

/// Runs `command` on user `id` (which must exist) as the writer.
async fn on_user(
    state: &AppState,
    headers: &WriteHeaders,
    id: Uuid,
    command: UserCommand,
) -> Result<Written, ApiError> {
    let user = UserId::from_uuid(id);
    if state
        .read_models
        .users
        .read(|users| users.user(user).is_none())
    {
        return Err(ApiError::NotFound(format!("user {id}")));
    }
    let executed = auth::run_user_command(
        state,
        &headers.principal,
        user,
        command,
        headers.command_id,
        headers.expected_version,
    )
    .await?;
    Ok(Written::new(state, StatusCode::OK, id, &executed))
}

/// Every user, by login.
#[utoipa::path(get, path = "/users", tag = TAG_USERS,
    responses((status = 200, body = UserList)))]
async fn list_users(State(state): State<AppState>) -> Json<UserList> {
    let mut rows: Vec<UserResponse> = state.read_models.users.read(|users| {
        users
            .users()
            .map(|(id, user)| UserResponse {
                id: id.as_uuid(),
                login: user.login.clone(),
                display_name: user.display_name.clone(),
                roles: user
                    .roles
                    .iter()
                    .map(|role| role.key().to_owned())
                    .collect(),
                branch: user.branch.map(|branch| branch.as_uuid()),
                disabled: user.disabled,
                registered_at: user.registered_at,
            })
            .collect()
    });
    rows.sort_by(|a, b| a.login.cmp(&b.login));
    Json(UserList { rows })
}

/// Registers a user; the id is derived from the login, so a login is
/// taken once (a second registration is a 422 `user.login_taken`).
#[utoipa::path(post, path = "/users", tag = TAG_USERS,
    request_body = RegisterUserRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = super::extract::WriteResult),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn register_user(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<RegisterUserRequest>,
) -> Result<Written, ApiError> {
    let login = Login::parse("login", &request.login)?;
    let display_name = Label::parse("display_name", &request.display_name)?;
    let roles = roles_of("roles", &request.roles)?;
    let new_password = NewPassword::parse("password", &request.password)?;
    let hash = password::hash(&new_password).await?;
    let id = login.user_id();
    let command = UserCommand::Register {
        login,
        display_name,
        roles,
        branch: request.branch.map(BranchId::from_uuid),
        password: hash,
    };
    let executed = auth::run_user_command(
        &state,
        &headers.principal,
        id,
        command,
        headers.command_id,
        None,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// Gives a user other roles.
#[utoipa::path(post, path = "/users/{id}/roles", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = RolesRequest, responses(ChangedUnlessStale))]
async fn change_roles(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<RolesRequest>,
) -> Result<Written, ApiError> {
    let roles = roles_of("roles", &request.roles)?;
    on_user(&state, &headers, id, UserCommand::ChangeRoles(roles)).await
}

/// Moves a user to another branch (or none).
#[utoipa::path(post, path = "/users/{id}/branch", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = BranchRequest, responses(ChangedUnlessStale))]
async fn change_branch(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<BranchRequest>,
) -> Result<Written, ApiError> {
    let branch = request.branch.map(BranchId::from_uuid);
    on_user(&state, &headers, id, UserCommand::ChangeBranch(branch)).await
}

/// Disables a user: no sign-in, no token, every session ends.
#[utoipa::path(post, path = "/users/{id}/disable", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = NoFields, responses(Changed))]
async fn disable_user(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_no_fields): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    if UserId::from_uuid(id) == headers.user() {
        return Err(ApiError::Rejected {
            rule: "user.disable_self".to_owned(),
            message: "administrators cannot disable themselves".to_owned(),
        });
    }
    on_user(&state, &headers, id, UserCommand::Disable).await
}

/// Enables a disabled user again.
#[utoipa::path(post, path = "/users/{id}/enable", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = NoFields, responses(ChangedUnlessStale))]
async fn enable_user(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_no_fields): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    on_user(&state, &headers, id, UserCommand::Enable).await
}

/// Sets a new password for a user (a reset); their sessions end.
#[utoipa::path(post, path = "/users/{id}/password", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = PasswordRequest, responses(ChangedUnlessStale))]
async fn set_password(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Written, ApiError> {
    let new_password = NewPassword::parse("password", &request.password)?;
    let hash = password::hash(&new_password).await?;
    let written = on_user(&state, &headers, id, UserCommand::ChangePassword(hash)).await?;
    state.auth.sessions.remove_all_of(UserId::from_uuid(id))?;
    Ok(written)
}

/// Ends every session of a user.
#[utoipa::path(post, path = "/users/{id}/sessions/revoke", tag = TAG_USERS,
    params(("id" = Uuid, Path)), request_body = NoFields, responses(ChangedUnlessStale))]
async fn revoke_sessions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_no_fields): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    let written = on_user(&state, &headers, id, UserCommand::RevokeSessions).await?;
    state.auth.sessions.remove_all_of(UserId::from_uuid(id))?;
    Ok(written)
}

/// Revokes one token of a user.
#[utoipa::path(post, path = "/users/{id}/tokens/{token}/revoke", tag = TAG_USERS,
    params(("id" = Uuid, Path), ("token" = Uuid, Path)), request_body = NoFields,
    responses(ChangedUnlessStale))]
async fn revoke_users_token(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<TokenPath>,
    headers: WriteHeaders,
    ApiJson(_no_fields): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    on_user(
        &state,
        &headers,
        path.id,
        // An administrator's act on another user's token: the
        // administrator's own token (if any) is not one of that user's.
        UserCommand::RevokeToken {
            token_id: path.token,
            through: None,
        },
    )
    .await
}

/// One permission the signed-in user holds, and over which records.
#[derive(Debug, Serialize, ToSchema)]
pub struct Grant {
    /// `module.action`.
    pub permission: String,
    /// `own` (records the user owns), `branch` (the user's branch) or `all`.
    pub reach: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    pub login: String,
    pub display_name: String,
    pub branch: Option<Uuid>,
    /// What the user (or this token) may do.
    pub grants: Vec<Grant>,
    /// The token this request came with, if any.
    pub token_id: Option<Uuid>,
}

/// Who the request is signed in as, and what they may do.
#[utoipa::path(get, path = "/me", tag = TAG_SESSION,
    responses((status = 200, body = MeResponse)))]
async fn me(principal: Principal) -> Json<MeResponse> {
    Json(MeResponse {
        id: principal.user.as_uuid(),
        login: principal.login.clone(),
        display_name: principal.display_name.clone(),
        branch: principal.branch.map(|branch| branch.as_uuid()),
        grants: principal
            .grants
            .permissions()
            .map(|(permission, reach)| Grant {
                permission: permission.to_string(),
                reach: match reach {
                    Reach::Own => "own",
                    Reach::Branch => "branch",
                    Reach::All => "all",
                }
                .to_owned(),
            })
            .collect(),
        token_id: match principal.via {
            auth::Via::Token { id } => Some(id),
            auth::Via::Session { .. } => None,
        },
    })
}

/// An API token of the signed-in user (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: Uuid,
    pub name: String,
    pub permissions: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub rows: Vec<TokenResponse>,
}

/// The signed-in user's tokens, newest first.
#[utoipa::path(get, path = "/me/tokens", tag = TAG_SESSION,
    responses((status = 200, body = TokenList)))]
async fn my_tokens(State(state): State<AppState>, principal: Principal) -> Json<TokenList> {
    let rows = state.read_models.users.read(|users| {
        users
            .tokens_of(principal.user)
            .into_iter()
            .map(|(id, token)| TokenResponse {
                id,
                name: token.name.clone(),
                permissions: token
                    .permissions
                    .iter()
                    .map(Permission::to_string)
                    .collect(),
                issued_at: token.issued_at,
                expires_at: token.expires_at,
                revoked_at: token.revoked_at,
            })
            .collect()
    });
    Json(TokenList { rows })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokenRequest {
    pub name: String,
    /// `module.action` each; at most what the user's roles grant.
    pub permissions: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token: `token` is shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: Uuid,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Issues an API token to the signed-in user, with at most the user's
/// permissions.
#[utoipa::path(post, path = "/me/tokens", tag = TAG_SESSION,
    request_body = IssueTokenRequest,
    responses(
        (status = 201, body = IssuedToken),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_my_token(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<IssueTokenRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let name = Label::parse("name", &request.name)?;
    let permissions = request
        .permissions
        .iter()
        .enumerate()
        .map(|(index, text)| Permission::parse(&format!("permissions[{index}]"), text))
        .collect::<Result<Vec<_>, _>>()?;
    // A token issued through a token carries no more than that token.
    if let Some(beyond) = permissions
        .iter()
        .find(|permission| !principal.grants.allows(**permission))
    {
        return Err(ApiError::Rejected {
            rule: "token.beyond_roles".to_owned(),
            message: format!("you do not hold {beyond}; a token cannot either"),
        });
    }
    let token = NewToken::generate(state.app.new_id())?;
    let command = token.issue(name, permissions, request.expires_at, principal.token());
    auth::run_user_command(&state, &principal, principal.user, command, token.id, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id: token.id,
            token: token.token,
        }),
    ))
}

/// Revokes one of the signed-in user's tokens.
#[utoipa::path(post, path = "/me/tokens/{id}/revoke", tag = TAG_SESSION,
    params(("id" = Uuid, Path)), request_body = NoFields, responses(ChangedUnlessStale))]
async fn revoke_my_token(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_no_fields): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    let user = headers.user();
    let own = state
        .read_models
        .users
        .read(|users| users.token(id).is_some_and(|token| token.user == user));
    if !own {
        return Err(ApiError::NotFound(format!("token {id}")));
    }
    let executed = auth::run_user_command(
        &state,
        &headers.principal,
        user,
        UserCommand::RevokeToken {
            token_id: id,
            through: headers.principal.token(),
        },
        headers.command_id,
        headers.expected_version,
    )
    .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}
