//! Storage: one schema, two backends (SQLite embedded, PostgreSQL in production).
//!
//! Why an enum and a macro rather than sqlx's `Any` driver: each backend keeps its own typed driver
//! (exact integer, blob and boolean types, real `BEGIN IMMEDIATE` on SQLite, `SET LOCAL ROLE` and
//! `set_config` on PostgreSQL), while every query is still written once. SQL uses `$N` placeholders,
//! which both drivers bind by number; [`run!`] expands one query chain once per backend.
//!
//! Tenancy is enforced twice. On PostgreSQL every transaction runs as the `prompt1_app` role (owns
//! nothing, no BYPASSRLS) under row-level security keyed by `app.org_id`, set per transaction. On
//! both backends the only way to reach tenant tables is an [`OrgTx`], which can only be opened with
//! an [`OrgScope`]; an `OrgScope` is only made by the authentication code from a verified principal,
//! and every tenant query binds `tx.org()` itself, so no handler can name another organization.

use crate::ids::OrgId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The role every request's queries run as on PostgreSQL (created by the migrations).
pub const APP_ROLE: &str = "prompt1_app";

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The driver failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A stored value did not decode as expected.
    #[error("corrupt stored value in {0}")]
    Corrupt(&'static str),
}

/// Result of a storage call.
pub type DbResult<T> = Result<T, DbError>;

/// Which database backs the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// Production.
    Postgres,
}

/// A connection pool to one of the backends.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite file (WAL), with the in-process writer lock (see [`Db::begin`]).
    Sqlite(SqlitePool, Arc<Mutex<()>>),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// An open transaction on either backend.
#[derive(Debug)]
pub enum Conn {
    /// SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Pg(Transaction<'static, Postgres>),
}

/// Runs one sqlx query chain on whichever backend `$conn` is, binding `$c` to the executor.
macro_rules! run {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Conn::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Like [`run!`] for statements: runs `$body` (an `execute` chain) and yields the rows affected.
macro_rules! exec {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite(t) => {
                let $c = &mut **t;
                ($body).map(|r| r.rows_affected())
            }
            $crate::db::Conn::Pg(t) => {
                let $c = &mut **t;
                ($body).map(|r| r.rows_affected())
            }
        }
    };
}

pub(crate) use {exec, run};

/// The organization a transaction is confined to. Only the auth code constructs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgScope {
    org_id: OrgId,
}

impl OrgScope {
    /// Made from an org id the caller has proven membership of (or just created). Crate-private: the
    /// constructors that call it live in `auth` and in the flows that create an organization.
    pub(crate) fn trusted(org_id: &OrgId) -> Self {
        Self {
            org_id: org_id.clone(),
        }
    }
    /// The org id.
    pub fn org_id(&self) -> &OrgId {
        &self.org_id
    }
}

/// A transaction for global tables only (users, auth sessions, device logins, settings). On
/// PostgreSQL it already runs as the app role with no org set, so tenant tables show nothing.
#[derive(Debug)]
pub struct Tx {
    /// The open transaction.
    pub conn: Conn,
    writer: Option<OwnedMutexGuard<()>>,
}

/// A transaction confined to one organization.
#[derive(Debug)]
pub struct OrgTx {
    /// The open transaction.
    pub conn: Conn,
    org: OrgScope,
    writer: Option<OwnedMutexGuard<()>>,
}

impl OrgTx {
    /// The organization every tenant query of this transaction must bind.
    pub fn org(&self) -> &OrgId {
        &self.org.org_id
    }
    /// Commits (and only then lets the next SQLite writer in).
    pub async fn commit(self) -> DbResult<()> {
        let r = commit(self.conn).await;
        drop(self.writer);
        r
    }
}

impl Tx {
    /// Confines the rest of this transaction to `scope` (global tables stay reachable).
    pub async fn into_org(self, scope: &OrgScope) -> DbResult<OrgTx> {
        let mut conn = self.conn;
        set_org(&mut conn, Some(scope.org_id().as_str())).await?;
        Ok(OrgTx {
            conn,
            org: scope.clone(),
            writer: self.writer,
        })
    }
    /// Commits (and only then lets the next SQLite writer in).
    pub async fn commit(self) -> DbResult<()> {
        let r = commit(self.conn).await;
        drop(self.writer);
        r
    }
}

