//! A party's account: what it owes per currency, its open invoices and
//! credit, read from the account's stream; credit applied to an invoice;
//! a credit note issued by hand (not from a return).
//!
//! An account exists for any id; the edge makes sure it is a party's, so a
//! typo is a 404 rather than an empty account.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::finance::{Account, AccountCommand};
use domain::ids::{BranchId, CreditNoteId, InvoiceId};
use domain::parties::Party;
use domain::sales::Amounts;
use domain::values::{Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, WriteResult, Written};
use super::writes::Changed;
use super::{TAG_ACCOUNTS, execute, load};
use crate::AppState;

/// Open invoices listed on an account at most, the oldest due first.
pub const ACCOUNT_OPEN_INVOICES_MAX: usize = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_account))
        .routes(routes!(apply_credit))
        .routes(routes!(issue_credit_note))
}

/// What a party owes and holds in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyBalance {
    pub currency: String,
    /// Outstanding over all open invoices.
    #[schema(value_type = String)]
    pub receivable: Decimal,
    /// Overpayments and credit notes not yet applied.
    #[schema(value_type = String)]
    pub credit: Decimal,
    /// Receivable less credit: negative when the party is owed.
    #[schema(value_type = String)]
    pub balance: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenInvoiceRow {
    pub invoice: Uuid,
    pub order: Option<Uuid>,
    pub currency: String,
    #[schema(value_type = String)]
    pub gross: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub outstanding: Decimal,
    pub due: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    pub party: Uuid,
    /// Every currency the account has seen, by code.
    pub balances: Vec<CurrencyBalance>,
    /// Invoices not paid in full, the oldest due first (at most 500).
    pub open_invoices: Vec<OpenInvoiceRow>,
    pub open_invoice_count: usize,
    pub version: Option<u64>,
}

/// Credit applied to one invoice: all it can pay when `amount` is absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCreditRequest {
    pub invoice: Uuid,
    /// In the invoice's currency, named in `currency`.
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
    /// ISO 4217; required with `amount`.
    pub currency: Option<String>,
}

/// A credit note issued by hand (a goodwill credit, a price correction),
/// not tied to an order: it becomes the party's credit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteRequest {
    /// ISO 4217 (`EUR`).
    pub currency: String,
    #[schema(value_type = String)]
    pub net: Decimal,
    /// Zero when absent.
    #[schema(value_type = Option<String>)]
    pub vat: Option<Decimal>,
    pub branch: Option<Uuid>,
}

/// The party must exist: its account is addressed by its id.
fn ensure_party(state: &AppState, id: Uuid) -> Result<(), ApiError> {
    if load::<Party>(state, id)?.0.is_none() {
        return Err(ApiError::NotFound(format!("party {id}")));
    }
    Ok(())
}

/// A party's account: balances per currency, open invoices, credit.
#[utoipa::path(get, path = "/parties/{id}/account", tag = TAG_ACCOUNTS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AccountResponse, headers(("ETag" = String, description = "The account stream's version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_account(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<AccountResponse>, ApiError> {
    ensure_party(&state, id)?;
    let (account, version) = load::<Account>(&state, id)?;
    let currencies: BTreeSet<Currency> = account
        .invoices
        .values()
        .map(|invoice| invoice.currency)
        .chain(account.credit.keys().copied())
        .collect();
    let balances = currencies
        .into_iter()
        .map(|currency| {
            let receivable = account.receivable(currency);
            let credit = account.credit(currency);
            CurrencyBalance {
                currency: currency.as_str().to_owned(),
                receivable,
                credit,
                balance: receivable - credit,
            }
        })
        .collect();
    let mut open: Vec<_> = account
        .invoices
        .iter()
        .filter(|(_, invoice)| invoice.outstanding() > Decimal::ZERO)
        .collect();
    open.sort_by_key(|(_, invoice)| (invoice.due, invoice.sequence));
    let open_invoice_count = open.len();
    let open_invoices = open
        .into_iter()
        .take(ACCOUNT_OPEN_INVOICES_MAX)
        .map(|(id, invoice)| OpenInvoiceRow {
            invoice: id.as_uuid(),
            order: invoice.order.map(|order| order.as_uuid()),
            currency: invoice.currency.as_str().to_owned(),
            gross: invoice.gross,
            paid: invoice.paid,
            outstanding: invoice.outstanding(),
            due: invoice.due,
        })
        .collect();
    Ok(Versioned(
        version,
        AccountResponse {
            party: id,
            balances,
            open_invoices,
            open_invoice_count,
            version,
        },
    ))
}

/// Pays an open invoice from the party's credit in its currency.
#[utoipa::path(post, path = "/parties/{id}/account/apply-credit", tag = TAG_ACCOUNTS,
    request_body = ApplyCreditRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The account's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Changed))]
async fn apply_credit(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<ApplyCreditRequest>,
) -> Result<Written, ApiError> {
    let amount = match (request.amount, request.currency) {
        (None, None) => None,
        (Some(amount), Some(currency)) => Some(Money::parse(
            "amount",
            amount,
            Currency::parse("currency", &currency)?,
        )?),
        (Some(_), None) => return Err(ApiError::invalid("currency", "is required with amount")),
        (None, Some(_)) => return Err(ApiError::invalid("amount", "is required with currency")),
    };
    let command = AccountCommand::ApplyCredit {
        invoice: InvoiceId::from_uuid(request.invoice),
        amount,
    };
    let executed = execute::<Account, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

/// Issues a credit note to a party by hand; its amount becomes the
/// party's credit, numbered by the processes. The answer's `id` is the
/// credit note's; its `ETag` the account stream's version.
#[utoipa::path(post, path = "/parties/{id}/credit-notes", tag = TAG_ACCOUNTS,
    request_body = CreditNoteRequest,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The account's version seen"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_credit_note(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CreditNoteRequest>,
) -> Result<Written, ApiError> {
    let currency = Currency::parse("currency", &request.currency)?;
    let net = Money::parse("net", request.net, currency)?.amount();
    let vat = Money::parse("vat", request.vat.unwrap_or(Decimal::ZERO), currency)?.amount();
    let gross = Money::parse("net", net + vat, currency)?.amount();
    if gross <= Decimal::ZERO {
        return Err(ApiError::invalid(
            "net",
            "a credit note credits more than zero",
        ));
    }
    let credit_note = CreditNoteId::from_uuid(headers.new_id("credit-note"));
    let command = AccountCommand::IssueCreditNote {
        credit_note,
        order: None,
        branch: request.branch.map(BranchId::from_uuid),
        currency,
        total: Amounts { net, vat, gross },
    };
    let executed = execute::<Account, _>(&state, id, command, &headers).await?;
    Ok(Written::new(
        &state,
        StatusCode::CREATED,
        credit_note,
        &executed,
    ))
}
