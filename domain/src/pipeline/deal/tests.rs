//! Every deal rule as given / when / then.

use rust_decimal::Decimal;

use super::*;
use crate::DomainEvent;
use crate::pipeline::{
    DefinePipeline, NewStage, Pipeline, PipelineCommand, PipelineEvent, PipelineState,
};
use crate::testing::{at, given, id, issue, user};
use crate::values::Currency;

/// The deal's pipeline.
const SALES: u128 = 100;

fn money(amount: i64, currency: &str) -> Money {
    let currency = Currency::parse("currency", currency).unwrap();
    Money::parse("amount", Decimal::from(amount), currency).unwrap()
}

fn eur(amount: i64) -> Money {
    money(amount, "EUR")
}

fn probability(percent: i64) -> Probability {
    Probability::parse("probability", percent).unwrap()
}

fn label(field: &str, raw: &str) -> Label {
    Label::parse(field, raw).unwrap()
}

/// Stage 1 (10%) at position 0, stage 2 (50%) at 1, stage 3 (80%) at 2.
fn stage(number: u128) -> StageRef {
    let (default_probability, position) = match number {
        1 => (10, 0),
        2 => (50, 1),
        _ => (80, 2),
    };
    StageRef {
        stage: id(number),
        default_probability,
        position,
    }
}

fn expected_close() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

fn open_deal() -> OpenDeal {
    OpenDeal {
        title: label("title", "50 licences"),
        party: id(7),
        pipeline: id(SALES),
        stage: stage(1),
        probability: None,
        amount: eur(1_000),
        expected_close: Some(expected_close()),
        owner: user(),
        lead: Some(id(30)),
    }
}

fn opened_payload() -> DealOpened {
    DealOpened {
        title: "50 licences".into(),
        party: id(7),
        pipeline: id(SALES),
        stage: id(1),
        probability: 10,
        amount: eur(1_000),
        expected_close: Some(expected_close()),
        owner: user(),
        lead: Some(id(30)),
    }
}

fn opened() -> DealEvent {
    DealEvent::Opened(opened_payload())
}

fn won() -> DealEvent {
    DealEvent::Won(DealWon {
        amount: eur(1_000),
        reason: None,
    })
}

fn lost() -> DealEvent {
    DealEvent::Lost(DealLost {
        reason: "price".into(),
    })
}

fn move_to(number: u128, chosen: Option<i64>) -> DealCommand {
    DealCommand::MoveToStage {
        pipeline: id(SALES),
        stage: stage(number),
        probability: chosen.map(probability),
    }
}

fn reopen_on(number: u128) -> DealCommand {
    DealCommand::Reopen {
        pipeline: id(SALES),
        stage: stage(number),
        probability: None,
    }
}

/// Protects opening: a deal starts with the stage's default probability.
#[test]
fn opening_a_deal_takes_the_stage_default_probability() {
    given::<Deal>([])
        .when(issue(DealCommand::Open(open_deal())))
        .then(vec![opened()]);
}

/// Protects the seller's judgement: an explicit probability wins over the
/// stage's default.
#[test]
fn opening_with_a_probability_overrides_the_stage_default() {
    let command = OpenDeal {
        probability: Some(probability(25)),
        ..open_deal()
    };
    given::<Deal>([])
        .when(issue(DealCommand::Open(command)))
        .then(vec![DealEvent::Opened(DealOpened {
            probability: 25,
            ..opened_payload()
        })]);
}

/// Protects against two deals sharing one stream.
#[test]
fn opening_twice_is_rejected() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::Open(open_deal())))
        .then_rejected("deal.already_opened");
}

/// Protects every command but opening from acting on nothing.
#[test]
fn changing_an_unopened_deal_is_not_found() {
    given::<Deal>([])
        .when(issue(DealCommand::SetProbability(probability(30))))
        .then_error(DomainError::NotFound {
            entity: "deal",
            id: None,
        });
}

/// Protects business time: a deal cannot be won tomorrow.
#[test]
fn a_future_business_time_is_rejected() {
    given::<Deal>([opened()])
        .when(
            issue(DealCommand::Win {
                amount: None,
                reason: None,
            })
            .backdated(at(60)),
        )
        .then_invalid("occurred_at");
}

/// Protects the board: a move records both stages and the new stage's
/// default probability, or the probability the command chose.
#[test]
fn moving_records_the_stages_and_the_probability() {
    given::<Deal>([opened()])
        .when(issue(move_to(2, None)))
        .then(vec![DealEvent::StageMoved(DealStageMoved {
            from: id(1),
            to: id(2),
            probability: 50,
        })]);
    given::<Deal>([opened()])
        .when(issue(move_to(2, Some(35))))
        .then(vec![DealEvent::StageMoved(DealStageMoved {
            from: id(1),
            to: id(2),
            probability: 35,
        })]);
}

