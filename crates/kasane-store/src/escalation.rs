//! 多機関協働へつなぐ, later: an intake's outcome becomes 'escalated', and
//! `intake_escalation` keeps what it was, why, who and when.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{MunicipalityId, UserId};
use kasane_domain::intake::Outcome;
use serde::Serialize;
use sqlx::Connection;

use crate::{Store, StoreResult, now, on_pool};

/// How an ongoing consultation was escalated.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Escalation {
    pub intake_id: i64,
    pub previous_outcome: String,
    pub reason: String,
    pub escalated_by_name: String,
    pub escalated_at: DateTime<Utc>,
}

impl Store {
    /// Escalates intake `intake_id` from `previous` (the outcome the caller read); `false`
    /// when it no longer has that outcome (escalated meanwhile), so nothing is written.
    pub async fn escalate_intake(
        &self,
        municipality_id: MunicipalityId,
        intake_id: i64,
        previous: Outcome,
        reason: &str,
        user_id: UserId,
    ) -> StoreResult<bool> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let moved = sqlx::query(
                "UPDATE intake SET outcome = 'escalated' \
                 WHERE id = $1 AND municipality_id = $2 AND outcome = $3",
            )
            .bind(intake_id)
            .bind(municipality_id)
            .bind(previous.code())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if moved {
                sqlx::query(
                    "INSERT INTO intake_escalation (municipality_id, intake_id, \
                     previous_outcome, reason, escalated_by_user_id, escalated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(municipality_id)
                .bind(intake_id)
                .bind(previous.code())
                .bind(reason)
                .bind(user_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(moved)
        })
    }

    /// How intake `intake_id` was escalated after it was recorded, if it was.
    pub async fn escalation_of(&self, intake_id: i64) -> StoreResult<Option<Escalation>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT e.intake_id, e.previous_outcome, e.reason, u.display_name AS escalated_by_name, \
             e.escalated_at FROM intake_escalation e \
             JOIN app_user u ON u.id = e.escalated_by_user_id WHERE e.intake_id = $1"
        )
        .bind(intake_id)
        .fetch_optional(&mut *p)
        .await
        })?)
    }
}
