//! Pages: step 3 (多機関協働) — 支援プラン in versions, approval by a 重層的支援会議,
//! モニタリング against each action, and the 評価 at plan end with its next step.
//!
//! Every page reaches the plan through its case (`guard::case_access`): reading needs a
//! basis on the case, writing (a new version, a monitoring round, the evaluation) the
//! full view. A revision is a new version; older versions stay readable, marked 旧版.
//! The service functions here are shared by the pages and `api::plans`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, RawForm};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, TimeDelta};
use kasane_app::guard::Grant;
use kasane_domain::access::{Action, View, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::meeting::MeetingKind;
use kasane_domain::plan::{
    Achievement, ActionDraft, DUE_SOON_DAYS, Due, EvaluationDraft, MonitoringDraft, NextStep,
    PlanDraft, Progress, due, validate, validate_evaluation, validate_monitoring,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::case::Case;
use kasane_store::meeting::Meeting;
use kasane_store::municipality::Agency;
use kasane_store::plan::{
    DueMonitoring, Evaluation, Monitoring, MonitoringEntry, Plan, PlanAction,
};
use kasane_store::user::User;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::cases::record_holding;
use crate::pages::meetings::{
    already, audit_record, invalid, kind_name, managed_meeting, peek_case, wareki_opt,
};
use crate::ui::fmt::jst;
use crate::ui::form::{field, form_pairs};
use crate::ui::layout::{empty, page};
use kasane_app::guard::{case_access, not_found};

const OLD_VERSION: &str = "旧版のプランは閲覧のみです(評価・モニタリングは最新の版に記録します)";
/// Spare blank action rows and monitoring-date inputs the form offers.
const SPARE_ACTIONS: usize = 3;
const SPARE_DATES: usize = 2;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/plans", get(versions_page))
        .route("/cases/{id}/plans/new", get(new_page).post(create))
        .route("/plans/{id}", get(plan_page))
        .route("/plans/{id}/print", get(print_page))
        .route("/plans/{id}/approve", post(approve_post))
        .route(
            "/plans/{id}/evaluation",
            get(evaluation_page).post(evaluation_post),
        )
        .route(
            "/monitoring/{id}",
            get(monitoring_page).post(monitoring_post),
        )
}

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
        self.latest && self.grant.view() == View::Full && self.case.status != "closed"
    }
}

/// Loads plan `id` through its case for `action` (404 without a basis).
pub async fn load_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    action: Action,
) -> Result<PlanView, AppError> {
    // Another municipality's plan is refused (and audited) by the rule on its case.
    let Some(plan) = state.store.plan_any(id).await? else {
        return Err(not_found(state, ctx, "support_plan", id).await.into());
    };
    let (case, grant) = case_access(state, ctx, action, plan.case_id).await?;
    let versions = state.store.plans_of_case(case.id).await?;
    let latest_id = versions.first().map_or(plan.id, |p| p.id);
    let approved_by = match plan.approved_meeting_id {
        Some(mid) => state.store.meeting_any(mid).await?,
        None => None,
    };
    Ok(PlanView {
        latest: latest_id == plan.id,
        latest_id,
        actions: state.store.plan_actions(plan.id).await?,
        monitorings: state.store.monitorings(plan.id).await?,
        entries: state.store.monitoring_entries(plan.id).await?,
        evaluation: state.store.evaluation_of(plan.id).await?,
        approved_by,
        plan,
        case,
        grant,
    })
}

/// The versions of a case's plan, newest first.
pub async fn plan_versions(
    state: &AppState,
    ctx: &Ctx,
    case_id: i64,
) -> Result<(Case, Vec<Plan>), AppError> {
    let (case, _) = case_access(state, ctx, Action::Read, case_id).await?;
    let plans = state.store.plans_of_case(case.id).await?;
    Ok((case, plans))
}

/// Staff users (相談員・推進員) of the municipality who can be named responsible.
async fn responsible_users(state: &AppState, ctx: &Ctx) -> Result<Vec<User>, AppError> {
    Ok(state
        .store
        .users(Some(ctx.municipality.id))
        .await?
        .into_iter()
        .filter(|u| {
            let roles = u.roles();
            !u.disabled
                && (roles.has(kasane_domain::identity::Role::Staff)
                    || roles.has(kasane_domain::identity::Role::Coordinator))
        })
        .collect())
}

