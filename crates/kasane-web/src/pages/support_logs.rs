//! Pages: 支援経過記録 — dated entries by an agency on a person and/or household. An edit
//! adds a version; the page shows every version (who changed what, when).

use axum::Router;
use axum::extract::{Form, Path};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_domain::access::{Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::support_log::{
    EntryDraft, EntryKind, ValidEntry, check_edit, field_label, validate,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::support_log::{EntryContent, SupportLogEntry};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::layout::page;
use kasane_app::guard::{Grant, Object, household_access, not_found, person_access, record};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support-logs", post(create))
        .route("/support-logs/{id}", get(entry_page).post(edit))
}

/// The "支援経過を記録" form on a person's or household's page.
pub fn entry_form(ctx: &Ctx, person_id: Option<i64>, household_id: Option<i64>) -> Markup {
    html! {
        section.card #log {
            h2 { "支援経過を記録する" }
            form method="post" action="/support-logs" {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                @if let Some(p) = person_id { input type="hidden" name="person_id" value=(p); }
                @if let Some(h) = household_id { input type="hidden" name="household_id" value=(h); }
                (fields(&format_wareki(ctx.today), EntryKind::Visit.code(), ""))
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

fn content(v: &ValidEntry) -> EntryContent {
    EntryContent {
        occurred_on: v.occurred_on,
        kind: v.kind.code().to_string(),
        body: v.body.clone(),
    }
}

fn invalid(errors: Vec<kasane_domain::intake::FieldError>) -> AppError {
    AppError::Validation(errors.iter().map(ToString::to_string).collect())
}

/// Writing on a person or household needs the full view of it. Returns the grant (of the
/// household when the entry names one), and whether a grant was only the つなぐシート view
/// (which shows no support log).
async fn authorize_subject(
    state: &AppState,
    ctx: &Ctx,
    v: &ValidEntry,
    action: Action,
) -> Result<(Grant, bool), AppError> {
    let mut grants = Vec::with_capacity(2);
    if let Some(p) = v.person_id {
        grants.push(person_access(state, ctx, action, p).await?.grant);
    }
    if let Some(h) = v.household_id {
        grants.push(household_access(state, ctx, action, h).await?.1);
    }
    let sheet_only = grants.iter().any(|g| g.view() == View::ReferralSheet);
    // The domain refuses an entry on neither a person nor a household.
    let grant = grants.pop().ok_or(AppError::Internal)?;
    Ok((grant, sheet_only))
}

pub async fn create_entry(
    state: &AppState,
    ctx: &Ctx,
    draft: &EntryDraft,
) -> Result<i64, AppError> {
    let v = validate(draft, ctx.today).map_err(invalid)?;
    let (grant, _) = authorize_subject(state, ctx, &v, Action::Create).await?;
    let id = state
        .store
        .create_support_log(
            ctx.municipality.id,
            ctx.agency.id,
            ctx.user.id,
            v.person_id,
            v.household_id,
            &content(&v),
        )
        .await?;
    let oid = id.to_string();
    record(
        state,
        ctx,
        &grant,
        AuditAction::Create,
        Object {
            kind: "support_log",
            id: &oid,
        },
        "",
    )
    .await?;
    Ok(id)
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    create_entry(&state, &ctx, &form.draft()).await?;
    let back = match (form.person_id, form.household_id) {
        (Some(p), _) => format!("/persons/{p}"),
        (None, Some(h)) => format!("/households/{h}"),
        (None, None) => "/".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

/// An entry the caller may read, through its person or household.
pub async fn entry_access(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    action: Action,
) -> Result<(SupportLogEntry, Grant), AppError> {
    let Some(e) = state.store.support_log_any(id).await? else {
        return Err(not_found(state, ctx, "support_log", id).await.into());
    };
    let current = ValidEntry {
        occurred_on: e.occurred_on,
        kind: e.kind.parse().map_err(|_| AppError::Internal)?,
        body: e.body.clone(),
        person_id: e.person_id,
        household_id: e.household_id,
    };
    let (grant, sheet_only) = authorize_subject(state, ctx, &current, action).await?;
    if sheet_only {
        // A つなぎ not yet accepted shows the つなぐシート only, never the support log.
        return Err(AppError::NotFound);
    }
    Ok((e, grant))
}

/// Adds a version; only the authoring agency edits its entries.
pub async fn edit_entry(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
    draft: &EntryDraft,
) -> Result<(), AppError> {
    let (e, grant) = entry_access(state, ctx, id, Action::Update).await?;
    if e.agency_id != ctx.agency.id {
        return Err(AppError::Forbidden(
            "支援経過は記録した機関のみ修正できます".into(),
        ));
    }
    let old = ValidEntry {
        occurred_on: e.occurred_on,
        kind: e.kind.parse().map_err(|_| AppError::Internal)?,
        body: e.body.clone(),
        person_id: e.person_id,
        household_id: e.household_id,
    };
    let new = validate(
        &EntryDraft {
            person_id: e.person_id,
            household_id: e.household_id,
            ..draft.clone()
        },
        ctx.today,
    )
    .map_err(invalid)?;
    let changed = check_edit(&old, &new).map_err(|n| AppError::BadRequest(n.to_string()))?;
    if expected_version != e.version {
        return Err(AppError::Conflict(
            "他の職員が先に修正しました。画面を開き直してください".into(),
        ));
    }
    state
        .store
        .edit_support_log(id, expected_version, ctx.user.id, &content(&new))
        .await?;
    let oid = id.to_string();
    let what: Vec<&str> = changed.iter().map(|f| field_label(f)).collect();
    record(
        state,
        ctx,
        &grant,
        AuditAction::Update,
        Object {
            kind: "support_log",
            id: &oid,
        },
        &what.join("・"),
    )
    .await?;
    Ok(())
}

async fn edit(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    edit_entry(&state, &ctx, id, form.version.unwrap_or(0), &form.draft()).await?;
    Ok(Redirect::to(&format!("/support-logs/{id}")).into_response())
}

async fn entry_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let (e, _) = entry_access(&state, &ctx, id, Action::Read).await?;
    let versions = state.store.support_log_versions(id).await?;
    let body = html! {
        section.card {
            dl.facts {
                dt { "機関" } dd { (e.agency_name) }
                dt { "日付" } dd { (format_wareki(e.occurred_on)) }
                dt { "種別" } dd { (e.kind.parse::<EntryKind>().map_or(e.kind.as_str(), |k| k.label())) }
                dt { "内容" } dd.pre { (e.body) }
                dt { "版" } dd { "第" (e.version) "版(" (e.edited_by_name) "、" (jst(e.edited_at)) ")" }
                @if let Some(p) = e.person_id { dt { "本人" } dd { a href={ "/persons/" (p) } { "本人のページ" } } }
                @if let Some(h) = e.household_id { dt { "世帯" } dd { a href={ "/households/" (h) } { "世帯のページ" } } }
            }
        }
        @if e.agency_id == ctx.agency.id {
            section.card.noprint {
                h2 { "修正する(前の版は残ります)" }
                form method="post" action={ "/support-logs/" (e.id) } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    input type="hidden" name="version" value=(e.version);
                    (fields(&format_wareki(e.occurred_on), &e.kind, &e.body))
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
                            td { (v.kind.parse::<EntryKind>().map_or(v.kind.as_str(), |k| k.label())) }
                            td.pre { (v.body) }
                            td { (v.edited_by_name) }
                            td { (jst(v.edited_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, "支援経過記録", "/consultation", body))
}
