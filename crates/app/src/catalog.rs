//! The catalog, once for every adapter: defining a product under a SKU
//! no other product holds. SKUs are unique across the catalog, which the
//! product's own decider cannot see, so the catalog read model is asked
//! first; it may lag a write or two, so two definitions racing with one
//! new SKU can both pass (a retry of one definition names the same
//! product and passes).

use domain::catalog::{DefineProduct, Product, ProductCommand};
use domain::error::DomainError;
use domain::ids::ProductId;
use projections::CrmReadModels;

use crate::access::Caller;
use crate::commands::{CommandError, Executed};
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
