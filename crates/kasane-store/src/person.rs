//! Persons (本人) and 名寄せ links. A record is never merged away: a record found to be the
//! same person points at the canonical one, and the group is read together.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Store, StoreError, StoreResult, execute, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub name: String,
    pub furigana: Option<String>,
    #[serde(skip)]
    pub name_key: String,
    #[serde(skip)]
    pub kana_key: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<String>,
    pub address: String,
    pub district_code: Option<String>,
    pub phone: Option<String>,
    #[serde(skip)]
    pub phone_digits: Option<String>,
    pub note: String,
    pub external_id: Option<String>,
    pub linked_to_person_id: Option<i64>,
    pub created_by_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a person as validated by the domain, with their 名寄せ keys.
#[derive(Debug, Clone, Default)]
pub struct PersonFields {
    pub name: String,
    pub furigana: Option<String>,
    pub name_key: String,
    pub kana_key: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<String>,
    pub address: String,
    pub district_code: Option<String>,
    pub phone: Option<String>,
    pub phone_digits: Option<String>,
    pub note: String,
    pub external_id: Option<String>,
}

/// What the access rule's SQL twin needs to know about the caller: list queries carry it,
/// so an unpermitted row never leaves the database.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub municipality_id: MunicipalityId,
    pub agency_id: AgencyId,
    /// Holds the coordinator role and belongs to the coordinating agency.
    pub coordinates: bool,
    /// Today in Japan: consents expire by the local calendar.
    pub today: NaiveDate,
}

/// The SQL twin of `access::decide` for listing persons — kept in step with
/// `Store::person_facts`, over the person's whole 名寄せ group: involvement (registered the record, an intake, a
/// referral received or accepted, lead or involved agency of a case on the person or on a
/// household they belong to), coordination (an escalated intake no case was opened from,
/// or an open case whose coordination has not ended), or a consent in force naming the
/// agency. Binds: $1 municipality, $2 agency, $3 coordinates, $4 today.
///
/// `visible_person!()` includes a referral awaiting the agency's answer (the つなぐシート
/// view); `visible_person!(full_record)` leaves it out — what a case's facts do, since the
/// sheet is about the referral, never the case.
macro_rules! visible_person {
    () => {
        concat!(
            crate::person::visible_person!(@head),
            "('sent', 'accepted', 'completed')",
            crate::person::visible_person!(@tail)
        )
    };
    (full_record) => {
        concat!(
            crate::person::visible_person!(@head),
            "('accepted', 'completed')",
            crate::person::visible_person!(@tail)
        )
    };
    (@head) => {
        "p.municipality_id = $1 AND p.linked_to_person_id IS NULL AND ( \
           EXISTS (SELECT 1 FROM person q WHERE (q.id = p.id OR q.linked_to_person_id = p.id) \
                   AND q.created_by_agency_id = $2) \
           OR EXISTS (SELECT 1 FROM intake i JOIN person q ON q.id = i.person_id \
                   WHERE (q.id = p.id OR q.linked_to_person_id = p.id) \
                   AND (i.receiving_agency_id = $2 OR ($3 AND i.outcome = 'escalated' \
                        AND NOT EXISTS (SELECT 1 FROM cases ic WHERE ic.intake_id = i.id)))) \
           OR EXISTS (SELECT 1 FROM referral r JOIN person q ON q.id = r.person_id \
                   WHERE (q.id = p.id OR q.linked_to_person_id = p.id) AND r.to_agency_id = $2 \
                   AND r.status IN "
    };
    (@tail) => {
        ") OR EXISTS (SELECT 1 FROM cases c2 WHERE (c2.person_id IN \
                     (SELECT q.id FROM person q WHERE q.id = p.id OR q.linked_to_person_id = p.id) \
                   OR c2.household_id IN (SELECT hm.household_id FROM household_member hm \
                     JOIN person q ON q.id = hm.person_id \
                     WHERE (q.id = p.id OR q.linked_to_person_id = p.id) AND hm.left_on IS NULL)) \
                   AND (c2.lead_agency_id = $2 \
                     OR EXISTS (SELECT 1 FROM case_agency ca WHERE ca.case_id = c2.id AND ca.agency_id = $2) \
                     OR ($3 AND c2.status <> 'closed' AND c2.coordination_ended_at IS NULL))) \
           OR EXISTS (SELECT 1 FROM consent co JOIN consent_agency cag ON cag.consent_id = co.id \
                   JOIN person q ON q.id = co.person_id \
                   WHERE (q.id = p.id OR q.linked_to_person_id = p.id) AND cag.agency_id = $2 \
                   AND co.withdrawn_at IS NULL AND (co.expires_on IS NULL OR co.expires_on >= $4))) "
    };
}
pub(crate) use visible_person;