/// Protects the board from double moves; a probability given with the
/// current stage is still a probability change.
#[test]
fn moving_to_the_current_stage_changes_nothing() {
    given::<Deal>([opened()])
        .when(issue(move_to(1, None)))
        .then_nothing();
    given::<Deal>([opened()])
        .when(issue(move_to(1, Some(10))))
        .then_nothing();
    given::<Deal>([opened()])
        .when(issue(move_to(1, Some(20))))
        .then(vec![DealEvent::ProbabilitySet(DealProbabilitySet {
            probability: 20,
        })]);
}

/// Protects a deal from landing on a stage its pipeline does not have.
#[test]
fn moving_to_a_stage_of_another_pipeline_is_rejected() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::MoveToStage {
            pipeline: id(SALES + 1),
            stage: stage(2),
            probability: None,
        }))
        .then_rejected("deal.wrong_pipeline");
}

/// Protects closed deals: won and lost are read-only until reopened.
#[test]
fn a_closed_deal_refuses_changes() {
    let changes = || {
        [
            move_to(2, None),
            DealCommand::SetProbability(probability(30)),
            DealCommand::ChangeAmount(eur(2_000)),
            DealCommand::ChangeExpectedClose(None),
            DealCommand::AssignOwner(id(5)),
            DealCommand::Rename {
                title: label("title", "60 licences"),
            },
        ]
    };
    for closed in [won(), lost()] {
        for command in changes() {
            given::<Deal>([opened(), closed.clone()])
                .when(issue(command))
                .then_rejected("deal.closed");
        }
    }
}

/// Protects forecasts: a probability change is recorded only for real.
#[test]
fn setting_the_probability_records_only_a_real_change() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::SetProbability(probability(30))))
        .then(vec![DealEvent::ProbabilitySet(DealProbabilitySet {
            probability: 30,
        })]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::SetProbability(probability(10))))
        .then_nothing();
}

/// Protects amounts: changes are recorded only for real, and a deal may be
/// re-priced in another currency.
#[test]
fn changing_the_amount_records_only_a_real_change() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeAmount(eur(1_500))))
        .then(vec![DealEvent::AmountChanged(DealAmountChanged {
            amount: eur(1_500),
        })]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeAmount(money(1_000, "USD"))))
        .then(vec![DealEvent::AmountChanged(DealAmountChanged {
            amount: money(1_000, "USD"),
        })]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeAmount(eur(1_000))))
        .then_nothing();
}

/// Protects the close date: it can be moved and cleared, once each.
#[test]
fn changing_the_expected_close_records_only_a_real_change() {
    let later = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeExpectedClose(Some(later))))
        .then(vec![DealEvent::ExpectedCloseChanged(
            DealExpectedCloseChanged {
                expected_close: Some(later),
            },
        )]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeExpectedClose(None)))
        .then(vec![DealEvent::ExpectedCloseChanged(
            DealExpectedCloseChanged {
                expected_close: None,
            },
        )]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::ChangeExpectedClose(Some(
            expected_close(),
        ))))
        .then_nothing();
}

/// Protects responsibility: an owner change is recorded only for real.
#[test]
fn assigning_the_owner_records_only_a_real_change() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::AssignOwner(id(5))))
        .then(vec![DealEvent::OwnerAssigned(DealOwnerAssigned {
            owner: id(5),
        })]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::AssignOwner(user())))
        .then_nothing();
}

/// Protects titles: a rename is recorded only for real.
#[test]
fn renaming_records_only_a_real_change() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::Rename {
            title: label("title", "60 licences"),
        }))
        .then(vec![DealEvent::Renamed(DealRenamed {
            title: "60 licences".into(),
        })]);
    given::<Deal>([opened()])
        .when(issue(DealCommand::Rename {
            title: label("title", "50 licences"),
        }))
        .then_nothing();
}

/// Protects revenue reports: a win records the deal's current amount.
#[test]
fn winning_records_the_current_amount() {
    given::<Deal>([
        opened(),
        DealEvent::AmountChanged(DealAmountChanged { amount: eur(1_200) }),
    ])
    .when(issue(DealCommand::Win {
        amount: None,
        reason: Some(label("reason", "best support")),
    }))
    .then(vec![DealEvent::Won(DealWon {
        amount: eur(1_200),
        reason: Some("best support".into()),
    })]);
}

/// Protects revenue reports: the negotiated final amount is what was won.
#[test]
fn winning_with_a_final_amount_records_it() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::Win {
            amount: Some(eur(900)),
            reason: None,
        }))
        .then(vec![DealEvent::Won(DealWon {
            amount: eur(900),
            reason: None,
        })]);
}

/// Protects loss analysis: a loss records its reason.
#[test]
fn losing_records_the_reason() {
    given::<Deal>([opened()])
        .when(issue(DealCommand::Lose {
            reason: label("reason", "price"),
        }))
        .then(vec![lost()]);
}

