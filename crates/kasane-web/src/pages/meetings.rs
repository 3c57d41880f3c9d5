//! Pages: step 3 (多機関協働) — the two meetings with different law.
//!
//! - 支援会議 (法106条の6): registered members bound by confidentiality; a case on its
//!   agenda is readable by members that acknowledged it, without consent, while it is on
//!   the agenda (the access rule's `support_meeting` basis, read by `Store::case_facts`).
//!   Closed: its minutes are for acknowledged members and the host.
//! - 重層的支援会議: a case goes on the agenda only with a consent in force that covers the
//!   meeting; it approves plans and allocates roles.
//!
//! A meeting is managed (created, members, agenda, minutes, roles, plan approval) by staff
//! of its host agency or by a coordinator of the coordinating agency (多機関協働事業者);
//! it is seen by those and by its member agencies — by nobody else (404). The service
//! functions here are shared by the pages and `api::meetings`.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, TimeDelta};
use kasane_app::guard::Grant;
use kasane_domain::access::{Action, agency_may_read, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::identity::AgencyId;
use kasane_domain::meeting::{
    MeetingDraft, MeetingKind, RoleDraft, check_agenda, check_minutes, offer_move_to_multilayer,
    validate_meeting, validate_role,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::case::Case;
use kasane_store::meeting::{AgendaItem, Meeting, RoleAssignment};
use kasane_store::municipality::Agency;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::cases::record_holding;
use crate::ui::fmt::jst;
use crate::ui::layout::{empty, page};
use kasane_app::guard::{
    Object, case_access, case_access_with_facts, listed_case, may_read, meeting_access,
    meeting_to_create, record,
};

pub const PAGE_SIZE: i64 = 30;
/// 重層的支援会議 to move a case to are read in one bounded list: meetings are few (a few
/// a month).
const LIST_MAX: i64 = 10_000;
/// How far back a 重層的支援会議 still counts as "recent" when moving a case to it.
const RECENT_DAYS: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list_page))
        .route("/meetings/new", get(new_page).post(create))
        .route("/meetings/{id}", get(meeting_page))
        .route("/meetings/{id}/print", get(print_page))
        .route("/meetings/{id}/members", post(member_post))
        .route(
            "/meetings/{id}/members/{agency_id}/acknowledge",
            post(acknowledge_post),
        )
        .route("/meetings/{id}/agenda", post(agenda_post))
        .route("/meetings/{id}/agenda/{item}/remove", post(remove_post))
        .route("/meetings/{id}/agenda/{item}/minutes", post(minutes_post))
        .route("/meetings/{id}/roles", post(role_post))
        .route(
            "/cases/{id}/move-to-multilayer",
            get(move_page).post(move_post),
        )
}

/// The municipality's own name for a meeting kind (the UI shows local names).
pub fn kind_name(ctx: &Ctx, kind: MeetingKind) -> &str {
    let local = match kind {
        MeetingKind::Support => ctx.municipality.support_meeting_name.as_str(),
        MeetingKind::Multilayer => ctx.municipality.multilayer_meeting_name.as_str(),
    };
    if local.trim().is_empty() {
        kind.label()
    } else {
        local
    }
}

/// 「「つながる・ささえる」ネットワーク会議(支援会議(法106条の6))」.
pub fn kind_title(ctx: &Ctx, kind: MeetingKind) -> String {
    let local = kind_name(ctx, kind);
    if local == kind.label() {
        local.to_string()
    } else {
        format!("{local}({})", kind.label())
    }
}

/// A date in 和暦, or nothing.
pub fn wareki_opt(d: Option<NaiveDate>) -> String {
    d.map(format_wareki).unwrap_or_default()
}

/// Field errors as the 422 every form and the API answer.
pub fn invalid<E: ToString>(errors: &[E]) -> AppError {
    AppError::Validation(errors.iter().map(ToString::to_string).collect())
}

/// A store error meaning someone already did it (the conditional update found nothing to
/// change, or the store refused a duplicate): 409 with the store's message, or `msg`.
pub fn already(msg: &'static str) -> impl Fn(kasane_store::StoreError) -> AppError {
    move |e| match e {
        kasane_store::StoreError::NotFound => AppError::Conflict(msg.into()),
        kasane_store::StoreError::Invalid(m) => AppError::Conflict(m),
        e => e.into(),
    }
}

const NO_PERSON_ROLE: &str =
    "会議の記録は相談員または相談支援包括化推進員の役割を持つ職員のみ扱えます";

/// A meeting as the caller may see it: decided by the access rule (`Subject::Meeting`).
pub type MeetingView = kasane_app::guard::MeetingAccess;

/// Loads meeting `id` for the caller: its host, its member agencies and the coordinating
/// agency's coordinator see it; anyone else (and another municipality) gets 404, audited.
pub async fn load_meeting(state: &AppState, ctx: &Ctx, id: i64) -> Result<MeetingView, AppError> {
    Ok(meeting_access(state, ctx, Action::Read, id).await?)
}