/// Stores a new version of the case's plan (the first, or a revision): validated by the
/// domain against the municipality's agencies; a named responsible user must be staff of
/// the action's agency. Needs the full view of the case.
pub async fn create_plan(
    state: &AppState,
    ctx: &Ctx,
    case_id: i64,
    draft: &PlanDraft,
) -> Result<i64, AppError> {
    let (case, grant) = case_access(state, ctx, Action::Create, case_id).await?;
    create_plan_on(state, ctx, &case, grant, draft).await
}

/// [`create_plan`] on a case already decided for `Action::Create`.
async fn create_plan_on(
    state: &AppState,
    ctx: &Ctx,
    case: &Case,
    grant: Grant,
    draft: &PlanDraft,
) -> Result<i64, AppError> {
    let agencies: Vec<i64> = state
        .store
        .agencies(ctx.municipality.id)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();
    let valid = validate(draft, &agencies);
    let users = responsible_users(state, ctx).await?;
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
    let id = state
        .store
        .create_plan(
            ctx.municipality.id,
            case.id,
            &valid,
            ctx.user.id,
            ctx.agency.id,
        )
        .await?;
    audit_record(
        state,
        ctx,
        AuditAction::Create,
        "support_plan",
        id,
        &grant,
        &format!("case:{}", case.id),
    )
    .await?;
    Ok(id)
}

/// 重層的支援会議 that may approve the case's plan for the caller: the case is on their
/// agenda now and the caller manages them.
pub async fn approving_meetings(
    state: &AppState,
    ctx: &Ctx,
    case_id: i64,
) -> Result<Vec<Meeting>, AppError> {
    let coordinator = ctx.coordinates();
    let mut out = Vec::new();
    for a in state.store.agendas_of_case(case_id).await? {
        if a.kind != MeetingKind::Multilayer.code() || a.removed_at.is_some() {
            continue;
        }
        if let Some(m) = state.store.meeting_any(a.meeting_id).await?
            && (coordinator || m.host_agency_id == ctx.agency.id)
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
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
    meeting_id: Option<i64>,
) -> Result<(), AppError> {
    let v = load_plan(state, ctx, plan_id, Action::Read).await?;
    let meeting_id = meeting_id.ok_or_else(|| invalid(&["承認した会議を選んでください"]))?;
    let m = managed_meeting(state, ctx, meeting_id).await?;
    if m.kind != MeetingKind::Multilayer {
        return Err(invalid(&["プランを承認できるのは重層的支援会議です"]));
    }
    let on_agenda = state
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
    state
        .store
        .approve_plan(v.plan.id, m.meeting.id, ctx.user.id)
        .await
        .map_err(already("このプランはすでに承認されています"))?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "support_plan",
        v.plan.id,
        &v.grant,
        &format!("approve:meeting:{}", m.meeting.id),
    )
    .await
}

/// A monitoring date still to be done, by id, with its plan (the newest version of an
/// open case); `action` is decided on the case.
pub async fn load_monitoring(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    action: Action,
) -> Result<(DueMonitoring, PlanView), AppError> {
    let Some(m) = state.store.open_monitoring(id).await? else {
        return Err(not_found(state, ctx, "monitoring", id).await.into());
    };
    let v = load_plan(state, ctx, m.plan_id, action).await?;
    Ok((m, v))
}

/// Records a monitoring round: one entry per action of the plan.
pub async fn record_monitoring(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    entries: &[MonitoringDraft],
) -> Result<i64, AppError> {
    let (m, v) = load_monitoring(state, ctx, id, Action::Update).await?;
    record_monitoring_on(state, ctx, &m, &v, entries).await
}

/// [`record_monitoring`] on a round loaded for `Action::Update`.
async fn record_monitoring_on(
    state: &AppState,
    ctx: &Ctx,
    m: &DueMonitoring,
    v: &PlanView,
    entries: &[MonitoringDraft],
) -> Result<i64, AppError> {
    let action_ids: Vec<i64> = v.actions.iter().map(|a| a.id).collect();
    let valid = validate_monitoring(entries, &action_ids).map_err(|e| invalid(&e))?;
    state
        .store
        .record_monitoring(ctx.municipality.id, m.monitoring_id, &valid, ctx.user.id)
        .await
        .map_err(already(""))?;
    audit_record(
        state,
        ctx,
        AuditAction::Update,
        "monitoring",
        m.monitoring_id,
        &v.grant,
        &format!("plan:{}", v.plan.id),
    )
    .await?;
    Ok(v.plan.id)
}

