//! The dashboard: the director's figures for today and for a chosen
//! period, sales by day as a bar chart, and charts of the sales funnel
//! (deals opened in the period), stock value per warehouse and
//! receivables by age (today).
//!
//! Filtered by a branch, every figure and chart is that branch's (its
//! orders, the payments of its invoices, its warehouses, the deals of its
//! customers); without a filter, the head office also sees the branches
//! side by side.
//!
//! The figures live in a fragment (`/dashboard/figures`) that htmx fetches
//! again every few seconds, so they follow the log as events land without
//! a reload. Today is the UTC business day, as in the read models.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::{Datelike, Duration, NaiveDate};
use domain::ids::BranchId;
use domain::values::Currency;
use projections::models::kpis::{CompanyKpis, Kpis};
use projections::models::sales::{Period, ReportCurrency, ReportQuery};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Viewer;
use super::branch_names::{branch_filter_choices, branch_name};
use super::chart::{self, Bar};
use super::format;
use super::forms::OwnedChoice;
use super::i18n::{Lang, Tr};
use super::reports::AGE_BUCKETS;
use super::{Page, Section, query_string};
use crate::AppState;

/// Days in the default period, ending today.
const DEFAULT_PERIOD_DAYS: i64 = 30;
/// The longest period the dashboard shows (a chart bar per day).
const PERIOD_DAYS_MAX: i64 = 366;
/// How often the figures are fetched again.
const REFRESH_SECONDS: u32 = 2;
/// Warehouses drawn one by one in the stock chart; the rest are summed
/// in one row.
const STOCK_WAREHOUSES_SHOWN: usize = 12;

/// The period picker's fields as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// A branch's id; every branch when empty.
    #[serde(default)]
    branch: String,
}

impl PeriodForm {
    fn query(&self) -> String {
        query_string(&[
            ("from", &self.from),
            ("to", &self.to),
            ("branch", &self.branch),
        ])
    }
}

/// The branch the form asks for: `Ok(None)` for every branch.
fn parse_branch(form: &PeriodForm) -> Result<Option<BranchId>, &'static str> {
    match form.branch.trim() {
        "" => Ok(None),
        raw => raw.parse().map(Some).map_err(|_| "form-choose"),
    }
}

/// A period read from the form, with an error per field the user must fix.
#[derive(Debug)]
struct PeriodChoice {
    from: NaiveDate,
    to: NaiveDate,
    from_error: Option<&'static str>,
    to_error: Option<&'static str>,
}

fn parse_period(form: &PeriodForm, today: NaiveDate) -> PeriodChoice {
    let default_from = today - Duration::days(DEFAULT_PERIOD_DAYS - 1);
    let parse = |raw: &str, default: NaiveDate| -> (NaiveDate, Option<&'static str>) {
        let raw = raw.trim();
        if raw.is_empty() {
            return (default, None);
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(day) => (day, None),
            Err(_) => (default, Some("error-date")),
        }
    };
    let (from, mut from_error) = parse(&form.from, default_from);
    let (to, to_error) = parse(&form.to, today);
    let mut period = PeriodChoice {
        from,
        to,
        from_error: None,
        to_error,
    };
    if from_error.is_none() && period.to_error.is_none() {
        if from > to {
            from_error = Some("error-period-order");
        } else if (to - from).num_days() >= PERIOD_DAYS_MAX {
            from_error = Some("error-period-long");
        }
    }
    period.from_error = from_error;
    if period.from_error.is_some() || period.to_error.is_some() {
        // Show the default period's figures while the form asks for a fix.
        period.from = default_from;
        period.to = today;
    }
    period
}

/// One figure on a card.
#[derive(Debug)]
pub struct Card {
    /// Stable name for tests and styling: `sales-today`, `payments-period`…
    pub key: String,
    pub label: String,
    pub value: String,
    /// Under the value: what a company-currency total is made of.
    pub detail: Option<String>,
    pub note: String,
}

