//! Price lists (issue 17): every list with its currency and how many
//! prices and discounts it holds, a form to define one; and a list's page
//! with its prices (for everyone, a customer tag or one customer, with
//! quantity breaks) and standing discounts, forms to set and remove each,
//! and a preview of the price a chosen customer pays for a product at a
//! quantity, resolved as an order's confirmation would resolve it now
//! (`app::catalog::quote`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::catalog::{Discount, PriceList, PriceListCommand, PriceScope, Quantity, UnitPrice};
use domain::ids::{PartyId, PriceListId, ProductId, derived};
use domain::values::{Currency, Label, Tag};
use projections::models::customers::{CustomerQuery, StatusFilter};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::catalog::scope_text;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Prices shown on a list's page (its products' prices in SKU order);
/// a search narrows them.
const PRICES_SHOWN: usize = 200;

// ------------------------------------------------------------ the lists

/// A new list as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DefineForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    currency: String,
    /// A ticked box sends `on`.
    #[serde(default)]
    vat_included: Option<String>,
    #[serde(default)]
    command: String,
}

#[derive(Debug)]
pub struct ListLine {
    id: String,
    name: String,
    currency: String,
    vat: String,
    prices: String,
    discounts: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "price_lists.html")]
pub struct ListsPage {
    page: Page,
    lists: Vec<ListLine>,
    form: DefineForm,
    errors: FormErrors,
    command: Uuid,
}

fn vat_note(tr: Tr, included: bool) -> String {
    tr.t(if included {
        "product-vat-included"
    } else {
        "product-vat-excluded"
    })
}

fn render_lists(
    state: &AppState,
    viewer: &Viewer,
    form: DefineForm,
    errors: FormErrors,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Catalog,
        "price-lists-title",
        "/catalog/price-lists".to_owned(),
    );
    let tr = page.tr;
    let lang = tr.lang;
    let lists = state.read_models.catalog.read(|catalog| {
        catalog
            .price_lists()
            .into_iter()
            .map(|(id, list)| ListLine {
                id: id.to_string(),
                name: list.name.clone(),
                currency: list.currency.as_str().to_owned(),
                vat: vat_note(tr, list.prices_include_vat),
                prices: format::integer(lang, i64::try_from(list.prices.len()).unwrap_or(i64::MAX)),
                discounts: format::integer(
                    lang,
                    i64::try_from(list.discounts.len()).unwrap_or(i64::MAX),
                ),
            })
            .collect()
    });
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    let page = ListsPage {
        page,
        lists,
        form,
        errors,
        command,
    };
    (status, page).into_response()
}

/// `GET /catalog/price-lists`.
pub async fn lists(State(state): State<AppState>, viewer: Viewer) -> Response {
    render_lists(
        &state,
        &viewer,
        DefineForm::default(),
        FormErrors::default(),
    )
}

/// `POST /catalog/price-lists`: defines a list.
pub async fn define(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<DefineForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-required-line")))
        .ok();
    let currency = Currency::parse("currency", form.currency.trim())
        .map_err(|_| errors.add("currency", tr.t("form-currency")))
        .ok();
    let (Some(name), Some(currency)) = (name, currency) else {
        return render_lists(&state, &viewer, form, errors);
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let id = PriceListId::from_uuid(derived(command_id, b"price-list"));
    let command = PriceListCommand::Define {
        name,
        currency,
        prices_include_vat: form.vat_included.is_some(),
    };
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let done = forms::execute_as::<PriceList, _>(&state, &viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/catalog/price-lists/{id}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("name", "name")]);
            render_lists(&state, &viewer, form, errors)
        }
    }
}

// ------------------------------------------------------------- one list

/// Any form of a list's page as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    sku: String,
    /// `everyone`, `tag` or `customer`.
    #[serde(default)]
    scope: String,
    #[serde(default)]
    tag: String,
    /// A customer's name (enough of it to find one) or id.
    #[serde(default)]
    customer: String,
    #[serde(default)]
    min_quantity: String,
    #[serde(default)]
    unit_price: String,
    /// `percent` or `amount`.
    #[serde(default)]
    discount_kind: String,
    #[serde(default)]
    discount: String,
    /// A removal's price or discount, as the page wrote it.
    #[serde(default)]
    product: String,
    #[serde(default)]
    scope_code: String,
    #[serde(default)]
    command: String,
}

