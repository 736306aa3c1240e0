//! The auditor's view of the trail over HTTP: filters by entity, module,
//! type, actor and time; pages; CSV and JSON Lines exports; verification
//! of the hash chain, also of a store altered on disk.

use super::*;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    the_trail_is_filtered_paged_and_exported();
    verification_reports_an_intact_chain_and_the_last_result();
    verification_names_a_record_altered_on_disk();
    receipts_are_signed_and_checked_against_the_log();
}

fn rows(answer: &Answer) -> Vec<Value> {
    answer.body["rows"].as_array().unwrap().clone()
}

/// Protects what an auditor asks most: one entity's history with its
/// whole envelope and chained hashes, a module's events of one type, one
/// actor's actions, a time window, pages that continue without gaps or
/// repeats, exports with the same rows, and clear 400s for bad filters.
#[tokio::test]
async fn the_trail_is_filtered_paged_and_exported() {
    let app = spawn_app().await;
    let started = Utc::now();
    // The first start's events (the administrator and the test's token)
    // come before the window.
    let before = app.state.log.head().position;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "2").await;
    app.settle().await;
    let head = app.state.log.head().position;

    let history = app
        .get(&format!("/api/v1/audit/events?stream=order-{order}"))
        .await;
    assert_eq!(history.status, StatusCode::OK, "{:#}", history.body);
    let history_rows = rows(&history);
    let types: Vec<&str> = history_rows
        .iter()
        .map(|row| row["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types[..3],
        ["OrderDrafted", "OrderLineAdded", "OrderConfirmed"]
    );
    for (version, row) in history_rows.iter().enumerate() {
        assert_eq!(row["version"], version as u64);
        assert_eq!(row["hash"].as_str().unwrap().len(), 64);
        assert!(row["event_id"].is_string() && row["correlation_id"].is_string());
        assert!(row["payload"].is_object(), "{row}");
    }
    assert!(history.body["next_cursor"].is_null());

    let confirmed = app
        .get("/api/v1/audit/events?category=order&event_type=OrderConfirmed")
        .await;
    assert_eq!(rows(&confirmed).len(), 1);

    let by_processes = app
        .get("/api/v1/audit/events?actor=system:process-manager&limit=500")
        .await;
    let administrator = domain::access::Login::parse("login", api::auth::FIRST_ADMINISTRATOR)
        .unwrap()
        .user_id();
    let by_api = app
        .get(&format!(
            "/api/v1/audit/events?actor={administrator}&limit=500"
        ))
        .await;
    let by_setup = app
        .get("/api/v1/audit/events?actor=system:setup&limit=500")
        .await;
    assert!(!rows(&by_processes).is_empty() && !rows(&by_api).is_empty());
    assert_eq!(
        rows(&by_processes).len() + rows(&by_api).len() + rows(&by_setup).len(),
        head as usize,
        "every event is the signed-in user's, a process's or the first start's"
    );
    assert!(
        rows(&by_api)
            .iter()
            .all(|row| row["actor"]["user_id"] == administrator.to_string()
                && row["actor"]["token_id"].is_string()),
        "API writes name the user and the token"
    );
    let setup_rows = rows(&by_setup);
    let secrets: Vec<&Value> = setup_rows
        .iter()
        .filter_map(|row| {
            let payload = &row["payload"];
            payload
                .get("password_hash")
                .or_else(|| payload.get("secret_sha256"))
        })
        .collect();
    assert_eq!(secrets.len(), 2, "the registration and the token");
    assert!(secrets.iter().all(|secret| *secret == "[redacted]"));
    assert!(
        rows(&by_processes)
            .iter()
            .all(|row| row["actor"]["process"] == "process-manager")
    );

    // A window in recorded time: nothing before the test began, nothing
    // at or after a moment in the future.
    let window = app
        .get(&format!(
            "/api/v1/audit/events?from={}&to={}&limit=500",
            started.to_rfc3339().replace('+', "%2B"),
            (Utc::now() + Duration::hours(1))
                .to_rfc3339()
                .replace('+', "%2B")
        ))
        .await;
    assert_eq!(rows(&window).len(), (head - before) as usize);
    let future = app
        .get(&format!(
            "/api/v1/audit/events?from={}",
            (Utc::now() + Duration::hours(1))
                .to_rfc3339()
                .replace('+', "%2B")
        ))
        .await;
    assert!(rows(&future).is_empty());
    let occurred = app
        .get("/api/v1/audit/events?time=occurred&to=2000-01-01T00:00:00Z")
        .await;
    assert!(rows(&occurred).is_empty());

    // Pages of two follow each other without gaps or repeats.
    let mut positions = Vec::new();
    let mut path = "/api/v1/audit/events?limit=2".to_owned();
    loop {
        let page = app.get(&path).await;
        positions.extend(
            rows(&page)
                .iter()
                .map(|row| row["position"].as_u64().unwrap()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/audit/events?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());

    for (query, field) in [
        ("stream=Order%20X", "stream"),
        ("actor=bob", "actor"),
        ("category=no-such-thing", "category"),
        ("cursor=zz", "cursor"),
        ("limit=0", "limit"),
        ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
    ] {
        let answer = app.get(&format!("/api/v1/audit/events?{query}")).await;
        answer.assert_problem(400);
        assert_eq!(answer.field(), field, "{query}");
    }
    app.get("/api/v1/audit/export?format=xml")
        .await
        .assert_problem(400);

    // Exports hold the same events as the trail.
    assert_eq!(
        app.get("/api/v1/audit/export?format=csv").await.status,
        StatusCode::OK
    );
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/audit/export?format=csv&category=order",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        csv.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = csv.text().await.unwrap();
    let order_events = rows(
        &app.get("/api/v1/audit/events?category=order&limit=500")
            .await,
    );
    assert!(csv.starts_with("position,recorded_at,occurred_at,stream,version,event_type"));
    assert_eq!(csv.lines().count(), order_events.len() + 1);
    let jsonl = app
        .client
        .get(format!(
            "{}/api/v1/audit/export?format=jsonl&category=order",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(exported, order_events);
}

/// Protects the auditor's check of the whole chain: before any run there
/// is no result (404); a run reports the log intact with its head and
/// hash, and is then the last verification.
#[tokio::test]
async fn verification_reports_an_intact_chain_and_the_last_result() {
    let app = spawn_app().await;
    open_shop(&app).await;
    app.settle().await;
    app.get("/api/v1/audit/verification")
        .await
        .assert_problem(404);
    let verified = app.get("/api/v1/audit/verify").await;
    assert_eq!(verified.status, StatusCode::OK);
    let head = app.state.log.head();
    assert_eq!(verified.body["intact"], true);
    assert_eq!(verified.body["records_checked"], head.position);
    assert_eq!(verified.body["head_hash"], eventlog::hash_hex(&head.hash));
    let last = app.get("/api/v1/audit/verification").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.body, verified.body);
}

/// Protects tamper evidence through the API: a record whose stored hash
/// was rewritten on disk (with its chunk's checksum forged, so every read
/// still works) is named by its position, and the server goes on serving.
#[tokio::test]
async fn verification_names_a_record_altered_on_disk() {
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_in(data.path()).await;
    open_shop(&app).await;
    app.settle().await;
    app.stop().await;

    // The third record: change the last byte of its stored hash.
    let store = data.path().join("eventlog");
    let altered = {
        let chunk = eventlog::sled_store::read_stored_chunk(&store, 3)
            .unwrap()
            .unwrap();
        let (first, value) = (chunk.first_position, &chunk.bytes[..]);
        let mut bytes = value.to_vec();
        let view = eventlog::codec::ChunkView::parse(value, first, true).unwrap();
        let record = view.record((3 - first) as usize).unwrap();
        let end = record.as_ptr() as usize - value.as_ptr() as usize + record.len();
        bytes[end - 1] ^= 0x01;
        let body = bytes.len() - 4;
        let crc = crc32c::crc32c(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
        eventlog::sled_store::overwrite_stored_chunk(&store, first, &bytes).unwrap();
        3
    };

    let app = spawn_app_in(data.path()).await;
    let verified = app.get("/api/v1/audit/verify").await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["intact"], false, "{:#}", verified.body);
    assert_eq!(verified.body["first_bad_position"], altered);
    assert!(verified.body["head_hash"].is_null());
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    app.stop().await;
}

/// A log of `notes` events in `directory`, for receipts of another log.
fn foreign_log(directory: &std::path::Path, notes: usize) -> EventLog {
    let log = EventLog::open(directory, Options::default()).unwrap();
    for index in 0..notes {
        log.append_blocking(
            &eventlog::StreamName::parse(format!("note-{index}")).unwrap(),
            eventlog::ExpectedVersion::NoStream,
            vec![eventlog::NewEvent::new(Uuid::now_v7(), "Noted", vec![7])],
            eventlog::AppendMeta::new(eventlog::Actor::system("test"), Uuid::now_v7()),
        )
        .unwrap();
    }
    log
}

/// Protects the auditor's anchor outside the server: the key is named,
/// a receipt signed now checks out against the log; a receipt altered
/// after signing is refused with its rule, a non-receipt is a 400; a
/// receipt of another log signed by another key is reported as differing
/// at its first record, with the foreign key pointed out; a role without `audit.read` reaches none of
/// it.
#[tokio::test]
async fn receipts_are_signed_and_checked_against_the_log() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    confirmed_order(&app, &shop, "1").await;
    app.settle().await;

    let key = app.get("/api/v1/audit/signing-key").await;
    assert_eq!(key.status, StatusCode::OK);
    assert_eq!(key.body["algorithm"], "ed25519");
    let public_key = key.body["public_key"].as_str().unwrap().to_owned();
    assert_eq!(public_key.len(), 64);

    let issued = app.get("/api/v1/audit/receipt").await;
    assert_eq!(issued.status, StatusCode::OK, "{:#}", issued.body);
    let receipt = issued.body.clone();
    let head = app.state.log.head().position;
    assert_eq!(receipt["position"], head);
    assert_eq!(receipt["public_key"], public_key.as_str());
    assert_eq!(
        receipt["anchors"].as_array().unwrap().len() as u64,
        head,
        "a short log is anchored at every position"
    );

    // More events after the receipt: it still matches up to its position.
    confirmed_order(&app, &shop, "1").await;
    let checked = app
        .post("/api/v1/audit/receipt/check", receipt.clone())
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{:#}", checked.body);
    assert_eq!(checked.body["finding"], "matches");
    assert_eq!(checked.body["signed_by_this_installation"], true);
    assert!(checked.body["head_position"].as_u64().unwrap() > head);

    let mut altered = receipt.clone();
    altered["signed_at"] = json!("2020-01-01T00:00:00Z");
    let refused = app.post("/api/v1/audit/receipt/check", altered).await;
    refused.assert_problem(422);
    assert_eq!(refused.body["rule"], "receipt.bad_signature");
    app.post("/api/v1/audit/receipt/check", json!({"format": "x"}))
        .await
        .assert_problem(400);
    let mut unknown_format = receipt.clone();
    unknown_format["format"] = json!("hypercrm-receipt/0");
    let unknown = app
        .post("/api/v1/audit/receipt/check", unknown_format)
        .await;
    unknown.assert_problem(400);
    assert_eq!(unknown.field(), "receipt");

    let elsewhere = tempfile::tempdir().unwrap();
    let longer = app.state.log.head().position + 5;
    let stranger = app::receipts::ReceiptSigner::from_secret(&[3u8; 32]);
    let (folder, signer) = (elsewhere.path().join("log"), stranger.clone());
    let foreign = tokio::task::spawn_blocking(move || {
        let other = foreign_log(&folder, longer as usize);
        signer.issue(&other, Utc::now()).unwrap().to_json()
    })
    .await
    .unwrap();
    let foreign: Value = serde_json::from_str(&foreign).unwrap();
    let checked = app
        .post("/api/v1/audit/receipt/check", foreign.clone())
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{:#}", checked.body);
    assert_eq!(checked.body["finding"], "differs");
    assert_eq!(checked.body["differs_after"], 0);
    assert_eq!(checked.body["differs_at"], 1);
    assert_eq!(checked.body["signed_by_this_installation"], false);
    assert_eq!(
        checked.body["public_key"],
        stranger.public_key_hex().as_str()
    );

    let sam = super::access::register(&app, "sam", &["sales_manager"], None).await;
    let token = super::access::token_of(&app, sam, &[domain::access::Role::SalesManager]).await;
    for (method, path, body) in [
        (reqwest::Method::GET, "/api/v1/audit/signing-key", None),
        (reqwest::Method::GET, "/api/v1/audit/receipt", None),
        (
            reqwest::Method::POST,
            "/api/v1/audit/receipt/check",
            Some(receipt.clone()),
        ),
    ] {
        let (status, body) = super::access::as_user(&app, &token, method, path, body).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
}
