//! The timeline as a table: one per person and per household (`kasane_app`'s
//! `consultation::timeline`), newest first.

use kasane_app::timeline::{Timeline, TimelineItem};
use kasane_domain::wareki::format_wareki;
use maud::{Markup, html};

use crate::ui::fmt::jst;
use crate::ui::layout::empty;

/// Where the item's record is shown.
fn href(i: &TimelineItem) -> String {
    let page = match i.source {
        "intake" => "intakes",
        "referral" => "referrals",
        _ => "support-logs",
    };
    format!("/{page}/{}", i.record_id)
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
                        td { (i.day.map_or_else(|| jst(i.at), format_wareki)) }
                        td { a href=(href(i)) { (i.kind) } }
                        td { (i.agency) }
                        td.pre { (i.text) }
                    }
                }
            }
        }
    }
}
