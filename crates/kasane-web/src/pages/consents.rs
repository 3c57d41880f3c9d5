//! Pages: 本人同意 (consent) — recording a consent on a case or a person, the list with
//! each consent's state (有効 / 撤回済み / 期限切れ), withdrawal (effective at once: the
//! access that rested on it ends with the next request) and the printable 同意書. The use
//! cases are `kasane_app::collaboration::consent`; these pages render them.

use axum::Router;
use axum::extract::{Path, Query, RawForm};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kasane_app::collaboration::case::record_holding;
use kasane_app::collaboration::consent::{
    ConsentSubject, consent_access, consent_subject, meeting_kinds, record_consent_for, withdraw,
};
use kasane_domain::access::Action;
use kasane_domain::consent::{ConsentDraft, ConsentMethod, Consenter, DEFAULT_INFORMATION};
use kasane_domain::meeting::MeetingKind;
use kasane_domain::municipality::MunicipalityConfig;
use kasane_domain::wareki::format_wareki;
use kasane_store::consent::Consent;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::collaboration::consent_state;
use crate::ui::fmt::birth_label;
use crate::ui::fmt::jst;
use crate::ui::form::{
    confirmation, confirmed, field, fields, form_pairs, form_status, ids, problems, submitted,
};
use crate::ui::layout::{empty, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/consents/new", get(case_form).post(case_submit))
        .route(
            "/persons/{id}/consents/new",
            get(person_form).post(person_submit),
        )
        .route("/consents/{id}/withdraw", post(withdraw_submit))
        .route("/consents/{id}/print", get(print))
}

/// The municipality's local name of a meeting kind.
pub fn meeting_name(cfg: &MunicipalityConfig, kind: MeetingKind) -> String {
    match kind {
        MeetingKind::Support => format!("{}(支援会議)", cfg.support_meeting.name),
        MeetingKind::Multilayer => format!("{}(重層的支援会議)", cfg.multilayer_meeting.name),
    }
}

