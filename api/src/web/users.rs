//! The administrators' users page (`admin.administer`): every user with
//! roles and state, register one, disable or enable, set a new password.
//! Roles and branches of existing users are changed through the API
//! (`/api/v1/users/{id}/roles`, `/branch`).
//!
//! Every change goes through [`crate::auth::execute_on_user`] as the
//! signed-in administrator, like the API's.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Login, Role, UserCommand};
use domain::ids::{BranchId, UserId};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::branch_names::{branch_choices, branch_name};
use super::forms::OwnedChoice;
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;
use crate::auth::password::{self, NewPassword};
use crate::auth::{self, Principal};

/// A user's line.
pub struct UserLine {
    id: Uuid,
    login: String,
    name: String,
    roles: String,
    state: String,
    disabled: bool,
    myself: bool,
    /// Every role, ticked when the user holds it.
    held: Vec<(&'static str, bool)>,
    /// The branch's id, its name and the choices of its select.
    branch_id: Option<BranchId>,
    branch: String,
    branches: Vec<OwnedChoice>,
}

/// The registration form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    branch: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    page: Page,
    users: Vec<UserLine>,
    roles: Vec<(&'static str, bool)>,
    form: RegisterForm,
    new_branches: Vec<OwnedChoice>,
    notice: Option<String>,
    error: Option<String>,
}

fn page(
    state: &AppState,
    viewer: &Viewer,
    principal: &Principal,
    form: RegisterForm,
    chosen: &[Role],
    (notice, error): (Option<String>, Option<String>),
) -> Response {
    let page = Page::new(
        viewer,
        Section::Users,
        "users-title",
        "/admin/users".to_owned(),
    );
    let tr = page.tr;
    let mut users: Vec<UserLine> = state.read_models.users.read(|users| {
        users
            .users()
            .map(|(id, user)| UserLine {
                id: id.as_uuid(),
                login: user.login.clone(),
                name: user.display_name.clone(),
                roles: user
                    .roles
                    .iter()
                    .map(|role| role.key())
                    .collect::<Vec<_>>()
                    .join(", "),
                state: tr.t(if user.disabled {
                    "users-disabled"
                } else {
                    "users-active"
                }),
                disabled: user.disabled,
                myself: id == principal.user,
                held: Role::ALL
                    .iter()
                    .map(|role| (role.key(), user.roles.contains(role)))
                    .collect(),
                branch_id: user.branch,
                branch: String::new(),
                branches: Vec::new(),
            })
            .collect()
    });
    users.sort_by(|a, b| a.login.cmp(&b.login));
    // Named outside the directory's lock, which naming takes again.
    for user in &mut users {
        user.branch = branch_name(state, tr, user.branch_id);
        let current = user.branch_id.map(|branch| branch.to_string());
        user.branches = branch_choices(state, tr, current.as_deref().unwrap_or_default());
    }
    let new_branches = branch_choices(state, tr, &form.branch);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let roles = Role::ALL
        .iter()
        .map(|role| (role.key(), chosen.contains(role)))
        .collect();
    (
        status,
        UsersPage {
            page,
            users,
            roles,
            form,
            new_branches,
            notice,
            error,
        },
    )
        .into_response()
}

/// `GET /admin/users`.
pub async fn list(State(state): State<AppState>, viewer: Viewer, principal: Principal) -> Response {
    page(
        &state,
        &viewer,
        &principal,
        RegisterForm::default(),
        &[],
        (None, None),
    )
}

/// `POST /admin/users`: the form posts one `role` per ticked box, so it is
/// read as pairs.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map_or(String::new(), |(_, value)| value.clone())
    };
    let roles: Vec<Role> = pairs
        .iter()
        .filter(|(key, _)| key == "role")
        .filter_map(|(_, value)| Role::parse(value))
        .collect();
    let form = RegisterForm {
        login: field("login"),
        display_name: field("display_name"),
        branch: field("branch"),
    };
    let password_text = field("password");
    let result = async {
        let login = Login::parse("login", &form.login)?;
        let display_name = Label::parse("display_name", &form.display_name)?;
        let branch = match form.branch.trim() {
            "" => None,
            text => Some(BranchId::from_uuid(text.parse::<Uuid>().map_err(|_| {
                domain::DomainError::invalid("branch", "expected a branch id")
            })?)),
        };
        let new_password = NewPassword::parse("password", &password_text)?;
        let hash = password::hash(&new_password)
            .await
            .map_err(|error| domain::DomainError::invalid("password", error.to_string()))?;
        let id = login.user_id();
        let command = UserCommand::Register {
            login,
            display_name,
            roles: roles.clone(),
            branch,
            password: hash,
        };
        auth::run_user_command(&state, &principal, id, command, state.app.new_id(), None)
            .await
            .map_err(|error| match error {
                app::commands::CommandError::Domain(error) => error,
                other => domain::DomainError::invalid("login", other.to_string()),
            })
    }
    .await;
    match result {
        Ok(_) => page(
            &state,
            &viewer,
            &principal,
            RegisterForm::default(),
            &[],
            (Some(tr.t("users-registered")), None),
        ),
        Err(error) => page(
            &state,
            &viewer,
            &principal,
            form,
            &roles,
            (None, Some(error.to_string())),
        ),
    }
}

