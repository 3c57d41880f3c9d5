//! The outreach case itself: opening it (for a person, a household, or an intake's person —
//! often a 民生委員's information — by a coordinator or staff who may create on the
//! record), what its page shows, the engagement stage's moves, its planned contact
//! interval and the hand-over to a つなぎ or a case once the person accepts support.

use kasane_domain::access::{Action, CaseRight, View, may_see_person_data};
use kasane_domain::audit::AuditAction;
use kasane_domain::identity::AgencyId;
use kasane_domain::intake::ConsulterKind;
use kasane_domain::outreach::{
    self, Alert, EngagementStage, InformantKind, OpeningDraft, Rhythm, check_interval, check_move,
    evidence_since, in_team, may_hand_over, validate_opening,
};
use kasane_store::case::CaseAgency;
use kasane_store::household::Household;
use kasane_store::intake::Intake;
use kasane_store::municipality::Agency;
use kasane_store::outreach::{
    Accompaniment, AttemptStaff, ContactAttempt, Handover, InformationNote, StageEvent, StageMove,
};
use kasane_store::person::Person;
use serde::Deserialize;

use crate::collaboration::case::{
    NewCaseInput, OpeningSubject, canonical_person_id, check_new_case, opening_subject,
};
use crate::error::{already, invalid};
use crate::guard::{Grant, case_access, case_to_manage, forbid_role, record_on};
use crate::{App, AppError, AppResult, Caller};

use super::rhythm::{case_alerts, rhythm_of};
use super::{OutreachAccess, outreach_access, outreach_of, problems, recorder, team_of};

const NO_PERSON_ROLE: &str = "アウトリーチのケースを開けるのは相談員・相談支援包括化推進員です";

/// An outreach case to open, as the page and the API (`POST /api/v1/outreach`) send it:
/// for a person, a household, or an intake's person.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = OutreachRequest)]
pub struct OpenInput {
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// The intake the concern came in with (a 民生委員's call, say); gives the person.
    pub intake_id: Option<i64>,
    /// 主担当機関 (the outreach team's agency); absent = the caller's.
    pub lead_agency_id: Option<AgencyId>,
    /// 関与機関 (a team visit may go with another agency's staff).
    pub agencies: Vec<AgencyId>,
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub informant_kind: String,
    /// 情報提供者: who they are (a volunteer is not a user).
    pub informant: String,
    /// 把握していること.
    pub known: String,
    /// 接触の間隔(日); absent = the municipality's.
    pub interval_days: Option<u32>,
}

/// Whom an outreach case is opened for, as the caller may create on it, and the agencies
/// to choose the lead and the involved ones from.
pub struct OpenSubject {
    pub person: Option<Person>,
    pub household: Option<Household>,
    pub intake: Option<Intake>,
    pub grant: Grant,
    pub agencies: Vec<Agency>,
}

