#![allow(clippy::unwrap_used)]
//! The CRM use cases of `app` that change two aggregates, driven without
//! HTTP at a fixed time: merging a duplicate party into its survivor and
//! converting a lead into a deal. Each checks both halves before the
//! first is written, and a repeat of one that went through writes
//! nothing more.

mod common;

use app::App;
use app::commands::CommandError;
use app::leads::ConvertLead;
use app::{Run, access::Caller};
use common::{caller, run};
use domain::access::Role;
use domain::error::DomainError;
use domain::ids::{LeadId, PartyId, PipelineId, StageId, UserId};
use domain::parties::{Party, PartyCommand, PartyName, PartyStatus, RegisterParty};
use domain::pipeline::{
    CaptureLead, Deal, DefinePipeline, Lead, LeadCommand, LeadStatus, NewStage, Pipeline,
    PipelineCommand, Probability,
};
use domain::values::{Currency, Label, Money};
use rust_decimal::Decimal;
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// Anna's two registrations of one customer, her lead about the first,
/// a lead naming no party, and a pipeline with one stage.
struct Desk {
    _directory: tempfile::TempDir,
    app: App,
    anna: Caller,
    original: PartyId,
    duplicate: PartyId,
    lead: LeadId,
    lead_without_party: LeadId,
    pipeline: PipelineId,
}

async fn desk() -> Desk {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let anna = UserId::from_uuid(Uuid::now_v7());
    let desk = Desk {
        app,
        _directory: directory,
        anna: caller(anna, Role::SalesManager, None),
        original: PartyId::from_uuid(Uuid::now_v7()),
        duplicate: PartyId::from_uuid(Uuid::now_v7()),
        lead: LeadId::from_uuid(Uuid::now_v7()),
        lead_without_party: LeadId::from_uuid(Uuid::now_v7()),
        pipeline: PipelineId::from_uuid(Uuid::now_v7()),
    };
    for party in [desk.original, desk.duplicate] {
        let register = PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name: label("Acme Ltd"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: anna,
            branch: None,
        });
        common::given::<Party, _>(&desk.app, anna, party, register).await;
    }
    for (lead, party) in [
        (desk.lead, Some(desk.original)),
        (desk.lead_without_party, None),
    ] {
        let capture = LeadCommand::Capture(CaptureLead {
            title: label("Wants bolts"),
            contact_name: None,
            company_name: Some(label("Acme")),
            email: None,
            phone: None,
            party,
            source: None,
            owner: anna,
        });
        common::given::<Lead, _>(&desk.app, anna, lead, capture).await;
    }
    let define = PipelineCommand::Define(DefinePipeline {
        name: label("Sales"),
        stages: vec![NewStage {
            stage_id: StageId::from_uuid(Uuid::now_v7()),
            name: label("Qualify"),
            probability: Probability::parse("probability", 10).unwrap(),
        }],
    });
    common::given::<Pipeline, _>(&desk.app, anna, desk.pipeline, define).await;
    desk
}

fn conversion(desk: &Desk, stage: Option<StageId>) -> ConvertLead {
    ConvertLead {
        party: None,
        pipeline: desk.pipeline,
        stage,
        probability: None,
        amount: Money::parse(
            "amount",
            Decimal::from(500),
            Currency::parse("currency", "EUR").unwrap(),
        )
        .unwrap(),
        expected_close: None,
        title: None,
        owner: None,
    }
}

/// Protects the merge workflow: the duplicate becomes a redirect to the
/// survivor, and asking again under the same command id writes nothing.
#[tokio::test]
async fn a_duplicate_merges_into_its_survivor_once() {
    let desk = desk().await;
    let merge = run();
    desk.app
        .parties()
        .merge(&desk.anna, merge, desk.duplicate, desk.original)
        .await
        .unwrap();
    let (duplicate, _) = desk.app.load::<Party>(desk.duplicate).unwrap();
    assert_eq!(
        duplicate.unwrap().status,
        PartyStatus::Merged {
            into: desk.original
        }
    );
    let head = common::head(&desk.app);
    let again = desk
        .app
        .parties()
        .merge(&desk.anna, merge, desk.duplicate, desk.original)
        .await
        .unwrap();
    assert!(again.repeated);
    assert_eq!(common::head(&desk.app), head);
}

