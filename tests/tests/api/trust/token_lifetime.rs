//! Finding 8: tokens outlived what should end them. A token with an
//! expiry minted one without; a password change or an administrator's
//! reset left every token working; disabling and enabling a user brought
//! the old tokens back.

use chrono::SubsecRound;

use super::*;

async fn status_with(app: &TestApp, token: &str) -> u16 {
    json_as(app, token, reqwest::Method::GET, "/api/v1/me", None)
        .await
        .0
}

/// Protects expiries: a token issued through a token expiring in an hour
/// expires with it when no expiry is asked, and a later one is refused.
#[tokio::test]
async fn a_token_issued_through_an_expiring_token_expires_with_it() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let hour = (Utc::now() + Duration::hours(1)).trunc_subsecs(0);
    let (status, parent) = json_as(
        &app,
        &sam.token,
        reqwest::Method::POST,
        "/api/v1/me/tokens",
        Some(json!({"name": "an hour", "permissions": ["parties.read"], "expires_at": hour})),
    )
    .await;
    assert_eq!(status, 201, "{parent:#}");
    let parent = parent["token"].as_str().unwrap().to_owned();

    let (status, child) = json_as(
        &app,
        &parent,
        reqwest::Method::POST,
        "/api/v1/me/tokens",
        Some(json!({"name": "forever?", "permissions": ["parties.read"]})),
    )
    .await;
    assert_eq!(status, 201, "{child:#}");
    let child = child["id"].as_str().unwrap().to_owned();
    let (_, list) = json_as(
        &app,
        &sam.token,
        reqwest::Method::GET,
        "/api/v1/me/tokens",
        None,
    )
    .await;
    let row = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == child.as_str())
        .unwrap();
    let expires: chrono::DateTime<Utc> = serde_json::from_value(row["expires_at"].clone()).unwrap();
    assert_eq!(expires, hour, "the child expires with its parent");

    let (status, body) = json_as(
        &app,
        &parent,
        reqwest::Method::POST,
        "/api/v1/me/tokens",
        Some(json!({"name": "later", "permissions": ["parties.read"],
                    "expires_at": hour + Duration::hours(1)})),
    )
    .await;
    assert_eq!(status, 422, "{body:#}");
    assert_eq!(body["rule"], "token.outlives_parent");
}

/// Protects against a leaked password living on in tokens: an
/// administrator's reset and the user's own change on the account page
/// each revoke the user's tokens.
#[tokio::test]
async fn a_password_change_or_reset_revokes_the_users_tokens() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    assert_eq!(status_with(&app, &sam.token).await, 200);
    app.write(
        &format!("/api/v1/users/{}/password", sam.id),
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(status_with(&app, &sam.token).await, 401, "reset");

    let again = token_of(&app, sam.id, &[Role::SalesManager]).await;
    assert_eq!(status_with(&app, &again).await, 200);
    let session = browser(&app, "sam").await;
    let (status, page) = session
        .post(
            &app,
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "another long passphrase here"),
            ],
        )
        .await;
    assert!(status == 303 || status == 200, "{status} {page}");
    assert_eq!(status_with(&app, &again).await, 401, "own change");
}

/// Protects offboarding: tokens of a disabled user stay dead after the
/// user is enabled again.
#[tokio::test]
async fn enabling_a_disabled_user_revives_no_token() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    app.write(&format!("/api/v1/users/{}/disable", sam.id), json!({}))
        .await;
    assert_eq!(status_with(&app, &sam.token).await, 401);
    app.write(&format!("/api/v1/users/{}/enable", sam.id), json!({}))
        .await;
    assert_eq!(status_with(&app, &sam.token).await, 401);
}
