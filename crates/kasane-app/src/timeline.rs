//! One timeline per person and per household, newest first, so nobody has to ask the
//! person to tell their story twice: the composition point — each capability contributes
//! its items with one line here (相談支援: intakes, referrals, support log entries;
//! アウトリーチ: 伴走支援).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::Action;

use crate::consultation::household::HouseholdView;
use crate::guard::within_sheet;
use crate::guard::{PersonAccess, person_access};
use crate::{App, AppResult, Caller};
use crate::{consultation, outreach};

#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// For ordering; a dated entry counts from midnight JST.
    pub at: DateTime<Utc>,
    /// A dated entry (a support log) has a day, not a time: shown as that day.
    pub day: Option<NaiveDate>,
    pub kind: &'static str,
    /// The record behind the item (`intake`, `referral`, `support_log`…) and its id.
    pub source: &'static str,
    pub record_id: i64,
    pub agency: String,
    pub text: String,
}

impl TimelineItem {
    /// An item dated by a day rather than an instant: it counts from midnight JST.
    pub fn on_day(day: NaiveDate) -> DateTime<Utc> {
        day.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Timeline(pub Vec<TimelineItem>);

/// The timeline of person `id` (its canonical record's group), read through the guard.
pub async fn person_timeline(
    app: &App,
    caller: &Caller,
    id: i64,
) -> AppResult<(PersonAccess, Timeline)> {
    let access = person_access(app, caller, Action::Read, id).await?;
    within_sheet(
        app,
        caller,
        &access.grant,
        "person_timeline",
        access.person.id,
    )
    .await?;
    let timeline = of_person(app, &access).await?;
    Ok((access, timeline))
}

/// The timeline of a person the caller was granted beyond the つなぐシート (see
/// [`person_timeline`]).
pub async fn of_person(app: &App, access: &PersonAccess) -> AppResult<Timeline> {
    let mut items = person_items(app, access.person.id).await?;
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    Ok(Timeline(items))
}

/// The timeline of a household the caller reads: its own entries, and those of its current
/// members the caller may read in full (the others are shown only in outline).
pub async fn of_household(app: &App, view: &HouseholdView) -> AppResult<Timeline> {
    let mut items = Vec::new();
    for m in view.current.iter().filter(|m| m.in_full) {
        items.extend(person_items(app, m.member.person_id).await?);
    }
    items.extend(consultation::timeline::household_items(app, view.household.id).await?);
    items.extend(outreach::timeline::household_items(app, view.household.id).await?);
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    items.dedup_by(|a, b| (a.source, a.record_id) == (b.source, b.record_id));
    Ok(Timeline(items))
}

/// Every capability's items about one person (their canonical record).
async fn person_items(app: &App, canonical_id: i64) -> AppResult<Vec<TimelineItem>> {
    let mut items = Vec::new();
    items.extend(consultation::timeline::person_items(app, canonical_id).await?);
    items.extend(outreach::timeline::person_items(app, canonical_id).await?);
    Ok(items)
}
