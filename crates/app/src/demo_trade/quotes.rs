//! The demo company's quotes near the end of the span, one of each kind a
//! sales manager meets: accepted (the processes make its order at the
//! quoted prices), declined with a reason, revised and sent (waiting for
//! the customer), a draft, and one whose validity passed (expired). Each
//! is priced for its customer from the demo's price list, as the use case
//! prices one.

use chrono::{Duration, NaiveDate};
use domain::catalog::{Quantity, VatRate};
use domain::ids::{OrderId, PartyId, ProductId, QuoteId, UserId};
use domain::quotes::{DraftQuote, Quote, QuoteCommand, QuoteLine, Revision};
use domain::values::Text;
use rust_decimal::Decimal;

use super::{Simulation, at_noon, label};
use crate::trade::price_lines;

/// What becomes of a demo quote.
#[derive(Clone, Copy)]
enum Fate {
    Accepted,
    Declined,
    RevisedAndSent,
    Draft,
    Expired,
}

/// Writes the quotes, ending `end` (today), for `customers`.
pub(super) async fn seed(
    simulation: &mut Simulation,
    manager: UserId,
    customers: &[PartyId],
    end: NaiveDate,
) -> anyhow::Result<()> {
    let products: Vec<ProductId> = simulation
        .products
        .iter()
        .filter(|(_, stocked)| *stocked)
        .map(|(product, _)| *product)
        .take(3)
        .collect();
    if products.len() < 2 {
        return Ok(());
    }
    let fates = [
        (Fate::Accepted, 9),
        (Fate::Declined, 12),
        (Fate::RevisedAndSent, 4),
        (Fate::Draft, 1),
        (Fate::Expired, 25),
    ];
    for ((fate, days_ago), customer) in fates.into_iter().zip(customers.iter().copied()) {
        let drafted_on = end - Duration::days(days_ago);
        let valid_days = if matches!(fate, Fate::Expired) { 7 } else { 30 };
        // A product the list no longer prices leaves this quote out.
        let Ok(first) = priced_revision(
            simulation,
            customer,
            &products,
            drafted_on + Duration::days(valid_days),
            days_ago,
        ) else {
            continue;
        };
        let quote = QuoteId::from_uuid(simulation.next_id("quote"));
        let draft = QuoteCommand::Draft(DraftQuote {
            quote,
            party: customer,
            deal: None,
            price_list: simulation.price_list,
            currency: simulation.eur,
            warehouse: simulation.warehouses[0],
            branch: None,
            owner: manager,
            revision: first,
        });
        let drafted_at = at_noon(drafted_on);
        let result = simulation
            .run::<Quote, _>(quote, manager, drafted_at, draft)
            .await;
        simulation.tolerate(result)?;
        let later = at_noon(drafted_on + Duration::days(1));
        let mut commands = Vec::new();
        match fate {
            Fate::Draft => {}
            Fate::Accepted => {
                commands.push((later, QuoteCommand::Send));
                let order = OrderId::from_uuid(simulation.next_id("order"));
                commands.push((
                    at_noon(drafted_on + Duration::days(3)),
                    QuoteCommand::Accept { order },
                ));
            }
            Fate::Declined => {
                commands.push((later, QuoteCommand::Send));
                commands.push((
                    at_noon(drafted_on + Duration::days(5)),
                    QuoteCommand::Decline {
                        reason: label("Bought from a competitor"),
                    },
                ));
            }
            Fate::RevisedAndSent => {
                commands.push((later, QuoteCommand::Send));
                if let Ok(second) = priced_revision(
                    simulation,
                    customer,
                    &products,
                    end + Duration::days(21),
                    days_ago + 1,
                ) {
                    commands.push((later, QuoteCommand::Revise(second)));
                    commands.push((later, QuoteCommand::Send));
                }
            }
            Fate::Expired => {
                commands.push((later, QuoteCommand::Send));
                commands.push((
                    at_noon(drafted_on + Duration::days(8)),
                    QuoteCommand::Expire,
                ));
            }
        }
        for (day, command) in commands {
            let result = simulation
                .run::<Quote, _>(quote, manager, day, command)
                .await;
            simulation.tolerate(result)?;
        }
    }
    Ok(())
}

/// Lines of two or three products priced for `customer` now, the first
/// with a 5 % discount, valid until `until`.
fn priced_revision(
    simulation: &Simulation,
    customer: PartyId,
    products: &[ProductId],
    until: NaiveDate,
    units: i64,
) -> anyhow::Result<Revision> {
    let wanted: Vec<(u32, ProductId, Decimal)> = products
        .iter()
        .zip(0u32..)
        .map(|(product, place)| {
            (
                place,
                *product,
                Decimal::from(units % 5 + 1 + i64::from(place)),
            )
        })
        .collect();
    let priced = price_lines(
        &simulation.handler,
        simulation.price_list,
        customer,
        &wanted,
    )?;
    let lines = wanted
        .iter()
        .zip(priced)
        .map(|((place, product, quantity), priced)| {
            Ok(QuoteLine {
                product: *product,
                quantity: Quantity::parse("quantity", *quantity)?,
                discount_percent: (*place == 0)
                    .then(|| VatRate::parse("discount_percent", Decimal::from(5)))
                    .transpose()?,
                price: priced.price,
                stock_tracked: priced.stock_tracked,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Revision {
        lines,
        valid_until: until,
        terms: Some(Text::parse(
            "terms",
            "Delivery within 5 working days from our Main warehouse.\n\nPayment 14 days net.",
        )?),
    })
}
