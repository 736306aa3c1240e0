//! Which permission each route needs: the one table the access check
//! reads, for the JSON API, the UI pages, the live feed and the exports.
//!
//! API routes are classified by rule, so a new endpoint is covered the
//! moment it is documented: the module comes from its OpenAPI tag, the
//! action from the method and the last path segment (a `GET` reads, a
//! `POST` to a collection creates, a `POST` to `…/cancel` takes away, an
//! export exports). The served OpenAPI document states each operation's
//! permission, which is what the permission-matrix test checks against.
//! UI routes are listed by hand. A route in neither is refused.

use axum::http::Method;
use domain::access::{Action, Module, Permission};

/// What a route asks of the requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Anyone: sign-in, assets, health, the API's description.
    Public,
    /// Anyone signed in: their own account.
    SignedIn,
    Permission(Permission),
}

const fn needs(module: Module, action: Action) -> Requirement {
    Requirement::Permission(Permission::new(module, action))
}

/// The module of an API tag.
pub fn module_of_tag(tag: &str) -> Option<Module> {
    Some(match tag {
        "parties" => Module::Parties,
        "interactions" => Module::Interactions,
        "deals" | "quotes" => Module::Sales,
        "tasks" | "calendar" => Module::Planning,
        "catalog" => Module::Catalog,
        "stock" | "fleet" => Module::Inventory,
        "orders" => Module::Orders,
        "payments" | "accounts" | "currencies" => Module::Finance,
        "purchasing" => Module::Purchasing,
        "production" => Module::Production,
        "reports" => Module::Reports,
        "events" | "audit" => Module::Audit,
        "admin" | "users" => Module::Admin,
        _ => return None,
    })
}

/// Last path segments of a `POST` that takes something away.
const TAKING_AWAY: &[&str] = &[
    "cancel",
    "archive",
    "withdraw",
    "close",
    "discontinue",
    "disqualify",
    "merge",
    "remove",
    "remove-line",
    "retire",
    "revoke",
    "disable",
    "disband",
];

/// Last path segments of a `POST` that only reads: what it reads is too
/// large for a query string (`/audit/receipt/check` takes a receipt).
const READING_POSTS: &[&str] = &["check"];

/// Sub-collections a `POST` adds to, under another resource
/// (`/parties/{id}/payments`): creating, not editing.
const SUB_COLLECTIONS: &[&str] = &[
    "interactions",
    "payments",
    "credit-notes",
    "returns",
    "supplier-invoices",
    "supplier-payments",
    "tokens",
    "documents",
];

/// The permission an API operation needs, from its tag, method and path
/// (`/api/v1/orders/{id}/cancel`).
pub fn api_requirement(tag: &str, method: &Method, path: &str) -> Option<Requirement> {
    if tag == "session" {
        return Some(if path.ends_with("/session") && method == Method::POST {
            Requirement::Public
        } else {
            Requirement::SignedIn
        });
    }
    let module = module_of_tag(tag)?;
    let last = path.rsplit('/').next().unwrap_or_default();
    // Erasure cannot be undone: administrators only.
    let action = if path.ends_with("/admin/backup") || tag == "users" || last == "erase" {
        Action::Administer
    } else if last == "export" {
        Action::Export
    } else if method == Method::GET || (method == Method::POST && READING_POSTS.contains(&last)) {
        Action::Read
    } else if method == Method::DELETE || TAKING_AWAY.contains(&last) {
        Action::Delete
    } else if !path.contains('{') || SUB_COLLECTIONS.contains(&last) {
        Action::Create
    } else {
        Action::Edit
    };
    Some(needs(module, action))
}