/// Records the evaluation at plan end, once per plan version.
pub async fn evaluate(
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
    draft: &EvaluationDraft,
) -> Result<i64, AppError> {
    let v = load_plan(state, ctx, plan_id, Action::Create).await?;
    evaluate_on(state, ctx, &v, draft).await
}

/// [`evaluate`] on a plan loaded for `Action::Create`.
async fn evaluate_on(
    state: &AppState,
    ctx: &Ctx,
    v: &PlanView,
    draft: &EvaluationDraft,
) -> Result<i64, AppError> {
    if !v.latest {
        return Err(AppError::Conflict(OLD_VERSION.into()));
    }
    if v.evaluation.is_some() {
        return Err(AppError::Conflict(
            "このプランはすでに評価されています".into(),
        ));
    }
    let valid = validate_evaluation(draft).map_err(|e| invalid(&e))?;
    let id = state
        .store
        .record_evaluation(ctx.municipality.id, v.plan.id, &valid, ctx.user.id)
        .await
        .map_err(already(""))?;
    audit_record(
        state,
        ctx,
        AuditAction::Create,
        "evaluation",
        id,
        &v.grant,
        valid.next_step.code(),
    )
    .await?;
    Ok(id)
}

/// A monitoring on a worklist, with where it stands.
#[derive(Debug, Clone)]
pub struct DueLine {
    pub due: DueMonitoring,
    pub state: Due,
}

