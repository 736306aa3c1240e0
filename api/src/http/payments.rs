//! Payments: money received from a customer, on the party's account. The
//! account allocates it to the oldest open invoices; a paid invoice closes
//! its order through the processes.

use axum::extract::State;
use axum::http::StatusCode;
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::PaymentId;
use domain::values::{Currency, Label, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, WriteHeaders, WriteResult, Written};
use super::{TAG_PAYMENTS, execute};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive_payment))
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodDto {
    Cash,
    BankTransfer,
    Card,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub method: PaymentMethodDto,
    pub reference: Option<String>,
}

/// Registers a payment received from a party. The answer's `id` is the
/// payment's; its `ETag` is the account stream's version.
#[utoipa::path(post, path = "/parties/{id}/payments", tag = TAG_PAYMENTS,
    request_body = PaymentRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The account's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn receive_payment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<PaymentRequest>,
) -> Result<Written, ApiError> {
    let currency = Currency::parse("currency", &request.currency)?;
    let command = AccountCommand::ReceivePayment {
        payment: PaymentId::from_uuid(headers.new_id("payment")),
        method: match request.method {
            PaymentMethodDto::Cash => PaymentMethod::Cash,
            PaymentMethodDto::BankTransfer => PaymentMethod::BankTransfer,
            PaymentMethodDto::Card => PaymentMethod::Card,
        },
        amount: Money::parse("amount", request.amount, currency)?,
        allocations: None,
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
        // Looked up by `app` for the payment's day.
        rate: None,
    };
    let executed = execute::<Account, _>(&state, id, command, &headers).await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        headers.new_id("payment"),
        &executed,
    ))
}
