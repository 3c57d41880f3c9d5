//! `/api/v1`: referrals (step 2) — つなぎ with a closed loop: send, the つなぐシート, the
//! receiver's accept / decline / complete, and the sender's acknowledgement of a decline.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::referral::{
    Sheet, acknowledge_declined, act, create_referral, load_sheet,
};
use kasane_domain::household::Relationship;
use kasane_domain::intake::ConcernItem;
use kasane_domain::person::BirthDate;
use kasane_domain::referral::{ReferralDraft, ReferralEvent};
use kasane_store::referral::Referral;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, Created, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, AppError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/referrals", post(create))
        .route("/referrals/{id}", get(sheet))
        .route("/referrals/{id}/accept", post(accept))
        .route("/referrals/{id}/decline", post(decline))
        .route("/referrals/{id}/complete", post(complete))
        .route("/referrals/{id}/acknowledge", post(acknowledge))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReferralRequest {
    /// The receiving agency (of the caller's municipality, not the caller's own).
    pub to_agency_id: Option<i64>,
    /// 紹介理由, printed on the つなぐシート.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclineRequest {
    /// Goes back to the sender.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteRequest {
    /// What was provided.
    #[serde(default)]
    pub provided: String,
    /// yes, partly, no, unknown
    #[serde(default)]
    pub helped: String,
}

/// A code with its Japanese label.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coded {
    pub code: String,
    pub label: String,
}

/// The person as the つなぐシート shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetPerson {
    pub id: i64,
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub address: String,
}

/// One member in the household outline: 続柄 and age, no name.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdOutlineMember {
    pub relationship: Coded,
    pub age: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventInfo {
    /// sent, accepted, declined, completed
    pub status: String,
    pub agency_name: String,
    pub user_name: String,
    pub note: String,
    pub occurred_at: DateTime<Utc>,
}

/// The つなぐシート and the referral's events.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralSheet {
    pub id: i64,
    /// sent, accepted, declined, completed
    pub status: String,
    pub status_label: String,
    /// Not accepted within the municipality's days.
    pub overdue: bool,
    /// The caller's view of the person: referral_sheet before accepting, full after.
    pub view: String,
    pub basis: String,
    pub person: SheetPerson,
    /// お困りごと: issue tags of the intake the sheet carries (`sheet_intake_id`).
    pub issues: Vec<Coded>,
    /// お困りごと: checklist items of that intake, the most pressing (◎) first.
    pub concerns: Vec<Coded>,
    /// The checklist item marked ◎.
    pub most_pressing: Option<String>,
    /// 世帯構成
    pub household: Vec<HouseholdOutlineMember>,
    pub from_agency_id: i64,
    pub from_agency_name: String,
    pub to_agency_id: i64,
    pub to_agency_name: String,
    pub sent_at: DateTime<Utc>,
    pub reason: String,
    /// 相談受付時の情報共有への同意: the consent to share given at that intake — not the
    /// formal 本人同意 (`/api/v1/persons/{id}/consents`); absent without an intake.
    pub consent_to_share: Option<bool>,
    /// The intake the referral was sent from, if it was.
    pub intake_id: Option<i64>,
    /// The intake the sheet carries: the referral's own, else the sender's latest intake
    /// about the person before it was sent.
    pub sheet_intake_id: Option<i64>,
    pub decline_reason: String,
    pub provided: String,
    /// yes, partly, no, unknown
    pub helped: Option<String>,
    pub sender_acknowledged: bool,
    pub events: Vec<ReferralEventInfo>,
}

/// A referral without the person's data (what an actor learns of the result of an action,
/// even one that ends their access).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralInfo {
    pub id: i64,
    pub person_id: i64,
    pub from_agency_id: i64,
    pub from_agency_name: String,
    pub to_agency_id: i64,
    pub to_agency_name: String,
    /// sent, accepted, declined, completed
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Referral> for ReferralInfo {
    fn from(r: Referral) -> Self {
        ReferralInfo {
            id: r.id,
            person_id: r.person_id,
            from_agency_id: r.from_agency_id,
            from_agency_name: r.from_agency_name,
            to_agency_id: r.to_agency_id,
            to_agency_name: r.to_agency_name,
            status: r.status.code().to_string(),
            sent_at: r.sent_at,
            updated_at: r.updated_at,
        }
    }
}

fn coded<T: std::str::FromStr>(code: &str, label: impl Fn(T) -> &'static str) -> Coded {
    Coded {
        code: code.to_string(),
        label: code
            .parse::<T>()
            .map_or_else(|_| code.to_string(), |v| label(v).to_string()),
    }
}

/// Sends a つなぎ about the person to another agency.
#[utoipa::path(post, path = "/api/v1/persons/{id}/referrals", tag = "referrals",
    params(("id" = i64, Path, description = "person id")),
    request_body = ReferralRequest,
    responses((status = 201, body = Created),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Path(person_id): Path<i64>,
    Body(req): Body<ReferralRequest>,
) -> Result<Response, ApiError> {
    let draft = ReferralDraft {
        receiving_agency_id: req.to_agency_id,
        reason: req.reason,
    };
    let id = create_referral(&state, &ctx, person_id, draft).await?;
    Ok(created(Created { id }))
}

