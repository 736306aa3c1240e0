#![allow(clippy::unwrap_used)]
//! The property every read model promises: fed live while the history is
//! being appended, rebuilt from scratch, and restored from a snapshot plus
//! the tail, it is the same model.

use std::collections::BTreeSet;
use std::fmt::Debug;

use domain::DomainEvent;
use domain::access::{
    ApiTokenIssued, ApiTokenRevoked, Permission, Role, UserDisabled, UserEnabled, UserEvent,
    UserPasswordChanged, UserRegistered,
};
use domain::events::CrmEvent;
use domain::ids::UserId;
use uuid::Uuid;

use eventlog::{Durability, EventLog, Options};
use projections::models::customers::CustomerQuery;
use projections::{
    Checkpoint, CrmReadModels, Projection, ReadModel, RuntimeOptions, SnapshotStore, rebuild,
    replay,
};
use proptest::prelude::*;

fn user_id(number: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x5E_0000 + number))
}

/// Three users, each registered with a token; one has a token revoked,
/// one changes password, one is disabled and enabled again: one append
/// per user event, to be spread through a history.
fn user_history() -> Vec<demo::DemoAppend> {
    let read = Permission::parse("permission", "parties.read").unwrap();
    let mut appends = Vec::new();
    let mut push = |user: UserId, number: u128, event: UserEvent| {
        appends.push(demo::DemoAppend {
            category: UserEvent::CATEGORY,
            aggregate: user.as_uuid(),
            events: vec![(Uuid::from_u128(0xE0_0000 + number), CrmEvent::User(event))],
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            issued_at: chrono::DateTime::UNIX_EPOCH,
            actor: user,
        });
    };
    let mut number = 0;
    for index in 0..3u128 {
        let user = user_id(index);
        let token = Uuid::from_u128(0x70_0000 + index);
        let mut next = |event| {
            number += 1;
            (number, event)
        };
        let events = [
            next(UserEvent::Registered(UserRegistered {
                login: format!("user{index}"),
                display_name: format!("User {index}"),
                roles: vec![Role::SalesManager],
                branch: None,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            })),
            next(UserEvent::TokenIssued(ApiTokenIssued {
                token_id: token,
                name: "sync".to_owned(),
                permissions: vec![read],
                secret_sha256: [index as u8; 32],
                expires_at: None,
            })),
        ];
        for (number, event) in events {
            push(user, number, event);
        }
        let tail = match index {
            0 => vec![UserEvent::TokenRevoked(ApiTokenRevoked { token_id: token })],
            1 => vec![UserEvent::PasswordChanged(UserPasswordChanged {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$bmV3$aGFzaA".to_owned(),
            })],
            _ => vec![
                UserEvent::Disabled(UserDisabled {}),
                UserEvent::Enabled(UserEnabled {}),
            ],
        };
        for event in tail {
            number += 1;
            push(user, number, event);
        }
    }
    appends
}

/// Runs `command` on `state` through `D`'s decider, folding what it
/// decides: the events of a making-and-buying history are the deciders'.
fn decided<D, C>(state: &mut D::State, command: C) -> Vec<D::Event>
where
    D: domain::Decider<Command = domain::Issued<C>>,
    D::Error: Debug,
    D::State: Default,
{
    let at = chrono::DateTime::UNIX_EPOCH;
    let events = D::decide(state, &domain::Issued::new(user_id(0), at, command)).unwrap();
    for event in &events {
        *state = D::evolve(std::mem::take(state), event);
    }
    events
}