/// Monitoring due within [`DUE_SOON_DAYS`] or overdue, for the caller's worklist: all of
/// the municipality's for the coordinating agency's coordinator (`coordinator`, see
/// `Caller::coordinates`); for other staff those whose plan actions name them (or, with
/// no named user, their agency). Only cases the caller may read are listed (decided once
/// per case, without auditing the others).
pub async fn monitoring_worklist(
    state: &AppState,
    ctx: &Ctx,
    coordinator: bool,
) -> Result<Vec<DueLine>, AppError> {
    if !may_see_person_data(&ctx.actor) {
        return Ok(Vec::new());
    }
    let today = ctx.today;
    let staff = (!coordinator).then_some((ctx.user.id, ctx.agency.id));
    let rows = state
        .store
        .due_monitorings(
            ctx.municipality.id,
            today + TimeDelta::days(DUE_SOON_DAYS),
            staff,
        )
        .await?;
    let mut readable: HashMap<i64, bool> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let state_now = due(row.due_on, false, today);
        if !state_now.needs_attention() {
            continue;
        }
        let visible = match readable.get(&row.case_id) {
            Some(v) => *v,
            None => {
                let v = match state.store.case_any(row.case_id).await? {
                    Some(case) => peek_case(state, ctx, &case).await?,
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
    Ok(out)
}

/// The worklist's 「モニタリング」 section.
pub fn worklist_markup(lines: &[DueLine]) -> Markup {
    html! {
        @if !lines.is_empty() {
            h3 { "モニタリング" }
            ul.monitoring { @for l in lines {
                li {
                    a href={ "/monitoring/" (l.due.monitoring_id) } { (l.due.subject_name) "さん — モニタリング " (format_wareki(l.due.due_on)) }
                    " "
                    @if l.state == Due::Overdue { span.badge.warn { (l.state.label()) } } @else { span.badge { (l.state.label()) } }
                }
            } }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pages

/// The plan form as submitted: lists arrive as repeated fields, action rows by position.
#[derive(Debug, Default, Clone)]
pub struct PlanForm {
    pub csrf: String,
    pub draft: PlanDraft,
}

impl PlanForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> PlanForm {
        let mut f = PlanForm::default();
        let mut cols: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "person_goal" => f.draft.person_goal = v,
                "long_term_goal" => f.draft.long_term_goal = v,
                "short_term_goal" => f.draft.short_term_goal = v,
                "period_start" => f.draft.period_start = v,
                "period_end" => f.draft.period_end = v,
                "monitoring_dates" => f.draft.monitoring_dates.push(v),
                k if k.starts_with("a_") => cols.entry(k.to_string()).or_default().push(v),
                _ => {}
            }
        }
        let col = |name: &str, i: usize| -> String {
            cols.get(name)
                .and_then(|c| c.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let rows = cols.values().map(Vec::len).max().unwrap_or(0);
        for i in 0..rows {
            f.draft.actions.push(ActionDraft {
                what: col("a_what", i),
                agency_id: col("a_agency_id", i).trim().parse().ok(),
                staff_name: col("a_staff_name", i),
                staff_user_id: col("a_staff_user_id", i).trim().parse().ok(),
                by_when: col("a_by_when", i),
                frequency: col("a_frequency", i),
            });
        }
        f
    }
}

/// The form prefilled from a stored version (a revision starts from the newest).
fn draft_from(
    plan: &Plan,
    actions: &[PlanAction],
    monitorings: &[Monitoring],
    today: NaiveDate,
) -> PlanDraft {
    PlanDraft {
        person_goal: plan.person_goal.clone(),
        long_term_goal: plan.long_term_goal.clone(),
        short_term_goal: plan.short_term_goal.clone(),
        period_start: format_wareki(plan.period_start),
        period_end: format_wareki(plan.period_end),
        // Past rounds belong to the old version; the revision carries the ones ahead.
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
                by_when: wareki_opt(a.by_when),
                frequency: a.frequency.clone(),
            })
            .collect(),
    }
}

fn plan_form(
    ctx: &Ctx,
    case: &Case,
    d: &PlanDraft,
    agencies: &[Agency],
    users: &[User],
    errors: &[String],
) -> Markup {
    let blank = ActionDraft::default();
    let rows: Vec<&ActionDraft> = d
        .actions
        .iter()
        .chain(std::iter::repeat_n(&blank, SPARE_ACTIONS))
        .collect();
    let dates: Vec<&str> = d
        .monitoring_dates
        .iter()
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
        .chain(std::iter::repeat_n("", SPARE_DATES))
        .collect();
    html! {
        @if !errors.is_empty() {
            ul.errors role="alert" { @for e in errors { li { (e) } } }
        }
        form method="post" action={ "/cases/" (case.id) "/plans/new" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            label.block { "本人の望み(本人の言葉で)" textarea name="person_goal" rows="2" required { (d.person_goal) } }
            label.block { "長期目標" textarea name="long_term_goal" rows="2" required { (d.long_term_goal) } }
            label.block { "短期目標" textarea name="short_term_goal" rows="2" required { (d.short_term_goal) } }
            div.grid {
                label { "プランの開始日" input type="text" name="period_start" value=(d.period_start) required placeholder="R8.6.1 または 2026-06-01"; }
                label { "プランの終了日" input type="text" name="period_end" value=(d.period_end) required placeholder="1年以内"; }
            }
            fieldset {
                legend { "モニタリング日(期間内、1つ以上)" }
                div.grid { @for (i, v) in dates.iter().enumerate() {
                    label { "モニタリング日 " (i + 1) input type="text" name="monitoring_dates" value=(v); }
                } }
            }
            fieldset {
                legend { "支援内容(空欄の行は無視されます)" }
                table.actions {
                    thead { tr { th { "支援の内容" } th { "担当機関" } th { "担当者" } th { "担当職員(kasane)" } th { "期限" } th { "頻度" } } }
                    tbody {
                        @for a in &rows {
                            tr {
                                td { textarea name="a_what" rows="2" aria-label="支援の内容" { (a.what) } }
                                td { select name="a_agency_id" aria-label="担当機関" {
                                    option value="" { "—" }
                                    @for ag in agencies { option value=(ag.id) selected[a.agency_id == Some(ag.id)] { (ag.name) } }
                                } }
                                td { input type="text" name="a_staff_name" value=(a.staff_name) aria-label="担当者" size="10"; }
                                td { select name="a_staff_user_id" aria-label="担当職員" {
                                    option value="" { "指定しない" }
                                    @for ag in agencies {
                                        @let staff: Vec<&User> = users.iter().filter(|u| u.agency_id == ag.id).collect();
                                        @if !staff.is_empty() {
                                            optgroup label=(ag.name) {
                                                @for u in staff { option value=(u.id) selected[a.staff_user_id == Some(u.id)] { (u.display_name) } }
                                            }
                                        }
                                    }
                                } }
                                td { input type="text" name="a_by_when" value=(a.by_when) aria-label="期限" size="10"; }
                                td { input type="text" name="a_frequency" value=(a.frequency) aria-label="頻度" size="8" placeholder="週1回"; }
                            }
                        }
                    }
                }
            }
            button type="submit" { "プランを保存する" }
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    case: &Case,
    draft: &PlanDraft,
    errors: &[String],
    revision_of: Option<&Plan>,
) -> Result<Markup, AppError> {
    let all = state.store.agencies(ctx.municipality.id).await?;
    let agencies: Vec<Agency> = record_holding(&all).cloned().collect();
    let users = responsible_users(state, ctx).await?;
    let title = match revision_of {
        Some(p) => format!("支援プランの見直し(第{}版をもとに)", p.version),
        None => "支援プランを作成".to_string(),
    };
    let body = html! {
        p { "ケース: " a href={ "/cases/" (case.id) } { (case.subject_name) } " " a href={ "/cases/" (case.id) "/plans" } { "プランの版の一覧" } }
        @if revision_of.is_some() { p.note { "保存すると新しい版になります。これまでの版はそのまま残ります。" } }
        (plan_form(ctx, case, draft, &agencies, &users, errors))
    };
    Ok(page(ctx, &title, "/collaboration", body))
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
) -> Result<Markup, PageError> {
    let (case, _) = case_access(&state, &ctx, Action::Create, case_id).await?;
    let versions = state.store.plans_of_case(case.id).await?;
    let newest = versions.first();
    let draft = match newest {
        Some(p) => draft_from(
            p,
            &state.store.plan_actions(p.id).await?,
            &state.store.monitorings(p.id).await?,
            ctx.today,
        ),
        None => PlanDraft::default(),
    };
    Ok(form_page(&state, &ctx, &case, &draft, &[], newest).await?)
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let form = PlanForm::from_pairs(form_pairs(&body)?);
    ctx.check_csrf(&form.csrf)?;
    let (case, grant) = case_access(&state, &ctx, Action::Create, case_id).await?;
    match create_plan_on(&state, &ctx, &case, grant, &form.draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(AppError::Validation(errors)) => {
            let versions = state.store.plans_of_case(case.id).await?;
            Ok(
                form_page(&state, &ctx, &case, &form.draft, &errors, versions.first())
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn versions_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
) -> Result<Markup, PageError> {
    let (case, plans) = plan_versions(&state, &ctx, case_id).await?;
    let body = html! {
        p { "ケース: " a href={ "/cases/" (case.id) } { (case.subject_name) } }
        p.actions.noprint { a.button href={ "/cases/" (case.id) "/plans/new" } { @if plans.is_empty() { "支援プランを作成" } @else { "プランを見直す(新しい版)" } } }
        @if plans.is_empty() {
            (empty("支援プランはまだありません。"))
        } @else {
            table.plans {
                thead { tr { th { "版" } th { "期間" } th { "作成" } th { "承認" } } }
                tbody { @for (i, p) in plans.iter().enumerate() {
                    tr {
                        td { a href={ "/plans/" (p.id) } { "第" (p.version) "版" } @if i > 0 { " " span.badge { "旧版" } } @else { " " span.badge { "最新" } } }
                        td { (format_wareki(p.period_start)) "〜" (format_wareki(p.period_end)) }
                        td { (p.created_by_name) "(" (p.created_by_agency_name) ") " (jst(p.created_at)) }
                        td { @if let Some(at) = p.approved_at { "承認済(" (jst(at)) ")" } @else { "未承認" } }
                    }
                } }
            }
        }
    };
    Ok(page(&ctx, "支援プランの版", "/collaboration", body))
}

fn entry_of(
    entries: &[MonitoringEntry],
    monitoring_id: i64,
    action_id: i64,
) -> Option<&MonitoringEntry> {
    entries
        .iter()
        .find(|e| e.monitoring_id == monitoring_id && e.plan_action_id == action_id)
}

fn progress_label(code: &str) -> &str {
    code.parse::<Progress>().map_or(code, |p| p.label())
}

fn plan_sheet(ctx: &Ctx, v: &PlanView) -> Markup {
    let p = &v.plan;
    html! {
        section.card { dl.facts {
            dt { "本人" } dd { (v.case.subject_name) }
            dt { "版" } dd { "第" (p.version) "版" @if !v.latest { " " span.badge.warn { "旧版" } } }
            dt { "期間" } dd { (format_wareki(p.period_start)) "〜" (format_wareki(p.period_end)) }
            dt { "作成" } dd { (p.created_by_name) "(" (p.created_by_agency_name) ") " (jst(p.created_at)) }
            dt { "承認" } dd {
                @match (&v.approved_by, p.approved_at) {
                    (Some(m), Some(at)) => {
                        (m.kind.parse::<MeetingKind>().map_or(m.kind.as_str(), |k| kind_name(ctx, k)))
                        "(" (format_wareki(m.held_on)) ")で承認 " (jst(at))
                    },
                    _ => "未承認",
                }
            }
        } }
        section.card {
        h2 { "目標" }
        dl.facts {
            dt { "本人の望み" } dd.pre { (p.person_goal) }
            dt { "長期目標" } dd.pre { (p.long_term_goal) }
            dt { "短期目標" } dd.pre { (p.short_term_goal) }
        }
        }
        section.card {
        h2 { "支援内容と役割分担" }
        table.actions {
            thead { tr { th { "#" } th { "支援の内容" } th { "担当機関" } th { "担当者" } th { "期限" } th { "頻度" } } }
            tbody { @for a in &v.actions {
                tr {
                    td.num { (a.seq) }
                    td.pre { (a.what) }
                    td { (a.agency_name) }
                    td { (a.staff_name) }
                    td { @if let Some(d) = a.by_when { (format_wareki(d)) } @else { "期間中" } }
                    td { (a.frequency) }
                }
            } }
        }
        }
        section.card {
        h2 { "モニタリング" }
        table.monitoring {
            thead { tr { th { "予定日" } th { "状況" } th { "結果" } } }
            tbody { @for (m, state) in v.monitoring_states(ctx.today) {
                tr {
                    td { (format_wareki(m.due_on)) }
                    td {
                        @if state == Due::Overdue { span.badge.warn { (state.label()) } } @else { span.badge { (state.label()) } }
                        @if m.done_at.is_none() && v.writable() {
                            " " a.noprint href={ "/monitoring/" (m.id) } { "記録する" }
                        }
                    }
                    td {
                        @if m.done_at.is_some() {
                            ul.inline { @for a in &v.actions {
                                @if let Some(e) = entry_of(&v.entries, m.id, a.id) {
                                    li { (a.seq) ". " (progress_label(&e.progress)) @if !e.note.is_empty() { ":" (e.note) } }
                                }
                            } }
                        }
                    }
                }
            } }
        }
    }
    }
}

async fn plan_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    let approvers = if v.latest && v.plan.approved_at.is_none() {
        approving_meetings(&state, &ctx, v.case.id).await?
    } else {
        Vec::new()
    };
    let body = html! {
        @if !v.latest {
            p.error role="note" { "これは旧版です(閲覧のみ)。" a href={ "/plans/" (v.latest_id) } { "最新の版を見る" } }
        }
        (plan_sheet(&ctx, &v))
        @if let Some(e) = &v.evaluation {
            section.card { (evaluation_facts(e)) }
        }
        section.card.noprint {
            p {
                a href={ "/plans/" (v.plan.id) "/print" } { "印刷用(A4)" } " "
                a href={ "/cases/" (v.case.id) "/plans" } { "版の一覧" } " "
                a href={ "/cases/" (v.case.id) } { "ケースへ" } " "
                @if v.writable() {
                    a href={ "/cases/" (v.case.id) "/plans/new" } { "プランを見直す(新しい版)" } " "
                    @if v.evaluation.is_none() { a href={ "/plans/" (v.plan.id) "/evaluation" } { "評価を記録する" } }
                }
            }
            @if !approvers.is_empty() {
                form method="post" action={ "/plans/" (v.plan.id) "/approve" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label { "承認した会議 "
                        select name="meeting_id" required {
                            @for m in &approvers { option value=(m.id) { (kind_name(&ctx, MeetingKind::Multilayer)) "(" (format_wareki(m.held_on)) ")" } }
                        }
                    }
                    " " button type="submit" { "会議で承認されたことを記録" }
                }
            }
        }
    };
    Ok(page(
        &ctx,
        &format!("支援プラン 第{}版", v.plan.version),
        "/collaboration",
        body,
    ))
}

async fn print_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let v = load_plan(&state, &ctx, id, Action::Export).await?;
    let body = html! {
        div.sheet {
            p { (ctx.municipality.name) " " (ctx.municipality.programme_name.as_deref().unwrap_or("重層的支援体制整備事業")) }
            (plan_sheet(&ctx, &v))
            section.card {
            h2 { "確認欄" }
            table.sign {
                tbody {
                    tr { th { "本人(または代理人)" } td { "令和　　年　　月　　日　　氏名" } }
                    tr { th { "作成者" } td { (v.plan.created_by_agency_name) " " (v.plan.created_by_name) } }
                }
            }
            }
        }
        p.noprint { button.print type="button" data-print="1" { "印刷" } " " a href={ "/plans/" (v.plan.id) } { "プランのページへ" } }
    };
    Ok(page(
        &ctx,
        &format!("支援プラン(第{}版)", v.plan.version),
        "/collaboration",
        body,
    ))
}

async fn approve_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body)?;
    ctx.check_csrf(field(&pairs, "csrf"))?;
    approve_plan(
        &state,
        &ctx,
        id,
        field(&pairs, "meeting_id").trim().parse().ok(),
    )
    .await?;
    Ok(Redirect::to(&format!("/plans/{id}")).into_response())
}

fn monitoring_form(
    ctx: &Ctx,
    m: &DueMonitoring,
    v: &PlanView,
    sent: &[MonitoringDraft],
    errors: &[String],
) -> Markup {
    let state = due(m.due_on, false, ctx.today);
    html! {
        @if !errors.is_empty() { ul.errors role="alert" { @for e in errors { li { (e) } } } }
        p {
            "本人: " (v.case.subject_name) " / 支援プラン " a href={ "/plans/" (v.plan.id) } { "第" (v.plan.version) "版" }
            " / 予定日 " (format_wareki(m.due_on)) " "
            @if state == Due::Overdue { span.badge.warn { (state.label()) } } @else { span.badge { (state.label()) } }
        }
        form method="post" action={ "/monitoring/" (m.monitoring_id) } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            table.monitoring {
                thead { tr { th { "支援内容" } th { "実施状況" } th { "所見(未実施は理由と今後の対応)" } } }
                tbody { @for a in &v.actions {
                    @let prev = sent.iter().find(|s| s.action_id == a.id);
                    tr {
                        td { (a.seq) ". " (a.what) br; span.muted { (a.agency_name) " " (a.staff_name) } }
                        td { @for p in Progress::ALL {
                            label.check { input type="radio" name={ "progress_" (a.id) } value=(p.code()) checked[prev.is_some_and(|s| s.progress == p.code())]; (p.label()) }
                        } }
                        td { textarea name={ "note_" (a.id) } rows="2" { (prev.map_or("", |s| s.note.as_str())) } }
                    }
                } }
            }
            button type="submit" { "モニタリングを記録する" }
        }
    }
}

async fn monitoring_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let (m, v) = load_monitoring(&state, &ctx, id, Action::Read).await?;
    Ok(page(
        &ctx,
        "モニタリング",
        "/collaboration",
        monitoring_form(&ctx, &m, &v, &[], &[]),
    ))
}

/// Monitoring entries from `progress_<action>` / `note_<action>` fields.
fn monitoring_drafts(pairs: &[(String, String)]) -> Vec<MonitoringDraft> {
    let mut out: Vec<MonitoringDraft> = Vec::new();
    for (k, v) in pairs {
        let (field, id) = match (k.strip_prefix("progress_"), k.strip_prefix("note_")) {
            (Some(id), _) => ("progress", id),
            (_, Some(id)) => ("note", id),
            _ => continue,
        };
        let Ok(action_id) = id.parse::<i64>() else {
            continue;
        };
        let pos = match out.iter().position(|d| d.action_id == action_id) {
            Some(p) => p,
            None => {
                out.push(MonitoringDraft {
                    action_id,
                    ..MonitoringDraft::default()
                });
                out.len() - 1
            }
        };
        if field == "progress" {
            out[pos].progress = v.clone();
        } else {
            out[pos].note = v.clone();
        }
    }
    // A row with neither progress nor note was not filled in: the domain asks for it.
    out.retain(|d| !d.progress.is_empty() || !d.note.trim().is_empty());
    out
}

async fn monitoring_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body)?;
    ctx.check_csrf(field(&pairs, "csrf"))?;
    let drafts = monitoring_drafts(&pairs);
    let (m, v) = load_monitoring(&state, &ctx, id, Action::Update).await?;
    match record_monitoring_on(&state, &ctx, &m, &v, &drafts).await {
        Ok(plan_id) => Ok(Redirect::to(&format!("/plans/{plan_id}")).into_response()),
        Err(AppError::Validation(errors)) => Ok(page(
            &ctx,
            "モニタリング",
            "/collaboration",
            monitoring_form(&ctx, &m, &v, &drafts, &errors),
        )
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

fn achievement_label(code: &str) -> &str {
    code.parse::<Achievement>().map_or(code, |a| a.label())
}

fn evaluation_facts(e: &Evaluation) -> Markup {
    html! {
        h2 { "評価" }
        dl.facts {
            dt { "本人の望み" } dd { (achievement_label(&e.person_goal)) }
            dt { "長期目標" } dd { (achievement_label(&e.long_term_goal)) }
            dt { "短期目標" } dd { (achievement_label(&e.short_term_goal)) }
            dt { "所見" } dd.pre { (e.note) }
            dt { "今後の方針" } dd { (e.next_step.parse::<NextStep>().map_or(e.next_step.as_str(), |n| n.label())) }
            dt { "評価者" } dd { (e.evaluated_by_name) " " (jst(e.evaluated_at)) }
        }
    }
}

/// Where to go after an evaluation: the next step's form.
fn next_step_link(case_id: i64, next: &str) -> Markup {
    html! {
        p.actions {
            @match next.parse::<NextStep>() {
                Ok(NextStep::NewPlan) => a.button href={ "/cases/" (case_id) "/plans/new" } { "新しいプランを作成する" },
                Ok(NextStep::Closure) => a.button href={ "/cases/" (case_id) "#status" } { "ケースの終結を記録する" },
                Ok(NextStep::Handover) => a.button href={ "/cases/" (case_id) "#handover" } { "主担当機関への引継ぎを記録する" },
                Err(_) => a href={ "/cases/" (case_id) } { "ケースへ" },
            }
        }
    }
}

fn evaluation_form(ctx: &Ctx, v: &PlanView, d: &EvaluationDraft, errors: &[String]) -> Markup {
    let goals = [
        (
            "person_goal",
            "本人の望み",
            &v.plan.person_goal,
            &d.person_goal,
        ),
        (
            "long_term_goal",
            "長期目標",
            &v.plan.long_term_goal,
            &d.long_term_goal,
        ),
        (
            "short_term_goal",
            "短期目標",
            &v.plan.short_term_goal,
            &d.short_term_goal,
        ),
    ];
    html! {
        @if !errors.is_empty() { ul.errors role="alert" { @for e in errors { li { (e) } } } }
        @if v.plan.period_end > ctx.today {
            p.note { "プランの期間は " (format_wareki(v.plan.period_end)) " までです。期間の途中で評価すると、この版の評価として記録されます。" }
        }
        form method="post" action={ "/plans/" (v.plan.id) "/evaluation" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            table.evaluation {
                thead { tr { th { "目標" } th { "内容" } th { "評価" } } }
                tbody { @for (name, label, text, sent) in goals {
                    tr {
                        th { (label) }
                        td.pre { (text) }
                        td { @for a in Achievement::ALL {
                            label.check { input type="radio" name=(name) value=(a.code()) checked[sent.as_str() == a.code()]; (a.label()) }
                        } }
                    }
                } }
            }
            label.block { "評価の所見" textarea name="note" rows="4" required { (d.note) } }
            fieldset {
                legend { "今後の方針" }
                @for n in NextStep::ALL {
                    label.check { input type="radio" name="next_step" value=(n.code()) checked[d.next_step == n.code()]; (n.label()) }
                }
            }
            button type="submit" { "評価を記録する" }
        }
    }
}

async fn evaluation_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    let body = match &v.evaluation {
        Some(e) => html! {
            section.card { (evaluation_facts(e)) }
            (next_step_link(v.case.id, &e.next_step))
            p { a href={ "/plans/" (v.plan.id) } { "プランへ戻る" } }
        },
        None => {
            if !v.latest {
                return Err(AppError::Conflict(OLD_VERSION.into()).into());
            }
            if v.grant.view() != View::Full {
                return Err(AppError::Forbidden(
                    "評価を記録するには関与機関または多機関協働の根拠が必要です".into(),
                )
                .into());
            }
            evaluation_form(&ctx, &v, &EvaluationDraft::default(), &[])
        }
    };
    Ok(page(
        &ctx,
        &format!("支援プランの評価(第{}版)", v.plan.version),
        "/collaboration",
        body,
    ))
}

async fn evaluation_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body)?;
    let get = |k: &str| field(&pairs, k).to_string();
    ctx.check_csrf(&get("csrf"))?;
    let draft = EvaluationDraft {
        person_goal: get("person_goal"),
        long_term_goal: get("long_term_goal"),
        short_term_goal: get("short_term_goal"),
        note: get("note"),
        next_step: get("next_step"),
    };
    let v = load_plan(&state, &ctx, id, Action::Create).await?;
    match evaluate_on(&state, &ctx, &v, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/plans/{id}/evaluation")).into_response()),
        Err(AppError::Validation(errors)) => Ok(page(
            &ctx,
            &format!("支援プランの評価(第{}版)", v.plan.version),
            "/collaboration",
            evaluation_form(&ctx, &v, &draft, &errors),
        )
        .into_response()),
        Err(e) => Err(e.into()),
    }
}
