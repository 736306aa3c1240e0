#![allow(clippy::unwrap_used)]
//! Retention rules (issue 15, ADR 0019) through the running application:
//! a rule erases what has been idle longer than it allows and nothing
//! else, records every run, finishes a run a stop interrupted, waits while
//! paused, and is an administrator's alone.

mod common;

use std::sync::Arc;

use app::access::Caller;
use app::clock::FixedClock;
use app::commands::CommandError;
use app::running::Running;
use chrono::{DateTime, TimeZone, Utc};
use common::{caller, run};
use domain::access::Role;
use domain::ids::{
    DealId, InteractionId, LeadId, PartyId, RetentionRuleId, RetentionRunId, UserId,
};
use domain::interactions::{Interaction, InteractionCommand, InteractionKind, LogInteraction};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::pipeline::{CaptureLead, Deal, DealCommand, Lead, LeadCommand, OpenDeal, StageRef};
use domain::retention::{InactiveMonths, RetentionCommand, RetentionRunPlanned, RetentionTarget};
use domain::values::{Currency, Label, Money, Text};
use eventlog::{Actor, Options};
use rust_decimal::Decimal;
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn on(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0)
        .single()
        .unwrap()
}

/// A company's records over two years: idle and active people, a company
/// with an open deal, idle and active leads.
struct Office {
    running: Running,
    clock: Arc<FixedClock>,
    admin: Caller,
    idle_person: PartyId,
    called_person: PartyId,
    company_with_deal: PartyId,
    idle_lead: LeadId,
    reassigned_lead: LeadId,
    _directory: tempfile::TempDir,
}

async fn office() -> Office {
    let directory = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(on(2024, 1, 15)));
    let running = Running::start(
        directory.path(),
        Options::default(),
        clock.clone(),
        Arc::new(app::ids::SequentialIds::starting(1)),
    )
    .await
    .unwrap();
    let owner = UserId::from_uuid(Uuid::now_v7());
    let office = Office {
        admin: caller(UserId::from_uuid(Uuid::now_v7()), Role::Administrator, None),
        clock,
        idle_person: PartyId::from_uuid(Uuid::now_v7()),
        called_person: PartyId::from_uuid(Uuid::now_v7()),
        company_with_deal: PartyId::from_uuid(Uuid::now_v7()),
        idle_lead: LeadId::from_uuid(Uuid::now_v7()),
        reassigned_lead: LeadId::from_uuid(Uuid::now_v7()),
        running,
        _directory: directory,
    };
    let app = &office.running.app;
    for (party, name) in [
        (office.idle_person, person("Ilse", "Idle")),
        (office.called_person, person("Carl", "Called")),
        (
            office.company_with_deal,
            PartyName::Company {
                name: label("Dealmakers Ltd"),
                legal_name: None,
            },
        ),
    ] {
        let register = PartyCommand::Register(RegisterParty {
            name,
            company: None,
            job_title: None,
            source: None,
            owner,
            branch: None,
        });
        given_now::<Party, _>(app, owner, party, register).await;
    }
    for lead in [office.idle_lead, office.reassigned_lead] {
        let capture = LeadCommand::Capture(CaptureLead {
            title: label("Asked about bolts"),
            contact_name: Some(label("Lena Lead")),
            company_name: None,
            email: None,
            phone: None,
            party: None,
            source: None,
            owner,
        });
        given_now::<Lead, _>(app, owner, lead, capture).await;
    }
    let open = DealCommand::Open(OpenDeal {
        title: label("Bolts"),
        party: office.company_with_deal,
        pipeline: domain::ids::PipelineId::from_uuid(Uuid::now_v7()),
        stage: StageRef {
            stage: domain::ids::StageId::from_uuid(Uuid::now_v7()),
            default_probability: 10,
            position: 0,
        },
        probability: None,
        amount: Money::parse(
            "amount",
            Decimal::from(1000),
            Currency::parse("currency", "EUR").unwrap(),
        )
        .unwrap(),
        expected_close: None,
        owner,
        lead: None,
    });
    given_now::<Deal, _>(app, owner, DealId::from_uuid(Uuid::now_v7()), open).await;

    // Two years and two months later, some of it sees activity.
    office.clock.set(on(2026, 3, 10));
    let call = InteractionCommand::Log(LogInteraction {
        party: office.called_person,
        deal: None,
        kind: InteractionKind::Note,
        subject: None,
        body: Text::parse("body", "Wants a new quote").unwrap(),
    });
    given_now::<Interaction, _>(app, owner, InteractionId::from_uuid(Uuid::now_v7()), call).await;
    let other = UserId::from_uuid(Uuid::now_v7());
    given_now::<Lead, _>(
        app,
        owner,
        office.reassigned_lead,
        LeadCommand::AssignOwner(other),
    )
    .await;
    office
}

