//! Pages: 名寄せ確認依頼 on the coordinator's side — the pair's identity fields only (氏名,
//! フリガナ, 生年月日, 住所), and 「同一人物として名寄せする」 or 「別人と確認する」.

use axum::Router;
use axum::extract::{Form, Path};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::match_review::{
    Identity, ReviewPair, Section, asked_about, read_review, settle,
};
use kasane_app::guard::PersonAccess;
use kasane_domain::early_warning::WINDOW_MONTHS;
use kasane_domain::match_review::{DistinctReason, Verdict, distinct_verdict};
use kasane_domain::wareki::format_wareki;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/match-reviews/{id}", get(review_page))
        .route("/match-reviews/{id}/link", post(link))
        .route("/match-reviews/{id}/distinct", post(distinct))
}

fn identity_rows(i: &Identity) -> Markup {
    html! {
        dl.identity {
            dt { "氏名" } dd { (i.name) }
            dt { "フリガナ" } dd { (i.furigana.as_deref().unwrap_or("(未登録)")) }
            dt { "生年月日" } dd { (i.birth_date.map(format_wareki).unwrap_or_else(|| "(未登録)".into())) }
            dt { "住所" } dd { @if i.address.is_empty() { "(未登録)" } @else { (i.address) } }
        }
    }
}

/// The pair and the two decisions (the coordinator's list is on the worklist).
pub fn review_markup(ctx: &Ctx, r: &ReviewPair) -> Markup {
    html! {
        section.card {
            h2 { "名寄せ確認依頼 #" (r.id) }
            p { "依頼日時 " (jst(r.requested_at)) " ・ " @if r.strong { "有力候補" } @else { "参考候補" } }
            p.muted { "確認のため、両方の記録の氏名・フリガナ・生年月日・住所のみを表示しています。確認が済むと表示できなくなります。" }
            div.grid {
                section { h3 { "依頼された記録" } (identity_rows(&r.requested)) }
                section { h3 { "候補の記録" } (identity_rows(&r.candidate)) }
            }
        }
        section.card {
            h2 { "確認の結果" }
            form method="post" action={ "/match-reviews/" (r.id) "/link" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                button type="submit" { "同一人物として名寄せする" }
            }
            form method="post" action={ "/match-reviews/" (r.id) "/distinct" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                label { "別人と判断した理由(必須)"
                    select name="reason" required {
                        option value="" { "選んでください" }
                        @for d in DistinctReason::ALL { option value=(d.code()) { (d.label()) } }
                    }
                }
                label.block { "メモ(任意)" textarea name="note" rows="2" {} }
                button type="submit" { "別人と確認する" }
            }
        }
    }
}

async fn review_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let r = read_review(&state, &ctx, id).await?;
    Ok(page(
        &ctx,
        "名寄せ確認依頼",
        "/consultation",
        review_markup(&ctx, &r),
    ))
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn link(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    settle(&state, &ctx, id, &Verdict::Link).await?;
    Ok(Redirect::to("/?saved=1").into_response())
}

#[derive(Deserialize)]
struct DistinctForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn distinct(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<DistinctForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let verdict = distinct_verdict(&form.reason, &form.note)
        .map_err(|e| AppError::Validation(e.into_iter().map(|e| e.message).collect()))?;
    settle(&state, &ctx, id, &verdict).await?;
    Ok(Redirect::to("/?saved=1").into_response())
}

/// On the person page: the 名寄せ確認依頼 the caller's agency sent about this person and
/// what became of each (the other window is never named).
pub async fn person_section(
    state: &AppState,
    ctx: &Ctx,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    let asked = asked_about(state, ctx, access).await?;
    Ok(html! {
        @if !asked.is_empty() {
            section.card #match-reviews {
                h2 { "名寄せ確認依頼" }
                ul { @for r in &asked {
                    li {
                        (jst(r.requested_at)) " に依頼 — " strong { (r.status.label()) }
                        @if let Some(at) = r.decided_at { "(" (jst(at)) ")" }
                    }
                } }
                p.muted { "他の窓口で把握されている可能性があるため、相談支援包括化推進員に同一人物かどうかの確認を依頼したものです。" }
            }
        }
    })
}

/// 名寄せ確認依頼's section of the worklist: the coordinator's pending reviews and the
/// candidate stage's 「複合課題の可能性」; the requester's outcomes (no other agency named).
pub fn worklist_markup(w: &Section, foot: &dyn Fn(&str, usize, bool) -> Markup) -> Markup {
    html! {
        @if !w.pending.is_empty() {
            h3 { "名寄せ確認依頼(同一人物か確認してください)" }
            ul { @for r in &w.pending.items {
                li { a href={ "/match-reviews/" (r.id) } { (r.requested.name) "さん と " (r.candidate.name) "さん" } "(依頼 " (jst(r.requested_at)) ")" }
            } }
            (foot("match_reviews", w.pending.items.len(), w.pending.more))
        }
        @if !w.warnings.is_empty() {
            h3 { "複合課題の可能性(名寄せ確認中の有力候補)" }
            ul.warnings { @for c in &w.warnings.items {
                li { a href={ "/match-reviews/" (c.review_id) } { "名寄せ確認依頼 #" (c.review_id) } " — " (WINDOW_MONTHS) "か月以内に" (c.agencies) "機関が対応" }
            } }
            (foot("match_warnings", w.warnings.items.len(), w.warnings.more))
        }
        @if !w.outcomes.is_empty() {
            h3 { "名寄せ確認依頼の結果" }
            ul { @for o in &w.outcomes.items {
                li {
                    @match &o.person_name {
                        Some(n) => a href={ "/persons/" (o.person_id) } { (n) "さん" },
                        None => span { "本人 #" (o.person_id) },
                    }
                    " — " (o.review.status.label())
                }
            } }
            (foot("match_outcomes", w.outcomes.items.len(), w.outcomes.more))
        }
    }
}
