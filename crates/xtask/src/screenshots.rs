//! `cargo xtask screenshots DIR`: the main pages of the UI as PNG files,
//! in English and Arabic, at a laptop's and a phone's width, for review
//! (issue 17). The debug server serves a fresh demo company; headless
//! Chromium (Debian's `chromium` and `chromium-driver`) signs in as the
//! administrator and photographs each page whole (the window grown to the
//! page's height). Detail pages are the first ones their list links to.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::server::{self, Profile, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Widths photographed: a laptop's and a phone's.
const WIDTHS: [(&str, u32, u32); 2] = [("laptop", 1366, 768), ("phone", 390, 844)];
const LANGUAGES: [&str; 2] = ["en", "ar"];
/// The tallest page photographed, in CSS pixels.
const PAGE_HEIGHT_MAX: i64 = 12_000;

/// Pages by name: a path, or the first link of a list matching a CSS
/// selector.
enum Where {
    Path(&'static str),
    /// The first `link` on the page `list`; `a >> b` follows `a`, then
    /// the first `b` of the page it leads to.
    FirstLink {
        list: &'static str,
        link: &'static str,
    },
}

const PAGES: &[(&str, Where)] = &[
    ("dashboard", Where::Path("/")),
    ("customers", Where::Path("/customers")),
    (
        "customer",
        Where::FirstLink {
            list: "/customers",
            link: "#customer-list tbody a",
        },
    ),
    ("customer-new", Where::Path("/customers/new")),
    ("duplicates", Where::Path("/customers/duplicates")),
    (
        "merge",
        Where::FirstLink {
            list: "/customers/duplicates",
            link: "a.merge-link",
        },
    ),
    ("search", Where::Path("/search?q=an")),
    ("pipeline", Where::Path("/pipeline")),
    (
        "deal",
        Where::FirstLink {
            list: "/pipeline",
            link: ".deal-title a",
        },
    ),
    ("pipelines", Where::Path("/pipeline/settings")),
    (
        "stage-deals",
        Where::FirstLink {
            list: "/pipeline",
            link: ".stage-all a",
        },
    ),
    ("leads", Where::Path("/leads")),
    (
        "lead",
        Where::FirstLink {
            list: "/leads",
            link: "#lead-list tbody a",
        },
    ),
    ("tasks", Where::Path("/tasks")),
    ("task-new", Where::Path("/tasks/new")),
    ("calendar", Where::Path("/calendar")),
    ("calendar-month", Where::Path("/calendar?view=month")),
    ("catalog", Where::Path("/catalog")),
    (
        "product",
        Where::FirstLink {
            list: "/catalog",
            link: "table tbody a",
        },
    ),
    ("stock", Where::Path("/catalog/stock")),
    ("warehouses", Where::Path("/catalog/warehouses")),
    ("price-lists", Where::Path("/catalog/price-lists")),
    (
        "price-list",
        Where::FirstLink {
            list: "/catalog/price-lists",
            link: "#price-lists tbody a",
        },
    ),
    ("fleet", Where::Path("/fleet")),
    (
        "fleet-day",
        Where::FirstLink {
            list: "/fleet",
            link: "#vehicle-list tbody a",
        },
    ),
    ("driver", Where::Path("/driver")),
    ("quotes", Where::Path("/quotes")),
    (
        "quote",
        Where::FirstLink {
            list: "/quotes?status=sent",
            link: "#quote-list tbody a",
        },
    ),
    (
        "quote-revise",
        Where::FirstLink {
            list: "/quotes?status=sent",
            link: "#quote-list tbody a >> #revise-link",
        },
    ),
    ("orders", Where::Path("/orders")),
    (
        "order",
        Where::FirstLink {
            list: "/orders",
            link: "#order-list tbody a",
        },
    ),
    (
        "customer-account",
        Where::FirstLink {
            list: "/orders?status=shipped",
            link: "#order-list tbody a >> dl dd a >> main a[href^=\"/customers/\"][href$=\"/account\"]",
        },
    ),
    ("purchases", Where::Path("/purchases")),
    (
        "purchase",
        Where::FirstLink {
            list: "/purchases?status=received",
            link: "#purchase-list tbody a",
        },
    ),
    ("purchase-new", Where::Path("/purchases/new")),
    ("replenishment", Where::Path("/purchases/replenishment")),
    (
        "offers",
        Where::FirstLink {
            list: "/purchases/replenishment",
            link: "#replenishment-list tbody td:nth-child(2) a",
        },
    ),
    ("rates", Where::Path("/purchases/rates?currency=USD")),
    ("payables", Where::Path("/purchases/payables")),
    ("production", Where::Path("/production")),
    (
        "production-order",
        Where::FirstLink {
            list: "/production?status=in_progress",
            link: "#production-list tbody a",
        },
    ),
    (
        "bom",
        Where::FirstLink {
            list: "/production?status=in_progress",
            link: "#production-list tbody a >> #order-bom-link",
        },
    ),
    ("requirements", Where::Path("/production/requirements")),
    ("reports", Where::Path("/reports")),
    (
        "reports-usd",
        Where::Path("/reports?currency=USD&from=2026-01-01&to=2026-12-31&group_by=month"),
    ),
    ("audit", Where::Path("/audit")),
    ("receipts", Where::Path("/audit/receipts")),
    ("users", Where::Path("/admin/users")),
    ("retention", Where::Path("/admin/retention")),
    ("branches", Where::Path("/admin/branches")),
    ("groups", Where::Path("/admin/groups")),
    ("account", Where::Path("/account")),
];

/// Photographs every page into `out`; answers the files written.
pub fn run(out: &Path, demo_events: u64) -> anyhow::Result<Vec<PathBuf>> {
    for program in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(program).exists() {
            bail!("{program} is missing: apt-get install -y chromium chromium-driver");
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("failed to create {}", out.display()))?;
    let binary = server::build(Profile::Debug)?;
    let data = tempfile::tempdir()?;
    let log = data.path().join("server.log");
    let folder = data.path().join("data");
    let server = Server::start(
        &binary,
        &folder,
        &[
            "--demo".to_owned(),
            "--demo-events".to_owned(),
            demo_events.to_string(),
        ],
        &log,
        Duration::from_secs(120),
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let written = runtime.block_on(photograph_all(&server, out));
    drop(server);
    written
}

async fn photograph_all(server: &Server, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (width_name, width, height) in WIDTHS {
        let (client, mut driver) = browser(width, height).await?;
        let done = async {
            sign_in(&client, &server.base).await?;
            for lang in LANGUAGES {
                choose_language(&client, &server.base, lang).await?;
                for (name, place) in PAGES {
                    let Some(url) = url_of(&client, &server.base, place).await? else {
                        eprintln!("skipped {name}: its list has nothing to open");
                        continue;
                    };
                    client.goto(&url).await?;
                    let png = whole_page(&client, width, height).await?;
                    let path = out.join(format!("{name}-{width_name}-{lang}.png"));
                    std::fs::write(&path, png)
                        .with_context(|| format!("failed to write {}", path.display()))?;
                    written.push(path);
                }
            }
            anyhow::Ok(())
        }
        .await;
        let _ = client.close().await;
        let _ = driver.kill();
        let _ = driver.wait();
        done?;
    }
    Ok(written)
}

/// Chromium, headless, at `width` × `height`, through its WebDriver.
async fn browser(width: u32, height: u32) -> anyhow::Result<(Client, Child)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("failed to start chromedriver")?;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder.connect(&url).await {
            Ok(client) => return Ok((client, driver)),
            Err(_) if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => bail!("no WebDriver session from chromedriver: {error}"),
        }
    }
}

