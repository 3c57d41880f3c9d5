//! Login, logout and authentication of a request: a session (cookie secret) or a personal
//! access token. Failures are audited and counted (lockout) in the same unit of work.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use kasane_domain::audit::AuditAction;
use kasane_domain::identity::{Lockout, NewPassword, secret_digest, verify_password};
use kasane_store::audit::NewAuditEntry;
use kasane_store::session::new_secret;

use crate::{App, AppError, AppResult, Caller};

/// How long a login lasts.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// A session unused this long ends (idle expiry).
    pub idle: Duration,
    /// A session ends this long after login, however active (absolute expiry).
    pub absolute: Duration,
}

/// What a request presents.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// The session cookie's secret.
    Session(&'a str),
    /// A personal access token (API).
    Token(&'a str),
}

impl SessionLimits {
    /// When a session last used at `last_seen_at` and begun at `created_at` ends, seen at
    /// `now`, and when its page should warn of it.
    pub fn times(
        &self,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SessionTimes {
        let span = |d: Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        let idle_end = last_seen_at + span(self.idle);
        let absolute_end = created_at + span(self.absolute);
        let expires_in = (idle_end.min(absolute_end) - now).num_seconds().max(0);
        // Five minutes ahead, or a quarter of a short idle limit.
        let lead = WARN_AHEAD_SECS.min(span(self.idle).num_seconds() / 4);
        SessionTimes {
            expires_in,
            warn_in: (expires_in - lead).max(0),
            extendable: idle_end < absolute_end,
        }
    }
}

/// The warning before idle expiry comes this long ahead at most.
const WARN_AHEAD_SECS: i64 = 5 * 60;

/// A session's remaining time, in seconds, as its page tells the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SessionTimes {
    /// Until the session ends unless it is used again.
    pub expires_in: i64,
    /// Until the page warns that it will end.
    pub warn_in: i64,
    /// Whether using it puts the end off (false once the absolute limit comes first).
    pub extendable: bool,
}

/// Why a session ended: what the login page tells the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Unused for longer than the idle limit.
    Idle,
    /// Begun longer ago than the absolute limit.
    Absolute,
}

impl SessionEnd {
    pub fn code(self) -> &'static str {
        match self {
            SessionEnd::Idle => "idle",
            SessionEnd::Absolute => "absolute",
        }
    }
}

/// An authenticated request: the caller, and the session's CSRF token and remaining time
/// (none for a token: no cookie, so no cross-site forgery to defend against, and no expiry
/// to warn of).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    pub csrf: Option<String>,
    pub session: Option<SessionTimes>,
}

/// Sessions are touched at most this often, so reads do not each cost a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// Who presents `credential`: `Unauthorized` for an unknown or disabled one,
/// `SessionExpired` with the reason for an expired session (which is deleted).
pub async fn authenticate(
    app: &App,
    credential: Credential<'_>,
    limits: SessionLimits,
    request_id: &str,
) -> AppResult<Authenticated> {
    app.unit(async |app| {
        let (user, csrf, times) = match credential {
            Credential::Token(token) => {
                let user = app
                    .store
                    .user_by_token(token)
                    .await?
                    .ok_or(AppError::Unauthorized)?;
                (user, None, None)
            }
            Credential::Session(secret) => {
                let session = app
                    .store
                    .session(secret)
                    .await?
                    .ok_or(AppError::Unauthorized)?;
                let now = app.now();
                let idle = now.signed_duration_since(session.last_seen_at);
                let age = now.signed_duration_since(session.created_at);
                let ended = if age.to_std().is_ok_and(|d| d > limits.absolute) {
                    Some(AppError::SessionExpired(SessionEnd::Absolute))
                } else if idle.to_std().is_ok_and(|d| d > limits.idle) {
                    Some(AppError::SessionExpired(SessionEnd::Idle))
                } else if session.user.disabled {
                    Some(AppError::Unauthorized)
                } else {
                    None
                };
                if let Some(ended) = ended {
                    app.store.delete_session(&session.id_digest).await?;
                    return Err(ended);
                }
                let mut last_seen_at = session.last_seen_at;
                if idle.num_seconds() >= TOUCH_EVERY_SECS {
                    app.store.touch_session(&session.id_digest).await?;
                    last_seen_at = now;
                }
                let times = limits.times(session.created_at, last_seen_at, now);
                (session.user, Some(session.csrf_token), Some(times))
            }
        };
        if user.disabled {
            return Err(AppError::Unauthorized);
        }
        Ok(Authenticated {
            caller: app.caller(user, request_id.to_string()).await?,
            csrf,
            session: times,
        })
    })
    .await
}

/// Marks the session whose cookie secret is `secret` used now (「延長する」), whenever it
/// was last touched: its idle limit starts again. The request authenticated it first.
pub async fn extend(app: &App, secret: &str, limits: SessionLimits) -> AppResult<SessionTimes> {
    app.unit(async |app| {
        let session = app
            .store
            .session(secret)
            .await?
            .ok_or(AppError::Unauthorized)?;
        app.store.touch_session(&session.id_digest).await?;
        let now = app.now();
        Ok(limits.times(session.created_at, now, now))
    })
    .await
}

/// An argon2id hash of a random secret: verifying against it when the user does not exist
/// makes "no such user" take as long as "wrong password".
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        NewPassword::parse(&new_secret())
            .and_then(|p| p.hash())
            .unwrap_or_default()
    })
}

