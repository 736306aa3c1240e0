//! Reports: sales over a period (the `sales` read model's `report`, the
//! same query as `GET /api/v1/reports/sales`), grouped by day, week,
//! month or the whole range, for the company or per product, category,
//! customer, manager or branch; "as of" a business day and "as known at"
//! a moment (knowledge time, through [`crate::known_at`]); the
//! receivables ageing as of a day; and the same rows as a CSV download.
//!
//! The form is a plain GET, so a report is a link that can be shared;
//! bad fields are shown next to themselves with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use domain::ids::BranchId;
use domain::values::Currency;
use projections::models::sales::{
    AgeBucket, Aged, Dimension, Member, Period, ReceivableDifference, Receivables, ReportCurrency,
    ReportQuery, ReportRow, SalesFigures,
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Viewer;
use super::branch_names::{branch_filter_choices, branch_name};
use super::export::{self, Cell};
use super::format;
use super::forms::{Choice, FormErrors, OwnedChoice, choices};
use super::i18n::{Lang, Tr};
use super::{Page, Section, query_string};
use crate::AppState;
use crate::http::reports::{REPORT_DAILY_DAYS_MAX, REPORT_DAYS_MAX};

/// Rows of the table per page.
const REPORT_PAGE_ROWS: usize = 100;
/// The most rows a CSV download holds; a larger report is refused with
/// a request to narrow it, never cut silently.
const CSV_ROWS_MAX: usize = 100_000;
/// Customers listed under the ageing, the largest debt first.
const AGEING_CUSTOMERS_SHOWN: usize = 20;
/// Months in the default period, ending this month.
const DEFAULT_MONTHS: u32 = 12;

const GROUP_CODES: [&str; 4] = ["day", "week", "month", "whole"];
const DIMENSION_CODES: [&str; 6] = [
    "company", "product", "category", "customer", "manager", "branch",
];
/// The ageing's buckets with their labels, also the dashboard's chart's.
pub(super) const AGE_BUCKETS: [(AgeBucket, &str); 5] = [
    (AgeBucket::Current, "reports-age-current"),
    (AgeBucket::Days1To30, "reports-age-1-30"),
    (AgeBucket::Days31To60, "reports-age-31-60"),
    (AgeBucket::Days61To90, "reports-age-61-90"),
    (AgeBucket::Over90, "reports-age-over-90"),
];

/// The report form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    group_by: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    known_at: String,
    /// A branch's id; every branch when empty.
    #[serde(default)]
    branch: String,
    #[serde(default)]
    page: String,
}

impl ReportForm {
    /// The form's fields as a query string, without the page.
    fn query(&self) -> String {
        query_string(&[
            ("from", &self.from),
            ("to", &self.to),
            ("group_by", &self.group_by),
            ("dimension", &self.dimension),
            ("currency", &self.currency),
            ("as_of", &self.as_of),
            ("known_at", &self.known_at),
            ("branch", &self.branch),
        ])
    }
}

/// A report the form asks for, every field read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ReportChoice {
    from: NaiveDate,
    to: NaiveDate,
    period: Period,
    dimension: Option<Dimension>,
    /// What is counted: one currency's documents, or every one's.
    counted: ReportCurrency,
    /// The currency the amounts are in: the one counted, or the company's.
    currency: Currency,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
    /// `None`: every branch.
    branch: Option<BranchId>,
}

/// The form's value of "every currency, in the company's".
const EVERY_CURRENCY: &str = "company";

/// What the currency select offers: every currency sold in, and, once a
/// company currency is set, all of them converted into it (the default).
#[derive(Clone, Copy, Debug)]
struct Offered<'a> {
    currencies: &'a [Currency],
    company: Option<Currency>,
}

impl Offered<'_> {
    fn read(state: &AppState) -> (Vec<Currency>, Option<Currency>) {
        state
            .read_models
            .sales
            .read(|sales| (sales.currencies().to_vec(), sales.company_currency()))
    }

    /// The select's value when nothing was chosen.
    fn default_value(&self) -> String {
        match (self.company, self.currencies.first()) {
            (Some(_), _) => EVERY_CURRENCY.to_owned(),
            (None, Some(first)) => first.as_str().to_owned(),
            (None, None) => String::new(),
        }
    }

    /// What `raw` asks to count, in which currency; `None` when it is not
    /// offered.
    fn choose(&self, raw: &str) -> Option<(ReportCurrency, Currency)> {
        let raw = raw.trim();
        let raw = if raw.is_empty() {
            self.default_value()
        } else {
            raw.to_owned()
        };
        if raw == EVERY_CURRENCY {
            return self
                .company
                .map(|company| (ReportCurrency::Company, company));
        }
        Currency::parse("currency", &raw)
            .ok()
            .filter(|currency| self.currencies.contains(currency))
            .map(|currency| (ReportCurrency::Only(currency), currency))
    }
}

