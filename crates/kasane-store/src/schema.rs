//! Schema introspection, so a test can prove both engines' migrations agree.

use crate::{Pool, Store, StoreResult};

impl Store {
    /// Every `(table, column)` of kasane's own tables, sorted.
    pub async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> =
            match &self.pool {
                Pool::Sqlite(p) => sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(p)
                .await?,
                Pool::Postgres(p) => sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(p)
                .await?,
            };
        cols.sort();
        Ok(cols)
    }
}
