//! The two meetings of 多機関協働, with different law:
//!
//! - **支援会議** (法106条の6, `support_meeting`): members are registered and bound by
//!   confidentiality. Information on a case on the agenda may be shared with members who
//!   acknowledged that duty, without the person's consent, for that case only and only
//!   while it is on the agenda (the access rule's `support_meeting` basis). Closed: its
//!   minutes are for members only.
//! - **重層的支援会議** (`multilayer_meeting`): a case may be discussed only with a consent
//!   in force that covers the meeting; it approves plans, allocates roles and evaluates.
//!
//! The seeds' practice: the 支援会議 until consent is obtained, then the 重層的支援会議.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, date_field, max_chars, required_text};

coded_enum! {
    /// 会議の種類. The UI shows the municipality's local names.
    pub enum MeetingKind("会議の種類") {
        Support => ("support_meeting", "支援会議(法106条の6)"),
        Multilayer => ("multilayer_meeting", "重層的支援会議"),
    }
}

pub const TEXT_MAX_CHARS: usize = 8000;
pub const SHORT_MAX_CHARS: usize = 200;

/// Why a case may not be put on a meeting's agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AgendaError {
    #[error(
        "重層的支援会議で話し合うには、会議での共有を含む有効な本人同意が必要です(同意を得るまでは支援会議を使います)"
    )]
    NoConsent,
    #[error("終結したケースは議題にできません")]
    CaseClosed,
    #[error("このケースはすでに議題になっています")]
    AlreadyOnAgenda,
}

/// Whether a case may go on the agenda of a meeting of `kind`.
pub fn check_agenda(
    kind: MeetingKind,
    has_meeting_consent: bool,
    case_closed: bool,
    already_on_agenda: bool,
) -> Result<(), AgendaError> {
    if case_closed {
        return Err(AgendaError::CaseClosed);
    }
    if already_on_agenda {
        return Err(AgendaError::AlreadyOnAgenda);
    }
    if kind == MeetingKind::Multilayer && !has_meeting_consent {
        return Err(AgendaError::NoConsent);
    }
    Ok(())
}

/// How the caller stands to a meeting whose agenda a case is to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bringer {
    /// Runs the meeting (its host's staff or the coordinator): puts on any case they read.
    Manager,
    /// A member agency that does not run the meeting.
    Member { acknowledged: bool },
}

/// What a case's bringer must hold on the case: a manager reads it; a member brings only a
/// case of its own — one it may write (its active involvement) — because bringing a case
/// to a 支援会議 opens it to every member without the person's consent, a decision for
/// the agency that holds the case, not for one that merely reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseHold {
    Reads,
    Writes,
}

/// Why a member may not bring a case to the agenda (a refusal, not bad input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BringError {
    #[error("支援会議にケースを提出するには、先に自機関の守秘義務の確認を記録してください")]
    NotAcknowledged,
}

/// Who may bring a case to the agenda of a meeting of `kind`, and what they must hold on
/// the case. A member of a 支援会議 brings cases only after acknowledging confidentiality
/// (法106条の6第5項): until then the meeting's cases do not open to it either. A
/// 重層的支援会議 rests on the person's consent instead ([`check_agenda`]).
pub fn may_bring(kind: MeetingKind, bringer: Bringer) -> Result<CaseHold, BringError> {
    match (bringer, kind) {
        (Bringer::Manager, _) => Ok(CaseHold::Reads),
        (
            Bringer::Member {
                acknowledged: false,
            },
            MeetingKind::Support,
        ) => Err(BringError::NotAcknowledged),
        (Bringer::Member { .. }, _) => Ok(CaseHold::Writes),
    }
}

/// Whether the UI should offer to move a case from the 支援会議 to the 重層的支援会議: it
/// is on a support meeting's agenda and a consent covering the meeting is now in force.
pub fn offer_move_to_multilayer(on_support_agenda: bool, has_meeting_consent: bool) -> bool {
    on_support_agenda && has_meeting_consent
}

/// Who may read a meeting's minutes. 支援会議 are closed: members who acknowledged
/// confidentiality, and the host. A 重層的支援会議's minutes are read by its participants
/// and the host.
pub fn may_read_minutes(
    kind: MeetingKind,
    agency: AgencyId,
    host: AgencyId,
    acknowledged_members: &[AgencyId],
    participants: &[AgencyId],
) -> bool {
    agency == host
        || match kind {
            MeetingKind::Support => acknowledged_members.contains(&agency),
            MeetingKind::Multilayer => participants.contains(&agency),
        }
}

