//! Cases (`cases` table: CASE is reserved in SQL), their involved agencies, every move
//! (case_event) and the versioned assessment sheets. The domain (`kasane_domain::case`)
//! decides which moves are legal; each move here is conditional on the status it was
//! decided from, so two workers acting at once cannot both win.

use chrono::{DateTime, Utc};
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use serde::Serialize;
use sqlx::Connection;

use crate::person::{Viewer, plan_lines};
use crate::user::expect_one;
use crate::{Store, StoreError, StoreResult, now, on_pool};

/// The SQL twin of `access::decide` for listing cases — kept in step with
/// `Store::case_facts`: the case's person (or, for a household's case without one, a
/// current member of the household or the person of an intake recorded on it, as
/// `Store::household_facts` reads them) is visible to the viewer beyond a つなぐシート
/// (`visible_person!(full_record)`) — seeing one member never shows another member's
/// case (ACCESS-MODEL: the household outline, never the others' records) — or the
/// viewer's agency is an acknowledged member of a 支援会議 that has the open case on its
/// agenda. Binds as `visible_person!`: $1 municipality, $2 agency, $3 coordinates, $4 today.
macro_rules! visible_case {
    () => {
        concat!(
            "c.municipality_id = $1 AND (EXISTS (SELECT 1 FROM person p WHERE p.id = \
               (SELECT COALESCE(q.linked_to_person_id, q.id) FROM person q WHERE q.id = c.person_id) AND ",
            crate::person::visible_person!(full_record),
            ") OR (c.person_id IS NULL AND (EXISTS (SELECT 1 FROM household_member hm \
               JOIN person q ON q.id = hm.person_id \
               JOIN person p ON p.id = COALESCE(q.linked_to_person_id, q.id) \
               WHERE hm.household_id = c.household_id AND hm.left_on IS NULL AND ",
            crate::person::visible_person!(full_record),
            ") OR EXISTS (SELECT 1 FROM intake hi \
               JOIN person q ON q.id = hi.person_id \
               JOIN person p ON p.id = COALESCE(q.linked_to_person_id, q.id) \
               WHERE hi.household_id = c.household_id AND ",
            crate::person::visible_person!(full_record),
            "))) OR (c.status <> 'closed' AND EXISTS (SELECT 1 FROM meeting_agenda ma \
               JOIN meeting mt ON mt.id = ma.meeting_id JOIN meeting_member mm ON mm.meeting_id = mt.id \
               WHERE ma.case_id = c.id AND ma.removed_at IS NULL AND mt.kind = 'support_meeting' \
               AND mm.agency_id = $2 AND mm.acknowledged_at IS NOT NULL))) "
        )
    };
}

macro_rules! select_case {
    () => {
        "SELECT c.id, c.municipality_id, c.person_id, c.household_id, \
         COALESCE(p.name, h.label, '') AS subject_name, c.status, c.suspended_from, \
         c.lead_agency_id, la.name AS lead_agency_name, c.intake_id, c.summary, \
         c.coordination_ended_at, c.handover_note, c.closure_reason, c.closed_at, \
         c.opened_by_user_id, c.opened_at, c.updated_at FROM cases c \
         LEFT JOIN person p ON p.id = c.person_id LEFT JOIN household h ON h.id = c.household_id \
         JOIN agency la ON la.id = c.lead_agency_id "
    };
}

/// How the case list finds its rows; the access filter (`visible_case!`) is the same in
/// both, chosen as the person search chooses (`Store::case_plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasePlan {
    /// From what the viewer's agency is involved in: the cases on those persons' records
    /// or current households, and those on the agenda of a 支援会議 the agency
    /// acknowledged — for an agency that sees few.
    Involved,
    /// Newest change first through `cases_updated` (or `cases_status_updated`), stopping
    /// at a page: for the coordinator and an agency that sees many.
    Recent,
}

impl CasePlan {
    pub const ALL: [CasePlan; 2] = [CasePlan::Involved, CasePlan::Recent];
}

