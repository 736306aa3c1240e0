//! Leads: interest not yet qualified into a deal.
//!
//! A lead is one stream, `lead-<id>`. It is captured from whatever the
//! business learned (a contact name, a company name, an email or phone, or
//! an existing party) and has an owner who follows it up. It is either
//! disqualified, with a reason, and may be reopened later, or converted
//! once into a deal. Conversion is final: the deal carries the story on.
//! The application opens the deal stream and, when the lead names no
//! party, registers one; the lead only records the ids it was given.

use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::channel::{Channel, ChannelKind};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{DealId, PartyId, UserId};
use crate::parties::ErasureReason;
use crate::personal::{PersonalData, Slot, slot};
use crate::values::Label;

const ENTITY: &str = "lead";

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCaptured {
    pub title: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    /// Normalized: lower-case.
    pub email: Option<String>,
    /// Normalized: a leading `+` and digits.
    pub phone: Option<String>,
    /// The party the lead came from, if already known.
    pub party: Option<PartyId>,
    /// How the lead came to the business: "website", "fair 2026"…
    pub source: Option<String>,
    pub owner: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadOwnerAssigned {
    pub owner: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDisqualified {
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadReopened {}

/// The lead became the deal `deal` with the party `party`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadConverted {
    pub deal: DealId,
    pub party: PartyId,
}

/// The lead's personal data was erased (its key destroyed); nothing
/// personal in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadErased {
    pub reason: ErasureReason,
}

domain_events! {
    /// Everything that can happen to a lead.
    pub enum LeadEvent in "lead" {
        Captured(LeadCaptured) = "LeadCaptured" v 1,
        OwnerAssigned(LeadOwnerAssigned) = "LeadOwnerAssigned" v 1,
        Disqualified(LeadDisqualified) = "LeadDisqualified" v 1,
        Reopened(LeadReopened) = "LeadReopened" v 1,
        Converted(LeadConverted) = "LeadConverted" v 1,
        Erased(LeadErased) = "LeadErased" v 1,
    }
}

/// A lead's title, contact, company, email, phone, source and the reason
/// it was disqualified are personal; its owner, party and deal are not.
impl PersonalData for LeadEvent {
    const PERSONAL: bool = true;

    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        match self {
            Self::Captured(LeadCaptured {
                title,
                contact_name,
                company_name,
                email,
                phone,
                source,
                ..
            }) => vec![
                slot(title),
                slot(contact_name),
                slot(company_name),
                slot(email),
                slot(phone),
                slot(source),
            ],
            Self::Disqualified(LeadDisqualified { reason }) => vec![slot(reason)],
            Self::OwnerAssigned(_) | Self::Reopened(_) | Self::Converted(_) | Self::Erased(_) => {
                Vec::new()
            }
        }
    }
}

// -------------------------------------------------------------- commands

/// An email address, normalized as a party's email channel is, so a lead
/// and the party it becomes compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Channel::parse(ChannelKind::Email, raw)
            .map(|channel| Self(channel.into_value()))
            .map_err(|error| reported_as(field, error))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number, normalized as a party's mobile phone channel is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Channel::parse(ChannelKind::MobilePhone, raw)
            .map(|channel| Self(channel.into_value()))
            .map_err(|error| reported_as(field, error))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Channel parsing names its field `value`; a lead's fields have their own