impl ReportChoice {
    /// The days counted: the range cut at the end of the "as of" day, as
    /// the API does; `None` when that leaves nothing.
    fn counted(&self) -> Option<(NaiveDate, NaiveDate)> {
        let to = self.as_of.map_or(self.to, |as_of| as_of.min(self.to));
        (to >= self.from).then_some((self.from, to))
    }

    /// The day receivables are aged at: "as of", else the end.
    fn ageing_day(&self) -> NaiveDate {
        self.as_of.unwrap_or(self.to)
    }
}

fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// The first day of the default period: the start of the month
/// [`DEFAULT_MONTHS`] - 1 months before today's.
fn default_from(today: NaiveDate) -> NaiveDate {
    let month_start = today.with_day(1).unwrap_or(today);
    month_start
        .checked_sub_months(Months::new(DEFAULT_MONTHS - 1))
        .unwrap_or(month_start)
}

/// Reads the form; every bad field is reported at once, next to itself.
fn parse_form(
    tr: Tr,
    form: &ReportForm,
    today: NaiveDate,
    offered: Offered<'_>,
) -> Result<ReportChoice, FormErrors> {
    let mut errors = FormErrors::default();
    let mut date = |field: &'static str, raw: &str, default: Option<NaiveDate>| {
        if raw.trim().is_empty() {
            return default;
        }
        let parsed = parse_date(raw);
        if parsed.is_none() {
            errors.add(field, tr.t("error-date"));
        }
        parsed
    };
    let from = date("from", &form.from, Some(default_from(today)));
    let to = date("to", &form.to, Some(today));
    let as_of = date("as_of", &form.as_of, None);
    let period = match form.group_by.as_str() {
        "" | "month" => Some(Period::Month),
        "day" => Some(Period::Day),
        "week" => Some(Period::Week),
        "whole" => Some(Period::Whole),
        _ => None,
    };
    if period.is_none() {
        errors.add("group_by", tr.t("form-choose"));
    }
    let dimension = match form.dimension.as_str() {
        "" | "company" => Some(None),
        "product" => Some(Some(Dimension::Product)),
        "category" => Some(Some(Dimension::Category)),
        "customer" => Some(Some(Dimension::Customer)),
        "manager" => Some(Some(Dimension::Manager)),
        "branch" => Some(Some(Dimension::Branch)),
        _ => None,
    };
    if dimension.is_none() {
        errors.add("dimension", tr.t("form-choose"));
    }
    let currency = offered.choose(&form.currency);
    if currency.is_none() {
        errors.add("currency", tr.t("reports-error-currency"));
    }
    let known_at = if form.known_at.trim().is_empty() {
        None
    } else {
        let parsed = super::forms::parse_moment(&form.known_at);
        if parsed.is_none() {
            errors.add("known_at", tr.t("reports-error-moment"));
        }
        parsed
    };
    let branch = match form.branch.trim() {
        "" => Some(None),
        raw => raw.parse::<BranchId>().ok().map(Some),
    };
    if branch.is_none() {
        errors.add("branch", tr.t("form-choose"));
    }
    if let (Some(from), Some(to), Some(period)) = (from, to, period) {
        let days_max = if period == Period::Day {
            REPORT_DAILY_DAYS_MAX
        } else {
            REPORT_DAYS_MAX
        };
        if from > to {
            errors.add("to", tr.t("error-period-order"));
        } else if (to - from).num_days() >= days_max {
            errors.add(
                "to",
                tr.t1(
                    "reports-error-long",
                    "days",
                    &format::integer(tr.lang, days_max),
                ),
            );
        }
    }
    match (from, to, period, dimension, currency, branch) {
        (Some(from), Some(to), Some(period), Some(dimension), Some(currency), Some(branch))
            if errors.is_empty() =>
        {
            let (counted, currency) = currency;
            Ok(ReportChoice {
                from,
                to,
                period,
                dimension,
                counted,
                currency,
                as_of,
                known_at,
                branch,
            })
        }
        _ => Err(errors),
    }
}

