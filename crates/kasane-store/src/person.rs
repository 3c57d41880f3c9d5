//! Persons (本人) and 名寄せ links. A record is never merged away: a record found to be the
//! same person points at the canonical one, and the group is read together.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::name::{KEY_VERSION, given_kana_key, given_key, kana_key, match_key};
use serde::Serialize;
use sqlx::Connection;

use crate::user::expect_one;
use crate::{Engine, Store, StoreError, StoreResult, execute, now, on_pool};

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
    #[serde(skip)]
    pub given_key: Option<String>,
    #[serde(skip)]
    pub given_kana_key: Option<String>,
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
    /// The current version; a correction names the one it was made from.
    pub version: i32,
}

/// The fields of a person as validated by the domain, with their 名寄せ keys.
#[derive(Debug, Clone, Default)]
pub struct PersonFields {
    pub name: String,
    pub furigana: Option<String>,
    pub name_key: String,
    pub kana_key: Option<String>,
    /// The given name's keys, searched by prefix beside the whole name's.
    pub given_key: Option<String>,
    pub given_kana_key: Option<String>,
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
        concat!(
            "p.municipality_id = $1 AND p.linked_to_person_id IS NULL AND ( \
             p.created_by_agency_id = $2 \
             OR EXISTS (SELECT 1 FROM person l WHERE l.linked_to_person_id = p.id \
                   AND l.created_by_agency_id = $2) \
             OR EXISTS (SELECT 1 FROM intake i WHERE i.person_id IN (",
            crate::person::visible_person!(@group),
            ") AND (i.receiving_agency_id = $2 OR ($3 AND i.outcome = 'escalated' \
                   AND NOT EXISTS (SELECT 1 FROM cases ic WHERE ic.intake_id = i.id)))) \
             OR EXISTS (SELECT 1 FROM referral r WHERE r.person_id IN (",
            crate::person::visible_person!(@group),
            ") AND r.to_agency_id = $2 AND r.status IN "
        )
    };
    (@tail) => {
        concat!(
            // A case on the group's records, or on a household one of them belongs to: two
            // EXISTS, each probing its index (as one `OR` inside one EXISTS PostgreSQL read
            // every case for every candidate person).
            ") OR EXISTS (SELECT 1 FROM cases c2 WHERE c2.person_id IN (",
            crate::person::visible_person!(@group),
            ") AND ",
            crate::person::visible_person!(@case_right),
            ") OR EXISTS (SELECT 1 FROM household_member hm CROSS JOIN cases c2 \
                   WHERE hm.person_id IN (",
            crate::person::visible_person!(@group),
            ") AND hm.left_on IS NULL AND c2.household_id = hm.household_id AND ",
            crate::person::visible_person!(@case_right),
            ") OR EXISTS (SELECT 1 FROM consent co CROSS JOIN consent_agency cag \
                   WHERE co.person_id IN (",
            crate::person::visible_person!(@group),
            ") AND cag.consent_id = co.id AND cag.agency_id = $2 \
                   AND co.withdrawn_at IS NULL AND (co.expires_on IS NULL OR co.expires_on >= $4))) "
        )
    };
    // The records of p's 名寄せ group (p is canonical; links are one level deep), as a
    // list each EXISTS looks its rows up by through the table's person index. (Joining
    // the group as `q.id = p.id OR q.linked_to_person_id = p.id` let SQLite, after
    // ANALYZE, scan a whole table per candidate instead.) `CROSS JOIN` keeps SQLite's
    // join order (PostgreSQL plans it as an inner join).
    (@group) => {
        "SELECT p.id UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id = p.id"
    };
    // What the viewer's agency has on case c2: it leads it, takes part, or coordinates it.
    (@case_right) => {
        "(c2.lead_agency_id = $2 \
         OR EXISTS (SELECT 1 FROM case_agency ca WHERE ca.case_id = c2.id AND ca.agency_id = $2) \
         OR ($3 AND c2.status <> 'closed' AND c2.coordination_ended_at IS NULL))"
    };
}
pub(crate) use visible_person;

