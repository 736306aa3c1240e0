//! Production: the production orders list with the form that plans one,
//! the order page that takes it from planned to done (its components'
//! shortages shown before release, finished goods reported in parts),
//! each product's bill of materials ([`bom`]) and material requirements
//! ([`requirements`]).
//!
//! The list and each order come from the `production` read model, the
//! stock figures beside them from the `stock` one; every form carries the
//! version it was rendered from, so acting on a stale page is refused.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::access::{Action, Module};
use domain::catalog::Quantity;
use domain::ids::{ProductId, ProductionOrderId, WarehouseId};
use domain::production::{ProductionCommand, ProductionOrder, ProductionStatus};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::purchases::{product_name, warehouse_name};
use super::{Page, Section, Viewer, format};
use crate::AppState;
use app::commands::CommandError;

pub mod bom;
pub mod requirements;

/// Orders on the list, at most.
const LIST_ORDERS_MAX: usize = 100;

/// What an order is called: its number, or the end of its id a moment
/// before the numbering process gives it one.
fn number_of(
    order: ProductionOrderId,
    row: &projections::models::production::ProductionRow,
) -> String {
    row.number.as_deref().map_or_else(
        || order.to_string().chars().skip(28).collect(),
        str::to_owned,
    )
}

pub(super) fn status_message(status: ProductionStatus) -> &'static str {
    match status {
        ProductionStatus::Planned => "production-status-planned",
        ProductionStatus::Released => "production-status-released",
        ProductionStatus::InProgress => "production-status-in-progress",
        ProductionStatus::Done => "production-status-done",
        ProductionStatus::Cancelled => "production-status-cancelled",
    }
}

/// A refusal of production in the reader's words: the rules a
/// storekeeper meets on these pages get their own message; the rest the
/// forms' usual one.
pub(super) fn refusal(tr: Tr, error: &CommandError, fields: &[(&str, &'static str)]) -> FormErrors {
    let own = match error {
        CommandError::Domain(domain::DomainError::Rejected { rule, .. }) => match *rule {
            "production.short" => Some("production-refused-short"),
            "production.no_bom" => Some("production-refused-no-bom"),
            "production.not_released" => Some("production-refused-not-released"),
            "production.partly_produced" => Some("production-refused-partly-produced"),
            "production.nothing_produced" => Some("production-refused-nothing-produced"),
            "bom.cycle" => Some("bom-refused-cycle"),
            "bom.component_is_product" => Some("bom-refused-cycle"),
            _ => None,
        },
        _ => None,
    };
    match own {
        Some(message) => {
            let mut errors = FormErrors::default();
            errors.form = Some(tr.t(message));
            errors
        }
        None => FormErrors::from_command(tr, error, fields),
    }
}

/// The products with an active bill, as a select's choices after a
/// "choose one", `selected` chosen.
fn producible(state: &AppState, tr: Tr, selected: &str) -> Vec<OwnedChoice> {
    let mut products: Vec<(String, String)> = state
        .read_models
        .production
        .read(|production| {
            production
                .boms()
                .filter(|(_, bom)| bom.active.is_some())
                .map(|(product, _)| product)
                .collect::<Vec<_>>()
        })
        .into_iter()
        .map(|product| (product.to_string(), product_name(state, product)))
        .collect();
    products.sort_by(|a, b| a.1.cmp(&b.1));
    let mut choices = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("form-choose"),
        selected: selected.is_empty(),
    }];
    choices.extend(products.into_iter().map(|(value, label)| OwnedChoice {
        selected: value == selected,
        value,
        label,
    }));
    choices
}

// -------------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

/// The plan form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub command: String,
}

/// A row of the list.
#[derive(Debug)]
pub struct ListRow {
    pub href: String,
    pub number: String,
    pub product: String,
    pub warehouse: String,
    pub status: String,
    pub quantity: String,
    pub produced: String,
    pub due: String,
    pub late: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "production.html")]
pub struct ListPage {
    page: Page,
    rows: Vec<ListRow>,
    statuses: Vec<OwnedChoice>,
    made_today: String,
    made_this_week: String,
    can_plan: bool,
    products: Vec<OwnedChoice>,
    warehouses: Vec<OwnedChoice>,
    form: PlanForm,
    errors: FormErrors,
    command: String,
}

