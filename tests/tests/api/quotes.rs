//! Quotes through the real server: a quote priced for its customer,
//! revised when the price list changed, sent (the deal's amount follows)
//! and accepted (the order is made at the quoted prices although the list
//! changed again, and the deal is won); a declined quote loses its deal;
//! the funnel counts what converted; a revision printed as a PDF that
//! poppler reads, with a copy of the same record; every refusal answers
//! as documented, and a sales manager reaches only own customers' quotes.

use super::access::{as_user, register, token_of};
use super::documents::{header, pdf_text, set_requisites, sha256sum};
use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_quote_is_revised_sent_accepted_and_becomes_the_order_at_its_prices();
    a_declined_quote_loses_its_deal_and_is_closed();
    a_quote_revision_prints_once_and_its_copies_from_the_record();
    quotes_refuse_bad_requests_and_out_of_reach_records();
}

/// A pipeline of two stages and a deal of 1,000 EUR for `party`; answers
/// the deal.
async fn deal_for(app: &TestApp, party: Uuid) -> (Uuid, Uuid) {
    let pipeline = app
        .write(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": [
                {"name": "Qualify", "probability": 10},
                {"name": "Propose", "probability": 50}]}),
        )
        .await
        .id;
    let deal = app
        .write(
            "/api/v1/deals",
            json!({"title": "Bolts for Acme", "party": party, "pipeline": pipeline,
                   "amount": "1000", "currency": "EUR"}),
        )
        .await
        .id;
    (pipeline, deal)
}

async fn set_price(app: &TestApp, shop: &Shop, price: &str) {
    app.write(
        &format!("/api/v1/price-lists/{}/prices", shop.price_list),
        json!({"product": shop.product, "unit_price": price}),
    )
    .await;
}

