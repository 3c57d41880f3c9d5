//! Consents (本人同意) and the agencies each names. A withdrawal is a column set once: the
//! access facts read it on the next request, so access resting on it ends at once.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::consent::{ConsentMethod, Consenter, ValidConsent};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::meeting::MeetingKind;
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Store, StoreResult, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Consent {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub person_id: i64,
    pub case_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub consenter: Consenter,
    pub proxy_name: String,
    pub proxy_relation: String,
    pub consented_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub method: ConsentMethod,
    pub information: String,
    pub covers_support_meeting: bool,
    pub covers_multilayer_meeting: bool,
    pub expires_on: Option<NaiveDate>,
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_by_agency_name: String,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_note: String,
    /// Comma-separated names of the agencies the consent names.
    pub agency_names: String,
}

impl Consent {
    /// Not withdrawn and not expired on `today` (the expiry day itself still counts).
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.withdrawn_at.is_none() && self.expires_on.is_none_or(|last| today <= last)
    }
}

macro_rules! select_consent {
    () => {
        "SELECT co.id, co.municipality_id, co.person_id, co.case_id, co.consenter, co.proxy_name, \
         co.proxy_relation, co.consented_on, co.method, co.information, co.covers_support_meeting, \
         co.covers_multilayer_meeting, co.expires_on, co.note, u.display_name AS recorded_by_name, \
         a.name AS recorded_by_agency_name, co.created_at, co.withdrawn_at, co.withdrawal_note, \
         COALESCE((SELECT STRING_AGG(ag.name, '、' ORDER BY ag.id) FROM consent_agency cag \
           JOIN agency ag ON ag.id = cag.agency_id WHERE cag.consent_id = co.id), '') AS agency_names \
         FROM consent co JOIN app_user u ON u.id = co.recorded_by_user_id \
         JOIN agency a ON a.id = co.recorded_by_agency_id "
    };
}

impl Store {
    /// Records a consent of person `person_id` (a canonical record), optionally for a case.
    pub async fn create_consent(
        &self,
        municipality_id: MunicipalityId,
        person_id: i64,
        case_id: Option<i64>,
        c: &ValidConsent,
        user_id: UserId,
        agency_id: AgencyId,
    ) -> StoreResult<i64> {
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO consent (municipality_id, person_id, case_id, consenter, proxy_name, \
                 proxy_relation, consented_on, method, information, covers_support_meeting, \
                 covers_multilayer_meeting, expires_on, note, recorded_by_user_id, \
                 recorded_by_agency_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, $13, $14, $15, $16) RETURNING id",
            )
            .bind(municipality_id)
            .bind(person_id)
            .bind(case_id)
            .bind(c.consenter.code())
            .bind(&c.proxy_name)
            .bind(&c.proxy_relation)
            .bind(c.consented_on)
            .bind(c.method.code())
            .bind(&c.information)
            .bind(c.meeting_kinds.contains(&MeetingKind::Support))
            .bind(c.covers_multilayer_meeting())
            .bind(c.expires_on)
            .bind(&c.note)
            .bind(user_id)
            .bind(agency_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for agency in &c.agencies {
                sqlx::query(
                    "INSERT INTO consent_agency (municipality_id, consent_id, agency_id) \
                     VALUES ($1, $2, $3)",
                )
                .bind(municipality_id)
                .bind(id)
                .bind(*agency)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn consent_any(&self, id: i64) -> StoreResult<Option<Consent>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_consent!(),
            "WHERE co.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// The consents of a person's 名寄せ group, newest first.
    pub async fn consents_of_person(&self, canonical_id: i64) -> StoreResult<Vec<Consent>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(concat!(
            select_consent!(),
            "WHERE co.person_id IN (SELECT id FROM person WHERE id = $1 OR linked_to_person_id = $1) \
             ORDER BY co.consented_on DESC, co.id DESC"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await
        })?)
    }

    pub async fn consent_agency_ids(&self, consent_id: i64) -> StoreResult<Vec<AgencyId>> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT agency_id FROM consent_agency WHERE consent_id = $1 ORDER BY agency_id"
        )
        .bind(consent_id)
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// Withdraws a consent, once; effective from this moment.
    pub async fn withdraw_consent(&self, id: i64, note: &str, user_id: UserId) -> StoreResult<()> {
        let done = crate::execute!(
            self,
            sqlx::query(
                "UPDATE consent SET withdrawn_at = $2, withdrawn_by_user_id = $3, withdrawal_note = $4 \
                 WHERE id = $1 AND withdrawn_at IS NULL"
            )
            .bind(id)
            .bind(now())
            .bind(user_id)
            .bind(note)
        )?;
        expect_one(done)
    }
}
