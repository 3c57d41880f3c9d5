//! Pages: アウトリーチ — the team's view (its active outreach cases, most overdue first,
//! usable on a tablet before a visit) and the printable 訪問予定表, opening an outreach
//! case, the case's page (who brought the concern, the engagement stage and its history,
//! the contact attempts, 情報収集 for the team, 伴走支援, the rhythm and its alerts, the
//! hand-over), and the contact attempt form. The use cases are `kasane_app::outreach`;
//! these pages render them. The person, household and intake pages show their part
//! through `pages/sections.rs`.

use axum::Router;
use axum::extract::{Path, Query, RawForm};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::intake::IntakeRead;
use kasane_app::consultation::person::districts;
use kasane_app::guard::{Grant, PersonAccess};
use kasane_app::outreach::attempt::{AttemptStart, attempt_start, record_attempt_for};
use kasane_app::outreach::case::{
    HandoverInput, OpenInput, OpenSubject, OutreachDetail, draft_from, hand_over,
    household_outreach, intake_outreach, load_outreach, may_open, move_stage, open_outreach_for,
    open_subject, person_outreach, set_interval,
};
use kasane_app::outreach::gathering::{record_accompaniment, record_note};
use kasane_app::outreach::rhythm::{TeamLine, team_cases};
use kasane_domain::access::may_see_person_data;
use kasane_domain::municipality::Pillar;
use kasane_domain::outreach::{
    AccompanimentDraft, AccompanimentKind, Alert, AttemptDraft, ContactMethod, ContactOutcome,
    InformantKind, NoteDraft, WhomMet,
};
use kasane_domain::wareki::{format_wareki, format_wareki_short};
use kasane_store::municipality::{Agency, District};
use kasane_store::outreach::OutreachCase;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::municipality::pillar_body;
use crate::ui::fmt::{birth_label, district_name, jst};
use crate::ui::form::{Saved, field, form_status, ids, marked, problems, submitted};
use crate::ui::layout::{empty, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outreach", get(team_page))
        .route("/outreach/schedule", get(schedule_page))
        .route("/outreach/new", get(new_page).post(create))
        .route("/outreach/{id}", get(case_page))
        .route(
            "/outreach/{id}/attempts/new",
            get(attempt_page).post(attempt_create),
        )
        .route("/outreach/{id}/stage", post(stage))
        .route("/outreach/{id}/notes", post(note))
        .route("/outreach/{id}/accompaniments", post(accompaniment))
        .route("/outreach/{id}/interval", post(interval))
        .route("/outreach/{id}/handover", post(handover))
}

const TAB: &str = "/outreach";

fn subject_link(o: &OutreachCase) -> Markup {
    html! {
        @match (o.person_id, o.household_id) {
            (Some(p), _) => a href={ "/persons/" (p) } { (o.subject_name) },
            (None, Some(h)) => a href={ "/households/" (h) } { "世帯: " (o.subject_name) },
            _ => (o.subject_name),
        }
    }
}

/// An alert in a few words, with its evidence.
fn alert_text(a: &Alert) -> String {
    match a {
        Alert::Overdue { due, days } => {
            format!("{}日超過(予定 {})", days, format_wareki_short(*due))
        }
        Alert::Unreached { count, since } => {
            format!("{count}回続けて会えず({}〜)", format_wareki_short(*since))
        }
        Alert::Stalled { since, months } => {
            format!(
                "{months}か月 段階の変化なし({}〜)",
                format_wareki_short(*since)
            )
        }
        Alert::Safety { on } => format!("安否の懸念({})", format_wareki_short(*on)),
    }
}

fn alert_badges(alerts: &[Alert]) -> Markup {
    html! {
        @for a in alerts { span.badge.warn title=(a.label()) { (alert_text(a)) } " " }
    }
}

/// The last contact, in a few words.
fn last_contact(l: &TeamLine) -> String {
    l.last.map_or_else(
        || "まだ接触なし".to_string(),
        |a| {
            format!(
                "{} {}・{}",
                format_wareki_short(kasane_app::outreach::local(a.attempted_at).date()),
                a.method.label(),
                a.outcome.label()
            )
        },
    )
}

fn next_planned(l: &TeamLine) -> String {
    l.next_planned_on()
        .map_or_else(|| "未定".to_string(), format_wareki_short)
}

/// The outreach cases on the worklist (the lead agency's staff and the coordinator).
pub fn worklist_markup(rows: &[TeamLine], foot: Markup) -> Markup {
    html! {
        @if !rows.is_empty() {
            h3 { "アウトリーチ(接触の予定・安否の確認)" }
            ul.outreach-alerts { @for l in rows {
                li {
                    a href={ "/outreach/" (l.case.id) } { (l.case.subject_name) "さん" }
                    " — " (l.case.stage.label()) "・前回 " (last_contact(l)) " "
                    (alert_badges(&l.alerts))
                }
            } }
            (foot)
        }
    }
}