/// The routes outside the JSON API, by method and route template.
pub const PAGE_ROUTES: &[(&str, &str, Requirement)] = &[
    ("GET", "/login", Requirement::Public),
    ("POST", "/login", Requirement::Public),
    ("POST", "/logout", Requirement::SignedIn),
    ("GET", "/account", Requirement::SignedIn),
    // Each kind of hit is shown only to those who may read it.
    ("GET", "/search", Requirement::SignedIn),
    // Only the user's own reminders are sent.
    ("GET", "/notifications/stream", Requirement::SignedIn),
    ("POST", "/account/password", Requirement::SignedIn),
    ("POST", "/account/sessions/revoke", Requirement::SignedIn),
    ("POST", "/account/tokens", Requirement::SignedIn),
    ("POST", "/account/tokens/{id}/revoke", Requirement::SignedIn),
    ("POST", "/language", Requirement::Public),
    ("GET", "/assets/{file}", Requirement::Public),
    ("GET", "/healthz", Requirement::Public),
    ("GET", "/readyz", Requirement::Public),
    ("GET", "/metrics", needs(Module::Admin, Action::Read)),
    ("GET", "/", needs(Module::Reports, Action::Read)),
    (
        "GET",
        "/dashboard/figures",
        needs(Module::Reports, Action::Read),
    ),
    ("GET", "/customers", needs(Module::Parties, Action::Read)),
    (
        "GET",
        "/customers/new",
        needs(Module::Parties, Action::Create),
    ),
    (
        "POST",
        "/customers/new",
        needs(Module::Parties, Action::Create),
    ),
    (
        "GET",
        "/customers/{id}",
        needs(Module::Parties, Action::Read),
    ),
    (
        "GET",
        "/customers/{id}/account",
        needs(Module::Finance, Action::Read),
    ),
    (
        "POST",
        "/customers/{id}/account/{action}",
        needs(Module::Finance, Action::Create),
    ),
    (
        "GET",
        "/customers/{id}/documents/{document}",
        needs(Module::Finance, Action::Read),
    ),
    (
        "GET",
        "/customers/duplicates",
        needs(Module::Parties, Action::Read),
    ),
    (
        "GET",
        "/customers/{id}/merge",
        needs(Module::Parties, Action::Delete),
    ),
    (
        "POST",
        "/customers/{id}/merge",
        needs(Module::Parties, Action::Delete),
    ),
    (
        "POST",
        "/customers/{id}/deals",
        needs(Module::Sales, Action::Create),
    ),
    (
        "POST",
        "/customers/{id}/edit/{action}",
        needs(Module::Parties, Action::Edit),
    ),
    (
        "POST",
        "/customers/{id}/interactions",
        needs(Module::Interactions, Action::Create),
    ),
    (
        "POST",
        "/customers/{id}/tasks",
        needs(Module::Planning, Action::Create),
    ),
    (
        "GET",
        "/customers/{id}/personal-data",
        needs(Module::Parties, Action::Export),
    ),
    (
        "POST",
        "/customers/{id}/erase",
        needs(Module::Parties, Action::Administer),
    ),
    (
        "GET",
        "/interactions/{id}",
        needs(Module::Interactions, Action::Read),
    ),
    // Withdrawing needs `interactions.delete`: the use case checks it.
    (
        "POST",
        "/interactions/{id}/{action}",
        needs(Module::Interactions, Action::Edit),
    ),
    ("GET", "/leads", needs(Module::Sales, Action::Read)),
    ("POST", "/leads", needs(Module::Sales, Action::Create)),
    ("GET", "/leads/{id}", needs(Module::Sales, Action::Read)),
    // Converting also opens a deal and may register a customer: the use
    // case checks each.
    (
        "POST",
        "/leads/{id}/{action}",
        needs(Module::Sales, Action::Edit),
    ),
    ("GET", "/pipeline", needs(Module::Sales, Action::Read)),
    ("GET", "/pipeline/stage", needs(Module::Sales, Action::Read)),
    (
        "GET",
        "/pipeline/settings",
        needs(Module::Sales, Action::Read),
    ),
    (
        "POST",
        "/pipeline/settings",
        needs(Module::Sales, Action::Create),
    ),
    (
        "POST",
        "/pipeline/settings/{id}/{action}",
        needs(Module::Sales, Action::Edit),
    ),
    ("GET", "/deals/{id}", needs(Module::Sales, Action::Read)),
    (
        "POST",
        "/deals/{id}/edit",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "POST",
        "/deals/{id}/reopen",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "POST",
        "/pipeline/deals/{id}/move",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "POST",
        "/pipeline/deals/{id}/won",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "POST",
        "/pipeline/deals/{id}/lost",
        needs(Module::Sales, Action::Edit),
    ),
    ("GET", "/catalog", needs(Module::Catalog, Action::Read)),
    (
        "GET",
        "/catalog/stock",
        needs(Module::Inventory, Action::Read),
    ),
    (
        "GET",
        "/catalog/warehouses",
        needs(Module::Inventory, Action::Read),
    ),
    (
        "GET",
        "/catalog/price-lists",
        needs(Module::Catalog, Action::Read),
    ),
    (
        "POST",
        "/catalog/price-lists",
        needs(Module::Catalog, Action::Create),
    ),
    (
        "GET",
        "/catalog/price-lists/{id}",
        needs(Module::Catalog, Action::Read),
    ),
    (
        "POST",
        "/catalog/price-lists/{id}/{action}",
        needs(Module::Catalog, Action::Edit),
    ),
    (
        "POST",
        "/catalog/warehouses",
        needs(Module::Inventory, Action::Create),
    ),
    (
        "POST",
        "/catalog/warehouses/{id}/{action}",
        needs(Module::Inventory, Action::Edit),
    ),
    (
        "GET",
        "/catalog/products/{id}",
        needs(Module::Catalog, Action::Read),
    ),
    (
        "GET",
        "/catalog/products/new",
        needs(Module::Catalog, Action::Create),
    ),
    (
        "POST",
        "/catalog/products/new",
        needs(Module::Catalog, Action::Create),
    ),
    (
        "GET",
        "/catalog/products/{id}/edit",
        needs(Module::Catalog, Action::Edit),
    ),
    (
        "POST",
        "/catalog/products/{id}/edit",
        needs(Module::Catalog, Action::Edit),
    ),
    (
        "POST",
        "/catalog/products/{id}/{action}",
        needs(Module::Inventory, Action::Create),
    ),
    ("GET", "/fleet", needs(Module::Inventory, Action::Read)),
    ("GET", "/fleet/day", needs(Module::Inventory, Action::Read)),
    (
        "POST",
        "/fleet/{action}",
        needs(Module::Inventory, Action::Create),
    ),
    // A driver's own stops: the use case checks each delivery's reach.
    ("GET", "/driver", needs(Module::Inventory, Action::Read)),
    (
        "POST",
        "/driver/{id}/{action}",
        needs(Module::Inventory, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/deliveries",
        needs(Module::Inventory, Action::Create),
    ),
    // Printing an order's confirmation issues a document of the order.
    (
        "POST",
        "/orders/{id}/print",
        needs(Module::Orders, Action::Create),
    ),
    (
        "GET",
        "/orders/{id}/documents/{document}",
        needs(Module::Orders, Action::Read),
    ),
    ("GET", "/quotes", needs(Module::Sales, Action::Read)),
    ("GET", "/quotes/new", needs(Module::Sales, Action::Create)),
    ("POST", "/quotes/new", needs(Module::Sales, Action::Create)),
    ("GET", "/quotes/{id}", needs(Module::Sales, Action::Read)),
    (
        "GET",
        "/quotes/{id}/revise",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "POST",
        "/quotes/{id}/revise",
        needs(Module::Sales, Action::Edit),
    ),
    (
        "GET",
        "/quotes/{id}/documents/{document}",
        needs(Module::Sales, Action::Read),
    ),
    // Sending and answering edit the quote; printing (`print`) issues
    // its original, which the use case checks as `sales.create`.
    (
        "POST",
        "/quotes/{id}/{action}",
        needs(Module::Sales, Action::Edit),
    ),
    ("GET", "/orders", needs(Module::Orders, Action::Read)),
    ("GET", "/orders/new", needs(Module::Orders, Action::Create)),
    ("POST", "/orders/new", needs(Module::Orders, Action::Create)),
    ("GET", "/orders/{id}", needs(Module::Orders, Action::Read)),
    (
        "POST",
        "/orders/{id}/cancel",
        needs(Module::Orders, Action::Delete),
    ),
    (
        "POST",
        "/orders/{id}/change-line",
        needs(Module::Orders, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/remove-line",
        needs(Module::Orders, Action::Edit),
    ),
    ("GET", "/purchases", needs(Module::Purchasing, Action::Read)),
    (
        "GET",
        "/purchases/new",
        needs(Module::Purchasing, Action::Create),
    ),
    (
        "POST",
        "/purchases/new",
        needs(Module::Purchasing, Action::Create),
    ),
    (
        "GET",
        "/purchases/rates",
        needs(Module::Purchasing, Action::Read),
    ),
    (
        "POST",
        "/purchases/rates",
        needs(Module::Finance, Action::Edit),
    ),
    (
        "POST",
        "/purchases/rates/import",
        needs(Module::Finance, Action::Edit),
    ),
    (
        "POST",
        "/purchases/company-currency",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "GET",
        "/purchases/replenishment",
        needs(Module::Purchasing, Action::Read),
    ),
    (
        "POST",
        "/purchases/replenishment",
        needs(Module::Purchasing, Action::Create),
    ),
    (
        "GET",
        "/purchases/products/{id}",
        needs(Module::Purchasing, Action::Read),
    ),
    // Withdrawing takes purchasing.delete, checked by the use case.
    (
        "POST",
        "/purchases/products/{id}/{action}",
        needs(Module::Purchasing, Action::Edit),
    ),
    (
        "GET",
        "/purchases/{id}",
        needs(Module::Purchasing, Action::Read),
    ),
    // The supplier's invoices are finance's.
    (
        "POST",
        "/purchases/{id}/invoice",
        needs(Module::Finance, Action::Create),
    ),
    (
        "POST",
        "/purchases/{id}/pay",
        needs(Module::Finance, Action::Create),
    ),
    // Each action's own permission (cancelling takes purchasing.delete)
    // is checked by the use case.
    (
        "POST",
        "/purchases/{id}/{action}",
        needs(Module::Purchasing, Action::Edit),
    ),
    // The reports of what is owed are reports, as their API routes are.
    (
        "GET",
        "/purchases/payables",
        needs(Module::Reports, Action::Read),
    ),
    (
        "GET",
        "/production",
        needs(Module::Production, Action::Read),
    ),
    (
        "POST",
        "/production",
        needs(Module::Production, Action::Create),
    ),
    (
        "GET",
        "/production/requirements",
        needs(Module::Production, Action::Read),
    ),
    (
        "GET",
        "/production/products/{id}",
        needs(Module::Production, Action::Read),
    ),
    (
        "POST",
        "/production/products/{id}/{action}",
        needs(Module::Production, Action::Edit),
    ),
    (
        "GET",
        "/production/{id}",
        needs(Module::Production, Action::Read),
    ),
    // Each action's own permission (cancelling takes production.delete)
    // is checked by the use case.
    (
        "POST",
        "/production/{id}/{action}",
        needs(Module::Production, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/confirm",
        needs(Module::Orders, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/ship",
        needs(Module::Orders, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/invoice",
        needs(Module::Orders, Action::Edit),
    ),
    (
        "POST",
        "/orders/{id}/payment",
        needs(Module::Finance, Action::Create),
    ),
    (
        "POST",
        "/orders/{id}/return",
        needs(Module::Orders, Action::Create),
    ),
    ("GET", "/tasks", needs(Module::Planning, Action::Read)),
    ("GET", "/tasks/new", needs(Module::Planning, Action::Create)),
    (
        "POST",
        "/tasks/new",
        needs(Module::Planning, Action::Create),
    ),
    ("GET", "/tasks/{id}", needs(Module::Planning, Action::Read)),
    (
        "POST",
        "/tasks/{id}/edit",
        needs(Module::Planning, Action::Edit),
    ),
    (
        "POST",
        "/tasks/{id}/reassign",
        needs(Module::Planning, Action::Edit),
    ),
    (
        "POST",
        "/tasks/{id}/reschedule",
        needs(Module::Planning, Action::Edit),
    ),
    (
        "POST",
        "/tasks/{id}/reprioritize",
        needs(Module::Planning, Action::Edit),
    ),
    (
        "POST",
        "/tasks/{id}/cancel",
        needs(Module::Planning, Action::Delete),
    ),
    (
        "POST",
        "/tasks/{id}/complete",
        needs(Module::Planning, Action::Edit),
    ),
    (
        "POST",
        "/tasks/{id}/reopen",
        needs(Module::Planning, Action::Edit),
    ),
    ("GET", "/calendar", needs(Module::Planning, Action::Read)),
    (
        "POST",
        "/calendar/entries",
        needs(Module::Planning, Action::Create),
    ),
    (
        "GET",
        "/calendar/entries/{id}",
        needs(Module::Planning, Action::Read),
    ),
    (
        "POST",
        "/calendar/entries/{id}/{action}",
        needs(Module::Planning, Action::Edit),
    ),
    ("GET", "/reports", needs(Module::Reports, Action::Read)),
    (
        "GET",
        "/reports/sales.csv",
        needs(Module::Reports, Action::Export),
    ),
    ("GET", "/audit", needs(Module::Audit, Action::Read)),
    ("POST", "/audit/verify", needs(Module::Audit, Action::Read)),
    ("GET", "/audit/receipts", needs(Module::Audit, Action::Read)),
    (
        "POST",
        "/audit/receipts",
        needs(Module::Audit, Action::Read),
    ),
    (
        "GET",
        "/audit/receipts/new",
        needs(Module::Audit, Action::Read),
    ),
    (
        "GET",
        "/audit/receipts/{name}",
        needs(Module::Audit, Action::Read),
    ),
    (
        "GET",
        "/admin/users",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users/{id}/disable",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users/{id}/enable",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users/{id}/password",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users/{id}/roles",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/users/{id}/branch",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "GET",
        "/admin/retention",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/retention",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/retention/{id}/{action}",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "GET",
        "/admin/branches",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/branches",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/branches/{id}/{action}",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "GET",
        "/admin/groups",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/groups",
        needs(Module::Admin, Action::Administer),
    ),
    (
        "POST",
        "/admin/groups/{id}/{action}",
        needs(Module::Admin, Action::Administer),
    ),
];

/// The requirement of a page route; the API's reference pages are public.
pub fn page_requirement(method: &Method, route: &str) -> Option<Requirement> {
    if route == "/api/openapi.json" || route.starts_with("/api/docs") {
        return Some(Requirement::Public);
    }
    // HEAD is answered by GET routes.
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    PAGE_ROUTES
        .iter()
        .find(|(route_method, template, _)| *route_method == method && *template == route)
        .map(|(_, _, requirement)| *requirement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(tag: &str, method: Method, path: &str) -> String {
        match api_requirement(tag, &method, path) {
            Some(Requirement::Permission(permission)) => permission.to_string(),
            Some(other) => format!("{other:?}"),
            None => "None".to_owned(),
        }
    }

    /// Protects the classification rules on the routes where a wrong one
    /// would hurt: cancels and merges take away, sub-collections create,
    /// backups and users are administration, exports are exports.
    #[test]
    fn api_routes_are_classified_by_tag_method_and_verb() {
        let cases = [
            ("parties", Method::GET, "/api/v1/parties", "parties.read"),
            ("parties", Method::POST, "/api/v1/parties", "parties.create"),
            (
                "parties",
                Method::POST,
                "/api/v1/parties/{id}/rename",
                "parties.edit",
            ),
            (
                "parties",
                Method::POST,
                "/api/v1/parties/{id}/merge",
                "parties.delete",
            ),
            (
                "parties",
                Method::POST,
                "/api/v1/parties/{id}/archive",
                "parties.delete",
            ),
            (
                "orders",
                Method::POST,
                "/api/v1/orders/{id}/cancel",
                "orders.delete",
            ),
            (
                "orders",
                Method::POST,
                "/api/v1/orders/{id}/ship",
                "orders.edit",
            ),
            (
                "orders",
                Method::POST,
                "/api/v1/orders/{id}/returns",
                "orders.create",
            ),
            (
                "payments",
                Method::POST,
                "/api/v1/parties/{id}/payments",
                "finance.create",
            ),
            (
                "interactions",
                Method::POST,
                "/api/v1/parties/{id}/interactions",
                "interactions.create",
            ),
            (
                "stock",
                Method::POST,
                "/api/v1/stock/receipts",
                "inventory.create",
            ),
            (
                "deals",
                Method::POST,
                "/api/v1/leads/{id}/disqualify",
                "sales.delete",
            ),
            ("audit", Method::GET, "/api/v1/audit/export", "audit.export"),
            (
                "parties",
                Method::POST,
                "/api/v1/parties/{id}/erase",
                "parties.administer",
            ),
            (
                "audit",
                Method::POST,
                "/api/v1/audit/receipt/check",
                "audit.read",
            ),
            ("events", Method::GET, "/api/v1/events/stream", "audit.read"),
            (
                "admin",
                Method::GET,
                "/api/v1/admin/backup",
                "admin.administer",
            ),
            ("users", Method::GET, "/api/v1/users", "admin.administer"),
            ("session", Method::POST, "/api/v1/session", "Public"),
            ("session", Method::DELETE, "/api/v1/session", "SignedIn"),
            ("session", Method::POST, "/api/v1/me/tokens", "SignedIn"),
        ];
        for (tag, method, path, expected) in cases {
            assert_eq!(api(tag, method.clone(), path), expected, "{method} {path}");
        }
        assert_eq!(api_requirement("unknown", &Method::GET, "/api/v1/x"), None);
    }

    /// Protects the UI: a page not in the table is refused, HEAD follows
    /// GET, and the CSV export needs the export permission.
    #[test]
    fn page_routes_come_from_the_table_only() {
        assert_eq!(
            page_requirement(&Method::GET, "/reports/sales.csv"),
            Some(needs(Module::Reports, Action::Export))
        );
        assert_eq!(
            page_requirement(&Method::HEAD, "/customers"),
            Some(needs(Module::Parties, Action::Read))
        );
        assert_eq!(page_requirement(&Method::GET, "/secret"), None);
        assert_eq!(page_requirement(&Method::DELETE, "/customers"), None);
        assert_eq!(
            page_requirement(&Method::GET, "/api/docs/index.html"),
            Some(Requirement::Public)
        );
    }
}
