//! The demo company's one customer abroad: an export price list in USD and
//! a sale to them, shipped and invoiced three weeks before the end at that
//! week's rate (the processes value the invoice) and paid in full ten days
//! later at the next rate, so the sales report in dollars shows the
//! exchange difference the payment realized. Runs after the buying, which
//! sets the company currency and the weekly dollar rates.

use chrono::{Duration, NaiveDate, Utc};
use domain::Issued;
use domain::catalog::{PriceList, PriceListCommand, PriceScope, Quantity, UnitPrice};
use domain::currency::{Rates, rates_id};
use domain::finance::{Account, AccountCommand, PaymentMethod};
use domain::ids::{InvoiceId, PaymentId, PriceListId, ShipmentId, UserId};
use domain::inventory::Stock;
use domain::sales::{Order, OrderCommand};
use domain::values::{Currency, ExchangeRate, Money};
use rust_decimal::Decimal;

use super::{Simulation, Terms, at_noon, label};
use crate::commands::CommandHandler;
use crate::process::stock_stream;
use crate::trade::ship_order;

/// Writes the export sale, ending `end` (today).
pub(super) async fn seed(
    simulation: &mut Simulation,
    admin: UserId,
    end: NaiveDate,
) -> anyhow::Result<()> {
    let usd = Currency::parse("currency", "USD")?;
    let Some(product) = simulation
        .products
        .iter()
        .find(|(_, stocked)| *stocked)
        .map(|(product, _)| *product)
    else {
        return Ok(());
    };
    let opened = at_noon(end - Duration::days(30));
    let price_list = PriceListId::from_uuid(simulation.next_id("price-list"));
    let define = PriceListCommand::Define {
        name: label("Export USD"),
        currency: usd,
        prices_include_vat: false,
    };
    simulation
        .run::<PriceList, _>(price_list, admin, opened, define)
        .await?;
    // Half again what a unit costs in stock, in dollars at about 0.92.
    let (stock, _) = simulation
        .handler
        .load::<Stock>(&stock_stream(product, simulation.warehouses[0])?)?;
    let dollars = (stock.average_cost * Decimal::new(15, 1) / Decimal::new(92, 2)).round_dp(2);
    let price = PriceListCommand::SetPrice {
        product,
        scope: PriceScope::Everyone,
        min_quantity: Quantity::parse_break("min_quantity", Decimal::ZERO)?,
        unit_price: UnitPrice::parse("unit_price", dollars.max(Decimal::ONE))?,
    };
    simulation
        .run::<PriceList, _>(price_list, admin, opened, price)
        .await?;
    let customer =
        super::register_company(simulation, admin, opened, "Harbour Imports Ltd").await?;

    let sold_on = end - Duration::days(21);
    let terms = Terms {
        price_list,
        currency: usd,
        reference: "Export, FOB Hamburg",
    };
    let order = super::sell(
        simulation,
        customer,
        admin,
        at_noon(sold_on),
        (product, 8),
        terms,
    )
    .await?;
    simulation.processes.catch_up().await?;
    let shipment = ShipmentId::from_uuid(simulation.next_id("shipment"));
    let issued = Issued::new(admin, Utc::now(), ()).backdated(at_noon(sold_on));
    let execution = simulation.execution(admin);
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
    simulation.tolerate(shipped)?;
    let invoice = OrderCommand::Invoice {
        invoice: InvoiceId::from_uuid(simulation.next_id("invoice")),
        shipment: None,
        due: sold_on + Duration::days(30),
    };
    let invoiced = simulation
        .run::<Order, _>(order, admin, at_noon(sold_on), invoice)
        .await;
    simulation.tolerate(invoiced)?;
    simulation.processes.catch_up().await?;

    // Paid in full ten days later, at that week's rate.
    let (account, _) = simulation
        .handler
        .load::<Account>(&CommandHandler::stream::<Account>(customer)?)?;
    let owed = account.receivable(usd);
    if owed <= Decimal::ZERO {
        return Ok(());
    }
    let paid_on = sold_on + Duration::days(10);
    let (rates, _) = simulation
        .handler
        .load::<Rates>(&CommandHandler::stream::<Rates>(rates_id(usd))?)?;
    let rate = rates
        .on(paid_on)
        .map(|(_, rate)| ExchangeRate::parse("rate", rate))
        .transpose()?;
    let pay = AccountCommand::ReceivePayment {
        payment: PaymentId::from_uuid(simulation.next_id("payment")),
        method: PaymentMethod::BankTransfer,
        amount: Money::parse("amount", owed, usd)?,
        allocations: None,
        reference: Some(label("SWIFT 7781")),
        rate,
    };
    simulation
        .run::<Account, _>(customer, admin, at_noon(paid_on), pay)
        .await?;
    Ok(())
}