/// Protects a merge made from a stale page: the duplicate's version the
/// client saw is checked before the survivor absorbs anything.
#[tokio::test]
async fn a_merge_from_a_stale_version_writes_nothing() {
    let desk = desk().await;
    let head = common::head(&desk.app);
    let stale = Run {
        command_id: Uuid::now_v7(),
        expected_version: Some(7),
    };
    let refused = desk
        .app
        .parties()
        .merge(&desk.anna, stale, desk.duplicate, desk.original)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Conflict { expected: 7, .. }),
        "{refused:?}"
    );
    assert_eq!(common::head(&desk.app), head);
}

/// Protects the conversion workflow: the deal is opened for the lead's
/// party on the pipeline's first stage, the lead records it, and asking
/// again writes nothing.
#[tokio::test]
async fn a_lead_converts_into_a_deal_once() {
    let desk = desk().await;
    let convert = run();
    desk.app
        .leads()
        .convert(&desk.anna, convert, desk.lead, conversion(&desk, None))
        .await
        .unwrap();
    let (lead, _) = desk.app.load::<Lead>(desk.lead).unwrap();
    let LeadStatus::Converted { deal, party } = lead.unwrap().status else {
        panic!("the lead is not converted");
    };
    assert_eq!(party, desk.original);
    let (opened, _) = desk.app.load::<Deal>(deal).unwrap();
    let opened = opened.unwrap();
    assert_eq!(opened.party, desk.original);
    assert_eq!(opened.pipeline, desk.pipeline);
    let head = common::head(&desk.app);
    let again = desk
        .app
        .leads()
        .convert(&desk.anna, convert, desk.lead, conversion(&desk, None))
        .await
        .unwrap();
    assert!(again.repeated);
    assert_eq!(common::head(&desk.app), head);
}

/// Protects the lead from a half-made conversion: a lead naming no party
/// and given none, or a stage not of the pipeline, is refused before the
/// deal is opened.
#[tokio::test]
async fn a_conversion_refused_opens_no_deal() {
    let desk = desk().await;
    let head = common::head(&desk.app);
    let refused = desk
        .app
        .leads()
        .convert(
            &desk.anna,
            run(),
            desk.lead_without_party,
            conversion(&desk, None),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Invalid { field, .. }) if field == "party"),
        "{refused:?}"
    );
    let elsewhere = Some(StageId::from_uuid(Uuid::now_v7()));
    let refused = desk
        .app
        .leads()
        .convert(&desk.anna, run(), desk.lead, conversion(&desk, elsewhere))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Invalid { field, .. }) if field == "stage"),
        "{refused:?}"
    );
    assert_eq!(common::head(&desk.app), head);
}

