//! Sales: order intake, revenue, cost of goods, margin and units per
//! business day, in total and per product, category, customer, manager and
//! branch; invoices with what is paid and owed and receivables aged as of
//! any day; payments received per day and method.
//!
//! Every figure lands on a business day (the UTC date of the event's
//! `occurred_at`), so a report over any range is a sum over days:
//!
//! - **Orders (order intake)**: a confirmed order counts once, with its net
//!   total, on the day it was confirmed. A confirmed order cancelled later
//!   stays in the intake of its day; the cancellation counts on its own day
//!   (`cancelled_orders`, `cancelled_net`), so net intake over a period is
//!   the one less the other.
//! - **Revenue**: the net amount of what was shipped, on the shipment day.
//!   A shipped part of a line is its pro rata share of the line's confirmed
//!   net, rounded to cents, and the part that completes the line takes what
//!   is left, the rule the order prices its invoiced parts by, so a line
//!   shipped in parts adds up to exactly its net. A return subtracts the
//!   net its credit note gives back, on the return day.
//! - **Cost of goods**: for goods, what the stock issue under the line's
//!   reservation took out, quantity × the unit cost it recorded (the moving
//!   average), on the day, which the process manager dates to the
//!   shipment. A return puts its goods' cost back at the unit cost the
//!   stock return recorded (the average the goods re-entered stock at), on
//!   the return's day, so the report and the stock value agree. Services
//!   cost nothing. A cost is rounded to four decimals where it is booked.
//! - **Margin** = revenue − cost.
//! - **Units**: quantity shipped (goods and services), on the shipment day;
//!   returned quantities count apart as `units_returned` on the return day.
//! - **Imported sales** count as an order on `ordered_on` and as revenue and
//!   units on `shipped_on` (or `ordered_on` if the source had no shipping
//!   date). Their cost is quantity × `unit_cost` where the source gave one;
//!   otherwise it is 0 and the line's net is also counted as
//!   `uncosted_revenue`, the part of the margin that is really unknown.
//!
//! An order line lands on the product, customer, manager and branch of its
//! order and on the category its product had when the order was confirmed
//! (imported: when it was imported). Its later shipments, costs, returns
//! and a cancellation land on the same members, so recategorising a
//! product does not move history. An order with several lines of one
//! product or category counts once for it. Figures are kept per currency;
//! a report is for one currency, and amounts of different currencies are
//! never added.
//!
//! Storage, for a million orders and more: every dimension member (and the
//! company as a whole) has a series of day entries sorted by (day,
//! currency); each entry holds the day's figures as whole ten-thousandths
//! ([`crate::fixed`]). Members are numbered in a table per dimension, so
//! an order keeps four small numbers, not four UUIDs. A report binary
//! searches each member's series for its first day and adds entries up to
//! its last: monthly revenue by category for a year reads about 365
//! entries per category, however many orders there are. Events mostly come
//! in business-day order and append to a series; a back-dated one is
//! inserted at its place.
//!
//! Branches: an order's figures land in its branch, and each member keeps
//! a series per branch it has figures in, so every report can be asked
//! for one branch (it reads that branch's series) or for the company (it
//! sums a member's series, for most members just one). Orders without
//! a branch are the company's; they show as "no branch" side by side.
//!
//! Invoices come from the customers' accounts: gross, due date, and every
//! payment or credit that paid part of them, each on its day, so what was
//! outstanding on any past day is known; the number arrives from the
//! numbering series. Payments are summed per day, currency and method,
//! and again per branch: the part allocated to an invoice counts in the
//! invoice's branch, the part left on account in none; a payment split
//! over two branches counts as one payment in each. The exchange
//! differences customer payments realized are kept by day.

use std::collections::BTreeMap;

use domain::catalog::ProductEvent;
use domain::currency::{CompanyEvent, RatesEvent};
use domain::finance::{AccountEvent, Allocation, DocumentKind, SeriesEvent};
use domain::ids::{
    BranchId, InvoiceId, OrderId, PartyId, ProductId, ProductionOrderId, ReservationId, ReturnId,
    UserId, WarehouseId,
};
use domain::inventory::StockEvent;
use domain::process::{output_of, returned_by};
use domain::production::ProductionEvent;
use domain::sales::{OrderConfirmed, OrderEvent, SaleEvent, SaleImported};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::day_rates::DayRates;
use crate::envelope::Envelope;
use crate::fixed::{cost_of, from_decimal};
use crate::model::ReadModel;

