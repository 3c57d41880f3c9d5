//! アウトリーチ: the outreach part of a case (`outreach_case`, keyed by the case's id),
//! contact attempts and the staff who went, the engagement stage's history, information
//! notes, 伴走支援 entries, hand-overs, the team's and the worklist's lists, and the counts
//! the statistics step reports. The domain (`kasane_domain::outreach`) decides what is
//! valid; a stage move here is conditional on the stage it was decided from, so two
//! workers acting at once cannot both win. Nothing here knows who asks.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::outreach::{
    AccompanimentKind, ContactMethod, ContactOutcome, EngagementStage, InformantKind,
    ValidAccompaniment, ValidAttempt, ValidNote, ValidOpening, WhomMet,
};
use serde::Serialize;
use sqlx::Connection;

use crate::case::NewCase;
use crate::{Store, StoreResult, now, on_pool};

/// An outreach case: the case's subject, status and lead with the outreach part.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct OutreachCase {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    /// The person's name or the household's label.
    pub subject_name: String,
    /// The person's or the household's 地区 code.
    pub district_code: Option<String>,
    /// The person's or the household's address (the 訪問予定表 needs it).
    pub address: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    pub lead_agency_id: AgencyId,
    pub lead_agency_name: String,
    pub coordination_ended_at: Option<DateTime<Utc>>,
    /// The intake the outreach case was opened from, if any.
    pub intake_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub informant_kind: InformantKind,
    pub informant: String,
    pub known: String,
    #[sqlx(try_from = "String")]
    pub stage: EngagementStage,
    pub stage_since: DateTime<Utc>,
    /// The case's own interval; `None` = the municipality's.
    pub interval_days: Option<i32>,
    pub opened_at: DateTime<Utc>,
}

macro_rules! select_outreach {
    () => {
        "SELECT c.id, c.municipality_id, c.person_id, c.household_id, \
         COALESCE(p.name, h.label, '') AS subject_name, \
         COALESCE(p.district_code, h.district_code) AS district_code, \
         COALESCE(NULLIF(p.address, ''), h.address, '') AS address, c.status, \
         c.lead_agency_id, la.name AS lead_agency_name, c.coordination_ended_at, o.intake_id, \
         o.informant_kind, o.informant, o.known, o.stage, o.stage_since, o.interval_days, \
         c.opened_at FROM outreach_case o JOIN cases c ON c.id = o.id \
         LEFT JOIN person p ON p.id = c.person_id LEFT JOIN household h ON h.id = c.household_id \
         JOIN agency la ON la.id = c.lead_agency_id "
    };
}

/// Which outreach cases a list reads (open ones only: neither closed nor suspended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The team's: the agency leads the case or is involved in it now, or — for a
    /// coordinator of the coordinating agency — 多機関協働 still coordinates it.
    Team { agency: AgencyId, coordinates: bool },
    /// Whose worklist its alerts go on: the lead agency's, and the coordinator's while
    /// 多機関協働 coordinates the case.
    Responsible { agency: AgencyId, coordinates: bool },
}

impl Scope {
    /// ($2 agency, $3 coordinates, $4 whether involved agencies count).
    fn binds(self) -> (AgencyId, bool, bool) {
        match self {
            Scope::Team {
                agency,
                coordinates,
            } => (agency, coordinates, true),
            Scope::Responsible {
                agency,
                coordinates,
            } => (agency, coordinates, false),
        }
    }
}

/// The scope's filter on `c` (cases) — binds $1 municipality, $2 agency, $3 coordinates,
/// $4 whether involved agencies count.
macro_rules! in_scope {
    () => {
        "c.municipality_id = $1 AND c.status NOT IN ('closed', 'suspended') AND ( \
           c.lead_agency_id = $2 \
           OR ($4 AND EXISTS (SELECT 1 FROM case_agency ca WHERE ca.case_id = c.id \
                AND ca.agency_id = $2 AND ca.left_at IS NULL)) \
           OR ($3 AND c.coordination_ended_at IS NULL)) "
    };
}

/// A contact attempt with who recorded it (the staff who went are [`AttemptStaff`]).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct ContactAttempt {
    pub id: i64,
    pub case_id: i64,
    pub attempted_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub method: ContactMethod,
    #[sqlx(try_from = "String")]
    pub met: WhomMet,
    #[sqlx(try_from = "String")]
    pub outcome: ContactOutcome,
    pub left_behind: String,
    pub observations: String,
    pub safety_concern: bool,
    pub next_planned_on: Option<NaiveDate>,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// One of the staff who went on an attempt, with their agency then.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AttemptStaff {
    pub attempt_id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub agency_id: AgencyId,
    pub agency_name: String,
}