// ---------------------------------------------------------------------------
// The team's view and the 訪問予定表
// ---------------------------------------------------------------------------

/// `/outreach`: the team's active outreach cases, most overdue first.
async fn team_page(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    let configured = pillar_body(&state, &ctx, Pillar::Outreach).await?;
    let person_data = may_see_person_data(&ctx.actor);
    let (rows, dists) = if person_data {
        (
            team_cases(&state, &ctx).await?,
            districts(&state, &ctx).await?,
        )
    } else {
        (Default::default(), Vec::new())
    };
    let body = html! {
        @if person_data {
            section.card.team {
                h2 { "チームの担当ケース(接触の予定を過ぎたものから)" }
                p.noprint { a.button href="/outreach/schedule" { "訪問予定表(印刷用)" } }
                @if rows.items.is_empty() {
                    (empty("担当しているアウトリーチのケースはありません。本人・世帯のページや相談受付から始めます。"))
                } @else {
                    table.team {
                        thead { tr { th { "対象" } th { "地区" } th { "段階" } th { "前回の接触" } th { "次回の予定" } th { "注意" } } }
                        tbody {
                            @for l in &rows.items {
                                tr {
                                    td { a href={ "/outreach/" (l.case.id) } { (l.case.subject_name) } }
                                    td { (district_name(&dists, l.case.district_code.as_deref())) }
                                    td { (l.case.stage.label()) }
                                    td { (last_contact(l)) }
                                    td { (next_planned(l)) }
                                    td { (alert_badges(&l.alerts)) }
                                }
                            }
                        }
                    }
                    @if rows.more { p.muted { "表示しきれないケースがあります(上位のみ表示)。" } }
                }
            }
        }
        (configured)
    };
    Ok(page(&ctx, Pillar::Outreach.label(), TAB, body))
}

/// `/outreach/schedule`: the 訪問予定表 — only what a visit needs (whom, where, the stage,
/// the last contact, the planned day, what to watch for), never what is known or observed.
async fn schedule_page(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    let rows = team_cases(&state, &ctx).await?;
    let dists = districts(&state, &ctx).await?;
    let body = html! {
        section.card.sheet.print-sheet.schedule {
            h2 { "訪問予定表" }
            p { (ctx.agency.name) " ・ " (format_wareki(ctx.today)) "現在" }
            @if rows.items.is_empty() {
                (empty("担当しているアウトリーチのケースはありません。"))
            } @else {
                table.schedule {
                    thead { tr { th { "次回の予定" } th { "対象" } th { "住所" } th { "地区" } th { "段階" } th { "前回の接触" } th { "注意" } } }
                    tbody {
                        @for l in &rows.items {
                            tr {
                                td { (next_planned(l)) }
                                td { (l.case.subject_name) }
                                td { (l.case.address) }
                                td { (district_name(&dists, l.case.district_code.as_deref())) }
                                td { (l.case.stage.label()) }
                                td { (last_contact(l)) }
                                td { @for a in &l.alerts { (alert_text(a)) br; } }
                            }
                        }
                    }
                }
            }
            p.muted { "個人情報を含みます。訪問後は持ち帰り、所定の方法で廃棄してください。" }
        }
        p.noprint { button.print type="button" data-print="1" { "印刷" } " " a href=(TAB) { "戻る" } }
    };
    Ok(page(&ctx, "訪問予定表(印刷用)", TAB, body))
}

// ---------------------------------------------------------------------------
// Opening an outreach case
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    person_id: Option<i64>,
    household_id: Option<i64>,
    intake_id: Option<i64>,
}

fn open_input(pairs: &[(String, String)]) -> OpenInput {
    let id = |k: &str| field(pairs, k).trim().parse().ok();
    OpenInput {
        person_id: id("person_id"),
        household_id: id("household_id"),
        intake_id: id("intake_id"),
        lead_agency_id: id("lead_agency_id"),
        agencies: ids(pairs, "agencies"),
        informant_kind: field(pairs, "informant_kind").to_string(),
        informant: field(pairs, "informant").to_string(),
        known: field(pairs, "known").to_string(),
        interval_days: field(pairs, "interval_days").trim().parse().ok(),
    }
}

/// The agencies that keep case records, to choose the lead and the involved ones from.
fn holding(agencies: &[Agency]) -> impl Iterator<Item = &Agency> {
    kasane_app::collaboration::case::record_holding(agencies)
}

