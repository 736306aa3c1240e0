//! A small company written through the JSON API of a running server, for
//! the chores that need real data behind the ids they use: `fuzz-api`
//! (schemathesis then reaches existing aggregates, not only 404s) and
//! `upgrade-fixture` (a data folder of one format, read by the next).
//!
//! Over HTTP on purpose: `upgrade-fixture` runs an older `hypercrm` binary,
//! whose library is not the one this crate links.

use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};

/// A request that takes longer is a failed seeding.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the seeding waits for the processes and read models.
const SETTLE_WAIT_MAX: Duration = Duration::from_secs(60);

/// A blocking JSON client of one server.
#[derive(Debug)]
pub struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client of the server at `base` that sends `headers` (name,
    /// value) with every request, e.g. the `Authorization` the API asks.
    pub fn new(base: &str, headers: &[(&str, &str)]) -> anyhow::Result<Client> {
        let mut defaults = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            defaults.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes())?,
                reqwest::header::HeaderValue::from_str(value)?,
            );
        }
        Ok(Client {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .default_headers(defaults)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// A write that must succeed; gives the answer's body.
    pub fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send(path, request)
    }

    /// A read that must succeed; gives the answer's body.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(path, self.http.get(format!("{}{path}", self.base)))
    }

    /// The id in a write's answer.
    pub fn create(&self, path: &str, body: Value) -> anyhow::Result<String> {
        let answer = self.post(path, body)?;
        answer["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{path} answered no id: {answer}"))
    }

    fn send(&self, path: &str, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        self.runtime.block_on(async {
            let response = request
                .send()
                .await
                .with_context(|| format!("failed to send {path}"))?;
            let status = response.status();
            let text = response.text().await?;
            if !status.is_success() {
                bail!("{path} answered {status}: {text}");
            }
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// Waits until the processes and read models caught up (`/readyz`).
    pub fn settle(&self) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        while started.elapsed() < SETTLE_WAIT_MAX {
            let ready = self.runtime.block_on(async {
                self.http
                    .get(format!("{}/readyz", self.base))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success())
            });
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "the server did not catch up in {} s",
            SETTLE_WAIT_MAX.as_secs()
        )
    }
}

/// The ids of what [`company`] wrote.
#[derive(Debug)]
pub struct Seeded {
    /// A company customer with an email and a phone.
    pub customer: String,
    /// A person working for the customer.
    pub contact: String,
    pub product: String,
    pub price_list: String,
    pub warehouse: String,
    /// Confirmed, shipped, invoiced and paid: closed.
    pub order: String,
    /// A draft with one line.
    pub draft: String,
    pub task: String,
    pub interaction: String,
    /// A sales pipeline of three stages.
    pub pipeline: String,
    /// The pipeline's stages, in order.
    pub stages: Vec<String>,
    /// An open deal with the customer in the pipeline's first stage.
    pub deal: String,
    pub lead: String,
    /// A meeting about the deal, tomorrow.
    pub calendar_entry: String,
}

