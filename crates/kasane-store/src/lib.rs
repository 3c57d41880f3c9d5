//! kasane's storage: one [`Store`] over embedded SQLite and PostgreSQL.
//!
//! The engine is chosen once, from the database URL. Every query is written once, in SQL
//! both engines accept (`$1` placeholders, `RETURNING`), and compiled once per engine by
//! [`on_pool!`]; user input only ever reaches SQL as a bound parameter. Each engine has
//! its own migration history under `migrations/`, kept in step (a test compares them).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::sync::Arc;

use kasane_domain::audit::AuditKey;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use tokio::sync::OwnedMutexGuard;

pub mod audit;
pub mod bulk;
pub mod case;
pub mod consent;
pub mod correction;
pub mod escalation;
pub mod facts;
pub mod household;
pub mod import;
pub mod intake;
pub mod intake_list;
pub mod match_review;
pub mod meeting;
pub mod municipality;
pub mod outreach;
pub mod person;
pub mod plan;
pub mod referral;
pub mod role_holder;
pub mod schema;
pub mod session;
pub mod support_log;
pub mod token;
mod unit;
pub mod user;

/// Runs `$body` with `$pool` bound to a connection of whichever engine is in use: the
/// unit of work's transaction when the store is bound to one ([`Store::begin`]), else a
/// connection from the pool. The body is compiled for both engines, so it must be
/// engine-neutral SQL; `$pool` is a `&mut` connection (reborrow it as `&mut *p` to run
/// several statements, or `p.begin()` for a nested transaction — a savepoint inside a
/// unit of work).
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {{
        let mut held = $store.conn().await?;
        match &mut held {
            $crate::Held::Sqlite(c) => {
                let $pool = c.get()?;
                $body
            }
            $crate::Held::Postgres(c) => {
                let $pool = c.get()?;
                $body
            }
        }
    }};
}
pub(crate) use on_pool;

/// Executes a statement built by `$query` on whichever engine is in use; yields the number
/// of rows affected.
macro_rules! execute {
    ($store:expr, $query:expr) => {
        $crate::on_pool!($store, |p| $query
            .execute(&mut *p)
            .await
            .map(|r| r.rows_affected()))
    };
}
pub(crate) use execute;

/// The two engines kasane runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The one storage handle. Cheap to clone (pools are reference-counted). A store bound to
/// a unit of work ([`Store::begin`], [`Store::begin_read`]) runs every query in that one
/// transaction.
#[derive(Debug, Clone)]
pub struct Store {
    /// Where writes go (and, outside a unit of work, every statement).
    pool: Pool,
    /// SQLite's read-only connections, for read units: WAL lets them read beside the one
    /// writer instead of queueing behind it. `None` on PostgreSQL (one pool does both) and
    /// for an in-memory SQLite database (a second pool would be another database).
    readers: Option<SqlitePool>,
    tx: Option<TxSlot>,
    /// In a read unit, the writes it asks for (audit entries, session upkeep), applied when
    /// it commits; `None` in a write unit or outside one.
    deferred: Option<Arc<std::sync::Mutex<Vec<Deferred>>>>,
    /// Keys the audit chain; held here, never in the database.
    audit_key: Arc<AuditKey>,
}

/// A write asked for inside a read unit. Reading the data and recording that it was read
/// are two transactions there: the read one cannot write (its connection is read-only),
/// and the write one is short, so readers do not queue behind the audit chain's head.
#[derive(Debug)]
pub(crate) enum Deferred {
    Audit(Box<kasane_domain::audit::AuditEntry>),
    TouchSession(String),
    DeleteSession(String),
    TouchToken(i64),
}

/// The open transaction of a unit of work, shared by the clones of its store.
#[derive(Debug, Clone)]
enum TxSlot {
    Sqlite(Arc<unit::Slot<Sqlite>>),
    Postgres(Arc<unit::Slot<Postgres>>),
}