fn render_new(ctx: &Ctx, input: &OpenInput, subject: &OpenSubject, errors: &[String]) -> Response {
    let lead = input.lead_agency_id.unwrap_or(ctx.agency.id);
    let whom = match (&subject.person, &subject.household) {
        (Some(p), _) => format!("{}({})", p.name, birth_label(p, ctx.today)),
        (None, Some(h)) => format!("世帯: {}", h.label),
        (None, None) => String::new(),
    };
    let body = html! {
        (problems(errors))
        form method="post" action="/outreach/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            @if let Some(p) = &subject.person { input type="hidden" name="person_id" value=(p.id); }
            @if let Some(h) = &subject.household { input type="hidden" name="household_id" value=(h.id); }
            @if let Some(i) = &subject.intake { input type="hidden" name="intake_id" value=(i.id); }
            section.card {
                h2 { "対象" }
                p { strong { (whom) }
                    @if let Some(i) = &subject.intake { " — " a href={ "/intakes/" (i.id) } { "相談受付 #" (i.id) } "(" (jst(i.received_at)) ")から" } }
                p.muted { "潜在的な支援ニーズがあり、本人からの相談を待たずに関わりを始めるときに開きます。" }
            }
            section.card {
                h2 { "情報提供者と、把握していること" }
                div.grid {
                    label { "情報提供者の種別"
                        select name="informant_kind" required aria-invalid=[marked(errors, "情報提供者の種別")] {
                            option value="" { "選んでください" }
                            @for k in InformantKind::ALL { option value=(k.code()) selected[input.informant_kind == k.code()] { (k.label()) } }
                        }
                    }
                    label { "情報提供者(氏名・立場など)"
                        input type="text" name="informant" value=(input.informant) required aria-invalid=[marked(errors, "情報提供者")];
                    }
                }
                label.block { "把握していること(様子・きっかけ・世帯の状況)"
                    textarea name="known" rows="4" required aria-invalid=[marked(errors, "把握していること")] { (input.known) }
                }
                p.muted { "民生委員・福祉員・近隣住民は利用者ではありません。その方の名前や連絡先は、ここと情報収集の記録にだけ書きます(アウトリーチのチームの外には見えません)。" }
            }
            section.card {
                h2 { "チームと接触のリズム" }
                div.grid {
                    label { "主担当機関(アウトリーチのチーム)"
                        select name="lead_agency_id" {
                            @for a in holding(&subject.agencies) { option value=(a.id) selected[a.id == lead] { (a.name) } }
                        }
                    }
                    label { "接触の間隔(日・空欄は自治体の既定)"
                        input type="number" name="interval_days" min="1" max="365"
                            value=[input.interval_days] aria-invalid=[marked(errors, "接触の間隔")];
                    }
                }
                fieldset {
                    legend { "一緒に訪問する関与機関(複数選択)" }
                    @for a in holding(&subject.agencies) {
                        label.check { input type="checkbox" name="agencies" value=(a.id) checked[input.agencies.contains(&a.id)]; (a.name) }
                    }
                }
            }
            button type="submit" { "アウトリーチを始める" }
        }
    };
    (
        form_status(errors),
        page(ctx, "アウトリーチを始める", TAB, body),
    )
        .into_response()
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let asked = OpenInput {
        person_id: q.person_id,
        household_id: q.household_id,
        intake_id: q.intake_id,
        ..OpenInput::default()
    };
    let subject = open_subject(&state, &ctx, &asked).await?;
    Ok(render_new(&ctx, &draft_from(&subject), &subject, &[]))
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let input = open_input(&pairs);
    let subject = open_subject(&state, &ctx, &input).await?;
    match open_outreach_for(&state, &ctx, &input, &subject).await {
        Ok(id) => Ok(Redirect::to(&format!("/outreach/{id}?saved=1")).into_response()),
        Err(kasane_app::AppError::Validation(errors)) => {
            Ok(render_new(&ctx, &input, &subject, &errors))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// The outreach case's page
// ---------------------------------------------------------------------------

/// What a refused form on the case page sent, to show it again with its problems.
#[derive(Default)]
struct Retry {
    /// Which form (the id of its section): stage, notes, accompaniment, rhythm, handover.
    form: &'static str,
    messages: Vec<String>,
    pairs: Vec<(String, String)>,
    saved: Saved,
}

impl Retry {
    /// What the form sent as `key`, or `default` when another form (or none) was sent.
    fn value<'a>(&'a self, form: &str, key: &str, default: &'a str) -> &'a str {
        if self.form == form {
            field(&self.pairs, key)
        } else {
            default
        }
    }

    fn errors(&self, form: &str) -> &[String] {
        if self.form == form {
            &self.messages
        } else {
            &[]
        }
    }
}

fn stage_section(ctx: &Ctx, d: &OutreachDetail, retry: &Retry) -> Markup {
    let o = &d.access.outreach;
    let errors = retry.errors("stage");
    html! {
        section.card #stage {
            h2 { "関係構築段階" }
            ol.stages {
                @for s in kasane_domain::outreach::EngagementStage::ALL {
                    li aria-current=[(s == o.stage).then_some("step")] {
                        @if s == o.stage { strong { (s.label()) } } @else { (s.label()) }
                    }
                }
            }
            p { "現在: " strong { (o.stage.label()) } "(" (jst(o.stage_since)) "から)" }
            @if d.may_manage {
                form.noprint method="post" action={ "/outreach/" (o.id) "/stage" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    (problems(errors))
                    @let to = retry.value("stage", "to", "");
                    label { "移す先 "
                        select name="to" required aria-invalid=[marked(errors, "移す先")] {
                            option value="" { "選んでください" }
                            @for s in o.stage.moves() {
                                option value=(s.code()) selected[to == s.code()] {
                                    (s.label()) @if s.rank() < o.stage.rank() { "(戻す)" }
                                }
                            }
                        }
                    }
                    label.block { "理由・経緯(戻すとき=関係が途切れたときは必須)"
                        textarea name="reason" rows="2" aria-invalid=[marked(errors, "理由")] { (retry.value("stage", "reason", "")) }
                    }
                    @if d.evidence.is_none() && o.stage.next().is_some() {
                        p.muted { "前回の段階の変更の後に、本人か家族に会えた接触の記録がまだありません。進めるには先に接触を記録してください。" }
                    }
                    button type="submit" { "段階を記録する" }
                }
            }
            h3 { "段階の履歴" }
            @if d.stage_events.is_empty() { (empty("まだ段階の変更はありません。")) }
            @else {
                table {
                    thead { tr { th { "日時" } th { "変更" } th { "根拠・理由" } th { "記録者" } } }
                    tbody { @for e in &d.stage_events {
                        tr {
                            td { (jst(e.occurred_at)) }
                            td { (e.from_stage.label()) " → " (e.to_stage.label())
                                @if e.direction == "back" { " " span.badge.warn { "関係が途切れた" } } }
                            td.pre {
                                @if let Some(a) = e.evidence_attempt_id { "接触記録 #" (a) " " }
                                (e.reason)
                            }
                            td { (e.user_name) "(" (e.agency_name) ")" }
                        }
                    } }
                }
            }
        }
    }
}

fn attempts_section(d: &OutreachDetail) -> Markup {
    let id = d.access.outreach.id;
    html! {
        section.card #attempts {
            h2 { "接触の記録" }
            @if d.writable { p.noprint { a.button href={ "/outreach/" (id) "/attempts/new" } { "接触を記録する" } } }
            @if d.attempts.is_empty() { (empty("まだ接触の記録はありません。")) }
            @else {
                table.attempts {
                    thead { tr { th { "日時・方法" } th { "職員" } th { "会えた人・結果" } th { "様子・安否" } th { "次回の予定" } } }
                    tbody { @for l in &d.attempts {
                        @let a = &l.attempt;
                        tr id={ "attempt-" (a.id) } {
                            td { (jst(a.attempted_at)) br; (a.method.label()) " " span.muted { "#" (a.id) } }
                            td { @for s in &l.staff { (s.user_name) "(" (s.agency_name) ")" br; } }
                            td { (a.met.label()) "・" (a.outcome.label()) }
                            td.pre {
                                @if a.safety_concern { span.badge.warn { "安否の懸念あり" } " " }
                                (a.observations)
                                @if !a.left_behind.is_empty() { br; "置いてきたもの: " (a.left_behind) }
                            }
                            td { (a.next_planned_on.map_or_else(|| "未定".to_string(), format_wareki)) }
                        }
                    } }
                }
            }
        }
    }
}

