//! Retention rules: whose personal data is erased after how long without
//! activity (issue 15, ADR 0019).
//!
//! A rule is one stream, `retention-<id>`, set by an administrator: a
//! name, the records it looks at (leads, people or companies) and how many
//! months without activity it allows. The application runs due rules as a
//! process; each run is recorded on the rule's stream in two steps, so a
//! stop in between loses nothing: `RetentionRunPlanned` names the subjects
//! found inactive (ids only, nothing personal), the erasures follow, and
//! `RetentionRunFinished` counts what was erased. A rule with a planned run
//! not yet finished takes no new run: the application finishes the old one
//! first. A paused rule plans no runs, and a rule starts paused: the
//! administrator sees what it would erase before resuming it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::RetentionRunId;
use crate::values::Label;

/// The shortest time without activity a rule may allow, in months.
pub const INACTIVE_MONTHS_MIN: u16 = 1;
/// The longest, in months: a hundred years.
pub const INACTIVE_MONTHS_MAX: u16 = 1_200;
/// Most subjects one run erases: a run is one event of bounded size, and a
/// rule with more to erase runs again right after.
pub const RUN_SUBJECTS_MAX: usize = 500;

const ENTITY: &str = "retention rule";

/// The records a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RetentionTarget {
    /// Leads not converted into a deal (open or disqualified).
    Leads,
    /// Customers who are people.
    People,
    /// Customers who are companies.
    Companies,
}

impl RetentionTarget {
    pub const ALL: [Self; 3] = [Self::Leads, Self::People, Self::Companies];

    pub fn code(self) -> &'static str {
        match self {
            Self::Leads => "leads",
            Self::People => "people",
            Self::Companies => "companies",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|target| target.code() == raw)
            .ok_or_else(|| DomainError::invalid(field, "must be leads, people or companies"))
    }
}

/// How long a rule lets a record go without activity, in whole months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InactiveMonths(u16);

