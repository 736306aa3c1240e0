//! Parties, once for every adapter: merging a duplicate into the party
//! that survives it. The merge changes two aggregates (the survivor
//! absorbs the duplicate, then the duplicate becomes a redirect), so both
//! are checked before the first is written: the caller must reach both,
//! or a manager could merge a customer into another's and read that one
//! through the redirect.

use domain::ids::{PartyId, derived};
use domain::parties::{Party, PartyCommand, PartyStatus};
use domain::{Decider, Issued};

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed};
use crate::guarded;
use crate::{App, Run};

/// The party use cases of `app`.
#[derive(Debug)]
pub struct PartyUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn parties(&self) -> PartyUseCases<'_> {
        PartyUseCases { app: self }
    }
}

impl PartyUseCases<'_> {
    /// Merges `duplicate` into `survivor`. `run`'s expected version is the
    /// duplicate's; the answer is the duplicate's last write. A repeat of
    /// a merge that went through changes nothing.
    pub async fn merge(
        &self,
        by: &Caller,
        run: Run,
        duplicate: PartyId,
        survivor: PartyId,
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        let merge = PartyCommand::MergeInto {
            duplicate,
            survivor,
        };
        let absorb = PartyCommand::AbsorbDuplicate { duplicate };
        guarded::authorize::<Party, _>(commands, by, duplicate.as_uuid(), &merge)?;
        guarded::authorize::<Party, _>(commands, by, survivor.as_uuid(), &absorb)?;
        let (party, version) = self.app.load::<Party>(duplicate)?;
        let party = party.ok_or_else(|| access::not_found(Kind::Party, duplicate.as_uuid()))?;
        // A repeat of a merge that went through is answered by the
        // handler as a repeat; only a new one is checked first, so a
        // refusal leaves neither party changed.
        if party.status != (PartyStatus::Merged { into: survivor }) {
            crate::aggregate::ensure_version(run.expected_version, version)?;
            Party::decide(
                &Some(party),
                &Issued::new(by.user, self.app.clock.now(), merge.clone()),
            )?;
        }
        // The survivor's half carries an id derived from this write's, so
        // a retry of the merge finds it done.
        let absorb_run = Run {
            command_id: derived(run.command_id, b"absorb"),
            expected_version: None,
        };
        self.app
            .execute::<Party, _>(by, absorb_run, survivor, absorb, None)
            .await?;
        self.app
            .execute::<Party, _>(by, run, duplicate, merge, None)
            .await
    }
}
