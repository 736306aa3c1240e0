//! What every handler takes from a request and gives back: JSON bodies and
//! query strings parsed with the path of a bad field, the write headers
//! (`If-Match`, `Idempotency-Key`), `wait_for`, pages and the answer to a
//! write (`ETag`, `X-Position`).

use std::time::Duration;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use domain::ids::derived;
use eventlog::AppendMeta;

use crate::auth::{Principal, Via};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::ApiError;
use crate::AppState;
use app::commands::{Executed, Execution};

/// The largest request body accepted.
pub const REQUEST_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Rows in a page when the client does not say.
pub const PAGE_ROWS_DEFAULT: usize = 50;
/// Rows in a page at most.
pub const PAGE_ROWS_MAX: usize = 500;
/// How long a read waits for the read models to reach `wait_for`.
pub const WAIT_FOR_MILLISECONDS_MAX: u64 = 5_000;
/// The header that carries the log position of a write.
pub const POSITION_HEADER: &str = "x-position";
/// The namespace of command ids derived from idempotency keys.
const IDEMPOTENCY_NAMESPACE: Uuid = Uuid::from_u128(0x6879_7065_7263_726d_2d69_6465_6d70_6f74);

/// A JSON body; a value that does not fit is a 400 naming its JSON path.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                let essence = value.split(';').next().unwrap_or_default().trim();
                essence.eq_ignore_ascii_case("application/json")
                    || essence.to_ascii_lowercase().ends_with("+json")
            });
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge {
                        limit_bytes: REQUEST_BODY_BYTES_MAX,
                    }
                } else {
                    ApiError::invalid("body", rejection.body_text())
                }
            })?;
        if !bytes.is_empty() && declared_json == Some(false) {
            return Err(ApiError::UnsupportedMediaType);
        }
        // No body is an empty object: a command whose fields are all
        // optional (ship everything) needs none.
        let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        // Every body of the API is an object. serde reads a struct from a
        // JSON array too (its fields by position), so `[]` would pass as a
        // command without fields: refuse anything else up front.
        let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(ApiError::invalid("body", "expected a JSON object"));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::invalid(field, error.into_inner().to_string())
        })?;
        Ok(Self(value))
    }
}

/// A query string; a bad parameter is a 400.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "." {
                    "query".to_owned()
                } else {
                    path
                };
                ApiError::invalid(field, error.into_inner().to_string())
            })
    }
}

/// An id in the path; one that is not a UUID is a 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|path| Self(path.0))
            .map_err(|rejection| ApiError::invalid("path", rejection.body_text()))
    }
}

/// The headers that shape a write.
#[derive(Debug)]
pub struct WriteHeaders {
    /// `If-Match: "<version>"`: the version the client saw.
    pub expected_version: Option<u64>,
    /// The command's id: derived from `Idempotency-Key` and the route, or
    /// fresh.
    pub command_id: Uuid,
    /// Who writes: the signed-in user (and token) the access check found.
    pub principal: Principal,
}

impl<S> FromRequestParts<S> for WriteHeaders
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let principal = parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)?;
        let expected_version = match parts.headers.get(header::IF_MATCH) {
            None => None,
            Some(value) => Some(parse_etag(value).ok_or_else(|| {
                ApiError::invalid("If-Match", "expected a stream version such as \"3\"")
            })?),
        };
        let key = parts.headers.get("idempotency-key");
        let command_id = match key {
            None => state.app.new_id(),
            Some(key) => {
                let key = key.as_bytes();
                if key.is_empty() || key.len() > 255 {
                    return Err(ApiError::invalid(
                        "Idempotency-Key",
                        "must hold 1 to 255 bytes",
                    ));
                }
                // The route is part of the name: the same key on another
                // endpoint or another aggregate is another command. The
                // whole path: a nested router sees it without its prefix.
                let path = parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map_or_else(|| parts.uri.path(), |original| original.0.path());
                // So is the principal (the user, and the token when one
                // signed the request): two clients that happen to pick the
                // same key never answer each other's writes.
                let signer = match principal.via {
                    Via::Token { id } => format!("{} token {id}", principal.user.as_uuid()),
                    Via::Session { .. } => principal.user.as_uuid().to_string(),
                };
                let mut name = Vec::with_capacity(key.len() + signer.len() + 64);
                name.extend_from_slice(signer.as_bytes());
                name.push(b'\n');
                name.extend_from_slice(parts.method.as_str().as_bytes());
                name.push(b' ');
                name.extend_from_slice(path.as_bytes());
                name.push(b'\n');
                name.extend_from_slice(key);
                derived(IDEMPOTENCY_NAMESPACE, &name)
            }
        };
        Ok(Self {
            expected_version,
            command_id,
            principal,
        })
    }
}

impl WriteHeaders {
    /// How the command handler is to run this write.
    pub fn execution(&self) -> Execution {
        Execution::new(AppendMeta::new(self.principal.actor(), self.command_id))
            .with_command_id(self.command_id)
            .expecting(self.expected_version)
    }

