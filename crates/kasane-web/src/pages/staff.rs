//! 職員管理 for the municipality's `admin`: the staff list, adding a member of staff,
//! changing their name, agency and roles, disabling / enabling, resetting a password and
//! revoking tokens. Destructive actions (disable, reset, revoke) ask for a ticked
//! confirmation, checked by the server. The use cases are `kasane_app::admin::staff`.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, http::StatusCode};
use kasane_app::admin::municipality::agencies;
use kasane_app::admin::staff::{
    StaffChange, StaffDraft, add_staff, change_staff, list_staff, reset_password, revoke_token,
    set_staff_enabled, staff_member,
};
use kasane_domain::identity::Role;
use kasane_store::municipality::Agency;
use kasane_store::user::User;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::form::{Saved, field, fields, form_status, marked, problems, submitted};
use crate::ui::layout::{empty, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list_page))
        .route("/staff/new", get(new_page).post(add))
        .route("/staff/{id}", get(member_page).post(change))
        .route("/staff/{id}/disable", post(disable))
        .route("/staff/{id}/enable", post(enable))
        .route("/staff/{id}/password", post(password))
        .route("/staff/{id}/tokens/{token_id}/revoke", post(revoke))
}

/// The state of an account, as the list and the page show it.
fn account_state(user: &User, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    if user.disabled {
        "無効"
    } else if user.locked_until.is_some_and(|t| t > now) {
        "ロック中"
    } else {
        "有効"
    }
}

fn roles_label(user: &User) -> String {
    user.roles()
        .iter()
        .map(Role::label)
        .collect::<Vec<_>>()
        .join("、")
}

