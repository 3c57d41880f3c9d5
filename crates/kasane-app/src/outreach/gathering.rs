//! 情報収集 (`information_note`) and 伴走支援 (`accompaniment`). What a 民生委員 or an
//! agency told the outreach team stays within the team ([`in_team`]: the case's lead, the
//! agencies involved now, 多機関協働 while it coordinates): another agency that reads the
//! case on another basis is told it does not exist (404, audited) — the information was
//! given to the team, not to the municipality.

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::outreach::{
    AccompanimentDraft, NoteDraft, in_team, validate_accompaniment, validate_note,
};
use kasane_store::outreach::InformationNote;

use crate::guard::{hidden, record_on};
use crate::{App, AppResult, Caller};

use super::{OutreachAccess, outreach_access, problems, recorder, team_of};

const BEYOND_TEAM: &str =
    "情報収集の記録はアウトリーチのチーム(主担当・関与機関)のみが閲覧できます";

/// The outreach case for `action`, if the caller is of its team; else 404, audited on the
/// case's information notes.
async fn within_team(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<OutreachAccess> {
    let access = outreach_access(app, caller, action, id).await?;
    let agencies = app.store.case_agencies(access.case.id).await?;
    let team = team_of(&access.case, &agencies);
    if !in_team(&team, caller.agency.id, caller.coordinates()) {
        return Err(hidden(app, caller, "information_note", access.case.id, BEYOND_TEAM).await);
    }
    Ok(access)
}

/// The case's information notes, newest first (the team only).
pub async fn notes(app: &App, caller: &Caller, id: i64) -> AppResult<Vec<InformationNote>> {
    within_team(app, caller, Action::Read, id).await?;
    Ok(app.store.information_notes(id).await?)
}

/// Records an information note with its source (the team only; full view); audited.
pub async fn record_note(app: &App, caller: &Caller, id: i64, draft: &NoteDraft) -> AppResult<i64> {
    app.unit(async |app| {
        let access = within_team(app, caller, Action::Create, id).await?;
        let valid = validate_note(draft, app.today()).map_err(problems)?;
        let note = app
            .store
            .create_information_note(recorder(caller), id, &valid)
            .await?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Create,
            "information_note",
            note,
            &format!("case:{id}"),
        )
        .await?;
        Ok(note)
    })
    .await
}

/// Records a 伴走支援 entry (full view of the case); audited. It shows on the timeline.
pub async fn record_accompaniment(
    app: &App,
    caller: &Caller,
    id: i64,
    draft: &AccompanimentDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let access = outreach_access(app, caller, Action::Create, id).await?;
        let valid = validate_accompaniment(draft, app.today()).map_err(problems)?;
        let entry = app
            .store
            .create_accompaniment(recorder(caller), id, &valid)
            .await?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Create,
            "accompaniment",
            entry,
            &format!("case:{id}"),
        )
        .await?;
        Ok(entry)
    })
    .await
}