/// The preview's question.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QuoteQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    quote_customer: String,
    #[serde(default)]
    quote_sku: String,
    #[serde(default)]
    quote_quantity: String,
}

#[derive(Debug)]
pub struct PriceLine {
    sku: String,
    product: String,
    product_href: String,
    product_id: String,
    scope: String,
    scope_code: String,
    min_quantity: String,
    min_quantity_raw: String,
    unit_price: String,
}

#[derive(Debug)]
pub struct DiscountLine {
    scope: String,
    scope_code: String,
    product: String,
    product_id: String,
    discount: String,
}

/// The preview's answer.
#[derive(Debug)]
pub struct QuoteView {
    customer: String,
    product: String,
    list_price: String,
    source: String,
    discount: String,
    unit_price: String,
    total: String,
    vat: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "price_list.html")]
pub struct ListPage {
    page: Page,
    id: String,
    name: String,
    currency: String,
    vat: String,
    prices: Vec<PriceLine>,
    more_prices: bool,
    discounts: Vec<DiscountLine>,
    query: QuoteQuery,
    quote: Option<QuoteView>,
    quote_error: Option<String>,
    form: ListForm,
    /// Which form failed: `rename`, `price`, `discount` or `remove`.
    failed: String,
    errors: FormErrors,
    can_edit: bool,
    command: Uuid,
}

/// A price as the list holds it: product, its (SKU, name), scope,
/// quantity break and unit price.
type RawPrice = (ProductId, (String, String), PriceScope, Decimal, Decimal);
/// A discount as the list holds it: scope, product (with SKU and name)
/// or every product, and the discount.
type RawDiscount = (PriceScope, Option<(ProductId, (String, String))>, Discount);

/// How a removal form names a scope: `everyone`, `tag:<tag>` or
/// `party:<id>`.
fn scope_code(scope: &PriceScope) -> String {
    match scope {
        PriceScope::Everyone => "everyone".to_owned(),
        PriceScope::Segment(tag) => format!("tag:{tag}"),
        PriceScope::Party(party) => format!("party:{party}"),
    }
}

fn parse_scope_code(code: &str) -> Option<PriceScope> {
    match code.split_once(':') {
        None if code == "everyone" => Some(PriceScope::Everyone),
        Some(("tag", tag)) => Tag::parse("tag", tag)
            .ok()
            .map(|tag| PriceScope::Segment(tag.as_str().to_owned())),
        Some(("party", party)) => party.parse::<PartyId>().ok().map(PriceScope::Party),
        _ => None,
    }
}

/// The one customer `text` finds within the viewer's reach (an id, or
/// words of a name, phone, email or tag), or the words why not.
fn customer_of(
    state: &AppState,
    viewer: &Viewer,
    text: &str,
) -> Result<(PartyId, String), &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("price-customer-required");
    }
    let owner = viewer
        .principal
        .as_ref()
        .and_then(|principal| principal.only_owner(Module::Parties, Action::Read));
    let found: Vec<(PartyId, String)> = state.read_models.customers.read(|customers| {
        if let Ok(id) = text.parse::<PartyId>() {
            return customers
                .resolve(id)
                .filter(|row| owner.is_none_or(|owner| row.owner == owner) && !row.erased)
                .map(|row| vec![(row.id, row.display_name.clone())])
                .unwrap_or_default();
        }
        customers
            .search(&CustomerQuery {
                text: text.to_owned(),
                status: StatusFilter::Active,
                owner,
                limit: 2,
                ..CustomerQuery::default()
            })
            .rows
            .iter()
            .filter(|row| !row.erased)
            .map(|row| (row.id, row.display_name.clone()))
            .collect()
    });
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("price-customer-none"),
        _ => Err("price-customer-several"),
    }
}

fn product_of(state: &AppState, sku: &str) -> Option<ProductId> {
    let sku = sku.trim();
    state
        .read_models
        .catalog
        .read(|catalog| catalog.product_by_sku(sku))
}

