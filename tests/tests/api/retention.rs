//! Retention rules (issue 15, part 2) through the real server: an
//! administrator defines a rule, runs it, and sees the run with what it
//! erased; an idle lead loses its personal data, a fresh one keeps it; a
//! paused rule does not run; only administrators change rules, auditors
//! read them.

use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_rule_run_now_erases_the_idle_lead_and_shows_its_run();
    rules_refuse_bad_values_and_unknown_ids();
}

const RULES: &str = "/api/v1/admin/retention-rules";

/// Captures a lead named `contact` as if three years ago (the API records
/// new things as happening now), through the application.
async fn idle_lead(app: &TestApp, contact: &str) -> Uuid {
    let lead = Uuid::now_v7();
    let capture = domain::pipeline::LeadCommand::Capture(domain::pipeline::CaptureLead {
        title: domain::values::Label::parse("title", "Asked about bolts").unwrap(),
        contact_name: Some(domain::values::Label::parse("contact_name", contact).unwrap()),
        company_name: None,
        email: None,
        phone: None,
        party: None,
        source: None,
        owner: domain::ids::UserId::from_uuid(Uuid::now_v7()),
    });
    app.state
        .app
        .execute::<domain::pipeline::Lead, _>(
            &app::access::Caller::process("test"),
            app::Run {
                command_id: Uuid::now_v7(),
                expected_version: None,
            },
            lead,
            capture,
            Some(Utc::now() - Duration::days(3 * 365)),
        )
        .await
        .unwrap();
    lead
}

