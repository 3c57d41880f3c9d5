//! The worklist: what waits for the caller, composed from each capability's own section
//! (one line per capability here, so a new one adds a line instead of editing another's).

use crate::guard::record_list;
use crate::{App, AppResult, Caller, consultation};

/// What needs the caller's attention now, by capability.
pub struct Worklist {
    pub consultation: consultation::worklist::Section,
}

impl Worklist {
    pub fn is_empty(&self) -> bool {
        self.consultation.is_empty()
    }
}

/// The caller's worklist, its reading audited when it shows anything (it names persons).
/// `shown_besides` says whether a section the web still assembles itself (collaboration's
/// 「モニタリング」, until it moves here) shows anything.
pub async fn read_worklist(app: &App, caller: &Caller, shown_besides: bool) -> AppResult<Worklist> {
    let w = Worklist {
        consultation: consultation::worklist::section(app, caller).await?,
    };
    if shown_besides || !w.is_empty() {
        record_list(app, caller, "worklist").await?;
    }
    Ok(w)
}