fn draft_from_pairs(pairs: &[(String, String)]) -> ConsentDraft {
    ConsentDraft {
        consenter: field(pairs, "consenter").to_string(),
        proxy_name: field(pairs, "proxy_name").to_string(),
        proxy_relation: field(pairs, "proxy_relation").to_string(),
        consented_on: field(pairs, "consented_on").to_string(),
        method: field(pairs, "method").to_string(),
        agencies: ids(pairs, "agencies"),
        meeting_kinds: fields(pairs, "meeting_kinds"),
        information: field(pairs, "information").to_string(),
        expires_on: field(pairs, "expires_on").to_string(),
        note: field(pairs, "note").to_string(),
    }
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

/// The consents of a person or case, with their state; withdrawal and print for a full
/// grant, and the link to record a new one.
pub fn consent_list(
    ctx: &Ctx,
    consents: &[Consent],
    cfg: &MunicipalityConfig,
    writable: bool,
    new_href: &str,
) -> Markup {
    let today = ctx.today;
    html! {
        section.card #consents {
            h2 { "本人同意" }
            @if consents.is_empty() { (empty("本人同意は記録されていません。")) }
            @else {
                table {
                    thead { tr { th { "同意日" } th { "同意者" } th { "共有する機関" } th { "会議" } th { "有効期限" } th { "状態" } @if writable { th {} } } }
                    tbody {
                        @for c in consents {
                            @let (code, label) = consent_state(c, today);
                            tr {
                                td { (format_wareki(c.consented_on)) "(" (c.method.label()) ")" }
                                td { (c.consenter.label())
                                    @if !c.proxy_name.is_empty() { ": " (c.proxy_name) "(" (c.proxy_relation) ")" } }
                                td { (c.agency_names) }
                                td { @for k in meeting_kinds(c) { (meeting_name(cfg, k)) br; } }
                                td { (c.expires_on.map_or_else(|| "定めなし".to_string(), format_wareki)) }
                                td { @if code == "in_force" { span.badge { (label) } } @else { span.badge.warn { (label) } }
                                    @if !c.withdrawal_note.is_empty() { br; span.muted { (c.withdrawal_note) } } }
                                @if writable {
                                    td.noprint {
                                        a href={ "/consents/" (c.id) "/print" } { "同意書を印刷" }
                                        @if c.withdrawn_at.is_none() {
                                            form method="post" action={ "/consents/" (c.id) "/withdraw" } {
                                                input type="hidden" name="csrf" value=(ctx.csrf_token());
                                                label { "撤回の経緯 " input type="text" name="note" required; }
                                                button type="submit" { "撤回を記録(直ちに有効)" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if writable { p.noprint { a.button href=(new_href) { "本人同意を記録する" } } }
        }
    }
}

fn render_form(
    state: &AppState,
    ctx: &Ctx,
    subject: &ConsentSubject,
    draft: &ConsentDraft,
    errors: &[String],
) -> Result<Response, AppError> {
    let cfg = state.config(&ctx.municipality)?;
    let action = match &subject.case {
        Some(c) => format!("/cases/{}/consents/new", c.id),
        None => format!(
            "/persons/{}/consents/new",
            subject.person.as_ref().map_or(0, |p| p.id)
        ),
    };
    let d = draft;
    let has = |list: &[String], code: &str| list.iter().any(|c| c == code);
    let body = html! {
        (problems(errors))
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            section.card {
                h2 { "本人" }
                @if let Some(p) = &subject.person {
                    p { strong { (p.name) } " " (birth_label(p, ctx.today)) }
                    @if subject.case.as_ref().is_some_and(|c| c.person_id.is_none()) { input type="hidden" name="person_id" value=(p.id); }
                } @else {
                    label { "同意した世帯員 "
                        select name="person_id" required {
                            option value="" { "選んでください" }
                            @for m in &subject.members { option value=(m.person_id) { (m.name) } }
                        }
                    }
                }
                @if let Some(c) = &subject.case { p.muted { "ケース #" (c.id) "の同意として記録します。" } }
            }
            section.card {
                h2 { "同意の内容" }
                fieldset {
                    legend { "同意者" }
                    @for c in Consenter::ALL {
                        label.check { input type="radio" name="consenter" value=(c.code()) checked[d.consenter == c.code()] required; (c.label()) }
                    }
                    label { "代理人の氏名 " input type="text" name="proxy_name" value=(d.proxy_name); }
                    label { " 続柄 " input type="text" name="proxy_relation" value=(d.proxy_relation); }
                }
                div.grid {
                    label { "同意日(和暦・西暦)" input type="text" name="consented_on" value=(d.consented_on) required; }
                    label { "同意の方法"
                        select name="method" { @for m in ConsentMethod::ALL { option value=(m.code()) selected[d.method == m.code()] { (m.label()) } } }
                    }
                    label { "有効期限(空欄は定めなし)" input type="text" name="expires_on" value=(d.expires_on) placeholder="R9.3.31"; }
                }
                fieldset {
                    legend { "情報を共有する機関(複数選択)" }
                    @for a in record_holding(&subject.agencies) {
                        label.check { input type="checkbox" name="agencies" value=(a.id) checked[d.agencies.contains(&a.id)]; (a.name) }
                    }
                }
                fieldset {
                    legend { "共有する会議" }
                    @for k in MeetingKind::ALL {
                        label.check { input type="checkbox" name="meeting_kinds" value=(k.code()) checked[has(&d.meeting_kinds, k.code())]; (meeting_name(&cfg, k)) }
                    }
                }
                label.block { "共有する情報" textarea name="information" rows="2" required { (d.information) } }
                label.block { "備考" textarea name="note" rows="2" { (d.note) } }
            }
            button type="submit" { "本人同意を記録する" }
        }
    };
    let status = form_status(errors);
    Ok((
        status,
        page(ctx, "本人同意を記録する", "/collaboration", body),
    )
        .into_response())
}

fn default_draft(today: NaiveDate) -> ConsentDraft {
    ConsentDraft {
        consenter: Consenter::Person.code().to_string(),
        consented_on: format_wareki(today),
        method: ConsentMethod::Written.code().to_string(),
        meeting_kinds: vec![MeetingKind::Multilayer.code().to_string()],
        information: DEFAULT_INFORMATION.to_string(),
        ..ConsentDraft::default()
    }
}

#[derive(Deserialize)]
struct MemberQuery {
    person_id: Option<i64>,
}

async fn case_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(q): Query<MemberQuery>,
) -> Result<Response, PageError> {
    let subject = consent_subject(&state, &ctx, Some(id), q.person_id).await?;
    Ok(render_form(
        &state,
        &ctx,
        &subject,
        &default_draft(ctx.today),
        &[],
    )?)
}

async fn person_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let subject = consent_subject(&state, &ctx, None, Some(id)).await?;
    Ok(render_form(
        &state,
        &ctx,
        &subject,
        &default_draft(ctx.today),
        &[],
    )?)
}

async fn submit(
    state: &AppState,
    ctx: &Ctx,
    case_id: Option<i64>,
    person_id: Option<i64>,
    body: &[u8],
) -> Result<Response, PageError> {
    let pairs = form_pairs(body)?;
    ctx.check_csrf(field(&pairs, "csrf"))?;
    let person_id = person_id.or_else(|| field(&pairs, "person_id").trim().parse().ok());
    let draft = draft_from_pairs(&pairs);
    let subject = consent_subject(state, ctx, case_id, person_id).await?;
    match record_consent_for(state, ctx, &subject, &draft).await {
        Ok(_) => {
            let back = match (case_id, person_id) {
                (Some(c), _) => format!("/cases/{c}?saved=1#consents"),
                (None, Some(p)) => format!("/persons/{p}?saved=1#consents"),
                (None, None) => "/?saved=1".to_string(),
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(kasane_app::AppError::Validation(errors)) => {
            Ok(render_form(state, ctx, &subject, &draft, &errors)?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn case_submit(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    submit(&state, &ctx, Some(id), None, &body).await
}

async fn person_submit(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    submit(&state, &ctx, None, Some(id), &body).await
}

/// 同意の撤回 takes effect at once: a confirmation step with the 経緯 to record (required),
/// shown again with the problem when it is missing.
async fn withdraw_submit(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let note = field(&pairs, "note");
    let errors = if confirmed(&pairs) {
        match withdraw(&state, &ctx, id, note).await {
            Ok(c) => {
                let back = match c.case_id {
                    Some(case_id) => format!("/cases/{case_id}?saved=1#consents"),
                    None => format!("/persons/{}?saved=1#consents", c.person_id),
                };
                return Ok(Redirect::to(&back).into_response());
            }
            Err(AppError::Validation(errors)) => errors,
            Err(e) => return Err(e.into()),
        }
    } else {
        Vec::new()
    };
    let (c, _) = consent_access(&state, &ctx, Action::Read, id).await?;
    let back = match c.case_id {
        Some(case_id) => format!("/cases/{case_id}#consents"),
        None => format!("/persons/{}#consents", c.person_id),
    };
    let fields = html! {
        label.block { "撤回の経緯(必須。例: 本人から電話で撤回の申出)" textarea name="note" rows="2" required { (note) } }
    };
    let body = html! {
        (problems(&errors))
        (confirmation(&ctx, (&format!("/consents/{id}/withdraw"), &back), "同意の撤回を記録",
            "撤回は直ちに有効になり、この同意を根拠にしていた機関はその時から記録を閲覧できなくなります。", fields))
    };
    Ok((
        form_status(&errors),
        page(&ctx, "同意の撤回", "/collaboration", body),
    )
        .into_response())
}

/// The 同意書 to sign: printing is an export of personal data (full grant, audited).
async fn print(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let (c, access) = consent_access(&state, &ctx, Action::Export, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let p = &access.person;
    let proxy = c.consenter == Consenter::Proxy;
    let body = html! {
        section.card.sheet.print-sheet.consent-form {
            h2 { "個人情報の共有に関する同意書" }
            p { (ctx.municipality.name) "長 様" }
            p { "私は、" (ctx.municipality.name) "の重層的支援体制整備事業による支援を受けるにあたり、下記の機関が、下記の会議等において、下記の情報を共有することに同意します。" }
            dl.facts {
                dt { "本人氏名" } dd { (p.name) " " (p.furigana.as_deref().unwrap_or("")) }
                dt { "生年月日" } dd { (p.birth_date.map_or_else(|| "—".to_string(), format_wareki)) }
                dt { "共有する機関" } dd { (c.agency_names) }
                dt { "共有する会議" } dd {
                    @let kinds = meeting_kinds(&c);
                    @if kinds.is_empty() { "—" }
                    @for k in kinds { (meeting_name(&cfg, k)) br; }
                }
                dt { "共有する情報" } dd.pre { (c.information) }
                dt { "同意の期間" } dd { (format_wareki(c.consented_on)) "から" (c.expires_on.map_or_else(|| "撤回の申出があるまで".to_string(), |d| format!("{}まで", format_wareki(d)))) }
                dt { "同意の方法" } dd { (c.method.label()) }
            }
            p { "この同意は、いつでも撤回することができます。撤回の申出があったときは、その時から共有を行いません。" }
            table.signature {
                tbody {
                    tr { th scope="row" { "同意日" } td { "令和　　年　　月　　日" } }
                    tr { th scope="row" { "本人署名" } td.sign {} }
                    tr { th scope="row" { "代理人氏名" } td.sign { @if proxy { (c.proxy_name) } } }
                    tr { th scope="row" { "本人との続柄" } td.sign { @if proxy { (c.proxy_relation) } } }
                    tr { th scope="row" { "代理人署名" } td.sign {} }
                }
            }
            p.muted { "記録: " (c.recorded_by_agency_name) " " (c.recorded_by_name) "(" (jst(c.created_at)) ") ・ 同意書番号 " (c.id) }
            @let (code, label) = consent_state(&c, ctx.today);
            @if code != "in_force" {
                p.error { "この同意は" (label) "です。" }
            }
        }
        p.noprint { button.print type="button" data-print="1" { "印刷" } " "
            a href={ (c.case_id.map_or_else(|| format!("/persons/{}", c.person_id), |id| format!("/cases/{id}"))) } { "戻る" } }
    };
    Ok(page(&ctx, "同意書(印刷用)", "/collaboration", body))
}
