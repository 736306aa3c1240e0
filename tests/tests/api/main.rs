//! The JSON API through the real server on port 0 with a fresh data
//! folder: a whole sale, each endpoint's main errors, If-Match, idempotent
//! retries, the body limit and the OpenAPI document.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod access;
mod admin;
mod audit;
mod branches;
mod catalog;
mod crm;
mod deliveries;
mod documents;
mod duplicates;
mod erasure;
mod fuzz;
mod groups;
mod owner_choices;
mod production;
mod purchasing;
mod quotes;
mod retention;
mod trade;
mod trust;

use std::str::FromStr;

use chrono::{Datelike, Duration, Utc};
use eventlog::{EventLog, Options};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The password of the administrator every test server starts with.
const ADMIN_PASSWORD: &str = "test administrator password";

struct TestApp {
    base: String,
    /// The administrator's API token the client sends.
    token: String,
    client: reqwest::Client,
    state: api::AppState,
    server: tokio::task::JoinHandle<()>,
    _data: Option<tempfile::TempDir>,
}

/// What every write answers.
#[derive(Debug, Deserialize, PartialEq)]
struct Written {
    id: Uuid,
    version: Option<u64>,
    position: u64,
    repeated: bool,
}

/// An answer's status, `ETag` and JSON body.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    content_type: Option<String>,
    body: Value,
    /// The body as it came (a PDF, a CSV file).
    raw: Vec<u8>,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    fn written(&self) -> Written {
        serde_json::from_value(self.body.clone()).unwrap()
    }

    /// The problem document's field of the first bad value.
    fn field(&self) -> &str {
        self.body["errors"][0]["field"].as_str().unwrap_or_default()
    }

    fn assert_problem(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(self.body["status"], status);
    }
}

/// Every (method, route, status) a test has seen, for the contract check.
static PRODUCED: std::sync::Mutex<std::collections::BTreeSet<(String, String, u16)>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// The documented route of a request: every id in the path is `{id}`,
/// and so is a deliberately malformed one.
fn route_of(method: &reqwest::Method, path: &str) -> (String, String) {
    // A second id is named after the collection it is in: `{token}` of
    // `/tokens/`, `{invoice}` of `/invoices/`.
    let mut ids = 0;
    let mut previous = "";
    let mut route: Vec<String> = Vec::new();
    for segment in path.split('/') {
        if Uuid::parse_str(segment).is_ok() || segment == fuzz::MALFORMED_ID {
            ids += 1;
            route.push(if ids == 1 {
                "{id}".to_owned()
            } else {
                format!("{{{}}}", previous.trim_end_matches('s'))
            });
        } else {
            route.push(segment.to_owned());
        }
        previous = segment;
    }
    (method.as_str().to_lowercase(), route.join("/"))
}

async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut app = spawn_app_in(data.path()).await;
    app._data = Some(data);
    app
}

/// The server over a fresh data folder with `access` settings.
async fn spawn_app_with(access: api::AccessSettings) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut app = spawn_app_in_with(data.path(), access).await;
    app._data = Some(data);
    app
}

/// The server over the data folder `data` (port 0).
async fn spawn_app_in(data: &std::path::Path) -> TestApp {
    spawn_app_in_with(data, api::AccessSettings::default()).await
}

async fn spawn_app_in_with(data: &std::path::Path, access: api::AccessSettings) -> TestApp {
    // A server stopped just before may still be letting go of the folder.
    let mut attempts = 0;
    let (log, keys) = loop {
        match app::personal::open_log(data, Options::default()) {
            Ok(opened) => break opened,
            Err(error) if attempts < 200 => {
                attempts += 1;
                let _ = error;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            Err(error) => panic!("{error}"),
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = api::AppState::start_on(log, keys, data, access)
        .await
        .unwrap();
    let token = api::auth::administrator_token(&state, ADMIN_PASSWORD)
        .await
        .unwrap();
    let app = api::app(state.clone());
    let server = tokio::spawn(async move { api::serve_on(listener, app).await.unwrap() });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    TestApp {
        base: format!("http://{address}"),
        token: token.clone(),
        client: reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap(),
        state,
        server,
        _data: None,
    }
}

impl TestApp {
    /// Stops the server as a shutdown does, releasing the data folder.
    async fn stop(self) {
        // The client's kept-alive connections hold the server's
        // connection tasks, and those hold the state: close them first.
        drop(self.client);
        self.server.abort();
        let _ = self.server.await;
        self.state.shutdown().await.unwrap();
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = request.build().unwrap();
        let route = route_of(request.method(), request.url().path());
        let response = self.client.execute(request).await.unwrap();
        let status = response.status();
        PRODUCED
            .lock()
            .unwrap()
            .insert((route.0, route.1, status.as_u16()));
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|value: &reqwest::header::HeaderValue| value.to_str().unwrap().to_owned())
        };
        let etag = header(reqwest::header::ETAG);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            etag,
            content_type,
            body,
            raw: bytes.to_vec(),
            headers,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_with(path, body, &[]).await
    }

    async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// A write that must succeed.
    async fn write(&self, path: &str, body: Value) -> Written {
        let answer = self.post(path, body).await;
        assert!(answer.status.is_success(), "{path}: {:#}", answer.body);
        answer.written()
    }

    /// Waits until the processes and read models have caught up with the
    /// log (`/readyz`).
    async fn settle(&self) {
        for _ in 0..500 {
            if self.get("/readyz").await.status == StatusCode::OK {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let readiness = self.get("/readyz").await;
        panic!("the server never caught up: {:#}", readiness.body);
    }

    async fn company(&self, name: &str) -> Uuid {
        self.write("/api/v1/parties", json!({"kind": "company", "name": name}))
            .await
            .id
    }
}

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not a decimal string")),
    )
    .unwrap()
}

/// The ids of a shop ready to sell: a customer, a stock-tracked product at
/// 5.00 EUR (VAT 20 %) with 10 received at 2.00 in a warehouse.
struct Shop {
    party: Uuid,
    product: Uuid,
    price_list: Uuid,
    warehouse: Uuid,
}

async fn open_shop(app: &TestApp) -> Shop {
    let party = app.company("Acme").await;
    let product = app
        .write(
            "/api/v1/products",
            json!({"sku": "BOLT-1", "name": "Bolt", "unit": "pcs", "kind": "stock_tracked",
                   "vat_percent": "20", "category": "Hardware"}),
        )
        .await
        .id;
    let price_list = app
        .write(
            "/api/v1/price-lists",
            json!({"name": "Retail", "currency": "EUR"}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/price-lists/{price_list}/prices"),
        json!({"product": product, "unit_price": "5"}),
    )
    .await;
    let warehouse = app
        .write("/api/v1/warehouses", json!({"name": "Main"}))
        .await
        .id;
    app.write(
        "/api/v1/stock/receipts",
        json!({"product": product, "warehouse": warehouse, "quantity": "10", "unit_cost": "2"}),
    )
    .await;
    Shop {
        party,
        product,
        price_list,
        warehouse,
    }
}

/// Drafts and confirms an order of `quantity` units; returns its id.
async fn confirmed_order(app: &TestApp, shop: &Shop, quantity: &str) -> Uuid {
    confirmed_order_in(app, shop, quantity, None).await
}

/// [`confirmed_order`] for `branch` (the order's own, else its
/// customer's or warehouse's).
async fn confirmed_order_in(
    app: &TestApp,
    shop: &Shop,
    quantity: &str,
    branch: Option<Uuid>,
) -> Uuid {
    let order = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list,
                   "warehouse": shop.warehouse, "branch": branch}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/orders/{order}/lines"),
        json!({"product": shop.product, "quantity": quantity}),
    )
    .await;
    app.write(&format!("/api/v1/orders/{order}/confirm"), json!(null))
        .await;
    order
}

/// Ships everything left of `order` (a `POST` with no body), invoices it
/// due in `days` and lets the processes settle.
async fn ship_and_invoice(app: &TestApp, order: Uuid, days: i64) {
    let shipped = app
        .send(
            app.client
                .post(format!("{}/api/v1/orders/{order}/ship", app.base)),
        )
        .await;
    assert_eq!(shipped.status, StatusCode::OK, "{:#}", shipped.body);
    let due = (Utc::now() + Duration::days(days)).date_naive();
    app.write(
        &format!("/api/v1/orders/{order}/invoice"),
        json!({"due": due}),
    )
    .await;
    app.settle().await;
}