/// Turns at verifying a password: one a core. Each verify takes argon2's 19 MiB and tens of
/// milliseconds of CPU; sixty-four at once took 1.2 GB and made every one slower.
fn verifying() -> &'static tokio::sync::Semaphore {
    static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// Logs `username` in with `password`: the new session's secret. A wrong password, an
/// unknown, disabled or locked user are all `Unauthorized`, so that an answer never tells
/// a guesser whether the account exists. Each failure is audited with its reason, and a
/// wrong password counts towards the lockout.
///
/// The password is verified before the unit of work begins, on a blocking thread: argon2
/// takes tens of milliseconds of CPU, which must hold neither SQLite's one writer nor a
/// thread of the runtime. The unit then reads the account again and counts the attempt,
/// so concurrent attempts are each counted.
pub async fn log_in(
    app: &App,
    username: &str,
    password: &str,
    request_id: &str,
) -> AppResult<String> {
    let known = app
        .read(async |app| Ok(app.store.user_by_username(username).await?))
        .await?;
    let hash = known
        .as_ref()
        .map_or_else(|| dummy_hash().to_string(), |u| u.password_hash.clone());
    let verified = {
        let _turn = verifying()
            .acquire()
            .await
            .map_err(|_| AppError::Internal)?;
        let attempt = password.to_string();
        tokio::task::spawn_blocking(move || verify_password(&attempt, &hash))
            .await
            .map_err(|_| AppError::Internal)?
    };
    app.unit(async |app| {
        let failure = async |user: Option<&kasane_store::user::User>, reason: &str| {
            app.store
                .append_audit(&NewAuditEntry {
                    municipality_id: user.map(|u| u.municipality_id),
                    user_id: user.map(|u| u.id),
                    username,
                    action: AuditAction::LoginFailed,
                    object_type: "session",
                    object_id: "",
                    basis: "",
                    reason,
                    request_id,
                })
                .await
        };
        let Some(user) = app.store.user_by_username(username).await? else {
            failure(None, "unknown_user").await?;
            return Err(AppError::Unauthorized);
        };
        let now = app.now();
        if user.locked_until.is_some_and(|until| until > now) {
            failure(Some(&user), "locked").await?;
            return Err(AppError::Unauthorized);
        }
        // What was verified must still be the account's password.
        let verified = verified
            && known
                .as_ref()
                .is_some_and(|k| k.password_hash == user.password_hash);
        if user.disabled || !verified {
            app.store
                .count_login_failure(user.id, Lockout::at(now))
                .await?;
            let reason = if user.disabled {
                "disabled"
            } else {
                "bad_password"
            };
            failure(Some(&user), reason).await?;
            return Err(AppError::Unauthorized);
        }
        if !app
            .store
            .record_login_success(user.id, &user.password_hash, now)
            .await?
        {
            // Locked by a failure that counted after this unit read the account.
            failure(Some(&user), "locked").await?;
            return Err(AppError::Unauthorized);
        }
        let secret = app
            .store
            .create_session(user.id, user.municipality_id)
            .await?;
        app.store
            .append_audit(&NewAuditEntry {
                municipality_id: Some(user.municipality_id),
                user_id: Some(user.id),
                username: &user.username,
                action: AuditAction::Login,
                object_type: "session",
                object_id: "",
                basis: "",
                reason: "",
                request_id,
            })
            .await?;
        Ok(secret)
    })
    .await
}

/// Ends the caller's session (the one whose cookie secret is `secret`, if any).
pub async fn log_out(app: &App, caller: &Caller, secret: Option<&str>) -> AppResult<()> {
    app.unit(async |app| {
        if let Some(secret) = secret {
            app.store.delete_session(&secret_digest(secret)).await?;
        }
        crate::guard::audit(
            app,
            caller,
            AuditAction::Logout,
            crate::guard::Object {
                kind: "session",
                id: "",
            },
            "",
            "",
        )
        .await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(idle_min: u64, absolute_h: u64) -> SessionLimits {
        SessionLimits {
            idle: Duration::from_secs(idle_min * 60),
            absolute: Duration::from_secs(absolute_h * 3600),
        }
    }

    #[test]
    fn the_warning_comes_five_minutes_before_the_nearer_limit() {
        let start = DateTime::UNIX_EPOCH;
        let at = |min: i64| start + TimeDelta::minutes(min);
        // Idle: used 10 minutes ago, 30 minutes allowed.
        let t = limits(30, 10).times(start, at(50), at(60));
        assert_eq!(t.expires_in, 20 * 60);
        assert_eq!(t.warn_in, 15 * 60);
        assert!(t.extendable);
        // The absolute limit comes first: using it no longer helps.
        let t = limits(30, 10).times(start, at(590), at(590));
        assert_eq!(t.expires_in, 10 * 60);
        assert!(!t.extendable);
        // Past either limit: nothing left, warned at once.
        let t = limits(30, 10).times(start, at(0), at(45));
        assert_eq!((t.expires_in, t.warn_in), (0, 0));
        // A short idle limit is warned of a quarter ahead.
        let t = SessionLimits {
            idle: Duration::from_secs(16),
            absolute: Duration::from_secs(3600),
        }
        .times(start, start, start);
        assert_eq!((t.expires_in, t.warn_in), (16, 12));
    }
}
