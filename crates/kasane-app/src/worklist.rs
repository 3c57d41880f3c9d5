//! The worklist: what waits for the caller, composed from each capability's own section
//! (one line per capability here, so a new one adds a line instead of editing another's).
//! Every list is bounded: the home page shows the first few rows of each, and each list
//! reads on a page at a time (「すべて見る」), never a whole queue.

use crate::collaboration::role_holder::{self, basis_lost_worklist};
use crate::collaboration::support_plan::{DueLine, monitoring_worklist};
use crate::consultation::worklist::{LISTS, Reading, Rows};
use crate::guard::record_list;
use crate::outreach::rhythm::{self as outreach_rhythm, TeamLine};
use crate::{App, AppError, AppResult, Caller, consultation};
use kasane_store::role_holder::RoleHolder;

/// What needs the caller's attention now, by capability.
pub struct Worklist {
    pub consultation: consultation::worklist::Section,
    pub match_review: consultation::match_review::Section,
    /// 多機関協働: monitoring due within a week or overdue.
    pub monitoring: Rows<DueLine>,
    /// 多機関協働 (coordinator): roles and plan actions whose agency lost its basis.
    pub basis_lost: Rows<RoleHolder>,
    /// アウトリーチ (the lead agency's staff, the coordinator): cases with an alert.
    pub outreach: Rows<TeamLine>,
}

impl Worklist {
    pub fn is_empty(&self) -> bool {
        self.consultation.is_empty()
            && self.match_review.is_empty()
            && self.monitoring.is_empty()
            && self.basis_lost.is_empty()
            && self.outreach.is_empty()
    }
}

/// Whether `code` names a list of the worklist.
pub fn is_list(code: &str) -> bool {
    code == "monitoring"
        || code == role_holder::LIST
        || code == outreach_rhythm::LIST
        || LISTS.contains(&code)
        || consultation::match_review::LISTS.contains(&code)
}

/// The caller's worklist as `reading` asks (an unknown list is not found), its reading
/// audited when it shows anything (it names persons).
pub async fn read_worklist(app: &App, caller: &Caller, reading: &Reading) -> AppResult<Worklist> {
    if let Reading::List(code, _) = reading
        && !is_list(code)
    {
        return Err(AppError::NotFound);
    }
    let w = Worklist {
        consultation: consultation::worklist::section(app, caller, reading).await?,
        match_review: consultation::match_review::section(app, caller, reading).await?,
        monitoring: monitoring_worklist(app, caller, reading).await?,
        basis_lost: basis_lost_worklist(app, caller, reading).await?,
        outreach: outreach_rhythm::worklist(app, caller, reading).await?,
    };
    if !w.is_empty() {
        record_list(app, caller, "worklist").await?;
    }
    Ok(w)
}
