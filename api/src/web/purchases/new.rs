//! A new purchase order: the form (a supplier, a warehouse, the
//! supplier's currency, when the goods are promised, and up to five lines
//! with their prices) and drafting it through `app.purchasing()`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{PartyId, WarehouseId};
use domain::values::{Currency, Label};
use serde::Deserialize;

use crate::AppState;
use crate::web::forms::{self, FormErrors, OwnedChoice};
use crate::web::i18n::Tr;
use crate::web::{Page, Section, Viewer, format};

/// Line rows on the form.
pub const NEW_PURCHASE_LINES: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// A supplier chosen beforehand (from its card).
    #[serde(default)]
    supplier: String,
}

/// The form as typed: the lines come as `product_1`, `quantity_1`,
/// `price_1` … so the form needs no script.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewPurchaseForm {
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub expected_on: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub command: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

/// A line row of the form.
#[derive(Debug)]
pub struct LineRow {
    pub index: usize,
    pub products: Vec<OwnedChoice>,
    pub quantity: String,
    pub price: String,
    pub product_error: Option<String>,
    pub quantity_error: Option<String>,
    pub price_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "purchase_new.html")]
pub struct NewPage {
    page: Page,
    suppliers: Vec<OwnedChoice>,
    warehouses: Vec<OwnedChoice>,
    currency: String,
    expected_on: String,
    reference: String,
    lines: Vec<LineRow>,
    command: String,
    errors: FormErrors,
    /// No company currency yet: nothing can be bought until it is set.
    currency_unset: bool,
}

fn new_page(
    state: &AppState,
    viewer: &Viewer,
    form: &NewPurchaseForm,
    errors: FormErrors,
) -> NewPage {
    let page = Page::new(
        viewer,
        Section::Purchasing,
        "purchase-new-title",
        "/purchases/new".to_owned(),
    );
    let tr = page.tr;
    let company_currency = state.app.currency().company_currency().ok().flatten();
    let suppliers = super::supplier_choices(state, tr, &form.supplier);
    let goods = crate::web::stock_choices::Goods::read(state, &form.warehouse);
    let value = |key: String| form.rest.get(&key).cloned().unwrap_or_default();
    let lines = (1..=NEW_PURCHASE_LINES)
        .map(|index| {
            let chosen = value(format!("product_{index}"));
            LineRow {
                index,
                products: goods.product_choices(tr, &chosen),
                quantity: value(format!("quantity_{index}")),
                price: value(format!("price_{index}")),
                product_error: errors.get(&format!("product_{index}")).map(str::to_owned),
                quantity_error: errors.get(&format!("quantity_{index}")).map(str::to_owned),
                price_error: errors.get(&format!("price_{index}")).map(str::to_owned),
            }
        })
        .collect();
    NewPage {
        suppliers,
        warehouses: goods.warehouses,
        currency: if form.currency.is_empty() {
            company_currency
                .map(|currency| currency.as_str().to_owned())
                .unwrap_or_default()
        } else {
            form.currency.clone()
        },
        expected_on: form.expected_on.clone(),
        reference: form.reference.clone(),
        lines,
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        errors,
        currency_unset: company_currency.is_none(),
        page,
    }
}

/// `GET /purchases/new?supplier=…`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Response {
    let form = NewPurchaseForm {
        supplier: query.supplier,
        ..NewPurchaseForm::default()
    };
    new_page(&state, &viewer, &form, FormErrors::default()).into_response()
}

/// The static name of a line field (`FormErrors` keys are `'static`).
fn field_name(kind: &str, index: usize) -> &'static str {
    const PRODUCTS: [&str; NEW_PURCHASE_LINES] = [
        "product_1",
        "product_2",
        "product_3",
        "product_4",
        "product_5",
    ];
    const QUANTITIES: [&str; NEW_PURCHASE_LINES] = [
        "quantity_1",
        "quantity_2",
        "quantity_3",
        "quantity_4",
        "quantity_5",
    ];
    const PRICES: [&str; NEW_PURCHASE_LINES] =
        ["price_1", "price_2", "price_3", "price_4", "price_5"];
    let names = match kind {
        "product" => &PRODUCTS,
        "quantity" => &QUANTITIES,
        _ => &PRICES,
    };
    names
        .get(index.saturating_sub(1))
        .copied()
        .unwrap_or("lines")
}