mod branch_kpis;
mod costing;
mod queries;
mod series;
mod tracking;

use costing::{Moved, Side, SoldCosts};
use series::{Figures, Members, Series, entry_mut};
pub use tracking::ProductInfo;
use tracking::{
    InvoiceTrack, LineMembers, LineProgress, OrderDims, OrderTrack, PaymentSum, PendingReturn,
    Reserved, method_number,
};

pub use queries::{
    AgeBucket, Aged, Ageing, Dimension, InvoiceRow, Measure, Member, MethodTotal, OpenInvoice,
    PaymentDay, Period, Receivables, ReportCurrency, ReportQuery, ReportRow, SalesFigures,
    TopQuery,
};

// ------------------------------------------------------------------ model

/// Equality covers every stored figure, so a snapshot round trip that
/// loses one shows up as a difference.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sales {
    currencies: Vec<Currency>,
    total: Series,
    products: Members<ProductId>,
    categories: Members<Option<String>>,
    customers: Members<PartyId>,
    managers: Members<Option<UserId>>,
    branches: Members<Option<BranchId>>,
    product_info: FxHashMap<ProductId, ProductInfo>,
    orders: FxHashMap<OrderId, OrderTrack>,
    /// Reservations of lines not yet issued in full.
    reservations: FxHashMap<ReservationId, Reserved>,
    returns: FxHashMap<ReturnId, PendingReturn>,
    /// In the order they were issued.
    invoices: Vec<InvoiceTrack>,
    /// Invoice → index in `invoices`; rebuilt after a restore.
    #[serde(skip)]
    invoice_index: FxHashMap<InvoiceId, u32>,
    /// (day, currency, method) → payments.
    payments: BTreeMap<(Day, u16, u8), PaymentSum>,
    /// (branch number, day, currency, method) → payments, each counted in
    /// the branches of the invoices it paid.
    branch_payments: BTreeMap<(u32, Day, u16, u8), PaymentSum>,
    /// Realized on customer payments, in the order recorded.
    differences: Vec<ReceivableDifference>,
    /// Every stock movement in business time, to cost what was sold.
    sold_costs: SoldCosts,
    /// To book a sale's cost in the sale's currency.
    rates: DayRates,
}

/// One exchange difference realized on a customer's payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivableDifference {
    pub day: chrono::NaiveDate,
    pub customer: PartyId,
    pub invoice: InvoiceId,
    pub currency: Currency,
    /// The part of the invoice paid, in `currency`.
    pub amount: Decimal,
    /// In the company currency; negative, a loss.
    pub gain: Decimal,
}

impl ReadModel for Sales {
    const NAME: &'static str = "sales";
    // 2: series per branch, payments per branch. 3: exchange differences.
    // 4: sales costed in business time, in the sale's currency.
    // 5: the company currency, for reports in it. 6: transfers carry
    // back-dated costs on to the sales from their arrival's stock. 7: so
    // does production, on to the sales of what it made.
    const VERSION: u32 = 7;
    const CATEGORIES: &'static [&'static str] = &[
        OrderEvent::CATEGORY,
        SaleEvent::CATEGORY,
        AccountEvent::CATEGORY,
        SeriesEvent::CATEGORY,
        ProductEvent::CATEGORY,
        StockEvent::CATEGORY,
        CompanyEvent::CATEGORY,
        RatesEvent::CATEGORY,
        ProductionEvent::CATEGORY,
    ];
    // A day per member per currency: large with millions of orders.
    const SNAPSHOTS_KEPT: usize = 4;

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let day = Day::of(envelope.occurred_at);
        match envelope.event {
            CrmEvent::Product(event) => {
                self.apply_product(ProductId::from_uuid(envelope.aggregate), event)
            }
            CrmEvent::Order(event) => {
                self.apply_order(OrderId::from_uuid(envelope.aggregate), day, event)
            }
            CrmEvent::Sale(SaleEvent::Imported(sale)) => self.apply_import(sale),
            CrmEvent::Rates(event) => self.rates.apply_rates(event),
            CrmEvent::Production(ProductionEvent::OutputCosted(costed)) => self.sold_costs.costed(
                (
                    ProductionOrderId::from_uuid(envelope.aggregate),
                    costed.completion,
                ),
                costed.quantity,
                costed.operations_cost,
            ),
            CrmEvent::Company(event) => self.rates.apply_company(event),
            CrmEvent::Stock(event) => {
                if let Some(warehouse) = envelope.aggregate_part {
                    let stock = (
                        ProductId::from_uuid(envelope.aggregate),
                        WarehouseId::from_uuid(warehouse),
                    );
                    self.apply_stock(stock, envelope, day, event);
                }
            }
            CrmEvent::Account(event) => {
                self.apply_account(PartyId::from_uuid(envelope.aggregate), day, event)
            }
            CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered))
                if numbered.kind == DocumentKind::Invoice =>
            {
                let invoice = InvoiceId::from_uuid(numbered.document);
                if let Some(track) = self.invoice_mut(invoice) {
                    track.number = Some(numbered.number.as_str().into());
                }
            }
            _ => {}
        }
    }

    fn restored(&mut self) {
        self.products.reindex();
        self.categories.reindex();
        self.customers.reindex();
        self.managers.reindex();
        self.branches.reindex();
        self.invoice_index = self
            .invoices
            .iter()
            .enumerate()
            .map(|(index, track)| (track.invoice, u32::try_from(index).unwrap_or(u32::MAX)))
            .collect();
    }
}

