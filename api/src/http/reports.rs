//! Reports over the read models: sales figures per period and dimension,
//! and the director's KPIs for a day or a range.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use domain::finance::PaymentMethod;
use domain::ids::BranchId;
use domain::values::Currency;
use projections::models::kpis::Kpis;
use projections::models::sales::{
    Aged, Ageing, Dimension, Member, Period, ReportCurrency, ReportQuery,
};
use projections::{Projection, ReadModel};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_REPORTS;
use super::error::{ApiError, Problem};
use super::extract::{ApiQuery, PageParams, WaitFor};
use crate::AppState;

/// The longest range a report covers.
pub const REPORT_DAYS_MAX: i64 = 3_660;
/// The longest range a report grouped by day covers.
pub const REPORT_DAILY_DAYS_MAX: i64 = 400;
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sales_report))
        .routes(routes!(kpis))
        .routes(routes!(receivables_report))
        .routes(routes!(payments_report))
        .routes(routes!(stock_value_report))
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
    /// ISO 4217 (`EUR`): the documents in this currency, in their own
    /// amounts. Absent: every document in the company currency, a day's
    /// figures in another currency converted at that day's rate (refused
    /// while no company currency is set).
    pub currency: Option<String>,
    /// Business time: count only what happened up to the end of this day
    /// (the range is cut there).
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: the report as the log knew it at this moment, from
    /// the events recorded by then (folded on demand: slower).
    pub known_at: Option<DateTime<Utc>>,
    /// Only the orders of this branch; every branch when absent.
    pub branch: Option<Uuid>,
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
    /// Every currency converted into the company's (`currency` absent).
    pub converted: bool,
    /// Converted: the currencies with figures on a day without any rate
    /// by then, left out of the rows.
    pub unconverted: Vec<String>,
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
    /// Business time: count only what happened up to the end of this day
    /// (the day or range is cut there; before it, nothing counts).
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: the figures as the log knew them at this moment
    /// (folded on demand: slower).
    pub known_at: Option<DateTime<Utc>>,
    /// One branch's figures: its orders, the payments of its invoices,
    /// its overdue invoices; the company's when absent.
    pub branch: Option<Uuid>,
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
    /// Once a company currency is set: the amounts of every currency in
    /// it, a day's at that day's rate, what is overdue at the rate of the
    /// span's last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_company: Option<CompanyKpiDto>,
    /// Buying at the end of the last day of the span.
    pub purchasing: PurchasingKpiDto,
    /// Making: units produced and production orders open.
    pub production: ProductionKpiDto,
    /// With `known_at`: the last log position the figures include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// The span's amounts of every currency, in the company currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyKpiDto {
    pub currency: String,
    #[schema(value_type = String)]
    pub order_intake: Decimal,
    #[schema(value_type = String)]
    pub payments: Decimal,
    #[schema(value_type = String)]
    pub overdue: Decimal,
    /// Currencies with amounts on a day without any rate by then, left
    /// out of the figures above.
    pub unconverted: Vec<String>,
}

/// Buying at the end of a day: open purchase orders, what they still
/// await per currency, and how many were expected before that day.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PurchasingKpiDto {
    pub day: Option<NaiveDate>,
    pub open_orders: u64,
    #[schema(value_type = BTreeMap<String, String>)]
    pub open_value: BTreeMap<String, Decimal>,
    pub late_orders: u64,
}

/// Making: units produced (every product added up) on the span's last
/// day, in its week (Monday to that day) and over the whole span; and the
/// production orders open at the end of that day, and late.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ProductionKpiDto {
    pub day: Option<NaiveDate>,
    #[schema(value_type = String)]
    pub produced_on_day: Decimal,
    #[schema(value_type = String)]
    pub produced_in_week: Decimal,
    #[schema(value_type = String)]
    pub produced_in_span: Decimal,
    pub open_orders: u64,
    pub late_orders: u64,
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
            in_company: kpis.in_company.map(|in_company| CompanyKpiDto {
                currency: in_company.currency.as_str().to_owned(),
                order_intake: in_company.order_intake,
                payments: in_company.payments,
                overdue: in_company.overdue,
                unconverted: in_company
                    .unconverted
                    .iter()
                    .map(|currency| currency.as_str().to_owned())
                    .collect(),
            }),
            purchasing: PurchasingKpiDto::default(),
            production: ProductionKpiDto::default(),
            known_position: None,
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

