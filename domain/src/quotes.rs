//! Quotes (commercial proposals): the lines and prices offered to a
//! customer before an order.
//!
//! A quote is a stream (`quote-<id>`). It is drafted for a party from a
//! price list, with its first revision: lines priced for that customer at
//! that moment (the caller resolves each price with
//! [`crate::catalog::price::resolve_price`]), an extra discount per line,
//! a validity date and terms. Each revision is a whole new set of lines,
//! numbered 1, 2, 3…, and every revision stays in the stream.
//!
//! The life of a quote: draft → sent to the customer → accepted, declined
//! (with a reason) or expired (its validity date passed). A sent quote may
//! be revised, which makes it a draft again until the new revision is
//! sent. An accepted quote names the sales order it becomes, and carries
//! what that order is made of; the process managers of [`crate::process`]
//! draft and confirm the order with the quote's lines and prices (not the
//! price list's of the day of acceptance), and move the quote's deal: its
//! amount follows the quote that was sent, the order confirmed wins it, a
//! declined quote loses it.
//!
//! Amounts follow the order's rules ([`crate::sales::Amounts`]): rounded to
//! cents per line, half away from zero, so an accepted quote's order has
//! the quote's totals to the cent.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::catalog::{Quantity, VatRate};
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{
    BranchId, DealId, OrderId, PartyId, PriceListId, ProductId, QuoteId, UserId, WarehouseId,
};
use crate::sales::{AgreedPrice, Amounts, ORDER_LINES_MAX, discounted_unit_price};
use crate::values::{Currency, Label, Text};

/// Most lines on one quote: as many as an order may hold, which it becomes.
pub const QUOTE_LINES_MAX: usize = ORDER_LINES_MAX;
/// Most revisions of one quote: a bound on its stream.
pub const QUOTE_REVISIONS_MAX: u32 = 100;

const QUOTE: &str = "quote";

// ------------------------------------------------------------------ events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDrafted {
    pub quote: QuoteId,
    pub party: PartyId,
    pub deal: Option<DealId>,
    /// The list the lines are priced from, in its currency.
    pub price_list: PriceListId,
    pub currency: Currency,
    /// Where the goods would be reserved and shipped from.
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    /// The sales manager who made the quote.
    pub owner: UserId,
}

/// A line as offered: its price resolved for the customer when the
/// revision was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedLine {
    /// Numbered from 1 within the revision.
    pub line: u32,
    pub product: ProductId,
    pub quantity: Decimal,
    /// The list's price before any discount.
    pub list_price: Decimal,
    /// The list price less the customer's standing discount.
    pub price: Decimal,
    /// An extra discount offered on this line, in percent.
    pub discount_percent: Option<Decimal>,
    /// What one unit costs after every discount.
    pub unit_price: Decimal,
    pub vat_percent: Decimal,
    pub amounts: Amounts,
    /// Goods held in stock (not a service).
    pub stock_tracked: bool,
}

/// A whole new set of lines, validity and terms: revision 1 comes with the
/// draft, each later one replaces the one before (which stays recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRevised {
    pub revision: u32,
    pub lines: Vec<QuotedLine>,
    pub prices_include_vat: bool,
    pub total: Amounts,
    /// The last day the customer may accept.
    pub valid_until: NaiveDate,
    pub terms: Option<String>,
}

/// The revision was sent to the customer. The deal's amount follows the
/// quote's net total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSent {
    pub revision: u32,
    pub deal: Option<DealId>,
    pub currency: Currency,
    pub total: Amounts,
}

/// The customer accepted the revision: it becomes the sales order `order`,
/// made of what this event carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteAccepted {
    pub revision: u32,
    pub order: OrderId,
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub price_list: PriceListId,
    pub currency: Currency,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub owner: UserId,
    pub prices_include_vat: bool,
    pub lines: Vec<QuotedLine>,
    pub total: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDeclined {
    pub revision: u32,
    pub reason: String,
    pub deal: Option<DealId>,
}

/// The validity date passed before the customer answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteExpired {
    pub revision: u32,
    pub valid_until: NaiveDate,
}

domain_events! {
    /// Everything that can happen to a quote.
    pub enum QuoteEvent in "quote" {
        Drafted(QuoteDrafted) = "QuoteDrafted" v 1,
        Revised(QuoteRevised) = "QuoteRevised" v 1,
        Sent(QuoteSent) = "QuoteSent" v 1,
        Accepted(QuoteAccepted) = "QuoteAccepted" v 1,
        Declined(QuoteDeclined) = "QuoteDeclined" v 1,
        Expired(QuoteExpired) = "QuoteExpired" v 1,
    }
}

// ---------------------------------------------------------------- commands

