//! A new order: the form (a customer, a price list, a warehouse and
//! up to five lines) and drafting it through `app.orders()`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::catalog::{PriceList, Quantity};
use domain::ids::{PartyId, PriceListId, ProductId, WarehouseId};
use domain::values::Label;
use serde::Deserialize;

use crate::web::Viewer;
use crate::web::format;
use crate::web::forms::{self, FormErrors};
use crate::web::i18n::Tr;
use crate::web::{Page, Section};

use super::customer_name;
use crate::web::forms::OwnedChoice;

/// Line rows on the new-order form.
pub const NEW_ORDER_LINES: usize = 5;

use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    party: String,
}

/// The new-order form as typed: the lines come as `product_1`,
/// `quantity_1` … so the form needs no script.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrderForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub price_list: String,
    #[serde(default)]
    pub warehouse: String,
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
    pub product_error: Option<String>,
    pub quantity_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "order_new.html")]
pub struct NewPage {
    page: Page,
    party: String,
    customer_href: String,
    price_lists: Vec<OwnedChoice>,
    warehouses: Vec<OwnedChoice>,
    lines: Vec<LineRow>,
    reference: String,
    command: String,
    errors: FormErrors,
}

/// Every price list from the catalog read model, those in the company
/// currency first (the form's default, as most orders are), then by name.
pub(crate) fn known_price_lists(state: &AppState) -> Vec<(PriceListId, String)> {
    let company = state.app.currency().company_currency().ok().flatten();
    let mut lists = state.read_models.catalog.read(|catalog| {
        catalog
            .price_lists()
            .into_iter()
            .map(|(id, list)| {
                let name = format!("{} ({})", list.name, list.currency.as_str());
                (
                    company.is_some_and(|company| company != list.currency),
                    id,
                    name,
                )
            })
            .collect::<Vec<_>>()
    });
    // Stable: within each group the catalog's order by name stays.
    lists.sort_by_key(|(other_currency, _, _)| *other_currency);
    lists.into_iter().map(|(_, id, name)| (id, name)).collect()
}

fn new_page(
    state: &AppState,
    viewer: &Viewer,
    party: PartyId,
    form: &NewOrderForm,
    errors: FormErrors,
) -> NewPage {
    let mut page = Page::new(
        viewer,
        Section::Orders,
        "order-new-title",
        format!("/orders/new?party={party}"),
    );
    let tr = page.tr;
    let customer = customer_name(state, party);
    page.title = tr.t1("order-new-for", "customer", &customer);
    let price_lists = known_price_lists(state)
        .into_iter()
        .map(|(id, name)| OwnedChoice {
            selected: form.price_list == id.to_string(),
            value: id.to_string(),
            label: name,
        })
        .collect();
    let goods = crate::web::stock_choices::Goods::read(state, &form.warehouse);
    let lines = (1..=NEW_ORDER_LINES)
        .map(|index| {
            let chosen = form
                .rest
                .get(&format!("product_{index}"))
                .cloned()
                .unwrap_or_default();
            LineRow {
                index,
                products: goods.product_choices(tr, &chosen),
                quantity: form
                    .rest
                    .get(&format!("quantity_{index}"))
                    .cloned()
                    .unwrap_or_default(),
                product_error: errors.get(&format!("product_{index}")).map(str::to_owned),
                quantity_error: errors.get(&format!("quantity_{index}")).map(str::to_owned),
            }
        })
        .collect();
    NewPage {
        party: party.to_string(),
        customer_href: format!("/customers/{party}"),
        price_lists,
        warehouses: goods.warehouses,
        lines,
        reference: form.reference.clone(),
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        errors,
        page,
    }
}

/// The customer a new-order page or form names, if it exists and is
/// within the viewer's reach (one out of reach is "no such customer" too,
/// so the page tells nothing of it).
fn known_party(state: &AppState, viewer: &Viewer, raw: &str) -> Option<PartyId> {
    let id = raw.parse::<PartyId>().ok()?;
    let principal = viewer.principal.as_ref()?;
    crate::http::scope::ensure_party_in_reach(state, principal, id).ok()?;
    state
        .read_models
        .customers
        .read(|customers| customers.resolve(id).map(|row| row.id))
}

