//! `/api/v1`: support logs (step 2) — 支援経過記録: dated entries by an agency on a person
//! and/or household. An edit adds a version; every version stays readable.

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::support_log::{EntryRead, create_entry, edit_entry, read_entry};
use kasane_domain::support_log::EntryDraft;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, Created, created};
use crate::http::auth::{Api, Ctx};
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support-logs", post(create))
        .route("/support-logs/{id}", get(entry).put(edit))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryRequest {
    /// ISO or 和暦 (`2025-04-01`, `R7.4.1`).
    #[serde(default)]
    pub occurred_on: String,
    /// visit, phone, accompaniment, meeting, note
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub body: String,
    /// At least one of person and household.
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditRequest {
    /// The version the edit is based on: a stale one is refused with 409.
    pub version: i32,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    pub version: i32,
    pub occurred_on: NaiveDate,
    pub kind: String,
    pub body: String,
    pub edited_by_user_id: i64,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
}

/// An entry: its current version and every version (who changed what, when).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDetail {
    pub id: i64,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub agency_id: i64,
    pub agency_name: String,
    /// The access basis the read rested on.
    pub basis: String,
    pub version: i32,
    pub occurred_on: NaiveDate,
    pub kind: String,
    pub body: String,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Newest first.
    pub versions: Vec<VersionInfo>,
}

async fn detail(state: &AppState, ctx: &Ctx, id: i64) -> Result<EntryDetail, ApiError> {
    let EntryRead {
        entry: e,
        grant,
        versions,
    } = read_entry(state, ctx, id).await?;
    Ok(EntryDetail {
        id: e.id,
        person_id: e.person_id,
        household_id: e.household_id,
        agency_id: e.agency_id,
        agency_name: e.agency_name,
        basis: grant.basis().code().to_string(),
        version: e.version,
        occurred_on: e.occurred_on,
        kind: e.kind.code().to_string(),
        body: e.body,
        edited_by_name: e.edited_by_name,
        edited_at: e.edited_at,
        created_at: e.created_at,
        versions: versions
            .into_iter()
            .map(|v| VersionInfo {
                version: v.version,
                occurred_on: v.occurred_on,
                kind: v.kind.code().to_string(),
                body: v.body,
                edited_by_user_id: v.edited_by_user_id,
                edited_by_name: v.edited_by_name,
                edited_at: v.edited_at,
            })
            .collect(),
    })
}

/// Records an entry by the caller's agency.
#[utoipa::path(post, path = "/api/v1/support-logs", tag = "support-logs",
    request_body = EntryRequest,
    responses((status = 201, body = Created),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<EntryRequest>,
) -> Result<Response, ApiError> {
    let id = create_entry(&state, &ctx, &req.into()).await?;
    Ok(created(Created { id }))
}

/// An entry with its version history.
#[utoipa::path(get, path = "/api/v1/support-logs/{id}", tag = "support-logs",
    params(("id" = i64, Path, description = "support log entry id")),
    responses((status = 200, body = EntryDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn entry(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<EntryDetail>, ApiError> {
    Ok(Json(detail(&state, &ctx, id).await?))
}

/// Edits an entry (authoring agency only) by adding a version; the previous ones stay.
/// 409 when `version` is not the current one.
#[utoipa::path(put, path = "/api/v1/support-logs/{id}", tag = "support-logs",
    params(("id" = i64, Path, description = "support log entry id")),
    request_body = EditRequest,
    responses((status = 200, body = EntryDetail),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn edit(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<EditRequest>,
) -> Result<Json<EntryDetail>, ApiError> {
    let version = req.version;
    edit_entry(&state, &ctx, id, version, &req.into()).await?;
    Ok(Json(detail(&state, &ctx, id).await?))
}

impl From<EntryRequest> for EntryDraft {
    fn from(req: EntryRequest) -> Self {
        EntryDraft {
            occurred_on: req.occurred_on,
            kind: req.kind,
            body: req.body,
            person_id: req.person_id,
            household_id: req.household_id,
        }
    }
}

impl From<EditRequest> for EntryDraft {
    fn from(req: EditRequest) -> Self {
        EntryDraft {
            occurred_on: req.occurred_on,
            kind: req.kind,
            body: req.body,
            // The entry keeps its person and household; `edit_entry` takes them from the record.
            person_id: None,
            household_id: None,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(create, entry, edit),
    components(schemas(Created, EntryRequest, EditRequest, VersionInfo, EntryDetail)),
    tags((name = "support-logs", description = "支援経過記録(修正は版として残る)"))
)]
pub struct Doc;