/// A chart of rows, ready to show.
#[derive(Debug)]
pub struct RowChart {
    /// Stable name for tests: `funnel`, `stock`, `ageing`.
    pub key: &'static str,
    pub heading: String,
    /// Built from escaped text by [`chart::rows`]; empty when there is
    /// nothing to draw (the caption says so).
    pub svg: String,
    pub caption: String,
}

/// The live part of the dashboard.
#[derive(Debug)]
pub struct Figures {
    pub refresh_url: String,
    pub refresh_every: String,
    pub today_heading: String,
    pub today: Vec<Card>,
    pub period_heading: String,
    pub period: Vec<Card>,
    pub chart_heading: String,
    /// The chart's SVG, built from escaped text by [`chart::bars`].
    pub chart_svg: String,
    pub chart_caption: String,
    pub row_charts: Vec<RowChart>,
    /// The branches side by side: shown without a branch filter once
    /// branches have figures.
    pub branches: Option<BranchTable>,
    pub live_note: String,
}

/// The head office's view: each branch's figures in a row.
#[derive(Debug)]
pub struct BranchTable {
    pub heading: String,
    pub branch_column: String,
    /// Over the columns of today's figures, the period's, and the last.
    pub today_group: String,
    pub period_group: String,
    pub overdue_column: String,
    /// Today's two columns, then the period's four.
    pub columns: Vec<String>,
    pub rows: Vec<BranchRow>,
}

#[derive(Debug)]
pub struct BranchRow {
    /// The branch's id (empty for "no branch"), for the row's link.
    pub id: String,
    pub name: String,
    /// The link to the dashboard filtered by the branch.
    pub url: Option<String>,
    pub cells: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    page: Page,
    /// The viewer's open tasks whose reminder was delivered.
    reminders: Vec<ReminderLine>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    branches: Vec<OwnedChoice>,
    branch_error: Option<String>,
    figures: Figures,
}

/// A delivered reminder of an open task, or of a meeting not over yet, of
/// the viewer's or of one of their groups, on the dashboard.
#[derive(Debug)]
pub struct ReminderLine {
    pub title: String,
    /// The task's or the meeting's page.
    pub href: String,
    pub when: String,
    /// A task's due time.
    pub due: Option<String>,
    /// A meeting's start.
    pub starts: Option<String>,
}

/// Reminders listed on the dashboard, at most.
const REMINDERS_SHOWN: usize = 10;

fn reminders(state: &AppState, viewer: &Viewer) -> Vec<ReminderLine> {
    let Some(user) = viewer.principal.as_ref().map(|principal| principal.user) else {
        return Vec::new();
    };
    // The user's own and their groups': a group's task is each member's.
    let mut mine = vec![domain::planning::Assignee::User(user)];
    mine.extend(
        super::assignees::groups_of(state, user)
            .into_iter()
            .map(domain::planning::Assignee::Group),
    );
    let lang = viewer.lang;
    // (remind at, line) of tasks, then of meetings not over yet.
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, ReminderLine)> =
        state.read_models.tasks.read(|tasks| {
            mine.iter()
                .flat_map(|assignee| tasks.reminded(*assignee, REMINDERS_SHOWN))
                .filter_map(|row| {
                    let at = row.remind_at?;
                    Some((
                        at,
                        ReminderLine {
                            title: row.title.clone(),
                            href: format!("/tasks/{}", row.id),
                            when: format::date_time(lang, at),
                            due: row.due.map(|due| format::date_time(lang, due)),
                            starts: None,
                        },
                    ))
                })
                .collect()
        });
    let now = state.app.now();
    state.read_models.calendar.read(|calendar| {
        lines.extend(
            calendar
                .reminded(&mine, now, REMINDERS_SHOWN)
                .into_iter()
                .filter_map(|row| {
                    let at = row.remind_at()?;
                    Some((
                        at,
                        ReminderLine {
                            title: row.title.clone(),
                            href: format!("/calendar/entries/{}", row.id),
                            when: format::date_time(lang, at),
                            due: None,
                            starts: Some(format::date_time(lang, row.starts_at)),
                        },
                    ))
                }),
        );
    });
    // The latest reminder first.
    lines.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.href.cmp(&b.1.href)));
    lines.dedup_by(|a, b| a.1.href == b.1.href);
    lines
        .into_iter()
        .take(REMINDERS_SHOWN)
        .map(|(_, line)| line)
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard_figures.html")]
pub struct FiguresFragment {
    figures: Figures,
}

