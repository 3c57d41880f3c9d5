//! The landing page after login: who and where the user is, and their worklist.

use maud::{Markup, html};

use crate::http::auth::Page;
use crate::views::layout::{empty, page};

pub async fn home(Page(ctx): Page) -> Markup {
    let roles: Vec<&str> = ctx.actor.roles.iter().map(|r| r.label()).collect();
    page(
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
            section.card aria-labelledby="worklist" {
                h2 #worklist { "対応が必要な項目(ワークリスト)" }
                (empty("現在、対応が必要な項目はありません。つなぎの受信・期限切れ・モニタリング予定などがここに表示されます。"))
            }
        },
    )
}
