//! ケース: the case list, opening a case (coordinator; for a person, a household or from an
//! escalated intake), its status moves, involved agencies, lead and hand-over, and the cases
//! a person, household or intake page shows. Every read and write goes through the guard
//! (`case_access`, `case_to_manage`, `person_access`), audited with its basis.

use chrono::NaiveDate;
use kasane_domain::access::{Action, CaseRight, View, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::case::{self, CaseEvent, CaseKind, CaseStatus, agency_end_reason};
use kasane_domain::identity::{AgencyId, Role};
use kasane_domain::intake::Outcome;
use kasane_domain::meeting::{MeetingKind, offer_move_to_multilayer};
use kasane_store::StoreError;
use kasane_store::case::{Case, CaseAgency, CaseEventRow, CaseMove, NewCase};
use kasane_store::consent::Consent;
use kasane_store::household::Household;
use kasane_store::intake::Intake;
use kasane_store::meeting::CaseAgenda;
use kasane_store::municipality::Agency;
use kasane_store::person::Person;
use kasane_store::plan::{Plan, PlanAction};
use serde::Deserialize;

use crate::error::{already, invalid};
use crate::guard::{
    Grant, PersonAccess, case_access_with_facts, case_to_manage, forbid_role, household_access,
    listed_case, may_manage, not_found, person_access, record_list, record_on, viewer,
};
use crate::{App, AppError, AppResult, Caller};

use super::consent::consents_of_case;

pub const CASE_PAGE_SIZE: i64 = 50;
pub const SUMMARY_MAX_CHARS: usize = 2000;

const NOT_COORDINATOR: &str = "ケースを開けるのは相談支援包括化推進員(多機関協働)のみです";

/// Agencies that keep case records (身近な相談場所 only notice and connect).
pub fn record_holding(agencies: &[Agency]) -> impl Iterator<Item = &Agency> {
    agencies.iter().filter(|a| a.kind != "nearby_place")
}

/// The canonical record of person `id` (the root of its 名寄せ group).
pub(crate) async fn canonical_person_id(app: &App, id: i64) -> AppResult<i64> {
    let p = app.store.person_any(id).await?.ok_or(AppError::NotFound)?;
    Ok(p.linked_to_person_id.unwrap_or(p.id))
}

/// The cases the caller may see (the access rule's SQL twin filters in the database),
/// most recently changed first, [`CASE_PAGE_SIZE`] a page, and whether another page
/// follows (not counted: a count costs what reading every case would); audited. `status`
/// empty = all; an unknown one → 422.
pub async fn list_cases(
    app: &App,
    caller: &Caller,
    status: &str,
    page: Option<i64>,
) -> AppResult<(Vec<Case>, bool)> {
    let status = match status.trim() {
        "" => None,
        s => Some(s.parse::<CaseStatus>().map_err(|e| invalid(&[e]))?),
    };
    let page = crate::page_number(page)?;
    if !may_see_person_data(&caller.actor) {
        return Ok((Vec::new(), false));
    }
    let viewer = viewer(app, caller);
    let found = app
        .store
        .list_cases(
            viewer,
            status.map(CaseStatus::code),
            CASE_PAGE_SIZE,
            (page - 1) * CASE_PAGE_SIZE,
        )
        .await?;
    record_list(app, caller, "case_list").await?;
    Ok(found)
}

/// A case to open (coordinator), as the page and the API (`POST /api/v1/cases`) submit it:
/// for a person, a household, or from an escalated intake.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = CaseRequest)]
pub struct NewCaseInput {
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// An intake with outcome `escalated` (多機関協働へ); gives the person.
    pub intake_id: Option<i64>,
    /// collaboration (多機関協働), outreach (アウトリーチ), participation (参加支援); empty =
    /// collaboration.
    pub kinds: Vec<String>,
    /// 主担当機関; absent = the caller's agency.
    pub lead_agency_id: Option<AgencyId>,
    /// 関与機関.
    pub agencies: Vec<AgencyId>,
    pub summary: String,
}

/// Who a case is opened for, as the caller may create on it, and the municipality's
/// agencies to choose the lead and the involved ones from.
pub struct CaseSubject {
    pub person: Option<Person>,
    pub household: Option<Household>,
    pub intake_id: Option<i64>,
    pub grant: Grant,
    pub agencies: Vec<Agency>,
}

/// Whether the caller may open a case on a record they were granted `grant` on: a
/// coordinator with its full view (the pages offer 「ケースを開く」 by it).
pub fn may_open_case(caller: &Caller, grant: &Grant) -> bool {
    caller.actor.has(Role::Coordinator) && grant.view() == View::Full
}

/// The person or household a case is to be opened for: coordinator only, who may create on
/// it. An intake must be an escalated one without a case yet.
pub async fn case_subject(
    app: &App,
    caller: &Caller,
    input: &NewCaseInput,
) -> AppResult<CaseSubject> {
    if !caller.actor.has(Role::Coordinator) {
        return Err(forbid_role(app, caller, "case", NOT_COORDINATOR).await);
    }
    let OpeningSubject {
        person,
        household,
        intake,
        grant,
    } = opening_subject(
        app,
        caller,
        (input.person_id, input.household_id, input.intake_id),
    )
    .await?;
    let mut intake_id = None;
    if let Some(i) = intake {
        let root = person.as_ref().map_or(0, |p| p.id);
        if i.outcome != Outcome::Escalated {
            return Err(invalid(&[
                "ケースを開けるのは、対応結果が「多機関協働へ」の相談受付からです",
            ]));
        }
        if app
            .store
            .cases_of_person(root)
            .await?
            .iter()
            .any(|c| c.intake_id == Some(i.id))
        {
            return Err(AppError::Conflict(
                "この相談受付からはすでにケースが開かれています".into(),
            ));
        }
        intake_id = Some(i.id);
    }
    Ok(CaseSubject {
        person,
        household,
        intake_id,
        grant,
        agencies: app.store.agencies(caller.municipality.id).await?,
    })
}

/// Whom a case (of any kind) is to be opened for, decided for `Action::Create`: the person
/// named, else the intake's, else the household; the intake read (a missing one is a probe
/// on record) and, with a person named too, checked to be that person's.
pub(crate) struct OpeningSubject {
    pub(crate) person: Option<Person>,
    pub(crate) household: Option<Household>,
    pub(crate) intake: Option<Intake>,
    pub(crate) grant: Grant,
}

pub(crate) async fn opening_subject(
    app: &App,
    caller: &Caller,
    (person_id, household_id, intake_id): (Option<i64>, Option<i64>, Option<i64>),
) -> AppResult<OpeningSubject> {
    let intake = match intake_id {
        Some(id) => match app.store.intake_any(id).await? {
            Some(intake) => Some(intake),
            None => return Err(not_found(app, caller, "intake", id).await),
        },
        None => None,
    };
    let named = person_id;
    let person_id = person_id.or_else(|| intake.as_ref().map(|i| i.person_id));
    let (person, household, grant) = match (person_id, household_id) {
        (Some(pid), _) => {
            let a = person_access(app, caller, Action::Create, pid).await?;
            (Some(a.person), None, a.grant)
        }
        (None, Some(hid)) => {
            let (h, grant) = household_access(app, caller, Action::Create, hid).await?;
            (None, Some(h), grant)
        }
        (None, None) => {
            return Err(AppError::BadRequest(
                "ケースを開く本人または世帯を指定してください".into(),
            ));
        }
    };
    if let Some(i) = &intake {
        // Access to the intake is access to its person, decided above: without a person of
        // its own the request's person is the intake's, so `root` is its canonical record.
        let root = person.as_ref().map_or(0, |p| p.id);
        if named.is_some() && canonical_person_id(app, i.person_id).await? != root {
            return Err(invalid(&["相談受付の本人とケースの本人が異なります"]));
        }
    }
    Ok(OpeningSubject {
        person,
        household,
        intake,
        grant,
    })
}
/// A checked new case.
pub(crate) struct CheckedCase {
    pub(crate) kinds: Vec<CaseKind>,
    pub(crate) lead: AgencyId,
    pub(crate) agencies: Vec<AgencyId>,
    pub(crate) summary: String,
}

impl CheckedCase {
    pub(crate) fn kind_codes(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.code()).collect()
    }

    /// The case to create on (person, household), opened by the caller from `intake_id`
    /// (多機関協働's escalated intake), with the kinds' codes `kinds`.
    pub(crate) fn to_create<'a>(
        &'a self,
        caller: &Caller,
        (person_id, household_id): (Option<i64>, Option<i64>),
        intake_id: Option<i64>,
        kinds: &'a [&'a str],
    ) -> NewCase<'a> {
        NewCase {
            municipality_id: caller.municipality.id,
            person_id,
            household_id,
            lead_agency_id: self.lead,
            intake_id,
            kinds,
            summary: &self.summary,
            user_id: caller.user.id,
            agency_id: caller.agency.id,
        }
    }

    /// Makes the involved agencies the created case `id`'s.
    pub(crate) async fn add_agencies(&self, app: &App, caller: &Caller, id: i64) -> AppResult<()> {
        for agency in &self.agencies {
            app.store
                .add_case_agency(
                    caller.municipality.id,
                    id,
                    *agency,
                    caller.user.id,
                    caller.agency.id,
                )
                .await?;
        }
        Ok(())
    }
}

