//! 本人同意 (consent): recording one on a case or a person, the consents of a case (its
//! person's, or its household's current members'), withdrawal (effective at once: the
//! access that rested on it ends with the next request). Access to a consent is access to
//! its person (`guard::person_access`).

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::consent::{self, ConsentDraft};
use kasane_domain::meeting::MeetingKind;
use kasane_store::StoreError;
use kasane_store::case::Case;
use kasane_store::consent::Consent;
use kasane_store::household::Member;
use kasane_store::municipality::Agency;
use kasane_store::person::Person;

use crate::error::invalid;
use crate::guard::within_sheet;
use crate::guard::{
    Grant, Object, PersonAccess, case_access, not_found, person_access, person_access_beyond_sheet,
    record_on,
};
use crate::{App, AppError, AppResult, Caller};

use super::case::{canonical_person_id, record_holding};

/// The meeting kinds a consent covers.
pub fn meeting_kinds(c: &Consent) -> Vec<MeetingKind> {
    let mut kinds = Vec::new();
    if c.covers_support_meeting {
        kinds.push(MeetingKind::Support);
    }
    if c.covers_multilayer_meeting {
        kinds.push(MeetingKind::Multilayer);
    }
    kinds
}

/// The canonical records (名寄せ roots) of household members.
async fn member_roots(app: &App, members: &[Member]) -> AppResult<Vec<i64>> {
    let mut roots = Vec::with_capacity(members.len());
    for m in members {
        roots.push(canonical_person_id(app, m.person_id).await?);
    }
    Ok(roots)
}

/// The consents of the case's person, or of its household's current members.
pub async fn consents_of_case(app: &App, case: &Case) -> AppResult<Vec<Consent>> {
    let mut roots = Vec::new();
    if let Some(pid) = case.person_id {
        roots.push(canonical_person_id(app, pid).await?);
    } else if let Some(hid) = case.household_id {
        roots = member_roots(app, &app.store.household_members(hid, true).await?).await?;
    }
    roots.sort_unstable();
    roots.dedup();
    let mut all = Vec::new();
    for root in roots {
        all.extend(app.store.consents_of_person(root).await?);
    }
    all.sort_by(|a, b| b.consented_on.cmp(&a.consented_on).then(b.id.cmp(&a.id)));
    Ok(all)
}

/// Whom a consent is recorded for, as the caller may write on it.
pub struct ConsentSubject {
    pub case: Option<Case>,
    /// `None` for a household case until a member is chosen.
    pub person: Option<Person>,
    /// The current members of a household case (to choose the consenting person from).
    pub members: Vec<Member>,
    pub grant: Grant,
    /// The municipality's agencies (to choose whom the consent shares with).
    pub agencies: Vec<Agency>,
}

/// The case and/or person a consent is recorded on: writing needs a full grant on them.
/// On a household case the person must be a current member.
pub async fn consent_subject(
    app: &App,
    caller: &Caller,
    case_id: Option<i64>,
    person_id: Option<i64>,
) -> AppResult<ConsentSubject> {
    let Some(case_id) = case_id else {
        let pid = person_id.ok_or(AppError::NotFound)?;
        let PersonAccess { person, grant } =
            person_access(app, caller, Action::Create, pid).await?;
        return Ok(ConsentSubject {
            case: None,
            person: Some(person),
            members: Vec::new(),
            grant,
            agencies: app.store.agencies(caller.municipality.id).await?,
        });
    };
    let (case, grant) = case_access(app, caller, Action::Create, case_id).await?;
    let members = match (case.person_id, case.household_id) {
        (None, Some(hid)) => app.store.household_members(hid, true).await?,
        _ => Vec::new(),
    };
    let person = match case.person_id.or(person_id) {
        Some(pid) => {
            if case.person_id.is_none() {
                let chosen = canonical_person_id(app, pid).await?;
                if !member_roots(app, &members).await?.contains(&chosen) {
                    return Err(invalid(&[
                        "同意した本人を、この世帯の世帯員から選んでください",
                    ]));
                }
            }
            Some(
                person_access(app, caller, Action::Create, pid)
                    .await?
                    .person,
            )
        }
        None => None,
    };
    Ok(ConsentSubject {
        case: Some(case),
        person,
        members,
        grant,
        agencies: app.store.agencies(caller.municipality.id).await?,
    })
}

