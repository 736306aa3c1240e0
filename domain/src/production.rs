//! Production: bills of materials and production orders.
//!
//! A product's bill of materials is a stream (`bom-<product>`) holding all
//! its versions; each version is whole and never changes (a change is a
//! new version), and one of them is active. A component may itself have a
//! bill (a sub-assembly), which the application checks never leads back
//! to the product it is part of.
//!
//! A production order is a stream (`production-<id>`): planned (with the
//! active version's components and operation cost copied in, so a later
//! version changes no order already planned) → released (the processes
//! reserve its components) → in progress → done, one completion at a time,
//! or cancelled while nothing was produced.
//!
//! A completion's cost is known only once the stock has said what its
//! components cost. It runs as a saga of the processes of
//! [`crate::process`]: the completion asks each component's stock to
//! consume its share (`StockConsumed`, at the average cost of that
//! moment); each consumption is recorded back on the order; the last one
//! costs the output (`ProductionOutputCosted`), which the processes
//! receive into stock. Every amount rounds once:
//!
//! - a component's quantity for `n` units: `n` × quantity × (1 + scrap
//!   % ÷ 100), up to four places (rounded up: a part of a screw is a
//!   screw);
//! - the operation cost of one unit: Σ minutes × hourly rate ÷ 60, to four
//!   places, when the order is planned;
//! - the unit cost of the output: (Σ component quantity × its unit cost +
//!   `n` × the operation cost) ÷ `n`, to four places.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{QUANTITY_SCALE_MAX, Quantity, UnitPrice};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, ProductId, ProductionOrderId, ReservationId, WarehouseId};
use crate::values::{Label, round_unit};

/// Most components of one version of a bill.
pub const BOM_COMPONENTS_MAX: usize = 200;
/// Most operations of one version of a bill.
pub const BOM_OPERATIONS_MAX: usize = 50;
/// Most versions of one product's bill: a bound on the stream.
pub const BOM_VERSIONS_MAX: u32 = 500;
/// Longest production lead time, in days.
pub const LEAD_DAYS_MAX: u32 = 365;
/// Most completions of one production order.
pub const COMPLETIONS_MAX: u32 = 1_000;

const BOM: &str = "bill of materials";
const PRODUCTION_ORDER: &str = "production order";

// ------------------------------------------------------------- bill events

/// One component of a version of a bill, for one unit of the product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomComponent {
    pub product: ProductId,
    pub quantity: Decimal,
    /// What is lost in making, as a percentage of `quantity`: 5 means 5 %
    /// more is used.
    pub scrap_percent: Decimal,
}

impl BomComponent {
    /// What `units` of the product use of this component, scrap included,
    /// rounded up to four places.
    pub fn needed_for(&self, units: Decimal) -> Decimal {
        let hundred = Decimal::ONE_HUNDRED;
        let gross = units
            .saturating_mul(self.quantity)
            .saturating_mul(hundred.saturating_add(self.scrap_percent))
            / hundred;
        gross.round_dp_with_strategy(QUANTITY_SCALE_MAX, RoundingStrategy::AwayFromZero)
    }
}

/// A step of making one unit: at a work centre, for a standard time, at
/// the work centre's hourly rate (company currency).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomOperation {
    pub name: String,
    pub work_centre: String,
    /// Standard minutes per unit.
    pub minutes: Decimal,
    pub hourly_rate: Decimal,
}