/// Protects the rule's promise through the API: "run now" erases what has
/// been idle longer than the rule allows and nothing else, the run is
/// listed with its subjects and counts, and a paused rule refuses to run.
#[tokio::test]
async fn a_rule_run_now_erases_the_idle_lead_and_shows_its_run() {
    let app = spawn_app().await;
    let idle = idle_lead(&app, "Ida Idle").await;
    let fresh = app
        .write(
            "/api/v1/leads",
            json!({"title": "Wants nuts", "contact_name": "Fred Fresh"}),
        )
        .await
        .id;
    let rule = app
        .write(
            RULES,
            json!({"name": "Leads after two years", "target": "leads", "inactive_months": 24}),
        )
        .await
        .id;
    let rule_path = format!("{RULES}/{rule}");
    assert_eq!(
        app.get(&rule_path).await.body["paused"],
        true,
        "a new rule waits"
    );
    let refused = app.post(&format!("{RULES}/{rule}/run"), json!({})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["rule"], "retention.paused");
    let resumed = app.post(&format!("{RULES}/{rule}/resume"), json!({})).await;
    assert_eq!(resumed.status, StatusCode::OK);
    app.settle().await;

    let ran = app.post(&format!("{RULES}/{rule}/run"), json!({})).await;
    assert_eq!(ran.status, StatusCode::OK, "{:#}", ran.body);
    assert_eq!(ran.body["erased"], 1);
    assert_eq!(ran.body["kept"], 0);

    let idle_now = app.get(&format!("/api/v1/leads/{idle}")).await;
    assert_eq!(idle_now.body["title"], "", "{:#}", idle_now.body);
    assert_eq!(idle_now.body["contact_name"], Value::Null);
    let fresh_now = app.get(&format!("/api/v1/leads/{fresh}")).await;
    assert_eq!(fresh_now.body["contact_name"], "Fred Fresh");

    let seen = app.get(&format!("{RULES}/{rule}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    let runs = seen.body["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{:#}", seen.body);
    assert_eq!(runs[0]["subjects"], json!([idle]));
    assert_eq!(runs[0]["finished"], true);
    assert_eq!(runs[0]["erased"], 1);
    assert_ne!(
        runs[0]["started_by"], "system:retention",
        "an administrator ran it"
    );
    let listed = app.get(RULES).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["rules"][0]["id"], json!(rule));
    assert_eq!(listed.body["rules"][0]["runs_total"], 1);

    let paused = app.post(&format!("{RULES}/{rule}/pause"), json!({})).await;
    assert_eq!(paused.status, StatusCode::OK);
    let refused = app.post(&format!("{RULES}/{rule}/run"), json!({})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["rule"], "retention.paused");
    let resumed = app.post(&format!("{RULES}/{rule}/resume"), json!({})).await;
    assert_eq!(resumed.status, StatusCode::OK);
    let changed = app
        .post(
            &format!("{RULES}/{rule}/change"),
            json!({"name": "Leads after three years", "inactive_months": 36}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:#}", changed.body);
    assert_eq!(
        app.get(&format!("{RULES}/{rule}")).await.body["inactive_months"],
        36
    );

    // Sales managers neither read nor set rules; auditors read them.
    let sam = access::register(&app, "sam-retention", &["sales_manager"], None).await;
    let sams = access::token_of(&app, sam, &[Role::SalesManager]).await;
    let (status, _) = access::as_user(&app, &sams, reqwest::Method::GET, RULES, None).await;
    assert_eq!(status, 403);
    let (status, _) = access::as_user(
        &app,
        &sams,
        reqwest::Method::POST,
        RULES,
        Some(json!({"name": "Mine", "target": "people", "inactive_months": 1})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = access::as_user(
        &app,
        &sams,
        reqwest::Method::POST,
        &format!("{RULES}/{rule}/run"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let ada = access::register(&app, "ada-retention", &["auditor"], None).await;
    let adas = access::token_of(&app, ada, &[Role::Auditor]).await;
    let (status, body) = access::as_user(&app, &adas, reqwest::Method::GET, RULES, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Leads after three years"));
}

/// Protects the rules' inputs: bad values name their field, unknown and
/// malformed ids are refused, a stale `If-Match` changes nothing.
#[tokio::test]
async fn rules_refuse_bad_values_and_unknown_ids() {
    let app = spawn_app().await;
    let rule = app
        .write(
            RULES,
            json!({"name": "People", "target": "people", "inactive_months": 60}),
        )
        .await
        .id;
    let nobody = Uuid::now_v7();
    for (body, field) in [
        (
            json!({"name": "x", "target": "customers", "inactive_months": 12}),
            "target",
        ),
        (
            json!({"name": "x", "target": "leads", "inactive_months": 0}),
            "inactive_months",
        ),
        (
            json!({"name": " ", "target": "leads", "inactive_months": 12}),
            "name",
        ),
    ] {
        let refused = app.post(RULES, body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(
            refused.body["errors"][0]["field"], field,
            "{:#}",
            refused.body
        );
    }
    let refused = app
        .post(
            &format!("{RULES}/{rule}/change"),
            json!({"name": "People", "inactive_months": 5000}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    for action in ["change", "pause", "resume"] {
        let body = if action == "change" {
            json!({"name": "People", "inactive_months": 12})
        } else {
            json!({})
        };
        let path = format!("{RULES}/{nobody}/{action}");
        assert_eq!(
            app.post(&path, body.clone()).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        let path = format!("{RULES}/{rule}/{action}");
        let stale = app
            .post_with(&path, body.clone(), &[("if-match", "\"99\"")])
            .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{path}");
        let path = format!("{RULES}/{}/{action}", fuzz::MALFORMED_ID);
        assert_eq!(
            app.post(&path, body).await.status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    assert_eq!(
        app.post(&format!("{RULES}/{nobody}/run"), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("{RULES}/{}/run", fuzz::MALFORMED_ID), json!({}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get(&format!("{RULES}/{nobody}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{RULES}/{}", fuzz::MALFORMED_ID))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let one = app.get(&format!("{RULES}/{rule}")).await;
    assert_eq!(one.body["inactive_months"], 60, "nothing changed");
    assert_eq!(one.body["paused"], true);
}
