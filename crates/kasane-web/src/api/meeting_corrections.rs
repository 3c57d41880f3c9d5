//! `/api/v1`: the correction of a meeting by whoever manages it — 開催日, 開催場所, 次回の
//! 見直し日 and 備考, naming the version it was made from (409 when someone saved first), every
//! version readable with what it changed. The kind and the host stay.

use axum::extract::Path;
use axum::routing::{get, put};
use axum::{Json, Router};
use kasane_app::collaboration::meeting_correction::{correct_meeting, meeting_versions};
use kasane_domain::meeting::MeetingDraft;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::Body;
use crate::api::corrections::{Corrected, CorrectionVersion, versions};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings/{id}", put(meeting))
        .route("/meetings/{id}/versions", get(meeting_history))
}

/// A meeting's correction: every field as it is to stand (an empty one is cleared).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MeetingCorrectionRequest {
    /// The version the correction was made from (the meeting's `version`).
    pub version: i32,
    /// ISO or 和暦 (`R7.4.1`); required.
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    /// ISO or 和暦; empty = not set; not before `held_on`.
    #[serde(default)]
    pub next_review_on: String,
    #[serde(default)]
    pub note: String,
}

impl From<MeetingCorrectionRequest> for MeetingDraft {
    fn from(r: MeetingCorrectionRequest) -> Self {
        MeetingDraft {
            held_on: r.held_on,
            place: r.place,
            next_review_on: r.next_review_on,
            note: r.note,
            // Kept from the record by the use case.
            ..MeetingDraft::default()
        }
    }
}

/// Corrects a meeting (its host's staff or the coordinator). 403 for a member agency, 404
/// for anyone who does not see it; 409 when `version` is no longer the current one; 422
/// with every problem, or when nothing changed.
#[utoipa::path(put, path = "/api/v1/meetings/{id}", tag = "corrections",
    params(("id" = i64, Path, description = "meeting id")),
    request_body = MeetingCorrectionRequest,
    responses((status = 200, body = Corrected),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn meeting(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<MeetingCorrectionRequest>,
) -> Result<Json<Corrected>, ApiError> {
    let from = req.version;
    let version = correct_meeting(&state, &ctx, id, from, &req.into()).await?;
    Ok(Json(Corrected { id, version }))
}

/// A meeting's versions, newest first (empty when never corrected).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/versions", tag = "corrections",
    params(("id" = i64, Path, description = "meeting id")),
    responses((status = 200, body = Vec<CorrectionVersion>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn meeting_history(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CorrectionVersion>>, ApiError> {
    Ok(versions(meeting_versions(&state, &ctx, id).await?))
}

#[derive(OpenApi)]
#[openapi(
    paths(meeting, meeting_history),
    components(schemas(MeetingCorrectionRequest))
)]
pub struct Doc;
