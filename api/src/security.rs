//! Security headers on every answer: a Content Security Policy without
//! inline scripts or styles, no framing, no MIME sniffing, no referrer to
//! other sites.
//!
//! The web UI was written for this policy (no inline scripts, styles or
//! `style` attributes; htmx configured with `allowEval` and indicator
//! styles off), so the policy is strict everywhere but on the vendored
//! Swagger UI reference page, whose own bootstrap is an inline script.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every page and answer.
pub const CONTENT_SECURITY_POLICY_STRICT: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
/// The policy of the API reference page (`/api/docs`), which Swagger UI
/// starts with an inline script and styles inline.
pub const CONTENT_SECURITY_POLICY_API_DOCS: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Adds the security headers to every answer (a handler's own wins).
pub async fn headers(request: Request, next: Next) -> Response {
    let policy = if request.uri().path().starts_with(crate::http::DOCS_PATH) {
        CONTENT_SECURITY_POLICY_API_DOCS
    } else {
        CONTENT_SECURITY_POLICY_STRICT
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (CONTENT_SECURITY_POLICY, policy),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "same-origin"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
