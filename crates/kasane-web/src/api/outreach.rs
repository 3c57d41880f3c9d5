//! `/api/v1`: アウトリーチ — the team's active outreach cases (most overdue first), opening
//! one, a case with its stage history, attempts, information notes (the team only),
//! 伴走支援 and hand-overs, the stage's moves (forward on evidence, back with a reason: 422
//! with the domain's message otherwise), the contact interval, and the contact attempts
//! (tag `contact-attempts`). The use cases are `kasane_app::outreach`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::outreach::attempt::record_attempt;
use kasane_app::outreach::case::{
    AttemptLine, HandoverInput, OpenInput, OutreachDetail, hand_over, load_outreach, move_stage,
    open_outreach, set_interval,
};
use kasane_app::outreach::gathering::{notes, record_accompaniment, record_note};
use kasane_app::outreach::rhythm::{TEAM_LIMIT, TeamLine, team_cases};
use kasane_domain::identity::AgencyId;
use kasane_domain::outreach::{AccompanimentDraft, Alert, AttemptDraft, NoteDraft};
use kasane_store::outreach::InformationNote;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::referrals::Coded;
use crate::api::{Body, Created, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outreach", get(list).post(create))
        .route("/outreach/{id}", get(detail))
        .route("/outreach/{id}/stage", post(stage))
        .route("/outreach/{id}/interval", put(interval))
        .route("/outreach/{id}/handover", post(handover))
        .route(
            "/outreach/{id}/contact-attempts",
            get(attempts).post(attempt_create),
        )
        .route("/outreach/{id}/notes", get(note_list).post(note_create))
        .route("/outreach/{id}/accompaniments", post(accompaniment_create))
}

fn coded(code: &str, label: &str) -> Coded {
    Coded {
        code: code.to_string(),
        label: label.to_string(),
    }
}

/// An alert with its evidence: overdue (`due`, `days`), unreached (`count` attempts in a
/// row since `since`), stalled (no stage move since `since`, `months`), safety (the 安否
/// concern recorded `on`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertInfo {
    /// overdue, unreached, stalled, safety
    pub kind: Coded,
    pub due: Option<NaiveDate>,
    pub days: Option<i64>,
    pub count: Option<usize>,
    pub since: Option<NaiveDate>,
    pub months: Option<u32>,
    pub on: Option<NaiveDate>,
}

impl From<&Alert> for AlertInfo {
    fn from(a: &Alert) -> Self {
        let mut info = AlertInfo {
            kind: coded(a.code(), a.label()),
            due: None,
            days: None,
            count: None,
            since: None,
            months: None,
            on: None,
        };
        match *a {
            Alert::Overdue { due, days } => (info.due, info.days) = (Some(due), Some(days)),
            Alert::Unreached { count, since } => {
                (info.count, info.since) = (Some(count), Some(since));
            }
            Alert::Stalled { since, months } => {
                (info.since, info.months) = (Some(since), Some(months));
            }
            Alert::Safety { on } => info.on = Some(on),
        }
        info
    }
}

/// An active outreach case on the team's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachSummary {
    pub id: i64,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub subject_name: String,
    pub district_code: Option<String>,
    /// unreached, contacted, rapport, accepting_support, connected
    pub stage: Coded,
    pub lead_agency_name: String,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_planned_on: Option<NaiveDate>,
    pub days_overdue: i64,
    pub alerts: Vec<AlertInfo>,
}

impl From<&TeamLine> for OutreachSummary {
    fn from(l: &TeamLine) -> Self {
        let c = &l.case;
        OutreachSummary {
            id: c.id,
            person_id: c.person_id,
            household_id: c.household_id,
            subject_name: c.subject_name.clone(),
            district_code: c.district_code.clone(),
            stage: coded(c.stage.code(), c.stage.label()),
            lead_agency_name: c.lead_agency_name.clone(),
            last_attempt_at: l.last.map(|a| a.attempted_at),
            next_planned_on: l.next_planned_on(),
            days_overdue: l.days_overdue,
            alerts: l.alerts.iter().map(AlertInfo::from).collect(),
        }
    }
}

