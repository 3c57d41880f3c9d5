//! Pages: つなぎ (referral) with a closed loop — the printable つなぐシート, and the
//! receiving agency's accept / decline / complete; a declined referral goes back to the sender.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::referral::{
    Sheet, acknowledge_declined, act, create_referral, load_sheet, referral_targets,
};
use kasane_domain::household::Relationship;
use kasane_domain::intake::ConcernItem;
use kasane_domain::referral::{Helpfulness, ReferralDraft, ReferralEvent, ReferralStatus};
use kasane_store::municipality::Agency;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::birth_label;
use crate::ui::fmt::{age_label, jst};
use crate::ui::form::{Saved, form_status, problems};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/referrals", post(create))
        .route("/referrals/{id}", get(sheet))
        .route("/referrals/{id}/accept", post(accept))
        .route("/referrals/{id}/decline", post(decline))
        .route("/referrals/{id}/complete", post(complete))
        .route("/referrals/{id}/acknowledge", post(acknowledge))
}

/// The "つなぐ" form on a person's page, to the agencies a つなぎ can go to.
pub fn refer_form(ctx: &Ctx, person_id: i64, targets: &[Agency]) -> Markup {
    filled_refer_form(ctx, person_id, targets, &ReferralDraft::default())
}

/// The "つなぐ" form holding `typed` (shown again when it was refused).
fn filled_refer_form(
    ctx: &Ctx,
    person_id: i64,
    targets: &[Agency],
    typed: &ReferralDraft,
) -> Markup {
    html! {
        section.card #refer {
            h2 { "つなぐ(他の機関へ)" }
            form method="post" action={ "/persons/" (person_id) "/referrals" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                label { "つなぎ先 "
                    select name="to_agency_id" required {
                        option value="" { "選んでください" }
                        @for a in targets {
                            option value=(a.id) selected[typed.receiving_agency_id == Some(a.id)] { (a.name) }
                        }
                    }
                }
                label.block { "つなぐ理由(つなぐシートに載ります)" textarea name="reason" rows="3" required { (typed.reason) } }
                button type="submit" { "つなぐシートを送る" }
            }
        }
    }
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    to_agency_id: Option<i64>,
    #[serde(default)]
    reason: String,
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Path(person_id): Path<i64>,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let draft = ReferralDraft {
        receiving_agency_id: form.to_agency_id,
        reason: form.reason,
    };
    match create_referral(&state, &ctx, person_id, draft.clone()).await {
        Ok(id) => Ok(Redirect::to(&format!("/referrals/{id}?saved=1")).into_response()),
        // The form again, holding what was typed, with the problems above it.
        Err(AppError::Validation(errors)) => {
            let targets = referral_targets(&state, &ctx).await?;
            let back = format!("/persons/{person_id}");
            let body = html! {
                (problems(&errors))
                (filled_refer_form(&ctx, person_id, &targets, &draft))
                p { a href=(back) { "送らずに戻る" } }
            };
            Ok((
                form_status(&errors),
                page(&ctx, "つなぐ", "/consultation", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn sheet(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    Ok(render_sheet(&state, &ctx, id, &saved, None).await?)
}

/// The つなぐシート; `refused`: the answer (decline or complete) that was refused, with its
/// problems, shown again at its form with what was typed.
async fn render_sheet(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: &Saved,
    refused: Option<(&[String], &EventForm)>,
) -> Result<Markup, AppError> {
    let typed = refused.map(|(_, f)| f);
    let Sheet {
        referral: r,
        access,
        overdue,
        intake_id: _,
        issues,
        concerns,
        most_pressing,
        consent,
        members,
        events,
    } = load_sheet(state, ctx, id).await?;
    let person = &access.person;
    let today = ctx.today;
    let cfg = state.config(&ctx.municipality).ok();
    let issue_name = |code: &str| {
        cfg.as_ref()
            .and_then(|c| c.issue_category(code))
            .map_or(code.to_string(), |c| c.name.clone())
    };
    let receiver = ctx.agency.id == r.to_agency_id;
    let body = html! {
        (saved.notice())
        @if let Some((errors, _)) = refused { (problems(errors)) }
        p.muted.noprint { "閲覧の根拠: " (access.grant.basis().label()) "(" (access.grant.view().label()) ")" }
        section.card.sheet {
            h2 { "つなぐシート" }
            dl.facts {
                dt { "状態" } dd { strong { (r.status.label()) } @if overdue { " " span.badge.warn { "受理期限切れ" } } }
                dt { "氏名" } dd { (person.name) " " (person.furigana.as_deref().unwrap_or("")) }
                dt { "生年月日" } dd { (birth_label(person, ctx.today)) }
                dt { "連絡先" } dd { (person.phone.as_deref().unwrap_or("")) " " (person.address) }
                dt { "お困りごと" } dd {
                    @for i in &issues { span.badge { (issue_name(i)) } " " }
                    @for c in &concerns {
                        span.badge { @if most_pressing.as_ref() == Some(c) { "◎ " } (c.parse::<ConcernItem>().map_or(c.as_str(), |c| c.label())) } " "
                    }
                    @if issues.is_empty() && concerns.is_empty() { "相談受付の記録なし" }
                }
                dt { "世帯構成" } dd {
                    @if members.is_empty() { "未登録" }
                    @for m in &members {
                        (m.relationship.parse::<Relationship>().map_or(m.relationship.as_str(), |r| r.label()))
                        @if let Some(b) = m.birth_date { "(" (age_label(b, today)) ")" } " "
                    }
                }
                dt { "紹介元" } dd { (r.from_agency_name) "(" (jst(r.sent_at)) ")" }
                dt { "紹介先" } dd { (r.to_agency_name) }
                dt { "理由" } dd.pre { (r.reason) }
                dt { "相談受付時の情報共有への同意" } dd {
                    @match consent { Some(true) => "関係機関との情報共有に同意あり", Some(false) => "同意なし(共有は必要最小限に)", None => "相談受付の記録なし" }
                    br; span.muted { "相談受付の際に確認したもので、正式な本人同意(範囲・期限つきの記録)とは別です。" }
                }
                @if !r.decline_reason.is_empty() { dt { "辞退の理由" } dd.pre { (r.decline_reason) } }
                @if !r.provided.is_empty() {
                    dt { "提供した支援" } dd.pre { (r.provided) }
                    dt { "役立ったか" } dd { (r.helped.as_deref().and_then(|h| h.parse::<Helpfulness>().ok()).map_or("", |h| h.label())) }
                }
            }
        }
        section.card {
            h2 { "経過" }
            ol { @for e in &events { li { (jst(e.occurred_at)) " " (e.status.label()) " — " (e.agency_name) " " (e.user_name) @if !e.note.is_empty() { ":" (e.note) } } } }
        }
        @if receiver && r.status == ReferralStatus::Sent {
            section.card.noprint {
                h2 { "このつなぎに応答する" }
                form.inline method="post" action={ "/referrals/" (r.id) "/accept" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    button type="submit" { "受理する" }
                }
                form method="post" action={ "/referrals/" (r.id) "/decline" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label.block { "辞退の理由(紹介元に戻ります)" textarea name="reason" rows="2" required { @if let Some(f) = typed { (f.reason) } } }
                    button type="submit" { "辞退する" }
                }
            }
        }
        @if receiver && r.status == ReferralStatus::Accepted {
            section.card.noprint {
                h2 { "支援の結果を記録して完了する" }
                form method="post" action={ "/referrals/" (r.id) "/complete" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label.block { "提供した支援" textarea name="provided" rows="3" required { @if let Some(f) = typed { (f.provided) } } }
                    label { "役立ったか "
                        select name="helped" { @for h in Helpfulness::ALL { option value=(h.code()) selected[typed.is_some_and(|f| f.helped == h.code())] { (h.label()) } } }
                    }
                    button type="submit" { "完了する" }
                }
            }
        }
        @if ctx.agency.id == r.from_agency_id && r.status == ReferralStatus::Declined && !r.sender_acknowledged {
            section.card.noprint {
                p.error { "このつなぎは辞退されました。本人を取りこぼさないよう、別の機関へつなぎ直すか対応を決めてください。" }
                form.inline method="post" action={ "/referrals/" (r.id) "/acknowledge" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    button type="submit" { "確認した(ワークリストから外す)" }
                }
                " " a href={ "/persons/" (person.id) "#refer" } { "別の機関へつなぎ直す" }
            }
        }
        p.noprint { a href={ "/persons/" (person.id) } { "本人のページへ" } " " button.print type="button" data-print="1" { "印刷" } }
    };
    let title = format!("つなぐシート({}→{})", r.from_agency_name, r.to_agency_name);
    Ok(page(ctx, &title, "/consultation", body))
}

#[derive(Deserialize)]
struct EventForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    provided: String,
    #[serde(default)]
    helped: String,
}

async fn respond(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: EventForm,
    event: impl FnOnce(&EventForm) -> Result<ReferralEvent, AppError>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let answered = match event(&form) {
        Ok(event) => act(&state, &ctx, id, event).await,
        Err(e) => Err(e),
    };
    match answered {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}?saved=1")).into_response()),
        // The sheet again, the answer's form holding what was typed.
        Err(AppError::Validation(errors)) => {
            let markup =
                render_sheet(&state, &ctx, id, &Saved::default(), Some((&errors, &form))).await?;
            Ok((form_status(&errors), markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn accept(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    respond(state, ctx, id, form, |_| Ok(ReferralEvent::Accept)).await
}

async fn decline(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    respond(state, ctx, id, form, |f| {
        Ok(ReferralEvent::Decline {
            reason: f.reason.clone(),
        })
    })
    .await
}

async fn complete(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    respond(state, ctx, id, form, |f| {
        let helped = f
            .helped
            .parse()
            .map_err(|e: kasane_domain::intake::UnknownCode| AppError::BadRequest(e.to_string()))?;
        Ok(ReferralEvent::Complete {
            provided: f.provided.clone(),
            helped,
        })
    })
    .await
}

async fn acknowledge(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    acknowledge_declined(&state, &ctx, id).await?;
    Ok(Redirect::to("/?saved=1").into_response())
}
