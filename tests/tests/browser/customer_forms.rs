//! Registering and changing customers from the browser (issue 17): a
//! company and then a person at it, each refusal shown next to its field
//! with the typing kept; on the card, a new name, a tag, a channel added,
//! changed (refused first), made primary and removed, archive and
//! restore; and the form in Arabic, right to left.

use super::catalog::type_into;
use super::*;

/// Waits until the page (after a form's redirect) no longer shows
/// `needle` in `css`.
async fn wait_until_gone(client: &Client, css: &str, needle: &str) {
    let started = Instant::now();
    loop {
        let shown = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if !shown.contains(needle) {
            return;
        }
        assert!(started.elapsed() < PAGE_WAIT, "{needle} never left {css}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn value_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Protects registration from the browser: a bad email is refused on its
/// field with the company's name kept and nothing written; corrected, the
/// company's card opens with its email; "Add a person" registers a person
/// who works at it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_and_a_person_at_it_are_registered_from_the_browser() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "customer_new", move |client| async move {
        client.goto(&format!("{base}/customers")).await.unwrap();
        click(&client, "#new-customer-link").await;
        wait_for(&client, "#new-customer").await;
        click(&client, "#kind-company").await;
        type_into(&client, "#new-name", "Nordlicht Leuchten GmbH").await;
        type_into(&client, "#new-email", "nordlicht at example").await;
        let head = state.log.head().position;
        click(&client, "#new-customer-submit").await;
        wait_for(&client, "#new-email-error").await;
        assert!(
            text_of(&client, "#new-email-error")
                .await
                .contains("email address")
        );
        assert_eq!(
            value_of(&client, "#new-name").await,
            "Nordlicht Leuchten GmbH"
        );
        assert_eq!(state.log.head().position, head, "nothing was written");

        type_into(&client, "#new-email", "Info@Nordlicht.example").await;
        type_into(&client, "#new-tags", "lighting, Wholesale").await;
        click(&client, "#new-customer-submit").await;
        wait_for(&client, "#customer-name").await;
        assert_eq!(
            text_of(&client, "#customer-name").await,
            "Nordlicht Leuchten GmbH"
        );
        assert!(
            text_of(&client, "#customer-channels")
                .await
                .contains("info@nordlicht.example")
        );
        let tags = text_of(&client, "#customer-tags").await;
        assert!(
            tags.contains("lighting") && tags.contains("wholesale"),
            "{tags}"
        );

        click(&client, "#add-person").await;
        wait_for(&client, "#new-customer-company").await;
        assert!(
            text_of(&client, "#new-customer-company")
                .await
                .contains("Nordlicht")
        );
        type_into(&client, "#new-first-name", "Greta").await;
        type_into(&client, "#new-last-name", "Lindqvist").await;
        type_into(&client, "#new-job-title", "Buyer").await;
        type_into(&client, "#new-phone", "+49 30 1234567").await;
        click(&client, "#new-customer-submit").await;
        wait_for(&client, "#customer-name").await;
        assert_eq!(text_of(&client, "#customer-name").await, "Greta Lindqvist");
        let details = text_of(&client, "main").await;
        assert!(
            details.contains("Nordlicht Leuchten GmbH"),
            "works at the company"
        );
        assert!(
            text_of(&client, "#customer-channels")
                .await
                .contains("+49301234567")
        );
    })
    .await;
}

/// Protects the card's edit forms: a rename, a tag added and removed, a
/// channel added, a bad change refused next to its field with the typing
/// kept, a change accepted, primary moved, a channel removed, and
/// archive then restore.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_changed_on_its_card() {
    let app = spawn_app().await;
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| row.is_person() && !row.erased && !row.channels.is_empty())
            .min_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let base = app.base.clone();
    in_browser(&app, "customer_edit", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        click(&client, "#edit-customer summary").await;
        type_into(&client, "#edit-first-name", "Margarete").await;
        type_into(&client, "#edit-last-name", "Sommer").await;
        click(&client, "#rename-submit").await;
        wait_for_text(&client, "#customer-name", "Margarete Sommer").await;

        click(&client, "#edit-customer summary").await;
        type_into(&client, "#edit-tag", "Key Account").await;
        click(&client, "#tag-submit").await;
        wait_for(&client, "#customer-tags").await;
        assert!(
            text_of(&client, "#customer-tags")
                .await
                .contains("key account")
        );
        click(&client, "#customer-tags .tag-remove button").await;
        wait_for(&client, "#customer-name").await;
        assert!(
            client
                .find(Locator::Css("#customer-tags mark"))
                .await
                .map(|_| ())
                .is_err()
                || !text_of(&client, "#customer-tags")
                    .await
                    .contains("key account")
        );

        click(&client, "#add-channel summary").await;
        client
            .find(Locator::Css("#channel-kind"))
            .await
            .unwrap()
            .select_by_value("email")
            .await
            .unwrap();
        type_into(&client, "#channel-value", "margarete@sommer.example").await;
        type_into(&client, "#channel-label", "private").await;
        click(&client, "#add-channel-submit").await;
        wait_for_text(&client, "#customer-channels", "margarete@sommer.example").await;

        // The new email is the last channel: change it to something that is
        // not an email, then to one that is.
        let last = "#customer-channels dd:last-of-type";
        click(&client, &format!("{last} .channel-edit summary")).await;
        let value = format!("{last} .channel-edit input[name=value]");
        type_into(&client, &value, "no email here").await;
        click(&client, &format!("{last} .channel-edit form button")).await;
        wait_for(&client, &format!("{last} small[id^=channel-value-]")).await;
        assert_eq!(value_of(&client, &value).await, "no email here");
        type_into(&client, &value, "m.sommer@sommer.example").await;
        click(&client, &format!("{last} .channel-edit form button")).await;
        wait_for(&client, "#customer-channels").await;
        assert!(
            text_of(&client, "#customer-channels")
                .await
                .contains("m.sommer@sommer.example")
        );

        click(&client, &format!("{last} .channel-edit summary")).await;
        click(
            &client,
            &format!("{last} form[action$='/edit/remove-channel'] button"),
        )
        .await;
        wait_for(&client, "#customer-name").await;
        let after = text_of(&client, "main").await;
        assert!(!after.contains("m.sommer@sommer.example"), "removed");

        click(&client, "#edit-customer summary").await;
        type_into(&client, "#edit-archive-reason", "Moved abroad").await;
        click(&client, "#archive-submit").await;
        wait_for(&client, "#restore-form").await;
        wait_for_text(&client, "main", "Archived").await;
        click(&client, "#edit-customer summary").await;
        click(&client, "#restore-submit").await;
        wait_for(&client, "#archive-form").await;
    })
    .await;
}

