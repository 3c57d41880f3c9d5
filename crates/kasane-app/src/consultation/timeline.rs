//! One timeline per person and per household: intakes, referrals and support log entries
//! merged, newest first, so nobody has to ask the person to tell their story twice.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::{Action, View};
use kasane_store::support_log::SupportLogEntry;

use crate::consultation::household::HouseholdView;
use crate::guard::{PersonAccess, person_access};
use crate::{App, AppError, AppResult, Caller};

#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// For ordering; a dated entry counts from midnight JST.
    pub at: DateTime<Utc>,
    /// A dated entry (a support log) has a day, not a time: shown as that day.
    pub day: Option<NaiveDate>,
    pub kind: &'static str,
    /// The record behind the item: `intake`, `referral` or `support_log`, and its id.
    pub source: &'static str,
    pub record_id: i64,
    pub agency: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline(pub Vec<TimelineItem>);

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

/// The timeline of person `id` (its canonical record's group), read through the guard.
pub async fn person_timeline(
    app: &App,
    caller: &Caller,
    id: i64,
) -> AppResult<(PersonAccess, Timeline)> {
    let access = person_access(app, caller, Action::Read, id).await?;
    let timeline = of_person(app, &access).await?;
    Ok((access, timeline))
}

/// The timeline of a person the caller was granted. Not part of the つなぐシート: the
/// `referral_sheet` view is answered as not found.
pub async fn of_person(app: &App, access: &PersonAccess) -> AppResult<Timeline> {
    if access.grant.view() == View::ReferralSheet {
        return Err(AppError::NotFound);
    }
    let mut items = person_items(app, access.person.id).await?;
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    Ok(Timeline(items))
}

/// The timeline of a household the caller reads: its current members' and its own entries.
pub async fn of_household(app: &App, view: &HouseholdView) -> AppResult<Timeline> {
    let mut items = Vec::new();
    for m in &view.current {
        items.extend(person_items(app, m.person_id).await?);
    }
    for e in app
        .store
        .support_logs_of_household(view.household.id)
        .await?
    {
        if e.person_id.is_none() {
            items.push(entry_item(&e));
        }
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    items.dedup_by(|a, b| (a.source, a.record_id) == (b.source, b.record_id));
    Ok(Timeline(items))
}

async fn person_items(app: &App, canonical_id: i64) -> AppResult<Vec<TimelineItem>> {
    let mut items = Vec::new();
    for i in app.store.intakes_of(canonical_id).await? {
        items.push(TimelineItem {
            at: i.received_at,
            day: None,
            kind: "相談受付",
            source: "intake",
            record_id: i.id,
            agency: i.receiving_agency_name.clone(),
            text: format!("{}/{}:{}", i.channel.label(), i.outcome.label(), i.summary),
        });
    }
    for r in app.store.referrals_of(canonical_id).await? {
        items.push(TimelineItem {
            at: r.sent_at,
            day: None,
            kind: "つなぎ",
            source: "referral",
            record_id: r.id,
            agency: format!("{} → {}", r.from_agency_name, r.to_agency_name),
            text: format!("【{}】{}", r.status.label(), r.reason),
        });
    }
    for e in app.store.support_logs_of_person(canonical_id).await? {
        items.push(entry_item(&e));
    }
    Ok(items)
}

fn entry_item(e: &SupportLogEntry) -> TimelineItem {
    TimelineItem {
        at: day_start(e.occurred_on),
        day: Some(e.occurred_on),
        kind: "支援経過",
        source: "support_log",
        record_id: e.id,
        agency: e.agency_name.clone(),
        text: format!(
            "{}:{}{}",
            e.kind.label(),
            e.body,
            if e.version > 1 { "(修正あり)" } else { "" }
        ),
    }
}