/// Protects the sale flow end to end over HTTP: every step answers, the
/// processes carry it across aggregates (stock, account, order closed) and
/// the KPIs and the monthly report show the sale once.
#[tokio::test]
async fn a_whole_sale_runs_through_the_api_into_the_kpis_and_the_monthly_report() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "4").await;
    app.settle().await;

    let stock = app
        .get(&format!("/api/v1/products/{}/stock", shop.product))
        .await;
    assert_eq!(dec(&stock.body["on_hand"]), Decimal::from(10));
    assert_eq!(
        dec(&stock.body["available"]),
        Decimal::from(6),
        "4 reserved"
    );

    ship_and_invoice(&app, order, 30).await;
    let read = app.get(&format!("/api/v1/orders/{order}")).await;
    assert_eq!(read.body["status"], "shipped", "{:#}", read.body);
    // 4 × 5.00 net, 20 % VAT.
    assert_eq!(dec(&read.body["lines"][0]["gross"]), Decimal::from(24));

    let payment = app
        .write(
            &format!("/api/v1/parties/{}/payments", shop.party),
            json!({"amount": "24", "currency": "EUR", "method": "bank_transfer"}),
        )
        .await;
    app.settle().await;
    let read = app.get(&format!("/api/v1/orders/{order}")).await;
    assert_eq!(read.body["status"], "closed", "{:#}", read.body);
    assert_eq!(read.etag, Some(format!("\"{}\"", read.body["version"])));

    let today = Utc::now().date_naive();
    let kpis = app
        .get(&format!(
            "/api/v1/kpis?day={today}&wait_for={}",
            payment.position
        ))
        .await;
    assert_eq!(kpis.status, StatusCode::OK, "{:#}", kpis.body);
    assert_eq!(kpis.body["orders"], 1);
    assert_eq!(dec(&kpis.body["order_intake"]["EUR"]), Decimal::from(20));
    assert_eq!(dec(&kpis.body["payments"]["EUR"]), Decimal::from(24));
    assert_eq!(dec(&kpis.body["units_shipped"]), Decimal::from(4));

    let month_start = today.with_day(1).unwrap();
    let report = app
        .get(&format!(
            "/api/v1/reports/sales?from={month_start}&to={today}&group_by=month&currency=EUR&wait_for={}",
            payment.position
        ))
        .await;
    assert_eq!(report.status, StatusCode::OK, "{:#}", report.body);
    let rows = report.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{:#}", report.body);
    assert_eq!(rows[0]["period"], month_start.to_string());
    assert_eq!(rows[0]["orders"], 1);
    assert_eq!(dec(&rows[0]["order_net"]), Decimal::from(20));
    assert_eq!(dec(&rows[0]["revenue"]), Decimal::from(20));
    assert_eq!(dec(&rows[0]["cost"]), Decimal::from(8));
    let by_product = app
        .get(&format!(
            "/api/v1/reports/sales?from={month_start}&to={today}&group_by=month&dimension=product&currency=EUR"
        ))
        .await;
    assert_eq!(
        by_product.body["rows"][0]["member"],
        shop.product.to_string()
    );
}

/// Protects reads of aggregates: each answers with its stream version as
/// `ETag`, and what was written is what is read.
#[tokio::test]
async fn each_aggregate_reads_back_with_its_version_as_etag() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let party = app.get(&format!("/api/v1/parties/{}", shop.party)).await;
    assert_eq!(party.body["display_name"], "Acme");
    assert_eq!(party.etag.as_deref(), Some("\"0\""));
    let product = app.get(&format!("/api/v1/products/{}", shop.product)).await;
    assert_eq!(
        (product.body["sku"].as_str(), product.body["kind"].as_str()),
        (Some("BOLT-1"), Some("stock_tracked"))
    );
    let list = app
        .get(&format!("/api/v1/price-lists/{}", shop.price_list))
        .await;
    assert_eq!(list.etag.as_deref(), Some("\"1\""), "defined, one price");
    assert_eq!(dec(&list.body["prices"][0]["unit_price"]), Decimal::from(5));
    let warehouse = app
        .get(&format!("/api/v1/warehouses/{}", shop.warehouse))
        .await;
    assert_eq!(warehouse.body["name"], "Main");
    let person = app
        .write(
            "/api/v1/parties",
            json!({"kind": "person", "first_name": "Ivan", "last_name": "Petrov", "company": shop.party}),
        )
        .await;
    let person = app.get(&format!("/api/v1/parties/{}", person.id)).await;
    assert_eq!(
        (
            person.body["display_name"].as_str(),
            person.body["kind"].as_str()
        ),
        (Some("Ivan Petrov"), Some("person"))
    );
}

/// Protects the edge: a bad value is a 400 problem naming its path in the
/// body (a domain value, a JSON type, a nested line), the query or a
/// header.
#[tokio::test]
async fn a_bad_value_is_a_400_naming_its_field_path() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;

    let empty_name = app
        .post("/api/v1/parties", json!({"kind": "company", "name": "  "}))
        .await;
    empty_name.assert_problem(400);
    assert_eq!(empty_name.field(), "name");

    let missing_name = app
        .post("/api/v1/parties", json!({"kind": "company"}))
        .await;
    missing_name.assert_problem(400);
    assert_eq!(missing_name.field(), "name");

    let wrong_type = app
        .post(
            "/api/v1/stock/receipts",
            json!({"product": shop.product, "warehouse": shop.warehouse, "quantity": [], "unit_cost": "1"}),
        )
        .await;
    wrong_type.assert_problem(400);
    assert_eq!(wrong_type.field(), "quantity");

    let order = confirmed_order(&app, &shop, "2").await;
    let nested = app
        .post(
            &format!("/api/v1/orders/{order}/ship"),
            json!({"lines": [{"line": 1, "quantity": "-1"}]}),
        )
        .await;
    nested.assert_problem(400);
    assert_eq!(nested.field(), "lines[0].quantity");

    let bad_query = app
        .get("/api/v1/reports/sales?from=yesterday&to=2026-01-01&currency=EUR")
        .await;
    bad_query.assert_problem(400);
    assert_eq!(bad_query.field(), "from");

    let too_many = app.get("/api/v1/parties?limit=501").await;
    too_many.assert_problem(400);
    assert_eq!(too_many.field(), "limit");

    let bad_cursor = app.get("/api/v1/parties?cursor=zz").await;
    assert_eq!(bad_cursor.field(), "cursor");

    let bad_if_match = app
        .post_with(
            &format!("/api/v1/orders/{order}/cancel"),
            json!({"reason": "x"}),
            &[("if-match", "yesterday")],
        )
        .await;
    bad_if_match.assert_problem(400);
    assert_eq!(bad_if_match.field(), "If-Match");

    let beyond_head = app.get("/api/v1/kpis?day=2026-01-01&wait_for=999999").await;
    beyond_head.assert_problem(400);
    assert_eq!(beyond_head.field(), "wait_for");

    let form = app
        .send(
            app.client
                .post(format!("{}/api/v1/parties", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("kind=company&name=Acme"),
        )
        .await;
    form.assert_problem(415);

    let not_a_uuid = app.get("/api/v1/orders/42").await;
    not_a_uuid.assert_problem(400);
}

/// Protects 404s: reading or acting on an aggregate that does not exist,
/// or naming one in a body, is a not-found problem, never an empty
/// success or an order that points at nothing.
#[tokio::test]
async fn unknown_aggregates_are_not_found() {
    let app = spawn_app().await;
    let nobody = Uuid::now_v7();
    for path in [
        format!("/api/v1/parties/{nobody}"),
        format!("/api/v1/orders/{nobody}"),
        format!("/api/v1/products/{nobody}"),
        format!("/api/v1/price-lists/{nobody}"),
        format!("/api/v1/warehouses/{nobody}"),
    ] {
        app.get(&path).await.assert_problem(404);
    }
    app.post(&format!("/api/v1/orders/{nobody}/confirm"), json!(null))
        .await
        .assert_problem(404);
    app.post(
        &format!("/api/v1/parties/{nobody}/payments"),
        json!({"amount": "1", "currency": "EUR", "method": "cash"}),
    )
    .await
    .assert_problem(404);
    app.post(
        "/api/v1/orders",
        json!({"party": nobody, "price_list": nobody, "warehouse": nobody}),
    )
    .await
    .assert_problem(404);

    // Ids of other aggregates in a body are checked too.
    let shop = open_shop(&app).await;
    app.post(
        "/api/v1/orders",
        json!({"party": nobody, "price_list": shop.price_list, "warehouse": shop.warehouse}),
    )
    .await
    .assert_problem(404);
    app.post(
        "/api/v1/orders",
        json!({"party": shop.party, "price_list": shop.price_list, "warehouse": nobody}),
    )
    .await
    .assert_problem(404);
    let order = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await
        .id;
    app.post(
        &format!("/api/v1/orders/{order}/lines"),
        json!({"product": nobody, "quantity": "1"}),
    )
    .await
    .assert_problem(404);
    app.post(
        "/api/v1/stock/receipts",
        json!({"product": nobody, "warehouse": shop.warehouse, "quantity": "1", "unit_cost": "1"}),
    )
    .await
    .assert_problem(404);
}

/// Protects optimistic concurrency: a write with a stale `If-Match` is a
/// 412 telling the current version and changes nothing; with the current
/// version it goes through.
#[tokio::test]
async fn a_stale_if_match_is_a_412_with_the_current_version() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let order = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await;
    assert_eq!(order.version, Some(0));
    let line = json!({"product": shop.product, "quantity": "1"});
    let path = format!("/api/v1/orders/{}/lines", order.id);
    let first = app
        .post_with(&path, line.clone(), &[("if-match", "\"0\"")])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    assert_eq!(first.etag.as_deref(), Some("\"1\""));

    let stale = app
        .post_with(&path, line.clone(), &[("if-match", "\"0\"")])
        .await;
    stale.assert_problem(412);
    assert_eq!(stale.body["current_version"], 1);
    assert_eq!(stale.etag.as_deref(), Some("\"1\""));
    let read = app.get(&format!("/api/v1/orders/{}", order.id)).await;
    assert_eq!(read.body["lines"].as_array().unwrap().len(), 1);
}

