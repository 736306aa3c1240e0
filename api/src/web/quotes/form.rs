//! A new quote for a customer, and a new revision of one: the same form
//! (up to five lines of product, quantity and extra discount, the last
//! valid day, terms), drafted or revised through `app.quotes()`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use domain::catalog::{PriceList, Quantity, VatRate};
use domain::ids::{DealId, PartyId, PriceListId, ProductId, QuoteId, WarehouseId};
use domain::values::Text;
use serde::Deserialize;

use crate::AppState;
use crate::web::forms::{self, FormErrors, OwnedChoice};
use crate::web::i18n::Tr;
use crate::web::{Page, Section, Viewer, format};

/// Line rows on the form.
pub const QUOTE_FORM_LINES: usize = 5;
/// Days a new quote is valid for, unless the form says otherwise.
const VALID_DAYS_DEFAULT: i64 = 14;

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    party: String,
    #[serde(default)]
    deal: String,
}

/// The form as typed: lines as `product_1`, `quantity_1`, `discount_1` …
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QuoteForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub deal: String,
    #[serde(default)]
    pub price_list: String,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub terms: String,
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub version: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

/// A line row of the form.
#[derive(Debug)]
pub struct LineRow {
    pub index: usize,
    pub products: Vec<OwnedChoice>,
    pub quantity: String,
    pub discount: String,
    pub product_error: Option<String>,
    pub quantity_error: Option<String>,
    pub discount_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "quote_form.html")]
pub struct FormPage {
    page: Page,
    /// Where the form posts: `/quotes/new` or `/quotes/{id}/revise`.
    action: String,
    back_href: String,
    /// A new revision keeps the quote's customer, list and warehouse.
    revising: bool,
    party: String,
    deal: String,
    price_lists: Vec<OwnedChoice>,
    warehouses: Vec<OwnedChoice>,
    lines: Vec<LineRow>,
    valid_until: String,
    terms: String,
    command: String,
    version: String,
    errors: FormErrors,
}

fn field(kind: &str, index: usize) -> &'static str {
    const NAMES: [[&str; QUOTE_FORM_LINES]; 3] = [
        [
            "product_1",
            "product_2",
            "product_3",
            "product_4",
            "product_5",
        ],
        [
            "quantity_1",
            "quantity_2",
            "quantity_3",
            "quantity_4",
            "quantity_5",
        ],
        [
            "discount_1",
            "discount_2",
            "discount_3",
            "discount_4",
            "discount_5",
        ],
    ];
    let names = match kind {
        "product" => &NAMES[0],
        "quantity" => &NAMES[1],
        _ => &NAMES[2],
    };
    names
        .get(index.saturating_sub(1))
        .copied()
        .unwrap_or("lines")
}

fn typed<'a>(form: &'a QuoteForm, kind: &str, index: usize) -> &'a str {
    form.rest
        .get(&format!("{kind}_{index}"))
        .map_or("", |text| text.trim())
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    action: String,
    back_href: String,
    revising: bool,
    form: &QuoteForm,
    errors: FormErrors,
) -> FormPage {
    let mut page = Page::new(viewer, Section::Pipeline, "quote-new-title", action.clone());
    page.title = title;
    let tr = page.tr;
    let goods = crate::web::stock_choices::Goods::read(state, &form.warehouse);
    let price_lists = crate::web::orders::known_price_lists(state)
        .into_iter()
        .map(|(id, name)| OwnedChoice {
            selected: form.price_list == id.to_string(),
            value: id.to_string(),
            label: name,
        })
        .collect();
    let lines = (1..=QUOTE_FORM_LINES)
        .map(|index| LineRow {
            index,
            products: goods.product_choices(tr, typed(form, "product", index)),
            quantity: typed(form, "quantity", index).to_owned(),
            discount: typed(form, "discount", index).to_owned(),
            product_error: errors.get(field("product", index)).map(str::to_owned),
            quantity_error: errors.get(field("quantity", index)).map(str::to_owned),
            discount_error: errors.get(field("discount", index)).map(str::to_owned),
        })
        .collect();
    FormPage {
        action,
        back_href,
        revising,
        party: form.party.clone(),
        deal: form.deal.clone(),
        price_lists,
        warehouses: goods.warehouses,
        lines,
        valid_until: if form.valid_until.is_empty() {
            (state.app.now().date_naive() + Duration::days(VALID_DAYS_DEFAULT)).to_string()
        } else {
            form.valid_until.clone()
        },
        terms: form.terms.clone(),
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        version: form.version.clone(),
        errors,
        page,
    }
}

