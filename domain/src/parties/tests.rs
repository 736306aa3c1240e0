//! Every party rule as given / when / then.

use uuid::Uuid;

use super::*;
use crate::DomainEvent;
use crate::testing::{at, given, id, issue, user};

fn person_name(first: &str, last: &str) -> PartyName {
    PartyName::Person {
        first_name: Label::parse("first_name", first).unwrap(),
        last_name: Label::parse_optional("last_name", Some(last)).unwrap(),
    }
}

fn company_name(name: &str) -> PartyName {
    PartyName::Company {
        name: Label::parse("name", name).unwrap(),
        legal_name: None,
    }
}

fn register(name: PartyName) -> PartyCommand {
    PartyCommand::Register(RegisterParty {
        name,
        company: None,
        job_title: None,
        source: Label::parse_optional("source", Some("website")).unwrap(),
        owner: user(),
        branch: None,
    })
}

fn registered_person() -> PartyEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Person {
            first_name: "Ivan".into(),
            last_name: Some("Petrov".into()),
        },
        company: None,
        job_title: None,
        source: Some("website".into()),
        owner: user(),
        branch: None,
    })
}

fn registered_company() -> PartyEvent {
    PartyEvent::Registered(PartyRegistered {
        name: PartyNameData::Company {
            name: "Acme".into(),
            legal_name: None,
        },
        company: None,
        job_title: None,
        source: None,
        owner: user(),
        branch: None,
    })
}

fn email(raw: &str) -> Channel {
    Channel::parse(ChannelKind::Email, raw).unwrap()
}

fn channel_added(channel: u128, value: &str) -> PartyEvent {
    PartyEvent::ChannelAdded(ChannelAdded {
        channel_id: id(channel),
        kind: ChannelKind::Email,
        value: value.into(),
        label: None,
    })
}

fn primary(channel: u128) -> PartyEvent {
    PartyEvent::PrimaryChannelSet(PrimaryChannelSet {
        channel_id: id(channel),
    })
}

fn archived() -> PartyEvent {
    PartyEvent::Archived(PartyArchived { reason: None })
}

fn tag(raw: &str) -> Tag {
    Tag::parse("tag", raw).unwrap()
}

/// Protects registration: a new person is recorded with all it was given.
#[test]
fn registering_a_person_records_it() {
    given::<Party>([])
        .when(issue(register(person_name("Ivan", "Petrov"))))
        .then(vec![registered_person()]);
}

/// Protects against two parties sharing one stream.
#[test]
fn registering_twice_is_rejected() {
    given::<Party>([registered_person()])
        .when(issue(register(person_name("Ivan", "Petrov"))))
        .then_rejected("party.already_registered");
}

/// Protects the company/person model: companies do not work for companies.
#[test]
fn a_company_cannot_be_registered_as_working_for_a_company() {
    let mut command = RegisterParty {
        name: company_name("Acme"),
        company: Some(id(7)),
        job_title: None,
        source: None,
        owner: user(),
        branch: None,
    };
    given::<Party>([])
        .when(issue(PartyCommand::Register(command.clone())))
        .then_invalid("company");
    command.name = person_name("Ivan", "Petrov");
    given::<Party>([])
        .when(issue(PartyCommand::Register(command)))
        .then(vec![PartyEvent::Registered(PartyRegistered {
            name: PartyNameData::Person {
                first_name: "Ivan".into(),
                last_name: Some("Petrov".into()),
            },
            company: Some(id(7)),
            job_title: None,
            source: None,
            owner: user(),
            branch: None,
        })]);
}

/// Protects every command but registration from acting on nothing.
#[test]
fn changing_an_unregistered_party_is_not_found() {
    given::<Party>([])
        .when(issue(PartyCommand::Tag(tag("vip"))))
        .then_not_found();
}

/// Protects business time: a party change cannot be dated in the future.
#[test]
fn a_future_business_time_is_rejected() {
    given::<Party>([])
        .when(issue(register(person_name("Ivan", "Petrov"))).backdated(at(60)))
        .then_invalid("occurred_at");
}

