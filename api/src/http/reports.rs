//! Reports over the read models: sales figures per period and dimension,
//! and the director's KPIs for a day or a range.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use domain::values::Currency;
use projections::models::kpis::Kpis;
use projections::models::sales::{Dimension, Member, Period, ReportQuery, Sales};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::TAG_REPORTS;
use super::error::{ApiError, Problem};
use super::extract::{ApiQuery, WaitFor};
use crate::AppState;

/// The longest range a report covers.
pub const REPORT_DAYS_MAX: i64 = 3_660;
/// The longest range a report grouped by day covers.
pub const REPORT_DAILY_DAYS_MAX: i64 = 400;
/// Reports "as known at" folded at once: each replays up to a snapshot
/// interval of events, so more wait their turn rather than take every core.
pub const KNOWN_AT_FOLDS_MAX: usize = 2;

static KNOWN_AT_FOLDS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(KNOWN_AT_FOLDS_MAX);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sales_report))
        .routes(routes!(kpis))
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Day,
    Week,
    Month,
    /// One row per member over the whole range.
    Whole,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DimensionDto {
    Product,
    Category,
    Customer,
    Manager,
    Branch,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesReportParams {
    /// First day (business time, UTC), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    pub group_by: Option<GroupBy>,
    /// Rows per member of this dimension; the company as a whole when
    /// absent.
    pub dimension: Option<DimensionDto>,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    /// Business time: count only what happened up to the end of this day
    /// (the range is cut there).
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: the report as the log knew it at this moment, from
    /// the events recorded by then (folded on demand: slower).
    pub known_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReportRow {
    /// The first day of the row's period.
    pub period: NaiveDate,
    /// `all`, or the member's id or name (a category); `null` for "none".
    pub member: Option<String>,
    pub orders: i64,
    #[schema(value_type = String)]
    pub order_net: Decimal,
    pub cancelled_orders: i64,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    #[schema(value_type = String)]
    pub margin: Decimal,
    #[schema(value_type = String)]
    pub units: Decimal,
    #[schema(value_type = String)]
    pub units_returned: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReport {
    pub currency: String,
    pub rows: Vec<SalesReportRow>,
    /// With `known_at`: the last log position recorded by then, which the
    /// report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// One day's figures (its ISO week's units up to it).
    pub day: Option<NaiveDate>,
    /// With `to`: figures summed over a range.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueDto {
    pub invoices: i64,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub orders: i64,
    /// Net order intake per currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub order_intake: BTreeMap<String, Decimal>,
    /// Payments received per currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub payments: BTreeMap<String, Decimal>,
    pub units_from: NaiveDate,
    #[schema(value_type = String)]
    pub units_shipped: Decimal,
    pub overdue: BTreeMap<String, OverdueDto>,
}

impl From<Kpis> for KpiResponse {
    fn from(kpis: Kpis) -> Self {
        let by_code = |map: BTreeMap<Currency, Decimal>| {
            map.into_iter()
                .map(|(currency, amount)| (currency.as_str().to_owned(), amount))
                .collect()
        };
        Self {
            from: kpis.from,
            to: kpis.to,
            orders: kpis.orders,
            order_intake: by_code(kpis.order_intake),
            payments: by_code(kpis.payments),
            units_from: kpis.units_from,
            units_shipped: kpis.units_shipped,
            overdue: kpis
                .overdue
                .into_iter()
                .map(|(currency, overdue)| {
                    (
                        currency.as_str().to_owned(),
                        OverdueDto {
                            invoices: overdue.invoices,
                            amount: overdue.amount,
                        },
                    )
                })
                .collect(),
        }
    }
}

fn check_range(from: NaiveDate, to: NaiveDate, days_max: i64) -> Result<(), ApiError> {
    if from > to {
        return Err(ApiError::invalid("to", "lies before from"));
    }
    if (to - from).num_days() >= days_max {
        return Err(ApiError::invalid(
            "to",
            format!("a range covers at most {days_max} days"),
        ));
    }
    Ok(())
}

fn member_text(member: &Member) -> Option<String> {
    match member {
        Member::All => Some("all".to_owned()),
        Member::Product(id) => Some(id.to_string()),
        Member::Category(name) => name.clone(),
        Member::Customer(id) => Some(id.to_string()),
        Member::Manager(id) => id.map(|id| id.to_string()),
        Member::Branch(id) => id.map(|id| id.to_string()),
    }
}

/// Sales figures per period (and per member of a dimension) in one
/// currency, from the sales read model.
#[utoipa::path(get, path = "/reports/sales", tag = TAG_REPORTS,
    params(SalesReportParams, WaitFor),
    responses(
        (status = 200, body = SalesReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn sales_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SalesReportParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<SalesReport>, ApiError> {
    let currency = Currency::parse("currency", &params.currency)?;
    let period = match params.group_by.unwrap_or(GroupBy::Month) {
        GroupBy::Day => Period::Day,
        GroupBy::Week => Period::Week,
        GroupBy::Month => Period::Month,
        GroupBy::Whole => Period::Whole,
    };
    let days_max = if period == Period::Day {
        REPORT_DAILY_DAYS_MAX
    } else {
        REPORT_DAYS_MAX
    };
    check_range(params.from, params.to, days_max)?;
    wait.wait(&state).await?;
    // Days are business days: "as of" a day is the range cut at its end.
    let to = params.as_of.map_or(params.to, |as_of| as_of.min(params.to));
    let query = ReportQuery {
        from: params.from,
        to,
        currency,
        period,
        dimension: params.dimension.map(|dimension| match dimension {
            DimensionDto::Product => Dimension::Product,
            DimensionDto::Category => Dimension::Category,
            DimensionDto::Customer => Dimension::Customer,
            DimensionDto::Manager => Dimension::Manager,
            DimensionDto::Branch => Dimension::Branch,
        }),
    };
    let (rows, known_position) = if to < params.from {
        (Vec::new(), None)
    } else if let Some(known_at) = params.known_at {
        // The model folded only up to what was recorded by then: a replay
        // from the nearest older snapshot, off the async threads.
        // The semaphore is never closed; were it, that is a 500.
        let _permit = KNOWN_AT_FOLDS
            .acquire()
            .await
            .map_err(|error| ApiError::Internal(anyhow::Error::new(error)))?;
        let log = state.log.clone();
        let store = state.read_models.store.clone();
        let known = tokio::task::spawn_blocking(move || {
            projections::as_known_at::<Sales>(&log, &store, known_at)
        })
        .await
        .map_err(|error| ApiError::Internal(anyhow::Error::new(error)))?
        .map_err(|error| {
            ApiError::Internal(
                anyhow::Error::new(error).context("failed to fold the sales as known then"),
            )
        })?;
        (known.model.report(&query), Some(known.position))
    } else {
        (
            state.read_models.sales.read(|sales| sales.report(&query)),
            None,
        )
    };
    Ok(axum::Json(SalesReport {
        known_position,
        currency: currency.as_str().to_owned(),
        rows: rows
            .into_iter()
            .map(|row| SalesReportRow {
                period: row.period,
                member: member_text(&row.member),
                orders: row.figures.orders,
                order_net: row.figures.order_net,
                cancelled_orders: row.figures.cancelled_orders,
                revenue: row.figures.revenue,
                cost: row.figures.cost,
                margin: row.figures.margin,
                units: row.figures.units,
                units_returned: row.figures.units_returned,
            })
            .collect(),
    }))
}

/// The director's KPIs for a day (`day`) or a range (`from` and `to`).
#[utoipa::path(get, path = "/kpis", tag = TAG_REPORTS,
    params(KpiParams, WaitFor),
    responses(
        (status = 200, body = KpiResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn kpis(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<KpiParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<KpiResponse>, ApiError> {
    enum Span {
        Day(NaiveDate),
        Range(NaiveDate, NaiveDate),
    }
    let span = match (params.day, params.from, params.to) {
        (Some(day), None, None) => Span::Day(day),
        (None, Some(from), Some(to)) => {
            check_range(from, to, REPORT_DAYS_MAX)?;
            Span::Range(from, to)
        }
        _ => {
            return Err(ApiError::invalid(
                "day",
                "give either day, or both from and to",
            ));
        }
    };
    wait.wait(&state).await?;
    let kpis = state.read_models.director_kpis.read(|model| match span {
        Span::Day(day) => model.on(day),
        Span::Range(from, to) => model.over(from, to),
    });
    Ok(axum::Json(kpis.into()))
}
