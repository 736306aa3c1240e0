//! A shop in memory for the trade model tests: every command is decided by
//! the real decider on the state the log would hold, the process managers'
//! reactions are run as the application runs them (in log order, at the
//! business time of their cause), and every event feeds the two models
//! and a plain record of facts, from which the tests compute reports by
//! brute force.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceListState, PriceRequest, PriceScope, Product,
    ProductCommand, ProductKind, ProductState, Quantity, Sku, Unit, UnitPrice, VatRate,
    resolve_price,
};
use domain::currency::{ExchangeRateSet, RatesEvent, rates_id};
use domain::finance::{
    Account, AccountCommand, AccountEvent, AccountState, DocumentKind, PaymentMethod, Series,
    SeriesState,
};
use domain::ids::{
    BranchId, CreditNoteId, InvoiceId, OrderId, PartyId, PaymentId, PriceListId, ProductId,
    ProductionOrderId, ReservationId, ReturnId, SeriesId, ShipmentId, UserId, WarehouseId,
};
use domain::inventory::{Stock, StockCommand, StockEvent, StockState};
use domain::process::{Reaction, reactions};
use domain::production::{
    BomComponent, BomOperation, PlanProduction, ProductionCommand, ProductionEvent,
    ProductionOrder, ProductionOrderState,
};
use domain::sales::{
    DraftOrder, ImportSale, ImportedSale, LinePricing, Order, OrderCommand, OrderEvent, OrderState,
    SaleEvent, ShipLine,
};
use domain::values::{Currency, ExchangeRate, Label, Money};
use domain::{CrmEvent, Decider, DomainError, Issued};
use eventlog::Actor;
use projections::StreamIds;
use projections::feed::Feed;
use projections::models::kpis::{DirectorKpis, Overdue};
use projections::models::sales::{
    AgeBucket, Ageing, Dimension, Member, Period, ReportCurrency, ReportQuery, Sales, SalesFigures,
};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

pub fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

pub fn usd() -> Currency {
    Currency::parse("currency", "USD").unwrap()
}

/// Euros for one unit of `currency` on `day`: 1 for the euro; the dollar
/// moves day by day, by rates that do not divide evenly.
pub fn rate_on(currency: Currency, day: NaiveDate) -> ExchangeRate {
    let rate = if currency == eur() {
        Decimal::ONE
    } else {
        dec("0.9137") + Decimal::new(i64::from(day.ordinal() % 13) * 37, 4)
    };
    ExchangeRate::parse("rate", rate).unwrap()
}

/// A day of 2026.
pub fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

/// When every command is recorded: after every business time the tests
/// use, which are back-dated to it.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 30, 12, 0, 0)
        .single()
        .unwrap()
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(10, 0, 0).unwrap().and_utc()
}

pub fn user() -> UserId {
    id(0xA)
}

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap()
}

fn quantity(value: Decimal) -> Quantity {
    Quantity::parse("quantity", value).unwrap()
}

fn price(value: Decimal) -> UnitPrice {
    UnitPrice::parse("price", value).unwrap()
}

/// Rounded the way the models book a cost: four decimals, half away from
/// zero.
pub fn cost(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
}

pub const WAREHOUSE: u128 = 10;
pub const NORTH_WAREHOUSE: u128 = 11;

/// An order as a test asks for it.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub party: PartyId,
    pub manager: Option<UserId>,
    pub branch: Option<BranchId>,
    pub currency: Currency,
    /// (product, quantity, discount percent).
    pub lines: Vec<(ProductId, Decimal, Option<Decimal>)>,
}

impl NewOrder {
    pub fn of(party: u128, currency: Currency, lines: &[(u128, &str)]) -> Self {
        Self {
            party: id(party),
            manager: None,
            branch: None,
            currency,
            lines: lines
                .iter()
                .map(|(product, quantity)| (id(*product), dec(quantity), None))
                .collect(),
        }
    }
}

/// What happened, one dimension member and one figure at a time.
#[derive(Clone, Debug)]
pub enum FactKind {
    Ordered(Decimal),
    Cancelled(Decimal),
    Shipped {
        net: Decimal,
        units: Decimal,
    },
    Returned {
        net: Decimal,
        units: Decimal,
    },
    Cost(Decimal),
    /// Goods of a sales line out of (`sign` 1) or back into (-1) a stock
    /// at the movement `at`: costed at the running average there, in
    /// business time, when a report is asked for.
    SoldCost {
        stock: StockKey,
        at: MoveAt,
        quantity: Decimal,
        sign: i8,
    },
    Uncosted(Decimal),
}

/// A stock: (product, warehouse).
type StockKey = (ProductId, Uuid);
/// A movement's place in business time: (occurred at, log order).
type MoveAt = (DateTime<Utc>, u64);

/// One stock movement, for the brute-force running average.
#[derive(Clone, Debug)]
pub struct OracleMove {
    stock: StockKey,
    at: MoveAt,
    arrives: bool,
    change: Decimal,
    unit_cost: Decimal,
    link: Option<OracleLink>,
}

/// What a movement's cost is linked to.
#[derive(Clone, Copy, Debug)]
enum OracleLink {
    Dispatched(Uuid),
    Arrived(Uuid),
    /// `quantity` of a component for (production order, completion).
    Consumed((Uuid, u32), Decimal),
    Produced((Uuid, u32)),
}

#[derive(Clone, Debug)]
pub struct Fact {
    pub day: NaiveDate,
    pub currency: Currency,
    /// The order (or imported sale) the fact belongs to.
    pub order: Uuid,
    pub product: ProductId,
    pub category: Option<String>,
    pub party: PartyId,
    pub manager: Option<UserId>,
    pub branch: Option<BranchId>,
    pub kind: FactKind,
}

#[derive(Clone, Debug)]
pub struct FactInvoice {
    pub party: PartyId,
    pub currency: Currency,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub gross: Decimal,
    pub paid: Vec<(NaiveDate, Decimal)>,
}

