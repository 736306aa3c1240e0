//! Quotes (commercial proposals): draft one for a customer with its lines
//! priced for them now, revise it, send it, record the customer's answer
//! (accepted: it becomes a sales order at the quoted prices; declined
//! with a reason), print a revision. The list and each quote come from
//! the quotes read model; writes go through `app::quotes`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::{Quantity, VatRate};
use domain::ids::{
    BranchId, DealId, DocumentId, PartyId, PriceListId, ProductId, QuoteId, UserId, WarehouseId,
    derived,
};
use domain::quotes::{Quote, QuoteCommand, QuoteStatus};
use domain::values::{Label, Text};
use projections::models::quotes::{QuoteRow, RevisionRow};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_QUOTES;
use super::documents::{IssueDocumentRequest, issued_response, language, pdf_response};
use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    position_cursor,
};
use super::writes::{Changed, CreatedUnlessRefused, NoFields, aggregate_write};
use crate::AppState;
use app::quotes::{NewQuote, Offer, OfferedLine};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(draft_quote, list_quotes))
        .routes(routes!(get_quote))
        .routes(routes!(revise_quote))
        .routes(routes!(send_quote))
        .routes(routes!(accept_quote))
        .routes(routes!(decline_quote))
        .routes(routes!(issue_quote_document))
        .routes(routes!(get_quote_copy))
}

/// A line to offer: its price comes from the quote's list, for the
/// quote's customer, when the revision is made.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineRequest {
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// An extra discount on this line, 0 to 100 percent.
    #[schema(value_type = Option<String>)]
    pub discount_percent: Option<Decimal>,
}

/// What a revision offers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseQuoteRequest {
    pub lines: Vec<QuoteLineRequest>,
    /// The last day the customer may accept.
    pub valid_until: NaiveDate,
    /// Terms: payment, delivery… (paragraphs separated by a blank line).
    pub terms: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftQuoteRequest {
    pub party: Uuid,
    /// The lines are priced from this list, in its currency.
    pub price_list: Uuid,
    /// Where the goods would ship from once ordered.
    pub warehouse: Uuid,
    /// The deal the quote belongs to: its amount follows the quote sent,
    /// it is won when the quote is accepted and lost when declined.
    pub deal: Option<Uuid>,
    pub branch: Option<Uuid>,
    /// The sales manager responsible; the requester when absent.
    pub owner: Option<Uuid>,
    pub lines: Vec<QuoteLineRequest>,
    pub valid_until: NaiveDate,
    pub terms: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineQuoteRequest {
    pub reason: String,
}

fn offer(
    lines: Vec<QuoteLineRequest>,
    valid_until: NaiveDate,
    terms: Option<&str>,
) -> Result<Offer, ApiError> {
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            Ok(OfferedLine {
                product: ProductId::from_uuid(line.product),
                quantity: Quantity::parse(&format!("lines[{index}].quantity"), line.quantity)?,
                discount_percent: line
                    .discount_percent
                    .map(|percent| {
                        VatRate::parse(&format!("lines[{index}].discount_percent"), percent)
                    })
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Offer {
        lines,
        valid_until,
        terms: terms.map(|terms| Text::parse("terms", terms)).transpose()?,
    })
}

/// Drafts a quote for a customer with its first revision, each line
/// priced for that customer from the list now.
#[utoipa::path(post, path = "/quotes", tag = TAG_QUOTES,
    request_body = DraftQuoteRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(CreatedUnlessRefused))]
async fn draft_quote(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DraftQuoteRequest>,
) -> Result<Written, ApiError> {
    let new = NewQuote {
        party: PartyId::from_uuid(request.party),
        price_list: PriceListId::from_uuid(request.price_list),
        warehouse: WarehouseId::from_uuid(request.warehouse),
        deal: request.deal.map(DealId::from_uuid),
        branch: request.branch.map(BranchId::from_uuid),
        owner: request.owner.map(UserId::from_uuid),
        offer: offer(request.lines, request.valid_until, request.terms.as_deref())?,
    };
    let drafted = state
        .app
        .quotes()
        .draft(&headers.principal.caller(), headers.run(), new)
        .await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        drafted.quote,
        &drafted.executed,
    ))
}