/// Protects the new customer form in Arabic: right to left, Arabic labels,
/// and a refusal shown in Arabic next to its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_customer_form_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let title = arabic("customer-new-title");
    let required = arabic("form-required-line");
    in_browser(&app, "customer_new_arabic", move |client| async move {
        client.goto(&format!("{base}/customers/new")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert_eq!(text_of(&client, "main h1").await, title);
        click(&client, "#kind-company").await;
        click(&client, "#new-customer-submit").await;
        wait_for(&client, "#new-name-error").await;
        assert_eq!(text_of(&client, "#new-name-error").await, required);
    })
    .await;
}

/// Protects opening a deal from the card: a missing title is refused next
/// to its field with the amount kept; then the deal opens in the chosen
/// pipeline's first stage and shows on the customer's timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_is_opened_from_the_customer_card() {
    let app = spawn_app().await;
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.erased && !row.is_person())
            .min_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let pipeline = app.state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .first()
            .map(|pipeline| pipeline.id.to_string())
            .unwrap()
    });
    let base = app.base.clone();
    in_browser(&app, "deal_from_card", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        client
            .find(Locator::Css("#deal-pipeline"))
            .await
            .unwrap()
            .select_by_value(&pipeline)
            .await
            .unwrap();
        type_into(&client, "#deal-amount", "7250.50").await;
        click(&client, "#deal-submit").await;
        wait_for(&client, "#deal-title-error").await;
        assert_eq!(value_of(&client, "#deal-amount").await, "7250.50");
        type_into(&client, "#deal-title", "Warehouse lighting retrofit").await;
        click(&client, "#deal-submit").await;
        wait_for(&client, "#customer-timeline").await;
        let timeline = text_of(&client, "#customer-timeline").await;
        assert!(
            timeline.contains("Warehouse lighting retrofit"),
            "{timeline}"
        );
    })
    .await;
}

/// Protects the card's custom fields, owner and branch: a field is set
/// (a bad name refused next to it) and cleared; the customer is handed
/// to another user and moved to a branch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_fields_owner_and_branch_change_on_the_card() {
    let app = spawn_app().await;
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.erased && !row.is_person())
            .max_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let other = domain::access::Login::parse("login", "otto")
        .unwrap()
        .user_id();
    let base = app.base.clone();
    let state = app.state.clone();
    in_browser(&app, "customer_fields", move |client| async move {
        client.goto(&format!("{base}/admin/users")).await.unwrap();
        type_into(&client, "#new-login", "otto").await;
        type_into(&client, "#new-name", "Otto Keller").await;
        click(&client, "#register-form input[value=sales_manager]").await;
        type_into(&client, "#new-password", "a long enough password 42").await;
        click(&client, "#register-form button[type=submit]").await;
        wait_for(&client, "#users-notice").await;
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        click(&client, "#edit-customer summary").await;
        type_into(&client, "#edit-field-key", "Contract No").await;
        type_into(&client, "#edit-field-value", "K-2026-117").await;
        click(&client, "#field-submit").await;
        wait_for(&client, "#edit-field-key-error").await;
        type_into(&client, "#edit-field-key", "contract_no").await;
        type_into(&client, "#edit-field-value", "K-2026-117").await;
        click(&client, "#field-submit").await;
        wait_for(&client, ".custom-field[data-key=contract_no]").await;
        assert!(
            text_of(&client, ".custom-field[data-key=contract_no]")
                .await
                .contains("K-2026-117")
        );
        click(&client, ".custom-field[data-key=contract_no] button").await;
        wait_until_gone(&client, "main", "K-2026-117").await;

        let branch = super::users::named_branch(&state, "OS", "Osijek").await;
        click(&client, "#edit-customer summary").await;
        client
            .find(Locator::Css("#edit-owner"))
            .await
            .unwrap()
            .select_by_value(&other.to_string())
            .await
            .unwrap();
        click(&client, "#owner-submit").await;
        wait_for(&client, "#customer-name").await;
        click(&client, "#edit-customer summary").await;
        super::catalog::choose(&client, "#edit-branch", &branch.to_string()).await;
        click(&client, "#branch-submit").await;
        // The move lands after the form's answer: wait for the model.
        let started = Instant::now();
        while state.read_models.customers.read(|customers| {
            customers
                .get(party)
                .and_then(|row| row.branch)
                .map(|branch| branch.as_uuid())
        }) != Some(branch)
        {
            assert!(started.elapsed() < PAGE_WAIT, "the branch never changed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (owner, saved) = state.read_models.customers.read(|customers| {
            let row = customers.get(party).unwrap();
            (row.owner, row.branch.map(|branch| branch.as_uuid()))
        });
        assert_eq!(owner, other);
        assert_eq!(saved, Some(branch));
    })
    .await;
}
