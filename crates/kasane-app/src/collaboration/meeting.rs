//! 支援会議 (法106条の6) and 重層的支援会議 — two meetings with different law.
//!
//! - 支援会議: registered members bound by confidentiality; a case on its agenda is
//!   readable by members that acknowledged it, without consent, while it is on the agenda
//!   (the access rule's `support_meeting` basis, read by `Store::case_facts`). Closed: its
//!   minutes are for acknowledged members and the host.
//! - 重層的支援会議: a case goes on the agenda only with a consent in force that covers the
//!   meeting; it approves plans and allocates roles.
//!
//! A meeting is managed (created, members, agenda, minutes, roles, plan approval) by staff
//! of its host agency or by a coordinator of the coordinating agency (多機関協働事業者);
//! it is seen by those and by its member agencies — by nobody else (404).

use chrono::TimeDelta;
use kasane_domain::access::{Action, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::AgencyId;
use kasane_domain::meeting::{
    AgendaError, Bringer, CaseHold, MeetingDraft, MeetingKind, RoleDraft, SHORT_MAX_CHARS,
    check_agenda, check_minutes, may_bring, offer_move_to_multilayer, validate_meeting,
    validate_role,
};
use kasane_store::case::Case;
use kasane_store::meeting::{AgendaItem, Meeting, MinutesVersion, RoleAssignment};
use kasane_store::municipality::Agency;

use crate::error::{STALE, already, invalid};
use crate::guard::{
    Grant, MeetingAccess, agency_may_read, case_access, case_access_with_facts, forbid,
    forbid_role, listed_case, may, meeting_access, meeting_to_create, not_found, record_on, viewer,
};
use crate::{App, AppError, AppResult, Caller};

pub const PAGE_SIZE: i64 = 30;
/// 重層的支援会議 to move a case to are read in one bounded list: meetings are few (a few
/// a month).
const LIST_MAX: i64 = 10_000;
/// How far back a 重層的支援会議 still counts as "recent" when moving a case to it.
const RECENT_DAYS: i64 = 60;

const NO_PERSON_ROLE: &str =
    "会議の記録は相談員または相談支援包括化推進員の役割を持つ職員のみ扱えます";

/// Loads meeting `id` for the caller: its host, its member agencies and the coordinating
/// agency's coordinator see it; anyone else (and another municipality) gets 404, audited.
pub async fn load_meeting(app: &App, caller: &Caller, id: i64) -> AppResult<MeetingAccess> {
    meeting_access(app, caller, Action::Read, id).await
}

/// Loads a meeting the caller manages: 404 if they cannot see it, 403 if they only attend.
pub async fn managed_meeting(app: &App, caller: &Caller, id: i64) -> AppResult<MeetingAccess> {
    meeting_access(app, caller, Action::Update, id).await
}

/// Meetings hold personal data: only staff with a person role (相談員・推進員) see or
/// record them; anyone else is refused, audited.
pub async fn check_meeting_role(app: &App, caller: &Caller) -> AppResult<()> {
    if may_see_person_data(&caller.actor) {
        Ok(())
    } else {
        Err(forbid_role(app, caller, "meeting", NO_PERSON_ROLE).await)
    }
}

/// The meetings the caller may see (host, member, or all for the coordinating agency's
/// coordinator), newest first, optionally of one kind; and the total.
pub async fn list_meetings(
    app: &App,
    caller: &Caller,
    kind: Option<MeetingKind>,
    page_no: i64,
) -> AppResult<(Vec<Meeting>, i64)> {
    check_meeting_role(app, caller).await?;
    let all = caller.coordinates();
    let offset = (page_no.max(1) - 1) * PAGE_SIZE;
    Ok(app
        .store
        .list_meetings(
            caller.municipality.id,
            caller.agency.id,
            all,
            kind.map(MeetingKind::code),
            (PAGE_SIZE, offset),
        )
        .await?)
}

/// Whether the municipality's configuration makes `agency` the host of meetings of `kind`.
pub fn hosts(agency: &Agency, kind: MeetingKind) -> bool {
    match kind {
        MeetingKind::Support => agency.hosts_support_meeting,
        MeetingKind::Multilayer => agency.hosts_multilayer_meeting,
    }
}

/// The agency hosting meetings of `kind` by the municipality's configuration.
async fn default_host(
    app: &App,
    caller: &Caller,
    kind: MeetingKind,
) -> AppResult<Option<AgencyId>> {
    let agencies = app.store.agencies(caller.municipality.id).await?;
    Ok(agencies.iter().find(|a| hosts(a, kind)).map(|a| a.id))
}

/// Creates a meeting: validated by the domain; the host defaults to the configured one;
/// the caller must be able to manage it (host agency staff or the coordinator).
pub async fn create_meeting(app: &App, caller: &Caller, mut draft: MeetingDraft) -> AppResult<i64> {
    app.unit(async |app| {
        check_meeting_role(app, caller).await?;
        if draft.host_agency_id.is_none()
            && let Ok(kind) = draft.kind.parse::<MeetingKind>()
        {
            draft.host_agency_id = default_host(app, caller, kind).await?;
        }
        let valid = validate_meeting(&draft).map_err(|e| invalid(&e))?;
        // The host must be this municipality's agency.
        app.store
            .agency(caller.municipality.id, valid.host_agency_id)
            .await
            .map_err(|_| invalid(&["主催機関: この自治体にない機関です"]))?;
        let grant = meeting_to_create(app, caller, valid.kind, valid.host_agency_id).await?;
        let id = app
            .store
            .create_meeting(caller.municipality.id, &valid, caller.user.id)
            .await?;
        // The host takes part in its own meeting: registered as a member, it still has to
        // acknowledge confidentiality before a 支援会議's agenda cases open to it.
        app.store
            .add_meeting_member(caller.municipality.id, id, valid.host_agency_id, "")
            .await?;
        record_on(
            app,
            caller,
            &grant,
            AuditAction::Create,
            "meeting",
            id,
            valid.kind.code(),
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Registers a member agency (and who attends for it).
pub async fn add_member(
    app: &App,
    caller: &Caller,
    id: i64,
    agency_id: Option<AgencyId>,
    attendee_name: &str,
) -> AppResult<()> {
    app.unit(async |app| {
        let m = managed_meeting(app, caller, id).await?;
        let agency_id = agency_id.ok_or_else(|| invalid(&["構成機関を選んでください"]))?;
        app.store
            .agency(caller.municipality.id, agency_id)
            .await
            .map_err(|_| invalid(&["この自治体にない機関です"]))?;
        let attendee = attendee_name.trim();
        if attendee.chars().count() > SHORT_MAX_CHARS {
            return Err(invalid(&["出席者は200文字以内で入力してください"]));
        }
        app.store
            .add_meeting_member(caller.municipality.id, m.meeting.id, agency_id, attendee)
            .await
            .map_err(already(""))?;
        record_on(
            app,
            caller,
            &m.grant,
            AuditAction::Update,
            "meeting",
            id,
            &format!("add_member:{agency_id}"),
        )
        .await
    })
    .await
}

/// Records a member agency's acknowledgement of confidentiality (守秘義務の確認): by a
/// user of that agency, or by a manager on its behalf. Only then does membership of a
/// 支援会議 grant access to its agenda cases.
pub async fn acknowledge(
    app: &App,
    caller: &Caller,
    id: i64,
    agency_id: AgencyId,
) -> AppResult<()> {
    app.unit(async |app| {
        let m = load_meeting(app, caller, id).await?;
        let Some(member) = m.members.iter().find(|x| x.agency_id == agency_id) else {
            return Err(not_found(app, caller, "meeting_member", agency_id).await);
        };
        if !m.manages() && caller.agency.id != agency_id {
            let reason = "守秘義務の確認は、その構成機関の職員または会議の運営者が記録します";
            return Err(forbid(app, caller, "meeting", id, reason).await);
        }
        if member.acknowledged_at.is_some() {
            return Err(AppError::Conflict(
                "この機関の守秘義務の確認はすでに記録されています".into(),
            ));
        }
        app.store
            .acknowledge_member(id, agency_id, caller.user.id)
            .await
            .map_err(already("この機関の守秘義務の確認はすでに記録されています"))?;
        record_on(
            app,
            caller,
            &m.grant,
            AuditAction::Update,
            "meeting",
            id,
            &format!("acknowledge:{agency_id}"),
        )
        .await
    })
    .await
}

/// The current (not removed) agenda item of `case_id`, if any.
fn current_item(agenda: &[AgendaItem], case_id: i64) -> Option<&AgendaItem> {
    agenda
        .iter()
        .find(|a| a.case_id == case_id && a.removed_at.is_none())
}

/// How the caller stands to meeting `m` when bringing a case to it.
fn bringer(m: &MeetingAccess, caller: &Caller) -> Bringer {
    if m.manages() {
        Bringer::Manager
    } else {
        Bringer::Member {
            acknowledged: m
                .members
                .iter()
                .any(|x| x.agency_id == caller.agency.id && x.acknowledged_at.is_some()),
        }
    }
}

/// The action on the case that bringing it to the agenda takes (the domain's
/// [`CaseHold`]): reading it, or writing it for a member bringing its own case.
fn hold_action(hold: CaseHold) -> Action {
    match hold {
        CaseHold::Reads => Action::Read,
        CaseHold::Writes => Action::Update,
    }
}

/// Puts a case on a meeting's agenda. Who may bring which case is the domain's
/// [`may_bring`]: whoever runs the meeting, any case they read; a member agency, a case of
/// its own (403 for one it only reads, 404 for one it does not see), after acknowledging a
/// 支援会議's confidentiality (403 before). Whether the case may go on is [`check_agenda`]
/// (a 重層的支援会議 needs a consent in force covering the meeting: 422 with its message).
pub async fn add_case(app: &App, caller: &Caller, id: i64, case_id: Option<i64>) -> AppResult<i64> {
    app.unit(async |app| {
        let m = load_meeting(app, caller, id).await?;
        let hold = match may_bring(m.kind, bringer(&m, caller)) {
            Ok(hold) => hold,
            Err(e) => return Err(forbid(app, caller, "meeting", id, &e.to_string()).await),
        };
        let case_id = case_id.ok_or_else(|| invalid(&["議題にするケースを選んでください"]))?;
        let (case, grant, facts) =
            case_access_with_facts(app, caller, hold_action(hold), case_id).await?;
        let agenda = app.store.agenda(id).await?;
        check_agenda(
            m.kind,
            facts.has_meeting_consent(app.today()),
            case.status == CaseStatus::Closed,
            current_item(&agenda, case.id).is_some(),
        )
        .map_err(|e| AppError::Validation(vec![e.to_string()]))?;
        let item = app
            .store
            .add_to_agenda(caller.municipality.id, id, case.id, caller.user.id)
            .await?;
        record_on(
            app,
            caller,
            &grant,
            AuditAction::Create,
            "meeting_agenda",
            item,
            &format!("meeting:{id} case:{}", case.id),
        )
        .await?;
        Ok(item)
    })
    .await
}

/// Takes an item off the agenda: a 支援会議's basis for it ends at once.
pub async fn remove_case(
    app: &App,
    caller: &Caller,
    id: i64,
    item_id: i64,
    reason: &str,
) -> AppResult<()> {
    app.unit(async |app| {
        let m = managed_meeting(app, caller, id).await?;
        let item = item_of(app, caller, id, item_id).await?;
        if item.removed_at.is_some() {
            return Err(AppError::Conflict(
                "このケースはすでに議題から外されています".into(),
            ));
        }
        app.store
            .remove_from_agenda(item.id, caller.user.id)
            .await
            .map_err(already("このケースはすでに議題から外されています"))?;
        record_on(
            app,
            caller,
            &m.grant,
            AuditAction::Update,
            "meeting_agenda",
            item.id,
            reason,
        )
        .await
    })
    .await
}

/// Agenda item `item_id` of meeting `id` (404, audited, for an item of another meeting or
/// none).
async fn item_of(app: &App, caller: &Caller, id: i64, item_id: i64) -> AppResult<AgendaItem> {
    match app.store.agenda_item(item_id).await? {
        Some(i) if i.meeting_id == id => Ok(i),
        _ => Err(not_found(app, caller, "meeting_agenda", item_id).await),
    }
}

/// An agenda item of meeting `id` whose case the caller (a manager) can read: for
/// writing minutes and roles, which are personal data.
async fn writable_item(
    app: &App,
    caller: &Caller,
    id: i64,
    item_id: i64,
) -> AppResult<(AgendaItem, Grant)> {
    managed_meeting(app, caller, id).await?;
    let item = item_of(app, caller, id, item_id).await?;
    let (_, grant) = case_access(app, caller, Action::Read, item.case_id).await?;
    Ok((item, grant))
}

/// Records the minutes (会議録) of one agenda case as the version after `from_version`
/// (the one the form showed); returns the new version. A save from an older version is
/// refused with [`STALE`] (409): nothing is overwritten, every version stays.
pub async fn save_minutes(
    app: &App,
    caller: &Caller,
    id: i64,
    item_id: i64,
    from_version: i32,
    discussion: &str,
    decisions: &str,
) -> AppResult<i32> {
    app.unit(async |app| {
        let (item, grant) = writable_item(app, caller, id, item_id).await?;
        check_minutes(discussion, decisions).map_err(|e| invalid(&e))?;
        let version = app
            .store
            .record_minutes(
                item.id,
                from_version,
                discussion.trim(),
                decisions.trim(),
                caller.user.id,
            )
            .await?
            .ok_or_else(|| AppError::Conflict(STALE.into()))?;
        record_on(
            app,
            caller,
            &grant,
            AuditAction::Update,
            "meeting_agenda",
            item.id,
            "minutes",
        )
        .await?;
        Ok(version)
    })
    .await
}

/// An agenda case's minutes with every saved version, newest first.
pub struct MinutesHistory {
    pub meeting: MeetingAccess,
    pub item: AgendaItem,
    pub versions: Vec<MinutesVersion>,
}

/// The minutes' history of agenda item `item_id`, for whoever may read those minutes:
/// the meeting's rule on minutes and a read of the case (audited), as on the agenda.
pub async fn minutes_history(
    app: &App,
    caller: &Caller,
    id: i64,
    item_id: i64,
) -> AppResult<MinutesHistory> {
    let meeting = load_meeting(app, caller, id).await?;
    if !meeting.minutes_readable(app, caller) {
        return Err(forbid(app, caller, "meeting", id, MINUTES_CLOSED).await);
    }
    let item = item_of(app, caller, id, item_id).await?;
    case_access(app, caller, Action::Read, item.case_id).await?;
    let versions = app.store.minutes_versions(item.id).await?;
    Ok(MinutesHistory {
        meeting,
        item,
        versions,
    })
}

pub(crate) const MINUTES_CLOSED: &str =
    "会議録はこの会議の構成員(守秘義務の確認済み)と主催機関のみ閲覧できます";

/// Records a role assignment (役割分担) for a case on the meeting's agenda.
pub async fn assign_role(
    app: &App,
    caller: &Caller,
    id: i64,
    case_id: Option<i64>,
    draft: &RoleDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let m = managed_meeting(app, caller, id).await?;
        let case_id = case_id.ok_or_else(|| invalid(&["ケースを選んでください"]))?;
        let agenda = app.store.agenda(id).await?;
        let item = agenda
            .iter()
            .find(|a| a.case_id == case_id)
            .ok_or_else(|| invalid(&["このケースはこの会議の議題ではありません"]))?;
        // As for the minutes (`writable_item`): the manager must be able to read the case.
        let (_, grant) = case_access(app, caller, Action::Read, item.case_id).await?;
        let agencies: Vec<AgencyId> = app
            .store
            .agencies(caller.municipality.id)
            .await?
            .iter()
            .map(|a| a.id)
            .collect();
        let valid = validate_role(draft, &agencies).map_err(|e| invalid(&e))?;
        let rid = app
            .store
            .add_role_assignment(
                caller.municipality.id,
                m.meeting.id,
                case_id,
                &valid,
                caller.user.id,
            )
            .await?;
        record_on(
            app,
            caller,
            &grant,
            AuditAction::Create,
            "role_assignment",
            rid,
            "",
        )
        .await?;
        Ok(rid)
    })
    .await
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
    app: &App,
    caller: &Caller,
    m: &MeetingAccess,
) -> AppResult<Vec<AgendaLine>> {
    let today = app.today();
    let minutes_rule = m.minutes_readable(app, caller);
    let mut lines = Vec::new();
    for item in app.store.agenda(m.meeting.id).await? {
        let Some(case) = app.store.case_any(item.case_id).await? else {
            continue;
        };
        // A case the caller may not read keeps its line, as 「閲覧できないケース」.
        let Some((_, facts)) = listed_case(app, caller, &case).await? else {
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
            app.store
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
            .filter(|a| !agency_may_read(app, *a, &facts))
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

/// A meeting as the caller may see it, with its agenda (see [`agenda_lines`]).
pub struct MeetingAgenda {
    pub meeting: MeetingAccess,
    pub lines: Vec<AgendaLine>,
}

/// Meeting `id` with its agenda, read by its host, members and the coordinator (404 for
/// anyone else, audited).
pub async fn meeting_agenda(app: &App, caller: &Caller, id: i64) -> AppResult<MeetingAgenda> {
    let meeting = load_meeting(app, caller, id).await?;
    let lines = agenda_lines(app, caller, &meeting).await?;
    Ok(MeetingAgenda { meeting, lines })
}

/// [`meeting_agenda`] for the printable minutes: printing is data leaving the system,
/// decided and recorded as an export.
pub async fn meeting_to_print(app: &App, caller: &Caller, id: i64) -> AppResult<MeetingAgenda> {
    let meeting = meeting_access(app, caller, Action::Export, id).await?;
    let lines = agenda_lines(app, caller, &meeting).await?;
    Ok(MeetingAgenda { meeting, lines })
}

/// Most open cases a manager is offered to put on the agenda.
const CANDIDATES_MAX: i64 = 500;

/// The open cases the caller may bring to the meeting's agenda ([`may_bring`]) that are not
/// on it now: for whoever runs it, those they may see (the list query's filter); for a
/// member, those of them it may write, as the rule decides per case (a member's list is its
/// own few); nothing for a member of a 支援会議 before it acknowledges confidentiality.
pub async fn agenda_candidates(
    app: &App,
    caller: &Caller,
    agenda: &MeetingAgenda,
) -> AppResult<Vec<Case>> {
    let Ok(hold) = may_bring(agenda.meeting.kind, bringer(&agenda.meeting, caller)) else {
        return Ok(Vec::new());
    };
    let (cases, _) = app
        .store
        .list_cases(viewer(app, caller), None, CANDIDATES_MAX, 0)
        .await?;
    let mut candidates = Vec::new();
    for case in cases {
        let on_agenda = agenda
            .lines
            .iter()
            .any(|l| l.item.case_id == case.id && l.item.removed_at.is_none());
        if case.status == CaseStatus::Closed || on_agenda {
            continue;
        }
        if hold == CaseHold::Writes {
            let facts = app.store.case_facts(&case).await?;
            if !may(app, caller, hold_action(hold), &facts) {
                continue;
            }
        }
        candidates.push(case);
    }
    Ok(candidates)
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

/// Where case `case_id` stands for the move (read on the case, audited).
pub async fn move_state(app: &App, caller: &Caller, case_id: i64) -> AppResult<MoveState> {
    let (case, _, facts) = case_access_with_facts(app, caller, Action::Read, case_id).await?;
    let mut support_items = Vec::new();
    for a in app.store.agendas_of_case(case.id).await? {
        if a.kind == MeetingKind::Support
            && a.removed_at.is_none()
            && let Some(item) = current_item(&app.store.agenda(a.meeting_id).await?, case.id)
        {
            support_items.push(item.clone());
        }
    }
    Ok(MoveState {
        case,
        support_items,
        has_consent: facts.has_meeting_consent(app.today()),
    })
}

/// Moves the case of `s` (its [`move_state`]) from the 支援会議 to a 重層的支援会議
/// (`meeting_id`, or a new one from `new_meeting`): it goes on the target's agenda and
/// leaves every 支援会議 agenda it is on. The caller must manage all the meetings involved.
pub async fn move_to_multilayer(
    app: &App,
    caller: &Caller,
    s: &MoveState,
    meeting_id: Option<i64>,
    new_meeting: Option<MeetingDraft>,
) -> AppResult<i64> {
    app.unit(async |app| {
        if !s.offered() {
            return Err(AppError::Validation(vec![if s.support_items.is_empty() {
                "このケースは支援会議の議題になっていません".to_string()
            } else {
                AgendaError::NoConsent.to_string()
            }]));
        }
        for item in &s.support_items {
            managed_meeting(app, caller, item.meeting_id).await?;
        }
        let target = match (meeting_id, new_meeting) {
            (Some(id), _) => {
                let m = managed_meeting(app, caller, id).await?;
                if m.kind != MeetingKind::Multilayer {
                    return Err(invalid(&["移す先は重層的支援会議を選んでください"]));
                }
                id
            }
            (None, Some(mut draft)) => {
                draft.kind = MeetingKind::Multilayer.code().to_string();
                create_meeting(app, caller, draft).await?
            }
            (None, None) => return Err(invalid(&["移す先の会議を選んでください"])),
        };
        add_case(app, caller, target, Some(s.case.id)).await?;
        for item in &s.support_items {
            remove_case(
                app,
                caller,
                item.meeting_id,
                item.id,
                &format!("move_to_multilayer:{target}"),
            )
            .await?;
        }
        Ok(target)
    })
    .await
}

/// 重層的支援会議 the caller manages, held from [`RECENT_DAYS`] ago on, soonest first.
pub async fn move_targets(app: &App, caller: &Caller) -> AppResult<Vec<Meeting>> {
    let all = caller.coordinates();
    let since = app.today() - TimeDelta::days(RECENT_DAYS);
    let (rows, _) = app
        .store
        .list_meetings(
            caller.municipality.id,
            caller.agency.id,
            all,
            Some(MeetingKind::Multilayer.code()),
            (LIST_MAX, 0),
        )
        .await?;
    let mut rows: Vec<Meeting> = rows
        .into_iter()
        .filter(|m| m.held_on >= since)
        .filter(|m| all || m.host_agency_id == caller.agency.id)
        .collect();
    rows.sort_by_key(|m| (m.held_on, m.id));
    Ok(rows)
}
