//! What each command may touch, and the check [`crate::App::execute`]
//! makes before it runs one: the permission the command needs (a module
//! and an action), the record it is run on judged by its holder after
//! following merge redirects, and every other record its body names (a
//! deal's customer, a task's link, a merge's survivor), which must exist
//! and be within the caller's reach.
//!
//! The route layer only asks "signed in, and holding the permission";
//! this is where a record out of reach is refused, in the words a missing
//! one gets, whatever path, body or redirect its id came from.
//!
//! After the check, and before the decider, a command may be completed
//! with what only the application can look up (`Guard::complete`): the
//! exchange rate of an invoice's or a payment's day.

use chrono::{DateTime, Utc};
use domain::access::{Action, Module, Permission, Reach};
use domain::branch::{Branch, BranchCommand};
use domain::catalog::{PriceList, PriceListCommand, PriceScope, Product, ProductCommand};
use domain::currency::{Company, CompanyCommand, Rates, SetRate};
use domain::documents::{Document, DocumentCommand};
use domain::finance::{Account, AccountCommand};
use domain::fleet::{Delivery, DeliveryCommand, Vehicle, VehicleCommand, Zone, ZoneCommand};
use domain::group::{Group, GroupCommand};
use domain::interactions::{Interaction, InteractionCommand};
use domain::inventory::{Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand};
use domain::payables::{Payable, PayableCommand};
use domain::pipeline::{Deal, DealCommand, Lead, LeadCommand, Pipeline, PipelineCommand};
use domain::planning::{Assignee, CalendarCommand, CalendarEntry, Link, Task, TaskCommand};
use domain::production::{Bom, BomCommand, ProductionCommand, ProductionOrder};
use domain::purchasing::{PurchaseCommand, PurchaseOrder};
use domain::quotes::{Quote, QuoteCommand, Revision};
use domain::retention::{RetentionCommand, RetentionRule};
use domain::sales::{Order, OrderCommand};
use domain::sourcing::{Sourcing, SourcingCommand};
use domain::{Decider, DomainError};
use uuid::Uuid;

use crate::access::{self, Caller, Holder, Kind};
use crate::commands::{CommandError, CommandHandler};
use crate::currency::{self, Valuing};

/// An aggregate a caller may run commands on through
/// [`crate::App::execute`]: which kind of record it is, and whether the
/// record must already exist as that kind (an account is a party's).
pub trait Guarded: Decider {
    const KIND: Kind;
    /// The record must exist before any command runs on it: an account
    /// exists for any id, so its party is what is checked.
    const MUST_EXIST: bool = false;
}

/// A command, as the check before it sees it.
pub trait Guard {
    /// The permission the command needs on its record.
    fn permission(&self) -> Permission;
    /// The other records the command names, each of which must exist and
    /// be within the caller's reach for reading.
    fn names(&self) -> Vec<(Kind, Uuid)> {
        Vec::new()
    }
    /// Who holds the record the command creates, where a narrow grant
    /// must reach it too: a warehouse opened by a storekeeper must be in
    /// their own branch, or they could never reach it again.
    fn creates_for(&self) -> Option<Holder> {
        None
    }
    /// The command on record `id`, completed with what only the
    /// application can look up for a command of business time `at` (the
    /// exchange rate of a payment's day), or refused for lack of it. Runs
    /// after the check, before the decider. Most commands need nothing.
    fn complete(
        self,
        _commands: &CommandHandler,
        _id: Uuid,
        _at: DateTime<Utc>,
    ) -> Result<Self, CommandError>
    where
        Self: Sized,
    {
        Ok(self)
    }
}

