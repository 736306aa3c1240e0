//! The CRM core's commands and read models over HTTP: parties, leads,
//! pipelines, deals, interactions, tasks and the calendar.
//!
//! Each write endpoint goes through [`check_write`]: an unknown aggregate
//! (404), a stale `If-Match` (412), a bad value naming its field (400),
//! then the write itself (200); the scenarios add the broken rules (422)
//! and the reads.

use super::*;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    party_commands_change_a_party_and_refuse_what_breaks_a_rule();
    merging_a_duplicate_redirects_it_to_the_survivor_once();
    the_party_list_filters_by_tag_owner_branch_kind_and_status();
    a_party_timeline_pages_newest_first();
    a_lead_is_captured_assigned_disqualified_reopened_and_converted();
    pipeline_stages_are_edited_and_the_board_shows_open_deals();
    deal_details_change_until_the_deal_is_closed();
    deal_and_interaction_writes_answer_like_every_write();
    tasks_are_edited_reassigned_reprioritized_and_listed_by_due_time();
    calendar_entries_are_scheduled_changed_listed_and_closed();
    the_funnel_and_activity_reports_answer_per_period_as_of_and_as_known_at();
}

/// The routes of this file, for the document's route list in `main.rs`.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/parties/{id}/rename"),
    ("post", "/api/v1/parties/{id}/join-company"),
    ("post", "/api/v1/parties/{id}/leave-company"),
    ("post", "/api/v1/parties/{id}/channels"),
    ("post", "/api/v1/parties/{id}/channels/change"),
    ("post", "/api/v1/parties/{id}/channels/remove"),
    ("post", "/api/v1/parties/{id}/channels/make-primary"),
    ("post", "/api/v1/parties/{id}/tag"),
    ("post", "/api/v1/parties/{id}/untag"),
    ("post", "/api/v1/parties/{id}/source"),
    ("post", "/api/v1/parties/{id}/assign-owner"),
    ("post", "/api/v1/parties/{id}/move-to-branch"),
    ("post", "/api/v1/parties/{id}/custom-fields"),
    ("post", "/api/v1/parties/{id}/custom-fields/clear"),
    ("post", "/api/v1/parties/{id}/archive"),
    ("post", "/api/v1/parties/{id}/restore"),
    ("post", "/api/v1/parties/{id}/merge"),
    ("get", "/api/v1/parties/{id}/timeline"),
    ("post", "/api/v1/leads"),
    ("get", "/api/v1/leads/{id}"),
    ("post", "/api/v1/leads/{id}/assign-owner"),
    ("post", "/api/v1/leads/{id}/disqualify"),
    ("post", "/api/v1/leads/{id}/reopen"),
    ("post", "/api/v1/leads/{id}/convert"),
    ("post", "/api/v1/pipelines/{id}/rename"),
    ("post", "/api/v1/pipelines/{id}/stages"),
    ("post", "/api/v1/pipelines/{id}/stages/rename"),
    ("post", "/api/v1/pipelines/{id}/stages/probability"),
    ("post", "/api/v1/pipelines/{id}/stages/move"),
    ("post", "/api/v1/pipelines/{id}/stages/retire"),
    ("get", "/api/v1/pipelines/{id}/board"),
    ("post", "/api/v1/deals/{id}/probability"),
    ("post", "/api/v1/deals/{id}/amount"),
    ("post", "/api/v1/deals/{id}/expected-close"),
    ("post", "/api/v1/deals/{id}/assign-owner"),
    ("post", "/api/v1/deals/{id}/rename"),
    ("post", "/api/v1/tasks/{id}/edit"),
    ("post", "/api/v1/tasks/{id}/reassign"),
    ("post", "/api/v1/tasks/{id}/reprioritize"),
    ("post", "/api/v1/calendar-entries"),
    ("get", "/api/v1/calendar-entries"),
    ("get", "/api/v1/calendar-entries/{id}"),
    ("post", "/api/v1/calendar-entries/{id}/reschedule"),
    ("post", "/api/v1/calendar-entries/{id}/attendees"),
    ("post", "/api/v1/calendar-entries/{id}/edit"),
    ("post", "/api/v1/calendar-entries/{id}/complete"),
    ("post", "/api/v1/calendar-entries/{id}/reopen"),
    ("post", "/api/v1/calendar-entries/{id}/cancel"),
    ("get", "/api/v1/reports/funnel"),
    ("get", "/api/v1/reports/activity"),
];

/// `route` (with `{id}`) for one aggregate.
fn at(route: &str, id: Uuid) -> String {
    format!("/api/v1{}", route.replace("{id}", &id.to_string()))
}

/// Checks a write on aggregate `id` answers an unknown aggregate with
/// 404, a stale `If-Match` with 412 and the current version, and `bad`
/// with 400 naming `field`; then makes the write with `body` and returns
/// its answer.
async fn check_write(
    app: &TestApp,
    route: &str,
    id: Uuid,
    body: Value,
    bad: Value,
    field: &str,
) -> Written {
    let unknown = app.post(&at(route, Uuid::now_v7()), body.clone()).await;
    unknown.assert_problem(404);

    let stale = app
        .post_with(&at(route, id), body.clone(), &[("if-match", "\"999\"")])
        .await;
    stale.assert_problem(412);
    assert!(stale.body["current_version"].is_u64(), "{:#}", stale.body);
    assert_eq!(
        stale.etag,
        Some(format!("\"{}\"", stale.body["current_version"]))
    );

    let invalid = app.post(&at(route, id), bad).await;
    invalid.assert_problem(400);
    assert_eq!(invalid.field(), field, "{route}: {:#}", invalid.body);

    let done = app.post(&at(route, id), body).await;
    assert_eq!(done.status, StatusCode::OK, "{route}: {:#}", done.body);
    let written = done.written();
    assert_eq!(written.id, id);
    assert_eq!(
        done.etag,
        written.version.map(|version| format!("\"{version}\""))
    );
    written
}

