//! The simulation behind [`Demo`]: a queue of actions ordered by time, each
//! of which issues commands to the real deciders, folds the events into the
//! aggregates' state and schedules what happens next.
//!
//! Every action runs at its time and schedules its follow-ups at the same
//! time or later, so appends come out in business-time order. Aggregates
//! that nothing will ever address again (a logged call, a completed task, a
//! closed deal that will not be reopened) are dropped from memory once
//! their last command is decided: a ten-million-event history must fit.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::branch::{Branch, BranchCode, BranchCommand, BranchDetails};
use domain::channel::{Channel, ChannelKind};
use domain::command::Issued;
use domain::ids::{
    BranchId, CalendarEntryId, DealId, InteractionId, LeadId, PartyId, PipelineId, StageId, TaskId,
    UserId,
};
use domain::interactions::InteractionState;
use domain::parties::{Party, PartyCommand, PartyState, PartyStatus};
use domain::pipeline::{
    Deal, DealCommand, DealState, DefinePipeline, Lead, LeadCommand, LeadState, NewStage, Pipeline,
    PipelineCommand, PipelineState, Probability, StageRef,
};
use domain::planning::{
    CalendarCommand, CalendarEntry, CalendarEntryState, Task, TaskCommand, TaskState,
};
use domain::values::{Currency, Label, Money, Tag, Text};
use domain::{CrmEvent, Decider, DomainError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::content::{Culture, Region};

mod interactions;
mod parties;
mod pipeline;
mod planning;
use crate::{DemoAppend, DemoOptions};

const DAY_SECONDS: i64 = 86_400;
const HOUR_SECONDS: i64 = 3_600;
/// The working day: 8:00 to 19:00 UTC.
const WORK_START_SECONDS: i64 = 8 * HOUR_SECONDS;
const WORK_SECONDS: i64 = 11 * HOUR_SECONDS;
/// Rejections kept verbatim for diagnostics; the rest are only counted.
const REJECTIONS_KEPT_MAX: usize = 16;
/// Steps after which a lead or deal that is still undecided is left alone.
const STEPS_MAX: u16 = 40;

/// The sales pipeline everyone starts with: stage names and default
/// probabilities of winning.
const SALES_STAGES: [(&str, u8); 6] = [
    ("Qualification", 10),
    ("Needs analysis", 25),
    ("Proposal", 50),
    ("Negotiation", 75),
    ("Contract", 90),
    ("Invoicing", 95),
];
const PARTNERSHIP_STAGES: [(&str, u8); 4] = [
    ("First contact", 10),
    ("Terms discussed", 40),
    ("Agreement drafted", 70),
    ("Agreement signed", 95),
];

/// Midnight UTC of `date`, in Unix seconds.
pub(crate) fn day_start_secs(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0, |time| time.and_utc().timestamp())
}

/// A version 7 UUID for the given time, its random bits from `rng`.
pub(crate) fn uuid_v7(rng: &mut ChaCha8Rng, millis: u64) -> Uuid {
    let random: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

fn time(secs: i64) -> DateTime<Utc> {
    // Demo times lie within a few years of the start date, well inside
    // chrono's range; the fallback is never taken.
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

// ---------------------------------------------------------------- queue

#[derive(Debug)]
enum Action {
    DefineSales,
    DefinePartnerships,
    TuneSales,
    Register(u32),
    Touch(u32),
    LeadStep(LeadId),
    DealStep(DealId),
    TaskStep(TaskId),
    EntryStep(CalendarEntryId),
    FixInteraction(InteractionId),
    Merge { duplicate: u32, survivor: u32 },
}

#[derive(Debug)]
struct Scheduled {
    at: i64,
    sequence: u64,
    action: Action,
}

// Reversed, so that the max-heap pops the earliest action first, and among
// simultaneous ones the first scheduled.
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then(other.sequence.cmp(&self.sequence))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Scheduled {}

// ---------------------------------------------------------------- slots

#[derive(Debug)]
struct PartySlot {
    id: PartyId,
    state: Option<PartyState>,
    region: Region,
    culture: Culture,
    given: u8,
    surname: u8,
    /// A company's web domain, for its people's email addresses.
    domain: Option<Box<str>>,
    /// The mean number of days between two contacts.
    contact_gap_days: f32,
    open_deal: Option<DealId>,
    open_lead: Option<LeadId>,
}

impl PartySlot {
    fn is_active(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|state| state.status == PartyStatus::Active)
    }

    fn is_company(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|state| !state.name.is_person())
    }
}

