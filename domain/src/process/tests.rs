//! What each event causes, and that the causing ids are stable.

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone};

use super::*;
use crate::finance::{InvoiceIssued, InvoiceSettled};
use crate::ids::ReservationId;
use crate::sales::Amounts;
use crate::sales::{
    ConfirmedLine, OrderCancelled, OrderConfirmed, OrderInvoiced, OrderReturned, OrderShipped,
    ReturnedLine, ShippedLine,
};
use crate::testing::id;
use crate::values::Currency;

/// Protects the stock rules: a process never decides to go negative; the
/// application sets the flag from the product's and warehouse's settings.
#[test]
fn stock_commands_take_the_negative_stock_setting_from_the_application() {
    let issue = StockCommand::Issue {
        quantity: Quantity::parse("quantity", dec("1")).unwrap(),
        reservation: None,
        reference: None,
        negative_allowed: false,
    };
    assert!(matches!(
        issue.clone().allowing_negative(true),
        StockCommand::Issue {
            negative_allowed: true,
            ..
        }
    ));
    let release = StockCommand::Release { reservation: id(1) };
    assert_eq!(release.clone().allowing_negative(true), release);
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

fn when() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .unwrap()
}

fn cause() -> Uuid {
    Uuid::from_u128(0xE1)
}

fn order() -> OrderId {
    id(1)
}

fn reactions_to(event: impl Into<CrmEvent>, aggregate: Uuid) -> Vec<Reaction> {
    reactions(cause(), aggregate, when(), &event.into())
        .into_iter()
        .map(|caused| caused.reaction)
        .collect()
}

fn line(line: u32, product: u128, reservation: bool) -> ConfirmedLine {
    ConfirmedLine {
        line,
        product: id(product),
        quantity: dec("2"),
        list_price: dec("1"),
        unit_price: dec("1"),
        discount_percent: None,
        vat_percent: Decimal::ZERO,
        amounts: Amounts::default(),
        reservation: reservation.then(|| ReservationId::for_order_line(order(), line)),
    }
}

fn confirmed(deal: Option<u128>) -> OrderEvent {
    OrderEvent::Confirmed(OrderConfirmed {
        party: id(2),
        deal: deal.map(id),
        warehouse: id(3),
        currency: eur(),
        prices_include_vat: false,
        lines: vec![line(1, 10, true), line(2, 11, false)],
        total: Amounts::default(),
    })
}

/// Protects stock and the pipeline: a confirmed order reserves its goods
/// (not its services) and wins its deal.
#[test]
fn a_confirmed_order_reserves_its_goods_and_wins_its_deal() {
    assert_eq!(
        reactions_to(confirmed(Some(5)), order().as_uuid()),
        vec![
            Reaction::Stock {
                product: id(10),
                warehouse: id(3),
                command: StockCommand::ReserveAvailable {
                    reservation: ReservationId::for_order_line(order(), 1),
                    quantity: Quantity::parse("quantity", dec("2")).unwrap(),
                    negative_allowed: false,
                },
            },
            Reaction::Deal {
                deal: id(5),
                command: DealCommand::Win {
                    amount: None,
                    reason: Some(Label::parse("reason", "order confirmed").unwrap()),
                },
            },
        ]
    );
    assert_eq!(reactions_to(confirmed(None), order().as_uuid()).len(), 1);
}

/// Protects stock: cancelling releases, shipping issues only goods.
#[test]
fn cancelling_releases_and_shipping_issues_goods() {
    let reservation = ReservationId::for_order_line(order(), 1);
    let cancelled = OrderEvent::Cancelled(OrderCancelled {
        reason: "no".to_owned(),
        warehouse: id(3),
        reservations: vec![(id(10), reservation)],
    });
    assert_eq!(
        reactions_to(cancelled, order().as_uuid()),
        vec![Reaction::Stock {
            product: id(10),
            warehouse: id(3),
            command: StockCommand::Release { reservation },
        }]
    );
    let shipped = OrderEvent::Shipped(OrderShipped {
        shipment: id(20),
        warehouse: id(3),
        lines: vec![
            ShippedLine {
                line: 1,
                product: id(10),
                quantity: dec("2"),
                reservation: Some(reservation),
            },
            ShippedLine {
                line: 2,
                product: id(11),
                quantity: dec("1"),
                reservation: None,
            },
        ],
        complete: true,
    });
    let issued = reactions_to(shipped, order().as_uuid());
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert!(matches!(
        &issued[0],
        Reaction::Stock {
            product,
            command: StockCommand::Issue { reservation: Some(_), .. },
            ..
        } if *product == id(10)
    ));
}

