//! Orders: the recent orders, a new order for a customer, and the order
//! page that takes it from draft to paid (confirm, ship, invoice, a
//! payment) or takes goods back.
//!
//! An order is read from its own stream through the command handler (its
//! state is cached there), not from a read model: the page shows exactly
//! what the next command will be decided against, and each form carries
//! the version it was rendered from, so acting on a stale page is refused
//! rather than doing something the user did not see. A draft shows each
//! line's price as the list resolves it now (`trade::price_order`): what
//! confirming will freeze.
//!
//! The list comes from the `orders` read model (newest activity first);
//! the new-order form offers every price list of the `catalog` read model.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use domain::catalog::{PriceList, Quantity};
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::{
    CreditNoteId, InvoiceId, OrderId, PartyId, PaymentId, PriceListId, ProductId, ReturnId,
    WarehouseId,
};
use domain::sales::{Order, OrderCommand, OrderState, OrderStatus, ShipLine};
use domain::values::{Label, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use projections::models::orders::OrderListRow;

use super::Viewer;
use super::format;
use super::forms::{self, Choice, FormErrors};
use super::i18n::Tr;
use super::{Page, Section};
use crate::AppState;
use app::commands::{CommandError, Executed};
use app::trade::price_order;

/// Orders on the list.
const LIST_ORDERS_MAX: usize = 50;
/// Line rows on the new-order form.
pub const NEW_ORDER_LINES: usize = 5;
/// Days an invoice is due after, unless the form says otherwise.
const INVOICE_DUE_DAYS: i64 = 14;
/// Payment methods, by code.
const METHOD_CODES: [&str; 3] = ["bank_transfer", "card", "cash"];

fn status_message(status: OrderStatus) -> &'static str {
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

fn customer_name(state: &AppState, party: PartyId) -> String {
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
                number: short_id(id),
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

// ------------------------------------------------------------ new order

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    party: String,
}

/// The new-order form as typed: the lines come as `product_1`,
/// `quantity_1` … so the form needs no script.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrderForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub price_list: String,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub command: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

/// A line row of the form.
#[derive(Debug)]
pub struct LineRow {
    pub index: usize,
    pub products: Vec<OwnedChoice>,
    pub quantity: String,
    pub product_error: Option<String>,
    pub quantity_error: Option<String>,
}

/// A choice whose value is an id.
#[derive(Debug)]
pub struct OwnedChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "order_new.html")]
pub struct NewPage {
    page: Page,
    party: String,
    customer_href: String,
    price_lists: Vec<OwnedChoice>,
    warehouses: Vec<OwnedChoice>,
    lines: Vec<LineRow>,
    reference: String,
    command: String,
    errors: FormErrors,
}

/// Every price list, by name, from the catalog read model.
fn known_price_lists(state: &AppState) -> Vec<(PriceListId, String)> {
    state.read_models.catalog.read(|catalog| {
        catalog
            .price_lists()
            .into_iter()
            .map(|(id, list)| (id, format!("{} ({})", list.name, list.currency.as_str())))
            .collect()
    })
}

