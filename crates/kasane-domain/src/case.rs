//! ケース (`case`): the unit of ongoing multi-agency support for a person or a household.
//!
//! A case moves only along `intake → assessment → planning → active → monitoring`, may be
//! suspended from any open status and resumed to the status it left, is closed (終結) with
//! a reason code from any open status, and a closed case is reopened — with a reason — to
//! `assessment`. `monitoring → planning` is the revision of a plan; `monitoring → active`
//! continues the current plan. Every move is recorded by the store with who, when and why.
//!
//! The end of 多機関協働's own involvement (hand-over to the lead agency, 主担当) is not a
//! status: the case continues; see [`check_handover`].

use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, max_chars};

coded_enum! {
    /// ケースの状態.
    pub enum CaseStatus("ケースの状態") {
        Intake => ("intake", "受付"),
        Assessment => ("assessment", "アセスメント"),
        Planning => ("planning", "プラン作成"),
        Active => ("active", "支援中"),
        Monitoring => ("monitoring", "モニタリング"),
        Closed => ("closed", "終結"),
        Suspended => ("suspended", "中断"),
    }
}

impl CaseStatus {
    /// Neither closed nor suspended: work goes on.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Suspended)
    }

    /// The next status on the main path, if any.
    pub fn next(self) -> Option<CaseStatus> {
        use CaseStatus as S;
        match self {
            S::Intake => Some(S::Assessment),
            S::Assessment => Some(S::Planning),
            S::Planning => Some(S::Active),
            S::Active => Some(S::Monitoring),
            S::Monitoring | S::Closed | S::Suspended => None,
        }
    }
}

coded_enum! {
    /// 支援の種類 — one case can carry several.
    pub enum CaseKind("支援の種類") {
        Collaboration => ("collaboration", "多機関協働"),
        Outreach => ("outreach", "アウトリーチ"),
        Participation => ("participation", "参加支援"),
    }
}

coded_enum! {
    /// 終結の理由.
    pub enum ClosureReason("終結の理由") {
        GoalAchieved => ("goal_achieved", "目標達成"),
        Transferred => ("transferred", "他機関へ移行"),
        MovedOut => ("moved_out", "転出"),
        Deceased => ("deceased", "死亡"),
        Refused => ("refused", "本人の拒否"),
        NoContact => ("no_contact", "連絡不通"),
        Other => ("other", "その他"),
    }
}

/// What a worker asks of a case's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CaseEvent {
    /// The next step on the main path, or `monitoring → planning | active`.
    Advance {
        to: CaseStatus,
    },
    Suspend,
    /// Back to the status the case was suspended from.
    Resume,
    Close {
        reason: ClosureReason,
    },
    Reopen,
}

impl CaseEvent {
    /// The code stored in the case history.
    pub fn code(&self) -> &'static str {
        match self {
            CaseEvent::Advance { .. } => "advance",
            CaseEvent::Suspend => "suspend",
            CaseEvent::Resume => "resume",
            CaseEvent::Close { .. } => "close",
            CaseEvent::Reopen => "reopen",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            CaseEvent::Advance { .. } => "状態の変更",
            CaseEvent::Suspend => "中断",
            CaseEvent::Resume => "再開",
            CaseEvent::Close { .. } => "終結",
            CaseEvent::Reopen => "再開(終結の取消し)",
        }
    }

    /// Whether the move must say why (中断・終結・再開 are decisions others will ask about).
    pub fn needs_reason(&self) -> bool {
        !matches!(self, CaseEvent::Advance { .. })
    }
}

pub const MOVE_NOTE_MAX_CHARS: usize = 2000;

/// Why a status move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("「{}」から「{}」へは移せません({})", .from.label(), .to.label(), hint(*.from))]
    NotAllowed { from: CaseStatus, to: CaseStatus },
    #[error("{0}")]
    Incomplete(FieldError),
}

/// What to do instead, for the refusal message.
fn hint(from: CaseStatus) -> String {
    match from {
        CaseStatus::Closed => "終結したケースは、理由を記録して再開してください".to_string(),
        CaseStatus::Suspended => "中断したケースは、中断前の状態に再開してください".to_string(),
        CaseStatus::Monitoring => {
            "モニタリングの後は「プラン作成」(プランの見直し)か「支援中」、または終結です"
                .to_string()
        }
        s => match s.next() {
            Some(n) => format!("次は「{}」です", n.label()),
            None => "この状態からは移せません".to_string(),
        },
    }
}

