//! The pipelines page (issue 17): every pipeline with its stages in board
//! order, and for those who manage pipelines (a sales grant over every
//! record: administrators and directors) forms to define a pipeline,
//! rename it, add a stage, rename a stage or change its probability, move
//! it up or down, and retire it. Each form is one pipeline command through
//! `App::execute`; a refusal (a duplicate stage name, the last stage) is
//! shown at that pipeline with the typing kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module, Permission, Reach};
use domain::ids::{PipelineId, StageId, derived};
use domain::pipeline::{DefinePipeline, NewStage, Pipeline, PipelineCommand, Probability};
use domain::values::Label;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer};
use crate::AppState;

/// Most stage lines a new pipeline's form takes.
const NEW_STAGES_MAX: usize = 20;

/// Any of the page's forms as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PipelineForm {
    #[serde(default)]
    name: String,
    /// A new pipeline's stages, one per line: `Name, probability`.
    #[serde(default)]
    stages: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    command: String,
}

/// A stage's line.
#[derive(Debug)]
pub struct StageLine {
    id: String,
    name: String,
    probability: u8,
    up: Option<usize>,
    down: Option<usize>,
}

/// A pipeline's block.
#[derive(Debug)]
pub struct PipelineBlock {
    id: String,
    name: String,
    stages: Vec<StageLine>,
    retired: Vec<String>,
    /// What a failed form at this pipeline said.
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pipelines.html")]
pub struct PipelinesPage {
    page: Page,
    pipelines: Vec<PipelineBlock>,
    can_manage: bool,
    form: PipelineForm,
    errors: FormErrors,
    command: Uuid,
}

/// Whether the viewer may change pipelines: they are shared records, so
/// only a grant over every record changes them (`app`'s rule).
fn can_manage(viewer: &Viewer) -> bool {
    viewer.principal.as_ref().is_some_and(|principal| {
        principal
            .grants
            .reach(Permission::new(Module::Sales, Action::Edit))
            == Some(Reach::All)
    })
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    failed: Option<(Option<PipelineId>, PipelineForm, FormErrors)>,
) -> Response {
    let page = Page::new(
        viewer,
        Section::Pipeline,
        "pipelines-title",
        "/pipeline/settings".to_owned(),
    );
    let (at, form, errors) = failed.unwrap_or_default();
    let mut pipelines: Vec<PipelineBlock> = state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .map(|row| {
                let last = row.stages.len().saturating_sub(1);
                PipelineBlock {
                    id: row.id.to_string(),
                    name: row.name.clone(),
                    stages: row
                        .stages
                        .iter()
                        .enumerate()
                        .map(|(index, stage)| StageLine {
                            id: stage.id.to_string(),
                            name: stage.name.clone(),
                            probability: stage.probability,
                            up: index.checked_sub(1),
                            down: (index < last).then_some(index + 1),
                        })
                        .collect(),
                    retired: row.retired.iter().map(|stage| stage.name.clone()).collect(),
                    error: None,
                }
            })
            .collect()
    });
    let mut errors = errors;
    if let Some(at) = at
        && let Some(block) = pipelines
            .iter_mut()
            .find(|block| block.id == at.to_string())
    {
        block.error = errors.form.take();
    }
    let status = if errors.is_empty() && pipelines.iter().all(|block| block.error.is_none()) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let command = forms::command_id(&state.app, &form.command);
    let page = PipelinesPage {
        page,
        pipelines,
        can_manage: can_manage(viewer),
        form,
        errors,
        command,
    };
    (status, page).into_response()
}

/// `GET /pipeline/settings`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(&state, &viewer, None)
}

/// A new pipeline's stage lines (`Name, probability`), or the line that
/// is wrong.
fn stage_lines(pipeline: PipelineId, text: &str) -> Result<Vec<NewStage>, ()> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() || lines.len() > NEW_STAGES_MAX {
        return Err(());
    }
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let (name, percent) = line.rsplit_once(',').ok_or(())?;
            let percent = percent
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse::<i64>()
                .map_err(|_| ())?;
            Ok(NewStage {
                stage_id: StageId::from_uuid(derived(
                    pipeline.as_uuid(),
                    format!("stage-{index}").as_bytes(),
                )),
                name: Label::parse("stages", name).map_err(|_| ())?,
                probability: Probability::parse("stages", percent).map_err(|_| ())?,
            })
        })
        .collect()
}

/// `POST /pipeline/settings`: defines a pipeline.
pub async fn define(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PipelineForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let command_id = forms::command_id(&state.app, &form.command);
    let id = PipelineId::from_uuid(derived(command_id, b"pipeline"));
    let mut errors = FormErrors::default();
    let name = Label::parse("name", &form.name)
        .map_err(|_| errors.add("name", tr.t("form-required-line")))
        .ok();
    let stages = stage_lines(id, &form.stages)
        .map_err(|()| errors.add("stages", tr.t("pipelines-stages-invalid")))
        .ok();
    let (Some(name), Some(stages)) = (name, stages) else {
        return render(&state, &viewer, Some((None, form, errors)));
    };
    let command = PipelineCommand::Define(DefinePipeline { name, stages });
    run(&state, &viewer, id, command, command_id, (None, form)).await
}