fn notes_section(ctx: &Ctx, d: &OutreachDetail, retry: &Retry) -> Markup {
    let id = d.access.outreach.id;
    let errors = retry.errors("notes");
    let today = format_wareki(ctx.today);
    html! {
        @if let Some(notes) = &d.notes {
            section.card #notes {
                h2 { "情報収集(関係機関・地域からの情報)" }
                p.muted { "アウトリーチのチーム(主担当機関・関与機関・多機関協働)だけが閲覧できます。" }
                @if notes.is_empty() { (empty("まだ情報収集の記録はありません。")) }
                @else {
                    ul.notes { @for n in notes {
                        li { strong { (format_wareki(n.noted_on)) " " (n.source_kind.label()) "・" (n.source) } ": "
                            span.pre { (n.body) } span.muted { "(記録: " (n.recorded_by_name) "・" (n.recorded_by_agency_name) ")" } }
                    } }
                }
                @if d.writable {
                    form.noprint method="post" action={ "/outreach/" (id) "/notes" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        h3 { "情報を記録する" }
                        (problems(errors))
                        div.grid {
                            label { "日付" input type="text" name="noted_on" value=(retry.value("notes", "noted_on", &today)) required aria-invalid=[marked(errors, "日付")]; }
                            label { "情報源の種別"
                                @let kind = retry.value("notes", "source_kind", "");
                                select name="source_kind" required aria-invalid=[marked(errors, "情報源の種別")] {
                                    option value="" { "選んでください" }
                                    @for k in InformantKind::ALL { option value=(k.code()) selected[kind == k.code()] { (k.label()) } }
                                }
                            }
                            label { "情報源(誰から)" input type="text" name="source" value=(retry.value("notes", "source", "")) required aria-invalid=[marked(errors, "情報源")]; }
                        }
                        label.block { "内容" textarea name="body" rows="3" required aria-invalid=[marked(errors, "内容")] { (retry.value("notes", "body", "")) } }
                        button type="submit" { "記録する" }
                    }
                }
            }
        }
    }
}