/// Refuses `command` on record `id` of `D` unless `by` holds the
/// permission it needs, reaches the record (and, for an order that moves
/// stock, its warehouse) and reaches every record it names. Nothing is
/// written before this answers.
pub fn authorize<D, C>(
    commands: &CommandHandler,
    by: &Caller,
    id: Uuid,
    command: &C,
) -> Result<(), CommandError>
where
    D: Guarded,
    C: Guard,
{
    let permission = command.permission();
    let Some(reach) = by.grants.reach(permission) else {
        return Err(CommandError::Forbidden { permission });
    };
    let refused = || CommandError::from(access::not_found(D::KIND, id));
    // A grant over every record needs no look at this one, unless it must
    // exist first.
    if D::MUST_EXIST || reach != Reach::All {
        let holder = access::holder(commands, by.user, D::KIND, id);
        if D::MUST_EXIST && holder == Holder::Missing {
            return Err(refused());
        }
        if !access::reaches(by, reach, permission.action, holder) {
            return Err(refused());
        }
    }
    if let Some(holder) = command.creates_for()
        && !access::reaches(by, reach, permission.action, holder)
    {
        return Err(CommandError::Forbidden { permission });
    }
    if D::KIND == Kind::Order
        && permission.action != Action::Read
        && !access::order_warehouse_in_reach(commands, by, id)
    {
        return Err(refused());
    }
    if D::KIND == Kind::PurchaseOrder
        && permission.action != Action::Read
        && !access::purchase_warehouse_in_reach(commands, by, id)
    {
        return Err(refused());
    }
    if D::KIND == Kind::ProductionOrder
        && permission.action != Action::Read
        && !access::production_warehouse_in_reach(commands, by, id)
    {
        return Err(refused());
    }
    for (kind, named) in command.names() {
        ensure_named(commands, by, kind, named)?;
        // Nothing personal is recorded about an erased party any more
        // (ADR 0018): no interaction or lead names it.
        if kind == Kind::Party
            && matches!(D::KIND, Kind::Interaction | Kind::Lead)
            && party_erased(commands, named)?
        {
            return Err(DomainError::rejected(
                "party.erased",
                "this party's personal data was erased; nothing personal can be recorded about it",
            )
            .into());
        }
    }
    Ok(())
}

fn party_erased(commands: &CommandHandler, party: Uuid) -> Result<bool, CommandError> {
    let stream = CommandHandler::stream::<Party>(party)?;
    Ok(commands
        .load::<Party>(&stream)?
        .0
        .is_some_and(|state| state.erased))
}

/// A record a command names: it must exist, and be within `by`'s reach
/// for reading in its module.
pub fn ensure_named(
    commands: &CommandHandler,
    by: &Caller,
    kind: Kind,
    id: Uuid,
) -> Result<(), DomainError> {
    if access::holder(commands, by.user, kind, id) == Holder::Missing {
        return Err(access::not_found(kind, id));
    }
    let permission = Permission::new(kind.module(), Action::Read);
    access::ensure_in_reach(commands, by, permission, kind, id)
}

fn link(link: Option<Link>) -> Vec<(Kind, Uuid)> {
    match link {
        Some(Link::Party(party)) => vec![(Kind::Party, party.as_uuid())],
        Some(Link::Deal(deal)) => vec![(Kind::Deal, deal.as_uuid())],
        None => Vec::new(),
    }
}

/// A group a task or entry is for: it must exist, as a linked record must.
fn group_of(assignee: Assignee) -> Option<(Kind, Uuid)> {
    match assignee {
        Assignee::Group(group) => Some((Kind::Group, group.as_uuid())),
        Assignee::User(_) => None,
    }
}

const fn needs(module: Module, action: Action) -> Permission {
    Permission::new(module, action)
}

impl Guarded for Party {
    const KIND: Kind = Kind::Party;
}

impl Guard for PartyCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            PartyCommand::Register(_) => Action::Create,
            // Erasure cannot be undone: administrators only.
            PartyCommand::Erase { .. } => Action::Administer,
            PartyCommand::RemoveChannel { .. }
            | PartyCommand::Archive { .. }
            | PartyCommand::MergeInto { .. }
            | PartyCommand::AbsorbDuplicate { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Parties, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            PartyCommand::Register(register) => register
                .company
                .map(|company| (Kind::Party, company.as_uuid()))
                .into_iter()
                .collect(),
            PartyCommand::JoinCompany { company, .. } => vec![(Kind::Party, company.as_uuid())],
            PartyCommand::MergeInto { survivor, .. } => vec![(Kind::Party, survivor.as_uuid())],
            PartyCommand::AbsorbDuplicate { duplicate } => {
                vec![(Kind::Party, duplicate.as_uuid())]
            }
            _ => Vec::new(),
        }
    }
}

