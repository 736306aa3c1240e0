//! The audit trail page in the browser: one entity's history, the actor
//! filter, "Verify now", a bad filter kept next to its field, the page in
//! Arabic, and the export link; and the verification form over plain
//! HTTP.

use super::*;

use eventlog::{ReadFilter, StreamName};

/// The first order of the demo company and its event types, oldest first,
/// read from the log itself.
fn first_order(log: &EventLog) -> (StreamName, Vec<String>) {
    let filter = ReadFilter::category("order").unwrap();
    let first = log.read_all(1, 1, &filter).unwrap();
    let stream = first.events[0].stream.clone();
    let types = log
        .read_stream(&stream, 0, 1_000)
        .unwrap()
        .into_iter()
        .map(|event| event.event_type)
        .collect();
    (stream, types)
}

/// The positions of the log's first `limit` events by `process`.
fn events_by(log: &EventLog, process: &str, limit: usize) -> Vec<String> {
    let mut positions = Vec::new();
    let mut next = 1;
    loop {
        let page = log.read_all(next, 1_000, &ReadFilter::all()).unwrap();
        positions.extend(
            page.events
                .iter()
                .filter(
                    |event| matches!(&event.actor, Actor::System { process: by } if by == process),
                )
                .map(|event| event.position.to_string()),
        );
        if page.reached_head || positions.len() >= limit {
            positions.truncate(limit);
            return positions;
        }
        next = page.next_position;
    }
}

/// The texts of every element matching `css`, in page order.
async fn texts_of(client: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in client.find_all(Locator::Css(css)).await.unwrap() {
        texts.push(element.text().await.unwrap());
    }
    texts
}

/// An attribute (`attr`) or, for a property such as a field's value,
/// a property (`prop`) of the element matching `css`.
async fn attr_of(client: &Client, css: &str, attr: &str) -> Option<String> {
    let element = client.find(Locator::Css(css)).await.unwrap();
    if attr == "value" {
        element.prop(attr).await.unwrap()
    } else {
        element.attr(attr).await.unwrap()
    }
}

/// Types `text` into the field matching `css`, replacing what it held.
async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// An order's history, asked by its stream name in the form, lists its
/// events in the order the log holds them, each linking the entity to the
/// order page and to the report as known after it; the CSV export link
/// downloads the same events. It protects the entity filter from the form
/// through the API's trail query to the table, and that the export
/// carries the page's filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orders_history_shows_by_entity_with_its_event_types_in_order() {
    let app = spawn_app().await;
    let (stream, types) = first_order(&app.state.log);
    assert!(types.len() >= 2, "the demo's first order has a history");
    assert!(types.len() <= 50, "one page holds it");
    let base = app.base.clone();
    in_browser(&app, "audit_entity", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        type_into(&client, "#audit-entity", stream.as_str()).await;
        click(&client, "#audit-submit").await;
        wait_for(&client, "#trail-table").await;
        assert_eq!(texts_of(&client, "#trail-table .event-type").await, types);
        let entities = texts_of(&client, "#trail-table .event-entity").await;
        assert!(entities.iter().all(|entity| entity == stream.as_str()));
        assert_eq!(
            attr_of(&client, "#trail-table a.event-entity", "href").await,
            Some(format!("/orders/{}", stream.id()))
        );
        let known_at = attr_of(&client, "#trail-table .event-known-at", "href")
            .await
            .unwrap();
        assert!(known_at.starts_with("/reports?known_at="), "{known_at}");

        let csv_href = attr_of(&client, "#audit-csv", "href").await.unwrap();
        assert!(csv_href.starts_with("/api/v1/audit/export?format=csv&"));
        let response = get(format!("{base}{csv_href}")).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].starts_with("position,"), "{}", lines[0]);
        assert_eq!(lines.len() - 1, types.len(), "one CSV row per event shown");
        assert!(lines[1..].iter().all(|line| line.contains(stream.as_str())));
    })
    .await;
}

/// The whole trail pages on by 50, and filtering by the actor
/// `system:process-manager` shows what the process managers did and
/// nothing else, oldest first: it protects the page cursor and the actor
/// filter of the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtering_by_a_process_shows_only_that_processs_events() {
    let app = spawn_app().await;
    let expected = events_by(&app.state.log, "process-manager", 50);
    assert!(
        !expected.is_empty(),
        "the process managers acted on the demo"
    );
    let base = app.base.clone();
    in_browser(&app, "audit_actor", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        // The last row of the first page is there before the rows are
        // read (the table is long).
        wait_for(&client, "#event-50").await;
        let everyone = texts_of(&client, "#trail-table .event-actor").await;
        assert!(
            everyone
                .iter()
                .any(|actor| actor != "system:process-manager"),
            "unfiltered, the page shows other actors"
        );
        // Unfiltered, a page holds 50 events and the next one goes on
        // from the 51st.
        assert_eq!(everyone.len(), 50);
        click(&client, "#audit-next").await;
        wait_for(&client, "#event-51").await;
        assert_eq!(
            attr_of(&client, "#trail-table tbody tr", "data-position")
                .await
                .as_deref(),
            Some("51")
        );
        type_into(&client, "#audit-actor", "system:process-manager").await;
        click(&client, "#audit-submit").await;
        wait_for(&client, "#trail").await;
        let url = client.current_url().await.unwrap();
        assert!(
            url.as_str().contains("actor=system%3Aprocess-manager"),
            "{url}"
        );
        let actors = texts_of(&client, "#trail-table .event-actor").await;
        let positions = client
            .execute(
                "return [...document.querySelectorAll('#trail-table tbody tr')]\
                 .map(row => row.dataset.position);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(positions, json!(expected));
        assert!(
            actors.iter().all(|actor| actor == "system:process-manager"),
            "{actors:?}"
        );
        assert_eq!(
            attr_of(&client, "#audit-actor", "value").await.as_deref(),
            Some("system:process-manager")
        );
    })
    .await;
}