/// The members one line's figures land on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct LineDims {
    order: OrderDims,
    product: u32,
    category: u32,
}

impl Sales {
    fn currency_number(&mut self, currency: Currency) -> u16 {
        if let Some(number) = self.currencies.iter().position(|known| *known == currency) {
            return u16::try_from(number).unwrap_or(u16::MAX);
        }
        self.currencies.push(currency);
        // Three upper-case letters make at most 17,576 currencies.
        u16::try_from(self.currencies.len() - 1).unwrap_or(u16::MAX)
    }

    fn find_currency(&self, currency: Currency) -> Option<u16> {
        self.currencies
            .iter()
            .position(|known| *known == currency)
            .and_then(|number| u16::try_from(number).ok())
    }

    fn order_dims(
        &mut self,
        party: PartyId,
        manager: Option<UserId>,
        branch: Option<BranchId>,
        currency: Currency,
    ) -> OrderDims {
        OrderDims {
            customer: self.customers.number(&party),
            manager: self.managers.number(&manager),
            branch: self.branches.number(&branch),
            currency: self.currency_number(currency),
        }
    }

    /// The category number of a product as it is categorised now.
    fn category_now(&mut self, product: ProductId) -> u32 {
        let category = self
            .product_info
            .get(&product)
            .and_then(|info| info.category.clone());
        self.categories.number(&category)
    }

    /// Books a change on the company total and the order's customer,
    /// manager and branch.
    fn book_order(&mut self, day: Day, dims: OrderDims, change: impl Fn(&mut Figures)) {
        let currency = dims.currency;
        change(entry_mut(&mut self.total, day, currency));
        for series in [
            self.customers.series_mut(dims.customer, dims.branch),
            self.managers.series_mut(dims.manager, dims.branch),
            self.branches.series_mut(dims.branch, dims.branch),
        ]
        .into_iter()
        .flatten()
        {
            change(entry_mut(series, day, currency));
        }
    }

    fn book_product(
        &mut self,
        day: Day,
        dims: OrderDims,
        product: u32,
        change: impl Fn(&mut Figures),
    ) {
        if let Some(series) = self.products.series_mut(product, dims.branch) {
            change(entry_mut(series, day, dims.currency));
        }
    }

    fn book_category(
        &mut self,
        day: Day,
        dims: OrderDims,
        category: u32,
        change: impl Fn(&mut Figures),
    ) {
        if let Some(series) = self.categories.series_mut(category, dims.branch) {
            change(entry_mut(series, day, dims.currency));
        }
    }

    /// Books a change of one line on every member it lands on.
    fn book_line(&mut self, day: Day, dims: LineDims, change: impl Fn(&mut Figures)) {
        self.book_order(day, dims.order, &change);
        self.book_product(day, dims.order, dims.product, &change);
        self.book_category(day, dims.order, dims.category, &change);
    }

