//! Regression tests for the outside review's findings (issue 15, part 1),
//! one file per finding, each through the real server: every one of them
//! failed on the code before its fix.

mod bidi_text;
mod connections;
mod idempotency_scope;
mod merge_redirect;
mod referenced_ids;
mod sign_in_throttle;
mod stock_moves;
mod token_lifetime;
mod token_reach;

use reqwest::header::COOKIE;

use super::access::{PASSWORD, csrf_of, plain_client, register, session_cookie, sign_in, token_of};
use super::*;

/// A user of these tests: their id and a token with every permission of
/// their roles.
struct Person {
    id: Uuid,
    token: String,
}

/// Registers `login` with `role` (and `branch`) and gives them a token.
async fn person(app: &TestApp, login: &str, role: Role, branch: Option<Uuid>) -> Person {
    let id = register(app, login, &[role.key()], branch).await;
    let token = token_of(app, id, &[role]).await;
    Person { id, token }
}

use domain::access::Role;

/// A browser session of `login`: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn browser(app: &TestApp, login: &str) -> Browser {
    let password = if login == "admin" {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    };
    let response = sign_in(app, login, password, None).await;
    let cookie = session_cookie(&response).expect("signed in");
    let csrf = csrf_of(app, &cookie).await;
    Browser { cookie, csrf }
}

impl Browser {
    /// `GET path` in this session: status and page.
    async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let response = plain_client()
            .get(format!("{}{path}", app.base))
            .header(COOKIE, format!("hypercrm_session={}", self.cookie))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Posts a form in this session, with its CSRF token: status and page.
    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &self.csrf));
        let response = plain_client()
            .post(format!("{}{path}", app.base))
            .header(COOKIE, format!("hypercrm_session={}", self.cookie))
            .form(&form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

/// A JSON request as `token`: status and body.
async fn json_as(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: impl AsRef<str>,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, text) = super::access::as_user(app, token, method, path.as_ref(), body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Two "does not exist" answers are the same but for the id they name:
/// nothing tells a record out of reach from one that is missing.
fn assert_alike(out_of_reach: (u16, &Value, Uuid), missing: (u16, &Value, Uuid)) {
    assert_eq!(out_of_reach.0, 404, "{:#}", out_of_reach.1);
    assert_eq!(missing.0, 404, "{:#}", missing.1);
    let anonymous = |body: &Value, id: Uuid| body.to_string().replace(&id.to_string(), "ID");
    assert_eq!(
        anonymous(out_of_reach.1, out_of_reach.2),
        anonymous(missing.1, missing.2)
    );
}
