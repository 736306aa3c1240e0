//! The users of HyperCRM as sign-in and permission checks need them: each
//! user's roles, branch, password hash and session generation, and every
//! API token by its id; and the company's branches by id, which every page
//! that names a branch asks.
//!
//! It is small (one row per person, one per token) and read on every
//! request that carries a token or a session, so lookups are by id in
//! hash maps. The rows are folded by the domain's own rules for a user
//! ([`domain::access::User`]), so the model and the decider can never
//! disagree about what a history means.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::access::{Grants, Permission, Role, User, UserEvent, UserState};
use domain::branch::{Branch, BranchEvent, BranchState};
use domain::group::{Group, GroupEvent, GroupState};
use domain::ids::{BranchId, GroupId, UserId};
use domain::{CrmEvent, Decider, DomainEvent};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::Envelope;
use crate::model::ReadModel;

/// An API token as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub user: UserId,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub secret_sha256: [u8; 32],
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    /// Whether the token may be used at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires_at| expires_at > now)
    }
}

/// A user as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub login: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub branch: Option<BranchId>,
    pub password_hash: String,
    pub disabled: bool,
    pub session_generation: u64,
    pub registered_at: DateTime<Utc>,
    /// The ids of the user's tokens, revoked ones included.
    pub tokens: Vec<Uuid>,
}

impl UserRow {
    fn of(state: &UserState, registered_at: DateTime<Utc>) -> Self {
        Self {
            login: state.login.clone(),
            display_name: state.display_name.clone(),
            roles: state.roles.clone(),
            branch: state.branch,
            password_hash: state.password_hash.clone(),
            disabled: state.disabled,
            session_generation: state.session_generation,
            registered_at,
            tokens: state.tokens.keys().copied().collect(),
        }
    }

    pub fn grants(&self) -> Grants {
        if self.disabled {
            Grants::default()
        } else {
            Grants::of_roles(&self.roles)
        }
    }
}

/// A branch as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRow {
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub closed: bool,
}

/// A group of users as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow {
    pub name: String,
    /// By id.
    pub members: Vec<UserId>,
    pub disbanded: bool,
}

/// Every user, token, branch and group.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Users {
    users: BTreeMap<UserId, UserRow>,
    tokens: FxHashMap<Uuid, TokenRow>,
    branches: BTreeMap<BranchId, BranchRow>,
    groups: BTreeMap<GroupId, GroupRow>,
}

impl ReadModel for Users {
    const NAME: &'static str = "users";
    // 2: the branches; 3: the groups.
    const VERSION: u32 = 3;
    const CATEGORIES: &'static [&'static str] = &[
        UserEvent::CATEGORY,
        BranchEvent::CATEGORY,
        GroupEvent::CATEGORY,
    ];
    const SNAPSHOTS_KEPT: usize = 4;

    fn apply(&mut self, envelope: &Envelope<'_>) {
        if let CrmEvent::Branch(event) = envelope.event {
            self.apply_branch(BranchId::from_uuid(envelope.aggregate), event);
            return;
        }
        if let CrmEvent::Group(event) = envelope.event {
            self.apply_group(GroupId::from_uuid(envelope.aggregate), event);
            return;
        }
        let CrmEvent::User(event) = envelope.event else {
            return;
        };
        let id = UserId::from_uuid(envelope.aggregate);
        // The decider's state, from the rows: user events are rare, so the
        // model keeps no second copy of it.
        let state = self.users.get(&id).map(|row| state_of(row, &self.tokens));
        let Some(state) = User::evolve(state, event) else {
            return;
        };
        let registered_at = self
            .users
            .get(&id)
            .map_or(envelope.recorded_at, |row| row.registered_at);
        match event {
            UserEvent::TokenIssued(issued) => {
                self.tokens.insert(
                    issued.token_id,
                    TokenRow {
                        user: id,
                        name: issued.name.clone(),
                        permissions: issued.permissions.clone(),
                        secret_sha256: issued.secret_sha256,
                        issued_at: envelope.recorded_at,
                        expires_at: issued.expires_at,
                        revoked_at: None,
                    },
                );
            }
            UserEvent::TokenRevoked(revoked) => {
                if let Some(token) = self.tokens.get_mut(&revoked.token_id) {
                    token.revoked_at.get_or_insert(envelope.recorded_at);
                }
            }
            _ => {}
        }
        self.users.insert(id, UserRow::of(&state, registered_at));
    }
}

