//! `/api/v1`: ケース (多機関協働) and アセスメント — the case list (filtered in SQL by the
//! access rule's twin), opening a case, status moves (the domain's state machine: illegal
//! moves are 422 with its Japanese message), involved agencies, lead, hand-over, and the
//! versioned assessment. The use cases are `kasane_app::collaboration::{case, assessment}`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kasane_app::collaboration::assessment::{assessments as case_assessments, save_assessment};
use kasane_app::collaboration::case::{
    CASE_PAGE_SIZE, CaseDetail, NewCaseInput, add_agency, change_lead, end_agency, hand_over,
    list_cases, load_case, move_case, open_case, parse_event,
};
use kasane_domain::assessment::AssessmentDraft;
use kasane_domain::identity::AgencyId;
use kasane_store::case::Case;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::referrals::Coded;
use crate::api::{Body, Created, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;
use crate::ui::collaboration::{closure_label, event_label, kind_label};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/events", post(event))
        .route("/cases/{id}/agencies", post(agency_add))
        .route("/cases/{id}/agencies/{agency_id}", delete(agency_end))
        .route("/cases/{id}/lead", put(lead))
        .route("/cases/{id}/handover", post(handover))
        .route(
            "/cases/{id}/assessments",
            get(assessments).post(assessment_create),
        )
}

fn coded(code: &str, label: String) -> Coded {
    Coded {
        code: code.to_string(),
        label,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    /// intake, assessment, planning, active, monitoring, closed, suspended; empty = all
    #[serde(default)]
    pub status: String,
    /// 1-based, 50 cases a page
    pub page: Option<i64>,
}

/// A case in a list: no more personal data than the subject's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// The person's name or the household's label.
    pub subject_name: String,
    pub status: Coded,
    pub lead_agency_id: AgencyId,
    pub lead_agency_name: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Case> for CaseSummary {
    fn from(c: &Case) -> Self {
        CaseSummary {
            id: c.id,
            person_id: c.person_id,
            household_id: c.household_id,
            subject_name: c.subject_name.clone(),
            status: coded(c.status.code(), c.status.label().to_string()),
            lead_agency_id: c.lead_agency_id,
            lead_agency_name: c.lead_agency_name.clone(),
            opened_at: c.opened_at,
            updated_at: c.updated_at,
        }
    }
}

/// One page of cases the caller may see, most recently changed first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    /// Whether another page follows (the cases are not counted: a count costs what
    /// reading every case the rule lets through would).
    pub has_more: bool,
    pub page: i64,
    pub page_size: i64,
    pub cases: Vec<CaseSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseAgencyInfo {
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

/// One recorded move: who, when, from → to, why.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventInfo {
    /// open, advance, suspend, resume, close, reopen, agency_added, agency_left,
    /// lead_changed, handover
    pub event: Coded,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The reason; for agency events the agency id; for a closure `[reason_code] note`.
    pub note: String,
    pub user_name: String,
    pub agency_name: String,
    pub occurred_at: DateTime<Utc>,
}

/// A case with its kinds, agencies and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseInfo {
    pub id: i64,
    /// full, read_only
    pub view: String,
    /// involvement, consent, support_meeting, coordination, emergency
    pub basis: String,
    /// The caller may move the status, change agencies and lead, hand over.
    pub may_manage: bool,
    /// The case is closed and the caller may reopen it (former lead agency or coordinator).
    pub may_reopen: bool,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub subject_name: String,
    pub status: Coded,
    /// The status a suspended case returns to.
    pub suspended_from: Option<String>,
    pub kinds: Vec<Coded>,
    pub lead_agency_id: AgencyId,
    pub lead_agency_name: String,
    pub agencies: Vec<CaseAgencyInfo>,
    pub intake_id: Option<i64>,
    pub summary: String,
    /// 多機関協働's involvement ended (hand-over to the lead agency).
    pub coordination_ended_at: Option<DateTime<Utc>>,
    pub handover_note: String,
    pub closure_reason: Option<Coded>,
    pub closed_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub events: Vec<CaseEventInfo>,
}