/// The list's page: its prices (those of products whose SKU or name
/// match `query.q`, if given), discounts, the preview, and what a failed
/// form left.
fn render_list(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    query: QuoteQuery,
    failed: Option<(&str, ListForm, FormErrors)>,
) -> Response {
    let Some(id) = raw.parse::<PriceListId>().ok().filter(|id| {
        state
            .read_models
            .catalog
            .read(|catalog| catalog.price_list(*id).is_some())
    }) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut page = Page::new(
        viewer,
        Section::Catalog,
        "price-list-title",
        format!("/catalog/price-lists/{id}"),
    );
    let tr = page.tr;
    let lang = tr.lang;
    let q = query.q.trim().to_lowercase();
    let (name, currency, vat, raw_prices, raw_discounts) =
        state.read_models.catalog.read(|catalog| {
            let list = catalog.price_list(id).expect("checked above");
            let product = |product: ProductId| {
                catalog
                    .product(product)
                    .map(|row| (row.sku.clone(), row.name.clone()))
                    .unwrap_or_else(|| (String::new(), product.to_string()))
            };
            let mut prices: Vec<RawPrice> = list
                .prices
                .iter()
                .map(|((of, scope, min), price)| (*of, product(*of), scope.clone(), *min, *price))
                .filter(|(_, (sku, name), ..)| {
                    q.is_empty()
                        || sku.to_lowercase().contains(&q)
                        || name.to_lowercase().contains(&q)
                })
                .collect();
            prices.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(a.3.cmp(&b.3)));
            let discounts: Vec<RawDiscount> = list
                .discounts
                .iter()
                .map(|((scope, of), discount)| {
                    (scope.clone(), of.map(|of| (of, product(of))), *discount)
                })
                .collect();
            (
                list.name.clone(),
                list.currency,
                list.prices_include_vat,
                prices,
                discounts,
            )
        });
    page.title = name.clone();
    let more_prices = raw_prices.len() > PRICES_SHOWN;
    let prices = raw_prices
        .into_iter()
        .take(PRICES_SHOWN)
        .map(
            |(product, (sku, product_name), scope, min, price)| PriceLine {
                sku,
                product: product_name,
                product_href: format!("/catalog/products/{product}"),
                product_id: product.to_string(),
                scope: scope_text(state, tr, &scope),
                scope_code: scope_code(&scope),
                min_quantity: format::quantity(lang, min),
                min_quantity_raw: min.to_string(),
                unit_price: format::money(lang, price, currency),
            },
        )
        .collect();
    let discounts = raw_discounts
        .into_iter()
        .map(|(scope, product, discount)| DiscountLine {
            scope: scope_text(state, tr, &scope),
            scope_code: scope_code(&scope),
            product: product.as_ref().map_or_else(
                || tr.t("product-discount-all-products"),
                |(_, (sku, name))| format!("{sku} {name}"),
            ),
            product_id: product.map(|(id, _)| id.to_string()).unwrap_or_default(),
            discount: match discount {
                Discount::Percent(percent) => format!("{} %", format::quantity(lang, percent)),
                Discount::Amount(amount) => format::money(lang, amount, currency),
            },
        })
        .collect();
    let (quote, quote_error) = quote(state, viewer, tr, id, currency, &query);
    let (failed, form, errors) = match failed {
        Some((failed, form, errors)) => (failed.to_owned(), form, errors),
        None => (
            String::new(),
            ListForm {
                name: name.clone(),
                scope: "everyone".to_owned(),
                min_quantity: "1".to_owned(),
                ..ListForm::default()
            },
            FormErrors::default(),
        ),
    };
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    let can_edit = viewer.allows(Module::Catalog, Action::Edit);
    let page = ListPage {
        page,
        id: id.to_string(),
        name,
        currency: currency.as_str().to_owned(),
        vat: vat_note(tr, vat),
        prices,
        more_prices,
        discounts,
        query,
        quote,
        quote_error,
        form,
        failed,
        errors,
        can_edit,
        command,
    };
    (status, page).into_response()
}