/// A row of the report with its member named.
#[derive(Debug)]
struct NamedRow {
    start: NaiveDate,
    end: NaiveDate,
    member_id: String,
    member: String,
    figures: SalesFigures,
}

/// The report's answer.
#[derive(Debug)]
struct Answer {
    rows: Vec<NamedRow>,
    receivables: Receivables,
    /// The names of the customers who owe the most, in the order of
    /// `receivables.customers`.
    debtor_names: Vec<String>,
    known_position: Option<u64>,
    /// The branch the report is limited to, by name.
    branch: Option<String>,
    /// Realized on the range's customer payments of invoices in the
    /// report's currency: each with its invoice's number and customer's
    /// name.
    differences: Vec<(ReceivableDifference, Option<String>, String)>,
    company_currency: Option<Currency>,
    /// Counting every currency: those left out for want of a rate.
    unconverted: Vec<Currency>,
}

/// The last day of the period starting `start`, within the range.
fn period_end(period: Period, start: NaiveDate, to: NaiveDate) -> NaiveDate {
    let end = match period {
        Period::Whole => to,
        Period::Day => start,
        Period::Week => start + Duration::days(6),
        Period::Month => start
            .checked_add_months(Months::new(1))
            .map_or(to, |next| next - Duration::days(1)),
    };
    end.min(to)
}

fn short_id(id: uuid::Uuid) -> String {
    id.simple().to_string().chars().take(8).collect()
}

/// Runs the report: the same `Sales::report` the API runs, live or as
/// known at a moment, with the ageing from the same model.
async fn answer(state: &AppState, tr: Tr, choice: ReportChoice) -> anyhow::Result<Answer> {
    let query = choice.counted().map(|(from, to)| ReportQuery {
        from,
        to,
        currency: choice.counted,
        period: choice.period,
        dimension: choice.dimension,
        branch: choice.branch,
    });
    let ageing_day = choice.ageing_day();
    let currency = choice.currency;
    let (from, to) = choice.counted().unwrap_or((choice.from, choice.to));
    let ((rows, products, receivables, differences, unconverted), known_position) =
        crate::known_at::read(
            state,
            &state.read_models.sales,
            choice.known_at,
            move |sales| {
                let rows: Vec<ReportRow> =
                    query.map(|query| sales.report(&query)).unwrap_or_default();
                // Products are named by the model that counted them.
                let products: Vec<Option<String>> = rows
                    .iter()
                    .map(|row| match &row.member {
                        Member::Product(product) => sales
                            .product_info(*product)
                            .map(|info| format!("{} {}", info.sku, info.name)),
                        _ => None,
                    })
                    .collect();
                let (receivables, mut unconverted) = match choice.counted {
                    ReportCurrency::Only(_) => (
                        sales.receivables_in(ageing_day, currency, choice.branch),
                        Vec::new(),
                    ),
                    ReportCurrency::Company => sales
                        .receivables_in_company(ageing_day, choice.branch)
                        .unwrap_or_else(|| {
                            (
                                sales.receivables_in(ageing_day, currency, choice.branch),
                                Vec::new(),
                            )
                        }),
                };
                if choice.counted == ReportCurrency::Company {
                    unconverted.extend(sales.unconverted(from, to, choice.branch));
                    unconverted.sort();
                    unconverted.dedup();
                }
                let of_currency = match choice.counted {
                    ReportCurrency::Only(currency) => Some(currency),
                    ReportCurrency::Company => None,
                };
                let differences: Vec<(ReceivableDifference, Option<String>)> = sales
                    .differences_in(from, to, of_currency, choice.branch)
                    .into_iter()
                    .map(|row| {
                        let number = sales
                            .invoice(row.invoice)
                            .and_then(|invoice| invoice.number);
                        (row.clone(), number)
                    })
                    .collect();
                (rows, products, receivables, differences, unconverted)
            },
        )
        .await?;
    let none = tr.t("reports-member-none");
    let (customer_names, debtor_names, payer_names) =
        state.read_models.customers.read(|customers| {
            let name = |party| {
                customers
                    .resolve(party)
                    .map(|found| found.display_name.clone())
            };
            let members: Vec<Option<String>> = rows
                .iter()
                .map(|row| match row.member {
                    Member::Customer(party) => name(party),
                    _ => None,
                })
                .collect();
            let debtors: Vec<String> = receivables
                .customers
                .iter()
                .take(AGEING_CUSTOMERS_SHOWN)
                .map(|(party, _)| name(*party).unwrap_or_else(|| short_id(party.as_uuid())))
                .collect();
            let payers: Vec<String> = differences
                .iter()
                .map(|(row, _)| {
                    name(row.customer).unwrap_or_else(|| short_id(row.customer.as_uuid()))
                })
                .collect();
            (members, debtors, payers)
        });
    let rows = rows
        .into_iter()
        .zip(products)
        .zip(customer_names)
        .map(|((row, product), customer)| {
            let (member_id, member) = match &row.member {
                Member::All => (String::new(), tr.t("reports-member-all")),
                Member::Product(id) => (
                    id.to_string(),
                    product.unwrap_or_else(|| short_id(id.as_uuid())),
                ),
                Member::Category(name) => {
                    (String::new(), name.clone().unwrap_or_else(|| none.clone()))
                }
                Member::Customer(id) => (
                    id.to_string(),
                    customer.unwrap_or_else(|| short_id(id.as_uuid())),
                ),
                Member::Manager(Some(id)) => (
                    id.to_string(),
                    tr.t1("owner-user", "id", &short_id(id.as_uuid())),
                ),
                Member::Branch(Some(id)) => (id.to_string(), branch_name(state, tr, Some(*id))),
                Member::Manager(None) | Member::Branch(None) => (String::new(), none.clone()),
            };
            // A week or month cut by the range starts at the range.
            NamedRow {
                start: row.period.max(from),
                end: period_end(choice.period, row.period, to),
                member_id,
                member,
                figures: row.figures,
            }
        })
        .collect();
    Ok(Answer {
        rows,
        receivables,
        debtor_names,
        differences: differences
            .into_iter()
            .zip(payer_names)
            .map(|((row, number), name)| (row, number, name))
            .collect(),
        company_currency: state.app.currency().company_currency().ok().flatten(),
        unconverted,
        known_position,
        branch: choice
            .branch
            .map(|branch| branch_name(state, tr, Some(branch))),
    })
}