/// Amounts per currency, or "nothing yet".
fn amounts(tr: Tr, amounts: &BTreeMap<Currency, Decimal>) -> String {
    let shown: Vec<String> = amounts
        .iter()
        .map(|(currency, amount)| format::money(tr.lang, *amount, *currency))
        .collect();
    if shown.is_empty() {
        format::integer(tr.lang, 0)
    } else {
        shown.join(" · ")
    }
}

/// A money figure of every currency: with a company currency and
/// amounts in others, their total in it, each currency's amount its
/// detail; else the amounts per currency. Without a rate for some
/// currency there is no honest total: the amounts per currency, and the
/// detail says why.
fn money_figure(
    tr: Tr,
    by_currency: &BTreeMap<Currency, Decimal>,
    company: Option<(&CompanyKpis, Decimal)>,
) -> (String, Option<String>) {
    let Some((in_company, total)) = company else {
        return (amounts(tr, by_currency), None);
    };
    let foreign: Vec<Currency> = by_currency
        .keys()
        .copied()
        .filter(|currency| *currency != in_company.currency)
        .collect();
    if foreign.is_empty() {
        return (amounts(tr, by_currency), None);
    }
    if foreign
        .iter()
        .any(|currency| in_company.unconverted.contains(currency))
    {
        let codes: Vec<&str> = in_company
            .unconverted
            .iter()
            .map(Currency::as_str)
            .collect();
        let detail = tr.t1("kpi-no-rate", "currencies", &codes.join(", "));
        return (amounts(tr, by_currency), Some(detail));
    }
    (
        format::money(tr.lang, total, in_company.currency),
        Some(amounts(tr, by_currency)),
    )
}

fn cards(tr: Tr, kpis: &Kpis, suffix: &str, is_day: bool) -> Vec<Card> {
    let lang = tr.lang;
    let overdue_count: i64 = kpis.overdue.values().map(|overdue| overdue.invoices).sum();
    let overdue_amounts: BTreeMap<Currency, Decimal> = kpis
        .overdue
        .iter()
        .map(|(currency, overdue)| (*currency, overdue.amount))
        .collect();
    let company = kpis.in_company.as_ref();
    let (sales, sales_detail) = money_figure(
        tr,
        &kpis.order_intake,
        company.map(|company| (company, company.order_intake)),
    );
    let (payments, payments_detail) = money_figure(
        tr,
        &kpis.payments,
        company.map(|company| (company, company.payments)),
    );
    let (overdue, overdue_detail) = money_figure(
        tr,
        &overdue_amounts,
        company.map(|company| (company, company.overdue)),
    );
    let units_note = if is_day {
        tr.t1(
            "kpi-units-week-note",
            "date",
            &format::date(lang, kpis.units_from),
        )
    } else {
        tr.t("kpi-units-period-note")
    };
    vec![
        Card {
            key: format!("sales-{suffix}"),
            label: tr.t("kpi-sales"),
            value: sales,
            detail: sales_detail,
            note: tr.t("kpi-sales-note"),
        },
        Card {
            key: format!("orders-{suffix}"),
            label: tr.t("kpi-orders"),
            value: format::integer(lang, kpis.orders),
            detail: None,
            note: tr.t("kpi-orders-note"),
        },
        Card {
            key: format!("payments-{suffix}"),
            label: tr.t("kpi-payments"),
            value: payments,
            detail: payments_detail,
            note: tr.t("kpi-payments-note"),
        },
        Card {
            key: format!("units-{suffix}"),
            label: tr.t("kpi-units"),
            value: format::quantity(lang, kpis.units_shipped),
            detail: None,
            note: units_note,
        },
        Card {
            key: format!("overdue-{suffix}"),
            label: tr.t("kpi-overdue"),
            value: overdue,
            detail: overdue_detail,
            note: tr.plural(
                "kpi-overdue-note",
                overdue_count,
                &format::integer(lang, overdue_count),
            ),
        },
    ]
}

