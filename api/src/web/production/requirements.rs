//! Material requirements: for all open sales orders, or the ones ticked,
//! what to make and what to buy, how much and by when, through every
//! level of the bills (`projections::requirements`). Each line links to
//! where it is acted on: the product's bill (to plan an order) or its
//! suppliers' offers.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use domain::ids::{OrderId, ProductId};
use projections::requirements::{Action, Selection};
use uuid::Uuid;

use crate::AppState;
use crate::web::purchases::{party_name, product_name, warehouse_name};
use crate::web::{Page, Section, Viewer, format};

/// Open orders offered to tick, at most.
const ORDERS_OFFERED_MAX: usize = 200;

/// One line of the plan.
#[derive(Debug)]
pub struct LineView {
    pub level: usize,
    pub product: String,
    pub href: String,
    pub warehouse: String,
    pub make: bool,
    pub action: String,
    pub gross: String,
    pub available: String,
    pub incoming: String,
    pub net: String,
    pub need_on: String,
    pub start_by: String,
    pub late: bool,
}

/// An open sales order to tick.
#[derive(Debug)]
pub struct OrderChoice {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "requirements.html")]
pub struct RequirementsPage {
    page: Page,
    lines: Vec<LineView>,
    orders: Vec<OrderChoice>,
    all: bool,
    chosen_count: String,
}

/// `GET /production/requirements[?order=…&order=…]`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = viewer.lang;
    let page = Page::new(
        &viewer,
        Section::Production,
        "requirements-title",
        "/production/requirements".to_owned(),
    );
    let tr = page.tr;
    // Repeated `order` keys, read by hand: the form ticks several.
    let chosen: std::collections::BTreeSet<OrderId> = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.strip_prefix("order="))
        .filter_map(|id| id.parse::<Uuid>().ok())
        .map(OrderId::from_uuid)
        .collect();
    let selection = if chosen.is_empty() {
        Selection::AllOpen
    } else {
        Selection::Orders(chosen.clone())
    };
    let today = state.app.now().date_naive();
    let planned = crate::http::production::requirements_now(&state, &selection, today);
    let lines = planned
        .into_iter()
        .map(|line| {
            let (make, action, href) = match line.action {
                Action::Produce => (
                    true,
                    tr.t("requirements-make"),
                    format!("/production/products/{}", line.product),
                ),
                Action::Buy { supplier } => (
                    false,
                    match supplier {
                        Some(supplier) => tr.t1(
                            "requirements-buy-from",
                            "supplier",
                            &party_name(&state, supplier),
                        ),
                        None => tr.t("requirements-buy-no-supplier"),
                    },
                    format!("/purchases/products/{}", line.product),
                ),
            };
            LineView {
                level: line.level,
                product: product_name(&state, line.product),
                href,
                warehouse: warehouse_name(&state, line.warehouse),
                make,
                action,
                gross: format::quantity(lang, line.gross),
                available: format::quantity(lang, line.available),
                incoming: format::quantity(lang, line.on_order + line.in_production),
                net: format::quantity(lang, line.net),
                need_on: format::date(lang, line.need_on),
                start_by: format::date(lang, line.start_by),
                late: line.late,
            }
        })
        .collect();
    let mut open: Vec<(OrderId, chrono::NaiveDate, Vec<ProductId>)> =
        state.read_models.production.read(|production| {
            production
                .open_sales()
                .map(|(order, sale)| {
                    (
                        order,
                        sale.confirmed_on,
                        sale.lines.iter().map(|line| line.product).collect(),
                    )
                })
                .collect()
        });
    open.sort_by_key(|(order, confirmed, _)| (*confirmed, *order));
    let orders = open
        .into_iter()
        .take(ORDERS_OFFERED_MAX)
        .map(|(order, confirmed, products)| {
            let (number, party) = state.read_models.orders.read(|orders| {
                orders
                    .get(order)
                    .map(|summary| (summary.number.clone(), Some(summary.party)))
                    .unwrap_or((None, None))
            });
            let number = number.map_or_else(|| order.to_string(), String::from);
            let customer = party
                .map(|party| party_name(&state, party))
                .unwrap_or_default();
            let goods: Vec<String> = products
                .iter()
                .take(3)
                .map(|product| product_name(&state, *product))
                .collect();
            OrderChoice {
                id: order.to_string(),
                label: format!(
                    "{number} · {customer} · {} · {}",
                    format::date(lang, confirmed),
                    goods.join(", ")
                ),
                checked: chosen.contains(&order),
            }
        })
        .collect();
    RequirementsPage {
        page,
        lines,
        orders,
        all: chosen.is_empty(),
        chosen_count: chosen.len().to_string(),
    }
    .into_response()
}