    /// Books an order (taken or cancelled) whose lines are given as
    /// (product, category, net): once on the order's members with its
    /// total, once on each product and category with the net of its lines.
    fn book_whole_order(
        &mut self,
        day: Day,
        dims: OrderDims,
        lines: &[(u32, u32, i64)],
        change: impl Fn(&mut Figures, i64),
    ) {
        let total = lines
            .iter()
            .fold(0_i64, |sum, (_, _, net)| sum.saturating_add(*net));
        self.book_order(day, dims, |figures| change(figures, total));
        for (product, net) in grouped(lines.iter().map(|(product, _, net)| (*product, *net))) {
            self.book_product(day, dims, product, |figures| change(figures, net));
        }
        for (category, net) in grouped(lines.iter().map(|(_, category, net)| (*category, *net))) {
            self.book_category(day, dims, category, |figures| change(figures, net));
        }
    }

    fn apply_product(&mut self, product: ProductId, event: &ProductEvent) {
        match event {
            ProductEvent::Defined(defined) => {
                self.product_info.insert(
                    product,
                    ProductInfo {
                        sku: defined.sku.clone(),
                        name: defined.name.clone(),
                        category: defined.category.clone(),
                    },
                );
            }
            ProductEvent::Renamed(renamed) => {
                if let Some(info) = self.product_info.get_mut(&product) {
                    info.name = renamed.name.clone();
                }
            }
            ProductEvent::Categorized(categorized) => {
                if let Some(info) = self.product_info.get_mut(&product) {
                    info.category = categorized.category.clone();
                }
            }
            _ => {}
        }
    }

    fn apply_order(&mut self, order: OrderId, day: Day, event: &OrderEvent) {
        match event {
            OrderEvent::Drafted(drafted) => {
                let dims = self.order_dims(
                    drafted.party,
                    drafted.manager,
                    drafted.branch,
                    drafted.currency,
                );
                self.orders.insert(
                    order,
                    OrderTrack {
                        dims,
                        confirmed: false,
                        lines: Vec::new(),
                        progress: None,
                    },
                );
            }
            OrderEvent::Confirmed(confirmed) => self.confirm(order, day, confirmed),
            OrderEvent::Cancelled(_) => {
                let Some(track) = self.orders.remove(&order) else {
                    return;
                };
                for line in &track.lines {
                    self.reservations
                        .remove(&ReservationId::for_order_line(order, line.line));
                }
                if track.confirmed {
                    let lines = track.nets();
                    self.book_whole_order(day, track.dims, &lines, |figures, net| {
                        figures.cancelled_orders = figures.cancelled_orders.saturating_add(1);
                        figures.cancelled_net = figures.cancelled_net.saturating_add(net);
                    });
                }
            }
            OrderEvent::Shipped(shipped) => {
                let Some(track) = self.orders.get_mut(&order) else {
                    return;
                };
                let order_dims = track.dims;
                let mut booked = Vec::with_capacity(shipped.lines.len());
                for shipped_line in &shipped.lines {
                    let Some(index) = track.index(shipped_line.line) else {
                        continue;
                    };
                    let Some(line) = track
                        .progress
                        .as_mut()
                        .and_then(|progress| progress.get_mut(index))
                    else {
                        continue;
                    };
                    let quantity = from_decimal(shipped_line.quantity);
                    let net = line.shipped_part(quantity);
                    line.shipped = line.shipped.saturating_add(quantity);
                    line.shipped_net = line.shipped_net.saturating_add(net);
                    let members = track.lines[index];
                    let dims = LineDims {
                        order: order_dims,
                        product: members.product,
                        category: members.category,
                    };
                    booked.push((dims, net, quantity));
                }
                let all_shipped = track.progress.as_ref().is_some_and(|progress| {
                    progress.iter().all(|line| line.shipped >= line.quantity)
                });
                if all_shipped {
                    // Nothing is left to price: returns need only members.
                    track.progress = None;
                }
                for (dims, net, quantity) in booked {
                    self.book_line(day, dims, |figures| {
                        figures.revenue = figures.revenue.saturating_add(net);
                        figures.units = figures.units.saturating_add(quantity);
                    });
                }
            }
            OrderEvent::Returned(returned) => {
                let Some(track) = self.orders.get_mut(&order) else {
                    return;
                };
                let order_dims = track.dims;
                let mut booked = Vec::with_capacity(returned.lines.len());
                let mut goods = Vec::new();
                for returned_line in &returned.lines {
                    let Some(line) = track.line(returned_line.line) else {
                        continue;
                    };
                    let dims = LineDims {
                        order: order_dims,
                        product: line.product,
                        category: line.category,
                    };
                    booked.push((
                        dims,
                        from_decimal(returned_line.amounts.net),
                        from_decimal(returned_line.quantity),
                    ));
                    if returned_line.stock_tracked {
                        goods.push((returned_line.line, returned_line.product));
                    }
                }
                for (dims, net, quantity) in booked {
                    self.book_line(day, dims, |figures| {
                        figures.revenue = figures.revenue.saturating_sub(net);
                        figures.units_returned = figures.units_returned.saturating_add(quantity);
                    });
                }
                if !goods.is_empty() {
                    self.returns.insert(
                        returned.return_id,
                        PendingReturn {
                            order,
                            lines: goods,
                        },
                    );
                }
            }
            OrderEvent::LineAdded(_)
            | OrderEvent::LineRemoved(_)
            | OrderEvent::LineQuantityChanged(_)
            | OrderEvent::Invoiced(_)
            | OrderEvent::InvoicePaid(_)
            | OrderEvent::Closed(_) => {}
        }
    }

