//! One error type for the JSON API, answered as RFC 9457
//! `application/problem+json`.
//!
//! Each kind of failure a client can act on has its own status: a bad value
//! names its field path (400), a missing aggregate (404), one that already
//! exists (409), a stale `If-Match` (412, with the current version), a broken
//! business rule with its stable code (422), a body over the limit (413).
//! Anything else is the server's fault: it is logged with its cause chain and
//! the client only learns that it happened.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

use app::commands::CommandError;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A field the client sent that is not acceptable.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Where in the request: a JSON path (`lines[0].quantity`), a query
    /// parameter or a header name.
    pub field: String,
    pub problem: String,
}

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem (`urn:hypercrm:problem:…`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The bad fields, for a 400.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The broken rule's stable code (`order.not_draft`), for a 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The stream version now, for a 412 (`null`: no such stream yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<Option<u64>>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A value in the body, the path, the query or a header is not
    /// acceptable.
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("{0} does not exist")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// `If-Match` named another version than the stream's.
    #[error("the stream is at version {actual:?}, not {expected}")]
    VersionConflict { expected: u64, actual: Option<u64> },
    #[error("{message}")]
    Rejected { rule: String, message: String },
    /// No endpoint at this path.
    #[error("there is no resource at this path")]
    NoRoute,
    /// The path exists, not with this method.
    #[error("this resource does not answer this method")]
    MethodNotAllowed,
    /// A body that says it is not JSON.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit_bytes} bytes")]
    BodyTooLarge { limit_bytes: usize },
    /// The read models did not reach the asked position in time.
    #[error("the read models have not reached position {position} yet")]
    NotYetVisible { position: u64 },
    /// Other writers kept moving the stream.
    #[error("the stream kept changing; try again")]
    Contended,
    /// No valid session or token came with a request that needs one.
    #[error("sign in, or send a valid API token as `Authorization: Bearer …`")]
    Unauthenticated,
    /// An API token sent to a page, which takes sessions only.
    #[error("pages take a signed-in session, not an API token; use the JSON API under /api/v1")]
    TokenOnPage,
    /// Signed in, but the user's roles (or the token) do not grant this.
    #[error("this needs the permission {0}")]
    Forbidden(String),
    /// A form or a session request without the session's CSRF token, or
    /// from another site.
    #[error("{0}")]
    CrossSiteRefused(&'static str),
    /// Too many failed sign-ins for the account or from the address.
    #[error("too many failed sign-ins; try again in {retry_after_seconds} seconds")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// Not the client's fault: logged, never echoed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid { field, problem } => Self::Invalid { field, problem },
            DomainError::NotFound { entity, id } => Self::NotFound(match id {
                Some(id) => format!("{entity} {id}"),
                None => entity.to_owned(),
            }),
            DomainError::AlreadyExists { .. } => Self::AlreadyExists(error.to_string()),
            // An aggregate that exists already is a conflict with the
            // present, whichever decider noticed it.
            DomainError::Rejected { rule, message } if rule.ends_with(".already_exists") => {
                Self::AlreadyExists(message)
            }
            DomainError::Rejected { rule, message } => Self::Rejected {
                rule: rule.to_owned(),
                message,
            },
        }
    }
}

impl From<CommandError> for ApiError {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::Domain(error) => error.into(),
            CommandError::Conflict { expected, actual } => {
                Self::VersionConflict { expected, actual }
            }
            CommandError::Contended => Self::Contended,
            CommandError::Forbidden { permission } => Self::Forbidden(permission.to_string()),
            other => Self::Internal(anyhow::Error::new(other).context("a command failed")),
        }
    }
}