/// One blocking key of the 名寄せ prefilter: the newest [`BLOCK`] unlinked persons of
/// municipality `$1` matching `$cond`. Each key has its own bound, so no common key (a
/// birth date 500 people share) crowds out the records another key finds.
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

/// The bound of each blocking key ([`prefilter_key`]).
pub const BLOCK: usize = 200;

/// The near-miss birth dates the prefilter binds (`near_birth_dates` gives at most 10;
/// the rest are bound NULL).
const NEAR_DATES: usize = 10;

/// One person record, as the form and the import write it: binds $1 municipality, the
/// fields in [`PersonFields`] order, $14 agency, $15 user, $16 time, $17–$18 given keys.
pub(crate) const INSERT_PERSON: &str = "INSERT INTO person (municipality_id, name, furigana, \
     name_key, kana_key, birth_date, sex, address, district_code, phone, phone_digits, note, \
     external_id, created_by_agency_id, created_by_user_id, created_at, updated_at, given_key, \
     given_kana_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
     $16, $16, $17, $18) RETURNING id";

/// Binds [`INSERT_PERSON`]'s parameters.
macro_rules! bind_new_person {
    ($q:expr, $municipality:expr, $f:expr, $agency:expr, $user:expr, $at:expr) => {
        $q.bind($municipality)
            .bind(&$f.name)
            .bind(&$f.furigana)
            .bind(&$f.name_key)
            .bind(&$f.kana_key)
            .bind($f.birth_date)
            .bind(&$f.sex)
            .bind(&$f.address)
            .bind(&$f.district_code)
            .bind(&$f.phone)
            .bind(&$f.phone_digits)
            .bind(&$f.note)
            .bind(&$f.external_id)
            .bind($agency)
            .bind($user)
            .bind($at)
            .bind(&$f.given_key)
            .bind(&$f.given_kana_key)
    };
}

/// The canonical records of the persons of municipality `$1` whose `$column` lies in
/// [`$from`, `$to`): one index range.
macro_rules! name_range {
    ($column:literal, $from:literal, $to:literal) => {
        concat!(
            "SELECT COALESCE(q.linked_to_person_id, q.id) FROM person q WHERE q.municipality_id = $1 AND q.",
            $column,
            " >= ",
            $from,
            " AND q.",
            $column,
            " < ",
            $to
        )
    };
}

/// Binds [`PREFILTER`]'s parameters: $1 municipality, $2–$6 the keys, $7–$16 the
/// near-miss birth dates.
macro_rules! bind_prefilter {
    ($q:expr, $municipality:expr, $f:expr) => {{
        let near = $f
            .birth_date
            .map(kasane_domain::person_match::near_birth_dates)
            .unwrap_or_default();
        let mut q = $q
            .bind($municipality)
            .bind(&$f.name_key)
            .bind(&$f.kana_key)
            .bind($f.birth_date)
            .bind(&$f.external_id)
            .bind(&$f.phone_digits);
        for i in 0..NEAR_DATES {
            q = q.bind(near.get(i).copied());
        }
        q
    }};
}

