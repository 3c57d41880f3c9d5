//! The one path from a handler to the access rule: decide, audit, answer.
//!
//! Every handler that touches a municipality's objects calls [`authorize`]; there is no
//! other way to reach a grant. Denials are audited too, and another municipality's
//! object, like one the user has no basis for, is answered as not found.

use chrono::{NaiveDate, TimeDelta, Utc};
use kasane_domain::access::{Action, Decision, Grant, PersonFacts, Subject, decide};
use kasane_domain::audit::AuditAction;
use kasane_store::audit::NewAuditEntry;

use crate::AppState;
use crate::http::auth::Ctx;
use crate::http::error::AppError;

/// What is being touched, for the audit trail: a type and an id, never the content.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    pub kind: &'a str,
    pub id: &'a str,
}

/// Today in Japan: consents expire and 年度 turn by the local calendar (JST, no DST).
pub fn today_jst() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(9)).date_naive()
}

/// Decides `action` on `subject` for the caller. Personal-data grants and every write are
/// audited with their basis; denials are audited with their reason.
pub async fn authorize(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    subject: &Subject<'_>,
    object: Object<'_>,
) -> Result<Grant, AppError> {
    match decide(&ctx.actor, action, subject, today_jst()) {
        Decision::Allow(grant) => {
            if subject.is_personal() || action.is_write() || action == Action::Export {
                audit(
                    state,
                    ctx,
                    audit_action(action),
                    object,
                    grant.basis.code(),
                    "",
                )
                .await?;
            }
            Ok(grant)
        }
        Decision::Deny(denial) => {
            audit(state, ctx, AuditAction::Denied, object, "", denial.reason()).await?;
            Err(if denial.is_not_found() {
                AppError::NotFound
            } else {
                AppError::Forbidden(denial.reason().to_string())
            })
        }
    }
}

fn audit_action(action: Action) -> AuditAction {
    match action {
        Action::Read | Action::EmergencyRead => AuditAction::View,
        Action::Create => AuditAction::Create,
        Action::Update => AuditAction::Update,
        Action::Delete => AuditAction::Delete,
        Action::Export => AuditAction::Export,
    }
}

/// Appends an audit entry for the caller.
pub async fn audit(
    state: &AppState,
    ctx: &Ctx,
    action: AuditAction,
    object: Object<'_>,
    basis: &str,
    reason: &str,
) -> Result<(), AppError> {
    state
        .store
        .append_audit(&NewAuditEntry {
            municipality_id: Some(ctx.actor.municipality_id),
            user_id: Some(ctx.actor.user_id),
            username: &ctx.user.username,
            action,
            object_type: object.kind,
            object_id: object.id,
            basis,
            reason,
            request_id: &ctx.request_id,
        })
        .await?;
    Ok(())
}

/// A person record the caller may act on, with the grant that allowed it.
#[derive(Debug, Clone)]
pub struct PersonAccess {
    /// The canonical record of the person's 名寄せ group (what `id` led to).
    pub person: kasane_store::person::Person,
    pub grant: Grant,
}

/// Loads person `id` (resolving a linked record to its canonical one), reads the access
/// facts of its group and decides. Missing, other-municipality and unpermitted persons are
/// all answered `NotFound`.
pub async fn person_access(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    id: i64,
) -> Result<PersonAccess, AppError> {
    let mut person = state
        .store
        .person_any(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(root) = person.linked_to_person_id {
        person = state
            .store
            .person_any(root)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let facts = state
        .store
        .person_facts(person.municipality_id, person.id)
        .await?;
    let oid = person.id.to_string();
    let grant = authorize(
        state,
        ctx,
        action,
        &Subject::Person(&facts),
        Object {
            kind: "person",
            id: &oid,
        },
    )
    .await?;
    Ok(PersonAccess { person, grant })
}

/// A household the caller may act on.
pub async fn household_access(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    id: i64,
) -> Result<(kasane_store::household::Household, Grant), AppError> {
    let household = state
        .store
        .household_any(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = state
        .store
        .household_facts(household.municipality_id, household.id)
        .await?;
    let oid = household.id.to_string();
    let grant = authorize(
        state,
        ctx,
        action,
        &Subject::Person(&facts),
        Object {
            kind: "household",
            id: &oid,
        },
    )
    .await?;
    Ok((household, grant))
}

/// The caller as list queries see them: the access rule's SQL twin filters with this.
pub async fn viewer(state: &AppState, ctx: &Ctx) -> Result<kasane_store::person::Viewer, AppError> {
    use kasane_domain::identity::Role;
    let coordinating = state.store.coordinating_agency(ctx.municipality.id).await?;
    Ok(kasane_store::person::Viewer {
        municipality_id: ctx.municipality.id,
        agency_id: ctx.agency.id,
        coordinates: ctx.actor.has(Role::Coordinator) && coordinating == Some(ctx.agency.id),
        today: today_jst(),
    })
}

/// A case the caller may act on, with the grant that allowed it. The facts are the case's
/// person's (or household's) and the 支援会議 that have this case on their agenda.
pub async fn case_access(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    id: i64,
) -> Result<(kasane_store::case::Case, Grant), AppError> {
    let (case, grant, _) = case_access_with_facts(state, ctx, action, id).await?;
    Ok((case, grant))
}

/// [`case_access`], also answering the facts it decided on (for rules that read them
/// further, such as the consent a 重層的支援会議 needs).
pub async fn case_access_with_facts(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    id: i64,
) -> Result<(kasane_store::case::Case, Grant, PersonFacts), AppError> {
    let case = state.store.case_any(id).await?.ok_or(AppError::NotFound)?;
    let facts = state.store.case_facts(&case).await?;
    let oid = case.id.to_string();
    let grant = authorize(
        state,
        ctx,
        action,
        &Subject::Person(&facts),
        Object {
            kind: "case",
            id: &oid,
        },
    )
    .await?;
    Ok((case, grant, facts))
}

/// Whether the caller may read personal data with these facts, decided but not audited:
/// for choosing what a page shows of records it does not open (a 名寄せ candidate's name,
/// an early warning's name, a worklist row). Opening a record goes through [`authorize`].
pub fn may_read(ctx: &Ctx, facts: &PersonFacts) -> bool {
    decide(
        &ctx.actor,
        Action::Read,
        &Subject::Person(facts),
        today_jst(),
    )
    .is_allowed()
}

/// Read on a case already loaded, for a list row: the grant, audited as a view, with the
/// case's facts; `None` when the rule denies — then the row is simply not shown, like the
/// rows a list query filters out in SQL, and no denial is audited.
pub async fn listed_case(
    state: &AppState,
    ctx: &Ctx,
    case: &kasane_store::case::Case,
) -> Result<Option<(Grant, PersonFacts)>, AppError> {
    let facts = state.store.case_facts(case).await?;
    let Some(grant) = decide(
        &ctx.actor,
        Action::Read,
        &Subject::Person(&facts),
        today_jst(),
    )
    .grant() else {
        return Ok(None);
    };
    let oid = case.id.to_string();
    audit(
        state,
        ctx,
        AuditAction::View,
        Object {
            kind: "case",
            id: &oid,
        },
        grant.basis.code(),
        "",
    )
    .await?;
    Ok(Some((grant, facts)))
}