/// The brute-force side: facts written plainly from the events, with no
/// code shared with the models.
#[derive(Debug, Default)]
pub struct Oracle {
    pub facts: Vec<Fact>,
    orders: HashMap<OrderId, (PartyId, Option<UserId>, Option<BranchId>, Currency)>,
    lines: HashMap<(OrderId, u32), (ProductId, Option<String>, Decimal)>,
    confirmed: HashMap<OrderId, Vec<u32>>,
    reservations: HashMap<ReservationId, (OrderId, u32)>,
    shipments: HashMap<ShipmentId, NaiveDate>,
    pub invoices: BTreeMap<InvoiceId, FactInvoice>,
    pub payments: Vec<(NaiveDate, Currency, PaymentMethod, Decimal)>,
    /// (day, invoice, gain) of each realized exchange difference.
    pub differences: Vec<(NaiveDate, InvoiceId, Decimal)>,
    pub stock: Vec<(ProductId, NaiveDate, Decimal)>,
    pub moves: Vec<OracleMove>,
    /// (production order, completion) → (units made, operations' cost).
    outputs: HashMap<(Uuid, u32), (Decimal, Decimal)>,
    /// Euros for one unit of each other currency, by day.
    pub rates: BTreeMap<Currency, BTreeMap<NaiveDate, Decimal>>,
    /// Events seen: the order the log gives them.
    appended: u64,
}

impl Oracle {
    /// Euros for one `currency` on `day`: the latest rate entered by then;
    /// `None` before any rate (and before a company currency).
    pub fn rate(&self, currency: Currency, day: NaiveDate) -> Option<Decimal> {
        if self.rates.is_empty() {
            return None;
        }
        if currency == eur() {
            return Some(Decimal::ONE);
        }
        self.rates
            .get(&currency)?
            .range(..=day)
            .next_back()
            .map(|(_, rate)| *rate)
    }

    fn line_fact(&self, order: OrderId, line: u32, day: NaiveDate, kind: FactKind) -> Option<Fact> {
        let (party, manager, branch, currency) = *self.orders.get(&order)?;
        let (product, category, _) = self.lines.get(&(order, line))?.clone();
        Some(Fact {
            day,
            currency,
            order: order.as_uuid(),
            product,
            category,
            party,
            manager,
            branch,
            kind,
        })
    }