/// The case list's SQL under `plan`, after `prefix` (an EXPLAIN); `by_status` adds the
/// status ($7). Binds: see [`bind_case_list`].
fn case_list_sql(plan: CasePlan, by_status: bool, prefix: &str) -> String {
    // A superset of the visible cases: those on a record of an involved person's 名寄せ
    // group or on a household one of them belongs to or was consulted about, and those a 支援会議 the agency
    // acknowledged has on its agenda.
    const INVOLVED: &str = concat!(
        "WITH seen(root) AS (",
        crate::person::involved!(),
        "), grp(id) AS (SELECT root FROM seen UNION ALL SELECT l.id FROM seen \
           JOIN person l ON l.linked_to_person_id = seen.root), \
         cand(id) AS (SELECT c.id FROM cases c WHERE c.person_id IN (SELECT id FROM grp) \
           UNION ALL SELECT c.id FROM household_member hm JOIN cases c ON c.household_id = hm.household_id \
             WHERE hm.person_id IN (SELECT id FROM grp) AND hm.left_on IS NULL \
           UNION ALL SELECT c.id FROM intake hi JOIN cases c ON c.household_id = hi.household_id \
             WHERE hi.person_id IN (SELECT id FROM grp) \
           UNION ALL SELECT ma.case_id FROM meeting_member mm \
             JOIN meeting_agenda ma ON ma.meeting_id = mm.meeting_id \
             WHERE mm.agency_id = $2 AND mm.acknowledged_at IS NOT NULL) ",
        select_case!(),
        "WHERE c.id IN (SELECT id FROM cand) AND "
    );
    const RECENT: &str = concat!(select_case!(), "WHERE ");
    let source = match plan {
        CasePlan::Involved => INVOLVED,
        CasePlan::Recent => RECENT,
    };
    let status = if by_status { "AND c.status = $7 " } else { "" };
    format!(
        "{prefix}{source}{}{status}ORDER BY c.updated_at DESC, c.id DESC LIMIT $5 OFFSET $6",
        visible_case!()
    )
}

/// Binds the case list's parameters: $1–$4 the viewer (as `visible_person!`), $5 the rows
/// to read (a page and one more), $6 the offset, $7 the status if there is one.
macro_rules! bind_case_list {
    ($q:expr, $viewer:expr, $status:expr, $rows:expr, $offset:expr) => {{
        let q = $q
            .bind($viewer.municipality_id)
            .bind($viewer.agency_id)
            .bind($viewer.coordinates)
            .bind($viewer.today)
            .bind($rows)
            .bind($offset);
        match $status {
            Some(status) => q.bind(status),
            None => q,
        }
    }};
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Case {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// The person's name or the household's label.
    pub subject_name: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    pub suspended_from: Option<String>,
    pub lead_agency_id: AgencyId,
    pub lead_agency_name: String,
    pub intake_id: Option<i64>,
    pub summary: String,
    pub coordination_ended_at: Option<DateTime<Utc>>,
    pub handover_note: String,
    pub closure_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub opened_by_user_id: UserId,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct CaseAgency {
    pub id: i64,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct CaseEventRow {
    pub id: i64,
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: String,
    pub user_name: String,
    pub agency_name: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub case_id: i64,
    pub version: i32,
    /// JSON of `kasane_domain::assessment::AssessmentDraft`.
    pub sheet: String,
    pub author_name: String,
    pub author_agency_name: String,
    pub created_at: DateTime<Utc>,
}

/// A new case.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub municipality_id: MunicipalityId,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub lead_agency_id: AgencyId,
    pub intake_id: Option<i64>,
    pub kinds: &'a [&'a str],
    pub summary: &'a str,
    pub user_id: UserId,
    pub agency_id: AgencyId,
}

/// A status move decided by the domain (`case::apply`).
#[derive(Debug, Clone)]
pub struct CaseMove<'a> {
    pub case_id: i64,
    pub event: &'a str,
    pub from_status: &'a str,
    pub to_status: &'a str,
    /// The status to return to, when suspending.
    pub suspended_from: Option<&'a str>,
    pub closure_reason: Option<&'a str>,
    pub note: &'a str,
    pub user_id: UserId,
    pub agency_id: AgencyId,
}

