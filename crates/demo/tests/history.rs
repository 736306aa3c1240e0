//! The demo history through its public API: deterministic, refused by no
//! decider, in time order, varied enough to look like a real company, and
//! made only of events the log can store and read back.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use demo::{DemoAppend, DemoOptions, generate, scaled, users};
use domain::CrmEvent;
use domain::interactions::{InteractionEvent, InteractionKind};
use domain::parties::{PartyEvent, PartyNameData};
use domain::pipeline::DealEvent;

struct History {
    appends: Vec<DemoAppend>,
    rejected: u64,
    rejections: Vec<String>,
}

/// The default history, generated once for all the tests that read it.
fn default_history() -> &'static History {
    static HISTORY: OnceLock<History> = OnceLock::new();
    HISTORY.get_or_init(|| {
        let mut demo = generate(&DemoOptions::default());
        let appends: Vec<DemoAppend> = demo.by_ref().collect();
        History {
            appends,
            rejected: demo.rejected(),
            rejections: demo.rejections().to_vec(),
        }
    })
}

fn event_types(appends: &[DemoAppend]) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for append in appends {
        for (_, event) in &append.events {
            *counts.entry(event.event_type()).or_insert(0) += 1;
        }
    }
    counts
}

fn assert_in_time_order(appends: &[DemoAppend]) {
    for pair in appends.windows(2) {
        assert!(
            pair[0].occurred_at <= pair[1].occurred_at,
            "{} comes after {}",
            pair[1].occurred_at,
            pair[0].occurred_at
        );
    }
}

/// Protects `--demo`, tests and benchmarks: one seed, one history, ids
/// included.
#[test]
fn the_same_options_give_the_same_history() {
    let options = DemoOptions {
        parties: 300,
        ..DemoOptions::default()
    };
    let first: Vec<DemoAppend> = generate(&options).take(5_000).collect();
    let second: Vec<DemoAppend> = generate(&options).take(5_000).collect();
    assert_eq!(first.len(), 5_000);
    assert_eq!(first, second);
    assert_eq!(users(&options), users(&options));

    let other_seed = DemoOptions {
        seed: 2,
        ..options.clone()
    };
    let third: Vec<DemoAppend> = generate(&other_seed).take(100).collect();
    assert_ne!(first[..100], third[..], "another seed, another history");
}

/// Protects the promise that every event is one the deciders accept: a
/// refusal is a bug of the generator.
#[test]
fn no_decider_refuses_a_command_of_the_default_history() {
    let history = default_history();
    assert_eq!(history.rejected, 0, "refused: {:#?}", history.rejections);
}

/// Protects readers that replay the history as a log: business time never
/// goes back, and the span is the one asked for.
#[test]
fn the_default_history_is_in_time_order_within_its_span() {
    let history = default_history();
    assert_in_time_order(&history.appends);
    let options = DemoOptions::default();
    let first = history.appends.first().expect("a history").occurred_at;
    let last = history.appends.last().expect("a history").occurred_at;
    assert_eq!(first.date_naive(), options.start);
    let span_days = (last - first).num_days();
    assert!(
        (700..=i64::from(options.days)).contains(&span_days),
        "{span_days} days"
    );
    for append in &history.appends {
        assert!(append.issued_at >= append.occurred_at);
        assert!(!append.events.is_empty());
        for (_, event) in &append.events {
            assert_eq!(event.category(), append.category);
        }
    }
}

