//! Branches through the real server: an administrator opens, changes,
//! closes and reopens them; a code is held once; bad values, unknown and
//! malformed ids and stale versions are refused; sales managers neither
//! read nor set them.

use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_branch_is_opened_changed_closed_and_reopened();
    branches_refuse_bad_values_taken_codes_and_unknown_ids();
    orders_are_numbered_per_branch_and_year_with_the_branch_code();
}

const BRANCHES: &str = "/api/v1/admin/branches";

/// Protects the branch's life through the API, and naming a branch that
/// was in use (by id) before it had a name.
#[tokio::test]
async fn a_branch_is_opened_changed_closed_and_reopened() {
    let app = spawn_app().await;
    let in_use = Uuid::now_v7();
    let opened = app
        .post(
            BRANCHES,
            json!({"id": in_use, "code": "msk", "name": "Moscow", "address": "Tverskaya 1"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:#}", opened.body);
    assert_eq!(opened.body["id"], json!(in_use), "the id in use is named");
    let changed = app
        .post(
            &format!("{BRANCHES}/{in_use}/change"),
            json!({"code": "MSK", "name": "Moscow office", "address": null}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:#}", changed.body);
    let closed = app
        .post(&format!("{BRANCHES}/{in_use}/close"), json!({}))
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    app.settle().await;
    let listed = app.get(BRANCHES).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(
        listed.body["branches"],
        json!([{"id": in_use, "code": "MSK", "name": "Moscow office", "address": null, "closed": true}])
    );
    let refused = app
        .post(
            &format!("{BRANCHES}/{in_use}/change"),
            json!({"code": "MSK", "name": "Moscow again"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["rule"], "branch.closed");
    let reopened = app
        .post(&format!("{BRANCHES}/{in_use}/reopen"), json!({}))
        .await;
    assert_eq!(reopened.status, StatusCode::OK);
    app.settle().await;
    assert_eq!(app.get(BRANCHES).await.body["branches"][0]["closed"], false);

    // Sales managers neither read nor set branches.
    let sam = access::register(&app, "sam-branches", &["sales_manager"], None).await;
    let sams = access::token_of(&app, sam, &[Role::SalesManager]).await;
    let (status, _) = access::as_user(&app, &sams, reqwest::Method::GET, BRANCHES, None).await;
    assert_eq!(status, 403);
    let (status, _) = access::as_user(
        &app,
        &sams,
        reqwest::Method::POST,
        BRANCHES,
        Some(json!({"code": "X", "name": "Mine"})),
    )
    .await;
    assert_eq!(status, 403);
}

/// Protects the branches' inputs: a bad value names its field, a code
/// another branch holds is a conflict (when opening and when changing),
/// unknown and malformed ids are refused, a stale `If-Match` changes
/// nothing.
#[tokio::test]
async fn branches_refuse_bad_values_taken_codes_and_unknown_ids() {
    let app = spawn_app().await;
    let north = app
        .write(BRANCHES, json!({"code": "N", "name": "North"}))
        .await
        .id;
    let south = app
        .write(BRANCHES, json!({"code": "S", "name": "South"}))
        .await
        .id;
    app.settle().await;
    for (body, field) in [
        (json!({"code": "N 1", "name": "x"}), "code"),
        (json!({"code": "X", "name": " "}), "name"),
    ] {
        let refused = app.post(BRANCHES, body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(
            refused.body["errors"][0]["field"], field,
            "{:#}",
            refused.body
        );
    }
    let taken = app
        .post(BRANCHES, json!({"code": "n", "name": "Another"}))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:#}", taken.body);
    let taken = app
        .post(
            &format!("{BRANCHES}/{south}/change"),
            json!({"code": "N", "name": "South"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:#}", taken.body);
    let refused = app
        .post(
            &format!("{BRANCHES}/{north}/change"),
            json!({"code": "", "name": "North"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    for action in ["change", "close", "reopen"] {
        let body = json!({"code": "Q", "name": "Nowhere"});
        let body = if action == "change" { body } else { json!({}) };
        let missing = app
            .post(&format!("{BRANCHES}/{nobody}/{action}"), body.clone())
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{action}");
        let malformed = app
            .post(
                &format!("{BRANCHES}/{}/{action}", fuzz::MALFORMED_ID),
                body.clone(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{action}");
        let body = if action == "change" {
            json!({"code": "N", "name": "North, stale"})
        } else {
            body
        };
        let stale_answer = app
            .post_with(&format!("{BRANCHES}/{north}/{action}"), body, &stale)
            .await;
        assert_eq!(
            stale_answer.status,
            StatusCode::PRECONDITION_FAILED,
            "{action}"
        );
    }
    app.settle().await;
    let listed = app.get(BRANCHES).await;
    assert_eq!(
        listed.body["branches"][0]["name"], "North",
        "nothing stale was written"
    );
}

/// Protects order numbers: each branch (and "no branch") has its own
/// gap-free series per year with the branch's code in the number, a
/// cancelled draft keeps its number, and the number is on the order, on
/// the list and found by the global search.
#[tokio::test]
async fn orders_are_numbered_per_branch_and_year_with_the_branch_code() {
    let app = spawn_app().await;
    let moscow = app
        .write(BRANCHES, json!({"code": "MSK", "name": "Moscow"}))
        .await
        .id;
    let shop = open_shop(&app).await;
    app.settle().await;
    let draft = |branch: Option<Uuid>| {
        json!({"party": shop.party, "price_list": shop.price_list,
               "warehouse": shop.warehouse, "branch": branch})
    };
    let first = app.write("/api/v1/orders", draft(Some(moscow))).await.id;
    let cancelled = app.write("/api/v1/orders", draft(Some(moscow))).await.id;
    let elsewhere = app.write("/api/v1/orders", draft(None)).await.id;
    let answer = app
        .post(
            &format!("/api/v1/orders/{cancelled}/cancel"),
            json!({"reason": "changed their mind"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    let third = app.write("/api/v1/orders", draft(Some(moscow))).await.id;
    app.settle().await;
    let year = Utc::now().year();
    for (order, number) in [
        (first, format!("SO-MSK-{year}-000001")),
        (cancelled, format!("SO-MSK-{year}-000002")),
        (third, format!("SO-MSK-{year}-000003")),
        (elsewhere, format!("SO-{year}-000001")),
    ] {
        let got = app.get(&format!("/api/v1/orders/{order}")).await;
        assert_eq!(got.body["number"], json!(number), "{:#}", got.body);
    }
    let listed = app.get("/api/v1/orders").await;
    let numbers: Vec<&str> = listed.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["number"].as_str())
        .collect();
    assert_eq!(numbers.len(), 4, "{:#}", listed.body);

    let (admin, _) = access::session_client(&app, "admin", ADMIN_PASSWORD).await;
    let page = admin
        .get(format!("{}/search?q=so-msk-{year}-000003", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/orders/{third}")), "{page}");
    assert!(!page.contains(&format!("/orders/{first}")));
    let page = admin
        .get(format!("{}/orders/{first}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("SO-MSK-{year}-000001")));
}
