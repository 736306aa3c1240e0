//! The administrator's users page (issue 17): a user's roles and branch
//! are changed from the page, and their sessions end so the new roles
//! hold from the next page they open.

use super::catalog::{choose, type_into};
use super::*;

/// Opens a branch with `code` and `name` through the application, as an
/// administrator would on the branches page, and waits for the directory.
pub(super) async fn named_branch(state: &api::AppState, code: &str, name: &str) -> uuid::Uuid {
    let branch = domain::ids::BranchId::from_uuid(uuid::Uuid::now_v7());
    let details = domain::branch::BranchDetails {
        code: domain::branch::BranchCode::parse("code", code).unwrap(),
        name: domain::values::Label::parse("name", name).unwrap(),
        address: None,
    };
    let run = app::Run {
        command_id: uuid::Uuid::now_v7(),
        expected_version: None,
    };
    app::branches::open(
        &state.app,
        &state.read_models,
        &app::access::Caller::process("test"),
        run,
        branch,
        details,
    )
    .await
    .unwrap();
    let head = state.log.head().position;
    state.read_models.users.wait_for(head).await.unwrap();
    branch.as_uuid()
}

/// Protects role changes from the browser: the roles ticked are the
/// user's roles afterwards, and the branch chosen by name is the user's
/// branch, shown by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_changes_a_users_roles_and_branch() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    let branch = named_branch(&state, "ZG", "Zagreb").await.to_string();
    in_browser(&app, "user_roles", move |client| async move {
        client.goto(&format!("{base}/admin/users")).await.unwrap();
        type_into(&client, "#new-login", "petra").await;
        type_into(&client, "#new-name", "Petra Novak").await;
        click(&client, "#register-form input[value=sales_manager]").await;
        type_into(&client, "#new-password", "a long enough password 42").await;
        click(&client, "#register-form button[type=submit]").await;
        wait_for(&client, "#users-notice").await;

        let row = "#user-list tr[data-login=petra]";
        click(&client, &format!("{row} .user-access summary")).await;
        click(
            &client,
            &format!("{row} .roles-form input[value=sales_manager]"),
        )
        .await;
        click(&client, &format!("{row} .roles-form input[value=auditor]")).await;
        click(&client, &format!("{row} .roles-form button")).await;
        wait_for(&client, row).await;
        let roles = text_of(&client, &format!("{row} td:nth-child(3)")).await;
        assert_eq!(roles, "auditor");

        click(&client, &format!("{row} .user-access summary")).await;
        choose(
            &client,
            &format!("{row} .branch-form select[name=branch]"),
            &branch,
        )
        .await;
        click(&client, &format!("{row} .branch-form button")).await;
        wait_for(&client, row).await;
        assert_eq!(
            text_of(&client, &format!("{row} .user-branch")).await,
            "Zagreb (ZG)",
            "the branch is shown by name"
        );
        let petra = domain::access::Login::parse("login", "petra")
            .unwrap()
            .user_id();
        let head = state.log.head().position;
        state.read_models.users.wait_for(head).await.unwrap();
        let saved = state.read_models.users.read(|users| {
            users
                .user(petra)
                .and_then(|user| user.branch.map(|branch| branch.to_string()))
        });
        assert_eq!(saved, Some(branch));
    })
    .await;
}
