//! Sales order rules as given / when / then.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::catalog::{PriceScope, PriceSource};
use crate::testing::{given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse("quantity", dec(text)).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn order_id() -> OrderId {
    id(1)
}

fn drafted() -> OrderEvent {
    OrderEvent::Drafted(OrderDrafted {
        order: order_id(),
        party: id(2),
        deal: Some(id(5)),
        price_list: id(4),
        currency: eur(),
        warehouse: id(3),
        branch: None,
        manager: None,
        reference: None,
    })
}

fn line_added(line: u32, product: u128, quantity: &str) -> OrderEvent {
    OrderEvent::LineAdded(OrderLineAdded {
        line,
        product: id(product),
        quantity: dec(quantity),
        discount_percent: None,
    })
}

fn resolved(unit_price: &str) -> ResolvedPrice {
    ResolvedPrice {
        currency: eur(),
        list_price: dec(unit_price),
        source: PriceSource {
            scope: PriceScope::Everyone,
            min_quantity: Decimal::ZERO,
        },
        discount: None,
        unit_price: dec(unit_price),
        vat_percent: dec("20"),
        prices_include_vat: false,
    }
}

fn pricing(line: u32, product: u128, unit_price: &str, stock_tracked: bool) -> LinePricing {
    LinePricing {
        line,
        product: id(product),
        price: resolved(unit_price).into(),
        stock_tracked,
    }
}

fn amounts(net: &str, vat: &str, gross: &str) -> Amounts {
    Amounts {
        net: dec(net),
        vat: dec(vat),
        gross: dec(gross),
    }
}

/// Line 1: 10 × goods (product 10) at 3.00; line 2: one service (product
/// 11) at 50.00; VAT 20 % on top.
fn confirmed_line(
    line: u32,
    product: u128,
    quantity: &str,
    price: &str,
    net: &str,
) -> ConfirmedLine {
    let net = dec(net);
    let vat = round_amount(net * dec("0.2"));
    ConfirmedLine {
        line,
        product: id(product),
        quantity: dec(quantity),
        list_price: dec(price),
        unit_price: dec(price),
        discount_percent: None,
        vat_percent: dec("20"),
        amounts: Amounts {
            net,
            vat,
            gross: net + vat,
        },
        reservation: (product == 10).then(|| ReservationId::for_order_line(order_id(), line)),
    }
}

fn confirmed() -> OrderEvent {
    let lines = vec![
        confirmed_line(1, 10, "10", "3", "30"),
        confirmed_line(2, 11, "1", "50", "50"),
    ];
    OrderEvent::Confirmed(OrderConfirmed {
        party: id(2),
        deal: Some(id(5)),
        warehouse: id(3),
        currency: eur(),
        prices_include_vat: false,
        total: Amounts::sum(lines.iter().map(|line| &line.amounts)),
        lines,
    })
}

fn history() -> Vec<OrderEvent> {
    vec![
        drafted(),
        line_added(1, 10, "10"),
        line_added(2, 11, "1"),
        confirmed(),
    ]
}

fn with(
    mut events: Vec<OrderEvent>,
    more: impl IntoIterator<Item = OrderEvent>,
) -> Vec<OrderEvent> {
    events.extend(more);
    events
}

fn ship_line(line: u32, quantity_text: &str) -> ShipLine {
    ShipLine {
        line,
        quantity: quantity(quantity_text),
    }
}

fn shipped(shipment: u128, lines: &[(u32, &str)], complete: bool) -> OrderEvent {
    OrderEvent::Shipped(OrderShipped {
        shipment: id(shipment),
        warehouse: id(3),
        lines: lines
            .iter()
            .map(|(line, quantity)| ShippedLine {
                line: *line,
                product: id(if *line == 1 { 10 } else { 11 }),
                quantity: dec(quantity),
                reservation: (*line == 1).then(|| ReservationId::for_order_line(order_id(), 1)),
            })
            .collect(),
        complete,
    })
}

fn ship(shipment: u128, lines: Option<Vec<ShipLine>>) -> Issued<OrderCommand> {
    issue(OrderCommand::Ship {
        shipment: id(shipment),
        lines,
    })
}

fn invoice(invoice: u128, shipment: Option<u128>) -> Issued<OrderCommand> {
    issue(OrderCommand::Invoice {
        invoice: id(invoice),
        shipment: shipment.map(id),
        due: NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
    })
}

fn decided(history: &[OrderEvent], command: Issued<OrderCommand>) -> Vec<OrderEvent> {
    Order::decide(&Order::replay(history), &command).unwrap()
}

/// Protects the order's start: drafted once, with its own id.
#[test]
fn an_order_is_drafted_once() {
    let draft = DraftOrder {
        order: order_id(),
        party: id(2),
        deal: Some(id(5)),
        price_list: id(4),
        currency: eur(),
        warehouse: id(3),
        branch: None,
        manager: None,
        reference: None,
    };
    given::<Order>([])
        .when(issue(OrderCommand::Draft(draft.clone())))
        .then(vec![drafted()]);
    given::<Order>([drafted()])
        .when(issue(OrderCommand::Draft(draft)))
        .then_rejected("order.already_exists");
    given::<Order>([])
        .when(issue(OrderCommand::Cancel {
            reason: Label::parse("reason", "no").unwrap(),
        }))
        .then_not_found();
}

/// Protects the draft: lines are numbered in order, never reused, and
/// change only while the order is a draft.
#[test]
fn lines_are_numbered_and_change_only_in_a_draft() {
    let add = |product: u128| {
        issue(OrderCommand::AddLine {
            product: id(product),
            quantity: quantity("2"),
            discount_percent: None,
        })
    };
    given::<Order>([
        drafted(),
        line_added(1, 10, "1"),
        OrderEvent::LineRemoved(OrderLineRemoved { line: 1 }),
    ])
    .when(add(11))
    .then(vec![line_added(2, 11, "2")]);
    given::<Order>([drafted(), line_added(1, 10, "1")])
        .when(issue(OrderCommand::ChangeLineQuantity {
            line: 1,
            quantity: quantity("4"),
        }))
        .then(vec![OrderEvent::LineQuantityChanged(
            OrderLineQuantityChanged {
                line: 1,
                quantity: dec("4"),
            },
        )]);
    given::<Order>([drafted(), line_added(1, 10, "1")])
        .when(issue(OrderCommand::ChangeLineQuantity {
            line: 1,
            quantity: quantity("1"),
        }))
        .then_nothing();
    given::<Order>([drafted()])
        .when(issue(OrderCommand::RemoveLine { line: 9 }))
        .then_invalid("line");
    given::<Order>(history())
        .when(add(10))
        .then_rejected("order.not_draft");
}

/// Protects pricing: confirmation freezes the resolved price of every line,
/// with VAT per line rounded to cents, and names the reservation of each
/// line of goods (a service has none).
#[test]
fn confirming_freezes_prices_and_names_reservations_for_goods() {
    given::<Order>([drafted(), line_added(1, 10, "10"), line_added(2, 11, "1")])
        .when(issue(OrderCommand::Confirm {
            pricing: vec![pricing(1, 10, "3", true), pricing(2, 11, "50", false)],
        }))
        .then(vec![confirmed()]);
}

/// Protects pricing: a manual discount on a line comes off the resolved
/// price; prices that include VAT have it taken out, not added.
#[test]
fn a_line_discount_and_prices_with_vat_are_applied() {
    let mut discounted = line_added(1, 10, "3");
    if let OrderEvent::LineAdded(line) = &mut discounted {
        line.discount_percent = Some(dec("10"));
    }
    let mut price = pricing(1, 10, "10", true);
    price.price.prices_include_vat = true;
    let events = decided(
        &[drafted(), discounted],
        issue(OrderCommand::Confirm {
            pricing: vec![price],
        }),
    );
    let OrderEvent::Confirmed(confirmed) = &events[0] else {
        panic!("expected a confirmation, got {events:?}");
    };
    assert_eq!(confirmed.lines[0].unit_price, dec("9"));
    // 27.00 gross with 20 % inside: VAT 4.50, net 22.50.
    assert_eq!(
        confirmed.lines[0].amounts,
        amounts("22.50", "4.50", "27.00")
    );
    assert!(confirmed.prices_include_vat);
}

/// Protects pricing: every line is priced exactly once, for its product, in
/// the order's currency, and an empty order cannot be confirmed.
#[test]
fn confirming_needs_one_price_per_line_in_the_orders_currency() {
    let lines = [drafted(), line_added(1, 10, "10"), line_added(2, 11, "1")];
    let confirm = |pricing| issue(OrderCommand::Confirm { pricing });
    given::<Order>(lines.clone())
        .when(confirm(vec![pricing(1, 10, "3", true)]))
        .then_invalid("pricing");
    given::<Order>(lines.clone())
        .when(confirm(vec![
            pricing(1, 10, "3", true),
            pricing(2, 12, "1", false),
        ]))
        .then_invalid("pricing");
    given::<Order>(lines.clone())
        .when(confirm(vec![
            pricing(1, 10, "3", true),
            pricing(1, 10, "3", true),
        ]))
        .then_invalid("pricing");
    let mut dollars = pricing(2, 11, "50", false);
    dollars.price.currency = Currency::parse("currency", "USD").unwrap();
    given::<Order>(lines)
        .when(confirm(vec![pricing(1, 10, "3", true), dollars]))
        .then_rejected("order.currency_mismatch");
    given::<Order>([drafted()])
        .when(confirm(vec![]))
        .then_rejected("order.no_lines");
}

/// Protects the order of things: nothing ships before confirmation.
#[test]
fn an_order_cannot_ship_before_it_is_confirmed() {
    given::<Order>([drafted(), line_added(1, 10, "10")])
        .when(ship(20, None))
        .then_rejected("order.not_confirmed");
}

/// Protects stock: a partial shipment, then the rest; more than ordered is
/// refused; repeating a shipment ships nothing twice.
#[test]
fn shipments_may_be_partial_and_never_exceed_the_order() {
    given::<Order>(history())
        .when(ship(20, Some(vec![ship_line(1, "4")])))
        .then(vec![shipped(20, &[(1, "4")], false)]);
    given::<Order>(with(history(), [shipped(20, &[(1, "4")], false)]))
        .when(ship(21, None))
        .then(vec![shipped(21, &[(1, "6"), (2, "1")], true)]);
    given::<Order>(with(history(), [shipped(20, &[(1, "4")], false)]))
        .when(ship(21, Some(vec![ship_line(1, "7")])))
        .then_rejected("order.over_shipment");
    given::<Order>(with(history(), [shipped(20, &[(1, "4")], false)]))
        .when(ship(20, Some(vec![ship_line(1, "4")])))
        .then_nothing();
    given::<Order>(with(history(), [shipped(20, &[(1, "10"), (2, "1")], true)]))
        .when(ship(21, None))
        .then_rejected("order.nothing_to_ship");
    given::<Order>(history())
        .when(ship(20, Some(vec![ship_line(1, "1"), ship_line(1, "1")])))
        .then_invalid("lines[1]");
}

/// Protects invoicing: a shipment is invoiced pro rata, the rest of the
/// order takes exactly what is left, and nothing is invoiced twice.
#[test]
fn invoices_of_parts_add_up_to_the_order() {
    // 3 of 10 units at 3.00 = 9.00 net.
    let first = with(history(), [shipped(20, &[(1, "3")], false)]);
    let events = decided(&first, invoice(30, Some(20)));
    let OrderEvent::Invoiced(part) = &events[0] else {
        panic!("expected an invoice, got {events:?}");
    };
    assert_eq!(part.total, amounts("9.00", "1.80", "10.80"));
    let second = with(first, events.clone());
    let events = decided(&second, invoice(31, None));
    let OrderEvent::Invoiced(rest) = &events[0] else {
        panic!("expected an invoice, got {events:?}");
    };
    let OrderEvent::Confirmed(whole) = confirmed() else {
        unreachable!()
    };
    assert_eq!(part.total.add(rest.total), whole.total);
    given::<Order>(with(second.clone(), events.clone()))
        .when(invoice(32, None))
        .then_rejected("order.nothing_to_invoice");
    given::<Order>(second.clone())
        .when(invoice(33, Some(20)))
        .then_rejected("order.already_invoiced");
    given::<Order>(with(second, events))
        .when(invoice(31, None))
        .then_nothing();
}

/// Protects credit notes: only goods shipped and invoiced come back, and
/// the credit is the invoiced price of what came back.
#[test]
fn returns_are_limited_to_goods_shipped_and_invoiced() {
    let shipped_all = with(history(), [shipped(20, &[(1, "10"), (2, "1")], true)]);
    let give_back = |quantity_text: &str| {
        issue(OrderCommand::Return {
            return_id: id(40),
            credit_note: id(41),
            lines: vec![ship_line(1, quantity_text)],
            reason: Label::parse("reason", "broken").unwrap(),
        })
    };
    given::<Order>(shipped_all.clone())
        .when(give_back("1"))
        .then_rejected("order.over_return");
    let invoiced = with(
        shipped_all.clone(),
        decided(&shipped_all, invoice(30, None)),
    );
    let events = decided(&invoiced, give_back("2"));
    let OrderEvent::Returned(returned) = &events[0] else {
        panic!("expected a return, got {events:?}");
    };
    assert_eq!(returned.total, amounts("6.00", "1.20", "7.20"));
    assert!(returned.lines[0].stock_tracked);
    given::<Order>(invoiced.clone())
        .when(give_back("11"))
        .then_rejected("order.over_return");
    given::<Order>(with(invoiced, events))
        .when(give_back("2"))
        .then_nothing();
}

/// Protects stock: cancelling releases every reservation; an order whose
/// goods left cannot be cancelled; a cancelled order refuses everything.
#[test]
fn cancelling_releases_reservations_and_only_before_shipment() {
    let reason = || Label::parse("reason", "customer withdrew").unwrap();
    given::<Order>(history())
        .when(issue(OrderCommand::Cancel { reason: reason() }))
        .then(vec![OrderEvent::Cancelled(OrderCancelled {
            reason: "customer withdrew".to_owned(),
            warehouse: id(3),
            reservations: vec![(id(10), ReservationId::for_order_line(order_id(), 1))],
        })]);
    given::<Order>(with(history(), [shipped(20, &[(1, "1")], false)]))
        .when(issue(OrderCommand::Cancel { reason: reason() }))
        .then_rejected("order.cancel_after_shipment");
    let cancelled = decided(&history(), issue(OrderCommand::Cancel { reason: reason() }));
    given::<Order>(with(history(), cancelled))
        .when(ship(20, None))
        .then_rejected("order.cancelled");
}

/// Protects the end of an order: paid invoices close it only once
/// everything is shipped and invoiced; shipping the last goods of a paid
/// order closes it too.
#[test]
fn an_order_closes_when_shipped_invoiced_and_paid() {
    let paid = |invoice: u128| {
        issue(OrderCommand::RecordInvoicePaid {
            invoice: id(invoice),
        })
    };
    let invoice_paid = OrderEvent::InvoicePaid(OrderInvoicePaid { invoice: id(30) });
    let all_shipped = with(history(), [shipped(20, &[(1, "10"), (2, "1")], true)]);
    let invoiced = with(
        all_shipped.clone(),
        decided(&all_shipped, invoice(30, None)),
    );
    given::<Order>(invoiced.clone()).when(paid(30)).then(vec![
        invoice_paid.clone(),
        OrderEvent::Closed(OrderClosed {}),
    ]);
    given::<Order>(invoiced).when(paid(99)).then_not_found();

    // Invoiced and paid up front, then shipped.
    let prepaid = with(history(), decided(&history(), invoice(30, None)));
    let prepaid = with(prepaid, [invoice_paid.clone()]);
    given::<Order>(prepaid.clone())
        .when(ship(20, Some(vec![ship_line(1, "10")])))
        .then(vec![shipped(20, &[(1, "10")], false)]);
    given::<Order>(prepaid.clone())
        .when(ship(20, None))
        .then(vec![
            shipped(20, &[(1, "10"), (2, "1")], true),
            OrderEvent::Closed(OrderClosed {}),
        ]);
    given::<Order>(with(prepaid, [invoice_paid]))
        .when(paid(30))
        .then_nothing();
}

fn import(amount: Option<&str>) -> ImportSale {
    ImportSale {
        number: Label::parse("number", "A-1").unwrap(),
        party: id(2),
        manager: None,
        branch: None,
        currency: eur(),
        ordered_on: NaiveDate::from_ymd_opt(2019, 5, 1).unwrap(),
        shipped_on: NaiveDate::from_ymd_opt(2019, 5, 3),
        lines: vec![ImportLine {
            product: id(10),
            quantity: quantity("3"),
            unit_price: UnitPrice::parse("unit_price", dec("10")).unwrap(),
            discount_percent: Some(VatRate::parse("discount", dec("10")).unwrap()),
            amount: amount.map(|a| UnitPrice::parse("amount", dec(a)).unwrap()),
            vat: VatRate::parse("vat", dec("0")).unwrap(),
            prices_include_vat: false,
            unit_cost: None,
        }],
    }
}

/// Protects imports: a sale arrives whole, once; the source's own line
/// amount wins over our arithmetic; a different sale under the same
/// number is refused.
#[test]
fn an_imported_sale_arrives_once_and_keeps_the_sources_amounts() {
    let events = ImportedSale::decide(&None, &issue(import(None))).unwrap();
    let SaleEvent::Imported(sale) = &events[0];
    assert_eq!(sale.total.gross, dec("27.00"), "3 × 10.00 less 10 %");
    given::<ImportedSale>(events.clone())
        .when(issue(import(None)))
        .then_nothing();
    given::<ImportedSale>(events)
        .when(issue(import(Some("26.99"))))
        .then_rejected("sale.already_imported");
    let events = ImportedSale::decide(&None, &issue(import(Some("26.99")))).unwrap();
    let SaleEvent::Imported(sale) = &events[0];
    assert_eq!(sale.total.gross, dec("26.99"));
    let mut early = import(None);
    early.shipped_on = NaiveDate::from_ymd_opt(2019, 4, 30);
    given::<ImportedSale>([])
        .when(issue(early))
        .then_invalid("shipped_on");
}

proptest! {
    /// Protects the books: however a line is split into parts (shipments
    /// invoiced, returns), the parts' amounts add up to the line exactly.
    #[test]
    fn parts_of_a_line_add_up_to_the_line(
        quantity_units in 1u32..500,
        price_cents in 0u32..1_000_000,
        vat in prop::sample::select(vec![0u32, 5, 10, 20, 21]),
        include_vat in any::<bool>(),
        cuts in prop::collection::vec(1u32..100, 1..8),
    ) {
        let whole_quantity = Decimal::from(quantity_units);
        let unit_price = Decimal::new(i64::from(price_cents), 2);
        let line = ConfirmedLine {
            line: 1,
            product: id(10),
            quantity: whole_quantity,
            list_price: unit_price,
            unit_price,
            discount_percent: None,
            vat_percent: Decimal::from(vat),
            amounts: Amounts::of(whole_quantity, unit_price, Decimal::from(vat), include_vat),
            reservation: None,
        };
        let mut done = Decimal::ZERO;
        let mut done_amounts = Amounts::default();
        for cut in cuts {
            let part = Decimal::from(cut).min(whole_quantity - done);
            if part <= Decimal::ZERO {
                break;
            }
            let amounts = part_amounts(&line, done, done_amounts, part);
            prop_assert_eq!(amounts.net + amounts.vat, amounts.gross);
            done += part;
            done_amounts = done_amounts.add(amounts);
        }
        let rest = whole_quantity - done;
        if rest > Decimal::ZERO {
            done_amounts = done_amounts.add(part_amounts(&line, done, done_amounts, rest));
        }
        prop_assert_eq!(done_amounts, line.amounts);
    }
}
