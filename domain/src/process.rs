//! Process managers: what an event of one aggregate causes in others.
//!
//! Each rule is a pure function of one stored event: an order confirmed
//! reserves its stock and wins its deal; cancelled, it releases the stock;
//! shipped, it issues the stock; invoiced, it puts the invoice on the
//! customer's account; returned, it takes the goods back and credits the
//! customer; an invoice or credit note issued gets its number; an invoice
//! paid in full tells its order, which closes when nothing is left to do.
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

use crate::events::CrmEvent;
use crate::finance::{AccountEvent, DocumentKind};
use crate::ids::{
    BranchId, CreditNoteId, DealId, InvoiceId, OrderId, PartyId, ProductId, ReservationId,
    ReturnId, WarehouseId, derived,
};
use crate::sales::{Amounts, OrderEvent};
use crate::values::Currency;

/// A command a process issues, addressed to the aggregate it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reaction {
    ReserveStock {
        product: ProductId,
        warehouse: WarehouseId,
        reservation: ReservationId,
        quantity: Decimal,
    },
    ReleaseStock {
        product: ProductId,
        warehouse: WarehouseId,
        reservation: ReservationId,
    },
    IssueStock {
        product: ProductId,
        warehouse: WarehouseId,
        reservation: Option<ReservationId>,
        quantity: Decimal,
        reference: String,
    },
    ReturnStock {
        product: ProductId,
        warehouse: WarehouseId,
        quantity: Decimal,
        reference: String,
    },
    WinDeal {
        deal: DealId,
    },
    IssueInvoice {
        party: PartyId,
        invoice: InvoiceId,
        order: OrderId,
        branch: Option<BranchId>,
        currency: Currency,
        total: Amounts,
        due: chrono::NaiveDate,
    },
    IssueCreditNote {
        party: PartyId,
        credit_note: CreditNoteId,
        order: OrderId,
        branch: Option<BranchId>,
        currency: Currency,
        total: Amounts,
    },
    NumberDocument {
        document: Uuid,
        kind: DocumentKind,
        branch: Option<BranchId>,
        year: i32,
    },
    RecordInvoicePaid {
        order: OrderId,
        invoice: InvoiceId,
    },
}

/// A reaction and the id of the command that carries it out.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        CrmEvent::Order(event) => order_reactions(OrderId::from_uuid(aggregate), event),
        CrmEvent::Account(event) => account_reactions(occurred_at.year(), event),
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

/// The id of the `index`th command caused by the event `event_id`.
pub fn command_id(event_id: Uuid, index: usize) -> Uuid {
    derived(event_id, format!("reaction:{index}").as_bytes())
}

/// The id of the `index`th event a command appends.
pub fn event_id(command_id: Uuid, index: usize) -> Uuid {
    derived(command_id, format!("event:{index}").as_bytes())
}

fn order_reactions(order: OrderId, event: &OrderEvent) -> Vec<Reaction> {
    match event {
        OrderEvent::Confirmed(confirmed) => {
            let mut reactions: Vec<Reaction> = confirmed
                .lines
                .iter()
                .filter_map(|line| {
                    line.reservation.map(|reservation| Reaction::ReserveStock {
                        product: line.product,
                        warehouse: confirmed.warehouse,
                        reservation,
                        quantity: line.quantity,
                    })
                })
                .collect();
            if let Some(deal) = confirmed.deal {
                reactions.push(Reaction::WinDeal { deal });
            }
            reactions
        }
        OrderEvent::Cancelled(cancelled) => cancelled
            .reservations
            .iter()
            .map(|(product, reservation)| Reaction::ReleaseStock {
                product: *product,
                warehouse: cancelled.warehouse,
                reservation: *reservation,
            })
            .collect(),
        OrderEvent::Shipped(shipped) => shipped
            .lines
            .iter()
            .filter(|line| line.reservation.is_some())
            .map(|line| Reaction::IssueStock {
                product: line.product,
                warehouse: shipped.warehouse,
                reservation: line.reservation,
                quantity: line.quantity,
                reference: format!("shipment {}", shipped.shipment),
            })
            .collect(),
        OrderEvent::Invoiced(invoiced) => vec![Reaction::IssueInvoice {
            party: invoiced.party,
            invoice: invoiced.invoice,
            order,
            branch: invoiced.branch,
            currency: invoiced.currency,
            total: invoiced.total,
            due: invoiced.due,
        }],
        OrderEvent::Returned(returned) => {
            let mut reactions: Vec<Reaction> = returned
                .lines
                .iter()
                .filter(|line| line.stock_tracked)
                .map(|line| Reaction::ReturnStock {
                    product: line.product,
                    warehouse: returned.warehouse,
                    quantity: line.quantity,
                    reference: return_reference(returned.return_id),
                })
                .collect();
            reactions.push(Reaction::IssueCreditNote {
                party: returned.party,
                credit_note: returned.credit_note,
                order,
                branch: returned.branch,
                currency: returned.currency,
                total: returned.total,
            });
            reactions
        }
        OrderEvent::Drafted(_)
        | OrderEvent::LineAdded(_)
        | OrderEvent::LineRemoved(_)
        | OrderEvent::LineQuantityChanged(_)
        | OrderEvent::InvoicePaid(_)
        | OrderEvent::Closed(_) => Vec::new(),
    }
}

fn account_reactions(year: i32, event: &AccountEvent) -> Vec<Reaction> {
    match event {
        AccountEvent::InvoiceIssued(issued) => vec![Reaction::NumberDocument {
            document: issued.invoice.as_uuid(),
            kind: DocumentKind::Invoice,
            branch: issued.branch,
            year,
        }],
        AccountEvent::CreditNoteIssued(issued) => vec![Reaction::NumberDocument {
            document: issued.credit_note.as_uuid(),
            kind: DocumentKind::CreditNote,
            branch: issued.branch,
            year,
        }],
        AccountEvent::InvoiceSettled(settled) => match settled.order {
            Some(order) => vec![Reaction::RecordInvoicePaid {
                order,
                invoice: settled.invoice,
            }],
            None => Vec::new(),
        },
        AccountEvent::PaymentReceived(_) | AccountEvent::CreditApplied(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