/// Protects loss analysis: a loss reason is never blank.
/// (The rule holds by type: the reason is a `Label`, which refuses blanks before `decide` runs.)
#[test]
fn a_blank_loss_reason_cannot_make_a_command() {
    let error = Label::parse("reason", " \t ").unwrap_err();
    assert_eq!(error.field(), Some("reason"));
}

/// Protects outcomes: a closed deal is not won or lost a second time.
#[test]
fn winning_or_losing_a_closed_deal_is_rejected() {
    for closed in [won(), lost()] {
        given::<Deal>([opened(), closed.clone()])
            .when(issue(DealCommand::Win {
                amount: None,
                reason: None,
            }))
            .then_rejected("deal.closed");
        given::<Deal>([opened(), closed])
            .when(issue(DealCommand::Lose {
                reason: label("reason", "price"),
            }))
            .then_rejected("deal.closed");
    }
}

/// Protects reopen from acting on a deal that is still being worked.
#[test]
fn reopening_an_open_deal_is_rejected() {
    given::<Deal>([opened()])
        .when(issue(reopen_on(2)))
        .then_rejected("deal.not_closed");
}

/// Protects second chances: a reopened deal lands on the stage given, with
/// its default probability or the one chosen.
#[test]
fn reopening_puts_the_deal_on_the_given_stage() {
    given::<Deal>([opened(), lost()])
        .when(issue(reopen_on(2)))
        .then(vec![DealEvent::Reopened(DealReopened {
            stage: id(2),
            probability: 50,
        })]);
    given::<Deal>([opened(), won()])
        .when(issue(DealCommand::Reopen {
            pipeline: id(SALES),
            stage: stage(3),
            probability: Some(probability(70)),
        }))
        .then(vec![DealEvent::Reopened(DealReopened {
            stage: id(3),
            probability: 70,
        })]);
}

/// Protects a reopened deal from landing on another pipeline's stage.
#[test]
fn reopening_on_another_pipeline_is_rejected() {
    given::<Deal>([opened(), lost()])
        .when(issue(DealCommand::Reopen {
            pipeline: id(SALES + 1),
            stage: stage(2),
            probability: None,
        }))
        .then_rejected("deal.wrong_pipeline");
}

/// Protects evolve: the deal's state after a history is what the events
/// said.
#[test]
fn replay_builds_the_deal_state() {
    let state = Deal::replay(&[
        opened(),
        DealEvent::StageMoved(DealStageMoved {
            from: id(1),
            to: id(3),
            probability: 80,
        }),
        DealEvent::OwnerAssigned(DealOwnerAssigned { owner: id(5) }),
        DealEvent::Won(DealWon {
            amount: eur(950),
            reason: None,
        }),
    ])
    .unwrap();
    assert_eq!(state.status, DealStatus::Won);
    assert!(state.is_closed());
    assert_eq!(state.stage, id(3));
    assert_eq!(state.amount, eur(950));
    assert_eq!(state.owner, id(5));
    assert_eq!(state.party, id(7));
    assert_eq!(state.pipeline, id(SALES));
    let state = Deal::replay(&[
        opened(),
        lost(),
        DealEvent::Reopened(DealReopened {
            stage: id(2),
            probability: 50,
        }),
    ])
    .unwrap();
    assert_eq!(state.status, DealStatus::Open);
    assert_eq!((state.stage, state.probability), (id(2), 50));
    assert_eq!(state.close_reason, None);
}

/// Protects the hand-over between deciders: a stage the application
/// resolves from the pipeline's state opens a deal on it.
#[test]
fn a_stage_resolved_from_the_pipeline_opens_a_deal() {
    let stage_named = |number: u128, name: &str, percent: i64| NewStage {
        stage_id: id(number),
        name: label("name", name),
        probability: probability(percent),
    };
    let define = PipelineCommand::Define(DefinePipeline {
        name: label("name", "Sales"),
        stages: vec![stage_named(1, "New", 10), stage_named(2, "Offer", 50)],
    });
    let events: Vec<PipelineEvent> = Pipeline::decide(&None, &issue(define)).unwrap();
    let board: PipelineState = Pipeline::replay(&events).unwrap();
    let command = OpenDeal {
        stage: board.stage_ref(id(2)).unwrap(),
        ..open_deal()
    };
    given::<Deal>([])
        .when(issue(DealCommand::Open(command)))
        .then(vec![DealEvent::Opened(DealOpened {
            stage: id(2),
            probability: 50,
            ..opened_payload()
        })]);
}

/// Protects stored amounts: money decodes exactly, fractions included.
#[test]
fn stored_amounts_decode_exactly() {
    let cents = Money::parse(
        "amount",
        Decimal::new(123_456, 2),
        Currency::parse("currency", "USD").unwrap(),
    )
    .unwrap();
    let changed = DealEvent::AmountChanged(DealAmountChanged { amount: cents });
    let decoded = DealEvent::decode("DealAmountChanged", 1, &changed.encode()).unwrap();
    assert_eq!(decoded, changed);
}
