//! The landing page after login: who and where the user is, and their worklist — incoming
//! つなぎ, overdue and declined ones coming back, and (for the coordinator) overdue
//! referrals across the municipality and 「複合課題の可能性」: the first rows of each list,
//! and each list a page at a time under `/worklist/{list}`.

use axum::extract::{Path, Query};
use kasane_app::collaboration::role_holder;
use kasane_app::consultation::worklist::{LIST_ROWS, Reading, Section};
use kasane_app::outreach::rhythm as outreach_rhythm;
use kasane_app::worklist::{Worklist, read_worklist};
use maud::{Markup, html};
use serde::Deserialize;

use crate::http::auth::{Ctx, Page};
use crate::http::error::PageError;
use crate::http::work::Work;
use crate::pages::{cases, match_reviews, outreach, support_plans};
use crate::ui::fmt::jst;
use crate::ui::form::Saved;
use crate::ui::layout::{empty, page};

fn worklist_markup(w: &Worklist, reading: &Reading) -> Markup {
    if w.is_empty() {
        return empty(
            "現在、対応が必要な項目はありません。つなぎの受信・期限切れ・モニタリング予定などがここに表示されます。",
        );
    }
    let foot = |code: &str, shown: usize, more: bool| list_foot(reading, code, shown, more);
    html! {
        (outreach::worklist_markup(&w.outreach.items, foot(outreach_rhythm::LIST, w.outreach.items.len(), w.outreach.more)))
        (support_plans::worklist_markup(&w.monitoring.items, foot("monitoring", w.monitoring.items.len(), w.monitoring.more)))
        (cases::basis_lost_markup(&w.basis_lost.items, foot(role_holder::LIST, w.basis_lost.items.len(), w.basis_lost.more)))
        (consultation_markup(&w.consultation, &foot))
        (match_reviews::worklist_markup(&w.match_review, &foot))
    }
}

/// 相談支援's section of the caller's worklist, as on the home page (the 相談支援 tab shows
/// it under the intake list).
pub(crate) fn consultation_section(w: &Worklist) -> Markup {
    let foot = |code: &str, shown: usize, more: bool| list_foot(&Reading::Home, code, shown, more);
    consultation_markup(&w.consultation, &foot)
}

/// Under a list: on the home page a link to the whole list when more rows follow; on the
/// list's own page the range shown and the neighbouring pages (not counted: the last page
/// is the one without a next).
fn list_foot(reading: &Reading, code: &str, shown: usize, more: bool) -> Markup {
    match reading {
        Reading::Home => html! {
            @if more { p.more { a href={ "/worklist/" (code) } { "すべて見る" } } }
        },
        Reading::List(_, page) => {
            let page = (*page).max(1);
            let first = (page - 1) * LIST_ROWS + 1;
            let last = first - 1 + shown as i64;
            html! {
                nav.pager aria-label="ページ" {
                    @if page > 1 { a href={ "/worklist/" (code) "?page=" (page - 1) } { "前へ" } }
                    span { (first) "〜" (last) "件目" @if more { "(続きがあります)" } }
                    @if more { a href={ "/worklist/" (code) "?page=" (page + 1) } { "次へ" } }
                }
            }
        }
    }
}