/// A sales manager's quotes, one append per command: one revised, sent
/// again and accepted, one declined, one left a draft: to be spread
/// through a history, so the quotes model is folded across the split too.
fn quoting_history() -> Vec<demo::DemoAppend> {
    use domain::catalog::Quantity;
    use domain::quotes::{DraftQuote, Quote, QuoteCommand, QuoteLine, Revision};
    use domain::sales::AgreedPrice;
    use domain::values::{Currency, Label};
    let id = |number: u128| Uuid::from_u128(0xC0_0000 + number);
    let revision = |units: i64| Revision {
        lines: vec![QuoteLine {
            product: id(1).into(),
            quantity: Quantity::parse("q", rust_decimal::Decimal::from(units)).unwrap(),
            discount_percent: None,
            price: AgreedPrice {
                currency: Currency::parse("c", "EUR").unwrap(),
                list_price: rust_decimal::Decimal::from(12),
                unit_price: rust_decimal::Decimal::from(10),
                vat_percent: rust_decimal::Decimal::from(20),
                prices_include_vat: false,
            },
            stock_tracked: true,
        }],
        valid_until: chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
        terms: None,
    };
    let mut appends = Vec::new();
    let mut number = 0u128;
    for (index, answer) in [
        vec![
            QuoteCommand::Send,
            QuoteCommand::Revise(revision(5)),
            QuoteCommand::Send,
            QuoteCommand::Accept {
                order: id(90).into(),
            },
        ],
        vec![
            QuoteCommand::Send,
            QuoteCommand::Decline {
                reason: Label::parse("r", "too dear").unwrap(),
            },
        ],
        Vec::new(),
    ]
    .into_iter()
    .enumerate()
    {
        let quote = id(10 + index as u128);
        let mut state = None;
        let draft = QuoteCommand::Draft(DraftQuote {
            quote: quote.into(),
            party: id(2).into(),
            deal: None,
            price_list: id(3).into(),
            currency: Currency::parse("c", "EUR").unwrap(),
            warehouse: id(4).into(),
            branch: None,
            owner: user_id(0),
            revision: revision(3),
        });
        for command in std::iter::once(draft).chain(answer) {
            let events = decided::<Quote, _>(&mut state, command)
                .into_iter()
                .map(|event| {
                    number += 1;
                    (Uuid::from_u128(0xC1_0000 + number), CrmEvent::from(event))
                })
                .collect();
            appends.push(demo::DemoAppend {
                category: "quote",
                aggregate: quote,
                events,
                occurred_at: chrono::DateTime::UNIX_EPOCH,
                issued_at: chrono::DateTime::UNIX_EPOCH,
                actor: user_id(0),
            });
        }
    }
    appends
}

/// A workshop's history, one append per command: a bill, a purchase
/// order drafted, sent and received in two parts, two production orders
/// (one made in two completions with each consumption told back and the
/// output costed, one cancelled): to be spread through a history, so the
/// purchases and production models are folded across the split too.
fn making_and_buying_history() -> Vec<demo::DemoAppend> {
    use domain::catalog::{Quantity, UnitPrice};
    use domain::production::{
        Bom, BomCommand, DefineBom, NewComponent, PlanProduction, ProductionCommand,
        ProductionOrder, ScrapPercent,
    };
    use domain::purchasing::{
        DraftPurchase, PurchaseCommand, PurchaseOrder, ReceiveLine, ReceivePurchase, Spread,
    };
    use domain::values::{Currency, ExchangeRate, Label};
    let id = |number: u128| Uuid::from_u128(0xB0_0000 + number);
    let quantity = |units: i64| Quantity::parse("q", rust_decimal::Decimal::from(units)).unwrap();
    let (table, leg, warehouse, supplier) = (id(1), id(2), id(3), id(4));
    let mut appends = Vec::new();
    let mut number = 0u128;
    let mut push = |category: &'static str, aggregate: Uuid, events: Vec<CrmEvent>| {
        let events = events
            .into_iter()
            .map(|event| {
                number += 1;
                (Uuid::from_u128(0xB1_0000 + number), event)
            })
            .collect();
        appends.push(demo::DemoAppend {
            category,
            aggregate,
            events,
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            issued_at: chrono::DateTime::UNIX_EPOCH,
            actor: user_id(0),
        });
    };
    let mut bom = None;
    let bill = BomCommand::Define(DefineBom {
        product: table.into(),
        components: vec![NewComponent {
            product: leg.into(),
            quantity: quantity(4),
            scrap_percent: ScrapPercent::parse("s", rust_decimal::Decimal::from(5)).unwrap(),
        }],
        operations: Vec::new(),
        lead_days: 1,
        note: None,
    });
    let events = decided::<Bom, _>(&mut bom, bill);
    push(
        "bom",
        table,
        events.into_iter().map(CrmEvent::from).collect(),
    );

    let order = id(10);
    let mut purchase = None;
    let commands = [
        PurchaseCommand::Draft(DraftPurchase {
            order: order.into(),
            supplier: supplier.into(),
            warehouse: warehouse.into(),
            branch: None,
            currency: Currency::parse("c", "EUR").unwrap(),
            buyer: None,
            reference: Some(Label::parse("r", "Quote 1").unwrap()),
            expected_on: None,
        }),
        PurchaseCommand::AddLine {
            product: leg.into(),
            quantity: quantity(100),
            unit_price: UnitPrice::parse("p", rust_decimal::Decimal::new(250, 2)).unwrap(),
        },
        PurchaseCommand::Send,
        PurchaseCommand::Receive(ReceivePurchase {
            receipt: id(11).into(),
            lines: Some(vec![ReceiveLine {
                line: 1,
                quantity: quantity(60),
            }]),
            landed_costs: Vec::new(),
            spread: Spread::ByValue,
            rate: ExchangeRate::ONE,
        }),
        PurchaseCommand::Receive(ReceivePurchase {
            receipt: id(12).into(),
            lines: None,
            landed_costs: Vec::new(),
            spread: Spread::ByQuantity,
            rate: ExchangeRate::ONE,
        }),
    ];
    for command in commands {
        let events = decided::<PurchaseOrder, _>(&mut purchase, command);
        push(
            "purchase",
            order,
            events.into_iter().map(CrmEvent::from).collect(),
        );
    }

    for (made, cancelled) in [(id(20), false), (id(21), true)] {
        let mut production = None;
        let plan = ProductionCommand::Plan(PlanProduction {
            order: made.into(),
            product: table.into(),
            bom_version: 1,
            warehouse: warehouse.into(),
            branch: None,
            quantity: quantity(10),
            due_on: chrono::NaiveDate::from_ymd_opt(1970, 1, 5).unwrap(),
            components: bom
                .as_ref()
                .unwrap()
                .active_version()
                .unwrap()
                .1
                .components
                .clone(),
            operations: Vec::new(),
        });
        let mut commands = vec![plan, ProductionCommand::Release];
        if cancelled {
            commands.push(ProductionCommand::Cancel {
                reason: Label::parse("r", "not needed").unwrap(),
            });
        }
        for command in commands {
            let events = decided::<ProductionOrder, _>(&mut production, command);
            push(
                "production",
                made,
                events.into_iter().map(CrmEvent::from).collect(),
            );
        }
        if cancelled {
            continue;
        }
        for (completion, units) in [(1, 4), (2, 6)] {
            let complete = ProductionCommand::Complete {
                quantity: quantity(units),
                finish: false,
            };
            let events = decided::<ProductionOrder, _>(&mut production, complete);
            push(
                "production",
                made,
                events.into_iter().map(CrmEvent::from).collect(),
            );
            // What the stock of legs would say back.
            let told = ProductionCommand::RecordConsumption {
                completion,
                product: leg.into(),
                quantity: rust_decimal::Decimal::new(42 * units, 1),
                unit_cost: rust_decimal::Decimal::new(25, 1),
            };
            let events = decided::<ProductionOrder, _>(&mut production, told);
            push(
                "production",
                made,
                events.into_iter().map(CrmEvent::from).collect(),
            );
        }
    }
    appends
}

