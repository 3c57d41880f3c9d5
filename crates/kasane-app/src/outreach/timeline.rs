//! アウトリーチ's items on the timeline: the 伴走支援 entries of the outreach cases on the
//! person (or the household).

use kasane_store::outreach::Accompaniment;

use crate::timeline::TimelineItem;
use crate::{App, AppResult};

fn item(e: &Accompaniment) -> TimelineItem {
    TimelineItem {
        at: TimelineItem::on_day(e.occurred_on),
        day: Some(e.occurred_on),
        kind: "伴走支援",
        source: "accompaniment",
        record_id: e.id,
        agency: e.agency_name.clone(),
        text: format!("{}:{}", e.kind.label(), e.body),
    }
}

/// The 伴走支援 entries of the outreach cases on one person (their canonical record).
pub async fn person_items(app: &App, canonical_id: i64) -> AppResult<Vec<TimelineItem>> {
    Ok(app
        .store
        .accompaniments_of_person(canonical_id)
        .await?
        .iter()
        .map(item)
        .collect())
}

/// The 伴走支援 entries of the outreach cases on the household itself.
pub async fn household_items(app: &App, household_id: i64) -> AppResult<Vec<TimelineItem>> {
    Ok(app
        .store
        .accompaniments_of_household(household_id)
        .await?
        .iter()
        .map(item)
        .collect())
}