/// The offer typed: lines (rows left blank skipped), validity and terms.
fn parsed_offer(tr: Tr, form: &QuoteForm, errors: &mut FormErrors) -> Option<app::quotes::Offer> {
    let mut lines = Vec::new();
    for index in 1..=QUOTE_FORM_LINES {
        let (product, quantity, discount) = (
            typed(form, "product", index),
            typed(form, "quantity", index),
            typed(form, "discount", index),
        );
        if product.is_empty() && quantity.is_empty() && discount.is_empty() {
            continue;
        }
        let product = product.parse::<ProductId>();
        if product.is_err() {
            errors.add(field("product", index), tr.t("form-choose"));
        }
        let quantity = format::parse_decimal(quantity)
            .and_then(|value| Quantity::parse("quantity", value).ok());
        if quantity.is_none() {
            errors.add(field("quantity", index), tr.t("form-positive-number"));
        }
        let discount = match discount {
            "" => Ok(None),
            text => format::parse_decimal(text)
                .and_then(|value| VatRate::parse("discount", value).ok())
                .map(Some)
                .ok_or(()),
        };
        if discount.is_err() {
            errors.add(field("discount", index), tr.t("quote-discount-invalid"));
        }
        if let (Ok(product), Some(quantity), Ok(discount_percent)) = (product, quantity, discount) {
            lines.push(app::quotes::OfferedLine {
                product,
                quantity,
                discount_percent,
            });
        }
    }
    let valid_until = form.valid_until.trim().parse::<NaiveDate>().ok();
    if valid_until.is_none() {
        errors.add("valid_until", tr.t("form-date"));
    }
    let terms = Text::parse("terms", &form.terms);
    if terms.is_err() {
        errors.add("terms", tr.t("form-invalid"));
    }
    if lines.is_empty() && errors.is_empty() {
        errors.form = Some(tr.t("order-needs-a-line"));
    }
    let (Some(valid_until), Ok(terms), true) = (valid_until, terms, errors.is_empty()) else {
        return None;
    };
    Some(app::quotes::Offer {
        lines,
        valid_until,
        terms: (!terms.as_str().is_empty()).then_some(terms),
    })
}

/// The customer the form names, if within the viewer's reach.
fn known_party(state: &AppState, viewer: &Viewer, raw: &str) -> Option<PartyId> {
    crate::web::readable_id(state, viewer, raw, app::access::Kind::Party)
}