/// Loads a meeting the caller manages: 404 if they cannot see it, 403 if they only attend.
pub async fn managed_meeting(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<MeetingView, AppError> {
    Ok(meeting_access(state, ctx, Action::Update, id).await?)
}

/// Whether the caller may read a case, not audited (for the monitoring worklist, which
/// leaves out what the caller may not read); lines that show a case use
/// `guard::listed_case`, which audits the grant.
pub async fn peek_case(state: &AppState, ctx: &Ctx, case: &Case) -> Result<bool, AppError> {
    Ok(may_read(state, ctx, &state.store.case_facts(case).await?))
}

/// Audits an action on a meeting or plan record the caller was granted (a type and an
/// id, never the content).
pub async fn audit_record(
    state: &AppState,
    ctx: &Ctx,
    action: AuditAction,
    kind: &str,
    id: i64,
    grant: &Grant,
    reason: &str,
) -> Result<(), AppError> {
    let oid = id.to_string();
    Ok(record(state, ctx, grant, action, Object { kind, id: &oid }, reason).await?)
}

/// The meetings the caller may see (host, member, or all for the coordinating agency's
/// coordinator), newest first, optionally of one kind; and the total.
pub async fn list_meetings(
    state: &AppState,
    ctx: &Ctx,
    kind: Option<MeetingKind>,
    page_no: i64,
) -> Result<(Vec<Meeting>, i64), AppError> {
    if !may_see_person_data(&ctx.actor) {
        return Err(AppError::Forbidden(NO_PERSON_ROLE.into()));
    }
    let all = ctx.coordinates();
    let offset = (page_no.max(1) - 1) * PAGE_SIZE;
    Ok(state
        .store
        .list_meetings(
            ctx.municipality.id,
            ctx.agency.id,
            all,
            kind.map(MeetingKind::code),
            (PAGE_SIZE, offset),
        )
        .await?)
}

/// Whether the municipality's configuration makes `agency` the host of meetings of `kind`.
fn hosts(agency: &Agency, kind: MeetingKind) -> bool {
    match kind {
        MeetingKind::Support => agency.hosts_support_meeting,
        MeetingKind::Multilayer => agency.hosts_multilayer_meeting,
    }
}

/// The agency hosting meetings of `kind` by the municipality's configuration.
pub async fn default_host(
    state: &AppState,
    ctx: &Ctx,
    kind: MeetingKind,
) -> Result<Option<AgencyId>, AppError> {
    let agencies = state.store.agencies(ctx.municipality.id).await?;
    Ok(agencies.iter().find(|a| hosts(a, kind)).map(|a| a.id))
}

/// Creates a meeting: validated by the domain; the host defaults to the configured one;
/// the caller must be able to manage it (host agency staff or the coordinator).
pub async fn create_meeting(
    state: &AppState,
    ctx: &Ctx,
    mut draft: MeetingDraft,
) -> Result<i64, AppError> {
    if !may_see_person_data(&ctx.actor) {
        return Err(AppError::Forbidden(NO_PERSON_ROLE.into()));
    }
    if draft.host_agency_id.is_none()
        && let Ok(kind) = draft.kind.parse::<MeetingKind>()
    {
        draft.host_agency_id = default_host(state, ctx, kind).await?;
    }
    let valid = validate_meeting(&draft).map_err(|e| invalid(&e))?;
    // The host must be this municipality's agency.
    state
        .store
        .agency(ctx.municipality.id, valid.host_agency_id)
        .await
        .map_err(|_| invalid(&["主催機関: この自治体にない機関です"]))?;
    let grant = meeting_to_create(state, ctx, valid.kind, valid.host_agency_id).await?;
    let id = state
        .store
        .create_meeting(ctx.municipality.id, &valid, ctx.user.id)
        .await?;
    // The host takes part in its own meeting: registered as a member, it still has to
    // acknowledge confidentiality before a 支援会議's agenda cases open to it.
    state
        .store
        .add_meeting_member(ctx.municipality.id, id, valid.host_agency_id, "")
        .await?;
    audit_record(
        state,
        ctx,
        AuditAction::Create,
        "meeting",
        id,
        &grant,
        valid.kind.code(),
    )
    .await?;
    Ok(id)
}

/// Registers a member agency (and who attends for it).
pub async fn add_member(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    agency_id: Option<AgencyId>,
    attendee_name: &str,
) -> Result<(), AppError> {
    let m = managed_meeting(state, ctx, id).await?;
    let agency_id = agency_id.ok_or_else(|| invalid(&["構成機関を選んでください"]))?;
    state
        .store
        .agency(ctx.municipality.id, agency_id)
        .await
        .map_err(|_| invalid(&["この自治体にない機関です"]))?;
    let attendee = attendee_name.trim();
    if attendee.chars().count() > kasane_domain::meeting::SHORT_MAX_CHARS {
        return Err(invalid(&["出席者は200文字以内で入力してください"]));
    }
    state
        .store
        .add_meeting_member(ctx.municipality.id, m.meeting.id, agency_id, attendee)
        .await
        .map_err(already(""))?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "meeting",
        id,
        &m.grant,
        &format!("add_member:{agency_id}"),
    )
    .await
}

/// Records a member agency's acknowledgement of confidentiality (守秘義務の確認): by a
/// user of that agency, or by a manager on its behalf. Only then does membership of a
/// 支援会議 grant access to its agenda cases.
pub async fn acknowledge(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    agency_id: AgencyId,
) -> Result<(), AppError> {
    let m = load_meeting(state, ctx, id).await?;
    let member = m
        .members
        .iter()
        .find(|x| x.agency_id == agency_id)
        .ok_or(AppError::NotFound)?;
    if !m.manages() && ctx.agency.id != agency_id {
        return Err(AppError::Forbidden(
            "守秘義務の確認は、その構成機関の職員または会議の運営者が記録します".into(),
        ));
    }
    if member.acknowledged_at.is_some() {
        return Err(AppError::Conflict(
            "この機関の守秘義務の確認はすでに記録されています".into(),
        ));
    }
    state
        .store
        .acknowledge_member(id, agency_id, ctx.user.id)
        .await
        .map_err(already("この機関の守秘義務の確認はすでに記録されています"))?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "meeting",
        id,
        &m.grant,
        &format!("acknowledge:{agency_id}"),
    )
    .await
}

