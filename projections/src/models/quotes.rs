//! Quotes as sales managers read them: the list (newest activity first, by
//! customer, deal, status or number), each quote with every revision, the
//! quotes past their validity that still wait for an answer (for the
//! expiry process), and how quotes convert: of the quotes sent in a
//! period, how many and how much were accepted.
//!
//! A quote counts in the conversion figures from the day it was first
//! sent (business time), with the value (net) of the revision sent last
//! and its outcome so far; a quote revised and sent again stays one
//! quote. Values are kept per currency, as quotes are made in their price
//! list's. A quote counts in its deal's pipeline (as the deal was opened
//! in), or in none without a deal.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::{DateTime, NaiveDate, Utc};
use domain::finance::{DocumentKind, SeriesEvent};
use domain::ids::{
    BranchId, DealId, OrderId, PartyId, PipelineId, PriceListId, QuoteId, UserId, WarehouseId,
};
use domain::pipeline::DealEvent;
use domain::quotes::{QuoteEvent, QuoteRevised, QuoteStatus};
use domain::values::Currency;
use domain::{CrmEvent, DomainEvent};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::envelope::Envelope;
use crate::model::ReadModel;

/// Most rows on one page.
pub const QUOTE_PAGE_ROWS_MAX: usize = 200;

/// One revision as it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionRow {
    pub revised: QuoteRevised,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub made_at: DateTime<Utc>,
    pub made_by: Option<UserId>,
    /// When it was sent, if it was.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub sent_at: Option<DateTime<Utc>>,
}

/// One quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRow {
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub price_list: PriceListId,
    pub currency: Currency,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub owner: UserId,
    pub status: QuoteStatus,
    /// Its number (`QT-2026-000042`), once the numbering process gave it.
    pub number: Option<Box<str>>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub drafted_at: DateTime<Utc>,
    /// Every revision, the first first.
    pub revisions: Vec<RevisionRow>,
    /// When the customer answered or the quote expired.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The sales order an accepted quote became.
    pub order: Option<OrderId>,
    pub decline_reason: Option<String>,
    pub last_position: u64,
    /// Stream version of its latest event: the ETag of the quote.
    pub version: u64,
}

impl QuoteRow {
    /// The latest revision (every quote has one from its draft).
    pub fn current(&self) -> Option<&RevisionRow> {
        self.revisions.last()
    }

    /// Its last valid day, as the latest revision says.
    pub fn valid_until(&self) -> Option<NaiveDate> {
        self.current().map(|revision| revision.revised.valid_until)
    }

    /// Still open after its last valid day: due to expire.
    pub fn lapsed_on(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.valid_until().is_some_and(|until| until < today)
    }
}

/// A row of a page: the quote and its row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteListRow<'a> {
    pub quote: QuoteId,
    pub row: &'a QuoteRow,
}

/// A page of the list and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotePage<'a> {
    pub rows: Vec<QuoteListRow<'a>>,
    /// Pass back as `before` for the next page; `None` at the end.
    pub next: Option<u64>,
}

/// How the quotes sent in a period converted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuoteConversion {
    pub sent: u64,
    pub accepted: u64,
    pub declined: u64,
    pub expired: u64,
    /// Sent and not answered yet.
    pub open: u64,
    /// Net value sent and accepted, per currency.
    pub value: BTreeMap<Currency, ConvertedValue>,
}