/// Protects business rules at the edge: a broken rule is a 422 with its
/// stable code (more to ship than the warehouse holds; confirming twice).
#[tokio::test]
async fn a_broken_rule_is_a_422_with_its_rule_code() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "12").await;
    app.settle().await;
    let ship = app
        .post(&format!("/api/v1/orders/{order}/ship"), json!({}))
        .await;
    ship.assert_problem(422);
    assert_eq!(ship.body["rule"], "stock.insufficient");

    let again = app
        .post(&format!("/api/v1/orders/{order}/confirm"), json!(null))
        .await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "order.not_draft");
}

/// Protects retries: the same write with the same `Idempotency-Key`
/// answers as the first time (same id, version and position) and has one
/// effect; another key is another write.
#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_has_one_effect() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let receipt = json!({"product": shop.product, "warehouse": shop.warehouse,
                         "quantity": "5", "unit_cost": "2"});
    let key = [("idempotency-key", "delivery-77")];
    let first = app
        .post_with("/api/v1/stock/receipts", receipt.clone(), &key)
        .await
        .written();
    let retry = app
        .post_with("/api/v1/stock/receipts", receipt.clone(), &key)
        .await
        .written();
    assert_eq!(
        (retry.id, retry.version, retry.position, retry.repeated),
        (first.id, first.version, first.position, true)
    );
    let stock = app
        .get(&format!(
            "/api/v1/products/{}/stock?wait_for={}",
            shop.product, retry.position
        ))
        .await;
    assert_eq!(
        dec(&stock.body["on_hand"]),
        Decimal::from(15),
        "10 + 5 once"
    );

    let party = json!({"kind": "company", "name": "Globex"});
    let key = [("idempotency-key", "signup-1")];
    let first = app.post_with("/api/v1/parties", party.clone(), &key).await;
    let retry = app.post_with("/api/v1/parties", party.clone(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.written().id, first.written().id);
    let other = app
        .post_with("/api/v1/parties", party, &[("idempotency-key", "signup-2")])
        .await;
    assert_ne!(other.written().id, first.written().id);
    let list = app
        .get(&format!(
            "/api/v1/parties?q=globex&wait_for={}",
            other.written().position
        ))
        .await;
    assert_eq!(list.body["rows"].as_array().unwrap().len(), 2);
}