/// The current (not removed) agenda item of `case_id`, if any.
fn current_item(agenda: &[AgendaItem], case_id: i64) -> Option<&AgendaItem> {
    agenda
        .iter()
        .find(|a| a.case_id == case_id && a.removed_at.is_none())
}

/// Puts a case on a meeting's agenda. The caller manages the meeting and can read the
/// case; the domain decides whether the case may go on (a 重層的支援会議 needs a consent
/// in force covering the meeting: 422 with its message).
pub async fn add_case(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    case_id: Option<i64>,
) -> Result<i64, AppError> {
    let m = managed_meeting(state, ctx, id).await?;
    let case_id = case_id.ok_or_else(|| invalid(&["議題にするケースを選んでください"]))?;
    let (case, grant, facts) = case_access_with_facts(state, ctx, Action::Read, case_id).await?;
    let agenda = state.store.agenda(id).await?;
    check_agenda(
        m.kind,
        facts.has_meeting_consent(ctx.today),
        case.status == "closed",
        current_item(&agenda, case.id).is_some(),
    )
    .map_err(|e| AppError::Validation(vec![e.to_string()]))?;
    let item = state
        .store
        .add_to_agenda(ctx.municipality.id, id, case.id, ctx.user.id)
        .await?;
    audit_record(
        state,
        ctx,
        AuditAction::Create,
        "meeting_agenda",
        item,
        &grant,
        &format!("meeting:{id} case:{}", case.id),
    )
    .await?;
    Ok(item)
}

/// Takes an item off the agenda: a 支援会議's basis for it ends at once.
pub async fn remove_case(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    item_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let m = managed_meeting(state, ctx, id).await?;
    let item = state
        .store
        .agenda_item(item_id)
        .await?
        .filter(|i| i.meeting_id == id)
        .ok_or(AppError::NotFound)?;
    if item.removed_at.is_some() {
        return Err(AppError::Conflict(
            "このケースはすでに議題から外されています".into(),
        ));
    }
    state
        .store
        .remove_from_agenda(item.id, ctx.user.id)
        .await
        .map_err(already("このケースはすでに議題から外されています"))?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "meeting_agenda",
        item.id,
        &m.grant,
        reason,
    )
    .await
}

/// An agenda item of meeting `id` whose case the caller (a manager) can read: for
/// writing minutes and roles, which are personal data.
async fn writable_item(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    item_id: i64,
) -> Result<(AgendaItem, Grant), AppError> {
    managed_meeting(state, ctx, id).await?;
    let item = state
        .store
        .agenda_item(item_id)
        .await?
        .filter(|i| i.meeting_id == id)
        .ok_or(AppError::NotFound)?;
    let (_, grant) = case_access(state, ctx, Action::Read, item.case_id).await?;
    Ok((item, grant))
}

/// Records the minutes (会議録) of one agenda case.
pub async fn save_minutes(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    item_id: i64,
    discussion: &str,
    decisions: &str,
) -> Result<(), AppError> {
    let (item, grant) = writable_item(state, ctx, id, item_id).await?;
    check_minutes(discussion, decisions).map_err(|e| invalid(&e))?;
    state
        .store
        .record_minutes(item.id, discussion.trim(), decisions.trim(), ctx.user.id)
        .await?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "meeting_agenda",
        item.id,
        &grant,
        "minutes",
    )
    .await
}

/// Records a role assignment (役割分担) for a case on the meeting's agenda.
pub async fn assign_role(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    case_id: Option<i64>,
    draft: &RoleDraft,
) -> Result<i64, AppError> {
    let m = managed_meeting(state, ctx, id).await?;
    let case_id = case_id.ok_or_else(|| invalid(&["ケースを選んでください"]))?;
    let agenda = state.store.agenda(id).await?;
    let item = agenda
        .iter()
        .find(|a| a.case_id == case_id)
        .ok_or_else(|| invalid(&["このケースはこの会議の議題ではありません"]))?;
    // As for the minutes (`writable_item`): the manager must be able to read the case.
    let (_, grant) = case_access(state, ctx, Action::Read, item.case_id).await?;
    let agencies: Vec<AgencyId> = state
        .store
        .agencies(ctx.municipality.id)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();
    let valid = validate_role(draft, &agencies).map_err(|e| invalid(&e))?;
    let rid = state
        .store
        .add_role_assignment(
            ctx.municipality.id,
            m.meeting.id,
            case_id,
            &valid,
            ctx.user.id,
        )
        .await?;
    audit_record(
        state,
        ctx,
        AuditAction::Create,
        "role_assignment",
        rid,
        &grant,
        "",
    )
    .await?;
    Ok(rid)
}

/// One agenda line as the caller may see it.
#[derive(Debug, Clone)]
pub struct AgendaLine {
    pub item: AgendaItem,
    /// The case's name when the caller may read the case; None = 「閲覧できないケース」.
    pub subject: Option<String>,
    /// The minutes and roles, when the meeting's rule and the case's access allow.
    pub minutes_visible: bool,
    pub roles: Vec<RoleAssignment>,
    /// A 支援会議 case whose consent now covers the 重層的支援会議.
    pub offer_move: bool,
    /// At a 重層的支援会議: member agencies no consent in force names — nothing of this case
    /// may be shared with them (kasane shows them 「閲覧できないケース」).
    pub outside_consent: Vec<String>,
    /// Role agencies that cannot read the case yet (no basis): they cannot act on it.
    pub roles_without_access: Vec<AgencyId>,
}

