//! Sales pipelines: define one with its stages, rename it, add, rename,
//! reprice, move and retire stages, read it, and read its board (the open
//! deals per stage, from the pipeline board read model). Stage ids derive
//! from the write's command id, so a retried definition or added stage
//! names the same stages.

use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{PipelineId, StageId, UserId, derived};
use domain::pipeline::{DefinePipeline, NewStage, Pipeline, PipelineCommand, Probability};
use domain::values::Label;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery, Versioned, WaitFor, WriteHeaders, Written};
use super::writes::{Changed, ChangedUnlessStale, Registered, aggregate_write};
use super::{TAG_DEALS, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define_pipeline))
        .routes(routes!(get_pipeline))
        .routes(routes!(rename_pipeline))
        .routes(routes!(add_stage))
        .routes(routes!(rename_stage))
        .routes(routes!(set_stage_probability))
        .routes(routes!(move_stage))
        .routes(routes!(retire_stage))
        .routes(routes!(pipeline_board))
}

/// A stage of a new pipeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    pub name: String,
    /// The probability a deal takes on entering the stage, 0 to 100.
    pub probability: i64,
}

/// A pipeline's name and its stages in order (at least one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinePipelineRequest {
    pub name: String,
    pub stages: Vec<StageRequest>,
}

/// A stage as the pipeline holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageResponse {
    pub id: Uuid,
    pub name: String,
    pub probability: u8,
}

/// A pipeline and its active stages in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineResponse {
    pub id: Uuid,
    pub name: String,
    pub stages: Vec<StageResponse>,
    pub version: Option<u64>,
}

/// Defines a pipeline with its stages; read it back for the stages' ids.
#[utoipa::path(post, path = "/pipelines", tag = TAG_DEALS,
    request_body = DefinePipelineRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Registered))]