/// Protects renames: a new name is recorded, the same name is a no-op.
#[test]
fn renaming_records_only_a_real_change() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Rename {
            name: person_name("Ivan", "Sidorov"),
        }))
        .then(vec![PartyEvent::Renamed(PartyRenamed {
            name: PartyNameData::Person {
                first_name: "Ivan".into(),
                last_name: Some("Sidorov".into()),
            },
        })]);
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Rename {
            name: person_name("Ivan", "Petrov"),
        }))
        .then_nothing();
}

/// Protects the kind of a party: a rename cannot turn a person into a company.
#[test]
fn renaming_cannot_change_the_kind() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Rename {
            name: company_name("Acme"),
        }))
        .then_invalid("name");
}

/// Protects the staff list of a company: moving jobs leaves the old one.
#[test]
fn joining_another_company_leaves_the_previous_one() {
    let joined = PartyEvent::JoinedCompany(PersonJoinedCompany {
        company: id(1),
        job_title: None,
    });
    given::<Party>([registered_person(), joined])
        .when(issue(PartyCommand::JoinCompany {
            company: id(2),
            job_title: Label::parse_optional("job_title", Some("CFO")).unwrap(),
        }))
        .then(vec![
            PartyEvent::LeftCompany(PersonLeftCompany { company: id(1) }),
            PartyEvent::JoinedCompany(PersonJoinedCompany {
                company: id(2),
                job_title: Some("CFO".into()),
            }),
        ]);
}

/// Protects the company/person model on later changes too.
#[test]
fn a_company_cannot_join_a_company() {
    given::<Party>([registered_company()])
        .when(issue(PartyCommand::JoinCompany {
            company: id(2),
            job_title: None,
        }))
        .then_rejected("party.not_a_person");
}

/// Protects leaving: only someone who works somewhere can leave.
#[test]
fn leaving_records_the_company_left_and_is_idempotent() {
    let joined = PartyEvent::JoinedCompany(PersonJoinedCompany {
        company: id(1),
        job_title: None,
    });
    given::<Party>([registered_person(), joined])
        .when(issue(PartyCommand::LeaveCompany))
        .then(vec![PartyEvent::LeftCompany(PersonLeftCompany {
            company: id(1),
        })]);
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::LeaveCompany))
        .then_nothing();
}

/// Protects "a primary channel per kind": the first of a kind is primary.
#[test]
fn the_first_channel_of_a_kind_becomes_primary() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::AddChannel {
            channel_id: id(10),
            channel: email("ivan@example.com"),
            label: None,
        }))
        .then(vec![channel_added(10, "ivan@example.com"), primary(10)]);
}

/// Protects a primary channel from being replaced silently.
#[test]
fn a_second_channel_of_a_kind_is_not_primary() {
    given::<Party>([
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
    ])
    .when(issue(PartyCommand::AddChannel {
        channel_id: id(11),
        channel: email("petrov@example.com"),
        label: None,
    }))
    .then(vec![channel_added(11, "petrov@example.com")]);
}

/// Protects contact lists from the same address twice.
#[test]
fn adding_the_same_value_twice_is_rejected() {
    given::<Party>([
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
    ])
    .when(issue(PartyCommand::AddChannel {
        channel_id: id(11),
        channel: email("IVAN@example.com"),
        label: None,
    }))
    .then_rejected("party.duplicate_channel");
}

/// Protects channel ids: one id names one channel.
#[test]
fn reusing_a_channel_id_is_rejected() {
    given::<Party>([registered_person(), channel_added(10, "ivan@example.com")])
        .when(issue(PartyCommand::AddChannel {
            channel_id: id(10),
            channel: email("other@example.com"),
            label: None,
        }))
        .then_error(DomainError::AlreadyExists {
            entity: "channel",
            id: Uuid::from_u128(10),
        });
}

/// Protects the party from unbounded growth.
#[test]
fn channels_per_party_are_bounded() {
    let mut history = vec![registered_person()];
    for number in 0..CHANNELS_PER_PARTY_MAX as u128 {
        history.push(channel_added(
            100 + number,
            &format!("a{number}@example.com"),
        ));
    }
    given::<Party>(history)
        .when(issue(PartyCommand::AddChannel {
            channel_id: id(99),
            channel: email("last@example.com"),
            label: None,
        }))
        .then_rejected("party.too_many_channels");
}

