//! Parties (companies and people): register one, change it (name,
//! company, channels, tags, source, owner, branch, custom fields, archive,
//! restore, merge), read one from its stream, list and search them from the
//! customers read model, and read its timeline (the customer 360).
//!
//! A merge touches two streams: the survivor absorbs the duplicate first,
//! then the duplicate becomes a redirect to it. No process does either
//! half, so `POST /parties/{id}/merge` runs both, after checking the
//! duplicate's half would be accepted; a repeat finishes a merge that
//! stopped between the two (absorbing twice changes nothing).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Action, Module};
use domain::channel::{Channel, ChannelKind};
use domain::ids::{BranchId, ChannelId, PartyId, UserId};
use domain::parties::{
    CustomValue, FieldKey, Party, PartyCommand, PartyName, PartyNameData, PartyRoles, PartyState,
    PartyStatus, RegisterParty,
};
use domain::values::{Currency, Label, Money, Tag};
use projections::models::customers::{
    CustomerCursor, CustomerQuery, CustomerRow, CustomerStatus, KindFilter, RoleFilter,
    StatusFilter,
};
use projections::models::timeline::{EntryKind, TimelineCursor};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, Problem};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, PageParams, Versioned, WaitFor, WriteHeaders, Written,
    encode_cursor,
};
use super::writes::{Changed, Created, NoFields, OwnerRequest, aggregate_write};
use super::{TAG_PARTIES, execute, load};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_party, list_parties))
        .routes(routes!(get_party))
        .routes(routes!(rename_party))
        .routes(routes!(join_company))
        .routes(routes!(leave_company))
        .routes(routes!(add_channel))
        .routes(routes!(change_channel))
        .routes(routes!(remove_channel))
        .routes(routes!(make_channel_primary))
        .routes(routes!(tag_party))
        .routes(routes!(untag_party))
        .routes(routes!(set_source))
        .routes(routes!(assign_party_owner))
        .routes(routes!(move_to_branch))
        .routes(routes!(set_party_roles))
        .routes(routes!(set_custom_field))
        .routes(routes!(clear_custom_field))
        .routes(routes!(archive_party))
        .routes(routes!(restore_party))
        .routes(routes!(merge_party))
        .routes(routes!(party_timeline))
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
    /// The responsible user; the signed-in user when absent.
    pub owner: Option<Uuid>,
    pub branch: Option<Uuid>,
}

impl RegisterPartyRequest {
    fn parse(self, by: UserId) -> Result<RegisterParty, ApiError> {
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
            owner: self.owner.map_or(by, UserId::from_uuid),
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
    /// Contact channels, in the order they were added.
    pub channels: Vec<ChannelResponse>,
    pub custom_fields: std::collections::BTreeMap<String, CustomValueDto>,
    /// `active`, `archived` or `merged`.
    pub status: String,
    /// For a merged party: the party it redirects to.
    pub merged_into: Option<Uuid>,
    /// Its personal data was erased: names, channel values, tags and
    /// custom fields are blank.
    pub erased: bool,
    /// What the party is to the company.
    pub roles: RolesDto,
    pub version: Option<u64>,
}

/// Customer, supplier or both.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesDto {
    pub customer: bool,
    pub supplier: bool,
}

impl From<PartyRoles> for RolesDto {
    fn from(roles: PartyRoles) -> Self {
        Self {
            customer: roles.customer,
            supplier: roles.supplier,
        }
    }
}

/// A contact channel of a party.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelResponse {
    pub id: Uuid,
    /// `email`, `work_phone`, `mobile_phone`, `telegram`, `whatsapp`,
    /// `skype`, `viber`, `social_profile`, `website` or `postal_address`.
    pub kind: String,
    /// Normalized for its kind.
    pub value: String,
    pub label: Option<String>,
    /// The primary channel of its kind.
    pub primary: bool,
}