/// Restores `M` from a snapshot taken at `split` and replays the rest.
fn snapshot_plus_tail<M: ReadModel>(log: &EventLog, store: &SnapshotStore, split: u64) -> M {
    let head = log.head().position;
    let mut model = M::default();
    let checkpoint = replay(
        log,
        &mut model,
        Checkpoint::default(),
        split,
        u64::MAX,
        |_, _| Ok(()),
    )
    .unwrap();
    store
        .save(&model, checkpoint.position, checkpoint.recorded_at)
        .unwrap();
    let (info, mut restored) = store.latest::<M>(split).unwrap().unwrap();
    assert_eq!(info.checkpoint, split);
    replay(
        log,
        &mut restored,
        checkpoint,
        head,
        u64::MAX,
        |_, _| Ok(()),
    )
    .unwrap();
    restored
}

fn check<M: ReadModel + PartialEq + Debug>(
    checked: &mut BTreeSet<&'static str>,
    live: &Projection<M>,
    log: &EventLog,
    store: &SnapshotStore,
    split: u64,
) {
    checked.insert(M::NAME);
    let options = RuntimeOptions {
        snapshot_every_events: 1_000_000,
    };
    let (rebuilt, _) = rebuild::<M>(log, store, options, |_| {}).unwrap();
    let restored = snapshot_plus_tail::<M>(log, store, split);
    assert!(
        rebuilt == restored,
        "{}: snapshot + tail differs from the rebuild",
        M::NAME
    );
    live.read(|model| {
        assert!(
            *model == rebuilt,
            "{}: the live model differs from the rebuild",
            M::NAME
        )
    });
}

