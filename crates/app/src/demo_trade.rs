//! The demo company's trade: a catalog, two warehouses, stock bought in,
//! and orders taken from its customers over the demo's span, confirmed,
//! shipped, invoiced and paid (some late, some returned, some cancelled);
//! and its buying (`purchasing`): suppliers, rates, purchase orders;
//! its workshop (`production`), an export sale (`export`), quotes
//! (`quotes`) and its vans delivering the last shipments (`fleet`).
//!
//! Unlike the CRM history of `crates/demo`, which decides events itself,
//! trade runs through the application: the command handler decides every
//! command and the process managers do what they do on a live server
//! (reservations, stock issues, invoices on the accounts, numbers,
//! closing). So the demo also exercises the whole trade flow end to end.
//! Commands are backdated to the simulated day, and their ids derive from
//! the seed, so the same seed writes the same business history.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::catalog::{
    DefineProduct, PriceList, PriceListCommand, PriceScope, Product, ProductCommand, ProductKind,
    Quantity, Sku, Unit, UnitPrice, VatRate,
};
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::{
    CreditNoteId, InvoiceId, OrderId, PartyId, PaymentId, PriceListId, ProductId, ReturnId,
    ShipmentId, UserId, WarehouseId, derived,
};
use domain::inventory::{Stock, StockCommand, Warehouse, WarehouseCommand};
use domain::parties::{Party, PartyCommand, PartyName, RegisterParty};
use domain::sales::{DraftOrder, Order, OrderCommand, ShipLine};
use domain::values::{Currency, Label, Money};
use domain::{Decider, DomainError, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::commands::{CommandError, CommandHandler, Execution};
use crate::process::{ProcessManager, ProcessSettings, stock_stream};
use crate::trade::{confirm_order, ship_order};

mod export;
mod fleet;
mod production;
mod purchasing;
mod quotes;

/// The catalog: (category, product names, unit price in cents, kept in
/// stock).
const CATALOG: &[(&str, &[&str], u32, bool)] = &[
    (
        "Fasteners",
        &[
            "Bolt M8 × 40",
            "Bolt M10 × 60",
            "Nut M8",
            "Washer 10 mm",
            "Anchor 12 mm",
        ],
        45,
        true,
    ),
    (
        "Power tools",
        &[
            "Drill 18 V",
            "Angle grinder 125",
            "Jigsaw 650 W",
            "Impact driver",
        ],
        12_900,
        true,
    ),
    (
        "Hand tools",
        &[
            "Claw hammer",
            "Screwdriver set",
            "Spirit level 60 cm",
            "Utility knife",
        ],
        1_850,
        true,
    ),
    (
        "Safety",
        &[
            "Safety gloves",
            "Hard hat",
            "Ear defenders",
            "Safety glasses",
        ],
        690,
        true,
    ),
    (
        "Electrical",
        &["Cable 3 × 1.5 (m)", "Socket outlet", "Circuit breaker 16 A"],
        320,
        true,
    ),
    (
        "Services",
        &["Delivery", "Tool repair", "On-site fitting"],
        4_500,
        false,
    ),
];

/// What was written.
#[derive(Clone, Copy, Debug, Default)]
pub struct TradeReport {
    pub orders: usize,
    pub refused: usize,
}

struct Simulation {
    handler: Arc<CommandHandler>,
    processes: ProcessManager,
    rng: ChaCha8Rng,
    seed: u64,
    command: u64,
    eur: Currency,
    price_list: PriceListId,
    warehouses: Vec<WarehouseId>,
    products: Vec<(ProductId, bool)>,
    refused: usize,
    /// Every shipment made, with its order and day: the fleet delivers
    /// the last ones.
    shipped: Vec<(OrderId, ShipmentId, NaiveDate)>,
}

/// Something due on a later day of the simulation.
enum Due {
    Ship(OrderId, UserId),
    Pay(PartyId, Decimal, UserId),
    Return(OrderId, UserId),
}

fn label(text: &str) -> Label {
    // Every text here is a short literal of this module.
    Label::parse("label", text).expect("a valid demo label")
}

fn at_noon(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
}

impl Simulation {
    fn next_id(&mut self, kind: &str) -> Uuid {
        self.command += 1;
        derived(
            Uuid::from_u64_pair(self.seed, 0x7AADE),
            format!("{kind}:{}", self.command).as_bytes(),
        )
    }

    async fn run<D, C>(
        &mut self,
        id: impl std::fmt::Display,
        by: UserId,
        day: DateTime<Utc>,
        command: C,
    ) -> Result<(), CommandError>
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Send + 'static,
    {
        let stream = CommandHandler::stream::<D>(id)?;
        self.run_on::<D, C>(&stream, by, day, command).await
    }

    async fn run_on<D, C>(
        &mut self,
        stream: &eventlog::StreamName,
        by: UserId,
        day: DateTime<Utc>,
        command: C,
    ) -> Result<(), CommandError>
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Send + 'static,
    {
        let execution = self.execution(by);
        let issued = Issued::new(by, Utc::now(), command).backdated(day);
        self.handler
            .execute::<D, C>(stream, &issued, &execution)
            .await
            .map(|_| ())
    }

    fn execution(&mut self, by: UserId) -> Execution {
        let command_id = self.next_id("command");
        Execution::new(AppendMeta::new(Actor::user(by.as_uuid()), command_id))
            .with_command_id(command_id)
    }

    /// A refused command is a fact of business life (stock ran short), not
    /// a failure of the demo: counted and passed over.
    fn tolerate(&mut self, result: Result<(), CommandError>) -> anyhow::Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(CommandError::Domain(error)) => {
                tracing::debug!(%error, "the demo's command was refused");
                self.refused += 1;
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }
}

/// Writes the trade of the demo company into `log`: `orders` orders from
/// `customers` (each with the moment it was registered, in that order)
/// taken by `managers` between `start` and `end`. The processes' checkpoint
/// is saved at `checkpoint`, so a server started afterwards goes on from
/// the end of the demo.
#[allow(clippy::too_many_arguments)]
pub async fn seed(
    log: &EventLog,
    keys: &crate::personal::Keys,
    checkpoint: Option<&std::path::Path>,
    seed: u64,
    customers: &[(PartyId, DateTime<Utc>)],
    managers: &[UserId],
    start: NaiveDate,
    end: NaiveDate,
    orders: usize,
) -> anyhow::Result<TradeReport> {
    anyhow::ensure!(
        !customers.is_empty() && !managers.is_empty(),
        "the demo has no customers or managers"
    );
    let handler = Arc::new(CommandHandler::new(log.clone(), Arc::new(keys.clone())));
    let processes = ProcessManager::open(handler.clone(), ProcessSettings::default(), checkpoint)?;
    let mut simulation = Simulation {
        handler,
        processes,
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7AADE),
        seed,
        command: 0,
        eur: Currency::parse("currency", "EUR")?,
        price_list: PriceListId::from_uuid(Uuid::nil()),
        warehouses: Vec::new(),
        products: Vec::new(),
        refused: 0,
        shipped: Vec::new(),
    };
    let admin = managers[0];
    let first_day = at_noon(start);
    set_up_catalog(&mut simulation, admin, first_day).await?;

    let days = (end - start).num_days().max(1);
    let mut due: BTreeMap<NaiveDate, Vec<Due>> = BTreeMap::new();
    let mut taken = 0;
    for offset in 0..days {
        let day = start + Duration::days(offset);
        let noon = at_noon(day);
        if offset % 14 == 0 {
            replenish(&mut simulation, admin, noon).await?;
        }
        // Orders arrive evenly over the span.
        let target = (offset + 1) as usize * orders / days as usize;
        // Only customers registered by then can order.
        let known = customers.partition_point(|(_, registered)| *registered <= noon);
        while taken < target {
            if known == 0 {
                taken = target;
                break;
            }
            let customer = customers[simulation.rng.random_range(0..known)].0;
            let manager = managers[simulation.rng.random_range(0..managers.len())];
            if let Some(order) = take_order(&mut simulation, customer, manager, noon).await? {
                let roll = simulation.rng.random_range(0..100);
                if roll < 5 {
                    let cancel = OrderCommand::Cancel {
                        reason: label("The customer changed their mind"),
                    };
                    let result = simulation
                        .run::<Order, _>(order, manager, noon, cancel)
                        .await;
                    simulation.tolerate(result)?;
                } else {
                    let ship_day = day + Duration::days(simulation.rng.random_range(0..4));
                    due.entry(ship_day)
                        .or_default()
                        .push(Due::Ship(order, manager));
                }
            }
            taken += 1;
        }
        for action in due.remove(&day).unwrap_or_default() {
            act(&mut simulation, action, day, end, &mut due).await?;
        }
        simulation.processes.catch_up().await?;
    }
    purchasing::seed(&mut simulation, admin, start, end).await?;
    simulation.processes.catch_up().await?;
    let (big_customer, _) = customers[0];
    production::seed(&mut simulation, admin, big_customer, start, end).await?;
    simulation.processes.catch_up().await?;
    export::seed(&mut simulation, admin, end).await?;
    simulation.processes.catch_up().await?;
    let quoted: Vec<PartyId> = customers
        .iter()
        .skip(1)
        .take(5)
        .map(|(party, _)| *party)
        .collect();
    quotes::seed(&mut simulation, managers[managers.len() - 1], &quoted, end).await?;
    simulation.processes.catch_up().await?;
    fleet::seed(&mut simulation, admin, end).await?;
    Ok(TradeReport {
        orders: taken,
        refused: simulation.refused,
    })
}

