//! Record scoping at the HTTP edge: the access check asks
//! [`record_in_reach`] about the record a route's path names, and
//! handlers check the ids they find in bodies and query strings with the
//! `ensure_*` functions. The rules themselves are the application's
//! ([`app::access`]): a narrow grant reaches the user's own records (and
//! what hangs off them, a merged customer judged by its survivor) or the
//! warehouses of their branch, and a record out of reach is answered in
//! the same words as a missing one. Lists are cut down by their handlers
//! with [`Principal::may_see_owner`] and [`Principal::may_see_branch`].

use app::access::{self, Holder, Kind};
use domain::access::{Action, Permission, Reach};
use domain::ids::{PartyId, UserId};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::http::error::ApiError;

/// The kind of record a route template names with its first id, or
/// `None` for shared records (pipelines, products, price lists).
pub fn kind_of_route(route: &str) -> Option<Kind> {
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
        "documents" => Kind::Document,
        "quotes" => Kind::Quote,
        "vehicles" => Kind::Vehicle,
        "deliveries" => Kind::Delivery,
        _ => return None,
    })
}

/// The holder of the record a route template names with `id`.
fn holder_of_route(state: &AppState, user: UserId, route: &str, id: Uuid) -> Holder {
    match kind_of_route(route) {
        Some(kind) => access::holder(&state.commands, user, kind, id),
        // The product page's stock forms name their warehouse in the
        // body: the form's handler checks the branch.
        None if route.starts_with("/catalog/products/{id}/") => Holder::Missing,
        None => Holder::Shared,
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
    let caller = principal.caller();
    let Some(reach) = caller.grants.reach(permission) else {
        return false;
    };
    let in_reach = reach == Reach::All
        || access::reaches(
            &caller,
            reach,
            permission.action,
            holder_of_route(state, caller.user, route, id),
        );
    // A change to an order moves or commits the stock of its warehouse:
    // that warehouse must be within the principal's inventory reach too,
    // or a storekeeper could move another branch's goods through an order.
    in_reach
        && (permission.action == Action::Read
            || kind_of_route(route) != Some(Kind::Order)
            || access::order_warehouse_in_reach(&state.commands, &caller, id))
}

/// The path's record, for the access check: the answer when it is out
/// of reach, the same as when it is missing.
pub fn route_not_found(route: &str, id: Uuid) -> ApiError {
    match kind_of_route(route) {
        Some(kind) => access::not_found(kind, id).into(),
        None => ApiError::NotFound(format!("{id}")),
    }
}

/// [`access::ensure_in_reach`] for a handler.
pub fn ensure_in_reach(
    state: &AppState,
    principal: &Principal,
    permission: Permission,
    kind: Kind,
    id: Uuid,
) -> Result<(), ApiError> {
    Ok(access::ensure_in_reach(
        &state.commands,
        &principal.caller(),
        permission,
        kind,
        id,
    )?)
}

/// [`access::ensure_party_in_reach`] for a handler.
pub fn ensure_party_in_reach(
    state: &AppState,
    principal: &Principal,
    party: impl Into<Uuid>,
) -> Result<(), ApiError> {
    Ok(access::ensure_party_in_reach(
        &state.commands,
        &principal.caller(),
        party,
    )?)
}

/// [`access::ensure_deal_in_reach`] for a handler.
pub fn ensure_deal_in_reach(
    state: &AppState,
    principal: &Principal,
    deal: impl Into<Uuid>,
) -> Result<(), ApiError> {
    Ok(access::ensure_deal_in_reach(
        &state.commands,
        &principal.caller(),
        deal,
    )?)
}

/// [`access::ensure_link_in_reach`] for a handler.
pub fn ensure_link_in_reach(
    state: &AppState,
    principal: &Principal,
    link: Option<domain::planning::Link>,
) -> Result<(), ApiError> {
    Ok(access::ensure_link_in_reach(
        &state.commands,
        &principal.caller(),
        link,
    )?)
}

/// [`access::ensure_warehouse_in_reach`] for a handler.
pub fn ensure_warehouse_in_reach(
    state: &AppState,
    principal: &Principal,
    action: Action,
    warehouse: impl Into<Uuid>,
) -> Result<(), ApiError> {
    Ok(access::ensure_warehouse_in_reach(
        &state.commands,
        &principal.caller(),
        action,
        warehouse,
    )?)
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
            .filter(|id| {
                !access::in_reach(
                    &state.commands,
                    &principal.caller(),
                    permission,
                    Kind::Warehouse,
                    *id,
                )
            })
            .collect(),
    )
}

/// The text of the path's segment where the route has its first `{…}`,
/// as the client wrote it.
pub fn first_id_text<'a>(route: &str, path: &'a str) -> Option<&'a str> {
    let index = route
        .split('/')
        .position(|segment| segment.starts_with('{'))?;
    path.split('/').nth(index)
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