/// A connection held for one store call: pooled, or the unit of work's transaction.
pub(crate) enum Conn<DB: sqlx::Database> {
    Pooled(PoolConnection<DB>),
    InTx(OwnedMutexGuard<Option<Transaction<'static, DB>>>),
}

impl<DB: sqlx::Database> Conn<DB> {
    pub(crate) fn get(&mut self) -> StoreResult<&mut DB::Connection> {
        match self {
            Conn::Pooled(c) => Ok(&mut **c),
            Conn::InTx(g) => g.as_mut().map(|t| &mut **t).ok_or(StoreError::TxEnded),
        }
    }
}

pub(crate) enum Held {
    Sqlite(Conn<Sqlite>),
    Postgres(Conn<Postgres>),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("データベースに接続できません: {0}")]
    Connect(String),
    #[error("データベースURLが不正です(sqlite://… または postgres://…): {0}")]
    BadUrl(String),
    #[error("マイグレーションに失敗しました: {0}")]
    Migrate(String),
    /// A named constraint refused the write (e.g. a duplicate username); the payload is
    /// the constraint's name, the message what a worker should read.
    #[error("{}", conflict_message(.0))]
    Conflict(String),
    #[error("見つかりません")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("データベースエラー")]
    Database(#[source] sqlx::Error),
    /// A store bound to a unit of work was used after the work was committed.
    #[error("処理はすでに確定しています")]
    TxEnded,
    /// Too busy to answer now (no connection free in time, or SQLite's write lock still
    /// held when its busy timeout ran out): worth retrying, not a fault.
    #[error("データベースが混み合っています")]
    Busy,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, 5 | 6)) =>
            {
                StoreError::Busy
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(
                db.constraint()
                    .map(str::to_string)
                    .unwrap_or_else(|| sqlite_constraint(db.message()).to_string()),
            ),
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Unique constraints by name, with the columns SQLite names instead (it reports
/// "UNIQUE constraint failed: app_user.username", not the constraint), and the message.
const UNIQUE_CONSTRAINTS: [(&str, &str, &str); 3] = [
    (
        "app_user_username_unique",
        "app_user.username",
        "そのユーザー名は既に使われています",
    ),
    (
        "agency_code_unique",
        "agency.code",
        "その機関コードは既に使われています",
    ),
    (
        "district_code_unique",
        "district.code",
        "その地区コードは既に使われています",
    ),
];

fn sqlite_constraint(message: &str) -> &'static str {
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|(_, columns, _)| message.contains(columns))
        .map_or("unique", |(name, _, _)| name)
}

fn conflict_message(constraint: &str) -> &'static str {
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|(name, _, _)| *name == constraint)
        .map_or("同じ内容の記録が既にあります", |(_, _, message)| message)
}

impl Store {
    /// Connects to `url` (`sqlite://path`, `sqlite::memory:`, or `postgres://…`). A SQLite
    /// file is created if missing.
    pub async fn connect(url: &str, audit_key: AuditKey) -> StoreResult<Store> {
        Store::connect_with(url, false, audit_key).await
    }