/// Today's buying: open purchase orders, what they still await, how many
/// are late (of the branch's orders, with a branch).
fn buying_card(state: &AppState, tr: Tr, today: NaiveDate, branch: Option<BranchId>) -> Card {
    let figures = state
        .read_models
        .purchases
        .read(|purchases| purchases.figures_on(today, branch.map(Some)));
    let open = i64::try_from(figures.open_orders).unwrap_or(i64::MAX);
    let late = i64::try_from(figures.late_orders).unwrap_or(i64::MAX);
    Card {
        key: "purchasing-today".to_owned(),
        label: tr.t("kpi-purchasing"),
        value: amounts(tr, &figures.open_value),
        detail: None,
        note: tr.counted(
            "kpi-purchasing-note",
            open,
            &[
                ("shown", &format::integer(tr.lang, open)),
                ("late", &format::integer(tr.lang, late)),
            ],
        ),
    }
}

/// Today's deliveries: how many are late (still to make after their
/// day) and how many failed and wait to be planned again or returned (of
/// the branch's, with a branch).
fn deliveries_card(state: &AppState, tr: Tr, today: NaiveDate, branch: Option<BranchId>) -> Card {
    let figures = state
        .read_models
        .deliveries
        .read(|deliveries| deliveries.figures(today, branch));
    let count = |value: u64| format::integer(tr.lang, i64::try_from(value).unwrap_or(i64::MAX));
    Card {
        key: "deliveries-today".to_owned(),
        label: tr.t("dashboard-late-deliveries"),
        value: count(figures.late),
        detail: None,
        note: tr.t2(
            "dashboard-deliveries-note",
            "failed",
            &count(figures.failed),
            "today",
            &count(figures.today),
        ),
    }
}

/// Units made on `from` to `to` (of the branch's production orders, with a
/// branch); for today, with the week's units and the orders still open.
fn production_card(
    state: &AppState,
    tr: Tr,
    (from, to): (NaiveDate, NaiveDate),
    branch: Option<BranchId>,
    key: &str,
) -> Card {
    let monday = to - chrono::Days::new(u64::from(to.weekday().num_days_from_monday()));
    let (span, week) = state.read_models.production.read(|production| {
        (
            production.figures_over(from, to, branch.map(Some)),
            production.figures_over(monday, to, branch.map(Some)),
        )
    });
    Card {
        key: key.to_owned(),
        label: tr.t("dashboard-production"),
        value: format::quantity(tr.lang, span.produced),
        detail: None,
        note: tr.t2(
            "dashboard-production-week",
            "units",
            &format::quantity(tr.lang, week.produced),
            "open",
            &format::integer(tr.lang, i64::try_from(span.open_orders).unwrap_or(i64::MAX)),
        ),
    }
}

