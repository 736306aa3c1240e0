//! Who acts, and whether a record is within their reach: the check every
//! use case makes on every record it reads or writes, wherever the
//! record's id came from (a path, a body, a query string, a merge
//! redirect).
//!
//! A grant that reaches only the user's own records (a sales manager and
//! their customers) or the warehouses of their branch (a storekeeper) is
//! checked against the record itself, read from its aggregate through the
//! command handler's cache, so it is never stale. What hangs off a
//! customer (their orders, interactions, account) belongs to the
//! customer's owner, and a merged customer to the customer it was merged
//! into. A record out of reach is refused exactly as a missing one is
//! ([`DomainError::NotFound`] with its id), so the answer tells nothing.

use domain::Decider;
use domain::access::{Action, Grants, Module, Permission, Reach};
use domain::error::DomainError;
use domain::ids::{BranchId, PartyId, UserId};
use domain::planning::{Assignee, Link};
use eventlog::Actor;
use uuid::Uuid;

use crate::commands::CommandHandler;

/// Merges followed at most when resolving a party: a chain longer than
/// this is treated as missing rather than walked forever.
const MERGE_HOPS_MAX: usize = 16;

/// Who a use case acts for: the user, what their roles grant (cut down
/// to the token's permissions when a token signed the request) and how
/// far, their branch, and the token if one did. A process of the system
/// itself (a retention run) is a caller too, with an administrator's
/// grants and its own name on what it records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user: UserId,
    pub branch: Option<BranchId>,
    pub grants: Grants,
    pub token: Option<Uuid>,
    /// The system process acting, recorded as the actor instead of a user.
    pub process: Option<&'static str>,
}

impl Caller {
    /// A process of the system, acting with every permission as
    /// [`crate::process::SYSTEM_USER`].
    pub fn process(name: &'static str) -> Self {
        Self {
            user: crate::process::SYSTEM_USER,
            branch: None,
            grants: Grants::of_roles(&[domain::access::Role::Administrator]),
            token: None,
            process: Some(name),
        }
    }

    /// The actor recorded on the events this caller's use cases append.
    pub fn actor(&self) -> Actor {
        match self.process {
            Some(process) => Actor::system(process),
            None => Actor::User {
                user_id: self.user.as_uuid(),
                token_id: self.token,
            },
        }
    }
}

/// A kind of record a request can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Party,
    Deal,
    Lead,
    Order,
    Interaction,
    Task,
    CalendarEntry,
    Warehouse,
    /// Shared records: everyone with the permission reads them.
    Pipeline,
    Product,
    PriceList,
    /// Administrators' settings: retention rules, branches.
    RetentionRule,
    Branch,
    /// Groups of users a task or calendar entry can be for.
    Group,
    PurchaseOrder,
    /// The company's settings (its currency): one record.
    Company,
    /// The daily exchange rates of one currency.
    ExchangeRates,
    ProductionOrder,
    /// A printed document as issued: held as the party it is addressed
    /// to is.
    Document,
    /// A quote: held as its customer is.
    Quote,
    /// A vehicle of the fleet: held by its branch, and by its driver.
    Vehicle,
    /// A delivery zone: shared.
    Zone,
    /// A delivery: held by the branch of the warehouse its goods leave
    /// from, and by the driver of its vehicle.
    Delivery,
}

