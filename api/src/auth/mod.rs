//! Who is asking: users' sign-in, sessions, API tokens, the sign-in
//! throttle and the permission table ([`policy`]). The access check that
//! applies them to every route is `guard` (`api/src/guard.rs`); this module knows
//! nothing of HTTP answers or pages, so `http` and `web` both build on it
//! without a loop.
//!
//! A request is signed in by an API token (`Authorization: Bearer …`) or
//! by a session cookie; pages (everything outside `/api/` and `/metrics`)
//! take sessions only, so a token never reaches the account's routes.
//! Either becomes a [`Principal`]: the user, what their roles grant (cut
//! down to the token's permissions for a token), and how far each grant
//! reaches (own records, own branch, all), which `app` judges records by
//! ([`Principal::caller`]).

pub mod password;
pub mod policy;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, header};
use domain::access::{Action, Grants, Module, Permission, Reach};
use domain::ids::{BranchId, UserId};
use eventlog::Actor;
use uuid::Uuid;

use crate::AppState;
use policy::Requirement;
use sessions::{SESSION_COOKIE, SessionLifetime, Sessions};
use throttle::LoginThrottle;

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header that carries the CSRF token (htmx and scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a principal proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A browser session, with its cookie value and CSRF token.
    Session { cookie: String, csrf: String },
    /// An API token.
    Token { id: Uuid },
}

/// A signed-in user, as a request acts.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserId,
    pub login: String,
    pub display_name: String,
    pub branch: Option<BranchId>,
    pub grants: Grants,
    pub via: Via,
}

impl Principal {
    /// The actor recorded on the events this request appends.
    pub fn actor(&self) -> Actor {
        Actor::User {
            user_id: self.user.as_uuid(),
            token_id: match self.via {
                Via::Token { id } => Some(id),
                Via::Session { .. } => None,
            },
        }
    }

    pub fn reach(&self, module: Module, action: Action) -> Option<Reach> {
        self.grants.reach(Permission::new(module, action))
    }

    pub fn allows(&self, module: Module, action: Action) -> bool {
        self.reach(module, action).is_some()
    }

    /// Whether a record owned by `owner` is within reach for `action` in
    /// `module`: everyone's with an `All` grant, only the user's own with
    /// an `Own` grant.
    pub fn may_see_owner(&self, module: Module, action: Action, owner: UserId) -> bool {
        match self.reach(module, action) {
            Some(Reach::All) => true,
            Some(Reach::Own) => owner == self.user,
            Some(Reach::Branch) | None => false,
        }
    }

    /// Whether a warehouse of `branch` is within reach for `action` in
    /// `module`: any with an `All` grant, only those of the user's branch
    /// with a `Branch` grant (a user without a branch: those without one).
    pub fn may_see_branch(&self, module: Module, action: Action, branch: Option<BranchId>) -> bool {
        match self.reach(module, action) {
            Some(Reach::All) => true,
            Some(Reach::Branch) => branch == self.branch,
            Some(Reach::Own) | None => false,
        }
    }

    /// The user whose records alone a list may show, when the grant for
    /// `module`/`action` reaches only the user's own records.
    pub fn only_owner(&self, module: Module, action: Action) -> Option<UserId> {
        (self.reach(module, action) == Some(Reach::Own)).then_some(self.user)
    }

    /// The principal as the application sees it.
    pub fn caller(&self) -> app::access::Caller {
        app::access::Caller {
            user: self.user,
            branch: self.branch,
            grants: self.grants,
            token: self.token(),
        }
    }

    /// The API token the request came with; `None` for a session.
    pub fn token(&self) -> Option<Uuid> {
        match self.via {
            Via::Token { id } => Some(id),
            Via::Session { .. } => None,
        }
    }

    /// The CSRF token forms of this session carry (empty for a token).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }
}

/// Sign-in state shared by every request.
#[derive(Debug)]
pub struct Auth {
    pub sessions: Sessions,
    pub throttle: LoginThrottle,
    /// The API's routes and what each needs, from the OpenAPI document.
    api_routes: HashMap<(Method, String), Requirement>,
    /// Whether session cookies are marked `Secure` (served over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<IpAddr>,
}

