//! 支援プラン in versions (a revision is a new version; older versions stay readable,
//! marked 旧版), approval by a 重層的支援会議, モニタリング against each action, the 評価 at
//! plan end with its next step, and the worklist's 「モニタリング」.
//!
//! Every use case reaches the plan through its case (`guard::case_access`): reading needs
//! a basis on the case, writing (a new version, a monitoring round, the evaluation) the
//! full view.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta};
use kasane_domain::access::{Action, View, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::Role;
use kasane_domain::meeting::MeetingKind;
use kasane_domain::plan::{
    ActionDraft, DUE_SOON_DAYS, Due, EvaluationDraft, MonitoringDraft, PlanDraft, due, validate,
    validate_evaluation, validate_monitoring,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::case::Case;
use kasane_store::meeting::Meeting;
use kasane_store::municipality::Agency;
use kasane_store::plan::{
    DueMonitoring, Evaluation, Monitoring, MonitoringEntry, Plan, PlanAction,
};
use kasane_store::user::User;

use crate::consultation::worklist::{Reading, Rows};
use crate::error::{already, invalid};
use crate::guard::{Grant, case_access, forbid, may_read, not_found, record_on};
use crate::{App, AppError, AppResult, Caller};

use super::meeting::managed_meeting;

const OLD_VERSION: &str = "旧版のプランは閲覧のみです(評価・モニタリングは最新の版に記録します)";

/// A plan version as the caller may see it, with everything its page shows.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: Plan,
    pub case: Case,
    pub grant: Grant,
    /// The newest version of the case's plan (older ones are 旧版, read only).
    pub latest: bool,
    pub latest_id: i64,
    pub actions: Vec<PlanAction>,
    pub monitorings: Vec<Monitoring>,
    pub entries: Vec<MonitoringEntry>,
    pub evaluation: Option<Evaluation>,
    pub approved_by: Option<Meeting>,
}

impl PlanView {
    /// Each monitoring date with where it stands today.
    pub fn monitoring_states(&self, today: NaiveDate) -> Vec<(&Monitoring, Due)> {
        self.monitorings
            .iter()
            .map(|m| (m, due(m.due_on, m.done_at.is_some(), today)))
            .collect()
    }

    /// The caller may write on this version (new monitoring, evaluation).
    pub fn writable(&self) -> bool {
        self.latest && self.grant.view() == View::Full && self.case.status != CaseStatus::Closed
    }

    /// Whether the evaluation form may be offered on this version: the newest, with the
    /// full view (an evaluation already recorded is shown instead); a caller who reads the
    /// plan without it is refused, audited.
    pub async fn check_evaluation_form(&self, app: &App, caller: &Caller) -> AppResult<()> {
        if !self.latest {
            return Err(AppError::Conflict(OLD_VERSION.into()));
        }
        if self.grant.view() != View::Full {
            let reason = "評価を記録するには関与機関または多機関協働の根拠が必要です";
            return Err(forbid(app, caller, "support_plan", self.plan.id, reason).await);
        }
        Ok(())
    }
}

/// Loads plan `id` through its case for `action` (404 without a basis).
pub async fn load_plan(app: &App, caller: &Caller, id: i64, action: Action) -> AppResult<PlanView> {
    // Another municipality's plan is refused (and audited) by the rule on its case.
    let Some(plan) = app.store.plan_any(id).await? else {
        return Err(not_found(app, caller, "support_plan", id).await);
    };
    let (case, grant) = case_access(app, caller, action, plan.case_id).await?;
    let versions = app.store.plans_of_case(case.id).await?;
    let latest_id = versions.first().map_or(plan.id, |p| p.id);
    let approved_by = match plan.approved_meeting_id {
        Some(mid) => app.store.meeting_any(mid).await?,
        None => None,
    };
    Ok(PlanView {
        latest: latest_id == plan.id,
        latest_id,
        actions: app.store.plan_actions(plan.id).await?,
        monitorings: app.store.monitorings(plan.id).await?,
        entries: app.store.monitoring_entries(plan.id).await?,
        evaluation: app.store.evaluation_of(plan.id).await?,
        approved_by,
        plan,
        case,
        grant,
    })
}

/// The versions of a case's plan, newest first.
pub async fn plan_versions(
    app: &App,
    caller: &Caller,
    case_id: i64,
) -> AppResult<(Case, Vec<Plan>)> {
    let (case, _) = case_access(app, caller, Action::Read, case_id).await?;
    let plans = app.store.plans_of_case(case.id).await?;
    Ok((case, plans))
}

/// Staff users (相談員・推進員) of the municipality who can be named responsible.
pub(crate) async fn responsible_users(app: &App, caller: &Caller) -> AppResult<Vec<User>> {
    Ok(app
        .store
        .users(Some(caller.municipality.id))
        .await?
        .into_iter()
        .filter(|u| {
            let roles = u.roles();
            !u.disabled && (roles.has(Role::Staff) || roles.has(Role::Coordinator))
        })
        .collect())
}

/// What the plan form starts from: the case (decided for `Action::Create`, so its full
/// view), its newest version (a revision starts from it), the municipality's agencies and
/// the staff the actions can name.
pub struct PlanStart {
    pub case: Case,
    pub grant: Grant,
    pub newest: Option<Plan>,
    pub agencies: Vec<Agency>,
    pub users: Vec<User>,
}

pub async fn plan_start(app: &App, caller: &Caller, case_id: i64) -> AppResult<PlanStart> {
    let (case, grant) = case_access(app, caller, Action::Create, case_id).await?;
    let newest = app.store.plans_of_case(case.id).await?.into_iter().next();
    Ok(PlanStart {
        case,
        grant,
        newest,
        agencies: app.store.agencies(caller.municipality.id).await?,
        users: responsible_users(app, caller).await?,
    })
}

/// The form's first draft: empty, or for a revision the newest version's goals, period,
/// actions and the monitoring dates still ahead (past rounds belong to the old version).
pub async fn new_plan_draft(app: &App, form: &PlanStart) -> AppResult<PlanDraft> {
    let Some(plan) = &form.newest else {
        return Ok(PlanDraft::default());
    };
    let actions = app.store.plan_actions(plan.id).await?;
    let monitorings = app.store.monitorings(plan.id).await?;
    let today = app.today();
    Ok(PlanDraft {
        revises: Some(plan.version),
        person_goal: plan.person_goal.clone(),
        long_term_goal: plan.long_term_goal.clone(),
        short_term_goal: plan.short_term_goal.clone(),
        period_start: format_wareki(plan.period_start),
        period_end: format_wareki(plan.period_end),
        monitoring_dates: monitorings
            .iter()
            .filter(|m| m.done_at.is_none() && m.due_on >= today)
            .map(|m| format_wareki(m.due_on))
            .collect(),
        actions: actions
            .iter()
            .map(|a| ActionDraft {
                what: a.what.clone(),
                agency_id: Some(a.agency_id),
                staff_name: a.staff_name.clone(),
                staff_user_id: a.staff_user_id,
                by_when: a.by_when.map(format_wareki).unwrap_or_default(),
                frequency: a.frequency.clone(),
            })
            .collect(),
    })
}

/// Stores a new version of the case's plan (the first, or a revision): validated by the
/// domain against the municipality's agencies; a named responsible user must be staff of
/// the action's agency. Needs the full view of the case.
pub async fn create_plan(
    app: &App,
    caller: &Caller,
    case_id: i64,
    draft: &PlanDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let form = plan_start(app, caller, case_id).await?;
        create_plan_for(app, caller, &form, draft).await
    })
    .await
}