impl Guarded for Account {
    const KIND: Kind = Kind::Party;
    const MUST_EXIST: bool = true;
}

impl Guard for AccountCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            AccountCommand::ApplyCredit { .. } => Action::Edit,
            _ => Action::Create,
        };
        needs(Module::Finance, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        let order = match self {
            AccountCommand::IssueInvoice { order, .. }
            | AccountCommand::IssueCreditNote { order, .. } => *order,
            _ => None,
        };
        order
            .map(|order| (Kind::Order, order.as_uuid()))
            .into_iter()
            .collect()
    }

    /// An invoice or payment is valued at the rate of its day once the
    /// company keeps books in a currency; with no rate for that day the
    /// write is refused, naming the currency and day.
    fn complete(
        mut self,
        commands: &CommandHandler,
        _party: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Self, CommandError> {
        let (currency, rate) = match &mut self {
            AccountCommand::IssueInvoice { currency, rate, .. } => (*currency, rate),
            AccountCommand::ReceivePayment { amount, rate, .. } => (amount.currency(), rate),
            _ => return Ok(self),
        };
        if rate.is_none() {
            *rate = match currency::valuing(commands, currency, at)? {
                Valuing::Unset => None,
                Valuing::Missing => return Err(currency::no_rate(currency, at.date_naive()).into()),
                Valuing::At(found) => Some(found.rate),
            };
        }
        Ok(self)
    }
}

impl Guarded for Interaction {
    const KIND: Kind = Kind::Interaction;
}

impl Guard for InteractionCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            InteractionCommand::Log(_) => Action::Create,
            InteractionCommand::Amend { .. } => Action::Edit,
            InteractionCommand::Withdraw { .. } => Action::Delete,
        };
        needs(Module::Interactions, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            InteractionCommand::Log(log) => {
                let mut named = vec![(Kind::Party, log.party.as_uuid())];
                named.extend(log.deal.map(|deal| (Kind::Deal, deal.as_uuid())));
                named
            }
            _ => Vec::new(),
        }
    }
}

impl Guarded for Deal {
    const KIND: Kind = Kind::Deal;
}

impl Guard for DealCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            DealCommand::Open(_) => Action::Create,
            _ => Action::Edit,
        };
        needs(Module::Sales, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            DealCommand::Open(open) => {
                let mut named = vec![(Kind::Party, open.party.as_uuid())];
                named.extend(open.lead.map(|lead| (Kind::Lead, lead.as_uuid())));
                named
            }
            _ => Vec::new(),
        }
    }
}

impl Guarded for Lead {
    const KIND: Kind = Kind::Lead;
}

impl Guard for LeadCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            LeadCommand::Capture(_) => Action::Create,
            LeadCommand::Disqualify { .. } => Action::Delete,
            // Erasure cannot be undone: administrators only.
            LeadCommand::Erase { .. } => Action::Administer,
            _ => Action::Edit,
        };
        needs(Module::Sales, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            LeadCommand::Capture(capture) => capture
                .party
                .map(|party| (Kind::Party, party.as_uuid()))
                .into_iter()
                .collect(),
            LeadCommand::Convert { deal, party } => {
                vec![(Kind::Party, party.as_uuid()), (Kind::Deal, deal.as_uuid())]
            }
            _ => Vec::new(),
        }
    }
}

impl Guarded for Pipeline {
    const KIND: Kind = Kind::Pipeline;
}

impl Guard for PipelineCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            PipelineCommand::Define { .. } => Action::Create,
            PipelineCommand::RetireStage { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Sales, action)
    }

    /// A pipeline is shared by everyone: a grant over one's own records
    /// (a sales manager's) may not define one, as it may not change one.
    fn creates_for(&self) -> Option<Holder> {
        matches!(self, PipelineCommand::Define(_)).then_some(Holder::Shared)
    }
}

impl Guarded for RetentionRule {
    const KIND: Kind = Kind::RetentionRule;
}

