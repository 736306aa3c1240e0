//! A product's bill of materials: every version (components with their
//! scrap, operations with their work centres, standard minutes and hourly
//! rates, the lead time), the active one marked, a button to make another
//! active, and the form that records a new version, filled in from the
//! active one so a change is a small edit.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::ProductId;
use domain::production::{DefineBom, NewComponent, NewOperation, ScrapPercent};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::refusal;
use crate::AppState;
use crate::web::forms::{self, FormErrors, OwnedChoice};
use crate::web::i18n::Tr;
use crate::web::purchases::product_name;
use crate::web::{Page, Section, Viewer, format};

/// Component rows on the form beyond the active version's.
const BLANK_COMPONENTS: usize = 3;
/// Operation rows on the form beyond the active version's.
const BLANK_OPERATIONS: usize = 2;

/// The form as typed: rows come as `component_1`, `quantity_1`,
/// `scrap_1` … and `operation_1`, `centre_1`, `minutes_1`, `rate_1` …, so
/// the form needs no script.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BomForm {
    #[serde(default)]
    pub lead_days: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub activate: String,
    #[serde(default)]
    pub command: String,
    /// How many component and operation rows the form had.
    #[serde(default)]
    pub components: String,
    #[serde(default)]
    pub operations: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

/// The errors of the form's rows, by row number.
#[derive(Debug, Default)]
pub struct RowErrors {
    components: BTreeMap<usize, String>,
    operations: BTreeMap<usize, String>,
}

impl RowErrors {
    fn is_empty(&self) -> bool {
        self.components.is_empty() && self.operations.is_empty()
    }
}

/// A component row of the form.
#[derive(Debug)]
pub struct ComponentRow {
    pub index: usize,
    pub products: Vec<OwnedChoice>,
    pub quantity: String,
    pub scrap: String,
    pub error: Option<String>,
}

/// An operation row of the form.
#[derive(Debug)]
pub struct OperationRow {
    pub index: usize,
    pub name: String,
    pub centre: String,
    pub minutes: String,
    pub rate: String,
    pub error: Option<String>,
}

/// One version as the page shows it.
#[derive(Debug)]
pub struct VersionView {
    pub number: u32,
    pub active: bool,
    pub defined: String,
    pub lead: String,
    pub note: String,
    pub operations_cost: String,
    pub components: Vec<(String, String, String)>,
    pub operations: Vec<(String, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "bom.html")]
pub struct BomPage {
    page: Page,
    id: String,
    versions: Vec<VersionView>,
    can_edit: bool,
    component_rows: Vec<ComponentRow>,
    operation_rows: Vec<OperationRow>,
    lead_days: String,
    note: String,
    /// The bill's stream version, which each form carries.
    etag: String,
    command: String,
    errors: FormErrors,
}