/// Runs one pipeline command as the viewer; back to the page, or the page
/// with the refusal at the pipeline (or at the new pipeline's form).
async fn run(
    state: &AppState,
    viewer: &Viewer,
    id: PipelineId,
    command: PipelineCommand,
    command_id: Uuid,
    (at, form): (Option<PipelineId>, PipelineForm),
) -> Response {
    let tr = Tr::new(viewer.lang);
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let done = forms::execute_as::<Pipeline, _>(state, viewer, run, id, command).await;
    match done {
        Ok(executed) => {
            forms::redirect_after(state, executed.last_position, "/pipeline/settings").await
        }
        Err(error) => refused(state, viewer, tr, &error, (at, form)),
    }
}

/// The page with a command's refusal at the pipeline it was about (or at
/// the new pipeline's form), in words for the pipeline's own rules.
fn refused(
    state: &AppState,
    viewer: &Viewer,
    tr: Tr,
    error: &app::commands::CommandError,
    (at, form): (Option<PipelineId>, PipelineForm),
) -> Response {
    let mut errors = FormErrors::from_command(tr, error, &[("name", "name")]);
    if let app::commands::CommandError::Domain(domain::DomainError::Rejected { rule, .. }) = error {
        let message = match *rule {
            "pipeline.duplicate_stage_name" => Some("pipelines-duplicate-stage"),
            "pipeline.last_stage" => Some("pipelines-last-stage"),
            "pipeline.too_many_stages" => Some("pipelines-too-many-stages"),
            _ => None,
        };
        if let Some(message) = message {
            errors.form = Some(tr.t(message));
        }
    }
    render(state, viewer, Some((at, form, errors)))
}

/// `POST /pipeline/settings/{id}/{rename,add-stage,stage,move,retire}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<PipelineForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(id) = raw.parse::<PipelineId>().ok().filter(|id| {
        state
            .read_models
            .pipeline_board
            .read(|board| board.pipeline(*id).is_some())
    }) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    // The page's forms share one command id: each form's derives from it,
    // its action and the stage it is about, so a second form sent from a
    // page shown again after a refusal is not taken for a repeat.
    let command_id = Uuid::new_v5(
        &forms::command_id(&state.app, &form.command),
        format!("{action}/{}/{}", form.stage.trim(), form.position.trim()).as_bytes(),
    );
    let stage = form.stage.trim().parse::<StageId>();
    let invalid = |form: PipelineForm, message: &str| {
        let mut errors = FormErrors::default();
        errors.form = Some(tr.t(message));
        render(&state, &viewer, Some((Some(id), form, errors)))
    };
    let name = Label::parse("name", &form.name);
    let probability = form
        .probability
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|percent| Probability::parse("probability", percent).ok());
    let command = match (action.as_str(), stage) {
        ("rename", _) => match name {
            Ok(name) => PipelineCommand::Rename { name },
            Err(_) => return invalid(form, "pipelines-name-invalid"),
        },
        ("add-stage", _) => match (name, probability) {
            (Ok(name), Some(probability)) => PipelineCommand::AddStage {
                stage: NewStage {
                    stage_id: StageId::from_uuid(derived(command_id, b"stage")),
                    name,
                    probability,
                },
                position: None,
            },
            _ => return invalid(form, "pipelines-stage-invalid"),
        },
        ("stage", Ok(stage_id)) => {
            // One form for a stage's name and probability: each change its
            // own command, under an id derived from the form's.
            let (Ok(name), Some(probability)) = (name, probability) else {
                return invalid(form, "pipelines-stage-invalid");
            };
            let rename = PipelineCommand::RenameStage { stage_id, name };
            let run_rename = app::Run {
                command_id: Uuid::new_v5(&command_id, b"name"),
                expected_version: None,
            };
            let renamed =
                forms::execute_as::<Pipeline, _>(&state, &viewer, run_rename, id, rename).await;
            // The name unchanged is no event; another stage's name is
            // refused and said at the pipeline.
            if let Err(error) = renamed {
                return refused(&state, &viewer, tr, &error, (Some(id), form));
            }
            PipelineCommand::SetStageProbability {
                stage_id,
                probability,
            }
        }
        ("move", Ok(stage_id)) => match form.position.trim().parse::<u32>() {
            Ok(position) => PipelineCommand::MoveStage { stage_id, position },
            Err(_) => return invalid(form, "form-choose"),
        },
        ("retire", Ok(stage_id)) => PipelineCommand::RetireStage { stage_id },
        ("stage" | "move" | "retire", Err(_)) => return invalid(form, "form-choose"),
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    run(
        &state,
        &viewer,
        id,
        command,
        Uuid::new_v5(&command_id, action.as_bytes()),
        (Some(id), form),
    )
    .await
}
