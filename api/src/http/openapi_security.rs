//! The OpenAPI document's account of signing in: the two security
//! schemes (a bearer token, a session cookie) and, per operation, the
//! permission it needs with the 401 and 403 answers that follow.

use axum::http::Method;

use crate::auth::api_routes;
use crate::auth::policy::Requirement;
use crate::auth::sessions::SESSION_COOKIE;

/// The name of each security scheme in the OpenAPI document.
pub const BEARER_SCHEME: &str = "token";
pub const SESSION_SCHEME: &str = "session";
/// States in the OpenAPI document how to sign in and, per operation, the
/// permission it needs (as the scope of both schemes, and in words), with
/// the 401 and 403 answers that follow from it.
pub fn describe(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    components.add_security_scheme(
        SESSION_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
    );
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    crate::http::error::PROBLEM_JSON,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build(),
        )
    };
    let routes = api_routes(document);
    for (path, item) in &mut document.paths.paths {
        let operations = [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::PATCH, &mut item.patch),
            (Method::DELETE, &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let requirement = routes.get(&(method, path.clone())).copied();
            let scopes: Vec<String> = match requirement {
                Some(Requirement::Public) => {
                    operation.security = Some(Vec::new());
                    continue;
                }
                Some(Requirement::Permission(permission)) => vec![permission.to_string()],
                Some(Requirement::SignedIn) | None => Vec::new(),
            };
            let needs = match scopes.first() {
                Some(permission) => format!("Needs the permission `{permission}`."),
                None => "Needs a signed-in user.".to_owned(),
            };
            operation.description = Some(match operation.description.take() {
                Some(description) => format!("{description}\n\n{needs}"),
                None => needs,
            });
            operation.security = Some(vec![
                SecurityRequirement::new(BEARER_SCHEME, scopes.clone()),
                SecurityRequirement::new(SESSION_SCHEME, scopes.clone()),
            ]);
            let responses = &mut operation.responses.responses;
            responses.insert(
                "401".to_owned(),
                problem("No valid session or API token came with the request."),
            );
            if !scopes.is_empty() {
                responses.insert(
                    "403".to_owned(),
                    problem("The user's roles or the token do not grant the permission."),
                );
            }
        }
    }
}
