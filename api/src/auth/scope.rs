//! Record scoping: a grant that reaches only the user's own records (a
//! sales manager and their customers) or the warehouses of their branch (a
//! storekeeper) is checked against the record a route names.
//!
//! The access check calls [`record_in_reach`] for every route with an id
//! when the principal's grant is narrower than `All`; the record's owner
//! (or branch) is read from the aggregate itself through the command
//! handler's cache, so it is never stale. What hangs off a customer
//! (their orders, interactions, account) belongs to the customer's owner.
//! Ids a request names elsewhere (a body's `party`, a query's
//! `warehouse`, a merge's survivor) are checked by the use case with
//! [`ensure_in_reach`] before its first event, and a merged party is
//! judged by the survivor it redirects to. A record out of reach answers
//! 404 in the same words as a missing one. Lists are
//! cut down by their handlers with [`Principal::may_see_owner`] and
//! [`Principal::may_see_branch`].

use domain::Decider;
use domain::access::{Action, Module, Permission, Reach};
use domain::ids::{BranchId, PartyId, UserId};
use domain::planning::Assignee;
use uuid::Uuid;

use super::Principal;
use crate::AppState;
use crate::http::error::ApiError;
use app::commands::CommandHandler;

/// Whom or where a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    Owner(UserId),
    /// A task or calendar entry: the user is one of those it is for.
    Assigned(bool),
    Branch(Option<BranchId>),
    /// Shared records (pipelines, price lists, products): everyone with
    /// the permission reads them; a narrow grant does not change them.
    Shared,
    /// The record does not exist: the handler answers 404 itself.
    Missing,
}

fn state_of<D>(state: &AppState, id: Uuid) -> Option<D::State>
where
    D: Decider,
    D::Event: domain::DomainEvent,
    D::State: Clone + Send + 'static,
{
    let stream = CommandHandler::stream::<D>(id).ok()?;
    state
        .commands
        .load::<D>(&stream)
        .ok()
        .map(|(state, _)| state)
}

/// Merges followed at most when resolving a party: a chain longer than
/// this is treated as missing rather than walked forever.
const MERGE_HOPS_MAX: usize = 16;

/// The owner of `party`, after following merge redirects: a duplicate
/// merged into another's customer belongs to the survivor's owner, so its
/// old id never opens the survivor to the duplicate's owner.
fn party_owner(state: &AppState, party: PartyId) -> Holder {
    let mut party = party;
    for _ in 0..MERGE_HOPS_MAX {
        let Some(found) = state_of::<domain::parties::Party>(state, party.as_uuid()).flatten()
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

/// A kind of record that a request can name, in its path, its body or
/// its query string; each is checked the same way wherever its id came
/// from.
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
        }
    }

    /// The kind of record a route template names with its first id, or
    /// `None` for shared records (pipelines, products, price lists).
    fn of_route(route: &str) -> Option<Kind> {
        let route = route.strip_prefix(crate::http::API_PREFIX).unwrap_or(route);
        let resource = route.split('/').nth(1).unwrap_or_default();
        Some(match resource {
            "parties" | "customers" => Kind::Party,
            "deals" => Kind::Deal,
            "pipeline" if route.starts_with("/pipeline/deals/") => Kind::Deal,
            "leads" => Kind::Lead,
            "orders" => Kind::Order,
            "interactions" => Kind::Interaction,
            "tasks" => Kind::Task,
            "calendar-entries" => Kind::CalendarEntry,
            "warehouses" => Kind::Warehouse,
            _ => return None,
        })
    }
}

/// The holder of record `id` of `kind`.
fn holder(state: &AppState, user: UserId, kind: Kind, id: Uuid) -> Holder {
    match kind {
        Kind::Party => party_owner(state, PartyId::from_uuid(id)),
        Kind::Deal => state_of::<domain::pipeline::Deal>(state, id)
            .flatten()
            .map_or(Holder::Missing, |deal| Holder::Owner(deal.owner)),
        Kind::Lead => state_of::<domain::pipeline::Lead>(state, id)
            .flatten()
            .map_or(Holder::Missing, |lead| Holder::Owner(lead.owner)),
        Kind::Order => state_of::<domain::sales::Order>(state, id)
            .flatten()
            .map_or(Holder::Missing, |order| {
                party_owner(state, order.drafted.party)
            }),
        Kind::Interaction => state_of::<domain::interactions::Interaction>(state, id)
            .flatten()
            .map_or(Holder::Missing, |interaction| {
                party_owner(state, interaction.party)
            }),
        Kind::Task => state_of::<domain::planning::Task>(state, id)
            .flatten()
            .map_or(Holder::Missing, |task| {
                Holder::Assigned(task.assignee == Assignee::User(user))
            }),
        Kind::CalendarEntry => state_of::<domain::planning::CalendarEntry>(state, id)
            .flatten()
            .map_or(Holder::Missing, |entry| {
                Holder::Assigned(
                    entry.organizer == user || entry.attendees.contains(&Assignee::User(user)),
                )
            }),
        Kind::Warehouse => state_of::<domain::inventory::Warehouse>(state, id)
            .flatten()
            .map_or(Holder::Missing, |warehouse| {
                Holder::Branch(warehouse.branch)
            }),
    }
}

