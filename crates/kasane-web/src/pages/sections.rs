//! What the consultation pages show of other areas: one function per section of the
//! person page, the household page and the intake page. The composition point — a page
//! module calls these instead of importing another area's page, so a later capability adds
//! its section here.

use kasane_app::consultation::intake::IntakeRead;
use kasane_app::consultation::intake_consent::latest_intake_consent;
use kasane_app::guard::{Grant, PersonAccess};
use kasane_store::intake::Intake;
use kasane_store::municipality::Agency;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::Ctx;
use crate::http::error::AppError;
use crate::pages::{
    cases, corrections, escalation, match_reviews, outreach, referrals, support_logs,
};
use crate::ui::fmt::jst;

/// The person page's sections after the timeline: the 名寄せ確認依頼 the caller's agency
/// sent, 多機関協働's cases of the person (and their formal 本人同意), its アウトリーチ, the
/// consent to share
/// asked at the latest intake — apart, since it is not a 本人同意 — and the record's 修正履歴.
pub async fn person(
    state: &AppState,
    ctx: &Ctx,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    let (person, grant) = (&access.person, access.grant);
    let cases = cases::person_section(state, ctx, person, grant).await?;
    let consent = latest_intake_consent(state, &grant, person.id).await?;
    let corrections = corrections::person_section(state, ctx, access).await?;
    let escalation = escalation::person_section(state, ctx, access).await?;
    let match_reviews = match_reviews::person_section(state, ctx, access).await?;
    let outreach = outreach::person_section(state, ctx, access).await?;
    Ok(html! {
        (escalation)
        (match_reviews)
        (cases)
        (outreach)
        @if let Some(c) = consent {
            section.card #intake-consent {
                h2 { "相談受付時の情報共有への同意" }
                p {
                    strong { @if c.consent_to_share { "同意あり" } @else { "同意なし" } }
                    "(" (jst(c.received_at)) " " (c.agency_name) "の相談受付 "
                    a href={ "/intakes/" (c.intake_id) } { "受付 #" (c.intake_id) } ")"
                }
                p.muted { "相談受付の際に確認したものです。共有する機関・範囲・期限を定めた正式な本人同意(上の「本人同意」)とは別の記録です。" }
            }
        }
        (corrections)
    })
}

/// The person page's forms (full view only): つなぐ to `targets`, and 支援経過を記録.
pub fn person_forms(ctx: &Ctx, person_id: i64, targets: &[Agency]) -> Markup {
    html! {
        (referrals::refer_form(ctx, person_id, targets))
        (support_logs::entry_form(ctx, Some(person_id), None))
    }
}

/// The household page's sections after its members: 多機関協働's cases of the household and
/// its アウトリーチ.
pub async fn household(
    state: &AppState,
    ctx: &Ctx,
    household_id: i64,
    grant: Grant,
) -> Result<Markup, AppError> {
    let cases = cases::household_section(state, ctx, household_id, grant).await?;
    let outreach = outreach::household_section(state, ctx, household_id, grant).await?;
    Ok(html! { (cases) (outreach) })
}

/// The household page's forms (full view only): 支援経過を記録.
pub fn household_forms(ctx: &Ctx, household_id: i64) -> Markup {
    support_logs::entry_form(ctx, None, Some(household_id))
}

/// The intake page's sections after the record: its later escalation (or the way to
/// escalate it), the way to begin アウトリーチ from it, its 修正履歴 and the way to correct
/// it.
pub async fn intake(state: &AppState, ctx: &Ctx, read: &IntakeRead) -> Result<Markup, AppError> {
    let escalation = escalation::intake_section(state, ctx, read).await?;
    let outreach = outreach::intake_section(state, ctx, read).await?;
    let corrections = corrections::intake_section(state, ctx, read).await?;
    Ok(html! { (escalation) (outreach) (corrections) })
}

/// Beside an escalated intake's outcome: the case opened from it, or the way to open one.
pub async fn intake_outcome(
    state: &AppState,
    ctx: &Ctx,
    intake: &Intake,
    access: &PersonAccess,
) -> Result<Markup, AppError> {
    cases::intake_case_link(state, ctx, intake, access).await
}
