//! Retention rules over HTTP (issue 15, ADR 0019): an administrator
//! defines, changes, pauses and resumes rules and runs one now; the
//! process runs due rules by itself. Every run is listed with the
//! subjects it found idle (ids only) and what it erased. Auditors read.

use app::retention::{RuleView, RunReport, RunView};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::RetentionRuleId;
use domain::retention::{InactiveMonths, RetentionCommand, RetentionRule, RetentionTarget};
use domain::values::Label;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::TAG_ADMIN;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, WriteHeaders, Written};
use super::writes::{ChangedUnlessStale, NoFields, Registered, aggregate_write};
use crate::AppState;
use crate::auth::Principal;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define_rule, list_rules))
        .routes(routes!(get_rule))
        .routes(routes!(change_rule))
        .routes(routes!(pause_rule))
        .routes(routes!(resume_rule))
        .routes(routes!(run_rule))
}

/// A new retention rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineRuleRequest {
    pub name: String,
    /// `leads` (not converted), `people` or `companies`.
    pub target: String,
    /// Months without activity after which a record's personal data is
    /// erased, 1 to 1200.
    pub inactive_months: i64,
}

/// A rule's new name and period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRuleRequest {
    pub name: String,
    pub inactive_months: i64,
}

/// A retention rule with its latest runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResponse {
    pub id: Uuid,
    pub name: String,
    pub target: String,
    pub inactive_months: u16,
    pub paused: bool,
    pub defined_at: DateTime<Utc>,
    /// Runs so far.
    pub runs_total: u64,
    /// The latest runs, newest first (at most 30).
    pub runs: Vec<RunResponse>,
}

/// One run of a rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunResponse {
    pub id: Uuid,
    /// When it looked at the records.
    pub as_of: DateTime<Utc>,
    /// Records without activity since then were due.
    pub cutoff: DateTime<Utc>,
    /// The leads or parties it found due.
    pub subjects: Vec<Uuid>,
    /// More were due than one run takes; the rule runs again.
    pub more: bool,
    /// A user's id, or `system:retention` for the process.
    pub started_by: String,
    pub finished: bool,
    /// Erased by the run (once finished).
    pub erased: Option<u32>,
    /// Found active again, or erased already, when their turn came.
    pub kept: Option<u32>,
}

/// The rules, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleListResponse {
    pub rules: Vec<RuleResponse>,
}

/// What a run started now did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunReportResponse {
    pub run: Uuid,
    pub erased: u32,
    pub kept: u32,
    pub more: bool,
}

impl From<RuleView> for RuleResponse {
    fn from(view: RuleView) -> Self {
        Self {
            id: view.id.as_uuid(),
            name: view.rule.name,
            target: view.rule.target.code().to_owned(),
            inactive_months: view.rule.inactive_months,
            paused: view.rule.paused,
            defined_at: view.defined_at,
            runs_total: view.rule.runs,
            runs: view.runs.into_iter().map(RunResponse::from).collect(),
        }
    }
}

impl From<RunView> for RunResponse {
    fn from(run: RunView) -> Self {
        Self {
            id: run.run.as_uuid(),
            as_of: run.as_of,
            cutoff: run.cutoff,
            subjects: run.subjects,
            more: run.more,
            started_by: app::audit::actor_text(&run.by),
            finished: run.finished.is_some(),
            erased: run.finished.map(|(erased, _)| erased),
            kept: run.finished.map(|(_, kept)| kept),
        }
    }
}

impl From<RunReport> for RunReportResponse {
    fn from(report: RunReport) -> Self {
        Self {
            run: report.run.as_uuid(),
            erased: report.erased,
            kept: report.kept,
            more: report.more,
        }
    }
}

/// Defines a retention rule; the process runs it within minutes (list it
/// to see what it would find: run it when ready, or pause it first).
#[utoipa::path(post, path = "/admin/retention-rules", tag = TAG_ADMIN,
    request_body = DefineRuleRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn define_rule(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DefineRuleRequest>,
) -> Result<Written, ApiError> {
    let id = RetentionRuleId::from_uuid(headers.new_id("retention-rule"));
    let name = Label::parse("name", &request.name)?;
    let target = RetentionTarget::parse("target", &request.target)?;
    let months = InactiveMonths::parse("inactive_months", request.inactive_months)?;
    let executed = state
        .app
        .retention()
        .define(
            &headers.principal.caller(),
            headers.run(),
            id,
            name,
            target,
            months,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// Every retention rule with its latest runs.
#[utoipa::path(get, path = "/admin/retention-rules", tag = TAG_ADMIN,
    responses((status = 200, body = RuleListResponse)))]
async fn list_rules(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<RuleListResponse>, ApiError> {
    let app = state.app.clone();
    let caller = principal.caller();
    let rules = tokio::task::spawn_blocking(move || app.retention().rules(&caller))
        .await
        .map_err(|error| {
            ApiError::Internal(anyhow::anyhow!("reading the rules failed: {error}"))
        })??;
    Ok(axum::Json(RuleListResponse {
        rules: rules.into_iter().map(RuleResponse::from).collect(),
    }))
}

/// One retention rule with its latest runs.
#[utoipa::path(get, path = "/admin/retention-rules/{id}", tag = TAG_ADMIN,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = RuleResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_rule(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    principal: Principal,
) -> Result<axum::Json<RuleResponse>, ApiError> {
    let app = state.app.clone();
    let caller = principal.caller();
    let rule = tokio::task::spawn_blocking(move || {
        app.retention()
            .rule(&caller, RetentionRuleId::from_uuid(id))
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("reading the rule failed: {error}")))??;
    Ok(axum::Json(rule.into()))
}

aggregate_write! {
    /// Renames a rule or changes how long it lets records rest; the next
    /// run uses the new period.
    change_rule: "/admin/retention-rules/{id}/change", TAG_ADMIN, RetentionRule, ChangeRuleRequest, ChangedUnlessStale,
    |state, id, request, _headers| Ok(RetentionCommand::Change {
        name: Label::parse("name", &request.name)?,
        inactive_months: InactiveMonths::parse("inactive_months", request.inactive_months)?,
    })
}

aggregate_write! {
    /// Pauses a rule: the process runs it no more until it is resumed.
    pause_rule: "/admin/retention-rules/{id}/pause", TAG_ADMIN, RetentionRule, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(RetentionCommand::Pause)
}

aggregate_write! {
    /// Resumes a paused rule.
    resume_rule: "/admin/retention-rules/{id}/resume", TAG_ADMIN, RetentionRule, NoFields, ChangedUnlessStale,
    |state, id, _request, _headers| Ok(RetentionCommand::Resume)
}

/// Runs a rule now and waits for it: finishes its unfinished run if a
/// stop left one, else plans one and erases what it found (at most 500
/// subjects; `more` says the rest come next). Refused while paused.
#[utoipa::path(post, path = "/admin/retention-rules/{id}/run", tag = TAG_ADMIN,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = RunReportResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn run_rule(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    principal: Principal,
) -> Result<axum::Json<RunReportResponse>, ApiError> {
    let rule = RetentionRuleId::from_uuid(id);
    let report = state
        .running()
        .run_retention_rule(&principal.caller(), rule)
        .await?;
    tracing::info!(%rule, erased = report.erased, kept = report.kept, "a retention rule ran on demand");
    Ok(axum::Json(report.into()))
}