async fn set_up_catalog(
    simulation: &mut Simulation,
    admin: UserId,
    day: DateTime<Utc>,
) -> anyhow::Result<()> {
    simulation.price_list = PriceListId::from_uuid(simulation.next_id("price-list"));
    let eur = simulation.eur;
    let price_list = simulation.price_list;
    simulation
        .run::<PriceList, _>(
            price_list,
            admin,
            day,
            PriceListCommand::Define {
                name: label("Retail EUR"),
                currency: eur,
                prices_include_vat: false,
            },
        )
        .await?;
    for name in ["Main warehouse", "Shop back room"] {
        let warehouse = WarehouseId::from_uuid(simulation.next_id("warehouse"));
        simulation
            .run::<Warehouse, _>(
                warehouse,
                admin,
                day,
                WarehouseCommand::Open {
                    name: label(name),
                    branch: None,
                    allows_negative_stock: false,
                },
            )
            .await?;
        simulation.warehouses.push(warehouse);
    }
    let mut sku = 0;
    for (category, names, cents, stocked) in CATALOG {
        for (index, name) in names.iter().enumerate() {
            sku += 1;
            let product = ProductId::from_uuid(simulation.next_id("product"));
            let kind = if *stocked {
                ProductKind::StockTracked
            } else {
                ProductKind::Service
            };
            simulation
                .run::<Product, _>(
                    product,
                    admin,
                    day,
                    ProductCommand::Define(DefineProduct {
                        sku: Sku::parse("sku", &format!("HC-{sku:04}"))?,
                        name: label(name),
                        unit: Unit::parse("unit", if *stocked { "pcs" } else { "job" })?,
                        category: Some(label(category)),
                        barcode: None,
                        kind,
                        vat: VatRate::parse("vat", Decimal::from(20))?,
                    }),
                )
                .await?;
            let price = Decimal::new(i64::from(*cents) * (index as i64 + 2) / 2, 2);
            simulation
                .run::<PriceList, _>(
                    price_list,
                    admin,
                    day,
                    PriceListCommand::SetPrice {
                        product,
                        scope: PriceScope::Everyone,
                        min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO)?,
                        unit_price: UnitPrice::parse("unit_price", price)?,
                    },
                )
                .await?;
            simulation.products.push((product, *stocked));
        }
    }
    Ok(())
}

