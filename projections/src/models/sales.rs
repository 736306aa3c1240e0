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
//! Invoices come from the customers' accounts: gross, due date, and every
//! payment or credit that paid part of them, each on its day, so what was
//! outstanding on any past day is known; the number arrives from the
//! numbering series. Payments are summed per day, currency and method.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::Hash;

use chrono::NaiveDate;
use domain::catalog::ProductEvent;
use domain::finance::{AccountEvent, Allocation, DocumentKind, PaymentMethod, SeriesEvent};
use domain::ids::{
    BranchId, InvoiceId, OrderId, PartyId, ProductId, ReservationId, ReturnId, UserId,
};
use domain::inventory::StockEvent;
use domain::process::returned_by;
use domain::sales::{OrderConfirmed, OrderEvent, SaleEvent, SaleImported, round_amount};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::envelope::Envelope;
use crate::fixed::{cost_of, from_decimal, to_decimal, to_money};
use crate::model::ReadModel;

// ------------------------------------------------------------ day series

/// One day's figures of one member in one currency, in ten-thousandths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Figures {
    orders: i32,
    cancelled_orders: i32,
    order_net: i64,
    cancelled_net: i64,
    revenue: i64,
    cost: i64,
    units: i64,
    units_returned: i64,
    uncosted_revenue: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    day: Day,
    /// Index into [`Sales::currencies`].
    currency: u16,
    figures: Figures,
}

impl Entry {
    fn key(&self) -> (Day, u16) {
        (self.day, self.currency)
    }
}

/// A member's day entries, sorted by (day, currency).
type Series = Vec<Entry>;

/// The figures of `day` in `currency` in `series`, made if missing. An
/// entry for the newest day is found or appended at once; an older one is
/// found by binary search and, if new, inserted at its place.
fn entry_mut(series: &mut Series, day: Day, currency: u16) -> &mut Figures {
    let key = (day, currency);
    let place = match series.last().map(Entry::key) {
        None => 0,
        Some(last) if last < key => series.len(),
        Some(_) => match series.binary_search_by(|entry| entry.key().cmp(&key)) {
            Ok(found) => return &mut series[found].figures,
            Err(place) => place,
        },
    };
    series.insert(
        place,
        Entry {
            day,
            currency,
            figures: Figures::default(),
        },
    );
    &mut series[place].figures
}

/// The members of one dimension, numbered in the order they were first
/// seen, each with its series.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "K: Serialize",
    deserialize = "K: Deserialize<'de> + Eq + Hash"
))]
struct Members<K: Eq + Hash> {
    keys: Vec<K>,
    series: Vec<Series>,
    /// Key → number; rebuilt from `keys` after a restore.
    #[serde(skip)]
    index: FxHashMap<K, u32>,
}

impl<K: Eq + Hash> Default for Members<K> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            series: Vec::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<K: Eq + Hash + Clone> Members<K> {
    fn number(&mut self, key: &K) -> u32 {
        if let Some(number) = self.index.get(key) {
            return *number;
        }
        // Four billion members of one dimension would exhaust memory first.
        let number = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(key.clone());
        self.series.push(Series::new());
        self.index.insert(key.clone(), number);
        number
    }

    fn series_mut(&mut self, number: u32) -> Option<&mut Series> {
        self.series.get_mut(number as usize)
    }

    fn key(&self, number: u32) -> Option<&K> {
        self.keys.get(number as usize)
    }

    fn reindex(&mut self) {
        self.index = self
            .keys
            .iter()
            .enumerate()
            .map(|(number, key)| (key.clone(), u32::try_from(number).unwrap_or(u32::MAX)))
            .collect();
    }
}

// --------------------------------------------------------------- tracking

/// The members an order's figures land on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OrderDims {
    customer: u32,
    manager: u32,
    branch: u32,
    currency: u16,
}

/// The members a confirmed line lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct LineMembers {
    line: u32,
    product: u32,
    category: u32,
}

