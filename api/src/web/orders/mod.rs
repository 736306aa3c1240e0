//! Orders: the recent orders, a new order for a customer, and the order
//! page that takes it from draft to paid (confirm, ship, invoice, a
//! payment) or takes goods back.
//!
//! An order is read from its own stream through `App::load` (its
//! state is cached there), not from a read model: the page shows exactly
//! what the next command will be decided against, and each form carries
//! the version it was rendered from, so acting on a stale page is refused
//! rather than doing something the user did not see. A draft shows each
//! line's price as the list resolves it now (`trade::price_order`): what
//! confirming will freeze.
//!
//! The list comes from the `orders` read model (newest activity first);
//! the new-order form offers every price list of the `catalog` read model.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::{OrderId, PartyId};
use domain::sales::{Order, OrderState, OrderStatus};
use rust_decimal::Decimal;

use projections::models::orders::OrderListRow;

use super::Viewer;
use super::format;
use super::{Page, Section};
use crate::AppState;
use app::commands::CommandError;

mod new;
mod page;

pub use new::{create, new_form};
pub use page::{
    cancel, change_line, confirm, invoice, payment, remove_line, return_goods, ship, show,
};

/// Orders on the list.
const LIST_ORDERS_MAX: usize = 50;

pub(super) fn status_message(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Draft => "order-status-draft",
        OrderStatus::Confirmed => "order-status-confirmed",
        OrderStatus::PartiallyShipped => "order-status-partially-shipped",
        OrderStatus::Shipped => "order-status-shipped",
        OrderStatus::Closed => "order-status-closed",
        OrderStatus::Cancelled => "order-status-cancelled",
    }
}

fn load_order(
    state: &AppState,
    order: OrderId,
) -> Result<Option<(OrderState, Option<u64>)>, CommandError> {
    let (loaded, version) = state.app.load::<Order>(order)?;
    Ok(loaded.map(|loaded| (loaded, version)))
}

/// The page of an order that does not exist (`raw_id` as asked).
pub(crate) fn order_not_found(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Orders,
        "order-not-found",
        format!("/orders/{raw_id}"),
    );
    let body = page.t("order-not-found-body");
    (
        StatusCode::NOT_FOUND,
        super::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// The orders with the most recent activity, newest first, from the
/// orders read model.
fn recent_orders(state: &AppState, limit: usize) -> Vec<OrderListRow> {
    state
        .read_models
        .orders
        .read(|orders| orders.page(limit, None, None).rows)
}

pub(super) fn customer_name(state: &AppState, party: PartyId) -> String {
    state.read_models.customers.read(|customers| {
        customers
            .resolve(party)
            .map(|row| row.display_name.clone())
            .unwrap_or_else(|| party.to_string())
    })
}

/// The gross of the confirmed lines, or `None` for a draft.
fn order_total(order: &OrderState) -> Option<Decimal> {
    (!order.lines.is_empty()).then(|| {
        order
            .lines
            .values()
            .map(|line| line.confirmed.amounts.gross)
            .sum()
    })
}

/// A row of the list.
#[derive(Debug)]
pub struct OrderRow {
    pub href: String,
    pub number: String,
    pub customer: String,
    pub status: String,
    pub total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
pub struct ListPage {
    page: Page,
    rows: Vec<OrderRow>,
}

/// What an order is called: its number, or (drafted before orders were
/// numbered, or a moment before the numbering process gave it one) the
/// end of its id.
fn order_number(state: &AppState, order: OrderId) -> String {
    state
        .read_models
        .orders
        .read(|orders| orders.get(order).and_then(|row| row.number.clone()))
        .map_or_else(|| short_id(order), String::from)
}

fn short_id(order: OrderId) -> String {
    order
        .to_string()
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// `GET /orders`.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> ListPage {
    let page = Page::new(
        &viewer,
        Section::Orders,
        "orders-title",
        "/orders".to_owned(),
    );
    let tr = page.tr;
    let listed = recent_orders(&state, LIST_ORDERS_MAX);
    let only = viewer.principal.as_ref().and_then(|principal| {
        principal.only_owner(domain::access::Module::Orders, domain::access::Action::Read)
    });
    let rows = listed
        .into_iter()
        .filter(|row| {
            only.is_none_or(|user| crate::http::scope::owns_party(&state, user, row.summary.party))
        })
        .map(|row| {
            let id = row.order;
            OrderRow {
                href: format!("/orders/{id}"),
                number: row
                    .summary
                    .number
                    .as_deref()
                    .map_or_else(|| short_id(id), str::to_owned),
                customer: customer_name(&state, row.summary.party),
                status: tr.t(status_message(row.summary.status)),
                total: row
                    .summary
                    .total
                    .map(|total| format::money(viewer.lang, total, row.summary.currency))
                    .unwrap_or_default(),
            }
        })
        .collect();
    ListPage { page, rows }
}
