//! given / when / then for deciders, without storage.
//!
//! `given(history).when(command).then(events)` replays the history, decides
//! the command and compares the outcome. Every event a test produces or
//! replays also makes a round trip through the payload codec, so each event
//! type's encoding is tested by the rules that use it.

use std::fmt::Debug;
use std::marker::PhantomData;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::Decider;
use crate::codec::DomainEvent;
use crate::command::Issued;
use crate::error::DomainError;
use crate::ids::UserId;

/// The user tests act as.
pub fn user() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xA11CE))
}

/// A fixed moment: 2026-03-10 12:00 UTC plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .expect("a valid fixed date")
        + chrono::Duration::minutes(minutes)
}

/// A command issued by [`user`] at [`at(0)`](at).
pub fn issue<C>(command: C) -> Issued<C> {
    Issued::new(user(), at(0), command)
}

/// A deterministic id from a small number, readable in failures.
pub fn id<T: From<Uuid>>(number: u128) -> T {
    T::from(Uuid::from_u128(number))
}

pub struct Given<D: Decider> {
    state: D::State,
    decider: PhantomData<D>,
}

pub fn given<D>(history: impl IntoIterator<Item = D::Event>) -> Given<D>
where
    D: Decider,
    D::Event: DomainEvent + PartialEq + Debug,
{
    let history: Vec<D::Event> = history.into_iter().collect();
    history.iter().for_each(assert_round_trip);
    Given {
        state: D::replay(&history),
        decider: PhantomData,
    }
}

impl<D> Given<D>
where
    D: Decider<Error = DomainError>,
    D::Event: DomainEvent + PartialEq + Debug,
{
    pub fn when(self, command: D::Command) -> Then<D> {
        Then {
            outcome: D::decide(&self.state, &command),
        }
    }
}

pub struct Then<D: Decider> {
    outcome: Result<Vec<D::Event>, D::Error>,
}

impl<D> Then<D>
where
    D: Decider<Error = DomainError>,
    D::Event: DomainEvent + PartialEq + Debug,
{
    #[track_caller]
    pub fn then(self, expected: Vec<D::Event>) {
        match self.outcome {
            Ok(events) => {
                events.iter().for_each(assert_round_trip);
                assert_eq!(events, expected);
            }
            Err(error) => panic!("expected events, got the error {error:?}"),
        }
    }

    /// The command is accepted and changes nothing (an idempotent repeat).
    #[track_caller]
    pub fn then_nothing(self) {
        self.then(Vec::new());
    }

    #[track_caller]
    pub fn then_error(self, expected: DomainError) {
        assert_eq!(self.outcome.err(), Some(expected));
    }

    /// The command breaks the named rule.
    #[track_caller]
    pub fn then_rejected(self, rule: &str) {
        match self.outcome {
            Err(error) => assert_eq!(error.rule(), Some(rule), "{error:?}"),
            Ok(events) => panic!("expected the rule {rule} to reject, got {events:?}"),
        }
    }

    /// The command has a bad value in the named field.
    #[track_caller]
    pub fn then_invalid(self, field: &str) {
        match self.outcome {
            Err(error) => assert_eq!(error.field(), Some(field), "{error:?}"),
            Ok(events) => panic!("expected {field} to be invalid, got {events:?}"),
        }
    }

    /// The command addresses an aggregate that does not exist.
    #[track_caller]
    pub fn then_not_found(self) {
        match self.outcome {
            Err(DomainError::NotFound { .. }) => {}
            other => panic!("expected not found, got {other:?}"),
        }
    }
}

#[track_caller]
fn assert_round_trip<E: DomainEvent + PartialEq + Debug>(event: &E) {
    let bytes = event.encode();
    let decoded = E::decode(event.event_type(), event.schema_version(), &bytes)
        .unwrap_or_else(|error| panic!("{} does not decode: {error}", event.event_type()));
    assert_eq!(
        &decoded,
        event,
        "{} changed in a round trip",
        event.event_type()
    );
}
