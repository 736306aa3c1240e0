//! The administrators' branches page: every branch with its code, name
//! and address, changed, closed and reopened in place; a form to open a
//! branch or to name one that is in use (by users, warehouses or
//! customers) but has no name yet. The writes are `app::branches`'.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::branch::{Branch, BranchCode, BranchCommand, BranchDetails};
use domain::error::DomainError;
use domain::ids::BranchId;
use domain::values::{Label, Text};
use serde::Deserialize;
use uuid::Uuid;

use app::commands::CommandError;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

/// A branch's details as typed, and (opening) the id in use it names.
#[derive(Debug, Default, Deserialize)]
pub struct BranchForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    /// The form's command id: a second click writes nothing twice.
    #[serde(default)]
    command: String,
}

/// A branch's line.
#[derive(Debug)]
pub struct BranchLine {
    id: Uuid,
    code: String,
    name: String,
    address: String,
    closed: bool,
    /// Where it is used: users and warehouses.
    used: String,
    command: Uuid,
}

#[derive(Template, WebTemplate)]
#[template(path = "branches.html")]
pub struct BranchesPage {
    page: Page,
    branches: Vec<BranchLine>,
    /// Ids in use without a name, for the open form's "for" select.
    unnamed: Vec<OwnedChoice>,
    form: BranchForm,
    command: Uuid,
    errors: FormErrors,
}

/// How many users, warehouses and customers name each branch id.
fn uses(state: &AppState) -> BTreeMap<BranchId, (usize, usize, usize)> {
    let mut uses: BTreeMap<BranchId, (usize, usize, usize)> = BTreeMap::new();
    state.read_models.users.read(|users| {
        for (_, user) in users.users() {
            if let Some(branch) = user.branch {
                uses.entry(branch).or_default().0 += 1;
            }
        }
    });
    state.read_models.stock.read(|stock| {
        for (_, warehouse) in stock.warehouses() {
            if let Some(branch) = warehouse.branch {
                uses.entry(branch).or_default().1 += 1;
            }
        }
    });
    state.read_models.customers.read(|customers| {
        for row in customers.rows() {
            if let Some(branch) = row.branch {
                uses.entry(branch).or_default().2 += 1;
            }
        }
    });
    uses
}

fn used_text(tr: Tr, (users, warehouses, customers): (usize, usize, usize)) -> String {
    let count = |n: usize| super::format::integer(tr.lang, i64::try_from(n).unwrap_or(i64::MAX));
    tr.counted(
        "branches-used",
        0,
        &[
            ("users", &count(users)),
            ("warehouses", &count(warehouses)),
            ("customers", &count(customers)),
        ],
    )
}

/// The page, with `form` as typed and what a submission found.
fn render(state: &AppState, viewer: &Viewer, form: BranchForm, errors: FormErrors) -> Response {
    let page = Page::new(
        viewer,
        Section::Users,
        "branches-title",
        "/admin/branches".to_owned(),
    );
    let tr = page.tr;
    let mut uses = uses(state);
    let branches: Vec<BranchLine> = state.read_models.users.read(|users| {
        users
            .branches()
            .into_iter()
            .map(|(id, row)| BranchLine {
                id: id.as_uuid(),
                code: row.code.clone(),
                name: row.name.clone(),
                address: row.address.clone().unwrap_or_default(),
                closed: row.closed,
                used: used_text(tr, uses.remove(&id).unwrap_or_default()),
                command: state.app.new_id(),
            })
            .collect()
    });
    // What is left is in use without a name.
    let mut unnamed = vec![OwnedChoice {
        value: String::new(),
        label: tr.t("branches-for-new"),
        selected: form.id.trim().is_empty(),
    }];
    unnamed.extend(uses.into_iter().map(|(id, used)| OwnedChoice {
        selected: form.id.trim() == id.to_string(),
        label: tr.t2(
            "branches-for-unnamed",
            "id",
            &id.to_string()[..8],
            "used",
            &used_text(tr, used),
        ),
        value: id.to_string(),
    }));
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    let page = BranchesPage {
        page,
        branches,
        unnamed,
        form,
        command,
        errors,
    };
    (status, page).into_response()
}

/// `GET /admin/branches`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(
        &state,
        &viewer,
        BranchForm::default(),
        FormErrors::default(),
    )
}

/// The details as typed, or the errors next to their fields.
fn details(tr: Tr, form: &BranchForm, errors: &mut FormErrors) -> Option<BranchDetails> {
    let code = BranchCode::parse("code", &form.code)
        .map_err(|_| errors.add("code", tr.t("branches-code-invalid")))
        .ok();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-invalid")))
        .ok();
    let address = match form.address.trim() {
        "" => Some(None),
        address => Text::parse("address", address)
            .map_err(|_| errors.add("address", tr.t("form-invalid")))
            .ok()
            .map(Some),
    };
    Some(BranchDetails {
        code: code?,
        name: name?,
        address: address?,
    })
}

/// A refusal in words, next to the code where it is about the code.
fn refusal(tr: Tr, error: &CommandError) -> FormErrors {
    if let CommandError::Domain(DomainError::Rejected { rule, .. }) = error
        && *rule == app::branches::CODE_TAKEN
    {
        let mut errors = FormErrors::default();
        errors.add("code", tr.t("branches-code-taken"));
        return errors;
    }
    FormErrors::from_command(
        tr,
        error,
        &[("code", "code"), ("name", "name"), ("address", "address")],
    )
}

/// `POST /admin/branches`: opens a branch, or names one in use.
pub async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<BranchForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let command_id = forms::command_id(&state.app, &form.command);
    let id = match form.id.trim() {
        "" => Some(BranchId::from_uuid(domain::ids::derived(
            command_id, b"branch",
        ))),
        raw => raw.parse::<BranchId>().ok(),
    };
    if id.is_none() {
        errors.add("id", tr.t("form-choose"));
    }
    let details = details(tr, &form, &mut errors);
    let (Some(id), Some(details)) = (id, details) else {
        return render(&state, &viewer, form, errors);
    };
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let opened = match viewer.caller() {
        Ok(caller) => {
            app::branches::open(&state.app, &state.read_models, &caller, run, id, details).await
        }
        Err(error) => Err(error),
    };
    match opened {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/admin/branches").await
        }
        Err(error) => render(&state, &viewer, form, refusal(tr, &error)),
    }
}

/// `POST /admin/branches/{id}/{change,close,reopen}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<BranchForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(id) = id.parse::<BranchId>() else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(error) => return render(&state, &viewer, BranchForm::default(), refusal(tr, &error)),
    };
    let done = match action.as_str() {
        "change" => {
            let mut errors = FormErrors::default();
            let Some(details) = details(tr, &form, &mut errors) else {
                // The change form is folded inside its row: say so at the
                // top, keeping the open form blank.
                let mut errors = FormErrors::default();
                errors.form = Some(tr.t("branches-change-invalid"));
                return render(&state, &viewer, BranchForm::default(), errors);
            };
            app::branches::change(&state.app, &state.read_models, &caller, run, id, details).await
        }
        "close" | "reopen" => {
            let command = if action == "close" {
                BranchCommand::Close
            } else {
                BranchCommand::Reopen
            };
            state
                .app
                .execute::<Branch, _>(&caller, run, id, command, None)
                .await
        }
        _ => {
            return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
        }
    };
    match done {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/admin/branches").await
        }
        Err(error) => {
            let mut errors = refusal(tr, &error);
            if let Some(message) = errors.take("code") {
                errors.form = Some(message);
            }
            render(&state, &viewer, BranchForm::default(), errors)
        }
    }
}
