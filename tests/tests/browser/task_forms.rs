//! Tasks from the browser (issue 17): a new task with a due time and a
//! reminder (a time without its day refused next to the day, the title
//! kept), then
//! on its page rescheduled, reassigned and cancelled.

use super::catalog::type_into;
use super::*;

/// Protects the task forms: what is typed is what the task holds, each
/// refusal is shown next to its field, and the page follows every change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_created_with_a_reminder_then_rescheduled_and_cancelled() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "task_forms", move |client| async move {
        client.goto(&format!("{base}/tasks")).await.unwrap();
        click(&client, "#new-task-link").await;
        wait_for(&client, "#new-task").await;
        type_into(
            &client,
            "#task-title-field",
            "Prepare the spring price list",
        )
        .await;
        // A time without its day is refused on the day's field.
        set_value(&client, "#task-due-time", "17:00").await;
        click(&client, "#new-task-submit").await;
        wait_for(&client, "#task-due-on-error").await;
        let kept = client
            .find(Locator::Css("#task-title-field"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Prepare the spring price list"));
        set_value(&client, "#task-due-on", "2099-03-20").await;
        set_value(&client, "#task-due-time", "17:00").await;
        set_value(&client, "#task-remind-on", "2099-03-20").await;
        set_value(&client, "#task-remind-time", "09:30").await;
        click(&client, "#new-task-submit").await;
        wait_for(&client, "#task-status").await;
        let page = text_of(&client, "main").await;
        assert!(page.contains("Prepare the spring price list"), "{page}");
        assert!(page.contains("20 Mar 2099"), "{page}");
        let task = client.current_url().await.unwrap();
        let task = task.path().rsplit('/').next().unwrap().to_owned();
        let id: domain::ids::TaskId = task.parse().unwrap();
        let reminder = state
            .read_models
            .tasks
            .read(|tasks| tasks.get(id).and_then(|row| row.remind_at));
        assert_eq!(
            reminder.map(|at| at.to_rfc3339()),
            Some("2099-03-20T09:30:00+00:00".to_owned())
        );

        set_value(&client, "#task-remind-on", "2099-03-21").await;
        click(&client, "#reschedule-submit").await;
        // A reminder after the due time is refused next to the reminder.
        wait_for(&client, "#task-remind-on-error").await;
        set_value(&client, "#task-remind-on", "2099-03-19").await;
        click(&client, "#reschedule-submit").await;
        wait_for_text(&client, "main dl", "19 Mar 2099").await;

        click(&client, "#cancel-task summary").await;
        type_into(&client, "#task-cancel-reason", "Prices stay as they are").await;
        click(&client, "#cancel-task-submit").await;
        wait_for_text(&client, "#task-status", "Cancelled").await;
    })
    .await;
}
