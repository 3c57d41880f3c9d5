//! The access rule: who may do what to which object, and on which basis (根拠).
//!
//! This is the one place kasane decides access (see `ACCESS-MODEL.md`). Every handler
//! loads the subject's *access facts* from the store, calls [`decide`], and then
//! audits the returned [`Basis`] (or the [`Denial`]) before touching the record.
//! The function is pure: no I/O, no clock — `today` is passed in.
//!
//! Decisions are taken in two phases:
//! 1. **whether** — [`Decision::Allow`] with a [`Grant`], or [`Decision::Deny`];
//! 2. **which fields** — the grant's [`View`]: [`View::Full`], [`View::ReadOnly`] or
//!    [`View::ReferralSheet`] (only what the つなぐシート shares).
//!
//! # The rule, in order
//! 1. An object of another municipality is [`Denial::NotFound`], whatever the role.
//! 2. Non-personal subjects (configuration, users, audit log, community, statistics)
//!    are decided by role alone; a role that lacks permission gets
//!    [`Denial::Forbidden`] (the object's existence is no secret). The basis is
//!    [`Basis::Role`] naming the granting role. `Export` is treated like `Read`;
//!    `EmergencyRead` is refused (break-glass exists only for personal data).
//! 3. Personal data ([`Subject::Person`], and the meetings and case management below)
//!    needs the `staff` or `coordinator` role ([`may_see_person_data`]); `admin`,
//!    `auditor` and `community_worker` alone get `NotFound`, even if their agency is
//!    involved.
//! 4. Then the strongest basis the actor holds is chosen, in this order (so the audit
//!    names the most specific one):
//!    - `involvement` (active) — the actor's agency has an active involvement → Full;
//!    - `coordination` — the actor has the `coordinator` role, **and** their agency is
//!      the case's coordinating agency ([`coordinates`]), **and** coordination has not
//!      ended → Full. A plain `staff` user of the coordinating agency does not get
//!      this basis;
//!    - `involvement` (inactive) — history of the agency's own past involvement →
//!      ReadOnly;
//!    - `consent` — a consent that is not withdrawn, not expired (`expires_on <
//!      today` ⇒ expired; the expiry day itself still counts) and names the actor's
//!      agency → ReadOnly;
//!    - `support_meeting` — the actor's agency is an acknowledged member of a support
//!      meeting that has the case on its agenda, and the case is not closed →
//!      ReadOnly;
//!    - `referral_pending` — a referral to the actor's agency awaits an answer →
//!      ReferralSheet.
//!
//!    No basis ⇒ `NotFound` (no existence leak). A basis whose view does not permit
//!    the action (a write or an export without Full view) ⇒ `Forbidden`: the actor
//!    can already see that the record exists, so a 403 hides nothing.
//! 5. `EmergencyRead` (break-glass, with a stated reason recorded by the handler and
//!    flagged for review) is allowed to any staff/coordinator of the municipality,
//!    read only, basis `emergency` — whatever other basis they may hold.
//! 6. [`Subject::NewPerson`]: creating a person who has no record yet (a new intake)
//!    is allowed to staff/coordinator of the municipality, basis `involvement` (the
//!    intake makes the agency involved). Other actions on it are `Forbidden`.
//! 7. [`Subject::Meeting`] (支援会議・重層的支援会議): the host agency's users (basis
//!    `meeting_host`) and a coordinator of the coordinating agency (`coordination`)
//!    see it with Full view and run it (create, members, agenda, minutes, roles, plan
//!    approval); a member agency (`meeting_member`) reads it, and gets `Forbidden` on
//!    a change. Anyone else gets `NotFound` — but `Create` is of a draft (host = the
//!    chosen agency, no members), so a refusal there, and the role gate there, is
//!    `Forbidden`. `EmergencyRead` is refused.
//! 8. [`Subject::MeetingMinutes`]: among those who see the meeting, reading follows
//!    the meeting's law ([`may_read_minutes`]: a 支援会議's host and acknowledged
//!    members, a 重層的支援会議's host and participants); others who see it get
//!    `Forbidden`. Writing minutes is running the meeting (rule 7, `Update`).
//! 9. [`Subject::CaseManagement`] (always `Update`): first the person rule — `Update`
//!    for [`CaseRight::Manage`] and [`CaseRight::HandOver`], `Read` for
//!    [`CaseRight::Reopen`] (closure ends every write basis) — whose denial passes
//!    through. Then who holds the case: manage and hand over are for the lead
//!    agency's users or 多機関協働 while it coordinates (not closed, not handed over);
//!    reopening a closed case is for its former lead or a coordinator of the
//!    coordinating agency. Otherwise `Forbidden`. The allow carries the person grant.
//! 10. [`Subject::MatchReview`] (名寄せ確認依頼): a coordinator of the coordinating agency
//!     ([`coordinates`]) reads the identity fields of one of the review's two records
//!     (`person_id` must be one of the pair) and decides the review (`Update`), basis
//!     `match_review`, view [`View::Identity`] — only while the review is pending. Anyone
//!     else, another record, or a decided review is `NotFound` (the basis has ended; the
//!     person's own bases are decided on [`Subject::Person`] as always). Other actions are
//!     `Forbidden`.
//!
//! What this rule does *not* decide: which individual records within a readable case
//! an agency may edit ("write what the agency authors") — that is the owning module's
//! check once the write is allowed here.

use chrono::NaiveDate;

use crate::identity::{Actor, AgencyId, MunicipalityId, Role};
use crate::meeting::{MeetingKind, may_read_minutes};

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    /// Download (CSV, PDF, print) — data leaves the system.
    Export,
    /// Break-glass read of personal data with a stated reason (虐待・自殺の危険).
    EmergencyRead,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
        Action::EmergencyRead,
    ];

    /// Create, Update or Delete.
    pub fn is_write(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Delete)
    }
}

/// How an agency is involved with a person (関与の種類).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvolvementKind {
    /// The agency registered the person (e.g. imported its own caseload with
    /// `kasane import persons --agency`); intakes and cases add the other kinds.
    Registered,
    /// The agency recorded an intake (相談受付) for the person.
    Intake,
    /// The agency accepted a referral (つなぎ) about the person.
    ReferralAccepted,
    /// Lead agency (主担当機関) on the person's case.
    CaseLead,
    /// Involved agency (関与機関) on the person's case.
    CaseInvolved,
}

/// One agency's involvement with a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Involvement {
    pub agency_id: AgencyId,
    pub kind: InvolvementKind,
    /// `false` once the involvement ended (case closed for the agency, referral
    /// declined): the agency keeps reading its history but can no longer write.
    pub active: bool,
}

/// A consent (本人同意) as the access rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentFact {
    /// The agencies the person agreed to share with.
    pub agencies: Vec<AgencyId>,
    /// Whether the consent covers the 重層的支援会議.
    pub meeting: bool,
    pub withdrawn: bool,
    /// Last day the consent is valid; `None` = no expiry.
    pub expires_on: Option<NaiveDate>,
}

impl ConsentFact {
    /// Not withdrawn and not expired on `today` (valid through `expires_on`).
    pub fn is_in_force(&self, today: NaiveDate) -> bool {
        !self.withdrawn && self.expires_on.is_none_or(|last| today <= last)
    }

    /// In force and naming `agency_id`.
    pub fn covers_agency(&self, agency_id: AgencyId, today: NaiveDate) -> bool {
        self.is_in_force(today) && self.agencies.contains(&agency_id)
    }
}

/// The person's case as one support meeting (支援会議, 法106条の6) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportMeetingFact {
    /// Member agencies that have acknowledged confidentiality (守秘義務の確認済み).
    /// Members that have not acknowledged must not be listed.
    pub member_agencies: Vec<AgencyId>,
    /// The case is on this meeting's agenda.
    pub on_agenda: bool,
    pub case_closed: bool,
}

impl SupportMeetingFact {
    pub fn grants(&self, agency_id: AgencyId) -> bool {
        self.on_agenda && !self.case_closed && self.member_agencies.contains(&agency_id)
    }
}

/// Escalation of the person's case to 多機関協働.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinationFact {
    pub coordinating_agency: AgencyId,
    /// Case closed or hand-over recorded.
    pub ended: bool,
}

/// Everything the rule needs to know about a person (or their household or case).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonFacts {
    pub municipality_id: MunicipalityId,
    pub involvements: Vec<Involvement>,
    /// Agencies a referral was sent to that have not yet accepted or declined.
    pub pending_referrals: Vec<AgencyId>,
    pub consents: Vec<ConsentFact>,
    pub support_meetings: Vec<SupportMeetingFact>,
    pub coordination: Option<CoordinationFact>,
}

impl PersonFacts {
    /// Facts of a person nobody is involved with yet.
    pub fn new(municipality_id: MunicipalityId) -> Self {
        PersonFacts {
            municipality_id,
            ..PersonFacts::default()
        }
    }

    /// Whether some consent in force covers the 重層的支援会議.
    pub fn has_meeting_consent(&self, today: NaiveDate) -> bool {
        self.consents
            .iter()
            .any(|c| c.meeting && c.is_in_force(today))
    }
}

/// One member agency of a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingMemberFact {
    pub agency_id: AgencyId,
    /// Confidentiality acknowledged (守秘義務の確認済み).
    pub acknowledged: bool,
}

/// A meeting (支援会議 or 重層的支援会議) as the rule sees it. To create a meeting, build
/// it from the draft: the chosen host, no members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFacts {
    pub municipality_id: MunicipalityId,
    pub kind: MeetingKind,
    pub host_agency_id: AgencyId,
    pub members: Vec<MeetingMemberFact>,
    /// The municipality's coordinating agency (多機関協働事業者), if any.
    pub coordinating_agency: Option<AgencyId>,
}

impl MeetingFacts {
    /// Member agencies that acknowledged confidentiality.
    pub fn acknowledged(&self) -> Vec<AgencyId> {
        self.members
            .iter()
            .filter(|m| m.acknowledged)
            .map(|m| m.agency_id)
            .collect()
    }

    /// Every member agency.
    pub fn participants(&self) -> Vec<AgencyId> {
        self.members.iter().map(|m| m.agency_id).collect()
    }
}

/// What managing a case means, for [`Subject::CaseManagement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseRight {
    /// Move the status, close, change the involved agencies or the lead.
    Manage,
    /// Reopen a closed case.
    Reopen,
    /// Record the hand-over from 多機関協働 (the checks on the case itself stay in
    /// `crate::case::check_handover`).
    HandOver,
}

/// Who holds a case, beyond the person facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseHolding {
    pub lead_agency_id: AgencyId,
    pub closed: bool,
    /// Hand-over from 多機関協働 recorded.
    pub coordination_ended: bool,
    /// The municipality's coordinating agency (多機関協働事業者), if any.
    pub coordinating_agency: Option<AgencyId>,
}