#[derive(Debug)]
struct Board {
    id: PipelineId,
    state: Option<PipelineState>,
}

#[derive(Debug)]
struct LeadSlot {
    state: Option<LeadState>,
    party: u32,
    steps: u16,
}

#[derive(Debug)]
struct DealSlot {
    state: Option<DealState>,
    party: u32,
    board: usize,
    steps: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskPlan {
    Complete,
    CompleteLate,
    Cancel,
    Reschedule,
    Reprioritize,
    Reassign,
    CompleteThenReopen,
}

#[derive(Debug)]
struct TaskSlot {
    state: Option<TaskState>,
    plan: TaskPlan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryPlan {
    TakePlace,
    Cancel,
    Reschedule,
    ChangeAttendees,
    Edit,
}

#[derive(Debug)]
struct EntrySlot {
    state: Option<CalendarEntryState>,
    plan: EntryPlan,
    party: u32,
    deal: Option<DealId>,
}

// ----------------------------------------------------------------- demo

/// A generated history: an iterator of appends in business-time order.
#[derive(Debug)]
pub struct Demo {
    rng: ChaCha8Rng,
    start: i64,
    end: i64,
    /// Day of the week of the first day, Monday = 0.
    start_weekday: i64,
    events_max: u64,
    managers: Vec<UserId>,
    branches: [BranchId; 4],
    queue: BinaryHeap<Scheduled>,
    sequence: u64,
    pending: VecDeque<DemoAppend>,
    events_emitted: u64,
    rejected: u64,
    rejections: Vec<String>,
    boards: Vec<Board>,
    parties: Vec<PartySlot>,
    /// Indices of the registered companies, for people to work for.
    companies: Vec<u32>,
    leads: HashMap<LeadId, LeadSlot>,
    deals: HashMap<DealId, DealSlot>,
    tasks: HashMap<TaskId, TaskSlot>,
    entries: HashMap<CalendarEntryId, EntrySlot>,
    /// Only the interactions that will be amended or withdrawn.
    interactions: HashMap<InteractionId, Option<InteractionState>>,
    invoice_number: u32,
}

impl Demo {
    pub(crate) fn new(options: &DemoOptions) -> Self {
        let managers: Vec<UserId> = crate::users(options)
            .into_iter()
            .map(|user| user.id)
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let start = day_start_secs(options.start);
        let end = start + i64::from(options.days.max(1)) * DAY_SECONDS;
        let start_millis = u64::try_from(start).unwrap_or(0) * 1_000;
        let branches = [(); 4].map(|()| BranchId::from_uuid(uuid_v7(&mut rng, start_millis)));
        let mut demo = Self {
            rng,
            start,
            end,
            start_weekday: i64::from(options.start.weekday().num_days_from_monday()),
            events_max: options.events_max.unwrap_or(u64::MAX),
            managers,
            branches,
            queue: BinaryHeap::with_capacity(options.parties * 2 + 16),
            sequence: 0,
            pending: VecDeque::new(),
            events_emitted: 0,
            rejected: 0,
            rejections: Vec::new(),
            boards: Vec::with_capacity(2),
            parties: Vec::with_capacity(options.parties),
            companies: Vec::new(),
            leads: HashMap::new(),
            deals: HashMap::new(),
            tasks: HashMap::new(),
            entries: HashMap::new(),
            interactions: HashMap::new(),
            invoice_number: 1_000,
        };
        demo.schedule_beginnings(options);
        demo
    }