/// The holder of the record a route template names with `id`.
fn holder_of_route(state: &AppState, user: UserId, route: &str, id: Uuid) -> Holder {
    match Kind::of_route(route) {
        Some(kind) => holder(state, user, kind, id),
        // The product page's stock forms name their warehouse in the
        // body: the form's handler checks the branch.
        None if route.starts_with("/catalog/products/{id}/") => Holder::Missing,
        None => Holder::Shared,
    }
}

/// Whether a principal with a narrow `reach` (callers settle `All`
/// before loading the holder) may touch a record held by `holder` for
/// `action`; a missing record is left to the caller's own answer.
fn reaches(principal: &Principal, reach: Reach, action: Action, holder: Holder) -> bool {
    match (reach, holder) {
        (Reach::All, _) => true,
        (_, Holder::Missing) => true,
        (_, Holder::Shared) => action == Action::Read,
        (Reach::Own, Holder::Owner(owner)) => owner == principal.user,
        (Reach::Own, Holder::Assigned(assigned)) => assigned,
        (Reach::Branch, Holder::Branch(branch)) => branch == principal.branch,
        // A branch grant over owned records, or an own grant over
        // warehouses: the built-in roles never mix them.
        _ => false,
    }
}

/// Whether the record the route names with `id` is within the reach of
/// the principal's `permission`.
pub fn record_in_reach(
    state: &AppState,
    principal: &Principal,
    permission: Permission,
    route: &str,
    id: Uuid,
) -> bool {
    let Some(reach) = principal.grants.reach(permission) else {
        return false;
    };
    let in_reach = reach == Reach::All
        || reaches(
            principal,
            reach,
            permission.action,
            holder_of_route(state, principal.user, route, id),
        );
    // A change to an order (a line, a confirmation that reserves, a
    // shipment that issues, a return that receives) moves or commits the
    // stock of the order's warehouse: that warehouse must be within the
    // principal's inventory reach too, or a storekeeper could move another
    // branch's goods through an order.
    in_reach
        && (permission.action == Action::Read
            || Kind::of_route(route) != Some(Kind::Order)
            || order_warehouse_in_reach(state, principal, id))
}

/// Whether the warehouse of order `id` is within the principal's
/// `Inventory.read` reach (a missing order passes: its handler answers).
fn order_warehouse_in_reach(state: &AppState, principal: &Principal, id: Uuid) -> bool {
    let Some(order) = state_of::<domain::sales::Order>(state, id).flatten() else {
        return true;
    };
    ensure_warehouse_in_reach(state, principal, Action::Read, order.drafted.warehouse).is_ok()
}

/// The "does not exist" answer for record `id` of `kind`: the same words
/// whether it is missing or out of reach, so the answer tells nothing.
pub fn not_found(kind: Kind, id: Uuid) -> ApiError {
    ApiError::NotFound(format!("{} {id}", kind.entity()))
}

/// The path's record, for the access check: its kind (if it is one that
/// can be out of reach) and the answer when it is.
pub fn route_not_found(route: &str, id: Uuid) -> ApiError {
    match Kind::of_route(route) {
        Some(kind) => not_found(kind, id),
        None => ApiError::NotFound(format!("{id}")),
    }
}

/// Checks a record a request names anywhere (a body's `party`, a query's
/// `warehouse`, a merge's survivor) against the principal's `permission`:
/// one out of reach is answered exactly as a missing one. A missing record
/// passes, for the caller to answer in its own words (which are these).
pub fn ensure_in_reach(
    state: &AppState,
    principal: &Principal,
    permission: Permission,
    kind: Kind,
    id: Uuid,
) -> Result<(), ApiError> {
    let in_reach = match principal.grants.reach(permission) {
        None => false,
        Some(Reach::All) => true,
        Some(reach) => reaches(
            principal,
            reach,
            permission.action,
            holder(state, principal.user, kind, id),
        ),
    };
    if in_reach {
        Ok(())
    } else {
        Err(not_found(kind, id))
    }
}

