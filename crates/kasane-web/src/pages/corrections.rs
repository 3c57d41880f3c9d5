//! Pages: corrections with history — the correction forms of a person's basic facts and of
//! an intake, the end of a household membership (a page of its own: the confirmation step
//! of a change that cannot be taken back), and the 修正履歴 sections the person and intake
//! pages show. A save from a stale version shows both versions to reconcile (409).

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kasane_app::consultation::correction::{
    VersionView, correct_intake, correct_person, end_membership, intake_draft, intake_history,
    intake_to_correct, person_draft, person_history, person_to_correct,
};
use kasane_app::consultation::household::load_household;
use kasane_app::consultation::intake::IntakeRead;
use kasane_app::consultation::person::PersonDraft;
use kasane_app::guard::PersonAccess;
use kasane_domain::correction::{LeaveReason, MembershipEndDraft};
use kasane_domain::household::Relationship;
use kasane_domain::intake::{IntakeDraft, Urgency};
use kasane_domain::wareki::format_wareki;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::intakes::{IntakeForm, consulter_pick, person_fields, record_fields};
use crate::ui::fmt::jst;
use crate::ui::form::{field, form_status, problems, reconcile, submitted};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/edit", get(person_form).post(save_person))
        .route("/intakes/{id}/edit", get(intake_form).post(save_intake))
        .route(
            "/households/{id}/members/{member_id}/end",
            get(end_form).post(save_end),
        )
}

