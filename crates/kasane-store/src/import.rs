//! Bulk import of persons (`kasane import persons`): each batch written by the bulk loader's
//! [`Store::insert_persons`] (multi-row INSERTs on SQLite, COPY on PostgreSQL). Inside a
//! unit of work every batch joins its one transaction, so a failure part-way through a
//! file leaves nothing behind.

use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use sqlx::QueryBuilder;

use crate::bulk::PersonExtra;
use crate::person::PersonFields;
use crate::{Engine, Store, StoreResult, now, on_pool};

/// 住民宛名番号 asked about per statement (under both engines' bind limits).
const IDS_PER_QUERY: usize = 10_000;

/// SQLite's page cache for a connection writing batches of persons (32 MiB): a batch
/// touches thousands of pages of the person table's eight indexes, which the default
/// 2 MB would spill to the WAL and read back for every batch.
const BATCH_CACHE: &str = "PRAGMA cache_size = -32768";

impl Store {
    /// Inserts `persons` as one batch, in one transaction (the unit of work's when the store
    /// is bound to one); all or nothing. Returns the new ids in the order given.
    pub async fn create_persons(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        user_id: UserId,
        persons: &[PersonFields],
    ) -> StoreResult<Vec<i64>> {
        if persons.is_empty() {
            return Ok(Vec::new());
        }
        // Joins the unit of work if there is one, which then commits.
        let work = self.begin().await?;
        if self.engine() == Engine::Sqlite {
            on_pool!(work, |p| sqlx::query(BATCH_CACHE)
                .execute(&mut *p)
                .await
                .map(|_| ()))?;
        }
        let ids = work.new_person_ids(persons.len()).await?;
        let at = now();
        let extras: Vec<PersonExtra> = ids
            .iter()
            .map(|&id| PersonExtra {
                id,
                linked_to_person_id: None,
                created_by_agency_id: agency_id,
                created_by_user_id: user_id,
                created_at: at,
            })
            .collect();
        work.insert_persons(municipality_id, persons, &extras)
            .await?;
        if !self.in_unit_of_work() {
            work.commit().await?;
        }
        Ok(ids)
    }

    /// Ids for `n` new persons, ascending. PostgreSQL draws them from the identity sequence,
    /// safe beside other writers. SQLite numbers them after the largest, which is safe
    /// because the store is in a transaction begun `IMMEDIATE`: it holds the write lock.
    async fn new_person_ids(&self, n: usize) -> StoreResult<Vec<i64>> {
        let count = n as i64;
        Ok(match self.engine() {
            Engine::Sqlite => {
                let (last,): (i64,) = on_pool!(self, |p| sqlx::query_as(
                    "SELECT COALESCE(MAX(id), 0) FROM person"
                )
                .fetch_one(&mut *p)
                .await)?;
                (last + 1..=last + count).collect()
            }
            Engine::Postgres => {
                let rows: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(
                    "SELECT nextval(pg_get_serial_sequence('person', 'id')) \
                     FROM generate_series(1, $1)"
                )
                .bind(count)
                .fetch_all(&mut *p)
                .await)?;
                let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
                ids.sort_unstable();
                ids
            }
        })
    }

    /// Which of `ids` are already recorded as 住民宛名番号 in a municipality, so an import
    /// can refuse to register the same resident twice. Asked a batch at a time (through the
    /// index `person_external_id`), never by reading every number the municipality has.
    pub async fn external_ids_in_use(
        &self,
        municipality_id: MunicipalityId,
        ids: &[&str],
    ) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows: Vec<(String,)> = on_pool!(self, |p| {
                let mut qb = QueryBuilder::new(
                    "SELECT DISTINCT external_id FROM person WHERE municipality_id = ",
                );
                qb.push_bind(municipality_id).push(" AND external_id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(&mut *p).await
            })?;
            found.extend(rows.into_iter().map(|(e,)| e));
        }
        Ok(found)
    }
}