impl Kind {
    /// The name a "does not exist" answer gives, the same whether the
    /// record is missing or out of reach.
    pub fn entity(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Deal => "deal",
            Kind::Lead => "lead",
            Kind::Order => "order",
            Kind::Interaction => "interaction",
            Kind::Task => "task",
            Kind::CalendarEntry => "calendar entry",
            Kind::Warehouse => "warehouse",
            Kind::Pipeline => "pipeline",
            Kind::Product => "product",
            Kind::PriceList => "price list",
            Kind::RetentionRule => "retention rule",
            Kind::Branch => "branch",
            Kind::Group => "group",
            Kind::PurchaseOrder => "purchase order",
            Kind::Company => "company",
            Kind::ExchangeRates => "exchange rates",
            Kind::ProductionOrder => "production order",
            Kind::Document => "document",
            Kind::Quote => "quote",
            Kind::Vehicle => "vehicle",
            Kind::Zone => "delivery zone",
            Kind::Delivery => "delivery",
        }
    }

    /// The module whose permissions reach records of this kind.
    pub fn module(self) -> Module {
        match self {
            Kind::Party => Module::Parties,
            Kind::Deal | Kind::Lead | Kind::Pipeline | Kind::Quote => Module::Sales,
            Kind::Order => Module::Orders,
            Kind::Interaction => Module::Interactions,
            // Groups are administered, but read by everyone who plans:
            // a task is assigned to one by its name.
            Kind::Task | Kind::CalendarEntry | Kind::Group => Module::Planning,
            Kind::Warehouse | Kind::Vehicle | Kind::Zone | Kind::Delivery => Module::Inventory,
            Kind::Product | Kind::PriceList => Module::Catalog,
            Kind::RetentionRule | Kind::Branch | Kind::Company => Module::Admin,
            Kind::PurchaseOrder => Module::Purchasing,
            Kind::ExchangeRates | Kind::Document => Module::Finance,
            Kind::ProductionOrder => Module::Production,
        }
    }
}

/// Whom or where a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Owner(UserId),
    /// A task or calendar entry: whether the user is one of those it is
    /// for.
    Assigned(bool),
    Branch(Option<BranchId>),
    /// A vehicle or a delivery: its branch's, and its driver's (what
    /// "own" means for a driver).
    Driven {
        driver: Option<UserId>,
        branch: Option<BranchId>,
    },
    /// Shared records (pipelines, price lists, products): everyone with
    /// the permission reads them; a narrow grant does not change them.
    Shared,
    /// The record does not exist: the caller answers for it in its own
    /// words, which are the same.
    Missing,
}

fn state_of<D>(commands: &CommandHandler, id: Uuid) -> Option<D::State>
where
    D: Decider,
    D::Event: domain::DomainEvent,
    D::State: Clone + Send + 'static,
{
    let stream = CommandHandler::stream::<D>(id).ok()?;
    commands.load::<D>(&stream).ok().map(|(state, _)| state)
}

/// The owner of `party`, after following merge redirects: a duplicate
/// merged into another's customer belongs to the survivor's owner, so its
/// old id never opens the survivor to the duplicate's owner.
fn party_owner(commands: &CommandHandler, party: PartyId) -> Holder {
    let mut party = party;
    for _ in 0..MERGE_HOPS_MAX {
        let Some(found) = state_of::<domain::parties::Party>(commands, party.as_uuid()).flatten()
        else {
            return Holder::Missing;
        };
        match found.status {
            domain::parties::PartyStatus::Merged { into } => party = into,
            _ => return Holder::Owner(found.owner),
        }
    }
    Holder::Missing
}

