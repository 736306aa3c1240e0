//! The access check of every route: who signed the request (an API
//! token, or a session cookie on pages and the API), what the route needs
//! ([`auth::policy`]), the CSRF token and Fetch-Metadata of a session's
//! writes, and the scope of the record the path names; refusals as the
//! client expects them (a problem document for the API, a short page or a
//! sign-in redirect for the UI).
//!
//! It is the one place that joins the three parts of `api`: `auth` (who
//! is asking, knowing nothing of HTTP answers), `http` (the JSON API and
//! its problems) and `web` (the pages), so none of those imports another
//! in a loop.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use crate::AppState;
use crate::auth::policy::Requirement;
use crate::auth::sessions::{SESSION_COOKIE, Session};
use crate::auth::{CSRF_FIELD, CSRF_HEADER, Principal, Via, constant_time_eq, cookie, tokens};
use crate::http::error::ApiError;
use crate::http::scope;

/// The largest form body read to find its CSRF token, in bytes.
const FORM_BODY_BYTES_MAX: usize = 1024 * 1024;

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
    let now = state.app.now();
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
