//! HyperCRM's business rules, and nothing else.
//!
//! Every aggregate is a decider: `decide(&state, command)` checks the rules
//! and returns the events that record what happened, or an error naming the
//! broken rule; `evolve(state, &event)` folds an event into the state and
//! cannot fail, so replaying valid history never fails. This crate does no
//! I/O and knows nothing of the event log, sled, async or HTTP: the
//! application layer loads a stream, calls `decide`, and appends the result.
//!
//! Bounded contexts, one module each: [`parties`], [`interactions`],
//! [`pipeline`] (pipelines, leads and deals), [`planning`] (tasks and
//! calendar) and, for trade, [`catalog`] (products, price lists, price
//! resolution), [`inventory`] (warehouses, stock at moving average cost),
//! [`sales`] (sales orders, shipments, returns, imported sales) and
//! [`finance`] (customer accounts: invoices, credit notes, payments;
//! gap-free document numbers), and for buying, [`purchasing`] (purchase
//! orders received at their landed cost), [`payables`] (suppliers'
//! invoices and payments, realized exchange differences), [`sourcing`] (suppliers' offers
//! per product, the preferred supplier) and [`currency`] (the company
//! currency, daily exchange rates), and for making, [`production`] (bills
//! of materials, production orders costed from what they consume). [`access`] holds users, their roles and
//! API tokens, and the permission matrix. [`process`] says what an event causes in
//! other aggregates. Shared values live in [`ids`], [`values`],
//! [`channel`]; [`codec`] maps events to log payloads.

#![forbid(unsafe_code)]

pub mod access;
pub mod branch;
pub mod catalog;
pub mod channel;
pub mod codec;
pub mod command;
pub mod currency;
pub mod documents;
pub mod error;
pub mod events;
pub mod finance;
pub mod fleet;
pub mod group;
pub mod ids;
pub mod interactions;
pub mod inventory;
pub mod parties;
pub mod payables;
pub mod personal;
pub mod pipeline;
pub mod planning;
pub mod process;
pub mod production;
pub mod purchasing;
pub mod quotes;
pub mod retention;
pub mod sales;
pub mod sourcing;
pub mod values;
pub mod words;

#[cfg(test)]
pub(crate) mod testing;

pub use codec::{DecodeError, DomainEvent};
pub use command::Issued;
pub use error::DomainError;
pub use events::CrmEvent;

/// The event for a change, or none when the state already is what the
/// command asks for: repeating a command is harmless.
pub(crate) fn unless_unchanged<E>(unchanged: bool, event: impl FnOnce() -> E) -> Vec<E> {
    if unchanged { Vec::new() } else { vec![event()] }
}

/// An aggregate written as a decider.
pub trait Decider {
    type State: Default;
    type Command;
    type Event;
    type Error;

    /// Checks `command` against `state` and the rules; returns the events
    /// to append.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Applies one event. Holds no rules and cannot fail.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// The state after a history of events.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), Self::evolve)
    }
}
