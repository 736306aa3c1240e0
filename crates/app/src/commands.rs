//! The command side of the application: load an aggregate from its
//! stream, let its decider decide, append what it decided.
//!
//! Everything that changes the business goes through [`CommandHandler`]:
//! the HTTP API, the command line (imports) and the process managers. It
//! keeps the states of recently used aggregates in memory with the stream
//! version they were folded to, so a long stream (the stock of a busy
//! product) is read from where it was left, not from the start.
//!
//! Concurrency is optimistic: the append expects the version the state was
//! folded to. A client that sent `If-Match` gets a conflict to resolve; an
//! unconditional command is decided again on the newer state, a bounded
//! number of times.
//!
//! A command may carry an id. The ids of the events it appends are derived
//! from it, so running the same command again (a process replaying an
//! event, a client retrying with its idempotency key) finds its events
//! already stored and changes nothing.

use std::any::Any;
use std::sync::{Arc, Mutex};

use domain::personal::{KeyError, SubjectKeys};
use domain::process::{event_id, legacy_event_id};
use domain::{Decider, DomainError, DomainEvent, Issued};
use eventlog::{AppendMeta, EventLog, ExpectedVersion, NewEvent, StreamName};
use rustc_hash::FxHashMap;
use uuid::Uuid;

/// Aggregate states kept in memory; past this the cache starts afresh.
pub const STATE_CACHE_ENTRIES_MAX: usize = 100_000;
/// How many times an unconditional command is decided again after another
/// writer moved its stream.
pub const CONFLICT_RETRIES_MAX: usize = 8;
/// Events read from a stream per page while folding.
const FOLD_PAGE_EVENTS: usize = 1_000;

/// Why a command did not change anything.
/// The metric of the seconds an append to the log took (until durable),
/// by stream category; `/metrics` serves it.
pub const APPEND_DURATION: &str = "hypercrm_append_duration_seconds";

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A business rule, a bad value or a missing aggregate.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The caller does not hold the permission the command needs.
    #[error("this needs the permission {permission}")]
    Forbidden {
        permission: domain::access::Permission,
    },
    /// The stream is not at the version the client expected.
    #[error("the stream is at version {actual:?}, not {expected}")]
    Conflict { expected: u64, actual: Option<u64> },
    /// Other writers kept moving the stream.
    #[error("the stream kept changing; {CONFLICT_RETRIES_MAX} attempts failed")]
    Contended,
    /// A stored event of the aggregate does not decode: corrupt storage or
    /// data from a newer version.
    #[error("the event at position {position} does not decode: {source}")]
    Undecodable {
        position: u64,
        source: domain::DecodeError,
    },
    #[error(transparent)]
    Log(#[from] eventlog::Error),
    /// The subject's key could not seal its personal data (the keys file
    /// failed); an erased subject is a rule, `personal.erased`.
    #[error("personal data could not be sealed: {0}")]
    Sealing(String),
    /// The log does not hold what it acknowledged a moment ago: a fault
    /// of storage or of this program, never of the request.
    #[error("{0}")]
    Inconsistent(String),
}

/// An event as it is stored: its type, schema version and payload.
type Stored = (&'static str, u16, Vec<u8>);

/// How one command is to be run.
#[derive(Clone, Debug)]
pub struct Execution {
    pub meta: AppendMeta,
    /// Derives the appended events' ids; `None`: fresh ids.
    pub command_id: Option<Uuid>,
    /// The stream version the client saw (`If-Match`); `None`: any.
    pub expected_version: Option<u64>,
}

impl Execution {
    pub fn new(meta: AppendMeta) -> Self {
        Self {
            meta,
            command_id: None,
            expected_version: None,
        }
    }

    pub fn with_command_id(mut self, command_id: Uuid) -> Self {
        self.command_id = Some(command_id);
        self
    }

    pub fn expecting(mut self, version: Option<u64>) -> Self {
        self.expected_version = version;
        self
    }
}

/// What a command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// Events appended (0 when the state already was what the command
    /// asked for, or when the command ran before).
    pub appended: usize,
    /// The stream's version afterwards (`None`: still no stream): the
    /// `ETag` a client sends back.
    pub version: Option<u64>,
    /// The position of the last appended event, or of the stored events of
    /// an earlier run.
    pub last_position: Option<u64>,
    /// The command had run before; nothing was done now.
    pub repeated: bool,
}

