//! The purchase order page: the order as its own stream tells it, its
//! receipts as the purchases read model keeps them, and the forms that
//! take it from draft to received: a line added or taken off, sending,
//! receiving a delivery (quantities per line, landed costs and how they
//! are spread, the day it arrived) and cancelling.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use domain::access::{Action, Module};
use domain::catalog::{Quantity, UnitPrice};
use domain::ids::{ProductId, PurchaseOrderId};
use domain::purchasing::{
    NewLandedCost, PurchaseCommand, PurchaseOrder, PurchaseOrderState, PurchaseStatus, ReceiveLine,
    Spread,
};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::warehouse_name;
use super::{party_name, product_name, purchase_not_found, purchase_number, status_message};
use crate::AppState;
use crate::web::forms::{self, FormErrors, OwnedChoice};
use crate::web::i18n::Tr;
use crate::web::{Page, Section, Viewer, format};
use app::commands::{CommandError, Executed};

/// Landed cost rows on the receive form.
pub const LANDED_COST_ROWS: usize = 3;

/// A line of the page.
#[derive(Debug)]
pub struct LineView {
    pub line: u32,
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
    pub received: String,
    /// What the receive form offers for this line (outstanding, or as
    /// typed).
    pub receivable: String,
    pub outstanding: bool,
}

/// A delivery received.
#[derive(Debug)]
pub struct ReceiptView {
    pub day: String,
    pub rate: String,
    pub landed: String,
    pub lines: Vec<(String, String, String)>,
}

/// A supplier's invoice of the order.
#[derive(Debug)]
pub struct BillView {
    pub id: String,
    pub number: String,
    pub amount: String,
    pub outstanding: String,
    /// The outstanding amount as a plain number, to prefill a payment.
    pub outstanding_plain: String,
    pub due: String,
    pub open: bool,
}

/// A landed cost row of the receive form, as typed.
#[derive(Debug)]
pub struct CostRow {
    pub index: usize,
    pub label: String,
    pub amount: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "purchase.html")]
pub struct PurchasePage {
    page: Page,
    id: String,
    supplier: String,
    supplier_href: String,
    status: String,
    status_code: &'static str,
    warehouse: String,
    currency: String,
    company_currency: String,
    expected_on: String,
    reference: String,
    lines: Vec<LineView>,
    total: String,
    receipts: Vec<ReceiptView>,
    version: String,
    command: String,
    can_edit: bool,
    can_receive: bool,
    can_cancel: bool,
    products: Vec<OwnedChoice>,
    costs: Vec<CostRow>,
    spreads: Vec<OwnedChoice>,
    received_on: String,
    /// The supplier's invoices, and the forms to record one and pay.
    bills: Vec<BillView>,
    can_invoice: bool,
    can_pay: bool,
    /// The invoice form's defaults: what is not invoiced yet, today, in
    /// thirty days.
    invoice_amount: String,
    invoice_issued_on: String,
    invoice_due: String,
    errors: FormErrors,
    form_values: ActionForm,
}

/// Every action form of the page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub version: String,
    /// The line a remove form takes off.
    #[serde(default)]
    pub line: String,
    /// The add-line form.
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub price: String,
    /// The receive form: `value` or `quantity`, and the day the goods
    /// arrived (blank: now).
    #[serde(default)]
    pub spread: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub reason: String,
    /// The invoice form: the supplier's number, amount, days.
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub due: String,
    /// The pay form: the invoice paid and how.
    #[serde(default)]
    pub invoice: String,
    #[serde(default)]
    pub method: String,
    /// `receive_<line>`, `cost_label_<n>`, `cost_amount_<n>`.
    #[serde(flatten)]
    pub rest: BTreeMap<String, String>,
}

fn load(
    state: &AppState,
    raw_id: &str,
) -> Option<(PurchaseOrderId, PurchaseOrderState, Option<u64>)> {
    let id = raw_id.parse::<PurchaseOrderId>().ok()?;
    let (order, version) = state.app.load::<PurchaseOrder>(id).ok()?;
    Some((id, order?, version))
}

