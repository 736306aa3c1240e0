//! Tasks: create one for a user, complete, reopen, reschedule or cancel
//! it, read it from its stream, and list a user's open tasks from the
//! tasks read model.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::{DealId, PartyId, TaskId, UserId};
use domain::planning::{Assignee, CreateTask, Link, Priority, Task, TaskCommand, TaskStatus};
use domain::values::{Label, Text};
use projections::models::tasks::{TaskRow, TaskStatus as RowStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, WriteResult, Written,
};
use super::{TAG_TASKS, execute, load};
use crate::AppState;
use crate::process::SYSTEM_USER;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_task, list_tasks))
        .routes(routes!(get_task))
        .routes(routes!(complete_task))
        .routes(routes!(reopen_task))
        .routes(routes!(reschedule_task))
        .routes(routes!(cancel_task))
}

/// A new task for a user, optionally about a party or a deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The user the task is for; the system user when absent.
    pub assignee: Option<Uuid>,
    pub due: Option<DateTime<Utc>>,
    /// At most `due`.
    pub remind_at: Option<DateTime<Utc>>,
    /// `low`, `normal` (the default), `high` or `urgent`.
    pub priority: Option<String>,
    /// The party the task is about (not with `deal`).
    pub party: Option<Uuid>,
    /// The deal the task is about (not with `party`).
    pub deal: Option<Uuid>,
}

impl CreateTaskRequest {
    fn parse(self) -> Result<CreateTask, ApiError> {
        let link = match (self.party, self.deal) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "deal",
                    "a task is about a party or a deal, not both",
                ));
            }
            (Some(party), None) => Some(Link::Party(PartyId::from_uuid(party))),
            (None, Some(deal)) => Some(Link::Deal(DealId::from_uuid(deal))),
            (None, None) => None,
        };
        Ok(CreateTask {
            title: Label::parse("title", &self.title)?,
            description: Text::parse("description", &self.description)?,
            assignee: Assignee::User(self.assignee.map_or(SYSTEM_USER, UserId::from_uuid)),
            due: self.due,
            remind_at: self.remind_at,
            priority: priority(self.priority.as_deref())?,
            link,
        })
    }
}

fn priority(raw: Option<&str>) -> Result<Priority, ApiError> {
    match raw {
        None => Ok(Priority::default()),
        Some(code) => Priority::from_code(code)
            .ok_or_else(|| ApiError::invalid("priority", "must be low, normal, high or urgent")),
    }
}

/// A task's new due time and reminder (absent: none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleTaskRequest {
    pub due: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
}

/// Why a task is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelTaskRequest {
    pub reason: Option<String>,
}

/// A task as its stream tells it, or a row of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskResponse {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    /// The user (or group) the task is for.
    pub assignee: Uuid,
    pub due: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: String,
    pub party: Option<Uuid>,
    pub deal: Option<Uuid>,
    /// `open`, `completed` or `cancelled`.
    pub status: String,
    pub version: Option<u64>,
}

fn assignee_id(assignee: Assignee) -> Uuid {
    match assignee {
        Assignee::User(user) => user.as_uuid(),
        Assignee::Group(group) => group.as_uuid(),
    }
}

fn link_ids(link: Option<Link>) -> (Option<Uuid>, Option<Uuid>) {
    match link {
        Some(Link::Party(party)) => (Some(party.as_uuid()), None),
        Some(Link::Deal(deal)) => (None, Some(deal.as_uuid())),
        None => (None, None),
    }
}

impl From<&TaskRow> for TaskResponse {
    fn from(row: &TaskRow) -> Self {
        let (party, deal) = link_ids(row.link);
        Self {
            id: row.id.as_uuid(),
            title: row.title.clone(),
            description: row.description.clone(),
            assignee: assignee_id(row.assignee),
            due: row.due,
            remind_at: row.remind_at,
            priority: row.priority.code().to_owned(),
            party,
            deal,
            status: match row.status {
                RowStatus::Open => "open",
                RowStatus::Completed => "completed",
                RowStatus::Cancelled => "cancelled",
            }
            .to_owned(),
            version: Some(row.version),
        }
    }
}

/// Whose open tasks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// The user; the system user when absent (until there are logins).
    pub assignee: Option<Uuid>,
    /// Only those due before now, most overdue first.
    #[serde(default)]
    pub overdue: bool,
}

/// A user's open tasks, soonest due first (no `next_cursor`: the first
/// `limit`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub rows: Vec<TaskResponse>,
}

