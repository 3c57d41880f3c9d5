//! Persons imported from a CSV ledger by an agency (`kasane import persons`).

use kasane_domain::audit::AuditAction;
use kasane_domain::identity::AgencyId;
use kasane_store::person::PersonFields;

use crate::guard::{Object, audit};
use crate::{App, AppResult, Caller};

/// Registers persons for `agency_id` (which then sees them: involvement `registered`),
/// recorded by the caller and audited as one import of `source`. The persons come a batch
/// at a time from `next_batch` (`None` once there are no more), so a file of any size is
/// written without being held in memory; every batch joins the one unit of work: all of
/// them with their audit entry, or none (also when `next_batch` fails). Answers how many
/// were registered.
pub async fn import_persons(
    app: &App,
    caller: &Caller,
    agency_id: AgencyId,
    source: &str,
    mut next_batch: impl AsyncFnMut() -> AppResult<Option<Vec<PersonFields>>>,
) -> AppResult<u64> {
    app.unit(async |app| {
        let mut count: u64 = 0;
        while let Some(persons) = next_batch().await? {
            app.store
                .create_persons(caller.municipality.id, agency_id, caller.user.id, &persons)
                .await?;
            count += persons.len() as u64;
        }
        let id = count.to_string();
        let object = Object {
            kind: "person_import",
            id: &id,
        };
        audit(app, caller, AuditAction::Create, object, "", source).await?;
        Ok(count)
    })
    .await
}