fn no_customer(viewer: &Viewer) -> Response {
    let page = Page::new(
        viewer,
        Section::Orders,
        "order-no-customer",
        "/orders".to_owned(),
    );
    let body = page.t("order-no-customer-body");
    (
        StatusCode::NOT_FOUND,
        crate::web::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// `GET /orders/new?party=…`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Response {
    let Some(party) = known_party(&state, &viewer, &query.party) else {
        return no_customer(&viewer);
    };
    let form = NewOrderForm {
        party: party.to_string(),
        ..NewOrderForm::default()
    };
    new_page(&state, &viewer, party, &form, FormErrors::default()).into_response()
}

/// The lines typed: (row, product, quantity), rows left blank skipped.
fn parse_lines(tr: Tr, form: &NewOrderForm, errors: &mut FormErrors) -> Vec<(ProductId, Quantity)> {
    let mut lines = Vec::new();
    for index in 1..=NEW_ORDER_LINES {
        let product = form
            .rest
            .get(&format!("product_{index}"))
            .map(|text| text.trim())
            .unwrap_or("");
        let quantity = form
            .rest
            .get(&format!("quantity_{index}"))
            .map(|text| text.trim())
            .unwrap_or("");
        if product.is_empty() && quantity.is_empty() {
            continue;
        }
        let product_field = field_name("product", index);
        let quantity_field = field_name("quantity", index);
        let product = product.parse::<ProductId>();
        if product.is_err() {
            errors.add(product_field, tr.t("form-choose"));
        }
        let quantity = format::parse_decimal(quantity)
            .and_then(|value| Quantity::parse("quantity", value).ok());
        if quantity.is_none() {
            errors.add(quantity_field, tr.t("form-positive-number"));
        }
        if let (Ok(product), Some(quantity)) = (product, quantity) {
            lines.push((product, quantity));
        }
    }
    lines
}

/// The static name of a line field (`FormErrors` keys are `'static`).
fn field_name(kind: &str, index: usize) -> &'static str {
    const PRODUCTS: [&str; NEW_ORDER_LINES] = [
        "product_1",
        "product_2",
        "product_3",
        "product_4",
        "product_5",
    ];
    const QUANTITIES: [&str; NEW_ORDER_LINES] = [
        "quantity_1",
        "quantity_2",
        "quantity_3",
        "quantity_4",
        "quantity_5",
    ];
    let names = if kind == "product" {
        &PRODUCTS
    } else {
        &QUANTITIES
    };
    names
        .get(index.saturating_sub(1))
        .copied()
        .unwrap_or("lines")
}

/// `POST /orders/new`: drafts the order with its lines, then shows it
/// with the prices resolved now.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewOrderForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(&state, &viewer, &form.party) else {
        return no_customer(&viewer);
    };
    let mut errors = FormErrors::default();
    let price_list = form.price_list.parse::<PriceListId>().ok();
    let currency = price_list.and_then(|id| state.app.load::<PriceList>(id).ok()?.0?.currency);
    if currency.is_none() {
        errors.add("price_list", tr.t("form-choose"));
    }
    let warehouse = form.warehouse.parse::<WarehouseId>().ok().filter(|id| {
        state
            .read_models
            .stock
            .read(|stock| stock.warehouse_info(*id).is_some_and(|info| !info.closed))
            && viewer.principal.as_ref().is_some_and(|principal| {
                crate::http::scope::ensure_warehouse_in_reach(
                    &state,
                    principal,
                    domain::access::Action::Read,
                    *id,
                )
                .is_ok()
            })
    });
    if warehouse.is_none() {
        errors.add("warehouse", tr.t("form-choose"));
    }
    let reference = Label::parse_optional("reference", Some(&form.reference));
    if reference.is_err() {
        errors.add("reference", tr.t("form-one-line"));
    }
    let lines = parse_lines(tr, &form, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.form = Some(tr.t("order-needs-a-line"));
    }
    let (Some(price_list), Some(_), Some(warehouse), Ok(reference), true) = (
        price_list,
        currency,
        warehouse,
        reference,
        errors.is_empty(),
    ) else {
        let page = new_page(&state, &viewer, party, &form, errors);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    let new = app::orders::NewOrder {
        party,
        price_list,
        warehouse,
        deal: None,
        branch: None,
        manager: None,
        reference,
        lines: lines
            .into_iter()
            .map(|(product, quantity)| app::orders::NewLine {
                product,
                quantity,
                discount_percent: None,
            })
            .collect(),
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => state.app.orders().draft(&caller, run, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(drafted) => {
            let order = drafted.order;
            forms::redirect_after(
                &state,
                drafted.executed.last_position,
                &format!("/orders/{order}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("reference", "reference")]);
            let page = new_page(&state, &viewer, party, &form, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    }
}
