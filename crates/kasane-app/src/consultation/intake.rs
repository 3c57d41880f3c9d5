//! 相談受付 (intake) from any window: validated by the domain, with 名寄せ candidates for a
//! new person, the household it is recorded on, and the つなぎ an outcome of つなぎ sends.

use chrono::TimeDelta;
use kasane_domain::access::{Action, Subject};
use kasane_domain::audit::AuditAction;
use kasane_domain::intake::{
    CONSULTER_IS_THE_PERSON, IntakeDraft, IntakeRules, ValidIntake, validate,
};
use kasane_domain::person_match::{MatchInput, MatchLevel, reasons_label, score};
use kasane_store::household::Household;
use kasane_store::intake::{Intake, NewIntake};
use kasane_store::person::{Person, PersonFields};

use crate::consultation::household::{NewHead, start_household};
use crate::consultation::match_review::request_reviews;
use crate::consultation::person::PersonDraft;
use crate::guard::within_sheet;
use crate::guard::{
    Grant, Object, PersonAccess, audit, authorize, forbid, forbid_role, household_access, may_read,
    not_found, person_access, record, record_on,
};

/// The audit reason of a candidate check that found a record held by another window.
const MATCH_ELSEWHERE: &str = "他の窓口で把握されている候補あり";
use crate::{App, AppError, AppResult, Caller};

/// The household an intake is recorded on, as asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HouseholdChoice {
    #[default]
    None,
    /// A current household of the (known) person.
    Existing(i64),
    /// A new household with the new person as its head, started in the same save.
    New,
    /// Both a household and a new one: refused.
    Both,
}

impl HouseholdChoice {
    pub fn from_parts(household_id: Option<i64>, new_household: bool) -> HouseholdChoice {
        match (household_id, new_household) {
            (None, false) => HouseholdChoice::None,
            (Some(id), false) => HouseholdChoice::Existing(id),
            (None, true) => HouseholdChoice::New,
            (Some(_), true) => HouseholdChoice::Both,
        }
    }
}

/// A household choice checked by [`check_household`]: the only way to hand one to
/// [`save_intake`].
#[derive(Debug, Clone, Copy)]
struct CheckedHousehold(HouseholdChoice);

const HOUSEHOLD_NOT_THE_PERSONS: &str =
    "指定された世帯は、この方が現在属している世帯ではありません。世帯を選び直してください。";
const HOUSEHOLD_FOR_NEW_PERSON: &str = "新しく登録する方は、既存の世帯を指定できません。新しい世帯を作るか、登録後に世帯の画面で追加してください。";
const NEW_HOUSEHOLD_FOR_KNOWN: &str = "新しい世帯は、新しく登録する方についてのみ作れます。登録済みの方の世帯は世帯の画面で作成・変更してください。";
const HOUSEHOLD_AND_NEW: &str =
    "世帯の指定と新しい世帯の作成は、どちらか一方だけを選んでください。";