/// [`create_plan`] on a form already loaded (the page keeps it to show the form again).
pub async fn create_plan_for(
    app: &App,
    caller: &Caller,
    form: &PlanStart,
    draft: &PlanDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let case = &form.case;
        // Saved from the newest version only: a revision of an older one would hide the
        // one saved since (the versions' UNIQUE constraint stops two at once).
        if draft.revises != form.newest.as_ref().map(|p| p.version) {
            return Err(AppError::Conflict(crate::error::STALE.into()));
        }
        let agencies: Vec<i64> = form.agencies.iter().map(|a| a.id).collect();
        let valid = validate(draft, &agencies);
        let users = &form.users;
        let mut staff_errors = Vec::new();
        for (i, a) in draft.actions.iter().enumerate() {
            if let Some(uid) = a.staff_user_id
                && !users
                    .iter()
                    .any(|u| u.id == uid && Some(u.agency_id) == a.agency_id)
            {
                staff_errors.push(format!(
                    "支援内容{}: 担当職員は担当機関の職員から選んでください",
                    i + 1
                ));
            }
        }
        let valid = match valid {
            Ok(v) if staff_errors.is_empty() => v,
            Ok(_) => return Err(AppError::Validation(staff_errors)),
            Err(e) => {
                let mut all: Vec<String> = e.iter().map(ToString::to_string).collect();
                all.extend(staff_errors);
                return Err(AppError::Validation(all));
            }
        };
        let id = app
            .store
            .create_plan(
                caller.municipality.id,
                case.id,
                &valid,
                caller.user.id,
                caller.agency.id,
            )
            .await?;
        record_on(
            app,
            caller,
            &form.grant,
            AuditAction::Create,
            "support_plan",
            id,
            &format!("case:{}", case.id),
        )
        .await?;
        Ok(id)
    })
    .await
}

