//! Signing in: a login and password checked against the users read
//! model, throttled per account-and-address pair and per address, and a
//! new session in place of any the client had.

use std::net::IpAddr;

use domain::ids::UserId;

use super::password;
use crate::AppState;

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong login or password, or a disabled user: one answer for all,
    /// so the answer does not tell which logins exist.
    #[error("wrong login or password")]
    Wrong,
    #[error("too many failed sign-ins; try again in {0} seconds")]
    Throttled(u64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A new session: its cookie value and its CSRF token.
#[derive(Debug)]
pub struct SignedIn {
    pub user: UserId,
    pub cookie: String,
    pub csrf: String,
}

/// Checks `login` and `password` (throttled per account and address)
/// and starts a new session; a session the client already had is ended,
/// so a session id planted before sign-in is never signed in.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    address: Option<IpAddr>,
    previous_cookie: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let now = state.app.now();
    let account = login.trim().to_lowercase();
    // Counted before the password is checked: parallel guesses meet the
    // limit, not a count that lags behind them.
    let attempt = state
        .auth
        .throttle
        .begin(&account, address, now)
        .map_err(SignInError::Throttled)?;
    let user = domain::access::Login::parse("login", login)
        .ok()
        .map(|login| login.user_id());
    let stored = user.and_then(|user| {
        state.read_models.users.read(|users| {
            users.user(user).map(|row| {
                (
                    row.password_hash.clone(),
                    row.disabled,
                    row.session_generation,
                )
            })
        })
    });
    let matched = password::verify(password, stored.as_ref().map(|(hash, ..)| hash.as_str())).await;
    let (Some(user), Some((_, false, generation)), true) = (user, stored, matched) else {
        tracing::warn!(login = %account, address = ?address, "a sign-in failed");
        return Err(SignInError::Wrong);
    };
    state.auth.throttle.succeeded(attempt);
    if let Some(previous) = previous_cookie {
        state.auth.sessions.remove(previous)?;
    }
    let (cookie, session) = state.auth.sessions.create(user, generation, now)?;
    tracing::info!(login = %account, address = ?address, "signed in");
    Ok(SignedIn {
        user,
        cookie,
        csrf: session.csrf,
    })
}
