//! Every lead rule as given / when / then.

use super::*;
use crate::testing::{at, given, id, issue, user};

fn label(field: &str, raw: &str) -> Label {
    Label::parse(field, raw).unwrap()
}

fn capture() -> CaptureLead {
    CaptureLead {
        title: label("title", "50 licences"),
        contact_name: Some(label("contact_name", "Ivan Petrov")),
        company_name: Some(label("company_name", "Acme")),
        email: Some(EmailAddress::parse("email", "Ivan@Example.com").unwrap()),
        phone: Some(PhoneNumber::parse("phone", "+7 (912) 555-01-02").unwrap()),
        party: None,
        source: Some(label("source", "website")),
        owner: user(),
    }
}

fn captured_payload() -> LeadCaptured {
    LeadCaptured {
        title: "50 licences".into(),
        contact_name: Some("Ivan Petrov".into()),
        company_name: Some("Acme".into()),
        email: Some("ivan@example.com".into()),
        phone: Some("+79125550102".into()),
        party: None,
        source: Some("website".into()),
        owner: user(),
    }
}

fn captured() -> LeadEvent {
    LeadEvent::Captured(captured_payload())
}

/// A lead captured for the known party 7, without names.
fn captured_for_party() -> LeadEvent {
    LeadEvent::Captured(LeadCaptured {
        title: "Renewal".into(),
        contact_name: None,
        company_name: None,
        email: None,
        phone: None,
        party: Some(id(7)),
        source: None,
        owner: user(),
    })
}

fn disqualified() -> LeadEvent {
    LeadEvent::Disqualified(LeadDisqualified {
        reason: "no budget".into(),
    })
}

fn converted() -> LeadEvent {
    LeadEvent::Converted(LeadConverted {
        deal: id(20),
        party: id(7),
    })
}

fn disqualify() -> LeadCommand {
    LeadCommand::Disqualify {
        reason: label("reason", "no budget"),
    }
}

fn convert(party: u128) -> LeadCommand {
    LeadCommand::Convert {
        deal: id(20),
        party: id(party),
    }
}

/// Protects capture: a new lead is recorded with its contact data
/// normalized.
#[test]
fn capturing_a_lead_records_it() {
    given::<Lead>([])
        .when(issue(LeadCommand::Capture(capture())))
        .then(vec![captured()]);
}

/// Protects against two leads sharing one stream.
#[test]
fn capturing_twice_is_rejected() {
    given::<Lead>([captured()])
        .when(issue(LeadCommand::Capture(capture())))
        .then_rejected("lead.already_captured");
}

/// Protects every command but capture from acting on nothing.
#[test]
fn changing_an_uncaptured_lead_is_not_found() {
    given::<Lead>([])
        .when(issue(LeadCommand::Reopen))
        .then_error(DomainError::NotFound {
            entity: "lead",
            id: None,
        });
}

