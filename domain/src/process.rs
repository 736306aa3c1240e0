//! Process managers: what an event of one aggregate causes in others.
//!
//! Each rule is a pure function of one stored event: an order confirmed
//! reserves its stock and wins its deal; cancelled, it releases the stock;
//! shipped, it issues the stock; invoiced, it puts the invoice on the
//! customer's account; returned, it takes the goods back and credits the
//! customer; an invoice or credit note issued gets its number; an invoice
//! paid in full tells its order, which closes when nothing is left to do.
//! A purchase order drafted gets its number; received, its goods enter
//! stock at their landed unit cost. A production order planned gets its
//! number; released, it reserves
//! its components; a completion consumes them, each consumption is told
//! back to the order, and the output, once costed, enters stock; finished
//! or cancelled, the order lets go of what is still reserved.
//!
//! Every reaction carries a command id derived from the causing event's id
//! and the reaction's place in the list, so running a rule twice for the
//! same event (a replay, a restart before the checkpoint was saved) yields
//! the same ids. The application derives the ids of the events a command
//! appends from its command id, and the log stores an event id only once:
//! an effect is never doubled.

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::catalog::{Quantity, UnitPrice, VatRate};
use crate::events::CrmEvent;
use crate::finance::{AccountCommand, AccountEvent, DocumentKind, NumberDocument};
use crate::ids::{
    BranchId, DealId, OrderId, PartyId, ProductId, ProductionOrderId, PurchaseOrderId,
    PurchaseReceiptId, ReturnId, SeriesId, WarehouseId, derived,
};
use crate::inventory::{StockCommand, StockEvent};
use crate::payables::PayableEvent;
use crate::pipeline::DealCommand;
use crate::production::{ComponentReservation, ProductionCommand, ProductionEvent};
use crate::purchasing::{PurchaseCommand, PurchaseEvent};
use crate::quotes::{QuoteAccepted, QuoteEvent};
use crate::sales::{AgreedPrice, DraftOrder, LinePricing, OrderCommand, OrderEvent};
use crate::values::{Label, Money};

/// A command a process issues, addressed to the aggregate it concerns.
#[derive(Clone, Debug, PartialEq)]
pub enum Reaction {
    /// A command on the stock of a product in a warehouse. Where it has a
    /// `negative_allowed` flag the flag is `false`: the application sets
    /// it from the product's and the warehouse's settings
    /// ([`StockCommand::allowing_negative`]).
    Stock {
        product: ProductId,
        warehouse: WarehouseId,
        command: StockCommand,
    },
    /// A command on a deal that is still open: a deal won or lost by hand
    /// stays as it is.
    Deal { deal: DealId, command: DealCommand },
    Account {
        party: PartyId,
        command: AccountCommand,
    },
    Order {
        order: OrderId,
        command: OrderCommand,
    },
    Purchase {
        order: PurchaseOrderId,
        command: PurchaseCommand,
    },
    Production {
        order: ProductionOrderId,
        command: ProductionCommand,
    },
    /// Give a document its number in the series of its kind, branch and
    /// year; the printed prefix is a setting of the application.
    Number {
        series: SeriesId,
        document: Uuid,
        kind: DocumentKind,
        branch: Option<BranchId>,
        year: i32,
    },
}

impl Reaction {
    fn number(document: Uuid, kind: DocumentKind, branch: Option<BranchId>, year: i32) -> Self {
        Self::Number {
            series: SeriesId::of(kind, branch, year),
            document,
            kind,
            branch,
            year,
        }
    }

    /// The numbering command of a [`Reaction::Number`], with the prefix
    /// printed before the year; `None` for any other reaction.
    pub fn number_command(&self, prefix: Label) -> Option<NumberDocument> {
        match self {
            Self::Number {
                document,
                kind,
                branch,
                year,
                ..
            } => Some(NumberDocument {
                document: *document,
                kind: *kind,
                branch: *branch,
                year: *year,
                prefix,
            }),
            _ => None,
        }
    }
}

/// A reaction and the id of the command that carries it out.
#[derive(Clone, Debug, PartialEq)]
pub struct Caused {
    pub command_id: Uuid,
    pub reaction: Reaction,
}

