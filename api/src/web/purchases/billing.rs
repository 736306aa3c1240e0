//! The purchase order page's supplier invoices: recording the supplier's
//! invoice of the order (at the rate of the day it was issued) and paying
//! one (at today's rate), through `app::payables`. Finance's: the route
//! needs `finance.create`.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use domain::catalog::UnitPrice;
use domain::finance::PaymentMethod;
use domain::ids::{PurchaseOrderId, SupplierInvoiceId};
use domain::purchasing::PurchaseOrder;
use domain::values::Label;
use uuid::Uuid;

use super::page::{ActionForm, render};
use super::purchase_not_found;
use crate::AppState;
use crate::web::forms::{self, FormErrors};
use crate::web::i18n::Tr;
use crate::web::{Viewer, format};

/// `POST /purchases/{id}/invoice`: the supplier's invoice of the order.
pub async fn invoice(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(state, viewer, raw_id, form, true).await
}

/// `POST /purchases/{id}/pay`: one of its invoices paid.
pub async fn pay(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(state, viewer, raw_id, form, false).await
}

async fn act(
    state: AppState,
    viewer: Viewer,
    raw_id: String,
    form: ActionForm,
    invoicing: bool,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((order, supplier, currency)) =
        raw_id.parse::<PurchaseOrderId>().ok().and_then(|order| {
            let loaded = state.app.load::<PurchaseOrder>(order).ok()?.0?;
            Some((order, loaded.supplier, loaded.currency))
        })
    else {
        return purchase_not_found(&viewer, &raw_id);
    };
    let run = app::Run {
        command_id: Uuid::new_v5(
            &forms::command_id(&state.app, &form.command),
            if invoicing { b"invoice" } else { b"pay" },
        ),
        expected_version: None,
    };
    let mut errors = FormErrors::default();
    let amount = format::parse_decimal(form.amount.trim())
        .filter(|amount| *amount > rust_decimal::Decimal::ZERO)
        .and_then(|amount| UnitPrice::parse("amount", amount).ok());
    if amount.is_none() {
        errors.add("amount", tr.t("form-amount"));
    }
    let result = if invoicing {
        let number = Label::parse("number", &form.number).ok();
        if number.is_none() {
            errors.add("number", tr.t("form-required-line"));
        }
        let day = |raw: &str, field: &'static str, errors: &mut FormErrors| {
            let parsed = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.add(field, tr.t("form-date"));
            }
            parsed
        };
        let issued_on = day(&form.issued_on, "issued_on", &mut errors);
        let due = day(&form.due, "due", &mut errors);
        match (number, amount, issued_on, due, viewer.caller()) {
            (Some(number), Some(amount), Some(issued_on), Some(due), Ok(caller)) => Some(
                state
                    .app
                    .record_supplier_invoice(
                        &caller,
                        run,
                        supplier,
                        app::payables::NewSupplierInvoice {
                            order: Some(order),
                            number,
                            currency: None,
                            amount,
                            issued_on,
                            due,
                        },
                    )
                    .await
                    .map(|written| written.executed),
            ),
            (.., Err(error)) => Some(Err(error)),
            _ => None,
        }
    } else {
        let invoice = form.invoice.parse::<SupplierInvoiceId>().ok();
        if invoice.is_none() {
            errors.form = Some(tr.t("form-not-found"));
        }
        let method = match form.method.as_str() {
            "cash" => PaymentMethod::Cash,
            "card" => PaymentMethod::Card,
            _ => PaymentMethod::BankTransfer,
        };
        match (invoice, amount, viewer.caller()) {
            (Some(invoice), Some(amount), Ok(caller)) => Some(
                state
                    .app
                    .pay_supplier(
                        &caller,
                        run,
                        supplier,
                        app::payables::NewSupplierPayment {
                            method,
                            currency,
                            amount,
                            allocations: Some(vec![(invoice, amount)]),
                            reference: None,
                        },
                        None,
                    )
                    .await
                    .map(|written| written.executed),
            ),
            (.., Err(error)) => Some(Err(error)),
            _ => None,
        }
    };
    match result {
        Some(Ok(executed)) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/purchases/{order}"),
            )
            .await
        }
        Some(Err(error)) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("number", "number"),
                    ("amount", "amount"),
                    ("due", "due"),
                    ("allocations", "amount"),
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
        None => render(
            &state,
            &viewer,
            &raw_id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}
