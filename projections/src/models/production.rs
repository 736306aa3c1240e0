//! Production as the workshop and the director read it: each product's
//! bill of materials (every version, the active one), production orders
//! with their completions and costs (newest activity first), the units
//! produced per business day, and the open sales orders' lines that
//! material requirements start from.
//!
//! A completion counts as produced on its own business day, whenever its
//! cost is known; its unit cost is filled in when the last component's
//! consumption is recorded (`ProductionOutputCosted`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::finance::{DocumentKind, SeriesEvent};
use domain::ids::{BranchId, OrderId, ProductId, ProductionOrderId, ReservationId, WarehouseId};
use domain::production::{
    BomComponent, BomEvent, BomOperation, PlannedComponent, ProductionEvent, ProductionStatus,
};
use domain::sales::OrderEvent;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

/// Most rows on one page.
pub const PRODUCTION_PAGE_ROWS_MAX: usize = 200;

/// One version of a bill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomVersionRow {
    pub components: Vec<BomComponent>,
    pub operations: Vec<BomOperation>,
    pub lead_days: u32,
    pub note: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub defined_at: DateTime<Utc>,
}

/// A product's bill: its versions and the active one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomRow {
    pub versions: BTreeMap<u32, BomVersionRow>,
    pub active: Option<u32>,
    /// Stream version of its latest event: the ETag of the bill.
    pub version: u64,
}

impl BomRow {
    pub fn active_version(&self) -> Option<(u32, &BomVersionRow)> {
        let number = self.active?;
        self.versions.get(&number).map(|version| (number, version))
    }
}

/// One completion of a production order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRow {
    pub completion: u32,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub occurred_at: DateTime<Utc>,
    pub quantity: Decimal,
    /// Known once every component's consumption was recorded.
    pub unit_cost: Option<Decimal>,
    pub components_cost: Decimal,
    pub operations_cost: Decimal,
}

/// One production order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionRow {
    pub product: ProductId,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub bom_version: u32,
    pub status: ProductionStatus,
    pub quantity: Decimal,
    pub produced: Decimal,
    pub due_on: NaiveDate,
    pub components: Vec<PlannedComponent>,
    /// Per component (by its place): what completions consumed so far.
    pub consumed: Vec<Decimal>,
    pub operations_cost: Decimal,
    pub completions: Vec<CompletionRow>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub planned_at: DateTime<Utc>,
    /// Its number (`MO-2026-000042`), once the numbering process gave it.
    pub number: Option<Box<str>>,
    /// When it was finished or cancelled (business time).
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub ended_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub last_position: u64,
    pub version: u64,
}

impl ProductionRow {
    /// Planned and not yet made, while the order is open.
    pub fn outstanding(&self) -> Decimal {
        if !self.status.open() {
            return Decimal::ZERO;
        }
        (self.quantity - self.produced).max(Decimal::ZERO)
    }

    /// Open and due before `day`: late.
    pub fn late_on(&self, day: NaiveDate) -> bool {
        self.status.open() && self.due_on < day
    }
}

/// A line of a confirmed sales order still to ship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSaleLine {
    pub line: u32,
    pub product: ProductId,
    pub outstanding: Decimal,
    pub reservation: Option<ReservationId>,
}

/// A confirmed sales order with goods still to ship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSale {
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub confirmed_on: NaiveDate,
    pub lines: Vec<OpenSaleLine>,
}

/// Production figures of a span of days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductionFigures {
    /// Units produced on the span's days, every product added up.
    pub produced: Decimal,
    /// Orders open at the end of the span.
    pub open_orders: u64,
    /// Of those, due before the span's last day.
    pub late_orders: u64,
}

/// A row of a page: the order and its row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductionListRow<'a> {
    pub order: ProductionOrderId,
    pub row: &'a ProductionRow,
}

/// A page of the list and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductionPage<'a> {
    pub rows: Vec<ProductionListRow<'a>>,
    pub next: Option<u64>,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Production {
    boms: FxHashMap<ProductId, BomRow>,
    rows: FxHashMap<ProductionOrderId, ProductionRow>,
    /// Last position → order: the list's order, newest last.
    recency: BTreeMap<u64, ProductionOrderId>,
    /// Business day → branch → units produced.
    produced: BTreeMap<NaiveDate, BTreeMap<Option<BranchId>, Decimal>>,
    /// Confirmed sales orders with goods still to ship.
    open_sales: FxHashMap<OrderId, OpenSale>,
    /// Drafted sales orders' branch, until confirmed.
    drafted_branch: FxHashMap<OrderId, Option<BranchId>>,
    /// (product, warehouse) → what open orders will still make. Each
    /// event takes its order's share out and puts the new one in, so the
    /// sums never drift from the orders they add up.
    in_production: BTreeMap<(ProductId, WarehouseId), Decimal>,
}

