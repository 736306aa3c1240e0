#![allow(clippy::unwrap_used)]
//! Each read model fed by hand: what a user asks of it, given events.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::CrmEvent;
use domain::channel::ChannelKind;
use domain::ids::{DealId, PartyId, UserId};
use domain::interactions::{
    CallOutcome, Direction, InteractionEvent, InteractionKind, InteractionLogged,
    InteractionWithdrawn,
};
use domain::parties::{
    ChannelAdded, DuplicateAbsorbed, PartyEvent, PartyMerged, PartyNameData, PartyRegistered,
    PartyTagged, PrimaryChannelSet,
};
use domain::pipeline::{
    DealEvent, DealLost, DealOpened, DealReopened, DealStageMoved, DealWon, PipelineDefined,
    PipelineEvent, StageDefinition,
};
use domain::planning::{
    Assignee, CalendarEntryScheduled, CalendarEvent, Priority, TaskCompleted, TaskCreated,
    TaskEvent,
};
use domain::values::{Currency, Money};
use eventlog::Actor;
use projections::ReadModel;
use projections::feed::Feed;
use projections::models::activity::ManagerActivity;
use projections::models::calendar::Calendar;
use projections::models::customers::{CustomerQuery, Customers, KindFilter};
use projections::models::funnel::SalesFunnel;
use projections::models::pipeline_board::PipelineBoard;
use projections::models::tasks::Tasks;
use projections::models::timeline::{EntryKind, Timelines};
use rust_decimal::Decimal;
use uuid::Uuid;

fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).single().unwrap()
}

fn manager() -> UserId {
    id(0xA)
}

/// Feeds `(aggregate, event, occurred day)` into a fresh model.
fn fed<M: ReadModel>(events: Vec<(u128, CrmEvent, DateTime<Utc>)>) -> M {
    let mut model = M::default();
    let mut feed = Feed::new(Actor::user(manager().as_uuid()));
    for (aggregate, event, at) in events {
        feed.apply(&mut model, Uuid::from_u128(aggregate), event, at, None);
    }
    model
}

fn person(first: &str, last: &str) -> CrmEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Person {
            first_name: first.into(),
            last_name: Some(last.into()),
        },
        company: None,
        job_title: None,
        source: None,
        owner: manager(),
        branch: None,
    })
    .into()
}

fn company(name: &str) -> CrmEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Company {
            name: name.into(),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: id(0xB),
        branch: None,
    })
    .into()
}

fn channel(channel: u128, kind: ChannelKind, value: &str) -> Vec<CrmEvent> {
    vec![
        PartyEvent::ChannelAdded(ChannelAdded {
            channel_id: id(channel),
            kind,
            value: value.into(),
            label: None,
        })
        .into(),
        PartyEvent::PrimaryChannelSet(PrimaryChannelSet {
            channel_id: id(channel),
        })
        .into(),
    ]
}

fn names(page: &[&projections::models::customers::CustomerRow]) -> Vec<String> {
    page.iter().map(|row| row.display_name.clone()).collect()
}

fn query(text: &str) -> CustomerQuery {
    CustomerQuery {
        text: text.into(),
        limit: 20,
        ..CustomerQuery::default()
    }
}

fn customers() -> Customers {
    let mut events = vec![
        (1, person("Ivan", "Petrov"), day(1)),
        (2, person("Ольга", "Смирнова"), day(1)),
        (3, company("Acme Tools"), day(1)),
    ];
    for event in channel(10, ChannelKind::Email, "ivan.petrov@example.com") {
        events.push((1, event, day(2)));
    }
    for event in channel(11, ChannelKind::MobilePhone, "+79125550102") {
        events.push((2, event, day(2)));
    }
    events.push((
        3,
        PartyEvent::Tagged(PartyTagged { tag: "vip".into() }).into(),
        day(3),
    ));
    fed(events)
}

/// Protects search: a name, any part of an email, the end of a phone
/// number and a tag each find the party.
#[test]
fn customers_are_found_by_name_channel_and_tag() {
    let model = customers();
    assert_eq!(names(&model.search(&query("petrov")).rows), ["Ivan Petrov"]);
    assert_eq!(
        names(&model.search(&query("ivan.petrov@example")).rows),
        ["Ivan Petrov"]
    );
    assert_eq!(
        names(&model.search(&query("555-01-02")).rows),
        ["Ольга Смирнова"]
    );
    assert_eq!(
        names(&model.search(&query("смир")).rows),
        ["Ольга Смирнова"]
    );
    assert_eq!(names(&model.search(&query("vip")).rows), ["Acme Tools"]);
    assert!(model.search(&query("nobody")).rows.is_empty());
}

/// Protects filters and paging: kinds filter, pages follow name order.
#[test]
fn the_customer_list_filters_and_pages_in_name_order() {
    let model = customers();
    let people = CustomerQuery {
        kind: Some(KindFilter::Person),
        limit: 20,
        ..CustomerQuery::default()
    };
    assert_eq!(
        names(&model.search(&people).rows),
        ["Ivan Petrov", "Ольга Смирнова"]
    );
    let first = model.search(&CustomerQuery {
        limit: 2,
        ..CustomerQuery::default()
    });
    assert_eq!(names(&first.rows), ["Acme Tools", "Ivan Petrov"]);
    let second = model.search(&CustomerQuery {
        limit: 2,
        after: first.next,
        ..CustomerQuery::default()
    });
    assert_eq!(names(&second.rows), ["Ольга Смирнова"]);
    assert!(second.next.is_none());
    let owned = CustomerQuery {
        owner: Some(id(0xB)),
        limit: 20,
        ..CustomerQuery::default()
    };
    assert_eq!(names(&model.search(&owned).rows), ["Acme Tools"]);
}

