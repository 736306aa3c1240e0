//! The tasks, calendar and reports pages, and the dashboard's charts, in
//! the browser.

use super::*;

use domain::planning::Assignee;
use projections::models::tasks::DueWindow;

/// How an owner travels in the tasks page's query string.
fn owner_code(assignee: Assignee) -> String {
    match assignee {
        Assignee::User(user) => user.to_string(),
        Assignee::Group(group) => format!("group:{group}"),
    }
}

/// Whether an element matching `css` is on the page now, read by one
/// script so an htmx swap in between cannot fail the read.
async fn exists(client: &Client, css: &str) -> bool {
    client
        .execute(
            "return document.querySelector(arguments[0]) !== null;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

/// Completing a task with its row's button takes it off the open list
/// without a page load, and the completed list then holds it: it protects
/// the row form through `CommandHandler` to the `tasks` read model, and
/// the htmx swap of the list alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_completed_from_the_list_leaves_the_open_list() {
    let app = spawn_app().await;
    let (owner, task) = app.state.read_models.tasks.read(|tasks| {
        tasks
            .assignees()
            .into_iter()
            .find_map(|assignee| {
                let page = tasks.due_page(assignee, DueWindow::default(), None, 1);
                page.rows.first().map(|row| (assignee, row.id))
            })
            .expect("the demo has open tasks")
    });
    let url = format!("{}/tasks?owner={}&show=open", app.base, owner_code(owner));
    let base = app.base.clone();
    let owner = owner_code(owner);
    in_browser("task_complete", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, &format!("#task-list #task-{task}")).await;
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();
        click(&client, &format!("#task-{task} .task-complete")).await;
        let started = Instant::now();
        while exists(&client, &format!("#task-{task}")).await {
            assert!(started.elapsed() < PAGE_WAIT, "the task is still open");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(exists(&client, "#task-results").await, "the list is back");
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");

        client
            .goto(&format!("{base}/tasks?owner={owner}&show=completed"))
            .await
            .unwrap();
        wait_for(&client, &format!("#task-{task} .task-reopen")).await;
    })
    .await;
}

/// A calendar entry stands on its day in the week view of one of its
/// attendees, with its time: it protects the wiring from the `calendar`
/// read model to the week and the week's arithmetic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_entry_shows_in_its_week() {
    let app = spawn_app().await;
    let entry = app.state.read_models.calendar.read(|calendar| {
        calendar.attendees().into_iter().find_map(|attendee| {
            let from = chrono::DateTime::<Utc>::MIN_UTC;
            let to = chrono::DateTime::<Utc>::MAX_UTC;
            calendar
                .agenda(&[attendee], from, to)
                .into_iter()
                .find(|row| row.starts_at.date_naive() == row.ends_at.date_naive())
                .map(|row| (attendee, row.clone()))
        })
    });
    let (attendee, entry) = entry.expect("the demo has calendar entries");
    let day = entry.starts_at.date_naive();
    let time = format!(
        "{}–{}",
        entry.starts_at.format("%H:%M"),
        entry.ends_at.format("%H:%M")
    );
    let url = format!(
        "{}/calendar?owner={}&week={day}",
        app.base,
        owner_code(attendee)
    );
    in_browser("calendar_week", move |client| async move {
        client.goto(&url).await.unwrap();
        let css = format!(r#"[data-day="{day}"] [data-entry="{}"]"#, entry.id);
        let shown = text_of(&client, &css).await;
        assert!(shown.contains(&entry.title), "{shown} names the entry");
        assert!(shown.contains(&time), "{shown} shows {time}");
        let days = client
            .find_all(Locator::Css("#week .week-day"))
            .await
            .unwrap();
        assert_eq!(days.len(), 7, "a week of days");
        // The week after holds none of this entry.
        click(&client, "#week-next").await;
        wait_for(
            &client,
            &format!(r#"[data-day="{}"]"#, day + chrono::Duration::days(7)),
        )
        .await;
        assert!(!exists(&client, &format!(r#"[data-entry="{}"]"#, entry.id)).await);
    })
    .await;
}
