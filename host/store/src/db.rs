//! Connection and migrations.

use crate::{Result, StoreError};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Serialises audit appends within this process (SQLite has one
    /// writer anyway; PostgreSQL also takes a table lock, for other hosts).
    pub(crate) audit_lock: tokio::sync::Mutex<()>,
    /// The last audit event this process wrote (seq, hash), read and
    /// written under `audit_lock`: [`Store::trace`] chains to it in one
    /// statement. May be stale; the statement checks it.
    pub(crate) audit_head: std::sync::Mutex<Option<(i64, String)>>,
    /// The SQLite checkpoint task, stopped with the store.
    checkpointer: Option<tokio::task::AbortHandle>,
    /// Wall clock in Unix milliseconds (tests move it to expire passwords,
    /// sessions and lockouts).
    pub(crate) clock: Clock,
    /// The patient search index, loaded at the first search.
    pub(crate) search: std::sync::RwLock<Option<crate::search::SearchIndex>>,
    /// One refresh of the index at a time (the first is a full load).
    pub(crate) search_refresh: tokio::sync::Mutex<()>,
}

pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(h) = &self.checkpointer {
            h.abort();
        }
    }
}

impl Store {
    /// Connect and bring the schema up to date. `sqlite:PATH` (created if
    /// missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        if backend == Backend::Sqlite
            && let Some(path) = crate::prive::fichier_sqlite(url)
        {
            // Created 0600 before SQLite opens it: its `-wal` and `-shm`
            // take the database file's mode.
            if !path.exists() {
                crate::prive::creer(path)
                    .map_err(|e| StoreError::Fichier(format!("{} : {e}", path.display())))?;
            }
            for suffix in ["", "-wal", "-shm"] {
                let f = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                crate::prive::restreindre(&f)
                    .map_err(|e| StoreError::Fichier(format!("droits de {} : {e}", f.display())))?;
            }
        }
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            // A local file needs no health check before each use (a round
            // trip to the connection's thread). A server connection that sat
            // idle may have been cut (server restart, network): it is pinged
            // before use. One just used is not: the ping would be a round
            // trip on every acquire, and a chart acquires four.
            .test_before_acquire(false);
        if backend == Backend::Postgres {
            opts = opts.before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > std::time::Duration::from_secs(2) {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        }
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    // WAL: readers never wait for the writer; a busy writer
                    // is waited for rather than failing at once. Index pages
                    // are read through a memory map and a 32 MiB cache per
                    // connection, not one system call per page: search
                    // probes touch many pages. The WAL is checkpointed by a
                    // background task, not by whichever request commits
                    // the thousandth page.
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA mmap_size = 4294967296; PRAGMA wal_autocheckpoint = 0;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(&url).await?;
        match backend {
            Backend::Sqlite => SQLITE.run(&pool).await?,
            Backend::Postgres => POSTGRES.run(&pool).await?,
        }
        if backend == Backend::Sqlite {
            // Start from an empty WAL: reads consult an index of every WAL
            // frame, and a bulk write left by a previous run can hold
            // millions.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await?;
        }
        let checkpointer = (backend == Backend::Sqlite).then(|| {
            let pool = pool.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                        .execute(&pool)
                        .await
                    {
                        tracing::warn!("point de contrôle du journal SQLite: {e}");
                    }
                }
            })
            .abort_handle()
        });
        let store = Self {
            pool,
            backend,
            audit_lock: tokio::sync::Mutex::new(()),
            audit_head: Default::default(),
            checkpointer,
            clock: std::sync::Arc::new(crate::now_millis),
            search: Default::default(),
            search_refresh: Default::default(),
        };
        Ok(store)
    }

    /// Replace the clock (tests).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Start the transaction of a read that appends its trace inside it
    /// (dashboards, the INS workflow's state, export; charts, searches,
    /// lists and documents are read, then traced by [`Store::trace`]). On PostgreSQL it commits without waiting
    /// for the WAL flush (`synchronous_commit = off`, this transaction
    /// only): a server crash may lose the last fraction of a second of such
    /// traces, never a change of data, and the chain stays whole, as SQLite
    /// in WAL mode with `synchronous = NORMAL` already does for every
    /// commit.
    pub(crate) async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Start a write transaction. On SQLite it takes the write lock at
    /// once (BEGIN IMMEDIATE), so that a
    /// transaction that reads then writes never fails to upgrade its lock
    /// when another process wrote in between; the busy timeout makes
    /// writers queue instead.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// A `SELECT` list giving a row's columns as one JSON array text. The `Any`
/// driver costs about a microsecond per value read, so lists of wide rows
/// (documents, encounters: a chart reads thousands of values) are read as
/// one value per row and decoded by [`JsonRow`].
pub(crate) fn json_row(conn: &sqlx::AnyConnection, columns: &str) -> String {
    if conn.backend_name() == "PostgreSQL" {
        format!("json_build_array({columns})::text")
    } else {
        format!("json_array({columns})")
    }
}

/// The total a list statement carries in its second column (a scalar
/// subquery, the same on every row); no row, none.
pub(crate) fn total_of(rows: &[sqlx::any::AnyRow]) -> Result<i64> {
    use sqlx::Row;
    Ok(match rows.first() {
        Some(r) => r.try_get::<i64, _>(1)?,
        None => 0,
    })
}

/// A row read through [`json_row`]: columns by position, typed by serde
/// (integers, text, null; the schema keeps booleans as 0/1).
pub(crate) struct JsonRow(Vec<serde_json::Value>);

impl JsonRow {
    pub(crate) fn of(row: &sqlx::any::AnyRow) -> Result<Self> {
        use sqlx::Row;
        let text: String = row.try_get(0)?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(|e| StoreError::Corrupt(format!("ligne illisible: {e}")))
    }

    pub(crate) fn get<T: serde::de::DeserializeOwned>(&mut self, i: usize) -> Result<T> {
        let v = self.0.get_mut(i).map(std::mem::take).unwrap_or_default();
        serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("colonne {i}: {e}")))
    }
}