macro_rules! select_person {
    () => {
        "SELECT p.id, p.municipality_id, p.name, p.furigana, p.name_key, p.kana_key, \
         p.given_key, p.given_kana_key, p.birth_date, p.sex, p.address, p.district_code, p.phone, p.phone_digits, p.note, \
         p.external_id, p.linked_to_person_id, p.created_by_agency_id, p.created_at, \
         p.updated_at, p.version FROM person p "
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

type StoredKeys = (String, (Option<String>, Option<String>, Option<String>));

/// The keys a person's stored name and フリガナ have under the current rules: name_key, then
/// kana_key, given_key and given_kana_key. A given part that folds to nothing is an empty
/// key, as [`Store::fill_search_keys`] writes it (so that its partial index lets go).
fn stored_keys(name: &str, furigana: Option<&str>) -> StoredKeys {
    let given = given_key(name).or_else(|| name.contains(' ').then(String::new));
    let given_kana =
        furigana.and_then(|f| given_kana_key(f).or_else(|| f.contains(' ').then(String::new)));
    (match_key(name), (furigana.map(kana_key), given, given_kana))
}

/// Escapes LIKE wildcards in user input; `\` is the escape character.
fn like_contains(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The steps plan rows describe: each row's last column, both for SQLite's `EXPLAIN QUERY
/// PLAN` (id, parent, notused, detail) and PostgreSQL's `EXPLAIN` (one text column).
pub(crate) fn plan_lines<R: sqlx::Row>(rows: &[R]) -> Result<Vec<String>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    rows.iter().map(|row| row.try_get(row.len() - 1)).collect()
}

/// A prefix as an index range: `[prefix, prefix + U+10FFFF)` holds exactly the keys that
/// start with it, since keys compare by code point on both engines.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_string(), format!("{prefix}{}", char::MAX))
}

/// The 名寄せ prefilter ([`Store::match_prefilter`]): the blocking keys, each bounded on
/// its own, unioned. A name typed in kana is compared with the フリガナ on file (`kana_key =
/// $2`: a kana name's `name_key` is its `kana_key`), and a フリガナ with a name on file
/// written in kana (`name_key = $3`). The pairs with the birth date come first, so that a
/// name hundreds share still finds the one born that day.
const PREFILTER: &str = concat!(
    select_person!(),
    "WHERE p.id IN (",
    prefilter_key!("name_key = $2 AND birth_date = $4"),
    " UNION ",
    prefilter_key!("kana_key = $3 AND birth_date = $4"),
    " UNION ",
    prefilter_key!("name_key = $2"),
    " UNION ",
    prefilter_key!("kana_key = $3"),
    " UNION ",
    prefilter_key!("kana_key = $2"),
    " UNION ",
    prefilter_key!("name_key = $3"),
    " UNION ",
    prefilter_key!("external_id = $5"),
    " UNION ",
    prefilter_key!("phone_digits = $6"),
    " UNION ",
    prefilter_key!("birth_date = $4"),
    " UNION ",
    prefilter_key!(
        "birth_date IN ($7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         AND (name_key = $2 OR kana_key = $3 OR kana_key = $2 OR name_key = $3)"
    ),
    ") ORDER BY (CASE WHEN p.name_key = $2 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.kana_key = $3 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.birth_date = $4 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.external_id = $5 THEN 1 ELSE 0 END) \
               + (CASE WHEN p.phone_digits = $6 THEN 1 ELSE 0 END) DESC, p.id DESC"
);

/// How a search finds its rows. The access filter and the criteria are the same in every
/// plan; only where the rows are read from differs, chosen by two bounded counts
/// ([`Store::search_persons`]) because neither engine's planner can tell a rare name from
/// a common one, nor an agency that sees a handful from one that sees everybody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPlan {
    /// From what the viewer's agency is involved in (a superset of what it may see):
    /// for an agency that sees few.
    Involved,
    /// From the name's four index ranges, each record mapped to its group's canonical
    /// record: for a rare name.
    NameRanges,
    /// Newest first through `person_updated`, stopping at a page: for an agency that sees
    /// many looking for a common name, or for everybody.
    Recent,
}

impl SearchPlan {
    pub const ALL: [SearchPlan; 3] = [
        SearchPlan::Involved,
        SearchPlan::NameRanges,
        SearchPlan::Recent,
    ];
}

/// Above this many rows an agency's involvements, or a name's matches, are "many".
const FEW: i64 = 2000;

/// The records the name's key ranges hold, mapped to their canonical records.
/// Placeholders: the name range's bounds, then the kana range's.
macro_rules! name_hits {
    ($name_from:literal, $name_to:literal, $kana_from:literal, $kana_to:literal) => {
        concat!(
            name_range!("name_key", $name_from, $name_to),
            " UNION ALL ",
            name_range!("given_key", $name_from, $name_to),
            " UNION ALL ",
            name_range!("kana_key", $kana_from, $kana_to),
            " UNION ALL ",
            name_range!("given_kana_key", $kana_from, $kana_to)
        )
    };
}

