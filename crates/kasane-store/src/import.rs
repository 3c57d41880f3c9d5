//! Bulk import of persons (`kasane import persons`): every row in one transaction, so a
//! failure part-way leaves nothing behind.

use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use sqlx::Connection;

use crate::person::{INSERT_PERSON, PersonFields, bind_new_person};
use crate::{Store, StoreResult, now, on_pool};

impl Store {
    /// Inserts every person in one transaction; all or nothing. Returns the new ids in the
    /// order given.
    pub async fn create_persons(
        &self,
        municipality_id: MunicipalityId,
        agency_id: AgencyId,
        user_id: UserId,
        persons: &[PersonFields],
    ) -> StoreResult<Vec<i64>> {
        let at = now();
        let mut ids = Vec::with_capacity(persons.len());
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for f in persons {
                let (id,): (i64,) = bind_new_person!(
                    sqlx::query_as(INSERT_PERSON),
                    municipality_id,
                    f,
                    agency_id,
                    user_id,
                    at
                )
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// The 住民宛名番号 already recorded in a municipality, so an import can refuse to
    /// register the same resident twice.
    pub async fn external_ids_in_use(
        &self,
        municipality_id: MunicipalityId,
    ) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT external_id FROM person \
             WHERE municipality_id = $1 AND external_id IS NOT NULL"
        )
        .bind(municipality_id)
        .fetch_all(&mut *p)
        .await)?;
        Ok(rows.into_iter().map(|(e,)| e).collect())
    }
}
