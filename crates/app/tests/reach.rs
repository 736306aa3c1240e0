#![allow(clippy::unwrap_used)]
//! Every use case, run by a caller out of reach of a record it names, is
//! refused exactly as it is when that record does not exist, and writes
//! nothing: the table below names each use case and each record it
//! touches, wherever the id comes from (the record acted on, a body's
//! party or deal, a merge's survivor, a transfer's warehouses).

mod common;

use app::App;
use app::commands::CommandError;
use app::deals::NewDeal;
use app::leads;
use app::orders::{NewLine, NewOrder};
use app::stock::TransferStock;
use chrono::Duration;
use common::{caller, run};
use domain::access::Role;
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::error::DomainError;
use domain::ids::{
    BranchId, CalendarEntryId, DealId, InteractionId, LeadId, OrderId, PartyId, PipelineId,
    PriceListId, ProductId, StageId, TaskId, UserId, WarehouseId,
};
use domain::interactions::{Interaction, InteractionCommand, InteractionKind, LogInteraction};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::pipeline::{
    CaptureLead, Deal, DealCommand, DefinePipeline, Lead, LeadCommand, NewStage, OpenDeal,
    Pipeline, PipelineCommand, Probability, StageRef,
};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntry, CreateTask, Link, Priority, ScheduleCalendarEntry,
    Task, TaskCommand,
};
use domain::sales::{DraftOrder, Order, OrderCommand};
use domain::values::{Currency, Label, Money, Text};
use rust_decimal::Decimal;
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn eur(amount: i64) -> Money {
    Money::parse(
        "amount",
        Decimal::from(amount),
        Currency::parse("currency", "EUR").unwrap(),
    )
    .unwrap()
}

fn quantity(units: i64) -> Quantity {
    Quantity::parse("quantity", Decimal::from(units)).unwrap()
}

fn company(name: &str, owner: UserId) -> PartyCommand {
    PartyCommand::Register(RegisterParty {
        name: PartyName::Company {
            name: label(name),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner,
        branch: None,
    })
}

fn person(name: &str, owner: UserId) -> PartyCommand {
    PartyCommand::Register(RegisterParty {
        name: PartyName::Person {
            first_name: label(name),
            last_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner,
        branch: None,
    })
}

/// Anna's customer with everything hanging off it, a warehouse of the
/// North branch, and what Boris (another sales manager) and Stan (a
/// storekeeper of the South branch) own themselves.
struct World {
    _directory: tempfile::TempDir,
    app: App,
    anna: UserId,
    boris: UserId,
    stan: UserId,
    south: BranchId,
    annas: PartyId,
    boris_party: PartyId,
    boris_person: PartyId,
    deal: DealId,
    lead: LeadId,
    boris_lead: LeadId,
    interaction: InteractionId,
    task: TaskId,
    entry: CalendarEntryId,
    pipeline: PipelineId,
    stage: StageId,
    north: WarehouseId,
    south_warehouse: WarehouseId,
    product: ProductId,
    price_list: PriceListId,
    order: OrderId,
}

impl World {
    async fn given<D, C>(&self, by: UserId, id: impl std::fmt::Display, command: C)
    where
        D: domain::Decider<Command = domain::Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, by, id, command).await;
    }
}

