//! Intakes (相談受付): one row per received consultation, with its issue tags and the
//! 標準様式 checklist. An intake that refers the person creates the referral in the same
//! transaction, so a つなぎ can never be lost between two writes.

use chrono::{DateTime, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::intake::{Channel, ConsulterKind, Outcome, Urgency};
use serde::Serialize;
use sqlx::Connection;

use crate::referral::insert_referral;
use crate::{Store, StoreResult, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Intake {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: AgencyId,
    pub receiving_agency_name: String,
    pub recorded_by_user_id: UserId,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub consulter_kind: ConsulterKind,
    /// The consulter's own record, when they were picked from the registered persons.
    pub consulter_person_id: Option<i64>,
    pub consulter_name: String,
    pub consulter_relation: String,
    pub consent_to_share: bool,
    pub summary: String,
    #[sqlx(try_from = "String")]
    pub urgency: Urgency,
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    pub referred_to_agency_id: Option<AgencyId>,
    pub immediate_action: String,
    pub most_pressing: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The current version; a correction names the one it was made from.
    pub version: i32,
}

/// An intake as validated by the domain.
#[derive(Debug, Clone)]
pub struct NewIntake {
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: AgencyId,
    pub channel: Channel,
    pub consulter_kind: ConsulterKind,
    pub consulter_person_id: Option<i64>,
    pub consulter_name: String,
    pub consulter_relation: String,
    pub consent_to_share: bool,
    pub summary: String,
    pub urgency: Urgency,
    pub outcome: Outcome,
    pub referred_to_agency_id: Option<AgencyId>,
    pub referral_reason: String,
    pub immediate_action: String,
    pub most_pressing: Option<String>,
    pub issues: Vec<String>,
    pub concerns: Vec<String>,
}

macro_rules! select_intake {
    () => {
        "SELECT i.id, i.municipality_id, i.person_id, i.household_id, i.received_at, \
         i.receiving_agency_id, a.name AS receiving_agency_name, i.recorded_by_user_id, \
         i.channel, i.consulter_kind, i.consulter_person_id, i.consulter_name, \
         i.consulter_relation, \
         i.consent_to_share, i.summary, i.urgency, i.outcome, i.referred_to_agency_id, \
         i.immediate_action, i.most_pressing, i.created_at, i.version \
         FROM intake i JOIN agency a ON a.id = i.receiving_agency_id "
    };
}

/// Inserts an intake's 課題 and checklist items (on a new intake, and on a correction after
/// the old ones are deleted).
macro_rules! insert_intake_tags {
    ($conn:expr, $intake_id:expr, $municipality_id:expr, $issues:expr, $concerns:expr) => {
        let issues = $issues.iter().map(|c| {
            let c: &str = c.as_ref();
            ("INSERT INTO intake_issue (intake_id, municipality_id, issue_code) VALUES ($1, $2, $3)", c)
        });
        let concerns = $concerns.iter().map(|c| {
            let c: &str = c.as_ref();
            ("INSERT INTO intake_concern (intake_id, municipality_id, concern_code) VALUES ($1, $2, $3)", c)
        });
        for (sql, code) in issues.chain(concerns) {
            sqlx::query(sql)
                .bind($intake_id)
                .bind($municipality_id)
                .bind(code)
                .execute($conn)
                .await?;
        }
    };
}
pub(crate) use insert_intake_tags;

impl Store {
    /// Records an intake; with outcome `referred`, also sends the referral. Returns the
    /// intake id and the referral id, if any.
    pub async fn create_intake(
        &self,
        municipality_id: MunicipalityId,
        user_id: UserId,
        n: &NewIntake,
    ) -> StoreResult<(i64, Option<i64>)> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO intake (municipality_id, person_id, household_id, received_at, \
                 receiving_agency_id, recorded_by_user_id, channel, consulter_kind, \
                 consulter_name, consulter_relation, consent_to_share, summary, urgency, \
                 outcome, referred_to_agency_id, immediate_action, most_pressing, created_at, \
                 consulter_person_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19) RETURNING id",
            )
            .bind(municipality_id)
            .bind(n.person_id)
            .bind(n.household_id)
            .bind(n.received_at)
            .bind(n.receiving_agency_id)
            .bind(user_id)
            .bind(n.channel.code())
            .bind(n.consulter_kind.code())
            .bind(&n.consulter_name)
            .bind(&n.consulter_relation)
            .bind(n.consent_to_share)
            .bind(&n.summary)
            .bind(n.urgency.code())
            .bind(n.outcome.code())
            .bind(n.referred_to_agency_id)
            .bind(&n.immediate_action)
            .bind(&n.most_pressing)
            .bind(at)
            .bind(n.consulter_person_id)
            .fetch_one(&mut *tx)
            .await?;
            insert_intake_tags!(&mut *tx, id, municipality_id, &n.issues, &n.concerns);
            let referral = match n.referred_to_agency_id {
                Some(to) if n.outcome == Outcome::Referred => Some(insert_referral!(
                    &mut *tx,
                    municipality_id,
                    n.person_id,
                    Some(id),
                    n.receiving_agency_id,
                    to,
                    &n.referral_reason,
                    user_id,
                    at
                )),
                _ => None,
            };
            tx.commit().await?;
            Ok((id, referral))
        })
    }

    pub async fn intake_any(&self, id: i64) -> StoreResult<Option<Intake>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_intake!(),
            "WHERE i.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Intakes about a person's 名寄せ group, newest first.
    pub async fn intakes_of(&self, canonical_id: i64) -> StoreResult<Vec<Intake>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_intake!(),
            "WHERE i.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1) \
             ORDER BY i.received_at DESC, i.id DESC"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// The issue codes and checklist items of an intake.
    pub async fn intake_tags(&self, intake_id: i64) -> StoreResult<(Vec<String>, Vec<String>)> {
        let (issues, concerns): (Vec<(String,)>, Vec<(String,)>) = on_pool!(self, |p| {
            let issues = sqlx::query_as(
                "SELECT issue_code FROM intake_issue WHERE intake_id = $1 ORDER BY issue_code",
            )
            .bind(intake_id)
            .fetch_all(&mut *p)
            .await?;
            let concerns = sqlx::query_as(
                "SELECT concern_code FROM intake_concern WHERE intake_id = $1 ORDER BY concern_code",
            )
            .bind(intake_id)
            .fetch_all(&mut *p)
            .await?;
            (issues, concerns)
        });
        Ok((
            issues.into_iter().map(|(c,)| c).collect(),
            concerns.into_iter().map(|(c,)| c).collect(),
        ))
    }

    /// Escalated intakes (多機関協働へ) no case has been opened from yet: the coordinating
    /// agency's queue. Oldest first (`intake_escalated`), `limit` after `offset`.
    pub async fn escalations_waiting(
        &self,
        municipality_id: MunicipalityId,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<EscalationWaiting>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT i.id AS intake_id, COALESCE(q.linked_to_person_id, q.id) AS person_id, \
             p.name AS person_name, a.name AS agency_name, i.received_at FROM intake i \
             JOIN person q ON q.id = i.person_id \
             JOIN person p ON p.id = COALESCE(q.linked_to_person_id, q.id) \
             JOIN agency a ON a.id = i.receiving_agency_id \
             WHERE i.municipality_id = $1 AND i.outcome = 'escalated' \
             AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.intake_id = i.id) \
             ORDER BY i.received_at, i.id LIMIT $2 OFFSET $3"
        )
        .bind(municipality_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await)?)
    }
}

/// An escalated intake waiting for the coordinating agency to open a case.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct EscalationWaiting {
    pub intake_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub agency_name: String,
    pub received_at: DateTime<Utc>,
}
