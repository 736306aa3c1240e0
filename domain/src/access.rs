//! Who may use HyperCRM and what each may do: users, their roles, their
//! API tokens, and the permission matrix of the built-in roles.
//!
//! A user is a stream (`user-<id>`) whose id is derived from the login, so
//! two registrations of one login meet at the same stream and the second
//! is refused by the log itself, not by a read model that may lag. The
//! log records every grant and revocation, so an auditor can say who could
//! do what on any day.
//!
//! Secrets never reach this module in the clear: it stores the password's
//! Argon2id hash and the SHA-256 of a token's secret, computed by the
//! application. The audit trail redacts both.
//!
//! A permission is a module and an action. Each role grants a set of them,
//! some only over the records the user owns or the warehouses of the
//! user's branch ([`Reach`]); with several roles, the widest reach wins.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Decider;
use crate::command::Issued;
use crate::domain_events;
use crate::error::DomainError;
use crate::ids::{BranchId, UserId, derived};
use crate::values::Label;

const USER: &str = "user";
const TOKEN: &str = "API token";

/// Shortest and longest login, in characters.
pub const LOGIN_CHARS_MIN: usize = 2;
pub const LOGIN_CHARS_MAX: usize = 64;
/// API tokens one user may hold at once (revoked ones do not count).
pub const TOKENS_PER_USER_MAX: usize = 50;
/// Permissions one token may carry (every module × every action).
pub const TOKEN_PERMISSIONS_MAX: usize = Module::ALL.len() * Action::ALL.len();

/// The namespace of user ids derived from logins.
const LOGIN_NAMESPACE: Uuid = Uuid::from_u128(0x6b1d_52a4_3c7e_4f0a_9d21_77c0_5e8a_4b13);

// ------------------------------------------------------------ permissions

macro_rules! keyed_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $key:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the API, in token scopes and in
            /// the permission matrix of the docs.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            pub fn parse(key: &str) -> Option<Self> {
                match key {
                    $($key => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

keyed_enum! {
    /// A part of the system that permissions are granted on. Variants only
    /// grow at the end: events store them by position.
    Module {
        Parties = "parties",
        Interactions = "interactions",
        Sales = "sales",
        Planning = "planning",
        Catalog = "catalog",
        Inventory = "inventory",
        Orders = "orders",
        Finance = "finance",
        Reports = "reports",
        Audit = "audit",
        Admin = "admin",
        /// Suppliers' offers and purchase orders.
        Purchasing = "purchasing",
        /// Bills of materials, production orders, material requirements.
        Production = "production",
    }
}

keyed_enum! {
    /// What a permission allows in a module.
    Action {
        Read = "read",
        Create = "create",
        Edit = "edit",
        /// Delete, archive, cancel, revoke: what takes something away.
        Delete = "delete",
        /// Bulk reads that leave the system: CSV and JSON Lines exports.
        Export = "export",
        Administer = "administer",
    }
}

keyed_enum! {
    /// The built-in roles.
    Role {
        Administrator = "administrator",
        Director = "director",
        SalesManager = "sales_manager",
        Storekeeper = "storekeeper",
        Accountant = "accountant",
        Auditor = "auditor",
        Purchaser = "purchaser",
        ProductionManager = "production_manager",
        /// Drives a vehicle of the fleet: sees and records the deliveries
        /// of the vehicles they drive.
        Driver = "driver",
    }
}

/// One module and one action: `orders.delete`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Permission {
    pub module: Module,
    pub action: Action,
}

impl Permission {
    pub const fn new(module: Module, action: Action) -> Self {
        Self { module, action }
    }

    /// Parses `module.action`.
    pub fn parse(field: &str, text: &str) -> Result<Self, DomainError> {
        let invalid = || {
            DomainError::invalid(
                field,
                format!("{text:?} is not a permission such as \"orders.read\""),
            )
        };
        let (module, action) = text.split_once('.').ok_or_else(invalid)?;
        Ok(Self {
            module: Module::parse(module).ok_or_else(invalid)?,
            action: Action::parse(action).ok_or_else(invalid)?,
        })
    }

    /// Every permission there is.
    pub fn all() -> impl Iterator<Item = Permission> {
        Module::ALL.iter().flat_map(|module| {
            Action::ALL
                .iter()
                .map(|action| Permission::new(*module, *action))
        })
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.action)
    }
}

