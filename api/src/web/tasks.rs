//! Tasks: one owner's open tasks (all, overdue, due today, upcoming) and
//! completed ones, paged by cursor over the `tasks` read model, with a
//! form on each row to complete or reopen the task (`app`'s
//! one-command use case, [`app::App::execute`]).
//!
//! "My tasks" are the signed-in user's; a select of the owners the model
//! knows, kept in the query string, shows anyone else's to a user whose
//! grant reaches them. With htmx the row forms post in the
//! background and only the list is swapped; without it they post and
//! redirect back to the same list.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use domain::ids::TaskId;
use domain::planning::{Assignee, Link, Task, TaskCommand};
use projections::models::tasks::{DueWindow, TaskCursor, TaskRow, TaskStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::Viewer;
use super::assignees;
use super::format;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, query_string};
use crate::AppState;

/// Rows per page of the list.
const LIST_PAGE_ROWS: usize = 50;
/// Longest `back` address a row form may carry.
const BACK_CHARS_MAX: usize = 2_000;

/// Whose tasks or calendar a page shows, as carried in the query string:
/// a user's id, or `group:` and a group's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner(pub Assignee);

impl Owner {
    /// The signed-in user.
    pub fn me(viewer: &Viewer) -> Owner {
        Owner(Assignee::User(viewer.user()))
    }

    /// Whose tasks and calendar the viewer asks for: the owner the query
    /// names, else the viewer; when their planning grant reaches only
    /// their own, the viewer or one of the viewer's groups.
    pub fn asked(state: &AppState, raw: &str, viewer: &Viewer) -> Owner {
        let me = Owner::me(viewer);
        let asked = Owner::parse(raw).unwrap_or(me);
        if !Owner::only_own(viewer) {
            return asked;
        }
        match asked.0 {
            Assignee::Group(group)
                if assignees::groups_of(state, viewer.user()).contains(&group) =>
            {
                asked
            }
            _ => me,
        }
    }

    /// Whether the viewer's planning grant reaches only their own tasks.
    fn only_own(viewer: &Viewer) -> bool {
        viewer.principal.as_ref().is_some_and(|principal| {
            principal
                .only_owner(
                    domain::access::Module::Planning,
                    domain::access::Action::Read,
                )
                .is_some()
        })
    }

    /// The owner a query names, if it names one.
    pub fn parse(raw: &str) -> Option<Owner> {
        assignees::parse(raw).map(Owner)
    }

    /// How the owner travels in a query string.
    pub fn code(self) -> String {
        assignees::code(self.0)
    }

    /// A name for the select: "me", a user's name, a group's.
    pub fn label(self, state: &AppState, tr: Tr, me: Owner) -> String {
        if self == me {
            tr.t("owner-me")
        } else {
            assignees::name(state, tr, self.0)
        }
    }
}

/// An owner of the select.
#[derive(Debug)]
pub struct OwnerChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The select of owners: "me" first, then the viewer's groups, then (for
/// a viewer who may see others') everyone with tasks and every group.
pub fn owner_choices(
    state: &AppState,
    tr: Tr,
    known: Vec<Assignee>,
    chosen: Owner,
    viewer: &Viewer,
) -> Vec<OwnerChoice> {
    let me = Owner::me(viewer);
    let mut owners = vec![me];
    owners.extend(
        assignees::groups_of(state, viewer.user())
            .into_iter()
            .map(|group| Owner(Assignee::Group(group))),
    );
    if !Owner::only_own(viewer) {
        let groups: Vec<Assignee> = state.read_models.users.read(|users| {
            users
                .groups()
                .into_iter()
                .filter(|(_, row)| !row.disbanded)
                .map(|(id, _)| Assignee::Group(id))
                .collect()
        });
        for owner in known.into_iter().chain(groups).map(Owner) {
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        }
    }
    if !owners.contains(&chosen) {
        owners.push(chosen);
    }
    owners
        .into_iter()
        .map(|owner| OwnerChoice {
            value: owner.code(),
            label: owner.label(state, tr, me),
            selected: owner == chosen,
        })
        .collect()
}