async fn world() -> World {
    let directory = tempfile::tempdir().unwrap();
    let app = common::fixed_app(directory.path());
    let id = Uuid::now_v7;
    let world = World {
        app,
        _directory: directory,
        anna: UserId::from_uuid(id()),
        boris: UserId::from_uuid(id()),
        stan: UserId::from_uuid(id()),
        south: BranchId::from_uuid(id()),
        annas: PartyId::from_uuid(id()),
        boris_party: PartyId::from_uuid(id()),
        boris_person: PartyId::from_uuid(id()),
        deal: DealId::from_uuid(id()),
        lead: LeadId::from_uuid(id()),
        boris_lead: LeadId::from_uuid(id()),
        interaction: InteractionId::from_uuid(id()),
        task: TaskId::from_uuid(id()),
        entry: CalendarEntryId::from_uuid(id()),
        pipeline: PipelineId::from_uuid(id()),
        stage: StageId::from_uuid(id()),
        north: WarehouseId::from_uuid(id()),
        south_warehouse: WarehouseId::from_uuid(id()),
        product: ProductId::from_uuid(id()),
        price_list: PriceListId::from_uuid(id()),
        order: OrderId::from_uuid(id()),
    };
    let (anna, boris) = (world.anna, world.boris);
    world
        .given::<Party, _>(anna, world.annas, company("Annas Ltd", anna))
        .await;
    world
        .given::<Party, _>(boris, world.boris_party, company("Boris Ltd", boris))
        .await;
    world
        .given::<Party, _>(boris, world.boris_person, person("Boris", boris))
        .await;
    world
        .given::<Pipeline, _>(
            anna,
            world.pipeline,
            PipelineCommand::Define(DefinePipeline {
                name: label("Sales"),
                stages: vec![NewStage {
                    stage_id: world.stage,
                    name: label("Qualify"),
                    probability: Probability::parse("probability", 10).unwrap(),
                }],
            }),
        )
        .await;
    world
        .given::<Deal, _>(
            anna,
            world.deal,
            DealCommand::Open(OpenDeal {
                title: label("Bolts"),
                party: world.annas,
                pipeline: world.pipeline,
                stage: StageRef {
                    stage: world.stage,
                    default_probability: 10,
                    position: 0,
                },
                probability: None,
                amount: eur(1000),
                expected_close: None,
                owner: anna,
                lead: None,
            }),
        )
        .await;
    for (lead, owner, party) in [
        (world.lead, anna, world.annas),
        (world.boris_lead, boris, world.boris_party),
    ] {
        world
            .given::<Lead, _>(
                owner,
                lead,
                LeadCommand::Capture(CaptureLead {
                    title: label("A lead"),
                    contact_name: None,
                    company_name: None,
                    email: None,
                    phone: None,
                    party: Some(party),
                    source: None,
                    owner,
                }),
            )
            .await;
    }
    world
        .given::<Interaction, _>(anna, world.interaction, log_on(world.annas, None))
        .await;
    world
        .given::<Task, _>(anna, world.task, task_about(anna, Link::Party(world.annas)))
        .await;
    world
        .given::<CalendarEntry, _>(
            anna,
            world.entry,
            meeting_about(&world, anna, Link::Party(world.annas)),
        )
        .await;
    for (warehouse, branch) in [
        (world.north, BranchId::from_uuid(id())),
        (world.south_warehouse, world.south),
    ] {
        world
            .given::<Warehouse, _>(
                anna,
                warehouse,
                WarehouseCommand::Open {
                    name: label("A warehouse"),
                    branch: Some(branch),
                    allows_negative_stock: false,
                },
            )
            .await;
    }
    world
        .given::<Product, _>(
            anna,
            world.product,
            ProductCommand::Define(DefineProduct {
                sku: Sku::parse("sku", "BOLT-1").unwrap(),
                name: label("Bolt"),
                unit: Unit::parse("unit", "pcs").unwrap(),
                category: None,
                barcode: None,
                kind: ProductKind::StockTracked,
                vat: VatRate::parse("vat", Decimal::from(20)).unwrap(),
            }),
        )
        .await;
    world
        .given::<PriceList, _>(
            anna,
            world.price_list,
            PriceListCommand::Define {
                name: label("Retail"),
                currency: Currency::parse("currency", "EUR").unwrap(),
                prices_include_vat: false,
            },
        )
        .await;
    world
        .given::<PriceList, _>(
            anna,
            world.price_list,
            PriceListCommand::SetPrice {
                product: world.product,
                scope: PriceScope::Everyone,
                min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO).unwrap(),
                unit_price: UnitPrice::parse("unit_price", Decimal::from(5)).unwrap(),
            },
        )
        .await;
    for warehouse in [world.north, world.south_warehouse] {
        world
            .given::<Stock, _>(
                anna,
                format!("{}-{}", world.product, warehouse),
                StockCommand::Receive {
                    quantity: quantity(10),
                    unit_cost: UnitPrice::parse("unit_cost", Decimal::from(2)).unwrap(),
                    reference: None,
                },
            )
            .await;
    }
    world
        .given::<Order, _>(
            anna,
            world.order,
            OrderCommand::Draft(DraftOrder {
                order: world.order,
                party: world.annas,
                deal: None,
                price_list: world.price_list,
                currency: Currency::parse("currency", "EUR").unwrap(),
                warehouse: world.north,
                branch: None,
                manager: None,
                reference: None,
            }),
        )
        .await;
    world
        .given::<Order, _>(
            anna,
            world.order,
            OrderCommand::AddLine {
                product: world.product,
                quantity: quantity(2),
                discount_percent: None,
            },
        )
        .await;
    world
}