/// Tops every product up in the main warehouse, at a cost that drifts.
async fn replenish(
    simulation: &mut Simulation,
    admin: UserId,
    day: DateTime<Utc>,
) -> anyhow::Result<()> {
    let warehouse = simulation.warehouses[0];
    let products: Vec<ProductId> = simulation
        .products
        .iter()
        .filter(|(_, stocked)| *stocked)
        .map(|(product, _)| *product)
        .collect();
    for product in products {
        let stream = stock_stream(product, warehouse)?;
        let (stock, _) = simulation.handler.load::<Stock>(&stream)?;
        if stock.available() >= Decimal::from(150) {
            continue;
        }
        let quantity = Decimal::from(simulation.rng.random_range(200..600));
        let cost = Decimal::new(simulation.rng.random_range(20..4_000), 2);
        let command = StockCommand::Receive {
            quantity: Quantity::parse("quantity", quantity)?,
            unit_cost: UnitPrice::parse("unit_cost", cost)?,
            reference: Some(label("Supplier delivery")),
        };
        simulation
            .run_on::<Stock, _>(&stream, admin, day, command)
            .await?;
        if stock.reorder_level.is_none() {
            let command = StockCommand::SetReorderLevel {
                level: Some(Quantity::parse("level", Decimal::from(60))?),
            };
            simulation
                .run_on::<Stock, _>(&stream, admin, day, command)
                .await?;
        }
    }
    Ok(())
}

