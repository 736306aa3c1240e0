//! Sales orders, once for every adapter: drafting one with its lines,
//! adding a line, confirming it at today's prices and shipping it after a
//! stock check (the commands of [`crate::trade`], which read several
//! aggregates before the order decides), as a caller.
//!
//! A new order's customer, warehouse and deal must be within the
//! caller's reach; a change checks the order against the caller's reach
//! (a sales manager's own customers) and, since it commits or moves
//! stock, the order's warehouse against the caller's inventory reach (a
//! storekeeper's branch). One out of reach is refused as a missing one,
//! and every check runs before the first event.

use domain::Issued;
use domain::access::{Action, Module, Permission};
use domain::catalog::{PriceList, Quantity, VatRate};
use domain::error::DomainError;
use domain::ids::{
    BranchId, DealId, OrderId, PartyId, PriceListId, ProductId, ShipmentId, UserId, WarehouseId,
    derived,
};
use domain::inventory::Warehouse;
use domain::parties::Party;
use domain::sales::{DraftOrder, Order, OrderCommand, ShipLine};
use domain::values::Label;
use eventlog::AppendMeta;

use crate::access::{self, Caller, Kind};
use crate::aggregate::{ensure_product, ensure_warehouse, naming};
use crate::commands::{CommandError, CommandHandler, Executed, Execution};
use crate::trade::{confirm_order, ship_order};
use crate::{App, Run};

/// An order to draft, with the lines to put on it at once (none: lines
/// are added later).
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub party: PartyId,
    /// The order is priced from this list, in its currency.
    pub price_list: PriceListId,
    /// Where the goods are reserved and shipped from.
    pub warehouse: WarehouseId,
    pub deal: Option<DealId>,
    pub branch: Option<BranchId>,
    pub manager: Option<UserId>,
    pub reference: Option<Label>,
    pub lines: Vec<NewLine>,
}

/// A line of an order.
#[derive(Clone, Copy, Debug)]
pub struct NewLine {
    pub product: ProductId,
    pub quantity: Quantity,
    /// Percent, 0 to 100.
    pub discount_percent: Option<VatRate>,
}

/// An order drafted: its id (derived from the run's command id) and the
/// last of its writes.
#[derive(Clone, Debug)]
pub struct Drafted {
    pub order: OrderId,
    pub executed: Executed,
}

/// The order use cases of `app`.
#[derive(Debug)]
pub struct OrderUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn orders(&self) -> OrderUseCases<'_> {
        OrderUseCases { app: self }
    }
}

