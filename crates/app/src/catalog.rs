//! The catalog, once for every adapter: defining a product under a SKU
//! no other product holds, and quoting a product's price for a customer. SKUs are unique across the catalog, which the
//! product's own decider cannot see, so the catalog read model is asked
//! first; it may lag a write or two, so two definitions racing with one
//! new SKU can both pass (a retry of one definition names the same
//! product and passes).

use domain::access::{Action, Module, Permission};
use domain::catalog::{
    DefineProduct, PriceList, PriceRequest, Product, ProductCommand, Quantity, ResolvedPrice,
    resolve_price,
};
use domain::error::DomainError;
use domain::ids::{PartyId, PriceListId, ProductId};
use domain::parties::Party;
use projections::CrmReadModels;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::{App, Run};

/// The refusal of a SKU another product holds: a conflict with the
/// present (409 in the API).
pub const SKU_TAKEN: &str = "sku.already_exists";

/// Defines product `id`, refusing a SKU another product holds.
pub async fn define_product(
    app: &App,
    models: &CrmReadModels,
    by: &Caller,
    run: Run,
    id: ProductId,
    define: DefineProduct,
) -> Result<Executed, CommandError> {
    let holder = models
        .catalog
        .read(|catalog| catalog.product_by_sku(define.sku.as_str()));
    if let Some(holder) = holder.filter(|holder| *holder != id) {
        return Err(DomainError::rejected(
            SKU_TAKEN,
            format!("product {holder} already has SKU {}", define.sku.as_str()),
        )
        .into());
    }
    app.execute::<Product, _>(by, run, id, ProductCommand::Define(define), None)
        .await
}

/// What one unit of `product` costs on price list `list` at `quantity`,
/// for `party` (its own and its tags' prices and discounts) or for anyone:
/// the price a confirmation would take now. The caller must read the
/// catalog, and the party must be within their reach (one out of reach
/// is answered as a missing one).
pub fn quote(
    app: &App,
    by: &Caller,
    list: PriceListId,
    product: ProductId,
    party: Option<PartyId>,
    quantity: Quantity,
) -> Result<ResolvedPrice, CommandError> {
    let commands = &app.commands;
    let read = |module| Permission::new(module, Action::Read);
    if by.grants.reach(read(Module::Catalog)).is_none() {
        return Err(CommandError::Forbidden {
            permission: read(Module::Catalog),
        });
    }
    let (list_state, _) =
        commands.load::<PriceList>(&CommandHandler::stream::<PriceList>(list)?)?;
    let list_state = list_state.ok_or_else(|| DomainError::part_not_found("price list", list))?;
    let (product_state, _) =
        commands.load::<Product>(&CommandHandler::stream::<Product>(product)?)?;
    let product_state =
        product_state.ok_or_else(|| DomainError::part_not_found("product", product))?;
    let segments: Vec<String> = match party {
        Some(party) => {
            access::ensure_in_reach(
                commands,
                by,
                read(Module::Parties),
                Kind::Party,
                party.as_uuid(),
            )?;
            let (state, _) = commands.load::<Party>(&CommandHandler::stream::<Party>(party)?)?;
            let state = state.ok_or_else(|| access::not_found(Kind::Party, party.as_uuid()))?;
            state.tags.into_iter().collect()
        }
        None => Vec::new(),
    };
    let request = PriceRequest {
        product,
        party,
        segments: &segments,
        quantity,
    };
    Ok(resolve_price(&list_state, &product_state, &request)?)
}
