//! What the company owes its suppliers: each supplier's invoices still
//! open at the end of a day, per currency, by how long they have been due,
//! and what they hold of the company's advances;
//! and the exchange differences realized on supplier payments over a
//! span, with their total in the company currency. Both read the payables
//! of the `purchases` read model, as `GET /reports/payables` and
//! `/reports/exchange-differences` do.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::values::Currency;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::forms::FormErrors;
use super::purchases::party_name;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// The longest span of exchange differences shown at once.
const DIFFERENCE_DAYS_MAX: i64 = 366;

#[derive(Debug, Default, Deserialize)]
pub struct PayablesQuery {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// One supplier's debt in one currency.
#[derive(Debug)]
pub struct AgeingRow {
    pub supplier: String,
    pub href: String,
    pub currency: String,
    pub buckets: [String; 5],
    pub total: String,
    pub overdue: bool,
}

/// What one supplier holds of the company's advances in one currency.
#[derive(Debug)]
pub struct AdvanceRow {
    pub supplier: String,
    pub href: String,
    pub amount: String,
}

/// One realized difference.
#[derive(Debug)]
pub struct DifferenceRow {
    pub day: String,
    pub supplier: String,
    pub invoice: String,
    pub paid: String,
    pub gain: String,
    pub loss: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "payables.html")]
pub struct PayablesPage {
    page: Page,
    as_of: String,
    from: String,
    to: String,
    ageing: Vec<AgeingRow>,
    advances: Vec<AdvanceRow>,
    differences: Vec<DifferenceRow>,
    total_gain: String,
    total_loss: bool,
    errors: FormErrors,
}

fn day_or(raw: &str, default: NaiveDate) -> Option<NaiveDate> {
    match raw.trim() {
        "" => Some(default),
        text => text.parse().ok(),
    }
}

/// `GET /purchases/payables?as_of&from&to`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PayablesQuery>,
) -> Response {
    let lang = viewer.lang;
    let page = Page::new(
        &viewer,
        Section::Purchasing,
        "payables-title",
        "/purchases/payables".to_owned(),
    );
    let tr = page.tr;
    let today = state.app.now().date_naive();
    let mut errors = FormErrors::default();
    let as_of = day_or(&query.as_of, today).unwrap_or_else(|| {
        errors.add("as_of", tr.t("form-date"));
        today
    });
    let to = day_or(&query.to, today).unwrap_or_else(|| {
        errors.add("to", tr.t("form-date"));
        today
    });
    let from = day_or(&query.from, to - chrono::Days::new(30)).unwrap_or_else(|| {
        errors.add("from", tr.t("form-date"));
        to
    });
    let (from, to) = if from > to || (to - from).num_days() > DIFFERENCE_DAYS_MAX {
        errors.add("to", tr.t("payables-span"));
        (to, to)
    } else {
        (from, to)
    };
    let company = state.app.currency().company_currency().ok().flatten();
    let (aged, advances, differences) = state.read_models.purchases.read(|purchases| {
        let payables = purchases.payables();
        let differences: Vec<_> = payables
            .differences(from, to)
            .into_iter()
            .map(|row| {
                let number = payables
                    .invoice(row.invoice)
                    .map(|invoice| invoice.number.clone())
                    .unwrap_or_default();
                (row.clone(), number)
            })
            .collect();
        (payables.aged(as_of), payables.advances(as_of), differences)
    });
    let money = |amount: Decimal, currency: Currency| format::money(lang, amount, currency);
    let ageing = aged
        .into_iter()
        .map(|((supplier, currency), ageing)| AgeingRow {
            supplier: party_name(&state, supplier),
            href: format!("/customers/{supplier}"),
            currency: currency.as_str().to_owned(),
            buckets: [
                money(ageing.not_due, currency),
                money(ageing.days_1_30, currency),
                money(ageing.days_31_60, currency),
                money(ageing.days_61_90, currency),
                money(ageing.over_90, currency),
            ],
            overdue: ageing.total() > ageing.not_due,
            total: money(ageing.total(), currency),
        })
        .collect();
    let advances = advances
        .into_iter()
        .map(|((supplier, currency), amount)| AdvanceRow {
            supplier: party_name(&state, supplier),
            href: format!("/customers/{supplier}"),
            amount: money(amount, currency),
        })
        .collect();
    let in_company = |amount: Decimal| match company {
        Some(currency) => money(amount, currency),
        None => format::decimal(lang, amount, 2),
    };
    let total: Decimal = differences.iter().map(|(row, _)| row.gain).sum();
    let differences = differences
        .into_iter()
        .map(|(row, number)| DifferenceRow {
            day: format::date(lang, row.day),
            supplier: party_name(&state, row.supplier),
            invoice: number,
            paid: money(row.amount, row.currency),
            gain: in_company(row.gain),
            loss: row.gain < Decimal::ZERO,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        PayablesPage {
            page,
            as_of: as_of.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            ageing,
            advances,
            differences,
            total_gain: in_company(total),
            total_loss: total < Decimal::ZERO,
            errors,
        },
    )
        .into_response()
}
