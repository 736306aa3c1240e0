//! The order page: the order as its own stream tells it, and the forms
//! that take it from draft to paid (confirm, ship, invoice, a payment)
//! or take goods back.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use domain::catalog::Quantity;
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::{CreditNoteId, InvoiceId, OrderId, PaymentId, ProductId, ReturnId, ShipmentId};
use domain::sales::{Order, OrderCommand, OrderStatus, ShipLine};
use domain::values::{Label, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use crate::web::Viewer;
use crate::web::format;
use crate::web::forms::{self, Choice, FormErrors, OwnedChoice};
use crate::web::i18n::Tr;
use crate::web::{Page, Section};

use super::{
    customer_name, load_order, order_not_found, order_number, order_total, status_message,
};

/// Days an invoice is due after, unless the form says otherwise.
const INVOICE_DUE_DAYS: i64 = 14;
/// Payment methods, by code.
const METHOD_CODES: [&str; 3] = ["bank_transfer", "card", "cash"];

use crate::AppState;
use app::commands::{CommandError, Executed};
use app::trade::price_order;

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
    /// What is left to ship, as the ship form offers it (or as typed).
    pub shippable: String,
    pub can_ship: bool,
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
    /// Shipments not invoiced yet: a part to invoice.
    shipments: Vec<OwnedChoice>,
    can_return: bool,
    /// The order can still be cancelled.
    can_cancel: bool,
    invoices: Vec<InvoiceView>,
    methods: Vec<Choice>,
    due_default: String,
    errors: FormErrors,
    form_values: ActionForm,
    /// Its deliveries, and the shipments still to plan.
    deliveries: crate::web::fleet::OrderDeliveries,
    can_plan: bool,
    /// The confirmation's printed original, once printed.
    confirmation: Option<String>,
    can_print: bool,
    languages: Vec<OwnedChoice>,
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
    /// The shipment to invoice; blank: everything not yet invoiced.
    #[serde(default)]
    pub shipment: String,
    #[serde(default)]
    pub invoice: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reason: String,
    /// Why the order is cancelled.
    #[serde(default)]
    pub cancel_reason: String,
    /// The draft's line a line form changes or removes, and its new
    /// quantity.
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub quantity: String,
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
    page.title = tr.t1("order-number", "number", &order_number(state, id));
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
                    shippable: String::new(),
                    can_ship: false,
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
                let left = progress.confirmed.quantity - progress.shipped;
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
                    shippable: form
                        .rest
                        .get(&format!("ship_{line}"))
                        .cloned()
                        .unwrap_or_else(|| left.normalize().to_string()),
                    can_ship: left > Decimal::ZERO,
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
    // Shipments not invoiced yet, each offered as a part to invoice.
    let shipments: Vec<OwnedChoice> = order
        .shipments
        .iter()
        .filter(|(shipment, _)| !order.invoiced_shipments.contains(*shipment))
        .map(|(shipment, lines)| OwnedChoice {
            value: shipment.to_string(),
            label: lines
                .iter()
                .filter_map(|(line, quantity)| {
                    let progress = order.lines.get(line)?;
                    Some(format!(
                        "{} × {}",
                        format::quantity(lang, *quantity),
                        product_name(progress.confirmed.product)
                    ))
                })
                .collect::<Vec<_>>()
                .join(", "),
            selected: form.shipment == shipment.to_string(),
        })
        .collect();
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
        shipments,
        can_return,
        can_cancel: !matches!(order.status, OrderStatus::Closed | OrderStatus::Cancelled),
        invoices,
        methods: forms::choices(tr, "payment-method", &METHOD_CODES, method),
        due_default: if form.due.is_empty() {
            (state.app.clock.now().date_naive() + Duration::days(INVOICE_DUE_DAYS)).to_string()
        } else {
            form.due.clone()
        },
        errors,
        form_values: form,
        deliveries: crate::web::fleet::of_order(
            state,
            lang,
            id,
            &order.shipments.keys().copied().collect::<Vec<_>>(),
        ),
        can_plan: viewer.allows(
            domain::access::Module::Inventory,
            domain::access::Action::Create,
        ),
        confirmation: super::print::printed_confirmation(state, id),
        can_print: !draft
            && viewer.allows(
                domain::access::Module::Orders,
                domain::access::Action::Create,
            ),
        languages: crate::web::i18n::Lang::ALL
            .into_iter()
            .map(|choice| OwnedChoice {
                value: choice.tag().to_owned(),
                label: choice.native_name().to_owned(),
                selected: choice == lang,
            })
            .collect(),
        page,
    };
    (status, page).into_response()
}

