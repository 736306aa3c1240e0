//! The owner selects of the deal page and the customer card: an owner the
//! directory does not know (imported, or a user since removed) stays the
//! chosen one, so saving the form never hands the record to whoever is
//! first in the list.

use super::*;

/// Protects the records' owners from a careless save.
#[tokio::test]
async fn an_unknown_owner_stays_chosen_on_the_deal_page_and_the_card() {
    let app = spawn_app().await;
    let stranger = Uuid::now_v7();
    let party = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Owned Elsewhere Ltd", "owner": stranger}),
        )
        .await
        .id;
    let pipeline = app
        .write(
            "/api/v1/pipelines",
            json!({"name": "Owners", "stages": [{"name": "Talk", "probability": 10}]}),
        )
        .await
        .id;
    let deal = app
        .write(
            "/api/v1/deals",
            json!({"title": "Theirs", "party": party, "pipeline": pipeline,
                   "amount": "10", "currency": "EUR", "owner": stranger}),
        )
        .await
        .id;
    app.settle().await;
    let (admin, _) = access::session_client(&app, "admin", ADMIN_PASSWORD).await;
    let chosen = format!(r#"<option value="{stranger}" selected>"#);
    for page in [format!("/deals/{deal}"), format!("/customers/{party}")] {
        let html = admin
            .get(format!("{}{page}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&chosen),
            "{page}: the unknown owner is not chosen"
        );
    }
}
