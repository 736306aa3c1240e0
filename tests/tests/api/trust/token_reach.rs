//! Finding 1: a narrowed API token minted a full-power token through the
//! account page's route, ended its user's sessions and revoked the user's
//! stronger tokens. A token reaches no further than its own permissions on
//! any route, and pages take no tokens.

use super::*;

/// A token of `user` with only `permissions`.
async fn narrow_token(app: &TestApp, user: Uuid, permissions: &[&str]) -> (Uuid, String) {
    let permissions = permissions
        .iter()
        .map(|text| domain::access::Permission::parse("permission", text).unwrap())
        .collect();
    let token = api::auth::tokens::issue(
        &app.state,
        domain::ids::UserId::from_uuid(user),
        "narrow",
        permissions,
        eventlog::Actor::system("test"),
    )
    .await
    .unwrap();
    let id = token.split('_').nth(1).unwrap().parse().unwrap();
    (id, token)
}

fn live_tokens(app: &TestApp, user: Uuid) -> usize {
    app.state.read_models.users.read(|users| {
        users
            .tokens_of(domain::ids::UserId::from_uuid(user))
            .iter()
            .filter(|(_, token)| token.revoked_at.is_none())
            .count()
    })
}

/// Protects against the escalation: the account page's token and session
/// routes refuse a bearer token (401) and change nothing, and the API
/// refuses a token wider than the one asking.
#[tokio::test]
async fn a_narrow_token_cannot_mint_a_wider_one_or_end_sessions() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let (_, narrow) = narrow_token(&app, sam.id, &["parties.read"]).await;
    let session = browser(&app, "sam").await;
    let before = live_tokens(&app, sam.id);

    let response = plain_client()
        .post(format!("{}/account/tokens", app.base))
        .bearer_auth(&narrow)
        .form(&[
            ("name", "escalated"),
            ("permission", "parties.edit"),
            ("permission", "parties.delete"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let page = response.text().await.unwrap();
    assert!(!page.contains("hcrm_"), "no token is shown");
    assert_eq!(live_tokens(&app, sam.id), before, "no token was issued");

    let ended = plain_client()
        .post(format!("{}/account/sessions/revoke", app.base))
        .bearer_auth(&narrow)
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status().as_u16(), 401);
    let (status, _) = session.get(&app, "/account").await;
    assert_eq!(status, 200, "the session still stands");

    // The page that reads with a token is refused as well: pages take
    // sessions only.
    let (status, _) =
        super::super::access::as_user(&app, &narrow, reqwest::Method::GET, "/customers", None)
            .await;
    assert_eq!(status, 401);

    let (status, body) = json_as(
        &app,
        &narrow,
        reqwest::Method::POST,
        "/api/v1/me/tokens",
        Some(json!({"name": "wider", "permissions": ["parties.read", "parties.edit"]})),
    )
    .await;
    assert_eq!(status, 422, "{body:#}");
    assert_eq!(body["rule"], "token.beyond_roles");
    assert_eq!(live_tokens(&app, sam.id), before);
}

/// Protects a user's stronger tokens: a narrow token revokes itself and
/// tokens no stronger than it, never one holding more.
#[tokio::test]
async fn a_narrow_token_cannot_revoke_a_stronger_token() {
    let app = spawn_app().await;
    let sam = person(&app, "sam", Role::SalesManager, None).await;
    let (_, narrow) = narrow_token(&app, sam.id, &["parties.read"]).await;
    let (weak, _) = narrow_token(&app, sam.id, &["parties.read"]).await;
    let strong = app.state.read_models.users.read(|users| {
        users
            .tokens_of(domain::ids::UserId::from_uuid(sam.id))
            .into_iter()
            .find(|(_, token)| token.permissions.len() > 1)
            .map(|(id, _)| id)
            .unwrap()
    });

    let (status, body) = json_as(
        &app,
        &narrow,
        reqwest::Method::POST,
        &format!("/api/v1/me/tokens/{strong}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body:#}");
    assert_eq!(body["rule"], "token.beyond_token");
    let (status, _) = json_as(&app, &sam.token, reqwest::Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, 200, "the stronger token still works");

    let (status, body) = json_as(
        &app,
        &narrow,
        reqwest::Method::POST,
        &format!("/api/v1/me/tokens/{weak}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
}
