//! `/api/v1/worklist`: what needs the caller's attention now — incoming referrals, accepted
//! ones to complete, sent ones that came back or are overdue, escalated intakes waiting for
//! a case, monitoring due; for the coordinator also overdue referrals across the
//! municipality and 「複合課題の可能性」.

use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::worklist::read_worklist;
use kasane_domain::referral::ReferralStatus;
use kasane_store::referral::Referral;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::referrals::Coded;
use crate::api::support_plans::DueMonitoringInfo;
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;

pub fn routes() -> Router<AppState> {
    Router::new().route("/worklist", get(worklist))
}

/// A referral on the worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistReferral {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub from_agency_name: String,
    pub to_agency_name: String,
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub overdue: bool,
    /// For the sender: overdue or declined.
    pub attention: Option<Coded>,
}

impl WorklistReferral {
    fn new(r: &Referral, overdue: bool, attention: Option<Coded>) -> Self {
        WorklistReferral {
            id: r.id,
            person_id: r.person_id,
            person_name: r.person_name.clone(),
            from_agency_name: r.from_agency_name.clone(),
            to_agency_name: r.to_agency_name.clone(),
            status: r.status.code().to_string(),
            sent_at: r.sent_at,
            overdue,
            attention,
        }
    }
}

/// An overdue referral anywhere in the municipality (coordinator): no names.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueReferral {
    pub id: i64,
    pub from_agency_name: String,
    pub to_agency_name: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningEvidence {
    pub on: NaiveDate,
    pub agency_name: String,
    /// intake, support_log, referral
    pub source: String,
    pub record_id: i64,
}

/// 「複合課題の可能性」 (coordinator); the name only where the access rule allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningInfo {
    pub person_id: i64,
    pub name: Option<String>,
    /// multiple_agencies, multiple_fields
    pub reasons: Vec<String>,
    pub summary: String,
    pub evidence: Vec<WarningEvidence>,
}

/// What needs the caller's attention now.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistInfo {
    /// Referrals to the caller's agency waiting to be accepted or declined.
    pub incoming: Vec<WorklistReferral>,
    /// Accepted referrals waiting for their outcome.
    pub to_complete: Vec<WorklistReferral>,
    /// Referrals the caller's agency sent that came back (declined) or are overdue.
    pub returned: Vec<WorklistReferral>,
    /// Coordinator only.
    pub overdue_all: Vec<OverdueReferral>,
    /// Coordinator only.
    pub warnings: Vec<WarningInfo>,
    /// Monitoring due within a week or overdue (step 3).
    pub monitoring: Vec<DueMonitoringInfo>,
    /// The coordinating agency's coordinators: escalated intakes waiting for a case.
    pub escalations: Vec<EscalationInfo>,
}

/// An escalated intake (多機関協働へ) no case has been opened from yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationInfo {
    pub intake_id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// The window that received the consultation.
    pub agency_name: String,
    pub received_at: DateTime<Utc>,
}

/// The caller's worklist: incoming referrals, accepted ones to complete, sent ones that
/// came back or are overdue; for the coordinator also overdue referrals across the
/// municipality and 「複合課題の可能性」.
#[utoipa::path(get, path = "/api/v1/worklist", tag = "worklist",
    responses((status = 200, body = WorklistInfo),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn worklist(Work(state): Work, Api(ctx): Api) -> Result<Json<WorklistInfo>, ApiError> {
    let worklist = read_worklist(&state, &ctx).await?;
    let (w, monitoring) = (worklist.consultation, worklist.monitoring);
    Ok(Json(WorklistInfo {
        incoming: w
            .incoming
            .iter()
            .map(|(r, overdue)| WorklistReferral::new(r, *overdue, None))
            .collect(),
        to_complete: w
            .to_complete
            .iter()
            .map(|r| WorklistReferral::new(r, false, None))
            .collect(),
        returned: w
            .returned
            .iter()
            .map(|(r, why)| {
                let overdue = r.status == ReferralStatus::Sent;
                let attention = Coded {
                    code: why.code().to_string(),
                    label: why.label().to_string(),
                };
                WorklistReferral::new(r, overdue, Some(attention))
            })
            .collect(),
        overdue_all: w
            .overdue_all
            .into_iter()
            .map(|r| OverdueReferral {
                id: r.id,
                from_agency_name: r.from_agency_name,
                to_agency_name: r.to_agency_name,
                sent_at: r.sent_at,
            })
            .collect(),
        warnings: w
            .warnings
            .into_iter()
            .map(|(person_id, name, warning)| WarningInfo {
                person_id,
                name,
                reasons: warning
                    .reasons
                    .iter()
                    .map(|r| r.code().to_string())
                    .collect(),
                summary: warning.summary,
                evidence: warning
                    .evidence
                    .into_iter()
                    .map(|c| WarningEvidence {
                        on: c.on,
                        agency_name: c.agency_name,
                        source: c.source.code().to_string(),
                        record_id: c.record_id,
                    })
                    .collect(),
            })
            .collect(),
        monitoring: monitoring
            .into_iter()
            .map(DueMonitoringInfo::from)
            .collect(),
        escalations: w
            .escalations
            .into_iter()
            .map(|e| EscalationInfo {
                intake_id: e.intake_id,
                person_id: e.person_id,
                person_name: e.person_name,
                agency_name: e.agency_name,
                received_at: e.received_at,
            })
            .collect(),
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(worklist),
    components(schemas(WorklistReferral, OverdueReferral, WarningEvidence, WarningInfo,
        WorklistInfo, EscalationInfo, DueMonitoringInfo)),
    tags((name = "worklist", description = "ワークリスト(対応が必要な項目)"))
)]
pub struct Doc;