    /// Connects for bulk loading (`kasane gen`) and brings the schema up to date: one
    /// connection that does not wait for the disk at each commit (SQLite `synchronous=OFF`,
    /// a large page cache and no per-row foreign-key checks; PostgreSQL
    /// `synchronous_commit=off`). A crash may lose the last batches, never corrupt the
    /// database; nothing else should use this store.
    pub async fn open_bulk(url: &str, audit_key: AuditKey) -> StoreResult<Store> {
        let store = Store::connect_with(url, true, audit_key).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn connect_with(url: &str, bulk: bool, audit_key: AuditKey) -> StoreResult<Store> {
        let mut readers = None;
        let pool = if url.starts_with("sqlite:") {
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if bulk {
                // Foreign keys are not checked per row on SQLite while loading: the loader
                // numbers every reference itself, and PostgreSQL (where the same generator
                // runs in the tests) checks every one.
                // A statement of thousands of rows is slow by design: no "slow statement"
                // warnings (each would print the whole statement).
                opts = sqlx::ConnectOptions::disable_statement_logging(opts)
                    .foreign_keys(false)
                    .synchronous(SqliteSynchronous::Off)
                    .pragma("cache_size", "-262144")
                    .pragma("temp_store", "memory");
            }
            // One writer: SQLite takes one write transaction at a time anyway, and the pool's
            // queue is fairer and cheaper than writers sleeping in the busy handler.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .after_release(|c, _| Box::pin(unit::release_sqlite(c)))
                .connect_with(opts.clone())
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            if !bulk && !is_memory(url) {
                readers = Some(
                    SqlitePoolOptions::new()
                        .max_connections(READERS)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .after_release(|c, _| Box::pin(unit::release_sqlite(c)))
                        .connect_with(opts.read_only(true))
                        .await
                        .map_err(|e| StoreError::Connect(e.to_string()))?,
                );
            }
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // No JIT: kasane's statements are short, and on the person search's generic plan
            // JIT compilation took most of each execution (828 → 90 ms, measured for #9).
            let mut opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .options([("jit", "off")]);
            if bulk {
                opts = sqlx::ConnectOptions::disable_statement_logging(opts)
                    .options([("synchronous_commit", "off")]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(if bulk { 1 } else { 16 })
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        Ok(Store {
            pool,
            readers,
            tx: None,
            deferred: None,
            audit_key: Arc::new(audit_key),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str, audit_key: AuditKey) -> StoreResult<Store> {
        let store = Store::connect(url, audit_key).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await,
        };
        result.map_err(|e| StoreError::Migrate(e.to_string()))?;
        // Before the key filling below, which reads by one of them.
        self.bulk_restore_indexes().await?;
        self.fill_search_keys().await?;
        self.rekey_persons().await?;
        Ok(())
    }

    /// How many connections the store holds at most (SQLite: the readers and the writer).
    pub fn capacity(&self) -> usize {
        let readers = self
            .readers
            .as_ref()
            .map_or(0, |r| r.options().get_max_connections());
        let pool = match &self.pool {
            Pool::Sqlite(p) => p.options().get_max_connections(),
            Pool::Postgres(p) => p.options().get_max_connections(),
        };
        (readers + pool) as usize
    }

    /// A cheap round trip, for `/healthz` (on a reader: a busy writer is not ill health).
    pub async fn ping(&self) -> StoreResult<()> {
        match &self.readers {
            Some(r) if self.tx.is_none() => {
                sqlx::query("SELECT 1").execute(r).await?;
            }
            // In a unit, on its own connection.
            _ => {
                execute!(self, sqlx::query("SELECT 1"))?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(r) = &self.readers {
            r.close().await;
        }
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Begins a unit of work: the store answered runs every query in one transaction, which
    /// [`Store::commit`] makes durable; dropped without a commit, nothing it did remains.
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred one that reads and then writes fails outright when another writer went
    /// first, instead of waiting its turn.
    pub async fn begin(&self) -> StoreResult<Store> {
        if self.tx.is_some() {
            return Ok(self.clone());
        }
        let tx = match &self.pool {
            Pool::Sqlite(p) => {
                TxSlot::Sqlite(Arc::new(unit::begin_sqlite(p, "BEGIN IMMEDIATE").await?))
            }
            Pool::Postgres(p) => {
                TxSlot::Postgres(Arc::new(unit::begin_postgres(p, "BEGIN").await?))
            }
        };
        Ok(self.bound(tx, None))
    }

    /// Begins a read unit: a read-only transaction (on SQLite a read-only connection,
    /// reading beside the writer), whose audit entries and session upkeep are written when
    /// it commits, in one short write transaction of their own — so [`Store::commit`]
    /// succeeding means the reads are on record. A write statement in it fails.
    pub async fn begin_read(&self) -> StoreResult<Store> {
        if self.tx.is_some() {
            return Ok(self.clone());
        }
        let tx = match (&self.readers, &self.pool) {
            (Some(p), _) | (None, Pool::Sqlite(p)) => {
                TxSlot::Sqlite(Arc::new(unit::begin_sqlite(p, "BEGIN").await?))
            }
            (None, Pool::Postgres(p)) => {
                TxSlot::Postgres(Arc::new(unit::begin_postgres(p, "BEGIN READ ONLY").await?))
            }
        };
        Ok(self.bound(tx, Some(Arc::default())))
    }

    fn bound(&self, tx: TxSlot, deferred: Option<Arc<std::sync::Mutex<Vec<Deferred>>>>) -> Store {
        Store {
            pool: self.pool.clone(),
            readers: self.readers.clone(),
            tx: Some(tx),
            deferred,
            audit_key: self.audit_key.clone(),
        }
    }

    /// Whether this store is bound to a unit of work.
    pub fn in_unit_of_work(&self) -> bool {
        self.tx.is_some()
    }

    /// In a read unit, keeps `write` for its commit and answers `true`; elsewhere `false`:
    /// the caller writes now.
    pub(crate) fn defer(&self, write: impl FnOnce() -> Deferred) -> StoreResult<bool> {
        match &self.deferred {
            Some(d) => {
                d.lock().map_err(|_| StoreError::TxEnded)?.push(write());
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Commits the unit of work this store is bound to (its clones see it ended); a read
    /// unit then writes what it deferred. A store not bound to one has nothing to commit.
    pub async fn commit(&self) -> StoreResult<()> {
        self.commit_tx().await?;
        let writes = match &self.deferred {
            Some(d) => std::mem::take(&mut *d.lock().map_err(|_| StoreError::TxEnded)?),
            None => Vec::new(),
        };
        if writes.is_empty() {
            return Ok(());
        }
        let unit = Store {
            pool: self.pool.clone(),
            readers: self.readers.clone(),
            tx: None,
            deferred: None,
            audit_key: self.audit_key.clone(),
        }
        .begin()
        .await?;
        for write in writes {
            unit.apply(write).await?;
        }
        unit.commit_tx().await
    }

    async fn commit_tx(&self) -> StoreResult<()> {
        match &self.tx {
            None => Ok(()),
            Some(TxSlot::Sqlite(slot)) => match slot.take().await {
                Some(tx) => Ok(tx.commit().await?),
                None => Err(StoreError::TxEnded),
            },
            Some(TxSlot::Postgres(slot)) => match slot.take().await {
                Some(tx) => Ok(tx.commit().await?),
                None => Err(StoreError::TxEnded),
            },
        }
    }

    async fn apply(&self, write: Deferred) -> StoreResult<()> {
        match write {
            Deferred::Audit(entry) => self.append_entry(*entry).await,
            Deferred::TouchSession(digest) => self.touch_session(&digest).await,
            Deferred::DeleteSession(digest) => self.delete_session(&digest).await,
            Deferred::TouchToken(id) => self.touch_token(id).await,
        }
    }

    /// Undoes the unit of work this store is bound to; nothing it did remains, nor what
    /// it deferred. (Dropping every clone undoes it too; this does it now, before the
    /// connection is reused.)
    pub async fn rollback(&self) -> StoreResult<()> {
        if let Some(d) = &self.deferred {
            d.lock().map_err(|_| StoreError::TxEnded)?.clear();
        }
        match &self.tx {
            None => Ok(()),
            Some(TxSlot::Sqlite(slot)) => match slot.take().await {
                Some(tx) => Ok(tx.rollback().await?),
                None => Ok(()),
            },
            Some(TxSlot::Postgres(slot)) => match slot.take().await {
                Some(tx) => Ok(tx.rollback().await?),
                None => Ok(()),
            },
        }
    }

    /// The connection for one call: the unit of work's transaction, or a pooled one.
    pub(crate) async fn conn(&self) -> StoreResult<Held> {
        Ok(match (&self.tx, &self.pool) {
            (Some(TxSlot::Sqlite(slot)), _) => Held::Sqlite(Conn::InTx(slot.lock().await)),
            (Some(TxSlot::Postgres(slot)), _) => Held::Postgres(Conn::InTx(slot.lock().await)),
            (None, Pool::Sqlite(p)) => Held::Sqlite(Conn::Pooled(p.acquire().await?)),
            (None, Pool::Postgres(p)) => Held::Postgres(Conn::Pooled(p.acquire().await?)),
        })
    }
}

/// How long a request waits for a connection before it is answered "busy".
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's read-only connections (each reads on a blocking thread of its own).
const READERS: u32 = 8;

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

tokio::task_local! {
    /// The time [`as_of`] writes at, in the task that awaits it.
    static AS_OF: chrono::DateTime<chrono::Utc>;
}

/// The time a record is stamped with: the real time ([`wall_clock`]), or inside [`as_of`]
/// the instant given there.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    AS_OF.try_with(|at| *at).unwrap_or_else(|_| wall_clock())
}

/// Runs `work` with [`now`] answering `at`, so that past records (the demo's history) are
/// written through the ordinary calls and stamped when they happened. Task-local, not
/// global: requests, and the many apps tests run side by side in one process, keep the
/// real time. The audit trail, sessions and tokens never follow it (they read
/// [`wall_clock`]): the chain's times must follow its sequence, and a login is now.
pub async fn as_of<F: std::future::Future>(
    at: chrono::DateTime<chrono::Utc>,
    work: F,
) -> F::Output {
    AS_OF.scope(at_stored_precision(at), work).await
}

/// The real current time at the precision both engines keep (microseconds), so that what
/// is hashed equals what is read back.
pub fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    at_stored_precision(chrono::Utc::now())
}

fn at_stored_precision(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn as_of_holds_in_its_task_only() {
        let past = wall_clock() - chrono::TimeDelta::days(100);
        let inside = as_of(past, async {
            let elsewhere = tokio::spawn(async { now() }).await.unwrap();
            (now(), wall_clock(), elsewhere)
        })
        .await;
        assert_eq!(inside.0, past);
        assert!(
            inside.1 > past && inside.2 > past,
            "the real time beside it"
        );
        assert!(now() > past, "and after it");
    }

    #[test]
    fn no_connection_in_time_is_busy_not_a_fault() {
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Busy
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
    }
}
