//! The administrators' groups page: every group with its members by
//! name; a group is formed, renamed, given and relieved of members,
//! disbanded and reinstated in place. A task for a group is each
//! member's (`domain::group`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::group::{Group, GroupCommand};
use domain::ids::{GroupId, UserId};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use app::commands::CommandError;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

const PAGE: &str = "/admin/groups";

/// A group form as typed: a name (form, rename) or a user (members).
#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    user: String,
    /// The form's command id: a second click writes nothing twice.
    #[serde(default)]
    command: String,
}

/// A member of a group's line.
#[derive(Debug)]
pub struct MemberLine {
    id: Uuid,
    name: String,
}

/// A group's line.
#[derive(Debug)]
pub struct GroupLine {
    id: Uuid,
    name: String,
    disbanded: bool,
    members: Vec<MemberLine>,
    /// The users who are not members yet, for the "add" select.
    others: Vec<OwnedChoice>,
    command: Uuid,
}

#[derive(Template, WebTemplate)]
#[template(path = "groups.html")]
pub struct GroupsPage {
    page: Page,
    groups: Vec<GroupLine>,
    form: GroupForm,
    command: Uuid,
    errors: FormErrors,
}

/// The page, with the new-group form as typed and what a submission
/// found.
fn render(state: &AppState, viewer: &Viewer, form: GroupForm, errors: FormErrors) -> Response {
    let page = Page::new(viewer, Section::Users, "groups-title", PAGE.to_owned());
    let groups: Vec<GroupLine> = state.read_models.users.read(|users| {
        let mut people: Vec<(UserId, String)> = users
            .users()
            .filter(|(_, row)| !row.disabled)
            .map(|(id, row)| (id, row.display_name.clone()))
            .collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        users
            .groups()
            .into_iter()
            .map(|(id, row)| {
                let mut members: Vec<MemberLine> = row
                    .members
                    .iter()
                    .map(|member| MemberLine {
                        id: member.as_uuid(),
                        name: users
                            .user(*member)
                            .map_or_else(|| member.to_string(), |user| user.display_name.clone()),
                    })
                    .collect();
                members.sort_by(|a, b| a.name.cmp(&b.name));
                let others = people
                    .iter()
                    .filter(|(user, _)| !row.members.contains(user))
                    .map(|(user, name)| OwnedChoice {
                        value: user.to_string(),
                        label: name.clone(),
                        selected: false,
                    })
                    .collect();
                GroupLine {
                    id: id.as_uuid(),
                    name: row.name.clone(),
                    disbanded: row.disbanded,
                    members,
                    others,
                    command: state.app.new_id(),
                }
            })
            .collect()
    });
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    let page = GroupsPage {
        page,
        groups,
        form,
        command,
        errors,
    };
    (status, page).into_response()
}

/// `GET /admin/groups`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(&state, &viewer, GroupForm::default(), FormErrors::default())
}

fn name_of(tr: Tr, form: &GroupForm, errors: &mut FormErrors) -> Option<Label> {
    Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-invalid")))
        .ok()
}

fn refusal(tr: Tr, error: &CommandError) -> FormErrors {
    FormErrors::from_command(tr, error, &[("name", "name"), ("user", "user")])
}

/// `POST /admin/groups`: forms a group.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<GroupForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let command_id = forms::command_id(&state.app, &form.command);
    let Some(name) = name_of(tr, &form, &mut errors) else {
        return render(&state, &viewer, form, errors);
    };
    let id = GroupId::from_uuid(domain::ids::derived(command_id, b"group"));
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let formed =
        forms::execute_as::<Group, _>(&state, &viewer, run, id, GroupCommand::Form { name }).await;
    match formed {
        Ok(executed) => forms::redirect_after(&state, executed.last_position, PAGE).await,
        Err(error) => render(&state, &viewer, form, refusal(tr, &error)),
    }
}

/// `POST /admin/groups/{id}/{rename,add,remove,disband,reinstate}`. A
/// refusal stands at the top of the page: the row's forms are small.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<GroupForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(id) = id.parse::<GroupId>() else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let user = || form.user.trim().parse::<UserId>().ok();
    let command = match action.as_str() {
        "rename" => name_of(tr, &form, &mut errors).map(|name| GroupCommand::Rename { name }),
        "add" => user().map(|user| GroupCommand::AddMember { user }),
        "remove" => user().map(|user| GroupCommand::RemoveMember { user }),
        "disband" => Some(GroupCommand::Disband),
        "reinstate" => Some(GroupCommand::Reinstate),
        _ => {
            return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
        }
    };
    let Some(command) = command else {
        let mut errors = FormErrors::default();
        errors.form = Some(tr.t(if action == "rename" {
            "groups-name-invalid"
        } else {
            "groups-choose-user"
        }));
        return render(&state, &viewer, GroupForm::default(), errors);
    };
    if let GroupCommand::AddMember { user } = command {
        let known = state
            .read_models
            .users
            .read(|users| users.user(user).is_some_and(|row| !row.disabled));
        if !known {
            errors.form = Some(tr.t("groups-choose-user"));
            return render(&state, &viewer, GroupForm::default(), errors);
        }
    }
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    match forms::execute_as::<Group, _>(&state, &viewer, run, id, command).await {
        Ok(executed) => forms::redirect_after(&state, executed.last_position, PAGE).await,
        Err(error) => {
            let mut errors = refusal(tr, &error);
            if errors.form.is_none()
                && let Some(message) = errors.take("name").or_else(|| errors.take("user"))
            {
                errors.form = Some(message);
            }
            render(&state, &viewer, GroupForm::default(), errors)
        }
    }
}
