//! Purchase orders, once for every adapter: drafting one for a supplier
//! with its lines, and receiving a delivery at the exchange rate of its
//! business day with its landed costs, as a caller. The one-command
//! changes (a line, sending, cancelling) go through [`App::execute`].
//!
//! A purchase order's supplier must be a party with the supplier role
//! within the caller's reach, its warehouse and products must exist, and
//! the company currency must be set (the order's lands in it); a receipt
//! moves the warehouse's stock, so the warehouse must be within the
//! caller's inventory reach (checked by [`crate::guarded`]). Every check
//! runs before the first event.

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::error::DomainError;
use domain::ids::{
    BranchId, PartyId, ProductId, PurchaseOrderId, PurchaseReceiptId, UserId, WarehouseId, derived,
};
use domain::inventory::Warehouse;
use domain::parties::Party;
use domain::purchasing::{
    DraftPurchase, NewLandedCost, PurchaseCommand, PurchaseOrder, ReceiveLine, ReceivePurchase,
    Spread,
};
use domain::sourcing::{Offer, Sourcing, SourcingCommand};
use domain::values::{Currency, Label};

use crate::access::{self, Caller, Kind};
use crate::aggregate::{ensure_product, ensure_warehouse};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::{App, Run};

/// A purchase order to draft, with the lines to put on it at once.
#[derive(Clone, Debug)]
pub struct NewPurchase {
    pub supplier: PartyId,
    pub warehouse: WarehouseId,
    /// The supplier's currency; `None`: the company currency.
    pub currency: Option<Currency>,
    /// `None`: the warehouse's branch.
    pub branch: Option<BranchId>,
    pub buyer: Option<UserId>,
    pub reference: Option<Label>,
    pub expected_on: Option<NaiveDate>,
    pub lines: Vec<NewPurchaseLine>,
}

/// A line of a purchase order, priced in the order's currency.
#[derive(Clone, Copy, Debug)]
pub struct NewPurchaseLine {
    pub product: ProductId,
    pub quantity: Quantity,
    pub unit_price: UnitPrice,
}

/// A delivery: what arrived (`None`: everything outstanding) and what it
/// cost to bring in.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    pub lines: Option<Vec<ReceiveLine>>,
    pub landed_costs: Vec<NewLandedCost>,
    pub spread: Spread,
}

/// A purchase order drafted: its id (derived from the run's command id)
/// and the last of its writes.
#[derive(Clone, Debug)]
pub struct PurchaseDrafted {
    pub order: PurchaseOrderId,
    pub executed: Executed,
}

/// The purchasing use cases of `app`.
#[derive(Debug)]
pub struct PurchaseUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn purchasing(&self) -> PurchaseUseCases<'_> {
        PurchaseUseCases { app: self }
    }
}

impl PurchaseUseCases<'_> {
    /// Drafts a purchase order with its first lines. A repeat (the same
    /// command id) finds the order drafted and filled the first time.
    pub async fn draft(
        &self,
        by: &Caller,
        run: Run,
        new: NewPurchase,
    ) -> Result<PurchaseDrafted, CommandError> {
        let commands = &self.app.commands;
        self.ensure_supplier(by, new.supplier)?;
        let company_currency = self.app.currency().require_company_currency()?;
        ensure_warehouse(commands, new.warehouse)?;
        let branch = match new.branch {
            Some(branch) => Some(branch),
            None => commands
                .load::<Warehouse>(&CommandHandler::stream::<Warehouse>(new.warehouse)?)?
                .0
                .and_then(|warehouse| warehouse.branch),
        };
        for line in &new.lines {
            ensure_product(commands, line.product)?;
        }
        let order = PurchaseOrderId::from_uuid(derived(run.command_id, b"purchase-order"));
        let draft = PurchaseCommand::Draft(DraftPurchase {
            order,
            supplier: new.supplier,
            warehouse: new.warehouse,
            branch,
            currency: new.currency.unwrap_or(company_currency),
            buyer: new.buyer,
            reference: new.reference,
            expected_on: new.expected_on,
        });
        let executed = self
            .app
            .execute_then::<PurchaseOrder, _>(
                by,
                run,
                order.as_uuid(),
                draft,
                new.lines.into_iter().map(add_line),
            )
            .await?;
        Ok(PurchaseDrafted { order, executed })
    }

    /// Adds a line to a draft purchase order; the product must exist.
    pub async fn add_line(
        &self,
        by: &Caller,
        run: Run,
        order: PurchaseOrderId,
        line: NewPurchaseLine,
    ) -> Result<Executed, CommandError> {
        ensure_product(&self.app.commands, line.product)?;
        self.app
            .execute::<PurchaseOrder, _>(by, run, order, add_line(line), None)
            .await
    }

    /// Sets `supplier`'s offer for `product`; the supplier must be a
    /// party with the supplier role (and the product must exist).
    pub async fn set_offer(
        &self,
        by: &Caller,
        run: Run,
        product: ProductId,
        offer: Offer,
    ) -> Result<Executed, CommandError> {
        self.ensure_supplier(by, offer.supplier)?;
        self.app
            .execute::<Sourcing, _>(by, run, product, SourcingCommand::SetOffer(offer), None)
            .await
    }

    /// Refuses a party that is missing, out of reach, or no supplier.
    pub(crate) fn ensure_supplier(
        &self,
        by: &Caller,
        supplier: PartyId,
    ) -> Result<(), CommandError> {
        let commands = &self.app.commands;
        access::ensure_party_in_reach(commands, by, supplier)?;
        let found = commands
            .load::<Party>(&CommandHandler::stream::<Party>(supplier)?)?
            .0;
        match found {
            None => Err(access::not_found(Kind::Party, supplier.as_uuid()).into()),
            Some(party) if !party.roles.supplier => Err(DomainError::rejected(
                "purchase.not_a_supplier",
                "this party is not a supplier; give it the supplier role first",
            )
            .into()),
            Some(_) => Ok(()),
        }
    }

    /// Receives a delivery (back-dated to `occurred_at` if given) at the
    /// exchange rate of its business day; the receipt's id derives from
    /// the run's command id.
    pub async fn receive(
        &self,
        by: &Caller,
        run: Run,
        order: PurchaseOrderId,
        delivery: Delivery,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Executed, CommandError> {
        // The order's currency is needed for the rate before the command
        // runs; one out of reach is refused as a missing one.
        let permission = domain::access::Permission::new(
            domain::access::Module::Purchasing,
            domain::access::Action::Edit,
        );
        access::ensure_in_reach(
            &self.app.commands,
            by,
            permission,
            Kind::PurchaseOrder,
            order.as_uuid(),
        )?;
        let Some(state) = self.app.load::<PurchaseOrder>(order)?.0 else {
            return Err(access::not_found(Kind::PurchaseOrder, order.as_uuid()).into());
        };
        let at = occurred_at.unwrap_or_else(|| self.app.now());
        let rate = self.app.currency().rate_for(state.currency, at)?;
        let receipt = PurchaseReceiptId::from_uuid(derived(run.command_id, b"purchase-receipt"));
        let command = PurchaseCommand::Receive(ReceivePurchase {
            receipt,
            lines: delivery.lines,
            landed_costs: delivery.landed_costs,
            spread: delivery.spread,
            rate: rate.rate,
        });
        self.app
            .execute::<PurchaseOrder, _>(by, run, order, command, occurred_at)
            .await
    }
}

fn add_line(line: NewPurchaseLine) -> PurchaseCommand {
    PurchaseCommand::AddLine {
        product: line.product,
        quantity: line.quantity,
        unit_price: line.unit_price,
    }
}
