//! Erasing a person's data (issue 15, ADR 0018), once for every adapter.
//!
//! Erasing a party records `PartyErased` on it and on every duplicate it
//! absorbed (their histories show under it), then destroys the keys its
//! personal data was sealed with: the parties' own, and those of every
//! interaction about them and every lead naming them. The log keeps every
//! byte, so `verify` passes; what was sealed reads blank from then on, in
//! every reader, projection rebuilt from scratch and backup made after.
//!
//! The events come first and the keys after, so a crash in between leaves
//! an erased party whose keys still live; [`destroy_keys`] runs again for
//! every erased party when the application starts
//! ([`crate::running::Running`]), and a repeated erasure destroys them too.

use std::collections::BTreeSet;

use domain::documents::DocumentEvent;
use domain::fleet::DeliveryEvent;
use domain::ids::LeadId;
use domain::ids::{PartyId, derived};
use domain::interactions::InteractionEvent;
use domain::parties::{ErasureReason, Party, PartyCommand};
use domain::pipeline::{Lead, LeadCommand, LeadEvent};
use domain::{CrmEvent, DomainEvent as _};
use eventlog::{EventLog, ReadFilter};
use uuid::Uuid;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed};
use crate::guarded;
use crate::{App, Run};

/// Parties followed through merges of merges, at most.
const ABSORBED_DEPTH_MAX: usize = 8;

/// What an erasure did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    /// The party asked for, then the duplicates it absorbed (none when a
    /// lead was erased).
    pub parties: Vec<PartyId>,
    /// Keys destroyed now (a repeat destroys none).
    pub keys_destroyed: usize,
    /// The erased party's last write.
    pub executed: Executed,
}

/// The erasure use cases of `app`.
#[derive(Debug)]
pub struct ErasureUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn erasure(&self) -> ErasureUseCases<'_> {
        ErasureUseCases { app: self }
    }
}

impl ErasureUseCases<'_> {
    /// Erases `party`'s personal data and that of the duplicates it
    /// absorbed. Administrators only; a missing party (or one out of
    /// reach) is refused before anything is written.
    pub async fn erase(
        &self,
        by: &Caller,
        run: Run,
        party: PartyId,
        reason: ErasureReason,
    ) -> Result<Erasure, CommandError> {
        let (parties, executed) = self.record(by, run, party, reason).await?;
        let keys_destroyed = destroy_keys_apart(self.app, parties.clone()).await?;
        Ok(Erasure {
            parties,
            keys_destroyed,
            executed,
        })
    }

    /// Records `PartyErased` on `party` and the duplicates it absorbed,
    /// answering them (the party first) and the party's write; their keys
    /// are left to [`destroy_keys`], so that erasing many parties reads
    /// the log for their records once (a retention run).
    pub(crate) async fn record(
        &self,
        by: &Caller,
        run: Run,
        party: PartyId,
        reason: ErasureReason,
    ) -> Result<(Vec<PartyId>, Executed), CommandError> {
        let commands = &self.app.commands;
        let erase = PartyCommand::Erase { reason };
        guarded::authorize::<Party, _>(commands, by, party.as_uuid(), &erase)?;
        let parties = with_absorbed(self.app, party)?;
        for each in &parties {
            guarded::authorize::<Party, _>(commands, by, each.as_uuid(), &erase)?;
        }
        let mut executed = None;
        // The duplicates first, the party asked for last: its write is the
        // answer, and a crash midway leaves it to be erased again.
        for each in parties.iter().rev() {
            let this = Run {
                command_id: derived(run.command_id, each.as_uuid().as_bytes()),
                expected_version: if *each == party {
                    run.expected_version
                } else {
                    None
                },
            };
            executed = Some(
                self.app
                    .execute::<Party, _>(by, this, each.as_uuid(), erase.clone(), None)
                    .await?,
            );
        }
        let executed = executed.ok_or_else(|| access::not_found(Kind::Party, party.as_uuid()))?;
        Ok((parties, executed))
    }

    /// Erases a lead's personal data: `LeadErased`, then its key
    /// destroyed. For a lead that names no party (one that does goes with
    /// its party's erasure too). Administrators only.
    pub async fn erase_lead(
        &self,
        by: &Caller,
        run: Run,
        lead: LeadId,
        reason: ErasureReason,
    ) -> Result<Erasure, CommandError> {
        let executed = self
            .app
            .execute::<Lead, _>(by, run, lead.as_uuid(), LeadCommand::Erase { reason }, None)
            .await?;
        let keys_destroyed = usize::from(
            self.app
                .commands
                .keys()
                .erase(lead.as_uuid())
                .map_err(|error| CommandError::Sealing(error.to_string()))?,
        );
        Ok(Erasure {
            parties: Vec::new(),
            keys_destroyed,
            executed,
        })
    }
}