/// Records one case event on `$tx`.
macro_rules! insert_event {
    ($tx:expr, $m:expr, $case:expr, $event:expr, $from:expr, $to:expr, $note:expr, $user:expr, $agency:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO case_event (municipality_id, case_id, event, from_status, to_status, note, \
             user_id, agency_id, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($m)
        .bind($case)
        .bind($event)
        .bind($from)
        .bind($to)
        .bind($note)
        .bind($user)
        .bind($agency)
        .bind($at)
        .execute($tx)
        .await?
    };
}

impl Store {
    pub async fn create_case(&self, c: &NewCase<'_>) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO cases (municipality_id, person_id, household_id, status, lead_agency_id, \
                 intake_id, summary, opened_by_user_id, opened_at, updated_at) \
                 VALUES ($1, $2, $3, 'intake', $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(c.municipality_id)
            .bind(c.person_id)
            .bind(c.household_id)
            .bind(c.lead_agency_id)
            .bind(c.intake_id)
            .bind(c.summary)
            .bind(c.user_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for kind in c.kinds {
                sqlx::query(
                    "INSERT INTO case_kind (municipality_id, case_id, kind) VALUES ($1, $2, $3)",
                )
                .bind(c.municipality_id)
                .bind(id)
                .bind(*kind)
                .execute(&mut *tx)
                .await?;
            }
            insert_event!(
                &mut *tx,
                c.municipality_id,
                id,
                "open",
                None::<&str>,
                Some("intake"),
                c.summary,
                c.user_id,
                c.agency_id,
                at
            );
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A case of any municipality (the access rule decides who sees it).
    pub async fn case_any(&self, id: i64) -> StoreResult<Option<Case>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_case!(),
            "WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// Cases the viewer may see, optionally of one status, most recently changed first:
    /// one page, and whether another follows (one row more is read instead of counting).
    pub async fn list_cases(
        &self,
        viewer: Viewer,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Case>, bool)> {
        let plan = self.case_plan(viewer).await?;
        self.list_cases_by(plan, viewer, status, limit, offset)
            .await
    }

    /// The plan for the case list: `Involved` when the agency is involved with few persons
    /// (the count the person search chooses by), else `Recent`.
    pub async fn case_plan(&self, viewer: Viewer) -> StoreResult<CasePlan> {
        Ok(if self.involvement_is_few(viewer).await? {
            CasePlan::Involved
        } else {
            CasePlan::Recent
        })
    }

    /// [`Store::list_cases`] under a given plan: every plan answers the same rows.
    pub async fn list_cases_by(
        &self,
        plan: CasePlan,
        viewer: Viewer,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Case>, bool)> {
        let sql = case_list_sql(plan, status.is_some(), "");
        let mut rows: Vec<Case> = on_pool!(self, |p| bind_case_list!(
            sqlx::query_as(&sql),
            viewer,
            status,
            limit + 1,
            offset
        )
        .fetch_all(&mut *p)
        .await)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        Ok((rows, more))
    }

    /// The database's plan for the case list under `plan`, as [`Store::explain_search`].
    pub async fn explain_cases(
        &self,
        plan: CasePlan,
        viewer: Viewer,
        status: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        let sql = case_list_sql(plan, status.is_some(), self.explain_prefix());
        Ok(on_pool!(self, |p| bind_case_list!(
            sqlx::query(&sql),
            viewer,
            status,
            51_i64,
            0_i64
        )
        .fetch_all(&mut *p)
        .await
        .and_then(|rows| plan_lines(&rows)))?)
    }

    /// The cases on a household, newest first, unfiltered: callers decide access per case.
    pub async fn cases_of_household(&self, household_id: i64) -> StoreResult<Vec<Case>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_case!(),
            "WHERE c.household_id = $1 ORDER BY c.opened_at DESC"
        ))
        .bind(household_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// The cases of a person's 名寄せ group (directly, or through a current household),
    /// unfiltered: callers decide access per case.
    pub async fn cases_of_person(&self, canonical_id: i64) -> StoreResult<Vec<Case>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
                select_case!(),
                "WHERE c.id IN (",
                crate::facts::cases_of_group!(
                    "SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1"
                ),
                ") ORDER BY c.opened_at DESC"
            ))
            .bind(canonical_id)
            .fetch_all(&mut *p)
            .await
        })?)
    }

    pub async fn case_kinds(&self, case_id: i64) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT kind FROM case_kind WHERE case_id = $1 ORDER BY kind"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    pub async fn case_agencies(&self, case_id: i64) -> StoreResult<Vec<CaseAgency>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT ca.id, ca.agency_id, a.name AS agency_name, ca.joined_at, ca.left_at \
             FROM case_agency ca JOIN agency a ON a.id = ca.agency_id \
             WHERE ca.case_id = $1 ORDER BY ca.joined_at, ca.id"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn case_events(&self, case_id: i64) -> StoreResult<Vec<CaseEventRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT e.id, e.event, e.from_status, e.to_status, e.note, u.display_name AS user_name, \
             a.name AS agency_name, e.occurred_at FROM case_event e \
             JOIN app_user u ON u.id = e.user_id JOIN agency a ON a.id = e.agency_id \
             WHERE e.case_id = $1 ORDER BY e.occurred_at, e.id"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// Applies a status move, if the case is still in `from_status`.
    pub async fn move_case(
        &self,
        municipality_id: MunicipalityId,
        m: &CaseMove<'_>,
    ) -> StoreResult<()> {
        let at = now();
        let closing = m.to_status == "closed";
        let reopening = m.from_status == "closed";
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE cases SET status = $3, suspended_from = $4, updated_at = $5, \
                 closure_reason = CASE WHEN $6 THEN $7 WHEN $8 THEN NULL ELSE closure_reason END, \
                 closed_at = CASE WHEN $6 THEN $5 WHEN $8 THEN NULL ELSE closed_at END, \
                 closed_by_user_id = CASE WHEN $6 THEN $9 WHEN $8 THEN NULL ELSE closed_by_user_id END \
                 WHERE id = $1 AND status = $2 AND municipality_id = $10",
            )
            .bind(m.case_id)
            .bind(m.from_status)
            .bind(m.to_status)
            .bind(m.suspended_from)
            .bind(at)
            .bind(closing)
            .bind(m.closure_reason)
            .bind(reopening)
            .bind(m.user_id)
            .bind(municipality_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Invalid(
                    "ケースの状態が先に変更されました。画面を読み込み直してください".into(),
                ));
            }
            let note = match m.closure_reason {
                Some(code) if closing => format!("[{code}] {}", m.note),
                _ => m.note.to_string(),
            };
            insert_event!(
                &mut *tx,
                municipality_id,
                m.case_id,
                m.event,
                Some(m.from_status),
                Some(m.to_status),
                note,
                m.user_id,
                m.agency_id,
                at
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// Adds an involved agency (関与機関); a past involvement is not reopened but added anew.
    pub async fn add_case_agency(
        &self,
        municipality_id: MunicipalityId,
        case_id: i64,
        agency_id: AgencyId,
        user_id: UserId,
        actor_agency: AgencyId,
    ) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (active,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM case_agency WHERE case_id = $1 AND agency_id = $2 AND left_at IS NULL",
            )
            .bind(case_id)
            .bind(agency_id)
            .fetch_one(&mut *tx)
            .await?;
            if active > 0 {
                return Err(StoreError::Invalid("その機関はすでに関与機関です".into()));
            }
            sqlx::query(
                "INSERT INTO case_agency (municipality_id, case_id, agency_id, joined_at, added_by_user_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(municipality_id)
            .bind(case_id)
            .bind(agency_id)
            .bind(at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            insert_event!(
                &mut *tx,
                municipality_id,
                case_id,
                "agency_added",
                None::<&str>,
                None::<&str>,
                agency_id.to_string(),
                user_id,
                actor_agency,
                at
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends an agency's involvement; its history stays readable to it. The event's note is
    /// the agency's id and the reason (`"{id} {reason}"`, as a closure's is `"[code] note"`).
    pub async fn end_case_agency(
        &self,
        municipality_id: MunicipalityId,
        case_id: i64,
        agency_id: AgencyId,
        reason: &str,
        (user_id, actor_agency): (UserId, AgencyId),
    ) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE case_agency SET left_at = $3 WHERE case_id = $1 AND agency_id = $2 AND left_at IS NULL",
            )
            .bind(case_id)
            .bind(agency_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            insert_event!(
                &mut *tx,
                municipality_id,
                case_id,
                "agency_left",
                None::<&str>,
                None::<&str>,
                format!("{agency_id} {reason}"),
                user_id,
                actor_agency,
                at
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// Makes `agency_id` the lead agency (主担当); the previous lead stays involved.
    pub async fn set_case_lead(
        &self,
        municipality_id: MunicipalityId,
        case: &Case,
        agency_id: AgencyId,
        user_id: UserId,
        actor_agency: AgencyId,
    ) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE cases SET lead_agency_id = $2, updated_at = $3 WHERE id = $1")
                .bind(case.id)
                .bind(agency_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            // The new lead is no longer a plain involved agency; the old lead becomes one.
            sqlx::query("UPDATE case_agency SET left_at = $3 WHERE case_id = $1 AND agency_id = $2 AND left_at IS NULL")
                .bind(case.id)
                .bind(agency_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO case_agency (municipality_id, case_id, agency_id, joined_at, added_by_user_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(municipality_id)
            .bind(case.id)
            .bind(case.lead_agency_id)
            .bind(at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            insert_event!(
                &mut *tx,
                municipality_id,
                case.id,
                "lead_changed",
                None::<&str>,
                None::<&str>,
                agency_id.to_string(),
                user_id,
                actor_agency,
                at
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records the end of 多機関協働's own involvement (hand-over to the lead agency).
    pub async fn hand_over_case(
        &self,
        municipality_id: MunicipalityId,
        case_id: i64,
        note: &str,
        user_id: UserId,
        actor_agency: AgencyId,
    ) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE cases SET coordination_ended_at = $2, coordination_ended_by_user_id = $3, \
                 handover_note = $4, updated_at = $2 WHERE id = $1 AND coordination_ended_at IS NULL",
            )
            .bind(case_id)
            .bind(at)
            .bind(user_id)
            .bind(note)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            insert_event!(
                &mut *tx,
                municipality_id,
                case_id,
                "handover",
                None::<&str>,
                None::<&str>,
                note,
                user_id,
                actor_agency,
                at
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a new version of the case's assessment sheet; yields the version number.
    /// Saves the sheet as the version after `from_version` (0: the first); `None` when the
    /// newest version is no longer `from_version` — a save made from an older sheet never
    /// hides a newer one. Two saves from the same version at once: the unique (case,
    /// version) key refuses the second ([`StoreError::Conflict`](crate::StoreError)).
    pub async fn add_assessment(
        &self,
        municipality_id: MunicipalityId,
        case_id: i64,
        from_version: i32,
        sheet_json: &str,
        user_id: UserId,
        agency_id: AgencyId,
    ) -> StoreResult<Option<i32>> {
        let at = now();
        let version = from_version + 1;
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (newest,): (i32,) = sqlx::query_as(
                "SELECT CAST(COALESCE(MAX(version), 0) AS INTEGER) FROM assessment WHERE case_id = $1",
            )
            .bind(case_id)
            .fetch_one(&mut *tx)
            .await?;
            if newest != from_version {
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO assessment (municipality_id, case_id, version, sheet, author_user_id, \
                 author_agency_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(municipality_id)
            .bind(case_id)
            .bind(version)
            .bind(sheet_json)
            .bind(user_id)
            .bind(agency_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1")
                .bind(case_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(version))
        })
    }

    /// Every version of the case's assessment, newest first.
    pub async fn assessments(&self, case_id: i64) -> StoreResult<Vec<AssessmentRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT s.id, s.case_id, s.version, s.sheet, u.display_name AS author_name, \
             a.name AS author_agency_name, s.created_at FROM assessment s \
             JOIN app_user u ON u.id = s.author_user_id JOIN agency a ON a.id = s.author_agency_id \
             WHERE s.case_id = $1 ORDER BY s.version DESC"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }
}
