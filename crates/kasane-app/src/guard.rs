//! The one path from a use case to the access rule: load the facts, decide, audit, answer.
//!
//! This module is the only caller of `access::decide` and of the audit append. A [`Grant`]
//! has private fields, so a use case holds one only if the guard gave it; every denial is
//! audited (in the use case's unit of work, which keeps it when the use case is refused),
//! and another municipality's object, like one the caller has no basis for, is answered as
//! not found.

use kasane_domain::access::{
    self, Action, Basis, CaseHolding, CaseRight, Decision, Denial, MatchReviewFacts, MeetingFacts,
    MeetingMemberFact, PersonFacts, Subject, View, decide,
};
use kasane_domain::audit::AuditAction;
use kasane_domain::case::CaseStatus;
use kasane_domain::match_review::MatchReviewStatus;
use kasane_domain::meeting::MeetingKind;
use kasane_store::audit::NewAuditEntry;
use kasane_store::case::Case;
use kasane_store::household::Household;
use kasane_store::match_review::MatchReview;
use kasane_store::meeting::{Meeting, Member};
use kasane_store::person::{Person, Viewer};

use crate::{App, AppError, AppResult, Caller};

/// What is being touched, for the audit trail: a type and an id, never the content.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    pub kind: &'a str,
    pub id: &'a str,
}

/// What an allowed decision grants: the basis (audited) and the view (which fields). Only
/// the guard makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    basis: Basis,
    view: View,
}

impl Grant {
    fn of(g: access::Grant) -> Grant {
        Grant {
            basis: g.basis,
            view: g.view,
        }
    }

    pub fn basis(&self) -> Basis {
        self.basis
    }

    pub fn view(&self) -> View {
        self.view
    }
}

/// Decides `action` on `subject` for the caller. Personal-data grants, every write and
/// every export are audited with their basis; denials are audited with their reason.
pub async fn authorize(
    app: &App,
    caller: &Caller,
    action: Action,
    subject: &Subject<'_>,
    object: Object<'_>,
) -> AppResult<Grant> {
    match decide(&caller.actor, action, subject, app.today()) {
        Decision::Allow(grant) => {
            if subject.is_personal() || action.is_write() || action == Action::Export {
                audit(
                    app,
                    caller,
                    audit_action(action),
                    object,
                    grant.basis.code(),
                    "",
                )
                .await?;
            }
            Ok(Grant::of(grant))
        }
        Decision::Deny(denial) => refuse(app, caller, object, denial).await,
    }
}

/// Audits a denial and answers it: 404 when the object's existence must not leak, 403
/// otherwise. An attempt on another municipality's object is also recorded in the
/// operator's chain (outside any tenant): the actor's municipality may not see the other
/// one's trail, and the deployment's operator reviews both.
async fn refuse<T>(app: &App, caller: &Caller, object: Object<'_>, denial: Denial) -> AppResult<T> {
    audit(
        app,
        caller,
        AuditAction::Denied,
        object,
        "",
        denial.reason(),
    )
    .await?;
    if denial == Denial::OtherMunicipality {
        app.store
            .append_audit(&NewAuditEntry {
                municipality_id: None,
                ..entry(caller, AuditAction::Denied, object, "", denial.reason())
            })
            .await?;
    }
    Err(if denial.is_not_found() {
        AppError::NotFound
    } else {
        AppError::Forbidden(denial.reason().to_string())
    })
}

fn audit_action(action: Action) -> AuditAction {
    match action {
        Action::Read | Action::EmergencyRead => AuditAction::View,
        Action::Create => AuditAction::Create,
        Action::Update => AuditAction::Update,
        Action::Delete => AuditAction::Delete,
        Action::Export => AuditAction::Export,
    }
}

/// Appends an audit entry for the caller, in the current unit of work.
pub(crate) async fn audit(
    app: &App,
    caller: &Caller,
    action: AuditAction,
    object: Object<'_>,
    basis: &str,
    reason: &str,
) -> AppResult<()> {
    app.store
        .append_audit(&entry(caller, action, object, basis, reason))
        .await?;
    Ok(())
}

