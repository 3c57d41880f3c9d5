//! `/api/v1`: households (step 2) — 世帯 with members (current and past) and the derived
//! signals (8050, ヤングケアラー, 高齢独居, 高齢夫婦のみ), computed, never typed.

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use kasane_app::consultation::household::{
    HouseholdView, MemberInput, MemberView, create_household, load_household,
};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, Created, created};
use crate::http::auth::{Api, Ctx};
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", post(create))
        .route("/households/{id}", get(household))
        .route("/households/{id}/members", post(add_member))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdRequest {
    /// The person who starts the household, as its head.
    pub person_id: i64,
    /// Defaults to 「〇〇さんの世帯」.
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdMemberRequest {
    /// Required; without it the answer is 422 with the problem in `errors`, like every
    /// other field's.
    #[schema(required = true, value_type = i64)]
    pub person_id: Option<i64>,
    /// 続柄 code: head, spouse, child, parent, grandchild, grandparent, sibling,
    /// child_in_law, other_relative, other
    pub relationship: String,
    #[serde(default)]
    pub is_head: bool,
    /// Cares for family (介護・世話).
    #[serde(default)]
    pub is_carer: bool,
    /// ISO or 和暦; defaults to today. A move ends the person's previous membership.
    #[serde(default)]
    pub joined_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdMemberInfo {
    /// The membership (ending it names this id and `version`).
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    /// Only for a member the caller may read in full; the outline shows the age.
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
    /// Whether the caller may read the member's own record (otherwise the household
    /// outline: 続柄, name and age).
    pub in_full: bool,
    pub relationship: String,
    pub is_head: bool,
    pub is_carer: bool,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// Why the member left (death, moved_out, separated, other); only for a member the
    /// caller may read in full.
    pub left_reason: Option<String>,
    pub left_note: String,
    /// The membership's version: ending it from an older one is refused with 409.
    pub version: i32,
}

impl From<MemberView> for HouseholdMemberInfo {
    fn from(
        MemberView {
            member: m,
            age,
            in_full,
        }: MemberView,
    ) -> Self {
        HouseholdMemberInfo {
            id: m.id,
            person_id: m.person_id,
            name: m.name,
            birth_date: m.birth_date,
            age,
            in_full,
            relationship: m.relationship,
            is_head: m.is_head,
            is_carer: m.is_carer,
            joined_on: m.joined_on,
            left_on: m.left_on,
            left_reason: m.left_reason,
            left_note: m.left_note,
            version: m.version,
        }
    }
}

/// A derived household signal with what it rests on.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalInfo {
    /// household_8050, young_carer, elderly_alone, elderly_couple
    pub code: String,
    pub label: String,
    pub explanation: String,
    /// The members (person ids) the signal rests on.
    pub members: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDetail {
    pub id: i64,
    pub label: String,
    pub address: String,
    pub district_code: Option<String>,
    /// full, read_only
    pub view: String,
    pub basis: String,
    pub members: Vec<HouseholdMemberInfo>,
    /// Members who moved out (history is kept).
    pub past_members: Vec<HouseholdMemberInfo>,
    pub signals: Vec<SignalInfo>,
}

async fn detail(state: &AppState, ctx: &Ctx, id: i64) -> Result<HouseholdDetail, ApiError> {
    let HouseholdView {
        household,
        grant,
        current,
        past,
        signals,
    } = load_household(state, ctx, id).await?;
    Ok(HouseholdDetail {
        id: household.id,
        label: household.label,
        address: household.address,
        district_code: household.district_code,
        view: grant.view().code().to_string(),
        basis: grant.basis().code().to_string(),
        members: current.into_iter().map(HouseholdMemberInfo::from).collect(),
        past_members: past.into_iter().map(HouseholdMemberInfo::from).collect(),
        signals: signals
            .into_iter()
            .map(|s| SignalInfo {
                code: s.signal.code().to_string(),
                label: s.signal.label().to_string(),
                explanation: s.explanation,
                members: s.members,
            })
            .collect(),
    })
}

/// Starts a household with the person as its head.
#[utoipa::path(post, path = "/api/v1/households", tag = "households",
    request_body = HouseholdRequest,
    responses((status = 201, body = Created),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<HouseholdRequest>,
) -> Result<Response, ApiError> {
    let id = create_household(&state, &ctx, req.person_id, &req.label).await?;
    Ok(created(Created { id }))
}

/// A household: members now and before, and the derived signals.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    responses((status = 200, body = HouseholdDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn household(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    Ok(Json(detail(&state, &ctx, id).await?))
}

/// Adds (or moves) a person into the household; answers the household as it now is.
#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "households",
    params(("id" = i64, Path, description = "household id")),
    request_body = HouseholdMemberRequest,
    responses((status = 200, body = HouseholdDetail),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn add_member(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<HouseholdMemberRequest>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let input = MemberInput {
        person_id: req.person_id,
        relationship: &req.relationship,
        is_head: req.is_head,
        is_carer: req.is_carer,
        joined_on: req.joined_on.as_deref().unwrap_or(""),
    };
    kasane_app::consultation::household::add_member(&state, &ctx, id, input).await?;
    Ok(Json(detail(&state, &ctx, id).await?))
}

#[derive(OpenApi)]
#[openapi(
    paths(create, household, add_member),
    components(schemas(Created, HouseholdRequest, HouseholdMemberRequest, HouseholdMemberInfo, SignalInfo,
        HouseholdDetail)),
    tags((name = "households", description = "世帯(世帯員・履歴・自動判定される世帯の状況)"))
)]
pub struct Doc;