async fn define_pipeline(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<DefinePipelineRequest>,
) -> Result<Written, ApiError> {
    let id = PipelineId::from_uuid(headers.new_id("pipeline"));
    let stages = request
        .stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            Ok(NewStage {
                stage_id: StageId::from_uuid(derived(
                    id.as_uuid(),
                    format!("stage-{index}").as_bytes(),
                )),
                name: Label::parse(&format!("stages[{index}].name"), &stage.name)?,
                probability: Probability::parse(
                    &format!("stages[{index}].probability"),
                    stage.probability,
                )?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let command = PipelineCommand::Define(DefinePipeline {
        name: Label::parse("name", &request.name)?,
        stages,
    });
    let executed = execute::<Pipeline, _>(&state, id, command, &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One pipeline with its active stages, with its stream version as `ETag`.
#[utoipa::path(get, path = "/pipelines/{id}", tag = TAG_DEALS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = PipelineResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_pipeline(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<PipelineResponse>, ApiError> {
    let (pipeline, version) = load::<Pipeline>(&state, id)?;
    let pipeline = pipeline.ok_or_else(|| ApiError::NotFound(format!("pipeline {id}")))?;
    Ok(Versioned(
        version,
        PipelineResponse {
            id,
            name: pipeline.name.clone(),
            stages: pipeline
                .active_stages()
                .map(|stage| StageResponse {
                    id: stage.stage_id.as_uuid(),
                    name: stage.name.clone(),
                    probability: stage.probability,
                })
                .collect(),
            version,
        },
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenamePipelineRequest {
    pub name: String,
}

/// A new stage and where it goes among the active stages (0 is first;
/// last when absent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddStageRequest {
    pub name: String,
    /// 0 to 100.
    pub probability: i64,
    pub position: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameStageRequest {
    pub stage: Uuid,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageProbabilityRequest {
    pub stage: Uuid,
    /// 0 to 100: what a deal entering the stage takes.
    pub probability: i64,
}

/// A stage's index among the active stages after the move (0 is first).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStageRequest {
    pub stage: Uuid,
    pub position: u32,
}

/// The stage that leaves the board (deals on it stay until moved).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireStageRequest {
    pub stage: Uuid,
}

aggregate_write! {
    /// Renames a pipeline.
    rename_pipeline: "/pipelines/{id}/rename", TAG_DEALS, Pipeline, RenamePipelineRequest, ChangedUnlessStale,
    |state, id, request, _headers| Ok(PipelineCommand::Rename {
        name: Label::parse("name", &request.name)?,
    })
}

aggregate_write! {
    /// Adds a stage; its id derives from the write (read the pipeline back
    /// for it).
    add_stage: "/pipelines/{id}/stages", TAG_DEALS, Pipeline, AddStageRequest, Changed,
    |state, id, request, headers| Ok(PipelineCommand::AddStage {
        stage: NewStage {
            stage_id: StageId::from_uuid(headers.new_id("stage")),
            name: Label::parse("name", &request.name)?,
            probability: Probability::parse("probability", request.probability)?,
        },
        position: request.position,
    })
}

aggregate_write! {
    /// Renames a stage (names are unique in a pipeline, ignoring case).
    rename_stage: "/pipelines/{id}/stages/rename", TAG_DEALS, Pipeline, RenameStageRequest, Changed,
    |state, id, request, _headers| Ok(PipelineCommand::RenameStage {
        stage_id: StageId::from_uuid(request.stage),
        name: Label::parse("name", &request.name)?,
    })
}

aggregate_write! {
    /// Sets the probability deals take on entering a stage.
    set_stage_probability: "/pipelines/{id}/stages/probability", TAG_DEALS, Pipeline, StageProbabilityRequest, ChangedUnlessStale,
    |state, id, request, _headers| Ok(PipelineCommand::SetStageProbability {
        stage_id: StageId::from_uuid(request.stage),
        probability: Probability::parse("probability", request.probability)?,
    })
}

aggregate_write! {
    /// Moves a stage to another place among the active stages.
    move_stage: "/pipelines/{id}/stages/move", TAG_DEALS, Pipeline, MoveStageRequest, ChangedUnlessStale,
    |state, id, request, _headers| Ok(PipelineCommand::MoveStage {
        stage_id: StageId::from_uuid(request.stage),
        position: request.position,
    })
}

aggregate_write! {
    /// Retires a stage: it leaves the board; a pipeline keeps one at least.
    retire_stage: "/pipelines/{id}/stages/retire", TAG_DEALS, Pipeline, RetireStageRequest, Changed,
    |state, id, request, _headers| Ok(PipelineCommand::RetireStage {
        stage_id: StageId::from_uuid(request.stage),
    })
}

/// Cards per column when the client does not say.
pub const BOARD_CARDS_DEFAULT: usize = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// Only this owner's deals.
    pub owner: Option<Uuid>,
    /// Deals shown per stage, largest amount first: 1 to 200, 20 when
    /// absent. Counts and totals cover every open deal of the stage.
    pub cards: Option<usize>,
}

/// A card of the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDeal {
    pub id: Uuid,
    pub title: String,
    pub party: Uuid,
    pub probability: u8,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub currency: String,
    pub expected_close: Option<chrono::NaiveDate>,
    pub owner: Uuid,
}

/// A stage's column: its largest open deals, and the count and sums
/// (per currency) of all of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardColumn {
    pub stage: StageResponse,
    pub deals: Vec<BoardDeal>,
    pub count: usize,
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub total: std::collections::BTreeMap<String, Decimal>,
    /// Amount × probability, per currency.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub weighted: std::collections::BTreeMap<String, Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardResponse {
    pub id: Uuid,
    pub name: String,
    pub columns: Vec<BoardColumn>,
}

fn by_currency(
    totals: projections::models::pipeline_board::Totals,
) -> std::collections::BTreeMap<String, Decimal> {
    totals
        .into_iter()
        .map(|(currency, amount)| (currency.as_str().to_owned(), amount))
        .collect()
}

/// A pipeline's board from the pipeline board read model: a column per
/// active stage with its open deals.
#[utoipa::path(get, path = "/pipelines/{id}/board", tag = TAG_DEALS,
    params(("id" = Uuid, Path), BoardParams, WaitFor),
    responses(
        (status = 200, body = BoardResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn pipeline_board(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<BoardParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<BoardResponse>, ApiError> {
    let cards = match params.cards {
        None => BOARD_CARDS_DEFAULT,
        Some(cards) if (1..=projections::PAGE_ROWS_MAX).contains(&cards) => cards,
        Some(_) => {
            return Err(ApiError::invalid(
                "cards",
                format!("must lie between 1 and {}", projections::PAGE_ROWS_MAX),
            ));
        }
    };
    wait.wait(&state).await?;
    // A sales manager's board holds their own deals only.
    let owner = principal
        .only_owner(domain::access::Module::Sales, domain::access::Action::Read)
        .or(params.owner.map(UserId::from_uuid));
    let board = state.read_models.pipeline_board.read(|model| {
        model
            .board(PipelineId::from_uuid(id), owner, cards)
            .map(|board| BoardResponse {
                id,
                name: board.pipeline.name.clone(),
                columns: board
                    .columns
                    .into_iter()
                    .map(|column| BoardColumn {
                        stage: StageResponse {
                            id: column.stage.id.as_uuid(),
                            name: column.stage.name.clone(),
                            probability: column.stage.probability,
                        },
                        deals: column
                            .deals
                            .iter()
                            .map(|deal| BoardDeal {
                                id: deal.id.as_uuid(),
                                title: deal.title.clone(),
                                party: deal.party.as_uuid(),
                                probability: deal.probability,
                                amount: deal.amount.amount(),
                                currency: deal.amount.currency().as_str().to_owned(),
                                expected_close: deal.expected_close,
                                owner: deal.owner.as_uuid(),
                            })
                            .collect(),
                        count: column.count,
                        total: by_currency(column.total),
                        weighted: by_currency(column.weighted),
                    })
                    .collect(),
            })
    });
    board
        .map(axum::Json)
        .ok_or_else(|| ApiError::NotFound(format!("pipeline {id}")))
}