/// Which of the owner's tasks the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Show {
    Open,
    Overdue,
    Today,
    Upcoming,
    Completed,
}

impl Show {
    const ALL: [Show; 5] = [
        Show::Open,
        Show::Overdue,
        Show::Today,
        Show::Upcoming,
        Show::Completed,
    ];

    fn code(self) -> &'static str {
        match self {
            Show::Open => "open",
            Show::Overdue => "overdue",
            Show::Today => "today",
            Show::Upcoming => "upcoming",
            Show::Completed => "completed",
        }
    }

    fn parse(raw: &str) -> Show {
        Show::ALL
            .into_iter()
            .find(|show| show.code() == raw)
            .unwrap_or(Show::Open)
    }

    /// Open tasks due in this window, split at `now` and at the end of
    /// today (UTC, the business day): overdue, today and upcoming do not
    /// overlap, and together they are all open tasks.
    fn window(self, now: DateTime<Utc>) -> DueWindow {
        let tomorrow = (now.date_naive() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .map(|midnight| midnight.and_utc());
        match self {
            Show::Open | Show::Completed => DueWindow::default(),
            Show::Overdue => DueWindow {
                from: None,
                before: Some(now),
            },
            Show::Today => DueWindow {
                from: Some(now),
                before: tomorrow,
            },
            Show::Upcoming => DueWindow {
                from: tomorrow,
                before: None,
            },
        }
    }
}

/// The list's query string as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    show: String,
    after_key: Option<String>,
    after_id: Option<String>,
}