/// The team's active outreach cases, most overdue first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachList {
    /// More than the list holds (its limit) are active.
    pub has_more: bool,
    pub limit: i64,
    pub cases: Vec<OutreachSummary>,
}

/// One of the staff who went.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptStaffInfo {
    pub user_id: i64,
    pub name: String,
    pub agency_id: AgencyId,
    pub agency_name: String,
}

/// A recorded contact attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactAttemptInfo {
    pub id: i64,
    pub attempted_at: DateTime<Utc>,
    /// visit, phone, letter, note_left, message, via_others
    pub method: Coded,
    pub staff: Vec<AttemptStaffInfo>,
    /// person, family, nobody
    pub met: Coded,
    /// met, not_met, refused, partial
    pub outcome: Coded,
    pub left_behind: String,
    pub observations: String,
    pub safety_concern: bool,
    pub next_planned_on: Option<NaiveDate>,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<&AttemptLine> for ContactAttemptInfo {
    fn from(l: &AttemptLine) -> Self {
        let a = &l.attempt;
        ContactAttemptInfo {
            id: a.id,
            attempted_at: a.attempted_at,
            method: coded(a.method.code(), a.method.label()),
            staff: l
                .staff
                .iter()
                .map(|s| AttemptStaffInfo {
                    user_id: s.user_id,
                    name: s.user_name.clone(),
                    agency_id: s.agency_id,
                    agency_name: s.agency_name.clone(),
                })
                .collect(),
            met: coded(a.met.code(), a.met.label()),
            outcome: coded(a.outcome.code(), a.outcome.label()),
            left_behind: a.left_behind.clone(),
            observations: a.observations.clone(),
            safety_concern: a.safety_concern,
            next_planned_on: a.next_planned_on,
            recorded_by_name: a.recorded_by_name.clone(),
            recorded_by_agency_name: a.recorded_by_agency_name.clone(),
            recorded_at: a.recorded_at,
        }
    }
}

/// One move of the engagement stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageEventInfo {
    pub from_stage: Coded,
    pub to_stage: Coded,
    /// forward, back
    pub direction: String,
    pub reason: String,
    /// The attempt a forward move rested on.
    pub evidence_attempt_id: Option<i64>,
    pub user_name: String,
    pub agency_name: String,
    pub occurred_at: DateTime<Utc>,
}

/// 情報収集: what an agency or a volunteer told the team, with its source.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationNoteInfo {
    pub id: i64,
    pub noted_on: NaiveDate,
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub source_kind: Coded,
    pub source: String,
    pub body: String,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<&InformationNote> for InformationNoteInfo {
    fn from(n: &InformationNote) -> Self {
        InformationNoteInfo {
            id: n.id,
            noted_on: n.noted_on,
            source_kind: coded(n.source_kind.code(), n.source_kind.label()),
            source: n.source.clone(),
            body: n.body.clone(),
            recorded_by_name: n.recorded_by_name.clone(),
            recorded_by_agency_name: n.recorded_by_agency_name.clone(),
            recorded_at: n.recorded_at,
        }
    }
}

/// 伴走支援.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccompanimentInfo {
    pub id: i64,
    pub occurred_on: NaiveDate,
    /// clinic, city_office, gathering_place, visit, other
    pub kind: Coded,
    pub body: String,
    pub recorded_by_name: String,
    pub agency_name: String,
}

/// A hand-over to a つなぎ or a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverInfo {
    pub id: i64,
    pub referral_id: Option<i64>,
    pub referral_agency_name: Option<String>,
    pub case_id: Option<i64>,
    pub note: String,
    pub user_name: String,
    pub agency_name: String,
    pub handed_over_at: DateTime<Utc>,
}

