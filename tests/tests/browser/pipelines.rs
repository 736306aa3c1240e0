//! The pipelines page (issue 17): an administrator defines a pipeline
//! with its stages, adds, renames, moves and retires stages; a bad stage
//! line and a duplicate stage name are refused with the typing kept; the
//! page reads right to left in Arabic.

use super::catalog::type_into;
use super::*;

fn stage_names(state: &api::AppState, name: &str) -> Vec<String> {
    state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .find(|pipeline| pipeline.name == name)
            .map(|pipeline| {
                pipeline
                    .stages
                    .iter()
                    .map(|stage| stage.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Waits until the pipeline named `name` has `expected` stages in order.
async fn wait_for_stages(state: &api::AppState, name: &str, expected: &[&str]) {
    let started = Instant::now();
    while stage_names(state, name) != expected {
        assert!(
            started.elapsed() < PAGE_WAIT,
            "{name}: {:?}, not {expected:?}",
            stage_names(state, name)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Protects the pipeline forms end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_shapes_a_pipeline_and_its_stages() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "pipelines", move |client| async move {
        client.goto(&format!("{base}/pipeline")).await.unwrap();
        click(&client, "#pipelines-link").await;
        wait_for(&client, "#new-pipeline").await;
        type_into(&client, "#pipeline-name", "Service").await;
        type_into(&client, "#pipeline-stages", "Call, 10\nVisit").await;
        let head = state.log.head().position;
        click(&client, "#pipeline-submit").await;
        wait_for(&client, "#pipeline-stages-error").await;
        assert_eq!(
            super::catalog::value_of(&client, "#pipeline-name").await,
            "Service"
        );
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#pipeline-stages", "Call, 10\nVisit, 40 %").await;
        click(&client, "#pipeline-submit").await;
        wait_for_stages(&state, "Service", &["Call", "Visit"]).await;
        let id = state.read_models.pipeline_board.read(|board| {
            board
                .pipelines()
                .into_iter()
                .find(|pipeline| pipeline.name == "Service")
                .unwrap()
                .id
        });
        let block = format!("#pipeline-{id}");
        wait_for(&client, &block).await;

        click(&client, &format!("{block} details:first-of-type summary")).await;
        type_into(
            &client,
            &format!("{block} .add-stage-form input[name=name]"),
            "Repair",
        )
        .await;
        type_into(
            &client,
            &format!("{block} .add-stage-form input[name=probability]"),
            "70",
        )
        .await;
        click(&client, &format!("{block} .add-stage-form button")).await;
        wait_for_stages(&state, "Service", &["Call", "Visit", "Repair"]).await;

        // A second stage named "Call" is refused at the pipeline.
        wait_for(
            &client,
            &format!("{block} tbody tr:nth-child(2) .stage-form"),
        )
        .await;
        type_into(
            &client,
            &format!("{block} tbody tr:nth-child(2) .stage-form input[name=name]"),
            "call",
        )
        .await;
        click(
            &client,
            &format!("{block} tbody tr:nth-child(2) .stage-form button"),
        )
        .await;
        let error = text_of(&client, &format!("{block}-error")).await;
        assert_eq!(error, "This pipeline already has a stage with that name.");

        client
            .goto(&format!("{base}/pipeline/settings"))
            .await
            .unwrap();
        click(&client, &format!("{block} tbody tr:nth-child(3) .stage-up")).await;
        wait_for_stages(&state, "Service", &["Call", "Repair", "Visit"]).await;
        wait_for(
            &client,
            &format!("{block} tbody tr:nth-child(1) .stage-retire"),
        )
        .await;
        click(
            &client,
            &format!("{block} tbody tr:nth-child(1) .stage-retire"),
        )
        .await;
        wait_for_stages(&state, "Service", &["Repair", "Visit"]).await;
    })
    .await;
}

/// Protects the Arabic page: right to left, in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipelines_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "pipelines_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client
            .goto(&format!("{base}/pipeline/settings"))
            .await
            .unwrap();
        wait_for(&client, "#new-pipeline").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "h1").await, "مسارات المبيعات ومراحلها");
    })
    .await;
}
