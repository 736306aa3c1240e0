//! Every pipeline rule as given / when / then.

use uuid::Uuid;

use super::*;
use crate::testing::{at, given, id, issue};

fn label(raw: &str) -> Label {
    Label::parse("name", raw).unwrap()
}

fn probability(percent: i64) -> Probability {
    Probability::parse("probability", percent).unwrap()
}

fn new_stage(stage: u128, name: &str, percent: i64) -> NewStage {
    NewStage {
        stage_id: id(stage),
        name: label(name),
        probability: probability(percent),
    }
}

fn definition(stage: u128, name: &str, percent: u8) -> StageDefinition {
    StageDefinition {
        stage_id: id(stage),
        name: name.into(),
        probability: percent,
    }
}

fn define(stages: Vec<NewStage>) -> PipelineCommand {
    PipelineCommand::Define(DefinePipeline {
        name: label("Sales"),
        stages,
    })
}

/// Sales with three stages: New (1, 10%), Offer (2, 50%), Contract (3, 80%).
fn defined() -> PipelineEvent {
    PipelineEvent::Defined(PipelineDefined {
        name: "Sales".into(),
        stages: vec![
            definition(1, "New", 10),
            definition(2, "Offer", 50),
            definition(3, "Contract", 80),
        ],
    })
}

fn retired(stage: u128) -> PipelineEvent {
    PipelineEvent::StageRetired(StageRetired {
        stage_id: id(stage),
    })
}

fn stage_ids(state: &PipelineState) -> Vec<StageId> {
    state.active_stages().map(|stage| stage.stage_id).collect()
}

/// Protects definition: a new pipeline is recorded with its stages in order.
#[test]
fn defining_a_pipeline_records_its_stages() {
    given::<Pipeline>([])
        .when(issue(define(vec![
            new_stage(1, "New", 10),
            new_stage(2, "Offer", 50),
            new_stage(3, "Contract", 80),
        ])))
        .then(vec![defined()]);
}

/// Protects against two pipelines sharing one stream.
#[test]
fn defining_twice_is_rejected() {
    given::<Pipeline>([defined()])
        .when(issue(define(vec![new_stage(1, "New", 10)])))
        .then_rejected("pipeline.already_defined");
}

/// Protects every command but definition from acting on nothing.
#[test]
fn changing_an_undefined_pipeline_is_not_found() {
    given::<Pipeline>([])
        .when(issue(PipelineCommand::Rename {
            name: label("Renewals"),
        }))
        .then_error(DomainError::NotFound {
            entity: "pipeline",
            id: None,
        });
}

/// Protects business time: a pipeline change cannot be dated in the future.
#[test]
fn a_future_business_time_is_rejected() {
    given::<Pipeline>([])
        .when(issue(define(vec![new_stage(1, "New", 10)])).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects deals from a board without columns: a pipeline needs a stage.
#[test]
fn a_pipeline_without_stages_is_invalid() {
    given::<Pipeline>([])
        .when(issue(define(vec![])))
        .then_invalid("stages");
}

/// Protects the board from unbounded growth at definition.
#[test]
fn stages_per_definition_are_bounded() {
    let stages = (0..=STAGES_PER_PIPELINE_MAX as u128)
        .map(|number| new_stage(100 + number, &format!("Stage {number}"), 10))
        .collect();
    given::<Pipeline>([])
        .when(issue(define(stages)))
        .then_invalid("stages");
}

/// Protects the board from two columns users cannot tell apart.
#[test]
fn stage_names_in_a_definition_are_unique_ignoring_case() {
    given::<Pipeline>([])
        .when(issue(define(vec![
            new_stage(1, "Offer", 10),
            new_stage(2, "OFFER", 50),
        ])))
        .then_invalid("stages");
}

/// Protects stage ids: one id names one stage.
#[test]
fn stage_ids_in_a_definition_are_unique() {
    given::<Pipeline>([])
        .when(issue(define(vec![
            new_stage(1, "New", 10),
            new_stage(1, "Offer", 50),
        ])))
        .then_invalid("stages");
}

/// Protects probabilities from values that are not percentages.
#[test]
fn a_probability_is_a_percentage() {
    for bad in [-1, 101, 1_000] {
        let error = Probability::parse("probability", bad).unwrap_err();
        assert_eq!(error.field(), Some("probability"), "{bad}");
    }
    assert_eq!(probability(0).percent(), 0);
    assert_eq!(probability(100).percent(), 100);
    assert_eq!(Probability::from_recorded(250).percent(), 100);
}

/// Protects renames: a new name is recorded, the same name is a no-op.
#[test]
fn renaming_records_only_a_real_change() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::Rename {
            name: label("Renewals"),
        }))
        .then(vec![PipelineEvent::Renamed(PipelineRenamed {
            name: "Renewals".into(),
        })]);
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::Rename {
            name: label("Sales"),
        }))
        .then_nothing();
}