async fn commit(conn: Conn) -> DbResult<()> {
    match conn {
        Conn::Sqlite(t) => t.commit().await?,
        Conn::Pg(t) => t.commit().await?,
    }
    Ok(())
}

async fn set_org(conn: &mut Conn, org: Option<&str>) -> DbResult<()> {
    if let Conn::Pg(t) = conn {
        sqlx::query("SELECT set_config('app.org_id', $1, true)")
            .bind(org.unwrap_or(""))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path`.
    pub async fn open_sqlite(path: &Path) -> DbResult<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        Ok(Self::Sqlite(pool, Arc::new(Mutex::new(()))))
    }

    /// Connects to PostgreSQL at `url` (use `sslmode=verify-full` in production).
    pub async fn open_postgres(url: &str, max_connections: u32) -> DbResult<Self> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Self::Postgres(pool))
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction on global tables.
    ///
    /// SQLite has one writer at a time; rather than letting transactions collide inside SQLite
    /// (where a waiting writer sleeps in growing steps, and a read-then-write can fail on a stale
    /// snapshot), writers queue on an in-process lock and then take the file lock at once with
    /// `BEGIN IMMEDIATE`. PostgreSQL switches to the app role for the rest of the transaction
    /// (`set_config('role', .., true)` is `SET LOCAL ROLE`), with no org set, in one round trip.
    pub async fn begin(&self) -> DbResult<Tx> {
        self.begin_as(None)
            .await
            .map(|(conn, writer)| Tx { conn, writer })
    }

    async fn begin_as(&self, org: Option<&str>) -> DbResult<(Conn, Option<OwnedMutexGuard<()>>)> {
        Ok(match self {
            Self::Sqlite(p, lock) => {
                let guard = lock.clone().lock_owned().await;
                (Conn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?), Some(guard))
            }
            Self::Postgres(p) => {
                let mut t = p.begin().await?;
                sqlx::query(
                    "SELECT set_config('role', 'prompt1_app', true), set_config('app.org_id', $1, true)",
                )
                .bind(org.unwrap_or(""))
                .execute(&mut *t)
                .await?;
                (Conn::Pg(t), None)
            }
        })
    }

    /// Starts a transaction confined to one organization.
    pub async fn begin_org(&self, scope: &OrgScope) -> DbResult<OrgTx> {
        let (conn, writer) = self.begin_as(Some(scope.org_id().as_str())).await?;
        Ok(OrgTx {
            conn,
            org: scope.clone(),
            writer,
        })
    }

    /// A trivial query, for `/readyz`.
    pub async fn ping(&self) -> DbResult<()> {
        match self {
            Self::Sqlite(p, _) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
            Self::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(p, _) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }

    /// Applies every migration not yet applied, each in its own transaction, as the connecting
    /// (owner) role. On PostgreSQL an advisory lock serializes replicas starting together.
    pub async fn migrate(&self) -> DbResult<()> {
        match self {
            Self::Sqlite(p, _) => {
                sqlx::raw_sql(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                )
                .execute(p)
                .await?;
                for (version, sql) in crate::schema::SQLITE {
                    let mut t = p.begin_with("BEGIN IMMEDIATE").await?;
                    let done: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                            .bind(version)
                            .fetch_optional(&mut *t)
                            .await?;
                    if done.is_none() {
                        sqlx::raw_sql(sql).execute(&mut *t).await?;
                        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                            .bind(version)
                            .bind(crate::clock::system_now())
                            .execute(&mut *t)
                            .await?;
                    }
                    t.commit().await?;
                }
            }
            Self::Postgres(p) => {
                for (version, sql) in crate::schema::POSTGRES {
                    let mut t = p.begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock(7146013)")
                        .execute(&mut *t)
                        .await?;
                    sqlx::raw_sql(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                    )
                    .execute(&mut *t)
                    .await?;
                    let done: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                            .bind(version)
                            .fetch_optional(&mut *t)
                            .await?;
                    if done.is_none() {
                        sqlx::raw_sql(sql).execute(&mut *t).await?;
                        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                            .bind(version)
                            .bind(crate::clock::system_now())
                            .execute(&mut *t)
                            .await?;
                    }
                    t.commit().await?;
                }
            }
        }
        Ok(())
    }
}