/// A typed custom field value: exactly one of the members.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CustomValueDto {
    Text(String),
    #[schema(value_type = String)]
    Number(Decimal),
    Date(NaiveDate),
    Flag(bool),
    Money(MoneyDto),
}

/// An amount in a currency.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// ISO 4217 (`EUR`).
    pub currency: String,
}

impl CustomValueDto {
    fn parse(self) -> Result<CustomValue, ApiError> {
        Ok(match self {
            Self::Text(text) => CustomValue::Text(text),
            Self::Number(number) => CustomValue::Number(number),
            Self::Date(date) => CustomValue::Date(date),
            Self::Flag(flag) => CustomValue::Flag(flag),
            Self::Money(money) => {
                let currency = Currency::parse("value.money.currency", &money.currency)?;
                CustomValue::Money(Money::parse("value.money.amount", money.amount, currency)?)
            }
        })
    }
}

impl From<CustomValue> for CustomValueDto {
    fn from(value: CustomValue) -> Self {
        match value {
            CustomValue::Text(text) => Self::Text(text),
            CustomValue::Number(number) => Self::Number(number),
            CustomValue::Date(date) => Self::Date(date),
            CustomValue::Flag(flag) => Self::Flag(flag),
            CustomValue::Money(money) => Self::Money(MoneyDto {
                amount: money.amount(),
                currency: money.currency().as_str().to_owned(),
            }),
        }
    }
}

/// One row of the party list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyRow {
    pub id: Uuid,
    pub kind: PartyKind,
    pub display_name: String,
    pub tags: Vec<String>,
    pub owner: Uuid,
    pub branch: Option<Uuid>,
    /// `active` or `archived` (merged parties are not listed).
    pub status: String,
    pub roles: RolesDto,
    pub version: u64,
}

impl From<&CustomerRow> for PartyRow {
    fn from(row: &CustomerRow) -> Self {
        Self {
            id: row.id.as_uuid(),
            kind: kind_of(&row.name),
            display_name: row.display_name.clone(),
            tags: row.tags.iter().cloned().collect(),
            owner: row.owner.as_uuid(),
            branch: row.branch.map(|branch| branch.as_uuid()),
            status: match row.status {
                CustomerStatus::Active => "active",
                CustomerStatus::Archived => "archived",
                CustomerStatus::Merged { .. } => "merged",
            }
            .to_owned(),
            roles: row.roles.into(),
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

/// Which parties a list shows. Every filter narrows the name-ordered
/// list, which is the only order: the customers model keeps its rows
/// sorted by name, and sorting 300,000 rows another way per request is
/// not offered.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartySearch {
    /// Words matched as prefixes of a name, a channel or a tag.
    pub q: Option<String>,
    /// Only parties with this tag.
    pub tag: Option<String>,
    /// Only parties of this owner.
    pub owner: Option<Uuid>,
    /// Only parties of this branch.
    pub branch: Option<Uuid>,
    pub kind: Option<PartyKind>,
    /// Only customers, or only suppliers (a party may be both).
    pub role: Option<PartyRole>,
    /// `active` (the default), `archived` or `all` (merged parties are
    /// never listed).
    pub status: Option<ListedStatus>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Customer,
    Supplier,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListedStatus {
    Active,
    Archived,
    All,
}

fn kind_of(name: &PartyNameData) -> PartyKind {
    match name {
        PartyNameData::Company { .. } => PartyKind::Company,
        PartyNameData::Person { .. } => PartyKind::Person,
    }
}

/// Registers a company or a person (working for `company`, which must
/// exist and be within reach).
#[utoipa::path(post, path = "/parties", tag = TAG_PARTIES,
    request_body = RegisterPartyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(Created))]
async fn register_party(
    State(state): State<AppState>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<RegisterPartyRequest>,
) -> Result<Written, ApiError> {
    let register = request.parse(headers.user())?;
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
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Versioned<PartyResponse>, ApiError> {
    let (party, version) = load::<Party>(&state, id)?;
    let party = party.ok_or_else(|| ApiError::NotFound(format!("party {id}")))?;
    let (status, merged_into) = match party.status {
        PartyStatus::Active => ("active", None),
        PartyStatus::Archived => ("archived", None),
        PartyStatus::Merged { into } => ("merged", Some(into.as_uuid())),
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
            channels: party
                .channels
                .into_iter()
                .map(|channel| ChannelResponse {
                    id: channel.id.as_uuid(),
                    kind: channel.kind.code().to_owned(),
                    value: channel.value,
                    label: channel.label,
                    primary: channel.primary,
                })
                .collect(),
            custom_fields: party
                .custom_fields
                .into_iter()
                .map(|(key, value)| (key, value.into()))
                .collect(),
            status: status.to_owned(),
            merged_into,
            erased: party.erased,
            roles: party.roles.into(),
            version,
        },
    ))
}