/// Retention rules erase personal data: administrators only, to read
/// them too.
impl Guard for RetentionCommand {
    fn permission(&self) -> Permission {
        needs(Module::Admin, Action::Administer)
    }
}

impl Guarded for Branch {
    const KIND: Kind = Kind::Branch;
}

/// Branches are the company's shape: administrators set them; everyone
/// reads their names through the directory.
impl Guard for BranchCommand {
    fn permission(&self) -> Permission {
        needs(Module::Admin, Action::Administer)
    }
}

impl Guarded for Group {
    const KIND: Kind = Kind::Group;
}

/// Groups say whom a task is for: administrators set them; everyone reads
/// their names through the directory.
impl Guard for GroupCommand {
    fn permission(&self) -> Permission {
        needs(Module::Admin, Action::Administer)
    }
}

impl Guarded for Order {
    const KIND: Kind = Kind::Order;
}

impl Guard for OrderCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            OrderCommand::Draft(_) | OrderCommand::Return { .. } => Action::Create,
            OrderCommand::RemoveLine { .. } | OrderCommand::Cancel { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Orders, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            OrderCommand::Draft(draft) => {
                let mut named = vec![
                    (Kind::Party, draft.party.as_uuid()),
                    (Kind::Warehouse, draft.warehouse.as_uuid()),
                ];
                named.extend(draft.deal.map(|deal| (Kind::Deal, deal.as_uuid())));
                named
            }
            _ => Vec::new(),
        }
    }

    /// An order in another currency is invoiced only on a day its rate is
    /// known, once the company keeps books in a currency: the processes
    /// value the invoice at it.
    fn complete(
        self,
        commands: &CommandHandler,
        order: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Self, CommandError> {
        if let OrderCommand::Invoice { .. } = self {
            let stream = CommandHandler::stream::<Order>(order)?;
            if let Some(state) = commands.load::<Order>(&stream)?.0
                && let Valuing::Missing = currency::valuing(commands, state.drafted.currency, at)?
            {
                return Err(currency::no_rate(state.drafted.currency, at.date_naive()).into());
            }
        }
        Ok(self)
    }
}

impl Guarded for Vehicle {
    const KIND: Kind = Kind::Vehicle;
}

/// The fleet is the warehouse's: inventory permissions.
impl Guard for VehicleCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            VehicleCommand::Register { .. } => Action::Create,
            VehicleCommand::Retire => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Inventory, action)
    }

    /// A storekeeper registers vehicles of their own branch only.
    fn creates_for(&self) -> Option<Holder> {
        match self {
            VehicleCommand::Register { driver, branch, .. } => Some(Holder::Driven {
                driver: *driver,
                branch: *branch,
            }),
            _ => None,
        }
    }
}

impl Guarded for Zone {
    const KIND: Kind = Kind::Zone;
}

impl Guard for ZoneCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            ZoneCommand::Define(_) => Action::Create,
            ZoneCommand::Retire => Action::Delete,
            ZoneCommand::Change(_) => Action::Edit,
        };
        needs(Module::Inventory, action)
    }

    /// Zones are shared: a branch's storekeeper, who cannot change one,
    /// does not define one either.
    fn creates_for(&self) -> Option<Holder> {
        matches!(self, ZoneCommand::Define(_)).then_some(Holder::Shared)
    }
}

impl Guarded for Delivery {
    const KIND: Kind = Kind::Delivery;
}

/// What the driver records is an edit of the delivery; planning one
/// creates it (through `app::deliveries`, which checks the order, the
/// vehicle and the zone too).
impl Guard for DeliveryCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            DeliveryCommand::Plan(_) => Action::Create,
            _ => Action::Edit,
        };
        needs(Module::Inventory, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            DeliveryCommand::Plan(plan) => {
                let mut named = vec![
                    (Kind::Order, plan.order.as_uuid()),
                    (Kind::Vehicle, plan.vehicle.as_uuid()),
                ];
                named.extend(plan.zone.map(|zone| (Kind::Zone, zone.as_uuid())));
                named
            }
            DeliveryCommand::Replan { vehicle, .. } => vec![(Kind::Vehicle, vehicle.as_uuid())],
            _ => Vec::new(),
        }
    }
}

