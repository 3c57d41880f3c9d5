//! Form plumbing shared by pages: the urlencoded pairs of a form whose keys repeat (ticked
//! boxes, table rows), and the status of a form shown again with its problems.

use axum::http::StatusCode;
use maud::{Markup, html};
use serde::Deserialize;

use crate::http::auth::Ctx;
use crate::http::error::{AppError, WebError};

/// `application/x-www-form-urlencoded` pairs; repeated keys stay repeated.
pub fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("フォームの内容を読み取れません".into()))
}

/// The value of the first pair named `key` ("" when absent).
pub fn field<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value named `key`.
pub fn fields(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// Every value named `key` that is an id.
pub fn ids(pairs: &[(String, String)], key: &str) -> Vec<i64> {
    fields(pairs, key)
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// 200, or 422 for a form shown again with its problems.
pub fn form_status(problems: &[String]) -> StatusCode {
    if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A submitted form's pairs, once its CSRF token checks out.
pub fn submitted(ctx: &Ctx, body: &[u8]) -> Result<Vec<(String, String)>, WebError> {
    let pairs = form_pairs(body)?;
    ctx.check_csrf(field(&pairs, "csrf"))?;
    Ok(pairs)
}

/// A refused form's problems (422), above the form that still holds what was typed.
pub fn problems(errors: &[String]) -> Markup {
    html! {
        @if !errors.is_empty() {
            section.card.alert role="alert" {
                h2 { "入力内容を確認してください(入力した内容は残っています)" }
                ul.errors { @for e in errors { li { (e) } } }
            }
        }
    }
}

/// `aria-invalid` for the field labelled `label` when a problem names it (its text before
/// 「:」, as the use cases write them).
pub fn marked(errors: &[String], label: &str) -> Option<&'static str> {
    errors
        .iter()
        .any(|e| {
            e.strip_prefix(label)
                .is_some_and(|rest| rest.starts_with(':'))
        })
        .then_some("true")
}

/// Whether an action that cannot be taken back was confirmed on its confirmation step.
pub fn confirmed(pairs: &[(String, String)]) -> bool {
    field(pairs, "confirm") == "1"
}

/// The confirmation step of an action that cannot be taken back (中断, 終結, 同意の撤回):
/// what it will do, the worker's input (`fields`: what was sent, hidden or to edit), and
/// the button that sends it to `action` again with `confirm=1`; 「やめる」 goes `back`.
pub fn confirmation(
    ctx: &Ctx,
    (action, back): (&str, &str),
    what: &str,
    consequence: &str,
    fields: Markup,
) -> Markup {
    html! {
        section.card.alert role="alert" {
            h2 { (what) "してよろしいですか" }
            p { (consequence) }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(ctx.csrf_token());
                input type="hidden" name="confirm" value="1";
                (fields)
                div.actions {
                    button type="submit" { (what) "する" }
                    " " a href=(back) { "やめる" }
                }
            }
        }
    }
}

/// The notice of a save refused because someone saved a newer version first (409): the
/// newest version beside what the worker sent, so they can reconcile the two and save
/// again from the form below it (which holds what they sent, based on the newest).
pub fn reconcile(newest_label: &str, newest: Markup, submitted: Markup) -> Markup {
    html! {
        section.card.alert role="alert" {
            h2 { "保存できませんでした(他の職員が先に保存しました)" }
            p { (kasane_app::error::STALE) "。あなたの入力は下のフォームに残っています。" }
            div.grid.reconcile {
                div { h3 { (newest_label) } (newest) }
                div { h3 { "あなたが送信した内容" } (submitted) }
            }
        }
    }
}

/// `?saved=1`, where a save redirects to: the page then confirms 「記録しました」.
#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

impl Saved {
    pub fn notice(&self) -> Markup {
        html! {
            @if self.saved.is_some() { p.notice role="status" { "記録しました。" } }
        }
    }
}
