//! 接触記録 (`contact_attempt`): a visit, call, letter… and whether it reached anyone,
//! recorded by whoever holds the case's full view, with the one or two staff who went
//! (staff of the municipality, possibly of two agencies).

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::outreach::{AttemptDraft, validate_attempt};
use kasane_store::user::User;

use crate::collaboration::support_plan::responsible_users;
use crate::error::invalid;
use crate::guard::record_on;
use crate::{App, AppResult, Caller};

use super::{OutreachAccess, local, outreach_access, problems, recorder};

/// What the attempt form starts from: the outreach case (decided for `Action::Create`, so
/// its full view) and the staff who may have gone.
pub struct AttemptStart {
    pub access: OutreachAccess,
    pub users: Vec<User>,
}

pub async fn attempt_start(app: &App, caller: &Caller, id: i64) -> AppResult<AttemptStart> {
    Ok(AttemptStart {
        access: outreach_access(app, caller, Action::Create, id).await?,
        users: responsible_users(app, caller).await?,
    })
}

/// Records a contact attempt: checked by the domain (422 with its problems), the staff among
/// the municipality's staff; audited. Returns the attempt's id.
pub async fn record_attempt(
    app: &App,
    caller: &Caller,
    id: i64,
    draft: &AttemptDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let start = attempt_start(app, caller, id).await?;
        record_attempt_for(app, caller, &start, draft).await
    })
    .await
}

/// [`record_attempt`] on a form already loaded (the page keeps it to show the form again).
pub async fn record_attempt_for(
    app: &App,
    caller: &Caller,
    start: &AttemptStart,
    draft: &AttemptDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let valid = validate_attempt(draft, local(app.now())).map_err(problems)?;
        let mut staff = Vec::new();
        for uid in &valid.staff {
            match start.users.iter().find(|u| u.id == *uid) {
                Some(u) => staff.push((u.id, u.agency_id)),
                None => {
                    return Err(invalid(&[
                        "訪問した職員: この自治体の相談員から選んでください",
                    ]));
                }
            }
        }
        let case_id = start.access.case.id;
        let attempted_at = (valid.attempted_at - chrono::TimeDelta::hours(9)).and_utc();
        let attempt = app
            .store
            .create_contact_attempt(recorder(caller), case_id, &valid, attempted_at, &staff)
            .await?;
        record_on(
            app,
            caller,
            &start.access.grant,
            AuditAction::Create,
            "contact_attempt",
            attempt,
            &format!("case:{case_id}"),
        )
        .await?;
        Ok(attempt)
    })
    .await
}
