//! The audit log page, for `auditor` users: who did what to which object, on which basis.

use axum::extract::Query;
use kasane_app::admin::audit_log::{AuditQuery, PAGE_SIZE, read_audit_log};
use kasane_domain::access::Basis;
use kasane_domain::audit::AuditAction;
use maud::{Markup, html};

use crate::http::auth::Page;
use crate::http::error::PageError;
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::form::problems;
use crate::ui::layout::{empty, page};

pub async fn audit_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<AuditQuery>,
) -> Result<Markup, PageError> {
    let ((entries, total), errors) = match read_audit_log(&state, &ctx, &q).await {
        Ok(page) => (page, Vec::new()),
        Err(kasane_app::AppError::Validation(v)) => ((Vec::new(), 0), v),
        Err(e) => return Err(e.into()),
    };
    let page_no = kasane_app::page_number(q.page).unwrap_or(1);
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
        (problems(&errors))
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