/// Protects receivables: an invoiced order puts the invoice on the
/// customer's account; a return takes goods back and issues a credit note.
#[test]
fn invoices_and_returns_reach_the_customers_account() {
    let due = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let invoiced = OrderEvent::Invoiced(OrderInvoiced {
        invoice: id(30),
        party: id(2),
        shipment: None,
        branch: None,
        currency: eur(),
        lines: vec![],
        total: Amounts::default(),
        due,
    });
    assert_eq!(
        reactions_to(invoiced, order().as_uuid()),
        vec![Reaction::Account {
            party: id(2),
            command: AccountCommand::IssueInvoice {
                invoice: id(30),
                order: Some(order()),
                branch: None,
                currency: eur(),
                total: Amounts::default(),
                due,
                rate: None,
            },
        }]
    );
    let returned = OrderEvent::Returned(OrderReturned {
        return_id: id(40),
        credit_note: id(41),
        party: id(2),
        branch: None,
        warehouse: id(3),
        currency: eur(),
        reason: "broken".to_owned(),
        lines: vec![
            ReturnedLine {
                line: 1,
                product: id(10),
                quantity: dec("1"),
                amounts: Amounts::default(),
                stock_tracked: true,
            },
            ReturnedLine {
                line: 2,
                product: id(11),
                quantity: dec("1"),
                amounts: Amounts::default(),
                stock_tracked: false,
            },
        ],
        total: Amounts::default(),
    });
    let reactions = reactions_to(returned, order().as_uuid());
    assert_eq!(reactions.len(), 2, "{reactions:?}");
    let Reaction::Stock {
        product,
        command: StockCommand::Return { reference, .. },
        ..
    } = &reactions[0]
    else {
        panic!("expected goods back into stock, got {:?}", reactions[0]);
    };
    assert_eq!(*product, id(10));
    assert_eq!(
        reference
            .as_ref()
            .and_then(|label| returned_by(label.as_str())),
        Some(id(40)),
        "the stock return names its return"
    );
    assert!(matches!(
        &reactions[1],
        Reaction::Account {
            command: AccountCommand::IssueCreditNote { credit_note, .. },
            ..
        } if *credit_note == id(41)
    ));
}

/// Protects numbering and closing: an issued invoice is numbered in its
/// business year; a settled invoice of an order tells the order.
#[test]
fn issued_invoices_are_numbered_and_settled_ones_reach_their_order() {
    let issued = AccountEvent::InvoiceIssued(InvoiceIssued {
        invoice: id(30),
        order: Some(order()),
        branch: None,
        currency: eur(),
        total: Amounts::default(),
        due: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        rate: None,
        value: None,
    });
    let numbering = reactions_to(issued, Uuid::from_u128(2));
    assert_eq!(
        numbering,
        vec![Reaction::Number {
            series: SeriesId::of(DocumentKind::Invoice, None, 2026),
            document: Uuid::from_u128(30),
            kind: DocumentKind::Invoice,
            branch: None,
            year: 2026,
        }]
    );
    let prefix = Label::parse("prefix", "INV-").unwrap();
    assert_eq!(
        numbering[0].number_command(prefix.clone()),
        Some(NumberDocument {
            document: Uuid::from_u128(30),
            kind: DocumentKind::Invoice,
            branch: None,
            year: 2026,
            prefix,
        })
    );
    let settled = |order: Option<OrderId>| {
        AccountEvent::InvoiceSettled(InvoiceSettled {
            invoice: id(30),
            order,
        })
    };
    assert_eq!(
        reactions_to(settled(Some(order())), Uuid::from_u128(2)),
        vec![Reaction::Order {
            order: order(),
            command: OrderCommand::RecordInvoicePaid { invoice: id(30) },
        }]
    );
    assert!(reactions_to(settled(None), Uuid::from_u128(2)).is_empty());
}