/// What the stored event `event_id` (of the aggregate `aggregate`, at
/// business time `occurred_at`) causes elsewhere.
pub fn reactions(
    event_id: Uuid,
    aggregate: Uuid,
    occurred_at: DateTime<Utc>,
    event: &CrmEvent,
) -> Vec<Caused> {
    let reactions = match event {
        CrmEvent::Order(event) => {
            order_reactions(OrderId::from_uuid(aggregate), occurred_at.year(), event)
        }
        CrmEvent::Account(event) => account_reactions(occurred_at.year(), event),
        CrmEvent::Purchase(event) => purchase_reactions(aggregate, occurred_at.year(), event),
        CrmEvent::Payable(event) => payable_reactions(event),
        CrmEvent::Quote(event) => quote_reactions(aggregate, occurred_at.year(), event),
        CrmEvent::Production(event) => production_reactions(
            ProductionOrderId::from_uuid(aggregate),
            occurred_at.year(),
            event,
        ),
        CrmEvent::Stock(StockEvent::Consumed(consumed)) => vec![Reaction::Production {
            order: consumed.production,
            command: ProductionCommand::RecordConsumption {
                completion: consumed.completion,
                product: ProductId::from_uuid(aggregate),
                quantity: consumed.quantity,
                unit_cost: consumed.unit_cost,
            },
        }],
        _ => Vec::new(),
    };
    reactions
        .into_iter()
        .enumerate()
        .map(|(index, reaction)| Caused {
            command_id: command_id(event_id, index),
            reaction,
        })
        .collect()
}

/// The reference of the stock movement that takes a return's goods back
/// (`return <id>`): the one link from a `StockReturned` to the return
/// that caused it, which the sales read model follows to put the goods'
/// cost back on the return.
pub fn return_reference(return_id: ReturnId) -> String {
    format!("{RETURN_REFERENCE_PREFIX}{return_id}")
}

/// The return a stock movement's reference names, if it was written by
/// [`return_reference`].
pub fn returned_by(reference: &str) -> Option<ReturnId> {
    reference
        .strip_prefix(RETURN_REFERENCE_PREFIX)
        .and_then(|id| id.parse().ok())
}

const RETURN_REFERENCE_PREFIX: &str = "return ";

/// The reference of the stock movement that brings a purchase receipt's
/// goods in (`purchase <receipt id>`).
pub fn purchase_reference(receipt: PurchaseReceiptId) -> String {
    format!("{PURCHASE_REFERENCE_PREFIX}{receipt}")
}

/// The purchase receipt a stock movement's reference names, if it was
/// written by [`purchase_reference`].
pub fn purchased_by(reference: &str) -> Option<PurchaseReceiptId> {
    reference
        .strip_prefix(PURCHASE_REFERENCE_PREFIX)
        .and_then(|id| id.parse().ok())
}

const PURCHASE_REFERENCE_PREFIX: &str = "purchase ";

/// The reference of a production order's stock movements
/// (`production <order id>`).
pub fn production_reference(order: ProductionOrderId) -> String {
    format!("{PRODUCTION_REFERENCE_PREFIX}{order}")
}

/// The reference of the receipt that brings a completion's output in
/// (`production <order id> #<completion>`): the completion is named so
/// that the receipt's cost can be followed back to what was consumed.
pub fn output_reference(order: ProductionOrderId, completion: u32) -> String {
    format!("{PRODUCTION_REFERENCE_PREFIX}{order}{COMPLETION_MARK}{completion}")
}

/// The production order a stock movement's reference names, if it was
/// written by [`production_reference`] or [`output_reference`].
pub fn produced_by(reference: &str) -> Option<ProductionOrderId> {
    output_of(reference).map(|(order, _)| order)
}

/// The production order and, when named, the completion a stock
/// movement's reference names. Receipts written before they named their
/// completion name only the order.
pub fn output_of(reference: &str) -> Option<(ProductionOrderId, Option<u32>)> {
    let rest = reference.strip_prefix(PRODUCTION_REFERENCE_PREFIX)?;
    match rest.split_once(COMPLETION_MARK) {
        Some((order, completion)) => Some((order.parse().ok()?, Some(completion.parse().ok()?))),
        None => Some((rest.parse().ok()?, None)),
    }
}

const PRODUCTION_REFERENCE_PREFIX: &str = "production ";
const COMPLETION_MARK: &str = " #";

/// The id of the `index`th command caused by the event `event_id`.
pub fn command_id(event_id: Uuid, index: usize) -> Uuid {
    derived(event_id, format!("reaction:{index}").as_bytes())
}

