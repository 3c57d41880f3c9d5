//! `/api/v1/staff`: 職員管理 for the municipality's `admin` — the staff list (a page at a
//! time), adding, changing name / agency / roles, disabling and enabling (sessions and
//! tokens end at once), resetting a password (a one-time password answered once when none
//! is given) and the tokens with their ids, revocable. Everyone else: 403; another
//! municipality's user: 404. The use cases are `kasane_app::admin::staff`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kasane_app::admin::staff::{
    StaffChange, StaffDraft, add_staff, change_staff, list_staff, reset_password, revoke_token,
    set_staff_enabled, staff_member,
};
use kasane_store::token::ApiToken;
use kasane_store::user::User;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list).post(add))
        .route("/staff/{id}", get(detail).put(change))
        .route("/staff/{id}/disable", post(disable))
        .route("/staff/{id}/enable", post(enable))
        .route("/staff/{id}/password", post(password))
        .route("/staff/{id}/tokens", get(tokens))
        .route("/staff/{id}/tokens/{token_id}/revoke", post(revoke))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, add, detail, change, disable, enable, password, tokens, revoke),
    components(schemas(StaffInfo, StaffPageInfo, StaffRequest, StaffChangeRequest, StaffAdded,
        PasswordRequest, PasswordReset, TokenInfo)),
    tags((name = "staff", description = "職員管理(システム管理者のみ)"))
)]
pub struct Doc;

/// A member of staff (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub agency_id: i64,
    /// Role codes: admin, coordinator, staff, community_worker, auditor.
    pub roles: Vec<String>,
    pub disabled: bool,
    /// Locked by failed logins until then (a password reset lifts it).
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for StaffInfo {
    fn from(u: &User) -> StaffInfo {
        StaffInfo {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            agency_id: u.agency_id,
            roles: u.roles().iter().map(|r| r.code().to_string()).collect(),
            disabled: u.disabled,
            locked_until: u.locked_until,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPageInfo {
    pub items: Vec<StaffInfo>,
    pub page: i64,
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1 when absent.
    pub page: Option<i64>,
}

/// A member of staff to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct StaffRequest {
    /// 3–64 characters: ASCII letters, digits, `.`, `_`, `-` (stored in lower case).
    pub username: String,
    pub display_name: String,
    /// One of the municipality's agencies.
    pub agency_id: Option<i64>,
    /// At least one role code.
    pub roles: Vec<String>,
    /// 12 characters or more; empty: a one-time password is made and answered once.
    pub password: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct StaffChangeRequest {
    pub display_name: String,
    pub agency_id: Option<i64>,
    /// At least one role code.
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAdded {
    pub id: i64,
    /// The one-time initial password, when none was given (shown once, never again).
    pub initial_password: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PasswordRequest {
    /// 12 characters or more; empty: a one-time password is made and answered once.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    /// The one-time password, when none was given.
    pub initial_password: Option<String>,
}

/// A personal access token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// The number `revoke` takes.
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiToken> for TokenInfo {
    fn from(t: &ApiToken) -> TokenInfo {
        TokenInfo {
            id: t.id,
            name: t.name.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// The municipality's staff by username, 50 a page.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff", params(PageQuery),
    responses((status = 200, body = StaffPageInfo),
        (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<PageQuery>,
) -> Result<Json<StaffPageInfo>, ApiError> {
    let page = list_staff(&state, &ctx, q.page).await?;
    Ok(Json(StaffPageInfo {
        items: page.rows.iter().map(StaffInfo::from).collect(),
        page: page.page,
        has_more: page.has_more,
    }))
}

/// Adds a member of staff. Every problem at once as 422; a username in use is 409.
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", request_body = StaffRequest,
    responses((status = 201, body = StaffAdded),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn add(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<StaffRequest>,
) -> Result<Response, ApiError> {
    let draft = StaffDraft {
        username: req.username,
        display_name: req.display_name,
        agency_id: req.agency_id,
        roles: req.roles,
        password: req.password,
    };
    let (id, initial_password) = add_staff(&state, &ctx, &draft).await?;
    Ok(created(StaffAdded {
        id,
        initial_password,
    }))
}

async fn info(
    state: &AppState,
    ctx: &crate::http::auth::Ctx,
    id: i64,
) -> Result<StaffInfo, ApiError> {
    Ok(StaffInfo::from(&staff_member(state, ctx, id).await?.user))
}

/// A member of staff.
#[utoipa::path(get, path = "/api/v1/staff/{id}", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = StaffInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<StaffInfo>, ApiError> {
    Ok(Json(info(&state, &ctx, id).await?))
}

/// Changes a member of staff's display name, agency and roles (an admin keeps their own
/// admin role). Every problem at once as 422.
#[utoipa::path(put, path = "/api/v1/staff/{id}", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    request_body = StaffChangeRequest,
    responses((status = 200, body = StaffInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn change(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<StaffChangeRequest>,
) -> Result<Json<StaffInfo>, ApiError> {
    let change = StaffChange {
        display_name: req.display_name,
        agency_id: req.agency_id,
        roles: req.roles,
    };
    change_staff(&state, &ctx, id, &change).await?;
    Ok(Json(info(&state, &ctx, id).await?))
}

/// Disables a member of staff: their sessions and tokens stop working at once (an admin
/// does not disable themselves: 422).
#[utoipa::path(post, path = "/api/v1/staff/{id}/disable", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = StaffInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn disable(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<StaffInfo>, ApiError> {
    set_staff_enabled(&state, &ctx, id, false).await?;
    Ok(Json(info(&state, &ctx, id).await?))
}

/// Enables a disabled member of staff again.
#[utoipa::path(post, path = "/api/v1/staff/{id}/enable", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = StaffInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn enable(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<StaffInfo>, ApiError> {
    set_staff_enabled(&state, &ctx, id, true).await?;
    Ok(Json(info(&state, &ctx, id).await?))
}

/// Resets a member of staff's password (their sessions end, a lockout is lifted).
#[utoipa::path(post, path = "/api/v1/staff/{id}/password", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    request_body = PasswordRequest,
    responses((status = 200, body = PasswordReset),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn password(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<PasswordRequest>,
) -> Result<Json<PasswordReset>, ApiError> {
    let initial_password = reset_password(&state, &ctx, id, &req.password).await?;
    Ok(Json(PasswordReset { initial_password }))
}

/// A member of staff's personal access tokens, with the ids `revoke` takes.
#[utoipa::path(get, path = "/api/v1/staff/{id}/tokens", tag = "staff",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = Vec<TokenInfo>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn tokens(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let member = staff_member(&state, &ctx, id).await?;
    Ok(Json(member.tokens.iter().map(TokenInfo::from).collect()))
}

/// Revokes a token of a member of staff (409 when it is not one of theirs still live).
#[utoipa::path(post, path = "/api/v1/staff/{id}/tokens/{token_id}/revoke", tag = "staff",
    params(("id" = i64, Path, description = "user id"),
        ("token_id" = i64, Path, description = "token id")),
    responses((status = 204, description = "失効しました"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn revoke(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, token_id)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    revoke_token(&state, &ctx, id, token_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
