//! Pages: step 3 (多機関協働) — plans. (Being built.)

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
