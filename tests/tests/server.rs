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

/// Each test server's administrator session, by address, as its cookie
/// and its CSRF token on two lines: every request
/// these tests make is signed in unless it says otherwise. Pages take
/// sessions, not API tokens.
static SESSIONS: std::sync::Mutex<std::collections::BTreeMap<std::net::SocketAddr, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The password of the administrator every test server starts with.
const ADMIN_PASSWORD: &str = "test administrator password";

/// Signs the administrator in through the sign-in form; answers the
/// header lines that carry the session.
async fn administrator_session(address: std::net::SocketAddr) -> String {
    let form = format!(
        "login=admin&password={}&next=/account",
        ADMIN_PASSWORD.replace(' ', "+")
    );
    let (status, headers, _) = request(
        address,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        &form,
    )
    .await;
    assert_eq!(status, 303, "the administrator signs in");
    let cookie = headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .find_map(|(_, value)| {
            let pair = value.split(';').next()?;
            pair.starts_with("hypercrm_session=")
                .then(|| pair.to_owned())
        })
        .expect("a session cookie");
    let (_, _, page) = request(address, "GET", "/account", &[("cookie", &cookie)], "").await;
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a form with the CSRF token") + marker.len();
    let csrf = &page[start..start + 64];
    format!("{cookie}\n{csrf}")
}

async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let (log, keys) = app::personal::open_log(data.path(), Options::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = api::AppState::start_on(
        log.clone(),
        keys,
        data.path(),
        api::AccessSettings::default(),
    )
    .await
    .unwrap();
    api::auth::ensure_administrator(&state, Some(ADMIN_PASSWORD.to_owned()))
        .await
        .unwrap();
    let app = api::app(state);
    tokio::spawn(async move { axum_serve(listener, app).await });
    let session = administrator_session(address).await;
    SESSIONS.lock().unwrap().insert(address, session);
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
    let (status, _, body) = request(address, "GET", path, &[], "").await;
    (status, body)
}

/// An HTTP/1.1 request with extra headers and a body; returns status,
/// response headers (lower-cased names) and body.
async fn request(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("cookie") {
            cookies.push((*value).to_owned());
        } else {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let signed = headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("authorization")
            || (name.eq_ignore_ascii_case("cookie") && value.contains("hypercrm_session="))
    });
    if !signed && let Some(session) = SESSIONS.lock().unwrap().get(&address) {
        let (cookie, csrf) = session.split_once('\n').unwrap();
        cookies.push(cookie.to_owned());
        request.push_str(&format!("X-CSRF-Token: {csrf}\r\n"));
    }
    if !cookies.is_empty() {
        request.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The health check reports the log's real head, so monitoring can see
/// the store is open and moving.
#[tokio::test]
async fn health_reports_the_event_log_head() {
    let app = spawn_app().await;
    let (status, body) = get(app.address, "/healthz").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    // The first start's administrator and the tests' token.
    let first_start = app.log.head().position;
    assert_eq!(health["head_position"], first_start);

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
    assert_eq!(health["head_position"], first_start + 1);
    assert_eq!(health["head_hash"].as_str().unwrap().len(), 64);
}

/// The dashboard answers on an empty log and an unknown path is a 404,
/// not a crash.
#[tokio::test]
async fn the_dashboard_renders_and_unknown_paths_are_not_found() {
    let app = spawn_app().await;
    let (status, body) = get(app.address, "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<title>Dashboard · HyperCRM</title>"),
        "{body}"
    );
    assert!(body.contains(r#"data-kpi="orders-today""#));
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
            "director_kpis",
            "orders",
            "catalog",
            "users",
            "purchases",
            "production",
            "quotes",
            "deliveries"
        ]
    );
    let (_, page) = get(app.address, "/customers").await;
    assert!(page.contains("<bdi>Acme</bdi>"), "{page}");
}

