//! Who is asking, and may they: sign-in, sessions, API tokens, the CSRF
//! check and the permission check, enforced in one place ([`authorize`])
//! for every route: JSON API, UI pages, the live feed and exports.
//!
//! A request is signed in by an API token (`Authorization: Bearer …`) or
//! by a session cookie; pages (everything outside `/api/` and `/metrics`)
//! take sessions only, so a token never reaches the account's routes. Either becomes a [`Principal`]: the user, what
//! their roles grant (cut down to the token's permissions for a token),
//! and how far each grant reaches (own records, own branch, all). The
//! middleware finds the route's [`policy::Requirement`], refuses what is
//! not granted (401 or a redirect to sign-in, then 403), checks that an
//! unsafe request made with a session carries the session's CSRF token
//! and comes from this site, and hands the principal to the handler, whose
//! writes record it as the acting user of every event.
//!
//! Record scoping ("a sales manager sees only own customers") needs the
//! record, so handlers apply it with [`Principal::may_see_owner`] and
//! [`Principal::may_see_branch`], answering 404 for what is out of reach.

pub mod password;
pub mod policy;
pub mod scope;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Grants, Module, Permission, Reach};
use domain::ids::{BranchId, UserId};
use eventlog::Actor;
use uuid::Uuid;

use crate::AppState;
use crate::http::error::ApiError;
use policy::Requirement;
use sessions::{SESSION_COOKIE, Session, SessionLifetime, Sessions};
use throttle::LoginThrottle;

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header that carries the CSRF token (htmx and scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The largest form body read to find its CSRF token, in bytes.
const FORM_BODY_BYTES_MAX: usize = 1024 * 1024;

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

/// The principal the access check put on the request; a handler behind a
/// public route has none and answers 401.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
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
    pub fn open(
        directory: &std::path::Path,
        lifetime: SessionLifetime,
        secure_cookies: bool,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sessions: Sessions::open(directory, lifetime)?,
            throttle: LoginThrottle::default(),
            api_routes: api_routes(&crate::http::document()),
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
    fn client_address(
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

    fn requirement(&self, method: &Method, route: &str) -> Option<Requirement> {
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
    fn knows_route(&self, route: &str) -> bool {
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

/// Whether the request is for the JSON API (answered with problems, not
/// redirects).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics"
}

/// The principal of a session cookie, if the session and its user are
/// still good.
fn session_principal(state: &AppState, cookie: &str, now: DateTime<Utc>) -> Option<Principal> {
    let session: Session = match state.auth.sessions.get(cookie, now) {
        Ok(session) => session?,
        Err(error) => {
            tracing::error!(%error, "the sessions store failed");
            return None;
        }
    };
    state.read_models.users.read(|users| {
        let user = users.user(session.user)?;
        (!user.disabled && user.session_generation == session.generation).then(|| Principal {
            user: session.user,
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            branch: user.branch,
            grants: user.grants(),
            via: Via::Session {
                cookie: cookie.to_owned(),
                csrf: session.csrf.clone(),
            },
        })
    })
}

/// Who signed the request, or why it is refused: a bad bearer token is
/// refused outright, never treated as no token.
fn principal_of(
    state: &AppState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Option<Principal>, ApiError> {
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let presented = authorization
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthenticated)?;
        return tokens::principal(state, presented.trim(), now)
            .map(Some)
            .ok_or(ApiError::Unauthenticated);
    }
    Ok(cookie(headers, SESSION_COOKIE).and_then(|value| session_principal(state, value, now)))
}

/// Whether an unsafe request made with a browser comes from this site:
/// `Sec-Fetch-Site` when the browser sends it, else `Origin` against
/// `Host`. Requests with neither (scripts, old browsers) pass this check
/// and still need the CSRF token.
fn from_this_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    origin_host.is_some_and(|origin_host| !host.is_empty() && origin_host == host)
}

/// The access check of every route (see the module's documentation).
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|route| route.as_str().to_owned())
    else {
        // No route matched: the fallback answers 404 and reveals nothing.
        return next.run(request).await;
    };
    let path = request.uri().path().to_owned();
    let api = is_api(&path);
    let lang = crate::web::i18n::RequestLang::of_headers(request.headers());
    let refuse = |error: ApiError| refusal(api, lang, error);
    let Some(requirement) = state.auth.requirement(request.method(), &route) else {
        if state.auth.knows_route(&route) {
            // Another method of a known route: the router answers 405.
            return next.run(request).await;
        }
        tracing::error!(%route, method = %request.method(), "a route has no access rule; refused");
        return refuse(ApiError::Forbidden("a rule this route lacks".to_owned()));
    };
    let now = Utc::now();
    let principal = match principal_of(&state, request.headers(), now) {
        Ok(principal) => principal,
        Err(error) if requirement != Requirement::Public => return refuse(error),
        Err(_) => None,
    };
    // Pages are for people in a browser, who sign in with a session; a
    // token is for the JSON API. On a page a token would reach the
    // account's routes, which act as the whole user (issue tokens, end
    // sessions), beyond what the token was given.
    if !api
        && requirement != Requirement::Public
        && principal
            .as_ref()
            .is_some_and(|principal| principal.token().is_some())
    {
        return refuse(ApiError::TokenOnPage);
    }
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let by_session = !matches!(
        principal,
        Some(Principal {
            via: Via::Token { .. },
            ..
        })
    );
    if unsafe_method && by_session && !from_this_site(request.headers()) {
        return refuse(ApiError::CrossSiteRefused(
            "this request came from another site",
        ));
    }
    let principal = match (requirement, principal) {
        (Requirement::Public, principal) => principal,
        (_, None) if api => return refuse(ApiError::Unauthenticated),
        (_, None) => return to_sign_in(&request),
        (Requirement::SignedIn, Some(principal)) => Some(principal),
        (Requirement::Permission(permission), Some(principal)) => {
            if !principal.grants.allows(permission) {
                return refuse(ApiError::Forbidden(permission.to_string()));
            }
            // A narrow grant reaches only some records: one out of reach
            // is answered as if it did not exist.
            if let Some(id) = scope::first_id(&route, &path)
                && !scope::record_in_reach(&state, &principal, permission, &route, id)
            {
                if api {
                    return scope::route_not_found(&route, id).into_response();
                }
                // A page answers with what the page gives a missing
                // record, so it tells no more than the API does.
                let viewer = crate::web::Viewer {
                    lang,
                    principal: Some(principal),
                };
                let raw = scope::first_id_text(&route, &path).unwrap_or_default();
                return match scope::kind_of_route(&route) {
                    Some(kind) => crate::web::missing_record_page(&state, &viewer, kind, raw),
                    None => None,
                }
                .unwrap_or_else(|| {
                    crate::web::refused_page(StatusCode::NOT_FOUND, lang, "refused-not-found")
                });
            }
            Some(principal)
        }
    };
    let mut request = request;
    let address = state
        .auth
        .client_address(request.extensions(), request.headers());
    request.extensions_mut().insert(address);
    if let Some(principal) = principal {
        if unsafe_method && let Via::Session { csrf, .. } = &principal.via {
            request = match with_csrf_checked(request, csrf).await {
                Ok(request) => request,
                Err(error) => return refuse(error),
            };
        }
        request.extensions_mut().insert(principal);
    }
    next.run(request).await
}

