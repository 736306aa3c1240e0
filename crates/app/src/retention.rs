//! Retention rules at work (issue 15, ADR 0019): an administrator's rule
//! ("erase leads with no activity for 24 months") run as a process over
//! the read models, every run on record.
//!
//! A run is two events on the rule's stream around the erasures it causes
//! (see [`domain::retention`]): the plan names the subjects found inactive,
//! each is erased under a command id derived from the run and the subject,
//! and the finish counts what was erased. The log is the checkpoint: a
//! stop between the two leaves a planned run, which the next run of the
//! rule finishes first, erasing what the stop left (a subject that saw
//! activity since, or was erased meanwhile, is kept or counted once). The
//! process looks for due rules every few minutes; a rule runs once a day,
//! and again right away while more were due than one run takes.
//!
//! Activity is what the read models show, in business time: for a
//! customer, its latest timeline entry (interactions, deals, tasks,
//! meetings, orders, invoices, payments) or the latest change to its card
//! (its registration at the least); a customer with
//! an open deal is never due. For a lead, its latest change, or the
//! latest activity of the customer it names.

use std::sync::Arc;

use chrono::{DateTime, Months, Utc};
use domain::ids::{LeadId, PartyId, RetentionRuleId, RetentionRunId, derived};
use domain::parties::ErasureReason;
use domain::retention::{
    InactiveMonths, RUN_SUBJECTS_MAX, RetentionCommand, RetentionEvent, RetentionRule,
    RetentionRuleState, RetentionRunPlanned, RetentionTarget,
};
use domain::values::Label;
use domain::{CrmEvent, Decider as _, DomainEvent as _};
use eventlog::{Actor, ReadFilter};
use projections::CrmReadModels;
use projections::models::customers::CustomerStatus;
use projections::models::pipeline_board::{DealStatus, LeadStatus};
use uuid::Uuid;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, Executed};
use crate::guarded;
use crate::running::Running;
use crate::{App, Run};

/// The name retention runs of the process are recorded under.
pub const PROCESS: &str = "retention";
/// A rule runs at most this often, unless more were due than a run takes.
pub const RUN_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How often the process looks for due rules.
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// Runs shown per rule, newest first.
pub const RUNS_SHOWN_MAX: usize = 30;

/// A rule as the administrator sees it, with its latest runs.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleView {
    pub id: RetentionRuleId,
    pub rule: RetentionRuleState,
    pub defined_at: DateTime<Utc>,
    /// The latest runs, newest first, at most [`RUNS_SHOWN_MAX`].
    pub runs: Vec<RunView>,
}

/// One run of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RunView {
    pub run: RetentionRunId,
    /// When it looked at the records.
    pub as_of: DateTime<Utc>,
    /// Records without activity since then were due.
    pub cutoff: DateTime<Utc>,
    /// The subjects it found due (lead or party ids; nothing personal).
    pub subjects: Vec<Uuid>,
    pub more: bool,
    /// Who started it: the process, or an administrator's "run now".
    pub by: Actor,
    /// `(erased, kept)` once finished.
    pub finished: Option<(u32, u32)>,
}

/// What one run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunReport {
    pub run: RetentionRunId,
    pub erased: u32,
    pub kept: u32,
    /// More were due: the rule runs again.
    pub more: bool,
}

/// The retention use cases of `app`.
#[derive(Debug)]
pub struct RetentionUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn retention(&self) -> RetentionUseCases<'_> {
        RetentionUseCases { app: self }
    }
}

impl RetentionUseCases<'_> {
    /// Defines rule `id`.
    pub async fn define(
        &self,
        by: &Caller,
        run: Run,
        id: RetentionRuleId,
        name: Label,
        target: RetentionTarget,
        inactive_months: InactiveMonths,
    ) -> Result<Executed, CommandError> {
        let define = RetentionCommand::Define {
            name,
            target,
            inactive_months,
        };
        self.app
            .execute::<RetentionRule, _>(by, run, id.as_uuid(), define, None)
            .await
    }

    /// Renames rule `id` or changes how long it lets records rest.
    pub async fn change(
        &self,
        by: &Caller,
        run: Run,
        id: RetentionRuleId,
        name: Label,
        inactive_months: InactiveMonths,
    ) -> Result<Executed, CommandError> {
        let change = RetentionCommand::Change {
            name,
            inactive_months,
        };
        self.app
            .execute::<RetentionRule, _>(by, run, id.as_uuid(), change, None)
            .await
    }

    /// Pauses (`paused`) or resumes rule `id`.
    pub async fn set_paused(
        &self,
        by: &Caller,
        run: Run,
        id: RetentionRuleId,
        paused: bool,
    ) -> Result<Executed, CommandError> {
        let command = if paused {
            RetentionCommand::Pause
        } else {
            RetentionCommand::Resume
        };
        self.app
            .execute::<RetentionRule, _>(by, run, id.as_uuid(), command, None)
            .await
    }

    /// Every rule with its latest runs, oldest rule first. Administrators
    /// and auditors (the administration module's read permission).
    pub fn rules(&self, by: &Caller) -> Result<Vec<RuleView>, CommandError> {
        let permission = domain::access::Permission::new(
            domain::access::Module::Admin,
            domain::access::Action::Read,
        );
        if by.grants.reach(permission).is_none() {
            return Err(CommandError::Forbidden { permission });
        }
        read_rules(self.app)
    }

    /// Rule `id`; missing is not found.
    pub fn rule(&self, by: &Caller, id: RetentionRuleId) -> Result<RuleView, CommandError> {
        self.rules(by)?
            .into_iter()
            .find(|rule| rule.id == id)
            .ok_or_else(|| access::not_found(Kind::RetentionRule, id.as_uuid()).into())
    }
}