fn new_customer(owner: UserId, email: &str) -> app::parties::NewCustomer {
    use domain::channel::{Channel, ChannelKind};
    app::parties::NewCustomer {
        register: RegisterParty {
            name: PartyName::Company {
                name: label("Nordlicht GmbH"),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: Some(label("fair 2026")),
            owner,
            branch: None,
        },
        channels: vec![
            (Channel::parse(ChannelKind::Email, email).unwrap(), None),
            (
                Channel::parse(ChannelKind::MobilePhone, "+49 30 1234567").unwrap(),
                Some(label("switchboard")),
            ),
        ],
        tags: vec![domain::values::Tag::parse("tags", "lighting").unwrap()],
    }
}

/// Protects registration in one step: the party, its channels and its
/// tags are written under ids derived from the form's, so a resubmitted
/// form adds nothing; a channel given twice is refused before anything
/// is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_registers_with_its_channels_and_tags_once() {
    let desk = desk().await;
    let party = PartyId::from_uuid(Uuid::now_v7());
    let form = run();
    let new = new_customer(desk.anna.user, "info@nordlicht.example");
    desk.app
        .parties()
        .register(&desk.anna, form, party, new.clone())
        .await
        .unwrap();
    let head = common::head(&desk.app);
    desk.app
        .parties()
        .register(&desk.anna, form, party, new)
        .await
        .unwrap();
    assert_eq!(common::head(&desk.app), head, "the repeat wrote nothing");
    let (state, _) = desk.app.load::<Party>(party).unwrap();
    let state = state.unwrap();
    assert_eq!(state.channels.len(), 2);
    assert_eq!(state.channels[1].label.as_deref(), Some("switchboard"));
    assert!(state.tags.contains("lighting"));

    let mut twice = new_customer(desk.anna.user, "a@b.example");
    twice.channels.push(twice.channels[0].clone());
    let refused = desk
        .app
        .parties()
        .register(&desk.anna, run(), PartyId::from_uuid(Uuid::now_v7()), twice)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Invalid { field, .. }) if field == "channels[2]"),
        "{refused:?}"
    );
    assert_eq!(common::head(&desk.app), head, "nothing was written");
}

/// Protects reach at registration: a person registered at a company
/// another manager owns is refused as if the company did not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_at_another_managers_company_is_refused() {
    let desk = desk().await;
    let bob = caller(UserId::from_uuid(Uuid::now_v7()), Role::SalesManager, None);
    let head = common::head(&desk.app);
    let mut new = new_customer(bob.user, "greta@nordlicht.example");
    new.register.name = PartyName::Person {
        first_name: label("Greta"),
        last_name: None,
    };
    new.register.company = Some(desk.original);
    let refused = desk
        .app
        .parties()
        .register(&bob, run(), PartyId::from_uuid(Uuid::now_v7()), new)
        .await
        .unwrap_err();
    common::assert_refused(
        &refused,
        app::access::not_found(app::access::Kind::Party, desk.original.as_uuid()),
    );
    assert_eq!(common::head(&desk.app), head);
}

/// Protects conversion of a lead that names no customer: its company
/// becomes one (owned by the lead's owner), the deal is opened for it,
/// and a repeat of the same conversion writes nothing; a bad stage
/// refuses before any customer is registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_without_a_customer_registers_one_when_converted() {
    let desk = desk().await;
    let head = common::head(&desk.app);
    let elsewhere = Some(StageId::from_uuid(Uuid::now_v7()));
    let refused = desk
        .app
        .leads()
        .convert_registering(
            &desk.anna,
            run(),
            desk.lead_without_party,
            conversion(&desk, elsewhere),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(DomainError::Invalid { field, .. }) if field == "stage"),
        "{refused:?}"
    );
    assert_eq!(common::head(&desk.app), head, "no customer was registered");

    let form = run();
    desk.app
        .leads()
        .convert_registering(
            &desk.anna,
            form,
            desk.lead_without_party,
            conversion(&desk, None),
        )
        .await
        .unwrap();
    let (lead, _) = desk.app.load::<Lead>(desk.lead_without_party).unwrap();
    let LeadStatus::Converted { party, .. } = lead.unwrap().status else {
        panic!("the lead is converted");
    };
    let (customer, _) = desk.app.load::<Party>(party).unwrap();
    let customer = customer.unwrap();
    assert_eq!(customer.name.display_name(), "Acme");
    assert_eq!(customer.owner, desk.anna.user);
    let after = common::head(&desk.app);
    desk.app
        .leads()
        .convert_registering(
            &desk.anna,
            form,
            desk.lead_without_party,
            conversion(&desk, None),
        )
        .await
        .unwrap();
    assert_eq!(common::head(&desk.app), after, "the repeat wrote nothing");
}
