//! Groups through the real server: an administrator forms one, adds and
//! removes members, renames, disbands and reinstates it; a disbanded
//! group changes no more; bad values, unknown users and groups,
//! malformed ids and stale versions are refused; sales managers neither
//! read nor change groups.

use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_group_is_formed_given_members_renamed_disbanded_and_reinstated();
    groups_refuse_bad_values_unknown_users_and_ids();
}

const GROUPS: &str = "/api/v1/admin/groups";

/// Protects a group's life through the API.
#[tokio::test]
async fn a_group_is_formed_given_members_renamed_disbanded_and_reinstated() {
    let app = spawn_app().await;
    let kim = access::register(&app, "kim-groups", &["storekeeper"], None).await;
    let formed = app.post(GROUPS, json!({"name": "Warehouse crew"})).await;
    assert_eq!(formed.status, StatusCode::CREATED, "{:#}", formed.body);
    let group = formed.body["id"].as_str().unwrap().to_owned();
    let added = app
        .post(&format!("{GROUPS}/{group}/members"), json!({"user": kim}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{:#}", added.body);
    let renamed = app
        .post(
            &format!("{GROUPS}/{group}/rename"),
            json!({"name": "Stores"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    app.settle().await;
    let listed = app.get(GROUPS).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(
        listed.body["groups"],
        json!([{"id": group, "name": "Stores", "members": [kim], "disbanded": false}])
    );
    let removed = app
        .post(
            &format!("{GROUPS}/{group}/members/remove"),
            json!({"user": kim}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    let disbanded = app
        .post(&format!("{GROUPS}/{group}/disband"), json!({}))
        .await;
    assert_eq!(disbanded.status, StatusCode::OK);
    for (action, body) in [
        ("rename", json!({"name": "Again"})),
        ("members", json!({"user": kim})),
        ("members/remove", json!({"user": kim})),
    ] {
        let refused = app.post(&format!("{GROUPS}/{group}/{action}"), body).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        assert_eq!(refused.body["rule"], "group.disbanded", "{action}");
    }
    let reinstated = app
        .post(&format!("{GROUPS}/{group}/reinstate"), json!({}))
        .await;
    assert_eq!(reinstated.status, StatusCode::OK);
    app.settle().await;
    let listed = app.get(GROUPS).await;
    assert_eq!(listed.body["groups"][0]["disbanded"], false);
    assert_eq!(listed.body["groups"][0]["members"], json!([]));

    // Sales managers neither read nor form groups.
    let sam = access::register(&app, "sam-groups", &["sales_manager"], None).await;
    let sams = access::token_of(&app, sam, &[Role::SalesManager]).await;
    let (status, _) = access::as_user(&app, &sams, reqwest::Method::GET, GROUPS, None).await;
    assert_eq!(status, 403);
    let (status, _) = access::as_user(
        &app,
        &sams,
        reqwest::Method::POST,
        GROUPS,
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, 403);
}

/// Protects the groups' inputs: a bad name names its field, an unknown
/// user or group is missing, malformed ids are refused, a stale
/// `If-Match` changes nothing.
#[tokio::test]
async fn groups_refuse_bad_values_unknown_users_and_ids() {
    let app = spawn_app().await;
    let kim = access::register(&app, "kim-refusals", &["storekeeper"], None).await;
    let group = app.write(GROUPS, json!({"name": "Crew"})).await.id;
    app.settle().await;
    let blank = app.post(GROUPS, json!({"name": " "})).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert_eq!(blank.body["errors"][0]["field"], "name", "{:#}", blank.body);
    let blank = app
        .post(&format!("{GROUPS}/{group}/rename"), json!({"name": ""}))
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    let nobody = app
        .post(
            &format!("{GROUPS}/{group}/members"),
            json!({"user": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{:#}", nobody.body);

    let missing_group = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    for (action, body) in [
        ("rename", json!({"name": "Q"})),
        ("members", json!({"user": kim})),
        ("members/remove", json!({"user": kim})),
        ("disband", json!({})),
        ("reinstate", json!({})),
    ] {
        let missing = app
            .post(&format!("{GROUPS}/{missing_group}/{action}"), body.clone())
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{action}");
        let malformed = app
            .post(
                &format!("{GROUPS}/{}/{action}", fuzz::MALFORMED_ID),
                body.clone(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{action}");
        let stale_answer = app
            .post_with(&format!("{GROUPS}/{group}/{action}"), body, &stale)
            .await;
        assert_eq!(
            stale_answer.status,
            StatusCode::PRECONDITION_FAILED,
            "{action}"
        );
    }
    app.settle().await;
    let listed = app.get(GROUPS).await;
    assert_eq!(
        listed.body["groups"][0]["name"], "Crew",
        "nothing stale was written"
    );
}
