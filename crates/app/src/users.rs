//! Users, once for every adapter: a command on a user's stream, as a
//! caller or as the system. What a user does to their own account (a new
//! password, their sessions, their tokens) needs only that they are
//! signed in; anything done to another user, and any change of roles,
//! branch or status, needs `admin.administer`. The domain adds the
//! token rules (a token issued through a token holds no more than it).

use domain::Issued;
use domain::access::{Action, Module, Permission, User, UserCommand};
use domain::ids::UserId;
use eventlog::{Actor, AppendMeta};

use crate::access::Caller;
use crate::commands::{CommandError, CommandHandler, Executed, Execution};
use crate::process::SYSTEM_USER;
use crate::{App, Run};

/// What administering users needs.
pub const ADMINISTER: Permission = Permission::new(Module::Admin, Action::Administer);

/// The user use cases of `app`.
#[derive(Debug)]
pub struct UserUseCases<'a> {
    app: &'a App,
}

impl App {
    pub fn users(&self) -> UserUseCases<'_> {
        UserUseCases { app: self }
    }
}

/// Whether `command` is one a user may run on their own account.
fn self_service(command: &UserCommand) -> bool {
    matches!(
        command,
        UserCommand::ChangePassword(_)
            | UserCommand::RevokeSessions
            | UserCommand::IssueToken { .. }
            | UserCommand::RevokeToken { .. }
    )
}

/// Whether `by` may run `command` on `user`: their own account's
/// self-service, or anything with `admin.administer`. An administrator
/// reaches every user, so a refusal says which permission it needed.
pub fn authorize(by: &Caller, user: UserId, command: &UserCommand) -> Result<(), CommandError> {
    if (user == by.user && self_service(command)) || by.grants.allows(ADMINISTER) {
        Ok(())
    } else {
        Err(CommandError::Forbidden {
            permission: ADMINISTER,
        })
    }
}

impl UserUseCases<'_> {
    /// Runs `command` on `user`'s stream as `by`.
    pub async fn run(
        &self,
        by: &Caller,
        run: Run,
        user: UserId,
        command: UserCommand,
    ) -> Result<Executed, CommandError> {
        authorize(by, user, &command)?;
        self.execute(by.user, by.actor(), run, user, command).await
    }

    /// Runs `command` on `user`'s stream as the system, recorded as
    /// `actor` (the first administrator at setup, a token made for
    /// tests, a password reset from the command line).
    pub async fn run_as_system(
        &self,
        actor: Actor,
        run: Run,
        user: UserId,
        command: UserCommand,
    ) -> Result<Executed, CommandError> {
        self.execute(SYSTEM_USER, actor, run, user, command).await
    }

    /// Whether `user` exists.
    pub fn exists(&self, user: UserId) -> Result<bool, CommandError> {
        Ok(self.app.load::<User>(user)?.0.is_some())
    }

    async fn execute(
        &self,
        issuer: UserId,
        actor: Actor,
        run: Run,
        user: UserId,
        command: UserCommand,
    ) -> Result<Executed, CommandError> {
        let stream = CommandHandler::stream::<User>(user)?;
        let issued = Issued::new(issuer, self.app.clock.now(), command);
        let execution = Execution::new(AppendMeta::new(actor, run.command_id))
            .with_command_id(run.command_id)
            .expecting(run.expected_version);
        self.app
            .commands
            .execute::<User, _>(&stream, &issued, &execution)
            .await
    }
}

#[cfg(test)]
mod tests {
    use domain::access::{Grants, Role};
    use uuid::Uuid;

    use super::*;

    fn caller(role: Role) -> Caller {
        Caller {
            user: UserId::from_uuid(Uuid::now_v7()),
            branch: None,
            grants: Grants::of_roles(&[role]),
            token: None,
            process: None,
        }
    }

    /// Protects accounts from each other: a user ends their own sessions
    /// but not another's, and changes no roles, not even their own; an
    /// administrator does both.
    #[test]
    fn only_self_service_on_oneself_without_administering_users() {
        let anna = caller(Role::SalesManager);
        let boris = UserId::from_uuid(Uuid::now_v7());
        assert!(authorize(&anna, anna.user, &UserCommand::RevokeSessions).is_ok());
        for (user, command) in [
            (boris, UserCommand::RevokeSessions),
            (
                anna.user,
                UserCommand::ChangeRoles(vec![Role::Administrator]),
            ),
            (anna.user, UserCommand::Enable),
        ] {
            assert!(matches!(
                authorize(&anna, user, &command),
                Err(CommandError::Forbidden { permission }) if permission == ADMINISTER
            ));
        }
        let admin = caller(Role::Administrator);
        assert!(authorize(&admin, boris, &UserCommand::RevokeSessions).is_ok());
        assert!(authorize(&admin, boris, &UserCommand::Disable).is_ok());
    }
}