/// [`check_write`] for several writes on one aggregate, in order: each
/// is `(route, body, bad body, the bad body's field)`.
async fn check_writes<const N: usize>(
    app: &TestApp,
    id: Uuid,
    writes: [(&str, Value, Value, &str); N],
) {
    for (route, body, bad, field) in writes {
        check_write(app, route, id, body, bad, field).await;
    }
}

/// Posts `body` to `route` on `id` and expects the broken rule `rule`.
async fn assert_rule(app: &TestApp, route: &str, id: Uuid, body: Value, rule: &str) {
    let answer = app.post(&at(route, id), body).await;
    answer.assert_problem(422);
    assert_eq!(answer.body["rule"], rule, "{route}: {:#}", answer.body);
}

async fn person(app: &TestApp, first_name: &str) -> Uuid {
    app.write(
        "/api/v1/parties",
        json!({"kind": "person", "first_name": first_name}),
    )
    .await
    .id
}

fn uuid_of(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().unwrap()).unwrap()
}

/// Protects every party command: each changes what the party reads back
/// as, answers 404, 412 and 400 like every write, and an archived party
/// refuses content changes (422 `party.archived`) until restored.
#[tokio::test]
async fn party_commands_change_a_party_and_refuse_what_breaks_a_rule() {
    let app = spawn_app().await;
    let company = app.company("Acme").await;
    let ivan = person(&app, "Ivan").await;
    let owner = Uuid::now_v7();
    let branch = Uuid::now_v7();

    check_writes(
        &app,
        ivan,
        [
            (
                "/parties/{id}/rename",
                json!({"first_name": "Ivan", "last_name": "Petrov"}),
                json!({"first_name": " "}),
                "first_name",
            ),
            (
                "/parties/{id}/join-company",
                json!({"company": company, "job_title": "Buyer"}),
                json!({"company": company, "job_title": "Buyer\nand more"}),
                "job_title",
            ),
            (
                "/parties/{id}/channels",
                json!({"kind": "email", "value": "Ivan@Example.com", "label": "work"}),
                json!({"kind": "pager", "value": "1"}),
                "kind",
            ),
            (
                "/parties/{id}/channels",
                json!({"kind": "email", "value": "ivan@home.example"}),
                json!({"kind": "email", "value": "ivan at home"}),
                "value",
            ),
        ],
    )
    .await;
    let company_rename = app
        .post(
            &at("/parties/{id}/rename", company),
            json!({"first_name": "X"}),
        )
        .await;
    company_rename.assert_problem(400);
    assert_eq!(company_rename.field(), "name");
    let joined_person = app
        .post(
            &at("/parties/{id}/join-company", company),
            json!({"company": ivan}),
        )
        .await;
    joined_person.assert_problem(400);
    assert_eq!(joined_person.field(), "company");
    let read = app.get(&format!("/api/v1/parties/{ivan}")).await;
    let channels = read.body["channels"].as_array().unwrap().clone();
    assert_eq!(channels.len(), 2);
    assert_eq!(channels[0]["value"], "ivan@example.com");
    assert_eq!(channels[0]["primary"], true);
    let (work, home) = (uuid_of(&channels[0]["id"]), uuid_of(&channels[1]["id"]));
    check_writes(
        &app,
        ivan,
        [
            (
                "/parties/{id}/channels/change",
                json!({"channel": work, "value": "ivan@acme.example"}),
                json!({"channel": work, "value": "not an address"}),
                "value",
            ),
            (
                "/parties/{id}/channels/make-primary",
                json!({"channel": home}),
                json!({"channel": "home"}),
                "channel",
            ),
            (
                "/parties/{id}/channels/remove",
                json!({"channel": work}),
                json!({"channel": 7}),
                "channel",
            ),
            (
                "/parties/{id}/tag",
                json!({"tag": "VIP"}),
                json!({"tag": "a,b"}),
                "tag",
            ),
            ("/parties/{id}/tag", json!({"tag": "fair"}), json!({}), "body"),
            (
                "/parties/{id}/untag",
                json!({"tag": "fair"}),
                json!({"tag": ""}),
                "tag",
            ),
            (
                "/parties/{id}/source",
                json!({"source": "website"}),
                json!({"source": 5}),
                "source",
            ),
            (
                "/parties/{id}/assign-owner",
                json!({"owner": owner}),
                json!({"owner": "someone"}),
                "owner",
            ),
            (
                "/parties/{id}/move-to-branch",
                json!({"branch": branch}),
                json!({"branch": "north"}),
                "branch",
            ),
            (
                "/parties/{id}/custom-fields",
                json!({"key": "credit_limit", "value": {"money": {"amount": "500.00", "currency": "EUR"}}}),
                json!({"key": "credit_limit", "value": {"money": {"amount": "5", "currency": "euro"}}}),
                "value.money.currency",
            ),
            (
                "/parties/{id}/custom-fields",
                json!({"key": "vat_number", "value": {"text": "DE123"}}),
                json!({"key": "vat_number", "value": {"colour": "red"}}),
                "value",
            ),
            (
                "/parties/{id}/custom-fields/clear",
                json!({"key": "vat_number"}),
                json!({"key": "Vat Number"}),
                "key",
            ),
        ],
    )
    .await;
    let read = app.get(&format!("/api/v1/parties/{ivan}")).await;
    assert_eq!(read.body["display_name"], "Ivan Petrov");
    assert_eq!(read.body["company"], company.to_string());
    assert_eq!(read.body["job_title"], "Buyer");
    assert_eq!(read.body["tags"], json!(["vip"]));
    assert_eq!(read.body["source"], "website");
    assert_eq!(read.body["owner"], owner.to_string());
    assert_eq!(read.body["branch"], branch.to_string());
    assert_eq!(
        read.body["custom_fields"],
        json!({"credit_limit": {"money": {"amount": "500", "currency": "EUR"}}})
    );
    let channels = read.body["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0]["primary"], true);
    check_writes(
        &app,
        ivan,
        [
            (
                "/parties/{id}/leave-company",
                json!({}),
                json!({"company": company}),
                "company",
            ),
            (
                "/parties/{id}/archive",
                json!({"reason": "left the market"}),
                json!({"reason": "left\nthe market"}),
                "reason",
            ),
        ],
    )
    .await;

    // Archived: every content change is refused until restored.
    let content = [
        ("/parties/{id}/rename", json!({"first_name": "Vanya"})),
        ("/parties/{id}/join-company", json!({"company": company})),
        ("/parties/{id}/leave-company", json!({})),
        (
            "/parties/{id}/channels",
            json!({"kind": "skype", "value": "ivan.petrov"}),
        ),
        (
            "/parties/{id}/channels/change",
            json!({"channel": home, "value": "x@example.com"}),
        ),
        ("/parties/{id}/channels/remove", json!({"channel": home})),
        (
            "/parties/{id}/channels/make-primary",
            json!({"channel": home}),
        ),
        ("/parties/{id}/tag", json!({"tag": "late"})),
        ("/parties/{id}/untag", json!({"tag": "vip"})),
        ("/parties/{id}/source", json!({"source": "fair"})),
        (
            "/parties/{id}/assign-owner",
            json!({"owner": Uuid::now_v7()}),
        ),
        ("/parties/{id}/move-to-branch", json!({"branch": null})),
        (
            "/parties/{id}/custom-fields",
            json!({"key": "flagged", "value": {"flag": true}}),
        ),
        (
            "/parties/{id}/custom-fields/clear",
            json!({"key": "credit_limit"}),
        ),
    ];
    for (route, body) in content {
        assert_rule(&app, route, ivan, body, "party.archived").await;
    }
    check_write(
        &app,
        "/parties/{id}/restore",
        ivan,
        json!({}),
        json!({"reason": "back"}),
        "reason",
    )
    .await;
    let read = app.get(&format!("/api/v1/parties/{ivan}")).await;
    assert_eq!(read.body["status"], "active");
    let company_joins = app
        .post(
            &at("/parties/{id}/join-company", company),
            json!({"company": app.company("Other").await}),
        )
        .await;
    company_joins.assert_problem(422);
    assert_eq!(company_joins.body["rule"], "party.not_a_person");
    app.stop().await;
}

/// Protects the merge across two streams: the survivor records what it
/// absorbed and the duplicate redirects to it; a retry under the same key
/// is answered as a repeat; a merged party refuses archive, restore and
/// another merge (422), and a merge into itself is a 400.
#[tokio::test]
async fn merging_a_duplicate_redirects_it_to_the_survivor_once() {
    let app = spawn_app().await;
    let survivor = app.company("Acme").await;
    let duplicate = app.company("ACME Ltd").await;
    let key = [("idempotency-key", "merge-acme")];

    let self_merge = app
        .post(
            &at("/parties/{id}/merge", duplicate),
            json!({"into": duplicate}),
        )
        .await;
    self_merge.assert_problem(400);
    assert_eq!(self_merge.field(), "survivor");
    let nowhere = app
        .post(
            &at("/parties/{id}/merge", duplicate),
            json!({"into": Uuid::now_v7()}),
        )
        .await;
    nowhere.assert_problem(404);
    let merged = check_write(
        &app,
        "/parties/{id}/merge",
        duplicate,
        json!({"into": survivor}),
        json!({"into": "acme"}),
        "into",
    )
    .await;
    assert!(!merged.repeated);
    let read = app.get(&format!("/api/v1/parties/{duplicate}")).await;
    assert_eq!(read.body["status"], "merged");
    assert_eq!(read.body["merged_into"], survivor.to_string());
    let survivor_read = app.get(&format!("/api/v1/parties/{survivor}")).await;
    assert_eq!(survivor_read.etag.as_deref(), Some("\"1\""));

    // The same merge under one key: once, then a repeat with the same answer.
    let other = app.company("Acme Inc").await;
    let first = app
        .post_with(
            &at("/parties/{id}/merge", other),
            json!({"into": survivor}),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let again = app
        .post_with(
            &at("/parties/{id}/merge", other),
            json!({"into": survivor}),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:#}", again.body);
    assert!(again.written().repeated);
    assert_eq!(again.written().position, first.written().position);

    assert_rule(
        &app,
        "/parties/{id}/merge",
        other,
        json!({"into": duplicate}),
        "party.merged",
    )
    .await;
    assert_rule(
        &app,
        "/parties/{id}/archive",
        other,
        json!({}),
        "party.merged",
    )
    .await;
    assert_rule(
        &app,
        "/parties/{id}/restore",
        other,
        json!({}),
        "party.merged",
    )
    .await;
    app.stop().await;
}

/// Protects the party list's filters: tag, owner, branch, kind and
/// status narrow the name-ordered list, and a bad filter is a 400 naming
/// it.
#[tokio::test]
async fn the_party_list_filters_by_tag_owner_branch_kind_and_status() {
    let app = spawn_app().await;
    let owner = Uuid::now_v7();
    let branch = Uuid::now_v7();
    let acme = app.company("Acme").await;
    let bolt = app.company("Bolt").await;
    let ivan = person(&app, "Ivan").await;
    app.write(&at("/parties/{id}/tag", acme), json!({"tag": "vip"}))
        .await;
    app.write(&at("/parties/{id}/tag", ivan), json!({"tag": "vip"}))
        .await;
    app.write(
        &at("/parties/{id}/assign-owner", bolt),
        json!({"owner": owner}),
    )
    .await;
    app.write(
        &at("/parties/{id}/move-to-branch", ivan),
        json!({"branch": branch}),
    )
    .await;
    let last = app
        .write(&at("/parties/{id}/archive", bolt), json!({}))
        .await;
    let names = |answer: &Answer| -> Vec<String> {
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["display_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |query: String| {
        let app = &app;
        async move {
            app.get(&format!(
                "/api/v1/parties?{query}&wait_for={}",
                last.position
            ))
            .await
        }
    };
    assert_eq!(names(&list("tag=VIP".into()).await), ["Acme", "Ivan"]);
    assert_eq!(names(&list("tag=vip&kind=person".into()).await), ["Ivan"]);
    assert_eq!(names(&list(format!("branch={branch}")).await), ["Ivan"]);
    assert!(names(&list(format!("owner={owner}")).await).is_empty());
    let archived = list(format!("owner={owner}&status=archived")).await;
    assert_eq!(names(&archived), ["Bolt"]);
    assert_eq!(archived.body["rows"][0]["status"], "archived");
    assert_eq!(archived.body["rows"][0]["owner"], owner.to_string());
    assert_eq!(
        names(&list("status=all".into()).await),
        ["Acme", "Bolt", "Ivan"]
    );
    let bad = list("kind=robot".into()).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "kind");
    let bad = list("tag=a,b".into()).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "tag");
    app.stop().await;
}

/// Protects the customer 360 over HTTP: a party's timeline comes newest
/// first, a page at a time by cursor without repeats, an unknown party is
/// a 404 and a bad cursor a 400.
#[tokio::test]
async fn a_party_timeline_pages_newest_first() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let mut last = None;
    for day in 1..=3 {
        let occurred_at = format!("2026-01-0{day}T10:00:00Z");
        last = Some(
            app.write(
                &format!("/api/v1/parties/{party}/interactions"),
                json!({"kind": "note", "body": format!("Note {day}"), "occurred_at": occurred_at}),
            )
            .await,
        );
    }
    let wait = last.unwrap().position;
    let first = app
        .get(&format!(
            "/api/v1/parties/{party}/timeline?limit=2&wait_for={wait}"
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let titles = |answer: &Answer| -> Vec<String> {
        answer.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&first), ["Note 3", "Note 2"]);
    assert_eq!(first.body["rows"][0]["kind"], "note");
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/api/v1/parties/{party}/timeline?limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(titles(&second), ["Note 1"]);
    assert!(second.body["next_cursor"].is_null());

    app.get(&format!("/api/v1/parties/{}/timeline", Uuid::now_v7()))
        .await
        .assert_problem(404);
    let bad = app
        .get(&format!("/api/v1/parties/{party}/timeline?cursor=00ff"))
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "cursor");
    app.stop().await;
}

pub(crate) async fn sales_pipeline(app: &TestApp, stages: &[(&str, u8)]) -> (Uuid, Vec<Uuid>) {
    let stages: Vec<Value> = stages
        .iter()
        .map(|(name, probability)| json!({"name": name, "probability": probability}))
        .collect();
    let id = app
        .write(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": stages}),
        )
        .await
        .id;
    (id, stage_ids(app, id).await)
}

pub(crate) async fn stage_ids(app: &TestApp, pipeline: Uuid) -> Vec<Uuid> {
    let read = app.get(&format!("/api/v1/pipelines/{pipeline}")).await;
    read.body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stage| uuid_of(&stage["id"]))
        .collect()
}

