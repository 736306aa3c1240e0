//! A customer's account page (issue 17): a credit note issued by hand
//! becomes credit, credit pays an open invoice, a payment with a bad
//! amount is refused next to its field with the typing kept; the page
//! in Arabic.

use super::catalog::{type_into, value_of};
use super::*;

/// A demo customer with an open invoice, and that invoice.
fn customer_owing(app: &TestApp) -> (PartyId, domain::ids::InvoiceId) {
    let parties: Vec<PartyId> = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.erased)
            .map(|row| row.id)
            .collect()
    });
    parties
        .into_iter()
        .find_map(|party| {
            let (account, _) = app.state.app.load::<Account>(party).ok()?;
            let invoice = account
                .invoices
                .iter()
                .find(|(_, invoice)| invoice.outstanding() > Decimal::ZERO)?;
            Some((party, *invoice.0))
        })
        .expect("a demo customer owes something")
}

/// Protects the account forms end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_is_issued_and_pays_an_open_invoice() {
    let app = spawn_app().await;
    let (party, invoice) = customer_owing(&app);
    let url = format!("{}/customers/{party}/account", app.base);
    let state = app.state.clone();
    in_browser(&app, "account", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, "#open-invoices").await;

        type_into(&client, "#payment-amount", "lots").await;
        let head = state.log.head().position;
        click(&client, "#payment-submit").await;
        wait_for(&client, "#payment-amount-error").await;
        assert_eq!(value_of(&client, "#payment-amount").await, "lots");
        assert_eq!(state.log.head().position, head, "nothing was written");

        let currency = value_of(&client, "#credit-currency").await;
        type_into(&client, "#credit-net", "1000000").await;
        click(&client, "#credit-note-submit").await;
        let row = format!(r#"tr[data-invoice="{invoice}"] .apply-credit"#);
        wait_for(&client, &row).await;
        click(&client, &row).await;
        let started = Instant::now();
        loop {
            let (account, _) = state.app.load::<Account>(party).unwrap();
            if account.invoices[&invoice].outstanding() == Decimal::ZERO {
                break;
            }
            assert!(started.elapsed() < PAGE_WAIT, "the credit never paid it");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        wait_for(
            &client,
            &format!(r#"#account-balances tr[data-currency="{currency}"]"#),
        )
        .await;
    })
    .await;
}

/// Protects the Arabic page: right to left, in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let (party, _) = customer_owing(&app);
    let url = format!("{}/customers/{party}/account", app.base);
    in_browser(&app, "account_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client.goto(&url).await.unwrap();
        wait_for(&client, "#open-invoices").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(
            text_of(&client, "#open-invoices-heading").await,
            "الفواتير المفتوحة"
        );
    })
    .await;
}

/// Protects printing from the account page: the company's requisites
/// set, an open invoice's "Print" lays its original out (recorded by its
/// hash), after which the row offers a copy, which the browser fetches as
/// a PDF.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_invoice_is_printed_and_then_offers_a_copy() {
    let app = spawn_app().await;
    let (party, invoice) = customer_owing(&app);
    let admin = app::access::Caller::process("browser test");
    let run = app::Run {
        command_id: uuid::Uuid::now_v7(),
        expected_version: None,
    };
    let requisites = domain::currency::CompanyRequisitesSet {
        legal_name: "Hyper Trading Ltd".to_owned(),
        address: vec!["1 Sheikh Zayed Road".to_owned()],
        ids: vec![("VAT".to_owned(), "100234567800003".to_owned())],
        bank: Vec::new(),
    };
    app.state
        .app
        .documents()
        .set_requisites(&admin, run, requisites)
        .await
        .unwrap();
    let url = format!("{}/customers/{party}/account", app.base);
    let state = app.state.clone();
    in_browser(&app, "account_print", move |client| async move {
        client.goto(&url).await.unwrap();
        let row = format!(r#"tr[data-invoice="{invoice}"]"#);
        wait_for(&client, &format!("{row} .print-invoice")).await;
        let document = domain::ids::DocumentId::original("invoice", invoice.as_uuid());
        click(&client, &format!("{row} .print-invoice")).await;
        let started = Instant::now();
        while !matches!(
            state.app.load::<domain::documents::Document>(document),
            Ok((Some(_), _))
        ) {
            assert!(
                started.elapsed() < PAGE_WAIT,
                "the original was never issued"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client.goto(&url).await.unwrap();
        wait_for(&client, &format!("{row} .print-copy")).await;
        let fetched = client
            .execute_async(
                r#"const [css, done] = arguments;
                   fetch(document.querySelector(css).href)
                     .then(r => r.arrayBuffer().then(b => done(r.headers.get('content-type') + ' '
                       + String.fromCharCode(...new Uint8Array(b.slice(0, 5))))))
                     .catch(e => done('failed: ' + e));"#,
                vec![serde_json::json!(format!("{row} .print-copy"))],
            )
            .await
            .unwrap();
        assert_eq!(fetched.as_str(), Some("application/pdf %PDF-"), "{fetched}");
    })
    .await;
}
