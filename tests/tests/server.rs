//! The real HTTP server on port 0 with a fresh data folder.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, Options, StreamName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

struct TestApp {
    address: std::net::SocketAddr,
    log: EventLog,
    _data: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let log = EventLog::open(data.path().join("eventlog"), Options::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = api::AppState::start(log.clone(), data.path())
        .await
        .unwrap();
    let app = api::app(state);
    tokio::spawn(async move { axum_serve(listener, app).await });
    TestApp {
        address,
        log,
        _data: data,
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: api::Router) {
    api::serve_on(listener, app).await.unwrap();
}

/// A plain HTTP/1.1 GET; returns status and body.
async fn get(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The health check reports the log's real head, so monitoring can see
/// the store is open and moving.
#[tokio::test]
async fn health_reports_the_event_log_head() {
    let app = spawn_app().await;
    let (status, body) = get(app.address, "/healthz").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["head_position"], 0);

    let stream = StreamName::parse("customer-1").unwrap();
    let events = vec![NewEvent::new(
        Uuid::now_v7(),
        "CustomerRegistered",
        b"{}".to_vec(),
    )];
    app.log
        .append(
            &stream,
            ExpectedVersion::NoStream,
            events,
            AppendMeta::new(Actor::system("test"), Uuid::now_v7()),
        )
        .await
        .unwrap();
    let (_, body) = get(app.address, "/healthz").await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["head_position"], 1);
    assert_eq!(health["head_hash"].as_str().unwrap().len(), 64);
}

/// The status page answers and an unknown path is a 404, not a crash.
#[tokio::test]
async fn the_status_page_renders_and_unknown_paths_are_not_found() {
    let app = spawn_app().await;
    let (status, body) = get(app.address, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("HyperCRM"));
    assert_eq!(get(app.address, "/no/such/page").await.0, 404);
}

/// Readiness waits for the read models: once they have folded the log's
/// head, `/readyz` says so and the status page counts the new customer.
#[tokio::test]
async fn readiness_follows_the_read_models() {
    use domain::DomainEvent;
    use domain::parties::{PartyEvent, PartyNameData, PartyRegistered};

    let app = spawn_app().await;
    let registered = PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Company {
            name: "Acme".into(),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: domain::ids::UserId::from_uuid(Uuid::from_u128(1)),
        branch: None,
    });
    let stream = StreamName::parse(format!("party-{}", Uuid::now_v7())).unwrap();
    let event = NewEvent::new(Uuid::now_v7(), registered.event_type(), registered.encode());
    app.log
        .append(
            &stream,
            ExpectedVersion::NoStream,
            vec![event],
            AppendMeta::new(Actor::system("test"), Uuid::now_v7()),
        )
        .await
        .unwrap();
    let mut ready = serde_json::Value::Null;
    for _ in 0..200 {
        let (status, body) = get(app.address, "/readyz").await;
        ready = serde_json::from_str(&body).unwrap();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(ready["ready"], true, "{ready}");
    let names: Vec<&str> = ready["read_models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "customers",
            "timelines",
            "pipeline_board",
            "sales_funnel",
            "manager_activity",
            "tasks",
            "calendar",
            "stock",
            "sales",
            "director_kpis"
        ]
    );
    let (_, page) = get(app.address, "/").await;
    assert!(page.contains("1 customers"), "{page}");
}
