//! `/api/v1`: corrections with history — a person's basic facts and an intake's record are
//! corrected by naming the version the correction was made from (409 when someone saved
//! first; nothing is overwritten), every version stays readable with what it changed, and
//! a household membership ends with a date and a reason.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kasane_app::consultation::correction::{
    VersionView, correct_intake, correct_person, end_membership, intake_versions, person_versions,
};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::correction::MembershipEndDraft;
use kasane_domain::intake::IntakeDraft;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::Body;
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}", put(person))
        .route("/persons/{id}/versions", get(person_history))
        .route("/intakes/{id}", put(intake))
        .route("/intakes/{id}/versions", get(intake_history))
        .route("/households/{id}/members/{member_id}/end", post(end_member))
}

/// A correction of a person's basic facts: every field as it should now read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonCorrectionRequest {
    /// The version the correction was made from (the person's `record.version`).
    pub version: i32,
    #[serde(flatten)]
    pub person: PersonDraft,
}

/// A correction of an intake: what the window recorded, as it should now read. The
/// receiving agency, the consent to share and the outcome stay as recorded.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeCorrectionRequest {
    /// The version the correction was made from (the intake's `version`).
    pub version: i32,
    /// `2025-04-01T10:30`, `2025-04-01 10:30` or `R7.4.1 10:30` (JST).
    #[serde(default)]
    pub received_at: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub consulter_kind: String,
    /// The consulter's own record (a registered person the caller may see); absent
    /// removes the link, like every field here replaces the record's.
    #[serde(default)]
    pub consulter_person_id: Option<i64>,
    #[serde(default)]
    pub consulter_name: String,
    #[serde(default)]
    pub consulter_relation: String,
    #[serde(default)]
    pub issues: Vec<String>,
    #[serde(default)]
    pub concerns: Vec<String>,
    #[serde(default)]
    pub most_pressing: Option<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub immediate_action: String,
}

impl From<IntakeCorrectionRequest> for IntakeDraft {
    fn from(r: IntakeCorrectionRequest) -> Self {
        IntakeDraft {
            received_at: r.received_at,
            channel: r.channel,
            consulter_kind: r.consulter_kind,
            consulter_person_id: r.consulter_person_id,
            consulter_name: r.consulter_name,
            consulter_relation: r.consulter_relation,
            issues: r.issues,
            concerns: r.concerns,
            most_pressing: r.most_pressing,
            summary: r.summary,
            urgency: r.urgency,
            immediate_action: r.immediate_action,
            // Kept from the record by the use case.
            ..IntakeDraft::default()
        }
    }
}

/// The end of a household membership.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MembershipEndRequest {
    /// The membership's version (the household member's `version`).
    pub version: i32,
    /// ISO or 和暦; not before the member joined, not in the future.
    #[serde(default)]
    pub left_on: String,
    /// death, moved_out, separated, other
    #[serde(default)]
    pub reason: String,
    /// Required with `other`.
    #[serde(default)]
    pub note: String,
}

impl From<MembershipEndRequest> for MembershipEndDraft {
    fn from(r: MembershipEndRequest) -> Self {
        MembershipEndDraft {
            left_on: r.left_on,
            reason: r.reason,
            note: r.note,
        }
    }
}

/// The version a correction saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Corrected {
    pub id: i64,
    pub version: i32,
}

/// One field a version changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    /// The field's Japanese label (氏名, 住所…).
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One version of a corrected record: who saved it, when, what it changed (the first
/// version: everything it held).
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionVersion {
    pub version: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
}

pub(crate) fn versions(views: Vec<VersionView>) -> Json<Vec<CorrectionVersion>> {
    Json(
        views
            .into_iter()
            .map(|v| CorrectionVersion {
                version: v.version,
                recorded_by: v.recorded_by,
                recorded_at: v.recorded_at,
                changes: v
                    .changes
                    .into_iter()
                    .map(|c| FieldChange {
                        field: c.field.into(),
                        before: c.before,
                        after: c.after,
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// Corrects a person's basic facts (full view only). 409 when `version` is no longer the
/// current one; 422 with every problem, or when nothing changed.
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "corrections",
    params(("id" = i64, Path, description = "person id (its canonical record is corrected)")),
    request_body = PersonCorrectionRequest,
    responses((status = 200, body = Corrected),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn person(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<PersonCorrectionRequest>,
) -> Result<Json<Corrected>, ApiError> {
    let version = correct_person(&state, &ctx, id, req.version, &req.person).await?;
    Ok(Json(Corrected { id, version }))
}

/// A person's versions, newest first (empty when never corrected).
#[utoipa::path(get, path = "/api/v1/persons/{id}/versions", tag = "corrections",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = Vec<CorrectionVersion>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn person_history(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CorrectionVersion>>, ApiError> {
    Ok(versions(person_versions(&state, &ctx, id).await?))
}

/// Corrects an intake (the receiving agency only). 409 when `version` is no longer the
/// current one; 422 with every problem, or when nothing changed.
#[utoipa::path(put, path = "/api/v1/intakes/{id}", tag = "corrections",
    params(("id" = i64, Path, description = "intake id")),
    request_body = IntakeCorrectionRequest,
    responses((status = 200, body = Corrected),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn intake(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<IntakeCorrectionRequest>,
) -> Result<Json<Corrected>, ApiError> {
    let from = req.version;
    let version = correct_intake(&state, &ctx, id, from, &req.into()).await?;
    Ok(Json(Corrected { id, version }))
}

/// An intake's versions, newest first (empty when never corrected).
#[utoipa::path(get, path = "/api/v1/intakes/{id}/versions", tag = "corrections",
    params(("id" = i64, Path, description = "intake id")),
    responses((status = 200, body = Vec<CorrectionVersion>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn intake_history(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CorrectionVersion>>, ApiError> {
    Ok(versions(intake_versions(&state, &ctx, id).await?))
}

/// Ends a current membership (死亡, 転出, 別居, その他). 409 when it has already ended or
/// `version` is not the current one.
#[utoipa::path(post, path = "/api/v1/households/{id}/members/{member_id}/end", tag = "corrections",
    params(("id" = i64, Path, description = "household id"),
        ("member_id" = i64, Path, description = "membership id (the member's `id`)")),
    request_body = MembershipEndRequest,
    responses((status = 204, description = "ended"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn end_member(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, member_id)): Path<(i64, i64)>,
    Body(req): Body<MembershipEndRequest>,
) -> Result<StatusCode, ApiError> {
    let from = req.version;
    end_membership(&state, &ctx, id, member_id, from, &req.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(person, person_history, intake, intake_history, end_member),
    components(schemas(
        PersonCorrectionRequest,
        IntakeCorrectionRequest,
        MembershipEndRequest,
        Corrected,
        FieldChange,
        CorrectionVersion
    )),
    tags((name = "corrections", description = "修正(版として残る)と世帯からの離脱"))
)]
pub struct Doc;
