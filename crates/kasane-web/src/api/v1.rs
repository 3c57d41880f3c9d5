//! `/api/v1`: the same capabilities as the pages, for scripts and integrations.
//! Authenticated by a personal access token (`Authorization: Bearer ksn_…`) or a session.

use axum::extract::{Path, Query};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kasane_store::municipality::{Agency, District, Municipality};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;
use kasane_app::admin;
use kasane_app::admin::audit_log::AuditQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/municipality", get(municipality))
        .route("/agencies", get(agencies))
        .route("/agencies/{id}", get(agency))
        .route("/audit", get(audit))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Role codes: admin, coordinator, staff, community_worker, auditor.
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityInfo {
    pub id: i64,
    pub code: String,
    /// 全国地方公共団体コード
    pub lg_code: String,
    pub name: String,
    pub prefecture: String,
    pub programme_name: Option<String>,
    /// The local name of the 支援会議 (法106条の6).
    pub support_meeting_name: String,
    /// The local name of the 重層的支援会議.
    pub multilayer_meeting_name: String,
}

impl From<&Municipality> for MunicipalityInfo {
    fn from(m: &Municipality) -> Self {
        MunicipalityInfo {
            id: m.id,
            code: m.code.clone(),
            lg_code: m.lg_code.clone(),
            name: m.name.clone(),
            prefecture: m.prefecture.clone(),
            programme_name: m.programme_name.clone(),
            support_meeting_name: m.support_meeting_name.clone(),
            multilayer_meeting_name: m.multilayer_meeting_name.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyInfo {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// elderly, disability, child, poverty, other
    pub field: String,
    /// direct, commissioned, subsidised (absent when not run by the municipality)
    pub operation_mode: Option<String>,
    /// comprehensive_window, nearby_place, administration
    pub kind: String,
    pub is_coordinating: bool,
    pub hosts_support_meeting: bool,
    pub hosts_multilayer_meeting: bool,
}

impl From<Agency> for AgencyInfo {
    fn from(a: Agency) -> Self {
        AgencyInfo {
            id: a.id,
            code: a.code,
            name: a.name,
            field: a.field,
            operation_mode: a.operation_mode,
            kind: a.kind,
            is_coordinating: a.is_coordinating,
            hosts_support_meeting: a.hosts_support_meeting,
            hosts_multilayer_meeting: a.hosts_multilayer_meeting,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictInfo {
    pub code: String,
    pub name: String,
}

impl From<District> for DistrictInfo {
    fn from(d: District) -> Self {
        DistrictInfo {
            code: d.code,
            name: d.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: UserInfo,
    pub municipality: MunicipalityInfo,
    pub agency: AgencyInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityDetail {
    #[serde(flatten)]
    pub municipality: MunicipalityInfo,
    pub agencies: Vec<AgencyInfo>,
    pub districts: Vec<DistrictInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryInfo {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    /// view, create, update, delete, export, login, login_failed, logout, denied
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// The access basis the action rested on (involvement, consent, role:admin, …).
    pub basis: String,
    pub reason: String,
    pub request_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub total: i64,
    pub entries: Vec<AuditEntryInfo>,
}

/// The caller: user, municipality and agency.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn me(Api(ctx): Api) -> Json<Me> {
    Json(Me {
        user: UserInfo {
            id: ctx.user.id,
            username: ctx.user.username.clone(),
            display_name: ctx.user.display_name.clone(),
            roles: ctx
                .actor
                .roles
                .iter()
                .map(|r| r.code().to_string())
                .collect(),
        },
        municipality: MunicipalityInfo::from(&ctx.municipality),
        agency: AgencyInfo::from(ctx.agency.clone()),
    })
}

/// The caller's municipality with its agencies and districts.
#[utoipa::path(get, path = "/api/v1/municipality", tag = "municipality",
    responses((status = 200, body = MunicipalityDetail), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn municipality(
    Work(state): Work,
    Api(ctx): Api,
) -> Result<Json<MunicipalityDetail>, ApiError> {
    let view = admin::municipality::municipality(&state, &ctx).await?;
    Ok(Json(MunicipalityDetail {
        municipality: MunicipalityInfo::from(&ctx.municipality),
        agencies: view.agencies.into_iter().map(AgencyInfo::from).collect(),
        districts: view.districts.into_iter().map(DistrictInfo::from).collect(),
    }))
}

/// The caller's municipality's agencies (相談支援機関 and 身近な相談場所).
#[utoipa::path(get, path = "/api/v1/agencies", tag = "municipality",
    responses((status = 200, body = Vec<AgencyInfo>), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agencies(Work(state): Work, Api(ctx): Api) -> Result<Json<Vec<AgencyInfo>>, ApiError> {
    let agencies = admin::municipality::agencies(&state, &ctx).await?;
    Ok(Json(agencies.into_iter().map(AgencyInfo::from).collect()))
}

/// One agency. Another municipality's agency is answered 404, like a missing one.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "municipality",
    params(("id" = i64, Path, description = "agency id")),
    responses((status = 200, body = AgencyInfo), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agency(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<AgencyInfo>, ApiError> {
    let agency = admin::municipality::agency(&state, &ctx, id).await?;
    Ok(Json(AgencyInfo::from(agency)))
}

/// The audit log of the caller's municipality (auditor role). Dates accept ISO or 和暦.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(
        ("username" = Option<String>, Query), ("action" = Option<String>, Query),
        ("object_type" = Option<String>, Query), ("object_id" = Option<String>, Query),
        ("from" = Option<String>, Query, description = "2025-04-01 or R7.4.1"),
        ("until" = Option<String>, Query, description = "inclusive"),
        ("page" = Option<i64>, Query, description = "1-based, 50 entries a page")),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn audit(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let (entries, total) = admin::audit_log::read_audit_log(&state, &ctx, &q).await?;
    Ok(Json(AuditPage {
        total,
        entries: entries
            .into_iter()
            .map(|e| AuditEntryInfo {
                seq: e.seq,
                occurred_at: e.occurred_at,
                user_id: e.user_id,
                username: e.username,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                basis: e.basis,
                reason: e.reason,
                request_id: e.request_id,
            })
            .collect(),
    }))
}
