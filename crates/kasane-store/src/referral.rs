//! Referrals (つなぎ) and their events: who moved them, when. The domain decides which
//! moves are legal; the store makes each move conditional on the status it was decided
//! from, so two workers acting at once cannot both win.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::referral::ReferralStatus;
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Store, StoreResult, now, on_pool};

/// Inserts a referral in status `sent` and its first event on `$tx`; yields the id.
macro_rules! insert_referral {
    ($tx:expr, $municipality:expr, $person:expr, $intake:expr, $from:expr, $to:expr, $reason:expr, $user:expr, $at:expr) => {{
        let (rid,): (i64,) = sqlx::query_as(
            "INSERT INTO referral (municipality_id, person_id, intake_id, from_agency_id, \
             to_agency_id, reason, status, sent_by_user_id, sent_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'sent', $7, $8, $8) RETURNING id",
        )
        .bind($municipality)
        .bind($person)
        .bind($intake)
        .bind($from)
        .bind($to)
        .bind($reason)
        .bind($user)
        .bind($at)
        .fetch_one($tx)
        .await?;
        sqlx::query(
            "INSERT INTO referral_event (municipality_id, referral_id, status, user_id, \
             agency_id, note, occurred_at) VALUES ($1, $2, 'sent', $3, $4, '', $5)",
        )
        .bind($municipality)
        .bind(rid)
        .bind($user)
        .bind($from)
        .bind($at)
        .execute($tx)
        .await?;
        rid
    }};
}
pub(crate) use insert_referral;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Referral {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: i64,
    pub person_name: String,
    pub intake_id: Option<i64>,
    pub from_agency_id: AgencyId,
    pub from_agency_name: String,
    pub to_agency_id: AgencyId,
    pub to_agency_name: String,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: ReferralStatus,
    pub sent_by_user_id: UserId,
    pub sent_at: DateTime<Utc>,
    pub decline_reason: String,
    pub provided: String,
    pub helped: Option<String>,
    pub sender_acknowledged: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct ReferralEvent {
    pub id: i64,
    pub referral_id: i64,
    #[sqlx(try_from = "String")]
    pub status: ReferralStatus,
    pub user_id: UserId,
    pub user_name: String,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub note: String,
    pub occurred_at: DateTime<Utc>,
}

/// A status change decided by the domain (`referral::transition`).
#[derive(Debug, Clone)]
pub struct ReferralMove<'a> {
    pub referral_id: i64,
    pub from_status: ReferralStatus,
    pub to_status: ReferralStatus,
    pub user_id: UserId,
    pub agency_id: AgencyId,
    pub decline_reason: &'a str,
    pub provided: &'a str,
    pub helped: Option<&'a str>,
    pub note: &'a str,
}

macro_rules! select_referral {
    () => {
        "SELECT r.id, r.municipality_id, r.person_id, p.name AS person_name, r.intake_id, \
         r.from_agency_id, fa.name AS from_agency_name, r.to_agency_id, ta.name AS to_agency_name, \
         r.reason, r.status, r.sent_by_user_id, r.sent_at, r.decline_reason, r.provided, r.helped, \
         r.sender_acknowledged, r.updated_at FROM referral r \
         JOIN person p ON p.id = r.person_id \
         JOIN agency fa ON fa.id = r.from_agency_id JOIN agency ta ON ta.id = r.to_agency_id "
    };
}