/// The subject an outreach case is to be opened for: staff or a coordinator who may create
/// on the person (an intake gives its person) or the household — their full view.
pub async fn open_subject(app: &App, caller: &Caller, input: &OpenInput) -> AppResult<OpenSubject> {
    if !may_see_person_data(&caller.actor) {
        return Err(forbid_role(app, caller, "outreach_case", NO_PERSON_ROLE).await);
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
    Ok(OpenSubject {
        person,
        household,
        intake,
        grant,
        agencies: app.store.agencies(caller.municipality.id).await?,
    })
}

/// The form's first draft: from the intake, who brought the concern and what it said.
pub fn draft_from(subject: &OpenSubject) -> OpenInput {
    let mut input = OpenInput {
        person_id: subject.person.as_ref().map(|p| p.id),
        household_id: subject.household.as_ref().map(|h| h.id),
        intake_id: subject.intake.as_ref().map(|i| i.id),
        ..OpenInput::default()
    };
    if let Some(i) = &subject.intake {
        let kind = match i.consulter_kind {
            ConsulterKind::CommunityVolunteer => Some(InformantKind::MinseiIin),
            ConsulterKind::Neighbour => Some(InformantKind::Neighbour),
            ConsulterKind::Agency => Some(InformantKind::Agency),
            ConsulterKind::Person | ConsulterKind::Family | ConsulterKind::Other => None,
        };
        input.informant_kind = kind.map(|k| k.code().to_string()).unwrap_or_default();
        input.informant = i.consulter_name.clone();
        input.known = i.summary.clone();
    }
    input
}

/// Opens an outreach case: a case of kind アウトリーチ at 未接触, with its informant and what
/// is known; audited. Returns the case id.
pub async fn open_outreach(app: &App, caller: &Caller, input: &OpenInput) -> AppResult<i64> {
    app.unit(async |app| {
        let subject = open_subject(app, caller, input).await?;
        open_outreach_for(app, caller, input, &subject).await
    })
    .await
}

/// [`open_outreach`] on a subject already decided (the page keeps it to show the form again).
pub async fn open_outreach_for(
    app: &App,
    caller: &Caller,
    input: &OpenInput,
    subject: &OpenSubject,
) -> AppResult<i64> {
    app.unit(async |app| {
        let opening = validate_opening(&OpeningDraft {
            informant_kind: input.informant_kind.clone(),
            informant: input.informant.clone(),
            known: input.known.clone(),
            interval_days: input.interval_days,
        });
        let case = check_new_case(
            &NewCaseInput {
                kinds: vec![outreach_kind()],
                lead_agency_id: input.lead_agency_id,
                agencies: input.agencies.clone(),
                ..NewCaseInput::default()
            },
            &subject.agencies,
            caller.agency.id,
        );
        let (opening, case) = match (opening, case) {
            (Ok(o), Ok(c)) => (o, c),
            (opening, case) => {
                let mut all: Vec<String> = opening
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| e.message)
                    .collect();
                if let Err(AppError::Validation(more)) = case {
                    all.extend(more);
                }
                return Err(AppError::Validation(all));
            }
        };
        let kinds = case.kind_codes();
        let on = (
            subject.person.as_ref().map(|p| p.id),
            subject.household.as_ref().map(|h| h.id),
        );
        // Not the case's intake_id: that one is 多機関協働's escalated intake.
        let id = app
            .store
            .create_outreach_case(
                &case.to_create(caller, on, None, &kinds),
                subject.intake.as_ref().map(|i| i.id),
                &opening,
            )
            .await?;
        case.add_agencies(app, caller, id).await?;
        record_on(
            app,
            caller,
            &subject.grant,
            AuditAction::Create,
            "outreach_case",
            id,
            "",
        )
        .await?;
        Ok(id)
    })
    .await
}

fn outreach_kind() -> String {
    kasane_domain::case::CaseKind::Outreach.code().to_string()
}

/// One contact attempt with the staff who went.
#[derive(Debug, Clone)]
pub struct AttemptLine {
    pub attempt: ContactAttempt,
    pub staff: Vec<AttemptStaff>,
}

/// Everything the outreach case's page and `GET /api/v1/outreach/{id}` show.
pub struct OutreachDetail {
    pub access: OutreachAccess,
    pub agencies: Vec<CaseAgency>,
    pub stage_events: Vec<StageEvent>,
    pub attempts: Vec<AttemptLine>,
    /// 情報収集, for the outreach team only (`None` for a reader beyond it).
    pub notes: Option<Vec<InformationNote>>,
    pub accompaniments: Vec<Accompaniment>,
    pub handovers: Vec<Handover>,
    /// The case's contact rhythm (its own interval, or the municipality's).
    pub rhythm: Rhythm,
    pub alerts: Vec<Alert>,
    /// The attempt a forward move would rest on now, if any.
    pub evidence: Option<i64>,
    /// The caller may record (attempts, notes, 伴走支援): the full view of the case.
    pub writable: bool,
    /// The caller may move the stage, set the interval and hand over (the lead agency or
    /// 多機関協働, as for the case's status).
    pub may_manage: bool,
}

impl OutreachDetail {
    pub fn stage(&self) -> EngagementStage {
        self.access.outreach.stage
    }
}

/// The outreach case as the caller may read it.
pub async fn load_outreach(app: &App, caller: &Caller, id: i64) -> AppResult<OutreachDetail> {
    let access = outreach_access(app, caller, Action::Read, id).await?;
    let case_id = access.case.id;
    let agencies = app.store.case_agencies(case_id).await?;
    let team = team_of(&access.case, &agencies);
    let notes = match in_team(&team, caller.agency.id, caller.coordinates()) {
        true => Some(app.store.information_notes(case_id).await?),
        false => None,
    };
    let staff = app.store.contact_attempt_staff(case_id).await?;
    let attempts = app
        .store
        .contact_attempts(case_id)
        .await?
        .into_iter()
        .map(|attempt| AttemptLine {
            staff: staff
                .iter()
                .filter(|s| s.attempt_id == attempt.id)
                .cloned()
                .collect(),
            attempt,
        })
        .collect();
    let stage_events = app.store.outreach_stage_events(case_id).await?;
    let facts = app.store.attempt_facts(case_id).await?;
    let rhythm = rhythm_of(app, caller, &access.outreach)?;
    let alerts = case_alerts(&access.outreach, &facts, rhythm, app.today());
    let evidence = evidence_since(
        &super::rhythm::attempt_facts(&facts),
        stage_events.last().map(|e| super::local(e.occurred_at)),
    );
    let may_manage =
        crate::guard::may_manage(app, caller, &access.case, &access.facts, CaseRight::Manage);
    Ok(OutreachDetail {
        writable: access.grant.view() == View::Full,
        may_manage,
        agencies,
        stage_events,
        attempts,
        notes,
        accompaniments: app.store.accompaniments(case_id).await?,
        handovers: app.store.outreach_handovers(case_id).await?,
        rhythm,
        alerts,
        evidence,
        access,
    })
}

