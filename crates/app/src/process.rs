//! The process managers at work: follow the log, and for each event that
//! causes something elsewhere (the rules of [`domain::process`]) run the
//! commands, each under its derived id.
//!
//! The checkpoint (the last position handled) is saved to a file now and
//! then, not after every event: after a crash the events since the last
//! saved checkpoint are handled again, and because every command's event
//! ids derive from the causing event, a second run finds its events stored
//! and does nothing. Correctness never depends on the checkpoint; only the
//! work of a restart does.
//!
//! A command a rule cannot carry out (a deal already lost, stock short for
//! a shipment in a warehouse that forbids negative stock) is logged and
//! kept in a short list of failures for the operator; the process goes on.
//! A failing log stops the process: it would fail for every event.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::catalog::Product;
use domain::finance::{Account, AccountCommand, DocumentKind, Series};
use domain::ids::UserId;
use domain::inventory::{Stock, Warehouse};
use domain::pipeline::{Deal, DealStatus};
use domain::process::{Caused, Reaction, reactions};
use domain::production::ProductionOrder;
use domain::purchasing::PurchaseOrder;
use domain::sales::Order;
use domain::values::Label;
use domain::{Decider, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog, ReadFilter, RecordedEvent, StreamName};
use projections::envelope::decode;
use uuid::Uuid;

use crate::commands::{CommandError, CommandHandler, Execution};
use crate::currency;

/// The user id commands of the system itself run under.
pub const SYSTEM_USER: UserId = UserId::from_uuid(Uuid::nil());
/// Failures kept for the operator.
const FAILURES_KEPT_MAX: usize = 100;
/// Events read per page while catching up.
const PAGE_EVENTS: usize = 1_000;
/// How often the checkpoint is saved while events flow.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The categories whose events cause something.
const CAUSING_CATEGORIES: [&str; 6] = [
    "order",
    "account",
    "purchase",
    "payable",
    "production",
    "quote",
];
/// The one stock event that causes something (a production order's
/// component consumed): every other stock event is passed by unread.
const CAUSING_STOCK_EVENT: &str = "StockConsumed";

/// Whether a stored event may cause anything: decided from its category
/// and type alone, so the many events that cause nothing are not decoded.
fn may_cause(record: &RecordedEvent) -> bool {
    let category = record.stream.category();
    CAUSING_CATEGORIES.contains(&category)
        || (category == "stock" && record.event_type == CAUSING_STOCK_EVENT)
}

/// Settings of the processes.
#[derive(Clone, Debug)]
pub struct ProcessSettings {
    /// Printed first in invoice numbers, then the branch's code (if it has
    /// one) and the year: `INV-MSK-2026-000042`.
    pub invoice_prefix: Label,
    pub credit_note_prefix: Label,
    pub order_prefix: Label,
    pub purchase_order_prefix: Label,
    /// `MO-`: a manufacturing order.
    pub production_order_prefix: Label,
    pub quote_prefix: Label,
}

impl Default for ProcessSettings {
    fn default() -> Self {
        Self {
            invoice_prefix: fixed_label("INV-"),
            credit_note_prefix: fixed_label("CN-"),
            order_prefix: fixed_label("SO-"),
            purchase_order_prefix: fixed_label("PO-"),
            production_order_prefix: fixed_label("MO-"),
            quote_prefix: fixed_label("QT-"),
        }
    }
}

/// `prefix` followed by the code of `branch` and a hyphen, when the
/// branch has been given a code (`SO-` becomes `SO-MSK-`): two branches'
/// series then never print the same number. Read when the number is
/// given, which records it; a later change of code does not renumber.
fn with_branch_code(
    handler: &CommandHandler,
    prefix: &Label,
    branch: Option<domain::ids::BranchId>,
) -> Result<Label, CommandError> {
    let Some(branch) = branch else {
        return Ok(prefix.clone());
    };
    let stream = CommandHandler::stream::<domain::branch::Branch>(branch)?;
    match handler.load::<domain::branch::Branch>(&stream)?.0 {
        Some(named) => Ok(Label::parse(
            "prefix",
            &format!("{}{}-", prefix.as_str(), named.code),
        )?),
        None => Ok(prefix.clone()),
    }
}

