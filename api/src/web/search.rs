//! The global search (issue 17): one box in the header of every page
//! (and `/` to reach it), answering customers by name, email, phone or
//! tag, products by SKU, name or barcode and orders by number, each within what the viewer
//! may read (a sales manager finds only their own customers). Both run in
//! their read model's index, so a search costs the same over ten or ten
//! million rows.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use domain::access::{Action, Module};
use projections::models::catalog::ProductQuery;
use projections::models::customers::{CustomerQuery, StatusFilter};
use serde::Deserialize;

use super::{Page, Section, Viewer, query_string};
use crate::AppState;

/// Hits shown per kind of record.
const HITS_PER_KIND: usize = 10;
/// Longest search text taken from a request.
const SEARCH_TEXT_CHARS_MAX: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// One hit: where it leads and what it says.
#[derive(Debug)]
pub struct Hit {
    pub href: String,
    pub title: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    page: Page,
    q: String,
    /// `None` where the viewer may not read that kind.
    customers: Option<Vec<Hit>>,
    products: Option<Vec<Hit>>,
    orders: Option<Vec<Hit>>,
    customers_more: String,
    products_more: String,
}

/// `GET /search?q=`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SearchQuery>,
) -> SearchPage {
    let q: String = query.q.trim().chars().take(SEARCH_TEXT_CHARS_MAX).collect();
    let back = format!("/search?{}", query_string(&[("q", &q)]));
    let page = Page::new(&viewer, Section::Search, "search-title", back);
    let searched = !q.is_empty();
    let customers = (searched && viewer.allows(Module::Parties, Action::Read)).then(|| {
        let owner = viewer
            .principal
            .as_ref()
            .and_then(|principal| principal.only_owner(Module::Parties, Action::Read));
        state.read_models.customers.read(|customers| {
            customers
                .search(&CustomerQuery {
                    text: q.clone(),
                    status: StatusFilter::Active,
                    owner,
                    limit: HITS_PER_KIND,
                    ..CustomerQuery::default()
                })
                .rows
                .iter()
                .filter(|row| !row.erased)
                .map(|row| Hit {
                    href: format!("/customers/{}", row.id),
                    title: row.display_name.clone(),
                    detail: row
                        .channels
                        .iter()
                        .find(|channel| channel.primary)
                        .or_else(|| row.channels.first())
                        .map(|channel| channel.value.clone())
                        .unwrap_or_default(),
                })
                .collect()
        })
    });
    let products = (searched && viewer.allows(Module::Catalog, Action::Read)).then(|| {
        state.read_models.catalog.read(|catalog| {
            catalog
                .search(&ProductQuery {
                    text: q.clone(),
                    category: None,
                    after: None,
                    limit: HITS_PER_KIND,
                })
                .rows
                .into_iter()
                .map(|(id, row)| Hit {
                    href: format!("/catalog/products/{id}"),
                    title: row.name,
                    detail: row.sku,
                })
                .collect()
        })
    });
    let orders = (searched && viewer.allows(Module::Orders, Action::Read)).then(|| {
        let only = viewer
            .principal
            .as_ref()
            .and_then(|principal| principal.only_owner(Module::Orders, Action::Read));
        let found: Vec<(domain::ids::OrderId, String, domain::ids::PartyId, _)> =
            state.read_models.orders.read(|orders| {
                orders
                    .numbered(&q, HITS_PER_KIND)
                    .into_iter()
                    .filter_map(|(id, number)| {
                        let row = orders.get(id)?;
                        Some((id, number.to_owned(), row.party, row.status))
                    })
                    .collect()
            });
        found
            .into_iter()
            .filter(|(_, _, party, _)| {
                only.is_none_or(|user| crate::http::scope::owns_party(&state, user, *party))
            })
            .map(|(id, number, party, status)| Hit {
                href: format!("/orders/{id}"),
                title: number,
                detail: format!(
                    "{} · {}",
                    super::orders::customer_name(&state, party),
                    page.tr.t(super::orders::status_message(status))
                ),
            })
            .collect()
    });
    let more = |path: &str| format!("{path}?{}", query_string(&[("q", &q)]));
    SearchPage {
        customers_more: more("/customers"),
        products_more: more("/catalog"),
        page,
        q,
        customers,
        products,
        orders,
    }
}
