//! The quote page: the latest revision with its prices and terms, every
//! revision before it, and the forms that send it, record the customer's
//! answer and print it; a copy of a printed revision.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::documents::Document;
use domain::ids::{DocumentId, QuoteId};
use domain::quotes::{QuoteCommand, QuoteStatus};
use domain::values::Label;
use domain::words::Language;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::http::quotes::quote_document;
use crate::web::forms::{self, FormErrors, OwnedChoice};
use crate::web::i18n::{Lang, Tr};
use crate::web::{Page, Section, Viewer, format};

/// A line of the latest revision.
#[derive(Debug)]
pub struct LineView {
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub net: String,
}

/// A revision in the history.
#[derive(Debug)]
pub struct RevisionView {
    pub revision: u32,
    pub made: String,
    pub sent: String,
    pub total: String,
    /// The copy of its printed original, once printed.
    pub copy_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "quote.html")]
pub struct QuotePage {
    page: Page,
    id: String,
    customer: String,
    customer_href: String,
    deal_href: Option<String>,
    order_href: Option<String>,
    status: String,
    status_code: &'static str,
    revision: u32,
    valid_until: String,
    currency: String,
    lines: Vec<LineView>,
    net: String,
    vat: String,
    gross: String,
    terms: Vec<String>,
    decline_reason: Option<String>,
    revisions: Vec<RevisionView>,
    /// The latest revision's printed original, once printed.
    current_copy: Option<String>,
    can_change: bool,
    can_send: bool,
    can_answer: bool,
    can_print: bool,
    languages: Vec<OwnedChoice>,
    version: String,
    command: String,
    form: ActionForm,
    errors: FormErrors,
}

/// Every action form of the quote page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
    /// The language a revision prints in: `en`, `ru` or `ar`.
    #[serde(default)]
    pub language: String,
}

/// Whether the original of `document` was issued.
fn issued(state: &AppState, document: DocumentId) -> bool {
    matches!(state.app.load::<Document>(document), Ok((Some(_), _)))
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    form: ActionForm,
    errors: FormErrors,
) -> Response {
    let Some(quote) =
        crate::web::readable_id::<QuoteId>(state, viewer, raw, app::access::Kind::Quote)
    else {
        return super::quote_not_found(viewer, raw);
    };
    let Some(row) = state
        .read_models
        .quotes
        .read(|quotes| quotes.get(quote).cloned())
    else {
        return super::quote_not_found(viewer, raw);
    };
    let Some(current) = row.current().cloned() else {
        return super::quote_not_found(viewer, raw);
    };
    let mut page = Page::new(
        viewer,
        Section::Pipeline,
        "quote-title",
        format!("/quotes/{quote}"),
    );
    let tr = page.tr;
    let lang = viewer.lang;
    page.title = tr.t1(
        "quote-number",
        "number",
        &super::quote_number(row.number.as_deref(), quote),
    );
    let money = |amount| format::money(lang, amount, row.currency);
    let product_name = |product: domain::ids::ProductId| {
        state.read_models.stock.read(|stock| {
            stock
                .product_info(product)
                .map(|info| info.name.clone())
                .unwrap_or_else(|| product.to_string())
        })
    };
    let revised = &current.revised;
    let copy_href = |revision: u32| {
        let document = quote_document(quote, revision);
        issued(state, document).then(|| format!("/quotes/{quote}/documents/{document}"))
    };
    let current_copy = copy_href(revised.revision);
    let open = row.status.is_open();
    let may_edit = viewer.allows(Module::Sales, Action::Edit);
    let page_view = QuotePage {
        id: quote.to_string(),
        customer: crate::web::orders::customer_name(state, row.party),
        customer_href: format!("/customers/{}", row.party),
        deal_href: row.deal.map(|deal| format!("/deals/{deal}")),
        order_href: row.order.map(|order| format!("/orders/{order}")),
        status: tr.t(super::status_message(row.status)),
        status_code: row.status.key(),
        revision: revised.revision,
        valid_until: format::date(lang, revised.valid_until),
        currency: row.currency.as_str().to_owned(),
        lines: revised
            .lines
            .iter()
            .map(|line| LineView {
                product: product_name(line.product),
                quantity: format::quantity(lang, line.quantity),
                unit_price: money(line.unit_price),
                discount: line
                    .discount_percent
                    .map(|percent| format!("{} %", format::quantity(lang, percent)))
                    .unwrap_or_default(),
                net: money(line.amounts.net),
            })
            .collect(),
        net: money(revised.total.net),
        vat: money(revised.total.vat),
        gross: money(revised.total.gross),
        terms: revised
            .terms
            .iter()
            .flat_map(|terms| terms.split("\n\n"))
            .map(str::trim)
            .filter(|paragraph| !paragraph.is_empty())
            .map(str::to_owned)
            .collect(),
        decline_reason: row.decline_reason.clone(),
        revisions: row
            .revisions
            .iter()
            .rev()
            .map(|revision| RevisionView {
                revision: revision.revised.revision,
                made: format::date_time(lang, revision.made_at),
                sent: revision
                    .sent_at
                    .map(|at| format::date_time(lang, at))
                    .unwrap_or_default(),
                total: money(revision.revised.total.gross),
                copy_href: copy_href(revision.revised.revision),
            })
            .collect(),
        can_change: open && may_edit,
        can_send: row.status == QuoteStatus::Draft && may_edit,
        can_answer: row.status == QuoteStatus::Sent && may_edit,
        can_print: current_copy.is_none() && viewer.allows(Module::Sales, Action::Create),
        current_copy,
        languages: Lang::ALL
            .into_iter()
            .map(|choice| OwnedChoice {
                value: choice.tag().to_owned(),
                label: choice.native_name().to_owned(),
                selected: choice == lang,
            })
            .collect(),
        version: row.version.to_string(),
        command: forms::command_id(&state.app, &form.command).to_string(),
        form,
        errors,
        page,
    };
    let status = page_view.errors.status();
    (status, page_view).into_response()
}

