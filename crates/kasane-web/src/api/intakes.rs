//! `/api/v1`: intakes (step 2) — 相談受付 from any window, with 名寄せ: a new person who
//! resembles existing records is answered 409 with the candidates until the caller picks
//! one (`person_id`) or confirms a new person.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::intake::{
    Candidate, HouseholdChoice, IntakeRead, IntakeResult, IntakeSubmission, read_intake,
    submit_intake,
};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::intake::IntakeDraft;
use kasane_domain::match_review::REQUESTED_NOTICE;
use kasane_domain::person_match::MatchLevel;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intakes", post(create))
        .route("/intakes/{id}", get(intake))
}

/// A consultation received by the caller's agency. Codes as in the municipality's
/// taxonomy (`issues`) and the 標準様式 checklist (`concerns`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IntakeRequest {
    /// An existing person (one the caller may write about, e.g. a chosen candidate).
    #[serde(default)]
    pub person_id: Option<i64>,
    /// A new person, when `person_id` is absent.
    #[serde(default)]
    pub person: Option<PersonDraft>,
    /// Create the new person even though 名寄せ candidates exist.
    #[serde(default)]
    pub confirm_new_person: bool,
    /// The household to record the intake on: a current household of the person
    /// (`person_id`) in the caller's municipality that the caller may see; 422 otherwise.
    #[serde(default)]
    pub household_id: Option<i64>,
    /// A new person only: also start a household with them as its head (世帯主), in the
    /// same request. Not together with `household_id`.
    #[serde(default)]
    pub new_household: bool,
    /// `2025-04-01T10:30`, `2025-04-01 10:30` or `R7.4.1 10:30` (JST); empty means now.
    #[serde(default)]
    pub received_at: String,
    /// Defaults to the caller's agency (the only one allowed).
    #[serde(default)]
    pub receiving_agency_id: Option<i64>,
    /// visit_in, phone, home_visit, email, referral_in, outreach
    #[serde(default)]
    pub channel: String,
    /// person, family, neighbour, community_volunteer, agency, other
    #[serde(default)]
    pub consulter_kind: String,
    /// The consulter's own record, when they are a registered person the caller may see
    /// (not with `consulter_kind` person); a blank `consulter_name` takes their name.
    #[serde(default)]
    pub consulter_person_id: Option<i64>,
    #[serde(default)]
    pub consulter_name: String,
    #[serde(default)]
    pub consulter_relation: String,
    /// Issue codes of the municipality (hikikomori, isolation, care, …).
    #[serde(default)]
    pub issues: Vec<String>,
    /// Checklist codes (health_disability, housing, income, …).
    #[serde(default)]
    pub concerns: Vec<String>,
    /// The ◎ item: one of `concerns`.
    #[serde(default)]
    pub most_pressing: Option<String>,
    /// 本人同意 to sharing with 関係機関: required.
    #[serde(default)]
    pub consent_to_share: Option<bool>,
    #[serde(default)]
    pub summary: String,
    /// normal, high, emergency
    #[serde(default)]
    pub urgency: String,
    /// handled, referred, escalated, info_only
    #[serde(default)]
    pub outcome: String,
    /// Required when `outcome` is `referred`.
    #[serde(default)]
    pub referred_to_agency_id: Option<i64>,
    /// Required with 虐待・自殺・DV issues.
    #[serde(default)]
    pub immediate_action: String,
    /// Printed on the つなぐシート; defaults to the summary.
    #[serde(default)]
    pub referral_reason: String,
}

