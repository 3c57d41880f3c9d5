//! The one path from a handler to the access rule: decide, audit, answer.
//!
//! Every handler that touches a municipality's objects calls [`authorize`]; there is no
//! other way to reach a grant. Denials are audited too, and another municipality's
//! object, like one the user has no basis for, is answered as not found.

use chrono::{NaiveDate, TimeDelta, Utc};
use kasane_domain::access::{Action, Decision, Grant, Subject, decide};
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