impl Auth {
    /// The sign-in state over the sessions store in `directory`, with
    /// what each API route needs (see [`api_routes`]).
    pub fn open(
        directory: &std::path::Path,
        lifetime: SessionLifetime,
        secure_cookies: bool,
        api_routes: HashMap<(Method, String), Requirement>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sessions: Sessions::open(directory, lifetime)?,
            throttle: LoginThrottle::default(),
            api_routes,
            secure_cookies,
            trusted_proxies: Vec::new(),
        })
    }

    /// Takes the client's address from `X-Forwarded-For` when the peer is
    /// one of `proxies`.
    pub fn trusting(mut self, proxies: Vec<IpAddr>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// The client's address: the peer's, or, when the peer is a trusted
    /// proxy, the last address in `X-Forwarded-For` that is not one (the
    /// ones before it are the client's to write, so never believed).
    pub fn client_address(
        &self,
        extensions: &axum::http::Extensions,
        headers: &HeaderMap,
    ) -> ClientAddress {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let Some(peer) = peer.filter(|peer| self.trusted_proxies.contains(peer)) else {
            return ClientAddress(peer);
        };
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let client = forwarded
            .iter()
            .rev()
            .map(|text| text.parse::<IpAddr>().ok())
            .find(|address| address.is_none_or(|address| !self.trusted_proxies.contains(&address)));
        // A malformed entry where the client should be is not believed:
        // the proxy's own address is counted instead.
        ClientAddress(Some(client.flatten().unwrap_or(peer)))
    }

    pub fn requirement(&self, method: &Method, route: &str) -> Option<Requirement> {
        let method = if method == Method::HEAD {
            Method::GET
        } else {
            method.clone()
        };
        self.api_routes
            .get(&(method.clone(), route.to_owned()))
            .copied()
            .or_else(|| policy::page_requirement(&method, route))
    }

    /// The `Set-Cookie` value of a new session.
    pub fn session_cookie(&self, id: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={id}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}"
        )
    }

    /// Whether any method of the route template has a rule.
    pub fn knows_route(&self, route: &str) -> bool {
        self.api_routes
            .keys()
            .any(|(_, template)| template == route)
            || policy::PAGE_ROUTES
                .iter()
                .any(|(_, template, _)| *template == route)
    }

    /// How long a new session's cookie is kept by the browser.
    pub fn sessions_lifetime_seconds(&self) -> i64 {
        self.sessions.lifetime().absolute.num_seconds()
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn cleared_cookie(&self) -> String {
        self.session_cookie("", 0)
    }
}

/// What each API operation needs, by method and route template, from the
/// tags of the document; an operation without a known tag is left out
/// and so refused.
pub fn api_routes(document: &utoipa::openapi::OpenApi) -> HashMap<(Method, String), Requirement> {
    let mut routes = HashMap::new();
    for (path, item) in &document.paths.paths {
        for (method, operation) in operations(item) {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .map_or("", String::as_str);
            if let Some(requirement) = policy::api_requirement(tag, &method, path) {
                routes.insert((method, path.clone()), requirement);
            }
        }
    }
    routes
}

/// The operations of a path item with their methods.
pub fn operations(
    item: &utoipa::openapi::PathItem,
) -> Vec<(Method, &utoipa::openapi::path::Operation)> {
    [
        (Method::GET, &item.get),
        (Method::POST, &item.post),
        (Method::PUT, &item.put),
        (Method::PATCH, &item.patch),
        (Method::DELETE, &item.delete),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|operation| (method, operation)))
    .collect()
}

