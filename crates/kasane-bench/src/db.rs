//! The bench's own database access: creating and dropping its databases, `ANALYZE`, and
//! the read-only queries that pick target ids (never through the server under test).

use std::str::FromStr;

use anyhow::{Context, Result, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// A read-only pool on the bench database, whichever engine it is.
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` the engine's pool: each arm compiles the query for its engine.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// The file of a `sqlite://` URL.
fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
}

/// The server URL and database name of a PostgreSQL URL. The name is spliced into DDL,
/// so only `[A-Za-z0-9_]` is accepted.
fn split_pg(url: &str) -> Result<(&str, &str)> {
    let (base, name) = url
        .rsplit_once('/')
        .with_context(|| format!("no database name in {url}"))?;
    let name = name.split('?').next().unwrap_or(name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("database name {name:?} must be [A-Za-z0-9_]+");
    }
    Ok((base, name))
}

async fn pg_admin(base: &str) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{base}/postgres"))
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {base}"))
}

/// Removes the SQLite file (and its WAL) or drops the PostgreSQL database.
pub async fn drop_database(url: &str) -> Result<()> {
    if let Some(path) = sqlite_path(url) {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("cannot remove {file}")),
            }
        }
        return Ok(());
    }
    on_server(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "drop").await
}

/// A fresh, empty database at `url` (the SQLite file's folder is created).
pub async fn reset_database(url: &str) -> Result<()> {
    drop_database(url).await?;
    if let Some(path) = sqlite_path(url) {
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        return Ok(());
    }
    on_server(url, "CREATE DATABASE {}", "create").await
}

/// Runs `statement` (its `{}` the database's name) on the PostgreSQL server of `url`,
/// connected to its administrative database.
async fn on_server(url: &str, statement: &str, what: &str) -> Result<()> {
    let (base, name) = split_pg(url)?;
    let admin = pg_admin(base).await?;
    sqlx::query(&statement.replace("{}", name))
        .execute(&admin)
        .await
        .with_context(|| format!("cannot {what} database {name}"))?;
    admin.close().await;
    Ok(())
}

/// Gathers the planner statistics: the plans after `ANALYZE` are the ones measured.
pub async fn analyze(url: &str) -> Result<()> {
    if sqlite_path(url).is_some() {
        let opts = SqliteConnectOptions::from_str(url)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    } else {
        let pool = PgPool::connect(url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }
    Ok(())
}

impl Db {
    /// Opens `url` read-only (SQLite) or with one connection (PostgreSQL).
    pub async fn open(url: &str) -> Result<Db> {
        if sqlite_path(url).is_some() {
            let opts = SqliteConnectOptions::from_str(url)?.read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .with_context(|| format!("cannot open {url}"))?;
            Ok(Db::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .with_context(|| format!("cannot connect to {url}"))?;
            Ok(Db::Postgres(pool))
        }
    }

    /// The ids a query answers, given one integer bind `$1`.
    pub async fn ids(&self, sql: &str, bind: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_db!(self, |p| sqlx::query_as(sql)
            .bind(bind)
            .fetch_all(p)
            .await
            .with_context(|| format!("query failed: {sql}"))?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// (name, furigana) rows of a query, given one integer bind `$1`.
    pub async fn names(&self, sql: &str, bind: i64) -> Result<Vec<(String, Option<String>)>> {
        Ok(on_db!(self, |p| sqlx::query_as(sql)
            .bind(bind)
            .fetch_all(p)
            .await
            .with_context(|| format!("query failed: {sql}"))?))
    }

    /// Cancels what other sessions still run on the database (PostgreSQL goes on with a
    /// query whose client is gone); nothing to do on SQLite, whose queries die with the process.
    pub async fn cancel_others(&self) -> Result<()> {
        if let Db::Postgres(p) = self {
            sqlx::query(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'",
            )
            .execute(p)
            .await?;
        }
        Ok(())
    }

    /// The engine and its version, for the report.
    pub async fn version(&self) -> Result<String> {
        Ok(match self {
            Db::Sqlite(p) => {
                let (v,): (String,) = sqlx::query_as("SELECT sqlite_version()")
                    .fetch_one(p)
                    .await?;
                format!("SQLite {v} (bundled with sqlx)")
            }
            Db::Postgres(p) => {
                let (v,): (String,) = sqlx::query_as("SHOW server_version").fetch_one(p).await?;
                format!("PostgreSQL {v}")
            }
        })
    }

    pub async fn close(&self) {
        on_db!(self, |p| p.close().await);
    }
}
