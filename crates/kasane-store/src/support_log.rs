//! 支援経過記録: dated entries on a person and/or household. An edit adds a version; every
//! version stays readable (who changed what, when). Nothing is overwritten.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::support_log::EntryKind;
use serde::Serialize;
use sqlx::Connection;

use crate::{Store, StoreResult, now, on_pool};

/// An entry with its current (newest) version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct SupportLogEntry {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub version: i32,
    pub occurred_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub kind: EntryKind,
    pub body: String,
    pub edited_by_user_id: UserId,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct SupportLogVersion {
    pub version: i32,
    pub occurred_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub kind: EntryKind,
    pub body: String,
    pub edited_by_user_id: UserId,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
}

/// The content of one version, as validated by the domain.
#[derive(Debug, Clone)]
pub struct EntryContent {
    pub occurred_on: NaiveDate,
    pub kind: EntryKind,
    pub body: String,
}

macro_rules! select_entry {
    () => {
        "SELECT s.id, s.municipality_id, s.person_id, s.household_id, s.agency_id, \
         a.name AS agency_name, v.version, v.occurred_on, v.kind, v.body, v.edited_by_user_id, \
         u.display_name AS edited_by_name, v.edited_at, s.created_at \
         FROM support_log s JOIN agency a ON a.id = s.agency_id \
         JOIN support_log_version v ON v.support_log_id = s.id AND v.version = \
           (SELECT MAX(version) FROM support_log_version w WHERE w.support_log_id = s.id) \
         JOIN app_user u ON u.id = v.edited_by_user_id "
    };
}

/// A household's own entries, newest first.
const HOUSEHOLD_ENTRIES: &str = concat!(
    select_entry!(),
    "WHERE s.household_id = $1 ORDER BY v.occurred_on DESC, s.id DESC"
);

impl Store {
    pub async fn create_support_log(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        user_id: UserId,
        person_id: Option<i64>,
        household_id: Option<i64>,
        c: &EntryContent,
    ) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO support_log (municipality_id, person_id, household_id, agency_id, \
                 created_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(municipality_id)
            .bind(person_id)
            .bind(household_id)
            .bind(agency_id)
            .bind(user_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO support_log_version (municipality_id, support_log_id, version, \
                 occurred_on, kind, body, edited_by_user_id, edited_at) \
                 VALUES ($1, $2, 1, $3, $4, $5, $6, $7)",
            )
            .bind(municipality_id)
            .bind(id)
            .bind(c.occurred_on)
            .bind(c.kind.code())
            .bind(&c.body)
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Adds version `expected_version + 1`; fails with a conflict if someone else edited
    /// first (the unique version number refuses the second writer).
    pub async fn edit_support_log(
        &self,
        entry_id: i64,
        expected_version: i32,
        user_id: UserId,
        c: &EntryContent,
    ) -> StoreResult<()> {
        crate::execute!(
            self,
            sqlx::query(
                "INSERT INTO support_log_version (municipality_id, support_log_id, version, \
                 occurred_on, kind, body, edited_by_user_id, edited_at) \
                 SELECT municipality_id, id, $2, $3, $4, $5, $6, $7 FROM support_log WHERE id = $1"
            )
            .bind(entry_id)
            .bind(expected_version + 1)
            .bind(c.occurred_on)
            .bind(c.kind.code())
            .bind(&c.body)
            .bind(user_id)
            .bind(now())
        )?;
        Ok(())
    }

    pub async fn support_log_any(&self, id: i64) -> StoreResult<Option<SupportLogEntry>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_entry!(),
            "WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    pub async fn support_log_versions(&self, id: i64) -> StoreResult<Vec<SupportLogVersion>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT v.version, v.occurred_on, v.kind, v.body, v.edited_by_user_id, \
             u.display_name AS edited_by_name, v.edited_at FROM support_log_version v \
             JOIN app_user u ON u.id = v.edited_by_user_id \
             WHERE v.support_log_id = $1 ORDER BY v.version DESC"
        )
        .bind(id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Entries on a person's 名寄せ group, newest first.
    pub async fn support_logs_of_person(
        &self,
        canonical_id: i64,
    ) -> StoreResult<Vec<SupportLogEntry>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_entry!(),
            "WHERE s.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1) \
             ORDER BY v.occurred_on DESC, s.id DESC"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    pub async fn support_logs_of_household(
        &self,
        household_id: i64,
    ) -> StoreResult<Vec<SupportLogEntry>> {
        Ok(on_pool!(self, |p| sqlx::query_as(HOUSEHOLD_ENTRIES)
            .bind(household_id)
            .fetch_all(&mut *p)
            .await)?)
    }

    /// The plan [`Store::support_logs_of_household`] runs by (the plan tests read it).
    pub async fn explain_household_entries(&self, household_id: i64) -> StoreResult<Vec<String>> {
        let sql = format!("{}{HOUSEHOLD_ENTRIES}", self.explain_prefix());
        Ok(on_pool!(self, |p| sqlx::query(&sql)
            .bind(household_id)
            .fetch_all(&mut *p)
            .await
            .and_then(|rows| crate::person::plan_lines(&rows)))?)
    }
}
