//! Production, once for every adapter: a product's bill of materials (a
//! new version, the active one), and production orders planned from the
//! active bill, released, and reported complete, as a caller. The
//! one-command changes (start, finish, cancel) go through
//! [`App::execute`].
//!
//! A bill's components must be products, and following the active bills
//! of its components must never lead back to the product: a bill that
//! would make a product part of itself is refused, naming the path. A
//! completion is refused before anything is written when a component is
//! short (what its reservation holds and the free stock together), naming
//! the component: the stock would refuse it later, in a process, where the
//! storekeeper does not see it.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use domain::catalog::{Product, Quantity};
use domain::error::DomainError;
use domain::ids::{BranchId, ProductId, ProductionOrderId, WarehouseId, derived};
use domain::inventory::{Stock, Warehouse};
use domain::production::{
    Bom, BomCommand, BomComponent, DefineBom, PlanProduction, ProductionCommand, ProductionOrder,
};

use crate::access::{self, Caller, Kind};
use crate::aggregate::{ensure_product, ensure_warehouse};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::process::{negative_stock_allowed, stock_stream};
use crate::{App, Run};

/// Deepest nesting of bills followed when looking for a cycle: far more
/// than any workshop's sub-assemblies, and a bound on the walk.
pub const BOM_DEPTH_MAX: usize = 32;

/// A production order to plan from the product's active bill.
#[derive(Clone, Copy, Debug)]
pub struct NewProduction {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub quantity: Quantity,
    pub due_on: NaiveDate,
    /// `None`: the warehouse's branch.
    pub branch: Option<BranchId>,
}

/// A production order planned: its id (derived from the run's command
/// id) and the write.
#[derive(Clone, Debug)]
pub struct ProductionPlanned {
    pub order: ProductionOrderId,
    pub executed: Executed,
}

/// The production use cases of `app`.
#[derive(Debug)]
pub struct ProductionUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn production(&self) -> ProductionUseCases<'_> {
        ProductionUseCases { app: self }
    }
}