struct CachedState {
    /// The version of the next event to fold.
    next_version: u64,
    state: Box<dyn Any + Send>,
}

/// Where the first event of the command `command_id` is stored, if the
/// command ran: under its event id of today, or under the id the same
/// event had until 2026-11-27 ([`legacy_event_id`]), so a retry across
/// the upgrade still finds it.
pub fn command_position(log: &EventLog, command_id: Uuid) -> eventlog::Result<Option<u64>> {
    if let Some(position) = log.event_position(event_id(command_id, 0))? {
        return Ok(Some(position));
    }
    log.event_position(legacy_event_id(command_id, 0))
}

/// Runs commands against the log. Cheap to share behind an `Arc`.
pub struct CommandHandler {
    log: EventLog,
    /// Seals personal fields before they are appended (ADR 0018).
    keys: Arc<dyn SubjectKeys>,
    cache: Mutex<FxHashMap<StreamName, CachedState>>,
}

impl std::fmt::Debug for CommandHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandHandler").finish_non_exhaustive()
    }
}

impl CommandHandler {
    /// A handler appending to `log`, sealing personal fields with `keys`
    /// (the vault the log opens them with: [`crate::personal::open_log`]).
    pub fn new(log: EventLog, keys: Arc<dyn SubjectKeys>) -> Self {
        Self {
            log,
            keys,
            cache: Mutex::new(FxHashMap::default()),
        }
    }

    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The data subjects' keys it seals with.
    pub fn keys(&self) -> Arc<dyn SubjectKeys> {
        self.keys.clone()
    }

    /// The stream of aggregate `id` of decider `D`.
    pub fn stream<D>(id: impl std::fmt::Display) -> Result<StreamName, CommandError>
    where
        D: Decider,
        D::Event: DomainEvent,
    {
        Ok(StreamName::from_parts(D::Event::CATEGORY, id)?)
    }

    /// The current state of an aggregate and its stream version.
    pub fn load<D>(&self, stream: &StreamName) -> Result<(D::State, Option<u64>), CommandError>
    where
        D: Decider,
        D::Event: DomainEvent,
        D::State: Clone + Send + 'static,
    {
        let (state, next_version) = self.take_state::<D>(stream)?;
        let answer = state.clone();
        self.put_state::<D>(stream, state, next_version);
        Ok((answer, next_version.checked_sub(1)))
    }