/// Protects channel edits: the value changes, the kind stays.
#[test]
fn changing_a_channel_keeps_its_kind() {
    let history = [
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
    ];
    given::<Party>(history.clone())
        .when(issue(PartyCommand::ChangeChannel {
            channel_id: id(10),
            channel: email("ivan.petrov@example.com"),
            label: Label::parse_optional("label", Some("work")).unwrap(),
        }))
        .then(vec![PartyEvent::ChannelChanged(ChannelChanged {
            channel_id: id(10),
            value: "ivan.petrov@example.com".into(),
            label: Some("work".into()),
        })]);
    given::<Party>(history.clone())
        .when(issue(PartyCommand::ChangeChannel {
            channel_id: id(10),
            channel: Channel::parse(ChannelKind::MobilePhone, "+79125550102").unwrap(),
            label: None,
        }))
        .then_invalid("kind");
    given::<Party>(history)
        .when(issue(PartyCommand::ChangeChannel {
            channel_id: id(10),
            channel: email("ivan@example.com"),
            label: None,
        }))
        .then_nothing();
}

/// Protects commands on channels that do not exist.
#[test]
fn an_unknown_channel_is_not_found() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::RemoveChannel { channel_id: id(10) }))
        .then_error(DomainError::NotFound {
            entity: "channel",
            id: Some(Uuid::from_u128(10)),
        });
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::MakePrimary { channel_id: id(10) }))
        .then_not_found();
}

/// Protects "a primary per kind" when the primary goes away.
#[test]
fn removing_the_primary_promotes_the_next_of_its_kind() {
    given::<Party>([
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
        channel_added(11, "petrov@example.com"),
    ])
    .when(issue(PartyCommand::RemoveChannel { channel_id: id(10) }))
    .then(vec![
        PartyEvent::ChannelRemoved(ChannelRemoved { channel_id: id(10) }),
        primary(11),
    ]);
}

/// Protects explicit choice of the primary channel.
#[test]
fn making_a_channel_primary_is_recorded_once() {
    let history = [
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
        channel_added(11, "petrov@example.com"),
    ];
    given::<Party>(history.clone())
        .when(issue(PartyCommand::MakePrimary { channel_id: id(11) }))
        .then(vec![primary(11)]);
    given::<Party>(history)
        .when(issue(PartyCommand::MakePrimary { channel_id: id(10) }))
        .then_nothing();
}

/// Protects segments: tags are a set.
#[test]
fn tagging_is_idempotent_and_untagging_removes() {
    let tagged = PartyEvent::Tagged(PartyTagged { tag: "vip".into() });
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Tag(tag("VIP"))))
        .then(vec![tagged.clone()]);
    given::<Party>([registered_person(), tagged.clone()])
        .when(issue(PartyCommand::Tag(tag("vip"))))
        .then_nothing();
    given::<Party>([registered_person(), tagged])
        .when(issue(PartyCommand::Untag(tag("vip"))))
        .then(vec![PartyEvent::Untagged(PartyUntagged {
            tag: "vip".into(),
        })]);
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Untag(tag("vip"))))
        .then_nothing();
}

/// Protects the party from unbounded growth.
#[test]
fn tags_per_party_are_bounded() {
    let mut history = vec![registered_person()];
    for number in 0..TAGS_PER_PARTY_MAX {
        history.push(PartyEvent::Tagged(PartyTagged {
            tag: format!("t{number}"),
        }));
    }
    given::<Party>(history)
        .when(issue(PartyCommand::Tag(tag("one-more"))))
        .then_rejected("party.too_many_tags");
}

/// Protects responsibility: owner, branch and source changes are recorded.
#[test]
fn owner_branch_and_source_record_real_changes_only() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::AssignOwner(id(5))))
        .then(vec![PartyEvent::OwnerAssigned(PartyOwnerAssigned {
            owner: id(5),
        })]);
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::AssignOwner(user())))
        .then_nothing();
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::MoveToBranch(Some(id(3)))))
        .then(vec![PartyEvent::BranchChanged(PartyBranchChanged {
            branch: Some(id(3)),
        })]);
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::MoveToBranch(None)))
        .then_nothing();
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::SetSource(None)))
        .then(vec![PartyEvent::SourceSet(PartySourceSet { source: None })]);
}