    /// Commands the deciders refused, and input the values refused: bugs
    /// of the generator, which skips the action. Zero for a sound history.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// The first few rejections, as messages, to diagnose a non-zero
    /// [`Demo::rejected`].
    pub fn rejections(&self) -> &[String] {
        &self.rejections
    }

    /// Events generated so far.
    pub fn events_emitted(&self) -> u64 {
        self.events_emitted
    }

    fn schedule_beginnings(&mut self, options: &DemoOptions) {
        let first_morning = self.start + WORK_START_SECONDS;
        self.schedule(first_morning, Action::DefineSales);
        let days = i64::from(options.days.max(1));
        let partnerships_day = self.working_day((days / 30).max(1));
        let at = self.working_moment(partnerships_day);
        self.schedule(at, Action::DefinePartnerships);
        let tuning_day = self.working_day(days / 5);
        let at = self.working_moment(tuning_day);
        self.schedule(at, Action::TuneSales);

        // An imported customer base in the first two weeks, then a steady
        // stream of newcomers.
        let mut moments: Vec<i64> = (0..options.parties)
            .map(|_| {
                let day = if self.rng.random_bool(0.15) {
                    self.rng.random_range(0..14.min(days))
                } else {
                    self.rng.random_range(0..days)
                };
                let day = self.working_day(day);
                self.working_moment(day).max(first_morning + 60)
            })
            .collect();
        moments.sort_unstable();
        for (index, at) in moments.into_iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            self.schedule(at, Action::Register(index));
        }
    }

    // ------------------------------------------------------------ time

    fn day_of(&self, at: i64) -> i64 {
        (at - self.start).div_euclid(DAY_SECONDS)
    }

    fn is_weekend(&self, day: i64) -> bool {
        (self.start_weekday + day).rem_euclid(7) >= 5
    }

    /// The day, or mostly the Monday after it if it falls on a weekend.
    fn working_day(&mut self, day: i64) -> i64 {
        if self.is_weekend(day) && !self.rng.random_bool(0.12) {
            let weekday = (self.start_weekday + day).rem_euclid(7);
            day + 7 - weekday
        } else {
            day
        }
    }

    fn working_moment(&mut self, day: i64) -> i64 {
        self.start + day * DAY_SECONDS + WORK_START_SECONDS + self.rng.random_range(0..WORK_SECONDS)
    }

    /// A working moment after `from` and before `to`, or just after `from`
    /// when they are too close for that.
    fn moment_between(&mut self, from: i64, to: i64) -> i64 {
        if to - from < 2 * HOUR_SECONDS {
            return from + self.rng.random_range(60..HOUR_SECONDS);
        }
        let day = self.rng.random_range(self.day_of(from)..=self.day_of(to));
        let at = self.working_moment(day);
        if at <= from {
            from + self.rng.random_range(60..HOUR_SECONDS)
        } else {
            at.min(to - 60)
        }
    }

    fn exponential_days(&mut self, mean_days: f64) -> i64 {
        let uniform: f64 = self.rng.random();
        // Truncation to whole days is the point.
        (-(1.0 - uniform).ln() * mean_days) as i64
    }

    /// A working moment about `mean_days` after `now`, never before it.
    fn later(&mut self, now: i64, mean_days: f64) -> i64 {
        let gap = self.exponential_days(mean_days);
        let day = self.working_day(self.day_of(now) + gap);
        let at = self.working_moment(day);
        if at > now {
            at
        } else {
            now + self.rng.random_range(300..2 * HOUR_SECONDS)
        }
    }

    fn schedule(&mut self, at: i64, action: Action) {
        if at >= self.end {
            return;
        }
        self.sequence += 1;
        self.queue.push(Scheduled {
            at,
            sequence: self.sequence,
            action,
        });
    }

    // ------------------------------------------------------ randomness