/// The canonical records of the persons agency `$2` of municipality `$1` is involved
/// with in any way the access rule knows, whatever the state (a superset of what it may
/// see; `visible_person!` decides), plus what a coordinator (`$3`) coordinates.
macro_rules! involved {
    () => {
        concat!(
            "SELECT COALESCE(q.linked_to_person_id, q.id) FROM person q \
             WHERE q.created_by_agency_id = $2 AND q.municipality_id = $1 \
             UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id) FROM intake i \
               JOIN person q ON q.id = i.person_id \
               WHERE i.municipality_id = $1 AND i.receiving_agency_id = $2 \
             UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id) FROM intake i \
               JOIN person q ON q.id = i.person_id \
               WHERE i.municipality_id = $1 AND i.outcome = 'escalated' AND $3 \
             UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id) FROM referral r \
               JOIN person q ON q.id = r.person_id WHERE r.municipality_id = $1 AND r.to_agency_id = $2 \
             UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id) FROM consent_agency cag \
               JOIN consent co ON co.id = cag.consent_id JOIN person q ON q.id = co.person_id \
               WHERE cag.agency_id = $2 AND co.municipality_id = $1 UNION ALL ",
            crate::person::case_persons!("cases c", "c.municipality_id = $1 AND c.lead_agency_id = $2"),
            " UNION ALL ",
            crate::person::case_persons!(
                "case_agency ca JOIN cases c ON c.id = ca.case_id",
                "ca.agency_id = $2 AND c.municipality_id = $1"
            ),
            " UNION ALL ",
            crate::person::case_persons!(
                "cases c",
                "c.municipality_id = $1 AND c.status <> 'closed' AND $3"
            )
        )
    };
}

pub(crate) use involved;

/// The canonical records of the persons of the cases `$from` and `$cond` select: the
/// case's person, or the current members of its household.
macro_rules! case_persons {
    ($from:literal, $cond:literal) => {
        concat!(
            "SELECT COALESCE(q.linked_to_person_id, q.id) FROM ",
            $from,
            " JOIN person q ON q.id = c.person_id WHERE ",
            $cond,
            " UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id) FROM ",
            $from,
            " JOIN household_member hm ON hm.household_id = c.household_id AND hm.left_on IS NULL \
             JOIN person q ON q.id = hm.person_id WHERE ",
            $cond
        )
    };
}
pub(crate) use case_persons;

/// The name and the other criteria on a row read by the `Involved` or `Recent` plan: the
/// name matches the start of a key of the record or of a record linked to it.
macro_rules! criteria {
    () => {
        "AND ($5 IS NULL OR (p.name_key >= $5 AND p.name_key < $6) \
           OR (p.given_key >= $5 AND p.given_key < $6) \
           OR (p.kana_key >= $7 AND p.kana_key < $8) \
           OR (p.given_kana_key >= $7 AND p.given_kana_key < $8) \
           OR EXISTS (SELECT 1 FROM person l WHERE l.linked_to_person_id = p.id \
             AND ((l.name_key >= $5 AND l.name_key < $6) OR (l.given_key >= $5 AND l.given_key < $6) \
               OR (l.kana_key >= $7 AND l.kana_key < $8) \
               OR (l.given_kana_key >= $7 AND l.given_kana_key < $8)))) "
    };
}

/// The search's SQL under `plan`, after `prefix` (an EXPLAIN). Binds: see [`bind_search`].
fn search_sql(plan: SearchPlan, prefix: &str) -> String {
    const FILTER: &str = "AND ($9 IS NULL OR p.phone_digits LIKE $9 ESCAPE '\\') \
         AND ($10 IS NULL OR p.birth_date = $10) \
         AND ($11 IS NULL OR p.address LIKE $11 ESCAPE '\\' OR p.address LIKE $15 ESCAPE '\\') \
         AND ($12 IS NULL OR p.district_code = $12) \
         ORDER BY p.updated_at DESC, p.id DESC LIMIT $13 OFFSET $14";
    let source = match plan {
        SearchPlan::Involved => concat!(
            "WITH seen(root) AS (",
            involved!(),
            ") ",
            select_person!(),
            "WHERE p.id IN (SELECT root FROM seen) AND ",
            visible_person!(),
            criteria!()
        ),
        // $5–$8 are compared in the ranges themselves: this plan is only run with a name.
        SearchPlan::NameRanges => concat!(
            "WITH hit(root) AS (",
            name_hits!("$5", "$6", "$7", "$8"),
            ") ",
            select_person!(),
            "WHERE p.id IN (SELECT root FROM hit) AND ",
            visible_person!()
        ),
        SearchPlan::Recent => concat!(select_person!(), "WHERE ", visible_person!(), criteria!()),
    };
    format!("{prefix}{source}{FILTER}")
}

