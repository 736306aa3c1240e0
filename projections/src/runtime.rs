//! Running read models: replay, live following with snapshots, rebuild and
//! "as known at" queries.
//!
//! Every way of filling a model goes through one fold ([`fold_records`]),
//! so a model fed live, rebuilt from scratch and restored from a snapshot
//! plus the tail see exactly the same events in the same order.

use std::collections::BTreeSet;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::CrmEvent;
use eventlog::{EventLog, ReadFilter, RecordedEvent};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::envelope::{StreamIds, decode, envelope};
use crate::error::{ProjectionError, Result};
use crate::model::ReadModel;
use crate::snapshot::{SnapshotInfo, SnapshotStore};

/// Events read from the log per step.
pub const PAGE_EVENTS: usize = 4_096;
/// A fold longer than this defers the model's indexes and builds them
/// once at the end.
const DEFERRED_FOLD_EVENTS_MIN: u64 = 50_000;
/// Pages a replay's reader thread may run ahead of the fold.
const PAGES_AHEAD_MAX: usize = 4;

/// How a live projection snapshots.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeOptions {
    /// Events folded between two snapshots (also during catch-up and
    /// rebuild, which leaves snapshots along history for as-of queries).
    pub snapshot_every_events: u64,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            snapshot_every_events: 500_000,
        }
    }
}

/// Folds `records` into `model`, skipping categories the model does not
/// read. Stops at the first record that does not decode.
pub fn fold_records<M: ReadModel>(model: &mut M, records: &[RecordedEvent]) -> Result<()> {
    for record in records {
        if !M::CATEGORIES.contains(&record.stream.category()) {
            continue;
        }
        if let Some((aggregate, event)) = decode(record)? {
            model.apply(&envelope(record, aggregate, &event));
        }
    }
    Ok(())
}

/// Where a fold stands: the last position applied and its record time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: u64,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// A page of a replay, read and decoded ahead of the fold: the records of
/// the model's categories with their events, and where the page ends.
struct DecodedPage {
    records: Vec<(RecordedEvent, StreamIds, CrmEvent)>,
    end: Checkpoint,
}

/// Folds the log's events after `from.position` up to `until` into
/// `model`. A second thread reads and decodes pages ahead (only the
/// model's categories) while this one folds. `on_step` sees the model and
/// its checkpoint at the end of every page; pages end at every multiple of
/// `step_events` (for progress bars and snapshots at round positions).
pub fn replay<M: ReadModel>(
    log: &EventLog,
    model: &mut M,
    from: Checkpoint,
    until: u64,
    step_events: u64,
    mut on_step: impl FnMut(&M, Checkpoint) -> Result<()>,
) -> Result<Checkpoint> {
    let step_events = step_events.max(1);
    if from.position >= until {
        return Ok(from);
    }
    std::thread::scope(|scope| {
        // Three stages on their own threads, so reading, decoding and
        // folding share the cores: the log's pages, then their events.
        // What a stage allocated goes back to it to be freed: memory freed
        // on another thread is returned to the allocator late, and a replay
        // would then keep asking the kernel for fresh, zeroed pages.
        let (raw_sender, raw_receiver) = sync_channel::<Result<RawPage>>(PAGES_AHEAD_MAX);
        let (sender, receiver) = sync_channel::<Result<DecodedPage>>(PAGES_AHEAD_MAX);
        let (used_sender, used_receiver) = channel::<DecodedPage>();
        let (records_sender, records_receiver) = channel::<Vec<RecordedEvent>>();
        scope.spawn(move || {
            let mut next = from.position + 1;
            while next <= until {
                records_receiver.try_iter().for_each(drop);
                let page = read_page(log, next, until, step_events, M::CATEGORIES);
                let stop = match &page {
                    Ok(page) => page.end.position < next,
                    Err(_) => true,
                };
                if let Ok(page) = &page {
                    next = page.end.position + 1;
                }
                if raw_sender.send(page).is_err() || stop {
                    break;
                }
            }
            drop(raw_sender);
            records_receiver.iter().for_each(drop);
        });
        scope.spawn(move || {
            let recycle = |page: DecodedPage| {
                let records = page
                    .records
                    .into_iter()
                    .map(|(record, _, _)| record)
                    .collect();
                let _ = records_sender.send(records);
            };
            for page in raw_receiver {
                used_receiver.try_iter().for_each(recycle);
                let decoded = page.and_then(decode_page::<M>);
                let (decoded, failed) = match decoded {
                    Ok((decoded, unused)) => {
                        let _ = records_sender.send(unused);
                        (Ok(decoded), false)
                    }
                    Err(error) => (Err(error), true),
                };
                if sender.send(decoded).is_err() || failed {
                    break;
                }
            }
            drop(sender);
            used_receiver.iter().for_each(recycle);
        });
        let mut checkpoint = from;
        for page in receiver {
            let page = page?;
            if page.end.position <= checkpoint.position {
                break;
            }
            for (record, aggregate, event) in &page.records {
                model.apply(&envelope(record, *aggregate, event));
            }
            checkpoint = page.end;
            let _ = used_sender.send(page);
            on_step(model, checkpoint)?;
        }
        drop(used_sender);
        if checkpoint.position < until {
            return Err(ProjectionError::Log(eventlog::Error::Corrupt {
                position: checkpoint.position + 1,
                reason: format!("the log ended before position {until}"),
            }));
        }
        Ok(checkpoint)
    })
}