/// Protects the party list: search by name prefix, and pages that go on
/// from an opaque cursor without repeating or skipping a row.
#[tokio::test]
async fn the_party_list_searches_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    let mut position = 0;
    for name in ["Alpha", "Beta", "Gamma", "Delta Alpha"] {
        position = app
            .write("/api/v1/parties", json!({"kind": "company", "name": name}))
            .await
            .position;
    }
    let first = app
        .get(&format!("/api/v1/parties?limit=3&wait_for={position}"))
        .await;
    let names = |answer: &Answer| -> Vec<String> {
        answer.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["display_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["Alpha", "Beta", "Delta Alpha"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/parties?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(names(&second), ["Gamma"]);
    assert!(second.body["next_cursor"].is_null());
    let found = app.get("/api/v1/parties?q=alp").await;
    assert_eq!(names(&found), ["Alpha", "Delta Alpha"]);
}

/// Protects the server from large bodies: over 1 MiB is a 413 problem,
/// whether the length is declared or streamed.
#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app().await;
    let name = "a".repeat(2 * 1024 * 1024);
    let answer = app
        .post("/api/v1/parties", json!({"kind": "company", "name": name}))
        .await;
    answer.assert_problem(413);

    // Chunked: no length declared, so the limit bites while reading.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/parties HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n",
        app.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..40 {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(&chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
}

/// Protects the contract document: every route the API serves is in the
/// OpenAPI document (3.1) with its method and every documented one is
/// served (probed through the router), and the reference page is served
/// from the binary.
#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let document = app.get("/api/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(
        document.body["openapi"]
            .as_str()
            .unwrap()
            .starts_with("3.1"),
        "{}",
        document.body["openapi"]
    );
    let routes = [
        ("post", "/api/v1/parties"),
        ("get", "/api/v1/parties"),
        ("get", "/api/v1/parties/{id}"),
        ("post", "/api/v1/parties/{id}/payments"),
        ("post", "/api/v1/products"),
        ("get", "/api/v1/products/{id}"),
        ("get", "/api/v1/products/{id}/stock"),
        ("post", "/api/v1/price-lists"),
        ("get", "/api/v1/price-lists/{id}"),
        ("post", "/api/v1/price-lists/{id}/prices"),
        ("post", "/api/v1/warehouses"),
        ("get", "/api/v1/warehouses/{id}"),
        ("post", "/api/v1/stock/receipts"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/orders/{id}"),
        ("post", "/api/v1/orders/{id}/lines"),
        ("post", "/api/v1/orders/{id}/confirm"),
        ("post", "/api/v1/orders/{id}/ship"),
        ("post", "/api/v1/orders/{id}/invoice"),
        ("post", "/api/v1/orders/{id}/cancel"),
        ("post", "/api/v1/purchase-orders"),
        ("get", "/api/v1/purchase-orders"),
        ("get", "/api/v1/purchase-orders/{id}"),
        ("post", "/api/v1/purchase-orders/{id}/lines"),
        ("post", "/api/v1/purchase-orders/{id}/change-line"),
        ("post", "/api/v1/purchase-orders/{id}/remove-line"),
        ("post", "/api/v1/purchase-orders/{id}/send"),
        ("post", "/api/v1/purchase-orders/{id}/receive"),
        ("post", "/api/v1/purchase-orders/{id}/cancel"),
        ("post", "/api/v1/quotes"),
        ("get", "/api/v1/quotes"),
        ("get", "/api/v1/quotes/{id}"),
        ("post", "/api/v1/quotes/{id}/revise"),
        ("post", "/api/v1/quotes/{id}/send"),
        ("post", "/api/v1/quotes/{id}/accept"),
        ("post", "/api/v1/quotes/{id}/decline"),
        ("post", "/api/v1/quotes/{id}/documents"),
        ("get", "/api/v1/quotes/{id}/documents/{document}"),
        ("post", "/api/v1/vehicles"),
        ("get", "/api/v1/vehicles"),
        ("post", "/api/v1/vehicles/{id}/change"),
        ("post", "/api/v1/vehicles/{id}/driver"),
        ("post", "/api/v1/vehicles/{id}/retire"),
        ("get", "/api/v1/vehicles/{id}/day-plan"),
        ("post", "/api/v1/vehicles/{id}/day-plan/order"),
        ("post", "/api/v1/zones"),
        ("get", "/api/v1/zones"),
        ("post", "/api/v1/zones/{id}/change"),
        ("post", "/api/v1/zones/{id}/retire"),
        ("post", "/api/v1/deliveries"),
        ("get", "/api/v1/deliveries"),
        ("get", "/api/v1/deliveries/{id}"),
        ("post", "/api/v1/deliveries/{id}/move"),
        ("post", "/api/v1/deliveries/{id}/load"),
        ("post", "/api/v1/deliveries/{id}/depart"),
        ("post", "/api/v1/deliveries/{id}/deliver"),
        ("post", "/api/v1/deliveries/{id}/fail"),
        ("post", "/api/v1/deliveries/{id}/return"),
        ("post", "/api/v1/admin/company-currency"),
        ("post", "/api/v1/admin/company-requisites"),
        ("post", "/api/v1/parties/{id}/invoices/{invoice}/documents"),
        ("get", "/api/v1/documents/{id}"),
        ("get", "/api/v1/documents/{id}/copy"),
        ("post", "/api/v1/orders/{id}/documents"),
        ("get", "/api/v1/orders/{id}/documents/{document}"),
        ("get", "/api/v1/exchange-rates"),
        ("post", "/api/v1/exchange-rates"),
        ("post", "/api/v1/parties/{id}/roles"),
        ("post", "/api/v1/products/{id}/offers"),
        ("get", "/api/v1/products/{id}/offers"),
        ("post", "/api/v1/products/{id}/offers/withdraw"),
        ("post", "/api/v1/products/{id}/offers/prefer"),
        ("get", "/api/v1/replenishment"),
        ("get", "/api/v1/products/{id}/bom"),
        ("post", "/api/v1/products/{id}/bom"),
        ("post", "/api/v1/products/{id}/bom/activate"),
        ("post", "/api/v1/production-orders"),
        ("get", "/api/v1/production-orders"),
        ("get", "/api/v1/production-orders/{id}"),
        ("post", "/api/v1/production-orders/{id}/release"),
        ("post", "/api/v1/production-orders/{id}/start"),
        ("post", "/api/v1/production-orders/{id}/complete"),
        ("post", "/api/v1/production-orders/{id}/finish"),
        ("post", "/api/v1/production-orders/{id}/cancel"),
        ("get", "/api/v1/material-requirements"),
        ("post", "/api/v1/replenishment/draft"),
        ("post", "/api/v1/parties/{id}/supplier-invoices"),
        ("post", "/api/v1/parties/{id}/supplier-payments"),
        ("get", "/api/v1/reports/payables"),
        ("get", "/api/v1/reports/exchange-differences"),
        ("post", "/api/v1/orders/{id}/returns"),
        ("get", "/api/v1/reports/sales"),
        ("get", "/api/v1/kpis"),
        ("get", "/api/v1/events/stream"),
        ("post", "/api/v1/parties/{id}/interactions"),
        ("get", "/api/v1/interactions/{id}"),
        ("post", "/api/v1/interactions/{id}/amend"),
        ("post", "/api/v1/interactions/{id}/withdraw"),
        ("post", "/api/v1/pipelines"),
        ("get", "/api/v1/pipelines/{id}"),
        ("post", "/api/v1/deals"),
        ("get", "/api/v1/deals/{id}"),
        ("post", "/api/v1/deals/{id}/move"),
        ("post", "/api/v1/deals/{id}/win"),
        ("post", "/api/v1/deals/{id}/lose"),
        ("post", "/api/v1/deals/{id}/reopen"),
        ("post", "/api/v1/tasks"),
        ("get", "/api/v1/tasks"),
        ("get", "/api/v1/tasks/{id}"),
        ("post", "/api/v1/tasks/{id}/complete"),
        ("post", "/api/v1/tasks/{id}/reopen"),
        ("post", "/api/v1/tasks/{id}/reschedule"),
        ("post", "/api/v1/tasks/{id}/cancel"),
        ("get", "/api/v1/products"),
        ("get", "/api/v1/price-lists"),
        ("get", "/api/v1/admin/backup"),
        ("get", "/api/v1/audit/events"),
        ("get", "/api/v1/audit/export"),
        ("get", "/api/v1/audit/verify"),
        ("get", "/api/v1/audit/verification"),
        ("get", "/api/v1/audit/signing-key"),
        ("post", "/api/v1/parties/{id}/erase"),
        ("post", "/api/v1/leads/{id}/erase"),
        ("get", "/api/v1/admin/branches"),
        ("post", "/api/v1/admin/branches"),
        ("post", "/api/v1/admin/branches/{id}/change"),
        ("post", "/api/v1/admin/branches/{id}/close"),
        ("post", "/api/v1/admin/branches/{id}/reopen"),
        ("get", "/api/v1/admin/groups"),
        ("post", "/api/v1/admin/groups"),
        ("post", "/api/v1/admin/groups/{id}/rename"),
        ("post", "/api/v1/admin/groups/{id}/members"),
        ("post", "/api/v1/admin/groups/{id}/members/remove"),
        ("post", "/api/v1/admin/groups/{id}/disband"),
        ("post", "/api/v1/admin/groups/{id}/reinstate"),
        ("get", "/api/v1/admin/retention-rules"),
        ("post", "/api/v1/admin/retention-rules"),
        ("get", "/api/v1/admin/retention-rules/{id}"),
        ("post", "/api/v1/admin/retention-rules/{id}/change"),
        ("post", "/api/v1/admin/retention-rules/{id}/pause"),
        ("post", "/api/v1/admin/retention-rules/{id}/resume"),
        ("post", "/api/v1/admin/retention-rules/{id}/run"),
        ("get", "/api/v1/parties/{id}/export"),
        ("get", "/api/v1/audit/receipt"),
        ("post", "/api/v1/audit/receipt/check"),
    ]
    .into_iter()
    .chain(trade::ROUTES)
    .chain(access::ROUTES.iter().copied())
    .collect::<Vec<_>>();
    let paths = document.body["paths"].as_object().unwrap();
    for &(method, path) in routes.iter().chain(crm::ROUTES) {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path} is not in the document"
        );
    }
    let documented: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        routes.len() + crm::ROUTES.len(),
        "a documented route is not listed here"
    );
    // Against the router itself: every documented operation is served
    // (none answers "no route" or "method not allowed")…
    let mut probed = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{token}", &Uuid::now_v7().to_string());
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if path.ends_with("/events/stream") {
                continue; // a live feed: answered, then never ends
            }
            let mut request = app
                .client
                .request(method.clone(), format!("{}{concrete}", app.base));
            if method == reqwest::Method::POST {
                request = request.json(&json!({}));
            }
            // Sent around `send`, so these probes do not count as the
            // scenarios' evidence of each documented status.
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented, not served"
            );
            assert_ne!(
                body["type"], "urn:hypercrm:problem:no-route",
                "{method} {path} is documented, not served"
            );
            probed += 1;
        }
    }
    assert_eq!(
        probed + 1,
        documented,
        "every operation but the live feed was probed"
    );
    // …and every route the router serves is documented: the API's
    // routes are registered only through utoipa's `routes!`, which writes
    // the document from the same declaration, never through axum's
    // `.route`, which would serve one undocumented.
    let http = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src/http");
    for entry in std::fs::read_dir(&http).unwrap() {
        let file = entry.unwrap().path();
        let source = std::fs::read_to_string(&file).unwrap();
        assert!(
            !source.contains(".route(") && !source.contains(".route_service("),
            "{} serves a route outside the document",
            file.display()
        );
    }

    let page = app
        .client
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger"));
}

