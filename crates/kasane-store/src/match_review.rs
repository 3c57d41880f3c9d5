//! 名寄せ確認依頼 (match review): the request a window makes with its intake, the
//! coordinator's queue, the decision (a conditional UPDATE: decided once), and the outcomes
//! the requesting agency is told.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::match_review::MatchReviewStatus;
use serde::Serialize;

use crate::{Store, StoreResult, execute, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct MatchReview {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    /// The record the requesting window registered with its intake.
    pub requested_person_id: i64,
    /// The candidate another window holds.
    pub candidate_person_id: i64,
    pub intake_id: Option<i64>,
    /// 有力候補 (else 参考候補).
    pub strong: bool,
    pub requested_by_user_id: UserId,
    pub requested_by_agency_id: AgencyId,
    pub requested_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub status: MatchReviewStatus,
    pub decided_by_user_id: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    /// A `DistinctReason` code.
    pub distinct_reason: Option<String>,
    pub note: String,
}

/// What a new request records.
#[derive(Debug, Clone, Copy)]
pub struct NewMatchReview {
    pub requested_person_id: i64,
    pub candidate_person_id: i64,
    pub intake_id: i64,
    pub strong: bool,
    pub user_id: UserId,
    pub agency_id: AgencyId,
}

macro_rules! select_review {
    () => {
        "SELECT id, municipality_id, requested_person_id, candidate_person_id, intake_id, strong, \
         requested_by_user_id, requested_by_agency_id, requested_at, status, decided_by_user_id, \
         decided_at, distinct_reason, note FROM match_review "
    };
}

impl Store {
    pub async fn create_match_review(
        &self,
        municipality_id: MunicipalityId,
        r: &NewMatchReview,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO match_review (municipality_id, requested_person_id, candidate_person_id, \
             intake_id, strong, requested_by_user_id, requested_by_agency_id, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(municipality_id)
        .bind(r.requested_person_id)
        .bind(r.candidate_person_id)
        .bind(r.intake_id)
        .bind(r.strong)
        .bind(r.user_id)
        .bind(r.agency_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    /// A review of any municipality (the guard decides who may see it).
    pub async fn match_review_any(&self, id: i64) -> StoreResult<Option<MatchReview>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_review!(),
            "WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Pending reviews, oldest first: `limit` after `offset` (an index range).
    pub async fn pending_match_reviews(
        &self,
        municipality_id: MunicipalityId,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<MatchReview>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_review!(),
            "WHERE municipality_id = $1 AND status = 'pending' ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(municipality_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Pending 有力候補 reviews, newest first, below id `below`: the candidate stage's early
    /// warning reads them a chunk at a time.
    pub async fn pending_strong_reviews(
        &self,
        municipality_id: MunicipalityId,
        below: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<MatchReview>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_review!(),
            "WHERE municipality_id = $1 AND status = 'pending' AND strong \
             AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(municipality_id)
        .bind(below)
        .bind(limit)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Reviews `agency_id` asked for that were decided since `since`, newest first.
    pub async fn decided_match_reviews(
        &self,
        agency_id: AgencyId,
        since: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<MatchReview>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_review!(),
            "WHERE requested_by_agency_id = $1 AND decided_at >= $2 \
             ORDER BY decided_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(agency_id)
        .bind(since)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Reviews agency `agency_id` asked about a record of canonical person `canonical_id`'s
    /// 名寄せ group (as the requested record), newest first.
    pub async fn match_reviews_asked(
        &self,
        canonical_id: i64,
        agency_id: AgencyId,
    ) -> StoreResult<Vec<MatchReview>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_review!(),
            "WHERE requested_person_id IN (SELECT $1 UNION ALL \
               SELECT l.id FROM person l WHERE l.linked_to_person_id = $1) \
             AND requested_by_agency_id = $2 ORDER BY id DESC"
        ))
        .bind(canonical_id)
        .bind(agency_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Decides a pending review; `false` when it was no longer pending (decided once: the
    /// condition is the write itself, so two decisions cannot both pass).
    pub async fn decide_match_review(
        &self,
        id: i64,
        status: MatchReviewStatus,
        user_id: UserId,
        distinct_reason: Option<&str>,
        note: &str,
    ) -> StoreResult<bool> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE match_review SET status = $2, decided_by_user_id = $3, decided_at = $4, \
                 distinct_reason = $5, note = $6 WHERE id = $1 AND status = 'pending'"
            )
            .bind(id)
            .bind(status.code())
            .bind(user_id)
            .bind(now())
            .bind(distinct_reason)
            .bind(note)
        )?;
        Ok(done == 1)
    }
}
