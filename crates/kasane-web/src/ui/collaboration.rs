//! 多機関協働's labels, shared by the pages and the JSON API (which answers a code with its
//! Japanese label): case status, kind, closure reason and history event, a consent's state,
//! and the municipality's own names of the two meetings.

use chrono::NaiveDate;
use kasane_domain::case::{CaseKind, CaseStatus, ClosureReason};
use kasane_domain::meeting::MeetingKind;
use kasane_store::consent::Consent;

use crate::http::auth::Ctx;
use crate::ui::fmt::jst;

/// The label of a code, or the code itself when it is not one `T` knows.
pub fn label_of<T: std::str::FromStr>(code: &str, f: impl Fn(T) -> &'static str) -> String {
    code.parse::<T>()
        .map(f)
        .map_or_else(|_| code.to_string(), str::to_string)
}

pub fn status_label(code: &str) -> String {
    label_of::<CaseStatus>(code, CaseStatus::label)
}

pub fn kind_label(code: &str) -> String {
    label_of::<CaseKind>(code, CaseKind::label)
}

pub fn closure_label(code: &str) -> String {
    label_of::<ClosureReason>(code, ClosureReason::label)
}

/// A history row's event, in Japanese.
pub fn event_label(code: &str) -> &'static str {
    match code {
        "open" => "ケース開始",
        "advance" => "状態の変更",
        "suspend" => "中断",
        "resume" => "再開",
        "close" => "終結",
        "reopen" => "再開(終結の取消し)",
        "agency_added" => "関与機関の追加",
        "agency_left" => "関与機関の関与終了",
        "lead_changed" => "主担当機関の変更",
        "handover" => "主担当機関へ引継ぎ(多機関協働の関与終了)",
        _ => "記録",
    }
}

/// A consent's state on `today`: (code, label).
pub fn consent_state(c: &Consent, today: NaiveDate) -> (&'static str, String) {
    match c.withdrawn_at {
        Some(at) => ("withdrawn", format!("撤回済み({})", jst(at))),
        None if c.in_force(today) => ("in_force", "有効".to_string()),
        None => ("expired", "期限切れ".to_string()),
    }
}

/// The municipality's own name for a meeting kind (the UI shows local names).
pub fn kind_name(ctx: &Ctx, kind: MeetingKind) -> &str {
    let local = match kind {
        MeetingKind::Support => ctx.municipality.support_meeting_name.as_str(),
        MeetingKind::Multilayer => ctx.municipality.multilayer_meeting_name.as_str(),
    };
    if local.trim().is_empty() {
        kind.label()
    } else {
        local
    }
}