/// A new revision of a draft or sent quote: every line priced again for
/// the customer now. A sent quote is a draft again until it is sent.
#[utoipa::path(post, path = "/quotes/{id}/revise", tag = TAG_QUOTES,
    request_body = ReviseQuoteRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The quote's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn revise_quote(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ReviseQuoteRequest>,
) -> Result<Written, ApiError> {
    let offer = offer(request.lines, request.valid_until, request.terms.as_deref())?;
    let executed = state
        .app
        .quotes()
        .revise(
            &headers.principal.caller(),
            headers.run(),
            QuoteId::from_uuid(id),
            offer,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

aggregate_write! {
    /// Sends the quote's latest revision to the customer; the deal's
    /// amount follows its net total.
    send_quote: "/quotes/{id}/send", TAG_QUOTES, Quote, NoFields, Changed,
    |_state, _id, _request, _headers| super::parsed::<QuoteCommand>(|| Ok(QuoteCommand::Send))
}

aggregate_write! {
    /// Records that the customer declined the quote; its deal is lost with
    /// the reason.
    decline_quote: "/quotes/{id}/decline", TAG_QUOTES, Quote, DeclineQuoteRequest, Changed,
    |_state, _id, request, _headers| super::parsed::<QuoteCommand>(|| Ok(QuoteCommand::Decline {
        reason: Label::parse("reason", &request.reason)?,
    }))
}

/// Records that the customer accepted the sent quote: it becomes a sales
/// order with the quote's lines and prices, confirmed (its stock
/// reserved) and its deal won, a moment later; `GET /quotes/{id}` names
/// the order.
#[utoipa::path(post, path = "/quotes/{id}/accept", tag = TAG_QUOTES,
    request_body = NoFields,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The quote's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn accept_quote(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(_request): ApiJson<NoFields>,
) -> Result<Written, ApiError> {
    let accepted = state
        .app
        .quotes()
        .accept(
            &headers.principal.caller(),
            headers.run(),
            QuoteId::from_uuid(id),
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, id, &accepted.executed))
}

