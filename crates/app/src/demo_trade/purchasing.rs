//! The demo company's buying: EUR as its currency, weekly USD rates, two
//! suppliers (one at home in EUR, one abroad in USD) and a few purchase
//! orders near the end of the span: one received with freight, one sent
//! and late (billed up front in USD and half paid at another week's rate),
//! one still a draft; every stocked product offered by one of
//! the two, its preferred supplier. Written through the command handler and
//! the processes, as a live server would, so the orders get their
//! numbers and the received goods enter stock at their landed cost.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::catalog::{Quantity, UnitPrice};
use domain::currency::{Company, CompanyCommand, Rates, SetRate, company_id, rates_id};
use domain::finance::PaymentMethod;
use domain::ids::{
    PartyId, ProductId, PurchaseOrderId, PurchaseReceiptId, SupplierInvoiceId, SupplierPaymentId,
    UserId,
};
use domain::parties::{Party, PartyCommand, PartyRoles};
use domain::payables::{PaySupplier, Payable, PayableCommand, RecordSupplierInvoice};
use domain::purchasing::{
    DraftPurchase, NewLandedCost, PurchaseCommand, PurchaseOrder, ReceivePurchase, Spread,
};
use domain::sourcing::{Offer, Sourcing, SourcingCommand};
use domain::values::{Currency, ExchangeRate};
use rand::Rng;
use rust_decimal::Decimal;

use super::{Simulation, at_noon, label};
use crate::commands::CommandHandler;

/// A supplier of the demo and the currency it prices in.
struct Supplier {
    party: PartyId,
    currency: Currency,
}

/// Writes the demo's buying between `start` and `end` (today).
pub(super) async fn seed(
    simulation: &mut Simulation,
    admin: UserId,
    start: NaiveDate,
    end: NaiveDate,
) -> anyhow::Result<()> {
    let first_day = at_noon(start);
    let eur = simulation.eur;
    let usd = Currency::parse("currency", "USD")?;
    simulation
        .run::<Company, _>(
            company_id(),
            admin,
            first_day,
            CompanyCommand::SetCurrency(eur),
        )
        .await?;
    // A rate every Monday, drifting around 0.92 EUR to the dollar.
    let mut day = start;
    while day <= end {
        let rate = Decimal::new(9_000 + simulation.rng.random_range(0..400), 4);
        let command = SetRate {
            currency: usd,
            company_currency: eur,
            day,
            rate: ExchangeRate::parse("rate", rate)?,
        };
        simulation
            .run::<Rates, _>(rates_id(usd), admin, at_noon(day), command)
            .await?;
        day += Duration::days(7);
    }
    let home = register(
        simulation,
        admin,
        first_day,
        "Rheinstahl Befestigungstechnik GmbH",
        eur,
    )
    .await?;
    let abroad = register(simulation, admin, first_day, "Pacific Tool Company", usd).await?;
    let stocked: Vec<ProductId> = simulation
        .products
        .iter()
        .filter(|(_, stocked)| *stocked)
        .map(|(product, _)| *product)
        .collect();
    // Every stocked product has an offer: power tools (the 6th to the 9th)
    // from abroad, the rest from home, each supplier preferred for its own.
    for (index, product) in stocked.iter().enumerate() {
        let (supplier, lead_time_days, pack) = if (5..9).contains(&index) {
            (&abroad, 21, 4)
        } else {
            (&home, 5, 25)
        };
        let price = Decimal::new(simulation.rng.random_range(20..6_000), 2);
        let offer = SourcingCommand::SetOffer(Offer {
            supplier: supplier.party,
            supplier_code: Some(label(&format!("S-{:04}", index + 1))),
            currency: supplier.currency,
            price: UnitPrice::parse("price", price)?,
            minimum_quantity: Some(Quantity::parse("minimum", Decimal::from(pack * 2))?),
            pack_size: Some(Quantity::parse("pack", Decimal::from(pack))?),
            lead_time_days,
        });
        simulation
            .run::<Sourcing, _>(product, admin, first_day, offer)
            .await?;
        let prefer = SourcingCommand::Prefer {
            supplier: Some(supplier.party),
        };
        simulation
            .run::<Sourcing, _>(product, admin, first_day, prefer)
            .await?;
    }
    let received_on = at_noon(end - Duration::days(6));
    let received = purchase(
        simulation,
        admin,
        &home,
        at_noon(end - Duration::days(14)),
        Some(end - Duration::days(7)),
        &stocked[..3.min(stocked.len())],
    )
    .await?;
    send(
        simulation,
        admin,
        received,
        at_noon(end - Duration::days(13)),
    )
    .await?;
    let receipt = PurchaseReceiptId::from_uuid(simulation.next_id("purchase-receipt"));
    let command = PurchaseCommand::Receive(ReceivePurchase {
        receipt,
        lines: None,
        landed_costs: vec![NewLandedCost {
            label: label("Freight"),
            amount: UnitPrice::parse("amount", Decimal::new(4_500, 2))?,
        }],
        spread: Spread::ByValue,
        rate: ExchangeRate::ONE,
    });
    simulation
        .run::<PurchaseOrder, _>(received, admin, received_on, command)
        .await?;
    // Power tools from abroad, promised three days ago: late.
    let late = purchase(
        simulation,
        admin,
        &abroad,
        at_noon(end - Duration::days(10)),
        Some(end - Duration::days(3)),
        &stocked[5.min(stocked.len())..7.min(stocked.len())],
    )
    .await?;
    send(simulation, admin, late, at_noon(end - Duration::days(10))).await?;
    bill_and_pay_half(simulation, admin, &abroad, late, end).await?;
    purchase(
        simulation,
        admin,
        &home,
        at_noon(end - Duration::days(1)),
        None,
        &stocked[3.min(stocked.len())..4.min(stocked.len())],
    )
    .await?;
    Ok(())
}

