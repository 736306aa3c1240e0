//! The JSON API under `/api/v1`: task-shaped endpoints over the command
//! handler and reads over streams and read models (docs/api.md).
//!
//! One file per resource, each with its `router()`. The OpenAPI document is
//! generated from the handlers' annotations and served at
//! `/api/openapi.json`, with a reference page at `/api/docs` whose assets
//! are compiled into the binary.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod branches;
pub mod calendar;
pub mod catalog;
pub mod crm_reports;
pub mod currencies;
pub mod deals;
pub mod deliveries;
pub mod documents;
pub mod error;
pub mod events;
pub mod exchange_differences;
pub mod extract;
pub mod fleet;
pub mod groups;
pub mod interactions;
pub mod leads;
pub mod openapi_security;
pub mod orders;
pub mod parties;
pub mod payables;
pub mod payments;
pub mod personal_data;
pub mod pipelines;
pub mod production;
pub mod purchases;
pub mod quotes;
pub mod receipts;
pub mod replenishment;
pub mod reports;
pub mod retention;
pub mod scope;
pub mod sourcing;
pub mod stock;
pub mod streaming;
pub mod tasks;
pub mod users;
pub mod warehouses;
pub mod writes;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::{Decider, DomainError, DomainEvent, Issued};
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use app::commands::Executed;
use error::ApiError;
use extract::{REQUEST_BODY_BYTES_MAX, WriteHeaders};

/// Where the API's resources live.
pub const API_PREFIX: &str = "/api/v1";
pub const OPENAPI_PATH: &str = "/api/openapi.json";
pub const DOCS_PATH: &str = "/api/docs";

const TAG_PARTIES: &str = "parties";
const TAG_CATALOG: &str = "catalog";
const TAG_STOCK: &str = "stock";
const TAG_ORDERS: &str = "orders";
const TAG_PAYMENTS: &str = "payments";
const TAG_REPORTS: &str = "reports";
const TAG_EVENTS: &str = "events";
const TAG_INTERACTIONS: &str = "interactions";
const TAG_DEALS: &str = "deals";
const TAG_TASKS: &str = "tasks";
const TAG_ADMIN: &str = "admin";
const TAG_AUDIT: &str = "audit";
const TAG_ACCOUNTS: &str = "accounts";
const TAG_CALENDAR: &str = "calendar";
const TAG_PURCHASING: &str = "purchasing";
const TAG_PRODUCTION: &str = "production";
const TAG_CURRENCIES: &str = "currencies";
const TAG_QUOTES: &str = "quotes";
const TAG_FLEET: &str = "fleet";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "HyperCRM API",
        description = "Task-shaped commands and reads over HyperCRM's event log. Conventions (errors, ETag/If-Match, Idempotency-Key, pagination, wait_for): docs/api.md."
    ),
    // The enums that query parameters take are `$ref`s in the parameters'
    // schemas; utoipa collects only the bodies' schemas by itself, so each
    // such enum is listed here (a test checks that every `$ref` resolves).
    components(schemas(
        error::Problem,
        error::FieldProblem,
        audit::ExportFormat,
        audit::TimeKind,
        parties::ListedStatus,
        parties::PartyRole,
        reports::DimensionDto,
        reports::GroupBy,
        stock::LevelSortDto,
        stock::SortOrder,
        tasks::ListedTaskStatus,
    ))
)]
struct ApiDoc;

/// The API's routes and the OpenAPI document they make.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            API_PREFIX,
            OpenApiRouter::new()
                .merge(parties::router())
                .merge(personal_data::router())
                .merge(catalog::router())
                .merge(warehouses::router())
                .merge(stock::router())
                .merge(orders::router())
                .merge(purchases::router())
                .merge(quotes::router())
                .merge(fleet::router())
                .merge(deliveries::router())
                .merge(sourcing::router())
                .merge(replenishment::router())
                .merge(production::router())
                .merge(currencies::router())
                .merge(payments::router())
                .merge(payables::router())
                .merge(exchange_differences::router())
                .merge(accounts::router())
                .merge(documents::router())
                .merge(reports::router())
                .merge(interactions::router())
                .merge(pipelines::router())
                .merge(retention::router())
                .merge(branches::router())
                .merge(groups::router())
                .merge(deals::router())
                .merge(tasks::router())
                .merge(leads::router())
                .merge(calendar::router())
                .merge(crm_reports::router())
                .merge(events::router())
                .merge(admin::router())
                .merge(audit::router())
                .merge(receipts::router())
                .merge(users::router()),
        )
        .split_for_parts()
}

