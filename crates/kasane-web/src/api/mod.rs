//! The JSON API under `/api/v1`, and the OpenAPI document that describes it.

use axum::Router;

use crate::AppState;
use crate::http::error::{ApiError, AppError};

pub mod households;
pub mod intakes;
pub mod openapi;
pub mod persons;
pub mod referrals;
pub mod support_logs;
pub mod v1;

/// Everything under `/api/v1`; each resource module brings its routes.
pub fn router() -> Router<AppState> {
    v1::router()
        .merge(persons::routes())
        .merge(intakes::routes())
        .merge(referrals::routes())
        .merge(households::routes())
        .merge(support_logs::routes())
        .fallback(|| async { ApiError(AppError::NotFound) })
}