/// Protects merges: the duplicate leaves the list, its id resolves to the
/// survivor, and the survivor's timeline shows both histories.
#[test]
fn a_merged_party_redirects_and_keeps_its_history_visible() {
    let model: Customers = fed(vec![
        (1, person("Ivan", "Petrov"), day(1)),
        (2, person("Ivan", "Petrov"), day(1)),
        (
            1,
            PartyEvent::DuplicateAbsorbed(DuplicateAbsorbed { duplicate: id(2) }).into(),
            day(2),
        ),
        (
            2,
            PartyEvent::Merged(PartyMerged { into: id(1) }).into(),
            day(2),
        ),
    ]);
    assert_eq!(model.search(&query("petrov")).rows.len(), 1);
    assert_eq!(model.resolve(id(2)).unwrap().id, id::<PartyId>(1));

    let timelines: Timelines = fed(vec![
        (
            1,
            PartyEvent::DuplicateAbsorbed(DuplicateAbsorbed { duplicate: id(2) }).into(),
            day(2),
        ),
        (20, call(2), day(1)),
        (21, call(1), day(3)),
    ]);
    let entries = timelines.timeline(id(1), None, 10);
    assert_eq!(
        entries.iter().map(|entry| entry.source).collect::<Vec<_>>(),
        [Uuid::from_u128(21), Uuid::from_u128(20)]
    );
}

fn call(party: u128) -> CrmEvent {
    InteractionEvent::Logged(InteractionLogged {
        party: id(party),
        deal: None,
        kind: InteractionKind::Call {
            direction: Direction::Outbound,
            duration_seconds: 120,
            outcome: CallOutcome::Connected,
            recording_url: None,
        },
        subject: Some("Follow-up".into()),
        body: String::new(),
        logged_by: manager(),
    })
    .into()
}

fn eur(amount: i64) -> Money {
    Money::parse(
        "amount",
        Decimal::from(amount),
        Currency::parse("currency", "EUR").unwrap(),
    )
    .unwrap()
}

fn pipeline() -> CrmEvent {
    let stage = |n: u128, name: &str, probability: u8| StageDefinition {
        stage_id: id(n),
        name: name.into(),
        probability,
    };
    PipelineEvent::Defined(PipelineDefined {
        name: "Sales".into(),
        stages: vec![
            stage(101, "Qualification", 10),
            stage(102, "Proposal", 50),
            stage(103, "Negotiation", 75),
            stage(104, "Contract", 90),
        ],
    })
    .into()
}

fn opened(amount: i64) -> CrmEvent {
    DealEvent::Opened(DealOpened {
        title: "Big order".into(),
        party: id(1),
        pipeline: id(100),
        stage: id(101),
        probability: 10,
        amount: eur(amount),
        expected_close: None,
        owner: manager(),
        lead: None,
    })
    .into()
}

fn moved(from: u128, to: u128) -> CrmEvent {
    DealEvent::StageMoved(DealStageMoved {
        from: id(from),
        to: id(to),
        probability: 50,
    })
    .into()
}

fn won(amount: i64) -> CrmEvent {
    DealEvent::Won(DealWon {
        amount: eur(amount),
        reason: None,
    })
    .into()
}

/// Protects the board: open deals per stage with plain and weighted sums.
#[test]
fn the_board_sums_open_deals_per_stage() {
    let model: PipelineBoard = fed(vec![
        (100, pipeline(), day(1)),
        (200, opened(1_000), day(1)),
        (201, opened(3_000), day(1)),
        (201, moved(101, 102), day(2)),
        (202, opened(500), day(1)),
        (202, won(500), day(3)),
    ]);
    let board = model.board(id(100), None, 10).unwrap();
    let eur = Currency::parse("currency", "EUR").unwrap();
    assert_eq!(board.columns[0].count, 1, "the won deal left the board");
    assert_eq!(board.columns[0].total[&eur], Decimal::from(1_000));
    assert_eq!(board.columns[0].weighted[&eur], Decimal::from(100));
    assert_eq!(board.columns[1].deals[0].id, id::<DealId>(201));
    assert_eq!(board.columns[1].weighted[&eur], Decimal::from(1_500));
    assert!(board.columns[2].deals.is_empty());
    assert_eq!(model.deals_of(id(1)).len(), 3);
}

/// Protects a stage's list of every open deal: page after page, newest
/// (highest id) first, each deal once; only that stage's; a filter keeps
/// what it passes and the pages still join up.
#[test]
fn a_stages_deals_come_page_after_page_each_once() {
    let mut events = vec![(100, pipeline(), day(1))];
    for n in 0..17_u128 {
        events.push((200 + n, opened(100 + i64::try_from(n).unwrap()), day(1)));
    }
    // One moved on: no longer on the first stage.
    events.push((205, moved(101, 102), day(2)));
    let model: PipelineBoard = fed(events);
    let (pipeline, first, second) = (id(100), id(101), id(102));
    let expected: Vec<DealId> = (0..17_u128)
        .rev()
        .filter(|n| *n != 5)
        .map(|n| id(200 + n))
        .collect();
    for limit in [1, 4, 16, 17, 50] {
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let (page, next) = model.stage_deals_page(pipeline, first, before, limit, |_| true);
            assert!(page.len() <= limit);
            seen.extend(page.iter().map(|deal| deal.id));
            match next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "pages of {limit}");
    }
    let (moved_on, next) = model.stage_deals_page(pipeline, second, None, 10, |_| true);
    assert_eq!(
        moved_on.iter().map(|deal| deal.id).collect::<Vec<_>>(),
        [id(205)]
    );
    assert_eq!(next, None);
    let eur = Currency::parse("currency", "EUR").unwrap();
    let (large, _) = model.stage_deals_page(pipeline, first, None, 50, |deal| {
        deal.amount.amount() >= Decimal::from(114) && deal.amount.currency() == eur
    });
    let ids: Vec<DealId> = large.iter().map(|deal| deal.id).collect();
    assert_eq!(ids, [id(216), id(215), id(214)]);
}