/// A meeting as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingDraft {
    pub kind: String,
    /// ISO or 和暦.
    pub held_on: String,
    pub host_agency_id: Option<AgencyId>,
    pub place: String,
    /// ISO or 和暦; empty = not set.
    pub next_review_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidMeeting {
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub host_agency_id: AgencyId,
    pub place: String,
    pub next_review_on: Option<NaiveDate>,
    pub note: String,
}

pub fn validate_meeting(d: &MeetingDraft) -> Result<ValidMeeting, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = crate::intake::parse_choice::<MeetingKind>("kind", "会議の種類", &d.kind);
    let held_on = date_field("held_on", "開催日", &d.held_on, true);
    let next_review_on = date_field("next_review_on", "次回の見直し日", &d.next_review_on, false);
    if let (Ok(Some(held)), Ok(Some(next))) = (&held_on, &next_review_on)
        && next < held
    {
        errors.push(FieldError::new(
            "next_review_on",
            "次回の見直し日が開催日より前になっています",
        ));
    }
    if d.host_agency_id.is_none() {
        errors.push(FieldError::new(
            "host_agency_id",
            "主催機関を選んでください",
        ));
    }
    let place = d.place.trim().to_string();
    let note = d.note.trim().to_string();
    for r in [
        max_chars("place", "開催場所", &place, SHORT_MAX_CHARS),
        max_chars("note", "備考", &note, TEXT_MAX_CHARS),
    ] {
        errors.extend(r.err());
    }
    match (kind, held_on, next_review_on, d.host_agency_id) {
        (Ok(kind), Ok(Some(held_on)), Ok(next_review_on), Some(host)) if errors.is_empty() => {
            Ok(ValidMeeting {
                kind,
                held_on,
                host_agency_id: host,
                place,
                next_review_on,
                note,
            })
        }
        (kind, held_on, next_review_on, _) => {
            errors.extend(kind.err());
            errors.extend(held_on.err());
            errors.extend(next_review_on.err());
            Err(errors)
        }
    }
}

/// A role assignment (役割分担) decided at a meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleDraft {
    pub agency_id: Option<AgencyId>,
    /// 担当者 (free text: the staff may not be a kasane user).
    pub staff_name: String,
    pub task: String,
    /// ISO or 和暦; empty = no due date.
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidRole {
    pub agency_id: AgencyId,
    pub staff_name: String,
    pub task: String,
    pub due_on: Option<NaiveDate>,
}

pub fn validate_role(
    d: &RoleDraft,
    known_agencies: &[AgencyId],
) -> Result<ValidRole, Vec<FieldError>> {
    let mut errors = Vec::new();
    let agency_id = match d.agency_id {
        Some(a) if known_agencies.contains(&a) => Some(a),
        Some(_) => {
            errors.push(FieldError::new("agency_id", "この自治体にない機関です"));
            None
        }
        None => {
            errors.push(FieldError::new("agency_id", "担当機関を選んでください"));
            None
        }
    };
    let staff_name = d.staff_name.trim().to_string();
    let task = d.task.trim().to_string();
    errors.extend(max_chars("staff_name", "担当者", &staff_name, SHORT_MAX_CHARS).err());
    errors.extend(required_text("task", "役割", &task, TEXT_MAX_CHARS).err());
    let due_on = date_field("due_on", "期限", &d.due_on, false);
    match (agency_id, due_on) {
        (Some(agency_id), Ok(due_on)) if errors.is_empty() => Ok(ValidRole {
            agency_id,
            staff_name,
            task,
            due_on,
        }),
        (_, due_on) => {
            errors.extend(due_on.err());
            Err(errors)
        }
    }
}

