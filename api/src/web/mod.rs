//! The web UI: server-rendered HTML pages over the read models.
//!
//! Pages are askama templates (`api/templates/`) compiled into the binary;
//! every string on them comes from the message catalogue ([`i18n`]) and
//! every number and date from [`format`], so one page serves English,
//! Russian and Arabic (mirrored). htmx (vendored, [`assets`]) refreshes
//! parts of a page; each page also works without it. No inline scripts or
//! styles, so a strict Content Security Policy can be added later.
//!
//! Pages read the read models; forms change the business only through
//! the command handler ([`forms`] holds what they share). The JSON API
//! lives under `/api/v1` and is not this module's.

pub mod assets;
mod audit;
mod calendar;
mod catalog;
mod chart;
mod customer_actions;
mod customers;
mod dashboard;
mod export;
pub mod format;
mod forms;
pub mod i18n;
mod language;
mod orders;
mod pipeline;
mod reports;
mod stock;
mod tasks;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use i18n::{Lang, Tr};

/// The UI's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/dashboard/figures", get(dashboard::figures_fragment))
        .route("/customers", get(customers::list))
        .route("/customers/{id}", get(customers::card))
        .route(
            "/customers/{id}/interactions",
            post(customer_actions::log_interaction),
        )
        .route("/customers/{id}/tasks", post(customer_actions::create_task))
        .route("/pipeline", get(pipeline::board))
        .route("/pipeline/deals/{id}/move", post(pipeline::move_deal))
        .route("/pipeline/deals/{id}/won", post(pipeline::win))
        .route("/pipeline/deals/{id}/lost", post(pipeline::lose))
        .route("/catalog", get(catalog::list))
        .route("/catalog/stock", get(stock::overview))
        .route("/catalog/products/{id}", get(catalog::product))
        .route("/catalog/products/{id}/{action}", post(stock::stock_form))
        .route("/orders", get(orders::list))
        .route("/orders/new", get(orders::new_form).post(orders::create))
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/ship", post(orders::ship))
        .route("/orders/{id}/invoice", post(orders::invoice))
        .route("/orders/{id}/payment", post(orders::payment))
        .route("/orders/{id}/return", post(orders::return_goods))
        .route("/tasks", get(tasks::list))
        .route("/tasks/{id}/complete", post(tasks::complete))
        .route("/tasks/{id}/reopen", post(tasks::reopen))
        .route("/calendar", get(calendar::week))
        .route("/reports", get(reports::page))
        .route("/reports/sales.csv", get(reports::csv))
        .route("/audit", get(audit::page))
        .route("/audit/verify", post(audit::verify))
        .route("/language", post(language::choose))
        .route("/assets/{file}", get(assets::serve))
}

/// The modules in the navigation, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Customers,
    Pipeline,
    Catalog,
    Orders,
    Tasks,
    Reports,
    Audit,
}

impl Section {
    const ALL: [Section; 8] = [
        Section::Dashboard,
        Section::Customers,
        Section::Pipeline,
        Section::Catalog,
        Section::Orders,
        Section::Tasks,
        Section::Reports,
        Section::Audit,
    ];

    fn href(self) -> &'static str {
        match self {
            Section::Dashboard => "/",
            Section::Customers => "/customers",
            Section::Pipeline => "/pipeline",
            Section::Catalog => "/catalog",
            Section::Orders => "/orders",
            Section::Tasks => "/tasks",
            Section::Reports => "/reports",
            Section::Audit => "/audit",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Section::Dashboard => "nav-dashboard",
            Section::Customers => "nav-customers",
            Section::Pipeline => "nav-pipeline",
            Section::Catalog => "nav-catalog",
            Section::Orders => "nav-orders",
            Section::Tasks => "nav-tasks",
            Section::Reports => "nav-reports",
            Section::Audit => "nav-audit",
        }
    }
}

/// A link of the navigation.
#[derive(Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// A choice of the language switcher.
#[derive(Debug)]
pub struct LangChoice {
    pub tag: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// What the layout needs on every page.
#[derive(Debug)]
pub struct Page {
    pub tr: Tr,
    pub section: Section,
    /// The page's own title, before " · HyperCRM".
    pub title: String,
    /// Where the language switcher returns to: this page's path and query.
    pub back: String,
}

impl Page {
    pub fn new(lang: Lang, section: Section, title_message: &str, back: String) -> Self {
        let tr = Tr::new(lang);
        Self {
            title: tr.t(title_message),
            tr,
            section,
            back,
        }
    }

    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.tag()
    }

    pub fn dir(&self) -> &'static str {
        self.tr.lang.dir()
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    pub fn nav(&self) -> Vec<NavLink> {
        Section::ALL
            .into_iter()
            .map(|section| NavLink {
                href: section.href(),
                label: self.tr.t(section.message()),
                current: section == self.section,
            })
            .collect()
    }

    pub fn languages(&self) -> Vec<LangChoice> {
        Lang::ALL
            .into_iter()
            .map(|lang| LangChoice {
                tag: lang.tag(),
                name: lang.native_name(),
                selected: lang == self.tr.lang,
            })
            .collect()
    }
}

/// `text` with every byte outside the URL's unreserved set escaped (so it
/// is also safe inside a quoted string of a script, as `bench-http` uses
/// it).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `key=value&…`, percent-encoded.
fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", percent_encode(key), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Search text with spaces, `&` and non-Latin letters survives a round
    /// trip through a link.
    #[test]
    fn query_strings_escape_everything_but_unreserved_bytes() {
        assert_eq!(
            query_string(&[("q", "a&b c"), ("x", "Ж")]),
            "q=a%26b%20c&x=%D0%96"
        );
    }
}