/// Protects adding: a stage goes last unless a position is given.
#[test]
fn adding_a_stage_puts_it_last_or_where_asked() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "Invoice", 90),
            position: None,
        }))
        .then(vec![PipelineEvent::StageAdded(StageAdded {
            stage: definition(4, "Invoice", 90),
            position: 3,
        })]);
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "Qualified", 20),
            position: Some(1),
        }))
        .then(vec![PipelineEvent::StageAdded(StageAdded {
            stage: definition(4, "Qualified", 20),
            position: 1,
        })]);
}

/// Protects positions: a stage can be added just after the last one, no
/// further.
#[test]
fn adding_a_stage_beyond_the_end_is_invalid() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "Invoice", 90),
            position: Some(4),
        }))
        .then_invalid("position");
}

/// Protects the board from two columns users cannot tell apart.
#[test]
fn adding_a_stage_with_a_taken_name_is_rejected() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "offer", 60),
            position: None,
        }))
        .then_rejected("pipeline.duplicate_stage_name");
}

/// Protects retired names: once a stage leaves the board its name is free.
#[test]
fn a_retired_stage_name_can_be_reused() {
    given::<Pipeline>([defined(), retired(2)])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "Offer", 60),
            position: None,
        }))
        .then(vec![PipelineEvent::StageAdded(StageAdded {
            stage: definition(4, "Offer", 60),
            position: 2,
        })]);
}

/// Protects stage ids: deals on a retired stage must never find it renamed
/// into another one.
#[test]
fn adding_a_stage_with_a_used_id_is_rejected() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(2, "Invoice", 90),
            position: None,
        }))
        .then_error(DomainError::AlreadyExists {
            entity: "stage",
            id: Uuid::from_u128(2),
        });
    given::<Pipeline>([defined(), retired(2)])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(2, "Invoice", 90),
            position: None,
        }))
        .then_error(DomainError::AlreadyExists {
            entity: "stage",
            id: Uuid::from_u128(2),
        });
}

/// Protects the board from unbounded growth.
#[test]
fn active_stages_per_pipeline_are_bounded() {
    let stages = (0..STAGES_PER_PIPELINE_MAX as u128)
        .map(|number| definition(100 + number, &format!("Stage {number}"), 10))
        .collect();
    let full = PipelineEvent::Defined(PipelineDefined {
        name: "Sales".into(),
        stages,
    });
    given::<Pipeline>([full])
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(1, "One more", 10),
            position: None,
        }))
        .then_rejected("pipeline.too_many_stages");
}

/// Protects the stream from growing without bound by adding and retiring.
#[test]
fn stages_ever_per_pipeline_are_bounded() {
    let mut history = vec![defined()];
    for number in 0..(STAGES_EVER_PER_PIPELINE_MAX - 3) as u128 {
        history.push(PipelineEvent::StageAdded(StageAdded {
            stage: definition(100 + number, &format!("Stage {number}"), 10),
            position: 3,
        }));
        history.push(retired(100 + number));
    }
    given::<Pipeline>(history)
        .when(issue(PipelineCommand::AddStage {
            stage: new_stage(4, "One more", 10),
            position: None,
        }))
        .then_rejected("pipeline.too_many_stages");
}

/// Protects stage renames: recorded once, and never onto another stage's
/// name; a change of case alone is a real change.
#[test]
fn renaming_a_stage_keeps_names_unique() {
    let rename = |name: &str| PipelineCommand::RenameStage {
        stage_id: id(2),
        name: label(name),
    };
    given::<Pipeline>([defined()])
        .when(issue(rename("Proposal")))
        .then(vec![PipelineEvent::StageRenamed(StageRenamed {
            stage_id: id(2),
            name: "Proposal".into(),
        })]);
    given::<Pipeline>([defined()])
        .when(issue(rename("OFFER")))
        .then(vec![PipelineEvent::StageRenamed(StageRenamed {
            stage_id: id(2),
            name: "OFFER".into(),
        })]);
    given::<Pipeline>([defined()])
        .when(issue(rename("Offer")))
        .then_nothing();
    given::<Pipeline>([defined()])
        .when(issue(rename("contract")))
        .then_rejected("pipeline.duplicate_stage_name");
}

/// Protects forecasts: a stage's default probability changes only for real.
#[test]
fn setting_a_stage_probability_records_only_a_real_change() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::SetStageProbability {
            stage_id: id(2),
            probability: probability(40),
        }))
        .then(vec![PipelineEvent::StageProbabilitySet(
            StageProbabilitySet {
                stage_id: id(2),
                probability: 40,
            },
        )]);
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::SetStageProbability {
            stage_id: id(2),
            probability: probability(50),
        }))
        .then_nothing();
}

