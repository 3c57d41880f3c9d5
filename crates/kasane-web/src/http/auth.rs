//! Who is asking: a session cookie (pages and API) or a personal access token (API).
//! Either way the result is a [`Ctx`] holding the [`Actor`] the access rule judges.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::NaiveDate;
use kasane_app::Caller;
use kasane_app::admin::session::{self, Credential, SessionEnd, SessionLimits, SessionTimes};

use crate::AppState;
use crate::http::error::{ApiError, AppError, PageError, WebError};

pub const SESSION_COOKIE: &str = "kasane_session";
/// The page whose form the script is sending (a path): where a POST refused for want of a
/// login comes back to, since a POST's own path need not be a page.
pub const FORM_PAGE_COOKIE: &str = "kasane_form_page";

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
    /// The session's remaining time, for the expiry warning (`None` for a bearer token).
    pub session: Option<SessionTimes>,
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
    let done = session::authenticate(state, credential, limits(state), &request_id).await?;
    Ok(Ctx {
        caller: done.caller,
        csrf: done.csrf,
        today: state.today(),
        session: done.session,
    })
}

/// The session limits of the settings.
pub fn limits(state: &AppState) -> SessionLimits {
    SessionLimits {
        idle: state.settings.session_idle,
        absolute: state.settings.session_absolute,
    }
}

/// Marks a page's answer as "log in first", with why the session ended if it did.
#[derive(Debug, Clone, Copy)]
struct LoginNeeded(Option<SessionEnd>);

/// The answer to a page request without a live session: to the login page.
/// [`return_after_login`] adds the reason and where to come back to.
pub fn to_login(end: Option<SessionEnd>) -> Response {
    let mut res = Redirect::to("/login").into_response();
    res.extensions_mut().insert(LoginNeeded(end));
    res
}

/// Why the login page is shown when the request had a session cookie but no live session
/// (ended elsewhere: expired and removed, or the account disabled or its password reset).
pub const ENDED: &str = "ended";

/// Sends a page request refused for want of a login to `/login?reason=…&next=…`: `next` is
/// the page itself (GET) or the page whose form was sent ([`FORM_PAGE_COOKIE`]) — a path
/// only, never a query (it may carry a name), and only one of this site ([`local_path`]).
pub async fn return_after_login(req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let back = if req.method() == Method::GET {
        Some(req.uri().path().to_string())
    } else {
        jar.get(FORM_PAGE_COOKIE).map(|c| c.value().to_string())
    };
    let had_session = jar.get(SESSION_COOKIE).is_some();
    let mut res = next.run(req).await;
    let Some(LoginNeeded(end)) = res.extensions().get::<LoginNeeded>().copied() else {
        return res;
    };
    let reason = end.map(SessionEnd::code).or(had_session.then_some(ENDED));
    // Home is where a login goes anyway.
    let back = back.as_deref().and_then(local_path).filter(|p| *p != "/");
    let query: Vec<(&str, &str)> = [("reason", reason), ("next", back)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    if !query.is_empty()
        && let Ok(query) = serde_urlencoded::to_string(&query)
        && let Ok(location) = HeaderValue::from_str(&format!("/login?{query}"))
    {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

/// `next` if it is a path of this site that a worker may be sent back to after login:
/// one `/`, then only letters, digits and `/ . _ -` (so no `//host`, `/\host`, scheme,
/// query or fragment: no open redirect), and not the login or logout itself.
pub fn local_path(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let plain = next.len() <= 200
        && !rest.starts_with('/')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
        && !rest.split('/').any(|segment| segment == "..");
    let loops = matches!(rest, "login" | "logout");
    (plain && !loops).then_some(next)
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

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_this_sites_paths_are_returned_to() {
        for ok in ["/", "/intakes/new", "/persons/12/edit", "/worklist/overdue"] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
        for refused in [
            "",
            "intakes/new",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/%2F%2Fevil.example",
            "/persons?name=佐藤",
            "/persons#x",
            "/a/../b",
            "/login",
            "/logout",
            "/ space",
            "/佐藤",
        ] {
            assert_eq!(local_path(refused), None, "{refused}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(300))), None);
    }
}