/// Issues the original of the quote's latest revision in a language, as
/// a PDF recorded by its SHA-256 (`X-Document-Sha256`), found again at
/// `Location`. Each revision is issued once; its copies are printed from
/// the record.
#[utoipa::path(post, path = "/quotes/{id}/documents", tag = TAG_QUOTES,
    request_body = IssueDocumentRequest,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "The original", content_type = "application/pdf", body = Vec<u8>,
            headers(("Location" = String, description = "The document's record"),
                    ("X-Document-Sha256" = String, description = "The SHA-256 recorded"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_quote_document(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<IssueDocumentRequest>,
) -> Result<Response, ApiError> {
    let language = language(&request.language)?;
    let issued = state
        .app
        .documents()
        .issue_quote(
            &headers.principal.caller(),
            headers.run(),
            QuoteId::from_uuid(id),
            language,
            state.renderer.clone(),
        )
        .await?;
    Ok(issued_response(issued))
}

/// A copy of an original issued for a revision of the quote (marked
/// "copy"), laid out from its record: the revision's `document` names it.
#[utoipa::path(get, path = "/quotes/{id}/documents/{document}", tag = TAG_QUOTES,
    params(("id" = Uuid, Path), ("document" = Uuid, Path)),
    responses(
        (status = 200, description = "The copy", content_type = "application/pdf", body = Vec<u8>,
            headers(("X-Document-Sha256" = String, description = "The original's SHA-256"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_quote_copy(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath((id, document)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let quote = QuoteId::from_uuid(id);
    let document = DocumentId::from_uuid(document);
    // Only the originals of this quote's revisions are its documents.
    let revisions = state.read_models.quotes.read(|quotes| {
        quotes
            .get(quote)
            .map_or(0, |row| row.current().map_or(0, |r| r.revised.revision))
    });
    if !(1..=revisions).any(|revision| quote_document(quote, revision) == document) {
        return Err(ApiError::NotFound(format!("document {document}")));
    }
    let (record, pdf) = state
        .app
        .documents()
        .copy(&principal.caller(), document, state.renderer.clone())
        .await?;
    Ok(pdf_response(
        StatusCode::OK,
        &record.issued.printable.number,
        &record.issued.sha256,
        pdf,
    ))
}

/// The id of the original printed for `revision` of `quote`.
pub fn quote_document(quote: QuoteId, revision: u32) -> DocumentId {
    let source = derived(quote.as_uuid(), format!("revision:{revision}").as_bytes());
    DocumentId::original(domain::documents::PrintKind::Quote.key(), source)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLineResponse {
    pub line: u32,
    pub product: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The list's price before any discount.
    #[schema(value_type = String)]
    pub list_price: Decimal,
    /// The list price less the customer's standing discount.
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = Option<String>)]
    pub discount_percent: Option<Decimal>,
    /// One unit after every discount.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub vat_percent: Decimal,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub gross: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteRevisionResponse {
    pub revision: u32,
    pub made_at: DateTime<Utc>,
    pub made_by: Option<Uuid>,
    pub sent_at: Option<DateTime<Utc>>,
    pub valid_until: NaiveDate,
    pub terms: Option<String>,
    pub prices_include_vat: bool,
    pub lines: Vec<QuoteLineResponse>,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub gross: Decimal,
    /// The original printed for this revision, once issued.
    pub document: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteResponse {
    pub id: Uuid,
    /// Its number (`QT-2026-000042`), given right after the draft.
    pub number: Option<String>,
    pub party: Uuid,
    pub deal: Option<Uuid>,
    pub price_list: Uuid,
    pub currency: String,
    pub warehouse: Uuid,
    pub branch: Option<Uuid>,
    pub owner: Uuid,
    /// `draft`, `sent`, `accepted`, `declined` or `expired`.
    pub status: String,
    pub drafted_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The sales order an accepted quote became.
    pub order: Option<Uuid>,
    pub decline_reason: Option<String>,
    /// Every revision, the first first; the last is the quote's offer.
    pub revisions: Vec<QuoteRevisionResponse>,
    pub version: u64,
}

fn revision_response(quote: QuoteId, revision: &RevisionRow) -> QuoteRevisionResponse {
    let revised = &revision.revised;
    QuoteRevisionResponse {
        revision: revised.revision,
        made_at: revision.made_at,
        made_by: revision.made_by.map(|user| user.as_uuid()),
        sent_at: revision.sent_at,
        valid_until: revised.valid_until,
        terms: revised.terms.clone(),
        prices_include_vat: revised.prices_include_vat,
        lines: revised
            .lines
            .iter()
            .map(|line| QuoteLineResponse {
                line: line.line,
                product: line.product.as_uuid(),
                quantity: line.quantity,
                list_price: line.list_price,
                price: line.price,
                discount_percent: line.discount_percent,
                unit_price: line.unit_price,
                vat_percent: line.vat_percent,
                net: line.amounts.net,
                vat: line.amounts.vat,
                gross: line.amounts.gross,
            })
            .collect(),
        net: revised.total.net,
        vat: revised.total.vat,
        gross: revised.total.gross,
        document: quote_document(quote, revised.revision).as_uuid(),
    }
}

/// One quote with every revision, its version as `ETag`.
#[utoipa::path(get, path = "/quotes/{id}", tag = TAG_QUOTES,
    params(("id" = Uuid, Path), WaitFor),
    responses(
        (status = 200, body = QuoteResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_quote(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<Versioned<QuoteResponse>, ApiError> {
    wait.wait(&state).await?;
    let quote = QuoteId::from_uuid(id);
    let response = state.read_models.quotes.read(|quotes| {
        quotes.get(quote).map(|row| QuoteResponse {
            id,
            number: row.number.as_deref().map(str::to_owned),
            party: row.party.as_uuid(),
            deal: row.deal.map(|deal| deal.as_uuid()),
            price_list: row.price_list.as_uuid(),
            currency: row.currency.as_str().to_owned(),
            warehouse: row.warehouse.as_uuid(),
            branch: row.branch.map(|branch| branch.as_uuid()),
            owner: row.owner.as_uuid(),
            status: row.status.key().to_owned(),
            drafted_at: row.drafted_at,
            closed_at: row.closed_at,
            order: row.order.map(|order| order.as_uuid()),
            decline_reason: row.decline_reason.clone(),
            revisions: row
                .revisions
                .iter()
                .map(|revision| revision_response(quote, revision))
                .collect(),
            version: row.version,
        })
    });
    let response = response.ok_or_else(|| ApiError::NotFound(format!("quote {id}")))?;
    Ok(Versioned(Some(response.version), response))
}

/// Which quotes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteFilter {
    /// One customer's quotes.
    pub party: Option<Uuid>,
    /// One deal's quotes.
    pub deal: Option<Uuid>,
    /// `draft`, `sent`, `accepted`, `declined` or `expired`.
    pub status: Option<String>,
    /// The start of a quote's number.
    pub number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteRowResponse {
    pub id: Uuid,
    pub number: Option<String>,
    pub party: Uuid,
    pub deal: Option<Uuid>,
    pub owner: Uuid,
    pub currency: String,
    pub status: String,
    /// The latest revision's number and totals.
    pub revision: u32,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub gross: Decimal,
    pub valid_until: Option<NaiveDate>,
    pub drafted_at: DateTime<Utc>,
    pub order: Option<Uuid>,
}

/// Quotes, the latest activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotePage {
    pub rows: Vec<QuoteRowResponse>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

pub fn row_response(id: QuoteId, row: &QuoteRow) -> QuoteRowResponse {
    let current = row.current().map(|revision| &revision.revised);
    QuoteRowResponse {
        id: id.as_uuid(),
        number: row.number.as_deref().map(str::to_owned),
        party: row.party.as_uuid(),
        deal: row.deal.map(|deal| deal.as_uuid()),
        owner: row.owner.as_uuid(),
        currency: row.currency.as_str().to_owned(),
        status: row.status.key().to_owned(),
        revision: current.map_or(0, |revised| revised.revision),
        net: current.map_or(Decimal::ZERO, |revised| revised.total.net),
        gross: current.map_or(Decimal::ZERO, |revised| revised.total.gross),
        valid_until: row.valid_until(),
        drafted_at: row.drafted_at,
        order: row.order.map(|order| order.as_uuid()),
    }
}

/// Quotes, the latest activity first, of one customer or deal, in one
/// status or by number if asked (at most 200 rows a page); a sales
/// manager sees their own customers' quotes.
#[utoipa::path(get, path = "/quotes", tag = TAG_QUOTES,
    params(QuoteFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = QuotePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_quotes(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(filter): ApiQuery<QuoteFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<QuotePage>, ApiError> {
    let status = filter
        .status
        .as_deref()
        .map(|code| {
            QuoteStatus::parse(code)
                .ok_or_else(|| ApiError::invalid("status", "not a quote status"))
        })
        .transpose()?;
    let limit = page.limit()?;
    let before = page.before_position()?;
    wait.wait(&state).await?;
    let party = filter.party.map(PartyId::from_uuid);
    let deal = filter.deal.map(DealId::from_uuid);
    let number = filter
        .number
        .as_deref()
        .map(str::trim)
        .filter(|number| !number.is_empty())
        .map(str::to_uppercase);
    let caller = principal.caller();
    let read = domain::access::Permission::new(
        domain::access::Module::Sales,
        domain::access::Action::Read,
    );
    let commands = state.commands.clone();
    Ok(axum::Json(state.read_models.quotes.read(|quotes| {
        let page = quotes.page_matching(limit, before, |quote, row| {
            party.is_none_or(|party| party == row.party)
                && deal.is_none_or(|deal| Some(deal) == row.deal)
                && status.is_none_or(|status| status == row.status)
                && number.as_deref().is_none_or(|number| {
                    row.number
                        .as_deref()
                        .is_some_and(|own| own.starts_with(number))
                })
                && app::access::in_reach(
                    &commands,
                    &caller,
                    read,
                    app::access::Kind::Quote,
                    quote.as_uuid(),
                )
        });
        QuotePage {
            rows: page
                .rows
                .iter()
                .map(|listed| row_response(listed.quote, listed.row))
                .collect(),
            next_cursor: page.next.map(position_cursor),
        }
    })))
}
