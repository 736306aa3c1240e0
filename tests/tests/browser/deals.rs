//! The deal page (issue 17): an open deal's title, amount, probability,
//! expected close and owner changed in one form (a bad value refused next
//! to its field with the typing kept, nothing written), a closed deal
//! reopened on a stage, and the page in Arabic.

use super::catalog::{choose, type_into, value_of};
use super::*;

/// An open deal of the demo, and its pipeline's first stage.
fn open_deal(app: &TestApp) -> (domain::ids::DealId, domain::ids::StageId) {
    app.state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .find_map(|pipeline| {
                let shown = board.board(pipeline.id, None, 1)?;
                let deal = shown
                    .columns
                    .iter()
                    .find_map(|column| column.deals.first())?;
                Some((deal.id, pipeline.stages.first()?.id))
            })
            .expect("an open deal on a pipeline")
    })
}

/// Protects the deal form: a probability over 100 is refused next to it
/// with the amount typed kept and nothing written; then the amount,
/// probability and expected close change together and show on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_is_changed_from_its_page() {
    let app = spawn_app().await;
    let (deal, _) = open_deal(&app);
    let url = format!("{}/deals/{deal}", app.base);
    let state = app.state.clone();
    in_browser(&app, "deal_edit", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, "#deal-edit").await;
        type_into(&client, "#deal-amount", "1234.50").await;
        type_into(&client, "#deal-probability", "150").await;
        let head = state.log.head().position;
        click(&client, "#deal-edit-submit").await;
        let error = text_of(&client, "#deal-probability-error").await;
        assert_eq!(error, "Enter a whole percentage from 0 to 100.");
        assert_eq!(value_of(&client, "#deal-amount").await, "1234.50");
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#deal-probability", "60").await;
        set_value(&client, "#deal-expected-close", "2027-03-31").await;
        click(&client, "#deal-edit-submit").await;
        let started = Instant::now();
        loop {
            let facts = text_of(&client, "#deal-facts").await;
            if facts.contains("1,234.50") && facts.contains("60 %") {
                assert!(facts.contains("2027"), "{facts}");
                break;
            }
            assert!(
                started.elapsed() < PAGE_WAIT,
                "the deal never changed: {facts}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// Protects reopening: a lost deal's page says it is closed and offers
/// its pipeline's stages; reopened, it is open again with the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_deal_is_reopened_from_its_page() {
    let app = spawn_app().await;
    let (deal, stage) = open_deal(&app);
    app.state
        .app
        .execute::<domain::pipeline::Deal, _>(
            &app::access::Caller::process("test"),
            app::Run {
                command_id: uuid::Uuid::now_v7(),
                expected_version: None,
            },
            deal,
            domain::pipeline::DealCommand::Lose {
                reason: domain::values::Label::parse("reason", "Too dear").unwrap(),
            },
            None,
        )
        .await
        .unwrap();
    let url = format!("{}/deals/{deal}", app.base);
    in_browser(&app, "deal_reopen", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, "#deal-closed").await;
        assert!(text_of(&client, "#deal-facts").await.contains("Too dear"));
        choose(&client, "#deal-reopen-stage", &stage.to_string()).await;
        click(&client, "#deal-reopen-submit").await;
        wait_for(&client, "#deal-edit").await;
        assert_eq!(text_of(&client, "#deal-status").await, "Open");
    })
    .await;
}

/// Protects the Arabic page: right to left, its labels in Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deal_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let (deal, _) = open_deal(&app);
    let url = format!("{}/deals/{deal}", app.base);
    in_browser(&app, "deal_ar", move |client| async move {
        // The language is chosen on the page itself, which it reloads.
        client.goto(&url).await.unwrap();
        wait_for(&client, "#deal-edit").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "#deal-edit-heading").await, "تغيير الصفقة");
    })
    .await;
}

/// Protects a stage's list of every open deal: it holds the stage's open
/// deals, newest first, finds one by a word of its title, says when
/// nothing matches with the search kept, and reads right to left in
/// Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stages_deals_are_listed_and_found_by_title() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let (pipeline, stage, deals) = app.state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .find_map(|pipeline| {
                let shown = board.board(pipeline.id, None, 1)?;
                let column = shown.columns.iter().find(|column| column.count > 0)?;
                let (page, _) =
                    board.stage_deals_page(pipeline.id, column.stage.id, None, 50, |_| true);
                let deals: Vec<(domain::ids::DealId, String)> = page
                    .iter()
                    .map(|deal| (deal.id, deal.title.clone()))
                    .collect();
                Some((pipeline.id, column.stage.id, deals))
            })
            .expect("an open deal on a pipeline")
    });
    let (newest, title) = deals[0].clone();
    let word = title
        .split_whitespace()
        .max_by_key(|word| word.chars().count())
        .unwrap()
        .to_owned();
    in_browser(&app, "stage_deals", move |client| async move {
        client
            .goto(&format!(
                "{base}/pipeline/stage?pipeline={pipeline}&stage={stage}"
            ))
            .await
            .unwrap();
        wait_for(&client, "#stage-deal-list").await;
        wait_for_count(&client, "#stage-deal-list tbody tr", deals.len()).await;
        let first = client
            .find(Locator::Css("#stage-deal-list tbody tr"))
            .await
            .unwrap()
            .attr("data-deal")
            .await
            .unwrap();
        assert_eq!(first, Some(newest.to_string()), "newest first");

        type_into(&client, "#stage-deal-search", &word).await;
        click(&client, "#stage-deal-search-submit").await;
        wait_for(&client, &format!(r#"#stage-deal-search[value="{word}"]"#)).await;
        wait_for(&client, &format!(r#"tr[data-deal="{newest}"]"#)).await;

        type_into(&client, "#stage-deal-search", "zzqx-nothing").await;
        click(&client, "#stage-deal-search-submit").await;
        wait_for(&client, "#stage-deals-none").await;
        assert_eq!(
            value_of(&client, "#stage-deal-search").await,
            "zzqx-nothing"
        );

        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "#stage-deal-search-submit", "عرض").await;
    })
    .await;
}