/// Protects leads end to end: capture (400 for a bad value, 404 for an
/// unknown party), read, assign, disqualify, reopen, and conversion into a
/// deal on a pipeline, safe to retry; a disqualified lead refuses an owner
/// and conversion, a converted one refuses everything (422).
#[tokio::test]
async fn a_lead_is_captured_assigned_disqualified_reopened_and_converted() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (pipeline, stages) = sales_pipeline(&app, &[("Qualify", 10), ("Propose", 40)]).await;

    let blank = app
        .post("/api/v1/leads", json!({"title": "Website form"}))
        .await;
    blank.assert_problem(400);
    assert_eq!(blank.field(), "contact_name");
    let bad_email = app
        .post(
            "/api/v1/leads",
            json!({"title": "Fair", "contact_name": "Olga", "email": "olga at example"}),
        )
        .await;
    bad_email.assert_problem(400);
    assert_eq!(bad_email.field(), "email");
    app.post(
        "/api/v1/leads",
        json!({"title": "Fair", "party": Uuid::now_v7()}),
    )
    .await
    .assert_problem(404);
    let captured = app
        .post(
            "/api/v1/leads",
            json!({"title": "Fair contact", "contact_name": "Olga", "email": "Olga@Example.com",
                   "phone": "+49 30 1234567", "source": "fair"}),
        )
        .await;
    assert_eq!(captured.status, StatusCode::CREATED, "{:#}", captured.body);
    let lead = captured.written().id;
    let read = app.get(&format!("/api/v1/leads/{lead}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag.as_deref(), Some("\"0\""));
    assert_eq!(read.body["email"], "olga@example.com");
    assert_eq!(read.body["status"], "open");
    app.get(&format!("/api/v1/leads/{}", Uuid::now_v7()))
        .await
        .assert_problem(404);

    let owner = Uuid::now_v7();
    check_write(
        &app,
        "/leads/{id}/assign-owner",
        lead,
        json!({"owner": owner}),
        json!({"owner": 1}),
        "owner",
    )
    .await;
    check_write(
        &app,
        "/leads/{id}/disqualify",
        lead,
        json!({"reason": "no budget"}),
        json!({"reason": ""}),
        "reason",
    )
    .await;
    assert_rule(
        &app,
        "/leads/{id}/assign-owner",
        lead,
        json!({"owner": Uuid::now_v7()}),
        "lead.disqualified",
    )
    .await;
    let convert = json!({"party": party, "pipeline": pipeline, "amount": "900", "currency": "EUR"});
    assert_rule(
        &app,
        "/leads/{id}/convert",
        lead,
        convert.clone(),
        "lead.disqualified",
    )
    .await;
    check_write(
        &app,
        "/leads/{id}/reopen",
        lead,
        json!({}),
        json!({"reason": "x"}),
        "reason",
    )
    .await;
    let no_party = app
        .post(
            &at("/leads/{id}/convert", lead),
            json!({"pipeline": pipeline, "amount": "900", "currency": "EUR"}),
        )
        .await;
    no_party.assert_problem(400);
    assert_eq!(no_party.field(), "party");
    let converted = check_write(
        &app,
        "/leads/{id}/convert",
        lead,
        convert.clone(),
        json!({"party": party, "pipeline": pipeline, "amount": "900", "currency": "EUR",
               "stage": Uuid::now_v7()}),
        "stage",
    )
    .await;
    let read = app.get(&format!("/api/v1/leads/{lead}")).await;
    assert_eq!(read.body["status"], "converted");
    assert_eq!(read.body["party"], party.to_string());
    let deal = uuid_of(&read.body["deal"]);
    let deal_read = app.get(&format!("/api/v1/deals/{deal}")).await;
    assert_eq!(deal_read.status, StatusCode::OK);
    assert_eq!(deal_read.body["title"], "Fair contact");
    assert_eq!(deal_read.body["stage"], stages[0].to_string());
    assert_eq!(deal_read.body["owner"], owner.to_string());
    assert!(!converted.repeated);

    for (route, body) in [
        ("/leads/{id}/assign-owner", json!({"owner": owner})),
        ("/leads/{id}/disqualify", json!({"reason": "late"})),
        ("/leads/{id}/reopen", json!({})),
        ("/leads/{id}/convert", convert.clone()),
    ] {
        assert_rule(&app, route, lead, body, "lead.converted").await;
    }

    // A conversion retried under its key opens one deal.
    let second = app
        .write(
            "/api/v1/leads",
            json!({"title": "Referral", "party": party}),
        )
        .await
        .id;
    let key = [("idempotency-key", "convert-referral")];
    let body = json!({"pipeline": pipeline, "stage": stages[1], "amount": "50", "currency": "EUR"});
    let first = app
        .post_with(&at("/leads/{id}/convert", second), body.clone(), &key)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    let again = app
        .post_with(&at("/leads/{id}/convert", second), body, &key)
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:#}", again.body);
    assert!(again.written().repeated);
    assert_eq!(again.written().position, first.written().position);
    app.stop().await;
}

