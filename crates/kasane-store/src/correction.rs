//! Corrections with history: a person's, an intake's, a meeting's and a role assignment's new
//! version, and the end of a household membership. Each is a conditional UPDATE on the version
//! the save was made from — `None` when the record has moved on (someone saved first), so nothing is
//! overwritten; on PostgreSQL a concurrent save waits for the row, then finds it moved.

use chrono::{DateTime, Utc};
use kasane_domain::correction::MembershipEnd;
use kasane_domain::identity::{MunicipalityId, UserId};
use kasane_domain::intake::ValidIntake;
use kasane_domain::meeting::{ValidMeeting, ValidRole};
use serde::Serialize;
use sqlx::Connection;

use crate::intake::insert_intake_tags;
use crate::person::PersonFields;
use crate::{Store, StoreResult, now, on_pool};

/// One kept version of a person or an intake: the fields as JSON (the application's
/// snapshot), who saved it and when.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct RecordVersion {
    pub version: i32,
    pub content: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// The snapshots of a correction: the record as it stood (kept as version 1 when the
/// record is corrected for the first time) and as corrected.
#[derive(Debug, Clone, Copy)]
pub struct Snapshots<'a> {
    pub before: &'a str,
    pub after: &'a str,
}

/// What a correction's UPDATE answers: the new version, and who made the record and when
/// (the author of version 1).
type Moved = (i32, MunicipalityId, UserId, DateTime<Utc>);

/// The tables that keep versions, each with its SQL.
#[derive(Debug, Clone, Copy)]
enum Kept {
    Person,
    Intake,
    Meeting,
    Role,
}

impl Kept {
    fn insert(self) -> &'static str {
        match self {
            Kept::Person => {
                "INSERT INTO person_version (municipality_id, person_id, version, content, \
                 recorded_by_user_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)"
            }
            Kept::Intake => {
                "INSERT INTO intake_version (municipality_id, intake_id, version, content, \
                 recorded_by_user_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)"
            }
            Kept::Meeting => {
                "INSERT INTO meeting_version (municipality_id, meeting_id, version, content, \
                 recorded_by_user_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)"
            }
            Kept::Role => {
                "INSERT INTO role_assignment_version (municipality_id, role_assignment_id, \
                 version, content, recorded_by_user_id, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            }
        }
    }

    fn select(self) -> &'static str {
        match self {
            Kept::Person => {
                "SELECT v.version, v.content, u.display_name AS recorded_by_name, v.recorded_at \
                 FROM person_version v JOIN app_user u ON u.id = v.recorded_by_user_id \
                 WHERE v.person_id = $1 ORDER BY v.version DESC"
            }
            Kept::Intake => {
                "SELECT v.version, v.content, u.display_name AS recorded_by_name, v.recorded_at \
                 FROM intake_version v JOIN app_user u ON u.id = v.recorded_by_user_id \
                 WHERE v.intake_id = $1 ORDER BY v.version DESC"
            }
            Kept::Meeting => {
                "SELECT v.version, v.content, u.display_name AS recorded_by_name, v.recorded_at \
                 FROM meeting_version v JOIN app_user u ON u.id = v.recorded_by_user_id \
                 WHERE v.meeting_id = $1 ORDER BY v.version DESC"
            }
            Kept::Role => {
                "SELECT v.version, v.content, u.display_name AS recorded_by_name, v.recorded_at \
                 FROM role_assignment_version v JOIN app_user u ON u.id = v.recorded_by_user_id \
                 WHERE v.role_assignment_id = $1 ORDER BY v.version DESC"
            }
        }
    }
}

/// Keeps the versions of a correction the UPDATE made: on a first correction the record as
/// registered (version 1, by its author), then the new one.
macro_rules! keep_versions {
    ($conn:expr, $kept:expr, $id:expr, $moved:expr, $snapshots:expr, $user_id:expr, $at:expr) => {{
        let (version, municipality_id, author, created_at): Moved = $moved;
        let mut rows = vec![(version, $snapshots.after, $user_id, $at)];
        if version == 2 {
            rows.insert(0, (1, $snapshots.before, author, created_at));
        }
        for (v, content, by, at) in rows {
            sqlx::query($kept.insert())
                .bind(municipality_id)
                .bind($id)
                .bind(v)
                .bind(content)
                .bind(by)
                .bind(at)
                .execute($conn)
                .await?;
        }
        version
    }};
}

