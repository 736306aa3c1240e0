//! Groups of users (issue 17): a team a task or a calendar entry can be
//! for, such as "Warehouse crew" or "Sales North".
//!
//! A group is one stream, `group-<id>`, kept by an administrator: a name
//! and its members (users, by id). A task assigned to a group is every
//! member's: each sees it among their own, may work on it, and gets its
//! reminder. A disbanded group keeps its name on what names it, takes no
//! new members and is offered for no new task; it can be formed again
//! under the same id by reinstating it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::UserId;
use crate::values::Label;

const ENTITY: &str = "group";

// ---------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFormed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRenamed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberAdded {
    pub user: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberRemoved {
    pub user: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDisbanded {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReinstated {}

domain_events! {
    /// Everything that can happen to a group.
    pub enum GroupEvent in "group" {
        Formed(GroupFormed) = "GroupFormed" v 1,
        Renamed(GroupRenamed) = "GroupRenamed" v 1,
        MemberAdded(GroupMemberAdded) = "GroupMemberAdded" v 1,
        MemberRemoved(GroupMemberRemoved) = "GroupMemberRemoved" v 1,
        Disbanded(GroupDisbanded) = "GroupDisbanded" v 1,
        Reinstated(GroupReinstated) = "GroupReinstated" v 1,
    }
}

// -------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupCommand {
    Form { name: Label },
    Rename { name: Label },
    AddMember { user: UserId },
    RemoveMember { user: UserId },
    Disband,
    Reinstate,
}

// ----------------------------------------------------------------- state

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupState {
    pub name: String,
    pub members: BTreeSet<UserId>,
    pub disbanded: bool,
}

/// The group decider. State is `None` until the group is formed.
#[derive(Debug)]
pub struct Group;

impl Decider for Group {
    type State = Option<GroupState>;
    type Command = Issued<GroupCommand>;
    type Event = GroupEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<GroupEvent>, DomainError> {
        issued.business_time()?;
        if let GroupCommand::Form { name } = &issued.command {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "group.already_formed",
                    "this group is already formed",
                ));
            }
            return Ok(vec![GroupEvent::Formed(GroupFormed {
                name: name.as_str().to_owned(),
            })]);
        }
        let group = state
            .as_ref()
            .ok_or_else(|| DomainError::not_found(ENTITY))?;
        let disbanded = || {
            DomainError::rejected(
                "group.disbanded",
                "this group is disbanded: reinstate it to change it",
            )
        };
        match &issued.command {
            GroupCommand::Form { .. } => Ok(Vec::new()),
            GroupCommand::Reinstate if group.disbanded => {
                Ok(vec![GroupEvent::Reinstated(GroupReinstated {})])
            }
            GroupCommand::Reinstate | GroupCommand::Disband if group.disbanded => Ok(Vec::new()),
            GroupCommand::Reinstate => Ok(Vec::new()),
            _ if group.disbanded => Err(disbanded()),
            GroupCommand::Rename { name } if group.name == name.as_str() => Ok(Vec::new()),
            GroupCommand::Rename { name } => Ok(vec![GroupEvent::Renamed(GroupRenamed {
                name: name.as_str().to_owned(),
            })]),
            GroupCommand::AddMember { user } if group.members.contains(user) => Ok(Vec::new()),
            GroupCommand::AddMember { user } => {
                Ok(vec![GroupEvent::MemberAdded(GroupMemberAdded {
                    user: *user,
                })])
            }
            GroupCommand::RemoveMember { user } if !group.members.contains(user) => Ok(Vec::new()),
            GroupCommand::RemoveMember { user } => {
                Ok(vec![GroupEvent::MemberRemoved(GroupMemberRemoved {
                    user: *user,
                })])
            }
            GroupCommand::Disband => Ok(vec![GroupEvent::Disbanded(GroupDisbanded {})]),
        }
    }

    fn evolve(state: Self::State, event: &GroupEvent) -> Self::State {
        if let GroupEvent::Formed(formed) = event {
            return Some(GroupState {
                name: formed.name.clone(),
                members: BTreeSet::new(),
                disbanded: false,
            });
        }
        let mut group = state?;
        match event {
            GroupEvent::Formed(_) => {}
            GroupEvent::Renamed(renamed) => group.name.clone_from(&renamed.name),
            GroupEvent::MemberAdded(added) => {
                group.members.insert(added.user);
            }
            GroupEvent::MemberRemoved(removed) => {
                group.members.remove(&removed.user);
            }
            GroupEvent::Disbanded(_) => group.disbanded = true,
            GroupEvent::Reinstated(_) => group.disbanded = false,
        }
        Some(group)
    }
}

#[cfg(test)]
mod tests;
