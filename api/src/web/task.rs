//! One task in the browser (issue 17): a form for a new task (title,
//! notes, whom it is for, due day and time, a reminder, priority), and a
//! task's page with forms to edit it, reassign it, reschedule it or its
//! reminder, change its priority and cancel it. A reminder set here fires
//! (`app::reminders`). Out of reach answers as missing; a refusal shows
//! the page again with the typing kept and the error next to its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::access::{Action, Module};
use domain::ids::{TaskId, derived};
use domain::planning::{Assignee, CreateTask, Priority, Task, TaskCommand, TaskState, TaskStatus};
use domain::values::{Label, Text};
use serde::Deserialize;

use super::assignees;
use super::customer_actions::PRIORITY_CODES;
use super::forms::{self, Choice, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// A task due on a day without a time is due at its end.
const END_OF_DAY: (u32, u32) = (23, 59);
/// A reminder on a day without a time comes in the morning.
const MORNING: (u32, u32) = (9, 0);

/// Every task form's fields; each form sends the ones it has.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    due_time: String,
    #[serde(default)]
    remind_on: String,
    #[serde(default)]
    remind_time: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    command: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "task.html")]
pub struct TaskPage {
    page: Page,
    /// `None` for the new task form.
    id: Option<String>,
    heading: String,
    status: String,
    open: bool,
    details: Vec<(String, String)>,
    assignees: Vec<OwnedChoice>,
    priorities: Vec<Choice>,
    form: TaskForm,
    failed: String,
    errors: FormErrors,
    command: String,
    can_edit: bool,
}

fn day_and_time(at: Option<DateTime<Utc>>) -> (String, String) {
    at.map_or_else(Default::default, |at| {
        (
            at.format("%Y-%m-%d").to_string(),
            at.format("%H:%M").to_string(),
        )
    })
}

/// The form's fields as the task stands.
fn form_of(task: &TaskState) -> TaskForm {
    let (due_on, due_time) = day_and_time(task.due);
    let (remind_on, remind_time) = day_and_time(task.remind_at);
    TaskForm {
        title: task.title.clone(),
        description: task.description.clone(),
        assignee: assignees::code(task.assignee),
        due_on,
        due_time,
        remind_on,
        remind_time,
        priority: task.priority.code().to_owned(),
        ..TaskForm::default()
    }
}

/// The task `raw` names, if the viewer may read it.
fn readable(state: &AppState, viewer: &Viewer, raw: &str) -> Option<(TaskId, TaskState)> {
    let id: TaskId = super::readable_id(state, viewer, raw, app::access::Kind::Task)?;
    let (task, _) = state.app.load::<Task>(id).ok()?;
    task.map(|task| (id, task))
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    viewer: &Viewer,
    task: Option<(TaskId, &TaskState)>,
    form: TaskForm,
    failed: &str,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let back = task.map_or_else(|| "/tasks/new".to_owned(), |(id, _)| format!("/tasks/{id}"));
    let page = Page::new(viewer, Section::Tasks, "task-page-title", back);
    let tr = page.tr;
    let mut details = Vec::new();
    let (heading, status_text, open) = match task {
        Some((_, task)) => {
            details.push((
                tr.t("task-assignee"),
                assignees::name(state, tr, task.assignee),
            ));
            if let Some(due) = task.due {
                details.push((tr.t("task-due"), format::date_time(tr.lang, due)));
            }
            if let Some(remind_at) = task.remind_at {
                details.push((tr.t("task-reminder"), format::date_time(tr.lang, remind_at)));
            }
            details.push((
                tr.t("task-priority"),
                tr.t(&format!("task-priority-{}", task.priority.code())),
            ));
            let status = match task.status {
                TaskStatus::Open => "task-status-open",
                TaskStatus::Completed => "task-status-completed",
                TaskStatus::Cancelled => "task-status-cancelled",
            };
            (
                task.title.clone(),
                tr.t(status),
                task.status == TaskStatus::Open,
            )
        }
        None => (tr.t("task-new"), String::new(), true),
    };
    let assignees = assignees::choices(state, tr, std::slice::from_ref(&form.assignee));
    let priorities = forms::choices(tr, "task-priority", &PRIORITY_CODES, &form.priority);
    let command = forms::command_id(&state.app, &form.command).to_string();
    (
        status,
        TaskPage {
            page,
            id: task.map(|(id, _)| id.to_string()),
            heading,
            status: status_text,
            open,
            details,
            assignees,
            priorities,
            form,
            failed: failed.to_owned(),
            errors,
            command,
            can_edit: viewer.allows(Module::Planning, Action::Edit),
        },
    )
        .into_response()
}

