//! Quotes, once for every adapter: drafting one for a customer with its
//! lines priced for that customer now, revising it, sending it, and the
//! customer's answer. Accepting names the sales order the quote becomes
//! (its id derived from the run's command id); the process managers make
//! the order from the accepted event.
//!
//! The quote's customer, warehouse, deal, price list and products must be
//! within the caller's reach ([`crate::guarded`] checks what a command
//! names); a change checks the quote itself, held as its customer is.

use chrono::NaiveDate;
use domain::access::{Action, Module, Permission};
use domain::catalog::{PriceList, Quantity, VatRate};
use domain::error::DomainError;
use domain::ids::{
    BranchId, DealId, OrderId, PartyId, PriceListId, ProductId, QuoteId, UserId, WarehouseId,
    derived,
};
use domain::inventory::Warehouse;
use domain::parties::Party;
use domain::quotes::{DraftQuote, Quote, QuoteCommand, QuoteLine, Revision};
use domain::values::Text;

use projections::CrmReadModels;

use crate::access::{self, Caller, Kind};
use crate::commands::{CommandError, CommandHandler, Executed};
use crate::trade::price_lines;
use crate::{App, Run};

/// A line to offer.
#[derive(Clone, Copy, Debug)]
pub struct OfferedLine {
    pub product: ProductId,
    pub quantity: Quantity,
    /// An extra discount on this line, 0 to 100 percent.
    pub discount_percent: Option<VatRate>,
}

/// What a revision offers: its lines, priced when it is made, how long
/// the offer holds, and its terms.
#[derive(Clone, Debug)]
pub struct Offer {
    pub lines: Vec<OfferedLine>,
    pub valid_until: NaiveDate,
    pub terms: Option<Text>,
}

/// A quote to draft for a customer, priced from a list.
#[derive(Clone, Debug)]
pub struct NewQuote {
    pub party: PartyId,
    pub price_list: PriceListId,
    /// Where the goods would ship from once ordered.
    pub warehouse: WarehouseId,
    pub deal: Option<DealId>,
    pub branch: Option<BranchId>,
    /// The sales manager responsible; the caller when absent.
    pub owner: Option<UserId>,
    pub offer: Offer,
}

/// A quote drafted: its id (derived from the run's command id) and the
/// write.
#[derive(Clone, Debug)]
pub struct Drafted {
    pub quote: QuoteId,
    pub executed: Executed,
}

/// A quote accepted: the order it becomes (made by the processes) and the
/// write.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub order: OrderId,
    pub executed: Executed,
}

/// The quote use cases of `app`.
#[derive(Debug)]
pub struct QuoteUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn quotes(&self) -> QuoteUseCases<'_> {
        QuoteUseCases { app: self }
    }
}