fn list_page(
    state: &AppState,
    viewer: &Viewer,
    status: Option<ProductionStatus>,
    form: PlanForm,
    errors: FormErrors,
) -> Response {
    let lang = viewer.lang;
    let page = Page::new(
        viewer,
        Section::Production,
        "production-title",
        "/production".to_owned(),
    );
    let tr = page.tr;
    let today = state.app.now().date_naive();
    let monday = today
        - chrono::Days::new(u64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let (listed, on_day, in_week) = state.read_models.production.read(|production| {
        let listed: Vec<(
            ProductionOrderId,
            projections::models::production::ProductionRow,
        )> = production
            .page_matching(LIST_ORDERS_MAX, None, |_, row| {
                status.is_none_or(|status| status == row.status)
            })
            .rows
            .iter()
            .map(|listed| (listed.order, listed.row.clone()))
            .collect();
        (
            listed,
            production.figures_over(today, today, None),
            production.figures_over(monday, today, None),
        )
    });
    let rows = listed
        .into_iter()
        .map(|(order, row)| ListRow {
            href: format!("/production/{order}"),
            number: number_of(order, &row),
            product: product_name(state, row.product),
            warehouse: warehouse_name(state, row.warehouse),
            status: tr.t(status_message(row.status)),
            quantity: format::quantity(lang, row.quantity),
            produced: format::quantity(lang, row.produced),
            due: format::date(lang, row.due_on),
            late: row.late_on(today),
        })
        .collect();
    let chosen = status.map(|status| status.key()).unwrap_or_default();
    let mut statuses = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("production-status-any"),
        selected: chosen.is_empty(),
    }];
    statuses.extend(ProductionStatus::ALL.iter().map(|status| OwnedChoice {
        value: status.key().to_owned(),
        label: tr.t(status_message(*status)),
        selected: status.key() == chosen,
    }));
    let goods = super::stock_choices::Goods::read(state, &form.warehouse);
    let mut form = form;
    if form.due_on.is_empty() {
        form.due_on = (today + chrono::Days::new(7)).to_string();
    }
    let page = ListPage {
        rows,
        statuses,
        made_today: format::quantity(lang, on_day.produced),
        made_this_week: format::quantity(lang, in_week.produced),
        can_plan: viewer.allows(Module::Production, Action::Create),
        products: producible(state, tr, &form.product),
        warehouses: goods.warehouses,
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        form,
        errors,
        page,
    };
    let status = page.errors.status();
    (status, page).into_response()
}

/// `GET /production`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Response {
    let status = ProductionStatus::parse(query.status.trim());
    list_page(
        &state,
        &viewer,
        status,
        PlanForm::default(),
        FormErrors::default(),
    )
}

/// `POST /production`: plans an order from the product's active bill.
pub async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PlanForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let product = form.product.parse::<ProductId>().ok();
    if product.is_none() {
        errors.add("product", tr.t("form-choose"));
    }
    let warehouse = form.warehouse.parse::<WarehouseId>().ok();
    if warehouse.is_none() {
        errors.add("warehouse", tr.t("form-choose"));
    }
    let quantity = format::parse_decimal(form.quantity.trim())
        .and_then(|value| Quantity::parse("quantity", value).ok());
    if quantity.is_none() {
        errors.add("quantity", tr.t("form-positive-number"));
    }
    let due_on = form.due_on.trim().parse::<NaiveDate>().ok();
    if due_on.is_none() {
        errors.add("due_on", tr.t("form-date"));
    }
    let (Some(product), Some(warehouse), Some(quantity), Some(due_on)) =
        (product, warehouse, quantity, due_on)
    else {
        return list_page(&state, &viewer, None, form, errors);
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let planned = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .production()
                .plan(
                    &caller,
                    run,
                    app::production::NewProduction {
                        product,
                        warehouse,
                        quantity,
                        due_on,
                        branch: None,
                    },
                )
                .await
        }
        Err(error) => Err(error),
    };
    match planned {
        Ok(planned) => {
            forms::redirect_after(
                &state,
                planned.executed.last_position,
                &format!("/production/{}", planned.order),
            )
            .await
        }
        Err(error) => {
            let errors = refusal(tr, &error, &[("quantity", "quantity")]);
            list_page(&state, &viewer, None, form, errors)
        }
    }
}

// -------------------------------------------------------------- order page

/// Every form of the order page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub finish: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub command: String,
}

/// A component as the order page shows it.
#[derive(Debug)]
pub struct ComponentView {
    pub product: String,
    pub per_unit: String,
    pub required: String,
    pub consumed: String,
    pub reserved: String,
    pub available: String,
    pub short: String,
    pub is_short: bool,
}

/// A completion as the order page shows it.
#[derive(Debug)]
pub struct CompletionView {
    pub at: String,
    pub quantity: String,
    pub unit_cost: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "production_order.html")]
pub struct OrderPage {
    page: Page,
    id: String,
    bom_href: String,
    warehouse: String,
    status_key: &'static str,
    status: String,
    quantity: String,
    produced: String,
    outstanding: String,
    due: String,
    late: bool,
    operations_cost: String,
    cancel_reason: Option<String>,
    components: Vec<ComponentView>,
    any_short: bool,
    completions: Vec<CompletionView>,
    can_edit: bool,
    can_cancel: bool,
    version: String,
    command: String,
    form: ActionForm,
    errors: FormErrors,
}