fn figures(
    state: &AppState,
    lang: Lang,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    branch: Option<BranchId>,
) -> Figures {
    let tr = Tr::new(lang);
    let (on_today, over_period) = match branch {
        None => state
            .read_models
            .director_kpis
            .read(|kpis| (kpis.on(today), kpis.over(from, to))),
        Some(branch) => state.read_models.sales.read(|sales| {
            (
                sales.branch_kpis_on(Some(branch), today),
                sales.branch_kpis_over(Some(branch), from, to),
            )
        }),
    };
    // In the company currency once set (every currency converted), else
    // in the first currency sold in.
    let (currency, counted, report) = state.read_models.sales.read(|sales| {
        let counted = match sales.company_currency() {
            Some(company) => Some((company, ReportCurrency::Company)),
            None => sales
                .currencies()
                .first()
                .map(|first| (*first, ReportCurrency::Only(*first))),
        };
        let rows = counted.map(|(_, counted)| {
            sales.report(&ReportQuery {
                from,
                to,
                currency: counted,
                period: Period::Day,
                dimension: None,
                branch,
            })
        });
        (
            counted.map(|(currency, _)| currency),
            counted.map(|(_, counted)| counted),
            rows.unwrap_or_default(),
        )
    });
    let by_day: BTreeMap<NaiveDate, Decimal> = report
        .into_iter()
        .map(|row| (row.period, row.figures.order_net))
        .collect();
    let (chart_svg, chart_caption) = match currency {
        Some(currency) if !by_day.is_empty() => {
            let bars: Vec<Bar> = from
                .iter_days()
                .take_while(|day| *day <= to)
                .map(|day| {
                    let value = by_day.get(&day).copied().unwrap_or_default();
                    Bar {
                        label: format::date(lang, day),
                        value,
                        shown: format::money(lang, value, currency),
                    }
                })
                .collect();
            let max = bars.iter().map(|bar| bar.value).max().unwrap_or_default();
            (
                chart::bars(
                    &tr.t("chart-sales-by-day"),
                    &bars,
                    &format::money(lang, max, currency),
                    lang.is_rtl(),
                ),
                tr.t1("chart-sales-caption", "currency", currency.as_str()),
            )
        }
        _ => (String::new(), tr.t("chart-no-sales")),
    };
    let row_charts = vec![
        funnel_chart(state, tr, from, to, branch),
        stock_chart(state, tr, branch),
        ageing_chart(state, tr, currency.zip(counted), today, branch),
    ];
    let range = format!("{} – {}", format::date(lang, from), format::date(lang, to));
    let (today_heading, period_heading) = {
        let today = tr.t1("dashboard-today", "date", &format::date(lang, today));
        let period = tr.t1("dashboard-period", "range", &range);
        match branch {
            Some(branch) => {
                let name = branch_name(state, tr, Some(branch));
                (format!("{today} · {name}"), format!("{period} · {name}"))
            }
            None => (today, period),
        }
    };
    let branch_text = branch.map(|branch| branch.to_string()).unwrap_or_default();
    Figures {
        row_charts,
        branches: match branch {
            None => branch_table(state, tr, from, to, today),
            Some(_) => None,
        },
        refresh_url: format!(
            "/dashboard/figures?{}",
            query_string(&[
                ("from", &from.to_string()),
                ("to", &to.to_string()),
                ("branch", &branch_text),
            ])
        ),
        refresh_every: format!("every {REFRESH_SECONDS}s"),
        today_heading,
        today: {
            let mut today_cards = cards(tr, &on_today, "today", true);
            today_cards.push(buying_card(state, tr, today, branch));
            today_cards.push(production_card(
                state,
                tr,
                (today, today),
                branch,
                "production-today",
            ));
            today_cards.push(deliveries_card(state, tr, today, branch));
            today_cards
        },
        period_heading,
        period: {
            let mut period_cards = cards(tr, &over_period, "period", false);
            period_cards.push(production_card(
                state,
                tr,
                (from, to),
                branch,
                "production-period",
            ));
            period_cards
        },
        chart_heading: tr.t("chart-sales-by-day"),
        chart_svg,
        chart_caption,
        live_note: tr.t1(
            "dashboard-live-note",
            "events",
            &format::integer(
                lang,
                i64::try_from(state.log.head().position).unwrap_or(i64::MAX),
            ),
        ),
    }
}

/// A pipeline's id, name and active stages (id, name) in order.
type PipelineStages = (
    domain::ids::PipelineId,
    String,
    Vec<(domain::ids::StageId, String)>,
);

/// A count as a chart bar.
fn count_bar(lang: Lang, label: String, count: i64) -> Bar {
    Bar {
        label,
        value: Decimal::from(count),
        shown: format::integer(lang, count),
    }
}