/// A page of the log as read, and where it ends.
struct RawPage {
    records: Vec<RecordedEvent>,
    end: Checkpoint,
}

/// Reads one page from `next`, ending at `until` or at the next multiple
/// of `step_events`. An empty log tail gives a page ending before `next`.
fn read_page(
    log: &EventLog,
    next: u64,
    until: u64,
    step_events: u64,
    categories: &'static [&'static str],
) -> Result<RawPage> {
    let to_step = step_events - (next - 1) % step_events;
    let wanted = (until - next + 1).min(to_step).min(PAGE_EVENTS as u64);
    // Only the model's categories are opened: it skips the rest.
    let page = log.read_all_opening(
        next,
        usize::try_from(wanted).unwrap_or(PAGE_EVENTS),
        &ReadFilter::all(),
        Some(categories),
    )?;
    let mut records = page.events;
    records.retain(|record| record.position <= until);
    let end = records.last().map_or(
        Checkpoint {
            position: next - 1,
            recorded_at: None,
        },
        |last| Checkpoint {
            position: last.position,
            recorded_at: Some(last.recorded_at),
        },
    );
    Ok(RawPage { records, end })
}

/// Decodes the records of a page that `M` reads; returns the others
/// apart, to be freed where they were read.
fn decode_page<M: ReadModel>(page: RawPage) -> Result<(DecodedPage, Vec<RecordedEvent>)> {
    let mut records = Vec::with_capacity(page.records.len());
    let mut unused = Vec::new();
    for record in page.records {
        if !M::CATEGORIES.contains(&record.stream.category()) {
            unused.push(record);
            continue;
        }
        match decode(&record)? {
            Some((aggregate, event)) => records.push((record, aggregate, event)),
            None => unused.push(record),
        }
    }
    Ok((
        DecodedPage {
            records,
            end: page.end,
        },
        unused,
    ))
}

/// `M` folded from the whole log up to `until`, as a rebuild folds it
/// (indexes deferred and built once), without writing snapshots.
pub fn fold_all<M: ReadModel>(log: &EventLog, until: u64) -> Result<(M, Checkpoint)> {
    let mut model = M::default();
    model.defer_indexes();
    let checkpoint = replay(
        log,
        &mut model,
        Checkpoint::default(),
        until,
        u64::MAX,
        |_, _| Ok(()),
    );
    model.restored();
    Ok((model, checkpoint?))
}

/// What a rebuild did.
#[derive(Clone, Debug)]
pub struct RebuildReport {
    pub checkpoint: Checkpoint,
    pub snapshots_written: usize,
    pub elapsed: Duration,
}

