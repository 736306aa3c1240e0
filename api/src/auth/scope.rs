//! Record scoping: a grant that reaches only the user's own records (a
//! sales manager and their customers) or the warehouses of their branch (a
//! storekeeper) is checked against the record a route names.
//!
//! The access check calls [`record_in_reach`] for every route with an id
//! when the principal's grant is narrower than `All`; the record's owner
//! (or branch) is read from the aggregate itself through the command
//! handler's cache, so it is never stale. What hangs off a customer
//! (their orders, interactions, account) belongs to the customer's owner.
//! A record out of reach answers 404, as if it did not exist. Lists are
//! cut down by their handlers with [`Principal::may_see_owner`] and
//! [`Principal::may_see_branch`].

use domain::Decider;
use domain::access::{Action, Permission, Reach};
use domain::ids::{BranchId, PartyId, UserId};
use domain::planning::Assignee;
use uuid::Uuid;

use super::Principal;
use crate::AppState;
use crate::commands::CommandHandler;

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

fn party_owner(state: &AppState, party: PartyId) -> Holder {
    state_of::<domain::parties::Party>(state, party.as_uuid())
        .flatten()
        .map_or(Holder::Missing, |party| Holder::Owner(party.owner))
}

/// The holder of the record a route template names with `id`.
fn holder(state: &AppState, user: UserId, route: &str, id: Uuid) -> Holder {
    let route = route.strip_prefix(crate::http::API_PREFIX).unwrap_or(route);
    let resource = route.split('/').nth(1).unwrap_or_default();
    match resource {
        "parties" | "customers" => party_owner(state, PartyId::from_uuid(id)),
        "deals" => state_of::<domain::pipeline::Deal>(state, id)
            .flatten()
            .map_or(Holder::Missing, |deal| Holder::Owner(deal.owner)),
        "pipeline" if route.starts_with("/pipeline/deals/") => {
            state_of::<domain::pipeline::Deal>(state, id)
                .flatten()
                .map_or(Holder::Missing, |deal| Holder::Owner(deal.owner))
        }
        "leads" => state_of::<domain::pipeline::Lead>(state, id)
            .flatten()
            .map_or(Holder::Missing, |lead| Holder::Owner(lead.owner)),
        "orders" => state_of::<domain::sales::Order>(state, id)
            .flatten()
            .map_or(Holder::Missing, |order| {
                party_owner(state, order.drafted.party)
            }),
        "interactions" => state_of::<domain::interactions::Interaction>(state, id)
            .flatten()
            .map_or(Holder::Missing, |interaction| {
                party_owner(state, interaction.party)
            }),
        "tasks" => state_of::<domain::planning::Task>(state, id)
            .flatten()
            .map_or(Holder::Missing, |task| {
                Holder::Assigned(task.assignee == Assignee::User(user))
            }),
        "calendar-entries" => state_of::<domain::planning::CalendarEntry>(state, id)
            .flatten()
            .map_or(Holder::Missing, |entry| {
                Holder::Assigned(
                    entry.organizer == user || entry.attendees.contains(&Assignee::User(user)),
                )
            }),
        "warehouses" => state_of::<domain::inventory::Warehouse>(state, id)
            .flatten()
            .map_or(Holder::Missing, |warehouse| {
                Holder::Branch(warehouse.branch)
            }),
        // The product page's stock forms name their warehouse in the
        // body: the form's handler checks the branch.
        "catalog" if route.starts_with("/catalog/products/{id}/") => Holder::Missing,
        _ => Holder::Shared,
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
    if reach == Reach::All {
        return true;
    }
    match (reach, holder(state, principal.user, route, id)) {
        (_, Holder::Missing) => true,
        (_, Holder::Shared) => permission.action == Action::Read,
        (Reach::Own, Holder::Owner(owner)) => owner == principal.user,
        (Reach::Own, Holder::Assigned(assigned)) => assigned,
        (Reach::Branch, Holder::Branch(branch)) => branch == principal.branch,
        // A branch grant over owned records, or an own grant over
        // warehouses: the built-in roles never mix them.
        _ => false,
    }
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