/// Writes a small trading company: a customer with its contact and
/// channels, a product priced on a list, stock received into a
/// warehouse, one order carried through to payment and one left in
/// draft, a task, a logged call, a pipeline with a deal, a lead and a
/// meeting.
pub fn company(client: &Client) -> anyhow::Result<Seeded> {
    let customer = client.create(
        "/api/v1/parties",
        json!({"kind": "company", "name": "Acme Trading", "source": "fair"}),
    )?;
    for channel in [
        json!({"kind": "email", "value": "orders@acme.example", "label": "orders"}),
        json!({"kind": "work_phone", "value": "+49 30 1234567"}),
    ] {
        client.post(&format!("/api/v1/parties/{customer}/channels"), channel)?;
    }
    client.post(
        &format!("/api/v1/parties/{customer}/tag"),
        json!({"tag": "wholesale"}),
    )?;
    let contact = client.create(
        "/api/v1/parties",
        json!({"kind": "person", "first_name": "Ivan", "last_name": "Petrov",
               "company": customer, "job_title": "Buyer"}),
    )?;
    client.post(
        &format!("/api/v1/parties/{contact}/channels"),
        json!({"kind": "email", "value": "ivan@acme.example"}),
    )?;

    let product = client.create(
        "/api/v1/products",
        json!({"sku": "BOLT-1", "name": "Bolt", "unit": "pcs", "kind": "stock_tracked",
               "vat_percent": "20", "category": "Hardware"}),
    )?;
    let price_list = client.create(
        "/api/v1/price-lists",
        json!({"name": "Retail", "currency": "EUR"}),
    )?;
    client.post(
        &format!("/api/v1/price-lists/{price_list}/prices"),
        json!({"product": product, "unit_price": "5"}),
    )?;
    let warehouse = client.create("/api/v1/warehouses", json!({"name": "Main"}))?;
    client.post(
        "/api/v1/stock/receipts",
        json!({"product": product, "warehouse": warehouse, "quantity": "100", "unit_cost": "2"}),
    )?;

    let order = draft_order(client, &customer, &price_list, &warehouse, &product, "4")?;
    client.post(&format!("/api/v1/orders/{order}/confirm"), json!({}))?;
    client.settle()?;
    client.post(&format!("/api/v1/orders/{order}/ship"), json!({}))?;
    let due = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    client.post(
        &format!("/api/v1/orders/{order}/invoice"),
        json!({"due": due}),
    )?;
    client.settle()?;
    // 4 × 5.00 net and 20 % VAT: the invoice's gross.
    client.post(
        &format!("/api/v1/parties/{customer}/payments"),
        json!({"amount": "24", "currency": "EUR", "method": "bank_transfer"}),
    )?;
    let draft = draft_order(client, &customer, &price_list, &warehouse, &product, "2")?;

    let task = client.create(
        "/api/v1/tasks",
        json!({"title": "Call about the next order", "party": customer, "priority": "high"}),
    )?;
    let interaction = client.create(
        &format!("/api/v1/parties/{contact}/interactions"),
        json!({"kind": "call", "direction": "outbound", "outcome": "connected",
               "duration_seconds": 240, "body": "Wants a quote for 500 bolts"}),
    )?;
    let pipeline = client.create(
        "/api/v1/pipelines",
        json!({"name": "Wholesale", "stages": [
            {"name": "Qualified", "probability": 20},
            {"name": "Quoted", "probability": 50},
            {"name": "Negotiation", "probability": 80}]}),
    )?;
    let stages: Vec<String> = client.get(&format!("/api/v1/pipelines/{pipeline}"))?["stages"]
        .as_array()
        .map(|stages| {
            stages
                .iter()
                .filter_map(|stage| stage["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ensure!(
        stages.len() == 3,
        "the pipeline reads back with {} stages",
        stages.len()
    );
    let deal = client.create(
        "/api/v1/deals",
        json!({"title": "500 bolts", "party": customer, "pipeline": pipeline,
               "amount": "2500", "currency": "EUR"}),
    )?;
    let lead = client.create(
        "/api/v1/leads",
        json!({"title": "Fasteners for a new plant", "company_name": "Nordbau",
               "email": "buying@nordbau.example", "source": "website"}),
    )?;
    let starts_at = chrono::Utc::now() + chrono::Duration::days(1);
    let calendar_entry = client.create(
        "/api/v1/calendar-entries",
        json!({"title": "Quote review", "starts_at": starts_at,
               "ends_at": starts_at + chrono::Duration::hours(1),
               "attendees": [uuid::Uuid::now_v7()], "deal": deal}),
    )?;
    client.settle()?;
    Ok(Seeded {
        customer,
        contact,
        product,
        price_list,
        warehouse,
        order,
        draft,
        task,
        interaction,
        pipeline,
        stages,
        deal,
        lead,
        calendar_entry,
    })
}

fn draft_order(
    client: &Client,
    party: &str,
    price_list: &str,
    warehouse: &str,
    product: &str,
    quantity: &str,
) -> anyhow::Result<String> {
    let order = client.create(
        "/api/v1/orders",
        json!({"party": party, "price_list": price_list, "warehouse": warehouse}),
    )?;
    client.post(
        &format!("/api/v1/orders/{order}/lines"),
        json!({"product": product, "quantity": quantity}),
    )?;
    Ok(order)
}