fn valid_until(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

/// Drafts a quote of `units` bolts at 10 % off for the shop's customer.
async fn draft(app: &TestApp, shop: &Shop, deal: Option<Uuid>, units: &str) -> Uuid {
    let answer = app
        .post(
            "/api/v1/quotes",
            json!({"party": shop.party, "price_list": shop.price_list,
                   "warehouse": shop.warehouse, "deal": deal,
                   "lines": [{"product": shop.product, "quantity": units,
                              "discount_percent": "10"}],
                   "valid_until": valid_until(14),
                   "terms": "Delivery within 5 working days.\n\nPayment 14 days net."}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:#}", answer.body);
    answer.written().id
}

/// Reads the quote until the processes have done what `done` waits for.
async fn quote_when(app: &TestApp, quote: Uuid, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        app.settle().await;
        let read = app.get(&format!("/api/v1/quotes/{quote}")).await;
        assert_eq!(read.status, StatusCode::OK, "{:#}", read.body);
        if done(&read.body) {
            return read.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the quote never got there");
}

/// Protects the quote's promise: priced for the customer when each
/// revision is made, the deal's amount following the quote sent, and an
/// accepted quote becoming a confirmed order with the quote's lines and
/// prices (not the list's of the day) that wins the deal; the funnel
/// counts it as converted.
#[tokio::test]
async fn a_quote_is_revised_sent_accepted_and_becomes_the_order_at_its_prices() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (pipeline, deal) = deal_for(&app, shop.party).await;
    let quote = draft(&app, &shop, Some(deal), "3").await;
    let read = quote_when(&app, quote, |quote| quote["number"].is_string()).await;
    assert!(
        read["number"].as_str().unwrap().starts_with("QT-"),
        "{read:#}"
    );
    assert_eq!(read["status"], "draft");
    let first = &read["revisions"][0];
    assert_eq!(dec(&first["lines"][0]["unit_price"]), dec(&json!("4.5")));
    assert_eq!(dec(&first["net"]), dec(&json!("13.50")));

    // The list's price rose: the next revision is priced at it.
    set_price(&app, &shop, "6").await;
    let revised = app
        .post(
            &format!("/api/v1/quotes/{quote}/revise"),
            json!({"lines": [{"product": shop.product, "quantity": "4", "discount_percent": "10"}],
                   "valid_until": valid_until(7)}),
        )
        .await;
    assert_eq!(revised.status, StatusCode::OK, "{:#}", revised.body);
    let sent = app
        .post_with(
            &format!("/api/v1/quotes/{quote}/send"),
            json!({}),
            &[(
                "if-match",
                &format!("\"{}\"", revised.written().version.unwrap()),
            )],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:#}", sent.body);
    app.settle().await;
    let read = app.get(&format!("/api/v1/quotes/{quote}")).await.body;
    assert_eq!(read["status"], "sent");
    assert_eq!(read["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(dec(&read["revisions"][1]["net"]), dec(&json!("21.60")));
    assert!(read["revisions"][1]["sent_at"].is_string());
    assert!(
        read["revisions"][0]["sent_at"].is_null(),
        "v1 was never sent"
    );
    let deal_read = app.get(&format!("/api/v1/deals/{deal}")).await.body;
    assert_eq!(dec(&deal_read["amount"]), dec(&json!("21.60")));

    // The list changes again; the customer accepts what was offered.
    set_price(&app, &shop, "7").await;
    let accepted = app
        .post(&format!("/api/v1/quotes/{quote}/accept"), json!({}))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:#}", accepted.body);
    let read = quote_when(&app, quote, |quote| quote["order"].is_string()).await;
    assert_eq!(read["status"], "accepted");
    let order = read["order"].as_str().unwrap();
    let mut confirmed = Value::Null;
    for _ in 0..200 {
        app.settle().await;
        confirmed = app.get(&format!("/api/v1/orders/{order}")).await.body;
        if confirmed["status"] == "confirmed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(confirmed["status"], "confirmed", "{confirmed:#}");
    let line = &confirmed["lines"][0];
    assert_eq!(dec(&line["quantity"]), Decimal::from(4));
    assert_eq!(dec(&line["unit_price"]), dec(&json!("5.4")));
    let deal_read = app.get(&format!("/api/v1/deals/{deal}")).await.body;
    assert_eq!(deal_read["status"], "won", "{deal_read:#}");

    // Closed now: neither accepted again nor revised.
    let again = app
        .post(&format!("/api/v1/quotes/{quote}/accept"), json!({}))
        .await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "quote.closed");
    let listed = app
        .get(&format!(
            "/api/v1/quotes?party={}&status=accepted",
            shop.party
        ))
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["rows"][0]["id"], quote.to_string());
    assert_eq!(listed.body["rows"][0]["order"], order);
    let by_number = app
        .get(&format!(
            "/api/v1/quotes?number={}",
            read["number"].as_str().unwrap().to_lowercase()
        ))
        .await;
    assert_eq!(by_number.body["rows"].as_array().unwrap().len(), 1);

    let today = Utc::now().date_naive();
    let funnel = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&from={today}&to={today}&group_by=whole"
        ))
        .await;
    assert_eq!(funnel.status, StatusCode::OK, "{:#}", funnel.body);
    let quotes = &funnel.body["rows"][0]["quotes"];
    assert_eq!(quotes["sent"], 1, "{quotes:#}");
    assert_eq!(quotes["accepted"], 1);
    assert_eq!(quotes["conversion_percent"], 100);
    assert_eq!(quotes["value"][0]["currency"], "EUR");
    assert_eq!(dec(&quotes["value"][0]["accepted"]), dec(&json!("21.60")));
}

/// Protects the decline: the reason kept, the deal lost with it, the
/// quote closed; and the funnel counting a sent quote not accepted.
#[tokio::test]
async fn a_declined_quote_loses_its_deal_and_is_closed() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (pipeline, deal) = deal_for(&app, shop.party).await;
    let quote = draft(&app, &shop, Some(deal), "2").await;
    app.write(&format!("/api/v1/quotes/{quote}/send"), json!({}))
        .await;
    let declined = app
        .post(
            &format!("/api/v1/quotes/{quote}/decline"),
            json!({"reason": "bought elsewhere"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{:#}", declined.body);
    let mut deal_read = Value::Null;
    for _ in 0..200 {
        app.settle().await;
        deal_read = app.get(&format!("/api/v1/deals/{deal}")).await.body;
        if deal_read["status"] == "lost" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(deal_read["status"], "lost", "{deal_read:#}");
    assert_eq!(deal_read["close_reason"], "bought elsewhere");
    let read = app.get(&format!("/api/v1/quotes/{quote}")).await.body;
    assert_eq!(read["status"], "declined");
    assert_eq!(read["decline_reason"], "bought elsewhere");
    let revise = app
        .post(
            &format!("/api/v1/quotes/{quote}/revise"),
            json!({"lines": [{"product": shop.product, "quantity": "1"}],
                   "valid_until": valid_until(3)}),
        )
        .await;
    revise.assert_problem(422);
    assert_eq!(revise.body["rule"], "quote.closed");
    let today = Utc::now().date_naive();
    let funnel = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&from={today}&to={today}&group_by=whole"
        ))
        .await;
    let quotes = &funnel.body["rows"][0]["quotes"];
    assert_eq!(
        (&quotes["sent"], &quotes["declined"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(quotes["conversion_percent"], 0);
}

/// Protects printing a quote: the original of the latest revision read
/// by poppler (number with its revision, customer, line, total, terms),
/// its hash recorded, a second issue refused, a copy laid out from the
/// record after the product was renamed.
#[tokio::test]
async fn a_quote_revision_prints_once_and_its_copies_from_the_record() {
    let app = spawn_app().await;
    set_requisites(&app).await;
    let shop = open_shop(&app).await;
    let quote = draft(&app, &shop, None, "3").await;
    app.write(
        &format!("/api/v1/quotes/{quote}/revise"),
        json!({"lines": [{"product": shop.product, "quantity": "5"}],
               "valid_until": valid_until(10), "terms": "Prices firm for ten days."}),
    )
    .await;
    let read = quote_when(&app, quote, |quote| quote["number"].is_string()).await;
    let number = read["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/quotes/{quote}/documents");
    let original = app.post(&path, json!({"language": "en"})).await;
    assert_eq!(original.status, StatusCode::CREATED, "{:#}", original.body);
    assert_eq!(original.content_type.as_deref(), Some("application/pdf"));
    let sha256 = header(&original, "x-document-sha256");
    assert_eq!(sha256, sha256sum(&original.raw));
    let text = pdf_text(&original.raw);
    for expected in [
        "Quote",
        &format!("{number} v2"),
        "Acme",
        "Hyper Trading Ltd",
        "Bolt",
        "25.00",
        "Prices firm for ten days.",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let location = header(&original, "location");
    let document = read["revisions"][1]["document"].as_str().unwrap();
    assert!(location.ends_with(document), "{location} names {document}");
    app.post(&path, json!({"language": "en"}))
        .await
        .assert_problem(422);

    app.write(
        &format!("/api/v1/products/{}/rename", shop.product),
        json!({"name": "Hex bolt"}),
    )
    .await;
    let copy = app
        .get(&format!("/api/v1/quotes/{quote}/documents/{document}"))
        .await;
    assert_eq!(copy.status, StatusCode::OK);
    assert_eq!(header(&copy, "x-document-sha256"), sha256);
    let text = pdf_text(&copy.raw);
    assert!(
        text.contains("Bolt") && !text.contains("Hex bolt"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("copy"), "{text}");
    // The first revision was never printed; another quote's document is
    // not this quote's.
    let never = read["revisions"][0]["document"].as_str().unwrap();
    app.get(&format!("/api/v1/quotes/{quote}/documents/{never}"))
        .await
        .assert_problem(404);
    let other = draft(&app, &shop, None, "1").await;
    app.get(&format!("/api/v1/quotes/{other}/documents/{document}"))
        .await
        .assert_problem(404);
}

/// Protects the refusals: bad values by field, a missing quote, a stale
/// `If-Match`, each broken rule by name; and a sales manager reaching
/// only own customers' quotes (another's answer as missing ones).
#[tokio::test]
async fn quotes_refuse_bad_requests_and_out_of_reach_records() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let nobody = Uuid::now_v7();
    let base = json!({"party": shop.party, "price_list": shop.price_list,
                      "warehouse": shop.warehouse,
                      "lines": [{"product": shop.product, "quantity": "0"}],
                      "valid_until": valid_until(3)});
    let bad = app.post("/api/v1/quotes", base.clone()).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "lines[0].quantity");
    let mut past = base.clone();
    past["lines"][0]["quantity"] = json!("1");
    past["valid_until"] = json!(valid_until(-1));
    let past = app.post("/api/v1/quotes", past).await;
    past.assert_problem(400);
    assert_eq!(past.field(), "valid_until");
    let mut empty = base.clone();
    empty["lines"] = json!([]);
    let empty = app.post("/api/v1/quotes", empty).await;
    empty.assert_problem(422);
    assert_eq!(empty.body["rule"], "quote.no_lines");
    let mut unlisted = base.clone();
    unlisted["lines"][0]["quantity"] = json!("1");
    unlisted["party"] = json!(nobody);
    app.post("/api/v1/quotes", unlisted)
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/quotes/{nobody}"))
        .await
        .assert_problem(404);
    app.get("/api/v1/quotes?status=won")
        .await
        .assert_problem(400);
    app.get(&format!("/api/v1/quotes/{}", fuzz::MALFORMED_ID))
        .await
        .assert_problem(400);
    for action in ["send", "accept"] {
        app.post(&format!("/api/v1/quotes/{nobody}/{action}"), json!({}))
            .await
            .assert_problem(404);
    }
    app.post(
        &format!("/api/v1/quotes/{nobody}/decline"),
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(404);
    app.post(
        &format!("/api/v1/quotes/{nobody}/revise"),
        json!({"lines": [{"product": shop.product, "quantity": "1"}],
               "valid_until": valid_until(3)}),
    )
    .await
    .assert_problem(404);
    app.post(
        &format!("/api/v1/quotes/{nobody}/documents"),
        json!({"language": "en"}),
    )
    .await
    .assert_problem(404);
    app.get(&format!("/api/v1/quotes/{nobody}/documents/{nobody}"))
        .await
        .assert_problem(404);

    let quote = draft(&app, &shop, None, "1").await;
    let not_sent = app
        .post(&format!("/api/v1/quotes/{quote}/accept"), json!({}))
        .await;
    not_sent.assert_problem(422);
    assert_eq!(not_sent.body["rule"], "quote.not_sent");
    let unset = app
        .post(
            &format!("/api/v1/quotes/{quote}/documents"),
            json!({"language": "en"}),
        )
        .await;
    unset.assert_problem(422);
    assert_eq!(unset.body["rule"], "document.no_requisites");
    app.post(
        &format!("/api/v1/quotes/{quote}/documents"),
        json!({"language": "xx"}),
    )
    .await
    .assert_problem(400);
    let stale = [("if-match", "\"99\"")];
    for (action, body) in [
        ("send", json!({})),
        ("accept", json!({})),
        ("decline", json!({"reason": "x"})),
        (
            "revise",
            json!({"lines": [{"product": shop.product, "quantity": "1"}],
                   "valid_until": valid_until(3)}),
        ),
    ] {
        app.post_with(&format!("/api/v1/quotes/{quote}/{action}"), body, &stale)
            .await
            .assert_problem(412);
    }
    app.post(
        &format!("/api/v1/quotes/{quote}/decline"),
        json!({"reason": ""}),
    )
    .await
    .assert_problem(400);
    for action in ["send", "accept"] {
        let unknown = app
            .post(
                &format!("/api/v1/quotes/{quote}/{action}"),
                json!({"stage": "x"}),
            )
            .await;
        unknown.assert_problem(400);
    }
    app.write(
        &format!("/api/v1/quotes/{quote}/decline"),
        json!({"reason": "no"}),
    )
    .await;
    let closed = app
        .post(&format!("/api/v1/quotes/{quote}/send"), json!({}))
        .await;
    closed.assert_problem(422);
    // Declined stays declined; a sent quote declined twice changes nothing,
    // but an accepted one cannot be declined.
    let sold = draft(&app, &shop, None, "1").await;
    app.write(&format!("/api/v1/quotes/{sold}/send"), json!({}))
        .await;
    app.write(&format!("/api/v1/quotes/{sold}/accept"), json!({}))
        .await;
    let late = app
        .post(
            &format!("/api/v1/quotes/{sold}/decline"),
            json!({"reason": "late"}),
        )
        .await;
    late.assert_problem(422);
    assert_eq!(late.body["rule"], "quote.closed");

    // Sam, a sales manager, reaches only quotes of Sam's own customers.
    let sam = register(&app, "sam", &["sales_manager"], None).await;
    let token = token_of(&app, sam, &[Role::SalesManager]).await;
    let own = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Sams Own Ltd", "owner": sam}),
        )
        .await
        .id;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let (status, body) = as_user(
        &app,
        &token,
        post.clone(),
        "/api/v1/quotes",
        Some(json!({"party": own, "price_list": shop.price_list,
                    "warehouse": shop.warehouse,
                    "lines": [{"product": shop.product, "quantity": "2"}],
                    "valid_until": valid_until(3)})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let sams: Value = serde_json::from_str(&body).unwrap();
    let sams = sams["id"].as_str().unwrap().to_owned();
    app.settle().await;
    let (status, body) = as_user(&app, &token, get.clone(), "/api/v1/quotes", None).await;
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = listed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sams.as_str()], "only Sam's own customer's quote");
    let (status, _) = as_user(&app, &token, get, &format!("/api/v1/quotes/{quote}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = as_user(
        &app,
        &token,
        post.clone(),
        &format!("/api/v1/quotes/{quote}/send"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = as_user(
        &app,
        &token,
        post,
        "/api/v1/quotes",
        Some(json!({"party": shop.party, "price_list": shop.price_list,
                    "warehouse": shop.warehouse,
                    "lines": [{"product": shop.product, "quantity": "2"}],
                    "valid_until": valid_until(3)})),
    )
    .await;
    assert_eq!(status, 404, "another's customer is out of reach");
}
