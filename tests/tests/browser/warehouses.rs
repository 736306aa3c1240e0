//! The warehouses page (issue 17): a warehouse is opened for a branch
//! chosen by name, allowed below zero, renamed and closed from the page;
//! a blank name is refused next to its field with the choices kept; the
//! page reads right to left in Arabic.

use super::catalog::{choose, type_into, value_of};
use super::*;

/// Protects the warehouse forms end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warehouse_is_opened_renamed_and_closed_from_the_page() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    let branch = super::users::named_branch(&state, "RI", "Rijeka").await;
    in_browser(&app, "warehouses", move |client| async move {
        client.goto(&format!("{base}/catalog/stock")).await.unwrap();
        click(&client, "#warehouses-link").await;
        wait_for(&client, "#new-warehouse").await;
        choose(&client, "#warehouse-branch", &branch.to_string()).await;
        click(&client, "#warehouse-negative").await;
        let head = state.log.head().position;
        click(&client, "#warehouse-submit").await;
        wait_for(&client, "#warehouse-name-error").await;
        assert_eq!(
            value_of(&client, "#warehouse-branch").await,
            branch.to_string()
        );
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#warehouse-name", "Rijeka port").await;
        click(&client, "#warehouse-submit").await;
        let started = Instant::now();
        let id = loop {
            let found = state.read_models.stock.read(|stock| {
                stock
                    .warehouses()
                    .into_iter()
                    .find(|(_, info)| info.name == "Rijeka port")
                    .map(|(id, info)| (id, info.branch, info.allows_negative_stock))
            });
            if let Some((id, saved_branch, negative)) = found {
                assert_eq!(saved_branch.map(|b| b.as_uuid()), Some(branch));
                assert!(negative, "the box was ticked");
                break id;
            }
            assert!(started.elapsed() < PAGE_WAIT, "the warehouse never opened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let row = format!("#warehouse-{id}");
        wait_for(&client, &row).await;
        assert!(text_of(&client, &row).await.contains("Rijeka (RI)"));

        click(&client, &format!("{row} .warehouse-negative-toggle")).await;
        wait_for(&client, &row).await;
        click(&client, &format!("{row} .warehouse-rename summary")).await;
        type_into(
            &client,
            &format!("{row} .warehouse-rename input[name=name]"),
            "Rijeka docks",
        )
        .await;
        click(&client, &format!("{row} .warehouse-rename button")).await;
        wait_for(&client, &row).await;
        click(&client, &format!("{row} .warehouse-close")).await;
        let started = Instant::now();
        while text_of(&client, &format!("{row} .warehouse-state")).await != "Closed" {
            assert!(started.elapsed() < PAGE_WAIT, "the warehouse never closed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let info = state
            .read_models
            .stock
            .read(|stock| stock.warehouse_info(id).cloned())
            .unwrap();
        assert_eq!(info.name, "Rijeka docks");
        assert!(!info.allows_negative_stock, "forbidden again");
        assert!(info.closed);
    })
    .await;
}

/// Protects the Arabic page: right to left, in Arabic, the demo's
/// warehouses listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warehouses_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "warehouses_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client
            .goto(&format!("{base}/catalog/warehouses"))
            .await
            .unwrap();
        wait_for(&client, "#warehouses").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "h1").await, "المستودعات");
        wait_for(&client, "#warehouses tbody tr").await;
    })
    .await;
}