/// A 名寄せ確認依頼 as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchReviewFacts {
    pub municipality_id: MunicipalityId,
    /// The municipality's coordinating agency (多機関協働事業者), if any.
    pub coordinating_agency: Option<AgencyId>,
    /// Not decided yet: the basis lasts only while it is.
    pub pending: bool,
    /// The two records the review is about: the one the window registered and its
    /// candidate.
    pub pair: [i64; 2],
}

/// The object an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// Agencies, districts, meeting names, issue tags…: every user of the
    /// municipality reads; only `admin` writes.
    MunicipalityConfig { municipality_id: MunicipalityId },
    /// User accounts: `admin` only.
    Users { municipality_id: MunicipalityId },
    /// The audit log: `auditor` reads and exports only.
    AuditLog { municipality_id: MunicipalityId },
    /// 地域づくり and the resource registry (no personal data): `community_worker`,
    /// `coordinator` and `staff` read; `community_worker` and `coordinator` write.
    Community { municipality_id: MunicipalityId },
    /// Aggregated statistics: every role but `auditor` reads and exports; nobody
    /// writes (they are computed).
    Statistics { municipality_id: MunicipalityId },
    /// Personal data of an existing person, household or case.
    Person(&'a PersonFacts),
    /// A person not yet recorded (a new intake): only `Create`.
    NewPerson { municipality_id: MunicipalityId },
    /// A meeting, its members, agenda, roles and plan approvals (personal data: the
    /// agenda names people). `Create` is creating this meeting from its draft; every
    /// change to an existing one (members, agenda, minutes, roles, approval) is
    /// `Update` or `Delete`.
    Meeting(&'a MeetingFacts),
    /// A meeting's minutes (会議録): read per [`may_read_minutes`]; writes are managing
    /// the meeting.
    MeetingMinutes(&'a MeetingFacts),
    /// Managing the person's case; decided with [`Action::Update`] only.
    CaseManagement {
        facts: &'a PersonFacts,
        holding: &'a CaseHolding,
        right: CaseRight,
    },
    /// The identity fields (氏名, フリガナ, 生年月日, 住所) of record `person_id` as a
    /// 名寄せ確認依頼 shows them (`Read`), and the review's decision (`Update`).
    MatchReview {
        review: &'a MatchReviewFacts,
        person_id: i64,
    },
}

impl Subject<'_> {
    pub fn municipality_id(&self) -> MunicipalityId {
        match self {
            Subject::MunicipalityConfig { municipality_id }
            | Subject::Users { municipality_id }
            | Subject::AuditLog { municipality_id }
            | Subject::Community { municipality_id }
            | Subject::Statistics { municipality_id }
            | Subject::NewPerson { municipality_id } => *municipality_id,
            Subject::Person(facts) | Subject::CaseManagement { facts, .. } => facts.municipality_id,
            Subject::Meeting(m) | Subject::MeetingMinutes(m) => m.municipality_id,
            Subject::MatchReview { review, .. } => review.municipality_id,
        }
    }

    /// Whether the subject is (or will be) personal data.
    pub fn is_personal(&self) -> bool {
        matches!(
            self,
            Subject::Person(_)
                | Subject::NewPerson { .. }
                | Subject::Meeting(_)
                | Subject::MeetingMinutes(_)
                | Subject::CaseManagement { .. }
                | Subject::MatchReview { .. }
        )
    }
}

/// Why access is allowed — stored with every audited access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// 関与機関.
    Involvement,
    /// つなぎ受信.
    ReferralPending,
    /// 本人同意.
    Consent,
    /// 支援会議 (法106条の6).
    SupportMeeting,
    /// 多機関協働事業者.
    Coordination,
    /// 緊急時の閲覧 (break-glass).
    Emergency,
    /// The host agency of a meeting (会議の主催機関).
    MeetingHost,
    /// A member agency of a meeting (会議の構成員).
    MeetingMember,
    /// 名寄せ確認: the coordinator asked to confirm a pair of records.
    MatchReview,
    /// A non-personal subject, allowed by this role.
    Role(Role),
}

impl Basis {
    /// The code stored in the audit log; `role:<role>` for [`Basis::Role`].
    pub fn code(self) -> &'static str {
        match self {
            Basis::Involvement => "involvement",
            Basis::ReferralPending => "referral_pending",
            Basis::Consent => "consent",
            Basis::SupportMeeting => "support_meeting",
            Basis::Coordination => "coordination",
            Basis::Emergency => "emergency",
            Basis::MeetingHost => "meeting_host",
            Basis::MeetingMember => "meeting_member",
            Basis::MatchReview => "match_review",
            Basis::Role(Role::Admin) => "role:admin",
            Basis::Role(Role::Coordinator) => "role:coordinator",
            Basis::Role(Role::Staff) => "role:staff",
            Basis::Role(Role::CommunityWorker) => "role:community_worker",
            Basis::Role(Role::Auditor) => "role:auditor",
        }
    }

    /// The Japanese label shown in the UI and the audit view.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Involvement => "関与機関",
            Basis::ReferralPending => "つなぎ受信",
            Basis::Consent => "本人同意",
            Basis::SupportMeeting => "支援会議(法106条の6)",
            Basis::Coordination => "多機関協働",
            Basis::Emergency => "緊急時の閲覧",
            Basis::MeetingHost => "会議の主催機関",
            Basis::MeetingMember => "会議の構成員",
            Basis::MatchReview => "名寄せ確認",
            Basis::Role(Role::Admin) => "役割:システム管理者",
            Basis::Role(Role::Coordinator) => "役割:相談支援包括化推進員",
            Basis::Role(Role::Staff) => "役割:相談員",
            Basis::Role(Role::CommunityWorker) => "役割:地域づくり担当",
            Basis::Role(Role::Auditor) => "役割:監査担当",
        }
    }

    /// Parses a stored [`Basis::code`].
    pub fn from_code(code: &str) -> Option<Basis> {
        const PERSONAL: [Basis; 9] = [
            Basis::Involvement,
            Basis::ReferralPending,
            Basis::Consent,
            Basis::SupportMeeting,
            Basis::Coordination,
            Basis::Emergency,
            Basis::MeetingHost,
            Basis::MeetingMember,
            Basis::MatchReview,
        ];
        PERSONAL
            .into_iter()
            .chain(Role::ALL.into_iter().map(Basis::Role))
            .find(|b| b.code() == code)
    }

    /// Whether this is a basis for personal data (as opposed to a role).
    pub fn is_personal(self) -> bool {
        !matches!(self, Basis::Role(_))
    }
}

/// Which fields the actor sees, and whether they may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Every field; writes and export allowed.
    Full,
    /// Only the つなぐシート: name, birth date, contact, お困りごと, household outline,
    /// referral reason. No writes, no export.
    ReferralSheet,
    /// Every field, read only. No writes, no export.
    ReadOnly,
    /// The identity fields only (氏名, フリガナ, 生年月日, 住所), to confirm a 名寄せ
    /// candidate. No export.
    Identity,
}

impl View {
    /// Whether this view lets the actor perform `action`.
    pub fn permits(self, action: Action) -> bool {
        match action {
            Action::Read | Action::EmergencyRead => true,
            Action::Create | Action::Update | Action::Delete | Action::Export => self == View::Full,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            View::Full => "full",
            View::ReferralSheet => "referral_sheet",
            View::ReadOnly => "read_only",
            View::Identity => "identity",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Full => "すべての項目",
            View::ReferralSheet => "つなぐシートの項目のみ",
            View::ReadOnly => "閲覧のみ",
            View::Identity => "氏名・フリガナ・生年月日・住所のみ",
        }
    }
}

/// What an allowed decision grants: the basis (audited) and the view (fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    pub basis: Basis,
    pub view: View,
}

/// Why access is denied. The reason is for the log and the audit, in Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Denial {
    /// Answered 404 like [`Denial::NotFound`]: another municipality's object. Kept apart
    /// because the deployment's operator reviews such attempts, not only the municipality.
    OtherMunicipality,
    /// Answered 404: personal data the actor has no basis for. The object's existence
    /// must not leak.
    NotFound(&'static str),
    /// Answered 403: the actor may know the object exists but lacks permission.
    Forbidden(&'static str),
}

impl Denial {
    pub fn reason(self) -> &'static str {
        match self {
            Denial::OtherMunicipality => OTHER_MUNICIPALITY,
            Denial::NotFound(r) | Denial::Forbidden(r) => r,
        }
    }

    pub fn is_not_found(self) -> bool {
        matches!(self, Denial::NotFound(_) | Denial::OtherMunicipality)
    }
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow(Grant),
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow(_))
    }

    pub fn grant(self) -> Option<Grant> {
        match self {
            Decision::Allow(g) => Some(g),
            Decision::Deny(_) => None,
        }
    }

    pub fn basis(self) -> Option<Basis> {
        self.grant().map(|g| g.basis)
    }

    pub fn view(self) -> Option<View> {
        self.grant().map(|g| g.view)
    }

    pub fn denial(self) -> Option<Denial> {
        match self {
            Decision::Allow(_) => None,
            Decision::Deny(d) => Some(d),
        }
    }

    fn allow(basis: Basis, view: View) -> Self {
        Decision::Allow(Grant { basis, view })
    }
}

const OTHER_MUNICIPALITY: &str = "他の自治体の記録です";
const NO_PERSON_ROLE: &str =
    "この役割では個人情報を扱えません(相談員または相談支援包括化推進員の役割が必要です)";
const NO_BASIS: &str =
    "この記録を閲覧する根拠(関与・つなぎ・同意・支援会議・多機関協働)がありません";
const READ_ONLY_BASIS: &str = "閲覧のみの根拠です(記録の作成・更新・削除はできません)";
const REFERRAL_SHEET_ONLY: &str = "つなぎの受諾前はつなぐシートの閲覧のみできます";
const EXPORT_NEEDS_FULL: &str = "個人情報の出力には関与機関または多機関協働の根拠が必要です";
const EMERGENCY_PERSON_ONLY: &str = "緊急時の閲覧は個人の記録にのみ使えます";
const NEW_PERSON_CREATE_ONLY: &str = "新しい本人の記録は作成のみできます";
const NO_MEETING_ROLE: &str =
    "会議の記録は相談員または相談支援包括化推進員の役割を持つ職員のみ扱えます";
const NOT_IN_MEETING: &str = "主催機関・構成員・多機関協働事業者のいずれでもありません";
const NOT_MEETING_MANAGER: &str = "この会議を運営(作成・構成員・議題・会議録・役割分担・プランの承認)できるのは、主催機関の職員または多機関協働事業者の相談支援包括化推進員です";
const SUPPORT_MINUTES_CLOSED: &str =
    "この会議録を閲覧できるのは主催機関と守秘義務を確認した構成員のみです";
const MULTILAYER_MINUTES_CLOSED: &str =
    "この会議録を閲覧できるのは主催機関と会議に参加した構成員のみです";