/// The outreach case the caller manages (moves the stage, sets the interval, hands over):
/// the case's lead agency or 多機関協働, decided by the rule on the case and audited.
async fn outreach_to_manage(app: &App, caller: &Caller, id: i64) -> AppResult<OutreachAccess> {
    let (case, grant) = case_to_manage(app, caller, CaseRight::Manage, id).await?;
    let facts = app.store.case_facts(&case).await?;
    outreach_of(app, caller, case, grant, facts).await
}

/// Moves the engagement stage to `to`: forward one step only on evidence (an attempt that
/// reached someone after the last move), back only with a reason (関係が途切れた) — the
/// domain decides (422 with its message); the store moves it from the stage it was decided
/// on (409 if someone was faster). Audited with the move.
pub async fn move_stage(
    app: &App,
    caller: &Caller,
    id: i64,
    to: &str,
    reason: &str,
) -> AppResult<EngagementStage> {
    app.unit(async |app| {
        let access = outreach_to_manage(app, caller, id).await?;
        let to = match to.trim() {
            "" => return Err(invalid(&["移す先: 段階を選んでください"])),
            s => s
                .parse::<EngagementStage>()
                .map_err(|e| invalid(&[format!("移す先: {e}")]))?,
        };
        let from = access.outreach.stage;
        let last_move = app
            .store
            .outreach_stage_events(id)
            .await?
            .last()
            .map(|e| super::local(e.occurred_at));
        let facts = app.store.attempt_facts(id).await?;
        let evidence = evidence_since(&super::rhythm::attempt_facts(&facts), last_move);
        let direction = check_move(from, to, reason, evidence).map_err(|e| problems(vec![e]))?;
        app.store
            .move_outreach_stage(
                recorder(caller),
                &StageMove {
                    case_id: id,
                    from,
                    to,
                    direction: direction.code(),
                    reason: reason.trim(),
                    evidence_attempt_id: match direction {
                        outreach::Direction::Forward => evidence,
                        outreach::Direction::Back => None,
                    },
                },
            )
            .await
            .map_err(already(
                "関係構築段階が先に変更されました。画面を読み込み直してください",
            ))?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            "outreach_stage",
            id,
            &format!("{}→{}", from.code(), to.code()),
        )
        .await?;
        Ok(to)
    })
    .await
}

/// Sets the case's planned contact interval (`None`: the municipality's).
pub async fn set_interval(app: &App, caller: &Caller, id: i64, days: Option<u32>) -> AppResult<()> {
    app.unit(async |app| {
        let access = outreach_to_manage(app, caller, id).await?;
        if let Some(d) = days {
            check_interval(d).map_err(|e| problems(vec![e]))?;
        }
        app.store.set_outreach_interval(id, days).await?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            "outreach_interval",
            id,
            &days.map_or_else(|| "default".to_string(), |d| d.to_string()),
        )
        .await
    })
    .await
}

/// A hand-over as the page and the API send it: a つなぎ of the person, or a case.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = OutreachHandoverRequest)]
pub struct HandoverInput {
    /// A つなぎ (referral) of the person to the agency that takes over.
    pub referral_id: Option<i64>,
    /// The 多機関協働 (or 参加支援) case that takes over.
    pub case_id: Option<i64>,
    /// What was handed over.
    pub note: String,
}