/// What the operations of a version cost for one unit, rounded once.
pub fn operations_cost(operations: &[BomOperation]) -> Decimal {
    let sixty = Decimal::from(60);
    round_unit(operations.iter().fold(Decimal::ZERO, |sum, operation| {
        sum.saturating_add(operation.minutes.saturating_mul(operation.hourly_rate) / sixty)
    }))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomVersionDefined {
    pub product: ProductId,
    /// Numbered from 1, never reused.
    pub version: u32,
    pub components: Vec<BomComponent>,
    pub operations: Vec<BomOperation>,
    /// Days from starting to finished goods: how much earlier an order
    /// must start than its goods are needed.
    pub lead_days: u32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomVersionActivated {
    pub version: u32,
}

domain_events! {
    /// Everything that can happen to a product's bill of materials.
    pub enum BomEvent in "bom" {
        VersionDefined(BomVersionDefined) = "BomVersionDefined" v 1,
        VersionActivated(BomVersionActivated) = "BomVersionActivated" v 1,
    }
}

// ----------------------------------------------------------- bill commands

#[derive(Clone, Debug, PartialEq)]
pub struct NewComponent {
    pub product: ProductId,
    pub quantity: Quantity,
    pub scrap_percent: ScrapPercent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewOperation {
    pub name: Label,
    pub work_centre: Label,
    pub minutes: Quantity,
    pub hourly_rate: UnitPrice,
}

/// A scrap percentage: from 0 up to (not including) 100, two places.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScrapPercent(Decimal);

impl ScrapPercent {
    pub fn parse(field: &str, value: Decimal) -> Result<Self, DomainError> {
        if value < Decimal::ZERO || value >= Decimal::ONE_HUNDRED {
            return Err(DomainError::invalid(
                field,
                "must be at least 0 and less than 100",
            ));
        }
        if value.normalize().scale() > 2 {
            return Err(DomainError::invalid(field, "has at most 2 decimal places"));
        }
        Ok(Self(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DefineBom {
    pub product: ProductId,
    pub components: Vec<NewComponent>,
    pub operations: Vec<NewOperation>,
    pub lead_days: u32,
    pub note: Option<Label>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BomCommand {
    /// A new version; the first one a product gets is active at once.
    Define(DefineBom),
    Activate {
        version: u32,
    },
}

// -------------------------------------------------------------- bill state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BomVersion {
    pub components: Vec<BomComponent>,
    pub operations: Vec<BomOperation>,
    pub lead_days: u32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BomState {
    pub product: ProductId,
    pub versions: BTreeMap<u32, BomVersion>,
    pub active: Option<u32>,
}

impl BomState {
    /// The active version and its number.
    pub fn active_version(&self) -> Option<(u32, &BomVersion)> {
        let number = self.active?;
        self.versions.get(&number).map(|version| (number, version))
    }
}

#[derive(Debug)]
pub struct Bom;

fn define(state: Option<&BomState>, define: &DefineBom) -> Result<Vec<BomEvent>, DomainError> {
    if define.components.is_empty() && define.operations.is_empty() {
        return Err(DomainError::invalid(
            "components",
            "a bill needs at least one component or operation",
        ));
    }
    if define.components.len() > BOM_COMPONENTS_MAX {
        return Err(DomainError::invalid(
            "components",
            format!("at most {BOM_COMPONENTS_MAX} components"),
        ));
    }
    if define.operations.len() > BOM_OPERATIONS_MAX {
        return Err(DomainError::invalid(
            "operations",
            format!("at most {BOM_OPERATIONS_MAX} operations"),
        ));
    }
    if define.lead_days > LEAD_DAYS_MAX {
        return Err(DomainError::invalid(
            "lead_days",
            format!("at most {LEAD_DAYS_MAX} days"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, component) in define.components.iter().enumerate() {
        if component.product == define.product {
            return Err(DomainError::rejected(
                "bom.component_is_product",
                format!(
                    "component {} is the product itself: a product is not made of itself",
                    index + 1
                ),
            ));
        }
        if !seen.insert(component.product) {
            return Err(DomainError::invalid(
                format!("components[{index}].product"),
                "is already a component: give it one line with the whole quantity",
            ));
        }
    }
    let version = match state {
        Some(bom) if bom.product != define.product => {
            return Err(DomainError::rejected(
                "bom.other_product",
                "this bill belongs to another product",
            ));
        }
        Some(bom) => {
            let last = bom.versions.keys().next_back().copied().unwrap_or(0);
            if last >= BOM_VERSIONS_MAX {
                return Err(DomainError::rejected(
                    "bom.too_many_versions",
                    format!("a bill has at most {BOM_VERSIONS_MAX} versions"),
                ));
            }
            last + 1
        }
        None => 1,
    };
    let mut events = vec![BomEvent::VersionDefined(BomVersionDefined {
        product: define.product,
        version,
        components: define
            .components
            .iter()
            .map(|component| BomComponent {
                product: component.product,
                quantity: component.quantity.value(),
                scrap_percent: component.scrap_percent.value(),
            })
            .collect(),
        operations: define
            .operations
            .iter()
            .map(|operation| BomOperation {
                name: operation.name.as_str().to_owned(),
                work_centre: operation.work_centre.as_str().to_owned(),
                minutes: operation.minutes.value(),
                hourly_rate: operation.hourly_rate.value(),
            })
            .collect(),
        lead_days: define.lead_days,
        note: define.note.as_ref().map(|note| note.as_str().to_owned()),
    })];
    if state.is_none_or(|bom| bom.active.is_none()) {
        events.push(BomEvent::VersionActivated(BomVersionActivated { version }));
    }
    Ok(events)
}

impl Decider for Bom {
    type State = Option<BomState>;
    type Command = Issued<BomCommand>;
    type Event = BomEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<BomEvent>, DomainError> {
        issued.business_time()?;
        match &issued.command {
            BomCommand::Define(command) => define(state.as_ref(), command),
            BomCommand::Activate { version } => {
                let bom = state.as_ref().ok_or_else(|| DomainError::not_found(BOM))?;
                if !bom.versions.contains_key(version) {
                    return Err(DomainError::invalid(
                        "version",
                        format!("version {version} of this bill does not exist"),
                    ));
                }
                Ok(crate::unless_unchanged(
                    bom.active == Some(*version),
                    || BomEvent::VersionActivated(BomVersionActivated { version: *version }),
                ))
            }
        }
    }

    fn evolve(state: Self::State, event: &BomEvent) -> Self::State {
        match event {
            BomEvent::VersionDefined(defined) => {
                let mut bom = state.unwrap_or_else(|| BomState {
                    product: defined.product,
                    versions: BTreeMap::new(),
                    active: None,
                });
                bom.versions.insert(
                    defined.version,
                    BomVersion {
                        components: defined.components.clone(),
                        operations: defined.operations.clone(),
                        lead_days: defined.lead_days,
                        note: defined.note.clone(),
                    },
                );
                Some(bom)
            }
            BomEvent::VersionActivated(activated) => {
                let mut bom = state?;
                bom.active = Some(activated.version);
                Some(bom)
            }
        }
    }
}

// ------------------------------------------------------- production events

/// A component of a planned order: how much one unit uses (scrap
/// included), how much the whole order needs, and the reservation that
/// holds it once released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedComponent {
    pub component: BomComponent,
    pub required: Decimal,
    pub reservation: ReservationId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrderPlanned {
    pub order: ProductionOrderId,
    pub product: ProductId,
    pub bom_version: u32,
    /// Where components are taken from and finished goods go.
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub quantity: Decimal,
    pub due_on: NaiveDate,
    pub components: Vec<PlannedComponent>,
    /// The operations' cost of one unit, company currency.
    pub operations_cost: Decimal,
}

/// One component's reservation, asked of the stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentReservation {
    pub product: ProductId,
    pub reservation: ReservationId,
    pub quantity: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrderReleased {
    pub warehouse: WarehouseId,
    pub reservations: Vec<ComponentReservation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionStarted {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionCompleted {
    /// Numbered from 1.
    pub completion: u32,
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub quantity: Decimal,
    /// What this completion takes from stock, under the components'
    /// reservations.
    pub consumed: Vec<ComponentReservation>,
}

/// A component's stock said what the completion's share of it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentConsumed {
    pub completion: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
}

/// Every component of a completion is consumed: the output's cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOutputCosted {
    pub completion: u32,
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub quantity: Decimal,
    /// Σ component quantity × unit cost, unrounded.
    pub components_cost: Decimal,
    /// Quantity × the operation cost of one unit.
    pub operations_cost: Decimal,
    /// What one unit enters stock at, rounded to four places.
    pub unit_cost: Decimal,
}

/// The order is done: what is left reserved is let go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrderFinished {
    pub warehouse: WarehouseId,
    pub released: Vec<ComponentReservation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrderCancelled {
    pub reason: String,
    pub warehouse: WarehouseId,
    pub released: Vec<ComponentReservation>,
}

domain_events! {
    /// Everything that can happen to a production order.
    pub enum ProductionEvent in "production" {
        Planned(ProductionOrderPlanned) = "ProductionOrderPlanned" v 1,
        Released(ProductionOrderReleased) = "ProductionOrderReleased" v 1,
        Started(ProductionStarted) = "ProductionStarted" v 1,
        Completed(ProductionCompleted) = "ProductionCompleted" v 1,
        ComponentConsumed(ComponentConsumed) = "ComponentConsumed" v 1,
        OutputCosted(ProductionOutputCosted) = "ProductionOutputCosted" v 1,
        Finished(ProductionOrderFinished) = "ProductionOrderFinished" v 1,
        Cancelled(ProductionOrderCancelled) = "ProductionOrderCancelled" v 1,
    }
}

// ----------------------------------------------------- production commands

#[derive(Clone, Debug, PartialEq)]
pub struct PlanProduction {
    pub order: ProductionOrderId,
    pub product: ProductId,
    pub bom_version: u32,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub quantity: Quantity,
    pub due_on: NaiveDate,
    /// The version's components, as the bill has them.
    pub components: Vec<BomComponent>,
    pub operations: Vec<BomOperation>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProductionCommand {
    Plan(PlanProduction),
    Release,
    Start,
    /// `quantity` units are made; `finish`: nothing more will be, even if
    /// fewer than planned.
    Complete {
        quantity: Quantity,
        finish: bool,
    },
    /// Ends an order partly produced: nothing more will be.
    Finish,
    Cancel {
        reason: Label,
    },
    /// Issued by the processes: the stock consumed a completion's share of
    /// a component at `unit_cost`.
    RecordConsumption {
        completion: u32,
        product: ProductId,
        quantity: Decimal,
        unit_cost: Decimal,
    },
}

// -------------------------------------------------------- production state

/// Where a production order is in its life. Ordered as it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProductionStatus {
    Planned,
    Released,
    InProgress,
    Done,
    Cancelled,
}

impl ProductionStatus {
    pub const ALL: [Self; 5] = [
        Self::Planned,
        Self::Released,
        Self::InProgress,
        Self::Done,
        Self::Cancelled,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Released => "released",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.key() == key)
    }

    /// Goods are still to be made.
    pub fn open(self) -> bool {
        matches!(self, Self::Planned | Self::Released | Self::InProgress)
    }
}

/// A completion whose components' costs are still being told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCompletion {
    pub quantity: Decimal,
    pub waiting_for: BTreeSet<ProductId>,
    pub components_cost: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductionOrderState {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub status: ProductionStatus,
    pub quantity: Decimal,
    pub produced: Decimal,
    pub components: Vec<PlannedComponent>,
    pub operations_cost: Decimal,
    pub completions: u32,
    pub pending: BTreeMap<u32, PendingCompletion>,
    /// What the components' reservations still hold, as far as the order
    /// knows: what was asked at release less what completions consumed.
    pub held: BTreeMap<ReservationId, Decimal>,
}

impl ProductionOrderState {
    /// Planned and not yet made.
    pub fn outstanding(&self) -> Decimal {
        (self.quantity - self.produced).max(Decimal::ZERO)
    }

    fn reservations_left(&self) -> Vec<ComponentReservation> {
        if !matches!(
            self.status,
            ProductionStatus::Released | ProductionStatus::InProgress
        ) {
            return Vec::new();
        }
        self.components
            .iter()
            .map(|component| ComponentReservation {
                product: component.component.product,
                reservation: component.reservation,
                quantity: self
                    .held
                    .get(&component.reservation)
                    .copied()
                    .unwrap_or_default(),
            })
            .collect()
    }
}

#[derive(Debug)]
pub struct ProductionOrder;

fn not_open(what: &str) -> DomainError {
    DomainError::rejected(
        "production.not_open",
        format!("only an open production order can be {what}"),
    )
}

fn plan(plan: &PlanProduction) -> Result<Vec<ProductionEvent>, DomainError> {
    if plan.components.iter().any(|c| c.product == plan.product) {
        return Err(DomainError::rejected(
            "bom.component_is_product",
            "a product is not made of itself",
        ));
    }
    let quantity = plan.quantity.value();
    let components = plan
        .components
        .iter()
        .enumerate()
        .map(|(index, component)| PlannedComponent {
            component: component.clone(),
            required: component.needed_for(quantity),
            reservation: ReservationId::for_production_component(plan.order, index as u32),
        })
        .collect();
    Ok(vec![ProductionEvent::Planned(ProductionOrderPlanned {
        order: plan.order,
        product: plan.product,
        bom_version: plan.bom_version,
        warehouse: plan.warehouse,
        branch: plan.branch,
        quantity,
        due_on: plan.due_on,
        components,
        operations_cost: operations_cost(&plan.operations),
    })])
}

/// The events of `quantity` more units made.
fn complete(
    order: &ProductionOrderState,
    quantity: Decimal,
    finish: bool,
) -> Result<Vec<ProductionEvent>, DomainError> {
    if !matches!(
        order.status,
        ProductionStatus::Released | ProductionStatus::InProgress
    ) {
        return Err(DomainError::rejected(
            "production.not_released",
            "only a released production order reports finished goods",
        ));
    }
    if quantity > order.outstanding() {
        return Err(DomainError::invalid(
            "quantity",
            format!("only {} are left to make", order.outstanding()),
        ));
    }
    if order.completions >= COMPLETIONS_MAX {
        return Err(DomainError::rejected(
            "production.too_many_completions",
            format!("a production order has at most {COMPLETIONS_MAX} completions"),
        ));
    }
    let completion = order.completions + 1;
    let consumed: Vec<ComponentReservation> = order
        .components
        .iter()
        .map(|component| ComponentReservation {
            product: component.component.product,
            reservation: component.reservation,
            quantity: component.component.needed_for(quantity),
        })
        .collect();
    let mut events = Vec::new();
    if order.status == ProductionStatus::Released {
        events.push(ProductionEvent::Started(ProductionStarted {}));
    }
    let nothing_to_consume = consumed.is_empty();
    events.push(ProductionEvent::Completed(ProductionCompleted {
        completion,
        product: order.product,
        warehouse: order.warehouse,
        quantity,
        consumed,
    }));
    if nothing_to_consume {
        // Operations only: the cost is known at once.
        events.push(costed(order, completion, quantity, Decimal::ZERO));
    }
    if finish || quantity >= order.outstanding() {
        let mut after = order.clone();
        for event in &events {
            after = evolve_order(after, event);
        }
        events.push(ProductionEvent::Finished(ProductionOrderFinished {
            warehouse: order.warehouse,
            released: after.reservations_left(),
        }));
    }
    Ok(events)
}

fn costed(
    order: &ProductionOrderState,
    completion: u32,
    quantity: Decimal,
    components_cost: Decimal,
) -> ProductionEvent {
    let operations_cost = quantity.saturating_mul(order.operations_cost);
    ProductionEvent::OutputCosted(ProductionOutputCosted {
        completion,
        product: order.product,
        warehouse: order.warehouse,
        quantity,
        components_cost,
        operations_cost,
        unit_cost: round_unit(components_cost.saturating_add(operations_cost) / quantity),
    })
}

impl Decider for ProductionOrder {
    type State = Option<ProductionOrderState>;
    type Command = Issued<ProductionCommand>;
    type Event = ProductionEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<ProductionEvent>, DomainError> {
        issued.business_time()?;
        if let ProductionCommand::Plan(command) = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "production.already_planned",
                    "this production order is already planned",
                ));
            }
            return plan(command);
        }
        let order = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(PRODUCTION_ORDER))?;
        match &issued.command {
            ProductionCommand::Plan(_) => Ok(Vec::new()),
            ProductionCommand::Release => match order.status {
                ProductionStatus::Planned => {
                    Ok(vec![ProductionEvent::Released(ProductionOrderReleased {
                        warehouse: order.warehouse,
                        reservations: order
                            .components
                            .iter()
                            .map(|component| ComponentReservation {
                                product: component.component.product,
                                reservation: component.reservation,
                                quantity: component.required,
                            })
                            .collect(),
                    })])
                }
                ProductionStatus::Released | ProductionStatus::InProgress => Ok(Vec::new()),
                ProductionStatus::Done | ProductionStatus::Cancelled => Err(not_open("released")),
            },
            ProductionCommand::Start => match order.status {
                ProductionStatus::Released => {
                    Ok(vec![ProductionEvent::Started(ProductionStarted {})])
                }
                ProductionStatus::InProgress => Ok(Vec::new()),
                ProductionStatus::Planned => Err(DomainError::rejected(
                    "production.not_released",
                    "release the order (reserving its components) before starting it",
                )),
                ProductionStatus::Done | ProductionStatus::Cancelled => Err(not_open("started")),
            },
            ProductionCommand::Complete { quantity, finish } => {
                complete(order, quantity.value(), *finish)
            }
            ProductionCommand::Finish => match order.status {
                ProductionStatus::Released | ProductionStatus::InProgress
                    if order.produced > Decimal::ZERO =>
                {
                    Ok(vec![ProductionEvent::Finished(ProductionOrderFinished {
                        warehouse: order.warehouse,
                        released: order.reservations_left(),
                    })])
                }
                ProductionStatus::Done => Ok(Vec::new()),
                ProductionStatus::Cancelled => Err(not_open("finished")),
                _ => Err(DomainError::rejected(
                    "production.nothing_produced",
                    "nothing was produced yet: cancel the order instead",
                )),
            },
            ProductionCommand::Cancel { reason } => match order.status {
                ProductionStatus::Cancelled => Ok(Vec::new()),
                ProductionStatus::Done => Err(not_open("cancelled")),
                _ if order.produced > Decimal::ZERO => Err(DomainError::rejected(
                    "production.partly_produced",
                    "goods were produced on this order: finish it instead",
                )),
                _ => Ok(vec![ProductionEvent::Cancelled(ProductionOrderCancelled {
                    reason: reason.as_str().to_owned(),
                    warehouse: order.warehouse,
                    released: order.reservations_left(),
                })]),
            },
            ProductionCommand::RecordConsumption {
                completion,
                product,
                quantity,
                unit_cost,
            } => {
                let Some(pending) = order.pending.get(completion) else {
                    // Recorded already (or never asked): nothing to do.
                    return Ok(Vec::new());
                };
                if !pending.waiting_for.contains(product) {
                    return Ok(Vec::new());
                }
                let mut events = vec![ProductionEvent::ComponentConsumed(ComponentConsumed {
                    completion: *completion,
                    product: *product,
                    quantity: *quantity,
                    unit_cost: *unit_cost,
                })];
                if pending.waiting_for.len() == 1 {
                    let cost = pending
                        .components_cost
                        .saturating_add(quantity.saturating_mul(*unit_cost));
                    events.push(costed(order, *completion, pending.quantity, cost));
                }
                Ok(events)
            }
        }
    }

    fn evolve(state: Self::State, event: &ProductionEvent) -> Self::State {
        if let ProductionEvent::Planned(planned) = event {
            return Some(ProductionOrderState {
                product: planned.product,
                warehouse: planned.warehouse,
                branch: planned.branch,
                status: ProductionStatus::Planned,
                quantity: planned.quantity,
                produced: Decimal::ZERO,
                components: planned.components.clone(),
                operations_cost: planned.operations_cost,
                completions: 0,
                pending: BTreeMap::new(),
                held: BTreeMap::new(),
            });
        }
        Some(evolve_order(state?, event))
    }
}

fn evolve_order(mut order: ProductionOrderState, event: &ProductionEvent) -> ProductionOrderState {
    match event {
        ProductionEvent::Planned(_) => {}
        ProductionEvent::Released(released) => {
            order.status = ProductionStatus::Released;
            order.held = released
                .reservations
                .iter()
                .map(|reservation| (reservation.reservation, reservation.quantity))
                .collect();
        }
        ProductionEvent::Started(_) => order.status = ProductionStatus::InProgress,
        ProductionEvent::Completed(completed) => {
            order.status = ProductionStatus::InProgress;
            order.completions = completed.completion;
            order.produced += completed.quantity;
            for consumed in &completed.consumed {
                if let Some(held) = order.held.get_mut(&consumed.reservation) {
                    *held = (*held - consumed.quantity).max(Decimal::ZERO);
                }
            }
            if !completed.consumed.is_empty() {
                order.pending.insert(
                    completed.completion,
                    PendingCompletion {
                        quantity: completed.quantity,
                        waiting_for: completed.consumed.iter().map(|c| c.product).collect(),
                        components_cost: Decimal::ZERO,
                    },
                );
            }
        }
        ProductionEvent::ComponentConsumed(consumed) => {
            if let Some(pending) = order.pending.get_mut(&consumed.completion) {
                pending.waiting_for.remove(&consumed.product);
                pending.components_cost = pending
                    .components_cost
                    .saturating_add(consumed.quantity.saturating_mul(consumed.unit_cost));
            }
        }
        ProductionEvent::OutputCosted(costed) => {
            order.pending.remove(&costed.completion);
        }
        ProductionEvent::Finished(_) => {
            order.status = ProductionStatus::Done;
            order.held.clear();
        }
        ProductionEvent::Cancelled(_) => {
            order.status = ProductionStatus::Cancelled;
            order.held.clear();
        }
    }
    order
}

#[cfg(test)]
mod tests;