impl InactiveMonths {
    pub fn parse(field: &str, months: i64) -> Result<Self, DomainError> {
        match u16::try_from(months) {
            Ok(months) if (INACTIVE_MONTHS_MIN..=INACTIVE_MONTHS_MAX).contains(&months) => {
                Ok(Self(months))
            }
            _ => Err(DomainError::invalid(
                field,
                format!(
                    "must be a number of months from {INACTIVE_MONTHS_MIN} to {INACTIVE_MONTHS_MAX}"
                ),
            )),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRuleDefined {
    pub name: String,
    pub target: RetentionTarget,
    pub inactive_months: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRuleChanged {
    pub name: String,
    pub inactive_months: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRulePaused {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRuleResumed {}

/// A run found `subjects` (lead or party ids) without activity since
/// `cutoff`, as the records stood at `as_of`; their erasures follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRunPlanned {
    pub run: RetentionRunId,
    pub as_of: DateTime<Utc>,
    pub cutoff: DateTime<Utc>,
    pub subjects: Vec<Uuid>,
    /// More were due than one run takes: the rule runs again right after.
    pub more: bool,
}

/// The run's erasures are done: `erased` of its subjects erased now,
/// `kept` found active (or already erased) when their turn came.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRunFinished {
    pub run: RetentionRunId,
    pub erased: u32,
    pub kept: u32,
}

domain_events! {
    /// Everything that can happen to a retention rule.
    pub enum RetentionEvent in "retention" {
        Defined(RetentionRuleDefined) = "RetentionRuleDefined" v 1,
        Changed(RetentionRuleChanged) = "RetentionRuleChanged" v 1,
        Paused(RetentionRulePaused) = "RetentionRulePaused" v 1,
        Resumed(RetentionRuleResumed) = "RetentionRuleResumed" v 1,
        RunPlanned(RetentionRunPlanned) = "RetentionRunPlanned" v 1,
        RunFinished(RetentionRunFinished) = "RetentionRunFinished" v 1,
    }
}

// -------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetentionCommand {
    Define {
        name: Label,
        target: RetentionTarget,
        inactive_months: InactiveMonths,
    },
    Change {
        name: Label,
        inactive_months: InactiveMonths,
    },
    Pause,
    Resume,
    PlanRun(RetentionRunPlanned),
    FinishRun {
        run: RetentionRunId,
        erased: u32,
        kept: u32,
    },
}

// ----------------------------------------------------------------- state

/// A run as the rule remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunState {
    pub run: RetentionRunId,
    pub as_of: DateTime<Utc>,
    pub cutoff: DateTime<Utc>,
    pub subjects: Vec<Uuid>,
    pub more: bool,
    /// `(erased, kept)` once finished.
    pub finished: Option<(u32, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionRuleState {
    pub name: String,
    pub target: RetentionTarget,
    pub inactive_months: u16,
    pub paused: bool,
    /// The latest run, finished or not.
    pub last_run: Option<RunState>,
    /// Runs planned so far.
    pub runs: u64,
}

impl RetentionRuleState {
    /// The run planned and not yet finished, if any.
    pub fn unfinished_run(&self) -> Option<&RunState> {
        self.last_run.as_ref().filter(|run| run.finished.is_none())
    }
}

/// The retention rule decider. State is `None` until the rule is defined.
#[derive(Debug)]
pub struct RetentionRule;

impl Decider for RetentionRule {
    type State = Option<RetentionRuleState>;
    type Command = Issued<RetentionCommand>;
    type Event = RetentionEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<RetentionEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let RetentionCommand::Define {
            name,
            target,
            inactive_months,
        } = command
        else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(already_defined());
        }
        Ok(vec![RetentionEvent::Defined(RetentionRuleDefined {
            name: name.as_str().to_owned(),
            target: *target,
            inactive_months: inactive_months.get(),
        })])
    }

    fn evolve(state: Self::State, event: &RetentionEvent) -> Self::State {
        if let RetentionEvent::Defined(defined) = event {
            return Some(RetentionRuleState {
                name: defined.name.clone(),
                target: defined.target,
                inactive_months: defined.inactive_months,
                // Erasure cannot be undone: a new rule waits to be looked at.
                paused: true,
                last_run: None,
                runs: 0,
            });
        }
        let mut rule = state?;
        match event {
            RetentionEvent::Defined(_) => {}
            RetentionEvent::Changed(changed) => {
                rule.name.clone_from(&changed.name);
                rule.inactive_months = changed.inactive_months;
            }
            RetentionEvent::Paused(_) => rule.paused = true,
            RetentionEvent::Resumed(_) => rule.paused = false,
            RetentionEvent::RunPlanned(planned) => {
                rule.runs += 1;
                rule.last_run = Some(RunState {
                    run: planned.run,
                    as_of: planned.as_of,
                    cutoff: planned.cutoff,
                    subjects: planned.subjects.clone(),
                    more: planned.more,
                    finished: None,
                });
            }
            RetentionEvent::RunFinished(finished) => {
                if let Some(run) = rule.last_run.as_mut().filter(|run| run.run == finished.run) {
                    run.finished = Some((finished.erased, finished.kept));
                }
            }
        }
        Some(rule)
    }
}

fn decide_existing(
    rule: &RetentionRuleState,
    command: &RetentionCommand,
) -> Result<Vec<RetentionEvent>, DomainError> {
    let event = match command {
        RetentionCommand::Define { .. } => return Err(already_defined()),
        RetentionCommand::Change {
            name,
            inactive_months,
        } => {
            if rule.name == name.as_str() && rule.inactive_months == inactive_months.get() {
                return Ok(Vec::new());
            }
            RetentionEvent::Changed(RetentionRuleChanged {
                name: name.as_str().to_owned(),
                inactive_months: inactive_months.get(),
            })
        }
        RetentionCommand::Pause => {
            return Ok(crate::unless_unchanged(rule.paused, || {
                RetentionEvent::Paused(RetentionRulePaused {})
            }));
        }
        RetentionCommand::Resume => {
            return Ok(crate::unless_unchanged(!rule.paused, || {
                RetentionEvent::Resumed(RetentionRuleResumed {})
            }));
        }
        RetentionCommand::PlanRun(planned) => plan_run(rule, planned)?,
        RetentionCommand::FinishRun { run, erased, kept } => {
            let open = rule.unfinished_run().filter(|open| open.run == *run);
            let Some(open) = open else {
                return Err(DomainError::rejected(
                    "retention.no_such_run",
                    format!("run {run} of this rule is not waiting to finish"),
                ));
            };
            if u64::from(*erased) + u64::from(*kept) != open.subjects.len() as u64 {
                return Err(DomainError::invalid(
                    "erased",
                    format!(
                        "erased and kept must add up to the run's {} subjects",
                        open.subjects.len()
                    ),
                ));
            }
            RetentionEvent::RunFinished(RetentionRunFinished {
                run: *run,
                erased: *erased,
                kept: *kept,
            })
        }
    };
    Ok(vec![event])
}

fn already_defined() -> DomainError {
    DomainError::rejected(
        "retention.already_defined",
        "this retention rule is already defined",
    )
}

fn plan_run(
    rule: &RetentionRuleState,
    planned: &RetentionRunPlanned,
) -> Result<RetentionEvent, DomainError> {
    if rule.paused {
        return Err(DomainError::rejected(
            "retention.paused",
            "this retention rule is paused; resume it to run it",
        ));
    }
    if let Some(open) = rule.unfinished_run() {
        return Err(DomainError::rejected(
            "retention.run_unfinished",
            format!("run {} of this rule has not finished yet", open.run),
        ));
    }
    if planned.subjects.len() > RUN_SUBJECTS_MAX {
        return Err(DomainError::invalid(
            "subjects",
            format!("a run erases at most {RUN_SUBJECTS_MAX} subjects"),
        ));
    }
    if planned.cutoff > planned.as_of {
        return Err(DomainError::invalid(
            "cutoff",
            "the cutoff cannot lie after the run",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if !planned.subjects.iter().all(|subject| seen.insert(*subject)) {
        return Err(DomainError::invalid("subjects", "a subject is named twice"));
    }
    Ok(RetentionEvent::RunPlanned(planned.clone()))
}

#[cfg(test)]
mod tests;
