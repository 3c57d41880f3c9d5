//! つなぎ (referral) with a closed loop: the states a referral moves through, who may move
//! it, and when it must show on someone's worklist. Nobody is silently dropped: a referral
//! is either acted on by the receiving agency in time, or it surfaces (overdue, or back with
//! the sender after a decline) until someone does.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, required_text};

coded_enum! {
    /// The state of a referral: `sent → accepted | declined`, `accepted → completed`.
    pub enum ReferralStatus("つなぎの状態") {
        Sent => ("sent", "送付済"),
        Accepted => ("accepted", "受理"),
        Declined => ("declined", "辞退"),
        Completed => ("completed", "完了"),
    }
}

impl ReferralStatus {
    /// No event moves a referral out of this state.
    pub fn is_final(self) -> bool {
        matches!(self, ReferralStatus::Declined | ReferralStatus::Completed)
    }
}

coded_enum! {
    /// Whether what the receiving agency provided helped, recorded at completion.
    pub enum Helpfulness("支援の効果") {
        Yes => ("yes", "役立った"),
        Partly => ("partly", "一部役立った"),
        No => ("no", "役立たなかった"),
        Unknown => ("unknown", "不明"),
    }
}

/// What the receiving agency does to a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ReferralEvent {
    Accept,
    Decline {
        reason: String,
    },
    Complete {
        provided: String,
        helped: Helpfulness,
    },
}

impl ReferralEvent {
    pub fn code(&self) -> &'static str {
        match self {
            ReferralEvent::Accept => "accept",
            ReferralEvent::Decline { .. } => "decline",
            ReferralEvent::Complete { .. } => "complete",
        }
    }

    /// The Japanese verb on the button and in the history.
    pub fn label(&self) -> &'static str {
        match self {
            ReferralEvent::Accept => "受理",
            ReferralEvent::Decline { .. } => "辞退",
            ReferralEvent::Complete { .. } => "完了",
        }
    }

    /// The state this event leads to when it is allowed.
    pub fn target(&self) -> ReferralStatus {
        match self {
            ReferralEvent::Accept => ReferralStatus::Accepted,
            ReferralEvent::Decline { .. } => ReferralStatus::Declined,
            ReferralEvent::Complete { .. } => ReferralStatus::Completed,
        }
    }
}

pub const DECLINE_REASON_MAX_CHARS: usize = 2000;
pub const PROVIDED_MAX_CHARS: usize = 4000;
pub const REFERRAL_REASON_MAX_CHARS: usize = 2000;

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{}", not_allowed_message(*from, event))]
    NotAllowed {
        from: ReferralStatus,
        event: &'static str,
    },
    /// The decline reason or the completion record is missing or too long.
    #[error("{0}")]
    Incomplete(FieldError),
}

/// The message for an event the state does not allow, naming what to do instead.
fn not_allowed_message(from: ReferralStatus, event: &str) -> &'static str {
    use ReferralStatus as S;
    match (from, event) {
        (S::Sent, "complete") => "受理されていないつなぎは完了にできません(先に受理してください)",
        (S::Accepted, "accept") => "このつなぎはすでに受理されています",
        (S::Accepted, "decline") => {
            "受理済みのつなぎは辞退できません(支援の結果は「完了」として記録してください)"
        }
        (S::Declined, "accept") => {
            "辞退されたつなぎは受理できません(送り元が改めてつなぎ直してください)"
        }
        (S::Declined, "decline") => "このつなぎはすでに辞退されています",
        (S::Declined, _) => "辞退されたつなぎは完了にできません",
        (S::Completed, _) => "完了したつなぎは変更できません",
        _ => "このつなぎにはその操作はできません",
    }
}