    fn uuid(&mut self, at: i64) -> Uuid {
        let millis = u64::try_from(at).unwrap_or(0) * 1_000 + self.rng.random_range(0..1_000);
        uuid_v7(&mut self.rng, millis)
    }

    fn manager(&mut self) -> UserId {
        *pick(&mut self.rng, &self.managers)
    }

    fn other_manager(&mut self, than: UserId) -> UserId {
        let chosen = self.manager();
        if chosen != than || self.managers.len() < 2 {
            return chosen;
        }
        let index = self.managers.iter().position(|m| *m == than).unwrap_or(0);
        self.managers[(index + 1) % self.managers.len()]
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.rng.random_bool(probability)
    }

    fn word(&mut self, words: &'static [&'static str]) -> &'static str {
        words[self.rng.random_range(0..words.len())]
    }

    fn digits(&mut self, out: &mut String, count: u32) {
        for _ in 0..count {
            out.push(char::from(b'0' + self.rng.random_range(0..10u8)));
        }
    }

    fn phone(&mut self, region: Region, mobile: bool) -> String {
        let (prefixes, digits) = if mobile {
            region.mobile_prefixes()
        } else {
            region.landline_prefixes()
        };
        let mut phone = String::with_capacity(20);
        phone.push_str(region.dialing_code());
        phone.push(' ');
        phone.push_str(prefixes[self.rng.random_range(0..prefixes.len())]);
        phone.push(' ');
        self.digits(&mut phone, digits);
        phone
    }

    // ---------------------------------------------------------- checks

    fn reject(&mut self, error: &DomainError) {
        self.rejected += 1;
        if self.rejections.len() < REJECTIONS_KEPT_MAX {
            self.rejections.push(error.to_string());
        }
    }

    fn valid<T>(&mut self, result: Result<T, DomainError>) -> Option<T> {
        result.map_err(|error| self.reject(&error)).ok()
    }

    fn label(&mut self, raw: &str) -> Option<Label> {
        self.valid(Label::parse("label", raw))
    }

    fn tag(&mut self, raw: &str) -> Option<Tag> {
        self.valid(Tag::parse("tag", raw))
    }

    fn channel(&mut self, kind: ChannelKind, raw: &str) -> Option<Channel> {
        self.valid(Channel::parse(kind, raw))
    }

    fn money(&mut self, amount: i64, currency: &str) -> Option<Money> {
        let currency = self.valid(Currency::parse("currency", currency))?;
        self.valid(Money::parse("amount", Decimal::from(amount), currency))
    }

    /// Decides every command in turn on `state`, folding each one's events
    /// before deciding the next: one append's worth of a user's work. A
    /// refused command is counted and skipped.
    fn decide_all<D>(
        &mut self,
        state: &mut D::State,
        commands: impl IntoIterator<Item = D::Command>,
    ) -> Vec<D::Event>
    where
        D: Decider<Error = DomainError>,
    {
        let mut produced = Vec::new();
        for command in commands {
            match D::decide(state, &command) {
                Ok(events) => {
                    let current = std::mem::take(state);
                    *state = events.iter().fold(current, D::evolve);
                    produced.extend(events);
                }
                Err(error) => self.reject(&error),
            }
        }
        produced
    }

    fn emit<E: Into<CrmEvent>>(
        &mut self,
        aggregate: Uuid,
        at: i64,
        issued_at: i64,
        actor: UserId,
        events: Vec<E>,
    ) {
        if events.is_empty() {
            return;
        }
        let events: Vec<(Uuid, CrmEvent)> = events
            .into_iter()
            .map(|event| (self.uuid(at), event.into()))
            .collect();
        self.events_emitted += events.len() as u64;
        self.pending.push_back(DemoAppend {
            category: events[0].1.category(),
            aggregate,
            events,
            occurred_at: time(at),
            issued_at: time(issued_at),
            actor,
        });
    }

    fn issued<C>(by: UserId, at: i64, command: C) -> Issued<C> {
        Issued::new(by, time(at), command)
    }

    // -------------------------------------------------- command helpers

    fn party_commands(&mut self, index: u32, at: i64, by: UserId, commands: Vec<PartyCommand>) {
        let slot = &mut self.parties[index as usize];
        let id = slot.id;
        let mut state = slot.state.take();
        let issued = commands
            .into_iter()
            .map(|command| Self::issued(by, at, command));
        let events = self.decide_all::<Party>(&mut state, issued);
        self.parties[index as usize].state = state;
        self.emit(id.as_uuid(), at, at, by, events);
    }

    fn deal_commands(&mut self, id: DealId, at: i64, by: UserId, commands: Vec<DealCommand>) {
        let Some(slot) = self.deals.get_mut(&id) else {
            return;
        };
        let mut state = slot.state.take();
        let issued = commands
            .into_iter()
            .map(|command| Self::issued(by, at, command));
        let events = self.decide_all::<Deal>(&mut state, issued);
        if let Some(slot) = self.deals.get_mut(&id) {
            slot.state = state;
        }
        self.emit(id.as_uuid(), at, at, by, events);
    }

    fn lead_command(&mut self, id: LeadId, at: i64, by: UserId, command: LeadCommand) {
        let Some(slot) = self.leads.get_mut(&id) else {
            return;
        };
        let mut state = slot.state.take();
        let events = self.decide_all::<Lead>(&mut state, [Self::issued(by, at, command)]);
        if let Some(slot) = self.leads.get_mut(&id) {
            slot.state = state;
        }
        self.emit(id.as_uuid(), at, at, by, events);
    }

    fn task_command(&mut self, id: TaskId, at: i64, by: UserId, command: TaskCommand) {
        let Some(slot) = self.tasks.get_mut(&id) else {
            return;
        };
        let mut state = slot.state.take();
        let events = self.decide_all::<Task>(&mut state, [Self::issued(by, at, command)]);
        if let Some(slot) = self.tasks.get_mut(&id) {
            slot.state = state;
        }
        self.emit(id.as_uuid(), at, at, by, events);
    }

    fn entry_command(
        &mut self,
        id: CalendarEntryId,
        at: i64,
        by: UserId,
        command: CalendarCommand,
    ) {
        let Some(slot) = self.entries.get_mut(&id) else {
            return;
        };
        let mut state = slot.state.take();
        let events = self.decide_all::<CalendarEntry>(&mut state, [Self::issued(by, at, command)]);
        if let Some(slot) = self.entries.get_mut(&id) {
            slot.state = state;
        }
        self.emit(id.as_uuid(), at, at, by, events);
    }

    // ------------------------------------------------------------ run

    fn run(&mut self, at: i64, action: Action) {
        match action {
            Action::DefineSales => {
                self.name_branches(at);
                self.define_board(at, 0, "Sales", &SALES_STAGES);
            }
            Action::DefinePartnerships => {
                self.define_board(at, 1, "Partnerships", &PARTNERSHIP_STAGES);
            }
            Action::TuneSales => self.tune_sales(at),
            Action::Register(index) => self.register(index, at),
            Action::Touch(index) => self.touch(index, at),
            Action::LeadStep(id) => self.lead_step(id, at),
            Action::DealStep(id) => self.deal_step(id, at),
            Action::TaskStep(id) => self.task_step(id, at),
            Action::EntryStep(id) => self.entry_step(id, at),
            Action::FixInteraction(id) => self.fix_interaction(id, at),
            Action::Merge {
                duplicate,
                survivor,
            } => self.merge(duplicate, survivor, at),
        }
    }

    // -------------------------------------------------------- pipelines

    /// The four branches the demo's customers belong to get a code, a
    /// name and an address, as an administrator would give them.
    fn name_branches(&mut self, at: i64) {
        const BRANCHES: [(&str, &str, &str); 4] = [
            ("HQ", "Head office", "1 Harbour Street"),
            ("NTH", "North", "12 Mill Road"),
            ("STH", "South", "7 Quay Lane"),
            ("EST", "East", "30 Market Square"),
        ];
        let by = self.managers[0];
        for (branch, (code, name, address)) in self.branches.into_iter().zip(BRANCHES) {
            let details = (
                self.valid(BranchCode::parse("code", code)),
                self.label(name),
                self.valid(Text::parse("address", address)),
            );
            let (Some(code), Some(name), Some(address)) = details else {
                return;
            };
            let command = BranchCommand::Open(BranchDetails {
                code,
                name,
                address: Some(address),
            });
            let mut state = None;
            let events = self.decide_all::<Branch>(&mut state, [Self::issued(by, at, command)]);
            self.emit(branch.as_uuid(), at, at, by, events);
        }
    }

    fn define_board(&mut self, at: i64, number: usize, name: &str, stages: &[(&str, u8)]) {
        if self.boards.len() != number {
            return;
        }
        let by = self.managers[number.min(self.managers.len() - 1)];
        let id = PipelineId::from_uuid(self.uuid(at));
        let mut new_stages = Vec::with_capacity(stages.len());
        for (stage_name, percent) in stages {
            let stage_id = StageId::from_uuid(self.uuid(at));
            let Some(name) = self.label(stage_name) else {
                return;
            };
            let probability = self.valid(Probability::parse("probability", i64::from(*percent)));
            let Some(probability) = probability else {
                return;
            };
            new_stages.push(NewStage {
                stage_id,
                name,
                probability,
            });
        }
        let Some(name) = self.label(name) else {
            return;
        };
        let command = PipelineCommand::Define(DefinePipeline {
            name,
            stages: new_stages,
        });
        let mut state = None;
        let events = self.decide_all::<Pipeline>(&mut state, [Self::issued(by, at, command)]);
        self.boards.push(Board { id, state });
        self.emit(id.as_uuid(), at, at, by, events);
    }

    /// Half a year in, the head of sales finds that needs analysis closes
    /// more often than planned, and renames a stage.
    fn tune_sales(&mut self, at: i64) {
        let Some(board) = self.boards.first() else {
            return;
        };
        let Some(state) = &board.state else {
            return;
        };
        let (Some(needs), Some(contract)) = (
            state.stages.get(1).map(|stage| stage.stage_id),
            state.stages.get(4).map(|stage| stage.stage_id),
        ) else {
            return;
        };
        let id = board.id;
        let by = self.managers[0];
        let Some(probability) = self.valid(Probability::parse("probability", 30)) else {
            return;
        };
        let Some(name) = self.label("Contract signing") else {
            return;
        };
        let commands = [
            PipelineCommand::SetStageProbability {
                stage_id: needs,
                probability,
            },
            PipelineCommand::RenameStage {
                stage_id: contract,
                name,
            },
        ]
        .map(|command| Self::issued(by, at, command));
        let mut state = self.boards[0].state.take();
        let events = self.decide_all::<Pipeline>(&mut state, commands);
        self.boards[0].state = state;
        self.emit(id.as_uuid(), at, at, by, events);
    }

    fn stage_at(&self, board: usize, position: usize) -> Option<(PipelineId, StageRef)> {
        let board = self.boards.get(board)?;
        let state = board.state.as_ref()?;
        let stage = state.stages.get(position)?;
        Some((board.id, state.stage_ref(stage.stage_id)?))
    }

    fn stage_count(&self, board: usize) -> usize {
        self.boards
            .get(board)
            .and_then(|board| board.state.as_ref())
            .map_or(0, |state| state.stages.len())
    }

    // ---------------------------------------------------------- parties
}

impl Iterator for Demo {
    type Item = DemoAppend;

    fn next(&mut self) -> Option<DemoAppend> {
        loop {
            if let Some(append) = self.pending.pop_front() {
                return Some(append);
            }
            if self.events_emitted >= self.events_max {
                return None;
            }
            let scheduled = self.queue.pop()?;
            self.run(scheduled.at, scheduled.action);
        }
    }
}