/// Records a consent (full grant on the case or person), validated by the domain against
/// the municipality's record-holding agencies; audited. Returns the consent id.
pub async fn record_consent(
    app: &App,
    caller: &Caller,
    case_id: Option<i64>,
    person_id: Option<i64>,
    draft: &ConsentDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let subject = consent_subject(app, caller, case_id, person_id).await?;
        record_consent_for(app, caller, &subject, draft).await
    })
    .await
}

/// [`record_consent`] on a subject already decided (the page keeps it to show the form
/// again).
pub async fn record_consent_for(
    app: &App,
    caller: &Caller,
    subject: &ConsentSubject,
    draft: &ConsentDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let person = subject
            .person
            .as_ref()
            .ok_or_else(|| invalid(&["同意した本人(世帯員)を選んでください"]))?;
        let known: Vec<i64> = record_holding(&subject.agencies).map(|a| a.id).collect();
        let valid = consent::validate(draft, &known, app.today()).map_err(|e| invalid(&e))?;
        let id = app
            .store
            .create_consent(
                caller.municipality.id,
                person.id,
                subject.case.as_ref().map(|c| c.id),
                &valid,
                caller.user.id,
                caller.agency.id,
            )
            .await?;
        record_on(
            app,
            caller,
            &subject.grant,
            AuditAction::Create,
            "consent",
            id,
            "",
        )
        .await?;
        Ok(id)
    })
    .await
}

/// A consent the caller may act on: access to a consent is access to its person.
pub async fn consent_access(
    app: &App,
    caller: &Caller,
    action: Action,
    id: i64,
) -> AppResult<(Consent, PersonAccess)> {
    let Some(c) = app.store.consent_any(id).await? else {
        return Err(not_found(app, caller, "consent", id).await);
    };
    let oid = c.id.to_string();
    let consent = Object {
        kind: "consent",
        id: &oid,
    };
    // A write is refused as not found to whoever holds the つなぐシート only, as a read is.
    let access = if action.is_write() {
        person_access_beyond_sheet(app, caller, action, c.person_id, consent).await?
    } else {
        person_access(app, caller, action, c.person_id).await?
    };
    within_sheet(app, caller, &access.grant, "consent", c.id).await?;
    Ok((c, access))
}

/// Withdraws a consent (full grant on its person), with how it was expressed; effective
/// at once. Audited with the code `withdrawn` only (the note stays in the record).
pub async fn withdraw(app: &App, caller: &Caller, id: i64, note: &str) -> AppResult<Consent> {
    app.unit(async |app| {
        let (c, access) = consent_access(app, caller, Action::Update, id).await?;
        consent::check_withdrawal(note, c.withdrawn_at.is_some()).map_err(|e| invalid(&[e]))?;
        app.store
            .withdraw_consent(c.id, note.trim(), caller.user.id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::Validation(vec!["この同意はすでに撤回されています".into()])
                }
                other => other.into(),
            })?;
        record_on(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            "consent_withdrawal",
            c.id,
            "withdrawn",
        )
        .await?;
        app.store.consent_any(c.id).await?.ok_or(AppError::NotFound)
    })
    .await
}

/// The consents of case `case_id` (read on the case, audited), newest first.
pub async fn case_consents(app: &App, caller: &Caller, case_id: i64) -> AppResult<Vec<Consent>> {
    let (case, _) = case_access(app, caller, Action::Read, case_id).await?;
    consents_of_case(app, &case).await
}

/// The consents of a person's 名寄せ group (read on the person, audited; a つなぐシート
/// basis does not reach them), newest first.
pub async fn person_consents(
    app: &App,
    caller: &Caller,
    person_id: i64,
) -> AppResult<Vec<Consent>> {
    let access = person_access(app, caller, Action::Read, person_id).await?;
    within_sheet(
        app,
        caller,
        &access.grant,
        "person_consents",
        access.person.id,
    )
    .await?;
    Ok(app.store.consents_of_person(access.person.id).await?)
}

/// The agencies consent `consent_id` names, for a consent the caller was given.
pub async fn consent_agency_ids(app: &App, consent_id: i64) -> AppResult<Vec<i64>> {
    Ok(app.store.consent_agency_ids(consent_id).await?)
}