    fn observe(
        &mut self,
        ids: StreamIds,
        event: &CrmEvent,
        occurred: DateTime<Utc>,
        cause: Option<&(Uuid, CrmEvent)>,
        products: &HashMap<ProductId, ProductState>,
    ) {
        let day = occurred.date_naive();
        self.appended += 1;
        let at = (occurred, self.appended);
        let category = |product: ProductId| products.get(&product).and_then(|p| p.category.clone());
        match event {
            CrmEvent::Production(ProductionEvent::OutputCosted(costed)) => {
                self.outputs.insert(
                    (ids.first, costed.completion),
                    (costed.quantity, costed.operations_cost),
                );
            }
            CrmEvent::Rates(RatesEvent::Set(set)) => {
                self.rates
                    .entry(set.currency)
                    .or_default()
                    .insert(set.day, set.rate);
            }
            CrmEvent::Order(event) => {
                let order = OrderId::from_uuid(ids.first);
                match event {
                    OrderEvent::Drafted(drafted) => {
                        self.orders.insert(
                            order,
                            (
                                drafted.party,
                                drafted.manager,
                                drafted.branch,
                                drafted.currency,
                            ),
                        );
                    }
                    OrderEvent::Confirmed(confirmed) => {
                        let mut numbers = Vec::new();
                        for line in &confirmed.lines {
                            self.lines.insert(
                                (order, line.line),
                                (line.product, category(line.product), line.amounts.net),
                            );
                            if let Some(reservation) = line.reservation {
                                self.reservations.insert(reservation, (order, line.line));
                            }
                            numbers.push(line.line);
                            let fact = self.line_fact(
                                order,
                                line.line,
                                day,
                                FactKind::Ordered(line.amounts.net),
                            );
                            self.facts.extend(fact);
                        }
                        self.confirmed.insert(order, numbers);
                    }
                    OrderEvent::Cancelled(_) => {
                        for line in self.confirmed.remove(&order).unwrap_or_default() {
                            let net = self.lines[&(order, line)].2;
                            let fact = self.line_fact(order, line, day, FactKind::Cancelled(net));
                            self.facts.extend(fact);
                        }
                    }
                    OrderEvent::Shipped(shipped) => {
                        self.shipments.insert(shipped.shipment, day);
                    }
                    // The tests invoice every shipment as it leaves: the
                    // invoice's lines are the shipment's, priced by the
                    // order's own pro rata rule.
                    OrderEvent::Invoiced(invoiced) => {
                        let Some(shipment) = invoiced.shipment else {
                            return;
                        };
                        let shipped_on = self.shipments[&shipment];
                        for line in &invoiced.lines {
                            let kind = FactKind::Shipped {
                                net: line.amounts.net,
                                units: line.quantity,
                            };
                            let fact = self.line_fact(order, line.line, shipped_on, kind);
                            self.facts.extend(fact);
                        }
                    }
                    OrderEvent::Returned(returned) => {
                        for line in &returned.lines {
                            let kind = FactKind::Returned {
                                net: line.amounts.net,
                                units: line.quantity,
                            };
                            let fact = self.line_fact(order, line.line, day, kind);
                            self.facts.extend(fact);
                        }
                    }
                    _ => {}
                }
            }
            CrmEvent::Sale(SaleEvent::Imported(sale)) => {
                let shipped_on = sale.shipped_on.unwrap_or(sale.ordered_on);
                for line in &sale.lines {
                    let fact = |day: NaiveDate, kind: FactKind| Fact {
                        day,
                        currency: sale.currency,
                        order: ids.first,
                        product: line.product,
                        category: category(line.product),
                        party: sale.party,
                        manager: sale.manager,
                        branch: sale.branch,
                        kind,
                    };
                    self.facts
                        .push(fact(sale.ordered_on, FactKind::Ordered(line.amounts.net)));
                    self.facts.push(fact(
                        shipped_on,
                        FactKind::Shipped {
                            net: line.amounts.net,
                            units: line.quantity,
                        },
                    ));
                    self.facts.push(match line.unit_cost {
                        Some(unit_cost) => {
                            fact(shipped_on, FactKind::Cost(cost(line.quantity * unit_cost)))
                        }
                        None => fact(shipped_on, FactKind::Uncosted(line.amounts.net)),
                    });
                }
            }
            CrmEvent::Stock(event) => {
                let product = ProductId::from_uuid(ids.first);
                let stock = (product, ids.second.unwrap_or_default());
                let (arrives, unit_cost) = match event {
                    StockEvent::Received(e) => (true, e.unit_cost),
                    StockEvent::TransferredIn(e) => (true, e.unit_cost),
                    _ => (false, Decimal::ZERO),
                };
                let moves = !matches!(
                    event,
                    StockEvent::Reserved(_)
                        | StockEvent::ReservationReleased(_)
                        | StockEvent::ReorderLevelSet(_)
                );
                let change = match event {
                    StockEvent::Received(e) => e.quantity,
                    StockEvent::Issued(e) => -e.quantity,
                    StockEvent::TransferredOut(e) => -e.quantity,
                    StockEvent::TransferredIn(e) => e.quantity,
                    StockEvent::Counted(e) => e.difference,
                    StockEvent::Returned(e) => e.quantity,
                    StockEvent::Consumed(e) => -e.quantity,
                    _ => Decimal::ZERO,
                };
                let link = match (event, cause) {
                    (StockEvent::TransferredOut(e), _) => {
                        Some(OracleLink::Dispatched(e.transfer.as_uuid()))
                    }
                    (StockEvent::TransferredIn(e), _) => {
                        Some(OracleLink::Arrived(e.transfer.as_uuid()))
                    }
                    (StockEvent::Consumed(e), _) => Some(OracleLink::Consumed(
                        (e.production.as_uuid(), e.completion),
                        e.quantity,
                    )),
                    // A receipt the processes ran for a costed completion.
                    (
                        StockEvent::Received(_),
                        Some((order, CrmEvent::Production(ProductionEvent::OutputCosted(costed)))),
                    ) => Some(OracleLink::Produced((*order, costed.completion))),
                    _ => None,
                };
                self.stock.push((product, day, change));
                if moves {
                    self.moves.push(OracleMove {
                        stock,
                        at,
                        arrives,
                        change,
                        unit_cost,
                        link,
                    });
                }
                match event {
                    StockEvent::Issued(issued) => {
                        let Some((order, line)) = issued
                            .reservation
                            .and_then(|r| self.reservations.get(&r).copied())
                        else {
                            return;
                        };
                        let kind = FactKind::SoldCost {
                            stock,
                            at,
                            quantity: issued.quantity,
                            sign: 1,
                        };
                        let fact = self.line_fact(order, line, day, kind);
                        self.facts.extend(fact);
                    }
                    // Goods back from a return: the return the stock
                    // command was run for says whose.
                    StockEvent::Returned(returned) => {
                        let Some((order, CrmEvent::Order(OrderEvent::Returned(cause)))) = cause
                        else {
                            return;
                        };
                        let order = OrderId::from_uuid(*order);
                        if let Some(line) = cause.lines.iter().find(|line| line.product == product)
                        {
                            let kind = FactKind::SoldCost {
                                stock,
                                at,
                                quantity: returned.quantity,
                                sign: -1,
                            };
                            let fact = self.line_fact(order, line.line, day, kind);
                            self.facts.extend(fact);
                        }
                    }
                    _ => {}
                }
            }
            CrmEvent::Account(event) => {
                let party = PartyId::from_uuid(ids.first);
                let mut pay = |invoice: InvoiceId, amount: Decimal| {
                    if let Some(open) = self.invoices.get_mut(&invoice) {
                        open.paid.push((day, amount));
                    }
                };
                match event {
                    AccountEvent::InvoiceIssued(issued) => {
                        self.invoices.insert(
                            issued.invoice,
                            FactInvoice {
                                party,
                                currency: issued.currency,
                                issued: day,
                                due: issued.due,
                                gross: issued.total.gross,
                                paid: Vec::new(),
                            },
                        );
                    }
                    AccountEvent::CreditNoteIssued(note) => {
                        for allocation in &note.applied {
                            pay(allocation.invoice, allocation.amount);
                        }
                    }
                    AccountEvent::PaymentReceived(payment) => {
                        for allocation in &payment.allocations {
                            pay(allocation.invoice, allocation.amount);
                        }
                        self.payments
                            .push((day, payment.currency, payment.method, payment.amount));
                    }
                    AccountEvent::CreditApplied(applied) => pay(applied.invoice, applied.amount),
                    AccountEvent::ExchangeDifferenceRealized(difference) => self
                        .differences
                        .push((day, difference.invoice, difference.gain)),
                    AccountEvent::InvoiceSettled(_) => {}
                }
            }
            _ => {}
        }
    }

    /// The report the sales model promises, summed fact by fact.
    /// The running average cost after each stock movement, walking each
    /// stock's movements in business-time order.
    /// The running average after every movement: all stocks walked
    /// together in business time, so a transfer's goods arrive at the
    /// average they left at (a transfer's arrival comes after its
    /// dispatch in the log), and a completion's output at what its
    /// components went out at plus its operations, per unit made.
    fn averages(&self) -> HashMap<(StockKey, MoveAt), Decimal> {
        let mut moves = self.moves.clone();
        moves.sort_by_key(|moved| moved.at);
        let mut averages = HashMap::new();
        let mut running: HashMap<StockKey, (Decimal, Decimal)> = HashMap::new();
        let mut left_at: HashMap<Uuid, Decimal> = HashMap::new();
        let mut consumed: HashMap<(Uuid, u32), Decimal> = HashMap::new();
        for moved in moves {
            let (balance, average) = running.entry(moved.stock).or_default();
            if moved.arrives {
                let unit_cost = match moved.link {
                    Some(OracleLink::Arrived(transfer)) => {
                        left_at.get(&transfer).copied().unwrap_or(moved.unit_cost)
                    }
                    Some(OracleLink::Produced(completion)) => {
                        let (units, operations) = self.outputs[&completion];
                        let components = consumed.get(&completion).copied().unwrap_or_default();
                        cost((components + operations) / units)
                    }
                    _ => moved.unit_cost,
                };
                let after = *balance + moved.change;
                *average = if *balance <= Decimal::ZERO || after <= Decimal::ZERO {
                    cost(unit_cost)
                } else {
                    cost((*balance * *average + moved.change * unit_cost) / after)
                };
            }
            *balance += moved.change;
            match moved.link {
                Some(OracleLink::Dispatched(transfer)) => {
                    left_at.insert(transfer, *average);
                }
                Some(OracleLink::Consumed(completion, quantity)) => {
                    *consumed.entry(completion).or_default() += quantity * *average;
                }
                _ => {}
            }
            averages.insert((moved.stock, moved.at), *average);
        }
        averages
    }