    /// How an `app` use case is to run this write.
    pub fn run(&self) -> app::Run {
        app::Run {
            command_id: self.command_id,
            expected_version: self.expected_version,
        }
    }

    /// The user the write's commands are issued by.
    pub fn user(&self) -> domain::ids::UserId {
        self.principal.user
    }

    /// An id for something this write creates (`"order"`, `"shipment"`):
    /// derived from the command id, so a retried write names the same thing.
    pub fn new_id(&self, what: &str) -> Uuid {
        derived(self.command_id, what.as_bytes())
    }
}

fn parse_etag(value: &HeaderValue) -> Option<u64> {
    let text = value.to_str().ok()?.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"').parse().ok()
}

/// `?wait_for=<position>`: read only once the read models have folded it.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitFor {
    /// A log position from a write's `X-Position`: the answer includes it.
    pub wait_for: Option<u64>,
}

impl WaitFor {
    /// Waits (a bounded time) until the read models have folded the
    /// position.
    pub async fn wait(self, state: &AppState) -> Result<(), ApiError> {
        let Some(position) = self.wait_for else {
            return Ok(());
        };
        let head = state.log.head().position;
        if position > head {
            return Err(ApiError::invalid(
                "wait_for",
                format!("the log's head is at position {head}"),
            ));
        }
        match tokio::time::timeout(
            Duration::from_millis(WAIT_FOR_MILLISECONDS_MAX),
            state.read_models.wait_for(position),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(ApiError::Internal(
                anyhow::Error::new(error).context("a read model stopped"),
            )),
            Err(_) => Err(ApiError::NotYetVisible { position }),
        }
    }
}

/// `limit` and an opaque `cursor` from the previous page.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Rows wanted: 1 to 500, 50 when absent.
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(PAGE_ROWS_DEFAULT),
            Some(limit) if (1..=PAGE_ROWS_MAX).contains(&limit) => Ok(limit),
            Some(_) => Err(ApiError::invalid(
                "limit",
                format!("must lie between 1 and {PAGE_ROWS_MAX}"),
            )),
        }
    }

    /// The cursor's bytes, opaque to the client (hex on the wire).
    pub fn cursor(&self) -> Result<Option<Vec<u8>>, ApiError> {
        self.cursor
            .as_deref()
            .map(|text| decode_hex(text).ok_or_else(|| ApiError::invalid("cursor", "not a cursor")))
            .transpose()
    }

    /// A list paged by log position (newest activity first): the
    /// position the page starts before, from a cursor of
    /// [`position_cursor`].
    pub fn before_position(&self) -> Result<Option<u64>, ApiError> {
        self.cursor()?
            .map(|bytes| {
                <[u8; 8]>::try_from(bytes.as_slice())
                    .map(u64::from_be_bytes)
                    .map_err(|_| ApiError::invalid("cursor", "not a cursor of this list"))
            })
            .transpose()
    }
}

/// The cursor of the page that starts before log position `before`.
pub fn position_cursor(before: u64) -> String {
    encode_cursor(&before.to_be_bytes())
}

pub fn encode_cursor(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 4096 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// What a write answers: the aggregate's id, its version and the log
/// position to pass as `wait_for`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WriteResult {
    pub id: Uuid,
    /// The stream version now: send it back as `If-Match`.
    pub version: Option<u64>,
    /// The log position of the write (or of the log's head, when nothing
    /// had to change).
    pub position: u64,
    /// The same write had been made before under its idempotency key.
    pub repeated: bool,
}

/// A write's response with `ETag` and `X-Position`.
#[derive(Debug)]
pub struct Written {
    pub status: StatusCode,
    pub result: WriteResult,
}

impl Written {
    pub fn new(
        state: &AppState,
        status: StatusCode,
        id: impl Into<Uuid>,
        executed: &Executed,
    ) -> Self {
        let position = executed
            .last_position
            .unwrap_or_else(|| state.log.head().position);
        Self {
            status,
            result: WriteResult {
                id: id.into(),
                version: executed.version,
                position,
                repeated: executed.repeated,
            },
        }
    }
}

impl IntoResponse for Written {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(version) = self.result.version {
            insert_etag(&mut headers, version);
        }
        if let Ok(value) = HeaderValue::from_str(&self.result.position.to_string()) {
            headers.insert(POSITION_HEADER, value);
        }
        (self.status, headers, axum::Json(self.result)).into_response()
    }
}

/// A read of one aggregate with its `ETag`.
#[derive(Debug)]
pub struct Versioned<T>(pub Option<u64>, pub T);

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(version) = self.0 {
            insert_etag(&mut headers, version);
        }
        (headers, axum::Json(self.1)).into_response()
    }
}

fn insert_etag(headers: &mut HeaderMap, version: u64) {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
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