fn no_customer(viewer: &Viewer) -> Response {
    let page = Page::new(
        viewer,
        Section::Pipeline,
        "order-no-customer",
        "/quotes".to_owned(),
    );
    let body = page.t("quote-no-customer-body");
    (
        StatusCode::NOT_FOUND,
        crate::web::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

fn new_page(
    state: &AppState,
    viewer: &Viewer,
    party: PartyId,
    form: &QuoteForm,
    errors: FormErrors,
) -> FormPage {
    let tr = Tr::new(viewer.lang);
    let customer = crate::web::orders::customer_name(state, party);
    form_page(
        state,
        viewer,
        tr.t1("quote-new-for", "customer", &customer),
        "/quotes/new".to_owned(),
        format!("/customers/{party}"),
        false,
        form,
        errors,
    )
}

/// `GET /quotes/new?party=…&deal=…`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Response {
    let Some(party) = known_party(&state, &viewer, &query.party) else {
        return no_customer(&viewer);
    };
    let form = QuoteForm {
        party: party.to_string(),
        deal: query.deal.trim().to_owned(),
        ..QuoteForm::default()
    };
    new_page(&state, &viewer, party, &form, FormErrors::default()).into_response()
}

/// `POST /quotes/new`: drafts the quote, then shows it.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<QuoteForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(&state, &viewer, &form.party) else {
        return no_customer(&viewer);
    };
    let mut errors = FormErrors::default();
    let price_list = form
        .price_list
        .parse::<PriceListId>()
        .ok()
        .filter(|id| matches!(state.app.load::<PriceList>(*id), Ok((Some(_), _))));
    if price_list.is_none() {
        errors.add("price_list", tr.t("form-choose"));
    }
    let warehouse = form.warehouse.parse::<WarehouseId>().ok();
    if warehouse.is_none() {
        errors.add("warehouse", tr.t("form-choose"));
    }
    let deal = match form.deal.trim() {
        "" => Ok(None),
        raw => crate::web::readable_id::<DealId>(&state, &viewer, raw, app::access::Kind::Deal)
            .map(Some)
            .ok_or(()),
    };
    if deal.is_err() {
        errors.form = Some(tr.t("form-not-found"));
    }
    let offer = parsed_offer(tr, &form, &mut errors);
    let (Some(price_list), Some(warehouse), Ok(deal), Some(offer)) =
        (price_list, warehouse, deal, offer)
    else {
        let page = new_page(&state, &viewer, party, &form, errors);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    let new = app::quotes::NewQuote {
        party,
        price_list,
        warehouse,
        deal,
        branch: None,
        owner: None,
        offer,
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => state.app.quotes().draft(&caller, run, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(drafted) => {
            forms::redirect_after(
                &state,
                drafted.executed.last_position,
                &format!("/quotes/{}", drafted.quote),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[("valid_until", "valid_until"), ("terms", "terms")],
            );
            let page = new_page(&state, &viewer, party, &form, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    }
}

/// The revision form of a quote, prefilled from its latest revision
/// unless `form` says otherwise.
fn revision_page(
    state: &AppState,
    viewer: &Viewer,
    quote: QuoteId,
    form: Option<QuoteForm>,
    errors: FormErrors,
) -> Option<FormPage> {
    let tr = Tr::new(viewer.lang);
    let (number, form) = state.read_models.quotes.read(|quotes| {
        let row = quotes.get(quote)?;
        let number = super::quote_number(row.number.as_deref(), quote);
        let form = form.unwrap_or_else(|| {
            let current = row.current().map(|revision| &revision.revised);
            let mut rest = BTreeMap::new();
            for (index, line) in current.into_iter().flat_map(|r| &r.lines).enumerate() {
                let index = index + 1;
                rest.insert(format!("product_{index}"), line.product.to_string());
                rest.insert(
                    format!("quantity_{index}"),
                    line.quantity.normalize().to_string(),
                );
                if let Some(discount) = line.discount_percent {
                    rest.insert(
                        format!("discount_{index}"),
                        discount.normalize().to_string(),
                    );
                }
            }
            QuoteForm {
                party: row.party.to_string(),
                price_list: row.price_list.to_string(),
                warehouse: row.warehouse.to_string(),
                valid_until: current
                    .map(|revised| revised.valid_until.to_string())
                    .unwrap_or_default(),
                terms: current
                    .and_then(|revised| revised.terms.clone())
                    .unwrap_or_default(),
                version: row.version.to_string(),
                rest,
                ..QuoteForm::default()
            }
        });
        Some((number, form))
    })?;
    Some(form_page(
        state,
        viewer,
        tr.t1("quote-revise-title", "number", &number),
        format!("/quotes/{quote}/revise"),
        format!("/quotes/{quote}"),
        true,
        &form,
        errors,
    ))
}

/// `GET /quotes/{id}/revise`.
pub async fn revise_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    let quote = crate::web::readable_id::<QuoteId>(&state, &viewer, &raw, app::access::Kind::Quote);
    match quote.and_then(|quote| revision_page(&state, &viewer, quote, None, FormErrors::default()))
    {
        Some(page) => page.into_response(),
        None => super::quote_not_found(&viewer, &raw),
    }
}

/// `POST /quotes/{id}/revise`: a new revision priced now, then the quote.
pub async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<QuoteForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(quote) =
        crate::web::readable_id::<QuoteId>(&state, &viewer, &raw, app::access::Kind::Quote)
    else {
        return super::quote_not_found(&viewer, &raw);
    };
    let mut errors = FormErrors::default();
    let offer = parsed_offer(tr, &form, &mut errors);
    let result = match (offer, viewer.caller()) {
        (Some(offer), Ok(caller)) => {
            let run = app::Run {
                command_id: forms::command_id(&state.app, &form.command),
                expected_version: form.version.trim().parse().ok(),
            };
            Some(state.app.quotes().revise(&caller, run, quote, offer).await)
        }
        (Some(_), Err(error)) => Some(Err(error)),
        (None, _) => None,
    };
    match result {
        Some(Ok(executed)) => {
            forms::redirect_after(&state, executed.last_position, &format!("/quotes/{quote}")).await
        }
        Some(Err(error)) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[("valid_until", "valid_until"), ("terms", "terms")],
            );
            revision_page(&state, &viewer, quote, Some(form), errors).map_or_else(
                || super::quote_not_found(&viewer, &raw),
                |page| (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
            )
        }
        None => revision_page(&state, &viewer, quote, Some(form), errors).map_or_else(
            || super::quote_not_found(&viewer, &raw),
            |page| (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
        ),
    }
}