/// 重層的支援会議 that may approve the case's plan for the caller: the case is on their
/// agenda now and the caller manages them.
pub async fn approving_meetings(
    app: &App,
    caller: &Caller,
    case_id: i64,
) -> AppResult<Vec<Meeting>> {
    let coordinator = caller.coordinates();
    let mut out = Vec::new();
    for a in app.store.agendas_of_case(case_id).await? {
        if a.kind != MeetingKind::Multilayer || a.removed_at.is_some() {
            continue;
        }
        if let Some(m) = app.store.meeting_any(a.meeting_id).await?
            && (coordinator || m.host_agency_id == caller.agency.id)
            && !out.iter().any(|x: &Meeting| x.id == m.id)
        {
            out.push(m);
        }
    }
    Ok(out)
}

/// Records that a 重層的支援会議 approved the plan (プランの適切性の協議): only the newest
/// version, only a 重層的支援会議 with the case on its agenda, only by its manager.
pub async fn approve_plan(
    app: &App,
    caller: &Caller,
    plan_id: i64,
    meeting_id: Option<i64>,
) -> AppResult<()> {
    app.unit(async |app| {
        let v = load_plan(app, caller, plan_id, Action::Read).await?;
        let meeting_id = meeting_id.ok_or_else(|| invalid(&["承認した会議を選んでください"]))?;
        let m = managed_meeting(app, caller, meeting_id).await?;
        if m.kind != MeetingKind::Multilayer {
            return Err(invalid(&["プランを承認できるのは重層的支援会議です"]));
        }
        let on_agenda = app
            .store
            .agenda(m.meeting.id)
            .await?
            .iter()
            .any(|a| a.case_id == v.case.id && a.removed_at.is_none());
        if !on_agenda {
            return Err(invalid(&["このケースはその会議の議題になっていません"]));
        }
        if !v.latest {
            return Err(AppError::Conflict(
                "旧版のプランは承認できません(最新の版を承認してください)".into(),
            ));
        }
        if v.plan.approved_at.is_some() {
            return Err(AppError::Conflict(
                "このプランはすでに承認されています".into(),
            ));
        }
        app.store
            .approve_plan(v.plan.id, m.meeting.id, caller.user.id)
            .await
            .map_err(already("このプランはすでに承認されています"))?;
        record_on(
            app,
            caller,
            &v.grant,
            AuditAction::Update,
            "support_plan",
            v.plan.id,
            &format!("approve:meeting:{}", m.meeting.id),
        )
        .await
    })
    .await
}

/// A monitoring date still to be done, by id, with its plan (the newest version of an
/// open case); `action` is decided on the case.
pub async fn load_monitoring(
    app: &App,
    caller: &Caller,
    id: i64,
    action: Action,
) -> AppResult<(DueMonitoring, PlanView)> {
    let Some(m) = app.store.open_monitoring(id).await? else {
        return Err(not_found(app, caller, "monitoring", id).await);
    };
    let v = load_plan(app, caller, m.plan_id, action).await?;
    Ok((m, v))
}

/// Records a monitoring round: one entry per action of the plan.
pub async fn record_monitoring(
    app: &App,
    caller: &Caller,
    id: i64,
    entries: &[MonitoringDraft],
) -> AppResult<i64> {
    app.unit(async |app| {
        let (m, v) = load_monitoring(app, caller, id, Action::Update).await?;
        record_monitoring_on(app, caller, &m, &v, entries).await
    })
    .await
}