/// Protects idempotency: the same event always causes commands with the
/// same ids, different for each command and each cause, and the events a
/// command appends get ids of their own.
#[test]
fn command_ids_are_derived_from_the_cause_and_stable() {
    let event: CrmEvent = confirmed(Some(5)).into();
    let first = reactions(cause(), order().as_uuid(), when(), &event);
    let again = reactions(cause(), order().as_uuid(), when(), &event);
    assert_eq!(first, again);
    assert_ne!(first[0].command_id, first[1].command_id);
    let other = reactions(Uuid::from_u128(0xE2), order().as_uuid(), when(), &event);
    assert_ne!(first[0].command_id, other[0].command_id);
    assert_ne!(
        event_id(first[0].command_id, 0),
        event_id(first[0].command_id, 1)
    );
    assert_ne!(event_id(first[0].command_id, 0), first[0].command_id);
}

/// Protects return costs in the sales report: the reference a stock return
/// carries names its return, and nothing else is taken for one.
#[test]
fn a_return_reference_names_its_return_and_nothing_else_does() {
    let return_id: ReturnId = id(40);
    assert_eq!(returned_by(&return_reference(return_id)), Some(return_id));
    assert_eq!(
        returned_by("shipment 00000000-0000-0000-0000-000000000028"),
        None
    );
    assert_eq!(returned_by("return to sender"), None);
    assert_eq!(returned_by(""), None);
}

/// Protects the event-id index's buckets and retries across the change:
/// an event id keeps its command's time prefix, is the same every time,
/// differs per index and from the command, and is not the id the same
/// event had before (which lookups try too).
#[test]
fn event_ids_keep_their_commands_time_prefix_and_are_stable() {
    let command = Uuid::now_v7();
    let first = event_id(command, 0);
    assert_eq!(first.as_bytes()[..6], command.as_bytes()[..6]);
    assert_eq!(first.get_version_num(), 8);
    assert_eq!(first.get_variant(), uuid::Variant::RFC4122);
    assert_eq!(first, event_id(command, 0));
    assert_ne!(first, event_id(command, 1));
    assert_ne!(first, command);
    let legacy = legacy_event_id(command, 0);
    assert_ne!(first, legacy);
    assert_eq!(legacy.get_version_num(), 5);
    // The rest of the id is the legacy hash's, so ids of two commands of
    // one millisecond still differ.
    let mut sibling = *command.as_bytes();
    sibling[15] ^= 1;
    assert_ne!(first, event_id(Uuid::from_bytes(sibling), 0));
    assert_eq!(first.as_bytes()[8..], legacy.as_bytes()[8..]);
    // A command id without a time (v5) keeps its events' former ids.
    let keyed = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"an idempotency key");
    assert_eq!(event_id(keyed, 3), legacy_event_id(keyed, 3));
}

/// Protects order numbers: a drafted order is numbered in the series of
/// orders of its branch and business year, at once (so a cancelled order
/// keeps its number and the series has no gap).
#[test]
fn a_drafted_order_is_numbered_in_its_branch_and_year() {
    let branch: BranchId = id(7);
    let drafted = crate::sales::OrderEvent::Drafted(crate::sales::OrderDrafted {
        order: order(),
        party: id(2),
        deal: None,
        price_list: id(3),
        currency: eur(),
        warehouse: id(4),
        branch: Some(branch),
        manager: None,
        reference: None,
    });
    assert_eq!(
        reactions_to(drafted, order().as_uuid()),
        vec![Reaction::Number {
            series: SeriesId::of(DocumentKind::Order, Some(branch), 2026),
            document: order().as_uuid(),
            kind: DocumentKind::Order,
            branch: Some(branch),
            year: 2026,
        }]
    );
    assert_ne!(
        SeriesId::of(DocumentKind::Order, Some(branch), 2026),
        SeriesId::of(DocumentKind::Invoice, Some(branch), 2026),
        "orders have their own series"
    );
}

