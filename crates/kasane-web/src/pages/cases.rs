//! Pages: ケース (多機関協働) — the case list, opening a case (from a person, a household or
//! an escalated intake), the case page with its status moves, agencies, lead, hand-over and
//! history, and the versioned アセスメント with its printable A4 sheet. The use cases are
//! `kasane_app::collaboration::{case, assessment}`; these pages render them.

use axum::Router;
use axum::extract::{Form, Path, Query, RawForm};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kasane_app::collaboration::assessment::{
    Assessments, assessment_to_print, assessments, save_assessment,
};
use kasane_app::collaboration::case::{
    CASE_PAGE_SIZE, CaseDetail, CaseOverview, CaseSubject, NewCaseInput, PersonCases, PlanOutline,
    add_agency, case_overview, case_subject, change_lead, end_agency, hand_over, household_cases,
    intake_case, list_cases, load_case, may_open_case, move_case, open_case_for, parse_event,
    person_cases, record_holding,
};
use kasane_app::error::invalid;
use kasane_app::guard::Grant;
use kasane_domain::access::View;
use kasane_domain::assessment::{AssessmentDraft, Risk, SECTIONS};
use kasane_domain::case::{self, CaseEvent, CaseKind, CaseStatus, ClosureReason};
use kasane_domain::identity::AgencyId;
use kasane_domain::intake::Outcome;
use kasane_domain::municipality::MunicipalityConfig;
use kasane_domain::wareki::format_wareki;
use kasane_store::case::{Case, CaseAgency, CaseEventRow};
use kasane_store::municipality::Agency;
use kasane_store::person::Person;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::consents;
use crate::ui::collaboration::{closure_label, event_label, kind_label, label_of, status_label};
use crate::ui::fmt::birth_label;
use crate::ui::fmt::jst;
use crate::ui::form::{
    Saved, confirmation, confirmed, field, fields, form_status, ids, problems, reconcile, submitted,
};
use crate::ui::layout::{empty, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/new", get(new_page).post(create))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/events", post(event))
        .route("/cases/{id}/agencies", post(agency_add))
        .route(
            "/cases/{id}/agencies/{agency_id}/end",
            get(agency_end_form).post(agency_end),
        )
        .route("/cases/{id}/lead", post(lead))
        .route("/cases/{id}/handover", post(handover))
        .route(
            "/cases/{id}/assessment",
            get(assessment_page).post(assessment_save),
        )
        .route("/cases/{id}/assessment/versions", get(assessment_versions))
        .route("/cases/{id}/assessment/print", get(assessment_print))
}

/// Whom the new case is for, as the form shows it.
fn subject_label(subject: &CaseSubject, today: NaiveDate) -> String {
    match (&subject.person, &subject.household) {
        (Some(p), _) => format!("{}({})", p.name, birth_label(p, today)),
        (None, Some(h)) => format!("世帯: {}", h.label),
        (None, None) => String::new(),
    }
}

/// Sets one text section of a sheet by its field name.
fn set_section(d: &mut AssessmentDraft, field: &str, value: String) {
    let slot = match field {
        "wishes" => &mut d.wishes,
        "household" => &mut d.household,
        "health" => &mut d.health,
        "income_debt" => &mut d.income_debt,
        "housing" => &mut d.housing,
        "daily_life" => &mut d.daily_life,
        "social_ties" => &mut d.social_ties,
        "strengths" => &mut d.strengths,
        "risk_note" => &mut d.risk_note,
        "agencies_involved" => &mut d.agencies_involved,
        _ => return,
    };
    *slot = value;
}

