//! The audit log page, for `auditor` users: who did what to which object, on which basis.

use axum::extract::Query;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::{Action, Basis, Subject};
use kasane_domain::audit::AuditAction;
use kasane_domain::wareki::parse_date;
use kasane_store::audit::AuditFilter;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::layout::{empty, page};
use kasane_app::guard::{Object, authorize, record};

pub const PAGE_SIZE: i64 = 50;

/// The filter as typed into the form (dates in ISO or 和暦).
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object_type: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub page: Option<i64>,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Midnight JST at the start of `d`, as UTC.
fn jst_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

impl AuditQuery {
    /// The store filter, or every problem with the input.
    pub fn to_filter(&self, municipality_id: i64, limit: i64) -> Result<AuditFilter, AppError> {
        let mut errors = Vec::new();
        let mut date = |label: &str, s: &str| match non_empty(s).map(|s| parse_date(&s)) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errors.push(format!("{label}: {e}"));
                None
            }
        };
        let from = date("開始日", &self.from).map(jst_midnight);
        // `until` is inclusive for the user: entries before the next midnight.
        let until = date("終了日", &self.until).map(|d| jst_midnight(d) + TimeDelta::days(1));
        let action = non_empty(&self.action);
        if let Some(a) = action
            .as_ref()
            .filter(|a| a.parse::<AuditAction>().is_err())
        {
            errors.push(format!("操作種別が不明です: {a}"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let page = self.page.unwrap_or(1).max(1);
        Ok(AuditFilter {
            municipality_id,
            username: non_empty(&self.username),
            action,
            object_type: non_empty(&self.object_type),
            object_id: non_empty(&self.object_id),
            from,
            until,
            limit,
            offset: (page - 1) * limit,
        })
    }
}

/// Authorises reading the caller's municipality's audit log, and records that it was read.
pub async fn authorize_audit_read(state: &AppState, ctx: &Ctx) -> Result<(), AppError> {
    let subject = Subject::AuditLog {
        municipality_id: ctx.municipality.id,
    };
    let id = ctx.municipality.id.to_string();
    let object = Object {
        kind: "audit_log",
        id: &id,
    };
    let grant = authorize(state, ctx, Action::Read, &subject, object).await?;
    Ok(record(state, ctx, &grant, AuditAction::View, object, "").await?)
}

pub async fn audit_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<AuditQuery>,
) -> Result<Markup, PageError> {
    authorize_audit_read(&state, &ctx).await?;
    let (filter, problems) = match q.to_filter(ctx.municipality.id, PAGE_SIZE) {
        Ok(f) => (Some(f), Vec::new()),
        Err(AppError::Validation(v)) => (None, v),
        Err(e) => return Err(e.into()),
    };
    let (entries, total) = match &filter {
        Some(f) => state.store.audit_entries(f).await?,
        None => (Vec::new(), 0),
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let link = |p: i64| {
        let qs = serde_urlencoded::to_string([
            ("username", q.username.as_str()),
            ("action", q.action.as_str()),
            ("object_type", q.object_type.as_str()),
            ("object_id", q.object_id.as_str()),
            ("from", q.from.as_str()),
            ("until", q.until.as_str()),
        ])
        .unwrap_or_default();
        format!("/audit?{qs}&page={p}")
    };
    let body = html! {
        form.filters method="get" action="/audit" {
            label { "ユーザー名" input type="text" name="username" value=(q.username); }
            label { "操作"
                select name="action" {
                    option value="" { "すべて" }
                    @for a in AuditAction::ALL {
                        option value=(a.code()) selected[q.action == a.code()] { (a.label()) }
                    }
                }
            }
            label { "対象種別" input type="text" name="object_type" value=(q.object_type); }
            label { "対象ID" input type="text" name="object_id" value=(q.object_id); }
            label { "開始日" input type="text" name="from" value=(q.from) placeholder="R7.4.1 または 2025-04-01"; }
            label { "終了日" input type="text" name="until" value=(q.until); }
            button type="submit" { "絞り込む" }
        }
        @if !problems.is_empty() {
            ul.errors role="alert" { @for p in &problems { li { (p) } } }
        }
        p { (total) "件" @if pages > 1 { "(" (page_no) " / " (pages) "ページ)" } }
        @if entries.is_empty() {
            (empty("条件に合う記録はありません。"))
        } @else {
            table.audit {
                thead { tr { th { "日時" } th { "職員" } th { "操作" } th { "対象" } th { "根拠" } th { "理由" } th { "要求ID" } } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { (jst(e.occurred_at)) }
                            td { (e.username) }
                            td { (e.action.parse::<AuditAction>().map_or(e.action.as_str(), |a| a.label())) }
                            td { (e.object_type) @if !e.object_id.is_empty() { " #" (e.object_id) } }
                            td { (Basis::from_code(&e.basis).map_or(e.basis.as_str(), |b| b.label())) }
                            td { (e.reason) }
                            td.mono { (e.request_id) }
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
    Ok(page(&ctx, "監査ログ", "/audit", body))
}
