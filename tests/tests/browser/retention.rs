//! Data retention rules in the browser: an administrator finds the page
//! from the users page, defines a rule, sees that it starts paused and
//! how many records it would erase, resumes it and runs it, and sees the
//! run listed with what it erased.

use super::catalog::{choose, type_into};
use super::*;

/// `text` without the isolation marks the catalogue puts around values.
fn plain(text: String) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// Protects the retention page's flow end to end: a new rule waits
/// paused with its count of due records shown; once resumed, "Run now"
/// erases exactly that many and the run is listed as the administrator's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_defines_resumes_and_runs_a_retention_rule() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "retention_rule", move |client| async move {
        client.goto(&format!("{base}/admin/users")).await.unwrap();
        click(&client, "#retention-link").await;
        wait_for(&client, "#new-rule").await;
        assert!(plain(text_of(&client, "main").await).contains("No retention rules yet"));

        type_into(&client, "#rule-name", "Leads idle for a quarter").await;
        choose(&client, "#rule-target", "leads").await;
        type_into(&client, "#rule-months", "3").await;
        click(&client, "#rule-submit").await;
        wait_for(&client, ".retention-rule").await;
        assert_eq!(plain(text_of(&client, ".rule-state").await), "Paused");
        let due_text = plain(text_of(&client, ".rule-due").await);
        let due: usize = due_text
            .rsplit(' ')
            .next()
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("a count in {due_text:?}"));
        assert!(due > 0, "the demo company has idle leads: {due_text}");
        let erased_before = state
            .read_models
            .pipeline_board
            .read(|board| board.erased_leads().count());

        click(&client, ".pause-rule").await;
        wait_for(&client, ".run-rule:not([disabled])").await;
        assert_eq!(plain(text_of(&client, ".rule-state").await), "Active");
        click(&client, ".run-rule").await;
        wait_for(&client, "#retention-notice").await;
        let notice = plain(text_of(&client, "#retention-notice").await);
        assert!(notice.contains(&format!("{due} erased")), "{notice}");
        let row = plain(text_of(&client, ".rule-runs tbody tr").await);
        assert!(row.contains(&format!("{due} erased")), "{row}");
        assert!(row.contains("Administrator"), "{row}");
        assert_eq!(
            plain(text_of(&client, ".rule-due").await),
            "Would erase now: 0"
        );
        let erased_after = state
            .read_models
            .pipeline_board
            .read(|board| board.erased_leads().count());
        assert_eq!(erased_after, erased_before + due);
    })
    .await;
}
