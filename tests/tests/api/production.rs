//! Production through the real server: a bill of materials defined and
//! read back, a production order planned from it with its shortages shown
//! before release, released, reported complete in two parts, the goods in
//! stock at the rolled-up cost, the units produced in `/kpis`, and the
//! material requirements of a sales order; and every refusal the document
//! promises (bad values, unknown ids, a cycle, too much reported, a stale
//! version, a sales manager writing).

use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_product_is_made_from_its_bill_at_the_rolled_up_cost();
    a_back_dated_component_receipt_re_costs_what_was_made();
    production_refuses_bad_values_unknown_ids_cycles_and_overreporting();
    every_production_answer_is_given();
}

const ORDERS: &str = "/api/v1/production-orders";

/// A warehouse, a kit (sold and made) of two bolts and a bracket (10 %
/// scrap), 15 minutes at 40 an hour; 10 bolts at 2 and 3 brackets at 5
/// in stock. Returns (warehouse, kit, bolt, bracket).
async fn workshop(app: &TestApp) -> (Uuid, Uuid, Uuid, Uuid) {
    let warehouse = app
        .write("/api/v1/warehouses", json!({"name": "Works"}))
        .await
        .id;
    let mut products = Vec::new();
    for (sku, name) in [("KIT-1", "Kit"), ("BOLT-1", "Bolt"), ("BRK-1", "Bracket")] {
        products.push(
            app.write(
                "/api/v1/products",
                json!({"sku": sku, "name": name, "unit": "pcs", "kind": "stock_tracked",
                       "vat_percent": "20"}),
            )
            .await
            .id,
        );
    }
    let (kit, bolt, bracket) = (products[0], products[1], products[2]);
    for (product, quantity, cost) in [(bolt, "10", "2"), (bracket, "3", "5")] {
        app.write(
            "/api/v1/stock/receipts",
            json!({"product": product, "warehouse": warehouse, "quantity": quantity,
                   "unit_cost": cost}),
        )
        .await;
    }
    let defined = app
        .post(
            &format!("/api/v1/products/{kit}/bom"),
            json!({"components": [
                       {"product": bolt, "quantity": "2"},
                       {"product": bracket, "quantity": "1", "scrap_percent": "10"}],
                   "operations": [{"name": "Assemble", "work_centre": "Bench",
                                   "minutes": "15", "hourly_rate": "40"}],
                   "lead_days": 1, "note": "first cut"}),
        )
        .await;
    assert_eq!(defined.status, StatusCode::OK, "{:#}", defined.body);
    (warehouse, kit, bolt, bracket)
}