/// 相談支援's section of the worklist.
fn consultation_markup(w: &Section, foot: &dyn Fn(&str, usize, bool) -> Markup) -> Markup {
    html! {
        @if !w.escalations.is_empty() {
            h3 { "多機関協働へ上がった相談(ケースを開いてください)" }
            ul { @for e in &w.escalations.items {
                li {
                    a href={ "/persons/" (e.person_id) } { (e.person_name) "さん" }
                    " — " (e.agency_name) "(受付 " (jst(e.received_at)) ") "
                    a.button href={ "/cases/new?intake_id=" (e.intake_id) } { "ケースを開く" }
                }
            } }
            (foot("escalations", w.escalations.items.len(), w.escalations.more))
        }
        @if !w.incoming.is_empty() {
            h3 { "受信したつなぎ(受理または辞退してください)" }
            ul { @for (r, overdue) in &w.incoming.items {
                li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん — " (r.from_agency_name) "から" } " (" (jst(r.sent_at)) ")" @if *overdue { " " span.badge.warn { "受理期限切れ" } } }
            } }
            (foot("incoming", w.incoming.items.len(), w.incoming.more))
        }
        @if !w.to_complete.is_empty() {
            h3 { "受理したつなぎ(支援の結果を記録してください)" }
            ul { @for r in &w.to_complete.items { li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん — " (r.from_agency_name) "から" } } } }
            (foot("to_complete", w.to_complete.items.len(), w.to_complete.more))
        }
        @if !w.returned.is_empty() {
            h3 { "送ったつなぎで対応が必要なもの" }
            ul { @for (r, why) in &w.returned.items {
                li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん → " (r.to_agency_name) } " " span.badge.warn { (why.label()) } }
            } }
            (foot("returned", w.returned.items.len(), w.returned.more))
        }
        @if !w.overdue_all.is_empty() {
            h3 { "受理期限を過ぎたつなぎ(市全体)" }
            ul { @for r in &w.overdue_all.items {
                li { "つなぎ #" (r.id) ": " (r.from_agency_name) " → " (r.to_agency_name) "(送付 " (jst(r.sent_at)) ")" }
            } }
            (foot("overdue_all", w.overdue_all.items.len(), w.overdue_all.more))
        }
        @if !w.warnings.is_empty() {
            h3 { "複合課題の可能性" }
            ul.warnings { @for (id, name, warning) in &w.warnings.items {
                li {
                    @match name {
                        Some(n) => a href={ "/persons/" (id) } { (n) "さん" },
                        None => span { "本人 #" (id) "(氏名は関与機関で確認してください)" },
                    }
                    " — " (warning.summary)
                    ul.evidence { @for c in &warning.evidence { li { (kasane_domain::wareki::format_wareki(c.on)) " " (c.agency_name) " " (c.source.label()) } } }
                }
            } }
            (foot("warnings", w.warnings.items.len(), w.warnings.more))
        }
    }
}

/// The logged-in staff member's facts.
fn me_markup(ctx: &Ctx) -> Markup {
    let roles: Vec<&str> = ctx.actor.roles.iter().map(|r| r.label()).collect();
    html! {
        section.card aria-labelledby="me" {
            h2 #me { "ログイン中の職員" }
            dl.facts {
                dt { "自治体" } dd { (ctx.municipality.prefecture) " " (ctx.municipality.name) }
                dt { "所属機関" } dd { a href={ "/agencies/" (ctx.agency.id) } { (ctx.agency.name) } }
                dt { "職員" } dd { (ctx.user.display_name) "(" (ctx.user.username) ")" }
                dt { "役割" } dd { (roles.join("・")) }
                @if let Some(p) = &ctx.municipality.programme_name {
                    dt { "事業名" } dd { (p) }
                }
            }
        }
    }
}

pub async fn home(
    Work(state): Work,
    Page(ctx): Page,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let w = read_worklist(&state, &ctx, &Reading::Home).await?;
    Ok(page(
        &ctx,
        "ホーム",
        "/",
        html! {
            (saved.notice())
            (me_markup(&ctx))
            @if kasane_domain::access::may_see_person_data(&ctx.actor) {
                p.actions { a.button href="/intakes/new" { "相談を受け付ける" } " " a.button href="/persons" { "本人を探す" } }
            }
            section.card aria-labelledby="worklist" {
                h2 #worklist { "対応が必要な項目(ワークリスト)" }
                (worklist_markup(&w, &Reading::Home))
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<i64>,
}

/// `/worklist/{list}`: one list of the worklist, a page at a time (「すべて見る」).
pub async fn worklist_list(
    Work(state): Work,
    Page(ctx): Page,
    Path(list): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let reading = Reading::List(list, kasane_app::page_number(q.page)?);
    let w = read_worklist(&state, &ctx, &reading).await?;
    Ok(page(
        &ctx,
        "ワークリスト",
        "/",
        html! {
            p { a href="/" { "ホームへ戻る" } }
            section.card aria-labelledby="worklist" {
                h2 #worklist { "対応が必要な項目(ワークリスト)" }
                (worklist_markup(&w, &reading))
            }
        },
    ))
}
