//! アセスメント: the versioned assessment sheet of a case (a save is a new version; every
//! version stays readable) and its printable A4 sheet.

use kasane_domain::access::Action;
use kasane_domain::assessment::{self, AssessmentDraft};
use kasane_store::StoreError;
use kasane_store::case::{AssessmentRow, Case};
use kasane_store::household::Member;
use kasane_store::person::Person;

use crate::error::{STALE, invalid};
use crate::guard::{Grant, case_access};
use crate::{App, AppError, AppResult, Caller};

/// One version of the assessment sheet, with the sections it changed.
pub struct AssessmentVersion {
    pub row: AssessmentRow,
    pub sheet: AssessmentDraft,
    /// Against the previous version (for version 1: the sections filled in).
    pub changed: Vec<&'static str>,
}

/// A case's assessment as the caller may read it: every version, newest first.
pub struct Assessments {
    pub case: Case,
    pub grant: Grant,
    pub versions: Vec<AssessmentVersion>,
}

/// Every version of a case's assessment, newest first.
async fn history(app: &App, case_id: i64) -> AppResult<Vec<AssessmentVersion>> {
    let rows = app.store.assessments(case_id).await?;
    // A stored sheet is one this module wrote; an unreadable one shows as empty.
    let sheets: Vec<AssessmentDraft> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.sheet).unwrap_or_default())
        .collect();
    let empty_sheet = AssessmentDraft::default();
    Ok(rows
        .into_iter()
        .zip(&sheets)
        .enumerate()
        .map(|(i, (row, sheet))| {
            let older = sheets.get(i + 1).unwrap_or(&empty_sheet);
            AssessmentVersion {
                changed: assessment::changed_sections(older, sheet),
                sheet: sheet.clone(),
                row,
            }
        })
        .collect())
}

/// The assessment of case `case_id` (read on the case, audited).
pub async fn assessments(app: &App, caller: &Caller, case_id: i64) -> AppResult<Assessments> {
    let (case, grant) = case_access(app, caller, Action::Read, case_id).await?;
    let versions = history(app, case.id).await?;
    Ok(Assessments {
        case,
        grant,
        versions,
    })
}

/// One version of the sheet to print, with whom it is about.
pub struct AssessmentPrint {
    pub case: Case,
    pub version: AssessmentVersion,
    /// The case's person; `None` for a household case.
    pub person: Option<Person>,
    /// A household case's current members.
    pub members: Vec<Member>,
}

/// The A4 sheet of `version` (absent = the newest): printing is an export of personal data
/// (full grant, audited as export).
pub async fn assessment_to_print(
    app: &App,
    caller: &Caller,
    case_id: i64,
    version: Option<i32>,
) -> AppResult<AssessmentPrint> {
    let (case, _) = case_access(app, caller, Action::Export, case_id).await?;
    let mut versions = history(app, case.id).await?;
    let pos = match version {
        Some(n) => versions.iter().position(|v| v.row.version == n),
        None => (!versions.is_empty()).then_some(0),
    }
    .ok_or(AppError::NotFound)?;
    let chosen = versions.swap_remove(pos);
    let person = match case.person_id {
        Some(pid) => app.store.person_any(pid).await?,
        None => None,
    };
    let members = match (case.person_id, case.household_id) {
        (None, Some(hid)) => app.store.household_members(hid, true).await?,
        _ => Vec::new(),
    };
    Ok(AssessmentPrint {
        case,
        version: chosen,
        person,
        members,
    })
}

/// Saves a new version of the case's assessment (any agency with a full grant on the
/// case) after `from_version`, the version the form showed (0: none). Returns the version
/// number; a save from an older version is refused with [`STALE`] (409).
pub async fn save_assessment(
    app: &App,
    caller: &Caller,
    case_id: i64,
    from_version: i32,
    draft: &AssessmentDraft,
) -> AppResult<i32> {
    app.unit(async |app| {
        let (case, _) = case_access(app, caller, Action::Create, case_id).await?;
        let cfg = app.config(&caller.municipality)?;
        let valid = assessment::validate(draft, &cfg.issue_codes()).map_err(|e| invalid(&e))?;
        let json = serde_json::to_string(&valid.sheet).map_err(|_| AppError::Internal)?;
        let stale = || AppError::Conflict(STALE.into());
        match app
            .store
            .add_assessment(
                caller.municipality.id,
                case.id,
                from_version,
                &json,
                caller.user.id,
                caller.agency.id,
            )
            .await
        {
            Ok(Some(version)) => Ok(version),
            // Another save from the same version committed first.
            Ok(None) | Err(StoreError::Conflict(_)) => Err(stale()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
