//! 多機関協働へつなぐ, later: a window that has been supporting someone may find, weeks
//! into the consultation, that no single agency can solve it. It escalates its own intake
//! (its 対応結果 becomes 「多機関協働へ」) with a reason, instead of recording a second
//! intake of the same consultation. The coordinator's queue and basis then follow from the
//! intake's outcome as for one escalated at intake.

use crate::intake::{FieldError, Outcome, max_chars};

pub const REASON_MAX_CHARS: usize = 2000;

/// Why an escalation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    /// Already 「多機関協働へ」: the coordinator has it (or opened a case from it).
    #[error("この相談はすでに多機関協働へつないでいます")]
    AlreadyEscalated,
    /// The person is in an open 多機関協働 case already: work there instead.
    #[error("この方はすでに多機関協働のケースで支援中です。ケースの支援経過に記録してください")]
    CaseOpen,
    #[error("{0}")]
    Reason(FieldError),
}

impl EscalationError {
    /// Whether the refusal is about the record's state (409) rather than the input (422).
    pub fn is_conflict(&self) -> bool {
        !matches!(self, EscalationError::Reason(_))
    }
}

/// The trimmed reason if intake with outcome `outcome` may be escalated; `open_case` is
/// whether the person (or a household of theirs) is in an open 多機関協働 case.
pub fn check(outcome: Outcome, open_case: bool, reason: &str) -> Result<String, EscalationError> {
    if outcome == Outcome::Escalated {
        return Err(EscalationError::AlreadyEscalated);
    }
    if open_case {
        return Err(EscalationError::CaseOpen);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(EscalationError::Reason(FieldError::new(
            "reason",
            "多機関協働へつなぐ理由を入力してください",
        )));
    }
    max_chars("reason", "理由", reason, REASON_MAX_CHARS).map_err(EscalationError::Reason)?;
    Ok(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trimmed reason, or a test of the refusal.
    type Want<'a> = Result<&'a str, fn(&EscalationError) -> bool>;

    #[test]
    fn who_may_be_escalated() {
        use EscalationError as E;
        let long = "あ".repeat(REASON_MAX_CHARS + 1);
        let exact = "あ".repeat(REASON_MAX_CHARS);
        let rows: &[(Outcome, bool, &str, Want)] = &[
            (Outcome::Handled, false, " 8050世帯 ", Ok("8050世帯")),
            (Outcome::Referred, false, "債務", Ok("債務")),
            (Outcome::InfoOnly, false, "孤立", Ok("孤立")),
            (Outcome::Handled, false, &exact, Ok(&exact)),
            (
                Outcome::Escalated,
                false,
                "x",
                Err(|e| *e == E::AlreadyEscalated),
            ),
            (
                Outcome::Escalated,
                true,
                "x",
                Err(|e| *e == E::AlreadyEscalated),
            ),
            (Outcome::Handled, true, "x", Err(|e| *e == E::CaseOpen)),
            (
                Outcome::Handled,
                false,
                "  ",
                Err(|e| matches!(e, E::Reason(_))),
            ),
            (
                Outcome::Handled,
                false,
                &long,
                Err(|e| matches!(e, E::Reason(_))),
            ),
        ];
        for (outcome, open, reason, want) in rows {
            let got = check(*outcome, *open, reason);
            match (want, &got) {
                (Ok(r), Ok(g)) => assert_eq!(r, g),
                (Err(is), Err(e)) => assert!(is(e), "{outcome:?} {open}: {e:?}"),
                _ => panic!("{outcome:?} {open} {reason}: {got:?}"),
            }
        }
        assert!(E::CaseOpen.is_conflict() && E::AlreadyEscalated.is_conflict());
        assert!(
            !check(Outcome::Handled, false, "")
                .unwrap_err()
                .is_conflict()
        );
    }
}