/// The order page with `errors` from a form of another page's handler
/// (planning a delivery).
pub(crate) async fn show_with(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    errors: FormErrors,
) -> Response {
    render_order(
        state,
        viewer,
        raw_id,
        ActionForm::default(),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
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
    Cancel,
    ChangeLine,
    RemoveLine,
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
        Action::Ship => {
            // The quantity of each line the form offers (`ship_<line>`);
            // a form without them ships everything left.
            let mut offered = false;
            let mut lines = Vec::new();
            for (key, value) in &form.rest {
                let Some(line) = key
                    .strip_prefix("ship_")
                    .and_then(|line| line.parse::<u32>().ok())
                else {
                    continue;
                };
                offered = true;
                let value = value.trim();
                if value.is_empty() || format::parse_decimal(value) == Some(Decimal::ZERO) {
                    continue;
                }
                match format::parse_decimal(value)
                    .and_then(|value| Quantity::parse("quantity", value).ok())
                {
                    Some(quantity) => lines.push(ShipLine { line, quantity }),
                    None => errors.add("ship", tr.t("form-positive-number")),
                }
            }
            if offered && lines.is_empty() && errors.is_empty() {
                errors.add("ship", tr.t("order-ship-needs-a-line"));
            }
            if errors.is_empty() {
                orders
                    .ship(&caller, run, order, offered.then_some(lines))
                    .await
                    .map_err(Failed::from)
            } else {
                Err(Failed::Fields)
            }
        }
        Action::Invoice => match NaiveDate::parse_from_str(form.due.trim(), "%Y-%m-%d") {
            Ok(due) => {
                let command = OrderCommand::Invoice {
                    invoice: InvoiceId::from_uuid(Uuid::new_v5(&command_id, b"invoice")),
                    // A shipment, or (blank) everything not yet invoiced.
                    shipment: form.shipment.trim().parse::<ShipmentId>().ok(),
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
        Action::Cancel => match Label::parse("reason", &form.cancel_reason) {
            Ok(reason) => state
                .app
                .execute::<Order, _>(&caller, run, order, OrderCommand::Cancel { reason }, None)
                .await
                .map_err(Failed::from),
            Err(_) => {
                errors.add("cancel_reason", tr.t("form-required-line"));
                Err(Failed::Fields)
            }
        },
        Action::ChangeLine | Action::RemoveLine => {
            let line = form.line.trim().parse::<u32>().ok();
            let command = match (action, line) {
                (Action::RemoveLine, Some(line)) => Some(OrderCommand::RemoveLine { line }),
                (Action::ChangeLine, Some(line)) => {
                    match format::parse_decimal(form.quantity.trim())
                        .and_then(|value| Quantity::parse("quantity", value).ok())
                    {
                        Some(quantity) => Some(OrderCommand::ChangeLineQuantity { line, quantity }),
                        None => {
                            errors.add("quantity", tr.t("form-positive-number"));
                            None
                        }
                    }
                }
                _ => {
                    errors.form = Some(tr.t("form-not-found"));
                    None
                }
            };
            match command {
                // A line's own command id: two lines of one page differ.
                Some(command) => {
                    let run = app::Run {
                        command_id: Uuid::new_v5(&command_id, form.line.as_bytes()),
                        ..run
                    };
                    state
                        .app
                        .execute::<Order, _>(&caller, run, order, command, None)
                        .await
                        .map_err(Failed::from)
                }
                None => Err(Failed::Fields),
            }
        }
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
                    &[
                        ("due", "due"),
                        ("reason", "reason"),
                        ("lines", "return"),
                        ("quantity", "quantity"),
                    ],
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
        // Looked up by `app` for the payment's day.
        rate: None,
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
action_handler!(cancel, Action::Cancel);
action_handler!(change_line, Action::ChangeLine);
action_handler!(remove_line, Action::RemoveLine);
