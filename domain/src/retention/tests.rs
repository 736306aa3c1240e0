//! Every retention rule's rule as given / when / then.

use proptest::prelude::*;

use super::*;
use crate::testing::{at, given, id, issue};

fn months(count: i64) -> InactiveMonths {
    InactiveMonths::parse("inactive_months", count).unwrap()
}

fn define() -> RetentionCommand {
    RetentionCommand::Define {
        name: Label::parse("name", "Stale leads").unwrap(),
        target: RetentionTarget::Leads,
        inactive_months: months(24),
    }
}

fn defined() -> RetentionEvent {
    RetentionEvent::Defined(RetentionRuleDefined {
        name: "Stale leads".into(),
        target: RetentionTarget::Leads,
        inactive_months: 24,
    })
}

fn planned(run: u128, subjects: &[u128]) -> RetentionRunPlanned {
    RetentionRunPlanned {
        run: id(run),
        as_of: at(0),
        cutoff: at(-60),
        subjects: subjects.iter().map(|subject| id(*subject)).collect(),
        more: false,
    }
}

fn finished(run: u128, erased: u32, kept: u32) -> RetentionEvent {
    RetentionEvent::RunFinished(RetentionRunFinished {
        run: id(run),
        erased,
        kept,
    })
}

#[test]
fn a_rule_is_defined_once() {
    given::<RetentionRule>([])
        .when(issue(define()))
        .then(vec![defined()]);
    given::<RetentionRule>([defined()])
        .when(issue(define()))
        .then_rejected("retention.already_defined");
}

#[test]
fn an_undefined_rule_takes_no_other_command() {
    given::<RetentionRule>([])
        .when(issue(RetentionCommand::Pause))
        .then_not_found();
}

#[test]
fn a_change_records_the_new_name_and_period_and_a_repeat_nothing() {
    let change = RetentionCommand::Change {
        name: Label::parse("name", "Old leads").unwrap(),
        inactive_months: months(36),
    };
    let changed = RetentionEvent::Changed(RetentionRuleChanged {
        name: "Old leads".into(),
        inactive_months: 36,
    });
    given::<RetentionRule>([defined()])
        .when(issue(change.clone()))
        .then(vec![changed.clone()]);
    given::<RetentionRule>([defined(), changed])
        .when(issue(change))
        .then_nothing();
}

fn resumed() -> RetentionEvent {
    RetentionEvent::Resumed(RetentionRuleResumed {})
}

#[test]
fn a_rule_starts_paused_and_pause_and_resume_change_it_once() {
    let paused = RetentionEvent::Paused(RetentionRulePaused {});
    given::<RetentionRule>([defined()])
        .when(issue(RetentionCommand::Pause))
        .then_nothing();
    given::<RetentionRule>([defined()])
        .when(issue(RetentionCommand::Resume))
        .then(vec![resumed()]);
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::Resume))
        .then_nothing();
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::Pause))
        .then(vec![paused]);
}

#[test]
fn a_paused_rule_plans_no_run() {
    given::<RetentionRule>([defined()])
        .when(issue(RetentionCommand::PlanRun(planned(7, &[1]))))
        .then_rejected("retention.paused");
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::Paused(RetentionRulePaused {}),
    ])
    .when(issue(RetentionCommand::PlanRun(planned(7, &[1]))))
    .then_rejected("retention.paused");
}

#[test]
fn a_run_is_planned_then_finished() {
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::PlanRun(planned(7, &[1, 2]))))
        .then(vec![RetentionEvent::RunPlanned(planned(7, &[1, 2]))]);
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1, 2])),
    ])
    .when(issue(RetentionCommand::FinishRun {
        run: id(7),
        erased: 1,
        kept: 1,
    }))
    .then(vec![finished(7, 1, 1)]);
}

#[test]
fn a_new_run_waits_for_the_unfinished_one() {
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1])),
    ])
    .when(issue(RetentionCommand::PlanRun(planned(8, &[2]))))
    .then_rejected("retention.run_unfinished");
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1])),
        finished(7, 1, 0),
    ])
    .when(issue(RetentionCommand::PlanRun(planned(8, &[2]))))
    .then(vec![RetentionEvent::RunPlanned(planned(8, &[2]))]);
}

#[test]
fn only_the_open_run_finishes_and_only_once() {
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1])),
    ])
    .when(issue(RetentionCommand::FinishRun {
        run: id(8),
        erased: 1,
        kept: 0,
    }))
    .then_rejected("retention.no_such_run");
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1])),
        finished(7, 1, 0),
    ])
    .when(issue(RetentionCommand::FinishRun {
        run: id(7),
        erased: 1,
        kept: 0,
    }))
    .then_rejected("retention.no_such_run");
}

#[test]
fn a_finished_run_accounts_for_every_subject() {
    given::<RetentionRule>([
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1, 2])),
    ])
    .when(issue(RetentionCommand::FinishRun {
        run: id(7),
        erased: 1,
        kept: 0,
    }))
    .then_invalid("erased");
}

#[test]
fn a_run_names_each_subject_once_and_at_most_the_limit() {
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::PlanRun(planned(7, &[1, 1]))))
        .then_invalid("subjects");
    let many: Vec<u128> = (1..=RUN_SUBJECTS_MAX as u128 + 1).collect();
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::PlanRun(planned(7, &many))))
        .then_invalid("subjects");
}

#[test]
fn a_cutoff_after_the_run_is_refused() {
    let mut run = planned(7, &[1]);
    run.cutoff = at(1);
    given::<RetentionRule>([defined(), resumed()])
        .when(issue(RetentionCommand::PlanRun(run)))
        .then_invalid("cutoff");
}

#[test]
fn the_state_remembers_the_last_run_and_counts_runs() {
    let state = RetentionRule::replay(&[
        defined(),
        resumed(),
        RetentionEvent::RunPlanned(planned(7, &[1])),
        finished(7, 1, 0),
        RetentionEvent::RunPlanned(planned(8, &[2, 3])),
    ])
    .unwrap();
    assert_eq!(state.runs, 2);
    let open = state.unfinished_run().unwrap();
    assert_eq!(open.run, id(8));
    assert_eq!(open.subjects.len(), 2);
}

#[test]
fn targets_parse_from_their_codes_only() {
    for target in RetentionTarget::ALL {
        assert_eq!(RetentionTarget::parse("target", target.code()), Ok(target));
    }
    assert!(RetentionTarget::parse("target", "customers").is_err());
}

proptest! {
    /// Months inside the bounds parse to themselves; every other number is
    /// refused on the field it came in.
    #[test]
    fn inactive_months_hold_their_bounds(count in -10_000i64..10_000) {
        let parsed = InactiveMonths::parse("inactive_months", count);
        let inside = (i64::from(INACTIVE_MONTHS_MIN)..=i64::from(INACTIVE_MONTHS_MAX)).contains(&count);
        prop_assert_eq!(parsed.is_ok(), inside);
        if let Ok(months) = parsed {
            prop_assert_eq!(i64::from(months.get()), count);
        }
    }
}