impl IntakeRequest {
    /// The intake fields as the domain validates them (the person is parsed apart).
    pub fn draft(&self) -> IntakeDraft {
        IntakeDraft {
            received_at: self.received_at.clone(),
            receiving_agency_id: self.receiving_agency_id,
            channel: self.channel.clone(),
            consulter_kind: self.consulter_kind.clone(),
            consulter_person_id: self.consulter_person_id,
            consulter_name: self.consulter_name.clone(),
            consulter_relation: self.consulter_relation.clone(),
            issues: self.issues.clone(),
            concerns: self.concerns.clone(),
            most_pressing: self.most_pressing.clone(),
            consent_to_share: self.consent_to_share,
            summary: self.summary.clone(),
            urgency: self.urgency.clone(),
            outcome: self.outcome.clone(),
            referred_to_agency_id: self.referred_to_agency_id,
            immediate_action: self.immediate_action.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeCreated {
    pub person_id: i64,
    pub intake_id: i64,
    /// The household the intake is recorded on (a new one with `new_household`).
    pub household_id: Option<i64>,
    /// A 名寄せ確認依頼 was sent to the coordinator with it (a candidate is held by another
    /// window); then `notice` says so, naming no agency.
    pub match_review_requested: bool,
    pub notice: Option<String>,
}

/// How strongly a 名寄せ candidate is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandidateLevel {
    /// 有力候補: the name and the birth date agree (or the 住民宛名番号).
    Strong,
    /// 参考候補: worth a look (the name only, a near-miss birth date, the reading only…).
    Reference,
}

impl From<MatchLevel> for CandidateLevel {
    fn from(l: MatchLevel) -> Self {
        match l {
            MatchLevel::Strong => CandidateLevel::Strong,
            MatchLevel::Reference => CandidateLevel::Reference,
        }
    }
}

/// A 名寄せ candidate, as the caller may see it. Candidates come best first: 有力候補,
/// then 参考候補, each by score.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CandidateInfo {
    /// A record the caller may see: send its `id` as `person_id` to record the intake on it.
    Visible {
        id: i64,
        name: String,
        furigana: Option<String>,
        birth_date: Option<NaiveDate>,
        score: u8,
        level: CandidateLevel,
        /// e.g. フリガナ一致・生年月日一致・異体字・表記ゆれ・生年月日が近い
        reasons: String,
    },
    /// Known to another window only: nothing of the record, not even which window.
    /// Confirming the new person (`confirm_new_person`) then sends a 名寄せ確認依頼 to the
    /// coordinator (`match_review_requested` in the answer).
    Elsewhere { level: CandidateLevel },
}

impl From<Candidate> for CandidateInfo {
    fn from(c: Candidate) -> Self {
        match c {
            Candidate::Visible {
                person,
                score,
                level,
                reasons,
            } => CandidateInfo::Visible {
                id: person.id,
                name: person.name,
                furigana: person.furigana,
                birth_date: person.birth_date,
                score,
                level: level.into(),
                reasons,
            },
            Candidate::Elsewhere { level, .. } => CandidateInfo::Elsewhere {
                level: level.into(),
            },
        }
    }
}

/// 409 for a new person with 名寄せ candidates (problem+json with the candidates).
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatesProblem {
    /// `urn:kasane:problem:person-candidates`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub candidates: Vec<CandidateInfo>,
}

fn candidates_conflict(candidates: Vec<Candidate>) -> Response {
    let body = CandidatesProblem {
        kind: "urn:kasane:problem:person-candidates".to_string(),
        title: "同じ方かもしれない記録があります。同じ方なら person_id で選び、違う方なら \
                confirm_new_person を true にして送り直してください"
            .to_string(),
        status: StatusCode::CONFLICT.as_u16(),
        candidates: candidates.into_iter().map(CandidateInfo::from).collect(),
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    (
        StatusCode::CONFLICT,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

/// An intake record.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeDetail {
    pub id: i64,
    /// The canonical person record.
    pub person_id: i64,
    /// The household the intake was recorded on, if any.
    pub household_id: Option<i64>,
    /// The access basis the read rested on.
    pub basis: String,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: i64,
    pub receiving_agency_name: String,
    pub channel: String,
    pub consulter_kind: String,
    /// The consulter's own record (canonical when it was picked), if they were picked.
    pub consulter_person_id: Option<i64>,
    pub consulter_name: String,
    pub consulter_relation: String,
    pub issues: Vec<String>,
    pub concerns: Vec<String>,
    pub most_pressing: Option<String>,
    pub consent_to_share: bool,
    pub summary: String,
    pub immediate_action: String,
    pub urgency: String,
    pub outcome: String,
    pub referred_to_agency_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The record's version: a correction (`PUT`) names it; an older one gets 409.
    pub version: i32,
}

/// Records an intake (creating the person if new; sending the つなぎ when the outcome is
/// `referred`; starting the new person's household with `new_household`). 409 with
/// candidates when a new person resembles existing records and `confirm_new_person` is
/// false (a candidate held by another window is only `elsewhere`; confirming then asks the
/// coordinator for a 名寄せ確認依頼 in the same request); 422 with every problem at once (a `household_id` that is not a current household
/// of the person is one).
#[utoipa::path(post, path = "/api/v1/intakes", tag = "intakes",
    request_body = IntakeRequest,
    responses((status = 201, body = IntakeCreated),
        (status = 409, body = CandidatesProblem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Body(req): Body<IntakeRequest>,
) -> Result<Response, ApiError> {
    let person = req.person.clone().unwrap_or_default();
    let draft = req.draft();
    let submission = IntakeSubmission {
        person_id: req.person_id,
        person: &person,
        confirm_new_person: req.confirm_new_person,
        draft: &draft,
        referral_reason: &req.referral_reason,
        household: HouseholdChoice::from_parts(req.household_id, req.new_household),
    };
    match submit_intake(&state, &ctx, &submission).await? {
        IntakeResult::Saved(saved) => Ok(created(IntakeCreated {
            person_id: saved.person_id,
            intake_id: saved.intake_id,
            household_id: saved.household_id,
            match_review_requested: saved.review_requested,
            notice: saved.review_requested.then(|| REQUESTED_NOTICE.to_string()),
        })),
        IntakeResult::Invalid { errors, .. } => {
            Err(crate::http::error::AppError::Validation(errors).into())
        }
        IntakeResult::Candidates(candidates) => Ok(candidates_conflict(candidates)),
    }
}

/// An intake. 404 without a full view of its person (a つなぐシート view does not show it).
#[utoipa::path(get, path = "/api/v1/intakes/{id}", tag = "intakes",
    params(("id" = i64, Path, description = "intake id")),
    responses((status = 200, body = IntakeDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn intake(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<IntakeDetail>, ApiError> {
    let IntakeRead {
        intake: i,
        access,
        issues,
        concerns,
    } = read_intake(&state, &ctx, id).await?;
    Ok(Json(IntakeDetail {
        id: i.id,
        person_id: access.person.id,
        household_id: i.household_id,
        basis: access.grant.basis().code().to_string(),
        received_at: i.received_at,
        receiving_agency_id: i.receiving_agency_id,
        receiving_agency_name: i.receiving_agency_name,
        channel: i.channel.code().to_string(),
        consulter_kind: i.consulter_kind.code().to_string(),
        consulter_person_id: i.consulter_person_id,
        consulter_name: i.consulter_name,
        consulter_relation: i.consulter_relation,
        issues,
        concerns,
        most_pressing: i.most_pressing,
        consent_to_share: i.consent_to_share,
        summary: i.summary,
        immediate_action: i.immediate_action,
        urgency: i.urgency.code().to_string(),
        outcome: i.outcome.code().to_string(),
        referred_to_agency_id: i.referred_to_agency_id,
        created_at: i.created_at,
        version: i.version,
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(create, intake),
    components(schemas(IntakeRequest, PersonDraft, IntakeCreated, CandidateInfo, CandidateLevel,
        CandidatesProblem, IntakeDetail)),
    tags((name = "intakes", description = "相談受付(名寄せの候補つき)"))
)]
pub struct Doc;
