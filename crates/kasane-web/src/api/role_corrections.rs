//! `/api/v1`: the correction of a role assignment (役割分担) by whoever runs the meeting that
//! decided it — 担当機関, 担当者, 役割 and 期限, naming the version it was made from (409 when
//! someone saved first), every version readable with what it changed. The meeting and the
//! case stay.

use axum::extract::Path;
use axum::routing::{get, put};
use axum::{Json, Router};
use kasane_app::collaboration::role_correction::{correct_role, role_versions};
use kasane_domain::meeting::RoleDraft;
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
        .route("/meetings/{id}/roles/{role_id}", put(role))
        .route("/meetings/{id}/roles/{role_id}/versions", get(role_history))
}

/// A role's correction: every field as it is to stand (an empty one is cleared).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleCorrectionRequest {
    /// The version the correction was made from (the role's `version`).
    pub version: i32,
    /// 担当機関: an agency of the municipality; required.
    pub agency_id: Option<i64>,
    /// 担当者 (free text).
    #[serde(default)]
    pub staff_name: String,
    /// 役割; required.
    #[serde(default)]
    pub task: String,
    /// 期限: ISO or 和暦; empty = no due date.
    #[serde(default)]
    pub due_on: String,
}

impl From<RoleCorrectionRequest> for RoleDraft {
    fn from(r: RoleCorrectionRequest) -> Self {
        RoleDraft {
            agency_id: r.agency_id,
            staff_name: r.staff_name,
            task: r.task,
            due_on: r.due_on,
        }
    }
}

/// Corrects a role assignment decided at the meeting (its host's staff or the coordinator,
/// reading the case). 403 for a member agency, 404 for anyone who does not see the meeting,
/// a role of another meeting or a case the caller does not read; 409 when `version` is no
/// longer the current one; 422 with every problem, or when nothing changed.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/roles/{role_id}", tag = "corrections",
    params(("id" = i64, Path, description = "meeting id"),
        ("role_id" = i64, Path, description = "role assignment id")),
    request_body = RoleCorrectionRequest,
    responses((status = 200, body = Corrected),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn role(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, role_id)): Path<(i64, i64)>,
    Body(req): Body<RoleCorrectionRequest>,
) -> Result<Json<Corrected>, ApiError> {
    let from = req.version;
    let version = correct_role(&state, &ctx, (id, role_id), from, &req.into()).await?;
    Ok(Json(Corrected {
        id: role_id,
        version,
    }))
}

/// A role assignment's versions, newest first (empty when never corrected), for whoever
/// reads the meeting's minutes: 403 for a member the meeting's rule keeps from them, 404
/// for anyone who does not see the meeting, a role of another meeting or its case.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/roles/{role_id}/versions", tag = "corrections",
    params(("id" = i64, Path, description = "meeting id"),
        ("role_id" = i64, Path, description = "role assignment id")),
    responses((status = 200, body = Vec<CorrectionVersion>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn role_history(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, role_id)): Path<(i64, i64)>,
) -> Result<Json<Vec<CorrectionVersion>>, ApiError> {
    Ok(versions(role_versions(&state, &ctx, id, role_id).await?))
}

#[derive(OpenApi)]
#[openapi(paths(role, role_history), components(schemas(RoleCorrectionRequest)))]
pub struct Doc;
