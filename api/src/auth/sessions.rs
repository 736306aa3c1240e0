//! Sign-in sessions, kept in their own small sled store in the data folder
//! (`sessions/`), apart from the event log: a session is not a business
//! fact, and a restored backup simply asks everyone to sign in again.
//!
//! The browser holds a random 256-bit id in an HttpOnly, SameSite=Strict
//! cookie; the store keys each session by the SHA-256 of that id, so a
//! copy of the store does not hold usable cookies. A session ends at its
//! absolute expiry, after an idle time, on sign-out, or when the user's
//! session generation moves on (password change, "sign out everywhere",
//! disabling), which ends every session of the user at once without
//! finding them.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use domain::ids::UserId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::random_hex;

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "hypercrm_session";
/// Most sessions one user keeps; signing in once more ends the oldest.
pub const SESSIONS_PER_USER_MAX: usize = 20;
/// How often a session's last use is written back, in seconds: not on
/// every request.
const TOUCH_SECONDS_MIN: i64 = 60;

/// How long sessions live.
#[derive(Clone, Copy, Debug)]
pub struct SessionLifetime {
    /// From sign-in, whatever happens.
    pub absolute: Duration,
    /// Without a request.
    pub idle: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            absolute: Duration::hours(12),
            idle: Duration::hours(2),
        }
    }
}

/// One session as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: UserId,
    /// The user's session generation when signing in.
    pub generation: u64,
    /// The token every form and unsafe request of this session must carry.
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The sessions store.
#[derive(Clone, Debug)]
pub struct Sessions {
    tree: sled::Db,
    lifetime: SessionLifetime,
}

