//! The landing page after login: who and where the user is, and their worklist — incoming
//! つなぎ, overdue and declined ones coming back, and (for the coordinator) overdue
//! referrals across the municipality and 「複合課題の可能性」.

use chrono::{TimeDelta, Utc};
use kasane_domain::early_warning::{Contact, ContactSource, Warning, assess, window_start};
use kasane_domain::identity::Role;
use kasane_domain::municipality::{Field, MunicipalityConfig};
use kasane_domain::referral::{ReferralStatus, SenderAttention, is_overdue, sender_attention};
use kasane_store::referral::Referral;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::ui::fmt::jst;
use crate::ui::layout::{empty, page};
use kasane_app::guard::{may_read, record_list};

/// What needs the user's attention now.
pub struct Worklist {
    pub incoming: Vec<(Referral, bool)>,
    pub to_complete: Vec<Referral>,
    pub returned: Vec<(Referral, SenderAttention)>,
    /// Coordinator only: overdue referrals anywhere in the municipality (no names).
    pub overdue_all: Vec<Referral>,
    /// Coordinator only: early warnings; the name only where the access rule allows.
    pub warnings: Vec<(i64, Option<String>, Warning)>,
    /// Monitoring due or overdue (step 3): see `support_plan::monitoring_worklist`.
    pub monitoring: Vec<kasane_app::collaboration::support_plan::DueLine>,
    /// The coordinating agency's coordinators: escalated intakes without a case yet.
    pub escalations: Vec<kasane_store::intake::EscalationWaiting>,
}

fn ack_days(ctx: &Ctx) -> u32 {
    u32::try_from(ctx.municipality.referral_ack_days)
        .unwrap_or(kasane_domain::referral::DEFAULT_ACK_DAYS)
}

/// A person's early warning, if any: contacts of the last 12 months, assessed by the domain.
pub async fn early_warning(
    state: &AppState,
    cfg: &MunicipalityConfig,
    canonical_id: i64,
) -> Result<Option<Warning>, AppError> {
    let today = state.today();
    let since = window_start(today)
        .and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |d| d.and_utc())
        - TimeDelta::hours(9);
    let contacts: Vec<Contact> = state
        .store
        .contacts_of(canonical_id, since)
        .await?
        .into_iter()
        .map(|r| Contact {
            agency_id: r.agency_id,
            agency_name: r.agency_name,
            on: (r.occurred_at + TimeDelta::hours(9)).date_naive(),
            fields: r
                .issues
                .split(',')
                .filter_map(|code| cfg.issue_category(code).map(|c| c.field))
                .collect::<Vec<Field>>(),
            source: match r.source.as_str() {
                "intake" => ContactSource::Intake,
                "referral" => ContactSource::Referral,
                _ => ContactSource::SupportLog,
            },
            record_id: r.record_id,
        })
        .collect();
    Ok(assess(&contacts, today))
}

pub async fn worklist(state: &AppState, ctx: &Ctx) -> Result<Worklist, AppError> {
    let now = state.now();
    let days = ack_days(ctx);
    let mut w = Worklist {
        incoming: Vec::new(),
        to_complete: Vec::new(),
        returned: Vec::new(),
        overdue_all: Vec::new(),
        warnings: Vec::new(),
        monitoring: Vec::new(),
        escalations: Vec::new(),
    };
    if !kasane_domain::access::may_see_person_data(&ctx.actor) {
        return Ok(w);
    }
    // Read once: the monitoring worklist's scope and the escalation queue both turn on it.
    let coordinator = ctx.coordinates();
    w.monitoring =
        kasane_app::collaboration::support_plan::monitoring_worklist(state, ctx, coordinator)
            .await?;
    for r in state
        .store
        .referral_worklist(ctx.municipality.id, ctx.agency.id)
        .await?
    {
        let status: ReferralStatus = match r.status.parse() {
            Ok(s) => s,
            Err(_) => continue,
        };
        if r.to_agency_id == ctx.agency.id {
            match status {
                ReferralStatus::Sent => {
                    let overdue = is_overdue(status, r.sent_at, now, days);
                    w.incoming.push((r, overdue));
                }
                ReferralStatus::Accepted => w.to_complete.push(r),
                _ => {}
            }
        } else if let Some(reason) =
            sender_attention(status, r.sent_at, now, days, r.sender_acknowledged)
        {
            w.returned.push((r, reason));
        }
    }
    // The coordinating agency's queue: its coordinators hold the coordination basis for
    // every person escalated to it, so the names may show.
    if coordinator {
        w.escalations = state.store.escalations_waiting(ctx.municipality.id).await?;
    }
    if ctx.actor.has(Role::Coordinator) {
        w.overdue_all = state
            .store
            .waiting_referrals(ctx.municipality.id)
            .await?
            .into_iter()
            .filter(|r| is_overdue(ReferralStatus::Sent, r.sent_at, now, days))
            .collect();
        let cfg = state.config(&ctx.municipality)?;
        let today = ctx.today;
        let since = (window_start(today)
            .and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |d| d.and_utc()))
            - TimeDelta::hours(9);
        for root in state
            .store
            .early_warning_candidates(ctx.municipality.id, since)
            .await?
        {
            if let Some(warning) = early_warning(state, &cfg, root).await? {
                let facts = state.store.person_facts(ctx.municipality.id, root).await?;
                let visible = may_read(state, ctx, &facts);
                let name = if visible {
                    state.store.person_any(root).await?.map(|p| p.name)
                } else {
                    None
                };
                w.warnings.push((root, name, warning));
            }
        }
    }
    Ok(w)
}

/// The caller's worklist, its reading audited when it shows anything (it names persons).
pub async fn read_worklist(state: &AppState, ctx: &Ctx) -> Result<Worklist, AppError> {
    let w = worklist(state, ctx).await?;
    if !w.is_empty() {
        record_list(state, ctx, "worklist").await?;
    }
    Ok(w)
}

impl Worklist {
    pub fn is_empty(&self) -> bool {
        self.incoming.is_empty()
            && self.to_complete.is_empty()
            && self.returned.is_empty()
            && self.overdue_all.is_empty()
            && self.warnings.is_empty()
            && self.monitoring.is_empty()
            && self.escalations.is_empty()
    }
}

fn worklist_markup(w: &Worklist) -> Markup {
    if w.is_empty() {
        return empty(
            "現在、対応が必要な項目はありません。つなぎの受信・期限切れ・モニタリング予定などがここに表示されます。",
        );
    }
    html! {
        (crate::pages::support_plans::worklist_markup(&w.monitoring))
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
