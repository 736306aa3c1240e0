//! API tokens: `hcrm_<token id>_<secret>`, where the id finds the token
//! and the 256-bit secret proves it. Only the secret's SHA-256 is stored
//! (a random secret needs no slow hash), and it is compared in constant
//! time. A token acts as its user with at most the token's permissions,
//! and stops working when revoked, expired, or when its user is disabled.

use chrono::{DateTime, Utc};
use domain::access::{Permission, SecretDigest, UserCommand};
use domain::ids::UserId;
use domain::values::Label;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Principal, Via, constant_time_eq, random_hex};
use crate::AppState;
use app::commands::CommandError;

const PREFIX: &str = "hcrm_";

/// A token as shown to its owner once.
#[derive(Debug)]
pub struct NewToken {
    pub id: Uuid,
    /// The whole token, for the `Authorization` header.
    pub token: String,
    pub digest: SecretDigest,
}

impl NewToken {
    /// A new token with id `id` and a fresh random secret.
    pub fn generate(id: Uuid) -> anyhow::Result<Self> {
        let secret = random_hex::<32>()?;
        Ok(Self {
            id,
            token: format!("{PREFIX}{}_{secret}", id.simple()),
            digest: SecretDigest(Sha256::digest(secret.as_bytes()).into()),
        })
    }

    /// The command that issues this token to a user; `through` is the
    /// token the request came with, if one did (see
    /// [`Principal::token`]).
    pub fn issue(
        &self,
        name: Label,
        permissions: Vec<Permission>,
        expires_at: Option<DateTime<Utc>>,
        through: Option<Uuid>,
    ) -> UserCommand {
        UserCommand::IssueToken {
            token_id: self.id,
            name,
            permissions,
            secret: self.digest,
            expires_at,
            through,
        }
    }
}

/// The id and secret of a presented token, if it has the token's shape.
fn parse(presented: &str) -> Option<(Uuid, &str)> {
    let rest = presented.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() != 64 || !secret.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    Some((Uuid::try_parse(id).ok()?, secret))
}

/// The principal a presented token signs in, if it is live.
pub fn principal(state: &AppState, presented: &str, now: DateTime<Utc>) -> Option<Principal> {
    let (id, secret) = parse(presented)?;
    let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    state.read_models.users.read(|users| {
        let token = users.token(id)?;
        if !constant_time_eq(&token.secret_sha256, &digest) || !token.is_live(now) {
            return None;
        }
        let user = users.user(token.user)?;
        if user.disabled {
            return None;
        }
        Some(Principal {
            user: token.user,
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            branch: user.branch,
            grants: user.grants().limited_to(&token.permissions),
            via: Via::Token { id },
        })
    })
}

/// Issues a token to `user` directly through the command handler (first
/// start, tests, the command line); answers the token to show once.
pub async fn issue(
    state: &AppState,
    user: UserId,
    name: &str,
    permissions: Vec<Permission>,
    actor: eventlog::Actor,
) -> Result<String, CommandError> {
    let token = NewToken::generate(state.app.new_id()).map_err(|error| {
        CommandError::Domain(domain::DomainError::invalid("token", error.to_string()))
    })?;
    let name = Label::parse("name", name)?;
    let command = token.issue(name, permissions, None, None);
    super::run_user_command_as_system(state, actor, user, command, token.id).await?;
    Ok(token.token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects the token format: what is generated parses back to its id,
    /// and anything else is not a token.
    #[test]
    fn tokens_parse_back_and_nothing_else_does() {
        let token = NewToken::generate(Uuid::now_v7()).unwrap();
        let (id, secret) = parse(&token.token).unwrap();
        assert_eq!(id, token.id);
        assert_eq!(
            SecretDigest(Sha256::digest(secret.as_bytes()).into()),
            token.digest
        );
        for bad in [
            "",
            "hcrm_",
            "Bearer x",
            &token.token[..token.token.len() - 1],
            &token.token.replace("hcrm_", "hcrx_"),
            "hcrm_notauuid_0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
