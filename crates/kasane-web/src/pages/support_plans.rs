//! Pages: step 3 (多機関協働) — 支援プラン in versions, approval by a 重層的支援会議,
//! モニタリング against each action, the 評価 at plan end with its next step, and the
//! worklist's 「モニタリング」. The use cases are
//! `kasane_app::collaboration::support_plan`; these pages render them.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, RawForm};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::collaboration::case::record_holding;
use kasane_app::collaboration::support_plan::{
    DueLine, PlanStart, PlanView, approve_plan, approving_meetings, create_plan_for, evaluate_on,
    load_monitoring, load_plan, new_plan_draft, plan_start, plan_versions, record_monitoring_on,
};
use kasane_domain::access::Action;
use kasane_domain::meeting::MeetingKind;
use kasane_domain::plan::{
    Achievement, ActionDraft, Due, EvaluationDraft, MonitoringDraft, NextStep, PlanDraft, Progress,
    due,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::case::Case;
use kasane_store::municipality::Agency;
use kasane_store::plan::{DueMonitoring, Evaluation, MonitoringEntry};
use kasane_store::user::User;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::PageError;
use crate::http::work::Work;
use crate::ui::collaboration::kind_name;
use crate::ui::fmt::jst;
use crate::ui::form::{Saved, field, form_pairs, form_status, problems, submitted};
use crate::ui::layout::{empty, page};

/// Spare blank action rows and monitoring-date inputs the form offers.
const SPARE_ACTIONS: usize = 3;
const SPARE_DATES: usize = 2;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/support-plans", get(versions_page))
        .route("/cases/{id}/support-plans/new", get(new_page).post(create))
        .route("/support-plans/{id}", get(plan_page))
        .route("/support-plans/{id}/print", get(print_page))
        .route("/support-plans/{id}/approve", post(approve_post))
        .route(
            "/support-plans/{id}/evaluation",
            get(evaluation_page).post(evaluation_post),
        )
        .route(
            "/monitoring/{id}",
            get(monitoring_page).post(monitoring_post),
        )
}

/// The worklist's 「モニタリング」 section.
pub fn worklist_markup(lines: &[DueLine], foot: Markup) -> Markup {
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
            (foot)
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
                "revises" => f.draft.revises = v.trim().parse().ok(),
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
        (problems(errors))
        form method="post" action={ "/cases/" (case.id) "/support-plans/new" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            @if let Some(v) = d.revises { input type="hidden" name="revises" value=(v); }
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
                                td data-label="支援の内容" { textarea name="a_what" rows="2" aria-label="支援の内容" { (a.what) } }
                                td data-label="担当機関" { select name="a_agency_id" aria-label="担当機関" {
                                    option value="" { "—" }
                                    @for ag in agencies { option value=(ag.id) selected[a.agency_id == Some(ag.id)] { (ag.name) } }
                                } }
                                td data-label="担当者" { input type="text" name="a_staff_name" value=(a.staff_name) aria-label="担当者" size="10"; }
                                td data-label="担当職員(kasane)" { select name="a_staff_user_id" aria-label="担当職員" {
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
                                td data-label="期限" { input type="text" name="a_by_when" value=(a.by_when) aria-label="期限" size="10"; }
                                td data-label="頻度" { input type="text" name="a_frequency" value=(a.frequency) aria-label="頻度" size="8" placeholder="週1回"; }
                            }
                        }
                    }
                }
            }
            button type="submit" { "プランを保存する" }
        }
    }
}

