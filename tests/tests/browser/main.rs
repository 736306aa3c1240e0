//! The web UI in a real headless Chromium, driven through WebDriver
//! (`chromedriver` and `fantoccini`), against the real server on port 0
//! with a small demo company.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). A missing browser fails the tests rather than skipping them. A
//! failing test leaves a screenshot of the page it was on in
//! `target/browser-screenshots/<test>.png`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod account;
mod audit;
mod branch_figures;
mod branches;
mod calendar_entries;
mod catalog;
mod customer_forms;
mod deals;
mod duplicates;
mod groups;
mod interactions;
mod leads;
mod order_changes;
mod order_list;
mod personal;
mod pipelines;
mod planning;
mod price_lists;
mod production;
mod purchasing;
mod quotes;
mod reminders;
mod retention;
mod stock_forms;
mod task_forms;
mod users;
mod warehouses;

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api::web::format;
use api::web::i18n::Lang;
use chrono::Utc;
use domain::Issued;
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::{PartyId, UserId};
use domain::values::{Currency, Money};
use eventlog::{Actor, AppendMeta, EventLog, Options};
use fantoccini::{Client, ClientBuilder, Locator};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The demo company's size: big enough for orders, payments and overdue
/// invoices, small enough to seed in seconds.
const DEMO_EVENTS: u64 = 3_000;
/// How long a page may take to show a change.
const PAGE_WAIT: Duration = Duration::from_secs(20);

struct TestApp {
    base: String,
    state: api::AppState,
    _data: tempfile::TempDir,
}

/// The server on port 0 over a fresh data folder holding the demo company.
async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    tokio::task::spawn_blocking(move || api::seed_demo(&dir, api::Demo::Events(DEMO_EVENTS)))
        .await
        .unwrap()
        .unwrap();
    let (log, keys) = app::personal::open_log(data.path(), Options::default()).unwrap();
    let state = api::AppState::start_on(
        log.clone(),
        keys,
        data.path(),
        api::AccessSettings::default(),
    )
    .await
    .unwrap();
    state
        .read_models
        .wait_for(log.head().position)
        .await
        .unwrap();
    // The demo's open tasks with reminders in the past are delivered right
    // after the start: let that finish, so a test that checks nothing was
    // written sees only its own writes.
    settle_reminders(&state).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    api::auth::ensure_administrator(&state, Some(ADMIN_PASSWORD.to_owned()))
        .await
        .unwrap();
    let base = format!("http://{address}");
    let app = api::app(state.clone());
    tokio::spawn(async move { api::serve_on(listener, app).await.unwrap() });
    let session = administrator_session(&base).await;
    SESSIONS.lock().unwrap().insert(base.clone(), session);
    TestApp {
        base,
        state,
        _data: data,
    }
}

