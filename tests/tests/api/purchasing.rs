//! Purchasing through the real server: the company currency set once, a
//! day's rate, a supplier, a purchase order drafted, changed, sent and
//! received in two deliveries (one back-dated, with freight), the goods in
//! stock at their landed cost; and every refusal the document promises
//! (bad values, unknown ids, stale versions, broken rules, a storekeeper
//! of another branch).

use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    goods_are_bought_abroad_and_received_at_their_landed_cost();
    purchasing_refuses_bad_values_unknown_ids_stale_versions_and_broken_rules();
    offers_drive_replenishment_suggestions_and_drafts();
    supplier_invoices_and_payments_realize_exchange_differences();
    a_customer_paying_in_dollars_realizes_an_exchange_difference();
}

const PURCHASES: &str = "/api/v1/purchase-orders";

/// The company currency (EUR), a USD rate for 2026-03-02 and today, a
/// supplier and a warehouse with one product; returns (supplier,
/// warehouse, product).
async fn buying_shop(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let set = app
        .post("/api/v1/admin/company-currency", json!({"currency": "eur"}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:#}", set.body);
    let today = Utc::now().date_naive().to_string();
    for (day, rate) in [("2026-03-02", "0.9"), (today.as_str(), "0.3333333333")] {
        let entered = app
            .post(
                "/api/v1/exchange-rates",
                json!({"currency": "USD", "day": day, "rate": rate}),
            )
            .await;
        assert_eq!(entered.status, StatusCode::OK, "{:#}", entered.body);
    }
    let supplier = app.company("Steelworks").await;
    app.write(
        &format!("/api/v1/parties/{supplier}/roles"),
        json!({"customer": false, "supplier": true}),
    )
    .await;
    let product = app
        .write(
            "/api/v1/products",
            json!({"sku": "BOLT-1", "name": "Bolt", "unit": "pcs", "kind": "stock_tracked",
                   "vat_percent": "20"}),
        )
        .await
        .id;
    let warehouse = app
        .write("/api/v1/warehouses", json!({"name": "Main"}))
        .await
        .id;
    (supplier, warehouse, product)
}

/// Protects the whole purchase through the API: 10 bolts at 3 USD; 4
/// arrive on 2026-03-02 at 0.9 (3 × 0.9 = 2.70 each), the other 6 today at
/// 0.3333333333 with 4 EUR of freight (6 × 3 × r = 6.00 + 4.00 = 10.00,
/// 1.6667 each); stock holds 10 at (4 × 2.70 + 10.00) / 10 = 2.08.
#[tokio::test]
async fn goods_are_bought_abroad_and_received_at_their_landed_cost() {
    let app = spawn_app().await;
    let (supplier, warehouse, product) = buying_shop(&app).await;
    let drafted = app
        .post(
            PURCHASES,
            json!({"supplier": supplier, "warehouse": warehouse, "currency": "USD",
                   "reference": "Quote 77", "expected_on": "2026-03-20",
                   "lines": [{"product": product, "quantity": "8", "unit_price": "3"}]}),
        )
        .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{:#}", drafted.body);
    let order = drafted.written().id;
    let changed = app
        .post(
            &format!("{PURCHASES}/{order}/change-line"),
            json!({"line": 1, "quantity": "10", "unit_price": "3"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:#}", changed.body);
    let added = app
        .post(
            &format!("{PURCHASES}/{order}/lines"),
            json!({"product": product, "quantity": "1", "unit_price": "1"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let removed = app
        .post(
            &format!("{PURCHASES}/{order}/remove-line"),
            json!({"line": 2}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let sent = app
        .post(&format!("{PURCHASES}/{order}/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:#}", sent.body);
    // The director sees it open, 10 × 3 USD still to come, and late: it
    // was expected on 2026-03-20.
    app.settle().await;
    let today = Utc::now().date_naive();
    let kpis = app.get(&format!("/api/v1/kpis?day={today}")).await;
    assert_eq!(kpis.status, StatusCode::OK, "{:#}", kpis.body);
    assert_eq!(kpis.body["purchasing"]["open_orders"], 1);
    assert_eq!(
        dec(&kpis.body["purchasing"]["open_value"]["USD"]),
        Decimal::from(30)
    );
    assert_eq!(kpis.body["purchasing"]["late_orders"], 1);
    let early = app
        .post(
            &format!("{PURCHASES}/{order}/receive"),
            json!({"lines": [{"line": 1, "quantity": "4"}],
                   "occurred_at": "2026-03-02T09:00:00Z"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::OK, "{:#}", early.body);
    let rest = app
        .post(
            &format!("{PURCHASES}/{order}/receive"),
            json!({"landed_costs": [{"label": "Freight", "amount": "4"}], "spread": "quantity"}),
        )
        .await;
    assert_eq!(rest.status, StatusCode::OK, "{:#}", rest.body);
    app.settle().await;

    let read = app.get(&format!("{PURCHASES}/{order}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.etag.is_some());
    let body = &read.body;
    assert_eq!(body["status"], "received");
    assert_eq!(body["currency"], "USD");
    assert!(
        body["number"].as_str().unwrap().starts_with("PO-"),
        "{body:#}"
    );
    assert_eq!(dec(&body["total"]), Decimal::from(30));
    let receipts = body["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!(
        dec(&receipts[0]["lines"][0]["unit_cost"]),
        Decimal::from_str("2.7").unwrap()
    );
    assert_eq!(
        dec(&receipts[1]["lines"][0]["value"]),
        Decimal::from_str("6.00").unwrap()
    );
    assert_eq!(
        dec(&receipts[1]["lines"][0]["landed"]),
        Decimal::from_str("4.00").unwrap()
    );
    assert_eq!(
        dec(&receipts[1]["lines"][0]["unit_cost"]),
        Decimal::from_str("1.6667").unwrap()
    );

    let listed = app
        .get(&format!("{PURCHASES}?supplier={supplier}&status=received"))
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["rows"].as_array().unwrap().len(), 1);
    let by_number = body["number"].as_str().unwrap();
    let found = app.get(&format!("{PURCHASES}?number={by_number}")).await;
    assert_eq!(found.body["rows"][0]["id"], order.to_string());
    let none = app.get(&format!("{PURCHASES}?status=draft")).await;
    assert_eq!(none.body["rows"], json!([]));

    let levels = app
        .get(&format!("/api/v1/stock?warehouse={warehouse}"))
        .await;
    assert_eq!(levels.status, StatusCode::OK, "{:#}", levels.body);
    let level = &levels.body["rows"][0];
    assert_eq!(dec(&level["on_hand"]), Decimal::from(10));
    assert_eq!(
        dec(&level["average_cost"]),
        Decimal::from_str("2.08").unwrap()
    );

    let rates = app.get("/api/v1/exchange-rates?currency=usd").await;
    assert_eq!(rates.status, StatusCode::OK);
    assert_eq!(rates.body["company_currency"], "EUR");
    assert_eq!(rates.body["rates"].as_array().unwrap().len(), 2);
    assert_eq!(
        dec(&rates.body["rates"][1]["rate"]),
        Decimal::from_str("0.9").unwrap()
    );
    let suppliers = app.get("/api/v1/parties?role=supplier").await;
    assert_eq!(suppliers.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        suppliers.body["rows"][0]["roles"],
        json!({"customer": false, "supplier": true})
    );
}

/// Protects purchasing's answers: each documented refusal, before
/// anything is written.
#[tokio::test]
async fn purchasing_refuses_bad_values_unknown_ids_stale_versions_and_broken_rules() {
    let app = spawn_app().await;
    // Before the company currency: no order, no rate.
    let customer = app.company("Corner Shop").await;
    let early_rate = app
        .post(
            "/api/v1/exchange-rates",
            json!({"currency": "USD", "day": "2026-03-02", "rate": "0.9"}),
        )
        .await;
    early_rate.assert_problem(422);
    assert_eq!(early_rate.body["rule"], "company.currency_unset");
    let (supplier, warehouse, product) = buying_shop(&app).await;
    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];

    // The company currency is set once; bad values are 400.
    let again = app
        .post("/api/v1/admin/company-currency", json!({"currency": "USD"}))
        .await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "company.currency_set");
    app.post(
        "/api/v1/admin/company-currency",
        json!({"currency": "euro"}),
    )
    .await
    .assert_problem(400);
    let bad_rate = app
        .post(
            "/api/v1/exchange-rates",
            json!({"currency": "USD", "day": "2026-03-02", "rate": "0"}),
        )
        .await;
    bad_rate.assert_problem(400);
    assert_eq!(bad_rate.field(), "rate");
    app.get("/api/v1/exchange-rates?currency=US")
        .await
        .assert_problem(400);

    // Drafting: a bad quantity, an unknown warehouse, a mere customer.
    let bad = app
        .post(
            PURCHASES,
            json!({"supplier": supplier, "warehouse": warehouse,
                   "lines": [{"product": product, "quantity": "0", "unit_price": "1"}]}),
        )
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "lines[0].quantity");
    app.post(
        PURCHASES,
        json!({"supplier": supplier, "warehouse": nobody}),
    )
    .await
    .assert_problem(404);
    let not_supplier = app
        .post(
            PURCHASES,
            json!({"supplier": customer, "warehouse": warehouse}),
        )
        .await;
    not_supplier.assert_problem(422);
    assert_eq!(not_supplier.body["rule"], "purchase.not_a_supplier");
    let order = app
        .write(
            PURCHASES,
            json!({"supplier": supplier, "warehouse": warehouse,
                   "lines": [{"product": product, "quantity": "2", "unit_price": "5"}]}),
        )
        .await
        .id;

    // Reads: a malformed id, an unknown order, a bad status.
    app.get(&format!("{PURCHASES}/{}", fuzz::MALFORMED_ID))
        .await
        .assert_problem(400);

    // Roles: at least one; an unknown party; a stale version; an
    // archived party takes no change.
    let roles = format!("/api/v1/parties/{customer}/roles");
    let neither = app
        .post(&roles, json!({"customer": false, "supplier": false}))
        .await;
    neither.assert_problem(400);
    assert_eq!(neither.field(), "roles");
    app.post_with(&roles, json!({"customer": true, "supplier": true}), &stale)
        .await
        .assert_problem(412);
    app.post(
        &format!("/api/v1/parties/{nobody}/roles"),
        json!({"customer": true, "supplier": true}),
    )
    .await
    .assert_problem(404);
    app.write(&format!("/api/v1/parties/{customer}/archive"), json!({}))
        .await;
    let archived = app
        .post(&roles, json!({"customer": true, "supplier": true}))
        .await;
    archived.assert_problem(422);
    assert_eq!(archived.body["rule"], "party.archived");
    app.get(&format!("{PURCHASES}/{nobody}"))
        .await
        .assert_problem(404);
    app.get(&format!("{PURCHASES}?status=lost"))
        .await
        .assert_problem(400);

    // Every write on an order: 400, 404, 412, 422.
    let writes: [(&str, Value, Value); 6] = [
        (
            "lines",
            json!({"product": product, "quantity": "-1", "unit_price": "1"}),
            json!({"product": product, "quantity": "1", "unit_price": "1"}),
        ),
        (
            "change-line",
            json!({"line": 1, "quantity": "1", "unit_price": "-1"}),
            json!({"line": 1, "quantity": "3", "unit_price": "5"}),
        ),
        ("remove-line", json!({"line": "one"}), json!({"line": 1})),
        ("send", json!({"extra": true}), json!({})),
        (
            "cancel",
            json!({"reason": " "}),
            json!({"reason": "found cheaper"}),
        ),
        ("receive", json!({"spread": "weight"}), json!({})),
    ];
    for (action, bad_body, good_body) in &writes {
        let path = format!("{PURCHASES}/{order}/{action}");
        app.post(&path, bad_body.clone()).await.assert_problem(400);
        app.post(&format!("{PURCHASES}/{nobody}/{action}"), good_body.clone())
            .await
            .assert_problem(404);
        app.post_with(&path, good_body.clone(), &stale)
            .await
            .assert_problem(412);
    }
    // Broken rules, each on an order in the state that breaks it.
    let receive_draft = app
        .post(&format!("{PURCHASES}/{order}/receive"), json!({}))
        .await;
    receive_draft.assert_problem(422);
    assert_eq!(receive_draft.body["rule"], "purchase.not_sent");
    let cancelled = app
        .post(
            &format!("{PURCHASES}/{order}/cancel"),
            json!({"reason": "no"}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    for (action, body) in [
        (
            "lines",
            json!({"product": product, "quantity": "1", "unit_price": "1"}),
        ),
        (
            "change-line",
            json!({"line": 1, "quantity": "3", "unit_price": "5"}),
        ),
        ("remove-line", json!({"line": 1})),
        ("send", json!({})),
    ] {
        let refused = app
            .post(&format!("{PURCHASES}/{order}/{action}"), body)
            .await;
        refused.assert_problem(422);
    }
    let second = app
        .write(
            PURCHASES,
            json!({"supplier": supplier, "warehouse": warehouse,
                   "lines": [{"product": product, "quantity": "2", "unit_price": "5"}]}),
        )
        .await
        .id;
    app.write(&format!("{PURCHASES}/{second}/send"), json!({}))
        .await;
    app.write(
        &format!("{PURCHASES}/{second}/receive"),
        json!({"lines": [{"line": 1, "quantity": "1"}]}),
    )
    .await;
    let cancel_received = app
        .post(
            &format!("{PURCHASES}/{second}/cancel"),
            json!({"reason": "no"}),
        )
        .await;
    cancel_received.assert_problem(422);
    assert_eq!(cancel_received.body["rule"], "purchase.received");

    // A storekeeper of another branch neither receives into this
    // warehouse (as if the order were missing) nor drafts orders.
    let branch = app
        .write(
            "/api/v1/admin/branches",
            json!({"name": "South", "code": "STH"}),
        )
        .await
        .id;
    let kim = access::register(&app, "kim-purchasing", &["storekeeper"], Some(branch)).await;
    let token = access::token_of(&app, kim, &[Role::Storekeeper]).await;
    let path = format!("{PURCHASES}/{second}/receive");
    let (status, _) =
        access::as_user(&app, &token, reqwest::Method::POST, &path, Some(json!({}))).await;
    assert_eq!(status, 404);
    let (status, _) = access::as_user(
        &app,
        &token,
        reqwest::Method::POST,
        PURCHASES,
        Some(json!({"supplier": supplier, "warehouse": warehouse})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = access::as_user(&app, &token, reqwest::Method::GET, PURCHASES, None).await;
    assert_eq!(status, 200, "storekeepers read purchase orders");
}

/// Protects suppliers' offers and replenishment through the API: an offer
/// set, read back with the chosen supplier, preferred and withdrawn; a
/// product selling below its reorder level suggested from its supplier
/// and drafted in one request; every documented refusal.
#[tokio::test]
async fn offers_drive_replenishment_suggestions_and_drafts() {
    let app = spawn_app().await;
    let (supplier, warehouse, product) = buying_shop(&app).await;
    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    let offers = format!("/api/v1/products/{product}/offers");
    let offer = json!({"supplier": supplier, "supplier_code": "ST-B1", "currency": "EUR",
                       "price": "0.40", "minimum_quantity": "50", "pack_size": "25",
                       "lead_time_days": 10});
    let set = app.post(&offers, offer.clone()).await;
    assert_eq!(set.status, StatusCode::OK, "{:#}", set.body);
    let read = app.get(&offers).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["chosen"], supplier.to_string());
    assert_eq!(read.body["offers"][0]["supplier_code"], "ST-B1");
    let preferred = app
        .post(&format!("{offers}/prefer"), json!({"supplier": supplier}))
        .await;
    assert_eq!(preferred.status, StatusCode::OK);
    assert_eq!(app.get(&offers).await.body["offers"][0]["preferred"], true);

    // Refusals of the offer writes.
    let mut bad = offer.clone();
    bad["lead_time_days"] = json!(400);
    let refused = app.post(&offers, bad).await;
    refused.assert_problem(400);
    assert_eq!(refused.field(), "lead_time_days");
    app.post(&format!("/api/v1/products/{nobody}/offers"), offer.clone())
        .await
        .assert_problem(404);
    app.post_with(&offers, offer.clone(), &stale)
        .await
        .assert_problem(412);
    let customer = app.company("Corner Shop").await;
    let mut from_customer = offer.clone();
    from_customer["supplier"] = json!(customer);
    app.post(&offers, from_customer).await.assert_problem(422);
    for action in ["prefer", "withdraw"] {
        let path = format!("{offers}/{action}");
        app.post(&path, json!({"supplier": "x"}))
            .await
            .assert_problem(400);
        app.post(
            &format!("/api/v1/products/{nobody}/offers/{action}"),
            json!({"supplier": supplier}),
        )
        .await
        .assert_problem(404);
        app.post_with(&path, json!({"supplier": supplier}), &stale)
            .await
            .assert_problem(412);
    }
    let no_offer = app
        .post(&format!("{offers}/prefer"), json!({"supplier": customer}))
        .await;
    no_offer.assert_problem(422);
    assert_eq!(no_offer.body["rule"], "sourcing.no_offer");
    app.get(&format!("/api/v1/products/{}/offers", fuzz::MALFORMED_ID))
        .await
        .assert_problem(400);

    // 30 in stock, a reorder level of 40: suggested from the supplier, at
    // least 50 in packs of 25.
    app.write(
        "/api/v1/stock/receipts",
        json!({"product": product, "warehouse": warehouse, "quantity": "30", "unit_cost": "0.4"}),
    )
    .await;
    app.write(
        "/api/v1/stock/reorder-levels",
        json!({"product": product, "warehouse": warehouse, "level": "40"}),
    )
    .await;
    app.settle().await;
    let found = app.get("/api/v1/replenishment").await;
    assert_eq!(found.status, StatusCode::OK, "{:#}", found.body);
    let suggestion = &found.body["suggestions"][0];
    assert_eq!(suggestion["supplier"], supplier.to_string());
    assert_eq!(dec(&suggestion["quantity"]), Decimal::from(50));
    app.get("/api/v1/replenishment?wait_for=soon")
        .await
        .assert_problem(400);
    let line = json!({"product": product, "warehouse": warehouse, "quantity": "50"});
    let drafted = app
        .post("/api/v1/replenishment/draft", json!({"lines": [line]}))
        .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{:#}", drafted.body);
    let order = drafted.body["orders"][0].as_str().unwrap().to_owned();
    app.settle().await;
    let read = app.get(&format!("{PURCHASES}/{order}")).await;
    assert_eq!(read.body["status"], "draft");
    assert_eq!(
        dec(&read.body["lines"][0]["unit_price"]),
        Decimal::from_str("0.4").unwrap()
    );
    app.post("/api/v1/replenishment/draft", json!({"lines": []}))
        .await
        .assert_problem(400);
    app.post(
        "/api/v1/replenishment/draft",
        json!({"lines": [{"product": product, "warehouse": nobody, "quantity": "5"}]}),
    )
    .await
    .assert_problem(404);
    let withdrawn = app
        .post(&format!("{offers}/withdraw"), json!({"supplier": supplier}))
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    let unsourced = app
        .post("/api/v1/replenishment/draft", json!({"lines": [line]}))
        .await;
    unsourced.assert_problem(422);
    assert_eq!(unsourced.body["rule"], "replenishment.no_supplier");
}

/// Protects payables through the API: a USD order invoiced at the rate of
/// 2026-03-02 (30 USD × 0.9 = 27.00 EUR) and paid at today's
/// (0.3333333333: 10.00 EUR) realizes a gain of 17.00, listed in the
/// report; the payables age as of a day; the order ends paid; every
/// documented refusal.
#[tokio::test]
async fn supplier_invoices_and_payments_realize_exchange_differences() {
    let app = spawn_app().await;
    let (supplier, warehouse, product) = buying_shop(&app).await;
    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    let order = app
        .write(
            PURCHASES,
            json!({"supplier": supplier, "warehouse": warehouse, "currency": "USD",
                   "lines": [{"product": product, "quantity": "10", "unit_price": "3"}]}),
        )
        .await
        .id;
    app.write(&format!("{PURCHASES}/{order}/send"), json!({}))
        .await;
    app.write(&format!("{PURCHASES}/{order}/receive"), json!({}))
        .await;
    let invoices = format!("/api/v1/parties/{supplier}/supplier-invoices");
    let invoice = json!({"order": order, "number": "F-9", "amount": "30",
                         "issued_on": "2026-03-02", "due": "2026-04-01"});
    let recorded = app.post(&invoices, invoice.clone()).await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{:#}", recorded.body);
    app.settle().await;
    let aged = app.get("/api/v1/reports/payables?as_of=2026-03-03").await;
    assert_eq!(aged.status, StatusCode::OK);
    assert_eq!(dec(&aged.body["rows"][0]["not_due"]), Decimal::from(30));
    assert_eq!(
        app.get(&format!("{PURCHASES}/{order}")).await.body["status"],
        "invoiced"
    );
    let payments = format!("/api/v1/parties/{supplier}/supplier-payments");
    let paid = app
        .post(
            &payments,
            json!({"method": "bank_transfer", "currency": "USD", "amount": "30"}),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{:#}", paid.body);
    app.settle().await;
    let today = Utc::now().date_naive();
    let differences = app
        .get(&format!(
            "/api/v1/reports/exchange-differences?from=2026-01-01&to={today}"
        ))
        .await;
    assert_eq!(differences.status, StatusCode::OK, "{:#}", differences.body);
    assert_eq!(dec(&differences.body["total_gain"]), Decimal::from(17));
    assert_eq!(differences.body["company_currency"], "EUR");
    assert_eq!(
        app.get(&format!("{PURCHASES}/{order}")).await.body["status"],
        "paid"
    );
    assert_eq!(
        app.get("/api/v1/reports/payables").await.body["rows"],
        json!([])
    );

    // Refusals.
    let mut bad = invoice.clone();
    bad["amount"] = json!("-1");
    app.post(&invoices, bad).await.assert_problem(400);
    app.post(
        &format!("/api/v1/parties/{nobody}/supplier-invoices"),
        invoice.clone(),
    )
    .await
    .assert_problem(404);
    let mut again = invoice.clone();
    again["order"] = json!(null);
    again["currency"] = json!("USD");
    app.post_with(&invoices, again.clone(), &stale)
        .await
        .assert_problem(412);
    let duplicate = app.post(&invoices, again).await;
    duplicate.assert_problem(422);
    assert_eq!(duplicate.body["rule"], "payable.duplicate_number");
    let payment = json!({"method": "cash", "currency": "USD", "amount": "5"});
    app.post(
        &payments,
        json!({"method": "cheque", "currency": "USD", "amount": "5"}),
    )
    .await
    .assert_problem(400);
    app.post(
        &format!("/api/v1/parties/{nobody}/supplier-payments"),
        payment.clone(),
    )
    .await
    .assert_problem(404);
    app.post_with(&payments, payment, &stale)
        .await
        .assert_problem(412);
    let invoice_id = recorded.written().id;
    let overpaid = app
        .post(
            &payments,
            json!({"method": "cash", "currency": "USD", "amount": "5",
                   "allocations": [{"invoice": invoice_id, "amount": "5"}]}),
        )
        .await;
    overpaid.assert_problem(422);
    assert_eq!(overpaid.body["rule"], "payable.overpaid");
    app.get("/api/v1/reports/exchange-differences?from=2026-03-02&to=2026-03-01")
        .await
        .assert_problem(400);
    // Nothing is owed any more: a payment now is an advance, listed as
    // the supplier's until an invoice uses it.
    let advance = app
        .post(
            &payments,
            json!({"method": "bank_transfer", "currency": "USD", "amount": "7"}),
        )
        .await;
    assert_eq!(advance.status, StatusCode::CREATED, "{:#}", advance.body);
    app.settle().await;
    let report = app.get("/api/v1/reports/payables").await;
    let advances = report.body["advances"].as_array().unwrap();
    assert_eq!(advances.len(), 1, "{:#}", report.body);
    assert_eq!(advances[0]["supplier"], json!(supplier));
    assert_eq!(advances[0]["currency"], "USD");
    assert_eq!(dec(&advances[0]["amount"]), Decimal::from(7));
    app.get("/api/v1/reports/payables?as_of=yesterday")
        .await
        .assert_problem(400);
}

/// Protects receivables in several currencies through the API: a sale in
/// dollars is invoiced by the processes at today's rate (0.3333333333:
/// 24 USD = 8.00 EUR); today's rate is then corrected to 0.5, and the
/// customer's 24 USD, taken at it (12.00 EUR), realizes a gain of 4.00,
/// listed as the customer's beside the suppliers' in the report. The 6
/// USD they paid beyond it stay as credit worth 3.00 EUR; at 0.25 the
/// next invoice of 6 USD is worth 1.50, so spending the credit on it
/// realizes another 1.50, named by the overpayment. An
/// order in pounds, which have no rate, is not invoiced, and a payment in
/// pounds is refused.
#[tokio::test]
async fn a_customer_paying_in_dollars_realizes_an_exchange_difference() {
    let app = spawn_app().await;
    let sale = Sale::in_buying_shop(&app).await;
    let customer = sale.customer;
    let order = sale.shipped(&app, "USD", "5", "4").await;
    let due = (Utc::now() + Duration::days(30)).date_naive();
    app.write(
        &format!("/api/v1/orders/{order}/invoice"),
        json!({"due": due}),
    )
    .await;
    app.settle().await;
    let today = Utc::now().date_naive().to_string();
    let corrected = app
        .post(
            "/api/v1/exchange-rates",
            json!({"currency": "USD", "day": today, "rate": "0.5"}),
        )
        .await;
    assert_eq!(corrected.status, StatusCode::OK, "{:#}", corrected.body);
    // 4 × 5.00 + 20 % VAT, and 6.00 more.
    let paid = app
        .post(
            &format!("/api/v1/parties/{customer}/payments"),
            json!({"amount": "30", "currency": "USD", "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{:#}", paid.body);
    app.settle().await;
    assert_eq!(
        app.get(&format!("/api/v1/orders/{order}")).await.body["status"],
        "closed"
    );
    let report = app
        .get(&format!(
            "/api/v1/reports/exchange-differences?from={today}&to={today}"
        ))
        .await;
    assert_eq!(report.status, StatusCode::OK, "{:#}", report.body);
    let rows = report.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{:#}", report.body);
    assert_eq!(rows[0]["side"], "customer");
    assert_eq!(rows[0]["party"], json!(customer));
    assert_eq!(dec(&rows[0]["amount"]), Decimal::from(24));
    assert_eq!(dec(&rows[0]["gain"]), Decimal::from(4));
    assert_eq!(dec(&report.body["total_customers"]), Decimal::from(4));
    assert_eq!(dec(&report.body["total_suppliers"]), Decimal::ZERO);
    assert_eq!(dec(&report.body["total_gain"]), Decimal::from(4));

    // The credit pays the next dollar invoice at today's corrected rate.
    let lowered = app
        .post(
            "/api/v1/exchange-rates",
            json!({"currency": "USD", "day": today, "rate": "0.25"}),
        )
        .await;
    assert_eq!(lowered.status, StatusCode::OK, "{:#}", lowered.body);
    let next = sale.shipped(&app, "USD", "5", "1").await;
    app.write(
        &format!("/api/v1/orders/{next}/invoice"),
        json!({"due": due}),
    )
    .await;
    app.settle().await;
    assert_eq!(
        app.get(&format!("/api/v1/orders/{next}")).await.body["status"],
        "closed",
        "the credit paid it"
    );
    let report = app
        .get(&format!(
            "/api/v1/reports/exchange-differences?from={today}&to={today}"
        ))
        .await;
    let rows = report.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{:#}", report.body);
    let on_credit = rows
        .iter()
        .find(|row| dec(&row["amount"]) == Decimal::from(6))
        .expect("the credit's row");
    assert_eq!(dec(&on_credit["gain"]), dec_str("1.5"));
    assert_eq!(on_credit["party"], json!(customer));
    assert_eq!(dec(&report.body["total_customers"]), dec_str("5.5"));

    // An order in pounds, which have no rate at all, is not invoiced: its
    // invoice could not be valued. Nothing is written.
    let order = sale.shipped(&app, "GBP", "4", "1").await;
    let refused = app
        .post(
            &format!("/api/v1/orders/{order}/invoice"),
            json!({"due": due}),
        )
        .await;
    refused.assert_problem(422);
    assert_eq!(refused.body["rule"], "currency.no_rate");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("GBP"),
        "{:#}",
        refused.body
    );
    assert_eq!(
        app.get(&format!("/api/v1/orders/{order}")).await.body["status"],
        "shipped"
    );

    // A payment in a currency with no rate at all is refused, naming it.
    let refused = app
        .post(
            &format!("/api/v1/parties/{customer}/payments"),
            json!({"amount": "5", "currency": "GBP", "method": "cash"}),
        )
        .await;
    refused.assert_problem(422);
    assert_eq!(refused.body["rule"], "currency.no_rate");
}

/// Protects the director's one figure through the API: a sale of 10.00
/// EUR and one of 20.00 USD (today's rate 0.3333333333: 6.6667 EUR) add
/// up, without a currency, to 16.6667 EUR in the sales report and in the
/// KPIs; asked in dollars, the report has the dollars alone. A sale in
/// pounds, which have no rate, is left out and named. Without a company
/// currency there is no company total to give.
#[tokio::test]
async fn sales_in_several_currencies_add_up_in_the_company_currency() {
    let bare = spawn_app().await;
    let refused = bare
        .get("/api/v1/reports/sales?from=2026-03-01&to=2026-03-31")
        .await;
    refused.assert_problem(400);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("currency"),
        "{:#}",
        refused.body
    );
    assert!(bare.get("/api/v1/kpis?day=2026-03-01").await.body["in_company"].is_null());

    let app = spawn_app().await;
    let sale = Sale::in_buying_shop(&app).await;
    let customer = sale.customer;
    let due = (Utc::now() + Duration::days(30)).date_naive();
    for (currency, price, quantity) in [("EUR", "10", "1"), ("USD", "5", "4")] {
        let order = sale.shipped(&app, currency, price, quantity).await;
        app.write(
            &format!("/api/v1/orders/{order}/invoice"),
            json!({"due": due}),
        )
        .await;
    }
    app.settle().await;
    let today = Utc::now().date_naive();
    let report = |currency: &str| {
        format!("/api/v1/reports/sales?from={today}&to={today}&group_by=whole{currency}")
    };
    let every = app.get(&report("")).await;
    assert_eq!(every.status, StatusCode::OK, "{:#}", every.body);
    assert_eq!(every.body["currency"], "EUR");
    assert_eq!(every.body["converted"], true);
    assert_eq!(every.body["unconverted"], json!([]));
    assert_eq!(dec(&every.body["rows"][0]["order_net"]), dec_str("16.6667"));
    assert_eq!(every.body["rows"][0]["orders"], 2);
    let dollars = app.get(&report("&currency=USD")).await;
    assert_eq!(dollars.body["converted"], false);
    assert_eq!(
        dec(&dollars.body["rows"][0]["order_net"]),
        Decimal::from(20)
    );

    sale.shipped(&app, "GBP", "4", "1").await;
    app.settle().await;
    let every = app.get(&report("")).await;
    assert_eq!(every.body["unconverted"], json!(["GBP"]));
    assert_eq!(dec(&every.body["rows"][0]["order_net"]), dec_str("16.6667"));
    let kpis = app.get(&format!("/api/v1/kpis?day={today}")).await;
    assert_eq!(kpis.status, StatusCode::OK, "{:#}", kpis.body);
    let in_company = &kpis.body["in_company"];
    assert_eq!(in_company["currency"], "EUR");
    assert_eq!(dec(&in_company["order_intake"]), dec_str("16.6667"));
    assert_eq!(in_company["unconverted"], json!(["GBP"]));
    assert_eq!(dec(&kpis.body["order_intake"]["USD"]), Decimal::from(20));

    // The invoices of the euro and dollar sales owe 12.00 EUR and
    // 24.00 USD gross; the pounds were not invoiced.
    let owed = app.get("/api/v1/reports/receivables").await;
    assert_eq!(owed.status, StatusCode::OK, "{:#}", owed.body);
    assert_eq!(owed.body["converted"], true);
    assert_eq!(owed.body["currency"], "EUR");
    // 24 × 0.3333333333 = 7.9999999992 → 8.0000; + 12.00.
    assert_eq!(
        dec(&owed.body["total"]["current"]["outstanding"]),
        Decimal::from(20)
    );
    let in_dollars = app.get("/api/v1/reports/receivables?currency=USD").await;
    assert_eq!(in_dollars.body["converted"], false);
    assert_eq!(
        dec(&in_dollars.body["total"]["current"]["outstanding"]),
        Decimal::from(24)
    );
    bare.get("/api/v1/reports/receivables")
        .await
        .assert_problem(400);

    // Both invoices paid: 12.00 EUR and 24 USD (8.0000 EUR), by bank.
    for (amount, currency) in [("12", "EUR"), ("24", "USD")] {
        let paid = app
            .post(
                &format!("/api/v1/parties/{customer}/payments"),
                json!({"amount": amount, "currency": currency, "method": "bank_transfer"}),
            )
            .await;
        assert_eq!(paid.status, StatusCode::CREATED, "{:#}", paid.body);
    }
    app.settle().await;
    let payments = app
        .get(&format!("/api/v1/reports/payments?from={today}&to={today}"))
        .await;
    assert_eq!(payments.status, StatusCode::OK, "{:#}", payments.body);
    assert_eq!(payments.body["converted"], true);
    let row = &payments.body["rows"][0];
    assert_eq!(dec(&row["total"]), Decimal::from(20));
    assert_eq!(row["by_method"].as_array().unwrap().len(), 1, "{row:#}");
    assert_eq!(row["by_method"][0]["payments"], 2);
    bare.get("/api/v1/reports/payments?from=2026-03-01&to=2026-03-02")
        .await
        .assert_problem(400);
}

fn dec_str(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// A customer buying one product from one warehouse.
struct Sale {
    customer: Uuid,
    product: Uuid,
    warehouse: Uuid,
}

impl Sale {
    /// The buying shop (`buying_shop`: euros, dollar rates) with ten of
    /// its product in stock at 2.00 and a customer, Harbour Imports.
    async fn in_buying_shop(app: &TestApp) -> Self {
        let (_, warehouse, product) = buying_shop(app).await;
        let customer = app.company("Harbour Imports").await;
        app.write(
            "/api/v1/stock/receipts",
            json!({"product": product, "warehouse": warehouse, "quantity": "10", "unit_cost": "2"}),
        )
        .await;
        Sale {
            customer,
            product,
            warehouse,
        }
    }

    /// An order of `quantity` at `price` on a new price list in
    /// `currency`, confirmed and shipped; answers its id.
    async fn shipped(&self, app: &TestApp, currency: &str, price: &str, quantity: &str) -> Uuid {
        let price_list = app
            .write(
                "/api/v1/price-lists",
                json!({"name": format!("Export {currency}"), "currency": currency}),
            )
            .await
            .id;
        app.write(
            &format!("/api/v1/price-lists/{price_list}/prices"),
            json!({"product": self.product, "unit_price": price}),
        )
        .await;
        let order = app
            .write(
                "/api/v1/orders",
                json!({"party": self.customer, "price_list": price_list,
                       "warehouse": self.warehouse}),
            )
            .await
            .id;
        app.write(
            &format!("/api/v1/orders/{order}/lines"),
            json!({"product": self.product, "quantity": quantity}),
        )
        .await;
        app.write(&format!("/api/v1/orders/{order}/confirm"), json!(null))
            .await;
        app.settle().await;
        app.write(&format!("/api/v1/orders/{order}/ship"), json!({}))
            .await;
        app.settle().await;
        order
    }
}