/// How much of a confirmed line was shipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct LineProgress {
    quantity: i64,
    net: i64,
    shipped: i64,
    shipped_net: i64,
}

impl LineProgress {
    /// The net of `quantity` more shipped: pro rata, and the part that
    /// completes the line takes what is left (as `domain::sales` prices
    /// the parts of a line).
    fn shipped_part(&self, quantity: i64) -> i64 {
        if self.shipped.saturating_add(quantity) >= self.quantity {
            return self.net.saturating_sub(self.shipped_net);
        }
        let decimal = |fixed: i64| Decimal::new(fixed, crate::fixed::SCALE);
        decimal(self.net)
            .checked_mul(decimal(quantity))
            .and_then(|product| product.checked_div(decimal(self.quantity)))
            .map_or(0, |share| from_decimal(round_amount(share)))
    }
}

/// An order as long as something can still happen to it: a million
/// orders stay, so a shipped one keeps only what its returns need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct OrderTrack {
    dims: OrderDims,
    confirmed: bool,
    /// Sorted by line number.
    lines: Vec<LineMembers>,
    /// Each line's progress, in the order of `lines`, until every line is
    /// shipped in full.
    progress: Option<Box<[LineProgress]>>,
}

impl OrderTrack {
    fn index(&self, line: u32) -> Option<usize> {
        self.lines
            .binary_search_by_key(&line, |members| members.line)
            .ok()
    }

    fn line(&self, line: u32) -> Option<LineMembers> {
        self.lines.get(self.index(line)?).copied()
    }

    /// The nets of the lines as confirmed (zero once shipped in full:
    /// only an unshipped order is ever cancelled).
    fn nets(&self) -> Vec<(u32, u32, i64)> {
        self.lines
            .iter()
            .enumerate()
            .map(|(index, members)| {
                let net = self
                    .progress
                    .as_ref()
                    .and_then(|progress| progress.get(index))
                    .map_or(0, |progress| progress.net);
                (members.product, members.category, net)
            })
            .collect()
    }
}

/// A line's reservation and what is still to be issued under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Reserved {
    order: OrderId,
    line: u32,
    unissued: i64,
}

/// The goods of a return whose stock return has not been seen yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PendingReturn {
    order: OrderId,
    /// (line, product) of each line of goods.
    lines: Vec<(u32, ProductId)>,
}

/// What the sales model knows of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInfo {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct InvoiceTrack {
    invoice: InvoiceId,
    /// Number in the customer table.
    customer: u32,
    order: Option<OrderId>,
    branch: Option<BranchId>,
    currency: u16,
    issued: Day,
    due: Day,
    gross: i64,
    paid: i64,
    /// Every payment or credit that paid part of it, by day.
    paid_on: Vec<(Day, i64)>,
    /// The business day what paid it reached its gross; `None` while
    /// something is owed. An as-of scan passes over invoices paid off by
    /// then without reading their payments.
    paid_off: Option<Day>,
    number: Option<Box<str>>,
}

impl InvoiceTrack {
    fn record_payment(&mut self, day: Day, amount: i64) {
        self.paid = self.paid.saturating_add(amount);
        self.paid_on.push((day, amount));
        self.paid_off = None;
        if self.paid >= self.gross {
            // Payments may be back-dated: add them up in business order.
            let mut paid_on = self.paid_on.clone();
            paid_on.sort_by_key(|(day, _)| *day);
            let mut paid = 0_i64;
            for (day, amount) in paid_on {
                paid = paid.saturating_add(amount);
                if paid >= self.gross {
                    self.paid_off = Some(day);
                    break;
                }
            }
        }
    }

    fn paid_by(&self, day: Day) -> i64 {
        self.paid_on
            .iter()
            .filter(|(paid_day, _)| *paid_day <= day)
            .fold(0_i64, |sum, (_, amount)| sum.saturating_add(*amount))
    }
}

/// Payments received on a day in a currency by a method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct PaymentSum {
    payments: i64,
    amount: i64,
}