fn draft_from_pairs(pairs: &[(String, String)]) -> AssessmentDraft {
    let mut d = AssessmentDraft::default();
    for (field, _) in SECTIONS {
        set_section(&mut d, field, self::field(pairs, field).to_string());
    }
    d.risks = fields(pairs, "risks");
    d.issues = fields(pairs, "issues");
    d
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

fn subject_link(case: &Case) -> Markup {
    html! {
        @match (case.person_id, case.household_id) {
            (Some(p), _) => a href={ "/persons/" (p) } { (case.subject_name) },
            (None, Some(h)) => a href={ "/households/" (h) } { "世帯: " (case.subject_name) },
            _ => (case.subject_name),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    pub page: Option<i64>,
}

/// `/collaboration`: the municipality's 多機関協働 facts and the cases the caller may see.
pub async fn case_list_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let cfg = state.config(&ctx.municipality)?;
    let (found, errors) = match list_cases(&state, &ctx, &q.status, q.page).await {
        Ok(found) => (found, Vec::new()),
        Err(kasane_app::AppError::Validation(p)) => ((Vec::new(), false), p),
        Err(e) => return Err(e.into()),
    };
    let (rows, more) = found;
    let page_no = kasane_app::page_number(q.page).unwrap_or(1);
    let link = |p: i64| format!("/collaboration?status={}&page={p}", q.status.trim());
    let first = (page_no - 1) * CASE_PAGE_SIZE + 1;
    let last = first - 1 + rows.len() as i64;
    let body = html! {
        section.card {
            dl.facts {
                dt { "多機関協働事業者" } dd { (cfg.coordinating().map_or("", |a| a.name.as_str())) }
                dt { "支援会議(法106条の6)" } dd { (cfg.support_meeting.name) }
                dt { "重層的支援会議" } dd { (cfg.multilayer_meeting.name) }
            }
            p { a href="/meetings" { "会議(支援会議・重層的支援会議)の一覧" } }
        }
        section.card {
            h2 { "ケース" }
            form.filters method="get" action="/collaboration" {
                label { "状態"
                    select name="status" {
                        option value="" { "すべて" }
                        @for s in CaseStatus::ALL { option value=(s.code()) selected[q.status == s.code()] { (s.label()) } }
                    }
                }
                button type="submit" { "絞り込む" }
            }
            (problems(&errors))
            p.muted { "ケースは、本人・世帯のページや「多機関協働へ」とした相談受付から開きます(相談支援包括化推進員)。" }
            @if rows.is_empty() {
                (empty("閲覧できるケースはありません。"))
            } @else {
                table {
                    thead { tr { th { "対象" } th { "状態" } th { "主担当機関" } th { "開始" } th { "更新" } } }
                    tbody {
                        @for c in &rows {
                            tr {
                                td { a href={ "/cases/" (c.id) } { "ケース #" (c.id) } " " (subject_link(c)) }
                                td { (c.status.label()) }
                                td { (c.lead_agency_name) }
                                td { (jst(c.opened_at)) }
                                td { (jst(c.updated_at)) }
                            }
                        }
                    }
                }
                // Not counted (a count reads every case the rule lets through): the last
                // page is the one without a next.
                nav.pager aria-label="ページ" {
                    @if page_no > 1 { a href=(link(page_no - 1)) { "前へ" } }
                    span { (first) "〜" (last) "件目" @if more { "(続きがあります)" } }
                    @if more { a href=(link(page_no + 1)) { "次へ" } }
                }
            }
        }
    };
    Ok(page(&ctx, "多機関協働", "/collaboration", body))
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    person_id: Option<i64>,
    household_id: Option<i64>,
    intake_id: Option<i64>,
}

fn input_from_pairs(pairs: &[(String, String)]) -> NewCaseInput {
    let id = |k: &str| field(pairs, k).trim().parse().ok();
    NewCaseInput {
        person_id: id("person_id"),
        household_id: id("household_id"),
        intake_id: id("intake_id"),
        kinds: fields(pairs, "kinds"),
        lead_agency_id: id("lead_agency_id"),
        agencies: ids(pairs, "agencies"),
        summary: field(pairs, "summary").to_string(),
    }
}

fn render_new(
    ctx: &Ctx,
    input: &NewCaseInput,
    subject: &CaseSubject,
    errors: &[String],
) -> Response {
    let agencies = &subject.agencies;
    let kinds: Vec<&str> = if input.kinds.is_empty() {
        vec![CaseKind::Collaboration.code()]
    } else {
        input.kinds.iter().map(String::as_str).collect()
    };
    let lead = input.lead_agency_id.unwrap_or(ctx.agency.id);
    let body = html! {
        (problems(errors))
        form method="post" action="/cases/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            @if let Some(p) = &subject.person { input type="hidden" name="person_id" value=(p.id); }
            @if let Some(h) = &subject.household { input type="hidden" name="household_id" value=(h.id); }
            @if let Some(i) = subject.intake_id { input type="hidden" name="intake_id" value=(i); }
            section.card {
                h2 { "対象" }
                p { strong { (subject_label(subject, ctx.today)) } @if let Some(i) = subject.intake_id { " — " a href={ "/intakes/" (i) } { "相談受付 #" (i) } "から" } }
                fieldset {
                    legend { "支援の種類(複数選択)" }
                    @for k in CaseKind::ALL {
                        label.check { input type="checkbox" name="kinds" value=(k.code()) checked[kinds.contains(&k.code())]; (k.label()) }
                    }
                }
                label { "主担当機関 "
                    select name="lead_agency_id" {
                        @for a in record_holding(agencies) { option value=(a.id) selected[a.id == lead] { (a.name) } }
                    }
                }
                fieldset {
                    legend { "関与機関(複数選択)" }
                    @for a in record_holding(agencies) {
                        label.check { input type="checkbox" name="agencies" value=(a.id) checked[input.agencies.contains(&a.id)]; (a.name) }
                    }
                }
                label.block { "概要" textarea name="summary" rows="4" { (input.summary) } }
            }
            button type="submit" { "ケースを開く" }
        }
    };
    let status = form_status(errors);
    (status, page(ctx, "ケースを開く", "/collaboration", body)).into_response()
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let input = NewCaseInput {
        person_id: q.person_id,
        household_id: q.household_id,
        intake_id: q.intake_id,
        ..NewCaseInput::default()
    };
    let subject = case_subject(&state, &ctx, &input).await?;
    Ok(render_new(&ctx, &input, &subject, &[]))
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let input = input_from_pairs(&pairs);
    let subject = case_subject(&state, &ctx, &input).await?;
    match open_case_for(&state, &ctx, &input, &subject).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}?saved=1")).into_response()),
        Err(kasane_app::AppError::Validation(errors)) => {
            Ok(render_new(&ctx, &input, &subject, &errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// What a refused form on the case page sent, to show it again with the messages.
#[derive(Default)]
struct Retry {
    /// Which form: events, close, handover, agency.
    form: &'static str,
    messages: Vec<String>,
    note: String,
    /// Back from a save (`?saved=1`): 「記録しました」.
    saved: Saved,
}

impl Retry {
    fn note(&self, form: &str) -> &str {
        if self.form == form { &self.note } else { "" }
    }
}

fn agency_name(agencies: &[Agency], id: &str) -> String {
    id.parse::<AgencyId>()
        .ok()
        .and_then(|id| agencies.iter().find(|a| a.id == id))
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}

/// The text of a history row: agency events carry the agency's id (an end also its reason).
fn event_text(e: &CaseEventRow, agencies: &[Agency]) -> String {
    match e.event.as_str() {
        "agency_left" => match e.note.split_once(' ') {
            Some((id, reason)) => format!("{}(理由: {reason})", agency_name(agencies, id)),
            None => agency_name(agencies, &e.note),
        },
        "agency_added" | "lead_changed" => agency_name(agencies, &e.note),
        "close" => match e.note.strip_prefix('[').and_then(|s| s.split_once("] ")) {
            Some((code, note)) => format!("【{}】{note}", closure_label(code)),
            None => e.note.clone(),
        },
        _ => e.note.clone(),
    }
}

fn event_value(e: &CaseEvent) -> String {
    match e {
        CaseEvent::Advance { to } => format!("advance:{}", to.code()),
        other => other.code().to_string(),
    }
}

fn event_button(e: &CaseEvent) -> String {
    match e {
        CaseEvent::Advance { to } => format!("「{}」へ進める", to.label()),
        other => other.label().to_string(),
    }
}

/// The newest plan's goals, roles (支援内容 by agency) and next monitoring date: what a
/// worker opening the case needs first.
fn plan_outline(case_id: i64, outline: Option<&PlanOutline>, today: NaiveDate) -> Markup {
    html! {
        section.card #plan {
            h2 { "支援プラン" }
            @match outline {
                None => { (empty("支援プランはまだありません。")) p.noprint { a href={ "/cases/" (case_id) "/support-plans" } { "支援プラン" } } }
                Some(o) => {
                    dl.facts {
                        dt { "本人の望み" } dd.pre { (o.plan.person_goal) }
                        dt { "長期目標" } dd.pre { (o.plan.long_term_goal) }
                        dt { "短期目標" } dd.pre { (o.plan.short_term_goal) }
                        dt { "次回モニタリング" } dd {
                            @match o.next_monitoring {
                                Some(d) => { strong { (format_wareki(d)) } @if d < today { " " span.badge.warn { "予定日を過ぎています" } } },
                                None => "予定なし",
                            }
                        }
                    }
                    h3 { "役割分担" }
                    @if o.actions.is_empty() { (empty("支援内容はまだありません。")) }
                    @else {
                        ul.roles {
                            @for a in &o.actions {
                                li { strong { (a.agency_name) } @if !a.staff_name.is_empty() { "(" (a.staff_name) ")" } ": " (a.what) }
                            }
                        }
                    }
                    p.noprint { a href={ "/support-plans/" (o.plan.id) } { "支援プラン 第" (o.plan.version) "版を開く" } }
                }
            }
        }
    }
}

async fn render_case(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    retry: &Retry,
) -> Result<Response, AppError> {
    let CaseOverview {
        detail:
            CaseDetail {
                case,
                grant,
                kinds,
                agencies: involved,
                events,
                may_manage,
                may_reopen,
            },
        agencies,
        consents,
        agendas,
        offer_move,
        plan,
    } = case_overview(state, ctx, id).await?;
    let writable = grant.view() == View::Full;
    let open = case.status.is_open();
    let active: Vec<&CaseAgency> = involved.iter().filter(|a| a.left_at.is_none()).collect();
    let cfg = state.config(&ctx.municipality)?;
    let body = html! {
        (retry.saved.notice())
        p.muted { "閲覧の根拠: " (grant.basis().label()) "(" (grant.view().label()) ")" }
        (problems(&retry.messages))
        @if offer_move {
            section.card.alert {
                p { strong { "同意が得られました。重層的支援会議へ移すことができます" } }
                p { (cfg.support_meeting.name) "から" (cfg.multilayer_meeting.name) "へ: "
                    a.button href={ "/cases/" (case.id) "/move-to-multilayer" } { "重層的支援会議へ移す" } }
            }
        }
        (plan_outline(case.id, plan.as_ref(), ctx.today))
        section.card {
            h2 { "ケースの概要" }
            dl.facts {
                dt { "対象" } dd { (subject_link(&case)) }
                dt { "状態" } dd {
                    strong { (case.status.label()) }
                    @if let Some(f) = &case.suspended_from { "(中断前: " (status_label(f)) ")" }
                }
                dt { "支援の種類" } dd { @for k in &kinds { span.badge { (kind_label(k)) } " " } }
                dt { "主担当機関" } dd { (case.lead_agency_name) }
                dt { "開始日" } dd { (jst(case.opened_at)) }
                dt { "多機関協働" } dd {
                    @match case.coordination_ended_at {
                        None if case.closed_at.is_some() => "関与終了(ケース終結)",
                        None => "多機関協働 関与中",
                        Some(at) => { "主担当機関へ引継ぎ済み(" (jst(at)) "・" (case.handover_note) ")" },
                    }
                }
                @if let Some(r) = &case.closure_reason {
                    dt { "終結の理由" } dd { (closure_label(r)) @if let Some(at) = case.closed_at { "(" (jst(at)) ")" } }
                }
                @if case.intake_id.is_some() || !case.summary.is_empty() {
                    dt { "概要" } dd.pre {
                        @if let Some(i) = case.intake_id { a href={ "/intakes/" (i) } { "相談受付 #" (i) } " " }
                        (case.summary)
                    }
                }
            }
            h3 { "関与機関" }
            @if involved.is_empty() { (empty("主担当機関のほかに関与機関はありません。")) }
            @else {
                table {
                    thead { tr { th { "機関" } th { "関与開始" } th { "関与終了" } @if may_manage { th {} } } }
                    tbody {
                        @for a in &involved {
                            tr {
                                td { (a.agency_name) }
                                td { (jst(a.joined_at)) }
                                td { @if let Some(l) = a.left_at { (jst(l)) } }
                                @if may_manage {
                                    td { @if a.left_at.is_none() {
                                        a.button href={ "/cases/" (case.id) "/agencies/" (a.agency_id) "/end" } { "関与を終了…" }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card.noprint {
            h2 { "アセスメント・支援プラン・会議" }
            p {
                a href={ "/cases/" (case.id) "/assessment" } { "アセスメントシート" } " ・ "
                a href={ "/cases/" (case.id) "/assessment/versions" } { "版の履歴" } " ・ "
                a href={ "/cases/" (case.id) "/assessment/print" } { "印刷用(A4)" } " ・ "
                a href={ "/cases/" (case.id) "/support-plans" } { "支援プラン" }
            }
            @if !agendas.is_empty() {
                ul {
                    @for a in &agendas {
                        li {
                            a href={ "/meetings/" (a.meeting_id) } {
                                (format_wareki(a.held_on)) " "
                                (consents::meeting_name(&cfg, a.kind))
                            }
                            @if let Some(at) = a.removed_at { "(" (jst(at)) "に議題から外れました)" }
                        }
                    }
                }
            }
        }
        (consents::consent_list(ctx, &consents, &cfg, writable, &format!("/cases/{}/consents/new", case.id)))
        section.card {
            h2 { "経過(状態の変更・関与機関・引継ぎ)" }
            table {
                thead { tr { th { "日時" } th { "操作" } th { "状態" } th { "理由・内容" } th { "記録者" } } }
                tbody {
                    @for e in &events {
                        tr {
                            td { (jst(e.occurred_at)) }
                            td { (event_label(&e.event)) }
                            td {
                                @if let Some(f) = &e.from_status { (status_label(f)) " → " }
                                @if let Some(t) = &e.to_status { (status_label(t)) }
                            }
                            td.pre { (event_text(e, &agencies)) }
                            td { (e.user_name) "(" (e.agency_name) ")" }
                        }
                    }
                }
            }
        }
        // The action forms come after what the case is about (a tablet shows that first).
        @if may_reopen && !may_manage {
            section.card.noprint #status {
                h2 { "ケースを再開する(終結の取消し)" }
                form method="post" action={ "/cases/" (case.id) "/events" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label.block { "再開の理由(必須)" textarea name="note" rows="2" required { (retry.note("events")) } }
                    button type="submit" name="event" value=(event_value(&CaseEvent::Reopen)) { (event_button(&CaseEvent::Reopen)) }
                }
            }
        }
        @if may_manage {
            section.card.noprint #status {
                h2 { "状態を変える" }
                form method="post" action={ "/cases/" (case.id) "/events" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label.block { "理由・経緯(中断・再開では必須)" textarea name="note" rows="2" { (retry.note("events")) } }
                    @for e in case::events_from(case.status) {
                        button type="submit" name="event" value=(event_value(&e)) { (event_button(&e)) } " "
                    }
                }
                @if case.status != CaseStatus::Closed {
                    h3 { "終結する" }
                    form method="post" action={ "/cases/" (case.id) "/events" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        input type="hidden" name="event" value="close";
                        label { "終結の理由 "
                            select name="reason" required {
                                option value="" { "選んでください" }
                                @for r in ClosureReason::ALL { option value=(r.code()) { (r.label()) } }
                            }
                        }
                        label.block { "終結の判断と経緯(必須)" textarea name="note" rows="2" required { (retry.note("close")) } }
                        button type="submit" { "終結する" }
                    }
                }
            }
            section.card.noprint #agencies {
                h2 { "関与機関・主担当機関" }
                form.inline method="post" action={ "/cases/" (case.id) "/agencies" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label { "関与機関を追加 "
                        select name="agency_id" required {
                            option value="" { "選んでください" }
                            @for a in record_holding(&agencies).filter(|a| a.id != case.lead_agency_id && !active.iter().any(|c| c.agency_id == a.id)) {
                                option value=(a.id) { (a.name) }
                            }
                        }
                    }
                    button type="submit" { "追加" }
                }
                " "
                form.inline method="post" action={ "/cases/" (case.id) "/lead" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label { "主担当機関を変更 "
                        select name="agency_id" required {
                            option value="" { "選んでください" }
                            @for a in record_holding(&agencies).filter(|a| a.id != case.lead_agency_id) { option value=(a.id) { (a.name) } }
                        }
                    }
                    button type="submit" { "変更" }
                }
            }
            @if open && case.coordination_ended_at.is_none() {
                section.card.noprint #handover {
                    h2 { "主担当機関へ引き継ぐ(多機関協働の関与終了)" }
                    p.muted { "役割分担に合意し、主担当機関(多機関協働事業者以外)が支援を続けるときに記録します。ケースの終結とは別です。" }
                    form method="post" action={ "/cases/" (case.id) "/handover" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        label.block { "引継ぎの内容(役割分担の合意など・必須)" textarea name="note" rows="2" required { (retry.note("handover")) } }
                        button type="submit" { "引継ぎを記録する" }
                    }
                }
            }
        }
    };
    let status_code = form_status(&retry.messages);
    let title = format!("ケース #{}({})", case.id, case.subject_name);
    Ok((status_code, page(ctx, &title, "/collaboration", body)).into_response())
}

async fn case_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    let retry = Retry {
        saved,
        ..Retry::default()
    };
    Ok(render_case(&state, &ctx, id, &retry).await?)
}

/// After a form on the case page: back to the page, or the page again with the messages.
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    note: &str,
    result: kasane_app::AppResult<()>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?saved=1")).into_response()),
        Err(kasane_app::AppError::Validation(messages)) => {
            let retry = Retry {
                form,
                messages,
                note: note.to_string(),
                ..Retry::default()
            };
            Ok(render_case(state, ctx, id, &retry).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn event(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let raw = field(&pairs, "event");
    let (name, to) = raw.split_once(':').unwrap_or((raw, ""));
    let note = field(&pairs, "note");
    let form = if name == "close" { "close" } else { "events" };
    let result = match parse_event(name, to, field(&pairs, "reason")) {
        // 中断 and 終結 stop the work on the case: a step to confirm, once the reason is
        // there (without one, the move is refused below with its message).
        Ok(e @ (CaseEvent::Suspend | CaseEvent::Close { .. }))
            if !confirmed(&pairs) && !note.trim().is_empty() =>
        {
            return Ok(confirm_move(&ctx, id, &e, &pairs).into_response());
        }
        Ok(e) => move_case(&state, &ctx, id, &e, note).await.map(|_| ()),
        Err(e) => Err(e),
    };
    answer(&state, &ctx, id, form, note, result).await
}

/// The confirmation step of 中断 or 終結, with what was sent.
fn confirm_move(ctx: &Ctx, id: i64, e: &CaseEvent, pairs: &[(String, String)]) -> Markup {
    let path = format!("/cases/{id}");
    let consequence = match e {
        CaseEvent::Close { .. } => {
            "終結すると、関与機関はこのケースに記録を追加できなくなります(記録は残り、理由を記録して再開できます)。"
        }
        _ => "中断すると、支援の記録とモニタリングが止まります(理由を記録して再開できます)。",
    };
    let fields = html! {
        @for (k, v) in pairs.iter().filter(|(k, _)| k != "csrf" && k != "confirm") {
            input type="hidden" name=(k) value=(v);
        }
        dl.facts { dt { "理由・経緯" } dd.pre { (field(pairs, "note")) } }
    };
    page(
        ctx,
        e.label(),
        "/collaboration",
        confirmation(
            ctx,
            (&format!("{path}/events"), &path),
            e.label(),
            consequence,
            fields,
        ),
    )
}

#[derive(Deserialize)]
struct AgencyForm {
    csrf: String,
    agency_id: Option<AgencyId>,
}

fn chosen(agency_id: Option<AgencyId>) -> kasane_app::AppResult<AgencyId> {
    agency_id.ok_or_else(|| invalid(&["機関を選んでください"]))
}

#[derive(Clone, Copy)]
enum AgencyChange {
    Add,
    Lead,
}

async fn change_agency(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: AgencyForm,
    change: AgencyChange,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let result = match (chosen(form.agency_id), change) {
        (Ok(a), AgencyChange::Add) => add_agency(&state, &ctx, id, a).await,
        (Ok(a), AgencyChange::Lead) => change_lead(&state, &ctx, id, a).await,
        (Err(e), _) => Err(e),
    };
    answer(&state, &ctx, id, "agency", "", result).await
}

async fn agency_add(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    change_agency(state, ctx, id, form, AgencyChange::Add).await
}

async fn lead(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    change_agency(state, ctx, id, form, AgencyChange::Lead).await
}

/// The confirmation step of 関与を終了: what it means, and the reason it is ended with.
async fn render_agency_end(
    state: &AppState,
    ctx: &Ctx,
    (id, agency_id): (i64, AgencyId),
    reason: &str,
    errors: &[String],
) -> Result<Response, AppError> {
    let detail = load_case(state, ctx, id).await?;
    let Some(a) = detail
        .agencies
        .iter()
        .find(|a| a.agency_id == agency_id && a.left_at.is_none())
    else {
        return Err(AppError::NotFound);
    };
    let body = html! {
        (problems(errors))
        section.card {
            h2 { (a.agency_name) "の関与を終了する" }
            p { "この機関はケースの関与機関から外れ、以後このケースの記録を追加できなくなります(これまでの記録は残り、その機関も閲覧できます)。終了の理由はケースの経過に残ります。" }
            form method="post" action={ "/cases/" (id) "/agencies/" (agency_id) "/end" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                label.block { "関与を終了する理由(必須)" textarea name="reason" rows="3" required { (reason) } }
                div.actions {
                    button type="submit" { "関与を終了する" }
                    " " a href={ "/cases/" (id) } { "やめる" }
                }
            }
        }
    };
    Ok((
        form_status(errors),
        page(ctx, "関与を終了する", "/collaboration", body),
    )
        .into_response())
}

async fn agency_end_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(ids): Path<(i64, AgencyId)>,
) -> Result<Response, PageError> {
    Ok(render_agency_end(&state, &ctx, ids, "", &[]).await?)
}

async fn agency_end(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, agency_id)): Path<(i64, AgencyId)>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let reason = field(&pairs, "reason");
    match end_agency(&state, &ctx, id, agency_id, reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?saved=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            Ok(render_agency_end(&state, &ctx, (id, agency_id), reason, &errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct NoteForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn handover(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let result = hand_over(&state, &ctx, id, &form.note).await;
    answer(&state, &ctx, id, "handover", &form.note, result).await
}

// ---------------------------------------------------------------------------
// Assessment pages
// ---------------------------------------------------------------------------

fn risk_labels(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| label_of::<Risk>(c, Risk::label))
        .collect::<Vec<_>>()
        .join("・")
}

fn issue_labels(cfg: &MunicipalityConfig, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            cfg.issue_category(c)
                .map_or_else(|| c.clone(), |i| i.name.clone())
        })
        .collect::<Vec<_>>()
        .join("・")
}

/// A sheet as a read-only table (the page, the versions and the print share it).
fn sheet_table(cfg: &MunicipalityConfig, sheet: &AssessmentDraft) -> Markup {
    html! {
        table.sheet {
            tbody {
                @for (field, label) in SECTIONS {
                    tr { th scope="row" { (label) } td.pre { (sheet.section(field)) } }
                }
                tr { th scope="row" { "リスク" } td { (risk_labels(&sheet.risks)) } }
                tr { th scope="row" { "課題の分野" } td { (issue_labels(cfg, &sheet.issues)) } }
            }
        }
    }
}

/// What the assessment page shows again after a save that did not go through.
enum Refused<'a> {
    /// Field problems (422).
    Invalid(&'a [String]),
    /// Saved from an older version (409): the newest beside what was sent.
    Stale,
}

async fn render_assessment(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    typed: Option<&AssessmentDraft>,
    refused: Option<Refused<'_>>,
) -> Result<Response, AppError> {
    let Assessments {
        case,
        grant,
        versions: history,
    } = assessments(state, ctx, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let latest = history.first();
    let empty_sheet = AssessmentDraft::default();
    let d = typed.unwrap_or_else(|| latest.map_or(&empty_sheet, |v| &v.sheet));
    let has = |list: &[String], code: &str| list.iter().any(|c| c == code);
    let errors = match refused {
        Some(Refused::Invalid(errors)) => errors,
        _ => &[],
    };
    let stale = matches!(refused, Some(Refused::Stale));
    let body = html! {
        p.muted { a href={ "/cases/" (case.id) } { "ケース #" (case.id) "(" (case.subject_name) ")へ戻る" } }
        @if let Some(v) = latest {
            p { "最新: 第" (v.row.version) "版(" (jst(v.row.created_at)) " " (v.row.author_name) "・" (v.row.author_agency_name) ") "
                a href={ "/cases/" (case.id) "/assessment/versions" } { "版の履歴" } " ・ "
                a href={ "/cases/" (case.id) "/assessment/print" } { "印刷用(A4)" } }
        } @else {
            (empty("まだアセスメントは記録されていません。"))
        }
        (problems(errors))
        @if stale {
            (reconcile(
                &latest.map_or_else(String::new, |v| format!("最新の版(第{}版・{} {})", v.row.version, jst(v.row.created_at), v.row.author_name)),
                latest.map_or_else(|| html! {}, |v| sheet_table(&cfg, &v.sheet)),
                sheet_table(&cfg, d),
            ))
        }
        @if grant.view() == View::Full {
            form method="post" action={ "/cases/" (case.id) "/assessment" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                input type="hidden" name="version" value=(latest.map_or(0, |v| v.row.version));
                section.card {
                    h2 { "アセスメントシート(保存すると新しい版になります)" }
                    @for (field, label) in SECTIONS {
                        label.block { (label) @if field == "wishes" { "(必須: 聞き取れなかったときはその旨を)" }
                            textarea name=(field) rows="3" required[field == "wishes"] { (d.section(field)) } }
                    }
                    fieldset {
                        legend { "リスク" }
                        @for r in Risk::ALL {
                            label.check { input type="checkbox" name="risks" value=(r.code()) checked[has(&d.risks, r.code())]; (r.label()) }
                        }
                    }
                    fieldset {
                        legend { "課題の分野" }
                        @for c in &cfg.issue_categories {
                            label.check { input type="checkbox" name="issues" value=(c.code) checked[has(&d.issues, &c.code)]; (c.name) }
                        }
                    }
                }
                button type="submit" { "新しい版として保存" }
            }
        } @else if let Some(v) = latest {
            section.card { (sheet_table(&cfg, &v.sheet)) }
        }
    };
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        form_status(errors)
    };
    Ok((status, page(ctx, "アセスメント", "/collaboration", body)).into_response())
}

async fn assessment_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render_assessment(&state, &ctx, id, None, None).await?)
}

async fn assessment_save(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = draft_from_pairs(&pairs);
    // A form without its version (or a garbled one) was not made from any version: it is
    // shown beside the newest rather than saved over it.
    let from_version = field(&pairs, "version").parse().unwrap_or(-1);
    let refused = match save_assessment(&state, &ctx, id, from_version, &draft).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/cases/{id}/assessment/versions?saved=1")).into_response(),
            );
        }
        Err(kasane_app::AppError::Validation(errors)) => errors,
        Err(kasane_app::AppError::Conflict(_)) => {
            return Ok(
                render_assessment(&state, &ctx, id, Some(&draft), Some(Refused::Stale)).await?,
            );
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render_assessment(
        &state,
        &ctx,
        id,
        Some(&draft),
        Some(Refused::Invalid(&refused)),
    )
    .await?)
}

async fn assessment_versions(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let Assessments {
        case,
        versions: history,
        ..
    } = assessments(&state, &ctx, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let body = html! {
        (saved.notice())
        p.muted { a href={ "/cases/" (case.id) } { "ケース #" (case.id) "(" (case.subject_name) ")へ戻る" } " ・ "
            a href={ "/cases/" (case.id) "/assessment" } { "アセスメントシート" } }
        @if history.is_empty() { (empty("まだアセスメントは記録されていません。")) }
        @else {
            table {
                thead { tr { th { "版" } th { "日時" } th { "記録者" } th { "変更した項目" } th {} } }
                tbody {
                    @for v in &history {
                        tr {
                            td { "第" (v.row.version) "版" }
                            td { (jst(v.row.created_at)) }
                            td { (v.row.author_name) "(" (v.row.author_agency_name) ")" }
                            td { (v.changed.join("・")) }
                            td { a href={ "/cases/" (case.id) "/assessment/print?version=" (v.row.version) } { "印刷用" } }
                        }
                    }
                }
            }
            @for v in &history {
                details.card {
                    summary { "第" (v.row.version) "版の内容" }
                    (sheet_table(&cfg, &v.sheet))
                }
            }
        }
    };
    Ok(page(&ctx, "アセスメントの版の履歴", "/collaboration", body))
}

#[derive(Deserialize)]
struct PrintQuery {
    version: Option<i32>,
}

/// The A4 sheet: printing is an export of personal data (full grant, audited as export).
async fn assessment_print(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(q): Query<PrintQuery>,
) -> Result<Markup, PageError> {
    let print = assessment_to_print(&state, &ctx, id, q.version).await?;
    let cfg = state.config(&ctx.municipality)?;
    let (case, chosen, person, members) =
        (&print.case, &print.version, &print.person, &print.members);
    let body = html! {
        section.card.sheet.print-sheet {
            h2 { "アセスメントシート" }
            dl.facts {
                @if let Some(p) = person {
                    dt { "氏名" } dd { (p.name) " " (p.furigana.as_deref().unwrap_or("")) }
                    dt { "生年月日" } dd { (p.birth_date.map_or_else(|| "—".to_string(), format_wareki)) }
                } @else {
                    dt { "世帯" } dd { (case.subject_name) }
                    dt { "世帯員(生年月日)" } dd {
                        @for m in members {
                            (m.name) "(" (m.birth_date.map_or_else(|| "—".to_string(), format_wareki)) ") "
                        }
                    }
                }
                dt { "ケース" } dd { "#" (case.id) "(" (case.status.label()) "・主担当: " (case.lead_agency_name) ")" }
                dt { "版" } dd { "第" (chosen.row.version) "版" }
                dt { "記録者" } dd { (chosen.row.author_name) "(" (chosen.row.author_agency_name) ")" }
                dt { "記録日" } dd { (jst(chosen.row.created_at)) }
            }
            (sheet_table(&cfg, &chosen.sheet))
            p.muted { "印刷日: " (format_wareki(ctx.today)) " ・ " (ctx.municipality.name) " 重層的支援体制整備事業" }
        }
        p.noprint { button.print type="button" data-print="1" { "印刷" } " " a href={ "/cases/" (case.id) "/assessment" } { "戻る" } }
    };
    Ok(page(
        &ctx,
        "アセスメントシート(印刷用)",
        "/collaboration",
        body,
    ))
}

// ---------------------------------------------------------------------------
// On the person page
// ---------------------------------------------------------------------------

fn case_lines(cases: &[Case]) -> Markup {
    html! {
        @if cases.is_empty() { (empty("閲覧できるケースはありません。")) }
        @else {
            ul { @for c in cases {
                li { a href={ "/cases/" (c.id) } { "ケース #" (c.id) } " " (c.status.label()) "(主担当: " (c.lead_agency_name) "・" (jst(c.opened_at)) "〜)" }
            } }
        }
    }
}

/// The household page's 多機関協働 section: the household's cases the caller may read, and
/// 「ケースを開く」 for a coordinator with a full view of the household.
pub async fn household_section(
    state: &AppState,
    ctx: &Ctx,
    household_id: i64,
    grant: Grant,
) -> Result<Markup, AppError> {
    let cases = household_cases(state, ctx, household_id).await?;
    let opener = may_open_case(ctx, &grant);
    Ok(html! {
        section.card #cases {
            h2 { "多機関協働(世帯のケース)" }
            (case_lines(&cases))
            @if opener {
                p.noprint { a.button href={ "/cases/new?household_id=" (household_id) } { "ケースを開く" } }
            }
        }
    })
}

/// The person page's 多機関協働 part: the person's cases the caller may read (others are
/// skipped, not refused), escalated intakes waiting for a case, 「ケースを開く」, and the
/// person's consents.
pub async fn person_section(
    state: &AppState,
    ctx: &Ctx,
    person: &Person,
    grant: Grant,
) -> Result<Markup, AppError> {
    let PersonCases {
        cases,
        waiting,
        consents,
    } = person_cases(state, ctx, person, &grant).await?;
    let opener = may_open_case(ctx, &grant);
    let cfg = state.config(&ctx.municipality)?;
    Ok(html! {
        section.card #cases {
            h2 { "多機関協働(ケース)" }
            (case_lines(&cases))
            @for i in &waiting {
                p { "多機関協働へつないだ相談受付(" (jst(i.received_at)) "・" (i.receiving_agency_name) ") "
                    a.button href={ "/cases/new?intake_id=" (i.id) } { "ケースを開く" } }
            }
            @if opener {
                p { a.button href={ "/cases/new?person_id=" (person.id) } { "ケースを開く" } }
            }
        }
        (consents::consent_list(ctx, &consents, &cfg, grant.view() == View::Full, &format!("/persons/{}/consents/new", person.id)))
    })
}

/// On an escalated intake's page: its case, or 「ケースを開く」 for a coordinator who may.
pub async fn intake_case_link(
    state: &AppState,
    ctx: &Ctx,
    intake: &kasane_store::intake::Intake,
    access: &kasane_app::guard::PersonAccess,
) -> Result<Markup, AppError> {
    if intake.outcome != Outcome::Escalated {
        return Ok(html! {});
    }
    let case = intake_case(state, intake, access).await?;
    let opener = may_open_case(ctx, &access.grant);
    Ok(html! {
        @match case {
            Some(c) => a href={ "/cases/" (c.id) } { "ケース #" (c.id) },
            None => @if opener { a.button href={ "/cases/new?intake_id=" (intake.id) } { "ケースを開く" } },
        }
    })
}

/// The coordinator's worklist list of roles and plan actions whose agency can no longer
/// read the case (its 本人同意 or 支援会議 basis lapsed).
pub fn basis_lost_markup(rows: &[kasane_store::role_holder::RoleHolder], foot: Markup) -> Markup {
    html! {
        @if !rows.is_empty() {
            h3 { "担当機関が閲覧できなくなった役割・支援内容" }
            p.muted { "本人同意の撤回・期限切れや支援会議の議題から外れたことで、担当の機関がケースを閲覧できなくなっています。役割分担の見直しか、本人同意の取り直しを検討してください。" }
            ul.basis-lost { @for r in rows {
                li {
                    a href={ "/cases/" (r.case_id) } { (r.subject_name) "さんのケース" }
                    " — " (r.agency_name) "("
                    @if r.source == "role" { "役割分担" } @else { "支援プランの支援内容" }
                    ": " (r.task) ")"
                }
            } }
            (foot)
        }
    }
}
