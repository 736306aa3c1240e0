//! Calendar entries from the browser (issue 17): an entry planned from
//! the calendar (a blank title refused with the typing kept), opened,
//! rescheduled and cancelled; the day and month views; the month in
//! Arabic.

use super::catalog::{type_into, value_of};
use super::*;

/// Protects planning and changing an entry end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_is_planned_rescheduled_and_cancelled() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "calendar_entry", move |client| async move {
        client
            .goto(&format!("{base}/calendar?week=2027-02-10"))
            .await
            .unwrap();
        click(&client, "#new-entry summary").await;
        type_into(&client, "#new-entry-location", "Meeting room 2").await;
        let head = state.log.head().position;
        click(&client, "#new-entry-submit").await;
        wait_for(&client, "#new-entry-title-error").await;
        assert_eq!(
            value_of(&client, "#new-entry-location").await,
            "Meeting room 2"
        );
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#new-entry-title", "Quarterly review").await;
        set_value(&client, "#new-entry-day", "2027-02-10").await;
        set_value(&client, "#new-entry-start", "14:00").await;
        set_value(&client, "#new-entry-end", "15:30").await;
        click(&client, "#new-entry-submit").await;
        wait_for(&client, "#entry-heading").await;
        assert_eq!(text_of(&client, "#entry-heading").await, "Quarterly review");
        assert!(text_of(&client, "#entry-when").await.contains("14:00"));

        set_value(&client, "#entry-day", "2027-02-11").await;
        set_value(&client, "#entry-start", "16:00").await;
        set_value(&client, "#entry-end", "17:00").await;
        click(&client, "#reschedule-submit").await;
        let started = Instant::now();
        while !text_of(&client, "#entry-when").await.contains("16:00") {
            assert!(started.elapsed() < PAGE_WAIT, "never rescheduled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        type_into(&client, "#entry-cancel-reason", "Moved to March").await;
        click(&client, "#entry-cancel").await;
        let started = Instant::now();
        while text_of(&client, "#entry-status").await != "Cancelled" {
            assert!(started.elapsed() < PAGE_WAIT, "never cancelled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// Protects the day and month views: a planned entry shows on its day
/// and in its month, which has whole weeks; the month reads right to
/// left in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_and_month_views_show_an_entry() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "calendar_views", move |client| async move {
        client
            .goto(&format!("{base}/calendar?week=2027-02-10"))
            .await
            .unwrap();
        click(&client, "#new-entry summary").await;
        type_into(&client, "#new-entry-title", "Stocktake").await;
        set_value(&client, "#new-entry-day", "2027-02-10").await;
        click(&client, "#new-entry-submit").await;
        wait_for(&client, "#entry-heading").await;

        client
            .goto(&format!("{base}/calendar?view=day&week=2027-02-10"))
            .await
            .unwrap();
        wait_for(&client, r#"#week[data-view="day"]"#).await;
        let days = client
            .find_all(Locator::Css("#week .week-day"))
            .await
            .unwrap();
        assert_eq!(days.len(), 1);
        assert!(text_of(&client, "#week").await.contains("Stocktake"));

        click(&client, "#view-month").await;
        wait_for(&client, r#"#week[data-view="month"]"#).await;
        let days = client
            .find_all(Locator::Css("#week .week-day"))
            .await
            .unwrap();
        assert_eq!(days.len() % 7, 0, "whole weeks");
        assert!(days.len() >= 28);
        assert!(
            text_of(&client, r#"[data-day="2027-02-10"]"#)
                .await
                .contains("Stocktake")
        );

        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "#view-month").await, "شهر");
    })
    .await;
}