/// The request, if it carries the session's CSRF token in the header or
/// in its form body (which is read and put back).
async fn with_csrf_checked(request: Request, expected: &str) -> Result<Request, ApiError> {
    let missing = ApiError::CrossSiteRefused(
        "the form is missing its security token or it has expired; reload the page and try again",
    );
    if let Some(token) = request.headers().get(CSRF_HEADER) {
        return if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
            Ok(request)
        } else {
            Err(missing)
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(missing);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_BODY_BYTES_MAX)
        .await
        .map_err(|_| ApiError::BodyTooLarge {
            limit_bytes: FORM_BODY_BYTES_MAX,
        })?;
    let presented = form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    match presented {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(missing),
    }
}

/// A refusal as the client expects it: a problem document for the API, a
/// short page for the UI.
fn refusal(api: bool, lang: crate::web::i18n::Lang, error: ApiError) -> Response {
    if api {
        return error.into_response();
    }
    let (status, message) = match error {
        ApiError::Unauthenticated | ApiError::TokenOnPage => {
            (StatusCode::UNAUTHORIZED, "refused-forbidden")
        }
        ApiError::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "refused-too-large"),
        ApiError::CrossSiteRefused(_) => (StatusCode::FORBIDDEN, "refused-cross-site"),
        _ => (StatusCode::FORBIDDEN, "refused-forbidden"),
    };
    crate::web::refused_page(status, lang, message)
}

/// Sends a browser to the sign-in page, to come back here afterwards.
fn to_sign_in(request: &Request) -> Response {
    let back = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let target = format!("/login?next={}", crate::web::percent_encode(back));
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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
    let issued_by = UserIssuer {
        user: app::process::SYSTEM_USER,
        actor: Actor::system("setup"),
    };
    execute_on_user(state, &issued_by, id, command, Uuid::now_v7(), None).await?;
    tracing::info!("registered the first administrator, {FIRST_ADMINISTRATOR}");
    Ok(generated.then(|| password.expose().to_owned()))
}