/// The holder of record `id` of `kind`, as `user` sees it.
pub fn holder(commands: &CommandHandler, user: UserId, kind: Kind, id: Uuid) -> Holder {
    match kind {
        Kind::Party => party_owner(commands, PartyId::from_uuid(id)),
        Kind::Deal => state_of::<domain::pipeline::Deal>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |deal| Holder::Owner(deal.owner)),
        Kind::Lead => state_of::<domain::pipeline::Lead>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |lead| Holder::Owner(lead.owner)),
        Kind::Order => state_of::<domain::sales::Order>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |order| {
                party_owner(commands, order.drafted.party)
            }),
        Kind::Vehicle => state_of::<domain::fleet::Vehicle>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |vehicle| Holder::Driven {
                driver: vehicle.driver,
                branch: vehicle.branch,
            }),
        Kind::Zone => shared(state_of::<domain::fleet::Zone>(commands, id).flatten()),
        Kind::Delivery => state_of::<domain::fleet::Delivery>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |delivery| {
                let planned = &delivery.planned;
                let driver =
                    state_of::<domain::fleet::Vehicle>(commands, planned.vehicle.as_uuid())
                        .flatten()
                        .and_then(|vehicle| vehicle.driver);
                let branch =
                    state_of::<domain::inventory::Warehouse>(commands, planned.warehouse.as_uuid())
                        .flatten()
                        .and_then(|warehouse| warehouse.branch);
                Holder::Driven { driver, branch }
            }),
        Kind::Quote => state_of::<domain::quotes::Quote>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |quote| {
                party_owner(commands, quote.drafted.party)
            }),
        Kind::Interaction => state_of::<domain::interactions::Interaction>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |interaction| {
                party_owner(commands, interaction.party)
            }),
        Kind::Task => state_of::<domain::planning::Task>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |task| {
                Holder::Assigned(is_for(commands, user, task.assignee))
            }),
        Kind::CalendarEntry => state_of::<domain::planning::CalendarEntry>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |entry| {
                Holder::Assigned(
                    entry.organizer == user
                        || entry
                            .attendees
                            .iter()
                            .any(|attendee| is_for(commands, user, *attendee)),
                )
            }),
        Kind::Warehouse => state_of::<domain::inventory::Warehouse>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |warehouse| {
                Holder::Branch(warehouse.branch)
            }),
        Kind::Pipeline => shared(state_of::<domain::pipeline::Pipeline>(commands, id).flatten()),
        Kind::Product => shared(state_of::<domain::catalog::Product>(commands, id).flatten()),
        Kind::PriceList => shared(state_of::<domain::catalog::PriceList>(commands, id).flatten()),
        Kind::RetentionRule => {
            shared(state_of::<domain::retention::RetentionRule>(commands, id).flatten())
        }
        Kind::Branch => shared(state_of::<domain::branch::Branch>(commands, id).flatten()),
        Kind::Group => shared(state_of::<domain::group::Group>(commands, id).flatten()),
        Kind::PurchaseOrder => {
            shared(state_of::<domain::purchasing::PurchaseOrder>(commands, id).flatten())
        }
        Kind::ProductionOrder => {
            shared(state_of::<domain::production::ProductionOrder>(commands, id).flatten())
        }
        Kind::Document => state_of::<domain::documents::Document>(commands, id)
            .flatten()
            .map_or(Holder::Missing, |document| match document.issued.party {
                Some(party) => party_owner(commands, party),
                None => Holder::Shared,
            }),
        // One record each, there before anything is set.
        Kind::Company | Kind::ExchangeRates => Holder::Shared,
    }
}

/// Whether a task or calendar entry for `assignee` is `user`'s: theirs,
/// or their group's while they are a member (as the group's stream has it
/// now, so one taken out of the group loses its tasks at once).
fn is_for(commands: &CommandHandler, user: UserId, assignee: Assignee) -> bool {
    match assignee {
        Assignee::User(assigned) => assigned == user,
        Assignee::Group(group) => state_of::<domain::group::Group>(commands, group.as_uuid())
            .flatten()
            .is_some_and(|group| group.members.contains(&user)),
    }
}

/// A shared record: held by everyone, if it exists.
fn shared<T>(record: Option<T>) -> Holder {
    record.map_or(Holder::Missing, |_| Holder::Shared)
}

/// Whether `caller`'s `reach` lets them touch a record held by `holder`
/// for `action`; a missing record is left to the use case's own answer.
pub fn reaches(caller: &Caller, reach: Reach, action: Action, holder: Holder) -> bool {
    match (reach, holder) {
        (Reach::All, _) | (_, Holder::Missing) => true,
        (_, Holder::Shared) => action == Action::Read,
        (Reach::Own, Holder::Owner(owner)) => owner == caller.user,
        (Reach::Own, Holder::Assigned(assigned)) => assigned,
        (Reach::Branch, Holder::Branch(branch)) => branch == caller.branch,
        (Reach::Own, Holder::Driven { driver, .. }) => driver == Some(caller.user),
        (Reach::Branch, Holder::Driven { branch, .. }) => branch == caller.branch,
        // A branch grant over owned records, or an own grant over
        // warehouses: the built-in roles never mix them.
        _ => false,
    }
}

/// Whether record `id` of `kind` is within `caller`'s reach for
/// `permission` (a missing record is: its use case answers for it).
pub fn in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    permission: Permission,
    kind: Kind,
    id: Uuid,
) -> bool {
    match caller.grants.reach(permission) {
        None => false,
        // No need to load what every record is within.
        Some(Reach::All) => true,
        Some(reach) => reaches(
            caller,
            reach,
            permission.action,
            holder(commands, caller.user, kind, id),
        ),
    }
}