/// What the alerts and the stage's evidence read of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct AttemptFactRow {
    pub case_id: i64,
    pub id: i64,
    pub attempted_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub method: ContactMethod,
    #[sqlx(try_from = "String")]
    pub met: WhomMet,
    #[sqlx(try_from = "String")]
    pub outcome: ContactOutcome,
    pub safety_concern: bool,
    pub next_planned_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct StageEvent {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub from_stage: EngagementStage,
    #[sqlx(try_from = "String")]
    pub to_stage: EngagementStage,
    pub direction: String,
    pub reason: String,
    pub evidence_attempt_id: Option<i64>,
    pub user_name: String,
    pub agency_name: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct InformationNote {
    pub id: i64,
    pub case_id: i64,
    pub noted_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub source_kind: InformantKind,
    pub source: String,
    pub body: String,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Accompaniment {
    pub id: i64,
    pub case_id: i64,
    pub occurred_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub kind: AccompanimentKind,
    pub body: String,
    pub recorded_by_name: String,
    pub agency_name: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Handover {
    pub id: i64,
    pub case_id: i64,
    pub referral_id: Option<i64>,
    /// The つなぎ's receiving agency.
    pub referral_agency_name: Option<String>,
    pub target_case_id: Option<i64>,
    pub note: String,
    pub user_name: String,
    pub agency_name: String,
    pub handed_over_at: DateTime<Utc>,
}

/// Who records, in which municipality.
#[derive(Debug, Clone, Copy)]
pub struct Recorder {
    pub municipality_id: MunicipalityId,
    pub user_id: UserId,
    pub agency_id: AgencyId,
}

/// A stage move decided by the domain (`outreach::check_move`).
#[derive(Debug, Clone)]
pub struct StageMove<'a> {
    pub case_id: i64,
    pub from: EngagementStage,
    pub to: EngagementStage,
    pub direction: &'a str,
    pub reason: &'a str,
    pub evidence_attempt_id: Option<i64>,
}

/// One count of the statistics hooks: a code (or a pair `from→to`) and how many.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Count {
    pub code: String,
    pub n: i64,
}

/// What the statistics step reports of one 年度 (counts only, no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OutreachCounts {
    /// Outreach cases opened in the year.
    pub opened: i64,
    /// Outreach cases by the stage they are at now, of those open at some time in the year.
    pub by_stage: Vec<Count>,
    /// Stage moves in the year, `from_stage→to_stage`.
    pub movements: Vec<Count>,
    /// Contact attempts in the year by method, and by outcome.
    pub attempts_by_method: Vec<Count>,
    pub attempts_by_outcome: Vec<Count>,
}