fn new_page(
    state: &AppState,
    viewer: &Viewer,
    party: PartyId,
    form: &NewOrderForm,
    errors: FormErrors,
) -> NewPage {
    let mut page = Page::new(
        viewer,
        Section::Orders,
        "order-new-title",
        format!("/orders/new?party={party}"),
    );
    let tr = page.tr;
    let customer = customer_name(state, party);
    page.title = tr.t1("order-new-for", "customer", &customer);
    let price_lists = known_price_lists(state)
        .into_iter()
        .map(|(id, name)| OwnedChoice {
            selected: form.price_list == id.to_string(),
            value: id.to_string(),
            label: name,
        })
        .collect();
    let (warehouses, products) = state.read_models.stock.read(|stock| {
        let warehouses: Vec<OwnedChoice> = stock
            .warehouses()
            .into_iter()
            .filter(|(_, info)| !info.closed)
            .map(|(id, info)| OwnedChoice {
                selected: form.warehouse == id.to_string(),
                value: id.to_string(),
                label: info.name.clone(),
            })
            .collect();
        let products: Vec<(String, String)> = stock
            .products()
            .into_iter()
            .filter(|(_, info)| !info.discontinued)
            .map(|(id, info)| (id.to_string(), format!("{} · {}", info.name, info.sku)))
            .collect();
        (warehouses, products)
    });
    let lines = (1..=NEW_ORDER_LINES)
        .map(|index| {
            let chosen = form
                .rest
                .get(&format!("product_{index}"))
                .cloned()
                .unwrap_or_default();
            let mut choices = vec![OwnedChoice {
                value: String::new(),
                label: tr.t("order-line-none"),
                selected: chosen.is_empty(),
            }];
            choices.extend(products.iter().map(|(value, label)| OwnedChoice {
                selected: *value == chosen,
                value: value.clone(),
                label: label.clone(),
            }));
            LineRow {
                index,
                products: choices,
                quantity: form
                    .rest
                    .get(&format!("quantity_{index}"))
                    .cloned()
                    .unwrap_or_default(),
                product_error: errors.get(&format!("product_{index}")).map(str::to_owned),
                quantity_error: errors.get(&format!("quantity_{index}")).map(str::to_owned),
            }
        })
        .collect();
    NewPage {
        party: party.to_string(),
        customer_href: format!("/customers/{party}"),
        price_lists,
        warehouses,
        lines,
        reference: form.reference.clone(),
        command: if form.command.is_empty() {
            state.app.new_id().to_string()
        } else {
            form.command.clone()
        },
        errors,
        page,
    }
}

/// The customer a new-order page or form names, if it exists and is
/// within the viewer's reach (one out of reach is "no such customer" too,
/// so the page tells nothing of it).
fn known_party(state: &AppState, viewer: &Viewer, raw: &str) -> Option<PartyId> {
    let id = raw.parse::<PartyId>().ok()?;
    let principal = viewer.principal.as_ref()?;
    crate::http::scope::ensure_party_in_reach(state, principal, id).ok()?;
    state
        .read_models
        .customers
        .read(|customers| customers.resolve(id).map(|row| row.id))
}

fn no_customer(viewer: &Viewer) -> Response {
    let page = Page::new(
        viewer,
        Section::Orders,
        "order-no-customer",
        "/orders".to_owned(),
    );
    let body = page.t("order-no-customer-body");
    (
        StatusCode::NOT_FOUND,
        super::customers::NotFoundPage::new(page, body),
    )
        .into_response()
}

/// `GET /orders/new?party=…`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Response {
    let Some(party) = known_party(&state, &viewer, &query.party) else {
        return no_customer(&viewer);
    };
    let form = NewOrderForm {
        party: party.to_string(),
        ..NewOrderForm::default()
    };
    new_page(&state, &viewer, party, &form, FormErrors::default()).into_response()
}

/// The lines typed: (row, product, quantity), rows left blank skipped.
fn parse_lines(tr: Tr, form: &NewOrderForm, errors: &mut FormErrors) -> Vec<(ProductId, Quantity)> {
    let mut lines = Vec::new();
    for index in 1..=NEW_ORDER_LINES {
        let product = form
            .rest
            .get(&format!("product_{index}"))
            .map(|text| text.trim())
            .unwrap_or("");
        let quantity = form
            .rest
            .get(&format!("quantity_{index}"))
            .map(|text| text.trim())
            .unwrap_or("");
        if product.is_empty() && quantity.is_empty() {
            continue;
        }
        let product_field = field_name("product", index);
        let quantity_field = field_name("quantity", index);
        let product = product.parse::<ProductId>();
        if product.is_err() {
            errors.add(product_field, tr.t("form-choose"));
        }
        let quantity = format::parse_decimal(quantity)
            .and_then(|value| Quantity::parse("quantity", value).ok());
        if quantity.is_none() {
            errors.add(quantity_field, tr.t("form-positive-number"));
        }
        if let (Ok(product), Some(quantity)) = (product, quantity) {
            lines.push((product, quantity));
        }
    }
    lines
}