impl ProductionUseCases<'_> {
    /// Records a new version of `define.product`'s bill (active at once if
    /// it is the product's first).
    pub async fn define_bom(
        &self,
        by: &Caller,
        run: Run,
        define: DefineBom,
    ) -> Result<Executed, CommandError> {
        let product = define.product;
        let components: Vec<ProductId> = define.components.iter().map(|c| c.product).collect();
        let first = self
            .app
            .load::<Bom>(product)?
            .0
            .is_none_or(|bom| bom.active.is_none());
        if first {
            self.ensure_no_cycle(product, &components)?;
        }
        self.app
            .execute::<Bom, _>(by, run, product, BomCommand::Define(define), None)
            .await
    }

    /// Makes `version` the active version of `product`'s bill.
    pub async fn activate_bom(
        &self,
        by: &Caller,
        run: Run,
        product: ProductId,
        version: u32,
    ) -> Result<Executed, CommandError> {
        if let Some(bom) = self.app.load::<Bom>(product)?.0
            && let Some(chosen) = bom.versions.get(&version)
        {
            let components: Vec<ProductId> = chosen.components.iter().map(|c| c.product).collect();
            self.ensure_no_cycle(product, &components)?;
        }
        self.app
            .execute::<Bom, _>(by, run, product, BomCommand::Activate { version }, None)
            .await
    }

    /// Refuses components that, through the active bills, lead back to
    /// `product`.
    fn ensure_no_cycle(
        &self,
        product: ProductId,
        components: &[ProductId],
    ) -> Result<(), CommandError> {
        let mut path = vec![product];
        let mut cleared = BTreeSet::new();
        for component in components {
            self.walk(product, *component, &mut path, &mut cleared)?;
        }
        Ok(())
    }

    fn walk(
        &self,
        target: ProductId,
        at: ProductId,
        path: &mut Vec<ProductId>,
        cleared: &mut BTreeSet<ProductId>,
    ) -> Result<(), CommandError> {
        if at == target {
            path.push(at);
            let names: Vec<String> = path.iter().map(|id| self.product_name(*id)).collect();
            return Err(DomainError::rejected(
                "bom.cycle",
                format!("a product cannot be part of itself: {}", names.join(" → ")),
            )
            .into());
        }
        if cleared.contains(&at) {
            return Ok(());
        }
        if path.len() > BOM_DEPTH_MAX {
            return Err(DomainError::rejected(
                "bom.too_deep",
                format!("bills nest at most {BOM_DEPTH_MAX} levels deep"),
            )
            .into());
        }
        if let Some(bom) = self.app.load::<Bom>(at)?.0
            && let Some((_, version)) = bom.active_version()
        {
            path.push(at);
            for component in &version.components {
                self.walk(target, component.product, path, cleared)?;
            }
            path.pop();
        }
        cleared.insert(at);
        Ok(())
    }

    fn product_name(&self, product: ProductId) -> String {
        self.app
            .load::<Product>(product)
            .ok()
            .and_then(|(state, _)| state)
            .map_or_else(|| product.to_string(), |product| product.name)
    }

    /// Plans a production order from the product's active bill, whose
    /// components and operation cost it copies.
    pub async fn plan(
        &self,
        by: &Caller,
        run: Run,
        new: NewProduction,
    ) -> Result<ProductionPlanned, CommandError> {
        let commands = &self.app.commands;
        ensure_product(commands, new.product)?;
        ensure_warehouse(commands, new.warehouse)?;
        let bom = self.app.load::<Bom>(new.product)?.0;
        let Some((version, active)) = bom.as_ref().and_then(|bom| bom.active_version()) else {
            return Err(DomainError::rejected(
                "production.no_bom",
                "this product has no active bill of materials: define one first",
            )
            .into());
        };
        let branch = match new.branch {
            Some(branch) => Some(branch),
            None => commands
                .load::<Warehouse>(&CommandHandler::stream::<Warehouse>(new.warehouse)?)?
                .0
                .and_then(|warehouse| warehouse.branch),
        };
        let order = ProductionOrderId::from_uuid(derived(run.command_id, b"production-order"));
        let command = ProductionCommand::Plan(PlanProduction {
            order,
            product: new.product,
            bom_version: version,
            warehouse: new.warehouse,
            branch,
            quantity: new.quantity,
            due_on: new.due_on,
            components: active.components.clone(),
            operations: active.operations.clone(),
        });
        let executed = self
            .app
            .execute::<ProductionOrder, _>(by, run, order, command, None)
            .await?;
        Ok(ProductionPlanned { order, executed })
    }

    /// Reports `quantity` units made (`finish`: the last of the order,
    /// even if fewer than planned). Refused, naming the component, when
    /// the stock does not hold what the completion uses.
    pub async fn complete(
        &self,
        by: &Caller,
        run: Run,
        order: ProductionOrderId,
        quantity: Quantity,
        finish: bool,
    ) -> Result<Executed, CommandError> {
        let permission = domain::access::Permission::new(
            domain::access::Module::Production,
            domain::access::Action::Edit,
        );
        access::ensure_in_reach(
            &self.app.commands,
            by,
            permission,
            Kind::ProductionOrder,
            order.as_uuid(),
        )?;
        // An order that cannot report this much is refused by its own
        // rules, in their words; only a report it would take is checked
        // against the stock.
        if let Some(state) = self.app.load::<ProductionOrder>(order)?.0
            && state.status.open()
            && state.status != domain::production::ProductionStatus::Planned
            && quantity.value() <= state.outstanding()
        {
            for planned in &state.components {
                self.ensure_component_in_stock(
                    &planned.component,
                    planned.reservation,
                    state.warehouse,
                    quantity,
                )?;
            }
        }
        self.app
            .execute::<ProductionOrder, _>(
                by,
                run,
                order,
                ProductionCommand::Complete { quantity, finish },
                None,
            )
            .await
    }

    fn ensure_component_in_stock(
        &self,
        component: &BomComponent,
        reservation: domain::ids::ReservationId,
        warehouse: WarehouseId,
        units: Quantity,
    ) -> Result<(), CommandError> {
        let commands = &self.app.commands;
        if negative_stock_allowed(commands, component.product, warehouse)? {
            return Ok(());
        }
        let needed = component.needed_for(units.value());
        let (stock, _) = commands.load::<Stock>(&stock_stream(component.product, warehouse)?)?;
        let held = stock
            .reservations
            .get(&reservation)
            .copied()
            .unwrap_or_default();
        let available = stock.available() + held.min(needed);
        if needed > available {
            return Err(DomainError::rejected(
                "production.short",
                format!(
                    "{} is short: {} needed, {} available",
                    self.product_name(component.product),
                    needed.normalize(),
                    available.normalize()
                ),
            )
            .into());
        }
        Ok(())
    }
}