fn log_on(party: PartyId, deal: Option<DealId>) -> InteractionCommand {
    InteractionCommand::Log(LogInteraction {
        party,
        deal,
        kind: InteractionKind::Note,
        subject: None,
        body: Text::parse("body", "Called about bolts").unwrap(),
    })
}

fn task_about(assignee: UserId, link: Link) -> TaskCommand {
    TaskCommand::Create(CreateTask {
        title: label("Call back"),
        description: Text::parse("description", "").unwrap(),
        assignee: Assignee::User(assignee),
        due: None,
        remind_at: None,
        priority: Priority::Normal,
        link: Some(link),
    })
}

fn meeting_about(world: &World, attendee: UserId, link: Link) -> CalendarCommand {
    let starts_at = world.app.now() + Duration::days(1);
    CalendarCommand::Schedule(ScheduleCalendarEntry {
        title: label("Visit"),
        starts_at,
        ends_at: starts_at + Duration::hours(1),
        attendees: vec![Assignee::User(attendee)],
        location: None,
        link: Some(link),
        remind_before_minutes: None,
    })
}

/// A use case and the one record of it the case points elsewhere.
#[derive(Clone, Copy, Debug)]
enum Case {
    RenameParty,
    ArchiveParty,
    MergeDuplicate,
    MergeSurvivor,
    JoinCompany,
    RegisterEmployee,
    OpenDealFor,
    MoveDeal,
    ReopenDeal,
    WinDeal,
    AssignLead,
    CaptureLeadFor,
    ConvertLead,
    ConvertLeadFor,
    LogInteractionWith,
    LogInteractionOnDeal,
    AmendInteraction,
    CreateTaskAbout,
    CompleteTask,
    ScheduleAbout,
    CancelEntry,
    DraftOrderFor,
    AddOrderLine,
    ConfirmOrder,
    ShipOrder,
    CancelOrder,
    ConfirmOrderOfAnotherBranch,
    RecordStock,
    TransferFrom,
    TransferTo,
    RenameWarehouse,
}

impl Case {
    const ALL: &[Case] = &[
        Case::RenameParty,
        Case::ArchiveParty,
        Case::MergeDuplicate,
        Case::MergeSurvivor,
        Case::JoinCompany,
        Case::RegisterEmployee,
        Case::OpenDealFor,
        Case::MoveDeal,
        Case::ReopenDeal,
        Case::WinDeal,
        Case::AssignLead,
        Case::CaptureLeadFor,
        Case::ConvertLead,
        Case::ConvertLeadFor,
        Case::LogInteractionWith,
        Case::LogInteractionOnDeal,
        Case::AmendInteraction,
        Case::CreateTaskAbout,
        Case::CompleteTask,
        Case::ScheduleAbout,
        Case::CancelEntry,
        Case::DraftOrderFor,
        Case::AddOrderLine,
        Case::ConfirmOrder,
        Case::ShipOrder,
        Case::CancelOrder,
        Case::ConfirmOrderOfAnotherBranch,
        Case::RecordStock,
        Case::TransferFrom,
        Case::TransferTo,
        Case::RenameWarehouse,
    ];

