//! Parties: the companies and people the business deals with.
//!
//! A party is one stream, `party-<id>`. It holds the party's name, the
//! company a person works for, any number of typed contact channels with
//! one primary per kind, tags, source, owner manager, branch and custom
//! fields. A party is archived rather than deleted, and a duplicate is
//! merged into a survivor: the duplicate keeps its history and becomes a
//! redirect that refuses further changes, the survivor records what it
//! absorbed, and read models show both histories under the survivor.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::channel::{Channel, ChannelKind};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, ChannelId, PartyId, UserId};
use crate::personal::{PersonalData, Slot, slot};
use crate::values::{Label, Money, Tag};

/// Most contact channels one party may hold.
pub const CHANNELS_PER_PARTY_MAX: usize = 50;
/// Most tags one party may hold.
pub const TAGS_PER_PARTY_MAX: usize = 100;
/// Most custom fields one party may hold.
pub const CUSTOM_FIELDS_PER_PARTY_MAX: usize = 100;
/// Longest custom field key, in bytes.
pub const CUSTOM_FIELD_KEY_BYTES_MAX: usize = 64;

const ENTITY: &str = "party";

// ---------------------------------------------------------------- events

/// Company or person, with the name parts each has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartyNameData {
    Company {
        name: String,
        legal_name: Option<String>,
    },
    Person {
        first_name: String,
        last_name: Option<String>,
    },
}

impl PartyNameData {
    /// The name people read in lists: "Acme" or "Ivan Petrov".
    pub fn display_name(&self) -> String {
        match self {
            Self::Company { name, .. } => name.clone(),
            Self::Person {
                first_name,
                last_name: Some(last_name),
            } => format!("{first_name} {last_name}"),
            Self::Person {
                first_name,
                last_name: None,
            } => first_name.clone(),
        }
    }

    pub fn is_person(&self) -> bool {
        matches!(self, Self::Person { .. })
    }

