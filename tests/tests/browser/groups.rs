//! Groups from the browser (issue 17): an administrator forms a group (a
//! blank name refused next to its field), adds a member by name, and a
//! task is then assigned to the group by its name and shows among the
//! group's tasks; the page reads right to left in Arabic.

use domain::access::Role;

use super::catalog::{choose, type_into};
use super::*;

/// Protects the groups page and a group as a task's assignee.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_is_formed_given_a_member_and_assigned_a_task() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    let admin = state.read_models.users.read(|users| {
        users
            .users()
            .find(|(_, row)| row.roles.contains(&Role::Administrator))
            .map(|(id, row)| (id, row.display_name.clone()))
            .unwrap()
    });
    in_browser(&app, "groups", move |client| async move {
        client.goto(&format!("{base}/admin/users")).await.unwrap();
        click(&client, "#groups-link").await;
        wait_for(&client, "#new-group").await;
        let head = state.log.head().position;
        click(&client, "#group-submit").await;
        wait_for(&client, "#group-name-error").await;
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#group-name", "Warehouse crew").await;
        click(&client, "#group-submit").await;
        let started = Instant::now();
        let group = loop {
            let found = state.read_models.users.read(|users| {
                users
                    .groups()
                    .into_iter()
                    .find(|(_, row)| row.name == "Warehouse crew")
                    .map(|(id, _)| id)
            });
            if let Some(group) = found {
                break group;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no group formed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let row = format!("#group-{group}");
        wait_for(&client, &row).await;
        choose(
            &client,
            &format!("{row} .member-add select"),
            &admin.0.to_string(),
        )
        .await;
        click(&client, &format!("{row} .member-add button")).await;
        wait_for(&client, &format!(r#"{row} li[data-user="{}"]"#, admin.0)).await;
        wait_for_text(&client, &format!("{row} .group-members"), &admin.1).await;

        client.goto(&format!("{base}/tasks/new")).await.unwrap();
        wait_for(&client, "#new-task").await;
        type_into(&client, "#task-title-field", "Count the north shelf").await;
        choose(&client, "#task-assignee", &format!("group:{group}")).await;
        click(&client, "#new-task-submit").await;
        wait_for(&client, "#task-status").await;
        let task = client.current_url().await.unwrap();
        let task: domain::ids::TaskId = task.path().rsplit('/').next().unwrap().parse().unwrap();
        let assignee = state
            .read_models
            .tasks
            .read(|tasks| tasks.get(task).map(|row| row.assignee));
        assert_eq!(assignee, Some(domain::planning::Assignee::Group(group)));

        // The administrator is a member: the group is among their owners.
        client.goto(&format!("{base}/tasks")).await.unwrap();
        wait_for(
            &client,
            &format!(r#"#owner-form option[value="group:{group}"]"#),
        )
        .await;
        client
            .goto(&format!("{base}/tasks?owner=group:{group}"))
            .await
            .unwrap();
        wait_for_text(&client, "main", "Count the north shelf").await;

        client.goto(&format!("{base}/admin/groups")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "h1", "المجموعات").await;
    })
    .await;
}
