//! Erasing a person's data (issue 15, part 2) through the real server: a
//! customer with an order, an invoice and a timeline is erased; their
//! figures stay in every report, their name and channels leave every
//! output (the party, lists and search, the timeline, the audit export, a
//! model rebuilt from scratch, a backup restored after the erasure), and
//! the hash chain verifies as before.

use super::*;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    an_erased_customer_keeps_their_figures_and_loses_their_name_everywhere();
    a_lead_without_a_party_is_erased_on_its_own();
}

const FIRST: &str = "Anastasia";
const LAST: &str = "Volkova-Erasable";
const EMAIL: &str = "anastasia.volkova@example.org";
const NOTE: &str = "Prefers calls after five";

/// Whether `text` still holds anything personal of the customer.
fn personal_in(text: &str) -> Option<&'static str> {
    [LAST, EMAIL, NOTE]
        .into_iter()
        .find(|needle| text.contains(needle))
}

/// Every file under `folder`, with its bytes.
fn files_under(folder: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            found.push((path, bytes));
        }
    }
    found
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Protects the right to erasure end to end (issue 15's test): figures
/// stay, the person goes from every output, the chain is intact; only an
/// administrator may erase, a repeat changes nothing, and bad requests are
/// refused before anything is written.
#[tokio::test]
async fn an_erased_customer_keeps_their_figures_and_loses_their_name_everywhere() {
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_in(data.path()).await;
    let shop = open_shop(&app).await;
    let person = app
        .write(
            "/api/v1/parties",
            json!({"kind": "person", "first_name": FIRST, "last_name": LAST}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/parties/{person}/channels"),
        json!({"kind": "email", "value": EMAIL}),
    )
    .await;
    app.write(
        &format!("/api/v1/parties/{person}/interactions"),
        json!({"kind": "note", "body": NOTE}),
    )
    .await;
    let lead = app
        .write(
            "/api/v1/leads",
            json!({"title": format!("{LAST} wants bolts"), "contact_name": format!("{FIRST} {LAST}"),
                   "email": EMAIL, "party": person}),
        )
        .await
        .id;
    let customer = Shop {
        party: person,
        product: shop.product,
        price_list: shop.price_list,
        warehouse: shop.warehouse,
    };
    let order = confirmed_order(&app, &customer, "2").await;
    let due = (Utc::now() + Duration::days(14)).date_naive();
    for (step, body) in [("ship", json!({})), ("invoice", json!({"due": due}))] {
        let done = app
            .post(&format!("/api/v1/orders/{order}/{step}"), body)
            .await;
        assert_eq!(done.status, StatusCode::OK, "{step}: {:#}", done.body);
    }
    app.settle().await;
    let today = Utc::now().date_naive();
    let month_start = today.with_day(1).unwrap();
    let figures = [
        format!("/api/v1/kpis?day={today}"),
        format!(
            "/api/v1/reports/sales?from={month_start}&to={today}&group_by=month&dimension=product&currency=EUR"
        ),
        format!("/api/v1/orders/{order}"),
    ];
    let mut before = Vec::new();
    for path in &figures {
        let answer = app.get(path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        before.push(answer.body);
    }
    let party_path = format!("/api/v1/parties/{person}");
    assert_eq!(
        app.get(&party_path).await.body["display_name"],
        format!("{FIRST} {LAST}")
    );
    // A restart leaves snapshots of the models, names and all, on disk:
    // the erasure must not leave them there.
    app.stop().await;
    let app = spawn_app_in(data.path()).await;
    app.settle().await;
    // The subject access export: everything held about the person.
    let export_path = format!("/api/v1/parties/{person}/export");
    let export = app.get(&export_path).await;
    assert_eq!(export.status, StatusCode::OK, "{:#}", export.body);
    assert_eq!(export.body["format"], "hypercrm-subject-access/1");
    assert_eq!(export.body["erased"], false);
    let text = export.body.to_string();
    for needle in [LAST, EMAIL, NOTE] {
        assert!(text.contains(needle), "the export holds {needle}");
    }
    let types: Vec<&str> = export.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    for expected in [
        "PartyRegistered",
        "ChannelAdded",
        "InteractionLogged",
        "LeadCaptured",
        "OrderDrafted",
        "OrderConfirmed",
        "InvoiceIssued",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    assert!(!text.contains("Acme"), "nothing about another party");
    app.get(&format!("/api/v1/parties/{}/export", Uuid::now_v7()))
        .await
        .assert_problem(404);
    let verified_before = app.get("/api/v1/audit/verify").await.body;
    assert_eq!(verified_before["intact"], true);

    // Only an administrator erases; bad requests change nothing.
    let sam = super::access::register(&app, "sam", &["sales_manager"], None).await;
    let token = super::access::token_of(&app, sam, &[domain::access::Role::SalesManager]).await;
    let (status, _) = super::access::as_user(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/parties/{person}/erase"),
        Some(json!({"reason": "request"})),
    )
    .await;
    assert_eq!(status, 403);
    app.post(
        &format!("/api/v1/parties/{person}/erase"),
        json!({"reason": "because"}),
    )
    .await
    .assert_problem(400);
    app.post(
        &format!("/api/v1/parties/{}/erase", Uuid::now_v7()),
        json!({"reason": "request"}),
    )
    .await
    .assert_problem(404);
    app.post_with(
        &format!("/api/v1/parties/{person}/erase"),
        json!({"reason": "request"}),
        &[("if-match", "\"99\"")],
    )
    .await
    .assert_problem(412);
    assert_eq!(app.get(&party_path).await.body["erased"], false);

    let erased = app
        .post(
            &format!("/api/v1/parties/{person}/erase"),
            json!({"reason": "request"}),
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{:#}", erased.body);
    let head = app.state.log.head().position;
    let again = app
        .post(
            &format!("/api/v1/parties/{person}/erase"),
            json!({"reason": "request"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        app.state.log.head().position,
        head,
        "a repeat writes nothing"
    );
    app.settle().await;

    // Figures stay.
    for (path, earlier) in figures.iter().zip(&before) {
        assert_eq!(&app.get(path).await.body, earlier, "{path}");
    }
    // The person goes, from every output.
    let party = app.get(&party_path).await;
    assert_eq!(party.body["erased"], true);
    assert_eq!(party.body["display_name"], "");
    assert_eq!(party.body["channels"][0]["kind"], "email");
    assert_eq!(party.body["channels"][0]["value"], "");
    for path in [
        party_path.clone(),
        format!("/api/v1/parties/{person}/timeline"),
        format!("/api/v1/leads/{lead}"),
        "/api/v1/parties?limit=200".to_owned(),
        format!("/api/v1/parties?q={LAST}"),
        "/api/v1/audit/events?limit=500".to_owned(),
    ] {
        let answer = app.get(&path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(personal_in(&answer.body.to_string()), None, "{path}");
    }
    let export = app.get(&export_path).await;
    assert_eq!(export.body["erased"], true);
    assert_eq!(
        personal_in(&export.body.to_string()),
        None,
        "the export after"
    );
    assert!(
        export.body.to_string().contains("OrderConfirmed"),
        "figures stay"
    );
    let searched = app.get(&format!("/api/v1/parties?q={LAST}")).await;
    assert_eq!(searched.body["rows"].as_array().map(Vec::len), Some(0));
    let export = app
        .client
        .get(format!("{}/api/v1/audit/export?format=jsonl", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains("PartyErased"), "the erasure is on record");
    assert_eq!(personal_in(&export), None, "the audit export");
    let verified = app.get("/api/v1/audit/verify").await.body;
    assert_eq!(verified["intact"], true);

    // A model rebuilt from scratch, from the log and its keys.
    let log = app.state.log.clone();
    let rebuilt = tokio::task::spawn_blocking(move || {
        let head = log.head().position;
        projections::fold_all::<projections::models::customers::Customers>(&log, head)
            .unwrap()
            .0
    })
    .await
    .unwrap();
    let row = rebuilt
        .get(domain::ids::PartyId::from_uuid(person))
        .unwrap();
    assert!(row.erased && row.display_name.is_empty() && row.channels[0].value.is_empty());

    // A backup made after the erasure, restored.
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("after.hcbak");
    app::backup::backup_online(&app.base, &app.token, 0, &file)
        .await
        .unwrap();
    let restored_folder = files.path().join("restored");
    app::backup::restore(std::slice::from_ref(&file), &restored_folder).unwrap();
    for (path, bytes) in files_under(files.path()) {
        for needle in [LAST, EMAIL, NOTE] {
            assert!(!holds(&bytes, needle), "{} holds {needle}", path.display());
        }
    }
    app.stop().await;
    // The data folder: the log, the keys, and the snapshots the stop wrote.
    for (path, bytes) in files_under(data.path()) {
        for needle in [LAST, EMAIL, NOTE] {
            assert!(!holds(&bytes, needle), "{} holds {needle}", path.display());
        }
    }
    let restored = spawn_app_in(&restored_folder).await;
    restored.settle().await;
    let party = restored.get(&party_path).await;
    assert_eq!(party.body["erased"], true);
    assert_eq!(personal_in(&party.body.to_string()), None);
    restored.stop().await;
}

/// Protects erasing a lead that names no party (a contact from a fair,
/// say): administrators only, refused before anything is written when
/// asked badly; afterwards the lead keeps its owner and status but no
/// name, email or phone, in the lead, the board and the audit trail.
#[tokio::test]
async fn a_lead_without_a_party_is_erased_on_its_own() {
    let app = spawn_app().await;
    let lead = app
        .write(
            "/api/v1/leads",
            json!({"title": format!("Fair contact {LAST}"), "contact_name": format!("{FIRST} {LAST}"),
                   "email": EMAIL, "phone": "+7 912 555 01 02"}),
        )
        .await
        .id;
    let path = format!("/api/v1/leads/{lead}/erase");
    let sam = super::access::register(&app, "sam", &["sales_manager"], None).await;
    let token = super::access::token_of(&app, sam, &[domain::access::Role::SalesManager]).await;
    let (status, _) = super::access::as_user(
        &app,
        &token,
        reqwest::Method::POST,
        &path,
        Some(json!({"reason": "retention"})),
    )
    .await;
    assert_eq!(status, 403);
    app.post(&path, json!({"reason": "someday"}))
        .await
        .assert_problem(400);
    app.post(
        &format!("/api/v1/leads/{}/erase", Uuid::now_v7()),
        json!({"reason": "retention"}),
    )
    .await
    .assert_problem(404);
    app.post_with(
        &path,
        json!({"reason": "retention"}),
        &[("if-match", "\"99\"")],
    )
    .await
    .assert_problem(412);
    let before = app.get(&format!("/api/v1/leads/{lead}")).await;
    assert!(before.body.to_string().contains(LAST));

    let erased = app.post(&path, json!({"reason": "retention"})).await;
    assert_eq!(erased.status, StatusCode::OK, "{:#}", erased.body);
    app.settle().await;
    let after = app.get(&format!("/api/v1/leads/{lead}")).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(
        personal_in(&after.body.to_string()),
        None,
        "{:#}",
        after.body
    );
    assert_eq!(after.body["owner"], before.body["owner"]);
    let trail = app
        .get("/api/v1/audit/events?category=lead&limit=500")
        .await;
    assert!(trail.body.to_string().contains("LeadErased"));
    assert_eq!(personal_in(&trail.body.to_string()), None);
    app.post(
        &format!("/api/v1/leads/{lead}/disqualify"),
        json!({"reason": "no budget"}),
    )
    .await
    .assert_problem(422);
}
