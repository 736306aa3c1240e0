//! Exchange rates: the company currency (set once by an administrator)
//! and the daily rates of the other currencies, entered one at a time or
//! pasted as CSV, with the latest days of one currency listed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::access::{Action, Module};
use domain::currency::{Rates, rates_id};
use domain::values::{Currency, ExchangeRate};
use serde::Deserialize;

use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Days of one currency's rates listed.
const RATE_DAYS_SHOWN: usize = 30;

#[derive(Template, WebTemplate)]
#[template(path = "rates.html")]
pub struct RatesPage {
    page: Page,
    company_currency: Option<String>,
    can_set_company: bool,
    can_enter: bool,
    currency: String,
    rates: Vec<(String, String)>,
    form: RateForm,
    errors: FormErrors,
    /// What the last import did, or why it did nothing.
    imported: Option<String>,
    problems: Vec<String>,
    command: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RatesQuery {
    #[serde(default)]
    currency: String,
}

/// Every form of the page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub rate: String,
    #[serde(default)]
    pub company_currency: String,
    #[serde(default)]
    pub csv: String,
    #[serde(default)]
    pub command: String,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    shown: &str,
    form: RateForm,
    errors: FormErrors,
    imported: Option<String>,
    problems: Vec<String>,
) -> RatesPage {
    let page = Page::new(
        viewer,
        Section::Purchasing,
        "rates-title",
        format!("/purchases/rates?currency={shown}"),
    );
    let lang = viewer.lang;
    let company_currency = state.app.currency().company_currency().ok().flatten();
    let shown = Currency::parse("currency", shown).ok();
    let rates = shown
        .and_then(|currency| state.app.load::<Rates>(rates_id(currency)).ok())
        .map(|(rates, _)| {
            rates
                .by_day
                .iter()
                .rev()
                .take(RATE_DAYS_SHOWN)
                .map(|(day, rate)| {
                    (
                        format::date(lang, *day),
                        format::decimal(lang, *rate, rate.scale()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    RatesPage {
        company_currency: company_currency.map(|currency| currency.as_str().to_owned()),
        can_set_company: company_currency.is_none()
            && viewer.allows(Module::Admin, Action::Administer),
        can_enter: viewer.allows(Module::Finance, Action::Edit),
        currency: shown
            .map(|currency| currency.as_str().to_owned())
            .unwrap_or_default(),
        rates,
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        form,
        errors,
        imported,
        problems,
        page,
    }
}

/// `GET /purchases/rates?currency=…`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<RatesQuery>,
) -> RatesPage {
    render(
        &state,
        &viewer,
        query.currency.trim(),
        RateForm::default(),
        FormErrors::default(),
        None,
        Vec::new(),
    )
}

fn run(state: &AppState, form: &RateForm) -> app::Run {
    app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    }
}

fn failed(state: &AppState, viewer: &Viewer, form: RateForm, errors: FormErrors) -> Response {
    let shown = form.currency.clone();
    let page = render(state, viewer, shown.trim(), form, errors, None, Vec::new());
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `POST /purchases/rates`: one day's rate of one currency.
pub async fn enter(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RateForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let currency = Currency::parse("currency", &form.currency).ok();
    if currency.is_none() {
        errors.add("currency", tr.t("form-currency"));
    }
    let day = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.add("day", tr.t("form-date"));
    }
    let rate = format::parse_decimal(form.rate.trim())
        .and_then(|rate| ExchangeRate::parse("rate", rate).ok());
    if rate.is_none() {
        errors.add("rate", tr.t("rates-rate-invalid"));
    }
    let (Some(currency), Some(day), Some(rate)) = (currency, day, rate) else {
        return failed(&state, &viewer, form, errors);
    };
    let result = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .currency()
                .set_rate(&caller, run(&state, &form), currency, day, rate)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/purchases/rates?currency={currency}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("currency", "currency")]);
            failed(&state, &viewer, form, errors)
        }
    }
}

/// `POST /purchases/rates/import`: rates pasted as CSV.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RateForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let result = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .currency()
                .import_rates(&caller, run(&state, &form), &form.csv)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(report) if report.problems.is_empty() => {
            let summary = tr.t2(
                "rates-imported",
                "set",
                &report.set.to_string(),
                "unchanged",
                &report.unchanged.to_string(),
            );
            render(
                &state,
                &viewer,
                "",
                RateForm::default(),
                FormErrors::default(),
                Some(summary),
                Vec::new(),
            )
            .into_response()
        }
        Ok(report) => {
            let problems = report
                .problems
                .iter()
                .map(|(line, problem)| {
                    tr.t2(
                        "rates-problem",
                        "line",
                        &line.to_string(),
                        "problem",
                        problem,
                    )
                })
                .collect();
            let page = render(
                &state,
                &viewer,
                "",
                form,
                FormErrors::default(),
                Some(tr.t("rates-nothing-imported")),
                problems,
            );
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            failed(&state, &viewer, form, errors)
        }
    }
}

/// `POST /purchases/company-currency`: the company currency, once.
pub async fn set_company(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RateForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(currency) = Currency::parse("company_currency", &form.company_currency) else {
        let mut errors = FormErrors::default();
        errors.add("company_currency", tr.t("form-currency"));
        return failed(&state, &viewer, form, errors);
    };
    let result = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .currency()
                .set_company_currency(&caller, run(&state, &form), currency)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/purchases/rates").await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            failed(&state, &viewer, form, errors)
        }
    }
}
