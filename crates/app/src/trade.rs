//! Trade commands that need more than one aggregate to decide: what the
//! application reads before it asks an order to decide.
//!
//! Confirming an order resolves every line's price from the order's price
//! list for its customer (and the customer's segments) at that moment;
//! the order freezes those prices. Shipping checks the warehouse has the
//! goods before the order records the shipment, so the stock issue the
//! process makes afterwards is not refused.

use domain::Issued;
use domain::catalog::{PriceList, PriceRequest, Product, ProductKind, Quantity, resolve_price};
use domain::error::DomainError;
use domain::ids::{OrderId, PartyId, PriceListId, ProductId};
use domain::inventory::Stock;
use domain::parties::Party;
use domain::sales::{AgreedPrice, LinePricing, Order, OrderCommand, OrderState, ShipLine};
use rust_decimal::Decimal;

use crate::commands::{CommandError, CommandHandler, Executed, Execution};
use crate::process::{negative_stock_allowed, stock_stream};

/// The price of every line of a draft order, resolved now.
pub fn price_order(
    handler: &CommandHandler,
    order: &OrderState,
) -> Result<Vec<LinePricing>, CommandError> {
    let drafted = &order.drafted;
    let wanted: Vec<(u32, ProductId, Decimal)> = order
        .draft_lines
        .iter()
        .map(|(line, draft)| (*line, draft.product, draft.quantity))
        .collect();
    let prices = price_lines(handler, drafted.price_list, drafted.party, &wanted)?;
    Ok(order
        .draft_lines
        .iter()
        .zip(prices)
        .map(|((line, draft), priced)| LinePricing {
            line: *line,
            product: draft.product,
            price: priced.price,
            stock_tracked: priced.stock_tracked,
        })
        .collect())
}

/// One line's price as resolved for a customer now.
#[derive(Clone, Debug, PartialEq)]
pub struct PricedLine {
    pub price: AgreedPrice,
    /// Goods kept in stock, not a service.
    pub stock_tracked: bool,
}

/// The price of each of `lines` (its place, product and quantity) for
/// `customer` (and its segments) from `price_list`, resolved now; a line
/// that has none is refused by its place (`lines[<place>]`).
pub fn price_lines(
    handler: &CommandHandler,
    price_list: PriceListId,
    customer: PartyId,
    lines: &[(u32, ProductId, Decimal)],
) -> Result<Vec<PricedLine>, CommandError> {
    let (list, _) = handler.load::<PriceList>(&CommandHandler::stream::<PriceList>(price_list)?)?;
    let list = list.ok_or_else(|| DomainError::not_found("price list"))?;
    let (party, _) = handler.load::<Party>(&CommandHandler::stream::<Party>(customer)?)?;
    let segments: Vec<String> = party
        .map(|party| party.tags.into_iter().collect())
        .unwrap_or_default();
    let mut priced = Vec::with_capacity(lines.len());
    for (place, product_id, quantity) in lines {
        let (product, _) =
            handler.load::<Product>(&CommandHandler::stream::<Product>(*product_id)?)?;
        let product = product.ok_or_else(|| DomainError::part_not_found("product", *product_id))?;
        let request = PriceRequest {
            product: *product_id,
            party: Some(customer),
            segments: &segments,
            quantity: Quantity::parse("quantity", *quantity)?,
        };
        let price = resolve_price(&list, &product, &request)
            .map_err(|error| error.within(&format!("lines[{place}]")))?;
        priced.push(PricedLine {
            price: price.into(),
            stock_tracked: product.kind == ProductKind::StockTracked,
        });
    }
    Ok(priced)
}

/// An order's stream and its state, which must exist.
fn existing_order(
    handler: &CommandHandler,
    order: OrderId,
) -> Result<(eventlog::StreamName, OrderState), CommandError> {
    let stream = CommandHandler::stream::<Order>(order)?;
    let (state, _) = handler.load::<Order>(&stream)?;
    let state = state.ok_or_else(|| DomainError::part_not_found("order", order))?;
    Ok((stream, state))
}

/// Confirms a draft order at the prices of today.
pub async fn confirm_order(
    handler: &CommandHandler,
    order: OrderId,
    issued: Issued<()>,
    execution: &Execution,
) -> Result<Executed, CommandError> {
    let (stream, state) = existing_order(handler, order)?;
    let pricing = price_order(handler, &state)?;
    let command = issued.with(OrderCommand::Confirm { pricing });
    handler
        .execute::<Order, _>(&stream, &command, execution)
        .await
}

/// Ships an order (all that is left, or the named lines) after checking
/// the warehouse holds the goods: the order's own reservation plus what is
/// free, unless the product or the warehouse allows negative stock.
pub async fn ship_order(
    handler: &CommandHandler,
    order: OrderId,
    shipment: domain::ids::ShipmentId,
    lines: Option<Vec<ShipLine>>,
    issued: Issued<()>,
    execution: &Execution,
) -> Result<Executed, CommandError> {
    let (stream, state) = existing_order(handler, order)?;
    let warehouse = state.drafted.warehouse;
    for (number, progress) in &state.lines {
        let Some(reservation) = progress.confirmed.reservation else {
            continue;
        };
        if negative_stock_allowed(handler, progress.confirmed.product, warehouse)? {
            continue;
        }
        let wanted = match &lines {
            Some(lines) => lines
                .iter()
                .filter(|line| line.line == *number)
                .map(|line| line.quantity.value())
                .sum(),
            None => progress.confirmed.quantity - progress.shipped,
        };
        if wanted <= Decimal::ZERO {
            continue;
        }
        let (stock, _) =
            handler.load::<Stock>(&stock_stream(progress.confirmed.product, warehouse)?)?;
        let held = stock
            .reservations
            .get(&reservation)
            .copied()
            .unwrap_or_default();
        let available = stock.available() + held.min(wanted);
        if wanted > available {
            return Err(DomainError::rejected(
                "stock.insufficient",
                format!("line {number}: {wanted} to ship, {available} in the warehouse"),
            )
            .into());
        }
    }
    let command = issued.with(OrderCommand::Ship { shipment, lines });
    handler
        .execute::<Order, _>(&stream, &command, execution)
        .await
}
