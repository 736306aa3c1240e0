//! What the CRM's task-shaped writes share: their documented answers, one
//! `IntoResponses` type per kind of write, and `aggregate_write!`, which
//! declares a `POST /<resource>/{id}/<action>` that turns its body into one
//! command of one aggregate.
//!
//! The answers are documented once so that an endpoint promises exactly
//! the statuses it can produce: a write no business rule can refuse uses
//! [`ChangedUnlessStale`], not [`Changed`], and so has no 422 in the
//! document (the contract test checks each documented status is produced).

use utoipa::IntoResponses;

use super::error::Problem;
use super::extract::WriteResult;

/// Declares a kind of write's documented answers: the success status
/// (with `ETag` and `X-Position`) and then each problem's variant, status
/// and description. The types are never built; they only describe the
/// answers for the document.
macro_rules! write_answers {
    (
        $(#[doc = $doc:literal])+
        $name:ident: $done_status:literal $done_doc:literal
        $(, $variant:ident $status:literal $problem_doc:literal)* $(,)?
    ) => {
        $(#[doc = $doc])+
        #[allow(dead_code)]
        #[derive(Debug, IntoResponses)]
        pub enum $name {
            #[doc = $done_doc]
            #[response(status = $done_status, headers(
                ("ETag" = String, description = "The stream version now"),
                ("X-Position" = u64, description = "The log position of the write, for wait_for")))]
            Done(WriteResult),
            $(
                #[doc = $problem_doc]
                #[response(status = $status, content_type = "application/problem+json")]
                $variant(Problem),
            )*
        }
    };
}

write_answers! {
    /// The answers of a write to an existing aggregate that a business rule
    /// may refuse.
    Changed: 200 "Done (or done before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body, the path or a header is not acceptable.",
    NotFound 404 "The aggregate (or one the body names) does not exist.",
    Stale 412 "`If-Match` named another version; the current one is in `ETag`.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a write to an existing aggregate that no business rule
    /// refuses (the aggregate takes the new value, or already had it).
    ChangedUnlessStale: 200 "Done (or done before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body, the path or a header is not acceptable.",
    NotFound 404 "The aggregate (or one the body names) does not exist.",
    Stale 412 "`If-Match` named another version; the current one is in `ETag`.",
}

write_answers! {
    /// The answers of a write that creates an aggregate naming others (a
    /// party, a user) that must exist.
    Created: 201 "Created (or created before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    NotFound 404 "An aggregate the body names does not exist.",
}

write_answers! {
    /// The answers of a write that records a new fact (a stock movement, a
    /// payment) on aggregates the body names, which a business rule may
    /// refuse.
    Recorded: 201 "Recorded (or recorded before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    NotFound 404 "An aggregate the body names does not exist.",
    Stale 412 "`If-Match` named another version; the current one is in `ETag`.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a write that creates an aggregate under a key that
    /// must be unique (a product's SKU).
    RegisteredUnique: 201 "Created (or created before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    Taken 409 "Another aggregate already holds the key.",
}

write_answers! {
    /// The answers of a change to an existing aggregate's key that must be
    /// unique (a branch's code), which a business rule may also refuse.
    ChangedUnique: 200 "Done (or done before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body, the path or a header is not acceptable.",
    NotFound 404 "The aggregate does not exist.",
    Taken 409 "Another aggregate already holds the key.",
    Stale 412 "`If-Match` named another version; the current one is in `ETag`.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a write that creates an aggregate naming others that
    /// must exist, which a business rule may refuse (a purchase order from
    /// a party that is no supplier).
    CreatedUnlessRefused: 201 "Created (or created before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    NotFound 404 "An aggregate the body names does not exist.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a setting or a fact recorded from its body alone,
    /// which a business rule may refuse (the company currency, set once;
    /// a rate before the company currency is set).
    Settled: 200 "Done (or done before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a setting replaced from its body alone (the
    /// company's requisites): no rule refuses a well-formed one.
    Replaced: 200 "Done (or done before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
}

write_answers! {
    /// The answers of a write that creates an aggregate from its body
    /// alone, which a business rule may refuse (a vehicle's plate that
    /// another has).
    RegisteredUnlessRefused: 201 "Created (or created before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
    RuleBroken 422 "A business rule refused the command; `rule` names it.",
}

write_answers! {
    /// The answers of a write that creates an aggregate from its body alone.
    Registered: 201 "Created (or created before under the same `Idempotency-Key`).",
    Invalid 400 "A value in the body or a header is not acceptable.",
}

/// Declares `POST $path` on one existing aggregate of `$decider`: its
/// documentation (path id, `If-Match`, `Idempotency-Key`, the body, the
/// answers `$responses`) and a handler that builds the command with
/// `|state, id, request, headers| -> Result<Command, ApiError>` and runs
/// it as the headers say.
macro_rules! aggregate_write {
    (
        $(#[doc = $doc:literal])+
        $name:ident: $path:literal, $tag:ident, $decider:ty, $request:ty, $responses:ident,
        |$state:ident, $id:ident, $req:pat, $headers:ident| $command:expr
    ) => {
        $(#[doc = $doc])+
        #[utoipa::path(post, path = $path, tag = $tag,
            params(("id" = uuid::Uuid, Path),
                ("If-Match" = Option<String>, Header, description = "The version the client saw"),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
            request_body = $request,
            responses($responses))]
        async fn $name(
            axum::extract::State($state): axum::extract::State<$crate::AppState>,
            $crate::http::extract::ApiPath($id): $crate::http::extract::ApiPath<uuid::Uuid>,
            $headers: $crate::http::extract::WriteHeaders,
            $crate::http::extract::ApiJson($req): $crate::http::extract::ApiJson<$request>,
        ) -> Result<$crate::http::extract::Written, $crate::http::error::ApiError> {
            let command: Result<_, $crate::http::error::ApiError> = $command;
            let executed =
                $crate::http::execute::<$decider, _>(&$state, $id, command?, &$headers).await?;
            Ok($crate::http::extract::Written::new(
                &$state,
                axum::http::StatusCode::OK,
                $id,
                &executed,
            ))
        }
    };
}

pub(crate) use aggregate_write;

/// The user now responsible (for a party, a lead or a deal).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerRequest {
    pub owner: uuid::Uuid,
}

/// No fields: a command that needs none (the body may be absent).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

#[cfg(test)]
mod tests {
    /// Protects what a shared answer type puts in the document: the
    /// write's `ETag` and `X-Position` headers and body on success, and
    /// problem documents for the errors; a write no rule can refuse
    /// promises no 422.
    #[test]
    fn shared_answers_document_headers_problems_and_only_possible_statuses() {
        let (_, document) = super::super::routes();
        let document = serde_json::to_value(&document).unwrap_or_default();
        let tag = &document["paths"]["/api/v1/parties/{id}/tag"]["post"]["responses"];
        assert!(tag["200"]["headers"]["ETag"].is_object(), "{tag:#}");
        assert!(tag["200"]["headers"]["X-Position"].is_object(), "{tag:#}");
        assert!(
            tag["200"]["content"]["application/json"].is_object(),
            "{tag:#}"
        );
        for status in ["400", "404", "412", "422"] {
            assert!(
                tag[status]["content"]["application/problem+json"].is_object(),
                "{status}: {tag:#}"
            );
        }
        let rename = &document["paths"]["/api/v1/pipelines/{id}/rename"]["post"]["responses"];
        assert!(rename["412"].is_object(), "{rename:#}");
        assert!(rename["422"].is_null(), "{rename:#}");
    }
}