fn accompaniment_section(ctx: &Ctx, d: &OutreachDetail, retry: &Retry) -> Markup {
    let id = d.access.outreach.id;
    let errors = retry.errors("accompaniment");
    let today = format_wareki(ctx.today);
    html! {
        section.card #accompaniment {
            h2 { "伴走支援" }
            @if d.accompaniments.is_empty() { (empty("まだ伴走支援の記録はありません。")) }
            @else {
                ul { @for e in &d.accompaniments {
                    li { strong { (format_wareki(e.occurred_on)) " " (e.kind.label()) } ": " span.pre { (e.body) }
                        span.muted { "(" (e.recorded_by_name) "・" (e.agency_name) ")" } }
                } }
            }
            @if d.writable {
                form.noprint method="post" action={ "/outreach/" (id) "/accompaniments" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    (problems(errors))
                    div.grid {
                        label { "日付" input type="text" name="occurred_on" value=(retry.value("accompaniment", "occurred_on", &today)) required aria-invalid=[marked(errors, "日付")]; }
                        label { "伴走支援の種類"
                            @let kind = retry.value("accompaniment", "kind", "");
                            select name="kind" required aria-invalid=[marked(errors, "伴走支援の種類")] {
                                option value="" { "選んでください" }
                                @for k in AccompanimentKind::ALL { option value=(k.code()) selected[kind == k.code()] { (k.label()) } }
                            }
                        }
                    }
                    label.block { "内容" textarea name="body" rows="2" required aria-invalid=[marked(errors, "内容")] { (retry.value("accompaniment", "body", "")) } }
                    button type="submit" { "伴走支援を記録する" }
                }
            }
        }
    }
}

fn rhythm_section(ctx: &Ctx, d: &OutreachDetail, retry: &Retry) -> Markup {
    let o = &d.access.outreach;
    let errors = retry.errors("rhythm");
    let own = o.interval_days.map(|v| v.to_string()).unwrap_or_default();
    html! {
        section.card #rhythm {
            h2 { "接触のリズム" }
            p { "接触の間隔: " strong { (d.rhythm.interval_days) "日" }
                @if o.interval_days.is_none() { "(自治体の既定)" } }
            @if d.alerts.is_empty() { p { "注意が必要な点はありません。" } }
            @else { ul { @for a in &d.alerts { li { span.badge.warn { (a.label()) } " " (alert_text(a)) } } } }
            @if d.may_manage {
                form.inline.noprint method="post" action={ "/outreach/" (o.id) "/interval" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    (problems(errors))
                    label { "間隔を変える(日・空欄で既定) "
                        input type="number" name="interval_days" min="1" max="365" value=(retry.value("rhythm", "interval_days", &own)) aria-invalid=[marked(errors, "接触の間隔")];
                    }
                    " " button type="submit" { "変更" }
                }
            }
        }
    }
}