    /// The report `query` asks for, added up fact by fact. Counting every
    /// currency, each member's figures of a day in a currency convert
    /// into euros at that day's rate, rounded once, and a currency with
    /// no rate by a day is left out that day (`unconverted` names it).
    pub fn report(&self, query: &ReportQuery) -> BTreeMap<(NaiveDate, Member), SalesFigures> {
        let averages = self.averages();
        #[derive(Default)]
        struct Totals {
            orders: BTreeSet<Uuid>,
            cancelled: BTreeSet<Uuid>,
            order_net: Decimal,
            cancelled_net: Decimal,
            revenue: Decimal,
            cost: Decimal,
            units: Decimal,
            units_returned: Decimal,
            uncosted: Decimal,
        }
        let mut groups: BTreeMap<(NaiveDate, Member, NaiveDate, Currency), Totals> =
            BTreeMap::new();
        for fact in &self.facts {
            if fact.day < query.from || fact.day > query.to {
                continue;
            }
            if let ReportCurrency::Only(currency) = query.currency
                && fact.currency != currency
            {
                continue;
            }
            if query
                .branch
                .is_some_and(|branch| fact.branch != Some(branch))
            {
                continue;
            }
            let period = match query.period {
                Period::Whole => query.from,
                Period::Day => fact.day,
                Period::Week => {
                    fact.day
                        - chrono::Days::new(u64::from(fact.day.weekday().num_days_from_monday()))
                }
                Period::Month => fact.day.with_day(1).unwrap(),
            };
            let member = match query.dimension {
                None => Member::All,
                Some(Dimension::Product) => Member::Product(fact.product),
                Some(Dimension::Category) => Member::Category(fact.category.clone()),
                Some(Dimension::Customer) => Member::Customer(fact.party),
                Some(Dimension::Manager) => Member::Manager(fact.manager),
                Some(Dimension::Branch) => Member::Branch(fact.branch),
            };
            let totals = groups
                .entry((period, member, fact.day, fact.currency))
                .or_default();
            match &fact.kind {
                FactKind::Ordered(net) => {
                    totals.orders.insert(fact.order);
                    totals.order_net += net;
                }
                FactKind::Cancelled(net) => {
                    totals.cancelled.insert(fact.order);
                    totals.cancelled_net += net;
                }
                FactKind::Shipped { net, units } => {
                    totals.revenue += net;
                    totals.units += units;
                }
                FactKind::Returned { net, units } => {
                    totals.revenue -= net;
                    totals.units_returned += units;
                }
                FactKind::Cost(amount) => totals.cost += amount,
                FactKind::SoldCost {
                    stock,
                    at,
                    quantity,
                    sign,
                } => {
                    let average = averages[&(*stock, *at)];
                    let euros = cost(quantity * average);
                    // Stock is in euros; a sale in another currency costs
                    // its goods in it at the day's rate, when there is one.
                    let in_sale = match self.rate(fact.currency, fact.day) {
                        Some(rate) if fact.currency != eur() => cost(euros / rate),
                        _ => euros,
                    };
                    totals.cost += Decimal::from(*sign) * in_sale;
                }
                FactKind::Uncosted(net) => totals.uncosted += net,
            }
        }
        let mut rows: BTreeMap<(NaiveDate, Member), (Totals, SalesFigures)> = BTreeMap::new();
        for ((period, member, day, currency), totals) in groups {
            let rate = match query.currency {
                ReportCurrency::Only(_) => Decimal::ONE,
                ReportCurrency::Company => match self.rate(currency, day) {
                    Some(rate) => rate,
                    None => continue,
                },
            };
            let converted = |amount: Decimal| cost(amount * rate);
            let (row, money) = rows.entry((period, member)).or_default();
            row.orders.extend(totals.orders);
            row.cancelled.extend(totals.cancelled);
            row.units += totals.units;
            row.units_returned += totals.units_returned;
            money.order_net += converted(totals.order_net);
            money.cancelled_net += converted(totals.cancelled_net);
            money.revenue += converted(totals.revenue);
            money.cost += converted(totals.cost);
            money.uncosted_revenue += converted(totals.uncosted);
        }
        rows.into_iter()
            .map(|(key, (totals, money))| {
                let figures = SalesFigures {
                    orders: totals.orders.len() as i64,
                    cancelled_orders: totals.cancelled.len() as i64,
                    margin: money.revenue - money.cost,
                    units: totals.units,
                    units_returned: totals.units_returned,
                    ..money
                };
                (key, figures)
            })
            .filter(|(_, figures)| *figures != SalesFigures::default())
            .collect()
    }

    /// The currencies a report counting every currency leaves out over
    /// `from..=to`: those with facts on a day without a rate.
    pub fn unconverted(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        branch: Option<BranchId>,
    ) -> Vec<Currency> {
        let left_out: BTreeSet<Currency> = self
            .facts
            .iter()
            .filter(|fact| fact.day >= from && fact.day <= to)
            .filter(|fact| branch.is_none_or(|branch| fact.branch == Some(branch)))
            .filter(|fact| self.rate(fact.currency, fact.day).is_none())
            .map(|fact| fact.currency)
            .collect();
        left_out.into_iter().collect()
    }

    fn outstanding(invoice: &FactInvoice, as_of: NaiveDate) -> Decimal {
        let paid: Decimal = invoice
            .paid
            .iter()
            .filter(|(day, _)| *day <= as_of)
            .map(|(_, amount)| *amount)
            .sum();
        invoice.gross - paid
    }

    /// Receivables in `currency` at the end of `as_of`, aged.
    pub fn ageing(&self, as_of: NaiveDate, currency: Currency) -> Ageing {
        self.ageing_of(as_of, currency, None)
    }