/// Protects the pipeline's stage commands and the board: stages are
/// added, renamed, repriced, moved and retired (duplicate names and the
/// last stage are 422s), and the board shows each active stage's open
/// deals with their count and sums.
#[tokio::test]
async fn pipeline_stages_are_edited_and_the_board_shows_open_deals() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (pipeline, stages) = sales_pipeline(&app, &[("Qualify", 10), ("Propose", 40)]).await;

    check_writes(
        &app,
        pipeline,
        [
            (
                "/pipelines/{id}/rename",
                json!({"name": "Direct sales"}),
                json!({"name": ""}),
                "name",
            ),
            (
                "/pipelines/{id}/stages",
                json!({"name": "Negotiate", "probability": 70, "position": 1}),
                json!({"name": "Negotiate", "probability": 170}),
                "probability",
            ),
        ],
    )
    .await;
    assert_rule(
        &app,
        "/pipelines/{id}/stages",
        pipeline,
        json!({"name": "qualify", "probability": 5}),
        "pipeline.duplicate_stage_name",
    )
    .await;
    let now = stage_ids(&app, pipeline).await;
    assert_eq!(now.len(), 3);
    assert_eq!((now[0], now[2]), (stages[0], stages[1]));
    let negotiate = now[1];
    check_write(
        &app,
        "/pipelines/{id}/stages/rename",
        pipeline,
        json!({"stage": negotiate, "name": "Negotiation"}),
        json!({"stage": negotiate, "name": " "}),
        "name",
    )
    .await;
    assert_rule(
        &app,
        "/pipelines/{id}/stages/rename",
        pipeline,
        json!({"stage": negotiate, "name": "PROPOSE"}),
        "pipeline.duplicate_stage_name",
    )
    .await;
    check_writes(
        &app,
        pipeline,
        [
            (
                "/pipelines/{id}/stages/probability",
                json!({"stage": negotiate, "probability": 75}),
                json!({"stage": negotiate, "probability": -1}),
                "probability",
            ),
            (
                "/pipelines/{id}/stages/move",
                json!({"stage": negotiate, "position": 2}),
                json!({"stage": negotiate, "position": 9}),
                "position",
            ),
            (
                "/pipelines/{id}/stages/retire",
                json!({"stage": stages[1]}),
                json!({"stage": null}),
                "stage",
            ),
        ],
    )
    .await;
    let read = app.get(&format!("/api/v1/pipelines/{pipeline}")).await;
    assert_eq!(read.body["name"], "Direct sales");
    let names: Vec<&str> = read.body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stage| stage["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Qualify", "Negotiation"]);
    assert_eq!(read.body["stages"][1]["probability"], 75);
    let (single, only) = sales_pipeline(&app, &[("Only", 50)]).await;
    assert_rule(
        &app,
        "/pipelines/{id}/stages/retire",
        single,
        json!({"stage": only[0]}),
        "pipeline.last_stage",
    )
    .await;

    let mut last = 0;
    for amount in ["100", "300"] {
        last = app
            .write(
                "/api/v1/deals",
                json!({"title": format!("Deal {amount}"), "party": party, "pipeline": pipeline,
                       "stage": negotiate, "amount": amount, "currency": "EUR"}),
            )
            .await
            .position;
    }
    let board = app
        .get(&format!(
            "/api/v1/pipelines/{pipeline}/board?cards=1&wait_for={last}"
        ))
        .await;
    assert_eq!(board.status, StatusCode::OK, "{:#}", board.body);
    let column = &board.body["columns"][1];
    assert_eq!(column["stage"]["id"], negotiate.to_string());
    assert_eq!(column["count"], 2);
    assert_eq!(column["deals"].as_array().unwrap().len(), 1);
    assert_eq!(column["deals"][0]["title"], "Deal 300");
    assert_eq!(column["total"]["EUR"], "400");
    assert_eq!(board.body["columns"][0]["count"], 0);
    app.get(&format!("/api/v1/pipelines/{}/board", Uuid::now_v7()))
        .await
        .assert_problem(404);
    let bad = app
        .get(&format!("/api/v1/pipelines/{pipeline}/board?cards=0"))
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "cards");
    app.stop().await;
}

