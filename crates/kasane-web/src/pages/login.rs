//! Login and logout.

use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use kasane_app::admin::session;
use kasane_domain::identity::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS};
use kasane_store::session::new_secret;
use maud::{Markup, html};
use serde::Deserialize;

use crate::http::auth::{Page, SESSION_COOKIE, constant_time_eq, session_cookie};
use crate::http::error::{PageError, WebError};
use crate::http::work::Work;
use crate::ui::layout::bare;

/// Double-submit token for the login form, which has no session yet to hold one.
const LOGIN_CSRF_COOKIE: &str = "kasane_login_csrf";
/// The one answer to every failed login (wrong password, unknown, disabled or locked
/// account): which it was is in the audit log, never in the answer.
fn bad_credentials() -> String {
    format!(
        "ユーザー名またはパスワードが違います。続けて{MAX_FAILED_LOGINS}回間違えると、\
         {LOCKOUT_MINUTES}分間ログインできなくなります"
    )
}

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

pub async fn login_page(Work(state): Work, jar: CookieJar) -> (CookieJar, Markup) {
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
    Work(state): Work,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|e| constant_time_eq(e.as_bytes(), form.csrf.as_bytes())) {
        return Err(WebError::Csrf.into());
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
    let failure = |status: StatusCode, message: &str| {
        (status, login_form(&form.csrf, &username, Some(message))).into_response()
    };
    match session::log_in(&state, &username, &form.password, request_id).await {
        Ok(secret) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
                .add(session_cookie(secret, state.settings.secure_cookies));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(kasane_app::AppError::Unauthorized) => {
            Ok(failure(StatusCode::UNAUTHORIZED, &bad_credentials()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    Work(state): Work,
    Page(ctx): Page,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let secret = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    session::log_out(&state, &ctx, secret.as_deref()).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
