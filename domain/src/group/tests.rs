//! Every rule of a group as given / when / then.

use proptest::prelude::*;

use super::*;
use crate::testing::{given, id, issue};

fn name(text: &str) -> Label {
    Label::parse("name", text).unwrap()
}

fn formed() -> GroupEvent {
    GroupEvent::Formed(GroupFormed {
        name: "Warehouse crew".into(),
    })
}

fn added(user: u128) -> GroupEvent {
    GroupEvent::MemberAdded(GroupMemberAdded { user: id(user) })
}

#[test]
fn a_group_is_formed_once() {
    given::<Group>([])
        .when(issue(GroupCommand::Form {
            name: name("Warehouse crew"),
        }))
        .then(vec![formed()]);
    given::<Group>([formed()])
        .when(issue(GroupCommand::Form {
            name: name("Other"),
        }))
        .then_rejected("group.already_formed");
}

#[test]
fn a_group_not_formed_takes_no_other_command() {
    for command in [
        GroupCommand::Rename { name: name("A") },
        GroupCommand::AddMember { user: id(1) },
        GroupCommand::RemoveMember { user: id(1) },
        GroupCommand::Disband,
        GroupCommand::Reinstate,
    ] {
        given::<Group>([]).when(issue(command)).then_not_found();
    }
}

#[test]
fn members_are_added_and_removed_once_each() {
    given::<Group>([formed()])
        .when(issue(GroupCommand::AddMember { user: id(1) }))
        .then(vec![added(1)]);
    given::<Group>([formed(), added(1)])
        .when(issue(GroupCommand::AddMember { user: id(1) }))
        .then_nothing();
    given::<Group>([formed(), added(1)])
        .when(issue(GroupCommand::RemoveMember { user: id(1) }))
        .then(vec![GroupEvent::MemberRemoved(GroupMemberRemoved {
            user: id(1),
        })]);
    given::<Group>([formed()])
        .when(issue(GroupCommand::RemoveMember { user: id(2) }))
        .then_nothing();
}

#[test]
fn a_rename_to_the_same_name_is_nothing() {
    given::<Group>([formed()])
        .when(issue(GroupCommand::Rename {
            name: name("Warehouse crew"),
        }))
        .then_nothing();
    given::<Group>([formed()])
        .when(issue(GroupCommand::Rename {
            name: name("Stores"),
        }))
        .then(vec![GroupEvent::Renamed(GroupRenamed {
            name: "Stores".into(),
        })]);
}

#[test]
fn a_disbanded_group_changes_only_once_reinstated() {
    let disbanded = GroupEvent::Disbanded(GroupDisbanded {});
    given::<Group>([formed()])
        .when(issue(GroupCommand::Disband))
        .then(vec![disbanded.clone()]);
    given::<Group>([formed(), disbanded.clone()])
        .when(issue(GroupCommand::Disband))
        .then_nothing();
    for command in [
        GroupCommand::Rename { name: name("A") },
        GroupCommand::AddMember { user: id(1) },
        GroupCommand::RemoveMember { user: id(1) },
    ] {
        given::<Group>([formed(), disbanded.clone()])
            .when(issue(command))
            .then_rejected("group.disbanded");
    }
    given::<Group>([formed(), disbanded.clone()])
        .when(issue(GroupCommand::Reinstate))
        .then(vec![GroupEvent::Reinstated(GroupReinstated {})]);
    given::<Group>([formed()])
        .when(issue(GroupCommand::Reinstate))
        .then_nothing();
}

proptest! {
    /// Whatever members come and go, the state holds exactly those added
    /// and not removed since.
    #[test]
    fn the_members_are_those_added_and_not_removed_since(
        changes in proptest::collection::vec((0..5_u128, any::<bool>()), 0..30)
    ) {
        let mut history = vec![formed()];
        let mut expected = BTreeSet::new();
        for (user, add) in changes {
            let event = if add {
                expected.insert(id::<UserId>(user));
                added(user)
            } else {
                expected.remove(&id::<UserId>(user));
                GroupEvent::MemberRemoved(GroupMemberRemoved { user: id(user) })
            };
            history.push(event);
        }
        let state = Group::replay(&history).unwrap();
        prop_assert_eq!(state.members, expected);
        prop_assert_eq!(state.name, "Warehouse crew");
    }
}