/// Records the hand-over once the person accepts support (支援受入 or later): linked to a
/// つなぎ of the case's person (or of a current member of its household) or to another case
/// the caller reads. The outreach case goes on; the stage moves as ever, on evidence.
pub async fn hand_over(
    app: &App,
    caller: &Caller,
    id: i64,
    input: &HandoverInput,
) -> AppResult<i64> {
    app.unit(async |app| {
        let access = outreach_to_manage(app, caller, id).await?;
        if !may_hand_over(access.outreach.stage) {
            return Err(invalid(&[
                "引継ぎ先: 引継ぎは本人が支援を受け入れてから(「支援受入」以降)記録します",
            ]));
        }
        let note = input.note.trim();
        if note.chars().count() > outreach::TEXT_MAX_CHARS {
            return Err(invalid(&[format!(
                "引継ぎの内容: {}文字以内で入力してください",
                outreach::TEXT_MAX_CHARS
            )]));
        }
        let target = match (input.referral_id, input.case_id) {
            (Some(r), None) => {
                handed_referral(app, &access, r).await?;
                (Some(r), None)
            }
            (None, Some(c)) if c != id => {
                case_access(app, caller, Action::Read, c).await?;
                (None, Some(c))
            }
            _ => {
                return Err(invalid(&[
                    "引継ぎ先: つなぎか、引き継ぐケース(このケース以外)のどちらか一方を選んでください",
                ]));
            }
        };
        let handover = app
            .store
            .create_outreach_handover(recorder(caller), id, target, note)
            .await?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            "outreach_handover",
            handover,
            &format!("case:{id}"),
        )
        .await?;
        Ok(handover)
    })
    .await
}

/// A つなぎ the outreach case may be handed over to: one of its person's (or of a current
/// member of its household); anything else is a field problem, never read.
async fn handed_referral(app: &App, access: &OutreachAccess, referral_id: i64) -> AppResult<()> {
    let wrong = || invalid(&["引継ぎ先: このケースの本人(世帯員)のつなぎを選んでください"]);
    let Some(r) = app.store.referral_any(referral_id).await? else {
        return Err(wrong());
    };
    if r.municipality_id != access.case.municipality_id {
        return Err(wrong());
    }
    let of = canonical_person_id(app, r.person_id).await?;
    let ours = match (access.case.person_id, access.case.household_id) {
        (Some(p), _) => vec![canonical_person_id(app, p).await?],
        (None, Some(h)) => {
            let mut ids = Vec::new();
            for m in app.store.household_members(h, true).await? {
                ids.push(canonical_person_id(app, m.person_id).await?);
            }
            ids
        }
        (None, None) => Vec::new(),
    };
    if ours.contains(&of) {
        Ok(())
    } else {
        Err(wrong())
    }
}

/// Whether the caller may open an outreach case on a record they were granted `grant` on:
/// staff or a coordinator with its full view (the pages offer 「アウトリーチを始める」 by it).
pub fn may_open(caller: &Caller, grant: &Grant) -> bool {
    may_see_person_data(&caller.actor) && grant.view() == View::Full
}

/// The outreach cases among `cases` the caller may read (each read audited with its
/// basis; the others are left out, as a list query would).
async fn readable(
    app: &App,
    caller: &Caller,
    cases: Vec<kasane_store::case::Case>,
) -> AppResult<Vec<kasane_store::outreach::OutreachCase>> {
    let mut out = Vec::new();
    for case in cases {
        let Some(o) = app.store.outreach_any(case.id).await? else {
            continue;
        };
        if crate::guard::listed_case(app, caller, &case)
            .await?
            .is_some()
        {
            out.push(o);
        }
    }
    Ok(out)
}

/// The outreach cases of a person (their 名寄せ group, directly or through a current
/// household) the caller may read, for the person's page.
pub async fn person_outreach(
    app: &App,
    caller: &Caller,
    person: &Person,
) -> AppResult<Vec<kasane_store::outreach::OutreachCase>> {
    let all = app.store.cases_of_person(person.id).await?;
    readable(app, caller, all).await
}

/// The outreach cases opened from an intake the caller read (through its person's grant)
/// that the caller may read, for the intake's page.
pub async fn intake_outreach(
    app: &App,
    caller: &Caller,
    intake_id: i64,
) -> AppResult<Vec<kasane_store::outreach::OutreachCase>> {
    let mut cases = Vec::new();
    for id in app.store.outreach_from_intake(intake_id).await? {
        if let Some(case) = app.store.case_any(id).await? {
            cases.push(case);
        }
    }
    readable(app, caller, cases).await
}

/// The outreach cases of a household the caller may read, for the household's page.
pub async fn household_outreach(
    app: &App,
    caller: &Caller,
    household_id: i64,
) -> AppResult<Vec<kasane_store::outreach::OutreachCase>> {
    let all = app.store.cases_of_household(household_id).await?;
    readable(app, caller, all).await
}