/// The funnel of the deals opened in the period, for the first pipeline
/// (by name) that opened any; stages with their conversion from the step
/// before.
fn funnel_chart(
    state: &AppState,
    tr: Tr,
    from: NaiveDate,
    to: NaiveDate,
    branch: Option<BranchId>,
) -> RowChart {
    let lang = tr.lang;
    let pipelines: Vec<PipelineStages> = state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .map(|row| {
                let stages = row
                    .stages
                    .iter()
                    .map(|stage| (stage.id, stage.name.clone()))
                    .collect();
                (row.id, row.name.clone(), stages)
            })
            .collect()
    });
    let found = state.read_models.sales_funnel.read(|model| {
        pipelines
            .iter()
            .map(|(id, name, stages)| (name, stages, model.funnel_in(*id, from, to, branch)))
            .find(|(_, _, funnel)| funnel.opened > 0)
    });
    let heading = tr.t("chart-funnel");
    let Some((name, stages, funnel)) = found else {
        return RowChart {
            key: "funnel",
            heading,
            svg: String::new(),
            caption: tr.t("chart-funnel-none"),
        };
    };
    let mut bars = vec![count_bar(lang, tr.t("chart-funnel-opened"), funnel.opened)];
    for stage in &funnel.stages {
        let name = stages
            .iter()
            .find(|(id, _)| *id == stage.stage)
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        let mut bar = count_bar(lang, name, stage.reached);
        if let Some(percent) = stage.conversion_percent {
            bar.shown = format!("{} ({} %)", bar.shown, format::integer(lang, percent));
        }
        bars.push(bar);
    }
    bars.push(count_bar(lang, tr.t("chart-funnel-won"), funnel.won));
    bars.push(count_bar(lang, tr.t("chart-funnel-lost"), funnel.lost));
    let caption = tr.t1("chart-funnel-caption", "pipeline", name);
    RowChart {
        key: "funnel",
        svg: chart::rows(&heading, &bars, lang.is_rtl()),
        heading,
        caption,
    }
}

/// Stock on hand at its moving average cost, per warehouse (of `branch`,
/// or all) and in total.
fn stock_chart(state: &AppState, tr: Tr, branch: Option<BranchId>) -> RowChart {
    let lang = tr.lang;
    // Values from the running figures (a binary search per stock line),
    // not from full balances, which also sum every line's reservations.
    let values: Vec<(String, Decimal)> = state.read_models.stock.read(|stock| {
        let valued: BTreeMap<_, Decimal> = stock
            .value_at(state.app.now())
            .into_iter()
            .map(|value| (value.warehouse, value.value))
            .collect();
        stock
            .warehouses()
            .into_iter()
            .filter(|(_, info)| branch.is_none_or(|branch| info.branch == Some(branch)))
            .map(|(id, info)| {
                (
                    info.name.clone(),
                    valued.get(&id).copied().unwrap_or_default(),
                )
            })
            .collect()
    });
    let total = values.iter().fold(Decimal::ZERO, |total, (_, value)| {
        total.saturating_add(*value)
    });
    let heading = tr.t1("chart-stock", "total", &format::decimal(lang, total, 2));
    if values.is_empty() {
        return RowChart {
            key: "stock",
            heading,
            svg: String::new(),
            caption: tr.t("chart-stock-none"),
        };
    }
    let mut bars: Vec<Bar> = values
        .iter()
        .take(STOCK_WAREHOUSES_SHOWN)
        .map(|(name, value)| Bar {
            label: name.clone(),
            value: *value,
            shown: format::decimal(lang, *value, 2),
        })
        .collect();
    if values.len() > STOCK_WAREHOUSES_SHOWN {
        let rest = values
            .iter()
            .skip(STOCK_WAREHOUSES_SHOWN)
            .fold(Decimal::ZERO, |total, (_, value)| {
                total.saturating_add(*value)
            });
        bars.push(Bar {
            label: tr.t("chart-stock-other"),
            value: rest,
            shown: format::decimal(lang, rest, 2),
        });
    }
    RowChart {
        key: "stock",
        svg: chart::rows(&heading, &bars, lang.is_rtl()),
        heading,
        caption: tr.t("chart-stock-caption"),
    }
}