    /// Decides `issued` against the aggregate in `stream` and appends the
    /// events.
    pub async fn execute<D, C>(
        &self,
        stream: &StreamName,
        issued: &Issued<C>,
        execution: &Execution,
    ) -> Result<Executed, CommandError>
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Send + 'static,
    {
        if let Some(command_id) = execution.command_id
            && let Some(position) = command_position(&self.log, command_id)?
        {
            return Ok(Executed {
                appended: 0,
                version: self.log.stream_version(stream)?,
                last_position: Some(position),
                repeated: true,
            });
        }
        for _attempt in 0..CONFLICT_RETRIES_MAX {
            let (state, next_version) = self.take_state::<D>(stream)?;
            let current = next_version.checked_sub(1);
            if let Some(expected) = execution.expected_version
                && current != Some(expected)
            {
                self.put_state::<D>(stream, state, next_version);
                return Err(CommandError::Conflict {
                    expected,
                    actual: current,
                });
            }
            let events = match D::decide(&state, issued) {
                Ok(events) => events,
                Err(error) => {
                    self.put_state::<D>(stream, state, next_version);
                    return Err(error.into());
                }
            };
            if events.is_empty() {
                self.put_state::<D>(stream, state, next_version);
                return Ok(Executed {
                    appended: 0,
                    version: current,
                    last_position: None,
                    repeated: false,
                });
            }
            let sealed = match self.seal_all(stream, &events) {
                Ok(sealed) => sealed,
                Err(error) => {
                    self.put_state::<D>(stream, state, next_version);
                    return Err(error);
                }
            };
            let new_events: Vec<NewEvent> = sealed
                .into_iter()
                .enumerate()
                .map(|(index, (event_type, schema_version, payload))| {
                    let id = match execution.command_id {
                        Some(command_id) => event_id(command_id, index),
                        None => Uuid::now_v7(),
                    };
                    let new =
                        NewEvent::new(id, event_type, payload).with_schema_version(schema_version);
                    match issued.occurred_at {
                        Some(occurred_at) => new.occurred_at(occurred_at),
                        None => new,
                    }
                })
                .collect();
            let expected = match current {
                Some(version) => ExpectedVersion::Exact(version),
                None => ExpectedVersion::NoStream,
            };
            let append_started = std::time::Instant::now();
            let appended = self
                .log
                .append(stream, expected, new_events, execution.meta.clone())
                .await;
            ::metrics::histogram!(
                APPEND_DURATION,
                "category" => <D::Event as DomainEvent>::CATEGORY,
            )
            .record(append_started.elapsed());
            match appended {
                Ok(outcome) => {
                    if outcome.already_stored {
                        // Another run of the same command got there first.
                        self.forget(stream);
                        return Ok(Executed {
                            appended: 0,
                            version: self.log.stream_version(stream)?,
                            last_position: Some(outcome.last_position),
                            repeated: true,
                        });
                    }
                    let appended = events.len();
                    let state = events.iter().fold(state, D::evolve);
                    self.put_state::<D>(stream, state, outcome.last_version + 1);
                    return Ok(Executed {
                        appended,
                        version: Some(outcome.last_version),
                        last_position: Some(outcome.last_position),
                        repeated: false,
                    });
                }
                Err(eventlog::Error::WrongExpectedVersion { .. }) => {
                    // Someone else appended first: decide again on the
                    // newer state, unless the client pinned a version.
                    self.forget(stream);
                    if let Some(expected) = execution.expected_version {
                        return Err(CommandError::Conflict {
                            expected,
                            actual: self.log.stream_version(stream)?,
                        });
                    }
                }
                Err(error) => {
                    self.forget(stream);
                    return Err(error.into());
                }
            }
        }
        Err(CommandError::Contended)
    }

    /// Each event as stored: personal
    /// fields sealed with the key of the stream's subject.
    fn seal_all<E: DomainEvent>(
        &self,
        stream: &StreamName,
        events: &[E],
    ) -> Result<Vec<Stored>, CommandError> {
        let subject = if E::PERSONAL {
            Uuid::parse_str(stream.id()).map_err(|_| {
                CommandError::Inconsistent(format!(
                    "{stream} holds personal data but is not named by an id"
                ))
            })?
        } else {
            Uuid::nil()
        };
        events
            .iter()
            .map(|event| {
                let (version, payload) = domain::personal::seal(event, subject, self.keys.as_ref())
                    .map_err(|error| match error {
                        KeyError::Erased(_) => CommandError::Domain(DomainError::rejected(
                            "personal.erased",
                            "this record's personal data was erased; nothing personal can be recorded about it",
                        )),
                        KeyError::Failed(reason) => CommandError::Sealing(reason),
                    })?;
                Ok((event.event_type(), version, payload))
            })
            .collect()
    }

    /// Takes the aggregate's state out of the cache (or starts one) and
    /// folds the events stored since.
    fn take_state<D>(&self, stream: &StreamName) -> Result<(D::State, u64), CommandError>
    where
        D: Decider,
        D::Event: DomainEvent,
        D::State: Send + 'static,
    {
        let cached = self.lock().remove(stream);
        let (mut state, mut next_version) = match cached.and_then(|cached| {
            Some((
                cached.state.downcast::<D::State>().ok()?,
                cached.next_version,
            ))
        }) {
            Some((state, next_version)) => (*state, next_version),
            None => (D::State::default(), 0),
        };
        loop {
            let page = self
                .log
                .read_stream(stream, next_version, FOLD_PAGE_EVENTS)?;
            for record in &page {
                let event =
                    D::Event::decode(&record.event_type, record.schema_version, &record.payload)
                        .map_err(|source| CommandError::Undecodable {
                            position: record.position,
                            source,
                        })?;
                state = D::evolve(state, &event);
                next_version = record.version + 1;
            }
            if page.len() < FOLD_PAGE_EVENTS {
                return Ok((state, next_version));
            }
        }
    }

