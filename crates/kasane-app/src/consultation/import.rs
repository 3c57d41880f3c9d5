//! Persons imported from a CSV ledger by an agency (`kasane import persons`).

use kasane_domain::audit::AuditAction;
use kasane_domain::identity::AgencyId;
use kasane_store::person::PersonFields;

use crate::guard::{Object, audit};
use crate::{App, AppResult, Caller};

/// Registers `persons` for `agency_id` (which then sees them: involvement `registered`),
/// recorded by the caller and audited as one import of `source` — all of them with their
/// audit entry, or none.
pub async fn import_persons(
    app: &App,
    caller: &Caller,
    agency_id: AgencyId,
    persons: &[PersonFields],
    source: &str,
) -> AppResult<Vec<i64>> {
    app.unit(async |app| {
        let ids = app
            .store
            .create_persons(caller.municipality.id, agency_id, caller.user.id, persons)
            .await?;
        let count = persons.len().to_string();
        let object = Object {
            kind: "person_import",
            id: &count,
        };
        audit(app, caller, AuditAction::Create, object, "", source).await?;
        Ok(ids)
    })
    .await
}
