//! Households (世帯) and their membership, with history: a move ends one membership and
//! starts another; nothing is deleted.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use serde::Serialize;
use sqlx::Connection;

use crate::{Store, StoreResult, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Household {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub label: String,
    pub address: String,
    pub district_code: Option<String>,
    pub created_by_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
}

/// A membership row joined with the member's basic facts.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Member {
    pub id: i64,
    pub household_id: i64,
    pub person_id: i64,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub relationship: String,
    pub is_head: bool,
    pub is_carer: bool,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// Why the member left (a `LeaveReason` code) and the note, once they have.
    pub left_reason: Option<String>,
    pub left_note: String,
    /// The current version; ending the membership names the one it was made from.
    pub version: i32,
}

pub struct NewMember<'a> {
    pub household_id: i64,
    pub person_id: i64,
    pub relationship: &'a str,
    pub is_head: bool,
    pub is_carer: bool,
    pub joined_on: NaiveDate,
}

macro_rules! select_member {
    () => {
        "SELECT m.id, m.household_id, m.person_id, p.name, p.birth_date, m.relationship, \
         m.is_head, m.is_carer, m.joined_on, m.left_on, m.left_reason, m.left_note, m.version \
         FROM household_member m JOIN person p ON p.id = m.person_id "
    };
}

impl Store {
    pub async fn create_household(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        label: &str,
        address: &str,
        district_code: Option<&str>,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "INSERT INTO household (municipality_id, label, address, district_code, \
             created_by_agency_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(municipality_id)
        .bind(label)
        .bind(address)
        .bind(district_code)
        .bind(agency_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await)?;
        Ok(id)
    }

    pub async fn household_any(&self, id: i64) -> StoreResult<Option<Household>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, municipality_id, label, address, district_code, created_by_agency_id, \
             created_at FROM household WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Adds a person to a household. If they are a current member of another household,
    /// that membership ends the day before — or the day it began, if that is
    /// later (history is kept, never overwritten).
    pub async fn add_member(
        &self,
        municipality_id: MunicipalityId,
        user_id: UserId,
        m: &NewMember<'_>,
    ) -> StoreResult<i64> {
        let ended = m.joined_on.pred_opt().unwrap_or(m.joined_on);
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                // Never before it began (a move on the day of joining ends that day).
                "UPDATE household_member \
                 SET left_on = CASE WHEN joined_on > $2 THEN joined_on ELSE $2 END \
                 WHERE person_id = $1 AND left_on IS NULL AND household_id <> $3",
            )
            .bind(m.person_id)
            .bind(ended)
            .bind(m.household_id)
            .execute(&mut *tx)
            .await?;
            if m.is_head {
                // One head per household: the previous head stays a member.
                sqlx::query(
                    "UPDATE household_member SET is_head = FALSE \
                     WHERE household_id = $1 AND left_on IS NULL",
                )
                .bind(m.household_id)
                .execute(&mut *tx)
                .await?;
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO household_member (municipality_id, household_id, person_id, \
                 relationship, is_head, is_carer, joined_on, recorded_by_user_id) \
                 SELECT $1, h.id, $3, $4, $5, $6, $7, $8 FROM household h \
                 WHERE h.id = $2 AND h.municipality_id = $1 RETURNING id",
            )
            .bind(municipality_id)
            .bind(m.household_id)
            .bind(m.person_id)
            .bind(m.relationship)
            .bind(m.is_head)
            .bind(m.is_carer)
            .bind(m.joined_on)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Current members (`current_only`) or the whole history of a household.
    pub async fn household_members(
        &self,
        household_id: i64,
        current_only: bool,
    ) -> StoreResult<Vec<Member>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_member!(),
            "WHERE m.household_id = $1 AND ($2 = FALSE OR m.left_on IS NULL) \
             ORDER BY m.is_head DESC, m.joined_on, m.id"
        ))
        .bind(household_id)
        .bind(current_only)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Every household membership of a person's 名寄せ group, newest first.
    pub async fn memberships_of(&self, canonical_id: i64) -> StoreResult<Vec<Member>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_member!(),
            "WHERE m.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1) \
             ORDER BY m.joined_on DESC, m.id DESC"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Issue codes recorded in intakes about each current member of a household (the
    /// member's record and those linked to it), for the household's signals: one query
    /// for the whole household, as (member's person id, code).
    pub async fn member_issue_codes(&self, household_id: i64) -> StoreResult<Vec<(i64, String)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT DISTINCT x.member, ii.issue_code FROM ( \
               SELECT m.person_id AS member, m.person_id AS rec FROM household_member m \
               WHERE m.household_id = $1 AND m.left_on IS NULL \
               UNION ALL SELECT m.person_id, l.id FROM household_member m \
               JOIN person l ON l.linked_to_person_id = m.person_id \
               WHERE m.household_id = $1 AND m.left_on IS NULL) x \
             JOIN intake i ON i.person_id = x.rec JOIN intake_issue ii ON ii.intake_id = i.id \
             ORDER BY 1, 2",
            )
            .bind(household_id)
            .fetch_all(&mut *p)
            .await
        })?)
    }
}
