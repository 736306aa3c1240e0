//! Every interaction rule as given / when / then.

use super::*;
use crate::testing::{at, given, id, issue, user};

fn call(duration_seconds: u32, recording_url: Option<&str>) -> InteractionKind {
    InteractionKind::Call {
        direction: Direction::Outbound,
        duration_seconds,
        outcome: CallOutcome::Connected,
        recording_url: recording_url.map(str::to_owned),
    }
}

fn meeting(duration_minutes: u32, location: Option<&str>) -> InteractionKind {
    InteractionKind::Meeting {
        duration_minutes,
        location: location.map(str::to_owned),
    }
}

fn email() -> InteractionKind {
    InteractionKind::Email {
        direction: Direction::Inbound,
    }
}

fn subject(raw: &str) -> Option<Label> {
    Label::parse_optional("subject", Some(raw)).unwrap()
}

fn body(raw: &str) -> Text {
    Text::parse("body", raw).unwrap()
}

fn log(kind: InteractionKind, subject_raw: &str, body_raw: &str) -> InteractionCommand {
    InteractionCommand::Log(LogInteraction {
        party: id(1),
        deal: Some(id(2)),
        kind,
        subject: subject(subject_raw),
        body: body(body_raw),
    })
}

fn logged(kind: InteractionKind, subject: Option<&str>, body: &str) -> InteractionEvent {
    InteractionEvent::Logged(InteractionLogged {
        party: id(1),
        deal: Some(id(2)),
        kind,
        subject: subject.map(str::to_owned),
        body: body.into(),
        logged_by: user(),
    })
}

fn logged_call() -> InteractionEvent {
    logged(call(300, None), Some("Pricing"), "Asked for a quote")
}

fn withdrawn() -> InteractionEvent {
    InteractionEvent::Withdrawn(InteractionWithdrawn {
        reason: "wrong party".into(),
    })
}

fn amend(subject_raw: &str, body_raw: &str) -> InteractionCommand {
    InteractionCommand::Amend {
        subject: subject(subject_raw),
        body: body(body_raw),
    }
}

fn withdraw() -> InteractionCommand {
    InteractionCommand::Withdraw {
        reason: Label::parse("reason", "wrong party").unwrap(),
    }
}

/// Protects logging: a call is recorded with its party, deal and the user
/// who logged it.
#[test]
fn logging_a_call_records_it_for_the_issuing_user() {
    given::<Interaction>([])
        .when(issue(log(call(300, None), "Pricing", "Asked for a quote")))
        .then(vec![logged_call()]);
}

/// Protects against two interactions sharing one stream.
#[test]
fn logging_twice_is_rejected() {
    given::<Interaction>([logged_call()])
        .when(issue(log(call(300, None), "Pricing", "Asked for a quote")))
        .then_rejected("interaction.already_logged");
}

/// Protects amend and withdraw from acting on nothing.
#[test]
fn changing_an_unlogged_interaction_is_not_found() {
    given::<Interaction>([])
        .when(issue(amend("Pricing", "Asked for a quote")))
        .then_not_found();
    given::<Interaction>([])
        .when(issue(withdraw()))
        .then_not_found();
}

/// Protects withdrawn entries: they stay as they were when withdrawn.
#[test]
fn a_withdrawn_interaction_refuses_amend_and_withdraw() {
    given::<Interaction>([logged_call(), withdrawn()])
        .when(issue(amend("Pricing", "Asked for two quotes")))
        .then_rejected("interaction.withdrawn");
    given::<Interaction>([logged_call(), withdrawn()])
        .when(issue(withdraw()))
        .then_rejected("interaction.withdrawn");
}

/// Protects the timeline: withdrawing records why.
#[test]
fn withdrawing_records_the_reason() {
    given::<Interaction>([logged_call()])
        .when(issue(withdraw()))
        .then(vec![withdrawn()]);
}

/// Protects amendments: a real change is recorded, the same text is a no-op.
#[test]
fn amending_records_only_a_real_change() {
    given::<Interaction>([logged_call()])
        .when(issue(amend("Pricing", "Asked for two quotes")))
        .then(vec![InteractionEvent::Amended(InteractionAmended {
            subject: Some("Pricing".into()),
            body: "Asked for two quotes".into(),
        })]);
    given::<Interaction>([logged_call()])
        .when(issue(amend("Pricing", "  Asked for a quote ")))
        .then_nothing();
}

/// Protects call statistics from a typo of a few extra zeros.
#[test]
fn a_call_lasts_at_most_a_day() {
    given::<Interaction>([])
        .when(issue(log(
            call(CALL_DURATION_SECONDS_MAX + 1, None),
            "Pricing",
            "",
        )))
        .then_invalid("kind.duration_seconds");
    given::<Interaction>([])
        .when(issue(log(call(CALL_DURATION_SECONDS_MAX, None), "", "")))
        .then(vec![logged(
            call(CALL_DURATION_SECONDS_MAX, None),
            None,
            "",
        )]);
}