/// The agenda as the caller may see it: names only of cases they may read (audited with
/// the basis), minutes only per the meeting's rule and only of readable cases.
pub async fn agenda_lines(
    state: &AppState,
    ctx: &Ctx,
    m: &MeetingView,
) -> Result<Vec<AgendaLine>, AppError> {
    let today = ctx.today;
    let minutes_rule = m.minutes_readable(state, ctx);
    let mut lines = Vec::new();
    for item in state.store.agenda(m.meeting.id).await? {
        let Some(case) = state.store.case_any(item.case_id).await? else {
            continue;
        };
        // A case the caller may not read keeps its line, as 「閲覧できないケース」.
        let Some((_, facts)) = listed_case(state, ctx, &case).await? else {
            lines.push(AgendaLine {
                item,
                subject: None,
                minutes_visible: false,
                roles: Vec::new(),
                offer_move: false,
                outside_consent: Vec::new(),
                roles_without_access: Vec::new(),
            });
            continue;
        };
        let current = item.removed_at.is_none();
        let roles = if minutes_rule {
            state
                .store
                .role_assignments(case.id, Some(m.meeting.id))
                .await?
        } else {
            Vec::new()
        };
        let offer_move = m.kind == MeetingKind::Support
            && offer_move_to_multilayer(current, facts.has_meeting_consent(today));
        let outside_consent = if m.kind == MeetingKind::Multilayer && current {
            m.members
                .iter()
                .filter(|member| {
                    !facts
                        .consents
                        .iter()
                        .any(|c| c.covers_agency(member.agency_id, today))
                })
                .map(|member| member.agency_name.clone())
                .collect()
        } else {
            Vec::new()
        };
        let roles_without_access = roles
            .iter()
            .map(|r| r.agency_id)
            .filter(|a| !agency_may_read(*a, &facts, today))
            .collect();
        lines.push(AgendaLine {
            roles_without_access,
            subject: Some(item.subject_name.clone()),
            item,
            minutes_visible: minutes_rule,
            roles,
            offer_move,
            outside_consent,
        });
    }
    Ok(lines)
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub kind: String,
    pub page: Option<i64>,
}

fn parse_kind(raw: &str) -> Option<MeetingKind> {
    raw.parse().ok()
}

async fn list_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let kind = parse_kind(&q.kind);
    let page_no = q.page.unwrap_or(1).max(1);
    let (meetings, total) = list_meetings(&state, &ctx, kind, page_no).await?;
    // Registering is offered to the configured host's staff and the coordinator (others
    // could still host a meeting of their own: the form itself decides).
    let coordinator = ctx.coordinates();
    let may_register = |k: MeetingKind| coordinator || hosts(&ctx.agency, k);
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let link = |p: i64| format!("/meetings?kind={}&page={p}", q.kind);
    let body = html! {
        p.actions.noprint {
            @for k in MeetingKind::ALL.into_iter().filter(|k| may_register(*k)) {
                a.button href={ "/meetings/new?kind=" (k.code()) } { (kind_name(&ctx, k)) "を登録" } " "
            }
        }
        form.filters method="get" action="/meetings" {
            label { "会議の種類"
                select name="kind" {
                    option value="" { "すべて" }
                    @for k in MeetingKind::ALL {
                        option value=(k.code()) selected[kind == Some(k)] { (kind_title(&ctx, k)) }
                    }
                }
            }
            button type="submit" { "絞り込む" }
        }
        p { (total) "件" @if pages > 1 { "(" (page_no) " / " (pages) "ページ)" } }
        @if meetings.is_empty() {
            (empty("表示できる会議はありません。主催機関・構成機関の会議がここに表示されます。"))
        } @else {
            table.meetings {
                thead { tr { th { "開催日" } th { "会議" } th { "主催" } th { "場所" } th { "次回の見直し" } } }
                tbody {
                    @for m in &meetings {
                        tr {
                            td { a href={ "/meetings/" (m.id) } { (format_wareki(m.held_on)) } }
                            td { (m.kind.parse::<MeetingKind>().map_or(m.kind.as_str(), |k| kind_name(&ctx, k))) }
                            td { (m.host_agency_name) }
                            td { (m.place) }
                            td { (wareki_opt(m.next_review_on)) }
                        }
                    }
                }
            }
        }
        nav.pager aria-label="ページ" {
            @if page_no > 1 { a href=(link(page_no - 1)) { "前へ" } }
            @if page_no < pages { a href=(link(page_no + 1)) { "次へ" } }
        }
    };
    Ok(page(&ctx, "会議", "/collaboration", body))
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