/// The lines typed, rows left blank skipped.
fn parse_lines(
    tr: Tr,
    form: &NewPurchaseForm,
    errors: &mut FormErrors,
) -> Vec<app::purchasing::NewPurchaseLine> {
    let mut lines = Vec::new();
    for index in 1..=NEW_PURCHASE_LINES {
        let typed = |kind: &str| {
            form.rest
                .get(&format!("{kind}_{index}"))
                .map(|text| text.trim().to_owned())
                .unwrap_or_default()
        };
        let (product, quantity, price) = (typed("product"), typed("quantity"), typed("price"));
        if product.is_empty() && quantity.is_empty() && price.is_empty() {
            continue;
        }
        let product = product.parse().ok();
        if product.is_none() {
            errors.add(field_name("product", index), tr.t("form-choose"));
        }
        let quantity = format::parse_decimal(&quantity)
            .and_then(|value| Quantity::parse("quantity", value).ok());
        if quantity.is_none() {
            errors.add(field_name("quantity", index), tr.t("form-positive-number"));
        }
        let price =
            format::parse_decimal(&price).and_then(|value| UnitPrice::parse("price", value).ok());
        if price.is_none() {
            errors.add(field_name("price", index), tr.t("form-amount"));
        }
        if let (Some(product), Some(quantity), Some(unit_price)) = (product, quantity, price) {
            lines.push(app::purchasing::NewPurchaseLine {
                product,
                quantity,
                unit_price,
            });
        }
    }
    lines
}

/// `POST /purchases/new`: drafts the order with its lines, then shows it.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewPurchaseForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let supplier = form.supplier.parse::<PartyId>().ok();
    if supplier.is_none() {
        errors.add("supplier", tr.t("form-choose"));
    }
    let warehouse = form.warehouse.parse::<WarehouseId>().ok();
    if warehouse.is_none() {
        errors.add("warehouse", tr.t("form-choose"));
    }
    let currency = match form.currency.trim() {
        "" => Ok(None),
        code => Currency::parse("currency", code).map(Some),
    };
    if currency.is_err() {
        errors.add("currency", tr.t("form-currency"));
    }
    let expected_on = match form.expected_on.trim() {
        "" => Ok(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d").map(Some),
    };
    if expected_on.is_err() {
        errors.add("expected_on", tr.t("form-date"));
    }
    let reference = Label::parse_optional("reference", Some(&form.reference));
    if reference.is_err() {
        errors.add("reference", tr.t("form-one-line"));
    }
    let lines = parse_lines(tr, &form, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.form = Some(tr.t("order-needs-a-line"));
    }
    let (Some(supplier), Some(warehouse), Ok(currency), Ok(expected_on), Ok(reference), true) = (
        supplier,
        warehouse,
        currency,
        expected_on,
        reference,
        errors.is_empty(),
    ) else {
        let page = new_page(&state, &viewer, &form, errors);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    let new = app::purchasing::NewPurchase {
        supplier,
        warehouse,
        currency,
        branch: None,
        buyer: viewer.principal.as_ref().map(|principal| principal.user),
        reference,
        expected_on,
        lines,
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => state.app.purchasing().draft(&caller, run, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(drafted) => {
            let order = drafted.order;
            forms::redirect_after(
                &state,
                drafted.executed.last_position,
                &format!("/purchases/{order}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[("reference", "reference"), ("currency", "currency")],
            );
            let page = new_page(&state, &viewer, &form, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    }
}
