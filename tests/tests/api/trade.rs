//! Trade and stock over HTTP: warehouses, stock movements, orders,
//! accounts, and the reports with `from`/`to`/`group_by`, `as_of` and
//! `known_at`.

use super::*;

/// The routes this file's endpoints add to the document.
pub(crate) const ROUTES: [(&str, &str); 31] = [
    ("post", "/api/v1/products/{id}/rename"),
    ("post", "/api/v1/products/{id}/categorize"),
    ("post", "/api/v1/products/{id}/barcode"),
    ("post", "/api/v1/products/{id}/vat-rate"),
    ("post", "/api/v1/products/{id}/negative-stock"),
    ("post", "/api/v1/products/{id}/discontinue"),
    ("post", "/api/v1/products/{id}/reinstate"),
    ("post", "/api/v1/price-lists/{id}/rename"),
    ("post", "/api/v1/price-lists/{id}/prices/remove"),
    ("post", "/api/v1/price-lists/{id}/discounts"),
    ("post", "/api/v1/price-lists/{id}/discounts/remove"),
    ("get", "/api/v1/warehouses"),
    ("post", "/api/v1/warehouses/{id}/rename"),
    ("post", "/api/v1/warehouses/{id}/negative-stock"),
    ("post", "/api/v1/warehouses/{id}/close"),
    ("post", "/api/v1/stock/issues"),
    ("post", "/api/v1/stock/transfers"),
    ("post", "/api/v1/stock/counts"),
    ("post", "/api/v1/stock/reorder-levels"),
    ("get", "/api/v1/stock"),
    ("get", "/api/v1/products/{id}/stock/as-of"),
    ("get", "/api/v1/products/{id}/movements"),
    ("post", "/api/v1/orders/{id}/remove-line"),
    ("post", "/api/v1/orders/{id}/change-quantity"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/parties/{id}/account"),
    ("post", "/api/v1/parties/{id}/account/apply-credit"),
    ("post", "/api/v1/parties/{id}/credit-notes"),
    ("get", "/api/v1/reports/receivables"),
    ("get", "/api/v1/reports/payments"),
    ("get", "/api/v1/reports/stock-value"),
];

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    products_and_price_lists_change_through_task_shaped_writes();
    warehouses_are_renamed_listed_and_closed();
    stock_is_written_off_moved_counted_and_read_by_level_and_ledger();
    stock_answers_as_of_a_day_and_as_known_at_a_moment();
    draft_orders_lose_lines_change_quantities_and_orders_are_listed();
    accounts_show_balances_take_manual_credit_notes_and_apply_credit();
    receivables_payments_and_kpis_answer_as_of_a_day_and_as_known_at_a_moment();
}

/// The moment between two writes, with the log's clock moving on both
/// sides of it.
pub(crate) async fn a_moment_passes() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    between.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

const STALE: [(&str, &str); 1] = [("if-match", "\"99\"")];

/// Checks a write on aggregate `id` at `path` (`{id}` in it) refuses a bad
/// body with a 400 naming `field` (any field when empty), an unknown
/// aggregate with a 404 and a stale `If-Match` with a 412, then succeeds
/// with `good`.
async fn assert_write_errors(
    app: &TestApp,
    path: &str,
    id: Uuid,
    good: Value,
    bad: Value,
    field: &str,
) {
    let at = |id: Uuid| path.replace("{id}", &id.to_string());
    let invalid = app.post(&at(id), bad).await;
    invalid.assert_problem(400);
    if !field.is_empty() {
        assert_eq!(invalid.field(), field, "{path}: {:#}", invalid.body);
    }
    app.post(&at(Uuid::now_v7()), good.clone())
        .await
        .assert_problem(404);
    app.post_with(&at(id), good.clone(), &STALE)
        .await
        .assert_problem(412);
    let written = app.post(&at(id), good).await;
    assert_eq!(written.status, StatusCode::OK, "{path}: {:#}", written.body);
}

/// A write that must fail: path, body, headers, status, and the field
/// (400) or rule (422) it names.
type Case<'a> = (String, Value, &'a [(&'a str, &'a str)], u16, &'a str);

/// Sends each case and checks its problem.
async fn assert_cases(app: &TestApp, cases: Vec<Case<'_>>) {
    for (path, body, headers, status, detail) in cases {
        let answer = app.post_with(&path, body, headers).await;
        answer.assert_problem(status);
        match status {
            400 => assert_eq!(answer.field(), detail, "{path}"),
            422 => assert_eq!(answer.body["rule"], detail, "{path}"),
            _ => {}
        }
    }
}