/// The client's address, when the server knows it (put on every request
/// by the access check, for sign-in throttling).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// `N` random bytes as lower-case hex.
pub fn random_hex<const N: usize>() -> anyhow::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(hex(&bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Equality that takes as long whatever the first difference.
pub fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// The login of the administrator made on first start.
pub const FIRST_ADMINISTRATOR: &str = "admin";
/// The environment variable that gives the first administrator's
/// password; without it one is generated and shown once.
pub const ADMIN_PASSWORD_ENV: &str = "HYPERCRM_ADMIN_PASSWORD";

/// On a store without users, registers the administrator `admin` with
/// `password`, or a generated one; returns the generated password (to be
/// shown once), `None` when a password was given or users exist.
pub async fn ensure_administrator(
    state: &AppState,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    state
        .read_models
        .users
        .wait_for(state.log.head().position)
        .await?;
    if !state.read_models.users.read(|users| users.is_empty()) {
        return Ok(None);
    }
    let (password, generated) = match password {
        Some(password) => (password, false),
        None => (random_hex::<12>()?, true),
    };
    let password = password::NewPassword::parse(ADMIN_PASSWORD_ENV, &password)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let hash = password::hash(&password).await?;
    let login = domain::access::Login::parse("login", FIRST_ADMINISTRATOR)?;
    let id = login.user_id();
    let command = domain::access::UserCommand::Register {
        login,
        display_name: domain::values::Label::parse("display_name", "Administrator")?,
        roles: vec![domain::access::Role::Administrator],
        branch: None,
        password: hash,
    };
    let command_id = state.app.ids.new_id();
    run_user_command_as_system(state, Actor::system("setup"), id, command, command_id).await?;
    tracing::info!("registered the first administrator, {FIRST_ADMINISTRATOR}");
    Ok(generated.then(|| password.expose().to_owned()))
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong login or password, or a disabled user: one answer for all,
    /// so the answer does not tell which logins exist.
    #[error("wrong login or password")]
    Wrong,
    #[error("too many failed sign-ins; try again in {0} seconds")]
    Throttled(u64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A new session: its cookie value and its CSRF token.
#[derive(Debug)]
pub struct SignedIn {
    pub user: UserId,
    pub cookie: String,
    pub csrf: String,
}

/// Checks `login` and `password` (throttled per account and address)
/// and starts a new session; a session the client already had is ended,
/// so a session id planted before sign-in is never signed in.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    address: Option<IpAddr>,
    previous_cookie: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let now = state.app.now();
    let account = login.trim().to_lowercase();
    // Counted before the password is checked: parallel guesses meet the
    // limit, not a count that lags behind them.
    let attempt = state
        .auth
        .throttle
        .begin(&account, address, now)
        .map_err(SignInError::Throttled)?;
    let user = domain::access::Login::parse("login", login)
        .ok()
        .map(|login| login.user_id());
    let stored = user.and_then(|user| {
        state.read_models.users.read(|users| {
            users.user(user).map(|row| {
                (
                    row.password_hash.clone(),
                    row.disabled,
                    row.session_generation,
                )
            })
        })
    });
    let matched = password::verify(password, stored.as_ref().map(|(hash, ..)| hash.as_str())).await;
    let (Some(user), Some((_, false, generation)), true) = (user, stored, matched) else {
        tracing::warn!(login = %account, address = ?address, "a sign-in failed");
        return Err(SignInError::Wrong);
    };
    state.auth.throttle.succeeded(attempt);
    if let Some(previous) = previous_cookie {
        state.auth.sessions.remove(previous)?;
    }
    let (cookie, session) = state.auth.sessions.create(user, generation, now)?;
    tracing::info!(login = %account, address = ?address, "signed in");
    Ok(SignedIn {
        user,
        cookie,
        csrf: session.csrf,
    })
}

/// Runs a command on a user's stream as the signed-in `by` (the use
/// case checks what `by` may do to whom) and waits until the users read
/// model has it, so the next request sees the change (a revoked token
/// stops working at once).
pub async fn run_user_command(
    state: &AppState,
    by: &Principal,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
    expected_version: Option<u64>,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let run = app::Run {
        command_id,
        expected_version,
    };
    let executed = state
        .app
        .users()
        .run(&by.caller(), run, user, command)
        .await?;
    users_caught_up(state, &executed).await;
    Ok(executed)
}

/// Runs a command on a user's stream as the system, recorded as `actor`,
/// and waits for the users read model as [`run_user_command`] does.
pub async fn run_user_command_as_system(
    state: &AppState,
    actor: Actor,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let executed = state
        .app
        .users()
        .run_as_system(actor, run, user, command)
        .await?;
    users_caught_up(state, &executed).await;
    Ok(executed)
}

async fn users_caught_up(state: &AppState, executed: &app::commands::Executed) {
    if let Some(position) = executed.last_position
        && let Err(error) = state.read_models.users.wait_for(position).await
    {
        tracing::error!(%error, "the users read model stopped");
    }
}

/// Sets a new password for `login` and enables the user, on a data folder
/// no server holds (`hypercrm reset-password`): the way back in when the
/// last administrator's password is lost. Recorded as `system:cli`.
pub async fn reset_password_offline(
    data_dir: &std::path::Path,
    login: &str,
    password: &str,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let log = eventlog::EventLog::open(data_dir.join("eventlog"), eventlog::Options::default())
        .with_context(|| format!("failed to open the event log in {}", data_dir.display()))?;
    let login = domain::access::Login::parse("login", login)?;
    let password = password::NewPassword::parse("password", password)?;
    let hash = password::hash(&password).await?;
    let app = app::App::system(log.clone());
    let user = login.user_id();
    if !app.users().exists(user)? {
        anyhow::bail!("there is no user {login}");
    }
    for command in [
        domain::access::UserCommand::ChangePassword(hash),
        domain::access::UserCommand::Enable,
    ] {
        let run = app::Run {
            command_id: app.ids.new_id(),
            expected_version: None,
        };
        app.users()
            .run_as_system(Actor::system("cli"), run, user, command)
            .await?;
    }
    // Appends are acknowledged once durable (the default options), so
    // nothing is left to sync.
    Ok(())
}

/// A token with every permission for the administrator made on first
/// start (creating the administrator with `password` when there are no
/// users yet): for tests, scripts and the API fuzzing run.
pub async fn administrator_token(state: &AppState, password: &str) -> anyhow::Result<String> {
    ensure_administrator(state, Some(password.to_owned())).await?;
    let administrator = domain::access::Login::parse("login", FIRST_ADMINISTRATOR)?.user_id();
    Ok(tokens::issue(
        state,
        administrator,
        "administrator token",
        Permission::all().collect(),
        Actor::system("setup"),
    )
    .await?)
}