/// Drafts and confirms one order; `None` when it was refused.
async fn take_order(
    simulation: &mut Simulation,
    customer: PartyId,
    manager: UserId,
    day: DateTime<Utc>,
) -> anyhow::Result<Option<OrderId>> {
    let order = OrderId::from_uuid(simulation.next_id("order"));
    // The order sells for its customer's branch, as `app::orders` drafts
    // one without a branch asked for.
    let branch = simulation
        .handler
        .load::<Party>(&CommandHandler::stream::<Party>(customer)?)?
        .0
        .and_then(|party| party.branch);
    let draft = OrderCommand::Draft(DraftOrder {
        order,
        party: customer,
        deal: None,
        price_list: simulation.price_list,
        currency: simulation.eur,
        warehouse: simulation.warehouses[0],
        branch,
        manager: Some(manager),
        reference: None,
    });
    simulation
        .run::<Order, _>(order, manager, day, draft)
        .await?;
    let lines = simulation.rng.random_range(1..=4);
    for _ in 0..lines {
        let (product, stocked) =
            simulation.products[simulation.rng.random_range(0..simulation.products.len())];
        let quantity = if stocked {
            simulation.rng.random_range(1..=12)
        } else {
            1
        };
        let discount = (simulation.rng.random_range(0..10) == 0)
            .then(|| VatRate::parse("discount", Decimal::from(5)))
            .transpose()?;
        let add = OrderCommand::AddLine {
            product,
            quantity: Quantity::parse("quantity", Decimal::from(quantity))?,
            discount_percent: discount,
        };
        simulation.run::<Order, _>(order, manager, day, add).await?;
    }
    let execution = simulation.execution(manager);
    let issued = Issued::new(manager, Utc::now(), ()).backdated(day);
    let confirmed = confirm_order(&simulation.handler, order, issued, &execution)
        .await
        .map(|_| ());
    simulation.tolerate(confirmed)?;
    Ok(Some(order))
}

/// A confirmed order of `quantity` of `product` for `customer`, taken on
/// `day` by `manager`: what the workshop makes to order.
/// Registers a company named `name`, owned by `admin` (a customer, as
/// every party starts).
async fn register_company(
    simulation: &mut Simulation,
    admin: UserId,
    day: DateTime<Utc>,
    name: &str,
) -> anyhow::Result<PartyId> {
    let party = PartyId::from_uuid(simulation.next_id("party"));
    let command = PartyCommand::Register(RegisterParty {
        name: PartyName::Company {
            name: label(name),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: admin,
        branch: None,
    });
    simulation
        .run::<Party, _>(party, admin, day, command)
        .await?;
    Ok(party)
}

/// The price list an order is drafted on, its currency and the order's
/// reference.
struct Terms<'a> {
    price_list: PriceListId,
    currency: Currency,
    reference: &'a str,
}

/// Drafts and confirms an order of `quantity` of `product` for `customer`
/// on `terms` from the main warehouse.
async fn sell(
    simulation: &mut Simulation,
    customer: PartyId,
    manager: UserId,
    day: DateTime<Utc>,
    (product, quantity): (ProductId, i64),
    terms: Terms<'_>,
) -> anyhow::Result<OrderId> {
    let order = OrderId::from_uuid(simulation.next_id("order"));
    let draft = OrderCommand::Draft(DraftOrder {
        order,
        party: customer,
        deal: None,
        price_list: terms.price_list,
        currency: terms.currency,
        warehouse: simulation.warehouses[0],
        branch: None,
        manager: Some(manager),
        reference: Some(label(terms.reference)),
    });
    simulation
        .run::<Order, _>(order, manager, day, draft)
        .await?;
    let add = OrderCommand::AddLine {
        product,
        quantity: Quantity::parse("quantity", Decimal::from(quantity))?,
        discount_percent: None,
    };
    simulation.run::<Order, _>(order, manager, day, add).await?;
    let execution = simulation.execution(manager);
    let issued = Issued::new(manager, Utc::now(), ()).backdated(day);
    confirm_order(&simulation.handler, order, issued, &execution).await?;
    Ok(order)
}