fn form_page(ctx: &Ctx, start: &PlanStart, draft: &PlanDraft, errors: &[String]) -> Markup {
    let case = &start.case;
    let agencies: Vec<Agency> = record_holding(&start.agencies).cloned().collect();
    let title = match &start.newest {
        Some(p) => format!("支援プランの見直し(第{}版をもとに)", p.version),
        None => "支援プランを作成".to_string(),
    };
    let body = html! {
        p { "ケース: " a href={ "/cases/" (case.id) } { (case.subject_name) } " " a href={ "/cases/" (case.id) "/support-plans" } { "プランの版の一覧" } }
        @if start.newest.is_some() { p.note { "保存すると新しい版になります。これまでの版はそのまま残ります。" } }
        (plan_form(ctx, case, draft, &agencies, &start.users, errors))
    };
    page(ctx, &title, "/collaboration", body)
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
) -> Result<Markup, PageError> {
    let start = plan_start(&state, &ctx, case_id).await?;
    let draft = new_plan_draft(&state, &start).await?;
    Ok(form_page(&ctx, &start, &draft, &[]))
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Path(case_id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let form = PlanForm::from_pairs(form_pairs(&body)?);
    ctx.check_csrf(&form.csrf)?;
    let start = plan_start(&state, &ctx, case_id).await?;
    match create_plan_for(&state, &ctx, &start, &form.draft).await {
        Ok(id) => Ok(saved(id)),
        Err(kasane_app::AppError::Validation(errors)) => Ok((
            form_status(&errors),
            form_page(&ctx, &start, &form.draft, &errors),
        )
            .into_response()),
        // Someone saved a version since: the form again on the newest, with what was
        // typed, and the newest one a click away.
        Err(kasane_app::AppError::Conflict(m)) if m == kasane_app::error::STALE => {
            let draft = PlanDraft {
                revises: start.newest.as_ref().map(|p| p.version),
                ..form.draft
            };
            let newest = start.newest.as_ref().map_or_else(String::new, |p| {
                format!(
                    "最新の版(第{}版)は「プランの版の一覧」で確認できます。",
                    p.version
                )
            });
            let problems = [m, newest];
            Ok((
                StatusCode::CONFLICT,
                form_page(&ctx, &start, &draft, &problems),
            )
                .into_response())
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
        p.actions.noprint { a.button href={ "/cases/" (case.id) "/support-plans/new" } { @if plans.is_empty() { "支援プランを作成" } @else { "プランを見直す(新しい版)" } } }
        @if plans.is_empty() {
            (empty("支援プランはまだありません。"))
        } @else {
            table.plans {
                thead { tr { th { "版" } th { "期間" } th { "作成" } th { "承認" } } }
                tbody { @for (i, p) in plans.iter().enumerate() {
                    tr {
                        td { a href={ "/support-plans/" (p.id) } { "第" (p.version) "版" } @if i > 0 { " " span.badge { "旧版" } } @else { " " span.badge { "最新" } } }
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
                        (kind_name(ctx, m.kind))
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
                                    li { (a.seq) ". " (e.progress.label()) @if !e.note.is_empty() { ":" (e.note) } }
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

/// The plan page after a save, which confirms it (「記録しました」).
fn saved(plan_id: i64) -> Response {
    Redirect::to(&format!("/support-plans/{plan_id}?saved=1")).into_response()
}

async fn plan_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    let approvers = if v.latest && v.plan.approved_at.is_none() {
        approving_meetings(&state, &ctx, v.case.id).await?
    } else {
        Vec::new()
    };
    let body = html! {
        (saved.notice())
        @if !v.latest {
            p.error role="note" { "これは旧版です(閲覧のみ)。" a href={ "/support-plans/" (v.latest_id) } { "最新の版を見る" } }
        }
        (plan_sheet(&ctx, &v))
        @if let Some(e) = &v.evaluation {
            section.card { (evaluation_facts(e)) }
        }
        section.card.noprint {
            p {
                a href={ "/support-plans/" (v.plan.id) "/print" } { "印刷用(A4)" } " "
                a href={ "/cases/" (v.case.id) "/support-plans" } { "版の一覧" } " "
                a href={ "/cases/" (v.case.id) } { "ケースへ" } " "
                @if v.writable() {
                    a href={ "/cases/" (v.case.id) "/support-plans/new" } { "プランを見直す(新しい版)" } " "
                    @if v.evaluation.is_none() { a href={ "/support-plans/" (v.plan.id) "/evaluation" } { "評価を記録する" } }
                }
            }
            @if !approvers.is_empty() {
                form method="post" action={ "/support-plans/" (v.plan.id) "/approve" } {
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
        p.noprint { button.print type="button" data-print="1" { "印刷" } " " a href={ "/support-plans/" (v.plan.id) } { "プランのページへ" } }
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
    let pairs = submitted(&ctx, &body)?;
    approve_plan(
        &state,
        &ctx,
        id,
        field(&pairs, "meeting_id").trim().parse().ok(),
    )
    .await?;
    Ok(saved(id))
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
        (problems(errors))
        p {
            "本人: " (v.case.subject_name) " / 支援プラン " a href={ "/support-plans/" (v.plan.id) } { "第" (v.plan.version) "版" }
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
    let pairs = submitted(&ctx, &body)?;
    let drafts = monitoring_drafts(&pairs);
    let (m, v) = load_monitoring(&state, &ctx, id, Action::Update).await?;
    match record_monitoring_on(&state, &ctx, &m, &v, &drafts).await {
        Ok(plan_id) => Ok(saved(plan_id)),
        Err(kasane_app::AppError::Validation(errors)) => {
            let form = monitoring_form(&ctx, &m, &v, &drafts, &errors);
            let shown = page(&ctx, "モニタリング", "/collaboration", form);
            Ok((form_status(&errors), shown).into_response())
        }
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
            dt { "今後の方針" } dd { (e.next_step.label()) }
            dt { "評価者" } dd { (e.evaluated_by_name) " " (jst(e.evaluated_at)) }
        }
    }
}

/// Where to go after an evaluation: the next step's form.
fn next_step_link(case_id: i64, next: NextStep) -> Markup {
    html! {
        p.actions {
            @match next {
                NextStep::NewPlan => a.button href={ "/cases/" (case_id) "/support-plans/new" } { "新しいプランを作成する" },
                NextStep::Closure => a.button href={ "/cases/" (case_id) "#status" } { "ケースの終結を記録する" },
                NextStep::Handover => a.button href={ "/cases/" (case_id) "#handover" } { "主担当機関への引継ぎを記録する" },
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
        (problems(errors))
        @if v.plan.period_end > ctx.today {
            p.note { "プランの期間は " (format_wareki(v.plan.period_end)) " までです。期間の途中で評価すると、この版の評価として記録されます。" }
        }
        form method="post" action={ "/support-plans/" (v.plan.id) "/evaluation" } {
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
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let v = load_plan(&state, &ctx, id, Action::Read).await?;
    let body = match &v.evaluation {
        Some(e) => html! {
            (saved.notice())
            section.card { (evaluation_facts(e)) }
            (next_step_link(v.case.id, e.next_step))
            p { a href={ "/support-plans/" (v.plan.id) } { "プランへ戻る" } }
        },
        None => {
            v.check_evaluation_form(&state, &ctx).await?;
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
        Ok(_) => {
            Ok(Redirect::to(&format!("/support-plans/{id}/evaluation?saved=1")).into_response())
        }
        Err(kasane_app::AppError::Validation(errors)) => {
            let title = format!("支援プランの評価(第{}版)", v.plan.version);
            let form = evaluation_form(&ctx, &v, &draft, &errors);
            let shown = page(&ctx, &title, "/collaboration", form);
            Ok((form_status(&errors), shown).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
