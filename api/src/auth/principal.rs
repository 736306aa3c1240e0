//! Who a request acts for: the signed-in user, how they proved it, and
//! what their roles (cut down to a token's permissions) let them reach.

use domain::access::{Action, Grants, Module, Permission, Reach};
use domain::ids::{BranchId, UserId};
use eventlog::Actor;
use uuid::Uuid;

/// How a principal proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A browser session, with its cookie value and CSRF token.
    Session { cookie: String, csrf: String },
    /// An API token.
    Token { id: Uuid },
}

/// A signed-in user, as a request acts.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserId,
    pub login: String,
    pub display_name: String,
    pub branch: Option<BranchId>,
    pub grants: Grants,
    pub via: Via,
}

impl Principal {
    /// The actor recorded on the events this request appends.
    pub fn actor(&self) -> Actor {
        Actor::User {
            user_id: self.user.as_uuid(),
            token_id: match self.via {
                Via::Token { id } => Some(id),
                Via::Session { .. } => None,
            },
        }
    }

    pub fn reach(&self, module: Module, action: Action) -> Option<Reach> {
        self.grants.reach(Permission::new(module, action))
    }

    pub fn allows(&self, module: Module, action: Action) -> bool {
        self.reach(module, action).is_some()
    }

    /// Whether a record owned by `owner` is within reach for `action` in
    /// `module`: everyone's with an `All` grant, only the user's own with
    /// an `Own` grant.
    pub fn may_see_owner(&self, module: Module, action: Action, owner: UserId) -> bool {
        match self.reach(module, action) {
            Some(Reach::All) => true,
            Some(Reach::Own) => owner == self.user,
            Some(Reach::Branch) | None => false,
        }
    }

    /// Whether a warehouse of `branch` is within reach for `action` in
    /// `module`: any with an `All` grant, only those of the user's branch
    /// with a `Branch` grant (a user without a branch: those without one).
    pub fn may_see_branch(&self, module: Module, action: Action, branch: Option<BranchId>) -> bool {
        match self.reach(module, action) {
            Some(Reach::All) => true,
            Some(Reach::Branch) => branch == self.branch,
            Some(Reach::Own) | None => false,
        }
    }

    /// The user whose records alone a list may show, when the grant for
    /// `module`/`action` reaches only the user's own records.
    pub fn only_owner(&self, module: Module, action: Action) -> Option<UserId> {
        (self.reach(module, action) == Some(Reach::Own)).then_some(self.user)
    }

    /// The principal as the application sees it.
    pub fn caller(&self) -> app::access::Caller {
        app::access::Caller {
            user: self.user,
            branch: self.branch,
            grants: self.grants,
            token: self.token(),
            process: None,
        }
    }

    /// The API token the request came with; `None` for a session.
    pub fn token(&self) -> Option<Uuid> {
        match self.via {
            Via::Token { id } => Some(id),
            Via::Session { .. } => None,
        }
    }

    /// The CSRF token forms of this session carry (empty for a token).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }
}