/// "Verify now" walks the chain and the panel then says it is intact and
/// up to which position: it protects the button through the API's own
/// verification to the panel that shows the last one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_now_shows_an_intact_chain_with_its_head() {
    let app = spawn_app().await;
    let head = format::integer(
        Lang::En,
        i64::try_from(app.state.log.head().position).unwrap(),
    );
    let base = app.base.clone();
    in_browser(&app, "audit_verify", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        wait_for(&client, "#verification-never").await;
        click(&client, "#verify-now").await;
        let status = text_of(&client, "#verification-status").await;
        assert!(status.starts_with("Intact"), "{status}");
        assert_eq!(text_of(&client, "#verification-head").await, head);
        assert_eq!(
            client.current_url().await.unwrap().path(),
            "/audit",
            "back on the audit page"
        );
    })
    .await;
}

/// An actor that is neither a user id nor `system:<process>` is named
/// next to its field, and every field keeps what was typed: it protects
/// the promise that forms never lose input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_actor_is_shown_next_to_its_field_and_the_typing_is_kept() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "audit_bad_actor", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        type_into(&client, "#audit-actor", "bob").await;
        type_into(&client, "#audit-event-type", "OrderConfirmed").await;
        click(&client, "#audit-submit").await;
        let error = text_of(&client, "#audit-actor-error").await;
        assert!(error.contains("system:"), "{error}");
        for (css, attr, expected) in [
            ("#audit-actor", "aria-invalid", "true"),
            ("#audit-actor", "value", "bob"),
            ("#audit-event-type", "value", "OrderConfirmed"),
        ] {
            assert_eq!(
                attr_of(&client, css, attr).await.as_deref(),
                Some(expected),
                "{css} {attr}"
            );
        }
        assert!(
            client.find(Locator::Css("#trail")).await.is_err(),
            "no events for a refused filter"
        );
    })
    .await;
}

/// The audit page in Arabic is right to left with its Arabic title: it
/// protects the catalogue wiring of the new page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "audit_arabic", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "h1").await, "سجل التدقيق");
        assert_eq!(text_of(&client, "#verify-now").await, "تحقّق الآن");
        assert_eq!(client.current_url().await.unwrap().path(), "/audit");
    })
    .await;
}

/// `POST /audit/verify` answers 303 See Other back to the audit page, and
/// the API then reports the verification it ran: it protects the form's
/// redirect (no re-post on reload) and that both share one record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verify_form_redirects_to_the_audit_page() {
    let app = spawn_app().await;
    let client = client_no_redirects(&app.base);
    let before = client
        .get(format!("{}/api/v1/audit/verification", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 404, "nothing verified yet");
    let response = client
        .post(format!("{}/audit/verify", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok()),
        Some("/audit")
    );
    let after: serde_json::Value = client
        .get(format!("{}/api/v1/audit/verification", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["intact"], json!(true));
    assert_eq!(after["head_position"], json!(app.state.log.head().position));
}

/// The auditor's receipt round trip in the browser: from the audit page to
/// the receipts page, which names this installation's key; a receipt
/// downloaded there checks out against the log, and the same receipt
/// altered after signing is refused as such, the pasted text kept. It
/// protects the page's wiring to `app::receipts` and that a forged
/// receipt is never reported as matching.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downloaded_receipt_checks_out_and_an_altered_one_is_refused() {
    let app = spawn_app().await;
    let key = app.state.signer().public_key_hex();
    let download = get(format!("{}/audit/receipts/new", app.base))
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"receipt-"),
        "{disposition}"
    );
    let receipt = download.text().await.unwrap();
    let altered = receipt.replacen("\"position\": ", "\"position\": 1", 1);
    assert_ne!(altered, receipt);
    let base = app.base.clone();
    in_browser(&app, "audit_receipts", move |client| async move {
        client.goto(&format!("{base}/audit")).await.unwrap();
        click(&client, "#receipts-link").await;
        assert_eq!(text_of(&client, "#public-key").await, key);
        let paste = |text: String| {
            let client = client.clone();
            async move {
                client
                    .execute(
                        "document.getElementById('check-receipt').value = arguments[0];",
                        vec![serde_json::Value::String(text)],
                    )
                    .await
                    .unwrap();
                click(&client, "#check-submit").await;
            }
        };
        paste(receipt).await;
        wait_for(&client, r#"#check-result[data-finding="matches"]"#).await;
        let summary = text_of(&client, "#check-summary").await;
        assert!(summary.starts_with("The log holds exactly"), "{summary}");
        paste(altered.clone()).await;
        wait_for(&client, r#"#check-result[data-finding="refused"]"#).await;
        let summary = text_of(&client, "#check-summary").await;
        assert!(summary.contains("signature does not verify"), "{summary}");
        assert_eq!(
            attr_of(&client, "#check-receipt", "value").await.as_deref(),
            Some(altered.as_str()),
            "the pasted receipt is kept"
        );
    })
    .await;
}