/// A correction whose conditional UPDATE (`$update`, answering [`Moved`]) is all it writes
/// besides its versions: both in one transaction; `None` when the record has moved on.
macro_rules! corrected {
    ($store:expr, $kept:expr, $id:expr, $update:expr, $snapshots:expr, $user_id:expr, $at:expr) => {
        on_pool!($store, |p| {
            let mut tx = p.begin().await?;
            let moved: Option<Moved> = $update.fetch_optional(&mut *tx).await?;
            let Some(moved) = moved else {
                return Ok(None);
            };
            let version = keep_versions!(&mut *tx, $kept, $id, moved, $snapshots, $user_id, $at);
            tx.commit().await?;
            Ok(Some(version))
        })
    };
}

impl Store {
    /// Saves a person's correction as the version after `from_version`.
    pub async fn correct_person(
        &self,
        id: i64,
        from_version: i32,
        f: &PersonFields,
        snapshots: Snapshots<'_>,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        corrected!(
            self,
            Kept::Person,
            id,
            sqlx::query_as(
                "UPDATE person SET name = $2, furigana = $3, name_key = $4, kana_key = $5, \
                 birth_date = $6, sex = $7, address = $8, district_code = $9, phone = $10, \
                 phone_digits = $11, note = $12, external_id = $13, updated_at = $14, \
                 given_key = $15, given_kana_key = $16, version = version + 1 \
                 WHERE id = $1 AND version = $17 \
                 RETURNING version, municipality_id, created_by_user_id, created_at",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.furigana)
            .bind(&f.name_key)
            .bind(&f.kana_key)
            .bind(f.birth_date)
            .bind(&f.sex)
            .bind(&f.address)
            .bind(&f.district_code)
            .bind(&f.phone)
            .bind(&f.phone_digits)
            .bind(&f.note)
            .bind(&f.external_id)
            .bind(at)
            .bind(&f.given_key)
            .bind(&f.given_kana_key)
            .bind(from_version),
            snapshots,
            user_id,
            at
        )
    }

    /// Saves an intake's correction as the version after `from_version`: what the window
    /// recorded (when, how, who consulted, 課題, checklist, summary, urgency); the
    /// receiving agency, the consent and the outcome stay (they started what followed).
    pub async fn correct_intake(
        &self,
        id: i64,
        from_version: i32,
        received_at: DateTime<Utc>,
        v: &ValidIntake,
        snapshots: Snapshots<'_>,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let moved: Option<Moved> = sqlx::query_as(
                "UPDATE intake SET received_at = $2, channel = $3, consulter_kind = $4, \
                 consulter_name = $5, consulter_relation = $6, summary = $7, urgency = $8, \
                 immediate_action = $9, most_pressing = $10, consulter_person_id = $12, \
                 version = version + 1 \
                 WHERE id = $1 AND version = $11 \
                 RETURNING version, municipality_id, recorded_by_user_id, created_at",
            )
            .bind(id)
            .bind(received_at)
            .bind(v.channel.code())
            .bind(v.consulter_kind.code())
            .bind(&v.consulter_name)
            .bind(&v.consulter_relation)
            .bind(&v.summary)
            .bind(v.urgency.code())
            .bind(v.immediate_action.clone().unwrap_or_default())
            .bind(v.most_pressing.map(|c| c.code()))
            .bind(from_version)
            .bind(v.consulter_person_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(moved) = moved else {
                return Ok(None);
            };
            let municipality_id = moved.1;
            for sql in [
                "DELETE FROM intake_issue WHERE intake_id = $1",
                "DELETE FROM intake_concern WHERE intake_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            let concerns: Vec<&str> = v.concerns.iter().map(|c| c.code()).collect();
            insert_intake_tags!(&mut *tx, id, municipality_id, &v.issues, &concerns);
            let version = keep_versions!(&mut *tx, Kept::Intake, id, moved, snapshots, user_id, at);
            tx.commit().await?;
            Ok(Some(version))
        })
    }

    /// Saves a meeting's correction as the version after `from_version`: when and where it
    /// was held, its next review and note; the kind and the host stay.
    pub async fn correct_meeting(
        &self,
        id: i64,
        from_version: i32,
        m: &ValidMeeting,
        snapshots: Snapshots<'_>,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        corrected!(
            self,
            Kept::Meeting,
            id,
            sqlx::query_as(
                "UPDATE meeting SET held_on = $2, place = $3, next_review_on = $4, note = $5, \
                 version = version + 1 WHERE id = $1 AND version = $6 \
                 RETURNING version, municipality_id, created_by_user_id, created_at",
            )
            .bind(id)
            .bind(m.held_on)
            .bind(&m.place)
            .bind(m.next_review_on)
            .bind(&m.note)
            .bind(from_version),
            snapshots,
            user_id,
            at
        )
    }

    /// Saves a role assignment's correction as the version after `from_version`: its agency,
    /// 担当者, 役割 and 期限; the meeting and the case stay.
    pub async fn correct_role_assignment(
        &self,
        id: i64,
        from_version: i32,
        r: &ValidRole,
        snapshots: Snapshots<'_>,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        corrected!(
            self,
            Kept::Role,
            id,
            sqlx::query_as(
                "UPDATE role_assignment SET agency_id = $2, staff_name = $3, task = $4, \
                 due_on = $5, version = version + 1 WHERE id = $1 AND version = $6 \
                 RETURNING version, municipality_id, created_by_user_id, created_at",
            )
            .bind(id)
            .bind(r.agency_id)
            .bind(&r.staff_name)
            .bind(&r.task)
            .bind(r.due_on)
            .bind(from_version),
            snapshots,
            user_id,
            at
        )
    }

    /// Every kept version of a role assignment (empty when never corrected), newest first.
    pub async fn role_assignment_versions(&self, id: i64) -> StoreResult<Vec<RecordVersion>> {
        self.versions(Kept::Role, id).await
    }

    /// Every kept version of a meeting (empty when never corrected), newest first.
    pub async fn meeting_versions(&self, id: i64) -> StoreResult<Vec<RecordVersion>> {
        self.versions(Kept::Meeting, id).await
    }

    /// Every kept version of a person (empty when never corrected), newest first.
    pub async fn person_versions(&self, id: i64) -> StoreResult<Vec<RecordVersion>> {
        self.versions(Kept::Person, id).await
    }

    /// Every kept version of an intake (empty when never corrected), newest first.
    pub async fn intake_versions(&self, id: i64) -> StoreResult<Vec<RecordVersion>> {
        self.versions(Kept::Intake, id).await
    }

    async fn versions(&self, kept: Kept, id: i64) -> StoreResult<Vec<RecordVersion>> {
        Ok(on_pool!(self, |p| sqlx::query_as(kept.select())
            .bind(id)
            .fetch_all(&mut *p)
            .await)?)
    }

    /// Ends a current membership of `household_id` from `from_version`; `None` when it
    /// has already ended or moved on.
    pub async fn end_membership(
        &self,
        household_id: i64,
        member_id: i64,
        from_version: i32,
        end: &MembershipEnd,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let moved: Option<(i32,)> = on_pool!(self, |p| {
            sqlx::query_as(
                "UPDATE household_member SET left_on = $4, left_reason = $5, left_note = $6, \
                 ended_by_user_id = $7, ended_at = $8, version = version + 1 \
                 WHERE id = $2 AND household_id = $1 AND version = $3 AND left_on IS NULL \
                 RETURNING version",
            )
            .bind(household_id)
            .bind(member_id)
            .bind(from_version)
            .bind(end.left_on)
            .bind(end.reason.code())
            .bind(&end.note)
            .bind(user_id)
            .bind(now())
            .fetch_optional(&mut *p)
            .await
        })?;
        Ok(moved.map(|(v,)| v))
    }
}