    /// The name of the same kind with every part blank: an erased party's.
    pub fn blanked(&self) -> Self {
        match self {
            Self::Company { .. } => Self::Company {
                name: String::new(),
                legal_name: None,
            },
            Self::Person { .. } => Self::Person {
                first_name: String::new(),
                last_name: None,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRegistered {
    pub name: PartyNameData,
    /// The company a person works for.
    pub company: Option<PartyId>,
    pub job_title: Option<String>,
    /// How the party came to the business: "website", "fair 2026"…
    pub source: Option<String>,
    pub owner: UserId,
    pub branch: Option<BranchId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRenamed {
    pub name: PartyNameData,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonJoinedCompany {
    pub company: PartyId,
    pub job_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonLeftCompany {
    pub company: PartyId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAdded {
    pub channel_id: ChannelId,
    pub kind: ChannelKind,
    pub value: String,
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelChanged {
    pub channel_id: ChannelId,
    pub value: String,
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRemoved {
    pub channel_id: ChannelId,
}

/// The channel becomes the primary one of its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryChannelSet {
    pub channel_id: ChannelId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyTagged {
    pub tag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyUntagged {
    pub tag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartySourceSet {
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyOwnerAssigned {
    pub owner: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyBranchChanged {
    pub branch: Option<BranchId>,
}

/// What a party is to the company: a customer, a supplier, or both. A
/// party registered before roles existed is a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyRoles {
    pub customer: bool,
    pub supplier: bool,
}

impl Default for PartyRoles {
    fn default() -> Self {
        Self {
            customer: true,
            supplier: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRolesSet {
    pub roles: PartyRoles,
}

/// A typed custom field value. Stored by position: new kinds go at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomValue {
    Text(String),
    Number(Decimal),
    Date(NaiveDate),
    Flag(bool),
    Money(Money),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldSet {
    pub key: String,
    pub value: CustomValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldCleared {
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyArchived {
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRestored {}

/// Recorded on the duplicate: from now on it redirects to `into`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyMerged {
    pub into: PartyId,
}

/// Recorded on the survivor: it now also stands for `duplicate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateAbsorbed {
    pub duplicate: PartyId,
}

/// Why a party's personal data was erased. Stored by position: new
/// reasons go at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErasureReason {
    /// The person asked (the right to erasure).
    Request,
    /// A retention rule: no activity for longer than the company keeps data.
    Retention,
    /// Another lawful ground, recorded elsewhere.
    Other,
}

impl ErasureReason {
    pub const ALL: [Self; 3] = [Self::Request, Self::Retention, Self::Other];

    pub fn code(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Retention => "retention",
            Self::Other => "other",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.code() == raw)
            .ok_or_else(|| DomainError::invalid(field, "must be request, retention or other"))
    }
}

/// The party's personal data was erased: its key is destroyed, so every
/// personal field it ever had reads blank. Holds nothing personal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyErased {
    pub reason: ErasureReason,
}

domain_events! {
    /// Everything that can happen to a party.
    pub enum PartyEvent in "party" {
        Registered(PartyRegistered) = "PartyRegistered" v 1,
        Renamed(PartyRenamed) = "PartyRenamed" v 1,
        JoinedCompany(PersonJoinedCompany) = "PersonJoinedCompany" v 1,
        LeftCompany(PersonLeftCompany) = "PersonLeftCompany" v 1,
        ChannelAdded(ChannelAdded) = "ChannelAdded" v 1,
        ChannelChanged(ChannelChanged) = "ChannelChanged" v 1,
        ChannelRemoved(ChannelRemoved) = "ChannelRemoved" v 1,
        PrimaryChannelSet(PrimaryChannelSet) = "PrimaryChannelSet" v 1,
        Tagged(PartyTagged) = "PartyTagged" v 1,
        Untagged(PartyUntagged) = "PartyUntagged" v 1,
        SourceSet(PartySourceSet) = "PartySourceSet" v 1,
        OwnerAssigned(PartyOwnerAssigned) = "PartyOwnerAssigned" v 1,
        BranchChanged(PartyBranchChanged) = "PartyBranchChanged" v 1,
        CustomFieldSet(CustomFieldSet) = "CustomFieldSet" v 1,
        CustomFieldCleared(CustomFieldCleared) = "CustomFieldCleared" v 1,
        Archived(PartyArchived) = "PartyArchived" v 1,
        Restored(PartyRestored) = "PartyRestored" v 1,
        Merged(PartyMerged) = "PartyMerged" v 1,
        DuplicateAbsorbed(DuplicateAbsorbed) = "DuplicateAbsorbed" v 1,
        Erased(PartyErased) = "PartyErased" v 1,
        RolesSet(PartyRolesSet) = "PartyRolesSet" v 1,
    }
}

impl Default for CustomValue {
    /// The blank value of a sealed custom field whose subject was erased.
    fn default() -> Self {
        Self::Text(String::new())
    }
}

impl PartyNameData {
    fn slots(&mut self) -> [Box<dyn Slot + '_>; 2] {
        match self {
            Self::Company { name, legal_name } => [slot(name), slot(legal_name)],
            Self::Person {
                first_name,
                last_name,
            } => [slot(first_name), slot(last_name)],
        }
    }
}

/// A party's names, job title, channel values and labels, tags, source,
/// custom values and archive reason are personal; its kind, company,
/// owner, branch and merges are not.
impl PersonalData for PartyEvent {
    const PERSONAL: bool = true;

    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        match self {
            Self::Registered(PartyRegistered {
                name,
                job_title,
                source,
                ..
            }) => {
                let mut slots = Vec::from(name.slots());
                slots.push(slot(job_title));
                slots.push(slot(source));
                slots
            }
            Self::Renamed(PartyRenamed { name }) => Vec::from(name.slots()),
            Self::JoinedCompany(PersonJoinedCompany { job_title, .. }) => vec![slot(job_title)],
            Self::ChannelAdded(ChannelAdded { value, label, .. })
            | Self::ChannelChanged(ChannelChanged { value, label, .. }) => {
                vec![slot(value), slot(label)]
            }
            Self::Tagged(PartyTagged { tag }) | Self::Untagged(PartyUntagged { tag }) => {
                vec![slot(tag)]
            }
            Self::SourceSet(PartySourceSet { source }) => vec![slot(source)],
            Self::CustomFieldSet(CustomFieldSet { value, .. }) => vec![slot(value)],
            Self::Archived(PartyArchived { reason }) => vec![slot(reason)],
            Self::LeftCompany(_)
            | Self::ChannelRemoved(_)
            | Self::PrimaryChannelSet(_)
            | Self::OwnerAssigned(_)
            | Self::BranchChanged(_)
            | Self::CustomFieldCleared(_)
            | Self::Restored(_)
            | Self::Merged(_)
            | Self::DuplicateAbsorbed(_)
            | Self::Erased(_)
            | Self::RolesSet(_) => Vec::new(),
        }
    }
}

// -------------------------------------------------------------- commands

/// A parsed party name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartyName {
    Company {
        name: Label,
        legal_name: Option<Label>,
    },
    Person {
        first_name: Label,
        last_name: Option<Label>,
    },
}

impl PartyName {
    fn into_data(self) -> PartyNameData {
        match self {
            Self::Company { name, legal_name } => PartyNameData::Company {
                name: name.into_string(),
                legal_name: legal_name.map(Label::into_string),
            },
            Self::Person {
                first_name,
                last_name,
            } => PartyNameData::Person {
                first_name: first_name.into_string(),
                last_name: last_name.map(Label::into_string),
            },
        }
    }

    fn is_person(&self) -> bool {
        matches!(self, Self::Person { .. })
    }
}

/// A custom field key: a lower-case identifier such as `vat_number`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldKey(String);

impl FieldKey {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let key = raw.trim();
        let ok = !key.is_empty()
            && key.len() <= CUSTOM_FIELD_KEY_BYTES_MAX
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(key.to_owned()))
        } else {
            Err(DomainError::invalid(
                field,
                format!(
                    "must be 1 to {CUSTOM_FIELD_KEY_BYTES_MAX} lower-case letters, digits or '_', starting with a letter"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegisterParty {
    pub name: PartyName,
    pub company: Option<PartyId>,
    pub job_title: Option<Label>,
    pub source: Option<Label>,
    pub owner: UserId,
    pub branch: Option<BranchId>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PartyCommand {
    Register(RegisterParty),
    Rename {
        name: PartyName,
    },
    JoinCompany {
        company: PartyId,
        job_title: Option<Label>,
    },
    LeaveCompany,
    AddChannel {
        channel_id: ChannelId,
        channel: Channel,
        label: Option<Label>,
    },
    ChangeChannel {
        channel_id: ChannelId,
        channel: Channel,
        label: Option<Label>,
    },
    RemoveChannel {
        channel_id: ChannelId,
    },
    MakePrimary {
        channel_id: ChannelId,
    },
    Tag(Tag),
    Untag(Tag),
    SetSource(Option<Label>),
    AssignOwner(UserId),
    MoveToBranch(Option<BranchId>),
    SetCustomField {
        key: FieldKey,
        value: CustomValue,
    },
    ClearCustomField {
        key: FieldKey,
    },
    Archive {
        reason: Option<Label>,
    },
    Restore,
    /// Issued to the duplicate (`duplicate` is its own id), after the
    /// survivor absorbed it.
    MergeInto {
        duplicate: PartyId,
        survivor: PartyId,
    },
    /// Issued to the survivor first.
    AbsorbDuplicate {
        duplicate: PartyId,
    },
    /// Erases the party's personal data (the application then destroys
    /// its key); allowed whatever the party's status, once.
    Erase {
        reason: ErasureReason,
    },
    /// Customer, supplier or both; at least one.
    SetRoles(PartyRoles),
}

// ----------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelState {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub value: String,
    pub label: Option<String>,
    pub primary: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PartyStatus {
    #[default]
    Active,
    Archived,
    /// A redirect to the survivor of a merge.
    Merged {
        into: PartyId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyState {
    pub name: PartyNameData,
    pub company: Option<PartyId>,
    pub job_title: Option<String>,
    pub source: Option<String>,
    pub owner: UserId,
    pub branch: Option<BranchId>,
    pub channels: Vec<ChannelState>,
    pub tags: BTreeSet<String>,
    pub custom_fields: BTreeMap<String, CustomValue>,
    pub status: PartyStatus,
    pub absorbed: BTreeSet<PartyId>,
    /// Its personal data was erased: every personal field is blank and it
    /// takes no more changes.
    pub erased: bool,
    pub roles: PartyRoles,
}

impl PartyState {
    fn channel(&self, channel_id: ChannelId) -> Option<&ChannelState> {
        self.channels
            .iter()
            .find(|channel| channel.id == channel_id)
    }
}

/// The party decider. State is `None` until the party is registered.
#[derive(Debug)]
pub struct Party;

impl Decider for Party {
    type State = Option<PartyState>;
    type Command = Issued<PartyCommand>;
    type Event = PartyEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<PartyEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let PartyCommand::Register(register) = command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(DomainError::rejected(
                "party.already_registered",
                "this party is already registered",
            ));
        }
        if register.company.is_some() && !register.name.is_person() {
            return Err(DomainError::invalid(
                "company",
                "only a person belongs to a company",
            ));
        }
        Ok(vec![PartyEvent::Registered(PartyRegistered {
            name: register.name.clone().into_data(),
            company: register.company,
            job_title: register.job_title.clone().map(Label::into_string),
            source: register.source.clone().map(Label::into_string),
            owner: register.owner,
            branch: register.branch,
        })])
    }

    fn evolve(state: Self::State, event: &PartyEvent) -> Self::State {
        let PartyEvent::Registered(registered) = event else {
            return state.map(|mut party| {
                evolve_existing(&mut party, event);
                party
            });
        };
        Some(PartyState {
            name: registered.name.clone(),
            company: registered.company,
            job_title: registered.job_title.clone(),
            source: registered.source.clone(),
            owner: registered.owner,
            branch: registered.branch,
            channels: Vec::new(),
            tags: BTreeSet::new(),
            custom_fields: BTreeMap::new(),
            status: PartyStatus::Active,
            absorbed: BTreeSet::new(),
            erased: false,
            roles: PartyRoles::default(),
        })
    }
}

fn decide_existing(
    party: &PartyState,
    command: &PartyCommand,
) -> Result<Vec<PartyEvent>, DomainError> {
    if let PartyCommand::Erase { reason } = command {
        return Ok(crate::unless_unchanged(party.erased, || {
            PartyEvent::Erased(PartyErased { reason: *reason })
        }));
    }
    if party.erased {
        return Err(DomainError::rejected(
            "party.erased",
            "this party's personal data was erased; it takes no more changes",
        ));
    }
    if let PartyStatus::Merged { into } = party.status {
        return Err(DomainError::rejected(
            "party.merged",
            format!("this party was merged into {into}; change that party instead"),
        ));
    }
    let archived = party.status == PartyStatus::Archived;
    let changes_content = !matches!(
        command,
        PartyCommand::Archive { .. } | PartyCommand::Restore | PartyCommand::MergeInto { .. }
    );
    if archived && changes_content {
        return Err(DomainError::rejected(
            "party.archived",
            "this party is archived; restore it first",
        ));
    }
    let events = match command {
        PartyCommand::Register(_) => {
            return Err(DomainError::rejected(
                "party.already_registered",
                "this party is already registered",
            ));
        }
        PartyCommand::Rename { name } => {
            if name.is_person() != party.name.is_person() {
                return Err(DomainError::invalid(
                    "name",
                    "a company stays a company and a person a person",
                ));
            }
            let name = name.clone().into_data();
            crate::unless_unchanged(name == party.name, || {
                PartyEvent::Renamed(PartyRenamed { name })
            })
        }
        PartyCommand::JoinCompany { company, job_title } => {
            if !party.name.is_person() {
                return Err(DomainError::rejected(
                    "party.not_a_person",
                    "only a person can work for a company",
                ));
            }
            let job_title = job_title.clone().map(Label::into_string);
            if party.company == Some(*company) && party.job_title == job_title {
                return Ok(vec![]);
            }
            let mut events = Vec::new();
            if let Some(previous) = party.company.filter(|previous| previous != company) {
                events.push(PartyEvent::LeftCompany(PersonLeftCompany {
                    company: previous,
                }));
            }
            events.push(PartyEvent::JoinedCompany(PersonJoinedCompany {
                company: *company,
                job_title,
            }));
            events
        }
        PartyCommand::LeaveCompany => match party.company {
            Some(company) => vec![PartyEvent::LeftCompany(PersonLeftCompany { company })],
            None => vec![],
        },
        PartyCommand::AddChannel {
            channel_id,
            channel,
            label,
        } => decide_add_channel(party, *channel_id, channel, label)?,
        PartyCommand::ChangeChannel {
            channel_id,
            channel,
            label,
        } => {
            let current = party
                .channel(*channel_id)
                .ok_or_else(|| unknown_channel(*channel_id))?;
            if current.kind != channel.kind() {
                return Err(DomainError::invalid(
                    "kind",
                    format!(
                        "a {} channel keeps its kind; add a new channel instead",
                        current.kind
                    ),
                ));
            }
            ensure_no_duplicate_channel(party, channel, Some(*channel_id))?;
            let label = label.clone().map(Label::into_string);
            crate::unless_unchanged(
                current.value == channel.value() && current.label == label,
                || {
                    PartyEvent::ChannelChanged(ChannelChanged {
                        channel_id: *channel_id,
                        value: channel.value().to_owned(),
                        label,
                    })
                },
            )
        }
        PartyCommand::RemoveChannel { channel_id } => {
            let removed = party
                .channel(*channel_id)
                .ok_or_else(|| unknown_channel(*channel_id))?;
            let mut events = vec![PartyEvent::ChannelRemoved(ChannelRemoved {
                channel_id: *channel_id,
            })];
            if removed.primary {
                let successor = party
                    .channels
                    .iter()
                    .find(|channel| channel.kind == removed.kind && channel.id != removed.id);
                if let Some(successor) = successor {
                    events.push(PartyEvent::PrimaryChannelSet(PrimaryChannelSet {
                        channel_id: successor.id,
                    }));
                }
            }
            events
        }
        PartyCommand::MakePrimary { channel_id } => {
            let channel = party
                .channel(*channel_id)
                .ok_or_else(|| unknown_channel(*channel_id))?;
            crate::unless_unchanged(channel.primary, || {
                PartyEvent::PrimaryChannelSet(PrimaryChannelSet {
                    channel_id: *channel_id,
                })
            })
        }
        PartyCommand::Tag(tag) => {
            if party.tags.contains(tag.as_str()) {
                vec![]
            } else if party.tags.len() >= TAGS_PER_PARTY_MAX {
                return Err(DomainError::rejected(
                    "party.too_many_tags",
                    format!("a party holds at most {TAGS_PER_PARTY_MAX} tags"),
                ));
            } else {
                vec![PartyEvent::Tagged(PartyTagged {
                    tag: tag.as_str().to_owned(),
                })]
            }
        }
        PartyCommand::Untag(tag) => {
            if party.tags.contains(tag.as_str()) {
                vec![PartyEvent::Untagged(PartyUntagged {
                    tag: tag.as_str().to_owned(),
                })]
            } else {
                vec![]
            }
        }
        PartyCommand::SetSource(source) => {
            let source = source.clone().map(Label::into_string);
            crate::unless_unchanged(party.source == source, || {
                PartyEvent::SourceSet(PartySourceSet { source })
            })
        }
        PartyCommand::AssignOwner(owner) => crate::unless_unchanged(party.owner == *owner, || {
            PartyEvent::OwnerAssigned(PartyOwnerAssigned { owner: *owner })
        }),
        PartyCommand::SetRoles(roles) => {
            if !roles.customer && !roles.supplier {
                return Err(DomainError::invalid(
                    "roles",
                    "a party is a customer, a supplier or both",
                ));
            }
            crate::unless_unchanged(party.roles == *roles, || {
                PartyEvent::RolesSet(PartyRolesSet { roles: *roles })
            })
        }
        PartyCommand::MoveToBranch(branch) => {
            crate::unless_unchanged(party.branch == *branch, || {
                PartyEvent::BranchChanged(PartyBranchChanged { branch: *branch })
            })
        }
        PartyCommand::SetCustomField { key, value } => {
            let value = match value {
                CustomValue::Text(text) => {
                    CustomValue::Text(crate::values::Text::parse("value", text)?.into_string())
                }
                other => other.clone(),
            };
            match party.custom_fields.get(key.as_str()) {
                Some(current) if *current == value => vec![],
                None if party.custom_fields.len() >= CUSTOM_FIELDS_PER_PARTY_MAX => {
                    return Err(DomainError::rejected(
                        "party.too_many_custom_fields",
                        format!(
                            "a party holds at most {CUSTOM_FIELDS_PER_PARTY_MAX} custom fields"
                        ),
                    ));
                }
                _ => vec![PartyEvent::CustomFieldSet(CustomFieldSet {
                    key: key.as_str().to_owned(),
                    value,
                })],
            }
        }
        PartyCommand::ClearCustomField { key } => {
            if party.custom_fields.contains_key(key.as_str()) {
                vec![PartyEvent::CustomFieldCleared(CustomFieldCleared {
                    key: key.as_str().to_owned(),
                })]
            } else {
                vec![]
            }
        }
        PartyCommand::Archive { reason } => crate::unless_unchanged(archived, || {
            PartyEvent::Archived(PartyArchived {
                reason: reason.clone().map(Label::into_string),
            })
        }),
        PartyCommand::Restore => {
            if archived {
                vec![PartyEvent::Restored(PartyRestored {})]
            } else {
                vec![]
            }
        }
        PartyCommand::MergeInto {
            duplicate,
            survivor,
        } => {
            if duplicate == survivor {
                return Err(DomainError::invalid(
                    "survivor",
                    "a party cannot be merged into itself",
                ));
            }
            if party.absorbed.contains(survivor) {
                return Err(DomainError::rejected(
                    "party.merge_cycle",
                    "this party absorbed the survivor; merge the other way round",
                ));
            }
            vec![PartyEvent::Merged(PartyMerged { into: *survivor })]
        }
        PartyCommand::AbsorbDuplicate { duplicate } => {
            crate::unless_unchanged(party.absorbed.contains(duplicate), || {
                PartyEvent::DuplicateAbsorbed(DuplicateAbsorbed {
                    duplicate: *duplicate,
                })
            })
        }
        // Decided above, before any status check.
        PartyCommand::Erase { .. } => Vec::new(),
    };
    Ok(events)
}

fn decide_add_channel(
    party: &PartyState,
    channel_id: ChannelId,
    channel: &Channel,
    label: &Option<Label>,
) -> Result<Vec<PartyEvent>, DomainError> {
    if party.channel(channel_id).is_some() {
        return Err(DomainError::already_exists("channel", channel_id));
    }
    if party.channels.len() >= CHANNELS_PER_PARTY_MAX {
        return Err(DomainError::rejected(
            "party.too_many_channels",
            format!("a party holds at most {CHANNELS_PER_PARTY_MAX} channels"),
        ));
    }
    ensure_no_duplicate_channel(party, channel, None)?;
    let mut events = vec![PartyEvent::ChannelAdded(ChannelAdded {
        channel_id,
        kind: channel.kind(),
        value: channel.value().to_owned(),
        label: label.clone().map(Label::into_string),
    })];
    if !party
        .channels
        .iter()
        .any(|existing| existing.kind == channel.kind())
    {
        events.push(PartyEvent::PrimaryChannelSet(PrimaryChannelSet {
            channel_id,
        }));
    }
    Ok(events)
}

fn ensure_no_duplicate_channel(
    party: &PartyState,
    channel: &Channel,
    except: Option<ChannelId>,
) -> Result<(), DomainError> {
    let duplicate = party.channels.iter().any(|existing| {
        Some(existing.id) != except
            && existing.kind == channel.kind()
            && existing.value == channel.value()
    });
    if duplicate {
        return Err(DomainError::rejected(
            "party.duplicate_channel",
            format!(
                "this party already has the {} {}",
                channel.kind(),
                channel.value()
            ),
        ));
    }
    Ok(())
}

fn unknown_channel(channel_id: ChannelId) -> DomainError {
    DomainError::part_not_found("channel", channel_id)
}

fn evolve_existing(party: &mut PartyState, event: &PartyEvent) {
    match event {
        PartyEvent::Registered(_) => {}
        PartyEvent::Renamed(renamed) => party.name = renamed.name.clone(),
        PartyEvent::JoinedCompany(joined) => {
            party.company = Some(joined.company);
            party.job_title = joined.job_title.clone();
        }
        PartyEvent::LeftCompany(_) => {
            party.company = None;
            party.job_title = None;
        }
        PartyEvent::ChannelAdded(added) => party.channels.push(ChannelState {
            id: added.channel_id,
            kind: added.kind,
            value: added.value.clone(),
            label: added.label.clone(),
            primary: false,
        }),
        PartyEvent::ChannelChanged(changed) => {
            if let Some(channel) = party
                .channels
                .iter_mut()
                .find(|c| c.id == changed.channel_id)
            {
                channel.value = changed.value.clone();
                channel.label = changed.label.clone();
            }
        }
        PartyEvent::ChannelRemoved(removed) => {
            party
                .channels
                .retain(|channel| channel.id != removed.channel_id);
        }
        PartyEvent::PrimaryChannelSet(set) => {
            let kind = party.channel(set.channel_id).map(|channel| channel.kind);
            for channel in &mut party.channels {
                if Some(channel.kind) == kind {
                    channel.primary = channel.id == set.channel_id;
                }
            }
        }
        PartyEvent::Tagged(tagged) => {
            party.tags.insert(tagged.tag.clone());
        }
        PartyEvent::Untagged(untagged) => {
            party.tags.remove(&untagged.tag);
        }
        PartyEvent::SourceSet(set) => party.source = set.source.clone(),
        PartyEvent::OwnerAssigned(assigned) => party.owner = assigned.owner,
        PartyEvent::BranchChanged(changed) => party.branch = changed.branch,
        PartyEvent::CustomFieldSet(set) => {
            party
                .custom_fields
                .insert(set.key.clone(), set.value.clone());
        }
        PartyEvent::CustomFieldCleared(cleared) => {
            party.custom_fields.remove(&cleared.key);
        }
        PartyEvent::Archived(_) => party.status = PartyStatus::Archived,
        PartyEvent::Restored(_) => party.status = PartyStatus::Active,
        PartyEvent::Merged(merged) => party.status = PartyStatus::Merged { into: merged.into },
        PartyEvent::DuplicateAbsorbed(absorbed) => {
            party.absorbed.insert(absorbed.duplicate);
        }
        PartyEvent::Erased(_) => blank(party),
        PartyEvent::RolesSet(set) => party.roles = set.roles,
    }
}

/// An erased party as it reads whether its history was folded before the
/// key was destroyed or after (when every sealed field decodes blank):
/// names, job title, source, channel addresses and labels, tags and
/// custom fields gone; kind, company, owner, branch, status, channel kinds
/// and merges kept.
fn blank(party: &mut PartyState) {
    party.name = party.name.blanked();
    party.job_title = None;
    party.source = None;
    for channel in &mut party.channels {
        channel.value.clear();
        channel.label = None;
    }
    party.tags.clear();
    party.custom_fields.clear();
    party.erased = true;
}

#[cfg(test)]
mod tests;
