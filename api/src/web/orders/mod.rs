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
//! The list comes from the `orders` read model (newest activity first),
//! a page at a time with a link to the older ones, narrowed by status and
//! by what was typed: the start of a number, the sequence a customer reads
//! out ("42"), or words of the customer's name; the new-order form offers
//! every price list of the `catalog` read model.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::{OrderId, PartyId};
use domain::sales::{Order, OrderState, OrderStatus};
use rust_decimal::Decimal;

use projections::models::customers::{CustomerQuery, StatusFilter};
use projections::models::orders::{OrderListRow, OrderPage, OrderSummary};
use serde::Deserialize;
use std::collections::HashSet;

use super::Viewer;
use super::format;
use super::forms::OwnedChoice;
use super::{Page, Section, query_string};
use crate::AppState;
use app::commands::CommandError;

mod new;
mod page;
mod print;

pub(crate) use new::known_price_lists;
pub use new::{create, new_form};
pub(crate) use page::show_with;
pub use page::{
    cancel, change_line, confirm, invoice, payment, remove_line, return_goods, ship, show,
};
pub use print::{copy as copy_confirmation, print as print_confirmation};

/// Orders on a page of the list.
const LIST_ORDERS_MAX: usize = 50;
/// Customers whose orders a name search looks for, at most.
const NAME_MATCHES_MAX: usize = projections::PAGE_ROWS_MAX;

/// The list's statuses, as the status filter names them.
const STATUSES: [(&str, OrderStatus); 6] = [
    ("draft", OrderStatus::Draft),
    ("confirmed", OrderStatus::Confirmed),
    ("partially_shipped", OrderStatus::PartiallyShipped),
    ("shipped", OrderStatus::Shipped),
    ("closed", OrderStatus::Closed),
    ("cancelled", OrderStatus::Cancelled),
];

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

pub(crate) fn customer_name(state: &AppState, party: PartyId) -> String {
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
    q: String,
    statuses: Vec<OwnedChoice>,
    status_error: Option<String>,
    /// Orders found by their number: one list, no pages.
    by_number: bool,
    rows: Vec<OrderRow>,
    next_url: Option<String>,
    newest_url: Option<String>,
}

/// The list's filters as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    /// Where the page starts (from the previous page's "older" link).
    #[serde(default)]
    before: String,
}

/// The page of orders the filters ask for: by number when what was typed
/// is the start of one (or a sequence), else by customer name; `keep`
/// decides on status and reach.
fn listed(
    state: &AppState,
    q: &str,
    before: Option<u64>,
    keep: impl Fn(&OrderSummary) -> bool,
) -> (OrderPage, bool) {
    let q = q.trim();
    if q.is_empty() {
        let page = state.read_models.orders.read(|orders| {
            orders.page_matching(LIST_ORDERS_MAX, before, |_, summary| keep(summary))
        });
        return (page, false);
    }
    let numbered = state.read_models.orders.read(|orders| {
        orders
            .numbered(q, LIST_ORDERS_MAX)
            .into_iter()
            .filter_map(|(order, _)| {
                let summary = orders.get(order)?;
                keep(summary).then(|| OrderListRow {
                    order,
                    summary: summary.clone(),
                })
            })
            .collect::<Vec<_>>()
    });
    if !numbered.is_empty() {
        let page = OrderPage {
            rows: numbered,
            next: None,
        };
        return (page, true);
    }
    let parties: HashSet<PartyId> = state.read_models.customers.read(|customers| {
        customers
            .search(&CustomerQuery {
                text: q.to_owned(),
                status: StatusFilter::All,
                limit: NAME_MATCHES_MAX,
                ..CustomerQuery::default()
            })
            .rows
            .iter()
            .map(|row| row.id)
            .collect()
    });
    let page = state.read_models.orders.read(|orders| {
        orders.page_matching(LIST_ORDERS_MAX, before, |_, summary| {
            parties.contains(&summary.party) && keep(summary)
        })
    });
    (page, false)
}

/// The parties whose orders `user` may read when they read only their
/// own customers' (a merged party counts as its survivor).
pub(crate) fn owned_parties(state: &AppState, user: domain::ids::UserId) -> HashSet<PartyId> {
    state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| {
                customers
                    .resolve(row.id)
                    .is_some_and(|customer| customer.owner == user)
            })
            .map(|row| row.id)
            .collect()
    })
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

/// What an order is called on other pages: its number, or the end of
/// its id.
pub(crate) fn order_label(state: &AppState, order: OrderId) -> String {
    order_number(state, order)
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

/// `GET /orders?q&status&before`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> ListPage {
    let page = Page::new(
        &viewer,
        Section::Orders,
        "orders-title",
        format!(
            "/orders?{}",
            query_string(&[("q", &query.q), ("status", &query.status)])
        ),
    );
    let tr = page.tr;
    let status = match query.status.trim() {
        "" => Ok(None),
        code => STATUSES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(_, status)| Some(*status))
            .ok_or("form-choose"),
    };
    let before = query.before.trim().parse::<u64>().ok();
    let owned = viewer
        .principal
        .as_ref()
        .and_then(|principal| {
            principal.only_owner(domain::access::Module::Orders, domain::access::Action::Read)
        })
        .map(|user| owned_parties(&state, user));
    let wanted = status.unwrap_or(None);
    let (found, by_number) = listed(&state, &query.q, before, |summary| {
        wanted.is_none_or(|status| status == summary.status)
            && owned
                .as_ref()
                .is_none_or(|owned| owned.contains(&summary.party))
    });
    let rows = found
        .rows
        .into_iter()
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
    let filters = |before: Option<u64>| {
        let before = before
            .map(|position| position.to_string())
            .unwrap_or_default();
        format!(
            "/orders?{}",
            query_string(&[
                ("q", &query.q),
                ("status", &query.status),
                ("before", &before)
            ])
        )
    };
    let mut statuses = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("orders-status-all"),
        selected: query.status.trim().is_empty(),
    }];
    statuses.extend(STATUSES.iter().map(|(code, status)| OwnedChoice {
        value: (*code).to_owned(),
        label: tr.t(status_message(*status)),
        selected: query.status.trim() == *code,
    }));
    ListPage {
        page,
        q: query.q.clone(),
        statuses,
        status_error: status.err().map(|id| tr.t(id)),
        by_number,
        rows,
        next_url: found.next.map(|next| filters(Some(next))),
        newest_url: before.map(|_| filters(None)),
    }
}