async fn act(
    simulation: &mut Simulation,
    action: Due,
    day: NaiveDate,
    end: NaiveDate,
    due: &mut BTreeMap<NaiveDate, Vec<Due>>,
) -> anyhow::Result<()> {
    let noon = at_noon(day);
    match action {
        Due::Ship(order, manager) => {
            // The processes have reserved the goods by now.
            simulation.processes.catch_up().await?;
            let shipment = ShipmentId::from_uuid(simulation.next_id("shipment"));
            let execution = simulation.execution(manager);
            let issued = Issued::new(manager, Utc::now(), ()).backdated(noon);
            let shipped = ship_order(
                &simulation.handler,
                order,
                shipment,
                None,
                issued,
                &execution,
            )
            .await
            .map(|_| ());
            let refused_before = simulation.refused;
            simulation.tolerate(shipped)?;
            if simulation.refused == refused_before {
                simulation.shipped.push((order, shipment, day));
                act_invoice(simulation, order, manager, noon, day, end, due).await?;
            }
        }
        Due::Pay(party, amount, manager) => {
            let payment = PaymentId::from_uuid(simulation.next_id("payment"));
            let method = [
                PaymentMethod::BankTransfer,
                PaymentMethod::Card,
                PaymentMethod::Cash,
            ][simulation.rng.random_range(0..3)];
            let command = AccountCommand::ReceivePayment {
                payment,
                method,
                amount: Money::parse("amount", amount, simulation.eur)?,
                allocations: None,
                reference: None,
                rate: None,
            };
            let result = simulation
                .run::<Account, _>(party, manager, noon, command)
                .await;
            simulation.tolerate(result)?;
        }
        Due::Return(order, manager) => {
            let stream = CommandHandler::stream::<Order>(order)?;
            let (state, _) = simulation.handler.load::<Order>(&stream)?;
            let Some(line) = state.and_then(|order| {
                order
                    .lines
                    .values()
                    .find(|line| {
                        line.confirmed.reservation.is_some() && line.shipped > Decimal::ZERO
                    })
                    .map(|line| line.confirmed.line)
            }) else {
                return Ok(());
            };
            let command = OrderCommand::Return {
                return_id: ReturnId::from_uuid(simulation.next_id("return")),
                credit_note: CreditNoteId::from_uuid(simulation.next_id("credit-note")),
                lines: vec![ShipLine {
                    line,
                    quantity: Quantity::parse("quantity", Decimal::ONE)?,
                }],
                reason: label("Damaged in transit"),
            };
            let result = simulation
                .run::<Order, _>(order, manager, noon, command)
                .await;
            simulation.tolerate(result)?;
        }
    }
    Ok(())
}

async fn act_invoice(
    simulation: &mut Simulation,
    order: OrderId,
    manager: UserId,
    noon: DateTime<Utc>,
    day: NaiveDate,
    end: NaiveDate,
    due: &mut BTreeMap<NaiveDate, Vec<Due>>,
) -> anyhow::Result<()> {
    let invoice = InvoiceId::from_uuid(simulation.next_id("invoice"));
    let terms = Duration::days(30);
    let command = OrderCommand::Invoice {
        invoice,
        shipment: None,
        due: day + terms,
    };
    let result = simulation
        .run::<Order, _>(order, manager, noon, command)
        .await;
    simulation.tolerate(result)?;
    let stream = CommandHandler::stream::<Order>(order)?;
    let (state, _) = simulation.handler.load::<Order>(&stream)?;
    let Some(state) = state else {
        return Ok(());
    };
    let gross: Decimal = state
        .lines
        .values()
        .map(|line| line.invoiced_amounts.gross)
        .sum();
    let roll = simulation.rng.random_range(0..100);
    // Most pay within the terms, some late, some in two parts, a few not
    // yet: the receivables and ageing have something to show.
    let (delay, part) = match roll {
        0..=59 => (simulation.rng.random_range(1..30), Decimal::ONE),
        60..=79 => (simulation.rng.random_range(30..75), Decimal::ONE),
        80..=91 => (simulation.rng.random_range(5..20), Decimal::new(5, 1)),
        _ => (i64::MAX, Decimal::ZERO),
    };
    if delay != i64::MAX {
        let pay_day = day + Duration::days(delay);
        if pay_day < end {
            let amount = (gross * part).round_dp(2);
            if amount > Decimal::ZERO {
                due.entry(pay_day).or_default().push(Due::Pay(
                    state.drafted.party,
                    amount,
                    manager,
                ));
                if part < Decimal::ONE {
                    let rest = pay_day + Duration::days(20);
                    if rest < end {
                        due.entry(rest).or_default().push(Due::Pay(
                            state.drafted.party,
                            gross - amount,
                            manager,
                        ));
                    }
                }
            }
        }
    }
    if simulation.rng.random_range(0..100) < 3 {
        let return_day = day + Duration::days(simulation.rng.random_range(2..20));
        if return_day < end {
            due.entry(return_day)
                .or_default()
                .push(Due::Return(order, manager));
        }
    }
    Ok(())
}