/// How a payment method is stored in a key.
fn method_number(method: PaymentMethod) -> u8 {
    match method {
        PaymentMethod::Cash => 0,
        PaymentMethod::BankTransfer => 1,
        PaymentMethod::Card => 2,
    }
}

const METHODS: [PaymentMethod; 3] = [
    PaymentMethod::Cash,
    PaymentMethod::BankTransfer,
    PaymentMethod::Card,
];

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
}

impl ReadModel for Sales {
    const NAME: &'static str = "sales";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &[
        OrderEvent::CATEGORY,
        SaleEvent::CATEGORY,
        AccountEvent::CATEGORY,
        SeriesEvent::CATEGORY,
        ProductEvent::CATEGORY,
        StockEvent::CATEGORY,
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
            CrmEvent::Stock(event) => {
                self.apply_stock(ProductId::from_uuid(envelope.aggregate), day, event)
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
#[derive(Clone, Copy, Debug)]
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
            self.customers.series_mut(dims.customer),
            self.managers.series_mut(dims.manager),
            self.branches.series_mut(dims.branch),
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
        currency: u16,
        product: u32,
        change: impl Fn(&mut Figures),
    ) {
        if let Some(series) = self.products.series_mut(product) {
            change(entry_mut(series, day, currency));
        }
    }

    fn book_category(
        &mut self,
        day: Day,
        currency: u16,
        category: u32,
        change: impl Fn(&mut Figures),
    ) {
        if let Some(series) = self.categories.series_mut(category) {
            change(entry_mut(series, day, currency));
        }
    }

    /// Books a change of one line on every member it lands on.
    fn book_line(&mut self, day: Day, dims: LineDims, change: impl Fn(&mut Figures)) {
        self.book_order(day, dims.order, &change);
        self.book_product(day, dims.order.currency, dims.product, &change);
        self.book_category(day, dims.order.currency, dims.category, &change);
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
            self.book_product(day, dims.currency, product, |figures| change(figures, net));
        }
        for (category, net) in grouped(lines.iter().map(|(_, category, net)| (*category, *net))) {
            self.book_category(day, dims.currency, category, |figures| change(figures, net));
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

    fn apply_stock(&mut self, product: ProductId, day: Day, event: &StockEvent) {
        match event {
            StockEvent::Issued(issued) => {
                let Some(reservation) = issued.reservation else {
                    return;
                };
                let Some(reserved) = self.reservations.get_mut(&reservation) else {
                    return;
                };
                reserved.unissued = reserved
                    .unissued
                    .saturating_sub(from_decimal(issued.quantity));
                let Reserved {
                    order,
                    line,
                    unissued,
                } = *reserved;
                if unissued <= 0 {
                    // Nothing more is issued for a line issued in full.
                    self.reservations.remove(&reservation);
                }
                let Some(dims) = self.line_dims(order, line) else {
                    return;
                };
                let cost = cost_of(issued.quantity, issued.unit_cost);
                self.book_line(day, dims, |figures| {
                    figures.cost = figures.cost.saturating_add(cost);
                });
            }
            StockEvent::Returned(returned) => {
                let Some(return_id) = returned.reference.as_deref().and_then(returned_by) else {
                    return;
                };
                let Some(pending) = self.returns.get_mut(&return_id) else {
                    return;
                };
                let Some(place) = pending.lines.iter().position(|(_, of)| *of == product) else {
                    return;
                };
                let (line, _) = pending.lines.remove(place);
                let order = pending.order;
                if pending.lines.is_empty() {
                    self.returns.remove(&return_id);
                }
                let Some(dims) = self.line_dims(order, line) else {
                    return;
                };
                let cost = cost_of(returned.quantity, returned.unit_cost);
                self.book_line(day, dims, |figures| {
                    figures.cost = figures.cost.saturating_sub(cost);
                });
            }
            _ => {}
        }
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
                let sum = self
                    .payments
                    .entry((day, currency, method_number(payment.method)))
                    .or_default();
                sum.payments = sum.payments.saturating_add(1);
                sum.amount = sum.amount.saturating_add(from_decimal(payment.amount));
            }
            AccountEvent::CreditApplied(applied) => self.pay(
                day,
                &[Allocation {
                    invoice: applied.invoice,
                    amount: applied.amount,
                }],
            ),
            AccountEvent::InvoiceSettled(_) => {}
        }
    }
}