/// The id of the `index`th event a command appends: the same every time,
/// so a retry finds its events, and as time-ordered as the command id.
///
/// For a v7 command id, its first six bytes are the command id's (its
/// millisecond); the rest come from the name-based id [`legacy_event_id`]
/// gives, marked as a version 8 (custom) UUID. The event log keeps the ids
/// of one commit group that share their first six bytes in one index key,
/// so events of commands issued in the same millisecond cost one key, not
/// one each (ADR 0001, update).
///
/// Any other command id (the v5 id of an idempotency key, an import or a
/// process) carries no time, and gives the [`legacy_event_id`] unchanged:
/// those commands' events keep the ids they always had.
pub fn event_id(command_id: Uuid, index: usize) -> Uuid {
    let legacy = legacy_event_id(command_id, index);
    if command_id.get_version_num() != 7 {
        return legacy;
    }
    let mut bytes = *legacy.as_bytes();
    bytes[..6].copy_from_slice(&command_id.as_bytes()[..6]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// How [`event_id`] was made until 2026-11-27 (a plain v5 id). A command
/// stored then is found again under it: look for both.
pub fn legacy_event_id(command_id: Uuid, index: usize) -> Uuid {
    derived(command_id, format!("event:{index}").as_bytes())
}

/// A quantity from a stored event: it was parsed (more than zero) when
/// the event was decided, so it parses again.
fn stored_quantity(value: Decimal) -> Option<Quantity> {
    Quantity::parse("quantity", value).ok()
}

fn fixed_label(text: &str) -> Option<Label> {
    Label::parse("label", text).ok()
}

fn order_reactions(order: OrderId, year: i32, event: &OrderEvent) -> Vec<Reaction> {
    match event {
        // A draft gets its number at once: it is what the customer is told
        // on the phone, and a cancelled order keeps it (no gap).
        OrderEvent::Drafted(drafted) => vec![Reaction::number(
            order.as_uuid(),
            DocumentKind::Order,
            drafted.branch,
            year,
        )],
        OrderEvent::Confirmed(confirmed) => {
            let mut reactions: Vec<Reaction> = confirmed
                .lines
                .iter()
                .filter_map(|line| {
                    Some(Reaction::Stock {
                        product: line.product,
                        warehouse: confirmed.warehouse,
                        command: StockCommand::ReserveAvailable {
                            reservation: line.reservation?,
                            quantity: stored_quantity(line.quantity)?,
                            negative_allowed: false,
                        },
                    })
                })
                .collect();
            if let Some(deal) = confirmed.deal {
                reactions.push(Reaction::Deal {
                    deal,
                    command: DealCommand::Win {
                        amount: None,
                        reason: fixed_label("order confirmed"),
                    },
                });
            }
            reactions
        }
        OrderEvent::Cancelled(cancelled) => cancelled
            .reservations
            .iter()
            .map(|(product, reservation)| Reaction::Stock {
                product: *product,
                warehouse: cancelled.warehouse,
                command: StockCommand::Release {
                    reservation: *reservation,
                },
            })
            .collect(),
        OrderEvent::Shipped(shipped) => shipped
            .lines
            .iter()
            .filter(|line| line.reservation.is_some())
            .filter_map(|line| {
                Some(Reaction::Stock {
                    product: line.product,
                    warehouse: shipped.warehouse,
                    command: StockCommand::Issue {
                        quantity: stored_quantity(line.quantity)?,
                        reservation: line.reservation,
                        reference: fixed_label(&format!("shipment {}", shipped.shipment)),
                        negative_allowed: false,
                    },
                })
            })
            .collect(),
        OrderEvent::Invoiced(invoiced) => vec![Reaction::Account {
            party: invoiced.party,
            command: AccountCommand::IssueInvoice {
                invoice: invoiced.invoice,
                order: Some(order),
                branch: invoiced.branch,
                currency: invoiced.currency,
                total: invoiced.total,
                due: invoiced.due,
                // The rate of the day, which only `app` can look up.
                rate: None,
            },
        }],
        OrderEvent::Returned(returned) => {
            let mut reactions: Vec<Reaction> = returned
                .lines
                .iter()
                .filter(|line| line.stock_tracked)
                .filter_map(|line| {
                    Some(Reaction::Stock {
                        product: line.product,
                        warehouse: returned.warehouse,
                        command: StockCommand::Return {
                            quantity: stored_quantity(line.quantity)?,
                            reference: fixed_label(&return_reference(returned.return_id)),
                        },
                    })
                })
                .collect();
            reactions.push(Reaction::Account {
                party: returned.party,
                command: AccountCommand::IssueCreditNote {
                    credit_note: returned.credit_note,
                    order: Some(order),
                    branch: returned.branch,
                    currency: returned.currency,
                    total: returned.total,
                },
            });
            reactions
        }
        OrderEvent::LineAdded(_)
        | OrderEvent::LineRemoved(_)
        | OrderEvent::LineQuantityChanged(_)
        | OrderEvent::InvoicePaid(_)
        | OrderEvent::Closed(_) => Vec::new(),
    }
}

fn quote_reactions(quote: Uuid, year: i32, event: &QuoteEvent) -> Vec<Reaction> {
    match event {
        // Numbered at once: the number is what the customer quotes back.
        QuoteEvent::Drafted(drafted) => vec![Reaction::number(
            quote,
            DocumentKind::Quote,
            drafted.branch,
            year,
        )],
        QuoteEvent::Sent(sent) => sent
            .deal
            .into_iter()
            .filter_map(|deal| {
                Some(Reaction::Deal {
                    deal,
                    command: DealCommand::ChangeAmount(
                        Money::parse("amount", sent.total.net, sent.currency).ok()?,
                    ),
                })
            })
            .collect(),
        QuoteEvent::Accepted(accepted) => accepted_quote_order(accepted),
        QuoteEvent::Declined(declined) => declined
            .deal
            .into_iter()
            .filter_map(|deal| {
                Some(Reaction::Deal {
                    deal,
                    command: DealCommand::Lose {
                        reason: fixed_label(&declined.reason)?,
                    },
                })
            })
            .collect(),
        QuoteEvent::Revised(_) | QuoteEvent::Expired(_) => Vec::new(),
    }
}

/// The sales order an accepted quote becomes: drafted with the quote's
/// lines, then confirmed at the quote's prices. Its confirmation wins the
/// deal as every order's does.
fn accepted_quote_order(accepted: &QuoteAccepted) -> Vec<Reaction> {
    let order = accepted.order;
    let mut reactions = vec![Reaction::Order {
        order,
        command: OrderCommand::Draft(DraftOrder {
            order,
            party: accepted.party,
            deal: accepted.deal,
            price_list: accepted.price_list,
            currency: accepted.currency,
            warehouse: accepted.warehouse,
            branch: accepted.branch,
            manager: Some(accepted.owner),
            reference: None,
        }),
    }];
    let mut pricing = Vec::with_capacity(accepted.lines.len());
    for line in &accepted.lines {
        // Quantities and discounts were parsed when the quote was decided,
        // so they parse again.
        let (Some(quantity), Ok(discount_percent)) = (
            stored_quantity(line.quantity),
            line.discount_percent
                .map(|percent| VatRate::parse("discount_percent", percent))
                .transpose(),
        ) else {
            continue;
        };
        reactions.push(Reaction::Order {
            order,
            command: OrderCommand::AddLine {
                product: line.product,
                quantity,
                discount_percent,
            },
        });
        // The order numbers its lines from 1 as they are added.
        pricing.push(LinePricing {
            line: u32::try_from(pricing.len() + 1).unwrap_or(u32::MAX),
            product: line.product,
            price: AgreedPrice {
                currency: accepted.currency,
                list_price: line.list_price,
                unit_price: line.price,
                vat_percent: line.vat_percent,
                prices_include_vat: accepted.prices_include_vat,
            },
            stock_tracked: line.stock_tracked,
        });
    }
    reactions.push(Reaction::Order {
        order,
        command: OrderCommand::Confirm { pricing },
    });
    reactions
}

fn purchase_reactions(order: Uuid, year: i32, event: &PurchaseEvent) -> Vec<Reaction> {
    match event {
        // Numbered at once, as a sales order is: the number is what the
        // supplier is told, and a cancelled order keeps it.
        PurchaseEvent::Drafted(drafted) => vec![Reaction::number(
            order,
            DocumentKind::PurchaseOrder,
            drafted.branch,
            year,
        )],
        PurchaseEvent::Received(received) => received
            .lines
            .iter()
            .filter_map(|line| {
                Some(Reaction::Stock {
                    product: line.product,
                    warehouse: received.warehouse,
                    command: StockCommand::Receive {
                        quantity: stored_quantity(line.quantity)?,
                        unit_cost: UnitPrice::parse("unit_cost", line.unit_cost).ok()?,
                        reference: fixed_label(&purchase_reference(received.receipt)),
                    },
                })
            })
            .collect(),
        PurchaseEvent::LineAdded(_)
        | PurchaseEvent::LineChanged(_)
        | PurchaseEvent::LineRemoved(_)
        | PurchaseEvent::Sent(_)
        | PurchaseEvent::Cancelled(_)
        | PurchaseEvent::Invoiced(_)
        | PurchaseEvent::InvoicePaid(_) => Vec::new(),
    }
}

fn production_reactions(
    order: ProductionOrderId,
    year: i32,
    event: &ProductionEvent,
) -> Vec<Reaction> {
    let release = |warehouse: WarehouseId, reservations: &[ComponentReservation]| {
        reservations
            .iter()
            .map(|held| Reaction::Stock {
                product: held.product,
                warehouse,
                command: StockCommand::Release {
                    reservation: held.reservation,
                },
            })
            .collect()
    };
    match event {
        // Numbered at once, as the other orders are: the number is what
        // the shop floor is told.
        ProductionEvent::Planned(planned) => vec![Reaction::number(
            order.as_uuid(),
            DocumentKind::ProductionOrder,
            planned.branch,
            year,
        )],
        ProductionEvent::Released(released) => released
            .reservations
            .iter()
            .filter_map(|wanted| {
                Some(Reaction::Stock {
                    product: wanted.product,
                    warehouse: released.warehouse,
                    command: StockCommand::ReserveAvailable {
                        reservation: wanted.reservation,
                        quantity: stored_quantity(wanted.quantity)?,
                        negative_allowed: false,
                    },
                })
            })
            .collect(),
        ProductionEvent::Completed(completed) => completed
            .consumed
            .iter()
            .filter_map(|used| {
                Some(Reaction::Stock {
                    product: used.product,
                    warehouse: completed.warehouse,
                    command: StockCommand::Consume {
                        production: order,
                        completion: completed.completion,
                        quantity: stored_quantity(used.quantity)?,
                        reservation: Some(used.reservation),
                        negative_allowed: false,
                    },
                })
            })
            .collect(),
        ProductionEvent::OutputCosted(costed) => stored_quantity(costed.quantity)
            .and_then(|quantity| {
                Some(Reaction::Stock {
                    product: costed.product,
                    warehouse: costed.warehouse,
                    command: StockCommand::Receive {
                        quantity,
                        unit_cost: UnitPrice::parse("unit_cost", costed.unit_cost).ok()?,
                        reference: fixed_label(&output_reference(order, costed.completion)),
                    },
                })
            })
            .into_iter()
            .collect(),
        ProductionEvent::Finished(finished) => release(finished.warehouse, &finished.released),
        ProductionEvent::Cancelled(cancelled) => release(cancelled.warehouse, &cancelled.released),
        ProductionEvent::Started(_) | ProductionEvent::ComponentConsumed(_) => Vec::new(),
    }
}

/// A supplier's invoice of a purchase order tells the order; paid off, it
/// tells it again.
fn payable_reactions(event: &PayableEvent) -> Vec<Reaction> {
    match event {
        PayableEvent::InvoiceRecorded(recorded) => match recorded.order {
            Some(order) => vec![Reaction::Purchase {
                order,
                command: PurchaseCommand::RecordInvoice {
                    invoice: recorded.invoice,
                    amount: recorded.amount,
                },
            }],
            None => Vec::new(),
        },
        PayableEvent::InvoiceSettled(settled) => match settled.order {
            Some(order) => vec![Reaction::Purchase {
                order,
                command: PurchaseCommand::RecordInvoicePaid {
                    invoice: settled.invoice,
                },
            }],
            None => Vec::new(),
        },
        PayableEvent::PaymentMade(_)
        | PayableEvent::ExchangeDifferenceRealized(_)
        | PayableEvent::AdvanceApplied(_) => Vec::new(),
    }
}

fn account_reactions(year: i32, event: &AccountEvent) -> Vec<Reaction> {
    match event {
        AccountEvent::InvoiceIssued(issued) => vec![Reaction::number(
            issued.invoice.as_uuid(),
            DocumentKind::Invoice,
            issued.branch,
            year,
        )],
        AccountEvent::CreditNoteIssued(issued) => vec![Reaction::number(
            issued.credit_note.as_uuid(),
            DocumentKind::CreditNote,
            issued.branch,
            year,
        )],
        AccountEvent::InvoiceSettled(settled) => match settled.order {
            Some(order) => vec![Reaction::Order {
                order,
                command: OrderCommand::RecordInvoicePaid {
                    invoice: settled.invoice,
                },
            }],
            None => Vec::new(),
        },
        AccountEvent::PaymentReceived(_)
        | AccountEvent::CreditApplied(_)
        | AccountEvent::ExchangeDifferenceRealized(_) => Vec::new(),
    }
}
#[cfg(test)]
mod tests;