/// Checks the kinds, the lead (default `own_agency`), the involved agencies and the summary
/// of a case to open (アウトリーチ opens its cases through it too).
pub(crate) fn check_new_case(
    input: &NewCaseInput,
    agencies: &[Agency],
    own_agency: AgencyId,
) -> AppResult<CheckedCase> {
    let mut errors = Vec::new();
    let mut kinds = Vec::new();
    for raw in &input.kinds {
        match raw.parse::<CaseKind>() {
            Ok(k) if !kinds.contains(&k) => kinds.push(k),
            Ok(_) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    if kinds.is_empty() {
        kinds.push(CaseKind::Collaboration);
    }
    kinds.sort();
    let known = |id: AgencyId| record_holding(agencies).any(|a| a.id == id);
    let lead = input.lead_agency_id.unwrap_or(own_agency);
    if !known(lead) {
        errors.push("主担当機関はこの自治体の相談支援機関から選んでください".to_string());
    }
    let mut involved: Vec<AgencyId> = input
        .agencies
        .iter()
        .copied()
        .filter(|a| *a != lead)
        .collect();
    involved.sort_unstable();
    involved.dedup();
    if involved.iter().any(|a| !known(*a)) {
        errors.push("関与機関はこの自治体の相談支援機関から選んでください".to_string());
    }
    let summary = input.summary.trim().to_string();
    if summary.chars().count() > SUMMARY_MAX_CHARS {
        errors.push(format!(
            "概要は{SUMMARY_MAX_CHARS}文字以内で入力してください"
        ));
    }
    if errors.is_empty() {
        Ok(CheckedCase {
            kinds,
            lead,
            agencies: involved,
            summary,
        })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Opens a case (coordinator) with its involved agencies; audited. Returns the case id.
pub async fn open_case(app: &App, caller: &Caller, input: &NewCaseInput) -> AppResult<i64> {
    app.unit(async |app| {
        let subject = case_subject(app, caller, input).await?;
        open_case_for(app, caller, input, &subject).await
    })
    .await
}

/// [`open_case`] on a subject already decided (the page keeps it to show the form again).
pub async fn open_case_for(
    app: &App,
    caller: &Caller,
    input: &NewCaseInput,
    subject: &CaseSubject,
) -> AppResult<i64> {
    app.unit(async |app| {
        let c = check_new_case(input, &subject.agencies, caller.agency.id)?;
        let kinds = c.kind_codes();
        let on = (
            subject.person.as_ref().map(|p| p.id),
            subject.household.as_ref().map(|h| h.id),
        );
        let id = app
            .store
            .create_case(&c.to_create(caller, on, subject.intake_id, &kinds))
            .await?;
        c.add_agencies(app, caller, id).await?;
        record_on(
            app,
            caller,
            &subject.grant,
            AuditAction::Create,
            "case",
            id,
            "",
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Everything the case page and `GET /api/v1/cases/{id}` show.
pub struct CaseDetail {
    pub case: Case,
    pub grant: Grant,
    pub kinds: Vec<String>,
    pub agencies: Vec<CaseAgency>,
    pub events: Vec<CaseEventRow>,
    /// The caller may move the status, change agencies and lead, hand over.
    pub may_manage: bool,
    /// The case is closed and the caller may reopen it (its former lead agency or the
    /// coordinator).
    pub may_reopen: bool,
}

pub async fn load_case(app: &App, caller: &Caller, id: i64) -> AppResult<CaseDetail> {
    let (case, grant, facts) = case_access_with_facts(app, caller, Action::Read, id).await?;
    Ok(CaseDetail {
        may_manage: may_manage(app, caller, &case, &facts, CaseRight::Manage),
        may_reopen: may_manage(app, caller, &case, &facts, CaseRight::Reopen),
        kinds: app.store.case_kinds(case.id).await?,
        agencies: app.store.case_agencies(case.id).await?,
        events: app.store.case_events(case.id).await?,
        case,
        grant,
    })
}

/// A status event from its parts (`event`: advance, suspend, resume, close, reopen).
pub fn parse_event(event: &str, to: &str, reason: &str) -> AppResult<CaseEvent> {
    match event.trim() {
        "advance" => match to.trim() {
            "" => Err(invalid(&["移す先の状態を選んでください"])),
            s => Ok(CaseEvent::Advance {
                to: s.parse().map_err(|e| invalid(&[e]))?,
            }),
        },
        "suspend" => Ok(CaseEvent::Suspend),
        "resume" => Ok(CaseEvent::Resume),
        "reopen" => Ok(CaseEvent::Reopen),
        "close" => match reason.trim() {
            "" => Err(invalid(&["終結の理由を選んでください"])),
            s => Ok(CaseEvent::Close {
                reason: s.parse().map_err(|e| invalid(&[e]))?,
            }),
        },
        other => Err(invalid(&[format!(
            "不明な操作です: 「{other}」(advance, suspend, resume, close, reopen のいずれか)"
        )])),
    }
}

/// Moves a case's status (lead agency or 多機関協働): the domain decides whether the move
/// is legal (422 with its message), the store applies it from the status it was decided
/// on (409 if someone was faster). A closure is audited with its reason code.
pub async fn move_case(
    app: &App,
    caller: &Caller,
    id: i64,
    event: &CaseEvent,
    note: &str,
) -> AppResult<Case> {
    app.unit(async |app| {
        let right = match event {
            CaseEvent::Reopen => CaseRight::Reopen,
            _ => CaseRight::Manage,
        };
        let (case, grant) = case_to_manage(app, caller, right, id).await?;
        let from = case.status;
        let suspended_from = case.suspended_from.as_deref().and_then(|s| s.parse().ok());
        let to = case::apply(from, event, suspended_from, note).map_err(|e| invalid(&[e]))?;
        let closure_reason = match event {
            CaseEvent::Close { reason } => Some(reason.code()),
            _ => None,
        };
        app.store
            .move_case(
                caller.municipality.id,
                &CaseMove {
                    case_id: case.id,
                    event: event.code(),
                    from_status: from.code(),
                    to_status: to.code(),
                    suspended_from: (to == CaseStatus::Suspended).then_some(from.code()),
                    closure_reason,
                    note: note.trim(),
                    user_id: caller.user.id,
                    agency_id: caller.agency.id,
                },
            )
            .await
            .map_err(already(
                "ケースの状態が先に変更されました。画面を読み込み直してください",
            ))?;
        if matches!(event, CaseEvent::Reopen) {
            record_on(
                app,
                caller,
                &grant,
                AuditAction::Update,
                "case_reopen",
                case.id,
                "",
            )
            .await?;
        }
        if let Some(code) = closure_reason {
            record_on(
                app,
                caller,
                &grant,
                AuditAction::Update,
                "case_closure",
                case.id,
                code,
            )
            .await?;
        }
        app.store.case_any(case.id).await?.ok_or(AppError::NotFound)
    })
    .await
}

/// A case the caller manages, and a record-holding agency of the caller's municipality
/// that is not its lead (`is_lead`: the refusal when it is).
async fn case_and_another_agency(
    app: &App,
    caller: &Caller,
    id: i64,
    agency_id: AgencyId,
    is_lead: &str,
) -> AppResult<Case> {
    let (case, _) = case_to_manage(app, caller, CaseRight::Manage, id).await?;
    let agencies = app.store.agencies(caller.municipality.id).await?;
    if !record_holding(&agencies).any(|a| a.id == agency_id) {
        return Err(invalid(&["この自治体の相談支援機関から選んでください"]));
    }
    if agency_id == case.lead_agency_id {
        return Err(invalid(&[is_lead]));
    }
    Ok(case)
}

/// Adds an involved agency (関与機関).
pub async fn add_agency(app: &App, caller: &Caller, id: i64, agency_id: AgencyId) -> AppResult<()> {
    app.unit(async |app| {
        let case =
            case_and_another_agency(app, caller, id, agency_id, "その機関は主担当機関です").await?;
        app.store
            .add_case_agency(
                caller.municipality.id,
                case.id,
                agency_id,
                caller.user.id,
                caller.agency.id,
            )
            .await
            .map_err(|e| match e {
                StoreError::Invalid(m) => AppError::Validation(vec![m]),
                other => other.into(),
            })
    })
    .await
}

/// Ends an agency's involvement with a reason (kept in the case's history); its history
/// stays readable to it.
pub async fn end_agency(
    app: &App,
    caller: &Caller,
    id: i64,
    agency_id: AgencyId,
    reason: &str,
) -> AppResult<()> {
    app.unit(async |app| {
        let (case, _) = case_to_manage(app, caller, CaseRight::Manage, id).await?;
        let reason = agency_end_reason(reason).map_err(|e| invalid(&[e]))?;
        let ended = app
            .store
            .end_case_agency(
                caller.municipality.id,
                case.id,
                agency_id,
                &reason,
                (caller.user.id, caller.agency.id),
            )
            .await;
        match ended {
            // An agency not involved now has no involvement to end: not found, on record
            // like every probe.
            Err(StoreError::NotFound) => {
                Err(not_found(app, caller, "case_agency", agency_id).await)
            }
            ended => Ok(ended?),
        }
    })
    .await
}

/// Makes another agency the lead (主担当); the previous lead stays involved.
pub async fn change_lead(
    app: &App,
    caller: &Caller,
    id: i64,
    agency_id: AgencyId,
) -> AppResult<()> {
    app.unit(async |app| {
        let case =
            case_and_another_agency(app, caller, id, agency_id, "その機関はすでに主担当機関です")
                .await?;
        app.store
            .set_case_lead(
                caller.municipality.id,
                &case,
                agency_id,
                caller.user.id,
                caller.agency.id,
            )
            .await?;
        Ok(())
    })
    .await
}

/// Records the hand-over to the lead agency (多機関協働's own involvement ends; the case
/// goes on). Refused while the coordinating agency is still the lead.
pub async fn hand_over(app: &App, caller: &Caller, id: i64, note: &str) -> AppResult<()> {
    app.unit(async |app| {
        let (case, _) = case_to_manage(app, caller, CaseRight::HandOver, id).await?;
        let coordinating = caller.coordinating_agency;
        let status = case.status;
        case::check_handover(
            status,
            case.coordination_ended_at.is_some(),
            case.lead_agency_id,
            coordinating,
            note,
        )
        .map_err(|e| invalid(&[e]))?;
        app.store
            .hand_over_case(
                caller.municipality.id,
                case.id,
                note.trim(),
                caller.user.id,
                caller.agency.id,
            )
            .await
            .map_err(already("多機関協働の関与はすでに終了しています"))
    })
    .await
}

/// What the case page shows besides the [`CaseDetail`]: the municipality's agencies (to
/// choose from), the consents of the case's person or household, and the meetings that
/// had the case on their agenda.
pub struct CaseOverview {
    pub detail: CaseDetail,
    pub agencies: Vec<Agency>,
    pub consents: Vec<Consent>,
    pub agendas: Vec<CaseAgenda>,
    /// The case is on a 支援会議's agenda and a consent now covers the 重層的支援会議: the
    /// page offers the move.
    pub offer_move: bool,
    /// What the case page shows first: the newest plan's goals, roles and next monitoring
    /// (with the full view only, as on the plan's own page).
    pub plan: Option<PlanOutline>,
}

/// The newest version of a case's plan, in outline.
#[derive(Debug, Clone)]
pub struct PlanOutline {
    pub plan: Plan,
    /// 役割分担: who does what.
    pub actions: Vec<PlanAction>,
    /// The earliest monitoring not yet done.
    pub next_monitoring: Option<NaiveDate>,
}

pub async fn case_overview(app: &App, caller: &Caller, id: i64) -> AppResult<CaseOverview> {
    let detail = load_case(app, caller, id).await?;
    let agencies = app.store.agencies(caller.municipality.id).await?;
    let consents = consents_of_case(app, &detail.case).await?;
    let agendas = app.store.agendas_of_case(detail.case.id).await?;
    let today = app.today();
    let on_support_agenda = agendas
        .iter()
        .any(|a| a.removed_at.is_none() && a.kind == MeetingKind::Support);
    let meeting_consent = consents
        .iter()
        .any(|c| c.in_force(today) && c.covers_multilayer_meeting);
    // Decided with the case above (the same rule as the plan's page): no second decision.
    let newest = match detail.grant.view() {
        View::Full => app
            .store
            .plans_of_case(detail.case.id)
            .await?
            .into_iter()
            .next(),
        _ => None,
    };
    let plan = match newest {
        Some(plan) => {
            let actions = app.store.plan_actions(plan.id).await?;
            let next_monitoring = app
                .store
                .monitorings(plan.id)
                .await?
                .iter()
                .filter(|m| m.done_at.is_none())
                .map(|m| m.due_on)
                .min();
            Some(PlanOutline {
                plan,
                actions,
                next_monitoring,
            })
        }
        None => None,
    };
    Ok(CaseOverview {
        plan,
        offer_move: offer_move_to_multilayer(on_support_agenda, meeting_consent),
        detail,
        agencies,
        consents,
        agendas,
    })
}

/// The cases among `all` the caller may read (each read audited with its basis; the
/// others are left out, as a list query would).
async fn readable(app: &App, caller: &Caller, all: &[Case]) -> AppResult<Vec<Case>> {
    let mut cases = Vec::new();
    for case in all {
        if listed_case(app, caller, case).await?.is_some() {
            cases.push(case.clone());
        }
    }
    Ok(cases)
}

/// The household's cases the caller may read (for the household page).
pub async fn household_cases(
    app: &App,
    caller: &Caller,
    household_id: i64,
) -> AppResult<Vec<Case>> {
    let all = app.store.cases_of_household(household_id).await?;
    readable(app, caller, &all).await
}

/// A person's 多機関協働 as their page shows it.
pub struct PersonCases {
    /// The person's cases the caller may read (the others are skipped, not refused).
    pub cases: Vec<Case>,
    /// Escalated intakes no case was opened from yet, for a caller who may open one.
    pub waiting: Vec<Intake>,
    pub consents: Vec<Consent>,
}

/// The cases, waiting intakes and consents of a person the caller was granted `grant` on.
pub async fn person_cases(
    app: &App,
    caller: &Caller,
    person: &Person,
    grant: &Grant,
) -> AppResult<PersonCases> {
    let all = app.store.cases_of_person(person.id).await?;
    let cases = readable(app, caller, &all).await?;
    let waiting = if may_open_case(caller, grant) {
        app.store
            .intakes_of(person.id)
            .await?
            .into_iter()
            .filter(|i| i.outcome == Outcome::Escalated)
            .filter(|i| !all.iter().any(|c| c.intake_id == Some(i.id)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(PersonCases {
        cases,
        waiting,
        consents: app.store.consents_of_person(person.id).await?,
    })
}

/// The case opened from an intake of the person `access` was granted on, if any (its page
/// links to it).
pub async fn intake_case(
    app: &App,
    intake: &Intake,
    access: &PersonAccess,
) -> AppResult<Option<Case>> {
    Ok(app
        .store
        .cases_of_person(access.person.id)
        .await?
        .into_iter()
        .find(|c| c.intake_id == Some(intake.id)))
}
