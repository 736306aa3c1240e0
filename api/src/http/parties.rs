//! Parties (companies and people): register one, read one from its stream,
//! list and search them from the customers read model.

use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{BranchId, PartyId, UserId};
use domain::parties::{Party, PartyCommand, PartyName, PartyNameData, PartyStatus, RegisterParty};
use domain::values::Label;
use projections::models::customers::{CustomerCursor, CustomerQuery, CustomerRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, WriteResult, Written,
    encode_cursor,
};
use super::{TAG_PARTIES, execute, load};
use crate::AppState;
use crate::process::SYSTEM_USER;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_party, list_parties))
        .routes(routes!(get_party))
}

/// What kind of party.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Company,
    Person,
}

/// A company (`name`, `legal_name`) or a person (`first_name`,
/// `last_name`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPartyRequest {
    pub kind: PartyKind,
    /// A company's name.
    pub name: Option<String>,
    pub legal_name: Option<String>,
    /// A person's first name.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The company a person works for.
    pub company: Option<Uuid>,
    pub job_title: Option<String>,
    pub source: Option<String>,
    /// The responsible user; the system user when absent.
    pub owner: Option<Uuid>,
    pub branch: Option<Uuid>,
}

impl RegisterPartyRequest {
    fn parse(self) -> Result<RegisterParty, ApiError> {
        let required = |field: &str, value: Option<String>| {
            value.ok_or_else(|| ApiError::invalid(field, "is required"))
        };
        let name = match self.kind {
            PartyKind::Company => PartyName::Company {
                name: Label::parse("name", &required("name", self.name)?)?,
                legal_name: Label::parse_optional("legal_name", self.legal_name.as_deref())?,
            },
            PartyKind::Person => PartyName::Person {
                first_name: Label::parse("first_name", &required("first_name", self.first_name)?)?,
                last_name: Label::parse_optional("last_name", self.last_name.as_deref())?,
            },
        };
        Ok(RegisterParty {
            name,
            company: self.company.map(PartyId::from_uuid),
            job_title: Label::parse_optional("job_title", self.job_title.as_deref())?,
            source: Label::parse_optional("source", self.source.as_deref())?,
            owner: self.owner.map_or(SYSTEM_USER, UserId::from_uuid),
            branch: self.branch.map(BranchId::from_uuid),
        })
    }
}

/// A party as its stream tells it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyResponse {
    pub id: Uuid,
    pub kind: PartyKind,
    pub display_name: String,
    pub company: Option<Uuid>,
    pub job_title: Option<String>,
    pub source: Option<String>,
    pub owner: Uuid,
    pub branch: Option<Uuid>,
    pub tags: Vec<String>,
    /// `active`, `archived` or `merged`.
    pub status: String,
    pub version: Option<u64>,
}

/// One row of the party list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyRow {
    pub id: Uuid,
    pub kind: PartyKind,
    pub display_name: String,
    pub tags: Vec<String>,
    pub version: u64,
}

impl From<&CustomerRow> for PartyRow {
    fn from(row: &CustomerRow) -> Self {
        Self {
            id: row.id.as_uuid(),
            kind: kind_of(&row.name),
            display_name: row.display_name.clone(),
            tags: row.tags.iter().cloned().collect(),
            version: row.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyPage {
    pub rows: Vec<PartyRow>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartySearch {
    /// Words matched as prefixes of a name, a channel or a tag.
    pub q: Option<String>,
}

fn kind_of(name: &PartyNameData) -> PartyKind {
    match name {
        PartyNameData::Company { .. } => PartyKind::Company,
        PartyNameData::Person { .. } => PartyKind::Person,
    }
}

/// Registers a company or a person.
#[utoipa::path(post, path = "/parties", tag = TAG_PARTIES,
    request_body = RegisterPartyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, body = WriteResult, headers(("ETag" = String, description = "The stream version now"), ("X-Position" = u64, description = "The log position of the write, for wait_for"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn register_party(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<RegisterPartyRequest>,
) -> Result<Written, ApiError> {
    let register = request.parse()?;
    let id = PartyId::from_uuid(headers.new_id("party"));
    let executed =
        execute::<Party, _>(&state, id, PartyCommand::Register(register), &headers).await?;
    Ok(Written::new(&state, StatusCode::CREATED, id, &executed))
}

/// One party, with its stream version as `ETag`.
#[utoipa::path(get, path = "/parties/{id}", tag = TAG_PARTIES,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = PartyResponse, headers(("ETag" = String, description = "The stream version: send it as If-Match"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<PartyResponse>, ApiError> {
    let (party, version) = load::<Party>(&state, id)?;
    let party = party.ok_or_else(|| ApiError::NotFound(format!("party {id}")))?;
    let status = match party.status {
        PartyStatus::Active => "active",
        PartyStatus::Archived => "archived",
        PartyStatus::Merged { .. } => "merged",
    };
    Ok(Versioned(
        version,
        PartyResponse {
            id,
            kind: kind_of(&party.name),
            display_name: party.name.display_name(),
            company: party.company.map(|company| company.as_uuid()),
            job_title: party.job_title,
            source: party.source,
            owner: party.owner.as_uuid(),
            branch: party.branch.map(|branch| branch.as_uuid()),
            tags: party.tags.into_iter().collect(),
            status: status.to_owned(),
            version,
        },
    ))
}

/// Parties in name order, searched by name, channel or tag.
#[utoipa::path(get, path = "/parties", tag = TAG_PARTIES,
    params(PartySearch, PageParams, WaitFor),
    responses(
        (status = 200, body = PartyPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_parties(
    State(state): State<AppState>,
    ApiQuery(search): ApiQuery<PartySearch>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<PartyPage>, ApiError> {
    wait.wait(&state).await?;
    let limit = page.limit()?;
    let after = page
        .cursor()?
        .map(|bytes| parse_cursor(&bytes))
        .transpose()?;
    let query = CustomerQuery {
        text: search.q.unwrap_or_default(),
        after,
        limit,
        ..CustomerQuery::default()
    };
    let page = state.read_models.customers.read(|customers| {
        let page = customers.search(&query);
        PartyPage {
            rows: page.rows.into_iter().map(PartyRow::from).collect(),
            next_cursor: page.next.map(|next| {
                let mut bytes = next.id.as_uuid().as_bytes().to_vec();
                bytes.extend_from_slice(next.sort_key.as_bytes());
                encode_cursor(&bytes)
            }),
        }
    });
    Ok(axum::Json(page))
}

/// A party cursor: the row's id (16 bytes), then its sort key.
fn parse_cursor(bytes: &[u8]) -> Result<CustomerCursor, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    let (id, sort_key) = bytes.split_at_checked(16).ok_or_else(bad)?;
    let id = Uuid::from_slice(id).map_err(|_| bad())?;
    let sort_key = String::from_utf8(sort_key.to_vec()).map_err(|_| bad())?;
    Ok(CustomerCursor {
        sort_key,
        id: PartyId::from_uuid(id),
    })
}
