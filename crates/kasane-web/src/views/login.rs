//! Login and logout.

use std::sync::OnceLock;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use kasane_domain::audit::AuditAction;
use kasane_domain::identity::{NewPassword, lockout_after, verify_password};
use kasane_store::audit::NewAuditEntry;
use kasane_store::session::new_secret;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Page, SESSION_COOKIE, constant_time_eq, session_cookie};
use crate::http::error::{AppError, PageError};
use crate::http::guard::{Object, audit};
use crate::views::layout::bare;

/// Double-submit token for the login form, which has no session yet to hold one.
const LOGIN_CSRF_COOKIE: &str = "kasane_login_csrf";
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
const BAD_CREDENTIALS: &str = "ユーザー名またはパスワードが違います";

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

fn login_form(csrf: &str, username: &str, error: Option<&str>) -> Markup {
    bare(
        "ログイン",
        html! {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label for="username" { "ユーザー名" }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { "パスワード" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { "ログイン" }
            }
            p.note { "この端末を離れるときは必ずログアウトしてください。" }
        },
    )
}

fn login_csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/login")
        .build()
}

pub async fn login_page(State(state): State<AppState>, jar: CookieJar) -> (CookieJar, Markup) {
    let token = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_else(new_secret);
    let jar = jar.add(login_csrf_cookie(
        token.clone(),
        state.settings.secure_cookies,
    ));
    (jar, login_form(&token, "", None))
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|e| constant_time_eq(e.as_bytes(), form.csrf.as_bytes())) {
        return Err(AppError::Csrf.into());
    }
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let username: String = form
        .username
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(64)
        .collect();
    let user = state.store.user_by_username(&username).await?;
    let now = Utc::now();
    let failure = |status: StatusCode, message: &str| {
        (status, login_form(&form.csrf, &username, Some(message))).into_response()
    };
    let Some(user) = user else {
        verify_password(&form.password, dummy_hash());
        log_failure(&state, None, None, &username, request_id, "unknown_user").await?;
        return Ok(failure(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS));
    };
    let mid = Some(user.municipality_id);
    if user.locked_until.is_some_and(|until| until > now) {
        log_failure(&state, mid, Some(user.id), &username, request_id, "locked").await?;
        return Ok(failure(
            StatusCode::TOO_MANY_REQUESTS,
            &AppError::TooManyRequests.to_string(),
        ));
    }
    if user.disabled || !verify_password(&form.password, &user.password_hash) {
        let failed = user.failed_logins + 1;
        let locked_until = lockout_after(failed).map(|d| now + d);
        state
            .store
            .record_login_failure(user.id, failed, locked_until)
            .await?;
        let reason = if user.disabled {
            "disabled"
        } else {
            "bad_password"
        };
        log_failure(&state, mid, Some(user.id), &username, request_id, reason).await?;
        return Ok(failure(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS));
    }
    state.store.record_login_success(user.id).await?;
    let secret = state
        .store
        .create_session(user.id, user.municipality_id)
        .await?;
    state
        .store
        .append_audit(&NewAuditEntry {
            municipality_id: mid,
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
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(session_cookie(secret, state.settings.secure_cookies));
    Ok((jar, Redirect::to("/")).into_response())
}

async fn log_failure(
    state: &AppState,
    municipality_id: Option<i64>,
    user_id: Option<i64>,
    username: &str,
    request_id: &str,
    reason: &str,
) -> Result<(), AppError> {
    state
        .store
        .append_audit(&NewAuditEntry {
            municipality_id,
            user_id,
            username,
            action: AuditAction::LoginFailed,
            object_type: "session",
            object_id: "",
            basis: "",
            reason,
            request_id,
        })
        .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    Page(ctx): Page,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let digest = kasane_domain::identity::secret_digest(c.value());
        state.store.delete_session(&digest).await?;
    }
    audit(
        &state,
        &ctx,
        AuditAction::Logout,
        Object {
            kind: "session",
            id: "",
        },
        "",
        "",
    )
    .await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