impl Guarded for Quote {
    const KIND: Kind = Kind::Quote;
}

/// Quoting is selling: the sales module's permissions, on the quote's
/// customer.
impl Guard for QuoteCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            QuoteCommand::Draft(_) => Action::Create,
            _ => Action::Edit,
        };
        needs(Module::Sales, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        let products = |revision: &Revision| {
            revision
                .lines
                .iter()
                .map(|line| (Kind::Product, line.product.as_uuid()))
                .collect::<Vec<_>>()
        };
        match self {
            QuoteCommand::Draft(draft) => {
                let mut named = vec![
                    (Kind::Party, draft.party.as_uuid()),
                    (Kind::Warehouse, draft.warehouse.as_uuid()),
                    (Kind::PriceList, draft.price_list.as_uuid()),
                ];
                named.extend(draft.deal.map(|deal| (Kind::Deal, deal.as_uuid())));
                named.extend(products(&draft.revision));
                named
            }
            QuoteCommand::Revise(revision) => products(revision),
            _ => Vec::new(),
        }
    }
}

impl Guarded for PurchaseOrder {
    const KIND: Kind = Kind::PurchaseOrder;
}

impl Guard for PurchaseCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            PurchaseCommand::Draft(_) => Action::Create,
            PurchaseCommand::RemoveLine { .. } | PurchaseCommand::Cancel { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Purchasing, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            PurchaseCommand::Draft(draft) => vec![
                (Kind::Party, draft.supplier.as_uuid()),
                (Kind::Warehouse, draft.warehouse.as_uuid()),
            ],
            PurchaseCommand::AddLine { product, .. } => vec![(Kind::Product, product.as_uuid())],
            _ => Vec::new(),
        }
    }
}

/// A product's offers live on a stream of the product's id: the product
/// must exist.
impl Guarded for Sourcing {
    const KIND: Kind = Kind::Product;
    const MUST_EXIST: bool = true;
}

impl Guard for SourcingCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            SourcingCommand::WithdrawOffer { .. } => Action::Delete,
            SourcingCommand::SetOffer(_) | SourcingCommand::Prefer { .. } => Action::Edit,
        };
        needs(Module::Purchasing, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            SourcingCommand::SetOffer(offer) => vec![(Kind::Party, offer.supplier.as_uuid())],
            SourcingCommand::Prefer {
                supplier: Some(supplier),
            } => vec![(Kind::Party, supplier.as_uuid())],
            _ => Vec::new(),
        }
    }
}

/// A product's bill of materials lives on a stream of the product's id:
/// the product must exist.
impl Guarded for Bom {
    const KIND: Kind = Kind::Product;
    const MUST_EXIST: bool = true;
}

impl Guard for BomCommand {
    fn permission(&self) -> Permission {
        needs(Module::Production, Action::Edit)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            BomCommand::Define(define) => define
                .components
                .iter()
                .map(|component| (Kind::Product, component.product.as_uuid()))
                .collect(),
            BomCommand::Activate { .. } => Vec::new(),
        }
    }
}

impl Guarded for ProductionOrder {
    const KIND: Kind = Kind::ProductionOrder;
}

impl Guard for ProductionCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            ProductionCommand::Plan(_) => Action::Create,
            ProductionCommand::Cancel { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Production, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            ProductionCommand::Plan(plan) => vec![
                (Kind::Product, plan.product.as_uuid()),
                (Kind::Warehouse, plan.warehouse.as_uuid()),
            ],
            _ => Vec::new(),
        }
    }
}

/// A supplier's payables are a party's: the party must exist.
impl Guarded for Payable {
    const KIND: Kind = Kind::Party;
    const MUST_EXIST: bool = true;
}

impl Guard for PayableCommand {
    fn permission(&self) -> Permission {
        needs(Module::Finance, Action::Create)
    }
}

impl Guarded for Document {
    const KIND: Kind = Kind::Document;
}

