//! The one layout every page uses: header, pillar navigation, main, footer.

use maud::{DOCTYPE, Markup, html};

use crate::http::auth::Ctx;
use crate::http::error::{AppError, WebError};

/// The pillars of 重層的支援体制整備事業, in the order a worker thinks of them.
pub const NAV: [(&str, &str); 6] = [
    ("/consultation", "相談支援"),
    ("/collaboration", "多機関協働"),
    ("/outreach", "アウトリーチ"),
    ("/participation", "参加支援"),
    ("/community", "地域づくり"),
    ("/statistics", "統計・計画"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " | kasane 重ね" }
            link rel="stylesheet" href="/assets/kasane.css";
            script src="/assets/kasane.js" defer {}
        }
    }
}

/// A page for a logged-in user. `current` is the path of the active navigation entry.
/// The body tells the script who is logged in (a form kept across a login is given back
/// only to the same user) and when the session ends (the warning before idle expiry).
pub fn page(ctx: &Ctx, title: &str, current: &str, body: Markup) -> Markup {
    let session = ctx.session;
    html! {
        (DOCTYPE)
        html lang="ja" {
            (head(title))
            body data-user=(ctx.user.id)
                data-session-expires-in=[session.map(|s| s.expires_in)]
                data-session-warn-in=[session.map(|s| s.warn_in)]
                data-session-extendable=[session.map(|s| s.extendable)] {
                a.skip href="#main" { "本文へ移動" }
                header.site {
                    a.brand href="/" { "kasane " span.brand-ja { "重ね" } }
                    span.tenant { (ctx.municipality.prefecture) " " (ctx.municipality.name) }
                    span.who {
                        (ctx.user.display_name) "(" (ctx.agency.name) ")"
                    }
                    form.logout method="post" action="/logout" {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        button type="submit" { "ログアウト" }
                    }
                }
                nav.pillars aria-label="事業の柱" {
                    ul {
                        li { a href="/" aria-current=[(current == "/").then_some("page")] { "ホーム" } }
                        @for (href, label) in NAV {
                            li { a href=(href) aria-current=[(current == href).then_some("page")] { (label) } }
                        }
                        li { a href="/municipality" aria-current=[(current == "/municipality").then_some("page")] { "自治体情報" } }
                        @if ctx.actor.has(kasane_domain::identity::Role::Admin) {
                            li { a href="/staff" aria-current=[(current == "/staff").then_some("page")] { "職員管理" } }
                        }
                        @if ctx.actor.has(kasane_domain::identity::Role::Auditor) {
                            li { a href="/audit" aria-current=[(current == "/audit").then_some("page")] { "監査ログ" } }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
                footer.site { "kasane — 重層的支援体制整備事業 支援記録システム" }
            }
        }
    }
}

/// A page for an anonymous visitor (login, errors before login).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            (head(title))
            body.bare {
                a.skip href="#main" { "本文へ移動" }
                main id="main" {
                    p.brand-large { "kasane " span.brand-ja { "重ね" } }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The Japanese error page. Never shows internal details.
pub fn error_page(err: &WebError) -> Markup {
    let title = match err {
        WebError::App(AppError::NotFound) => "見つかりません",
        WebError::App(AppError::Forbidden(_)) | WebError::Csrf => "この操作はできません",
        WebError::App(AppError::Validation(_) | AppError::BadRequest(_)) => {
            "入力内容に誤りがあります"
        }
        WebError::Rejected { .. } => "受け付けられない要求です",
        WebError::App(AppError::Unavailable) => "しばらくお待ちください",
        _ => "エラーが発生しました",
    };
    bare(
        title,
        html! {
            p.error role="alert" { (err.to_string()) }
            @if !err.details().is_empty() {
                ul.errors { @for d in err.details() { li { (d) } } }
            }
            p { a href="/" { "ホームへ戻る" } }
        },
    )
}

/// The message shown where a list has nothing in it yet.
pub fn empty(message: &str) -> Markup {
    html! { p.empty { (message) } }
}