/// The preview, when asked: the price the customer pays for the product
/// at the quantity, or why there is none.
fn quote(
    state: &AppState,
    viewer: &Viewer,
    tr: Tr,
    list: PriceListId,
    currency: Currency,
    query: &QuoteQuery,
) -> (Option<QuoteView>, Option<String>) {
    if query.quote_sku.trim().is_empty() {
        return (None, None);
    }
    let lang = tr.lang;
    let Some(product) = product_of(state, &query.quote_sku) else {
        return (None, Some(tr.t("price-sku-unknown")));
    };
    let quantity = match query.quote_quantity.trim() {
        "" => Some(Decimal::ONE),
        text => format::parse_decimal(text),
    }
    .and_then(|value| Quantity::parse("quantity", value).ok());
    let Some(quantity) = quantity else {
        return (None, Some(tr.t("form-positive-number")));
    };
    let customer = match query.quote_customer.trim() {
        "" => None,
        text => match customer_of(state, viewer, text) {
            Ok(found) => Some(found),
            Err(message) => return (None, Some(tr.t(message))),
        },
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => return (None, Some(tr.t("refused-forbidden"))),
    };
    let resolved = app::catalog::quote(
        &state.app,
        &caller,
        list,
        product,
        customer.as_ref().map(|(id, _)| *id),
        quantity,
    );
    let price = match resolved {
        Ok(price) => price,
        Err(app::commands::CommandError::Domain(domain::DomainError::Rejected {
            rule: "product.discontinued",
            ..
        })) => {
            return (None, Some(tr.t("price-discontinued")));
        }
        Err(app::commands::CommandError::Domain(domain::DomainError::Rejected {
            rule: "price.not_listed",
            ..
        })) => {
            return (None, Some(tr.t("price-none")));
        }
        Err(error) => {
            return (None, FormErrors::from_command(tr, &error, &[]).form);
        }
    };
    let product_name = state.read_models.catalog.read(|catalog| {
        catalog
            .product(product)
            .map(|row| format!("{} {}", row.sku, row.name))
            .unwrap_or_default()
    });
    let source = tr.t2(
        "price-source",
        "scope",
        &scope_text(state, tr, &price.source.scope),
        "from",
        &format::quantity(lang, price.source.min_quantity),
    );
    let discount = price
        .discount
        .as_ref()
        .map(|applied| match applied.discount {
            Discount::Percent(percent) => format!("{} %", format::quantity(lang, percent)),
            Discount::Amount(amount) => format::money(lang, amount, currency),
        })
        .unwrap_or_default();
    let total = price.unit_price.saturating_mul(quantity.value());
    let view = QuoteView {
        customer: customer
            .map(|(_, name)| name)
            .unwrap_or_else(|| tr.t("product-scope-everyone")),
        product: product_name,
        list_price: format::money(lang, price.list_price, currency),
        source,
        discount,
        unit_price: format::money(lang, price.unit_price, currency),
        total: format::money(lang, total, currency),
        vat: format!(
            "{} % · {}",
            format::quantity(lang, price.vat_percent),
            vat_note(tr, price.prices_include_vat)
        ),
    };
    (Some(view), None)
}

/// `GET /catalog/price-lists/{id}?q&quote_customer&quote_sku&quote_quantity`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<QuoteQuery>,
) -> Response {
    render_list(&state, &viewer, &raw, query, None)
}

/// The scope a price or discount form names, or the field and words why
/// not.
fn scope_of(
    state: &AppState,
    viewer: &Viewer,
    form: &ListForm,
) -> Result<PriceScope, (&'static str, &'static str)> {
    match form.scope.as_str() {
        "everyone" | "" => Ok(PriceScope::Everyone),
        "tag" => Tag::parse("tag", &form.tag)
            .map(|tag| PriceScope::Segment(tag.as_str().to_owned()))
            .map_err(|_| ("tag", "price-tag-required")),
        "customer" => customer_of(state, viewer, &form.customer)
            .map(|(party, _)| PriceScope::Party(party))
            .map_err(|message| ("customer", message)),
        _ => Err(("scope", "form-choose")),
    }
}