fn entry<'a>(
    caller: &'a Caller,
    action: AuditAction,
    object: Object<'a>,
    basis: &'a str,
    reason: &'a str,
) -> NewAuditEntry<'a> {
    NewAuditEntry {
        municipality_id: Some(caller.actor.municipality_id),
        user_id: Some(caller.actor.user_id),
        username: &caller.user.username,
        action,
        object_type: object.kind,
        object_id: object.id,
        basis,
        reason,
        request_id: &caller.request_id,
    }
}

/// Records what was done to a record the caller was already granted (a created support
/// log, a meeting's agenda line, a plan's approval) with the grant's basis and a code as
/// the reason. Taking the grant is what keeps this from auditing anything the guard did
/// not allow.
pub async fn record(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    action: AuditAction,
    object: Object<'_>,
    reason: &str,
) -> AppResult<()> {
    audit(app, caller, action, object, grant.basis.code(), reason).await
}

/// [`record`] on record `id` of type `kind` (most records are known by a number).
pub async fn record_on(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    action: AuditAction,
    kind: &str,
    id: i64,
    reason: &str,
) -> AppResult<()> {
    let oid = id.to_string();
    record(
        app,
        caller,
        grant,
        action,
        Object { kind, id: &oid },
        reason,
    )
    .await
}

/// Records a read of a list whose rows the rule's SQL twin chose (a person search, the case
/// list): no single record's basis, so none is named.
pub async fn record_list(app: &App, caller: &Caller, kind: &str) -> AppResult<()> {
    audit(
        app,
        caller,
        AuditAction::View,
        Object { kind, id: "" },
        "",
        "",
    )
    .await
}

/// A person record the caller may act on, with the grant that allowed it.
#[derive(Debug, Clone)]
pub struct PersonAccess {
    /// The canonical record of the person's 名寄せ group (what `id` led to).
    pub person: Person,
    pub grant: Grant,
}

/// Loads person `id` (resolving a linked record to its canonical one), reads the access
/// facts of its group and decides. Missing, other-municipality and unpermitted persons are
/// all answered `NotFound`; a missing one is audited as denied too, like any other.
pub async fn person_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<PersonAccess> {
    person_decided(app, caller, action, id, None).await
}

/// [`person_access`] for a write on a record of the person's that lies beyond the つなぐシート
/// (`beyond`: a support-log entry, a consent): a caller who holds the sheet only is told
/// that record does not exist (404, the denial audited on it), as when reading it — a 403
/// would tell them it is there.
pub async fn person_access_beyond_sheet(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
    beyond: Object<'_>,
) -> AppResult<PersonAccess> {
    person_decided(app, caller, action, id, Some(beyond)).await
}

async fn person_decided(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
    beyond: Option<Object<'_>>,
) -> AppResult<PersonAccess> {
    let (person, facts) = person_with_facts(app, caller, id).await?;
    if let Some(beyond) = beyond {
        sheet_only(app, caller, &facts, beyond).await?;
    }
    let oid = person.id.to_string();
    let object = Object {
        kind: "person",
        id: &oid,
    };
    let grant = authorize(app, caller, action, &Subject::Person(&facts), object).await?;
    Ok(PersonAccess { person, grant })
}

/// Person `id`'s canonical record and the access facts of its group; a missing one is
/// audited as a probe and answered 404.
async fn person_with_facts(
    app: &App,
    caller: &Caller,
    id: i64,
) -> AppResult<(Person, PersonFacts)> {
    let oid = id.to_string();
    let object = Object {
        kind: "person",
        id: &oid,
    };
    let Some(mut person) = app.store.person_any(id).await? else {
        return missing(app, caller, object).await;
    };
    if let Some(root) = person.linked_to_person_id {
        let Some(canonical) = app.store.person_any(root).await? else {
            return missing(app, caller, object).await;
        };
        person = canonical;
    }
    let facts = app
        .store
        .person_facts(person.municipality_id, person.id)
        .await?;
    Ok((person, facts))
}