/// [`destroy_keys`] of `parties`, off the async threads: it reads the log.
pub(crate) async fn destroy_keys_apart(
    app: &App,
    parties: Vec<PartyId>,
) -> Result<usize, CommandError> {
    let (log, keys) = (app.commands.log().clone(), app.commands.keys());
    tokio::task::spawn_blocking(move || destroy_keys(&log, keys.as_ref(), &parties))
        .await
        .map_err(|error| CommandError::Sealing(format!("the erasure task failed: {error}")))?
}

/// `party`, then every duplicate it absorbed, through merges of merges;
/// missing is not found.
pub(crate) fn with_absorbed(app: &App, party: PartyId) -> Result<Vec<PartyId>, CommandError> {
    let mut found = vec![party];
    let mut next = vec![party];
    for _depth in 0..ABSORBED_DEPTH_MAX {
        let mut deeper = Vec::new();
        for each in next {
            let (state, _) = app.load::<Party>(each)?;
            let state = state.ok_or_else(|| access::not_found(Kind::Party, each.as_uuid()))?;
            for duplicate in state.absorbed {
                if !found.contains(&duplicate) {
                    found.push(duplicate);
                    deeper.push(duplicate);
                }
            }
        }
        if deeper.is_empty() {
            break;
        }
        next = deeper;
    }
    Ok(found)
}

/// Destroys the keys of `parties` and of every interaction about them,
/// lead naming them, document addressed to them and delivery made to
/// them; answers how many were destroyed now. Reads the
/// interactions and leads of the whole log: erasures are rare. The
/// parties' own keys go last, so one still alive means an erasure to
/// finish.
pub fn destroy_keys(
    log: &EventLog,
    keys: &dyn domain::personal::SubjectKeys,
    parties: &[PartyId],
) -> Result<usize, CommandError> {
    let records = records_about(log, parties)?;
    let subjects = records
        .into_iter()
        .chain(parties.iter().map(|party| party.as_uuid()));
    let mut destroyed = 0;
    for subject in subjects {
        if keys
            .erase(subject)
            .map_err(|error| CommandError::Sealing(error.to_string()))?
        {
            destroyed += 1;
        }
    }
    Ok(destroyed)
}

/// The interactions about `parties`, the leads naming them and the
/// documents addressed to them.
fn records_about(log: &EventLog, parties: &[PartyId]) -> Result<BTreeSet<Uuid>, CommandError> {
    let mut found = BTreeSet::new();
    for category in [
        InteractionEvent::CATEGORY,
        LeadEvent::CATEGORY,
        DocumentEvent::CATEGORY,
        DeliveryEvent::CATEGORY,
    ] {
        let filter = ReadFilter::category(category)?;
        crate::records::for_each(log, &filter, |record, event| {
            let names = match event {
                CrmEvent::Interaction(InteractionEvent::Logged(logged)) => Some(logged.party),
                CrmEvent::Lead(LeadEvent::Captured(captured)) => captured.party,
                CrmEvent::Lead(LeadEvent::Converted(converted)) => Some(converted.party),
                CrmEvent::Document(DocumentEvent::Issued(issued)) => issued.party,
                CrmEvent::Delivery(DeliveryEvent::Planned(planned)) => Some(planned.party),
                _ => None,
            };
            if names.is_some_and(|party| parties.contains(&party))
                && let Ok(id) = Uuid::parse_str(record.stream.id())
            {
                found.insert(id);
            }
            Ok(())
        })?;
    }
    Ok(found)
}