/// Over which records a permission holds. Ordered from narrow to wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reach {
    /// Only records the user owns: customers they manage, and what hangs
    /// off those customers (interactions, deals, orders).
    Own,
    /// Only the warehouses of the user's branch.
    Branch,
    /// Every record.
    All,
}

impl Role {
    /// How far this role reaches with `permission`, or `None` when it does
    /// not grant it. This is the permission matrix of `docs/security.md`.
    pub fn reach(self, permission: Permission) -> Option<Reach> {
        use Action::{Administer, Create, Delete, Edit, Export, Read};
        use Module::{
            Admin, Audit, Catalog, Finance, Interactions, Inventory, Orders, Parties, Planning,
            Production, Purchasing, Reports, Sales,
        };
        let Permission { module, action } = permission;
        let business = !matches!(module, Audit | Admin);
        let granted = |yes: bool, reach: Reach| yes.then_some(reach);
        match self {
            Role::Administrator => Some(Reach::All),
            Role::Director => granted(
                (business && action != Administer) || (module == Audit && action == Read),
                Reach::All,
            ),
            Role::SalesManager => match module {
                Parties | Interactions | Sales | Planning | Orders => {
                    granted(matches!(action, Read | Create | Edit | Delete), Reach::Own)
                }
                // When do the goods a customer waits for arrive?
                Catalog | Inventory | Purchasing | Production => {
                    granted(action == Read, Reach::All)
                }
                _ => None,
            },
            // Everyone plans their own work: tasks and calendar, their
            // own and their groups'.
            Role::Storekeeper
            | Role::Accountant
            | Role::Purchaser
            | Role::ProductionManager
            | Role::Driver
                if module == Planning =>
            {
                granted(matches!(action, Read | Create | Edit | Delete), Reach::Own)
            }
            Role::Storekeeper => match module {
                Inventory => granted(
                    matches!(action, Read | Create | Edit | Delete),
                    Reach::Branch,
                ),
                Catalog => granted(matches!(action, Read | Create | Edit), Reach::All),
                Orders => granted(matches!(action, Read | Edit), Reach::All),
                // Receiving a delivery is an edit of its purchase order;
                // the warehouse must be within the inventory reach too.
                Purchasing => granted(matches!(action, Read | Edit), Reach::All),
                Parties | Production => granted(action == Read, Reach::All),
                _ => None,
            },
            Role::Accountant => match module {
                Finance => granted(action != Administer, Reach::All),
                Orders => granted(matches!(action, Read | Edit), Reach::All),
                Reports => granted(matches!(action, Read | Export), Reach::All),
                Parties | Catalog | Inventory | Purchasing | Production => {
                    granted(action == Read, Reach::All)
                }
                _ => None,
            },
            // Buys: suppliers (parties of every owner), their offers and
            // purchase orders; reads what is in stock and sold.
            Role::Purchaser => match module {
                Purchasing => granted(action != Administer, Reach::All),
                Parties => granted(matches!(action, Read | Create | Edit), Reach::All),
                // What material requirements say to buy.
                Catalog | Inventory | Orders | Production => granted(action == Read, Reach::All),
                Reports => granted(matches!(action, Read | Export), Reach::All),
                _ => None,
            },
            // Makes: bills of materials (and the products they name),
            // production orders; reads what is in stock, sold and bought.
            Role::ProductionManager => match module {
                Production => granted(action != Administer, Reach::All),
                Catalog => granted(matches!(action, Read | Create | Edit), Reach::All),
                Parties | Inventory | Orders | Purchasing => granted(action == Read, Reach::All),
                Reports => granted(matches!(action, Read | Export), Reach::All),
                _ => None,
            },
            Role::Auditor => granted(matches!(action, Read | Export), Reach::All),
            // Their vehicles' deliveries only: what "own" means in
            // inventory (`app::access`).
            Role::Driver => match module {
                Inventory => granted(matches!(action, Read | Edit), Reach::Own),
                Catalog | Parties => granted(action == Read, Reach::All),
                _ => None,
            },
        }
    }
}