    fn put_state<D>(&self, stream: &StreamName, state: D::State, next_version: u64)
    where
        D: Decider,
        D::State: Send + 'static,
    {
        let mut cache = self.lock();
        if cache.len() >= STATE_CACHE_ENTRIES_MAX {
            cache.clear();
        }
        cache.insert(
            stream.clone(),
            CachedState {
                next_version,
                state: Box::new(state),
            },
        );
    }

    fn forget(&self, stream: &StreamName) {
        self.lock().remove(stream);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<StreamName, CachedState>> {
        // A panic while the lock is held can only leave a half-updated map
        // of cached states, every one of which is re-validated against the
        // log on use; carrying on with it is safe.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::ids::UserId;
    use domain::planning::{Assignee, CreateTask, Priority, Task, TaskCommand};
    use domain::values::{Label, Text};
    use eventlog::{Actor, Options};

    use super::*;

    fn create_task() -> Issued<TaskCommand> {
        let user = UserId::from_uuid(Uuid::from_u128(1));
        Issued::new(
            user,
            Utc::now(),
            TaskCommand::Create(CreateTask {
                title: Label::parse("title", "Call back").unwrap(),
                description: Text::parse("description", "").unwrap(),
                assignee: Assignee::User(user),
                due: None,
                remind_at: None,
                priority: Priority::Normal,
                link: None,
            }),
        )
    }

    fn execution(command_id: Uuid) -> Execution {
        Execution::new(AppendMeta::new(Actor::system("test"), command_id))
            .with_command_id(command_id)
    }

    /// Protects retries across the change of event ids: a command stored
    /// by an earlier binary, under its legacy event ids, is answered as a
    /// repeat and appends nothing; a new command's events carry today's
    /// time-prefixed ids.
    #[tokio::test]
    async fn a_command_stored_under_its_legacy_event_ids_is_a_repeat() {
        let directory = tempfile::tempdir().unwrap();
        let log = EventLog::open(directory.path(), Options::default()).unwrap();
        let handler = CommandHandler::new(log.clone(), Arc::new(domain::personal::NoKeys));

        let earlier = Uuid::now_v7();
        let stream = CommandHandler::stream::<Task>(Uuid::now_v7()).unwrap();
        let stored = NewEvent::new(
            legacy_event_id(earlier, 0),
            "TaskCreated",
            b"as an earlier binary stored it".to_vec(),
        );
        log.append(
            &stream,
            ExpectedVersion::NoStream,
            vec![stored],
            AppendMeta::new(Actor::system("earlier"), earlier),
        )
        .await
        .unwrap();
        let retried = handler
            .execute::<Task, _>(&stream, &create_task(), &execution(earlier))
            .await
            .unwrap();
        assert!(retried.repeated);
        assert_eq!((retried.appended, retried.last_position), (0, Some(1)));
        assert_eq!(log.head().position, 1);

        let now = Uuid::now_v7();
        let other = CommandHandler::stream::<Task>(Uuid::now_v7()).unwrap();
        let ran = handler
            .execute::<Task, _>(&other, &create_task(), &execution(now))
            .await
            .unwrap();
        assert!(!ran.repeated);
        assert_eq!(ran.appended, 1);
        let events = log.read_stream(&other, 0, 10).unwrap();
        assert_eq!(events[0].event_id, event_id(now, 0));
        assert_eq!(command_position(&log, now).unwrap(), Some(2));
        let again = handler
            .execute::<Task, _>(&other, &create_task(), &execution(now))
            .await
            .unwrap();
        assert!(again.repeated);
        assert_eq!(log.head().position, 2);
    }
}
