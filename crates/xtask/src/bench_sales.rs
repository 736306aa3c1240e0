//! `cargo xtask bench-sales`: the `sales` and `director_kpis` read models
//! with a million orders.
//!
//! Generates a deterministic trading history in memory: orders of one to
//! nine lines (five on average) over three years, a fifth of them shipped
//! in two parts, stock issued at cost under each line's reservation,
//! invoices with their numbers, payments, a few returns and receipts. The
//! events are fed in business-time order to both models through
//! `projections::feed::Feed`: no event log, so this measures the models,
//! not the log (`bench-crm` measures rebuilds from a log). Then it times
//! the queries a sales director runs. Results go to `docs/benchmarks.md`
//! by hand.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::CrmEvent;
use domain::currency::{ExchangeRateSet, RatesEvent, rates_id};
use domain::finance::{
    AccountEvent, Allocation, DocumentKind, DocumentNumbered, InvoiceIssued, PaymentMethod,
    PaymentReceived, SeriesEvent,
};
use domain::ids::{ProductId, ReservationId, SeriesId};
use domain::inventory::{StockEvent, StockIssued, StockReceived, StockReturned};
use domain::process::return_reference;
use domain::sales::{
    Amounts, ConfirmedLine, OrderConfirmed, OrderDrafted, OrderEvent, OrderReturned, OrderShipped,
    ReturnedLine, ShippedLine,
};
use domain::values::Currency;
use eventlog::Actor;
use projections::feed::Feed;
use projections::models::kpis::DirectorKpis;
use projections::models::sales::{
    Dimension, Measure, Period, ReportCurrency, ReportQuery, Sales, TopQuery,
};
use projections::{ReadModel, SnapshotStore, StreamIds};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::bench_crm::{Lcg, mib, percentiles, resident_bytes};

#[derive(Debug)]
pub struct Settings {
    pub orders: u64,
    pub samples: usize,
}

const PRODUCTS: u64 = 5_000;
const CATEGORIES: u64 = 50;
const CUSTOMERS: u64 = 50_000;
const MANAGERS: u64 = 40;
const BRANCHES: u64 = 6;
/// 2024-01-01 to 2026-12-31.
const DAYS: u64 = 1_096;
const DAY_MICROS: i64 = 86_400_000_000;

/// Ids of one kind of thing, distinct from every other kind's.
fn uuid(kind: u128, number: u64) -> Uuid {
    Uuid::from_u128((kind << 64) | u128::from(number))
}

const ORDER: u128 = 1;
const PARTY: u128 = 2;
const PRODUCT: u128 = 3;
const USER: u128 = 4;
const BRANCH: u128 = 5;
const OTHER: u128 = 6;

fn one(id: Uuid) -> StreamIds {
    StreamIds {
        first: id,
        second: None,
    }
}

/// An event due at a business time; the heap pops the earliest first.
struct Scheduled {
    at: i64,
    sequence: u64,
    ids: StreamIds,
    event: CrmEvent,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.sequence) == (other.at, other.sequence)
    }
}

impl Eq for Scheduled {}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.sequence).cmp(&(self.at, self.sequence))
    }
}

/// Both models and what feeding them costs.
struct Models {
    sales: Sales,
    kpis: DirectorKpis,
    sales_feed: Feed,
    kpis_feed: Feed,
    sales_time: Duration,
    kpis_time: Duration,
    events: u64,
}

impl Models {
    fn apply(&mut self, scheduled: Scheduled, recorded_at: DateTime<Utc>) {
        let occurred_at = DateTime::from_timestamp_micros(scheduled.at).unwrap_or(recorded_at);
        let started = Instant::now();
        self.sales_feed.apply_to(
            &mut self.sales,
            scheduled.ids,
            scheduled.event.clone(),
            recorded_at,
            Some(occurred_at),
        );
        let between = Instant::now();
        self.kpis_feed.apply_to(
            &mut self.kpis,
            scheduled.ids,
            scheduled.event,
            recorded_at,
            Some(occurred_at),
        );
        self.sales_time += between - started;
        self.kpis_time += between.elapsed();
        self.events += 1;
    }
}

/// Makes the history order by order and feeds whatever has come due.
struct History {
    random: Lcg,
    heap: BinaryHeap<Scheduled>,
    sequence: u64,
    start: i64,
    warehouse: Uuid,
    eur: Currency,
    invoices_numbered: [u64; 3],
}

