//! Finding 4: `Idempotency-Key` was shared across users: another user's
//! write with the same key was silently dropped and answered with the
//! first user's id.

use super::*;

async fn create_with_key(app: &TestApp, token: &str, name: &str, key: &str) -> (u16, Value) {
    let response = plain_client()
        .post(format!("{}/api/v1/parties", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "company", "name": name}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Protects each sender's writes: the same key from another user, or from
/// another token of the same user, is another write; from the same token
/// it is a retry.
#[tokio::test]
async fn the_same_key_from_another_sender_is_another_write() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let other_token = token_of(&app, sam.id, &[Role::SalesManager]).await;
    let key = "order-form-42";

    let (status, first) = create_with_key(&app, &app.token, "Admins Ltd", key).await;
    assert_eq!(status, 201, "{first:#}");
    let (status, sams) = create_with_key(&app, &sam.token, "Sams Ltd", key).await;
    assert_eq!(status, 201, "{sams:#}");
    assert_ne!(sams["id"], first["id"]);
    assert_eq!(sams["repeated"], false);
    let (status, again) = create_with_key(&app, &sam.token, "Sams Ltd", key).await;
    assert!((200..300).contains(&status), "{again:#}");
    assert_eq!(
        (&again["id"], &again["repeated"]),
        (&sams["id"], &json!(true))
    );
    let (status, other) = create_with_key(&app, &other_token, "Sams Other Ltd", key).await;
    assert_eq!(status, 201, "{other:#}");
    assert_ne!(other["id"], sams["id"]);

    app.settle().await;
    let (_, read) = json_as(
        &app,
        &sam.token,
        reqwest::Method::GET,
        &format!("/api/v1/parties/{}", sams["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(read["display_name"], "Sams Ltd");
}
