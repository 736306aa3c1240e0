//! Reports over the CRM's read models: the sales funnel of a pipeline and
//! the managers' activity, per period, with the two times of
//! docs/api.md: `as_of` (business time: the range cut at the end of that
//! day) and `known_at` (knowledge time: the model folded from the events
//! recorded by then, on demand).
//!
//! The range limits and `group_by` are the sales report's
//! (`reports.rs`); `reports::known` is the one way a report reads a
//! model now or as known at a moment, through [`crate::known_at::read`]
//! (which bounds the folds running at once).

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use domain::ids::{BranchId, PipelineId, UserId};
use domain::pipeline::Pipeline;
use projections::models::activity::{Activity, ManagerActivity};
use projections::models::funnel::SalesFunnel;
use projections::models::quotes::{QuoteConversion, Quotes};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiQuery, WaitFor};
use super::reports::{GroupBy, REPORT_DAILY_DAYS_MAX, REPORT_DAYS_MAX};
use super::{TAG_REPORTS, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(funnel_report))
        .routes(routes!(activity_report))
}

/// The period of a CRM report and its two times.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportPeriod {
    /// First day (business time, UTC), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// `day`, `week`, `month` (the default) or `whole`.
    pub group_by: Option<GroupBy>,
    /// Business time: count only what happened up to the end of this day
    /// (the range is cut there).
    pub as_of: Option<NaiveDate>,
    /// Knowledge time: the report as the log knew it at this moment, from
    /// the events recorded by then (folded on demand: slower).
    pub known_at: Option<DateTime<Utc>>,
}