impl OrderUseCases<'_> {
    /// Drafts an order for a customer, priced from a list, with its first
    /// lines. Without a branch it sells for its customer's branch, or
    /// else its warehouse's. A repeat (the same command id) finds the
    /// order drafted and filled the first time and changes nothing.
    pub async fn draft(
        &self,
        by: &Caller,
        run: Run,
        new: NewOrder,
    ) -> Result<Drafted, CommandError> {
        let commands = &self.app.commands;
        let currency = commands
            .load::<PriceList>(&CommandHandler::stream::<PriceList>(new.price_list)?)?
            .0
            .and_then(|list| list.currency)
            .ok_or_else(|| DomainError::part_not_found("price list", new.price_list))?;
        // Every record the order names must be within the caller's reach,
        // and exist: the order decider knows nothing of parties,
        // warehouses and products, so no order may point at nothing.
        access::ensure_party_in_reach(commands, by, new.party)?;
        access::ensure_warehouse_in_reach(commands, by, Action::Read, new.warehouse)?;
        if let Some(deal) = new.deal {
            access::ensure_deal_in_reach(commands, by, deal)?;
        }
        let Some(party) = commands
            .load::<Party>(&CommandHandler::stream::<Party>(new.party)?)?
            .0
        else {
            return Err(access::not_found(Kind::Party, new.party.as_uuid()).into());
        };
        ensure_warehouse(commands, new.warehouse)?;
        // An order sells for a branch, and every branch figure counts it
        // there: the one asked for, else the customer's, else that of
        // the warehouse the goods leave from.
        let branch = match new.branch.or(party.branch) {
            Some(branch) => Some(branch),
            None => commands
                .load::<Warehouse>(&CommandHandler::stream::<Warehouse>(new.warehouse)?)?
                .0
                .and_then(|warehouse| warehouse.branch),
        };
        for line in &new.lines {
            ensure_product(commands, line.product)?;
        }
        let order = OrderId::from_uuid(derived(run.command_id, b"order"));
        let draft = OrderCommand::Draft(DraftOrder {
            order,
            party: new.party,
            deal: new.deal,
            price_list: new.price_list,
            currency,
            warehouse: new.warehouse,
            branch,
            manager: new.manager,
            reference: new.reference,
        });
        let executed = self
            .app
            .execute_then::<Order, _>(
                by,
                run,
                order.as_uuid(),
                draft,
                new.lines.into_iter().map(add_line),
            )
            .await?;
        Ok(Drafted { order, executed })
    }

    /// Adds a line to a draft order; the product must exist.
    pub async fn add_line(
        &self,
        by: &Caller,
        run: Run,
        order: OrderId,
        line: NewLine,
    ) -> Result<Executed, CommandError> {
        self.ensure_in_reach(by, order)?;
        ensure_product(&self.app.commands, line.product)?;
        self.app
            .execute::<Order, _>(by, run, order, add_line(line), None)
            .await
    }

    /// Confirms a draft order at the prices its list gives now (the App's
    /// clock), reserving its stock.
    pub async fn confirm(
        &self,
        by: &Caller,
        run: Run,
        order: OrderId,
    ) -> Result<Executed, CommandError> {
        self.ensure_in_reach(by, order)?;
        let (issued, execution) = self.prepared(by, run);
        confirm_order(&self.app.commands, order, issued, &execution)
            .await
            .map_err(naming(order.as_uuid()))
    }

    /// Ships what is left of an order, or the named `lines`, after a
    /// stock check; the shipment's id derives from the run's command id.
    pub async fn ship(
        &self,
        by: &Caller,
        run: Run,
        order: OrderId,
        lines: Option<Vec<ShipLine>>,
    ) -> Result<Executed, CommandError> {
        self.ensure_in_reach(by, order)?;
        let shipment = ShipmentId::from_uuid(domain::ids::derived(run.command_id, b"shipment"));
        let (issued, execution) = self.prepared(by, run);
        ship_order(
            &self.app.commands,
            order,
            shipment,
            lines,
            issued,
            &execution,
        )
        .await
        .map_err(naming(order.as_uuid()))
    }

    /// The order must be within `by`'s reach to change, and so must the
    /// warehouse its stock is in.
    fn ensure_in_reach(&self, by: &Caller, order: OrderId) -> Result<(), CommandError> {
        let commands = &self.app.commands;
        let permission = Permission::new(Module::Orders, Action::Edit);
        access::ensure_in_reach(commands, by, permission, Kind::Order, order.as_uuid())?;
        if !access::order_warehouse_in_reach(commands, by, order.as_uuid()) {
            return Err(access::not_found(Kind::Order, order.as_uuid()).into());
        }
        Ok(())
    }

    fn prepared(&self, by: &Caller, run: Run) -> (Issued<()>, Execution) {
        let issued = Issued::new(by.user, self.app.clock.now(), ());
        let execution = Execution::new(AppendMeta::new(by.actor(), run.command_id))
            .with_command_id(run.command_id)
            .expecting(run.expected_version);
        (issued, execution)
    }
}

fn add_line(line: NewLine) -> OrderCommand {
    OrderCommand::AddLine {
        product: line.product,
        quantity: line.quantity,
        discount_percent: line.discount_percent,
    }
}
