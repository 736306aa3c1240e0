//! Stock moves, once for every adapter: one command on one product's
//! stock in one warehouse (a receipt, a write-off, a count, a reorder
//! level), and a transfer between warehouses.
//!
//! A transfer is two commands, as the domain splits it: the goods leave
//! the first warehouse (refused if it does not hold them, unless negative
//! stock is allowed there or for the product) at the cost the source
//! recorded, then arrive in the second at that cost. Every check of both
//! halves runs before the first: a transfer refused at its arrival would
//! leave the goods in transit (the outside review found one that did).
//! Each half's command id derives from the transfer's, so asking again
//! after the second half failed repeats nothing of the first and
//! completes the second.

use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::catalog::{Quantity, UnitPrice};
use domain::error::DomainError;
use domain::ids::{ProductId, TransferId, WarehouseId, derived};
use domain::inventory::{Stock, StockCommand, StockEvent};
use domain::{DomainEvent, Issued};
use eventlog::AppendMeta;
use uuid::Uuid;

use crate::access::{self, Caller};
use crate::aggregate::{ensure_product, ensure_warehouse};
use crate::commands::{CommandError, Executed, Execution};
use crate::process::{negative_stock_allowed, stock_stream};
use crate::{App, Run};

/// Goods to move from one warehouse to another.
#[derive(Clone, Copy, Debug)]
pub struct TransferStock {
    pub product: ProductId,
    pub from: WarehouseId,
    pub to: WarehouseId,
    pub quantity: Quantity,
}

/// A transfer done: its id, and the two halves as one write (the
/// arrival's position; repeated only if both halves were).
#[derive(Clone, Debug)]
pub struct Transferred {
    pub transfer: TransferId,
    pub executed: Executed,
}

/// The stock use cases of `app`.
#[derive(Debug)]
pub struct StockUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn stock(&self) -> StockUseCases<'_> {
        StockUseCases { app: self }
    }
}

impl StockUseCases<'_> {
    /// Runs one command on the stock of `product` in `warehouse` (a
    /// receipt, a write-off, a count, a reorder level), as `by`: the
    /// product and the warehouse must exist and the warehouse be within
    /// the caller's reach; negative stock is allowed where the product or
    /// the warehouse says so. `occurred_at` backdates the move (a receipt
    /// entered the day after, last month's count): the read models put it
    /// in its place in business time and recompute every later balance
    /// and average cost; the decider refuses a time in the future.
    pub async fn record(
        &self,
        by: &Caller,
        run: Run,
        (product, warehouse): (ProductId, WarehouseId),
        command: StockCommand,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        ensure_product(commands, product)?;
        access::ensure_warehouse_in_reach(commands, by, Action::Create, warehouse)?;
        ensure_warehouse(commands, warehouse)?;
        let execution = self
            .execution(by, run.command_id)
            .expecting(run.expected_version);
        self.run_on(by, product, warehouse, command, occurred_at, &execution)
            .await
    }

    /// Moves `request.quantity` of a product from one warehouse to
    /// another, as `by`.
    pub async fn transfer(
        &self,
        by: &Caller,
        run: Run,
        request: TransferStock,
    ) -> Result<Transferred, CommandError> {
        let TransferStock {
            product,
            from,
            to,
            quantity,
        } = request;
        if from == to {
            return Err(DomainError::invalid("to", "must be another warehouse than from").into());
        }
        let commands = &self.app.commands;
        // Everything both halves need, before the first: the product, and
        // both warehouses existing and within the caller's reach (another
        // branch's is answered as a missing one).
        ensure_product(commands, product)?;
        for warehouse in [from, to] {
            access::ensure_warehouse_in_reach(commands, by, Action::Create, warehouse)?;
            ensure_warehouse(commands, warehouse)?;
        }
        let transfer = TransferId::from_uuid(derived(run.command_id, b"transfer"));
        let departure = self
            .execution(by, derived(run.command_id, b"transfer-out"))
            .expecting(run.expected_version);
        let departed = self
            .run_on(
                by,
                product,
                from,
                StockCommand::TransferOut {
                    transfer,
                    quantity,
                    to,
                    negative_allowed: false,
                },
                None,
                &departure,
            )
            .await?;
        // The goods arrive at the cost they left at, which the departure
        // recorded (also when a repeat finds the departure stored before).
        let unit_cost = self.departure_cost(departed.last_position)?;
        let arrival = self.execution(by, derived(run.command_id, b"transfer-in"));
        let arrived = self
            .run_on(
                by,
                product,
                to,
                StockCommand::TransferIn {
                    transfer,
                    quantity,
                    unit_cost: UnitPrice::parse("unit_cost", unit_cost)?,
                    from,
                },
                None,
                &arrival,
            )
            .await?;
        Ok(Transferred {
            transfer,
            executed: Executed {
                last_position: arrived.last_position.or(departed.last_position),
                repeated: departed.repeated && arrived.repeated,
                ..departed
            },
        })
    }

    /// How one command of `by` runs under `command_id`.
    fn execution(&self, by: &Caller, command_id: Uuid) -> Execution {
        Execution::new(AppendMeta::new(by.actor(), command_id)).with_command_id(command_id)
    }

    /// Runs `command` on the stock of `product` in `warehouse`, with
    /// negative stock allowed where the product or the warehouse says so.
    async fn run_on(
        &self,
        by: &Caller,
        product: ProductId,
        warehouse: WarehouseId,
        command: StockCommand,
        occurred_at: Option<DateTime<Utc>>,
        execution: &Execution,
    ) -> Result<Executed, CommandError> {
        let commands = &self.app.commands;
        let command =
            command.allowing_negative(negative_stock_allowed(commands, product, warehouse)?);
        let mut issued = Issued::new(by.user, self.app.clock.now(), command);
        if let Some(occurred_at) = occurred_at {
            issued = issued.backdated(occurred_at);
        }
        commands
            .execute::<Stock, _>(&stock_stream(product, warehouse)?, &issued, execution)
            .await
    }

    /// The unit cost a transfer's departure (stored at `position`) took
    /// out. Its absence means the log lost what it just acknowledged.
    fn departure_cost(&self, position: Option<u64>) -> Result<rust_decimal::Decimal, CommandError> {
        let lost = || {
            CommandError::Inconsistent(format!(
                "a transfer's departure at {position:?} is not in the log"
            ))
        };
        let record = self
            .app
            .commands
            .log()
            .read_event(position.ok_or_else(lost)?)?
            .ok_or_else(lost)?;
        match StockEvent::decode(&record.event_type, record.schema_version, &record.payload) {
            Ok(StockEvent::TransferredOut(out)) => Ok(out.unit_cost),
            _ => Err(lost()),
        }
    }
}