/// Checks a write's answer is a 422 with `rule`.
async fn assert_rule(app: &TestApp, path: &str, body: Value, rule: &str) {
    let refused = app.post(path, body).await;
    refused.assert_problem(422);
    assert_eq!(refused.body["rule"], rule, "{path}");
}

/// Protects the catalog's task-shaped writes: each changes what a read of
/// the product or price list shows, refuses bad values, unknown
/// aggregates and stale versions, a discontinued product takes no change
/// until reinstated, and a retried rename has one effect.
#[tokio::test]
async fn products_and_price_lists_change_through_task_shaped_writes() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let product = shop.product;
    let cases = [
        (
            "/api/v1/products/{id}/rename",
            json!({"name": "Hex bolt"}),
            json!({"name": " "}),
            "name",
        ),
        (
            "/api/v1/products/{id}/categorize",
            json!({"category": "Fasteners"}),
            json!({"category": 7}),
            "category",
        ),
        (
            "/api/v1/products/{id}/barcode",
            json!({"barcode": "4006381333931"}),
            json!({"barcode": false}),
            "barcode",
        ),
        (
            "/api/v1/products/{id}/vat-rate",
            json!({"vat_percent": "10"}),
            json!({"vat_percent": "101"}),
            "vat_percent",
        ),
        (
            "/api/v1/products/{id}/negative-stock",
            json!({"allowed": true}),
            json!({"allowed": "yes"}),
            "allowed",
        ),
    ];
    for (path, good, bad, field) in &cases {
        assert_write_errors(&app, path, product, good.clone(), bad.clone(), field).await;
    }
    let read = app.get(&format!("/api/v1/products/{product}")).await;
    assert_eq!(
        (
            &read.body["name"],
            &read.body["category"],
            &read.body["barcode"],
            &read.body["vat_percent"],
            &read.body["allows_negative_stock"]
        ),
        (
            &json!("Hex bolt"),
            &json!("Fasteners"),
            &json!("4006381333931"),
            &json!("10"),
            &json!(true)
        ),
        "{:#}",
        read.body
    );

    assert_write_errors(
        &app,
        "/api/v1/products/{id}/discontinue",
        product,
        json!({}),
        json!({"now": true}),
        "",
    )
    .await;
    for (path, good, _, _) in &cases {
        let path = path.replace("{id}", &product.to_string());
        assert_rule(&app, &path, good.clone(), "product.discontinued").await;
    }
    let discontinued = app.get(&format!("/api/v1/products/{product}")).await;
    assert_eq!(discontinued.body["discontinued"], true);
    assert_write_errors(
        &app,
        "/api/v1/products/{id}/reinstate",
        product,
        json!({}),
        json!({"now": true}),
        "",
    )
    .await;

    let key = [("idempotency-key", "rename-bolt-1")];
    let rename = format!("/api/v1/products/{product}/rename");
    let first = app
        .post_with(&rename, json!({"name": "Carriage bolt"}), &key)
        .await
        .written();
    let retry = app
        .post_with(&rename, json!({"name": "Carriage bolt"}), &key)
        .await
        .written();
    assert_eq!(
        (retry.position, retry.version, retry.repeated),
        (first.position, first.version, true)
    );

    let list = shop.price_list;
    app.write(
        &format!("/api/v1/price-lists/{list}/prices"),
        json!({"product": product, "unit_price": "4", "min_quantity": "10"}),
    )
    .await;
    assert_write_errors(
        &app,
        "/api/v1/price-lists/{id}/rename",
        list,
        json!({"name": "Trade"}),
        json!({"name": ""}),
        "name",
    )
    .await;
    assert_write_errors(
        &app,
        "/api/v1/price-lists/{id}/prices/remove",
        list,
        json!({"product": product, "min_quantity": "10"}),
        json!({"product": "bolt"}),
        "product",
    )
    .await;
    assert_write_errors(
        &app,
        "/api/v1/price-lists/{id}/discounts",
        list,
        json!({"segment": "vip", "percent": "5"}),
        json!({"percent": "5", "amount": "1"}),
        "percent",
    )
    .await;
    let read = app.get(&format!("/api/v1/price-lists/{list}")).await;
    assert_eq!(read.body["name"], "Trade");
    assert_eq!(
        read.body["prices"].as_array().unwrap().len(),
        1,
        "the break is gone"
    );
    assert_write_errors(
        &app,
        "/api/v1/price-lists/{id}/discounts/remove",
        list,
        json!({"segment": "vip"}),
        json!({"segment": "vip", "party": shop.party}),
        "party",
    )
    .await;
}