/// Sums of every row.
fn totals(rows: &[NamedRow]) -> SalesFigures {
    let mut total = SalesFigures::default();
    for row in rows {
        let figures = &row.figures;
        total.orders = total.orders.saturating_add(figures.orders);
        total.order_net = total.order_net.saturating_add(figures.order_net);
        total.cancelled_orders = total
            .cancelled_orders
            .saturating_add(figures.cancelled_orders);
        total.revenue = total.revenue.saturating_add(figures.revenue);
        total.cost = total.cost.saturating_add(figures.cost);
        total.margin = total.margin.saturating_add(figures.margin);
        total.units = total.units.saturating_add(figures.units);
        total.units_returned = total.units_returned.saturating_add(figures.units_returned);
    }
    total
}

/// A row of the table, every figure formatted.
#[derive(Debug)]
pub struct RowView {
    pub start: String,
    pub member_id: String,
    pub period: String,
    pub member: String,
    pub figures: Vec<String>,
}

/// A column header; figures align to the end.
#[derive(Debug)]
pub struct ColumnView {
    pub label: String,
    pub num: bool,
}

/// A bucket of the ageing table.
#[derive(Debug)]
pub struct AgeView {
    pub label: String,
    pub invoices: String,
    pub outstanding: String,
}

/// Everything the report section shows.
#[derive(Debug)]
pub struct ReportView {
    pub heading: String,
    pub known_note: Option<String>,
    /// Counting every currency: what it is in, and what was left out.
    pub converted_note: Option<String>,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<RowView>,
    pub total: Vec<String>,
    pub showing: String,
    pub previous_url: Option<String>,
    pub next_url: Option<String>,
    pub csv_url: String,
    pub ageing_heading: String,
    pub ageing: Vec<AgeView>,
    pub ageing_total: AgeView,
    /// The customers who owe the most: their name, then the amount in
    /// each bucket and in all.
    pub debtors: Vec<(String, Vec<String>)>,
    pub differences: Vec<DifferenceView>,
    pub differences_total: String,
    pub differences_loss: bool,
}

