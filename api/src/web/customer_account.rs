//! A customer's account (issue 17): what they owe and hold per currency,
//! their open invoices (oldest due first) with credit applied to one in a
//! click, a payment received (allocated to the oldest due first, or to
//! one invoice), and a credit note issued by hand (a goodwill credit, a
//! price correction), which becomes credit. Read from the account's own
//! stream; every write is an `AccountCommand` through `App::execute`,
//! which checks the customer is within the viewer's reach.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::documents::PrintKind;
use domain::finance::{Account, AccountCommand, AccountState, PaymentMethod};
use domain::ids::{CreditNoteId, DocumentId, InvoiceId, PartyId, PaymentId};
use domain::sales::Amounts;
use domain::values::{Currency, Label, Money};
use domain::words::Language;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{self, Choice, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Open invoices listed at most, the oldest due first.
const OPEN_INVOICES_SHOWN: usize = 200;
const METHOD_CODES: [&str; 3] = ["bank_transfer", "card", "cash"];

/// Any of the page's forms as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    invoice: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    net: String,
    #[serde(default)]
    vat: String,
    #[serde(default)]
    command: String,
    /// The language an invoice is printed in: `en`, `ru` or `ar`.
    #[serde(default)]
    language: String,
}

#[derive(Debug)]
pub struct BalanceLine {
    currency: String,
    receivable: String,
    credit: String,
    balance: String,
}

#[derive(Debug)]
pub struct InvoiceLine {
    id: String,
    number: String,
    order_href: Option<String>,
    due: String,
    overdue: bool,
    gross: String,
    paid: String,
    outstanding: String,
    /// Credit in its currency can pay it.
    can_apply_credit: bool,
    /// Its printed original, once issued: copies are printed from it.
    document: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer_account.html")]
pub struct AccountPage {
    page: Page,
    party: String,
    customer: String,
    balances: Vec<BalanceLine>,
    invoices: Vec<InvoiceLine>,
    more_invoices: bool,
    invoice_choices: Vec<super::forms::OwnedChoice>,
    methods: Vec<Choice>,
    /// The languages an invoice prints in, the viewer's first.
    languages: Vec<super::forms::OwnedChoice>,
    can_write: bool,
    form: AccountForm,
    /// Which form failed: `payment`, `credit-note` or `apply`.
    failed: String,
    errors: FormErrors,
    command: Uuid,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    failed: Option<(&str, AccountForm, FormErrors)>,
) -> Response {
    let Some(party): Option<PartyId> =
        super::readable_id(state, viewer, raw, app::access::Kind::Party)
    else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let customer = state
        .read_models
        .customers
        .read(|customers| customers.get(party).map(|row| row.display_name.clone()));
    let Some(customer) = customer else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let account: AccountState = match state.app.load::<Account>(party) {
        Ok((account, _)) => account,
        Err(error) => {
            tracing::error!(%error, "reading an account failed");
            return super::refused_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                viewer.lang,
                "form-failed",
            );
        }
    };
    let mut page = Page::new(
        viewer,
        Section::Customers,
        "customer-account-title",
        format!("/customers/{party}/account"),
    );
    let tr = page.tr;
    let lang = tr.lang;
    page.title = tr.t1("account-of", "customer", &customer);
    let currencies: std::collections::BTreeSet<Currency> = account
        .invoices
        .values()
        .map(|invoice| invoice.currency)
        .chain(account.credit.keys().copied())
        .collect();
    let balances = currencies
        .iter()
        .map(|currency| {
            let receivable = account.receivable(*currency);
            let credit = account.credit(*currency);
            BalanceLine {
                currency: currency.as_str().to_owned(),
                receivable: format::money(lang, receivable, *currency),
                credit: format::money(lang, credit, *currency),
                balance: format::money(lang, receivable - credit, *currency),
            }
        })
        .collect();
    let today = state.app.clock.now().date_naive();
    let mut open: Vec<_> = account
        .invoices
        .iter()
        .filter(|(_, invoice)| invoice.outstanding() > Decimal::ZERO)
        .collect();
    open.sort_by_key(|(_, invoice)| (invoice.due, invoice.sequence));
    let more_invoices = open.len() > OPEN_INVOICES_SHOWN;
    let numbers: Vec<Option<String>> = state.read_models.sales.read(|sales| {
        open.iter()
            .take(OPEN_INVOICES_SHOWN)
            .map(|(id, _)| sales.invoice(**id).and_then(|row| row.number.clone()))
            .collect()
    });
    let invoices: Vec<InvoiceLine> = open
        .iter()
        .take(OPEN_INVOICES_SHOWN)
        .zip(numbers)
        .map(|((id, invoice), number)| InvoiceLine {
            id: id.to_string(),
            number: number.unwrap_or_else(|| tr.t("order-invoice-unnumbered")),
            order_href: invoice.order.map(|order| format!("/orders/{order}")),
            due: format::date(lang, invoice.due),
            overdue: invoice.due < today,
            gross: format::money(lang, invoice.gross, invoice.currency),
            paid: format::money(lang, invoice.paid, invoice.currency),
            outstanding: format::money(lang, invoice.outstanding(), invoice.currency),
            can_apply_credit: account.credit(invoice.currency) > Decimal::ZERO,
            document: issued_document(state, **id),
        })
        .collect();
    let (failed, form, errors) = match failed {
        Some((failed, form, errors)) => (failed.to_owned(), form, errors),
        None => (
            String::new(),
            AccountForm {
                currency: currencies
                    .iter()
                    .next()
                    .map(|currency| currency.as_str().to_owned())
                    .unwrap_or_default(),
                ..AccountForm::default()
            },
            FormErrors::default(),
        ),
    };
    let mut invoice_choices = vec![super::forms::OwnedChoice {
        value: String::new(),
        label: tr.t("account-oldest-first"),
        selected: form.invoice.is_empty(),
    }];
    invoice_choices.extend(invoices.iter().map(|invoice| super::forms::OwnedChoice {
        selected: form.invoice == invoice.id,
        label: format!("{} · {}", invoice.number, invoice.outstanding),
        value: invoice.id.clone(),
    }));
    let method = if form.method.is_empty() {
        "bank_transfer"
    } else {
        form.method.as_str()
    };
    let methods = forms::choices(tr, "payment-method", &METHOD_CODES, method);
    let languages = super::i18n::Lang::ALL
        .into_iter()
        .map(|choice| super::forms::OwnedChoice {
            value: choice.tag().to_owned(),
            label: choice.native_name().to_owned(),
            selected: choice == lang,
        })
        .collect();
    let command = forms::command_id(&state.app, &form.command);
    let status = errors.status();
    let page = AccountPage {
        page,
        party: party.to_string(),
        customer,
        balances,
        invoices,
        more_invoices,
        invoice_choices,
        methods,
        languages,
        can_write: viewer.allows(Module::Finance, Action::Create),
        form,
        failed,
        errors,
        command,
    };
    (status, page).into_response()
}