/// Protects warehouses over HTTP: renamed and set to allow negative
/// stock while open, listed by name a page at a time and by whether they
/// are closed, and a closed warehouse takes no further change.
#[tokio::test]
async fn warehouses_are_renamed_listed_and_closed() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let spare = app
        .write("/api/v1/warehouses", json!({"name": "Annex"}))
        .await
        .id;
    assert_write_errors(
        &app,
        "/api/v1/warehouses/{id}/rename",
        spare,
        json!({"name": "Spare"}),
        json!({"name": ""}),
        "name",
    )
    .await;
    assert_write_errors(
        &app,
        "/api/v1/warehouses/{id}/negative-stock",
        spare,
        json!({"allowed": true}),
        json!({}),
        "",
    )
    .await;
    let read = app.get(&format!("/api/v1/warehouses/{spare}")).await;
    assert_eq!(
        (&read.body["name"], &read.body["allows_negative_stock"]),
        (&json!("Spare"), &json!(true))
    );

    let closed = app
        .write("/api/v1/warehouses", json!({"name": "Old depot"}))
        .await;
    let position = app
        .write(
            &format!("/api/v1/warehouses/{}/close", closed.id),
            json!({}),
        )
        .await
        .position;
    let first = app
        .get(&format!("/api/v1/warehouses?limit=2&wait_for={position}"))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let names = |page: &Answer| -> Vec<String> {
        page.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["Main", "Old depot"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/warehouses?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(names(&second), ["Spare"]);
    assert!(second.body.get("next_cursor").is_none_or(Value::is_null));
    let open = app.get("/api/v1/warehouses?closed=false").await;
    assert_eq!(names(&open), ["Main", "Spare"]);
    let only_closed = app.get("/api/v1/warehouses?closed=true").await;
    assert_eq!(only_closed.body["rows"][0]["id"], closed.id.to_string());
    app.get("/api/v1/warehouses?limit=0")
        .await
        .assert_problem(400);
    let bad_cursor = app.get("/api/v1/warehouses?cursor=zz").await;
    bad_cursor.assert_problem(400);
    assert_eq!(bad_cursor.field(), "cursor");

    assert_write_errors(
        &app,
        "/api/v1/warehouses/{id}/close",
        spare,
        json!({}),
        json!({"when": "now"}),
        "",
    )
    .await;
    for (action, body) in [
        ("close", json!({})),
        ("rename", json!({"name": "Again"})),
        ("negative-stock", json!({"allowed": false})),
    ] {
        assert_rule(
            &app,
            &format!("/api/v1/warehouses/{spare}/{action}"),
            body,
            "warehouse.closed",
        )
        .await;
    }
    assert_ne!(shop.warehouse, spare);
}

/// Protects stock movements by hand and the reads over them: a write-off
/// with a reason, a transfer whose both halves land (once, even when
/// retried) at the cost the goods left at, a count, a reorder level; the
/// levels list filtered, sorted and paged; the ledger with running
/// balances, paged both ways; and every error each write documents.
#[tokio::test]
async fn stock_is_written_off_moved_counted_and_read_by_level_and_ledger() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (product, main) = (shop.product, shop.warehouse);
    let spare = app
        .write("/api/v1/warehouses", json!({"name": "Spare"}))
        .await
        .id;
    let nobody = Uuid::now_v7();

    let issue =
        json!({"product": product, "warehouse": main, "quantity": "3", "reason": "water damage"});
    let issued = app.post("/api/v1/stock/issues", issue.clone()).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:#}", issued.body);
    let transfer = json!({"product": product, "from": main, "to": spare, "quantity": "4"});
    let key = [("idempotency-key", "move-4-bolts")];
    let moved = app
        .post_with("/api/v1/stock/transfers", transfer.clone(), &key)
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{:#}", moved.body);
    let moved = moved.written();
    let retry = app
        .post_with("/api/v1/stock/transfers", transfer.clone(), &key)
        .await
        .written();
    assert_eq!(
        (retry.id, retry.position, retry.repeated),
        (moved.id, moved.position, true)
    );
    let stock = app
        .get(&format!(
            "/api/v1/products/{product}/stock?wait_for={}",
            moved.position
        ))
        .await;
    let on_hand = |warehouse: Uuid| {
        stock.body["warehouses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["warehouse"] == warehouse.to_string())
            .map(|row| (dec(&row["on_hand"]), dec(&row["average_cost"])))
    };
    assert_eq!(
        on_hand(main).unwrap().0,
        Decimal::from(3),
        "10 - 3 - 4, once"
    );
    assert_eq!(
        on_hand(spare),
        Some((Decimal::from(4), Decimal::from(2))),
        "arrived at the cost they left at"
    );
    let counted = app
        .post(
            "/api/v1/stock/counts",
            json!({"product": product, "warehouse": main, "counted": "1"}),
        )
        .await;
    assert_eq!(counted.status, StatusCode::CREATED, "{:#}", counted.body);
    let level = app
        .post(
            "/api/v1/stock/reorder-levels",
            json!({"product": product, "warehouse": spare, "level": "5"}),
        )
        .await;
    assert_eq!(level.status, StatusCode::OK, "{:#}", level.body);
    let position = level.written().position;

    // Errors of each write: field paths, unknown things, stale versions,
    // broken rules.
    let cases: Vec<Case> = vec![
        (
            "/api/v1/stock/issues".into(),
            json!({"product": product, "warehouse": main, "quantity": "1", "reason": ""}),
            &[],
            400,
            "reason",
        ),
        (
            "/api/v1/stock/issues".into(),
            json!({"product": product, "warehouse": nobody, "quantity": "1", "reason": "x"}),
            &[],
            404,
            "",
        ),
        (
            "/api/v1/stock/issues".into(),
            issue.clone(),
            &STALE,
            412,
            "",
        ),
        (
            "/api/v1/stock/issues".into(),
            json!({"product": product, "warehouse": main, "quantity": "50", "reason": "x"}),
            &[],
            422,
            "stock.insufficient",
        ),
        (
            "/api/v1/stock/transfers".into(),
            json!({"product": product, "from": main, "to": main, "quantity": "1"}),
            &[],
            400,
            "to",
        ),
        (
            "/api/v1/stock/transfers".into(),
            json!({"product": nobody, "from": main, "to": spare, "quantity": "1"}),
            &[],
            404,
            "",
        ),
        (
            "/api/v1/stock/transfers".into(),
            json!({"product": product, "from": main, "to": nobody, "quantity": "1"}),
            &[],
            404,
            "",
        ),
        (
            "/api/v1/stock/transfers".into(),
            transfer.clone(),
            &STALE,
            412,
            "",
        ),
        (
            "/api/v1/stock/transfers".into(),
            json!({"product": product, "from": main, "to": spare, "quantity": "50"}),
            &[],
            422,
            "stock.insufficient",
        ),
        (
            "/api/v1/stock/counts".into(),
            json!({"product": product, "warehouse": main, "counted": "-1"}),
            &[],
            400,
            "counted",
        ),
        (
            "/api/v1/stock/counts".into(),
            json!({"product": nobody, "warehouse": main, "counted": "1"}),
            &[],
            404,
            "",
        ),
        (
            "/api/v1/stock/counts".into(),
            json!({"product": product, "warehouse": main, "counted": "1"}),
            &STALE,
            412,
            "",
        ),
        (
            "/api/v1/stock/reorder-levels".into(),
            json!({"product": product, "warehouse": main, "level": "-2"}),
            &[],
            400,
            "level",
        ),
        (
            "/api/v1/stock/reorder-levels".into(),
            json!({"product": product, "warehouse": nobody}),
            &[],
            404,
            "",
        ),
        (
            "/api/v1/stock/reorder-levels".into(),
            json!({"product": product, "warehouse": main}),
            &STALE,
            412,
            "",
        ),
    ];
    assert_cases(&app, cases).await;

    // Levels: Main holds 1 of the bolt, Spare 4 (below its level of 5).
    let low = app
        .get(&format!("/api/v1/stock?low=true&wait_for={position}"))
        .await;
    assert_eq!(low.status, StatusCode::OK, "{:#}", low.body);
    let rows = low.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{:#}", low.body);
    assert_eq!(
        (&rows[0]["warehouse_name"], &rows[0]["low"]),
        (&json!("Spare"), &json!(true))
    );
    let in_main = app.get(&format!("/api/v1/stock?warehouse={main}")).await;
    assert_eq!(dec(&in_main.body["rows"][0]["on_hand"]), Decimal::ONE);
    assert_eq!(in_main.body["rows"].as_array().unwrap().len(), 1);
    let first = app
        .get("/api/v1/stock?sort=available&order=desc&limit=1")
        .await;
    assert_eq!(dec(&first.body["rows"][0]["available"]), Decimal::from(4));
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/api/v1/stock?sort=available&order=desc&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(dec(&second.body["rows"][0]["available"]), Decimal::ONE);
    assert!(second.body.get("next_cursor").is_none_or(Value::is_null));
    let bad_sort = app.get("/api/v1/stock?sort=colour").await;
    bad_sort.assert_problem(400);
    assert_eq!(bad_sort.field(), "sort");
    let bad_cursor = app
        .get(&format!("/api/v1/stock?sort=value&cursor={cursor}00"))
        .await;
    bad_cursor.assert_problem(400);

    // The ledger of Main: received 10, issued 3, sent 4, counted 1.
    let ledger =
        |query: String| format!("/api/v1/products/{product}/movements?warehouse={main}{query}");
    let all = app.get(&ledger(String::new())).await;
    assert_eq!(all.status, StatusCode::OK, "{:#}", all.body);
    let kinds: Vec<(&str, Decimal)> = all.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["kind"].as_str().unwrap(), dec(&row["balance_after"])))
        .collect();
    assert_eq!(
        kinds,
        [
            ("received", Decimal::from(10)),
            ("issued", Decimal::from(7)),
            ("transferred_out", Decimal::from(3)),
            ("counted", Decimal::ONE)
        ]
    );
    assert_eq!(all.body["rows"][1]["reference"], "water damage");
    assert_eq!(
        all.body["rows"][2]["transfer"]["warehouse"],
        spare.to_string()
    );
    let newest = app.get(&ledger("&order=desc&limit=3".to_owned())).await;
    assert_eq!(newest.body["rows"][0]["kind"], "counted");
    let cursor = newest.body["next_cursor"].as_str().unwrap();
    let oldest = app
        .get(&ledger(format!("&order=desc&limit=3&cursor={cursor}")))
        .await;
    assert_eq!(oldest.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(oldest.body["rows"][0]["kind"], "received");
    app.get(&format!("/api/v1/products/{nobody}/movements"))
        .await
        .assert_problem(404);
    let bad = app.get(&ledger("&cursor=00".to_owned())).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "cursor");
}

/// Protects the two times on stock: as of a business day (before any
/// movement, nothing was held) and as known at a moment (a receipt
/// recorded later is absent, and the answer names the position it
/// includes), for one product and for the value of every warehouse.
#[tokio::test]
async fn stock_answers_as_of_a_day_and_as_known_at_a_moment() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    app.settle().await;
    let between = a_moment_passes().await;
    let later = app
        .write(
            "/api/v1/stock/receipts",
            json!({"product": shop.product, "warehouse": shop.warehouse, "quantity": "5", "unit_cost": "2"}),
        )
        .await;
    let today = Utc::now().date_naive();
    let yesterday = today - Duration::days(1);
    let as_of = |query: String| {
        format!(
            "/api/v1/products/{}/stock/as-of?wait_for={}{query}",
            shop.product, later.position
        )
    };

    let now = app.get(&as_of(format!("&as_of={today}"))).await;
    assert_eq!(now.status, StatusCode::OK, "{:#}", now.body);
    assert_eq!(dec(&now.body["on_hand"]), Decimal::from(15));
    assert_eq!(dec(&now.body["value"]), Decimal::from(30), "15 at 2.00");
    assert!(now.body.get("known_position").is_none());
    let before = app.get(&as_of(format!("&as_of={yesterday}"))).await;
    assert_eq!(
        dec(&before.body["on_hand"]),
        Decimal::ZERO,
        "{:#}",
        before.body
    );
    let known = app
        .get(&as_of(format!("&as_of={today}&known_at={between}")))
        .await;
    assert_eq!(known.status, StatusCode::OK, "{:#}", known.body);
    assert_eq!(dec(&known.body["on_hand"]), Decimal::from(10));
    assert_eq!(dec(&known.body["value"]), Decimal::from(20));
    assert!(known.body["known_position"].as_u64().unwrap() < later.position);
    let missing = app.get(&as_of(String::new())).await;
    missing.assert_problem(400);
    let bad = app
        .get(&as_of(format!("&as_of={today}&known_at=noon")))
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "known_at");

    let value = |query: String| {
        format!(
            "/api/v1/reports/stock-value?wait_for={}{query}",
            later.position
        )
    };
    let now = app.get(&value(String::new())).await;
    assert_eq!(now.status, StatusCode::OK, "{:#}", now.body);
    assert_eq!(dec(&now.body["total"]), Decimal::from(30), "15 × 2");
    assert_eq!(now.body["rows"][0]["name"], "Main");
    let before = app.get(&value(format!("&as_of={yesterday}"))).await;
    assert_eq!(before.body["rows"], json!([]));
    assert_eq!(dec(&before.body["total"]), Decimal::ZERO);
    let known = app.get(&value(format!("&known_at={between}"))).await;
    assert_eq!(
        dec(&known.body["total"]),
        Decimal::from(20),
        "{:#}",
        known.body
    );
    let bad = app.get(&value("&as_of=soon".to_owned())).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "as_of");
}

