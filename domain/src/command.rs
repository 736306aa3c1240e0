//! What every command carries besides its own fields: who issues it and
//! when.
//!
//! The clock is read by the caller and passed in, so `decide` is a pure
//! function of state and command and a replay or a test gives the same
//! result every time.

use chrono::{DateTime, Duration, Utc};

use crate::error::DomainError;
use crate::ids::UserId;

/// How far into the future a business time may lie, to absorb clock skew
/// between a user's device and the server.
pub const BUSINESS_TIME_SKEW_SECONDS_MAX: i64 = 300;

/// A command as issued by someone at some moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Issued<C> {
    /// The user on whose behalf the command runs.
    pub by: UserId,
    /// When the command was issued (the server's clock).
    pub at: DateTime<Utc>,
    /// When the action happened in the business sense, if earlier than
    /// `at`: a call logged after the fact, a deal marked won yesterday.
    pub occurred_at: Option<DateTime<Utc>>,
    pub command: C,
}

impl<C> Issued<C> {
    pub fn new(by: UserId, at: DateTime<Utc>, command: C) -> Self {
        Self {
            by,
            at,
            occurred_at: None,
            command,
        }
    }

    /// Who and when of this, for another command: for callers that take
    /// the issuer before they know the command (confirming an order first
    /// resolves its prices).
    pub fn with<D>(self, command: D) -> Issued<D> {
        Issued {
            by: self.by,
            at: self.at,
            occurred_at: self.occurred_at,
            command,
        }
    }

    /// The same command, recorded as having happened at `occurred_at`.
    pub fn backdated(mut self, occurred_at: DateTime<Utc>) -> Self {
        self.occurred_at = Some(occurred_at);
        self
    }

    /// The business time of the events this command produces. A backdated
    /// time may lie in the past, never in the future.
    pub fn business_time(&self) -> Result<DateTime<Utc>, DomainError> {
        match self.occurred_at {
            None => Ok(self.at),
            Some(occurred_at)
                if occurred_at > self.at + Duration::seconds(BUSINESS_TIME_SKEW_SECONDS_MAX) =>
            {
                Err(DomainError::invalid(
                    "occurred_at",
                    "cannot lie in the future",
                ))
            }
            Some(occurred_at) => Ok(occurred_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn issued_at(hour: u32) -> Issued<()> {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 10, hour, 0, 0)
            .single()
            .unwrap();
        Issued::new(UserId::from_uuid(Uuid::nil()), at, ())
    }

    /// Protects the default: an action happens when it is issued.
    #[test]
    fn business_time_defaults_to_the_issue_time() {
        let issued = issued_at(12);
        assert_eq!(issued.business_time(), Ok(issued.at));
    }

    /// Protects backdating: a call logged today may have happened last week.
    #[test]
    fn a_backdated_command_happens_in_the_past() {
        let past = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().unwrap();
        let issued = issued_at(12).backdated(past);
        assert_eq!(issued.business_time(), Ok(past));
    }

    /// Protects reports from a typo: nothing can be dated next year.
    #[test]
    fn a_business_time_in_the_future_is_rejected_by_field() {
        let future = Utc
            .with_ymd_and_hms(2026, 3, 10, 13, 0, 0)
            .single()
            .unwrap();
        let error = issued_at(12).backdated(future).business_time().unwrap_err();
        assert_eq!(error.field(), Some("occurred_at"));
    }

    /// Protects users whose device clock runs a little ahead.
    #[test]
    fn a_business_time_within_the_skew_is_accepted() {
        let issued = issued_at(12);
        let soon = issued.at + Duration::seconds(BUSINESS_TIME_SKEW_SECONDS_MAX);
        assert_eq!(issued.backdated(soon).business_time(), Ok(soon));
    }

    /// Protects backdating: a command taken over by another keeps its
    /// issuer and both times.
    #[test]
    fn another_command_keeps_who_and_when() {
        let issued = issued_at(12).backdated(issued_at(9).at);
        let other = issued.clone().with("confirm");
        assert_eq!(
            (other.by, other.at, other.occurred_at, other.command),
            (issued.by, issued.at, issued.occurred_at, "confirm")
        );
    }
}