impl ReadModel for Production {
    const NAME: &'static str = "production";
    // 2: each order's number.
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &[
        BomEvent::CATEGORY,
        ProductionEvent::CATEGORY,
        OrderEvent::CATEGORY,
        SeriesEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Bom(event) => self.apply_bom(envelope, event),
            CrmEvent::Production(event) => self.apply_production(envelope, event),
            CrmEvent::Order(event) => {
                self.apply_order(OrderId::from_uuid(envelope.aggregate), envelope, event);
            }
            CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered))
                if numbered.kind == DocumentKind::ProductionOrder =>
            {
                let order = ProductionOrderId::from_uuid(numbered.document);
                if let Some(row) = self.rows.get_mut(&order) {
                    row.number = Some(numbered.number.as_str().into());
                }
            }
            _ => {}
        }
    }
}

impl Production {
    fn apply_bom(&mut self, envelope: &Envelope<'_>, event: &BomEvent) {
        let bom = self
            .boms
            .entry(ProductId::from_uuid(envelope.aggregate))
            .or_default();
        bom.version = envelope.stream_version;
        match event {
            BomEvent::VersionDefined(defined) => {
                bom.versions.insert(
                    defined.version,
                    BomVersionRow {
                        components: defined.components.clone(),
                        operations: defined.operations.clone(),
                        lead_days: defined.lead_days,
                        note: defined.note.clone(),
                        defined_at: envelope.occurred_at,
                    },
                );
            }
            BomEvent::VersionActivated(activated) => bom.active = Some(activated.version),
        }
    }

    fn apply_production(&mut self, envelope: &Envelope<'_>, event: &ProductionEvent) {
        let order = ProductionOrderId::from_uuid(envelope.aggregate);
        if let ProductionEvent::Planned(planned) = event {
            self.rows.insert(
                order,
                ProductionRow {
                    product: planned.product,
                    warehouse: planned.warehouse,
                    branch: planned.branch,
                    bom_version: planned.bom_version,
                    status: ProductionStatus::Planned,
                    quantity: planned.quantity,
                    produced: Decimal::ZERO,
                    due_on: planned.due_on,
                    components: planned.components.clone(),
                    consumed: vec![Decimal::ZERO; planned.components.len()],
                    operations_cost: planned.operations_cost,
                    completions: Vec::new(),
                    planned_at: envelope.occurred_at,
                    number: None,
                    ended_at: None,
                    cancel_reason: None,
                    last_position: envelope.position,
                    version: envelope.stream_version,
                },
            );
            self.recency.insert(envelope.position, order);
            *self
                .in_production
                .entry((planned.product, planned.warehouse))
                .or_default() += planned.quantity;
            return;
        }
        let Some(row) = self.rows.get_mut(&order) else {
            return;
        };
        let key = (row.product, row.warehouse);
        let before = row.outstanding();
        match event {
            ProductionEvent::Planned(_) | ProductionEvent::ComponentConsumed(_) => {}
            ProductionEvent::Released(_) => row.status = ProductionStatus::Released,
            ProductionEvent::Started(_) => row.status = ProductionStatus::InProgress,
            ProductionEvent::Completed(completed) => {
                row.status = ProductionStatus::InProgress;
                row.produced += completed.quantity;
                for used in &completed.consumed {
                    if let Some(index) = row
                        .components
                        .iter()
                        .position(|planned| planned.reservation == used.reservation)
                        && let Some(consumed) = row.consumed.get_mut(index)
                    {
                        *consumed += used.quantity;
                    }
                }
                row.completions.push(CompletionRow {
                    completion: completed.completion,
                    occurred_at: envelope.occurred_at,
                    quantity: completed.quantity,
                    unit_cost: None,
                    components_cost: Decimal::ZERO,
                    operations_cost: Decimal::ZERO,
                });
                let day = envelope.occurred_at.date_naive();
                *self
                    .produced
                    .entry(day)
                    .or_default()
                    .entry(row.branch)
                    .or_default() += completed.quantity;
            }
            ProductionEvent::OutputCosted(costed) => {
                if let Some(completion) = row
                    .completions
                    .iter_mut()
                    .find(|completion| completion.completion == costed.completion)
                {
                    completion.unit_cost = Some(costed.unit_cost);
                    completion.components_cost = costed.components_cost;
                    completion.operations_cost = costed.operations_cost;
                }
            }
            ProductionEvent::Finished(_) => {
                row.status = ProductionStatus::Done;
                row.ended_at = Some(envelope.occurred_at);
            }
            ProductionEvent::Cancelled(cancelled) => {
                row.status = ProductionStatus::Cancelled;
                row.ended_at = Some(envelope.occurred_at);
                row.cancel_reason = Some(cancelled.reason.clone());
            }
        }
        self.recency.remove(&row.last_position);
        row.last_position = envelope.position;
        row.version = envelope.stream_version;
        self.recency.insert(envelope.position, order);
        let after = row.outstanding();
        if after != before {
            let sum = self.in_production.entry(key).or_default();
            *sum += after - before;
            if sum.is_zero() {
                self.in_production.remove(&key);
            }
        }
    }

