//! Finding 2: a sales manager reached another manager's customer through
//! a merge: the merge's survivor was never checked, and the scope check
//! judged a merged id by itself instead of the customer it redirects to.

use super::*;

/// The sales manager Sam, a customer Sam owns and one of another
/// manager's (the administrator's).
async fn sam_and_two_customers(app: &TestApp) -> (Person, Uuid, Uuid) {
    let sam = person(app, "sam", Role::SalesManager, None).await;
    let mine = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Sams Own Ltd", "owner": sam.id}),
        )
        .await
        .id;
    let theirs = app.company("Someone Elses Ltd").await;
    (sam, mine, theirs)
}

/// Protects the merge's survivor: merging one's own customer into
/// another manager's is answered exactly as a merge into nobody, and
/// writes nothing.
#[tokio::test]
async fn a_manager_cannot_merge_into_another_managers_customer() {
    let app = spawn_app().await;
    let (sam, mine, theirs) = sam_and_two_customers(&app).await;
    app.settle().await;
    let head = app.state.log.head().position;
    let merge = |into: Uuid| {
        json_as(
            &app,
            &sam.token,
            reqwest::Method::POST,
            format!("/api/v1/parties/{mine}/merge"),
            Some(json!({"into": into})),
        )
    };
    let (status, out_of_reach) = merge(theirs).await;
    let nobody = Uuid::now_v7();
    let (missing_status, missing) = merge(nobody).await;
    assert_alike(
        (status, &out_of_reach, theirs),
        (missing_status, &missing, nobody),
    );
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}

/// Protects a merged id: once an administrator merged a manager's
/// customer into another's, the old id opens nothing of the survivor to
/// that manager, in the API and on the card, and takes no notes.
#[tokio::test]
async fn a_merged_customer_is_judged_by_the_survivor_it_redirects_to() {
    let app = spawn_app().await;
    let (sam, mine, theirs) = sam_and_two_customers(&app).await;
    app.write(
        &format!("/api/v1/parties/{mine}/merge"),
        json!({"into": theirs}),
    )
    .await;
    app.settle().await;
    let session = browser(&app, "sam").await;
    let (status, page) = session.get(&app, &format!("/customers/{mine}")).await;
    assert_eq!(status, 404);
    assert!(!page.contains("Someone Elses"), "{page}");
    let (status, body) = json_as(
        &app,
        &sam.token,
        reqwest::Method::GET,
        &format!("/api/v1/parties/{mine}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body:#}");
    let head = app.state.log.head().position;
    let (status, _) = json_as(
        &app,
        &sam.token,
        reqwest::Method::POST,
        &format!("/api/v1/parties/{mine}/interactions"),
        Some(json!({"kind": "note", "subject": "peek", "body": "peek"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.state.log.head().position, head, "no note was taken");
}
