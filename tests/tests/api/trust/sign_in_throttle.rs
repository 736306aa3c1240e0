//! Finding 6: the sign-in throttle was beaten by parallel guesses (81 at
//! once: 80 refused as wrong and the right password accepted), and
//! behind a reverse proxy, where every user shares one address, anyone
//! could lock an account for everyone.

use super::*;

async fn sign_in_from(app: &TestApp, password: &str, forwarded_for: Option<&str>) -> u16 {
    let mut request = plain_client().post(format!("{}/login", app.base)).form(&[
        ("login", "boris"),
        ("password", password),
        ("next", "/account"),
    ]);
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Protects against parallel guessing: of 80 wrong passwords and the
/// right one sent at once, no more than the limit are even checked; the
/// rest are refused with 429 before any password is.
#[tokio::test]
async fn parallel_guesses_meet_the_limit() {
    let app = spawn_app().await;
    register(&app, "boris", &["auditor"], None).await;
    let mut attempts = Vec::new();
    for guess in 0..81 {
        let password = if guess == 40 {
            PASSWORD.to_owned()
        } else {
            format!("wrong guess number {guess}")
        };
        let base = app.base.clone();
        attempts.push(tokio::spawn(async move {
            plain_client()
                .post(format!("{base}/login"))
                .form(&[
                    ("login", "boris"),
                    ("password", password.as_str()),
                    ("next", "/"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut checked = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            401 | 303 => checked += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        checked <= api::auth::throttle::PAIR_FAILURES_MAX,
        "{checked} passwords were checked"
    );
}

/// Protects users behind a reverse proxy: with the proxy trusted, failures
/// lock the account only from the client that made them, so another
/// client of the same proxy still signs in; from an untrusted peer the
/// header is ignored.
#[tokio::test]
async fn a_lockout_holds_for_the_account_and_address_pair_behind_a_trusted_proxy() {
    let access = api::AccessSettings {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..api::AccessSettings::default()
    };
    let app = spawn_app_with(access).await;
    register(&app, "boris", &["auditor"], None).await;
    for _ in 0..api::auth::throttle::PAIR_FAILURES_MAX {
        assert_eq!(
            sign_in_from(&app, "a wrong password", Some("203.0.113.7")).await,
            401
        );
    }
    assert_eq!(sign_in_from(&app, PASSWORD, Some("203.0.113.7")).await, 429);
    // The client's own claim before the proxy's entry is not believed.
    assert_eq!(
        sign_in_from(&app, PASSWORD, Some("198.51.100.1, 203.0.113.7")).await,
        429
    );
    assert_eq!(
        sign_in_from(&app, PASSWORD, Some("198.51.100.9")).await,
        303
    );

    let untrusted = spawn_app().await;
    register(&untrusted, "boris", &["auditor"], None).await;
    for client in 0..api::auth::throttle::PAIR_FAILURES_MAX {
        let forwarded = format!("198.51.100.{client}");
        assert_eq!(
            sign_in_from(&untrusted, "a wrong password", Some(&forwarded)).await,
            401
        );
    }
    assert_eq!(
        sign_in_from(&untrusted, PASSWORD, Some("198.51.100.200")).await,
        429,
        "a forged header from an untrusted peer changes nothing"
    );
}
