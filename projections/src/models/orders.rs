//! The orders list: every sales order with its customer, status and total,
//! newest activity first, paged by a cursor, also per customer.
//!
//! An order moves to the top of the list whenever one of its events lands
//! (drafted, confirmed, shipped, invoiced, paid, closed, cancelled), so
//! the list shows what is being worked on. Imported historical sales are
//! not orders in progress and are left to the sales reports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::ids::{OrderId, PartyId};
use domain::sales::{OrderEvent, OrderStatus};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::model::ReadModel;

/// Most rows on one page.
pub const ORDER_PAGE_ROWS_MAX: usize = 200;

/// One order on the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub party: PartyId,
    pub currency: Currency,
    pub status: OrderStatus,
    /// The confirmed gross total; `None` while a draft.
    pub total: Option<Decimal>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub drafted_at: DateTime<Utc>,
    /// The log position of the order's latest event: its place on the list.
    pub last_position: u64,
}

/// A row of a page: the order and its summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderListRow {
    pub order: OrderId,
    pub summary: OrderSummary,
}

/// A page of the list and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPage {
    pub rows: Vec<OrderListRow>,
    /// Pass back as `before` for the next page; `None` at the end.
    pub next: Option<u64>,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Orders {
    rows: FxHashMap<OrderId, OrderSummary>,
    /// Last position → order: the list's order, newest last.
    recency: BTreeMap<u64, OrderId>,
}

impl ReadModel for Orders {
    const NAME: &'static str = "orders";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &[OrderEvent::CATEGORY];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        let CrmEvent::Order(event) = envelope.event else {
            return;
        };
        let order = OrderId::from_uuid(envelope.aggregate);
        if let OrderEvent::Drafted(drafted) = event {
            self.rows.insert(
                order,
                OrderSummary {
                    party: drafted.party,
                    currency: drafted.currency,
                    status: OrderStatus::Draft,
                    total: None,
                    drafted_at: envelope.occurred_at,
                    last_position: envelope.position,
                },
            );
            self.recency.insert(envelope.position, order);
            return;
        }
        let Some(row) = self.rows.get_mut(&order) else {
            return;
        };
        match event {
            OrderEvent::Confirmed(confirmed) => {
                row.status = OrderStatus::Confirmed;
                row.total = Some(confirmed.total.gross);
            }
            OrderEvent::Shipped(shipped) => {
                row.status = if shipped.complete {
                    OrderStatus::Shipped
                } else {
                    OrderStatus::PartiallyShipped
                };
            }
            OrderEvent::Cancelled(_) => row.status = OrderStatus::Cancelled,
            OrderEvent::Closed(_) => row.status = OrderStatus::Closed,
            _ => {}
        }
        self.recency.remove(&row.last_position);
        row.last_position = envelope.position;
        self.recency.insert(envelope.position, order);
    }
}

impl Orders {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, order: OrderId) -> Option<&OrderSummary> {
        self.rows.get(&order)
    }

    /// Up to `limit` orders (at most [`ORDER_PAGE_ROWS_MAX`]) whose latest
    /// event came before position `before` (all when `None`), newest
    /// first, only those of `party` if given. A page for one customer
    /// among many orders walks the list; a customer's orders are few next
    /// to a company's, and the walk stops at a page.
    pub fn page(&self, limit: usize, before: Option<u64>, party: Option<PartyId>) -> OrderPage {
        self.page_where(limit, before, party, None)
    }

    /// Like [`Self::page`], only orders in `status` if given. A rare
    /// status walks much of the list to fill a page.
    pub fn page_where(
        &self,
        limit: usize,
        before: Option<u64>,
        party: Option<PartyId>,
        status: Option<OrderStatus>,
    ) -> OrderPage {
        let limit = limit.clamp(1, ORDER_PAGE_ROWS_MAX);
        let mut rows = Vec::with_capacity(limit);
        let mut next = None;
        for (position, order) in self.recency.range(..before.unwrap_or(u64::MAX)).rev() {
            let Some(summary) = self.rows.get(order) else {
                continue;
            };
            if party.is_some_and(|party| party != summary.party)
                || status.is_some_and(|status| status != summary.status)
            {
                continue;
            }
            if rows.len() == limit {
                next = Some(*position + 1);
                break;
            }
            rows.push(OrderListRow {
                order: *order,
                summary: summary.clone(),
            });
        }
        OrderPage { rows, next }
    }
}
