//! Demo: one pending 名寄せ確認依頼 per municipality — a person registered by one window,
//! then a namesake with the same birth date by another window that may not see the first
//! record, so the coordinator's worklist shows the request (and, two windows within 12
//! months, 「複合課題の可能性」 at the candidate stage).

use anyhow::Result;
use kasane_store::match_review::NewMatchReview;

use super::{Records, Someone, Worker};

/// `who` registered by `holder` 40 days ago, and again by `requester` 3 days ago with a
/// review asked for.
pub(super) async fn pending(
    r: &Records<'_>,
    holder: Worker,
    requester: Worker,
    who: Someone<'_>,
) -> Result<()> {
    let candidate = r.person(holder, who.clone(), r.at(40, 9, 50)).await?;
    let mut first = r.intake(holder, candidate, None, r.at(40, 10, 0));
    first.issues = super::codes(&["care"]);
    first.summary = "介護保険の申請について相談。".into();
    r.record(holder, first).await?;
    let requested = r.person(requester, who, r.at(3, 13, 50)).await?;
    let mut second = r.intake(requester, requested, None, r.at(3, 14, 0));
    second.issues = super::codes(&["disability"]);
    second.summary = "障害福祉サービスについて相談。".into();
    let (intake_id, _) = r.record(requester, second).await?;
    let review = NewMatchReview {
        requested_person_id: requested,
        candidate_person_id: candidate,
        intake_id,
        strong: true,
        user_id: requester.user,
        agency_id: requester.agency,
    };
    // Asked for once the second intake was recorded.
    let asked = r.store.create_match_review(r.municipality, &review);
    kasane_store::as_of(r.at(3, 14, 40), asked).await?;
    Ok(())
}
