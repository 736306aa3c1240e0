//! Reminders in the browser (issue 17): a reminder that comes due while
//! the dashboard is open appears in the page without a reload, and the
//! dashboard lists it afterwards.

use super::*;

/// Protects the live path of a reminder: the reminder process records it,
/// the user's notifications stream carries it to the open page, and the
/// dashboard's list shows it until the task is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_appears_in_the_open_page_and_on_the_dashboard() {
    let app = spawn_app().await;
    let admin = domain::access::Login::parse("login", api::auth::FIRST_ADMINISTRATOR)
        .unwrap()
        .user_id();
    let state = app.state.clone();
    let base = app.base.clone();
    in_browser(&app, "reminder_live", move |client| async move {
        client.goto(&format!("{base}/")).await.unwrap();
        wait_for(&client, "#notifications").await;
        let now = state.app.now();
        let create = domain::planning::TaskCommand::Create(domain::planning::CreateTask {
            title: domain::values::Label::parse("title", "Send Anna the spring prices").unwrap(),
            description: domain::values::Text::default(),
            assignee: domain::planning::Assignee::User(admin),
            due: Some(now + chrono::Duration::hours(1)),
            remind_at: Some(now + chrono::Duration::seconds(2)),
            priority: domain::planning::Priority::High,
            link: None,
        });
        let caller = app::access::Caller {
            user: admin,
            branch: None,
            grants: domain::access::Grants::of_roles(&[domain::access::Role::Administrator]),
            token: None,
            process: None,
        };
        state
            .app
            .execute::<domain::planning::Task, _>(
                &caller,
                app::Run {
                    command_id: uuid::Uuid::now_v7(),
                    expected_version: None,
                },
                uuid::Uuid::now_v7(),
                create,
                None,
            )
            .await
            .unwrap();
        wait_for(&client, "#notifications .notification").await;
        let shown = text_of(&client, "#notifications").await;
        assert!(shown.contains("Send Anna the spring prices"), "{shown}");

        client.goto(&format!("{base}/")).await.unwrap();
        wait_for(&client, "#reminders").await;
        let listed = text_of(&client, "#reminders").await;
        assert!(listed.contains("Send Anna the spring prices"), "{listed}");
    })
    .await;
}