/// `POST /catalog/price-lists/{id}/{rename,set-price,remove-price,set-discount,remove-discount}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<ListForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(id) = raw.parse::<PriceListId>().ok().filter(|id| {
        state
            .read_models
            .catalog
            .read(|catalog| catalog.price_list(*id).is_some())
    }) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let (which, command) = match action.as_str() {
        "rename" => (
            "rename",
            Label::parse("name", &form.name)
                .map_err(|_| errors.add("name", tr.t("form-required-line")))
                .ok()
                .map(PriceListCommand::Rename),
        ),
        "set-price" => {
            let product = product_of(&state, &form.sku);
            if product.is_none() {
                errors.add("sku", tr.t("price-sku-unknown"));
            }
            let scope = scope_of(&state, &viewer, &form)
                .map_err(|(field, message)| errors.add(field, tr.t(message)))
                .ok();
            let min_quantity = format::parse_decimal(&form.min_quantity)
                .and_then(|value| Quantity::parse_break("min_quantity", value).ok());
            if min_quantity.is_none() {
                errors.add("min_quantity", tr.t("count-not-negative"));
            }
            let unit_price = format::parse_decimal(&form.unit_price)
                .and_then(|value| UnitPrice::parse("unit_price", value).ok());
            if unit_price.is_none() {
                errors.add("unit_price", tr.t("stock-cost-number"));
            }
            let command = match (product, scope, min_quantity, unit_price) {
                (Some(product), Some(scope), Some(min_quantity), Some(unit_price)) => {
                    Some(PriceListCommand::SetPrice {
                        product,
                        scope,
                        min_quantity,
                        unit_price,
                    })
                }
                _ => None,
            };
            ("price", command)
        }
        "set-discount" => {
            let product = match form.sku.trim() {
                "" => Some(None),
                sku => {
                    let found = product_of(&state, sku);
                    if found.is_none() {
                        errors.add("discount_sku", tr.t("price-sku-unknown"));
                    }
                    found.map(Some)
                }
            };
            let scope = scope_of(&state, &viewer, &form)
                .map_err(|(field, message)| errors.add(field, tr.t(message)))
                .ok();
            let value = format::parse_decimal(&form.discount);
            let discount = match (form.discount_kind.as_str(), value) {
                ("amount", Some(value)) => Discount::amount("discount", value).ok(),
                (_, Some(value)) => Discount::percent("discount", value).ok(),
                (_, None) => None,
            };
            if discount.is_none() {
                errors.add("discount", tr.t("price-discount-invalid"));
            }
            let command = match (product, scope, discount) {
                (Some(product), Some(scope), Some(discount)) => {
                    Some(PriceListCommand::SetDiscount {
                        scope,
                        product,
                        discount,
                    })
                }
                _ => None,
            };
            ("discount", command)
        }
        "remove-price" | "remove-discount" => {
            let scope = parse_scope_code(form.scope_code.trim());
            let product = form.product.trim().parse::<ProductId>().ok();
            let command = match (action.as_str(), scope) {
                ("remove-price", Some(scope)) => product
                    .zip(
                        format::parse_decimal(&form.min_quantity)
                            .and_then(|value| Quantity::parse_break("min_quantity", value).ok()),
                    )
                    .map(|(product, min_quantity)| PriceListCommand::RemovePrice {
                        product,
                        scope,
                        min_quantity,
                    }),
                ("remove-discount", Some(scope)) => {
                    Some(PriceListCommand::RemoveDiscount { scope, product })
                }
                _ => None,
            };
            if command.is_none() {
                errors.form = Some(tr.t("form-choose"));
            }
            ("remove", command)
        }
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return render_list(
            &state,
            &viewer,
            &raw,
            QuoteQuery::default(),
            Some((which, form, errors)),
        );
    };
    // One command id per page: each form's derives from it, its action
    // and what it is about.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!(
            "{action}/{}/{}/{}/{}",
            form.sku.trim(),
            form.scope_code,
            form.product,
            form.min_quantity
        )
        .as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let done = forms::execute_as::<PriceList, _>(&state, &viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/catalog/price-lists/{id}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("name", "name")]);
            render_list(
                &state,
                &viewer,
                &raw,
                QuoteQuery::default(),
                Some((which, form, errors)),
            )
        }
    }
}
