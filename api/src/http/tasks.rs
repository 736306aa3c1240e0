//! Tasks: create one for a user, edit, reassign, reprioritize, complete,
//! reopen, reschedule or cancel it, read it from its stream, and list a
//! user's open tasks from the tasks read model (filtered by due time,
//! paged by cursor).

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
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    encode_cursor,
};
use super::writes::{Changed, ChangedUnlessStale, Created, NoFields, aggregate_write};
use super::{TAG_TASKS, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_task, list_tasks))
        .routes(routes!(get_task))
        .routes(routes!(complete_task))
        .routes(routes!(reopen_task))
        .routes(routes!(reschedule_task))
        .routes(routes!(cancel_task))
        .routes(routes!(edit_task))
        .routes(routes!(reassign_task))
        .routes(routes!(reprioritize_task))
}

/// A new task for a user, optionally about a party or a deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The user the task is for; the signed-in user when absent.
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
    fn parse(self, by: UserId) -> Result<CreateTask, ApiError> {
        let link = link_of(self.party, self.deal)?;
        Ok(CreateTask {
            title: Label::parse("title", &self.title)?,
            description: Text::parse("description", &self.description)?,
            assignee: Assignee::User(self.assignee.map_or(by, UserId::from_uuid)),
            due: self.due,
            remind_at: self.remind_at,
            priority: priority(self.priority.as_deref())?,
            link,
        })
    }
}

/// What a task or a calendar entry is about: a party or a deal, not both.
pub(super) fn link_of(party: Option<Uuid>, deal: Option<Uuid>) -> Result<Option<Link>, ApiError> {
    match (party, deal) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "deal",
            "a task or an entry is about a party or a deal, not both",
        )),
        (Some(party), None) => Ok(Some(Link::Party(PartyId::from_uuid(party)))),
        (None, Some(deal)) => Ok(Some(Link::Deal(DealId::from_uuid(deal)))),
        (None, None) => Ok(None),
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

pub(super) fn assignee_id(assignee: Assignee) -> Uuid {
    match assignee {
        Assignee::User(user) => user.as_uuid(),
        Assignee::Group(group) => group.as_uuid(),
    }
}