/// Protects the deal's detail commands: probability, amount, expected
/// close, owner and title change an open deal and read back; a closed
/// deal refuses each (422 `deal.closed`).
#[tokio::test]
async fn deal_details_change_until_the_deal_is_closed() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (pipeline, _) = sales_pipeline(&app, &[("Qualify", 10)]).await;
    let deal = app
        .write(
            "/api/v1/deals",
            json!({"title": "Big one", "party": party, "pipeline": pipeline,
                   "amount": "1000", "currency": "EUR"}),
        )
        .await
        .id;
    let owner = Uuid::now_v7();
    let changes = [
        (
            "/deals/{id}/probability",
            json!({"probability": 35}),
            json!({"probability": 101}),
            "probability",
        ),
        (
            "/deals/{id}/amount",
            json!({"amount": "1500.50", "currency": "EUR"}),
            json!({"amount": "-1", "currency": "EUR"}),
            "amount",
        ),
        (
            "/deals/{id}/expected-close",
            json!({"expected_close": "2026-12-24"}),
            json!({"expected_close": "Christmas"}),
            "expected_close",
        ),
        (
            "/deals/{id}/assign-owner",
            json!({"owner": owner}),
            json!({"owner": "olga"}),
            "owner",
        ),
        (
            "/deals/{id}/rename",
            json!({"title": "Bigger one"}),
            json!({"title": ""}),
            "title",
        ),
    ];
    check_writes(&app, deal, changes.clone()).await;
    let read = app.get(&format!("/api/v1/deals/{deal}")).await;
    assert_eq!(read.body["probability"], 35);
    assert_eq!(read.body["amount"], "1500.5");
    assert_eq!(read.body["expected_close"], "2026-12-24");
    assert_eq!(read.body["owner"], owner.to_string());
    assert_eq!(read.body["title"], "Bigger one");
    app.write(
        &format!("/api/v1/deals/{deal}/lose"),
        json!({"reason": "price"}),
    )
    .await;
    for (route, body, _, _) in changes {
        assert_rule(&app, route, deal, body, "deal.closed").await;
    }
    app.stop().await;
}

