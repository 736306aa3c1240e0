//! Interactions: the calls, emails, meetings and notes logged against a
//! party, and optionally one of its deals.
//!
//! An interaction is one stream, `interaction-<id>`. It is logged once, by
//! the user who issues the command, at the business time of the command, so
//! a call made this morning can be logged tonight. Its subject and body can
//! be amended later to fix a typo; its kind, party and deal cannot, since
//! reports count by them. A wrong entry is withdrawn with a reason rather
//! than deleted, so the timeline keeps an honest record of what was shown.

use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{DealId, PartyId, UserId};
use crate::personal::{PersonalData, Slot, slot};
use crate::values::{Label, Text};

/// Longest call: a day, in seconds.
pub const CALL_DURATION_SECONDS_MAX: u32 = 24 * 60 * 60;
/// Longest meeting: a day, in minutes.
pub const MEETING_DURATION_MINUTES_MAX: u32 = 24 * 60;
/// Longest call recording address, in characters.
pub const RECORDING_URL_CHARS_MAX: usize = 2_048;

const ENTITY: &str = "interaction";

// ---------------------------------------------------------------- events

/// Who started the conversation. Stored by position: new variants at the
/// end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Self::Inbound, Self::Outbound];

    /// Stable lower-case name, for the API and message catalogues.
    pub fn code(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|direction| direction.code() == code)
    }
}

/// How a call ended. Stored by position: new variants at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallOutcome {
    Connected,
    NoAnswer,
    Busy,
    LeftVoicemail,
    WrongNumber,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 5] = [
        Self::Connected,
        Self::NoAnswer,
        Self::Busy,
        Self::LeftVoicemail,
        Self::WrongNumber,
    ];

    /// Stable lower-case name, for the API and message catalogues.
    pub fn code(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::LeftVoicemail => "left_voicemail",
            Self::WrongNumber => "wrong_number",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.code() == code)
    }
}

/// What kind of interaction took place, with what only that kind has.
/// Stored by position: new variants at the end.
///
/// Commands carry this type too, built from raw input: `decide` checks it
/// with [`InteractionKind::parse`] and stores the normalized result, and
/// the API may call `parse` itself to report bad input early.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractionKind {
    Call {
        direction: Direction,
        duration_seconds: u32,
        outcome: CallOutcome,
        recording_url: Option<String>,
    },
    Email {
        direction: Direction,
    },
    Meeting {
        duration_minutes: u32,
        location: Option<String>,
    },
    Note,
}

impl InteractionKind {
    /// Stable lower-case name, for the API, filters and reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Call { .. } => "call",
            Self::Email { .. } => "email",
            Self::Meeting { .. } => "meeting",
            Self::Note => "note",
        }
    }

    /// Checks a kind built from raw input and normalizes its texts: a
    /// blank recording address or location becomes `None`, the others are
    /// trimmed. Errors name the field under `kind`, such as
    /// `kind.duration_seconds`.
    pub fn parse(self) -> Result<Self, DomainError> {
        match self {
            Self::Call {
                direction,
                duration_seconds,
                outcome,
                recording_url,
            } => {
                if duration_seconds > CALL_DURATION_SECONDS_MAX {
                    return Err(DomainError::invalid(
                        "kind.duration_seconds",
                        format!("a call lasts at most {CALL_DURATION_SECONDS_MAX} seconds"),
                    ));
                }
                Ok(Self::Call {
                    direction,
                    duration_seconds,
                    outcome,
                    recording_url: parse_recording_url(recording_url.as_deref())?,
                })
            }
            Self::Email { direction } => Ok(Self::Email { direction }),
            Self::Meeting {
                duration_minutes,
                location,
            } => {
                if duration_minutes > MEETING_DURATION_MINUTES_MAX {
                    return Err(DomainError::invalid(
                        "kind.duration_minutes",
                        format!("a meeting lasts at most {MEETING_DURATION_MINUTES_MAX} minutes"),
                    ));
                }
                let location = Label::parse_optional("location", location.as_deref())
                    .map_err(|error| error.within("kind"))?;
                Ok(Self::Meeting {
                    duration_minutes,
                    location: location.map(Label::into_string),
                })
            }
            Self::Note => Ok(Self::Note),
        }
    }
}

/// A recording is played from the telephony system: only web addresses,
/// so a `javascript:` or `file:` link never reaches a browser.
fn parse_recording_url(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    let url = match raw.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(url) => url,
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && url.chars().count() <= RECORDING_URL_CHARS_MAX
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(Some(url.to_owned()))
    } else {
        Err(DomainError::invalid(
            "kind.recording_url",
            format!(
                "must be an http:// or https:// address without spaces, at most {RECORDING_URL_CHARS_MAX} characters"
            ),
        ))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionLogged {
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub kind: InteractionKind,
    pub subject: Option<String>,
    pub body: String,
    pub logged_by: UserId,
}

/// The subject and body as they read now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionAmended {
    pub subject: Option<String>,
    pub body: String,
}

/// The interaction was logged by mistake; it stays in history, hidden from
/// timelines and reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionWithdrawn {
    pub reason: String,
}

domain_events! {
    /// Everything that can happen to an interaction.
    pub enum InteractionEvent in "interaction" {
        Logged(InteractionLogged) = "InteractionLogged" v 1,
        Amended(InteractionAmended) = "InteractionAmended" v 1,
        Withdrawn(InteractionWithdrawn) = "InteractionWithdrawn" v 1,
    }
}

