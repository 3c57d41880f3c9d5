//! Pages: the correction of a meeting by whoever manages it (開催日, 開催場所, 次回の見直し日,
//! 備考; the kind and the host stay), and the meeting page's 修正履歴 section. A save from a
//! stale version shows both versions to reconcile (409), as the other corrections do.

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kasane_app::collaboration::meeting_correction::{
    correct_meeting, meeting_draft, meeting_history, meeting_to_correct,
};
use kasane_app::guard::MeetingAccess;
use kasane_domain::meeting::MeetingDraft;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::corrections::{Refused, history_section, version};
use crate::ui::form::{field, submitted};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new().route("/meetings/{id}/edit", get(meeting_form).post(save_meeting))
}

/// The meeting page's way to correct (for whoever manages it) and its 修正履歴.
pub async fn section(state: &AppState, m: &MeetingAccess) -> Result<Markup, AppError> {
    let versions = meeting_history(state, m).await?;
    Ok(html! {
        @if m.manages() {
            p.noprint { a.button href={ "/meetings/" (m.meeting.id) "/edit" } { "会議の記録を修正する" } }
        }
        (history_section(&versions))
    })
}

/// A meeting draft in words, for the reconcile notice.
fn summary(d: &MeetingDraft) -> Markup {
    html! {
        dl.facts {
            dt { "開催日" } dd { (d.held_on) } dt { "開催場所" } dd { (d.place) }
            dt { "次回の見直し日" } dd { (d.next_review_on) } dt { "備考" } dd.pre { (d.note) }
        }
    }
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&MeetingDraft>,
    refused: Refused,
) -> Result<Response, AppError> {
    let m = meeting_to_correct(state, ctx, id).await?;
    let current = meeting_draft(&m);
    let d = sent.unwrap_or(&current);
    let body = html! {
        (refused.notice())
        p.muted { "会議の種類と主催機関は、誰がどの法令に基づいて出席したかを決めるため修正できません。" }
        form method="post" action={ "/meetings/" (m.id) "/edit" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            input type="hidden" name="version" value=(m.version);
            section.card {
                h2 { "会議の記録を修正する(第" (m.version) "版から。前の版は残ります)" }
                div.grid {
                    label { "開催日(必須。例: R7.4.1)" input type="text" name="held_on" value=(d.held_on) required; }
                    label { "開催場所" input type="text" name="place" value=(d.place); }
                    label { "次回の見直し日" input type="text" name="next_review_on" value=(d.next_review_on); }
                }
                label.block { "備考" textarea name="note" rows="3" { (d.note) } }
            }
            div.actions.sticky {
                button type="submit" { "修正を保存" }
                " " a href={ "/meetings/" (m.id) } { "修正せずに戻る" }
            }
        }
    };
    let status = refused.status();
    Ok((
        status,
        page(ctx, "会議の記録を修正", "/collaboration", body),
    )
        .into_response())
}

async fn meeting_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render_form(&state, &ctx, id, None, Refused::None).await?)
}

async fn save_meeting(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = MeetingDraft {
        held_on: field(&pairs, "held_on").to_string(),
        place: field(&pairs, "place").to_string(),
        next_review_on: field(&pairs, "next_review_on").to_string(),
        note: field(&pairs, "note").to_string(),
        // Kept from the record by the use case.
        ..MeetingDraft::default()
    };
    match correct_meeting(&state, &ctx, id, version(&pairs), &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1")).into_response()),
        Err(e) => {
            let newest = async {
                let newest = meeting_draft(&meeting_to_correct(&state, &ctx, id).await?);
                Ok(summary(&newest))
            };
            let refused = Refused::of(e, summary(&draft), newest).await?;
            Ok(render_form(&state, &ctx, id, Some(&draft), refused).await?)
        }
    }
}
