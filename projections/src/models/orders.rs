//! The orders list: every sales order with its customer, status and total,
//! newest activity first, paged by a cursor, also per customer.
//!
//! An order moves to the top of the list whenever one of its events lands
//! (drafted, confirmed, shipped, invoiced, paid, closed, cancelled), so
//! the list shows what is being worked on. Each order's number (given by
//! the numbering process right after the draft) is kept with it and
//! indexed, so an order is found by the number a customer reads out. Imported historical sales are
//! not orders in progress and are left to the sales reports.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use domain::finance::{DocumentKind, SeriesEvent};
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
    /// Its number (`SO-MSK-2026-000042`), once the numbering process gave
    /// it; orders drafted before orders were numbered have none.
    pub number: Option<Box<str>>,
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
    /// Number → order, for finding an order by (the start of) its number.
    numbers: BTreeMap<Box<str>, OrderId>,
}

impl ReadModel for Orders {
    const NAME: &'static str = "orders";
    // 2: order numbers.
    const VERSION: u32 = 2;
    const CATEGORIES: &'static [&'static str] = &[OrderEvent::CATEGORY, SeriesEvent::CATEGORY];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        if let CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered)) = envelope.event {
            if numbered.kind == DocumentKind::Order {
                let order = OrderId::from_uuid(numbered.document);
                if let Some(row) = self.rows.get_mut(&order) {
                    let number: Box<str> = numbered.number.as_str().into();
                    row.number = Some(number.clone());
                    self.numbers.insert(number, order);
                }
            }
            return;
        }
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
                    number: None,
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

    /// Orders found by number, at most `limit`, in number order: those
    /// whose number starts with `query` (any case), or, for digits alone
    /// (what a customer reads out: "order 42"), those whose sequence is
    /// that number. Blank finds none.
    pub fn numbered(&self, query: &str, limit: usize) -> Vec<(OrderId, &str)> {
        let query = query.trim().to_uppercase();
        if query.is_empty() {
            return Vec::new();
        }
        let found: Vec<(OrderId, &str)> = self
            .numbers
            .range::<str, _>((Bound::Included(query.as_str()), Bound::Unbounded))
            .take_while(|(number, _)| number.starts_with(query.as_str()))
            .take(limit)
            .map(|(number, order)| (*order, &**number))
            .collect();
        if !found.is_empty() || !query.bytes().all(|byte| byte.is_ascii_digit()) {
            return found;
        }
        let Ok(sequence) = query.parse::<u64>() else {
            return found;
        };
        let tail = format!("-{sequence:06}");
        self.numbers
            .iter()
            .filter(|(number, _)| number.ends_with(tail.as_str()))
            .take(limit)
            .map(|(number, order)| (*order, &**number))
            .collect()
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
        self.page_matching(limit, before, |_, summary| {
            party.is_none_or(|party| party == summary.party)
                && status.is_none_or(|status| status == summary.status)
        })
    }

    /// Like [`Self::page`], only orders `keep` says yes to. A filter few
    /// orders pass walks much of the list to fill a page.
    pub fn page_matching(
        &self,
        limit: usize,
        before: Option<u64>,
        keep: impl Fn(OrderId, &OrderSummary) -> bool,
    ) -> OrderPage {
        let limit = limit.clamp(1, ORDER_PAGE_ROWS_MAX);
        let (rows, next) =
            crate::recency::newest_first(&self.recency, &self.rows, limit, before, keep);
        OrderPage {
            rows: rows
                .into_iter()
                .map(|(order, summary)| OrderListRow {
                    order,
                    summary: summary.clone(),
                })
                .collect(),
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::finance::DocumentNumbered;
    use domain::sales::OrderDrafted;
    use eventlog::{Actor, StreamName};
    use uuid::Uuid;

    use super::*;

    fn apply(orders: &mut Orders, position: u64, aggregate: Uuid, event: CrmEvent) {
        let stream = StreamName::parse(format!("{}-{aggregate}", event.category())).unwrap();
        let actor = Actor::system("test");
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        orders.apply(&Envelope {
            position,
            stream: &stream,
            stream_version: 0,
            aggregate,
            aggregate_part: None,
            event_id: Uuid::from_u128(u128::from(position)),
            occurred_at: at,
            recorded_at: at,
            actor: &actor,
            event: &event,
        });
    }

    /// Protects finding an order by the number a customer reads out: by
    /// its start in any case, or by its sequence alone; the number shows
    /// on the order's row.
    #[test]
    fn an_order_is_found_by_its_number() {
        let mut orders = Orders::default();
        let mut position = 0;
        let mut ids = Vec::new();
        for (sequence, number) in [(41, "SO-MSK-2026-000041"), (42, "SO-MSK-2026-000042")] {
            let order = OrderId::from_uuid(Uuid::from_u128(sequence));
            ids.push(order);
            position += 1;
            let drafted = OrderEvent::Drafted(OrderDrafted {
                order,
                party: PartyId::from_uuid(Uuid::from_u128(9)),
                deal: None,
                price_list: domain::ids::PriceListId::from_uuid(Uuid::from_u128(8)),
                currency: Currency::parse("currency", "EUR").unwrap(),
                warehouse: domain::ids::WarehouseId::from_uuid(Uuid::from_u128(7)),
                branch: None,
                manager: None,
                reference: None,
            });
            apply(&mut orders, position, order.as_uuid(), drafted.into());
            position += 1;
            let numbered = SeriesEvent::DocumentNumbered(DocumentNumbered {
                document: order.as_uuid(),
                kind: DocumentKind::Order,
                branch: None,
                year: 2026,
                sequence: sequence as u64,
                number: number.into(),
            });
            apply(&mut orders, position, Uuid::from_u128(99), numbered.into());
        }
        assert_eq!(
            orders.get(ids[1]).unwrap().number.as_deref(),
            Some("SO-MSK-2026-000042")
        );
        assert_eq!(orders.numbered("so-msk", 10).len(), 2);
        assert_eq!(
            orders.numbered("SO-MSK-2026-000042", 10),
            [(ids[1], "SO-MSK-2026-000042")]
        );
        assert_eq!(orders.numbered("41", 10), [(ids[0], "SO-MSK-2026-000041")]);
        assert!(orders.numbered("43", 10).is_empty());
        assert!(orders.numbered("  ", 10).is_empty());
    }
}
