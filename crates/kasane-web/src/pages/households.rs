//! Pages: households (世帯) — members with 続柄 and history, the derived signals (8050,
//! ヤングケアラー, 高齢独居/高齢夫婦のみ: computed, never typed), and one timeline.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::household::{
    HouseholdView, MemberInput, MemberView, create_household, load_household,
};
use kasane_app::timeline;
use kasane_domain::access::View;
use kasane_domain::correction::LeaveReason;
use kasane_domain::household::Relationship;
use kasane_domain::wareki::format_wareki;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::sections;
use crate::pages::timeline::timeline_table;
use crate::ui::form::{Saved, marked, problems};
use crate::ui::layout::{empty, page};
use crate::ui::picker::{PickField, PickQuery, find, picker, search_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", post(create))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/members", post(add_member))
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    /// The person who starts the household, as its head.
    person_id: i64,
    #[serde(default)]
    label: String,
}

async fn create(
    Work(state): Work,
    Page(ctx): Page,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let id = create_household(&state, &ctx, form.person_id, &form.label).await?;
    Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response())
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    /// Absent when nobody was picked: the use case says so.
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    is_head: Option<String>,
    #[serde(default)]
    is_carer: Option<String>,
    #[serde(default)]
    joined_on: String,
}

impl MemberForm {
    fn input(&self) -> MemberInput<'_> {
        MemberInput {
            person_id: self.person_id.trim().parse().ok(),
            relationship: &self.relationship,
            is_head: self.is_head.is_some(),
            is_carer: self.is_carer.is_some(),
            joined_on: &self.joined_on,
        }
    }
}

async fn add_member(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    match kasane_app::consultation::household::add_member(&state, &ctx, id, form.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/households/{id}?saved=1")).into_response()),
        // The page again, the member form holding what was typed, its problems above it.
        Err(AppError::Validation(errors)) => {
            let refused = Some((errors.as_slice(), &form));
            let markup = render_household(&state, &ctx, id, &Saved::default(), "", refused).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Members with 続柄 and age; a member the caller has no basis of their own on is shown in
/// outline (no link to a record the caller may not open).
fn member_rows(members: &[MemberView], end_in: Option<i64>) -> Markup {
    html! {
        table {
            thead { tr { th { "氏名" } th { "続柄" } th { "年齢" } th { "介護・世話" } th { "期間" } @if end_in.is_some() { th { "" } } } }
            tbody {
                @for MemberView { member: m, age, in_full } in members {
                    tr {
                        td {
                            @if *in_full { a href={ "/persons/" (m.person_id) } { (m.name) } }
                            @else { (m.name) span.muted { "(世帯の概要のみ)" } }
                            @if m.is_head { " (世帯主)" }
                        }
                        td { (m.relationship.parse::<Relationship>().map_or(m.relationship.as_str(), |r| r.label())) }
                        td { @if let Some(age) = age { (age) "歳" } }
                        td { @if m.is_carer { "している" } }
                        td {
                            (format_wareki(m.joined_on)) "〜" @if let Some(l) = m.left_on { (format_wareki(l)) }
                            @if let Some(r) = m.left_reason.as_deref().and_then(|r| r.parse::<LeaveReason>().ok()) {
                                "(" (r.label()) @if !m.left_note.is_empty() { ": " (m.left_note) } ")"
                            }
                        }
                        @if let Some(h) = end_in { td { a href={ "/households/" (h) "/members/" (m.id) "/end" } { "世帯から外す" } } }
                    }
                }
            }
        }
    }
}

async fn household_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
    Query(pick): Query<PickQuery>,
) -> Result<Markup, PageError> {
    Ok(render_household(&state, &ctx, id, &saved, &pick.pick_q, None).await?)
}

/// The household page; `pick_q`: the member picker's search (`?pick_q=…`); `refused`: the
/// member form sent and its problems, shown again.
async fn render_household(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: &Saved,
    pick_q: &str,
    refused: Option<(&[String], &MemberForm)>,
) -> Result<Markup, AppError> {
    let view = load_household(state, ctx, id).await?;
    let timeline = timeline::of_household(state, &view).await?;
    let HouseholdView {
        household,
        grant,
        current,
        past,
        signals: found,
    } = view;
    let writable = grant.view() == View::Full;
    // The current members are no choice for 世帯員を追加する.
    let members: Vec<i64> = current.iter().map(|m| m.member.person_id).collect();
    let candidates = if writable {
        find(state, ctx, pick_q, &members).await?
    } else {
        None
    };
    let cases = sections::household(state, ctx, household.id, grant).await?;
    let (errors, sent) = refused.unzip();
    let errors = errors.unwrap_or_default();
    let body = html! {
        (saved.notice())
        p.muted { "閲覧の根拠: " (grant.basis().label()) "(" (grant.view().label()) ")" }
        section.card {
            h2 { "世帯の状況(記録から自動判定)" }
            @if found.is_empty() { (empty("該当するものはありません。")) }
            ul.signals { @for s in &found { li { span.badge.warn { (s.signal.label()) } " " (s.explanation) } } }
        }
        section.card {
            h2 { "世帯員" }
            dl.facts { dt { "住所" } dd { (household.address) } }
            @if current.is_empty() { (empty("現在の世帯員はいません。")) } @else { (member_rows(&current, writable.then_some(household.id))) }
            @if !past.is_empty() { h3 { "転出した世帯員(履歴)" } (member_rows(&past, None)) }
        }
        (cases)
        @if writable {
            section.card.noprint #add-member {
                h2 { "世帯員を追加する(他の世帯からの転入は、前の世帯の記録を終了して残します)" }
                (problems(errors))
                (search_form(&format!("/households/{}#add-member", household.id)))
                form method="post" action={ "/households/" (household.id) "/members" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    (picker(("追加する方", errors), PickField::PersonId, pick_q, candidates.as_ref(), &members, None, ctx.today))
                    label { " 続柄 "
                        select name="relationship" {
                            @for r in Relationship::ALL {
                                option value=(r.code()) selected[sent.is_some_and(|f| f.relationship == r.code())] { (r.label()) }
                            }
                        }
                    }
                    label.check { input type="checkbox" name="is_head" value="1" checked[sent.is_some_and(|f| f.is_head.is_some())]; "世帯主" }
                    label.check { input type="checkbox" name="is_carer" value="1" checked[sent.is_some_and(|f| f.is_carer.is_some())]; "家族の介護・世話をしている" }
                    label { " 転入日 "
                        input type="text" name="joined_on" placeholder="空欄は今日"
                            value=[sent.map(|f| &f.joined_on)] aria-invalid=[marked(errors, "転入日")];
                    }
                    button type="submit" { "追加" }
                }
            }
            (sections::household_forms(ctx, household.id))
        }
        section.card {
            h2 { "経過(世帯員の相談・つなぎ・支援経過)" }
            (timeline_table(&timeline))
        }
    };
    Ok(page(ctx, &household.label, "/consultation", body))
}