/// The id of `invoice`'s printed original, once issued.
fn issued_document(state: &AppState, invoice: InvoiceId) -> Option<String> {
    let document = DocumentId::original(PrintKind::Invoice.key(), invoice.as_uuid());
    match state.app.load::<domain::documents::Document>(document) {
        Ok((Some(_), _)) => Some(document.to_string()),
        _ => None,
    }
}

/// `POST /customers/{id}/account/print`: the invoice's original, laid
/// out in the language chosen and recorded; answered as the PDF.
async fn print(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    party: PartyId,
    form: AccountForm,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let invoice = form.invoice.trim().parse::<InvoiceId>().ok();
    let language = Language::parse(form.language.trim());
    let (Some(invoice), Some(language)) = (invoice, language) else {
        errors.form = Some(tr.t("form-not-found"));
        return render(state, viewer, raw, Some(("print", form, errors)));
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let run = app::Run {
        command_id: Uuid::new_v5(&command_id, format!("print/{invoice}").as_bytes()),
        expected_version: None,
    };
    let issued = state
        .app
        .documents()
        .issue_invoice(
            &caller,
            run,
            party,
            invoice,
            language,
            state.renderer.clone(),
        )
        .await;
    match issued {
        Ok(issued) => crate::printer::pdf_response(StatusCode::OK, &issued.number, issued.pdf),
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(state, viewer, raw, Some(("print", form, errors)))
        }
    }
}

/// `GET /customers/{id}/documents/{document}`: a copy of a document
/// issued to the customer, laid out from its record.
pub async fn copy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, document)): Path<(String, String)>,
) -> Response {
    let Some(party): Option<PartyId> =
        super::readable_id(&state, &viewer, &raw, app::access::Kind::Party)
    else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let (Ok(caller), Ok(document)) = (viewer.caller(), document.parse::<DocumentId>()) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    match state
        .app
        .documents()
        .copy(&caller, document, state.renderer.clone())
        .await
    {
        // Only through the customer it was issued to.
        Ok((record, bytes)) if record.issued.party == Some(party) => {
            crate::printer::pdf_response(StatusCode::OK, &record.issued.printable.number, bytes)
        }
        Ok(_) => super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
        Err(error) => {
            tracing::warn!(%error, "a copy of a document was refused");
            super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found")
        }
    }
}

