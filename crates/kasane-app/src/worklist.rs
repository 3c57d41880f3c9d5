//! The worklist: what waits for the caller, composed from each capability's own section
//! (one line per capability here, so a new one adds a line instead of editing another's).

use crate::collaboration::support_plan::{DueLine, monitoring_worklist};
use crate::guard::record_list;
use crate::{App, AppResult, Caller, consultation};

/// What needs the caller's attention now, by capability.
pub struct Worklist {
    pub consultation: consultation::worklist::Section,
    /// 多機関協働: monitoring due within a week or overdue.
    pub monitoring: Vec<DueLine>,
}

impl Worklist {
    pub fn is_empty(&self) -> bool {
        self.consultation.is_empty() && self.monitoring.is_empty()
    }
}

/// The caller's worklist, its reading audited when it shows anything (it names persons).
pub async fn read_worklist(app: &App, caller: &Caller) -> AppResult<Worklist> {
    let w = Worklist {
        consultation: consultation::worklist::section(app, caller).await?,
        monitoring: monitoring_worklist(app, caller).await?,
    };
    if !w.is_empty() {
        record_list(app, caller, "worklist").await?;
    }
    Ok(w)
}
