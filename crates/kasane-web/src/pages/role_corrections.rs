//! Pages: the correction of a role assignment (役割分担) by whoever runs the meeting that
//! decided it (担当機関, 担当者, 役割, 期限; the meeting and the case stay), with its 修正履歴,
//! and the meeting page's way there. A save from a stale version shows both versions to
//! reconcile (409), as the other corrections do.

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kasane_app::collaboration::case::record_holding;
use kasane_app::collaboration::role_correction::{correct_role, role_draft, role_to_correct};
use kasane_domain::meeting::RoleDraft;
use kasane_store::meeting::RoleAssignment;
use kasane_store::municipality::Agency;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::corrections::{Refused, history_section, version};
use crate::ui::form::{field, marked, submitted};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/meetings/{id}/roles/{role_id}/edit",
        get(role_form).post(save_role),
    )
}

/// The meeting page's way to a role's correction and history (for whoever runs it).
pub fn edit_link(meeting_id: i64, r: &RoleAssignment) -> Markup {
    html! {
        a.noprint href={ "/meetings/" (meeting_id) "/roles/" (r.id) "/edit" } {
            "修正"
            @if r.version > 1 { "・履歴(第" (r.version) "版まで)" }
        }
    }
}

/// A role draft in words, for the reconcile notice.
fn summary(d: &RoleDraft, agencies: &[Agency]) -> Markup {
    let agency = agencies
        .iter()
        .find(|a| Some(a.id) == d.agency_id)
        .map_or("", |a| a.name.as_str());
    html! {
        dl.facts {
            dt { "担当機関" } dd { (agency) } dt { "担当者" } dd { (d.staff_name) }
            dt { "役割" } dd.pre { (d.task) } dt { "期限" } dd { (d.due_on) }
        }
    }
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    (id, role_id): (i64, i64),
    sent: Option<&RoleDraft>,
    refused: Refused,
) -> Result<Response, AppError> {
    let r = role_to_correct(state, ctx, id, role_id).await?;
    let role = &r.role;
    let current = role_draft(role);
    let d = sent.unwrap_or(&current);
    let errors: &[String] = match &refused {
        Refused::Invalid(e) => e,
        _ => &[],
    };
    let body = html! {
        (refused.notice())
        p.muted { "会議とケースは、どこで誰のために決めた役割かを示すため修正できません。" }
        form method="post" action={ "/meetings/" (id) "/roles/" (role.id) "/edit" } {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            input type="hidden" name="version" value=(role.version);
            section.card {
                h2 { "役割分担を修正する(第" (role.version) "版から。前の版は残ります)" }
                div.grid {
                    label { "担当機関"
                        select name="agency_id" required aria-invalid=[marked(errors, "担当機関")] {
                            option value="" { "選んでください" }
                            @for a in record_holding(&r.agencies) {
                                option value=(a.id) selected[d.agency_id == Some(a.id)] { (a.name) }
                            }
                        }
                    }
                    label { "担当者"
                        input type="text" name="staff_name" value=(d.staff_name)
                            aria-invalid=[marked(errors, "担当者")];
                    }
                    label { "期限"
                        input type="text" name="due_on" placeholder="任意(R8.7.1 など)" value=(d.due_on)
                            aria-invalid=[marked(errors, "期限")];
                    }
                }
                label.block { "役割"
                    textarea name="task" rows="2" required aria-invalid=[marked(errors, "役割")] { (d.task) }
                }
            }
            div.actions.sticky {
                button type="submit" { "修正を保存" }
                " " a href={ "/meetings/" (id) } { "修正せずに戻る" }
            }
        }
        (history_section(&r.versions))
    };
    let status = refused.status();
    Ok((status, page(ctx, "役割分担を修正", "/collaboration", body)).into_response())
}

async fn role_form(
    Work(state): Work,
    Page(ctx): Page,
    Path(ids): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    Ok(render_form(&state, &ctx, ids, None, Refused::None).await?)
}

async fn save_role(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, role_id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = RoleDraft {
        agency_id: field(&pairs, "agency_id").trim().parse().ok(),
        staff_name: field(&pairs, "staff_name").to_string(),
        task: field(&pairs, "task").to_string(),
        due_on: field(&pairs, "due_on").to_string(),
    };
    match correct_role(&state, &ctx, (id, role_id), version(&pairs), &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1")).into_response()),
        Err(e) => {
            let agencies = kasane_app::collaboration::agencies(&state, &ctx).await?;
            let newest = async {
                let r = role_to_correct(&state, &ctx, id, role_id).await?;
                Ok(summary(&role_draft(&r.role), &agencies))
            };
            let refused = Refused::of(e, summary(&draft, &agencies), newest).await?;
            Ok(render_form(&state, &ctx, (id, role_id), Some(&draft), refused).await?)
        }
    }
}
