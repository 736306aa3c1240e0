//! Turning a selection of replenishment suggestions into draft purchase
//! orders, one per supplier, warehouse and currency, at each supplier's
//! offered price: the "one click" of the replenishment page and
//! `POST /api/v1/replenishment/draft`.
//!
//! The supplier of each line is decided here, from the product's offers
//! as its own stream has them now (`SourcingState::chosen`: the preferred
//! supplier, else the quickest), not from the read model the suggestion
//! came from, so a preference changed in between is followed. Every line
//! is checked before the first order is drafted.

use std::collections::BTreeMap;

use domain::catalog::{Quantity, UnitPrice};
use domain::error::DomainError;
use domain::ids::{PartyId, ProductId, WarehouseId, derived};
use domain::sourcing::Sourcing;
use domain::values::Currency;

use crate::access::Caller;
use crate::commands::CommandError;
use crate::purchasing::{NewPurchase, NewPurchaseLine, PurchaseDrafted};
use crate::{App, Run};

/// Most lines one selection drafts: a bound on the work of one request.
pub const PICKS_MAX: usize = 2_000;

/// One line of the selection: how much of a product for a warehouse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub quantity: Quantity,
}

impl App {
    /// Drafts one purchase order per (supplier, warehouse, currency) of
    /// the picks, each line at the supplier's offered price. A product no
    /// supplier offers refuses the whole selection, naming it. A repeat
    /// (the same command id) finds the orders drafted the first time.
    pub async fn draft_replenishment(
        &self,
        by: &Caller,
        run: Run,
        picks: Vec<Pick>,
    ) -> Result<Vec<PurchaseDrafted>, CommandError> {
        if picks.is_empty() {
            return Err(DomainError::invalid("lines", "choose at least one line").into());
        }
        if picks.len() > PICKS_MAX {
            return Err(DomainError::invalid(
                "lines",
                format!("at most {PICKS_MAX} lines at once"),
            )
            .into());
        }
        let mut groups: BTreeMap<(PartyId, WarehouseId, Currency), Vec<NewPurchaseLine>> =
            BTreeMap::new();
        for (index, pick) in picks.iter().enumerate() {
            let (offers, _) = self.load::<Sourcing>(pick.product)?;
            let Some((supplier, offer)) = offers.chosen() else {
                return Err(DomainError::rejected(
                    "replenishment.no_supplier",
                    format!(
                        "line {}: no supplier offers product {}; add an offer first",
                        index + 1,
                        pick.product
                    ),
                )
                .into());
            };
            groups
                .entry((supplier, pick.warehouse, offer.currency))
                .or_default()
                .push(NewPurchaseLine {
                    product: pick.product,
                    quantity: pick.quantity,
                    unit_price: UnitPrice::parse("unit_price", offer.price)?,
                });
        }
        let mut drafted = Vec::with_capacity(groups.len());
        for ((supplier, warehouse, currency), lines) in groups {
            let key = format!("replenishment:{supplier}:{warehouse}:{currency}");
            let group_run = Run {
                command_id: derived(run.command_id, key.as_bytes()),
                expected_version: None,
            };
            let new = NewPurchase {
                supplier,
                warehouse,
                currency: Some(currency),
                branch: None,
                buyer: Some(by.user),
                reference: None,
                expected_on: None,
                lines,
            };
            drafted.push(self.purchasing().draft(by, group_run, new).await?);
        }
        Ok(drafted)
    }
}