fn meeting_form(ctx: &Ctx, agencies: &[Agency], d: &MeetingDraft, errors: &[String]) -> Markup {
    html! {
        @if !errors.is_empty() {
            ul.errors role="alert" { @for e in errors { li { (e) } } }
        }
        form method="post" action="/meetings/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            div.grid {
                label { "会議の種類"
                    select name="kind" required {
                        @for k in MeetingKind::ALL {
                            option value=(k.code()) selected[d.kind == k.code()] { (kind_title(ctx, k)) }
                        }
                    }
                }
                label { "開催日" input type="text" name="held_on" value=(d.held_on) required placeholder="R8.6.10 または 2026-06-10"; }
                label { "主催機関"
                    select name="host_agency_id" {
                        option value="" {
                            "設定どおり("
                            @for k in MeetingKind::ALL {
                                @if let Some(a) = agencies.iter().find(|a| hosts(a, k)) { (kind_name(ctx, k)) ": " (a.name) " " }
                            }
                            ")"
                        }
                        @for a in agencies {
                            option value=(a.id) selected[d.host_agency_id == Some(a.id)] { (a.name) }
                        }
                    }
                }
                label { "開催場所" input type="text" name="place" value=(d.place); }
                label { "次回の見直し日" input type="text" name="next_review_on" value=(d.next_review_on) placeholder="任意"; }
            }
            label.block { "備考" textarea name="note" rows="3" { (d.note) } }
            p.note { "支援会議(法106条の6)は非公開です。構成員は守秘義務を確認したうえで、議題のケースの情報を本人同意なしに共有できます。重層的支援会議で話し合うには、会議での共有を含む本人同意が必要です。" }
            button type="submit" { "会議を登録する" }
        }
    }
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<NewQuery>,
) -> Result<Markup, PageError> {
    if !may_see_person_data(&ctx.actor) {
        return Err(AppError::Forbidden(NO_PERSON_ROLE.into()).into());
    }
    let kind = parse_kind(&q.kind).unwrap_or(MeetingKind::Support);
    let draft = MeetingDraft {
        kind: kind.code().to_string(),
        held_on: format_wareki(ctx.today),
        ..MeetingDraft::default()
    };
    let agencies = state.store.agencies(ctx.municipality.id).await?;
    Ok(page(
        &ctx,
        "会議を登録",
        "/collaboration",
        meeting_form(&ctx, &agencies, &draft, &[]),
    ))
}

