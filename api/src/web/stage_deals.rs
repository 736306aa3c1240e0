//! Every open deal on one stage of a pipeline (issue 17: lists stay fast
//! with many rows): the board shows each stage's 20 largest; this page
//! shows them all, newest first, 50 a page, found by words of the deal's
//! title or of its customer's name. A sales manager sees their own.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::{DealId, PartyId, PipelineId, StageId};
use projections::models::customers::{CustomerQuery, StatusFilter};
use serde::Deserialize;

use super::{Page, Section, Viewer, format, query_string};
use crate::AppState;

/// Deals on a page.
const PAGE_ROWS: usize = 50;

/// The page's query as typed.
#[derive(Debug, Default, Deserialize)]
pub struct StageQuery {
    #[serde(default)]
    pipeline: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    q: String,
    /// The previous page's last deal.
    #[serde(default)]
    before: String,
}

impl StageQuery {
    fn url(&self, before: Option<DealId>) -> String {
        let before = before.map(|id| id.to_string()).unwrap_or_default();
        format!(
            "/pipeline/stage?{}",
            query_string(&[
                ("pipeline", &self.pipeline),
                ("stage", &self.stage),
                ("q", &self.q),
                ("before", &before),
            ])
        )
    }
}

/// A deal's row.
#[derive(Debug)]
pub struct DealLine {
    id: String,
    title: String,
    customer: String,
    customer_href: String,
    amount: String,
    probability: String,
    expected_close: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "stage_deals.html")]
pub struct StageDealsPage {
    page: Page,
    pipeline: String,
    pipeline_name: String,
    stage: String,
    q: String,
    deals: Vec<DealLine>,
    next_url: Option<String>,
    newest_url: Option<String>,
}

/// The customers whose names hold every word of `q` (at most a page of
/// the customer search), for finding deals by customer.
fn customers_named(state: &AppState, q: &str) -> HashSet<PartyId> {
    if q.trim().is_empty() {
        return HashSet::new();
    }
    state.read_models.customers.read(|customers| {
        customers
            .search(&CustomerQuery {
                text: q.to_owned(),
                status: StatusFilter::All,
                limit: projections::PAGE_ROWS_MAX,
                ..CustomerQuery::default()
            })
            .rows
            .iter()
            .map(|row| row.id)
            .collect()
    })
}

/// `GET /pipeline/stage?pipeline&stage&q&before`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<StageQuery>,
) -> Response {
    let not_found = || super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    let (Ok(pipeline), Ok(stage)) = (
        query.pipeline.trim().parse::<PipelineId>(),
        query.stage.trim().parse::<StageId>(),
    ) else {
        return not_found();
    };
    let mut page = Page::new(
        &viewer,
        Section::Pipeline,
        "stage-deals-title",
        query.url(None),
    );
    let tr = page.tr;
    let lang = tr.lang;
    let only = viewer.principal.as_ref().and_then(|principal| {
        principal.only_owner(domain::access::Module::Sales, domain::access::Action::Read)
    });
    let words: Vec<String> = query.q.split_whitespace().map(str::to_lowercase).collect();
    let named = customers_named(&state, &query.q);
    let before = query.before.trim().parse::<DealId>().ok();
    let found = state.read_models.pipeline_board.read(|board| {
        let pipeline_row = board.pipeline(pipeline)?;
        let stage_name = pipeline_row
            .stages
            .iter()
            .find(|row| row.id == stage)?
            .name
            .clone();
        let (deals, next) = board.stage_deals_page(pipeline, stage, before, PAGE_ROWS, |deal| {
            let title = deal.title.to_lowercase();
            only.is_none_or(|owner| deal.owner == owner)
                && (words.iter().all(|word| title.contains(word.as_str()))
                    || named.contains(&deal.party))
        });
        let deals: Vec<_> = deals.into_iter().cloned().collect();
        Some((pipeline_row.name.clone(), stage_name, deals, next))
    });
    let Some((pipeline_name, stage_name, deals, next)) = found else {
        return not_found();
    };
    let deals = state.read_models.customers.read(|customers| {
        deals
            .into_iter()
            .map(|deal| DealLine {
                id: deal.id.to_string(),
                title: deal.title,
                customer: customers
                    .resolve(deal.party)
                    .map(|row| row.display_name.clone())
                    .unwrap_or_default(),
                customer_href: format!("/customers/{}", deal.party),
                amount: format::money(lang, deal.amount.amount(), deal.amount.currency()),
                probability: format!("{} %", deal.probability),
                expected_close: deal
                    .expected_close
                    .map(|day| format::date(lang, day))
                    .unwrap_or_default(),
            })
            .collect()
    });
    page.title = tr.t2(
        "stage-deals-heading",
        "stage",
        &stage_name,
        "pipeline",
        &pipeline_name,
    );
    let view = StageDealsPage {
        pipeline: pipeline.to_string(),
        pipeline_name,
        stage: stage.to_string(),
        q: query.q.clone(),
        deals,
        next_url: next.map(|next| query.url(Some(next))),
        newest_url: before.map(|_| query.url(None)),
        page,
    };
    view.into_response()
}
