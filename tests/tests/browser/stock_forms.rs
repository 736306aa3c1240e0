//! The product page's write-off and reorder-level forms and back-dated
//! stock moves (issue 17): a write-off needs its reason, a receipt dated
//! in the past says what it did to the balances after it, and the forms
//! work in Arabic.

use super::catalog::{choose, on_hand, shown, stocked, type_into, value_of, wait_for_text};
use super::*;

/// Protects the write-off form: without a reason it is refused next to
/// the reason with the quantity kept and nothing written; with one the
/// on-hand figure drops and the movement carries the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_off_needs_a_reason_and_lowers_the_stock() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::from(2));
    let before = on_hand(&app, goods.product, goods.main);
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    let row = format!("#stock-{} .on-hand", goods.main);
    let state = app.state.clone();
    in_browser(&app, "stock_write_off", move |client| async move {
        client.goto(&url).await.unwrap();
        choose(&client, "#writeoff-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#writeoff-quantity", "2").await;
        let head = state.log.head().position;
        click(&client, "#writeoff-submit").await;
        wait_for(&client, "#writeoff-reason-error").await;
        assert_eq!(value_of(&client, "#writeoff-quantity").await, "2");
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#writeoff-reason", "Damaged in the rain").await;
        click(&client, "#writeoff-submit").await;
        wait_for_text(&client, &row, &shown(before - Decimal::from(2))).await;
        let effect = text_of(&client, "#movement-effect").await;
        assert!(effect.contains("Issue"), "{effect}");
        let newest = text_of(&client, "#product-movements tbody tr:first-child").await;
        assert!(newest.contains("Damaged in the rain"), "{newest}");
    })
    .await;
}

/// Protects back-dated moves from the browser: a receipt dated long ago
/// lands before every movement of the warehouse, the page says how many
/// later movements it recomputed and the balance now, and a day in the
/// future is refused next to the day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_back_dated_receipt_shows_its_effect_on_later_balances() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let later = app
        .state
        .read_models
        .stock
        .read(|stock| stock.movement_count(goods.product, Some(goods.main)));
    assert!(later > 0, "the demo moved this product");
    let now = shown(on_hand(&app, goods.product, goods.main) + Decimal::from(4));
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    in_browser(&app, "stock_back_dated", move |client| async move {
        client.goto(&url).await.unwrap();
        choose(&client, "#receipt-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#receipt-quantity", "4").await;
        type_into(&client, "#receipt-unit-cost", "1").await;
        set_value(&client, "#receipt-day", &tomorrow).await;
        click(&client, "#receipt-submit").await;
        wait_for(&client, "#receipt-day-error").await;
        assert_eq!(value_of(&client, "#receipt-quantity").await, "4");

        set_value(&client, "#receipt-day", "2020-01-15").await;
        set_value(&client, "#receipt-time", "09:30").await;
        click(&client, "#receipt-submit").await;
        wait_for(&client, "#movement-effect").await;
        // Without the isolation marks Fluent puts around each value.
        let effect = text_of(&client, "#movement-effect")
            .await
            .replace(['\u{2068}', '\u{2069}'], "");
        assert!(effect.contains("Receipt +4"), "{effect}");
        let recomputed = if later == 1 {
            "One later movement recomputed".to_owned()
        } else {
            format!("{later} later movements recomputed")
        };
        assert!(effect.contains(&recomputed), "{effect}");
        assert!(effect.contains(&format!("balance now: {now}")), "{effect}");
        assert!(effect.contains("Balance after it: 4"), "{effect}");
    })
    .await;
}

/// Protects the reorder level and the Arabic forms: the level set in an
/// Arabic page shows in the stock table, and a bad level is refused in
/// Arabic next to its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorder_level_is_set_from_the_arabic_page() {
    let app = spawn_app().await;
    let goods = stocked(&app, Decimal::ONE);
    let url = format!("{}/catalog/products/{}", app.base, goods.product);
    in_browser(&app, "stock_reorder_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client.goto(&url).await.unwrap();
        wait_for(&client, "#reorder-form").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        choose(&client, "#reorder-warehouse", &goods.main.to_string()).await;
        type_into(&client, "#reorder-level", "-3").await;
        click(&client, "#reorder-submit").await;
        let error = text_of(&client, "#reorder-level-error").await;
        assert_eq!(error, "أدخل صفرًا أو رقمًا أكبر من الصفر.");
        type_into(&client, "#reorder-level", "7").await;
        click(&client, "#reorder-submit").await;
        let cell = format!("#stock-{} td:last-child", goods.main);
        wait_for_text(
            &client,
            &cell,
            &format::quantity(Lang::Ar, Decimal::from(7)),
        )
        .await;
    })
    .await;
}