/// Protects the demo's purpose: it must look like a company at work.
#[test]
fn the_default_history_is_a_believable_mix() {
    let history = default_history();
    let counts = event_types(&history.appends);
    let count = |event_type: &str| counts.get(event_type).copied().unwrap_or(0);
    let total: u64 = counts.values().sum();
    println!("{total} events in {} appends", history.appends.len());
    for (event_type, n) in &counts {
        println!("{n:>8} {event_type}");
    }

    assert!(count("PartyRegistered") > 2_500);
    assert_eq!(count("PipelineDefined"), 2);
    assert!(count("DealWon") > 100);
    assert!(count("DealLost") > count("DealWon"));
    assert!(count("DealReopened") > 0);
    assert!(count("LeadConverted") > 50);
    assert!(count("LeadDisqualified") > 50);
    assert!(count("DuplicateAbsorbed") > 0);
    assert_eq!(count("DuplicateAbsorbed"), count("PartyMerged"));
    for event_type in [
        "PersonJoinedCompany",
        "PartyArchived",
        "PartyRestored",
        "PartyOwnerAssigned",
        "PartyTagged",
        "PartyUntagged",
        "ChannelChanged",
        "InteractionAmended",
        "InteractionWithdrawn",
        "TaskCompleted",
        "TaskCancelled",
        "TaskRescheduled",
        "CalendarEntryScheduled",
        "CalendarEntryCompleted",
        "CalendarEntryCancelled",
        "DealStageMoved",
    ] {
        assert!(count(event_type) > 0, "no {event_type}");
    }

    let mut kinds = HashSet::new();
    let mut scripts = [false; 3];
    let mut companies = 0;
    let mut people = 0;
    let mut backdated = 0;
    for append in &history.appends {
        if append.issued_at > append.occurred_at {
            backdated += 1;
        }
        for (_, event) in &append.events {
            match event {
                CrmEvent::Interaction(InteractionEvent::Logged(logged)) => {
                    kinds.insert(match logged.kind {
                        InteractionKind::Call { .. } => "call",
                        InteractionKind::Email { .. } => "email",
                        InteractionKind::Meeting { .. } => "meeting",
                        InteractionKind::Note => "note",
                    });
                }
                CrmEvent::Party(PartyEvent::Registered(registered)) => match &registered.name {
                    PartyNameData::Company { .. } => companies += 1,
                    PartyNameData::Person { first_name, .. } => {
                        people += 1;
                        let first = first_name.chars().next().unwrap_or(' ');
                        let script = match first {
                            'А'..='я' | 'Ё' | 'ё' => 1,
                            '\u{0600}'..='\u{06FF}' => 2,
                            _ => 0,
                        };
                        scripts[script] = true;
                    }
                },
                _ => {}
            }
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(scripts, [true; 3], "Latin, Cyrillic and Arabic names");
    assert!(
        companies * 100 / (companies + people) >= 20,
        "{companies} companies"
    );
    assert!(backdated > 0, "some notes are logged after the fact");
}

/// Protects the history's use as a log: every event goes through the
/// codec and back unchanged, and no event id repeats.
#[test]
fn every_event_of_the_default_history_encodes_and_decodes() {
    let history = default_history();
    let mut ids = HashSet::new();
    for append in &history.appends {
        for (id, event) in &append.events {
            assert!(ids.insert(*id), "event id {id} repeats");
            let payload = event.encode();
            let decoded = CrmEvent::decode(
                event.category(),
                event.event_type(),
                event.schema_version(),
                &payload,
            )
            .expect("decodes")
            .expect("a CRM category");
            assert_eq!(&decoded, event);
        }
    }
}

/// Protects benchmarks: a scaled history has about the events asked for,
/// all accepted, in order.
#[test]
fn a_scaled_history_has_about_the_events_asked_for() {
    let mut demo = generate(&scaled(200_000));
    let started = Instant::now();
    let appends: Vec<DemoAppend> = demo.by_ref().collect();
    let elapsed = started.elapsed();
    let events: u64 = appends
        .iter()
        .map(|append| append.events.len() as u64)
        .sum();
    println!(
        "{events} events in {} appends, {:.0} events/s",
        appends.len(),
        events as f64 / elapsed.as_secs_f64()
    );
    assert!((150_000..=250_000).contains(&events), "{events} events");
    assert_eq!(demo.rejected(), 0, "refused: {:#?}", demo.rejections());
    assert_in_time_order(&appends);
    let options = scaled(200_000);
    let last = appends.last().expect("a history").occurred_at.date_naive();
    let days = (last - options.start).num_days();
    assert!(
        days > 600,
        "the events cover the two years, not {days} days"
    );
}

/// Protects the stream names the loader appends to.
#[test]
fn appends_name_their_streams_by_category_and_aggregate() {
    // The demo's branches get their names first, then the first pipeline.
    let mut appends = generate(&DemoOptions::default());
    let append = appends.next().expect("a first append");
    assert_eq!(append.category, "branch");
    assert_eq!(append.stream(), format!("branch-{}", append.aggregate));
    assert_eq!(append.actor, users(&DemoOptions::default())[0].id);
    let pipeline = appends
        .find(|append| append.category != "branch")
        .expect("an append after the branches");
    assert_eq!(pipeline.category, "pipeline");
    assert_eq!(
        pipeline.stream(),
        format!("pipeline-{}", pipeline.aggregate)
    );
}

/// Protects the deal statistics the demo dashboards show: roughly a third
/// of closed deals are won.
#[test]
fn about_a_third_of_closed_deals_are_won() {
    let history = default_history();
    let (mut won, mut lost) = (0u64, 0u64);
    for append in &history.appends {
        for (_, event) in &append.events {
            match event {
                CrmEvent::Deal(DealEvent::Won(_)) => won += 1,
                CrmEvent::Deal(DealEvent::Lost(_)) => lost += 1,
                _ => {}
            }
        }
    }
    let share = won * 100 / (won + lost).max(1);
    assert!((20..=45).contains(&share), "{won} won, {lost} lost");
}

/// Protects the loader: a generated history lands in a log whole, every
/// stream at the version its appends left, and loading is repeatable.
#[test]
fn a_history_loads_into_a_log_and_reads_back() {
    let directory = tempfile::tempdir().unwrap();
    let options = demo::DemoOptions {
        parties: 40,
        days: 60,
        ..demo::DemoOptions::default()
    };
    let keys = vault::keys::Keys::open_in(directory.path()).unwrap();
    let log = eventlog::EventLog::open(
        directory.path().join("eventlog"),
        keys.log_options(eventlog::Options {
            durability: eventlog::Durability::BulkImportRelaxed,
            ..eventlog::Options::default()
        }),
    )
    .unwrap();
    let expected: u64 = demo::generate(&options)
        .map(|append| append.events.len() as u64)
        .sum();
    let report = demo::load(&log, demo::generate(&options), &keys, |_| {}).unwrap();
    log.sync_blocking().unwrap();
    assert_eq!(report.events, expected);
    assert_eq!(log.head().position, expected);
    log.verify().unwrap();
    let first = log.read_event(1).unwrap().unwrap();
    let decoded = domain::CrmEvent::decode(
        first.stream.category(),
        &first.event_type,
        first.schema_version,
        &first.payload,
    )
    .unwrap();
    assert!(decoded.is_some(), "the first event is a CRM event");
}
