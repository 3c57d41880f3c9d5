//! The transaction of a unit of work, and what happens to it when its caller goes away.
//!
//! A request whose client disconnects is dropped by the server, and its unit with it; the
//! transaction is then rolled back — but only after the statement in flight has run to its
//! end, holding a connection (on SQLite perhaps the one writer) for nothing. So a unit
//! dropped before it ended cancels that statement: on SQLite a progress handler installed
//! when the unit began interrupts it; on PostgreSQL the server is asked to cancel the
//! backend's statement — if that backend is still in this unit's transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use sqlx::{Database, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::StoreResult;

/// How many SQLite virtual-machine steps run between two looks at the cancel flag.
const STEPS_BETWEEN_CHECKS: i32 = 1000;

/// The open transaction of a unit of work, shared by the clones of its store. `None` once
/// committed or rolled back.
#[derive(Debug)]
pub(crate) struct Slot<DB: Database> {
    tx: Arc<Mutex<Option<Transaction<'static, DB>>>>,
    abandon: Abandon,
}

/// What to do when a unit is dropped before it ended.
#[derive(Debug)]
enum Abandon {
    /// Raise the flag the connection's progress handler watches.
    Interrupt(Arc<AtomicBool>),
    /// Cancel the statement of backend `pid`, if it is still in the transaction that
    /// started at `started`.
    CancelBackend {
        pool: PgPool,
        pid: i32,
        started: DateTime<Utc>,
    },
}

impl<DB: Database> Slot<DB> {
    /// The transaction, held for one store call.
    pub(crate) async fn lock(&self) -> OwnedMutexGuard<Option<Transaction<'static, DB>>> {
        self.tx.clone().lock_owned().await
    }

    /// Takes the transaction out to commit or roll it back.
    pub(crate) async fn take(&self) -> Option<Transaction<'static, DB>> {
        self.tx.lock().await.take()
    }
}

impl<DB: Database> Drop for Slot<DB> {
    fn drop(&mut self) {
        // Locked: a statement was in flight when the unit was dropped.
        let abandoned = self.tx.try_lock().map_or(true, |tx| tx.is_some());
        if !abandoned {
            return;
        }
        match &self.abandon {
            Abandon::Interrupt(flag) => flag.store(true, Ordering::Relaxed),
            Abandon::CancelBackend { pool, pid, started } => {
                let (pool, pid, started) = (pool.clone(), *pid, *started);
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        let cancelled = sqlx::query(
                            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                             WHERE pid = $1 AND xact_start = $2",
                        )
                        .bind(pid)
                        .bind(started)
                        .execute(&pool)
                        .await;
                        if let Err(e) = cancelled {
                            tracing::warn!(error = %e, "could not cancel an abandoned statement");
                        }
                    });
                }
            }
        }
    }
}

/// Begins a SQLite transaction with `statement` on `pool`, interruptible when abandoned.
pub(crate) async fn begin_sqlite(
    pool: &SqlitePool,
    statement: &'static str,
) -> StoreResult<Slot<Sqlite>> {
    let mut tx = pool.begin_with(statement).await?;
    let flag = Arc::new(AtomicBool::new(false));
    let watched = flag.clone();
    tx.lock_handle()
        .await?
        .set_progress_handler(STEPS_BETWEEN_CHECKS, move || {
            !watched.load(Ordering::Relaxed)
        });
    Ok(Slot {
        tx: Arc::new(Mutex::new(Some(tx))),
        abandon: Abandon::Interrupt(flag),
    })
}

/// Begins a PostgreSQL transaction with `statement` on `pool`, cancellable when abandoned.
pub(crate) async fn begin_postgres(
    pool: &PgPool,
    statement: &'static str,
) -> StoreResult<Slot<Postgres>> {
    let mut tx = pool.begin_with(statement).await?;
    let (pid, started): (i32, DateTime<Utc>) = sqlx::query_as("SELECT pg_backend_pid(), now()")
        .fetch_one(&mut *tx)
        .await?;
    Ok(Slot {
        tx: Arc::new(Mutex::new(Some(tx))),
        abandon: Abandon::CancelBackend {
            pool: pool.clone(),
            pid,
            started,
        },
    })
}

/// Removes the progress handler of an abandoned unit from a SQLite connection going back
/// to its pool (its flag stays raised), so that the next user is not interrupted.
pub(crate) async fn release_sqlite(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    conn.lock_handle().await?.remove_progress_handler();
    Ok(true)
}
