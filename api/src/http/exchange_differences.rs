//! The exchange differences realized over a period, in the company
//! currency: on payments made to suppliers (`payable` streams) and
//! received from customers (`account` streams), each a gain or, negative,
//! a loss for the company.

use axum::extract::State;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_REPORTS;
use super::error::{ApiError, Problem};
use super::extract::{ApiQuery, WaitFor};
use crate::AppState;

/// The longest period of the report, in days.
const DIFFERENCE_DAYS_MAX: i64 = 3_660;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(exchange_differences))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DifferencesQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Whose payment realized a difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceSide {
    /// A payment the company made to a supplier.
    Supplier,
    /// A payment the company received from a customer.
    Customer,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DifferenceResponse {
    pub day: NaiveDate,
    pub side: DifferenceSide,
    /// The supplier or customer.
    pub party: Uuid,
    /// Their invoice the payment paid part of.
    pub invoice: Uuid,
    pub currency: String,
    /// The part of the invoice paid, in its currency.
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// In the company currency; negative, a loss.
    #[schema(value_type = String)]
    pub gain: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DifferencesReport {
    pub company_currency: Option<String>,
    /// By day, suppliers' before customers' on the same day.
    pub rows: Vec<DifferenceResponse>,
    /// On payments to suppliers.
    #[schema(value_type = String)]
    pub total_suppliers: Decimal,
    /// On payments from customers.
    #[schema(value_type = String)]
    pub total_customers: Decimal,
    /// Both together.
    #[schema(value_type = String)]
    pub total_gain: Decimal,
}

/// The exchange differences realized on payments to suppliers and from
/// customers from one day to another, by day, with their totals in the
/// company currency.
#[utoipa::path(get, path = "/reports/exchange-differences", tag = TAG_REPORTS,
    params(DifferencesQuery, WaitFor),
    responses(
        (status = 200, body = DifferencesReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn exchange_differences(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<DifferencesQuery>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<DifferencesReport>, ApiError> {
    if query.to < query.from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    if (query.to - query.from).num_days() > DIFFERENCE_DAYS_MAX {
        return Err(ApiError::invalid(
            "to",
            format!("at most {DIFFERENCE_DAYS_MAX} days after from"),
        ));
    }
    wait.wait(&state).await?;
    let company_currency = state
        .app
        .currency()
        .company_currency()?
        .map(|currency| currency.as_str().to_owned());
    let mut rows: Vec<DifferenceResponse> = state.read_models.purchases.read(|purchases| {
        purchases
            .payables()
            .differences(query.from, query.to)
            .into_iter()
            .map(|row| DifferenceResponse {
                day: row.day,
                side: DifferenceSide::Supplier,
                party: row.supplier.as_uuid(),
                invoice: row.invoice.as_uuid(),
                currency: row.currency.as_str().to_owned(),
                amount: row.amount,
                gain: row.gain,
            })
            .collect()
    });
    state.read_models.sales.read(|sales| {
        rows.extend(
            sales
                .differences(query.from, query.to)
                .into_iter()
                .map(|row| DifferenceResponse {
                    day: row.day,
                    side: DifferenceSide::Customer,
                    party: row.customer.as_uuid(),
                    invoice: row.invoice.as_uuid(),
                    currency: row.currency.as_str().to_owned(),
                    amount: row.amount,
                    gain: row.gain,
                }),
        );
    });
    // Stable: each side's rows keep their order within a day.
    rows.sort_by_key(|row| (row.day, row.side == DifferenceSide::Customer));
    let total = |side: DifferenceSide| -> Decimal {
        rows.iter()
            .filter(|row| row.side == side)
            .map(|row| row.gain)
            .sum()
    };
    let (total_suppliers, total_customers) = (
        total(DifferenceSide::Supplier),
        total(DifferenceSide::Customer),
    );
    Ok(axum::Json(DifferencesReport {
        company_currency,
        rows,
        total_suppliers,
        total_customers,
        total_gain: total_suppliers + total_customers,
    }))
}