impl From<CaseDetail> for CaseInfo {
    fn from(d: CaseDetail) -> Self {
        let c = d.case;
        CaseInfo {
            id: c.id,
            view: d.grant.view().code().to_string(),
            basis: d.grant.basis().code().to_string(),
            may_manage: d.may_manage,
            may_reopen: d.may_reopen,
            person_id: c.person_id,
            household_id: c.household_id,
            subject_name: c.subject_name,
            status: coded(c.status.code(), c.status.label().to_string()),
            suspended_from: c.suspended_from,
            kinds: d.kinds.iter().map(|k| coded(k, kind_label(k))).collect(),
            lead_agency_id: c.lead_agency_id,
            lead_agency_name: c.lead_agency_name,
            agencies: d
                .agencies
                .into_iter()
                .map(|a| CaseAgencyInfo {
                    agency_id: a.agency_id,
                    agency_name: a.agency_name,
                    joined_at: a.joined_at,
                    left_at: a.left_at,
                })
                .collect(),
            intake_id: c.intake_id,
            summary: c.summary,
            coordination_ended_at: c.coordination_ended_at,
            handover_note: c.handover_note,
            closure_reason: c
                .closure_reason
                .as_deref()
                .map(|r| coded(r, closure_label(r))),
            closed_at: c.closed_at,
            opened_at: c.opened_at,
            updated_at: c.updated_at,
            events: d
                .events
                .into_iter()
                .map(|e| CaseEventInfo {
                    event: coded(&e.event, event_label(&e.event).to_string()),
                    from_status: e.from_status,
                    to_status: e.to_status,
                    note: e.note,
                    user_name: e.user_name,
                    agency_name: e.agency_name,
                    occurred_at: e.occurred_at,
                })
                .collect(),
        }
    }
}

/// A status move: `{"event":"advance","to":"assessment"}`, `suspend`, `resume`,
/// `{"event":"close","reason":"goal_achieved"}`, `reopen`; `note` is required for all but
/// `advance`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CaseEventRequest {
    /// advance, suspend, resume, close, reopen
    pub event: String,
    /// advance: the status to move to.
    pub to: String,
    /// close: goal_achieved, transferred, moved_out, deceased, refused, no_contact, other
    pub reason: String,
    pub note: String,
}

/// The case after a move, without personal data (the move may end the caller's access).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseStatusInfo {
    pub id: i64,
    pub status: Coded,
    pub suspended_from: Option<String>,
    pub closure_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyRequest {
    pub agency_id: AgencyId,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct HandoverRequest {
    /// What was agreed (役割分担の合意など); required.
    pub note: String,
}

/// The assessment sheet: the person's own words first (`wishes` is required). The schema of
/// `kasane_domain::assessment::AssessmentDraft`, which the handlers read and answer.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct AssessmentSheet {
    /// 本人の思い・望み (required)
    pub wishes: String,
    /// 世帯の状況
    pub household: String,
    /// 健康・障がい
    pub health: String,
    /// 収入・債務
    pub income_debt: String,
    /// 住まい
    pub housing: String,
    /// 日常生活
    pub daily_life: String,
    /// 社会とのつながり
    pub social_ties: String,
    /// 強み(ストレングス)
    pub strengths: String,
    /// リスクの状況 (required when risks are given)
    pub risk_note: String,
    /// すでに関わっている機関
    pub agencies_involved: String,
    /// abuse (虐待), suicide (自殺), lonely_death (孤立死)
    pub risks: Vec<String>,
    /// The municipality's issue codes.
    pub issues: Vec<String>,
}

/// One kept version of the assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentVersionInfo {
    pub version: i32,
    pub author_name: String,
    pub author_agency_name: String,
    pub created_at: DateTime<Utc>,
    /// The sections changed against the previous version (labels).
    pub changed_sections: Vec<String>,
    #[schema(value_type = AssessmentSheet)]
    pub sheet: AssessmentDraft,
}

/// A new version of the sheet, made from version `version`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentRequest {
    /// The version the sheet was read at (0 when the case has none yet). A save from an
    /// older version is refused with 409 and overwrites nothing.
    pub version: i32,
    #[serde(flatten)]
    #[schema(value_type = AssessmentSheet)]
    pub sheet: AssessmentDraft,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentCreated {
    pub version: i32,
}

/// The cases the caller may see, 50 a page, most recently changed first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(CaseListQuery),
    responses((status = 200, body = CasePage),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<CaseListQuery>,
) -> Result<Json<CasePage>, ApiError> {
    let (cases, has_more) = list_cases(&state, &ctx, &q.status, q.page).await?;
    Ok(Json(CasePage {
        has_more,
        page: kasane_app::page_number(q.page)?,
        page_size: CASE_PAGE_SIZE,
        cases: cases.iter().map(CaseSummary::from).collect(),
    }))
}

/// Opens a case (coordinator role, who may create on the person or household).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body = NewCaseInput,
    responses((status = 201, body = Created),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<NewCaseInput>,
) -> Result<Response, ApiError> {
    let id = open_case(&state, &ctx, &req).await?;
    Ok(created(Created { id }))
}

