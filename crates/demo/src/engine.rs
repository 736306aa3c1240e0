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
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use domain::channel::{Channel, ChannelKind};
use domain::command::Issued;
use domain::ids::{
    BranchId, CalendarEntryId, DealId, InteractionId, LeadId, PartyId, PipelineId, StageId, TaskId,
    UserId,
};
use domain::interactions::{
    CallOutcome, Direction, Interaction, InteractionCommand, InteractionKind, InteractionState,
    LogInteraction,
};
use domain::parties::{
    CustomValue, FieldKey, Party, PartyCommand, PartyName, PartyState, PartyStatus, RegisterParty,
};
use domain::pipeline::{
    CaptureLead, Deal, DealCommand, DealState, DealStatus, DefinePipeline, EmailAddress, Lead,
    LeadCommand, LeadState, LeadStatus, NewStage, OpenDeal, PhoneNumber, Pipeline, PipelineCommand,
    PipelineState, Probability, StageRef,
};
use domain::planning::{
    Assignee, CalendarCommand, CalendarEntry, CalendarEntryState, CalendarEntryStatus, CreateTask,
    Link, Priority, ScheduleCalendarEntry, Task, TaskCommand, TaskState, TaskStatus,
};
use domain::values::{Currency, Label, Money, Tag, Text};
use domain::{CrmEvent, Decider, DomainError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::content::{self, Culture, Region};
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
            Action::DefineSales => self.define_board(at, 0, "Sales", &SALES_STAGES),
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

    fn register(&mut self, index: u32, at: i64) {
        debug_assert_eq!(index as usize, self.parties.len());
        let culture = match self.rng.random_range(0..100) {
            0..45 => Culture::English,
            45..80 => Culture::Russian,
            _ => Culture::Arabic,
        };
        let region = match culture {
            Culture::English if self.chance(0.4) => Region::Germany,
            Culture::English => Region::Britain,
            Culture::Russian if self.chance(0.05) => Region::Germany,
            Culture::Russian => Region::Russia,
            Culture::Arabic => Region::Emirates,
        };
        let contact_gap_days = match self.rng.random_range(0..10) {
            0..2 => 10.0,
            2..7 => 28.0,
            _ => 80.0,
        };
        let id = PartyId::from_uuid(self.uuid(at));
        self.parties.push(PartySlot {
            id,
            state: None,
            region,
            culture,
            given: 0,
            surname: 0,
            domain: None,
            contact_gap_days,
            open_deal: None,
            open_lead: None,
        });
        let owner = self.manager();
        if self.chance(0.3) {
            self.register_company(index, at, owner);
        } else {
            self.register_person(index, at, owner);
        }
        if self.parties[index as usize].state.is_none() {
            return;
        }
        if self.parties[index as usize].is_company() {
            self.companies.push(index);
        }
        let next = self.later(at, 3.0);
        self.schedule(next, Action::Touch(index));
    }

    fn company_name(&mut self, region: Region) -> (String, String, String) {
        match region {
            Region::Britain => {
                let root = self.word(content::ENGLISH_COMPANY_ROOTS);
                let trade = self.word(content::ENGLISH_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!("{}{}.co.uk", root.to_lowercase(), trade.to_lowercase());
                (format!("{name} Ltd"), name, domain)
            }
            Region::Germany => {
                let root = self.word(content::GERMAN_COMPANY_ROOTS);
                let trade = self.word(content::GERMAN_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!("{}-{}.de", root.to_lowercase(), trade.to_lowercase())
                    .replace('ß', "ss");
                (format!("{name} GmbH"), name, domain)
            }
            Region::Russia => {
                let (root, root_latin) = *pick(&mut self.rng, content::RUSSIAN_COMPANY_ROOTS);
                let (trade, trade_latin) = *pick(&mut self.rng, content::RUSSIAN_COMPANY_TRADES);
                let name = format!("{root}{trade}");
                let domain = format!("{root_latin}{trade_latin}.ru");
                (format!("ООО «{name}»"), name, domain)
            }
            Region::Emirates => {
                let root = self.word(content::EMIRATI_COMPANY_ROOTS);
                let trade = self.word(content::EMIRATI_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!(
                    "{}.ae",
                    name.to_lowercase().replace("general ", "").replace(' ', "")
                );
                let form = if self.chance(0.3) { "FZE" } else { "LLC" };
                (format!("{name} {form}"), name, domain)
            }
        }
    }

    fn postal_address(&mut self, region: Region) -> String {
        let region_index = region.index();
        let street = *pick(&mut self.rng, content::STREETS[region_index]);
        let (city, postcode) = *pick(&mut self.rng, content::CITIES[region_index]);
        let country = content::COUNTRIES[region_index];
        let number = self.rng.random_range(1..180);
        let mut address = String::with_capacity(96);
        // Writing into a String cannot fail.
        let _ = match region {
            Region::Britain => {
                let letters = [
                    b'A' + self.rng.random_range(0..26u8),
                    b'B' + self.rng.random_range(0..24u8),
                ];
                write!(
                    address,
                    "{number} {street}\n{city} {postcode} {}{}{}\n{country}",
                    self.rng.random_range(1..10),
                    char::from(letters[0]),
                    char::from(letters[1]),
                )
            }
            Region::Germany => {
                let code = self.rng.random_range(100..1000);
                write!(
                    address,
                    "{street} {number}\n{postcode}{code} {city}\n{country}"
                )
            }
            Region::Russia => {
                let office = self.rng.random_range(1..500);
                let mut code = String::from(postcode);
                let missing = 6u32.saturating_sub(u32::try_from(code.len()).unwrap_or(6));
                self.digits(&mut code, missing);
                write!(
                    address,
                    "{street}, д. {number}, офис {office}\n{city}, {code}\n{country}"
                )
            }
            Region::Emirates => {
                let office = self.rng.random_range(101..3000);
                write!(address, "Office {office}, {street}\n{city}\n{country}")
            }
        };
        address
    }

    fn register_company(&mut self, index: u32, at: i64, owner: UserId) {
        let region = self.parties[index as usize].region;
        let (legal_name, name, domain) = self.company_name(region);
        let (Some(name), Some(legal_name)) = (self.label(&name), self.label(&legal_name)) else {
            return;
        };
        let source = if self.chance(0.85) {
            let source = self.word(content::SOURCES);
            self.label(source)
        } else {
            None
        };
        let branch = Some(self.branches[region.index()]);
        let mut commands = vec![PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name,
                legal_name: Some(legal_name),
            },
            company: None,
            job_title: None,
            source,
            owner,
            branch,
        })];
        let website = format!("www.{domain}");
        let work_phone = self.phone(region, false);
        let address = self.postal_address(region);
        let mut channels = vec![
            (ChannelKind::Website, website),
            (ChannelKind::WorkPhone, work_phone),
            (ChannelKind::PostalAddress, address),
        ];
        if self.chance(0.6) {
            let mailbox = self.word(&["info", "sales", "office", "hello"]);
            channels.push((ChannelKind::Email, format!("{mailbox}@{domain}")));
        }
        for (kind, value) in channels {
            self.add_channel_command(&mut commands, at, kind, &value, None);
        }
        for _ in 0..self.rng.random_range(0..3) {
            let tag = self.word(content::COMPANY_TAGS);
            if let Some(tag) = self.tag(tag) {
                commands.push(PartyCommand::Tag(tag));
            }
        }
        if self.chance(0.6) {
            let industry = self.word(content::INDUSTRIES);
            self.custom_field(
                &mut commands,
                "industry",
                CustomValue::Text(industry.to_owned()),
            );
        }
        if self.chance(0.4) {
            let employees = Decimal::from(self.rng.random_range(5..2_000));
            self.custom_field(&mut commands, "employees", CustomValue::Number(employees));
        }
        if self.chance(0.3) {
            self.custom_field(&mut commands, "vat_payer", CustomValue::Flag(true));
        }
        self.parties[index as usize].domain = Some(domain.into_boxed_str());
        self.party_commands(index, at, owner, commands);
    }

    fn custom_field(&mut self, commands: &mut Vec<PartyCommand>, key: &str, value: CustomValue) {
        if let Some(key) = self.valid(FieldKey::parse("key", key)) {
            commands.push(PartyCommand::SetCustomField { key, value });
        }
    }

    fn add_channel_command(
        &mut self,
        commands: &mut Vec<PartyCommand>,
        at: i64,
        kind: ChannelKind,
        raw: &str,
        label: Option<&str>,
    ) {
        let channel_id = self.uuid(at).into();
        let label = match label {
            Some(label) => self.label(label),
            None => None,
        };
        if let Some(channel) = self.channel(kind, raw) {
            commands.push(PartyCommand::AddChannel {
                channel_id,
                channel,
                label,
            });
        }
    }

    /// A person's name in their own script and the Latin spelling of their
    /// given name and surname.
    fn person_name(slot: &PartySlot) -> (String, &'static str, String, String) {
        let given = &slot.culture.given_names()[usize::from(slot.given)];
        let surname = &slot.culture.surnames()[usize::from(slot.surname)];
        if slot.culture == Culture::Russian && given.female {
            (
                given.native.to_owned(),
                given.latin,
                format!("{}а", surname.native),
                format!("{}a", surname.latin),
            )
        } else {
            (
                given.native.to_owned(),
                given.latin,
                surname.native.to_owned(),
                surname.latin.to_owned(),
            )
        }
    }

    fn register_person(&mut self, index: u32, at: i64, owner: UserId) {
        let people_so_far = self.parties.len() - self.companies.len() - 1;
        // About one person in eighty is registered twice, by someone who did
        // not search first; a manager merges the two later.
        let duplicate_of = if people_so_far > 20 && self.chance(0.012) {
            let candidate = self.rng.random_range(0..index);
            let slot = &self.parties[candidate as usize];
            (slot.is_active() && !slot.is_company()).then_some(candidate)
        } else {
            None
        };
        let culture = self.parties[index as usize].culture;
        let (given, surname) = match duplicate_of {
            Some(original) => {
                let original = &self.parties[original as usize];
                let copied = (original.culture, original.region);
                let name = (original.given, original.surname);
                let slot = &mut self.parties[index as usize];
                (slot.culture, slot.region) = copied;
                name
            }
            None => (
                self.rng
                    .random_range(0..u8::try_from(culture.given_names().len()).unwrap_or(1)),
                self.rng
                    .random_range(0..u8::try_from(culture.surnames().len()).unwrap_or(1)),
            ),
        };
        let slot = &mut self.parties[index as usize];
        slot.given = given;
        slot.surname = surname;
        let (region, culture) = (slot.region, slot.culture);
        let (first_name, given_latin, last_name, surname_latin) = Self::person_name(slot);

        let company = if duplicate_of.is_none() && !self.companies.is_empty() && self.chance(0.55) {
            let company = *pick(&mut self.rng, &self.companies);
            self.parties[company as usize]
                .is_active()
                .then_some(company)
        } else {
            None
        };
        let owner = match company {
            Some(company) if self.chance(0.8) => self.parties[company as usize]
                .state
                .as_ref()
                .map_or(owner, |state| state.owner),
            _ => owner,
        };
        let job_title = match company {
            Some(_) => {
                let title = if culture == Culture::Russian && self.chance(0.7) {
                    self.word(content::RUSSIAN_JOB_TITLES)
                } else {
                    self.word(content::JOB_TITLES)
                };
                self.label(title)
            }
            None => None,
        };
        let source = if self.chance(0.8) {
            let source = self.word(content::SOURCES);
            self.label(source)
        } else {
            None
        };
        let (Some(first_name), Some(last_name)) = (self.label(&first_name), self.label(&last_name))
        else {
            return;
        };
        let mut commands = vec![PartyCommand::Register(RegisterParty {
            name: PartyName::Person {
                first_name,
                last_name: Some(last_name),
            },
            company: company.map(|company| self.parties[company as usize].id),
            job_title,
            source,
            owner,
            branch: Some(self.branches[region.index()]),
        })];

        if self.chance(0.85) || duplicate_of.is_some() {
            let company_domain = company
                .and_then(|company| self.parties[company as usize].domain.clone())
                .filter(|_| duplicate_of.is_none());
            let email = match company_domain {
                Some(domain) => format!("{given_latin}.{surname_latin}@{domain}"),
                None => {
                    let domain = self.word(region.personal_mail_domains());
                    let number = self.rng.random_range(1..100);
                    match self.rng.random_range(0..3) {
                        0 => format!("{given_latin}.{surname_latin}@{domain}"),
                        1 => format!("{given_latin}{surname_latin}{number}@{domain}"),
                        _ => format!("{given_latin}_{surname_latin}.{number}@{domain}"),
                    }
                }
            };
            self.add_channel_command(&mut commands, at, ChannelKind::Email, &email, None);
        }
        let mobile = self.phone(region, true);
        if self.chance(0.75) {
            self.add_channel_command(&mut commands, at, ChannelKind::MobilePhone, &mobile, None);
        }
        let telegram_share = if culture == Culture::Russian {
            0.3
        } else {
            0.08
        };
        if self.chance(telegram_share) {
            let handle = if self.chance(0.7) {
                format!("@{given_latin}_{surname_latin}")
            } else {
                mobile.clone()
            };
            self.add_channel_command(&mut commands, at, ChannelKind::Telegram, &handle, None);
        }
        let whatsapp_share = if culture == Culture::Arabic {
            0.45
        } else {
            0.08
        };
        if self.chance(whatsapp_share) {
            self.add_channel_command(&mut commands, at, ChannelKind::WhatsApp, &mobile, None);
        }
        if company.is_some() && self.chance(0.2) {
            let office = self.phone(region, false);
            self.add_channel_command(
                &mut commands,
                at,
                ChannelKind::WorkPhone,
                &office,
                Some("office"),
            );
        }
        if self.chance(0.25) {
            let tag = self.word(content::PERSON_TAGS);
            if let Some(tag) = self.tag(tag) {
                commands.push(PartyCommand::Tag(tag));
            }
        }
        self.party_commands(index, at, owner, commands);
        if let Some(survivor) = duplicate_of {
            let when = self.later(at, 12.0);
            self.schedule(
                when,
                Action::Merge {
                    duplicate: index,
                    survivor,
                },
            );
        }
    }

    fn merge(&mut self, duplicate: u32, survivor: u32, at: i64) {
        if !self.parties[duplicate as usize].is_active()
            || !self.parties[survivor as usize].is_active()
        {
            return;
        }
        let by = self.parties[survivor as usize]
            .state
            .as_ref()
            .map_or(self.managers[0], |state| state.owner);
        let duplicate_id = self.parties[duplicate as usize].id;
        let survivor_id = self.parties[survivor as usize].id;
        self.party_commands(
            survivor,
            at,
            by,
            vec![PartyCommand::AbsorbDuplicate {
                duplicate: duplicate_id,
            }],
        );
        self.party_commands(
            duplicate,
            at,
            by,
            vec![PartyCommand::MergeInto {
                duplicate: duplicate_id,
                survivor: survivor_id,
            }],
        );
    }

    /// A manager gets in touch with a party, or works on its record.
    fn touch(&mut self, index: u32, at: i64) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let gap = f64::from(slot.contact_gap_days);
        let owner = state.owner;
        let status = state.status.clone();
        let has_deal = slot.open_deal.is_some();
        let has_lead = slot.open_lead.is_some();
        match status {
            PartyStatus::Merged { .. } => return,
            PartyStatus::Archived => {
                if self.chance(0.15) {
                    self.party_commands(index, at, owner, vec![PartyCommand::Restore]);
                }
                let next = self.later(at, 120.0);
                self.schedule(next, Action::Touch(index));
                return;
            }
            PartyStatus::Active => {}
        }
        let by = if self.chance(0.88) {
            owner
        } else {
            self.manager()
        };
        match self.rng.random_range(0..1000) {
            0..300 => self.log_call(index, at, by),
            300..520 => self.log_email(index, at, by),
            520..580 => self.log_meeting(index, at, by, None, None),
            580..690 => {
                if self.chance(0.25) {
                    // Written up a few days after it happened.
                    let issued_at = at + self.rng.random_range(HOUR_SECONDS..4 * DAY_SECONDS);
                    self.backdated_note(index, at, issued_at);
                } else {
                    self.log_note(index, at, at, by);
                }
            }
            690..790 => self.create_task_for(index, at, by),
            790..850 => self.schedule_meeting(index, at, by),
            850..900 if !has_deal && !has_lead => self.capture_lead(index, at, by),
            900..935 if !has_deal => {
                self.open_deal(index, at, by, None);
            }
            935..992 => self.change_party(index, at, by),
            992..997 if !has_deal && !has_lead => {
                let reason = self.word(content::ARCHIVE_REASONS);
                let reason = self.label(reason);
                self.party_commands(index, at, by, vec![PartyCommand::Archive { reason }]);
            }
            _ => self.log_call(index, at, by),
        }
        let next = self.later(at, gap);
        self.schedule(next, Action::Touch(index));
    }

    fn change_party(&mut self, index: u32, at: i64, by: UserId) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let is_person = state.name.is_person();
        let region = slot.region;
        let mut commands = Vec::with_capacity(2);
        match self.rng.random_range(0..100) {
            0..25 => {
                let tags = if is_person {
                    content::PERSON_TAGS
                } else {
                    content::COMPANY_TAGS
                };
                let raw = self.word(tags);
                let Some(tag) = self.tag(raw) else {
                    return;
                };
                if self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| state.tags.contains(tag.as_str()))
                {
                    commands.push(PartyCommand::Untag(tag));
                } else {
                    commands.push(PartyCommand::Tag(tag));
                }
            }
            25..45 => self.change_channels(index, at, &mut commands),
            45..57 => {
                let owner = state.owner;
                let owner = self.other_manager(owner);
                commands.push(PartyCommand::AssignOwner(owner));
            }
            57..67 if is_person => {
                let current = state.company;
                if current.is_some() && self.chance(0.4) {
                    commands.push(PartyCommand::LeaveCompany);
                } else if !self.companies.is_empty() {
                    let company = *pick(&mut self.rng, &self.companies);
                    let company_slot = &self.parties[company as usize];
                    if company_slot.is_active() && Some(company_slot.id) != current {
                        let company = company_slot.id;
                        let title = self.word(content::JOB_TITLES);
                        let job_title = self.label(title);
                        commands.push(PartyCommand::JoinCompany { company, job_title });
                    }
                }
            }
            67..77 => {
                if is_person {
                    let year = self.rng.random_range(1960..2002);
                    let ordinal = self.rng.random_range(1..366);
                    if let Some(date) = NaiveDate::from_yo_opt(year, ordinal) {
                        self.custom_field(&mut commands, "birthday", CustomValue::Date(date));
                    }
                } else {
                    let currency = region.currencies()[0];
                    let (low, high) = region.deal_amount_range(currency);
                    let limit = self.rng.random_range(low..high) / 1_000 * 1_000;
                    if let Some(money) = self.money(limit, currency) {
                        self.custom_field(&mut commands, "credit_limit", CustomValue::Money(money));
                    }
                }
            }
            77..85 => {
                let source = self.word(content::SOURCES);
                let source = self.label(source);
                commands.push(PartyCommand::SetSource(source));
            }
            85..90 => {
                let branch = *pick(&mut self.rng, &self.branches);
                commands.push(PartyCommand::MoveToBranch(Some(branch)));
            }
            90..95 => {
                let secondary = state
                    .channels
                    .iter()
                    .find(|channel| !channel.primary)
                    .map(|channel| channel.id);
                if let Some(channel_id) = secondary {
                    commands.push(PartyCommand::MakePrimary { channel_id });
                }
            }
            95..100 if !is_person => {
                if let domain::parties::PartyNameData::Company { name, legal_name } = &state.name
                    && !name.ends_with(" Group")
                {
                    let name = format!("{name} Group");
                    let legal_name = legal_name.clone();
                    let (Some(name), legal_name) = (
                        self.label(&name),
                        legal_name.and_then(|legal| self.label(&legal)),
                    ) else {
                        return;
                    };
                    commands.push(PartyCommand::Rename {
                        name: PartyName::Company { name, legal_name },
                    });
                }
            }
            _ => {
                let key = if is_person { "birthday" } else { "industry" };
                let has_key = state.custom_fields.contains_key(key);
                if has_key && let Some(key) = self.valid(FieldKey::parse("key", key)) {
                    commands.push(PartyCommand::ClearCustomField { key });
                }
            }
        }
        if !commands.is_empty() {
            self.party_commands(index, at, by, commands);
        }
    }

    fn change_channels(&mut self, index: u32, at: i64, commands: &mut Vec<PartyCommand>) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let region = slot.region;
        let phone = state
            .channels
            .iter()
            .find(|channel| {
                matches!(
                    channel.kind,
                    ChannelKind::MobilePhone | ChannelKind::WorkPhone
                )
            })
            .map(|channel| (channel.id, channel.kind));
        let removable = state
            .channels
            .iter()
            .find(|channel| !channel.primary)
            .map(|channel| channel.id);
        match self.rng.random_range(0..10) {
            0..4 => {
                // A new number: random digits do not repeat an existing one
                // often enough to matter, but check anyway.
                let Some((channel_id, kind)) = phone else {
                    let mobile = self.phone(region, true);
                    self.add_channel_command(commands, at, ChannelKind::MobilePhone, &mobile, None);
                    return;
                };
                let number = self.phone(region, kind == ChannelKind::MobilePhone);
                let Some(channel) = self.channel(kind, &number) else {
                    return;
                };
                let taken = self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| state.channels.iter().any(|c| c.value == channel.value()));
                if !taken {
                    commands.push(PartyCommand::ChangeChannel {
                        channel_id,
                        channel,
                        label: None,
                    });
                }
            }
            4..6 if removable.is_some() => {
                if let Some(channel_id) = removable {
                    commands.push(PartyCommand::RemoveChannel { channel_id });
                }
            }
            _ => {
                let (kind, value, label) = match self.rng.random_range(0..3) {
                    0 => (ChannelKind::WhatsApp, self.phone(region, true), None),
                    1 => (
                        ChannelKind::MobilePhone,
                        self.phone(region, true),
                        Some("second phone"),
                    ),
                    _ => (
                        ChannelKind::WorkPhone,
                        self.phone(region, false),
                        Some("reception"),
                    ),
                };
                let taken = self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| {
                        state.channels.len() >= 8
                            || state.channels.iter().any(|c| {
                                c.kind == kind
                                    && c.value.len() + 2 >= value.len()
                                    && value.replace(' ', "") == c.value
                            })
                    });
                if !taken {
                    self.add_channel_command(commands, at, kind, &value, label);
                }
            }
        }
    }

    // ----------------------------------------------------- interactions

    fn party_deal(&self, index: u32) -> Option<DealId> {
        self.parties[index as usize].open_deal
    }

    fn log_interaction(
        &mut self,
        index: u32,
        at: i64,
        issued_at: i64,
        by: UserId,
        (kind, subject, body): (InteractionKind, Option<&str>, &str),
    ) {
        let party = self.parties[index as usize].id;
        let deal = self.party_deal(index).filter(|_| self.chance(0.6));
        let subject = match subject {
            Some(subject) => match self.label(subject) {
                Some(subject) => Some(subject),
                None => return,
            },
            None => None,
        };
        let Some(body) = self.valid(Text::parse("body", body)) else {
            return;
        };
        let id = InteractionId::from_uuid(self.uuid(at));
        let mut issued = Self::issued(
            by,
            issued_at,
            InteractionCommand::Log(LogInteraction {
                party,
                deal,
                kind,
                subject,
                body,
            }),
        );
        if issued_at != at {
            issued = issued.backdated(time(at));
        }
        let mut state = None;
        let events = self.decide_all::<Interaction>(&mut state, [issued]);
        if state.is_some() && self.chance(0.03) {
            self.interactions.insert(id, state);
            let when = at + self.rng.random_range(600..DAY_SECONDS);
            self.schedule(when, Action::FixInteraction(id));
        }
        self.emit(id.as_uuid(), at, issued_at, by, events);
    }

    fn log_call(&mut self, index: u32, at: i64, by: UserId) {
        let direction = if self.chance(0.65) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let outcome = match self.rng.random_range(0..100) {
            0..62 => CallOutcome::Connected,
            62..80 => CallOutcome::NoAnswer,
            80..88 => CallOutcome::Busy,
            88..98 => CallOutcome::LeftVoicemail,
            _ => CallOutcome::WrongNumber,
        };
        let duration_seconds = match outcome {
            CallOutcome::Connected => {
                30 + self.exponential_days(240.0).unsigned_abs() as u32 % 3_600
            }
            CallOutcome::LeftVoicemail => self.rng.random_range(15..60),
            _ => self.rng.random_range(0..25),
        };
        let recording_url = (outcome == CallOutcome::Connected && self.chance(0.2)).then(|| {
            format!(
                "https://pbx.demo-company.example/recordings/{}.mp3",
                self.rng.random_range(100_000..999_999)
            )
        });
        let subject = self.chance(0.5).then(|| self.word(content::CALL_SUBJECTS));
        let body = if outcome == CallOutcome::Connected {
            self.word(content::CALL_NOTES)
        } else {
            ""
        };
        let kind = InteractionKind::Call {
            direction,
            duration_seconds,
            outcome,
            recording_url,
        };
        self.log_interaction(index, at, at, by, (kind, subject, body));
    }

    fn log_email(&mut self, index: u32, at: i64, by: UserId) {
        let direction = if self.chance(0.55) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let subject =
            if self.parties[index as usize].culture == Culture::Russian && self.chance(0.6) {
                self.word(content::RUSSIAN_EMAIL_SUBJECTS)
            } else {
                self.word(content::EMAIL_SUBJECTS)
            };
        let body = self.word(content::EMAIL_BODIES);
        let kind = InteractionKind::Email { direction };
        if subject.starts_with("Invoice") {
            self.invoice_number += 1;
            let subject = format!("Invoice #{} and payment details", self.invoice_number);
            self.log_interaction(index, at, at, by, (kind, Some(&subject), body));
        } else {
            self.log_interaction(index, at, at, by, (kind, Some(subject), body));
        }
    }

    fn log_meeting(
        &mut self,
        index: u32,
        at: i64,
        by: UserId,
        duration_minutes: Option<u32>,
        location: Option<String>,
    ) {
        let duration_minutes =
            duration_minutes.unwrap_or_else(|| *pick(&mut self.rng, &[30, 45, 60, 60, 90, 120]));
        let location = location.or_else(|| Some(self.word(content::MEETING_LOCATIONS).to_owned()));
        let subject = self.word(content::MEETING_TITLES);
        let body = self.word(content::CALL_NOTES);
        let kind = InteractionKind::Meeting {
            duration_minutes,
            location,
        };
        self.log_interaction(index, at, at, by, (kind, Some(subject), body));
    }

    fn log_note(&mut self, index: u32, at: i64, issued_at: i64, by: UserId) {
        let body = self.word(content::NOTES);
        self.log_interaction(
            index,
            at,
            issued_at,
            by,
            (InteractionKind::Note, None, body),
        );
    }

    fn backdated_note(&mut self, index: u32, at: i64, issued_at: i64) {
        let slot = &self.parties[index as usize];
        if !slot.is_active() {
            return;
        }
        let by = slot
            .state
            .as_ref()
            .map_or(self.managers[0], |state| state.owner);
        self.log_note(index, at, issued_at, by);
    }

    fn fix_interaction(&mut self, id: InteractionId, at: i64) {
        let Some(mut state) = self.interactions.remove(&id) else {
            return;
        };
        let Some(current) = &state else {
            return;
        };
        let by = current.logged_by;
        let command = if self.chance(0.3) {
            let reason = self.word(content::WITHDRAW_REASONS);
            let Some(reason) = self.label(reason) else {
                return;
            };
            InteractionCommand::Withdraw { reason }
        } else {
            let subject = current.subject.clone();
            let body = if current.body.is_empty() {
                "Details added after the fact.".to_owned()
            } else {
                format!("{} (corrected)", current.body)
            };
            let subject = match subject {
                Some(subject) => self.label(&subject),
                None => None,
            };
            let Some(body) = self.valid(Text::parse("body", &body)) else {
                return;
            };
            InteractionCommand::Amend { subject, body }
        };
        let events = self.decide_all::<Interaction>(&mut state, [Self::issued(by, at, command)]);
        self.emit(id.as_uuid(), at, at, by, events);
    }

    // ------------------------------------------------------------ leads

    fn capture_lead(&mut self, index: u32, at: i64, by: UserId) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let name = state.name.display_name();
        let is_person = state.name.is_person();
        let email = state
            .channels
            .iter()
            .find(|channel| channel.kind == ChannelKind::Email)
            .map(|channel| channel.value.clone());
        let phone = state
            .channels
            .iter()
            .find(|channel| channel.kind == ChannelKind::MobilePhone)
            .map(|channel| channel.value.clone());
        let source = state.source.clone();
        let owner = state.owner;
        let known_party = self.chance(0.8);
        let title = self.word(content::LEAD_TITLES);
        let Some(title) = self.label(title) else {
            return;
        };
        let Some(name) = self.label(&name) else {
            return;
        };
        let (contact_name, company_name) = if is_person {
            (Some(name), None)
        } else {
            (None, Some(name))
        };
        let email = match email {
            Some(email) => self.valid(EmailAddress::parse("email", &email)),
            None => None,
        };
        let phone = match phone {
            Some(phone) => self.valid(PhoneNumber::parse("phone", &phone)),
            None => None,
        };
        let source = match source {
            Some(source) => self.label(&source),
            None => None,
        };
        let party = known_party.then_some(self.parties[index as usize].id);
        let command = LeadCommand::Capture(CaptureLead {
            title,
            contact_name,
            company_name,
            email,
            phone,
            party,
            source,
            owner,
        });
        let id = LeadId::from_uuid(self.uuid(at));
        self.leads.insert(
            id,
            LeadSlot {
                state: None,
                party: index,
                steps: 0,
            },
        );
        self.lead_command(id, at, by, command);
        if self.leads.get(&id).is_some_and(|slot| slot.state.is_some()) {
            self.parties[index as usize].open_lead = Some(id);
            let next = self.later(at, 4.0);
            self.schedule(next, Action::LeadStep(id));
        } else {
            self.leads.remove(&id);
        }
    }

    fn lead_step(&mut self, id: LeadId, at: i64) {
        let Some(slot) = self.leads.get_mut(&id) else {
            return;
        };
        slot.steps += 1;
        let (index, steps) = (slot.party, slot.steps);
        let Some(state) = &slot.state else {
            return;
        };
        let owner = state.owner;
        let disqualified = matches!(state.status, LeadStatus::Disqualified { .. });
        let party_active = self.parties[index as usize].is_active();
        if disqualified {
            self.lead_command(id, at, owner, LeadCommand::Reopen);
            let next = self.later(at, 6.0);
            self.schedule(next, Action::LeadStep(id));
            return;
        }
        let roll = self.rng.random_range(0..100);
        if roll < 8 && steps < 4 {
            let owner = self.other_manager(owner);
            self.lead_command(id, at, owner, LeadCommand::AssignOwner(owner));
            let next = self.later(at, 3.0);
            self.schedule(next, Action::LeadStep(id));
        } else if roll < 62 && party_active && self.parties[index as usize].open_deal.is_none() {
            let Some(deal) = self.open_deal(index, at, owner, Some(id)) else {
                return;
            };
            let party = self.parties[index as usize].id;
            self.lead_command(id, at, owner, LeadCommand::Convert { deal, party });
            self.finish_lead(id, index);
        } else {
            let reason = self.word(content::LEAD_DISQUALIFY_REASONS);
            let Some(reason) = self.label(reason) else {
                return;
            };
            self.lead_command(id, at, owner, LeadCommand::Disqualify { reason });
            if steps < 3 && self.chance(0.1) {
                let next = self.later(at, 30.0);
                self.schedule(next, Action::LeadStep(id));
            } else {
                self.finish_lead(id, index);
            }
        }
    }

    fn finish_lead(&mut self, id: LeadId, index: u32) {
        self.leads.remove(&id);
        let slot = &mut self.parties[index as usize];
        if slot.open_lead == Some(id) {
            slot.open_lead = None;
        }
    }

    // ------------------------------------------------------------ deals

    fn open_deal(
        &mut self,
        index: u32,
        at: i64,
        by: UserId,
        lead: Option<LeadId>,
    ) -> Option<DealId> {
        let slot = &self.parties[index as usize];
        let state = slot.state.as_ref()?;
        let partner = state.tags.contains("partner");
        let region = slot.region;
        let party = slot.id;
        let owner = state.owner;
        let display_name = state.name.display_name();
        let board = if self.boards.len() > 1 && self.chance(if partner { 0.7 } else { 0.04 }) {
            1
        } else {
            0
        };
        let position = if lead.is_some() && self.chance(0.3) {
            1
        } else {
            0
        };
        let (pipeline, stage) = self.stage_at(board, position)?;
        let currency = *pick(&mut self.rng, region.currencies());
        let (low, high) = region.deal_amount_range(currency);
        let round = if currency == "RUB" { 10_000 } else { 100 };
        let amount = self.rng.random_range(low..high) / round * round;
        let amount = self.money(amount, currency)?;
        let product = self.word(content::PRODUCTS);
        let title = self.label(&format!("{product} — {display_name}"))?;
        let close_days = self.rng.random_range(20..120);
        let expected_close = time(at)
            .date_naive()
            .checked_add_days(Days::new(close_days));
        let id = DealId::from_uuid(self.uuid(at));
        let command = DealCommand::Open(OpenDeal {
            title,
            party,
            pipeline,
            stage,
            probability: None,
            amount,
            expected_close,
            owner,
            lead,
        });
        self.deals.insert(
            id,
            DealSlot {
                state: None,
                party: index,
                board,
                steps: 0,
            },
        );
        self.deal_commands(id, at, by, vec![command]);
        if self.deals.get(&id).is_none_or(|slot| slot.state.is_none()) {
            self.deals.remove(&id);
            return None;
        }
        self.parties[index as usize].open_deal = Some(id);
        let next = self.later(at, 8.0);
        self.schedule(next, Action::DealStep(id));
        Some(id)
    }

    fn deal_step(&mut self, id: DealId, at: i64) {
        let Some(slot) = self.deals.get_mut(&id) else {
            return;
        };
        slot.steps += 1;
        let (index, board, steps) = (slot.party, slot.board, slot.steps);
        let Some(state) = &slot.state else {
            return;
        };
        let owner = state.owner;
        let status = state.status;
        let amount = state.amount;
        let current_stage = state.stage;
        let probability = state.probability;
        let expected_close = state.expected_close;
        let pipeline = state.pipeline;
        if status != DealStatus::Open {
            self.reopen_deal(id, index, board, at, owner);
            return;
        }
        let stage_count = self.stage_count(board);
        let position = self.boards[board]
            .state
            .as_ref()
            .and_then(|state| state.stage_ref(current_stage))
            .map_or(0, |stage| stage.position as usize);
        let mut commands = Vec::with_capacity(3);
        if self.chance(0.08) {
            let percent = self.rng.random_range(80..=120);
            let changed = amount.amount() * Decimal::from(percent) / Decimal::from(100);
            let hundred = Decimal::from(100);
            let changed = (changed / hundred).round() * hundred;
            if let Some(money) = self.valid(Money::parse("amount", changed, amount.currency())) {
                commands.push(DealCommand::ChangeAmount(money));
            }
        }
        if self.chance(0.05) {
            let pushed = expected_close
                .unwrap_or_else(|| time(at).date_naive())
                .checked_add_days(Days::new(self.rng.random_range(14..45)));
            commands.push(DealCommand::ChangeExpectedClose(pushed));
        }
        if self.chance(0.03) {
            let percent = i64::from(probability) + self.rng.random_range(-10..=10);
            if let Some(probability) =
                self.valid(Probability::parse("probability", percent.clamp(0, 100)))
            {
                commands.push(DealCommand::SetProbability(probability));
            }
        }
        if self.chance(0.015) {
            let other = self.other_manager(owner);
            commands.push(DealCommand::AssignOwner(other));
        }
        let roll = self.rng.random_range(0..100);
        let mut closed = false;
        let last = stage_count.saturating_sub(1);
        let lose = |this: &mut Self, commands: &mut Vec<DealCommand>| {
            let reason = this.word(content::LOSS_REASONS);
            if let Some(reason) = this.label(reason) {
                commands.push(DealCommand::Lose { reason });
            }
        };
        if steps >= STEPS_MAX {
            lose(self, &mut commands);
            closed = true;
        } else if position >= last {
            if roll < 88 {
                let final_amount = if self.chance(0.25) {
                    let discounted =
                        (amount.amount() * Decimal::from(95) / Decimal::from(100)).round_dp(0);
                    self.valid(Money::parse("amount", discounted, amount.currency()))
                } else {
                    None
                };
                let reason = if self.chance(0.5) {
                    let reason = self.word(content::WIN_REASONS);
                    self.label(reason)
                } else {
                    None
                };
                commands.push(DealCommand::Win {
                    amount: final_amount,
                    reason,
                });
            } else {
                lose(self, &mut commands);
            }
            closed = true;
        } else if roll < 16 {
            lose(self, &mut commands);
            closed = true;
        } else if roll < 86 {
            let skip = usize::from(self.chance(0.04) && position + 2 <= last);
            if let Some((pipeline, stage)) = self.stage_at(board, position + 1 + skip) {
                commands.push(DealCommand::MoveToStage {
                    pipeline,
                    stage,
                    probability: None,
                });
            }
        } else if roll < 89 && position > 0 {
            if let Some((pipeline, stage)) = self.stage_at(board, position - 1) {
                commands.push(DealCommand::MoveToStage {
                    pipeline,
                    stage,
                    probability: None,
                });
            }
        }
        debug_assert!(self.boards[board].id == pipeline);
        self.deal_commands(id, at, owner, commands);
        if closed {
            self.close_deal(id, index, at, owner);
        } else {
            let next = self.later(at, 9.0);
            self.schedule(next, Action::DealStep(id));
        }
    }

    fn close_deal(&mut self, id: DealId, index: u32, at: i64, owner: UserId) {
        let won = self
            .deals
            .get(&id)
            .and_then(|slot| slot.state.as_ref())
            .is_some_and(|state| state.status == DealStatus::Won);
        let slot = &mut self.parties[index as usize];
        if slot.open_deal == Some(id) {
            slot.open_deal = None;
        }
        let reopen_chance = if won { 0.02 } else { 0.07 };
        if self.chance(reopen_chance) {
            let next = self.later(at, if won { 3.0 } else { 45.0 });
            self.schedule(next, Action::DealStep(id));
        } else {
            self.deals.remove(&id);
        }
        if won && self.parties[index as usize].is_active() {
            if self.chance(0.4)
                && let Some(tag) = self.tag("customer")
            {
                self.party_commands(index, at, owner, vec![PartyCommand::Tag(tag)]);
            }
            if self.chance(0.35) {
                let title =
                    self.word(&["Send the invoice", "Arrange delivery", "Collect feedback"]);
                self.create_task(at, owner, owner, title, Some(Link::Deal(id)));
            }
        }
    }

    fn reopen_deal(&mut self, id: DealId, index: u32, board: usize, at: i64, owner: UserId) {
        let position = self.stage_count(board).saturating_sub(3);
        let Some((pipeline, stage)) = self.stage_at(board, position) else {
            self.deals.remove(&id);
            return;
        };
        self.deal_commands(
            id,
            at,
            owner,
            vec![DealCommand::Reopen {
                pipeline,
                stage,
                probability: None,
            }],
        );
        let slot = &mut self.parties[index as usize];
        if slot.open_deal.is_none() {
            slot.open_deal = Some(id);
        }
        let next = self.later(at, 8.0);
        self.schedule(next, Action::DealStep(id));
    }

    // ------------------------------------------------------------ tasks

    fn create_task_for(&mut self, index: u32, at: i64, by: UserId) {
        let link = match self.party_deal(index) {
            Some(deal) if self.chance(0.5) => Link::Deal(deal),
            _ => Link::Party(self.parties[index as usize].id),
        };
        let assignee = if self.chance(0.85) {
            by
        } else {
            self.other_manager(by)
        };
        let title = self.word(content::TASK_TITLES);
        self.create_task(at, by, assignee, title, Some(link));
    }

    fn create_task(
        &mut self,
        at: i64,
        by: UserId,
        assignee: UserId,
        title: &str,
        link: Option<Link>,
    ) {
        let Some(title) = self.label(title) else {
            return;
        };
        let description = self.word(content::TASK_DESCRIPTIONS);
        let Some(description) = self.valid(Text::parse("description", description)) else {
            return;
        };
        let due = self.later(at, 4.0);
        let remind_at = self.chance(0.6).then(|| {
            let before = *pick(&mut self.rng, &[900, HOUR_SECONDS, DAY_SECONDS]);
            (due - before).max(at)
        });
        let priority = match self.rng.random_range(0..100) {
            0..15 => Priority::Low,
            15..70 => Priority::Normal,
            70..92 => Priority::High,
            _ => Priority::Urgent,
        };
        let plan = match self.rng.random_range(0..100) {
            0..52 => TaskPlan::Complete,
            52..67 => TaskPlan::CompleteLate,
            67..75 => TaskPlan::Cancel,
            75..82 => TaskPlan::Reschedule,
            82..85 => TaskPlan::Reprioritize,
            85..88 => TaskPlan::Reassign,
            88..90 => TaskPlan::CompleteThenReopen,
            // The rest are forgotten and stay overdue.
            _ => {
                self.new_task(
                    at,
                    by,
                    assignee,
                    title,
                    description,
                    due,
                    remind_at,
                    priority,
                    link,
                    None,
                );
                return;
            }
        };
        self.new_task(
            at,
            by,
            assignee,
            title,
            description,
            due,
            remind_at,
            priority,
            link,
            Some(plan),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn new_task(
        &mut self,
        at: i64,
        by: UserId,
        assignee: UserId,
        title: Label,
        description: Text,
        due: i64,
        remind_at: Option<i64>,
        priority: Priority,
        link: Option<Link>,
        plan: Option<TaskPlan>,
    ) {
        let id = TaskId::from_uuid(self.uuid(at));
        let command = TaskCommand::Create(CreateTask {
            title,
            description,
            assignee: Assignee::User(assignee),
            due: Some(time(due)),
            remind_at: remind_at.map(time),
            priority,
            link,
        });
        let mut state = None;
        let events = self.decide_all::<Task>(&mut state, [Self::issued(by, at, command)]);
        self.emit(id.as_uuid(), at, at, by, events);
        let Some(plan) = plan.filter(|_| state.is_some()) else {
            return;
        };
        let step_at = match plan {
            TaskPlan::CompleteLate => due + self.rng.random_range(HOUR_SECONDS..8 * DAY_SECONDS),
            _ => self.moment_between(at, due),
        };
        self.tasks.insert(id, TaskSlot { state, plan });
        self.schedule(step_at, Action::TaskStep(id));
    }

    fn task_step(&mut self, id: TaskId, at: i64) {
        let Some(slot) = self.tasks.get(&id) else {
            return;
        };
        let Some(state) = &slot.state else {
            return;
        };
        let plan = slot.plan;
        let Assignee::User(assignee) = state.assignee else {
            return;
        };
        let status = state.status;
        let due = state.due.map_or(at, |due| due.timestamp());
        let priority = state.priority;
        let mut next_plan = None;
        let command = match (status, plan) {
            (TaskStatus::Completed, TaskPlan::CompleteThenReopen) => {
                next_plan = Some(TaskPlan::Complete);
                TaskCommand::Reopen
            }
            (TaskStatus::Completed | TaskStatus::Cancelled, _) => {
                self.tasks.remove(&id);
                return;
            }
            (_, TaskPlan::Cancel) => {
                let reason = self.word(content::CANCEL_REASONS);
                TaskCommand::Cancel {
                    reason: self.label(reason),
                }
            }
            (_, TaskPlan::Reschedule) => {
                next_plan = Some(TaskPlan::Complete);
                let due = self.later(due.max(at), 3.0);
                TaskCommand::Reschedule {
                    due: Some(time(due)),
                    remind_at: None,
                }
            }
            (_, TaskPlan::Reprioritize) => {
                next_plan = Some(TaskPlan::Complete);
                let priority = if priority == Priority::Urgent {
                    Priority::High
                } else {
                    Priority::Urgent
                };
                TaskCommand::Reprioritize { priority }
            }
            (_, TaskPlan::Reassign) => {
                next_plan = Some(TaskPlan::Complete);
                let assignee = self.other_manager(assignee);
                TaskCommand::Reassign {
                    assignee: Assignee::User(assignee),
                }
            }
            (_, TaskPlan::CompleteThenReopen) => {
                next_plan = Some(TaskPlan::CompleteThenReopen);
                TaskCommand::Complete
            }
            (_, TaskPlan::Complete | TaskPlan::CompleteLate) => TaskCommand::Complete,
        };
        self.task_command(id, at, assignee, command);
        match next_plan {
            Some(next_plan) => {
                if let Some(slot) = self.tasks.get_mut(&id) {
                    slot.plan = next_plan;
                }
                let new_due = self
                    .tasks
                    .get(&id)
                    .and_then(|slot| slot.state.as_ref())
                    .and_then(|state| state.due)
                    .map_or(at, |due| due.timestamp());
                let next = if new_due > at + 2 * HOUR_SECONDS {
                    self.moment_between(at, new_due)
                } else {
                    self.later(at, 1.0)
                };
                // A reopened task is done again the next day or so.
                let next =
                    if plan == TaskPlan::CompleteThenReopen && next_plan == TaskPlan::Complete {
                        self.later(at, 1.0)
                    } else {
                        next
                    };
                self.schedule(next, Action::TaskStep(id));
            }
            None => {
                self.tasks.remove(&id);
            }
        }
    }

    // --------------------------------------------------------- calendar

    fn schedule_meeting(&mut self, index: u32, at: i64, by: UserId) {
        let link = match self.party_deal(index) {
            Some(deal) if self.chance(0.5) => Link::Deal(deal),
            _ => Link::Party(self.parties[index as usize].id),
        };
        let deal = match link {
            Link::Deal(deal) => Some(deal),
            Link::Party(_) => None,
        };
        let day = self.day_of(at) + self.rng.random_range(1..10);
        let day = self.working_day(day);
        // Meetings start on the half hour.
        let starts_at = self.working_moment(day) / 1_800 * 1_800;
        let minutes = *pick(&mut self.rng, &[30_i64, 45, 60, 60, 90]);
        let ends_at = starts_at + minutes * 60;
        let mut attendees = vec![Assignee::User(by)];
        for _ in 0..self.rng.random_range(0..3) {
            let colleague = Assignee::User(self.manager());
            if !attendees.contains(&colleague) {
                attendees.push(colleague);
            }
        }
        let title = self.word(content::MEETING_TITLES);
        let location = self.word(content::MEETING_LOCATIONS);
        let (Some(title), Some(location)) = (self.label(title), self.label(location)) else {
            return;
        };
        let remind_before_minutes = *pick(&mut self.rng, &[None, Some(15), Some(30), Some(60)]);
        let command = CalendarCommand::Schedule(ScheduleCalendarEntry {
            title,
            starts_at: time(starts_at),
            ends_at: time(ends_at),
            attendees,
            location: Some(location),
            link: Some(link),
            remind_before_minutes,
        });
        let plan = match self.rng.random_range(0..100) {
            0..70 => EntryPlan::TakePlace,
            70..82 => EntryPlan::Cancel,
            82..92 => EntryPlan::Reschedule,
            92..97 => EntryPlan::ChangeAttendees,
            _ => EntryPlan::Edit,
        };
        let id = CalendarEntryId::from_uuid(self.uuid(at));
        self.entries.insert(
            id,
            EntrySlot {
                state: None,
                plan,
                party: index,
                deal,
            },
        );
        self.entry_command(id, at, by, command);
        let step_at = match plan {
            EntryPlan::TakePlace => ends_at,
            _ => self.moment_between(at, starts_at),
        };
        self.schedule(step_at, Action::EntryStep(id));
    }

    fn entry_step(&mut self, id: CalendarEntryId, at: i64) {
        let Some(slot) = self.entries.get(&id) else {
            return;
        };
        let Some(state) = &slot.state else {
            return;
        };
        if state.status != CalendarEntryStatus::Scheduled {
            self.entries.remove(&id);
            return;
        }
        let (plan, index, deal) = (slot.plan, slot.party, slot.deal);
        let organizer = state.organizer;
        let (starts_at, ends_at) = (state.starts_at.timestamp(), state.ends_at.timestamp());
        let location = state.location.clone();
        let attendees = state.attendees.clone();
        let mut next = None;
        match plan {
            EntryPlan::TakePlace => {
                self.entry_command(id, at, organizer, CalendarCommand::Complete);
                if self.parties[index as usize].is_active() {
                    let minutes = u32::try_from((ends_at - starts_at) / 60).unwrap_or(60);
                    let open_deal = self.parties[index as usize].open_deal;
                    // The meeting is logged against the deal it was for,
                    // when that deal is still the party's open one.
                    self.parties[index as usize].open_deal = deal.or(open_deal);
                    self.log_meeting(index, at, organizer, Some(minutes), location);
                    self.parties[index as usize].open_deal = open_deal;
                }
            }
            EntryPlan::Cancel => {
                let reason = self.word(content::CANCEL_REASONS);
                let reason = self.label(reason);
                self.entry_command(id, at, organizer, CalendarCommand::Cancel { reason });
            }
            EntryPlan::Reschedule => {
                let day = self.day_of(starts_at) + self.rng.random_range(1..8);
                let day = self.working_day(day);
                let new_start = (self.working_moment(day) / 1_800 * 1_800).max(at + 1_800);
                let new_end = new_start + (ends_at - starts_at);
                self.entry_command(
                    id,
                    at,
                    organizer,
                    CalendarCommand::Reschedule {
                        starts_at: time(new_start),
                        ends_at: time(new_end),
                    },
                );
                next = Some(new_end);
            }
            EntryPlan::ChangeAttendees => {
                let mut attendees = attendees;
                let colleague = Assignee::User(self.other_manager(organizer));
                if let Some(position) = attendees.iter().position(|a| *a == colleague) {
                    attendees.remove(position);
                } else {
                    attendees.push(colleague);
                }
                if !attendees.is_empty() {
                    self.entry_command(
                        id,
                        at,
                        organizer,
                        CalendarCommand::ChangeAttendees { attendees },
                    );
                }
                next = Some(ends_at);
            }
            EntryPlan::Edit => {
                let title = self.word(content::MEETING_TITLES);
                let location = self.word(content::MEETING_LOCATIONS);
                let (Some(title), location) = (self.label(title), self.label(location)) else {
                    return;
                };
                self.entry_command(id, at, organizer, CalendarCommand::Edit { title, location });
                next = Some(ends_at);
            }
        }
        match next {
            Some(next) if next > at => {
                if let Some(slot) = self.entries.get_mut(&id) {
                    slot.plan = EntryPlan::TakePlace;
                }
                self.schedule(next, Action::EntryStep(id));
                // Dropped past the end of the history: it stays scheduled.
                if next >= self.end {
                    self.entries.remove(&id);
                }
            }
            _ => {
                self.entries.remove(&id);
            }
        }
    }
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
