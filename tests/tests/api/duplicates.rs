//! Possible duplicates and the merge with a preview, through the real
//! server's pages: customers sharing an email or a name are listed; the
//! merge keeps the ticked channels and tags of the duplicate on the
//! survivor and redirects the duplicate; another manager's customer
//! cannot be merged into, answering as missing and writing nothing.

use super::access::{PASSWORD, register, session_client};
use super::*;

async fn company(app: &TestApp, name: &str, owner: Option<Uuid>) -> Uuid {
    app.write(
        "/api/v1/parties",
        json!({"kind": "company", "name": name, "owner": owner}),
    )
    .await
    .id
}

/// Protects the duplicates list and the merge's promise: what was ticked
/// is kept, the rest of the survivor is its own, the duplicate leads to
/// the survivor.
#[tokio::test]
async fn duplicates_are_listed_and_merged_keeping_what_was_ticked() {
    let app = spawn_app().await;
    let acme = company(&app, "Acme Ltd.", None).await;
    let acme_too = company(&app, "ACME", None).await;
    app.write(
        &format!("/api/v1/parties/{acme_too}/channels"),
        json!({"kind": "email", "value": "buyer@acme.example"}),
    )
    .await;
    app.write(
        &format!("/api/v1/parties/{acme_too}/channels"),
        json!({"kind": "work_phone", "value": "+44 20 7946 0000"}),
    )
    .await;
    app.write(
        &format!("/api/v1/parties/{acme_too}/tag"),
        json!({"tag": "wholesale"}),
    )
    .await;
    for name in ["Blue Ocean", "Deep Water"] {
        let party = company(&app, name, None).await;
        app.write(
            &format!("/api/v1/parties/{party}/channels"),
            json!({"kind": "email", "value": "Sales@Sea.example"}),
        )
        .await;
    }
    app.settle().await;
    let (admin, csrf) = session_client(&app, "admin", ADMIN_PASSWORD).await;
    let page = admin
        .get(format!("{}/customers/duplicates", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Same name"), "{page}");
    assert!(
        page.contains("Same email"),
        "emails compare as normalized: {page}"
    );
    assert!(page.contains(&format!("/customers/{acme_too}/merge?into={acme}")));

    let preview = admin
        .get(format!(
            "{}/customers/{acme_too}/merge?into={acme}",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("buyer@acme.example"), "{preview}");
    assert!(preview.contains("value=\"tag:wholesale\""));

    // Keep the email and the tag, not the phone.
    let merged = admin
        .post(format!("{}/customers/{acme_too}/merge", app.base))
        .header("origin", &app.base)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("command", &Uuid::now_v7().to_string()),
            ("into", &acme.to_string()),
            ("keep", "email:buyer@acme.example"),
            ("keep", "tag:wholesale"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(merged.status().as_u16(), 303);
    app.settle().await;
    let survivor = app.get(&format!("/api/v1/parties/{acme}")).await;
    let channels = survivor.body["channels"].to_string();
    assert!(
        channels.contains("buyer@acme.example"),
        "{:#}",
        survivor.body
    );
    assert!(!channels.contains("7946"), "the phone was not ticked");
    assert_eq!(survivor.body["tags"], json!(["wholesale"]));
    assert_eq!(
        survivor.body["display_name"], "Acme Ltd.",
        "the survivor's own name"
    );
    let duplicate = app.get(&format!("/api/v1/parties/{acme_too}")).await;
    assert_eq!(
        duplicate.body["merged_into"],
        json!(acme),
        "{:#}",
        duplicate.body
    );
}

/// Protects the reach of a merge: a manager cannot merge their customer
/// into another manager's (nor see the preview); the page answers as for
/// a missing customer and nothing is written.
#[tokio::test]
async fn a_merge_into_another_managers_customer_answers_as_missing() {
    let app = spawn_app().await;
    let ann = register(&app, "ann-merge", &["sales_manager"], None).await;
    let ben = register(&app, "ben-merge", &["sales_manager"], None).await;
    let anns = company(&app, "Shared Name", Some(ann)).await;
    let bens = company(&app, "Shared Name", Some(ben)).await;
    app.settle().await;
    let (ann_client, csrf) = session_client(&app, "ann-merge", PASSWORD).await;
    let list = ann_client
        .get(format!("{}/customers/duplicates", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains(&bens.to_string()),
        "another's customer is not listed"
    );
    let preview = ann_client
        .get(format!("{}/customers/{anns}/merge?into={bens}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status().as_u16(), 404);
    let head = app.state.log.head().position;
    let merged = ann_client
        .post(format!("{}/customers/{anns}/merge", app.base))
        .header("origin", &app.base)
        .form(&[("csrf_token", csrf.as_str()), ("into", &bens.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(merged.status().as_u16(), 404);
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}