pub(super) fn render(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: ActionForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let Some((id, order, version)) = load(state, raw_id) else {
        return purchase_not_found(viewer, raw_id);
    };
    let mut page = Page::new(
        viewer,
        Section::Purchasing,
        "purchase-title",
        format!("/purchases/{id}"),
    );
    let tr = page.tr;
    page.title = tr.t1("purchase-number", "number", &purchase_number(state, id));
    let money = |amount: Decimal| format::money(lang, amount, order.currency);
    let company_currency = state.app.currency().company_currency().ok().flatten();
    let lines: Vec<LineView> = order
        .lines
        .iter()
        .map(|(line, state_line)| {
            let amount = domain::sales::round_amount(state_line.quantity * state_line.unit_price);
            LineView {
                line: *line,
                product: product_name(state, state_line.product),
                quantity: format::quantity(lang, state_line.quantity),
                unit_price: money(state_line.unit_price),
                amount: money(amount),
                received: format::quantity(lang, state_line.received),
                receivable: form
                    .rest
                    .get(&format!("receive_{line}"))
                    .cloned()
                    .unwrap_or_else(|| state_line.outstanding().normalize().to_string()),
                outstanding: state_line.outstanding() > Decimal::ZERO,
            }
        })
        .collect();
    let total = order.lines.values().fold(Decimal::ZERO, |total, line| {
        total + domain::sales::round_amount(line.quantity * line.unit_price)
    });
    let (receipts, expected, reference) = state.read_models.purchases.read(|purchases| {
        let row = purchases.get(id);
        let receipts = row
            .map(|row| {
                row.receipts
                    .iter()
                    .map(|receipt| {
                        let landed: Decimal =
                            receipt.landed_costs.iter().map(|cost| cost.amount).sum();
                        ReceiptView {
                            day: format::date(lang, receipt.occurred_at.date_naive()),
                            rate: format::decimal(lang, receipt.rate, receipt.rate.scale()),
                            landed: company_currency
                                .map(|currency| format::money(lang, landed, currency))
                                .unwrap_or_else(|| landed.to_string()),
                            lines: receipt
                                .lines
                                .iter()
                                .map(|line| {
                                    (
                                        product_name(state, line.product),
                                        format::quantity(lang, line.quantity),
                                        company_currency
                                            .map(|currency| {
                                                format::money(lang, line.unit_cost, currency)
                                            })
                                            .unwrap_or_else(|| line.unit_cost.to_string()),
                                    )
                                })
                                .collect(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        (
            receipts,
            row.and_then(|row| row.expected_on),
            row.and_then(|row| row.reference.clone()),
        )
    });
    let products: Vec<OwnedChoice> = state.read_models.stock.read(|stock| {
        stock
            .products()
            .into_iter()
            .filter(|(_, info)| !info.discontinued)
            .map(|(product, info)| OwnedChoice {
                selected: form.product == product.to_string(),
                value: product.to_string(),
                label: format!("{} · {}", info.name, info.sku),
            })
            .collect()
    });
    let costs = (1..=LANDED_COST_ROWS)
        .map(|index| CostRow {
            index,
            label: form
                .rest
                .get(&format!("cost_label_{index}"))
                .cloned()
                .unwrap_or_default(),
            amount: form
                .rest
                .get(&format!("cost_amount_{index}"))
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    let spread = if form.spread.is_empty() {
        "value"
    } else {
        form.spread.as_str()
    };
    let spreads = ["value", "quantity"]
        .into_iter()
        .map(|code| OwnedChoice {
            value: code.to_owned(),
            label: tr.t(&format!("purchase-spread-{code}")),
            selected: spread == code,
        })
        .collect();
    let draft = order.status == PurchaseStatus::Draft;
    // The supplier's invoices as their own streams record them (what the
    // invoice form's redirect waited for), not as the order learns of
    // them a moment later through the processes.
    let (bills, invoiced): (Vec<BillView>, Decimal) =
        state.read_models.purchases.read(|purchases| {
            let mut invoiced = Decimal::ZERO;
            let bills = purchases
                .payables()
                .of_order(id)
                .into_iter()
                .map(|(invoice, bill)| {
                    invoiced += bill.amount;
                    let outstanding = bill.outstanding_on(chrono::NaiveDate::MAX);
                    BillView {
                        id: invoice.to_string(),
                        number: bill.number.clone(),
                        amount: money(bill.amount),
                        outstanding: money(outstanding),
                        outstanding_plain: outstanding.normalize().to_string(),
                        due: format::date(lang, bill.due),
                        open: outstanding > Decimal::ZERO,
                    }
                })
                .collect();
            (bills, invoiced)
        });
    let today = state.app.now().date_naive();
    let page = PurchasePage {
        id: id.to_string(),
        supplier: party_name(state, order.supplier),
        supplier_href: format!("/customers/{}", order.supplier),
        status: tr.t(status_message(order.status)),
        status_code: order.status.key(),
        warehouse: warehouse_name(state, order.warehouse),
        currency: order.currency.as_str().to_owned(),
        company_currency: company_currency
            .map(|currency| currency.as_str().to_owned())
            .unwrap_or_default(),
        expected_on: expected
            .map(|day| format::date(lang, day))
            .unwrap_or_default(),
        reference: reference.unwrap_or_default(),
        total: money(total),
        receipts,
        version: version
            .map(|version| version.to_string())
            .unwrap_or_default(),
        command: state.app.new_id().to_string(),
        can_edit: draft && viewer.allows(Module::Purchasing, Action::Edit),
        can_receive: order.status.open() && viewer.allows(Module::Purchasing, Action::Edit),
        can_cancel: matches!(order.status, PurchaseStatus::Draft | PurchaseStatus::Sent)
            && viewer.allows(Module::Purchasing, Action::Delete),
        lines,
        products,
        costs,
        spreads,
        received_on: form.received_on.clone(),
        can_invoice: !matches!(
            order.status,
            PurchaseStatus::Draft | PurchaseStatus::Cancelled
        ) && viewer.allows(Module::Finance, Action::Create),
        can_pay: viewer.allows(Module::Finance, Action::Create),
        bills,
        invoice_amount: if form.amount.is_empty() {
            (total - invoiced)
                .max(Decimal::ZERO)
                .normalize()
                .to_string()
        } else {
            form.amount.clone()
        },
        invoice_issued_on: if form.issued_on.is_empty() {
            today.to_string()
        } else {
            form.issued_on.clone()
        },
        invoice_due: if form.due.is_empty() {
            (today + chrono::Duration::days(30)).to_string()
        } else {
            form.due.clone()
        },
        errors,
        form_values: form,
        page,
    };
    (status, page).into_response()
}

/// `GET /purchases/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render(
        &state,
        &viewer,
        &id,
        ActionForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// The receive form parsed: what arrived, the landed costs, how they
/// are spread, and when (blank: now).
fn parse_delivery(
    tr: Tr,
    form: &ActionForm,
    errors: &mut FormErrors,
) -> (app::purchasing::Delivery, Option<chrono::DateTime<Utc>>) {
    let mut lines = Vec::new();
    for (key, value) in &form.rest {
        let Some(line) = key
            .strip_prefix("receive_")
            .and_then(|line| line.parse::<u32>().ok())
        else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() || format::parse_decimal(value) == Some(Decimal::ZERO) {
            continue;
        }
        match format::parse_decimal(value).and_then(|value| Quantity::parse("quantity", value).ok())
        {
            Some(quantity) => lines.push(ReceiveLine { line, quantity }),
            None => errors.add("receive", tr.t("form-positive-number")),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.add("receive", tr.t("purchase-receive-needs-a-line"));
    }
    let mut landed_costs = Vec::new();
    for index in 1..=LANDED_COST_ROWS {
        let typed = |kind: &str| {
            form.rest
                .get(&format!("cost_{kind}_{index}"))
                .map(|text| text.trim().to_owned())
                .unwrap_or_default()
        };
        let (label, amount) = (typed("label"), typed("amount"));
        if label.is_empty() && amount.is_empty() {
            continue;
        }
        let label = Label::parse("label", &label);
        let amount =
            format::parse_decimal(&amount).and_then(|value| UnitPrice::parse("amount", value).ok());
        match (label, amount) {
            (Ok(label), Some(amount)) => landed_costs.push(NewLandedCost { label, amount }),
            _ => errors.add("costs", tr.t("purchase-cost-invalid")),
        }
    }
    let spread = match form.spread.as_str() {
        "quantity" => Spread::ByQuantity,
        _ => Spread::ByValue,
    };
    let occurred_at = match form.received_on.trim() {
        "" => None,
        day => match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            // Noon of the day: the goods arrived during it.
            Ok(day) => day
                .and_hms_opt(12, 0, 0)
                .and_then(|noon| Utc.from_local_datetime(&noon).single()),
            Err(_) => {
                errors.add("received_on", tr.t("form-date"));
                None
            }
        },
    };
    (
        app::purchasing::Delivery {
            lines: Some(lines),
            landed_costs,
            spread,
        },
        occurred_at,
    )
}

/// `POST /purchases/{id}/{action}`: `add-line`, `remove-line`, `send`,
/// `receive` or `cancel`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw_id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(order) = raw_id.parse::<PurchaseOrderId>() else {
        return purchase_not_found(&viewer, &raw_id);
    };
    // The page's forms share one command id: each action derives its own.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        action.as_bytes(),
    );
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let mut errors = FormErrors::default();
    let result: Result<Option<Executed>, CommandError> = match viewer.caller() {
        Err(error) => Err(error),
        Ok(caller) => match action.as_str() {
            "add-line" => {
                let product = form.product.parse::<ProductId>().ok();
                if product.is_none() {
                    errors.add("product", tr.t("form-choose"));
                }
                let quantity = format::parse_decimal(form.quantity.trim())
                    .and_then(|value| Quantity::parse("quantity", value).ok());
                if quantity.is_none() {
                    errors.add("quantity", tr.t("form-positive-number"));
                }
                let price = format::parse_decimal(form.price.trim())
                    .and_then(|value| UnitPrice::parse("price", value).ok());
                if price.is_none() {
                    errors.add("price", tr.t("form-amount"));
                }
                match (product, quantity, price) {
                    (Some(product), Some(quantity), Some(unit_price)) => state
                        .app
                        .purchasing()
                        .add_line(
                            &caller,
                            run,
                            order,
                            app::purchasing::NewPurchaseLine {
                                product,
                                quantity,
                                unit_price,
                            },
                        )
                        .await
                        .map(Some),
                    _ => Ok(None),
                }
            }
            "remove-line" => match form.line.trim().parse::<u32>() {
                Ok(line) => {
                    // A line's own command id: two lines of one page differ.
                    let run = app::Run {
                        command_id: Uuid::new_v5(&command_id, form.line.as_bytes()),
                        ..run
                    };
                    state
                        .app
                        .execute::<PurchaseOrder, _>(
                            &caller,
                            run,
                            order,
                            PurchaseCommand::RemoveLine { line },
                            None,
                        )
                        .await
                        .map(Some)
                }
                Err(_) => {
                    errors.form = Some(tr.t("form-not-found"));
                    Ok(None)
                }
            },
            "send" => state
                .app
                .execute::<PurchaseOrder, _>(&caller, run, order, PurchaseCommand::Send, None)
                .await
                .map(Some),
            "receive" => {
                let (delivery, occurred_at) = parse_delivery(tr, &form, &mut errors);
                if errors.is_empty() {
                    state
                        .app
                        .purchasing()
                        .receive(&caller, run, order, delivery, occurred_at)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            }
            "cancel" => match Label::parse("reason", &form.reason) {
                Ok(reason) => state
                    .app
                    .execute::<PurchaseOrder, _>(
                        &caller,
                        run,
                        order,
                        PurchaseCommand::Cancel { reason },
                        None,
                    )
                    .await
                    .map(Some),
                Err(_) => {
                    errors.add("reason", tr.t("form-required-line"));
                    Ok(None)
                }
            },
            _ => return purchase_not_found(&viewer, &raw_id),
        },
    };
    match result {
        Ok(Some(executed)) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/purchases/{order}"),
            )
            .await
        }
        Ok(None) => render(
            &state,
            &viewer,
            &raw_id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("quantity", "quantity"),
                    ("reason", "reason"),
                    ("lines", "receive"),
                    ("landed_costs", "costs"),
                ],
            );
            render(
                &state,
                &viewer,
                &raw_id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