/// Binds the search's parameters: $1–$4 the viewer (as `visible_person!`), $5–$8 the name
/// and kana ranges (NULL without a name), $9–$12 the other parts, $13 the page size plus
/// one (to tell whether another page follows), $14 the offset and $15 the address in
/// 全角 (addresses are stored as written: either width is found).
macro_rules! bind_search {
    ($q:expr, $viewer:expr, $s:expr, $ranges:expr) => {{
        let (name_from, name_to, kana_from, kana_to) = $ranges;
        $q.bind($viewer.municipality_id)
            .bind($viewer.agency_id)
            .bind($viewer.coordinates)
            .bind($viewer.today)
            .bind(name_from)
            .bind(name_to)
            .bind(kana_from)
            .bind(kana_to)
            .bind($s.phone_digits.as_deref().map(like_contains))
            .bind($s.birth_date)
            .bind($s.address.as_deref().map(like_contains))
            .bind($s.district_code.as_deref())
            .bind($s.limit + 1)
            .bind($s.offset)
            .bind(
                $s.address
                    .as_deref()
                    .map(|a| like_contains(&kasane_domain::person_search::full_width(a))),
            )
    }};
}

type Ranges = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The name and kana ranges of a search: a name typed in kana is also looked for among
/// the フリガナ.
fn search_ranges(s: &PersonSearch) -> Ranges {
    match s.name_key.as_deref() {
        None => (None, None, None, None),
        Some(name) => {
            let (name_from, name_to) = prefix_range(name);
            let (kana_from, kana_to) = prefix_range(s.kana_key.as_deref().unwrap_or(name));
            (
                Some(name_from),
                Some(name_to),
                Some(kana_from),
                Some(kana_to),
            )
        }
    }
}