/// The decider's state of a user restored from a snapshot's rows.
fn state_of(row: &UserRow, tokens: &FxHashMap<Uuid, TokenRow>) -> UserState {
    UserState {
        login: row.login.clone(),
        display_name: row.display_name.clone(),
        roles: row.roles.clone(),
        branch: row.branch,
        password_hash: row.password_hash.clone(),
        disabled: row.disabled,
        session_generation: row.session_generation,
        tokens: row
            .tokens
            .iter()
            .filter_map(|id| {
                let token = tokens.get(id)?;
                Some((
                    *id,
                    domain::access::TokenState {
                        name: token.name.clone(),
                        permissions: token.permissions.clone(),
                        secret_sha256: token.secret_sha256,
                        expires_at: token.expires_at,
                        revoked: token.revoked_at.is_some(),
                    },
                ))
            })
            .collect(),
    }
}

impl Users {
    /// A branch's events, folded by the domain's own rules.
    fn apply_branch(&mut self, id: BranchId, event: &BranchEvent) {
        let state = self.branches.remove(&id).map(|row| BranchState {
            code: row.code,
            name: row.name,
            address: row.address,
            closed: row.closed,
        });
        if let Some(state) = Branch::evolve(state, event) {
            self.branches.insert(
                id,
                BranchRow {
                    code: state.code,
                    name: state.name,
                    address: state.address,
                    closed: state.closed,
                },
            );
        }
    }

    /// A group's events, folded by the domain's own rules.
    fn apply_group(&mut self, id: GroupId, event: &GroupEvent) {
        let state = self.groups.remove(&id).map(|row| GroupState {
            name: row.name,
            members: row.members.into_iter().collect(),
            disbanded: row.disbanded,
        });
        if let Some(state) = Group::evolve(state, event) {
            self.groups.insert(
                id,
                GroupRow {
                    name: state.name,
                    members: state.members.into_iter().collect(),
                    disbanded: state.disbanded,
                },
            );
        }
    }

    pub fn group(&self, id: GroupId) -> Option<&GroupRow> {
        self.groups.get(&id)
    }