/// Protects a draft order's line edits and the orders list: a line's
/// quantity changes and a line goes while the order is a draft, not
/// after it is confirmed; the list filters by customer and status,
/// newest activity first, a page at a time.
#[tokio::test]
async fn draft_orders_lose_lines_change_quantities_and_orders_are_listed() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let confirmed = confirmed_order(&app, &shop, "1").await;
    let draft = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await
        .id;
    for quantity in ["2", "5"] {
        app.write(
            &format!("/api/v1/orders/{draft}/lines"),
            json!({"product": shop.product, "quantity": quantity}),
        )
        .await;
    }
    assert_write_errors(
        &app,
        "/api/v1/orders/{id}/change-quantity",
        draft,
        json!({"line": 1, "quantity": "3"}),
        json!({"line": 1, "quantity": "0"}),
        "quantity",
    )
    .await;
    assert_write_errors(
        &app,
        "/api/v1/orders/{id}/remove-line",
        draft,
        json!({"line": 2}),
        json!({"line": "two"}),
        "line",
    )
    .await;
    let read = app.get(&format!("/api/v1/orders/{draft}")).await;
    let lines = read.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{:#}", read.body);
    assert_eq!(dec(&lines[0]["quantity"]), Decimal::from(3));
    let gone = app
        .post(
            &format!("/api/v1/orders/{draft}/remove-line"),
            json!({"line": 2}),
        )
        .await;
    gone.assert_problem(400);
    assert_eq!(gone.field(), "line");
    assert_rule(
        &app,
        &format!("/api/v1/orders/{confirmed}/remove-line"),
        json!({"line": 1}),
        "order.not_draft",
    )
    .await;
    assert_rule(
        &app,
        &format!("/api/v1/orders/{confirmed}/change-quantity"),
        json!({"line": 1, "quantity": "2"}),
        "order.not_draft",
    )
    .await;

    let other = app.company("Umbrella").await;
    let elsewhere = app
        .write(
            "/api/v1/orders",
            json!({"party": other, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await;
    let wait = format!("wait_for={}", elsewhere.position);
    let ids = |page: &Answer| -> Vec<String> {
        page.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get(&format!("/api/v1/orders?{wait}")).await;
    assert_eq!(all.status, StatusCode::OK, "{:#}", all.body);
    assert_eq!(
        ids(&all),
        [
            elsewhere.id.to_string(),
            draft.to_string(),
            confirmed.to_string()
        ],
        "newest activity first"
    );
    let first = app
        .get(&format!("/api/v1/orders?party={}&limit=1", shop.party))
        .await;
    assert_eq!(ids(&first), [draft.to_string()]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/api/v1/orders?party={}&limit=1&cursor={cursor}",
            shop.party
        ))
        .await;
    assert_eq!(ids(&second), [confirmed.to_string()]);
    let drafts = app.get("/api/v1/orders?status=draft").await;
    assert_eq!(ids(&drafts), [elsewhere.id.to_string(), draft.to_string()]);
    let confirmed_only = app.get("/api/v1/orders?status=confirmed").await;
    assert_eq!(confirmed_only.body["rows"][0]["status"], "confirmed");
    assert_eq!(
        dec(&confirmed_only.body["rows"][0]["total"]),
        Decimal::from(6)
    );
    let bad = app.get("/api/v1/orders?status=lost").await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "status");
}

/// Ships and invoices an order of `quantity` (due in `due_days`); returns
/// the invoice's id once the account holds it.
async fn invoiced_order(app: &TestApp, shop: &Shop, quantity: &str, due_days: i64) -> Uuid {
    let order = confirmed_order(app, shop, quantity).await;
    app.settle().await;
    app.write(&format!("/api/v1/orders/{order}/ship"), json!({}))
        .await;
    let due = (Utc::now() + Duration::days(due_days)).date_naive();
    app.write(
        &format!("/api/v1/orders/{order}/invoice"),
        json!({"due": due}),
    )
    .await;
    app.settle().await;
    let read = app.get(&format!("/api/v1/orders/{order}")).await;
    Uuid::parse_str(read.body["invoices"][0].as_str().unwrap()).unwrap()
}

/// Protects the account over HTTP: the balance per currency and the
/// open invoices as the account's stream tells them; a credit note
/// issued by hand becomes credit (once, when retried), which pays part of
/// an invoice; more credit than there is breaks a rule.
#[tokio::test]
async fn accounts_show_balances_take_manual_credit_notes_and_apply_credit() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let invoice = invoiced_order(&app, &shop, "4", 30).await;
    let account = format!("/api/v1/parties/{}/account", shop.party);
    let read = app.get(&account).await;
    assert_eq!(read.status, StatusCode::OK, "{:#}", read.body);
    assert_eq!(read.etag, Some(format!("\"{}\"", read.body["version"])));
    assert_eq!(
        read.body["open_invoices"][0]["invoice"],
        invoice.to_string()
    );
    assert_eq!(
        dec(&read.body["balances"][0]["receivable"]),
        Decimal::from(24)
    );

    let notes = format!("/api/v1/parties/{}/credit-notes", shop.party);
    let key = [("idempotency-key", "goodwill-1")];
    let note = json!({"currency": "EUR", "net": "10", "vat": "2"});
    let first = app.post_with(&notes, note.clone(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:#}", first.body);
    let retry = app.post_with(&notes, note.clone(), &key).await.written();
    assert_eq!((retry.id, retry.repeated), (first.written().id, true));
    let read = app.get(&account).await;
    let balance = &read.body["balances"][0];
    assert_eq!(
        (dec(&balance["credit"]), dec(&balance["balance"])),
        (Decimal::from(12), Decimal::from(12)),
        "credited once: {:#}",
        read.body
    );

    let apply = format!("{account}/apply-credit");
    let applied = app
        .post(
            &apply,
            json!({"invoice": invoice, "amount": "5", "currency": "EUR"}),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{:#}", applied.body);
    let read = app.get(&account).await;
    assert_eq!(
        dec(&read.body["open_invoices"][0]["outstanding"]),
        Decimal::from(19)
    );
    assert_eq!(dec(&read.body["balances"][0]["credit"]), Decimal::from(7));
    assert_rule(
        &app,
        &apply,
        json!({"invoice": invoice, "amount": "8", "currency": "EUR"}),
        "account.insufficient_credit",
    )
    .await;

    let nobody = Uuid::now_v7();
    let cases: Vec<Case> = vec![
        (
            apply.clone(),
            json!({"invoice": invoice, "amount": "1"}),
            &[],
            400,
            "currency",
        ),
        (apply.clone(), json!({"invoice": nobody}), &[], 404, ""),
        (
            format!("/api/v1/parties/{nobody}/account/apply-credit"),
            json!({"invoice": invoice}),
            &[],
            404,
            "",
        ),
        (apply.clone(), json!({"invoice": invoice}), &STALE, 412, ""),
        (
            notes.clone(),
            json!({"currency": "EUR", "net": "0"}),
            &[],
            400,
            "net",
        ),
        (
            notes.clone(),
            json!({"currency": "EUR", "net": "1", "vat": "-1"}),
            &[],
            400,
            "vat",
        ),
        (
            format!("/api/v1/parties/{nobody}/credit-notes"),
            note.clone(),
            &[],
            404,
            "",
        ),
        (notes.clone(), note.clone(), &STALE, 412, ""),
    ];
    assert_cases(&app, cases).await;
    app.get(&format!("/api/v1/parties/{nobody}/account"))
        .await
        .assert_problem(404);
}

/// Protects the money reports' two times: receivables aged as of a day
/// (an invoice not yet due today is 15 days overdue 45 days on, and did
/// not exist yesterday) and as known at a moment before it was issued;
/// payments per day, week and month and per method, cut by `as_of` and
/// by `known_at`; the KPIs as of a day and as known at a moment; and
/// their bad parameters.
#[tokio::test]
async fn receivables_payments_and_kpis_answer_as_of_a_day_and_as_known_at_a_moment() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    app.settle().await;
    let before_invoice = a_moment_passes().await;
    invoiced_order(&app, &shop, "4", 30).await;
    let today = Utc::now().date_naive();
    let yesterday = today - Duration::days(1);

    let receivables = |query: String| format!("/api/v1/reports/receivables?currency=EUR{query}");
    let now = app.get(&receivables(String::new())).await;
    assert_eq!(now.status, StatusCode::OK, "{:#}", now.body);
    assert_eq!(
        dec(&now.body["total"]["current"]["outstanding"]),
        Decimal::from(24)
    );
    assert_eq!(now.body["customers"][0]["party"], shop.party.to_string());
    let later = today + Duration::days(45);
    let aged = app.get(&receivables(format!("&as_of={later}"))).await;
    assert_eq!(
        dec(&aged.body["total"]["days_1_to_30"]["outstanding"]),
        Decimal::from(24),
        "{:#}",
        aged.body
    );
    let before = app.get(&receivables(format!("&as_of={yesterday}"))).await;
    assert_eq!(before.body["total"]["total"]["invoices"], 0);
    let known = app
        .get(&receivables(format!("&known_at={before_invoice}")))
        .await;
    assert_eq!(known.status, StatusCode::OK, "{:#}", known.body);
    assert_eq!(
        known.body["total"]["total"]["invoices"], 0,
        "{:#}",
        known.body
    );
    assert!(known.body["known_position"].is_u64());
    let bad = app.get("/api/v1/reports/receivables?currency=euro").await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "currency");
    let bad = app.get(&receivables("&limit=0".to_owned())).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "limit");

    let pay =
        |amount: &str, method: &str| json!({"amount": amount, "currency": "EUR", "method": method});
    let payments = format!("/api/v1/parties/{}/payments", shop.party);
    app.write(&payments, pay("10", "cash")).await;
    app.settle().await;
    let between = a_moment_passes().await;
    let last = app.write(&payments, pay("5", "card")).await;
    let month_start = today.with_day(1).unwrap();
    let report = |query: String| {
        format!(
            "/api/v1/reports/payments?from={month_start}&to={today}&currency=EUR&wait_for={}{query}",
            last.position
        )
    };
    let daily = app.get(&report(String::new())).await;
    assert_eq!(daily.status, StatusCode::OK, "{:#}", daily.body);
    let rows = daily.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["period"], today.to_string());
    assert_eq!(dec(&rows[0]["total"]), Decimal::from(15));
    let methods: Vec<(&str, Decimal)> = rows[0]["by_method"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["method"].as_str().unwrap(), dec(&row["amount"])))
        .collect();
    assert_eq!(
        methods,
        [("cash", Decimal::from(10)), ("card", Decimal::from(5))]
    );
    let monthly = app.get(&report("&group_by=month".to_owned())).await;
    assert_eq!(monthly.body["rows"][0]["period"], month_start.to_string());
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weekly = app.get(&report("&group_by=week".to_owned())).await;
    assert_eq!(weekly.body["rows"][0]["period"], monday.to_string());
    assert_eq!(dec(&weekly.body["rows"][0]["total"]), Decimal::from(15));
    let known = app.get(&report(format!("&known_at={between}"))).await;
    assert_eq!(
        dec(&known.body["rows"][0]["total"]),
        Decimal::from(10),
        "{:#}",
        known.body
    );
    let cut = app.get(&report(format!("&as_of={yesterday}"))).await;
    assert_eq!(cut.body["rows"], json!([]));
    let backwards = app
        .get(&format!(
            "/api/v1/reports/payments?from={today}&to={yesterday}&currency=EUR"
        ))
        .await;
    backwards.assert_problem(400);
    assert_eq!(backwards.field(), "to");

    let kpis =
        |query: String| format!("/api/v1/kpis?day={today}&wait_for={}{query}", last.position);
    let now = app.get(&kpis(String::new())).await;
    assert_eq!(dec(&now.body["payments"]["EUR"]), Decimal::from(15));
    let known = app.get(&kpis(format!("&known_at={between}"))).await;
    assert_eq!(known.status, StatusCode::OK, "{:#}", known.body);
    assert_eq!(dec(&known.body["payments"]["EUR"]), Decimal::from(10));
    assert!(known.body["known_position"].as_u64().unwrap() < last.position);
    let cut = app.get(&kpis(format!("&as_of={yesterday}"))).await;
    assert_eq!(cut.status, StatusCode::OK, "{:#}", cut.body);
    assert_eq!(cut.body["payments"], json!({}), "nothing was paid by then");
    let range = app
        .get(&format!(
            "/api/v1/kpis?from={month_start}&to={today}&as_of={today}"
        ))
        .await;
    assert_eq!(dec(&range.body["payments"]["EUR"]), Decimal::from(15));
}