/// Every rule, folded from the retention category of the log.
fn read_rules(app: &App) -> Result<Vec<RuleView>, CommandError> {
    let filter = ReadFilter::category(RetentionEvent::CATEGORY)?;
    let mut rules: Vec<(RuleView, Option<RetentionRuleState>)> = Vec::new();
    crate::records::for_each(app.commands.log(), &filter, |record, event| {
        let CrmEvent::Retention(event) = event else {
            return Ok(());
        };
        let Ok(id) = Uuid::parse_str(record.stream.id()) else {
            return Ok(());
        };
        let id = RetentionRuleId::from_uuid(id);
        let index = match rules.iter().position(|(view, _)| view.id == id) {
            Some(index) => index,
            None => {
                rules.push((
                    RuleView {
                        id,
                        rule: placeholder_state(),
                        defined_at: record.recorded_at,
                        runs: Vec::new(),
                    },
                    None,
                ));
                rules.len() - 1
            }
        };
        let (view, state) = &mut rules[index];
        *state = RetentionRule::evolve(state.take(), &event);
        match &event {
            RetentionEvent::RunPlanned(planned) => view.runs.push(RunView {
                run: planned.run,
                as_of: planned.as_of,
                cutoff: planned.cutoff,
                subjects: planned.subjects.clone(),
                more: planned.more,
                by: record.actor.clone(),
                finished: None,
            }),
            RetentionEvent::RunFinished(finished) => {
                if let Some(run) = view
                    .runs
                    .iter_mut()
                    .rev()
                    .find(|run| run.run == finished.run)
                {
                    run.finished = Some((finished.erased, finished.kept));
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(rules
        .into_iter()
        .filter_map(|(mut view, state)| {
            view.rule = state?;
            view.runs.reverse();
            view.runs.truncate(RUNS_SHOWN_MAX);
            Some(view)
        })
        .collect())
}

/// Stands in until the rule's first event is folded.
fn placeholder_state() -> RetentionRuleState {
    RetentionRuleState {
        name: String::new(),
        target: RetentionTarget::Leads,
        inactive_months: 0,
        paused: true,
        last_run: None,
        runs: 0,
    }
}

/// The moment before which a record must have seen its last activity to
/// be due under a rule allowing `months` (at least the month's last day
/// when the day does not exist: 31 March − 1 month = 28 or 29 February).
pub fn cutoff(now: DateTime<Utc>, months: u16) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(u32::from(months)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Every subject of `target` without activity since `cutoff`, the longest
/// idle first.
pub fn due_subjects(
    models: &CrmReadModels,
    target: RetentionTarget,
    cutoff: DateTime<Utc>,
) -> Vec<Uuid> {
    let mut due: Vec<(DateTime<Utc>, Uuid)> = match target {
        RetentionTarget::Leads => due_leads(models, cutoff),
        RetentionTarget::People | RetentionTarget::Companies => {
            let people = target == RetentionTarget::People;
            let cards: Vec<(PartyId, DateTime<Utc>)> = models.customers.read(|customers| {
                customers
                    .rows()
                    .filter(|row| {
                        !row.erased
                            && row.is_person() == people
                            && !matches!(row.status, CustomerStatus::Merged { .. })
                    })
                    .map(|row| (row.id, row.changed_at))
                    .filter(|(_, at)| *at < cutoff)
                    .collect()
            });
            idle_parties(models, cards, cutoff)
                .into_iter()
                .map(|(party, at)| (at, party.as_uuid()))
                .collect()
        }
    };
    due.sort_unstable();
    due.into_iter().map(|(_, subject)| subject).collect()
}

/// The leads not converted nor erased whose latest change, and the latest
/// activity of the customer they name, came before `cutoff`.
fn due_leads(models: &CrmReadModels, cutoff: DateTime<Utc>) -> Vec<(DateTime<Utc>, Uuid)> {
    let leads: Vec<(LeadId, DateTime<Utc>, Option<PartyId>)> =
        models.pipeline_board.read(|board| {
            board
                .leads()
                .filter(|lead| {
                    !lead.erased
                        && !matches!(lead.status, LeadStatus::Converted { .. })
                        && lead.changed_at < cutoff
                })
                .map(|lead| (lead.id, lead.changed_at, lead.party))
                .collect()
        });
    let named: Vec<PartyId> = leads.iter().filter_map(|(_, _, party)| *party).collect();
    let parties_last = last_activity(models, &named);
    leads
        .into_iter()
        .filter_map(|(lead, changed_at, party)| {
            let party_last = party.and_then(&parties_last);
            let last = party_last.map_or(changed_at, |at| at.max(changed_at));
            (last < cutoff).then_some((last, lead.as_uuid()))
        })
        .collect()
}

/// Of `cards` (a party and the last change to its card), those whose
/// timeline has nothing since `cutoff` and that have no open deal, with
/// their last activity.
fn idle_parties(
    models: &CrmReadModels,
    cards: Vec<(PartyId, DateTime<Utc>)>,
    cutoff: DateTime<Utc>,
) -> Vec<(PartyId, DateTime<Utc>)> {
    let parties: Vec<PartyId> = cards.iter().map(|(party, _)| *party).collect();
    let timeline_last = last_activity(models, &parties);
    let idle: Vec<(PartyId, DateTime<Utc>)> = cards
        .into_iter()
        .filter_map(|(party, card_at)| {
            let last = timeline_last(party).map_or(card_at, |at| at.max(card_at));
            (last < cutoff).then_some((party, last))
        })
        .collect();
    models.pipeline_board.read(|board| {
        idle.into_iter()
            .filter(|(party, _)| {
                !board
                    .deals_of(*party)
                    .iter()
                    .any(|deal| deal.status == DealStatus::Open)
            })
            .collect()
    })
}

/// The latest timeline entry of each of `parties` (absorbed duplicates
/// included), as a lookup.
fn last_activity(
    models: &CrmReadModels,
    parties: &[PartyId],
) -> impl Fn(PartyId) -> Option<DateTime<Utc>> + use<> {
    let found: std::collections::HashMap<PartyId, DateTime<Utc>> =
        models.timelines.read(|timelines| {
            parties
                .iter()
                .filter_map(|party| {
                    timelines
                        .timeline(*party, None, 1)
                        .first()
                        .map(|entry| (*party, entry.at))
                })
                .collect()
        });
    move |party| found.get(&party).copied()
}

impl Running {
    /// Runs every rule that is due at the application's time `now`: one
    /// whose last run is a day old or more, that never ran, or whose last
    /// run left more to do or did not finish. Paused rules wait. Answers
    /// what each run did; a rule that fails is logged and the others go
    /// on.
    pub async fn run_due_retention(&self) -> Vec<(RetentionRuleId, RunReport)> {
        let caller = Caller::process(PROCESS);
        let rules = match read_rules(&self.app) {
            Ok(rules) => rules,
            Err(error) => {
                tracing::error!(%error, "reading the retention rules failed");
                return Vec::new();
            }
        };
        let now = self.app.now();
        let mut reports = Vec::new();
        for view in rules {
            let rule = &view.rule;
            let due = !rule.paused
                && rule.last_run.as_ref().is_none_or(|last| {
                    last.finished.is_none() || last.more || last.as_of + RUN_EVERY <= now
                });
            if !due {
                continue;
            }
            match self.run_retention_rule(&caller, view.id).await {
                Ok(report) => reports.push((view.id, report)),
                Err(error) => {
                    tracing::error!(rule = %view.id, %error, "a retention run failed");
                }
            }
        }
        reports
    }

    /// Runs rule `id` now: finishes its unfinished run if it has one,
    /// else plans a new one (refused while the rule is paused) and carries
    /// it out. `by` needs the administration permission.
    pub async fn run_retention_rule(
        &self,
        by: &Caller,
        id: RetentionRuleId,
    ) -> Result<RunReport, CommandError> {
        let app = &self.app;
        guarded::authorize::<RetentionRule, _>(
            &app.commands,
            by,
            id.as_uuid(),
            &RetentionCommand::Resume,
        )?;
        let (state, version) = app.load::<RetentionRule>(id)?;
        let rule = state.ok_or_else(|| access::not_found(Kind::RetentionRule, id.as_uuid()))?;
        self.caught_up().await?;
        let (run, cutoff, subjects, more) = match rule.unfinished_run() {
            Some(open) => (open.run, open.cutoff, open.subjects.clone(), open.more),
            None => {
                let planned = self.plan(by, id, &rule, version).await?;
                (planned.run, planned.cutoff, planned.subjects, planned.more)
            }
        };
        let (erased, kept) = self
            .erase_due(by, rule.target, run, cutoff, &subjects)
            .await?;
        let finish = RetentionCommand::FinishRun { run, erased, kept };
        let finish_run = Run {
            command_id: derived(run.as_uuid(), b"finish"),
            expected_version: None,
        };
        app.execute::<RetentionRule, _>(by, finish_run, id.as_uuid(), finish, None)
            .await?;
        Ok(RunReport {
            run,
            erased,
            kept,
            more,
        })
    }

    /// Plans the rule's next run from the read models as they stand.
    async fn plan(
        &self,
        by: &Caller,
        id: RetentionRuleId,
        rule: &RetentionRuleState,
        version: Option<u64>,
    ) -> Result<RetentionRunPlanned, CommandError> {
        let as_of = self.app.now();
        let cutoff = cutoff(as_of, rule.inactive_months);
        let mut subjects = due_subjects(&self.read_models, rule.target, cutoff);
        let more = subjects.len() > RUN_SUBJECTS_MAX;
        subjects.truncate(RUN_SUBJECTS_MAX);
        // The n-th run of a rule has one id: a plan repeated after a lost
        // answer is recognised.
        let run = RetentionRunId::from_uuid(derived(id.as_uuid(), &rule.runs.to_be_bytes()));
        let planned = RetentionRunPlanned {
            run,
            as_of,
            cutoff,
            subjects,
            more,
        };
        let plan_run = Run {
            command_id: derived(run.as_uuid(), b"plan"),
            expected_version: version,
        };
        self.app
            .execute::<RetentionRule, _>(
                by,
                plan_run,
                id.as_uuid(),
                RetentionCommand::PlanRun(planned.clone()),
                None,
            )
            .await?;
        Ok(planned)
    }

    /// Erases each of `subjects` still due; answers `(erased, kept)`.
    /// The parties' keys go in one pass over the log at the end, and the
    /// snapshots holding personal texts are replaced once.
    async fn erase_due(
        &self,
        by: &Caller,
        target: RetentionTarget,
        run: RetentionRunId,
        cutoff: DateTime<Utc>,
        subjects: &[Uuid],
    ) -> Result<(u32, u32), CommandError> {
        let erasure = self.app.erasure();
        // What is due now, once: a subject that saw activity since the
        // plan (a run a stop interrupted) is kept.
        let still_due: std::collections::HashSet<Uuid> =
            due_subjects(&self.read_models, target, cutoff)
                .into_iter()
                .collect();
        let (mut erased, mut kept) = (0_u32, 0_u32);
        let mut parties = Vec::new();
        let mut last_position = None;
        for subject in subjects {
            if !still_due.contains(subject) {
                kept += 1;
                continue;
            }
            let each = Run {
                command_id: derived(run.as_uuid(), subject.as_bytes()),
                expected_version: None,
            };
            let executed = if target == RetentionTarget::Leads {
                erasure
                    .erase_lead(
                        by,
                        each,
                        LeadId::from_uuid(*subject),
                        ErasureReason::Retention,
                    )
                    .await?
                    .executed
            } else {
                let (absorbed, executed) = erasure
                    .record(
                        by,
                        each,
                        PartyId::from_uuid(*subject),
                        ErasureReason::Retention,
                    )
                    .await?;
                parties.extend(absorbed);
                executed
            };
            last_position = executed.last_position.or(last_position);
            erased += 1;
        }
        if !parties.is_empty() {
            crate::erasure::destroy_keys_apart(&self.app, parties).await?;
        }
        if let Some(position) = last_position
            && let Err(error) = self
                .read_models
                .replace_personal_snapshots_after(position)
                .await
        {
            tracing::error!(%error, "replacing the snapshots after a retention run failed");
        }
        Ok((erased, kept))
    }

    /// Waits until the models a rule reads have read the whole log.
    async fn caught_up(&self) -> Result<(), CommandError> {
        let head = self.log.head().position;
        self.read_models
            .wait_for_personal(head)
            .await
            .map_err(|error| {
                CommandError::Inconsistent(format!("the read models stopped: {error}"))
            })
    }
}

/// Looks for due retention rules right after the start and then every
/// `every`, until `stopping` turns true; a run under way finishes first.
pub async fn run_schedule(
    running: Arc<Running>,
    every: std::time::Duration,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        for (rule, report) in running.run_due_retention().await {
            tracing::info!(
                %rule,
                run = %report.run,
                erased = report.erased,
                kept = report.kept,
                "a retention rule ran"
            );
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}
