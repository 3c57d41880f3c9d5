//! Pages: households (世帯) — members with 続柄 and history, the derived signals (8050,
//! ヤングケアラー, 高齢独居/高齢夫婦のみ: computed, never typed), and one timeline.

use axum::Router;
use axum::extract::{Form, Path};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kasane_app::guard::Grant;
use kasane_domain::access::{Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::household::{MemberFacts, Relationship, SignalEvidence, signals};
use kasane_domain::person::BirthDate;
use kasane_domain::wareki::{format_wareki, parse_date};
use kasane_store::household::{Household, Member, NewMember};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::timeline::{Timeline, timeline_table};
use crate::ui::fmt::age_label;
use crate::ui::layout::{empty, page};
use kasane_app::guard::{Object, household_access, person_access, record};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", post(create))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/members", post(add_member))
}

/// The derived signals of a household's current members.
pub async fn household_signals(
    state: &AppState,
    members: &[Member],
) -> Result<Vec<SignalEvidence>, AppError> {
    let today = state.today();
    let mut facts = Vec::with_capacity(members.len());
    for m in members.iter().filter(|m| m.left_on.is_none()) {
        facts.push(MemberFacts {
            person_id: m.person_id,
            age: m
                .birth_date
                .and_then(|b| BirthDate::new(b, today).ok())
                .map(|b| b.age_on(today)),
            relationship: m.relationship.parse().unwrap_or(Relationship::Other),
            issues: state.store.issue_codes_of(m.person_id).await?,
            is_carer: m.is_carer,
        });
    }
    Ok(signals(&facts))
}

#[derive(Deserialize)]
struct CreateForm {
    csrf: String,
    /// The person who starts the household, as its head.
    person_id: i64,
    #[serde(default)]
    label: String,
}

pub async fn create_household(
    state: &AppState,
    ctx: &Ctx,
    person_id: i64,
    label: &str,
) -> Result<i64, AppError> {
    let access = person_access(state, ctx, Action::Update, person_id).await?;
    let p = &access.person;
    start_household(
        state,
        ctx,
        NewHead {
            person_id: p.id,
            name: &p.name,
            address: &p.address,
            district_code: p.district_code.as_deref(),
        },
        label,
        &access.grant,
    )
    .await
}

/// The person who starts a household, as its head.
pub struct NewHead<'a> {
    pub person_id: i64,
    pub name: &'a str,
    pub address: &'a str,
    pub district_code: Option<&'a str>,
}

