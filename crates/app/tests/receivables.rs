#![allow(clippy::unwrap_used)]
//! A customer's account in several currencies through `app`, at a fixed
//! time (2026-03-10 12:00 UTC) over a real log: an invoice and a payment
//! are valued at the rate of their own business day, which `app` looks up
//! whatever adapter sent them; a payment at another rate than its
//! invoice's records the realized difference; a payment on a day with no
//! rate is refused before anything is written; a company that keeps no
//! books in a currency yet still takes payments.

use std::str::FromStr;

mod common;

use app::App;
use app::access::Caller;
use app::commands::CommandError;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{fixed_app, run};
use domain::access::Role;
use domain::finance::{Account, AccountCommand, AccountEvent, PaymentMethod};
use domain::ids::{InvoiceId, PartyId, PaymentId, UserId};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::sales::Amounts;
use domain::values::{Currency, ExchangeRate, Label, Money};
use rust_decimal::Decimal;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn code(text: &str) -> Currency {
    Currency::parse("currency", text).unwrap()
}

fn march(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
        .single()
        .unwrap()
}

struct Books {
    _directory: tempfile::TempDir,
    app: App,
    accountant: Caller,
    customer: PartyId,
}

/// A customer of a company keeping its books in euros (when `kept`), with
/// dollar rates entered for 6 and 9 March.
async fn books(kept: bool) -> Books {
    let directory = tempfile::tempdir().unwrap();
    let app = fixed_app(directory.path());
    let admin = common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Administrator, None);
    let customer = PartyId::from_uuid(Uuid::now_v7());
    common::given::<Party, _>(
        &app,
        admin.user,
        customer,
        PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: Label::parse("name", "Harbour Imports").unwrap(),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: UserId::from_uuid(Uuid::nil()),
            branch: None,
        }),
    )
    .await;
    if kept {
        let currency = app.currency();
        currency
            .set_company_currency(&admin, run(), code("EUR"))
            .await
            .unwrap();
        for (day, rate) in [(6, "0.9137"), (9, "0.9251")] {
            currency
                .set_rate(
                    &admin,
                    run(),
                    code("USD"),
                    NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
                    ExchangeRate::parse("rate", dec(rate)).unwrap(),
                )
                .await
                .unwrap();
        }
    }
    Books {
        _directory: directory,
        app,
        accountant: common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Accountant, None),
        customer,
    }
}

impl Books {
    async fn invoice(&self, dollars: &str, day: u32) -> Result<InvoiceId, CommandError> {
        let invoice = InvoiceId::from_uuid(Uuid::now_v7());
        let gross = dec(dollars);
        let command = AccountCommand::IssueInvoice {
            invoice,
            order: None,
            branch: None,
            currency: code("USD"),
            total: Amounts {
                net: gross,
                vat: Decimal::ZERO,
                gross,
            },
            due: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
            rate: None,
        };
        self.app
            .execute::<Account, _>(
                &self.accountant,
                run(),
                self.customer,
                command,
                Some(march(day)),
            )
            .await?;
        Ok(invoice)
    }

    async fn pay(&self, dollars: &str, day: u32) -> Result<(), CommandError> {
        let command = AccountCommand::ReceivePayment {
            payment: PaymentId::from_uuid(Uuid::now_v7()),
            method: PaymentMethod::BankTransfer,
            amount: Money::parse("amount", dec(dollars), code("USD")).unwrap(),
            allocations: None,
            reference: None,
            rate: None,
        };
        self.app
            .execute::<Account, _>(
                &self.accountant,
                run(),
                self.customer,
                command,
                Some(march(day)),
            )
            .await
            .map(|_| ())
    }

    /// Every account event in the log, as written.
    fn events(&self) -> Vec<AccountEvent> {
        common::events(&self.app)
            .into_iter()
            .filter_map(|event| match event {
                domain::CrmEvent::Account(event) => Some(event),
                _ => None,
            })
            .collect()
    }
}

/// Protects the books in several currencies: the adapters send no rate,
/// `app` adds the one of each document's business day, and paying a
/// dollar invoice on a day the dollar is worth more records the gain.
#[tokio::test]
async fn a_dollar_payment_on_another_day_realizes_the_difference() {
    let books = books(true).await;
    let invoice = books.invoice("100", 7).await.unwrap();
    // 7 March has no rate of its own: 6 March's, 0.9137, is the latest.
    books.pay("100", 9).await.unwrap();
    let events = books.events();
    let issued = events
        .iter()
        .find_map(|event| match event {
            AccountEvent::InvoiceIssued(issued) => Some(issued),
            _ => None,
        })
        .unwrap();
    assert_eq!(issued.rate, Some(dec("0.9137")));
    assert_eq!(issued.value, Some(dec("91.37")));
    let received = events
        .iter()
        .find_map(|event| match event {
            AccountEvent::PaymentReceived(received) => Some(received),
            _ => None,
        })
        .unwrap();
    assert_eq!(received.rate, Some(dec("0.9251")));
    let differences: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            AccountEvent::ExchangeDifferenceRealized(difference) => {
                Some((difference.invoice, difference.amount, difference.gain))
            }
            _ => None,
        })
        .collect();
    // 100 × 0.9251 = 92.51 received against 91.37 invoiced.
    assert_eq!(differences, vec![(invoice, dec("100"), dec("1.14"))]);
}

/// Protects the books from a value made up: a dollar payment dated before
/// any dollar rate is refused, naming the currency, and writes nothing.
#[tokio::test]
async fn a_payment_on_a_day_without_a_rate_is_refused_before_anything_is_written() {
    let books = books(true).await;
    let head = common::head(&books.app);
    let refused = books.pay("10", 5).await.unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(domain) if domain.rule() == Some("currency.no_rate")),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("USD"), "{refused}");
    assert_eq!(common::head(&books.app), head);
    let refused = books.invoice("10", 5).await.unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(domain) if domain.rule() == Some("currency.no_rate")),
        "{refused:?}"
    );
    assert_eq!(common::head(&books.app), head);
}

/// Protects a company that has not set its currency yet: payments are
/// taken as before, unvalued, and realize nothing.
#[tokio::test]
async fn without_a_company_currency_payments_are_taken_unvalued() {
    let books = books(false).await;
    books.invoice("100", 7).await.unwrap();
    books.pay("100", 9).await.unwrap();
    let events = books.events();
    assert!(events.iter().any(|event| matches!(
        event,
        AccountEvent::PaymentReceived(received) if received.rate.is_none()
    )));
    assert!(
        !events
            .iter()
            .any(|event| matches!(event, AccountEvent::ExchangeDifferenceRealized(_)))
    );
}