/// An outreach case: who brought the concern, what is known, the stage and its history,
/// the attempts, the alerts, 伴走支援 and hand-overs; the information notes for the
/// outreach team only (absent beyond it).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachInfo {
    pub id: i64,
    /// full, read_only
    pub view: String,
    /// involvement, consent, support_meeting, coordination, emergency
    pub basis: String,
    /// The caller may record attempts, notes and 伴走支援.
    pub writable: bool,
    /// The caller may move the stage, set the interval and hand over.
    pub may_manage: bool,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub subject_name: String,
    pub intake_id: Option<i64>,
    pub lead_agency_id: AgencyId,
    pub lead_agency_name: String,
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub informant_kind: Coded,
    pub informant: String,
    pub known: String,
    pub stage: Coded,
    pub stage_since: DateTime<Utc>,
    /// The case's own interval (absent: the municipality's).
    pub interval_days: Option<i32>,
    /// The interval in force.
    pub effective_interval_days: u32,
    /// The attempt a forward move would rest on now (absent: none since the last move).
    pub evidence_attempt_id: Option<i64>,
    pub alerts: Vec<AlertInfo>,
    pub stage_events: Vec<StageEventInfo>,
    pub contact_attempts: Vec<ContactAttemptInfo>,
    pub information_notes: Option<Vec<InformationNoteInfo>>,
    pub accompaniments: Vec<AccompanimentInfo>,
    pub handovers: Vec<HandoverInfo>,
}

impl From<OutreachDetail> for OutreachInfo {
    fn from(d: OutreachDetail) -> Self {
        let o = &d.access.outreach;
        OutreachInfo {
            id: o.id,
            view: d.access.grant.view().code().to_string(),
            basis: d.access.grant.basis().code().to_string(),
            writable: d.writable,
            may_manage: d.may_manage,
            person_id: o.person_id,
            household_id: o.household_id,
            subject_name: o.subject_name.clone(),
            intake_id: o.intake_id,
            lead_agency_id: o.lead_agency_id,
            lead_agency_name: o.lead_agency_name.clone(),
            informant_kind: coded(o.informant_kind.code(), o.informant_kind.label()),
            informant: o.informant.clone(),
            known: o.known.clone(),
            stage: coded(o.stage.code(), o.stage.label()),
            stage_since: o.stage_since,
            interval_days: o.interval_days,
            effective_interval_days: d.rhythm.interval_days,
            evidence_attempt_id: d.evidence,
            alerts: d.alerts.iter().map(AlertInfo::from).collect(),
            stage_events: d
                .stage_events
                .iter()
                .map(|e| StageEventInfo {
                    from_stage: coded(e.from_stage.code(), e.from_stage.label()),
                    to_stage: coded(e.to_stage.code(), e.to_stage.label()),
                    direction: e.direction.clone(),
                    reason: e.reason.clone(),
                    evidence_attempt_id: e.evidence_attempt_id,
                    user_name: e.user_name.clone(),
                    agency_name: e.agency_name.clone(),
                    occurred_at: e.occurred_at,
                })
                .collect(),
            contact_attempts: d.attempts.iter().map(ContactAttemptInfo::from).collect(),
            information_notes: d
                .notes
                .as_ref()
                .map(|n| n.iter().map(InformationNoteInfo::from).collect()),
            accompaniments: d
                .accompaniments
                .iter()
                .map(|a| AccompanimentInfo {
                    id: a.id,
                    occurred_on: a.occurred_on,
                    kind: coded(a.kind.code(), a.kind.label()),
                    body: a.body.clone(),
                    recorded_by_name: a.recorded_by_name.clone(),
                    agency_name: a.agency_name.clone(),
                })
                .collect(),
            handovers: d
                .handovers
                .iter()
                .map(|h| HandoverInfo {
                    id: h.id,
                    referral_id: h.referral_id,
                    referral_agency_name: h.referral_agency_name.clone(),
                    case_id: h.target_case_id,
                    note: h.note.clone(),
                    user_name: h.user_name.clone(),
                    agency_name: h.agency_name.clone(),
                    handed_over_at: h.handed_over_at,
                })
                .collect(),
        }
    }
}