    fn confirm(&mut self, order: OrderId, day: Day, confirmed: &OrderConfirmed) {
        let dims = match self.orders.get(&order) {
            Some(track) => track.dims,
            // Drafted before this model read orders: the confirmation
            // names the customer and currency.
            None => self.order_dims(confirmed.party, None, None, confirmed.currency),
        };
        let mut lines: Vec<(LineMembers, LineProgress)> = Vec::with_capacity(confirmed.lines.len());
        for line in &confirmed.lines {
            let members = LineMembers {
                line: line.line,
                product: self.products.number(&line.product),
                category: self.category_now(line.product),
            };
            let quantity = from_decimal(line.quantity);
            let progress = LineProgress {
                quantity,
                net: from_decimal(line.amounts.net),
                shipped: 0,
                shipped_net: 0,
            };
            lines.push((members, progress));
            if let Some(reservation) = line.reservation {
                let reserved = Reserved {
                    order,
                    line: line.line,
                    unissued: quantity,
                };
                self.reservations.insert(reservation, reserved);
            }
        }
        lines.sort_unstable_by_key(|(members, _)| members.line);
        let track = OrderTrack {
            dims,
            confirmed: true,
            lines: lines.iter().map(|(members, _)| *members).collect(),
            progress: Some(lines.iter().map(|(_, progress)| *progress).collect()),
        };
        self.book_whole_order(day, dims, &track.nets(), |figures, net| {
            figures.orders = figures.orders.saturating_add(1);
            figures.order_net = figures.order_net.saturating_add(net);
        });
        self.orders.insert(order, track);
    }

    fn apply_import(&mut self, sale: &SaleImported) {
        let dims = self.order_dims(sale.party, sale.manager, sale.branch, sale.currency);
        let ordered = Day::from_date(sale.ordered_on);
        let shipped = Day::from_date(sale.shipped_on.unwrap_or(sale.ordered_on));
        let mut lines = Vec::with_capacity(sale.lines.len());
        for line in &sale.lines {
            let product = self.products.number(&line.product);
            let category = self.category_now(line.product);
            lines.push((product, category, from_decimal(line.amounts.net)));
        }
        self.book_whole_order(ordered, dims, &lines, |figures, net| {
            figures.orders = figures.orders.saturating_add(1);
            figures.order_net = figures.order_net.saturating_add(net);
        });
        for ((product, category, net), line) in lines.into_iter().zip(&sale.lines) {
            let quantity = from_decimal(line.quantity);
            let (cost, uncosted) = match line.unit_cost {
                Some(unit_cost) => (cost_of(line.quantity, unit_cost), 0),
                None => (0, net),
            };
            let line_dims = LineDims {
                order: dims,
                product,
                category,
            };
            self.book_line(shipped, line_dims, |figures| {
                figures.revenue = figures.revenue.saturating_add(net);
                figures.units = figures.units.saturating_add(quantity);
                figures.cost = figures.cost.saturating_add(cost);
                figures.uncosted_revenue = figures.uncosted_revenue.saturating_add(uncosted);
            });
        }
    }

    /// The members of line `line` of `order`.
    fn line_dims(&self, order: OrderId, line: u32) -> Option<LineDims> {
        let track = self.orders.get(&order)?;
        let line = track.line(line)?;
        Some(LineDims {
            order: track.dims,
            product: line.product,
            category: line.category,
        })
    }