/// Protects the funnel: skipped stages count as passed, a won deal reached
/// every stage, and only deals opened in the period count.
#[test]
fn the_funnel_counts_stages_reached_by_deals_opened_in_the_period() {
    let model: SalesFunnel = fed(vec![
        (100, pipeline(), day(1)),
        (200, opened(1_000), day(2)),
        (200, moved(101, 103), day(3)),
        (201, opened(1_000), day(2)),
        (201, won(1_000), day(4)),
        (202, opened(1_000), day(2)),
        (
            202,
            DealEvent::Lost(DealLost {
                reason: "price".into(),
            })
            .into(),
            day(5),
        ),
        (203, opened(1_000), day(20)),
    ]);
    let march_start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let funnel = model.funnel(
        id(100),
        march_start,
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
    );
    assert_eq!(funnel.opened, 3);
    let reached: Vec<i64> = funnel.stages.iter().map(|stage| stage.reached).collect();
    assert_eq!(reached, [3, 2, 2, 1]);
    assert_eq!(funnel.stages[1].conversion_percent, Some(66));
    assert_eq!((funnel.won, funnel.lost), (1, 1));
    assert_eq!(
        model
            .funnel(
                id(100),
                march_start,
                NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
            )
            .opened,
        4
    );
}

/// Protects the funnel of one branch: a deal counts in its customer's
/// branch as it was when the deal was opened (a customer moved later
/// takes only their later deals along); the branches and the deals of
/// customers without one add up to the company's funnel; a reopened won
/// deal is taken back out of its branch too.
#[test]
fn a_branchs_funnel_counts_the_deals_of_its_customers() {
    use domain::parties::PartyBranchChanged;
    let in_branch = |branch: Option<u128>| -> CrmEvent {
        PartyEvent::Registered(PartyRegistered {
            name: PartyNameData::Company {
                name: "Acme".into(),
                legal_name: None,
            },
            company: None,
            job_title: None,
            source: None,
            owner: manager(),
            branch: branch.map(id),
        })
        .into()
    };
    let opened_for = |party: u128| -> CrmEvent {
        DealEvent::Opened(DealOpened {
            title: "Big order".into(),
            party: id(party),
            pipeline: id(100),
            stage: id(101),
            probability: 10,
            amount: eur(1_000),
            expected_close: None,
            owner: manager(),
            lead: None,
        })
        .into()
    };
    let (north, south) = (40_u128, 41_u128);
    let model: SalesFunnel = fed(vec![
        (100, pipeline(), day(1)),
        (1, in_branch(Some(north)), day(1)),
        (2, in_branch(Some(south)), day(1)),
        (3, in_branch(None), day(1)),
        (200, opened_for(1), day(2)),
        (200, moved(101, 103), day(3)),
        (201, opened_for(2), day(2)),
        (201, won(1_000), day(4)),
        (202, opened_for(3), day(2)),
        (203, opened_for(1), day(2)),
        (
            1,
            PartyEvent::BranchChanged(PartyBranchChanged {
                branch: Some(id(south)),
            })
            .into(),
            day(5),
        ),
        (204, opened_for(1), day(6)),
        (204, won(1_000), day(7)),
        (
            204,
            DealEvent::Reopened(domain::pipeline::DealReopened {
                stage: id(102),
                probability: 50,
            })
            .into(),
            day(8),
        ),
    ]);
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    );
    let funnel = |branch: Option<u128>| model.funnel_in(id(100), from, to, branch.map(id));
    let reached = |funnel: &projections::models::funnel::Funnel| -> Vec<i64> {
        funnel.stages.iter().map(|stage| stage.reached).collect()
    };
    let of_north = funnel(Some(north));
    assert_eq!(of_north.opened, 2, "200 and 203, before the customer moved");
    assert_eq!(reached(&of_north), [2, 1, 1, 0]);
    let of_south = funnel(Some(south));
    assert_eq!(of_south.opened, 2, "201, and 204 after the move");
    assert_eq!((of_south.won, of_south.lost), (1, 0), "204 reopened");
    assert_eq!(reached(&of_south), [2, 2, 2, 2], "won: every stage");
    let company = funnel(None);
    assert_eq!(company.opened, 5, "202's customer has no branch");
    assert_eq!(company.won, 1);
    let none: Vec<i64> = reached(&company)
        .iter()
        .zip(reached(&of_north).iter().zip(reached(&of_south)))
        .map(|(all, (north, south))| all - north - south)
        .collect();
    assert_eq!(none, [1, 0, 0, 0], "only 202 is in no branch");
    assert_eq!(funnel(Some(99)).opened, 0);
}