impl From<eventlog::Error> for ApiError {
    fn from(error: eventlog::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("the event log failed"))
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::AlreadyExists(_) | Self::Contended => StatusCode::CONFLICT,
            Self::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
            Self::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotYetVisible { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthenticated | Self::TokenOnPage => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CrossSiteRefused(_) => StatusCode::FORBIDDEN,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::NotFound(_) => "not-found",
            Self::NoRoute => "no-route",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::AlreadyExists(_) => "already-exists",
            Self::Contended => "contended",
            Self::VersionConflict { .. } => "version-conflict",
            Self::Rejected { .. } => "rule-broken",
            Self::BodyTooLarge { .. } => "body-too-large",
            Self::NotYetVisible { .. } => "not-yet-visible",
            Self::Unauthenticated => "unauthenticated",
            Self::TokenOnPage => "token-on-page",
            Self::Forbidden(_) => "forbidden",
            Self::CrossSiteRefused(_) => "cross-site-refused",
            Self::TooManyAttempts { .. } => "too-many-attempts",
            Self::Internal(_) => "internal",
        }
    }

    /// The problem document a client sees.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let mut problem = Problem {
            kind: format!("urn:hypercrm:problem:{}", self.kind()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(self.to_string()),
            errors: Vec::new(),
            rule: None,
            current_version: None,
        };
        match self {
            Self::Invalid {
                field,
                problem: text,
            } => problem.errors.push(FieldProblem {
                field: field.clone(),
                problem: text.clone(),
            }),
            Self::Rejected { rule, .. } => problem.rule = Some(rule.clone()),
            Self::VersionConflict { actual, .. } => problem.current_version = Some(*actual),
            // The cause may name files, positions or internals: logged, not sent.
            Self::Internal(_) => problem.detail = None,
            _ => {}
        }
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "a request failed");
        }
        let problem = self.problem();
        problem_response(&problem, &self)
    }
}

fn problem_response(problem: &Problem, error: &ApiError) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (error.status(), body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let ApiError::VersionConflict {
        actual: Some(version),
        ..
    } = error
        && let Ok(value) = HeaderValue::from_str(&format!("\"{version}\""))
    {
        headers.insert(header::ETAG, value);
    }
    match error {
        ApiError::Unauthenticated => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"HyperCRM\""),
            );
        }
        ApiError::TooManyAttempts {
            retry_after_seconds,
        } => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
        }
        _ => {}
    }
    response
}

impl From<crate::auth::SignInError> for ApiError {
    fn from(error: crate::auth::SignInError) -> Self {
        use crate::auth::SignInError;
        match error {
            SignInError::Wrong => ApiError::Unauthenticated,
            SignInError::Throttled(retry_after_seconds) => ApiError::TooManyAttempts {
                retry_after_seconds,
            },
            SignInError::Internal(error) => ApiError::Internal(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects the status contract: each kind of domain and command error
    /// maps to its own status, a rule keeps its code, a conflict tells the
    /// current version, and an internal error's cause never reaches the
    /// client.
    #[test]
    fn each_kind_of_error_has_its_status_and_problem_fields() {
        let invalid = ApiError::from(DomainError::invalid(
            "lines[0].quantity",
            "must be positive",
        ));
        let problem = invalid.problem();
        assert_eq!(problem.status, 400);
        assert_eq!(problem.errors[0].field, "lines[0].quantity");

        assert_eq!(
            ApiError::from(DomainError::not_found("order"))
                .problem()
                .status,
            404
        );
        let exists = ApiError::from(DomainError::already_exists("payment", uuid::Uuid::nil()));
        assert_eq!(exists.problem().status, 409);
        let exists_rule = ApiError::from(DomainError::rejected("order.already_exists", "exists"));
        assert_eq!(exists_rule.problem().status, 409);

        let rule = ApiError::from(DomainError::rejected("order.not_draft", "confirmed"));
        let problem = rule.problem();
        assert_eq!(
            (problem.status, problem.rule.as_deref()),
            (422, Some("order.not_draft"))
        );

        let conflict = ApiError::from(CommandError::Conflict {
            expected: 1,
            actual: Some(3),
        });
        let problem = conflict.problem();
        assert_eq!(
            (problem.status, problem.current_version),
            (412, Some(Some(3)))
        );

        let internal = ApiError::Internal(anyhow::anyhow!("secret path /var/data"));
        let problem = internal.problem();
        assert_eq!(problem.status, 500);
        let body = serde_json::to_string(&problem).unwrap_or_default();
        assert!(!body.contains("secret"), "{body}");
    }
}