/// Protects the shared answers of the deal's and the interaction's
/// older writes: moving, winning, reopening and losing a deal, amending
/// and withdrawing an interaction each answer an unknown aggregate (404),
/// a stale `If-Match` (412) and a bad value (400) like every write.
#[tokio::test]
async fn deal_and_interaction_writes_answer_like_every_write() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (pipeline, stages) = sales_pipeline(&app, &[("Qualify", 10), ("Propose", 40)]).await;
    let deal = app
        .write(
            "/api/v1/deals",
            json!({"title": "Big one", "party": party, "pipeline": pipeline,
                   "amount": "1000", "currency": "EUR"}),
        )
        .await
        .id;
    check_writes(
        &app,
        deal,
        [
            (
                "/deals/{id}/move",
                json!({"stage": stages[1]}),
                json!({"stage": stages[1], "probability": 200}),
                "probability",
            ),
            (
                "/deals/{id}/win",
                json!({"amount": "1200"}),
                json!({"amount": "-5"}),
                "amount",
            ),
            (
                "/deals/{id}/reopen",
                json!({"stage": stages[0]}),
                json!({"stage": Uuid::now_v7()}),
                "stage",
            ),
            (
                "/deals/{id}/lose",
                json!({"reason": "price"}),
                json!({"reason": ""}),
                "reason",
            ),
        ],
    )
    .await;
    let interaction = app
        .write(
            &format!("/api/v1/parties/{party}/interactions"),
            json!({"kind": "note", "body": "Met at the fair"}),
        )
        .await
        .id;
    check_writes(
        &app,
        interaction,
        [
            (
                "/interactions/{id}/amend",
                json!({"body": "Met at the fair in March"}),
                json!({"body": 5}),
                "body",
            ),
            (
                "/interactions/{id}/withdraw",
                json!({"reason": "wrong party"}),
                json!({"reason": " "}),
                "reason",
            ),
        ],
    )
    .await;
    app.stop().await;
}