/// Runs `command` on user `id` and goes back to the list.
async fn change(
    state: &AppState,
    viewer: &Viewer,
    principal: &Principal,
    id: &str,
    command: impl FnOnce(UserId) -> Result<UserCommand, domain::DomainError>,
) -> Response {
    let Some(user) = id.parse::<UserId>().ok().filter(|user| {
        state
            .read_models
            .users
            .read(|users| users.user(*user).is_some())
    }) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let outcome = match command(user) {
        Ok(command) => {
            auth::run_user_command(state, principal, user, command, state.app.new_id(), None)
                .await
                .map_err(|error| error.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    match outcome {
        Ok(_) => {
            if let Err(error) = state.auth.sessions.remove_all_of(user) {
                tracing::error!(%error, "failed to end a user's sessions");
            }
            Redirect::to("/admin/users").into_response()
        }
        Err(error) => page(
            state,
            viewer,
            principal,
            RegisterForm::default(),
            &[],
            (None, Some(error)),
        ),
    }
}

/// `POST /admin/users/{id}/disable`: sessions and tokens stop.
pub async fn disable(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
) -> Response {
    let myself = principal.user;
    change(&state, &viewer, &principal, &id, |user| {
        if user == myself {
            Err(domain::DomainError::rejected(
                "user.disable_self",
                "administrators cannot disable themselves",
            ))
        } else {
            Ok(UserCommand::Disable)
        }
    })
    .await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
) -> Response {
    change(&state, &viewer, &principal, &id, |_| {
        Ok(UserCommand::Enable)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// `POST /admin/users/{id}/password`: a reset; the user's sessions end.
pub async fn set_password(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let hash = match NewPassword::parse("password", &form.password) {
        Ok(new_password) => password::hash(&new_password)
            .await
            .map_err(|error| domain::DomainError::invalid("password", error.to_string())),
        Err(error) => Err(error),
    };
    change(&state, &viewer, &principal, &id, move |_| {
        hash.map(UserCommand::ChangePassword)
    })
    .await
}

/// `POST /admin/users/{id}/roles`: the roles ticked (one `role` per box);
/// the user's sessions end, so the new roles hold from their next page.
pub async fn set_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let roles: Vec<Role> = pairs
        .iter()
        .filter(|(key, _)| key == "role")
        .filter_map(|(_, value)| Role::parse(value))
        .collect();
    change(&state, &viewer, &principal, &id, move |_| {
        Ok(UserCommand::ChangeRoles(roles))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct BranchForm {
    #[serde(default)]
    branch: String,
}

/// `POST /admin/users/{id}/branch`: the branch (its id; blank for none).
pub async fn set_branch(
    State(state): State<AppState>,
    viewer: Viewer,
    principal: Principal,
    Path(id): Path<String>,
    Form(form): Form<BranchForm>,
) -> Response {
    let branch = match form.branch.trim() {
        "" => Ok(None),
        text => text
            .parse::<Uuid>()
            .map(|id| Some(BranchId::from_uuid(id)))
            .map_err(|_| domain::DomainError::invalid("branch", "expected a branch id")),
    };
    change(&state, &viewer, &principal, &id, move |_| {
        branch.map(UserCommand::ChangeBranch)
    })
    .await
}