    /// Receivables of each customer who owes something.
    pub fn ageing_by_customer(
        &self,
        as_of: NaiveDate,
        currency: Currency,
    ) -> BTreeMap<PartyId, Ageing> {
        let parties: BTreeSet<PartyId> = self.invoices.values().map(|i| i.party).collect();
        parties
            .into_iter()
            .map(|party| (party, self.ageing_of(as_of, currency, Some(party))))
            .filter(|(_, ageing)| *ageing != Ageing::default())
            .collect()
    }

    fn ageing_of(&self, as_of: NaiveDate, currency: Currency, party: Option<PartyId>) -> Ageing {
        let mut ageing = Ageing::default();
        for invoice in self.invoices.values() {
            if invoice.currency != currency
                || invoice.issued > as_of
                || party.is_some_and(|party| party != invoice.party)
            {
                continue;
            }
            let owed = Self::outstanding(invoice, as_of);
            if owed <= Decimal::ZERO {
                continue;
            }
            let days = (as_of - invoice.due).num_days();
            let aged = match AgeBucket::of(days) {
                AgeBucket::Current => &mut ageing.current,
                AgeBucket::Days1To30 => &mut ageing.days_1_to_30,
                AgeBucket::Days31To60 => &mut ageing.days_31_to_60,
                AgeBucket::Days61To90 => &mut ageing.days_61_to_90,
                AgeBucket::Over90 => &mut ageing.over_90,
            };
            aged.invoices += 1;
            aged.outstanding += owed;
        }
        ageing
    }

    /// Invoices overdue at the end of `as_of`, per currency.
    pub fn overdue(&self, as_of: NaiveDate) -> BTreeMap<Currency, Overdue> {
        let mut overdue: BTreeMap<Currency, Overdue> = BTreeMap::new();
        for invoice in self.invoices.values() {
            let owed = Self::outstanding(invoice, as_of);
            if invoice.issued <= as_of && invoice.due < as_of && owed > Decimal::ZERO {
                let total = overdue.entry(invoice.currency).or_default();
                total.invoices += 1;
                total.amount += owed;
            }
        }
        overdue
    }

