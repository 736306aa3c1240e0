//! Access control through the real server: the permission matrix (every
//! built-in role against every documented endpoint and every page), users
//! managed by an administrator, API tokens and their revocation, sessions,
//! CSRF, sign-in throttling, session fixation, and text fields rendered
//! back escaped.

use std::collections::BTreeMap;

use api::auth::policy::{PAGE_ROUTES, Requirement};
use domain::access::{Permission, Role};
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE};

use super::*;

/// The routes of users and of the signed-in user's account.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/users/{id}/roles"),
    ("post", "/api/v1/users/{id}/branch"),
    ("post", "/api/v1/users/{id}/disable"),
    ("post", "/api/v1/users/{id}/enable"),
    ("post", "/api/v1/users/{id}/password"),
    ("post", "/api/v1/users/{id}/sessions/revoke"),
    ("post", "/api/v1/users/{id}/tokens/{token}/revoke"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/tokens"),
    ("post", "/api/v1/me/tokens"),
    ("post", "/api/v1/me/tokens/{id}/revoke"),
];

/// The scenarios whose answers the contract check counts.
pub(crate) fn scenarios() {
    every_role_is_allowed_exactly_its_permissions_on_every_endpoint();
    tokens_are_scoped_recorded_and_revocable();
    administrators_register_users_with_unique_logins_and_strong_passwords();
    user_endpoints_answer_their_documented_errors();
}

/// A password every user of these tests gets.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// Registers `login` with `roles` through the API; answers the user's id.
pub(crate) async fn register(
    app: &TestApp,
    login: &str,
    roles: &[&str],
    branch: Option<Uuid>,
) -> Uuid {
    app.write(
        "/api/v1/users",
        json!({"login": login, "display_name": login, "roles": roles,
               "branch": branch, "password": PASSWORD}),
    )
    .await
    .id
}

/// A token of `user` with every permission the user's roles grant.
pub(crate) async fn token_of(app: &TestApp, user: Uuid, roles: &[Role]) -> String {
    let permissions: Vec<Permission> = domain::access::Grants::of_roles(roles)
        .permissions()
        .map(|(permission, _)| permission)
        .collect();
    api::auth::tokens::issue(
        &app.state,
        domain::ids::UserId::from_uuid(user),
        "matrix",
        permissions,
        eventlog::Actor::system("test"),
    )
    .await
    .unwrap()
}

/// A client without the administrator's token, never following redirects.
pub(crate) fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends `method path` with `authorization` (or none), an empty JSON body
/// for writes; records the status for the contract check.
async fn status_of(
    app: &TestApp,
    method: &reqwest::Method,
    path: &str,
    authorization: Option<&str>,
) -> u16 {
    let mut request = plain_client().request(method.clone(), format!("{}{path}", app.base));
    if let Some(authorization) = authorization {
        request = request.header(AUTHORIZATION, authorization);
    }
    if *method == reqwest::Method::POST {
        request = request.json(&json!({}));
    }
    // The live feed answers its headers at once and then streams: only
    // the status is read.
    let status = request.send().await.unwrap().status().as_u16();
    let route = route_of(method, path);
    PRODUCED.lock().unwrap().insert((route.0, route.1, status));
    status
}

/// The documented operations, each with the permission its security
/// requirement names (`None`: any signed-in user; public ones left out).
fn documented_operations() -> Vec<(reqwest::Method, String, Option<Permission>)> {
    let document = serde_json::to_value(api::http::document()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"].as_array().unwrap();
            if security.is_empty() {
                continue;
            }
            let scope = security[0]["token"][0].as_str();
            let permission = scope.map(|scope| Permission::parse("scope", scope).unwrap());
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let path = path
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{token}", &Uuid::now_v7().to_string());
            operations.push((method, path, permission));
        }
    }
    operations
}