/// Protects the other ways an order ends: a cancelled order releases its
/// reservation; goods taken back after shipping and invoicing (not
/// before) are counted as returned and return to stock.
#[tokio::test]
async fn orders_cancel_and_take_goods_back() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let cancelled = confirmed_order(&app, &shop, "3").await;
    app.write(
        &format!("/api/v1/orders/{cancelled}/cancel"),
        json!({"reason": "changed mind"}),
    )
    .await;
    app.settle().await;
    let read = app.get(&format!("/api/v1/orders/{cancelled}")).await;
    assert_eq!(read.body["status"], "cancelled");
    let stock = app
        .get(&format!("/api/v1/products/{}/stock", shop.product))
        .await;
    assert_eq!(dec(&stock.body["available"]), Decimal::from(10));

    let order = confirmed_order(&app, &shop, "4").await;
    app.settle().await;
    app.write(&format!("/api/v1/orders/{order}/ship"), json!({}))
        .await;
    let not_invoiced = app
        .post(
            &format!("/api/v1/orders/{order}/returns"),
            json!({"lines": [{"line": 1, "quantity": "1"}], "reason": "bent"}),
        )
        .await;
    not_invoiced.assert_problem(422);
    assert_eq!(not_invoiced.body["rule"], "order.over_return");
    let due = (Utc::now() + Duration::days(30)).date_naive();
    app.write(
        &format!("/api/v1/orders/{order}/invoice"),
        json!({"due": due}),
    )
    .await;
    let returned = app
        .write(
            &format!("/api/v1/orders/{order}/returns"),
            json!({"lines": [{"line": 1, "quantity": "1"}], "reason": "bent"}),
        )
        .await;
    app.settle().await;
    let read = app.get(&format!("/api/v1/orders/{order}")).await;
    assert_eq!(dec(&read.body["lines"][0]["returned"]), Decimal::ONE);
    let stock = app
        .get(&format!(
            "/api/v1/products/{}/stock?wait_for={}",
            shop.product, returned.position
        ))
        .await;
    assert_eq!(dec(&stock.body["on_hand"]), Decimal::from(7), "10 - 4 + 1");
}

/// Protects retries across a restart: the command id derives from the
/// key, the sender and the route, and the log keeps event ids, so a retry after the
/// server restarted still finds the first write and changes nothing.
#[tokio::test]
async fn an_idempotent_retry_after_a_restart_has_no_second_effect() {
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_in(data.path()).await;
    let party = json!({"kind": "company", "name": "Initech"});
    // The key is scoped by the token that sends it: the integration
    // retries with the token it had, which outlives the restart.
    let authorization = format!("Bearer {}", app.token);
    let key = [
        ("idempotency-key", "crm-sync-9"),
        ("authorization", authorization.as_str()),
    ];
    let first = app
        .post_with("/api/v1/parties", party.clone(), &key)
        .await
        .written();
    app.stop().await;

    let app = spawn_app_in(data.path()).await;
    let retry = app
        .post_with("/api/v1/parties", party, &key)
        .await
        .written();
    assert_eq!(
        (retry.id, retry.position, retry.repeated),
        (first.id, first.position, true)
    );
    let list = app
        .get(&format!(
            "/api/v1/parties?q=initech&wait_for={}",
            retry.position
        ))
        .await;
    assert_eq!(list.body["rows"].as_array().unwrap().len(), 1);
    app.stop().await;
}

/// Protects API clients from HTML or empty error bodies: a path under
/// `/api` that no route serves is a 404 problem, a method a route does not
/// serve a 405 problem with `Allow`; other paths are left to the web side.
#[tokio::test]
async fn unknown_api_paths_and_methods_are_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/no-such-thing").await.assert_problem(404);
    let nobody = Uuid::now_v7();
    let delete = app
        .send(
            app.client
                .delete(format!("{}/api/v1/orders/{nobody}", app.base)),
        )
        .await;
    delete.assert_problem(405);
    assert_eq!(
        app.get("/api/v1/parties").await.status,
        StatusCode::OK,
        "real routes still answer"
    );
    let outside = app.get("/no/such/page").await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    assert_ne!(
        outside.content_type.as_deref(),
        Some("application/problem+json")
    );
}

/// Protects the contract both ways: every response status the OpenAPI
/// document promises for a route is produced by the scenarios above (run
/// again here, in order), so no documented answer is untested or
/// impossible.
#[test]
fn every_documented_status_is_produced_by_a_test() {
    a_whole_sale_runs_through_the_api_into_the_kpis_and_the_monthly_report();
    each_aggregate_reads_back_with_its_version_as_etag();
    a_bad_value_is_a_400_naming_its_field_path();
    unknown_aggregates_are_not_found();
    a_stale_if_match_is_a_412_with_the_current_version();
    a_broken_rule_is_a_422_with_its_rule_code();
    a_retry_with_the_same_idempotency_key_has_one_effect();
    the_party_list_searches_and_pages_with_a_cursor();
    orders_cancel_and_take_goods_back();
    every_endpoint_answers_its_documented_errors();
    the_event_feed_streams_new_events_and_resumes_after_the_last_id();
    interactions_are_logged_amended_and_withdrawn();
    a_deal_moves_through_a_pipeline_is_won_reopened_and_lost();
    tasks_are_created_listed_completed_reopened_and_cancelled();
    admin::scenarios();
    audit::scenarios();
    access::scenarios();
    crm::scenarios();
    erasure::scenarios();
    retention::scenarios();
    branches::scenarios();
    groups::scenarios();
    trade::scenarios();
    catalog::scenarios();
    fuzz::scenarios();
    purchasing::scenarios();
    production::scenarios();
    documents::scenarios();
    quotes::scenarios();
    deliveries::scenarios();

    let document = serde_json::to_value(api::http::document()).unwrap();
    let produced = PRODUCED.lock().unwrap().clone();
    let mut missing = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for status in operation["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                if !produced.contains(&(method.clone(), path.clone(), status)) {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented, never produced: {missing:#?}"
    );
}

/// Protects each endpoint's error answers beyond the main scenarios: a
/// bad value, a missing aggregate, a stale `If-Match` and a broken rule on
/// every write that can meet them.
#[tokio::test]
async fn every_endpoint_answers_its_documented_errors() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    let draft =
        json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse});
    let draft_order = app.write("/api/v1/orders", draft.clone()).await.id;
    let order = confirmed_order(&app, &shop, "2").await;
    app.settle().await;
    let due = (Utc::now() + Duration::days(30)).date_naive().to_string();
    let line = json!({"lines": [{"line": 1, "quantity": "1"}], "reason": "bent"});
    let payment = json!({"amount": "1", "currency": "EUR", "method": "cash"});
    // Path, body, headers, status, and the field (400) or rule (422).
    type Case<'a> = (String, Value, &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "/api/v1/orders".into(),
            json!({"party": "x"}),
            &[],
            400,
            "party",
        ),
        (
            "/api/v1/products".into(),
            json!({"sku": "", "name": "n", "unit": "pcs", "kind": "service", "vat_percent": "0"}),
            &[],
            400,
            "sku",
        ),
        (
            "/api/v1/price-lists".into(),
            json!({"name": "n", "currency": "EURO"}),
            &[],
            400,
            "currency",
        ),
        (
            "/api/v1/warehouses".into(),
            json!({"name": ""}),
            &[],
            400,
            "name",
        ),
        (
            format!("/api/v1/price-lists/{}/prices", shop.price_list),
            json!({"product": shop.product, "unit_price": "-1"}),
            &[],
            400,
            "unit_price",
        ),
        (
            format!("/api/v1/price-lists/{nobody}/prices"),
            json!({"product": shop.product, "unit_price": "1"}),
            &[],
            404,
            "",
        ),
        (
            format!("/api/v1/price-lists/{}/prices", shop.price_list),
            json!({"product": shop.product, "unit_price": "1"}),
            &stale,
            412,
            "",
        ),
        (
            "/api/v1/stock/receipts".into(),
            json!({"product": shop.product, "warehouse": shop.warehouse, "quantity": "1", "unit_cost": "1"}),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/orders/{draft_order}/lines"),
            json!({"product": shop.product, "quantity": "0"}),
            &[],
            400,
            "quantity",
        ),
        (
            format!("/api/v1/orders/{order}/lines"),
            json!({"product": shop.product, "quantity": "1"}),
            &[],
            422,
            "order.not_draft",
        ),
        (
            format!("/api/v1/orders/{draft_order}/confirm"),
            json!(null),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/orders/{nobody}/ship"),
            json!({}),
            &[],
            404,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/ship"),
            json!({}),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/invoice"),
            json!({"due": "soon"}),
            &[],
            400,
            "due",
        ),
        (
            format!("/api/v1/orders/{nobody}/invoice"),
            json!({"due": due}),
            &[],
            404,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/invoice"),
            json!({"due": due}),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/orders/{draft_order}/invoice"),
            json!({"due": due}),
            &[],
            422,
            "order.not_confirmed",
        ),
        (
            format!("/api/v1/orders/{order}/returns"),
            json!({"lines": [{"line": 1, "quantity": "-1"}], "reason": "bent"}),
            &[],
            400,
            "lines[0].quantity",
        ),
        (
            format!("/api/v1/orders/{nobody}/returns"),
            line.clone(),
            &[],
            404,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/returns"),
            line.clone(),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/cancel"),
            json!({"reason": ""}),
            &[],
            400,
            "reason",
        ),
        (
            format!("/api/v1/orders/{nobody}/cancel"),
            json!({"reason": "x"}),
            &[],
            404,
            "",
        ),
        (
            format!("/api/v1/orders/{order}/cancel"),
            json!({"reason": "x"}),
            &stale,
            412,
            "",
        ),
        (
            format!("/api/v1/parties/{}/payments", shop.party),
            json!({"amount": "0", "currency": "EUR", "method": "cash"}),
            &[],
            400,
            "amount",
        ),
        (
            format!("/api/v1/parties/{}/payments", shop.party),
            payment.clone(),
            &stale,
            412,
            "",
        ),
    ];
    for (path, body, headers, status, detail) in cases {
        let answer = app.post_with(&path, body, headers).await;
        answer.assert_problem(status);
        match status {
            400 => assert_eq!(answer.field(), detail, "{path}"),
            422 => assert_eq!(answer.body["rule"], detail, "{path}"),
            _ => {}
        }
    }
    // Cancelling after a shipment is refused by rule.
    app.write(&format!("/api/v1/orders/{order}/ship"), json!({}))
        .await;
    let cancel = app
        .post(
            &format!("/api/v1/orders/{order}/cancel"),
            json!({"reason": "late"}),
        )
        .await;
    cancel.assert_problem(422);
    assert_eq!(cancel.body["rule"], "order.cancel_after_shipment");
    let stock = app
        .get(&format!(
            "/api/v1/products/{}/stock?wait_for=x",
            shop.product
        ))
        .await;
    stock.assert_problem(400);
    assert_eq!(stock.field(), "wait_for");
}