/// Refuses `beyond` (404, audited) to a caller whose only basis on these facts is the
/// つなぐシート.
async fn sheet_only(
    app: &App,
    caller: &Caller,
    facts: &PersonFacts,
    beyond: Object<'_>,
) -> AppResult<()> {
    let read = decide(
        &caller.actor,
        Action::Read,
        &Subject::Person(facts),
        app.today(),
    );
    if read.view() == Some(View::ReferralSheet) {
        return refuse(app, caller, beyond, Denial::NotFound(BEYOND_SHEET)).await;
    }
    Ok(())
}

/// Refuses what the rule allowed but the owning module does not (an entry only its author
/// edits, an intake only its window corrects): 403, audited as a denial on record `kind`
/// `id` like every refusal of the rule's.
pub async fn forbid(app: &App, caller: &Caller, kind: &str, id: i64, reason: &str) -> AppError {
    let oid = id.to_string();
    denied(app, caller, Object { kind, id: &oid }, reason).await
}

/// Refuses what a role gate refuses before any record is named (a meeting for a role that
/// sees no person data, 名寄せ for one that is not the coordinator's): 403, audited as a
/// denial on `kind` without an id.
pub async fn forbid_role(app: &App, caller: &Caller, kind: &str, reason: &str) -> AppError {
    denied(app, caller, Object { kind, id: "" }, reason).await
}

/// A 403 once its denial entry is appended.
async fn denied(app: &App, caller: &Caller, object: Object<'_>, reason: &str) -> AppError {
    match audit(app, caller, AuditAction::Denied, object, "", reason).await {
        Ok(()) => AppError::Forbidden(reason.to_string()),
        Err(e) => e,
    }
}

/// A record that does not exist is answered like one the caller may not see, and audited
/// the same way, so that the audit shows every probe.
async fn missing<T>(app: &App, caller: &Caller, object: Object<'_>) -> AppResult<T> {
    refuse(
        app,
        caller,
        object,
        Denial::NotFound("記録が見つかりません"),
    )
    .await
}

/// Why what lies beyond the つなぐシート is refused.
const BEYOND_SHEET: &str = "つなぐシートで共有される範囲の外です";

/// What lies beyond the つなぐシート (the intake, the support log, the timeline, the
/// household record, the consents) for a caller whose only basis is a referral pending at
/// their agency: not found, and audited as a denial like every other refusal.
pub async fn within_sheet(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    kind: &str,
    id: i64,
) -> AppResult<()> {
    if grant.view() != View::ReferralSheet {
        return Ok(());
    }
    let oid = id.to_string();
    refuse(
        app,
        caller,
        Object { kind, id: &oid },
        Denial::NotFound(BEYOND_SHEET),
    )
    .await
}

/// Refuses a record the owning module keeps within a narrower circle than the rule's basis
/// on the case it belongs to (a volunteer's information, for the outreach team only): not
/// found, like a record without a basis, and audited as a denial on record `kind` `id`.
pub async fn hidden(
    app: &App,
    caller: &Caller,
    kind: &str,
    id: i64,
    reason: &'static str,
) -> AppError {
    let oid = id.to_string();
    match refuse::<()>(
        app,
        caller,
        Object { kind, id: &oid },
        Denial::NotFound(reason),
    )
    .await
    {
        Err(e) => e,
        Ok(()) => AppError::NotFound,
    }
}

/// [`missing`] for a record the use case looked up itself (a plan, a monitoring round, a
/// referral, an agenda line…) before deciding on the case or person it belongs to: the
/// error to answer, once the probe is audited.
pub async fn not_found(app: &App, caller: &Caller, kind: &str, id: i64) -> AppError {
    let oid = id.to_string();
    match missing::<()>(app, caller, Object { kind, id: &oid }).await {
        Err(e) => e,
        Ok(()) => AppError::NotFound,
    }
}

/// A household the caller may act on.
pub async fn household_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<(Household, Grant)> {
    household_decided(app, caller, action, id, None).await
}