fn run(seed: u64, parties: usize, days: u32, split_percent: u64) -> u64 {
    let directory = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let keys = vault::keys::Keys::open_in(directory.path()).unwrap();
    let log = EventLog::open(
        directory.path().join("log"),
        keys.log_options(Options {
            durability: Durability::BulkImportRelaxed,
            ..Options::default()
        }),
    )
    .unwrap();
    let live_store = SnapshotStore::open(directory.path().join("live")).unwrap();
    // Small snapshot intervals make the live models snapshot mid-history too.
    let live_options = RuntimeOptions {
        snapshot_every_events: 97,
    };
    let live = runtime
        .block_on(CrmReadModels::start(&log, live_store, live_options))
        .unwrap();
    let options = demo::DemoOptions {
        seed,
        parties,
        days,
        ..demo::DemoOptions::default()
    };
    let mut history: Vec<demo::DemoAppend> = demo::generate(&options).collect();
    // The demo's history holds no users (the server registers them): a
    // few users with tokens, revocations and a disabling are put through
    // it, so the users model is folded across the split too.
    let spaced: Vec<demo::DemoAppend> = user_history()
        .into_iter()
        .chain(making_and_buying_history())
        .chain(quoting_history())
        .collect();
    let spacing = (history.len() / (spaced.len() + 1)).max(1);
    for (index, append) in spaced.into_iter().enumerate() {
        let at = ((index + 1) * spacing).min(history.len());
        let near = history[at.saturating_sub(1)].occurred_at;
        history.insert(
            at,
            demo::DemoAppend {
                occurred_at: near,
                issued_at: near,
                ..append
            },
        );
    }
    demo::load(&log, history, &keys, |_| {}).unwrap();
    log.sync_blocking().unwrap();
    let head = log.head().position;
    runtime.block_on(live.wait_for(head)).unwrap();

    let store = SnapshotStore::open(directory.path().join("checked")).unwrap();
    let split = head * split_percent / 100;
    let mut checked = BTreeSet::new();
    check(&mut checked, &live.customers, &log, &store, split);
    check(&mut checked, &live.timelines, &log, &store, split);
    check(&mut checked, &live.pipeline_board, &log, &store, split);
    check(&mut checked, &live.sales_funnel, &log, &store, split);
    check(&mut checked, &live.manager_activity, &log, &store, split);
    check(&mut checked, &live.tasks, &log, &store, split);
    check(&mut checked, &live.calendar, &log, &store, split);
    check(&mut checked, &live.stock, &log, &store, split);
    check(&mut checked, &live.sales, &log, &store, split);
    check(&mut checked, &live.director_kpis, &log, &store, split);
    check(&mut checked, &live.orders, &log, &store, split);
    check(&mut checked, &live.catalog, &log, &store, split);
    check(&mut checked, &live.users, &log, &store, split);
    check(&mut checked, &live.purchases, &log, &store, split);
    check(&mut checked, &live.production, &log, &store, split);
    check(&mut checked, &live.quotes, &log, &store, split);
    check(&mut checked, &live.deliveries, &log, &store, split);
    // A model added to the set and not here fails this, not silently.
    assert_eq!(
        checked,
        projections::MODEL_NAMES
            .into_iter()
            .collect::<BTreeSet<_>>(),
        "every read model of the set is checked"
    );
    assert_eq!(
        live.quotes.read(|quotes| quotes.len()),
        3,
        "the history holds quotes, so their model is checked on something"
    );
    assert!(
        live.users.read(|users| users.user(user_id(0)).is_some()),
        "the history holds users, so their model is checked on something"
    );
    assert_eq!(
        live.production.read(|production| production.len()),
        2,
        "the history holds production orders, so their model is checked on something"
    );
    assert_eq!(
        live.purchases.read(|purchases| purchases.len()),
        1,
        "the history holds a purchase order, so its model is checked on something"
    );

    // The derived search index must agree too, not only the rows.
    let query = CustomerQuery {
        text: "a".into(),
        limit: 50,
        ..CustomerQuery::default()
    };
    let (rebuilt, _) = rebuild::<projections::models::customers::Customers>(
        &log,
        &store,
        RuntimeOptions::default(),
        |_| {},
    )
    .unwrap();
    let expected: Vec<_> = rebuilt
        .search(&query)
        .rows
        .iter()
        .map(|row| row.id)
        .collect();
    let found: Vec<_> = live
        .customers
        .read(|model| model.search(&query).rows.iter().map(|row| row.id).collect());
    assert_eq!(found, expected);
    runtime.block_on(live.shutdown()).unwrap();
    head
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Protects every read model's promise: live = rebuilt = snapshot + tail,
    /// for random company histories split at a random point.
    #[test]
    fn live_rebuilt_and_restored_models_are_equal(
        seed in any::<u64>(),
        parties in 30usize..150,
        days in 90u32..400,
        split_percent in 0u64..=100,
    ) {
        let head = run(seed, parties, days, split_percent);
        prop_assert!(head > 200, "a history of {head} events is too small to tell");
    }
}
