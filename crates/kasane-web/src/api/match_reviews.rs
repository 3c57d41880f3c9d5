//! `/api/v1/match-reviews`: 名寄せ確認依頼 for the coordinator of the coordinating agency —
//! the pending pairs with their identity fields only (氏名, フリガナ, 生年月日, 住所), and
//! the decision (link or distinct). Anyone else, and a decided review, is answered 404.
//! A review is requested with `POST /api/v1/intakes` (`confirm_new_person` with a
//! candidate held elsewhere).

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::match_review::{
    Identity, ReviewPair, pending_reviews, read_review, settle,
};
use kasane_app::consultation::worklist::{LIST_ROWS, Window};
use kasane_domain::match_review::{DistinctReason, Verdict, distinct_verdict};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::Body;
use crate::http::auth::Api;
use crate::http::error::{ApiError, AppError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/match-reviews", get(list))
        .route("/match-reviews/{id}", get(review))
        .route("/match-reviews/{id}/link", post(link))
        .route("/match-reviews/{id}/distinct", post(distinct))
}

/// A record's identity fields: nothing else of it is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityInfo {
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub address: String,
}

impl From<Identity> for IdentityInfo {
    fn from(i: Identity) -> Self {
        IdentityInfo {
            name: i.name,
            furigana: i.furigana,
            birth_date: i.birth_date,
            address: i.address,
        }
    }
}

/// A pending 名寄せ確認依頼.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchReviewInfo {
    pub id: i64,
    /// 有力候補 (else 参考候補).
    pub strong: bool,
    pub requested_at: DateTime<Utc>,
    /// The record the requesting window registered.
    pub requested: IdentityInfo,
    /// The candidate held by another window.
    pub candidate: IdentityInfo,
}

impl From<ReviewPair> for MatchReviewInfo {
    fn from(r: ReviewPair) -> Self {
        MatchReviewInfo {
            id: r.id,
            strong: r.strong,
            requested_at: r.requested_at,
            requested: r.requested.into(),
            candidate: r.candidate.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchReviewList {
    pub items: Vec<MatchReviewInfo>,
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// 1-based.
    pub page: Option<i64>,
}

/// The pending reviews the caller decides, oldest first, a page of 50 (empty for anyone
/// who is not the coordinating agency's coordinator).
#[utoipa::path(get, path = "/api/v1/match-reviews", tag = "match_reviews",
    params(ListQuery),
    responses((status = 200, body = MatchReviewList),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<ListQuery>,
) -> Result<Json<MatchReviewList>, ApiError> {
    let page = kasane_app::page_number(q.page)?;
    let win = Window {
        limit: LIST_ROWS,
        offset: (page - 1) * LIST_ROWS,
    };
    let rows = pending_reviews(&state, &ctx, win).await?;
    Ok(Json(MatchReviewList {
        items: rows.items.into_iter().map(Into::into).collect(),
        has_more: rows.more,
    }))
}

/// A pending review's pair, identity fields only. 404 (audited) for anyone but the
/// coordinating agency's coordinator, and once decided.
#[utoipa::path(get, path = "/api/v1/match-reviews/{id}", tag = "match_reviews",
    params(("id" = i64, Path, description = "match review id")),
    responses((status = 200, body = MatchReviewInfo),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn review(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<MatchReviewInfo>, ApiError> {
    Ok(Json(read_review(&state, &ctx, id).await?.into()))
}

/// Links the pair as one person (名寄せ): the requested record joins the candidate's group.
#[utoipa::path(post, path = "/api/v1/match-reviews/{id}/link", tag = "match_reviews",
    params(("id" = i64, Path, description = "match review id")),
    responses((status = 204, description = "linked"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn link(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    settle(&state, &ctx, id, &Verdict::Link).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Why the pair are two people.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DistinctRequest {
    pub reason: DistinctReasonCode,
    #[serde(default)]
    pub note: String,
}

/// `DistinctReason` codes.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistinctReasonCode {
    /// 生年月日が異なる
    BirthDate,
    /// 住所・世帯が異なる
    Address,
    /// 本人・家族に確認した
    Confirmed,
    /// その他
    Other,
}

impl From<DistinctReasonCode> for DistinctReason {
    fn from(c: DistinctReasonCode) -> Self {
        match c {
            DistinctReasonCode::BirthDate => DistinctReason::BirthDate,
            DistinctReasonCode::Address => DistinctReason::Address,
            DistinctReasonCode::Confirmed => DistinctReason::Confirmed,
            DistinctReasonCode::Other => DistinctReason::Other,
        }
    }
}

/// Marks the pair as two people (recorded, never proposed again).
#[utoipa::path(post, path = "/api/v1/match-reviews/{id}/distinct", tag = "match_reviews",
    params(("id" = i64, Path, description = "match review id")),
    request_body = DistinctRequest,
    responses((status = 204, description = "recorded as distinct"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn distinct(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<DistinctRequest>,
) -> Result<Response, ApiError> {
    let reason = DistinctReason::from(req.reason);
    let verdict = distinct_verdict(reason.code(), &req.note)
        .map_err(|e| AppError::Validation(e.into_iter().map(|e| e.message).collect()))?;
    settle(&state, &ctx, id, &verdict).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(list, review, link, distinct),
    components(schemas(IdentityInfo, MatchReviewInfo, MatchReviewList, DistinctRequest,
        DistinctReasonCode)),
    tags((name = "match_reviews", description = "名寄せ確認依頼(相談支援包括化推進員)"))
)]
pub struct Doc;
