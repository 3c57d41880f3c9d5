//! The JSON API under `/api/v1`, and the OpenAPI document that describes it.

use axum::Router;

use crate::AppState;
use crate::http::error::{ApiError, AppError};

pub mod openapi;
pub mod v1;

pub fn router() -> Router<AppState> {
    v1::router().fallback(|| async { ApiError(AppError::NotFound) })
}