/// Parties in name order, searched by name, channel or tag and filtered
/// by tag, owner, branch, kind and status.
#[utoipa::path(get, path = "/parties", tag = TAG_PARTIES,
    params(PartySearch, PageParams, WaitFor),
    responses(
        (status = 200, body = PartyPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_parties(
    State(state): State<AppState>,
    principal: crate::auth::Principal,
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
        kind: search.kind.map(|kind| match kind {
            PartyKind::Company => KindFilter::Company,
            PartyKind::Person => KindFilter::Person,
        }),
        role: search.role.map(|role| match role {
            PartyRole::Customer => RoleFilter::Customer,
            PartyRole::Supplier => RoleFilter::Supplier,
        }),
        // A sales manager's list holds their own customers only.
        owner: principal
            .only_owner(Module::Parties, Action::Read)
            .or(search.owner.map(UserId::from_uuid)),
        branch: search.branch.map(BranchId::from_uuid),
        tag: search
            .tag
            .map(|tag| Tag::parse("tag", &tag).map(Tag::into_string))
            .transpose()?,
        status: match search.status {
            None | Some(ListedStatus::Active) => StatusFilter::Active,
            Some(ListedStatus::Archived) => StatusFilter::Archived,
            Some(ListedStatus::All) => StatusFilter::All,
        },
        after,
        limit,
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

/// A party's new name: `name` (and `legal_name`) for a company,
/// `first_name` (and `last_name`) for a person; a party keeps its kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenamePartyRequest {
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// The company a person now works for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinCompanyRequest {
    pub company: Uuid,
    pub job_title: Option<String>,
}

/// A new contact channel; its id derives from the write (read the party
/// back for it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChannelRequest {
    /// `email`, `work_phone`, `mobile_phone`, `telegram`, `whatsapp`,
    /// `skype`, `viber`, `social_profile`, `website` or `postal_address`.
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
}

/// A channel's new value and label; it keeps its kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeChannelRequest {
    pub channel: Uuid,
    pub value: String,
    pub label: Option<String>,
}

/// One channel of the party.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    pub channel: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    pub tag: String,
}

/// How the party came to the business; absent clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    pub source: Option<String>,
}

/// The party's branch; absent: none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchRequest {
    pub branch: Option<Uuid>,
}

/// A custom field's key (`vat_number`) and typed value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCustomFieldRequest {
    pub key: String,
    pub value: CustomValueDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearCustomFieldRequest {
    pub key: String,
}

/// Why the party is archived.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchivePartyRequest {
    pub reason: Option<String>,
}

/// The party that survives the merge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergePartyRequest {
    pub into: Uuid,
}

fn party_of(state: &AppState, id: impl Into<Uuid>) -> Result<(PartyState, Option<u64>), ApiError> {
    let id = id.into();
    let (party, version) = load::<Party>(state, id)?;
    let party = party.ok_or_else(|| ApiError::NotFound(format!("party {id}")))?;
    Ok((party, version))
}