/// A pair judged distinct (lower id first), once.
const INSERT_DISTINCT: &str = "INSERT INTO person_distinct (municipality_id, person_a, person_b, \
     decided_by_user_id, decided_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (person_a, person_b) DO NOTHING";

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
            bind_new_person!(
                sqlx::query_as(INSERT_PERSON),
                municipality_id,
                f,
                agency_id,
                user_id,
                at
            )
            .fetch_one(&mut *p)
            .await
        })?;
        Ok(id)
    }

    /// What asks the engine for a statement's plan instead of its rows.
    pub(crate) fn explain_prefix(&self) -> &'static str {
        match self.engine() {
            Engine::Sqlite => "EXPLAIN QUERY PLAN ",
            Engine::Postgres => "EXPLAIN ",
        }
    }

    /// Fills the given-name keys of records written before they existed (migration 0005),
    /// a batch at a time, found through the partial index `person_keys_missing`. Returns
    /// how many records were filled.
    pub async fn fill_search_keys(&self) -> StoreResult<u64> {
        let mut filled = 0;
        loop {
            let rows: Vec<(i64, String, Option<String>)> = on_pool!(self, |p| {
                sqlx::query_as(
                "SELECT id, name, furigana FROM person WHERE (given_key IS NULL AND name LIKE '% %') \
                 OR (given_kana_key IS NULL AND furigana LIKE '% %') ORDER BY id LIMIT 1000"
            )
            .fetch_all(&mut *p)
            .await
            })?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let batch = self.begin().await?;
            for (id, name, furigana) in rows {
                // A name whose given part folds to nothing is stored with an empty key, so
                // that the partial index lets go of it.
                let given = given_key(&name).unwrap_or_default();
                let given_kana = furigana
                    .as_deref()
                    .map(|f| given_kana_key(f).unwrap_or_default());
                execute!(
                    batch,
                    sqlx::query(
                        "UPDATE person SET given_key = $2, given_kana_key = $3 WHERE id = $1"
                    )
                    .bind(id)
                    .bind(given)
                    .bind(given_kana)
                )?;
                filled += 1;
            }
            batch.commit().await?;
        }
    }

    /// Recomputes the stored 名寄せ keys of every person when they were computed under other
    /// rules than [`KEY_VERSION`] (a change to `match_key`, `kana_key` or the 異体字 table),
    /// a batch at a time in id order, then records the version; a run cut short starts
    /// again at the next migrate. Only rows whose keys change are written. Returns how
    /// many were.
    pub async fn rekey_persons(&self) -> StoreResult<u64> {
        let (version,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT version FROM person_key_version"
        )
        .fetch_one(&mut *p)
        .await)?;
        if version == KEY_VERSION {
            return Ok(0);
        }
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let mut after = 0;
        let mut changed = 0;
        loop {
            let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(
                "SELECT id, name, furigana, name_key, kana_key, given_key, given_kana_key \
                     FROM person WHERE id > $1 ORDER BY id LIMIT 1000"
            )
            .bind(after)
            .fetch_all(&mut *p)
            .await)?;
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            after = last;
            let stale: Vec<(i64, StoredKeys)> = rows
                .into_iter()
                .filter_map(|(id, name, furigana, name_key, kana, given, given_kana)| {
                    let fresh = stored_keys(&name, furigana.as_deref());
                    let is_stale = fresh.0 != name_key || fresh.1 != (kana, given, given_kana);
                    is_stale.then_some((id, fresh))
                })
                .collect();
            if stale.is_empty() {
                continue;
            }
            let batch = self.begin().await?;
            for (id, (name_key, (kana, given, given_kana))) in stale {
                execute!(
                    batch,
                    sqlx::query(
                        "UPDATE person SET name_key = $2, kana_key = $3, given_key = $4, \
                         given_kana_key = $5 WHERE id = $1"
                    )
                    .bind(id)
                    .bind(name_key)
                    .bind(kana)
                    .bind(given)
                    .bind(given_kana)
                )?;
                changed += 1;
            }
            batch.commit().await?;
        }
        execute!(
            self,
            sqlx::query("UPDATE person_key_version SET version = $1").bind(KEY_VERSION)
        )?;
        Ok(changed)
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

    /// Persons the viewer may see, matching `s`, newest first: one page, and whether
    /// another follows (one row more is read instead of counting every match).
    pub async fn search_persons(
        &self,
        viewer: Viewer,
        s: &PersonSearch,
    ) -> StoreResult<(Vec<Person>, bool)> {
        let plan = self.search_plan(viewer, s).await?;
        self.search_persons_by(plan, viewer, s).await
    }

    /// The plan for a search: `Involved` when the agency's involvements are few, else
    /// `NameRanges` when the name's matches are few, else `Recent`. Each count stops at
    /// [`FEW`], so choosing costs at most a few thousand index entries.
    pub async fn search_plan(&self, viewer: Viewer, s: &PersonSearch) -> StoreResult<SearchPlan> {
        let ranges = search_ranges(s);
        if self.involvement_is_few(viewer).await? {
            return Ok(SearchPlan::Involved);
        }
        if ranges.0.is_none() {
            return Ok(SearchPlan::Recent);
        }
        let (hits,): (i64,) = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT COUNT(*) FROM (",
            name_hits!("$3", "$4", "$5", "$6"),
            " LIMIT $2) AS n"
        ))
        .bind(viewer.municipality_id)
        .bind(FEW + 1)
        .bind(ranges.0.as_deref())
        .bind(ranges.1.as_deref())
        .bind(ranges.2.as_deref())
        .bind(ranges.3.as_deref())
        .fetch_one(&mut *p)
        .await)?;
        Ok(if hits <= FEW {
            SearchPlan::NameRanges
        } else {
            SearchPlan::Recent
        })
    }

    /// Whether the viewer's agency is involved with few persons ([`FEW`] or fewer, counted
    /// through `involved!`'s indexes and stopping there): then a list reads from those
    /// involvements rather than from the whole municipality.
    pub(crate) async fn involvement_is_few(&self, viewer: Viewer) -> StoreResult<bool> {
        let (involved,): (i64,) = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT COUNT(*) FROM (",
            involved!(),
            " LIMIT $4) AS n"
        ))
        .bind(viewer.municipality_id)
        .bind(viewer.agency_id)
        .bind(viewer.coordinates)
        .bind(FEW + 1)
        .fetch_one(&mut *p)
        .await)?;
        Ok(involved <= FEW)
    }

    /// [`Store::search_persons`] under a given plan: every plan answers the same rows
    /// (`NameRanges` without a name reads as `Recent`).
    pub async fn search_persons_by(
        &self,
        plan: SearchPlan,
        viewer: Viewer,
        s: &PersonSearch,
    ) -> StoreResult<(Vec<Person>, bool)> {
        let plan = match (plan, &s.name_key) {
            (SearchPlan::NameRanges, None) => SearchPlan::Recent,
            (plan, _) => plan,
        };
        let sql = search_sql(plan, "");
        let ranges = search_ranges(s);
        let mut rows: Vec<Person> = on_pool!(self, |p| bind_search!(
            sqlx::query_as(&sql),
            viewer,
            s,
            ranges.clone()
        )
        .fetch_all(&mut *p)
        .await)?;
        let more = rows.len() as i64 > s.limit;
        rows.truncate(usize::try_from(s.limit).unwrap_or(0));
        Ok((rows, more))
    }

    /// The database's plan for a search under `plan`, one line per step (SQLite's
    /// `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN`): for the benchmark report and the
    /// test that searches stay on their indexes.
    pub async fn explain_search(
        &self,
        plan: SearchPlan,
        viewer: Viewer,
        s: &PersonSearch,
    ) -> StoreResult<Vec<String>> {
        let sql = search_sql(plan, self.explain_prefix());
        let ranges = search_ranges(s);
        let rows = on_pool!(self, |p| bind_search!(
            sqlx::query(&sql),
            viewer,
            s,
            ranges.clone()
        )
        .fetch_all(&mut *p)
        .await
        .and_then(|rows| plan_lines(&rows)))?;
        Ok(rows)
    }

    /// Prefilter for 名寄せ: unlinked persons of the municipality sharing a blocking key
    /// with the new record ([`PREFILTER`]), those sharing the most keys first. Each key is
    /// looked up on its own and bounded by [`BLOCK`] (newest first), so that many people
    /// sharing one common key (a birth date) cannot crowd out a record that shares
    /// another; the caller scores and sorts them. Scoring is the domain's
    /// (`person_match`); visibility is not applied here — the caller shows a candidate it
    /// may not see only as "known to another window".
    pub async fn match_prefilter(
        &self,
        municipality_id: MunicipalityId,
        f: &PersonFields,
    ) -> StoreResult<Vec<Person>> {
        Ok(on_pool!(self, |p| bind_prefilter!(
            sqlx::query_as(PREFILTER),
            municipality_id,
            f
        )
        .fetch_all(&mut *p)
        .await)?)
    }

    /// The database's plan for [`Store::match_prefilter`], as [`Store::explain_search`].
    pub async fn explain_prefilter(
        &self,
        municipality_id: MunicipalityId,
        f: &PersonFields,
    ) -> StoreResult<Vec<String>> {
        let sql = format!("{}{PREFILTER}", self.explain_prefix());
        Ok(on_pool!(self, |p| bind_prefilter!(
            sqlx::query(&sql),
            municipality_id,
            f
        )
        .fetch_all(&mut *p)
        .await
        .and_then(|rows| plan_lines(&rows)))?)
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

    /// Records that two unlinked records are different people (名寄せの分離 without a link
    /// to undo: a 名寄せ確認依頼 decided as distinct).
    pub async fn record_distinct(
        &self,
        municipality_id: MunicipalityId,
        a: i64,
        b: i64,
        user_id: UserId,
    ) -> StoreResult<()> {
        let (lo, hi) = (a.min(b), a.max(b));
        execute!(
            self,
            sqlx::query(INSERT_DISTINCT)
                .bind(municipality_id)
                .bind(lo)
                .bind(hi)
                .bind(user_id)
                .bind(now())
        )?;
        Ok(())
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
            sqlx::query(INSERT_DISTINCT)
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
