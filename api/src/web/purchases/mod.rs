//! Purchasing: the purchase orders list, a new purchase order for a
//! supplier, and the order page that takes it from draft to received
//! (lines, sending, deliveries with landed costs) or cancels it.
//!
//! The list and each order's receipts come from the `purchases` read
//! model; the order page shows its state from its own stream (as the
//! next command will be decided against it) and each form carries the
//! version it was rendered from, so acting on a stale page is refused.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::ids::{PartyId, ProductId, PurchaseOrderId, WarehouseId};
use domain::purchasing::PurchaseStatus;
use serde::Deserialize;

use super::forms::OwnedChoice;
use super::{Page, Section, Viewer, format, query_string};
use crate::AppState;

mod billing;
mod new;
mod page;

pub use billing::{invoice, pay};
pub use new::{create, new_form};
pub use page::{act, show};

/// Orders on a page of the list.
const LIST_PURCHASES_MAX: usize = 50;

pub(super) fn status_message(status: PurchaseStatus) -> &'static str {
    match status {
        PurchaseStatus::Draft => "purchase-status-draft",
        PurchaseStatus::Sent => "purchase-status-sent",
        PurchaseStatus::PartiallyReceived => "purchase-status-partially-received",
        PurchaseStatus::Received => "purchase-status-received",
        PurchaseStatus::Invoiced => "purchase-status-invoiced",
        PurchaseStatus::Paid => "purchase-status-paid",
        PurchaseStatus::Cancelled => "purchase-status-cancelled",
    }
}

/// Suppliers offered in a form's select, at most.
const SUPPLIERS_OFFERED_MAX: usize = projections::PAGE_ROWS_MAX;

/// The suppliers (parties with the supplier role) as a select's choices,
/// after a "choose one" first, `selected` chosen.
pub(crate) fn supplier_choices(
    state: &AppState,
    tr: super::i18n::Tr,
    selected: &str,
) -> Vec<OwnedChoice> {
    let mut choices = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("form-choose"),
        selected: selected.is_empty(),
    }];
    choices.extend(state.read_models.customers.read(|customers| {
        customers
            .search(&projections::models::customers::CustomerQuery {
                role: Some(projections::models::customers::RoleFilter::Supplier),
                limit: SUPPLIERS_OFFERED_MAX,
                ..projections::models::customers::CustomerQuery::default()
            })
            .rows
            .iter()
            .map(|row| OwnedChoice {
                selected: selected == row.id.to_string(),
                value: row.id.to_string(),
                label: row.display_name.clone(),
            })
            .collect::<Vec<_>>()
    }));
    choices
}

/// A party's name as the customers model has it (after merges).
pub(crate) fn party_name(state: &AppState, party: PartyId) -> String {
    state.read_models.customers.read(|customers| {
        customers
            .resolve(party)
            .map(|row| row.display_name.clone())
            .unwrap_or_else(|| party.to_string())
    })
}

pub(super) fn product_name(state: &AppState, product: ProductId) -> String {
    state.read_models.stock.read(|stock| {
        stock
            .product_info(product)
            .map(|info| format!("{} · {}", info.name, info.sku))
            .unwrap_or_else(|| product.to_string())
    })
}

pub(super) fn warehouse_name(state: &AppState, warehouse: WarehouseId) -> String {
    state.read_models.stock.read(|stock| {
        stock
            .warehouse_info(warehouse)
            .map(|info| info.name.clone())
            .unwrap_or_else(|| warehouse.to_string())
    })
}

/// What an order is called: its number, or the end of its id a moment
/// before the numbering process gives it one.
pub(super) fn purchase_number(state: &AppState, order: PurchaseOrderId) -> String {
    state
        .read_models
        .purchases
        .read(|purchases| purchases.get(order).and_then(|row| row.number.clone()))
        .map_or_else(
            || order.to_string().chars().skip(28).collect(),
            String::from,
        )
}

