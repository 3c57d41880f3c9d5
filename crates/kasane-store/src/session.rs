//! Server-side login sessions, stored in the database so that several app nodes on one
//! PostgreSQL share them. The cookie carries a random secret; only its digest is stored.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{MunicipalityId, UserId, secret_digest};
use rand::RngCore;

use crate::user::User;
use crate::{Deferred, Store, StoreResult, execute, on_pool, wall_clock};

/// A live session row with its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_digest: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user: User,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id_digest: String,
    csrf_token: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    user_id: UserId,
}

/// A fresh 256-bit secret, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Store {
    /// Starts a session; returns the secret for the cookie.
    pub async fn create_session(
        &self,
        user_id: UserId,
        municipality_id: MunicipalityId,
    ) -> StoreResult<String> {
        let secret = new_secret();
        let at = wall_clock();
        execute!(
            self,
            sqlx::query(
                "INSERT INTO user_session (id_digest, municipality_id, user_id, csrf_token, \
             created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)"
            )
            .bind(secret_digest(&secret))
            .bind(municipality_id)
            .bind(user_id)
            .bind(new_secret())
            .bind(at)
        )?;
        Ok(secret)
    }

    /// The session for a cookie secret, with its user; expiry is the caller's rule.
    pub async fn session(&self, secret: &str) -> StoreResult<Option<Session>> {
        let row: Option<SessionRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id_digest, csrf_token, created_at, last_seen_at, user_id \
             FROM user_session WHERE id_digest = $1"
        )
        .bind(secret_digest(secret))
        .fetch_optional(&mut *p)
        .await)?;
        let Some(row) = row else { return Ok(None) };
        let user = self.user(row.user_id).await?;
        Ok(Some(Session {
            id_digest: row.id_digest,
            csrf_token: row.csrf_token,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            user,
        }))
    }

    /// Marks the session used now (in a read unit, when it commits).
    pub async fn touch_session(&self, id_digest: &str) -> StoreResult<()> {
        if self.defer(|| Deferred::TouchSession(id_digest.to_string()))? {
            return Ok(());
        }
        execute!(
            self,
            sqlx::query("UPDATE user_session SET last_seen_at = $2 WHERE id_digest = $1")
                .bind(id_digest)
                .bind(wall_clock())
        )?;
        Ok(())
    }

    /// Ends the session (in a read unit, when it commits).
    pub async fn delete_session(&self, id_digest: &str) -> StoreResult<()> {
        if self.defer(|| Deferred::DeleteSession(id_digest.to_string()))? {
            return Ok(());
        }
        execute!(
            self,
            sqlx::query("DELETE FROM user_session WHERE id_digest = $1").bind(id_digest)
        )?;
        Ok(())
    }

    /// Removes sessions idle since `idle_before` or started before `started_before`.
    pub async fn delete_expired_sessions(
        &self,
        idle_before: DateTime<Utc>,
        started_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = execute!(
            self,
            sqlx::query("DELETE FROM user_session WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before)
                .bind(started_before)
        )?;
        Ok(done)
    }
}