/// What customers owe at the end of today, by days past due.
fn ageing_chart(
    state: &AppState,
    tr: Tr,
    counted: Option<(Currency, ReportCurrency)>,
    today: NaiveDate,
    branch: Option<BranchId>,
) -> RowChart {
    let lang = tr.lang;
    let heading = tr.t("chart-ageing");
    let Some((currency, counted)) = counted else {
        return RowChart {
            key: "ageing",
            heading,
            svg: String::new(),
            caption: tr.t("chart-ageing-none"),
        };
    };
    let ageing = state.read_models.sales.read(|sales| match counted {
        ReportCurrency::Only(currency) => sales.receivables_total_in(today, currency, branch),
        ReportCurrency::Company => sales
            .receivables_in_company(today, branch)
            .map(|(receivables, _)| receivables.total)
            .unwrap_or_default(),
    });
    let bars: Vec<Bar> = AGE_BUCKETS
        .iter()
        .map(|(bucket, id)| {
            let aged = ageing.bucket(*bucket);
            Bar {
                label: tr.t(id),
                value: aged.outstanding,
                shown: format::money(lang, aged.outstanding, currency),
            }
        })
        .collect();
    RowChart {
        key: "ageing",
        svg: chart::rows(&heading, &bars, lang.is_rtl()),
        heading,
        caption: tr.t1(
            "chart-ageing-caption",
            "total",
            &format::money(lang, ageing.total().outstanding, currency),
        ),
    }
}

/// The branches side by side: today's and the period's figures of every
/// branch with any, by name, then those of orders without a branch;
/// `None` until some branch has figures.
fn branch_table(
    state: &AppState,
    tr: Tr,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Option<BranchTable> {
    let lang = tr.lang;
    let named: Vec<(BranchId, String)> = state.read_models.users.read(|users| {
        users
            .branches()
            .into_iter()
            .map(|(id, row)| (id, format!("{} ({})", row.name, row.code)))
            .collect()
    });
    let mut branches: Vec<(Option<BranchId>, String)> = named
        .into_iter()
        .map(|(id, name)| (Some(id), name))
        .collect();
    // Branches that sold before an administrator named them, too.
    let sold: Vec<Option<BranchId>> = state
        .read_models
        .sales
        .read(|sales| sales.branches_with_figures());
    for branch in sold {
        if let Some(id) = branch
            && !branches.iter().any(|(known, _)| *known == Some(id))
        {
            branches.push((Some(id), branch_name(state, tr, Some(id))));
        }
    }
    branches.push((None, tr.t("branch-none")));
    // A cell holds the company-currency total alone: the cards above
    // show what it is made of.
    let money = |kpis: &Kpis,
                 by_currency: &BTreeMap<Currency, Decimal>,
                 total: fn(&CompanyKpis) -> Decimal| {
        let company = kpis.in_company.as_ref();
        money_figure(
            tr,
            by_currency,
            company.map(|company| (company, total(company))),
        )
        .0
    };
    let rows: Vec<BranchRow> = state.read_models.sales.read(|sales| {
        branches
            .iter()
            .filter_map(|(branch, name)| {
                let day = sales.branch_kpis_on(*branch, today);
                let period = sales.branch_kpis_over(*branch, from, to);
                let overdue: BTreeMap<Currency, Decimal> = period
                    .overdue
                    .iter()
                    .map(|(currency, overdue)| (*currency, overdue.amount))
                    .collect();
                let empty = day.orders == 0
                    && period.orders == 0
                    && period.payments.is_empty()
                    && overdue.is_empty()
                    && period.units_shipped.is_zero();
                // A named branch always has its row; "no branch" only
                // when something landed there.
                if empty && branch.is_none() {
                    return None;
                }
                Some(BranchRow {
                    id: branch.map(|id| id.to_string()).unwrap_or_default(),
                    name: name.clone(),
                    url: branch.map(|id| {
                        let form = PeriodForm {
                            from: from.to_string(),
                            to: to.to_string(),
                            branch: id.to_string(),
                        };
                        format!("/?{}", form.query())
                    }),
                    cells: vec![
                        money(&day, &day.order_intake, |company| company.order_intake),
                        format::integer(lang, day.orders),
                        money(&period, &period.order_intake, |company| {
                            company.order_intake
                        }),
                        format::integer(lang, period.orders),
                        money(&period, &period.payments, |company| company.payments),
                        format::quantity(lang, period.units_shipped),
                        money(&period, &overdue, |company| company.overdue),
                    ],
                })
            })
            .collect()
    });
    if rows.iter().all(|row| row.id.is_empty()) {
        // No branch at all: the company's figures above say it all.
        return None;
    }
    Some(BranchTable {
        heading: tr.t("dashboard-branches"),
        branch_column: tr.t("dashboard-branch"),
        today_group: tr.t("dashboard-branch-today"),
        period_group: tr.t("dashboard-branch-period"),
        overdue_column: tr.t("dashboard-branch-overdue"),
        columns: [
            "kpi-sales",
            "kpi-orders",
            "kpi-sales",
            "kpi-orders",
            "kpi-payments",
            "kpi-units",
        ]
        .iter()
        .map(|id| tr.t(id))
        .collect(),
        rows,
    })
}

/// `GET /`: the dashboard, with the period picker.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<PeriodForm>,
) -> DashboardPage {
    let today = state.app.now().date_naive();
    let period = parse_period(&form, today);
    let branch = parse_branch(&form);
    let back = if form.from.is_empty() && form.to.is_empty() && form.branch.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", form.query())
    };
    let page = Page::new(&viewer, Section::Dashboard, "dashboard-title", back);
    let tr = page.tr;
    // What the user typed stays in the form, even when it is wrong.
    let typed = |raw: &str, parsed: NaiveDate| {
        if raw.trim().is_empty() {
            parsed.to_string()
        } else {
            raw.to_owned()
        }
    };
    DashboardPage {
        from: typed(&form.from, period.from),
        to: typed(&form.to, period.to),
        from_error: period.from_error.map(|id| tr.t(id)),
        to_error: period.to_error.map(|id| tr.t(id)),
        branches: branch_filter_choices(&state, tr, &form.branch),
        branch_error: branch.err().map(|id| tr.t(id)),
        figures: figures(
            &state,
            viewer.lang,
            period.from,
            period.to,
            today,
            branch.unwrap_or(None),
        ),
        reminders: reminders(&state, &viewer),
        page,
    }
}