// ---------------------------------------------------------------- queries

/// How a report's days are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// One row per member over the whole range.
    Whole,
    Day,
    /// ISO weeks, from Monday.
    Week,
    Month,
}

/// What a report's rows are per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    Product,
    /// The product's category when the line was sold.
    Category,
    Customer,
    Manager,
    Branch,
}

/// Whom a row is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Member {
    /// The whole company.
    All,
    Product(ProductId),
    /// `None`: products without a category.
    Category(Option<String>),
    Customer(PartyId),
    /// `None`: orders without a manager.
    Manager(Option<UserId>),
    /// `None`: orders without a branch.
    Branch(Option<BranchId>),
}

/// Figures of a report row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalesFigures {
    pub orders: i64,
    pub order_net: Decimal,
    pub cancelled_orders: i64,
    pub cancelled_net: Decimal,
    pub revenue: Decimal,
    pub cost: Decimal,
    /// Revenue less cost.
    pub margin: Decimal,
    pub units: Decimal,
    pub units_returned: Decimal,
    /// Revenue of imported lines whose cost the source did not give: the
    /// margin includes it whole.
    pub uncosted_revenue: Decimal,
}

/// Figures added up over days, wide enough never to overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum {
    orders: i128,
    cancelled_orders: i128,
    order_net: i128,
    cancelled_net: i128,
    revenue: i128,
    cost: i128,
    units: i128,
    units_returned: i128,
    uncosted_revenue: i128,
}

impl Sum {
    fn add(&mut self, figures: &Figures) {
        self.orders += i128::from(figures.orders);
        self.cancelled_orders += i128::from(figures.cancelled_orders);
        self.order_net += i128::from(figures.order_net);
        self.cancelled_net += i128::from(figures.cancelled_net);
        self.revenue += i128::from(figures.revenue);
        self.cost += i128::from(figures.cost);
        self.units += i128::from(figures.units);
        self.units_returned += i128::from(figures.units_returned);
        self.uncosted_revenue += i128::from(figures.uncosted_revenue);
    }

    fn figures(&self) -> SalesFigures {
        let count = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
        SalesFigures {
            orders: count(self.orders),
            order_net: to_money(self.order_net),
            cancelled_orders: count(self.cancelled_orders),
            cancelled_net: to_money(self.cancelled_net),
            revenue: to_money(self.revenue),
            cost: to_money(self.cost),
            margin: to_money(self.revenue - self.cost),
            units: to_decimal(self.units),
            units_returned: to_decimal(self.units_returned),
            uncosted_revenue: to_money(self.uncosted_revenue),
        }
    }

    fn measure(&self, measure: Measure) -> i128 {
        match measure {
            Measure::Orders => self.orders,
            Measure::OrderNet => self.order_net,
            Measure::Revenue => self.revenue,
            Measure::Cost => self.cost,
            Measure::Margin => self.revenue - self.cost,
            Measure::Units => self.units,
        }
    }
}

/// A report over the days `from..=to` in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: Currency,
    pub period: Period,
    /// `None`: the company as a whole.
    pub dimension: Option<Dimension>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// The first day of the row's period (a week's Monday, a month's
    /// first, `from` for the whole range); only days within the range are
    /// counted, so a week cut by the range is counted in part.
    pub period: NaiveDate,
    pub member: Member,
    pub figures: SalesFigures,
}

/// What a top list ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    Orders,
    OrderNet,
    Revenue,
    Cost,
    Margin,
    Units,
}

/// The `limit` best members of a dimension over `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: Currency,
    pub dimension: Dimension,
    pub measure: Measure,
    pub limit: usize,
}

