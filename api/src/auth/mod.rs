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

mod accounts;
pub mod password;
pub mod policy;
mod principal;
pub mod sessions;
mod sign_in;
pub mod throttle;
pub mod tokens;

pub use accounts::{
    ADMIN_PASSWORD_ENV, FIRST_ADMINISTRATOR, administrator_token, ensure_administrator,
    reset_password_offline, run_user_command, run_user_command_as_system,
};
pub use principal::{Principal, Via};
pub use sign_in::{SignInError, SignedIn, sign_in};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, header};

use policy::Requirement;
use sessions::{SESSION_COOKIE, SessionLifetime, Sessions};
use throttle::LoginThrottle;

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header that carries the CSRF token (htmx and scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

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