/// The status `event` leads to from `from`, or why not. `suspended_from` is the status the
/// case had when it was suspended (for [`CaseEvent::Resume`]); `note` is the worker's reason,
/// required for every event but an advance.
pub fn apply(
    from: CaseStatus,
    event: &CaseEvent,
    suspended_from: Option<CaseStatus>,
    note: &str,
) -> Result<CaseStatus, MoveError> {
    use CaseStatus as S;
    let to = match event {
        CaseEvent::Advance { to } => *to,
        CaseEvent::Suspend => S::Suspended,
        CaseEvent::Resume => suspended_from
            .filter(|s| s.is_open())
            .unwrap_or(S::Assessment),
        CaseEvent::Close { .. } => S::Closed,
        CaseEvent::Reopen => S::Assessment,
    };
    let allowed = match event {
        CaseEvent::Advance { to } => {
            from.next() == Some(*to)
                || (from == S::Monitoring && matches!(to, S::Planning | S::Active))
        }
        CaseEvent::Suspend => from.is_open(),
        CaseEvent::Close { .. } => from != S::Closed,
        CaseEvent::Resume => from == S::Suspended,
        CaseEvent::Reopen => from == S::Closed,
    };
    if !allowed {
        return Err(MoveError::NotAllowed { from, to });
    }
    let note = note.trim();
    if event.needs_reason() && note.is_empty() {
        return Err(MoveError::Incomplete(FieldError::new(
            "note",
            format!("{}の理由を入力してください", event.label()),
        )));
    }
    max_chars("note", "理由", note, MOVE_NOTE_MAX_CHARS).map_err(MoveError::Incomplete)?;
    Ok(to)
}

/// The trimmed reason an involved agency's involvement ends with (関与を終了): required,
/// since the agency stops acting on the case and others will ask why.
pub fn agency_end_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FieldError::new(
            "reason",
            "関与を終了する理由を入力してください",
        ));
    }
    max_chars("reason", "理由", reason, MOVE_NOTE_MAX_CHARS)?;
    Ok(reason.to_string())
}

/// Why a hand-over (多機関協働の関与終了) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("終結・中断したケースは引き継げません")]
    NotOpen,
    #[error("多機関協働の関与はすでに終了しています")]
    AlreadyEnded,
    #[error("主担当機関が多機関協働事業者のままです。先に主担当機関を決めてください")]
    NoOtherLead,
    #[error("引継ぎの内容(役割分担の合意など)を入力してください")]
    NoNote,
}

/// 多機関協働's own involvement may end once the agencies agree on roles, while the case
/// continues with its lead agency — which must then be another agency.
pub fn check_handover(
    status: CaseStatus,
    coordination_ended: bool,
    lead_agency: AgencyId,
    coordinating_agency: Option<AgencyId>,
    note: &str,
) -> Result<(), HandoverError> {
    if !status.is_open() {
        return Err(HandoverError::NotOpen);
    }
    if coordination_ended {
        return Err(HandoverError::AlreadyEnded);
    }
    if coordinating_agency == Some(lead_agency) {
        return Err(HandoverError::NoOtherLead);
    }
    if note.trim().is_empty() {
        return Err(HandoverError::NoNote);
    }
    Ok(())
}