/// A filter link with its count.
#[derive(Debug)]
pub struct FilterLink {
    pub code: &'static str,
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// A row of the list, ready to show.
#[derive(Debug)]
pub struct TaskView {
    pub id: String,
    pub title: String,
    pub due: String,
    pub overdue: bool,
    pub priority: String,
    pub about: String,
    pub about_href: Option<String>,
    pub version: String,
    /// What the row's button does: `complete` an open task, `reopen` a
    /// completed one (also the last part of the form's address).
    pub action: &'static str,
    pub action_label: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
pub struct TasksPage {
    page: Page,
    owners: Vec<OwnerChoice>,
    week_href: String,
    show: &'static str,
    filters: Vec<FilterLink>,
    rows: Vec<TaskView>,
    empty: String,
    next_url: Option<String>,
    first_url: Option<String>,
    /// Where a row's form returns to: this list.
    back: String,
    command: String,
    error: Option<String>,
}

/// What a failed action leaves on the list.
#[derive(Debug, Default)]
struct Failure {
    task: Option<TaskId>,
    message: Option<String>,
}

/// The list's address for an owner, a filter and a page.
fn list_url(owner: Owner, show: Show, after: Option<TaskCursor>) -> String {
    let owner = owner.code();
    let mut pairs = vec![("owner", owner.clone()), ("show", show.code().to_owned())];
    if let Some(cursor) = after {
        pairs.push(("after_key", cursor.key.to_string()));
        pairs.push(("after_id", cursor.id.to_string()));
    }
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    format!("/tasks?{}", query_string(&pairs))
}

/// What a task is about, named: a customer (from the customers model) or
/// a deal, and where it links to.
fn about(
    customers: &projections::models::customers::Customers,
    tr: Tr,
    link: Option<Link>,
) -> (String, Option<String>) {
    match link {
        Some(Link::Party(party)) => (
            customers
                .resolve(party)
                .map(|row| row.display_name.clone())
                .unwrap_or_else(|| tr.t("tasks-about-customer")),
            Some(format!("/customers/{party}")),
        ),
        Some(Link::Deal(_)) => (tr.t("tasks-about-deal"), Some("/pipeline".to_owned())),
        None => (String::new(), None),
    }
}

fn task_view(tr: Tr, row: &TaskRow, now: DateTime<Utc>, failure: &Failure) -> TaskView {
    let lang = tr.lang;
    TaskView {
        id: row.id.to_string(),
        title: row.title.clone(),
        due: row
            .due
            .map_or_else(|| tr.t("tasks-no-due"), |due| format::date_time(lang, due)),
        overdue: row.status == TaskStatus::Open && row.due.is_some_and(|due| due < now),
        priority: tr.t(&format!("task-priority-{}", row.priority.code())),
        about: String::new(),
        about_href: None,
        version: row.version.to_string(),
        action: if row.status == TaskStatus::Completed {
            "reopen"
        } else {
            "complete"
        },
        action_label: if row.status == TaskStatus::Completed {
            tr.t("tasks-reopen")
        } else {
            tr.t("tasks-complete")
        },
        error: (failure.task == Some(row.id))
            .then(|| failure.message.clone())
            .flatten(),
    }
}

fn render_list(
    state: &AppState,
    viewer: &Viewer,
    query: &ListQuery,
    failure: Failure,
    status: StatusCode,
) -> Response {
    let lang = viewer.lang;
    let owner = Owner::asked(state, &query.owner, viewer);
    let show = Show::parse(&query.show);
    let after = match (&query.after_key, &query.after_id) {
        (Some(key), Some(id)) => match (key.parse::<i64>(), id.parse::<TaskId>()) {
            (Ok(key), Ok(id)) => Some(TaskCursor { key, id }),
            _ => None,
        },
        _ => None,
    };
    let now = state.app.clock.now();
    let back = list_url(owner, show, after);
    let page = Page::new(viewer, Section::Tasks, "tasks-title", back.clone());
    let tr = page.tr;
    let (known, counts, rows, next, links) = state.read_models.tasks.read(|tasks| {
        let counts: Vec<(Show, usize)> = Show::ALL
            .into_iter()
            .map(|each| {
                let count = match each {
                    Show::Completed => tasks.completed_count(owner.0),
                    open => tasks.due_count(owner.0, open.window(now)),
                };
                (each, count)
            })
            .collect();
        let found = match show {
            Show::Completed => tasks.completed_page(owner.0, after, LIST_PAGE_ROWS),
            open => tasks.due_page(owner.0, open.window(now), after, LIST_PAGE_ROWS),
        };
        let rows: Vec<TaskView> = found
            .rows
            .iter()
            .map(|row| task_view(tr, row, now, &failure))
            .collect();
        let links: Vec<Option<Link>> = found.rows.iter().map(|row| row.link).collect();
        (tasks.assignees(), counts, rows, found.next, links)
    });
    // Customer names come from another model, read after the tasks lock.
    let rows: Vec<TaskView> = state.read_models.customers.read(|customers| {
        rows.into_iter()
            .zip(links)
            .map(|(mut row, link)| {
                (row.about, row.about_href) = about(customers, tr, link);
                row
            })
            .collect()
    });
    let filters = counts
        .into_iter()
        .map(|(each, count)| FilterLink {
            code: each.code(),
            href: list_url(owner, each, None),
            label: tr.t1(
                &format!("tasks-show-{}", each.code()),
                "count",
                &format::integer(lang, i64::try_from(count).unwrap_or(i64::MAX)),
            ),
            current: each == show,
        })
        .collect();
    // A failure about a task this list does not show stands above it.
    let shown_on_row = rows.iter().any(|row: &TaskView| row.error.is_some());
    let error = (!shown_on_row).then_some(failure.message).flatten();
    let page = TasksPage {
        owners: owner_choices(state, tr, known, owner, viewer),
        week_href: format!("/calendar?{}", query_string(&[("owner", &owner.code())])),
        show: show.code(),
        filters,
        rows,
        empty: tr.t(&format!("tasks-none-{}", show.code())),
        next_url: next.map(|cursor| list_url(owner, show, Some(cursor))),
        first_url: after.map(|_| list_url(owner, show, None)),
        back,
        command: state.app.new_id().to_string(),
        error,
        page,
    };
    (status, page).into_response()
}

/// `GET /tasks?owner&show&after_key&after_id`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Response {
    render_list(&state, &viewer, &query, Failure::default(), StatusCode::OK)
}

/// A row's form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct RowForm {
    #[serde(default)]
    command: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    back: String,
}

