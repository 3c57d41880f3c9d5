//! Who is asking: a session cookie (pages and API) or a personal access token (API).
//! Either way the result is a [`Ctx`] holding the [`Actor`] the access rule judges.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::NaiveDate;
use kasane_app::Caller;
use kasane_app::admin::session::{self, Credential, SessionLimits};

use crate::AppState;
use crate::http::error::{ApiError, AppError, PageError, WebError};

pub const SESSION_COOKIE: &str = "kasane_session";

/// The authenticated caller of a request: the application's [`Caller`], with what only the
/// web knows (the session's CSRF token) and the day the request is served on.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    /// The session's CSRF token; `None` when authenticated by bearer token (no cookie, so
    /// no cross-site forgery to defend against).
    pub csrf: Option<String>,
    /// Today in Japan, by the application's clock.
    pub today: NaiveDate,
}

impl std::ops::Deref for Ctx {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Ctx {
    /// Checks the CSRF token a form sent. Pages only change state through forms that
    /// carry it.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected.as_bytes(), sent.as_bytes()) => Ok(()),
            Some(_) => Err(WebError::Csrf),
            None => Ok(()),
        }
    }

    /// The CSRF token to embed in forms.
    pub fn csrf_token(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

/// The session cookie, with the attributes the guide asks for.
pub fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build()
}

async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Ctx, AppError> {
    // Inside the request's unit of work, like everything the handler does.
    let state = &crate::http::work::current(parts, state);
    let request_id = request_id(parts);
    let bearer = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let jar = CookieJar::from_headers(&parts.headers);
    let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    let credential = match (&bearer, &cookie) {
        (Some(token), _) => Credential::Token(token),
        (None, Some(secret)) => Credential::Session(secret),
        (None, None) => return Err(AppError::Unauthorized),
    };
    let limits = SessionLimits {
        idle: state.settings.session_idle,
        absolute: state.settings.session_absolute,
    };
    let done = session::authenticate(state, credential, limits, &request_id).await?;
    Ok(Ctx {
        caller: done.caller,
        csrf: done.csrf,
        today: state.today(),
    })
}

/// A logged-in caller of a page; anonymous callers are sent to the login page.
pub struct Page(pub Ctx);

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page(authenticate(parts, state).await?))
    }
}

/// An authenticated caller of the API; anonymous callers get 401 problem+json.
pub struct Api(pub Ctx);

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Api(authenticate(parts, state).await?))
    }
}