/// The events a worker may choose from `status` (the buttons on the case page).
pub fn events_from(status: CaseStatus) -> Vec<CaseEvent> {
    use CaseStatus as S;
    let mut events: Vec<CaseEvent> = match status {
        S::Monitoring => vec![
            CaseEvent::Advance { to: S::Planning },
            CaseEvent::Advance { to: S::Active },
        ],
        S::Closed => vec![CaseEvent::Reopen],
        S::Suspended => vec![CaseEvent::Resume],
        s => s
            .next()
            .map(|to| CaseEvent::Advance { to })
            .into_iter()
            .collect(),
    };
    if status.is_open() {
        events.push(CaseEvent::Suspend);
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus as S;

    fn adv(to: CaseStatus) -> CaseEvent {
        CaseEvent::Advance { to }
    }

    #[test]
    fn the_main_path_moves_one_step_at_a_time() {
        let path = [
            S::Intake,
            S::Assessment,
            S::Planning,
            S::Active,
            S::Monitoring,
        ];
        for pair in path.windows(2) {
            assert_eq!(apply(pair[0], &adv(pair[1]), None, ""), Ok(pair[1]));
        }
        // Skipping a step or going back is refused with a hint.
        let err = apply(S::Intake, &adv(S::Active), None, "").unwrap_err();
        assert_eq!(
            err,
            MoveError::NotAllowed {
                from: S::Intake,
                to: S::Active
            }
        );
        assert!(
            err.to_string().contains("次は「アセスメント」です"),
            "{err}"
        );
        assert!(apply(S::Active, &adv(S::Assessment), None, "").is_err());
        assert!(apply(S::Planning, &adv(S::Planning), None, "").is_err());
    }

    #[test]
    fn monitoring_leads_to_revision_or_continuation() {
        assert_eq!(
            apply(S::Monitoring, &adv(S::Planning), None, ""),
            Ok(S::Planning)
        );
        assert_eq!(
            apply(S::Monitoring, &adv(S::Active), None, ""),
            Ok(S::Active)
        );
        assert!(apply(S::Monitoring, &adv(S::Intake), None, "").is_err());
    }

    #[test]
    fn closed_only_by_close_and_reopened_only_with_a_reason() {
        // Advancing to closed is not a thing: closure carries a reason code.
        assert!(apply(S::Monitoring, &adv(S::Closed), None, "").is_err());
        let close = CaseEvent::Close {
            reason: ClosureReason::GoalAchieved,
        };
        for from in [
            S::Intake,
            S::Assessment,
            S::Planning,
            S::Active,
            S::Monitoring,
            S::Suspended,
        ] {
            assert_eq!(
                apply(from, &close, None, "目標を達成"),
                Ok(S::Closed),
                "{from:?}"
            );
        }
        assert!(matches!(
            apply(S::Active, &close, None, " "),
            Err(MoveError::Incomplete(_))
        ));
        assert!(apply(S::Closed, &close, None, "x").is_err());
        assert!(apply(S::Closed, &adv(S::Active), None, "x").is_err());
        assert_eq!(
            apply(S::Closed, &CaseEvent::Reopen, None, "再度の相談"),
            Ok(S::Assessment)
        );
        let err = apply(S::Closed, &CaseEvent::Reopen, None, "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "再開(終結の取消し)の理由を入力してください"
        );
        assert!(apply(S::Active, &CaseEvent::Reopen, None, "x").is_err());
    }

    #[test]
    fn suspension_returns_to_where_it_left() {
        assert_eq!(
            apply(S::Active, &CaseEvent::Suspend, None, "入院"),
            Ok(S::Suspended)
        );
        assert!(apply(S::Suspended, &CaseEvent::Suspend, None, "x").is_err());
        assert!(apply(S::Closed, &CaseEvent::Suspend, None, "x").is_err());
        assert_eq!(
            apply(S::Suspended, &CaseEvent::Resume, Some(S::Active), "退院"),
            Ok(S::Active)
        );
        assert_eq!(
            apply(S::Suspended, &CaseEvent::Resume, None, "退院"),
            Ok(S::Assessment)
        );
        assert!(apply(S::Active, &CaseEvent::Resume, Some(S::Active), "x").is_err());
        assert!(apply(S::Suspended, &adv(S::Active), None, "").is_err());
    }

    #[test]
    fn every_offered_event_is_allowed_and_nothing_else_is() {
        let events_of = |s| {
            let mut all: Vec<CaseEvent> = S::ALL.into_iter().map(adv).collect();
            all.extend([
                CaseEvent::Suspend,
                CaseEvent::Resume,
                CaseEvent::Reopen,
                CaseEvent::Close {
                    reason: ClosureReason::Other,
                },
            ]);
            all.into_iter()
                .filter(|e| apply(s, e, Some(S::Active), "理由").is_ok())
                .filter(|e| !matches!(e, CaseEvent::Close { .. }))
                .collect::<Vec<_>>()
        };
        for s in S::ALL {
            let mut offered = events_from(s);
            let mut allowed = events_of(s);
            offered.sort_by_key(|e| format!("{e:?}"));
            allowed.sort_by_key(|e| format!("{e:?}"));
            assert_eq!(offered, allowed, "{s:?}");
        }
    }

    #[test]
    fn handover_needs_another_lead_and_an_open_case() {
        let (coord, other) = (1, 2);
        assert_eq!(
            check_handover(S::Active, false, other, Some(coord), "役割分担に合意"),
            Ok(())
        );
        assert_eq!(
            check_handover(S::Active, false, coord, Some(coord), "x"),
            Err(HandoverError::NoOtherLead)
        );
        assert_eq!(
            check_handover(S::Active, true, other, Some(coord), "x"),
            Err(HandoverError::AlreadyEnded)
        );
        assert_eq!(
            check_handover(S::Closed, false, other, Some(coord), "x"),
            Err(HandoverError::NotOpen)
        );
        assert_eq!(
            check_handover(S::Active, false, other, Some(coord), " "),
            Err(HandoverError::NoNote)
        );
    }

    #[test]
    fn an_agency_end_needs_a_reason() {
        assert_eq!(agency_end_reason(" 支援終了 ").as_deref(), Ok("支援終了"));
        assert!(agency_end_reason(" \n ").is_err());
        assert!(agency_end_reason(&"あ".repeat(MOVE_NOTE_MAX_CHARS + 1)).is_err());
        assert!(agency_end_reason(&"あ".repeat(MOVE_NOTE_MAX_CHARS)).is_ok());
    }
}