/// The name of each security scheme in the OpenAPI document.
pub const BEARER_SCHEME: &str = "token";
pub const SESSION_SCHEME: &str = "session";

/// States in the OpenAPI document how to sign in and, per operation, the
/// permission it needs (as the scope of both schemes, and in words), with
/// the 401 and 403 answers that follow from it.
pub fn describe(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    components.add_security_scheme(
        SESSION_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
    );
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    crate::http::error::PROBLEM_JSON,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build(),
        )
    };
    let routes = api_routes(document);
    for (path, item) in &mut document.paths.paths {
        let operations = [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::PATCH, &mut item.patch),
            (Method::DELETE, &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let requirement = routes.get(&(method, path.clone())).copied();
            let scopes: Vec<String> = match requirement {
                Some(Requirement::Public) => {
                    operation.security = Some(Vec::new());
                    continue;
                }
                Some(Requirement::Permission(permission)) => vec![permission.to_string()],
                Some(Requirement::SignedIn) | None => Vec::new(),
            };
            let needs = match scopes.first() {
                Some(permission) => format!("Needs the permission `{permission}`."),
                None => "Needs a signed-in user.".to_owned(),
            };
            operation.description = Some(match operation.description.take() {
                Some(description) => format!("{description}\n\n{needs}"),
                None => needs,
            });
            operation.security = Some(vec![
                SecurityRequirement::new(BEARER_SCHEME, scopes.clone()),
                SecurityRequirement::new(SESSION_SCHEME, scopes.clone()),
            ]);
            let responses = &mut operation.responses.responses;
            responses.insert(
                "401".to_owned(),
                problem("No valid session or API token came with the request."),
            );
            if !scopes.is_empty() {
                responses.insert(
                    "403".to_owned(),
                    problem("The user's roles or the token do not grant the permission."),
                );
            }
        }
    }
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

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> Self {
        match error {
            SignInError::Wrong => ApiError::Unauthenticated,
            SignInError::Throttled(retry_after_seconds) => ApiError::TooManyAttempts {
                retry_after_seconds,
            },
            SignInError::Internal(error) => ApiError::Internal(error),
        }
    }
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
    let now = Utc::now();
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

/// Runs a command on a user's stream as the signed-in `by` (see
/// [`execute_on_user`]).
pub async fn run_user_command(
    state: &AppState,
    by: &Principal,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
    expected_version: Option<u64>,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let issuer = UserIssuer {
        user: by.user,
        actor: by.actor(),
    };
    execute_on_user(state, &issuer, user, command, command_id, expected_version).await
}

/// Who issues a command on a user's stream, and the actor the log records.
#[derive(Clone, Debug)]
pub struct UserIssuer {
    pub user: UserId,
    pub actor: Actor,
}

/// Runs a command on a user's stream and waits until the users read model
/// has it, so the next request sees the change (a revoked token stops
/// working at once).
pub async fn execute_on_user(
    state: &AppState,
    issuer: &UserIssuer,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
    expected_version: Option<u64>,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let stream = app::commands::CommandHandler::stream::<domain::access::User>(user)?;
    let issued = domain::Issued::new(issuer.user, Utc::now(), command);
    let execution =
        app::commands::Execution::new(eventlog::AppendMeta::new(issuer.actor.clone(), command_id))
            .with_command_id(command_id)
            .expecting(expected_version);
    let executed = state
        .commands
        .execute::<domain::access::User, _>(&stream, &issued, &execution)
        .await?;
    if let Some(position) = executed.last_position
        && let Err(error) = state.read_models.users.wait_for(position).await
    {
        tracing::error!(%error, "the users read model stopped");
    }
    Ok(executed)
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
    let commands = app::commands::CommandHandler::new(log.clone());
    let stream = app::commands::CommandHandler::stream::<domain::access::User>(login.user_id())?;
    if commands.load::<domain::access::User>(&stream)?.0.is_none() {
        anyhow::bail!("there is no user {login}");
    }
    for command in [
        domain::access::UserCommand::ChangePassword(hash),
        domain::access::UserCommand::Enable,
    ] {
        let issued = domain::Issued::new(app::process::SYSTEM_USER, Utc::now(), command);
        let execution = app::commands::Execution::new(eventlog::AppendMeta::new(
            Actor::system("cli"),
            Uuid::now_v7(),
        ));
        commands
            .execute::<domain::access::User, _>(&stream, &issued, &execution)
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