/// Protects meeting statistics from a typo of a few extra zeros.
#[test]
fn a_meeting_lasts_at_most_a_day() {
    given::<Interaction>([])
        .when(issue(log(
            meeting(MEETING_DURATION_MINUTES_MAX + 1, None),
            "Kick-off",
            "",
        )))
        .then_invalid("kind.duration_minutes");
    given::<Interaction>([])
        .when(issue(log(
            meeting(MEETING_DURATION_MINUTES_MAX, None),
            "Kick-off",
            "",
        )))
        .then(vec![logged(
            meeting(MEETING_DURATION_MINUTES_MAX, None),
            Some("Kick-off"),
            "",
        )]);
}

/// Protects the browser that plays a recording: only web addresses.
#[test]
fn a_recording_url_must_be_a_web_address() {
    let too_long = format!(
        "https://pbx.example.com/{}",
        "r".repeat(RECORDING_URL_CHARS_MAX)
    );
    for bad in [
        "pbx.example.com/rec/1",
        "javascript:alert(1)",
        "https://",
        "https://pbx.example.com/rec 1",
        "ftp://pbx.example.com/rec/1",
        too_long.as_str(),
    ] {
        assert_eq!(
            call(60, Some(bad)).parse().unwrap_err().field(),
            Some("kind.recording_url"),
            "{bad}"
        );
    }
    given::<Interaction>([])
        .when(issue(log(call(60, Some("file:///etc/passwd")), "", "")))
        .then_invalid("kind.recording_url");
    given::<Interaction>([])
        .when(issue(log(call(60, Some("http://pbx/rec/1")), "", "")))
        .then(vec![logged(call(60, Some("http://pbx/rec/1")), None, "")]);
}

/// Protects stored kinds from stray blanks: texts are trimmed, and a blank
/// recording address or location means none.
#[test]
fn kind_texts_are_normalized() {
    given::<Interaction>([])
        .when(issue(log(
            call(60, Some("  https://pbx.example.com/1 ")),
            "",
            "",
        )))
        .then(vec![logged(
            call(60, Some("https://pbx.example.com/1")),
            None,
            "",
        )]);
    given::<Interaction>([])
        .when(issue(log(meeting(30, Some("   ")), "", "")))
        .then(vec![logged(meeting(30, None), None, "")]);
    given::<Interaction>([])
        .when(issue(log(meeting(30, Some(" Room 4 ")), "", "")))
        .then(vec![logged(meeting(30, Some("Room 4")), None, "")]);
    given::<Interaction>([])
        .when(issue(log(meeting(30, Some("two\nlines")), "", "")))
        .then_invalid("kind.location");
}

/// Protects the inbox view: an email is found by its subject.
#[test]
fn an_email_needs_a_subject() {
    given::<Interaction>([])
        .when(issue(log(email(), " ", "Hello")))
        .then_invalid("subject");
    let logged_email = logged(email(), Some("Offer"), "Hello");
    given::<Interaction>([])
        .when(issue(log(email(), "Offer", "Hello")))
        .then(vec![logged_email.clone()]);
    given::<Interaction>([logged_email])
        .when(issue(amend("", "Hello")))
        .then_invalid("subject");
}

/// Protects the timeline from empty notes.
#[test]
fn a_note_needs_a_body() {
    given::<Interaction>([])
        .when(issue(log(InteractionKind::Note, "", "  ")))
        .then_invalid("body");
    let logged_note = logged(InteractionKind::Note, None, "Prefers mornings");
    given::<Interaction>([])
        .when(issue(log(InteractionKind::Note, "", "Prefers mornings")))
        .then(vec![logged_note.clone()]);
    given::<Interaction>([logged_note])
        .when(issue(amend("", "")))
        .then_invalid("body");
}

/// Protects reports: an interaction cannot be dated in the future.
#[test]
fn a_future_business_time_is_rejected() {
    given::<Interaction>([])
        .when(issue(log(call(300, None), "Pricing", "Asked for a quote")).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects backdating: a call made this morning can be logged tonight.
#[test]
fn a_past_business_time_is_accepted() {
    given::<Interaction>([])
        .when(issue(log(call(300, None), "Pricing", "Asked for a quote")).backdated(at(-8 * 60)))
        .then(vec![logged_call()]);
}

/// Protects evolve: state after a history is what the events said.
#[test]
fn replay_builds_the_interaction_state() {
    let state = Interaction::replay(&[
        logged_call(),
        InteractionEvent::Amended(InteractionAmended {
            subject: None,
            body: "Quote sent".into(),
        }),
        withdrawn(),
    ])
    .unwrap();
    assert_eq!(state.party, id(1));
    assert_eq!(state.deal, Some(id(2)));
    assert_eq!(state.subject, None);
    assert_eq!(state.body, "Quote sent");
    assert_eq!(state.logged_by, user());
    assert!(state.withdrawn);
    assert_eq!(state.kind.code(), "call");
}

/// Protects the API's names for kinds, directions and outcomes.
#[test]
fn codes_are_stable_and_round_trip() {
    let codes: Vec<&str> = [
        call(1, None),
        email(),
        meeting(1, None),
        InteractionKind::Note,
    ]
    .iter()
    .map(InteractionKind::code)
    .collect();
    assert_eq!(codes, ["call", "email", "meeting", "note"]);
    for direction in Direction::ALL {
        assert_eq!(Direction::from_code(direction.code()), Some(direction));
    }
    for outcome in CallOutcome::ALL {
        assert_eq!(CallOutcome::from_code(outcome.code()), Some(outcome));
    }
    assert_eq!(CallOutcome::from_code("hung_up"), None);
}