/// [`household_access`] for a write on the household's record, which lies beyond the
/// つなぐシート, or on a record of it (`beyond`: the household, a support-log entry): a
/// caller who holds the sheet only is told it does not exist, as when reading it.
pub async fn household_access_beyond_sheet(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
    beyond: Object<'_>,
) -> AppResult<(Household, Grant)> {
    household_decided(app, caller, action, id, Some(beyond)).await
}

/// A household whose own record the caller updates (its members): [`household_access`] for
/// `Update`, and a caller who holds the つなぐシート only is told it does not exist, as when
/// reading it.
pub async fn household_to_update(
    app: &App,
    caller: &Caller,
    id: i64,
) -> AppResult<(Household, Grant)> {
    let oid = id.to_string();
    let household = Object {
        kind: "household",
        id: &oid,
    };
    household_decided(app, caller, Action::Update, id, Some(household)).await
}

async fn household_decided(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
    beyond: Option<Object<'_>>,
) -> AppResult<(Household, Grant)> {
    let oid = id.to_string();
    let object = Object {
        kind: "household",
        id: &oid,
    };
    let Some(household) = app.store.household_any(id).await? else {
        return missing(app, caller, object).await;
    };
    let facts = app
        .store
        .household_facts(household.municipality_id, household.id)
        .await?;
    if let Some(beyond) = beyond {
        sheet_only(app, caller, &facts, beyond).await?;
    }
    let grant = authorize(app, caller, action, &Subject::Person(&facts), object).await?;
    Ok((household, grant))
}

/// The caller as list queries see them: the access rule's SQL twin filters with this.
pub fn viewer(app: &App, caller: &Caller) -> Viewer {
    Viewer {
        municipality_id: caller.municipality.id,
        agency_id: caller.agency.id,
        coordinates: caller.coordinates(),
        today: app.today(),
    }
}

/// A case the caller may act on, with the grant that allowed it. The facts are the case's
/// person's (or household's) and the 支援会議 that have this case on their agenda.
pub async fn case_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<(Case, Grant)> {
    let (case, grant, _) = case_access_with_facts(app, caller, action, id).await?;
    Ok((case, grant))
}

