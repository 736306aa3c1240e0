//! Every rule of a branch as given / when / then.

use proptest::prelude::*;

use super::*;
use crate::testing::{given, issue};

fn details(code: &str, name: &str, address: Option<&str>) -> BranchDetails {
    BranchDetails {
        code: BranchCode::parse("code", code).unwrap(),
        name: Label::parse("name", name).unwrap(),
        address: address.map(|address| Text::parse("address", address).unwrap()),
    }
}

fn opened() -> BranchEvent {
    BranchEvent::Opened(BranchOpened {
        code: "HQ".into(),
        name: "Head office".into(),
        address: Some("1 Main Street".into()),
    })
}

#[test]
fn a_branch_is_opened_once_with_its_code_in_capitals() {
    given::<Branch>([])
        .when(issue(BranchCommand::Open(details(
            " hq ",
            "Head office",
            Some("1 Main Street"),
        ))))
        .then(vec![opened()]);
    given::<Branch>([opened()])
        .when(issue(BranchCommand::Open(details(
            "HQ",
            "Head office",
            None,
        ))))
        .then_rejected("branch.already_opened");
}

#[test]
fn a_branch_not_opened_takes_no_other_command() {
    for command in [
        BranchCommand::Change(details("HQ", "Head office", None)),
        BranchCommand::Close,
        BranchCommand::Reopen,
    ] {
        given::<Branch>([]).when(issue(command)).then_not_found();
    }
}

#[test]
fn a_change_records_the_whole_new_details_and_nothing_when_nothing_changed() {
    given::<Branch>([opened()])
        .when(issue(BranchCommand::Change(details("MSK", "Moscow", None))))
        .then(vec![BranchEvent::Changed(BranchChanged {
            code: "MSK".into(),
            name: "Moscow".into(),
            address: None,
        })]);
    given::<Branch>([opened()])
        .when(issue(BranchCommand::Change(details(
            "hq",
            "Head office",
            Some("1 Main Street"),
        ))))
        .then_nothing();
}

#[test]
fn a_closed_branch_is_reopened_before_it_changes_and_closing_twice_is_nothing() {
    let closed = BranchEvent::Closed(BranchClosed {});
    given::<Branch>([opened()])
        .when(issue(BranchCommand::Close))
        .then(vec![closed.clone()]);
    given::<Branch>([opened(), closed.clone()])
        .when(issue(BranchCommand::Close))
        .then_nothing();
    given::<Branch>([opened(), closed.clone()])
        .when(issue(BranchCommand::Change(details("MSK", "Moscow", None))))
        .then_rejected("branch.closed");
    given::<Branch>([opened(), closed.clone()])
        .when(issue(BranchCommand::Reopen))
        .then(vec![BranchEvent::Reopened(BranchReopened {})]);
    given::<Branch>([opened()])
        .when(issue(BranchCommand::Reopen))
        .then_nothing();
}

#[test]
fn the_state_follows_every_event() {
    let state = [
        opened(),
        BranchEvent::Changed(BranchChanged {
            code: "MSK".into(),
            name: "Moscow".into(),
            address: None,
        }),
        BranchEvent::Closed(BranchClosed {}),
    ]
    .iter()
    .fold(None, Branch::evolve);
    assert_eq!(
        state,
        Some(BranchState {
            code: "MSK".into(),
            name: "Moscow".into(),
            address: None,
            closed: true,
        })
    );
}

#[test]
fn codes_that_are_not_short_latin_capitals_digits_or_hyphens_are_refused() {
    for bad in ["", "  ", "-HQ", "HQ 2", "ГО", "HQ_1", "ABCDEFGHIJK", "HQ.1"] {
        assert!(BranchCode::parse("code", bad).is_err(), "{bad:?}");
    }
    for good in ["HQ", "msk-2", "1", "ABCDEFGHIJ"] {
        assert!(BranchCode::parse("code", good).is_ok(), "{good:?}");
    }
}

proptest! {
    /// Whatever is typed, an accepted code is what a number prints: in
    /// capitals, at most ten characters, of the allowed ones, and parsing
    /// it again gives it back.
    #[test]
    fn an_accepted_code_is_printable_and_stable(raw in "\\PC{0,14}") {
        if let Ok(code) = BranchCode::parse("code", &raw) {
            let text = code.as_str();
            prop_assert!(!text.is_empty() && text.chars().count() <= CODE_CHARS_MAX);
            prop_assert!(text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'));
            prop_assert_eq!(BranchCode::parse("code", text).unwrap(), code);
        }
    }
}