/// Every asset a page links to is served from the binary with its content
/// type and a year of caching, and a made-up asset name is a 404: it
/// protects "nothing fetched at run time" and the cache headers.
#[tokio::test]
async fn pages_link_only_to_embedded_assets_served_with_long_caching() {
    let app = spawn_app().await;
    let (_, page) = get(app.address, "/").await;
    let links: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert_eq!(links.len(), api::web::assets::ASSETS.len(), "{links:?}");
    for external in [r#"src="http"#, r#"href="http"#, r#"src="//"#, r#"href="//"#] {
        assert!(!page.contains(external), "no external requests: {external}");
    }
    for link in links {
        let (status, headers, body) = request(app.address, "GET", link, &[], "").await;
        assert_eq!(status, 200, "{link}");
        assert!(!body.is_empty());
        let expected_type = if link.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(
            header(&headers, "content-type"),
            Some(expected_type),
            "{link}"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
    assert_eq!(get(app.address, "/assets/htmx.min.js").await.0, 404);
    assert_eq!(get(app.address, "/assets/pico.min.0000.css").await.0, 404);
}

/// The language follows the `lang` cookie, then Accept-Language, then
/// English; Arabic pages are right to left: it protects the language
/// choice without a browser.
#[tokio::test]
async fn the_language_comes_from_the_cookie_then_the_browser() {
    let app = spawn_app().await;
    let (_, _, page) = request(app.address, "GET", "/customers", &[], "").await;
    assert!(page.contains(r#"<html lang="en" dir="ltr">"#));
    let (_, _, page) = request(
        app.address,
        "GET",
        "/customers",
        &[("Accept-Language", "ar-AE,ar;q=0.9,en;q=0.5")],
        "",
    )
    .await;
    assert!(page.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(page.contains("<h1>العملاء</h1>"));
    let (_, _, page) = request(
        app.address,
        "GET",
        "/pipeline",
        &[("Accept-Language", "ar"), ("Cookie", "lang=ru")],
        "",
    )
    .await;
    assert!(page.contains(r#"<html lang="ru" dir="ltr">"#));
    assert!(page.contains("<h1>Воронка</h1>"));
}

/// The switcher sets the cookie and returns to the page it was used on,
/// never to another site, and refuses a language we do not ship.
#[tokio::test]
async fn the_language_switcher_sets_the_cookie_and_returns_home() {
    let app = spawn_app().await;
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, headers, _) = request(
        app.address,
        "POST",
        "/language",
        &form,
        "lang=ar&back=%2Fcustomers%3Fq%3Dal",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(header(&headers, "location"), Some("/customers?q=al"));
    let cookie = header(&headers, "set-cookie").unwrap();
    assert!(cookie.starts_with("lang=ar;"), "{cookie}");
    let (_, headers, _) = request(
        app.address,
        "POST",
        "/language",
        &form,
        "lang=ru&back=https%3A%2F%2Fevil.example",
    )
    .await;
    assert_eq!(header(&headers, "location"), Some("/"));
    let (status, _, _) = request(app.address, "POST", "/language", &form, "lang=xx").await;
    assert_eq!(status, 400);
}

/// A wrong period names the field to fix, keeps what was typed and still
/// shows figures; an unknown or malformed customer address is a 404 page.
#[tokio::test]
async fn bad_input_on_pages_is_explained_not_crashed_on() {
    let app = spawn_app().await;
    let (status, page) = get(app.address, "/?from=2026-03-01&to=2026-02-01").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"id="period-from-error">The start must not be after the end."#),
        "{page}"
    );
    assert!(page.contains(r#"value="2026-03-01""#));
    assert!(page.contains(r#"data-kpi="orders-period""#));
    let (status, page) = get(app.address, &format!("/customers/{}", Uuid::now_v7())).await;
    assert_eq!(status, 404);
    assert!(page.contains("Customer not found"));
    assert_eq!(get(app.address, "/customers/not-a-uuid").await.0, 404);
    let (status, page) = get(app.address, "/customers?q=%3Cscript%3E").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"value="&#60;script&#62;""#) || page.contains(r#"value="&lt;script&gt;""#),
        "search text is escaped: {page}"
    );
    assert!(!page.contains("<script>"));
}

/// The UI's forms refuse what does not exist with a 404 page rather than
/// a crash or a write, and the new modules render on an empty log: it
/// protects the failure paths of the card's, the orders' and the board's
/// forms.
#[tokio::test]
async fn forms_about_unknown_things_are_not_found_and_write_nothing() {
    let app = spawn_app().await;
    let first_start = app.log.head().position;
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let unknown = Uuid::now_v7();
    let paths = [
        format!("/customers/{unknown}/interactions"),
        format!("/customers/{unknown}/tasks"),
        format!("/orders/{unknown}/confirm"),
        format!("/orders/{unknown}/ship"),
        format!("/pipeline/deals/{unknown}/move"),
        "/orders/new".to_owned(),
    ];
    for path in &paths {
        let (status, _, _) = request(
            app.address,
            "POST",
            path,
            &form,
            &format!("party={unknown}&kind=note&body=x&title=t&priority=normal&stage={unknown}"),
        )
        .await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(app.log.head().position, first_start, "nothing was written");
    assert_eq!(get(app.address, &format!("/orders/{unknown}")).await.0, 404);
    assert_eq!(
        get(app.address, &format!("/orders/new?party={unknown}"))
            .await
            .0,
        404
    );
    let (status, page) = get(app.address, "/orders").await;
    assert_eq!(status, 200);
    assert!(page.contains("No orders yet."), "{page}");
    let (status, page) = get(app.address, "/pipeline").await;
    assert_eq!(status, 200);
    assert!(page.contains("No pipeline has been set up yet."), "{page}");
}

/// The card's task form creates one task about the customer (a
/// resubmission of the same form creates nothing more); a bad due date
/// comes back next to its field with the title as typed, and writes
/// nothing.
#[tokio::test]
async fn the_card_creates_a_task_once_and_keeps_a_bad_form_as_typed() {
    let app = spawn_app().await;
    let (status, _, body) = request(
        app.address,
        "POST",
        "/api/v1/parties",
        &[("Content-Type", "application/json")],
        r#"{"kind": "company", "name": "Tasked Ltd"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let party = body.split("\"id\":\"").nth(1).unwrap()[..36].to_owned();
    // The card's forms look the customer up in the read model: wait until
    // it has caught up with the registration.
    let mut waited = 0;
    while get(app.address, "/readyz").await.0 != 200 {
        waited += 1;
        assert!(waited < 500, "the read models never caught up");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let path = format!("/customers/{party}/tasks");
    let head = app.log.head().position;

    let (status, _, page) = request(
        app.address,
        "POST",
        &path,
        &form,
        "title=Call+back+about+the+%C2%ABoffer%C2%BB&due=31.12.2026&priority=high",
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"task-due-error\""), "{page}");
    assert!(
        page.contains("value=\"Call back about the «offer»\""),
        "{page}"
    );
    assert_eq!(app.log.head().position, head, "nothing was written");

    let command = Uuid::now_v7();
    let body = format!("title=Call+back&due=2026-12-31&priority=high&command={command}");
    for _ in 0..2 {
        let (status, headers, _) = request(app.address, "POST", &path, &form, &body).await;
        assert_eq!(status, 303);
        assert_eq!(
            header(&headers, "location"),
            Some(format!("/customers/{party}#timeline-heading").as_str())
        );
    }
    assert_eq!(app.log.head().position, head + 1, "one task, created once");
    let task = app
        .log
        .read_stream(
            &StreamName::parse(format!("task-{command}")).unwrap(),
            0,
            10,
        )
        .unwrap();
    assert_eq!(task.len(), 1);
}

/// Protects the security headers on pages, the API, assets and errors: a
/// Content Security Policy without inline scripts (relaxed only on the
/// Swagger UI page), no framing, no MIME sniffing.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/customers",
        "/api/v1/parties",
        "/healthz",
        "/no/such/page",
        "/api/no-such",
    ] {
        let (_, headers, _) = request(app.address, "GET", path, &[], "").await;
        let policy = header(&headers, "content-security-policy").unwrap_or_default();
        assert!(policy.contains("script-src 'self';"), "{path}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(
            header(&headers, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            header(&headers, "referrer-policy"),
            Some("same-origin"),
            "{path}"
        );
    }
    let (status, headers, _) = request(app.address, "GET", "/api/docs/", &[], "").await;
    assert_eq!(status, 200);
    let policy = header(&headers, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}