/// names.
fn reported_as(field: &str, error: DomainError) -> DomainError {
    match error {
        DomainError::Invalid { problem, .. } => DomainError::invalid(field, problem),
        other => other,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureLead {
    pub title: Label,
    pub contact_name: Option<Label>,
    pub company_name: Option<Label>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub party: Option<PartyId>,
    pub source: Option<Label>,
    pub owner: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeadCommand {
    Capture(CaptureLead),
    AssignOwner(UserId),
    Disqualify {
        reason: Label,
    },
    Reopen,
    /// Issued after the application opened the deal `deal` for `party`.
    Convert {
        deal: DealId,
        party: PartyId,
    },
    /// Erases the lead's personal data (the application then destroys its
    /// key); allowed in any status, once.
    Erase {
        reason: ErasureReason,
    },
}

// ----------------------------------------------------------------- state

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LeadStatus {
    #[default]
    Open,
    Disqualified {
        reason: String,
    },
    /// Final: the deal carries the story on.
    Converted {
        deal: DealId,
        party: PartyId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadState {
    pub title: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub party: Option<PartyId>,
    pub source: Option<String>,
    pub owner: UserId,
    pub status: LeadStatus,
    /// Its personal data was erased: its texts are blank and it takes no
    /// more changes.
    pub erased: bool,
}

/// The lead decider. State is `None` until the lead is captured.
#[derive(Debug)]
pub struct Lead;

impl Decider for Lead {
    type State = Option<LeadState>;
    type Command = Issued<LeadCommand>;
    type Event = LeadEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<LeadEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let LeadCommand::Capture(capture) = command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(already_captured());
        }
        if capture.contact_name.is_none()
            && capture.company_name.is_none()
            && capture.party.is_none()
        {
            return Err(DomainError::invalid(
                "contact_name",
                "a lead needs a contact name, a company name or a party",
            ));
        }
        Ok(vec![LeadEvent::Captured(LeadCaptured {
            title: capture.title.as_str().to_owned(),
            contact_name: capture.contact_name.as_ref().map(label_string),
            company_name: capture.company_name.as_ref().map(label_string),
            email: capture
                .email
                .as_ref()
                .map(|email| email.as_str().to_owned()),
            phone: capture
                .phone
                .as_ref()
                .map(|phone| phone.as_str().to_owned()),
            party: capture.party,
            source: capture.source.as_ref().map(label_string),
            owner: capture.owner,
        })])
    }

    fn evolve(state: Self::State, event: &LeadEvent) -> Self::State {
        let LeadEvent::Captured(captured) = event else {
            return state.map(|mut lead| {
                evolve_existing(&mut lead, event);
                lead
            });
        };
        Some(LeadState {
            title: captured.title.clone(),
            contact_name: captured.contact_name.clone(),
            company_name: captured.company_name.clone(),
            email: captured.email.clone(),
            phone: captured.phone.clone(),
            party: captured.party,
            source: captured.source.clone(),
            owner: captured.owner,
            status: LeadStatus::Open,
            erased: false,
        })
    }
}

fn label_string(label: &Label) -> String {
    label.as_str().to_owned()
}

fn already_captured() -> DomainError {
    DomainError::rejected("lead.already_captured", "this lead is already captured")
}

fn decide_existing(lead: &LeadState, command: &LeadCommand) -> Result<Vec<LeadEvent>, DomainError> {
    if let LeadCommand::Erase { reason } = command {
        return Ok(crate::unless_unchanged(lead.erased, || {
            LeadEvent::Erased(LeadErased { reason: *reason })
        }));
    }
    if lead.erased {
        return Err(DomainError::rejected(
            "lead.erased",
            "this lead's personal data was erased; it takes no more changes",
        ));
    }
    if let LeadStatus::Converted { deal, .. } = lead.status {
        return Err(DomainError::rejected(
            "lead.converted",
            format!("this lead became the deal {deal}; change that deal instead"),
        ));
    }
    let disqualified = matches!(lead.status, LeadStatus::Disqualified { .. });
    let needs_open = matches!(
        command,
        LeadCommand::AssignOwner(_) | LeadCommand::Convert { .. }
    );
    if disqualified && needs_open {
        return Err(DomainError::rejected(
            "lead.disqualified",
            "this lead is disqualified; reopen it first",
        ));
    }
    let events = match command {
        LeadCommand::Capture(_) => return Err(already_captured()),
        LeadCommand::AssignOwner(owner) => crate::unless_unchanged(lead.owner == *owner, || {
            LeadEvent::OwnerAssigned(LeadOwnerAssigned { owner: *owner })
        }),
        LeadCommand::Disqualify { reason } => crate::unless_unchanged(disqualified, || {
            LeadEvent::Disqualified(LeadDisqualified {
                reason: reason.as_str().to_owned(),
            })
        }),
        LeadCommand::Reopen => {
            if disqualified {
                vec![LeadEvent::Reopened(LeadReopened {})]
            } else {
                vec![]
            }
        }
        LeadCommand::Convert { deal, party } => {
            if let Some(known) = lead.party.filter(|known| known != party) {
                return Err(DomainError::rejected(
                    "lead.party_mismatch",
                    format!("this lead came from the party {known}; convert it for that party"),
                ));
            }
            vec![LeadEvent::Converted(LeadConverted {
                deal: *deal,
                party: *party,
            })]
        }
        // Decided above, before any status check.
        LeadCommand::Erase { .. } => Vec::new(),
    };
    Ok(events)
}

fn evolve_existing(lead: &mut LeadState, event: &LeadEvent) {
    match event {
        LeadEvent::Captured(_) => {}
        LeadEvent::OwnerAssigned(assigned) => lead.owner = assigned.owner,
        LeadEvent::Disqualified(disqualified) => {
            lead.status = LeadStatus::Disqualified {
                reason: disqualified.reason.clone(),
            };
        }
        LeadEvent::Reopened(_) => lead.status = LeadStatus::Open,
        LeadEvent::Converted(converted) => {
            lead.party = Some(converted.party);
            lead.status = LeadStatus::Converted {
                deal: converted.deal,
                party: converted.party,
            };
        }
        LeadEvent::Erased(_) => {
            // As the lead reads once its key is gone, whichever came first.
            lead.title.clear();
            lead.contact_name = None;
            lead.company_name = None;
            lead.email = None;
            lead.phone = None;
            lead.source = None;
            if let LeadStatus::Disqualified { reason } = &mut lead.status {
                reason.clear();
            }
            lead.erased = true;
        }
    }
}

#[cfg(test)]
mod tests;