fn not_found(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Production,
        "production-not-found",
        format!("/production/{raw_id}"),
    );
    let body = page.t("production-not-found-body");
    (
        StatusCode::NOT_FOUND,
        super::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: ActionForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let Some((order, row)) = raw_id.parse::<ProductionOrderId>().ok().and_then(|order| {
        state
            .read_models
            .production
            .read(|production| production.get(order).cloned())
            .map(|row| (order, row))
    }) else {
        return not_found(viewer, raw_id);
    };
    let mut page = Page::new(
        viewer,
        Section::Production,
        "production-order-title",
        format!("/production/{order}"),
    );
    let tr = page.tr;
    let product = product_name(state, row.product);
    page.title = tr.t2(
        "production-order-of",
        "number",
        &number_of(order, &row),
        "product",
        &product,
    );
    let today = state.app.now().date_naive();
    let components: Vec<ComponentView> = state
        .read_models
        .stock
        .read(|stock| crate::http::production::components_of(&row, stock))
        .into_iter()
        .map(|component| ComponentView {
            product: product_name(state, ProductId::from_uuid(component.product)),
            per_unit: format::quantity(lang, component.per_unit),
            required: format::quantity(lang, component.required),
            consumed: format::quantity(lang, component.consumed),
            reserved: format::quantity(lang, component.reserved),
            available: format::quantity(lang, component.available),
            short: format::quantity(lang, component.short),
            is_short: component.short > Decimal::ZERO,
        })
        .collect();
    let company = state.app.currency().company_currency().ok().flatten();
    let cost = |amount: Decimal| match company {
        Some(currency) => format::money(lang, amount, currency),
        None => format::decimal(lang, amount, 2),
    };
    let completions = row
        .completions
        .iter()
        .map(|completion| CompletionView {
            at: format::date_time(lang, completion.occurred_at),
            quantity: format::quantity(lang, completion.quantity),
            unit_cost: completion
                .unit_cost
                .map_or_else(|| tr.t("production-costing"), cost),
        })
        .collect();
    let page = OrderPage {
        id: order.to_string(),
        bom_href: format!("/production/products/{}", row.product),
        warehouse: warehouse_name(state, row.warehouse),
        status_key: row.status.key(),
        status: tr.t(status_message(row.status)),
        quantity: format::quantity(lang, row.quantity),
        produced: format::quantity(lang, row.produced),
        outstanding: format::quantity(lang, row.outstanding()),
        due: format::date(lang, row.due_on),
        late: row.late_on(today),
        operations_cost: cost(row.operations_cost),
        cancel_reason: row.cancel_reason.clone(),
        any_short: components.iter().any(|component| component.is_short),
        components,
        completions,
        can_edit: row.status.open() && viewer.allows(Module::Production, Action::Edit),
        can_cancel: row.status.open()
            && row.produced.is_zero()
            && viewer.allows(Module::Production, Action::Delete),
        version: row.version.to_string(),
        command: state.app.new_id().to_string(),
        form,
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /production/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(
        &state,
        &viewer,
        &id,
        ActionForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /production/{id}/{release,start,complete,finish,cancel}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw_id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(order) = raw_id.parse::<ProductionOrderId>() else {
        return not_found(&viewer, &raw_id);
    };
    // The page's forms share one command id: each action derives its own.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        action.as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let mut errors = FormErrors::default();
    let command = match action.as_str() {
        "release" => Some(ProductionCommand::Release),
        "start" => Some(ProductionCommand::Start),
        "finish" => Some(ProductionCommand::Finish),
        "cancel" => match Label::parse("reason", &form.reason) {
            Ok(reason) => Some(ProductionCommand::Cancel { reason }),
            Err(_) => {
                errors.add("reason", tr.t("form-required-line"));
                None
            }
        },
        "complete" => None,
        _ => return not_found(&viewer, &raw_id),
    };
    let result = match viewer.caller() {
        Err(error) => Err(error),
        Ok(caller) => match command {
            Some(command) => state
                .app
                .execute::<ProductionOrder, _>(&caller, run, order, command, None)
                .await
                .map(Some),
            None if action == "complete" => {
                match format::parse_decimal(form.quantity.trim())
                    .and_then(|value| Quantity::parse("quantity", value).ok())
                {
                    Some(quantity) => state
                        .app
                        .production()
                        .complete(&caller, run, order, quantity, !form.finish.is_empty())
                        .await
                        .map(Some),
                    None => {
                        errors.add("quantity", tr.t("form-positive-number"));
                        Ok(None)
                    }
                }
            }
            None => Ok(None),
        },
    };
    match result {
        Ok(Some(executed)) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/production/{order}"),
            )
            .await
        }
        Ok(None) => render(
            &state,
            &viewer,
            &raw_id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(error) => {
            let errors = refusal(
                tr,
                &error,
                &[("quantity", "quantity"), ("reason", "reason")],
            );
            render(
                &state,
                &viewer,
                &raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