/// Protects purchase numbers and stock costs: a drafted purchase order is
/// numbered in its own series; a receipt brings each line's goods into
/// its warehouse at the landed unit cost, under a reference that names
/// the receipt.
#[test]
fn a_purchase_order_is_numbered_and_its_receipt_enters_stock_at_landed_cost() {
    use crate::purchasing::{
        PurchaseEvent, PurchaseOrderDrafted, PurchaseReceived, ReceivedLine, Spread,
    };
    let purchase: crate::ids::PurchaseOrderId = id(20);
    let drafted = PurchaseEvent::Drafted(PurchaseOrderDrafted {
        order: purchase,
        supplier: id(2),
        warehouse: id(4),
        branch: None,
        currency: eur(),
        buyer: None,
        reference: None,
        expected_on: None,
    });
    assert_eq!(
        reactions_to(drafted, purchase.as_uuid()),
        vec![Reaction::Number {
            series: SeriesId::of(DocumentKind::PurchaseOrder, None, 2026),
            document: purchase.as_uuid(),
            kind: DocumentKind::PurchaseOrder,
            branch: None,
            year: 2026,
        }]
    );
    let receipt: PurchaseReceiptId = id(21);
    let received = PurchaseEvent::Received(PurchaseReceived {
        receipt,
        supplier: id(2),
        warehouse: id(4),
        currency: eur(),
        rate: dec("1"),
        landed_costs: Vec::new(),
        spread: Spread::ByValue,
        lines: vec![ReceivedLine {
            line: 1,
            product: id(5),
            quantity: dec("10"),
            amount: dec("30"),
            value: dec("30"),
            landed: dec("10"),
            unit_cost: dec("4"),
        }],
        complete: true,
    });
    let reference = purchase_reference(receipt);
    assert_eq!(purchased_by(&reference), Some(receipt));
    assert_eq!(
        reactions_to(received, purchase.as_uuid()),
        vec![Reaction::Stock {
            product: id(5),
            warehouse: id(4),
            command: StockCommand::Receive {
                quantity: Quantity::parse("quantity", dec("10")).unwrap(),
                unit_cost: UnitPrice::parse("unit_cost", dec("4")).unwrap(),
                reference: Some(Label::parse("reference", &reference).unwrap()),
            },
        }]
    );
}

/// Protects a purchase order's end: its supplier's invoice, recorded and
/// then settled, tells the order each time; an invoice of no order tells
/// nothing.
#[test]
fn a_supplier_invoice_tells_its_purchase_order() {
    use crate::payables::{PayableEvent, SupplierInvoiceRecorded, SupplierInvoiceSettled};
    use crate::purchasing::PurchaseCommand;
    let order: crate::ids::PurchaseOrderId = id(30);
    let recorded = |order| {
        PayableEvent::InvoiceRecorded(SupplierInvoiceRecorded {
            invoice: id(31),
            order,
            number: "F-1".into(),
            currency: eur(),
            amount: dec("90"),
            rate: dec("1"),
            value: dec("90"),
            issued_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            due: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        })
    };
    assert_eq!(
        reactions_to(recorded(Some(order)), id::<Uuid>(2)),
        vec![Reaction::Purchase {
            order,
            command: PurchaseCommand::RecordInvoice {
                invoice: id(31),
                amount: dec("90"),
            },
        }]
    );
    assert_eq!(reactions_to(recorded(None), id::<Uuid>(2)), Vec::new());
    let settled = PayableEvent::InvoiceSettled(SupplierInvoiceSettled {
        invoice: id(31),
        order: Some(order),
    });
    assert_eq!(
        reactions_to(settled, id::<Uuid>(2)),
        vec![Reaction::Purchase {
            order,
            command: PurchaseCommand::RecordInvoicePaid { invoice: id(31) },
        }]
    );
}