/// An invoice as it stands (or stood on a day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    pub invoice: InvoiceId,
    /// As printed, once the numbering series has given it one.
    pub number: Option<String>,
    pub party: PartyId,
    pub order: Option<OrderId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub gross: Decimal,
    pub paid: Decimal,
    pub outstanding: Decimal,
}

/// How far past its due date an open invoice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBucket {
    /// Not yet due, or due that very day.
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl AgeBucket {
    pub fn of(days_overdue: i64) -> Self {
        match days_overdue {
            ..=0 => Self::Current,
            1..=30 => Self::Days1To30,
            31..=60 => Self::Days31To60,
            61..=90 => Self::Days61To90,
            _ => Self::Over90,
        }
    }
}

/// Open invoices and what they owe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aged {
    pub invoices: i64,
    pub outstanding: Decimal,
}

/// What is owed, by how overdue it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ageing {
    pub current: Aged,
    pub days_1_to_30: Aged,
    pub days_31_to_60: Aged,
    pub days_61_to_90: Aged,
    pub over_90: Aged,
}

impl Ageing {
    pub fn bucket(&self, bucket: AgeBucket) -> &Aged {
        match bucket {
            AgeBucket::Current => &self.current,
            AgeBucket::Days1To30 => &self.days_1_to_30,
            AgeBucket::Days31To60 => &self.days_31_to_60,
            AgeBucket::Days61To90 => &self.days_61_to_90,
            AgeBucket::Over90 => &self.over_90,
        }
    }

    fn bucket_mut(&mut self, bucket: AgeBucket) -> &mut Aged {
        match bucket {
            AgeBucket::Current => &mut self.current,
            AgeBucket::Days1To30 => &mut self.days_1_to_30,
            AgeBucket::Days31To60 => &mut self.days_31_to_60,
            AgeBucket::Days61To90 => &mut self.days_61_to_90,
            AgeBucket::Over90 => &mut self.over_90,
        }
    }

    fn buckets(&self) -> [&Aged; 5] {
        [
            &self.current,
            &self.days_1_to_30,
            &self.days_31_to_60,
            &self.days_61_to_90,
            &self.over_90,
        ]
    }

    /// Everything owed.
    pub fn total(&self) -> Aged {
        self.sum(self.buckets())
    }

    /// Everything past its due date.
    pub fn overdue(&self) -> Aged {
        self.sum(self.buckets().into_iter().skip(1))
    }

    fn sum<'a>(&self, buckets: impl IntoIterator<Item = &'a Aged>) -> Aged {
        buckets
            .into_iter()
            .fold(Aged::default(), |total, aged| Aged {
                invoices: total.invoices + aged.invoices,
                outstanding: total.outstanding.saturating_add(aged.outstanding),
            })
    }

    fn add(&mut self, bucket: AgeBucket, outstanding: i64) {
        let aged = self.bucket_mut(bucket);
        aged.invoices += 1;
        aged.outstanding = aged
            .outstanding
            .saturating_add(to_money(i128::from(outstanding)));
    }
}

/// Receivables in one currency as of the end of a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receivables {
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub total: Ageing,
    /// Customers who owe something, the largest debt first.
    pub customers: Vec<(PartyId, Ageing)>,
}

/// An invoice open at the end of a day, with its age then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInvoice {
    /// Paid and outstanding as of that day.
    pub invoice: InvoiceRow,
    pub days_overdue: i64,
    pub bucket: AgeBucket,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub payments: i64,
    pub amount: Decimal,
}

/// Payments received on one day in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentDay {
    pub day: NaiveDate,
    /// Methods that received something, in the order of `PaymentMethod`.
    pub by_method: Vec<MethodTotal>,
    pub total: Decimal,
}

impl Sales {
    /// Every currency the model has figures in, in the order first seen.
    pub fn currencies(&self) -> &[Currency] {
        &self.currencies
    }

    pub fn product_info(&self, product: ProductId) -> Option<&ProductInfo> {
        self.product_info.get(&product)
    }