fn agency_name(agencies: &[Agency], id: i64) -> &str {
    agencies
        .iter()
        .find(|a| a.id == id)
        .map_or("", |a| a.name.as_str())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

async fn list_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let list = list_staff(&state, &ctx, q.page).await?;
    let agencies = agencies(&state, &ctx).await?;
    let now = state.now();
    let first = (list.page - 1) * kasane_app::admin::staff::PAGE_ROWS + 1;
    let body = html! {
        p.actions { a.button href="/staff/new" { "職員を追加" } }
        section.card {
            h2 { "職員の一覧" }
            @if list.rows.is_empty() {
                (empty("この頁に職員はいません。"))
            } @else {
                p.muted { (first) "〜" (first + list.rows.len() as i64 - 1) "件目" }
                table {
                    thead { tr { th { "ユーザー名" } th { "表示名" } th { "所属機関" } th { "役割" } th { "状態" } } }
                    tbody {
                        @for u in &list.rows {
                            tr {
                                td { a href={ "/staff/" (u.id) } { (u.username) } }
                                td { (u.display_name) }
                                td { (agency_name(&agencies, u.agency_id)) }
                                td { (roles_label(u)) }
                                td { (account_state(u, now)) }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label="頁" {
                @if list.page > 1 { a href={ "/staff?page=" (list.page - 1) } { "前の頁" } " " }
                @if list.has_more { a href={ "/staff?page=" (list.page + 1) } { "次の頁" } }
            }
        }
    };
    Ok(page(&ctx, "職員管理", "/staff", body))
}

/// Display name, agency and roles: the fields adding and changing share.
fn profile_fields(
    agencies: &[Agency],
    display_name: &str,
    agency_id: Option<i64>,
    roles: &[String],
    errors: &[String],
) -> Markup {
    html! {
        label for="display_name" { "表示名(例: 佐藤 花子)" }
        input #display_name type="text" name="display_name" value=(display_name) required
            aria-invalid=[marked(errors, "表示名")];
        label for="agency_id" { "所属機関" }
        select #agency_id name="agency_id" required aria-invalid=[marked(errors, "所属機関")] {
            option value="" { "選んでください" }
            @for a in agencies {
                option value=(a.id) selected[agency_id == Some(a.id)] { (a.name) }
            }
        }
        fieldset aria-invalid=[marked(errors, "役割")] {
            legend { "役割(1つ以上)" }
            @for r in Role::ALL {
                label.check {
                    input type="checkbox" name="roles" value=(r.code())
                        checked[roles.iter().any(|c| c == r.code())];
                    " " (r.label())
                }
            }
        }
    }
}

async fn new_page(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    render_new(&state, &ctx, &StaffDraft::default(), &[]).await
}

async fn render_new(
    state: &AppState,
    ctx: &Ctx,
    draft: &StaffDraft,
    errors: &[String],
) -> Result<Markup, PageError> {
    let agencies = agencies(state, ctx).await?;
    let body = html! {
        (problems(errors))
        form.stack method="post" action="/staff/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            label for="username" { "ユーザー名(半角英数字と . _ -、3〜64文字)" }
            input #username type="text" name="username" value=(draft.username) required
                autocomplete="off" aria-invalid=[marked(errors, "ユーザー名")];
            (profile_fields(&agencies, &draft.display_name, draft.agency_id, &draft.roles, errors))
            label for="password" { "初期パスワード(12文字以上。空欄なら自動で作り、この後に一度だけ表示します)" }
            input #password type="password" name="password" autocomplete="new-password"
                aria-invalid=[marked(errors, "初期パスワード")];
            button type="submit" { "記録する" }
        }
    };
    Ok(page(ctx, "職員を追加", "/staff", body))
}

fn draft_of(pairs: &[(String, String)]) -> StaffDraft {
    StaffDraft {
        username: field(pairs, "username").to_string(),
        display_name: field(pairs, "display_name").to_string(),
        agency_id: field(pairs, "agency_id").parse().ok(),
        roles: fields(pairs, "roles"),
        password: field(pairs, "password").to_string(),
    }
}

/// The one page that shows a one-time password: not a redirect, so it is in no URL and
/// no history entry's address.
fn password_shown(ctx: &Ctx, id: i64, title: &str, password: &str) -> Markup {
    let body = html! {
        p.notice role="status" { "記録しました。" }
        section.card {
            h2 { "初期パスワード" }
            p { "この画面でのみ表示します。本人に安全な方法で伝え、最初のログインの後に変更してもらってください。" }
            p { code.password { (password) } }
        }
        p { a href={ "/staff/" (id) } { "職員の画面へ" } }
    };
    page(ctx, title, "/staff", body)
}

/// The answer to a use case's field problems: the form again (422), or the error.
fn refused(e: AppError) -> Result<Vec<String>, PageError> {
    match e {
        AppError::Validation(errors) => Ok(errors),
        e => Err(e.into()),
    }
}

async fn add(Work(state): Work, Page(ctx): Page, body: Bytes) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let draft = draft_of(&pairs);
    match add_staff(&state, &ctx, &draft).await {
        Ok((id, Some(shown))) => {
            Ok(password_shown(&ctx, id, "職員を追加しました", &shown).into_response())
        }
        Ok((id, None)) => Ok(Redirect::to(&format!("/staff/{id}?saved=1")).into_response()),
        Err(e) => {
            let errors = refused(e)?;
            let draft = StaffDraft {
                password: String::new(),
                ..draft
            };
            let page = render_new(&state, &ctx, &draft, &errors).await?;
            Ok((form_status(&errors), page).into_response())
        }
    }
}

async fn member_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    render_member(&state, &ctx, id, &saved, None, &[]).await
}

async fn render_member(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: &Saved,
    sent: Option<&StaffChange>,
    errors: &[String],
) -> Result<Markup, PageError> {
    let member = staff_member(state, ctx, id).await?;
    let agencies = agencies(state, ctx).await?;
    let u = &member.user;
    let codes: Vec<String> = u.roles().iter().map(|r| r.code().to_string()).collect();
    let (display_name, agency_id, roles) = match &sent {
        Some(s) => (s.display_name.as_str(), s.agency_id, s.roles.clone()),
        None => (u.display_name.as_str(), Some(u.agency_id), codes),
    };
    let csrf = ctx.csrf_token();
    let confirm = |text: &str| {
        html! {
            label.check {
                input type="checkbox" name="confirm" value="yes" required;
                " " (text)
            }
        }
    };
    let body = html! {
        (saved.notice())
        (problems(errors))
        section.card {
            h2 { "アカウント" }
            dl.facts {
                dt { "ユーザー名" } dd { (u.username) }
                dt { "状態" } dd { (account_state(u, state.now())) }
                dt { "登録日時" } dd { (jst(u.created_at)) }
            }
        }
        section.card {
            h2 { "表示名・所属機関・役割の変更" }
            form.stack method="post" action={ "/staff/" (u.id) } {
                input type="hidden" name="csrf" value=(csrf);
                (profile_fields(&agencies, display_name, agency_id, &roles, errors))
                button type="submit" { "記録する" }
            }
        }
        section.card {
            @if u.disabled {
                h2 { "有効にする" }
                form.stack method="post" action={ "/staff/" (u.id) "/enable" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { "有効にする" }
                }
            } @else {
                h2 { "無効にする" }
                p { "無効にすると、この職員のログイン中のセッションとトークンはすぐに使えなくなります。" }
                form.stack method="post" action={ "/staff/" (u.id) "/disable" } {
                    input type="hidden" name="csrf" value=(csrf);
                    (confirm("この職員を無効にすることを確認しました"))
                    button.danger type="submit" { "無効にする" }
                }
            }
        }
        section.card {
            h2 { "パスワードの再設定" }
            p { "再設定すると、この職員のログイン中のセッションは終了し、ロックも解除されます。" }
            form.stack method="post" action={ "/staff/" (u.id) "/password" } {
                input type="hidden" name="csrf" value=(csrf);
                label for="new_password" { "新しいパスワード(12文字以上。空欄なら自動で作り、一度だけ表示します)" }
                input #new_password type="password" name="password" autocomplete="new-password"
                    aria-invalid=[marked(errors, "新しいパスワード")];
                (confirm("パスワードを再設定することを確認しました"))
                button.danger type="submit" { "再設定する" }
            }
        }
        section.card {
            h2 { "個人用アクセストークン" }
            @if member.tokens.is_empty() {
                (empty("トークンは発行されていません。"))
            } @else {
                table {
                    thead { tr { th { "番号" } th { "用途" } th { "発行" } th { "最終利用" } th { "状態" } } }
                    tbody {
                        @for t in &member.tokens {
                            tr {
                                td { (t.id) }
                                td { (t.name) }
                                td { (jst(t.created_at)) }
                                td { (t.last_used_at.map(jst).unwrap_or_else(|| "—".into())) }
                                td {
                                    @if let Some(at) = t.revoked_at {
                                        "失効(" (jst(at)) ")"
                                    } @else {
                                        form.inline method="post" action={ "/staff/" (u.id) "/tokens/" (t.id) "/revoke" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            (confirm("失効させることを確認しました"))
                                            " "
                                            button.danger type="submit" { "失効させる" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/staff" { "職員の一覧へ" } }
    };
    let title = format!("職員: {}", u.display_name);
    Ok(page(ctx, &title, "/staff", body))
}

async fn change(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = submitted(&ctx, &body)?;
    let sent = StaffChange {
        display_name: field(&pairs, "display_name").to_string(),
        agency_id: field(&pairs, "agency_id").parse().ok(),
        roles: fields(&pairs, "roles"),
    };
    match change_staff(&state, &ctx, id, &sent).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/{id}?saved=1")).into_response()),
        Err(e) => {
            let errors = refused(e)?;
            let page =
                render_member(&state, &ctx, id, &Saved::default(), Some(&sent), &errors).await?;
            Ok((form_status(&errors), page).into_response())
        }
    }
}

/// A destructive action's form: its CSRF token and its ticked confirmation, or the page
/// again with the problem (422).
async fn confirmed(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    body: &[u8],
) -> Result<Result<Vec<(String, String)>, Response>, PageError> {
    let pairs = submitted(ctx, body)?;
    if field(&pairs, "confirm") == "yes" {
        return Ok(Ok(pairs));
    }
    let errors = vec!["確認: 確認のチェックを入れてから押してください".to_string()];
    let page = render_member(state, ctx, id, &Saved::default(), None, &errors).await?;
    Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()))
}

/// The page after a change: the member's page with 「記録しました」, or the form again.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    done: Result<(), AppError>,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/staff/{id}?saved=1")).into_response()),
        Err(e) => {
            let errors = refused(e)?;
            let page = render_member(state, ctx, id, &Saved::default(), None, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn disable(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    if let Err(page) = confirmed(&state, &ctx, id, &body).await? {
        return Ok(page);
    }
    let done = set_staff_enabled(&state, &ctx, id, false).await;
    after(&state, &ctx, id, done).await
}

async fn enable(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    submitted(&ctx, &body)?;
    let done = set_staff_enabled(&state, &ctx, id, true).await;
    after(&state, &ctx, id, done).await
}

async fn password(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = match confirmed(&state, &ctx, id, &body).await? {
        Ok(pairs) => pairs,
        Err(page) => return Ok(page),
    };
    match reset_password(&state, &ctx, id, field(&pairs, "password")).await {
        Ok(Some(shown)) => {
            Ok(password_shown(&ctx, id, "パスワードを再設定しました", &shown).into_response())
        }
        Ok(None) => Ok(Redirect::to(&format!("/staff/{id}?saved=1")).into_response()),
        Err(e) => after(&state, &ctx, id, Err(e)).await,
    }
}

async fn revoke(
    Work(state): Work,
    Page(ctx): Page,
    Path((id, token_id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    if let Err(page) = confirmed(&state, &ctx, id, &body).await? {
        return Ok(page);
    }
    let done = revoke_token(&state, &ctx, id, token_id).await;
    after(&state, &ctx, id, done).await
}