/// Every built-in role against every documented endpoint: what the role
/// grants is never refused with 401 or 403, what it does not is a 403, and
/// without a token everything but the public routes is a 401. Protects
/// the one access check from a route that slips through or a role that
/// is wider or narrower than its matrix.
#[tokio::test]
async fn every_role_is_allowed_exactly_its_permissions_on_every_endpoint() {
    let app = spawn_app().await;
    let mut tokens = BTreeMap::new();
    for role in Role::ALL {
        let user = register(&app, &format!("matrix-{}", role.key()), &[role.key()], None).await;
        tokens.insert(
            *role,
            format!("Bearer {}", token_of(&app, user, &[*role]).await),
        );
    }
    // Two tokens of the administrator cut down to one permission each:
    // every other permission is refused to them, whoever holds it.
    let administrator = domain::access::Login::parse("login", api::auth::FIRST_ADMINISTRATOR)
        .unwrap()
        .user_id();
    let mut narrow = Vec::new();
    for only in ["parties.read", "audit.read"] {
        let only = Permission::parse("only", only).unwrap();
        let token = api::auth::tokens::issue(
            &app.state,
            administrator,
            "narrow",
            vec![only],
            eventlog::Actor::system("test"),
        )
        .await
        .unwrap();
        narrow.push((only, format!("Bearer {token}")));
    }
    let operations = documented_operations();
    assert!(operations.len() > 140, "{} operations", operations.len());
    let mut wrong = Vec::new();
    for (method, path, permission) in &operations {
        let anonymous = status_of(&app, method, path, None).await;
        if anonymous != 401 {
            wrong.push(format!("anonymous {method} {path}: {anonymous}"));
        }
        let principals = tokens
            .iter()
            .map(|(role, token)| (role.key().to_owned(), Some(*role), None, token))
            .chain(
                narrow
                    .iter()
                    .map(|(only, token)| (format!("token {only}"), None, Some(*only), token)),
            );
        for (name, role, only, token) in principals {
            let allowed = permission.is_none_or(|permission| match (role, only) {
                (Some(role), _) => role.reach(permission).is_some(),
                (None, only) => only == Some(permission),
            });
            let status = status_of(&app, method, path, Some(token)).await;
            let refused = status == 401 || status == 403;
            if allowed == refused {
                wrong.push(format!(
                    "{name} {method} {path}: {status} (needs {permission:?})"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Every page route against every role, as the table of page routes says,
/// including the CSV export and the metrics. Protects the UI, exports and
/// `/metrics` like the API.
#[tokio::test]
async fn every_role_is_allowed_exactly_its_permissions_on_every_page() {
    let app = spawn_app().await;
    // Pages take browser sessions, not tokens: one session per role.
    let mut sessions = BTreeMap::new();
    for role in Role::ALL {
        let login = format!("pages-{}", role.key());
        register(&app, &login, &[role.key()], None).await;
        sessions.insert(*role, session_client(&app, &login, PASSWORD).await);
    }
    let mut wrong = Vec::new();
    for (method, route, requirement) in PAGE_ROUTES {
        let Requirement::Permission(permission) = requirement else {
            continue;
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let path = route
            .replace("{id}", &Uuid::now_v7().to_string())
            .replace("{action}", "receipt")
            .replace("{file}", "app.css");
        for (role, (client, csrf)) in &sessions {
            let mut request = client.request(method.clone(), format!("{}{path}", app.base));
            if method == reqwest::Method::POST {
                request = request.form(&[("x", "y"), ("csrf_token", csrf.as_str())]);
            }
            let status = request.send().await.unwrap().status().as_u16();
            let allowed = role.reach(*permission).is_some();
            if allowed == (status == 403 || status == 401) {
                wrong.push(format!(
                    "{role} {method} {path}: {status} (needs {permission})"
                ));
            }
        }
        let anonymous = plain_client()
            .request(method.clone(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let to_sign_in = anonymous.status().as_u16() == 303
            && anonymous.headers()[LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login?next=");
        let refused_api = anonymous.status().as_u16() == 401;
        if !(to_sign_in || refused_api) {
            wrong.push(format!("anonymous {method} {path}: {}", anonymous.status()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A session's cookie value from a response.
pub(crate) fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let pair = value.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            (name == api::auth::sessions::SESSION_COOKIE && !value.is_empty())
                .then(|| value.to_owned())
        })
}

/// Signs in through the sign-in form; answers the response.
pub(crate) async fn sign_in(
    app: &TestApp,
    login: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = plain_client().post(format!("{}/login", app.base)).form(&[
        ("login", login),
        ("password", password),
        ("next", "/account"),
    ]);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, format!("hypercrm_session={cookie}"));
    }
    request.send().await.unwrap()
}

/// A client signed in as `login` with a browser session (pages take no
/// API tokens), never following redirects, and the session's CSRF token
/// for its forms.
pub(crate) async fn session_client(
    app: &TestApp,
    login: &str,
    password: &str,
) -> (reqwest::Client, String) {
    let cookie = session_cookie(&sign_in(app, login, password, None).await).expect("signed in");
    let csrf = csrf_of(app, &cookie).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        COOKIE,
        format!("hypercrm_session={cookie}").parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    (client, csrf)
}

/// A page's CSRF token, read from its sign-out form.
pub(crate) async fn csrf_of(app: &TestApp, cookie: &str) -> String {
    let page = plain_client()
        .get(format!("{}/account", app.base))
        .header(COOKIE, format!("hypercrm_session={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a form with the CSRF token") + marker.len();
    page[start..start + 64].to_owned()
}

/// Protects sign-in: the right password opens a session that reaches the
/// user's pages, a planted session id is never the one signed in
/// (session fixation), and a wrong password is refused.
#[tokio::test]
async fn signing_in_makes_a_fresh_session_and_wrong_passwords_are_refused() {
    let app = spawn_app().await;
    register(&app, "anna", &["sales_manager"], None).await;
    let planted = "ab".repeat(32);
    let response = sign_in(&app, "Anna", PASSWORD, Some(&planted)).await;
    assert_eq!(response.status().as_u16(), 303);
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = session_cookie(&response).unwrap();
    assert_ne!(cookie, planted, "a planted session id is never signed in");
    let account = plain_client()
        .get(format!("{}/customers", app.base))
        .header(COOKIE, format!("hypercrm_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status().as_u16(), 200);
    let planted_page = plain_client()
        .get(format!("{}/customers", app.base))
        .header(COOKIE, format!("hypercrm_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(planted_page.status().as_u16(), 303);
    let wrong = sign_in(&app, "anna", "not the password at all", None).await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(session_cookie(&wrong).is_none());
    let unknown = sign_in(&app, "nobody", PASSWORD, None).await;
    assert_eq!(unknown.status().as_u16(), 401);
}

/// Protects accounts from guessing: after five failures the right
/// password is refused too, with 429, until the window passes.
#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled() {
    let app = spawn_app().await;
    register(&app, "boris", &["auditor"], None).await;
    for _ in 0..api::auth::throttle::PAIR_FAILURES_MAX {
        assert_eq!(
            sign_in(&app, "boris", "wrong password!!", None)
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let locked = sign_in(&app, "boris", PASSWORD, None).await;
    assert_eq!(locked.status().as_u16(), 429);
    assert!(session_cookie(&locked).is_none());
    let throttled_api = plain_client()
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled_api.status().as_u16(), 401);
}

/// Protects forms from cross-site requests: a session's write without the
/// CSRF token, with a wrong one, or from another site is refused and
/// writes nothing; with the token it goes through.
#[tokio::test]
async fn session_writes_need_the_csrf_token_and_this_site() {
    let app = spawn_app().await;
    register(&app, "clara", &["director"], None).await;
    let party = app.company("Csrf Test Ltd").await;
    app.settle().await;
    let cookie = session_cookie(&sign_in(&app, "clara", PASSWORD, None).await).unwrap();
    let csrf = csrf_of(&app, &cookie).await;
    let head = app.state.log.head().position;
    let task = |token: Option<&str>, site: Option<&str>| {
        let mut form = vec![
            ("title", "Call back"),
            ("due", "2030-01-01"),
            ("priority", "normal"),
            ("command", ""),
        ];
        if let Some(token) = token {
            form.push(("csrf_token", token));
        }
        let mut request = plain_client()
            .post(format!("{}/customers/{party}/tasks", app.base))
            .header(COOKIE, format!("hypercrm_session={cookie}"))
            .form(&form);
        if let Some(site) = site {
            request = request.header("Sec-Fetch-Site", site);
        }
        request.send()
    };
    assert_eq!(task(None, None).await.unwrap().status().as_u16(), 403);
    assert_eq!(
        task(Some(&"0".repeat(64)), None)
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        task(Some(&csrf), Some("cross-site"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(app.state.log.head().position, head, "nothing was written");
    let done = task(Some(&csrf), Some("same-origin")).await.unwrap();
    assert_eq!(
        done.status().as_u16(),
        303,
        "{}",
        done.text().await.unwrap()
    );
    assert!(app.state.log.head().position > head);
    // The JSON API takes the token in a header.
    let api_write = plain_client()
        .post(format!("{}/api/v1/parties", app.base))
        .header(COOKIE, format!("hypercrm_session={cookie}"))
        .json(&json!({"kind": "company", "name": "Header Token Ltd"}));
    assert_eq!(
        api_write
            .try_clone()
            .unwrap()
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let with_header = api_write
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status().as_u16(), 201);
}

/// Protects "sign out", "sign out everywhere" and disabling: each ends the
/// sessions it should, at once.
#[tokio::test]
async fn signing_out_everywhere_and_disabling_end_sessions() {
    let app = spawn_app().await;
    let dora = register(&app, "dora", &["accountant"], None).await;
    let first = session_cookie(&sign_in(&app, "dora", PASSWORD, None).await).unwrap();
    let second = session_cookie(&sign_in(&app, "dora", PASSWORD, None).await).unwrap();
    let page_status = |cookie: String| {
        plain_client()
            .get(format!("{}/orders", app.base))
            .header(COOKIE, format!("hypercrm_session={cookie}"))
            .send()
    };
    assert_eq!(
        page_status(first.clone()).await.unwrap().status().as_u16(),
        200
    );
    let csrf = csrf_of(&app, &first).await;
    let out = plain_client()
        .post(format!("{}/account/sessions/revoke", app.base))
        .header(COOKIE, format!("hypercrm_session={first}"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 303);
    for cookie in [first, second] {
        assert_eq!(page_status(cookie).await.unwrap().status().as_u16(), 303);
    }
    let third = session_cookie(&sign_in(&app, "dora", PASSWORD, None).await).unwrap();
    let token = token_of(&app, dora, &[Role::Accountant]).await;
    app.write(&format!("/api/v1/users/{dora}/disable"), json!({}))
        .await;
    assert_eq!(page_status(third).await.unwrap().status().as_u16(), 303);
    let with_token = plain_client()
        .get(format!("{}/api/v1/orders", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status().as_u16(), 401);
    assert_eq!(
        sign_in(&app, "dora", PASSWORD, None)
            .await
            .status()
            .as_u16(),
        401
    );
}

/// Protects integrations: a token works until revoked, carries no more
/// than it was given, and records its id on what it writes.
#[tokio::test]
async fn tokens_are_scoped_recorded_and_revocable() {
    let app = spawn_app().await;
    let issued = app
        .post(
            "/api/v1/me/tokens",
            json!({"name": "shop sync", "permissions": ["parties.read", "parties.create"]}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:#}", issued.body);
    let token = issued.body["token"].as_str().unwrap().to_owned();
    let token_id = issued.body["id"].as_str().unwrap().to_owned();
    let as_token = |request: reqwest::RequestBuilder| request.bearer_auth(&token).send();
    let client = plain_client();
    let created = as_token(
        client
            .post(format!("{}/api/v1/parties", app.base))
            .json(&json!({"kind": "company", "name": "Token Made Ltd"})),
    )
    .await
    .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let position: u64 = created.json::<Value>().await.unwrap()["position"]
        .as_u64()
        .unwrap();
    let record = app
        .state
        .log
        .read_all(position, 1, &eventlog::ReadFilter::all())
        .unwrap()
        .events
        .remove(0);
    assert_eq!(
        record.actor,
        eventlog::Actor::User {
            user_id: domain::access::Login::parse("l", "admin")
                .unwrap()
                .user_id()
                .as_uuid(),
            token_id: Some(token_id.parse().unwrap()),
        }
    );
    let orders = as_token(client.get(format!("{}/api/v1/orders", app.base)))
        .await
        .unwrap();
    assert_eq!(
        orders.status().as_u16(),
        403,
        "beyond the token's permissions"
    );
    let beyond = app
        .send(
            app.client
                .post(format!("{}/api/v1/me/tokens", app.base))
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .json(&json!({"name": "wider", "permissions": ["orders.read"]})),
        )
        .await;
    beyond.assert_problem(422);
    let revoked = app
        .post(&format!("/api/v1/me/tokens/{token_id}/revoke"), json!({}))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:#}", revoked.body);
    let after = as_token(client.get(format!("{}/api/v1/parties", app.base)))
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 401);
    let listed = app.get("/api/v1/me/tokens").await;
    assert!(listed.body["rows"][0]["revoked_at"].is_string());
    assert!(!listed.body.to_string().contains(&token[token.len() - 64..]));
    for bad in [
        "Bearer ",
        "Bearer hcrm_x_y",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer \u{0}",
    ] {
        let status = client
            .get(format!("{}/api/v1/parties", app.base))
            .header(AUTHORIZATION, bad)
            .send()
            .await
            .map(|response| response.status().as_u16());
        assert!(matches!(status, Ok(401) | Err(_)), "{bad:?}: {status:?}");
    }
}

/// Protects administrators' user management: the login is unique, bad
/// roles and weak passwords are refused by field, and the list never
/// shows a password hash.
#[tokio::test]
async fn administrators_register_users_with_unique_logins_and_strong_passwords() {
    let app = spawn_app().await;
    let emma = register(&app, "emma", &["storekeeper"], None).await;
    let again = app
        .post(
            "/api/v1/users",
            json!({"login": "EMMA", "display_name": "Emma 2", "roles": ["auditor"], "password": PASSWORD}),
        )
        .await;
    again.assert_problem(422);
    let weak = app
        .post(
            "/api/v1/users",
            json!({"login": "fred", "display_name": "Fred", "roles": ["auditor"], "password": "short"}),
        )
        .await;
    weak.assert_problem(400);
    assert_eq!(weak.field(), "password");
    let bad_role = app
        .post(
            "/api/v1/users",
            json!({"login": "fred", "display_name": "Fred", "roles": ["king"], "password": PASSWORD}),
        )
        .await;
    assert_eq!(bad_role.field(), "roles[0]");
    let roles = app
        .post(
            &format!("/api/v1/users/{emma}/roles"),
            json!({"roles": ["auditor"]}),
        )
        .await;
    assert_eq!(roles.status, StatusCode::OK);
    let users = app.get("/api/v1/users").await;
    let text = users.body.to_string();
    assert!(!text.contains("argon2"), "{text}");
    let row = users.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["login"] == "emma")
        .unwrap()
        .clone();
    assert_eq!(row["roles"], json!(["auditor"]));
    let myself = app.get("/api/v1/me").await;
    let admin = myself.body["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/users/{admin}/disable"), json!({}))
        .await
        .assert_problem(422);
}

/// Protects against stored cross-site scripting and injection: hostile
/// text in every field of a party comes back escaped on its pages, and is
/// stored as typed.
#[tokio::test]
async fn hostile_text_is_rendered_back_escaped() {
    let app = spawn_app().await;
    let hostile = "<script>alert(1)</script>\"' OR 1=1 --<img src=x onerror=alert(2)>";
    let party = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": hostile, "legal_name": hostile, "source": hostile}),
        )
        .await
        .id;
    app.write(
        &format!("/api/v1/parties/{party}/interactions"),
        json!({"kind": "note", "subject": hostile, "body": hostile}),
    )
    .await;
    app.settle().await;
    for path in [
        format!("/customers/{party}"),
        format!("/customers?q={}", api::web::percent_encode("script")),
    ] {
        assert_rendered_escaped(&app, &path).await;
    }
    let read = app.get(&format!("/api/v1/parties/{party}")).await;
    assert_eq!(read.body["display_name"], hostile, "stored as typed");
    // The same text in a product's name and a task's title, on their pages.
    let product = app
        .write(
            "/api/v1/products",
            json!({"sku": "XSS-1", "name": hostile, "unit": "pcs", "kind": "stock_tracked",
                   "vat_percent": "20", "category": hostile}),
        )
        .await
        .id;
    app.write(
        "/api/v1/tasks",
        json!({"title": hostile, "description": hostile, "due": "2030-01-01T12:00:00Z"}),
    )
    .await;
    app.settle().await;
    for path in [
        format!("/catalog/products/{product}"),
        "/catalog?q=xss".to_owned(),
        "/tasks?show=upcoming".to_owned(),
    ] {
        assert_rendered_escaped(&app, &path).await;
    }
}

/// The page at `path` shows the hostile text of
/// [`hostile_text_is_rendered_back_escaped`] as text, never as markup.
async fn assert_rendered_escaped(app: &TestApp, path: &str) {
    let (client, _) = session_client(app, "admin", ADMIN_PASSWORD).await;
    let page = client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200, "{path}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "{path}");
    assert!(!html.contains("<img src=x"), "{path}");
    // askama writes `<` and `>` as numeric character references.
    assert!(html.contains("&#60;script&#62;alert(1)"), "{path}");
}

/// Protects files from path traversal: asset names with `..`, encoded
/// slashes or absolute paths are not found and reveal nothing.
#[tokio::test]
async fn asset_names_cannot_leave_the_embedded_assets() {
    let app = spawn_app().await;
    for name in [
        "..%2F..%2FCargo.toml",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%5C..%5CCargo.toml",
        "%2Fetc%2Fpasswd",
        "app.css%00.png",
    ] {
        let response = plain_client()
            .get(format!("{}/assets/{name}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404, "{name}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{name}"
        );
    }
}

/// Protects the users endpoints' contract: each answers the errors it
/// documents (a bad value, an unknown user or token, a stale `If-Match`,
/// a broken rule) and changes nothing then.
#[tokio::test]
async fn user_endpoints_answer_their_documented_errors() {
    let app = spawn_app().await;
    let gina = register(&app, "gina", &["auditor"], None).await;
    let nobody = Uuid::now_v7();
    let stale = [("if-match", "\"99\"")];
    let bad_etag = [("if-match", "not a version")];
    let routes: [(&str, Value); 6] = [
        ("roles", json!({"roles": ["accountant"]})),
        ("branch", json!({"branch": null})),
        ("enable", json!({})),
        ("password", json!({"password": "another good password"})),
        ("sessions/revoke", json!({})),
        ("disable", json!({})),
    ];
    for (action, body) in &routes {
        let path = format!("/api/v1/users/{gina}/{action}");
        app.post_with(&path, body.clone(), &bad_etag)
            .await
            .assert_problem(400);
        app.post(&format!("/api/v1/users/{nobody}/{action}"), body.clone())
            .await
            .assert_problem(404);
        app.post_with(&path, body.clone(), &stale)
            .await
            .assert_problem(412);
        let done = app.post(&path, body.clone()).await;
        assert_eq!(done.status, StatusCode::OK, "{action}: {:#}", done.body);
    }
    let token = format!("/api/v1/users/{gina}/tokens/{nobody}/revoke");
    app.post_with(&token, json!({}), &bad_etag)
        .await
        .assert_problem(400);
    app.post(&token, json!({})).await.assert_problem(404);
    let token_id = app
        .post(
            "/api/v1/me/tokens",
            json!({"name": "t", "permissions": ["parties.read"]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let administrator = app.get("/api/v1/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = format!("/api/v1/users/{administrator}/tokens/{token_id}/revoke");
    app.post_with(&own, json!({}), &stale)
        .await
        .assert_problem(412);
    assert_eq!(app.post(&own, json!({})).await.status, StatusCode::OK);
    let mine = format!("/api/v1/me/tokens/{nobody}/revoke");
    app.post(&mine, json!({})).await.assert_problem(404);
    app.post_with(&mine, json!({}), &bad_etag)
        .await
        .assert_problem(400);
    let second = app
        .post(
            "/api/v1/me/tokens",
            json!({"name": "t2", "permissions": ["parties.read"]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = format!("/api/v1/me/tokens/{second}/revoke");
    app.post_with(&mine, json!({}), &stale)
        .await
        .assert_problem(412);
    assert_eq!(app.post(&mine, json!({})).await.status, StatusCode::OK);
    app.post(
        "/api/v1/me/tokens",
        json!({"name": "", "permissions": ["parties.read"]}),
    )
    .await
    .assert_problem(400);
    app.post("/api/v1/me/tokens", json!({"name": "x", "permissions": []}))
        .await
        .assert_problem(400);
    assert_eq!(app.get("/api/v1/me/tokens").await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/users").await.status, StatusCode::OK);
}

/// `GET` or `POST` (JSON) `path` with `token`; answers status and body.
pub(crate) async fn as_user(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = plain_client()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// "A manager sees only own customers": a sales manager lists, opens and
/// changes their own customers and their orders, and another manager's
/// are not found, in the API and on the pages. Protects record scoping by
/// owner.
#[tokio::test]
async fn a_sales_manager_sees_and_changes_only_own_customers() {
    let app = spawn_app().await;
    let sam = register(&app, "sam", &["sales_manager"], None).await;
    let token = token_of(&app, sam, &[Role::SalesManager]).await;
    let own = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Sams Own Ltd", "owner": sam}),
        )
        .await
        .id;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "1").await;
    app.settle().await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    let (status, list) = as_user(&app, &token, get.clone(), "/api/v1/parties", None).await;
    assert_eq!(status, 200);
    assert!(
        list.contains("Sams Own Ltd") && !list.contains("Acme"),
        "{list}"
    );
    let (status, _) = as_user(
        &app,
        &token,
        get.clone(),
        &format!("/api/v1/parties/{own}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = as_user(
        &app,
        &token,
        get.clone(),
        &format!("/api/v1/parties/{}", shop.party),
        None,
    )
    .await;
    assert_eq!(status, 404, "another manager's customer is not found");
    let rename = json!({"name": "Renamed"});
    let (status, _) = as_user(
        &app,
        &token,
        post.clone(),
        &format!("/api/v1/parties/{}/rename", shop.party),
        Some(rename.clone()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = as_user(
        &app,
        &token,
        post.clone(),
        &format!("/api/v1/parties/{own}/rename"),
        Some(rename),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = as_user(
        &app,
        &token,
        get.clone(),
        &format!("/api/v1/orders/{order}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "the order of another manager's customer");
    let (_, orders) = as_user(&app, &token, get.clone(), "/api/v1/orders", None).await;
    assert!(!orders.contains(&order.to_string()), "{orders}");
    app.settle().await;
    let (browser, _) = session_client(&app, "sam", PASSWORD).await;
    let page_of = |path: String| {
        let request = browser.get(format!("{}{path}", app.base));
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, page) = page_of("/customers".to_owned()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Renamed") && !page.contains("Acme"));
    let (status, _) = page_of(format!("/customers/{}", shop.party)).await;
    assert_eq!(status, 404);
    let (status, _) = page_of(format!("/orders/{order}")).await;
    assert_eq!(status, 404);
    // Tasks: another user's list is not within reach; asking for it
    // gives one's own.
    let admin = app.get("/api/v1/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Admins own task", "assignee": admin, "due": "2030-01-01T12:00:00Z"}),
        )
        .await
        .id;
    app.settle().await;
    let (status, tasks) = as_user(
        &app,
        &token,
        get.clone(),
        &format!("/api/v1/tasks?assignee={admin}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!tasks.contains(&task.to_string()), "{tasks}");
    let (status, _) = as_user(&app, &token, get, &format!("/api/v1/tasks/{task}"), None).await;
    assert_eq!(status, 404);
}

/// "A branch sees only its warehouse": a storekeeper lists, opens and
/// moves stock in the warehouses of their branch only. Protects record
/// scoping by branch.
#[tokio::test]
async fn a_storekeeper_moves_stock_only_in_own_branch() {
    let app = spawn_app().await;
    let north = Uuid::now_v7();
    let south = Uuid::now_v7();
    let stu = register(&app, "stu", &["storekeeper"], Some(north)).await;
    let token = token_of(&app, stu, &[Role::Storekeeper]).await;
    let shop = open_shop(&app).await;
    let mine = app
        .write(
            "/api/v1/warehouses",
            json!({"name": "North store", "branch": north}),
        )
        .await
        .id;
    let theirs = app
        .write(
            "/api/v1/warehouses",
            json!({"name": "South store", "branch": south}),
        )
        .await
        .id;
    app.settle().await;
    let get = reqwest::Method::GET;
    let (status, list) = as_user(&app, &token, get.clone(), "/api/v1/warehouses", None).await;
    assert_eq!(status, 200);
    assert!(
        list.contains("North store") && !list.contains("South store"),
        "{list}"
    );
    let (status, _) = as_user(
        &app,
        &token,
        get.clone(),
        &format!("/api/v1/warehouses/{theirs}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = as_user(
        &app,
        &token,
        get,
        &format!("/api/v1/warehouses/{mine}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let receipt = |warehouse: Uuid| json!({"product": shop.product, "warehouse": warehouse, "quantity": "3", "unit_cost": "2"});
    let head = app.state.log.head().position;
    let (status, _) = as_user(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/stock/receipts",
        Some(receipt(theirs)),
    )
    .await;
    assert_eq!(status, 404, "another branch's warehouse");
    assert_eq!(app.state.log.head().position, head, "nothing was written");
    let (status, body) = as_user(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/stock/receipts",
        Some(receipt(mine)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    app.settle().await;
    // The product's stock shows the branch's warehouse only, with its
    // own totals.
    let (status, stock) = as_user(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/products/{}/stock", shop.product),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let stock: Value = serde_json::from_str(&stock).unwrap();
    assert_eq!(stock["warehouses"].as_array().unwrap().len(), 1, "{stock}");
    assert_eq!(stock["warehouses"][0]["warehouse"], mine.to_string());
    assert_eq!(dec(&stock["on_hand"]), Decimal::from(3));
    let (status, levels) = as_user(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/stock?warehouse={}", shop.warehouse),
        None,
    )
    .await;
    assert_eq!(status, 404, "{levels}");
}

/// Protects the administrators' users page: it lists the users, registers
/// one with its roles, refuses a weak password next to the form, and
/// disables a user, whose token then stops.
#[tokio::test]
async fn administrators_manage_users_on_the_users_page() {
    let app = spawn_app().await;
    let (browser, csrf) = session_client(&app, "admin", ADMIN_PASSWORD).await;
    let page = browser
        .get(format!("{}/admin/users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("data-login=\"admin\""));
    let register = |password: &'static str| {
        browser
            .post(format!("{}/admin/users", app.base))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "hana"),
                ("display_name", "Hana"),
                ("role", "accountant"),
                ("role", "auditor"),
                ("branch", ""),
                ("password", password),
            ])
            .send()
    };
    let weak = register("short").await.unwrap();
    assert_eq!(weak.status().as_u16(), 422);
    assert!(
        weak.text().await.unwrap().contains("value=\"hana\""),
        "kept as typed"
    );
    let done = register(PASSWORD).await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    let hana = domain::access::Login::parse("login", "hana")
        .unwrap()
        .user_id();
    let users = app.get("/api/v1/users").await;
    let row = users.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["login"] == "hana")
        .unwrap()
        .clone();
    assert_eq!(row["roles"], json!(["accountant", "auditor"]));
    let token = token_of(&app, hana.as_uuid(), &[Role::Accountant]).await;
    let disabled = browser
        .post(format!("{}/admin/users/{hana}/disable", app.base))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status().as_u16(), 303);
    let (status, _) = as_user(&app, &token, reqwest::Method::GET, "/api/v1/orders", None).await;
    assert_eq!(status, 401);
}

/// Protects the server from huge and malformed forms: a session's form
/// over the limit is a 413 and a form that does not parse is refused, and
/// neither writes anything.
#[tokio::test]
async fn oversized_and_malformed_forms_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    register(&app, "ivan", &["director"], None).await;
    let party = app.company("Forms Ltd").await;
    app.settle().await;
    let cookie = session_cookie(&sign_in(&app, "ivan", PASSWORD, None).await).unwrap();
    let csrf = csrf_of(&app, &cookie).await;
    let head = app.state.log.head().position;
    let huge = format!("csrf_token={csrf}&title={}", "x".repeat(2 * 1024 * 1024));
    let too_large = plain_client()
        .post(format!("{}/customers/{party}/tasks", app.base))
        .header(COOKIE, format!("hypercrm_session={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status().as_u16(), 413);
    let malformed = plain_client()
        .post(format!("{}/customers/{party}/tasks", app.base))
        .header(COOKIE, format!("hypercrm_session={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={csrf}&title=%ZZ&due=%&priority"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(malformed.status().as_u16(), 400 | 422),
        "{}",
        malformed.status()
    );
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}

/// Protects the pages issue 17 added for one record (a lead, a task, an
/// interaction, a deal, a calendar entry): another manager's record answers exactly as a
/// missing one does, so a page tells no more than the API, and a change
/// posted to it is refused the same way, writing nothing.
#[tokio::test]
async fn another_managers_lead_task_interaction_and_deal_pages_answer_as_missing() {
    let app = spawn_app().await;
    let ann = register(&app, "ann-pages", &["sales_manager"], None).await;
    register(&app, "ben-pages", &["sales_manager"], None).await;
    let anns_party = app
        .write(
            "/api/v1/parties",
            json!({"kind": "company", "name": "Anns Pages Ltd", "owner": ann}),
        )
        .await
        .id;
    let lead = app
        .write(
            "/api/v1/leads",
            json!({"title": "Anns lead", "company_name": "Anns Prospect", "owner": ann}),
        )
        .await
        .id;
    let interaction = app
        .write(
            &format!("/api/v1/parties/{anns_party}/interactions"),
            json!({"kind": "note", "body": "Anns note"}),
        )
        .await
        .id;
    let task = app
        .write(
            "/api/v1/tasks",
            json!({"title": "Anns task", "assignee": ann}),
        )
        .await
        .id;
    let pipeline = app
        .write(
            "/api/v1/pipelines",
            json!({"name": "Pages", "stages": [{"name": "Qualify", "probability": 10}]}),
        )
        .await
        .id;
    let deal = app
        .write(
            "/api/v1/deals",
            json!({"title": "Anns deal", "party": anns_party, "pipeline": pipeline,
                   "amount": "100", "currency": "EUR", "owner": ann}),
        )
        .await
        .id;
    let entry = app
        .write(
            "/api/v1/calendar-entries",
            json!({"title": "Anns meeting", "starts_at": "2027-01-05T10:00:00Z",
                   "ends_at": "2027-01-05T11:00:00Z", "attendees": [ann]}),
        )
        .await
        .id;
    app.settle().await;
    let (ben, csrf) = session_client(&app, "ben-pages", PASSWORD).await;
    let head = app.state.log.head().position;
    let edit = ben
        .post(format!("{}/deals/{deal}/edit", app.base))
        .header("origin", &app.base)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Bens now"),
            ("amount", "1"),
            ("currency", "EUR"),
            ("probability", "10"),
            ("owner", &ann.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status().as_u16(), 404);
    assert_eq!(app.state.log.head().position, head, "nothing was written");
    for (kind, id) in [
        ("leads", lead),
        ("tasks", task),
        ("interactions", interaction),
        ("deals", deal),
        ("calendar/entries", entry),
    ] {
        let page = |id: Uuid| {
            let ben = ben.clone();
            let url = format!("{}/{kind}/{id}", app.base);
            async move {
                let response = ben.get(url).send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let out_of_reach = page(id).await;
        let missing = page(Uuid::now_v7()).await;
        assert_eq!(out_of_reach.0, 404, "{kind}");
        assert_eq!(
            out_of_reach, missing,
            "{kind}: out of reach answers as missing"
        );
    }
}

/// Protects the warehouses page for a storekeeper: it lists their
/// branch's warehouses only, its open form offers their branch only, and
/// a warehouse posted for another branch is refused and not opened.
#[tokio::test]
async fn a_storekeepers_warehouses_page_keeps_to_their_branch() {
    let app = spawn_app().await;
    let (north, south) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, code, name) in [(north, "NO", "Northport"), (south, "SO", "Southport")] {
        app.write(
            "/api/v1/admin/branches",
            json!({"id": id, "code": code, "name": name}),
        )
        .await;
    }
    for (name, branch) in [("North depot", north), ("South depot", south)] {
        app.write(
            "/api/v1/warehouses",
            json!({"name": name, "branch": branch, "allows_negative_stock": false}),
        )
        .await;
    }
    register(&app, "stan-stock", &["storekeeper"], Some(north)).await;
    app.settle().await;
    let (stan, csrf) = session_client(&app, "stan-stock", PASSWORD).await;
    let page = stan
        .get(format!("{}/catalog/warehouses", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("North depot"), "{page}");
    assert!(!page.contains("South depot"), "another branch's warehouse");
    assert!(page.contains("Northport (NO)"));
    assert!(!page.contains("Southport"), "another branch is not offered");

    let head = app.state.log.head().position;
    let refused = stan
        .post(format!("{}/catalog/warehouses", app.base))
        .header("origin", &app.base)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Sneaky depot"),
            ("branch", &south.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}