/// Protects re-ordering: a move within range is recorded, a move onto the
/// same place is not, and a move beyond the last stage is invalid.
#[test]
fn moving_a_stage_stays_within_the_board() {
    let move_to = |position| PipelineCommand::MoveStage {
        stage_id: id(1),
        position,
    };
    given::<Pipeline>([defined()])
        .when(issue(move_to(2)))
        .then(vec![PipelineEvent::StageMoved(StageMoved {
            stage_id: id(1),
            position: 2,
        })]);
    given::<Pipeline>([defined()])
        .when(issue(move_to(0)))
        .then_nothing();
    given::<Pipeline>([defined()])
        .when(issue(move_to(3)))
        .then_invalid("position");
}

/// Protects positions: they count active stages only.
#[test]
fn positions_ignore_retired_stages() {
    given::<Pipeline>([defined(), retired(2)])
        .when(issue(PipelineCommand::MoveStage {
            stage_id: id(1),
            position: 2,
        }))
        .then_invalid("position");
}

/// Protects retiring: a stage leaves the board once.
#[test]
fn retiring_a_stage_records_it() {
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::RetireStage { stage_id: id(2) }))
        .then(vec![retired(2)]);
}

/// Protects deals: a pipeline always has a stage to put them on.
#[test]
fn retiring_the_last_active_stage_is_rejected() {
    given::<Pipeline>([defined(), retired(1), retired(2)])
        .when(issue(PipelineCommand::RetireStage { stage_id: id(3) }))
        .then_rejected("pipeline.last_stage");
}

/// Protects commands on stages that are gone or never were.
#[test]
fn a_retired_or_unknown_stage_is_not_found() {
    let not_found = |stage: u128| DomainError::NotFound {
        entity: "stage",
        id: Some(Uuid::from_u128(stage)),
    };
    given::<Pipeline>([defined(), retired(2)])
        .when(issue(PipelineCommand::RenameStage {
            stage_id: id(2),
            name: label("Proposal"),
        }))
        .then_error(not_found(2));
    given::<Pipeline>([defined(), retired(2)])
        .when(issue(PipelineCommand::RetireStage { stage_id: id(2) }))
        .then_error(not_found(2));
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::SetStageProbability {
            stage_id: id(9),
            probability: probability(10),
        }))
        .then_error(not_found(9));
    given::<Pipeline>([defined()])
        .when(issue(PipelineCommand::MoveStage {
            stage_id: id(9),
            position: 0,
        }))
        .then_error(not_found(9));
}

/// Protects evolve: the board after a history is what the events said.
#[test]
fn replay_keeps_the_active_stages_in_order() {
    let state = Pipeline::replay(&[
        defined(),
        PipelineEvent::StageAdded(StageAdded {
            stage: definition(4, "Qualified", 20),
            position: 1,
        }),
        PipelineEvent::StageMoved(StageMoved {
            stage_id: id(3),
            position: 0,
        }),
        retired(2),
        PipelineEvent::StageRenamed(StageRenamed {
            stage_id: id(1),
            name: "Lead in".into(),
        }),
        PipelineEvent::StageProbabilitySet(StageProbabilitySet {
            stage_id: id(4),
            probability: 25,
        }),
    ])
    .unwrap();
    assert_eq!(stage_ids(&state), vec![id(3), id(1), id(4)]);
    assert_eq!(state.stages[1].name, "Lead in");
    assert!(state.retired.contains(&id(2)));
    assert_eq!(
        state.stage_ref(id(4)),
        Some(StageRef {
            stage: id(4),
            default_probability: 25,
            position: 2,
        })
    );
    assert_eq!(state.stage_ref(id(2)), None, "retired");
    assert_eq!(state.stage_ref(id(9)), None, "unknown");
    assert_eq!(state.first_stage().map(|stage| stage.stage), Some(id(3)));
}

/// Protects the contract with read models: a recorded move lands where the
/// event says, whichever way the stage travels.
#[test]
fn replayed_moves_land_at_their_position() {
    let moved = |stage: u128, position: u32| {
        PipelineEvent::StageMoved(StageMoved {
            stage_id: id(stage),
            position,
        })
    };
    let state = Pipeline::replay(&[defined(), moved(1, 2)]).unwrap();
    assert_eq!(stage_ids(&state), vec![id(2), id(3), id(1)]);
    let state = Pipeline::replay(&[defined(), moved(3, 0)]).unwrap();
    assert_eq!(stage_ids(&state), vec![id(3), id(1), id(2)]);
}
