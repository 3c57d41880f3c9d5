//! `/api/v1`: 多機関協働へつなぐ, later — the receiving window escalates its own ongoing
//! consultation with a reason (the intake's outcome becomes `escalated`), without a new
//! intake.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kasane_app::consultation::escalation::{escalate, escalation_of};
use kasane_app::consultation::intake::read_intake;
use kasane_store::escalation::Escalation;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::Body;
use crate::http::auth::Api;
use crate::http::error::{ApiError, AppError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new().route("/intakes/{id}/escalation", get(show).post(create))
}

/// Why the consultation goes to 多機関協働.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeEscalationRequest {
    /// Required, at most 2,000 characters.
    #[serde(default)]
    pub reason: String,
}

/// How an intake was escalated after it was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeEscalation {
    pub intake_id: i64,
    /// The 対応結果 the intake had before.
    pub previous_outcome: String,
    pub reason: String,
    pub escalated_by: String,
    pub escalated_at: DateTime<Utc>,
}

impl From<Escalation> for IntakeEscalation {
    fn from(e: Escalation) -> IntakeEscalation {
        IntakeEscalation {
            intake_id: e.intake_id,
            previous_outcome: e.previous_outcome,
            reason: e.reason,
            escalated_by: e.escalated_by_name,
            escalated_at: e.escalated_at,
        }
    }
}

/// Escalates intake `id` (the caller's agency received it) to 多機関協働. 409 when it is
/// already escalated or the person is in an open case; 403 for another agency's intake.
#[utoipa::path(post, path = "/api/v1/intakes/{id}/escalation", tag = "escalations",
    params(("id" = i64, Path, description = "intake id")),
    request_body = IntakeEscalationRequest,
    responses((status = 201, body = IntakeEscalation, description = "escalated"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<IntakeEscalationRequest>,
) -> Result<(StatusCode, Json<IntakeEscalation>), ApiError> {
    let e = escalate(&state, &ctx, id, &req.reason).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// How intake `id` was escalated after it was recorded; 404 if it was not.
#[utoipa::path(get, path = "/api/v1/intakes/{id}/escalation", tag = "escalations",
    params(("id" = i64, Path, description = "intake id")),
    responses((status = 200, body = IntakeEscalation),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn show(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<IntakeEscalation>, ApiError> {
    let read = read_intake(&state, &ctx, id).await?;
    let e = escalation_of(&state, &read.intake)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(e.into()))
}

#[derive(OpenApi)]
#[openapi(
    paths(create, show),
    components(schemas(IntakeEscalationRequest, IntakeEscalation)),
    tags((name = "escalations", description = "継続中の相談を多機関協働へつなぐ"))
)]
pub struct Doc;