/// Checks a household choice against the person: an existing household must be a current
/// household of the person's 名寄せ group that the caller may see (another municipality's,
/// a missing one, or one the caller may not see, is answered like any other wrong one), a
/// new one is for a new person only. `Ok(Err(message))` for a choice to correct.
async fn check_household(
    app: &App,
    caller: &Caller,
    choice: HouseholdChoice,
    known: Option<&Person>,
) -> AppResult<Result<CheckedHousehold, &'static str>> {
    let problem = match (choice, known) {
        (HouseholdChoice::None, _) | (HouseholdChoice::New, None) => None,
        (HouseholdChoice::Both, _) => Some(HOUSEHOLD_AND_NEW),
        (HouseholdChoice::New, Some(_)) => Some(NEW_HOUSEHOLD_FOR_KNOWN),
        (HouseholdChoice::Existing(_), None) => Some(HOUSEHOLD_FOR_NEW_PERSON),
        (HouseholdChoice::Existing(id), Some(person)) => {
            let current = current_households(app, person.id).await?;
            if !current.iter().any(|h| h.id == id) {
                Some(HOUSEHOLD_NOT_THE_PERSONS)
            } else {
                match household_access(app, caller, Action::Read, id).await {
                    Ok(_) => None,
                    Err(AppError::NotFound | AppError::Forbidden(_)) => {
                        Some(HOUSEHOLD_NOT_THE_PERSONS)
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    };
    Ok(match problem {
        None => Ok(CheckedHousehold(choice)),
        Some(p) => Err(p),
    })
}

/// The households a person's 名寄せ group currently belongs to, by id.
pub async fn current_households(app: &App, canonical_id: i64) -> AppResult<Vec<Household>> {
    let mut ids: Vec<i64> = app
        .store
        .memberships_of(canonical_id)
        .await?
        .into_iter()
        .filter(|m| m.left_on.is_none())
        .map(|m| m.household_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(h) = app.store.household_any(id).await? {
            out.push(h);
        }
    }
    Ok(out)
}

/// A 名寄せ candidate as the worker may see it.
pub enum Candidate {
    /// The worker may see this person: name, birth date, score and reasons.
    Visible {
        person: Box<Person>,
        score: u8,
        level: MatchLevel,
        reasons: String,
    },
    /// Known to another window only: nothing of the record, not even which window (its
    /// name would reveal the field); the record is kept for the 名寄せ確認依頼 only.
    Elsewhere {
        level: MatchLevel,
        record: Elsewhere,
    },
}

/// The record behind a [`Candidate::Elsewhere`], for the app alone.
#[derive(Debug, Clone, Copy)]
pub struct Elsewhere(i64);

impl Candidate {
    pub fn level(&self) -> MatchLevel {
        match self {
            Candidate::Visible { level, .. } | Candidate::Elsewhere { level, .. } => *level,
        }
    }
}

/// An intake as submitted through the page or the API.
pub struct IntakeSubmission<'a> {
    /// A person already known (chosen from the candidates, or the page it was started
    /// from); then `person` is ignored.
    pub person_id: Option<i64>,
    /// The new person's fields when `person_id` is `None`.
    pub person: &'a PersonDraft,
    /// The worker has seen the 名寄せ candidates (or chose to create a new person anyway).
    pub confirm_new_person: bool,
    pub draft: &'a IntakeDraft,
    pub referral_reason: &'a str,
    /// The household to record the intake on (see [`check_household`]).
    pub household: HouseholdChoice,
}

/// What became of a submitted intake.
pub enum IntakeResult {
    Saved(SavedIntake),
    /// Every problem at once; `known` is the chosen person, if any.
    Invalid {
        errors: Vec<String>,
        known: Option<Box<Person>>,
    },
    /// A new person resembles existing records: the worker must choose first.
    Candidates(Vec<Candidate>),
}

/// Validates an intake, checks 名寄せ candidates for a new person (once, unless confirmed)
/// and records it with [`save_intake`]. Shared by the intake page and `POST /api/v1/intakes`.
pub async fn submit_intake(
    app: &App,
    caller: &Caller,
    s: &IntakeSubmission<'_>,
) -> AppResult<IntakeResult> {
    app.unit(async |app| {
        let cfg = app.config(&caller.municipality)?;
        let rules = IntakeRules::from_config(
            &cfg,
            (app.now() + TimeDelta::hours(9)).naive_utc(),
            caller.agency.id,
        );
        let intake = validate(s.draft, &rules);
        let districts: Vec<&str> = cfg.districts.iter().map(|d| d.code.as_str()).collect();
        let person_fields = match s.person_id {
            Some(_) => Ok(None),
            None => s.person.parse(&districts, app.today()).map(Some),
        };
        let mut errors: Vec<String> = Vec::new();
        if let Err(e) = &intake {
            errors.extend(e.iter().map(ToString::to_string));
        }
        if let Err(e) = &person_fields {
            errors.extend(e.iter().map(|e| e.message.clone()));
        }
        let known = match s.person_id {
            Some(id) => Some(Box::new(known_person(app, caller, id).await?)),
            None => None,
        };
        let household = check_household(app, caller, s.household, known.as_deref()).await?;
        if let Err(problem) = household {
            errors.push(problem.to_string());
        }
        let picked = intake.as_ref().ok().and_then(|v| v.consulter_person_id);
        let consulter = picked_consulter(app, caller, picked, known.as_ref().map(|p| p.id)).await?;
        if let Err(problem) = consulter {
            errors.push(problem.to_string());
        }
        let (Ok(mut intake), Ok(fields), Ok(household), Ok(consulter)) =
            (intake, person_fields, household, consulter)
        else {
            return Ok(IntakeResult::Invalid { errors, known });
        };
        fill_consulter(&mut intake, consulter.as_ref());
        // A new person: show the 名寄せ candidates once before creating another record; the
        // ones held elsewhere are asked about when it is created.
        let mut elsewhere = Vec::new();
        if let Some(fields) = &fields {
            let candidates = candidates(app, caller, fields).await?;
            if candidates
                .iter()
                .any(|c| matches!(c, Candidate::Elsewhere { .. }))
            {
                // The check is on record; nothing of the other record is.
                let object = Object {
                    kind: "person_match",
                    id: "new",
                };
                audit(app, caller, AuditAction::View, object, "", MATCH_ELSEWHERE).await?;
            }
            if !s.confirm_new_person && !candidates.is_empty() {
                return Ok(IntakeResult::Candidates(candidates));
            }
            elsewhere = candidates
                .iter()
                .filter_map(|c| match c {
                    Candidate::Elsewhere { level, record } => {
                        Some((record.0, *level == MatchLevel::Strong))
                    }
                    Candidate::Visible { .. } => None,
                })
                .collect();
        }
        let person = match (known, fields) {
            (Some(p), _) => IntakePerson::Existing(p.id),
            (None, Some(fields)) => IntakePerson::New(Box::new(fields)),
            (None, None) => return Err(AppError::BadRequest("本人が選ばれていません".into())),
        };
        let (mut saved, grant) =
            save_intake(app, caller, person, household, &intake, s.referral_reason).await?;
        saved.review_requested = request_reviews(
            app,
            caller,
            &grant,
            saved.person_id,
            saved.intake_id,
            &elsewhere,
        )
        .await?;
        Ok(IntakeResult::Saved(saved))
    })
    .await
}

const CONSULTER_NOT_FOUND: &str =
    "選んだ相談者の記録を確認できません。相談者を選び直してください。";

/// A picked consulter (the picker offers only persons the caller may read): their canonical
/// record, read like any other (audited), and never the intake's own `person`. One the
/// caller may not see is answered like a missing one. `Ok(Err(message))` for a choice to
/// correct.
pub async fn picked_consulter(
    app: &App,
    caller: &Caller,
    id: Option<i64>,
    person: Option<i64>,
) -> AppResult<Result<Option<Person>, &'static str>> {
    let Some(id) = id else {
        return Ok(Ok(None));
    };
    match person_access(app, caller, Action::Read, id).await {
        Ok(a) if Some(a.person.id) == person => Ok(Err(CONSULTER_IS_THE_PERSON)),
        Ok(a) => Ok(Ok(Some(a.person))),
        Err(AppError::NotFound) => Ok(Err(CONSULTER_NOT_FOUND)),
        Err(e) => Err(e),
    }
}

/// Links the intake to the picked consulter's canonical record; a blank 相談者氏名 takes
/// their name, so lists and exports name them without reading the link.
pub(crate) fn fill_consulter(intake: &mut ValidIntake, consulter: Option<&Person>) {
    intake.consulter_person_id = consulter.map(|p| p.id);
    if let Some(p) = consulter
        && intake.consulter_name.is_empty()
    {
        intake.consulter_name = p.name.clone();
    }
}

/// The person an intake is started for (「この方の相談を受け付ける」): one the caller may
/// record a consultation about.
pub async fn known_person(app: &App, caller: &Caller, id: i64) -> AppResult<Person> {
    Ok(person_access(app, caller, Action::Create, id).await?.person)
}

/// Whom an intake is about: a record the caller already may write about, or a new one.
enum IntakePerson {
    Existing(i64),
    New(Box<PersonFields>),
}

/// The records a saved intake made or used.
#[derive(Debug, Clone, Copy)]
pub struct SavedIntake {
    pub person_id: i64,
    pub intake_id: i64,
    pub household_id: Option<i64>,
    /// A 名寄せ確認依頼 was sent with it ([`kasane_domain::match_review::REQUESTED_NOTICE`]).
    pub review_requested: bool,
}

/// Records a validated intake (creating the person if new, and their household if asked;
/// sending the referral if the outcome is つなぎ), audited.
async fn save_intake(
    app: &App,
    caller: &Caller,
    person: IntakePerson,
    household: CheckedHousehold,
    intake: &ValidIntake,
    referral_reason: &str,
) -> AppResult<(SavedIntake, Grant)> {
    // Checked before anything is written, so a refused intake leaves no new person behind.
    if intake.receiving_agency_id != caller.agency.id {
        // An agency records its own consultations; involvement follows from that.
        let reason = "受付機関は自分の所属機関のみ指定できます";
        return Err(forbid_role(app, caller, "intake", reason).await);
    }
    if let Some(to) = intake.referred_to_agency_id {
        // Only this municipality's agencies can receive a つなぎ.
        app.store.agency(caller.municipality.id, to).await?;
    }
    let (person_id, grant, household_id) = match person {
        IntakePerson::Existing(id) => {
            let access = person_access(app, caller, Action::Create, id).await?;
            let household_id = match household.0 {
                HouseholdChoice::None => None,
                HouseholdChoice::Existing(h) => Some(h),
                // Refused by `check_household` for a known person.
                HouseholdChoice::New | HouseholdChoice::Both => {
                    return Err(AppError::Validation(vec![NEW_HOUSEHOLD_FOR_KNOWN.into()]));
                }
            };
            (access.person.id, access.grant, household_id)
        }
        IntakePerson::New(fields) => {
            let subject = Subject::NewPerson {
                municipality_id: caller.municipality.id,
            };
            let grant = authorize(
                app,
                caller,
                Action::Create,
                &subject,
                Object {
                    kind: "person",
                    id: "new",
                },
            )
            .await?;
            let id = app
                .store
                .create_person(
                    caller.municipality.id,
                    caller.agency.id,
                    caller.user.id,
                    &fields,
                )
                .await?;
            // The authorisation above names no id yet: the new record's own entry does, so
            // an auditor finds how the person came to be recorded.
            record_on(app, caller, &grant, AuditAction::Create, "person", id, "").await?;
            let household_id = match household.0 {
                HouseholdChoice::New => {
                    let head = NewHead {
                        person_id: id,
                        name: &fields.name,
                        address: &fields.address,
                        district_code: fields.district_code.as_deref(),
                    };
                    Some(start_household(app, caller, head, "", &grant).await?)
                }
                _ => None,
            };
            (id, grant, household_id)
        }
    };
    let reason = match referral_reason.trim() {
        "" => intake.summary.clone(),
        r => r.to_string(),
    };
    let (intake_id, referral_id) = app
        .store
        .create_intake(
            caller.municipality.id,
            caller.user.id,
            &new_intake(person_id, household_id, intake, reason),
        )
        .await?;
    let oid = intake_id.to_string();
    record(
        app,
        caller,
        &grant,
        AuditAction::Create,
        Object {
            kind: "intake",
            id: &oid,
        },
        "",
    )
    .await?;
    if let Some(rid) = referral_id {
        let oid = rid.to_string();
        record(
            app,
            caller,
            &grant,
            AuditAction::Create,
            Object {
                kind: "referral",
                id: &oid,
            },
            "",
        )
        .await?;
    }
    let saved = SavedIntake {
        person_id,
        intake_id,
        household_id,
        review_requested: false,
    };
    Ok((saved, grant))
}

/// The store's form of a validated intake.
fn new_intake(
    person_id: i64,
    household_id: Option<i64>,
    v: &ValidIntake,
    referral_reason: String,
) -> NewIntake {
    NewIntake {
        person_id,
        household_id,
        // Entered in Japan time.
        received_at: (v.received_at - TimeDelta::hours(9)).and_utc(),
        receiving_agency_id: v.receiving_agency_id,
        channel: v.channel,
        consulter_kind: v.consulter_kind,
        consulter_person_id: v.consulter_person_id,
        consulter_name: v.consulter_name.clone(),
        consulter_relation: v.consulter_relation.clone(),
        consent_to_share: v.consent_to_share,
        summary: v.summary.clone(),
        urgency: v.urgency,
        outcome: v.outcome,
        referred_to_agency_id: v.referred_to_agency_id,
        referral_reason,
        immediate_action: v.immediate_action.clone().unwrap_or_default(),
        most_pressing: v.most_pressing.map(|c| c.code().to_string()),
        issues: v.issues.clone(),
        concerns: v.concerns.iter().map(|c| c.code().to_string()).collect(),
    }
}

/// Scores the municipality's records against a new person, best first (有力候補, then
/// 参考候補; by score, the newest record first among equals). Candidates the worker may
/// not see are reduced to their level.
async fn candidates(app: &App, caller: &Caller, f: &PersonFields) -> AppResult<Vec<Candidate>> {
    let new = MatchInput {
        name: &f.name,
        furigana: f.furigana.as_deref(),
        birth_date: f.birth_date,
        external_id: f.external_id.as_deref(),
        phone: f.phone.as_deref(),
    };
    let mut scored = Vec::new();
    for p in app.store.match_prefilter(caller.municipality.id, f).await? {
        let s = score(
            &new,
            &MatchInput {
                name: &p.name,
                furigana: p.furigana.as_deref(),
                birth_date: p.birth_date,
                external_id: p.external_id.as_deref(),
                phone: p.phone.as_deref(),
            },
        );
        if let Some(level) = s.level() {
            scored.push((s, level, p));
        }
    }
    scored.sort_by(|(a, _, p), (b, _, q)| b.score.cmp(&a.score).then(q.id.cmp(&p.id)));
    let mut out = Vec::with_capacity(scored.len());
    for (s, level, p) in scored {
        let reasons = reasons_label(&s.reasons);
        let facts = app.store.person_facts(p.municipality_id, p.id).await?;
        let visible = may_read(app, caller, &facts);
        if visible {
            out.push(Candidate::Visible {
                person: Box::new(p),
                score: s.score,
                level,
                reasons,
            });
        } else {
            out.push(Candidate::Elsewhere {
                level,
                record: Elsewhere(p.id),
            });
        }
    }
    Ok(out)
}

/// An intake as the caller may read it: the record, its person's access, and its tags.
pub struct IntakeRead {
    pub intake: Intake,
    pub access: PersonAccess,
    /// Issue codes of the municipality's taxonomy and checklist codes (標準様式).
    pub issues: Vec<String>,
    pub concerns: Vec<String>,
}

/// What only the receiving agency may do to its intake (correct it, escalate it): the
/// record is its own. `may` completes the refusal (「相談受付は受け付けた機関のみ{may}」).
pub(crate) async fn own_intake(
    app: &App,
    caller: &Caller,
    intake: &Intake,
    may: &str,
) -> AppResult<()> {
    if intake.receiving_agency_id == caller.agency.id {
        Ok(())
    } else {
        let reason = format!("相談受付は受け付けた機関のみ{may}");
        Err(forbid(app, caller, "intake", intake.id, &reason).await)
    }
}

/// Reads an intake the caller may read in full, through its person: a つなぐシート view
/// does not extend to the intake record.
pub async fn read_intake(app: &App, caller: &Caller, id: i64) -> AppResult<IntakeRead> {
    let Some(intake) = app.store.intake_any(id).await? else {
        return Err(not_found(app, caller, "intake", id).await);
    };
    let access = person_access(app, caller, Action::Read, intake.person_id).await?;
    within_sheet(app, caller, &access.grant, "intake", intake.id).await?;
    let (issues, concerns) = app.store.intake_tags(id).await?;
    Ok(IntakeRead {
        intake,
        access,
        issues,
        concerns,
    })
}