impl RenamePartyRequest {
    fn parse(self, current: &PartyNameData) -> Result<PartyName, ApiError> {
        let required = |field: &str, value: Option<String>| {
            value.ok_or_else(|| ApiError::invalid(field, "is required"))
        };
        Ok(if current.is_person() {
            PartyName::Person {
                first_name: Label::parse("first_name", &required("first_name", self.first_name)?)?,
                last_name: Label::parse_optional("last_name", self.last_name.as_deref())?,
            }
        } else {
            PartyName::Company {
                name: Label::parse("name", &required("name", self.name)?)?,
                legal_name: Label::parse_optional("legal_name", self.legal_name.as_deref())?,
            }
        })
    }
}

fn channel_kind(raw: &str) -> Result<ChannelKind, ApiError> {
    ChannelKind::from_code(raw).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            "must be email, work_phone, mobile_phone, telegram, whatsapp, skype, viber, social_profile, website or postal_address",
        )
    })
}

aggregate_write! {
    /// Renames a party (a company stays a company, a person a person).
    rename_party: "/parties/{id}/rename", TAG_PARTIES, Party, RenamePartyRequest, Changed,
    |state, id, request, _headers| {
        let (party, _) = party_of(&state, id)?;
        request.parse(&party.name).map(|name| PartyCommand::Rename { name })
    }
}

aggregate_write! {
    /// A person joins a company (leaving the one before).
    join_company: "/parties/{id}/join-company", TAG_PARTIES, Party, JoinCompanyRequest, Changed,
    |state, id, request, _headers| {
        let job_title = Label::parse_optional("job_title", request.job_title.as_deref())?;
        let (company, _) = party_of(&state, request.company)?;
        if company.name.is_person() {
            return Err(ApiError::invalid("company", "names a person, not a company"));
        }
        Ok(PartyCommand::JoinCompany {
            company: PartyId::from_uuid(request.company),
            job_title,
        })
    }
}

aggregate_write! {
    /// A person leaves their company.
    leave_company: "/parties/{id}/leave-company", TAG_PARTIES, Party, NoFields, Changed,
    |state, id, NoFields {}, _headers| Ok(PartyCommand::LeaveCompany)
}

aggregate_write! {
    /// Adds a contact channel, the primary of its kind if it is the first.
    add_channel: "/parties/{id}/channels", TAG_PARTIES, Party, AddChannelRequest, Changed,
    |state, id, request, headers| {
        let channel = Channel::parse(channel_kind(&request.kind)?, &request.value)?;
        Ok(PartyCommand::AddChannel {
            channel_id: ChannelId::from_uuid(headers.new_id("channel")),
            channel,
            label: Label::parse_optional("label", request.label.as_deref())?,
        })
    }
}

aggregate_write! {
    /// Changes a channel's value or label.
    change_channel: "/parties/{id}/channels/change", TAG_PARTIES, Party, ChangeChannelRequest, Changed,
    |state, id, request, _headers| {
        let (party, _) = party_of(&state, id)?;
        let channel_id = ChannelId::from_uuid(request.channel);
        let kind = party
            .channels
            .iter()
            .find(|channel| channel.id == channel_id)
            .map(|channel| channel.kind)
            .ok_or_else(|| ApiError::NotFound(format!("channel {channel_id}")))?;
        Ok(PartyCommand::ChangeChannel {
            channel_id,
            channel: Channel::parse(kind, &request.value)?,
            label: Label::parse_optional("label", request.label.as_deref())?,
        })
    }
}

aggregate_write! {
    /// Removes a channel; the next of its kind becomes primary.
    remove_channel: "/parties/{id}/channels/remove", TAG_PARTIES, Party, ChannelRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::RemoveChannel {
        channel_id: ChannelId::from_uuid(request.channel),
    })
}

aggregate_write! {
    /// Makes a channel the primary one of its kind.
    make_channel_primary: "/parties/{id}/channels/make-primary", TAG_PARTIES, Party, ChannelRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::MakePrimary {
        channel_id: ChannelId::from_uuid(request.channel),
    })
}