pub(super) fn link_ids(link: Option<Link>) -> (Option<Uuid>, Option<Uuid>) {
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

/// Which open tasks, in due order (soonest first, tasks without a due
/// time last): the only order, the one the tasks read model keeps.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// The user the tasks are for; the signed-in user when absent (and
    /// always, for a grant that reaches only one's own tasks).
    pub assignee: Option<Uuid>,
    /// `open` (the default and, for now, the only one: the list indexes
    /// open tasks; read a closed task by its id).
    pub status: Option<ListedTaskStatus>,
    /// Only those due before now.
    #[serde(default)]
    pub overdue: bool,
    /// Only those due at or after this moment.
    pub due_from: Option<DateTime<Utc>>,
    /// Only those due at or before this moment.
    pub due_to: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListedTaskStatus {
    Open,
}

/// A page of a user's open tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub rows: Vec<TaskResponse>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Creates a task for a user, about a party or a deal that must exist
/// (and be within the caller's reach).
#[utoipa::path(post, path = "/tasks", tag = TAG_TASKS,
    request_body = CreateTaskRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn create_task(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<CreateTaskRequest>,
) -> Result<Written, ApiError> {
    let create = request.parse(headers.user())?;
    let id = TaskId::from_uuid(headers.new_id("task"));
    let executed = execute::<Task, _>(&state, id, TaskCommand::Create(create), &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One task, with its stream version as `ETag`.
#[utoipa::path(get, path = "/tasks/{id}", tag = TAG_TASKS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TaskResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
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

/// A user's open tasks from the tasks read model, soonest due first,
/// filtered by due time.
#[utoipa::path(get, path = "/tasks", tag = TAG_TASKS,
    params(TaskFilter, PageParams, WaitFor),
    responses(
        (status = 200, body = TaskPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_tasks(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiQuery(filter): ApiQuery<TaskFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<TaskPage>, ApiError> {
    let limit = page.limit()?.min(projections::PAGE_ROWS_MAX);
    let after = page
        .cursor()?
        .map(|bytes| parse_cursor(&bytes))
        .transpose()?;
    let from = filter
        .due_from
        .map_or(i64::MIN, |from| from.timestamp_micros());
    let mut until = filter.due_to.map_or(i64::MAX, |to| to.timestamp_micros());
    if from > until {
        return Err(ApiError::invalid("due_to", "lies before due_from"));
    }
    if filter.overdue {
        until = until.min(state.app.now().timestamp_micros().saturating_sub(1));
    }
    wait.wait(&state).await?;
    let assignee = Assignee::User(
        principal
            .only_owner(
                domain::access::Module::Planning,
                domain::access::Action::Read,
            )
            .or(filter.assignee.map(UserId::from_uuid))
            .unwrap_or(principal.user),
    );
    let page = state.read_models.tasks.read(|tasks| {
        let rows = tasks.open_page(assignee, after, from, until, limit);
        let next_cursor = (rows.len() == limit)
            .then(|| rows.last())
            .flatten()
            .map(|last| {
                let key = last.due.map_or(i64::MAX, |due| due.timestamp_micros());
                let mut bytes = key.to_be_bytes().to_vec();
                bytes.extend_from_slice(last.id.as_uuid().as_bytes());
                encode_cursor(&bytes)
            });
        TaskPage {
            rows: rows.into_iter().map(TaskResponse::from).collect(),
            next_cursor,
        }
    });
    Ok(axum::Json(page))
}

/// A task cursor: the last row's due key (8 bytes, big-endian) and id.
fn parse_cursor(bytes: &[u8]) -> Result<(i64, TaskId), ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    let (key, id) = bytes.split_at_checked(8).ok_or_else(bad)?;
    let key = i64::from_be_bytes(key.try_into().map_err(|_| bad())?);
    let id = Uuid::from_slice(id).map_err(|_| bad())?;
    Ok((key, TaskId::from_uuid(id)))
}

/// A task's new title and description.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditTaskRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// The user the task is now for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignTaskRequest {
    pub assignee: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReprioritizeTaskRequest {
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
}

aggregate_write! {
    /// Completes an open task (completing it again changes nothing).
    complete_task: "/tasks/{id}/complete", TAG_TASKS, Task, NoFields, Changed,
    |state, id, NoFields {}, _headers| Ok(TaskCommand::Complete)
}

aggregate_write! {
    /// Reopens a completed or cancelled task (an open one stays as it is,
    /// so no rule can refuse this).
    reopen_task: "/tasks/{id}/reopen", TAG_TASKS, Task, NoFields, ChangedUnlessStale,
    |state, id, NoFields {}, _headers| Ok(TaskCommand::Reopen)
}

aggregate_write! {
    /// Sets an open task's due time and reminder.
    reschedule_task: "/tasks/{id}/reschedule", TAG_TASKS, Task, RescheduleTaskRequest, Changed,
    |state, id, request, _headers| Ok(TaskCommand::Reschedule {
        due: request.due,
        remind_at: request.remind_at,
    })
}

aggregate_write! {
    /// Cancels an open task, with an optional reason.
    cancel_task: "/tasks/{id}/cancel", TAG_TASKS, Task, CancelTaskRequest, Changed,
    |state, id, request, _headers| Ok(TaskCommand::Cancel {
        reason: Label::parse_optional("reason", request.reason.as_deref())?,
    })
}

aggregate_write! {
    /// Changes an open task's title and description (a completed or
    /// cancelled one is 422: reopen it first).
    edit_task: "/tasks/{id}/edit", TAG_TASKS, Task, EditTaskRequest, Changed,
    |state, id, request, _headers| Ok(TaskCommand::Edit {
        title: Label::parse("title", &request.title)?,
        description: Text::parse("description", &request.description)?,
    })
}

aggregate_write! {
    /// Gives an open task to another user.
    reassign_task: "/tasks/{id}/reassign", TAG_TASKS, Task, ReassignTaskRequest, Changed,
    |state, id, request, _headers| Ok(TaskCommand::Reassign {
        assignee: Assignee::User(UserId::from_uuid(request.assignee)),
    })
}

aggregate_write! {
    /// Changes how urgent an open task is.
    reprioritize_task: "/tasks/{id}/reprioritize", TAG_TASKS, Task, ReprioritizeTaskRequest, Changed,
    |state, id, request, _headers| Ok(TaskCommand::Reprioritize {
        priority: priority(Some(&request.priority))?,
    })
}
