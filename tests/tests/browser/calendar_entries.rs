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

/// Protects a meeting's reminder from the browser: planned with one, it
/// is on the entry and on its page in words; changed on the page; a
/// value the select never offers is refused next to it, nothing written;
/// the entry page in Arabic is right to left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meetings_reminder_is_set_when_planned_and_changed_on_its_page() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "entry_reminder", move |client| async move {
        client
            .goto(&format!("{base}/calendar?week=2027-03-10"))
            .await
            .unwrap();
        click(&client, "#new-entry summary").await;
        type_into(&client, "#new-entry-title", "Visit Kestrel Farm").await;
        set_value(&client, "#new-entry-day", "2027-03-10").await;
        set_value(&client, "#new-entry-start", "10:00").await;
        set_value(&client, "#new-entry-end", "11:00").await;
        super::catalog::choose(&client, "#new-entry-remind", "15").await;
        click(&client, "#new-entry-submit").await;
        wait_for(&client, "#entry-heading").await;
        // Fluent isolates the number (U+2068 15 U+2069 minutes before).
        let reminder = text_of(&client, "#entry-reminder").await;
        assert!(
            reminder.contains("15") && reminder.ends_with("minutes before"),
            "{reminder:?}"
        );
        let url = client.current_url().await.unwrap();
        let id: domain::ids::CalendarEntryId =
            url.path().rsplit('/').next().unwrap().parse().unwrap();
        let minutes = |state: &api::AppState| {
            state
                .read_models
                .calendar
                .read(|calendar| calendar.get(id).and_then(|row| row.remind_before_minutes))
        };
        assert_eq!(minutes(&state), Some(15));

        super::catalog::choose(&client, "#entry-remind", "60").await;
        click(&client, "#reminder-submit").await;
        wait_for_text(&client, "#entry-reminder", "hour before").await;
        assert_eq!(minutes(&state), Some(60));

        // A value the select never offers, as a tampered form sends it.
        client
            .execute(
                "const select = document.querySelector('#entry-remind');\
                 select.add(new Option('a year', '525600'));\
                 select.value = '525600';",
                vec![],
            )
            .await
            .unwrap();
        let head = state.log.head().position;
        click(&client, "#reminder-submit").await;
        wait_for(&client, "#entry-remind-error").await;
        assert_eq!(state.log.head().position, head, "nothing was written");

        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "#entry-reminder", "قبل ساعة واحدة").await;
    })
    .await;
}