fn handover_section(ctx: &Ctx, d: &OutreachDetail, retry: &Retry) -> Markup {
    let o = &d.access.outreach;
    let errors = retry.errors("handover");
    html! {
        section.card #handover {
            h2 { "支援機関への引継ぎ" }
            @if d.handovers.is_empty() { (empty("まだ引継ぎはありません。")) }
            @else {
                ul { @for h in &d.handovers {
                    li { (jst(h.handed_over_at)) " "
                        @if let Some(r) = h.referral_id { a href={ "/referrals/" (r) } { "つなぎ #" (r) } @if let Some(n) = &h.referral_agency_name { "(" (n) ")" } }
                        @if let Some(c) = h.target_case_id { a href={ "/cases/" (c) } { "ケース #" (c) } }
                        " " (h.note) span.muted { "(" (h.user_name) "・" (h.agency_name) ")" } }
                } }
            }
            @if d.may_manage && kasane_domain::outreach::may_hand_over(o.stage) {
                form.noprint method="post" action={ "/outreach/" (o.id) "/handover" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    (problems(errors))
                    p.muted { "本人が支援を受け入れたら、つないだ先(つなぎの番号、または多機関協働・参加支援のケースの番号)を記録します。" }
                    div.grid {
                        label { "つなぎ #" input type="number" name="referral_id" min="1" value=(retry.value("handover", "referral_id", "")) aria-invalid=[marked(errors, "引継ぎ先")]; }
                        label { "またはケース #" input type="number" name="case_id" min="1" value=(retry.value("handover", "case_id", "")) aria-invalid=[marked(errors, "引継ぎ先")]; }
                    }
                    label.block { "引継ぎの内容" textarea name="note" rows="2" aria-invalid=[marked(errors, "引継ぎの内容")] { (retry.value("handover", "note", "")) } }
                    button type="submit" { "引継ぎを記録する" }
                }
            } @else if d.may_manage {
                p.muted { "引継ぎは本人が支援を受け入れてから(「支援受入」以降)記録します。" }
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
    let d = load_outreach(state, ctx, id).await?;
    let o = &d.access.outreach;
    let involved: Vec<&str> = d
        .agencies
        .iter()
        .filter(|a| a.left_at.is_none())
        .map(|a| a.agency_name.as_str())
        .collect();
    let body = html! {
        (retry.saved.notice())
        p.muted { "閲覧の根拠: " (d.access.grant.basis().label()) "(" (d.access.grant.view().label()) ")" }
        section.card {
            h2 { "アウトリーチの概要" }
            dl.facts {
                dt { "対象" } dd { (subject_link(o)) }
                dt { "情報提供者" } dd { (o.informant_kind.label()) "・" (o.informant)
                    @if let Some(i) = o.intake_id { "(" a href={ "/intakes/" (i) } { "相談受付 #" (i) } ")" } }
                dt { "把握していること" } dd.pre { (o.known) }
                dt { "主担当機関" } dd { (o.lead_agency_name) }
                dt { "関与機関" } dd { @if involved.is_empty() { "なし" } @else { (involved.join("、")) } }
                dt { "ケース" } dd { a href={ "/cases/" (o.id) } { "ケース #" (o.id) } "(" (o.status.label()) ")" }
                dt { "開始日" } dd { (jst(o.opened_at)) }
            }
        }
        (rhythm_section(ctx, &d, retry))
        (stage_section(ctx, &d, retry))
        (attempts_section(&d))
        (notes_section(ctx, &d, retry))
        (accompaniment_section(ctx, &d, retry))
        (handover_section(ctx, &d, retry))
    };
    let title = format!("アウトリーチ #{}({})", o.id, o.subject_name);
    Ok((form_status(&retry.messages), page(ctx, &title, TAB, body)).into_response())
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

/// After a form on the case page: back to the page (「記録しました」), or the page again
/// with the form's problems and what it sent (422).
async fn answer<T>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    (form, pairs): (&'static str, Vec<(String, String)>),
    result: kasane_app::AppResult<T>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/outreach/{id}?saved=1#{form}")).into_response()),
        Err(kasane_app::AppError::Validation(messages)) => {
            let retry = Retry {
                form,
                messages,
                pairs,
                ..Retry::default()
            };
            Ok(render_case(state, ctx, id, &retry).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn stage(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let result = move_stage(
        &state,
        &ctx,
        id,
        field(&pairs, "to"),
        field(&pairs, "reason"),
    )
    .await;
    answer(&state, &ctx, id, ("stage", pairs), result).await
}

/// A form's fields as the domain's draft (its field names are the draft's).
fn drafted<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, PageError> {
    serde_urlencoded::from_bytes(body).map_err(|_| {
        PageError(AppError::BadRequest("フォームの内容を読み取れません".into()).into())
    })
}

async fn note(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft: NoteDraft = drafted(&body)?;
    let result = record_note(&state, &ctx, id, &draft).await;
    answer(&state, &ctx, id, ("notes", pairs), result).await
}

async fn accompaniment(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft: AccompanimentDraft = drafted(&body)?;
    let result = record_accompaniment(&state, &ctx, id, &draft).await;
    answer(&state, &ctx, id, ("accompaniment", pairs), result).await
}

async fn interval(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let raw = field(&pairs, "interval_days").trim();
    let result = match raw {
        "" => set_interval(&state, &ctx, id, None).await,
        s => match s.parse::<u32>() {
            Ok(days) => set_interval(&state, &ctx, id, Some(days)).await,
            Err(_) => Err(kasane_app::error::invalid(&[
                "接触の間隔: 日数を数字で入力してください",
            ])),
        },
    };
    answer(&state, &ctx, id, ("rhythm", pairs), result).await
}

async fn handover(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let number = |k: &str| field(&pairs, k).trim().parse().ok();
    let input = HandoverInput {
        referral_id: number("referral_id"),
        case_id: number("case_id"),
        note: field(&pairs, "note").to_string(),
    };
    let result = hand_over(&state, &ctx, id, &input).await;
    answer(&state, &ctx, id, ("handover", pairs), result).await
}

// ---------------------------------------------------------------------------
// The contact attempt form
// ---------------------------------------------------------------------------

fn attempt_draft(pairs: &[(String, String)]) -> AttemptDraft {
    AttemptDraft {
        attempted_at: field(pairs, "attempted_at").to_string(),
        method: field(pairs, "method").to_string(),
        staff: ids(pairs, "staff"),
        met: field(pairs, "met").to_string(),
        outcome: field(pairs, "outcome").to_string(),
        left: field(pairs, "left_behind").to_string(),
        observations: field(pairs, "observations").to_string(),
        safety_concern: field(pairs, "safety_concern") == "1",
        next_planned_on: field(pairs, "next_planned_on").to_string(),
    }
}

/// Now, as the form shows it: `R7.6.3 14:05`.
fn now_field(state: &AppState) -> String {
    let now = kasane_app::outreach::local(state.now());
    format!(
        "{} {}",
        format_wareki_short(now.date()),
        now.format("%H:%M")
    )
}

/// One radio button per (code, label), the chosen one checked.
fn radios(name: &str, choices: &[(&'static str, &'static str)], chosen: &str) -> Markup {
    html! {
        @for (code, label) in choices {
            label.check { input type="radio" name=(name) value=(code) checked[chosen == *code] required; (label) }
        }
    }
}

fn render_attempt(
    ctx: &Ctx,
    start: &AttemptStart,
    agencies: &[Agency],
    d: &AttemptDraft,
    errors: &[String],
) -> Response {
    let o = &start.access.outreach;
    let agency = |id| {
        agencies
            .iter()
            .find(|a| a.id == id)
            .map_or("", |a| a.name.as_str())
    };
    let staff_choice = |slot: usize| d.staff.get(slot).copied();
    let body = html! {
        p { a href={ "/outreach/" (o.id) } { "アウトリーチ #" (o.id) "(" (o.subject_name) ")へ戻る" } }
        (problems(errors))
        form method="post" action={ "/outreach/" (o.id) "/attempts/new" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            section.card {
                h2 { "いつ・どのように" }
                div.grid {
                    label { "日時(例: R7.6.1 14:00)"
                        input type="text" name="attempted_at" value=(d.attempted_at) required aria-invalid=[marked(errors, "日時")];
                    }
                    label { "方法"
                        select name="method" required aria-invalid=[marked(errors, "方法")] {
                            option value="" { "選んでください" }
                            @for m in ContactMethod::ALL { option value=(m.code()) selected[d.method == m.code()] { (m.label()) } }
                        }
                    }
                }
                fieldset.staff aria-invalid=[marked(errors, "訪問した職員")] {
                    legend { "訪問した職員(2人まで・別の機関の職員も選べます)" }
                    @for slot in 0..kasane_domain::outreach::MAX_STAFF {
                        label.block { (slot + 1) "人目"
                            select name="staff" required[slot == 0] {
                                @if slot > 0 { option value="" { "なし" } }
                                @for u in &start.users {
                                    option value=(u.id) selected[staff_choice(slot) == Some(u.id)] { (u.display_name) "(" (agency(u.agency_id)) ")" }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "会えたか" }
                fieldset aria-invalid=[marked(errors, "会えた人")] {
                    legend { "会えた人" }
                    (radios("met", &WhomMet::ALL.map(|w| (w.code(), w.label())), &d.met))
                }
                fieldset aria-invalid=[marked(errors, "結果")] {
                    legend { "結果" }
                    (radios("outcome", &ContactOutcome::ALL.map(|o| (o.code(), o.label())), &d.outcome))
                }
                label.block { "置いてきたもの(手紙・資料など)"
                    input type="text" name="left_behind" value=(d.left) aria-invalid=[marked(errors, "置いてきたもの")];
                }
            }
            section.card {
                h2 { "様子・安否" }
                label.block { "様子・安否(生活の様子、郵便物の滞留、電気メーター、明かり…)"
                    textarea name="observations" rows="4" aria-invalid=[marked(errors, "様子・安否")] { (d.observations) }
                }
                label.check { input type="checkbox" name="safety_concern" value="1" checked[d.safety_concern]; "安否の懸念あり(ワークリストに出ます)" }
                label { " 次回の予定日 "
                    input type="text" name="next_planned_on" value=(d.next_planned_on) aria-invalid=[marked(errors, "次回の予定日")];
                }
            }
            div.submit-bar { button type="submit" { "記録する" } }
        }
    };
    let title = format!("接触を記録する({})", o.subject_name);
    (form_status(errors), page(ctx, &title, TAB, body)).into_response()
}

async fn attempt_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let start = attempt_start(&state, &ctx, id).await?;
    let agencies = kasane_app::collaboration::agencies(&state, &ctx).await?;
    let draft = AttemptDraft {
        attempted_at: now_field(&state),
        method: ContactMethod::Visit.code().to_string(),
        staff: vec![ctx.user.id],
        ..AttemptDraft::default()
    };
    Ok(render_attempt(&ctx, &start, &agencies, &draft, &[]))
}

async fn attempt_create(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = attempt_draft(&pairs);
    let start = attempt_start(&state, &ctx, id).await?;
    match record_attempt_for(&state, &ctx, &start, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/outreach/{id}?saved=1#attempts")).into_response()),
        Err(kasane_app::AppError::Validation(errors)) => {
            let agencies = kasane_app::collaboration::agencies(&state, &ctx).await?;
            Ok(render_attempt(&ctx, &start, &agencies, &draft, &errors))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// Sections of the person, household and intake pages (through pages/sections.rs)
// ---------------------------------------------------------------------------

fn case_lines(cases: &[OutreachCase], dists: &[District]) -> Markup {
    html! {
        @if cases.is_empty() { (empty("アウトリーチのケースはありません。")) }
        @else {
            ul { @for o in cases {
                li { a href={ "/outreach/" (o.id) } { "アウトリーチ #" (o.id) } " " (o.stage.label())
                    "(主担当: " (o.lead_agency_name)
                    @let d = district_name(dists, o.district_code.as_deref());
                    @if !d.is_empty() { "・" (d) }
                    "・" (jst(o.opened_at)) "〜)" }
            } }
        }
    }
}

/// The person page's アウトリーチ section: the person's outreach cases the caller may read
/// and 「アウトリーチを始める」 for one with the full view.
pub async fn person_section(
    state: &AppState,
    ctx: &Ctx,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    let cases = person_outreach(state, ctx, &access.person).await?;
    let dists = districts(state, ctx).await?;
    Ok(html! {
        section.card #outreach {
            h2 { "アウトリーチ" }
            (case_lines(&cases, &dists))
            @if may_open(ctx, &access.grant) {
                p.noprint { a.button href={ "/outreach/new?person_id=" (access.person.id) } { "アウトリーチを始める" } }
            }
        }
    })
}

/// The household page's アウトリーチ section.
pub async fn household_section(
    state: &AppState,
    ctx: &Ctx,
    household_id: i64,
    grant: Grant,
) -> Result<Markup, AppError> {
    let cases = household_outreach(state, ctx, household_id).await?;
    let dists = districts(state, ctx).await?;
    Ok(html! {
        section.card #outreach {
            h2 { "アウトリーチ(世帯)" }
            (case_lines(&cases, &dists))
            @if may_open(ctx, &grant) {
                p.noprint { a.button href={ "/outreach/new?household_id=" (household_id) } { "アウトリーチを始める" } }
            }
        }
    })
}

/// On an intake's page: the outreach cases begun from it, and 「この相談からアウトリーチを
/// 始める」 for a caller with the full view (a 民生委員's information about someone who has
/// not asked for help, say) while none was.
pub async fn intake_section(
    state: &AppState,
    ctx: &Ctx,
    read: &IntakeRead,
) -> Result<Markup, AppError> {
    let begun = intake_outreach(state, ctx, read.intake.id).await?;
    Ok(html! {
        @for o in &begun {
            p { "この相談から始めたアウトリーチ: " a href={ "/outreach/" (o.id) } { "アウトリーチ #" (o.id) } "(" (o.stage.label()) ")" }
        }
        @if begun.is_empty() && may_open(ctx, &read.access.grant) {
            p.noprint { a.button href={ "/outreach/new?intake_id=" (read.intake.id) } { "この相談からアウトリーチを始める" } }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_attempt_form_reads_what_it_sends() {
        let pairs: Vec<(String, String)> = [
            ("attempted_at", "R7.6.1 14:00"),
            ("method", "visit"),
            ("staff", "3"),
            ("staff", ""),
            ("met", "nobody"),
            ("outcome", "not_met"),
            ("left_behind", "手紙"),
            ("observations", "郵便物がたまっている"),
            ("safety_concern", "1"),
            ("next_planned_on", "R7.6.8"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let d = super::attempt_draft(&pairs);
        assert_eq!(d.staff, vec![3]);
        assert!(d.safety_concern);
        assert_eq!(d.left, "手紙");
        assert_eq!(crate::ui::form::fields(&pairs, "staff").len(), 2);
    }
}