/// Creates a task for a user.
#[utoipa::path(post, path = "/tasks", tag = TAG_TASKS,
    request_body = CreateTaskRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_task(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CreateTaskRequest>,
) -> Result<Written, ApiError> {
    let create = request.parse()?;
    let id = TaskId::from_uuid(headers.new_id("task"));
    let executed = execute::<Task, _>(&state, id, TaskCommand::Create(create), &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One task, with its stream version as `ETag`.
#[utoipa::path(get, path = "/tasks/{id}", tag = TAG_TASKS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TaskResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_task(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<TaskResponse>, ApiError> {
    let (task, version) = load::<Task>(&state, id)?;
    let task = task.ok_or_else(|| ApiError::NotFound(format!("task {id}")))?;
    let (party, deal) = link_ids(task.link);
    Ok(Versioned(
        version,
        TaskResponse {
            id,
            title: task.title,
            description: task.description,
            assignee: assignee_id(task.assignee),
            due: task.due,
            remind_at: task.remind_at,
            priority: task.priority.code().to_owned(),
            party,
            deal,
            status: match task.status {
                TaskStatus::Open => "open",
                TaskStatus::Completed => "completed",
                TaskStatus::Cancelled => "cancelled",
            }
            .to_owned(),
            version,
        },
    ))
}

/// A user's open tasks from the tasks read model, soonest due first.
#[utoipa::path(get, path = "/tasks", tag = TAG_TASKS,
    params(TaskFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = TaskPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_tasks(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<TaskFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<TaskPage>, ApiError> {
    wait.wait(&state).await?;
    let limit = page.limit()?;
    if page.cursor.is_some() {
        return Err(ApiError::invalid("cursor", "this list has a single page"));
    }
    let assignees = [Assignee::User(
        filter.assignee.map_or(SYSTEM_USER, UserId::from_uuid),
    )];
    let rows = state.read_models.tasks.read(|tasks| {
        let rows = if filter.overdue {
            tasks.overdue_for(&assignees, Utc::now(), limit)
        } else {
            tasks.open_for(&assignees, limit)
        };
        rows.into_iter().map(TaskResponse::from).collect()
    });
    Ok(axum::Json(TaskPage { rows }))
}

/// The write endpoints of one task share their documentation.
macro_rules! task_write {
    ($name:ident, $path:literal, $doc:literal, $request:ty, $command:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = TAG_TASKS,
            params(("id" = Uuid, Path),
                ("If-Match" = Option<String>, Header, description = "The version the client saw"),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
            request_body = $request,
            responses(
                (status = 200, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write"))),
                (status = 400, body = Problem, content_type = "application/problem+json"),
                (status = 404, body = Problem, content_type = "application/problem+json"),
                (status = 412, body = Problem, content_type = "application/problem+json"),
                (status = 422, body = Problem, content_type = "application/problem+json"),
            ))]
        async fn $name(
            State(state): State<AppState>,
            ApiPath(id): ApiPath<Uuid>,
            headers: WriteHeaders,
            ApiJson(request): ApiJson<$request>,
        ) -> Result<Written, ApiError> {
            let command: Result<TaskCommand, ApiError> = ($command)(request);
            let executed = execute::<Task, _>(&state, id, command?, &headers).await?;
            Ok(Written::new(&state, StatusCode::OK, id, &executed))
        }
    };
}

/// No fields: a command that needs none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

task_write!(
    complete_task,
    "/tasks/{id}/complete",
    "Completes an open task (completing it again changes nothing).",
    EmptyRequest,
    |_: EmptyRequest| Ok(TaskCommand::Complete)
);

/// Reopens a completed or cancelled task (an open one stays as it is, so
/// no rule can refuse this).
#[utoipa::path(post, path = "/tasks/{id}/reopen", tag = TAG_TASKS,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = EmptyRequest,
    responses(
        (status = 200, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    ))]
async fn reopen_task(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(EmptyRequest {}): ApiJson<EmptyRequest>,
) -> Result<Written, ApiError> {
    let executed = execute::<Task, _>(&state, id, TaskCommand::Reopen, &headers).await?;
    Ok(Written::new(&state, StatusCode::OK, id, &executed))
}

task_write!(
    reschedule_task,
    "/tasks/{id}/reschedule",
    "Sets an open task's due time and reminder.",
    RescheduleTaskRequest,
    |request: RescheduleTaskRequest| Ok(TaskCommand::Reschedule {
        due: request.due,
        remind_at: request.remind_at,
    })
);
task_write!(
    cancel_task,
    "/tasks/{id}/cancel",
    "Cancels an open task, with an optional reason.",
    CancelTaskRequest,
    |request: CancelTaskRequest| Ok(TaskCommand::Cancel {
        reason: Label::parse_optional("reason", request.reason.as_deref())?,
    })
);