fn no_product(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Production,
        "bom-no-product",
        format!("/production/products/{raw_id}"),
    );
    let body = page.t("bom-no-product-body");
    (
        StatusCode::NOT_FOUND,
        crate::web::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// The form as the active version has it, with blank rows after.
fn form_of(state: &AppState, product: ProductId) -> BomForm {
    let mut form = BomForm::default();
    let active = state.read_models.production.read(|production| {
        production
            .bom(product)
            .and_then(|bom| bom.active_version().map(|(_, version)| version.clone()))
    });
    let mut components = 0;
    let mut operations = 0;
    if let Some(version) = active {
        for (index, component) in version.components.iter().enumerate() {
            let n = index + 1;
            form.rest
                .insert(format!("component_{n}"), component.product.to_string());
            form.rest.insert(
                format!("quantity_{n}"),
                component.quantity.normalize().to_string(),
            );
            form.rest.insert(
                format!("scrap_{n}"),
                component.scrap_percent.normalize().to_string(),
            );
            components = n;
        }
        for (index, operation) in version.operations.iter().enumerate() {
            let n = index + 1;
            form.rest
                .insert(format!("operation_{n}"), operation.name.clone());
            form.rest
                .insert(format!("centre_{n}"), operation.work_centre.clone());
            form.rest.insert(
                format!("minutes_{n}"),
                operation.minutes.normalize().to_string(),
            );
            form.rest.insert(
                format!("rate_{n}"),
                operation.hourly_rate.normalize().to_string(),
            );
            operations = n;
        }
        form.lead_days = version.lead_days.to_string();
        form.note = version.note.unwrap_or_default();
    }
    form.components = (components + BLANK_COMPONENTS).to_string();
    form.operations = (operations + BLANK_OPERATIONS).to_string();
    form
}

/// Rows a form says it had, within bounds.
fn rows(raw: &str, most: usize) -> usize {
    raw.trim().parse::<usize>().unwrap_or(0).min(most)
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: Option<BomForm>,
    errors: FormErrors,
    row_errors: RowErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let Some(product) = raw_id.parse::<ProductId>().ok().filter(|product| {
        state
            .read_models
            .stock
            .read(|stock| stock.product_info(*product).is_some())
    }) else {
        return no_product(viewer, raw_id);
    };
    let mut page = Page::new(
        viewer,
        Section::Production,
        "bom-title",
        format!("/production/products/{product}"),
    );
    let tr = page.tr;
    page.title = tr.t1("bom-of", "product", &product_name(state, product));
    let bom = state
        .read_models
        .production
        .read(|production| production.bom(product).cloned());
    let company = state.app.currency().company_currency().ok().flatten();
    let money = |amount| match company {
        Some(currency) => format::money(lang, amount, currency),
        None => format::decimal(lang, amount, 2),
    };
    let versions = bom
        .as_ref()
        .map(|bom| {
            bom.versions
                .iter()
                .rev()
                .map(|(number, version)| VersionView {
                    number: *number,
                    active: bom.active == Some(*number),
                    defined: format::date_time(lang, version.defined_at),
                    lead: tr.t1("offers-lead-days", "days", &version.lead_days.to_string()),
                    note: version.note.clone().unwrap_or_default(),
                    operations_cost: money(domain::production::operations_cost(
                        &version.operations,
                    )),
                    components: version
                        .components
                        .iter()
                        .map(|component| {
                            (
                                product_name(state, component.product),
                                format::quantity(lang, component.quantity),
                                format::decimal(lang, component.scrap_percent, 2),
                            )
                        })
                        .collect(),
                    operations: version
                        .operations
                        .iter()
                        .map(|operation| {
                            (
                                operation.name.clone(),
                                operation.work_centre.clone(),
                                format::quantity(lang, operation.minutes),
                                money(operation.hourly_rate),
                            )
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let form = form.unwrap_or_else(|| form_of(state, product));
    let goods = crate::web::stock_choices::Goods::read(state, "");
    let value = |key: String| form.rest.get(&key).cloned().unwrap_or_default();
    let component_rows = (1..=rows(&form.components, domain::production::BOM_COMPONENTS_MAX))
        .map(|index| ComponentRow {
            index,
            products: goods.product_choices(tr, &value(format!("component_{index}"))),
            quantity: value(format!("quantity_{index}")),
            scrap: value(format!("scrap_{index}")),
            error: row_errors.components.get(&index).cloned(),
        })
        .collect();
    let operation_rows = (1..=rows(&form.operations, domain::production::BOM_OPERATIONS_MAX))
        .map(|index| OperationRow {
            index,
            name: value(format!("operation_{index}")),
            centre: value(format!("centre_{index}")),
            minutes: value(format!("minutes_{index}")),
            rate: value(format!("rate_{index}")),
            error: row_errors.operations.get(&index).cloned(),
        })
        .collect();
    let page = BomPage {
        id: product.to_string(),
        versions,
        can_edit: viewer.allows(Module::Production, Action::Edit),
        component_rows,
        operation_rows,
        lead_days: form.lead_days.clone(),
        note: form.note.clone(),
        etag: bom
            .as_ref()
            .map(|bom| bom.version.to_string())
            .unwrap_or_default(),
        command: state.app.new_id().to_string(),
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /production/products/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(
        &state,
        &viewer,
        &id,
        None,
        FormErrors::default(),
        RowErrors::default(),
        StatusCode::OK,
    )
}

/// The new version the form describes; blank rows are skipped, a row half
/// filled in is an error of that row.
fn parse(
    tr: Tr,
    product: ProductId,
    form: &BomForm,
    errors: &mut FormErrors,
    row_errors: &mut RowErrors,
) -> Option<DefineBom> {
    let value = |key: String| {
        form.rest
            .get(&key)
            .map(|text| text.trim().to_owned())
            .unwrap_or_default()
    };
    let mut components = Vec::new();
    for index in 1..=rows(&form.components, domain::production::BOM_COMPONENTS_MAX) {
        let (chosen, quantity, scrap) = (
            value(format!("component_{index}")),
            value(format!("quantity_{index}")),
            value(format!("scrap_{index}")),
        );
        if chosen.is_empty() && quantity.is_empty() && scrap.is_empty() {
            continue;
        }
        let parsed = chosen.parse::<ProductId>().ok().and_then(|product| {
            let quantity = format::parse_decimal(&quantity)
                .and_then(|value| Quantity::parse("quantity", value).ok())?;
            let scrap = if scrap.is_empty() {
                Some(rust_decimal::Decimal::ZERO)
            } else {
                format::parse_decimal(&scrap)
            }
            .and_then(|value| ScrapPercent::parse("scrap", value).ok())?;
            Some(NewComponent {
                product,
                quantity,
                scrap_percent: scrap,
            })
        });
        match parsed {
            Some(component) => components.push(component),
            None => {
                row_errors
                    .components
                    .insert(index, tr.t("bom-component-invalid"));
            }
        }
    }
    let mut operations = Vec::new();
    for index in 1..=rows(&form.operations, domain::production::BOM_OPERATIONS_MAX) {
        let (name, centre, minutes, rate) = (
            value(format!("operation_{index}")),
            value(format!("centre_{index}")),
            value(format!("minutes_{index}")),
            value(format!("rate_{index}")),
        );
        if name.is_empty() && centre.is_empty() && minutes.is_empty() && rate.is_empty() {
            continue;
        }
        let parsed = (|| {
            Some(NewOperation {
                name: Label::parse("name", &name).ok()?,
                work_centre: Label::parse("centre", &centre).ok()?,
                minutes: Quantity::parse("minutes", format::parse_decimal(&minutes)?).ok()?,
                hourly_rate: UnitPrice::parse("rate", format::parse_decimal(&rate)?).ok()?,
            })
        })();
        match parsed {
            Some(operation) => operations.push(operation),
            None => {
                row_errors
                    .operations
                    .insert(index, tr.t("bom-operation-invalid"));
            }
        }
    }
    let lead_days = match form.lead_days.trim() {
        "" => Some(0),
        text => text
            .parse::<u32>()
            .ok()
            .filter(|days| *days <= domain::production::LEAD_DAYS_MAX),
    };
    if lead_days.is_none() {
        errors.add("lead_days", tr.t("bom-lead-invalid"));
    }
    let note = Label::parse_optional("note", Some(&form.note));
    if note.is_err() {
        errors.add("note", tr.t("form-one-line"));
    }
    if components.is_empty() && operations.is_empty() && row_errors.is_empty() {
        errors.form = Some(tr.t("bom-empty"));
    }
    if !errors.is_empty() || !row_errors.is_empty() {
        if errors.form.is_none() {
            errors.form = Some(tr.t("bom-fix-rows"));
        }
        return None;
    }
    Some(DefineBom {
        product,
        components,
        operations,
        lead_days: lead_days?,
        note: note.ok()?,
    })
}

/// `POST /production/products/{id}/{define,activate}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw_id, action)): Path<(String, String)>,
    Form(form): Form<BomForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(product) = raw_id.parse::<ProductId>() else {
        return no_product(&viewer, &raw_id);
    };
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        action.as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let mut errors = FormErrors::default();
    let mut row_errors = RowErrors::default();
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => {
            let errors = refusal(tr, &error, &[]);
            return render(
                &state,
                &viewer,
                &raw_id,
                Some(form),
                errors,
                RowErrors::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let production = state.app.production();
    let result = match action.as_str() {
        "define" => match parse(tr, product, &form, &mut errors, &mut row_errors) {
            Some(define) => Some(production.define_bom(&caller, run, define).await),
            None => None,
        },
        "activate" => match form.activate.trim().parse::<u32>() {
            Ok(version) => Some(
                production
                    .activate_bom(&caller, run, product, version)
                    .await,
            ),
            Err(_) => {
                errors.form = Some(tr.t("form-not-found"));
                None
            }
        },
        _ => return no_product(&viewer, &raw_id),
    };
    match result {
        Some(Ok(executed)) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/production/products/{product}"),
            )
            .await
        }
        Some(Err(error)) => {
            let errors = refusal(tr, &error, &[("lead_days", "lead_days"), ("note", "note")]);
            render(
                &state,
                &viewer,
                &raw_id,
                Some(form),
                errors,
                RowErrors::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        None => render(
            &state,
            &viewer,
            &raw_id,
            Some(form),
            errors,
            row_errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}