/// Issuing the original of a document is a write of the module that
/// reaches what it prints (finance for an invoice, sales for a quote); its
/// copies only need to read.
impl Guard for DocumentCommand {
    fn permission(&self) -> Permission {
        match self {
            DocumentCommand::Issue(issued) => needs(
                crate::documents::printed_by(issued.printable.kind),
                Action::Create,
            ),
        }
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            DocumentCommand::Issue(issued) => issued
                .party
                .map(|party| (Kind::Party, party.as_uuid()))
                .into_iter()
                .collect(),
        }
    }
}

impl Guarded for Company {
    const KIND: Kind = Kind::Company;
}

impl Guard for CompanyCommand {
    fn permission(&self) -> Permission {
        needs(Module::Admin, Action::Administer)
    }
}

impl Guarded for Rates {
    const KIND: Kind = Kind::ExchangeRates;
}

impl Guard for SetRate {
    fn permission(&self) -> Permission {
        needs(Module::Finance, Action::Edit)
    }
}

impl Guarded for Task {
    const KIND: Kind = Kind::Task;
}

impl Guard for TaskCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            TaskCommand::Create(_) => Action::Create,
            TaskCommand::Cancel { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Planning, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            TaskCommand::Create(create) => {
                let mut names = link(create.link);
                names.extend(group_of(create.assignee));
                names
            }
            TaskCommand::Reassign { assignee } => group_of(*assignee).into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl Guarded for CalendarEntry {
    const KIND: Kind = Kind::CalendarEntry;
}

impl Guard for CalendarCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            CalendarCommand::Schedule(_) => Action::Create,
            CalendarCommand::Cancel { .. } => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Planning, action)
    }

    fn names(&self) -> Vec<(Kind, Uuid)> {
        match self {
            CalendarCommand::Schedule(schedule) => {
                let mut names = link(schedule.link);
                names.extend(schedule.attendees.iter().filter_map(|a| group_of(*a)));
                names
            }
            CalendarCommand::ChangeAttendees { attendees } => {
                attendees.iter().filter_map(|a| group_of(*a)).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl Guarded for Warehouse {
    const KIND: Kind = Kind::Warehouse;
}

impl Guard for WarehouseCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            WarehouseCommand::Open { .. } => Action::Create,
            WarehouseCommand::Close => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Inventory, action)
    }

    fn creates_for(&self) -> Option<Holder> {
        match self {
            WarehouseCommand::Open { branch, .. } => Some(Holder::Branch(*branch)),
            _ => None,
        }
    }
}

impl Guarded for Product {
    const KIND: Kind = Kind::Product;
}

impl Guard for ProductCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            ProductCommand::Define(_) => Action::Create,
            ProductCommand::Discontinue => Action::Delete,
            _ => Action::Edit,
        };
        needs(Module::Catalog, action)
    }
}

impl Guarded for PriceList {
    const KIND: Kind = Kind::PriceList;
}

impl Guard for PriceListCommand {
    fn permission(&self) -> Permission {
        let action = match self {
            PriceListCommand::Define { .. } => Action::Create,
            PriceListCommand::RemovePrice { .. } | PriceListCommand::RemoveDiscount { .. } => {
                Action::Delete
            }
            _ => Action::Edit,
        };
        needs(Module::Catalog, action)
    }

    /// The product a price or discount is for, and the customer it is
    /// set for: both must exist and be within reach.
    fn names(&self) -> Vec<(Kind, Uuid)> {
        let (product, scope) = match self {
            PriceListCommand::SetPrice { product, scope, .. }
            | PriceListCommand::RemovePrice { product, scope, .. } => (Some(*product), Some(scope)),
            PriceListCommand::SetDiscount { product, scope, .. }
            | PriceListCommand::RemoveDiscount { product, scope } => (*product, Some(scope)),
            PriceListCommand::Define { .. } | PriceListCommand::Rename(_) => (None, None),
        };
        let mut named: Vec<(Kind, Uuid)> = product
            .map(|product| (Kind::Product, product.as_uuid()))
            .into_iter()
            .collect();
        if let Some(PriceScope::Party(party)) = scope {
            named.push((Kind::Party, party.as_uuid()));
        }
        named
    }
}
