//! Sales pipelines: define one with its stages, read it. Stage ids derive
//! from the write's command id, so a retried definition names the same
//! stages.

use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{PipelineId, StageId, derived};
use domain::pipeline::{DefinePipeline, NewStage, Pipeline, PipelineCommand, Probability};
use domain::values::Label;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, Versioned, WriteHeaders, WriteResult, Written};
use super::{TAG_DEALS, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define_pipeline))
        .routes(routes!(get_pipeline))
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
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
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
