//! Parties, once for every adapter: registering a customer with its first
//! channels and tags in one step, and merging a duplicate into the party
//! that survives it. The merge changes two aggregates (the survivor
//! absorbs the duplicate, then the duplicate becomes a redirect), so both
//! are checked before the first is written: the caller must reach both,
//! or a manager could merge a customer into another's and read that one
//! through the redirect.

use domain::DomainError;
use domain::channel::Channel;
use domain::ids::{ChannelId, PartyId, derived};
use domain::parties::{Party, PartyCommand, PartyStatus, RegisterParty};
use domain::values::{Label, Tag};
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

/// A new customer as a form gives it: the registration, then its first
/// channels (with a label each) and tags.
#[derive(Clone, Debug)]
pub struct NewCustomer {
    pub register: RegisterParty,
    pub channels: Vec<(Channel, Option<Label>)>,
    pub tags: Vec<Tag>,
}

/// Channels and tags given with a new customer, at most: a form offers a
/// few, and each is one more event.
pub const FIRST_CHANNELS_MAX: usize = 10;
pub const FIRST_TAGS_MAX: usize = 20;

impl PartyUseCases<'_> {
    /// Registers `party` with its first channels and tags. Everything is
    /// checked before the first event (the caller may create parties and
    /// reach the company named; no channel twice; within the limits); the
    /// channels' ids and each step's command id derive from `run`'s, so a
    /// resubmitted form registers nothing twice. Answers the last write.
    pub async fn register(
        &self,
        by: &Caller,
        run: Run,
        party: PartyId,
        new: NewCustomer,
    ) -> Result<Executed, CommandError> {
        if new.channels.len() > FIRST_CHANNELS_MAX {
            return Err(DomainError::invalid(
                "channels",
                format!("at most {FIRST_CHANNELS_MAX} channels at registration"),
            )
            .into());
        }
        if new.tags.len() > FIRST_TAGS_MAX {
            return Err(DomainError::invalid(
                "tags",
                format!("at most {FIRST_TAGS_MAX} tags at registration"),
            )
            .into());
        }
        for (index, (channel, _)) in new.channels.iter().enumerate() {
            if new.channels[..index]
                .iter()
                .any(|(earlier, _)| earlier == channel)
            {
                return Err(DomainError::invalid(
                    format!("channels[{index}]"),
                    "this channel is given twice",
                )
                .into());
            }
        }
        let register = PartyCommand::Register(new.register);
        guarded::authorize::<Party, _>(&self.app.commands, by, party.as_uuid(), &register)?;
        let mut executed = self
            .app
            .execute::<Party, _>(by, run, party, register, None)
            .await?;
        let steps = new
            .channels
            .into_iter()
            .enumerate()
            .map(|(index, (channel, label))| {
                let name = format!("channel-{index}");
                PartyCommand::AddChannel {
                    channel_id: ChannelId::from_uuid(derived(run.command_id, name.as_bytes())),
                    channel,
                    label,
                }
            })
            .chain(new.tags.into_iter().map(PartyCommand::Tag));
        for (index, step) in steps.enumerate() {
            let step_run = Run {
                command_id: derived(run.command_id, format!("step-{index}").as_bytes()),
                expected_version: None,
            };
            executed = self
                .app
                .execute::<Party, _>(by, step_run, party, step, None)
                .await?;
        }
        Ok(executed)
    }

    /// Merges `duplicate` into `survivor` as [`Self::merge`] does, after
    /// giving the survivor what the person merging chose to keep of the
    /// duplicate: some of its channels and tags (the survivor keeps its own
    /// name, owner and everything else). Both parties are checked before
    /// anything is written; each copy carries an id derived from the
    /// merge's, so a retry after a failure repeats nothing.
    pub async fn merge_keeping(
        &self,
        by: &Caller,
        run: Run,
        (duplicate, survivor): (PartyId, PartyId),
        (channels, tags): (Vec<(Channel, Option<Label>)>, Vec<Tag>),
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        let merge = PartyCommand::MergeInto {
            duplicate,
            survivor,
        };
        guarded::authorize::<Party, _>(commands, by, duplicate.as_uuid(), &merge)?;
        guarded::authorize::<Party, _>(
            commands,
            by,
            survivor.as_uuid(),
            &PartyCommand::AbsorbDuplicate { duplicate },
        )?;
        let copies = channels
            .into_iter()
            .enumerate()
            .map(|(index, (channel, label))| PartyCommand::AddChannel {
                channel_id: ChannelId::from_uuid(derived(
                    run.command_id,
                    format!("keep-channel-{index}").as_bytes(),
                )),
                channel,
                label,
            })
            .chain(tags.into_iter().map(PartyCommand::Tag));
        for (index, copy) in copies.enumerate() {
            let copy_run = Run {
                command_id: derived(run.command_id, format!("keep-{index}").as_bytes()),
                expected_version: None,
            };
            self.app
                .execute::<Party, _>(by, copy_run, survivor, copy, None)
                .await?;
        }
        self.merge(by, run, duplicate, survivor).await
    }

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