    fn apply_order(&mut self, order: OrderId, envelope: &Envelope<'_>, event: &OrderEvent) {
        match event {
            OrderEvent::Drafted(drafted) => {
                self.drafted_branch.insert(order, drafted.branch);
            }
            OrderEvent::Confirmed(confirmed) => {
                let branch = self.drafted_branch.remove(&order).flatten();
                let lines: Vec<OpenSaleLine> = confirmed
                    .lines
                    .iter()
                    .filter(|line| line.reservation.is_some())
                    .map(|line| OpenSaleLine {
                        line: line.line,
                        product: line.product,
                        outstanding: line.quantity,
                        reservation: line.reservation,
                    })
                    .collect();
                if !lines.is_empty() {
                    self.open_sales.insert(
                        order,
                        OpenSale {
                            warehouse: confirmed.warehouse,
                            branch,
                            confirmed_on: envelope.occurred_at.date_naive(),
                            lines,
                        },
                    );
                }
            }
            OrderEvent::Shipped(shipped) => {
                let Some(sale) = self.open_sales.get_mut(&order) else {
                    return;
                };
                for line in &shipped.lines {
                    if let Some(open) = sale.lines.iter_mut().find(|open| open.line == line.line) {
                        open.outstanding = (open.outstanding - line.quantity).max(Decimal::ZERO);
                    }
                }
                sale.lines.retain(|line| line.outstanding > Decimal::ZERO);
                if shipped.complete || sale.lines.is_empty() {
                    self.open_sales.remove(&order);
                }
            }
            OrderEvent::Cancelled(_) | OrderEvent::Closed(_) => {
                self.drafted_branch.remove(&order);
                self.open_sales.remove(&order);
            }
            OrderEvent::LineAdded(_)
            | OrderEvent::LineRemoved(_)
            | OrderEvent::LineQuantityChanged(_)
            | OrderEvent::Invoiced(_)
            | OrderEvent::Returned(_)
            | OrderEvent::InvoicePaid(_) => {}
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, order: ProductionOrderId) -> Option<&ProductionRow> {
        self.rows.get(&order)
    }

    pub fn bom(&self, product: ProductId) -> Option<&BomRow> {
        self.boms.get(&product)
    }

    /// Every product's bill.
    pub fn boms(&self) -> impl Iterator<Item = (ProductId, &BomRow)> {
        self.boms.iter().map(|(product, bom)| (*product, bom))
    }

    /// Every production order.
    pub fn orders(&self) -> impl Iterator<Item = (ProductionOrderId, &ProductionRow)> {
        self.rows.iter().map(|(order, row)| (*order, row))
    }

    /// Confirmed sales orders with goods still to ship.
    pub fn open_sales(&self) -> impl Iterator<Item = (OrderId, &OpenSale)> {
        self.open_sales.iter().map(|(order, sale)| (*order, sale))
    }

    /// What open production orders will still make of `product` in
    /// `warehouse`.
    pub fn in_production(&self, product: ProductId, warehouse: WarehouseId) -> Decimal {
        self.in_production
            .get(&(product, warehouse))
            .copied()
            .unwrap_or_default()
    }

    /// Units produced on the days `from` to `to` (business days), every
    /// product added up, in `branch` (`Some(None)`: no branch) or all;
    /// and the orders open and late at the end of `to`.
    pub fn figures_over(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<Option<BranchId>>,
    ) -> ProductionFigures {
        let mut figures = ProductionFigures::default();
        // An empty span (`from` after `to`) produced nothing; a range the
        // wrong way round would panic.
        let days = if from <= to {
            self.produced.range(from..=to)
        } else {
            self.produced.range(to..to)
        };
        for by_branch in days.map(|(_, units)| units) {
            for (produced_in, units) in by_branch {
                if branch.is_none_or(|branch| branch == *produced_in) {
                    figures.produced += *units;
                }
            }
        }
        let end = to
            .succ_opt()
            .unwrap_or(to)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            - chrono::TimeDelta::nanoseconds(1);
        for row in self.rows.values() {
            if branch.is_some_and(|branch| branch != row.branch) {
                continue;
            }
            if row.open_at(end) {
                figures.open_orders += 1;
                if row.due_on < to {
                    figures.late_orders += 1;
                }
            }
        }
        figures
    }

    /// Up to `limit` orders (at most [`PRODUCTION_PAGE_ROWS_MAX`]) whose
    /// latest event came before position `before` (all when `None`),
    /// newest first, only those `keep` says yes to.
    pub fn page_matching(
        &self,
        limit: usize,
        before: Option<u64>,
        keep: impl Fn(ProductionOrderId, &ProductionRow) -> bool,
    ) -> ProductionPage<'_> {
        let limit = limit.clamp(1, PRODUCTION_PAGE_ROWS_MAX);
        let (rows, next) =
            crate::recency::newest_first(&self.recency, &self.rows, limit, before, keep);
        ProductionPage {
            rows: rows
                .into_iter()
                .map(|(order, row)| ProductionListRow { order, row })
                .collect(),
            next,
        }
    }
}

impl ProductionRow {
    /// Whether the order was open at `at` (business time): planned by
    /// then, and not finished or cancelled by then.
    fn open_at(&self, at: DateTime<Utc>) -> bool {
        self.planned_at <= at && self.ended_at.is_none_or(|ended| ended > at)
    }
}
