//! A subject access export (issue 15): everything HyperCRM holds about a
//! person, as JSON, once for every adapter.
//!
//! Read models are folded from the log, so the log's events are the whole
//! of it: the export lists, oldest first, every event of the party (and of
//! the duplicates it absorbed), of its account, and of every interaction,
//! lead, deal, order, imported sale, task and calendar entry about it,
//! each with its times, who recorded it and its payload as readers see it
//! (opened; blank once erased).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::CrmEvent;
use domain::access::{Action, Module, Permission};
use domain::ids::PartyId;
use domain::interactions::InteractionEvent;
use domain::pipeline::{DealEvent, LeadEvent};
use domain::planning::{CalendarEvent, Link, TaskEvent};
use domain::sales::{OrderEvent, SaleEvent};
use eventlog::{Actor, ReadFilter, RecordedEvent};
use serde::Serialize;
use uuid::Uuid;

use crate::App;
use crate::access::{self, Caller, Kind};
use crate::commands::CommandError;

/// The export's format name.
pub const EXPORT_FORMAT: &str = "hypercrm-subject-access/1";

/// Everything held about one party.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectAccessExport {
    pub format: &'static str,
    pub party: Uuid,
    /// The party and the duplicates it absorbed.
    pub parties: Vec<Uuid>,
    pub generated_at: DateTime<Utc>,
    /// Its personal data was erased: what is left is not personal.
    pub erased: bool,
    pub events: Vec<ExportedEvent>,
}

/// One event about the party.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedEvent {
    pub position: u64,
    pub stream: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// A user's id, or `system:<process>`.
    pub recorded_by: String,
    pub payload: serde_json::Value,
}

/// The subject access use cases of `app`.
#[derive(Debug)]
pub struct SubjectAccessUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn subject_access(&self) -> SubjectAccessUseCases<'_> {
        SubjectAccessUseCases { app: self }
    }
}

impl SubjectAccessUseCases<'_> {
    /// Everything held about `party`, for a caller who may export parties
    /// and reaches it (one out of reach reads as missing). Reads the whole
    /// log: call it where blocking is fine.
    pub fn export(&self, by: &Caller, party: PartyId) -> Result<SubjectAccessExport, CommandError> {
        let commands = &self.app.commands;
        let permission = Permission::new(Module::Parties, Action::Export);
        if !by.grants.allows(permission) {
            return Err(CommandError::Forbidden { permission });
        }
        access::ensure_in_reach(commands, by, permission, Kind::Party, party.as_uuid())?;
        let parties = crate::erasure::with_absorbed(self.app, party)?;
        let (state, _) = self.app.load::<domain::parties::Party>(party)?;
        let erased = state.is_some_and(|state| state.erased);
        let events = collect(commands.log(), &parties)?;
        Ok(SubjectAccessExport {
            format: EXPORT_FORMAT,
            party: party.as_uuid(),
            parties: parties.iter().map(|party| party.as_uuid()).collect(),
            generated_at: self.app.now(),
            erased,
            events,
        })
    }
}

/// Whether a record's first event ties its stream to one of `parties`.
fn names_party(event: &CrmEvent, parties: &[PartyId]) -> bool {
    let party = match event {
        CrmEvent::Interaction(InteractionEvent::Logged(logged)) => Some(logged.party),
        CrmEvent::Lead(LeadEvent::Captured(captured)) => captured.party,
        CrmEvent::Lead(LeadEvent::Converted(converted)) => Some(converted.party),
        CrmEvent::Deal(DealEvent::Opened(opened)) => Some(opened.party),
        CrmEvent::Order(OrderEvent::Drafted(drafted)) => Some(drafted.party),
        CrmEvent::Sale(SaleEvent::Imported(sale)) => Some(sale.party),
        CrmEvent::Task(TaskEvent::Created(created)) => match created.link {
            Some(Link::Party(party)) => Some(party),
            _ => None,
        },
        CrmEvent::Calendar(CalendarEvent::Scheduled(scheduled)) => match scheduled.link {
            Some(Link::Party(party)) => Some(party),
            _ => None,
        },
        _ => None,
    };
    party.is_some_and(|party| parties.contains(&party))
}

/// Every event of the parties' own streams (party, account) and of the
/// streams whose first event names one of them, oldest first.
fn collect(
    log: &eventlog::EventLog,
    parties: &[PartyId],
) -> Result<Vec<ExportedEvent>, CommandError> {
    let own: BTreeSet<Uuid> = parties.iter().map(|party| party.as_uuid()).collect();
    let mut about: BTreeSet<String> = BTreeSet::new();
    let mut events = Vec::new();
    crate::records::for_each(log, &ReadFilter::all(), |record, event| {
        let own_stream = matches!(record.stream.category(), "party" | "account")
            && Uuid::parse_str(record.stream.id()).is_ok_and(|id| own.contains(&id));
        let stream = record.stream.to_string();
        if !own_stream && !about.contains(&stream) {
            if !names_party(&event, parties) {
                return Ok(());
            }
            about.insert(stream.clone());
        }
        events.push(exported(record, stream, &event));
        Ok(())
    })?;
    Ok(events)
}

fn exported(record: &RecordedEvent, stream: String, event: &CrmEvent) -> ExportedEvent {
    ExportedEvent {
        position: record.position,
        stream,
        event_type: event.event_type().to_owned(),
        occurred_at: record.occurred_at,
        recorded_at: record.recorded_at,
        recorded_by: match &record.actor {
            Actor::User { user_id, .. } => user_id.to_string(),
            Actor::System { process } => format!("system:{process}"),
        },
        // Payloads hold only strings, numbers, ids, times and enums.
        payload: serde_json::to_value(event).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::UserId;
    use domain::parties::{PartyEvent, PartyNameData, PartyRegistered};

    /// Protects which records count as "about" a party: those whose first
    /// event names it, and no other.
    #[test]
    fn a_record_is_about_the_parties_its_first_event_names() {
        let anna = PartyId::from_uuid(Uuid::from_u128(1));
        let boris = PartyId::from_uuid(Uuid::from_u128(2));
        let logged = CrmEvent::Interaction(InteractionEvent::Logged(
            domain::interactions::InteractionLogged {
                party: anna,
                deal: None,
                kind: domain::interactions::InteractionKind::Note,
                subject: None,
                body: "hello".to_owned(),
                logged_by: UserId::from_uuid(Uuid::from_u128(9)),
            },
        ));
        assert!(names_party(&logged, &[anna]));
        assert!(!names_party(&logged, &[boris]));
        let registered = CrmEvent::Party(PartyEvent::Registered(PartyRegistered {
            name: PartyNameData::Company {
                name: "Acme".to_owned(),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: UserId::from_uuid(Uuid::from_u128(9)),
            branch: None,
        }));
        assert!(
            !names_party(&registered, &[anna]),
            "a party's own stream is matched by id"
        );
    }
}