/// Protects production end to end over HTTP: 4 kits planned need 8 bolts
/// and 4.4 brackets (3 in stock: 1.4 short, shown before release); 2 made
/// use 4 bolts at 2 and 2.2 brackets at 5 (19) plus 2 × 10 of assembly:
/// (19 + 20) ÷ 2 = 19.5 a kit. The kits count as produced today in
/// `/kpis`, and a sale of 5 kits asks to make the 2 still missing.
#[tokio::test]
async fn a_product_is_made_from_its_bill_at_the_rolled_up_cost() {
    let app = spawn_app().await;
    let (warehouse, kit, bolt, bracket) = workshop(&app).await;
    app.settle().await;
    let bom = app.get(&format!("/api/v1/products/{kit}/bom")).await;
    assert_eq!(bom.status, StatusCode::OK, "{:#}", bom.body);
    assert_eq!(bom.body["active"], 1);
    assert_eq!(bom.body["versions"][0]["operations_cost"], "10");
    assert_eq!(bom.body["versions"][0]["note"], "first cut");

    let today = Utc::now().date_naive();
    let planned = app
        .post(
            ORDERS,
            json!({"product": kit, "warehouse": warehouse, "quantity": "4",
                   "due_on": today.to_string()}),
        )
        .await;
    assert_eq!(planned.status, StatusCode::CREATED, "{:#}", planned.body);
    let order = planned.written().id;
    app.settle().await;
    let shown = app.get(&format!("{ORDERS}/{order}")).await;
    assert_eq!(shown.body["status"], "planned");
    assert!(
        shown.body["number"]
            .as_str()
            .is_some_and(|number| number.starts_with("MO-20")),
        "numbered when planned: {:#}",
        shown.body
    );
    let components = shown.body["components"].as_array().unwrap();
    let brackets = components
        .iter()
        .find(|component| component["product"] == json!(bracket))
        .unwrap();
    assert_eq!(dec(&brackets["required"]), Decimal::new(44, 1));
    assert_eq!(dec(&brackets["short"]), Decimal::new(14, 1), "{brackets:#}");

    app.write(&format!("{ORDERS}/{order}/release"), json!({}))
        .await;
    app.settle().await;
    let shown = app.get(&format!("{ORDERS}/{order}")).await;
    let bolts = &shown.body["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["product"] == json!(bolt))
        .unwrap()
        .clone();
    assert_eq!(dec(&bolts["reserved"]), Decimal::from(8));

    let completed = app
        .post(
            &format!("{ORDERS}/{order}/complete"),
            json!({"quantity": "2"}),
        )
        .await;
    assert_eq!(completed.status, StatusCode::OK, "{:#}", completed.body);
    app.settle().await;
    let shown = app.get(&format!("{ORDERS}/{order}")).await;
    assert_eq!(shown.body["status"], "in_progress");
    assert_eq!(shown.body["completions"][0]["unit_cost"], "19.5");
    let stock = app.get(&format!("/api/v1/products/{kit}/stock")).await;
    assert_eq!(stock.status, StatusCode::OK, "{:#}", stock.body);
    assert_eq!(dec(&stock.body["on_hand"]), Decimal::from(2));
    assert_eq!(
        dec(&stock.body["warehouses"][0]["average_cost"]),
        Decimal::new(195, 1)
    );
    let bolts = app.get(&format!("/api/v1/products/{bolt}/stock")).await;
    assert_eq!(dec(&bolts.body["on_hand"]), Decimal::from(6));

    let kpis = app.get(&format!("/api/v1/kpis?day={today}")).await;
    assert_eq!(kpis.status, StatusCode::OK, "{:#}", kpis.body);
    assert_eq!(
        dec(&kpis.body["production"]["produced_on_day"]),
        Decimal::from(2)
    );
    assert_eq!(
        dec(&kpis.body["production"]["produced_in_week"]),
        Decimal::from(2)
    );
    assert_eq!(kpis.body["production"]["open_orders"], 1);

    // The order stops at 2: what is still reserved is let go.
    app.write(&format!("{ORDERS}/{order}/finish"), json!({}))
        .await;
    app.settle().await;
    let shown = app.get(&format!("{ORDERS}/{order}")).await;
    assert_eq!(shown.body["status"], "done");
    let listed = app
        .get(&format!("{ORDERS}?status=done&product={kit}"))
        .await;
    assert_eq!(listed.body["rows"].as_array().unwrap().len(), 1);

    // A sale of 5 kits: 2 in stock are reserved, 3 to make; 6 bolts are
    // free of 6 needed, brackets (0.8 left) are short by 2.5.
    let customer = app.company("Acme").await;
    let prices = app
        .write(
            "/api/v1/price-lists",
            json!({"name": "Retail", "currency": "EUR"}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/price-lists/{prices}/prices"),
        json!({"product": kit, "unit_price": "50"}),
    )
    .await;
    let sale = app
        .write(
            "/api/v1/orders",
            json!({"party": customer, "price_list": prices, "warehouse": warehouse}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/orders/{sale}/lines"),
        json!({"product": kit, "quantity": "5"}),
    )
    .await;
    app.write(&format!("/api/v1/orders/{sale}/confirm"), json!(null))
        .await;
    app.settle().await;
    let planned = app
        .get(&format!("/api/v1/material-requirements?orders={sale}"))
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{:#}", planned.body);
    let lines = planned.body["requirements"].as_array().unwrap();
    let line = |product: Uuid| {
        lines
            .iter()
            .find(|line| line["product"] == json!(product))
            .cloned()
    };
    let kits = line(kit).unwrap();
    assert_eq!(
        (kits["action"].as_str(), dec(&kits["net"])),
        (Some("produce"), Decimal::from(3))
    );
    assert!(
        line(bolt).is_none(),
        "6 bolts free cover 3 kits: {lines:#?}"
    );
    let brackets = line(bracket).unwrap();
    assert_eq!(brackets["action"], "buy");
    assert_eq!(dec(&brackets["net"]), Decimal::new(25, 1));
    assert_eq!(brackets["level"], 1);
}

/// Protects the cost of what was made over HTTP: 2 kits made of 4 bolts
/// at 2, 2.2 brackets at 5 and 20 of work went in at 19.5; then 10 bolts
/// at 5 are entered, dated before the kits were made. The bolts went in
/// at 3.5, so the kits are worth (14 + 11 + 20) ÷ 2 = 22.5 each as of
/// today, while the live figures and the order keep what was decided.
#[tokio::test]
async fn a_back_dated_component_receipt_re_costs_what_was_made() {
    let app = spawn_app().await;
    let (warehouse, kit, bolt, _) = workshop(&app).await;
    app.settle().await;
    let before_making = super::trade::a_moment_passes().await;
    let today = Utc::now().date_naive();
    let order = app
        .write(
            ORDERS,
            json!({"product": kit, "warehouse": warehouse, "quantity": "2",
                   "due_on": today.to_string()}),
        )
        .await
        .id;
    app.write(&format!("{ORDERS}/{order}/release"), json!({}))
        .await;
    app.settle().await;
    app.write(
        &format!("{ORDERS}/{order}/complete"),
        json!({"quantity": "2"}),
    )
    .await;
    app.settle().await;
    let kits_as_of_today = || async {
        let kits = app
            .get(&format!("/api/v1/products/{kit}/stock/as-of?as_of={today}"))
            .await;
        assert_eq!(kits.status, StatusCode::OK, "{:#}", kits.body);
        (dec(&kits.body["on_hand"]), dec(&kits.body["value"]))
    };
    assert_eq!(
        kits_as_of_today().await,
        (Decimal::from(2), Decimal::from(39))
    );

    let late = app
        .write(
            "/api/v1/stock/receipts",
            json!({"product": bolt, "warehouse": warehouse, "quantity": "10",
                   "unit_cost": "5", "occurred_at": before_making}),
        )
        .await;
    app.settle().await;
    let kits = app
        .get(&format!(
            "/api/v1/products/{kit}/stock/as-of?as_of={today}&wait_for={}",
            late.position
        ))
        .await;
    assert_eq!(
        (dec(&kits.body["on_hand"]), dec(&kits.body["value"])),
        (Decimal::from(2), Decimal::from(45)),
        "{:#}",
        kits.body
    );
    let live = app.get(&format!("/api/v1/products/{kit}/stock")).await;
    assert_eq!(
        dec(&live.body["warehouses"][0]["average_cost"]),
        Decimal::new(195, 1),
        "the live cost is what the receipt recorded"
    );
    let shown = app.get(&format!("{ORDERS}/{order}")).await;
    assert_eq!(shown.body["completions"][0]["unit_cost"], "19.5");
}

/// Protects the refusals: each answers with its problem and writes
/// nothing.
#[tokio::test]
async fn production_refuses_bad_values_unknown_ids_cycles_and_overreporting() {
    let app = spawn_app().await;
    let (warehouse, kit, bolt, _) = workshop(&app).await;
    let bill = |body: Value| {
        let app = &app;
        async move {
            app.post(&format!("/api/v1/products/{bolt}/bom"), body)
                .await
        }
    };
    bill(json!({"components": [{"product": kit, "quantity": "1", "scrap_percent": "100"}]}))
        .await
        .assert_problem(400);
    bill(json!({"components": [{"product": Uuid::now_v7(), "quantity": "1"}]}))
        .await
        .assert_problem(404);
    let cycle = bill(json!({"components": [{"product": kit, "quantity": "1"}]})).await;
    cycle.assert_problem(422);
    assert!(
        cycle.body["detail"]
            .as_str()
            .unwrap()
            .contains("Bolt → Kit → Bolt"),
        "{:#}",
        cycle.body
    );
    bill(json!({"components": [], "operations": []}))
        .await
        .assert_problem(400);
    app.post(
        &format!("/api/v1/products/{}/bom", Uuid::now_v7()),
        json!({"operations": [{"name": "Cut", "work_centre": "Saw", "minutes": "1", "hourly_rate": "1"}]}),
    )
    .await
    .assert_problem(404);
    app.get(&format!("/api/v1/products/{bolt}/bom"))
        .await
        .assert_problem(404);
    app.post(
        &format!("/api/v1/products/{kit}/bom/activate"),
        json!({"version": 9}),
    )
    .await
    .assert_problem(400);

    // A product without a bill cannot be planned.
    app.post(
        ORDERS,
        json!({"product": bolt, "warehouse": warehouse, "quantity": "1", "due_on": "2026-12-31"}),
    )
    .await
    .assert_problem(422);
    app.post(
        ORDERS,
        json!({"product": kit, "warehouse": warehouse, "quantity": "0", "due_on": "2026-12-31"}),
    )
    .await
    .assert_problem(400);
    let order = app
        .write(
            ORDERS,
            json!({"product": kit, "warehouse": warehouse, "quantity": "3", "due_on": "2026-12-31"}),
        )
        .await
        .id;
    // Reporting before release, then more than planned.
    app.post(
        &format!("{ORDERS}/{order}/complete"),
        json!({"quantity": "1"}),
    )
    .await
    .assert_problem(422);
    app.write(&format!("{ORDERS}/{order}/release"), json!({}))
        .await;
    app.post(
        &format!("{ORDERS}/{order}/complete"),
        json!({"quantity": "4"}),
    )
    .await
    .assert_problem(400);
    // Brackets are short: 3 in stock, 3.3 needed.
    let short = app
        .post(
            &format!("{ORDERS}/{order}/complete"),
            json!({"quantity": "3"}),
        )
        .await;
    short.assert_problem(422);
    assert!(
        short.body["detail"]
            .as_str()
            .unwrap()
            .contains("Bracket is short: 3.3 needed, 3 available"),
        "{:#}",
        short.body
    );
    app.post_with(
        &format!("{ORDERS}/{order}/start"),
        json!({}),
        &[("If-Match", "\"0\"")],
    )
    .await
    .assert_problem(412);
    app.post(&format!("{ORDERS}/{}/start", Uuid::now_v7()), json!({}))
        .await
        .assert_problem(404);
    app.get(&format!("{ORDERS}/{}", Uuid::now_v7()))
        .await
        .assert_problem(404);
    app.get(&format!("{ORDERS}?status=lost"))
        .await
        .assert_problem(400);
    app.get("/api/v1/material-requirements?orders=nope")
        .await
        .assert_problem(400);

    // A sales manager reads production but changes nothing.
    let seller = access::register(&app, "seller", &["sales_manager"], None).await;
    let token = access::token_of(&app, seller, &[Role::SalesManager]).await;
    let (status, body) = access::as_user(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("{ORDERS}/{order}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = access::as_user(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("{ORDERS}/{order}/cancel"),
        Some(json!({"reason": "not mine"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

/// Protects the document: every answer each production route documents
/// is one a request can get.
#[tokio::test]
async fn every_production_answer_is_given() {
    let app = spawn_app().await;
    let (warehouse, kit, bolt, bracket) = workshop(&app).await;
    let malformed = fuzz::MALFORMED_ID;
    let unknown = Uuid::now_v7();
    let stale = [("If-Match", "\"99\"")];
    app.get(&format!("/api/v1/products/{malformed}/bom"))
        .await
        .assert_problem(400);
    app.get(&format!("{ORDERS}/{malformed}"))
        .await
        .assert_problem(400);
    app.post_with(
        &format!("/api/v1/products/{kit}/bom"),
        json!({"components": [{"product": bolt, "quantity": "3"}]}),
        &stale,
    )
    .await
    .assert_problem(412);
    // A second version, made active; one that would loop, refused.
    let second = app
        .post(
            &format!("/api/v1/products/{kit}/bom"),
            json!({"components": [{"product": bolt, "quantity": "3"},
                                  {"product": bracket, "quantity": "1"}]}),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{:#}", second.body);
    let activated = app
        .post(
            &format!("/api/v1/products/{kit}/bom/activate"),
            json!({"version": 2}),
        )
        .await;
    assert_eq!(activated.status, StatusCode::OK, "{:#}", activated.body);
    app.post_with(
        &format!("/api/v1/products/{kit}/bom/activate"),
        json!({"version": 1}),
        &stale,
    )
    .await
    .assert_problem(412);
    app.post(
        &format!("/api/v1/products/{unknown}/bom/activate"),
        json!({"version": 1}),
    )
    .await
    .assert_problem(404);
    app.write(
        &format!("/api/v1/products/{bracket}/bom"),
        json!({"components": [{"product": bolt, "quantity": "1"}]}),
    )
    .await;
    app.write(
        &format!("/api/v1/products/{bracket}/bom"),
        json!({"components": [{"product": kit, "quantity": "1"}]}),
    )
    .await;
    app.post(
        &format!("/api/v1/products/{bracket}/bom/activate"),
        json!({"version": 2}),
    )
    .await
    .assert_problem(422);
    app.post(
        ORDERS,
        json!({"product": unknown, "warehouse": warehouse, "quantity": "1", "due_on": "2026-12-31"}),
    )
    .await
    .assert_problem(404);

    let plan = || {
        let app = &app;
        async move {
            app.write(
                ORDERS,
                json!({"product": kit, "warehouse": warehouse, "quantity": "2", "due_on": "2026-12-31"}),
            )
            .await
            .id
        }
    };
    let order = plan().await;
    let at = |action: &str| format!("{ORDERS}/{order}/{action}");
    for action in ["release", "start", "finish"] {
        app.post(&at(action), json!({"unknown": 1}))
            .await
            .assert_problem(400);
        app.post_with(&at(action), json!({}), &stale)
            .await
            .assert_problem(412);
    }
    app.post_with(&at("cancel"), json!({"reason": "late"}), &stale)
        .await
        .assert_problem(412);
    app.post_with(&at("complete"), json!({"quantity": "1"}), &stale)
        .await
        .assert_problem(412);
    app.post(&at("start"), json!({})).await.assert_problem(422);
    app.write(&at("release"), json!({})).await;
    app.post(&at("finish"), json!({})).await.assert_problem(422);
    let started = app.post(&at("start"), json!({})).await;
    assert_eq!(started.status, StatusCode::OK, "{:#}", started.body);
    app.write(&at("complete"), json!({"quantity": "1"})).await;
    app.post(&at("cancel"), json!({"reason": "late"}))
        .await
        .assert_problem(422);
    app.post(
        &format!("{ORDERS}/{unknown}/complete"),
        json!({"quantity": "1"}),
    )
    .await
    .assert_problem(404);
    app.post(
        &format!("{ORDERS}/{unknown}/cancel"),
        json!({"reason": "late"}),
    )
    .await
    .assert_problem(404);

    let other = plan().await;
    let cancelled = app
        .post(
            &format!("{ORDERS}/{other}/cancel"),
            json!({"reason": "not needed"}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    app.post(&format!("{ORDERS}/{other}/release"), json!({}))
        .await
        .assert_problem(422);
}
