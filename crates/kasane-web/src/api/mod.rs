//! The JSON API under `/api/v1`, and the OpenAPI document that describes it.

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::http::error::{ApiError, AppError, WebError};

pub mod cases;
pub mod consents;
pub mod corrections;
pub mod escalations;
pub mod households;
pub mod intake_list;
pub mod intakes;
pub mod match_reviews;
pub mod meeting_corrections;
pub mod meetings;
pub mod openapi;
pub mod outreach;
pub mod persons;
pub mod referrals;
pub mod role_corrections;
pub mod staff;
pub mod support_logs;
pub mod support_plans;
pub mod v1;
pub mod worklist;

/// Everything under `/api/v1`; each resource module brings its routes.
pub fn router() -> Router<AppState> {
    v1::router()
        .merge(persons::routes())
        .merge(intakes::routes())
        .merge(intake_list::routes())
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
        .merge(escalations::routes())
        .merge(worklist::routes())
        .merge(staff::routes())
        .merge(match_reviews::routes())
        .merge(outreach::routes())
        .fallback(|| async { ApiError(AppError::NotFound.into()) })
}

/// A JSON request body. A body that does not parse is answered as problem+json like every
/// other API error: 422 with the problem in `errors` when the JSON is well formed but does
/// not fit; otherwise the rejection's own status (400 malformed, 413 too large, 415 not
/// JSON) with its words in `errors`.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError(AppError::Validation(vec![e.body_text()]).into()))
            }
            Err(e) => Err(ApiError(WebError::Rejected {
                status: e.status(),
                detail: vec![e.body_text()],
            })),
        }
    }
}

/// The id of a created record.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// `201 Created` with a JSON body.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