    /// The record of Anna's (or of the North branch) the case names, and
    /// the words a refusal uses for it.
    fn target(self, world: &World) -> (Uuid, &'static str) {
        use Case::*;
        match self {
            RenameParty | ArchiveParty | MergeDuplicate | MergeSurvivor | JoinCompany
            | RegisterEmployee | OpenDealFor | CaptureLeadFor | ConvertLeadFor
            | LogInteractionWith | CreateTaskAbout | DraftOrderFor => {
                (world.annas.as_uuid(), "party")
            }
            MoveDeal | ReopenDeal | WinDeal | LogInteractionOnDeal | ScheduleAbout => {
                (world.deal.as_uuid(), "deal")
            }
            AssignLead | ConvertLead => (world.lead.as_uuid(), "lead"),
            AmendInteraction => (world.interaction.as_uuid(), "interaction"),
            CompleteTask => (world.task.as_uuid(), "task"),
            CancelEntry => (world.entry.as_uuid(), "calendar entry"),
            AddOrderLine | ConfirmOrder | ShipOrder | CancelOrder | ConfirmOrderOfAnotherBranch => {
                (world.order.as_uuid(), "order")
            }
            RecordStock | TransferFrom | TransferTo | RenameWarehouse => {
                (world.north.as_uuid(), "warehouse")
            }
        }
    }