    /// A stock movement: into its ledger, and, when it is a sales line's
    /// goods leaving or coming back, its cost onto the line, at the
    /// business-time average (`costing`); later sales' costs follow when
    /// it is back-dated.
    fn apply_stock(
        &mut self,
        stock: (ProductId, WarehouseId),
        envelope: &Envelope<'_>,
        day: Day,
        event: &StockEvent,
    ) {
        let moved = |arrives, change: Decimal, unit_cost| Moved {
            occurred_at: envelope.occurred_at,
            position: envelope.position,
            arrives,
            change,
            unit_cost,
            side: Side::Alone,
        };
        let (moved, booking) = match event {
            StockEvent::Received(received) => (
                Moved {
                    side: match received.reference.as_deref().and_then(output_of) {
                        Some((order, completion)) => Side::Produced(order, completion),
                        None => Side::Alone,
                    },
                    ..moved(true, received.quantity, received.unit_cost)
                },
                None,
            ),
            StockEvent::TransferredIn(arrived) => (
                Moved {
                    side: Side::Arrived(arrived.transfer),
                    ..moved(true, arrived.quantity, arrived.unit_cost)
                },
                None,
            ),
            StockEvent::TransferredOut(out) => (
                Moved {
                    side: Side::Dispatched(out.transfer),
                    ..moved(false, -out.quantity, out.unit_cost)
                },
                None,
            ),
            StockEvent::Consumed(consumed) => (
                Moved {
                    side: Side::Consumed {
                        completion: (consumed.production, consumed.completion),
                        quantity: consumed.quantity,
                    },
                    ..moved(false, -consumed.quantity, consumed.unit_cost)
                },
                None,
            ),
            StockEvent::Counted(counted) => {
                (moved(false, counted.difference, counted.unit_cost), None)
            }
            StockEvent::Issued(issued) => (
                moved(false, -issued.quantity, issued.unit_cost),
                self.issued_line(issued.reservation, issued.quantity)
                    .map(|dims| (day, dims, false)),
            ),
            StockEvent::Returned(returned) => (
                moved(false, returned.quantity, returned.unit_cost),
                self.returned_line(stock.0, returned.reference.as_deref())
                    .map(|dims| (day, dims, true)),
            ),
            StockEvent::Reserved(_)
            | StockEvent::ReservationReleased(_)
            | StockEvent::ReorderLevelSet(_) => return,
        };
        let (rates, currencies) = (&self.rates, &self.currencies);
        let in_currency = |day: Day, dims: LineDims, cost: i64| match currencies
            .get(usize::from(dims.order.currency))
        {
            Some(currency) => rates.from_company(cost, *currency, day.date()),
            None => cost,
        };
        let revaluations = self.sold_costs.record(stock, moved, booking, in_currency);
        for revaluation in revaluations {
            let delta = if revaluation.returned {
                revaluation.delta.saturating_neg()
            } else {
                revaluation.delta
            };
            self.book_line(revaluation.day, revaluation.dims, |figures| {
                figures.cost = figures.cost.saturating_add(delta);
            });
        }
    }

    /// The sales line whose reservation `quantity` was issued from, if
    /// any, counting it as issued.
    fn issued_line(
        &mut self,
        reservation: Option<ReservationId>,
        quantity: Decimal,
    ) -> Option<LineDims> {
        let reservation = reservation?;
        let reserved = self.reservations.get_mut(&reservation)?;
        reserved.unissued = reserved.unissued.saturating_sub(from_decimal(quantity));
        let Reserved {
            order,
            line,
            unissued,
        } = *reserved;
        if unissued <= 0 {
            // Nothing more is issued for a line issued in full.
            self.reservations.remove(&reservation);
        }
        self.line_dims(order, line)
    }

    /// The sales line a return of `product` (named by its reference) sent
    /// back, if any, counting it as back.
    fn returned_line(&mut self, product: ProductId, reference: Option<&str>) -> Option<LineDims> {
        let return_id = reference.and_then(returned_by)?;
        let pending = self.returns.get_mut(&return_id)?;
        let place = pending.lines.iter().position(|(_, of)| *of == product)?;
        let (line, _) = pending.lines.remove(place);
        let order = pending.order;
        if pending.lines.is_empty() {
            self.returns.remove(&return_id);
        }
        self.line_dims(order, line)
    }

    fn invoice_mut(&mut self, invoice: InvoiceId) -> Option<&mut InvoiceTrack> {
        let index = *self.invoice_index.get(&invoice)?;
        self.invoices.get_mut(index as usize)
    }