/// The static name of a line field (`FormErrors` keys are `'static`).
fn field_name(kind: &str, index: usize) -> &'static str {
    const PRODUCTS: [&str; NEW_ORDER_LINES] = [
        "product_1",
        "product_2",
        "product_3",
        "product_4",
        "product_5",
    ];
    const QUANTITIES: [&str; NEW_ORDER_LINES] = [
        "quantity_1",
        "quantity_2",
        "quantity_3",
        "quantity_4",
        "quantity_5",
    ];
    let names = if kind == "product" {
        &PRODUCTS
    } else {
        &QUANTITIES
    };
    names
        .get(index.saturating_sub(1))
        .copied()
        .unwrap_or("lines")
}

/// `POST /orders/new`: drafts the order with its lines, then shows it
/// with the prices resolved now.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewOrderForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party) = known_party(&state, &viewer, &form.party) else {
        return no_customer(&viewer);
    };
    let mut errors = FormErrors::default();
    let price_list = form.price_list.parse::<PriceListId>().ok();
    let currency = price_list.and_then(|id| state.app.load::<PriceList>(id).ok()?.0?.currency);
    if currency.is_none() {
        errors.add("price_list", tr.t("form-choose"));
    }
    let warehouse = form.warehouse.parse::<WarehouseId>().ok().filter(|id| {
        state
            .read_models
            .stock
            .read(|stock| stock.warehouse_info(*id).is_some_and(|info| !info.closed))
            && viewer.principal.as_ref().is_some_and(|principal| {
                crate::http::scope::ensure_warehouse_in_reach(
                    &state,
                    principal,
                    domain::access::Action::Read,
                    *id,
                )
                .is_ok()
            })
    });
    if warehouse.is_none() {
        errors.add("warehouse", tr.t("form-choose"));
    }
    let reference = Label::parse_optional("reference", Some(&form.reference));
    if reference.is_err() {
        errors.add("reference", tr.t("form-one-line"));
    }
    let lines = parse_lines(tr, &form, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.form = Some(tr.t("order-needs-a-line"));
    }
    let (Some(price_list), Some(_), Some(warehouse), Ok(reference), true) = (
        price_list,
        currency,
        warehouse,
        reference,
        errors.is_empty(),
    ) else {
        let page = new_page(&state, &viewer, party, &form, errors);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    let new = app::orders::NewOrder {
        party,
        price_list,
        warehouse,
        deal: None,
        branch: None,
        manager: None,
        reference,
        lines: lines
            .into_iter()
            .map(|(product, quantity)| app::orders::NewLine {
                product,
                quantity,
                discount_percent: None,
            })
            .collect(),
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = match viewer.caller() {
        Ok(caller) => state.app.orders().draft(&caller, run, new).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(drafted) => {
            let order = drafted.order;
            forms::redirect_after(
                &state,
                drafted.executed.last_position,
                &format!("/orders/{order}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("reference", "reference")]);
            let page = new_page(&state, &viewer, party, &form, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    }
}

// ------------------------------------------------------------ the order

/// A line of the order page.
#[derive(Debug)]
pub struct LineView {
    pub line: u32,
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub gross: String,
    pub shipped: String,
    pub invoiced: String,
    pub returned: String,
    /// What may still come back: shipped less returned, for the return form.
    pub returnable: String,
    pub can_return: bool,
}

/// An invoice of the order.
#[derive(Debug)]
pub struct InvoiceView {
    pub id: String,
    pub number: String,
    pub due: String,
    pub gross: String,
    pub outstanding: String,
    /// The outstanding amount as a plain number, to prefill a payment.
    pub outstanding_plain: String,
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
pub struct OrderPage {
    page: Page,
    id: String,
    customer: String,
    customer_href: String,
    status: String,
    status_code: &'static str,
    warehouse: String,
    currency: String,
    draft: bool,
    lines: Vec<LineView>,
    total: String,
    /// A draft's prices come from the list now, not from the order.
    prices_note: Option<String>,
    version: String,
    command: String,
    can_confirm: bool,
    can_ship: bool,
    can_invoice: bool,
    can_return: bool,
    invoices: Vec<InvoiceView>,
    methods: Vec<Choice>,
    due_default: String,
    errors: FormErrors,
    form_values: ActionForm,
}

/// Every action form of the order page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub invoice: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reason: String,
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

async fn render_order(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: ActionForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let Some((id, order, version)) = raw_id.parse::<OrderId>().ok().and_then(|id| {
        load_order(state, id)
            .ok()
            .flatten()
            .map(|(order, version)| (id, order, version))
    }) else {
        return order_not_found(viewer, raw_id);
    };
    let mut page = Page::new(
        viewer,
        Section::Orders,
        "order-title",
        format!("/orders/{id}"),
    );
    let tr = page.tr;
    page.title = tr.t1("order-number", "number", &short_id(id));
    let currency = order.drafted.currency;
    let money = |amount: Decimal| format::money(lang, amount, currency);
    let product_name = |product: ProductId| {
        state.read_models.stock.read(|stock| {
            stock
                .product_info(product)
                .map(|info| info.name.clone())
                .unwrap_or_else(|| product.to_string())
        })
    };
    let draft = order.status == OrderStatus::Draft;
    let mut errors = errors;
    let (lines, total) = if draft {
        let pricing = match price_order(&state.commands, &order) {
            Ok(pricing) => pricing,
            Err(error) => {
                if errors.form.is_none() {
                    errors.form = FormErrors::from_command(tr, &error, &[]).form;
                }
                Vec::new()
            }
        };
        let mut total = Decimal::ZERO;
        let lines = order
            .draft_lines
            .iter()
            .map(|(line, draft_line)| {
                let price = pricing.iter().find(|priced| priced.line == *line);
                let gross = price.map(|priced| {
                    domain::sales::Amounts::of(
                        draft_line.quantity,
                        priced.price.unit_price,
                        priced.price.vat_percent,
                        priced.price.prices_include_vat,
                    )
                    .gross
                });
                total += gross.unwrap_or_default();
                LineView {
                    line: *line,
                    product: product_name(draft_line.product),
                    quantity: format::quantity(lang, draft_line.quantity),
                    unit_price: price
                        .map(|priced| money(priced.price.unit_price))
                        .unwrap_or_default(),
                    gross: gross.map(money).unwrap_or_default(),
                    shipped: String::new(),
                    invoiced: String::new(),
                    returned: String::new(),
                    returnable: String::new(),
                    can_return: false,
                }
            })
            .collect::<Vec<_>>();
        (lines, total)
    } else {
        let lines = order
            .lines
            .iter()
            .map(|(line, progress)| {
                let returnable = progress.shipped - progress.returned;
                LineView {
                    line: *line,
                    product: product_name(progress.confirmed.product),
                    quantity: format::quantity(lang, progress.confirmed.quantity),
                    unit_price: money(progress.confirmed.unit_price),
                    gross: money(progress.confirmed.amounts.gross),
                    shipped: format::quantity(lang, progress.shipped),
                    invoiced: format::quantity(lang, progress.invoiced),
                    returned: format::quantity(lang, progress.returned),
                    returnable: form
                        .rest
                        .get(&format!("return_{line}"))
                        .cloned()
                        .unwrap_or_default(),
                    can_return: returnable > Decimal::ZERO,
                }
            })
            .collect::<Vec<_>>();
        (lines, order_total(&order).unwrap_or_default())
    };
    let invoices: Vec<InvoiceView> = state.read_models.sales.read(|sales| {
        order
            .invoices
            .iter()
            .map(|invoice| match sales.invoice(*invoice) {
                Some(row) => InvoiceView {
                    id: invoice.to_string(),
                    number: row
                        .number
                        .clone()
                        .unwrap_or_else(|| tr.t("order-invoice-unnumbered")),
                    due: format::date(lang, row.due),
                    gross: money(row.gross),
                    outstanding: money(row.outstanding),
                    outstanding_plain: row.outstanding.normalize().to_string(),
                    open: row.outstanding > Decimal::ZERO && !order.paid_invoices.contains(invoice),
                },
                None => InvoiceView {
                    id: invoice.to_string(),
                    number: tr.t("order-invoice-unnumbered"),
                    due: String::new(),
                    gross: String::new(),
                    outstanding: String::new(),
                    outstanding_plain: String::new(),
                    open: false,
                },
            })
            .collect()
    });
    let can_ship = matches!(
        order.status,
        OrderStatus::Confirmed | OrderStatus::PartiallyShipped
    );
    let can_invoice = !draft
        && order.status != OrderStatus::Cancelled
        && order
            .lines
            .values()
            .any(|line| line.invoiced < line.confirmed.quantity);
    let can_return = lines.iter().any(|line| line.can_return) && !order.invoices.is_empty();
    let warehouse = state.read_models.stock.read(|stock| {
        stock
            .warehouse_info(order.drafted.warehouse)
            .map(|info| info.name.clone())
            .unwrap_or_default()
    });
    let method = if form.method.is_empty() {
        "bank_transfer"
    } else {
        form.method.as_str()
    };
    let page = OrderPage {
        id: id.to_string(),
        customer: customer_name(state, order.drafted.party),
        customer_href: format!("/customers/{}", order.drafted.party),
        status: tr.t(status_message(order.status)),
        status_code: match order.status {
            OrderStatus::Draft => "draft",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Closed => "closed",
            OrderStatus::Cancelled => "cancelled",
        },
        warehouse,
        currency: currency.as_str().to_owned(),
        prices_note: draft.then(|| tr.t("order-prices-now")),
        draft,
        total: money(total),
        version: version
            .map(|version| version.to_string())
            .unwrap_or_default(),
        command: state.app.new_id().to_string(),
        can_confirm: draft && !lines.is_empty(),
        lines,
        can_ship,
        can_invoice,
        can_return,
        invoices,
        methods: forms::choices(tr, "payment-method", &METHOD_CODES, method),
        due_default: if form.due.is_empty() {
            (state.app.clock.now().date_naive() + Duration::days(INVOICE_DUE_DAYS)).to_string()
        } else {
            form.due.clone()
        },
        errors,
        form_values: form,
        page,
    };
    (status, page).into_response()
}

/// `GET /orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render_order(
        &state,
        &viewer,
        &id,
        ActionForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Why an action did nothing: its fields (already in the errors), or the
/// command.
#[derive(Debug)]
enum Failed {
    Fields,
    Command(CommandError),
}

impl From<CommandError> for Failed {
    fn from(error: CommandError) -> Self {
        Self::Command(error)
    }
}

/// What an action on the order page asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Confirm,
    Ship,
    Invoice,
    Payment,
    Return,
}

async fn act(
    state: &AppState,
    viewer: Viewer,
    raw_id: &str,
    form: ActionForm,
    action: Action,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(order) = raw_id.parse::<OrderId>() else {
        return render_order(
            state,
            &viewer,
            raw_id,
            form,
            FormErrors::default(),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    // The page's forms share one command id: each action derives its own.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!("{action:?}").as_bytes(),
    );
    // The version the page showed: acting on a stale page is refused.
    let expected = form.version.parse::<u64>().ok();
    let run = app::Run {
        command_id,
        expected_version: expected,
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            return render_order(
                state,
                &viewer,
                raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let orders = state.app.orders();
    let mut errors = FormErrors::default();
    let result: Result<Executed, Failed> = match action {
        Action::Confirm => orders
            .confirm(&caller, run, order)
            .await
            .map_err(Failed::from),
        Action::Ship => orders
            .ship(&caller, run, order, None)
            .await
            .map_err(Failed::from),
        Action::Invoice => match NaiveDate::parse_from_str(form.due.trim(), "%Y-%m-%d") {
            Ok(due) => {
                let command = OrderCommand::Invoice {
                    invoice: InvoiceId::from_uuid(Uuid::new_v5(&command_id, b"invoice")),
                    shipment: None,
                    due,
                };
                state
                    .app
                    .execute::<Order, _>(&caller, run, order, command, None)
                    .await
                    .map_err(Failed::from)
            }
            Err(_) => {
                errors.add("due", tr.t("form-date"));
                Err(Failed::Fields)
            }
        },
        Action::Payment => pay(state, &viewer, tr, order, &form, command_id, &mut errors).await,
        Action::Return => {
            let mut lines = Vec::new();
            for (key, value) in &form.rest {
                let Some(line) = key
                    .strip_prefix("return_")
                    .and_then(|line| line.parse::<u32>().ok())
                else {
                    continue;
                };
                if value.trim().is_empty() {
                    continue;
                }
                match format::parse_decimal(value.trim())
                    .and_then(|value| Quantity::parse("quantity", value).ok())
                {
                    Some(quantity) => lines.push(ShipLine { line, quantity }),
                    None => errors.add("return", tr.t("form-positive-number")),
                }
            }
            let reason = Label::parse("reason", &form.reason);
            if reason.is_err() {
                errors.add("reason", tr.t("form-required-line"));
            }
            if lines.is_empty() && errors.is_empty() {
                errors.add("return", tr.t("order-return-needs-a-line"));
            }
            match reason {
                Ok(reason) if errors.is_empty() => {
                    let command = OrderCommand::Return {
                        return_id: ReturnId::from_uuid(Uuid::new_v5(&command_id, b"return")),
                        credit_note: CreditNoteId::from_uuid(Uuid::new_v5(
                            &command_id,
                            b"credit-note",
                        )),
                        lines,
                        reason,
                    };
                    state
                        .app
                        .execute::<Order, _>(&caller, run, order, command, None)
                        .await
                        .map_err(Failed::from)
                }
                _ => Err(Failed::Fields),
            }
        }
    };
    match result {
        Ok(executed) => {
            forms::redirect_after(state, executed.last_position, &format!("/orders/{order}")).await
        }
        Err(failed) => {
            if let Failed::Command(error) = failed {
                errors = FormErrors::from_command(
                    tr,
                    &error,
                    &[("due", "due"), ("reason", "reason"), ("lines", "return")],
                );
            }
            render_order(
                state,
                &viewer,
                raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A payment on the customer's account for one invoice of the order; the
/// processes mark the invoice paid on the order afterwards.
async fn pay(
    state: &AppState,
    viewer: &Viewer,
    tr: Tr,
    order: OrderId,
    form: &ActionForm,
    command_id: Uuid,
    errors: &mut FormErrors,
) -> Result<Executed, Failed> {
    let Some((loaded, _)) = load_order(state, order)? else {
        return Err(CommandError::from(domain::error::DomainError::not_found("order")).into());
    };
    let currency = loaded.drafted.currency;
    let invoice = form
        .invoice
        .parse::<InvoiceId>()
        .ok()
        .filter(|id| loaded.invoices.contains(id));
    if invoice.is_none() {
        errors.add("invoice", tr.t("form-choose"));
    }
    let amount = format::parse_decimal(form.amount.trim())
        .filter(|amount| *amount > Decimal::ZERO)
        .and_then(|amount| Money::parse("amount", amount, currency).ok());
    if amount.is_none() {
        errors.add("amount", tr.t("form-positive-number"));
    }
    let method = match form.method.as_str() {
        "cash" => Some(PaymentMethod::Cash),
        "card" => Some(PaymentMethod::Card),
        "bank_transfer" => Some(PaymentMethod::BankTransfer),
        _ => None,
    };
    if method.is_none() {
        errors.add("method", tr.t("form-choose"));
    }
    let (Some(invoice), Some(amount), Some(method)) = (invoice, amount, method) else {
        return Err(Failed::Fields);
    };
    let command = AccountCommand::ReceivePayment {
        payment: PaymentId::from_uuid(Uuid::new_v5(&command_id, b"payment")),
        method,
        amount,
        allocations: Some(vec![(invoice, amount)]),
        reference: None,
    };
    // The account, not the order, takes the payment: the page's version
    // (the order's) does not apply to it.
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    Ok(state
        .app
        .execute::<Account, _>(&viewer.caller()?, run, loaded.drafted.party, command, None)
        .await?)
}

macro_rules! action_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            viewer: Viewer,
            Path(id): Path<String>,
            Form(form): Form<ActionForm>,
        ) -> Response {
            act(&state, viewer, &id, form, $action).await
        }
    };
}

action_handler!(confirm, Action::Confirm);
action_handler!(ship, Action::Ship);
action_handler!(invoice, Action::Invoice);
action_handler!(payment, Action::Payment);
action_handler!(return_goods, Action::Return);