/// Protects the production saga: release reserves, a completion consumes
/// under the reservations, each consumption is told back with the
/// component's product, the costed output enters stock, and the end lets
/// go of what is left.
#[test]
fn a_production_order_reserves_consumes_and_brings_its_output_in() {
    use crate::inventory::StockConsumed;
    use crate::production::{
        ProductionCompleted, ProductionOrderFinished, ProductionOrderReleased,
        ProductionOutputCosted,
    };
    let production: ProductionOrderId = id(40);
    let reservation: ReservationId = id(41);
    let planned = ProductionEvent::Planned(crate::production::ProductionOrderPlanned {
        order: production,
        product: id(6),
        bom_version: 1,
        warehouse: id(4),
        branch: None,
        quantity: dec("2"),
        due_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
        components: Vec::new(),
        operations_cost: Decimal::ZERO,
    });
    assert_eq!(
        reactions_to(planned, production.as_uuid()),
        vec![Reaction::Number {
            series: SeriesId::of(DocumentKind::ProductionOrder, None, 2026),
            document: production.as_uuid(),
            kind: DocumentKind::ProductionOrder,
            branch: None,
            year: 2026,
        }]
    );
    let held = |quantity: &str| ComponentReservation {
        product: id(5),
        reservation,
        quantity: dec(quantity),
    };
    let released = ProductionEvent::Released(ProductionOrderReleased {
        warehouse: id(4),
        reservations: vec![held("8")],
    });
    assert_eq!(
        reactions_to(released, production.as_uuid()),
        vec![Reaction::Stock {
            product: id(5),
            warehouse: id(4),
            command: StockCommand::ReserveAvailable {
                reservation,
                quantity: Quantity::parse("quantity", dec("8")).unwrap(),
                negative_allowed: false,
            },
        }]
    );
    let completed = ProductionEvent::Completed(ProductionCompleted {
        completion: 2,
        product: id(6),
        warehouse: id(4),
        quantity: dec("1"),
        consumed: vec![held("4")],
    });
    assert_eq!(
        reactions_to(completed, production.as_uuid()),
        vec![Reaction::Stock {
            product: id(5),
            warehouse: id(4),
            command: StockCommand::Consume {
                production,
                completion: 2,
                quantity: Quantity::parse("quantity", dec("4")).unwrap(),
                reservation: Some(reservation),
                negative_allowed: false,
            },
        }]
    );
    let consumed = StockEvent::Consumed(StockConsumed {
        production,
        completion: 2,
        quantity: dec("4"),
        unit_cost: dec("2.5"),
        reservation: Some(reservation),
    });
    assert_eq!(
        reactions_to(consumed, Uuid::from_u128(5)),
        vec![Reaction::Production {
            order: production,
            command: ProductionCommand::RecordConsumption {
                completion: 2,
                product: id(5),
                quantity: dec("4"),
                unit_cost: dec("2.5"),
            },
        }]
    );
    let costed = ProductionEvent::OutputCosted(ProductionOutputCosted {
        completion: 2,
        product: id(6),
        warehouse: id(4),
        quantity: dec("1"),
        components_cost: dec("10"),
        operations_cost: dec("3"),
        unit_cost: dec("13"),
    });
    let reference = output_reference(production, 2);
    assert_eq!(reference, format!("production {production} #2"));
    assert_eq!(produced_by(&reference), Some(production));
    assert_eq!(output_of(&reference), Some((production, Some(2))));
    // Receipts written before they named their completion.
    let older = production_reference(production);
    assert_eq!(output_of(&older), Some((production, None)));
    assert_eq!(produced_by(&older), Some(production));
    for foreign in [
        "production #2".to_owned(),
        format!("production {production} #"),
        format!("production {production} #two"),
        format!("purchase {production}"),
    ] {
        assert_eq!(output_of(&foreign), None, "{foreign}");
    }
    assert_eq!(
        reactions_to(costed, production.as_uuid()),
        vec![Reaction::Stock {
            product: id(6),
            warehouse: id(4),
            command: StockCommand::Receive {
                quantity: Quantity::parse("quantity", dec("1")).unwrap(),
                unit_cost: UnitPrice::parse("unit_cost", dec("13")).unwrap(),
                reference: Some(Label::parse("reference", &reference).unwrap()),
            },
        }]
    );
    let finished = ProductionEvent::Finished(ProductionOrderFinished {
        warehouse: id(4),
        released: vec![held("4")],
    });
    assert_eq!(
        reactions_to(finished, production.as_uuid()),
        vec![Reaction::Stock {
            product: id(5),
            warehouse: id(4),
            command: StockCommand::Release { reservation },
        }]
    );
}
