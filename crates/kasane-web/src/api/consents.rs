//! `/api/v1`: 本人同意 (consent) — the consents of a case, recording one (validated by the
//! domain: 422 with every problem in Japanese), reading one, and withdrawal, effective at
//! once. Access to a consent is access to its person. The use cases are
//! `kasane_app::collaboration::consent`.

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::collaboration::consent::{
    case_consents, consent_access, consent_agency_ids, meeting_kinds, person_consents,
    record_consent, withdraw,
};
use kasane_domain::access::Action;
use kasane_domain::consent::ConsentDraft;
use kasane_store::consent::Consent;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::referrals::Coded;
use crate::api::{Body, Created, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, AppError, Problem};
use crate::http::work::Work;
use crate::ui::collaboration::consent_state;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/consents", get(of_case).post(create))
        .route(
            "/persons/{id}/consents",
            get(of_person).post(create_for_person),
        )
        .route("/consents/{id}", get(detail))
        .route("/consents/{id}/withdraw", post(withdraw_consent))
}

/// A consent to record. The schema of `kasane_domain::consent::ConsentDraft` with the
/// consenting member for a household case.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConsentRequest {
    /// A household case only: the current member who consented.
    pub person_id: Option<i64>,
    /// person (本人), proxy (代理人)
    pub consenter: String,
    /// 代理人の氏名 (proxy only, required)
    pub proxy_name: String,
    /// 代理人の続柄 (proxy only, required)
    pub proxy_relation: String,
    /// 同意日: ISO or 和暦 (R8.5.20); not in the future
    pub consented_on: String,
    /// written (書面), oral (口頭)
    pub method: String,
    /// The agencies the person agrees to share with (this municipality's).
    pub agencies: Vec<i64>,
    /// support_meeting, multilayer_meeting
    pub meeting_kinds: Vec<String>,
    /// What may be shared.
    pub information: String,
    /// Last valid day, ISO or 和暦; empty = no expiry.
    pub expires_on: String,
    pub note: String,
}

/// What the handler reads: the domain's draft and the household member.
#[derive(Debug, Default, Deserialize)]
pub struct ConsentBody {
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(flatten)]
    pub draft: ConsentDraft,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WithdrawRequest {
    /// How the withdrawal was expressed (required).
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentInfo {
    pub id: i64,
    pub person_id: i64,
    pub case_id: Option<i64>,
    /// person, proxy
    pub consenter: Coded,
    pub proxy_name: String,
    pub proxy_relation: String,
    pub consented_on: NaiveDate,
    /// written, oral
    pub method: String,
    pub agency_ids: Vec<i64>,
    /// The agencies' names, joined with 「、」.
    pub agency_names: String,
    /// support_meeting, multilayer_meeting
    pub meeting_kinds: Vec<String>,
    pub information: String,
    pub expires_on: Option<NaiveDate>,
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_note: String,
    /// in_force (有効), withdrawn (撤回済み), expired (期限切れ) — today in Japan.
    pub state: Coded,
}

async fn info(state: &AppState, c: Consent) -> Result<ConsentInfo, AppError> {
    let (code, label) = consent_state(&c, state.today());
    Ok(ConsentInfo {
        agency_ids: consent_agency_ids(state, c.id).await?,
        meeting_kinds: meeting_kinds(&c)
            .into_iter()
            .map(|k| k.code().to_string())
            .collect(),
        consenter: Coded {
            code: c.consenter.code().to_string(),
            label: c.consenter.label().to_string(),
        },
        state: Coded {
            code: code.to_string(),
            label,
        },
        id: c.id,
        person_id: c.person_id,
        case_id: c.case_id,
        proxy_name: c.proxy_name,
        proxy_relation: c.proxy_relation,
        consented_on: c.consented_on,
        method: c.method.code().to_string(),
        agency_names: c.agency_names,
        information: c.information,
        expires_on: c.expires_on,
        note: c.note,
        recorded_by_name: c.recorded_by_name,
        recorded_by_agency_name: c.recorded_by_agency_name,
        created_at: c.created_at,
        withdrawn_at: c.withdrawn_at,
        withdrawal_note: c.withdrawal_note,
    })
}

async fn infos(state: &AppState, consents: Vec<Consent>) -> Result<Vec<ConsentInfo>, AppError> {
    let mut out = Vec::with_capacity(consents.len());
    for c in consents {
        out.push(info(state, c).await?);
    }
    Ok(out)
}

/// The consents of the case's person (or household members), newest first, with state.
#[utoipa::path(get, path = "/api/v1/cases/{id}/consents", tag = "consents",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<ConsentInfo>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn of_case(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ConsentInfo>>, ApiError> {
    let consents = case_consents(&state, &ctx, id).await?;
    Ok(Json(infos(&state, consents).await?))
}

/// Records a consent on the case (a full grant on the case is needed; a read-only basis
/// is 403). Every problem at once as 422.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "consents",
    params(("id" = i64, Path, description = "case id")),
    request_body = ConsentRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<ConsentBody>,
) -> Result<Response, ApiError> {
    let consent_id = record_consent(&state, &ctx, Some(id), req.person_id, &req.draft).await?;
    Ok(created(Created { id: consent_id }))
}

/// The consents of a person's 名寄せ group, newest first, with state.
#[utoipa::path(get, path = "/api/v1/persons/{id}/consents", tag = "consents",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = Vec<ConsentInfo>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn of_person(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ConsentInfo>>, ApiError> {
    let consents = person_consents(&state, &ctx, id).await?;
    Ok(Json(infos(&state, consents).await?))
}

/// Records a consent of the person, outside any case (a full grant on the person is
/// needed). Every problem at once as 422.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "consents",
    params(("id" = i64, Path, description = "person id")),
    request_body = ConsentRequest,
    responses((status = 201, body = Created),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn create_for_person(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<ConsentBody>,
) -> Result<Response, ApiError> {
    let consent_id = record_consent(&state, &ctx, None, Some(id), &req.draft).await?;
    Ok(created(Created { id: consent_id }))
}

/// A consent (access to it is access to its person).
#[utoipa::path(get, path = "/api/v1/consents/{id}", tag = "consents",
    params(("id" = i64, Path, description = "consent id")),
    responses((status = 200, body = ConsentInfo),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn detail(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<ConsentInfo>, ApiError> {
    let (c, _) = consent_access(&state, &ctx, Action::Read, id).await?;
    Ok(Json(info(&state, c).await?))
}

/// Withdraws a consent, effective at once: access that rested on it ends with the next
/// request. The note (how it was expressed) is required.
#[utoipa::path(post, path = "/api/v1/consents/{id}/withdraw", tag = "consents",
    params(("id" = i64, Path, description = "consent id")),
    request_body = WithdrawRequest,
    responses((status = 200, body = ConsentInfo),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn withdraw_consent(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<WithdrawRequest>,
) -> Result<Json<ConsentInfo>, ApiError> {
    let c = withdraw(&state, &ctx, id, &req.note).await?;
    Ok(Json(info(&state, c).await?))
}

#[derive(OpenApi)]
#[openapi(
    paths(of_case, create, of_person, create_for_person, detail, withdraw_consent),
    components(schemas(Created, Coded, ConsentRequest, WithdrawRequest, ConsentInfo)),
    tags((name = "consents", description = "本人同意(範囲・期限・撤回は直ちに有効)"))
)]
pub struct Doc;
