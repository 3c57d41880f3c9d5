//! Users (職員): identity, roles, password hashes, login throttling state.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{
    AgencyId, DisplayName, Lockout, MunicipalityId, Roles, UserId, Username,
};
use serde::Serialize;
use sqlx::Connection;

use crate::{Store, StoreError, StoreResult, execute, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: UserId,
    pub municipality_id: MunicipalityId,
    pub agency_id: AgencyId,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub roles: String,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// The stored role list, parsed. A row the domain cannot read grants nothing.
    pub fn roles(&self) -> Roles {
        self.roles.parse().unwrap_or_default()
    }
}

pub struct NewUser<'a> {
    pub municipality_id: MunicipalityId,
    pub agency_id: AgencyId,
    pub username: &'a Username,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a str,
    pub roles: &'a Roles,
}

macro_rules! select_user {
    () => {
        "SELECT id, municipality_id, agency_id, username, display_name, password_hash, roles, \
         disabled, failed_logins, locked_until, created_at FROM app_user "
    };
}

impl Store {
    pub async fn create_user(&self, u: NewUser<'_>) -> StoreResult<UserId> {
        let created_at = now();
        let result = on_pool!(self, |p| sqlx::query_as::<_, (i64,)>(
            "INSERT INTO app_user (municipality_id, agency_id, username, display_name, \
             password_hash, roles, created_at) \
             SELECT $1, id, $3, $4, $5, $6, $7 FROM agency WHERE id = $2 AND municipality_id = $1 \
             RETURNING id"
        )
        .bind(u.municipality_id)
        .bind(u.agency_id)
        .bind(u.username.as_str())
        .bind(u.display_name.as_str())
        .bind(u.password_hash)
        .bind(u.roles.to_codes())
        .bind(created_at)
        .fetch_optional(&mut *p)
        .await);
        match result {
            Ok(Some((id,))) => Ok(id),
            // The agency is checked inside the insert: a user never joins another
            // municipality's agency.
            Ok(None) => Err(StoreError::Invalid(
                "所属機関がその自治体にありません".to_string(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user(&self, id: UserId) -> StoreResult<User> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_user!(),
            "WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *p)
        .await)?)
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_user!(),
            "WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// The users of one municipality, or of every municipality with `None` (CLI only).
    pub async fn users(&self, municipality_id: Option<MunicipalityId>) -> StoreResult<Vec<User>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_user!(),
            "WHERE ($1 IS NULL OR municipality_id = $1) ORDER BY municipality_id, username"
        ))
        .bind(municipality_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// User `id` whatever its municipality (the caller's rule judges it), if it exists.
    pub async fn user_any(&self, id: UserId) -> StoreResult<Option<User>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_user!(),
            "WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// One page of a municipality's users by username: `limit` rows from `offset`.
    pub async fn users_page(
        &self,
        municipality_id: MunicipalityId,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<User>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_user!(),
            "WHERE municipality_id = $1 ORDER BY username LIMIT $2 OFFSET $3"
        ))
        .bind(municipality_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Changes a user's display name, agency and roles; the agency must be one of the
    /// user's municipality (checked inside the update, like [`Store::create_user`]).
    pub async fn update_user(
        &self,
        id: UserId,
        agency_id: AgencyId,
        display_name: &DisplayName,
        roles: &Roles,
    ) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE app_user SET agency_id = $2, display_name = $3, roles = $4 \
                 WHERE id = $1 AND EXISTS (SELECT 1 FROM agency a \
                 WHERE a.id = $2 AND a.municipality_id = app_user.municipality_id)"
            )
            .bind(id)
            .bind(agency_id)
            .bind(display_name.as_str())
            .bind(roles.to_codes())
        )?;
        if done == 0 {
            return Err(StoreError::Invalid(
                "所属機関がその自治体にありません".to_string(),
            ));
        }
        Ok(())
    }

    /// Sets a new password hash, lifts any lockout and ends the user's sessions (whoever
    /// held the old password is logged out).
    pub async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE app_user SET password_hash = $2, failed_logins = 0, locked_until = NULL \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            sqlx::query("DELETE FROM user_session WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Disables a user and ends their sessions and tokens at once.
    pub async fn set_disabled(&self, id: UserId, disabled: bool) -> StoreResult<()> {
        let revoked_at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query("UPDATE app_user SET disabled = $2 WHERE id = $1")
                .bind(id)
                .bind(disabled)
                .execute(&mut *tx)
                .await?;
            expect_one(done.rows_affected())?;
            if disabled {
                sqlx::query("DELETE FROM user_session WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE api_token SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(revoked_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Counts a failed login and locks the account once the count reaches the lockout's,
    /// in one statement: concurrent failures are each counted (a count read, changed and
    /// written back loses them).
    pub async fn count_login_failure(&self, id: UserId, lockout: Lockout) -> StoreResult<()> {
        let rows = execute!(
            self,
            sqlx::query(
                "UPDATE app_user SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END \
                 WHERE id = $1"
            )
            .bind(id)
            .bind(lockout.after_failures)
            .bind(lockout.until)
        )?;
        expect_one(rows)
    }

    /// Clears the count after a login with `password_hash` verified, in one statement that
    /// also checks the account is still unlocked, enabled and on that password (a
    /// concurrent failure may have locked it since it was read): false if it is not.
    pub async fn record_login_success(
        &self,
        id: UserId,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let rows = execute!(
            self,
            sqlx::query(
                "UPDATE app_user SET failed_logins = 0, locked_until = NULL \
                 WHERE id = $1 AND password_hash = $2 AND disabled = FALSE \
                 AND (locked_until IS NULL OR locked_until <= $3)"
            )
            .bind(id)
            .bind(password_hash)
            .bind(now)
        )?;
        Ok(rows == 1)
    }
}

pub(crate) fn expect_one(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