/// Waits until the reminder process has delivered every reminder due.
async fn settle_reminders(state: &api::AppState) {
    let started = Instant::now();
    loop {
        let head = state.log.head().position;
        state.read_models.tasks.wait_for(head).await.unwrap();
        state.read_models.calendar.wait_for(head).await.unwrap();
        let now = state.app.now();
        let pending = state
            .read_models
            .tasks
            .read(|tasks| !tasks.reminders_due(now, 1).is_empty())
            || state
                .read_models
                .calendar
                .read(|calendar| !calendar.reminders_due(now, 1).is_empty());
        if !pending {
            return;
        }
        assert!(started.elapsed() < PAGE_WAIT, "the reminders never settled");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The password of the administrator every test server starts with.
const ADMIN_PASSWORD: &str = "test administrator password";

/// Each test server's administrator session (its cookie and CSRF token),
/// by base URL, for the requests tests make beside the browser: pages take
/// sessions, not API tokens.
static SESSIONS: std::sync::Mutex<std::collections::BTreeMap<String, (String, String)>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The demo's administrator, as the use cases see them.
fn administrator() -> app::access::Caller {
    app::access::Caller {
        user: UserId::from_uuid(Uuid::nil()),
        branch: None,
        grants: domain::access::Grants::of_roles(&[domain::access::Role::Administrator]),
        token: None,
        process: None,
    }
}

/// A run under a fresh command id, for the use cases.
fn run() -> app::Run {
    app::Run {
        command_id: Uuid::now_v7(),
        expected_version: None,
    }
}

/// Signs the administrator in through the sign-in form; answers the
/// session cookie and the CSRF token of its pages.
async fn administrator_session(base: &str) -> (String, String) {
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = plain
        .post(format!("{base}/login"))
        .form(&[
            ("login", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/account"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let pair = value.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            (name == api::auth::sessions::SESSION_COOKIE && !value.is_empty())
                .then(|| value.to_owned())
        })
        .expect("the administrator signs in");
    let page = plain
        .get(format!("{base}/account"))
        .header(
            reqwest::header::COOKIE,
            format!("hypercrm_session={cookie}"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a form with the CSRF token") + marker.len();
    (cookie, page[start..start + 64].to_owned())
}

/// A client signed in as the administrator of the server at `url`, that
/// follows redirects.
fn client_for(url: &str) -> reqwest::Client {
    client_with(url, reqwest::redirect::Policy::default())
}

/// Like [`client_for`], answering redirects instead of following them.
fn client_no_redirects(url: &str) -> reqwest::Client {
    client_with(url, reqwest::redirect::Policy::none())
}

fn client_with(url: &str, redirects: reqwest::redirect::Policy) -> reqwest::Client {
    let sessions = SESSIONS.lock().unwrap();
    let (cookie, csrf) = sessions
        .iter()
        .find(|(base, _)| url.starts_with(base.as_str()))
        .map(|(_, session)| session.clone())
        .expect("a test server's URL");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        format!("hypercrm_session={cookie}").parse().unwrap(),
    );
    headers.insert(api::auth::CSRF_HEADER, csrf.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(redirects)
        .build()
        .unwrap()
}

/// `GET url` as the administrator.
async fn get(url: impl AsRef<str>) -> reqwest::Result<reqwest::Response> {
    client_for(url.as_ref()).get(url.as_ref()).send().await
}

/// Signs the browser in as the administrator through the sign-in page.
async fn sign_in(client: &Client, base: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .find(Locator::Css("#login"))
        .await
        .unwrap()
        .send_keys(api::auth::FIRST_ADMINISTRATOR)
        .await
        .unwrap();
    client
        .find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(ADMIN_PASSWORD)
        .await
        .unwrap();
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for(client, "#account-link").await;
    // The account page the sign-in lands on has loaded whole before a
    // test navigates on: a navigation started while it still loads may
    // be read half-parsed.
    let started = Instant::now();
    loop {
        let state = client
            .execute("return document.readyState;", Vec::new())
            .await
            .unwrap();
        if state.as_str() == Some("complete") {
            break;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "the account page never loaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A chromedriver we started, and the browser session it runs.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(program).exists(),
                "{program} is missing: apt-get install -y chromium chromium-driver (.ci/run does)"
            );
        }
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match builder.connect(&url).await {
                Ok(client) => break client,
                Err(error) if started.elapsed() < PAGE_WAIT => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("no WebDriver session from chromedriver: {error}"),
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn screenshot_path(test: &str) -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`: screenshots go next to it.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let folder = target
        .parent()
        .map_or_else(|| target.clone(), |parent| parent.to_owned())
        .join("browser-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder.join(format!("{test}.png"))
}

/// Runs `body` with a fresh browser; on failure saves a screenshot of the
/// page it was on, then fails. The session is closed either way, so no
/// Chromium outlives its test.
async fn in_browser<F, Fut>(app: &TestApp, test: &str, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let browser = Browser::start().await;
    sign_in(&browser.client, &app.base).await;
    let outcome = tokio::spawn(body(browser.client.clone())).await;
    if outcome.is_err() {
        match browser.client.screenshot().await {
            Ok(png) => {
                let path = screenshot_path(test);
                std::fs::write(&path, png).unwrap();
                eprintln!("screenshot of the failing page: {}", path.display());
            }
            Err(error) => eprintln!("no screenshot: {error}"),
        }
    }
    let _ = browser.client.clone().close().await;
    drop(browser);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the browser test was cancelled: {error}"),
        }
    }
}

/// The text of the first element matching `css`, waiting for it to appear;
/// an element replaced between finding and reading it (a redirect landing)
/// is found again.
async fn text_of(client: &Client, css: &str) -> String {
    let started = Instant::now();
    loop {
        let element = client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css}: {error}"));
        match element.text().await {
            Ok(text) => return text,
            Err(error) if started.elapsed() < PAGE_WAIT => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("{css} kept changing: {error}"),
        }
    }
}

/// The text of the first element matching `css` in a part of the page
/// htmx replaces: read by one script, so a swap between finding the
/// element and reading it cannot fail the read with a stale element.
async fn live_text_of(client: &Client, css: &str) -> String {
    let started = Instant::now();
    loop {
        let text = client
            .execute(
                "const element = document.querySelector(arguments[0]);\
                 return element ? element.textContent.trim() : null;",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if let Some(text) = text.as_str() {
            return text.to_owned();
        }
        assert!(started.elapsed() < PAGE_WAIT, "no element {css}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until exactly `count` elements match `css`: what a form's
/// redirect shows, not the page the form was on (nor the blank moment
/// between the two).
async fn wait_for_count(client: &Client, css: &str, count: usize) {
    let started = Instant::now();
    loop {
        let found = count_now(client, css).await;
        if found == count {
            return;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "{css} matched {found}, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many elements match `css` now, counted by one script.
async fn count_now(client: &Client, css: &str) -> usize {
    let found = client
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(0);
    usize::try_from(found).unwrap_or(usize::MAX)
}

/// How many elements match `css` in a part of the page htmx replaces,
/// counted by one script (a swap in progress can leave the part empty for
/// a moment, so an empty count is read again until `PAGE_WAIT`).
async fn live_count(client: &Client, css: &str) -> usize {
    let started = Instant::now();
    loop {
        let count = count_now(client, css).await;
        if count > 0 || started.elapsed() >= PAGE_WAIT {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

/// The dashboard shows the director's figures as the read model has them,
/// formatted for English, and a bar for every day of the chosen period:
/// it protects the wiring from `director_kpis` and `sales` to the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_directors_figures_for_a_chosen_period() {
    let app = spawn_app().await;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let kpis = app
        .state
        .read_models
        .director_kpis
        .read(|model| model.over(from, to));
    assert!(kpis.orders > 0, "the demo has orders in the last year");
    let expected_orders = format::integer(Lang::En, kpis.orders);
    // The demo sells in euros and (its export sale) in dollars: one total
    // in the company currency, each currency's amount under it.
    let in_company = kpis
        .in_company
        .clone()
        .expect("the demo has a company currency");
    assert!(in_company.unconverted.is_empty(), "{in_company:?}");
    assert!(kpis.order_intake.len() > 1, "{:?}", kpis.order_intake);
    let expected_sales = format::money(Lang::En, in_company.order_intake, in_company.currency);
    let expected_detail = kpis
        .order_intake
        .iter()
        .map(|(currency, amount)| format::money(Lang::En, *amount, *currency))
        .collect::<Vec<_>>()
        .join(" · ");
    let url = format!("{}/?from={from}&to={to}", app.base);
    in_browser(&app, "dashboard_figures", move |client| async move {
        client.goto(&url).await.unwrap();
        assert_eq!(
            text_of(&client, r#"[data-kpi="orders-period"] .value"#).await,
            expected_orders
        );
        assert_eq!(
            text_of(&client, r#"[data-kpi="sales-period"] .value"#).await,
            expected_sales
        );
        assert_eq!(
            text_of(&client, r#"[data-kpi="sales-period"] .detail"#).await,
            expected_detail
        );
        for kpi in ["sales", "orders", "payments", "units", "overdue"] {
            let value = text_of(&client, &format!(r#"[data-kpi="{kpi}-today"] .value"#)).await;
            assert!(!value.is_empty(), "today's {kpi} is shown");
        }
        let bars = client
            .find_all(Locator::Css(".chart svg rect.bar"))
            .await
            .unwrap();
        assert_eq!(bars.len(), 365, "one bar per day of the period");
        let from_field = client.find(Locator::Css("#period-from")).await.unwrap();
        assert_eq!(
            from_field.prop("value").await.unwrap().as_deref(),
            Some(from.to_string().as_str())
        );
    })
    .await;
}

/// A payment recorded while the dashboard is open shows up in today's
/// payments without a reload (htmx refreshes the fragment): it protects
/// the "updates live as events land" promise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_changes_the_dashboard_figure_without_a_reload() {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let before = app
        .state
        .read_models
        .director_kpis
        .read(|model| model.on(today).payments.get(&eur()).copied())
        .unwrap_or_default();
    let amount = Decimal::new(123_450, 2);
    let expected = format::money(Lang::En, before + amount, eur());
    let party: PartyId = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .find(|row| !row.is_person())
            .map(|row| row.id)
            .unwrap()
    });
    let url = format!("{}/", app.base);
    let state = app.state.clone();
    in_browser(&app, "dashboard_live", move |client| async move {
        client.goto(&url).await.unwrap();
        let shown = text_of(&client, r#"[data-kpi="payments-today"] .value"#).await;
        assert_ne!(shown, expected, "the payment is not there yet");
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();

        let stream = app::commands::CommandHandler::stream::<Account>(party).unwrap();
        let issued = Issued::new(
            UserId::from_uuid(Uuid::from_u128(7)),
            Utc::now(),
            AccountCommand::ReceivePayment {
                payment: domain::ids::PaymentId::from_uuid(Uuid::now_v7()),
                method: PaymentMethod::Cash,
                amount: Money::parse("amount", amount, eur()).unwrap(),
                allocations: None,
                reference: None,
                rate: None,
            },
        );
        let execution = app::commands::Execution::new(AppendMeta::new(
            Actor::system("browser-test"),
            Uuid::now_v7(),
        ));
        let executed = state
            .commands
            .execute::<Account, _>(&stream, &issued, &execution)
            .await
            .unwrap();
        assert!(executed.appended > 0);

        let started = Instant::now();
        let mut shown = String::new();
        while started.elapsed() < PAGE_WAIT {
            shown = live_text_of(&client, r#"[data-kpi="payments-today"] .value"#).await;
            if shown == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(shown, expected, "today's payments include the new one");
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");
    })
    .await;
}

/// Typing part of a customer's name into the search finds them, and their
/// card shows the name, the channels and the timeline: it protects
/// server-side search, the list's links and the customer 360.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_found_by_search_opens_its_card() {
    let app = spawn_app().await;
    // A customer with channels and a timeline, so both are checked.
    let (name, channel, entries) = app.state.read_models.customers.read(|customers| {
        app.state.read_models.timelines.read(|timelines| {
            let row = customers
                .rows()
                .filter(|row| {
                    !row.channels.is_empty()
                        && row.display_name.len() > 3
                        && timelines.len_of(row.id) > 0
                })
                .min_by_key(|row| row.id)
                .expect("a demo customer with channels and a timeline");
            (
                row.display_name.clone(),
                row.channels[0].value.clone(),
                timelines.len_of(row.id),
            )
        })
    });
    let first_word = name.split_whitespace().next().unwrap().to_owned();
    let url = format!("{}/customers", app.base);
    in_browser(&app, "customer_search", move |client| async move {
        client.goto(&url).await.unwrap();
        let search = client.find(Locator::Css("#customer-search")).await.unwrap();
        search.send_keys(&first_word).await.unwrap();
        client
            .find(Locator::Css(".search-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The live search may swap the results in once more after the
        // link was found (typing and submitting both ask): a link gone
        // stale is found again.
        let started = Instant::now();
        loop {
            let link = client
                .wait()
                .at_most(PAGE_WAIT)
                .for_element(Locator::XPath(&format!(
                    "//table[@id='customer-list']//a[normalize-space(.)='{name}']"
                )))
                .await
                .unwrap_or_else(|error| panic!("{name} is not in the results: {error}"));
            let searched = client.current_url().await.unwrap();
            assert!(searched.query().unwrap_or("").contains("q="), "{searched}");
            match link.click().await {
                Ok(()) => break,
                Err(error) => {
                    assert!(
                        started.elapsed() < PAGE_WAIT,
                        "{name} kept changing: {error}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        assert_eq!(text_of(&client, "#customer-name").await, name);
        let channels = text_of(&client, "#customer-channels").await;
        assert!(channels.contains(&channel), "{channels} lists {channel}");
        let items = client
            .find_all(Locator::Css("#customer-timeline li"))
            .await
            .unwrap();
        assert_eq!(items.len(), entries.min(50));
    })
    .await;
}

/// Typing in the search box narrows the list as one types, without a
/// page load, and the address follows so the result can be shared: it
/// protects the htmx live search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_list_narrows_while_typing_without_a_reload() {
    let app = spawn_app().await;
    let (name, word) = app.state.read_models.customers.read(|customers| {
        let row = customers
            .rows()
            .filter(|row| !row.is_person())
            .max_by_key(|row| row.id)
            .unwrap();
        let word = row
            .display_name
            .split_whitespace()
            .last()
            .unwrap()
            .to_owned();
        (row.display_name.clone(), word)
    });
    let url = format!("{}/customers", app.base);
    in_browser(&app, "customer_live_search", move |client| async move {
        client.goto(&url).await.unwrap();
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();
        let search = client.find(Locator::Css("#customer-search")).await.unwrap();
        search.send_keys(&name).await.unwrap();
        let started = Instant::now();
        loop {
            // One script reads the whole list, so a swap in between cannot
            // leave stale elements behind.
            let names: Vec<String> = serde_json::from_value(
                client
                    .execute(
                        "return Array.from(document.querySelectorAll(\
                         '#customer-list tbody td:first-child a'))\
                         .map(link => link.textContent.trim());",
                        vec![],
                    )
                    .await
                    .unwrap(),
            )
            .unwrap();
            if !names.is_empty() && names.iter().all(|shown| shown.contains(&word)) {
                assert!(names.contains(&name), "{names:?} holds {name}");
                break;
            }
            assert!(
                started.elapsed() < PAGE_WAIT,
                "the list did not narrow: {names:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");
        let address = client.current_url().await.unwrap();
        assert!(address.query().unwrap_or("").starts_with("q="), "{address}");
        // The language switcher returns to the narrowed list, not the
        // page as first loaded.
        let back = client
            .find(Locator::Css("#lang-back"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(back.starts_with("/customers?q="), "{back}");
    })
    .await;
}

/// Choosing Arabic in the language switcher turns the pages right to
/// left, with Arabic labels and the layout mirrored, and the choice
/// sticks across pages: it protects the cookie, the catalogue and `dir`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_in_arabic_are_right_to_left_with_arabic_labels() {
    let app = spawn_app().await;
    let base = app.base.clone();
    in_browser(&app, "arabic_rtl", move |client| async move {
        client.goto(&format!("{base}/")).await.unwrap();
        let html = client.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("dir").await.unwrap().as_deref(), Some("ltr"));
        choose_language(&client, "ar").await;
        client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(r#"html[dir="rtl"][lang="ar"]"#))
            .await
            .unwrap();
        assert_eq!(text_of(&client, "h1").await, "لوحة المعلومات");
        assert_eq!(
            text_of(&client, r#"[data-kpi="payments-today"] h3"#).await,
            "المدفوعات"
        );
        // Mirrored: the brand stands at the right edge, the direction is
        // rtl as the browser computes it.
        let layout = client
            .execute(
                "const brand = document.querySelector('.brand').getBoundingClientRect();\
                 return [getComputedStyle(document.body).direction,\
                         brand.left > window.innerWidth / 2];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(layout, json!(["rtl", true]));

        client.goto(&format!("{base}/customers")).await.unwrap();
        let html = client.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("dir").await.unwrap().as_deref(), Some("rtl"));
        assert_eq!(text_of(&client, "h1").await, "العملاء");
        assert_eq!(text_of(&client, ".search-form button").await, "بحث");
    })
    .await;
}

/// Whether a WebDriver error only says the page changed under the
/// command (a form's redirect still landing): worth another try.
fn page_was_changing(error: &fantoccini::error::CmdError) -> bool {
    let text = error.to_string();
    text.contains("stale element") || text.contains("aborted by navigation")
}

/// Clicks the element matching `css`, waiting for it to appear; found on
/// a page that was still being replaced, it is looked for again.
async fn click(client: &Client, css: &str) {
    let started = Instant::now();
    loop {
        let clicked = match client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element.click().await,
            Err(error) => Err(error),
        };
        match clicked {
            Ok(()) => return,
            Err(error) if page_was_changing(&error) && started.elapsed() < PAGE_WAIT => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("could not click {css}: {error}"),
        }
    }
}

/// Switches the page to `lang` with the language form of the user's menu
/// in the header, as a person does: open the menu, choose, submit.
async fn choose_language(client: &Client, lang: &str) {
    click(client, "#user-menu summary").await;
    client
        .find(Locator::Css("#lang-select"))
        .await
        .unwrap()
        .select_by_value(lang)
        .await
        .unwrap();
    click(client, ".lang-form button").await;
}

/// Sets a field's value as a script would (a date or time input, whose
/// typing depends on the browser's locale).
async fn set_value(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
}

/// Waits until the text of `css` holds `needle`: what a form's redirect
/// lands on, not the page the form was on.
async fn wait_for_text(client: &Client, css: &str, needle: &str) {
    let started = Instant::now();
    loop {
        let shown = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown.contains(needle) {
            return;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "{css} never showed {needle:?}: {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element matching `css` exists.
async fn wait_for(client: &Client, css: &str) {
    let started = Instant::now();
    loop {
        match client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(_) => return,
            Err(error) if page_was_changing(&error) && started.elapsed() < PAGE_WAIT => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("{css} did not appear: {error}"),
        }
    }
}

/// A call logged with the form on the customer card is the newest entry
/// of the card's timeline after the redirect, and the form is empty
/// again: it protects the one-step logging through `CommandHandler` and
/// the wait for the read model before the card is shown again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_logged_on_the_customer_card_shows_on_its_timeline() {
    let app = spawn_app().await;
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.is_person())
            .min_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let subject = format!("Call about the spring catalogue {}", Uuid::now_v7());
    let url = format!("{}/customers/{party}", app.base);
    in_browser(&app, "customer_log_call", move |client| async move {
        client.goto(&url).await.unwrap();
        client
            .find(Locator::Css("#log-kind"))
            .await
            .unwrap()
            .select_by_value("call")
            .await
            .unwrap();
        client
            .find(Locator::Css("#log-minutes"))
            .await
            .unwrap()
            .send_keys("7")
            .await
            .unwrap();
        client
            .find(Locator::Css("#log-subject"))
            .await
            .unwrap()
            .send_keys(&subject)
            .await
            .unwrap();
        click(&client, "#log-submit").await;
        let newest = text_of(&client, "#customer-timeline li:first-child").await;
        assert!(newest.contains(&subject), "{newest} is the logged call");
        assert!(newest.contains("Call"), "{newest} is a call");
        let subject_field = client.find(Locator::Css("#log-subject")).await.unwrap();
        assert_eq!(
            subject_field.prop("value").await.unwrap().as_deref(),
            Some(""),
            "the form is ready for the next entry"
        );
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .ends_with(&party.to_string()),
            "back on the card"
        );
    })
    .await;
}

/// A call with a duration that is not a number is refused next to the
/// field, and what was typed stays: it protects the promise that forms
/// never lose input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_duration_is_shown_next_to_its_field_and_the_typing_is_kept() {
    let app = spawn_app().await;
    let party = app
        .state
        .read_models
        .customers
        .read(|customers| customers.rows().map(|row| row.id).min().unwrap());
    let url = format!("{}/customers/{party}", app.base);
    in_browser(&app, "customer_log_error", move |client| async move {
        client.goto(&url).await.unwrap();
        client
            .find(Locator::Css("#log-subject"))
            .await
            .unwrap()
            .send_keys("Kept subject")
            .await
            .unwrap();
        // A number field refuses letters; a negative number reaches the
        // server, which wants a whole number of minutes.
        client
            .find(Locator::Css("#log-minutes"))
            .await
            .unwrap()
            .send_keys("-3")
            .await
            .unwrap();
        click(&client, "#log-submit").await;
        let error = text_of(&client, "#log-minutes-error").await;
        assert!(!error.is_empty());
        let minutes = client.find(Locator::Css("#log-minutes")).await.unwrap();
        assert_eq!(
            minutes.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        let subject = client.find(Locator::Css("#log-subject")).await.unwrap();
        assert_eq!(
            subject.prop("value").await.unwrap().as_deref(),
            Some("Kept subject")
        );
    })
    .await;
}

/// A stock-tracked product of the demo and a warehouse holding at least
/// `available` of it free.
pub(crate) fn goods_in_stock(
    app: &TestApp,
    available: Decimal,
) -> (domain::ids::ProductId, domain::ids::WarehouseId) {
    app.state.read_models.stock.read(|stock| {
        stock
            .products()
            .into_iter()
            .filter(|(_, info)| {
                !info.discontinued && info.kind == domain::catalog::ProductKind::StockTracked
            })
            .find_map(|(product, _)| {
                stock
                    .warehouses()
                    .into_iter()
                    .find(|(warehouse, _)| {
                        stock
                            .balance(product, *warehouse)
                            .is_some_and(|balance| balance.available >= available)
                    })
                    .map(|(warehouse, _)| (product, warehouse))
            })
            .expect("goods the demo holds enough of")
    })
}

/// An order drafted for a customer shows the price its list resolves,
/// is confirmed and shipped with the order page's buttons, and the
/// dashboard's figures for today grow by one order and by the units
/// shipped: it protects the whole order flow in the UI, from the form
/// through `trade::confirm_order`/`ship_order` to the read models.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_created_confirmed_and_shipped_changes_the_dashboard() {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let quantity = Decimal::from(2);
    // Goods that the warehouse holds enough of.
    let (product, warehouse) = goods_in_stock(&app, quantity * Decimal::from(10));
    let party = app.state.read_models.customers.read(|customers| {
        customers
            .rows()
            .filter(|row| !row.is_person())
            .max_by_key(|row| row.id)
            .map(|row| row.id)
            .unwrap()
    });
    let before = app
        .state
        .read_models
        .director_kpis
        .read(|model| model.on(today));
    let expected_orders = format::integer(Lang::En, before.orders + 1);
    let expected_units = format::quantity(Lang::En, before.units_shipped + quantity);
    let base = app.base.clone();
    in_browser(&app, "order_flow", move |client| async move {
        client
            .goto(&format!("{base}/customers/{party}"))
            .await
            .unwrap();
        click(&client, "#new-order").await;
        client
            .find(Locator::Css("#order-warehouse"))
            .await
            .unwrap()
            .select_by_value(&warehouse.to_string())
            .await
            .unwrap();
        client
            .find(Locator::Css("#product-1"))
            .await
            .unwrap()
            .select_by_value(&product.to_string())
            .await
            .unwrap();
        client
            .find(Locator::Css("#quantity-1"))
            .await
            .unwrap()
            .send_keys("2")
            .await
            .unwrap();
        click(&client, "#new-order-submit").await;
        wait_for(&client, r#"#order-status[data-status="draft"]"#).await;
        let price = text_of(&client, "#order-lines tbody .unit-price").await;
        assert!(
            price.starts_with('€') || price.contains('₽'),
            "a resolved price: {price}"
        );
        assert!(!text_of(&client, "#order-prices-note").await.is_empty());
        click(&client, "#confirm-submit").await;
        wait_for(&client, r#"#order-status[data-status="confirmed"]"#).await;
        click(&client, "#ship-submit").await;
        wait_for(&client, r#"#order-status[data-status="shipped"]"#).await;

        client.goto(&format!("{base}/")).await.unwrap();
        let started = Instant::now();
        loop {
            let orders = live_text_of(&client, r#"[data-kpi="orders-today"] .value"#).await;
            let units = live_text_of(&client, r#"[data-kpi="units-today"] .value"#).await;
            if orders == expected_orders && units == expected_units {
                break;
            }
            assert!(
                started.elapsed() < PAGE_WAIT,
                "orders {orders} (want {expected_orders}), units {units} (want {expected_units})"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await;
}

/// Moving a deal with its card's form puts it in the chosen stage's
/// column, the board swapped in by htmx without a page load, and losing
/// it without a reason shows why next to the field: it protects
/// the board's wiring from the form through `CommandHandler` to the
/// `pipeline_board` read model, and the progressive enhancement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_moved_on_the_board_stands_in_its_new_stage() {
    let app = spawn_app().await;
    let (pipeline, deal, target) = app.state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .find_map(|row| {
                let shown = board.board(row.id, None, 20)?;
                let (column, deal) = shown
                    .columns
                    .iter()
                    .find_map(|column| column.deals.first().map(|deal| (column, deal.id)))?;
                let target = row
                    .stages
                    .iter()
                    .find(|stage| stage.id != column.stage.id)?
                    .id;
                Some((row.id, deal, target))
            })
            .unwrap()
    });
    let url = format!("{}/pipeline?pipeline={pipeline}", app.base);
    in_browser(&app, "pipeline_move", move |client| async move {
        client.goto(&url).await.unwrap();
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();
        client
            .find(Locator::Css(&format!("#move-{deal}")))
            .await
            .unwrap()
            .select_by_value(&target.to_string())
            .await
            .unwrap();
        click(&client, &format!("#deal-{deal} .deal-move button")).await;
        wait_for(
            &client,
            &format!(r#"section[data-stage="{target}"] #deal-{deal}"#),
        )
        .await;
        // htmx posted the form and swapped the board alone.
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");

        // Lost without a reason: the 422 board is swapped in too, with the
        // message next to the reason field.
        click(&client, &format!("#deal-{deal} summary")).await;
        click(&client, &format!("#deal-{deal} .deal-lost")).await;
        let error = text_of(&client, &format!("#reason-{deal}-error")).await;
        assert!(!error.is_empty());
        wait_for(
            &client,
            &format!(r#"section[data-stage="{target}"] #deal-{deal}"#),
        )
        .await;
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");
    })
    .await;
}

/// The Arabic text of catalogue message `id`, which must be in Arabic
/// script: the catalogue falls back to English for a missing string, and a
/// test that took its expectation from it would pass on the fallback.
fn arabic(id: &str) -> String {
    let text = api::web::i18n::Tr::new(Lang::Ar).t(id);
    assert!(
        text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "{id} has no Arabic text: {text:?}"
    );
    text
}

/// An order's page in Arabic is right to left, with Arabic labels and
/// money in the Arabic format: it protects the orders module's strings
/// and the layout's `dir` on a page with a table of figures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_page_in_arabic_is_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let statuses: Vec<String> = [
        "order-status-draft",
        "order-status-confirmed",
        "order-status-partially-shipped",
        "order-status-shipped",
        "order-status-closed",
        "order-status-cancelled",
    ]
    .into_iter()
    .map(arabic)
    .collect();
    let back = arabic("order-back");
    in_browser(&app, "order_arabic", move |client| async move {
        client.goto(&format!("{base}/orders")).await.unwrap();
        click(&client, "#order-list tbody tr:first-child a").await;
        wait_for(&client, "#order-status").await;
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .starts_with("/orders/")
        );
        let status = text_of(&client, "#order-status").await;
        assert!(statuses.contains(&status), "{status} is an Arabic status");
        assert_eq!(text_of(&client, "main p:first-child a").await, back);
        let total = text_of(&client, "#order-total").await;
        assert!(
            total.ends_with('€') || total.ends_with('₽') || total.ends_with('$'),
            "the currency after the figure: {total}"
        );
        let direction = client
            .execute(
                "return getComputedStyle(document.querySelector('#order-lines')).direction;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(direction, json!("rtl"));
    })
    .await;
}