impl History {
    fn schedule(&mut self, at: i64, ids: StreamIds, event: impl Into<CrmEvent>) {
        self.sequence += 1;
        self.heap.push(Scheduled {
            at,
            sequence: self.sequence,
            ids,
            event: event.into(),
        });
    }

    fn stock(&self, product: ProductId) -> StreamIds {
        StreamIds {
            first: product.as_uuid(),
            second: Some(self.warehouse),
        }
    }

    fn unit_price(product: u64) -> Decimal {
        Decimal::new(199 + 100 * i64::try_from(product % 500).unwrap_or(0), 2)
    }

    fn unit_cost(product: u64) -> Decimal {
        (Self::unit_price(product) * Decimal::new(6, 1)).round_dp(4)
    }

    fn order(&mut self, number: u64, orders: u64) {
        let random = &mut self.random;
        let day = i64::try_from(number * DAYS / orders.max(1)).unwrap_or(0);
        let confirmed_at = self.start
            + day * DAY_MICROS
            + 8 * 3_600_000_000
            + i64::try_from(random.next(9 * 3_600)).unwrap_or(0) * 1_000_000;
        let order = uuid(ORDER, number);
        let order_id = order.into();
        let customer = random.next(CUSTOMERS as usize) as u64;
        let party = uuid(PARTY, customer).into();
        let lines: Vec<ConfirmedLine> = (1..=1 + random.next(9) as u32)
            .map(|line| {
                let product = random.next(PRODUCTS as usize) as u64;
                let quantity = Decimal::from(1 + random.next(10) as u64);
                let unit_price = Self::unit_price(product);
                let service = product % 10 == 0;
                ConfirmedLine {
                    line,
                    product: uuid(PRODUCT, product).into(),
                    quantity,
                    list_price: unit_price,
                    unit_price,
                    discount_percent: None,
                    vat_percent: Decimal::from(20),
                    amounts: Amounts::of(quantity, unit_price, Decimal::from(20), false),
                    reservation: (!service).then(|| ReservationId::for_order_line(order_id, line)),
                }
            })
            .collect();
        let split = random.next(5) == 0;
        // An order sells for its customer's branch (as `app::orders`
        // drafts one), taken by one of that branch's managers.
        let branch_number = customer % BRANCHES;
        let manager_number =
            branch_number + BRANCHES * random.next((MANAGERS / BRANCHES) as usize) as u64;
        let manager = uuid(USER, manager_number).into();
        let branch = uuid(BRANCH, branch_number).into();
        let first_shipped = confirmed_at + (1 + random.next(3) as i64) * DAY_MICROS;
        let second_shipped = first_shipped + (2 + random.next(4) as i64) * DAY_MICROS;
        let paid = random.next(100) < 85;
        let paid_at = second_shipped + (5 + random.next(55) as i64) * DAY_MICROS;
        let method = [
            PaymentMethod::Cash,
            PaymentMethod::BankTransfer,
            PaymentMethod::Card,
        ][random.next(3)];
        let returned = random.next(50) == 0;
        let returned_at = second_shipped + (3 + random.next(17) as i64) * DAY_MICROS;

        let total = lines
            .iter()
            .fold(Amounts::default(), |total, line| Amounts {
                net: total.net + line.amounts.net,
                vat: total.vat + line.amounts.vat,
                gross: total.gross + line.amounts.gross,
            });
        self.schedule(
            confirmed_at,
            one(order),
            OrderEvent::Drafted(OrderDrafted {
                order: order_id,
                party,
                deal: None,
                price_list: uuid(OTHER, 1).into(),
                currency: self.eur,
                warehouse: self.warehouse.into(),
                branch: Some(branch),
                manager: Some(manager),
                reference: None,
            }),
        );
        self.schedule(
            confirmed_at,
            one(order),
            OrderEvent::Confirmed(OrderConfirmed {
                party,
                deal: None,
                warehouse: self.warehouse.into(),
                currency: self.eur,
                prices_include_vat: false,
                lines: lines.clone(),
                total,
            }),
        );
        let parts: Vec<(i64, Vec<(&ConfirmedLine, Decimal)>)> = if split {
            let half = |line: &ConfirmedLine| (line.quantity / Decimal::TWO).floor();
            vec![
                (
                    first_shipped,
                    lines
                        .iter()
                        .map(|line| (line, half(line)))
                        .filter(|(_, quantity)| *quantity > Decimal::ZERO)
                        .collect(),
                ),
                (
                    second_shipped,
                    lines
                        .iter()
                        .map(|line| (line, line.quantity - half(line)))
                        .collect(),
                ),
            ]
        } else {
            vec![(
                first_shipped,
                lines.iter().map(|line| (line, line.quantity)).collect(),
            )]
        };
        let mut shipped_at = first_shipped;
        for (at, part) in parts {
            shipped_at = at;
            self.sequence += 1;
            let shipment = uuid(OTHER, self.sequence).into();
            let shipped = OrderShipped {
                shipment,
                warehouse: self.warehouse.into(),
                lines: part
                    .iter()
                    .map(|(line, quantity)| ShippedLine {
                        line: line.line,
                        product: line.product,
                        quantity: *quantity,
                        reservation: line.reservation,
                    })
                    .collect(),
                complete: true,
            };
            self.schedule(at, one(order), OrderEvent::Shipped(shipped));
            for (line, quantity) in part {
                if line.reservation.is_some() {
                    let product = line.product.as_uuid().as_u128() as u64;
                    let issued = StockIssued {
                        quantity,
                        unit_cost: Self::unit_cost(product),
                        reservation: line.reservation,
                        reference: None,
                    };
                    let ids = self.stock(line.product);
                    self.schedule(at, ids, StockEvent::Issued(issued));
                }
            }
        }
        let invoice = uuid(OTHER, number << 8 | 1).into();
        let year = DateTime::from_timestamp_micros(shipped_at).map_or(2024, |time| time.year());
        let year_index = usize::try_from(year - 2024).unwrap_or(0).min(2);
        self.invoices_numbered[year_index] += 1;
        let sequence = self.invoices_numbered[year_index];
        let due = DateTime::from_timestamp_micros(shipped_at + 30 * DAY_MICROS)
            .map_or(NaiveDate::MIN, |time| time.date_naive());
        self.schedule(
            shipped_at,
            one(party.as_uuid()),
            AccountEvent::InvoiceIssued(InvoiceIssued {
                invoice,
                order: Some(order_id),
                branch: None,
                currency: self.eur,
                total,
                due,
                // Books kept in euros.
                rate: Some(Decimal::ONE),
                value: Some(total.gross),
            }),
        );
        let series = SeriesId::of(DocumentKind::Invoice, None, year);
        self.schedule(
            shipped_at,
            one(series.as_uuid()),
            SeriesEvent::DocumentNumbered(DocumentNumbered {
                document: invoice.as_uuid(),
                kind: DocumentKind::Invoice,
                branch: None,
                year,
                sequence,
                number: format!("INV-{year}-{sequence:06}"),
            }),
        );
        if paid {
            self.schedule(
                paid_at,
                one(party.as_uuid()),
                AccountEvent::PaymentReceived(PaymentReceived {
                    payment: uuid(OTHER, number << 8 | 2).into(),
                    method,
                    currency: self.eur,
                    amount: total.gross,
                    allocations: vec![Allocation {
                        invoice,
                        amount: total.gross,
                    }],
                    to_credit: Decimal::ZERO,
                    reference: None,
                    rate: Some(Decimal::ONE),
                }),
            );
        }
        if returned {
            let line = &lines[0];
            let return_id = uuid(OTHER, number << 8 | 3).into();
            let amounts = Amounts::of(Decimal::ONE, line.unit_price, Decimal::from(20), false);
            self.schedule(
                returned_at,
                one(order),
                OrderEvent::Returned(OrderReturned {
                    return_id,
                    credit_note: uuid(OTHER, number << 8 | 4).into(),
                    party,
                    branch: Some(branch),
                    warehouse: self.warehouse.into(),
                    currency: self.eur,
                    reason: "damaged".into(),
                    lines: vec![ReturnedLine {
                        line: line.line,
                        product: line.product,
                        quantity: Decimal::ONE,
                        amounts,
                        stock_tracked: line.reservation.is_some(),
                    }],
                    total: amounts,
                }),
            );
            if line.reservation.is_some() {
                let product = line.product.as_uuid().as_u128() as u64;
                let ids = self.stock(line.product);
                self.schedule(
                    returned_at,
                    ids,
                    StockEvent::Returned(StockReturned {
                        quantity: Decimal::ONE,
                        unit_cost: Self::unit_cost(product),
                        reference: Some(return_reference(return_id)),
                    }),
                );
            }
        }
        if number % 20 == 0 {
            let product = self.random.next(PRODUCTS as usize) as u64;
            let ids = self.stock(uuid(PRODUCT, product).into());
            self.schedule(
                confirmed_at,
                ids,
                StockEvent::Received(StockReceived {
                    quantity: Decimal::from(500),
                    unit_cost: Self::unit_cost(product),
                    average_cost: Self::unit_cost(product),
                    reference: None,
                }),
            );
        }
    }
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let recorded_at = DateTime::from_timestamp(1_798_761_600, 0).context("a valid time")?;
    let start = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .context("a valid date")?
        .and_utc()
        .timestamp_micros();
    let baseline = resident_bytes();
    let mut models = Models {
        sales: Sales::default(),
        kpis: DirectorKpis::default(),
        sales_feed: Feed::new(Actor::system("bench-sales")),
        kpis_feed: Feed::new(Actor::system("bench-sales")),
        sales_time: Duration::ZERO,
        kpis_time: Duration::ZERO,
        events: 0,
    };
    let mut history = History {
        random: Lcg(2026),
        heap: BinaryHeap::new(),
        sequence: 0,
        start,
        warehouse: uuid(OTHER, u64::MAX),
        eur: Currency::parse("currency", "EUR").context("a valid currency")?,
        invoices_numbered: [0; 3],
    };
    let started = Instant::now();
    for product in 0..PRODUCTS {
        use domain::catalog::{ProductDefined, ProductEvent, ProductKind};
        let defined = ProductEvent::Defined(ProductDefined {
            sku: format!("SKU-{product:05}"),
            name: format!("Product {product}"),
            unit: "pcs".into(),
            category: Some(format!("Category {:02}", product % CATEGORIES)),
            barcode: None,
            kind: if product % 10 == 0 {
                ProductKind::Service
            } else {
                ProductKind::StockTracked
            },
            vat_percent: Decimal::from(20),
        });
        history.schedule(start, one(uuid(PRODUCT, product)), defined);
    }
    for number in 0..settings.orders {
        history.order(number, settings.orders);
        // Everything due before this order's day has happened.
        let day = i64::try_from(number * DAYS / settings.orders.max(1)).unwrap_or(0);
        let now = start + day * DAY_MICROS;
        while history.heap.peek().is_some_and(|next| next.at < now) {
            if let Some(next) = history.heap.pop() {
                models.apply(next, recorded_at);
            }
        }
        if number > 0 && number % 200_000 == 0 {
            eprintln!("  {number} orders, {} events", models.events);
        }
    }
    // Rates for the reports in the company currency, entered once the
    // history is in (so nothing was costed with them): the books in
    // dollars, the euro's rate for every day, so that every figure of
    // such a report is converted — the most work it can take.
    let usd = Currency::parse("currency", "USD").context("a valid currency")?;
    for day in 0..DAYS {
        let on =
            DateTime::from_timestamp_micros(start + i64::try_from(day).unwrap_or(0) * DAY_MICROS)
                .map_or(NaiveDate::MIN, |time| time.date_naive());
        let set = RatesEvent::Set(ExchangeRateSet {
            currency: history.eur,
            company_currency: usd,
            day: on,
            rate: Decimal::new(10_500 + i64::try_from(day % 13).unwrap_or(0) * 37, 4),
        });
        history.schedule(i64::MAX, one(rates_id(history.eur)), set);
    }
    while let Some(next) = history.heap.pop() {
        models.apply(next, recorded_at);
    }
    let seconds = started.elapsed().as_secs_f64();
    let Models {
        sales,
        kpis,
        sales_feed,
        kpis_feed,
        sales_time,
        kpis_time,
        events,
    } = models;
    drop((sales_feed, kpis_feed, history));
    println!(
        "history: {} orders, {events} events, generated and fed in {seconds:.1} s; apply: sales {:.0} events/s, director_kpis {:.0} events/s",
        settings.orders,
        events as f64 / sales_time.as_secs_f64(),
        events as f64 / kpis_time.as_secs_f64(),
    );
    println!(
        "resident memory above the start: {:.0} MiB (both models, as the allocator holds them)",
        mib(resident_bytes().saturating_sub(baseline))
    );
    snapshot_sizes(&sales, &kpis)?;
    query_latency(&sales, &kpis, settings.samples);
    Ok(())
}

