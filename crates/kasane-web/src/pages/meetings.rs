//! Pages: step 3 (多機関協働) — the two meetings with different law, 支援会議 (法106条の6)
//! and 重層的支援会議: the list, registering one, the meeting page (members and their
//! acknowledgement of confidentiality, the agenda, minutes and roles), the printable
//! minutes, and the move of a case from the 支援会議 to a 重層的支援会議. The rules are
//! `kasane_app::collaboration::meeting`'s; these pages render them.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kasane_app::collaboration::agencies;
use kasane_app::collaboration::case::record_holding;
use kasane_app::collaboration::meeting::{
    AgendaLine, MeetingAgenda, MoveState, PAGE_SIZE, acknowledge, add_case, add_member,
    agenda_candidates, assign_role, check_meeting_role, create_meeting, hosts, list_meetings,
    meeting_agenda, meeting_to_print, minutes_history, move_state, move_targets,
    move_to_multilayer, remove_case, save_minutes,
};
use kasane_app::guard::MeetingAccess;
use kasane_domain::identity::AgencyId;
use kasane_domain::meeting::{MeetingDraft, MeetingKind, RoleDraft};
use kasane_domain::wareki::format_wareki;
use kasane_store::meeting::{Meeting, RoleAssignment};
use kasane_store::municipality::Agency;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::{meeting_corrections, role_corrections};
use crate::ui::collaboration::kind_name;
use crate::ui::fmt::jst;
use crate::ui::form::{Saved, form_status, marked, problems, reconcile};
use crate::ui::layout::{empty, page};

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
        .route(
            "/meetings/{id}/agenda/{item}/minutes/versions",
            get(minutes_versions_page),
        )
        .route("/meetings/{id}/roles", post(role_post))
        .route(
            "/cases/{id}/move-to-multilayer",
            get(move_page).post(move_post),
        )
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
    let page_no = kasane_app::page_number(q.page)?;
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
                            td { (kind_name(&ctx, m.kind)) }
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
        (problems(errors))
        form method="post" action="/meetings/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            div.grid {
                label { "会議の種類"
                    select name="kind" required aria-invalid=[marked(errors, "会議の種類")] {
                        @for k in MeetingKind::ALL {
                            option value=(k.code()) selected[d.kind == k.code()] { (kind_title(ctx, k)) }
                        }
                    }
                }
                label { "開催日" input type="text" name="held_on" value=(d.held_on) required placeholder="R8.6.10 または 2026-06-10" aria-invalid=[marked(errors, "開催日")]; }
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
                label { "開催場所" input type="text" name="place" value=(d.place) aria-invalid=[marked(errors, "開催場所")]; }
                label { "次回の見直し日" input type="text" name="next_review_on" value=(d.next_review_on) placeholder="任意" aria-invalid=[marked(errors, "次回の見直し日")]; }
            }
            label.block { "備考" textarea name="note" rows="3" aria-invalid=[marked(errors, "備考")] { (d.note) } }
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
    check_meeting_role(&state, &ctx).await?;
    let kind = parse_kind(&q.kind).unwrap_or(MeetingKind::Support);
    let draft = MeetingDraft {
        kind: kind.code().to_string(),
        held_on: format_wareki(ctx.today),
        ..MeetingDraft::default()
    };
    let agencies = agencies(&state, &ctx).await?;
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
        Ok(id) => Ok(back(id)),
        Err(AppError::Validation(errors)) => {
            let agencies = agencies(&state, &ctx).await?;
            let form = meeting_form(&ctx, &agencies, &draft, &errors);
            Ok((
                form_status(&errors),
                page(&ctx, "会議を登録", "/collaboration", form),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn header_facts(ctx: &Ctx, m: &MeetingAccess) -> Markup {
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

fn members_table(ctx: &Ctx, m: &MeetingAccess, forms: bool) -> Markup {
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
/// `edit`: the meeting whose runner may correct them (each role's link and versions).
fn roles_table(roles: &[RoleAssignment], without_access: &[AgencyId], edit: Option<i64>) -> Markup {
    html! {
        @if !roles.is_empty() {
            table.roles {
                thead { tr { th { "担当機関" } th { "担当者" } th { "役割" } th { "期限" } @if edit.is_some() { th.noprint { "修正" } } } }
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
                            @if let Some(mid) = edit { td.noprint { (role_corrections::edit_link(mid, r)) } }
                        }
                    }
                }
            }
        }
    }
}

fn agenda_line(
    ctx: &Ctx,
    m: &MeetingAccess,
    l: &AgendaLine,
    agencies: &[Agency],
    refused: Option<&Refused>,
) -> Markup {
    let item = &l.item;
    let mid = m.meeting.id;
    let current = item.removed_at.is_none();
    // A refused minutes or role form of this case comes back open, with what was typed.
    let minutes = match refused {
        Some(Refused {
            errors,
            form: RefusedForm::Minutes(at, f),
        }) if *at == item.id => Some((errors, *f)),
        _ => None,
    };
    let role = match refused {
        Some(Refused {
            errors,
            form: RefusedForm::Role(f),
        }) if f.case_id.trim().parse() == Ok(item.case_id) => Some((errors, *f)),
        _ => None,
    };
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
                    (minutes_facts(&item.discussion, &item.decisions))
                    p.muted.noprint { a href={ "/meetings/" (mid) "/agenda/" (item.id) "/minutes/versions" } { "会議録の履歴(第" (item.minutes_version) "版まで)" } }
                } @else {
                    p.muted { "会議録はまだ記録されていません。" }
                }
                (roles_table(&l.roles, &l.roles_without_access, m.manages().then_some(mid)))
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
                details.noprint open[minutes.is_some() || role.is_some()] {
                    summary { "会議録・役割分担を記録する" }
                    @if let Some((errors, _)) = minutes { (problems(errors)) }
                    @match minutes {
                        Some((_, f)) => (minutes_form(ctx, mid, item.id, item.minutes_version, &f.discussion, &f.decisions)),
                        None => (minutes_form(ctx, mid, item.id, item.minutes_version, &item.discussion, &item.decisions)),
                    }
                    @if let Some((errors, _)) = role { (problems(errors)) }
                    @let typed = role.map(|(_, f)| f);
                    form method="post" action={ "/meetings/" (mid) "/roles" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        input type="hidden" name="case_id" value=(item.case_id);
                        div.grid {
                            label { "担当機関"
                                select name="agency_id" required {
                                    option value="" { "選んでください" }
                                    @for a in agencies {
                                        option value=(a.id) selected[typed.is_some_and(|f| f.agency_id.trim().parse() == Ok(a.id))] { (a.name) }
                                    }
                                }
                            }
                            label { "担当者" input type="text" name="staff_name" value=[typed.map(|f| &f.staff_name)]; }
                            label { "期限" input type="text" name="due_on" placeholder="任意(R8.7.1 など)" value=[typed.map(|f| &f.due_on)]; }
                        }
                        label.block { "役割" textarea name="task" rows="2" required { @if let Some(f) = typed { (f.task) } } }
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

/// A form of the meeting page that was refused (422): the page is shown again with the
/// problems at that form and what was typed still in it.
struct Refused<'a> {
    errors: Vec<String>,
    form: RefusedForm<'a>,
}

enum RefusedForm<'a> {
    Member(&'a MemberForm),
    Agenda,
    /// The minutes of agenda item `.0`.
    Minutes(i64, &'a MinutesForm),
    Role(&'a RoleForm),
}

async fn meeting_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    Ok(render_meeting(&state, &ctx, id, &saved, None).await?)
}

/// The meeting page after `form` was refused with `errors`: 422, the page again.
async fn refused_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: Vec<String>,
    form: RefusedForm<'_>,
) -> Result<Response, PageError> {
    let refused = Refused { errors, form };
    let markup = render_meeting(state, ctx, id, &Saved::default(), Some(&refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
}

async fn render_meeting(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: &Saved,
    refused: Option<&Refused<'_>>,
) -> Result<Markup, AppError> {
    let agenda = meeting_agenda(state, ctx, id).await?;
    let all = agencies(state, ctx).await?;
    let agencies: Vec<Agency> = record_holding(&all).cloned().collect();
    let candidates = agenda_candidates(state, ctx, &agenda).await?;
    let MeetingAgenda { meeting: m, lines } = agenda;
    let corrections = meeting_corrections::section(state, &m).await?;
    let member = match refused {
        Some(Refused {
            errors,
            form: RefusedForm::Member(f),
        }) => Some((errors, *f)),
        _ => None,
    };
    let agenda_errors = match refused {
        Some(Refused {
            errors,
            form: RefusedForm::Agenda,
        }) => Some(errors),
        _ => None,
    };
    let body = html! {
        (saved.notice())
        section.card {
            (header_facts(ctx, &m))
            p.noprint { a href={ "/meetings/" (id) "/print" } { "会議録を印刷" } " " a href="/meetings" { "会議の一覧へ" } }
        }
        (corrections)
        section.card {
            h2 { "構成員" }
            (members_table(ctx, &m, true))
            @if m.manages() {
                @if let Some((errors, _)) = member { (problems(errors)) }
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
                        label { "出席者" input type="text" name="attendee_name" value=[member.map(|(_, f)| &f.attendee_name)]; }
                    }
                    button type="submit" { "構成員を追加" }
                }
            }
        }
        section.card {
            h2 { "議題(ケース)" }
            @if lines.is_empty() { (empty("議題はまだありません。")) }
            ul.agenda { @for l in &lines { (agenda_line(ctx, &m, l, &agencies, refused)) } }
            @if let Some(errors) = agenda_errors { (problems(errors)) }
            @if m.manages() || !candidates.is_empty() {
                form.noprint method="post" action={ "/meetings/" (id) "/agenda" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    @if !m.manages() {
                        p.note {
                            "自機関が関与しているケースを、この会議の議題として提出できます。"
                            @if m.kind == MeetingKind::Support { "提出したケースは、守秘義務を確認した構成員が本人同意なしに閲覧できるようになります。" }
                        }
                    }
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
        ctx,
        &format!(
            "{}({})",
            kind_name(ctx, m.kind),
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
    let MeetingAgenda { meeting: m, lines } = meeting_to_print(&state, &ctx, id).await?;
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
                        (roles_table(&l.roles, &l.roles_without_access, None))
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

/// The minutes form of one agenda case, made from `version` (sent back with the save).
fn minutes_form(
    ctx: &Ctx,
    meeting_id: i64,
    item_id: i64,
    version: i32,
    discussion: &str,
    decisions: &str,
) -> Markup {
    html! {
        form method="post" action={ "/meetings/" (meeting_id) "/agenda/" (item_id) "/minutes" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            input type="hidden" name="version" value=(version);
            label.block { "協議の内容" textarea name="discussion" rows="4" { (discussion) } }
            label.block { "決定事項" textarea name="decisions" rows="3" { (decisions) } }
            button type="submit" { "会議録を保存" }
        }
    }
}

fn minutes_facts(discussion: &str, decisions: &str) -> Markup {
    html! {
        dl.facts {
            dt { "協議の内容" } dd.pre { (discussion) }
            dt { "決定事項" } dd.pre { (decisions) }
        }
    }
}

/// Back to the meeting page after a save, which confirms it (「記録しました」).
fn back(id: i64) -> Response {
    Redirect::to(&format!("/meetings/{id}?saved=1")).into_response()
}

async fn member_post(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let added = add_member(
        &state,
        &ctx,
        id,
        f.agency_id.trim().parse().ok(),
        &f.attendee_name,
    )
    .await;
    match added {
        Ok(()) => Ok(back(id)),
        Err(AppError::Validation(errors)) => {
            refused_form(&state, &ctx, id, errors, RefusedForm::Member(&f)).await
        }
        Err(e) => Err(e.into()),
    }
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
    match add_case(&state, &ctx, id, f.case_id.trim().parse().ok()).await {
        Ok(_) => Ok(back(id)),
        Err(AppError::Validation(errors)) => {
            refused_form(&state, &ctx, id, errors, RefusedForm::Agenda).await
        }
        Err(e) => Err(e.into()),
    }
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
    /// The version the form was made from.
    #[serde(default)]
    version: String,
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
    // A form without its version was not made from any version: shown beside the newest
    // rather than saved over it.
    let from_version = f.version.trim().parse().unwrap_or(-1);
    match save_minutes(
        &state,
        &ctx,
        id,
        item,
        from_version,
        &f.discussion,
        &f.decisions,
    )
    .await
    {
        Ok(_) => Ok(back(id)),
        Err(AppError::Validation(errors)) => {
            refused_form(&state, &ctx, id, errors, RefusedForm::Minutes(item, &f)).await
        }
        Err(AppError::Conflict(_)) => {
            let h = minutes_history(&state, &ctx, id, item).await?;
            let newest = &h.item;
            let body = html! {
                p.muted { a href={ "/meetings/" (id) } { "会議のページへ戻る" } }
                (reconcile(
                    &format!("最新の会議録(第{}版)", newest.minutes_version),
                    minutes_facts(&newest.discussion, &newest.decisions),
                    minutes_facts(&f.discussion, &f.decisions),
                ))
                section.card {
                    h2 { "会議録: " (newest.subject_name) }
                    (minutes_form(&ctx, id, item, newest.minutes_version, &f.discussion, &f.decisions))
                }
            };
            Ok((
                StatusCode::CONFLICT,
                page(&ctx, "会議録の保存", "/meetings", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Every saved version of an agenda case's minutes, newest first.
async fn minutes_versions_page(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, item)): Path<(i64, i64)>,
) -> Result<Markup, PageError> {
    let h = minutes_history(&state, &ctx, id, item).await?;
    let body = html! {
        p.muted { a href={ "/meetings/" (id) } { "会議のページへ戻る" } }
        h2 { (h.item.subject_name) }
        @if h.versions.is_empty() { (empty("まだ会議録は記録されていません。")) }
        @for v in &h.versions {
            section.card {
                h3 { "第" (v.version) "版 " span.muted { (jst(v.recorded_at)) " " (v.recorded_by_name) } }
                (minutes_facts(&v.discussion, &v.decisions))
            }
        }
    };
    Ok(page(&ctx, "会議録の履歴", "/meetings", body))
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
        staff_name: f.staff_name.clone(),
        task: f.task.clone(),
        due_on: f.due_on.clone(),
    };
    match assign_role(&state, &ctx, id, f.case_id.trim().parse().ok(), &draft).await {
        Ok(_) => Ok(back(id)),
        Err(AppError::Validation(errors)) => {
            refused_form(&state, &ctx, id, errors, RefusedForm::Role(&f)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// 支援会議 → 重層的支援会議

/// Where a case stands for the move: the 支援会議 agenda items it is on now, and whether a
fn move_form(ctx: &Ctx, s: &MoveState, targets: &[Meeting], errors: &[String]) -> Markup {
    let name = kind_name(ctx, MeetingKind::Multilayer);
    html! {
        (problems(errors))
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