impl Store {
    pub async fn create_referral(
        &self,
        municipality_id: MunicipalityId,
        person_id: i64,
        from_agency: AgencyId,
        to_agency: AgencyId,
        reason: &str,
        user_id: UserId,
    ) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let id = insert_referral!(
                &mut *tx,
                municipality_id,
                person_id,
                None::<i64>,
                from_agency,
                to_agency,
                reason,
                user_id,
                at
            );
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn referral_any(&self, id: i64) -> StoreResult<Option<Referral>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_referral!(),
            "WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Applies a move, only if the referral is still in `from_status`.
    pub async fn move_referral(&self, m: &ReferralMove<'_>) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE referral SET status = $3, decline_reason = $4, provided = $5, \
                 helped = $6, updated_at = $7 WHERE id = $1 AND status = $2",
            )
            .bind(m.referral_id)
            .bind(m.from_status.code())
            .bind(m.to_status.code())
            .bind(m.decline_reason)
            .bind(m.provided)
            .bind(m.helped)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            sqlx::query(
                "INSERT INTO referral_event (municipality_id, referral_id, status, user_id, \
                 agency_id, note, occurred_at) \
                 SELECT municipality_id, id, $2, $3, $4, $5, $6 FROM referral WHERE id = $1",
            )
            .bind(m.referral_id)
            .bind(m.to_status.code())
            .bind(m.user_id)
            .bind(m.agency_id)
            .bind(m.note)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The sender has seen a declined referral come back (it leaves their worklist).
    pub async fn acknowledge_declined(&self, referral_id: i64) -> StoreResult<()> {
        let done = crate::execute!(
            self,
            sqlx::query(
                "UPDATE referral SET sender_acknowledged = TRUE \
                 WHERE id = $1 AND status = 'declined'"
            )
            .bind(referral_id)
        )?;
        expect_one(done)
    }

    pub async fn referral_events(&self, referral_id: i64) -> StoreResult<Vec<ReferralEvent>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.id, e.referral_id, e.status, e.user_id, u.display_name AS user_name, \
             e.agency_id, a.name AS agency_name, e.note, e.occurred_at FROM referral_event e \
             JOIN app_user u ON u.id = e.user_id JOIN agency a ON a.id = e.agency_id \
             WHERE e.referral_id = $1 ORDER BY e.occurred_at, e.id"
        )
        .bind(referral_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Referrals about a person's 名寄せ group, newest first.
    pub async fn referrals_of(&self, canonical_id: i64) -> StoreResult<Vec<Referral>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_referral!(),
            "WHERE r.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1) \
             ORDER BY r.sent_at DESC, r.id DESC"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// One of the worklist's referral queues, oldest first: `limit` rows after `offset`,
    /// each an index range (`referral_to`, `referral_from`, `referral_status`,
    /// `referral_returned`).
    pub async fn referral_queue(
        &self,
        municipality_id: MunicipalityId,
        queue: ReferralQueue,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Referral>> {
        let (cond, agency, before) = match queue {
            ReferralQueue::Incoming(a) => {
                ("r.to_agency_id = $4 AND r.status = 'sent'", Some(a), None)
            }
            ReferralQueue::ToComplete(a) => (
                "r.to_agency_id = $4 AND r.status = 'accepted'",
                Some(a),
                None,
            ),
            ReferralQueue::SentBefore(a, t) => (
                "r.from_agency_id = $4 AND r.status = 'sent' AND r.sent_at < $5",
                Some(a),
                Some(t),
            ),
            ReferralQueue::DeclinedUnseen(a) => (
                "r.from_agency_id = $4 AND r.status = 'declined' AND r.sender_acknowledged = FALSE",
                Some(a),
                None,
            ),
            ReferralQueue::AllSentBefore(t) => {
                ("r.status = 'sent' AND r.sent_at < $4", None, Some(t))
            }
        };
        let sql = format!(
            "{} WHERE r.municipality_id = $1 AND {cond} ORDER BY r.sent_at, r.id LIMIT $2 OFFSET $3",
            select_referral!()
        );
        Ok(on_pool!(self, |p| {
            let q = sqlx::query_as(&sql)
                .bind(municipality_id)
                .bind(limit)
                .bind(offset);
            let q = match agency {
                Some(a) => q.bind(a),
                None => q,
            };
            let q = match before {
                Some(t) => q.bind(t),
                None => q,
            };
            q.fetch_all(&mut *p).await
        })?)
    }
}

/// A queue of the worklist (`Store::referral_queue`).
#[derive(Debug, Clone, Copy)]
pub enum ReferralQueue {
    /// To the agency, waiting for its answer.
    Incoming(AgencyId),
    /// To the agency, accepted: the outcome is to be recorded.
    ToComplete(AgencyId),
    /// From the agency, still waiting, sent before the instant (overdue).
    SentBefore(AgencyId, DateTime<Utc>),
    /// From the agency, declined, not yet seen to by it.
    DeclinedUnseen(AgencyId),
    /// Anywhere in the municipality, still waiting, sent before the instant (coordinator).
    AllSentBefore(DateTime<Utc>),
}
