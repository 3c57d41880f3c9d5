//! `/api/v1/worklist`: what needs the caller's attention now — incoming referrals, accepted
//! ones to complete, sent ones that came back or are overdue, escalated intakes waiting for
//! a case, monitoring due, outreach cases with an alert; for the coordinator also overdue
//! referrals across the municipality and 「複合課題の可能性」.

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::worklist::Reading;
use kasane_app::worklist::read_worklist;
use kasane_domain::referral::ReferralStatus;
use kasane_store::referral::Referral;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::outreach::OutreachSummary;
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

/// Which lists have more rows than answered (one more was read, none counted): read
/// them on with `?list=…&page=…`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistMore {
    pub incoming: bool,
    pub to_complete: bool,
    pub returned: bool,
    pub overdue_all: bool,
    pub warnings: bool,
    pub monitoring: bool,
    pub escalations: bool,
    pub basis_lost: bool,
    pub outreach: bool,
}

/// `?list=…&page=…`: one list, 50 a page; absent: the first 10 rows of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// incoming, to_complete, returned, overdue_all, warnings, monitoring, escalations,
    /// basis_lost, outreach
    pub list: Option<String>,
    /// 1-based; with `list` only.
    pub page: Option<i64>,
}

/// What needs the caller's attention now: each list bounded (see `has_more`).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistInfo {
    pub has_more: WorklistMore,
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
    /// Coordinator only: roles and plan actions whose agency can no longer read the case.
    pub basis_lost: Vec<BasisLostInfo>,
    /// アウトリーチ (the lead agency's staff, the coordinator): cases with an alert, most
    /// overdue first.
    pub outreach: Vec<OutreachSummary>,
}

/// A role (役割分担) or plan action whose agency lost the basis it read the case on.
#[derive(Debug, Serialize, ToSchema)]
pub struct BasisLostInfo {
    pub case_id: i64,
    pub subject_name: String,
    pub agency_id: i64,
    pub agency_name: String,
    /// `role` or `plan_action`.
    pub source: String,
    pub task: String,
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
/// municipality and 「複合課題の可能性」. The first 10 rows of each list, or one page of
/// one list (`list`, `page`).
#[utoipa::path(get, path = "/api/v1/worklist", tag = "worklist",
    params(WorklistQuery),
    responses((status = 200, body = WorklistInfo),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn worklist(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<WorklistQuery>,
) -> Result<Json<WorklistInfo>, ApiError> {
    let reading = match q.list {
        Some(list) => Reading::List(list, kasane_app::page_number(q.page)?),
        None => Reading::Home,
    };
    let worklist = read_worklist(&state, &ctx, &reading).await?;
    let (w, monitoring, basis_lost, outreach) = (
        worklist.consultation,
        worklist.monitoring,
        worklist.basis_lost,
        worklist.outreach,
    );
    Ok(Json(WorklistInfo {
        has_more: WorklistMore {
            incoming: w.incoming.more,
            to_complete: w.to_complete.more,
            returned: w.returned.more,
            overdue_all: w.overdue_all.more,
            warnings: w.warnings.more,
            monitoring: monitoring.more,
            escalations: w.escalations.more,
            basis_lost: basis_lost.more,
            outreach: outreach.more,
        },
        incoming: w
            .incoming
            .items
            .iter()
            .map(|(r, overdue)| WorklistReferral::new(r, *overdue, None))
            .collect(),
        to_complete: w
            .to_complete
            .items
            .iter()
            .map(|r| WorklistReferral::new(r, false, None))
            .collect(),
        returned: w
            .returned
            .items
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
            .items
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
            .items
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
            .items
            .into_iter()
            .map(DueMonitoringInfo::from)
            .collect(),
        escalations: w
            .escalations
            .items
            .into_iter()
            .map(|e| EscalationInfo {
                intake_id: e.intake_id,
                person_id: e.person_id,
                person_name: e.person_name,
                agency_name: e.agency_name,
                received_at: e.received_at,
            })
            .collect(),
        basis_lost: basis_lost
            .items
            .into_iter()
            .map(|r| BasisLostInfo {
                case_id: r.case_id,
                subject_name: r.subject_name,
                agency_id: r.agency_id,
                agency_name: r.agency_name,
                source: r.source,
                task: r.task,
            })
            .collect(),
        outreach: outreach.items.iter().map(OutreachSummary::from).collect(),
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(worklist),
    components(schemas(WorklistReferral, OverdueReferral, WarningEvidence, WarningInfo,
        WorklistInfo, WorklistMore, EscalationInfo, DueMonitoringInfo, BasisLostInfo,
        OutreachSummary)),
    tags((name = "worklist", description = "ワークリスト(対応が必要な項目)"))
)]
pub struct Doc;