/// Protects business time: a lead cannot be captured in the future.
#[test]
fn a_future_business_time_is_rejected() {
    given::<Lead>([])
        .when(issue(LeadCommand::Capture(capture())).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects follow-up: a lead says who the interest came from.
#[test]
fn a_lead_needs_a_contact_a_company_or_a_party() {
    let nameless = CaptureLead {
        contact_name: None,
        company_name: None,
        ..capture()
    };
    given::<Lead>([])
        .when(issue(LeadCommand::Capture(nameless.clone())))
        .then_invalid("contact_name");
    let full = captured_payload();
    let company_only = CaptureLead {
        company_name: Some(label("company_name", "Acme")),
        ..nameless.clone()
    };
    given::<Lead>([])
        .when(issue(LeadCommand::Capture(company_only)))
        .then(vec![LeadEvent::Captured(LeadCaptured {
            contact_name: None,
            ..full.clone()
        })]);
    let party_only = CaptureLead {
        party: Some(id(7)),
        ..nameless
    };
    given::<Lead>([])
        .when(issue(LeadCommand::Capture(party_only)))
        .then(vec![LeadEvent::Captured(LeadCaptured {
            contact_name: None,
            company_name: None,
            party: Some(id(7)),
            ..full
        })]);
}

/// Protects contact data: email and phone are checked and errors name the
/// lead's own fields.
#[test]
fn email_and_phone_are_checked_by_field() {
    let error = EmailAddress::parse("email", "ivan@").unwrap_err();
    assert_eq!(error.field(), Some("email"));
    let error = PhoneNumber::parse("phone", "call me").unwrap_err();
    assert_eq!(error.field(), Some("phone"));
    assert_eq!(
        PhoneNumber::parse("phone", "8 912 555 01 02")
            .unwrap()
            .as_str(),
        "89125550102"
    );
}

/// Protects responsibility: an owner change is recorded only for real.
#[test]
fn assigning_the_owner_records_only_a_real_change() {
    given::<Lead>([captured()])
        .when(issue(LeadCommand::AssignOwner(id(5))))
        .then(vec![LeadEvent::OwnerAssigned(LeadOwnerAssigned {
            owner: id(5),
        })]);
    given::<Lead>([captured()])
        .when(issue(LeadCommand::AssignOwner(user())))
        .then_nothing();
}

/// Protects disqualification: recorded once, with its reason.
#[test]
fn disqualifying_records_the_reason_once() {
    given::<Lead>([captured()])
        .when(issue(disqualify()))
        .then(vec![disqualified()]);
    given::<Lead>([captured(), disqualified()])
        .when(issue(disqualify()))
        .then_nothing();
}

/// Protects reports on lost interest: a reason is never blank.
/// (The rule holds by type: the reason is a `Label`, which refuses blanks before `decide` runs.)
#[test]
fn a_blank_disqualification_reason_cannot_make_a_command() {
    let error = Label::parse("reason", "   ").unwrap_err();
    assert_eq!(error.field(), Some("reason"));
}

/// Protects disqualified leads from being worked on until reopened.
#[test]
fn a_disqualified_lead_refuses_assignment_and_conversion() {
    given::<Lead>([captured(), disqualified()])
        .when(issue(LeadCommand::AssignOwner(id(5))))
        .then_rejected("lead.disqualified");
    given::<Lead>([captured(), disqualified()])
        .when(issue(convert(7)))
        .then_rejected("lead.disqualified");
}

/// Protects second chances: a disqualified lead can be reopened and worked.
#[test]
fn a_disqualified_lead_can_be_reopened() {
    given::<Lead>([captured(), disqualified()])
        .when(issue(LeadCommand::Reopen))
        .then(vec![LeadEvent::Reopened(LeadReopened {})]);
    given::<Lead>([
        captured(),
        disqualified(),
        LeadEvent::Reopened(LeadReopened {}),
    ])
    .when(issue(LeadCommand::AssignOwner(id(5))))
    .then(vec![LeadEvent::OwnerAssigned(LeadOwnerAssigned {
        owner: id(5),
    })]);
}

/// Protects reopen from double entries.
#[test]
fn reopening_an_open_lead_changes_nothing() {
    given::<Lead>([captured()])
        .when(issue(LeadCommand::Reopen))
        .then_nothing();
}

/// Protects conversion: the lead records the deal and party it became.
#[test]
fn converting_records_the_deal_and_the_party() {
    given::<Lead>([captured()])
        .when(issue(convert(7)))
        .then(vec![converted()]);
    given::<Lead>([captured_for_party()])
        .when(issue(convert(7)))
        .then(vec![converted()]);
}

/// Protects the customer's history: a lead from a known party becomes a
/// deal of that party, not of another.
#[test]
fn converting_for_another_party_is_rejected() {
    given::<Lead>([captured_for_party()])
        .when(issue(convert(8)))
        .then_rejected("lead.party_mismatch");
}

/// Protects conversion as final: the deal carries the story on.
#[test]
fn a_converted_lead_refuses_everything() {
    for command in [
        LeadCommand::AssignOwner(id(5)),
        disqualify(),
        LeadCommand::Reopen,
        convert(7),
    ] {
        given::<Lead>([captured(), converted()])
            .when(issue(command))
            .then_rejected("lead.converted");
    }
}

/// Protects evolve: the lead's state after a history is what the events
/// said.
#[test]
fn replay_builds_the_lead_state() {
    let state = Lead::replay(&[
        captured(),
        disqualified(),
        LeadEvent::Reopened(LeadReopened {}),
        LeadEvent::OwnerAssigned(LeadOwnerAssigned { owner: id(5) }),
    ])
    .unwrap();
    assert_eq!(state.status, LeadStatus::Open);
    assert_eq!(state.owner, id(5));
    assert_eq!(state.email.as_deref(), Some("ivan@example.com"));
    let state = Lead::replay(&[captured(), converted()]).unwrap();
    assert_eq!(
        state.status,
        LeadStatus::Converted {
            deal: id(20),
            party: id(7)
        }
    );
    assert_eq!(state.party, Some(id(7)));
}

fn erased() -> LeadEvent {
    LeadEvent::Erased(LeadErased {
        reason: ErasureReason::Retention,
    })
}

/// Protects erasing a lead: once, in any status (open, disqualified,
/// converted), then no more changes; it reads blank the same whether its
/// history was folded before its key went or after.
#[test]
fn a_lead_is_erased_once_in_any_status_and_reads_blank() {
    let erase = || {
        issue(LeadCommand::Erase {
            reason: ErasureReason::Retention,
        })
    };
    for history in [
        vec![captured()],
        vec![captured(), disqualified()],
        vec![captured(), converted()],
    ] {
        given::<Lead>(history).when(erase()).then(vec![erased()]);
    }
    given::<Lead>([captured(), erased()])
        .when(erase())
        .then_nothing();
    given::<Lead>([captured(), erased()])
        .when(issue(disqualify()))
        .then_rejected("lead.erased");
    given::<Lead>([]).when(erase()).then_not_found();

    let with_data = [captured(), disqualified(), erased()];
    let mut without_data = with_data.clone();
    for event in &mut without_data {
        for mut slot in event.personal_slots() {
            slot.take();
        }
    }
    let fold = |events: &[LeadEvent]| events.iter().fold(None, Lead::evolve).unwrap();
    let before = fold(&with_data);
    assert_eq!(before, fold(&without_data));
    assert!(before.erased && before.title.is_empty() && before.email.is_none());
    assert_eq!(before.owner, user());
}
