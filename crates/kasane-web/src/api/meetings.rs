//! `/api/v1`: step 3 (多機関協働) — 支援会議 and 重層的支援会議: meetings, members and their
//! acknowledgement of confidentiality, the agenda of cases (a 重層的支援会議 only with a
//! consent covering it), minutes (visible only where the meeting's rule allows) and role
//! assignments. The use cases are `kasane_app::collaboration::meeting`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::collaboration::meeting::{
    AgendaLine, MeetingAgenda, PAGE_SIZE, acknowledge, add_case, add_member, assign_role,
    create_meeting, list_meetings, meeting_agenda, minutes_history, remove_case, save_minutes,
};
use kasane_domain::meeting::{MeetingDraft, MeetingKind, RoleDraft};
use kasane_store::meeting::{Meeting, RoleAssignment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, Created, created};
use crate::http::auth::{Api, Ctx};
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;
use crate::ui::collaboration::kind_name;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/members", post(member))
        .route(
            "/meetings/{id}/members/{agency_id}/acknowledge",
            post(acknowledge_member),
        )
        .route("/meetings/{id}/agenda", post(agenda_add))
        .route("/meetings/{id}/agenda/{item_id}", delete(agenda_remove))
        .route("/meetings/{id}/agenda/{item_id}/minutes", put(minutes))
        .route(
            "/meetings/{id}/agenda/{item_id}/minutes/versions",
            get(minutes_versions),
        )
        .route("/meetings/{id}/roles", post(role))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeetingListQuery {
    /// support_meeting or multilayer_meeting; empty = both.
    #[serde(default)]
    pub kind: String,
    /// 1-based.
    pub page: Option<i64>,
}

/// A meeting without its agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingSummary {
    pub id: i64,
    /// support_meeting (支援会議, 法106条の6) or multilayer_meeting (重層的支援会議)
    pub kind: String,
    /// The municipality's own name for the meeting kind.
    pub name: String,
    pub held_on: NaiveDate,
    pub host_agency_id: i64,
    pub host_agency_name: String,
    pub place: String,
    pub next_review_on: Option<NaiveDate>,
    pub note: String,
    /// The record's version: a correction (`PUT`) names it; an older one gets 409.
    pub version: i32,
}

