//! The warehouses page: every warehouse within the viewer's reach with
//! its branch (by name), whether it may go below zero and whether it is
//! open; a form to open one, and per warehouse rename, allow or forbid
//! negative stock, and close. A storekeeper sees and opens warehouses of
//! their own branch only (`app`'s rule; the form offers no other).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module, Permission, Reach};
use domain::ids::{BranchId, WarehouseId};
use domain::inventory::{Warehouse, WarehouseCommand};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::branch_names::{branch_choices, branch_name};
use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

/// A warehouse as typed: its name, branch and negative-stock setting.
#[derive(Debug, Default, Deserialize)]
pub struct WarehouseForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    branch: String,
    /// A ticked box sends `on`.
    #[serde(default)]
    negative: Option<String>,
    /// The form's command id: a second click writes nothing twice.
    #[serde(default)]
    command: String,
}

/// A warehouse's line.
#[derive(Debug)]
pub struct WarehouseLine {
    id: Uuid,
    name: String,
    branch: String,
    negative: bool,
    closed: bool,
    command: Uuid,
}

#[derive(Template, WebTemplate)]
#[template(path = "warehouses.html")]
pub struct WarehousesPage {
    page: Page,
    warehouses: Vec<WarehouseLine>,
    branches: Vec<OwnedChoice>,
    form: WarehouseForm,
    command: Uuid,
    errors: FormErrors,
}

/// The branch a narrow (branch) grant to open warehouses confines the
/// viewer to, if it does.
fn confined_to(viewer: &Viewer) -> Option<Option<BranchId>> {
    let principal = viewer.principal.as_ref()?;
    let create = Permission::new(Module::Inventory, Action::Create);
    (principal.grants.reach(create) == Some(Reach::Branch)).then_some(principal.branch)
}

fn render(state: &AppState, viewer: &Viewer, form: WarehouseForm, errors: FormErrors) -> Response {
    let page = Page::new(
        viewer,
        Section::Catalog,
        "warehouses-title",
        "/catalog/warehouses".to_owned(),
    );
    let tr = page.tr;
    let hidden = viewer
        .principal
        .as_ref()
        .and_then(|principal| crate::http::scope::warehouses_out_of_reach(state, principal))
        .unwrap_or_default();
    let rows: Vec<(WarehouseId, String, Option<BranchId>, bool, bool)> =
        state.read_models.stock.read(|stock| {
            stock
                .warehouses()
                .into_iter()
                .filter(|(id, _)| !hidden.contains(&id.as_uuid()))
                .map(|(id, info)| {
                    (
                        id,
                        info.name.clone(),
                        info.branch,
                        info.allows_negative_stock,
                        info.closed,
                    )
                })
                .collect()
        });
    let warehouses = rows
        .into_iter()
        .map(|(id, name, branch, negative, closed)| WarehouseLine {
            id: id.as_uuid(),
            name,
            branch: branch_name(state, tr, branch),
            negative,
            closed,
            command: state.app.new_id(),
        })
        .collect();
    let branches = match confined_to(viewer) {
        // Their own branch only: the use case refuses any other.
        Some(own) => branch_choices(state, tr, &own.map(|b| b.to_string()).unwrap_or_default())
            .into_iter()
            .filter(|choice| choice.selected)
            .collect(),
        None => branch_choices(state, tr, &form.branch),
    };
    let status = errors.status();
    let command = forms::command_id(&state.app, &form.command);
    let page = WarehousesPage {
        page,
        warehouses,
        branches,
        form,
        command,
        errors,
    };
    (status, page).into_response()
}

/// `GET /catalog/warehouses`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(
        &state,
        &viewer,
        WarehouseForm::default(),
        FormErrors::default(),
    )
}

fn branch_of(tr: Tr, raw: &str, errors: &mut FormErrors) -> Option<Option<BranchId>> {
    match raw.trim() {
        "" => Some(None),
        raw => raw
            .parse::<BranchId>()
            .map(Some)
            .map_err(|_| errors.add("branch", tr.t("form-choose")))
            .ok(),
    }
}

/// `POST /catalog/warehouses`: opens a warehouse.
pub async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<WarehouseForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-invalid")))
        .ok();
    let branch = branch_of(tr, &form.branch, &mut errors);
    let (Some(name), Some(branch)) = (name, branch) else {
        return render(&state, &viewer, form, errors);
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let id = WarehouseId::from_uuid(domain::ids::derived(command_id, b"warehouse"));
    let command = WarehouseCommand::Open {
        name,
        branch,
        allows_negative_stock: form.negative.is_some(),
    };
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let opened = forms::execute_as::<Warehouse, _>(&state, &viewer, run, id, command).await;
    match opened {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/catalog/warehouses").await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[("name", "name")]);
            render(&state, &viewer, form, errors)
        }
    }
}

/// `POST /catalog/warehouses/{id}/{rename,allow-negative,forbid-negative,close}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<WarehouseForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Ok(id) = id.parse::<WarehouseId>() else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let command = match action.as_str() {
        "rename" => match Label::parse("name", &form.name) {
            Ok(name) => WarehouseCommand::Rename(name),
            Err(_) => {
                let mut errors = FormErrors::default();
                errors.form = Some(tr.t("warehouses-name-blank"));
                return render(&state, &viewer, WarehouseForm::default(), errors);
            }
        },
        "allow-negative" => WarehouseCommand::AllowNegativeStock(true),
        "forbid-negative" => WarehouseCommand::AllowNegativeStock(false),
        "close" => WarehouseCommand::Close,
        _ => {
            return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
        }
    };
    let run = app::Run {
        command_id: forms::command_id(&state.app, &form.command),
        expected_version: None,
    };
    let done = forms::execute_as::<Warehouse, _>(&state, &viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(&state, executed.last_position, "/catalog/warehouses").await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(&state, &viewer, WarehouseForm::default(), errors)
        }
    }
}
