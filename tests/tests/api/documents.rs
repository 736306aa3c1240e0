//! Printed documents through the real server: an invoice's original
//! issued as a PDF in Arabic, read by poppler's `pdftotext`, its hash
//! checked by `sha256sum` (tools we did not write); a copy after the
//! customer and the product were renamed prints what was issued, marked
//! "copy", and the original still lays out to its hash; an invoice is
//! issued once; every refusal answers as documented, and only those who
//! may see finances print or read documents.

use std::process::{Command, Stdio};

use super::access::{as_user, register, token_of};
use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    an_invoice_is_issued_once_and_its_copies_print_what_was_issued();
    an_order_confirmation_prints_the_frozen_prices_once();
    documents_refuse_bad_requests_and_out_of_reach_records();
}

pub(crate) async fn set_requisites(app: &TestApp) {
    app.write(
        "/api/v1/admin/company-requisites",
        json!({"legal_name": "Hyper Trading Ltd", "address": ["1 Sheikh Zayed Road", "Dubai"],
               "ids": [["VAT", "100234567800003"]], "bank": ["IBAN AE07 0331 2345 6789 0123 456"]}),
    )
    .await;
}

/// A shop's customer with a postal address, 4 bolts shipped and
/// invoiced to them; answers the shop and the invoice's id.
async fn invoiced(app: &TestApp) -> (Shop, Uuid) {
    let shop = open_shop(app).await;
    app.write(
        &format!("/api/v1/parties/{}/channels", shop.party),
        json!({"kind": "postal_address", "value": "شارع الملك فهد 12، الرياض"}),
    )
    .await;
    let order = confirmed_order(app, &shop, "4").await;
    app.settle().await;
    ship_and_invoice(app, order, 14).await;
    let account = app
        .get(&format!("/api/v1/parties/{}/account", shop.party))
        .await;
    let invoice = account.body["open_invoices"][0]["invoice"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an open invoice: {:#}", account.body));
    (shop, invoice)
}

/// The text poppler reads from `pdf`, bidi marks left out.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (Debian poppler-utils) is installed");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), pdf).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

/// The SHA-256 `sha256sum` (coreutils) finds in `bytes`.
pub(crate) fn sha256sum(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

pub(crate) fn header(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("{name} in {:?}", answer.headers))
        .to_owned()
}

/// Protects reprint-exactness end to end: the original's hash is the
/// bytes' (by `sha256sum`), the record names it, a copy printed after
/// the customer and the product were renamed shows the old names and the
/// copy mark, and the original still lays out to the recorded hash.
#[tokio::test]
async fn an_invoice_is_issued_once_and_its_copies_print_what_was_issued() {
    let app = spawn_app().await;
    set_requisites(&app).await;
    let (shop, invoice) = invoiced(&app).await;
    let path = format!(
        "/api/v1/parties/{}/invoices/{invoice}/documents",
        shop.party
    );
    let original = app.post(&path, json!({"language": "ar"})).await;
    assert_eq!(original.status, StatusCode::CREATED, "{:#}", original.body);
    assert_eq!(original.content_type.as_deref(), Some("application/pdf"));
    assert!(original.raw.starts_with(b"%PDF-"));
    let sha256 = header(&original, "x-document-sha256");
    assert_eq!(sha256, sha256sum(&original.raw));
    let text = pdf_text(&original.raw);
    for expected in [
        "فاتورة",
        "Acme",
        "Hyper Trading Ltd",
        "Bolt",
        "BOLT-1",
        "24.00",
        "EUR",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(text.contains("INV-"), "the invoice's number:\n{text}");
    let location = header(&original, "location");

    app.write(
        &format!("/api/v1/parties/{}/rename", shop.party),
        json!({"name": "Acme Renamed"}),
    )
    .await;
    app.write(
        &format!("/api/v1/products/{}/rename", shop.product),
        json!({"name": "Bolt Renamed"}),
    )
    .await;

    let record = app.get(&location).await;
    assert_eq!(record.status, StatusCode::OK, "{:#}", record.body);
    assert_eq!(record.body["sha256"], sha256);
    assert_eq!(record.body["kind"], "invoice");
    assert_eq!(record.body["language"], "ar");
    assert_eq!(record.body["party"], json!(shop.party));
    assert_eq!(record.body["verified"], true, "{:#}", record.body);
    let copy = app.get(&format!("{location}/copy")).await;
    assert_eq!(copy.status, StatusCode::OK);
    assert_eq!(copy.content_type.as_deref(), Some("application/pdf"));
    assert_ne!(sha256sum(&copy.raw), sha256, "a copy is marked");
    let text = pdf_text(&copy.raw);
    assert!(text.contains("نسخة"), "marked copy:\n{text}");
    assert!(
        text.contains("Acme") && !text.contains("Renamed"),
        "prints what was issued:\n{text}"
    );

    let again = app
        .post_with(
            &path,
            json!({"language": "en"}),
            &[("Idempotency-Key", "second")],
        )
        .await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "document.issued");
}

/// Protects the refusals and the permissions: no requisites, a bad
/// language, an unknown invoice, another party's invoice (answered as a
/// missing one), an unknown document; a sales manager neither prints nor
/// reads, an auditor reads and prints copies but issues nothing.
#[tokio::test]
async fn documents_refuse_bad_requests_and_out_of_reach_records() {
    let app = spawn_app().await;
    let (shop, invoice) = invoiced(&app).await;
    let path = format!(
        "/api/v1/parties/{}/invoices/{invoice}/documents",
        shop.party
    );
    let unset = app.post(&path, json!({"language": "en"})).await;
    unset.assert_problem(422);
    assert_eq!(unset.body["rule"], "document.no_requisites");
    set_requisites(&app).await;
    let bad = app.post(&path, json!({"language": "fr"})).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "language");
    let unknown = Uuid::now_v7();
    app.post(
        &format!(
            "/api/v1/parties/{}/invoices/{unknown}/documents",
            shop.party
        ),
        json!({"language": "en"}),
    )
    .await
    .assert_problem(404);
    let other = app.company("Globex").await;
    app.post(
        &format!("/api/v1/parties/{other}/invoices/{invoice}/documents"),
        json!({"language": "en"}),
    )
    .await
    .assert_problem(404);
    app.get(&format!("/api/v1/documents/{unknown}"))
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/documents/{unknown}/copy"))
        .await
        .assert_problem(404);
    let malformed = fuzz::MALFORMED_ID;
    app.get(&format!("/api/v1/documents/{malformed}"))
        .await
        .assert_problem(400);
    app.get(&format!("/api/v1/documents/{malformed}/copy"))
        .await
        .assert_problem(400);
    let nameless = app
        .post(
            "/api/v1/admin/company-requisites",
            json!({"legal_name": "  ", "address": ["Dubai"]}),
        )
        .await;
    nameless.assert_problem(400);
    assert_eq!(nameless.field(), "legal_name");

    let issued = app.post(&path, json!({"language": "en"})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:#}", issued.body);
    let location = header(&issued, "location");
    // Finance is the accountants' (every customer's) and the auditors'
    // (reading): a sales manager neither prints nor reads a document, an
    // auditor reads its record and copies but issues none.
    let sam = register(&app, "sam", &["sales_manager"], None).await;
    let token = token_of(&app, sam, &[Role::SalesManager]).await;
    let (status, body) = as_user(&app, &token, reqwest::Method::GET, &location, None).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = as_user(
        &app,
        &token,
        reqwest::Method::POST,
        &path,
        Some(json!({"language": "en"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let ada = register(&app, "ada", &["auditor"], None).await;
    let token = token_of(&app, ada, &[Role::Auditor]).await;
    let (status, body) = as_user(&app, &token, reqwest::Method::GET, &location, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = as_user(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("{location}/copy"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = as_user(
        &app,
        &token,
        reqwest::Method::POST,
        &path,
        Some(json!({"language": "ru"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

/// Protects the order confirmation: its confirmed lines at the prices
/// frozen then (the list changed since), read by poppler; printed once,
/// then copies; a draft has nothing to confirm; refusals as documented.
#[tokio::test]
async fn an_order_confirmation_prints_the_frozen_prices_once() {
    let app = spawn_app().await;
    set_requisites(&app).await;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "3").await;
    app.settle().await;
    app.write(
        &format!("/api/v1/price-lists/{}/prices", shop.price_list),
        json!({"product": shop.product, "unit_price": "9"}),
    )
    .await;
    let path = format!("/api/v1/orders/{order}/documents");
    let original = app.post(&path, json!({"language": "ru"})).await;
    assert_eq!(original.status, StatusCode::CREATED, "{:#}", original.body);
    let sha256 = header(&original, "x-document-sha256");
    assert_eq!(sha256, sha256sum(&original.raw));
    let text = pdf_text(&original.raw);
    for expected in [
        "Подтверждение заказа",
        "SO-",
        "Acme",
        "Bolt",
        "15.00",
        "18.00",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(
        !text.contains("27.00"),
        "the price of the day of printing: {text}"
    );
    app.post(&path, json!({"language": "en"}))
        .await
        .assert_problem(422);
    let document = domain::ids::DocumentId::original("order_confirmation", order);
    let copy = app
        .get(&format!("/api/v1/orders/{order}/documents/{document}"))
        .await;
    assert_eq!(copy.status, StatusCode::OK);
    assert_eq!(header(&copy, "x-document-sha256"), sha256);
    let nobody = Uuid::now_v7();
    app.get(&format!("/api/v1/orders/{order}/documents/{nobody}"))
        .await
        .assert_problem(404);
    app.get(&format!(
        "/api/v1/orders/{order}/documents/{}",
        fuzz::MALFORMED_ID
    ))
    .await
    .assert_problem(400);
    app.post(
        &format!("/api/v1/orders/{nobody}/documents"),
        json!({"language": "en"}),
    )
    .await
    .assert_problem(404);
    app.post(&path, json!({"language": "xx"}))
        .await
        .assert_problem(400);
    let draft = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await
        .id;
    let unconfirmed = app
        .post(
            &format!("/api/v1/orders/{draft}/documents"),
            json!({"language": "en"}),
        )
        .await;
    unconfirmed.assert_problem(422);
    assert_eq!(unconfirmed.body["rule"], "document.not_confirmed");
}