/// Protects business-time reports: a call logged today about last week
/// counts last week; a withdrawn call and a reopened deal are taken back.
#[test]
fn activity_counts_on_the_business_day_and_undoes_corrections() {
    let mut model = ManagerActivity::default();
    let mut feed = Feed::new(Actor::user(manager().as_uuid()));
    feed.apply(
        &mut model,
        Uuid::from_u128(20),
        call(1),
        day(10),
        Some(day(3)),
    );
    feed.apply(&mut model, Uuid::from_u128(21), call(1), day(10), None);
    feed.apply(&mut model, Uuid::from_u128(22), call(1), day(10), None);
    feed.apply(
        &mut model,
        Uuid::from_u128(22),
        InteractionEvent::Withdrawn(InteractionWithdrawn {
            reason: "typo".into(),
        })
        .into(),
        day(11),
        None,
    );
    feed.apply(&mut model, Uuid::from_u128(100), pipeline(), day(1), None);
    feed.apply(&mut model, Uuid::from_u128(200), opened(700), day(1), None);
    feed.apply(&mut model, Uuid::from_u128(200), won(700), day(5), None);
    feed.apply(&mut model, Uuid::from_u128(201), opened(300), day(1), None);
    feed.apply(&mut model, Uuid::from_u128(201), won(300), day(5), None);
    feed.apply(
        &mut model,
        Uuid::from_u128(201),
        DealEvent::Reopened(DealReopened {
            stage: id(101),
            probability: 10,
        })
        .into(),
        day(6),
        None,
    );

    let date = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let first_week = model.total(date(1), date(7));
    assert_eq!(first_week.calls, 1, "the backdated call");
    assert_eq!(first_week.call_seconds, 120);
    assert_eq!(
        first_week.deals_won, 1,
        "the reopened deal no longer counts"
    );
    assert_eq!(
        first_week.amount_won.values().copied().collect::<Vec<_>>(),
        [Decimal::from(700)]
    );
    assert_eq!(
        model.total(date(8), date(14)).calls,
        1,
        "the withdrawn call is gone"
    );
    assert_eq!(
        model.by_manager(date(1), date(31))[&manager()].deals_opened,
        2
    );
    assert_eq!(
        model.by_day(date(1), date(31), None).len(),
        4,
        "the 1st, 3rd, 5th and 10th"
    );
}

fn task(due: Option<DateTime<Utc>>) -> CrmEvent {
    TaskEvent::Created(TaskCreated {
        title: "Call back".into(),
        description: String::new(),
        assignee: Assignee::User(manager()),
        due,
        remind_at: None,
        priority: Priority::Normal,
        link: None,
        created_by: manager(),
    })
    .into()
}

/// Protects "my tasks": open tasks by due time, overdue ones by now, done
/// ones gone.
#[test]
fn my_tasks_are_ordered_by_due_and_overdue_is_relative_to_now() {
    let model: Tasks = fed(vec![
        (1, task(Some(day(20))), day(1)),
        (2, task(Some(day(5))), day(1)),
        (3, task(None), day(1)),
        (4, task(Some(day(2))), day(1)),
        (
            4,
            TaskEvent::Completed(TaskCompleted {
                completed_by: manager(),
            })
            .into(),
            day(2),
        ),
    ]);
    let mine = [Assignee::User(manager())];
    let open: Vec<Uuid> = model
        .open_for(&mine, 10)
        .iter()
        .map(|row| row.id.as_uuid())
        .collect();
    assert_eq!(open, [2, 1, 3].map(Uuid::from_u128));
    let overdue = model.overdue_for(&mine, day(10), 10);
    assert_eq!(overdue.len(), 1);
    assert!(model.open_for(&[Assignee::Group(id(9))], 10).is_empty());
}

/// Protects the calendar: entries overlapping the range, for each attendee.
#[test]
fn the_calendar_shows_entries_overlapping_the_range() {
    let entry = |start: DateTime<Utc>, hours: i64| -> CrmEvent {
        CalendarEvent::Scheduled(CalendarEntryScheduled {
            title: "Meeting".into(),
            starts_at: start,
            ends_at: start + Duration::hours(hours),
            attendees: vec![Assignee::User(manager()), Assignee::User(id(0xB))],
            location: None,
            link: Some(domain::planning::Link::Party(id(1))),
            remind_before_minutes: None,
            organizer: manager(),
        })
        .into()
    };
    let model: Calendar = fed(vec![
        (1, entry(day(2), 1), day(1)),
        (2, entry(day(9), 48), day(1)),
        (3, entry(day(20), 1), day(1)),
    ]);
    let week = model.agenda(&[Assignee::User(manager())], day(10), day(17));
    assert_eq!(week.len(), 1, "the two-day entry from the 9th overlaps");
    assert_eq!(
        model
            .agenda(&[Assignee::User(id(0xB))], day(1), day(31))
            .len(),
        3
    );
    assert!(
        model
            .agenda(&[Assignee::User(id(0xC))], day(1), day(31))
            .is_empty()
    );
    assert_eq!(
        model.attendees(),
        [Assignee::User(manager()), Assignee::User(id(0xB))]
    );
}

