//! Pages: 支援経過記録 — dated entries by an agency on a person and/or household. An edit
//! adds a version; the page shows every version (who changed what, when).

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::support_log::{EntryRead, create_entry, edit_entry, read_entry};
use kasane_domain::support_log::{EntryDraft, EntryKind};
use kasane_domain::wareki::format_wareki;
use kasane_store::support_log::SupportLogEntry;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::corrections::Refused;
use crate::ui::fmt::jst;
use crate::ui::form::{Saved, form_status, problems};
use crate::ui::layout::page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support-logs", post(create))
        .route("/support-logs/{id}", get(entry_page).post(edit))
}

/// The "支援経過を記録" form on a person's or household's page.
pub fn entry_form(ctx: &Ctx, person_id: Option<i64>, household_id: Option<i64>) -> Markup {
    let draft = EntryDraft {
        occurred_on: format_wareki(ctx.today),
        kind: EntryKind::Visit.code().into(),
        body: String::new(),
        person_id,
        household_id,
    };
    filled_entry_form(ctx, &draft)
}

/// The new-entry form holding `d` (the defaults, or what a refused save sent).
fn filled_entry_form(ctx: &Ctx, d: &EntryDraft) -> Markup {
    html! {
        section.card #log {
            h2 { "支援経過を記録する" }
            form method="post" action="/support-logs" {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                @if let Some(p) = d.person_id { input type="hidden" name="person_id" value=(p); }
                @if let Some(h) = d.household_id { input type="hidden" name="household_id" value=(h); }
                (fields(&d.occurred_on, &d.kind, &d.body))
                button type="submit" { "記録する" }
            }
        }
    }
}

fn fields(occurred_on: &str, kind: &str, body: &str) -> Markup {
    html! {
        label { "日付 " input type="text" name="occurred_on" value=(occurred_on) required; }
        label { " 種別 "
            select name="kind" { @for k in EntryKind::ALL { option value=(k.code()) selected[kind == k.code()] { (k.label()) } } }
        }
        label.block { "内容" textarea name="body" rows="4" required { (body) } }
    }
}

#[derive(Deserialize)]
struct EntryForm {
    csrf: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    person_id: Option<i64>,
    household_id: Option<i64>,
    version: Option<i32>,
}

impl EntryForm {
    fn draft(&self) -> EntryDraft {
        EntryDraft {
            occurred_on: self.occurred_on.clone(),
            kind: self.kind.clone(),
            body: self.body.clone(),
            person_id: self.person_id,
            household_id: self.household_id,
        }
    }
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let draft = form.draft();
    let back = match (form.person_id, form.household_id) {
        (Some(p), _) => format!("/persons/{p}"),
        (None, Some(h)) => format!("/households/{h}"),
        (None, None) => "/".to_string(),
    };
    match create_entry(&state, &ctx, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?saved=1")).into_response()),
        // The form again, holding what was typed, with the problems above it.
        Err(AppError::Validation(errors)) => {
            let body = html! {
                (problems(&errors))
                (filled_entry_form(&ctx, &draft))
                p { a href=(back) { "記録せずに戻る" } }
            };
            Ok((
                form_status(&errors),
                page(&ctx, "支援経過を記録する", "/consultation", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let draft = form.draft();
    let Err(e) = edit_entry(&state, &ctx, id, form.version.unwrap_or(0), &draft).await else {
        return Ok(Redirect::to(&format!("/support-logs/{id}?saved=1")).into_response());
    };
    // The entry again with what was typed in its form: the problems (422), or the newest
    // version beside it (409).
    let newest = async { Ok(entry_summary(&read_entry(&state, &ctx, id).await?.entry)) };
    let refused = Refused::of(e, draft_summary(&draft), newest).await?;
    let status = refused.status();
    let body = entry_body(&state, &ctx, id, Some(&draft), &refused.notice()).await?;
    Ok((status, page(&ctx, "支援経過記録", "/consultation", body)).into_response())
}

fn entry_summary(e: &SupportLogEntry) -> Markup {
    summary(&format_wareki(e.occurred_on), e.kind.label(), &e.body)
}

fn draft_summary(d: &EntryDraft) -> Markup {
    let kind = d
        .kind
        .parse::<EntryKind>()
        .map_or(d.kind.as_str(), |k| k.label());
    summary(&d.occurred_on, kind, &d.body)
}

fn summary(occurred_on: &str, kind: &str, body: &str) -> Markup {
    html! {
        dl.facts {
            dt { "日付" } dd { (occurred_on) } dt { "種別" } dd { (kind) } dt { "内容" } dd.pre { (body) }
        }
    }
}

async fn entry_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let body = entry_body(&state, &ctx, id, None, &saved.notice()).await?;
    Ok(page(&ctx, "支援経過記録", "/consultation", body))
}

/// The entry, its correction form (holding `sent`, a refused save's input, or the entry)
/// and every version, under `notice`.
async fn entry_body(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&EntryDraft>,
    notice: &Markup,
) -> Result<Markup, AppError> {
    let EntryRead {
        entry: e, versions, ..
    } = read_entry(state, ctx, id).await?;
    let current = EntryDraft {
        occurred_on: format_wareki(e.occurred_on),
        kind: e.kind.code().into(),
        body: e.body.clone(),
        person_id: e.person_id,
        household_id: e.household_id,
    };
    let shown = sent.unwrap_or(&current);
    Ok(html! {
        (notice)
        section.card {
            dl.facts {
                dt { "機関" } dd { (e.agency_name) }
                dt { "日付" } dd { (format_wareki(e.occurred_on)) }
                dt { "種別" } dd { (e.kind.label()) }
                dt { "内容" } dd.pre { (e.body) }
                dt { "版" } dd { "第" (e.version) "版(" (e.edited_by_name) "、" (jst(e.edited_at)) ")" }
                @if let Some(p) = e.person_id { dt { "本人" } dd { a href={ "/persons/" (p) } { "本人のページ" } } }
                @if let Some(h) = e.household_id { dt { "世帯" } dd { a href={ "/households/" (h) } { "世帯のページ" } } }
            }
        }
        @if e.agency_id == ctx.agency.id {
            section.card.noprint #edit {
                h2 { "修正する(前の版は残ります)" }
                form method="post" action={ "/support-logs/" (e.id) } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    input type="hidden" name="version" value=(e.version);
                    (fields(&shown.occurred_on, &shown.kind, &shown.body))
                    button type="submit" { "修正を保存" }
                }
            }
        }
        section.card {
            h2 { "修正履歴" }
            table {
                thead { tr { th { "版" } th { "日付" } th { "種別" } th { "内容" } th { "修正者" } th { "日時" } } }
                tbody {
                    @for v in &versions {
                        tr {
                            td { (v.version) }
                            td { (format_wareki(v.occurred_on)) }
                            td { (v.kind.label()) }
                            td.pre { (v.body) }
                            td { (v.edited_by_name) }
                            td { (jst(v.edited_at)) }
                        }
                    }
                }
            }
        }
    })
}