/// `GET /quotes/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    render(
        &state,
        &viewer,
        &raw,
        ActionForm::default(),
        FormErrors::default(),
    )
}

/// `POST /quotes/{id}/{send,accept,decline,print}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(quote) =
        crate::web::readable_id::<QuoteId>(&state, &viewer, &raw, app::access::Kind::Quote)
    else {
        return super::quote_not_found(&viewer, &raw);
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return crate::web::refused_page(
                StatusCode::FORBIDDEN,
                viewer.lang,
                "refused-forbidden",
            );
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    if action == "print" {
        return print(&state, &viewer, &raw, quote, &caller, command_id, form).await;
    }
    let run = app::Run {
        command_id,
        expected_version: form.version.trim().parse().ok(),
    };
    let quotes = state.app.quotes();
    let result = match action.as_str() {
        "send" => quotes.answer(&caller, run, quote, QuoteCommand::Send).await,
        "accept" => quotes
            .accept(&caller, run, quote)
            .await
            .map(|accepted| accepted.executed),
        "decline" => match Label::parse("reason", &form.reason) {
            Ok(reason) => {
                quotes
                    .answer(&caller, run, quote, QuoteCommand::Decline { reason })
                    .await
            }
            Err(_) => {
                let mut errors = FormErrors::default();
                errors.add("reason", tr.t("form-one-line"));
                return render(&state, &viewer, &raw, form, errors);
            }
        },
        _ => return super::quote_not_found(&viewer, &raw),
    };
    match result {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/quotes/{quote}")).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("reason", "reason")]);
            render(&state, &viewer, &raw, form, errors)
        }
    }
}

/// The latest revision's original, laid out in the language chosen and
/// recorded; answered as the PDF.
async fn print(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    quote: QuoteId,
    caller: &app::access::Caller,
    command_id: Uuid,
    form: ActionForm,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(language) = Language::parse(form.language.trim()) else {
        let mut errors = FormErrors::default();
        errors.form = Some(tr.t("form-choose"));
        return render(state, viewer, raw, form, errors);
    };
    let run = app::Run {
        command_id: Uuid::new_v5(&command_id, format!("print/{quote}").as_bytes()),
        expected_version: None,
    };
    let issued = state
        .app
        .documents()
        .issue_quote(caller, run, quote, language, state.renderer.clone())
        .await;
    match issued {
        Ok(issued) => crate::printer::pdf_response(StatusCode::OK, &issued.number, issued.pdf),
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(state, viewer, raw, form, errors)
        }
    }
}

/// `GET /quotes/{id}/documents/{document}`: a copy of a printed revision,
/// laid out from its record.
pub async fn copy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, document)): Path<(String, String)>,
) -> Response {
    let not_found =
        || crate::web::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    let Some(quote) =
        crate::web::readable_id::<QuoteId>(&state, &viewer, &raw, app::access::Kind::Quote)
    else {
        return not_found();
    };
    let (Ok(caller), Ok(document)) = (viewer.caller(), document.parse::<DocumentId>()) else {
        return not_found();
    };
    let revisions = state.read_models.quotes.read(|quotes| {
        quotes
            .get(quote)
            .and_then(|row| row.current().map(|revision| revision.revised.revision))
            .unwrap_or(0)
    });
    // Only the originals of this quote's revisions.
    if !(1..=revisions).any(|revision| quote_document(quote, revision) == document) {
        return not_found();
    }
    match state
        .app
        .documents()
        .copy(&caller, document, state.renderer.clone())
        .await
    {
        Ok((record, bytes)) => {
            crate::printer::pdf_response(StatusCode::OK, &record.issued.printable.number, bytes)
        }
        Err(error) => {
            tracing::warn!(%error, "a copy of a quote was refused");
            not_found()
        }
    }
}