/// [`case_access`], also answering the facts it decided on (for rules that read them
/// further, such as the consent a 重層的支援会議 needs).
pub async fn case_access_with_facts(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<(Case, Grant, PersonFacts)> {
    let (case, facts) = case_with_facts(app, caller, id).await?;
    let oid = id.to_string();
    let object = Object {
        kind: "case",
        id: &oid,
    };
    let grant = authorize(app, caller, action, &Subject::Person(&facts), object).await?;
    Ok((case, grant, facts))
}

/// Case `id` with its access facts; a missing one is audited as a probe and answered 404.
async fn case_with_facts(app: &App, caller: &Caller, id: i64) -> AppResult<(Case, PersonFacts)> {
    let Some(case) = app.store.case_any(id).await? else {
        let oid = id.to_string();
        return missing(
            app,
            caller,
            Object {
                kind: "case",
                id: &oid,
            },
        )
        .await;
    };
    let facts = app.store.case_facts(&case).await?;
    Ok((case, facts))
}

/// What the rule is told about holding a case: its lead, whether it is closed, whether
/// 多機関協働 still coordinates it.
fn holding(caller: &Caller, case: &Case) -> CaseHolding {
    CaseHolding {
        lead_agency_id: case.lead_agency_id,
        closed: case.status == CaseStatus::Closed,
        coordination_ended: case.coordination_ended_at.is_some(),
        coordinating_agency: caller.coordinating_agency,
    }
}

/// A case the caller may manage (move its status, close it, change its agencies or lead,
/// hand it over) or reopen, decided by the rule and audited; 404 without a basis, 403 for
/// those who see the case but do not hold it.
pub async fn case_to_manage(
    app: &App,
    caller: &Caller,
    right: CaseRight,
    id: i64,
) -> AppResult<(Case, Grant)> {
    let (case, facts) = case_with_facts(app, caller, id).await?;
    let oid = id.to_string();
    let object = Object {
        kind: "case",
        id: &oid,
    };
    let holding = holding(caller, &case);
    let subject = Subject::CaseManagement {
        facts: &facts,
        holding: &holding,
        right,
    };
    let grant = authorize(app, caller, Action::Update, &subject, object).await?;
    Ok((case, grant))
}

/// Whether the caller may exercise `right` on a case whose facts were read, decided but not
/// audited: for choosing which buttons the case page offers.
pub fn may_manage(
    app: &App,
    caller: &Caller,
    case: &Case,
    facts: &PersonFacts,
    right: CaseRight,
) -> bool {
    let holding = holding(caller, case);
    decide(
        &caller.actor,
        Action::Update,
        &Subject::CaseManagement {
            facts,
            holding: &holding,
            right,
        },
        app.today(),
    )
    .is_allowed()
}

/// Whether the caller may read personal data with these facts, decided but not audited:
/// for choosing what a page shows of records it does not open (a 名寄せ candidate's name,
/// an early warning's name, a worklist row). Opening a record goes through [`authorize`].
pub fn may_read(app: &App, caller: &Caller, facts: &PersonFacts) -> bool {
    may(app, caller, Action::Read, facts)
}

/// Whether the caller may take `action` on personal data with these facts, decided but not
/// audited: for choosing what a page offers (the cases a member may bring to a meeting).
pub fn may(app: &App, caller: &Caller, action: Action, facts: &PersonFacts) -> bool {
    decide(&caller.actor, action, &Subject::Person(facts), app.today()).is_allowed()
}

/// Which of `person_ids` (a household's members) the caller may read in full, each decided
/// on the member's own record. A grant on a household through one member shows the others
/// only as the household outline (ACCESS-MODEL: 続柄, name and age — never their records,
/// contacts or birth dates). Deciding reads nothing of theirs: no audit entry.
pub async fn members_in_full(
    app: &App,
    caller: &Caller,
    person_ids: &[i64],
) -> AppResult<std::collections::HashSet<i64>> {
    let mut full = std::collections::HashSet::new();
    for &id in person_ids {
        let Some(person) = app.store.person_any(id).await? else {
            continue;
        };
        let root = person.linked_to_person_id.unwrap_or(person.id);
        let facts = app.store.person_facts(person.municipality_id, root).await?;
        let grant = decide(
            &caller.actor,
            Action::Read,
            &Subject::Person(&facts),
            app.today(),
        );
        if grant.grant().is_some_and(|g| g.view == View::Full) {
            full.insert(id);
        }
    }
    Ok(full)
}

/// Whether the staff of `agency_id` could read the subject beyond a つなぐシート — to show
/// whom a record can reach (an agency given a role at a meeting, say).
pub fn agency_may_read(
    app: &App,
    agency_id: kasane_domain::identity::AgencyId,
    facts: &PersonFacts,
) -> bool {
    access::agency_may_read(agency_id, facts, app.today())
}

/// Read on a case already loaded, for a list row: the grant, audited as a view, with the
/// case's facts; `None` when the rule denies — then the row is simply not shown, like the
/// rows a list query filters out in SQL, and no denial is audited.
pub async fn listed_case(
    app: &App,
    caller: &Caller,
    case: &Case,
) -> AppResult<Option<(Grant, PersonFacts)>> {
    let facts = app.store.case_facts(case).await?;
    let grant = row_grant(app, caller, Action::Read, &facts, "case", case.id).await?;
    Ok(grant.map(|g| (g, facts)))
}

/// `action` on a list's row (record `kind` `id`, decided on `facts`): the grant, audited
/// with its basis; `None` when the rule denies — the row is left out, no denial audited.
async fn row_grant(
    app: &App,
    caller: &Caller,
    action: Action,
    facts: &PersonFacts,
    kind: &str,
    id: i64,
) -> AppResult<Option<Grant>> {
    let Some(grant) = decide(&caller.actor, action, &Subject::Person(facts), app.today()).grant()
    else {
        return Ok(None);
    };
    let oid = id.to_string();
    audit(
        app,
        caller,
        audit_action(action),
        Object { kind, id: &oid },
        grant.basis.code(),
        "",
    )
    .await?;
    Ok(Some(Grant::of(grant)))
}

/// A meeting as the caller may see it, with the facts and grant it was decided on.
#[derive(Debug, Clone)]
pub struct MeetingAccess {
    pub meeting: Meeting,
    pub kind: MeetingKind,
    pub members: Vec<Member>,
    pub facts: MeetingFacts,
    pub grant: Grant,
}

impl MeetingAccess {
    /// The caller may manage the meeting (its host's staff or the coordinator): the rule
    /// gives them the full view.
    pub fn manages(&self) -> bool {
        self.grant.view == View::Full
    }

    /// Whether the caller may read the meeting's minutes (the rule on minutes; not audited
    /// here — each minute shown is of a case the caller reads through the guard).
    pub fn minutes_readable(&self, app: &App, caller: &Caller) -> bool {
        decide(
            &caller.actor,
            Action::Read,
            &Subject::MeetingMinutes(&self.facts),
            app.today(),
        )
        .is_allowed()
    }

    pub fn acknowledged(&self) -> Vec<kasane_domain::identity::AgencyId> {
        self.facts.acknowledged()
    }

    pub fn participants(&self) -> Vec<kasane_domain::identity::AgencyId> {
        self.facts.participants()
    }
}

/// What the rule is told about a meeting.
fn meeting_facts(
    caller: &Caller,
    meeting: &Meeting,
    kind: MeetingKind,
    members: &[Member],
) -> MeetingFacts {
    MeetingFacts {
        municipality_id: meeting.municipality_id,
        kind,
        host_agency_id: meeting.host_agency_id,
        members: members
            .iter()
            .map(|m| MeetingMemberFact {
                agency_id: m.agency_id,
                acknowledged: m.acknowledged_at.is_some(),
            })
            .collect(),
        coordinating_agency: caller.coordinating_agency,
    }
}

/// Loads meeting `id` and decides `action` on it: read for its host, its members and the
/// coordinator; manage (`Update`/`Delete`) for the host and the coordinator. Denials are
/// audited; another municipality's meeting is answered like a missing one.
pub async fn meeting_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<MeetingAccess> {
    let oid = id.to_string();
    let object = Object {
        kind: "meeting",
        id: &oid,
    };
    let Some(meeting) = app.store.meeting_any(id).await? else {
        return missing(app, caller, object).await;
    };
    let kind = meeting.kind;
    let members = app.store.meeting_members(id).await?;
    let facts = meeting_facts(caller, &meeting, kind, &members);
    let grant = authorize(app, caller, action, &Subject::Meeting(&facts), object).await?;
    Ok(MeetingAccess {
        meeting,
        kind,
        members,
        facts,
        grant,
    })
}

/// Decides creating a meeting of `kind` hosted by `host_agency_id` (the host's staff or
/// the coordinator). A refusal is audited here; the use case records the creation itself,
/// with the new meeting's id, once it exists in the same unit of work.
pub async fn meeting_to_create(
    app: &App,
    caller: &Caller,
    kind: MeetingKind,
    host_agency_id: kasane_domain::identity::AgencyId,
) -> AppResult<Grant> {
    let facts = MeetingFacts {
        municipality_id: caller.municipality.id,
        kind,
        host_agency_id,
        members: Vec::new(),
        coordinating_agency: caller.coordinating_agency,
    };
    match decide(
        &caller.actor,
        Action::Create,
        &Subject::Meeting(&facts),
        app.today(),
    ) {
        Decision::Allow(g) => Ok(Grant::of(g)),
        Decision::Deny(denial) => {
            let object = Object {
                kind: "meeting",
                id: "",
            };
            refuse(app, caller, object, denial).await
        }
    }
}

/// Decides `action` on the users (職員) of municipality `of` (`Subject::Users`: its admin
/// only). A refusal is audited here; the use case records what it did, with what changed,
/// once it is done in the same unit of work.
pub async fn users_grant(
    app: &App,
    caller: &Caller,
    action: Action,
    of: kasane_domain::identity::MunicipalityId,
    object: Object<'_>,
) -> AppResult<Grant> {
    let subject = Subject::Users {
        municipality_id: of,
    };
    match decide(&caller.actor, action, &subject, app.today()) {
        Decision::Allow(g) => Ok(Grant::of(g)),
        Decision::Deny(denial) => refuse(app, caller, object, denial).await,
    }
}

/// Export of one person's rows in a list the rule's SQL twin chose (the 相談受付一覧):
/// decided on the person's facts and, when the view permits export, audited as an export
/// with its basis. `None` when it does not (a read-only basis: 本人同意, 支援会議): the rows
/// are left out of the file, like the rows a list filters out, with no denial entry.
pub async fn exported_person(
    app: &App,
    caller: &Caller,
    municipality_id: kasane_domain::identity::MunicipalityId,
    person_id: i64,
) -> AppResult<Option<Grant>> {
    let facts = app.store.person_facts(municipality_id, person_id).await?;
    row_grant(app, caller, Action::Export, &facts, "person", person_id).await
}

/// Records the export of a list as a whole (`reason`: what was asked, how many rows),
/// beside the entry [`exported_person`] made for each person in it.
pub async fn record_export(app: &App, caller: &Caller, kind: &str, reason: &str) -> AppResult<()> {
    audit(
        app,
        caller,
        AuditAction::Export,
        Object { kind, id: "" },
        "",
        reason,
    )
    .await
}

/// Refuses a list export to a caller whose roles see no person data (admin, auditor,
/// community worker): 403, audited as a denial.
pub async fn refuse_export(app: &App, caller: &Caller, kind: &str) -> AppError {
    forbid_role(app, caller, kind, "個人情報を出力できる役割ではありません").await
}

/// What the rule is told about a 名寄せ確認依頼.
fn match_review_facts(caller: &Caller, review: &MatchReview) -> MatchReviewFacts {
    MatchReviewFacts {
        municipality_id: review.municipality_id,
        coordinating_agency: caller.coordinating_agency,
        pending: review.status == MatchReviewStatus::Pending,
        pair: [review.requested_person_id, review.candidate_person_id],
    }
}

/// A 名寄せ確認依頼 the caller may act on: `action` decided on each record of its pair on
/// the `match_review` basis and each audited (a view of that record's identity fields, or
/// the decision); a missing review, one the caller does not review, or a decided one is
/// 404 and audited as a denial.
pub async fn match_review_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<(MatchReview, Grant)> {
    let Some(review) = app.store.match_review_any(id).await? else {
        let oid = id.to_string();
        let object = Object {
            kind: "match_review",
            id: &oid,
        };
        return missing(app, caller, object).await;
    };
    let facts = match_review_facts(caller, &review);
    let mut grant = None;
    for person_id in facts.pair {
        let oid = person_id.to_string();
        let subject = Subject::MatchReview {
            review: &facts,
            person_id,
        };
        let object = Object {
            kind: "person",
            id: &oid,
        };
        grant = Some(authorize(app, caller, action, &subject, object).await?);
    }
    match grant {
        Some(g) => Ok((review, g)),
        None => Err(AppError::NotFound),
    }
}

/// A pending review on a list (the coordinator's queue): both records' identity decided
/// and audited as views; `None` when the rule denies — the row is left out, no denial.
pub async fn listed_match_review(
    app: &App,
    caller: &Caller,
    review: &MatchReview,
) -> AppResult<Option<Grant>> {
    let facts = match_review_facts(caller, review);
    let decisions = facts.pair.map(|person_id| {
        let subject = Subject::MatchReview {
            review: &facts,
            person_id,
        };
        decide(&caller.actor, Action::Read, &subject, app.today()).grant()
    });
    let [Some(grant), Some(_)] = decisions else {
        return Ok(None);
    };
    for person_id in facts.pair {
        let oid = person_id.to_string();
        let object = Object {
            kind: "person",
            id: &oid,
        };
        audit(
            app,
            caller,
            AuditAction::View,
            object,
            grant.basis.code(),
            "",
        )
        .await?;
    }
    Ok(Some(Grant::of(grant)))
}
