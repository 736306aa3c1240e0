//! Sign-in and sign-out, the user's own account (password, sessions, API
//! tokens) and the page shown for a refused request.
//!
//! The forms change users only through the command handler, as the API's
//! session endpoints do ([`crate::auth`] holds what both share).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Permission, UserCommand};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{Lang, Tr};
// Where to go after signing in: only a path on this site, as the language
// switcher checks it.
use super::language::safe_back;
use super::{Page, Section, Viewer, format};
use crate::AppState;
use crate::auth::password::{self, NewPassword};
use crate::auth::sessions::SESSION_COOKIE;
use crate::auth::tokens::NewToken;
use crate::auth::{self, Principal, SignInError, Via};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    page: Page,
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "refused.html")]
pub struct RefusedPage {
    page: Page,
    reason: String,
}

/// A token of the account page.
pub struct TokenLine {
    id: Uuid,
    name: String,
    permissions: String,
    issued: String,
    state: String,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    page: Page,
    name: String,
    login: String,
    roles: String,
    sessions: usize,
    tokens: Vec<TokenLine>,
    grantable: Vec<String>,
    notice: Option<String>,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
}

/// The page for a refused request.
pub fn refused(status: StatusCode, lang: Lang, message: &str) -> Response {
    let viewer = Viewer {
        lang,
        principal: None,
    };
    let page = Page::new(&viewer, Section::Account, "refused-title", "/".to_owned());
    let reason = page.t(message);
    (status, RefusedPage { page, reason }).into_response()
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`.
pub async fn login_form(viewer: Viewer, Query(query): Query<NextQuery>) -> Response {
    if viewer.principal.is_some() {
        return Redirect::to(safe_back(&query.next)).into_response();
    }
    let page = Page::new(
        &viewer,
        Section::Account,
        "sign-in-title",
        "/login".to_owned(),
    );
    no_store(LoginPage {
        page,
        next: safe_back(&query.next).to_owned(),
        login: String::new(),
        error: None,
    })
}

fn no_store(page: impl IntoResponse) -> Response {
    let mut response = page.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: a new session and back to where the user was going.
pub async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Extension(address): axum::Extension<auth::ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let address = address.0;
    let previous = auth::cookie(&headers, SESSION_COOKIE);
    let tr = Tr::new(viewer.lang);
    match auth::sign_in(&state, &form.login, &form.password, address, previous).await {
        Ok(signed_in) => {
            let cookie = state
                .auth
                .session_cookie(&signed_in.cookie, state.auth.sessions_lifetime_seconds());
            let mut response = Redirect::to(safe_back(&form.next)).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            let (status, message) = match error {
                SignInError::Wrong => (StatusCode::UNAUTHORIZED, tr.t("sign-in-wrong")),
                SignInError::Throttled(seconds) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    tr.t1("sign-in-throttled", "seconds", &seconds.to_string()),
                ),
                SignInError::Internal(error) => {
                    tracing::error!(error = format!("{error:#}"), "a sign-in failed");
                    (StatusCode::INTERNAL_SERVER_ERROR, tr.t("form-failed"))
                }
            };
            let page = Page::new(
                &viewer,
                Section::Account,
                "sign-in-title",
                "/login".to_owned(),
            );
            let login = form.login.chars().take(100).collect();
            (
                status,
                no_store(LoginPage {
                    page,
                    next: safe_back(&form.next).to_owned(),
                    login,
                    error: Some(message),
                }),
            )
                .into_response()
        }
    }
}

/// `POST /logout`: ends this session.
pub async fn logout(State(state): State<AppState>, principal: Principal) -> Response {
    if let Via::Session { cookie, .. } = &principal.via
        && let Err(error) = state.auth.sessions.remove(cookie)
    {
        tracing::error!(%error, "failed to end a session");
    }
    signed_out(&state)
}

fn signed_out(state: &AppState) -> Response {
    let mut response = Redirect::to("/login").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&state.auth.cleared_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// What the account page shows besides the user.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
}

fn account_page(
    state: &AppState,
    viewer: &Viewer,
    principal: &Principal,
    shown: Shown,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Account,
        "account-title",
        "/account".to_owned(),
    );
    let tr = page.tr;
    let now = state.app.now();
    let (roles, tokens) = state.read_models.users.read(|users| {
        let roles = users
            .user(principal.user)
            .map(|user| {
                user.roles
                    .iter()
                    .map(|role| role.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let tokens = users
            .tokens_of(principal.user)
            .into_iter()
            .map(|(id, token)| TokenLine {
                id,
                name: token.name.clone(),
                permissions: token
                    .permissions
                    .iter()
                    .map(Permission::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                issued: format::date_time(viewer.lang, token.issued_at),
                state: tr.t(if token.revoked_at.is_some() {
                    "account-token-revoked"
                } else if token.is_live(now) {
                    "account-token-live"
                } else {
                    "account-token-expired"
                }),
                live: token.is_live(now),
            })
            .collect();
        (roles, tokens)
    });
    let sessions = state
        .auth
        .sessions
        .of_user(principal.user, now)
        .map_or(0, |sessions| sessions.len());
    no_store(AccountPage {
        name: principal.display_name.clone(),
        login: principal.login.clone(),
        roles,
        sessions,
        tokens,
        grantable: principal
            .grants
            .permissions()
            .map(|(permission, _)| permission.to_string())
            .collect(),
        notice: shown.notice,
        new_token: shown.new_token,
        password_error: shown.password_error,
        token_error: shown.token_error,
        page,
    })
}

/// `GET /account`.
pub async fn account(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
) -> Response {
    account_page(&state, &viewer, &principal, Shown::default())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// `POST /account/password`: checks the current password, records the
/// new hash (which ends every session) and signs this browser in again.
pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Form(form): Form<PasswordForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let failed = |message: String| {
        let shown = Shown {
            password_error: Some(message),
            ..Shown::default()
        };
        let mut response = account_page(&state, &viewer, &principal, shown);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    };
    let stored = state.read_models.users.read(|users| {
        users
            .user(principal.user)
            .map(|user| user.password_hash.clone())
    });
    if !password::verify(&form.current, stored.as_deref()).await {
        return failed(tr.t("account-password-wrong"));
    }
    let new = match NewPassword::parse("new", &form.new) {
        Ok(new) => new,
        Err(error) => return failed(error.to_string()),
    };
    let result = async {
        let hash = password::hash(&new).await?;
        auth::run_user_command(
            &state,
            &principal,
            principal.user,
            UserCommand::ChangePassword(hash),
            state.app.new_id(),
            None,
        )
        .await?;
        let generation = state.read_models.users.read(|users| {
            users
                .user(principal.user)
                .map_or(0, |user| user.session_generation)
        });
        state.auth.sessions.remove_all_of(principal.user)?;
        let (cookie, _) =
            state
                .auth
                .sessions
                .create(principal.user, generation, state.app.now())?;
        anyhow::Ok(cookie)
    }
    .await;
    match result {
        Ok(cookie) => {
            let mut response = Redirect::to("/account").into_response();
            let cookie = state
                .auth
                .session_cookie(&cookie, state.auth.sessions_lifetime_seconds());
            if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "a password change failed");
            failed(tr.t("form-failed"))
        }
    }
}

/// `POST /account/sessions/revoke`: ends every session of the user, this
/// one too.
pub async fn sign_out_everywhere(State(state): State<AppState>, principal: Principal) -> Response {
    let result = async {
        auth::run_user_command(
            &state,
            &principal,
            principal.user,
            UserCommand::RevokeSessions,
            state.app.new_id(),
            None,
        )
        .await?;
        state.auth.sessions.remove_all_of(principal.user)?;
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::error!(
            error = format!("{error:#}"),
            "signing out everywhere failed"
        );
    }
    signed_out(&state)
}

/// `POST /account/tokens`: the form posts `name` and one `permission`
/// per ticked box, so it is read as pairs.
pub async fn issue_token(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let name = pairs
        .iter()
        .find(|(key, _)| key == "name")
        .map_or("", |(_, value)| value.as_str());
    let permissions: Result<Vec<Permission>, _> = pairs
        .iter()
        .filter(|(key, _)| key == "permission")
        .map(|(_, value)| Permission::parse("permission", value))
        .collect();
    let result = async {
        let name = Label::parse("name", name)?;
        let token = NewToken::generate(state.app.new_id())
            .map_err(|error| domain::DomainError::invalid("token", error.to_string()))?;
        let command = token.issue(name, permissions?, None, principal.token());
        auth::run_user_command(&state, &principal, principal.user, command, token.id, None)
            .await
            .map_err(|error| match error {
                app::commands::CommandError::Domain(error) => error,
                other => domain::DomainError::invalid("token", other.to_string()),
            })?;
        Ok::<_, domain::DomainError>(token.token)
    }
    .await;
    let shown = match result {
        Ok(token) => Shown {
            new_token: Some(token),
            ..Shown::default()
        },
        Err(error) => Shown {
            token_error: Some(error.to_string()),
            ..Shown::default()
        },
    };
    let failed = shown.token_error.is_some();
    let mut response = account_page(&state, &viewer, &principal, shown);
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `POST /account/tokens/{id}/revoke`: only the user's own tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
) -> Response {
    let own = id.parse::<Uuid>().ok().filter(|id| {
        state.read_models.users.read(|users| {
            users
                .token(*id)
                .is_some_and(|token| token.user == principal.user)
        })
    });
    let Some(id) = own else {
        return (
            StatusCode::NOT_FOUND,
            account_page(&state, &viewer, &principal, Shown::default()),
        )
            .into_response();
    };
    let result = auth::run_user_command(
        &state,
        &principal,
        principal.user,
        UserCommand::RevokeToken {
            token_id: id,
            through: principal.token(),
        },
        Uuid::new_v5(&id, b"revoke"),
        None,
    )
    .await;
    let tr = Tr::new(viewer.lang);
    let shown = match result {
        Ok(_) => Shown {
            notice: Some(tr.t("account-token-revoked-notice")),
            ..Shown::default()
        },
        Err(error) => Shown {
            token_error: Some(error.to_string()),
            ..Shown::default()
        },
    };
    account_page(&state, &viewer, &principal, shown)
}