/// One server-sent event as the feed sends it.
#[derive(Debug)]
struct FeedMessage {
    id: u64,
    event: String,
    data: Value,
}

impl TestApp {
    /// Opens the live feed with `headers`; records its status for the
    /// contract check.
    async fn feed(&self, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self
            .client
            .get(format!("{}/api/v1/events/stream{query}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        PRODUCED.lock().unwrap().insert((
            "get".to_owned(),
            "/api/v1/events/stream".to_owned(),
            response.status().as_u16(),
        ));
        response
    }
}

/// Reads events from a feed until one at `position_last` has arrived.
async fn read_feed_until(feed: &mut reqwest::Response, position_last: u64) -> Vec<FeedMessage> {
    let mut text = String::new();
    let mut messages: Vec<FeedMessage> = Vec::new();
    while messages
        .last()
        .is_none_or(|message| message.id < position_last)
    {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), feed.chunk())
            .await
            .expect("the feed sent nothing for 10 s")
            .unwrap()
            .expect("the feed ended");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().parse().unwrap());
                } else if let Some(value) = line.strip_prefix("event:") {
                    value.trim().clone_into(&mut event);
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim());
                }
            }
            if let Some(id) = id {
                messages.push(FeedMessage {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap(),
                });
            }
        }
    }
    messages
}

