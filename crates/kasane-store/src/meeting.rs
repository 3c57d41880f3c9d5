//! Meetings (支援会議 and 重層的支援会議): members and their acknowledgement of
//! confidentiality, the agenda of cases with minutes, and role assignments. Whether a case
//! may go on an agenda is the domain's (`meeting::check_agenda`); the access facts of an
//! agenda case are read by `Store::case_facts`.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::meeting::{MeetingKind, ValidMeeting, ValidRole};
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Store, StoreError, StoreResult, execute, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    #[sqlx(try_from = "String")]
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub host_agency_id: AgencyId,
    pub host_agency_name: String,
    pub place: String,
    pub next_review_on: Option<NaiveDate>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// The current version; a correction names the one it was made from.
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Member {
    pub id: i64,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub attendee_name: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AgendaItem {
    pub id: i64,
    pub meeting_id: i64,
    pub case_id: i64,
    #[sqlx(try_from = "String")]
    pub case_status: CaseStatus,
    pub subject_name: String,
    pub added_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub discussion: String,
    pub decisions: String,
    pub minutes_at: Option<DateTime<Utc>>,
    /// The minutes' current version (0: none yet); a save names the one it was made from.
    pub minutes_version: i32,
}

/// One saved version of an agenda case's minutes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct MinutesVersion {
    pub version: i32,
    pub discussion: String,
    pub decisions: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct RoleAssignment {
    pub id: i64,
    pub meeting_id: i64,
    pub case_id: i64,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub staff_name: String,
    pub task: String,
    pub due_on: Option<NaiveDate>,
    pub held_on: NaiveDate,
    /// The current version; a correction names the one it was made from.
    pub version: i32,
}

/// A case's place on agendas, for the case page: which meetings, and whether current.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct CaseAgenda {
    pub meeting_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub removed_at: Option<DateTime<Utc>>,
}

macro_rules! select_meeting {
    () => {
        "SELECT m.id, m.municipality_id, m.kind, m.held_on, m.host_agency_id, \
         a.name AS host_agency_name, m.place, m.next_review_on, m.note, m.created_at, \
         m.version \
         FROM meeting m JOIN agency a ON a.id = m.host_agency_id "
    };
}

macro_rules! select_role {
    () => {
        "SELECT r.id, r.meeting_id, r.case_id, r.agency_id, a.name AS agency_name, r.staff_name, \
         r.task, r.due_on, m.held_on, r.version FROM role_assignment r \
         JOIN agency a ON a.id = r.agency_id JOIN meeting m ON m.id = r.meeting_id "
    };
}

macro_rules! select_agenda {
    () => {
        "SELECT ma.id, ma.meeting_id, ma.case_id, c.status AS case_status, \
         COALESCE(p.name, h.label, '') AS subject_name, ma.added_at, ma.removed_at, \
         ma.discussion, ma.decisions, ma.minutes_at, ma.minutes_version FROM meeting_agenda ma \
         JOIN cases c ON c.id = ma.case_id LEFT JOIN person p ON p.id = c.person_id \
         LEFT JOIN household h ON h.id = c.household_id "
    };
}

impl Store {
    pub async fn create_meeting(
        &self,
        municipality_id: MunicipalityId,
        m: &ValidMeeting,
        user_id: UserId,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "INSERT INTO meeting (municipality_id, kind, held_on, host_agency_id, place, \
             next_review_on, note, created_by_user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(municipality_id)
        .bind(m.kind.code())
        .bind(m.held_on)
        .bind(m.host_agency_id)
        .bind(&m.place)
        .bind(m.next_review_on)
        .bind(&m.note)
        .bind(user_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await)?;
        Ok(id)
    }

