//! Server-rendered Japanese pages (maud), one module per area.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kasane_domain::municipality::Pillar;
use maud::Markup;

use crate::AppState;
use crate::http::auth::Page;
use crate::http::error::{AppError, PageError};

pub mod audit;
pub mod cases;
pub mod consents;
pub mod consultation;
pub mod corrections;
pub mod escalation;
pub mod home;
pub mod households;
pub mod intakes;
pub mod login;
pub mod match_reviews;
pub mod meeting_corrections;
pub mod meetings;
pub mod municipality;
pub mod outreach;
pub mod persons;
pub mod referrals;
pub mod role_corrections;
pub mod sections;
pub mod staff;
pub mod support_logs;
pub mod support_plans;
pub mod timeline;

const CSS: &str = include_str!("../../assets/kasane.css");
const JS: &str = include_str!("../../assets/kasane.js");

/// What is served outside any unit of work: the assets and the health check (no personal
/// data, no writes — and `/healthz` must not wait for the database's write lock).
pub fn open_router() -> Router<AppState> {
    Router::new()
        .route("/assets/kasane.css", get(css))
        .route("/assets/kasane.js", get(js))
        .route("/healthz", get(healthz))
}

/// Pages whose use case begins its own units instead of running in the request's: the
/// login verifies the password before it takes the writer (see `session::log_in`).
pub fn own_units_router() -> Router<AppState> {
    Router::new().route("/login", post(login::login))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/worklist/{list}", get(home::worklist_list))
        .route("/login", get(login::login_page))
        .route("/logout", post(login::logout))
        .route("/session/extend", post(login::extend))
        .route("/municipality", get(municipality::municipality_page))
        .route("/agencies/{id}", get(municipality::agency_page))
        .route("/collaboration", get(cases::case_list_page))
        .route("/participation", get(participation))
        .route("/community", get(community))
        .route("/statistics", get(municipality::statistics_page))
        .route("/audit", get(audit::audit_page))
        .merge(consultation::routes())
        .merge(persons::routes())
        .merge(intakes::routes())
        .merge(referrals::routes())
        .merge(households::routes())
        .merge(support_logs::routes())
        .merge(cases::routes())
        .merge(consents::routes())
        .merge(meetings::routes())
        .merge(support_plans::routes())
        .merge(corrections::routes())
        .merge(meeting_corrections::routes())
        .merge(role_corrections::routes())
        .merge(escalation::routes())
        .merge(staff::routes())
        .merge(match_reviews::routes())
        .merge(outreach::routes())
        .fallback(not_found)
}

macro_rules! pillar_handlers {
    ($($name:ident => $pillar:expr, $path:literal;)*) => {$(
        async fn $name(State(state): State<AppState>, Page(ctx): Page) -> Result<Markup, PageError> {
            municipality::pillar_page(state, ctx, $pillar, $path).await
        }
    )*};
}

pillar_handlers! {
    participation => Pillar::Participation, "/participation";
    community => Pillar::Community, "/community";
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

/// Liveness and database reachability, for load balancers and monitoring.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

async fn not_found() -> PageError {
    PageError(AppError::NotFound.into())
}
