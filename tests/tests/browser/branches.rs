//! The administrators' branches page (issue 17): a branch is opened by
//! code and name, a taken code is refused next to the code with the
//! typing kept, a branch in use without a name is named, a branch is
//! closed, and the page reads right to left in Arabic.

use super::catalog::{choose, type_into, value_of};
use super::*;

/// Protects the branch forms: open, refuse a taken code (typing kept,
/// nothing written), name a branch users already belong to, close one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_opens_names_and_closes_branches() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    // A user of a branch nobody has named yet.
    let in_use = domain::ids::BranchId::from_uuid(uuid::Uuid::now_v7());
    let register = domain::access::UserCommand::Register {
        login: domain::access::Login::parse("login", "ivo").unwrap(),
        display_name: domain::values::Label::parse("name", "Ivo").unwrap(),
        roles: vec![domain::access::Role::Storekeeper],
        branch: Some(in_use),
        password: domain::access::PasswordHash::parse(
            "password",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        )
        .unwrap(),
    };
    let ivo = domain::access::Login::parse("login", "ivo")
        .unwrap()
        .user_id();
    state
        .app
        .users()
        .run(
            &app::access::Caller::process("test"),
            app::Run {
                command_id: uuid::Uuid::now_v7(),
                expected_version: None,
            },
            ivo,
            register,
        )
        .await
        .unwrap();
    state
        .read_models
        .users
        .wait_for(state.log.head().position)
        .await
        .unwrap();
    in_browser(&app, "branches", move |client| async move {
        client
            .goto(&format!("{base}/admin/branches"))
            .await
            .unwrap();
        type_into(&client, "#branch-code", "zed").await;
        type_into(&client, "#branch-name", "Head office").await;
        type_into(&client, "#branch-address", "1 Main Street").await;
        click(&client, "#branch-submit").await;
        wait_for(&client, "#branches tr[data-code=ZED]").await;

        type_into(&client, "#branch-code", "ZED").await;
        type_into(&client, "#branch-name", "Second head").await;
        let head = state.log.head().position;
        click(&client, "#branch-submit").await;
        let error = text_of(&client, "#branch-code-error").await;
        assert_eq!(error, "Another branch already has this code.");
        assert_eq!(value_of(&client, "#branch-name").await, "Second head");
        assert_eq!(state.log.head().position, head, "nothing was written");

        choose(&client, "#branch-for", &in_use.to_string()).await;
        type_into(&client, "#branch-code", "ST").await;
        type_into(&client, "#branch-name", "Split").await;
        click(&client, "#branch-submit").await;
        let row = format!("#branch-{in_use}");
        wait_for(&client, &row).await;
        assert!(text_of(&client, &row).await.contains("Split"));

        click(&client, &format!("{row} .branch-toggle")).await;
        wait_for(&client, &format!("{row} .branch-state")).await;
        let started = Instant::now();
        while text_of(&client, &format!("{row} .branch-state")).await != "Closed" {
            assert!(started.elapsed() < PAGE_WAIT, "the branch never closed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client.goto(&format!("{base}/admin/users")).await.unwrap();
        let user_branch = text_of(&client, "#user-list tr[data-login=ivo] .user-branch").await;
        assert_eq!(user_branch, "Split (ST)", "the user's branch by name");
    })
    .await;
}

/// Protects the Arabic page: right to left, its own words, and a bad code
/// refused in Arabic next to the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_branches_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "branches_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client
            .goto(&format!("{base}/admin/branches"))
            .await
            .unwrap();
        wait_for(&client, "#new-branch").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "h1").await, "الفروع");
        type_into(&client, "#branch-code", "ف 1").await;
        type_into(&client, "#branch-name", "فرع دبي").await;
        click(&client, "#branch-submit").await;
        let error = text_of(&client, "#branch-code-error").await;
        assert!(error.starts_with("أدخل من 1 إلى 10"), "{error}");
        assert_eq!(value_of(&client, "#branch-name").await, "فرع دبي");
    })
    .await;
}