/// The refusal of a record out of reach: the very error a missing one
/// gets.
pub fn not_found(kind: Kind, id: Uuid) -> DomainError {
    DomainError::part_not_found(kind.entity(), id)
}

/// Checks a record a use case names (a body's `party`, a query's
/// `warehouse`, a merge's survivor) against `caller`'s `permission`.
pub fn ensure_in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    permission: Permission,
    kind: Kind,
    id: Uuid,
) -> Result<(), DomainError> {
    if in_reach(commands, caller, permission, kind, id) {
        Ok(())
    } else {
        Err(not_found(kind, id))
    }
}

/// A party named by a use case about it (an order's customer, a deal's,
/// a task's): the caller must be able to read the party.
pub fn ensure_party_in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    party: impl Into<Uuid>,
) -> Result<(), DomainError> {
    let permission = Permission::new(Module::Parties, Action::Read);
    ensure_in_reach(commands, caller, permission, Kind::Party, party.into())
}

/// A deal a use case links to (an order's, an interaction's, a task's):
/// the caller must be able to read it.
pub fn ensure_deal_in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    deal: impl Into<Uuid>,
) -> Result<(), DomainError> {
    let permission = Permission::new(Module::Sales, Action::Read);
    ensure_in_reach(commands, caller, permission, Kind::Deal, deal.into())
}

/// The party or deal a task or a calendar entry is about.
pub fn ensure_link_in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    link: Option<Link>,
) -> Result<(), DomainError> {
    match link {
        Some(Link::Party(party)) => ensure_party_in_reach(commands, caller, party),
        Some(Link::Deal(deal)) => ensure_deal_in_reach(commands, caller, deal),
        None => Ok(()),
    }
}

/// A warehouse that stock moves in or out of, by whatever path (a stock
/// form, an order's line, its shipment): a storekeeper's branch grant
/// reaches only the branch's warehouses.
pub fn ensure_warehouse_in_reach(
    commands: &CommandHandler,
    caller: &Caller,
    action: Action,
    warehouse: impl Into<Uuid>,
) -> Result<(), DomainError> {
    let permission = Permission::new(Module::Inventory, action);
    ensure_in_reach(
        commands,
        caller,
        permission,
        Kind::Warehouse,
        warehouse.into(),
    )
}

/// Whether the warehouse of order `id` is within `caller`'s
/// `inventory.read` reach (a missing order is: its use case answers). A
/// change to an order (a line, a confirmation that reserves, a shipment
/// that issues, a return that receives) moves or commits that
/// warehouse's stock.
pub fn order_warehouse_in_reach(commands: &CommandHandler, caller: &Caller, id: Uuid) -> bool {
    let Some(order) = state_of::<domain::sales::Order>(commands, id).flatten() else {
        return true;
    };
    ensure_warehouse_in_reach(commands, caller, Action::Read, order.drafted.warehouse).is_ok()
}

/// Whether the warehouse of purchase order `id` is within `caller`'s
/// `inventory.read` reach (a missing order is: its use case answers): a
/// storekeeper receives only into their own branch's warehouses.
pub fn purchase_warehouse_in_reach(commands: &CommandHandler, caller: &Caller, id: Uuid) -> bool {
    let Some(order) = state_of::<domain::purchasing::PurchaseOrder>(commands, id).flatten() else {
        return true;
    };
    ensure_warehouse_in_reach(commands, caller, Action::Read, order.warehouse).is_ok()
}

/// Whether the warehouse a production order takes from and makes into is
/// within `caller`'s inventory reach (an order not yet planned: yes; its
/// warehouse is checked as a named record).
pub fn production_warehouse_in_reach(commands: &CommandHandler, caller: &Caller, id: Uuid) -> bool {
    let Some(order) = state_of::<domain::production::ProductionOrder>(commands, id).flatten()
    else {
        return true;
    };
    ensure_warehouse_in_reach(commands, caller, Action::Read, order.warehouse).is_ok()
}