/// What `query` answers over the read model `M`: the live model, or with
/// `known_at` the model as the log knew it then (folded from the nearest
/// older snapshot, off the async threads), with the last position it
/// includes. Every report's knowledge time goes through here.
pub(super) async fn known<M, R>(
    state: &AppState,
    live: &Projection<M>,
    known_at: Option<DateTime<Utc>>,
    query: impl FnOnce(&M) -> R + Send + 'static,
) -> Result<(R, Option<u64>), ApiError>
where
    M: ReadModel,
    R: Send + 'static,
{
    crate::known_at::read(state, live, known_at, query)
        .await
        .map_err(ApiError::Internal)
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
    let currency = match &params.currency {
        Some(code) => ReportCurrency::Only(Currency::parse("currency", code)?),
        None => ReportCurrency::Company,
    };
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
        branch: params.branch.map(BranchId::from_uuid),
    };
    let from = params.from;
    let ((answered_in, rows, unconverted), known_position) = known(
        &state,
        &state.read_models.sales,
        params.known_at,
        move |sales| {
            let answered_in = match query.currency {
                ReportCurrency::Only(currency) => Some(currency),
                ReportCurrency::Company => sales.company_currency(),
            };
            if to < from {
                return (answered_in, Vec::new(), Vec::new());
            }
            let unconverted = match query.currency {
                ReportCurrency::Only(_) => Vec::new(),
                ReportCurrency::Company => sales.unconverted(from, to, query.branch),
            };
            (answered_in, sales.report(&query), unconverted)
        },
    )
    .await?;
    let Some(answered_in) = answered_in else {
        return Err(ApiError::invalid(
            "currency",
            "no company currency is set: give the currency to report in",
        ));
    };
    Ok(axum::Json(SalesReport {
        known_position,
        currency: answered_in.as_str().to_owned(),
        converted: query.currency == ReportCurrency::Company,
        unconverted: unconverted
            .into_iter()
            .map(|currency| currency.as_str().to_owned())
            .collect(),
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
    #[derive(Clone, Copy)]
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
    let as_of = params.as_of;
    // The range asked for, cut at `as_of`: a day's figures, or a
    // period's (a day after `as_of` counts nothing).
    let asked = move || match (span, as_of) {
        (Span::Day(day), Some(as_of)) if as_of < day => (day, as_of, false),
        (Span::Day(day), _) => (day, day, true),
        (Span::Range(from, to), as_of) => (from, as_of.map_or(to, |as_of| as_of.min(to)), false),
    };
    let (kpis, known_position) = match params.branch.map(BranchId::from_uuid) {
        None => {
            known(
                &state,
                &state.read_models.director_kpis,
                params.known_at,
                move |model| match asked() {
                    (day, _, true) => model.on(day),
                    (from, to, false) => model.over(from, to),
                },
            )
            .await?
        }
        Some(branch) => {
            known(
                &state,
                &state.read_models.sales,
                params.known_at,
                move |sales| match asked() {
                    (day, _, true) => sales.branch_kpis_on(Some(branch), day),
                    (from, to, false) => sales.branch_kpis_over(Some(branch), from, to),
                },
            )
            .await?
        }
    };
    let mut kpis = KpiResponse::from(kpis);
    kpis.known_position = known_position;
    // Buying as it stood at the end of the span's last day, known as the
    // rest of the figures are.
    let (_, last, _) = asked();
    let branch = params
        .branch
        .map(|branch| Some(BranchId::from_uuid(branch)));
    let (figures, _) = known(
        &state,
        &state.read_models.purchases,
        params.known_at,
        move |purchases| purchases.figures_on(last, branch),
    )
    .await?;
    kpis.purchasing = PurchasingKpiDto {
        day: Some(last),
        open_orders: figures.open_orders,
        open_value: figures
            .open_value
            .into_iter()
            .map(|(currency, amount)| (currency.as_str().to_owned(), amount))
            .collect(),
        late_orders: figures.late_orders,
    };
    let (first, _, _) = asked();
    kpis.production = production_kpis(&state, params.known_at, first, last, branch).await?;
    Ok(axum::Json(kpis))
}

/// Making over `first` to `last`, known as of `known_at`.
async fn production_kpis(
    state: &AppState,
    known_at: Option<DateTime<Utc>>,
    first: NaiveDate,
    last: NaiveDate,
    branch: Option<Option<BranchId>>,
) -> Result<ProductionKpiDto, ApiError> {
    let monday = last - chrono::Days::new(u64::from(last.weekday().num_days_from_monday()));
    let ((on_day, in_week, in_span), _) = known(
        state,
        &state.read_models.production,
        known_at,
        move |production| {
            (
                production.figures_over(last, last, branch),
                production.figures_over(monday, last, branch),
                production.figures_over(first, last, branch),
            )
        },
    )
    .await?;
    Ok(ProductionKpiDto {
        day: Some(last),
        produced_on_day: on_day.produced,
        produced_in_week: in_week.produced,
        produced_in_span: in_span.produced,
        open_orders: on_day.open_orders,
        late_orders: on_day.late_orders,
    })
}

/// The end of a business day (UTC): what "as of" that day includes.
pub(super) fn end_of(day: NaiveDate) -> DateTime<Utc> {
    // The last instant before the next day starts. The calendar's last
    // day has no next one: it is counted up to its own start, never a
    // panic on a client's date.
    let next = day.succ_opt().unwrap_or(day);
    let start = next.and_time(NaiveTime::MIN).and_utc();
    start
        .checked_sub_signed(TimeDelta::nanoseconds(1))
        .unwrap_or(start)
}

/// The first day of `day`'s period when grouped by `group_by` over a
/// range starting `from`.
fn period_start(group_by: GroupBy, from: NaiveDate, day: NaiveDate) -> NaiveDate {
    match group_by {
        GroupBy::Day => day,
        GroupBy::Week => day
            .checked_sub_signed(TimeDelta::days(i64::from(
                day.weekday().num_days_from_monday(),
            )))
            .unwrap_or(day),
        GroupBy::Month => day.with_day(1).unwrap_or(day),
        GroupBy::Whole => from,
    }
}

/// Checks a report's range for its grouping and cuts it at `as_of`.
fn report_range(
    from: NaiveDate,
    to: NaiveDate,
    group_by: GroupBy,
    as_of: Option<NaiveDate>,
) -> Result<NaiveDate, ApiError> {
    let days_max = match group_by {
        GroupBy::Day => REPORT_DAILY_DAYS_MAX,
        GroupBy::Week | GroupBy::Month | GroupBy::Whole => REPORT_DAYS_MAX,
    };
    check_range(from, to, days_max)?;
    Ok(as_of.map_or(to, |as_of| as_of.min(to)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceivablesParams {
    /// Business time: what was owed at the end of this day, aged by its
    /// days past due then; today when absent.
    pub as_of: Option<NaiveDate>,
    /// ISO 4217 (`EUR`): the invoices in this currency. Absent: every
    /// invoice in the company currency, what it owed converted at the
    /// rate of `as_of` (refused while no company currency is set).
    pub currency: Option<String>,
    /// Knowledge time: as the log knew it at this moment (slower).
    pub known_at: Option<DateTime<Utc>>,
    /// Customers listed, the largest debt first: 1 to 500, 50 when absent.
    pub limit: Option<usize>,
    /// Only the invoices of this branch; every branch when absent.
    pub branch: Option<Uuid>,
}

/// Open invoices and what they owe.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgedDto {
    pub invoices: i64,
    #[schema(value_type = String)]
    pub outstanding: Decimal,
}

impl From<&Aged> for AgedDto {
    fn from(aged: &Aged) -> Self {
        Self {
            invoices: aged.invoices,
            outstanding: aged.outstanding,
        }
    }
}

/// What is owed by days past due.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgeingDto {
    /// Not yet due, or due that day.
    pub current: AgedDto,
    pub days_1_to_30: AgedDto,
    pub days_31_to_60: AgedDto,
    pub days_61_to_90: AgedDto,
    pub over_90: AgedDto,
    pub total: AgedDto,
}

impl From<&Ageing> for AgeingDto {
    fn from(ageing: &Ageing) -> Self {
        Self {
            current: (&ageing.current).into(),
            days_1_to_30: (&ageing.days_1_to_30).into(),
            days_31_to_60: (&ageing.days_31_to_60).into(),
            days_61_to_90: (&ageing.days_61_to_90).into(),
            over_90: (&ageing.over_90).into(),
            total: (&ageing.total()).into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerAgeing {
    pub party: Uuid,
    pub ageing: AgeingDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivablesReport {
    pub as_of: NaiveDate,
    pub currency: String,
    /// Every currency converted into the company's (`currency` absent).
    pub converted: bool,
    /// Converted: the currencies of open invoices without any rate by
    /// `as_of`, left out.
    pub unconverted: Vec<String>,
    pub total: AgeingDto,
    /// Customers who owed something, the largest debt first (at most
    /// `limit`).
    pub customers: Vec<CustomerAgeing>,
    /// Customers who owed something, listed or not.
    pub customer_count: usize,
    /// With `known_at`: the last log position the report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// What customers owed in one currency (or in all, in the company's) at
/// the end of a day, aged by days past due, in total and per customer,
/// from the sales read model.
#[utoipa::path(get, path = "/reports/receivables", tag = TAG_REPORTS,
    params(ReceivablesParams, WaitFor),
    responses(
        (status = 200, body = ReceivablesReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn receivables_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReceivablesParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ReceivablesReport>, ApiError> {
    let currency = params
        .currency
        .as_deref()
        .map(|code| Currency::parse("currency", code))
        .transpose()?;
    let limit = PageParams {
        limit: params.limit,
        cursor: None,
    }
    .limit()?;
    wait.wait(&state).await?;
    let as_of = params.as_of.unwrap_or_else(|| state.app.now().date_naive());
    let branch = params.branch.map(BranchId::from_uuid);
    let (answer, known_position) = known(
        &state,
        &state.read_models.sales,
        params.known_at,
        move |sales| match currency {
            Some(currency) => Some((sales.receivables_in(as_of, currency, branch), Vec::new())),
            None => sales.receivables_in_company(as_of, branch),
        },
    )
    .await?;
    let Some((receivables, unconverted)) = answer else {
        return Err(ApiError::invalid(
            "currency",
            "no company currency is set: give the currency to report in",
        ));
    };
    Ok(axum::Json(ReceivablesReport {
        as_of,
        currency: receivables.currency.as_str().to_owned(),
        converted: currency.is_none(),
        unconverted: unconverted
            .iter()
            .map(|currency| currency.as_str().to_owned())
            .collect(),
        total: (&receivables.total).into(),
        customer_count: receivables.customers.len(),
        customers: receivables
            .customers
            .iter()
            .take(limit)
            .map(|(party, ageing)| CustomerAgeing {
                party: party.as_uuid(),
                ageing: ageing.into(),
            })
            .collect(),
        known_position,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsReportParams {
    /// First day (business time, UTC), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// `day` when absent.
    pub group_by: Option<GroupBy>,
    /// ISO 4217 (`EUR`): the payments in this currency. Absent: every
    /// payment in the company currency, each day's at its rate (refused
    /// while no company currency is set).
    pub currency: Option<String>,
    /// Business time: only payments up to the end of this day.
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: as the log knew it at this moment (slower).
    pub known_at: Option<DateTime<Utc>>,
    /// Only what paid this branch's invoices (a payment split over
    /// branches counts in each); every payment when absent.
    pub branch: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MethodRow {
    /// `cash`, `bank_transfer` or `card`.
    pub method: String,
    pub payments: i64,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentsRow {
    /// The first day of the row's period.
    pub period: NaiveDate,
    /// Methods that received something, cash, bank transfer, card.
    pub by_method: Vec<MethodRow>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentsReport {
    pub currency: String,
    /// Every currency converted into the company's (`currency` absent).
    pub converted: bool,
    /// Converted: the currencies paid on a day without any rate by then,
    /// left out.
    pub unconverted: Vec<String>,
    /// Periods with payments, oldest first.
    pub rows: Vec<PaymentsRow>,
    /// With `known_at`: the last log position the report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

fn method_code(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Cash => "cash",
        PaymentMethod::BankTransfer => "bank_transfer",
        PaymentMethod::Card => "card",
    }
}

/// Payments received in one currency per period and method, from the
/// sales read model.
#[utoipa::path(get, path = "/reports/payments", tag = TAG_REPORTS,
    params(PaymentsReportParams, WaitFor),
    responses(
        (status = 200, body = PaymentsReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn payments_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PaymentsReportParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<PaymentsReport>, ApiError> {
    let currency = params
        .currency
        .as_deref()
        .map(|code| Currency::parse("currency", code))
        .transpose()?;
    let group_by = params.group_by.unwrap_or(GroupBy::Day);
    let from = params.from;
    let to = report_range(from, params.to, group_by, params.as_of)?;
    wait.wait(&state).await?;
    let branch = params.branch.map(BranchId::from_uuid);
    let (answer, known_position) = known(
        &state,
        &state.read_models.sales,
        params.known_at,
        move |sales| match currency {
            Some(currency) => Some((
                currency,
                sales.payments_in(from, to, currency, branch),
                Vec::new(),
            )),
            None => {
                let company = sales.company_currency()?;
                let (days, left_out) = sales.payments_in_company(from, to, branch)?;
                Some((company, days, left_out))
            }
        },
    )
    .await?;
    let Some((answered_in, days, unconverted)) = answer else {
        return Err(ApiError::invalid(
            "currency",
            "no company currency is set: give the currency to report in",
        ));
    };
    // Days come oldest first, so each period's days are adjacent.
    let mut rows: Vec<PaymentsRow> = Vec::new();
    for day in days {
        let period = period_start(group_by, from, day.day);
        if rows.last().is_none_or(|last| last.period != period) {
            rows.push(PaymentsRow {
                period,
                by_method: Vec::new(),
                total: Decimal::ZERO,
            });
        }
        let Some(row) = rows.last_mut() else {
            continue;
        };
        row.total = row.total.saturating_add(day.total);
        for paid in day.by_method {
            let code = method_code(paid.method);
            match row.by_method.iter_mut().find(|row| row.method == code) {
                Some(method) => {
                    method.payments += paid.payments;
                    method.amount = method.amount.saturating_add(paid.amount);
                }
                None => row.by_method.push(MethodRow {
                    method: code.to_owned(),
                    payments: paid.payments,
                    amount: paid.amount,
                }),
            }
        }
    }
    Ok(axum::Json(PaymentsReport {
        currency: answered_in.as_str().to_owned(),
        converted: currency.is_none(),
        unconverted: unconverted
            .iter()
            .map(|currency| currency.as_str().to_owned())
            .collect(),
        rows,
        known_position,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockValueParams {
    /// Business time: stock at the end of this day, at the average cost
    /// recomputed in business order; today when absent.
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: as the log knew it at this moment (slower).
    pub known_at: Option<DateTime<Utc>>,
    /// Only the warehouses of this branch; every warehouse when absent.
    pub branch: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseValueRow {
    pub warehouse: Uuid,
    pub name: String,
    /// Products with stock on hand then.
    pub products: usize,
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockValueReport {
    pub as_of: NaiveDate,
    /// Warehouses that held stock, by name.
    pub rows: Vec<WarehouseValueRow>,
    #[schema(value_type = String)]
    pub total: Decimal,
    /// With `known_at`: the last log position the report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// The value of the stock in each warehouse at the end of a day, from
/// the stock read model.
#[utoipa::path(get, path = "/reports/stock-value", tag = TAG_REPORTS,
    params(StockValueParams, WaitFor),
    responses(
        (status = 200, body = StockValueReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn stock_value_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<StockValueParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<StockValueReport>, ApiError> {
    wait.wait(&state).await?;
    let as_of = params.as_of.unwrap_or_else(|| state.app.now().date_naive());
    let at = end_of(as_of);
    let branch = params.branch.map(BranchId::from_uuid);
    let (rows, known_position) = known(
        &state,
        &state.read_models.stock,
        params.known_at,
        move |stock| {
            stock
                .value_at(at)
                .into_iter()
                .filter(|value| {
                    branch.is_none_or(|branch| {
                        stock
                            .warehouse_info(value.warehouse)
                            .is_some_and(|info| info.branch == Some(branch))
                    })
                })
                .map(|value| WarehouseValueRow {
                    warehouse: value.warehouse.as_uuid(),
                    name: stock
                        .warehouse_info(value.warehouse)
                        .map(|info| info.name.clone())
                        .unwrap_or_default(),
                    products: value.products,
                    value: value.value,
                })
                .collect::<Vec<_>>()
        },
    )
    .await?;
    let total = rows
        .iter()
        .fold(Decimal::ZERO, |total, row| total.saturating_add(row.value));
    Ok(axum::Json(StockValueReport {
        as_of,
        rows,
        total,
        known_position,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects "as of a day": it includes the whole day and nothing of
    /// the next, and no date a client sends makes the server panic.
    #[test]
    fn as_of_a_day_ends_just_before_the_next_day_starts() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or(NaiveDate::MIN);
        let end = end_of(day);
        assert_eq!(end.date_naive(), day);
        assert_eq!(
            (end + TimeDelta::nanoseconds(1)).date_naive(),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or(NaiveDate::MIN)
        );
        assert!(end_of(NaiveDate::MAX) <= NaiveDate::MAX.and_time(NaiveTime::MIN).and_utc());
        assert!(end_of(NaiveDate::MIN) > NaiveDate::MIN.and_time(NaiveTime::MIN).and_utc());
    }

    /// Protects the grouping of daily figures: a week starts on its
    /// Monday, a month on its first, a whole range on its first day, and
    /// the calendar's first days do not panic.
    #[test]
    fn each_day_falls_in_the_period_its_grouping_names() {
        let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or(NaiveDate::MIN);
        let (from, thursday) = (date(3), date(26));
        assert_eq!(period_start(GroupBy::Day, from, thursday), thursday);
        assert_eq!(period_start(GroupBy::Week, from, thursday), date(23));
        assert_eq!(period_start(GroupBy::Month, from, thursday), date(1));
        assert_eq!(period_start(GroupBy::Whole, from, thursday), from);
        assert!(period_start(GroupBy::Week, NaiveDate::MIN, NaiveDate::MIN) <= NaiveDate::MIN);
    }
}
