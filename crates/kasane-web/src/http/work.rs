//! The request's unit of work. Every page and API request (but `/healthz` and the assets)
//! runs in one unit of the application: what its use cases write and audit is committed
//! together when the request succeeds or is refused, and undone when it fails — so a write
//! never lands without its audit entry, a failure half-way leaves nothing, and a read is on
//! record before its data leaves. A GET is a read unit ([`kasane_app::App::begin_read`]:
//! read-only, its audit entries written when it ends, before the response is released);
//! any other method a write unit ([`kasane_app::App::begin`]). Each use case
//! is a unit of its own (`App::unit`); inside a request it joins this one, so a page that
//! shows what several use cases answer (a person with their cases) commits once.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::http::error::answer_for;

/// Marks a response whose request failed (validation, conflict, bad request, internal
/// error): its unit of work is undone. Refusals and successes are committed.
#[derive(Debug, Clone, Copy)]
pub struct Failed;

pub async fn unit_of_work(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    // GET and HEAD change nothing but the audit log and the session's upkeep: a read unit,
    // which reads beside the writers.
    let begun = if req.method().is_safe() {
        state.app.begin_read().await
    } else {
        state.app.begin().await
    };
    let app = match begun {
        Ok(app) => app,
        Err(e) => return answer_for(&path, e.into()),
    };
    req.extensions_mut().insert(AppState {
        app: app.clone(),
        settings: state.settings.clone(),
    });
    let response = next.run(req).await;
    let keep = response.extensions().get::<Failed>().is_none();
    match app.end(keep).await {
        Ok(()) => response,
        // Not durable, so not done: the caller must not read success.
        Err(e) => answer_for(&path, e.into()),
    }
}

/// The application bound to this request's unit of work (outside one, the shared state).
pub struct Work(pub AppState);

impl FromRequestParts<AppState> for Work {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Work(current(parts, state)))
    }
}

/// The request's unit of work, or `state` outside one.
pub fn current(parts: &Parts, state: &AppState) -> AppState {
    parts
        .extensions
        .get::<AppState>()
        .cloned()
        .unwrap_or_else(|| state.clone())
}