aggregate_write! {
    /// Tags a party (tags compare ignoring case).
    tag_party: "/parties/{id}/tag", TAG_PARTIES, Party, TagRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::Tag(Tag::parse("tag", &request.tag)?))
}

aggregate_write! {
    /// Removes a tag from a party.
    untag_party: "/parties/{id}/untag", TAG_PARTIES, Party, TagRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::Untag(Tag::parse("tag", &request.tag)?))
}

aggregate_write! {
    /// Sets or clears how the party came to the business.
    set_source: "/parties/{id}/source", TAG_PARTIES, Party, SourceRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::SetSource(
        Label::parse_optional("source", request.source.as_deref())?,
    ))
}

aggregate_write! {
    /// Makes a user responsible for the party.
    assign_party_owner: "/parties/{id}/assign-owner", TAG_PARTIES, Party, OwnerRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::AssignOwner(UserId::from_uuid(request.owner)))
}

aggregate_write! {
    /// Moves the party to a branch (or to none).
    move_to_branch: "/parties/{id}/move-to-branch", TAG_PARTIES, Party, BranchRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::MoveToBranch(
        request.branch.map(BranchId::from_uuid),
    ))
}

aggregate_write! {
    /// Makes the party a customer, a supplier or both (at least one).
    set_party_roles: "/parties/{id}/roles", TAG_PARTIES, Party, RolesDto, Changed,
    |state, id, request, _headers| Ok(PartyCommand::SetRoles(PartyRoles {
        customer: request.customer,
        supplier: request.supplier,
    }))
}

aggregate_write! {
    /// Sets a custom field to a typed value.
    set_custom_field: "/parties/{id}/custom-fields", TAG_PARTIES, Party, SetCustomFieldRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::SetCustomField {
        key: FieldKey::parse("key", &request.key)?,
        value: request.value.parse()?,
    })
}

aggregate_write! {
    /// Clears a custom field.
    clear_custom_field: "/parties/{id}/custom-fields/clear", TAG_PARTIES, Party, ClearCustomFieldRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::ClearCustomField {
        key: FieldKey::parse("key", &request.key)?,
    })
}

aggregate_write! {
    /// Archives a party: it stays readable and refuses changes until
    /// restored.
    archive_party: "/parties/{id}/archive", TAG_PARTIES, Party, ArchivePartyRequest, Changed,
    |state, id, request, _headers| Ok(PartyCommand::Archive {
        reason: Label::parse_optional("reason", request.reason.as_deref())?,
    })
}

aggregate_write! {
    /// Restores an archived party.
    restore_party: "/parties/{id}/restore", TAG_PARTIES, Party, NoFields, Changed,
    |state, id, NoFields {}, _headers| Ok(PartyCommand::Restore)
}

/// Merges the party (a duplicate) into `into`, the survivor: the
/// survivor absorbs it, then it becomes a redirect to the survivor.
/// `If-Match` is the duplicate's version; the answer is the duplicate's.
#[utoipa::path(post, path = "/parties/{id}/merge", tag = TAG_PARTIES,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = MergePartyRequest,
    responses(Changed))]
async fn merge_party(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: WriteHeaders,
    ApiJson(request): ApiJson<MergePartyRequest>,
) -> Result<Written, ApiError> {
    let duplicate = PartyId::from_uuid(id);
    let survivor = PartyId::from_uuid(request.into);
    let executed = state
        .app
        .parties()
        .merge(
            &headers.principal.caller(),
            headers.run(),
            duplicate,
            survivor,
        )
        .await?;
    Ok(Written::new(&state, StatusCode::OK, duplicate, &executed))
}

