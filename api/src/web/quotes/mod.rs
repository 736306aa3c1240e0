//! Quotes: the recent quotes, a new quote for a customer (or a new
//! revision of one), and the quote page that sends it, records the
//! customer's answer and prints it.
//!
//! The list and each quote come from the `quotes` read model (every
//! revision with its prices); each form carries the version it was
//! rendered from, so acting on a stale page is refused. A new revision's
//! prices come from the list for the customer when it is made, which the
//! form says.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::ids::QuoteId;
use domain::quotes::QuoteStatus;
use serde::Deserialize;

use super::forms::OwnedChoice;
use super::{Page, Section, Viewer, format, query_string};
use crate::AppState;

mod form;
mod page;

pub use form::{create, new_form, revise, revise_form};
pub use page::{act, copy, show};

/// Quotes on a page of the list.
const LIST_QUOTES_MAX: usize = 50;

pub(super) fn status_message(status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Draft => "quote-status-draft",
        QuoteStatus::Sent => "quote-status-sent",
        QuoteStatus::Accepted => "quote-status-accepted",
        QuoteStatus::Declined => "quote-status-declined",
        QuoteStatus::Expired => "quote-status-expired",
    }
}

/// What a quote is called: its number, or (a moment before the numbering
/// process gave it one) the end of its id.
fn quote_number(number: Option<&str>, quote: QuoteId) -> String {
    number.map_or_else(
        || {
            let id = quote.to_string();
            id[id.len().saturating_sub(8)..].to_owned()
        },
        str::to_owned,
    )
}

/// The page of a quote that does not exist, or is out of reach.
pub(crate) fn quote_not_found(viewer: &Viewer, raw_id: &str) -> Response {
    let page = Page::new(
        viewer,
        Section::Pipeline,
        "quote-not-found",
        format!("/quotes/{}", super::percent_encode(raw_id)),
    );
    let body = page.t("quote-not-found-body");
    (
        StatusCode::NOT_FOUND,
        super::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// A row of the list.
#[derive(Debug)]
pub struct QuoteRowView {
    pub href: String,
    pub number: String,
    pub customer: String,
    pub status: String,
    pub valid_until: String,
    pub total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "quotes.html")]
pub struct ListPage {
    page: Page,
    statuses: Vec<OwnedChoice>,
    status_error: Option<String>,
    rows: Vec<QuoteRowView>,
    next_url: Option<String>,
    newest_url: Option<String>,
}

/// The list's filters as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    /// Where the page starts (from the previous page's "older" link).
    #[serde(default)]
    before: String,
}

/// `GET /quotes?status&before`: the newest activity first; a sales
/// manager sees their own customers' quotes.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> ListPage {
    let page = Page::new(
        &viewer,
        Section::Pipeline,
        "quotes-title",
        format!("/quotes?{}", query_string(&[("status", &query.status)])),
    );
    let tr = page.tr;
    let status = match query.status.trim() {
        "" => Ok(None),
        code => QuoteStatus::parse(code).map(Some).ok_or("form-choose"),
    };
    let before = query.before.trim().parse::<u64>().ok();
    let owned = viewer
        .principal
        .as_ref()
        .and_then(|principal| principal.only_owner(Module::Sales, Action::Read))
        .map(|user| super::orders::owned_parties(&state, user));
    let wanted = status.unwrap_or(None);
    let lang = viewer.lang;
    let (rows, next) = state.read_models.quotes.read(|quotes| {
        let found = quotes.page_matching(LIST_QUOTES_MAX, before, |_, row| {
            wanted.is_none_or(|status| status == row.status)
                && owned
                    .as_ref()
                    .is_none_or(|owned| owned.contains(&row.party))
        });
        let rows = found
            .rows
            .iter()
            .map(|listed| {
                let row = listed.row;
                let current = row.current().map(|revision| &revision.revised);
                QuoteRowView {
                    href: format!("/quotes/{}", listed.quote),
                    number: quote_number(row.number.as_deref(), listed.quote),
                    customer: row.party.to_string(),
                    status: tr.t(status_message(row.status)),
                    valid_until: row
                        .valid_until()
                        .map(|day| format::date(lang, day))
                        .unwrap_or_default(),
                    total: current
                        .map(|revised| format::money(lang, revised.total.gross, row.currency))
                        .unwrap_or_default(),
                }
            })
            .collect::<Vec<_>>();
        (rows, found.next)
    });
    // Names come from the customers model, read outside the quotes lock.
    let rows = rows
        .into_iter()
        .map(|mut row| {
            if let Ok(party) = row.customer.parse() {
                row.customer = super::orders::customer_name(&state, party);
            }
            row
        })
        .collect();
    let filters = |before: Option<u64>| {
        let before = before
            .map(|position| position.to_string())
            .unwrap_or_default();
        format!(
            "/quotes?{}",
            query_string(&[("status", &query.status), ("before", &before)])
        )
    };
    let mut statuses = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("orders-status-all"),
        selected: query.status.trim().is_empty(),
    }];
    statuses.extend(QuoteStatus::ALL.into_iter().map(|status| OwnedChoice {
        value: status.key().to_owned(),
        label: tr.t(status_message(status)),
        selected: query.status.trim() == status.key(),
    }));
    ListPage {
        page,
        statuses,
        status_error: status.err().map(|id| tr.t(id)),
        rows,
        next_url: next.map(|next| filters(Some(next))),
        newest_url: before.map(|_| filters(None)),
    }
}