/// A line to offer, priced by the caller for the quote's customer now.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteLine {
    pub product: ProductId,
    pub quantity: Quantity,
    /// An extra discount on this line, 0 to 100 percent.
    pub discount_percent: Option<VatRate>,
    pub price: AgreedPrice,
    pub stock_tracked: bool,
}

/// The content of a revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub lines: Vec<QuoteLine>,
    pub valid_until: NaiveDate,
    pub terms: Option<Text>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DraftQuote {
    /// The id of the quote's stream.
    pub quote: QuoteId,
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub price_list: PriceListId,
    /// The price list's currency, read by the caller.
    pub currency: Currency,
    pub warehouse: WarehouseId,
    pub branch: Option<BranchId>,
    pub owner: UserId,
    pub revision: Revision,
}

#[derive(Clone, Debug, PartialEq)]
pub enum QuoteCommand {
    Draft(DraftQuote),
    Revise(Revision),
    Send,
    Accept {
        /// The id of the sales order the quote becomes.
        order: OrderId,
    },
    Decline {
        reason: Label,
    },
    /// Records that the validity date passed (the expiry process, or a
    /// user tidying up).
    Expire,
}

// ------------------------------------------------------------------- state

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteStatus {
    Draft,
    Sent,
    Accepted,
    Declined,
    Expired,
}

impl QuoteStatus {
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::Sent,
        Self::Accepted,
        Self::Declined,
        Self::Expired,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Expired => "expired",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.key() == key)
    }

    /// Still waiting for the customer's answer (or for being sent).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Draft | Self::Sent)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteState {
    pub drafted: QuoteDrafted,
    pub status: QuoteStatus,
    /// The latest revision.
    pub current: QuoteRevised,
    pub order: Option<OrderId>,
}

/// The quote decider. State is `None` until the quote is drafted.
#[derive(Debug)]
pub struct Quote;

impl Decider for Quote {
    type State = Option<QuoteState>;
    type Command = Issued<QuoteCommand>;
    type Event = QuoteEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<QuoteEvent>, DomainError> {
        let today = issued.business_time()?.date_naive();
        if let QuoteCommand::Draft(draft) = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "quote.already_drafted",
                    "this quote is already drafted",
                ));
            }
            let revised = revise(1, draft.currency, &draft.revision, today)?;
            return Ok(vec![
                QuoteEvent::Drafted(QuoteDrafted {
                    quote: draft.quote,
                    party: draft.party,
                    deal: draft.deal,
                    price_list: draft.price_list,
                    currency: draft.currency,
                    warehouse: draft.warehouse,
                    branch: draft.branch,
                    owner: draft.owner,
                }),
                QuoteEvent::Revised(revised),
            ]);
        }
        let quote = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(QUOTE))?;
        let revision = quote.current.revision;
        match &issued.command {
            QuoteCommand::Draft(_) => Ok(Vec::new()),
            QuoteCommand::Revise(content) => {
                open_only(quote)?;
                if revision >= QUOTE_REVISIONS_MAX {
                    return Err(DomainError::rejected(
                        "quote.too_many_revisions",
                        format!("a quote has at most {QUOTE_REVISIONS_MAX} revisions"),
                    ));
                }
                let revised = revise(revision + 1, quote.drafted.currency, content, today)?;
                Ok(vec![QuoteEvent::Revised(revised)])
            }
            QuoteCommand::Send => {
                if quote.status == QuoteStatus::Sent {
                    return Ok(Vec::new());
                }
                open_only(quote)?;
                still_valid(quote, today)?;
                Ok(vec![QuoteEvent::Sent(QuoteSent {
                    revision,
                    deal: quote.drafted.deal,
                    currency: quote.drafted.currency,
                    total: quote.current.total,
                })])
            }
            QuoteCommand::Accept { order } => {
                if quote.status == QuoteStatus::Accepted && quote.order == Some(*order) {
                    return Ok(Vec::new());
                }
                open_only(quote)?;
                if quote.status != QuoteStatus::Sent {
                    return Err(DomainError::rejected(
                        "quote.not_sent",
                        "send this revision to the customer before it is accepted",
                    ));
                }
                still_valid(quote, today)?;
                let drafted = &quote.drafted;
                Ok(vec![QuoteEvent::Accepted(QuoteAccepted {
                    revision,
                    order: *order,
                    party: drafted.party,
                    deal: drafted.deal,
                    price_list: drafted.price_list,
                    currency: drafted.currency,
                    warehouse: drafted.warehouse,
                    branch: drafted.branch,
                    owner: drafted.owner,
                    prices_include_vat: quote.current.prices_include_vat,
                    lines: quote.current.lines.clone(),
                    total: quote.current.total,
                })])
            }
            QuoteCommand::Decline { reason } => {
                if quote.status == QuoteStatus::Declined {
                    return Ok(Vec::new());
                }
                open_only(quote)?;
                Ok(vec![QuoteEvent::Declined(QuoteDeclined {
                    revision,
                    reason: reason.as_str().to_owned(),
                    deal: quote.drafted.deal,
                })])
            }
            QuoteCommand::Expire => {
                if quote.status == QuoteStatus::Expired {
                    return Ok(Vec::new());
                }
                open_only(quote)?;
                if today <= quote.current.valid_until {
                    return Err(DomainError::rejected(
                        "quote.still_valid",
                        format!("this quote is valid until {}", quote.current.valid_until),
                    ));
                }
                Ok(vec![QuoteEvent::Expired(QuoteExpired {
                    revision,
                    valid_until: quote.current.valid_until,
                })])
            }
        }
    }

    fn evolve(state: Self::State, event: &QuoteEvent) -> Self::State {
        if let QuoteEvent::Drafted(drafted) = event {
            return Some(QuoteState {
                drafted: drafted.clone(),
                status: QuoteStatus::Draft,
                current: QuoteRevised {
                    revision: 0,
                    lines: Vec::new(),
                    prices_include_vat: false,
                    total: Amounts::default(),
                    valid_until: NaiveDate::MIN,
                    terms: None,
                },
                order: None,
            });
        }
        let mut quote = state?;
        match event {
            QuoteEvent::Drafted(_) => {}
            QuoteEvent::Revised(revised) => {
                quote.current = revised.clone();
                quote.status = QuoteStatus::Draft;
            }
            QuoteEvent::Sent(_) => quote.status = QuoteStatus::Sent,
            QuoteEvent::Accepted(accepted) => {
                quote.status = QuoteStatus::Accepted;
                quote.order = Some(accepted.order);
            }
            QuoteEvent::Declined(_) => quote.status = QuoteStatus::Declined,
            QuoteEvent::Expired(_) => quote.status = QuoteStatus::Expired,
        }
        Some(quote)
    }
}

