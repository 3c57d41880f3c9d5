//! 相談支援's items on the timeline: intakes, referrals and support log entries.

use kasane_store::support_log::SupportLogEntry;

use crate::timeline::TimelineItem;
use crate::{App, AppResult};

/// Intakes, referrals and support log entries about one person (their canonical record).
pub async fn person_items(app: &App, canonical_id: i64) -> AppResult<Vec<TimelineItem>> {
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
        at: TimelineItem::on_day(e.occurred_on),
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

/// Support log entries on the household itself (not on one of its members).
pub async fn household_items(app: &App, household_id: i64) -> AppResult<Vec<TimelineItem>> {
    Ok(app
        .store
        .support_logs_of_household(household_id)
        .await?
        .iter()
        .filter(|e| e.person_id.is_none())
        .map(entry_item)
        .collect())
}