impl Store {
    /// Opens a case of kind アウトリーチ (with `case.kinds`) and its outreach part, at the
    /// stage 未接触.
    pub async fn create_outreach_case(
        &self,
        case: &NewCase<'_>,
        intake_id: Option<i64>,
        o: &ValidOpening,
    ) -> StoreResult<i64> {
        let id = self.create_case(case).await?;
        let at = now();
        crate::execute!(
            self,
            sqlx::query(
                "INSERT INTO outreach_case (id, municipality_id, intake_id, informant_kind, \
                 informant, known, stage, stage_since, interval_days) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(case.municipality_id)
            .bind(intake_id)
            .bind(o.informant_kind.code())
            .bind(&o.informant)
            .bind(&o.known)
            .bind(EngagementStage::Unreached.code())
            .bind(at)
            .bind(
                o.interval_days
                    .map(|d| i32::try_from(d).unwrap_or(i32::MAX))
            )
        )?;
        Ok(id)
    }

    /// Outreach case `id` of any municipality (the access rule decides who sees it).
    pub async fn outreach_any(&self, id: i64) -> StoreResult<Option<OutreachCase>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_outreach!(),
            "WHERE o.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// The outreach cases opened from intake `intake_id`, oldest first.
    pub async fn outreach_from_intake(&self, intake_id: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id FROM outreach_case WHERE intake_id = $1 ORDER BY id"
        )
        .bind(intake_id)
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The open outreach cases of `scope`, unfiltered by the rule (the caller decides each
    /// row), at most `limit`, the longest untouched first.
    pub async fn outreach_cases(
        &self,
        municipality_id: MunicipalityId,
        scope: Scope,
        limit: i64,
    ) -> StoreResult<Vec<OutreachCase>> {
        let (agency, coordinates, involved) = scope.binds();
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_outreach!(),
            "WHERE ",
            in_scope!(),
            "ORDER BY COALESCE((SELECT MAX(a.attempted_at) FROM contact_attempt a \
               WHERE a.case_id = o.id), c.opened_at), o.id LIMIT $5"
        ))
        .bind(municipality_id)
        .bind(agency)
        .bind(coordinates)
        .bind(involved)
        .bind(limit)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// What the alerts read of the case's attempts, oldest first.
    pub async fn attempt_facts(&self, case_id: i64) -> StoreResult<Vec<AttemptFactRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT a.case_id, a.id, a.attempted_at, a.method, a.met, a.outcome, a.safety_concern, \
             a.next_planned_on FROM contact_attempt a WHERE a.case_id = $1 \
             ORDER BY a.attempted_at, a.id"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// What the alerts read of every attempt on the open outreach cases of `scope`.
    pub async fn outreach_attempt_facts(
        &self,
        municipality_id: MunicipalityId,
        scope: Scope,
    ) -> StoreResult<Vec<AttemptFactRow>> {
        let (agency, coordinates, involved) = scope.binds();
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT a.case_id, a.id, a.attempted_at, a.method, a.met, a.outcome, a.safety_concern, \
             a.next_planned_on \
             FROM contact_attempt a JOIN cases c ON c.id = a.case_id \
             WHERE ",
            in_scope!(),
            "ORDER BY a.case_id, a.attempted_at, a.id"
        ))
        .bind(municipality_id)
        .bind(agency)
        .bind(coordinates)
        .bind(involved)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Records an attempt with the staff who went (`staff`: each user and their agency).
    pub async fn create_contact_attempt(
        &self,
        by: Recorder,
        case_id: i64,
        a: &ValidAttempt,
        attempted_at: DateTime<Utc>,
        staff: &[(UserId, AgencyId)],
    ) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO contact_attempt (municipality_id, case_id, attempted_at, method, met, \
                 outcome, left_behind, observations, safety_concern, next_planned_on, \
                 recorded_by_user_id, recorded_by_agency_id, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(by.municipality_id)
            .bind(case_id)
            .bind(attempted_at)
            .bind(a.method.code())
            .bind(a.met.code())
            .bind(a.outcome.code())
            .bind(&a.left)
            .bind(&a.observations)
            .bind(a.safety_concern)
            .bind(a.next_planned_on)
            .bind(by.user_id)
            .bind(by.agency_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for (user, agency) in staff {
                sqlx::query(
                    "INSERT INTO contact_attempt_staff (municipality_id, attempt_id, user_id, \
                     agency_id) VALUES ($1, $2, $3, $4)",
                )
                .bind(by.municipality_id)
                .bind(id)
                .bind(user)
                .bind(agency)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The case's attempts, newest first.
    pub async fn contact_attempts(&self, case_id: i64) -> StoreResult<Vec<ContactAttempt>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT a.id, a.case_id, a.attempted_at, a.method, a.met, a.outcome, a.left_behind, \
             a.observations, a.safety_concern, a.next_planned_on, u.display_name AS recorded_by_name, \
             g.name AS recorded_by_agency_name, a.recorded_at FROM contact_attempt a \
             JOIN app_user u ON u.id = a.recorded_by_user_id \
             JOIN agency g ON g.id = a.recorded_by_agency_id \
             WHERE a.case_id = $1 ORDER BY a.attempted_at DESC, a.id DESC"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    /// The staff who went on the case's attempts.
    pub async fn contact_attempt_staff(&self, case_id: i64) -> StoreResult<Vec<AttemptStaff>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT s.attempt_id, s.user_id, u.display_name AS user_name, s.agency_id, \
             g.name AS agency_name FROM contact_attempt_staff s \
             JOIN contact_attempt a ON a.id = s.attempt_id \
             JOIN app_user u ON u.id = s.user_id JOIN agency g ON g.id = s.agency_id \
             WHERE a.case_id = $1 ORDER BY s.attempt_id, u.display_name"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Moves the stage if the case is still at `m.from` (else [`crate::StoreError::NotFound`]:
    /// someone moved it first), and records the move.
    pub async fn move_outreach_stage(&self, by: Recorder, m: &StageMove<'_>) -> StoreResult<()> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let moved = sqlx::query(
                "UPDATE outreach_case SET stage = $1, stage_since = $2 WHERE id = $3 AND stage = $4",
            )
            .bind(m.to.code())
            .bind(at)
            .bind(m.case_id)
            .bind(m.from.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Err(crate::StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO outreach_stage_event (municipality_id, case_id, from_stage, to_stage, \
                 direction, reason, evidence_attempt_id, user_id, agency_id, occurred_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(by.municipality_id)
            .bind(m.case_id)
            .bind(m.from.code())
            .bind(m.to.code())
            .bind(m.direction)
            .bind(m.reason)
            .bind(m.evidence_attempt_id)
            .bind(by.user_id)
            .bind(by.agency_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The stage's history, oldest first.
    pub async fn outreach_stage_events(&self, case_id: i64) -> StoreResult<Vec<StageEvent>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.id, e.from_stage, e.to_stage, e.direction, e.reason, e.evidence_attempt_id, \
             u.display_name AS user_name, a.name AS agency_name, e.occurred_at \
             FROM outreach_stage_event e JOIN app_user u ON u.id = e.user_id \
             JOIN agency a ON a.id = e.agency_id WHERE e.case_id = $1 ORDER BY e.occurred_at, e.id"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Sets the case's own contact interval (`None`: back to the municipality's).
    pub async fn set_outreach_interval(&self, case_id: i64, days: Option<u32>) -> StoreResult<()> {
        crate::execute!(
            self,
            sqlx::query("UPDATE outreach_case SET interval_days = $1 WHERE id = $2")
                .bind(days.map(|d| i32::try_from(d).unwrap_or(i32::MAX)))
                .bind(case_id)
        )?;
        Ok(())
    }

    pub async fn create_information_note(
        &self,
        by: Recorder,
        case_id: i64,
        n: &ValidNote,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO information_note (municipality_id, case_id, noted_on, source_kind, source, \
             body, recorded_by_user_id, recorded_by_agency_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(by.municipality_id)
        .bind(case_id)
        .bind(n.noted_on)
        .bind(n.source_kind.code())
        .bind(&n.source)
        .bind(&n.body)
        .bind(by.user_id)
        .bind(by.agency_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    /// The case's information notes, newest first.
    pub async fn information_notes(&self, case_id: i64) -> StoreResult<Vec<InformationNote>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT n.id, n.case_id, n.noted_on, n.source_kind, n.source, n.body, \
             u.display_name AS recorded_by_name, a.name AS recorded_by_agency_name, n.recorded_at \
             FROM information_note n JOIN app_user u ON u.id = n.recorded_by_user_id \
             JOIN agency a ON a.id = n.recorded_by_agency_id \
             WHERE n.case_id = $1 ORDER BY n.noted_on DESC, n.id DESC"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn create_accompaniment(
        &self,
        by: Recorder,
        case_id: i64,
        a: &ValidAccompaniment,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "INSERT INTO accompaniment (municipality_id, case_id, occurred_on, kind, body, \
             recorded_by_user_id, recorded_by_agency_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(by.municipality_id)
        .bind(case_id)
        .bind(a.occurred_on)
        .bind(a.kind.code())
        .bind(&a.body)
        .bind(by.user_id)
        .bind(by.agency_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await)?;
        Ok(id)
    }

    /// The 伴走支援 entries of the outreach cases `where_` selects (binding `$1`).
    async fn accompaniments_where(
        &self,
        where_: &'static str,
        id: i64,
    ) -> StoreResult<Vec<Accompaniment>> {
        let sql = format!(
            "SELECT e.id, e.case_id, e.occurred_on, e.kind, e.body, \
             u.display_name AS recorded_by_name, a.name AS agency_name, e.recorded_at \
             FROM accompaniment e JOIN app_user u ON u.id = e.recorded_by_user_id \
             JOIN agency a ON a.id = e.recorded_by_agency_id JOIN cases c ON c.id = e.case_id \
             WHERE {where_} ORDER BY e.occurred_on DESC, e.id DESC"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_all(&mut *p)
            .await)?)
    }

    /// The case's 伴走支援 entries, newest first.
    pub async fn accompaniments(&self, case_id: i64) -> StoreResult<Vec<Accompaniment>> {
        self.accompaniments_where("e.case_id = $1", case_id).await
    }

    /// The 伴走支援 entries of the outreach cases on a person's 名寄せ group (its canonical
    /// record), for the person's timeline.
    pub async fn accompaniments_of_person(
        &self,
        canonical_id: i64,
    ) -> StoreResult<Vec<Accompaniment>> {
        self.accompaniments_where(
            "c.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1)",
            canonical_id,
        )
        .await
    }

    /// The 伴走支援 entries of the outreach cases on a household itself.
    pub async fn accompaniments_of_household(
        &self,
        household_id: i64,
    ) -> StoreResult<Vec<Accompaniment>> {
        self.accompaniments_where("c.household_id = $1", household_id)
            .await
    }

    pub async fn create_outreach_handover(
        &self,
        by: Recorder,
        case_id: i64,
        (referral_id, target_case_id): (Option<i64>, Option<i64>),
        note: &str,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO outreach_handover (municipality_id, case_id, referral_id, target_case_id, \
             note, user_id, agency_id, handed_over_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING id"
        )
        .bind(by.municipality_id)
        .bind(case_id)
        .bind(referral_id)
        .bind(target_case_id)
        .bind(note)
        .bind(by.user_id)
        .bind(by.agency_id)
        .bind(now())
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    pub async fn outreach_handovers(&self, case_id: i64) -> StoreResult<Vec<Handover>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT h.id, h.case_id, h.referral_id, ra.name AS referral_agency_name, \
             h.target_case_id, h.note, u.display_name AS user_name, a.name AS agency_name, \
             h.handed_over_at FROM outreach_handover h JOIN app_user u ON u.id = h.user_id \
             JOIN agency a ON a.id = h.agency_id LEFT JOIN referral r ON r.id = h.referral_id \
             LEFT JOIN agency ra ON ra.id = r.to_agency_id \
             WHERE h.case_id = $1 ORDER BY h.handed_over_at, h.id"
        )
        .bind(case_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// The statistics hooks of one 年度 (`from..=to`, Japan days): outreach cases opened,
    /// by their stage now (of those open at some time in the year), the stage's moves,
    /// and contact attempts by method and by outcome.
    pub async fn outreach_counts(
        &self,
        municipality_id: MunicipalityId,
        (from, to): (NaiveDate, NaiveDate),
    ) -> StoreResult<OutreachCounts> {
        // The year's instants: from JST midnight on `from` to JST midnight after `to`.
        let start =
            from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - chrono::TimeDelta::hours(9);
        let end = start + chrono::TimeDelta::days((to - from).num_days() + 1);
        let counts = async |sql: &'static str| -> StoreResult<Vec<Count>> {
            Ok(on_pool!(self, |p| sqlx::query_as(sql)
                .bind(municipality_id)
                .bind(start)
                .bind(end)
                .fetch_all(&mut *p)
                .await)?)
        };
        let opened = counts(
            "SELECT 'opened' AS code, COUNT(*) AS n FROM outreach_case o JOIN cases c ON c.id = o.id \
             WHERE o.municipality_id = $1 AND c.opened_at >= $2 AND c.opened_at < $3",
        )
        .await?;
        Ok(OutreachCounts {
            opened: opened.first().map_or(0, |c| c.n),
            by_stage: counts(
                "SELECT o.stage AS code, COUNT(*) AS n FROM outreach_case o JOIN cases c ON c.id = o.id \
                 WHERE o.municipality_id = $1 AND c.opened_at < $3 \
                 AND (c.closed_at IS NULL OR c.closed_at >= $2) GROUP BY o.stage ORDER BY o.stage",
            )
            .await?,
            movements: counts(
                "SELECT e.from_stage || '→' || e.to_stage AS code, COUNT(*) AS n \
                 FROM outreach_stage_event e WHERE e.municipality_id = $1 \
                 AND e.occurred_at >= $2 AND e.occurred_at < $3 \
                 GROUP BY e.from_stage, e.to_stage ORDER BY e.from_stage, e.to_stage",
            )
            .await?,
            attempts_by_method: counts(
                "SELECT a.method AS code, COUNT(*) AS n FROM contact_attempt a \
                 WHERE a.municipality_id = $1 AND a.attempted_at >= $2 AND a.attempted_at < $3 \
                 GROUP BY a.method ORDER BY a.method",
            )
            .await?,
            attempts_by_outcome: counts(
                "SELECT a.outcome AS code, COUNT(*) AS n FROM contact_attempt a \
                 WHERE a.municipality_id = $1 AND a.attempted_at >= $2 AND a.attempted_at < $3 \
                 GROUP BY a.outcome ORDER BY a.outcome",
            )
            .await?,
        })
    }
}