    /// Every group, disbanded ones too, by name (then id).
    pub fn groups(&self) -> Vec<(GroupId, &GroupRow)> {
        let mut groups: Vec<(GroupId, &GroupRow)> =
            self.groups.iter().map(|(id, row)| (*id, row)).collect();
        groups.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(&b.0)));
        groups
    }

    /// The groups `user` is a member of (disbanded ones left out), by id.
    pub fn groups_of(&self, user: UserId) -> Vec<GroupId> {
        self.groups
            .iter()
            .filter(|(_, row)| !row.disbanded && row.members.contains(&user))
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn branch(&self, id: BranchId) -> Option<&BranchRow> {
        self.branches.get(&id)
    }

    /// Every branch, closed ones too, by name (then id).
    pub fn branches(&self) -> Vec<(BranchId, &BranchRow)> {
        let mut branches: Vec<(BranchId, &BranchRow)> =
            self.branches.iter().map(|(id, row)| (*id, row)).collect();
        branches.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(&b.0)));
        branches
    }

    /// The branch with `code` (in capitals, as codes are kept), if any.
    pub fn branch_by_code(&self, code: &str) -> Option<BranchId> {
        self.branches
            .iter()
            .find(|(_, row)| row.code == code)
            .map(|(id, _)| *id)
    }

    pub fn user(&self, id: UserId) -> Option<&UserRow> {
        self.users.get(&id)
    }

    pub fn token(&self, id: Uuid) -> Option<&TokenRow> {
        self.tokens.get(&id)
    }

    /// Every user, by id.
    pub fn users(&self) -> impl Iterator<Item = (UserId, &UserRow)> {
        self.users.iter().map(|(id, row)| (*id, row))
    }

    /// The tokens of one user, newest first.
    pub fn tokens_of(&self, user: UserId) -> Vec<(Uuid, &TokenRow)> {
        let mut tokens: Vec<(Uuid, &TokenRow)> = self
            .users
            .get(&user)
            .map(|row| {
                row.tokens
                    .iter()
                    .filter_map(|id| Some((*id, self.tokens.get(id)?)))
                    .collect()
            })
            .unwrap_or_default();
        tokens.sort_by(|a, b| b.1.issued_at.cmp(&a.1.issued_at).then(a.0.cmp(&b.0)));
        tokens
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use domain::access::{ApiTokenIssued, ApiTokenRevoked, UserPasswordChanged, UserRegistered};
    use eventlog::{Actor, StreamName};

    use super::*;

    fn envelope<'a>(
        stream: &'a StreamName,
        aggregate: Uuid,
        position: u64,
        actor: &'a Actor,
        event: &'a CrmEvent,
    ) -> Envelope<'a> {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000 + position as i64, 0).unwrap();
        Envelope {
            position,
            stream,
            stream_version: position - 1,
            aggregate,
            aggregate_part: None,
            event_id: Uuid::from_u128(u128::from(position)),
            occurred_at: at,
            recorded_at: at,
            actor,
            event,
        }
    }

    /// Protects sign-in after a restart: a model restored from a snapshot
    /// folds the next events exactly as the live one did.
    #[test]
    fn a_restored_directory_folds_on_like_the_live_one() {
        let user = Uuid::from_u128(1);
        let stream = StreamName::parse(format!("user-{user}")).unwrap();
        let actor = Actor::system("test");
        let events = [
            CrmEvent::User(UserEvent::Registered(UserRegistered {
                login: "anna".into(),
                display_name: "Anna".into(),
                roles: vec![Role::Auditor],
                branch: None,
                password_hash: "$argon2id$one".into(),
            })),
            CrmEvent::User(UserEvent::TokenIssued(ApiTokenIssued {
                token_id: Uuid::from_u128(9),
                name: "sync".into(),
                permissions: vec![Permission::parse("p", "parties.read").unwrap()],
                secret_sha256: [7; 32],
                expires_at: None,
            })),
            CrmEvent::User(UserEvent::PasswordChanged(UserPasswordChanged {
                password_hash: "$argon2id$two".into(),
            })),
            CrmEvent::User(UserEvent::TokenRevoked(ApiTokenRevoked {
                token_id: Uuid::from_u128(9),
            })),
        ];
        let mut live = Users::default();
        let mut restored = Users::default();
        for (index, event) in events.iter().enumerate() {
            let position = index as u64 + 1;
            live.apply(&envelope(&stream, user, position, &actor, event));
            if index == 1 {
                // The snapshot store's own encoding.
                let config = bincode::config::standard();
                let bytes = bincode::serde::encode_to_vec(&live, config).unwrap();
                restored = bincode::serde::decode_from_slice(&bytes, config).unwrap().0;
            } else if index > 1 {
                restored.apply(&envelope(&stream, user, position, &actor, event));
            }
        }
        let id = UserId::from_uuid(user);
        assert_eq!(live.user(id), restored.user(id));
        assert_eq!(
            live.token(Uuid::from_u128(9)),
            restored.token(Uuid::from_u128(9))
        );
        let row = live.user(id).unwrap();
        assert_eq!(row.password_hash, "$argon2id$two");
        assert_eq!(row.session_generation, 1);
        let token = live.token(Uuid::from_u128(9)).unwrap();
        assert!(!token.is_live(Utc::now()));
        assert_eq!(live.tokens_of(id).len(), 1);
    }

    /// Protects every page that names a branch: the directory follows a
    /// branch's opening, change and closing, finds it by code, and lists
    /// branches by name.
    #[test]
    fn the_directory_names_branches_by_their_latest_details() {
        use domain::branch::{BranchChanged, BranchClosed, BranchOpened};
        let actor = Actor::system("test");
        let mut directory = Users::default();
        let (north, south) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let events = [
            (
                north,
                BranchEvent::Opened(BranchOpened {
                    code: "N".into(),
                    name: "North".into(),
                    address: None,
                }),
            ),
            (
                south,
                BranchEvent::Opened(BranchOpened {
                    code: "S".into(),
                    name: "South".into(),
                    address: Some("2 Quay".into()),
                }),
            ),
            (
                north,
                BranchEvent::Changed(BranchChanged {
                    code: "ZN".into(),
                    name: "Zenith".into(),
                    address: None,
                }),
            ),
            (south, BranchEvent::Closed(BranchClosed {})),
        ];
        for (index, (branch, event)) in events.into_iter().enumerate() {
            let stream = StreamName::parse(format!("branch-{branch}")).unwrap();
            let event = CrmEvent::Branch(event);
            directory.apply(&envelope(&stream, branch, index as u64 + 1, &actor, &event));
        }
        let (north, south) = (BranchId::from_uuid(north), BranchId::from_uuid(south));
        assert_eq!(directory.branch(north).unwrap().name, "Zenith");
        assert!(directory.branch(south).unwrap().closed);
        assert_eq!(directory.branch_by_code("ZN"), Some(north));
        assert_eq!(directory.branch_by_code("N"), None, "the old code is free");
        let names: Vec<&str> = directory
            .branches()
            .iter()
            .map(|(_, row)| row.name.as_str())
            .collect();
        assert_eq!(names, ["South", "Zenith"]);
    }

    /// Protects whom a group's tasks reach on every page: the directory
    /// follows a group's members as they come and go, names groups by
    /// their latest name, and a disbanded group is no one's any more.
    #[test]
    fn the_directory_knows_each_groups_members() {
        use domain::group::{
            GroupDisbanded, GroupFormed, GroupMemberAdded, GroupMemberRemoved, GroupRenamed,
        };
        let actor = Actor::system("test");
        let mut directory = Users::default();
        let (crew, sales) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (anna, boris) = (
            UserId::from_uuid(Uuid::from_u128(7)),
            UserId::from_uuid(Uuid::from_u128(8)),
        );
        let events = [
            (
                crew,
                GroupEvent::Formed(GroupFormed {
                    name: "Crew".into(),
                }),
            ),
            (
                sales,
                GroupEvent::Formed(GroupFormed {
                    name: "Sales".into(),
                }),
            ),
            (
                crew,
                GroupEvent::MemberAdded(GroupMemberAdded { user: anna }),
            ),
            (
                crew,
                GroupEvent::MemberAdded(GroupMemberAdded { user: boris }),
            ),
            (
                sales,
                GroupEvent::MemberAdded(GroupMemberAdded { user: anna }),
            ),
            (
                crew,
                GroupEvent::MemberRemoved(GroupMemberRemoved { user: boris }),
            ),
            (
                crew,
                GroupEvent::Renamed(GroupRenamed {
                    name: "Warehouse crew".into(),
                }),
            ),
            (sales, GroupEvent::Disbanded(GroupDisbanded {})),
        ];
        for (index, (group, event)) in events.into_iter().enumerate() {
            let stream = StreamName::parse(format!("group-{group}")).unwrap();
            let event = CrmEvent::Group(event);
            directory.apply(&envelope(&stream, group, index as u64 + 1, &actor, &event));
        }
        let crew = GroupId::from_uuid(crew);
        assert_eq!(directory.group(crew).unwrap().name, "Warehouse crew");
        assert_eq!(directory.group(crew).unwrap().members, [anna]);
        assert_eq!(directory.groups_of(anna), [crew], "not the disbanded one");
        assert!(directory.groups_of(boris).is_empty());
        let names: Vec<&str> = directory
            .groups()
            .iter()
            .map(|(_, row)| row.name.as_str())
            .collect();
        assert_eq!(names, ["Sales", "Warehouse crew"]);
    }
}
