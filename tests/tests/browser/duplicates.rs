//! Duplicates in the browser (issue 17): the list of possible duplicates
//! leads to a side-by-side merge preview; the merge keeps what was ticked
//! and lands on the survivor's card; the pages in Arabic.

use super::*;

/// Two companies named alike, the second with an email, through the app.
async fn lookalikes(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    use domain::parties::{PartyCommand, PartyName, RegisterParty};
    let by = app::access::Caller::process("test");
    let owner = domain::ids::UserId::from_uuid(uuid::Uuid::now_v7());
    let mut ids = Vec::new();
    for name in ["Zephyr Tiles Ltd", "ZEPHYR TILES"] {
        let party = domain::ids::PartyId::from_uuid(uuid::Uuid::now_v7());
        let register = PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: domain::values::Label::parse("name", name).unwrap(),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner,
            branch: None,
        });
        app.state
            .app
            .execute::<domain::parties::Party, _>(
                &by,
                app::Run {
                    command_id: uuid::Uuid::now_v7(),
                    expected_version: None,
                },
                party,
                register,
                None,
            )
            .await
            .unwrap();
        ids.push(party);
    }
    let email = PartyCommand::AddChannel {
        channel_id: domain::ids::ChannelId::from_uuid(uuid::Uuid::now_v7()),
        channel: domain::channel::Channel::parse(
            domain::channel::ChannelKind::Email,
            "orders@zephyr.example",
        )
        .unwrap(),
        label: None,
    };
    app.state
        .app
        .execute::<domain::parties::Party, _>(
            &by,
            app::Run {
                command_id: uuid::Uuid::now_v7(),
                expected_version: None,
            },
            ids[1],
            email,
            None,
        )
        .await
        .unwrap();
    let head = app.state.log.head().position;
    app.state
        .read_models
        .customers
        .wait_for(head)
        .await
        .unwrap();
    (ids[0].as_uuid(), ids[1].as_uuid())
}

/// Protects the merge from the browser: found on the list, previewed side
/// by side, merged keeping the duplicate's email on the survivor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookalike_customers_are_merged_from_the_duplicates_list() {
    let app = spawn_app().await;
    let (survivor, duplicate) = lookalikes(&app).await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "duplicates", move |client| async move {
        client.goto(&format!("{base}/customers")).await.unwrap();
        click(&client, "#duplicates-link").await;
        let link =
            format!(r#"a.merge-link[data-duplicate="{duplicate}"][data-survivor="{survivor}"]"#);
        click(&client, &link).await;
        wait_for(&client, "#merge-sides").await;
        assert!(
            text_of(&client, "#merge-duplicate")
                .await
                .contains("orders@zephyr.example")
        );
        click(&client, "#merge-submit").await;
        wait_for(&client, "#customer-name").await;
        let channels = state.read_models.customers.read(|customers| {
            customers
                .get(domain::ids::PartyId::from_uuid(survivor))
                .map(|row| {
                    row.channels
                        .iter()
                        .map(|c| c.value.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        assert_eq!(channels, ["orders@zephyr.example"]);
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .ends_with(&survivor.to_string())
        );
    })
    .await;
}

/// Protects the Arabic pages: the list and the preview right to left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merge_preview_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let (survivor, duplicate) = lookalikes(&app).await;
    let url = format!("{}/customers/{duplicate}/merge?into={survivor}", app.base);
    in_browser(&app, "duplicates_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client.goto(&url).await.unwrap();
        wait_for(&client, "#merge-sides").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "#merge-survivor h2").await, "سيبقى");
    })
    .await;
}