impl QuoteConversion {
    /// Accepted of sent, in whole percent; `None` when none was sent.
    pub fn rate_percent(&self) -> Option<u64> {
        (self.sent > 0).then(|| self.accepted * 100 / self.sent)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConvertedValue {
    pub sent: Decimal,
    pub accepted: Decimal,
}

/// What the conversion figures keep of a sent quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SentQuote {
    first_sent: Day,
    pipeline: Option<PipelineId>,
    branch: Option<BranchId>,
    currency: Currency,
    /// The net total of the revision sent last.
    value: Decimal,
    status: QuoteStatus,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quotes {
    rows: FxHashMap<QuoteId, QuoteRow>,
    /// Last position → quote: the list's order, newest last.
    recency: BTreeMap<u64, QuoteId>,
    /// Number → quote, for finding a quote by (the start of) its number.
    numbers: BTreeMap<Box<str>, QuoteId>,
    /// Open quotes by their last valid day: those to expire are a range.
    open_until: BTreeSet<(NaiveDate, QuoteId)>,
    /// The pipeline each deal was opened in.
    deal_pipelines: FxHashMap<DealId, PipelineId>,
    sent: FxHashMap<QuoteId, SentQuote>,
    /// (first sent, quote): the quotes sent in a period are a range.
    sent_days: BTreeSet<(Day, QuoteId)>,
}

impl ReadModel for Quotes {
    const NAME: &'static str = "quotes";
    const VERSION: u32 = 1;
    const CATEGORIES: &'static [&'static str] = &[
        QuoteEvent::CATEGORY,
        SeriesEvent::CATEGORY,
        DealEvent::CATEGORY,
    ];

    fn apply(&mut self, envelope: &Envelope<'_>) {
        match envelope.event {
            CrmEvent::Deal(DealEvent::Opened(opened)) => {
                self.deal_pipelines
                    .insert(DealId::from_uuid(envelope.aggregate), opened.pipeline);
            }
            CrmEvent::Series(SeriesEvent::DocumentNumbered(numbered))
                if numbered.kind == DocumentKind::Quote =>
            {
                let quote = QuoteId::from_uuid(numbered.document);
                if let Some(row) = self.rows.get_mut(&quote) {
                    let number: Box<str> = numbered.number.as_str().into();
                    row.number = Some(number.clone());
                    self.numbers.insert(number, quote);
                }
            }
            CrmEvent::Quote(event) => {
                self.apply_quote(QuoteId::from_uuid(envelope.aggregate), event, envelope)
            }
            _ => {}
        }
    }
}

impl Quotes {
    fn apply_quote(&mut self, quote: QuoteId, event: &QuoteEvent, envelope: &Envelope<'_>) {
        let at = envelope.occurred_at;
        if let QuoteEvent::Drafted(drafted) = event {
            self.rows.insert(
                quote,
                QuoteRow {
                    party: drafted.party,
                    deal: drafted.deal,
                    price_list: drafted.price_list,
                    currency: drafted.currency,
                    warehouse: drafted.warehouse,
                    branch: drafted.branch,
                    owner: drafted.owner,
                    status: QuoteStatus::Draft,
                    number: None,
                    drafted_at: at,
                    revisions: Vec::new(),
                    closed_at: None,
                    order: None,
                    decline_reason: None,
                    last_position: envelope.position,
                    version: envelope.stream_version,
                },
            );
            self.recency.insert(envelope.position, quote);
            return;
        }
        let Some(mut row) = self.rows.remove(&quote) else {
            return;
        };
        if let Some(until) = row.valid_until()
            && row.status.is_open()
        {
            self.open_until.remove(&(until, quote));
        }
        match event {
            QuoteEvent::Drafted(_) => {}
            QuoteEvent::Revised(revised) => {
                row.revisions.push(RevisionRow {
                    revised: revised.clone(),
                    made_at: at,
                    made_by: envelope.user().map(UserId::from_uuid),
                    sent_at: None,
                });
                row.status = QuoteStatus::Draft;
            }
            QuoteEvent::Sent(sent) => {
                row.status = QuoteStatus::Sent;
                if let Some(revision) = row
                    .revisions
                    .iter_mut()
                    .find(|revision| revision.revised.revision == sent.revision)
                {
                    revision.sent_at = Some(at);
                }
                self.count_sent(quote, &row, sent.total.net, Day::of(at));
            }
            QuoteEvent::Accepted(accepted) => {
                row.status = QuoteStatus::Accepted;
                row.order = Some(accepted.order);
                row.closed_at = Some(at);
            }
            QuoteEvent::Declined(declined) => {
                row.status = QuoteStatus::Declined;
                row.decline_reason = Some(declined.reason.clone());
                row.closed_at = Some(at);
            }
            QuoteEvent::Expired(_) => {
                row.status = QuoteStatus::Expired;
                row.closed_at = Some(at);
            }
        }
        if let Some(sent) = self.sent.get_mut(&quote) {
            sent.status = row.status;
        }
        if let Some(until) = row.valid_until()
            && row.status.is_open()
        {
            self.open_until.insert((until, quote));
        }
        self.recency.remove(&row.last_position);
        row.last_position = envelope.position;
        row.version = envelope.stream_version;
        self.recency.insert(envelope.position, quote);
        self.rows.insert(quote, row);
    }