/// One exchange difference realized on a customer's payment.
#[derive(Debug)]
pub struct DifferenceView {
    pub day: String,
    pub customer: String,
    pub invoice: String,
    pub paid: String,
    pub gain: String,
    pub loss: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    page: Page,
    form: ReportForm,
    errors: FormErrors,
    groups: Vec<Choice>,
    dimensions: Vec<Choice>,
    currencies: Vec<CurrencyChoice>,
    branches: Vec<OwnedChoice>,
    with_member: bool,
    report: Option<ReportView>,
}

/// A currency of the select.
#[derive(Debug)]
pub struct CurrencyChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The figures of a row in the table's column order.
fn figure_cells(lang: Lang, currency: Currency, figures: &SalesFigures) -> Vec<String> {
    let money = |amount: Decimal| format::money(lang, amount, currency);
    vec![
        format::integer(lang, figures.orders),
        money(figures.order_net),
        format::integer(lang, figures.cancelled_orders),
        money(figures.revenue),
        money(figures.cost),
        money(figures.margin),
        format::quantity(lang, figures.units),
        format::quantity(lang, figures.units_returned),
    ]
}

/// The figures' column headers, in order.
const FIGURE_COLUMNS: [&str; 8] = [
    "reports-orders",
    "reports-order-net",
    "reports-cancelled",
    "reports-revenue",
    "reports-cost",
    "reports-margin",
    "reports-units",
    "reports-units-returned",
];

fn aged_view(lang: Lang, currency: Currency, label: String, aged: &Aged) -> AgeView {
    AgeView {
        label,
        invoices: format::integer(lang, aged.invoices),
        outstanding: format::money(lang, aged.outstanding, currency),
    }
}

fn period_label(lang: Lang, row: &NamedRow) -> String {
    if row.start == row.end {
        format::date(lang, row.start)
    } else {
        format!(
            "{} – {}",
            format::date(lang, row.start),
            format::date(lang, row.end)
        )
    }
}