fn fixed_label(text: &str) -> Label {
    // The defaults are short, one-line, non-blank literals, which `Label`
    // always accepts.
    Label::parse("prefix", text).expect("a valid fixed label")
}

/// A command a rule could not carry out.
#[derive(Clone, Debug)]
pub struct ProcessFailure {
    pub position: u64,
    pub reaction: String,
    pub error: String,
}

/// Why the process stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Log(#[from] eventlog::Error),
    #[error("the event at position {position} does not decode: {message}")]
    Undecodable { position: u64, message: String },
    #[error("failed to save the process checkpoint in {path}: {source}")]
    Checkpoint {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The order, stock and invoicing processes, as one follower of the log.
#[derive(Debug)]
pub struct ProcessManager {
    handler: Arc<CommandHandler>,
    settings: ProcessSettings,
    checkpoint_path: Option<PathBuf>,
    checkpoint: Mutex<u64>,
    failures: Mutex<VecDeque<ProcessFailure>>,
    stop: tokio::sync::Notify,
}

impl ProcessManager {
    /// A process manager whose checkpoint lives in `checkpoint_path`
    /// (`None`: in memory only, starting from the beginning).
    pub fn open(
        handler: Arc<CommandHandler>,
        settings: ProcessSettings,
        checkpoint_path: Option<&Path>,
    ) -> Result<Self, ProcessError> {
        let checkpoint = match checkpoint_path {
            Some(path) => read_checkpoint(path)?,
            None => 0,
        };
        Ok(Self {
            handler,
            settings,
            checkpoint_path: checkpoint_path.map(Path::to_path_buf),
            checkpoint: Mutex::new(checkpoint),
            failures: Mutex::new(VecDeque::new()),
            stop: tokio::sync::Notify::new(),
        })
    }

    /// The last position handled.
    pub fn checkpoint(&self) -> u64 {
        *lock(&self.checkpoint)
    }

    /// The most recent commands that could not be carried out.
    pub fn failures(&self) -> Vec<ProcessFailure> {
        lock(&self.failures).iter().cloned().collect()
    }

    /// Handles every event up to the log's head, including the events its
    /// own commands append, then saves the checkpoint. Returns the
    /// position reached.
    pub async fn catch_up(&self) -> Result<u64, ProcessError> {
        let log = self.handler.log().clone();
        loop {
            let head = log.head().position;
            if self.checkpoint() >= head {
                break;
            }
            let mut next = self.checkpoint() + 1;
            while next <= head {
                let page = log.read_all(next, PAGE_EVENTS, &ReadFilter::all())?;
                for record in page.events.iter().filter(|r| r.position <= head) {
                    self.handle(record).await?;
                    *lock(&self.checkpoint) = record.position;
                }
                if page.events.is_empty() {
                    break;
                }
                next = page.next_position;
            }
            *lock(&self.checkpoint) = head;
        }
        self.save_checkpoint()?;
        Ok(self.checkpoint())
    }

    /// Asks [`Self::follow`] to save its checkpoint and return.
    pub fn stop(&self) {
        // A permit is stored if the follower is busy, so it is not missed.
        self.stop.notify_one();
    }

    /// Follows the log from the checkpoint until the log closes or
    /// [`Self::stop`] is called.
    pub async fn follow(self: Arc<Self>) -> Result<(), ProcessError> {
        let log: EventLog = self.handler.log().clone();
        let mut subscription = log.subscribe(self.checkpoint());
        let mut saved_at = Instant::now();
        loop {
            let next = tokio::select! {
                () = self.stop.notified() => {
                    self.save_checkpoint()?;
                    return Ok(());
                }
                next = tokio::time::timeout(CHECKPOINT_EVERY, subscription.next()) => next,
            };
            let record = match next {
                Ok(Ok(record)) => record,
                Ok(Err(eventlog::Error::Closed)) => {
                    self.save_checkpoint()?;
                    return Ok(());
                }
                Ok(Err(error)) => return Err(error.into()),
                Err(_quiet) => {
                    self.save_checkpoint()?;
                    saved_at = Instant::now();
                    continue;
                }
            };
            self.handle(&record).await?;
            *lock(&self.checkpoint) = record.position;
            if saved_at.elapsed() >= CHECKPOINT_EVERY {
                self.save_checkpoint()?;
                saved_at = Instant::now();
            }
        }
    }

    /// Runs the commands one stored event causes.
    pub async fn handle(&self, record: &RecordedEvent) -> Result<(), ProcessError> {
        if !may_cause(record) {
            return Ok(());
        }
        let Some((ids, event)) = decode(record).map_err(|error| ProcessError::Undecodable {
            position: record.position,
            message: error.to_string(),
        })?
        else {
            return Ok(());
        };
        for caused in reactions(record.event_id, ids.first, record.occurred_at, &event) {
            match self.run(record, &caused).await {
                Ok(()) => {}
                Err(CommandError::Log(error)) => return Err(error.into()),
                Err(error) => self.record_failure(record, &caused, &error),
            }
        }
        Ok(())
    }

    async fn run(&self, cause: &RecordedEvent, caused: &Caused) -> Result<(), CommandError> {
        let execution = Execution::new(AppendMeta::caused_by(
            Actor::system("process-manager"),
            cause,
        ))
        .with_command_id(caused.command_id);
        let handler = &self.handler;
        match &caused.reaction {
            Reaction::Stock {
                product,
                warehouse,
                command,
            } => {
                let command = command
                    .clone()
                    .allowing_negative(self.negative_allowed(*product, *warehouse)?);
                handler
                    .execute::<Stock, _>(
                        &stock_stream(*product, *warehouse)?,
                        &issued(cause, command),
                        &execution,
                    )
                    .await?;
            }
            Reaction::Deal { deal, command } => {
                let stream = CommandHandler::stream::<Deal>(deal)?;
                let (state, _) = handler.load::<Deal>(&stream)?;
                // A deal won or lost by hand already stays as it is.
                if state.is_some_and(|deal| deal.status == DealStatus::Open) {
                    handler
                        .execute::<Deal, _>(&stream, &issued(cause, command.clone()), &execution)
                        .await?;
                }
            }
            Reaction::Account { party, command } => {
                let command = invoice_valued(handler, command.clone(), cause.occurred_at)?;
                handler
                    .execute::<Account, _>(
                        &CommandHandler::stream::<Account>(party)?,
                        &issued(cause, command),
                        &execution,
                    )
                    .await?;
            }
            Reaction::Order { order, command } => {
                handler
                    .execute::<Order, _>(
                        &CommandHandler::stream::<Order>(order)?,
                        &issued(cause, command.clone()),
                        &execution,
                    )
                    .await?;
            }
            Reaction::Purchase { order, command } => {
                handler
                    .execute::<PurchaseOrder, _>(
                        &CommandHandler::stream::<PurchaseOrder>(order)?,
                        &issued(cause, command.clone()),
                        &execution,
                    )
                    .await?;
            }
            Reaction::Production { order, command } => {
                handler
                    .execute::<ProductionOrder, _>(
                        &CommandHandler::stream::<ProductionOrder>(order)?,
                        &issued(cause, command.clone()),
                        &execution,
                    )
                    .await?;
            }
            reaction @ Reaction::Number {
                series,
                kind,
                branch,
                ..
            } => {
                let prefix = match kind {
                    DocumentKind::Invoice => &self.settings.invoice_prefix,
                    DocumentKind::CreditNote => &self.settings.credit_note_prefix,
                    DocumentKind::Order => &self.settings.order_prefix,
                    DocumentKind::PurchaseOrder => &self.settings.purchase_order_prefix,
                    DocumentKind::ProductionOrder => &self.settings.production_order_prefix,
                    DocumentKind::Quote => &self.settings.quote_prefix,
                };
                let prefix = with_branch_code(handler, prefix, *branch)?;
                if let Some(command) = reaction.number_command(prefix) {
                    handler
                        .execute::<Series, _>(
                            &CommandHandler::stream::<Series>(series)?,
                            &issued(cause, command),
                            &execution,
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    fn negative_allowed(
        &self,
        product: domain::ids::ProductId,
        warehouse: domain::ids::WarehouseId,
    ) -> Result<bool, CommandError> {
        negative_stock_allowed(&self.handler, product, warehouse)
    }

    fn record_failure(&self, record: &RecordedEvent, caused: &Caused, error: &CommandError) {
        tracing::warn!(
            position = record.position,
            reaction = ?caused.reaction,
            %error,
            "a process could not carry out a command"
        );
        let mut failures = lock(&self.failures);
        if failures.len() >= FAILURES_KEPT_MAX {
            failures.pop_front();
        }
        failures.push_back(ProcessFailure {
            position: record.position,
            reaction: format!("{:?}", caused.reaction),
            error: error.to_string(),
        });
    }

    fn save_checkpoint(&self) -> Result<(), ProcessError> {
        let Some(path) = &self.checkpoint_path else {
            return Ok(());
        };
        let checkpoint = self.checkpoint();
        let temporary = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            std::fs::write(&temporary, checkpoint.to_string())?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|source| ProcessError::Checkpoint {
            path: path.clone(),
            source,
        })
    }
}

/// A command of the system, at the business time of its cause (a backdated
/// shipment issues its stock on the shipment's day).
/// An invoice the processes issue, with the rate of its day when the
/// company keeps books in a currency. Without a rate entered for that day
/// it is issued unvalued rather than held up (the order was invoiced
/// already): paying it then realizes no exchange difference.
fn invoice_valued(
    handler: &CommandHandler,
    mut command: AccountCommand,
    at: chrono::DateTime<Utc>,
) -> Result<AccountCommand, CommandError> {
    if let AccountCommand::IssueInvoice { currency, rate, .. } = &mut command
        && let currency::Valuing::At(found) = currency::valuing(handler, *currency, at)?
    {
        *rate = Some(found.rate);
    }
    Ok(command)
}

fn issued<C>(cause: &RecordedEvent, command: C) -> Issued<C> {
    Issued::new(SYSTEM_USER, Utc::now(), command).backdated(cause.occurred_at)
}

/// Whether stock of `product` may go below zero in `warehouse`: a setting
/// of the product or of the warehouse.
pub fn negative_stock_allowed(
    handler: &CommandHandler,
    product: domain::ids::ProductId,
    warehouse: domain::ids::WarehouseId,
) -> Result<bool, CommandError> {
    let (warehouse, _) =
        handler.load::<Warehouse>(&CommandHandler::stream::<Warehouse>(warehouse)?)?;
    if warehouse.is_some_and(|warehouse| warehouse.allows_negative_stock) {
        return Ok(true);
    }
    let (product, _) = handler.load::<Product>(&CommandHandler::stream::<Product>(product)?)?;
    Ok(product.is_some_and(|product| product.allows_negative_stock))
}

/// The stream of one product's stock in one warehouse.
pub fn stock_stream(
    product: domain::ids::ProductId,
    warehouse: domain::ids::WarehouseId,
) -> Result<StreamName, CommandError> {
    Ok(StreamName::from_parts(
        <Stock as Decider>::Event::CATEGORY,
        format!("{product}-{warehouse}"),
    )?)
}

fn read_checkpoint(path: &Path) -> Result<u64, ProcessError> {
    let error = |source| ProcessError::Checkpoint {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim().parse().map_err(|_| {
            error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{text:?} is not a position"),
            ))
        }),
        Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(other) => Err(error(other)),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded values (a position, a list of failures) are whole after
    // every statement, so a panic elsewhere cannot leave them half-updated.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
