//! The company currency and exchange rates: an administrator sets the
//! company currency once; accountants enter each other currency's daily
//! rates, which documents in that currency convert at.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::currency::{Rates, rates_id};
use domain::values::{Currency, ExchangeRate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiQuery, WriteHeaders, Written};
use super::writes::{Replaced, Settled};
use super::{TAG_ADMIN, TAG_CURRENCIES};
use crate::AppState;

/// Most days of rates one answer lists (the latest ones).
const RATE_DAYS_LISTED_MAX: usize = 400;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_company_currency))
        .routes(routes!(set_company_requisites))
        .routes(routes!(list_rates, set_rate))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyCurrencyRequest {
    /// ISO 4217 (`EUR`). Set once: stock cost, margins and every report
    /// of the company are in it.
    pub currency: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRateRequest {
    pub currency: String,
    pub day: NaiveDate,
    /// Units of the company currency for one unit of `currency`.
    #[schema(value_type = String)]
    pub rate: Decimal,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatesQuery {
    /// ISO 4217 (`USD`).
    pub currency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateDay {
    pub day: NaiveDate,
    #[schema(value_type = String)]
    pub rate: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesResponse {
    /// Absent until an administrator sets it.
    pub company_currency: Option<String>,
    pub currency: String,
    /// The latest days first (at most 400).
    pub rates: Vec<RateDay>,
}

/// Sets the company currency: once; the same again changes nothing.
#[utoipa::path(post, path = "/admin/company-currency", tag = TAG_ADMIN,
    request_body = CompanyCurrencyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Settled))]
async fn set_company_currency(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CompanyCurrencyRequest>,
) -> Result<Written, ApiError> {
    let currency = Currency::parse("currency", &request.currency)?;
    let executed = state
        .app
        .currency()
        .set_company_currency(&headers.principal.caller(), headers.run(), currency)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::OK,
        domain::currency::company_id(),
        &executed,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRequisitesRequest {
    pub legal_name: String,
    /// Address lines, in order (at most 8).
    #[serde(default)]
    pub address: Vec<String>,
    /// Tax and registration ids, each `[label, value]` (`["VAT", "…"]`).
    #[serde(default)]
    pub ids: Vec<(String, String)>,
    /// Bank details, a line each.
    #[serde(default)]
    pub bank: Vec<String>,
}

/// Sets the company's requisites (legal name, address, tax ids, bank
/// details) that documents print; each setting replaces the last, and a
/// document issued before prints what it printed then.
#[utoipa::path(post, path = "/admin/company-requisites", tag = TAG_ADMIN,
    request_body = CompanyRequisitesRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Replaced))]
async fn set_company_requisites(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CompanyRequisitesRequest>,
) -> Result<Written, ApiError> {
    let requisites = domain::currency::CompanyRequisitesSet {
        legal_name: request.legal_name,
        address: request.address,
        ids: request.ids,
        bank: request.bank,
    };
    let executed = state
        .app
        .documents()
        .set_requisites(&headers.principal.caller(), headers.run(), requisites)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::OK,
        domain::currency::company_id(),
        &executed,
    ))
}

/// Records a currency's rate for a day (again for the same day corrects
/// it).
#[utoipa::path(post, path = "/exchange-rates", tag = TAG_CURRENCIES,
    request_body = SetRateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Settled))]
async fn set_rate(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<SetRateRequest>,
) -> Result<Written, ApiError> {
    let currency = Currency::parse("currency", &request.currency)?;
    let rate = ExchangeRate::parse("rate", request.rate)?;
    let executed = state
        .app
        .currency()
        .set_rate(
            &headers.principal.caller(),
            headers.run(),
            currency,
            request.day,
            rate,
        )
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::OK,
        rates_id(currency),
        &executed,
    ))
}

/// A currency's daily rates, the latest first, and the company currency
/// they are in.
#[utoipa::path(get, path = "/exchange-rates", tag = TAG_CURRENCIES,
    params(RatesQuery),
    responses(
        (status = 200, body = RatesResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_rates(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RatesQuery>,
) -> Result<axum::Json<RatesResponse>, ApiError> {
    let currency = Currency::parse("currency", &query.currency)?;
    let company_currency = state.app.currency().company_currency()?;
    let (rates, _) = state.app.load::<Rates>(rates_id(currency))?;
    Ok(axum::Json(RatesResponse {
        company_currency: company_currency.map(|currency| currency.as_str().to_owned()),
        currency: currency.as_str().to_owned(),
        rates: rates
            .by_day
            .iter()
            .rev()
            .take(RATE_DAYS_LISTED_MAX)
            .map(|(day, rate)| RateDay {
                day: *day,
                rate: *rate,
            })
            .collect(),
    }))
}
