//! Interactions from the browser (issue 17): a call logged on the card
//! with its outcome, a recording link and an earlier day and time (a bad
//! link refused next to its field, the typing kept), then opened from
//! the timeline, amended, and withdrawn (an empty reason refused first).

use super::catalog::type_into;
use super::*;

/// Protects the card's log form and the interaction page: what was
/// chosen is what is recorded (outcome, link, business time), and an
/// interaction can be corrected or taken back, each refusal shown next
/// to its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_logged_earlier_is_amended_and_then_withdrawn() {
    let app = spawn_app().await;
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.erased)
            .min_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let base = app.base.clone();
    in_browser(&app, "interaction_edit", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        client
            .find(Locator::Css("#log-outcome"))
            .await
            .unwrap()
            .select_by_value("no_answer")
            .await
            .unwrap();
        type_into(&client, "#log-minutes", "3").await;
        type_into(&client, "#log-recording", "ftp://pbx.example/rec/1.mp3").await;
        set_value(&client, "#log-occurred-on", "2026-03-02").await;
        set_value(&client, "#log-occurred-time", "09:30").await;
        type_into(&client, "#log-subject", "Tried to reach the buyer").await;
        click(&client, "#log-submit").await;
        wait_for(&client, "#log-recording-error").await;
        let subject = client
            .find(Locator::Css("#log-subject"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(subject.as_deref(), Some("Tried to reach the buyer"));

        type_into(&client, "#log-recording", "https://pbx.example/rec/1.mp3").await;
        click(&client, "#log-submit").await;
        wait_for(&client, "#customer-timeline").await;
        let entry = "#customer-timeline li:has(bdi)";
        let timeline = text_of(&client, "#customer-timeline").await;
        assert!(timeline.contains("Tried to reach the buyer"), "{timeline}");
        assert!(
            timeline.contains("2 Mar 2026"),
            "logged for its day: {timeline}"
        );
        let link = client.find_all(Locator::Css(entry)).await.unwrap();
        let mut opened = false;
        for item in link {
            if item
                .text()
                .await
                .unwrap()
                .contains("Tried to reach the buyer")
            {
                item.find(Locator::Css("a"))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
                opened = true;
                break;
            }
        }
        assert!(opened, "the entry links to its interaction");
        wait_for(&client, "#amend-form").await;
        let page = text_of(&client, "main").await;
        assert!(page.contains("No answer"), "{page}");
        assert!(page.contains("https://pbx.example/rec/1.mp3"), "{page}");

        type_into(&client, "#amend-subject", "Reached on the second try").await;
        click(&client, "#amend-submit").await;
        wait_for(&client, "#amend-form").await;
        let amended = client
            .find(Locator::Css("#amend-subject"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(amended.as_deref(), Some("Reached on the second try"));

        click(&client, "#withdraw-submit").await;
        wait_for(&client, "#withdraw-reason-error").await;
        type_into(&client, "#withdraw-reason", "Logged on the wrong customer").await;
        click(&client, "#withdraw-submit").await;
        wait_for(&client, "#interaction-withdrawn").await;
        click(&client, "#interaction-customer").await;
        wait_for(&client, "#customer-name").await;
        let after = text_of(&client, "main").await;
        assert!(
            !after.contains("Reached on the second try"),
            "off the timeline"
        );
    })
    .await;
}