/// Creates a household at the head's address (labelled 「〇〇さんの世帯」 unless `label`
/// says otherwise) with them as its head from today, audited with the head's `grant`.
pub async fn start_household(
    state: &AppState,
    ctx: &Ctx,
    head: NewHead<'_>,
    label: &str,
    grant: &Grant,
) -> Result<i64, AppError> {
    let label = match label.trim() {
        "" => format!(
            "{}さんの世帯",
            head.name.split(' ').next().unwrap_or(head.name)
        ),
        l => l.to_string(),
    };
    let id = state
        .store
        .create_household(
            ctx.municipality.id,
            ctx.agency.id,
            &label,
            head.address,
            head.district_code,
        )
        .await?;
    state
        .store
        .add_member(
            ctx.municipality.id,
            ctx.user.id,
            &NewMember {
                household_id: id,
                person_id: head.person_id,
                relationship: Relationship::Head.code(),
                is_head: true,
                is_carer: false,
                joined_on: ctx.today,
            },
        )
        .await?;
    let oid = id.to_string();
    record(
        state,
        ctx,
        grant,
        AuditAction::Create,
        Object {
            kind: "household",
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
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let id = create_household(&state, &ctx, form.person_id, &form.label).await?;
    Ok(Redirect::to(&format!("/households/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub csrf: String,
    pub person_id: i64,
    pub relationship: String,
    #[serde(default)]
    pub is_head: Option<String>,
    #[serde(default)]
    pub is_carer: Option<String>,
    #[serde(default)]
    pub joined_on: String,
}

/// A member to add, as the page form or the API sends it.
#[derive(Debug, Clone, Copy)]
pub struct MemberInput<'a> {
    pub person_id: i64,
    /// 続柄: code or label.
    pub relationship: &'a str,
    pub is_head: bool,
    pub is_carer: bool,
    /// ISO or 和暦; empty means today.
    pub joined_on: &'a str,
}

impl MemberForm {
    pub fn input(&self) -> MemberInput<'_> {
        MemberInput {
            person_id: self.person_id,
            relationship: &self.relationship,
            is_head: self.is_head.is_some(),
            is_carer: self.is_carer.is_some(),
            joined_on: &self.joined_on,
        }
    }
}

/// Adds (or moves) a person into a household; the old membership is ended, not erased.
pub async fn add_member_to(
    state: &AppState,
    ctx: &Ctx,
    household_id: i64,
    m: MemberInput<'_>,
) -> Result<(), AppError> {
    let (_, grant) = household_access(state, ctx, Action::Update, household_id).await?;
    // The member must be someone this agency may write about too.
    let person = person_access(state, ctx, Action::Update, m.person_id)
        .await?
        .person;
    let relationship: Relationship =
        m.relationship
            .parse()
            .map_err(|e: kasane_domain::household::UnknownRelationship| {
                AppError::BadRequest(e.to_string())
            })?;
    let joined_on = match m.joined_on.trim() {
        "" => ctx.today,
        s => parse_date(s).map_err(|e| AppError::Validation(vec![format!("転入日: {e}")]))?,
    };
    state
        .store
        .add_member(
            ctx.municipality.id,
            ctx.user.id,
            &NewMember {
                household_id,
                person_id: person.id,
                relationship: relationship.code(),
                is_head: m.is_head,
                is_carer: m.is_carer,
                joined_on,
            },
        )
        .await?;
    let oid = household_id.to_string();
    record(
        state,
        ctx,
        &grant,
        AuditAction::Update,
        Object {
            kind: "household",
            id: &oid,
        },
        "member",
    )
    .await?;
    Ok(())
}

async fn add_member(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    add_member_to(&state, &ctx, id, form.input()).await?;
    Ok(Redirect::to(&format!("/households/{id}")).into_response())
}

fn member_rows(members: &[Member], today: NaiveDate) -> Markup {
    html! {
        table {
            thead { tr { th { "氏名" } th { "続柄" } th { "年齢" } th { "介護・世話" } th { "期間" } } }
            tbody {
                @for m in members {
                    tr {
                        td { a href={ "/persons/" (m.person_id) } { (m.name) } @if m.is_head { " (世帯主)" } }
                        td { (m.relationship.parse::<Relationship>().map_or(m.relationship.as_str(), |r| r.label())) }
                        td { (m.birth_date.map(|b| age_label(b, today)).unwrap_or_default()) }
                        td { @if m.is_carer { "している" } }
                        td { (format_wareki(m.joined_on)) "〜" @if let Some(l) = m.left_on { (format_wareki(l)) } }
                    }
                }
            }
        }
    }
}

/// A household as the caller may see it: its members now and before, and the signals.
pub struct HouseholdView {
    pub household: Household,
    pub grant: Grant,
    pub current: Vec<Member>,
    pub past: Vec<Member>,
    pub signals: Vec<SignalEvidence>,
}

/// Loads a household the caller may read in full (a つなぐシート view shows only the
/// outline on the sheet, not the household record).
pub async fn load_household(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<HouseholdView, AppError> {
    let (household, grant) = household_access(state, ctx, Action::Read, id).await?;
    if grant.view() == View::ReferralSheet {
        return Err(AppError::NotFound);
    }
    let (past, current): (Vec<Member>, Vec<Member>) = state
        .store
        .household_members(id, false)
        .await?
        .into_iter()
        .partition(|m| m.left_on.is_some());
    let signals = household_signals(state, &current).await?;
    Ok(HouseholdView {
        household,
        grant,
        current,
        past,
        signals,
    })
}

async fn household_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let HouseholdView {
        household,
        grant,
        current,
        past,
        signals: found,
    } = load_household(&state, &ctx, id).await?;
    let roots: Vec<i64> = current.iter().map(|m| m.person_id).collect();
    let timeline = Timeline::of_household(&state, id, &roots).await?;
    let writable = grant.view() == View::Full;
    let cases = crate::pages::cases::household_section(&state, &ctx, household.id, grant).await?;
    let body = html! {
        p.muted { "閲覧の根拠: " (grant.basis().label()) "(" (grant.view().label()) ")" }
        section.card {
            h2 { "世帯の状況(記録から自動判定)" }
            @if found.is_empty() { (empty("該当するものはありません。")) }
            ul.signals { @for s in &found { li { span.badge.warn { (s.signal.label()) } " " (s.explanation) } } }
        }
        section.card {
            h2 { "世帯員" }
            dl.facts { dt { "住所" } dd { (household.address) } }
            @if current.is_empty() { (empty("現在の世帯員はいません。")) } @else { (member_rows(&current, ctx.today)) }
            @if !past.is_empty() { h3 { "転出した世帯員(履歴)" } (member_rows(&past, ctx.today)) }
        }
        (cases)
        @if writable {
            section.card.noprint {
                h2 { "世帯員を追加する(他の世帯からの転入は、前の世帯の記録を終了して残します)" }
                form method="post" action={ "/households/" (household.id) "/members" } {
                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                    label { "本人の記録番号 " input type="number" name="person_id" required; }
                    label { " 続柄 "
                        select name="relationship" { @for r in Relationship::ALL { option value=(r.code()) { (r.label()) } } }
                    }
                    label.check { input type="checkbox" name="is_head" value="1"; "世帯主" }
                    label.check { input type="checkbox" name="is_carer" value="1"; "家族の介護・世話をしている" }
                    label { " 転入日 " input type="text" name="joined_on" placeholder="空欄は今日"; }
                    button type="submit" { "追加" }
                }
            }
            (crate::pages::support_logs::entry_form(&ctx, None, Some(household.id)))
        }
        section.card {
            h2 { "経過(世帯員の相談・つなぎ・支援経過)" }
            (timeline_table(&timeline))
        }
    };
    Ok(page(&ctx, &household.label, "/consultation", body))
}
