//! One timeline per person and per household: intakes, referrals and support log entries
//! merged, newest first, so nobody has to ask the person to tell their story twice.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::intake::{Channel, Outcome};
use kasane_domain::referral::ReferralStatus;
use kasane_domain::support_log::EntryKind;
use kasane_domain::wareki::format_wareki;
use maud::{Markup, html};

use crate::AppState;
use crate::http::error::AppError;
use crate::ui::fmt::jst;
use crate::ui::layout::empty;

#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// For ordering; a dated entry counts from midnight JST.
    pub at: DateTime<Utc>,
    /// Shown: 和暦 with time when known.
    pub when: String,
    pub kind: &'static str,
    /// The record behind the item: `intake`, `referral` or `support_log`, and its id.
    pub source: &'static str,
    pub record_id: i64,
    pub agency: String,
    pub text: String,
    pub href: String,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline(pub Vec<TimelineItem>);

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

fn label<T: std::str::FromStr>(code: &str, f: impl Fn(T) -> &'static str) -> String {
    code.parse::<T>()
        .map(f)
        .map_or_else(|_| code.to_string(), str::to_string)
}

impl Timeline {
    pub async fn of_person(state: &AppState, canonical_id: i64) -> Result<Timeline, AppError> {
        let mut items = Vec::new();
        for i in state.store.intakes_of(canonical_id).await? {
            items.push(TimelineItem {
                at: i.received_at,
                when: jst(i.received_at),
                kind: "相談受付",
                source: "intake",
                record_id: i.id,
                agency: i.receiving_agency_name.clone(),
                text: format!(
                    "{}/{}:{}",
                    label::<Channel>(&i.channel, Channel::label),
                    label::<Outcome>(&i.outcome, Outcome::label),
                    i.summary
                ),
                href: format!("/intakes/{}", i.id),
            });
        }
        for r in state.store.referrals_of(canonical_id).await? {
            items.push(TimelineItem {
                at: r.sent_at,
                when: jst(r.sent_at),
                kind: "つなぎ",
                source: "referral",
                record_id: r.id,
                agency: format!("{} → {}", r.from_agency_name, r.to_agency_name),
                text: format!(
                    "【{}】{}",
                    label::<ReferralStatus>(&r.status, ReferralStatus::label),
                    r.reason
                ),
                href: format!("/referrals/{}", r.id),
            });
        }
        for e in state.store.support_logs_of_person(canonical_id).await? {
            items.push(entry_item(&e));
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.at));
        Ok(Timeline(items))
    }

    pub async fn of_household(
        state: &AppState,
        household_id: i64,
        member_roots: &[i64],
    ) -> Result<Timeline, AppError> {
        let mut items = Vec::new();
        for root in member_roots {
            items.extend(Timeline::of_person(state, *root).await?.0);
        }
        for e in state.store.support_logs_of_household(household_id).await? {
            if e.person_id.is_none() {
                items.push(entry_item(&e));
            }
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.at));
        items.dedup_by(|a, b| a.href == b.href);
        Ok(Timeline(items))
    }
}

fn entry_item(e: &kasane_store::support_log::SupportLogEntry) -> TimelineItem {
    TimelineItem {
        at: day_start(e.occurred_on),
        when: format_wareki(e.occurred_on),
        kind: "支援経過",
        source: "support_log",
        record_id: e.id,
        agency: e.agency_name.clone(),
        text: format!(
            "{}:{}{}",
            label::<EntryKind>(&e.kind, EntryKind::label),
            e.body,
            if e.version > 1 { "(修正あり)" } else { "" }
        ),
        href: format!("/support-logs/{}", e.id),
    }
}

pub fn timeline_table(t: &Timeline) -> Markup {
    if t.0.is_empty() {
        return empty("まだ記録はありません。");
    }
    html! {
        table.timeline {
            thead { tr { th { "日時" } th { "種別" } th { "機関" } th { "内容" } } }
            tbody {
                @for i in &t.0 {
                    tr {
                        td { (i.when) }
                        td { a href=(i.href) { (i.kind) } }
                        td { (i.agency) }
                        td.pre { (i.text) }
                    }
                }
            }
        }
    }
}
