//! Finding 9: bidirectional-text controls (U+202E and friends) were
//! accepted in names; the CSV export wrote them raw and the users page
//! showed a display name unisolated.

use super::*;

/// A name that shows "Invoice cod.exe" but is "Invoice exe.doc" turned
/// around by a right-to-left override.
const OVERRIDDEN: &str = "Invoice \u{202E}cod.exe";

/// Protects every name a user types: one carrying a bidirectional
/// control is refused with the field named, and nothing is written.
#[tokio::test]
async fn names_with_bidirectional_controls_are_refused() {
    let app = spawn_app().await;
    let head = app.state.log.head().position;
    let party = app
        .post(
            "/api/v1/parties",
            json!({"kind": "company", "name": OVERRIDDEN}),
        )
        .await;
    party.assert_problem(400);
    assert_eq!(party.field(), "name");
    let user = app
        .post(
            "/api/v1/users",
            json!({"login": "eve", "display_name": OVERRIDDEN, "roles": ["auditor"],
                   "password": PASSWORD}),
        )
        .await;
    user.assert_problem(400);
    assert_eq!(user.field(), "display_name");
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}

/// Protects the users page's layout: each display name is isolated, so an
/// Arabic name (or anything recorded before the refusal) cannot reorder
/// the login and roles beside it.
#[tokio::test]
async fn the_users_page_isolates_display_names() {
    let app = spawn_app().await;
    app.write(
        "/api/v1/users",
        json!({"login": "noor", "display_name": "نور الهدى", "roles": ["auditor"],
               "password": PASSWORD}),
    )
    .await;
    app.settle().await;
    let admin = browser(&app, "admin").await;
    let (status, page) = admin.get(&app, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(page.contains("<bdi>نور الهدى</bdi>"), "{page}");
    assert!(page.contains("<bdi>noor</bdi>"), "{page}");
}
