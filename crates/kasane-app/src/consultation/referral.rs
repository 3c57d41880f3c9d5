//! つなぎ (referral) with a closed loop: the つなぐシート, and the receiving agency's
//! accept / decline / complete; a declined referral goes back to the sender.

use kasane_domain::access::{Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::intake::ConcernItem;
use kasane_domain::referral::{
    ReferralDraft, ReferralEvent, ReferralStatus, TransitionError, is_overdue, may_act, transition,
    validate_new,
};
use kasane_store::household::Member;
use kasane_store::intake::Intake;
use kasane_store::municipality::Agency;
use kasane_store::referral::{Referral, ReferralMove};

use crate::error::invalid;
use crate::guard::within_sheet;
use crate::guard::{Object, PersonAccess, forbid, not_found, person_access, record};
use crate::{App, AppError, AppResult, Caller};

/// The agencies the caller's agency can send a つなぎ to: the municipality's others, but
/// the 身近な居場所 (nearby places), which take no referrals.
pub async fn referral_targets(app: &App, caller: &Caller) -> AppResult<Vec<Agency>> {
    Ok(app
        .store
        .agencies(caller.municipality.id)
        .await?
        .into_iter()
        .filter(|a| a.id != caller.agency.id && a.kind != "nearby_place")
        .collect())
}

/// Days a つなぎ may wait for its receiver's answer before it is overdue.
pub(crate) fn ack_days(caller: &Caller) -> u32 {
    u32::try_from(caller.municipality.referral_ack_days)
        .unwrap_or(kasane_domain::referral::DEFAULT_ACK_DAYS)
}

/// Sends a つなぎ about a person from the caller's agency: validated by the domain, to an
/// agency of the caller's municipality, audited. Returns the referral id.
pub async fn create_referral(
    app: &App,
    caller: &Caller,
    person_id: i64,
    draft: ReferralDraft,
) -> AppResult<i64> {
    app.unit(async |app| {
        let access = person_access(app, caller, Action::Create, person_id).await?;
        let new = validate_new(&draft, caller.agency.id).map_err(|e| invalid(&e))?;
        // The receiving agency must be this municipality's.
        app.store
            .agency(caller.municipality.id, new.receiving_agency_id)
            .await?;
        let id = app
            .store
            .create_referral(
                caller.municipality.id,
                access.person.id,
                caller.agency.id,
                new.receiving_agency_id,
                &new.reason,
                caller.user.id,
            )
            .await?;
        let oid = id.to_string();
        record(
            app,
            caller,
            &access.grant,
            AuditAction::Create,
            Object {
                kind: "referral",
                id: &oid,
            },
            "",
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Loads a referral the caller may see (through its person).
async fn referral_access(
    app: &App,
    caller: &Caller,
    id: i64,
) -> AppResult<(Referral, PersonAccess)> {
    let Some(referral) = app.store.referral_any(id).await? else {
        return Err(not_found(app, caller, "referral", id).await);
    };
    let access = person_access(app, caller, Action::Read, referral.person_id).await?;
    // A つなぐシート view rests on a referral to the caller's agency: it shows that
    // referral, not the person's other ones.
    if referral.to_agency_id != caller.agency.id {
        within_sheet(app, caller, &access.grant, "referral", referral.id).await?;
    }
    Ok((referral, access))
}

/// Everything the つなぐシート shows, for the page and the API.
pub struct Sheet {
    pub referral: Referral,
    pub access: PersonAccess,
    /// Not acknowledged within the municipality's days.
    pub overdue: bool,
    /// The intake the sheet carries (see [`sheet_intake`]), if any.
    pub intake_id: Option<i64>,
    /// Issue codes and checklist codes of that intake; the checklist's ◎ first.
    pub issues: Vec<String>,
    pub concerns: Vec<String>,
    /// The checklist item marked ◎ (most pressing).
    pub most_pressing: Option<String>,
    /// The consent to share given at that intake (相談受付時の情報共有への同意) — not the
    /// formal 本人同意, which is recorded with its scope on its own; `None` without an intake.
    pub consent: Option<bool>,
    /// The household's members (outline: 続柄 and age): the person's current household,
    /// else the one the intake was recorded on.
    pub members: Vec<Member>,
    pub events: Vec<kasane_store::referral::ReferralEvent>,
}

/// The intake a つなぐシート carries: the one the referral came from, else what the sender
/// recorded last about the person (its latest intake at the sending agency received
/// before the つなぎ was sent) — a つなぎ sent from the person's page has no intake of its
/// own, and the receiver still needs the sender's 課題 and お困りごと.
async fn sheet_intake(app: &App, r: &Referral, canonical_id: i64) -> AppResult<Option<Intake>> {
    if let Some(id) = r.intake_id
        && let Some(intake) = app.store.intake_any(id).await?
    {
        return Ok(Some(intake));
    }
    Ok(app
        .store
        .intakes_of(canonical_id)
        .await?
        .into_iter()
        .find(|i| i.receiving_agency_id == r.from_agency_id && i.received_at <= r.sent_at))
}

/// Loads the つなぐシート of a referral the caller may see.
pub async fn load_sheet(app: &App, caller: &Caller, id: i64) -> AppResult<Sheet> {
    let (r, access) = referral_access(app, caller, id).await?;
    let intake = sheet_intake(app, &r, access.person.id).await?;
    let (issues, mut concerns) = match &intake {
        Some(i) => app.store.intake_tags(i.id).await?,
        None => (Vec::new(), Vec::new()),
    };
    let most_pressing = intake.as_ref().and_then(|i| i.most_pressing.clone());
    // ◎ first, the rest in the checklist's (標準様式) order.
    let position = |c: &String| {
        ConcernItem::ALL
            .iter()
            .position(|k| k.code() == c)
            .unwrap_or(usize::MAX)
    };
    concerns.sort_by_key(|c| (Some(c) != most_pressing.as_ref(), position(c)));
    let current = app
        .store
        .memberships_of(access.person.id)
        .await?
        .into_iter()
        .find(|m| m.left_on.is_none())
        .map(|m| m.household_id);
    let members = match current.or(intake.as_ref().and_then(|i| i.household_id)) {
        Some(h) => app.store.household_members(h, true).await?,
        None => Vec::new(),
    };
    let events = app.store.referral_events(r.id).await?;
    let overdue = is_overdue(r.status, r.sent_at, app.now(), ack_days(caller));
    Ok(Sheet {
        referral: r,
        access,
        overdue,
        intake_id: intake.as_ref().map(|i| i.id),
        issues,
        concerns,
        most_pressing,
        consent: intake.map(|i| i.consent_to_share),
        members,
        events,
    })
}

/// Applies a referral event for the caller: the domain decides who may and which moves
/// exist; the store applies it only from the status it was decided on.
pub async fn act(app: &App, caller: &Caller, id: i64, event: ReferralEvent) -> AppResult<Referral> {
    app.unit(async |app| {
        let (r, access) = referral_access(app, caller, id).await?;
        if !may_act(&event, caller.agency.id, r.from_agency_id, r.to_agency_id) {
            let reason = "このつなぎに応答できるのは紹介先の機関のみです";
            return Err(forbid(app, caller, "referral", r.id, reason).await);
        }
        // Completing is work on the person: it needs the full view that accepting gave.
        if matches!(event, ReferralEvent::Complete { .. }) && access.grant.view() != View::Full {
            let reason = "受理してから完了を記録してください";
            return Err(forbid(app, caller, "referral", r.id, reason).await);
        }
        let from = r.status;
        // A move the referral's state does not allow is a bad request; a missing reason or
        // result is the form's to fix (422, the form again).
        let to = transition(from, &event).map_err(|e| match e {
            TransitionError::Incomplete(field) => invalid(&[field]),
            TransitionError::NotAllowed { .. } => AppError::BadRequest(e.to_string()),
        })?;
        let (decline_reason, provided, helped, note) = match &event {
            ReferralEvent::Accept => ("", "", None, ""),
            ReferralEvent::Decline { reason } => (reason.as_str(), "", None, reason.as_str()),
            ReferralEvent::Complete { provided, helped } => (
                "",
                provided.as_str(),
                Some(helped.code()),
                provided.as_str(),
            ),
        };
        app.store
            .move_referral(&ReferralMove {
                referral_id: r.id,
                from_status: from,
                to_status: to,
                user_id: caller.user.id,
                agency_id: caller.agency.id,
                decline_reason: decline_reason.trim(),
                provided: provided.trim(),
                helped,
                note: note.trim(),
            })
            .await
            .map_err(|e| match e {
                kasane_store::StoreError::NotFound => AppError::Conflict(
                    "他の職員が先に応答しました。画面を開き直してください".into(),
                ),
                other => other.into(),
            })?;
        let oid = r.id.to_string();
        record(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            Object {
                kind: "referral",
                id: &oid,
            },
            event.code(),
        )
        .await?;
        app.store.referral_any(id).await?.ok_or(AppError::NotFound)
    })
    .await
}

/// The sender's "確認した" on a declined referral: it leaves the sender's worklist.
pub async fn acknowledge_declined(app: &App, caller: &Caller, id: i64) -> AppResult<()> {
    app.unit(async |app| {
        let (r, access) = referral_access(app, caller, id).await?;
        if caller.agency.id != r.from_agency_id {
            let reason = "紹介元の機関のみ確認できます";
            return Err(forbid(app, caller, "referral", r.id, reason).await);
        }
        // Only a declined つなぎ comes back to be acknowledged: any other is not found, on
        // record like every probe.
        if r.status != ReferralStatus::Declined {
            return Err(not_found(app, caller, "referral", r.id).await);
        }
        app.store.acknowledge_declined(r.id).await?;
        let oid = r.id.to_string();
        record(
            app,
            caller,
            &access.grant,
            AuditAction::Update,
            Object {
                kind: "referral",
                id: &oid,
            },
            "acknowledge",
        )
        .await
    })
    .await
}
