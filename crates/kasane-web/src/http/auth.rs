//! Who is asking: a session cookie (pages and API) or a personal access token (API).
//! Either way the result is a [`Ctx`] holding the [`Actor`] the access rule judges.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use kasane_domain::identity::Actor;
use kasane_store::municipality::{Agency, Municipality};
use kasane_store::user::User;

use crate::AppState;
use crate::http::error::{ApiError, AppError, PageError};

pub const SESSION_COOKIE: &str = "kasane_session";
/// Sessions are touched at most this often, so reads do not each cost a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: User,
    pub actor: Actor,
    pub municipality: Municipality,
    pub agency: Agency,
    /// The session's CSRF token; `None` when authenticated by bearer token (no cookie, so
    /// no cross-site forgery to defend against).
    pub csrf: Option<String>,
    pub request_id: String,
}

impl Ctx {
    /// The caller's municipality configuration (meeting names, issue taxonomy, agencies).
    /// It was validated when imported; a stored one that no longer parses is a 500.
    pub fn config(&self) -> Result<kasane_domain::municipality::MunicipalityConfig, AppError> {
        kasane_domain::municipality::parse_config(&self.municipality.config_toml).map_err(|e| {
            tracing::error!(error = %e, "stored municipality configuration no longer parses");
            AppError::Internal
        })
    }

    /// Checks the CSRF token a form sent. Pages only change state through forms that
    /// carry it.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected.as_bytes(), sent.as_bytes()) => Ok(()),
            Some(_) => Err(AppError::Csrf),
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
    let request_id = request_id(parts);
    let bearer = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let (user, csrf) = if let Some(token) = bearer {
        let user = state
            .store
            .user_by_token(&token)
            .await?
            .ok_or(AppError::Unauthorized)?;
        (user, None)
    } else {
        let jar = CookieJar::from_headers(&parts.headers);
        let secret = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .ok_or(AppError::Unauthorized)?;
        let session = state
            .store
            .session(&secret)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let now = Utc::now();
        let idle = now.signed_duration_since(session.last_seen_at);
        let age = now.signed_duration_since(session.created_at);
        let expired = idle.to_std().is_ok_and(|d| d > state.settings.session_idle)
            || age
                .to_std()
                .is_ok_and(|d| d > state.settings.session_absolute);
        if expired || session.user.disabled {
            state.store.delete_session(&session.id_digest).await?;
            return Err(AppError::Unauthorized);
        }
        if idle.num_seconds() >= TOUCH_EVERY_SECS {
            state.store.touch_session(&session.id_digest).await?;
        }
        (session.user, Some(session.csrf_token))
    };
    if user.disabled {
        return Err(AppError::Unauthorized);
    }
    let municipality = state.store.municipality(user.municipality_id).await?;
    let agency = state
        .store
        .agency(user.municipality_id, user.agency_id)
        .await?;
    let actor = Actor {
        user_id: user.id,
        municipality_id: user.municipality_id,
        agency_id: user.agency_id,
        roles: user.roles(),
    };
    Ok(Ctx {
        user,
        actor,
        municipality,
        agency,
        csrf,
        request_id,
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