/// [`record_monitoring`] on a round loaded for `Action::Update`.
pub async fn record_monitoring_on(
    app: &App,
    caller: &Caller,
    m: &DueMonitoring,
    v: &PlanView,
    entries: &[MonitoringDraft],
) -> AppResult<i64> {
    app.unit(async |app| {
        let action_ids: Vec<i64> = v.actions.iter().map(|a| a.id).collect();
        let valid = validate_monitoring(entries, &action_ids).map_err(|e| invalid(&e))?;
        app.store
            .record_monitoring(
                caller.municipality.id,
                m.monitoring_id,
                &valid,
                caller.user.id,
            )
            .await
            .map_err(already(""))?;
        record_on(
            app,
            caller,
            &v.grant,
            AuditAction::Update,
            "monitoring",
            m.monitoring_id,
            &format!("plan:{}", v.plan.id),
        )
        .await?;
        Ok(v.plan.id)
    })
    .await
}

/// Records the evaluation at plan end, once per plan version.
pub async fn evaluate(
    app: &App,
    caller: &Caller,
    plan_id: i64,
    draft: &EvaluationDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let v = load_plan(app, caller, plan_id, Action::Create).await?;
        evaluate_on(app, caller, &v, draft).await
    })
    .await
}

/// [`evaluate`] on a plan loaded for `Action::Create`.
pub async fn evaluate_on(
    app: &App,
    caller: &Caller,
    v: &PlanView,
    draft: &EvaluationDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        if !v.latest {
            return Err(AppError::Conflict(OLD_VERSION.into()));
        }
        if v.evaluation.is_some() {
            return Err(AppError::Conflict(
                "このプランはすでに評価されています".into(),
            ));
        }
        let valid = validate_evaluation(draft).map_err(|e| invalid(&e))?;
        let id = app
            .store
            .record_evaluation(caller.municipality.id, v.plan.id, &valid, caller.user.id)
            .await
            .map_err(already(""))?;
        record_on(
            app,
            caller,
            &v.grant,
            AuditAction::Create,
            "evaluation",
            id,
            valid.next_step.code(),
        )
        .await?;
        Ok(id)
    })
    .await
}

/// A monitoring on a worklist, with where it stands.
#[derive(Debug, Clone)]
pub struct DueLine {
    pub due: DueMonitoring,
    pub state: Due,
}

/// Monitoring due within [`DUE_SOON_DAYS`] or overdue, for the caller's worklist: all of
/// the municipality's for the coordinating agency's coordinator (`Caller::coordinates`);
/// for other staff those whose plan actions name them (or, with
/// no named user, their agency). Only cases the caller may read are listed (decided once
/// per case, without auditing the others). Soonest first, read a chunk at a time as far
/// as the window reaches (list `monitoring` of the worklist).
pub async fn monitoring_worklist(
    app: &App,
    caller: &Caller,
    reading: &Reading,
) -> AppResult<Rows<DueLine>> {
    let Some(win) = reading.window("monitoring") else {
        return Ok(Rows::default());
    };
    if !may_see_person_data(&caller.actor) {
        return Ok(Rows::default());
    }
    let today = app.today();
    let staff = (!caller.coordinates()).then_some((caller.user.id, caller.agency.id));
    let want = usize::try_from(win.through()).unwrap_or(0);
    let mut readable: HashMap<i64, bool> = HashMap::new();
    let mut out = Vec::new();
    let mut read = 0;
    while out.len() < want {
        let rows = app
            .store
            .due_monitorings(
                caller.municipality.id,
                today + TimeDelta::days(DUE_SOON_DAYS),
                staff,
                (MONITORING_CHUNK, read),
            )
            .await?;
        let last = rows.len() < usize::try_from(MONITORING_CHUNK).unwrap_or(0);
        read += MONITORING_CHUNK;
        for row in rows {
            let state_now = due(row.due_on, false, today);
            if !state_now.needs_attention() || out.len() == want {
                continue;
            }
            let visible = match readable.get(&row.case_id) {
                Some(v) => *v,
                None => {
                    let v = match app.store.case_any(row.case_id).await? {
                        Some(case) => may_read(app, caller, &app.store.case_facts(&case).await?),
                        None => false,
                    };
                    readable.insert(row.case_id, v);
                    v
                }
            };
            if visible {
                out.push(DueLine {
                    due: row,
                    state: state_now,
                });
            }
        }
        if last {
            break;
        }
    }
    Ok(win.cut(out))
}

/// Monitoring rounds read a chunk at a time.
const MONITORING_CHUNK: i64 = 50;