/// Rebuilds `M` from the whole log: drops its snapshots, folds every event
/// and writes snapshots along the way and at the end. `progress` sees the
/// position reached.
pub fn rebuild<M: ReadModel>(
    log: &EventLog,
    store: &SnapshotStore,
    options: RuntimeOptions,
    progress: impl FnMut(u64),
) -> Result<(M, RebuildReport)> {
    let started = Instant::now();
    store.remove_all(M::NAME)?;
    let head = log.head().position;
    let mut model = M::default();
    let (checkpoint, snapshots_written) = fold_history(
        log,
        store,
        options,
        &mut model,
        Checkpoint::default(),
        head,
        progress,
    )?;
    Ok((
        model,
        RebuildReport {
            checkpoint,
            snapshots_written,
            elapsed: started.elapsed(),
        },
    ))
}

/// Folds a long stretch of history into `model` with its indexes
/// deferred, snapshotting at every multiple of the snapshot interval and
/// at the end; returns the checkpoint and the snapshots written.
fn fold_history<M: ReadModel>(
    log: &EventLog,
    store: &SnapshotStore,
    options: RuntimeOptions,
    model: &mut M,
    from: Checkpoint,
    until: u64,
    mut progress: impl FnMut(u64),
) -> Result<(Checkpoint, usize)> {
    model.defer_indexes();
    let mut snapshots_written = 0;
    let mut last_snapshot = from.position;
    let every = options.snapshot_every_events.max(1);
    // Only the snapshots pruning would keep are written: spread evenly over
    // the stretch, on snapshot positions, plus the end. A first start of a
    // large model then writes a few snapshots, not one per interval.
    let kept = u64::try_from(M::SNAPSHOTS_KEPT.max(1)).unwrap_or(1);
    let span = until.saturating_sub(from.position);
    let targets: BTreeSet<u64> = (1..kept)
        .map(|part| {
            let position = from.position + span / kept * part + span % kept * part / kept;
            position - position % every
        })
        .filter(|position| *position > from.position)
        .collect();
    let checkpoint = replay(log, model, from, until, every, |model, checkpoint| {
        progress(checkpoint.position);
        if targets.contains(&checkpoint.position) {
            store.save(model, checkpoint.position, checkpoint.recorded_at)?;
            snapshots_written += 1;
            last_snapshot = checkpoint.position;
        }
        Ok(())
    });
    // Indexes come back even if the fold stopped half way, so the model
    // stays consistent with its rows.
    model.restored();
    let checkpoint = checkpoint?;
    if checkpoint.position > last_snapshot || snapshots_written == 0 {
        store.save(model, checkpoint.position, checkpoint.recorded_at)?;
        snapshots_written += 1;
    }
    store.prune::<M>()?;
    Ok((checkpoint, snapshots_written))
}

/// A model as the log stood at a past moment.
#[derive(Debug)]
pub struct KnownAt<M> {
    pub model: M,
    /// The last position recorded at or before the moment.
    pub position: u64,
    /// Where the replay started: the snapshot used, or 0.
    pub snapshot_checkpoint: u64,
}

/// The model as it was known at `known_at`: only events recorded up to
/// then, from the nearest snapshot at or before that point plus a replay
/// of the remainder.
pub fn as_known_at<M: ReadModel>(
    log: &EventLog,
    store: &SnapshotStore,
    known_at: DateTime<Utc>,
) -> Result<KnownAt<M>> {
    let position = log.position_at(known_at)?;
    let (from, mut model) = match store.latest::<M>(position)? {
        Some((info, model)) => (
            Checkpoint {
                position: info.checkpoint,
                recorded_at: None,
            },
            model,
        ),
        None => (Checkpoint::default(), M::default()),
    };
    // A long tail is folded with deferred indexes, then indexed once.
    let defer = position - from.position > DEFERRED_FOLD_EVENTS_MIN;
    if defer {
        model.defer_indexes();
    }
    replay(log, &mut model, from, position, u64::MAX, |_, _| Ok(()))?;
    if defer {
        model.restored();
    }
    Ok(KnownAt {
        model,
        position,
        snapshot_checkpoint: from.position,
    })
}

/// A read model kept up to date with the log by its own task.
#[derive(Debug)]
pub struct Projection<M: ReadModel> {
    shared: Arc<Shared<M>>,
    checkpoints: watch::Receiver<u64>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct Shared<M> {
    state: RwLock<Live<M>>,
    failure: Mutex<Option<String>>,
    store: SnapshotStore,
    options: RuntimeOptions,
}

#[derive(Debug)]
struct Live<M> {
    model: M,
    checkpoint: Checkpoint,
    since_snapshot: u64,
}

/// A projection's health, for `/readyz` and the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectionStatus {
    pub name: &'static str,
    pub version: u32,
    pub checkpoint: u64,
    pub failure: Option<String>,
}

