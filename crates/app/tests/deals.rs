#![allow(clippy::unwrap_used)]
//! The deal use cases of `app`, driven without HTTP at a fixed time: a
//! stage is resolved in the deal's own pipeline, and a deal out of the
//! caller's reach is refused as a missing one, before anything is written.

use std::sync::Arc;

mod common;

use app::App;
use app::access::Caller;
use app::clock::FixedClock;
use app::commands::{CommandError, CommandHandler};
use chrono::{TimeZone, Utc};
use common::run;
use domain::access::Role;
use domain::error::DomainError;
use domain::ids::{DealId, PartyId, PipelineId, StageId, UserId};
use domain::pipeline::{
    Deal, DealCommand, DealState, DefinePipeline, NewStage, OpenDeal, Pipeline, PipelineCommand,
    Probability, StageRef,
};
use domain::values::{Currency, Label, Money};
use domain::{Decider, Issued};
use eventlog::Options;
use rust_decimal::Decimal;
use uuid::Uuid;

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

/// A sales pipeline (Qualify 10 %, Propose 40 %), another pipeline, and
/// Sam's deal on Qualify.
struct Board {
    _directory: tempfile::TempDir,
    app: App,
    sam: UserId,
    deal: DealId,
    propose: StageId,
    elsewhere: StageId,
}

impl Board {
    async fn execute<D, C>(&self, id: impl std::fmt::Display, command: C)
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: domain::DomainEvent,
        D::State: Send + 'static,
    {
        common::given::<D, C>(&self.app, self.sam, id, command).await;
    }

    fn deal(&self) -> DealState {
        self.app
            .commands
            .load::<Deal>(&CommandHandler::stream::<Deal>(self.deal).unwrap())
            .unwrap()
            .0
            .unwrap()
    }

    fn head(&self) -> u64 {
        common::head(&self.app)
    }
}

fn sales_manager(user: UserId) -> Caller {
    common::caller(user, Role::SalesManager, None)
}

async fn board() -> Board {
    let directory = tempfile::tempdir().unwrap();
    let (log, keys) = app::personal::open_log(directory.path(), Options::default()).unwrap();
    let clock = FixedClock::at(
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .unwrap(),
    );
    let app = App::new(
        Arc::new(CommandHandler::new(log, Arc::new(keys))),
        Arc::new(clock),
        Arc::new(app::ids::SequentialIds::starting(1)),
    );
    let (qualify, propose, elsewhere) = (
        StageId::from_uuid(Uuid::now_v7()),
        StageId::from_uuid(Uuid::now_v7()),
        StageId::from_uuid(Uuid::now_v7()),
    );
    let board = Board {
        _directory: directory,
        app,
        sam: UserId::from_uuid(Uuid::now_v7()),
        deal: DealId::from_uuid(Uuid::now_v7()),
        propose,
        elsewhere,
    };
    let sales = PipelineId::from_uuid(Uuid::now_v7());
    let other = PipelineId::from_uuid(Uuid::now_v7());
    let stage = |stage_id, name, percent| NewStage {
        stage_id,
        name: label(name),
        probability: Probability::parse("probability", percent).unwrap(),
    };
    for (pipeline, name, stages) in [
        (
            sales,
            "Sales",
            vec![stage(qualify, "Qualify", 10), stage(propose, "Propose", 40)],
        ),
        (other, "Other", vec![stage(elsewhere, "Elsewhere", 70)]),
    ] {
        board
            .execute::<Pipeline, _>(
                pipeline,
                PipelineCommand::Define(DefinePipeline {
                    name: label(name),
                    stages,
                }),
            )
            .await;
    }
    board
        .execute::<Deal, _>(
            board.deal,
            DealCommand::Open(OpenDeal {
                title: label("Bolts for the new plant"),
                party: PartyId::from_uuid(Uuid::now_v7()),
                pipeline: sales,
                stage: StageRef {
                    stage: qualify,
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
                owner: board.sam,
                lead: None,
            }),
        )
        .await;
    board
}

/// Protects the move: the stage is found in the deal's pipeline and the
/// deal takes its default probability.
#[tokio::test]
async fn a_deal_moves_to_a_stage_of_its_pipeline() {
    let board = board().await;
    board
        .app
        .deals()
        .move_to_stage(
            &sales_manager(board.sam),
            run(),
            board.deal,
            board.propose,
            None,
        )
        .await
        .unwrap();
    let deal = board.deal();
    assert_eq!((deal.stage, deal.probability), (board.propose, 40));
}

/// Protects against a stage taken from another pipeline: bad input on
/// `stage`, nothing written.
#[tokio::test]
async fn a_stage_of_another_pipeline_is_bad_input() {
    let board = board().await;
    let head = board.head();
    let refused = board
        .app
        .deals()
        .move_to_stage(
            &sales_manager(board.sam),
            run(),
            board.deal,
            board.elsewhere,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Domain(error) if error.field() == Some("stage")),
        "{refused:?}"
    );
    assert_eq!(board.head(), head);
}

