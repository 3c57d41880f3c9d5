//! 支援経過記録: dated entries by an agency on a person and/or household. An edit adds a
//! version; every version stays readable (who changed what, when).

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::support_log::{EntryDraft, ValidEntry, check_edit, field_label, validate};
use kasane_store::StoreError;
use kasane_store::support_log::{EntryContent, SupportLogEntry, SupportLogVersion};

use crate::error::{STALE, invalid};
use crate::guard::within_sheet;
use crate::guard::{
    Grant, Object, forbid, household_access, household_access_beyond_sheet, not_found,
    person_access, person_access_beyond_sheet, record,
};
use crate::{App, AppError, AppResult, Caller};

fn content(v: &ValidEntry) -> EntryContent {
    EntryContent {
        occurred_on: v.occurred_on,
        kind: v.kind,
        body: v.body.clone(),
    }
}

/// The entry as stored, as the domain checks it.
fn valid(e: &SupportLogEntry) -> AppResult<ValidEntry> {
    Ok(ValidEntry {
        occurred_on: e.occurred_on,
        kind: e.kind,
        body: e.body.clone(),
        person_id: e.person_id,
        household_id: e.household_id,
    })
}

/// Writing on a person or household needs the full view of it. Returns the grant (of the
/// household when the entry names one); a grant of the つなぐシート view only is refused
/// (entry `entry_id`, or a new one when `None`).
async fn authorize_subject(
    app: &App,
    caller: &Caller,
    v: &ValidEntry,
    action: Action,
    entry_id: Option<i64>,
) -> AppResult<Grant> {
    // A write beyond the つなぐシート (an entry, a household) is refused as not found to
    // whoever holds the sheet only, as reading it is.
    let entry_oid = entry_id.map(|e| e.to_string());
    let entry = entry_oid.as_deref().map(|id| Object {
        kind: "support_log",
        id,
    });
    let mut grants = Vec::with_capacity(2);
    if let Some(p) = v.person_id {
        let access = match entry {
            Some(beyond) if action.is_write() => {
                person_access_beyond_sheet(app, caller, action, p, beyond).await?
            }
            _ => person_access(app, caller, action, p).await?,
        };
        grants.push((access.grant, "person", p));
    }
    if let Some(h) = v.household_id {
        let (_, grant) = if action.is_write() {
            let oid = h.to_string();
            let household = Object {
                kind: "household",
                id: &oid,
            };
            let beyond = entry.unwrap_or(household);
            household_access_beyond_sheet(app, caller, action, h, beyond).await?
        } else {
            household_access(app, caller, action, h).await?
        };
        grants.push((grant, "household", h));
    }
    // A つなぎ not yet accepted shows the つなぐシート only, never the support log: the
    // refusal names the entry read, or the person or household written on.
    for (g, kind, id) in &grants {
        match entry_id {
            Some(e) => within_sheet(app, caller, g, "support_log", e).await?,
            None => within_sheet(app, caller, g, kind, *id).await?,
        }
    }
    // The domain refuses an entry on neither a person nor a household.
    grants.pop().map(|(g, _, _)| g).ok_or(AppError::Internal)
}

/// Records an entry by the caller's agency. Returns its id.
pub async fn create_entry(app: &App, caller: &Caller, draft: &EntryDraft) -> AppResult<i64> {
    app.unit(async |app| {
        let v = validate(draft, app.today()).map_err(|e| invalid(&e))?;
        let grant = authorize_subject(app, caller, &v, Action::Create, None).await?;
        let id = app
            .store
            .create_support_log(
                caller.municipality.id,
                caller.agency.id,
                caller.user.id,
                v.person_id,
                v.household_id,
                &content(&v),
            )
            .await?;
        let oid = id.to_string();
        record(
            app,
            caller,
            &grant,
            AuditAction::Create,
            Object {
                kind: "support_log",
                id: &oid,
            },
            "",
        )
        .await?;
        Ok(id)
    })
    .await
}

/// An entry the caller may act on, through its person or household.
async fn entry_access(
    app: &App,
    caller: &Caller,
    id: i64,
    action: Action,
) -> AppResult<(SupportLogEntry, Grant)> {
    let Some(e) = app.store.support_log_any(id).await? else {
        return Err(not_found(app, caller, "support_log", id).await);
    };
    let grant = authorize_subject(app, caller, &valid(&e)?, action, Some(e.id)).await?;
    Ok((e, grant))
}

/// An entry as the caller may read it, with the grant and every version (newest first).
pub struct EntryRead {
    pub entry: SupportLogEntry,
    pub grant: Grant,
    pub versions: Vec<SupportLogVersion>,
}

/// Reads entry `id` with its version history.
pub async fn read_entry(app: &App, caller: &Caller, id: i64) -> AppResult<EntryRead> {
    let (entry, grant) = entry_access(app, caller, id, Action::Read).await?;
    let versions = app.store.support_log_versions(id).await?;
    Ok(EntryRead {
        entry,
        grant,
        versions,
    })
}

/// Adds a version; only the authoring agency edits its entries.
pub async fn edit_entry(
    app: &App,
    caller: &Caller,
    id: i64,
    expected_version: i32,
    draft: &EntryDraft,
) -> AppResult<()> {
    app.unit(async |app| {
        let (e, grant) = entry_access(app, caller, id, Action::Update).await?;
        if e.agency_id != caller.agency.id {
            let reason = "支援経過は記録した機関のみ修正できます";
            return Err(forbid(app, caller, "support_log", id, reason).await);
        }
        let old = valid(&e)?;
        let new = validate(
            &EntryDraft {
                person_id: e.person_id,
                household_id: e.household_id,
                ..draft.clone()
            },
            app.today(),
        )
        .map_err(|e| invalid(&e))?;
        // Nothing changed is the form's problem (422), like every other correction.
        let changed =
            check_edit(&old, &new).map_err(|n| AppError::Validation(vec![n.to_string()]))?;
        if expected_version != e.version {
            return Err(AppError::Conflict(STALE.into()));
        }
        // Two saves from the same version race to the same (entry, version) key: the loser
        // is stale like any other.
        app.store
            .edit_support_log(id, expected_version, caller.user.id, &content(&new))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict(STALE.into()),
                e => e.into(),
            })?;
        let oid = id.to_string();
        let what: Vec<&str> = changed.iter().map(|f| field_label(f)).collect();
        record(
            app,
            caller,
            &grant,
            AuditAction::Update,
            Object {
                kind: "support_log",
                id: &oid,
            },
            &what.join("・"),
        )
        .await
    })
    .await
}