    /// Runs the use case as its outsider (Boris, or Stan for the stock
    /// cases), with `target` where the case's record goes.
    async fn attempt(self, world: &World, target: Uuid) -> Result<(), CommandError> {
        use Case::*;
        let app = &world.app;
        let boris = caller(world.boris, Role::SalesManager, None);
        let stan = caller(world.stan, Role::Storekeeper, Some(world.south));
        let party = PartyId::from_uuid(target);
        let deal = DealId::from_uuid(target);
        let order = OrderId::from_uuid(target);
        let warehouse = WarehouseId::from_uuid(target);
        let new_deal = |party| NewDeal {
            title: label("Nuts"),
            party,
            pipeline: world.pipeline,
            stage: None,
            probability: None,
            amount: eur(10),
            expected_close: None,
            owner: None,
            lead: None,
        };
        let conversion = |party| leads::ConvertLead {
            party,
            pipeline: world.pipeline,
            stage: None,
            probability: None,
            amount: eur(10),
            expected_close: None,
            title: None,
            owner: None,
        };
        let transfer = |from, to| TransferStock {
            product: world.product,
            from,
            to,
            quantity: quantity(1),
        };
        let fresh = Uuid::now_v7;
        match self {
            RenameParty => app
                .execute::<Party, _>(
                    &boris,
                    run(),
                    party,
                    PartyCommand::Rename {
                        name: PartyName::Company {
                            name: label("Mine now"),
                            legal_name: None,
                        },
                    },
                    None,
                )
                .await
                .map(drop),
            ArchiveParty => app
                .execute::<Party, _>(
                    &boris,
                    run(),
                    party,
                    PartyCommand::Archive { reason: None },
                    None,
                )
                .await
                .map(drop),
            MergeDuplicate => app
                .parties()
                .merge(&boris, run(), party, world.boris_party)
                .await
                .map(drop),
            MergeSurvivor => app
                .parties()
                .merge(&boris, run(), world.boris_party, party)
                .await
                .map(drop),
            JoinCompany => app
                .execute::<Party, _>(
                    &boris,
                    run(),
                    world.boris_person,
                    PartyCommand::JoinCompany {
                        company: party,
                        job_title: None,
                    },
                    None,
                )
                .await
                .map(drop),
            RegisterEmployee => {
                let PartyCommand::Register(mut register) = person("Employee", world.boris) else {
                    unreachable!("person() registers a party")
                };
                register.company = Some(party);
                app.execute::<Party, _>(
                    &boris,
                    run(),
                    fresh(),
                    PartyCommand::Register(register),
                    None,
                )
                .await
                .map(drop)
            }
            OpenDealFor => app
                .deals()
                .open(&boris, run(), new_deal(party))
                .await
                .map(drop),
            MoveDeal => app
                .deals()
                .move_to_stage(&boris, run(), deal, world.stage, None)
                .await
                .map(drop),
            ReopenDeal => app
                .deals()
                .reopen(&boris, run(), deal, None, None)
                .await
                .map(drop),
            WinDeal => app
                .execute::<Deal, _>(
                    &boris,
                    run(),
                    deal,
                    DealCommand::Win {
                        amount: None,
                        reason: None,
                    },
                    None,
                )
                .await
                .map(drop),
            AssignLead => app
                .execute::<Lead, _>(
                    &boris,
                    run(),
                    target,
                    LeadCommand::AssignOwner(world.boris),
                    None,
                )
                .await
                .map(drop),
            CaptureLeadFor => app
                .execute::<Lead, _>(
                    &boris,
                    run(),
                    fresh(),
                    LeadCommand::Capture(CaptureLead {
                        title: label("Mine"),
                        contact_name: None,
                        company_name: None,
                        email: None,
                        phone: None,
                        party: Some(party),
                        source: None,
                        owner: world.boris,
                    }),
                    None,
                )
                .await
                .map(drop),
            ConvertLead => app
                .leads()
                .convert(&boris, run(), LeadId::from_uuid(target), conversion(None))
                .await
                .map(drop),
            ConvertLeadFor => app
                .leads()
                .convert(&boris, run(), world.boris_lead, conversion(Some(party)))
                .await
                .map(drop),
            LogInteractionWith => app
                .execute::<Interaction, _>(&boris, run(), fresh(), log_on(party, None), None)
                .await
                .map(drop),
            LogInteractionOnDeal => app
                .execute::<Interaction, _>(
                    &boris,
                    run(),
                    fresh(),
                    log_on(world.boris_party, Some(deal)),
                    None,
                )
                .await
                .map(drop),
            AmendInteraction => app
                .execute::<Interaction, _>(
                    &boris,
                    run(),
                    target,
                    InteractionCommand::Amend {
                        subject: None,
                        body: Text::parse("body", "Changed").unwrap(),
                    },
                    None,
                )
                .await
                .map(drop),
            CreateTaskAbout => app
                .execute::<Task, _>(
                    &boris,
                    run(),
                    fresh(),
                    task_about(world.boris, Link::Party(party)),
                    None,
                )
                .await
                .map(drop),
            CompleteTask => app
                .execute::<Task, _>(&boris, run(), target, TaskCommand::Complete, None)
                .await
                .map(drop),
            ScheduleAbout => app
                .execute::<CalendarEntry, _>(
                    &boris,
                    run(),
                    fresh(),
                    meeting_about(world, world.boris, Link::Deal(deal)),
                    None,
                )
                .await
                .map(drop),
            CancelEntry => app
                .execute::<CalendarEntry, _>(
                    &boris,
                    run(),
                    target,
                    CalendarCommand::Cancel { reason: None },
                    None,
                )
                .await
                .map(drop),
            DraftOrderFor => app
                .orders()
                .draft(
                    &boris,
                    run(),
                    NewOrder {
                        party,
                        price_list: world.price_list,
                        warehouse: world.north,
                        deal: None,
                        branch: None,
                        manager: None,
                        reference: None,
                        lines: Vec::new(),
                    },
                )
                .await
                .map(drop),
            AddOrderLine => app
                .orders()
                .add_line(
                    &boris,
                    run(),
                    order,
                    NewLine {
                        product: world.product,
                        quantity: quantity(1),
                        discount_percent: None,
                    },
                )
                .await
                .map(drop),
            ConfirmOrder => app.orders().confirm(&boris, run(), order).await.map(drop),
            ShipOrder => app
                .orders()
                .ship(&boris, run(), order, None)
                .await
                .map(drop),
            CancelOrder => app
                .execute::<Order, _>(
                    &boris,
                    run(),
                    order,
                    OrderCommand::Cancel {
                        reason: label("Not wanted"),
                    },
                    None,
                )
                .await
                .map(drop),
            ConfirmOrderOfAnotherBranch => {
                app.orders().confirm(&stan, run(), order).await.map(drop)
            }
            RecordStock => app
                .stock()
                .record(
                    &stan,
                    run(),
                    (world.product, warehouse),
                    StockCommand::Count {
                        counted: Quantity::parse_break("counted", Decimal::ZERO).unwrap(),
                    },
                    None,
                )
                .await
                .map(drop),
            TransferFrom => app
                .stock()
                .transfer(&stan, run(), transfer(warehouse, world.south_warehouse))
                .await
                .map(drop),
            TransferTo => app
                .stock()
                .transfer(&stan, run(), transfer(world.south_warehouse, warehouse))
                .await
                .map(drop),
            RenameWarehouse => app
                .execute::<Warehouse, _>(
                    &stan,
                    run(),
                    warehouse,
                    WarehouseCommand::Rename(label("Mine now")),
                    None,
                )
                .await
                .map(drop),
        }
    }
}