/// A contact attempt to record.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ContactAttemptRequest {
    /// 日時 (Japan time): ISO (`2025-06-01T14:00`) or 和暦 (`R7.6.1 14:00`).
    pub attempted_at: String,
    /// visit, phone, letter, note_left, message, via_others
    pub method: String,
    /// The staff who went (user ids of the municipality's staff): one or two.
    pub staff: Vec<i64>,
    /// person, family, nobody
    pub met: String,
    /// met, not_met, refused, partial (nobody met is not_met, and only then)
    pub outcome: String,
    /// 置いてきたもの (手紙, 資料).
    pub left_behind: String,
    /// 様子・安否; required with `safety_concern`.
    pub observations: String,
    /// 安否の懸念あり.
    pub safety_concern: bool,
    /// 次回の予定日 (ISO or 和暦), not before the attempt.
    pub next_planned_on: String,
}

impl From<ContactAttemptRequest> for AttemptDraft {
    fn from(r: ContactAttemptRequest) -> Self {
        AttemptDraft {
            attempted_at: r.attempted_at,
            method: r.method,
            staff: r.staff,
            met: r.met,
            outcome: r.outcome,
            left: r.left_behind,
            observations: r.observations,
            safety_concern: r.safety_concern,
            next_planned_on: r.next_planned_on,
        }
    }
}

/// A move of the engagement stage.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct StageRequest {
    /// unreached, contacted, rapport, accepting_support, connected: the next stage, or an
    /// earlier one.
    pub to: String,
    /// Required to move back (関係が途切れた).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageInfo {
    pub id: i64,
    pub stage: Coded,
}

/// The case's planned contact interval.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct IntervalRequest {
    /// 1–365 days; absent or null: the municipality's.
    pub interval_days: Option<u32>,
}

/// An information note (情報収集).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct InformationNoteRequest {
    /// 日付 (ISO or 和暦), not in the future.
    pub noted_on: String,
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub source_kind: String,
    /// 情報源: who told it.
    pub source: String,
    pub body: String,
}

/// A 伴走支援 entry.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AccompanimentRequest {
    /// 日付 (ISO or 和暦), not in the future.
    pub occurred_on: String,
    /// clinic, city_office, gathering_place, visit, other
    pub kind: String,
    pub body: String,
}

/// The team's active outreach cases (the caller's agency leads or takes part; for the
/// coordinator, those 多機関協働 coordinates), most overdue first.
#[utoipa::path(get, path = "/api/v1/outreach", tag = "outreach",
    responses((status = 200, body = OutreachList)),
    security(("token" = []), ("session" = [])))]
pub async fn list(Work(state): Work, Api(ctx): Api) -> Result<Json<OutreachList>, ApiError> {
    let rows = team_cases(&state, &ctx).await?;
    Ok(Json(OutreachList {
        has_more: rows.more,
        limit: TEAM_LIMIT,
        cases: rows.items.iter().map(OutreachSummary::from).collect(),
    }))
}

/// Opens an outreach case (staff or coordinator who may create on the person, household or
/// the intake's person), at 未接触.
#[utoipa::path(post, path = "/api/v1/outreach", tag = "outreach",
    request_body = OpenInput,
    responses((status = 201, body = Created),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<OpenInput>,
) -> Result<Response, ApiError> {
    let id = open_outreach(&state, &ctx, &req).await?;
    Ok(created(Created { id }))
}

/// An outreach case; 404 without a basis (or when the case is not an outreach case).
#[utoipa::path(get, path = "/api/v1/outreach/{id}", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = OutreachInfo),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<OutreachInfo>, ApiError> {
    Ok(Json(OutreachInfo::from(
        load_outreach(&state, &ctx, id).await?,
    )))
}

