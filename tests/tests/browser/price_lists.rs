//! Price lists in the browser (issue 17): a list is defined, a price and
//! a quantity break and a tag's price set, a bad price refused next to
//! its field with the typing kept, a discount set, and the price a
//! customer pays previewed; the page in Arabic.

use super::catalog::{type_into, value_of};
use super::*;

/// A stock-tracked product's SKU from the demo.
fn a_sku(app: &TestApp) -> String {
    app.state.read_models.catalog.read(|catalog| {
        catalog
            .search(&projections::models::catalog::ProductQuery {
                text: String::new(),
                category: None,
                after: None,
                limit: 50,
            })
            .rows
            .into_iter()
            .find(|(_, row)| !row.discontinued)
            .map(|(_, row)| row.sku)
            .expect("a product")
    })
}

/// Protects the price list forms and the preview end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_list_is_defined_priced_and_previewed() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    let sku = a_sku(&app);
    in_browser(&app, "price_lists", move |client| async move {
        client.goto(&format!("{base}/catalog")).await.unwrap();
        click(&client, "#price-lists-link").await;
        wait_for(&client, "#new-price-list").await;
        type_into(&client, "#list-name", "Wholesale 2027").await;
        type_into(&client, "#list-currency", "eur").await;
        click(&client, "#list-submit").await;
        wait_for(&client, "#price-list-heading").await;
        assert_eq!(
            text_of(&client, "#price-list-heading").await,
            "Wholesale 2027"
        );

        click(&client, "#set-price summary").await;
        type_into(&client, "#price-sku", &sku).await;
        type_into(&client, "#price-min", "0").await;
        type_into(&client, "#price-unit", "ten").await;
        let head = state.log.head().position;
        click(&client, "#price-submit").await;
        wait_for(&client, "#price-unit-error").await;
        assert_eq!(value_of(&client, "#price-sku").await, sku);
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#price-unit", "10").await;
        click(&client, "#price-submit").await;
        wait_for(&client, "#price-rows").await;
        click(&client, "#set-price summary").await;
        type_into(&client, "#price-sku", &sku).await;
        type_into(&client, "#price-min", "100").await;
        type_into(&client, "#price-unit", "9").await;
        click(&client, "#price-submit").await;
        let started = Instant::now();
        while client
            .find_all(Locator::Css("#price-rows tbody tr"))
            .await
            .unwrap()
            .len()
            < 2
        {
            assert!(started.elapsed() < PAGE_WAIT, "the break never showed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        click(&client, "#set-discount summary").await;
        type_into(&client, "#discount-value", "5").await;
        click(&client, "#discount-submit").await;
        wait_for(&client, "#discount-rows").await;

        type_into(&client, "#quote-sku", &sku).await;
        type_into(&client, "#quote-quantity", "100").await;
        click(&client, "#quote-submit").await;
        wait_for(&client, "#quote-result").await;
        // The break of 100 at 9.00, less everyone's 5 %.
        let unit = text_of(&client, "#quote-unit-price").await;
        assert!(unit.contains("8.55"), "{unit}");
        let total = text_of(&client, "#quote-total").await;
        assert!(total.contains("855.00"), "{total}");

        // Many pages into the test: this failed while each page's
        // notification stream outlived it, filling the browser's six
        // connections to the server until the next page stalled.
        type_into(&client, "#quote-customer", "zzzz-nobody-matches").await;
        click(&client, "#quote-submit").await;
        let error = text_of(&client, "#quote-error").await;
        assert_eq!(error, "No customer of yours matches.");
    })
    .await;
}

/// Protects the Arabic page: right to left, in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_price_lists_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "price_lists_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client
            .goto(&format!("{base}/catalog/price-lists"))
            .await
            .unwrap();
        wait_for(&client, "#new-price-list").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "h1").await, "قوائم الأسعار");
    })
    .await;
}