/// The page of an order that does not exist (`raw_id` as asked).
pub(super) fn purchase_not_found(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Purchasing,
        "purchase-not-found",
        format!("/purchases/{raw_id}"),
    );
    let body = page.t("purchase-not-found-body");
    (
        StatusCode::NOT_FOUND,
        super::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// A row of the list.
#[derive(Debug)]
pub struct PurchaseListRow {
    pub href: String,
    pub number: String,
    pub supplier: String,
    pub status: String,
    pub expected: String,
    pub late: bool,
    pub total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "purchases.html")]
pub struct ListPage {
    page: Page,
    q: String,
    statuses: Vec<OwnedChoice>,
    rows: Vec<PurchaseListRow>,
    next_url: Option<String>,
    newest_url: Option<String>,
    can_create: bool,
    /// Open orders' worth, one line per currency.
    open_worth: Vec<String>,
    /// Open orders expected before today, if any.
    late: Option<String>,
}

/// The list's filters as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// The start of a number.
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    before: String,
}

/// `GET /purchases?q&status&before`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> ListPage {
    let page = Page::new(
        &viewer,
        Section::Purchasing,
        "purchases-title",
        format!(
            "/purchases?{}",
            query_string(&[("q", &query.q), ("status", &query.status)])
        ),
    );
    let tr = page.tr;
    let lang = viewer.lang;
    let status = PurchaseStatus::parse(query.status.trim());
    let before = query.before.trim().parse::<u64>().ok();
    let number = query.q.trim().to_uppercase();
    let today = state.app.now().date_naive();
    let (rows, next, open_worth, late_count) = state.read_models.purchases.read(|purchases| {
        let found = purchases.page_matching(LIST_PURCHASES_MAX, before, |_, row| {
            status.is_none_or(|status| status == row.status)
                && (number.is_empty()
                    || row
                        .number
                        .as_deref()
                        .is_some_and(|own| own.starts_with(number.as_str())))
        });
        let rows: Vec<(PurchaseOrderId, _)> = found
            .rows
            .iter()
            .map(|listed| (listed.order, listed.row.clone()))
            .collect();
        let worth: Vec<String> = purchases
            .open_by_currency()
            .into_iter()
            .map(|(currency, (count, amount))| {
                let count = i64::try_from(count).unwrap_or(i64::MAX);
                tr.counted(
                    "purchases-open-worth",
                    count,
                    &[
                        ("shown", &format::quantity(lang, count.into())),
                        ("amount", &format::money(lang, amount, currency)),
                    ],
                )
            })
            .collect();
        (rows, found.next, worth, purchases.late_on(today))
    });
    let rows = rows
        .into_iter()
        .map(|(order, row)| PurchaseListRow {
            href: format!("/purchases/{order}"),
            number: row.number.as_deref().map_or_else(
                || order.to_string().chars().skip(28).collect(),
                str::to_owned,
            ),
            supplier: party_name(&state, row.supplier),
            status: tr.t(status_message(row.status)),
            expected: row
                .expected_on
                .map(|day| format::date(lang, day))
                .unwrap_or_default(),
            late: row.late_on(today),
            total: format::money(lang, row.total(), row.currency),
        })
        .collect();
    let filters = |before: Option<u64>| {
        let before = before
            .map(|position| position.to_string())
            .unwrap_or_default();
        format!(
            "/purchases?{}",
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
        selected: status.is_none(),
    }];
    statuses.extend(PurchaseStatus::ALL.iter().map(|known| OwnedChoice {
        value: known.key().to_owned(),
        label: tr.t(status_message(*known)),
        selected: status == Some(*known),
    }));
    ListPage {
        can_create: viewer.allows(Module::Purchasing, Action::Create),
        page,
        q: query.q.clone(),
        statuses,
        rows,
        next_url: next.map(|next| filters(Some(next))),
        newest_url: before.map(|_| filters(None)),
        open_worth,
        late: (late_count > 0).then(|| {
            let count = i64::try_from(late_count).unwrap_or(i64::MAX);
            tr.plural(
                "purchases-late",
                count,
                &format::quantity(lang, count.into()),
            )
        }),
    }
}