    pub async fn meeting_any(&self, id: i64) -> StoreResult<Option<Meeting>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_meeting!(),
            "WHERE m.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Meetings an agency may know of: hosted by it, or with it as a member; newest first,
    /// optionally of one kind. `all` (the coordinating agency's coordinator) lists every
    /// meeting of the municipality.
    pub async fn list_meetings(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        all: bool,
        kind: Option<&str>,
        (limit, offset): (i64, i64),
    ) -> StoreResult<(Vec<Meeting>, i64)> {
        const FILTER: &str = "WHERE m.municipality_id = $1 AND ($3 OR m.host_agency_id = $2 \
             OR EXISTS (SELECT 1 FROM meeting_member mm WHERE mm.meeting_id = m.id AND mm.agency_id = $2)) \
             AND ($4 IS NULL OR m.kind = $4) ";
        let list_sql = format!(
            "{}{FILTER}ORDER BY m.held_on DESC, m.id DESC LIMIT $5 OFFSET $6",
            select_meeting!()
        );
        let count_sql = format!("SELECT COUNT(*) FROM meeting m {FILTER}");
        let (rows, total): (Vec<Meeting>, (i64,)) = on_pool!(self, |p| {
            let rows = sqlx::query_as(&list_sql)
                .bind(municipality_id)
                .bind(agency_id)
                .bind(all)
                .bind(kind)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *p)
                .await?;
            let total = sqlx::query_as(&count_sql)
                .bind(municipality_id)
                .bind(agency_id)
                .bind(all)
                .bind(kind)
                .fetch_one(&mut *p)
                .await?;
            (rows, total)
        });
        Ok((rows, total.0))
    }

    pub async fn meeting_members(&self, meeting_id: i64) -> StoreResult<Vec<Member>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT mm.id, mm.agency_id, a.name AS agency_name, mm.attendee_name, mm.acknowledged_at \
             FROM meeting_member mm JOIN agency a ON a.id = mm.agency_id \
             WHERE mm.meeting_id = $1 ORDER BY mm.id"
        )
        .bind(meeting_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Registers a member agency (and who attends for it).
    pub async fn add_meeting_member(
        &self,
        municipality_id: MunicipalityId,
        meeting_id: i64,
        agency_id: AgencyId,
        attendee_name: &str,
    ) -> StoreResult<()> {
        execute!(
            self,
            sqlx::query(
                "INSERT INTO meeting_member (municipality_id, meeting_id, agency_id, attendee_name) \
                 VALUES ($1, $2, $3, $4)"
            )
            .bind(municipality_id)
            .bind(meeting_id)
            .bind(agency_id)
            .bind(attendee_name)
        )
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Invalid("その機関はすでに構成員です".into())
            }
            e => e,
        })?;
        Ok(())
    }

    /// Records a member's acknowledgement of confidentiality (守秘義務), once.
    pub async fn acknowledge_member(
        &self,
        meeting_id: i64,
        agency_id: AgencyId,
        user_id: UserId,
    ) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE meeting_member SET acknowledged_at = $3, acknowledged_by_user_id = $4 \
                 WHERE meeting_id = $1 AND agency_id = $2 AND acknowledged_at IS NULL"
            )
            .bind(meeting_id)
            .bind(agency_id)
            .bind(now())
            .bind(user_id)
        )?;
        expect_one(done)
    }

    /// The meeting's agenda, current and removed items, in the order added.
    pub async fn agenda(&self, meeting_id: i64) -> StoreResult<Vec<AgendaItem>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agenda!(),
            "WHERE ma.meeting_id = $1 ORDER BY ma.id"
        ))
        .bind(meeting_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn agenda_item(&self, id: i64) -> StoreResult<Option<AgendaItem>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agenda!(),
            "WHERE ma.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// The meetings a case is or was on the agenda of, newest first.
    pub async fn agendas_of_case(&self, case_id: i64) -> StoreResult<Vec<CaseAgenda>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT m.id AS meeting_id, m.kind, m.held_on, ma.removed_at FROM meeting_agenda ma \
             JOIN meeting m ON m.id = ma.meeting_id WHERE ma.case_id = $1 ORDER BY m.held_on DESC, ma.id DESC"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    pub async fn add_to_agenda(
        &self,
        municipality_id: MunicipalityId,
        meeting_id: i64,
        case_id: i64,
        user_id: UserId,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO meeting_agenda (municipality_id, meeting_id, case_id, added_by_user_id, added_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(municipality_id)
        .bind(meeting_id)
        .bind(case_id)
        .bind(user_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    /// Takes an item off the agenda: the 支援会議 basis for it ends now.
    pub async fn remove_from_agenda(&self, item_id: i64, user_id: UserId) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE meeting_agenda SET removed_at = $2, removed_by_user_id = $3 \
                 WHERE id = $1 AND removed_at IS NULL"
            )
            .bind(item_id)
            .bind(now())
            .bind(user_id)
        )?;
        expect_one(done)
    }

    /// Saves the minutes as the version after `from_version`, keeping the version; `None`
    /// when the minutes are no longer at `from_version` (someone saved first): nothing is
    /// overwritten. The conditional UPDATE is the check: on PostgreSQL a concurrent save
    /// waits for the row and then finds the version moved on.
    pub async fn record_minutes(
        &self,
        item_id: i64,
        from_version: i32,
        discussion: &str,
        decisions: &str,
        user_id: UserId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let moved: Option<(i32, i64)> = sqlx::query_as(
                "UPDATE meeting_agenda SET discussion = $2, decisions = $3, minutes_by_user_id = $4, \
                 minutes_at = $5, minutes_version = minutes_version + 1 \
                 WHERE id = $1 AND minutes_version = $6 RETURNING minutes_version, municipality_id",
            )
            .bind(item_id)
            .bind(discussion)
            .bind(decisions)
            .bind(user_id)
            .bind(at)
            .bind(from_version)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((version, municipality_id)) = moved else {
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO minutes_version (municipality_id, agenda_id, version, discussion, \
                 decisions, recorded_by_user_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(municipality_id)
            .bind(item_id)
            .bind(version)
            .bind(discussion)
            .bind(decisions)
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(version))
        })
    }

    /// Every saved version of an agenda case's minutes, newest first.
    pub async fn minutes_versions(&self, item_id: i64) -> StoreResult<Vec<MinutesVersion>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT v.version, v.discussion, v.decisions, u.display_name AS recorded_by_name, \
             v.recorded_at FROM minutes_version v JOIN app_user u ON u.id = v.recorded_by_user_id \
             WHERE v.agenda_id = $1 ORDER BY v.version DESC"
        )
        .bind(item_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn add_role_assignment(
        &self,
        municipality_id: MunicipalityId,
        meeting_id: i64,
        case_id: i64,
        r: &ValidRole,
        user_id: UserId,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO role_assignment (municipality_id, meeting_id, case_id, agency_id, staff_name, \
             task, due_on, created_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id"
        )
        .bind(municipality_id)
        .bind(meeting_id)
        .bind(case_id)
        .bind(r.agency_id)
        .bind(&r.staff_name)
        .bind(&r.task)
        .bind(r.due_on)
        .bind(user_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    /// Role assignments of a case (`meeting_id` = None) or of one meeting for the case.
    pub async fn role_assignments(
        &self,
        case_id: i64,
        meeting_id: Option<i64>,
    ) -> StoreResult<Vec<RoleAssignment>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            concat!(
                select_role!(),
                "WHERE r.case_id = $1 AND ($2 IS NULL OR r.meeting_id = $2) ORDER BY m.held_on, r.id"
            ))
        .bind(case_id)
        .bind(meeting_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Role assignment `id`, whatever its municipality (the caller decides on its meeting).
    pub async fn role_assignment(&self, id: i64) -> StoreResult<Option<RoleAssignment>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_role!(),
            "WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }
}