fn report_view(tr: Tr, form: &ReportForm, choice: ReportChoice, answer: &Answer) -> ReportView {
    let lang = tr.lang;
    let page_number: usize = form.page.trim().parse().unwrap_or(1).max(1);
    let pages = answer.rows.len().div_ceil(REPORT_PAGE_ROWS).max(1);
    let page_number = page_number.min(pages);
    let shown = answer
        .rows
        .iter()
        .skip((page_number - 1) * REPORT_PAGE_ROWS)
        .take(REPORT_PAGE_ROWS);
    let page_url = |number: usize| format!("/reports?{}&page={number}", form.query());
    let column = |id: &str, num: bool| ColumnView {
        label: tr.t(id),
        num,
    };
    let mut columns = vec![column("reports-period", false)];
    if choice.dimension.is_some() {
        columns.push(column("reports-member", false));
    }
    columns.extend(FIGURE_COLUMNS.iter().map(|id| column(id, true)));
    let range = format!(
        "{} – {}",
        format::date(lang, choice.from),
        format::date(lang, choice.to)
    );
    let ageing_day = choice.ageing_day();
    let in_company = |amount: Decimal| match answer.company_currency {
        Some(currency) => format::money(lang, amount, currency),
        None => format::decimal(lang, amount, 2),
    };
    let differences_total: Decimal = answer.differences.iter().map(|(row, _, _)| row.gain).sum();
    // A report of one branch says so in both headings.
    let of_branch = |heading: String| match &answer.branch {
        Some(branch) => format!("{heading} · {branch}"),
        None => heading,
    };
    ReportView {
        heading: of_branch(tr.t1("reports-heading", "range", &range)),
        known_note: answer
            .known_position
            .zip(choice.known_at)
            .map(|(position, at)| {
                let mut note = tr.t1("reports-known-note", "moment", &format::date_time(lang, at));
                note.push(' ');
                note.push_str(&tr.t1(
                    "reports-known-position",
                    "position",
                    &format::integer(lang, i64::try_from(position).unwrap_or(i64::MAX)),
                ));
                note
            }),
        converted_note: (choice.counted == ReportCurrency::Company).then(|| {
            let mut note = tr.t1("reports-converted", "currency", choice.currency.as_str());
            if !answer.unconverted.is_empty() {
                let codes: Vec<&str> = answer.unconverted.iter().map(Currency::as_str).collect();
                note.push(' ');
                note.push_str(&tr.t1("reports-unconverted", "currencies", &codes.join(", ")));
            }
            note
        }),
        columns,
        rows: shown
            .map(|row| RowView {
                start: row.start.to_string(),
                member_id: row.member_id.clone(),
                period: period_label(lang, row),
                member: row.member.clone(),
                figures: figure_cells(lang, choice.currency, &row.figures),
            })
            .collect(),
        total: figure_cells(lang, choice.currency, &totals(&answer.rows)),
        showing: tr.t1(
            "reports-showing",
            "pages",
            &format!(
                "{} / {}",
                format::integer(lang, i64::try_from(page_number).unwrap_or(i64::MAX)),
                format::integer(lang, i64::try_from(pages).unwrap_or(i64::MAX))
            ),
        ),
        previous_url: (page_number > 1).then(|| page_url(page_number - 1)),
        next_url: (page_number < pages).then(|| page_url(page_number + 1)),
        csv_url: format!("/reports/sales.csv?{}", form.query()),
        ageing_heading: of_branch(tr.t1("reports-ageing", "date", &format::date(lang, ageing_day))),
        ageing: AGE_BUCKETS
            .iter()
            .map(|(bucket, id)| {
                aged_view(
                    lang,
                    choice.currency,
                    tr.t(id),
                    answer.receivables.total.bucket(*bucket),
                )
            })
            .collect(),
        debtors: answer
            .receivables
            .customers
            .iter()
            .zip(&answer.debtor_names)
            .map(|((_, ageing), name)| {
                let mut amounts: Vec<String> = AGE_BUCKETS
                    .iter()
                    .map(|(bucket, _)| {
                        format::money(lang, ageing.bucket(*bucket).outstanding, choice.currency)
                    })
                    .collect();
                amounts.push(format::money(
                    lang,
                    ageing.total().outstanding,
                    choice.currency,
                ));
                (name.clone(), amounts)
            })
            .collect(),
        ageing_total: aged_view(
            lang,
            choice.currency,
            tr.t("reports-total"),
            &answer.receivables.total.total(),
        ),
        differences: answer
            .differences
            .iter()
            .map(|(row, number, customer)| DifferenceView {
                day: format::date(lang, row.day),
                customer: customer.clone(),
                invoice: number
                    .clone()
                    .unwrap_or_else(|| short_id(row.invoice.as_uuid())),
                paid: format::money(lang, row.amount, row.currency),
                gain: in_company(row.gain),
                loss: row.gain < Decimal::ZERO,
            })
            .collect(),
        differences_total: in_company(differences_total),
        differences_loss: differences_total < Decimal::ZERO,
    }
}

/// The report form filled in: the defaults shown where nothing was typed.
fn filled(form: &ReportForm, today: NaiveDate, offered: Offered<'_>) -> ReportForm {
    let or = |typed: &str, default: String| {
        if typed.trim().is_empty() {
            default
        } else {
            typed.to_owned()
        }
    };
    ReportForm {
        from: or(&form.from, default_from(today).to_string()),
        to: or(&form.to, today.to_string()),
        group_by: or(&form.group_by, "month".to_owned()),
        dimension: or(&form.dimension, "company".to_owned()),
        currency: or(&form.currency, offered.default_value()),
        ..form.clone()
    }
}