const NOT_CASE_MANAGER: &str = "ケースの状態・関与機関・主担当機関・引継ぎを変更できるのは、主担当機関の職員または多機関協働(相談支援包括化推進員)のみです";
const REOPEN_NOT_CLOSED: &str = "終結していないケースは再開できません";
const NOT_MATCH_REVIEWER: &str =
    "名寄せ確認依頼を確認できるのは多機関協働事業者の相談支援包括化推進員のみです";
const MATCH_REVIEW_DECIDED: &str = "名寄せ確認依頼は確認済みです(名寄せ確認の根拠は終了しました)";
const NOT_IN_MATCH_REVIEW: &str = "この名寄せ確認依頼の対象の記録ではありません";
const MATCH_REVIEW_READ_OR_DECIDE: &str =
    "名寄せ確認依頼では本人確認の項目の閲覧と確認結果の記録のみできます";
const CASE_MANAGEMENT_UPDATE_ONLY: &str =
    "ケースの管理(状態・関与機関・主担当機関・引継ぎ・再開)は更新の操作としてのみ判定します";

/// Whether the actor's roles allow personal data at all (`staff` or `coordinator`).
/// List queries use this as the role gate before filtering rows by basis in SQL.
pub fn may_see_person_data(actor: &Actor) -> bool {
    actor.has(Role::Staff) || actor.has(Role::Coordinator)
}

/// Whether the actor is a coordinator (相談支援包括化推進員) of the coordinating agency
/// (多機関協働事業者). The role alone is not enough: a coordinator of another agency, or a
/// plain `staff` user of the coordinating agency, does not coordinate.
pub fn coordinates(actor: &Actor, coordinating_agency: Option<AgencyId>) -> bool {
    actor.has(Role::Coordinator) && coordinating_agency == Some(actor.agency_id)
}

/// Whether the staff of `agency_id` could read the subject beyond a つなぐシート — to show
/// whom a record can reach (an agency given a role at a meeting, say) without an actor.
pub fn agency_may_read(agency_id: AgencyId, facts: &PersonFacts, today: NaiveDate) -> bool {
    let staff = Actor {
        user_id: 0,
        municipality_id: facts.municipality_id,
        agency_id,
        roles: crate::identity::Roles::new([Role::Staff]),
    };
    decide(&staff, Action::Read, &Subject::Person(facts), today)
        .view()
        .is_some_and(|v| v != View::ReferralSheet)
}

/// The one access rule. See the module documentation.
pub fn decide(actor: &Actor, action: Action, subject: &Subject<'_>, today: NaiveDate) -> Decision {
    if actor.municipality_id != subject.municipality_id() {
        return Decision::Deny(Denial::OtherMunicipality);
    }
    match subject {
        Subject::Person(facts) => decide_person(actor, action, facts, today),
        Subject::NewPerson { .. } => decide_new_person(actor, action),
        Subject::Meeting(meeting) => decide_meeting(actor, action, meeting),
        Subject::MeetingMinutes(meeting) => decide_minutes(actor, action, meeting),
        Subject::CaseManagement {
            facts,
            holding,
            right,
        } => decide_case_management(actor, action, facts, holding, *right, today),
        Subject::MatchReview { review, person_id } => {
            decide_match_review(actor, action, review, *person_id)
        }
        Subject::MunicipalityConfig { .. } => by_role(
            actor,
            action,
            RoleTable {
                writers: &[Role::Admin],
                readers: &[
                    Role::Coordinator,
                    Role::Staff,
                    Role::CommunityWorker,
                    Role::Auditor,
                ],
                read_denied: "自治体の設定を閲覧する権限がありません",
                write_denied: "自治体の設定を変更できるのはシステム管理者のみです",
            },
        ),
        Subject::Users { .. } => by_role(
            actor,
            action,
            RoleTable {
                writers: &[Role::Admin],
                readers: &[],
                read_denied: "ユーザー管理はシステム管理者のみが行えます",
                write_denied: "ユーザー管理はシステム管理者のみが行えます",
            },
        ),
        Subject::AuditLog { .. } => by_role(
            actor,
            action,
            RoleTable {
                writers: &[],
                readers: &[Role::Auditor],
                read_denied: "監査ログを閲覧できるのは監査担当のみです",
                write_denied: "監査ログは変更できません",
            },
        ),
        Subject::Community { .. } => by_role(
            actor,
            action,
            RoleTable {
                writers: &[Role::CommunityWorker, Role::Coordinator],
                readers: &[Role::Staff],
                read_denied: "地域づくりの情報を閲覧する権限がありません",
                write_denied: "地域づくりの情報を編集できるのは地域づくり担当と相談支援包括化推進員のみです",
            },
        ),
        Subject::Statistics { .. } => by_role(
            actor,
            action,
            RoleTable {
                writers: &[],
                readers: &[
                    Role::Coordinator,
                    Role::Staff,
                    Role::CommunityWorker,
                    Role::Admin,
                ],
                read_denied: "監査担当は統計を閲覧できません",
                write_denied: "統計は記録から集計され、直接変更できません",
            },
        ),
    }
}

/// Permissions on a non-personal subject. Writers also read; within each list the
/// first role the actor holds is named as the basis.
struct RoleTable {
    writers: &'static [Role],
    readers: &'static [Role],
    read_denied: &'static str,
    write_denied: &'static str,
}

fn by_role(actor: &Actor, action: Action, table: RoleTable) -> Decision {
    let held = |roles: &[Role]| roles.iter().copied().find(|r| actor.has(*r));
    match action {
        Action::EmergencyRead => Decision::Deny(Denial::Forbidden(EMERGENCY_PERSON_ONLY)),
        Action::Create | Action::Update | Action::Delete => match held(table.writers) {
            Some(role) => Decision::allow(Basis::Role(role), View::Full),
            None => Decision::Deny(Denial::Forbidden(table.write_denied)),
        },
        Action::Read | Action::Export => {
            if let Some(role) = held(table.writers) {
                Decision::allow(Basis::Role(role), View::Full)
            } else if let Some(role) = held(table.readers) {
                Decision::allow(Basis::Role(role), View::ReadOnly)
            } else {
                Decision::Deny(Denial::Forbidden(table.read_denied))
            }
        }
    }
}

fn decide_new_person(actor: &Actor, action: Action) -> Decision {
    if !may_see_person_data(actor) {
        return Decision::Deny(Denial::Forbidden(NO_PERSON_ROLE));
    }
    match action {
        Action::Create => Decision::allow(Basis::Involvement, View::Full),
        _ => Decision::Deny(Denial::Forbidden(NEW_PERSON_CREATE_ONLY)),
    }
}

fn decide_person(actor: &Actor, action: Action, facts: &PersonFacts, today: NaiveDate) -> Decision {
    if !may_see_person_data(actor) {
        return Decision::Deny(Denial::NotFound(NO_PERSON_ROLE));
    }
    if action == Action::EmergencyRead {
        return Decision::allow(Basis::Emergency, View::ReadOnly);
    }
    let Some(grant) = strongest_grant(actor, facts, today) else {
        return Decision::Deny(Denial::NotFound(NO_BASIS));
    };
    if grant.view.permits(action) {
        Decision::Allow(grant)
    } else if action == Action::Export {
        Decision::Deny(Denial::Forbidden(EXPORT_NEEDS_FULL))
    } else if grant.view == View::ReferralSheet {
        Decision::Deny(Denial::Forbidden(REFERRAL_SHEET_ONLY))
    } else {
        Decision::Deny(Denial::Forbidden(READ_ONLY_BASIS))
    }
}

/// A meeting: its host and the coordinator run it, its members read it. Nobody else
/// learns it exists — except on `Create`, where the meeting is still a draft.
/// Assumes the municipality check has passed.
fn decide_meeting(actor: &Actor, action: Action, meeting: &MeetingFacts) -> Decision {
    if !may_see_person_data(actor) {
        return Decision::Deny(if action == Action::Create {
            Denial::Forbidden(NO_MEETING_ROLE)
        } else {
            Denial::NotFound(NO_MEETING_ROLE)
        });
    }
    let agency = actor.agency_id;
    let manager = if meeting.host_agency_id == agency {
        Some(Basis::MeetingHost)
    } else if coordinates(actor, meeting.coordinating_agency) {
        Some(Basis::Coordination)
    } else {
        None
    };
    let member = meeting.members.iter().any(|m| m.agency_id == agency);
    match (action, manager) {
        // Create is of a draft: there is no meeting to hide, only who may create.
        (Action::Create, None) => Decision::Deny(Denial::Forbidden(NOT_MEETING_MANAGER)),
        (_, None) if !member => Decision::Deny(Denial::NotFound(NOT_IN_MEETING)),
        (Action::EmergencyRead, _) => Decision::Deny(Denial::Forbidden(EMERGENCY_PERSON_ONLY)),
        (_, Some(basis)) => Decision::allow(basis, View::Full),
        // Export is printing what the member reads (the meeting record, its minutes).
        (Action::Read | Action::Export, None) => {
            Decision::allow(Basis::MeetingMember, View::ReadOnly)
        }
        (Action::Update | Action::Delete, None) => {
            Decision::Deny(Denial::Forbidden(NOT_MEETING_MANAGER))
        }
    }
}

/// Minutes: whoever sees the meeting may try; the law on the meeting's kind says who
/// reads ([`may_read_minutes`]). Writing minutes is running the meeting.
fn decide_minutes(actor: &Actor, action: Action, meeting: &MeetingFacts) -> Decision {
    if action.is_write() {
        return decide_meeting(actor, Action::Update, meeting);
    }
    // The meeting's own gates first: no role or no relation is NotFound, break-glass is
    // refused.
    if let Decision::Deny(denial) = decide_meeting(actor, action, meeting) {
        return Decision::Deny(denial);
    }
    let host = meeting.host_agency_id;
    let readable = may_read_minutes(
        meeting.kind,
        actor.agency_id,
        host,
        &meeting.acknowledged(),
        &meeting.participants(),
    );
    match (readable, actor.agency_id == host) {
        (true, true) => Decision::allow(Basis::MeetingHost, View::Full),
        (true, false) => Decision::allow(Basis::MeetingMember, View::ReadOnly),
        (false, _) => Decision::Deny(Denial::Forbidden(match meeting.kind {
            MeetingKind::Support => SUPPORT_MINUTES_CLOSED,
            MeetingKind::Multilayer => MULTILAYER_MINUTES_CLOSED,
        })),
    }
}

