//! Support plans (支援プラン) in versions, their actions and monitoring dates, monitoring
//! rounds and the evaluation at plan end. A revision inserts a new version; nothing of an
//! older version is changed.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::plan::{NextStep, Progress, ValidEvaluation, ValidPlan};
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Store, StoreError, StoreResult, execute, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Plan {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub case_id: i64,
    pub version: i32,
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub approved_meeting_id: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_by_name: String,
    pub created_by_agency_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct PlanAction {
    pub id: i64,
    pub plan_id: i64,
    pub seq: i32,
    pub what: String,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub staff_name: String,
    pub staff_user_id: Option<UserId>,
    pub by_when: Option<NaiveDate>,
    pub frequency: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Monitoring {
    pub id: i64,
    pub plan_id: i64,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct MonitoringEntry {
    pub id: i64,
    pub monitoring_id: i64,
    pub plan_action_id: i64,
    #[sqlx(try_from = "String")]
    pub progress: Progress,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub plan_id: i64,
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub note: String,
    #[sqlx(try_from = "String")]
    pub next_step: NextStep,
    pub evaluated_by_name: String,
    pub evaluated_at: DateTime<Utc>,
}

/// A monitoring date that needs attention, for worklists.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct DueMonitoring {
    pub monitoring_id: i64,
    pub plan_id: i64,
    pub case_id: i64,
    pub subject_name: String,
    pub due_on: NaiveDate,
}

macro_rules! select_plan {
    () => {
        "SELECT s.id, s.municipality_id, s.case_id, s.version, s.person_goal, s.long_term_goal, \
         s.short_term_goal, s.period_start, s.period_end, s.approved_meeting_id, s.approved_at, \
         u.display_name AS created_by_name, a.name AS created_by_agency_name, s.created_at \
         FROM support_plan s JOIN app_user u ON u.id = s.created_by_user_id \
         JOIN agency a ON a.id = s.created_by_agency_id "
    };
}

/// Monitoring rounds still to be recorded: open, on the newest version of a plan whose case
/// is not closed. Callers append `AND …` conditions.
macro_rules! select_open_monitoring {
    () => {
        "SELECT m.id AS monitoring_id, s.id AS plan_id, c.id AS case_id, \
         COALESCE(pe.name, h.label, '') AS subject_name, m.due_on FROM monitoring m \
         JOIN support_plan s ON s.id = m.plan_id JOIN cases c ON c.id = s.case_id \
         LEFT JOIN person pe ON pe.id = c.person_id LEFT JOIN household h ON h.id = c.household_id \
         WHERE m.done_at IS NULL AND c.status <> 'closed' \
         AND s.version = (SELECT MAX(version) FROM support_plan s2 WHERE s2.case_id = c.id) "
    };
}

impl Store {
    /// Stores a plan as the case's next version, with its actions and monitoring dates.
    pub async fn create_plan(
        &self,
        municipality_id: MunicipalityId,
        case_id: i64,
        plan: &ValidPlan,
        user_id: UserId,
        agency_id: AgencyId,
    ) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (version,): (i32,) = sqlx::query_as(
                "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS INTEGER) FROM support_plan WHERE case_id = $1",
            )
            .bind(case_id)
            .fetch_one(&mut *tx)
            .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO support_plan (municipality_id, case_id, version, person_goal, long_term_goal, \
                 short_term_goal, period_start, period_end, created_by_user_id, created_by_agency_id, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(municipality_id)
            .bind(case_id)
            .bind(version)
            .bind(&plan.person_goal)
            .bind(&plan.long_term_goal)
            .bind(&plan.short_term_goal)
            .bind(plan.period_start)
            .bind(plan.period_end)
            .bind(user_id)
            .bind(agency_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for (seq, a) in (1i32..).zip(&plan.actions) {
                sqlx::query(
                    "INSERT INTO plan_action (municipality_id, plan_id, seq, what, agency_id, staff_name, \
                     staff_user_id, by_when, frequency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(municipality_id)
                .bind(id)
                .bind(seq)
                .bind(&a.what)
                .bind(a.agency_id)
                .bind(&a.staff_name)
                .bind(a.staff_user_id)
                .bind(a.by_when)
                .bind(&a.frequency)
                .execute(&mut *tx)
                .await?;
            }
            for due_on in &plan.monitoring_dates {
                sqlx::query(
                    "INSERT INTO monitoring (municipality_id, plan_id, due_on) VALUES ($1, $2, $3)",
                )
                .bind(municipality_id)
                .bind(id)
                .bind(*due_on)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1")
                .bind(case_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn plan_any(&self, id: i64) -> StoreResult<Option<Plan>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_plan!(),
            "WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Every version of the case's plan, newest first.
    pub async fn plans_of_case(&self, case_id: i64) -> StoreResult<Vec<Plan>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_plan!(),
            "WHERE s.case_id = $1 ORDER BY s.version DESC"
        ))
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn plan_actions(&self, plan_id: i64) -> StoreResult<Vec<PlanAction>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT pa.id, pa.plan_id, pa.seq, pa.what, pa.agency_id, a.name AS agency_name, \
             pa.staff_name, pa.staff_user_id, pa.by_when, pa.frequency FROM plan_action pa \
             JOIN agency a ON a.id = pa.agency_id WHERE pa.plan_id = $1 ORDER BY pa.seq"
        )
        .bind(plan_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Records that meeting `meeting_id` approved the plan (プランの適切性の協議), once.
    pub async fn approve_plan(
        &self,
        plan_id: i64,
        meeting_id: i64,
        user_id: UserId,
    ) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE support_plan SET approved_meeting_id = $2, approved_by_user_id = $3, approved_at = $4 \
                 WHERE id = $1 AND approved_at IS NULL"
            )
            .bind(plan_id)
            .bind(meeting_id)
            .bind(user_id)
            .bind(now())
        )?;
        expect_one(done)
    }

    pub async fn monitorings(&self, plan_id: i64) -> StoreResult<Vec<Monitoring>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, plan_id, due_on, done_at FROM monitoring WHERE plan_id = $1 ORDER BY due_on"
        )
        .bind(plan_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn monitoring_entries(&self, plan_id: i64) -> StoreResult<Vec<MonitoringEntry>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT e.id, e.monitoring_id, e.plan_action_id, e.progress, e.note FROM monitoring_entry e \
             JOIN monitoring m ON m.id = e.monitoring_id WHERE m.plan_id = $1 ORDER BY m.due_on, e.id"
        )
        .bind(plan_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Records a monitoring round (one entry per action), once per monitoring date.
    pub async fn record_monitoring(
        &self,
        municipality_id: MunicipalityId,
        monitoring_id: i64,
        entries: &[(i64, Progress, String)],
        user_id: UserId,
    ) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE monitoring SET done_at = $2, done_by_user_id = $3 WHERE id = $1 AND done_at IS NULL",
            )
            .bind(monitoring_id)
            .bind(at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Invalid(
                    "このモニタリングはすでに記録されています".into(),
                ));
            }
            for (action_id, progress, note) in entries {
                sqlx::query(
                    "INSERT INTO monitoring_entry (municipality_id, monitoring_id, plan_action_id, progress, note) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(municipality_id)
                .bind(monitoring_id)
                .bind(*action_id)
                .bind(progress.code())
                .bind(note)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Monitoring dates not yet done, due on or before `until`, of plans that are the
    /// newest version of a case that is not closed — for the coordinator (`staff` None)
    /// or for one staff user (actions assigned to them) / agency (actions of the agency);
    /// soonest first through `monitoring_due`, `limit` after `offset`.
    pub async fn due_monitorings(
        &self,
        municipality_id: MunicipalityId,
        until: NaiveDate,
        staff: Option<(UserId, AgencyId)>,
        (limit, offset): (i64, i64),
    ) -> StoreResult<Vec<DueMonitoring>> {
        let (user, agency) = staff.map_or((None, None), |(u, a)| (Some(u), Some(a)));
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_open_monitoring!(),
            "AND m.municipality_id = $1 AND m.due_on <= $2 \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM plan_action pa WHERE pa.plan_id = s.id \
                  AND (pa.staff_user_id = $3 OR (pa.staff_user_id IS NULL AND pa.agency_id = $4)))) \
             ORDER BY m.due_on, m.id LIMIT $5 OFFSET $6"
        ))
        .bind(municipality_id)
        .bind(until)
        .bind(user)
        .bind(agency)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Monitoring round `id`, if it is still to be recorded (open, on the newest plan
    /// version of a case that is not closed).
    pub async fn open_monitoring(&self, id: i64) -> StoreResult<Option<DueMonitoring>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_open_monitoring!(),
            "AND m.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    pub async fn record_evaluation(
        &self,
        municipality_id: MunicipalityId,
        plan_id: i64,
        e: &ValidEvaluation,
        user_id: UserId,
    ) -> StoreResult<i64> {
        let result = |i: usize| e.results.get(i).map_or("", |(_, a)| a.code());
        let (id,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "INSERT INTO evaluation (municipality_id, plan_id, person_goal, long_term_goal, \
             short_term_goal, note, next_step, evaluated_by_user_id, evaluated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(municipality_id)
        .bind(plan_id)
        .bind(result(0))
        .bind(result(1))
        .bind(result(2))
        .bind(&e.note)
        .bind(e.next_step.code())
        .bind(user_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Invalid("このプランはすでに評価されています".into())
            }
            e => e,
        })?;
        Ok(id)
    }

    pub async fn evaluation_of(&self, plan_id: i64) -> StoreResult<Option<Evaluation>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.id, e.plan_id, e.person_goal, e.long_term_goal, e.short_term_goal, e.note, \
             e.next_step, u.display_name AS evaluated_by_name, e.evaluated_at FROM evaluation e \
             JOIN app_user u ON u.id = e.evaluated_by_user_id WHERE e.plan_id = $1"
        )
        .bind(plan_id)
        .fetch_optional(&mut *p)
        .await)?)
    }
}