/// One entry of a party's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntryResponse {
    /// Business time.
    pub at: DateTime<Utc>,
    /// The log position of the event.
    pub position: u64,
    /// `call`, `email`, `meeting`, `note`, `deal_opened`, `deal_stage_moved`,
    /// `deal_won`, `deal_lost`, `deal_reopened`, `task_created`,
    /// `task_completed`, `calendar_entry`, `lead_captured`,
    /// `lead_converted`, `order_confirmed`, `order_shipped`,
    /// `order_invoiced`, `order_returned`, `order_cancelled`,
    /// `payment_received` or `sale_imported`.
    pub kind: String,
    /// The interaction, deal, task, calendar entry, lead, order or payment.
    pub source: Uuid,
    pub title: String,
    pub by: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePage {
    pub rows: Vec<TimelineEntryResponse>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

fn entry_kind_code(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Call => "call",
        EntryKind::Email => "email",
        EntryKind::Meeting => "meeting",
        EntryKind::Note => "note",
        EntryKind::DealOpened => "deal_opened",
        EntryKind::DealStageMoved => "deal_stage_moved",
        EntryKind::DealWon => "deal_won",
        EntryKind::DealLost => "deal_lost",
        EntryKind::DealReopened => "deal_reopened",
        EntryKind::TaskCreated => "task_created",
        EntryKind::TaskCompleted => "task_completed",
        EntryKind::CalendarEntry => "calendar_entry",
        EntryKind::LeadCaptured => "lead_captured",
        EntryKind::LeadConverted => "lead_converted",
        EntryKind::OrderConfirmed => "order_confirmed",
        EntryKind::OrderShipped => "order_shipped",
        EntryKind::OrderInvoiced => "order_invoiced",
        EntryKind::OrderReturned => "order_returned",
        EntryKind::OrderCancelled => "order_cancelled",
        EntryKind::PaymentReceived => "payment_received",
        EntryKind::SaleImported => "sale_imported",
    }
}

/// A timeline cursor: the last row's business time (microseconds, 8
/// bytes) and log position (8 bytes), big-endian.
fn parse_timeline_cursor(bytes: &[u8]) -> Result<TimelineCursor, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor of this list");
    let (at, position) = bytes.split_at_checked(8).ok_or_else(bad)?;
    let at = i64::from_be_bytes(at.try_into().map_err(|_| bad())?);
    let position = u64::from_be_bytes(position.try_into().map_err(|_| bad())?);
    Ok(TimelineCursor {
        at: DateTime::from_timestamp_micros(at).ok_or_else(bad)?,
        position,
    })
}

/// A party's timeline (the customer 360): its interactions, deals,
/// tasks, calendar entries, leads, orders and payments, and those of the
/// parties it absorbed, newest first (business time).
#[utoipa::path(get, path = "/parties/{id}/timeline", tag = TAG_PARTIES,
    params(("id" = Uuid, Path), PageParams, WaitFor),
    responses(
        (status = 200, body = TimelinePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn party_timeline(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(wait): ApiQuery<WaitFor>,
) -> Result<axum::Json<TimelinePage>, ApiError> {
    let limit = page.limit()?.min(projections::PAGE_ROWS_MAX);
    let before = page
        .cursor()?
        .map(|bytes| parse_timeline_cursor(&bytes))
        .transpose()?;
    wait.wait(&state).await?;
    party_of(&state, id)?;
    let page = state.read_models.timelines.read(|timelines| {
        let rows = timelines.timeline(PartyId::from_uuid(id), before, limit);
        let next_cursor = (rows.len() == limit)
            .then(|| rows.last())
            .flatten()
            .map(|last| {
                let mut bytes = last.at.timestamp_micros().to_be_bytes().to_vec();
                bytes.extend_from_slice(&last.position.to_be_bytes());
                encode_cursor(&bytes)
            });
        TimelinePage {
            rows: rows
                .into_iter()
                .map(|entry| TimelineEntryResponse {
                    at: entry.at,
                    position: entry.position,
                    kind: entry_kind_code(entry.kind).to_owned(),
                    source: entry.source,
                    title: entry.title.to_string(),
                    by: entry.by.map(|user| user.as_uuid()),
                })
                .collect(),
            next_cursor,
        }
    });
    Ok(axum::Json(page))
}
