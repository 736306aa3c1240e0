//! What API fuzzing (`cargo xtask fuzz-api`, schemathesis) found, kept as
//! regression tests: statuses the handlers answer that the OpenAPI
//! document did not declare, and schema references that did not resolve.

use super::*;

/// A path segment that is no UUID; the contract check reads it as `{id}`.
pub(crate) const MALFORMED_ID: &str = "not-a-uuid";

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_malformed_id_in_a_read_path_is_a_400_problem();
    a_malformed_if_match_on_a_confirmation_is_a_400_problem();
    changing_a_cancelled_task_is_a_422_until_it_is_reopened();
    both_audit_export_formats_answer_a_documented_content_type();
    a_body_that_is_not_a_json_object_is_a_400_and_writes_nothing();
    a_person_of_an_unknown_company_is_a_404_and_writes_nothing();
    a_malformed_id_in_an_export_is_a_400_problem();
}

/// Protects the registration's contract (found by schemathesis): a
/// person said to work for a company that does not exist is a documented
/// 404, not a silent link, and nothing is written.
#[tokio::test]
async fn a_person_of_an_unknown_company_is_a_404_and_writes_nothing() {
    let app = spawn_app().await;
    let head = app.state.log.head().position;
    app.post(
        "/api/v1/parties",
        json!({"kind": "person", "first_name": "Ida", "company": Uuid::now_v7()}),
    )
    .await
    .assert_problem(404);
    assert_eq!(app.state.log.head().position, head);
}

/// Protects the subject access export's contract (found by schemathesis):
/// an id that is not a UUID is a 400 problem naming the path.
#[tokio::test]
async fn a_malformed_id_in_an_export_is_a_400_problem() {
    let app = spawn_app().await;
    let answer = app
        .get(&format!("/api/v1/parties/{MALFORMED_ID}/export"))
        .await;
    answer.assert_problem(400);
    assert_eq!(answer.field(), "path");
}

/// Protects the reads by id: an id that is not a UUID is a 400 problem
/// naming the path (as documented), never a 404 or a bare rejection.
#[tokio::test]
async fn a_malformed_id_in_a_read_path_is_a_400_problem() {
    let app = spawn_app().await;
    for resource in [
        "calendar-entries",
        "deals",
        "interactions",
        "leads",
        "orders",
        "parties",
        "pipelines",
        "price-lists",
        "products",
        "tasks",
        "warehouses",
    ] {
        let answer = app.get(&format!("/api/v1/{resource}/{MALFORMED_ID}")).await;
        answer.assert_problem(400);
        assert_eq!(answer.field(), "path", "{resource}");
    }
    app.get(&format!("/api/v1/parties/{MALFORMED_ID}/account"))
        .await
        .assert_problem(400);
}

/// Protects the confirmation's documented answers: a malformed `If-Match`
/// (or id) is a 400 naming the header, and nothing is confirmed.
#[tokio::test]
async fn a_malformed_if_match_on_a_confirmation_is_a_400_problem() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let draft = app
        .write(
            "/api/v1/orders",
            json!({"party": shop.party, "price_list": shop.price_list, "warehouse": shop.warehouse}),
        )
        .await
        .id;
    let answer = app
        .post_with(
            &format!("/api/v1/orders/{draft}/confirm"),
            json!(null),
            &[("if-match", "null")],
        )
        .await;
    answer.assert_problem(400);
    assert_eq!(answer.field(), "If-Match");
    let order = app.get(&format!("/api/v1/orders/{draft}")).await;
    assert_eq!(order.body["status"], "draft", "{:#}", order.body);
}

