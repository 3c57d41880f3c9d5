//! Pages: the one intake form every window uses (相談受付), with 名寄せ candidates, and the
//! intake record page.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::TimeDelta;
use kasane_domain::access::{Action, Subject};
use kasane_domain::intake::{
    Channel, ConcernItem, ConsulterKind, IntakeDraft, IntakeRules, Outcome, Urgency, ValidIntake,
    validate,
};
use kasane_domain::person_match::{MatchInput, is_candidate, reasons_label, score};
use kasane_store::household::Household;
use kasane_store::intake::NewIntake;
use kasane_store::person::{Person, PersonFields};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::households::{NewHead, start_household};
use crate::pages::persons::birth_label;
use crate::ui::fmt::jst;
use crate::ui::layout::page;
use kasane_app::consultation::person::PersonDraft;
use kasane_app::guard::{
    Object, PersonAccess, authorize, household_access, may_read, not_found, person_access, record,
};
use kasane_domain::audit::AuditAction;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intakes/new", get(new_page).post(submit))
        .route("/intakes/{id}", get(intake_page))
}

/// The whole intake form. Lists arrive as repeated fields (`issues=a&issues=b`).
#[derive(Debug, Default, Clone)]
pub struct IntakeForm {
    pub csrf: String,
    pub person_id: Option<i64>,
    /// `""` (not decided yet), `"new"`, or the id of a candidate the worker picked.
    pub person_choice: String,
    pub person: PersonDraft,
    pub draft: IntakeDraft,
    pub referral_reason: String,
    /// The household select of a known person: `None` until the form is sent (then the
    /// person's only current household is preselected), `""` for 「世帯を指定しない」.
    pub household_id: Option<String>,
    /// A new person: 「この方を世帯主として新しい世帯を作る」.
    pub new_household: bool,
}

impl IntakeForm {
    /// Parses `application/x-www-form-urlencoded` pairs; repeated keys collect.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> IntakeForm {
        let mut f = IntakeForm::default();
        let id = |v: &str| v.trim().parse::<i64>().ok();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "person_id" => f.person_id = id(&v),
                "person_choice" => f.person_choice = v,
                "name" => f.person.name = v,
                "furigana" => f.person.furigana = v,
                "birth_date" => f.person.birth_date = v,
                "sex" => f.person.sex = v,
                "address" => f.person.address = v,
                "district" => f.person.district = v,
                "phone" => f.person.phone = v,
                "note" => f.person.note = v,
                "external_id" => f.person.external_id = v,
                "received_at" => f.draft.received_at = v,
                "channel" => f.draft.channel = v,
                "consulter_kind" => f.draft.consulter_kind = v,
                "consulter_name" => f.draft.consulter_name = v,
                "consulter_relation" => f.draft.consulter_relation = v,
                "issues" => f.draft.issues.push(v),
                "concerns" => f.draft.concerns.push(v),
                "most_pressing" if !v.is_empty() => f.draft.most_pressing = Some(v),
                "consent_to_share" => {
                    f.draft.consent_to_share = match v.as_str() {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    }
                }
                "summary" => f.draft.summary = v,
                "urgency" => f.draft.urgency = v,
                "outcome" => f.draft.outcome = v,
                "referred_to_agency_id" => f.draft.referred_to_agency_id = id(&v),
                "referral_reason" => f.referral_reason = v,
                "immediate_action" => f.draft.immediate_action = v,
                "household_id" => f.household_id = Some(v),
                "new_household" => f.new_household = true,
                _ => {}
            }
        }
        f
    }

    /// The household as chosen on the form.
    pub fn household(&self) -> HouseholdChoice {
        let id = self
            .household_id
            .as_deref()
            .and_then(|v| v.trim().parse().ok());
        HouseholdChoice::from_parts(id, self.new_household)
    }
}

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
pub struct CheckedHousehold(HouseholdChoice);

pub const HOUSEHOLD_NOT_THE_PERSONS: &str =
    "指定された世帯は、この方が現在属している世帯ではありません。世帯を選び直してください。";
pub const HOUSEHOLD_FOR_NEW_PERSON: &str = "新しく登録する方は、既存の世帯を指定できません。新しい世帯を作るか、登録後に世帯の画面で追加してください。";
pub const NEW_HOUSEHOLD_FOR_KNOWN: &str = "新しい世帯は、新しく登録する方についてのみ作れます。登録済みの方の世帯は世帯の画面で作成・変更してください。";
pub const HOUSEHOLD_AND_NEW: &str =
    "世帯の指定と新しい世帯の作成は、どちらか一方だけを選んでください。";