/// Moves the engagement stage (the lead agency or 多機関協働): forward one step only after
/// an attempt that reached someone since the last move, back only with a reason; else 422.
#[utoipa::path(post, path = "/api/v1/outreach/{id}/stage", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    request_body = StageRequest,
    responses((status = 200, body = StageInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "moved by someone else first", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn stage(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<StageRequest>,
) -> Result<Json<StageInfo>, ApiError> {
    let to = move_stage(&state, &ctx, id, &req.to, &req.reason).await?;
    Ok(Json(StageInfo {
        id,
        stage: coded(to.code(), to.label()),
    }))
}

/// Sets the case's planned contact interval (the lead agency or 多機関協働).
#[utoipa::path(put, path = "/api/v1/outreach/{id}/interval", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    request_body = IntervalRequest,
    responses((status = 204, description = "set"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn interval(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<IntervalRequest>,
) -> Result<Response, ApiError> {
    set_interval(&state, &ctx, id, req.interval_days).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Records the hand-over (支援受入 or later) to a つなぎ of the person or to a case.
#[utoipa::path(post, path = "/api/v1/outreach/{id}/handover", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    request_body = HandoverInput,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn handover(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<HandoverInput>,
) -> Result<Response, ApiError> {
    let id = hand_over(&state, &ctx, id, &req).await?;
    Ok(created(Created { id }))
}

/// The case's contact attempts, newest first.
#[utoipa::path(get, path = "/api/v1/outreach/{id}/contact-attempts", tag = "contact-attempts",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<ContactAttemptInfo>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn attempts(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ContactAttemptInfo>>, ApiError> {
    let d = load_outreach(&state, &ctx, id).await?;
    Ok(Json(
        d.attempts.iter().map(ContactAttemptInfo::from).collect(),
    ))
}

/// Records a contact attempt (the case's full view).
#[utoipa::path(post, path = "/api/v1/outreach/{id}/contact-attempts", tag = "contact-attempts",
    params(("id" = i64, Path, description = "case id")),
    request_body = ContactAttemptRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn attempt_create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<ContactAttemptRequest>,
) -> Result<Response, ApiError> {
    let id = record_attempt(&state, &ctx, id, &req.into()).await?;
    Ok(created(Created { id }))
}

/// The case's information notes (情報収集), newest first: the outreach team only (the
/// case's lead, the agencies involved now, 多機関協働 while it coordinates); anyone else
/// 404, audited.
#[utoipa::path(get, path = "/api/v1/outreach/{id}/notes", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<InformationNoteInfo>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn note_list(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<InformationNoteInfo>>, ApiError> {
    let rows = notes(&state, &ctx, id).await?;
    Ok(Json(rows.iter().map(InformationNoteInfo::from).collect()))
}

/// Records an information note with its source (the outreach team, full view).
#[utoipa::path(post, path = "/api/v1/outreach/{id}/notes", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    request_body = InformationNoteRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn note_create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<InformationNoteRequest>,
) -> Result<Response, ApiError> {
    let draft = NoteDraft {
        noted_on: req.noted_on,
        source_kind: req.source_kind,
        source: req.source,
        body: req.body,
    };
    let id = record_note(&state, &ctx, id, &draft).await?;
    Ok(created(Created { id }))
}

/// Records a 伴走支援 entry (the case's full view); it shows on the timeline.
#[utoipa::path(post, path = "/api/v1/outreach/{id}/accompaniments", tag = "outreach",
    params(("id" = i64, Path, description = "case id")),
    request_body = AccompanimentRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn accompaniment_create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<AccompanimentRequest>,
) -> Result<Response, ApiError> {
    let draft = AccompanimentDraft {
        occurred_on: req.occurred_on,
        kind: req.kind,
        body: req.body,
    };
    let id = record_accompaniment(&state, &ctx, id, &draft).await?;
    Ok(created(Created { id }))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, detail, stage, interval, handover, attempts, attempt_create, note_list,
        note_create, accompaniment_create),
    components(schemas(Created, Coded, AlertInfo, OutreachSummary, OutreachList, OpenInput,
        AttemptStaffInfo, ContactAttemptInfo, StageEventInfo, InformationNoteInfo,
        AccompanimentInfo, HandoverInfo, OutreachInfo, ContactAttemptRequest, StageRequest,
        StageInfo, IntervalRequest, HandoverInput, InformationNoteRequest, AccompanimentRequest)),
    tags((name = "outreach", description = "アウトリーチ: 関係構築段階・情報収集・伴走支援・引継ぎ・接触のリズム"),
        (name = "contact-attempts", description = "接触記録(訪問・電話・手紙…と、誰に会えたか)"))
)]
pub struct Doc;