/// `GET /customers/{id}/account`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    render(&state, &viewer, &raw, None)
}

/// An amount of money more than zero as typed, in `currency`.
fn money(raw: &str, currency: Currency) -> Option<Money> {
    format::parse_decimal(raw.trim())
        .filter(|amount| *amount > Decimal::ZERO)
        .and_then(|amount| Money::parse("amount", amount, currency).ok())
}

/// `POST /customers/{id}/account/{payment,credit-note,apply-credit,print}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<AccountForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(party): Option<PartyId> =
        super::readable_id(&state, &viewer, &raw, app::access::Kind::Party)
    else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    if action == "print" {
        return print(&state, &viewer, &raw, party, form).await;
    }
    let command_id = forms::command_id(&state.app, &form.command);
    let mut errors = FormErrors::default();
    let currency = Currency::parse("currency", form.currency.trim())
        .map_err(|_| errors.add("currency", tr.t("form-currency")))
        .ok();
    let (which, command) = match action.as_str() {
        "payment" => {
            let amount = currency.and_then(|currency| money(&form.amount, currency));
            if currency.is_some() && amount.is_none() {
                errors.add("amount", tr.t("form-amount"));
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
            let invoice = match form.invoice.trim() {
                "" => Some(None),
                raw => raw.parse::<InvoiceId>().ok().map(Some),
            };
            if invoice.is_none() {
                errors.add("invoice", tr.t("form-choose"));
            }
            let reference = Label::parse_optional("reference", Some(&form.reference))
                .map_err(|_| errors.add("reference", tr.t("form-one-line")))
                .ok();
            let command = match (amount, method, invoice, reference) {
                (Some(amount), Some(method), Some(invoice), Some(reference)) => {
                    Some(AccountCommand::ReceivePayment {
                        payment: PaymentId::from_uuid(Uuid::new_v5(&command_id, b"payment")),
                        method,
                        amount,
                        allocations: invoice.map(|invoice| vec![(invoice, amount)]),
                        reference,
                        // Looked up by `app` for the payment's day.
                        rate: None,
                    })
                }
                _ => None,
            };
            ("payment", command)
        }
        "credit-note" => {
            let net = currency.and_then(|currency| money(&form.net, currency));
            if currency.is_some() && net.is_none() {
                errors.add("net", tr.t("form-amount"));
            }
            let vat = match form.vat.trim() {
                "" => Some(Decimal::ZERO),
                raw => format::parse_decimal(raw).filter(|vat| *vat >= Decimal::ZERO),
            };
            if vat.is_none() {
                errors.add("vat", tr.t("form-amount"));
            }
            let command = match (currency, net, vat) {
                (Some(currency), Some(net), Some(vat)) => {
                    let gross = net.amount() + vat;
                    Money::parse("vat", gross, currency).ok().map(|gross| {
                        AccountCommand::IssueCreditNote {
                            credit_note: CreditNoteId::from_uuid(Uuid::new_v5(
                                &command_id,
                                b"credit-note",
                            )),
                            order: None,
                            branch: None,
                            currency,
                            total: Amounts {
                                net: net.amount(),
                                vat,
                                gross: gross.amount(),
                            },
                        }
                    })
                }
                _ => None,
            };
            ("credit-note", command)
        }
        "apply-credit" => {
            errors = FormErrors::default();
            let command = form
                .invoice
                .trim()
                .parse::<InvoiceId>()
                .ok()
                .map(|invoice| AccountCommand::ApplyCredit {
                    invoice,
                    amount: None,
                });
            if command.is_none() {
                errors.form = Some(tr.t("form-not-found"));
            }
            ("apply", command)
        }
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return render(&state, &viewer, &raw, Some((which, form, errors)));
    };
    let run = app::Run {
        command_id: Uuid::new_v5(
            &command_id,
            format!("{action}/{}", form.invoice.trim()).as_bytes(),
        ),
        expected_version: None,
    };
    let done = forms::execute_as::<Account, _>(&state, &viewer, run, party, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/customers/{party}/account"),
            )
            .await
        }
        Err(error) => {
            let errors =
                FormErrors::from_command(tr, &error, &[("amount", "amount"), ("net", "net")]);
            render(&state, &viewer, &raw, Some((which, form, errors)))
        }
    }
}
