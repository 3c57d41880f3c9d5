//! Pages: 多機関協働へつなぐ, later — the confirmation page where the receiving window
//! escalates its ongoing consultation with a reason, and what the intake and person pages
//! show of it (through sections.rs).

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kasane_app::consultation::escalation::{
    escalatable, escalate, escalation_of, intake_to_escalate, may_escalate,
};
use kasane_app::consultation::intake::IntakeRead;
use kasane_app::guard::PersonAccess;
use kasane_domain::intake::Outcome;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::form::{field, form_status, problems, submitted};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new().route("/intakes/{id}/escalate", get(form).post(save))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reason: &str,
    errors: &[String],
) -> Result<Response, AppError> {
    let read = intake_to_escalate(state, ctx, id).await?;
    let i = &read.intake;
    let body = html! {
        (problems(errors))
        section.card {
            h2 { (read.access.person.name) "さんの相談を多機関協働へつなぐ" }
            dl.facts {
                dt { "相談受付" } dd { a href={ "/intakes/" (i.id) } { (jst(i.received_at)) " " (i.receiving_agency_name) } }
                dt { "いまの対応結果" } dd { (i.outcome.label()) }
            }
            p { "新しい相談受付は作りません。この相談受付の対応結果が「" (Outcome::Escalated.label()) "」になり、相談支援包括化推進員(多機関協働事業者)の受付待ちに入ります。元の対応結果と理由は記録に残ります。" }
            form method="post" action={ "/intakes/" (i.id) "/escalate" } {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                label.block { "多機関協働へつなぐ理由(必須。例: 本人の就労と母の介護が重なり、一つの機関では対応しきれない)"
                    textarea name="reason" rows="4" required { (reason) } }
                div.actions {
                    button type="submit" { "多機関協働へつなぐ" }
                    " " a href={ "/intakes/" (i.id) } { "やめる" }
                }
            }
        }
    };
    Ok((
        form_status(errors),
        page(ctx, "多機関協働へつなぐ", "/consultation", body),
    )
        .into_response())
}

async fn form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render(&state, &ctx, id, "", &[]).await?)
}

async fn save(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let reason = field(&pairs, "reason");
    match escalate(&state, &ctx, id, reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/intakes/{id}?saved=1")).into_response()),
        Err(AppError::Validation(errors)) => Ok(render(&state, &ctx, id, reason, &errors).await?),
        Err(e) => Err(e.into()),
    }
}

/// On the intake page: how it was escalated later, or the way to escalate it (its own
/// agency, full view, not escalated).
pub async fn intake_section(
    state: &AppState,
    ctx: &Ctx,
    read: &IntakeRead,
) -> Result<Markup, AppError> {
    let i = &read.intake;
    if let Some(e) = escalation_of(state, i).await? {
        let before = e
            .previous_outcome
            .parse::<Outcome>()
            .map_or(e.previous_outcome.clone(), |o| o.label().to_string());
        return Ok(html! {
            section.card #escalation {
                h2 { "多機関協働へつないだ記録" }
                dl.facts {
                    dt { "日時" } dd { (jst(e.escalated_at)) }
                    dt { "職員" } dd { (e.escalated_by_name) }
                    dt { "それまでの対応結果" } dd { (before) }
                    dt { "理由" } dd.pre { (e.reason) }
                }
            }
        });
    }
    Ok(offer(
        may_escalate(state, ctx, &read.access, i).await?,
        i.id,
    ))
}

/// On the person page: the way to escalate the caller's agency's newest intake of them.
pub async fn person_section(
    state: &AppState,
    ctx: &Ctx,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    let intake = escalatable(state, ctx, access).await?;
    Ok(intake.map_or(html! {}, |i| offer(true, i.id)))
}

fn offer(offered: bool, intake_id: i64) -> Markup {
    html! {
        @if offered {
            p.noprint {
                a.button href={ "/intakes/" (intake_id) "/escalate" } { "この相談を多機関協働へつなぐ" }
                " " span.muted { "一つの機関では解決できない課題があるとき。新しい相談受付は不要です。" }
            }
        }
    }
}