impl<M: ReadModel> Projection<M> {
    /// Restores the newest snapshot of the current version (or starts
    /// empty) and follows the log from there in a task of its own.
    pub async fn start(
        log: EventLog,
        store: SnapshotStore,
        options: RuntimeOptions,
    ) -> Result<Self> {
        let restore_store = store.clone();
        let head = log.head().position;
        let catch_up_log = log.clone();
        let restored = tokio::task::spawn_blocking(move || -> Result<(M, Checkpoint)> {
            restore_store.prune::<M>()?;
            let (mut model, mut checkpoint) = match restore_store.latest::<M>(head)? {
                Some((info, model)) => (model, checkpoint_of(&info)),
                None => (M::default(), Checkpoint::default()),
            };
            // A long way behind (a first start, a new version): fold the
            // history in one pass before following the log page by page.
            if head - checkpoint.position > DEFERRED_FOLD_EVENTS_MIN {
                tracing::info!(
                    projection = M::NAME,
                    from = checkpoint.position,
                    head,
                    "catching up"
                );
                (checkpoint, _) = fold_history(
                    &catch_up_log,
                    &restore_store,
                    options,
                    &mut model,
                    checkpoint,
                    head,
                    |_| {},
                )?;
            }
            Ok((model, checkpoint))
        })
        .await
        .map_err(|error| ProjectionError::Stopped {
            name: M::NAME,
            reason: error.to_string(),
        })??;
        let (model, checkpoint) = restored;
        tracing::info!(
            projection = M::NAME,
            checkpoint = checkpoint.position,
            head,
            "projection restored; replaying the tail"
        );
        let shared = Arc::new(Shared {
            state: RwLock::new(Live {
                model,
                checkpoint,
                since_snapshot: 0,
            }),
            failure: Mutex::new(None),
            store,
            options,
        });
        let (checkpoint_sender, checkpoints) = watch::channel(checkpoint.position);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(follow(log, shared.clone(), checkpoint_sender, stopped));
        Ok(Self {
            shared,
            checkpoints,
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Runs `query` against the current model.
    pub fn read<R>(&self, query: impl FnOnce(&M) -> R) -> R {
        let live = self
            .shared
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        query(&live.model)
    }

    /// The last position folded.
    pub fn checkpoint(&self) -> u64 {
        *self.checkpoints.borrow()
    }

    pub fn status(&self) -> ProjectionStatus {
        ProjectionStatus {
            name: M::NAME,
            version: M::VERSION,
            checkpoint: self.checkpoint(),
            failure: self
                .shared
                .failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }

    /// Waits until the model has folded `position` (read-your-writes after
    /// an append), or fails if the projection stopped.
    pub async fn wait_for(&self, position: u64) -> Result<()> {
        let mut checkpoints = self.checkpoints.clone();
        loop {
            if *checkpoints.borrow_and_update() >= position {
                return Ok(());
            }
            if let Some(reason) = self.status().failure {
                return Err(ProjectionError::Stopped {
                    name: M::NAME,
                    reason,
                });
            }
            if checkpoints.changed().await.is_err() {
                let reason = self
                    .status()
                    .failure
                    .unwrap_or_else(|| "the projection task ended".to_owned());
                return Err(ProjectionError::Stopped {
                    name: M::NAME,
                    reason,
                });
            }
        }
    }

    /// Once the model has read the log up to `position`, writes a snapshot
    /// of it and deletes every older one: after an erasure, no snapshot on
    /// disk holds the erased texts (ADR 0018). "As known at" queries
    /// before it fold from the log instead.
    pub async fn replace_snapshots_after(&self, position: u64) -> Result<()> {
        self.wait_for(position).await?;
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let saved = {
                let live = shared
                    .state
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                shared.store.save(
                    &live.model,
                    live.checkpoint.position,
                    live.checkpoint.recorded_at,
                )?
            };
            for older in shared.store.list(M::NAME)? {
                if older.path != saved.path {
                    shared.store.remove(&older)?;
                }
            }
            Ok(())
        })
        .await
        .map_err(|error| ProjectionError::Stopped {
            name: M::NAME,
            reason: error.to_string(),
        })?
    }

    /// Stops following and writes a final snapshot of what was folded.
    pub async fn shutdown(&self) -> Result<()> {
        let _ = self.stop.send(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || snapshot_if_changed(&shared))
            .await
            .map_err(|error| ProjectionError::Stopped {
                name: M::NAME,
                reason: error.to_string(),
            })?
    }
}

fn checkpoint_of(info: &SnapshotInfo) -> Checkpoint {
    Checkpoint {
        position: info.checkpoint,
        recorded_at: DateTime::from_timestamp(info.recorded_at_seconds, 0),
    }
}

async fn follow<M: ReadModel>(
    log: EventLog,
    shared: Arc<Shared<M>>,
    checkpoints: watch::Sender<u64>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut heads = log.watch_head();
    loop {
        if *stopped.borrow() {
            return;
        }
        let head = heads.borrow_and_update().position;
        let checkpoint = *checkpoints.borrow();
        if checkpoint < head {
            let step_log = log.clone();
            let step_shared = shared.clone();
            let outcome =
                tokio::task::spawn_blocking(move || step(&step_log, &step_shared, head)).await;
            match outcome {
                Ok(Ok(position)) => {
                    checkpoints.send_replace(position);
                }
                Ok(Err(error)) => {
                    // What was applied before the bad record stays applied.
                    checkpoints.send_replace(shared.checkpoint_position());
                    return fail(&shared, M::NAME, error.to_string());
                }
                Err(error) => return fail(&shared, M::NAME, error.to_string()),
            }
            continue;
        }
        tokio::select! {
            changed = heads.changed() => if changed.is_err() { return },
            _ = stopped.changed() => return,
        }
    }
}

impl<M> Shared<M> {
    fn checkpoint_position(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .checkpoint
            .position
    }
}

fn fail<M>(shared: &Shared<M>, name: &'static str, reason: String) {
    tracing::error!(projection = name, %reason, "projection stopped");
    *shared
        .failure
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(reason);
}

/// Folds one page (at most [`PAGE_EVENTS`]) up to `head`, snapshotting
/// when due; returns the new checkpoint position.
fn step<M: ReadModel>(log: &EventLog, shared: &Shared<M>, head: u64) -> Result<u64> {
    let from = shared.checkpoint_position();
    let page = log.read_all_opening(
        from + 1,
        PAGE_EVENTS,
        &ReadFilter::all(),
        Some(M::CATEGORIES),
    )?;
    let events: Vec<RecordedEvent> = page
        .events
        .into_iter()
        .filter(|event| event.position <= head)
        .collect();
    let due = {
        let mut live = shared
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // One record at a time, moving the checkpoint with each: if a
        // record does not decode, the model and its checkpoint still agree,
        // so a later snapshot or retry never applies an event twice.
        let mut outcome = Ok(());
        for record in &events {
            if let Err(error) = fold_records(&mut live.model, std::slice::from_ref(record)) {
                outcome = Err(error);
                break;
            }
            live.checkpoint = Checkpoint {
                position: record.position,
                recorded_at: Some(record.recorded_at),
            };
            live.since_snapshot += 1;
        }
        outcome?;
        live.since_snapshot >= shared.options.snapshot_every_events
    };
    if due {
        snapshot_if_changed(shared)?;
    }
    Ok(shared.checkpoint_position())
}

fn snapshot_if_changed<M: ReadModel>(shared: &Shared<M>) -> Result<()> {
    let failed = shared
        .failure
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_some();
    if failed {
        // An `apply` that panicked may have left one event half applied:
        // such a model must not become a snapshot.
        return Ok(());
    }
    let saved = {
        let live = shared
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if live.since_snapshot == 0 {
            return Ok(());
        }
        shared.store.save(
            &live.model,
            live.checkpoint.position,
            live.checkpoint.recorded_at,
        )?;
        live.checkpoint.position
    };
    {
        let mut live = shared
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if live.checkpoint.position == saved {
            live.since_snapshot = 0;
        }
    }
    shared.store.prune::<M>()
}
