//! The correction of a meeting (支援会議 / 重層的支援会議) by whoever manages it: when and
//! where it was held, its next review and note, under a version (a save from an older one is
//! refused, 409) with every version kept, as a person's or an intake's correction. The kind
//! and the host stay: they decided on what law, and with whom, it was held.

use chrono::NaiveDate;
use kasane_domain::meeting::{MeetingDraft, validate_meeting};
use kasane_domain::wareki::{format_wareki, format_wareki_short};
use kasane_store::meeting::Meeting;
use serde::{Deserialize, Serialize};

use crate::collaboration::meeting::{load_meeting, managed_meeting};
use crate::consultation::correction::{Correction, VersionView, history};
use crate::error::invalid;
use crate::guard::MeetingAccess;
use crate::{App, AppResult, Caller};

/// A meeting's fields as each version keeps them (what a correction may change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct MeetingSnapshot {
    held_on: Option<NaiveDate>,
    place: String,
    next_review_on: Option<NaiveDate>,
    note: String,
}

impl MeetingSnapshot {
    fn of(m: &Meeting) -> MeetingSnapshot {
        MeetingSnapshot {
            held_on: Some(m.held_on),
            place: m.place.clone(),
            next_review_on: m.next_review_on,
            note: m.note.clone(),
        }
    }

    fn shown(&self) -> Vec<(&'static str, String)> {
        let date = |d: Option<NaiveDate>| d.map(format_wareki).unwrap_or_default();
        vec![
            ("開催日", date(self.held_on)),
            ("開催場所", self.place.clone()),
            ("次回の見直し日", date(self.next_review_on)),
            ("備考", self.note.clone()),
        ]
    }
}

/// The draft a meeting's correction form starts from: the record as it stands.
pub fn meeting_draft(m: &Meeting) -> MeetingDraft {
    MeetingDraft {
        kind: m.kind.code().into(),
        held_on: format_wareki_short(m.held_on),
        host_agency_id: Some(m.host_agency_id),
        place: m.place.clone(),
        next_review_on: m
            .next_review_on
            .map(format_wareki_short)
            .unwrap_or_default(),
        note: m.note.clone(),
    }
}

/// A meeting the caller may correct: one they manage (404 if they cannot see it, 403 if
/// they only attend).
pub async fn meeting_to_correct(app: &App, caller: &Caller, id: i64) -> AppResult<Meeting> {
    Ok(managed_meeting(app, caller, id).await?.meeting)
}

/// Corrects meeting `id` from `from_version`: validated as when it was created, the kind
/// and the host kept from the record; audited with the changed fields' labels.
pub async fn correct_meeting(
    app: &App,
    caller: &Caller,
    id: i64,
    from_version: i32,
    draft: &MeetingDraft,
) -> AppResult<i32> {
    app.unit(async |app| {
        let access = managed_meeting(app, caller, id).await?;
        let m = &access.meeting;
        let draft = MeetingDraft {
            kind: m.kind.code().into(),
            host_agency_id: Some(m.host_agency_id),
            ..draft.clone()
        };
        let valid = validate_meeting(&draft).map_err(|e| invalid(&e))?;
        let after = MeetingSnapshot {
            held_on: Some(valid.held_on),
            place: valid.place.clone(),
            next_review_on: valid.next_review_on,
            note: valid.note.clone(),
        };
        let c = Correction::of(&MeetingSnapshot::of(m), &after, MeetingSnapshot::shown)?;
        let saved = app
            .store
            .correct_meeting(id, from_version, &valid, c.snapshots(), caller.user.id)
            .await?;
        c.saved(app, caller, &access.grant, "meeting", id, saved)
            .await
    })
    .await
}

/// The versions of a meeting the caller has loaded, newest first (empty when never
/// corrected).
pub async fn meeting_history(app: &App, access: &MeetingAccess) -> AppResult<Vec<VersionView>> {
    let kept = app.store.meeting_versions(access.meeting.id).await?;
    history::<MeetingSnapshot>(&kept, MeetingSnapshot::shown)
}

/// [`meeting_history`] of meeting `id`, read through the access rule (the API).
pub async fn meeting_versions(app: &App, caller: &Caller, id: i64) -> AppResult<Vec<VersionView>> {
    let access = load_meeting(app, caller, id).await?;
    meeting_history(app, &access).await
}
