//! Leads, once for every adapter: converting a lead into a deal. The
//! conversion changes two aggregates (a deal is opened for the lead's
//! party, then the lead records it), so everything both halves need is
//! checked before the first is written: the lead and the party within the
//! caller's reach, the version the client saw, the lead still open, the
//! stage of the pipeline. A lead that names no party can become a new
//! customer on the way.

use chrono::NaiveDate;
use domain::access::{Action, Module, Permission};
use domain::channel::{Channel, ChannelKind};
use domain::ids::{DealId, LeadId, PartyId, PipelineId, StageId, UserId, derived};
use domain::parties::{PartyName, RegisterParty};
use domain::pipeline::{Lead, LeadCommand, LeadState, LeadStatus, Probability};
use domain::values::{Label, Money};
use domain::{Decider, DomainError, Issued};

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed};
use crate::deals::{NewDeal, stage_in};
use crate::guarded;
use crate::parties::NewCustomer;
use crate::{App, Run};

/// The deal a lead becomes.
#[derive(Clone, Debug)]
pub struct ConvertLead {
    /// Required when the lead names no party.
    pub party: Option<PartyId>,
    pub pipeline: PipelineId,
    pub stage: Option<StageId>,
    pub probability: Option<Probability>,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    /// The deal's title; the lead's when absent.
    pub title: Option<Label>,
    /// The deal's owner; the lead's when absent.
    pub owner: Option<UserId>,
}

/// The lead use cases of `app`.
#[derive(Debug)]
pub struct LeadUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn leads(&self) -> LeadUseCases<'_> {
        LeadUseCases { app: self }
    }
}

impl LeadUseCases<'_> {
    /// Converts `lead` into a deal whose id derives from the run's
    /// command id; `run`'s expected version is the lead's. A repeat of a
    /// conversion that went through changes nothing.
    pub async fn convert(
        &self,
        by: &Caller,
        run: Run,
        lead: LeadId,
        into: ConvertLead,
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        let deal = DealId::from_uuid(derived(run.command_id, b"deal"));
        let (found, version) = self.app.load::<Lead>(lead)?;
        let found = found.ok_or_else(|| access::not_found(Kind::Lead, lead.as_uuid()))?;
        let party = into
            .party
            .or(found.party)
            .ok_or_else(|| DomainError::invalid("party", "is required: the lead names no party"))?;
        let convert = LeadCommand::Convert { deal, party };
        // The deal is opened first: it is named by the conversion, so the
        // conversion's own check waits until it exists.
        let permission = Permission::new(Module::Sales, Action::Edit);
        access::ensure_in_reach(commands, by, permission, Kind::Lead, lead.as_uuid())?;
        guarded::ensure_named(commands, by, Kind::Party, party.as_uuid())?;
        let repeat =
            matches!(found.status, LeadStatus::Converted { deal: done, .. } if done == deal);
        if !repeat {
            crate::aggregate::ensure_version(run.expected_version, version)?;
            Lead::decide(
                &Some(found.clone()),
                &Issued::new(by.user, self.app.clock.now(), convert.clone()),
            )?;
        }
        stage_in(commands, into.pipeline, into.stage)?;
        let title = match into.title {
            Some(title) => title,
            None => Label::parse("title", &found.title)?,
        };
        // A repeat after the deal was opened finds it opened by this same
        // command (its events' ids derive from it) and goes on to the lead.
        let open_run = Run {
            command_id: derived(run.command_id, b"open-deal"),
            expected_version: None,
        };
        let opened = self
            .app
            .deals()
            .open_as(
                by,
                open_run,
                deal,
                NewDeal {
                    title,
                    party,
                    pipeline: into.pipeline,
                    stage: into.stage,
                    probability: into.probability,
                    amount: into.amount,
                    expected_close: into.expected_close,
                    owner: Some(into.owner.unwrap_or(found.owner)),
                    lead: Some(lead),
                },
            )
            .await?;
        debug_assert_eq!(opened.deal, deal);
        self.app
            .execute::<Lead, _>(by, run, lead, convert, None)
            .await
    }

    /// Converts `lead` as [`Self::convert`] does; when neither the lead
    /// nor `into` names a party, registers one from the lead first (its
    /// company, else its contact as a person, else its title as a
    /// company, with the lead's email and phone), owned by the lead's
    /// owner. The lead, the pipeline and the stage are checked before the
    /// customer is registered; the customer's id derives from the run's.
    pub async fn convert_registering(
        &self,
        by: &Caller,
        run: Run,
        lead: LeadId,
        mut into: ConvertLead,
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        let (found, _) = self.app.load::<Lead>(lead)?;
        let found = found.ok_or_else(|| access::not_found(Kind::Lead, lead.as_uuid()))?;
        if into.party.is_some() || found.party.is_some() {
            return self.convert(by, run, lead, into).await;
        }
        let permission = Permission::new(Module::Sales, Action::Edit);
        access::ensure_in_reach(commands, by, permission, Kind::Lead, lead.as_uuid())?;
        stage_in(commands, into.pipeline, into.stage)?;
        let placeholder = LeadCommand::Convert {
            deal: DealId::from_uuid(derived(run.command_id, b"deal")),
            party: PartyId::from_uuid(derived(run.command_id, b"party")),
        };
        Lead::decide(
            &Some(found.clone()),
            &Issued::new(by.user, self.app.clock.now(), placeholder),
        )?;
        let party = PartyId::from_uuid(derived(run.command_id, b"party"));
        let register_run = Run {
            command_id: derived(run.command_id, b"register"),
            expected_version: None,
        };
        self.app
            .parties()
            .register(by, register_run, party, customer_of(&found)?)
            .await?;
        into.party = Some(party);
        self.convert(by, run, lead, into).await
    }
}

/// The customer a lead that names none becomes.
fn customer_of(lead: &LeadState) -> Result<NewCustomer, CommandError> {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let name = match (text(&lead.company_name), text(&lead.contact_name)) {
        (Some(company), _) => PartyName::Company {
            name: Label::parse("company_name", &company)?,
            legal_name: None,
        },
        (None, Some(contact)) => PartyName::Person {
            first_name: Label::parse("contact_name", &contact)?,
            last_name: None,
        },
        (None, None) => PartyName::Company {
            name: Label::parse("title", &lead.title)?,
            legal_name: None,
        },
    };
    // The lead's email and phone were checked as such when it was
    // captured; one that no longer parses is left out, not refused.
    let channels = [
        (ChannelKind::Email, &lead.email),
        (ChannelKind::MobilePhone, &lead.phone),
    ]
    .into_iter()
    .filter_map(|(kind, value)| text(value).and_then(|value| Channel::parse(kind, &value).ok()))
    .map(|channel| (channel, None))
    .collect();
    Ok(NewCustomer {
        register: RegisterParty {
            name,
            company: None,
            job_title: None,
            source: text(&lead.source)
                .map(|source| Label::parse("source", &source))
                .transpose()?,
            owner: lead.owner,
            branch: None,
        },
        channels,
        tags: Vec::new(),
    })
}