/// The served OpenAPI document: the routes' own, with the permission
/// each operation needs and how to sign in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = routes().1;
    crate::http::openapi_security::describe(&mut document);
    bodies_without_fields_are_optional(&mut document);
    document
}

/// A command without fields takes an absent body as `{}` (see
/// [`extract::ApiJson`]): its document says the body is optional.
fn bodies_without_fields_are_optional(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{RefOr, Required};
    let no_fields = "#/components/schemas/NoFields";
    for item in document.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch]
            .into_iter()
            .flatten()
        {
            let Some(RefOr::T(body)) = operation.request_body.as_mut() else {
                continue;
            };
            let empty = body.content.values().all(|content| {
                matches!(content, RefOr::T(content)
                    if matches!(&content.schema, Some(RefOr::Ref(reference)) if reference.ref_location == no_fields))
            });
            if empty {
                body.required = Some(Required::False);
            }
        }
    }
}

/// The API, its document and reference page, with the body limit.
pub fn router() -> Router<AppState> {
    let (api, _) = routes();
    let document = document();
    api.merge(SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, document))
        .layer(RequestBodyLimitLayer::new(REQUEST_BODY_BYTES_MAX))
        .layer(axum::middleware::map_response(problem_for_bare_refusals))
}

/// Answers a path under `/api` that no route serves; the app's fallback
/// calls it, so clients of the API always get a problem document.
pub async fn no_route() -> ApiError {
    ApiError::NoRoute
}

/// The body limit answers a declared length over the limit itself, and
/// the router a method a route does not serve, before any handler runs;
/// their bare answers become problem documents like every other error.
async fn problem_for_bare_refusals(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == error::PROBLEM_JSON.as_bytes());
    if is_problem {
        return response;
    }
    let error = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge {
            limit_bytes: REQUEST_BODY_BYTES_MAX,
        },
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        _ => return response,
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = error.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// The command a write's request makes: a closure that may refuse a bad
/// value, called here so its `?` knows the error type.
fn parsed<C>(make: impl FnOnce() -> Result<C, ApiError>) -> Result<C, ApiError> {
    make()
}

/// Runs `command` on aggregate `id` of decider `D` as the write's headers
/// say (If-Match, idempotency).
async fn execute<D, C>(
    state: &AppState,
    id: impl Into<uuid::Uuid>,
    command: C,
    headers: &WriteHeaders,
) -> Result<Executed, ApiError>
where
    D: app::guarded::Guarded + Decider<Command = Issued<C>, Error = DomainError>,
    D::Event: DomainEvent,
    D::State: Send + 'static,
    C: app::guarded::Guard,
{
    execute_at::<D, C>(state, id, command, headers, None).await
}

/// Like [`execute`], for an action that happened at `occurred_at` (a call
/// logged after the fact); the decider refuses a time in the future.
async fn execute_at<D, C>(
    state: &AppState,
    id: impl Into<uuid::Uuid>,
    command: C,
    headers: &WriteHeaders,
    occurred_at: Option<chrono::DateTime<Utc>>,
) -> Result<Executed, ApiError>
where
    D: app::guarded::Guarded + Decider<Command = Issued<C>, Error = DomainError>,
    D::Event: DomainEvent,
    D::State: Send + 'static,
    C: app::guarded::Guard,
{
    Ok(state
        .app
        .execute::<D, C>(
            &headers.principal.caller(),
            headers.run(),
            id,
            command,
            occurred_at,
        )
        .await?)
}

/// The state of aggregate `id` of decider `D` and its stream version.
fn load<D>(
    state: &AppState,
    id: impl std::fmt::Display,
) -> Result<(D::State, Option<u64>), ApiError>
where
    D: Decider,
    D::Event: DomainEvent,
    D::State: Clone + Send + 'static,
{
    Ok(state.app.load::<D>(id)?)
}