/// Every permission there is: modules × actions.
const PERMISSIONS: usize = TOKEN_PERMISSIONS_MAX;

/// What a set of roles grants: for each permission, the widest reach any
/// of them gives. A small array indexed by permission, so it is copied
/// and asked on every request without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grants([Option<Reach>; PERMISSIONS]);

impl Default for Grants {
    fn default() -> Self {
        Self([None; PERMISSIONS])
    }
}

impl Permission {
    /// The permission's place among all of them (module-major, as
    /// [`Permission::all`] lists them).
    fn index(self) -> usize {
        self.module as usize * Action::ALL.len() + self.action as usize
    }
}

impl Grants {
    pub fn of_roles(roles: &[Role]) -> Self {
        let mut grants = Self::default();
        for permission in Permission::all() {
            grants.0[permission.index()] =
                roles.iter().filter_map(|role| role.reach(permission)).max();
        }
        grants
    }

    /// These grants cut down to `scopes` (an API token's permissions).
    pub fn limited_to(&self, scopes: &[Permission]) -> Self {
        let mut limited = Self::default();
        for permission in scopes {
            limited.0[permission.index()] = self.0[permission.index()];
        }
        limited
    }

    pub fn reach(&self, permission: Permission) -> Option<Reach> {
        self.0[permission.index()]
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.reach(permission).is_some()
    }

    pub fn permissions(&self) -> impl Iterator<Item = (Permission, Reach)> + '_ {
        Permission::all().filter_map(|permission| Some((permission, self.reach(permission)?)))
    }
}

// ----------------------------------------------------------------- values

/// A login: lower-case letters, digits and `.`, `_`, `-`, `@`; compared as
/// typed after lower-casing, so `Anna` and `anna` are one login.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Login(String);