fn snapshot_sizes(sales: &Sales, kpis: &DirectorKpis) -> anyhow::Result<()> {
    let directory = tempfile::tempdir()?;
    let store = SnapshotStore::open(directory.path())?;
    fn one<M: ReadModel>(store: &SnapshotStore, model: &M) -> anyhow::Result<()> {
        let started = Instant::now();
        let info = store.save(model, 1, None)?;
        let written = started.elapsed().as_secs_f64();
        let size = std::fs::metadata(&info.path)?.len();
        let before = resident_bytes();
        let started = Instant::now();
        let again: M = store.load(&info)?;
        let restored = started.elapsed().as_secs_f64();
        // A restored copy is allocated at its exact size, without the
        // slack of growing vectors: the closest figure to the model's own
        // heap.
        let copy = resident_bytes().saturating_sub(before);
        drop(again);
        println!(
            "{}: snapshot {:.1} MiB, written in {written:.2} s, restored in {restored:.2} s; the restored copy is {:.0} MiB resident",
            M::NAME,
            mib(size),
            mib(copy)
        );
        Ok(())
    }
    // The small model first: pages the large copy frees would otherwise
    // be reused for it and hide its size.
    one(&store, kpis)?;
    one(&store, sales)
}

fn query_latency(sales: &Sales, kpis: &DirectorKpis, samples: usize) {
    let eur = Currency::parse("currency", "EUR").unwrap_or_else(|_| sales.currencies()[0]);
    let mut random = Lcg(7);
    let year = |random: &mut Lcg| 2024 + random.next(3) as i32;
    let day = |random: &mut Lcg| {
        NaiveDate::from_ymd_opt(2024, 1, 1)
            .and_then(|first| {
                first.checked_add_days(chrono::Days::new(random.next(DAYS as usize) as u64))
            })
            .unwrap_or(NaiveDate::MIN)
    };
    let year_range = |year: i32| {
        (
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MIN),
        )
    };
    let mut time =
        |label: &str, samples: usize, mut query: Box<dyn FnMut(&mut Lcg) -> usize + '_>| {
            let mut timings = Vec::with_capacity(samples);
            let mut rows = 0;
            for _ in 0..samples {
                let started = Instant::now();
                rows += query(&mut random);
                timings.push(started.elapsed());
            }
            percentiles(
                &format!("{label} ({} rows each)", rows / samples.max(1)),
                timings,
            );
        };
    let report_in = |currency, period, dimension| {
        move |random: &mut Lcg| {
            let (from, to) = year_range(year(random));
            sales
                .report(&ReportQuery {
                    from,
                    to,
                    currency,
                    period,
                    dimension,
                    branch: None,
                })
                .len()
        }
    };
    let report = |period, dimension| report_in(ReportCurrency::Only(eur), period, dimension);
    time(
        "monthly revenue by category for one year",
        samples,
        Box::new(report(Period::Month, Some(Dimension::Category))),
    );
    time(
        "monthly revenue by category for one year, converted into the company currency",
        samples,
        Box::new(report_in(
            ReportCurrency::Company,
            Period::Month,
            Some(Dimension::Category),
        )),
    );
    time(
        "daily company totals for one year",
        samples,
        Box::new(report(Period::Day, None)),
    );
    time(
        "weekly revenue by manager for one year",
        samples,
        Box::new(report(Period::Week, Some(Dimension::Manager))),
    );
    time(
        "monthly revenue by product for one year",
        samples.min(50),
        Box::new(report(Period::Month, Some(Dimension::Product))),
    );
    time(
        "monthly revenue by product for one year, converted into the company currency",
        samples.min(50),
        Box::new(report_in(
            ReportCurrency::Company,
            Period::Month,
            Some(Dimension::Product),
        )),
    );
    time(
        "top 10 customers by revenue for one year",
        samples.min(50),
        Box::new(|random: &mut Lcg| {
            let (from, to) = year_range(year(random));
            sales
                .top(&TopQuery {
                    from,
                    to,
                    currency: ReportCurrency::Only(eur),
                    dimension: Dimension::Customer,
                    measure: Measure::Revenue,
                    limit: 10,
                    branch: None,
                })
                .len()
        }),
    );
    time(
        "receivables aged as of a day",
        samples.min(50),
        Box::new(|random: &mut Lcg| sales.receivables(day(random), eur).customers.len()),
    );
    time(
        "director KPIs for a day",
        samples,
        Box::new(|random: &mut Lcg| kpis.on(day(random)).order_intake.len()),
    );
    time(
        "director KPIs for a year",
        samples,
        Box::new(|random: &mut Lcg| {
            let (from, to) = year_range(year(random));
            kpis.over(from, to).order_intake.len()
        }),
    );
    time(
        "stock on hand of a product as of a day",
        samples,
        Box::new(|random: &mut Lcg| {
            let product = uuid(PRODUCT, random.next(PRODUCTS as usize) as u64).into();
            let _on_hand = kpis.stock_on_hand_at(product, day(random));
            1
        }),
    );
}