/// Protects owner scope in the use case: another manager's move of Sam's
/// deal is refused exactly as a move of a missing deal, and writes
/// nothing; so is a reopen.
#[tokio::test]
async fn another_managers_deal_is_refused_as_missing() {
    let board = board().await;
    let other = sales_manager(UserId::from_uuid(Uuid::now_v7()));
    let head = board.head();
    let deals = board.app.deals();
    let refused = deals
        .move_to_stage(&other, run(), board.deal, board.propose, None)
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("deal", board.deal));
    let missing = DealId::from_uuid(Uuid::now_v7());
    let refused = deals
        .move_to_stage(&other, run(), missing, board.propose, None)
        .await
        .unwrap_err();
    common::assert_refused(&refused, DomainError::part_not_found("deal", missing));
    let refused = deals
        .reopen(&other, run(), board.deal, None, None)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        CommandError::Domain(DomainError::NotFound { .. })
    ));
    assert_eq!(board.head(), head);
}

/// Protects reopening: a lost deal comes back on its pipeline's first
/// stage when none is named.
#[tokio::test]
async fn a_lost_deal_reopens_on_the_first_stage() {
    let board = board().await;
    board
        .execute::<Deal, _>(
            board.deal,
            DealCommand::Lose {
                reason: label("Budget cut"),
            },
        )
        .await;
    board
        .app
        .deals()
        .reopen(&sales_manager(board.sam), run(), board.deal, None, None)
        .await
        .unwrap();
    let deal = board.deal();
    assert_eq!(deal.probability, 10);
    assert_ne!(deal.stage, board.propose);
}

/// Protects the pipelines everyone shares: a sales manager, whose grant
/// covers their own records, may not define a pipeline (as they may not
/// change one), and nothing is written; a director may.
#[tokio::test]
async fn only_a_grant_over_every_record_defines_a_pipeline() {
    let board = board().await;
    let define = || {
        let pipeline = PipelineId::from_uuid(Uuid::now_v7());
        let command = PipelineCommand::Define(DefinePipeline {
            name: label("Side deals"),
            stages: vec![NewStage {
                stage_id: StageId::from_uuid(Uuid::now_v7()),
                name: label("Talk"),
                probability: Probability::parse("probability", 10).unwrap(),
            }],
        });
        (pipeline, command)
    };
    let head = common::head(&board.app);
    let (pipeline, command) = define();
    let refused = board
        .app
        .execute::<Pipeline, _>(
            &sales_manager(UserId::from_uuid(Uuid::now_v7())),
            run(),
            pipeline,
            command,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::Forbidden { .. }),
        "{refused:?}"
    );
    assert_eq!(common::head(&board.app), head, "nothing was written");
    let (pipeline, command) = define();
    let director = common::caller(UserId::from_uuid(Uuid::now_v7()), Role::Director, None);
    board
        .app
        .execute::<Pipeline, _>(&director, run(), pipeline, command, None)
        .await
        .unwrap();
}