    /// Figures over `from..=to` per period and member: periods and members
    /// with nothing are left out. Rows are sorted by period, then member
    /// (products by SKU, categories by name, others by id).
    pub fn report(&self, query: &ReportQuery) -> Vec<ReportRow> {
        let Some(currency) = self.find_currency(query.currency) else {
            return Vec::new();
        };
        if query.from > query.to {
            return Vec::new();
        }
        let from = Day::from_date(query.from);
        let to = Day::from_date(query.to);
        let period_of = |day: Day| match query.period {
            Period::Whole => from,
            Period::Day => day,
            Period::Week => day.week_start(),
            Period::Month => day.month_start(),
        };
        let mut rows = Vec::new();
        self.for_each_member(query.dimension, |member, series| {
            let mut current: Option<(Day, Sum)> = None;
            for entry in in_range(series, from, to) {
                if entry.currency != currency {
                    continue;
                }
                let period = period_of(entry.day);
                match &mut current {
                    Some((open, sum)) if *open == period => sum.add(&entry.figures),
                    _ => {
                        if let Some((open, sum)) = current.take() {
                            push_row(&mut rows, open, member(), &sum);
                        }
                        let mut sum = Sum::default();
                        sum.add(&entry.figures);
                        current = Some((period, sum));
                    }
                }
            }
            if let Some((open, sum)) = current {
                push_row(&mut rows, open, member(), &sum);
            }
        });
        rows.sort_by(|a, b| {
            a.period
                .cmp(&b.period)
                .then_with(|| self.compare_members(&a.member, &b.member))
        });
        rows
    }