#[derive(Debug, Deserialize)]
struct MeetingFormData {
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    host_agency_id: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    next_review_on: String,
    #[serde(default)]
    note: String,
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Form(f): Form<MeetingFormData>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let draft = MeetingDraft {
        kind: f.kind,
        held_on: f.held_on,
        host_agency_id: f.host_agency_id.trim().parse().ok(),
        place: f.place,
        next_review_on: f.next_review_on,
        note: f.note,
    };
    match create_meeting(&state, &ctx, draft.clone()).await {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/{id}")).into_response()),
        Err(AppError::Validation(errors)) => {
            let agencies = state.store.agencies(ctx.municipality.id).await?;
            Ok(page(
                &ctx,
                "会議を登録",
                "/collaboration",
                meeting_form(&ctx, &agencies, &draft, &errors),
            )
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn header_facts(ctx: &Ctx, m: &MeetingView) -> Markup {
    let mt = &m.meeting;
    html! {
        dl.facts {
            dt { "会議" } dd { (kind_title(ctx, m.kind)) }
            dt { "開催日" } dd { (format_wareki(mt.held_on)) }
            dt { "主催" } dd { (mt.host_agency_name) }
            @if !mt.place.is_empty() { dt { "開催場所" } dd { (mt.place) } }
            dt { "次回の見直し日" } dd { @if let Some(d) = mt.next_review_on { (format_wareki(d)) } @else { "未定" } }
            @if !mt.note.is_empty() { dt { "備考" } dd.pre { (mt.note) } }
            @if m.kind == MeetingKind::Support {
                dt { "公開" } dd { "非公開(会議録は守秘義務を確認した構成員と主催機関のみ)" }
            }
        }
    }
}

fn members_table(ctx: &Ctx, m: &MeetingView, forms: bool) -> Markup {
    html! {
        @if m.members.is_empty() {
            (empty("構成員はまだ登録されていません。"))
        } @else {
            table.members {
                // Only a 支援会議's members are bound by law (法106条の6) and gain access by it;
                // at a 重層的支援会議 the consent is the basis and the acknowledgement optional.
                thead { tr { th { "構成機関" } th { "出席者" } th {
                    "守秘義務の確認" @if m.kind == MeetingKind::Multilayer { "(任意)" }
                } } }
                tbody {
                    @for x in &m.members {
                        tr {
                            td { (x.agency_name) }
                            td { (x.attendee_name) }
                            td {
                                @match x.acknowledged_at {
                                    Some(at) => { "確認済(" (jst(at)) ")" },
                                    None => {
                                        @if m.kind == MeetingKind::Support { span.badge.warn { "未確認" } }
                                        @else { span.badge { "未確認" } }
                                        @if forms && (m.manages() || ctx.agency.id == x.agency_id) {
                                            " "
                                            form.inline.noprint method="post" action={ "/meetings/" (m.meeting.id) "/members/" (x.agency_id) "/acknowledge" } {
                                                input type="hidden" name="csrf" value=(ctx.csrf_token());
                                                button type="submit" { "守秘義務を確認しました" }
                                            }
                                        }
                                    },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The roles of a case; an agency that cannot read the case yet is marked, so the host
/// adds it as an involved agency (or obtains the consent) before it is expected to act.
fn roles_table(roles: &[RoleAssignment], without_access: &[AgencyId]) -> Markup {
    html! {
        @if !roles.is_empty() {
            table.roles {
                thead { tr { th { "担当機関" } th { "担当者" } th { "役割" } th { "期限" } } }
                tbody {
                    @for r in roles {
                        tr {
                            td {
                                (r.agency_name)
                                @if without_access.contains(&r.agency_id) {
                                    " " span.badge.warn.noprint { "ケースを閲覧できません(関与機関への追加か本人同意が必要)" }
                                }
                            }
                            td { (r.staff_name) } td.pre { (r.task) } td { (wareki_opt(r.due_on)) }
                        }
                    }
                }
            }
        }
    }
}

fn agenda_line(ctx: &Ctx, m: &MeetingView, l: &AgendaLine, agencies: &[Agency]) -> Markup {
    let item = &l.item;
    let mid = m.meeting.id;
    let current = item.removed_at.is_none();
    html! {
        li.agenda-item {
            h3 {
                @match &l.subject {
                    Some(name) => a href={ "/cases/" (item.case_id) } { (name) },
                    None => span.muted { "閲覧できないケース" },
                }
                " "
                @match item.removed_at {
                    Some(at) => span.badge { "議題から外した(" (jst(at)) ")" },
                    None => span.badge { "議題" },
                }
            }
            @if l.minutes_visible {
                @if item.minutes_at.is_some() {
                    dl.facts {
                        dt { "協議の内容" } dd.pre { (item.discussion) }
                        dt { "決定事項" } dd.pre { (item.decisions) }
                    }
                } @else {
                    p.muted { "会議録はまだ記録されていません。" }
                }
                (roles_table(&l.roles, &l.roles_without_access))
            } @else if l.subject.is_some() {
                p.muted { "会議録はこの会議の構成員(守秘義務の確認済み)と主催機関のみ閲覧できます。" }
            }
            @if !l.outside_consent.is_empty() {
                p { span.badge.warn { "同意の範囲外" } " 本人同意が共有先にしていない構成機関: " (l.outside_consent.join("、")) "(このケースの情報は共有できません)" }
            }
            @if l.offer_move {
                p.noprint { span.badge { "本人同意あり" } " " a href={ "/cases/" (item.case_id) "/move-to-multilayer" } { (kind_name(ctx, MeetingKind::Multilayer)) "へ移す" } }
            }
            @if m.manages() && current && l.subject.is_some() {
                details.noprint {
                    summary { "会議録・役割分担を記録する" }
                    form method="post" action={ "/meetings/" (mid) "/agenda/" (item.id) "/minutes" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        label.block { "協議の内容" textarea name="discussion" rows="4" { (item.discussion) } }
                        label.block { "決定事項" textarea name="decisions" rows="3" { (item.decisions) } }
                        button type="submit" { "会議録を保存" }
                    }
                    form method="post" action={ "/meetings/" (mid) "/roles" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        input type="hidden" name="case_id" value=(item.case_id);
                        div.grid {
                            label { "担当機関"
                                select name="agency_id" required {
                                    option value="" { "選んでください" }
                                    @for a in agencies { option value=(a.id) { (a.name) } }
                                }
                            }
                            label { "担当者" input type="text" name="staff_name"; }
                            label { "期限" input type="text" name="due_on" placeholder="任意(R8.7.1 など)"; }
                        }
                        label.block { "役割" textarea name="task" rows="2" required {} }
                        button type="submit" { "役割分担を追加" }
                    }
                }
            }
            @if m.manages() && current {
                form.inline.noprint method="post" action={ "/meetings/" (mid) "/agenda/" (item.id) "/remove" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    button type="submit" { "議題から外す" }
                }
                @if m.kind == MeetingKind::Support {
                    span.note.noprint { " 外すと構成員はこのケースを閲覧できなくなります。" }
                }
            }
        }
    }
}

async fn meeting_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let m = load_meeting(&state, &ctx, id).await?;
    let lines = agenda_lines(&state, &ctx, &m).await?;
    let all = state.store.agencies(ctx.municipality.id).await?;
    let agencies: Vec<Agency> = record_holding(&all).cloned().collect();
    let candidates = if m.manages() {
        let viewer = kasane_app::guard::viewer(&state, &ctx);
        let (cases, _) = state.store.list_cases(viewer, None, 500, 0).await?;
        cases
            .into_iter()
            .filter(|c| c.status != "closed")
            .filter(|c| {
                !lines
                    .iter()
                    .any(|l| l.item.case_id == c.id && l.item.removed_at.is_none())
            })
            .collect()
    } else {
        Vec::new()
    };
    let body = html! {
        section.card {
            (header_facts(&ctx, &m))
            p.noprint { a href={ "/meetings/" (id) "/print" } { "会議録を印刷" } " " a href="/meetings" { "会議の一覧へ" } }
        }
        section.card {
            h2 { "構成員" }
            (members_table(&ctx, &m, true))
            @if m.manages() {
                form.noprint method="post" action={ "/meetings/" (id) "/members" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    div.grid {
                        label { "構成機関"
                            select name="agency_id" required {
                                option value="" { "選んでください" }
                                @for a in agencies.iter().filter(|a| !m.members.iter().any(|x| x.agency_id == a.id)) {
                                    option value=(a.id) { (a.name) }
                                }
                            }
                        }
                        label { "出席者" input type="text" name="attendee_name"; }
                    }
                    button type="submit" { "構成員を追加" }
                }
            }
        }
        section.card {
            h2 { "議題(ケース)" }
            @if lines.is_empty() { (empty("議題はまだありません。")) }
            ul.agenda { @for l in &lines { (agenda_line(&ctx, &m, l, &agencies)) } }
            @if m.manages() {
                form.noprint method="post" action={ "/meetings/" (id) "/agenda" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label { "議題にするケース "
                        select name="case_id" required {
                            option value="" { "選んでください" }
                            @for c in &candidates { option value=(c.id) { (c.subject_name) "(ケース #" (c.id) ")" } }
                        }
                    }
                    " "
                    button type="submit" { "議題に追加" }
                    @if m.kind == MeetingKind::Multilayer {
                        p.note { "重層的支援会議の議題にできるのは、会議での共有を含む本人同意が有効なケースのみです。" }
                    }
                }
            }
        }
    };
    Ok(page(
        &ctx,
        &format!(
            "{}({})",
            kind_name(&ctx, m.kind),
            format_wareki(m.meeting.held_on)
        ),
        "/collaboration",
        body,
    ))
}

/// The printable minutes (A4): header, members, and each agenda case the caller may read
/// with its minutes and roles.
async fn print_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    // Printing is data leaving the system: decided and recorded as an export.
    let m = meeting_access(&state, &ctx, Action::Export, id).await?;
    let lines = agenda_lines(&state, &ctx, &m).await?;
    let body = html! {
        div.sheet {
            section.card { (header_facts(&ctx, &m)) }
            section.card {
                h2 { "構成員" }
                (members_table(&ctx, &m, false))
            }
            @for l in lines.iter().filter(|l| l.subject.is_some()) {
                section.card.agenda-print {
                    h2 { "議題: " (l.subject.as_deref().unwrap_or_default()) }
                    @if let Some(at) = l.item.removed_at { p.muted { "(" (jst(at)) " 議題から外した)" } }
                    @if l.minutes_visible {
                        dl.facts {
                            dt { "協議の内容" } dd.pre { (l.item.discussion) }
                            dt { "決定事項" } dd.pre { (l.item.decisions) }
                        }
                        (roles_table(&l.roles, &l.roles_without_access))
                    } @else {
                        p.muted { "(会議録は閲覧できません)" }
                    }
                }
            }
            @if m.kind == MeetingKind::Support {
                p.note { "この会議録は社会福祉法第106条の6に基づく支援会議のものです。構成員には守秘義務があります。" }
            }
        }
        p.noprint { button.print type="button" data-print="1" { "印刷" } " " a href={ "/meetings/" (id) } { "会議のページへ" } }
    };
    Ok(page(
        &ctx,
        &format!(
            "会議録 {}({})",
            kind_name(&ctx, m.kind),
            format_wareki(m.meeting.held_on)
        ),
        "/collaboration",
        body,
    ))
}

#[derive(Debug, Deserialize)]
struct MemberForm {
    csrf: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    attendee_name: String,
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/meetings/{id}")).into_response()
}

async fn member_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    add_member(
        &state,
        &ctx,
        id,
        f.agency_id.trim().parse().ok(),
        &f.attendee_name,
    )
    .await?;
    Ok(back(id))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn acknowledge_post(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, agency_id)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    acknowledge(&state, &ctx, id, agency_id).await?;
    Ok(back(id))
}

#[derive(Debug, Deserialize)]
struct AgendaForm {
    csrf: String,
    #[serde(default)]
    case_id: String,
}

async fn agenda_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(f): Form<AgendaForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    add_case(&state, &ctx, id, f.case_id.trim().parse().ok()).await?;
    Ok(back(id))
}

async fn remove_post(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, item)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    remove_case(&state, &ctx, id, item, "remove").await?;
    Ok(back(id))
}

#[derive(Debug, Deserialize)]
struct MinutesForm {
    csrf: String,
    #[serde(default)]
    discussion: String,
    #[serde(default)]
    decisions: String,
}

async fn minutes_post(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, item)): Path<(i64, i64)>,
    Form(f): Form<MinutesForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    save_minutes(&state, &ctx, id, item, &f.discussion, &f.decisions).await?;
    Ok(back(id))
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    csrf: String,
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    staff_name: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    due_on: String,
}

async fn role_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let draft = RoleDraft {
        agency_id: f.agency_id.trim().parse().ok(),
        staff_name: f.staff_name,
        task: f.task,
        due_on: f.due_on,
    };
    assign_role(&state, &ctx, id, f.case_id.trim().parse().ok(), &draft).await?;
    Ok(back(id))
}

// ---------------------------------------------------------------------------------------
// 支援会議 → 重層的支援会議

/// Where a case stands for the move: the 支援会議 agenda items it is on now, and whether a
/// consent covering the meeting is in force.
pub struct MoveState {
    pub case: Case,
    pub support_items: Vec<AgendaItem>,
    pub has_consent: bool,
}

impl MoveState {
    pub fn offered(&self) -> bool {
        offer_move_to_multilayer(!self.support_items.is_empty(), self.has_consent)
    }
}

pub async fn move_state(state: &AppState, ctx: &Ctx, case_id: i64) -> Result<MoveState, AppError> {
    let (case, _, facts) = case_access_with_facts(state, ctx, Action::Read, case_id).await?;
    let mut support_items = Vec::new();
    for a in state.store.agendas_of_case(case.id).await? {
        if a.kind == MeetingKind::Support.code()
            && a.removed_at.is_none()
            && let Some(item) = current_item(&state.store.agenda(a.meeting_id).await?, case.id)
        {
            support_items.push(item.clone());
        }
    }
    Ok(MoveState {
        case,
        support_items,
        has_consent: facts.has_meeting_consent(ctx.today),
    })
}

/// Moves the case of `s` (its [`move_state`]) from the 支援会議 to a 重層的支援会議
/// (`meeting_id`, or a new one from `new_meeting`): it goes on the target's agenda and
/// leaves every 支援会議 agenda it is on. The caller must manage all the meetings involved.
pub async fn move_to_multilayer(
    state: &AppState,
    ctx: &Ctx,
    s: &MoveState,
    meeting_id: Option<i64>,
    new_meeting: Option<MeetingDraft>,
) -> Result<i64, AppError> {
    if !s.offered() {
        return Err(AppError::Validation(vec![if s.support_items.is_empty() {
            "このケースは支援会議の議題になっていません".to_string()
        } else {
            kasane_domain::meeting::AgendaError::NoConsent.to_string()
        }]));
    }
    for item in &s.support_items {
        managed_meeting(state, ctx, item.meeting_id).await?;
    }
    let target = match (meeting_id, new_meeting) {
        (Some(id), _) => {
            let m = managed_meeting(state, ctx, id).await?;
            if m.kind != MeetingKind::Multilayer {
                return Err(invalid(&["移す先は重層的支援会議を選んでください"]));
            }
            id
        }
        (None, Some(mut draft)) => {
            draft.kind = MeetingKind::Multilayer.code().to_string();
            create_meeting(state, ctx, draft).await?
        }
        (None, None) => return Err(invalid(&["移す先の会議を選んでください"])),
    };
    add_case(state, ctx, target, Some(s.case.id)).await?;
    for item in &s.support_items {
        remove_case(
            state,
            ctx,
            item.meeting_id,
            item.id,
            &format!("move_to_multilayer:{target}"),
        )
        .await?;
    }
    Ok(target)
}

/// 重層的支援会議 the caller manages, held from [`RECENT_DAYS`] ago on, soonest first.
async fn move_targets(state: &AppState, ctx: &Ctx) -> Result<Vec<Meeting>, AppError> {
    let all = ctx.coordinates();
    let since = ctx.today - TimeDelta::days(RECENT_DAYS);
    let (rows, _) = state
        .store
        .list_meetings(
            ctx.municipality.id,
            ctx.agency.id,
            all,
            Some(MeetingKind::Multilayer.code()),
            (LIST_MAX, 0),
        )
        .await?;
    let mut rows: Vec<Meeting> = rows
        .into_iter()
        .filter(|m| m.held_on >= since)
        .filter(|m| all || m.host_agency_id == ctx.agency.id)
        .collect();
    rows.sort_by_key(|m| (m.held_on, m.id));
    Ok(rows)
}

fn move_form(ctx: &Ctx, s: &MoveState, targets: &[Meeting], errors: &[String]) -> Markup {
    let name = kind_name(ctx, MeetingKind::Multilayer);
    html! {
        @if !errors.is_empty() { ul.errors role="alert" { @for e in errors { li { (e) } } } }
        section.card {
            dl.facts {
                dt { "ケース" } dd { a href={ "/cases/" (s.case.id) } { (s.case.subject_name) } }
                dt { (kind_name(ctx, MeetingKind::Support)) "の議題" } dd { @if s.support_items.is_empty() { "なし" } @else { (s.support_items.len()) "件" } }
                dt { "会議での共有を含む本人同意" } dd { @if s.has_consent { "有効" } @else { span.badge.warn { "なし" } } }
            }
        }
        @if s.offered() {
            section.card {
                h2 { (name) "へ移す" }
                p { "本人同意が得られたため、このケースを" (name) "の議題に移せます。移すと" (kind_name(ctx, MeetingKind::Support)) "の議題から外れ、その構成員による同意なしの閲覧は終わります。" }
                form method="post" action={ "/cases/" (s.case.id) "/move-to-multilayer" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    fieldset {
                        legend { "移す先の会議" }
                        @for m in targets {
                            label.block { input type="radio" name="meeting_id" value=(m.id); " " (format_wareki(m.held_on)) " " (m.host_agency_name) " " (m.place) }
                        }
                        label.block { input type="radio" name="meeting_id" value="new" checked[targets.is_empty()]; " 新しい" (name) "を登録する" }
                        div.grid {
                            label { "開催日(新しい会議)" input type="text" name="held_on" placeholder="R8.6.10 または 2026-06-10"; }
                            label { "開催場所(新しい会議)" input type="text" name="place"; }
                        }
                    }
                    button type="submit" { (name) "へ移す" }
                }
            }
        } @else {
            p.muted { (kind_name(ctx, MeetingKind::Support)) "の議題にあり、会議での共有を含む本人同意が有効なケースを移せます。" }
        }
    }
}

async fn move_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
) -> Result<Markup, PageError> {
    let s = move_state(&state, &ctx, case_id).await?;
    let targets = move_targets(&state, &ctx).await?;
    let title = format!("{}へ移す", kind_name(&ctx, MeetingKind::Multilayer));
    Ok(page(
        &ctx,
        &title,
        "/collaboration",
        move_form(&ctx, &s, &targets, &[]),
    ))
}

#[derive(Debug, Deserialize)]
struct MoveFormData {
    csrf: String,
    #[serde(default)]
    meeting_id: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
}

async fn move_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
    Form(f): Form<MoveFormData>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let (meeting_id, draft) = match f.meeting_id.trim() {
        "new" => (
            None,
            Some(MeetingDraft {
                held_on: f.held_on,
                place: f.place,
                ..MeetingDraft::default()
            }),
        ),
        raw => (raw.parse().ok(), None),
    };
    let s = move_state(&state, &ctx, case_id).await?;
    match move_to_multilayer(&state, &ctx, &s, meeting_id, draft).await {
        Ok(target) => Ok(back(target)),
        Err(AppError::Validation(errors)) => {
            let targets = move_targets(&state, &ctx).await?;
            let title = format!("{}へ移す", kind_name(&ctx, MeetingKind::Multilayer));
            Ok(page(
                &ctx,
                &title,
                "/collaboration",
                move_form(&ctx, &s, &targets, &errors),
            )
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
