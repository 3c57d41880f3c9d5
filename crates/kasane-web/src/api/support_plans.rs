//! `/api/v1`: step 3 (多機関協働) — 支援プラン in versions, approval by a 重層的支援会議,
//! モニタリング and 評価, and the caller's monitoring worklist. The use cases are
//! `kasane_app::collaboration::support_plan`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::collaboration::support_plan::{
    DueLine, PlanView, approve_plan, create_plan, evaluate, load_plan, monitoring_worklist,
    plan_versions, record_monitoring,
};
use kasane_app::consultation::worklist::Reading;
use kasane_domain::access::Action;
use kasane_domain::plan::{ActionDraft, Due, EvaluationDraft, MonitoringDraft, PlanDraft};
use kasane_store::plan::{Evaluation, Plan};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, Created, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/support-plans", get(versions).post(create))
        .route("/support-plans/{id}", get(detail))
        .route("/support-plans/{id}/approve", post(approve))
        .route("/support-plans/{id}/monitoring", get(monitoring))
        .route("/monitoring/due", get(due_list))
        .route("/monitoring/{id}", post(record))
        .route("/support-plans/{id}/evaluation", post(evaluation))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// 支援の内容
    #[serde(default)]
    pub what: String,
    pub agency_id: Option<i64>,
    /// 担当者 (free text).
    #[serde(default)]
    pub staff_name: String,
    /// The responsible kasane user (staff of `agency_id`), if any: the monitoring shows on
    /// their worklist.
    pub staff_user_id: Option<i64>,
    /// ISO or 和暦; empty = for the whole period.
    #[serde(default)]
    pub by_when: String,
    /// 頻度, e.g. 週1回.
    #[serde(default)]
    pub frequency: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanRequest {
    /// 本人の望み, in the person's own words.
    #[serde(default)]
    pub person_goal: String,
    #[serde(default)]
    pub long_term_goal: String,
    #[serde(default)]
    pub short_term_goal: String,
    /// ISO or 和暦.
    #[serde(default)]
    pub period_start: String,
    /// ISO or 和暦; at most a year after the start.
    #[serde(default)]
    pub period_end: String,
    /// ISO or 和暦, within the period; at least one.
    #[serde(default)]
    pub monitoring_dates: Vec<String>,
    #[serde(default)]
    pub actions: Vec<ActionRequest>,
    /// The version this revises (the case's newest plan's `version`); absent for the
    /// case's first plan. 409 when the case's newest plan is another one.
    #[serde(default)]
    pub revises: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i64,
    pub case_id: i64,
    pub version: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub approved_meeting_id: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_by_name: String,
    pub created_by_agency_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Plan> for PlanSummary {
    fn from(p: &Plan) -> Self {
        PlanSummary {
            id: p.id,
            case_id: p.case_id,
            version: p.version,
            period_start: p.period_start,
            period_end: p.period_end,
            approved_meeting_id: p.approved_meeting_id,
            approved_at: p.approved_at,
            created_by_name: p.created_by_name.clone(),
            created_by_agency_name: p.created_by_agency_name.clone(),
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersions {
    pub case_id: i64,
    /// Newest first; the first is the plan in force, the others 旧版.
    pub versions: Vec<PlanSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionInfo {
    pub id: i64,
    pub seq: i32,
    pub what: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub staff_name: String,
    pub staff_user_id: Option<i64>,
    pub by_when: Option<NaiveDate>,
    pub frequency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryInfo {
    pub action_id: i64,
    /// done, in_progress, not_done
    pub progress: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringInfo {
    pub id: i64,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    /// later (予定), due (期日が近い), overdue (期日超過), done (実施済)
    pub state: String,
    pub state_label: String,
    pub entries: Vec<EntryInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationInfo {
    pub id: i64,
    /// achieved, partly, not_achieved — per goal.
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub note: String,
    /// new_plan, closure, handover
    pub next_step: String,
    pub evaluated_by_name: String,
    pub evaluated_at: DateTime<Utc>,
}

impl From<Evaluation> for EvaluationInfo {
    fn from(e: Evaluation) -> Self {
        EvaluationInfo {
            id: e.id,
            person_goal: e.person_goal,
            long_term_goal: e.long_term_goal,
            short_term_goal: e.short_term_goal,
            note: e.note,
            next_step: e.next_step.code().to_string(),
            evaluated_by_name: e.evaluated_by_name,
            evaluated_at: e.evaluated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: PlanSummary,
    /// The newest version; older ones are 旧版 (read only).
    pub latest: bool,
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub basis: String,
    pub actions: Vec<ActionInfo>,
    pub monitoring: Vec<MonitoringInfo>,
    pub evaluation: Option<EvaluationInfo>,
}

fn due_code(d: Due) -> &'static str {
    match d {
        Due::Later => "later",
        Due::Due => "due",
        Due::Overdue => "overdue",
        Due::Done => "done",
    }
}

fn monitoring_infos(v: &PlanView, today: chrono::NaiveDate) -> Vec<MonitoringInfo> {
    v.monitoring_states(today)
        .into_iter()
        .map(|(m, state)| MonitoringInfo {
            id: m.id,
            due_on: m.due_on,
            done_at: m.done_at,
            state: due_code(state).to_string(),
            state_label: state.label().to_string(),
            entries: v
                .entries
                .iter()
                .filter(|e| e.monitoring_id == m.id)
                .map(|e| EntryInfo {
                    action_id: e.plan_action_id,
                    progress: e.progress.code().to_string(),
                    note: e.note.clone(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveRequest {
    /// A 重層的支援会議 that has the case on its agenda.
    pub meeting_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MonitoringEntryRequest {
    pub action_id: i64,
    /// done, in_progress, not_done (not_done needs a note)
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MonitoringRequest {
    /// One entry per action of the plan.
    #[serde(default)]
    pub entries: Vec<MonitoringEntryRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EvaluationRequest {
    /// achieved, partly, not_achieved
    #[serde(default)]
    pub person_goal: String,
    #[serde(default)]
    pub long_term_goal: String,
    #[serde(default)]
    pub short_term_goal: String,
    #[serde(default)]
    pub note: String,
    /// new_plan, closure, handover
    #[serde(default)]
    pub next_step: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueMonitoringInfo {
    pub monitoring_id: i64,
    pub plan_id: i64,
    pub case_id: i64,
    pub subject_name: String,
    pub due_on: NaiveDate,
    /// due (期日が近い) or overdue (期日超過)
    pub state: String,
    pub state_label: String,
}

impl From<DueLine> for DueMonitoringInfo {
    fn from(l: DueLine) -> Self {
        DueMonitoringInfo {
            monitoring_id: l.due.monitoring_id,
            plan_id: l.due.plan_id,
            case_id: l.due.case_id,
            subject_name: l.due.subject_name,
            due_on: l.due.due_on,
            state: due_code(l.state).to_string(),
            state_label: l.state.label().to_string(),
        }
    }
}

/// Every version of the case's plan, newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/support-plans", tag = "support-plans",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = PlanVersions),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn versions(
    Work(state): Work,
    Api(ctx): Api,
    Path(case_id): Path<i64>,
) -> Result<Json<PlanVersions>, ApiError> {
    let (case, plans) = plan_versions(&state, &ctx, case_id).await?;
    Ok(Json(PlanVersions {
        case_id: case.id,
        versions: plans.iter().map(PlanSummary::from).collect(),
    }))
}

/// Stores a new version of the case's plan (a revision keeps the older versions). 409
/// when `revises` is not the case's newest version (someone revised it first).
#[utoipa::path(post, path = "/api/v1/cases/{id}/support-plans", tag = "support-plans",
    params(("id" = i64, Path, description = "case id")),
    request_body = PlanRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Path(case_id): Path<i64>,
    Body(req): Body<PlanRequest>,
) -> Result<Response, ApiError> {
    let id = create_plan(&state, &ctx, case_id, &req.into()).await?;
    Ok(created(Created { id }))
}

/// One version of a plan with its actions, monitoring and evaluation.
#[utoipa::path(get, path = "/api/v1/support-plans/{id}", tag = "support-plans",
    params(("id" = i64, Path, description = "plan (version) id")),
    responses((status = 200, body = PlanDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<PlanDetail>, ApiError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    let monitoring = monitoring_infos(&v, ctx.today);
    Ok(Json(PlanDetail {
        plan: PlanSummary::from(&v.plan),
        latest: v.latest,
        person_goal: v.plan.person_goal.clone(),
        long_term_goal: v.plan.long_term_goal.clone(),
        short_term_goal: v.plan.short_term_goal.clone(),
        basis: v.grant.basis().code().to_string(),
        actions: v
            .actions
            .iter()
            .map(|a| ActionInfo {
                id: a.id,
                seq: a.seq,
                what: a.what.clone(),
                agency_id: a.agency_id,
                agency_name: a.agency_name.clone(),
                staff_name: a.staff_name.clone(),
                staff_user_id: a.staff_user_id,
                by_when: a.by_when,
                frequency: a.frequency.clone(),
            })
            .collect(),
        monitoring,
        evaluation: v.evaluation.map(EvaluationInfo::from),
    }))
}

/// Records that a 重層的支援会議 with the case on its agenda approved the plan (by the
/// meeting's manager; the newest version only, once).
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/approve", tag = "support-plans",
    params(("id" = i64, Path, description = "plan (version) id")),
    request_body = ApproveRequest,
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn approve(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<ApproveRequest>,
) -> Result<Response, ApiError> {
    approve_plan(&state, &ctx, id, req.meeting_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The plan's monitoring dates with their state and entries.
#[utoipa::path(get, path = "/api/v1/support-plans/{id}/monitoring", tag = "monitoring",
    params(("id" = i64, Path, description = "plan (version) id")),
    responses((status = 200, body = [MonitoringInfo]),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn monitoring(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MonitoringInfo>>, ApiError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    Ok(Json(monitoring_infos(&v, ctx.today)))
}

/// Records a monitoring round: one entry per action (done / in_progress / not_done).
#[utoipa::path(post, path = "/api/v1/monitoring/{id}", tag = "monitoring",
    params(("id" = i64, Path, description = "monitoring id")),
    request_body = MonitoringRequest,
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn record(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<MonitoringRequest>,
) -> Result<Response, ApiError> {
    record_monitoring(&state, &ctx, id, &req.drafts()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Records the evaluation at plan end (once per version) with the next step.
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/evaluation", tag = "monitoring",
    params(("id" = i64, Path, description = "plan (version) id")),
    request_body = EvaluationRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn evaluation(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<EvaluationRequest>,
) -> Result<Response, ApiError> {
    let id = evaluate(&state, &ctx, id, &req.into()).await?;
    Ok(created(Created { id }))
}

impl From<PlanRequest> for PlanDraft {
    fn from(req: PlanRequest) -> Self {
        PlanDraft {
            revises: req.revises,
            person_goal: req.person_goal,
            long_term_goal: req.long_term_goal,
            short_term_goal: req.short_term_goal,
            period_start: req.period_start,
            period_end: req.period_end,
            monitoring_dates: req.monitoring_dates,
            actions: req
                .actions
                .into_iter()
                .map(|a| ActionDraft {
                    what: a.what,
                    agency_id: a.agency_id,
                    staff_name: a.staff_name,
                    staff_user_id: a.staff_user_id,
                    by_when: a.by_when,
                    frequency: a.frequency,
                })
                .collect(),
        }
    }
}

impl MonitoringRequest {
    /// The round's entries as the domain validates them.
    pub fn drafts(self) -> Vec<MonitoringDraft> {
        self.entries
            .into_iter()
            .map(|e| MonitoringDraft {
                action_id: e.action_id,
                progress: e.progress,
                note: e.note,
            })
            .collect()
    }
}

impl From<EvaluationRequest> for EvaluationDraft {
    fn from(req: EvaluationRequest) -> Self {
        EvaluationDraft {
            person_goal: req.person_goal,
            long_term_goal: req.long_term_goal,
            short_term_goal: req.short_term_goal,
            note: req.note,
            next_step: req.next_step,
        }
    }
}

/// `?page=…` of the monitoring due (1-based).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    pub page: Option<i64>,
}

/// The caller's monitoring worklist: due within a week or overdue, of cases they may read
/// (all of the municipality's for the coordinating agency's coordinator; otherwise those
/// naming the caller or, with no named user, the caller's agency). Soonest first, 50 a
/// page: a page shorter than that is the last.
#[utoipa::path(get, path = "/api/v1/monitoring/due", tag = "monitoring",
    params(DueQuery),
    responses((status = 200, body = [DueMonitoringInfo])),
    security(("token" = []), ("session" = [])))]
pub async fn due_list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<DueQuery>,
) -> Result<Json<Vec<DueMonitoringInfo>>, ApiError> {
    let reading = Reading::List("monitoring".into(), kasane_app::page_number(q.page)?);
    let lines = monitoring_worklist(&state, &ctx, &reading).await?;
    Ok(Json(
        lines
            .items
            .into_iter()
            .map(DueMonitoringInfo::from)
            .collect(),
    ))
}

#[derive(OpenApi)]
#[openapi(
    paths(versions, create, detail, approve, monitoring, record, evaluation, due_list),
    components(schemas(ActionRequest, PlanRequest, PlanSummary, PlanVersions, ActionInfo,
        EntryInfo, MonitoringInfo, EvaluationInfo, PlanDetail, ApproveRequest, MonitoringEntryRequest,
        MonitoringRequest, EvaluationRequest, DueMonitoringInfo)),
    tags(
        (name = "support-plans", description = "支援プラン(版の管理・重層的支援会議での承認)"),
        (name = "monitoring", description = "モニタリングと評価、モニタリングのワークリスト"),
    )
)]
pub struct Doc;