/// `GET /dashboard/figures`: the live fragment alone.
pub async fn figures_fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<PeriodForm>,
) -> FiguresFragment {
    let today = state.app.now().date_naive();
    let period = parse_period(&form, today);
    let branch = parse_branch(&form).unwrap_or(None);
    FiguresFragment {
        figures: figures(&state, viewer.lang, period.from, period.to, today, branch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn form(from: &str, to: &str) -> PeriodForm {
        PeriodForm {
            from: from.to_owned(),
            to: to.to_owned(),
            branch: String::new(),
        }
    }

    /// An empty form means the last 30 days; a reversed, too long or
    /// malformed period names the field to fix and falls back to the
    /// default figures.
    #[test]
    fn the_period_picker_checks_what_was_typed() {
        let today = day("2026-11-27");
        let period = parse_period(&form("", ""), today);
        assert_eq!((period.from, period.to), (day("2026-10-29"), today));
        assert!(period.from_error.is_none() && period.to_error.is_none());

        let period = parse_period(&form("2026-01-01", "2026-01-31"), today);
        assert_eq!(
            (period.from, period.to),
            (day("2026-01-01"), day("2026-01-31"))
        );

        let period = parse_period(&form("2026-02-01", "2026-01-31"), today);
        assert_eq!(period.from_error, Some("error-period-order"));
        assert_eq!(period.to, today);

        let period = parse_period(&form("2024-01-01", "2026-01-31"), today);
        assert_eq!(period.from_error, Some("error-period-long"));

        let period = parse_period(&form("2026-01-01", "31.01.2026"), today);
        assert_eq!(period.to_error, Some("error-date"));
        assert!(period.from_error.is_none());
    }
}
