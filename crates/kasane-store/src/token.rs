//! Personal access tokens for scripts and integrations: hashed at rest, revocable.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{UserId, secret_digest};
use serde::Serialize;

use crate::session::new_secret;
use crate::user::{User, expect_one};
use crate::{Deferred, Store, StoreResult, execute, on_pool, wall_clock};

/// Every token starts with this, so that a leaked one is recognisable in a scan.
pub const TOKEN_PREFIX: &str = "ksn_";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token's last use is recorded at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

impl Store {
    /// Issues a token for `user`; the secret is returned once and never stored.
    pub async fn create_token(&self, user: &User, name: &str) -> StoreResult<String> {
        let secret = format!("{TOKEN_PREFIX}{}", new_secret());
        execute!(
            self,
            sqlx::query(
                "INSERT INTO api_token (municipality_id, user_id, name, token_digest, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(user.municipality_id)
            .bind(user.id)
            .bind(name)
            .bind(secret_digest(&secret))
            .bind(wall_clock())
        )?;
        Ok(secret)
    }

    /// The enabled user a live token belongs to; marks the token used — at most once a
    /// minute, like a session, so that API reads do not each cost a write.
    pub async fn user_by_token(&self, secret: &str) -> StoreResult<Option<User>> {
        let row: Option<(i64, i64, Option<DateTime<Utc>>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT t.id, t.user_id, t.last_used_at FROM api_token t \
             JOIN app_user u ON u.id = t.user_id \
             WHERE t.token_digest = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE"
        )
        .bind(secret_digest(secret))
        .fetch_optional(&mut *p)
        .await)?;
        let Some((token_id, user_id, last_used_at)) = row else {
            return Ok(None);
        };
        if last_used_at.is_none_or(|at| (wall_clock() - at).num_seconds() >= TOUCH_EVERY_SECS) {
            self.touch_token(token_id).await?;
        }
        Ok(Some(self.user(user_id).await?))
    }

    /// Records that token `id` was used now (in a read unit, when it commits).
    pub(crate) async fn touch_token(&self, id: i64) -> StoreResult<()> {
        if self.defer(|| Deferred::TouchToken(id))? {
            return Ok(());
        }
        execute!(
            self,
            sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE id = $1")
                .bind(id)
                .bind(wall_clock())
        )?;
        Ok(())
    }

    pub async fn tokens(&self, user_id: UserId) -> StoreResult<Vec<ApiToken>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_token \
             WHERE user_id = $1 ORDER BY id"
        )
        .bind(user_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn revoke_token(&self, user_id: UserId, token_id: i64) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE api_token SET revoked_at = $3 \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
            )
            .bind(token_id)
            .bind(user_id)
            .bind(wall_clock())
        )?;
        expect_one(done)
    }
}