/// Managing a case: the person rule first (so its NotFound and Forbidden pass through
/// unchanged and a refusal here never reveals the case), then who holds the case.
fn decide_case_management(
    actor: &Actor,
    action: Action,
    facts: &PersonFacts,
    holding: &CaseHolding,
    right: CaseRight,
    today: NaiveDate,
) -> Decision {
    // Closure ends every write basis, so reopening needs only the agency's history.
    let person_action = match right {
        CaseRight::Manage | CaseRight::HandOver => Action::Update,
        CaseRight::Reopen => Action::Read,
    };
    let grant = match decide_person(actor, person_action, facts, today) {
        Decision::Allow(grant) => grant,
        deny @ Decision::Deny(_) => return deny,
    };
    if action != Action::Update {
        return Decision::Deny(Denial::Forbidden(CASE_MANAGEMENT_UPDATE_ONLY));
    }
    if right == CaseRight::Reopen && !holding.closed {
        return Decision::Deny(Denial::Forbidden(REOPEN_NOT_CLOSED));
    }
    let lead = holding.lead_agency_id == actor.agency_id;
    let coordinator = coordinates(actor, holding.coordinating_agency);
    let holds = match right {
        // 多機関協働 manages while it coordinates: the coordination basis, or the
        // coordinator of an open case not yet handed over (holding another basis).
        CaseRight::Manage | CaseRight::HandOver => {
            lead || grant.basis == Basis::Coordination
                || (coordinator && !holding.closed && !holding.coordination_ended)
        }
        // Those who held the case decide to reopen it: the former lead or 多機関協働.
        CaseRight::Reopen => lead || coordinator,
    };
    if holds {
        Decision::Allow(grant)
    } else {
        Decision::Deny(Denial::Forbidden(NOT_CASE_MANAGER))
    }
}

/// A 名寄せ確認依頼: the coordinator reads either record's identity fields and decides,
/// while it is pending. Assumes the municipality check has passed.
fn decide_match_review(
    actor: &Actor,
    action: Action,
    review: &MatchReviewFacts,
    person_id: i64,
) -> Decision {
    if !may_see_person_data(actor) {
        return Decision::Deny(Denial::NotFound(NO_PERSON_ROLE));
    }
    if !coordinates(actor, review.coordinating_agency) {
        return Decision::Deny(Denial::NotFound(NOT_MATCH_REVIEWER));
    }
    if !review.pending {
        return Decision::Deny(Denial::NotFound(MATCH_REVIEW_DECIDED));
    }
    if !review.pair.contains(&person_id) {
        return Decision::Deny(Denial::NotFound(NOT_IN_MATCH_REVIEW));
    }
    match action {
        Action::Read | Action::Update => Decision::allow(Basis::MatchReview, View::Identity),
        _ => Decision::Deny(Denial::Forbidden(MATCH_REVIEW_READ_OR_DECIDE)),
    }
}