/// Protects the task commands added to the rest and the task list's
/// filters: edit, reassign and reprioritize read back; the list of a
/// user's open tasks narrows to a due range or the overdue ones, pages by
/// cursor in due order, and refuses a reversed range, a closed status and
/// a foreign cursor (400).
#[tokio::test]
async fn tasks_are_edited_reassigned_reprioritized_and_listed_by_due_time() {
    let app = spawn_app().await;
    let user = Uuid::now_v7();
    let other = Uuid::now_v7();
    let task = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Call back", "assignee": user}),
        )
        .await
        .id;
    check_writes(
        &app,
        task,
        [
            (
                "/tasks/{id}/edit",
                json!({"title": "Call back Olga", "description": "About the offer"}),
                json!({"title": ""}),
                "title",
            ),
            (
                "/tasks/{id}/reprioritize",
                json!({"priority": "urgent"}),
                json!({"priority": "asap"}),
                "priority",
            ),
            (
                "/tasks/{id}/reassign",
                json!({"assignee": other}),
                json!({"assignee": "olga"}),
                "assignee",
            ),
        ],
    )
    .await;
    let read = app.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(read.body["title"], "Call back Olga");
    assert_eq!(read.body["description"], "About the offer");
    assert_eq!(read.body["priority"], "urgent");
    assert_eq!(read.body["assignee"], other.to_string());

    // A task about a party that does not exist is refused.
    app.post(
        "/api/v1/tasks",
        json!({"title": "About nobody", "party": Uuid::now_v7()}),
    )
    .await
    .assert_problem(404);

    let now = Utc::now();
    for (title, hours) in [("Past", -5), ("Soon", 2), ("Later", 30), ("Much later", 80)] {
        app.write(
            "/api/v1/tasks",
            json!({"title": title, "assignee": user,
                       "due": (now + Duration::hours(hours)).to_rfc3339()}),
        )
        .await;
    }
    let last = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Someday", "assignee": user}),
        )
        .await
        .position;
    let titles = |answer: &Answer| -> Vec<String> {
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let base = format!("/api/v1/tasks?assignee={user}&wait_for={last}");
    let first = app.get(&format!("{base}&limit=2")).await;
    assert_eq!(titles(&first), ["Past", "Soon"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("{base}&limit=2&cursor={cursor}")).await;
    assert_eq!(titles(&second), ["Later", "Much later"]);
    let cursor = second.body["next_cursor"].as_str().unwrap();
    let third = app.get(&format!("{base}&limit=2&cursor={cursor}")).await;
    assert_eq!(titles(&third), ["Someday"]);
    assert!(third.body["next_cursor"].is_null());
    let from = (now + Duration::hours(1)).to_rfc3339().replace('+', "%2B");
    let to = (now + Duration::hours(48)).to_rfc3339().replace('+', "%2B");
    let range = app
        .get(&format!("{base}&due_from={from}&due_to={to}&status=open"))
        .await;
    assert_eq!(titles(&range), ["Soon", "Later"]);
    let overdue = app.get(&format!("{base}&overdue=true")).await;
    assert_eq!(titles(&overdue), ["Past"]);

    let reversed = app
        .get(&format!("{base}&due_from={to}&due_to={from}"))
        .await;
    reversed.assert_problem(400);
    assert_eq!(reversed.field(), "due_to");
    let closed = app.get(&format!("{base}&status=completed")).await;
    closed.assert_problem(400);
    assert_eq!(closed.field(), "status");
    let foreign = app.get(&format!("{base}&cursor=0011")).await;
    foreign.assert_problem(400);
    assert_eq!(foreign.field(), "cursor");
    app.stop().await;
}

/// Protects calendar entries: scheduled (400 for a bad span, 404 for an
/// unknown party), read, rescheduled, given attendees, edited, completed,
/// reopened and cancelled; a cancelled entry refuses changes and a
/// completed one a cancellation (422); a user's entries over a bounded
/// range come from the calendar model.
#[tokio::test]
async fn calendar_entries_are_scheduled_changed_listed_and_closed() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (olga, ivan) = (Uuid::now_v7(), Uuid::now_v7());
    let schedule = json!({"title": "Demo", "starts_at": "2026-03-02T09:00:00Z",
        "ends_at": "2026-03-02T10:00:00Z", "attendees": [olga], "party": party,
        "location": "Room 1", "remind_before_minutes": 15});

    let mut backwards = schedule.clone();
    backwards["ends_at"] = json!("2026-03-02T08:00:00Z");
    let bad = app.post("/api/v1/calendar-entries", backwards).await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "ends_at");
    let mut unknown = schedule.clone();
    unknown["party"] = json!(Uuid::now_v7());
    app.post("/api/v1/calendar-entries", unknown)
        .await
        .assert_problem(404);
    let scheduled = app.post("/api/v1/calendar-entries", schedule).await;
    assert_eq!(
        scheduled.status,
        StatusCode::CREATED,
        "{:#}",
        scheduled.body
    );
    let entry = scheduled.written().id;
    let read = app.get(&format!("/api/v1/calendar-entries/{entry}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag.as_deref(), Some("\"0\""));
    assert_eq!(read.body["party"], party.to_string());
    app.get(&format!("/api/v1/calendar-entries/{}", Uuid::now_v7()))
        .await
        .assert_problem(404);

    check_write(
        &app,
        "/calendar-entries/{id}/reschedule",
        entry,
        json!({"starts_at": "2026-03-03T09:00:00Z", "ends_at": "2026-03-03T11:00:00Z"}),
        json!({"starts_at": "2026-03-03T09:00:00Z", "ends_at": "2026-03-30T09:00:00Z"}),
        "ends_at",
    )
    .await;
    check_write(
        &app,
        "/calendar-entries/{id}/attendees",
        entry,
        json!({"attendees": [olga, ivan]}),
        json!({"attendees": [olga, olga]}),
        "attendees",
    )
    .await;
    let edited = check_write(
        &app,
        "/calendar-entries/{id}/edit",
        entry,
        json!({"title": "Product demo", "location": "Room 2"}),
        json!({"title": "", "location": null}),
        "title",
    )
    .await;
    let list = app
        .get(&format!(
            "/api/v1/calendar-entries?from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z&attendee={ivan}&wait_for={}",
            edited.position
        ))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:#}", list.body);
    assert_eq!(list.body["rows"][0]["title"], "Product demo");
    assert_eq!(list.body["truncated"], false);
    let outside = app
        .get(&format!(
            "/api/v1/calendar-entries?from=2026-04-01T00:00:00Z&to=2026-04-08T00:00:00Z&attendee={ivan}"
        ))
        .await;
    assert!(outside.body["rows"].as_array().unwrap().is_empty());
    let too_long = app
        .get("/api/v1/calendar-entries?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z")
        .await;
    too_long.assert_problem(400);
    assert_eq!(too_long.field(), "to");
    let missing = app
        .get("/api/v1/calendar-entries?to=2026-06-01T00:00:00Z")
        .await;
    missing.assert_problem(400);

    check_write(
        &app,
        "/calendar-entries/{id}/complete",
        entry,
        json!({}),
        json!({"when": "now"}),
        "when",
    )
    .await;
    assert_rule(
        &app,
        "/calendar-entries/{id}/cancel",
        entry,
        json!({}),
        "calendar.completed",
    )
    .await;
    check_write(
        &app,
        "/calendar-entries/{id}/reopen",
        entry,
        json!({}),
        json!({"reason": "x"}),
        "reason",
    )
    .await;
    check_write(
        &app,
        "/calendar-entries/{id}/cancel",
        entry,
        json!({"reason": "client ill"}),
        json!({"reason": "client\nill"}),
        "reason",
    )
    .await;
    for (route, body) in [
        (
            "/calendar-entries/{id}/reschedule",
            json!({"starts_at": "2026-03-04T09:00:00Z", "ends_at": "2026-03-04T10:00:00Z"}),
        ),
        (
            "/calendar-entries/{id}/attendees",
            json!({"attendees": [ivan]}),
        ),
        ("/calendar-entries/{id}/edit", json!({"title": "Again"})),
        ("/calendar-entries/{id}/complete", json!({})),
    ] {
        assert_rule(&app, route, entry, body, "calendar.cancelled").await;
    }
    let read = app.get(&format!("/api/v1/calendar-entries/{entry}")).await;
    assert_eq!(read.body["status"], "cancelled");
    assert_eq!(
        read.body["attendees"],
        json!([olga.to_string(), ivan.to_string()])
    );
    app.stop().await;
}