/// Protects custom fields: typed values, keys as identifiers.
#[test]
fn custom_fields_are_typed_and_keyed() {
    let key = FieldKey::parse("key", "vat_number").unwrap();
    let value = CustomValue::Text("DE123".into());
    let set = PartyEvent::CustomFieldSet(CustomFieldSet {
        key: "vat_number".into(),
        value: value.clone(),
    });
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::SetCustomField {
            key: key.clone(),
            value: value.clone(),
        }))
        .then(vec![set.clone()]);
    given::<Party>([registered_person(), set.clone()])
        .when(issue(PartyCommand::SetCustomField {
            key: key.clone(),
            value,
        }))
        .then_nothing();
    given::<Party>([registered_person(), set])
        .when(issue(PartyCommand::ClearCustomField { key }))
        .then(vec![PartyEvent::CustomFieldCleared(CustomFieldCleared {
            key: "vat_number".into(),
        })]);
    for bad in ["", "VAT", "9lives", "with space", &"k".repeat(65)] {
        assert_eq!(
            FieldKey::parse("key", bad).unwrap_err().field(),
            Some("key"),
            "{bad}"
        );
    }
}

/// Protects decimal values in stored history: numbers and money decode.
#[test]
fn numeric_custom_fields_round_trip() {
    let eur = crate::values::Currency::parse("currency", "EUR").unwrap();
    for value in [
        CustomValue::Number(Decimal::new(-12_345, 2)),
        CustomValue::Money(Money::parse("value", Decimal::new(9_990, 2), eur).unwrap()),
        CustomValue::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
    ] {
        given::<Party>([registered_person()])
            .when(issue(PartyCommand::SetCustomField {
                key: FieldKey::parse("key", "budget").unwrap(),
                value: value.clone(),
            }))
            .then(vec![PartyEvent::CustomFieldSet(CustomFieldSet {
                key: "budget".into(),
                value,
            })]);
    }
}

/// Protects custom text fields from control characters.
#[test]
fn a_custom_text_value_is_checked() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::SetCustomField {
            key: FieldKey::parse("key", "note").unwrap(),
            value: CustomValue::Text("bell\u{7}".into()),
        }))
        .then_invalid("value");
}

/// Protects the party from unbounded growth.
#[test]
fn custom_fields_per_party_are_bounded() {
    let mut history = vec![registered_person()];
    for number in 0..CUSTOM_FIELDS_PER_PARTY_MAX {
        history.push(PartyEvent::CustomFieldSet(CustomFieldSet {
            key: format!("f{number}"),
            value: CustomValue::Flag(true),
        }));
    }
    given::<Party>(history)
        .when(issue(PartyCommand::SetCustomField {
            key: FieldKey::parse("key", "one_more").unwrap(),
            value: CustomValue::Flag(true),
        }))
        .then_rejected("party.too_many_custom_fields");
}

/// Protects archived parties: read-only until restored.
#[test]
fn an_archived_party_refuses_changes_until_restored() {
    given::<Party>([registered_person(), archived()])
        .when(issue(PartyCommand::Tag(tag("vip"))))
        .then_rejected("party.archived");
    given::<Party>([registered_person(), archived()])
        .when(issue(PartyCommand::Restore))
        .then(vec![PartyEvent::Restored(PartyRestored {})]);
    given::<Party>([
        registered_person(),
        archived(),
        PartyEvent::Restored(PartyRestored {}),
    ])
    .when(issue(PartyCommand::Tag(tag("vip"))))
    .then(vec![PartyEvent::Tagged(PartyTagged { tag: "vip".into() })]);
}

/// Protects archive and restore from double entries.
#[test]
fn archive_and_restore_are_idempotent() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Archive {
            reason: Label::parse_optional("reason", Some("closed down")).unwrap(),
        }))
        .then(vec![PartyEvent::Archived(PartyArchived {
            reason: Some("closed down".into()),
        })]);
    given::<Party>([registered_person(), archived()])
        .when(issue(PartyCommand::Archive { reason: None }))
        .then_nothing();
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::Restore))
        .then_nothing();
}