    /// The `limit` members with the largest `measure` over the range, the
    /// largest first (ties by member); members with nothing are left out.
    pub fn top(&self, query: &TopQuery) -> Vec<ReportRow> {
        let limit = query.limit.clamp(1, crate::PAGE_ROWS_MAX);
        let Some(currency) = self.find_currency(query.currency) else {
            return Vec::new();
        };
        if query.from > query.to {
            return Vec::new();
        }
        let (from, to) = (Day::from_date(query.from), Day::from_date(query.to));
        let mut ranked: Vec<(Member, Sum)> = Vec::new();
        self.for_each_member(Some(query.dimension), |member, series| {
            let mut sum = Sum::default();
            for entry in in_range(series, from, to) {
                if entry.currency == currency {
                    sum.add(&entry.figures);
                }
            }
            if sum != Sum::default() {
                ranked.push((member(), sum));
            }
        });
        let order = |a: &(Member, Sum), b: &(Member, Sum)| {
            b.1.measure(query.measure)
                .cmp(&a.1.measure(query.measure))
                .then_with(|| self.compare_members(&a.0, &b.0))
        };
        // Only the best `limit` are sorted, not every customer.
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, order);
            ranked.truncate(limit);
        }
        ranked.sort_by(order);
        ranked
            .into_iter()
            .map(|(member, sum)| ReportRow {
                period: query.from,
                member,
                figures: sum.figures(),
            })
            .collect()
    }

    /// Calls `visit` with each member of `dimension` (the company when
    /// `None`) and its series; the member is made only when asked for.
    fn for_each_member<'a>(
        &'a self,
        dimension: Option<Dimension>,
        mut visit: impl FnMut(&dyn Fn() -> Member, &'a Series),
    ) {
        fn each<'a, K: Eq + Hash>(
            members: &'a Members<K>,
            make: impl Fn(&K) -> Member,
            visit: &mut impl FnMut(&dyn Fn() -> Member, &'a Series),
        ) {
            for (key, series) in members.keys.iter().zip(&members.series) {
                if !series.is_empty() {
                    visit(&|| make(key), series);
                }
            }
        }
        match dimension {
            None => visit(&|| Member::All, &self.total),
            Some(Dimension::Product) => {
                each(&self.products, |key| Member::Product(*key), &mut visit)
            }
            Some(Dimension::Category) => each(
                &self.categories,
                |key| Member::Category(key.clone()),
                &mut visit,
            ),
            Some(Dimension::Customer) => {
                each(&self.customers, |key| Member::Customer(*key), &mut visit)
            }
            Some(Dimension::Manager) => {
                each(&self.managers, |key| Member::Manager(*key), &mut visit)
            }
            Some(Dimension::Branch) => each(&self.branches, |key| Member::Branch(*key), &mut visit),
        }
    }

    fn compare_members(&self, a: &Member, b: &Member) -> Ordering {
        match (a, b) {
            (Member::Product(a), Member::Product(b)) => {
                let sku = |product: &ProductId| {
                    self.product_info.get(product).map(|info| info.sku.as_str())
                };
                sku(a).cmp(&sku(b)).then_with(|| a.cmp(b))
            }
            _ => a.cmp(b),
        }
    }

    /// An invoice as it stands now.
    pub fn invoice(&self, invoice: InvoiceId) -> Option<InvoiceRow> {
        let index = *self.invoice_index.get(&invoice)?;
        let track = self.invoices.get(index as usize)?;
        self.invoice_row(track, track.paid)
    }

    /// A customer's invoices as they stand now, in the order issued.
    pub fn invoices_of(&self, party: PartyId) -> Vec<InvoiceRow> {
        let Some(customer) = self.customers.index.get(&party) else {
            return Vec::new();
        };
        self.invoices
            .iter()
            .filter(|track| track.customer == *customer)
            .filter_map(|track| self.invoice_row(track, track.paid))
            .collect()
    }

    /// The row of an invoice of which `paid` was paid; `None` only if its
    /// customer or currency numbers were lost, which `apply` never does.
    fn invoice_row(&self, track: &InvoiceTrack, paid: i64) -> Option<InvoiceRow> {
        Some(InvoiceRow {
            invoice: track.invoice,
            number: track.number.as_deref().map(str::to_owned),
            party: *self.customers.key(track.customer)?,
            order: track.order,
            branch: track.branch,
            currency: *self.currencies.get(usize::from(track.currency))?,
            issued: track.issued.date(),
            due: track.due.date(),
            gross: to_money(i128::from(track.gross)),
            paid: to_money(i128::from(paid)),
            outstanding: to_money(i128::from(track.gross) - i128::from(paid)),
        })
    }

    /// Invoices in `currency` issued by the end of `as_of` and not paid in
    /// full by then, each with what it owed then and its days overdue.
    fn open_at(
        &self,
        as_of: Day,
        currency: Currency,
    ) -> impl Iterator<Item = (&InvoiceTrack, i64, i64)> + '_ {
        let currency = self.find_currency(currency);
        self.invoices
            .iter()
            .filter(move |track| {
                Some(track.currency) == currency
                    && track.issued <= as_of
                    && track.paid_off.is_none_or(|paid_off| paid_off > as_of)
            })
            .filter_map(move |track| {
                let outstanding = track.gross.saturating_sub(track.paid_by(as_of));
                (outstanding > 0).then(|| (track, outstanding, as_of.days_since(track.due)))
            })
    }

    /// What customers owed in `currency` at the end of `as_of`, aged by
    /// days past due, in total only: the dashboard's figure, without the
    /// per-customer breakdown and its sort (most of `receivables`' cost
    /// with many customers in debt).
    pub fn receivables_total(&self, as_of: NaiveDate, currency: Currency) -> Ageing {
        let mut total = Ageing::default();
        for (_, outstanding, days_overdue) in self.open_at(Day::from_date(as_of), currency) {
            total.add(AgeBucket::of(days_overdue), outstanding);
        }
        total
    }

    /// What customers owed in `currency` at the end of `as_of`, aged by
    /// days past due: in total and per customer.
    pub fn receivables(&self, as_of: NaiveDate, currency: Currency) -> Receivables {
        let mut total = Ageing::default();
        let mut by_customer: FxHashMap<u32, (Ageing, i64)> = FxHashMap::default();
        for (track, outstanding, days_overdue) in self.open_at(Day::from_date(as_of), currency) {
            let bucket = AgeBucket::of(days_overdue);
            total.add(bucket, outstanding);
            let (ageing, owed) = by_customer.entry(track.customer).or_default();
            ageing.add(bucket, outstanding);
            *owed = owed.saturating_add(outstanding);
        }
        let mut customers: Vec<(PartyId, Ageing, i64)> = by_customer
            .into_iter()
            .filter_map(|(customer, (ageing, owed))| {
                Some((*self.customers.key(customer)?, ageing, owed))
            })
            .collect();
        customers.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        Receivables {
            as_of,
            currency,
            total,
            customers: customers
                .into_iter()
                .map(|(party, ageing, _)| (party, ageing))
                .collect(),
        }
    }

    /// Invoices in `currency` open at the end of `as_of` (of one customer,
    /// or of all), the most overdue first, at most `limit`.
    pub fn open_invoices(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        party: Option<PartyId>,
        limit: usize,
    ) -> Vec<OpenInvoice> {
        let limit = limit.clamp(1, crate::PAGE_ROWS_MAX);
        let customer = match party {
            Some(party) => match self.customers.index.get(&party) {
                Some(customer) => Some(*customer),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut open: Vec<(&InvoiceTrack, i64, i64)> = self
            .open_at(Day::from_date(as_of), currency)
            .filter(|(track, _, _)| customer.is_none_or(|customer| track.customer == customer))
            .collect();
        open.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| a.0.issued.cmp(&b.0.issued))
                .then_with(|| a.0.invoice.cmp(&b.0.invoice))
        });
        open.truncate(limit);
        open.into_iter()
            .filter_map(|(track, outstanding, days_overdue)| {
                Some(OpenInvoice {
                    invoice: self.invoice_row(track, track.gross.saturating_sub(outstanding))?,
                    days_overdue,
                    bucket: AgeBucket::of(days_overdue),
                })
            })
            .collect()
    }

    /// Payments received in `currency` per day over `from..=to`; days
    /// without any are left out.
    pub fn payments(&self, from: NaiveDate, to: NaiveDate, currency: Currency) -> Vec<PaymentDay> {
        let Some(currency) = self.find_currency(currency) else {
            return Vec::new();
        };
        if from > to {
            return Vec::new();
        }
        let mut days: Vec<(PaymentDay, i128)> = Vec::new();
        let range = (Day::from_date(from), 0, 0)..=(Day::from_date(to), u16::MAX, u8::MAX);
        for ((day, of, method), sum) in self.payments.range(range) {
            let Some(method) = METHODS.get(usize::from(*method)) else {
                continue;
            };
            if *of != currency {
                continue;
            }
            let date = day.date();
            if days.last().is_none_or(|(last, _)| last.day != date) {
                days.push((
                    PaymentDay {
                        day: date,
                        by_method: Vec::new(),
                        total: to_money(0),
                    },
                    0,
                ));
            }
            if let Some((last, total)) = days.last_mut() {
                *total += i128::from(sum.amount);
                last.total = to_money(*total);
                last.by_method.push(MethodTotal {
                    method: *method,
                    payments: sum.payments,
                    amount: to_money(i128::from(sum.amount)),
                });
            }
        }
        days.into_iter().map(|(day, _)| day).collect()
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

/// The entries of `series` from `from` to `to`: a binary search for the
/// first, then a walk.
fn in_range(series: &Series, from: Day, to: Day) -> impl Iterator<Item = &Entry> {
    let start = series.partition_point(|entry| entry.day < from);
    series[start..]
        .iter()
        .take_while(move |entry| entry.day <= to)
}

fn push_row(rows: &mut Vec<ReportRow>, period: Day, member: Member, sum: &Sum) {
    if *sum == Sum::default() {
        return;
    }
    rows.push(ReportRow {
        period: period.date(),
        member,
        figures: sum.figures(),
    });
}