/// Runs `command` on aggregate `id` of `D` as `by`, happening at the
/// clock's time (backdated when the clock is set back): the history a test
/// starts from.
async fn given_now<D, C>(app: &app::App, by: UserId, id: impl std::fmt::Display, command: C)
where
    D: domain::Decider<Command = domain::Issued<C>, Error = domain::DomainError>,
    D::Event: domain::DomainEvent,
    D::State: Send + 'static,
{
    let stream = app::commands::CommandHandler::stream::<D>(id).unwrap();
    let now = app.clock.now();
    let issued = domain::Issued::new(by, now, command).backdated(now);
    let execution = app::commands::Execution::new(eventlog::AppendMeta::new(
        Actor::system("test"),
        Uuid::now_v7(),
    ));
    app.commands
        .execute::<D, C>(&stream, &issued, &execution)
        .await
        .unwrap();
}

fn person(first: &str, last: &str) -> PartyName {
    PartyName::Person {
        first_name: label(first),
        last_name: Some(label(last)),
    }
}

async fn define(office: &Office, target: RetentionTarget, months: i64) -> RetentionRuleId {
    let rule = RetentionRuleId::from_uuid(Uuid::now_v7());
    office
        .running
        .app
        .retention()
        .define(
            &office.admin,
            run(),
            rule,
            label("Two years"),
            target,
            InactiveMonths::parse("inactive_months", months).unwrap(),
        )
        .await
        .unwrap();
    office
        .running
        .app
        .retention()
        .set_paused(&office.admin, run(), rule, false)
        .await
        .unwrap();
    rule
}

async fn erased_parties(office: &Office) -> Vec<PartyId> {
    let models = &office.running.read_models;
    models
        .customers
        .wait_for(office.running.log.head().position)
        .await
        .unwrap();
    let mut erased: Vec<PartyId> = models
        .customers
        .read(|customers| customers.erased().collect());
    erased.sort();
    erased
}

async fn erased_leads(office: &Office) -> Vec<LeadId> {
    let models = &office.running.read_models;
    models
        .pipeline_board
        .wait_for(office.running.log.head().position)
        .await
        .unwrap();
    models
        .pipeline_board
        .read(|board| board.erased_leads().collect())
}

/// Protects the promise of a retention rule: what has been idle longer
/// than it allows is erased, for the stated reason; a customer with a
/// recent interaction or an open deal, and a lead that changed lately,
/// are kept; every run is on record; a rule runs once a day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_erases_what_is_idle_and_keeps_what_is_active() {
    let office = office().await;
    let people = define(&office, RetentionTarget::People, 24).await;
    let companies = define(&office, RetentionTarget::Companies, 24).await;
    let leads = define(&office, RetentionTarget::Leads, 24).await;

    let reports = office.running.run_due_retention().await;

    assert_eq!(reports.len(), 3, "each rule ran once: {reports:?}");
    let report = |rule| reports.iter().find(|(id, _)| *id == rule).unwrap().1;
    assert_eq!((report(people).erased, report(people).kept), (1, 0));
    assert_eq!(report(companies).erased, 0, "an open deal keeps a company");
    assert_eq!(report(leads).erased, 1);
    assert_eq!(erased_parties(&office).await, vec![office.idle_person]);
    assert_eq!(erased_leads(&office).await, vec![office.idle_lead]);
    let key_state = office.running.keys.state(office.idle_person.as_uuid());
    assert_eq!(key_state, vault::SubjectState::Erased);

    let rules = office.running.app.retention().rules(&office.admin).unwrap();
    let seen = rules.iter().find(|rule| rule.id == people).unwrap();
    assert_eq!(seen.runs.len(), 1);
    assert_eq!(seen.runs[0].subjects, vec![office.idle_person.as_uuid()]);
    assert_eq!(seen.runs[0].finished, Some((1, 0)));
    assert_eq!(seen.runs[0].by, Actor::system(app::retention::PROCESS));
    assert_eq!(seen.runs[0].cutoff, on(2024, 3, 10));

    // The same day nothing is due again; a day later each runs, finding
    // nothing more.
    assert!(office.running.run_due_retention().await.is_empty());
    office.clock.advance(chrono::Duration::hours(24));
    let again = office.running.run_due_retention().await;
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|(_, report)| report.erased == 0));
    assert_eq!(erased_parties(&office).await, vec![office.idle_person]);
}

