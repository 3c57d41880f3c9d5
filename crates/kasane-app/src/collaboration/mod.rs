//! 多機関協働: cases (their status, agencies, lead and hand-over), アセスメント, 本人同意,
//! 支援会議 / 重層的支援会議 (members, agenda, minutes, roles) and 支援プラン with monitoring
//! and evaluation.

use kasane_store::municipality::Agency;

use crate::{App, AppResult, Caller};

pub mod assessment;
pub mod case;
pub mod consent;
pub mod meeting;
pub mod meeting_correction;
pub mod role_correction;
pub mod role_holder;
pub mod support_plan;

/// The caller's municipality's agencies (not personal data), for the forms to choose from.
pub async fn agencies(app: &App, caller: &Caller) -> AppResult<Vec<Agency>> {
    Ok(app.store.agencies(caller.municipality.id).await?)
}