/// A client may send times with nanoseconds, which the event keeps; the
/// snapshot keeps microseconds. The model must hold what its snapshot
/// holds, or a restart from a snapshot gives another model than a
/// rebuild (found by the format-2 upgrade fixture).
#[test]
fn a_calendar_restored_from_its_snapshot_equals_the_one_folded_with_nanoseconds() {
    let start = day(3) + Duration::nanoseconds(934_525_470);
    let model: Calendar = fed(vec![(
        1,
        CalendarEvent::Scheduled(CalendarEntryScheduled {
            title: "Quote review".into(),
            starts_at: start,
            ends_at: start + Duration::hours(1),
            attendees: vec![Assignee::User(manager())],
            location: None,
            link: None,
            remind_before_minutes: None,
            organizer: manager(),
        })
        .into(),
        day(1),
    )]);
    let bytes = bincode::serde::encode_to_vec(&model, bincode::config::standard()).unwrap();
    let (mut restored, _): (Calendar, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
    restored.restored();
    assert!(restored == model);
    let agenda = model.agenda(&[Assignee::User(manager())], day(3), day(4));
    assert_eq!(
        agenda[0].starts_at,
        day(3) + Duration::microseconds(934_525)
    );
}

/// Protects the 360 timeline: newest first, deal steps on the deal's
/// party, a withdrawn call gone, paging by cursor.
#[test]
fn the_timeline_is_newest_first_and_pages() {
    let model: Timelines = fed(vec![
        (20, call(1), day(1)),
        (200, opened(100), day(2)),
        (200, won(100), day(4)),
        (21, call(1), day(3)),
        (
            21,
            InteractionEvent::Withdrawn(InteractionWithdrawn {
                reason: "wrong party".into(),
            })
            .into(),
            day(3),
        ),
    ]);
    let kinds: Vec<EntryKind> = model
        .timeline(id(1), None, 10)
        .iter()
        .map(|entry| entry.kind)
        .collect();
    assert_eq!(
        kinds,
        [EntryKind::DealWon, EntryKind::DealOpened, EntryKind::Call]
    );
    let first = model.timeline(id(1), None, 2);
    let cursor = projections::models::timeline::TimelineCursor {
        at: first[1].at,
        position: first[1].position,
    };
    let rest = model.timeline(id(1), Some(cursor), 2);
    assert_eq!(
        rest.iter().map(|entry| entry.kind).collect::<Vec<_>>(),
        [EntryKind::Call]
    );
}

/// Protects "my tasks" for a user in a group: the group's soon-due tasks
/// are not crowded out by the user's many later ones.
#[test]
fn my_tasks_merge_a_user_and_their_groups_by_due_time() {
    let mut events = Vec::new();
    for number in 0..25 {
        events.push((100 + number, task(Some(day(28))), day(1)));
    }
    for number in 0..5 {
        let event = TaskEvent::Created(TaskCreated {
            title: "Group call".into(),
            description: String::new(),
            assignee: Assignee::Group(id(9)),
            due: Some(day(2)),
            remind_at: None,
            priority: Priority::High,
            link: None,
            created_by: manager(),
        });
        events.push((200 + number, event.into(), day(1)));
    }
    let model: Tasks = fed(events);
    let mine = model.open_for(&[Assignee::User(manager()), Assignee::Group(id(9))], 10);
    let group_tasks = mine
        .iter()
        .filter(|row| row.assignee == Assignee::Group(id(9)))
        .count();
    assert_eq!(group_tasks, 5, "all five tasks due on the 2nd come first");
    assert_eq!(mine.len(), 10);
}

/// Protects the tasks page: open tasks page by cursor in due order with
/// the undated last, a due window and its count agree, completed tasks
/// come newest first, and every assignee with a task is known.
#[test]
fn task_lists_page_by_cursor_within_a_due_window() {
    use projections::models::tasks::DueWindow;
    let done = |at_day: u32| {
        (
            TaskEvent::Completed(TaskCompleted {
                completed_by: manager(),
            })
            .into(),
            day(at_day),
        )
    };
    let mut events: Vec<(u128, CrmEvent, DateTime<Utc>)> = (1..=5)
        .map(|number| (number, task(Some(day(number as u32 + 1))), day(1)))
        .collect();
    events.push((9, task(None), day(1)));
    for (number, completed) in [(1, 3), (2, 4)] {
        let (event, at) = done(completed);
        events.push((number, event, at));
    }
    let model: Tasks = fed(events);
    let me = Assignee::User(manager());
    let everything = DueWindow::default();
    let first = model.due_page(me, everything, None, 2);
    let ids = |rows: &[&projections::models::tasks::TaskRow]| -> Vec<Uuid> {
        rows.iter().map(|row| row.id.as_uuid()).collect()
    };
    assert_eq!(ids(&first.rows), [3, 4].map(Uuid::from_u128));
    let second = model.due_page(me, everything, first.next, 2);
    assert_eq!(ids(&second.rows), [5, 9].map(Uuid::from_u128));
    assert!(second.next.is_none(), "the undated task ends the list");
    assert_eq!(model.due_count(me, everything), 4);

    let window = DueWindow {
        from: Some(day(5)),
        before: Some(day(6)),
    };
    assert_eq!(
        ids(&model.due_page(me, window, None, 10).rows),
        [Uuid::from_u128(4)]
    );
    assert_eq!(model.due_count(me, window), 1);
    let reversed = DueWindow {
        from: Some(day(6)),
        before: Some(day(5)),
    };
    assert_eq!(model.due_count(me, reversed), 0);
    assert!(model.due_page(me, reversed, None, 10).rows.is_empty());

    let completed = model.completed_page(me, None, 10);
    assert_eq!(ids(&completed.rows), [2, 1].map(Uuid::from_u128));
    assert_eq!(model.completed_count(me), 2);
    assert_eq!(model.assignees(), [me]);
    assert!(
        model
            .due_page(Assignee::Group(id(9)), everything, None, 10)
            .rows
            .is_empty()
    );
}

/// Protects the 360 timeline from stale plans: a cancelled meeting leaves
/// it, a rescheduled one moves, a reopened task loses its completion.
#[test]
fn the_timeline_follows_cancellations_reschedules_and_reopens() {
    use domain::planning::{CalendarEntryCancelled, CalendarEntryRescheduled, Link, TaskReopened};
    let meeting = |title: &str, start: DateTime<Utc>| -> CrmEvent {
        CalendarEvent::Scheduled(CalendarEntryScheduled {
            title: title.into(),
            starts_at: start,
            ends_at: start + Duration::hours(1),
            attendees: vec![Assignee::User(manager())],
            location: None,
            link: Some(Link::Party(id(1))),
            remind_before_minutes: None,
            organizer: manager(),
        })
        .into()
    };
    let linked_task: CrmEvent = TaskEvent::Created(TaskCreated {
        title: "Send offer".into(),
        description: String::new(),
        assignee: Assignee::User(manager()),
        due: None,
        remind_at: None,
        priority: Priority::Normal,
        link: Some(Link::Party(id(1))),
        created_by: manager(),
    })
    .into();
    let model: Timelines = fed(vec![
        (30, meeting("Kick-off", day(10)), day(1)),
        (31, meeting("Demo", day(12)), day(1)),
        (
            30,
            CalendarEvent::Rescheduled(CalendarEntryRescheduled {
                starts_at: day(20),
                ends_at: day(20) + Duration::hours(1),
            })
            .into(),
            day(2),
        ),
        (
            31,
            CalendarEvent::Cancelled(CalendarEntryCancelled { reason: None }).into(),
            day(3),
        ),
        (40, linked_task, day(4)),
        (
            40,
            TaskEvent::Completed(TaskCompleted {
                completed_by: manager(),
            })
            .into(),
            day(5),
        ),
        (40, TaskEvent::Reopened(TaskReopened {}).into(), day(6)),
    ]);
    let entries = model.timeline(id(1), None, 10);
    let seen: Vec<(EntryKind, &str, DateTime<Utc>)> = entries
        .iter()
        .map(|entry| (entry.kind, &*entry.title, entry.at))
        .collect();
    assert_eq!(
        seen,
        [
            (EntryKind::CalendarEntry, "Kick-off", day(20)),
            (EntryKind::TaskCreated, "Send offer", day(4))
        ]
    );
}

/// Protects the lead list: open leads newest first; a converted one leaves
/// the list and shows on its party's timeline.
#[test]
fn leads_are_listed_until_converted() {
    use domain::pipeline::{LeadCaptured, LeadConverted, LeadEvent};
    let captured = |title: &str| -> CrmEvent {
        LeadEvent::Captured(LeadCaptured {
            title: title.into(),
            contact_name: Some("Ivan".into()),
            company_name: None,
            email: None,
            phone: None,
            party: None,
            source: Some("website".into()),
            owner: manager(),
        })
        .into()
    };
    let converted: CrmEvent = LeadEvent::Converted(LeadConverted {
        deal: id(200),
        party: id(1),
    })
    .into();
    let events = vec![
        (50, captured("Older"), day(1)),
        (51, captured("Newer"), day(2)),
        (50, converted, day(3)),
    ];
    let board: PipelineBoard = fed(events.clone());
    let open: Vec<&str> = board
        .open_leads(None, 10)
        .iter()
        .map(|lead| lead.title.as_str())
        .collect();
    assert_eq!(open, ["Newer"]);
    assert!(board.open_leads(Some(id(0xB)), 10).is_empty());
    let timelines: Timelines = fed(events);
    let kinds: Vec<EntryKind> = timelines
        .timeline(id(1), None, 10)
        .iter()
        .map(|entry| entry.kind)
        .collect();
    assert_eq!(kinds, [EntryKind::LeadConverted]);
}

/// Protects the lead list's pages: page after page, newest first, every
/// open lead exactly once, whatever the page size; a filter keeps only
/// what it passes and the pages still join up.
#[test]
fn open_leads_come_page_after_page_each_once() {
    use domain::pipeline::{LeadCaptured, LeadEvent};
    let captured = |title: String| -> CrmEvent {
        LeadEvent::Captured(LeadCaptured {
            title,
            contact_name: None,
            company_name: None,
            email: None,
            phone: None,
            party: None,
            source: None,
            owner: manager(),
        })
        .into()
    };
    // Two leads a day, so some share their capture day.
    let events: Vec<_> = (0..23_u32)
        .map(|n| {
            (
                300 + u128::from(n),
                captured(format!("Lead {n}")),
                day(1 + n / 2),
            )
        })
        .collect();
    let board: PipelineBoard = fed(events);
    let everyone = board.open_leads(None, 100);
    assert_eq!(everyone.len(), 23);
    for limit in [1, 5, 7, 23, 50] {
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let (page, next) = board.open_leads_page(before, limit, |_| true);
            assert!(page.len() <= limit);
            seen.extend(page.iter().map(|lead| lead.id));
            match next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        let expected: Vec<_> = everyone.iter().map(|lead| lead.id).collect();
        assert_eq!(seen, expected, "pages of {limit}");
    }
    let (odd, _) = board.open_leads_page(None, 100, |lead| lead.title.ends_with(['1', '3']));
    let titles: Vec<&str> = odd.iter().map(|lead| lead.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Lead 21", "Lead 13", "Lead 11", "Lead 3", "Lead 1"]
    );
}

/// Protects search when every word is common: thousands of Ivans and of
/// Petrovs, and the three Ivan Petrovs are still found, in name order.
#[test]
fn a_search_of_common_words_finds_the_rare_combination() {
    let mut events = Vec::new();
    for number in 0..2_100u128 {
        events.push((
            10_000 + number,
            person("Ivan", &format!("Smith{number}")),
            day(1),
        ));
        events.push((
            20_000 + number,
            person(&format!("Anna{number}"), "Petrov"),
            day(1),
        ));
    }
    for number in 0..3u128 {
        events.push((30_000 + number, person("Ivan", "Petrov"), day(1)));
    }
    let model: Customers = fed(events);
    let page = model.search(&CustomerQuery {
        text: "ivan petrov".into(),
        limit: 2,
        ..CustomerQuery::default()
    });
    assert_eq!(names(&page.rows), ["Ivan Petrov", "Ivan Petrov"]);
    let rest = model.search(&CustomerQuery {
        text: "ivan petrov".into(),
        limit: 2,
        after: page.next,
        ..CustomerQuery::default()
    });
    assert_eq!(names(&rest.rows), ["Ivan Petrov"]);
    assert_eq!(
        model.search(&query("ivan")).rows.len(),
        20,
        "a common word pages through the list"
    );
}

/// Protects search latency on a large list: a page walks a bounded number
/// of rows; when they hold no match, the page is short and its cursor goes
/// on, so the match further down is still found.
#[test]
fn a_list_walk_is_bounded_per_page_and_continues() {
    let mut events = Vec::new();
    for number in 0..25_000u128 {
        events.push((
            100_000 + number,
            person("Ivan", &format!("A{number:05}")),
            day(1),
        ));
    }
    events.push((1, company("Ivan Zzz Holding"), day(1)));
    let model: Customers = fed(events);
    let query = |after| CustomerQuery {
        text: "ivan".into(),
        owner: Some(id(0xB)),
        limit: 5,
        after,
        ..CustomerQuery::default()
    };
    let first = model.search(&query(None));
    assert!(first.rows.is_empty(), "the first page's walk held no match");
    let mut after = first.next;
    let mut pages = 1;
    let mut found = Vec::new();
    while let Some(cursor) = after {
        let page = model.search(&query(Some(cursor)));
        found.extend(names(&page.rows));
        after = page.next;
        pages += 1;
        assert!(pages < 20, "the cursor always moves on");
    }
    assert_eq!(found, ["Ivan Zzz Holding"]);
    assert!(
        pages >= 5,
        "each page looks at a bounded number of rows: {pages} pages"
    );
}

/// Protects the customer 360: a customer's orders, invoices, payments and
/// imported sales show on its timeline with their amounts, newest first.
#[test]
fn the_timeline_shows_a_customers_trade() {
    use domain::finance::{AccountEvent, PaymentMethod, PaymentReceived};
    use domain::sales::{
        Amounts, OrderConfirmed, OrderDrafted, OrderEvent, OrderInvoiced, SaleEvent, SaleImported,
    };
    let eur = Currency::parse("currency", "EUR").unwrap();
    let total = Amounts {
        net: Decimal::new(6000, 2),
        vat: Decimal::new(1200, 2),
        gross: Decimal::new(7200, 2),
    };
    let drafted: CrmEvent = OrderEvent::Drafted(OrderDrafted {
        order: id(300),
        party: id(1),
        deal: None,
        price_list: id(301),
        currency: eur,
        warehouse: id(302),
        branch: None,
        manager: None,
        reference: None,
    })
    .into();
    let confirmed: CrmEvent = OrderEvent::Confirmed(OrderConfirmed {
        party: id(1),
        deal: None,
        warehouse: id(302),
        currency: eur,
        prices_include_vat: false,
        lines: vec![],
        total,
    })
    .into();
    let invoiced: CrmEvent = OrderEvent::Invoiced(OrderInvoiced {
        invoice: id(303),
        party: id(1),
        shipment: None,
        branch: None,
        currency: eur,
        lines: vec![],
        total,
        due: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
    })
    .into();
    let paid: CrmEvent = AccountEvent::PaymentReceived(PaymentReceived {
        payment: id(304),
        method: PaymentMethod::Card,
        currency: eur,
        amount: Decimal::new(7200, 2),
        allocations: vec![],
        to_credit: Decimal::new(7200, 2),
        reference: None,
        rate: None,
    })
    .into();
    let imported: CrmEvent = SaleEvent::Imported(SaleImported {
        number: "A-17".into(),
        party: id(1),
        manager: None,
        branch: None,
        currency: eur,
        ordered_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        shipped_on: None,
        lines: vec![],
        total,
    })
    .into();
    let model: Timelines = fed(vec![
        (1, company("Acme"), day(1)),
        (305, imported, day(1)),
        (300, drafted, day(2)),
        (300, confirmed, day(2)),
        (300, invoiced, day(3)),
        (1, paid, day(4)),
    ]);
    let entries: Vec<(EntryKind, String)> = model
        .timeline(id(1), None, 10)
        .iter()
        .map(|entry| (entry.kind, entry.title.to_string()))
        .collect();
    assert_eq!(
        entries,
        [
            (EntryKind::PaymentReceived, "72.00 EUR".to_owned()),
            (EntryKind::OrderInvoiced, "72.00 EUR".to_owned()),
            (EntryKind::OrderConfirmed, "72.00 EUR".to_owned()),
            (EntryKind::SaleImported, "A-17: 72.00 EUR".to_owned()),
        ]
    );
}

/// Protects the orders list: every order with its status and total, the
/// one worked on last first, paged by a cursor that neither skips nor
/// repeats, and per customer.
#[test]
fn the_orders_list_is_newest_activity_first_and_pages() {
    use domain::sales::{
        Amounts, OrderCancelled, OrderConfirmed, OrderDrafted, OrderEvent, OrderStatus,
    };
    use projections::models::orders::Orders;
    let eur = Currency::parse("currency", "EUR").unwrap();
    let drafted = |order: u128, party: u128| -> CrmEvent {
        OrderEvent::Drafted(OrderDrafted {
            order: id(order),
            party: id(party),
            deal: None,
            price_list: id(900),
            currency: eur,
            warehouse: id(901),
            branch: None,
            manager: None,
            reference: None,
        })
        .into()
    };
    let confirmed = |gross: i64| -> CrmEvent {
        OrderEvent::Confirmed(OrderConfirmed {
            party: id(1),
            deal: None,
            warehouse: id(901),
            currency: eur,
            prices_include_vat: false,
            lines: vec![],
            total: Amounts {
                net: Decimal::new(gross, 0),
                vat: Decimal::ZERO,
                gross: Decimal::new(gross, 0),
            },
        })
        .into()
    };
    let cancelled: CrmEvent = OrderEvent::Cancelled(OrderCancelled {
        reason: "no".into(),
        warehouse: id(901),
        reservations: vec![],
    })
    .into();
    let model: Orders = fed(vec![
        (101, drafted(101, 1), day(1)),
        (102, drafted(102, 2), day(1)),
        (103, drafted(103, 1), day(2)),
        (101, confirmed(70), day(3)),
        (102, cancelled, day(4)),
    ]);
    let order = |number: u128| domain::ids::OrderId::from_uuid(Uuid::from_u128(number));
    let all = model.page(10, None, None);
    let listed: Vec<_> = all.rows.iter().map(|row| row.order).collect();
    assert_eq!(listed, [order(102), order(101), order(103)]);
    assert_eq!(all.next, None);
    assert_eq!(all.rows[0].summary.status, OrderStatus::Cancelled);
    assert_eq!(all.rows[1].summary.status, OrderStatus::Confirmed);
    assert_eq!(all.rows[1].summary.total, Some(Decimal::new(70, 0)));
    assert_eq!(all.rows[2].summary.total, None, "a draft has no total yet");

    let first = model.page(2, None, None);
    assert_eq!(first.rows.len(), 2);
    let rest = model.page(2, first.next, None);
    let paged: Vec<_> = first
        .rows
        .iter()
        .chain(&rest.rows)
        .map(|row| row.order)
        .collect();
    assert_eq!(paged, listed);
    assert_eq!(rest.next, None);

    let customers: Vec<_> = model
        .page(10, None, Some(id(1)))
        .rows
        .iter()
        .map(|row| row.order)
        .collect();
    assert_eq!(customers, [order(101), order(103)]);

    let drafts = model.page_where(10, None, None, Some(OrderStatus::Draft));
    let drafts: Vec<_> = drafts.rows.iter().map(|row| row.order).collect();
    assert_eq!(drafts, [order(103)], "only the order still a draft");
    let first = model.page_where(1, None, Some(id(1)), Some(OrderStatus::Confirmed));
    assert_eq!(first.rows[0].order, order(101));
    assert_eq!(first.next, None, "no other confirmed order of customer 1");
}

fn reminding(remind_at: DateTime<Utc>) -> CrmEvent {
    TaskEvent::Created(TaskCreated {
        title: "Call back".into(),
        description: String::new(),
        assignee: Assignee::User(manager()),
        due: Some(remind_at + Duration::hours(1)),
        remind_at: Some(remind_at),
        priority: Priority::Normal,
        link: None,
        created_by: manager(),
    })
    .into()
}

/// Protects the reminders' two lists: due and undelivered ones by time
/// for the reminder process, delivered ones of open tasks for the user;
/// a delivered reminder moved to a later time is pending again, and a
/// completed task's leaves both.
#[test]
fn reminders_are_pending_until_delivered_and_pending_again_when_moved() {
    use domain::planning::{TaskReminderFired, TaskRescheduled};
    let fired = |at: DateTime<Utc>| -> CrmEvent {
        TaskEvent::ReminderFired(TaskReminderFired { remind_at: at }).into()
    };
    let model: Tasks = fed(vec![
        (1, reminding(day(3)), day(1)),
        (2, reminding(day(2)), day(1)),
        (3, reminding(day(9)), day(1)),
        (4, reminding(day(2)), day(1)),
        (4, fired(day(2)), day(2)),
        (5, reminding(day(2)), day(1)),
        (5, fired(day(2)), day(2)),
        (
            5,
            TaskEvent::Rescheduled(TaskRescheduled {
                due: Some(day(8)),
                remind_at: Some(day(4)),
            })
            .into(),
            day(3),
        ),
        (6, reminding(day(2)), day(1)),
        (6, fired(day(2)), day(2)),
        (
            6,
            TaskEvent::Completed(TaskCompleted {
                completed_by: manager(),
            })
            .into(),
            day(3),
        ),
    ]);
    let ids = |rows: Vec<&projections::models::tasks::TaskRow>| -> Vec<Uuid> {
        rows.iter().map(|row| row.id.as_uuid()).collect()
    };
    assert_eq!(
        ids(model.reminders_due(day(5), 10)),
        [2, 1, 5].map(Uuid::from_u128),
        "due by the 5th, soonest first; the 9th's not yet"
    );
    assert_eq!(ids(model.reminders_due(day(5), 1)), [Uuid::from_u128(2)]);
    assert_eq!(
        ids(model.reminded(Assignee::User(manager()), 10)),
        [Uuid::from_u128(4)],
        "delivered and open; the moved and the completed are not"
    );
}