impl ReportPeriod {
    /// The periods the report has rows for, each cut to the range and to
    /// `as_of`: none when `as_of` lies before `from`.
    fn periods(&self) -> Result<Vec<(NaiveDate, NaiveDate)>, ApiError> {
        let group_by = self.group_by.unwrap_or(GroupBy::Month);
        let days_max = match group_by {
            GroupBy::Day => REPORT_DAILY_DAYS_MAX,
            _ => REPORT_DAYS_MAX,
        };
        if self.from > self.to {
            return Err(ApiError::invalid("to", "lies before from"));
        }
        if (self.to - self.from).num_days() >= days_max {
            return Err(ApiError::invalid(
                "to",
                format!("a range covers at most {days_max} days"),
            ));
        }
        let to = self.as_of.map_or(self.to, |as_of| as_of.min(self.to));
        let mut periods = Vec::new();
        let mut start = self.from;
        while start <= to {
            let end = match group_by {
                GroupBy::Day => start,
                // The Sunday ending the ISO week of `start`; checked, as
                // a date near the calendar's end has no such Sunday.
                GroupBy::Week => start
                    .checked_add_days(Days::new(u64::from(
                        6 - start.weekday().num_days_from_monday(),
                    )))
                    .unwrap_or(to),
                GroupBy::Month => start
                    .with_day(1)
                    .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
                    .and_then(|next| next.pred_opt())
                    .unwrap_or(to),
                GroupBy::Whole => to,
            }
            .min(to);
            periods.push((start, end));
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        Ok(periods)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunnelParams {
    /// The pipeline whose deals are counted.
    pub pipeline: Uuid,
    /// Only the deals of this branch (their customer's branch when they
    /// were opened); every deal when absent.
    pub branch: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelStageRow {
    pub stage: Uuid,
    /// Deals opened in the period that reached the stage.
    pub reached: i64,
    /// Percent of the previous stage's deals (of the opened deals, for the
    /// first stage); absent when that is none.
    pub conversion_percent: Option<i64>,
}

/// The funnel of the deals opened in one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelRow {
    /// The first day of the row's period that lies in the range.
    pub period: NaiveDate,
    pub opened: i64,
    /// The pipeline's active stages in order.
    pub stages: Vec<FunnelStageRow>,
    pub won: i64,
    pub lost: i64,
    /// How the quotes of the pipeline's deals first sent in the period
    /// converted.
    pub quotes: QuoteConversionRow,
}

/// Of the quotes first sent in a period: how many were accepted,
/// declined, expired or still wait, and what they were worth.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct QuoteConversionRow {
    pub sent: u64,
    pub accepted: u64,
    pub declined: u64,
    pub expired: u64,
    pub open: u64,
    /// Accepted of sent, in whole percent; absent when none was sent.
    pub conversion_percent: Option<u64>,
    /// Net values sent and accepted, per currency.
    pub value: Vec<QuoteValueRow>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteValueRow {
    pub currency: String,
    #[schema(value_type = String)]
    pub sent: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub accepted: rust_decimal::Decimal,
    /// Accepted of sent value, in whole percent; absent when nothing was
    /// sent.
    pub conversion_percent: Option<u64>,
}

impl From<QuoteConversion> for QuoteConversionRow {
    fn from(conversion: QuoteConversion) -> Self {
        Self {
            sent: conversion.sent,
            accepted: conversion.accepted,
            declined: conversion.declined,
            expired: conversion.expired,
            open: conversion.open,
            conversion_percent: conversion.rate_percent(),
            value: conversion
                .value
                .iter()
                .map(|(currency, value)| QuoteValueRow {
                    currency: currency.as_str().to_owned(),
                    sent: value.sent,
                    accepted: value.accepted,
                    conversion_percent: (!value.sent.is_zero())
                        .then(|| {
                            use rust_decimal::prelude::ToPrimitive;
                            (value.accepted * rust_decimal::Decimal::ONE_HUNDRED / value.sent)
                                .trunc()
                                .to_u64()
                        })
                        .flatten(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelReport {
    pub pipeline: Uuid,
    pub rows: Vec<FunnelRow>,
    /// With `known_at`: the last log position recorded by then, which the
    /// report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// The sales funnel of a pipeline per period, from the sales funnel read
/// model: of the deals opened in each period, how many reached each
/// stage, were won or lost.
#[utoipa::path(get, path = "/reports/funnel", tag = TAG_REPORTS,
    params(FunnelParams, ReportPeriod, WaitFor),
    responses(
        (status = 200, body = FunnelReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn funnel_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FunnelParams>,
    ApiQuery(period): ApiQuery<ReportPeriod>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<FunnelReport>, ApiError> {
    let periods = period.periods()?;
    if load::<Pipeline>(&state, params.pipeline)?.0.is_none() {
        return Err(ApiError::NotFound(format!("pipeline {}", params.pipeline)));
    }
    wait.wait(&state).await?;
    let pipeline = PipelineId::from_uuid(params.pipeline);
    let branch = params.branch.map(BranchId::from_uuid);
    let quote_periods = periods.clone();
    let (quotes, _) = super::reports::known::<Quotes, _>(
        &state,
        &state.read_models.quotes,
        period.known_at,
        move |quotes| {
            quote_periods
                .iter()
                .map(|(from, to)| quotes.conversion(*from, *to, Some(Some(pipeline)), branch))
                .collect::<Vec<_>>()
        },
    )
    .await?;
    let (rows, known_position) = super::reports::known::<SalesFunnel, _>(
        &state,
        &state.read_models.sales_funnel,
        period.known_at,
        move |funnel| {
            periods
                .iter()
                .map(|(from, to)| {
                    let figures = funnel.funnel_in(pipeline, *from, *to, branch);
                    FunnelRow {
                        period: *from,
                        opened: figures.opened,
                        stages: figures
                            .stages
                            .iter()
                            .map(|stage| FunnelStageRow {
                                stage: stage.stage.as_uuid(),
                                reached: stage.reached,
                                conversion_percent: stage.conversion_percent,
                            })
                            .collect(),
                        won: figures.won,
                        lost: figures.lost,
                        quotes: QuoteConversionRow::default(),
                    }
                })
                .collect::<Vec<_>>()
        },
    )
    .await?;
    let rows = rows
        .into_iter()
        .zip(quotes)
        .map(|(row, quotes)| FunnelRow {
            quotes: quotes.into(),
            ..row
        })
        .collect();
    Ok(axum::Json(FunnelReport {
        pipeline: params.pipeline,
        rows,
        known_position,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// One manager's activity; everyone's when absent.
    pub manager: Option<Uuid>,
    /// Only the managers of this branch (as the users' directory has
    /// them now); everyone when absent.
    pub branch: Option<Uuid>,
}

/// What the managers did in one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityRow {
    /// The first day of the row's period that lies in the range.
    pub period: NaiveDate,
    pub calls: i64,
    pub call_seconds: i64,
    pub emails: i64,
    pub meetings: i64,
    pub notes: i64,
    pub tasks_completed: i64,
    pub deals_opened: i64,
    pub deals_won: i64,
    pub deals_lost: i64,
    /// Won amounts per currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub amount_won: BTreeMap<String, Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityReport {
    /// Periods without activity are left out.
    pub rows: Vec<ActivityRow>,
    /// With `known_at`: the last log position recorded by then, which the
    /// report includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
}

/// The managers' activity (calls, emails, meetings, notes, completed
/// tasks, deals opened, won and lost) per period, from the manager
/// activity read model.
#[utoipa::path(get, path = "/reports/activity", tag = TAG_REPORTS,
    params(ActivityParams, ReportPeriod, WaitFor),
    responses(
        (status = 200, body = ActivityReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn activity_report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ActivityParams>,
    ApiQuery(period): ApiQuery<ReportPeriod>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<ActivityReport>, ApiError> {
    let periods = period.periods()?;
    wait.wait(&state).await?;
    let manager = params.manager.map(UserId::from_uuid);
    // The branch's managers, read before the activity model's lock.
    let of_branch: Option<std::collections::HashSet<UserId>> = params.branch.map(|branch| {
        let branch = Some(BranchId::from_uuid(branch));
        state.read_models.users.read(|users| {
            users
                .users()
                .filter(|(_, row)| row.branch == branch)
                .map(|(id, _)| id)
                .collect()
        })
    });
    let (rows, known_position) = super::reports::known::<ManagerActivity, _>(
        &state,
        &state.read_models.manager_activity,
        period.known_at,
        move |activity| {
            let (Some((first, _)), Some((_, last))) = (periods.first(), periods.last()) else {
                return Vec::new();
            };
            let days = activity.by_day_of(*first, *last, |user| {
                manager.is_none_or(|manager| manager == user)
                    && of_branch
                        .as_ref()
                        .is_none_or(|managers| managers.contains(&user))
            });
            let mut days = days.iter().peekable();
            let mut rows = Vec::new();
            for (from, to) in &periods {
                let mut total = Activity::default();
                while let Some((_, day)) = days.next_if(|(day, _)| day <= to) {
                    total.add(day);
                }
                if !total.is_empty() {
                    rows.push(activity_row(*from, total));
                }
            }
            rows
        },
    )
    .await?;
    Ok(axum::Json(ActivityReport {
        rows,
        known_position,
    }))
}

fn activity_row(period: NaiveDate, total: Activity) -> ActivityRow {
    ActivityRow {
        period,
        calls: total.calls,
        call_seconds: total.call_seconds,
        emails: total.emails,
        meetings: total.meetings,
        notes: total.notes,
        tasks_completed: total.tasks_completed,
        deals_opened: total.deals_opened,
        deals_won: total.deals_won,
        deals_lost: total.deals_lost,
        amount_won: total
            .amount_won
            .into_iter()
            .map(|(currency, amount)| (currency.as_str().to_owned(), amount))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str, group_by: GroupBy, as_of: Option<&str>) -> ReportPeriod {
        let date = |text: &str| text.parse::<NaiveDate>().unwrap_or_default();
        ReportPeriod {
            from: date(from),
            to: date(to),
            group_by: Some(group_by),
            as_of: as_of.map(date),
            known_at: None,
        }
    }

    fn starts(period: &ReportPeriod) -> Vec<String> {
        period
            .periods()
            .unwrap_or_default()
            .iter()
            .map(|(from, to)| format!("{from}..{to}"))
            .collect()
    }

    /// Protects the rows a CRM report has: weeks end on Sundays and
    /// months on their last day, the first and last are cut to the range,
    /// `as_of` cuts the range (to nothing when before it), and a date at
    /// the calendar's end makes no panic.
    #[test]
    fn periods_are_cut_to_the_range_and_to_as_of() {
        assert_eq!(
            starts(&period("2026-01-28", "2026-02-10", GroupBy::Week, None)),
            [
                "2026-01-28..2026-02-01",
                "2026-02-02..2026-02-08",
                "2026-02-09..2026-02-10"
            ]
        );
        assert_eq!(
            starts(&period(
                "2026-01-28",
                "2026-03-03",
                GroupBy::Month,
                Some("2026-02-14")
            )),
            ["2026-01-28..2026-01-31", "2026-02-01..2026-02-14"]
        );
        assert!(
            starts(&period(
                "2026-01-28",
                "2026-03-03",
                GroupBy::Whole,
                Some("2026-01-01")
            ))
            .is_empty()
        );
        let end = period("+262142-12-25", "+262142-12-31", GroupBy::Week, None);
        assert_eq!(end.periods().map(|periods| periods.len()).unwrap_or(0), 2);
        let reversed = period("2026-02-01", "2026-01-01", GroupBy::Day, None);
        assert!(reversed.periods().is_err());
    }
}