/// Protects merges: the duplicate becomes a redirect that refuses changes.
#[test]
fn a_merged_party_redirects_and_refuses_changes() {
    let merged = PartyEvent::Merged(PartyMerged { into: id(2) });
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::MergeInto {
            duplicate: id(1),
            survivor: id(2),
        }))
        .then(vec![merged.clone()]);
    given::<Party>([registered_person(), merged.clone()])
        .when(issue(PartyCommand::Tag(tag("vip"))))
        .then_rejected("party.merged");
    given::<Party>([registered_person(), merged])
        .when(issue(PartyCommand::Restore))
        .then_rejected("party.merged");
}

/// Protects a party from vanishing into itself.
#[test]
fn a_party_cannot_be_merged_into_itself() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::MergeInto {
            duplicate: id(1),
            survivor: id(1),
        }))
        .then_invalid("survivor");
}

/// Protects custom text values: stored trimmed, so " x " and "x" are one.
#[test]
fn custom_text_values_are_stored_trimmed() {
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::SetCustomField {
            key: FieldKey::parse("key", "vat_number").unwrap(),
            value: CustomValue::Text("  DE123  ".into()),
        }))
        .then(vec![PartyEvent::CustomFieldSet(CustomFieldSet {
            key: "vat_number".into(),
            value: CustomValue::Text("DE123".into()),
        })]);
}

/// Protects archived duplicates: they can still be merged away.
#[test]
fn an_archived_duplicate_can_be_merged() {
    given::<Party>([registered_person(), archived()])
        .when(issue(PartyCommand::MergeInto {
            duplicate: id(1),
            survivor: id(2),
        }))
        .then(vec![PartyEvent::Merged(PartyMerged { into: id(2) })]);
}

/// Protects the survivor: absorbing is recorded once.
#[test]
fn absorbing_a_duplicate_is_idempotent() {
    let absorbed = PartyEvent::DuplicateAbsorbed(DuplicateAbsorbed { duplicate: id(9) });
    given::<Party>([registered_person()])
        .when(issue(PartyCommand::AbsorbDuplicate { duplicate: id(9) }))
        .then(vec![absorbed.clone()]);
    given::<Party>([registered_person(), absorbed])
        .when(issue(PartyCommand::AbsorbDuplicate { duplicate: id(9) }))
        .then_nothing();
}

/// Protects against a merge cycle that would leave no survivor.
#[test]
fn merging_into_a_party_this_one_absorbed_is_rejected() {
    given::<Party>([
        registered_person(),
        PartyEvent::DuplicateAbsorbed(DuplicateAbsorbed { duplicate: id(9) }),
    ])
    .when(issue(PartyCommand::MergeInto {
        duplicate: id(1),
        survivor: id(9),
    }))
    .then_rejected("party.merge_cycle");
}

/// Protects evolve: state after a history is what the events said.
#[test]
fn replay_builds_the_party_state() {
    let state = Party::replay(&[
        registered_person(),
        channel_added(10, "ivan@example.com"),
        primary(10),
        channel_added(11, "petrov@example.com"),
        primary(11),
        PartyEvent::Tagged(PartyTagged { tag: "vip".into() }),
        archived(),
    ])
    .unwrap();
    assert_eq!(state.channels.len(), 2);
    assert!(!state.channels[0].primary && state.channels[1].primary);
    assert!(state.tags.contains("vip"));
    assert_eq!(state.status, PartyStatus::Archived);
    assert_eq!(state.name.display_name(), "Ivan Petrov");
}

