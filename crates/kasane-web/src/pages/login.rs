//! Login and logout.

use axum::Json;
use axum::extract::{Form, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use kasane_app::admin::session;
use kasane_domain::identity::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS};
use kasane_store::session::new_secret;
use maud::{Markup, html};
use serde::Deserialize;

use crate::WebSettings;
use crate::http::auth::{
    ENDED, Page, SESSION_COOKIE, constant_time_eq, limits, local_path, session_cookie,
};
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
    /// Where to go after the login (a path of this site; anything else goes home).
    #[serde(default)]
    next: String,
}

/// `/login?reason=…&next=…`: why the worker was logged out, and the page to come back to.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    next: String,
}

/// What the login page says about how the last session ended.
fn reason_text(reason: &str, settings: &WebSettings) -> Option<String> {
    Some(match reason {
        "idle" => format!(
            "一定時間({}分)操作がなかったため、ログアウトしました。もう一度ログインしてください。",
            settings.session_idle.as_secs() / 60
        ),
        "absolute" => format!(
            "ログインしてから{}時間が経ったため、ログアウトしました。もう一度ログインしてください。",
            settings.session_absolute.as_secs() / 3600
        ),
        "logout" => "ログアウトしました。".to_string(),
        ENDED => "ログインの有効期間が終わりました。もう一度ログインしてください。".to_string(),
        _ => return None,
    })
}

fn login_form(
    csrf: &str,
    username: &str,
    next: Option<&str>,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    bare(
        "ログイン",
        html! {
            @if let Some(n) = notice { p.notice.logged-out role="status" { (n) } }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if next.is_some() {
                p.note { "ログインすると、元の画面に戻ります。" }
            }
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                @if let Some(next) = next { input type="hidden" name="next" value=(next); }
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

pub async fn login_page(
    Work(state): Work,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> (CookieJar, Markup) {
    let token = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_else(new_secret);
    let jar = jar.add(login_csrf_cookie(
        token.clone(),
        state.settings.secure_cookies,
    ));
    let notice = reason_text(&query.reason, &state.settings);
    let next = local_path(&query.next);
    (jar, login_form(&token, "", next, notice.as_deref(), None))
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
    let next = local_path(&form.next);
    let failure = |status: StatusCode, message: &str| {
        let page = login_form(&form.csrf, &username, next, None, Some(message));
        (status, page).into_response()
    };
    match session::log_in(&state, &username, &form.password, request_id).await {
        Ok(secret) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
                .add(session_cookie(secret, state.settings.secure_cookies));
            Ok((jar, Redirect::to(next.unwrap_or("/"))).into_response())
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
    Ok((jar, Redirect::to("/login?reason=logout")).into_response())
}

#[derive(Deserialize)]
pub struct ExtendForm {
    csrf: String,
}

/// 「延長する」: the session's idle limit starts again; answers its new remaining time.
pub async fn extend(
    Work(state): Work,
    Page(ctx): Page,
    jar: CookieJar,
    Form(form): Form<ExtendForm>,
) -> Result<Json<session::SessionTimes>, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let secret = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or(kasane_app::AppError::Unauthorized)?;
    Ok(Json(
        session::extend(&state, &secret, limits(&state)).await?,
    ))
}