fn key_of(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

impl Sessions {
    pub fn open(directory: &Path, lifetime: SessionLifetime) -> anyhow::Result<Self> {
        let tree = sled::Config::new()
            .path(directory)
            .mode(sled::Mode::LowSpace)
            .open()?;
        Ok(Self { tree, lifetime })
    }

    pub fn lifetime(&self) -> SessionLifetime {
        self.lifetime
    }

    /// Starts a session for `user`; returns the cookie's value. Always a
    /// fresh id: a session id is never taken from the client.
    pub fn create(
        &self,
        user: UserId,
        generation: u64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, Session)> {
        let id = random_hex::<32>()?;
        let session = Session {
            user,
            generation,
            csrf: random_hex::<32>()?,
            created_at: now,
            last_seen_at: now,
        };
        self.tree
            .insert(key_of(&id), serde_json::to_vec(&session)?)?;
        self.keep_newest_of(user)?;
        Ok((id, session))
    }

    /// The live session with cookie value `id`, noting its use; an expired
    /// one is removed and not returned.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> anyhow::Result<Option<Session>> {
        if id.len() != 64 || !id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let key = key_of(id);
        let Some(bytes) = self.tree.get(key)? else {
            return Ok(None);
        };
        let mut session: Session = match serde_json::from_slice(&bytes) {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%error, "a stored session does not decode; it is removed");
                self.tree.remove(key)?;
                return Ok(None);
            }
        };
        if self.expired(&session, now) {
            self.tree.remove(key)?;
            return Ok(None);
        }
        if now - session.last_seen_at >= Duration::seconds(TOUCH_SECONDS_MIN) {
            session.last_seen_at = now;
            self.tree.insert(key, serde_json::to_vec(&session)?)?;
        }
        Ok(Some(session))
    }

    /// Ends the session with cookie value `id` (signing out).
    pub fn remove(&self, id: &str) -> anyhow::Result<()> {
        self.tree.remove(key_of(id))?;
        Ok(())
    }

    /// Ends every session of `user` (on top of the generation, which
    /// already makes them invalid: this frees the space).
    pub fn remove_all_of(&self, user: UserId) -> anyhow::Result<usize> {
        let mut removed = 0;
        for (key, session) in self.all()? {
            if session.user == user {
                self.tree.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The live sessions of `user`, newest first.
    pub fn of_user(&self, user: UserId, now: DateTime<Utc>) -> anyhow::Result<Vec<Session>> {
        let mut sessions: Vec<Session> = self
            .all()?
            .into_iter()
            .map(|(_, session)| session)
            .filter(|session| session.user == user && !self.expired(session, now))
            .collect();
        sessions.sort_by_key(|session| std::cmp::Reverse(session.created_at));
        Ok(sessions)
    }

    fn expired(&self, session: &Session, now: DateTime<Utc>) -> bool {
        now >= session.created_at + self.lifetime.absolute
            || now >= session.last_seen_at + self.lifetime.idle
    }

    fn all(&self) -> anyhow::Result<Vec<(sled::IVec, Session)>> {
        let mut sessions = Vec::new();
        for entry in self.tree.iter() {
            let (key, bytes) = entry?;
            if let Ok(session) = serde_json::from_slice::<Session>(&bytes) {
                sessions.push((key, session));
            }
        }
        Ok(sessions)
    }

    /// Ends the oldest sessions of `user` beyond the limit.
    fn keep_newest_of(&self, user: UserId) -> anyhow::Result<()> {
        let mut own: Vec<(sled::IVec, Session)> = self
            .all()?
            .into_iter()
            .filter(|(_, session)| session.user == user)
            .collect();
        if own.len() <= SESSIONS_PER_USER_MAX {
            return Ok(());
        }
        own.sort_by_key(|(_, session)| std::cmp::Reverse(session.created_at));
        for (key, _) in own.into_iter().skip(SESSIONS_PER_USER_MAX) {
            self.tree.remove(key)?;
        }
        Ok(())
    }

    /// Removes every expired session (on start).
    pub fn purge_expired(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut removed = 0;
        for entry in self.tree.iter() {
            let (key, bytes) = entry?;
            let stale = serde_json::from_slice::<Session>(&bytes)
                .map_or(true, |session| self.expired(&session, now));
            if stale {
                self.tree.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn store() -> (tempfile::TempDir, Sessions) {
        let directory = tempfile::tempdir().unwrap();
        let sessions = Sessions::open(directory.path(), SessionLifetime::default()).unwrap();
        (directory, sessions)
    }

    fn user(number: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(number))
    }

    /// Protects sign-in: a session is found by its cookie only, and its
    /// id is not what the store keeps.
    #[test]
    fn a_session_is_found_by_its_cookie_and_stored_by_its_hash() {
        let (_directory, sessions) = store();
        let now = Utc::now();
        let (id, session) = sessions.create(user(1), 0, now).unwrap();
        assert_eq!(sessions.get(&id, now).unwrap(), Some(session.clone()));
        assert!(sessions.tree.get(id.as_bytes()).unwrap().is_none());
        assert_eq!(sessions.get(&"0".repeat(64), now).unwrap(), None);
        assert_eq!(sessions.get("../../etc/passwd", now).unwrap(), None);
        assert_ne!(session.csrf, id);
    }

    /// Protects against stolen cookies living forever: sessions end after
    /// the idle time and at the absolute expiry even when used.
    #[test]
    fn sessions_end_when_idle_and_at_their_absolute_expiry() {
        let (_directory, sessions) = store();
        let start = Utc::now();
        let lifetime = SessionLifetime::default();
        let (idle, _) = sessions.create(user(1), 0, start).unwrap();
        assert_eq!(sessions.get(&idle, start + lifetime.idle).unwrap(), None);
        let (busy, _) = sessions.create(user(1), 0, start).unwrap();
        let mut now = start;
        while now < start + lifetime.absolute - Duration::minutes(30) {
            now += Duration::minutes(30);
            assert!(sessions.get(&busy, now).unwrap().is_some());
        }
        assert_eq!(
            sessions.get(&busy, start + lifetime.absolute).unwrap(),
            None
        );
    }

    /// Protects sign-out and "sign out everywhere".
    #[test]
    fn signing_out_ends_one_session_and_everywhere_ends_all() {
        let (_directory, sessions) = store();
        let now = Utc::now();
        let (first, _) = sessions.create(user(1), 0, now).unwrap();
        let (second, _) = sessions.create(user(1), 0, now).unwrap();
        let (other, _) = sessions.create(user(2), 0, now).unwrap();
        sessions.remove(&first).unwrap();
        assert_eq!(sessions.get(&first, now).unwrap(), None);
        assert!(sessions.get(&second, now).unwrap().is_some());
        assert_eq!(sessions.remove_all_of(user(1)).unwrap(), 1);
        assert_eq!(sessions.get(&second, now).unwrap(), None);
        assert!(sessions.get(&other, now).unwrap().is_some());
    }

    /// Protects the store from a script signing in forever.
    #[test]
    fn a_user_keeps_only_the_newest_sessions() {
        let (_directory, sessions) = store();
        let start = Utc::now();
        let mut ids = Vec::new();
        for minute in 0..=SESSIONS_PER_USER_MAX as i64 {
            let (id, _) = sessions
                .create(user(1), 0, start + Duration::seconds(minute))
                .unwrap();
            ids.push(id);
        }
        let now = start + Duration::minutes(1);
        assert_eq!(sessions.get(&ids[0], now).unwrap(), None);
        assert!(
            sessions
                .get(&ids[SESSIONS_PER_USER_MAX], now)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            sessions.of_user(user(1), now).unwrap().len(),
            SESSIONS_PER_USER_MAX
        );
    }
}
