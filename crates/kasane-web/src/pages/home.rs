//! The landing page after login: who and where the user is, and their worklist — incoming
//! つなぎ, overdue and declined ones coming back, and (for the coordinator) overdue
//! referrals across the municipality and 「複合課題の可能性」.

use kasane_app::worklist::{Worklist, read_worklist};
use maud::{Markup, html};

use crate::http::auth::Page;
use crate::http::error::PageError;
use crate::http::work::Work;
use crate::pages::support_plans;
use crate::ui::fmt::jst;
use crate::ui::layout::{empty, page};

fn worklist_markup(w: &Worklist) -> Markup {
    if w.is_empty() {
        return empty(
            "現在、対応が必要な項目はありません。つなぎの受信・期限切れ・モニタリング予定などがここに表示されます。",
        );
    }
    html! {
        (support_plans::worklist_markup(&w.monitoring))
        (consultation_markup(&w.consultation))
    }
}

/// 相談支援's section of the worklist.
fn consultation_markup(w: &kasane_app::consultation::worklist::Section) -> Markup {
    html! {
        @if !w.escalations.is_empty() {
            h3 { "多機関協働へ上がった相談(ケースを開いてください)" }
            ul { @for e in &w.escalations {
                li {
                    a href={ "/persons/" (e.person_id) } { (e.person_name) "さん" }
                    " — " (e.agency_name) "(受付 " (jst(e.received_at)) ") "
                    a.button href={ "/cases/new?intake_id=" (e.intake_id) } { "ケースを開く" }
                }
            } }
        }
        @if !w.incoming.is_empty() {
            h3 { "受信したつなぎ(受理または辞退してください)" }
            ul { @for (r, overdue) in &w.incoming {
                li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん — " (r.from_agency_name) "から" } " (" (jst(r.sent_at)) ")" @if *overdue { " " span.badge.warn { "受理期限切れ" } } }
            } }
        }
        @if !w.to_complete.is_empty() {
            h3 { "受理したつなぎ(支援の結果を記録してください)" }
            ul { @for r in &w.to_complete { li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん — " (r.from_agency_name) "から" } } } }
        }
        @if !w.returned.is_empty() {
            h3 { "送ったつなぎで対応が必要なもの" }
            ul { @for (r, why) in &w.returned {
                li { a href={ "/referrals/" (r.id) } { (r.person_name) "さん → " (r.to_agency_name) } " " span.badge.warn { (why.label()) } }
            } }
        }
        @if !w.overdue_all.is_empty() {
            h3 { "受理期限を過ぎたつなぎ(市全体)" }
            ul { @for r in &w.overdue_all {
                li { "つなぎ #" (r.id) ": " (r.from_agency_name) " → " (r.to_agency_name) "(送付 " (jst(r.sent_at)) ")" }
            } }
        }
        @if !w.warnings.is_empty() {
            h3 { "複合課題の可能性" }
            ul.warnings { @for (id, name, warning) in &w.warnings {
                li {
                    @match name {
                        Some(n) => a href={ "/persons/" (id) } { (n) "さん" },
                        None => span { "本人 #" (id) "(氏名は関与機関で確認してください)" },
                    }
                    " — " (warning.summary)
                    ul.evidence { @for c in &warning.evidence { li { (kasane_domain::wareki::format_wareki(c.on)) " " (c.agency_name) " " (c.source.label()) } } }
                }
            } }
        }
    }
}

pub async fn home(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    let roles: Vec<&str> = ctx.actor.roles.iter().map(|r| r.label()).collect();
    let w = read_worklist(&state, &ctx).await?;
    Ok(page(
        &ctx,
        "ホーム",
        "/",
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
            @if kasane_domain::access::may_see_person_data(&ctx.actor) {
                p.actions { a.button href="/intakes/new" { "相談を受け付ける" } " " a.button href="/persons" { "本人を探す" } }
            }
            section.card aria-labelledby="worklist" {
                h2 #worklist { "対応が必要な項目(ワークリスト)" }
                (worklist_markup(&w))
            }
        },
    ))
}