/// Protects the live feed: a client connected at the head receives what
/// is appended afterwards, with its envelope and payload; one that comes
/// back with `Last-Event-ID` gets exactly the events it missed, in order,
/// and a position that is not one is a 400.
#[tokio::test]
async fn the_event_feed_streams_new_events_and_resumes_after_the_last_id() {
    let app = spawn_app().await;
    app.company("Before").await;
    app.settle().await;
    let mut feed = app.feed("", &[]).await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(
        feed.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let head_before = app.state.log.head().position;
    let first = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Live"}),
        )
        .await;
    let received = read_feed_until(&mut feed, first.position).await;
    assert_eq!(
        received.first().unwrap().id,
        head_before + 1,
        "the feed starts after the head it was opened at"
    );
    let registered = received.last().unwrap();
    assert_eq!(registered.event, "PartyRegistered");
    assert_eq!(registered.data["position"], first.position);
    assert_eq!(registered.data["type"], "PartyRegistered");
    assert_eq!(registered.data["stream"], format!("party-{}", first.id));
    assert_eq!(registered.data["actor"]["kind"], "user");
    assert!(
        registered.data["payload"].is_object(),
        "{:#}",
        registered.data
    );
    drop(feed);

    app.company("Missed one").await;
    app.company("Missed two").await;
    app.settle().await;
    let head = app.state.log.head().position;
    let last_seen = first.position.to_string();
    let mut resumed = app.feed("", &[("last-event-id", &last_seen)]).await;
    let missed = read_feed_until(&mut resumed, head).await;
    let positions: Vec<u64> = missed.iter().map(|message| message.id).collect();
    assert_eq!(positions, ((first.position + 1)..=head).collect::<Vec<_>>());

    let by_query = app.feed(&format!("?after={}", head - 1), &[]).await;
    let mut by_query = by_query;
    let tail = read_feed_until(&mut by_query, head).await;
    assert_eq!(tail.len(), 1, "?after= resumes like Last-Event-ID");

    let bad = app.feed("", &[("last-event-id", "yesterday")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let beyond = app.feed(&format!("?after={}", head + 10), &[]).await;
    assert_eq!(beyond.status(), StatusCode::BAD_REQUEST);

    // A stopping server ends its feeds, or a graceful shutdown would wait
    // on them for as long as their clients stay.
    let mut open = app.feed("", &[]).await;
    app.state.begin_stop();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while open.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the feed outlived the stop");
}

/// The value of the first sample of `name` whose labels include all of
/// `labels`, in Prometheus' text format.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

/// Protects `/metrics`: after a few requests the latency histogram counts
/// them under their route (not their raw path), appends are timed, and
/// every read model and the processes report their lag.
#[tokio::test]
async fn metrics_count_requests_per_route_appends_and_lags() {
    let app = spawn_app().await;
    let party = app.company("Metered").await;
    for _ in 0..2 {
        app.get(&format!("/api/v1/parties/{party}")).await;
    }
    app.settle().await;
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let requests = sample(
        &text,
        "hypercrm_http_request_duration_seconds_count",
        &[
            "method=\"GET\"",
            "route=\"/api/v1/parties/{id}\"",
            "status=\"200\"",
        ],
    );
    assert!(requests.is_some_and(|count| count >= 2.0), "{text}");
    assert!(
        !text.contains(&party.to_string()),
        "a raw path became a label"
    );
    let appends = sample(
        &text,
        "hypercrm_append_duration_seconds_count",
        &["category=\"party\""],
    );
    assert!(appends.is_some_and(|count| count >= 1.0), "{text}");
    for model in projections::MODEL_NAMES {
        let label = format!("model=\"{model}\"");
        assert!(
            sample(&text, "hypercrm_projection_lag_events", &[&label]).is_some(),
            "{model}: {text}"
        );
    }
    assert!(
        sample(&text, "hypercrm_process_lag_events", &[]).is_some(),
        "{text}"
    );
}

/// Protects interactions through the API: a call logged against a party
/// (backdated) reads back with its kind's fields and its version; an
/// amendment under a stale `If-Match` is a 412, under the right one
/// changes the text; a withdrawn interaction refuses amendments (422);
/// bad input names its field, and unknown parties and interactions are
/// 404s.
#[tokio::test]
async fn interactions_are_logged_amended_and_withdrawn() {
    let app = spawn_app().await;
    let party = app.company("Callee").await;
    let yesterday = (Utc::now() - Duration::days(1)).to_rfc3339();
    let logged = app
        .post(
            &format!("/api/v1/parties/{party}/interactions"),
            json!({"kind": "call", "direction": "outbound", "duration_seconds": 90,
                   "outcome": "connected", "subject": "Intro", "body": "Went well",
                   "occurred_at": yesterday}),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{:#}", logged.body);
    let call = logged.written().id;
    let read = app.get(&format!("/api/v1/interactions/{call}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag.as_deref(), Some("\"0\""));
    assert_eq!(read.body["kind"], "call");
    assert_eq!(read.body["outcome"], "connected");
    assert_eq!(read.body["duration_seconds"], 90);
    assert_eq!(read.body["party"], party.to_string());

    let amend = format!("/api/v1/interactions/{call}/amend");
    let text = json!({"subject": "Intro call", "body": "Went very well"});
    app.post_with(&amend, text.clone(), &[("if-match", "\"7\"")])
        .await
        .assert_problem(412);
    let amended = app.post_with(&amend, text, &[("if-match", "\"0\"")]).await;
    assert_eq!(amended.status, StatusCode::OK, "{:#}", amended.body);
    assert_eq!(amended.written().version, Some(1));
    let read = app.get(&format!("/api/v1/interactions/{call}")).await;
    assert_eq!(read.body["subject"], "Intro call");

    let withdraw = format!("/api/v1/interactions/{call}/withdraw");
    app.post(&withdraw, json!({"reason": ""}))
        .await
        .assert_problem(400);
    let withdrawn = app.post(&withdraw, json!({"reason": "wrong party"})).await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{:#}", withdrawn.body);
    let again = app.post(&withdraw, json!({"reason": "twice"})).await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "interaction.withdrawn");
    let late = app.post(&amend, json!({"subject": "x", "body": "y"})).await;
    late.assert_problem(422);

    let bad = app
        .post(
            &format!("/api/v1/parties/{party}/interactions"),
            json!({"kind": "call", "direction": "outbound", "outcome": "shouted"}),
        )
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "outcome");
    let email = app
        .post(
            &format!("/api/v1/parties/{party}/interactions"),
            json!({"kind": "email", "direction": "inbound", "body": "hi"}),
        )
        .await;
    email.assert_problem(400);
    assert_eq!(email.field(), "subject");
    let nobody = Uuid::now_v7();
    app.post(
        &format!("/api/v1/parties/{nobody}/interactions"),
        json!({"kind": "note", "body": "lost"}),
    )
    .await
    .assert_problem(404);
    app.get(&format!("/api/v1/interactions/{nobody}"))
        .await
        .assert_problem(404);
    app.post(
        &format!("/api/v1/interactions/{nobody}/amend"),
        json!({"body": "x"}),
    )
    .await
    .assert_problem(404);
    app.post(
        &format!("/api/v1/interactions/{nobody}/withdraw"),
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(404);
    app.post(&amend, json!({"subject": "", "body": "x".repeat(100_000)}))
        .await
        .assert_problem(400);
}

/// Protects the pipeline and deal endpoints: a pipeline defined with
/// stages reads back with their ids; a deal opened on its first stage
/// moves (a stale `If-Match` is a 412), is won, refuses a second win
/// (422), is reopened and lost; an unknown stage names `stage` (400),
/// unknown deals, parties and pipelines are 404s, and reopening an open
/// deal breaks `deal.not_closed`.
#[tokio::test]
async fn a_deal_moves_through_a_pipeline_is_won_reopened_and_lost() {
    let app = spawn_app().await;
    let party = app.company("Prospect").await;
    let pipeline = app
        .write(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": [
                {"name": "Qualify", "probability": 10},
                {"name": "Propose", "probability": 50},
                {"name": "Negotiate", "probability": 80}]}),
        )
        .await
        .id;
    let read = app.get(&format!("/api/v1/pipelines/{pipeline}")).await;
    assert_eq!(read.status, StatusCode::OK);
    let stages: Vec<Uuid> = read.body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stage| Uuid::parse_str(stage["id"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(stages.len(), 3);
    let bad_pipeline = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Bad", "stages": [{"name": "A", "probability": 101}]}),
        )
        .await;
    bad_pipeline.assert_problem(400);
    assert_eq!(bad_pipeline.field(), "stages[0].probability");

    let open = json!({"title": "Big one", "party": party, "pipeline": pipeline,
                      "amount": "1000", "currency": "EUR"});
    let opened = app.post("/api/v1/deals", open.clone()).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:#}", opened.body);
    let deal = opened.written().id;
    let read = app.get(&format!("/api/v1/deals/{deal}")).await;
    assert_eq!(read.etag.as_deref(), Some("\"0\""));
    assert_eq!(read.body["stage"], stages[0].to_string());
    assert_eq!(read.body["probability"], 10);
    assert_eq!(dec(&read.body["amount"]), Decimal::from(1000));
    assert_eq!(read.body["status"], "open");

    let moving = format!("/api/v1/deals/{deal}/move");
    app.post_with(
        &moving,
        json!({"stage": stages[1]}),
        &[("if-match", "\"5\"")],
    )
    .await
    .assert_problem(412);
    let moved = app
        .post_with(
            &moving,
            json!({"stage": stages[1]}),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:#}", moved.body);
    let elsewhere = app.post(&moving, json!({"stage": Uuid::now_v7()})).await;
    elsewhere.assert_problem(400);
    assert_eq!(elsewhere.field(), "stage");

    let reopen = format!("/api/v1/deals/{deal}/reopen");
    let open_deal = app.post(&reopen, json!({})).await;
    open_deal.assert_problem(422);
    assert_eq!(open_deal.body["rule"], "deal.not_closed");

    let win = format!("/api/v1/deals/{deal}/win");
    let won = app
        .post(&win, json!({"amount": "1200", "reason": "best offer"}))
        .await;
    assert_eq!(won.status, StatusCode::OK, "{:#}", won.body);
    app.post(&win, json!({"amount": "-1"}))
        .await
        .assert_problem(400);
    let twice = app.post(&win, json!({})).await;
    twice.assert_problem(422);
    assert_eq!(twice.body["rule"], "deal.closed");
    let read = app.get(&format!("/api/v1/deals/{deal}")).await;
    assert_eq!(read.body["status"], "won");
    assert_eq!(dec(&read.body["amount"]), Decimal::from(1200));
    app.post(&moving, json!({"stage": stages[2]}))
        .await
        .assert_problem(422);
    let lose = format!("/api/v1/deals/{deal}/lose");
    app.post(&lose, json!({"reason": "too late"}))
        .await
        .assert_problem(422);

    let reopened = app
        .post(&reopen, json!({"stage": stages[2], "probability": 60}))
        .await;
    assert_eq!(reopened.status, StatusCode::OK, "{:#}", reopened.body);
    app.post(&reopen, json!({"stage": Uuid::now_v7()}))
        .await
        .assert_problem(400);
    app.post(&lose, json!({"reason": ""}))
        .await
        .assert_problem(400);
    let lost = app.post(&lose, json!({"reason": "budget cut"})).await;
    assert_eq!(lost.status, StatusCode::OK, "{:#}", lost.body);
    let read = app.get(&format!("/api/v1/deals/{deal}")).await;
    assert_eq!(read.body["status"], "lost");
    assert_eq!(read.body["close_reason"], "budget cut");

    let nobody = Uuid::now_v7();
    let mut no_party = open.clone();
    no_party["party"] = json!(nobody);
    app.post("/api/v1/deals", no_party)
        .await
        .assert_problem(404);
    let mut no_pipeline = open.clone();
    no_pipeline["pipeline"] = json!(nobody);
    app.post("/api/v1/deals", no_pipeline)
        .await
        .assert_problem(404);
    let mut bad_currency = open;
    bad_currency["currency"] = json!("EURO");
    app.post("/api/v1/deals", bad_currency)
        .await
        .assert_problem(400);
    app.get(&format!("/api/v1/pipelines/{nobody}"))
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/deals/{nobody}"))
        .await
        .assert_problem(404);
    let bodies = [
        ("move", json!({"stage": stages[0]})),
        ("win", json!({})),
        ("lose", json!({"reason": "x"})),
        ("reopen", json!({})),
    ];
    for (action, body) in bodies {
        app.post(&format!("/api/v1/deals/{nobody}/{action}"), body)
            .await
            .assert_problem(404);
    }
}

/// Protects the task endpoints: a task created for a user about a party
/// is in that user's open list (soonest due first) and among the overdue
/// ones once past due; completing takes it off the list, reopening brings
/// it back; a stale `If-Match` is a 412, rescheduling or cancelling a
/// completed task breaks `task.completed` (422), a reminder after the due
/// time names `remind_at`, and unknown tasks are 404s.
#[tokio::test]
async fn tasks_are_created_listed_completed_reopened_and_cancelled() {
    let app = spawn_app().await;
    let party = app.company("Follow-up").await;
    let user = Uuid::now_v7();
    let past = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let later = (Utc::now() + Duration::days(2)).to_rfc3339();
    let overdue = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Call back", "assignee": user, "due": past, "party": party,
                   "priority": "high"}),
        )
        .await;
    let upcoming = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Send offer", "assignee": user, "due": later}),
        )
        .await;
    let list = app
        .get(&format!(
            "/api/v1/tasks?assignee={user}&wait_for={}",
            upcoming.position
        ))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:#}", list.body);
    let titles: Vec<&str> = list.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Call back", "Send offer"]);
    assert_eq!(list.body["rows"][0]["party"], party.to_string());
    let late = app
        .get(&format!("/api/v1/tasks?assignee={user}&overdue=true"))
        .await;
    assert_eq!(late.body["rows"].as_array().unwrap().len(), 1);
    app.get("/api/v1/tasks?limit=0").await.assert_problem(400);

    let task = overdue.id;
    let read = app.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag.as_deref(), Some("\"0\""));
    assert_eq!(read.body["priority"], "high");
    assert_eq!(read.body["status"], "open");

    let reschedule = format!("/api/v1/tasks/{task}/reschedule");
    app.post(&reschedule, json!({"due": past, "remind_at": later}))
        .await
        .assert_problem(400);
    app.post_with(&reschedule, json!({"due": later}), &[("if-match", "\"3\"")])
        .await
        .assert_problem(412);
    let moved = app
        .post_with(&reschedule, json!({"due": later}), &[("if-match", "\"0\"")])
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:#}", moved.body);

    let completed = app
        .post(&format!("/api/v1/tasks/{task}/complete"), json!({}))
        .await;
    assert_eq!(completed.status, StatusCode::OK, "{:#}", completed.body);
    let list = app
        .get(&format!(
            "/api/v1/tasks?assignee={user}&wait_for={}",
            completed.written().position
        ))
        .await;
    assert_eq!(list.body["rows"].as_array().unwrap().len(), 1);
    let cancel = format!("/api/v1/tasks/{task}/cancel");
    let refused = app.post(&cancel, json!({"reason": "no need"})).await;
    refused.assert_problem(422);
    assert_eq!(refused.body["rule"], "task.completed");
    app.post(&reschedule, json!({"due": later}))
        .await
        .assert_problem(422);
    let reopened = app
        .post(&format!("/api/v1/tasks/{task}/reopen"), json!({}))
        .await;
    assert_eq!(reopened.status, StatusCode::OK, "{:#}", reopened.body);
    let cancelled = app.post(&cancel, json!({"reason": "no need"})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    let read = app.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(read.body["status"], "cancelled");
    app.post(&format!("/api/v1/tasks/{task}/complete"), json!({}))
        .await
        .assert_problem(422);

    let bad = app
        .post("/api/v1/tasks", json!({"title": "x", "priority": "asap"}))
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "priority");
    let nobody = Uuid::now_v7();
    app.get(&format!("/api/v1/tasks/{nobody}"))
        .await
        .assert_problem(404);
    for (action, body) in [
        ("complete", json!({})),
        ("reopen", json!({})),
        ("reschedule", json!({})),
        ("cancel", json!({})),
    ] {
        app.post(&format!("/api/v1/tasks/{nobody}/{action}"), body)
            .await
            .assert_problem(404);
    }
    for action in ["complete", "reopen", "cancel"] {
        app.post_with(
            &format!("/api/v1/tasks/{task}/{action}"),
            json!({}),
            &[("if-match", "\"0\"")],
        )
        .await
        .assert_problem(412);
    }
    app.post(&cancel, json!({"reason": "x".repeat(201)}))
        .await
        .assert_problem(400);
    app.post(&format!("/api/v1/tasks/{task}/complete"), json!({"x": 1}))
        .await
        .assert_problem(400);
    app.post(&format!("/api/v1/tasks/{task}/reopen"), json!({"x": 1}))
        .await
        .assert_problem(400);
}

