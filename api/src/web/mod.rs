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

mod access;
pub mod assets;
mod assignees;
mod audit;
mod branch_names;
mod branches;
mod calendar;
mod calendar_entry;
mod catalog;
mod chart;
mod customer_account;
mod customer_actions;
mod customer_deal;
mod customer_edit;
mod customer_merge;
mod customer_new;
mod customers;
mod dashboard;
mod deal;
mod driver;
mod export;
mod fleet;
pub mod format;
mod forms;
mod groups;
pub mod i18n;
mod interaction;
mod language;
mod leads;
mod notifications;
mod offers;
mod orders;
mod payables;
mod personal_data;
mod pipeline;
mod pipelines;
mod price_lists;
mod product_form;
mod production;
mod purchases;
mod quotes;
mod rates;
mod receipts;
mod replenishment;
mod reports;
mod retention;
mod search;
mod stage_deals;
mod stock;
mod stock_choices;
mod task;
mod tasks;
mod users;
mod warehouses;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use domain::access::{Action, Module};
use domain::ids::UserId;

use crate::AppState;
use crate::auth::Principal;
use app::commands::Execution;
use i18n::{Lang, RequestLang, Tr};

/// Who looks at a page, in which language. Behind the access check every
/// page but sign-in has a principal.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub lang: Lang,
    pub principal: Option<Principal>,
}

impl Viewer {
    /// The user a form's command is issued by (the system for a page
    /// without a signed-in user, which the access check never lets write).
    pub fn user(&self) -> UserId {
        self.principal
            .as_ref()
            .map_or(app::process::SYSTEM_USER, |principal| principal.user)
    }

    /// How a command from this viewer's form is run: as their user, once
    /// per form (its command id).
    pub fn execution(&self, command_id: uuid::Uuid) -> Execution {
        let actor = self
            .principal
            .as_ref()
            .map_or_else(|| eventlog::Actor::system("web"), Principal::actor);
        Execution::new(eventlog::AppendMeta::new(actor, command_id)).with_command_id(command_id)
    }

    /// Who sends a form, as the application sees them; the access check
    /// lets no one else write, so a form without one is a fault.
    pub fn caller(&self) -> Result<app::access::Caller, app::commands::CommandError> {
        self.principal
            .as_ref()
            .map(Principal::caller)
            .ok_or_else(|| {
                app::commands::CommandError::Inconsistent(
                    "a form without a signed-in user".to_owned(),
                )
            })
    }

    pub fn allows(&self, module: Module, action: Action) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|principal| principal.allows(module, action))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            lang: RequestLang::of(parts),
            principal: parts.extensions.get::<Principal>().cloned(),
        })
    }
}

/// The id `raw` names, if it parses and the viewer may read the record of
/// `kind` it names; a missing record and one out of reach are both `None`,
/// so a page answers them alike.
pub(crate) fn readable_id<I>(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    kind: app::access::Kind,
) -> Option<I>
where
    I: std::str::FromStr + Copy + Into<uuid::Uuid>,
{
    let id = raw.trim().parse::<I>().ok()?;
    let caller = viewer.caller().ok()?;
    let permission = domain::access::Permission::new(kind.module(), Action::Read);
    app::access::ensure_in_reach(&state.app.commands, &caller, permission, kind, id.into()).ok()?;
    Some(id)
}

/// The page a request about a missing record of `kind` gets (`raw_id` as
/// the path has it), for the access check to answer a record out of reach
/// with the very same page; `None` where no page names such a record
/// alone (tasks answer within their list).
pub fn missing_record_page(
    state: &AppState,
    viewer: &Viewer,
    kind: app::access::Kind,
    raw_id: &str,
) -> Option<Response> {
    use app::access::Kind;
    match kind {
        Kind::Party => Some(customers::not_found(
            viewer.clone(),
            format!("/customers/{}", percent_encode(raw_id)),
        )),
        Kind::Order => Some(orders::order_not_found(viewer, raw_id)),
        Kind::Quote => Some(quotes::quote_not_found(viewer, raw_id)),
        Kind::Deal => Some(pipeline::deal_not_found(state, viewer)),
        _ => None,
    }
}

