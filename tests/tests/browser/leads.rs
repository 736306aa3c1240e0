//! Leads in the browser (issue 17): captured from the leads page (a bad
//! email refused next to its field, the typing kept), disqualified (an
//! empty reason refused first) and reopened, then converted into a deal,
//! which registers the lead's company as a customer and puts the deal on
//! the pipeline board; the page in Arabic is right to left.

use super::catalog::{type_into, value_of};
use super::*;

/// Protects a lead's life from the browser, end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_is_captured_disqualified_reopened_and_converted() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "lead_life", move |client| async move {
        client.goto(&format!("{base}/pipeline")).await.unwrap();
        click(&client, "#leads-link").await;
        wait_for(&client, "#capture-form").await;
        type_into(&client, "#lead-title", "Wants 400 LED panels").await;
        type_into(&client, "#lead-company-name", "Lumen Werk GmbH").await;
        type_into(&client, "#lead-contact-name", "Jonas Brandt").await;
        type_into(&client, "#lead-email", "jonas at lumen").await;
        click(&client, "#capture-submit").await;
        wait_for(&client, "#lead-email-error").await;
        let kept = client
            .find(Locator::Css("#lead-company-name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Lumen Werk GmbH"));
        type_into(&client, "#lead-email", "jonas@lumen.example").await;
        click(&client, "#capture-submit").await;
        wait_for(&client, "#lead-name").await;
        assert_eq!(text_of(&client, "#lead-name").await, "Wants 400 LED panels");
        assert_eq!(text_of(&client, "#lead-status").await, "Open");

        click(&client, "#disqualify-submit").await;
        wait_for(&client, "#disqualify-reason-error").await;
        type_into(&client, "#disqualify-reason", "No budget this year").await;
        click(&client, "#disqualify-submit").await;
        wait_for(&client, "#reopen-form").await;
        assert_eq!(text_of(&client, "#lead-status").await, "Disqualified");
        click(&client, "#reopen-submit").await;
        wait_for(&client, "#convert-form").await;

        let pipeline = state.read_models.pipeline_board.read(|board| {
            board
                .pipelines()
                .first()
                .map(|pipeline| pipeline.id.to_string())
                .unwrap()
        });
        client
            .find(Locator::Css("#convert-pipeline"))
            .await
            .unwrap()
            .select_by_value(&pipeline)
            .await
            .unwrap();
        type_into(&client, "#convert-amount", "18400").await;
        type_into(&client, "#convert-currency", "EUR").await;
        click(&client, "#convert-submit").await;
        wait_for(&client, ".board").await;
        let board = text_of(&client, "main").await;
        assert!(
            board.contains("Wants 400 LED panels"),
            "the deal is on the board"
        );
        let registered = state.read_models.customers.read(|customers| {
            customers
                .rows()
                .any(|row| row.display_name == "Lumen Werk GmbH")
        });
        assert!(registered, "the lead's company became a customer");
    })
    .await;
}

/// Protects the leads page in Arabic: right to left, Arabic labels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leads_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let title = arabic("leads-title");
    in_browser(&app, "leads_arabic", move |client| async move {
        client.goto(&format!("{base}/leads")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "main h1").await, title);
    })
    .await;
}

/// Protects the leads list's search: what is typed narrows the list to
/// the open leads holding every word, stays in the field, and a search
/// that finds nothing says so; the list in Arabic is right to left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_leads_are_found_by_words_of_their_details() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "lead_search", move |client| async move {
        for (title, company) in [
            ("Solar roof for the barn", "Kestrel Farm"),
            ("Forklift batteries", "Harbour Stores"),
        ] {
            client.goto(&format!("{base}/leads")).await.unwrap();
            wait_for(&client, "#capture-form").await;
            type_into(&client, "#lead-title", title).await;
            type_into(&client, "#lead-company-name", company).await;
            click(&client, "#capture-submit").await;
            wait_for(&client, "#lead-status").await;
        }
        client.goto(&format!("{base}/leads")).await.unwrap();
        wait_for(&client, "#lead-filters").await;
        type_into(&client, "#lead-search", "kestrel SOLAR").await;
        click(&client, "#lead-search-submit").await;
        wait_for(&client, r#"#lead-search[value="kestrel SOLAR"]"#).await;
        wait_for_count(&client, "#lead-list tbody tr", 1).await;
        assert!(
            text_of(&client, "#lead-list tbody")
                .await
                .contains("Solar roof for the barn")
        );

        type_into(&client, "#lead-search", "zzqx-no-such-lead").await;
        click(&client, "#lead-search-submit").await;
        wait_for(&client, "#leads-none").await;
        assert_eq!(value_of(&client, "#lead-search").await, "zzqx-no-such-lead");

        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "#lead-search-submit", "عرض").await;
    })
    .await;
}