impl QuoteUseCases<'_> {
    /// Drafts a quote with its first revision, every line priced for the
    /// customer from the list now. Without a branch it sells for its
    /// customer's branch, or else its warehouse's. A repeat (the same
    /// command id) finds the quote drafted the first time.
    pub async fn draft(
        &self,
        by: &Caller,
        run: Run,
        new: NewQuote,
    ) -> Result<Drafted, CommandError> {
        let commands = &self.app.commands;
        // Nothing is priced for a caller who may not quote, nor for a
        // customer out of their reach; the guard checks the rest of what
        // the command names before it runs.
        let permission = Permission::new(Module::Sales, Action::Create);
        if by.grants.reach(permission).is_none() {
            return Err(CommandError::Forbidden { permission });
        }
        access::ensure_party_in_reach(commands, by, new.party)?;
        let currency = commands
            .load::<PriceList>(&CommandHandler::stream::<PriceList>(new.price_list)?)?
            .0
            .and_then(|list| list.currency)
            .ok_or_else(|| DomainError::part_not_found("price list", new.price_list))?;
        let Some(party) = commands
            .load::<Party>(&CommandHandler::stream::<Party>(new.party)?)?
            .0
        else {
            return Err(access::not_found(Kind::Party, new.party.as_uuid()).into());
        };
        let branch = match new.branch.or(party.branch) {
            Some(branch) => Some(branch),
            None => commands
                .load::<Warehouse>(&CommandHandler::stream::<Warehouse>(new.warehouse)?)?
                .0
                .and_then(|warehouse| warehouse.branch),
        };
        let revision = self.priced(new.party, new.price_list, new.offer)?;
        let quote = QuoteId::from_uuid(derived(run.command_id, b"quote"));
        let command = QuoteCommand::Draft(DraftQuote {
            quote,
            party: new.party,
            deal: new.deal,
            price_list: new.price_list,
            currency,
            warehouse: new.warehouse,
            branch,
            owner: new.owner.unwrap_or(by.user),
            revision,
        });
        let executed = self
            .app
            .execute::<Quote, _>(by, run, quote, command, None)
            .await?;
        Ok(Drafted { quote, executed })
    }

    /// A new revision of a draft or sent quote, priced for its customer
    /// from its list now.
    pub async fn revise(
        &self,
        by: &Caller,
        run: Run,
        quote: QuoteId,
        offer: Offer,
    ) -> Result<Executed, CommandError> {
        let state = self.existing(by, quote)?;
        let revision = self.priced(state.drafted.party, state.drafted.price_list, offer)?;
        self.app
            .execute::<Quote, _>(by, run, quote, QuoteCommand::Revise(revision), None)
            .await
    }

    /// The customer accepted the quote: it becomes a sales order, whose
    /// id derives from the run's command id.
    pub async fn accept(
        &self,
        by: &Caller,
        run: Run,
        quote: QuoteId,
    ) -> Result<Accepted, CommandError> {
        let order = OrderId::from_uuid(derived(run.command_id, b"order"));
        let executed = self
            .app
            .execute::<Quote, _>(by, run, quote, QuoteCommand::Accept { order }, None)
            .await?;
        // A repeat finds the order named the first time.
        let (state, _) = self.app.load::<Quote>(quote)?;
        let order = state.and_then(|quote| quote.order).unwrap_or(order);
        Ok(Accepted { order, executed })
    }

    /// Sends, declines or expires a quote: one command, as the caller.
    /// A draft, a revision (priced here, never by the caller) and an
    /// acceptance (which names its order) go through their own use cases.
    pub async fn answer(
        &self,
        by: &Caller,
        run: Run,
        quote: QuoteId,
        command: QuoteCommand,
    ) -> Result<Executed, CommandError> {
        if !matches!(
            command,
            QuoteCommand::Send | QuoteCommand::Decline { .. } | QuoteCommand::Expire
        ) {
            return Err(DomainError::invalid(
                "command",
                "draft, revise and accept through their own use cases",
            )
            .into());
        }
        self.app
            .execute::<Quote, _>(by, run, quote, command, None)
            .await
    }

    /// Expires every open quote whose last valid day is before today (the
    /// App's clock), as the system: each under a command id derived from
    /// the quote and its revision, so a look repeated after a crash
    /// writes nothing twice. Answers the quotes it expired now; one
    /// answered or revised meanwhile is passed over.
    pub async fn expire_due(&self, models: &CrmReadModels) -> Result<Vec<QuoteId>, CommandError> {
        let today = self.app.now().date_naive();
        let head = self.app.commands.log().head().position;
        models.quotes.wait_for(head).await.map_err(|error| {
            CommandError::Inconsistent(format!("the quotes model stopped: {error}"))
        })?;
        let lapsed = models
            .quotes
            .read(|quotes| quotes.lapsed(today, EXPIRIES_PER_LOOK_MAX));
        let system = Caller::process(EXPIRY_PROCESS);
        let mut expired = Vec::new();
        for (quote, revision) in lapsed {
            let run = Run {
                command_id: derived(quote.as_uuid(), format!("expire:{revision}").as_bytes()),
                expected_version: None,
            };
            match self
                .app
                .execute::<Quote, _>(&system, run, quote, QuoteCommand::Expire, None)
                .await
            {
                Ok(executed) if executed.appended > 0 => {
                    expired.push(quote);
                }
                Ok(_) => {}
                // Answered or revised meanwhile: the next look sees it.
                Err(CommandError::Domain(error)) => {
                    tracing::debug!(%quote, %error, "a lapsed quote was not expired");
                }
                Err(other) => return Err(other),
            }
        }
        Ok(expired)
    }

    /// The quote, which must be within `by`'s reach.
    fn existing(
        &self,
        by: &Caller,
        quote: QuoteId,
    ) -> Result<domain::quotes::QuoteState, CommandError> {
        let permission = Permission::new(Module::Sales, Action::Edit);
        access::ensure_in_reach(
            &self.app.commands,
            by,
            permission,
            Kind::Quote,
            quote.as_uuid(),
        )?;
        self.app
            .load::<Quote>(quote)?
            .0
            .ok_or_else(|| access::not_found(Kind::Quote, quote.as_uuid()).into())
    }

    /// The revision `offer` makes, each line priced for `party` now.
    fn priced(
        &self,
        party: PartyId,
        price_list: PriceListId,
        offer: Offer,
    ) -> Result<Revision, CommandError> {
        let wanted: Vec<_> = offer
            .lines
            .iter()
            .zip(0u32..)
            .map(|(line, place)| (place, line.product, line.quantity.value()))
            .collect();
        let prices = price_lines(&self.app.commands, price_list, party, &wanted)?;
        Ok(Revision {
            lines: offer
                .lines
                .into_iter()
                .zip(prices)
                .map(|(line, priced)| QuoteLine {
                    product: line.product,
                    quantity: line.quantity,
                    discount_percent: line.discount_percent,
                    price: priced.price,
                    stock_tracked: priced.stock_tracked,
                })
                .collect(),
            valid_until: offer.valid_until,
            terms: offer.terms,
        })
    }
}

/// The name expiries are recorded under.
pub const EXPIRY_PROCESS: &str = "quote-expiry";
/// Quotes expired per look, at most; the rest come at the next.
const EXPIRIES_PER_LOOK_MAX: usize = 500;