    /// (orders, intake per currency, units) over `from..=to`.
    pub fn intake(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> (i64, BTreeMap<Currency, Decimal>, Decimal) {
        let mut orders = HashSet::new();
        let mut intake: BTreeMap<Currency, Decimal> = BTreeMap::new();
        let mut units = Decimal::ZERO;
        for fact in self.facts.iter().filter(|f| f.day >= from && f.day <= to) {
            match &fact.kind {
                FactKind::Ordered(net) => {
                    orders.insert(fact.order);
                    *intake.entry(fact.currency).or_default() += net;
                }
                FactKind::Shipped { units: shipped, .. } => units += shipped,
                _ => {}
            }
        }
        intake.retain(|_, amount| !amount.is_zero());
        (orders.len() as i64, intake, units)
    }

    /// (intake, payments, overdue at the end of `to`, currencies left
    /// out) in euros over `from..=to`: each day's sum per currency at
    /// that day's rate, what is overdue at `to`'s, each rounded once.
    pub fn in_company(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> (Decimal, Decimal, Decimal, Vec<Currency>) {
        let mut left_out: BTreeSet<Currency> = BTreeSet::new();
        let mut converted = |sums: BTreeMap<(NaiveDate, Currency), Decimal>| -> Decimal {
            let mut total = Decimal::ZERO;
            for ((day, currency), amount) in sums {
                if amount.is_zero() {
                    continue;
                }
                match self.rate(currency, day) {
                    Some(rate) => total += cost(amount * rate),
                    None => {
                        left_out.insert(currency);
                    }
                }
            }
            total
        };
        let mut intake: BTreeMap<(NaiveDate, Currency), Decimal> = BTreeMap::new();
        for fact in self.facts.iter().filter(|f| f.day >= from && f.day <= to) {
            if let FactKind::Ordered(net) = &fact.kind {
                *intake.entry((fact.day, fact.currency)).or_default() += net;
            }
        }
        let mut paid: BTreeMap<(NaiveDate, Currency), Decimal> = BTreeMap::new();
        for (day, currency, _, amount) in &self.payments {
            if *day >= from && *day <= to {
                *paid.entry((*day, *currency)).or_default() += amount;
            }
        }
        let overdue: BTreeMap<(NaiveDate, Currency), Decimal> = self
            .overdue(to)
            .into_iter()
            .map(|(currency, overdue)| ((to, currency), overdue.amount))
            .collect();
        let (intake, paid, overdue) = (converted(intake), converted(paid), converted(overdue));
        (intake, paid, overdue, left_out.into_iter().collect())
    }

    /// Payments over `from..=to` in euros per day, each day's sum per
    /// currency and method at the day's rate, with the currencies left
    /// out for want of one.
    pub fn paid_in_company(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> (BTreeMap<NaiveDate, Decimal>, Vec<Currency>) {
        let mut sums: BTreeMap<(NaiveDate, Currency, u8), Decimal> = BTreeMap::new();
        for (day, currency, method, amount) in &self.payments {
            if *day >= from && *day <= to {
                *sums.entry((*day, *currency, *method as u8)).or_default() += amount;
            }
        }
        let mut days: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
        let mut left_out: BTreeSet<Currency> = BTreeSet::new();
        for ((day, currency, _), amount) in sums {
            match self.rate(currency, day) {
                Some(rate) => *days.entry(day).or_default() += cost(amount * rate),
                None => {
                    left_out.insert(currency);
                }
            }
        }
        (days, left_out.into_iter().collect())
    }

    /// Payments received over `from..=to` per currency.
    pub fn paid(&self, from: NaiveDate, to: NaiveDate) -> BTreeMap<Currency, Decimal> {
        let mut paid: BTreeMap<Currency, Decimal> = BTreeMap::new();
        for (day, currency, _, amount) in &self.payments {
            if *day >= from && *day <= to {
                *paid.entry(*currency).or_default() += amount;
            }
        }
        paid
    }

    pub fn on_hand(&self, product: ProductId, as_of: NaiveDate) -> Decimal {
        self.stock
            .iter()
            .filter(|(of, day, _)| *of == product && *day <= as_of)
            .map(|(_, _, change)| *change)
            .sum()
    }
}

/// Events appended but not yet handled by the process managers: the tail
/// of the log they follow.
type Log = VecDeque<(StreamIds, CrmEvent, DateTime<Utc>)>;

fn one(id: Uuid) -> StreamIds {
    StreamIds {
        first: id,
        second: None,
    }
}

/// Decides `command` on `state` as `by` at business time `occurred`;
/// returns the state after the events and the events.
fn decided<D, C>(
    state: D::State,
    by: UserId,
    command: C,
    occurred: DateTime<Utc>,
) -> Result<(D::State, Vec<D::Event>), DomainError>
where
    D: Decider<Command = Issued<C>, Error = DomainError>,
{
    let issued = Issued::new(by, now(), command).backdated(occurred);
    let events = D::decide(&state, &issued)?;
    let state = events.iter().fold(state, D::evolve);
    Ok((state, events))
}

pub struct Shop {
    sales_feed: Feed,
    kpis_feed: Feed,
    pub sales: Sales,
    pub kpis: DirectorKpis,
    pub oracle: Oracle,
    products: HashMap<ProductId, ProductState>,
    lists: HashMap<Currency, (PriceListId, PriceListState)>,
    orders: HashMap<OrderId, OrderState>,
    stock: HashMap<(ProductId, WarehouseId), StockState>,
    accounts: HashMap<PartyId, AccountState>,
    series: HashMap<SeriesId, SeriesState>,
    productions: HashMap<ProductionOrderId, ProductionOrderState>,
    log: Log,
    /// The event (and its aggregate) whose reaction is running, for the
    /// oracle.
    cause: Option<(Uuid, CrmEvent)>,
    next_id: u128,
}

impl Shop {
    /// A shop with two price lists: euros without VAT, dollars with it.
    pub fn new() -> Self {
        let mut shop = Self {
            sales_feed: Feed::new(Actor::user(user().as_uuid())),
            kpis_feed: Feed::new(Actor::user(user().as_uuid())),
            sales: Sales::default(),
            kpis: DirectorKpis::default(),
            oracle: Oracle::default(),
            products: HashMap::new(),
            lists: HashMap::new(),
            orders: HashMap::new(),
            stock: HashMap::new(),
            accounts: HashMap::new(),
            series: HashMap::new(),
            productions: HashMap::new(),
            log: Log::new(),
            cause: None,
            next_id: 1_000_000,
        };
        for (currency, include_vat) in [(eur(), false), (usd(), true)] {
            let list: PriceListId = shop.fresh();
            let (state, _) = decided::<PriceList, _>(
                None,
                user(),
                PriceListCommand::Define {
                    name: label(currency.as_str()),
                    currency,
                    prices_include_vat: include_vat,
                },
                at(date(1, 1)),
            )
            .unwrap();
            shop.lists.insert(currency, (list, state.unwrap()));
        }
        shop
    }

    pub fn fresh<T: From<Uuid>>(&mut self) -> T {
        self.next_id += 1;
        id(self.next_id)
    }

    /// Feeds an event to the models and the oracle, as the log stores it.
    fn append(&mut self, ids: StreamIds, event: CrmEvent, occurred: DateTime<Utc>) {
        self.oracle
            .observe(ids, &event, occurred, self.cause.as_ref(), &self.products);
        self.sales_feed
            .apply_to(&mut self.sales, ids, event.clone(), now(), Some(occurred));
        self.kpis_feed
            .apply_to(&mut self.kpis, ids, event.clone(), now(), Some(occurred));
        self.log.push_back((ids, event, occurred));
    }

    /// Runs the process managers over the log's tail until nothing is
    /// left to cause: each event's reactions in log order, at its business
    /// time. A reaction the rules refuse is skipped, as the application
    /// skips it.
    fn settle(&mut self) {
        while let Some((ids, event, occurred)) = self.log.pop_front() {
            for caused in reactions(Uuid::nil(), ids.first, occurred, &event) {
                self.cause = Some((ids.first, event.clone()));
                let _refused = self.react(caused.reaction, occurred);
                self.cause = None;
            }
        }
    }

    fn react(&mut self, reaction: Reaction, occurred: DateTime<Utc>) -> Result<(), DomainError> {
        let system = UserId::from_uuid(Uuid::nil());
        match reaction {
            // The shop allows negative stock everywhere: sales are what is
            // tested here, not stock rules.
            Reaction::Stock {
                product,
                warehouse,
                command,
            } => self.stock_command(
                product,
                warehouse,
                command.allowing_negative(true),
                occurred,
            ),
            // The shop buys nothing through purchase orders.
            Reaction::Deal { .. } | Reaction::Purchase { .. } => Ok(()),
            Reaction::Production { order, command } => {
                self.production_command(order, system, command, occurred)
            }
            Reaction::Account { party, command } => {
                self.account_command(party, system, command, occurred)
            }
            Reaction::Order { order, command } => {
                self.order_command(order, system, command, occurred)
            }
            reaction @ Reaction::Number { series, kind, .. } => {
                let prefix = match kind {
                    DocumentKind::Invoice => "INV-",
                    DocumentKind::CreditNote => "CN-",
                    DocumentKind::Order => "SO-",
                    DocumentKind::PurchaseOrder => "PO-",
                    DocumentKind::ProductionOrder => "MO-",
                    DocumentKind::Quote => "QT-",
                };
                let Some(command) = reaction.number_command(label(prefix)) else {
                    return Ok(());
                };
                let state = self.series.remove(&series).unwrap_or_default();
                let (state, events) = decided::<Series, _>(state, system, command, occurred)?;
                self.series.insert(series, state);
                for event in events {
                    self.append(one(series.as_uuid()), event.into(), occurred);
                }
                Ok(())
            }
        }
    }

    fn stock_command(
        &mut self,
        product: ProductId,
        warehouse: WarehouseId,
        command: StockCommand,
        occurred: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let state = self
            .stock
            .get(&(product, warehouse))
            .cloned()
            .unwrap_or_default();
        let (state, events) = decided::<Stock, _>(state, user(), command, occurred)?;
        self.stock.insert((product, warehouse), state);
        let ids = StreamIds {
            first: product.as_uuid(),
            second: Some(warehouse.as_uuid()),
        };
        for event in events {
            self.append(ids, event.into(), occurred);
        }
        Ok(())
    }

    fn production_command(
        &mut self,
        order: ProductionOrderId,
        by: UserId,
        command: ProductionCommand,
        occurred: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let state = self.productions.get(&order).cloned();
        let (state, events) = decided::<ProductionOrder, _>(state, by, command, occurred)?;
        if let Some(state) = state {
            self.productions.insert(order, state);
        }
        for event in events {
            self.append(one(order.as_uuid()), event.into(), occurred);
        }
        Ok(())
    }

    fn account_command(
        &mut self,
        party: PartyId,
        by: UserId,
        mut command: AccountCommand,
        occurred: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        // The shop keeps its books in euros, as `app` would look the rate
        // up for an invoice or payment.
        match &mut command {
            AccountCommand::IssueInvoice { currency, rate, .. } => {
                *rate = Some(rate_on(*currency, occurred.date_naive()));
            }
            AccountCommand::ReceivePayment { amount, rate, .. } => {
                *rate = Some(rate_on(amount.currency(), occurred.date_naive()));
            }
            _ => {}
        }
        let state = self.accounts.get(&party).cloned().unwrap_or_default();
        let (state, events) = decided::<Account, _>(state, by, command, occurred)?;
        self.accounts.insert(party, state);
        for event in events {
            self.append(one(party.as_uuid()), event.into(), occurred);
        }
        Ok(())
    }

    fn order_command(
        &mut self,
        order: OrderId,
        by: UserId,
        command: OrderCommand,
        occurred: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let state = self.orders.get(&order).cloned();
        let (state, events) = decided::<Order, _>(state, by, command, occurred)?;
        if let Some(state) = state {
            self.orders.insert(order, state);
        }
        for event in events {
            self.append(one(order.as_uuid()), event.into(), occurred);
        }
        Ok(())
    }

    /// Defines a product with its price in both lists (VAT 20 %).
    pub fn product(
        &mut self,
        product: u128,
        sku: &str,
        kind: ProductKind,
        category: Option<&str>,
        unit_price: &str,
    ) {
        let product: ProductId = id(product);
        let command = ProductCommand::Define(DefineProduct {
            sku: Sku::parse("sku", sku).unwrap(),
            name: label(sku),
            unit: Unit::parse("unit", "pcs").unwrap(),
            category: category.map(label),
            barcode: None,
            kind,
            vat: VatRate::parse("vat", dec("20")).unwrap(),
        });
        let (state, events) = decided::<Product, _>(None, user(), command, at(date(1, 1))).unwrap();
        self.products.insert(product, state.unwrap());
        for event in events {
            self.append(one(product.as_uuid()), event.into(), at(date(1, 1)));
        }
        for (_, list) in self.lists.values_mut() {
            let command = PriceListCommand::SetPrice {
                product,
                scope: PriceScope::Everyone,
                min_quantity: Quantity::parse_break("min", Decimal::ZERO).unwrap(),
                unit_price: price(dec(unit_price)),
            };
            let (state, _) =
                decided::<PriceList, _>(Some(list.clone()), user(), command, at(date(1, 1)))
                    .unwrap();
            *list = state.unwrap();
        }
        self.settle();
    }

    /// Enters `currency`'s rate for `day`: euros for one unit.
    pub fn set_rate(&mut self, currency: Currency, day: NaiveDate, rate: &str) {
        let event = RatesEvent::Set(ExchangeRateSet {
            currency,
            company_currency: eur(),
            day,
            rate: dec(rate),
        });
        self.append(one(rates_id(currency)), event.into(), at(day));
        self.settle();
    }

    pub fn categorize(&mut self, product: u128, category: Option<&str>, day: NaiveDate) {
        let product: ProductId = id(product);
        let state = self.products.get(&product).cloned();
        let command = ProductCommand::Categorize(category.map(label));
        let (state, events) = decided::<Product, _>(state, user(), command, at(day)).unwrap();
        self.products.insert(product, state.unwrap());
        for event in events {
            self.append(one(product.as_uuid()), event.into(), at(day));
        }
        self.settle();
    }

    /// Receives goods into a warehouse at a unit cost.
    pub fn receive(
        &mut self,
        product: u128,
        warehouse: u128,
        count: &str,
        unit_cost: &str,
        day: NaiveDate,
    ) {
        self.stock_command(
            id(product),
            id(warehouse),
            StockCommand::Receive {
                quantity: quantity(dec(count)),
                unit_cost: price(dec(unit_cost)),
                reference: None,
            },
            at(day),
        )
        .unwrap();
        self.settle();
    }

    /// Moves stock from one warehouse to another on `day`, arriving the
    /// same day.
    pub fn transfer(&mut self, product: u128, from: u128, to: u128, count: &str, day: NaiveDate) {
        let transfer = self.fresh();
        self.stock_command(
            id(product),
            id(from),
            StockCommand::TransferOut {
                transfer,
                quantity: quantity(dec(count)),
                to: id(to),
                negative_allowed: true,
            },
            at(day),
        )
        .unwrap();
        self.stock_command(
            id(product),
            id(to),
            StockCommand::TransferIn {
                transfer,
                quantity: quantity(dec(count)),
                unit_cost: price(Decimal::ZERO),
                from: id(from),
            },
            at(day),
        )
        .unwrap();
        self.settle();
    }

    /// Makes `count` of `product` in `warehouse` on `day`, each of
    /// `components` (product, quantity per unit) and `minutes` of work at
    /// 30.00 an hour: planned, released and completed at once, its
    /// components consumed and its output received by the processes.
    pub fn produce(
        &mut self,
        product: u128,
        warehouse: u128,
        components: &[(u128, &str)],
        minutes: &str,
        count: &str,
        day: NaiveDate,
    ) -> ProductionOrderId {
        let order: ProductionOrderId = self.fresh();
        let plan = ProductionCommand::Plan(PlanProduction {
            order,
            product: id(product),
            bom_version: 1,
            warehouse: id(warehouse),
            branch: None,
            quantity: quantity(dec(count)),
            due_on: day,
            components: components
                .iter()
                .map(|(component, per_unit)| BomComponent {
                    product: id(*component),
                    quantity: dec(per_unit),
                    scrap_percent: Decimal::ZERO,
                })
                .collect(),
            operations: vec![BomOperation {
                name: "Assembly".into(),
                work_centre: "Bench".into(),
                minutes: dec(minutes),
                hourly_rate: dec("30"),
            }],
        });
        let complete = ProductionCommand::Complete {
            quantity: quantity(dec(count)),
            finish: true,
        };
        for command in [plan, ProductionCommand::Release, complete] {
            self.production_command(order, user(), command, at(day))
                .unwrap();
            self.settle();
        }
        order
    }

    /// Drafts, fills and confirms an order on `day` at the list's prices.
    pub fn order(&mut self, new: &NewOrder, day: NaiveDate) -> Result<OrderId, DomainError> {
        let order: OrderId = self.fresh();
        let (list, list_state) = self.lists[&new.currency].clone();
        self.order_command(
            order,
            user(),
            OrderCommand::Draft(DraftOrder {
                order,
                party: new.party,
                deal: None,
                price_list: list,
                currency: new.currency,
                warehouse: id(WAREHOUSE),
                branch: new.branch,
                manager: new.manager,
                reference: None,
            }),
            at(day),
        )?;
        for (product, count, discount) in &new.lines {
            self.order_command(
                order,
                user(),
                OrderCommand::AddLine {
                    product: *product,
                    quantity: quantity(*count),
                    discount_percent: discount.map(|d| VatRate::parse("discount", d).unwrap()),
                },
                at(day),
            )?;
        }
        let state = self.orders[&order].clone();
        let pricing = state
            .draft_lines
            .iter()
            .map(|(line, draft)| {
                let product = &self.products[&draft.product];
                let request = PriceRequest {
                    product: draft.product,
                    party: Some(new.party),
                    segments: &[],
                    quantity: quantity(draft.quantity),
                };
                LinePricing {
                    line: *line,
                    product: draft.product,
                    price: resolve_price(&list_state, product, &request)
                        .unwrap()
                        .into(),
                    stock_tracked: product.kind == ProductKind::StockTracked,
                }
            })
            .collect();
        self.order_command(order, user(), OrderCommand::Confirm { pricing }, at(day))?;
        self.settle();
        Ok(order)
    }

    /// Ships the named lines (all that is left when `None`) on `day` and
    /// invoices the shipment the same day, due on `due`.
    pub fn ship(
        &mut self,
        order: OrderId,
        lines: Option<Vec<(u32, Decimal)>>,
        day: NaiveDate,
        due: NaiveDate,
    ) -> Result<InvoiceId, DomainError> {
        let shipment: ShipmentId = self.fresh();
        let lines = lines.map(|lines| {
            lines
                .into_iter()
                .map(|(line, count)| ShipLine {
                    line,
                    quantity: quantity(count),
                })
                .collect()
        });
        self.order_command(
            order,
            user(),
            OrderCommand::Ship { shipment, lines },
            at(day),
        )?;
        let invoice: InvoiceId = self.fresh();
        self.order_command(
            order,
            user(),
            OrderCommand::Invoice {
                invoice,
                shipment: Some(shipment),
                due,
            },
            at(day),
        )?;
        self.settle();
        Ok(invoice)
    }

    /// Takes goods back on `day` with a credit note.
    pub fn return_goods(
        &mut self,
        order: OrderId,
        lines: Vec<(u32, Decimal)>,
        day: NaiveDate,
    ) -> Result<(), DomainError> {
        let return_id: ReturnId = self.fresh();
        let credit_note: CreditNoteId = self.fresh();
        let lines = lines
            .into_iter()
            .map(|(line, count)| ShipLine {
                line,
                quantity: quantity(count),
            })
            .collect();
        self.order_command(
            order,
            user(),
            OrderCommand::Return {
                return_id,
                credit_note,
                lines,
                reason: label("damaged"),
            },
            at(day),
        )?;
        self.settle();
        Ok(())
    }

    pub fn cancel(&mut self, order: OrderId, day: NaiveDate) -> Result<(), DomainError> {
        self.order_command(
            order,
            user(),
            OrderCommand::Cancel {
                reason: label("changed their mind"),
            },
            at(day),
        )?;
        self.settle();
        Ok(())
    }

    pub fn import(&mut self, sale: ImportSale) -> Result<(), DomainError> {
        let stream: Uuid = self.fresh();
        let (_, events) = decided::<ImportedSale, _>(None, user(), sale, now())?;
        for event in events {
            self.append(one(stream), event.into(), now());
        }
        self.settle();
        Ok(())
    }

    /// A payment on `day`, paying the oldest due invoices first.
    pub fn pay(
        &mut self,
        party: PartyId,
        amount: Decimal,
        currency: Currency,
        method: PaymentMethod,
        day: NaiveDate,
    ) -> Result<(), DomainError> {
        let payment: PaymentId = self.fresh();
        self.account_command(
            party,
            user(),
            AccountCommand::ReceivePayment {
                payment,
                method,
                amount: Money::parse("amount", amount, currency)?,
                allocations: None,
                reference: None,
                rate: None,
            },
            at(day),
        )?;
        self.settle();
        Ok(())
    }

    pub fn order_state(&self, order: OrderId) -> &OrderState {
        &self.orders[&order]
    }

    pub fn order_ids(&self) -> Vec<OrderId> {
        let mut ids: Vec<OrderId> = self.orders.keys().copied().collect();
        ids.sort();
        ids
    }
}

/// Lines of an import: (product, quantity, unit price, unit cost).
pub fn import_lines(lines: &[(u128, &str, &str, Option<&str>)]) -> Vec<domain::sales::ImportLine> {
    lines
        .iter()
        .map(
            |(product, count, unit_price, unit_cost)| domain::sales::ImportLine {
                product: id(*product),
                quantity: quantity(dec(count)),
                unit_price: price(dec(unit_price)),
                discount_percent: None,
                amount: None,
                vat: VatRate::parse("vat", dec("20")).unwrap(),
                prices_include_vat: false,
                unit_cost: unit_cost.map(|c| price(dec(c))),
            },
        )
        .collect()
}

pub fn import_sale(
    number: &str,
    party: u128,
    ordered_on: NaiveDate,
    shipped_on: Option<NaiveDate>,
    lines: Vec<domain::sales::ImportLine>,
) -> ImportSale {
    ImportSale {
        number: label(number),
        party: id(party),
        manager: None,
        branch: None,
        currency: eur(),
        ordered_on,
        shipped_on,
        lines,
    }
}