/// `GET /tasks/new`: a blank task for the viewer, due in a day.
pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let form = TaskForm {
        assignee: viewer.user().to_string(),
        priority: "normal".to_owned(),
        ..TaskForm::default()
    };
    render(
        &state,
        &viewer,
        None,
        form,
        "",
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// The due time and reminder of `form`, or their errors.
fn schedule(
    tr: Tr,
    form: &TaskForm,
    errors: &mut FormErrors,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let due = forms::moment(&form.due_on, &form.due_time, END_OF_DAY)
        .map_err(|()| errors.add("due_on", tr.t("form-date-time-any")))
        .unwrap_or(None);
    let remind_at = forms::moment(&form.remind_on, &form.remind_time, MORNING)
        .map_err(|()| errors.add("remind_on", tr.t("form-date-time-any")))
        .unwrap_or(None);
    (due, remind_at)
}

fn assignee_of(tr: Tr, form: &TaskForm, errors: &mut FormErrors) -> Option<Assignee> {
    let assignee = assignees::parse(&form.assignee);
    if assignee.is_none() {
        errors.add("assignee", tr.t("form-choose"));
    }
    assignee
}

/// Where a command's field path shows on the forms.
const FIELD_OF_PATH: &[(&str, &str)] = &[
    ("title", "title"),
    ("description", "description"),
    ("due", "due_on"),
    ("remind_at", "remind_on"),
    ("assignee", "assignee"),
    ("reason", "reason"),
];

/// `POST /tasks/new`.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<TaskForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let title = Label::parse("title", &form.title)
        .map_err(|_| errors.add("title", tr.t("form-required-line")))
        .ok();
    let description = Text::parse("description", &form.description)
        .map_err(|_| errors.add("description", tr.t("form-too-long")))
        .ok();
    let assignee = assignee_of(tr, &form, &mut errors);
    let (due, remind_at) = schedule(tr, &form, &mut errors);
    let priority = Priority::from_code(&form.priority);
    if priority.is_none() {
        errors.add("priority", tr.t("form-choose"));
    }
    let (Some(title), Some(description), Some(assignee), Some(priority), true) =
        (title, description, assignee, priority, errors.is_empty())
    else {
        return render(
            &state,
            &viewer,
            None,
            form,
            "create",
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let task = TaskId::from_uuid(derived(command_id, b"task"));
    let create = TaskCommand::Create(CreateTask {
        title,
        description,
        assignee,
        due,
        remind_at,
        priority,
        link: None,
    });
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let result = forms::execute_as::<Task, _>(&state, &viewer, run, task, create).await;
    match result {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/tasks/{task}")).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, FIELD_OF_PATH);
            render(
                &state,
                &viewer,
                None,
                form,
                "create",
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// `GET /tasks/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let Some((id, task)) = readable(&state, &viewer, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let form = form_of(&task);
    render(
        &state,
        &viewer,
        Some((id, &task)),
        form,
        "",
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// A change of task `id` by its form `action`.
async fn change(
    state: AppState,
    viewer: Viewer,
    id: String,
    action: &str,
    form: TaskForm,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some((id, task)) = readable(&state, &viewer, &id) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let command = match action {
        "edit" => {
            let title = Label::parse("title", &form.title)
                .map_err(|_| errors.add("title", tr.t("form-required-line")))
                .ok();
            let description = Text::parse("description", &form.description)
                .map_err(|_| errors.add("description", tr.t("form-too-long")))
                .ok();
            title
                .zip(description)
                .map(|(title, description)| TaskCommand::Edit { title, description })
        }
        "reassign" => {
            assignee_of(tr, &form, &mut errors).map(|assignee| TaskCommand::Reassign { assignee })
        }
        "reschedule" => {
            let (due, remind_at) = schedule(tr, &form, &mut errors);
            Some(TaskCommand::Reschedule { due, remind_at })
        }
        "reprioritize" => Priority::from_code(&form.priority)
            .map(|priority| TaskCommand::Reprioritize { priority })
            .or_else(|| {
                errors.add("priority", tr.t("form-choose"));
                None
            }),
        "cancel" => match Label::parse_optional("reason", Some(&form.reason)) {
            Ok(reason) => Some(TaskCommand::Cancel { reason }),
            Err(_) => {
                errors.add("reason", tr.t("form-one-line"));
                None
            }
        },
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    // The other forms show the task as it is; the failed one as typed.
    let shown_again = |errors: FormErrors| {
        let typed = form.clone();
        render(
            &state,
            &viewer,
            Some((id, &task)),
            typed,
            action,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some(command) = command.filter(|_| errors.is_empty()) else {
        return shown_again(errors);
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let result = forms::execute_as::<Task, _>(&state, &viewer, run, id, command).await;
    match result {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, &format!("/tasks/{id}")).await
        }
        Err(error) => shown_again(FormErrors::from_command(tr, &error, FIELD_OF_PATH)),
    }
}

macro_rules! task_actions {
    ($($name:ident => $action:literal),+ $(,)?) => {
        $(
            #[doc = concat!("`POST /tasks/{id}/", $action, "`.")]
            pub async fn $name(
                State(state): State<AppState>,
                viewer: Viewer,
                Path(id): Path<String>,
                Form(form): Form<TaskForm>,
            ) -> Response {
                change(state, viewer, id, $action, form).await
            }
        )+
    };
}

task_actions! {
    edit => "edit",
    reassign => "reassign",
    reschedule => "reschedule",
    reprioritize => "reprioritize",
    cancel => "cancel",
}