/// Minutes of one agenda case (会議録): what was discussed and what was decided.
pub fn check_minutes(discussion: &str, decisions: &str) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = [
        max_chars(
            "discussion",
            "協議の内容",
            discussion.trim(),
            TEXT_MAX_CHARS,
        ),
        max_chars("decisions", "決定事項", decisions.trim(), TEXT_MAX_CHARS),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    match (
        discussion.trim().is_empty() && decisions.trim().is_empty(),
        errors.is_empty(),
    ) {
        (true, _) => Err(vec![FieldError::new(
            "discussion",
            "協議の内容か決定事項を入力してください",
        )]),
        (false, true) => Ok(()),
        (false, false) => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multilayer_meeting_needs_consent_a_support_meeting_does_not() {
        assert_eq!(
            check_agenda(MeetingKind::Support, false, false, false),
            Ok(())
        );
        assert_eq!(
            check_agenda(MeetingKind::Multilayer, false, false, false),
            Err(AgendaError::NoConsent)
        );
        assert_eq!(
            check_agenda(MeetingKind::Multilayer, true, false, false),
            Ok(())
        );
        assert_eq!(
            check_agenda(MeetingKind::Support, true, true, false),
            Err(AgendaError::CaseClosed)
        );
        assert_eq!(
            check_agenda(MeetingKind::Support, true, false, true),
            Err(AgendaError::AlreadyOnAgenda)
        );
        assert!(offer_move_to_multilayer(true, true));
        assert!(!offer_move_to_multilayer(true, false));
        assert!(!offer_move_to_multilayer(false, true));
    }

    #[test]
    fn a_manager_brings_what_it_reads_a_member_only_its_own_case_once_acknowledged() {
        use Bringer::*;
        let table = [
            (MeetingKind::Support, Manager, Ok(CaseHold::Reads)),
            (MeetingKind::Multilayer, Manager, Ok(CaseHold::Reads)),
            (
                MeetingKind::Support,
                Member { acknowledged: true },
                Ok(CaseHold::Writes),
            ),
            (
                MeetingKind::Support,
                Member {
                    acknowledged: false,
                },
                Err(BringError::NotAcknowledged),
            ),
            (
                MeetingKind::Multilayer,
                Member { acknowledged: true },
                Ok(CaseHold::Writes),
            ),
            (
                MeetingKind::Multilayer,
                Member {
                    acknowledged: false,
                },
                Ok(CaseHold::Writes),
            ),
        ];
        for (kind, bringer, expected) in table {
            assert_eq!(may_bring(kind, bringer), expected, "{kind:?} {bringer:?}");
        }
    }

    #[test]
    fn support_meeting_minutes_are_for_acknowledged_members() {
        let (host, member, unacknowledged, outsider) = (1, 2, 3, 4);
        let members = [member];
        let participants = [member, unacknowledged];
        for (agency, expected) in [
            (host, true),
            (member, true),
            (unacknowledged, false),
            (outsider, false),
        ] {
            assert_eq!(
                may_read_minutes(MeetingKind::Support, agency, host, &members, &participants),
                expected,
                "{agency}"
            );
        }
        assert!(may_read_minutes(
            MeetingKind::Multilayer,
            unacknowledged,
            host,
            &members,
            &participants
        ));
        assert!(!may_read_minutes(
            MeetingKind::Multilayer,
            outsider,
            host,
            &members,
            &participants
        ));
    }

    #[test]
    fn meetings_and_roles_are_checked() {
        let ok = MeetingDraft {
            kind: "support_meeting".into(),
            held_on: "R8.6.10".into(),
            host_agency_id: Some(1),
            next_review_on: "2026-07-10".into(),
            ..MeetingDraft::default()
        };
        let m = validate_meeting(&ok).unwrap();
        assert_eq!(m.kind, MeetingKind::Support);
        let bad = MeetingDraft {
            kind: String::new(),
            held_on: "R8.6.10".into(),
            next_review_on: "R8.6.1".into(),
            ..MeetingDraft::default()
        };
        let fields: Vec<_> = validate_meeting(&bad)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["next_review_on", "host_agency_id", "kind"]);

        let role = RoleDraft {
            agency_id: Some(2),
            task: "母の介護保険の申請支援".into(),
            due_on: "R8.7.1".into(),
            ..RoleDraft::default()
        };
        assert_eq!(validate_role(&role, &[1, 2]).unwrap().agency_id, 2);
        let errors = validate_role(&RoleDraft::default(), &[1]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["agency_id", "task"]);
        assert!(
            validate_role(
                &RoleDraft {
                    agency_id: Some(9),
                    ..role
                },
                &[1]
            )
            .is_err()
        );
        assert!(check_minutes("", " ").is_err());
        assert!(check_minutes("", "次回までに訪問").is_ok());
    }
}