/// One key of the 名寄せ prefilter: the newest 200 unlinked persons of municipality `$1`
/// matching `$cond`.
macro_rules! prefilter_key {
    ($cond:literal) => {
        concat!(
            "SELECT id FROM (SELECT id FROM person WHERE municipality_id = $1 \
             AND linked_to_person_id IS NULL AND ",
            $cond,
            " ORDER BY id DESC LIMIT 200) AS k"
        )
    };
}

macro_rules! select_person {
    () => {
        "SELECT p.id, p.municipality_id, p.name, p.furigana, p.name_key, p.kana_key, \
         p.birth_date, p.sex, p.address, p.district_code, p.phone, p.phone_digits, p.note, \
         p.external_id, p.linked_to_person_id, p.created_by_agency_id, p.created_at, \
         p.updated_at FROM person p "
    };
}

/// A search as typed: every part optional, all parts ANDed.
#[derive(Debug, Clone, Default)]
pub struct PersonSearch {
    /// Matched against the 名寄せ keys (kanji variants, kana, width, spaces folded).
    pub name_key: Option<String>,
    pub kana_key: Option<String>,
    pub phone_digits: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub address: Option<String>,
    pub district_code: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Escapes LIKE wildcards in user input; `\` is the escape character.
fn like_contains(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    pub async fn create_person(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        user_id: UserId,
        f: &PersonFields,
    ) -> StoreResult<i64> {
        let at = now();
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO person (municipality_id, name, furigana, name_key, kana_key, birth_date, \
             sex, address, district_code, phone, phone_digits, note, external_id, \
             created_by_agency_id, created_by_user_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
             RETURNING id"
        )
        .bind(municipality_id)
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
        .bind(agency_id)
        .bind(user_id)
        .bind(at)
        .fetch_one(&mut *p)
        .await
        })?;
        Ok(id)
    }

    pub async fn update_person(&self, id: i64, f: &PersonFields) -> StoreResult<()> {
        let done = execute!(
            self,
            sqlx::query(
                "UPDATE person SET name = $2, furigana = $3, name_key = $4, kana_key = $5, \
                 birth_date = $6, sex = $7, address = $8, district_code = $9, phone = $10, \
                 phone_digits = $11, note = $12, external_id = $13, updated_at = $14 WHERE id = $1"
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
            .bind(now())
        )?;
        expect_one(done)
    }

    /// A person by id whatever its municipality; the caller must put it through the access
    /// rule before showing anything.
    pub async fn person_any(&self, id: i64) -> StoreResult<Option<Person>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_person!(),
            "WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    /// The records linked to a canonical person.
    pub async fn linked_persons(&self, canonical_id: i64) -> StoreResult<Vec<Person>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_person!(),
            "WHERE p.linked_to_person_id = $1 ORDER BY p.id"
        ))
        .bind(canonical_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Persons the viewer may see, matching `s`, newest first; and the total for paging.
    pub async fn search_persons(
        &self,
        viewer: Viewer,
        s: &PersonSearch,
    ) -> StoreResult<(Vec<Person>, i64)> {
        const FILTER: &str = "AND ($5 IS NULL OR p.name_key LIKE $5 ESCAPE '\\' \
             OR p.kana_key LIKE $6 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM person l WHERE l.linked_to_person_id = p.id \
                        AND (l.name_key LIKE $5 ESCAPE '\\' OR l.kana_key LIKE $6 ESCAPE '\\'))) \
             AND ($7 IS NULL OR p.phone_digits LIKE $7 ESCAPE '\\') \
             AND ($8 IS NULL OR p.birth_date = $8) \
             AND ($9 IS NULL OR p.address LIKE $9 ESCAPE '\\') \
             AND ($10 IS NULL OR p.district_code = $10) ";
        let list_sql = format!(
            "{}WHERE {}{FILTER}ORDER BY p.updated_at DESC, p.id DESC LIMIT $11 OFFSET $12",
            select_person!(),
            visible_person!()
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM person p WHERE {}{FILTER}",
            visible_person!()
        );
        // A name search also finds the kana form typed into the same box.
        let name_like = s.name_key.as_deref().map(like_contains);
        let kana_like = s
            .kana_key
            .as_deref()
            .or(s.name_key.as_deref())
            .map(like_contains);
        let phone_like = s.phone_digits.as_deref().map(like_contains);
        let address_like = s.address.as_deref().map(like_contains);
        macro_rules! bind_search {
            ($q:expr) => {
                $q.bind(viewer.municipality_id)
                    .bind(viewer.agency_id)
                    .bind(viewer.coordinates)
                    .bind(viewer.today)
                    .bind(&name_like)
                    .bind(&kana_like)
                    .bind(&phone_like)
                    .bind(s.birth_date)
                    .bind(&address_like)
                    .bind(&s.district_code)
            };
        }
        let (rows, total): (Vec<Person>, (i64,)) = on_pool!(self, |p| {
            let rows = bind_search!(sqlx::query_as(&list_sql))
                .bind(s.limit)
                .bind(s.offset)
                .fetch_all(&mut *p)
                .await?;
            let total = bind_search!(sqlx::query_as(&count_sql))
                .fetch_one(&mut *p)
                .await?;
            (rows, total)
        });
        Ok((rows, total.0))
    }

    /// Prefilter for 名寄せ: unlinked persons of the municipality sharing any key with the
    /// new record, those sharing the most keys first. Each key is looked up on its own and
    /// bounded (newest first), so that many people sharing one common key (a birth date)
    /// cannot crowd out a record that shares several. Scoring is the domain's
    /// (`person_match`); visibility is not applied here — the caller shows a candidate it
    /// may not see only as "known to another window".
    pub async fn match_prefilter(
        &self,
        municipality_id: MunicipalityId,
        f: &PersonFields,
    ) -> StoreResult<Vec<Person>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_person!(),
            "WHERE p.id IN (",
            prefilter_key!("name_key = $2"),
            " UNION ",
            prefilter_key!("kana_key = $3"),
            " UNION ",
            prefilter_key!("birth_date = $4"),
            " UNION ",
            prefilter_key!("external_id = $5"),
            " UNION ",
            prefilter_key!("phone_digits = $6"),
            ") ORDER BY (CASE WHEN p.name_key = $2 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.kana_key = $3 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.birth_date = $4 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.external_id = $5 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.phone_digits = $6 THEN 1 ELSE 0 END) DESC, p.id DESC \
             LIMIT 200"
        ))
        .bind(municipality_id)
        .bind(&f.name_key)
        .bind(&f.kana_key)
        .bind(f.birth_date)
        .bind(&f.external_id)
        .bind(&f.phone_digits)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// Whether any record of `a`'s 名寄せ group was split from (judged distinct from) any
    /// record of `b`'s: then linking them again needs explicit confirmation. One query.
    pub async fn split_before(&self, a: i64, b: i64) -> StoreResult<bool> {
        let row: Option<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT d.person_a FROM person_distinct d \
             JOIN person x ON x.id IN (d.person_a, d.person_b) \
             JOIN person y ON y.id IN (d.person_a, d.person_b) AND y.id <> x.id \
             WHERE COALESCE(x.linked_to_person_id, x.id) = \
                   (SELECT COALESCE(linked_to_person_id, id) FROM person WHERE id = $1) \
               AND COALESCE(y.linked_to_person_id, y.id) = \
                   (SELECT COALESCE(linked_to_person_id, id) FROM person WHERE id = $2) \
             LIMIT 1"
        )
        .bind(a)
        .bind(b)
        .fetch_optional(&mut *p)
        .await)?;
        Ok(row.is_some())
    }

    /// Links `other` (and anything linked to it) to `canonical`. Both records stay.
    pub async fn link_persons(
        &self,
        municipality_id: MunicipalityId,
        canonical: i64,
        other: i64,
        user_id: UserId,
        reason: &str,
    ) -> StoreResult<i64> {
        if canonical == other {
            return Err(StoreError::Invalid(
                "同じ記録どうしは結び付けられません".into(),
            ));
        }
        let at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO person_link (municipality_id, person_id, linked_person_id, \
                 linked_by_user_id, linked_at, reason) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(municipality_id)
            .bind(canonical)
            .bind(other)
            .bind(user_id)
            .bind(at)
            .bind(reason)
            .fetch_one(&mut *tx)
            .await?;
            let done = sqlx::query(
                "UPDATE person SET linked_to_person_id = $2, updated_at = $4 \
                 WHERE municipality_id = $3 AND (id = $1 OR linked_to_person_id = $1)",
            )
            .bind(other)
            .bind(canonical)
            .bind(municipality_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Undoes a link: both records stand alone again, and the pair is never proposed again.
    pub async fn split_persons(
        &self,
        municipality_id: MunicipalityId,
        canonical: i64,
        other: i64,
        user_id: UserId,
    ) -> StoreResult<()> {
        let at = now();
        let (lo, hi) = (canonical.min(other), canonical.max(other));
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE person SET linked_to_person_id = NULL, updated_at = $4 \
                 WHERE id = $1 AND linked_to_person_id = $2 AND municipality_id = $3",
            )
            .bind(other)
            .bind(canonical)
            .bind(municipality_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            expect_one(done.rows_affected())?;
            sqlx::query(
                "UPDATE person_link SET split_by_user_id = $3, split_at = $4 \
                 WHERE person_id = $1 AND linked_person_id = $2 AND split_at IS NULL",
            )
            .bind(canonical)
            .bind(other)
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO person_distinct (municipality_id, person_a, person_b, \
                 decided_by_user_id, decided_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (person_a, person_b) DO NOTHING",
            )
            .bind(municipality_id)
            .bind(lo)
            .bind(hi)
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