    /// Counts a quote sent (again) with the net `value`: from its first
    /// sending day, at the value of the last.
    fn count_sent(&mut self, quote: QuoteId, row: &QuoteRow, value: Decimal, day: Day) {
        let pipeline = row
            .deal
            .and_then(|deal| self.deal_pipelines.get(&deal).copied());
        let sent = self.sent.entry(quote).or_insert_with(|| SentQuote {
            first_sent: day,
            pipeline,
            branch: row.branch,
            currency: row.currency,
            value,
            status: QuoteStatus::Sent,
        });
        sent.value = value;
        self.sent_days.insert((sent.first_sent, quote));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, quote: QuoteId) -> Option<&QuoteRow> {
        self.rows.get(&quote)
    }

    /// Open quotes whose last valid day is before `today`, with their
    /// latest revision: the ones the expiry process records as expired.
    pub fn lapsed(&self, today: NaiveDate, limit: usize) -> Vec<(QuoteId, u32)> {
        self.open_until
            .range(..(today, QuoteId::from_uuid(uuid::Uuid::nil())))
            .take(limit)
            .filter_map(|(_, quote)| {
                let revision = self.rows.get(quote)?.current()?.revised.revision;
                Some((*quote, revision))
            })
            .collect()
    }

    /// How the quotes first sent on the days `from..=to` converted: of the
    /// deals of `pipeline` when given (`Some(None)`: quotes without a
    /// deal), of one branch when given.
    pub fn conversion(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        pipeline: Option<Option<PipelineId>>,
        branch: Option<BranchId>,
    ) -> QuoteConversion {
        let mut conversion = QuoteConversion::default();
        if from > to {
            return conversion;
        }
        let nil = QuoteId::from_uuid(uuid::Uuid::nil());
        let max = QuoteId::from_uuid(uuid::Uuid::max());
        let range = (Day::from_date(from), nil)..=(Day::from_date(to), max);
        for (_, quote) in self.sent_days.range(range) {
            let Some(sent) = self.sent.get(quote) else {
                continue;
            };
            if pipeline.is_some_and(|pipeline| pipeline != sent.pipeline)
                || branch.is_some_and(|branch| Some(branch) != sent.branch)
            {
                continue;
            }
            conversion.sent += 1;
            let value = conversion.value.entry(sent.currency).or_default();
            value.sent += sent.value;
            match sent.status {
                QuoteStatus::Accepted => {
                    conversion.accepted += 1;
                    value.accepted += sent.value;
                }
                QuoteStatus::Declined => conversion.declined += 1,
                QuoteStatus::Expired => conversion.expired += 1,
                QuoteStatus::Draft | QuoteStatus::Sent => conversion.open += 1,
            }
        }
        conversion
    }

    /// Quotes found by number, at most `limit`, in number order: those
    /// whose number starts with `query` (any case). Blank finds none.
    pub fn numbered(&self, query: &str, limit: usize) -> Vec<(QuoteId, &str)> {
        let query = query.trim().to_uppercase();
        if query.is_empty() {
            return Vec::new();
        }
        self.numbers
            .range::<str, _>((Bound::Included(query.as_str()), Bound::Unbounded))
            .take_while(|(number, _)| number.starts_with(query.as_str()))
            .take(limit)
            .map(|(number, quote)| (*quote, &**number))
            .collect()
    }

    /// Up to `limit` quotes (at most [`QUOTE_PAGE_ROWS_MAX`]) whose latest
    /// event came before position `before` (all when `None`), newest
    /// first, only those `keep` says yes to.
    pub fn page_matching(
        &self,
        limit: usize,
        before: Option<u64>,
        keep: impl Fn(QuoteId, &QuoteRow) -> bool,
    ) -> QuotePage<'_> {
        let limit = limit.clamp(1, QUOTE_PAGE_ROWS_MAX);
        let (rows, next) =
            crate::recency::newest_first(&self.recency, &self.rows, limit, before, keep);
        QuotePage {
            rows: rows
                .into_iter()
                .map(|(quote, row)| QuoteListRow { quote, row })
                .collect(),
            next,
        }
    }
}
