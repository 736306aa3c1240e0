//! A person's rights on the customer card, in the browser: the
//! administrator downloads everything held about a customer, is asked to
//! confirm before erasing, and then sees the card erased, while the
//! customer's orders stay.

use super::*;

/// Protects the erasure flow a data-protection request follows: the export
/// link answers the customer's JSON; erasing without the confirmation
/// changes nothing and says why; with it, the card shows an erased
/// customer without names or channel addresses, and the customers list no
/// longer finds the old name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_exports_and_then_erases_a_customer() {
    let app = spawn_app().await;
    let (party, name) = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.is_person() && !row.channels.is_empty())
            .min_by_key(|row| row.id)
            .map(|row| (row.id, row.display_name.clone()))
            .unwrap()
    });
    let export = get(format!("{}/customers/{party}/personal-data", app.base))
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let json: serde_json::Value = export.json().await.unwrap();
    assert_eq!(json["format"], "hypercrm-subject-access/1");
    assert!(
        json.to_string().contains(&name),
        "the export names the customer"
    );

    let base = app.base.clone();
    let head = app.state.log.head().position;
    let state = app.state.clone();
    in_browser(&app, "customer_erase", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        assert_eq!(text_of(&client, "#customer-name").await, name);
        click(&client, "#erase-submit").await;
        let error = text_of(&client, "#erase-error").await;
        assert!(error.contains("Tick the box"), "{error}");
        assert_eq!(state.log.head().position, head, "nothing was written");
        click(&client, "#erase-confirm").await;
        click(&client, "#erase-submit").await;
        wait_for(&client, "#personal-erased").await;
        assert_eq!(text_of(&client, "#customer-name").await, "Erased customer");
        assert!(
            client
                .find(Locator::Css("#customer-channels"))
                .await
                .is_err(),
            "no channel is left to show"
        );
        assert!(
            client.find(Locator::Css("#erase-form")).await.is_err(),
            "erased once"
        );
        let query = name.split_whitespace().next().unwrap_or(&name).to_owned();
        client
            .goto(&format!("{base}/customers?q={query}"))
            .await
            .unwrap();
        let listed = text_of(&client, "main").await;
        assert!(!listed.contains(&name), "the list does not find {name}");
    })
    .await;
}