/// An interaction's subject, body and withdrawal reason are personal; its
/// party, deal, kind and author are not.
impl PersonalData for InteractionEvent {
    const PERSONAL: bool = true;

    fn personal_slots(&mut self) -> Vec<Box<dyn Slot + '_>> {
        match self {
            Self::Logged(InteractionLogged { subject, body, .. })
            | Self::Amended(InteractionAmended { subject, body }) => {
                vec![slot(subject), slot(body)]
            }
            Self::Withdrawn(InteractionWithdrawn { reason }) => vec![slot(reason)],
        }
    }
}

// -------------------------------------------------------------- commands

/// Logs an interaction; it happened at the command's business time, so a
/// backdated command logs a past interaction.
#[derive(Clone, Debug, PartialEq)]
pub struct LogInteraction {
    pub party: PartyId,
    pub deal: Option<DealId>,
    /// Checked by `decide` with [`InteractionKind::parse`].
    pub kind: InteractionKind,
    pub subject: Option<Label>,
    pub body: Text,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InteractionCommand {
    Log(LogInteraction),
    Amend { subject: Option<Label>, body: Text },
    Withdraw { reason: Label },
}

// ----------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionState {
    pub party: PartyId,
    pub deal: Option<DealId>,
    pub kind: InteractionKind,
    pub subject: Option<String>,
    pub body: String,
    pub logged_by: UserId,
    pub withdrawn: bool,
}

/// The interaction decider. State is `None` until the interaction is
/// logged.
#[derive(Debug)]
pub struct Interaction;

impl Decider for Interaction {
    type State = Option<InteractionState>;
    type Command = Issued<InteractionCommand>;
    type Event = InteractionEvent;
    type Error = DomainError;

    fn decide(
        state: &Self::State,
        issued: &Self::Command,
    ) -> Result<Vec<InteractionEvent>, DomainError> {
        issued.business_time()?;
        let command = &issued.command;
        let InteractionCommand::Log(log) = command else {
            let state = state
                .as_ref()
                .ok_or_else(|| DomainError::not_found(ENTITY))?;
            return decide_existing(state, command);
        };
        if state.is_some() {
            return Err(already_logged());
        }
        let kind = log.kind.clone().parse()?;
        ensure_content_fits(&kind, log.subject.as_ref(), &log.body)?;
        Ok(vec![InteractionEvent::Logged(InteractionLogged {
            party: log.party,
            deal: log.deal,
            kind,
            subject: log.subject.clone().map(Label::into_string),
            body: log.body.as_str().to_owned(),
            logged_by: issued.by,
        })])
    }

    fn evolve(state: Self::State, event: &InteractionEvent) -> Self::State {
        match (state, event) {
            (_, InteractionEvent::Logged(logged)) => Some(InteractionState {
                party: logged.party,
                deal: logged.deal,
                kind: logged.kind.clone(),
                subject: logged.subject.clone(),
                body: logged.body.clone(),
                logged_by: logged.logged_by,
                withdrawn: false,
            }),
            (Some(mut interaction), InteractionEvent::Amended(amended)) => {
                interaction.subject = amended.subject.clone();
                interaction.body = amended.body.clone();
                Some(interaction)
            }
            (Some(mut interaction), InteractionEvent::Withdrawn(_)) => {
                interaction.withdrawn = true;
                Some(interaction)
            }
            (None, _) => None,
        }
    }
}

fn decide_existing(
    interaction: &InteractionState,
    command: &InteractionCommand,
) -> Result<Vec<InteractionEvent>, DomainError> {
    let events = match command {
        InteractionCommand::Log(_) => return Err(already_logged()),
        InteractionCommand::Amend { subject, body } => {
            ensure_not_withdrawn(interaction)?;
            ensure_content_fits(&interaction.kind, subject.as_ref(), body)?;
            let subject = subject.clone().map(Label::into_string);
            crate::unless_unchanged(
                interaction.subject == subject && interaction.body == body.as_str(),
                || {
                    InteractionEvent::Amended(InteractionAmended {
                        subject,
                        body: body.as_str().to_owned(),
                    })
                },
            )
        }
        InteractionCommand::Withdraw { reason } => {
            // Withdrawing twice is refused rather than ignored: the first
            // reason stands, and a second one would be silently lost.
            ensure_not_withdrawn(interaction)?;
            vec![InteractionEvent::Withdrawn(InteractionWithdrawn {
                reason: reason.as_str().to_owned(),
            })]
        }
    };
    Ok(events)
}

fn ensure_not_withdrawn(interaction: &InteractionState) -> Result<(), DomainError> {
    if interaction.withdrawn {
        return Err(DomainError::rejected(
            "interaction.withdrawn",
            "this interaction was withdrawn; log a new one instead",
        ));
    }
    Ok(())
}

/// An email is found by its subject, and a note is nothing but its body.
fn ensure_content_fits(
    kind: &InteractionKind,
    subject: Option<&Label>,
    body: &Text,
) -> Result<(), DomainError> {
    match kind {
        InteractionKind::Email { .. } if subject.is_none() => {
            Err(DomainError::invalid("subject", "an email needs a subject"))
        }
        InteractionKind::Note if body.as_str().is_empty() => {
            Err(DomainError::invalid("body", "a note must not be blank"))
        }
        _ => Ok(()),
    }
}

fn already_logged() -> DomainError {
    DomainError::rejected(
        "interaction.already_logged",
        "this interaction is already logged",
    )
}

#[cfg(test)]
mod tests;