/// Protects the task writes a rule refuses: editing, reassigning or
/// reprioritizing a cancelled task is a 422 `task.cancelled` (declared in
/// the document), and the same change succeeds once it is reopened.
#[tokio::test]
async fn changing_a_cancelled_task_is_a_422_until_it_is_reopened() {
    let app = spawn_app().await;
    let task = app
        .write("/api/v1/tasks", json!({"title": "Call back"}))
        .await
        .id;
    app.write(&format!("/api/v1/tasks/{task}/cancel"), json!({}))
        .await;
    let changes = [
        ("edit", json!({"title": "Call back twice"})),
        ("reassign", json!({"assignee": Uuid::now_v7()})),
        ("reprioritize", json!({"priority": "urgent"})),
    ];
    for (action, body) in &changes {
        let answer = app
            .post(&format!("/api/v1/tasks/{task}/{action}"), body.clone())
            .await;
        answer.assert_problem(422);
        assert_eq!(answer.body["rule"], "task.cancelled", "{action}");
    }
    app.write(&format!("/api/v1/tasks/{task}/reopen"), json!({}))
        .await;
    for (action, body) in changes {
        app.write(&format!("/api/v1/tasks/{task}/{action}"), body)
            .await;
    }
    let read = app.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(read.body["title"], "Call back twice", "{:#}", read.body);
    assert_eq!(read.body["priority"], "urgent", "{:#}", read.body);
}

/// Protects writes from bodies of the wrong shape: serde reads a struct
/// from a JSON array by position, so `[]` passed as a command without
/// fields (a task was reopened) and `["company", "Acme"]` registered a
/// party. Every body must be an object; anything else is a 400 on `body`
/// that appends nothing.
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_a_400_and_writes_nothing() {
    let app = spawn_app().await;
    let task = app
        .write("/api/v1/tasks", json!({"title": "Call back"}))
        .await
        .id;
    app.write(&format!("/api/v1/tasks/{task}/complete"), json!({}))
        .await;
    let head = app.state.log.head().position;
    for (path, body) in [
        (format!("/api/v1/tasks/{task}/reopen"), json!([])),
        ("/api/v1/parties".to_owned(), json!(["company", "Acme"])),
        ("/api/v1/tasks".to_owned(), json!("Call back")),
        ("/api/v1/warehouses".to_owned(), json!(7)),
    ] {
        let answer = app.post(&path, body).await;
        answer.assert_problem(400);
        assert_eq!(answer.field(), "body", "{path}");
    }
    assert_eq!(app.state.log.head().position, head, "nothing was appended");
    let read = app.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(read.body["status"], "completed", "{:#}", read.body);
}

/// Protects the export's contract: the CSV and the JSON Lines export
/// answer with a content type the document declares for the route (JSON
/// Lines was missing, so clients were promised CSV only).
#[tokio::test]
async fn both_audit_export_formats_answer_a_documented_content_type() {
    let app = spawn_app().await;
    app.company("Acme").await;
    let (_, document) = api::http::routes();
    let document = serde_json::to_value(&document).unwrap();
    let declared = document["paths"]["/api/v1/audit/export"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap();
    for format in ["csv", "jsonl"] {
        let answer = app
            .get(&format!("/api/v1/audit/export?format={format}"))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{format}");
        let content_type = answer.content_type.unwrap();
        let essence = content_type.split(';').next().unwrap().trim();
        assert!(
            declared.contains_key(essence),
            "{format}: {essence} is not among {:?}",
            declared.keys().collect::<Vec<_>>()
        );
    }
}

/// Protects the document's integrity: every `$ref` names a schema the
/// document defines. The enums that query parameters take were `$ref`s to
/// nothing, which made schemathesis (and any client generator) fail on
/// those operations.
#[test]
fn every_schema_reference_in_the_document_resolves() {
    let (_, document) = api::http::routes();
    let document = serde_json::to_value(&document).unwrap();
    let defined = document["components"]["schemas"].as_object().unwrap();
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty(), "the document has references");
    let dangling: Vec<_> = references
        .iter()
        .filter(|reference| {
            reference
                .strip_prefix("#/components/schemas/")
                .is_none_or(|name| !defined.contains_key(name))
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

fn collect_references(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                match (key.as_str(), member) {
                    ("$ref", Value::String(reference)) => references.push(reference.clone()),
                    _ => collect_references(member, references),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_references(item, references);
            }
        }
        _ => {}
    }
}