/// Protects the CRM reports: the funnel of a pipeline and the managers'
/// activity per period, cut by `as_of` (business time) and read as the
/// log knew them at `known_at` (knowledge time: a deal recorded later is
/// absent); a bad range is a 400 and an unknown pipeline a 404.
#[tokio::test]
async fn the_funnel_and_activity_reports_answer_per_period_as_of_and_as_known_at() {
    let app = spawn_app().await;
    let party = app.company("Acme").await;
    let (pipeline, stages) = sales_pipeline(&app, &[("Qualify", 10), ("Propose", 40)]).await;
    let open = |title: &str| {
        json!({"title": title, "party": party, "pipeline": pipeline,
               "amount": "100", "currency": "EUR"})
    };
    let first = app.write("/api/v1/deals", open("First")).await.id;
    app.write(
        &format!("/api/v1/deals/{first}/move"),
        json!({"stage": stages[1]}),
    )
    .await;
    let won = app
        .write(&format!("/api/v1/deals/{first}/win"), json!({}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let known_at = Utc::now().to_rfc3339().replace('+', "%2B");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let later = app.write("/api/v1/deals", open("Second")).await;
    app.settle().await;

    let today = Utc::now().date_naive();
    let from = today - Duration::days(3);
    let range = format!("from={from}&to={today}&wait_for={}", later.position);
    let funnel = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&{range}&group_by=whole"
        ))
        .await;
    assert_eq!(funnel.status, StatusCode::OK, "{:#}", funnel.body);
    let row = &funnel.body["rows"][0];
    assert_eq!(row["period"], from.to_string());
    assert_eq!(row["opened"], 2);
    assert_eq!(row["won"], 1);
    assert_eq!(row["stages"][1]["stage"], stages[1].to_string());
    assert_eq!(row["stages"][1]["reached"], 1);
    let daily = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&{range}&group_by=day"
        ))
        .await;
    assert_eq!(daily.body["rows"].as_array().unwrap().len(), 4);
    let as_of = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&{range}&as_of={}",
            from - Duration::days(1)
        ))
        .await;
    assert!(as_of.body["rows"].as_array().unwrap().is_empty());
    let known = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&{range}&group_by=whole&known_at={known_at}"
        ))
        .await;
    assert_eq!(known.status, StatusCode::OK, "{:#}", known.body);
    assert_eq!(known.body["rows"][0]["opened"], 1);
    assert_eq!(known.body["known_position"], won.position);
    app.get(&format!(
        "/api/v1/reports/funnel?pipeline={}&{range}",
        Uuid::now_v7()
    ))
    .await
    .assert_problem(404);
    let reversed = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline={pipeline}&from={today}&to={from}"
        ))
        .await;
    reversed.assert_problem(400);
    assert_eq!(reversed.field(), "to");

    let activity = app
        .get(&format!("/api/v1/reports/activity?{range}&group_by=week"))
        .await;
    assert_eq!(activity.status, StatusCode::OK, "{:#}", activity.body);
    let rows = activity.body["rows"].as_array().unwrap();
    let sum = |field: &str| -> i64 { rows.iter().map(|row| row[field].as_i64().unwrap()).sum() };
    assert_eq!(sum("deals_opened"), 2);
    assert_eq!(sum("deals_won"), 1);
    let known = app
        .get(&format!(
            "/api/v1/reports/activity?{range}&group_by=whole&known_at={known_at}"
        ))
        .await;
    assert_eq!(known.body["rows"][0]["deals_opened"], 1);
    assert_eq!(known.body["rows"][0]["amount_won"]["EUR"], "100");
    let nobody = app
        .get(&format!(
            "/api/v1/reports/activity?{range}&manager={}",
            Uuid::now_v7()
        ))
        .await;
    assert!(nobody.body["rows"].as_array().unwrap().is_empty());
    let too_long = app
        .get(&format!(
            "/api/v1/reports/activity?from=2020-01-01&to={today}&group_by=day"
        ))
        .await;
    too_long.assert_problem(400);
    assert_eq!(too_long.field(), "to");
    app.stop().await;
}

/// Protects the CRM reports' branch filter over HTTP: the funnel of a
/// branch counts the deals of its customers only, one that never sold
/// counts none; the activity of a branch sums its managers only (here
/// none: the administrator who opened the deals has no branch).
#[tokio::test]
async fn the_funnel_and_activity_reports_answer_for_one_branch() {
    let app = spawn_app().await;
    let (north, south) = (Uuid::now_v7(), Uuid::now_v7());
    let customer = |name: &'static str, branch: Uuid| json!({"kind": "company", "name": name, "branch": branch});
    let northern = app
        .write("/api/v1/parties", customer("Nord AS", north))
        .await
        .id;
    let southern = app
        .write("/api/v1/parties", customer("Sud SA", south))
        .await
        .id;
    let (pipeline, _) = sales_pipeline(&app, &[("Qualify", 10), ("Propose", 40)]).await;
    for (party, title) in [(northern, "One"), (southern, "Two"), (southern, "Three")] {
        app.write(
            "/api/v1/deals",
            json!({"title": title, "party": party, "pipeline": pipeline,
                   "amount": "100", "currency": "EUR"}),
        )
        .await;
    }
    app.settle().await;
    let app = &app;
    let today = Utc::now().date_naive();
    let range = format!("from={today}&to={today}&group_by=whole");
    let opened = |branch: String| {
        let url = format!("/api/v1/reports/funnel?pipeline={pipeline}&{range}{branch}");
        async move {
            let funnel = app.get(&url).await;
            assert_eq!(funnel.status, StatusCode::OK, "{:#}", funnel.body);
            funnel.body["rows"][0]["opened"].clone()
        }
    };
    assert_eq!(opened(String::new()).await, 3);
    assert_eq!(opened(format!("&branch={north}")).await, 1);
    assert_eq!(opened(format!("&branch={south}")).await, 2);
    assert_eq!(opened(format!("&branch={}", Uuid::now_v7())).await, 0);

    let activity = |branch: String| {
        let url = format!("/api/v1/reports/activity?{range}{branch}");
        async move { app.get(&url).await.body["rows"].clone() }
    };
    assert_eq!(activity(String::new()).await[0]["deals_opened"], 3);
    assert_eq!(activity(format!("&branch={north}")).await, json!([]));
}