/// The list a form came from, read back from its `back` field; only a
/// path of this page is followed (never another site).
fn back_query(back: &str) -> (String, ListQuery) {
    let query = back
        .strip_prefix("/tasks?")
        .filter(|_| back.len() <= BACK_CHARS_MAX)
        .and_then(|query| serde_urlencoded::from_str::<ListQuery>(query).ok());
    match query {
        Some(query) => (back.to_owned(), query),
        None => ("/tasks".to_owned(), ListQuery::default()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskAction {
    Complete,
    Reopen,
}

async fn act(
    state: &AppState,
    viewer: &Viewer,
    raw_id: &str,
    form: RowForm,
    action: TaskAction,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let (location, list) = back_query(&form.back);
    let task = raw_id.parse::<TaskId>().ok().filter(|id| {
        state
            .read_models
            .tasks
            .read(|tasks| tasks.get(*id).is_some())
    });
    let Some(task) = task else {
        let failure = Failure {
            task: None,
            message: Some(tr.t("form-not-found")),
        };
        return render_list(state, viewer, &list, failure, StatusCode::NOT_FOUND);
    };
    // One page carries one command id for all its rows: each task and
    // action derives its own.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!("{task}/{action:?}").as_bytes(),
    );
    let command = match action {
        TaskAction::Complete => TaskCommand::Complete,
        TaskAction::Reopen => TaskCommand::Reopen,
    };
    let run = app::Run {
        command_id,
        expected_version: form.version.parse::<u64>().ok(),
    };
    let result = forms::execute_as::<Task, _>(state, viewer, run, task, command).await;
    match result {
        Ok(executed) => forms::redirect_after(state, executed.last_position, &location).await,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            let failure = Failure {
                task: Some(task),
                message: errors.form,
            };
            render_list(
                state,
                viewer,
                &list,
                failure,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// A row action's handler: the path's task, the posted form.
macro_rules! task_handler {
    ($(#[$doc:meta])* $name:ident, $action:expr) => {
        $(#[$doc])*
        pub async fn $name(
            State(state): State<AppState>,
            viewer: Viewer,
            Path(id): Path<String>,
            Form(form): Form<RowForm>,
        ) -> Response {
            act(&state, &viewer, &id, form, $action).await
        }
    };
}

task_handler!(
    /// `POST /tasks/{id}/complete`.
    complete,
    TaskAction::Complete
);
task_handler!(
    /// `POST /tasks/{id}/reopen`.
    reopen,
    TaskAction::Reopen
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeZone;
    use domain::ids::{GroupId, UserId};

    /// An owner survives a round trip through the query string, a group
    /// keeps its kind, and anything unreadable means "me".
    #[test]
    fn owners_round_trip_through_the_query_string() {
        let user = Owner(Assignee::User(UserId::from_uuid(Uuid::from_u128(7))));
        let group = Owner(Assignee::Group(GroupId::from_uuid(Uuid::from_u128(9))));
        assert_eq!(Owner::parse(&user.code()), Some(user));
        assert_eq!(Owner::parse(&group.code()), Some(group));
        assert_eq!(Owner::parse("group:nonsense"), None);
        assert_eq!(Owner::parse(""), None);
    }

    /// Overdue, today and upcoming split the open tasks at now and at
    /// the next midnight (UTC), without a gap or an overlap.
    #[test]
    fn the_due_windows_meet_at_now_and_at_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 15, 30, 0).unwrap();
        let midnight = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        assert_eq!(Show::Overdue.window(now).before, Some(now));
        assert_eq!(Show::Today.window(now).from, Some(now));
        assert_eq!(Show::Today.window(now).before, Some(midnight));
        assert_eq!(Show::Upcoming.window(now).from, Some(midnight));
        assert_eq!(Show::Upcoming.window(now).before, None);
        assert_eq!(Show::Open.window(now), DueWindow::default());
    }

    /// A row form returns only to a tasks list, and the list it names is
    /// shown again after a failure.
    #[test]
    fn a_row_form_returns_only_to_a_tasks_list() {
        let (location, query) = back_query("/tasks?show=overdue&owner=x");
        assert_eq!(location, "/tasks?show=overdue&owner=x");
        assert_eq!(query.show, "overdue");
        assert_eq!(back_query("https://elsewhere.example/").0, "/tasks");
        assert_eq!(back_query("//elsewhere.example/tasks?").0, "/tasks");
    }
}