/// The つなぐシート (氏名, 生年月日, 連絡先, お困りごと, 世帯構成, 紹介先 and reason, 本人同意)
/// with the referral's events.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "referral id")),
    responses((status = 200, body = ReferralSheet),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn sheet(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<ReferralSheet>, ApiError> {
    let Sheet {
        referral: r,
        access,
        overdue,
        intake_id,
        issues,
        concerns,
        most_pressing,
        consent,
        members,
        events,
    } = load_sheet(&state, &ctx, id).await?;
    let cfg = state.config(&ctx.municipality).ok();
    let today = ctx.today;
    let p = access.person;
    Ok(Json(ReferralSheet {
        id: r.id,
        status_label: r.status.label().to_string(),
        status: r.status.code().to_string(),
        overdue,
        view: access.grant.view().code().to_string(),
        basis: access.grant.basis().code().to_string(),
        person: SheetPerson {
            id: p.id,
            name: p.name,
            furigana: p.furigana,
            birth_date: p.birth_date,
            phone: p.phone,
            address: p.address,
        },
        issues: issues
            .into_iter()
            .map(|code| Coded {
                label: cfg
                    .as_ref()
                    .and_then(|c| c.issue_category(&code))
                    .map_or_else(|| code.clone(), |c| c.name.clone()),
                code,
            })
            .collect(),
        concerns: concerns
            .iter()
            .map(|c| coded::<ConcernItem>(c, ConcernItem::label))
            .collect(),
        household: members
            .iter()
            .map(|m| HouseholdOutlineMember {
                relationship: coded::<Relationship>(&m.relationship, Relationship::label),
                // The legal age rule (年齢計算ニ関スル法律) lives in `person::BirthDate`.
                age: m
                    .birth_date
                    .and_then(|b| BirthDate::new(b, today).ok())
                    .map(|b| b.age_on(today)),
            })
            .collect(),
        from_agency_id: r.from_agency_id,
        from_agency_name: r.from_agency_name,
        to_agency_id: r.to_agency_id,
        to_agency_name: r.to_agency_name,
        sent_at: r.sent_at,
        reason: r.reason,
        consent_to_share: consent,
        intake_id: r.intake_id,
        sheet_intake_id: intake_id,
        most_pressing,
        decline_reason: r.decline_reason,
        provided: r.provided,
        helped: r.helped,
        sender_acknowledged: r.sender_acknowledged,
        events: events
            .into_iter()
            .map(|e| ReferralEventInfo {
                status: e.status.code().to_string(),
                agency_name: e.agency_name,
                user_name: e.user_name,
                note: e.note,
                occurred_at: e.occurred_at,
            })
            .collect(),
    }))
}

/// Accepts a referral (receiving agency): its view of the person becomes full.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/accept", tag = "referrals",
    params(("id" = i64, Path, description = "referral id")),
    responses((status = 200, body = ReferralInfo),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn accept(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<ReferralInfo>, ApiError> {
    let r = act(&state, &ctx, id, ReferralEvent::Accept).await?;
    Ok(Json(ReferralInfo::from(r)))
}

/// Declines a referral with a reason (receiving agency; 422 without one): it goes back to
/// the sender's worklist — nobody is silently dropped.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/decline", tag = "referrals",
    params(("id" = i64, Path, description = "referral id")),
    request_body = DeclineRequest,
    responses((status = 200, body = ReferralInfo),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn decline(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<DeclineRequest>,
) -> Result<Json<ReferralInfo>, ApiError> {
    let event = ReferralEvent::Decline { reason: req.reason };
    let r = act(&state, &ctx, id, event).await?;
    Ok(Json(ReferralInfo::from(r)))
}

/// Completes an accepted referral with its outcome (receiving agency; 422 without what was
/// provided).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/complete", tag = "referrals",
    params(("id" = i64, Path, description = "referral id")),
    request_body = CompleteRequest,
    responses((status = 200, body = ReferralInfo),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn complete(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<CompleteRequest>,
) -> Result<Json<ReferralInfo>, ApiError> {
    let helped = req
        .helped
        .parse()
        .map_err(|e: kasane_domain::intake::UnknownCode| AppError::BadRequest(e.to_string()))?;
    let event = ReferralEvent::Complete {
        provided: req.provided,
        helped,
    };
    let r = act(&state, &ctx, id, event).await?;
    Ok(Json(ReferralInfo::from(r)))
}

/// The sender acknowledges a declined referral: it leaves the sender's worklist.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/acknowledge", tag = "referrals",
    params(("id" = i64, Path, description = "referral id")),
    responses((status = 204, description = "acknowledged"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn acknowledge(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    acknowledge_declined(&state, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(create, sheet, accept, decline, complete, acknowledge),
    components(schemas(Created, ReferralRequest, DeclineRequest, CompleteRequest, Coded,
        SheetPerson, HouseholdOutlineMember, ReferralEventInfo, ReferralSheet, ReferralInfo)),
    tags((name = "referrals", description = "つなぎ(つなぐシート・受理・辞退・完了)"))
)]
pub struct Doc;
