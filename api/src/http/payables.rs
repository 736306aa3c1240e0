//! What the company owes its suppliers: a supplier's invoice recorded (at
//! the rate of its day), a payment made (at the rate of its own), the
//! payables aged as of a day (the exchange differences its payments
//! realize: `exchange_differences`).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::UnitPrice;
use domain::finance::PaymentMethod;
use domain::ids::{PartyId, PurchaseOrderId, SupplierInvoiceId};
use domain::values::{Currency, Label};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery, WaitFor, WriteHeaders, Written};
use super::writes::Recorded;
use super::{TAG_PAYMENTS, TAG_REPORTS};
use crate::AppState;
use app::payables::{NewSupplierInvoice, NewSupplierPayment};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_invoice))
        .routes(routes!(pay_supplier))
        .routes(routes!(payables_report))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInvoiceRequest {
    /// The purchase order it bills (the supplier's, sent), if one.
    pub order: Option<Uuid>,
    /// The supplier's own number.
    pub number: String,
    /// The order's currency when absent; required without an order.
    pub currency: Option<String>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub issued_on: NaiveDate,
    pub due: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierAllocationRequest {
    pub invoice: Uuid,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierPaymentRequest {
    /// `cash`, `bank_transfer` or `card`.
    pub method: String,
    pub currency: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The invoices paid and how much of each; the oldest due first when
    /// absent.
    pub allocations: Option<Vec<SupplierAllocationRequest>>,
    pub reference: Option<String>,
    /// When it was paid, if earlier than now: it converts at that day's
    /// rate.
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayablesQuery {
    /// The end of which day (today when absent).
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayableRow {
    pub supplier: Uuid,
    pub currency: String,
    #[schema(value_type = String)]
    pub not_due: Decimal,
    #[schema(value_type = String)]
    pub days_1_30: Decimal,
    #[schema(value_type = String)]
    pub days_31_60: Decimal,
    #[schema(value_type = String)]
    pub days_61_90: Decimal,
    #[schema(value_type = String)]
    pub over_90: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
}

/// What one supplier holds of the company's advances in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvanceRow {
    pub supplier: Uuid,
    pub currency: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayablesReport {
    pub as_of: NaiveDate,
    /// Per supplier and currency.
    pub rows: Vec<PayableRow>,
    /// Paid beyond the invoices and not yet used up by later ones, per
    /// supplier and currency.
    pub advances: Vec<AdvanceRow>,
}

/// Records a supplier's invoice at the rate of the day it was issued;
/// its purchase order (if named) learns of it through the processes.
#[utoipa::path(post, path = "/parties/{id}/supplier-invoices", tag = TAG_PAYMENTS,
    request_body = SupplierInvoiceRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The supplier's payables version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Recorded))]
async fn record_invoice(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<SupplierInvoiceRequest>,
) -> Result<Written, ApiError> {
    let new = NewSupplierInvoice {
        order: request.order.map(PurchaseOrderId::from_uuid),
        number: Label::parse("number", &request.number)?,
        currency: request
            .currency
            .as_deref()
            .map(|code| Currency::parse("currency", code))
            .transpose()?,
        amount: UnitPrice::parse("amount", request.amount)?,
        issued_on: request.issued_on,
        due: request.due,
    };
    let written = state
        .app
        .record_supplier_invoice(
            &headers.principal.caller(),
            headers.run(),
            PartyId::from_uuid(id),
            new,
        )
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        written.id,
        &written.executed,
    ))
}

/// Pays a supplier at the rate of the payment's day, allocated to their
/// invoices; each paid part realizes its exchange difference.
#[utoipa::path(post, path = "/parties/{id}/supplier-payments", tag = TAG_PAYMENTS,
    request_body = SupplierPaymentRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The supplier's payables version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Recorded))]
async fn pay_supplier(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<SupplierPaymentRequest>,
) -> Result<Written, ApiError> {
    let method = match request.method.as_str() {
        "cash" => PaymentMethod::Cash,
        "bank_transfer" => PaymentMethod::BankTransfer,
        "card" => PaymentMethod::Card,
        _ => {
            return Err(ApiError::invalid(
                "method",
                "must be cash, bank_transfer or card",
            ));
        }
    };
    let allocations = request
        .allocations
        .map(|allocations| {
            allocations
                .into_iter()
                .enumerate()
                .map(|(index, allocation)| {
                    Ok((
                        SupplierInvoiceId::from_uuid(allocation.invoice),
                        UnitPrice::parse(
                            &format!("allocations[{index}].amount"),
                            allocation.amount,
                        )?,
                    ))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .transpose()?;
    let new = NewSupplierPayment {
        method,
        currency: Currency::parse("currency", &request.currency)?,
        amount: UnitPrice::parse("amount", request.amount)?,
        allocations,
        reference: Label::parse_optional("reference", request.reference.as_deref())?,
    };
    let written = state
        .app
        .pay_supplier(
            &headers.principal.caller(),
            headers.run(),
            PartyId::from_uuid(id),
            new,
            request.occurred_at,
        )
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        written.id,
        &written.executed,
    ))
}

/// What each supplier is owed at the end of a day, per currency, by how
/// long it has been due (not due, 1–30, 31–60, 61–90, over 90 days).
#[utoipa::path(get, path = "/reports/payables", tag = TAG_REPORTS,
    params(PayablesQuery, WaitFor),
    responses(
        (status = 200, body = PayablesReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn payables_report(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PayablesQuery>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<PayablesReport>, ApiError> {
    wait.wait(&state).await?;
    let as_of = query.as_of.unwrap_or_else(|| state.app.now().date_naive());
    // One read: the ageing and the advances as of the same position.
    let (rows, advances) = state.read_models.purchases.read(|purchases| {
        let payables = purchases.payables();
        let rows = payables
            .aged(as_of)
            .into_iter()
            .map(|((supplier, currency), ageing)| PayableRow {
                supplier: supplier.as_uuid(),
                currency: currency.as_str().to_owned(),
                total: ageing.total(),
                not_due: ageing.not_due,
                days_1_30: ageing.days_1_30,
                days_31_60: ageing.days_31_60,
                days_61_90: ageing.days_61_90,
                over_90: ageing.over_90,
            })
            .collect();
        let advances = payables
            .advances(as_of)
            .into_iter()
            .map(|((supplier, currency), amount)| AdvanceRow {
                supplier: supplier.as_uuid(),
                currency: currency.as_str().to_owned(),
                amount,
            })
            .collect();
        (rows, advances)
    });
    Ok(axum::Json(PayablesReport {
        as_of,
        rows,
        advances,
    }))
}
