//! アウトリーチ等を通じた継続的支援: reaching people who do not ask for help. It builds on
//! 相談支援 and 多機関協働 (an outreach case is a case of kind アウトリーチ: its access,
//! agencies and closure are the case's), never on the capabilities after it.
//!
//! - [`case`]: opening an outreach case (from an intake, a person or a household), its
//!   page, the engagement stage's moves (forward on evidence, back with a reason), the
//!   planned contact interval and the hand-over to a つなぎ or a case;
//! - [`attempt`]: contact attempts with the staff who went;
//! - [`gathering`]: 情報収集 (kept within the outreach team) and 伴走支援;
//! - [`rhythm`]: the alerts of a case, the team's list, the 訪問予定表 and the
//!   worklist's section;
//! - [`timeline`]: the 伴走支援 entries on a person's or household's timeline.
//!
//! Every use case reaches the outreach case through its case (`guard::case_access` or
//! `guard::case_to_manage`), audited with its basis, in one unit of work.

use kasane_domain::access::{Action, PersonFacts};
use kasane_domain::case::CaseStatus;
use kasane_domain::outreach::Team;
use kasane_store::case::{Case, CaseAgency};
use kasane_store::outreach::{OutreachCase, Recorder};

use crate::guard::{Grant, case_access_with_facts, not_found};
use crate::{App, AppResult, Caller};

pub mod attempt;
pub mod case;
pub mod gathering;
pub mod rhythm;
pub mod timeline;

/// An outreach case the caller was granted an action on, with the case it is and the facts
/// the rule decided on.
#[derive(Debug, Clone)]
pub struct OutreachAccess {
    pub outreach: OutreachCase,
    pub case: Case,
    pub grant: Grant,
    pub facts: PersonFacts,
}

/// Outreach case `id` for `action`, decided on its case by the rule (audited); a case that
/// is not an outreach case is answered like a missing record, and audited as a probe.
pub(crate) async fn outreach_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<OutreachAccess> {
    let (case, grant, facts) = case_access_with_facts(app, caller, action, id).await?;
    outreach_of(app, caller, case, grant, facts).await
}

/// The outreach part of a case already granted.
pub(crate) async fn outreach_of(
    app: &App,
    caller: &Caller,
    case: Case,
    grant: Grant,
    facts: PersonFacts,
) -> AppResult<OutreachAccess> {
    match app.store.outreach_any(case.id).await? {
        Some(outreach) => Ok(OutreachAccess {
            outreach,
            case,
            grant,
            facts,
        }),
        None => Err(not_found(app, caller, "outreach_case", case.id).await),
    }
}

/// The case's outreach team (情報収集 stays within it): its lead, the agencies involved
/// now, and 多機関協働 while it coordinates the case.
pub(crate) fn team_of(case: &Case, agencies: &[CaseAgency]) -> Team {
    Team {
        lead: case.lead_agency_id,
        agencies: agencies
            .iter()
            .filter(|a| a.left_at.is_none())
            .map(|a| a.agency_id)
            .collect(),
        coordinated: case.coordination_ended_at.is_none() && case.status != CaseStatus::Closed,
    }
}

/// Who records, as the store takes it.
pub(crate) fn recorder(caller: &Caller) -> Recorder {
    Recorder {
        municipality_id: caller.municipality.id,
        user_id: caller.user.id,
        agency_id: caller.agency.id,
    }
}

/// A domain check's field problems as the 422 every form and the API answer.
pub(crate) fn problems(errors: Vec<kasane_domain::intake::FieldError>) -> crate::AppError {
    crate::AppError::Validation(errors.into_iter().map(|e| e.message).collect())
}

/// Japan time of a stored instant, as the domain's rules read it.
pub fn local(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (at + chrono::TimeDelta::hours(9)).naive_utc()
}