/// A short page for a refused request (403, 401, 404, 413) saying why
/// (`message`, an id of the catalogue), in the language of the request.
pub fn refused_page(status: StatusCode, lang: Lang, message: &str) -> Response {
    access::refused(status, lang, message)
}

/// The UI's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/dashboard/figures", get(dashboard::figures_fragment))
        .route("/customers", get(customers::list))
        .route(
            "/customers/new",
            get(customer_new::form).post(customer_new::create),
        )
        .route("/customers/duplicates", get(customer_merge::duplicates))
        .route("/customers/{id}", get(customers::card))
        .route("/customers/{id}/account", get(customer_account::page))
        .route(
            "/customers/{id}/account/{action}",
            post(customer_account::act),
        )
        .route(
            "/customers/{id}/documents/{document}",
            get(customer_account::copy),
        )
        .route(
            "/customers/{id}/merge",
            get(customer_merge::preview).post(customer_merge::merge),
        )
        .route("/customers/{id}/edit/{action}", post(customer_edit::edit))
        .route("/customers/{id}/deals", post(customer_deal::open))
        .route(
            "/customers/{id}/interactions",
            post(customer_actions::log_interaction),
        )
        .route("/customers/{id}/tasks", post(customer_actions::create_task))
        .route("/customers/{id}/personal-data", get(personal_data::export))
        .route("/customers/{id}/erase", post(personal_data::erase))
        .route("/interactions/{id}", get(interaction::show))
        .route("/interactions/{id}/{action}", post(interaction::change))
        .route("/leads", get(leads::list).post(leads::capture))
        .route("/leads/{id}", get(leads::show))
        .route("/leads/{id}/{action}", post(leads::act))
        .route("/pipeline", get(pipeline::board))
        .route("/pipeline/stage", get(stage_deals::page))
        .route(
            "/pipeline/settings",
            get(pipelines::page).post(pipelines::define),
        )
        .route("/pipeline/settings/{id}/{action}", post(pipelines::act))
        .route("/deals/{id}", get(deal::show))
        .route("/deals/{id}/edit", post(deal::edit))
        .route("/deals/{id}/reopen", post(deal::reopen))
        .route("/pipeline/deals/{id}/move", post(pipeline::move_deal))
        .route("/pipeline/deals/{id}/won", post(pipeline::win))
        .route("/pipeline/deals/{id}/lost", post(pipeline::lose))
        .route("/catalog", get(catalog::list))
        .route("/catalog/stock", get(stock::overview))
        .route(
            "/catalog/price-lists",
            get(price_lists::lists).post(price_lists::define),
        )
        .route("/catalog/price-lists/{id}", get(price_lists::list))
        .route("/catalog/price-lists/{id}/{action}", post(price_lists::act))
        .route(
            "/catalog/warehouses",
            get(warehouses::page).post(warehouses::open),
        )
        .route("/catalog/warehouses/{id}/{action}", post(warehouses::act))
        .route(
            "/catalog/products/new",
            get(product_form::new_form).post(product_form::create),
        )
        .route("/catalog/products/{id}", get(catalog::product))
        .route(
            "/catalog/products/{id}/edit",
            get(product_form::edit_form).post(product_form::update),
        )
        .route("/catalog/products/{id}/{action}", post(stock::stock_form))
        .route("/fleet", get(fleet::page))
        .route("/fleet/day", get(fleet::day))
        .route("/fleet/{action}", post(fleet::act))
        .route("/driver", get(driver::page))
        .route("/driver/{id}/{action}", post(driver::act))
        .route("/orders/{id}/deliveries", post(fleet::plan))
        .route("/orders/{id}/print", post(orders::print_confirmation))
        .route(
            "/orders/{id}/documents/{document}",
            get(orders::copy_confirmation),
        )
        .route("/quotes", get(quotes::list))
        .route("/quotes/new", get(quotes::new_form).post(quotes::create))
        .route("/quotes/{id}", get(quotes::show))
        .route(
            "/quotes/{id}/revise",
            get(quotes::revise_form).post(quotes::revise),
        )
        .route("/quotes/{id}/documents/{document}", get(quotes::copy))
        .route("/quotes/{id}/{action}", post(quotes::act))
        .route("/orders", get(orders::list))
        .route("/orders/new", get(orders::new_form).post(orders::create))
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/ship", post(orders::ship))
        .route("/orders/{id}/invoice", post(orders::invoice))
        .route("/orders/{id}/payment", post(orders::payment))
        .route("/orders/{id}/return", post(orders::return_goods))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/change-line", post(orders::change_line))
        .route("/orders/{id}/remove-line", post(orders::remove_line))
        .route("/purchases", get(purchases::list))
        .route(
            "/purchases/new",
            get(purchases::new_form).post(purchases::create),
        )
        .route("/purchases/payables", get(payables::page))
        .route("/purchases/rates", get(rates::page).post(rates::enter))
        .route("/purchases/rates/import", post(rates::import))
        .route("/purchases/company-currency", post(rates::set_company))
        .route(
            "/purchases/replenishment",
            get(replenishment::page).post(replenishment::draft),
        )
        .route("/purchases/products/{id}", get(offers::show))
        .route("/purchases/products/{id}/{action}", post(offers::act))
        .route("/production", get(production::list).post(production::plan))
        .route(
            "/production/requirements",
            get(production::requirements::page),
        )
        .route("/production/products/{id}", get(production::bom::show))
        .route(
            "/production/products/{id}/{action}",
            post(production::bom::act),
        )
        .route("/production/{id}", get(production::show))
        .route("/production/{id}/{action}", post(production::act))
        .route("/purchases/{id}", get(purchases::show))
        .route("/purchases/{id}/invoice", post(purchases::invoice))
        .route("/purchases/{id}/pay", post(purchases::pay))
        .route("/purchases/{id}/{action}", post(purchases::act))
        .route("/tasks", get(tasks::list))
        .route("/tasks/new", get(task::new_form).post(task::create))
        .route("/tasks/{id}", get(task::show))
        .route("/tasks/{id}/edit", post(task::edit))
        .route("/tasks/{id}/reassign", post(task::reassign))
        .route("/tasks/{id}/reschedule", post(task::reschedule))
        .route("/tasks/{id}/reprioritize", post(task::reprioritize))
        .route("/tasks/{id}/cancel", post(task::cancel))
        .route("/tasks/{id}/complete", post(tasks::complete))
        .route("/tasks/{id}/reopen", post(tasks::reopen))
        .route("/calendar", get(calendar::week))
        .route("/calendar/entries", post(calendar_entry::schedule))
        .route("/calendar/entries/{id}", get(calendar_entry::show))
        .route("/calendar/entries/{id}/{action}", post(calendar_entry::act))
        .route("/reports", get(reports::page))
        .route("/reports/sales.csv", get(reports::csv))
        .route("/audit", get(audit::page))
        .route("/audit/verify", post(audit::verify))
        .route("/audit/receipts", get(receipts::page).post(receipts::check))
        .route("/audit/receipts/new", get(receipts::download_new))
        .route("/audit/receipts/{name}", get(receipts::download_listed))
        .route("/language", post(language::choose))
        .route("/login", get(access::login_form).post(access::login))
        .route("/logout", post(access::logout))
        .route("/account", get(access::account))
        .route("/account/password", post(access::change_password))
        .route(
            "/account/sessions/revoke",
            post(access::sign_out_everywhere),
        )
        .route("/account/tokens", post(access::issue_token))
        .route("/account/tokens/{id}/revoke", post(access::revoke_token))
        .route("/admin/users", get(users::list).post(users::register))
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/admin/users/{id}/password", post(users::set_password))
        .route("/admin/users/{id}/roles", post(users::set_roles))
        .route("/admin/users/{id}/branch", post(users::set_branch))
        .route(
            "/admin/retention",
            get(retention::page).post(retention::define),
        )
        .route("/admin/retention/{id}/{action}", post(retention::act))
        .route("/admin/branches", get(branches::page).post(branches::open))
        .route("/admin/branches/{id}/{action}", post(branches::act))
        .route("/admin/groups", get(groups::page).post(groups::form))
        .route("/admin/groups/{id}/{action}", post(groups::act))
        .route("/search", get(search::page))
        .route("/notifications/stream", get(notifications::stream))
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
    Purchasing,
    Production,
    Tasks,
    Reports,
    Audit,
    /// Users, for administrators.
    Users,
    /// The user's own account and the sign-in page: not in the navigation.
    Account,
    /// The global search's page: not in the navigation (the box is in
    /// every page's header).
    Search,
}

