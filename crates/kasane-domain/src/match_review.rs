//! 名寄せ確認依頼 (match review): a window that finds a 名寄せ candidate it may not see
//! registers the consultation as a new person and asks the coordinating agency's
//! coordinator (相談支援包括化推進員) to confirm the pair. The coordinator sees both records'
//! identity fields only (the `match_review` basis in [`crate::access`]) and decides once:
//! linked (同一人物) or distinct (別人). Pure: the states, the decision and its input.

use crate::intake::{FieldError, coded_enum, max_chars, parse_choice};

/// What the worker is told when a candidate is held by another window: never which one
/// (「基幹相談支援センター」 would reveal a disability), nor anything of the record.
pub const REQUESTED_NOTICE: &str =
    "他の窓口で把握されている可能性があります。相談支援包括化推進員に確認を依頼しました";

/// What the worker is told at the candidate stage, before the consultation is registered.
pub const ELSEWHERE_NOTICE: &str = "他の窓口で把握されている可能性があります。詳細は表示できません。新しい方として登録すると、相談支援包括化推進員に確認を依頼します。";

coded_enum! {
    /// `pending → linked | distinct`; a decided review is final.
    pub enum MatchReviewStatus("名寄せ確認の状態") {
        Pending => ("pending", "確認中"),
        Linked => ("linked", "同一人物として名寄せされました"),
        Distinct => ("distinct", "別人と確認されました"),
    }
}

coded_enum! {
    /// Why the coordinator judged the pair to be two people.
    pub enum DistinctReason("別人と判断した理由") {
        BirthDate => ("birth_date", "生年月日が異なる"),
        Address => ("address", "住所・世帯が異なる"),
        Confirmed => ("confirmed", "本人・家族に確認した"),
        Other => ("other", "その他"),
    }
}

/// Longest note the coordinator may add to a decision.
pub const NOTE_MAX_CHARS: usize = 1000;

/// The coordinator's decision on a pending review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same person: the records are linked (名寄せ).
    Link,
    /// Two people: the pair is recorded as distinct and never proposed again.
    Distinct {
        reason: DistinctReason,
        note: String,
    },
}

impl Verdict {
    /// The state the verdict leads to.
    pub fn target(&self) -> MatchReviewStatus {
        match self {
            Verdict::Link => MatchReviewStatus::Linked,
            Verdict::Distinct { .. } => MatchReviewStatus::Distinct,
        }
    }
}

/// A decided review cannot be decided again.
pub const ALREADY_DECIDED: &str = "この名寄せ確認依頼はすでに確認済みです";

/// The state after `verdict` on a review in `from`: only a pending review is decided.
pub fn decide_review(
    from: MatchReviewStatus,
    verdict: &Verdict,
) -> Result<MatchReviewStatus, &'static str> {
    match from {
        MatchReviewStatus::Pending => Ok(verdict.target()),
        MatchReviewStatus::Linked | MatchReviewStatus::Distinct => Err(ALREADY_DECIDED),
    }
}

/// A distinct verdict from the form or the API: a reason code and an optional note.
pub fn distinct_verdict(reason: &str, note: &str) -> Result<Verdict, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reason = parse_choice::<DistinctReason>("reason", "別人と判断した理由", reason)
        .map_err(|e| errors.push(e))
        .ok();
    let note = note.trim();
    if let Err(e) = max_chars("note", "メモ", note, NOTE_MAX_CHARS) {
        errors.push(e);
    }
    match reason {
        Some(reason) if errors.is_empty() => Ok(Verdict::Distinct {
            reason,
            note: note.to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchReviewStatus::*;

    #[test]
    fn only_a_pending_review_is_decided() {
        let distinct = Verdict::Distinct {
            reason: DistinctReason::Other,
            note: String::new(),
        };
        let rows = [
            (Pending, Verdict::Link, Ok(Linked)),
            (Pending, distinct.clone(), Ok(Distinct)),
            (Linked, Verdict::Link, Err(ALREADY_DECIDED)),
            (Linked, distinct.clone(), Err(ALREADY_DECIDED)),
            (Distinct, Verdict::Link, Err(ALREADY_DECIDED)),
            (Distinct, distinct, Err(ALREADY_DECIDED)),
        ];
        for (from, verdict, want) in rows {
            assert_eq!(decide_review(from, &verdict), want, "{from} {verdict:?}");
        }
    }

    #[test]
    fn a_distinct_verdict_needs_a_known_reason_and_a_bounded_note() {
        assert_eq!(
            distinct_verdict("address", "  別世帯 "),
            Ok(Verdict::Distinct {
                reason: DistinctReason::Address,
                note: "別世帯".into()
            })
        );
        let e = distinct_verdict("", "").unwrap_err();
        assert_eq!(e[0].field, "reason");
        assert!(e[0].message.contains("選んでください"), "{e:?}");
        assert!(distinct_verdict("twins", "").is_err());
        let long = "あ".repeat(NOTE_MAX_CHARS + 1);
        let e = distinct_verdict("other", &long).unwrap_err();
        assert_eq!(e[0].field, "note");
    }

    #[test]
    fn codes_round_trip_and_the_notice_names_no_agency() {
        for s in MatchReviewStatus::ALL {
            assert_eq!(s.code().parse::<MatchReviewStatus>(), Ok(s));
        }
        for r in DistinctReason::ALL {
            assert!(MatchReviewStatus::try_from(r.code().to_string()).is_err());
            assert_eq!(r.code().parse::<DistinctReason>(), Ok(r));
        }
        for notice in [REQUESTED_NOTICE, ELSEWHERE_NOTICE] {
            assert!(
                !notice.contains("センター") && !notice.contains("社協"),
                "{notice}"
            );
        }
    }
}