/// The page: the form (with errors) and, when it reads, the report.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: ReportForm,
    export_error: Option<String>,
) -> Response {
    let today = state.app.now().date_naive();
    let (currencies, company) = Offered::read(state);
    let offered = Offered {
        currencies: &currencies,
        company,
    };
    let back = format!("/reports?{}", form.query());
    let page = Page::new(viewer, Section::Reports, "reports-title", back);
    let tr = page.tr;
    let parsed = if currencies.is_empty() {
        // Nothing sold yet: the page says so; no field is wrong.
        Err(FormErrors::default())
    } else {
        parse_form(tr, &form, today, offered)
    };
    let (errors, report, status) = match parsed {
        Err(errors) if errors.is_empty() => (errors, None, StatusCode::OK),
        Ok(choice) => match answer(state, tr, choice).await {
            Ok(answer) => {
                let form = filled(&form, today, offered);
                (
                    FormErrors::default(),
                    Some(report_view(tr, &form, choice, &answer)),
                    StatusCode::OK,
                )
            }
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "a report failed");
                let mut errors = FormErrors::default();
                errors.form = Some(tr.t("form-failed"));
                (errors, None, StatusCode::INTERNAL_SERVER_ERROR)
            }
        },
        Err(errors) => (errors, None, StatusCode::BAD_REQUEST),
    };
    let mut errors = errors;
    let status = match export_error {
        Some(message) => {
            errors.form = Some(message);
            StatusCode::BAD_REQUEST
        }
        None => status,
    };
    let form = filled(&form, today, offered);
    let every = company.map(|company| CurrencyChoice {
        value: EVERY_CURRENCY.to_owned(),
        label: tr.t1("reports-currency-every", "currency", company.as_str()),
        selected: form.currency == EVERY_CURRENCY,
    });
    let page = ReportsPage {
        groups: choices(tr, "reports-group", &GROUP_CODES, &form.group_by),
        dimensions: choices(tr, "reports-dimension", &DIMENSION_CODES, &form.dimension),
        currencies: every
            .into_iter()
            .chain(currencies.iter().map(|currency| CurrencyChoice {
                value: currency.as_str().to_owned(),
                label: currency.as_str().to_owned(),
                selected: currency.as_str() == form.currency,
            }))
            .collect(),
        with_member: !matches!(form.dimension.as_str(), "" | "company"),
        branches: branch_filter_choices(state, tr, &form.branch),
        form,
        errors,
        report,
        page,
    };
    (status, page).into_response()
}

/// `GET /reports?from&to&group_by&dimension&currency&as_of&known_at&page`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<ReportForm>,
) -> Response {
    render(&state, &viewer, form, None).await
}