/// Protects the two times of the sales report: `known_at` answers from
/// the events recorded by that moment (an order confirmed later is not
/// counted, and the answer names the position it includes), and `as_of`
/// cuts the range at the end of a business day.
#[tokio::test]
async fn the_sales_report_answers_as_known_at_a_moment_and_as_of_a_day() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    confirmed_order(&app, &shop, "2").await;
    app.settle().await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    confirmed_order(&app, &shop, "3").await;
    app.settle().await;

    let today = Utc::now().date_naive();
    let month_start = today.with_day(1).unwrap();
    let report = |extra: String| {
        format!(
            "/api/v1/reports/sales?from={month_start}&to={today}&group_by=whole&currency=EUR{extra}"
        )
    };
    let now = app.get(&report(String::new())).await;
    assert_eq!(now.body["rows"][0]["orders"], 2, "{:#}", now.body);
    assert!(now.body.get("known_position").is_none());

    let known_at = between.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let then = app.get(&report(format!("&known_at={known_at}"))).await;
    assert_eq!(then.status, StatusCode::OK, "{:#}", then.body);
    assert_eq!(then.body["rows"][0]["orders"], 1, "{:#}", then.body);
    let known_position = then.body["known_position"].as_u64().unwrap();
    assert!(known_position < app.state.log.head().position);
    let event = app.state.log.read_event(known_position).unwrap().unwrap();
    assert!(event.recorded_at <= between);

    let as_of_today = app.get(&report(format!("&as_of={today}"))).await;
    assert_eq!(as_of_today.body["rows"], now.body["rows"]);
    let before = month_start - Duration::days(1);
    let as_of_before = app.get(&report(format!("&as_of={before}"))).await;
    assert_eq!(as_of_before.status, StatusCode::OK);
    assert_eq!(as_of_before.body["rows"], json!([]));
    app.get(&report("&known_at=yesterday".to_owned()))
        .await
        .assert_problem(400);
}

/// Protects the reports' branch filter over HTTP: sales of one branch
/// hold its orders only, a branch that sold nothing answers no rows, and
/// the stock value of a branch counts its warehouses only.
#[tokio::test]
async fn reports_filtered_by_a_branch_hold_that_branch_only() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (north, south) = (Uuid::now_v7(), Uuid::now_v7());
    for (branch, quantity) in [(north, "2"), (south, "3"), (south, "1")] {
        confirmed_order_in(&app, &shop, quantity, Some(branch)).await;
    }
    let store = app
        .write(
            "/api/v1/warehouses",
            json!({"name": "North store", "branch": north}),
        )
        .await
        .id;
    app.write(
        "/api/v1/stock/receipts",
        json!({"product": shop.product, "warehouse": store, "quantity": "4", "unit_cost": "3"}),
    )
    .await;
    app.settle().await;

    let today = Utc::now().date_naive();
    let month_start = today.with_day(1).unwrap();
    let app = &app;
    let sales = |branch: String| async move {
        let response = app
            .get(&format!(
                "/api/v1/reports/sales?from={month_start}&to={today}&group_by=whole&currency=EUR{branch}"
            ))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
        response.body["rows"].clone()
    };
    let company = sales(String::new()).await;
    assert_eq!(company[0]["orders"], 3, "{company:#}");
    let of_north = sales(format!("&branch={north}")).await;
    assert_eq!(of_north[0]["orders"], 1, "{of_north:#}");
    assert_eq!(dec(&of_north[0]["order_net"]), Decimal::from(10));
    let of_south = sales(format!("&branch={south}")).await;
    assert_eq!(of_south[0]["orders"], 2, "{of_south:#}");
    assert_eq!(dec(&of_south[0]["order_net"]), Decimal::from(20));
    assert_eq!(
        sales(format!("&branch={}", Uuid::now_v7())).await,
        json!([])
    );

    let value = |branch: String| async move {
        app.get(&format!("/api/v1/reports/stock-value?{branch}"))
            .await
            .body
    };
    let all = value(String::new()).await;
    assert_eq!(all["rows"].as_array().unwrap().len(), 2, "{all:#}");
    let north_value = value(format!("branch={north}")).await;
    assert_eq!(
        north_value["rows"][0]["name"], "North store",
        "{north_value:#}"
    );
    assert_eq!(dec(&north_value["total"]), Decimal::from(12));
    let south_value = value(format!("branch={south}")).await;
    assert_eq!(south_value["rows"], json!([]));
}