/// [`ensure_in_reach`] for a party named by a request about it (an
/// order's customer, a deal's, a task's): the principal must be able to
/// read the party.
pub fn ensure_party_in_reach(
    state: &AppState,
    principal: &Principal,
    party: impl Into<Uuid>,
) -> Result<(), ApiError> {
    ensure_in_reach(
        state,
        principal,
        Permission::new(Module::Parties, Action::Read),
        Kind::Party,
        party.into(),
    )
}

/// [`ensure_in_reach`] for a deal a request links to (an order's, an
/// interaction's, a task's): the principal must be able to read it.
pub fn ensure_deal_in_reach(
    state: &AppState,
    principal: &Principal,
    deal: impl Into<Uuid>,
) -> Result<(), ApiError> {
    ensure_in_reach(
        state,
        principal,
        Permission::new(Module::Sales, Action::Read),
        Kind::Deal,
        deal.into(),
    )
}

/// The party or deal a task or a calendar entry is about, checked as
/// [`ensure_party_in_reach`] and [`ensure_deal_in_reach`] do.
pub fn ensure_link_in_reach(
    state: &AppState,
    principal: &Principal,
    link: Option<domain::planning::Link>,
) -> Result<(), ApiError> {
    match link {
        Some(domain::planning::Link::Party(party)) => {
            ensure_party_in_reach(state, principal, party.as_uuid())
        }
        Some(domain::planning::Link::Deal(deal)) => {
            ensure_deal_in_reach(state, principal, deal.as_uuid())
        }
        None => Ok(()),
    }
}

/// [`ensure_in_reach`] for a warehouse that stock moves in or out of, by
/// whatever path (a stock form, an order's line, its shipment): a
/// storekeeper's branch grant reaches only the branch's warehouses.
pub fn ensure_warehouse_in_reach(
    state: &AppState,
    principal: &Principal,
    action: Action,
    warehouse: impl Into<Uuid>,
) -> Result<(), ApiError> {
    ensure_in_reach(
        state,
        principal,
        Permission::new(Module::Inventory, action),
        Kind::Warehouse,
        warehouse.into(),
    )
}

/// Whether `user` owns customer `party`, by the customers read model (for
/// cutting lists down; single records are checked on the aggregate).
pub fn owns_party(state: &AppState, user: UserId, party: PartyId) -> bool {
    state.read_models.customers.read(|customers| {
        customers
            .resolve(party)
            .is_some_and(|customer| customer.owner == user)
    })
}

/// The warehouses the principal's `Inventory.read` grant does not reach
/// (another branch's), or `None` when it reaches every one. For cutting
/// the stock lists down; a handful of warehouses, read from their streams.
pub fn warehouses_out_of_reach(
    state: &AppState,
    principal: &Principal,
) -> Option<std::collections::HashSet<Uuid>> {
    let permission = Permission::new(domain::access::Module::Inventory, Action::Read);
    if principal.grants.reach(permission) == Some(Reach::All) {
        return None;
    }
    let known: Vec<Uuid> = state.read_models.stock.read(|stock| {
        stock
            .warehouses()
            .into_iter()
            .map(|(id, _)| id.as_uuid())
            .collect()
    });
    Some(
        known
            .into_iter()
            .filter(|id| !record_in_reach(state, principal, permission, "/warehouses/{id}", *id))
            .collect(),
    )
}

/// The id at the position of the route's first `{…}` segment.
pub fn first_id(route: &str, path: &str) -> Option<Uuid> {
    let index = route
        .split('/')
        .position(|segment| segment.starts_with('{'))?;
    path.split('/').nth(index)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects the mapping from a route to its record id.
    #[test]
    fn the_id_is_read_where_the_route_has_it() {
        let id = Uuid::now_v7();
        assert_eq!(
            first_id(
                "/api/v1/parties/{id}/rename",
                &format!("/api/v1/parties/{id}/rename")
            ),
            Some(id)
        );
        assert_eq!(first_id("/api/v1/parties", "/api/v1/parties"), None);
        assert_eq!(first_id("/customers/{id}", "/customers/not-an-id"), None);
    }
}
