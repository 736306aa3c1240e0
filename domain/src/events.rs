//! Every event of the CRM, as one type, for the readers of the whole log
//! (projections, the audit trail, the live feed).

use crate::codec::{DecodeError, DomainEvent};
use crate::parties::PartyEvent;

/// An event of any CRM aggregate.
#[derive(Clone, Debug, PartialEq)]
pub enum CrmEvent {
    Party(PartyEvent),
}

impl CrmEvent {
    /// The stream categories whose events this type decodes.
    pub const CATEGORIES: &'static [&'static str] = &[PartyEvent::CATEGORY];

    /// Decodes a stored event of a CRM stream category; `Ok(None)` for a
    /// category that belongs to another module.
    pub fn decode(
        category: &str,
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, DecodeError> {
        let event = match category {
            PartyEvent::CATEGORY => {
                Self::Party(PartyEvent::decode(event_type, schema_version, payload)?)
            }
            _ => return Ok(None),
        };
        Ok(Some(event))
    }

    /// The stream category of the aggregate the event belongs to.
    pub fn category(&self) -> &'static str {
        match self {
            Self::Party(_) => PartyEvent::CATEGORY,
        }
    }

    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Party(event) => event.event_type(),
        }
    }
}