impl Section {
    const ALL: [Section; 11] = [
        Section::Dashboard,
        Section::Customers,
        Section::Pipeline,
        Section::Catalog,
        Section::Orders,
        Section::Purchasing,
        Section::Production,
        Section::Tasks,
        Section::Reports,
        Section::Audit,
        Section::Users,
    ];

    /// What a user must be granted to open the section.
    fn needs(self) -> (Module, Action) {
        match self {
            Section::Account | Section::Users | Section::Search => {
                (Module::Admin, Action::Administer)
            }
            Section::Dashboard | Section::Reports => (Module::Reports, Action::Read),
            Section::Customers => (Module::Parties, Action::Read),
            Section::Pipeline => (Module::Sales, Action::Read),
            Section::Catalog => (Module::Catalog, Action::Read),
            Section::Orders => (Module::Orders, Action::Read),
            Section::Purchasing => (Module::Purchasing, Action::Read),
            Section::Production => (Module::Production, Action::Read),
            Section::Tasks => (Module::Planning, Action::Read),
            Section::Audit => (Module::Audit, Action::Read),
        }
    }

    fn href(self) -> &'static str {
        match self {
            Section::Dashboard => "/",
            Section::Customers => "/customers",
            Section::Pipeline => "/pipeline",
            Section::Catalog => "/catalog",
            Section::Orders => "/orders",
            Section::Purchasing => "/purchases",
            Section::Production => "/production",
            Section::Tasks => "/tasks",
            Section::Reports => "/reports",
            Section::Audit => "/audit",
            Section::Account => "/account",
            Section::Users => "/admin/users",
            Section::Search => "/search",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Section::Dashboard => "nav-dashboard",
            Section::Customers => "nav-customers",
            Section::Pipeline => "nav-pipeline",
            Section::Catalog => "nav-catalog",
            Section::Orders => "nav-orders",
            Section::Purchasing => "nav-purchasing",
            Section::Production => "nav-production",
            Section::Tasks => "nav-tasks",
            Section::Reports => "nav-reports",
            Section::Audit => "nav-audit",
            Section::Account => "account-title",
            Section::Users => "nav-users",
            Section::Search => "search-title",
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
    /// Who is signed in, for the navigation, the account menu and the
    /// forms' CSRF token.
    pub principal: Option<Principal>,
}

impl Page {
    pub fn new(viewer: &Viewer, section: Section, title_message: &str, back: String) -> Self {
        let tr = Tr::new(viewer.lang);
        Self {
            title: tr.t(title_message),
            tr,
            section,
            back,
            principal: viewer.principal.clone(),
        }
    }