impl Login {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let login = raw.trim().to_lowercase();
        let length = login.chars().count();
        if !(LOGIN_CHARS_MIN..=LOGIN_CHARS_MAX).contains(&length) {
            return Err(DomainError::invalid(
                field,
                format!("must be {LOGIN_CHARS_MIN} to {LOGIN_CHARS_MAX} characters"),
            ));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !login.chars().all(allowed) {
            return Err(DomainError::invalid(
                field,
                "may hold only letters, digits and . _ - @",
            ));
        }
        Ok(Self(login))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the user with this login.
    pub fn user_id(&self) -> UserId {
        UserId::from_uuid(derived(LOGIN_NAMESPACE, self.0.as_bytes()))
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Argon2id password hash in PHC string form, made by the application.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Accepts only an Argon2id PHC string: a plain password passed here
    /// by mistake is refused instead of being stored.
    pub fn parse(field: &str, phc: &str) -> Result<Self, DomainError> {
        if !phc.starts_with("$argon2id$") || phc.len() > 512 {
            return Err(DomainError::invalid(field, "must be an Argon2id hash"));
        }
        Ok(Self(phc.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// The SHA-256 of an API token's secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretDigest(pub [u8; 32]);

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretDigest(..)")
    }
}

// ----------------------------------------------------------------- events

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRegistered {
    pub login: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub branch: Option<BranchId>,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPasswordChanged {
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRenamed {
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRolesChanged {
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserBranchChanged {
    pub branch: Option<BranchId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDisabled {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEnabled {}

/// Every session of the user ends ("log out everywhere").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSessionsRevoked {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenIssued {
    pub token_id: Uuid,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub secret_sha256: [u8; 32],
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenRevoked {
    pub token_id: Uuid,
}

domain_events! {
    /// Everything that can happen to a user.
    pub enum UserEvent in "user" {
        Registered(UserRegistered) = "UserRegistered" v 1,
        PasswordChanged(UserPasswordChanged) = "UserPasswordChanged" v 1,
        Renamed(UserRenamed) = "UserRenamed" v 1,
        RolesChanged(UserRolesChanged) = "UserRolesChanged" v 1,
        BranchChanged(UserBranchChanged) = "UserBranchChanged" v 1,
        Disabled(UserDisabled) = "UserDisabled" v 1,
        Enabled(UserEnabled) = "UserEnabled" v 1,
        SessionsRevoked(UserSessionsRevoked) = "UserSessionsRevoked" v 1,
        TokenIssued(ApiTokenIssued) = "ApiTokenIssued" v 1,
        TokenRevoked(ApiTokenRevoked) = "ApiTokenRevoked" v 1,
    }
}

impl UserEvent {
    /// The payload fields that hold secrets (hashes of passwords and
    /// tokens): readers that show events to people blank them out.
    pub const SECRET_FIELDS: &'static [&'static str] = &["password_hash", "secret_sha256"];
}

// --------------------------------------------------------------- commands

#[derive(Clone, Debug, PartialEq)]
pub enum UserCommand {
    Register {
        login: Login,
        display_name: Label,
        roles: Vec<Role>,
        branch: Option<BranchId>,
        password: PasswordHash,
    },
    ChangePassword(PasswordHash),
    Rename(Label),
    ChangeRoles(Vec<Role>),
    ChangeBranch(Option<BranchId>),
    Disable,
    Enable,
    RevokeSessions,
    IssueToken {
        token_id: Uuid,
        name: Label,
        permissions: Vec<Permission>,
        secret: SecretDigest,
        expires_at: Option<DateTime<Utc>>,
        /// The token the request came through, when a token issues
        /// another: the new one gets no more permissions and no longer
        /// life than it (no expiry given: the parent's).
        through: Option<Uuid>,
    },
    RevokeToken {
        token_id: Uuid,
        /// The token the request came through: it may revoke itself and
        /// tokens that hold no permission it lacks, never a stronger one.
        through: Option<Uuid>,
    },
}

/// An API token as the user's stream knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenState {
    pub name: String,
    pub permissions: Vec<Permission>,
    pub secret_sha256: [u8; 32],
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

impl TokenState {
    /// Not revoked and not expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at.is_none_or(|expires_at| expires_at > now)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserState {
    pub login: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub branch: Option<BranchId>,
    pub password_hash: String,
    pub disabled: bool,
    /// Counts "log out everywhere" and password changes: a session made
    /// under an older generation is no longer valid.
    pub session_generation: u64,
    pub tokens: BTreeMap<Uuid, TokenState>,
}

impl UserState {
    pub fn grants(&self) -> Grants {
        if self.disabled {
            Grants::default()
        } else {
            Grants::of_roles(&self.roles)
        }
    }
}

/// Roles as given: at least one, each once, in a stable order.
fn roles_parsed(roles: &[Role]) -> Result<Vec<Role>, DomainError> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(DomainError::invalid("roles", "must name at least one role"));
    }
    Ok(roles)
}

#[derive(Debug)]
pub struct User;

impl Decider for User {
    type State = Option<UserState>;
    type Command = Issued<UserCommand>;
    type Event = UserEvent;
    type Error = DomainError;

    fn decide(state: &Self::State, issued: &Self::Command) -> Result<Vec<UserEvent>, DomainError> {
        issued.business_time()?;
        if let UserCommand::Register {
            login,
            display_name,
            roles,
            branch,
            password,
        } = &issued.command
        {
            if state.is_some() {
                return Err(DomainError::rejected(
                    "user.login_taken",
                    format!("the login {login} is taken"),
                ));
            }
            return Ok(vec![UserEvent::Registered(UserRegistered {
                login: login.as_str().to_owned(),
                display_name: display_name.as_str().to_owned(),
                roles: roles_parsed(roles)?,
                branch: *branch,
                password_hash: password.as_str().to_owned(),
            })]);
        }
        let user = state.as_ref().ok_or_else(|| DomainError::not_found(USER))?;
        Ok(match &issued.command {
            UserCommand::Register { .. } => Vec::new(),
            UserCommand::Rename(name) => {
                crate::unless_unchanged(user.display_name == name.as_str(), || {
                    UserEvent::Renamed(UserRenamed {
                        display_name: name.as_str().to_owned(),
                    })
                })
            }
            UserCommand::ChangeRoles(roles) => {
                let roles = roles_parsed(roles)?;
                crate::unless_unchanged(user.roles == roles, || {
                    UserEvent::RolesChanged(UserRolesChanged { roles })
                })
            }
            UserCommand::ChangeBranch(branch) => {
                crate::unless_unchanged(user.branch == *branch, || {
                    UserEvent::BranchChanged(UserBranchChanged { branch: *branch })
                })
            }
            UserCommand::ChangePassword(hash) => {
                // A new password means the old one may be known: the
                // tokens made under it end with it.
                let mut events = vec![UserEvent::PasswordChanged(UserPasswordChanged {
                    password_hash: hash.as_str().to_owned(),
                })];
                events.extend(revoking_live_tokens(user, issued.at));
                events
            }
            UserCommand::Disable => {
                if user.disabled {
                    return Ok(Vec::new());
                }
                let mut events = vec![UserEvent::Disabled(UserDisabled {})];
                events.extend(revoking_live_tokens(user, issued.at));
                events
            }
            UserCommand::Enable => {
                if !user.disabled {
                    return Ok(Vec::new());
                }
                // A disabled user's tokens were revoked with the disabling;
                // any still standing come from a log written before that
                // rule, and enabling must not bring them back either.
                let mut events = vec![UserEvent::Enabled(UserEnabled {})];
                events.extend(revoking_live_tokens(user, issued.at));
                events
            }
            UserCommand::RevokeSessions => {
                vec![UserEvent::SessionsRevoked(UserSessionsRevoked {})]
            }
            UserCommand::IssueToken {
                token_id,
                name,
                permissions,
                secret,
                expires_at,
                through,
            } => {
                if let Some(existing) = user.tokens.get(token_id) {
                    // The same token issued again (a retried request) is
                    // no change; another token under its id is a conflict.
                    if existing.secret_sha256 == secret.0 {
                        return Ok(Vec::new());
                    }
                    return Err(DomainError::already_exists(TOKEN, *token_id));
                }
                issue_token_checked(user, issued, permissions, *expires_at)?;
                let expires_at = match through {
                    Some(parent) => {
                        child_expiry(user, issued.at, *parent, permissions, *expires_at)?
                    }
                    None => *expires_at,
                };
                let mut permissions = permissions.clone();
                permissions.sort();
                permissions.dedup();
                vec![UserEvent::TokenIssued(ApiTokenIssued {
                    token_id: *token_id,
                    name: name.as_str().to_owned(),
                    permissions,
                    secret_sha256: secret.0,
                    expires_at,
                })]
            }
            UserCommand::RevokeToken { token_id, through } => {
                let token = user
                    .tokens
                    .get(token_id)
                    .ok_or_else(|| DomainError::part_not_found(TOKEN, *token_id))?;
                if let Some(parent) = through
                    && parent != token_id
                {
                    let parent = live_token(user, issued.at, *parent)?;
                    if let Some(beyond) = token
                        .permissions
                        .iter()
                        .find(|permission| !parent.permissions.contains(permission))
                    {
                        return Err(DomainError::rejected(
                            "token.beyond_token",
                            format!(
                                "that token holds {beyond}, which this token does not: only a stronger token or a signed-in session may revoke it"
                            ),
                        ));
                    }
                }
                crate::unless_unchanged(token.revoked, || {
                    UserEvent::TokenRevoked(ApiTokenRevoked {
                        token_id: *token_id,
                    })
                })
            }
        })
    }

    fn evolve(state: Self::State, event: &UserEvent) -> Self::State {
        if let UserEvent::Registered(registered) = event {
            return Some(UserState {
                login: registered.login.clone(),
                display_name: registered.display_name.clone(),
                roles: registered.roles.clone(),
                branch: registered.branch,
                password_hash: registered.password_hash.clone(),
                disabled: false,
                session_generation: 0,
                tokens: BTreeMap::new(),
            });
        }
        let mut user = state?;
        match event {
            UserEvent::Registered(_) => {}
            UserEvent::PasswordChanged(changed) => {
                user.password_hash = changed.password_hash.clone();
                user.session_generation += 1;
            }
            UserEvent::Renamed(renamed) => user.display_name = renamed.display_name.clone(),
            UserEvent::RolesChanged(changed) => user.roles = changed.roles.clone(),
            UserEvent::BranchChanged(changed) => user.branch = changed.branch,
            UserEvent::Disabled(_) => {
                user.disabled = true;
                user.session_generation += 1;
            }
            UserEvent::Enabled(_) => user.disabled = false,
            UserEvent::SessionsRevoked(_) => user.session_generation += 1,
            UserEvent::TokenIssued(issued) => {
                user.tokens.insert(
                    issued.token_id,
                    TokenState {
                        name: issued.name.clone(),
                        permissions: issued.permissions.clone(),
                        secret_sha256: issued.secret_sha256,
                        expires_at: issued.expires_at,
                        revoked: false,
                    },
                );
            }
            UserEvent::TokenRevoked(revoked) => {
                if let Some(token) = user.tokens.get_mut(&revoked.token_id) {
                    token.revoked = true;
                }
            }
        }
        Some(user)
    }
}

/// A `TokenRevoked` for every token of the user still standing (not
/// revoked, not expired at `now`).
fn revoking_live_tokens(user: &UserState, now: DateTime<Utc>) -> Vec<UserEvent> {
    user.tokens
        .iter()
        .filter(|(_, token)| token.is_live(now))
        .map(|(token_id, _)| {
            UserEvent::TokenRevoked(ApiTokenRevoked {
                token_id: *token_id,
            })
        })
        .collect()
}

/// The token `id` of the user, if it is live at `now`: a request came
/// through it, so a token that is gone is refused, not looked past.
fn live_token(user: &UserState, now: DateTime<Utc>, id: Uuid) -> Result<&TokenState, DomainError> {
    user.tokens
        .get(&id)
        .filter(|token| token.is_live(now))
        .ok_or_else(|| {
            DomainError::rejected(
                "token.not_live",
                "the token this request came through is revoked or expired",
            )
        })
}

/// A token issued through `parent`: no permission the parent lacks, and
/// an expiry no later than the parent's (the parent's when none is
/// given). Answers the child's expiry.
fn child_expiry(
    user: &UserState,
    now: DateTime<Utc>,
    parent: Uuid,
    permissions: &[Permission],
    expires_at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    let parent = live_token(user, now, parent)?;
    if let Some(beyond) = permissions
        .iter()
        .find(|permission| !parent.permissions.contains(permission))
    {
        return Err(DomainError::rejected(
            "token.beyond_roles",
            format!("this token does not hold {beyond}; a token it issues cannot either"),
        ));
    }
    match (parent.expires_at, expires_at) {
        (None, child) => Ok(child),
        (Some(limit), None) => Ok(Some(limit)),
        (Some(limit), Some(child)) if child <= limit => Ok(Some(child)),
        (Some(limit), Some(_)) => Err(DomainError::rejected(
            "token.outlives_parent",
            format!("this token expires at {limit}; a token it issues cannot expire later"),
        )),
    }
}

/// The rules for a new token: an enabled user, not too many live tokens,
/// only permissions the user's roles grant, an expiry in the future.
fn issue_token_checked(
    user: &UserState,
    issued: &Issued<UserCommand>,
    permissions: &[Permission],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), DomainError> {
    if user.disabled {
        return Err(DomainError::rejected(
            "user.disabled",
            "a disabled user cannot be given tokens",
        ));
    }
    let live = user.tokens.values().filter(|token| !token.revoked).count();
    if live >= TOKENS_PER_USER_MAX {
        return Err(DomainError::rejected(
            "user.too_many_tokens",
            format!("a user holds at most {TOKENS_PER_USER_MAX} live tokens; revoke one first"),
        ));
    }
    if permissions.is_empty() || permissions.len() > TOKEN_PERMISSIONS_MAX {
        return Err(DomainError::invalid(
            "permissions",
            format!("must name 1 to {TOKEN_PERMISSIONS_MAX} permissions"),
        ));
    }
    let grants = user.grants();
    if let Some(beyond) = permissions
        .iter()
        .find(|permission| !grants.allows(**permission))
    {
        return Err(DomainError::rejected(
            "token.beyond_roles",
            format!("the user's roles do not grant {beyond}; a token cannot either"),
        ));
    }
    if expires_at.is_some_and(|expires_at| expires_at <= issued.at) {
        return Err(DomainError::invalid("expires_at", "must lie in the future"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