async fn sign_in(client: &Client, base: &str) -> anyhow::Result<()> {
    client.goto(&format!("{base}/login")).await?;
    client
        .find(Locator::Css("#login"))
        .await?
        .send_keys("admin")
        .await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys(server::ADMIN_PASSWORD)
        .await?;
    client
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#account-link"))
        .await?;
    Ok(())
}

/// Switches the session to `lang` with the header's language form.
async fn choose_language(client: &Client, base: &str, lang: &str) -> anyhow::Result<()> {
    client.goto(&format!("{base}/account")).await?;
    client
        .find(Locator::Css("#user-menu summary"))
        .await?
        .click()
        .await?;
    client
        .find(Locator::Css("#lang-select"))
        .await?
        .select_by_value(lang)
        .await?;
    client
        .find(Locator::Css(".lang-form button"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&format!("html[lang='{lang}']")))
        .await?;
    Ok(())
}

async fn url_of(client: &Client, base: &str, place: &Where) -> anyhow::Result<Option<String>> {
    match place {
        Where::Path(path) => Ok(Some(format!("{base}{path}"))),
        Where::FirstLink { list, link } => {
            // `a >> b`: the first `a` on the list, then the first `b` on
            // the page it leads to.
            let mut at = format!("{base}{list}");
            for step in link.split(" >> ") {
                client.goto(&at).await?;
                let Ok(found) = client.find(Locator::Css(step)).await else {
                    return Ok(None);
                };
                let Some(href) = found.attr("href").await? else {
                    return Ok(None);
                };
                at = format!("{base}{href}");
            }
            Ok(Some(at))
        }
    }
}

/// Chromium's DevTools `Page.captureScreenshot` of the whole page, beyond
/// the window: WebDriver's own screenshot is the window only.
#[derive(Debug)]
struct WholePageScreenshot {
    width: i64,
    height: i64,
}

impl fantoccini::wd::WebDriverCompatibleCommand for WholePageScreenshot {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "cmd": "Page.captureScreenshot",
            "params": {
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": self.width, "height": self.height, "scale": 1},
            },
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The page whole, as a PNG.
async fn whole_page(client: &Client, width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let size = client
        .execute(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight];",
            Vec::new(),
        )
        .await?;
    let width = size[0].as_i64().unwrap_or(i64::from(width));
    let height = size[1]
        .as_i64()
        .unwrap_or(i64::from(height))
        .clamp(1, PAGE_HEIGHT_MAX);
    let answer = client
        .issue_cmd(WholePageScreenshot { width, height })
        .await?;
    let data = answer["data"]
        .as_str()
        .context("Chromium answered the screenshot without its data")?;
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .context("the screenshot is not base64")
}