/// Protects the durable checkpoint: a run planned and then stopped before
/// its erasures is finished by the next look, erasing what it planned and
/// recording its finish, instead of planning anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_a_stop_interrupted_is_finished_next_time() {
    let office = office().await;
    let rule = define(&office, RetentionTarget::People, 24).await;
    let planned = RetentionRunPlanned {
        run: RetentionRunId::from_uuid(Uuid::now_v7()),
        as_of: on(2026, 3, 10),
        cutoff: on(2024, 3, 10),
        subjects: vec![office.idle_person.as_uuid(), office.called_person.as_uuid()],
        more: false,
    };
    office
        .running
        .app
        .execute::<domain::retention::RetentionRule, _>(
            &office.admin,
            run(),
            rule.as_uuid(),
            RetentionCommand::PlanRun(planned.clone()),
            None,
        )
        .await
        .unwrap();

    let reports = office.running.run_due_retention().await;

    assert_eq!(reports.len(), 1);
    let report = reports[0].1;
    assert_eq!(report.run, planned.run, "the planned run finished");
    assert_eq!(
        (report.erased, report.kept),
        (1, 1),
        "the called person had activity since the cutoff"
    );
    assert_eq!(erased_parties(&office).await, vec![office.idle_person]);
    let view = office
        .running
        .app
        .retention()
        .rule(&office.admin, rule)
        .unwrap();
    assert_eq!(view.runs.len(), 1);
    assert_eq!(view.runs[0].finished, Some((1, 1)));
}

/// Protects an administrator's pause: a paused rule is not run, and "run
/// now" says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_rule_waits() {
    let office = office().await;
    let rule = define(&office, RetentionTarget::People, 24).await;
    let retention = office.running.app.retention();
    retention
        .set_paused(&office.admin, run(), rule, true)
        .await
        .unwrap();

    assert!(office.running.run_due_retention().await.is_empty());
    let refused = office
        .running
        .run_retention_rule(&office.admin, rule)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(error) if error.rule() == Some("retention.paused")),
        "{refused:?}"
    );
    assert!(erased_parties(&office).await.is_empty());

    retention
        .set_paused(&office.admin, run(), rule, false)
        .await
        .unwrap();
    let report = office
        .running
        .run_retention_rule(&office.admin, rule)
        .await
        .unwrap();
    assert_eq!(report.erased, 1);
}

/// Protects who may erase by rule: only administrators set, run or change
/// rules; auditors read them with their runs; sales managers neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_an_administrators_and_an_auditor_reads_them() {
    let office = office().await;
    let rule = define(&office, RetentionTarget::Leads, 24).await;
    let manager = caller(UserId::from_uuid(Uuid::now_v7()), Role::SalesManager, None);
    let auditor = caller(UserId::from_uuid(Uuid::now_v7()), Role::Auditor, None);
    let retention = office.running.app.retention();

    let defined = retention
        .define(
            &manager,
            run(),
            RetentionRuleId::from_uuid(Uuid::now_v7()),
            label("Mine"),
            RetentionTarget::People,
            InactiveMonths::parse("inactive_months", 1).unwrap(),
        )
        .await;
    assert!(matches!(defined, Err(CommandError::Forbidden { .. })));
    let ran = office.running.run_retention_rule(&manager, rule).await;
    assert!(matches!(ran, Err(CommandError::Forbidden { .. })));
    assert!(matches!(
        retention.rules(&manager),
        Err(CommandError::Forbidden { .. })
    ));
    assert_eq!(retention.rules(&auditor).unwrap().len(), 1);
    assert!(erased_leads(&office).await.is_empty());
}

/// Protects the cutoff's arithmetic: months back from the run, a missing
/// day clamped to the month's last.
#[test]
fn the_cutoff_counts_calendar_months_back() {
    assert_eq!(app::retention::cutoff(on(2026, 3, 10), 24), on(2024, 3, 10));
    assert_eq!(app::retention::cutoff(on(2026, 3, 31), 1), on(2026, 2, 28));
}