/// Checks a household choice against the person: an existing household must be a current
/// household of the person's 名寄せ group that the caller may see (another municipality's,
/// a missing one, or one the caller may not see, is answered like any other wrong one), a
/// new one is for a new person only. `Ok(Err(message))` for a choice to correct.
pub async fn check_household(
    state: &AppState,
    ctx: &Ctx,
    choice: HouseholdChoice,
    known: Option<&Person>,
) -> Result<Result<CheckedHousehold, &'static str>, AppError> {
    let problem = match (choice, known) {
        (HouseholdChoice::None, _) | (HouseholdChoice::New, None) => None,
        (HouseholdChoice::Both, _) => Some(HOUSEHOLD_AND_NEW),
        (HouseholdChoice::New, Some(_)) => Some(NEW_HOUSEHOLD_FOR_KNOWN),
        (HouseholdChoice::Existing(_), None) => Some(HOUSEHOLD_FOR_NEW_PERSON),
        (HouseholdChoice::Existing(id), Some(person)) => {
            let current = current_households(state, person.id).await?;
            if !current.iter().any(|h| h.id == id) {
                Some(HOUSEHOLD_NOT_THE_PERSONS)
            } else {
                match household_access(state, ctx, Action::Read, id).await {
                    Ok(_) => None,
                    Err(kasane_app::AppError::NotFound | kasane_app::AppError::Forbidden(_)) => {
                        Some(HOUSEHOLD_NOT_THE_PERSONS)
                    }
                    Err(e) => return Err(e.into()),
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
pub async fn current_households(
    state: &AppState,
    canonical_id: i64,
) -> Result<Vec<Household>, AppError> {
    let mut ids: Vec<i64> = state
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
        if let Some(h) = state.store.household_any(id).await? {
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
        reasons: String,
    },
    /// Known to another window only: never the record, only which window.
    Elsewhere { agency: String, reasons: String },
}

#[derive(Deserialize)]
struct NewQuery {
    person_id: Option<i64>,
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<NewQuery>,
) -> Result<Markup, PageError> {
    let mut form = IntakeForm::default();
    form.draft.channel = Channel::VisitIn.code().to_string();
    form.draft.consulter_kind = ConsulterKind::Person.code().to_string();
    form.draft.urgency = Urgency::Normal.code().to_string();
    form.draft.outcome = Outcome::Handled.code().to_string();
    let known = match q.person_id {
        Some(id) => Some(
            person_access(&state, &ctx, Action::Create, id)
                .await?
                .person,
        ),
        None => None,
    };
    form.person_id = known.as_ref().map(|p| p.id);
    Ok(render_form(&state, &ctx, &form, known.as_ref(), &[], &[]).await?)
}

async fn submit(
    Work(state): Work,
    Page(ctx): Page,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("フォームの内容を読み取れません".into()))?;
    let mut form = IntakeForm::from_pairs(pairs);
    ctx.check_csrf(&form.csrf)?;
    let submission = IntakeSubmission {
        // An existing person (chosen now or before) needs no person fields.
        person_id: form.person_id.or_else(|| form.person_choice.parse().ok()),
        person: &form.person,
        // Candidates are shown once; any choice made on them (「新しい方」 too) ends that.
        confirm_new_person: !form.person_choice.is_empty(),
        draft: &form.draft,
        referral_reason: &form.referral_reason,
        household: form.household(),
    };
    match submit_intake(&state, &ctx, &submission).await? {
        IntakeResult::Saved { person_id, .. } => {
            Ok(Redirect::to(&format!("/persons/{person_id}")).into_response())
        }
        IntakeResult::Invalid { errors, known } => {
            Ok(
                render_form(&state, &ctx, &form, known.as_deref(), &errors, &[])
                    .await?
                    .into_response(),
            )
        }
        IntakeResult::Candidates(candidates) => {
            form.person_choice.clear();
            Ok(render_form(&state, &ctx, &form, None, &[], &candidates)
                .await?
                .into_response())
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
    Saved {
        person_id: i64,
        intake_id: i64,
        household_id: Option<i64>,
    },
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
    state: &AppState,
    ctx: &Ctx,
    s: &IntakeSubmission<'_>,
) -> Result<IntakeResult, AppError> {
    let cfg = state.config(&ctx.municipality)?;
    let rules = IntakeRules::from_config(
        &cfg,
        (state.now() + TimeDelta::hours(9)).naive_utc(),
        ctx.agency.id,
    );
    let intake = validate(s.draft, &rules);
    let districts: Vec<&str> = cfg.districts.iter().map(|d| d.code.as_str()).collect();
    let person_fields = match s.person_id {
        Some(_) => Ok(None),
        None => s.person.parse(&districts, state.today()).map(Some),
    };
    let mut errors: Vec<String> = Vec::new();
    if let Err(e) = &intake {
        errors.extend(e.iter().map(ToString::to_string));
    }
    if let Err(e) = &person_fields {
        errors.extend(e.iter().map(|e| e.message.clone()));
    }
    let known = match s.person_id {
        Some(id) => Some(Box::new(
            person_access(state, ctx, Action::Create, id).await?.person,
        )),
        None => None,
    };
    let household = check_household(state, ctx, s.household, known.as_deref()).await?;
    if let Err(problem) = household {
        errors.push(problem.to_string());
    }
    let (Ok(intake), Ok(fields), Ok(household)) = (intake, person_fields, household) else {
        return Ok(IntakeResult::Invalid { errors, known });
    };
    // A new person: show the 名寄せ candidates once before creating another record.
    if let (Some(fields), false) = (&fields, s.confirm_new_person) {
        let candidates = candidates(state, ctx, fields).await?;
        if !candidates.is_empty() {
            return Ok(IntakeResult::Candidates(candidates));
        }
    }
    let person = match (known, fields) {
        (Some(p), _) => IntakePerson::Existing(p.id),
        (None, Some(fields)) => IntakePerson::New(Box::new(fields)),
        (None, None) => return Err(AppError::BadRequest("本人が選ばれていません".into())),
    };
    let saved = save_intake(state, ctx, person, household, &intake, s.referral_reason).await?;
    Ok(IntakeResult::Saved {
        person_id: saved.person_id,
        intake_id: saved.intake_id,
        household_id: saved.household_id,
    })
}

/// Whom an intake is about: a record the caller already may write about, or a new one.
pub enum IntakePerson {
    Existing(i64),
    New(Box<PersonFields>),
}

/// The records a saved intake made or used.
#[derive(Debug, Clone, Copy)]
pub struct SavedIntake {
    pub person_id: i64,
    pub intake_id: i64,
    pub household_id: Option<i64>,
}

/// Records a validated intake (creating the person if new, and their household if asked;
/// sending the referral if the outcome is つなぎ), audited.
pub async fn save_intake(
    state: &AppState,
    ctx: &Ctx,
    person: IntakePerson,
    household: CheckedHousehold,
    intake: &ValidIntake,
    referral_reason: &str,
) -> Result<SavedIntake, AppError> {
    // Checked before anything is written, so a refused intake leaves no new person behind.
    if intake.receiving_agency_id != ctx.agency.id {
        // An agency records its own consultations; involvement follows from that.
        return Err(AppError::Forbidden(
            "受付機関は自分の所属機関のみ指定できます".into(),
        ));
    }
    if let Some(to) = intake.referred_to_agency_id {
        // Only this municipality's agencies can receive a つなぎ.
        state.store.agency(ctx.municipality.id, to).await?;
    }
    let (person_id, grant, household_id) = match person {
        IntakePerson::Existing(id) => {
            let access = person_access(state, ctx, Action::Create, id).await?;
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
                municipality_id: ctx.municipality.id,
            };
            let grant = authorize(
                state,
                ctx,
                Action::Create,
                &subject,
                Object {
                    kind: "person",
                    id: "new",
                },
            )
            .await?;
            let id = state
                .store
                .create_person(ctx.municipality.id, ctx.agency.id, ctx.user.id, &fields)
                .await?;
            let household_id = match household.0 {
                HouseholdChoice::New => {
                    let head = NewHead {
                        person_id: id,
                        name: &fields.name,
                        address: &fields.address,
                        district_code: fields.district_code.as_deref(),
                    };
                    Some(start_household(state, ctx, head, "", &grant).await?)
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
    let (intake_id, referral_id) = state
        .store
        .create_intake(
            ctx.municipality.id,
            ctx.user.id,
            &new_intake(person_id, household_id, intake, reason),
        )
        .await?;
    let oid = intake_id.to_string();
    record(
        state,
        ctx,
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
            state,
            ctx,
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
    Ok(SavedIntake {
        person_id,
        intake_id,
        household_id,
    })
}

/// The store's form of a validated intake.
pub fn new_intake(
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
        channel: v.channel.code().to_string(),
        consulter_kind: v.consulter_kind.code().to_string(),
        consulter_name: v.consulter_name.clone(),
        consulter_relation: v.consulter_relation.clone(),
        consent_to_share: v.consent_to_share,
        summary: v.summary.clone(),
        urgency: v.urgency.code().to_string(),
        outcome: v.outcome.code().to_string(),
        referred_to_agency_id: v.referred_to_agency_id,
        referral_reason,
        immediate_action: v.immediate_action.clone().unwrap_or_default(),
        most_pressing: v.most_pressing.map(|c| c.code().to_string()),
        issues: v.issues.clone(),
        concerns: v.concerns.iter().map(|c| c.code().to_string()).collect(),
    }
}

/// Scores the municipality's records against a new person. Candidates the worker may not
/// see are reduced to the window that knows them.
pub async fn candidates(
    state: &AppState,
    ctx: &Ctx,
    f: &PersonFields,
) -> Result<Vec<Candidate>, AppError> {
    let new = MatchInput {
        name: &f.name,
        furigana: f.furigana.as_deref(),
        birth_date: f.birth_date,
        external_id: f.external_id.as_deref(),
        phone: f.phone.as_deref(),
    };
    let mut out = Vec::new();
    for p in state.store.match_prefilter(ctx.municipality.id, f).await? {
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
        if !is_candidate(&s) {
            continue;
        }
        let reasons = reasons_label(&s.reasons);
        let facts = state.store.person_facts(p.municipality_id, p.id).await?;
        let visible = may_read(state, ctx, &facts);
        if visible {
            out.push(Candidate::Visible {
                person: Box::new(p),
                score: s.score,
                reasons,
            });
        } else {
            let agency = state
                .store
                .agency(ctx.municipality.id, p.created_by_agency_id)
                .await?
                .name;
            out.push(Candidate::Elsewhere { agency, reasons });
        }
    }
    Ok(out)
}

fn checked(list: &[String], code: &str) -> bool {
    list.iter().any(|c| c == code)
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    form: &IntakeForm,
    known: Option<&Person>,
    errors: &[String],
    candidates: &[Candidate],
) -> Result<Markup, AppError> {
    let cfg = state.config(&ctx.municipality)?;
    let agencies = state.store.agencies(ctx.municipality.id).await?;
    let households = match known {
        Some(k) => current_households(state, k.id).await?,
        None => Vec::new(),
    };
    // Until the form is sent, a person's only current household is preselected.
    let chosen_household: Option<i64> = match &form.household_id {
        None if households.len() == 1 => Some(households[0].id),
        None => None,
        Some(v) => v.trim().parse().ok(),
    };
    let d = &form.draft;
    let p = &form.person;
    let body = html! {
        @if !errors.is_empty() {
            section.card.alert role="alert" {
                h2 { "入力内容を確認してください(入力した内容は残っています)" }
                ul.errors { @for e in errors { li { (e) } } }
            }
        }
        form.intake method="post" action="/intakes/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            @if let Some(k) = known {
                input type="hidden" name="person_id" value=(k.id);
                section.card {
                    h2 { "本人" }
                    p { strong { (k.name) } " " (k.furigana.as_deref().unwrap_or("")) " " (birth_label(k, ctx.today)) }
                    label { "世帯"
                        select name="household_id" {
                            option value="" selected[chosen_household.is_none()] { "世帯を指定しない" }
                            @for h in &households {
                                option value=(h.id) selected[chosen_household == Some(h.id)] { (h.label) "(世帯 #" (h.id) ")" }
                            }
                        }
                    }
                    @if households.is_empty() { p.muted { "この方は現在どの世帯にも属していません。" } }
                }
            } @else {
                @if !candidates.is_empty() {
                    section.card.candidates {
                        h2 { "同じ方かもしれない記録があります(名寄せ)" }
                        p { "同じ方であれば選んでください。違う場合は「新しい方として登録」を選んでください。" }
                        @for c in candidates {
                            @match c {
                                Candidate::Visible { person, score, reasons } => label.candidate {
                                    input type="radio" name="person_choice" value=(person.id) required;
                                    " " strong { (person.name) } " " (person.furigana.as_deref().unwrap_or("")) " " (birth_label(person, ctx.today))
                                    " — 一致度 " (score) "(" (reasons) ")"
                                },
                                Candidate::Elsewhere { agency, reasons } => p.elsewhere {
                                    "他の窓口(" (agency) ")で把握されている方の可能性があります(" (reasons) ")。"
                                    "詳細は表示できません。必要に応じて" (agency) "または相談支援包括化推進員に確認してください。"
                                },
                            }
                        }
                        label.candidate { input type="radio" name="person_choice" value="new" required; " 新しい方として登録" }
                    }
                }
                section.card {
                    h2 { "本人" }
                    div.grid {
                        label { "氏名(必須)" input type="text" name="name" value=(p.name) required autocomplete="off"; }
                        label { "フリガナ" input type="text" name="furigana" value=(p.furigana) autocomplete="off"; }
                        label { "生年月日(例: S47.3.5)" input type="text" name="birth_date" value=(p.birth_date); }
                        label { "性別"
                            select name="sex" {
                                option value="" { "未記入" }
                                @for s in kasane_domain::person::Sex::ALL { option value=(s.code()) selected[p.sex == s.code()] { (s.label()) } }
                            }
                        }
                        label { "電話" input type="tel" name="phone" value=(p.phone); }
                        label { "住所" input type="text" name="address" value=(p.address); }
                        label { "地区"
                            select name="district" {
                                option value="" { "未記入" }
                                @for dd in &cfg.districts { option value=(dd.code) selected[p.district == dd.code] { (dd.name) } }
                            }
                        }
                        label { "住民宛名番号" input type="text" name="external_id" value=(p.external_id); }
                        label { "備考" input type="text" name="note" value=(p.note); }
                    }
                    label.check { input type="checkbox" name="new_household" value="1" checked[form.new_household]; "この方を世帯主として新しい世帯を作る" }
                }
            }
            section.card {
                h2 { "相談受付" }
                div.grid {
                    label { "受付日時(空欄は現在)" input type="datetime-local" name="received_at" value=(d.received_at); }
                    label { "受付機関" input type="text" value=(ctx.agency.name) disabled; }
                    label { "相談経路"
                        select name="channel" { @for c in Channel::ALL { option value=(c.code()) selected[d.channel == c.code()] { (c.label()) } } }
                    }
                    label { "相談者"
                        select name="consulter_kind" { @for c in ConsulterKind::ALL { option value=(c.code()) selected[d.consulter_kind == c.code()] { (c.label()) } } }
                    }
                    label { "相談者氏名" input type="text" name="consulter_name" value=(d.consulter_name); }
                    label { "本人との関係" input type="text" name="consulter_relation" value=(d.consulter_relation); }
                }
                fieldset {
                    legend { "課題(複数選択)" }
                    @for c in &cfg.issue_categories {
                        label.check { input type="checkbox" name="issues" value=(c.code) checked[checked(&d.issues, &c.code)]; (c.name) }
                    }
                }
                fieldset {
                    legend { "相談内容(チェック、最も困っていることに◎)" }
                    table.checklist {
                        thead { tr { th { "該当" } th { "◎" } th { "項目" } } }
                        tbody {
                            @for c in ConcernItem::ALL {
                                tr {
                                    td { input type="checkbox" name="concerns" value=(c.code()) checked[checked(&d.concerns, c.code())] aria-label=(c.label()); }
                                    td { input type="radio" name="most_pressing" value=(c.code()) checked[d.most_pressing.as_deref() == Some(c.code())] aria-label={ (c.label()) "を最も困っていることにする" }; }
                                    td { (c.label()) }
                                }
                            }
                        }
                    }
                }
                fieldset {
                    legend { "関係機関との情報共有への本人同意(必須)" }
                    label.check { input type="radio" name="consent_to_share" value="yes" checked[d.consent_to_share == Some(true)] required; "同意あり" }
                    label.check { input type="radio" name="consent_to_share" value="no" checked[d.consent_to_share == Some(false)]; "同意なし" }
                }
                label.block { "相談の概要(必須)" textarea name="summary" rows="5" required { (d.summary) } }
                label.block { "緊急対応の内容(虐待・自殺・DV の課題があるときは必須)" textarea name="immediate_action" rows="2" { (d.immediate_action) } }
                div.grid {
                    label { "緊急度"
                        select name="urgency" { @for u in Urgency::ALL { option value=(u.code()) selected[d.urgency == u.code()] { (u.label()) } } }
                    }
                    label { "対応結果"
                        select name="outcome" { @for o in Outcome::ALL { option value=(o.code()) selected[d.outcome == o.code()] { (o.label()) } } }
                    }
                    label { "つなぎ先(つなぎの場合)"
                        select name="referred_to_agency_id" {
                            option value="" { "—" }
                            @for a in agencies.iter().filter(|a| a.id != ctx.agency.id && a.kind != "nearby_place") {
                                option value=(a.id) selected[d.referred_to_agency_id == Some(a.id)] { (a.name) }
                            }
                        }
                    }
                    label { "つなぐ理由" input type="text" name="referral_reason" value=(form.referral_reason); }
                }
            }
            button type="submit" { "記録する" }
        }
    };
    Ok(page(ctx, "相談を受け付ける", "/consultation", body))
}

/// An intake the caller may read in full, through its person: a つなぐシート view does
/// not extend to the intake record.
pub async fn intake_access(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(kasane_store::intake::Intake, PersonAccess), AppError> {
    let Some(intake) = state.store.intake_any(id).await? else {
        return Err(not_found(state, ctx, "intake", id).await.into());
    };
    let access = person_access(state, ctx, Action::Read, intake.person_id).await?;
    if access.grant.view() == kasane_domain::access::View::ReferralSheet {
        return Err(AppError::NotFound);
    }
    Ok((intake, access))
}

async fn intake_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let (intake, access) = intake_access(&state, &ctx, id).await?;
    let cfg = state.config(&ctx.municipality)?;
    let (issues, concerns) = state.store.intake_tags(id).await?;
    let issue_names: BTreeMap<&str, &str> = cfg
        .issue_categories
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let label = |code: &str, f: &dyn Fn(&str) -> Option<&'static str>| {
        f(code).map_or(code.to_string(), str::to_string)
    };
    let case_link = crate::pages::cases::intake_case_link(&state, &ctx, &intake, &access).await?;
    let body = html! {
        section.card {
            dl.facts {
                dt { "本人" } dd { a href={ "/persons/" (access.person.id) } { (access.person.name) } }
                @if let Some(h) = intake.household_id { dt { "世帯" } dd { a href={ "/households/" (h) } { "世帯 #" (h) } } }
                dt { "受付日時" } dd { (jst(intake.received_at)) }
                dt { "受付機関" } dd { (intake.receiving_agency_name) }
                dt { "相談経路" } dd { (label(&intake.channel, &|c| c.parse::<Channel>().ok().map(Channel::label))) }
                dt { "相談者" } dd { (label(&intake.consulter_kind, &|c| c.parse::<ConsulterKind>().ok().map(ConsulterKind::label))) " " (intake.consulter_name) " " (intake.consulter_relation) }
                dt { "課題" } dd { @for i in &issues { span.badge { (issue_names.get(i.as_str()).copied().unwrap_or(i)) } " " } }
                dt { "相談内容" } dd {
                    @for c in &concerns {
                        span.badge { @if intake.most_pressing.as_deref() == Some(c.as_str()) { "◎" } (label(c, &|c| c.parse::<ConcernItem>().ok().map(ConcernItem::label))) } " "
                    }
                }
                dt { "本人同意" } dd { @if intake.consent_to_share { "同意あり" } @else { "同意なし" } }
                dt { "概要" } dd.pre { (intake.summary) }
                @if !intake.immediate_action.is_empty() { dt { "緊急対応" } dd.pre { (intake.immediate_action) } }
                dt { "緊急度" } dd { (label(&intake.urgency, &|c| c.parse::<Urgency>().ok().map(Urgency::label))) }
                dt { "対応結果" } dd { (label(&intake.outcome, &|c| c.parse::<Outcome>().ok().map(Outcome::label))) " " (case_link) }
            }
        }
    };
    Ok(page(&ctx, "相談受付の記録", "/consultation", body))
}