/// The 修正履歴 of a record: each version with who saved it, when and what changed.
pub(crate) fn history_section(versions: &[VersionView]) -> Markup {
    html! {
        @if !versions.is_empty() {
            section.card #history {
                h2 { "修正履歴(すべての版が残ります)" }
                table.history {
                    thead { tr { th { "版" } th { "保存した職員" } th { "日時" } th { "変更内容" } } }
                    tbody {
                        @for v in versions {
                            tr {
                                td { "第" (v.version) "版" @if v.version == 1 { "(登録時)" } }
                                td { (v.recorded_by) }
                                td { (jst(v.recorded_at)) }
                                td {
                                    ul.changes {
                                        @for c in &v.changes {
                                            li {
                                                strong { (c.field) } ": "
                                                @if v.version > 1 { del { (c.before) } " → " }
                                                ins { (c.after) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The person page's 修正履歴 section and the way to correct (full view).
pub async fn person_section(
    state: &AppState,
    ctx: &Ctx,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    let versions = person_history(state, ctx, access).await?;
    Ok(history_section(&versions))
}

/// The intake page's 修正履歴 section and, for the receiving agency, the way to correct.
pub async fn intake_section(
    state: &AppState,
    ctx: &Ctx,
    read: &IntakeRead,
) -> Result<Markup, AppError> {
    let versions = intake_history(state, ctx, read).await?;
    Ok(html! {
        @if read.intake.receiving_agency_id == ctx.agency.id {
            p.noprint { a.button href={ "/intakes/" (read.intake.id) "/edit" } { "この相談受付を修正する" } }
        }
        (history_section(&versions))
    })
}

/// What a correction form is shown with after a refused save: the problems (422), or the
/// newest version beside what was sent (409).
pub(crate) enum Refused {
    None,
    Invalid(Vec<String>),
    Stale(Markup),
}

impl Refused {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Refused::None => StatusCode::OK,
            Refused::Invalid(e) => form_status(e),
            Refused::Stale(_) => StatusCode::CONFLICT,
        }
    }

    pub(crate) fn notice(&self) -> Markup {
        match self {
            Refused::None => html! {},
            Refused::Invalid(e) => problems(e),
            Refused::Stale(m) => m.clone(),
        }
    }
}

impl Refused {
    /// A refused save as its form shows it: the problems (422), or, saved from a stale
    /// version, the newest (read by `newest`) beside what was `sent` (409); any other error
    /// is answered as it is.
    pub(crate) async fn of(
        e: AppError,
        sent: Markup,
        newest: impl Future<Output = Result<Markup, AppError>>,
    ) -> Result<Refused, AppError> {
        Ok(match refusal(e)? {
            Some(errors) => Refused::Invalid(errors),
            None => Refused::Stale(reconcile("最新の版", newest.await?, sent)),
        })
    }
}

/// A refused save's field problems (`Some`), or `None` when it was made from a stale version.
fn refusal(e: AppError) -> Result<Option<Vec<String>>, AppError> {
    match e {
        AppError::Validation(errors) => Ok(Some(errors)),
        AppError::Conflict(m) if m == kasane_app::error::STALE => Ok(None),
        e => Err(e),
    }
}

/// A person draft in words, for the reconcile notice.
fn person_summary(p: &PersonDraft) -> Markup {
    html! {
        dl.facts {
            dt { "氏名" } dd { (p.name) } dt { "フリガナ" } dd { (p.furigana) }
            dt { "生年月日" } dd { (p.birth_date) } dt { "住所" } dd { (p.address) }
            dt { "電話" } dd { (p.phone) } dt { "備考" } dd { (p.note) }
        }
    }
}

async fn render_person_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&PersonDraft>,
    refused: Refused,
) -> Result<Response, AppError> {
    let access = person_to_correct(state, ctx, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let person = &access.person;
    let current = person_draft(person);
    let body = html! {
        (refused.notice())
        form method="post" action={ "/persons/" (person.id) "/edit" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            input type="hidden" name="version" value=(person.version);
            section.card {
                h2 { "基本情報を修正する(第" (person.version) "版から。前の版は残ります)" }
                (person_fields(&cfg, sent.unwrap_or(&current)))
            }
            div.actions.sticky {
                button type="submit" { "修正を保存" }
                " " a href={ "/persons/" (person.id) } { "修正せずに戻る" }
            }
        }
    };
    let status = refused.status();
    Ok((
        status,
        page(
            ctx,
            &format!("{} の基本情報を修正", person.name),
            "/consultation",
            body,
        ),
    )
        .into_response())
}

async fn person_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render_person_form(&state, &ctx, id, None, Refused::None).await?)
}

async fn save_person(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let form = IntakeForm::from_pairs(pairs.clone());
    let from = version(&pairs);
    match correct_person(&state, &ctx, id, from, &form.person).await {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}?saved=1")).into_response()),
        Err(e) => {
            let newest = async {
                let newest = person_to_correct(&state, &ctx, id).await?.person;
                Ok(person_summary(&person_draft(&newest)))
            };
            let refused = Refused::of(e, person_summary(&form.person), newest).await?;
            Ok(render_person_form(&state, &ctx, id, Some(&form.person), refused).await?)
        }
    }
}

/// The version a form was made from (0 when missing: no record is at version 0, so the
/// save is refused as stale rather than applied).
pub(crate) fn version(pairs: &[(String, String)]) -> i32 {
    field(pairs, "version").trim().parse().unwrap_or(0)
}

fn intake_summary(d: &IntakeDraft) -> Markup {
    html! {
        dl.facts {
            dt { "受付日時" } dd { (d.received_at) }
            dt { "相談者" } dd { (d.consulter_name) " " (d.consulter_relation) }
            dt { "概要" } dd.pre { (d.summary) }
        }
    }
}

async fn render_intake_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&IntakeForm>,
    refused: Refused,
) -> Result<Response, AppError> {
    let read = intake_to_correct(state, ctx, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let current = intake_draft(&read);
    let d = sent.map_or(&current, |f| &f.draft);
    let pick_q = sent.map_or("", |f| f.pick_q.as_str());
    let i = &read.intake;
    let consulter = consulter_pick(state, ctx, d, pick_q, &[i.person_id]).await?;
    let body = html! {
        (refused.notice())
        p.muted { "受付機関・本人同意・対応結果は、その後の対応の根拠となるため修正できません。" }
        form.intake method="post" action={ "/intakes/" (i.id) "/edit" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            input type="hidden" name="version" value=(i.version);
            section.card {
                h2 { "相談受付を修正する(第" (i.version) "版から。前の版は残ります)" }
                (record_fields(ctx, &cfg, d, &consulter))
                label.block { "相談の概要(必須)" textarea name="summary" rows="5" required { (d.summary) } }
                label.block { "緊急対応の内容(虐待・自殺・DV の課題があるときは必須)" textarea name="immediate_action" rows="2" { (d.immediate_action) } }
                label { "緊急度"
                    select name="urgency" { @for u in Urgency::ALL { option value=(u.code()) selected[d.urgency == u.code()] { (u.label()) } } }
                }
            }
            div.actions.sticky {
                button type="submit" { "修正を保存" }
                " " a href={ "/intakes/" (i.id) } { "修正せずに戻る" }
            }
        }
    };
    let status = refused.status();
    Ok((status, page(ctx, "相談受付を修正", "/consultation", body)).into_response())
}

async fn intake_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render_intake_form(&state, &ctx, id, None, Refused::None).await?)
}

async fn save_intake(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let from = version(&pairs);
    let form = IntakeForm::from_pairs(pairs);
    if form.pick_search {
        // The consulter picker's 「検索」 without the script: the form again, nothing saved.
        return Ok(render_intake_form(&state, &ctx, id, Some(&form), Refused::None).await?);
    }
    let draft = &form.draft;
    match correct_intake(&state, &ctx, id, from, draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/intakes/{id}?saved=1")).into_response()),
        Err(e) => {
            let newest = async {
                let newest = intake_draft(&intake_to_correct(&state, &ctx, id).await?);
                Ok(intake_summary(&newest))
            };
            let refused = Refused::of(e, intake_summary(draft), newest).await?;
            Ok(render_intake_form(&state, &ctx, id, Some(&form), refused).await?)
        }
    }
}

async fn render_end_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    member_id: i64,
    sent: &MembershipEndDraft,
    errors: &[String],
) -> Result<Response, AppError> {
    let view = load_household(state, ctx, id).await?;
    let Some(m) = view.current.iter().find(|m| m.member.id == member_id) else {
        return Err(AppError::NotFound);
    };
    let m = &m.member;
    let body = html! {
        (problems(errors))
        section.card {
            h2 { (m.name) "さん(" (m.relationship.parse::<Relationship>().map_or(m.relationship.as_str(), |r| r.label())) ")を世帯から外す" }
            p { "世帯に加わった日: " (format_wareki(m.joined_on)) }
            p { "世帯員の記録は消えず、履歴として残ります。世帯の状況(8050 など)の判定からは外れます。" }
            form method="post" action={ "/households/" (id) "/members/" (member_id) "/end" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                input type="hidden" name="version" value=(m.version);
                label { "世帯から外れた日(必須。例: R8.11.30)" input type="text" name="left_on" value=(sent.left_on) required; }
                fieldset {
                    legend { "理由(必須)" }
                    @for r in LeaveReason::ALL {
                        label.check { input type="radio" name="reason" value=(r.code()) checked[sent.reason == r.code()] required; (r.label()) }
                    }
                }
                label.block { "補足(「その他」のときは必須)" textarea name="note" rows="2" { (sent.note) } }
                div.actions {
                    button type="submit" { "世帯から外す" }
                    " " a href={ "/households/" (id) } { "やめる" }
                }
            }
        }
    };
    Ok((
        form_status(errors),
        page(ctx, "世帯から外す", "/consultation", body),
    )
        .into_response())
}

async fn end_form(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, member_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let draft = MembershipEndDraft::default();
    Ok(render_end_form(&state, &ctx, id, member_id, &draft, &[]).await?)
}

async fn save_end(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, member_id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = MembershipEndDraft {
        left_on: field(&pairs, "left_on").into(),
        reason: field(&pairs, "reason").into(),
        note: field(&pairs, "note").into(),
    };
    match end_membership(&state, &ctx, id, member_id, version(&pairs), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            Ok(render_end_form(&state, &ctx, id, member_id, &draft, &errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}