/// Protects stored history: a payload that is cut short or of an unknown
/// type is an error, never a wrong event.
#[test]
fn malformed_payloads_are_decode_errors() {
    let bytes = registered_person().encode();
    assert!(matches!(
        PartyEvent::decode("PartyRegistered", 1, &bytes[..bytes.len() - 1]),
        Err(crate::DecodeError::Malformed { .. })
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(PartyEvent::decode("PartyRegistered", 1, &longer).is_err());
    assert!(matches!(
        PartyEvent::decode("PartyVanished", 1, &bytes),
        Err(crate::DecodeError::UnknownType { .. })
    ));
    assert!(matches!(
        PartyEvent::decode("PartyRegistered", 2, &bytes),
        Err(crate::DecodeError::UnsupportedVersion { .. })
    ));
}

fn erase() -> PartyCommand {
    PartyCommand::Erase {
        reason: ErasureReason::Request,
    }
}

fn erased() -> PartyEvent {
    PartyEvent::Erased(PartyErased {
        reason: ErasureReason::Request,
    })
}

/// Protects the right to erasure: a party is erased whatever its status
/// (archived, merged), once; afterwards it takes no more changes.
#[test]
fn a_party_is_erased_once_in_any_status_and_then_refuses_changes() {
    given::<Party>([registered_person()])
        .when(issue(erase()))
        .then(vec![erased()]);
    given::<Party>([registered_person(), archived()])
        .when(issue(erase()))
        .then(vec![erased()]);
    given::<Party>([
        registered_person(),
        PartyEvent::Merged(PartyMerged { into: id(2) }),
    ])
    .when(issue(erase()))
    .then(vec![erased()]);
    given::<Party>([registered_person(), erased()])
        .when(issue(erase()))
        .then_nothing();
    given::<Party>([registered_person(), erased()])
        .when(issue(PartyCommand::Rename {
            name: person_name("Ivan", "Sidorov"),
        }))
        .then_rejected("party.erased");
    given::<Party>([registered_person(), erased()])
        .when(issue(PartyCommand::Restore))
        .then_rejected("party.erased");
    given::<Party>([]).when(issue(erase())).then_not_found();
}

/// Protects what an erased party reads as: the same whether its history
/// was folded with the personal fields (before the key went) or with them
/// blank (after); kind, owner and channel kinds stay.
#[test]
fn an_erased_party_reads_the_same_folded_before_or_after_its_key_went() {
    let tagged = PartyEvent::Tagged(PartyTagged { tag: "vip".into() });
    let with_data = [
        registered_person(),
        channel_added(1, "ivan@example.org"),
        tagged,
        erased(),
    ];
    let mut without_data = with_data.clone();
    for event in &mut without_data {
        for mut slot in event.personal_slots() {
            slot.take();
        }
    }
    let fold = |events: &[PartyEvent]| events.iter().fold(None, Party::evolve).unwrap();
    let before = fold(&with_data);
    let after = fold(&without_data);
    assert_eq!(before, after);
    assert!(before.erased);
    assert!(before.name.is_person());
    assert_eq!(before.name.display_name(), "");
    assert_eq!(before.channels[0].kind, ChannelKind::Email);
    assert_eq!(before.channels[0].value, "");
    assert!(before.tags.is_empty() && before.source.is_none());
    assert_eq!(before.owner, user());
}

/// Erasure reasons read from their codes, and nothing else.
#[test]
fn erasure_reasons_parse_from_their_codes() {
    for reason in ErasureReason::ALL {
        assert_eq!(ErasureReason::parse("reason", reason.code()), Ok(reason));
    }
    assert!(ErasureReason::parse("reason", "because").is_err());
}

/// Protects suppliers: a party is a customer until told otherwise, may be
/// a supplier as well or instead, and is always at least one of them.
#[test]
fn a_party_is_a_customer_a_supplier_or_both() {
    let both = PartyRoles {
        customer: true,
        supplier: true,
    };
    let registered = Party::replay(&[registered_company()]);
    assert_eq!(
        registered.as_ref().map(|party| party.roles),
        Some(PartyRoles::default())
    );
    given::<Party>([registered_company()])
        .when(issue(PartyCommand::SetRoles(both)))
        .then(vec![PartyEvent::RolesSet(PartyRolesSet { roles: both })]);
    given::<Party>([registered_company()])
        .when(issue(PartyCommand::SetRoles(PartyRoles::default())))
        .then_nothing();
    given::<Party>([registered_company()])
        .when(issue(PartyCommand::SetRoles(PartyRoles {
            customer: false,
            supplier: false,
        })))
        .then_invalid("roles");
}
