//! Interactions in the demo: calls, emails, meetings and notes logged on
//! customers (some back-dated, some amended or withdrawn).

use domain::ids::{DealId, InteractionId, UserId};
use domain::interactions::{
    CallOutcome, Direction, Interaction, InteractionCommand, InteractionKind, LogInteraction,
};
use domain::values::Text;
use rand::Rng;

use crate::content::{self, Culture};

use super::{Action, DAY_SECONDS, Demo, pick, time};

impl Demo {
    pub(super) fn party_deal(&self, index: u32) -> Option<DealId> {
        self.parties[index as usize].open_deal
    }

    pub(super) fn log_interaction(
        &mut self,
        index: u32,
        at: i64,
        issued_at: i64,
        by: UserId,
        (kind, subject, body): (InteractionKind, Option<&str>, &str),
    ) {
        let party = self.parties[index as usize].id;
        let deal = self.party_deal(index).filter(|_| self.chance(0.6));
        let subject = match subject {
            Some(subject) => match self.label(subject) {
                Some(subject) => Some(subject),
                None => return,
            },
            None => None,
        };
        let Some(body) = self.valid(Text::parse("body", body)) else {
            return;
        };
        let id = InteractionId::from_uuid(self.uuid(at));
        let mut issued = Self::issued(
            by,
            issued_at,
            InteractionCommand::Log(LogInteraction {
                party,
                deal,
                kind,
                subject,
                body,
            }),
        );
        if issued_at != at {
            issued = issued.backdated(time(at));
        }
        let mut state = None;
        let events = self.decide_all::<Interaction>(&mut state, [issued]);
        if state.is_some() && self.chance(0.03) {
            self.interactions.insert(id, state);
            let when = at + self.rng.random_range(600..DAY_SECONDS);
            self.schedule(when, Action::FixInteraction(id));
        }
        self.emit(id.as_uuid(), at, issued_at, by, events);
    }

    pub(super) fn log_call(&mut self, index: u32, at: i64, by: UserId) {
        let direction = if self.chance(0.65) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let outcome = match self.rng.random_range(0..100) {
            0..62 => CallOutcome::Connected,
            62..80 => CallOutcome::NoAnswer,
            80..88 => CallOutcome::Busy,
            88..98 => CallOutcome::LeftVoicemail,
            _ => CallOutcome::WrongNumber,
        };
        let duration_seconds = match outcome {
            CallOutcome::Connected => {
                30 + self.exponential_days(240.0).unsigned_abs() as u32 % 3_600
            }
            CallOutcome::LeftVoicemail => self.rng.random_range(15..60),
            _ => self.rng.random_range(0..25),
        };
        let recording_url = (outcome == CallOutcome::Connected && self.chance(0.2)).then(|| {
            format!(
                "https://pbx.demo-company.example/recordings/{}.mp3",
                self.rng.random_range(100_000..999_999)
            )
        });
        let subject = self.chance(0.5).then(|| self.word(content::CALL_SUBJECTS));
        let body = if outcome == CallOutcome::Connected {
            self.word(content::CALL_NOTES)
        } else {
            ""
        };
        let kind = InteractionKind::Call {
            direction,
            duration_seconds,
            outcome,
            recording_url,
        };
        self.log_interaction(index, at, at, by, (kind, subject, body));
    }

    pub(super) fn log_email(&mut self, index: u32, at: i64, by: UserId) {
        let direction = if self.chance(0.55) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let subject =
            if self.parties[index as usize].culture == Culture::Russian && self.chance(0.6) {
                self.word(content::RUSSIAN_EMAIL_SUBJECTS)
            } else {
                self.word(content::EMAIL_SUBJECTS)
            };
        let body = self.word(content::EMAIL_BODIES);
        let kind = InteractionKind::Email { direction };
        if subject.starts_with("Invoice") {
            self.invoice_number += 1;
            let subject = format!("Invoice #{} and payment details", self.invoice_number);
            self.log_interaction(index, at, at, by, (kind, Some(&subject), body));
        } else {
            self.log_interaction(index, at, at, by, (kind, Some(subject), body));
        }
    }

    pub(super) fn log_meeting(
        &mut self,
        index: u32,
        at: i64,
        by: UserId,
        duration_minutes: Option<u32>,
        location: Option<String>,
    ) {
        let duration_minutes =
            duration_minutes.unwrap_or_else(|| *pick(&mut self.rng, &[30, 45, 60, 60, 90, 120]));
        let location = location.or_else(|| Some(self.word(content::MEETING_LOCATIONS).to_owned()));
        let subject = self.word(content::MEETING_TITLES);
        let body = self.word(content::CALL_NOTES);
        let kind = InteractionKind::Meeting {
            duration_minutes,
            location,
        };
        self.log_interaction(index, at, at, by, (kind, Some(subject), body));
    }

    pub(super) fn log_note(&mut self, index: u32, at: i64, issued_at: i64, by: UserId) {
        let body = self.word(content::NOTES);
        self.log_interaction(
            index,
            at,
            issued_at,
            by,
            (InteractionKind::Note, None, body),
        );
    }

    pub(super) fn backdated_note(&mut self, index: u32, at: i64, issued_at: i64) {
        let slot = &self.parties[index as usize];
        if !slot.is_active() {
            return;
        }
        let by = slot
            .state
            .as_ref()
            .map_or(self.managers[0], |state| state.owner);
        self.log_note(index, at, issued_at, by);
    }

    pub(super) fn fix_interaction(&mut self, id: InteractionId, at: i64) {
        let Some(mut state) = self.interactions.remove(&id) else {
            return;
        };
        let Some(current) = &state else {
            return;
        };
        let by = current.logged_by;
        let command = if self.chance(0.3) {
            let reason = self.word(content::WITHDRAW_REASONS);
            let Some(reason) = self.label(reason) else {
                return;
            };
            InteractionCommand::Withdraw { reason }
        } else {
            let subject = current.subject.clone();
            let body = if current.body.is_empty() {
                "Details added after the fact.".to_owned()
            } else {
                format!("{} (corrected)", current.body)
            };
            let subject = match subject {
                Some(subject) => self.label(&subject),
                None => None,
            };
            let Some(body) = self.valid(Text::parse("body", &body)) else {
                return;
            };
            InteractionCommand::Amend { subject, body }
        };
        let events = self.decide_all::<Interaction>(&mut state, [Self::issued(by, at, command)]);
        self.emit(id.as_uuid(), at, at, by, events);
    }

    // ------------------------------------------------------------ leads
}
