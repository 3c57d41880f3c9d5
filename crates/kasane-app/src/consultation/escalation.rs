//! 多機関協働へつなぐ, later: the receiving window escalates its own ongoing consultation
//! (from the intake or the person page) with a reason, instead of recording a second intake.
//! The intake's outcome becomes 「多機関協働へ」, so the coordinator's queue and basis follow
//! as for an intake escalated when it was received.

use kasane_domain::access::{Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::escalation::{EscalationError, check};
use kasane_domain::intake::Outcome;
use kasane_store::escalation::Escalation;
use kasane_store::intake::Intake;

use crate::consultation::intake::{IntakeRead, own_intake, read_intake};
use crate::guard::{PersonAccess, person_access, record_on};
use crate::{App, AppError, AppResult, Caller};

const MAY: &str = "多機関協働へつなぐことができます";

/// Intake `id` on its escalation form: read in full, the caller's agency's own.
pub async fn intake_to_escalate(app: &App, caller: &Caller, id: i64) -> AppResult<IntakeRead> {
    let read = read_intake(app, caller, id).await?;
    own_intake(app, caller, &read.intake, MAY).await?;
    Ok(read)
}

/// Escalates intake `id` with `reason`: the caller writes the person (full view) and is the
/// receiving agency; not already escalated, the person not in an open case. Answers how
/// it was escalated.
pub async fn escalate(app: &App, caller: &Caller, id: i64, reason: &str) -> AppResult<Escalation> {
    app.unit(async |app| {
        let read = read_intake(app, caller, id).await?;
        let access = person_access(app, caller, Action::Update, read.intake.person_id).await?;
        own_intake(app, caller, &read.intake, MAY).await?;
        let open_case = in_open_case(app, &access).await?;
        let reason = check(read.intake.outcome, open_case, reason).map_err(refusal)?;
        let moved = app
            .store
            .escalate_intake(
                caller.municipality.id,
                id,
                read.intake.outcome,
                &reason,
                caller.user.id,
            )
            .await?;
        if !moved {
            return Err(refusal(EscalationError::AlreadyEscalated));
        }
        // The reason is the worker's text about the person: the entry says only what moved.
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            "intake",
            id,
            "escalate",
        )
        .await?;
        app.store.escalation_of(id).await?.ok_or(AppError::Internal)
    })
    .await
}

fn refusal(e: EscalationError) -> AppError {
    if e.is_conflict() {
        AppError::Conflict(e.to_string())
    } else {
        AppError::Validation(vec![e.to_string()])
    }
}

async fn in_open_case(app: &App, access: &PersonAccess) -> AppResult<bool> {
    Ok(app
        .store
        .cases_of_person(access.person.id)
        .await?
        .iter()
        .any(|c| c.status.is_open()))
}

/// How intake `intake` (already read through the guard) was escalated later, if it was.
pub async fn escalation_of(app: &App, intake: &Intake) -> AppResult<Option<Escalation>> {
    Ok(app.store.escalation_of(intake.id).await?)
}

/// Whether the intake page offers to escalate `intake`: the caller's agency's own, not
/// escalated, the person writable (full view) and in no open case. Unaudited: the page's
/// read was.
pub async fn may_escalate(
    app: &App,
    caller: &Caller,
    access: &PersonAccess,
    intake: &Intake,
) -> AppResult<bool> {
    Ok(offered(caller, access, intake) && !in_open_case(app, access).await?)
}

/// The intake the person page offers to escalate: the newest the intake page would.
pub async fn escalatable(
    app: &App,
    caller: &Caller,
    access: &PersonAccess,
) -> AppResult<Option<Intake>> {
    let own = app
        .store
        .intakes_of(access.person.id)
        .await?
        .into_iter()
        .find(|i| offered(caller, access, i));
    match own {
        Some(i) if !in_open_case(app, access).await? => Ok(Some(i)),
        _ => Ok(None),
    }
}

fn offered(caller: &Caller, access: &PersonAccess, intake: &Intake) -> bool {
    // A write needs the full view; the grant the page was read on tells.
    access.grant.view() == View::Full
        && intake.receiving_agency_id == caller.agency.id
        && intake.outcome != Outcome::Escalated
}