    /// The token every form that posts carries (`csrf_token`).
    pub fn csrf(&self) -> &str {
        self.principal.as_ref().map_or("", Principal::csrf)
    }

    /// Whether the signed-in user holds `permission` (`module.action`), for
    /// a template to offer only the links its user may follow.
    pub fn may(&self, permission: &str) -> bool {
        let Ok(permission) = domain::access::Permission::parse("permission", permission) else {
            return false;
        };
        self.principal
            .as_ref()
            .is_some_and(|principal| principal.allows(permission.module, permission.action))
    }

    /// The signed-in user's name, for the account menu.
    pub fn user_name(&self) -> Option<&str> {
        self.principal
            .as_ref()
            .map(|principal| principal.display_name.as_str())
    }

    /// The htmx request headers of every page: the CSRF token.
    pub fn htmx_headers(&self) -> String {
        serde_json::json!({ crate::auth::CSRF_HEADER: self.csrf() }).to_string()
    }

    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.tr.t1(id, name, value)
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

    /// The sections the user may open.
    pub fn nav(&self) -> Vec<NavLink> {
        Section::ALL
            .into_iter()
            .filter(|section| {
                let (module, action) = section.needs();
                self.principal
                    .as_ref()
                    .is_some_and(|principal| principal.allows(module, action))
            })
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