/// A case with its kinds, agencies (join/leave) and history; 404 without a basis.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseInfo),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<CaseInfo>, ApiError> {
    Ok(Json(CaseInfo::from(load_case(&state, &ctx, id).await?)))
}

/// Moves the case's status (lead agency or 多機関協働). Illegal moves are 422 with the
/// reason; a read-only basis is 403.
#[utoipa::path(post, path = "/api/v1/cases/{id}/events", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    request_body = CaseEventRequest,
    responses((status = 200, body = CaseStatusInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn event(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<CaseEventRequest>,
) -> Result<Json<CaseStatusInfo>, ApiError> {
    let e = parse_event(&req.event, &req.to, &req.reason)?;
    let c = move_case(&state, &ctx, id, &e, &req.note).await?;
    Ok(Json(CaseStatusInfo {
        id: c.id,
        status: coded(c.status.code(), c.status.label().to_string()),
        suspended_from: c.suspended_from,
        closure_reason: c.closure_reason,
        updated_at: c.updated_at,
    }))
}

/// Adds an involved agency (関与機関).
#[utoipa::path(post, path = "/api/v1/cases/{id}/agencies", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    request_body = AgencyRequest,
    responses((status = 204, description = "added"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agency_add(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<AgencyRequest>,
) -> Result<Response, ApiError> {
    add_agency(&state, &ctx, id, req.agency_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Why an involved agency's involvement ends (kept in the case's history).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyEndRequest {
    /// Required.
    #[serde(default)]
    pub reason: String,
}

/// Ends an agency's involvement with a reason (its history stays readable to it).
#[utoipa::path(delete, path = "/api/v1/cases/{id}/agencies/{agency_id}", tag = "cases",
    params(("id" = i64, Path, description = "case id"),
        ("agency_id" = i64, Path, description = "the involved agency")),
    request_body = AgencyEndRequest,
    responses((status = 204, description = "involvement ended"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agency_end(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, agency_id)): Path<(i64, AgencyId)>,
    Body(req): Body<AgencyEndRequest>,
) -> Result<Response, ApiError> {
    end_agency(&state, &ctx, id, agency_id, &req.reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Makes another agency the lead (主担当機関); the previous lead stays involved.
#[utoipa::path(put, path = "/api/v1/cases/{id}/lead", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    request_body = AgencyRequest,
    responses((status = 204, description = "lead changed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn lead(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<AgencyRequest>,
) -> Result<Response, ApiError> {
    change_lead(&state, &ctx, id, req.agency_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Records the hand-over to the lead agency: 多機関協働's own involvement ends, the case
/// continues (distinct from closure). 422 while the coordinating agency is the lead.
#[utoipa::path(post, path = "/api/v1/cases/{id}/handover", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    request_body = HandoverRequest,
    responses((status = 204, description = "handed over"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn handover(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<HandoverRequest>,
) -> Result<Response, ApiError> {
    hand_over(&state, &ctx, id, &req.note).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every version of the case's assessment, newest first, with the sections each changed.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "assessments",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<AssessmentVersionInfo>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn assessments(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AssessmentVersionInfo>>, ApiError> {
    let history = case_assessments(&state, &ctx, id).await?;
    Ok(Json(
        history
            .versions
            .into_iter()
            .map(|v| AssessmentVersionInfo {
                version: v.row.version,
                author_name: v.row.author_name,
                author_agency_name: v.row.author_agency_name,
                created_at: v.row.created_at,
                changed_sections: v.changed.iter().map(ToString::to_string).collect(),
                sheet: v.sheet,
            })
            .collect(),
    ))
}

/// Saves a new version of the assessment (the previous ones stay).
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "assessments",
    params(("id" = i64, Path, description = "case id")),
    request_body = AssessmentRequest,
    responses((status = 201, body = AssessmentCreated),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "saved from an older version: nothing was overwritten", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn assessment_create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<AssessmentRequest>,
) -> Result<Response, ApiError> {
    let version = save_assessment(&state, &ctx, id, req.version, &req.sheet).await?;
    Ok(created(AssessmentCreated { version }))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, detail, event, agency_add, agency_end, lead, handover, assessments,
        assessment_create),
    components(schemas(Created, Coded, CaseSummary, CasePage, NewCaseInput, CaseAgencyInfo,
        CaseEventInfo, CaseInfo, CaseEventRequest, CaseStatusInfo, AgencyRequest, AgencyEndRequest,
        HandoverRequest, AssessmentSheet, AssessmentRequest, AssessmentVersionInfo,
        AssessmentCreated)),
    tags((name = "cases", description = "ケース(多機関協働): 状態・関与機関・主担当・引継ぎ・終結"),
        (name = "assessments", description = "アセスメント(版を残す)"))
)]
pub struct Doc;
