//! A deterministic generator of a believable small company's CRM history:
//! managers, companies and people in three scripts, calls, emails,
//! meetings and notes, leads that become deals, deals that move through a
//! sales pipeline until won or lost, tasks and calendar entries, and the
//! occasional archive, owner change and duplicate merge. Every event comes
//! from the real deciders of the `domain` crate, applied to the real state
//! of its aggregate, so the history is one the application could have
//! written. The same options always give the same history, ids included:
//! `hypercrm serve --demo`, tests and benchmarks all rely on that.

#![forbid(unsafe_code)]

mod content;
mod engine;
mod load;

use chrono::{DateTime, NaiveDate, Utc};
use domain::CrmEvent;
use domain::ids::UserId;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

pub use engine::Demo;
pub use load::{LoadReport, load};

/// Events a history holds per party, on average, over the default span:
/// what [`scaled`] divides by.
pub const EVENTS_PER_PARTY: u64 = 33;
/// Parties one manager looks after, in a [`scaled`] history.
pub const PARTIES_PER_MANAGER: usize = 375;

/// What history to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// The same seed gives the same history.
    pub seed: u64,
    /// The sales managers: the users who do the work.
    pub managers: usize,
    /// The companies and people registered over the span.
    pub parties: usize,
    /// The first day of the history.
    pub start: NaiveDate,
    /// How many days the history spans.
    pub days: u32,
    /// Stops after about this many events (at the end of the append that
    /// reaches it).
    pub events_max: Option<u64>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            managers: 8,
            parties: 3_000,
            // A valid constant date; `from_ymd_opt` only fails on impossible dates.
            start: NaiveDate::from_ymd_opt(2024, 12, 1).unwrap_or(NaiveDate::MIN),
            days: 730,
            events_max: None,
        }
    }
}

/// A manager of the demo company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub id: UserId,
    pub name: String,
}

/// One append to one stream, `{category}-{aggregate}`.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoAppend {
    /// The stream category, as [`CrmEvent::category`] names it.
    pub category: &'static str,
    pub aggregate: Uuid,
    /// The events with their ids, in order.
    pub events: Vec<(Uuid, CrmEvent)>,
    /// The business time of the events; never decreases along a history.
    pub occurred_at: DateTime<Utc>,
    /// When the command was issued: later than `occurred_at` for an action
    /// logged after the fact (a backdated note), equal otherwise.
    pub issued_at: DateTime<Utc>,
    /// The user who issued the command.
    pub actor: UserId,
}

impl DemoAppend {
    /// The stream the events are appended to.
    pub fn stream(&self) -> String {
        format!("{}-{}", self.category, self.aggregate)
    }
}

/// The history `options` describe, one append at a time.
pub fn generate(options: &DemoOptions) -> Demo {
    Demo::new(options)
}

/// The managers of the history `options` describe, with the ids the
/// history uses.
pub fn users(options: &DemoOptions) -> Vec<DemoUser> {
    // Users have their own generator, so that the history's random
    // sequence does not depend on how users are listed.
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5EED_0F0B_05E5_0000);
    let hired_millis = engine::day_start_secs(options.start).saturating_sub(90 * 86_400) * 1_000;
    let managers = options.managers.max(1);
    (0..managers)
        .map(|index| {
            // Managers joined a few days apart, before the history starts.
            let joined_millis = hired_millis + i64::try_from(index).unwrap_or(0) * 86_400_000 / 3;
            let id = UserId::from_uuid(engine::uuid_v7(
                &mut rng,
                u64::try_from(joined_millis).unwrap_or(0),
            ));
            let name = manager_name(index);
            DemoUser { id, name }
        })
        .collect()
}

fn manager_name(index: usize) -> String {
    let names = content::MANAGER_NAMES;
    let (given, surname) = names[index % names.len()];
    if index < names.len() {
        return format!("{given} {surname}");
    }
    // Larger teams borrow surnames from the customer lists.
    let surnames = content::ENGLISH_SURNAMES;
    format!(
        "{given} {}",
        surnames[(index / names.len() * 7 + index) % surnames.len()].native
    )
}

/// Options whose history holds about `events` events: parties and
/// managers grow with it, the span stays two years.
pub fn scaled(events: u64) -> DemoOptions {
    let parties = usize::try_from(events / EVENTS_PER_PARTY)
        .unwrap_or(usize::MAX)
        .max(10);
    DemoOptions {
        managers: (parties / PARTIES_PER_MANAGER).max(3),
        parties,
        events_max: Some(events),
        ..DemoOptions::default()
    }
}
