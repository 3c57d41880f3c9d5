//! Consultation's section of the worklist: incoming つなぎ, overdue and declined ones
//! coming back, escalated intakes waiting for a case, and (for the coordinator) overdue
//! referrals across the municipality and 「複合課題の可能性」.

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::may_see_person_data;
use kasane_domain::early_warning::{Contact, ContactSource, Warning, assess, window_start};
use kasane_domain::identity::Role;
use kasane_domain::municipality::{Field, MunicipalityConfig};
use kasane_domain::referral::{ReferralStatus, SenderAttention, is_overdue, sender_attention};
use kasane_store::intake::EscalationWaiting;
use kasane_store::referral::Referral;

use crate::consultation::referral::ack_days;
use crate::guard::may_read;
use crate::{App, AppResult, Caller};

/// What of consultation needs the caller's attention now.
#[derive(Default)]
pub struct Section {
    /// Referrals to the caller's agency waiting for an answer, and whether overdue.
    pub incoming: Vec<(Referral, bool)>,
    pub to_complete: Vec<Referral>,
    pub returned: Vec<(Referral, SenderAttention)>,
    /// Coordinator only: overdue referrals anywhere in the municipality (no names).
    pub overdue_all: Vec<Referral>,
    /// Coordinator only: early warnings (canonical person id, the name only where the
    /// access rule allows, the warning).
    pub warnings: Vec<(i64, Option<String>, Warning)>,
    /// The coordinating agency's coordinators: escalated intakes without a case yet.
    pub escalations: Vec<EscalationWaiting>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.incoming.is_empty()
            && self.to_complete.is_empty()
            && self.returned.is_empty()
            && self.overdue_all.is_empty()
            && self.warnings.is_empty()
            && self.escalations.is_empty()
    }
}

/// The caller's consultation section (not audited: the worklist records its reading once).
pub async fn section(app: &App, caller: &Caller) -> AppResult<Section> {
    let mut w = Section::default();
    if !may_see_person_data(&caller.actor) {
        return Ok(w);
    }
    let now = app.now();
    let days = ack_days(caller);
    for r in app
        .store
        .referral_worklist(caller.municipality.id, caller.agency.id)
        .await?
    {
        let status = r.status;
        if r.to_agency_id == caller.agency.id {
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
    if caller.coordinates() {
        w.escalations = app
            .store
            .escalations_waiting(caller.municipality.id)
            .await?;
    }
    if caller.actor.has(Role::Coordinator) {
        w.overdue_all = app
            .store
            .waiting_referrals(caller.municipality.id)
            .await?
            .into_iter()
            .filter(|r| is_overdue(ReferralStatus::Sent, r.sent_at, now, days))
            .collect();
        w.warnings = early_warnings(app, caller).await?;
    }
    Ok(w)
}

/// 「複合課題の可能性」 across the municipality: every person with contacts in the window
/// the domain assesses as a warning; the name only where the caller may read the person.
async fn early_warnings(
    app: &App,
    caller: &Caller,
) -> AppResult<Vec<(i64, Option<String>, Warning)>> {
    let cfg = app.config(&caller.municipality)?;
    let since = window_since(app);
    let mut out = Vec::new();
    for root in app
        .store
        .early_warning_candidates(caller.municipality.id, since)
        .await?
    {
        if let Some(warning) = early_warning(app, &cfg, root, since).await? {
            let facts = app.store.person_facts(caller.municipality.id, root).await?;
            let name = if may_read(app, caller, &facts) {
                app.store.person_any(root).await?.map(|p| p.name)
            } else {
                None
            };
            out.push((root, name, warning));
        }
    }
    Ok(out)
}

/// The start of the early-warning window (12 months back from today), midnight JST.
fn window_since(app: &App) -> DateTime<Utc> {
    window_start(app.today()).and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

/// A person's early warning, if any: their contacts since `since`, assessed by the domain.
async fn early_warning(
    app: &App,
    cfg: &MunicipalityConfig,
    canonical_id: i64,
    since: DateTime<Utc>,
) -> AppResult<Option<Warning>> {
    let contacts: Vec<Contact> = app
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
    Ok(assess(&contacts, app.today()))
}