/// The supplier abroad bills `order` up front, nine days before `end`, due
/// in a week; half is paid two days before `end`, at that week's rate: an
/// exchange difference is realized and the rest is overdue.
async fn bill_and_pay_half(
    simulation: &mut Simulation,
    admin: UserId,
    supplier: &Supplier,
    order: PurchaseOrderId,
    end: NaiveDate,
) -> anyhow::Result<()> {
    let (state, _) = simulation
        .handler
        .load::<PurchaseOrder>(&CommandHandler::stream::<PurchaseOrder>(order)?)?;
    let Some(total) = state.map(|order| order.total()) else {
        return Ok(());
    };
    let (rates, _) = simulation
        .handler
        .load::<Rates>(&CommandHandler::stream::<Rates>(rates_id(
            supplier.currency,
        ))?)?;
    let rate_on = |day: NaiveDate| -> anyhow::Result<ExchangeRate> {
        let (_, rate) = rates.on(day).ok_or_else(|| {
            anyhow::anyhow!("the demo has no {} rate on {day}", supplier.currency)
        })?;
        Ok(ExchangeRate::parse("rate", rate)?)
    };
    let issued_on = end - Duration::days(9);
    let invoice = SupplierInvoiceId::from_uuid(simulation.next_id("supplier-invoice"));
    let record = PayableCommand::RecordInvoice(RecordSupplierInvoice {
        invoice,
        order: Some(order),
        number: label("PTC-2291"),
        currency: supplier.currency,
        amount: UnitPrice::parse("amount", total)?,
        rate: rate_on(issued_on)?,
        issued_on,
        due: issued_on + Duration::days(7),
    });
    simulation
        .run::<Payable, _>(supplier.party, admin, at_noon(issued_on), record)
        .await?;
    let paid_on = end - Duration::days(2);
    let half = (total / Decimal::TWO).round_dp(2);
    let pay = PayableCommand::Pay(PaySupplier {
        payment: SupplierPaymentId::from_uuid(simulation.next_id("supplier-payment")),
        method: PaymentMethod::BankTransfer,
        currency: supplier.currency,
        amount: UnitPrice::parse("amount", half)?,
        rate: rate_on(paid_on)?,
        allocations: None,
        reference: Some(label("Wire 0042")),
    });
    simulation
        .run::<Payable, _>(supplier.party, admin, at_noon(paid_on), pay)
        .await?;
    Ok(())
}

async fn register(
    simulation: &mut Simulation,
    admin: UserId,
    day: DateTime<Utc>,
    name: &str,
    currency: Currency,
) -> anyhow::Result<Supplier> {
    let party = super::register_company(simulation, admin, day, name).await?;
    let roles = PartyCommand::SetRoles(PartyRoles {
        customer: false,
        supplier: true,
    });
    simulation.run::<Party, _>(party, admin, day, roles).await?;
    Ok(Supplier { party, currency })
}

/// Drafts a purchase order of `products`: 20 to 110 of each, at a buying
/// price between 0.30 and 90.00 in the supplier's currency.
async fn purchase(
    simulation: &mut Simulation,
    admin: UserId,
    supplier: &Supplier,
    day: DateTime<Utc>,
    expected_on: Option<NaiveDate>,
    products: &[ProductId],
) -> anyhow::Result<PurchaseOrderId> {
    let order = PurchaseOrderId::from_uuid(simulation.next_id("purchase-order"));
    let draft = PurchaseCommand::Draft(DraftPurchase {
        order,
        supplier: supplier.party,
        warehouse: simulation.warehouses[0],
        branch: None,
        currency: supplier.currency,
        buyer: Some(admin),
        reference: None,
        expected_on,
    });
    simulation
        .run::<PurchaseOrder, _>(order, admin, day, draft)
        .await?;
    for product in products {
        let quantity = Decimal::from(simulation.rng.random_range(2..12) * 10);
        let price = Decimal::new(simulation.rng.random_range(30..9_000), 2);
        let line = PurchaseCommand::AddLine {
            product: *product,
            quantity: Quantity::parse("quantity", quantity)?,
            unit_price: UnitPrice::parse("unit_price", price)?,
        };
        simulation
            .run::<PurchaseOrder, _>(order, admin, day, line)
            .await?;
    }
    Ok(order)
}

async fn send(
    simulation: &mut Simulation,
    admin: UserId,
    order: PurchaseOrderId,
    day: DateTime<Utc>,
) -> anyhow::Result<()> {
    simulation
        .run::<PurchaseOrder, _>(order, admin, day, PurchaseCommand::Send)
        .await?;
    Ok(())
}
