//! The correction of a role assignment (役割分担) by whoever runs the meeting that decided it:
//! its 担当機関, 担当者, 役割 and 期限, under a version (a save from an older one is refused,
//! 409) with every version kept, as a meeting's own correction. The meeting and the case
//! stay: they say where the role was decided, and for whom. Who may correct is who may
//! assign roles there (`meeting::assign_role`): the meeting's manager, reading the case.

use chrono::NaiveDate;
use kasane_domain::access::Action;
use kasane_domain::identity::AgencyId;
use kasane_domain::intake::FieldError;
use kasane_domain::meeting::{RoleDraft, validate_role};
use kasane_domain::wareki::{format_wareki, format_wareki_short};
use kasane_store::meeting::RoleAssignment;
use kasane_store::municipality::Agency;
use serde::{Deserialize, Serialize};

use crate::collaboration::meeting::{MINUTES_CLOSED, load_meeting, managed_meeting};
use crate::consultation::correction::{Correction, VersionView, history};
use crate::guard::{Grant, case_access, forbid, not_found};
use crate::{App, AppError, AppResult, Caller};

/// A role's fields as each version keeps them (what a correction may change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RoleSnapshot {
    agency_id: Option<AgencyId>,
    staff_name: String,
    task: String,
    due_on: Option<NaiveDate>,
}

impl RoleSnapshot {
    fn of(r: &RoleAssignment) -> RoleSnapshot {
        RoleSnapshot {
            agency_id: Some(r.agency_id),
            staff_name: r.staff_name.clone(),
            task: r.task.clone(),
            due_on: r.due_on,
        }
    }

    /// The fields as the meeting page shows them, the agency by its name.
    fn shown(&self, agencies: &[Agency]) -> Vec<(&'static str, String)> {
        let agency = self.agency_id.map_or_else(String::new, |id| {
            agencies
                .iter()
                .find(|a| a.id == id)
                .map_or_else(|| id.to_string(), |a| a.name.clone())
        });
        vec![
            ("担当機関", agency),
            ("担当者", self.staff_name.clone()),
            ("役割", self.task.clone()),
            ("期限", self.due_on.map(format_wareki).unwrap_or_default()),
        ]
    }
}

/// The form's label of each field `validate_role` names.
const LABELS: [(&str, &str); 4] = [
    ("agency_id", "担当機関"),
    ("staff_name", "担当者"),
    ("task", "役割"),
    ("due_on", "期限"),
];

/// The 422 of a refused role: each problem begins with its field's label (「役割: …」), so
/// the form marks that field.
fn labelled(errors: &[FieldError]) -> AppError {
    AppError::Validation(
        errors
            .iter()
            .map(|e| match LABELS.iter().find(|(f, _)| *f == e.field) {
                Some((_, label)) if !e.message.starts_with(&format!("{label}:")) => {
                    format!("{label}: {}", e.message)
                }
                _ => e.message.clone(),
            })
            .collect(),
    )
}

/// The draft a role's correction form starts from: the record as it stands.
pub fn role_draft(r: &RoleAssignment) -> RoleDraft {
    RoleDraft {
        agency_id: Some(r.agency_id),
        staff_name: r.staff_name.clone(),
        task: r.task.clone(),
        due_on: r.due_on.map(format_wareki_short).unwrap_or_default(),
    }
}

/// Role assignment `role_id`, decided at meeting `id` (404, audited, for a role of another
/// meeting or none).
async fn role_of(app: &App, caller: &Caller, id: i64, role_id: i64) -> AppResult<RoleAssignment> {
    match app.store.role_assignment(role_id).await? {
        Some(r) if r.meeting_id == id => Ok(r),
        _ => Err(not_found(app, caller, "role_assignment", role_id).await),
    }
}

/// A role the caller may correct, as for assigning one: they run the meeting (404 if they
/// cannot see it, 403 if they only attend) and read the role's case.
async fn writable_role(
    app: &App,
    caller: &Caller,
    id: i64,
    role_id: i64,
) -> AppResult<(RoleAssignment, Grant)> {
    managed_meeting(app, caller, id).await?;
    let role = role_of(app, caller, id, role_id).await?;
    let (_, grant) = case_access(app, caller, Action::Read, role.case_id).await?;
    Ok((role, grant))
}

/// A role as its correction form shows it: the record, the municipality's agencies to
/// choose from, and every kept version (newest first).
pub struct RoleToCorrect {
    pub role: RoleAssignment,
    pub agencies: Vec<Agency>,
    pub versions: Vec<VersionView>,
}

/// Role `role_id` of meeting `id` for its correction form (see [`writable_role`]).
pub async fn role_to_correct(
    app: &App,
    caller: &Caller,
    id: i64,
    role_id: i64,
) -> AppResult<RoleToCorrect> {
    let (role, _) = writable_role(app, caller, id, role_id).await?;
    let agencies = app.store.agencies(caller.municipality.id).await?;
    let versions = role_history(app, &role, &agencies).await?;
    Ok(RoleToCorrect {
        role,
        agencies,
        versions,
    })
}

/// Corrects role `role_id` of meeting `id` from `from_version`: validated as when it was
/// assigned; audited with the changed fields' labels. Returns the new version.
pub async fn correct_role(
    app: &App,
    caller: &Caller,
    (id, role_id): (i64, i64),
    from_version: i32,
    draft: &RoleDraft,
) -> AppResult<i32> {
    app.unit(async |app| {
        let (role, grant) = writable_role(app, caller, id, role_id).await?;
        let agencies = app.store.agencies(caller.municipality.id).await?;
        let known: Vec<AgencyId> = agencies.iter().map(|a| a.id).collect();
        let valid = validate_role(draft, &known).map_err(|e| labelled(&e))?;
        let after = RoleSnapshot {
            agency_id: Some(valid.agency_id),
            staff_name: valid.staff_name.clone(),
            task: valid.task.clone(),
            due_on: valid.due_on,
        };
        let c = Correction::of(&RoleSnapshot::of(&role), &after, |s| s.shown(&agencies))?;
        let saved = app
            .store
            .correct_role_assignment(role.id, from_version, &valid, c.snapshots(), caller.user.id)
            .await?;
        c.saved(app, caller, &grant, "role_assignment", role.id, saved)
            .await
    })
    .await
}

async fn role_history(
    app: &App,
    role: &RoleAssignment,
    agencies: &[Agency],
) -> AppResult<Vec<VersionView>> {
    let kept = app.store.role_assignment_versions(role.id).await?;
    history::<RoleSnapshot>(&kept, |s| s.shown(agencies))
}

/// The versions of role `role_id` of meeting `id`, newest first (empty when never
/// corrected), for whoever reads the meeting's roles: as its minutes (the meeting's rule on
/// minutes, 403 otherwise) and a read of the case (audited).
pub async fn role_versions(
    app: &App,
    caller: &Caller,
    id: i64,
    role_id: i64,
) -> AppResult<Vec<VersionView>> {
    let meeting = load_meeting(app, caller, id).await?;
    if !meeting.minutes_readable(app, caller) {
        return Err(forbid(app, caller, "meeting", id, MINUTES_CLOSED).await);
    }
    let role = role_of(app, caller, id, role_id).await?;
    case_access(app, caller, Action::Read, role.case_id).await?;
    let agencies = app.store.agencies(caller.municipality.id).await?;
    role_history(app, &role, &agencies).await
}