/// The next state, or why not. Only `sent → accepted`, `sent → declined` (with a reason)
/// and `accepted → completed` (with what was provided) exist; a decline is final so that
/// re-routing is a new referral the sender makes, with its own loop.
pub fn transition(
    from: ReferralStatus,
    event: &ReferralEvent,
) -> Result<ReferralStatus, TransitionError> {
    use ReferralStatus as S;
    let allowed = matches!(
        (from, event),
        (S::Sent, ReferralEvent::Accept)
            | (S::Sent, ReferralEvent::Decline { .. })
            | (S::Accepted, ReferralEvent::Complete { .. })
    );
    if !allowed {
        return Err(TransitionError::NotAllowed {
            from,
            event: event.code(),
        });
    }
    match event {
        ReferralEvent::Accept => {}
        ReferralEvent::Decline { reason } => required_text(
            "reason",
            "辞退の理由",
            reason.trim(),
            DECLINE_REASON_MAX_CHARS,
        )
        .map_err(TransitionError::Incomplete)?,
        ReferralEvent::Complete { provided, .. } => required_text(
            "provided",
            "提供した支援の内容",
            provided.trim(),
            PROVIDED_MAX_CHARS,
        )
        .map_err(TransitionError::Incomplete)?,
    }
    Ok(event.target())
}

/// Whether an agency may apply `event`. Every event belongs to the receiving agency — the
/// sender cannot accept on the receiver's behalf. A referral to oneself is no loop at all,
/// so when sender and receiver are the same agency nobody may act on it.
pub fn may_act(
    event: &ReferralEvent,
    actor_agency: AgencyId,
    sender_agency: AgencyId,
    receiver_agency: AgencyId,
) -> bool {
    // Exhaustive on purpose: a future sender-side event (withdraw) must decide here.
    match event {
        ReferralEvent::Accept | ReferralEvent::Decline { .. } | ReferralEvent::Complete { .. } => {
            actor_agency == receiver_agency && sender_agency != receiver_agency
        }
    }
}

/// Days the receiving agency has to accept or decline before the referral turns overdue.
pub const DEFAULT_ACK_DAYS: u32 = 3;

/// When a referral sent at `sent_at` turns overdue: `ack_days` × 24 hours later. Elapsed
/// time, not business days — a referral sent on Friday evening is overdue on Monday
/// evening, which is what the person waiting experiences.
pub fn ack_deadline(sent_at: DateTime<Utc>, ack_days: u32) -> DateTime<Utc> {
    sent_at + TimeDelta::days(i64::from(ack_days))
}

/// Whether a referral still `sent` has waited more than `ack_days` full days. At exactly
/// the deadline it is not yet overdue; one second later it is.
pub fn is_overdue(
    status: ReferralStatus,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
    ack_days: u32,
) -> bool {
    status == ReferralStatus::Sent && now > ack_deadline(sent_at, ack_days)
}

/// The instant before which a referral still `sent` is overdue ([`is_overdue`] as a
/// bound on `sent_at`, so that a list of overdue referrals is one index range).
pub fn overdue_before(now: DateTime<Utc>, ack_days: u32) -> DateTime<Utc> {
    now - TimeDelta::days(i64::from(ack_days))
}

/// A declined referral goes back to the sender: the person still needs somewhere to go.
pub fn returns_to_sender(status: ReferralStatus) -> bool {
    status == ReferralStatus::Declined
}

/// Whether a referral is on the sender's worklist because it came back: declined and not
/// yet acknowledged (re-routed or closed) by the sender.
pub fn needs_sender_attention(status: ReferralStatus, sender_acknowledged: bool) -> bool {
    returns_to_sender(status) && !sender_acknowledged
}

coded_enum! {
    /// Why a referral shows on the sender's (and the coordinator's) worklist.
    pub enum SenderAttention("要対応の理由") {
        Overdue => ("overdue", "未受理(期限超過)"),
        Declined => ("declined", "辞退されました(つなぎ直しが必要)"),
    }
}

/// The one reason, if any, a referral needs its sender now — [`is_overdue`] and
/// [`needs_sender_attention`] combined for the worklist query.
pub fn sender_attention(
    status: ReferralStatus,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
    ack_days: u32,
    sender_acknowledged: bool,
) -> Option<SenderAttention> {
    if is_overdue(status, sent_at, now, ack_days) {
        Some(SenderAttention::Overdue)
    } else if needs_sender_attention(status, sender_acknowledged) {
        Some(SenderAttention::Declined)
    } else {
        None
    }
}

/// A new referral as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferralDraft {
    pub receiving_agency_id: Option<AgencyId>,
    /// 紹介理由: printed on the つなぐシート.
    pub reason: String,
}