/// A draft or a sent quote may change; an answered or expired one is
/// closed.
fn open_only(quote: &QuoteState) -> Result<(), DomainError> {
    if quote.status.is_open() {
        Ok(())
    } else {
        Err(DomainError::rejected(
            "quote.closed",
            format!("this quote is {}; draft a new one", quote.status.key()),
        ))
    }
}

fn still_valid(quote: &QuoteState, today: NaiveDate) -> Result<(), DomainError> {
    if today > quote.current.valid_until {
        return Err(DomainError::rejected(
            "quote.expired",
            format!(
                "this quote was valid until {}; revise it with a new validity date",
                quote.current.valid_until
            ),
        ));
    }
    Ok(())
}

/// The revision `number` of `content`, priced line by line as an order
/// confirms its lines.
fn revise(
    number: u32,
    currency: Currency,
    content: &Revision,
    today: NaiveDate,
) -> Result<QuoteRevised, DomainError> {
    if content.lines.is_empty() {
        return Err(DomainError::rejected(
            "quote.no_lines",
            "a quote needs at least one line",
        ));
    }
    if content.lines.len() > QUOTE_LINES_MAX {
        return Err(DomainError::rejected(
            "quote.too_many_lines",
            format!("a quote has at most {QUOTE_LINES_MAX} lines"),
        ));
    }
    if content.valid_until < today {
        return Err(DomainError::invalid(
            "valid_until",
            format!("must be today ({today}) or later"),
        ));
    }
    let prices_include_vat = content.lines[0].price.prices_include_vat;
    let mut lines = Vec::with_capacity(content.lines.len());
    for (index, offered) in content.lines.iter().enumerate() {
        let price = &offered.price;
        if price.currency != currency {
            return Err(DomainError::rejected(
                "quote.currency_mismatch",
                format!(
                    "line {} is priced in {}, the quote is in {currency}",
                    index + 1,
                    price.currency
                ),
            ));
        }
        if price.prices_include_vat != prices_include_vat {
            return Err(DomainError::invalid(
                format!("lines[{index}]"),
                "every line must come from one price list",
            ));
        }
        let discount_percent = offered.discount_percent.map(VatRate::percent);
        let unit_price = discounted_unit_price(price.unit_price, discount_percent);
        let quantity = offered.quantity.value();
        lines.push(QuotedLine {
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            product: offered.product,
            quantity,
            list_price: price.list_price,
            price: price.unit_price,
            discount_percent,
            unit_price,
            vat_percent: price.vat_percent,
            amounts: Amounts::of(quantity, unit_price, price.vat_percent, prices_include_vat),
            stock_tracked: offered.stock_tracked,
        });
    }
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    Ok(QuoteRevised {
        revision: number,
        lines,
        prices_include_vat,
        total,
        valid_until: content.valid_until,
        terms: content
            .terms
            .as_ref()
            .map(|terms| terms.as_str().to_owned())
            .filter(|terms| !terms.is_empty()),
    })
}

#[cfg(test)]
mod tests;