    fn pay(&mut self, day: Day, allocations: &[Allocation]) {
        for allocation in allocations {
            if let Some(track) = self.invoice_mut(allocation.invoice) {
                track.record_payment(day, from_decimal(allocation.amount));
            }
        }
    }

    fn apply_account(&mut self, party: PartyId, day: Day, event: &AccountEvent) {
        match event {
            AccountEvent::InvoiceIssued(issued) => {
                if self.invoice_index.contains_key(&issued.invoice) {
                    return;
                }
                let gross = from_decimal(issued.total.gross);
                let track = InvoiceTrack {
                    invoice: issued.invoice,
                    customer: self.customers.number(&party),
                    order: issued.order,
                    branch: issued.branch,
                    currency: self.currency_number(issued.currency),
                    issued: day,
                    due: Day::from_date(issued.due),
                    gross,
                    paid: 0,
                    paid_on: Vec::new(),
                    // Nothing to pay: paid off as it is issued.
                    paid_off: (gross <= 0).then_some(day),
                    number: None,
                };
                let index = u32::try_from(self.invoices.len()).unwrap_or(u32::MAX);
                self.invoices.push(track);
                self.invoice_index.insert(issued.invoice, index);
            }
            AccountEvent::CreditNoteIssued(note) => self.pay(day, &note.applied),
            AccountEvent::PaymentReceived(payment) => {
                self.pay(day, &payment.allocations);
                let currency = self.currency_number(payment.currency);
                let method = method_number(payment.method);
                let amount = from_decimal(payment.amount);
                let sum = self.payments.entry((day, currency, method)).or_default();
                sum.payments = sum.payments.saturating_add(1);
                sum.amount = sum.amount.saturating_add(amount);
                for (branch, part) in self.payment_by_branch(amount, &payment.allocations) {
                    let sum = self
                        .branch_payments
                        .entry((branch, day, currency, method))
                        .or_default();
                    sum.payments = sum.payments.saturating_add(1);
                    sum.amount = sum.amount.saturating_add(part);
                }
            }
            AccountEvent::CreditApplied(applied) => self.pay(
                day,
                &[Allocation {
                    invoice: applied.invoice,
                    amount: applied.amount,
                }],
            ),
            AccountEvent::ExchangeDifferenceRealized(difference) => {
                self.differences.push(ReceivableDifference {
                    day: day.date(),
                    customer: party,
                    invoice: difference.invoice,
                    currency: difference.currency,
                    amount: difference.amount,
                    gain: difference.gain,
                });
            }
            AccountEvent::InvoiceSettled(_) => {}
        }
    }
}

impl Sales {
    /// A payment of `amount` split over the branches (by number) of the
    /// invoices it was allocated to; what is left on account goes to "no
    /// branch". Branches whose part is zero are left out.
    fn payment_by_branch(&mut self, amount: i64, allocations: &[Allocation]) -> Vec<(u32, i64)> {
        let mut parts: Vec<(u32, i64)> = Vec::new();
        let mut allocated = 0_i64;
        for allocation in allocations {
            let Some(branch) = self
                .invoice_index
                .get(&allocation.invoice)
                .and_then(|index| self.invoices.get(*index as usize))
                .map(|track| track.branch)
            else {
                continue;
            };
            let part = from_decimal(allocation.amount);
            allocated = allocated.saturating_add(part);
            parts.push((self.branches.number(&branch), part));
        }
        let on_account = amount.saturating_sub(allocated);
        if on_account > 0 {
            parts.push((self.branches.number(&None), on_account));
        }
        let mut grouped = grouped(parts.into_iter());
        grouped.retain(|(_, part)| *part != 0);
        grouped
    }
}

/// (member, net) pairs added up per member, by member.
fn grouped(pairs: impl Iterator<Item = (u32, i64)>) -> Vec<(u32, i64)> {
    let mut pairs: Vec<(u32, i64)> = pairs.collect();
    pairs.sort_unstable_by_key(|(member, _)| *member);
    let mut grouped: Vec<(u32, i64)> = Vec::with_capacity(pairs.len());
    for (member, net) in pairs {
        match grouped.last_mut() {
            Some((last, sum)) if *last == member => *sum = sum.saturating_add(net),
            _ => grouped.push((member, net)),
        }
    }
    grouped
}
