//! HyperCRM's business rules, and nothing else.
//!
//! Every aggregate is a decider: `decide(&state, command)` checks the rules
//! and returns the events that record what happened, or an error naming the
//! broken rule; `evolve(state, &event)` folds an event into the state and
//! cannot fail, so replaying valid history never fails. This crate does no
//! I/O and knows nothing of the event log, sled, async or HTTP: the
//! application layer loads a stream, calls `decide`, and appends the result.
//!
//! The bounded contexts (parties, interactions, sales, catalog, inventory,
//! finance, planning) arrive with their issues; see `docs/ARCHITECTURE.md`.

#![forbid(unsafe_code)]

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal decider to pin down the shape every aggregate follows.
    struct Tally;

    #[derive(Debug, PartialEq)]
    enum TallyEvent {
        Added(u32),
    }

    #[derive(Debug, PartialEq)]
    enum TallyError {
        WouldOverflow,
    }

    impl Decider for Tally {
        type State = u32;
        type Command = u32;
        type Event = TallyEvent;
        type Error = TallyError;

        fn decide(state: &u32, amount: &u32) -> Result<Vec<TallyEvent>, TallyError> {
            state
                .checked_add(*amount)
                .ok_or(TallyError::WouldOverflow)?;
            Ok(vec![TallyEvent::Added(*amount)])
        }

        fn evolve(state: u32, event: &TallyEvent) -> u32 {
            match event {
                TallyEvent::Added(amount) => state.saturating_add(*amount),
            }
        }
    }

    #[test]
    fn replay_folds_history_and_decide_enforces_the_rule() {
        let history = [TallyEvent::Added(2), TallyEvent::Added(3)];
        let state = Tally::replay(&history);
        assert_eq!(state, 5);
        assert_eq!(Tally::decide(&state, &1), Ok(vec![TallyEvent::Added(1)]));
        assert_eq!(Tally::decide(&u32::MAX, &1), Err(TallyError::WouldOverflow));
    }
}