/// `GET /reports/sales.csv?…`: the report's rows (every page) as CSV.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<ReportForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let today = state.app.now().date_naive();
    let (currencies, company) = Offered::read(&state);
    let offered = Offered {
        currencies: &currencies,
        company,
    };
    let Ok(choice) = parse_form(tr, &form, today, offered) else {
        return render(&state, &viewer, form, None).await;
    };
    let answer = match answer(&state, tr, choice).await {
        Ok(answer) => answer,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "a report export failed");
            return render(&state, &viewer, form, Some(tr.t("form-failed"))).await;
        }
    };
    if answer.rows.len() > CSV_ROWS_MAX {
        let message = tr.t1(
            "reports-error-csv-rows",
            "rows",
            &format::integer(tr.lang, i64::try_from(CSV_ROWS_MAX).unwrap_or(i64::MAX)),
        );
        return render(&state, &viewer, form, Some(message)).await;
    }
    let mut header = vec![
        tr.t("reports-period-start"),
        tr.t("reports-period-end"),
        tr.t("reports-member"),
        tr.t("reports-member-id"),
    ];
    header.extend(FIGURE_COLUMNS.iter().map(|id| tr.t(id)));
    header.push(tr.t("reports-currency"));
    let currency = choice.currency.as_str();
    let rows: Vec<Vec<Cell>> = answer
        .rows
        .iter()
        .map(|row| {
            let figures = &row.figures;
            vec![
                Cell::text(row.start.to_string()),
                Cell::text(row.end.to_string()),
                Cell::text(row.member.clone()),
                Cell::text(row.member_id.clone()),
                Cell::Number(Decimal::from(figures.orders)),
                Cell::Money(figures.order_net),
                Cell::Number(Decimal::from(figures.cancelled_orders)),
                Cell::Money(figures.revenue),
                Cell::Money(figures.cost),
                Cell::Money(figures.margin),
                Cell::Number(figures.units),
                Cell::Number(figures.units_returned),
                Cell::text(currency),
            ]
        })
        .collect();
    match export::write(&header, &rows) {
        Ok(body) => export::download(&format!("sales-{}-{}.csv", choice.from, choice.to), body),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "a CSV could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn eur() -> Currency {
        Currency::parse("currency", "EUR").unwrap()
    }

    fn only_euros() -> Offered<'static> {
        static EUROS: std::sync::LazyLock<[Currency; 1]> = std::sync::LazyLock::new(|| [eur()]);
        Offered {
            currencies: &*EUROS,
            company: None,
        }
    }

    /// With a company currency the report counts every currency in it
    /// unless one is chosen; "every currency" without one is refused, as
    /// is a currency nothing was sold in.
    #[test]
    fn every_currency_is_the_default_once_a_company_currency_is_set() {
        let usd = Currency::parse("currency", "USD").unwrap();
        let currencies = [eur(), usd];
        let with_company = Offered {
            currencies: &currencies,
            company: Some(eur()),
        };
        assert_eq!(
            with_company.choose(""),
            Some((ReportCurrency::Company, eur()))
        );
        assert_eq!(
            with_company.choose("USD"),
            Some((ReportCurrency::Only(usd), usd))
        );
        assert_eq!(with_company.choose("GBP"), None);
        let without = Offered {
            currencies: &currencies,
            company: None,
        };
        assert_eq!(
            without.choose(""),
            Some((ReportCurrency::Only(eur()), eur()))
        );
        assert_eq!(without.choose(EVERY_CURRENCY), None);
    }

    fn form(from: &str, to: &str) -> ReportForm {
        ReportForm {
            from: from.to_owned(),
            to: to.to_owned(),
            ..ReportForm::default()
        }
    }

    /// An empty form is the last twelve months by month in the first
    /// currency; every bad field is named at once.
    #[test]
    fn the_report_form_checks_every_field() {
        let tr = Tr::new(Lang::En);
        let today = day("2026-11-27");
        let choice = parse_form(tr, &ReportForm::default(), today, only_euros()).unwrap();
        assert_eq!((choice.from, choice.to), (day("2025-12-01"), today));
        assert_eq!(choice.period, Period::Month);
        assert_eq!(choice.dimension, None);

        let errors =
            parse_form(tr, &form("2026-02-01", "2026-01-31"), today, only_euros()).unwrap_err();
        assert!(errors.get("to").is_some(), "a reversed period");

        let long = ReportForm {
            group_by: "day".to_owned(),
            ..form("2024-01-01", "2026-01-31")
        };
        let errors = parse_form(tr, &long, today, only_euros()).unwrap_err();
        assert!(errors.get("to").is_some_and(|text| text.contains("400")));

        let bad = ReportForm {
            group_by: "year".to_owned(),
            dimension: "planet".to_owned(),
            currency: "XXX".to_owned(),
            as_of: "yesterday".to_owned(),
            known_at: "soon".to_owned(),
            branch: "north".to_owned(),
            ..form("1.1.2026", "")
        };
        let errors = parse_form(tr, &bad, today, only_euros()).unwrap_err();
        for field in [
            "from",
            "group_by",
            "dimension",
            "currency",
            "as_of",
            "known_at",
            "branch",
        ] {
            assert!(errors.get(field).is_some(), "{field} has an error");
        }
    }

    /// "As known at" reads what a `datetime-local` field sends (UTC) and
    /// RFC 3339; "as of" cuts the range like the API, and a day before
    /// the range leaves nothing to count.
    #[test]
    fn as_of_cuts_the_range_and_moments_read_in_utc() {
        assert_eq!(
            super::super::forms::parse_moment("2026-04-05T10:30").map(|at| at.to_rfc3339()),
            Some("2026-04-05T10:30:00+00:00".to_owned())
        );
        assert!(super::super::forms::parse_moment("2026-04-05T12:30:00+02:00").is_some());
        let choice = ReportChoice {
            from: day("2026-03-01"),
            to: day("2026-03-31"),
            period: Period::Month,
            dimension: None,
            counted: ReportCurrency::Only(eur()),
            currency: eur(),
            as_of: Some(day("2026-03-10")),
            known_at: None,
            branch: None,
        };
        assert_eq!(
            choice.counted(),
            Some((day("2026-03-01"), day("2026-03-10")))
        );
        assert_eq!(choice.ageing_day(), day("2026-03-10"));
        let before = ReportChoice {
            as_of: Some(day("2026-02-10")),
            ..choice
        };
        assert_eq!(before.counted(), None);
    }

    /// A period ends at its week's Sunday, its month's last day, or the
    /// range's end, whichever comes first.
    #[test]
    fn periods_end_within_the_range() {
        let to = day("2026-03-20");
        assert_eq!(
            period_end(Period::Week, day("2026-03-02"), to),
            day("2026-03-08")
        );
        assert_eq!(
            period_end(Period::Month, day("2026-02-01"), to),
            day("2026-02-28")
        );
        assert_eq!(period_end(Period::Month, day("2026-03-01"), to), to);
        assert_eq!(
            period_end(Period::Day, day("2026-03-05"), to),
            day("2026-03-05")
        );
    }
}