/// Protects every use case against an existence oracle and a reach
/// around the check: each is refused for a record out of the caller's
/// reach in the very words it uses for one that does not exist, and
/// neither attempt writes anything.
#[tokio::test]
async fn out_of_reach_is_refused_as_missing_by_every_use_case() {
    let world = world().await;
    let head = common::head(&world.app);
    let mut differing = Vec::new();
    for case in Case::ALL {
        let (record, entity) = case.target(&world);
        let missing = Uuid::now_v7();
        let out_of_reach = case.attempt(&world, record).await;
        let absent = case.attempt(&world, missing).await;
        let expected = |id| DomainError::NotFound {
            entity,
            id: Some(id),
        };
        let alike = matches!(&out_of_reach, Err(CommandError::Domain(error)) if *error == expected(record))
            && matches!(&absent, Err(CommandError::Domain(error)) if *error == expected(missing));
        if !alike {
            differing.push(format!(
                "{case:?}: out of reach {out_of_reach:?}, missing {absent:?}"
            ));
        }
    }
    assert!(differing.is_empty(), "{differing:#?}");
    assert_eq!(common::head(&world.app), head, "a refused use case wrote");
}

/// Protects the table from passing vacuously: the owner of each record
/// (an administrator for the stock cases) is not refused the use cases
/// that only change what they reach.
#[tokio::test]
async fn the_owner_reaches_what_the_outsider_does_not() {
    let world = world().await;
    let anna = caller(world.anna, Role::SalesManager, None);
    world
        .app
        .deals()
        .move_to_stage(&anna, run(), world.deal, world.stage, None)
        .await
        .unwrap();
    world
        .app
        .orders()
        .confirm(&anna, run(), world.order)
        .await
        .unwrap();
    world
        .app
        .execute::<Task, _>(&anna, run(), world.task, TaskCommand::Complete, None)
        .await
        .unwrap();
    let admin = caller(world.stan, Role::Administrator, None);
    world
        .app
        .execute::<Warehouse, _>(
            &admin,
            run(),
            world.north,
            WarehouseCommand::Rename(label("North hall")),
            None,
        )
        .await
        .unwrap();
}