/// The strongest basis the actor holds on the person, with its view; `None` if none.
/// Assumes the role gate and the municipality check have passed.
fn strongest_grant(actor: &Actor, facts: &PersonFacts, today: NaiveDate) -> Option<Grant> {
    let agency = actor.agency_id;
    let own = || facts.involvements.iter().filter(|i| i.agency_id == agency);
    let coordinating = coordinates(
        actor,
        facts
            .coordination
            .as_ref()
            .filter(|c| !c.ended)
            .map(|c| c.coordinating_agency),
    );

    let grant = |basis, view| Some(Grant { basis, view });
    if own().any(|i| i.active) {
        grant(Basis::Involvement, View::Full)
    } else if coordinating {
        grant(Basis::Coordination, View::Full)
    } else if own().next().is_some() {
        grant(Basis::Involvement, View::ReadOnly)
    } else if facts
        .consents
        .iter()
        .any(|c| c.covers_agency(agency, today))
    {
        grant(Basis::Consent, View::ReadOnly)
    } else if facts.support_meetings.iter().any(|m| m.grants(agency)) {
        grant(Basis::SupportMeeting, View::ReadOnly)
    } else if facts.pending_referrals.contains(&agency) {
        grant(Basis::ReferralPending, View::ReferralSheet)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_reaches_a_record_only_through_a_basis() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut facts = PersonFacts::new(1);
        facts.pending_referrals.push(5);
        facts.consents.push(ConsentFact {
            agencies: vec![6],
            meeting: true,
            withdrawn: false,
            expires_on: None,
        });
        assert!(!agency_may_read(5, &facts, today), "a つなぐシート only");
        assert!(agency_may_read(6, &facts, today), "named by the consent");
        assert!(!agency_may_read(7, &facts, today));
        facts.consents[0].withdrawn = true;
        assert!(!agency_may_read(6, &facts, today));
    }
    use crate::identity::Roles;
    use proptest::prelude::*;

    const M: MunicipalityId = 1;
    const OTHER_M: MunicipalityId = 2;
    const A: AgencyId = 10; // the actor's agency
    const B: AgencyId = 20; // another agency

    #[allow(clippy::unwrap_used)] // constant, valid test dates
    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        day(2025, 6, 1)
    }

    fn actor_in(municipality_id: MunicipalityId, agency_id: AgencyId, roles: &[Role]) -> Actor {
        Actor {
            user_id: 100,
            municipality_id,
            agency_id,
            roles: Roles::new(roles.iter().copied()),
        }
    }

    fn actor(roles: &[Role]) -> Actor {
        actor_in(M, A, roles)
    }

    fn involvement(agency_id: AgencyId, kind: InvolvementKind, active: bool) -> Involvement {
        Involvement {
            agency_id,
            kind,
            active,
        }
    }

    fn consent(
        agencies: &[AgencyId],
        withdrawn: bool,
        expires_on: Option<NaiveDate>,
    ) -> ConsentFact {
        ConsentFact {
            agencies: agencies.to_vec(),
            meeting: true,
            withdrawn,
            expires_on,
        }
    }

    fn meeting(members: &[AgencyId], on_agenda: bool, case_closed: bool) -> SupportMeetingFact {
        SupportMeetingFact {
            member_agencies: members.to_vec(),
            on_agenda,
            case_closed,
        }
    }

    fn facts(f: impl FnOnce(&mut PersonFacts)) -> PersonFacts {
        let mut p = PersonFacts::new(M);
        f(&mut p);
        p
    }

    /// A meeting of municipality M; `members` are (agency, acknowledged).
    fn meeting_of(
        kind: MeetingKind,
        host_agency_id: AgencyId,
        members: &[(AgencyId, bool)],
        coordinating_agency: Option<AgencyId>,
    ) -> MeetingFacts {
        MeetingFacts {
            municipality_id: M,
            kind,
            host_agency_id,
            members: members
                .iter()
                .map(|&(agency_id, acknowledged)| MeetingMemberFact {
                    agency_id,
                    acknowledged,
                })
                .collect(),
            coordinating_agency,
        }
    }

    fn holding(
        lead_agency_id: AgencyId,
        closed: bool,
        coordination_ended: bool,
        coordinating_agency: Option<AgencyId>,
    ) -> CaseHolding {
        CaseHolding {
            lead_agency_id,
            closed,
            coordination_ended,
            coordinating_agency,
        }
    }

    fn case<'a>(facts: &'a PersonFacts, holding: &'a CaseHolding, right: CaseRight) -> Subject<'a> {
        Subject::CaseManagement {
            facts,
            holding,
            right,
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        Allow(Basis, View),
        NotFound,
        Forbidden,
    }

    fn matches(decision: Decision, expect: Expect) -> bool {
        match (decision, expect) {
            (Decision::Allow(g), Expect::Allow(b, v)) => g.basis == b && g.view == v,
            (Decision::Deny(d), Expect::NotFound) => d.is_not_found(),
            (Decision::Deny(d), Expect::Forbidden) => !d.is_not_found(),
            _ => false,
        }
    }

    #[test]
    fn decision_table() {
        use Action::*;
        use Expect::{Forbidden as F, NotFound as NF};
        use Role::{Admin, Auditor, CommunityWorker as Cw, Coordinator as Co, Staff};
        let ok = Expect::Allow;
        let full = View::Full;
        let ro = View::ReadOnly;
        let sheet = View::ReferralSheet;

        // Personal facts, all in municipality M, seen from agency A.
        let nobody = PersonFacts::new(M);
        let involved =
            facts(|p| p.involvements = vec![involvement(A, InvolvementKind::Intake, true)]);
        let lead = facts(|p| {
            p.involvements = vec![
                involvement(B, InvolvementKind::Intake, false),
                involvement(A, InvolvementKind::CaseLead, true),
            ]
        });
        let formerly =
            facts(|p| p.involvements = vec![involvement(A, InvolvementKind::CaseInvolved, false)]);
        let other_involved =
            facts(|p| p.involvements = vec![involvement(B, InvolvementKind::CaseLead, true)]);
        let referred = facts(|p| p.pending_referrals = vec![A]);
        let referred_elsewhere = facts(|p| p.pending_referrals = vec![B]);
        let consented = facts(|p| p.consents = vec![consent(&[B, A], false, None)]);
        let consent_until_today = facts(|p| p.consents = vec![consent(&[A], false, Some(today()))]);
        let consent_expired =
            facts(|p| p.consents = vec![consent(&[A], false, Some(day(2025, 5, 31)))]);
        let consent_withdrawn = facts(|p| p.consents = vec![consent(&[A], true, None)]);
        let consent_other_agency = facts(|p| p.consents = vec![consent(&[B], false, None)]);
        let on_agenda = facts(|p| p.support_meetings = vec![meeting(&[A, B], true, false)]);
        let off_agenda = facts(|p| p.support_meetings = vec![meeting(&[A, B], false, false)]);
        let meeting_closed = facts(|p| p.support_meetings = vec![meeting(&[A, B], true, true)]);
        let not_member = facts(|p| p.support_meetings = vec![meeting(&[B], true, false)]);
        let coordinated = facts(|p| {
            p.coordination = Some(CoordinationFact {
                coordinating_agency: A,
                ended: false,
            })
        });
        let coordination_ended = facts(|p| {
            p.coordination = Some(CoordinationFact {
                coordinating_agency: A,
                ended: true,
            })
        });
        let coordinated_by_other = facts(|p| {
            p.coordination = Some(CoordinationFact {
                coordinating_agency: B,
                ended: false,
            })
        });
        let everything = facts(|p| {
            p.involvements = vec![involvement(A, InvolvementKind::ReferralAccepted, true)];
            p.pending_referrals = vec![A];
            p.consents = vec![consent(&[A], false, None)];
            p.support_meetings = vec![meeting(&[A], true, false)];
            p.coordination = Some(CoordinationFact {
                coordinating_agency: A,
                ended: false,
            });
        });
        let formerly_but_coordinating = facts(|p| {
            p.involvements = vec![involvement(A, InvolvementKind::Intake, false)];
            p.coordination = Some(CoordinationFact {
                coordinating_agency: A,
                ended: false,
            });
        });
        let consent_and_meeting_and_referral = facts(|p| {
            p.pending_referrals = vec![A];
            p.consents = vec![consent(&[A], false, None)];
            p.support_meetings = vec![meeting(&[A], true, false)];
        });
        let meeting_and_referral = facts(|p| {
            p.pending_referrals = vec![A];
            p.support_meetings = vec![meeting(&[A], true, false)];
        });
        let foreign = PersonFacts {
            municipality_id: OTHER_M,
            ..everything.clone()
        };

        let m = M;
        let o = OTHER_M;
        let p = Subject::Person;
        let config = Subject::MunicipalityConfig { municipality_id: m };
        let users = Subject::Users { municipality_id: m };
        let audit = Subject::AuditLog { municipality_id: m };
        let community = Subject::Community { municipality_id: m };
        let stats = Subject::Statistics { municipality_id: m };
        let new_person = Subject::NewPerson { municipality_id: m };

        let staff = actor(&[Staff]);
        let coord = actor(&[Co]);
        let admin = actor(&[Admin]);
        let auditor = actor(&[Auditor]);
        let cw = actor(&[Cw]);
        let cw_staff = actor(&[Cw, Staff]);
        let admin_staff = actor(&[Admin, Staff]);
        let auditor_coord = actor(&[Auditor, Co]);
        let no_roles = actor(&[]);
        let coord_staff = actor(&[Co, Staff]);

        // Meetings, seen from agency A; C is a coordinating agency other than A.
        const C: AgencyId = 30;
        use MeetingKind::{Multilayer, Support};
        let hosted = meeting_of(Support, A, &[(A, false), (B, true)], Some(C));
        let attended = meeting_of(Support, B, &[(B, true), (A, true)], Some(C));
        let attended_unacknowledged = meeting_of(Support, B, &[(B, true), (A, false)], Some(C));
        let multilayer_attended = meeting_of(Multilayer, B, &[(B, true), (A, false)], Some(C));
        let coordinated_meeting = meeting_of(Support, B, &[(B, true)], Some(A));
        let outside = meeting_of(Support, B, &[(B, true)], Some(C));
        let foreign_meeting = MeetingFacts {
            municipality_id: OTHER_M,
            ..hosted.clone()
        };
        let draft_own = meeting_of(Multilayer, A, &[], Some(C));
        let draft_other = meeting_of(Multilayer, B, &[], Some(C));
        let draft_coordinated = meeting_of(Multilayer, B, &[], Some(A));
        let coordinating_member = meeting_of(Support, B, &[(A, true)], Some(A));
        let foreign_draft = MeetingFacts {
            municipality_id: OTHER_M,
            ..draft_own.clone()
        };
        let mt = Subject::Meeting;
        let minutes = Subject::MeetingMinutes;

        // Case holdings: who leads, closed, handed over, the coordinating agency.
        let led_by_a = holding(A, false, false, Some(C));
        let led_by_b = holding(B, false, false, Some(C));
        let led_by_b_coordinated_by_a = holding(B, false, false, Some(A));
        let handed_over_by_a = holding(B, false, true, Some(A));
        let closed_led_by_a = holding(A, true, true, Some(C));
        let closed_led_by_b = holding(B, true, true, Some(C));
        let closed_coordinated_by_a = holding(B, true, true, Some(A));
        let formerly_lead =
            facts(|p| p.involvements = vec![involvement(A, InvolvementKind::CaseLead, false)]);
        use CaseRight::{HandOver, Manage, Reopen};

        // 名寄せ確認依頼 of records 1 and 2, the coordinating agency A (or C).
        let review_of = |coordinating_agency, pending| MatchReviewFacts {
            municipality_id: M,
            coordinating_agency: Some(coordinating_agency),
            pending,
            pair: [1, 2],
        };
        let pending_review = review_of(A, true);
        let decided_review = review_of(A, false);
        let review_elsewhere = review_of(C, true);
        let foreign_review = MatchReviewFacts {
            municipality_id: OTHER_M,
            ..pending_review
        };
        let review = |review, person_id| Subject::MatchReview { review, person_id };
        let other_coord = actor_in(M, B, &[Co]);
        let identity = View::Identity;

        let rows: Vec<(&str, &Actor, Action, Subject<'_>, Expect)> = vec![
            // --- each basis allows ---
            (
                "staff, active intake involvement: read full",
                &staff,
                Read,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, active involvement: update",
                &staff,
                Update,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, active involvement: create (support log)",
                &staff,
                Create,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, active involvement: delete",
                &staff,
                Delete,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, active involvement: export",
                &staff,
                Export,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, lead agency among others: update",
                &staff,
                Update,
                p(&lead),
                ok(Basis::Involvement, full),
            ),
            (
                "staff, ended involvement: history readable",
                &staff,
                Read,
                p(&formerly),
                ok(Basis::Involvement, ro),
            ),
            (
                "staff, ended involvement: no update",
                &staff,
                Update,
                p(&formerly),
                F,
            ),
            (
                "staff, ended involvement: no export",
                &staff,
                Export,
                p(&formerly),
                F,
            ),
            (
                "staff, pending referral: referral sheet",
                &staff,
                Read,
                p(&referred),
                ok(Basis::ReferralPending, sheet),
            ),
            (
                "staff, pending referral: no update",
                &staff,
                Update,
                p(&referred),
                F,
            ),
            (
                "staff, pending referral: no export",
                &staff,
                Export,
                p(&referred),
                F,
            ),
            (
                "staff, referral to another agency: not found",
                &staff,
                Read,
                p(&referred_elsewhere),
                NF,
            ),
            (
                "staff, consent naming agency: read only",
                &staff,
                Read,
                p(&consented),
                ok(Basis::Consent, ro),
            ),
            (
                "staff, consent: no update",
                &staff,
                Update,
                p(&consented),
                F,
            ),
            (
                "staff, consent: no create",
                &staff,
                Create,
                p(&consented),
                F,
            ),
            (
                "staff, consent: no export",
                &staff,
                Export,
                p(&consented),
                F,
            ),
            (
                "staff, consent valid through today",
                &staff,
                Read,
                p(&consent_until_today),
                ok(Basis::Consent, ro),
            ),
            (
                "staff, consent expired yesterday: not found",
                &staff,
                Read,
                p(&consent_expired),
                NF,
            ),
            (
                "staff, consent withdrawn: not found",
                &staff,
                Read,
                p(&consent_withdrawn),
                NF,
            ),
            (
                "staff, consent names other agency only: not found",
                &staff,
                Read,
                p(&consent_other_agency),
                NF,
            ),
            (
                "staff, support meeting member, on agenda: read only",
                &staff,
                Read,
                p(&on_agenda),
                ok(Basis::SupportMeeting, ro),
            ),
            (
                "staff, support meeting: no update",
                &staff,
                Update,
                p(&on_agenda),
                F,
            ),
            (
                "staff, support meeting, off agenda: not found",
                &staff,
                Read,
                p(&off_agenda),
                NF,
            ),
            (
                "staff, support meeting, case closed: not found",
                &staff,
                Read,
                p(&meeting_closed),
                NF,
            ),
            (
                "staff, support meeting, agency not acknowledged member: not found",
                &staff,
                Read,
                p(&not_member),
                NF,
            ),
            (
                "coordinator at coordinating agency: read full",
                &coord,
                Read,
                p(&coordinated),
                ok(Basis::Coordination, full),
            ),
            (
                "coordinator at coordinating agency: update",
                &coord,
                Update,
                p(&coordinated),
                ok(Basis::Coordination, full),
            ),
            (
                "coordinator at coordinating agency: export",
                &coord,
                Export,
                p(&coordinated),
                ok(Basis::Coordination, full),
            ),
            (
                "coordinator, coordination ended: not found",
                &coord,
                Read,
                p(&coordination_ended),
                NF,
            ),
            (
                "coordinator, other agency coordinates: not found",
                &coord,
                Read,
                p(&coordinated_by_other),
                NF,
            ),
            (
                "plain staff at coordinating agency: no coordination basis",
                &staff,
                Read,
                p(&coordinated),
                NF,
            ),
            ("no basis at all: not found", &staff, Read, p(&nobody), NF),
            (
                "no basis: write is not found, not forbidden",
                &staff,
                Update,
                p(&nobody),
                NF,
            ),
            (
                "other agency involved only: not found",
                &staff,
                Read,
                p(&other_involved),
                NF,
            ),
            // --- strongest basis wins ---
            (
                "all bases: involvement named",
                &coord,
                Read,
                p(&everything),
                ok(Basis::Involvement, full),
            ),
            (
                "ended involvement + coordination: coordination (full) named",
                &coord,
                Update,
                p(&formerly_but_coordinating),
                ok(Basis::Coordination, full),
            ),
            (
                "ended involvement, staff without coordinator role: history only",
                &staff,
                Read,
                p(&formerly_but_coordinating),
                ok(Basis::Involvement, ro),
            ),
            (
                "consent beats support meeting and referral",
                &staff,
                Read,
                p(&consent_and_meeting_and_referral),
                ok(Basis::Consent, ro),
            ),
            (
                "support meeting beats referral",
                &staff,
                Read,
                p(&meeting_and_referral),
                ok(Basis::SupportMeeting, ro),
            ),
            // --- emergency ---
            (
                "staff emergency read without basis",
                &staff,
                EmergencyRead,
                p(&nobody),
                ok(Basis::Emergency, ro),
            ),
            (
                "coordinator emergency read",
                &coord,
                EmergencyRead,
                p(&other_involved),
                ok(Basis::Emergency, ro),
            ),
            (
                "emergency read names emergency even when involved",
                &staff,
                EmergencyRead,
                p(&involved),
                ok(Basis::Emergency, ro),
            ),
            (
                "admin emergency read: not found",
                &admin,
                EmergencyRead,
                p(&nobody),
                NF,
            ),
            (
                "community worker emergency read: not found",
                &cw,
                EmergencyRead,
                p(&nobody),
                NF,
            ),
            (
                "emergency read on configuration: forbidden",
                &staff,
                EmergencyRead,
                config,
                F,
            ),
            // --- role limits on personal data ---
            (
                "admin with involved agency: not found",
                &admin,
                Read,
                p(&involved),
                NF,
            ),
            (
                "auditor with involved agency: not found",
                &auditor,
                Read,
                p(&involved),
                NF,
            ),
            (
                "community worker with involved agency: not found",
                &cw,
                Read,
                p(&involved),
                NF,
            ),
            (
                "community worker + staff: involvement",
                &cw_staff,
                Update,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "admin + staff: involvement",
                &admin_staff,
                Read,
                p(&involved),
                ok(Basis::Involvement, full),
            ),
            (
                "auditor + coordinator: coordination",
                &auditor_coord,
                Update,
                p(&coordinated),
                ok(Basis::Coordination, full),
            ),
            ("no roles: not found", &no_roles, Read, p(&involved), NF),
            // --- new person (intake) ---
            (
                "staff creates a new person",
                &staff,
                Create,
                new_person,
                ok(Basis::Involvement, full),
            ),
            (
                "coordinator creates a new person",
                &coord,
                Create,
                new_person,
                ok(Basis::Involvement, full),
            ),
            (
                "admin cannot create a person",
                &admin,
                Create,
                new_person,
                F,
            ),
            (
                "community worker cannot create a person",
                &cw,
                Create,
                new_person,
                F,
            ),
            (
                "new person: read makes no sense",
                &staff,
                Read,
                new_person,
                F,
            ),
            (
                "new person in other municipality: not found",
                &staff,
                Create,
                Subject::NewPerson { municipality_id: o },
                NF,
            ),
            // --- municipality configuration ---
            (
                "staff reads configuration",
                &staff,
                Read,
                config,
                ok(Basis::Role(Staff), ro),
            ),
            (
                "auditor reads configuration",
                &auditor,
                Read,
                config,
                ok(Basis::Role(Auditor), ro),
            ),
            (
                "community worker reads configuration",
                &cw,
                Read,
                config,
                ok(Basis::Role(Cw), ro),
            ),
            (
                "admin reads configuration with full view",
                &admin_staff,
                Read,
                config,
                ok(Basis::Role(Admin), full),
            ),
            (
                "admin updates configuration",
                &admin,
                Update,
                config,
                ok(Basis::Role(Admin), full),
            ),
            (
                "coordinator cannot update configuration",
                &coord,
                Update,
                config,
                F,
            ),
            ("staff cannot create an agency", &staff, Create, config, F),
            (
                "no roles cannot read configuration",
                &no_roles,
                Read,
                config,
                F,
            ),
            // --- users ---
            (
                "admin manages users",
                &admin,
                Create,
                users,
                ok(Basis::Role(Admin), full),
            ),
            (
                "admin reads users",
                &admin,
                Read,
                users,
                ok(Basis::Role(Admin), full),
            ),
            ("staff cannot read users: forbidden", &staff, Read, users, F),
            (
                "auditor cannot read users: forbidden",
                &auditor,
                Read,
                users,
                F,
            ),
            // --- audit log ---
            (
                "auditor reads audit log",
                &auditor,
                Read,
                audit,
                ok(Basis::Role(Auditor), ro),
            ),
            (
                "auditor exports audit log",
                &auditor,
                Export,
                audit,
                ok(Basis::Role(Auditor), ro),
            ),
            (
                "auditor cannot delete audit log",
                &auditor,
                Delete,
                audit,
                F,
            ),
            ("admin cannot read audit log", &admin, Read, audit, F),
            ("staff cannot read audit log", &staff, Read, audit, F),
            // --- community ---
            (
                "community worker writes community",
                &cw,
                Create,
                community,
                ok(Basis::Role(Cw), full),
            ),
            (
                "coordinator writes community",
                &coord,
                Update,
                community,
                ok(Basis::Role(Co), full),
            ),
            (
                "staff reads community",
                &staff,
                Read,
                community,
                ok(Basis::Role(Staff), ro),
            ),
            (
                "staff + community worker: full view",
                &cw_staff,
                Read,
                community,
                ok(Basis::Role(Cw), full),
            ),
            ("staff cannot write community", &staff, Update, community, F),
            ("admin cannot read community", &admin, Read, community, F),
            (
                "auditor cannot read community",
                &auditor,
                Read,
                community,
                F,
            ),
            // --- statistics ---
            (
                "staff reads statistics",
                &staff,
                Read,
                stats,
                ok(Basis::Role(Staff), ro),
            ),
            (
                "admin exports statistics",
                &admin,
                Export,
                stats,
                ok(Basis::Role(Admin), ro),
            ),
            (
                "community worker exports statistics",
                &cw,
                Export,
                stats,
                ok(Basis::Role(Cw), ro),
            ),
            ("auditor cannot read statistics", &auditor, Read, stats, F),
            (
                "auditor + coordinator reads statistics",
                &auditor_coord,
                Read,
                stats,
                ok(Basis::Role(Co), ro),
            ),
            ("nobody writes statistics", &admin, Update, stats, F),
            // --- another municipality: not found for every role and subject ---
            (
                "other municipality person, staff",
                &staff,
                Read,
                p(&foreign),
                NF,
            ),
            (
                "other municipality person, emergency",
                &staff,
                EmergencyRead,
                p(&foreign),
                NF,
            ),
            (
                "other municipality config, admin",
                &admin,
                Update,
                Subject::MunicipalityConfig { municipality_id: o },
                NF,
            ),
            (
                "other municipality config, staff read",
                &staff,
                Read,
                Subject::MunicipalityConfig { municipality_id: o },
                NF,
            ),
            (
                "other municipality users, admin",
                &admin,
                Read,
                Subject::Users { municipality_id: o },
                NF,
            ),
            (
                "other municipality audit log, auditor",
                &auditor,
                Read,
                Subject::AuditLog { municipality_id: o },
                NF,
            ),
            (
                "other municipality community, community worker",
                &cw,
                Read,
                Subject::Community { municipality_id: o },
                NF,
            ),
            (
                "other municipality statistics, coordinator",
                &coord,
                Export,
                Subject::Statistics { municipality_id: o },
                NF,
            ),
            // --- meetings: read ---
            (
                "meeting read by host agency",
                &staff,
                Read,
                mt(&hosted),
                ok(Basis::MeetingHost, full),
            ),
            (
                "meeting read by member agency: read only",
                &staff,
                Read,
                mt(&attended),
                ok(Basis::MeetingMember, ro),
            ),
            (
                "meeting read by member, not yet acknowledged: read only",
                &staff,
                Read,
                mt(&attended_unacknowledged),
                ok(Basis::MeetingMember, ro),
            ),
            (
                "meeting printed by member",
                &staff,
                Export,
                mt(&attended),
                ok(Basis::MeetingMember, ro),
            ),
            (
                "meeting read by coordinator of coordinating agency",
                &coord,
                Read,
                mt(&coordinated_meeting),
                ok(Basis::Coordination, full),
            ),
            (
                "coordinator who is also a member: coordination named",
                &coord,
                Read,
                mt(&coordinating_member),
                ok(Basis::Coordination, full),
            ),
            (
                "meeting read by plain staff of coordinating agency: not found",
                &staff,
                Read,
                mt(&coordinated_meeting),
                NF,
            ),
            (
                "meeting read by coordinator of another agency: not found",
                &coord,
                Read,
                mt(&outside),
                NF,
            ),
            (
                "meeting read by other agency: not found",
                &staff,
                Read,
                mt(&outside),
                NF,
            ),
            (
                "meeting of other municipality: not found",
                &staff,
                Read,
                mt(&foreign_meeting),
                NF,
            ),
            (
                "meeting read by admin of host agency: not found",
                &admin,
                Read,
                mt(&hosted),
                NF,
            ),
            (
                "meeting read by community worker of host agency: not found",
                &cw,
                Read,
                mt(&hosted),
                NF,
            ),
            (
                "meeting emergency read by host: forbidden",
                &staff,
                EmergencyRead,
                mt(&hosted),
                F,
            ),
            (
                "meeting emergency read by other agency: not found",
                &staff,
                EmergencyRead,
                mt(&outside),
                NF,
            ),
            // --- meetings: run ---
            (
                "meeting updated by host",
                &staff,
                Update,
                mt(&hosted),
                ok(Basis::MeetingHost, full),
            ),
            (
                "meeting updated by member: forbidden",
                &staff,
                Update,
                mt(&attended),
                F,
            ),
            (
                "meeting member removed by member: forbidden",
                &staff,
                Delete,
                mt(&attended),
                F,
            ),
            (
                "meeting updated by coordinator",
                &coord,
                Update,
                mt(&coordinated_meeting),
                ok(Basis::Coordination, full),
            ),
            (
                "meeting updated by other agency: not found",
                &staff,
                Update,
                mt(&outside),
                NF,
            ),
            (
                "meeting updated by admin of host agency: not found",
                &admin,
                Update,
                mt(&hosted),
                NF,
            ),
            (
                "meeting created with own agency as host",
                &staff,
                Create,
                mt(&draft_own),
                ok(Basis::MeetingHost, full),
            ),
            (
                "meeting created with another agency as host: forbidden",
                &staff,
                Create,
                mt(&draft_other),
                F,
            ),
            (
                "meeting created by coordinator for another host",
                &coord,
                Create,
                mt(&draft_coordinated),
                ok(Basis::Coordination, full),
            ),
            (
                "meeting created by admin: forbidden",
                &admin,
                Create,
                mt(&draft_own),
                F,
            ),
            (
                "meeting created in other municipality: not found",
                &staff,
                Create,
                mt(&foreign_draft),
                NF,
            ),
            // --- minutes ---
            (
                "support meeting minutes: acknowledged member reads",
                &staff,
                Read,
                minutes(&attended),
                ok(Basis::MeetingMember, ro),
            ),
            (
                "support meeting minutes: unacknowledged member forbidden",
                &staff,
                Read,
                minutes(&attended_unacknowledged),
                F,
            ),
            (
                "support meeting minutes: host reads (own acknowledgement pending)",
                &staff,
                Read,
                minutes(&hosted),
                ok(Basis::MeetingHost, full),
            ),
            (
                "multilayer meeting minutes: participant reads",
                &staff,
                Read,
                minutes(&multilayer_attended),
                ok(Basis::MeetingMember, ro),
            ),
            (
                "minutes: coordinator who is no member forbidden",
                &coord,
                Read,
                minutes(&coordinated_meeting),
                F,
            ),
            (
                "minutes: other agency not found",
                &staff,
                Read,
                minutes(&outside),
                NF,
            ),
            (
                "minutes: admin of host agency not found",
                &admin,
                Read,
                minutes(&hosted),
                NF,
            ),
            (
                "minutes of other municipality: not found",
                &staff,
                Read,
                minutes(&foreign_meeting),
                NF,
            ),
            (
                "minutes: emergency read forbidden",
                &staff,
                EmergencyRead,
                minutes(&hosted),
                F,
            ),
            (
                "minutes written by host",
                &staff,
                Update,
                minutes(&hosted),
                ok(Basis::MeetingHost, full),
            ),
            (
                "minutes recorded by coordinator",
                &coord,
                Create,
                minutes(&coordinated_meeting),
                ok(Basis::Coordination, full),
            ),
            (
                "minutes written by member: forbidden",
                &staff,
                Update,
                minutes(&attended),
                F,
            ),
            (
                "minutes written by other agency: not found",
                &staff,
                Create,
                minutes(&outside),
                NF,
            ),
            // --- case management ---
            (
                "manage: lead agency",
                &staff,
                Update,
                case(&lead, &led_by_a, Manage),
                ok(Basis::Involvement, full),
            ),
            (
                "manage: involved agency that does not lead: forbidden",
                &staff,
                Update,
                case(&involved, &led_by_b, Manage),
                F,
            ),
            (
                "manage: coordinator while coordinating",
                &coord,
                Update,
                case(&coordinated, &led_by_b_coordinated_by_a, Manage),
                ok(Basis::Coordination, full),
            ),
            (
                "manage: coordinator, involved, coordinating: involvement named",
                &coord,
                Update,
                case(&involved, &led_by_b_coordinated_by_a, Manage),
                ok(Basis::Involvement, full),
            ),
            (
                "manage: coordinator, involved, after hand-over: forbidden",
                &coord,
                Update,
                case(&involved, &handed_over_by_a, Manage),
                F,
            ),
            (
                "manage: coordinator after hand-over, no other basis: not found",
                &coord,
                Update,
                case(&coordination_ended, &handed_over_by_a, Manage),
                NF,
            ),
            (
                "manage: plain staff of coordinating agency, involved: forbidden",
                &staff,
                Update,
                case(&involved, &led_by_b_coordinated_by_a, Manage),
                F,
            ),
            (
                "manage: read-only basis (consent): forbidden",
                &staff,
                Update,
                case(&consented, &led_by_b, Manage),
                F,
            ),
            (
                "manage: lead agency on paper, consent only: forbidden",
                &staff,
                Update,
                case(&consented, &led_by_a, Manage),
                F,
            ),
            (
                "manage: no basis: not found",
                &staff,
                Update,
                case(&nobody, &led_by_a, Manage),
                NF,
            ),
            (
                "manage: admin of lead agency: not found",
                &admin,
                Update,
                case(&lead, &led_by_a, Manage),
                NF,
            ),
            (
                "manage: other municipality: not found",
                &staff,
                Update,
                case(&foreign, &led_by_a, Manage),
                NF,
            ),
            (
                "manage decided with read: forbidden",
                &staff,
                Read,
                case(&lead, &led_by_a, Manage),
                F,
            ),
            (
                "hand over: lead agency",
                &staff,
                Update,
                case(&lead, &led_by_a, HandOver),
                ok(Basis::Involvement, full),
            ),
            (
                "hand over: coordinator while coordinating",
                &coord_staff,
                Update,
                case(&coordinated, &led_by_b_coordinated_by_a, HandOver),
                ok(Basis::Coordination, full),
            ),
            (
                "hand over: involved agency that does not lead: forbidden",
                &staff,
                Update,
                case(&involved, &led_by_b, HandOver),
                F,
            ),
            (
                "reopen: former lead of a closed case",
                &staff,
                Update,
                case(&formerly_lead, &closed_led_by_a, Reopen),
                ok(Basis::Involvement, ro),
            ),
            (
                "reopen: coordinator of coordinating agency",
                &coord,
                Update,
                case(&formerly, &closed_coordinated_by_a, Reopen),
                ok(Basis::Involvement, ro),
            ),
            (
                "reopen: plain staff of coordinating agency: forbidden",
                &staff,
                Update,
                case(&formerly, &closed_coordinated_by_a, Reopen),
                F,
            ),
            (
                "reopen: another formerly involved agency: forbidden",
                &staff,
                Update,
                case(&formerly, &closed_led_by_b, Reopen),
                F,
            ),
            (
                "reopen: open case: forbidden",
                &staff,
                Update,
                case(&lead, &led_by_a, Reopen),
                F,
            ),
            (
                "reopen: no basis: not found",
                &staff,
                Update,
                case(&nobody, &closed_led_by_a, Reopen),
                NF,
            ),
            // --- 名寄せ確認依頼: the coordinator, that pair, while pending ---
            (
                "match review: coordinator reads the requested record's identity",
                &coord,
                Read,
                review(&pending_review, 1),
                ok(Basis::MatchReview, identity),
            ),
            (
                "match review: coordinator reads the candidate's identity",
                &coord_staff,
                Read,
                review(&pending_review, 2),
                ok(Basis::MatchReview, identity),
            ),
            (
                "match review: coordinator decides it",
                &coord,
                Update,
                review(&pending_review, 1),
                ok(Basis::MatchReview, identity),
            ),
            (
                "match review: a record outside the pair: not found",
                &coord,
                Read,
                review(&pending_review, 3),
                NF,
            ),
            (
                "match review: decided, the basis has ended: not found",
                &coord,
                Read,
                review(&decided_review, 1),
                NF,
            ),
            (
                "match review: decided, no second decision: not found",
                &coord,
                Update,
                review(&decided_review, 2),
                NF,
            ),
            (
                "match review: plain staff of the coordinating agency: not found",
                &staff,
                Read,
                review(&pending_review, 1),
                NF,
            ),
            (
                "match review: coordinator of another agency: not found",
                &other_coord,
                Read,
                review(&pending_review, 1),
                NF,
            ),
            (
                "match review: coordinating agency is another: not found",
                &coord,
                Read,
                review(&review_elsewhere, 1),
                NF,
            ),
            (
                "match review: admin: not found",
                &admin,
                Read,
                review(&pending_review, 1),
                NF,
            ),
            (
                "match review: another municipality: not found",
                &coord,
                Read,
                review(&foreign_review, 1),
                NF,
            ),
            (
                "match review: no export of the identity fields",
                &coord,
                Export,
                review(&pending_review, 1),
                F,
            ),
            (
                "match review: no break-glass through it",
                &coord,
                EmergencyRead,
                review(&pending_review, 1),
                F,
            ),
            (
                "match review: nothing is created or deleted on it",
                &coord,
                Delete,
                review(&pending_review, 1),
                F,
            ),
        ];
        assert!(rows.len() >= 40);

        let failures: Vec<String> = rows
            .iter()
            .filter_map(|(description, actor, action, subject, expect)| {
                let got = decide(actor, *action, subject, today());
                (!matches(got, *expect))
                    .then(|| format!("{description}: expected {expect:?}, got {got:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} row(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn basis_codes_round_trip() {
        let all = [
            Basis::Involvement,
            Basis::ReferralPending,
            Basis::Consent,
            Basis::SupportMeeting,
            Basis::Coordination,
            Basis::Emergency,
            Basis::MeetingHost,
            Basis::MeetingMember,
            Basis::MatchReview,
        ]
        .into_iter()
        .chain(Role::ALL.into_iter().map(Basis::Role));
        for basis in all {
            assert_eq!(Basis::from_code(basis.code()), Some(basis));
            assert!(!basis.label().is_empty());
        }
        assert_eq!(Basis::Involvement.code(), "involvement");
        assert_eq!(Basis::MeetingHost.code(), "meeting_host");
        assert_eq!(Basis::MeetingMember.label(), "会議の構成員");
        assert!(Basis::MeetingHost.is_personal() && Basis::MeetingMember.is_personal());
        assert_eq!(Basis::from_code("nonsense"), None);
    }

    /// The guard audits every allowed access to a personal subject, reads included, and
    /// of the rest only writes and exports: which subjects are personal decides whether a
    /// read of a person, a meeting or its minutes leaves a trace.
    #[test]
    fn personal_subjects_are_the_ones_whose_reads_are_audited() {
        let p = PersonFacts::new(M);
        let m = meeting_of(MeetingKind::Support, A, &[], None);
        let h = holding(A, false, false, None);
        let table = [
            (Subject::MunicipalityConfig { municipality_id: M }, false),
            (Subject::Users { municipality_id: M }, false),
            (Subject::AuditLog { municipality_id: M }, false),
            (Subject::Community { municipality_id: M }, false),
            (Subject::Statistics { municipality_id: M }, false),
            (Subject::Person(&p), true),
            (Subject::NewPerson { municipality_id: M }, true),
            (Subject::Meeting(&m), true),
            (Subject::MeetingMinutes(&m), true),
            (case(&p, &h, CaseRight::Manage), true),
            (
                Subject::MatchReview {
                    review: &MatchReviewFacts {
                        municipality_id: M,
                        coordinating_agency: None,
                        pending: true,
                        pair: [1, 2],
                    },
                    person_id: 1,
                },
                true,
            ),
        ];
        for (subject, personal) in table {
            assert_eq!(subject.is_personal(), personal, "{subject:?}");
        }
    }

    /// A role basis allows only non-personal subjects; the eight others are the bases for
    /// personal data (the property tests lean on this to check personal grants).
    #[test]
    fn only_role_bases_are_not_personal() {
        let personal = [
            Basis::Involvement,
            Basis::ReferralPending,
            Basis::Consent,
            Basis::SupportMeeting,
            Basis::Coordination,
            Basis::Emergency,
            Basis::MeetingHost,
            Basis::MeetingMember,
            Basis::MatchReview,
        ];
        for basis in personal {
            assert!(basis.is_personal(), "{basis:?}");
        }
        for role in Role::ALL {
            assert!(!Basis::Role(role).is_personal(), "{role:?}");
        }
    }

    /// The view's code goes out in the API's `view` field and its label on the record's
    /// page: pinned, so that a rename is a visible change for the clients.
    #[test]
    fn views_have_stable_codes_and_labels() {
        let table = [
            (View::Full, "full", "すべての項目"),
            (
                View::ReferralSheet,
                "referral_sheet",
                "つなぐシートの項目のみ",
            ),
            (View::ReadOnly, "read_only", "閲覧のみ"),
            (
                View::Identity,
                "identity",
                "氏名・フリガナ・生年月日・住所のみ",
            ),
        ];
        for (view, code, label) in table {
            assert_eq!(view.code(), code);
            assert_eq!(view.label(), label);
        }
    }

    #[test]
    fn denials_carry_japanese_reasons() {
        let d = decide(
            &actor(&[Role::Staff]),
            Action::Read,
            &Subject::Person(&PersonFacts::new(M)),
            today(),
        );
        assert!(
            d.denial()
                .is_some_and(|d| d.is_not_found() && !d.reason().is_empty())
        );
        assert_eq!(d.basis(), None);
        assert_eq!(d.view(), None);
        assert!(!d.is_allowed());
    }

    /// An allowed decision hands back the basis the guard audits and the view it shows.
    #[test]
    fn an_allowed_decision_carries_its_basis_and_view() {
        let d = decide(
            &actor(&[Role::Staff]),
            Action::Read,
            &Subject::Person(&facts(|p| {
                p.involvements
                    .push(involvement(A, InvolvementKind::Intake, true));
            })),
            today(),
        );
        assert!(d.is_allowed());
        assert_eq!(d.basis(), Some(Basis::Involvement));
        assert_eq!(d.view(), Some(View::Full));
        assert_eq!(d.denial(), None);
    }

    #[test]
    fn coordinates_needs_the_role_and_the_coordinating_agency() {
        let coordinator = actor(&[Role::Coordinator]);
        assert!(coordinates(&coordinator, Some(A)));
        assert!(
            !coordinates(&coordinator, Some(B)),
            "another agency coordinates"
        );
        assert!(!coordinates(&coordinator, None), "nobody coordinates");
        assert!(
            !coordinates(&actor(&[Role::Staff]), Some(A)),
            "role missing"
        );
        assert!(coordinates(
            &actor(&[Role::Staff, Role::Coordinator]),
            Some(A)
        ));
    }

    #[test]
    fn meeting_facts_helpers() {
        let m = meeting_of(MeetingKind::Support, A, &[(A, false), (B, true)], None);
        assert_eq!(m.acknowledged(), vec![B]);
        assert_eq!(m.participants(), vec![A, B]);
    }

    #[test]
    fn meeting_and_case_denials_name_their_reason() {
        let reason = |d: Decision| d.denial().map(Denial::reason);
        let staff = actor(&[Role::Staff]);
        let attended = meeting_of(MeetingKind::Support, B, &[(A, true)], None);
        assert_eq!(
            reason(decide(
                &staff,
                Action::Update,
                &Subject::Meeting(&attended),
                today()
            )),
            Some(NOT_MEETING_MANAGER)
        );
        let outside = meeting_of(MeetingKind::Support, B, &[], None);
        assert_eq!(
            reason(decide(
                &staff,
                Action::Read,
                &Subject::Meeting(&outside),
                today()
            )),
            Some(NOT_IN_MEETING)
        );
        assert_eq!(
            reason(decide(
                &actor(&[Role::Admin]),
                Action::Create,
                &Subject::Meeting(&outside),
                today()
            )),
            Some(NO_MEETING_ROLE)
        );
        let unacknowledged = meeting_of(MeetingKind::Support, B, &[(A, false)], None);
        assert_eq!(
            reason(decide(
                &staff,
                Action::Read,
                &Subject::MeetingMinutes(&unacknowledged),
                today()
            )),
            Some(SUPPORT_MINUTES_CLOSED)
        );
        let coordinator = actor(&[Role::Coordinator]);
        let coordinated = meeting_of(MeetingKind::Multilayer, B, &[], Some(A));
        assert_eq!(
            reason(decide(
                &coordinator,
                Action::Read,
                &Subject::MeetingMinutes(&coordinated),
                today()
            )),
            Some(MULTILAYER_MINUTES_CLOSED)
        );
        let involved =
            facts(|p| p.involvements = vec![involvement(A, InvolvementKind::CaseInvolved, true)]);
        let open = holding(B, false, false, None);
        assert_eq!(
            reason(decide(
                &staff,
                Action::Update,
                &case(&involved, &open, CaseRight::Manage),
                today()
            )),
            Some(NOT_CASE_MANAGER)
        );
        assert_eq!(
            reason(decide(
                &staff,
                Action::Update,
                &case(&involved, &open, CaseRight::Reopen),
                today()
            )),
            Some(REOPEN_NOT_CLOSED)
        );
        let consented = facts(|p| p.consents = vec![consent(&[A], false, None)]);
        assert_eq!(
            reason(decide(
                &staff,
                Action::Update,
                &case(&consented, &open, CaseRight::Manage),
                today()
            )),
            Some(READ_ONLY_BASIS),
            "the person rule's denial passes through"
        );
    }

    #[test]
    fn meeting_consent_helper() {
        let p = facts(|p| p.consents = vec![consent(&[A], false, Some(day(2025, 5, 31)))]);
        assert!(!p.has_meeting_consent(today()));
        assert!(p.has_meeting_consent(day(2025, 5, 31)));
    }

    fn any_role_set() -> impl Strategy<Value = Roles> {
        proptest::collection::vec(proptest::sample::select(Role::ALL.to_vec()), 0..=5)
            .prop_map(Roles::new)
    }

    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3650).prop_map(|d| day(2020, 1, 1) + chrono::Days::new(d.unsigned_abs()))
    }

    fn any_kind() -> impl Strategy<Value = InvolvementKind> {
        proptest::sample::select(vec![
            InvolvementKind::Registered,
            InvolvementKind::Intake,
            InvolvementKind::ReferralAccepted,
            InvolvementKind::CaseLead,
            InvolvementKind::CaseInvolved,
        ])
    }

    /// Facts with small agency ids so they often name the actor's agency.
    fn any_facts(municipality_id: MunicipalityId) -> impl Strategy<Value = PersonFacts> {
        let agency = 1i64..5;
        let involvements = proptest::collection::vec(
            (agency.clone(), any_kind(), any::<bool>())
                .prop_map(|(a, k, on)| involvement(a, k, on)),
            0..4,
        );
        let referrals = proptest::collection::vec(agency.clone(), 0..3);
        let consents = proptest::collection::vec(
            (
                proptest::collection::vec(agency.clone(), 0..4),
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(any_date()),
            )
                .prop_map(|(agencies, meeting, withdrawn, expires_on)| ConsentFact {
                    agencies,
                    meeting,
                    withdrawn,
                    expires_on,
                }),
            0..3,
        );
        let meetings = proptest::collection::vec(
            (
                proptest::collection::vec(agency.clone(), 0..4),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(m, on, closed)| meeting(&m, on, closed)),
            0..3,
        );
        let coordination =
            proptest::option::of(
                (agency, any::<bool>()).prop_map(|(a, ended)| CoordinationFact {
                    coordinating_agency: a,
                    ended,
                }),
            );
        (involvements, referrals, consents, meetings, coordination).prop_map(
            move |(involvements, pending_referrals, consents, support_meetings, coordination)| {
                PersonFacts {
                    municipality_id,
                    involvements,
                    pending_referrals,
                    consents,
                    support_meetings,
                    coordination,
                }
            },
        )
    }

    fn any_meeting(municipality_id: MunicipalityId) -> impl Strategy<Value = MeetingFacts> {
        let agency = 1i64..5;
        (
            proptest::sample::select(vec![MeetingKind::Support, MeetingKind::Multilayer]),
            agency.clone(),
            proptest::collection::vec((agency.clone(), any::<bool>()), 0..4),
            proptest::option::of(agency),
        )
            .prop_map(move |(kind, host, members, coordinating)| MeetingFacts {
                municipality_id,
                ..meeting_of(kind, host, &members, coordinating)
            })
    }

    fn any_holding() -> impl Strategy<Value = CaseHolding> {
        (
            1i64..5,
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(1i64..5),
        )
            .prop_map(|(lead, closed, ended, coordinating)| {
                holding(lead, closed, ended, coordinating)
            })
    }

    fn any_right() -> impl Strategy<Value = CaseRight> {
        proptest::sample::select(vec![
            CaseRight::Manage,
            CaseRight::Reopen,
            CaseRight::HandOver,
        ])
    }

    proptest! {
        #[test]
        fn another_municipality_is_always_not_found(
            actor_m in 1i64..1000,
            offset in 1i64..1000,
            agency in 1i64..5,
            roles in any_role_set(),
            action in any_action(),
            today in any_date(),
            facts in any_facts(0),
            meeting in any_meeting(0),
            holding in any_holding(),
            right in any_right(),
        ) {
            let facts = PersonFacts { municipality_id: actor_m + offset, ..facts };
            let meeting = MeetingFacts { municipality_id: actor_m + offset, ..meeting };
            let actor = actor_in(actor_m, agency, &roles.iter().collect::<Vec<_>>());
            let d = decide(&actor, action, &Subject::Person(&facts), today);
            prop_assert_eq!(d.denial(), Some(Denial::OtherMunicipality));
            prop_assert!(Denial::OtherMunicipality.is_not_found());
            let other = actor_m + offset;
            for subject in [
                Subject::MunicipalityConfig { municipality_id: other },
                Subject::Users { municipality_id: other },
                Subject::AuditLog { municipality_id: other },
                Subject::Community { municipality_id: other },
                Subject::Statistics { municipality_id: other },
                Subject::NewPerson { municipality_id: other },
                Subject::Meeting(&meeting),
                Subject::MeetingMinutes(&meeting),
                case(&facts, &holding, right),
                Subject::MatchReview {
                    review: &MatchReviewFacts {
                        municipality_id: other,
                        coordinating_agency: Some(actor.agency_id),
                        pending: true,
                        pair: [1, 2],
                    },
                    person_id: 1,
                },
            ] {
                let d = decide(&actor, action, &subject, today);
                prop_assert_eq!(d.denial(), Some(Denial::OtherMunicipality), "{:?}", subject);
            }
        }

        #[test]
        fn same_municipality_invariants(
            agency in 1i64..5,
            roles in any_role_set(),
            action in any_action(),
            today in any_date(),
            facts in any_facts(M),
        ) {
            let actor = actor_in(M, agency, &roles.iter().collect::<Vec<_>>());
            let subject = Subject::Person(&facts);
            let d = decide(&actor, action, &subject, today);
            // Without staff/coordinator: never personal data, and never a hint it exists.
            if !may_see_person_data(&actor) {
                prop_assert!(d.denial().is_some_and(Denial::is_not_found));
            }
            if let Some(grant) = d.grant() {
                // The view always permits what was allowed; writes and exports need Full.
                prop_assert!(grant.view.permits(action));
                prop_assert!(grant.basis.is_personal());
                if action.is_write() || action == Action::Export {
                    prop_assert_eq!(grant.view, View::Full);
                }
                // Anything allowed other than break-glass implies Read is allowed on
                // the same basis.
                if action != Action::EmergencyRead {
                    prop_assert_eq!(decide(&actor, Action::Read, &subject, today).grant(), Some(grant));
                }
            }
            // A Forbidden on personal data only ever goes to someone who can read it.
            if d.denial().is_some_and(|d| !d.is_not_found()) {
                prop_assert!(decide(&actor, Action::Read, &subject, today).is_allowed());
            }
        }

        #[test]
        fn meeting_invariants(
            agency in 1i64..5,
            roles in any_role_set(),
            action in any_action(),
            meeting in any_meeting(M),
        ) {
            let actor = actor_in(M, agency, &roles.iter().collect::<Vec<_>>());
            let read = decide(&actor, Action::Read, &Subject::Meeting(&meeting), today());
            for subject in [Subject::Meeting(&meeting), Subject::MeetingMinutes(&meeting)] {
                let d = decide(&actor, action, &subject, today());
                if let Some(grant) = d.grant() {
                    prop_assert!(grant.basis.is_personal());
                    prop_assert!(may_see_person_data(&actor));
                    if action.is_write() {
                        prop_assert_eq!(grant.view, View::Full);
                    }
                }
                // Only Create (of a draft) may refuse with 403 someone who cannot see
                // the meeting; minutes are written as an Update.
                let draft = action == Action::Create && matches!(subject, Subject::Meeting(_));
                if d.denial().is_some_and(|d| !d.is_not_found()) && !draft {
                    prop_assert!(read.is_allowed(), "{subject:?} {action:?}: {d:?}");
                }
            }
        }

        #[test]
        fn case_management_needs_the_person_rule(
            agency in 1i64..5,
            roles in any_role_set(),
            action in any_action(),
            facts in any_facts(M),
            holding in any_holding(),
            right in any_right(),
        ) {
            let actor = actor_in(M, agency, &roles.iter().collect::<Vec<_>>());
            let d = decide(&actor, action, &case(&facts, &holding, right), today());
            let person_action = if right == CaseRight::Reopen { Action::Read } else { Action::Update };
            let person = decide(&actor, person_action, &Subject::Person(&facts), today());
            match person {
                // The person rule's denial passes through unchanged.
                Decision::Deny(_) => prop_assert_eq!(d, person),
                // Allowed: either the same grant, or a 403 (the case is no secret).
                Decision::Allow(grant) => prop_assert!(
                    d == Decision::Allow(grant) || d.denial().is_some_and(|d| !d.is_not_found())
                ),
            }
            if d.is_allowed() {
                prop_assert_eq!(action, Action::Update);
                prop_assert!(right != CaseRight::Reopen || holding.closed);
            }
        }
    }
}