/// A checked new referral; it starts in [`ReferralStatus::Sent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReferral {
    pub sender_agency_id: AgencyId,
    pub receiving_agency_id: AgencyId,
    pub reason: String,
}

/// Checks a new referral from `sender_agency`, reporting every problem at once.
pub fn validate_new(
    draft: &ReferralDraft,
    sender_agency: AgencyId,
) -> Result<NewReferral, Vec<FieldError>> {
    let mut errors = Vec::new();
    let receiving = match draft.receiving_agency_id {
        None => {
            errors.push(FieldError::new(
                "receiving_agency_id",
                "つなぎ先の機関を選んでください",
            ));
            None
        }
        Some(to) if to == sender_agency => {
            errors.push(FieldError::new(
                "receiving_agency_id",
                "自分の機関にはつなげません。別の機関を選んでください",
            ));
            None
        }
        Some(to) => Some(to),
    };
    let reason = draft.reason.trim().to_string();
    if let Err(e) = required_text("reason", "つなぐ理由", &reason, REFERRAL_REASON_MAX_CHARS) {
        errors.push(e);
    }
    match receiving {
        Some(receiving_agency_id) if errors.is_empty() => Ok(NewReferral {
            sender_agency_id: sender_agency,
            receiving_agency_id,
            reason,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus as S;

    fn accept() -> ReferralEvent {
        ReferralEvent::Accept
    }
    fn decline(reason: &str) -> ReferralEvent {
        ReferralEvent::Decline {
            reason: reason.into(),
        }
    }
    fn complete(provided: &str) -> ReferralEvent {
        ReferralEvent::Complete {
            provided: provided.into(),
            helped: Helpfulness::Yes,
        }
    }

    #[test]
    fn every_transition_pair() {
        let table: [(S, ReferralEvent, Option<S>); 12] = [
            (S::Sent, accept(), Some(S::Accepted)),
            (S::Sent, decline("対象外"), Some(S::Declined)),
            (S::Sent, complete("面談"), None),
            (S::Accepted, accept(), None),
            (S::Accepted, decline("対象外"), None),
            (S::Accepted, complete("面談"), Some(S::Completed)),
            (S::Declined, accept(), None),
            (S::Declined, decline("対象外"), None),
            (S::Declined, complete("面談"), None),
            (S::Completed, accept(), None),
            (S::Completed, decline("対象外"), None),
            (S::Completed, complete("面談"), None),
        ];
        for (from, event, to) in table {
            let got = transition(from, &event);
            match to {
                Some(to) => assert_eq!(got, Ok(to), "{from} {}", event.code()),
                None => {
                    let err = got.unwrap_err();
                    assert!(
                        matches!(err, TransitionError::NotAllowed { .. }),
                        "{from} {}",
                        event.code()
                    );
                    assert!(!err.to_string().is_empty());
                }
            }
        }
        // Final states have no way out.
        for s in S::ALL {
            let any_way_out = [accept(), decline("x"), complete("x")]
                .iter()
                .any(|e| transition(s, e).is_ok());
            assert_eq!(any_way_out, !s.is_final(), "{s}");
        }
    }

    #[test]
    fn refusals_say_why_in_japanese() {
        assert_eq!(
            transition(S::Declined, &complete("面談"))
                .unwrap_err()
                .to_string(),
            "辞退されたつなぎは完了にできません"
        );
        assert!(
            transition(S::Sent, &complete("面談"))
                .unwrap_err()
                .to_string()
                .contains("先に受理")
        );
        assert_eq!(
            transition(S::Completed, &accept()).unwrap_err().to_string(),
            "完了したつなぎは変更できません"
        );
    }

    #[test]
    fn decline_needs_a_reason_and_completion_a_record() {
        let err = transition(S::Sent, &decline("  ")).unwrap_err();
        assert!(matches!(&err, TransitionError::Incomplete(f) if f.field == "reason"));
        assert_eq!(err.to_string(), "辞退の理由を入力してください");
        let err = transition(S::Accepted, &complete("")).unwrap_err();
        assert!(matches!(&err, TransitionError::Incomplete(f) if f.field == "provided"));
        let long = "あ".repeat(DECLINE_REASON_MAX_CHARS + 1);
        assert!(transition(S::Sent, &decline(&long)).is_err());
        // The state check comes first: an empty reason on a completed referral is "not allowed".
        assert!(matches!(
            transition(S::Completed, &decline("")),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn only_the_receiving_agency_acts() {
        let (sender, receiver, other) = (1, 2, 3);
        for e in [accept(), decline("x"), complete("x")] {
            assert!(may_act(&e, receiver, sender, receiver), "{}", e.code());
            assert!(!may_act(&e, sender, sender, receiver), "{}", e.code());
            assert!(!may_act(&e, other, sender, receiver), "{}", e.code());
            // A self-referral has no one on the other end.
            assert!(!may_act(&e, sender, sender, sender), "{}", e.code());
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn overdue_boundaries() {
        let sent = at("2025-04-01T09:00:00Z");
        let table = [
            ("2025-04-01T09:00:00Z", false),
            ("2025-04-04T08:59:59Z", false),
            ("2025-04-04T09:00:00Z", false), // exactly 3 days: not yet
            ("2025-04-04T09:00:01Z", true),  // 3 days + 1 s: overdue
            ("2025-05-01T00:00:00Z", true),
        ];
        for (now, overdue) in table {
            assert_eq!(
                is_overdue(S::Sent, sent, at(now), DEFAULT_ACK_DAYS),
                overdue,
                "{now}"
            );
            // The bound a list query uses says the same.
            assert_eq!(
                sent < overdue_before(at(now), DEFAULT_ACK_DAYS),
                overdue,
                "{now}"
            );
        }
        // Only a referral nobody has answered can be overdue.
        let late = at("2025-05-01T00:00:00Z");
        for s in [S::Accepted, S::Declined, S::Completed] {
            assert!(!is_overdue(s, sent, late, DEFAULT_ACK_DAYS), "{s}");
        }
        // The window is configurable; 0 days means overdue as soon as any time passes.
        assert!(!is_overdue(S::Sent, sent, at("2025-04-08T09:00:00Z"), 7));
        assert!(is_overdue(S::Sent, sent, at("2025-04-08T09:00:01Z"), 7));
        assert!(is_overdue(S::Sent, sent, at("2025-04-01T09:00:01Z"), 0));
    }

    #[test]
    fn declined_referrals_go_back_to_the_sender() {
        assert!(returns_to_sender(S::Declined));
        for s in [S::Sent, S::Accepted, S::Completed] {
            assert!(!returns_to_sender(s));
            assert!(!needs_sender_attention(s, false));
        }
        assert!(needs_sender_attention(S::Declined, false));
        assert!(!needs_sender_attention(S::Declined, true));

        let sent = at("2025-04-01T09:00:00Z");
        let late = at("2025-04-10T09:00:00Z");
        assert_eq!(
            sender_attention(S::Sent, sent, late, 3, false),
            Some(SenderAttention::Overdue)
        );
        assert_eq!(
            sender_attention(S::Declined, sent, late, 3, false),
            Some(SenderAttention::Declined)
        );
        assert_eq!(sender_attention(S::Declined, sent, late, 3, true), None);
        assert_eq!(sender_attention(S::Accepted, sent, late, 3, false), None);
    }

    #[test]
    fn new_referral_is_checked() {
        let ok = validate_new(
            &ReferralDraft {
                receiving_agency_id: Some(2),
                reason: " 障がい福祉サービスの利用相談 ".into(),
            },
            1,
        )
        .unwrap();
        assert_eq!(ok.reason, "障がい福祉サービスの利用相談");
        let errs = validate_new(&ReferralDraft::default(), 1).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["receiving_agency_id", "reason"]);
        let errs = validate_new(
            &ReferralDraft {
                receiving_agency_id: Some(1),
                reason: "x".into(),
            },
            1,
        )
        .unwrap_err();
        assert_eq!(errs[0].field, "receiving_agency_id");
    }

    #[test]
    fn codes_round_trip() {
        for s in S::ALL {
            assert_eq!(s.code().parse::<S>(), Ok(s));
        }
        for h in Helpfulness::ALL {
            assert_eq!(h.code().parse::<Helpfulness>(), Ok(h));
        }
        assert_eq!(S::Sent.label(), "送付済");
        assert_eq!(complete("x").target(), S::Completed);
    }
}