fn summary(ctx: &Ctx, m: &Meeting) -> MeetingSummary {
    MeetingSummary {
        id: m.id,
        kind: m.kind.code().to_string(),
        name: kind_name(ctx, m.kind).to_string(),
        held_on: m.held_on,
        host_agency_id: m.host_agency_id,
        host_agency_name: m.host_agency_name.clone(),
        place: m.place.clone(),
        next_review_on: m.next_review_on,
        note: m.note.clone(),
        version: m.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingPage {
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub meetings: Vec<MeetingSummary>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MeetingRequest {
    /// support_meeting or multilayer_meeting
    #[serde(default)]
    pub kind: String,
    /// ISO or 和暦 (R8.6.10).
    #[serde(default)]
    pub held_on: String,
    /// Defaults to the host the municipality configures for the kind.
    pub host_agency_id: Option<i64>,
    #[serde(default)]
    pub place: String,
    /// ISO or 和暦; empty = not set.
    #[serde(default)]
    pub next_review_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberInfo {
    pub agency_id: i64,
    pub agency_name: String,
    pub attendee_name: String,
    /// When the member acknowledged confidentiality (守秘義務); absent = not yet.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleInfo {
    pub id: i64,
    pub case_id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub staff_name: String,
    pub task: String,
    pub due_on: Option<NaiveDate>,
    /// The role's version: a correction (`PUT …/roles/{role_id}`) names it; an older one
    /// gets 409.
    pub version: i32,
}

impl From<RoleAssignment> for RoleInfo {
    fn from(r: RoleAssignment) -> Self {
        RoleInfo {
            id: r.id,
            case_id: r.case_id,
            agency_id: r.agency_id,
            agency_name: r.agency_name,
            staff_name: r.staff_name,
            task: r.task,
            due_on: r.due_on,
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesInfo {
    pub discussion: String,
    pub decisions: String,
    pub recorded_at: Option<DateTime<Utc>>,
    /// The minutes' version (0: none yet): send it back with the next save.
    pub version: i32,
    pub roles: Vec<RoleInfo>,
}

/// One case on the agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaInfo {
    pub id: i64,
    pub case_id: i64,
    /// The case's name, only when the caller may read the case.
    pub subject_name: Option<String>,
    pub added_at: DateTime<Utc>,
    /// Taken off the agenda (a 支援会議's basis for it ended then).
    pub removed_at: Option<DateTime<Utc>>,
    /// Only where the meeting's rule allows (支援会議: acknowledged members and the host)
    /// and the caller may read the case.
    pub minutes: Option<MinutesInfo>,
    /// A 支援会議 case with a consent covering the 重層的支援会議: it may move there.
    pub offer_move_to_multilayer: bool,
}

impl From<AgendaLine> for AgendaInfo {
    fn from(l: AgendaLine) -> Self {
        let minutes = l.minutes_visible.then(|| MinutesInfo {
            discussion: l.item.discussion.clone(),
            decisions: l.item.decisions.clone(),
            recorded_at: l.item.minutes_at,
            version: l.item.minutes_version,
            roles: l.roles.into_iter().map(RoleInfo::from).collect(),
        });
        AgendaInfo {
            id: l.item.id,
            case_id: l.item.case_id,
            subject_name: l.subject,
            added_at: l.item.added_at,
            removed_at: l.item.removed_at,
            minutes,
            offer_move_to_multilayer: l.offer_move,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingSummary,
    pub note: String,
    /// The caller may manage the meeting (host agency staff or the coordinating agency's
    /// coordinator).
    pub manager: bool,
    pub members: Vec<MemberInfo>,
    pub agenda: Vec<AgendaInfo>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberRequest {
    pub agency_id: Option<i64>,
    #[serde(default)]
    pub attendee_name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgendaRequest {
    pub case_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MinutesRequest {
    /// The version the minutes were read at (`minutes.version`; 0 when none yet). A save
    /// from an older version is refused with 409 and overwrites nothing.
    pub version: i32,
    /// 協議の内容
    #[serde(default)]
    pub discussion: String,
    /// 決定事項
    #[serde(default)]
    pub decisions: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// A case on the meeting's agenda.
    pub case_id: Option<i64>,
    pub agency_id: Option<i64>,
    /// 担当者 (free text).
    #[serde(default)]
    pub staff_name: String,
    /// 役割
    #[serde(default)]
    pub task: String,
    /// ISO or 和暦; empty = no due date.
    #[serde(default)]
    pub due_on: String,
}

/// The meetings the caller may see (host, member; all for the coordinating agency's
/// coordinator), newest first.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings",
    params(MeetingListQuery),
    responses((status = 200, body = MeetingPage),
        (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<MeetingListQuery>,
) -> Result<Json<MeetingPage>, ApiError> {
    let page = kasane_app::page_number(q.page)?;
    let kind = q.kind.parse::<MeetingKind>().ok();
    let (rows, total) = list_meetings(&state, &ctx, kind, page).await?;
    Ok(Json(MeetingPage {
        total,
        page,
        page_size: PAGE_SIZE,
        meetings: rows.iter().map(|m| summary(&ctx, m)).collect(),
    }))
}

/// Registers a meeting (host agency staff or the coordinating agency's coordinator).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings",
    request_body = MeetingRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<MeetingRequest>,
) -> Result<Response, ApiError> {
    let id = create_meeting(&state, &ctx, req.into()).await?;
    Ok(created(Created { id }))
}

/// A meeting with its members and agenda; names only of cases the caller may read,
/// minutes only where allowed.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id")),
    responses((status = 200, body = MeetingDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let MeetingAgenda { meeting: m, lines } = meeting_agenda(&state, &ctx, id).await?;
    Ok(Json(MeetingDetail {
        meeting: summary(&ctx, &m.meeting),
        note: m.meeting.note.clone(),
        manager: m.manages(),
        members: m
            .members
            .iter()
            .map(|x| MemberInfo {
                agency_id: x.agency_id,
                agency_name: x.agency_name.clone(),
                attendee_name: x.attendee_name.clone(),
                acknowledged_at: x.acknowledged_at,
            })
            .collect(),
        agenda: lines.into_iter().map(AgendaInfo::from).collect(),
    }))
}

/// Registers a member agency.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/members", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id")),
    request_body = MemberRequest,
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn member(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<MemberRequest>,
) -> Result<Response, ApiError> {
    add_member(&state, &ctx, id, req.agency_id, &req.attendee_name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Records a member agency's acknowledgement of confidentiality (守秘義務の確認): by a
/// user of that agency or a manager. Only then does a 支援会議 membership grant access.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/members/{agency_id}/acknowledge", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id"), ("agency_id" = i64, Path, description = "member agency")),
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn acknowledge_member(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, agency_id)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    acknowledge(&state, &ctx, id, agency_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Puts a case on the agenda: whoever runs the meeting, any case they read; a member
/// agency, a case it is involved in (403 for one it only reads, and for a 支援会議 before
/// it acknowledges confidentiality). A 重層的支援会議 refuses a case without a consent in
/// force covering the meeting (422).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/agenda", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id")),
    request_body = AgendaRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agenda_add(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<AgendaRequest>,
) -> Result<Response, ApiError> {
    let item = add_case(&state, &ctx, id, req.case_id).await?;
    Ok(created(Created { id: item }))
}

/// Takes a case off the agenda: a 支援会議's basis for it ends at once.
#[utoipa::path(delete, path = "/api/v1/meetings/{id}/agenda/{item_id}", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id"), ("item_id" = i64, Path, description = "agenda item")),
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn agenda_remove(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, item_id)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    remove_case(&state, &ctx, id, item_id, "remove").await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The saved minutes' new version.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesSaved {
    pub version: i32,
}

/// Records the minutes (会議録) of one agenda case as a new version (every version stays:
/// `GET …/minutes/versions`).
#[utoipa::path(put, path = "/api/v1/meetings/{id}/agenda/{item_id}/minutes", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id"), ("item_id" = i64, Path, description = "agenda item")),
    request_body = MinutesRequest,
    responses((status = 200, body = MinutesSaved),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "saved from an older version: nothing was overwritten", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn minutes(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, item_id)): Path<(i64, i64)>,
    Body(req): Body<MinutesRequest>,
) -> Result<Json<MinutesSaved>, ApiError> {
    let version = save_minutes(
        &state,
        &ctx,
        id,
        item_id,
        req.version,
        &req.discussion,
        &req.decisions,
    )
    .await?;
    Ok(Json(MinutesSaved { version }))
}

/// One saved version of the minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesVersionInfo {
    pub version: i32,
    pub discussion: String,
    pub decisions: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// Every saved version of an agenda case's minutes, newest first (for those who may read
/// the minutes).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/agenda/{item_id}/minutes/versions", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id"), ("item_id" = i64, Path, description = "agenda item")),
    responses((status = 200, body = Vec<MinutesVersionInfo>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn minutes_versions(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, item_id)): Path<(i64, i64)>,
) -> Result<Json<Vec<MinutesVersionInfo>>, ApiError> {
    let history = minutes_history(&state, &ctx, id, item_id).await?;
    Ok(Json(
        history
            .versions
            .into_iter()
            .map(|v| MinutesVersionInfo {
                version: v.version,
                discussion: v.discussion,
                decisions: v.decisions,
                recorded_by_name: v.recorded_by_name,
                recorded_at: v.recorded_at,
            })
            .collect(),
    ))
}

/// Records a role assignment (役割分担) for a case on the agenda.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/roles", tag = "meetings",
    params(("id" = i64, Path, description = "meeting id")),
    request_body = RoleRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn role(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<RoleRequest>,
) -> Result<Response, ApiError> {
    let case_id = req.case_id;
    let rid = assign_role(&state, &ctx, id, case_id, &req.into()).await?;
    Ok(created(Created { id: rid }))
}

impl From<MeetingRequest> for MeetingDraft {
    fn from(req: MeetingRequest) -> Self {
        MeetingDraft {
            kind: req.kind,
            held_on: req.held_on,
            host_agency_id: req.host_agency_id,
            place: req.place,
            next_review_on: req.next_review_on,
            note: req.note,
        }
    }
}

/// The role itself; the case it is for (`case_id`) is the use case's argument.
impl From<RoleRequest> for RoleDraft {
    fn from(req: RoleRequest) -> Self {
        RoleDraft {
            agency_id: req.agency_id,
            staff_name: req.staff_name,
            task: req.task,
            due_on: req.due_on,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, detail, member, acknowledge_member, agenda_add, agenda_remove, minutes,
        minutes_versions, role),
    components(schemas(MeetingSummary, MeetingPage, MeetingRequest, MeetingDetail, MemberInfo,
        AgendaInfo, MinutesInfo, RoleInfo, MemberRequest, AgendaRequest, MinutesRequest,
        MinutesSaved, MinutesVersionInfo, RoleRequest)),
    tags((name = "meetings", description = "支援会議(法106条の6)と重層的支援会議: 構成員・守秘義務の確認・議題・会議録・役割分担"))
)]
pub struct Doc;
